"""The Annotations page's second engine, for classification jobs: the first tab's counts
(core.engine.athena_annotations) and the Quality tab's table (core.engine.athena_quality) computed by
Amazon Athena where the output is, on the AWS workspace. The charts and tables are the local page's
own (passed in: the page is a script, not a module to import). The sidebar, the plan shown first, Run
and Cancel are the Workers page's (app_pages._athena)."""

from __future__ import annotations

from collections.abc import Callable
from typing import NamedTuple

import pandas as pd
import streamlit as st

from app_pages._annotation_tables import TASKS, TITLES, download, readable, show_table
from app_pages._athena import athena_source, keyed, plan_key, run_step
from app_pages._shared import literal, memo, refresh_button, sync_url, url_choice, url_list, url_note, workspace
from core.engine import athena_annotations as aa
from core.engine import athena_quality as aq
from core.engine import athena_workers as aw
from core.engine.athena import AthenaError
from core.quality.report import MAIN, worst_first
from core.quality.rollup import JOB
from core.storage import StoreError

RESULT = "_athena_annotations_result"
CLASSIFICATION = aq.CLASSIFICATION
LOCAL = "**This computer**"


class Draw(NamedTuple):
    """The local page's own: its periods, its chart over time (series, period), its per-class chart (counts)."""

    periods: dict[str, str]
    over_time: Callable[[pd.DataFrame, str], None]
    classes: Callable[[pd.DataFrame], None]


def _jobs(listed) -> aq.Jobs:
    """Each job's own name, task type and consolidated classes, from its output manifest (read once a listing)."""
    return memo("athena_ann_jobs", listed.found, None,
                lambda: aq.read_jobs(workspace().open(listed.source), listed.found.manifests))


def _chosen(jobs: aq.Jobs, folders: list[str]) -> list[str]:
    """The sidebar's jobs by their own names (as the local page names them, so a link opens the same
    jobs on either engine); their folders, all when none is chosen."""
    names = sorted({jobs.name(f) for f in folders})
    wanted = url_list("ann_athena_jobs", param="job")
    if unknown := [j for j in wanted if j not in names]:
        url_note("job", ", ".join(unknown), "no such job in this source", where=st.sidebar)
    st.session_state["ann_athena_jobs"] = [j for j in wanted if j in names]
    picked = st.sidebar.multiselect("Jobs", names, key="ann_athena_jobs", placeholder="All jobs")
    sync_url(job=picked)
    return [f for f in folders if not picked or jobs.name(f) in picked]


def _period(periods: dict[str, str]) -> str:
    """The chart's period, in the sidebar here: it is in the queries' text, so another one is another Run."""
    url_choice("annotations_period", list(periods), "day", "period", where=st.sidebar, param="period")
    period = st.sidebar.segmented_control("Annotations over time, per", list(periods), key="annotations_period",
                                          help="Another period is another run on Athena") or "day"
    sync_url(period=None if period == "day" else period)
    return period


def others_sentence(others: dict[str | None, list[str]]) -> str | None:
    """The jobs Athena does not count, in one sentence for the page; None if every job is classification."""
    if not others:
        return None
    named = [f"{', '.join(names)} ({TASKS.get(task, task) if task else 'no output manifest'})"
             for task, names in sorted(others.items(), key=lambda kv: (kv[0] is None, kv[0] or ""))]
    verb = "needs" if sum(len(names) for names in others.values()) == 1 else "need"
    return (f"Amazon Athena counts and measures classification jobs only: {literal('; '.join(named))} "
            f"{verb} {LOCAL} as the engine.")


def _plan(listed, jobs: aq.Jobs, measured: list[str], freq: str) -> tuple[aw.WorkerPlan, str]:
    """The classification jobs' answers and the two small tables the quality queries join (the jobs,
    the consolidated labels); the quality's two reads and the counts' four."""
    workgroup, results, database = listed.settings

    def build():
        found = listed.found.only(measured)  # only their partitions are read and priced
        nothing = aw.manifest_tables(None, aw.Survey(found.uri))  # the workers' lookups: not needed here
        plan = aw.plan(None, database, results, tables=nothing, found=found, parquet=listed.parquet)
        plan.staged, plan.queries = aq.staged(jobs, found.folders), aq.READS + aa.READS
        return keyed(plan, workgroup)

    return memo("athena_ann_plan", listed.found, plan_key(listed, tuple(measured), freq), build)


def _work(run: aw.WorkerRun, freq: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The quality rows, then the annotations per class per period."""
    run.prepare()
    tables = run.plan.tables()
    return aq.quality_report(run.query, tables), aa.over_time(run.query, tables, freq)


def quality_tab(report: pd.DataFrame) -> None:
    """The local Quality tab's classification tables and CSVs (without the reliability estimate, which
    needs the answers here)."""
    st.subheader(TASKS[CLASSIFICATION])
    st.caption(f"Per job, then each worker in it, worst first by {TITLES[MAIN[CLASSIFICATION]].lower()}, against "
               "the job's consolidated result. Gold, matrices and the estimated reliability need "
               f"{LOCAL} as the engine.")
    jobs = report[report["worker"].eq(JOB)]
    ranked = worst_first(report)
    show_table(readable(jobs.drop(columns=["worker", "task_type"])), f"quality_jobs_{CLASSIFICATION}")
    show_table(readable(ranked.drop(columns=["task_type", "score"])), f"quality_workers_{CLASSIFICATION}")
    left, right = st.columns(2)
    with left:
        download(jobs, "quality-per-job", "dl_quality_jobs", "Download every job's row (CSV)")
    with right:
        download(ranked, "quality-per-worker", "dl_quality_workers", "Download every worker's row (CSV)")


def athena_annotations(draw: Draw) -> None:
    """The sidebar, the plan and, after a click on Run on Athena, the page's tabs for classification jobs."""
    listed = athena_source("Annotations")
    if listed is None:
        return
    jobs = _jobs(listed)
    folders = _chosen(jobs, listed.found.jobs)
    period = _period(draw.periods)
    with st.sidebar:
        refresh_button()
    if jobs.notes:
        st.warning(literal(f"{len(jobs.notes):,} output manifest(s) could not be read: " + "; ".join(jobs.notes[:3])),
                   icon=":material/warning:")
    if sentence := others_sentence(jobs.others(folders)):
        st.info(sentence, icon=":material/memory:")
    measured = jobs.measured(folders)
    if not measured:
        st.warning("No classification job with worker answers in this selection: nothing to compute on Athena.",
                   icon=":material/search_off:")
        return
    try:
        plan, key = _plan(listed, jobs, measured, draw.periods[period])
    except (AthenaError, ValueError, StoreError) as exc:
        st.error(literal(str(exc)), icon=":material/error:")
        return
    done = run_step(listed, plan, (key, period), RESULT, lambda run: _work(run, draw.periods[period]),
                    lambda ran: {"period": period, "jobs": len(measured)})
    if done is None:
        return
    report, series = done["result"]
    labeled, quality, items, audits = st.tabs(["What was labeled", "Quality", "Items", "Audits"])
    with labeled:
        st.subheader("Annotations over time")
        draw.over_time(series, period)
        st.subheader("Per class")
        draw.classes(aa.class_counts(jobs, sorted({jobs.name(f) for f in measured})))
    with quality:
        quality_tab(report)
    with items:
        st.info(f"The items, each object's answers side by side, need {LOCAL} as the engine.",
                icon=":material/memory:")
    with audits:
        st.info(f"The audits, what verification and adjustment jobs found, need {LOCAL} as the engine.",
                icon=":material/memory:")
