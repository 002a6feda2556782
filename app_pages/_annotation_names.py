"""How the Annotations page names workers: as the Workers page does (core.workers.shown_names over
the same source's answers, read once for both pages), chosen with the same "Show workers as" kept
in the URL. Anonymised, every table, CSV and the worker filter say Worker N, and the link keeps the
filter as that name: an id or a sub never shows, not even in the address bar."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd
import pyarrow as pa
import streamlit as st

from app_pages._memo import digest, memo
from app_pages._selection import name_mode, names_for, screened_source
from app_pages._shared import url_choice, url_state
from core.annotations.people import natural_order, worker_labels
from core.annotations.rowset import worker_ids
from core.storage import StoreError
from core.workers import shown_names

ANY = "(any)"


@dataclass(frozen=True)
class Naming:
    names: dict[str, str]  # worker_id -> what the page shows
    anonymous: bool

    def of(self, worker: str | None) -> str | None:
        return self.names.get(worker, worker) if worker is not None else None


def _worker_ids(rows: pa.Table) -> list[str]:
    return memo("worker_ids", rows, None, lambda: worker_ids(rows))


def worker_naming(source: str, rows: pa.Table) -> Naming:
    """The names of the workers in `rows` (the annotation rows, Arrow), by the sidebar's choice
    (names by default where the answers name a Cognito pool)."""
    ids = _worker_ids(rows)
    try:
        data = screened_source(source)
    except StoreError:
        data = None  # the annotations were read; their workers are then shown by id, or Worker N
    if data is None or data.answers.empty:
        mode = name_mode(pd.DataFrame({"issuer": []}), where=st.sidebar)
        return Naming(worker_labels(ids, {}, mode == "anon"), mode == "anon")
    mode = name_mode(data.answers, where=st.sidebar)
    names = names_for(mode, data.answers)
    shown = memo("shown_names", data, (mode, digest(names)),
                 lambda: shown_names(data, names, anonymize=mode == "anon"))
    return Naming(worker_labels(ids, shown, mode == "anon"), mode == "anon")


def worker_filter(rows: pa.Table, naming: Naming) -> tuple[str | None, str | None]:
    """The sidebar's worker filter: (what the URL keeps, the worker id chosen), (None, None) for
    any. The URL keeps the id (the Workers page links by it), or, anonymised, the Worker N name;
    an id arriving in an anonymised view is turned into its name."""
    ids = set(_worker_ids(rows))
    if naming.anonymous:
        keys = {naming.of(w): w for w in ids}
        if (given := url_state("worker", ANY)) in ids:  # the link and the session forget the id
            st.session_state["worker"] = st.query_params["worker"] = naming.of(given)
        options = natural_order(keys)
    else:
        keys = {w: w for w in ids}
        options = sorted(ids, key=lambda w: (str(naming.of(w)).casefold(), w))
    choices = [ANY, *options]
    url_choice("worker", choices, ANY, "worker", where=st.sidebar)
    value = st.sidebar.selectbox("Worker", choices, key="worker",
                                 format_func=lambda k: k if k == ANY or naming.anonymous else naming.of(k))
    return (None, None) if value == ANY else (value, keys[value])
