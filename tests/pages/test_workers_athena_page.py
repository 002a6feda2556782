"""The Workers page with Amazon Athena as its engine (app_pages._athena), in AppTest, against the
session's moto server for S3 and Athena (real HTTP, real service models). moto runs no SQL: each
query's rows are queued as Athena would return them, computed by the Athena engine's own SQL on DuckDB
over the same files (tests/unit/test_athena_views.py proves that SQL gives the local figures)."""

from __future__ import annotations

import urllib.request
from pathlib import Path

import boto3
import no_real_aws
import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest
from test_athena_views import _private_output, on_duckdb  # tests/unit is on sys.path

from core import metrics as metrics_module
from core.engine import athena_workers as aw
from core.ingest import SourceReader
from core.race.frames import PERIODS, natural_period
from core.storage import AwsSettings, open_location
from core.workers import Selection, worker_report

pytestmark = pytest.mark.slow  # a moto server

APP = str(Path(__file__).resolve().parents[2] / "streamlit_app.py")
SOURCE, RESULTS, REGION = "s3://gt-out/out/", "s3://gc-results/athena/", "eu-west-1"


def _cli_test(module: str = "test_workers_athena"):
    """tests/cli/test_workers_athena.py: its Athena-shaped rows (queue) and DuckDB runs (_over_answers)."""
    import importlib
    import sys

    folder = str(Path(__file__).resolve().parents[1] / "cli")
    if folder not in sys.path:
        sys.path.append(folder)
    return importlib.import_module(module)


@pytest.fixture
def bucket(gt_output, moto_server, monkeypatch, tmp_path):
    """A fresh moto (no Athena results left queued by another test), the constructed private-workforce
    output in its bucket, the AWS workspace pointed at it, and an empty cache of Athena results."""
    urllib.request.urlopen(urllib.request.Request(f"{moto_server}/moto-api/reset", method="POST"), timeout=30)
    no_real_aws.use(monkeypatch, REGION)
    monkeypatch.setenv("AWS_ENDPOINT_URL_ATHENA", moto_server)
    monkeypatch.setenv("GC_WORKSPACE", "aws")
    monkeypatch.setenv("GC_CACHE_DIR", str(tmp_path / "cache"))
    folder = Path(_private_output(gt_output))
    s3 = boto3.client("s3", endpoint_url=moto_server, region_name=REGION)
    for name in ("gt-out", "gc-results"):
        s3.create_bucket(Bucket=name, CreateBucketConfiguration={"LocationConstraint": REGION})
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        s3.put_object(Bucket="gt-out", Key="out/" + path.relative_to(folder).as_posix(), Body=path.read_bytes())
    yield folder
    no_real_aws.forget_clients()


def open_page(endpoint: str, page: str = "app_pages/workers.py", **params) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=120)
    at.session_state["aws_endpoint_url"] = endpoint  # the sidebar's S3 endpoint URL
    for key, value in params.items():
        at.query_params[key] = value
    # Straight to the page: a first run of the home page (Jobs) would ask SageMaker for jobs, which
    # moto lacks, and wait out botocore's retries (about 20 s a test).
    at.switch_page(page)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def shown(at: AppTest) -> str:
    return " ".join(str(e.value) for e in [*at.markdown, *at.caption, *at.error, *at.warning, *at.info,
                                           *at.sidebar.caption, *at.sidebar.error, *at.sidebar.warning])


def test_the_plan_is_shown_and_the_report_is_the_local_one_after_run(bucket, moto_server):
    at = open_page(moto_server, engine="athena", source=SOURCE, results=RESULTS, database="gc")
    assert at.radio(key="engine").value == "athena"
    sql = at.code[0].value
    assert "CREATE EXTERNAL TABLE IF NOT EXISTS `gc`.`gc_worker_responses_" in sql
    assert "PARTITION (job = 'pets') LOCATION 's3://gt-out/out/pets/annotations/worker-response/'" in sql
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Worker-response files"] == "5" and metrics["Jobs"] == "2"
    # the table, the labels, the Team row, and the chart's four reads: 7 queries at the 10 MB minimum, $5 per TB
    assert metrics["Estimated cost"] == "$0.000350"
    assert "Nothing has run yet" in at.info[0].value
    assert not [b for b in at.button if b.key == "athena_cancel"]
    # Nothing ran: no query reached Athena, nothing was staged.
    athena = boto3.client("athena", endpoint_url=moto_server, region_name=REGION)
    assert athena.list_query_executions()["QueryExecutionIds"] == []

    duck = bucket.parent / "duck"
    duck.mkdir()
    table = on_duckdb(str(bucket), duck, attributes={"pets": "animal"})
    distinct = on_duckdb(str(bucket), duck, attributes={"pets": "animal"}, query="distinct_labels")
    team = _cli_test()._over_answers(bucket, "team_row", table)
    plan = aw.plan(open_location(SOURCE, AwsSettings(endpoint_url=moto_server, region=REGION)), "gc", RESULTS,
                   attributes={"pets": "animal"})
    data = SourceReader(open_location(str(bucket))).load(keep=False)
    period = natural_period(data.answers)  # the chart's, as the local page picks it
    over_time = _cli_test("test_race_athena").athena_answers(bucket, PERIODS[period])[:3]  # bounds, workers, counts
    _cli_test().queue(moto_server, [None] * len(plan.ddl()) + [distinct, None, table, None, team, *over_time])
    at.button(key="athena_run").click().run()
    assert not at.exception and not at.error, [e.value for e in [*at.exception, *at.error]]

    expected = worker_report(data, Selection(), names={}, attributes={"pets": "animal"})
    report, counts = at.session_state["_athena_result"]["result"]
    pd.testing.assert_frame_equal(report, expected, check_dtype=False)  # every worker, figure and the Team row
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Labels"] == f"{int(expected['labels'].iloc[-1]):,}" and metrics["Workers"] == "4"
    assert any("6 query(ies) run on Athena" in c.value for c in at.caption)
    # The chart's table is the local page's: labels over time at the same period, stacked the same way.
    local_over = metrics_module.labels_over_time(data.answers, PERIODS[period])
    pd.testing.assert_frame_equal(counts["over"][period].astype({"worker_id": object}),
                                  local_over.astype({"worker_id": object}))
    assert [s.value for s in at.subheader if s.value == "Labels over time"]
    assert [b for b in at.get("download_button") if b.proto.label == "Download CSV"]
    ran = athena.list_query_executions()["QueryExecutionIds"]
    assert len(ran) == len(plan.ddl()) + 3 + 2 + 3  # the DDL, three queries, two staged tables' DDL, the chart's 3

    at.multiselect(key="cols_widget").set_value(["worker", "labels"]).run()  # a rerun runs nothing again
    assert len(athena.list_query_executions()["QueryExecutionIds"]) == len(ran)
    assert {m.label: m.value for m in at.metric}["Workers"] == "4"


def test_nothing_is_listed_before_the_results_location_and_database_are_given(bucket, moto_server):
    at = open_page(moto_server, engine="athena", source=SOURCE)
    text = at.warning[0].value
    assert "Enter an **Athena results location**" in text and "Enter a **Glue database**" in text
    assert not at.code and not [b for b in at.button if b.key == "athena_run"]
    at.text_input(key="results").set_value("/tmp/results").run()
    at.text_input(key="database").set_value("Bad-Name").run()
    text = at.warning[0].value.replace("\\", "")
    assert "must be an S3 folder" in text and "is not a name Glue takes" in text
    assert at.query_params["results"] == "/tmp/results"  # kept in the link like every choice


def test_a_missing_workgroup_is_said_in_plain_words(bucket, moto_server):
    at = open_page(moto_server, engine="athena", source=SOURCE, results=RESULTS, database="gc", workgroup="nope")
    at.button(key="athena_run").click().run()
    assert not at.exception
    said = at.error[0].value.replace("\\", "")
    assert "The Athena workgroup 'nope' does not exist" in said
    assert "with the sidebar's Athena workgroup" in said and "WorkGroup does not exist" in said  # Athena's words too
    assert "--workgroup" not in said and "Traceback" not in shown(at)
    assert "_athena_result" not in at.session_state


def test_the_demo_does_not_offer_athena_and_says_why(monkeypatch, birds_dir):
    monkeypatch.setenv("GC_WORKSPACE", "demo")
    at = AppTest.from_file(APP, default_timeout=120)
    at.query_params["engine"] = "athena"  # a link made on the AWS workspace
    at.query_params["source"] = str(birds_dir)
    at.switch_page("app_pages/workers.py")
    at.run()
    assert not at.exception
    assert not [c for c in at.radio if c.label == "Engine"]
    assert any("Amazon Athena is offered on the **AWS** workspace" in c.value for c in at.sidebar.caption)
    assert {m.label: m.value for m in at.metric}["Labels"] == "1,510"  # computed here, as always


def test_a_query_left_running_by_an_ended_run_is_stopped_and_said(bucket, moto_server):
    """A click during a run starts the next run before Streamlit ends the old one: the next run stops
    the queries the old one had running (the browser test clicks Cancel for real)."""
    at = open_page(moto_server, engine="athena", source=SOURCE, results=RESULTS, database="gc")
    athena = boto3.client("athena", endpoint_url=moto_server, region_name=REGION)
    left = athena.start_query_execution(QueryString="SELECT 1", WorkGroup="primary")["QueryExecutionId"]
    at.session_state["_athena_running"] = {"ids": [left], "workgroup": "primary"}
    at.session_state["_athena_cancel_asked"] = True
    at.run()
    assert athena.get_query_execution(QueryExecutionId=left)["QueryExecution"]["Status"]["State"] == "CANCELLED"
    said = at.warning[0].value.replace("\\", "")
    assert said.startswith(f"Cancelled: Athena stopped the query then running ({left})")
    at.run()  # said once: the next rerun has nothing left to stop
    assert not at.warning and "Nothing has run yet" in at.info[0].value


def test_a_viewer_cannot_run_athena(bucket, moto_server):
    """Athena writes tables and results to the account and is billed: a lead's action, refused on the
    server when a viewer's click arrives (the button is there, as for every lead's action)."""
    from test_access_pages import AUTH, VIEWER  # tests/pages

    at = AppTest.from_file(APP, default_timeout=120)
    at.secrets.update(AUTH)
    at.user = dict(VIEWER)
    at.session_state["aws_endpoint_url"] = moto_server
    for key, value in {"engine": "athena", "source": SOURCE, "results": RESULTS, "database": "gc"}.items():
        at.query_params[key] = value
    at.switch_page("app_pages/workers.py")
    at.run()
    at.button(key="athena_run").click().run()
    assert not at.exception
    assert "Only a lead can run queries on Amazon Athena" in at.error[0].value
    assert "nothing was changed" in at.error[0].value
    athena = boto3.client("athena", endpoint_url=moto_server, region_name=REGION)
    assert athena.list_query_executions()["QueryExecutionIds"] == []  # nothing ran, nothing was billed


def test_names_are_looked_up_in_the_pools_athena_finds_and_a_missing_pool_is_said(bucket, moto_server,
                                                                                     monkeypatch):
    """Real names: one more query finds each worker's sub and Cognito pool; the pool is listed from
    here (moto has no pool of that id: the report shows IDs and says why, in words)."""
    from test_athena_identities import _identities  # tests/unit

    monkeypatch.setenv("AWS_ENDPOINT_URL_COGNITO_IDENTITY_PROVIDER", moto_server)
    at = open_page(moto_server, engine="athena", source=SOURCE, results=RESULTS, database="gc", names="name")
    assert at.toggle(key="athena_cognito").value
    assert {m.label: m.value for m in at.metric}["Estimated cost"] == "$0.000400"  # 7 queries and the pools' one
    duck = bucket.parent / "duck"
    duck.mkdir()
    table = on_duckdb(str(bucket), duck, attributes={"pets": "animal"})
    distinct = on_duckdb(str(bucket), duck, attributes={"pets": "animal"}, query="distinct_labels")
    team = _cli_test()._over_answers(bucket, "team_row", table)
    data = SourceReader(open_location(str(bucket))).load(keep=False)
    over_time = _cli_test("test_race_athena").athena_answers(bucket, PERIODS[natural_period(data.answers)])[:3]
    plan = aw.plan(open_location(SOURCE, AwsSettings(endpoint_url=moto_server, region=REGION)), "gc", RESULTS,
                   attributes={"pets": "animal"})
    _cli_test().queue(moto_server, [None] * len(plan.ddl()) + [_identities(str(bucket))]
                      + [distinct, None, table, None, team, *over_time])
    at.button(key="athena_run").click().run()
    assert not at.exception and not at.error, [e.value for e in [*at.exception, *at.error]]
    said = at.warning[0].value.replace("\\", "")
    assert said.startswith("Names were not looked up in Cognito: cannot list users of Cognito pool")
    assert "no such user pool" in said and "Traceback" not in shown(at)
    report, _ = at.session_state["_athena_result"]["result"]
    expected = worker_report(data, Selection(), names={}, attributes={"pets": "animal"})
    pd.testing.assert_frame_equal(report, expected, check_dtype=False)  # IDs shown, every figure as locally
