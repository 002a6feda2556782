"""Benchmark: what auto-labeling and a pre-trained model save, in labels, money and time."""

from __future__ import annotations

from pathlib import Path

import altair as alt
import pandas as pd
import streamlit as st

from app_pages._access import act, audit_log, identity, lead_only
from app_pages._shared import sync_url, url_list, url_note, url_state, workspace, workspace_key
from core.access import can
from core.benchmark import (
    Prices,
    compare,
    findings,
    iterations,
    load_job,
    summary_table,
    verdict,
    verdict_pair,
)
from core.benchmark.experiment import (
    GUIDED_LABEL,
    ExperimentError,
    advance,
    experiments,
    guided_built,
    guided_dir,
    guided_workspace,
    load,
    run_guided,
    start,
)
from core.chaining import config_from_job
from core.errors import GroundControlError
from core.gold import GoldError, read_gold
from core.gt.job import Job
from core.gt.service import ServiceError
from core.launch import LaunchError
from core.storage import StoreError

HEADLINE = ["objects", "human_labeled", "machine_labeled", "machine_share", "failed", "duration_h",
            "labels_per_hour", "total_cost", "cost_per_labeled_object", "accuracy", "accuracy_machine"]


@st.cache_resource(show_spinner=False)
def _guided(root: str):
    return guided_workspace(Path(root))


def run_experiment() -> None:
    """The AWS walkthrough on the simulator: split the digits in halves; job 1 auto-labels half 1;
    job 2 labels half 2 from job 1's model; job 3 labels half 2 without it."""
    with st.status("Running the walkthrough on the simulator ...", expanded=True) as status:
        bars: dict[str, object] = {}

        def progress(phase: str, done: int, total: int) -> None:
            if phase not in bars:
                bars[phase] = st.progress(0.0, text=phase)
            what = "writing 5,000 digit images" if phase == "data" else f"{phase}: {done:,} of {total:,} objects"
            bars[phase].progress(done / total if total else 0.0, text=what)

        info = run_guided(progress=progress, reset=True)
        status.update(label=f"Walkthrough finished in {info.seconds:.0f} s", state="complete", expanded=False)
    _guided.clear()
    # Widgets already drawn this run own their keys: hand the choice to the next run.
    st.session_state["after_experiment"] = list(info.walkthrough.jobs)


def default_jobs(jobs: list[Job]) -> list[str]:
    """A finished auto-labeling job and a finished job of the same size without it, if any."""
    done = [j for j in jobs if j.status == "Completed"]
    auto = [j for j in done if j.counters.machine]
    if not auto:
        return [j.name for j in done[:2]]
    twin = [j for j in done if not j.counters.machine and j.counters.objects == auto[0].counters.objects]
    return [auto[0].name, *[j.name for j in twin[:1]]]


def own_data_experiment(ws) -> None:
    """The same three jobs on the workspace's own data (SageMaker or the demo), one step per visit."""
    st.markdown("**On your data**: pick a finished job as the template (task, labels, team, role); its input "
                "manifest is split in halves and the three jobs are launched as job 1 finishes.")
    try:
        done = [Job.from_summary(s) for s in ws.service.list_labeling_jobs(status="Completed")]
    except ServiceError as exc:
        st.caption(f"Jobs could not be listed: {exc}")
        return
    left, right = st.columns([2, 1])
    template = left.selectbox("Template job", [j.name for j in done], index=None, key="exp_template",
                              placeholder="A finished image or text classification job")
    name = right.text_input("Experiment name", key="exp_name", max_chars=40, placeholder="pretrained-test")
    if st.button("Start on this data", key="exp_start", disabled=not (template and name.strip()),
                 help=lead_only("launch")):
        try:  # it launches job 1 in the workspace: a lead's action, checked and audited
            exp = act("launch", {"experiment": name.strip(), "template": template},
                      lambda: start(ws, config_from_job(ws.service.describe_labeling_job(template)), name.strip()),
                      describe=lambda exp: {"jobs": ", ".join(exp.jobs)})
            st.success(f"Started {exp.jobs[0]} on half of {template}'s input manifest. Come back when it has "
                       "finished: jobs 2 and 3 start then.", icon=":material/rocket_launch:")
        except GroundControlError as exc:  # ExperimentError, LaunchError, ServiceError, StoreError, NotAllowed
            st.error(f"Not started: {exc}", icon=":material/error:")
    outputs = sorted({j.output_path for j in done if j.output_path})
    for output in outputs:
        try:
            names = experiments(ws, output)
        except StoreError:
            continue
        for exp_name in names:
            try:
                exp = load(ws, output, exp_name)
                before = list(exp.jobs)
                if can(identity(), "launch"):  # a lead's visit launches jobs 2 and 3 once job 1 has finished
                    exp = advance(ws, exp)
                if len(exp.jobs) > len(before):
                    audit_log().append(identity(), "launch", {"experiment": exp_name, "step": "jobs 2 and 3"},
                                       {"outcome": "done", "jobs": ", ".join(exp.jobs[len(before):])})
            except (ExperimentError, LaunchError, StoreError) as exc:
                st.warning(f"{exp_name}: {exc}", icon=":material/warning:")
                continue
            st.caption(f"**{exp.name}**: {exp.stage} · jobs: {', '.join(exp.jobs)}")
            if len(exp.jobs) == 3 and st.button(f"Compare {exp.name}'s jobs", key=f"exp_show_{exp.name}"):
                st.session_state["after_own_experiment"] = exp.jobs
                st.rerun()


def job_picker(ws) -> list[str]:
    try:
        jobs = [Job.from_summary(s) for s in ws.service.list_labeling_jobs()]
    except ServiceError as exc:
        st.error(f"Cannot list jobs: {exc}", icon=":material/error:")
        return []
    names = [j.name for j in jobs]
    fresh = "bench_jobs" not in st.session_state
    wanted = url_list("bench_jobs", param="jobs")
    if fresh and (unknown := [n for n in wanted if n not in names]):
        url_note("jobs", ", ".join(unknown), "there is no such job in this workspace")
    chosen = [n for n in wanted if n in names]
    st.session_state["bench_jobs"] = chosen or (default_jobs(jobs) if fresh else [])
    return st.multiselect("Jobs to compare", names, key="bench_jobs", placeholder="Pick jobs")


def prices_sidebar() -> Prices:
    with st.sidebar.expander("Prices", icon=":material/payments:"):
        st.caption("Ground Truth's fee is $0.08 per labeled object, human or machine. Instance prices are "
                   "on-demand estimates you can change; empty = the algorithm's instance at list price.")
        train = st.number_input("Training, USD per hour", 0.0, 100.0, value=None, key="train_price")
        infer = st.number_input("Inference, USD per hour", 0.0, 100.0, value=None, key="infer_price")
        hours = st.number_input("Hours per auto-labeling round (each)", 0.0, 24.0, value=0.25, key="round_hours")
    return Prices(train_per_hour=train, infer_per_hour=infer, train_hours_per_round=hours,
                  infer_hours_per_round=hours)


def gold_sidebar(ws) -> dict[str, str] | None:
    with st.sidebar.expander("Accuracy against", icon=":material/verified:"):
        uri = st.text_input("Gold file (CSV, JSON, or a trusted job's output manifest)", key="bench_gold",
                            placeholder="s3://bucket/gold.csv")
    if not uri.strip():
        return None
    try:
        return read_gold(uri.strip(), ws.open(uri.strip()).read())
    except (GoldError, StoreError) as exc:
        st.sidebar.error(str(exc), icon=":material/error:")
        return None


@st.cache_data(ttl=60, show_spinner=False, max_entries=16)
def _runs(key: tuple, names: tuple[str, ...], _ws):
    return [load_job(_ws, name) for name in names]


def charts(runs, prices: Prices) -> None:
    per_iteration = []
    for run in runs:
        df = iterations(run, prices)
        if not df.empty:
            per_iteration.append(df.assign(job=run.name))
    if per_iteration:
        st.subheader("Per iteration")
        frame = pd.concat(per_iteration)
        long = frame.melt(id_vars=["job", "iteration"], value_vars=["human", "machine"], var_name="by",
                          value_name="labels")
        st.altair_chart(alt.Chart(long).mark_bar().encode(
            x=alt.X("iteration:O", title="Iteration"), y=alt.Y("labels:Q", stack="zero", title="Objects labeled"),
            color=alt.Color("by:N", title="Labeled by", scale=alt.Scale(range=["#4c78a8", "#72b7b2"])),
            column=alt.Column("job:N", title=None), tooltip=["job", "iteration", "by", "labels"],
        ).properties(width=220, height=200), width="content")
        st.altair_chart(alt.Chart(frame).mark_line(point=True).encode(
            x=alt.X("iteration:O", title="Iteration"), y=alt.Y("cumulative_cost:Q", title="Cost so far (USD)"),
            color=alt.Color("job:N", title="Job"), tooltip=["job", "iteration", "cost", "cumulative_cost"],
        ).properties(height=220), width="stretch")
    curves = [run.validation.assign(job=run.name) for run in runs if run.validation is not None]
    if curves:
        st.subheader("The model's validation accuracy")
        curve = pd.concat(curves)
        line = alt.Chart(curve).mark_line(point=True).encode(
            x=alt.X("iteration:O", title="Iteration"), y=alt.Y("value:Q", title="Validation accuracy",
                                                                scale=alt.Scale(zero=False)),
            color=alt.Color("job:N", title="Job"), tooltip=["job", "iteration", "metric", "value"])
        target = alt.Chart(pd.DataFrame({"target": [0.95]})).mark_rule(strokeDash=[4, 4], color="#e45756").encode(
            y="target:Q")
        st.altair_chart(line + target, width="stretch")
        st.caption("The model's accuracy on the whole validation set, per auto-labeling round. Ground Truth "
                   "auto-labels only the objects whose confidence clears a threshold chosen so that those reach "
                   "the 95% target (dashed) for classification; the rest go to people.")


def main() -> None:
    st.title("Benchmark")
    st.markdown("What auto-labeling and a pre-trained model save: objects labeled by machine, cost, time and "
                "accuracy, side by side.")
    ws = workspace()
    if jobs := st.session_state.pop("after_experiment", None):
        st.session_state["bench_source"], st.session_state["bench_jobs"] = "experiment", jobs
    if jobs := st.session_state.pop("after_own_experiment", None):
        st.session_state["bench_source"], st.session_state["bench_jobs"] = "workspace", jobs
    choices = {"workspace": ws.label}
    if guided_built():
        choices["experiment"] = GUIDED_LABEL
    if url_state("bench_source", "workspace", param="src") not in choices:
        if st.session_state["bench_source"] == "experiment":
            st.info("This link compares the guided experiment's jobs, which has not been run on this computer: "
                    "run it below to see them.", icon=":material/science:")
        st.session_state["bench_source"] = "workspace"
    source = st.radio("Jobs from", list(choices), format_func=choices.get, horizontal=True, key="bench_source")
    target = _guided(str(guided_dir())) if source == "experiment" else ws
    with st.expander("Guided experiment: does starting from an earlier model pay off?",
                     icon=":material/science:", expanded=source != "experiment"):
        st.markdown("AWS's walkthrough: split a data set in halves; **job 1** auto-labels half 1 and leaves a "
                    "trained model; **job 2** labels half 2 starting from that model; **job 3** labels half 2 "
                    "without it. Here it runs on the simulator with 5,000 handwritten digits: 12 to 51 seconds on a "
                    "shared 2-core machine.")
        if st.button("Run the walkthrough", icon=":material/play_arrow:", key="run_experiment",
                     help=lead_only("launch")):
            try:  # three jobs on the simulator, a minute of the server's CPU: for leads
                act("launch", {"experiment": "the walkthrough on the simulator"}, run_experiment)
            except GroundControlError as exc:
                st.error(f"Not started: {exc}", icon=":material/error:")
            else:
                st.rerun()
        st.divider()
        own_data_experiment(ws)
    names = job_picker(target)
    sync_url(jobs=names, src=None if source == "workspace" else source)
    prices = prices_sidebar()
    gold = gold_sidebar(target)
    if not names:
        st.info("Pick jobs to compare, or run the guided experiment.", icon=":material/checklist:")
        return
    try:
        runs = _runs((workspace_key(), source, tuple(names)), tuple(names), target)
    except (ServiceError, StoreError) as exc:
        st.error(f"Cannot read the jobs: {exc}", icon=":material/error:")
        return
    table = compare(runs, gold=gold, prices=prices)
    pair = verdict_pair(table)
    if pair:
        st.success(verdict(*pair), icon=":material/lightbulb:")
    headline = table.set_index("job")[HEADLINE]
    cols = st.columns(len(runs))
    for col, (name, row) in zip(cols, headline.iterrows(), strict=True):
        col.metric(name, f"{row['machine_share']:.0%}" if pd.notna(row["machine_share"]) else "—",
                   help="Share of the labeled objects labeled by machine")
        col.caption(f"{int(row['machine_labeled']):,} of {int(row['objects']):,} objects by machine · "
                    f"${row['total_cost']:,.2f}")
    st.dataframe(summary_table(table), width="stretch")
    said: dict[tuple[str, str], list[str]] = {}
    for found in findings(table):  # the same finding for many jobs is shown once
        said.setdefault((found.kind, found.text), []).append(found.job)
    for (kind, text), jobs in said.items():
        if kind == "mismatch":
            st.warning(f"{', '.join(jobs)}: the job's counters and its files disagree: {text}",
                       icon=":material/warning:")
        else:
            st.info(f"{', '.join(jobs)}: {text}", icon=":material/info:")
    charts(runs, prices)
    st.download_button("Download the comparison (CSV)", lambda: table.to_csv(index=False), file_name="benchmark.csv",
                       mime="text/csv", icon=":material/download:")


main()
