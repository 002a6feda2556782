"""The Parquet step of the Athena engine (core.engine.athena_parquet): the copy's statements are
Athena's (CTAS and INSERT INTO in Trino's SQL, at most 100 partitions each), the copy holds what the
metric queries need (its SELECT, run by DuckDB into Parquet partitioned by job and read back, gives the
local worker table and labels over time exactly), and the round trip writes it once (Stubber with
Athena's real model, moto for S3)."""

from __future__ import annotations

import json

import boto3
import pandas as pd
import pytest
import sqlglot
from athena_on_duckdb import answers_on_duckdb
from botocore.stub import Stubber
from moto import mock_aws
from sqlglot import exp
from test_athena_client import execution  # tests/unit is on sys.path
from test_athena_views import _private_output, _staged_view, local, same_table

from core import metrics
from core.engine import athena_race
from core.engine import athena_workers as aw
from core.engine.athena import Athena, AthenaError
from core.engine.athena_parquet import COLUMNS, MAX_PARTITIONS, parquet_copy
from core.engine.athena_tables import dated
from core.engine.sql import QUERIES
from core.gold import read_gold
from core.ingest import SourceReader
from core.storage import AwsSettings, ObjectInfo, open_location

RESULTS = "s3://gc-results/athena/"


def _copy_on_duckdb(source: str, tmp_path, gold=None):
    """The plan with its Parquet step, and a DuckDB connection whose `answers` is that copy: the CTAS's
    own SELECT (Trino's, translated by sqlglot) over the view's DuckDB form, written as Parquet
    partitioned by job and read back as Athena reads a partitioned table."""
    location = open_location(source)
    plan = aw.plan(location, "gc_test", RESULTS, gold=gold, parquet=True)
    files = {job: [location.store.path_of(i.key) for i in infos] for job, infos in plan.found.responses.items()}
    con = answers_on_duckdb(files)
    ctas = sqlglot.parse_one(plan.parquet.statements()[1], read="trino")
    select = ctas.expression.transform(lambda n: exp.table_("all_answers") if isinstance(n, exp.Table) else n)
    folder = tmp_path / "copy"
    con.execute(f"COPY ({select.sql('duckdb')}) TO '{folder}' (FORMAT PARQUET, PARTITION_BY (job))")
    con.execute(f"CREATE VIEW parquet_answers AS SELECT * FROM read_parquet('{folder}/**/*.parquet', "
                "hive_partitioning = true, hive_types = {'job': VARCHAR})")
    days = dated("parquet_answers", None, None, plan.found.folders)  # as WorkerPlan.answers reads the copy
    con.execute(f"CREATE VIEW answers AS {days}")
    for staged in plan.staged:
        _staged_view(con, staged, tmp_path)
    _staged_view(con, aw.label_norms(con.execute(QUERIES["distinct_labels"]).df()["label"]), tmp_path)
    return plan, con


def test_the_bird_job_read_from_its_parquet_copy_gives_the_local_figures(birds_dir, tmp_path):
    gold = read_gold("true_labels.json", (birds_dir / "true_labels.json").read_bytes())
    plan, con = _copy_on_duckdb(str(birds_dir), tmp_path, gold)
    assert plan.tables()["answers"].startswith("SELECT * FROM gc_test.gc_answers_parquet_")  # the queries read it
    remote = con.execute(QUERIES["worker_table"]).df()
    assert len(remote) == 97 and remote["labels"].sum() == 1510
    same_table(remote, local(str(birds_dir), gold))
    data = SourceReader(open_location(str(birds_dir))).load(keep=False)
    over = athena_race.labels_over_time(lambda sql: con.execute(sql).df(), "answers", "h", "duckdb")
    pd.testing.assert_frame_equal(over.astype({"worker_id": object}),
                                  metrics.labels_over_time(data.answers, "h").astype({"worker_id": object}))


def test_private_output_read_from_its_parquet_copy_gives_the_local_figures(gt_output, tmp_path):
    """Two jobs (two partitions), subs and issuers, unknown times, multi-label answers."""
    source = _private_output(gt_output)
    plan, con = _copy_on_duckdb(source, tmp_path)
    assert sorted(con.execute("SELECT DISTINCT job FROM parquet_answers").df()["job"]) == plan.found.jobs
    same_table(con.execute(QUERIES["worker_table"]).df(), local(source))
    copied = con.execute("DESCRIBE parquet_answers").df()["column_name"].tolist()
    assert copied == [*COLUMNS, "job"]  # the view's columns, the partition last


def _infos(job: str, n: int, etag: str = "e") -> list[ObjectInfo]:
    return [ObjectInfo(f"out/{job}/annotations/worker-response/iteration-1/{i}/f.json", 100, etag) for i in range(n)]


def _copy(jobs: int, etag: str = "e"):
    versions = {f"job{j:03d}": [(i.key, i.version) for i in _infos(f"job{j:03d}", 2, etag)] for j in range(jobs)}
    return parquet_copy("gc", "gc_answers_abc", RESULTS, "s3://gt-out/out/", versions)


def test_past_100_jobs_the_copy_is_a_ctas_and_inserts_of_100_partitions_each_all_athena_sql():
    copy = _copy(250)
    drop, ctas, *inserts = copy.statements()
    assert drop == f"DROP TABLE IF EXISTS `gc`.`{copy.table}`"
    assert isinstance(sqlglot.parse_one(drop, read="athena"), exp.Drop)  # Hive DDL, as Athena takes it
    trees = [sqlglot.parse_one(s, read="trino") for s in (ctas, *inserts)]  # Trino, as Athena runs DML
    assert isinstance(trees[0], exp.Create) and all(isinstance(t, exp.Insert) for t in trees[1:])
    props = [p.sql("trino") for p in trees[0].args["properties"].expressions]
    assert props == ["format='PARQUET'", "write_compression='SNAPPY'", "PARTITIONED_BY=ARRAY['job']",
                     f"external_location='{RESULTS}ground-control/parquet/{copy.table}/'"]
    batches = [[v.name for v in t.find(exp.Where).find(exp.In).expressions] for t in trees]
    assert [len(b) for b in batches] == [MAX_PARTITIONS, MAX_PARTITIONS, 50]
    assert sum(batches, []) == list(copy.jobs)  # every job once, in one statement only
    for tree in trees:  # the partition column last, as a partitioned CTAS requires
        assert [c.name for c in tree.expression.expressions] == [*COLUMNS, "job"]
    assert copy.writes == 3
    assert copy.marker == f"{RESULTS}ground-control/parquet/{copy.table}.done"  # beside the folder, not in it


def test_the_copy_is_named_by_its_files():
    assert _copy(3).table == _copy(3).table
    assert _copy(3).table != _copy(3, etag="changed").table  # a changed file: another copy, never a stale one
    assert _copy(3).table != _copy(4).table


def test_the_estimate_counts_the_copy_first_then_its_size_once_written(gt_output):
    location = open_location(_private_output(gt_output))
    plain = aw.plan(location, "gc", RESULTS)
    plan = aw.plan(location, "gc", RESULTS, parquet=True)
    assert plan.estimate().queries == plain.estimate().queries + 1  # the copy reads the JSON once
    assert plan.estimate().scanned_bytes == plain.estimate().scanned_bytes  # the queries at most the JSON
    said = plan.describe()
    assert "Then a Parquet copy of these answers, partitioned by job, is written to" in said
    assert "CREATE TABLE \"gc\".\"gc_answers_parquet_" in said and "partitioned_by = ARRAY['job']" in said
    plan.parquet_bytes = 2_000
    staged = sum(len(s.body) for s in plan.staged)
    assert plan.estimate().scanned_bytes == 2_000 + staged and plan.estimate().queries == plain.queries
    assert "made earlier" in plan.describe() and "CREATE TABLE" not in plan.describe().split(";")[-1]


@pytest.fixture
def results_bucket(fake_aws):
    fake_aws("eu-west-1")
    with mock_aws():
        boto3.client("s3", region_name="eu-west-1").create_bucket(
            Bucket="gc-results", CreateBucketConfiguration={"LocationConstraint": "eu-west-1"})
        yield lambda uri: open_location(uri, AwsSettings(region="eu-west-1"))


def _started(stub, sql: str, scanned: int | None = None) -> None:
    request = {"QueryString": sql, "WorkGroup": "primary", "QueryExecutionContext": {"Database": "gc"},
               "ResultConfiguration": {"OutputLocation": RESULTS}}
    stub.add_response("start_query_execution", {"QueryExecutionId": "11111111-2222-3333-4444-555555555555"}, request)
    stub.add_response("get_query_execution", execution("SUCCEEDED", scanned=scanned),
                      {"QueryExecutionId": "11111111-2222-3333-4444-555555555555"})


def test_the_copy_is_written_once_then_found_and_its_size_estimated(results_bucket, tmp_path):
    client = boto3.client("athena", region_name="eu-west-1")
    found = aw.Survey("s3://gt-out/out/", {"a": _infos("a", 2)}, {"a": "s3://gt-out/out/a/annotations/worker-response/"})
    plan = aw.plan(None, "gc", RESULTS, tables=aw.manifest_tables(None, aw.Survey(found.uri)), found=found,
                   parquet=True)
    run = aw.WorkerRun(Athena(client, "primary", RESULTS, "gc"), plan, results_bucket,
                       cache=aw.ResultCache(tmp_path))
    drop, ctas = plan.parquet.statements()
    with Stubber(client) as stub:  # each request checked against Athena's real service model
        _started(stub, drop)
        _started(stub, ctas, scanned=3_500_000)
        run.write_copy()
        stub.assert_no_pending_responses()
    assert run.scanned == 3_500_000 and run.ran == 1  # the CTAS is billed and counted; the DROP is DDL
    marker = results_bucket(plan.parquet.marker)
    assert json.loads(marker.read())["table"] == f"gc.{plan.parquet.table}"

    with Stubber(client):  # no response queued: any call to Athena would fail the test
        run.write_copy()  # whole already: nothing runs again
    s3 = boto3.client("s3", region_name="eu-west-1")
    key = plan.parquet.location.removeprefix("s3://gc-results/") + "job=a/part-0.parquet"
    s3.put_object(Bucket="gc-results", Key=key, Body=b"x" * 1234)
    aw.look_for_copy(plan, results_bucket)
    assert plan.parquet_bytes == 1234  # the next estimate reads the copy's size


def test_a_copy_cut_short_is_said_in_words_and_not_written_over(results_bucket, tmp_path):
    client = boto3.client("athena", region_name="eu-west-1")
    found = aw.Survey("s3://gt-out/out/", {"a": _infos("a", 1)}, {"a": "s3://gt-out/out/a/annotations/worker-response/"})
    plan = aw.plan(None, "gc", RESULTS, tables=aw.manifest_tables(None, aw.Survey(found.uri)), found=found,
                   parquet=True)
    key = plan.parquet.location.removeprefix("s3://gc-results/") + "job=a/part-0.parquet"
    boto3.client("s3", region_name="eu-west-1").put_object(Bucket="gc-results", Key=key, Body=b"partial")
    run = aw.WorkerRun(Athena(client, "primary", RESULTS, "gc"), plan, results_bucket,
                       cache=aw.ResultCache(tmp_path))
    with Stubber(client), pytest.raises(AthenaError, match="was cut short") as caught:
        run.write_copy()
    assert plan.parquet.location in str(caught.value) and "delete that folder, then run again" in str(caught.value)
