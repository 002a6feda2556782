"""The sidebar's choices kept from page to page in a real browser: a lead who enters a source and
chooses Anonymous, then opens other pages from the sidebar, sees the same source and no names.
Streamlit gives each page's widget its own identity, and (without url_state setting the session's
value again) the first page opened from the sidebar showed the demo's source and real names. AppTest
switches pages without a frontend and does not show it."""

from urllib.parse import quote

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser


def test_source_and_anonymous_names_follow_the_sidebar_links(page, app_server, birds_dir, wait_for_app):
    page.goto(f"{app_server}/workers?source={quote(str(birds_dir))}")
    wait_for_app(page)
    source = page.locator('[data-testid="stSidebar"] input[aria-label="Source"]')
    anonymous = page.get_by_role("radio", name="Anonymous (Worker 1..N)")
    page.locator('[data-testid="stSidebar"]').get_by_text("Anonymous (Worker 1..N)", exact=True).click()
    expect(anonymous).to_be_checked()
    wait_for_app(page)
    for title, path in (("Race", "race"), ("Workers", "workers"), ("Annotations", "annotations"),
                        ("Workers", "workers")):
        page.locator('[data-testid="stSidebarNav"]').get_by_text(title, exact=True).click()
        page.wait_for_url(f"**/{path}?**")
        wait_for_app(page)
        expect(source).to_have_value(str(birds_dir))
        expect(anonymous).to_be_checked()
        assert "public.us-east-1." not in page.inner_text('[data-testid="stMain"]'), title
    assert page.locator('[data-testid="stException"]').count() == 0
