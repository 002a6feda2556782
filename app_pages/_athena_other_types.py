"""The Annotations page on Athena, for the task types measured from answer rows (boxes, entities,
masks, video, label sets, verification and adjustment; core.engine.athena_report): their answers come
back from one Athena read as the local reader's annotations table, and these sections show on it the
local page's own quality and audit reports (core.quality.report, core.annotations.reports), with the
local page's tables. The first tab is the local page's itself (app_pages._athena_annotations)."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from app_pages._annotation_matrices import matrices
from app_pages._annotation_names import Naming
from app_pages._annotation_notes import iou_slider, per_original_worker
from app_pages._annotation_reliability import Estimates, disagreements, with_reliability
from app_pages._annotation_tables import TASKS, TITLES, download, readable, show_table
from app_pages._memo import memo
from app_pages._segmentation_quality import class_iou_section
from core.annotations import reports
from core.annotations.people import rename_workers
from core.annotations.source import SourceAnnotations
from core.quality.report import DEFAULT_IOU, MAIN, quality_report, worst_first
from core.quality.rollup import JOB

AUDIT_TITLES = {"job": "Audit job", "audited_job": "Audited job", "audited_attribute": "Audited label",
                "kind": "Kind", "objects": "Objects", "passed": "Passed", "failed": "Failed", "adjusted": "Adjusted",
                "unadjusted": "Unadjusted"}


def report_of(source: SourceAnnotations) -> pd.DataFrame:
    return quality_report(source.table, masks=source.masks)


def quality_section(source: SourceAnnotations, report: pd.DataFrame, gold: pd.DataFrame | None, naming: Naming,
                    reliable: Estimates, shown: set[str] = frozenset()) -> float:
    """The local Quality tab's tables of each task type read as rows: per job, then each worker worst
    first by the type's main measure (named as the sidebar says, with the estimated reliability), where
    the estimate and Ground Truth disagree (unless said already for a task type in `shown`), and the
    segmentation jobs' IoU per class; the IoU chosen, for the items. `report` is at the usual IoU
    without gold; with boxes another threshold, or with gold, is measured here again (the rows are
    here, so another gold file needs no other read)."""
    iou = iou_slider(set(report["task_type"]))
    if iou != DEFAULT_IOU or gold is not None:
        report = memo("athena_rows_quality", source, (iou, id(gold)),
                      lambda: quality_report(source.table, gold=gold, iou=iou, masks=source.masks))
    report = rename_workers(report, naming.names)  # tables and CSVs name workers as the sidebar says
    ranked = with_reliability(worst_first(report), reliable, naming)
    for task in sorted(set(report["task_type"]), key=lambda t: list(TASKS).index(t) if t in TASKS else 99):
        st.subheader(TASKS.get(task, task))
        main = TITLES.get(MAIN.get(task, ""), "")
        st.caption(f"Per job, then each worker in it, worst first{f' by {main.lower()}' if main else ''}, against "
                   f"the job's consolidated result{' (or gold)' if gold is not None else ''}.")
        jobs = report[report["task_type"].eq(task) & report["worker"].eq(JOB)].drop(columns=["worker", "task_type"])
        show_table(readable(jobs), f"athena_quality_jobs_{task}")
        show_table(readable(ranked[ranked["task_type"].eq(task)].drop(columns=["task_type", "score"])),
                   f"athena_quality_workers_{task}")
        if task not in shown:
            disagreements(task, reliable)
        if task == "semantic-segmentation":  # the local page's, workers named so
            class_iou_section(source, source.table, naming)
    left, right = st.columns(2)
    with left:
        download(report[report["worker"].eq(JOB)], "quality-per-job-rows", "dl_athena_quality_jobs",
                 "Download these jobs' rows (CSV)")
    with right:
        download(ranked, "quality-per-worker-rows", "dl_athena_quality_workers", "Download these workers' rows (CSV)")
    # The local page's matrices, over the jobs whose answers came back (a classification job measured in
    # SQL has none here); boxes matched at the IoU chosen above, against the gold.
    matrices(source.table, gold, iou, naming)
    return iou


def audits_section(source: SourceAnnotations, report: pd.DataFrame, naming: Naming) -> None:
    """The local Audits tab: what each verification or adjustment job found, and per original worker."""
    found = reports.audits(source.table)
    if found.empty:
        st.info("No verification or adjustment job in this selection audits another job here.",
                icon=":material/fact_check:")
        return
    st.subheader("Audit jobs")
    shown = found.assign(kind=found["kind"].str.capitalize()).rename(columns=AUDIT_TITLES)
    st.dataframe(shown, hide_index=True, width="stretch", key="athena_audits")
    download(found, "audits", "dl_athena_audits")
    traced = rename_workers(report[report["audited"].notna() | report["adjusted"].notna()], naming.names)
    per_original_worker(traced, "athena_audits_workers")


