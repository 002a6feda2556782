"""The Jobs page in a real browser, as a newcomer sees it with no AWS: the demo workspace."""

import pytest

pytestmark = pytest.mark.browser


def test_demo_jobs_open_one_by_clicking_its_row(page, app_server, wait_for_app, screenshot):
    page.goto(app_server)
    wait_for_app(page)
    app = page.locator('[data-testid="stApp"]')
    assert "Demo workspace" in app.inner_text()
    grid = page.locator('[data-testid="stDataFrame"]').first
    grid.wait_for()
    screenshot(page, "jobs")

    # The table is a canvas: click the selection cell of the first row (the newest job).
    box = grid.bounding_box()
    page.mouse.click(box["x"] + 18, box["y"] + 35 + 17)
    page.get_by_text("Worker metrics for this job").wait_for(timeout=30_000)
    wait_for_app(page)
    assert "job=" in page.url
    details = app.inner_text()
    assert "Output manifest" in details and "Labeled" in details
    assert page.locator('[data-testid="stException"]').count() == 0
    screenshot(page, "job-details", full_page=True)


def test_stop_asks_first_then_stops_the_running_job(page, start_app, tmp_path_factory, wait_for_app):
    """On its own demo (stopping is for good), from the job's link."""
    base = start_app({"GC_DEMO_DIR": str(tmp_path_factory.mktemp("stop-demo") / "demo")})
    page.goto(base)
    wait_for_app(page)
    running = page.locator('[data-testid="stDataFrame"]').first
    running.wait_for()
    page.goto(f"{base}/?job=shapes-boxes-3")
    wait_for_app(page)
    page.get_by_role("button", name="Stop job").click()
    dialog = page.get_by_role("dialog")
    dialog.wait_for()
    assert "cannot be undone" in dialog.inner_text()
    dialog.get_by_role("button", name="Keep it running").click()
    wait_for_app(page)
    assert "InProgress" in page.locator('[data-testid="stMetric"]').filter(has_text="Status").inner_text()

    page.get_by_role("button", name="Stop job").click()
    page.get_by_role("dialog").get_by_role("button", name="Stop the job").click()
    page.get_by_text("Stop requested for shapes-boxes-3").wait_for(timeout=30_000)
    wait_for_app(page)
    status = page.locator('[data-testid="stMetric"]').filter(has_text="Status").inner_text()
    assert "Stopping" in status or "Stopped" in status
    assert page.get_by_role("button", name="Stop job").count() == 0
