"""The Workers page with Amazon Athena as its engine, in Chromium, against the session's moto server
(S3 and Athena over real HTTP from the app's own process): the plan before anything runs, the report
after Run, and a query cancelled from the page while Athena still has it queued."""

from __future__ import annotations

import json
import urllib.request
from pathlib import Path
from urllib.parse import urlencode

import boto3
import pytest
from test_athena_views import _private_output, on_duckdb  # tests/unit is on sys.path

from core.engine import athena_workers as aw
from core.ingest import SourceReader
from core.race.frames import PERIODS, natural_period
from core.storage import AwsSettings, open_location

pytestmark = pytest.mark.browser

SOURCE, RESULTS, REGION = "s3://gt-out/out/", "s3://gc-results/athena/", "eu-west-1"
GRID = 'iframe[title="st_aggrid.AgGrid.agGrid"]'


def _cli_test(module: str = "test_workers_athena"):
    """tests/cli/test_workers_athena.py: its Athena-shaped rows (queue) and DuckDB runs (_over_answers)."""
    import importlib
    import sys

    folder = str(Path(__file__).resolve().parents[1] / "cli")
    if folder not in sys.path:
        sys.path.append(folder)
    return importlib.import_module(module)


def _post(endpoint: str, path: str, body: dict | None = None) -> None:
    data = json.dumps(body).encode() if body is not None else None
    urllib.request.urlopen(urllib.request.Request(f"{endpoint}{path}", data=data, method="POST"), timeout=30)


@pytest.fixture
def athena_app(start_app, moto_server, gt_output, tmp_path, fake_aws):
    """The constructed output in a fresh moto, each query's rows queued (computed on DuckDB by the
    engine's own SQL), and an app on the AWS workspace whose every AWS call goes to moto."""
    fake_aws(REGION)
    _post(moto_server, "/moto-api/reset")
    folder = Path(_private_output(gt_output))
    s3 = boto3.client("s3", endpoint_url=moto_server, region_name=REGION, aws_access_key_id="testing",
                      aws_secret_access_key="testing")
    for name in ("gt-out", "gc-results"):
        s3.create_bucket(Bucket=name, CreateBucketConfiguration={"LocationConstraint": REGION})
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        s3.put_object(Bucket="gt-out", Key="out/" + path.relative_to(folder).as_posix(), Body=path.read_bytes())
    duck = tmp_path / "duck"
    duck.mkdir()
    layers = {"pets": "animal"}
    table = on_duckdb(str(folder), duck, attributes=layers)
    distinct = on_duckdb(str(folder), duck, attributes=layers, query="distinct_labels")
    cli = _cli_test()
    team = cli._over_answers(folder, "team_row", table)
    plan = aw.plan(open_location(SOURCE, AwsSettings(endpoint_url=moto_server, region=REGION)), "gc", RESULTS,
                   attributes=layers)
    answers = SourceReader(open_location(str(folder))).load(keep=False).answers
    over_time = _cli_test("test_race_athena").athena_answers(folder, PERIODS[natural_period(answers)])[:3]
    cli.queue(moto_server, [None] * len(plan.ddl()) + [distinct, None, table, None, team, *over_time])
    url = start_app({"GC_WORKSPACE": "aws", "AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
                     "AWS_DEFAULT_REGION": REGION, "AWS_ENDPOINT_URL": moto_server,
                     "GC_CACHE_DIR": str(tmp_path / "cache")})
    athena = boto3.client("athena", endpoint_url=moto_server, region_name=REGION, aws_access_key_id="testing",
                          aws_secret_access_key="testing")
    yield url, athena
    _post(moto_server, "/moto-api/state-manager/unset-transition", {"model_name": "athena::execution"})


def test_run_shows_the_report_and_cancel_stops_the_query(page, athena_app, moto_server, wait_for_app, settle,
                                                        screenshot):
    url, athena = athena_app
    query = urlencode({"engine": "athena", "source": SOURCE, "results": RESULTS, "database": "gc", "names": "anon"})
    page.goto(f"{url}/workers?{query}")
    wait_for_app(page)
    page.get_by_text("Estimated cost").wait_for()
    app = page.locator('[data-testid="stApp"]')
    assert "Estimated cost" in app.inner_text() and "$0.000350" in app.inner_text()
    assert "CREATE EXTERNAL TABLE IF NOT EXISTS" in page.locator('[data-testid="stCode"]').inner_text()
    assert athena.list_query_executions()["QueryExecutionIds"] == []  # nothing runs before the click
    screenshot(page, "workers-athena-plan", full_page=True)

    page.get_by_role("button", name="Run on Athena").click()
    grid = page.frame_locator(GRID)
    grid.locator(".ag-center-cols-container .ag-row").first.wait_for(timeout=60_000)
    wait_for_app(page)
    text = app.inner_text()
    assert "6 query(ies) run on Athena" in text and "Labels over time" in text  # the chart, from Athena's counts
    assert "Worker 1" in grid.locator(".ag-pinned-left-cols-container").inner_text()
    assert "Team" in grid.locator(".ag-floating-bottom").inner_text()
    assert page.locator('[data-testid="stException"]').count() == 0
    page.locator('[data-testid="stMetric"]', has_text="Labels").scroll_into_view_if_needed()
    settle(page)
    screenshot(page, "workers-athena")
    page.get_by_role("heading", name="Labels over time").evaluate("e => e.scrollIntoView({block: 'start'})")
    settle(page)
    screenshot(page, "workers-athena-chart")

    # Athena keeps the next query queued (moto's state manager): Cancel stops it there.
    _post(moto_server, "/moto-api/state-manager/set-transition",
          {"model_name": "athena::execution", "transition": {"progression": "manual", "times": 10_000}})
    before = set(athena.list_query_executions()["QueryExecutionIds"])
    page.get_by_role("button", name="Run on Athena").click()
    page.get_by_text("Running on Amazon Athena: query 1, queued").wait_for(timeout=30_000)
    page.get_by_role("button", name="Cancel").wait_for()
    screenshot(page, "workers-athena-running")
    page.get_by_role("button", name="Cancel").click()
    page.get_by_text("Cancelled: Athena stopped the query then running").wait_for(timeout=30_000)
    wait_for_app(page)
    (started,) = set(athena.list_query_executions()["QueryExecutionIds"]) - before
    assert athena.get_query_execution(QueryExecutionId=started)["QueryExecution"]["Status"]["State"] == "CANCELLED"
    assert started in app.inner_text()
    assert page.locator('[data-testid="stException"]').count() == 0
