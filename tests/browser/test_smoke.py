import pytest

pytestmark = pytest.mark.browser


def test_app_renders_title(page, app_server, wait_for_app, screenshot):
    page.goto(app_server)
    wait_for_app(page)
    logo = page.locator('[data-testid="stSidebarLogo"], [data-testid="stLogo"]').first
    logo.wait_for()
    assert page.title() == "Ground Control" or "Ground Control" in page.title()
    assert page.locator('[data-testid="stException"]').count() == 0
    screenshot(page, "smoke")
