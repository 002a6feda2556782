"""The bar chart race plays in a real browser, pauses, and scrubs."""

from urllib.parse import quote

import pytest

pytestmark = pytest.mark.browser


def test_race_plays_pauses_and_scrubs(page, app_server, birds_dir, wait_for_app, settle, screenshot):
    page.goto(f"{app_server}/race?source={quote(str(birds_dir))}&names=anon&title=Birds%202019")
    wait_for_app(page)
    race = page.frame_locator("iframe").locator("#race")
    race.locator(".bar").first.wait_for()
    assert race.get_attribute("data-state") in ("playing", "ended")
    assert race.locator("#title").inner_text() == "Birds 2019"

    frame = page.locator("iframe").element_handle().content_frame()
    frame.wait_for_function(  # it plays on: the period moves, or the race has already ended
        "p => document.getElementById('race').dataset.state === 'ended'"
        " || document.getElementById('period').textContent !== p", arg=race.locator("#period").inner_text())
    if race.get_attribute("data-state") == "playing":
        race.locator("#play").click()
    race.locator("#scrub").fill("0")
    assert race.get_attribute("data-state") == "paused"
    first = race.locator("#period").inner_text()
    race.locator("#scrub").fill(race.locator("#scrub").get_attribute("max"))
    assert race.locator("#period").inner_text() != first
    assert race.locator("#summary").inner_text() == "Total labels: 1,510"
    names = race.locator(".bar .name").all_inner_texts()
    assert "Worker 47" in names and not any(n.startswith("public.") for n in names)
    assert page.locator('[data-testid="stException"]').count() == 0
    settle(frame)  # the bars in their final places
    screenshot(page, "race")
