"""The sidebar that Workers and Race share: which output, which jobs and days, and how workers
are named. Every choice is kept in the URL."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pandas as pd
import streamlit as st

from app_pages._shared import load_source, refresh_button, sync_url, url_list, url_state, workspace, workspace_key
from core.identity import IdentityError, read_names_csv, team_names, user_pools
from core.ingest import SourceData
from core.storage import StoreError
from core.workers import Selection, shown_names

NAME_MODES = {"id": "Worker IDs", "name": "Real names", "anon": "Anonymous (Worker 1..N)"}


@dataclass
class Chosen:
    data: SourceData
    selection: Selection
    answers: pd.DataFrame  # the selected answers
    mode: str  # a key of NAME_MODES
    names: dict[str, str]  # resolved names (sub or worker id -> name)
    shown: dict[str, str]  # worker id -> what to show


def sidebar_source() -> str:
    url_state("source", workspace().output_uri)  # the demo opens on all its jobs
    st.sidebar.text_input(
        "Source",
        key="source",
        placeholder="s3://bucket/output-prefix or /path/to/folder",
        help="An S3 prefix or a folder holding one or more Ground Truth job outputs.",
    )
    return st.session_state["source"].strip()


def names_for(mode: str, answers: pd.DataFrame) -> dict[str, str]:
    if mode != "name":
        return {}
    names: dict[str, str] = {}
    upload = st.sidebar.file_uploader("Names CSV (sub,name)", type=["csv"], key="names_upload")
    if upload is not None:
        try:
            names.update(read_names_csv(upload.name, upload.getvalue()))
        except IdentityError as exc:
            st.sidebar.error(str(exc), icon=":material/error:")
    pools = user_pools(answers)
    if pools and st.sidebar.toggle("Look up names in Cognito", key="cognito", value=True):
        try:
            names.update(_team_names(tuple(pools), workspace_key(), answers))
        except IdentityError as exc:
            st.sidebar.error(str(exc), icon=":material/error:")
    elif not pools and upload is None:
        st.sidebar.caption("These answers carry no Cognito identity (public workforce): upload a names CSV.")
    return names


@st.cache_data(ttl=600, show_spinner="Looking up names in Cognito ...")
def _team_names(pools: tuple, ws_key: tuple, _answers: pd.DataFrame) -> dict[str, str]:
    # Keyed by the pools and the workspace: names change rarely, and ListUsers is paged.
    return team_names(workspace().service, _answers)


def skipped_files(data: SourceData) -> None:
    if not data.skipped:
        return
    with st.expander(f"{len(data.skipped):,} skipped file(s) or answers", icon=":material/warning:"):
        st.caption("Left out of every number on this page. Nothing else was dropped.")
        st.dataframe(pd.DataFrame([(s.uri, s.reason) for s in data.skipped], columns=["file", "reason"]),
                     hide_index=True, width="stretch")


def _dates(data: SourceData):
    times = data.answers["submission_time"]
    if times.empty:
        return None, None, None, None
    lo, hi = times.min().date(), times.max().date()
    start = pd.to_datetime(url_state("from", "") or lo).date()
    end = pd.to_datetime(url_state("to", "") or hi).date()
    dates = st.sidebar.date_input("Dates (UTC)", value=(start, end), min_value=lo, max_value=hi, key="dates_widget")
    start, end = (tuple(dates) + (None, None))[:2] if isinstance(dates, tuple) else (dates, dates)
    return lo, hi, start, end


def choose_answers(title: str, empty_state: Callable[[], None]) -> Chosen | None:
    """Sidebar + page title; None (with the reason shown) when there is nothing to show."""
    source = sidebar_source()
    st.title(title)
    if not source:
        sync_url(source=None)
        empty_state()
        return None
    try:
        data = load_source(source)
    except StoreError as exc:
        st.error(f"Cannot read the source: {exc}", icon=":material/error:")
        return None
    sync_url(source=source)
    if not data.jobs:
        st.warning(f"No Ground Truth job output found under `{data.uri}`: no worker-response files and no "
                   "output manifest.", icon=":material/search_off:")
        skipped_files(data)
        return None

    # `job` in the URL (a Jobs page link names one); its own session key, apart from the Jobs page's `job`.
    st.session_state["jobs_widget"] = [j for j in url_list("jobs_widget", param="job") if j in data.jobs]
    jobs = st.sidebar.multiselect("Jobs", data.jobs, key="jobs_widget", placeholder="All jobs")
    lo, hi, start, end = _dates(data)
    if url_state("names", "id") not in NAME_MODES:
        st.session_state["names"] = "id"  # a mistyped link falls back, not crashes
    mode = st.sidebar.radio("Show workers as", list(NAME_MODES), format_func=NAME_MODES.get, key="names")
    names = names_for(mode, data.answers)
    with st.sidebar:
        refresh_button()
    sync_url(job=jobs, names=None if mode == "id" else mode,
             **{"from": start if start and start != lo else None, "to": end if end and end != hi else None})

    selection = Selection(tuple(jobs) if jobs else None, start, end)
    answers = selection.apply(data)[0]
    st.caption(f"{data.uri} · {len(data.jobs)} job(s) · {data.files:,} files read")
    if answers.empty:
        st.info("No answers in this selection: widen the dates or choose other jobs.")
        skipped_files(data)
        return None
    return Chosen(data, selection, answers, mode, names, shown_names(data, names, anonymize=mode == "anon"))
