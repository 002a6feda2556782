"""The Workers page on Amazon Athena in Chromium, against the session's moto server: after Run, the
charts of labels per worker and time per label are priced, then drawn on a click from one more query
(its rows queued as Athena would return them, computed by the same SQL on DuckDB over the same files)."""

from __future__ import annotations

from urllib.parse import urlencode

import pytest
from test_athena_race import _answers_view  # tests/unit is on sys.path
from test_workers_athena_browser import GRID, RESULTS, SOURCE, _cli_test, athena_app  # noqa: F401

from core.engine import athena_worker_charts as awc

pytestmark = pytest.mark.browser


def test_the_worker_charts_are_drawn_from_athena_on_a_click(page, athena_app, moto_server, gt_output,  # noqa: F811
                                                           wait_for_app, settle, screenshot):
    url, athena = athena_app
    # Anonymous names are unique: the query is the same whatever they are (no VALUES list).
    rows = _answers_view(str(gt_output.root)).execute(awc.charts_query("all_answers", {}, "duckdb")).df()
    _cli_test().queue(moto_server, [rows])
    query = urlencode({"engine": "athena", "source": SOURCE, "results": RESULTS, "database": "gc", "names": "anon"})
    page.goto(f"{url}/workers?{query}")
    wait_for_app(page)
    page.get_by_role("button", name="Run on Athena").click()
    page.frame_locator(GRID).locator(".ag-center-cols-container .ag-row").first.wait_for(timeout=60_000)
    wait_for_app(page)
    app = page.locator('[data-testid="stApp"]')
    assert "These charts run 1 more query on Amazon Athena" in app.inner_text()
    assert "this computer's engine only" not in app.inner_text()
    before = len(athena.list_query_executions()["QueryExecutionIds"])

    page.get_by_role("button", name="Draw the charts on Athena").click()
    # Exactly: the offer's own heading, "Labels per worker and time per label", is there before the click.
    page.get_by_role("heading", name="Time per label", exact=True).wait_for(timeout=60_000)
    wait_for_app(page)
    assert len(athena.list_query_executions()["QueryExecutionIds"]) == before + 1
    text = app.inner_text()
    assert "Labels per worker" in text and "Labels over time" in text and "Traceback" not in text
    assert "These charts run" not in text  # the offer gave way to the charts
    assert "worker_key" not in text and "/tmp/" not in text
    assert page.locator('[data-testid="stException"]').count() == 0
    charts = page.locator('[data-testid="stVegaLiteChart"]')
    charts.nth(2).wait_for(timeout=30_000)  # each chart mounts on its own, after the script's run ends
    assert charts.count() >= 3
    heading = page.get_by_role("heading", name="Labels per worker", exact=True)
    heading.evaluate("e => e.scrollIntoView({block: 'start'})")
    settle(page)
    screenshot(page, "workers-athena-worker-charts")
