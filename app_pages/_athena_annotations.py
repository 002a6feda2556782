"""The Annotations page's second engine, Amazon Athena where the output is, on the AWS workspace, for
every task type (core.engine.athena_report): classification jobs' quality in SQL
(core.engine.athena_quality) and their answers as compact rows (core.engine.athena_reliability); every
other job read once as answer rows and shown by the local page's reports (app_pages._athena_other_types).
The first tab, the filters and the gold box are the local page's own (passed in: the page is a script,
not a module to import), over the rows read back: the same figures, the same link. The sidebar, the
plan shown first, Run and Cancel are the Workers page's (app_pages._athena)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import NamedTuple

import pandas as pd
import pyarrow as pa
import streamlit as st

from app_pages import _athena_other_types as other
from app_pages._annotation_names import Naming
from app_pages._annotation_notes import left_out
from app_pages._annotation_reliability import Estimates, disagreements, estimates, with_reliability
from app_pages._annotation_tables import TASKS, TITLES, download, readable, show_table
from app_pages._athena import athena_names, athena_source, keyed, plan_key, run_step
from app_pages._items import items_tab
from app_pages._memo import digest, memo
from app_pages._selection import _team_names, name_mode
from app_pages._shared import literal, refresh_button, sync_url, url_list, url_note, url_state, workspace, workspace_key
from core.annotations import duck_quality, rowset
from core.annotations.people import rename_workers, worker_labels
from core.annotations.reports import Narrow
from core.annotations.rowset import worker_ids
from core.annotations.source import SourceAnnotations
from core.engine import athena_names as an
from core.engine import athena_quality as aq
from core.engine import athena_reliability as arl
from core.engine import athena_report as ar
from core.engine import athena_rows
from core.engine.athena import AthenaError
from core.engine.athena_answer_rows import COLUMNS, typed
from core.engine.athena_chosen import Chosen, chosen_of
from core.identity import IdentityError, user_pools
from core.quality.report import DEFAULT_IOU, MAIN, worst_first
from core.quality.rollup import JOB
from core.storage import StoreError

RESULT = "_athena_annotations_result"
# Past this many annotation rows the estimate runs when the reader asks, as on the local page (its LAZY_ROWS):
# seconds per hundred thousand answers, here where Athena's sources are the large ones.
ASK_PAST = 200_000
CLASSIFICATION = aq.CLASSIFICATION


class Ran(NamedTuple):
    """What a run brought back: the classification SQL's report, the other jobs' annotations and report
    (None where no job went that way), every chosen job's annotations (the SQL jobs' as their output
    manifests' rows and compact answers, core.engine.athena_reliability.estimate_source: what the first
    tab, the filters and the estimated reliability read), and who the workers are
    (core.engine.athena_names.SEEN's rows; None when workers are shown by ID)."""

    report: pd.DataFrame | None
    rows: SourceAnnotations | None
    rows_report: pd.DataFrame | None
    estimated: SourceAnnotations
    seen: pd.DataFrame | None


class Draw(NamedTuple):
    """The local page's own: its first tab (the selection's rows, the gold mixed into the queue), its
    sidebar filters (rows, naming -> the Narrow chosen) and its gold box (the gold read, or None; its
    memo keyed by the object given)."""

    labeled: Callable[[pa.Table, dict], None]
    filters: Callable[[pa.Table, Naming], Narrow]
    gold: Callable[[object], pd.DataFrame | None] | None = None


def _source(listed) -> Chosen:
    """The source's jobs: each one's own name, task type and result, from its output manifest (read once
    a listing)."""
    return memo("athena_ann_jobs", listed.found, None,
                lambda: chosen_of(workspace().open(listed.source), listed.found))


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


def _as_rows() -> bool:
    """Whether the classification jobs are read as answer rows too (`rows` in the link): their matrices
    need each answer here, as the command's --matrix reads them; one read, priced in the plan."""
    url_state("ann_athena_rows", "", param="rows")
    st.session_state["ann_athena_rows"] = str(st.session_state["ann_athena_rows"]).lower() in ("1", "true")
    on = st.toggle("Classification jobs' answers", key="ann_athena_rows",
                   help="Reads the classification jobs' answers here too (one read, priced in the plan), for "
                        "their confusion and agreement matrices and their items")
    sync_url(rows="1" if on else None)
    return on


def rows_sentence(source: Chosen, route: ar.Routes, gold: bool = False) -> str | None:
    """The jobs whose answers come back as rows, in one sentence for the page; None when there are none."""
    if not route.rows:
        return None
    def named(folder: str) -> str:
        name = source.jobs.name(folder)
        task = source.task_of(name)
        said = TASKS.get(task, task) if task else "task type not known" if name in source.manifests.own else (
            "no output manifest")
        return f"{name} ({said})"

    named = sorted({named(f) for f in route.rows})
    why = ("every job is read so, to be measured against the gold file" if gold and not route.sql else
           "every job is read so, for the classification jobs' matrices and items" if not route.sql else
           "classification jobs are counted and measured on Athena")
    return (f"Amazon Athena reads the answers of {literal(', '.join(named))} once and returns them here, where "
            f"they are measured as on this computer; {why}.")


def _plan(listed, source: Chosen, route: ar.Routes, mode: str) -> tuple[ar.MixedPlan, str]:
    """The classification jobs' quality (two reads) and compact answers (one: the first tab's counts, the
    filters and the estimated reliability are made of them here, at any period), the other jobs' answer
    rows (one read), each priced at its own partitions; unless workers are shown by ID, who they are (one
    read of every chosen partition)."""
    workgroup, results, database = listed.settings

    def build():
        plan = source.plan(database, results, route, aq.READS + arl.READS, listed.parquet)
        plan.every_reads = an.READS if mode == "name" else 0
        plan.whole_reads = an.READS if mode == "anon" else 0  # Worker N over the whole source, as locally
        return keyed(plan, workgroup)

    return memo("athena_ann_plan", listed.found, plan_key(listed, route, mode != "id"), build)


def _work(run, source: Chosen, route: ar.Routes) -> Ran:
    """The classification jobs' quality rows and compact answers, then the other jobs' annotations (the
    local reader's table) and their quality report; who the workers are when the plan asks."""
    run.prepare()
    tables = run.plan.tables()
    report = rows = rows_report = compact = seen = None
    if route.sql:
        report = aq.quality_report(run.query, tables)
        compact = arl.run_answer_rows(run)
    if route.rows:
        rows = source.source(run, route)
        rows_report = other.report_of(rows)
    if run.plan.every_reads:
        seen = run.query(an.seen_sql(run.plan.every_answer()))
    elif run.plan.whole_reads:
        seen = run.query(an.seen_sql(run.plan.whole_answers()), whole=True)
    sql_jobs = {source.jobs.name(f) for f in route.sql}  # their consolidated rows, from the manifests read here
    manifest_rows = athena_rows.annotations(source.location, source.found, source.manifests, source.jobs,
                                            typed(pd.DataFrame(columns=list(COLUMNS))), sql_jobs)
    return Ran(report, rows, rows_report, arl.estimate_source(manifest_rows, compact, rows), seen)


def naming_of(ran: Ran, mode: str, names: dict[str, str], cognito: bool, ids) -> tuple[Naming, str]:
    """The workers `ids` (of the tables shown) named as the local page names them, from the run's read of
    who they are: Worker N by first submission, or names by sub or ID (a names CSV, then Cognito's); and
    why Cognito was not asked, when it could not be."""
    if mode == "id" or ran.seen is None:
        return Naming(worker_labels(ids, {}, False), False), ""
    if mode == "anon":
        return Naming(worker_labels(ids, an.anonymous(ran.seen), True), True), ""
    note = ""
    if cognito and user_pools(ran.seen):
        try:
            names = {**names, **_team_names(tuple(user_pools(ran.seen)), workspace_key(), ran.seen)}
        except IdentityError as exc:
            note = f"Names were not looked up in Cognito: {exc}"
    return Naming(worker_labels(ids, an.named(ran.seen, names), False), False), note


def _worker_ids(ran: Ran) -> list[str]:
    """Every worker the page's tables can show: the SQL report's and the answers read here."""
    ids = [] if ran.report is None else [w for w in ran.report["worker"] if w != JOB]
    return sorted({*ids, *worker_ids(ran.estimated.rows)})


def quality_tab(report: pd.DataFrame, reliable: Estimates, naming: Naming) -> None:
    """The local Quality tab's classification tables and CSVs, workers named as the sidebar says and with
    the estimated reliability beside their exact match, and where the estimate and Ground Truth disagree."""
    st.subheader(TASKS[CLASSIFICATION])
    st.caption(f"Per job, then each worker in it, worst first by {TITLES[MAIN[CLASSIFICATION]].lower()}, against "
               "the job's consolidated result. With a gold file or **Classification jobs' answers** (in the sidebar) "
               "every job is read as answer rows and measured here, matrices and items included.")
    report = rename_workers(report, naming.names)
    jobs = report[report["worker"].eq(JOB)]
    ranked = with_reliability(worst_first(report), reliable, naming)
    show_table(readable(jobs.drop(columns=["worker", "task_type"])), f"quality_jobs_{CLASSIFICATION}")
    show_table(readable(ranked.drop(columns=["task_type", "score"])), f"quality_workers_{CLASSIFICATION}")
    disagreements(CLASSIFICATION, reliable)
    left, right = st.columns(2)
    with left:
        download(jobs, "quality-per-job", "dl_quality_jobs", "Download every job's row (CSV)")
    with right:
        download(ranked, "quality-per-worker", "dl_quality_workers", "Download every worker's row (CSV)")


def _sql_items_note(sql_names: list[str]) -> None:
    """Why the SQL-measured classification jobs have no items here; naming the object when a disagreement
    of the estimate opened this tab on one of theirs (app_pages._annotation_reliability.open_item)."""
    job, item = st.session_state.get("ijob"), st.session_state.get("item")
    asked = (f"Object {literal(str(item))} of {literal(str(job))} is measured on Athena, so its answers are not here: "
             if job in sql_names and item not in (None, "") else "The classification jobs' items need their answers "
             "here: ")
    st.info(asked + "turn on **Classification jobs' answers** in the sidebar (one more read, priced before it "
            "runs).", icon=":material/memory:")


class Narrowed(NamedTuple):
    """A run's answers as the filters leave them: every chosen job's rows, the classification SQL's report
    (measured here on the rows left when a filter is on), and the other jobs' annotations and report."""

    rows: pa.Table
    report: pd.DataFrame | None
    source: SourceAnnotations | None
    source_report: pd.DataFrame | None


def narrowed(ran: Ran, narrow: Narrow, sql_names: list[str]) -> Narrowed:
    """`ran` narrowed as the local page narrows its rows (core.annotations.rowset.narrowed), on the rows read
    back: Athena bills the bytes it scans, and the JSON it reads is partitioned by job only, so a WHERE on a
    worker, class, attribute or day would scan (and cost) the same, and every other choice would be another
    run. No filter: the run's own figures. With one, the SQL jobs' quality is the local DuckDB report over
    their rows left (their consolidated rows and compact answers), as the local page measures its rows."""
    if narrow == Narrow():
        return Narrowed(ran.estimated.rows, ran.report, ran.rows, ran.rows_report)
    rows = rowset.narrowed(ran.estimated.rows, narrow)
    measured = rowset.of_jobs(rows, sql_names)
    # A job type the filter leaves nothing of has no section, as on the local page (not empty tables).
    report = duck_quality.quality_rows(measured) if ran.report is not None and measured.num_rows else None
    kept = None if ran.rows is None else replace(ran.rows, rows=rowset.narrowed(ran.rows.rows, narrow), _frame=None)
    if kept is None or kept.rows.num_rows == 0:
        return Narrowed(rows, report, None, None)
    return Narrowed(rows, report, kept, other.report_of(kept))


def athena_annotations(draw: Draw) -> None:
    """The sidebar, the plan and, after a click on Run on Athena, the page's tabs for every task type."""
    listed = athena_source("Annotations")
    if listed is None:
        return
    source = _source(listed)
    folders = _chosen(source.jobs, listed.found.jobs)
    with st.sidebar:
        # The local page's gold box: with gold, every chosen job is read as rows (the plan says what it costs).
        gold = draw.gold(listed.found) if draw.gold is not None else None
        as_rows = gold is not None or _as_rows()
    # The local page's "Show workers as" (`names` in the link; viewers: Worker N only) and, with real names, the
    # Athena Workers page's names CSV and Cognito toggle. No answer is read before Run, so no Cognito pool is
    # known then: IDs are the default, not names.
    mode = name_mode(pd.DataFrame({"issuer": pd.Series([], dtype=object)}))
    names, cognito = athena_names(mode)
    with st.sidebar:
        refresh_button()
    if source.manifests.unread:
        notes = [f"{item.uri}: {item.reason}" for item in source.manifests.unread]
        st.warning(literal(f"{len(notes):,} output manifest(s) could not be read: " + "; ".join(notes[:3])),
                   icon=":material/warning:")
    source = replace(source, names={source.jobs.name(f) for f in folders})  # the memo's own stays whole
    route = source.route(every_row=as_rows)
    if not route.sql and not route.rows:
        st.warning("No job with worker answers in this selection: nothing to compute on Athena.",
                   icon=":material/search_off:")
        return
    if sentence := rows_sentence(source, route, gold is not None):
        st.info(sentence, icon=":material/memory:")
    try:
        plan, key = _plan(listed, source, route, mode)
    except (AthenaError, ValueError, StoreError) as exc:
        st.error(literal(str(exc)), icon=":material/error:")
        return
    if _filters_asked() and (st.session_state.get(RESULT) or {}).get("key") != key:  # before Run
        st.caption("The link's dates, class, worker or label attribute apply to the answers once they are read: "
                   "they change nothing of what Athena reads or costs.")
    done = run_step(listed, plan, key, RESULT, lambda run: _work(run, source, route),
                    lambda ran: {"jobs": len(route.sql) + len(route.rows)})
    if done is None:
        return
    ran: Ran = done["result"]
    naming, note = memo("athena_ann_naming", ran, (mode, digest(names), cognito),
                        lambda: naming_of(ran, mode, names, cognito, _worker_ids(ran)))
    if note:
        st.warning(literal(note), icon=":material/person_off:")
    narrow = draw.filters(ran.estimated.rows, naming)  # the local page's sidebar filters, over the rows read back
    sql_names = sorted({source.jobs.name(f) for f in route.sql})
    shown = memo("athena_ann_narrowed", ran, narrow, lambda: narrowed(ran, narrow, sql_names))
    # The local page's line: source, jobs, files read (here the worker responses Athena reads), task types.
    files = sum(len(f) for f in listed.found.only(folders).responses.values())
    types = ", ".join(sorted({TASKS.get(t, t) for t in rowset.task_types(shown.rows)}))
    st.caption(literal(f"{listed.found.uri} · {len(folders)} job(s) · {files:,} worker-response files read by "
                       f"Athena · {types}"))
    if shown.rows.num_rows == 0:
        st.info("Nothing in this selection: widen the dates or choose other jobs, classes or workers.")
        return
    report, rows, rows_report = shown.report, shown.source, shown.source_report
    # The open tab in the link, as on the local page (a reliability link's tab=Items opens the items).
    labeled, quality, items, audits = st.tabs(["What was labeled", "Quality", "Items", "Audits"], key="tab",
                                              bind="query-params")
    with labeled:  # the local tab itself: summary, over time, per class (split by an attribute), per object
        draw.labeled(shown.rows, ran.estimated.gold)
    iou = DEFAULT_IOU
    with quality:
        # Without gold, each worker's estimated reliability beside exact match or Jaccard, as locally: over
        # every classification and multi-label answer of the selection (the SQL jobs' compact rows included).
        reliable = estimates(ran.estimated, shown.rows, gold, ask=shown.rows.num_rows > ASK_PAST)
        if report is not None:
            quality_tab(report, reliable, naming)
        if rows is not None:
            iou = other.quality_section(rows, rows_report, gold, naming, reliable,
                                        shown={CLASSIFICATION} if report is not None else set())
    with items:
        if rows is not None:  # the local item browser over the answers read back; images from the workspace
            items_tab(rows, rows.rows, gold, iou, narrow.worker, naming)
        if route.sql:
            _sql_items_note(sql_names)
    with audits:
        if rows is not None:
            other.audits_section(rows, rows_report, naming)
        else:
            st.info("No verification or adjustment job in this selection audits another job here.",
                    icon=":material/fact_check:")
    if ran.rows is not None:  # of the whole source, as on the local page: not what a filter kept
        left_out(ran.rows)


def _filters_asked() -> bool:
    """Whether the link narrows by dates, class, worker or label attribute (drawn once the answers are here)."""
    return any(st.query_params.get(k) for k in ("from", "to", "class", "worker", "attr"))
