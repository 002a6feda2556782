"""The Race page with Amazon Athena as its engine (app_pages._athena_race), in AppTest, against the
session's moto server for S3 and Athena. moto runs no SQL: each query's rows are queued as Athena
would return them, computed by the race's own SQL on DuckDB over the same files
(tests/unit/test_athena_race.py proves that SQL gives the local counts)."""

from __future__ import annotations

import importlib
import sys
from pathlib import Path

import boto3
import pandas as pd
import pytest
from test_workers_athena_page import REGION, RESULTS, SOURCE, bucket, open_page  # noqa: F401  (the fixture)

from core.engine import athena_workers as aw
from core.ingest import SourceReader
from core.race.frames import race_table, summary_line
from core.storage import AwsSettings, open_location
from core.workers import shown_names

pytestmark = pytest.mark.slow  # a moto server


def _cli(module: str):
    folder = str(Path(__file__).resolve().parents[1] / "cli")
    if folder not in sys.path:
        sys.path.append(folder)
    return importlib.import_module(module)


def test_the_athena_race_over_a_parquet_copy_is_the_local_race_after_run(bucket, moto_server):  # noqa: F811
    at = open_page(moto_server, page="app_pages/race.py", engine="athena", source=SOURCE, results=RESULTS,
                   database="gc", names="anon", period="hour", parquet="1")
    assert at.radio(key="engine").value == "athena" and at.toggle(key="parquet_on").value
    assert "CREATE EXTERNAL TABLE IF NOT EXISTS `gc`.`gc_worker_responses_" in at.code[0].value
    ctas = at.code[1].value  # the Parquet step, shown before it runs
    assert "CREATE TABLE \"gc\".\"gc_answers_parquet_" in ctas and "partitioned_by = ARRAY['job']" in ctas
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Worker-response files"] == "5" and metrics["Jobs"] == "2"
    # the copy, then bounds, workers, counts (twice), Worker N's order: 10 MB each
    assert metrics["Estimated cost"] == "$0.000300"
    assert "Nothing has run yet" in at.info[0].value
    athena = boto3.client("athena", endpoint_url=moto_server, region_name=REGION)
    assert athena.list_query_executions()["QueryExecutionIds"] == []  # nothing runs before the click

    location = open_location(SOURCE, AwsSettings(endpoint_url=moto_server, region=REGION))
    found = aw.survey(location)
    plan = aw.plan(location, "gc", RESULTS, tables=aw.manifest_tables(location, aw.Survey(found.uri)), found=found,
                   parquet=True)
    writes = len(plan.parquet.statements())  # the DROP of a copy cut short, and the CTAS
    _cli("test_workers_athena").queue(moto_server, [None] * (len(plan.ddl()) + writes)
                                      + _cli("test_race_athena").athena_answers(bucket, "h"))
    at.button(key="athena_run").click().run()
    assert not at.exception and not at.error, [e.value for e in [*at.exception, *at.error]]

    data = SourceReader(open_location(str(bucket))).load(keep=False)
    expected = race_table(data.answers, shown_names(data, {}, True), "h")
    over, names, _ = at.session_state["_athena_race_result"]["result"]
    from core.race.frames import race_table_of

    pd.testing.assert_frame_equal(race_table_of(over, names), expected)  # every worker, period and count
    assert summary_line(expected) in [m.value for m in at.markdown]  # the page shows the same race
    assert any("5 query(ies) run on Athena" in c.value for c in at.caption)  # the CTAS and the race's four
    ran = athena.list_query_executions()["QueryExecutionIds"]
    assert len(ran) == len(plan.ddl()) + writes + 4
    sent = [athena.get_query_execution(QueryExecutionId=q)["QueryExecution"]["Query"] for q in ran]
    assert sum(s.startswith("CREATE TABLE") for s in sent) == 1
    assert all(plan.parquet.table in s for s in sent[-4:])  # the race's queries read the copy
    marker = open_location(plan.parquet.marker, AwsSettings(endpoint_url=moto_server, region=REGION))
    assert marker.store.exists(marker.prefix)  # whole: the next run reuses it

    at.slider(key="top").set_value(5).run()  # bars are drawing, not counting: nothing runs again
    assert len(athena.list_query_executions()["QueryExecutionIds"]) == len(ran)
    assert any("copy of these answers made earlier" in c.value for c in at.caption)  # the plan now reads it
    assert summary_line(expected) in [m.value for m in at.markdown]  # and the race is still shown
    at.segmented_control(key="period").set_value("day").run()  # another period is other queries: asked first
    assert "Nothing has run yet" in at.info[0].value
