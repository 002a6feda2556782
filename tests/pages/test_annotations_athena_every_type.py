"""The Annotations page with Amazon Athena as its engine, on jobs of every task type (eight of the
demo's jobs in the session's moto server for S3 and Athena, real HTTP): after Run, the classification
job's figures come from the SQL and every other job's from its answer rows, and each tab shows the
local page's reports of them. moto runs no SQL and writes no result file: each query's rows are queued
as Athena would return them (DuckDB over the same files), and the rows query's result CSV is put where
Athena writes it (`<results>/<query id>.csv`) when the page asks GetQueryExecution where it is."""

from __future__ import annotations

import urllib.request

import boto3
import no_real_aws
import pandas as pd
import pytest
from test_workers_athena_page import REGION, RESULTS, _cli_test, open_page

from core.annotations import duck_reports, rowset
from core.annotations.reports import audits
from core.annotations.source import read_source
from core.engine import athena_answer_rows as aar
from core.engine import athena_names as an
from core.engine import athena_quality as aq
from core.quality.report import quality_report
from core.storage import open_location

pytestmark = pytest.mark.slow  # a moto server

every_type = _cli_test("test_quality_athena_every_type")
jobs_folder = every_type.jobs_folder  # the fixture: the eight jobs' files, named as the bucket's prefix
SOURCE = every_type.SOURCE


@pytest.fixture(scope="module")
def uploaded(jobs_folder, moto_server):
    """The eight jobs in a fresh moto, once for a module's tests (2,900 files: 20-30 s an upload). Each
    test queues exactly the Athena results it reads, so none is left for the next."""
    urllib.request.urlopen(urllib.request.Request(f"{moto_server}/moto-api/reset", method="POST"), timeout=30)
    s3 = boto3.client("s3", endpoint_url=moto_server, region_name=REGION, aws_access_key_id="testing",
                      aws_secret_access_key="testing")
    for name in (every_type.BUCKET, "gc-results"):
        s3.create_bucket(Bucket=name, CreateBucketConfiguration={"LocationConstraint": REGION})
    every_type.put_tree(s3, jobs_folder)
    return s3


@pytest.fixture
def demo_bucket(uploaded, moto_server, monkeypatch, tmp_path):
    no_real_aws.use(monkeypatch, REGION)
    monkeypatch.setenv("AWS_ENDPOINT_URL_ATHENA", moto_server)
    monkeypatch.setenv("GC_WORKSPACE", "aws")
    monkeypatch.setenv("GC_CACHE_DIR", str(tmp_path / "cache"))
    yield boto3.client("s3", endpoint_url=moto_server, region_name=REGION)
    no_real_aws.forget_clients()


def athena_answers(folder, tmp_path):
    """The SQL's frames in the page's order (quality's two), the answer rows, the classification jobs'
    compact answers (the first tab's counts and the estimated reliability), and who the workers are."""
    from core.engine import athena_reliability as arl

    answers = every_type.Answers(folder, tmp_path, every_row=False)
    wide = lambda f: f.astype(dict.fromkeys([c for c in ("pairable", "squares") if c in f], "int64"))  # noqa: E731
    seen = answers.engine.con.execute(an.seen_sql("all_answers", "duckdb")).df()  # who the workers are: every job
    return [wide(f) for f in answers.sql], answers.rows, answers.engine.ask(arl.ANSWER_ROWS), seen


def test_every_task_type_on_athena_is_the_local_pages(demo_bucket, jobs_folder, moto_server, monkeypatch,
                                                      tmp_path):
    at = open_page(moto_server, page="app_pages/annotations.py", engine="athena", source=SOURCE, results=RESULTS,
                   database="gc", names="anon", tab="Quality")  # workers as Worker N, reliability estimated
    assert not at.error, [e.value for e in at.error]
    info = " ".join(i.value for i in at.info)
    assert "returns them here" in info and "shapes-masks (Segmentation)" in info.replace("\\", "")
    assert "shapes-tracking (Video tracking)" in info.replace("\\", "")  # its labels are in SeqLabel.json files
    assert "digits-pilot" not in info  # the classification job is measured on Athena
    caption = " ".join(c.value for c in at.caption)
    assert "3 queries reading" in caption and "and 1 query reading" in caption  # each read priced apart
    ddl = at.code[0].value.rstrip().removesuffix(";").split(";\n\n")

    frames, rows, compact, seen = athena_answers(jobs_folder, tmp_path)
    _cli_test().queue(moto_server, [None] * len(ddl) + frames + [None, None, seen])  # compact and rows: CSVs, below
    files = [compact, rows]  # in the page's order: the classification job's compact answers, the others' rows

    def output_location(athena, query_id):  # moto names the folder; Athena names its result file there
        where = real(athena, query_id)
        where = f"{where}{query_id}.csv" if where.endswith("/") else where
        bucket, _, key = where.removeprefix("s3://").partition("/")
        demo_bucket.put_object(Bucket=bucket, Key=key, Body=every_type.athena_csv(files.pop(0)))
        return where

    real = aar.output_location
    monkeypatch.setattr(aar, "output_location", output_location)
    at.button(key="athena_run").click().run()
    assert not at.exception and not at.error, [e.value for e in [*at.exception, *at.error]]
    assert any("5 query(ies) run on Athena" in c.value for c in at.caption) and not files  # and who the workers are

    local = read_source(open_location(str(jobs_folder)))
    expected = quality_report(local.table, masks=local.masks)
    report, source, rows_report = at.session_state["_athena_annotations_result"]["result"][:3]
    assert set(report["job"]) == {"digits-pilot"} and set(rows_report["job"]) == set(expected["job"]) - {
        "digits-pilot"}
    pd.testing.assert_frame_equal(rows_report, expected[expected["job"].ne("digits-pilot")].reset_index(drop=True))
    others = local.table[local.table["job"].ne("digits-pilot")]
    by_job = lambda t: t.sort_values("job", kind="stable", ignore_index=True)  # noqa: E731  (S3 lists "a-b/" before "a/")
    pd.testing.assert_frame_equal(by_job(source.table), by_job(others))
    summary = [int(m.value.replace(",", "")) for m in at.tabs[0].metric]  # the local page's, every job's
    assert summary == list(duck_reports.counts(rowset.without_gold(local.rows, local.gold)))

    labeled, quality, _, audited = at.tabs
    assert [s.value for s in labeled.subheader] == ["Annotations over time", "Per class", "Annotations per object",
                                                    "Frames per frame attribute"]  # the local page's first tab
    titles = [s.value for s in quality.subheader]
    assert titles[0] == "Classification" and {"Bounding boxes", "Segmentation", "Video tracking"} <= set(titles)
    assert any(m.value == "**IoU per class**" for m in quality.markdown)
    assert "One job's matrices" in titles and quality.selectbox(key="mjob").value in set(rows_report["job"])
    quality.slider[0].set_value(0.75).run()  # another IoU: the boxes measured here again, as locally
    assert not at.exception, [e.value for e in at.exception]
    strict = quality_report(local.table, iou=0.75, masks=local.masks)
    boxes = next(t.value for t in at.tabs[1].dataframe  # the bounding-box jobs' table
                 if "worker" not in t.value and "f1" in t.value and t.value["job"].tolist() == ["shapes-boxes-1"])
    expected_boxes = strict[strict["task_type"].eq("bounding-box") & strict["worker"].eq("Team")]
    at_half = rows_report[rows_report["job"].eq("shapes-boxes-1") & rows_report["worker"].eq("Team")]["f1"].iloc[0]
    assert boxes["f1"].tolist() == expected_boxes["f1"].tolist() and boxes["f1"].iloc[0] < at_half  # fewer match
    assert at.query_params["iou"] == "0.75"  # in the link, as on the local page
    labeled, quality, _, audited = at.tabs
    audit_table = audited.dataframe[0].value
    assert len(audit_table) == len(audits(local.table)) == 2
    traced = audited.dataframe[1].value
    assert traced["audited"].max() == 394  # shapes-boxes-1's row: the verification's checks, traced to its workers
    assert aq.READS == 2  # the SQL's reads: quality's two
    ids = set(local.table["worker_id"].dropna())  # anonymised: no worker id in any table of Quality or Audits
    tables = [t.value for tab in (at.tabs[1], at.tabs[3]) for t in tab.dataframe]
    assert not [i for t in tables for i in ids if i in str(t.to_dict())]
    multi = next(t for t in tables if "reliability" in t and t["job"].eq("shapes-tags").all())
    assert multi["reliability"].notna().all() and multi["worker"].str.startswith("Worker ").all()
    assert "Where the estimate and Ground Truth disagree" in [m.value.strip("*") for m in at.tabs[1].markdown]
