"""The Workers page's second engine: the same report computed by Amazon Athena where the output is
(core.engine.athena_workers), offered on the AWS workspace only.

What the page adds to the engine is only what a page needs: the sidebar's settings (kept in the URL),
the listing kept between reruns, the plan (DDL and estimate) shown before anything runs, a Run
button, each query's state while it runs with a Cancel, and Athena's reason in plain words."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from types import SimpleNamespace
from typing import NamedTuple, TypeVar

import pandas as pd
import streamlit as st

from app_pages._access import act
from app_pages._arrival import rerun_as_opened
from app_pages._athena_run import left_running, run_on_athena
from app_pages._memo import digest, memo
from app_pages._selection import _team_names, label_layers, name_mode, sidebar_source
from app_pages._shared import (
    literal,
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
from core.engine import athena_race
from core.engine import athena_workers as aw
from core.engine.athena import AthenaError
from core.engine.athena_cost import cache_key, size_text
from core.engine.athena_tables import quote
from core.errors import GroundControlError
from core.gold import queued_gold
from core.identity import IdentityError, read_names_csv, user_pools
from core.metrics import TEAM
from core.race.frames import PERIODS, natural_period
from core.storage import StoreError
from core.workspace import default_kind

ENGINES = {"local": "This computer", "athena": "Amazon Athena"}
# Where the page's user gives each setting, for the advice in Athena's failures (not the command's flags).
# The last report; the queries a run left running (ids and workgroup); a click on Cancel.
RESULT = "_athena_result"
COPIES = "_athena_copies"  # Parquet copies written in this session: a plan made before one is out of date
T = TypeVar("T")


def engine_choice() -> str:
    """The sidebar's Engine (`engine` in the URL): "local" or "athena". The demo's output is on this
    computer, where Athena cannot read it: there the choice is not offered, and a caption says why."""
    if (st.session_state.get("ws") or default_kind()) == "demo":
        st.sidebar.caption(":material/memory: Computed on this computer. Amazon Athena is offered on the "
                           "**AWS** workspace: it reads output in S3, and the demo's output is on this computer.")
        return "local"
    url_choice("engine", ENGINES, "local", "engine", where=st.sidebar)
    engine = st.sidebar.radio(
        "Engine", list(ENGINES), format_func=ENGINES.get, key="engine",
        help="This computer: read every file here. Amazon Athena: compute where the output is in S3, for "
             "output past about a million files (billed by the bytes it reads; the estimate is shown first).")
    sync_url(engine=None if engine == "local" else engine)
    return engine


def athena_settings() -> tuple[str, str, str]:
    """(workgroup, results location, Glue database) from the sidebar, kept in the URL."""
    with st.sidebar.expander("Amazon Athena", icon=":material/database:", expanded=True):
        url_state("workgroup", "primary")
        st.text_input("Athena workgroup", key="workgroup", help="The workgroup the queries run in.")
        url_state("results", "")
        st.text_input("Athena results location", key="results", placeholder="s3://bucket/athena-results/",
                      help="An S3 folder for the queries' results and the small tables Ground Control writes "
                           "for them (the output manifests' rows, gold labels).")
        url_state("database", "")
        st.text_input("Glue database", key="database", placeholder="ground_control",
                      help="Where Ground Control's tables and view are made if not there yet: lower-case "
                           "letters, digits and underscores.")
        parquet = st.toggle("Query a Parquet copy", value=url_state("parquet", "0") == "1", key="parquet_on",
                            help="First write the chosen jobs' answers once as Parquet, partitioned by job, in the "
                                 "results location (billed once, as one more query), then query that copy: every "
                                 "later run over the same files reads less and costs less.")
    workgroup, results, database = (st.session_state[k].strip() for k in ("workgroup", "results", "database"))
    sync_url(workgroup=None if workgroup == "primary" else workgroup, results=results, database=database,
             parquet="1" if parquet else None)
    return workgroup or "primary", results, database


def setting_problems(source: str, results: str, database: str) -> list[str]:
    """What must be fixed in the sidebar before anything is listed, in plain words."""
    problems = []
    if not source.startswith("s3://"):
        problems.append(f"Amazon Athena reads output in S3 only, and {literal(source)} is not an s3:// source: "
                        "enter one, or choose **This computer** as the engine.")
    if not results:
        problems.append("Enter an **Athena results location** (an S3 folder such as s3://bucket/athena-results/): "
                        "Athena writes each query's result there.")
    elif not results.startswith("s3://"):
        problems.append(f"The **Athena results location** must be an S3 folder (s3://bucket/prefix/), not "
                        f"{literal(results)}.")
    if not database:
        problems.append("Enter a **Glue database** (for example ground\\_control): Ground Control's tables and "
                        "view go there.")
    else:
        try:
            quote(database)
        except ValueError:
            problems.append(f"The **Glue database** {literal(database)} is not a name Glue takes: use lower-case "
                            "letters, digits and underscores.")
    return problems


@st.cache_resource(show_spinner=False, max_entries=8)
def _surveyed(uri: str, ws_key: tuple, token: float) -> tuple[aw.Survey, pd.DataFrame, pd.DataFrame, list[str]]:
    """One listing of the source and its output manifests read, kept until Refresh: a widget's rerun
    lists nothing again."""
    location = workspace().open(uri)
    found = aw.survey(location)
    return (found, *aw.manifest_tables(location, found))


def _day(key: str, what: str) -> date | None:
    raw = url_state(key, "")
    if not raw:
        return None
    try:
        return date.fromisoformat(str(raw).strip()[:10])
    except ValueError:
        url_note(what, raw, "it is not a date (YYYY-MM-DD); showing every day", where=st.sidebar)
        st.session_state[key] = ""
        return None


def jobs_and_days(found: aw.Survey) -> tuple[list[str] | None, date | None, date | None]:
    """The sidebar's jobs (None: all) and UTC days, kept in the URL as on the local engine."""
    wanted = url_list("athena_jobs", param="job")
    if unknown := [j for j in wanted if j not in found.jobs]:
        url_note("job", ", ".join(unknown), "no such job in this source", where=st.sidebar)
    st.session_state["athena_jobs"] = [j for j in wanted if j in found.jobs]
    jobs = st.sidebar.multiselect("Jobs", found.jobs, key="athena_jobs", placeholder="All jobs")
    start, end = _day("from", "start date"), _day("to", "end date")
    picked = st.sidebar.date_input("Dates (UTC)", value=tuple(d for d in (start, end) if d), key="athena_dates",
                                   help="Empty: every day. Athena reads every file of the chosen jobs either way.")
    since, until = (tuple(picked) + (None, None))[:2] if isinstance(picked, tuple) else (picked, picked)
    sync_url(job=jobs, **{"from": since, "to": until})
    return jobs or None, since, until


def _choices(found: aw.Survey, labels: pd.DataFrame):
    """Jobs, days, the name mode and names, from the sidebar; each kept in the URL as on the local engine."""
    jobs, since, until = jobs_and_days(found)
    mode = name_mode(pd.DataFrame({"issuer": pd.Series([], dtype=object)}))  # no answers read here: no pool known
    names, cognito = athena_names(mode)
    return jobs, since, until, mode, names, cognito


def athena_names(mode: str) -> tuple[dict[str, str], bool]:
    """With real names: a names CSV's ({sub or worker id: name}), and whether to look names up in the
    Cognito pools the answers name (found by one more query on Run: no answer is read here)."""
    if mode != "name":
        return {}, False
    names: dict[str, str] = {}
    upload = st.sidebar.file_uploader("Names CSV (sub,name)", type=["csv"], key="athena_names")
    if upload is not None:
        try:
            names = read_names_csv(upload.name, upload.getvalue())
        except IdentityError as exc:
            show_error(exc, where=st.sidebar)
    cognito = st.sidebar.toggle("Look up names in Cognito", key="athena_cognito", value=True,
                                help="One more query on Athena finds the workers' Cognito user pools; their users "
                                     "are then listed from here (cognito-idp:ListUsers).")
    return names, cognito


def looked_up(run: aw.WorkerRun, names: dict[str, str], cognito: bool) -> tuple[pd.DataFrame, dict[str, str], str]:
    """The workers' subs and pools (one query), and the names: the CSV's, then Cognito's as on this
    computer's engine. A pool that cannot be listed leaves IDs shown, and says why (the third value)."""
    ids = aw.identities(run)
    if not cognito:
        return ids, names, ""
    try:
        return ids, {**names, **_team_names(tuple(user_pools(ids)), workspace_key(), ids)}, ""
    except IdentityError as exc:
        return ids, names, f"Names were not looked up in Cognito: {exc}"


def keyed(plan: aw.WorkerPlan, workgroup: str) -> tuple[aw.WorkerPlan, str]:
    """The plan and the key of its result (its statements, the files' ETags, the workgroup), then
    whether its Parquet copy is there already (for the estimate; the key stays the one it had before)."""
    key = cache_key(plan.describe() + "\0" + workgroup, plan.versions())
    aw.look_for_copy(plan, workspace().open)
    return plan, key


def plan_key(listed: Listed, *choices) -> tuple:
    """What a page's plan is built from: a copy written since makes it out of date."""
    return (listed.settings, listed.parquet, st.session_state.get(COPIES, 0), *choices)


def _plan(listed: Listed, jobs, since, until, gold, layers, anonymize, cognito: bool):
    """The plan and the key of its result: built once per listing and choice, not at every rerun
    (staging sorts every manifest row, the key every file)."""
    workgroup, results, database = listed.settings
    found, labels, objects, notes = listed.found, listed.labels, listed.objects, listed.notes

    def build():
        chosen = found.only(jobs)
        keep = labels["job"].isin(chosen.jobs), objects["job"].isin(chosen.jobs)
        plan = aw.plan(None, database, results, jobs, gold, layers,
                       (labels[keep[0]].reset_index(drop=True), objects[keep[1]].reset_index(drop=True), notes),
                       since, until, anonymize, chosen, parquet=listed.parquet)
        plan.queries += athena_race.READS + (1 if cognito else 0)  # the chart; the workers' pools
        return keyed(plan, workgroup)

    key = plan_key(listed, tuple(jobs or ()), since, until, digest(gold), digest(layers), anonymize, cognito)
    return memo("athena_plan", found, key, build)


def show_plan(plan: aw.WorkerPlan, expanded: bool) -> None:
    estimate = plan.estimate()
    files = sum(len(f) for f in plan.found.responses.values())
    cols = st.columns(4)
    cols[0].metric("Worker-response files", f"{files:,}")
    cols[1].metric("Jobs", f"{len(plan.found.folders):,}")
    cols[2].metric("Estimated scan", size_text(estimate.scanned_bytes), help="Per query; the files' listed sizes")
    usd = f"${estimate.usd:,.2f}" if estimate.usd >= 0.01 else f"${estimate.usd:.6f}"
    cols[3].metric("Estimated cost", usd, help="Athena bills $5 per TB read, at least 10 MB a query")
    st.caption(literal(f"Cost estimate: {estimate.describe()}.{plan.whole_note()} Creating tables and views is "
                       "free; a query whose result is cached here costs nothing."))
    ddl = plan.ddl()
    with st.expander(f"What Athena will create first ({len(ddl)} statements, each only if not there yet)",
                     icon=":material/code:", expanded=expanded):
        st.code(";\n\n".join(ddl) + ";", language="sql")
    if plan.parquet and plan.parquet_bytes is not None:
        st.caption(literal(f"The queries read the Parquet copy of these answers made earlier "
                           f"({size_text(plan.parquet_bytes)} at {plan.parquet.location})."))
    elif plan.parquet:
        statements = plan.parquet.statements()
        with st.expander("Then the Parquet copy, written once: it reads every worker-response file once and is "
                         "billed as a query", icon=":material/table_view:", expanded=expanded):
            st.caption(literal(f"Written to {plan.parquet.location}, partitioned by job; the queries then read it. "
                               "The estimate counts them at the JSON's size: the copy is smaller."))
            st.code(";\n\n".join(statements) + ";", language="sql")


class Listed(NamedTuple):
    """The source as listed once (until Refresh), with the sidebar's Athena settings."""

    source: str
    settings: tuple[str, str, str]  # workgroup, results location, Glue database
    parquet: bool  # query a Parquet copy of the answers (core.engine.athena_parquet)
    found: aw.Survey
    labels: pd.DataFrame
    objects: pd.DataFrame
    notes: list[str]  # output manifests that could not be read
    stopped: list[str]  # queries an ended run had left running, stopped now


def athena_source(title: str) -> Listed | None:
    """The sidebar (source and Athena's settings), the page's title, and the source listed; None, with
    the reason on the page, while something is missing. Queries an ended run left running are stopped
    first, whatever the page then shows."""
    source = sidebar_source()
    settings = athena_settings()
    _, results, database = settings
    st.title(title)
    st.caption(":material/database: Computed by **Amazon Athena** where the output is: this computer reads only "
               "the listing, the output manifests and what the queries return.")
    stopped = left_running()
    if not source:
        sync_url(source=None)
        st.markdown("Enter a **source** in the sidebar: an S3 prefix such as `s3://my-bucket/labeling-output/` "
                    "that holds Ground Truth job output.")
        return None
    sync_url(source=source)
    if problems := setting_problems(source, results, database):
        st.warning("\n\n".join(problems), icon=":material/edit:")
        return None
    try:
        with st.spinner(f"Listing {source} and reading its output manifests ..."):
            token = st.session_state.setdefault("refresh", 0)
            found, labels, objects, notes = _surveyed(source, workspace_key(), token)
    except (StoreError, AthenaError) as exc:
        st.error(f"Cannot read the source: {literal(str(exc))}", icon=":material/error:")
        return None
    if not found.responses:
        st.warning(literal(f"No worker-response files under {source}: Athena has nothing to read (per-worker "
                           "numbers need the jobs' annotations/worker-response/ files)."), icon=":material/search_off:")
        return None
    return Listed(source, settings, st.session_state.get("parquet_on", False), found, labels, objects, notes, stopped)


def run_step(listed: Listed, plan: aw.WorkerPlan, key, slot: str, work: Callable[[aw.WorkerRun], T],
             describe: Callable[[T], dict]) -> dict | None:
    """The plan shown, a Run on Athena button (a lead's audited action), and the last result kept in
    the session under `slot` while `key` (the plan and the page's choices) stays the same:
    {"result", "ran", "scanned", "cached"}; None, with the reason on the page, until then."""
    workgroup, results, database = listed.settings
    done = st.session_state.get(slot)
    done = done if done and done["key"] == key else None
    show_plan(plan, expanded=done is None)
    if st.button("Run on Athena", key="athena_run", type="primary", icon=":material/play_arrow:",
                 help="Create the tables (if not there yet) and run the queries; nothing runs before this click. "
                      "For leads: it writes to the account and is billed"):
        st.session_state.pop(slot, None)
        try:  # a lead's action, checked when the click arrives and audited (app_pages._access)
            ran = act("athena", {"source": listed.source, "workgroup": workgroup, "results": results,
                                 "database": database, "queries": plan.queries},
                      lambda: run_on_athena(plan, workgroup, work),
                      lambda done: {"note": "cancelled or failed: no result"} if done is None else
                      {**describe(done[0]), "queries_run": done[1].ran, "bytes_scanned": done[1].scanned,
                       "from_cache": done[1].cached})
        except GroundControlError as exc:
            show_error(exc)
            return None
        if ran is None:
            return None
        result, run = ran
        if plan.parquet and plan.parquet_bytes is None:  # written now: the next plan reads it, and says so
            st.session_state[COPIES] = st.session_state.get(COPIES, 0) + 1
        done = {"key": key, "result": result, "ran": run.ran, "scanned": run.scanned, "cached": run.cached,
                "plan": plan, "workgroup": workgroup}  # for the queries a page asks for later (another period)
        st.session_state[slot] = done
        rerun_as_opened()  # drawn again with the result: the plan folded away, not a page of SQL above it
    if done is None:
        if not listed.stopped:
            st.info("Nothing has run yet: check the estimate and the SQL above, then choose **Run on Athena**.",
                    icon=":material/info:")
        return None
    st.caption(f"{done['ran']} query(ies) run on Athena, reading {size_text(done['scanned'])}; "
               f"{done['cached']} answered from this computer's cache of earlier results.")
    return done


def athena_report(gold_labels: Callable[[], dict[str, str] | None]) -> pd.DataFrame | None:
    """The sidebar and the plan; after a click on Run, the report (metrics.COLUMNS, Team row) as the
    local engine makes it. None while there is nothing to show, with the reason on the page."""
    listed = athena_source("Workers")
    if listed is None:
        return None
    found, labels, notes = listed.found, listed.labels, listed.notes
    jobs, since, until, mode, names, cognito = _choices(found, labels)
    gold = gold_labels()
    sync_url(gold=st.session_state.get("gold", "").strip())
    chosen = listed.objects[listed.objects["job"].isin(found.only(jobs).jobs)]
    if gold is None and (gold := queued_gold(chosen) or None):  # as the local page measures accuracy
        st.caption(f"Accuracy is measured on the {len(gold):,} gold objects mixed into these jobs' queue (no gold "
                   "file chosen).")
    layers = label_layers(SimpleNamespace(labels=labels, answers=labels.iloc[0:0].assign(label=None)), listed.source)
    with st.sidebar:
        refresh_button()
    if notes:
        with st.expander(f"{len(notes):,} output manifest(s) skipped", icon=":material/warning:"):
            st.caption("Their jobs' objects have no consolidated label here; everything else counts.")
            st.markdown("\n".join(f"- {literal(n)}" for n in notes))
    anonymize = mode == "anon"
    try:
        plan, key = _plan(listed, jobs, since, until, gold, layers, anonymize, cognito)
    except (AthenaError, ValueError, StoreError) as exc:
        st.error(literal(str(exc)), icon=":material/error:")
        return None
    done = run_step(listed, plan, (key, mode, digest(names), cognito), RESULT,
                    lambda run: report_and_counts(run, names, anonymize, cognito),
                    lambda ran: {"period": ran[1]["period"]})
    if done is None:
        return None
    if note := done["result"][1]["names_note"]:
        st.warning(literal(note), icon=":material/person_off:")
    return done["result"][0].copy()


def report_and_counts(run: aw.WorkerRun, names: dict[str, str], anonymize: bool,
                      cognito: bool = False) -> tuple[pd.DataFrame, dict]:
    """The worker report (with Cognito's names when asked), then the labels per worker per period for
    the chart, at the period that fits the report's first and last answer (as the local page picks it):
    {"period", "over": {period: frame}, "names_note"}."""
    note = ""
    if cognito:
        _, names, note = looked_up(run, names, cognito)
    report = aw.worker_report(run, names, anonymize)
    team = report[report["worker"] == TEAM]
    times = pd.Series([] if team.empty else [team["first_submission"].iloc[0], team["last_submission"].iloc[0]])
    period = natural_period(pd.DataFrame({"submission_time": pd.to_datetime(times, utc=True)}))
    over = athena_race.labels_over_time(run.query, run.plan.answers(), PERIODS[period])
    return report, {"period": period, "over": {period: over}, "names_note": note}
