"""The Workers page in a real browser, on the real 2019 fixture."""

from pathlib import Path
from urllib.parse import quote

import pytest

pytestmark = pytest.mark.browser

GRID = 'iframe[title="st_aggrid.AgGrid.agGrid"]'


def test_workers_grid_shows_every_worker_and_the_team(page, app_server, birds_dir, wait_for_app, screenshot):
    page.goto(f"{app_server}/workers?source={quote(str(birds_dir))}&names=anon")
    wait_for_app(page)
    grid = page.frame_locator(GRID)
    grid.locator(".ag-center-cols-container .ag-row").first.wait_for(timeout=30_000)

    first = grid.locator('.ag-pinned-left-cols-container .ag-row[row-index="0"]').inner_text()
    assert first.startswith("Worker "), first
    team = grid.locator(".ag-floating-bottom").inner_text()
    assert "Team" in team and "1,510" in team  # counts with thousands separators, as elsewhere on the page
    app = page.inner_text('[data-testid="stApp"]')
    assert "1,510" in app and "97" in app
    assert "public.us-east-1." not in app  # anonymous names leave no id on the page
    assert page.locator('[data-testid="stException"]').count() == 0
    screenshot(page, "workers")
    # The page is drawn again once the estimate is made: click when that run has drawn it, not during it.
    grid.locator(".ag-header-cell", has_text="Estimated reliability").first.wait_for(timeout=60_000)
    wait_for_app(page)
    with page.expect_download() as download:  # the CSV is made when the button is clicked
        page.get_by_role("button", name="Download CSV").click()
    csv = Path(download.value.path()).read_text().splitlines()
    assert csv[0].startswith("worker,labels,") and len(csv) == 1 + 97 + 1  # the header, every worker, the team
    assert csv[-1].startswith("Team,1510,") and "public.us-east-1." not in "".join(csv)


def test_unreadable_source_says_why(page, app_server, tmp_path, wait_for_app):
    missing = tmp_path / "no-such-folder"
    page.goto(f"{app_server}/workers?source={quote(str(missing))}")
    wait_for_app(page)
    alert = page.locator('[data-testid="stAlert"]').first
    alert.wait_for()
    assert "does not exist" in alert.inner_text()
    assert page.locator('[data-testid="stException"]').count() == 0


WORD_FITS = """els => els.map(e => {
    const ctx = document.createElement('canvas').getContext('2d');
    const s = getComputedStyle(e);
    ctx.font = `${s.fontWeight} ${s.fontSize} ${s.fontFamily}`;
    const longest = Math.max(...e.textContent.trim().split(/\\s+/).map(w => ctx.measureText(w).width));
    return [e.textContent.trim(), longest, e.getBoundingClientRect().width];
})"""


def test_first_screen_at_1440_shows_quality_and_recency_with_whole_words(browser, app_server, birds_dir,
                                                                        wait_for_app):
    page = browser.new_context(viewport={"width": 1440, "height": 900}).new_page()
    page.goto(f"{app_server}/workers?source={quote(str(birds_dir))}&names=anon")
    wait_for_app(page)
    grid = page.frame_locator(GRID)
    grid.locator(".ag-center-cols-container .ag-row").first.wait_for(timeout=30_000)
    for title in ("Agreement %", "Accuracy %", "Last (UTC)"):
        box = grid.locator(".ag-header-cell", has_text=title).first.bounding_box()
        assert box is not None and box["x"] + box["width"] <= 1440, (title, box)
    headers = grid.locator(".ag-header-cell-text").evaluate_all(WORD_FITS)
    broken = [(text, round(word), round(width)) for text, word, width in headers if word > width + 0.5]
    assert not broken, broken  # a header wraps between words, never inside one
