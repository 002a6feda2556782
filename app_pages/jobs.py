"""Jobs: every labeling job of the workspace, its progress, and a way into each one."""

from __future__ import annotations

from datetime import UTC, datetime

import altair as alt
import pandas as pd
import streamlit as st

from app_pages._access import act, lead_only
from app_pages._forecast import forecast_block
from app_pages._shared import (
    aws_setup_problems,
    aws_setup_text,
    literal,
    load_source,
    show_error,
    sync_url,
    url_note,
    url_state,
    workspace,
    workspace_key,
)
from core.chaining import ChainError, chain_manifest_uri, plan_in
from core.errors import GroundControlError
from core.gt.job import Job
from core.gt.service import ACTIVE, ServiceError
from core.jobs import days_left, eta, job_table
from core.launch import launch, request_json
from core.launch.fields import field_title

STATUS_ICON = {  # Material icons: they render without an emoji font
    "Initializing": ":material/hourglass_top:", "InProgress": ":material/play_circle:",
    "Stopping": ":material/stop_circle:", "Completed": ":material/check_circle:", "Failed": ":material/error:",
    "Stopped": ":material/pause_circle:",
}
COUNTER_COLORS = {"human": "#4c78a8", "machine": "#72b7b2", "failed": "#e45756", "unlabeled": "#d5d8de"}


def now() -> datetime:
    return datetime.now(UTC)


def progress_chart(table: pd.DataFrame) -> alt.Chart:
    """LabelCounters as one stacked bar per job: human, machine, failed, unlabeled."""
    long = table.melt(id_vars=["job"], value_vars=list(COUNTER_COLORS), var_name="counter", value_name="count")
    return alt.Chart(long).mark_bar().encode(
        x=alt.X("count:Q", stack="zero", title="Objects"),
        y=alt.Y("job:N", sort=table["job"].tolist(), title=None, axis=alt.Axis(labelLimit=320, labelOverlap=False)),
        color=alt.Color("counter:N", title=None, sort=list(COUNTER_COLORS),
                        scale=alt.Scale(domain=list(COUNTER_COLORS), range=list(COUNTER_COLORS.values()))),
        order=alt.Order("order:Q"),
        tooltip=["job", "counter", alt.Tooltip("count:Q", title="objects")],
    ).transform_calculate(
        order=f"indexof({list(COUNTER_COLORS)}, datum.counter)"
    ).properties(height=alt.Step(26))  # a row per job, whatever the axis takes


def jobs_overview() -> pd.DataFrame | None:
    ws = workspace()
    try:
        table = job_table(ws.service.list_labeling_jobs(), ws.now())
    except ServiceError as exc:
        if ws.kind == "aws" and (problems := aws_setup_problems()):  # say what is missing, not botocore's words
            st.error(f"Cannot list labeling jobs. {aws_setup_text(problems)}", icon=":material/key_off:")
        else:
            st.error(f"Cannot list labeling jobs: {exc}.", icon=":material/error:")
        return None
    if table.empty:
        st.info("No labeling jobs in this workspace yet.", icon=":material/inbox:")
        return table
    running = table["status"].isin(ACTIVE)
    cols = st.columns(4)
    cols[0].metric("Jobs", len(table))
    cols[1].metric("Running", int(running.sum()))
    cols[2].metric("Objects labeled", f"{int(table['labeled'].sum()):,}")
    cols[3].metric("Failed objects", f"{int(table['failed'].sum()):,}")
    shown = table.assign(days_left=table["days_left"].map(lambda d: "" if pd.isna(d) else f"{d:.1f}"))
    event = st.dataframe(
        shown,
        hide_index=True,
        width="stretch",
        on_select="rerun",
        selection_mode="single-row",
        key="jobs_table",
        # What a lead scans for first (state, progress, time left, why it failed), then the detail.
        column_order=["status", "job", "done", "days_left", "failure_reason", "human", "machine", "failed",
                      "unlabeled", "task", "team", "created", "modified"],
        column_config={
            "status": "Status", "job": "Job", "task": "Task type", "team": "Work team",
            "done": st.column_config.ProgressColumn("Done", format="percent", min_value=0, max_value=1,
                                                    help="Labeled or failed, of all objects"),
            "human": "Human", "machine": "Machine", "failed": "Failed", "unlabeled": "Unlabeled",
            "created": st.column_config.DatetimeColumn("Created (UTC)", format="YYYY-MM-DD HH:mm"),
            "modified": st.column_config.DatetimeColumn("Modified (UTC)", format="YYYY-MM-DD HH:mm"),
            "days_left": st.column_config.TextColumn("Days left", width="small",
                                                     help="Unfinished jobs expire 30 days after creation"),
            "failure_reason": st.column_config.TextColumn("Failure reason", width="large"),
        },
    )
    st.altair_chart(progress_chart(table), width="stretch")  # below the table: the table is what leads scan
    rows = event.selection.rows if event and event.selection else []
    if rows:
        st.session_state["job"] = table.iloc[rows[0]]["job"]
    return table


@st.dialog("Stop this job?")
def confirm_stop(name: str) -> None:
    st.write(f"Stopping **{name}** cannot be undone: Ground Truth keeps the labels so far, and the rest "
             "can only be sent again by chaining a new job.")
    left, right = st.columns(2)
    if left.button("Stop the job", type="primary", icon=":material/stop_circle:"):
        try:  # checked on the server as it runs, whatever the page showed; audited
            act("stop", {"job": name}, lambda: workspace().service.stop_labeling_job(name))
            st.session_state["stopped"] = name
        except GroundControlError as exc:
            st.session_state["stop_error"] = str(exc)
        st.rerun()
    if right.button("Keep it running"):
        st.rerun()


def job_eta(job: Job) -> str:
    if not job.working:  # Stopping takes no more answers; the rest have ended
        return "none"
    try:
        answers = load_source(job.output_folder, version=job.modified).answers
    except Exception:  # output not readable yet: no honest ETA
        return "unknown"
    left = eta(answers, job.counters.unlabeled, job.workers_per_object, workspace().now())
    if left is None:
        return "unknown (no answers in the last 24 h)"
    hours = left.total_seconds() / 3600
    return f"{hours:.1f} h" if hours < 48 else f"{hours / 24:.1f} days"


def task_text(job: Job) -> str:
    """Title and description, once each: a description that repeats the title shows alone."""
    title, description = job.title, job.task_description
    if not description or description.startswith(title):
        return description or title
    return f"{title} — {description}"


def job_details(name: str) -> None:
    try:
        job = Job.from_description(workspace().service.describe_labeling_job(name))
    except ServiceError as exc:
        st.error(f"Cannot open job {name}: {exc}", icon=":material/error:")
        return
    status, c = job.status, job.counters
    with st.container(border=True):
        st.subheader(f"{STATUS_ICON.get(status, '')} {name}")
        cols = st.columns(5)
        cols[0].metric("Status", status)
        cols[1].metric("Labeled", f"{c.total:,}")
        cols[2].metric("Failed", f"{c.failed:,}")
        cols[3].metric("Unlabeled", f"{c.unlabeled:,}")
        cols[4].metric("ETA", job_eta(job), help="At the answer rate of the last 24 hours; none once the job is "
                                                 "stopping or has ended")
        if job.failure_reason:
            st.error(job.failure_reason, icon=":material/error:")
        forecast_block(job)
        facts = {
            "Task": task_text(job),
            "Label attribute": job.attribute or "",
            "Workers per object": job.workers_per_object,
            "Task time limit": f"{job.task_time_limit_s} s",
            "Work team": job.workteam,
            "Input manifest": job.input_manifest or "",
            "Output": job.output_folder,
            "Output manifest": job.output_manifest or "not written yet",
            "Created": f"{job.created:%Y-%m-%d %H:%M} UTC",
            "Last modified": f"{job.modified:%Y-%m-%d %H:%M} UTC",
        }
        if job.active:
            left = days_left(status, job.created, workspace().now())
            facts["Expires"] = f"in {left:.1f} days (30 days after creation), unless it finishes first"
        st.table(pd.DataFrame({"Value": [str(v) for v in facts.values()]}, index=list(facts)))
        left, middle, right = st.columns([1, 1, 1])
        # The whole output path as source, this job preselected: the team's other jobs stay one click away.
        link = {"source": job.output_path, "job": name,
                **({"ws": st.session_state["ws"]} if st.session_state.get("ws") else {})}
        left.page_link("app_pages/workers.py", label="Worker metrics for this job", icon=":material/groups:",
                       query_params=link)
        middle.page_link("app_pages/annotations.py", label="Annotation quality and items", icon=":material/label:",
                         query_params={**link, "ijob": name, "mjob": name})
        if job.working:
            if right.button("Stop job", icon=":material/stop_circle:", help=lead_only("stop")):
                confirm_stop(name)
    chain_section(job)


CHAIN_MODES = {
    "continue": "Continue: send only the objects still without labels (same attribute)",
    "new-layer": "New layer: label every object again under a new attribute",
    "clone": "Clone: the same input manifest, as a new job",
}


def chain_section(job: Job) -> None:
    """Chaining (docs/ground-truth.md §8): the only way to go on after a stop, a failure or the 30-day expiry."""
    name, ws = job.name, workspace()
    finished = job.finished
    # A toggle, not an expander: planning reads the whole output manifest, which the page's 10-second
    # refresh must not do for every open job.
    if not st.toggle("Continue, add a layer, or clone", key=f"chain_open_{name}"):
        return
    with st.container(border=True):
        modes = list(CHAIN_MODES) if finished else ["clone"]
        if not finished:
            st.caption("Continue and new layer need a finished job: it must stop, fail, expire or complete first.")
        mode = st.radio("What to start", modes, format_func=CHAIN_MODES.get, key=f"chain_mode_{name}")
        left, right = st.columns(2)
        attribute = left.text_input("New label attribute", key=f"chain_attr_{name}", disabled=mode != "new-layer",
                                    placeholder=f"{job.attribute or ''}-review")
        new_name = right.text_input("New job name (optional)", key=f"chain_name_{name}", max_chars=63)
        models = [s for s in _jobs_with_models(workspace_key()) if s != name]
        auto = st.toggle("Auto-labeling", key=f"chain_auto_{name}",
                         value=job.auto_labeling,
                         help="With the same attribute, Ground Truth reuses the earlier job's model.")
        donor = st.selectbox("Start from the model of", [""] + models, key=f"chain_model_{name}", disabled=not auto,
                             help="A finished auto-labeling job's FinalActiveLearningModelArn.",
                             format_func=lambda n: n or ("none" if models else "no finished auto-labeling job yet"))
        try:
            plan = chain_plan(ws, job, mode, new_attribute=attribute.strip() or None, auto_labeling=auto,
                              pretrained_from=donor or None, name=new_name.strip() or None)
        except ChainError as exc:
            show_error(exc)
            return
        cols = st.columns(2)
        cols[0].metric("Objects sent", f"{plan.objects_to_send:,}", help=f"of {plan.objects:,} in the manifest")
        cols[1].metric("Estimated cost", f"${plan.cost.total_usd:,.2f}")
        st.markdown(f"New job **{plan.config.job_name}**, label attribute **{plan.config.attribute}**")
        if plan.summary:
            st.dataframe(pd.DataFrame([(a, c.labeled, c.unlabeled, c.failed) for a, c in plan.summary.items()],
                                      columns=["attribute", "labeled", "unlabeled", "failed"]),
                         hide_index=True, width="stretch")
        st.caption(f"Reads `{plan.manifest_uri}`")
        for note in plan.notes:
            st.info(note, icon=":material/info:")
        for problem in plan.problems:
            st.error(f"**{field_title(problem.field)}**: {problem.message}", icon=":material/error:")
        dry, go = st.columns(2)
        if dry.button("Dry run", key=f"chain_dry_{name}", icon=":material/preview:", disabled=plan.request is None):
            st.code(request_json(plan.request), language="json")
        if go.button("Launch", key=f"chain_go_{name}", type="primary", icon=":material/rocket_launch:",
                     disabled=bool(plan.problems) or plan.objects_to_send == 0, help=lead_only("chain")):
            try:
                arn = act("chain", {"job": name, "mode": mode, "new job": plan.config.job_name,
                                    "objects sent": plan.objects_to_send},
                          lambda: launch(plan.config, ws), describe=lambda arn: {"arn": arn})
                st.session_state.pop(f"chain_plan_{name}", None)  # its job name is taken now
                st.session_state["job"] = plan.config.job_name
                st.toast(f"Launched {arn}", icon=":material/rocket_launch:")
                st.rerun()
            except GroundControlError as exc:  # LaunchError, NotAllowed, AuditError
                show_error(exc, "Not launched")


def chain_plan(ws, job: Job, mode: str, **choices):
    """The plan for these choices, made once: the Dry run click and the 10-second refresh reuse it
    until the job or a choice changes. Planning reads the whole manifest, so it says so."""
    name = job.name
    key = (workspace_key(), name, str(job.modified), mode, tuple(sorted(choices.items())))
    kept = st.session_state.get(f"chain_plan_{name}")
    if kept is not None and kept[0] == key:
        return kept[1]
    with st.status(f"Planning: reading {chain_manifest_uri(job, mode)} ...") as status:
        try:
            plan = plan_in(ws, name, mode, **choices)
        except ChainError:
            status.update(label="Planning stopped: see below", state="error")
            raise
        status.update(label=f"Planned from {plan.objects:,} objects in the manifest", state="complete")
    st.session_state[f"chain_plan_{name}"] = (key, plan)
    return plan


@st.cache_data(ttl=30, show_spinner=False)
def _jobs_with_models(ws_key: tuple) -> list[str]:
    """Finished jobs that left a trained model (FinalActiveLearningModelArn)."""
    jobs = (Job.from_summary(s) for s in workspace().service.list_labeling_jobs(status="Completed"))
    return [job.name for job in jobs if job.final_model]


def main() -> None:
    st.title("Jobs")
    st.caption(workspace().label)
    if name := st.session_state.pop("stopped", None):
        st.toast(f"Stop requested for {name}.", icon=":material/stop_circle:")
    if err := st.session_state.pop("stop_error", None):
        st.error(literal(err), icon=":material/error:")  # it may quote a job name or an e-mail: shown as text
    url_state("job", "")
    live = st.toggle("Refresh every 10 s while jobs run", value=True, key="live")

    @st.fragment(run_every="10s" if live else None)
    def live_jobs() -> None:
        table = jobs_overview()
        name = st.session_state.get("job") or ""
        if table is not None and name and name not in set(table["job"]):
            url_note("job", name, "there is no such job in this workspace")
            st.session_state["job"] = name = ""
        if table is not None and name and name in set(table["job"]):
            sync_url(job=name)
            job_details(name)
        elif table is not None and not table.empty:
            sync_url(job=None)
            st.caption("Select a row to open the job.")

    live_jobs()


main()
