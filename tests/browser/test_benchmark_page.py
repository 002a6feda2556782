"""The Benchmark page in a real browser: the guided experiment runs and the verdict appears."""

import pytest

pytestmark = pytest.mark.browser


def test_guided_experiment_fills_in_the_page(page, start_app, demo_dir, tmp_path_factory, wait_for_app, screenshot):
    base = start_app({"GC_DEMO_DIR": str(demo_dir), "GC_CACHE_DIR": str(tmp_path_factory.mktemp("bench-cache"))})
    page.goto(f"{base}/benchmark")
    wait_for_app(page)
    page.get_by_role("button", name="Run the walkthrough").click()
    verdict = page.get_by_text("Starting from the earlier model")
    verdict.wait_for(timeout=240_000)
    wait_for_app(page)
    assert "walkthrough-2-with-model labeled" in verdict.inner_text()
    assert page.locator('[data-testid="stException"]').count() == 0
    screenshot(page, "benchmark")
