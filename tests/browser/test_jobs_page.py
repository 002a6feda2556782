"""The Jobs page in a real browser, as a newcomer sees it with no AWS: the demo workspace."""

import pytest
from demo_copy import copy_demo

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


def test_stop_asks_first_then_stops_the_running_job(page, start_app, demo, demo_dir, tmp_path_factory, wait_for_app):
    """On a copy of the session's demo (stopping is for good), from the job's link."""
    base = start_app({"GC_DEMO_DIR": str(copy_demo(demo_dir, tmp_path_factory.mktemp("stop-demo") / "demo"))})
    page.goto(base)
    wait_for_app(page)
    running = page.locator('[data-testid="stDataFrame"]').first
    running.wait_for()
    page.goto(f"{base}/?job=shapes-boxes-3")
    wait_for_app(page)
    page.get_by_role("button", name="Stop job").click()
    dialog = page.get_by_role("dialog")
    dialog.get_by_text("cannot be undone").wait_for()  # its body can follow its title by a moment
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


def _metric(page, label: str) -> str:
    return page.locator('[data-testid="stMetric"]').filter(has_text=label).first.inner_text()


def test_worker_metrics_link_opens_workers_on_that_job_after_an_earlier_visit(page, app_server, wait_for_app,
                                                                              screenshot):
    """Workers first (all jobs, so the session holds its widgets), then Jobs through the sidebar, then
    the job's link: Workers must show that one job, not the earlier view."""
    page.goto(f"{app_server}/workers")
    wait_for_app(page, timeout_ms=240_000)  # the first page of a session may build the demo
    all_labels = int(_metric(page, "Labels").split()[-1].replace(",", ""))
    sidebar = page.locator('[data-testid="stSidebar"]')
    sidebar.get_by_role("link", name="Jobs").click()
    grid = page.locator('[data-testid="stDataFrame"]').first
    grid.wait_for()
    wait_for_app(page)
    box = grid.bounding_box()
    page.mouse.click(box["x"] + 18, box["y"] + 35 + 17)  # the newest job's selection cell
    link = page.get_by_text("Worker metrics for this job")
    link.wait_for(timeout=30_000)
    wait_for_app(page)
    job = page.url.split("job=", 1)[1].split("&", 1)[0]
    link.click()
    page.wait_for_url("**/workers?**", timeout=30_000)
    page.locator('[data-testid="stMetric"]').filter(has_text="Labels").first.wait_for()
    wait_for_app(page)
    chosen = sidebar.locator('[data-testid="stMultiSelect"]').first.inner_text()
    assert job in chosen, chosen
    assert f"job={job}" in page.url
    labels = int(_metric(page, "Labels").split()[-1].replace(",", ""))
    assert 0 < labels < all_labels
    assert page.locator('[data-testid="stException"]').count() == 0
    screenshot(page, "workers-from-job-link")
