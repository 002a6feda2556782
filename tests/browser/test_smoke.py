import pytest

pytestmark = pytest.mark.browser


def test_app_renders_title(page, app_server, wait_for_app, screenshot):
    page.goto(app_server)
    wait_for_app(page)
    assert "Ground Control" in page.inner_text('[data-testid="stApp"]')
    assert page.locator('[data-testid="stException"]').count() == 0
    screenshot(page, "smoke")
