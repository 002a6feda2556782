"""Ground Control: the entry point. Page config, navigation, and the connection settings."""

import streamlit as st

from app_pages._shared import error_boundary, note_page, workspace_notice, workspace_sidebar

st.set_page_config(page_title="Ground Control", page_icon=":material/satellite_alt:", layout="wide")
st.logo("assets/logo.svg", size="large")

pages = [
    st.Page("app_pages/jobs.py", title="Jobs", icon=":material/work_history:", default=True),
    st.Page("app_pages/manifests.py", title="Manifests", icon=":material/list_alt:", url_path="manifests"),
    st.Page("app_pages/launch.py", title="Launch", icon=":material/rocket_launch:", url_path="launch"),
    st.Page("app_pages/benchmark.py", title="Benchmark", icon=":material/model_training:", url_path="benchmark"),
    st.Page("app_pages/workers.py", title="Workers", icon=":material/groups:", url_path="workers"),
    st.Page("app_pages/race.py", title="Race", icon=":material/sprint:", url_path="race"),
]
nav = st.navigation(pages)
note_page(nav)  # the first run of a page after another: the link's values win
with error_boundary():  # the one for every page: no traceback or server path ever reaches a page
    box = workspace_sidebar()
    try:
        nav.run()
    finally:
        workspace_notice(box)  # a demo rebuilt while the page ran says so, even if the page then failed
