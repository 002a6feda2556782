"""Sign-in and roles through the entry script (AppTest): the server's own check on each action, run
the way a script run does it, without a browser in the way (tests/browser/test_sign_in.py has the
real st.login end to end)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from demo_copy import copy_demo
from streamlit.testing.v1 import AppTest

APP = str(Path(__file__).resolve().parents[2] / "streamlit_app.py")
AUTH = {"auth": {"redirect_uri": "http://localhost:8501/oauth2callback", "cookie_secret": "not-a-real-secret",
                 "client_id": "gc", "client_secret": "not-a-real-secret",
                 "server_metadata_url": "http://127.0.0.1:9/.well-known/openid-configuration"},
        "roles": {"lead_groups": ["labeling-leads"], "viewer_groups": ["stakeholders"]}}
VIEWER = {"is_logged_in": True, "sub": "s-bo", "email": "bo@example.com", "name": "Bo",
          "cognito:groups": ["stakeholders"]}
LEAD = {**VIEWER, "sub": "s-ana", "email": "ana@example.com", "name": "Ana", "cognito:groups": ["labeling-leads"]}
RUNNING = "shapes-boxes-3"
MANIFEST = "s3://ground-control-demo/manifests/digits-batch-3.manifest"


@pytest.fixture
def own_demo(demo_dir, tmp_path, monkeypatch, demo):
    """A copy of the session's demo: a stop is for good."""
    # Without the audit lines of other tests in this worker: only these tests' count.
    copy = copy_demo(demo_dir, tmp_path / "demo")
    monkeypatch.setenv("GC_DEMO_DIR", str(copy))
    return copy


def app(user: dict | None = None, **params) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=60)
    if user is not None:
        at.secrets.update(AUTH)
        at.user = dict(user)
    for key, value in params.items():
        at.query_params[key] = value
    return at


def audit(demo: Path) -> list[dict]:
    folder = demo / "buckets" / "ground-control-demo" / "_ground-control" / "audit"
    return [json.loads(p.read_text()) for p in sorted(folder.rglob("*.json"))]


def test_without_sign_in_the_sidebar_says_local_use_and_pages_run():
    at = app(job=RUNNING).run()
    assert not at.exception
    assert any("Local use" in c.value and "lead" in c.value for c in at.sidebar.caption)
    assert [b for b in at.button if b.label == "Stop job"]


def test_signed_out_sees_only_the_sign_in_button():
    at = app({"is_logged_in": False}).run()
    assert not at.exception
    assert [b.label for b in at.button] == ["Sign in"]
    assert not at.dataframe and not at.metric


def on_page(at: AppTest, page: str) -> AppTest:
    at.run()
    at.switch_page(page)
    return at.run()


def test_a_viewers_launch_reaching_the_server_is_refused_and_logged(own_demo):
    """The Launch button is there for a viewer too (its help says it is for leads): the click runs on
    the server, which refuses it in plain words and launches nothing."""
    at = on_page(app(VIEWER, manifest=MANIFEST, name="digits-batch-4"), "app_pages/launch.py")
    assert any("a viewer" in c.value for c in at.sidebar.caption)
    assert at.button(key="launch").proto.help.startswith("Only a lead can launch a labeling job")
    at.button(key="launch").click().run()
    assert not at.exception and not at.success
    assert any("Only a lead can launch a labeling job" in e.value for e in at.error), [e.value for e in at.error]
    assert not (own_demo / "state" / "jobs" / "digits-batch-4").exists()
    [line] = audit(own_demo)
    assert (line["who"], line["role"], line["action"], line["request"]["job"], line["result"]["outcome"]) == (
        "bo@example.com", "viewer", "launch", "digits-batch-4", "refused")


def test_a_viewer_writes_no_manifest(own_demo):
    at = on_page(app(VIEWER, data="s3://ground-control-demo/datasets/digits/"), "app_pages/manifests.py")
    at.number_input(key="sample_in").set_value(10).run()
    at.text_input(key="out_in").set_value("s3://ground-control-demo/manifests/viewer.manifest").run()
    at.button(key="write").click().run()
    assert any("Only a lead can write a manifest" in e.value for e in at.error), [e.value for e in at.error]
    assert not list((own_demo / "buckets" / "ground-control-demo" / "manifests").glob("viewer*"))
    assert [a["result"]["outcome"] for a in audit(own_demo)] == ["refused"]


def test_a_lead_launches_and_the_audit_page_lists_it(own_demo):
    at = on_page(app(LEAD, manifest=MANIFEST, name="digits-batch-4"), "app_pages/launch.py")
    assert at.button(key="launch").proto.help == ""
    at.button(key="launch").click().run()
    assert any("Launched arn:aws:sagemaker:" in s.value for s in at.success), [e.value for e in at.error]
    [line] = audit(own_demo)
    assert (line["who"], line["role"], line["request"]["job"], line["result"]["outcome"]) == (
        "ana@example.com", "lead", "digits-batch-4", "done")
    assert line["result"]["arn"].endswith(":labeling-job/digits-batch-4")
    at.switch_page("app_pages/audit.py")
    at.run()
    shown = at.dataframe[0].value
    assert shown.iloc[0][["Who", "Role", "Action", "Outcome"]].tolist() == [
        "ana@example.com", "lead", "Launch a labeling job", "Done"]
    assert "job: digits-batch-4" in shown.iloc[0]["Request"]


def test_the_audit_page_is_for_leads(own_demo):
    at = on_page(app(VIEWER), "app_pages/audit.py")
    assert "for leads" in at.info[0].value and not at.dataframe


def test_a_viewer_sees_workers_anonymised_even_from_a_leads_link(demo):
    lead = on_page(app(LEAD, job="digits-pilot", names="id"), "app_pages/race.py")
    assert lead.radio(key="names").value == "id"
    assert "Top 3: private." in lead.markdown[0].value
    at = on_page(app(VIEWER, job="digits-pilot", names="id"), "app_pages/race.py")
    assert not at.exception
    assert not [r for r in at.sidebar.radio if r.label == "Show workers as"]
    assert any("for leads" in c.value for c in at.sidebar.caption)
    leaders = at.markdown[0].value
    assert "Top 3: Worker " in leaders and "private." not in leaders, leaders


def test_viewer_names_in_the_settings_shows_them(demo):
    at = app(VIEWER, job="digits-pilot")
    at.secrets["roles"] = {**AUTH["roles"], "viewer_names": True}
    at = on_page(at, "app_pages/race.py")
    assert at.radio(key="names").value == "name"


def test_a_viewer_starts_no_experiment_and_advances_none(own_demo):
    """The Benchmark page launches job 1 on a click and jobs 2 and 3 on a later visit: a lead's
    actions both. A viewer's click is refused; a viewer's visit launches nothing."""
    at = on_page(app(VIEWER), "app_pages/benchmark.py")
    at.selectbox(key="exp_template").set_value("digits-auto").run()
    at.text_input(key="exp_name").set_value("pt").run()
    at.button(key="exp_start").click().run()
    assert any("Not started: Only a lead can launch a labeling job" in e.value for e in at.error), \
        [e.value for e in at.error]
    assert not (own_demo / "state" / "jobs" / "pt-1").exists()
    assert [(a["action"], a["request"], a["result"]["outcome"]) for a in audit(own_demo)] == [
        ("launch", {"experiment": "pt", "template": "digits-auto"}, "refused")]
