"""The Workers page on the Amazon Athena engine draws the charts of labels per worker and time per
label, in AppTest against the session's moto server: priced after the report's Run, one more query on
a click (its rows queued as Athena would return them, computed by the same SQL on DuckDB over the same
files), the local page's figures (core.workers.worker_charts) and its two charts; a rerun reads nothing
again."""

from __future__ import annotations

import boto3
import pandas as pd
import pytest
from test_athena_race import _answers_view  # tests/unit is on sys.path
from test_athena_views import on_duckdb
from test_workers_athena_page import REGION, RESULTS, SOURCE, _cli_test, bucket, open_page  # noqa: F401

from core.engine import athena_worker_charts as awc
from core.engine import athena_workers as aw
from core.ingest import SourceReader
from core.race.frames import PERIODS, natural_period
from core.storage import AwsSettings, open_location
from core.workers import worker_charts

pytestmark = pytest.mark.slow  # a moto server


def _run_report(at, folder, endpoint: str) -> None:
    """The report's Run, its queries' rows queued as tests/pages/test_workers_athena_page.py queues them."""
    duck = folder.parent / "duck"
    duck.mkdir()
    table = on_duckdb(str(folder), duck, attributes={"pets": "animal"})
    distinct = on_duckdb(str(folder), duck, attributes={"pets": "animal"}, query="distinct_labels")
    team = _cli_test()._over_answers(folder, "team_row", table)
    data = SourceReader(open_location(str(folder))).load(keep=False)
    over_time = _cli_test("test_race_athena").athena_answers(folder, PERIODS[natural_period(data.answers)])[:3]
    plan = aw.plan(open_location(SOURCE, AwsSettings(endpoint_url=endpoint, region=REGION)), "gc", RESULTS,
                   attributes={"pets": "animal"})
    _cli_test().queue(endpoint, [None] * len(plan.ddl()) + [distinct, None, table, None, team, *over_time])
    at.button(key="athena_run").click().run()
    assert not at.exception and not at.error, [e.value for e in [*at.exception, *at.error]]


def test_the_two_charts_are_the_local_ones_after_a_priced_click(bucket, moto_server):  # noqa: F811
    at = open_page(moto_server, engine="athena", source=SOURCE, results=RESULTS, database="gc")
    _run_report(at, bucket, moto_server)
    athena = boto3.client("athena", endpoint_url=moto_server, region_name=REGION)
    before = len(athena.list_query_executions()["QueryExecutionIds"])
    subheaders = [s.value for s in at.subheader]
    assert "Labels per worker" not in subheaders and "Time per label" not in subheaders  # nothing run yet
    assert any("These charts run 1 more query on Amazon Athena: 1 query reading" in i.value.replace("\\", "")
               for i in at.info)
    assert not any("this computer's engine only" in c.value for c in at.caption)

    report, _ = at.session_state["_athena_result"]["result"]
    names = report.attrs["shown"]
    data = SourceReader(open_location(str(bucket))).load(keep=False)
    assert set(names) == set(data.answers["worker_id"])  # every worker of the answers has its shown name
    con = _answers_view(str(bucket))
    rows = con.execute(awc.charts_query("all_answers", names, "duckdb")).df()
    _cli_test().queue(moto_server, [rows])
    at.button(key="athena_worker_charts").click().run()
    assert not at.exception and not at.error, [e.value for e in [*at.exception, *at.error]]

    expected = worker_charts(data.answers, names)
    got = at.session_state["_athena_result"]["result"][1]["charts"]
    assert got.order == expected.order and len(got.order) == 4
    pd.testing.assert_frame_equal(got.per_job, expected.per_job)
    pd.testing.assert_frame_equal(got.seconds, expected.seconds)
    subheaders = [s.value for s in at.subheader]
    assert subheaders.index("Labels per worker") < subheaders.index("Time per label") < subheaders.index(
        "Labels over time")
    specs = [c.proto.spec for c in at.get("vega_lite_chart")]
    assert any('"Seconds per label"' in s for s in specs) and any('"Labels"' in s and '"job"' in s for s in specs)
    assert len(athena.list_query_executions()["QueryExecutionIds"]) == before + 1  # the one query, no DDL again

    at.run()  # kept with the report: a rerun draws them and reads nothing
    assert "Time per label" in [s.value for s in at.subheader]
    assert len(athena.list_query_executions()["QueryExecutionIds"]) == before + 1
