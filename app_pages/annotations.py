"""Annotations: what was labeled in every task type, how good it is, and what the audits found."""

from __future__ import annotations

import altair as alt
import pandas as pd
import pyarrow as pa
import streamlit as st

from app_pages._annotation_matrices import matrices
from app_pages._annotation_names import Naming, worker_naming
from app_pages._annotation_notes import iou_slider, left_out, per_original_worker
from app_pages._annotation_reliability import disagreements, estimates, with_reliability
from app_pages._annotation_sidebar import attribute_names, sidebar_filters, sidebar_narrow
from app_pages._annotation_tables import TASKS, TITLES, download, readable, show_table
from app_pages._athena import engine_choice
from app_pages._athena_annotations import Draw, athena_annotations
from app_pages._colours import top_and_others
from app_pages._items import items_tab
from app_pages._memo import memo
from app_pages._segmentation_quality import class_iou_section
from app_pages._selection import sidebar_source
from app_pages._shared import (
    literal,
    load_annotations,
    refresh_button,
    show_error,
    sync_url,
    url_choice,
    url_state,
    workspace,
)
from core.annotations import duck_quality, duck_reports, rowset
from core.annotations.columns import to_table_frame
from core.annotations.people import rename_workers
from core.annotations.source import SourceAnnotations
from core.annotations.top import page_of, pages
from core.gold import GoldError
from core.quality.gold_files import read_gold
from core.quality.report import DEFAULT_IOU, MAIN, worst_first
from core.storage import StoreError

PERIODS = {"day": "D", "hour": "h"}
TOP_CLASSES = 10
CLASSES_SHOWN = 30  # classes the per-class chart draws at a time
# Past this many rows, only the open tab runs: quality and items over a million answers take
# seconds each, and a reader looking at one tab should not wait for the others.
LAZY_ROWS = 200_000
AUDIT_TITLES = {"job": "Audit job", "audited_job": "Audited job", "audited_attribute": "Audited label",
                "kind": "Kind", "objects": "Objects", "passed": "Passed", "failed": "Failed", "adjusted": "Adjusted",
                "unadjusted": "Unadjusted"}


def empty_state() -> None:
    st.info("Enter an S3 prefix or a folder with Ground Truth output in the sidebar: every job under it, of "
            "any task type, is read.", icon=":material/arrow_back:")


def summary(rows: pa.Table) -> None:
    # This tab's figures and charts are counted by DuckDB over the Arrow rows (core.annotations.
    # duck_reports), each kept per selection (memo): a widget's rerun then redraws at once.
    annotations, objects, jobs, workers = memo("summary", rows, None, lambda: duck_reports.counts(rows))
    cols = st.columns(4)
    cols[0].metric("Annotations", f"{annotations:,}", help="Units of each job's result: a class, a box, an "
                   "entity, a mask class, a box in a frame")
    cols[1].metric("Objects", f"{objects:,}")
    cols[2].metric("Jobs", f"{jobs:,}")
    cols[3].metric("Workers", f"{workers:,}")


def over_time_chart(rows: pa.Table) -> None:
    st.subheader("Annotations over time")
    # Its own key: the Workers page's period ("5 min") stays in the session and is not one of these.
    url_choice("annotations_period", list(PERIODS), "day", "period", param="period")
    period = st.segmented_control("Period", list(PERIODS), key="annotations_period") or "day"
    sync_url(period=None if period == "day" else period)
    draw_over_time(memo("over_time", rows, period, lambda: duck_reports.over_time(rows, PERIODS[period])), period)


def draw_over_time(series: pd.DataFrame, period: str) -> None:
    """The chart of reports.over_time's frame."""
    if series.empty:
        st.caption("No dated worker answers in this selection.")
        return
    step, coarsened = series.attrs.get("step", period), series.attrs.get("note")
    if coarsened:
        st.caption(coarsened)
    top = series.groupby("label")["annotations"].sum().nlargest(TOP_CLASSES).index.tolist()
    series = series.assign(label=series["label"].where(series["label"].isin(top), "Others"))
    stacked = series.groupby(["period", "label"], as_index=False)["annotations"].sum()
    st.altair_chart(alt.Chart(stacked).mark_bar().encode(
        # By day, one tick a day: Vega's own ticks fell between days and printed each date twice. By
        # hour its own ticks (a tick an hour made Vega fail and draw nothing). A coarsened step has
        # no time unit of its own: each bar is then drawn at its start.
        x=alt.X("period:T", title="UTC", timeUnit=alt.Undefined if coarsened else
                "utcyearmonthdate" if period == "day" else "utcyearmonthdatehours",
                axis=alt.Axis(tickCount={"interval": "day", "step": 1}) if period == "day" and not coarsened
                else alt.Axis(format="%b %d %H:%M")),
        y=alt.Y("annotations:Q", title=f"Annotations per {step}"),
        color=alt.Color("label:N", title="Class", sort=[*top, "Others"],
                        scale=alt.Scale(domain=[*top, "Others"], range=top_and_others(len(top)))),
        tooltip=[alt.Tooltip("period:T", title="from (UTC)", format="%Y-%m-%d %H:%M"), "label", "annotations"],
    ).properties(height=280), width="stretch")
    st.caption("What the workers drew or chose, by the time they submitted it (the ten most common classes, "
               "then everything else).")


def class_chart(rows: pa.Table) -> None:
    st.subheader("Per class")
    names = list(attribute_names(rows))
    split = st.selectbox("Split by label attribute", ["(none)", *names], key="split",
                         disabled=not names, help="Colour each class's bar by a label attribute's values")
    counts = memo("class_counts", rows, split,
                  lambda: duck_reports.class_counts(rows, None if split == "(none)" else split))
    draw_class_counts(counts, split)


def draw_class_counts(counts: pd.DataFrame, split: str = "(none)") -> None:
    """The chart and CSV of reports.class_counts' frame."""
    if counts.empty:
        st.caption("No annotations in this selection.")
        return
    color = alt.Color("value:N", title=split) if "value" in counts else alt.Color("job:N", title="Job")
    order = counts.groupby("label")["annotations"].sum().sort_values(ascending=False).index.tolist()
    every = counts
    if len(order) > CLASSES_SHOWN:  # a page of classes at a time, the most common first
        spans = pages(len(order), CLASSES_SHOWN)
        url_choice("cpage", [str(i) for i in range(len(spans))], "0", "page of classes")
        page = st.selectbox("Classes", [str(i) for i in range(len(spans))], key="cpage",
                            format_func=lambda i: f"{spans[int(i)][0]:,} to {spans[int(i)][1]:,} of {len(order):,}",
                            help="The most common classes first; every class is in the CSV")
        sync_url(cpage=None if page == "0" else page)
        order = page_of(order, int(page), CLASSES_SHOWN)
        counts = counts[counts["label"].isin(order)]
    st.altair_chart(alt.Chart(counts).mark_bar().encode(
        x=alt.X("annotations:Q", title="Annotations"),
        y=alt.Y("label:N", sort=order, title=None, axis=alt.Axis(labelLimit=240)),
        color=color, tooltip=list(counts.columns),
    ).properties(height=alt.Step(22)), width="stretch")
    download(every, "annotations-per-class", "dl_classes")


def frame_chart(rows: pa.Table) -> None:
    frames = memo("frames", rows, None, lambda: duck_reports.frame_attribute_counts(rows))
    if frames.empty:
        return
    st.subheader("Frames per frame attribute")
    shown = frames.assign(attribute_value=frames["attribute"] + " = " + frames["value"])
    st.altair_chart(alt.Chart(shown).mark_bar().encode(
        x=alt.X("frames:Q", title="Frames"), y=alt.Y("attribute_value:N", title=None),
        color=alt.Color("job:N", title="Job"), tooltip=["job", "attribute", "value", "frames"],
    ).properties(height=alt.Step(22)), width="stretch")
    download(frames, "frames-per-attribute", "dl_frames")


def per_object_chart(rows: pa.Table) -> None:
    counts = memo("per_object", rows, None, lambda: duck_reports.per_object(rows))
    if counts.empty:
        return
    st.subheader("Annotations per object")
    st.altair_chart(alt.Chart(counts).mark_bar().encode(
        x=alt.X("annotations:O", title="Annotations in one object (or video frame)"),
        y=alt.Y("objects:Q", title="Objects or frames"), color=alt.Color("job:N", title="Job"),
        xOffset="job:N", tooltip=["job", "per", "annotations", "objects"],
    ).properties(height=240), width="stretch")
    download(counts, "annotations-per-object", "dl_per_object")


def labeled_tab(rows: pa.Table) -> None:
    summary(rows)
    over_time_chart(rows)
    left, right = st.columns(2)
    with left:
        class_chart(rows)
    with right:
        per_object_chart(rows)
        frame_chart(rows)


def what_was_labeled(rows: pa.Table, gold: dict[tuple[str, str], str]) -> None:
    """The first tab over the selection's rows, by either engine: gold mixed into the queue (`gold`, the
    source's) is how workers are measured, not output, so it is left out of these counts."""
    ordinary = memo("ordinary", rows, len(gold), lambda: rowset.without_gold(rows, gold))
    if ordinary.num_rows < rows.num_rows:
        st.caption(f"Gold objects mixed into the queue ({len(gold):,} in this source) are left out of "
                   "these counts; the Workers page measures each worker on them.")
    labeled_tab(ordinary)


def _gold(found: SourceAnnotations) -> pd.DataFrame | None:
    url_state("gold", "")
    path = st.text_input("Gold file (optional)", key="gold", placeholder="s3://bucket/gold.jsonl or a local path",
                         help="A trusted job's output manifest (any task type; for video, its SeqLabel.json files "
                              "where the bucket keeps them), or JSON lines with source-ref (or a text's source) and "
                              "annotations (boxes), entities, frames (a video's, as in SeqLabel.json), labels or "
                              "label. Workers are then compared with it.").strip()
    sync_url(gold=path)
    if not path:
        return None
    try:
        return memo("gold", found, path, lambda: read_gold(path, workspace().open))
    except (StoreError, GoldError) as exc:
        show_error(exc, "Gold not used")
        return None


def quality_tab(found: SourceAnnotations, rows: pa.Table, naming: Naming) -> tuple[pd.DataFrame | None, float]:
    """The quality tables and matrices; returns the gold and IoU threshold chosen, for the items.
    Classification jobs are measured by DuckDB over the Arrow rows, the other types over a table of
    their jobs' rows only (core.annotations.duck_quality): no table of every answer is made."""
    left, right = st.columns([1, 2])
    with left:
        iou = iou_slider(memo("types", rows, None, lambda: rowset.task_types(rows)))
    with right:
        gold = _gold(found)
    report = memo("quality", rows, (iou, id(gold)),
                  lambda: duck_quality.quality_rows(rows, gold=gold, iou=iou, masks=found.masks))
    report = rename_workers(report, naming.names)  # tables and CSVs name workers as the sidebar says
    if report.empty:
        st.caption("No worker answers in this selection.")
        return gold, iou
    reliable = estimates(found, rows, gold, ask=rows.num_rows > LAZY_ROWS)  # beside exact match or Jaccard
    ranked = with_reliability(worst_first(report), reliable, naming)
    for task in sorted(set(report["task_type"]), key=lambda t: list(TASKS).index(t) if t in TASKS else 99):
        st.subheader(TASKS.get(task, task))
        jobs = report[report["task_type"].eq(task) & report["worker"].eq("Team")].drop(columns=["worker", "task_type"])
        workers = ranked[ranked["task_type"].eq(task)].drop(columns=["task_type"])
        main = TITLES.get(MAIN.get(task, ""), "")
        st.caption(f"Per job, then each worker in it, worst first{f' by {main}' if main else ''}, against the "
                   "job's consolidated result (or gold).")
        show_table(readable(jobs), f"quality_jobs_{task}")
        show_table(readable(workers.drop(columns=["score"])), f"quality_workers_{task}")
        disagreements(task, reliable)
        if task == "semantic-segmentation":
            masked = tuple(sorted(jobs["job"]))  # a table of these jobs' rows only, for the masks' classes
            class_iou_section(found, memo("segmentation_table", rows, masked,
                                          lambda m=masked: to_table_frame(rowset.of_jobs(rows, list(m)))), naming)
    left, right = st.columns(2)  # every task type's rows in one file each, so said in the label
    with left:
        download(report[report["worker"].eq("Team")], "quality-per-job", "dl_quality_jobs",
                 "Download every job's row (CSV)")
    with right:
        download(ranked, "quality-per-worker", "dl_quality_workers", "Download every worker's row (CSV)")
    matrices(rows, gold, iou, naming)
    return gold, iou


def audits_tab(found: SourceAnnotations, rows: pa.Table, naming: Naming) -> None:
    found_audits = memo("audits", rows, None, lambda: duck_reports.audits(rows))
    if found_audits.empty:
        st.info("No verification or adjustment job in this selection audits another job here.",
                icon=":material/fact_check:")
        return
    st.subheader("Audit jobs")
    shown = found_audits.assign(kind=found_audits["kind"].str.capitalize()).rename(columns=AUDIT_TITLES)
    st.dataframe(shown, hide_index=True, width="stretch", key="audits")
    download(found_audits, "audits", "dl_audits")
    # Per original worker: the quality report's (the Quality tab's, when it has no gold and the default IoU).
    report = memo("quality", rows, (DEFAULT_IOU, id(None)),
                  lambda: duck_quality.quality_rows(rows, masks=found.masks))
    traced = rename_workers(report[report["audited"].notna() | report["adjusted"].notna()], naming.names)
    per_original_worker(traced, "audits_workers")


def main() -> None:
    if engine_choice() == "athena":  # classification jobs, computed where the output is (app_pages._athena_annotations)
        athena_annotations(Draw(what_was_labeled, sidebar_filters, _gold))
        return
    source = sidebar_source()
    st.title("Annotations")
    if not source:
        sync_url(source=None)
        empty_state()
        return
    try:
        found = load_annotations(source)
    except StoreError as exc:
        show_error(exc, "Cannot read the source")
        return
    sync_url(source=source)
    if not found.jobs:
        st.warning(literal(f"No Ground Truth annotations found under {found.uri}."), icon=":material/search_off:")
        left_out(found)
        return
    naming = worker_naming(source, found.rows)
    narrow = sidebar_narrow(found, naming)
    with st.sidebar:
        refresh_button()
    rows = memo("narrowed_rows", found, narrow, lambda: rowset.narrowed(found.rows, narrow))
    found_types = memo("types", rows, None, lambda: rowset.task_types(rows))
    types = ", ".join(sorted({TASKS.get(t, t) for t in found_types}))
    st.caption(literal(f"{found.uri} · {len(found.jobs)} job(s) · {found.files:,} files read · {types}"))
    if rows.num_rows == 0:
        st.info("Nothing in this selection: widen the dates or choose other jobs, classes or workers.")
        return

    names = ["What was labeled", "Quality", "Items", "Audits"]
    lazy = found.rows.num_rows > LAZY_ROWS
    # The open tab is in the URL (a flag's or a reliability link's tab=Items opens the items); only
    # past LAZY_ROWS do the other tabs skip their work.
    tabs = st.tabs(names, key="tab", bind="query-params")
    labeled, quality, items, audited = tabs
    shown = (lambda tab: tab.open) if lazy else (lambda tab: True)
    gold, iou = None, _url_iou()
    if shown(labeled):
        with labeled:
            what_was_labeled(rows, found.gold)
    if shown(quality):
        with quality:
            gold, iou = quality_tab(found, rows, naming)
    elif shown(items):  # the quality tab's choices, from the link, when only the items run
        gold = _gold_of_url(found)
    if shown(items):
        with items:
            items_tab(found, rows, gold, iou, narrow.worker, naming)
    if shown(audited):
        with audited:
            audits_tab(found, rows, naming)
    left_out(found)


def _url_iou() -> float:
    try:
        return min(max(float(st.query_params.get("iou", DEFAULT_IOU)), 0.1), 1.0)
    except ValueError:
        return DEFAULT_IOU


def _gold_of_url(found: SourceAnnotations) -> pd.DataFrame | None:
    path = str(st.query_params.get("gold", "")).strip()
    if not path:
        return None
    try:
        return memo("gold", found, path, lambda: read_gold(path, workspace().open))
    except (StoreError, GoldError):
        return None  # said on the Quality tab, where the gold is chosen


main()
