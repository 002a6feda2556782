"""The launch wizard in a real browser: a dry run shows the exact request."""

import json

import pytest

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
    assert "job_name" in alert.inner_text()
    assert page.get_by_role("button", name="Launch").is_disabled()
