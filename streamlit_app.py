"""Ground Control: the entry point. Page config, navigation, and the connection settings.

Its body is `run()`, as Streamlit's own hello app keeps it: the module is the script Streamlit
runs, and importing it runs nothing."""

import streamlit as st

from app_pages._access import access_gate, identity_sidebar
from app_pages._arrival import note_page
from app_pages._shared import error_boundary, workspace_notice, workspace_sidebar

PAGES = [  # (script, title, icon, url path); the first is the home page
    ("app_pages/jobs.py", "Jobs", ":material/work_history:", None),
    ("app_pages/manifests.py", "Manifests", ":material/list_alt:", "manifests"),
    ("app_pages/launch.py", "Launch", ":material/rocket_launch:", "launch"),
    ("app_pages/benchmark.py", "Benchmark", ":material/model_training:", "benchmark"),
    ("app_pages/workers.py", "Workers", ":material/groups:", "workers"),
    ("app_pages/annotations.py", "Annotations", ":material/label:", "annotations"),
    ("app_pages/race.py", "Race", ":material/sprint:", "race"),
    ("app_pages/audit.py", "Audit trail", ":material/history:", "audit"),
]


def run() -> None:
    st.set_page_config(page_title="Ground Control", page_icon=":material/satellite_alt:", layout="wide")
    st.logo("assets/logo.svg", size="large")
    me = None
    with error_boundary():
        me = access_gate()  # with [auth]: sign in first; the pages below never run for a stranger
    if me is None:
        return
    nav = st.navigation([st.Page(script, title=title, icon=icon, url_path=path, default=path is None)
                         for script, title, icon, path in PAGES])
    note_page(nav)  # the first run of a page after another: the link's values win
    with error_boundary():  # the one for every page: no traceback or server path ever reaches a page
        identity_sidebar(me)
        box = workspace_sidebar()
        try:
            nav.run()
        finally:
            workspace_notice(box)  # a demo rebuilt while the page ran says so, even if the page then failed


if __name__ == "__main__":
    run()
