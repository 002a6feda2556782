"""A page's arrival: whether this run is the first of a page opened from elsewhere (then the link's
values win over what the session kept), and a rerun the page asks for that starts as its run did."""

from __future__ import annotations

import streamlit as st


def note_page(page) -> None:
    """Call before the page runs. Its first run after another page (or in a new session) is an
    arrival: then the URL's values win over what the session kept from an earlier visit, so a
    link from another page (st.page_link with query_params) opens the view it names."""
    replay = st.session_state.pop("_replay", None)
    if replay is not None and replay[0] == page.url_path:  # asked for by the page itself: see rerun_as_opened
        st.query_params.from_dict(replay[1])
        st.session_state["_arrived"] = replay[2]
    else:
        st.session_state["_arrived"] = st.session_state.get("_page") != page.url_path
    st.session_state["_page"] = page.url_path
    st.session_state["_opened_with"] = {key: st.query_params.get_all(key) for key in st.query_params}


def rerun_as_opened() -> None:
    """st.rerun() for a page drawn in two steps (its table, then what takes longer): the next run
    starts from the URL and arrival this one started from, so it says again what in the link was not
    understood (this run's sync_url has already cleaned the URL and the widgets own the values)."""
    st.session_state["_replay"] = (st.session_state.get("_page"), st.session_state.get("_opened_with", {}),
                                   st.session_state.get("_arrived", False))
    st.rerun()
