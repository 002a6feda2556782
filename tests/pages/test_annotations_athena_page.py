"""The Annotations page with Amazon Athena as its engine (app_pages._athena_annotations), in AppTest, on
the real 2019 bird job in the session's moto server for S3 and Athena (real HTTP, real service models).
moto runs no SQL: each query's rows are queued as Athena would return them, computed by the Athena
engine's own SQL on DuckDB over the same files (tests/unit/test_athena_quality.py and
test_athena_annotations.py prove that SQL gives the local figures); this proves the page shows them
as the local page does."""

from __future__ import annotations

import urllib.request
from pathlib import Path

import boto3
import no_real_aws
import pandas as pd
import pytest
from test_athena_annotations import on_duckdb  # tests/unit is on sys.path
from test_athena_quality import duck_answers, same
from test_workers_athena_page import REGION, RESULTS, _cli_test, open_page

from app_pages._annotation_tables import TASKS, readable
from core.annotations.reports import class_counts, over_time
from core.annotations.source import read_source
from core.engine.athena_quality import CLASSIFICATION
from core.quality.report import quality_report
from core.storage import open_location

pytestmark = pytest.mark.slow  # a moto server

SOURCE = "s3://gt-birds/ic_data/"


@pytest.fixture
def birds_bucket(birds_dir, moto_server, monkeypatch, tmp_path):
    """A fresh moto with the bird job's output in a bucket, the AWS workspace pointed at it, and an empty
    cache of Athena results."""
    urllib.request.urlopen(urllib.request.Request(f"{moto_server}/moto-api/reset", method="POST"), timeout=30)
    no_real_aws.use(monkeypatch, REGION)
    monkeypatch.setenv("AWS_ENDPOINT_URL_ATHENA", moto_server)
    monkeypatch.setenv("GC_WORKSPACE", "aws")
    monkeypatch.setenv("GC_CACHE_DIR", str(tmp_path / "cache"))
    s3 = boto3.client("s3", endpoint_url=moto_server, region_name=REGION)
    for name in ("gt-birds", "gc-results"):
        s3.create_bucket(Bucket=name, CreateBucketConfiguration={"LocationConstraint": REGION})
    for path in sorted(p for p in Path(birds_dir).rglob("*") if p.is_file()):
        s3.put_object(Bucket="gt-birds", Key="ic_data/" + path.relative_to(birds_dir).as_posix(),
                      Body=path.read_bytes())
    yield Path(birds_dir)
    no_real_aws.forget_clients()


def athena_answers(folder: Path, tmp_path: Path) -> list[pd.DataFrame]:
    """What Athena would answer, in the page's order: the quality's two queries (the first tab's counts are
    made of the compact answer rows, read after them)."""
    (tmp_path / "quality").mkdir(exist_ok=True)
    return duck_answers(folder, tmp_path / "quality")


def drawn(at, without: str, encoding: str = "") -> pd.DataFrame:
    """The rows of the page's one Vega-Lite chart that does not encode `without` (and encodes `encoding`)."""
    import pyarrow as pa

    charts = [c for c in at.get("vega_lite_chart") if without not in c.proto.spec and encoding in c.proto.spec]
    assert len(charts) == 1, [c.proto.spec[:200] for c in charts]
    return pa.ipc.open_stream(charts[0].proto.datasets[0].data.data).read_all().to_pandas()


def run_with_compact_rows(at, folder: Path, moto_server, monkeypatch, tmp_path, seen: bool = False) -> None:
    """Run on Athena: the DDL, the quality's rows queued, then the compact answer rows of the
    estimated reliability as the result CSV Athena writes (put where the page asks GetQueryExecution for
    it), then, with `seen`, who the workers are; each from the same SQL on DuckDB over the files."""
    from core.engine import athena_answer_rows as aar
    from core.engine import athena_names as an
    from core.engine import athena_reliability as arl

    ddl = at.code[0].value.rstrip().removesuffix(";").split(";\n\n")
    (tmp_path / "compact").mkdir(exist_ok=True)
    ask, _, _ = on_duckdb(open_location(str(folder)), tmp_path / "compact")
    compact = ask(arl.ANSWER_ROWS)
    more = [ask(an.seen_sql("answers", "duckdb"))] if seen else []
    _cli_test().queue(moto_server, [None] * len(ddl) + athena_answers(folder, tmp_path) + [None] + more)
    real, every_type = aar.output_location, _cli_test("test_quality_athena_every_type")

    def output_location(athena, query_id):  # moto names the folder; Athena names its result file there
        where = real(athena, query_id)
        where = f"{where}{query_id}.csv" if where.endswith("/") else where
        bucket, _, key = where.removeprefix("s3://").partition("/")
        boto3.client("s3", endpoint_url=moto_server, region_name=REGION).put_object(
            Bucket=bucket, Key=key, Body=every_type.athena_csv(compact))
        return where

    monkeypatch.setattr(aar, "output_location", output_location)
    at.button(key="athena_run").click().run()
    assert not at.exception and not at.error, [e.value for e in [*at.exception, *at.error]]


def test_the_athena_annotations_are_the_local_pages_after_run(birds_bucket, moto_server, monkeypatch, tmp_path):
    at = open_page(moto_server, page="app_pages/annotations.py", engine="athena", source=SOURCE, results=RESULTS,
                   database="gc")
    assert at.radio(key="engine").value == "athena"
    ddl = at.code[0].value.rstrip().removesuffix(";").split(";\n\n")
    assert "CREATE EXTERNAL TABLE IF NOT EXISTS `gc`.`gc_quality_reference_" in at.code[0].value
    metrics = {m.label: m.value for m in at.metric}
    # 2 quality reads and 1 of the compact answers (the first tab's counts, the estimated reliability)
    assert metrics["Jobs"] == "1" and metrics["Estimated cost"] == "$0.000150"
    assert "Nothing has run yet" in at.info[-1].value and not at.tabs
    athena = boto3.client("athena", endpoint_url=moto_server, region_name=REGION)
    assert athena.list_query_executions()["QueryExecutionIds"] == []  # nothing runs before the click

    assert ddl
    run_with_compact_rows(at, birds_bucket, moto_server, monkeypatch, tmp_path)
    assert any("3 query(ies) run on Athena" in c.value for c in at.caption)

    table = read_source(open_location(str(birds_bucket))).table  # the local page's, every job a classification
    report, rows = at.session_state["_athena_annotations_result"]["result"][:2]
    assert rows is None  # every job a classification: no answer rows (see test_annotations_athena_every_type)
    local = quality_report(table)
    same(report, local)  # every worker's and the job's answers, exact match, alpha (to 1e-9)
    shown = at.tabs[1].dataframe[0].value  # the jobs' table
    expected = readable(local[local["worker"].eq("Team")].drop(columns=["worker", "task_type"]))
    pd.testing.assert_frame_equal(shown.drop(columns="alpha"), expected.drop(columns="alpha"), check_dtype=False)
    summary = {m.label: m.value for m in at.tabs[0].metric}  # the local page's figures, over the rows read back
    assert summary == {"Annotations": "302", "Objects": "302", "Jobs": "1", "Workers": "97"}
    line = [c.value for c in at.caption if "read by Athena" in c.value]  # the local page's line above the tabs
    assert [text.replace("\\", "") for text in line] == [
        f"{SOURCE} · 1 job(s) · 302 worker-response files read by Athena · {TASKS[CLASSIFICATION]}"]
    over = drawn(at, without="objects", encoding="period")  # every class answer, by the day it was submitted
    assert over["annotations"].sum() == over_time(table, "D")["annotations"].sum() == 1510
    per_class = drawn(at, without="period", encoding='"label"')  # each class's consolidated units, as locally
    pd.testing.assert_frame_equal(per_class[["job", "label", "annotations"]], class_counts(table), check_dtype=False)
    assert per_class["annotations"].sum() == 302
    items, audits = at.tabs[2], at.tabs[3]
    assert items.info[0].value.count(".") == 1 and "turn on **Classification jobs' answers**" in items.info[0].value
    assert "No verification or adjustment job" in audits.info[0].value  # an audit job's answers come back as rows
    assert not [i for i in at.info if "returns them here" in i.value]  # one job, a classification
    ran = len(athena.list_query_executions()["QueryExecutionIds"])
    at.run()  # a rerun runs nothing again
    assert len(athena.list_query_executions()["QueryExecutionIds"]) == ran


def test_the_quality_tab_names_workers_and_estimates_reliability_as_the_local_page(birds_bucket, moto_server,
                                                                                    monkeypatch, tmp_path):
    """Anonymised (Worker N by first submission, one more read: who the workers are) and on the Quality
    tab: the workers' table is the local page's, names, exact match, the estimated reliability and its
    interval, and the disagreements are listed; no id shows anywhere on the tab."""
    from app_pages._annotation_names import Naming
    from app_pages._annotation_reliability import Estimates, with_reliability
    from core.annotations import reliability as from_table
    from core.annotations.people import rename_workers
    from core.ingest import SourceReader
    from core.quality.report import worst_first
    from core.workers import shown_names

    at = open_page(moto_server, page="app_pages/annotations.py", engine="athena", source=SOURCE, results=RESULTS,
                   database="gc", names="anon", tab="Quality")
    assert at.radio(key="names").value == "anon"
    assert {m.label: m.value for m in at.metric}["Estimated cost"] == "$0.000200"  # and who the workers are
    run_with_compact_rows(at, birds_bucket, moto_server, monkeypatch, tmp_path, seen=True)

    location = open_location(str(birds_bucket))
    found = read_source(location)
    names = shown_names(SourceReader(location).load(keep=False), {}, anonymize=True)  # the local page's
    estimate = from_table.classification(found.table, None, found.gold)
    expected = with_reliability(worst_first(rename_workers(quality_report(found.table), names)),
                                Estimates({"classification": estimate}), Naming(names, True))
    quality = at.tabs[1]
    shown = quality.dataframe[1].value
    pd.testing.assert_frame_equal(shown, readable(expected.drop(columns=["task_type", "score"])), check_dtype=False)
    assert shown["worker"].str.fullmatch(r"Worker \d+|Team").all() and shown["reliability"].notna().sum() > 90
    said = " ".join(c.value for c in quality.caption)
    assert "needs This computer" not in said and "estimated from everyone's answers" in said
    disagreeing = [b.label for b in quality.button if b.key.startswith("audit_classification_")]
    assert len(disagreeing) == min(10, len(estimate.disagreements)) > 0
    ids = set(found.table["worker_id"].dropna())
    assert not any(i in str(t.value.to_dict()) for t in quality.dataframe for i in ids)

    first = estimate.disagreements.iloc[0]  # a disagreement opens the Items tab, which says why it has no answers
    quality.button(key="audit_classification_0").click().run()
    assert not at.exception and at.query_params["tab"] == "Items"
    said = at.tabs[2].info[0].value
    assert f"Object {first['object_id']} of {first['job']} is measured on Athena" in said.replace("\\", "")


def test_a_links_filters_narrow_the_athena_page_as_they_narrow_the_local_one(birds_bucket, moto_server, monkeypatch,
                                                                            tmp_path):
    """The local page's link (a class and a worker, by ID) opens the same selection on Athena: said before
    Run (no cost of its own), the sidebar's filters drawn from the answers read back, and the first tab's
    figures and the quality table the local page's for that selection; another class narrows again
    without another query."""
    from core.annotations import duck_quality, duck_reports, rowset
    from core.annotations.reports import Narrow

    found = read_source(open_location(str(birds_bucket)))
    answers = found.table[found.table["source"].eq("worker")]
    worker = answers["worker_id"].value_counts().index[0]  # the busiest worker, and two classes they chose
    classes = answers[answers["worker_id"].eq(worker)]["label"].value_counts().index[:2].tolist()
    at = open_page(moto_server, page="app_pages/annotations.py", engine="athena", source=SOURCE, results=RESULTS,
                   database="gc", worker=worker, **{"class": classes[0]})
    assert any("they change nothing of what Athena reads or costs" in c.value for c in at.caption)
    run_with_compact_rows(at, birds_bucket, moto_server, monkeypatch, tmp_path)
    assert at.sidebar.selectbox(key="class").value == classes[0] and at.sidebar.selectbox(key="worker").value == worker
    athena = boto3.client("athena", endpoint_url=moto_server, region_name=REGION)
    ran = len(athena.list_query_executions()["QueryExecutionIds"])

    for label in (classes[0], classes[1]):
        narrow = Narrow(label=label, worker=worker)
        mine = rowset.narrowed(found.rows, narrow)
        summary = [int(m.value.replace(",", "")) for m in at.tabs[0].metric]
        assert summary == list(duck_reports.counts(rowset.without_gold(mine, found.gold))) and summary[0] > 0
        local = duck_quality.quality_rows(mine)
        shown = at.tabs[1].dataframe[0].value  # the job's row, over the worker's answers of the class
        expected = readable(local[local["worker"].eq("Team")].drop(columns=["worker", "task_type"]))
        pd.testing.assert_frame_equal(shown, expected, check_dtype=False)
        at.sidebar.selectbox(key="class").set_value(classes[1]).run()
        assert not at.exception and at.query_params["class"] == classes[1]
    assert len(athena.list_query_executions()["QueryExecutionIds"]) == ran  # narrowed here: nothing ran again
