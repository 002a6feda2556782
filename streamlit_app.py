"""Ground Control: the entry point. Page config, navigation, and the connection settings."""

import streamlit as st

from app_pages._shared import connection_sidebar

st.set_page_config(page_title="Ground Control", page_icon=":material/satellite_alt:", layout="wide")

pages = [
    st.Page("app_pages/home.py", title="Home", icon=":material/home:", default=True),
    st.Page("app_pages/workers.py", title="Workers", icon=":material/groups:", url_path="workers"),
]
nav = st.navigation(pages)
connection_sidebar()
nav.run()
