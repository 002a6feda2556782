"""The Workers page's estimated reliability in a real browser, on the real 2019 fixture and its gold
file: the column and its interval tooltip, the disagreements, and a link to the item view."""

import re
from urllib.parse import parse_qs, quote, urlparse

import pytest

pytestmark = pytest.mark.browser

GRID = 'iframe[title="st_aggrid.AgGrid.agGrid"]'


def test_reliability_column_tooltip_and_the_objects_to_audit(page, app_server, birds_dir, wait_for_app, settle,
                                                             screenshot):
    gold = birds_dir / "true_labels.json"
    page.goto(f"{app_server}/workers?source={quote(str(birds_dir))}&gold={quote(str(gold))}&names=anon")
    wait_for_app(page)
    grid = page.frame_locator(GRID)
    grid.locator(".ag-center-cols-container .ag-row").first.wait_for(timeout=30_000)
    header = grid.locator(".ag-header-cell", has_text="Estimated reliability %").first
    header.wait_for()
    # The table comes first; its estimate columns fill in once Dawid-Skene has run.
    cell = grid.locator('.ag-center-cols-container .ag-row[row-index="0"] [col-id="reliability"]',
                        has_text=re.compile(r"\d"))
    cell.wait_for(timeout=30_000)
    value = float(cell.inner_text())
    assert 50 <= value <= 100
    cell.hover()
    tooltip = grid.locator(".ag-tooltip")
    tooltip.wait_for(timeout=10_000)
    text = tooltip.inner_text()
    assert text.startswith("95 % interval: ") and text.endswith("%"), text
    screenshot(page, "workers-reliability-tooltip")

    # Below the table, in the second of its tabs: opened by a click, and named in the link from then on.
    page.get_by_role("tab", name="Estimate vs Ground Truth").click()
    heading = page.get_by_text("Where the estimate and Ground Truth disagree")
    heading.wait_for(timeout=30_000)
    assert parse_qs(urlparse(page.url).query)["view"] == ["Estimate vs Ground Truth"]
    heading.scroll_into_view_if_needed()
    settle(page)
    app = page.inner_text('[data-testid="stApp"]')
    assert "13 object(s) where the label estimated" in app
    assert "public.us-east-1." not in app and "Traceback" not in app
    links = page.locator('[data-testid="stPageLink"] a', has_text="estimate ")
    assert links.count() == 10
    screenshot(page, "workers-reliability-disagreements")

    href = links.first.get_attribute("href")
    params = parse_qs(urlparse(href).query)
    assert params["tab"] == ["Items"] and params["item"]
    links.first.click()
    page.wait_for_url("**/annotations?**", timeout=30_000)
    wait_for_app(page)
    assert parse_qs(urlparse(page.url).query)["item"] == params["item"]
    assert page.locator('[data-testid="stException"]').count() == 0
    # The Annotations page binds its tabs to the link only on large sources (app_pages/annotations.py):
    # here the Items tab is a click away, and it opens on the linked item.
    page.get_by_role("tab", name="Items").click()
    settle(page)
    tab = page.locator('[data-testid="stTabs"]').inner_text()
    assert f"Item {params['item'][0]} of birds-open-images-clone" in tab
    assert "not understood" not in tab
    screenshot(page, "annotations-from-reliability")
