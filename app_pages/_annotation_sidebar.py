"""The Annotations page's sidebar filters: jobs, dates, class, worker and one label attribute value,
each kept in the URL so a link reopens the same selection (core.annotations.reports.Narrow)."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pyarrow as pa
import streamlit as st

from app_pages._annotation_names import ANY, Naming, worker_filter
from app_pages._memo import memo
from app_pages._shared import sync_url, url_choice, url_list, url_note, url_state
from core.annotations import rowset
from core.annotations.reports import Narrow
from core.annotations.source import SourceAnnotations


def _choice(key: str, label: str, options: list[str], what: str) -> str | None:
    """A sidebar select seeded from the URL; ANY is no filter."""
    choices = [ANY, *options]
    url_choice(key, choices, ANY, what, where=st.sidebar)
    value = st.sidebar.selectbox(label, choices, key=key)
    return None if value == ANY else value


def _days(rows: pa.Table) -> tuple[date | None, date | None]:
    found = memo("days", rows, None, lambda: rowset.days(rows))
    if found is None:
        return None, None
    lo, hi = found
    start = _url_day("from", lo, hi, lo)
    end = _url_day("to", lo, hi, hi)
    picked = st.sidebar.date_input("Dates (UTC)", value=(start, end), min_value=lo, max_value=hi, key="ann_dates")
    start, end = (tuple(picked) + (None, None))[:2] if isinstance(picked, tuple) else (picked, picked)
    sync_url(**{"from": start if start and start != lo else None, "to": end if end and end != hi else None})
    return (start if start != lo else None), (end if end and end != hi else None)


def _url_day(key: str, lo: date, hi: date, fallback: date) -> date:
    raw = url_state(key, "")
    try:
        day = date.fromisoformat(str(raw)[:10]) if raw else fallback
    except ValueError:
        url_note("date", raw, f"showing {lo} to {hi}", where=st.sidebar)
        return fallback
    return day if lo <= day <= hi else fallback


def sidebar_narrow(found: SourceAnnotations, naming: Naming) -> Narrow:
    """Jobs, days, class, worker and one label attribute value: each in the URL. Read from the
    Arrow rows (core.annotations.rowset): the pandas table is not made for them."""
    rows = found.rows
    wanted = url_list("ann_jobs", param="job")
    if unknown := [j for j in wanted if j not in found.jobs]:
        url_note("job", ", ".join(unknown), "no such job in this source", where=st.sidebar)
    st.session_state["ann_jobs"] = [j for j in wanted if j in found.jobs]
    jobs = st.sidebar.multiselect("Jobs", found.jobs, key="ann_jobs", placeholder="All jobs")
    sync_url(job=jobs)
    return replace(sidebar_filters(rows, naming), jobs=tuple(jobs) if jobs else None)


def sidebar_filters(rows: pa.Table, naming: Naming) -> Narrow:
    """Days, class, worker and one label attribute value, from the annotation rows (Arrow), each in the
    URL under the same name on either engine (the Athena page draws them over the rows read back)."""
    start, end = _days(rows)
    classes = memo("classes", rows, None, lambda: rowset.labels(rows))
    label = _choice("class", "Class", classes, "class")
    worker_key, worker = worker_filter(rows, naming)
    pairs = [f"{name} = {value}" for name, values in attribute_names(rows).items() for value in values]
    attribute = _choice("attr", "Label attribute", pairs, "label attribute")
    sync_url(**{"class": label, "worker": worker_key, "attr": attribute})
    split = tuple(attribute.split(" = ", 1)) if attribute else None
    return Narrow(None, start, end, label, worker, split)


def attribute_names(rows: pa.Table) -> dict[str, list[str]]:
    return memo("attribute_names", rows, None, lambda: rowset.attribute_names(rows))
