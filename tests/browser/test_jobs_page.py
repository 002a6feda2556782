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
