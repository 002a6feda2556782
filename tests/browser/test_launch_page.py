"""The launch wizard in a real browser: a dry run shows the exact request."""

import json

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser


def test_dry_run_shows_the_request_and_the_boto3_call(page, app_server, wait_for_app, screenshot):
    page.goto(f"{app_server}/launch?manifest=s3://ground-control-demo/manifests/digits-pilot.manifest"
              "&name=browser-dry-run&task=ImageMultiClass")
    wait_for_app(page)
    page.get_by_role("button", name="Dry run").click()
    code = page.locator('[data-testid="stCode"]').first
    code.wait_for(timeout=30_000)
    request = json.loads(code.inner_text())
    assert request["LabelingJobName"] == "browser-dry-run"
    assert request["HumanTaskConfig"]["NumberOfHumanWorkersPerDataObject"] == 3
    assert "create_labeling_job" in page.locator('[data-testid="stCode"]').nth(1).inner_text()
    assert page.locator('[data-testid="stException"]').count() == 0
    screenshot(page, "launch-dry-run")


def test_a_bad_job_name_is_named_not_launched(page, app_server, wait_for_app):
    page.goto(f"{app_server}/launch?manifest=s3://ground-control-demo/manifests/digits-pilot.manifest"
              "&name=bad_name.v1")
    wait_for_app(page)
    alert = page.locator('[data-testid="stAlert"]').filter(has_text="Fix these before launching")
    alert.wait_for()
    text = alert.inner_text()
    assert "Job name:" in text and "job_name" not in text  # the field as the page names it, no code
    assert page.get_by_role("button", name="Launch").is_disabled()


def test_changing_the_task_type_shows_that_tasks_labels(page, app_server, wait_for_app):
    """The browser keeps what a widget shows unless the app sets a new value: deleting the old
    labels on the server is not enough, the page must show the new task's own."""
    page.goto(f"{app_server}/launch?manifest=s3://ground-control-demo/manifests/digits-pilot.manifest"
              "&name=browser-boxes")
    wait_for_app(page, timeout_ms=240_000)  # the first page of a session may build the demo
    labels = page.get_by_label("Labels, one per line")
    expect(labels).to_have_value("\n".join(str(d) for d in range(10)))
    page.locator('[data-testid="stSelectbox"]').filter(has_text="Task type").click()
    page.get_by_role("option", name="Bounding box (BoundingBox)").click()
    expect(labels).to_have_value("circle\nsquare\ntriangle")
    expect(page.get_by_label("Workers per object")).to_have_value("5")
    wait_for_app(page)
    page.get_by_role("button", name="Dry run").click()
    request = json.loads(page.locator('[data-testid="stCode"]').first.inner_text())
    assert request["HumanTaskConfig"]["PreHumanTaskLambdaArn"].endswith(":function:PRE-BoundingBox")
