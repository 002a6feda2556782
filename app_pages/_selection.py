"""The sidebar that Workers and Race share: which output, which jobs and days, and how workers
are named. Every choice is kept in the URL."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

import pandas as pd
import streamlit as st

from app_pages._access import identity, role_map
from app_pages._memo import digest, memo
from app_pages._shared import (
    literal,
    load_source,
    refresh_button,
    show_error,
    sync_url,
    url_choice,
    url_list,
    url_note,
    url_state,
    workspace,
    workspace_key,
)
from core.access import LEAD
from core.bounds import screen_dates
from core.gt.job import Job
from core.gt.service import ServiceError
from core.identity import IdentityError, read_names_csv, team_names, user_pools
from core.ingest import SourceData
from core.labellayer import choose_layers
from core.storage import StoreError
from core.workers import Selection, manifest_counts, shown_names
from core.workspace import data_now

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
            show_error(exc, where=st.sidebar)
    pools = user_pools(answers)
    if pools and st.sidebar.toggle("Look up names in Cognito", key="cognito", value=True):
        try:
            names.update(_team_names(tuple(pools), workspace_key(), answers))
        except IdentityError as exc:
            show_error(exc, where=st.sidebar)
    elif not pools and upload is None:
        st.sidebar.caption("These answers carry no Cognito identity (public workforce), so names cannot be "
                           "looked up: upload a names CSV.")
    return names


@st.cache_data(ttl=600, show_spinner="Looking up names in Cognito ...")
def _team_names(pools: tuple, ws_key: tuple, _answers: pd.DataFrame) -> dict[str, str]:
    # Keyed by the pools and the workspace: names change rarely, and ListUsers is paged.
    return team_names(workspace().service, _answers)


def skipped_files(data: SourceData) -> None:
    if data.skipped:
        with st.expander(f"{len(data.skipped):,} skipped file(s) or answers", icon=":material/warning:"):
            st.caption("Left out of every number on this page. Nothing else was dropped.")
            st.dataframe(pd.DataFrame([(s.uri, s.reason) for s in data.skipped], columns=["file", "reason"]),
                         hide_index=True, width="stretch")
    if data.suspect:
        with st.expander(f"{len(data.suspect):,} suspect answer value(s)", icon=":material/report:"):
            st.caption("Each of these answers counts as a label; only the value named is left out.")
            st.dataframe(pd.DataFrame([(s.uri, s.reason) for s in data.suspect], columns=["file", "reason"]),
                         hide_index=True, width="stretch")


def manifests_only(data: SourceData) -> None:
    """A source with output manifests but no worker responses: what was found, and its counts."""
    st.info(f"No worker responses under this source: {len(data.jobs)} job(s) with output manifests only. "
            "Per-worker numbers need the jobs' `annotations/worker-response/` files; here is what the "
            "output manifests say.", icon=":material/info:")
    st.dataframe(manifest_counts(data), hide_index=True, width="stretch")
    skipped_files(data)


AUTO = ""  # the layer selector's "decide from the data"


@st.cache_data(ttl=600, show_spinner=False)
def _described_attribute(job: str, ws_key: tuple) -> str | None:
    try:
        return Job.from_description(workspace().service.describe_labeling_job(job)).attribute
    except ServiceError:
        return None


def label_layers(data: SourceData, source: str) -> dict[str, str]:
    """{job: label attribute} the workers are scored on. Where a job's output manifest has several
    layers, a sidebar selector (kept in the URL as `attribute`) and a note on how it was decided."""
    described = (lambda job: _described_attribute(job, workspace_key())) if source.startswith("s3://") else None
    found = sorted(data.labels["attribute"].unique()) if not data.labels.empty else []
    if url_state("attribute", AUTO) not in [AUTO, *found]:
        st.session_state["attribute"] = AUTO  # a mistyped link falls back, not crashes
    layers = choose_layers(data.labels, data.answers, None, described)
    if all(len(layer.candidates) == 1 for layer in layers.values()):
        sync_url(attribute=None)
        return {job: layer.attribute for job, layer in layers.items()}
    chosen = st.sidebar.selectbox(
        "Label attribute", [AUTO, *found], key="attribute",
        format_func=lambda a: a or "Decide from the data",
        help="The layer of the output manifest the workers' answers are compared with (agreement).")
    sync_url(attribute=chosen or None)
    if chosen:
        layers = choose_layers(data.labels, data.answers, chosen, described)
    for layer in layers.values():
        if layer.inferred:
            st.sidebar.caption(literal(layer.note))
    return {job: layer.attribute for job, layer in layers.items()}


def _url_date(key: str, what: str, lo: date, hi: date, fallback: date) -> date:
    """A day from the link (YYYY-MM-DD) within the data's days; anything else falls back, with a note."""
    raw = url_state(key, "")
    if not raw:
        return fallback
    try:
        day = date.fromisoformat(str(raw).strip()[:10])
    except ValueError:
        url_note(what, raw, f"it is not a date (YYYY-MM-DD); showing from {lo} to {hi}")
    else:
        if lo <= day <= hi:
            return day
        url_note(what, raw, f"the answers run from {lo} to {hi} (UTC); showing those days")
    st.session_state[key] = ""  # said once; the date widget owns the choice from here
    return fallback


def _dates(data: SourceData):
    times = data.answers["submission_time"].dropna()  # undated (suspect) answers have no day
    if times.empty:
        return None, None, None, None
    lo, hi = times.min().date(), times.max().date()
    start, end = _url_date("from", "start date", lo, hi, lo), _url_date("to", "end date", lo, hi, hi)
    if start > end:
        url_note("dates", f"{start} to {end}", "the start is after the end; showing every day")
        start, end = lo, hi
    dates = st.sidebar.date_input("Dates (UTC)", value=(start, end), min_value=lo, max_value=hi, key="dates_widget")
    start, end = (tuple(dates) + (None, None))[:2] if isinstance(dates, tuple) else (dates, dates)
    return lo, hi, start, end


def screened_source(source: str) -> SourceData:
    """The answers under `source`, read once (load_source), those dated where no labeling can have
    happened reported, not placed in time. Raises StoreError."""
    raw, now = load_source(source), data_now(workspace(), source)
    hour = now.replace(minute=0, second=0, microsecond=0)  # a day's slack: the hour is exact enough
    return memo("screened", raw, hour, lambda: screen_dates(raw, hour))


def viewer_sees_names() -> bool:
    """Leads (and the one local user) see workers' names and IDs; viewers only when [roles]
    viewer_names allows it."""
    me = identity()
    return me is not None and (me.role == LEAD or role_map().viewer_names)


def name_mode(answers: pd.DataFrame, where=None) -> str:
    """The sidebar's "Show workers as" (a key of NAME_MODES), kept in the URL as `names`: names
    by default when the answers say where to look them up (a Cognito pool: the private workforce,
    the demo's too); `names=id` in a link still shows IDs."""
    if not viewer_sees_names():  # decided here, on the server: a lead's link with names=name shows none
        (where or st.sidebar).caption(":material/visibility_off: Workers are shown as Worker 1..N: their names and "
                                      "IDs are for leads.")
        return "anon"
    default = "name" if user_pools(answers) else "id"
    url_choice("names", NAME_MODES, default, "name mode", where=where)
    mode = st.sidebar.radio("Show workers as", list(NAME_MODES), format_func=NAME_MODES.get, key="names")
    sync_url(names=None if mode == default else mode)
    return mode


def choose_answers(title: str, empty_state: Callable[[], None]) -> Chosen | None:
    """Sidebar + page title; None (with the reason shown) when there is nothing to show."""
    source = sidebar_source()
    st.title(title)
    if not source:
        sync_url(source=None)
        empty_state()
        return None
    try:
        data = screened_source(source)
    except StoreError as exc:
        show_error(exc, "Cannot read the source")
        return None
    sync_url(source=source)
    if not data.jobs:  # nothing there, or nothing readable: say which, with how many files failed and why
        why = data.nothing_found()
        st.warning(literal(f"{why[0].upper()}{why[1:]}."), icon=":material/search_off:")  # URIs, S3 errors: data
        skipped_files(data)
        return None
    if data.answers.empty:
        manifests_only(data)
        return None

    # `job` in the URL (a Jobs page link names one); its own session key, apart from the Jobs page's `job`.
    wanted = url_list("jobs_widget", param="job")
    if unknown := [j for j in wanted if j not in data.jobs]:
        url_note("job", ", ".join(unknown), "no such job in this source; showing the others" if
                 len(unknown) < len(wanted) else "no such job in this source; showing all jobs")
    st.session_state["jobs_widget"] = [j for j in wanted if j in data.jobs]
    jobs = st.sidebar.multiselect("Jobs", data.jobs, key="jobs_widget", placeholder="All jobs")
    lo, hi, start, end = _dates(data)
    mode = name_mode(data.answers)
    names = names_for(mode, data.answers)
    if mode == "id" and not user_pools(data.answers):
        st.sidebar.caption("Shown by worker ID: these answers carry no Cognito identity to look names up by. "
                           "Choose Real names to upload a names CSV.")
    with st.sidebar:
        refresh_button()
    sync_url(job=jobs, **{"from": start if start and start != lo else None, "to": end if end and end != hi else None})

    # The whole span is no date filter: undated answers still count.
    selection = Selection(tuple(jobs) if jobs else None, start if start != lo else None, end if end != hi else None)
    answers = selection.apply(data)[0]
    fresh = "" if data.cached == 0 else f" ({data.parsed:,} new or changed since the last read)"
    st.caption(literal(f"{data.uri} · {len(data.jobs)} job(s) · {data.files:,} files read{fresh}"))
    if answers.empty:
        st.info("No answers in this selection: widen the dates or choose other jobs.")
        skipped_files(data)
        return None
    # Once per source and naming, as the Annotations page's (a group-by over every answer: 0.1 s at 1M).
    shown = memo("shown_names", data, (mode, digest(names)), lambda: shown_names(data, names, anonymize=mode == "anon"))
    if mode == "name":
        unnamed = sum(1 for w in answers["worker_id"].unique() if shown.get(w, w) == w)
        if unnamed:
            st.sidebar.caption(f"{unnamed:,} worker(s) without a known name are shown by worker ID.")
    return Chosen(data, selection, answers, mode, names, shown)
