"""Jobs: every labeling job of the workspace, its progress, and a way into each one."""

from __future__ import annotations

from datetime import UTC, datetime

import altair as alt
import pandas as pd
import streamlit as st

from app_pages._shared import load_source, sync_url, url_state, workspace
from core.gt.service import ACTIVE, ServiceError
from core.jobs import days_left, eta, job_table

STATUS_ICON = {  # Material icons: they render without an emoji font
    "Initializing": ":material/hourglass_top:", "InProgress": ":material/play_circle:",
    "Stopping": ":material/stop_circle:", "Completed": ":material/check_circle:", "Failed": ":material/error:",
    "Stopped": ":material/pause_circle:",
}
COUNTER_COLORS = {"human": "#4c78a8", "machine": "#72b7b2", "failed": "#e45756", "unlabeled": "#d5d8de"}


def now() -> datetime:
    return datetime.now(UTC)


def output_prefix(job: dict) -> str:
    """The job's output root, `<S3OutputPath>/<job>/` (reference §1)."""
    return f"{job['OutputConfig']['S3OutputPath'].rstrip('/')}/{job['LabelingJobName']}/"


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
    ).properties(height=max(120, 30 * len(table)))


def jobs_overview() -> pd.DataFrame | None:
    ws = workspace()
    try:
        table = job_table(ws.service.list_labeling_jobs(), ws.now())
    except ServiceError as exc:
        hint = ""
        if exc.code in ("NoCredentialsError", "ProfileNotFound", "NoRegionError", "PartialCredentialsError"):
            hint = (" Set up AWS credentials (for example `aws configure`, or a profile in the sidebar), "
                    "or switch to the **Demo** workspace.")
        st.error(f"Cannot list labeling jobs: {exc}.{hint}", icon=":material/error:")
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
    st.altair_chart(progress_chart(table), width="stretch")

    event = st.dataframe(
        table,
        hide_index=True,
        width="stretch",
        on_select="rerun",
        selection_mode="single-row",
        key="jobs_table",
        column_order=["status", "job", "task", "team", "done", "human", "machine", "failed", "unlabeled",
                      "created", "modified", "days_left", "failure_reason"],
        column_config={
            "status": "Status", "job": "Job", "task": "Task type", "team": "Work team",
            "done": st.column_config.ProgressColumn("Done", format="percent", min_value=0, max_value=1,
                                                    help="Labeled or failed, of all objects"),
            "human": "Human", "machine": "Machine", "failed": "Failed", "unlabeled": "Unlabeled",
            "created": st.column_config.DatetimeColumn("Created (UTC)", format="YYYY-MM-DD HH:mm"),
            "modified": st.column_config.DatetimeColumn("Modified (UTC)", format="YYYY-MM-DD HH:mm"),
            "days_left": st.column_config.NumberColumn("Days left", format="%.1f",
                                                       help="Unfinished jobs expire 30 days after creation"),
            "failure_reason": "Failure reason",
        },
    )
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
        try:
            workspace().service.stop_labeling_job(name)
            st.session_state["stopped"] = name
        except ServiceError as exc:
            st.session_state["stop_error"] = str(exc)
        st.rerun()
    if right.button("Keep it running"):
        st.rerun()


def job_eta(job: dict) -> str:
    if job["LabelingJobStatus"] not in ACTIVE:
        return "finished"
    remaining = job["LabelCounters"].get("Unlabeled", 0)
    try:
        answers = load_source(output_prefix(job)).answers
    except Exception:  # output not readable yet: no honest ETA
        return "unknown"
    left = eta(answers, remaining, job["HumanTaskConfig"]["NumberOfHumanWorkersPerDataObject"], workspace().now())
    if left is None:
        return "unknown (no answers in the last 24 h)"
    hours = left.total_seconds() / 3600
    return f"{hours:.1f} h" if hours < 48 else f"{hours / 24:.1f} days"


def job_details(name: str) -> None:
    try:
        job = workspace().service.describe_labeling_job(name)
    except ServiceError as exc:
        st.error(f"Cannot open job {name}: {exc}", icon=":material/error:")
        return
    status, c, task = job["LabelingJobStatus"], job["LabelCounters"], job["HumanTaskConfig"]
    with st.container(border=True):
        st.subheader(f"{STATUS_ICON.get(status, '')} {name}")
        cols = st.columns(5)
        cols[0].metric("Status", status)
        cols[1].metric("Labeled", f"{c.get('TotalLabeled', 0):,}")
        cols[2].metric("Failed", f"{c.get('FailedNonRetryableError', 0):,}")
        cols[3].metric("Unlabeled", f"{c.get('Unlabeled', 0):,}")
        cols[4].metric("ETA", job_eta(job), help="At the answer rate of the last 24 hours")
        if job.get("FailureReason"):
            st.error(job["FailureReason"], icon=":material/error:")
        prefix = output_prefix(job)
        facts = {
            "Task": f"{task['TaskTitle']} — {task['TaskDescription']}",
            "Label attribute": job.get("LabelAttributeName", ""),
            "Workers per object": task["NumberOfHumanWorkersPerDataObject"],
            "Task time limit": f"{task['TaskTimeLimitInSeconds']} s",
            "Work team": task["WorkteamArn"],
            "Input manifest": job["InputConfig"]["DataSource"].get("S3DataSource", {}).get("ManifestS3Uri", ""),
            "Output": prefix,
            "Output manifest": job.get("LabelingJobOutput", {}).get("OutputDatasetS3Uri", "not written yet"),
            "Created": f"{job['CreationTime']:%Y-%m-%d %H:%M} UTC",
            "Last modified": f"{job['LastModifiedTime']:%Y-%m-%d %H:%M} UTC",
        }
        if status in ACTIVE:
            left = days_left(status, job["CreationTime"], workspace().now())
            facts["Expires"] = f"in {left:.1f} days (30 days after creation), unless it finishes first"
        st.table(pd.DataFrame({"Value": [str(v) for v in facts.values()]}, index=list(facts)))
        left, right = st.columns([1, 1])
        # The whole output path as source, this job preselected: the team's other jobs stay one click away.
        left.page_link("app_pages/workers.py", label="Worker metrics for this job", icon=":material/groups:",
                       query_params={"source": job["OutputConfig"]["S3OutputPath"], "job": name,
                                     **({"ws": st.session_state["ws"]} if st.session_state.get("ws") else {})})
        if status in ("Initializing", "InProgress"):
            if right.button("Stop job", icon=":material/stop_circle:"):
                confirm_stop(name)


def main() -> None:
    st.title("Jobs")
    st.caption(workspace().label)
    if name := st.session_state.pop("stopped", None):
        st.toast(f"Stop requested for {name}.", icon=":material/stop_circle:")
    if err := st.session_state.pop("stop_error", None):
        st.error(err, icon=":material/error:")
    url_state("job", "")
    live = st.toggle("Refresh every 10 s while jobs run", value=True, key="live")

    @st.fragment(run_every="10s" if live else None)
    def live_jobs() -> None:
        table = jobs_overview()
        name = st.session_state.get("job") or ""
        if table is not None and name and name in set(table["job"]):
            sync_url(job=name)
            job_details(name)
        elif table is not None and not table.empty:
            sync_url(job=None)
            st.caption("Select a row to open the job.")

    live_jobs()


main()
