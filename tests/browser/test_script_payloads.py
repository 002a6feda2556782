"""Script payloads in every text that reaches HTML never run (issue 9): worker IDs, labels, job
names, the race title and values in the link, on the Workers and Race pages and in the race's
iframe, in Chromium. Each text is shown literally.

Here rather than in tests/robustness/: the browser harness (app server, Chromium) lives in
tests/browser/conftest.py.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from urllib.parse import urlencode

import pytest

pytestmark = pytest.mark.browser

IMG = "<img src=x onerror=window.__pwned=1>"
SCRIPT = "</script><script>window.__pwned=1</script>"
GRID = 'iframe[title="st_aggrid.AgGrid.agGrid"]'


@pytest.fixture
def payload_output(gt_output):
    """Two jobs, one named by a payload, three workers whose IDs are payloads, labels that are too;
    written (and the race's periods spread over three hours) before the browser opens."""
    start = datetime(2024, 3, 12, 9, 0)
    workers = [SCRIPT, IMG, "plain-worker __HEIGHT__"]
    for job in (IMG, "birds-plain"):
        objects = {
            i: [gt_output.answer(w, [IMG, SCRIPT, "sparrow"][(i + k) % 3], start + timedelta(minutes=20 * i + k),
                                 sub=gt_output.sub(k)) for k, w in enumerate(workers)]
            for i in range(9)
        }
        gt_output.job(job, objects)
    return gt_output.root


def pwned(page) -> list[str]:
    """The frames (the page, the grid, the race) in which a payload ran."""
    return [frame.url for frame in page.frames if frame.evaluate("() => window.__pwned !== undefined")]


def open_page(page, base: str, path: str, wait_for_app, **params) -> None:
    page.goto(f"{base}/{path}?{urlencode(params)}")
    wait_for_app(page)
    assert page.locator('[data-testid="stException"]').count() == 0


def test_payloads_on_the_workers_page_are_text(page, app_server, payload_output, wait_for_app):
    open_page(page, app_server, "workers", wait_for_app, source=str(payload_output), **{"from": IMG},
              job=SCRIPT, period=SCRIPT, cols=IMG, view="Charts")
    grid = page.frame_locator(GRID)
    grid.locator(".ag-center-cols-container .ag-row").first.wait_for()
    workers = grid.locator(".ag-pinned-left-cols-container").inner_text()
    assert SCRIPT in workers and IMG in workers and "plain-worker __HEIGHT__" in workers
    # The page draws its table, then runs again with the estimate (rerun_as_opened) and the tab below
    # it (the charts, whose period the link names): the notes on the link's bad values are read after
    # that second run, which must say them again.
    page.get_by_role("heading", name="Labels over time").wait_for()
    wait_for_app(page)
    app = page.inner_text('[data-testid="stApp"]')
    notes = [line for line in app.splitlines() if "was not understood" in line]
    # the link's bad values, each named as typed: its job, start date, columns and period
    assert [what for what in ("job", "start date", "columns", "period") if f"The link's {what} " not in app] == []
    assert all(IMG in n or SCRIPT in n for n in notes) and "showing hour" in app  # a period's name, not "h"
    page.wait_for_load_state("networkidle")  # an injected <img src=x> would have failed to load by now
    assert pwned(page) == []


def test_payloads_in_the_race_and_its_title_are_text(page, app_server, payload_output, wait_for_app):
    title = f"{SCRIPT} {IMG} __HEIGHT__"
    open_page(page, app_server, "race", wait_for_app, source=str(payload_output), title=title,
              top=IMG, cmap=SCRIPT)
    race = page.frame_locator("iframe").locator("#race")
    race.locator(".bar").first.wait_for()
    assert race.locator("#title").inner_text() == title
    names = race.locator(".bar .name").all_inner_texts()
    assert {SCRIPT, IMG, "plain-worker __HEIGHT__"} <= set(names)
    page.wait_for_load_state("networkidle")
    assert pwned(page) == []
