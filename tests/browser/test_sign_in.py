"""Sign-in end to end: the app's own st.login against an OpenID Connect provider on 127.0.0.1 (built with
Authlib, tests/oidc_provider.py), in Chromium. A viewer is refused a stop by the server, a lead
stops the job, and both attempts are in the audit log."""

from __future__ import annotations

import json
import secrets
from pathlib import Path

import pytest
from demo_copy import copy_demo
from oidc_provider import OidcProvider
from streamlit_direct import DirectSession, elements

pytestmark = pytest.mark.browser

USERS = {
    "ana": {"name": "Ana Lead", "email": "ana@example.com", "groups": ["labeling-leads"]},
    "bo": {"name": "Bo Viewer", "email": "bo@example.com", "groups": ["stakeholders"]},
    "cy": {"name": "Cy Stranger", "email": "cy@example.com", "groups": ["another-team"]},
}
ROLES = '[roles]\nlead_groups = ["labeling-leads"]\nviewer_groups = ["stakeholders"]\n'
RUNNING = "shapes-boxes-3"  # the demo's job still running at GC_DEMO_AT


@pytest.fixture(scope="module")
def provider():
    started = OidcProvider(USERS).start()
    yield started
    started.stop()


@pytest.fixture(scope="module")
def signed_app(provider, start_app, demo, demo_dir, tmp_path_factory):
    """The app with [auth] and [roles] in ~/.streamlit/secrets.toml (a HOME of its own), on a copy of
    the session's demo (a stop is for good). Returns (base URL, the demo's folder)."""
    home = tmp_path_factory.mktemp("signed-home")
    (home / ".streamlit").mkdir()
    (home / ".streamlit" / "secrets.toml").write_text(provider.secrets_toml(secrets.token_hex(32), ROLES))
    demo = copy_demo(demo_dir, tmp_path_factory.mktemp("signed-demo") / "demo")
    return start_app({"GC_DEMO_DIR": str(demo), "HOME": str(home)}), demo


def audit_lines(demo: Path) -> list[dict]:
    folder = demo / "buckets" / "ground-control-demo" / "_ground-control" / "audit"
    return [json.loads(p.read_text()) for p in sorted(folder.rglob("*.json"))] if folder.is_dir() else []


def sign_in(page, base: str, user: str, wait_for_app, screenshot=None) -> None:
    page.goto(base)
    wait_for_app(page)
    button = page.get_by_role("button", name="Sign in")
    button.wait_for()
    assert page.locator('[data-testid="stSidebarNav"]').count() == 0  # no page before signing in
    if screenshot:
        screenshot(page, "sign-in")
    button.click()
    page.wait_for_url("**/authorize?**")
    assert "code_challenge=" in page.url and "nonce=" in page.url  # PKCE and a nonce, as Cognito expects
    if screenshot:
        screenshot(page, "sign-in-provider")
    page.get_by_role("button", name=f"Sign in as {USERS[user]['name']}").click()
    page.wait_for_url(f"{base}/**")
    wait_for_app(page)


def stop_status(page) -> str:
    return page.locator('[data-testid="stMetric"]').filter(has_text="Status").inner_text()


def test_a_viewer_is_refused_a_stop_and_a_lead_stops_the_job(page, browser, provider, signed_app, wait_for_app,
                                                              screenshot):
    base, demo = signed_app
    sign_in(page, base, "bo", wait_for_app, screenshot)
    sidebar = page.locator('[data-testid="stSidebar"]')
    assert "Signed in as Bo Viewer" in sidebar.inner_text() and "a viewer" in sidebar.inner_text()
    assert provider.issued == ["bo"]
    for cookie in page.context.cookies():  # the link carries the view only: no token in the URL
        assert cookie["value"] not in page.url
    assert "token" not in page.url and "code=" not in page.url

    # The job's link, then Stop: the button is there (the server decides, not the page) and the
    # server refuses the viewer in plain words.
    page.goto(f"{base}/?job={RUNNING}")
    wait_for_app(page)
    page.get_by_role("button", name="Stop job").click()
    page.get_by_role("dialog").get_by_role("button", name="Stop the job").click()
    refusal = page.get_by_text("Only a lead can stop a labeling job")
    refusal.wait_for()
    wait_for_app(page)
    assert "You are signed in as a viewer (bo@example.com); nothing was changed." in refusal.inner_text()
    assert "InProgress" in stop_status(page)
    screenshot(page, "sign-in-viewer-refused")
    assert [(a["who"], a["action"], a["result"]["outcome"]) for a in audit_lines(demo)] == [
        ("bo@example.com", "stop", "refused")]

    # A direct call: the viewer's own cookies on a websocket of its own, no browser and no page in the
    # way: open the job, click Stop, then the dialog's Stop (a rerun of the dialog's fragment).
    direct = DirectSession(base, {c["name"]: c["value"] for c in page.context.cookies()})
    try:
        opened = direct.rerun(f"job={RUNNING}")
        [stop_id] = [b.id for b, _ in elements(opened, "button") if b.label == "Stop job"]
        dialog = direct.rerun(f"job={RUNNING}", (stop_id,))
        [(confirm_id, fragment)] = [(b.id, f) for b, f in elements(dialog, "button") if b.label == "Stop the job"]
        answered = direct.rerun(f"job={RUNNING}", (confirm_id,), fragment_id=fragment)
    finally:
        direct.close()
    alerts = [a.body.replace("\\", "") for a, _ in elements(answered, "alert")]  # Markdown, data escaped
    assert any("Only a lead can stop a labeling job. You are signed in as a viewer (bo@example.com)" in a
               for a in alerts), alerts
    assert [(a["who"], a["action"], a["result"]["outcome"]) for a in audit_lines(demo)] == [
        ("bo@example.com", "stop", "refused")] * 2

    # A lead's race link that asks for names shows a viewer Worker 1..N, decided on the server.
    page.goto(f"{base}/race?job=digits-pilot&names=name")
    wait_for_app(page)
    race = page.frame_locator("iframe").locator("#race")
    race.locator(".bar").first.wait_for()
    names = race.locator(".bar .name").all_inner_texts()
    assert names and all(n.startswith("Worker ") for n in names), names
    assert "their names and IDs are for leads" in sidebar.inner_text()
    screenshot(page, "sign-in-viewer-race")

    # The audit trail is for leads only, even from its own link.
    page.goto(f"{base}/audit")
    wait_for_app(page)
    assert "The audit trail is for leads" in page.locator('[data-testid="stApp"]').inner_text()
    assert page.locator('[data-testid="stDataFrame"]').count() == 0

    # A lead, in a browser of their own, stops it; the line names them.
    lead = browser.new_context(viewport={"width": 1400, "height": 900})
    try:
        lead_page = lead.new_page()
        lead_page.set_default_timeout(30_000)
        sign_in(lead_page, base, "ana", wait_for_app)
        assert "a lead" in lead_page.locator('[data-testid="stSidebar"]').inner_text()
        lead_page.goto(f"{base}/?job={RUNNING}")
        wait_for_app(lead_page)
        lead_page.get_by_role("button", name="Stop job").click()
        lead_page.get_by_role("dialog").get_by_role("button", name="Stop the job").click()
        lead_page.get_by_text(f"Stop requested for {RUNNING}").wait_for()
        wait_for_app(lead_page)
        assert "Stopping" in stop_status(lead_page) or "Stopped" in stop_status(lead_page)
        lines = audit_lines(demo)
        assert [(a["who"], a["role"], a["request"], a["result"]["outcome"]) for a in lines] == [
            ("bo@example.com", "viewer", {"job": RUNNING}, "refused")] * 2 + [
            ("ana@example.com", "lead", {"job": RUNNING}, "done")]

        lead_page.goto(f"{base}/audit")
        wait_for_app(lead_page)
        table = lead_page.locator('[data-testid="stDataFrame"]')
        table.wait_for()
        screenshot(lead_page, "audit-trail")
        assert lead_page.locator('[data-testid="stException"]').count() == 0
    finally:
        lead.close()


def test_an_account_in_no_group_sees_no_page(page, signed_app, wait_for_app):
    base, _ = signed_app
    sign_in(page, base, "cy", wait_for_app)
    text = page.locator('[data-testid="stApp"]').inner_text()
    assert "in no group that may use Ground Control" in text
    assert page.locator('[data-testid="stSidebarNav"]').count() == 0
    page.get_by_role("button", name="Sign out").click()
    page.get_by_role("button", name="Sign in").wait_for()
