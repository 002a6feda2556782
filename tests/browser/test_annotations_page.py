"""The Annotations page in a real browser, on the demo: a label attribute filter from the sidebar,
an item with its boxes drawn, and the dry run of the audit job for the worst items."""

import re
from urllib.parse import quote

import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeout

pytestmark = pytest.mark.browser

SOURCE = quote("s3://ground-control-demo/labeling-jobs/")


def test_filter_by_a_label_attribute_then_open_an_item_and_plan_its_audit(page, app_server, wait_for_app,
                                                                          screenshot):
    page.goto(f"{app_server}/annotations?source={SOURCE}")
    wait_for_app(page, 180_000)  # the first read of the demo's every file
    page.locator('[data-testid="stMetricValue"]').first.wait_for()  # the read is done and the page drawn
    wait_for_app(page)
    caption = page.locator('[data-testid="stMain"] [data-testid="stCaptionContainer"]').first
    assert "Video tracking" in caption.inner_text()
    # The label attribute filter: only the tracking job's large shapes remain, and the link says so.
    choice = page.locator('[data-testid="stSidebar"] [data-testid="stSelectbox"]').filter(has_text="Label attribute")
    option = page.get_by_role("option", name="size = large")
    for _ in range(3):  # a rerun still drawing the page may close the list as it opens
        choice.click()
        try:
            option.wait_for(timeout=10_000)
            break
        except PlaywrightTimeout:
            wait_for_app(page)
    option.click()
    page.wait_for_url(lambda url: "attr=size" in url)
    wait_for_app(page)
    metrics = page.locator('[data-testid="stMetricValue"]').all_inner_texts()
    assert metrics[2] == "1"  # one job: the video tracking job
    screenshot(page, "annotations-filtered")

    # An item of the first box job, drawn: the worst item first, its picture with the boxes.
    page.goto(f"{app_server}/annotations?source={SOURCE}&ijob=shapes-boxes-1")
    wait_for_app(page)
    page.get_by_role("tab", name="Items").click()
    heading = page.get_by_role("heading", name=re.compile(r"^Item \S+ of "))
    heading.wait_for()
    assert "of shapes-boxes-1" in heading.inner_text()
    picture = page.locator('[data-testid="stImage"] img').first
    picture.wait_for()
    assert picture.evaluate("img => img.naturalWidth") > 0
    assert page.locator('[data-testid="stException"]').count() == 0

    # The verification of the ten worst items, as a dry run.
    page.get_by_text("Plan it (a dry run").click()
    wait_for_app(page)
    plan = page.get_by_text("Bounding box verification", exact=False).first
    plan.wait_for()
    assert "10 item(s)" in plan.inner_text()
    fee = page.get_by_text("Ground Truth fee: 10 x $0.08", exact=False)
    fee.first.wait_for()  # drawn a moment after the plan's title on a busy machine
    assert fee.count() == 1
    screenshot(page, "annotations-fix-plan")
