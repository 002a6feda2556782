"""The Annotations page's estimated reliability (Quality tab): for classification and multi-label
jobs, each worker's reliability estimated without gold beside the quality table's exact match or
Jaccard, its 95 % interval beside it, and the objects where the estimate and Ground Truth's own
consolidation disagree, each a link to the object in the Items tab."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd
import pyarrow as pa
import streamlit as st

from app_pages._annotation_names import Naming
from app_pages._memo import memo
from app_pages._shared import literal, sync_url, url_state
from core.annotations import duck_quality, rowset
from core.annotations import reliability as from_table
from core.reliability import Reliability, accuracy_sentence
from core.reliability_multilabel import MultiLabelReliability
from core.tables import format_table

SHOWN = 10  # disagreements listed as links; all of them in the CSV
METHODS = {"classification": "Dawid-Skene", "multi-label": "Dawid-Skene for each class, yes or no"}
# The sidebar's choices that keep only some of an object's answers (core.annotations.reports.Narrow):
# the estimate would then see one worker, or one class, and call everyone right.
PARTIAL = {"worker": "a worker", "class": "a class", "attr": "a label attribute"}


@dataclass(frozen=True)
class Estimates:
    """The estimates of one selection, by task type (the types the library has a model for)."""

    by_task: dict[str, Reliability | MultiLabelReliability]
    note: str | None = None  # why there is none, when the selection cannot have one


def estimates(found, rows: pa.Table | pd.DataFrame, gold: pd.DataFrame | None, ask: bool = False) -> Estimates:
    """Each estimate once per selection and gold (as the quality report), only for the task types
    in it: boxes, masks, spans and videos have no model in the library (README, Reliability). Without
    a gold file, the gold mixed into the jobs' queue (found.gold) measures the estimate. `rows`: the
    selection's Arrow rows, or an annotations table (the Athena page's). `ask`: only when the reader
    turns it on (past hundreds of thousands of answers it takes seconds and memory the quality
    tables do not)."""
    table_given = isinstance(rows, pd.DataFrame)
    types = set(rows["task_type"].unique() if table_given else rowset.task_types(rows))

    def compute() -> Estimates:
        # The class rows of these two types, the columns the estimates read: not the whole table.
        table = rows if table_given else duck_quality.reliability_frame(rows)
        found_by_task = {}
        single = from_table.classification(table, gold, found.gold) if "classification" in types else None
        if single is not None:
            found_by_task["classification"] = single
        if "multi-label" in types and (sets := from_table.multi_label(table)) is not None:
            found_by_task["multi-label"] = sets
        return Estimates(found_by_task)

    # Only for the open Quality tab (the tabs are in the session and the URL as `tab`): a few seconds
    # over tens of thousands of answers that a reader of another tab should not wait for.
    if not types & set(METHODS) or st.session_state.get("tab") != "Quality":
        return Estimates({})
    if chosen := [what for key, what in PARTIAL.items() if st.query_params.get(key)]:
        return Estimates({}, f"The estimated reliability needs every answer to each object: it is not computed while "
                             f"{' and '.join(chosen)} is chosen in the sidebar.")
    if ask:
        on = st.toggle("Estimate each worker's reliability", value=url_state("estimate", "0") == "1",
                       key="estimate_on", help=f"{rows.num_rows:,} annotations: the estimate from everyone's "
                       "answers takes a few seconds per hundred thousand answers, so it runs when asked")
        sync_url(estimate="1" if on else None)
        if not on:
            return Estimates({}, "The estimated reliability is not computed yet: turn on “Estimate each worker's "
                                 "reliability” above.")
    with st.spinner("Estimating each worker's reliability from everyone's answers ..."):
        return memo("annotation_reliability", rows, id(gold), compute)


def _interval(low, high) -> str:
    return f"{low:.1%} to {high:.1%}" if pd.notna(low) and pd.notna(high) else ""


def with_reliability(ranked: pd.DataFrame, found: Estimates, naming: Naming) -> pd.DataFrame:
    """The quality report's worker rows (workers named as the page names them) with the estimated
    reliability of each worker in each job, and its 95 % interval in words."""
    parts = [result.job_workers.assign(task_type=task) for task, result in found.by_task.items()
             if not result.job_workers.empty]
    if not parts:
        return ranked
    per = pd.concat(parts, ignore_index=True)
    per = per.assign(worker=per["worker_id"].map(naming.of),
                     reliability_interval=[_interval(lo, hi) for lo, hi in zip(
                         per["reliability_low"], per["reliability_high"], strict=True)])
    keys = ["job", "task_type", "worker"]
    out = ranked.merge(per[[*keys, "reliability", "reliability_interval"]], on=keys, how="left")
    # Beside the measure against the consolidation, as on the Workers page beside agreement.
    columns = [c for c in out.columns if c not in ("reliability", "reliability_interval")]
    at = next((columns.index(c) + 1 for c in ("jaccard", "exact_match") if c in columns), len(columns))
    return out[[*columns[:at], "reliability", "reliability_interval", *columns[at:]]]


def open_item(job: str, item: str) -> None:
    """Switch to the Items tab on this object. A button's callback rather than a link to this same
    page: a link seeds the widgets from the URL only on arriving from another page (note_page), so
    here the tab, the job and the item are set in the session, and the page writes them to the URL
    (tab=Items, ijob, item) as a link would."""
    st.session_state["tab"] = "Items"
    st.session_state["ijob"] = job
    st.session_state["item"] = item
    st.session_state.pop("items_table", None)  # a row chosen earlier in the list would win over the item


def _sure(confidence: float) -> str:
    return "over 99%" if confidence >= 0.995 else f"{confidence:.0%}"


def _said(value) -> str:
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return "none"
    return ", ".join(value) if isinstance(value, tuple) else str(value)


def disagreements(task: str, found: Estimates) -> None:
    """Where the estimate and Ground Truth's consolidation disagree: the surest first, each opening
    the object in the Items tab."""
    result = found.by_task.get(task)
    if result is None:
        if found.note and task in METHODS:
            st.caption(found.note)
        return
    st.markdown("**Where the estimate and Ground Truth disagree**")
    if isinstance(result, Reliability) and (said := accuracy_sentence(result.accuracies())):
        st.caption(said)
    rows = result.disagreements
    what = "set of classes" if task == "multi-label" else "label"
    if rows.empty:
        st.caption(f"Nowhere: for every object, the {what} estimated from the workers' answers ({METHODS[task]}) is "
                   "the one Ground Truth consolidated.")
        return
    how = ("Ground Truth keeps every class that at least one worker ticked; the estimate weighs each worker by how "
           "reliable they are. " if task == "multi-label" else "Labels as compared (case, spaces and dashes "
           "ignored). ")
    st.caption(f"{len(rows):,} object(s) where the {what} estimated from everyone's answers ({METHODS[task]}) is not "
               f"the one Ground Truth consolidated: the first ones to audit. {how}The surest estimates first; each "
               "opens the object in the Items tab.")
    for i, row in enumerate(rows.head(SHOWN).itertuples()):
        gold = getattr(row, "gold", None)
        text = (f"{row.job} · object {row.object_id}: estimate {_said(row.estimate)} ({_sure(row.confidence)} sure), "
                f"Ground Truth: {_said(row.consolidated)}" + (f", gold: {_said(gold)}" if gold is not None else ""))
        st.button(literal(text), icon=":material/rule:", type="tertiary", key=f"audit_{task}_{i}",
                  on_click=open_item, args=(row.job, str(row.object_id)), help="Open this object in the Items tab")
    if len(rows) > SHOWN:
        st.caption(f"The {SHOWN} surest of {len(rows):,}; the CSV holds them all.")
    table = rows.drop(columns=["disagrees"]).assign(
        estimate=rows["estimate"].map(_said), consolidated=rows["consolidated"].map(_said))
    st.download_button(f"Download all {len(rows):,} (CSV)", lambda: format_table(table, "csv"),
                       file_name=f"estimate-vs-ground-truth-{task}.csv", mime="text/csv", icon=":material/download:",
                       key=f"reliability_csv_{task}")
