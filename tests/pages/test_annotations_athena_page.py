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
from test_athena_quality import TABLES, duck_answers, same
from test_workers_athena_page import REGION, RESULTS, _cli_test, open_page

from app_pages._annotation_tables import readable
from core.annotations.reports import class_counts, over_time
from core.annotations.source import read_source
from core.engine import athena_annotations as aa
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


def athena_answers(folder: Path, tmp_path: Path, freq: str) -> list[pd.DataFrame]:
    """What Athena would answer, in the page's order: the quality's two queries, then the counts' three."""
    for part in ("quality", "counts"):
        (tmp_path / part).mkdir()
    quality = duck_answers(folder, tmp_path / "quality")
    ask, _, _ = on_duckdb(open_location(str(folder)), tmp_path / "counts")
    counts: list[pd.DataFrame] = []
    aa.over_time(lambda sql: counts.append(ask(sql)) or counts[-1], TABLES, freq, "duckdb")
    return [*quality, *counts]


def drawn(at, without: str) -> pd.DataFrame:
    """The rows of the page's one Vega-Lite chart that does not encode `without`."""
    import pyarrow as pa

    charts = [c for c in at.get("vega_lite_chart") if without not in c.proto.spec]
    assert len(charts) == 1, [c.proto.spec[:200] for c in charts]
    return pa.ipc.open_stream(charts[0].proto.datasets[0].data.data).read_all().to_pandas()


def test_the_athena_annotations_are_the_local_pages_after_run(birds_bucket, moto_server, tmp_path):
    at = open_page(moto_server, page="app_pages/annotations.py", engine="athena", source=SOURCE, results=RESULTS,
                   database="gc")
    assert at.radio(key="engine").value == "athena"
    ddl = at.code[0].value.rstrip().removesuffix(";").split(";\n\n")
    assert "CREATE EXTERNAL TABLE IF NOT EXISTS `gc`.`gc_quality_reference_" in at.code[0].value
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Jobs"] == "1" and metrics["Estimated cost"] == "$0.000300"  # 2 quality and 4 count reads
    assert "Nothing has run yet" in at.info[-1].value and not at.tabs
    athena = boto3.client("athena", endpoint_url=moto_server, region_name=REGION)
    assert athena.list_query_executions()["QueryExecutionIds"] == []  # nothing runs before the click

    _cli_test().queue(moto_server, [None] * len(ddl) + athena_answers(birds_bucket, tmp_path, "D"))
    at.button(key="athena_run").click().run()
    assert not at.exception and not at.error, [e.value for e in [*at.exception, *at.error]]
    assert any("5 query(ies) run on Athena" in c.value for c in at.caption)

    table = read_source(open_location(str(birds_bucket))).table  # the local page's, every job a classification
    report, series, rows, _ = at.session_state["_athena_annotations_result"]["result"]
    assert rows is None  # every job a classification: no answer rows (see test_annotations_athena_every_type)
    local = quality_report(table)
    same(report, local)  # every worker's and the job's answers, exact match, alpha (to 1e-9)
    shown = at.tabs[1].dataframe[0].value  # the jobs' table
    expected = readable(local[local["worker"].eq("Team")].drop(columns=["worker", "task_type"]))
    pd.testing.assert_frame_equal(shown.drop(columns="alpha"), expected.drop(columns="alpha"), check_dtype=False)
    pd.testing.assert_frame_equal(series, over_time(table, "D"), check_dtype=False)
    per_class = drawn(at, without="period")  # the per-class chart: each class's consolidated units, as locally
    pd.testing.assert_frame_equal(per_class[["job", "label", "annotations"]], class_counts(table), check_dtype=False)
    assert per_class["annotations"].sum() == 302
    items, audits = at.tabs[2], at.tabs[3]
    assert items.info[0].value.count(".") == 1 and "turn on **Classification jobs' answers**" in items.info[0].value
    assert "No verification or adjustment job" in audits.info[0].value  # an audit job's answers come back as rows
    assert not [i for i in at.info if "returns them here" in i.value]  # one job, a classification
    ran = len(athena.list_query_executions()["QueryExecutionIds"])
    at.run()  # a rerun runs nothing again
    assert len(athena.list_query_executions()["QueryExecutionIds"]) == ran
