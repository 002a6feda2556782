"""Launch: from an input manifest to a running, correctly configured labeling job."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from app_pages._access import act, lead_only
from app_pages._shared import problem_list, show_error, sync_url, url_choice, url_state, workspace, workspace_key
from core.errors import GroundControlError, Problem
from core.gt import tasks
from core.gt.service import ServiceError
from core.launch import (
    LaunchConfig,
    boto3_snippet,
    build_request,
    config_cost,
    launch,
    objects_to_send,
    problems,
    request_json,
    task_facts,
    workspace_region,
    workteam_options,
)
from core.storage import StoreError

DEMO_ROLE = "arn:aws:iam::123456789012:role/GroundControlLabeling"
DEFAULT_LABELS = {"ImageMultiClass": "cat\ndog", "BoundingBox": "car\nperson"}
# The demo's data sets: handwritten digits and drawn shapes (core.sim.datasets).
DEMO_LABELS = {"ImageMultiClass": "\n".join(map(str, range(10))), "BoundingBox": "circle\nsquare\ntriangle"}


def task_defaults(kind: str, task: tasks.TaskType) -> dict:
    """What belongs to a task type, by widget key: labels, instructions, workers, time limit, auto-labeling."""
    labels = (DEMO_LABELS if kind == "demo" else DEFAULT_LABELS).get(task.name, "")
    return {"labels_in": labels, "short_in": "", "full_in": "", "workers_in": task.default_workers,
            "limit_in": min(300, task.max_task_seconds), "auto_in": False, "model_in": ""}


def _task_changed() -> None:
    """A new task type starts from its own defaults, not the last task's labels and options. Set,
    not deleted: the browser keeps a widget's shown value unless the session sets a new one."""
    st.session_state.update(task_defaults(workspace().kind, tasks.task(st.session_state["task"])))


def task_picker(region: str) -> tasks.TaskType:
    names = [t.name for t in tasks.TASKS]
    url_choice("task", names, "ImageMultiClass", "task type")
    name = st.selectbox("Task type", names, key="task", format_func=lambda n: f"{tasks.task(n).title} ({n})",
                        on_change=_task_changed)
    task = tasks.task(name)
    with st.expander("What this task type needs", icon=":material/info:"):
        st.table(pd.DataFrame(task_facts(task, region), columns=["", "In " + region]).set_index(""))
    return task


@st.cache_data(ttl=60, show_spinner=False)
def _manifest(uri: str, ws_key: tuple) -> bytes | None:
    try:
        return workspace().open(uri).read()
    except StoreError:
        return None


def lines_of(text: str) -> tuple[str, ...]:
    return tuple(dict.fromkeys(x.strip() for x in text.splitlines() if x.strip()))


def team_picker(region: str, task: tasks.TaskType) -> str:
    try:
        teams = workspace().service.list_workteams()
    except ServiceError as exc:
        st.warning(f"Work teams could not be listed ({exc}); paste the ARN.", icon=":material/warning:")
        teams = []
    options = workteam_options(teams, region, include_public=True)
    labels = [label for label, _ in options] + ["Another team (paste the ARN)"]
    chosen = st.selectbox("Work team", labels, key="team_choice")
    if chosen == labels[-1]:
        return st.text_input("Work team ARN", key="team_arn",
                             placeholder="arn:aws:sagemaker:<region>:<account>:workteam/private-crowd/<team>")
    return dict(options)[chosen]


def settings_form(ws, region: str, task: tasks.TaskType) -> tuple[LaunchConfig | None, bytes | None]:
    st.subheader("Data")
    manifest_uri = st.text_input("Input manifest", value=url_state("manifest", ""), key="manifest_in",
                                 placeholder="s3://bucket/manifests/batch-1.manifest",
                                 help="Build one on the Manifests page.")
    output = st.text_input("Output path (S3OutputPath)", value=url_state("output", ws.output_uri), key="output_in",
                           placeholder="s3://bucket/labeling-jobs/")
    left, right = st.columns(2)
    name = left.text_input("Job name", value=url_state("name", ""), key="name_in", max_chars=63,
                           help="Letters, digits and hyphens; unique in the account and region (any case).")
    attribute = right.text_input("Label attribute name", key="attribute_in",
                                 placeholder="the job name" + ("-ref" if task.label_ref else ""),
                                 help="The key the labels get in the output manifest. Reusing an attribute the "
                                      "manifest already has continues it: only objects without it are sent.")
    sync_url(task=task.name, manifest=manifest_uri.strip() or None, output=output.strip() or None,
             name=name.strip() or None)

    st.subheader("Labels and instructions")
    for key, value in task_defaults(ws.kind, task).items():  # the widgets below take them from here
        st.session_state.setdefault(key, value)
    labels = lines_of(st.text_area("Labels, one per line", key="labels_in", height=120))
    short = st.text_input("Short instructions", key="short_in", placeholder="What to do, in one sentence")
    full = st.text_area("Full instructions (optional)", key="full_in", height=80)

    st.subheader("Workers")
    team = team_picker(region, task)
    left, mid, right = st.columns(3)
    workers = left.number_input("Workers per object", 1, 9, key="workers_in")
    limit = mid.number_input("Task time limit (s)", 30, task.max_task_seconds, key="limit_in")
    concurrent = right.number_input("Max concurrent tasks", 1, 5000, value=1000, key="concurrent_in")
    public_price = None
    if ":workteam/public-crowd/" in (team or ""):
        public_price = st.number_input("Price per task and worker (USD)", 0.012, 1.2, value=0.036, step=0.012,
                                       format="%.3f", key="price_in")

    st.subheader("Auto-labeling")
    auto = st.toggle("Let Ground Truth label part of the data with a model", key="auto_in",
                     disabled=task.algorithm is None,
                     help="Image and text classification, bounding boxes, semantic segmentation.")
    model = st.text_input("Start from a pre-trained model (optional)", key="model_in", disabled=not auto,
                          placeholder="arn:aws:sagemaker:<region>:<account>:model/...")
    with st.expander("Role and tags"):
        role = st.text_input("IAM role Ground Truth assumes", key="role_in",
                             value=DEMO_ROLE if ws.kind == "demo" else "",
                             placeholder="arn:aws:iam::<account>:role/<role>")
        tag_text = st.text_area("Tags, one key=value per line", key="tags_in", height=80)
    tags = dict(line.split("=", 1) for line in lines_of(tag_text) if "=" in line)
    data = _manifest(manifest_uri.strip(), workspace_key()) if manifest_uri.strip() else None
    if not name.strip() or not manifest_uri.strip():
        st.info("Enter a job name and an input manifest to see the request, its cost and any problem.",
                icon=":material/edit_note:")
        return None, data
    config = LaunchConfig(
        job_name=name.strip(), task_type=task.name, manifest=manifest_uri.strip(), output=output.strip(),
        role=role.strip(), workteam=(team or "").strip(), labels=labels, label_attribute=attribute.strip() or None,
        short_instructions=short.strip(), full_instructions=full.strip(), workers_per_object=int(workers),
        task_time_limit_s=int(limit), max_concurrent_tasks=int(concurrent), auto_labeling=auto,
        pretrained_model=model.strip() or None if auto else None, public_price_usd=public_price,
        tags={k.strip(): v.strip() for k, v in tags.items()},
    )
    return config, data


def review(ws, config: LaunchConfig, data: bytes | None, region: str) -> None:
    st.subheader("Review")
    sent = len(objects_to_send(data, config.attribute)) if data else 0
    cost = config_cost(config, sent)
    cols = st.columns(3)
    cols[0].metric("Objects sent to workers", f"{sent:,}")
    cols[1].metric("Estimated cost", f"${cost.total_usd:,.2f}")
    cols[2].metric("Label attribute", config.attribute)
    st.caption("  \n".join(line.removeprefix("- ") for line in cost.lines()))  # one line each, no gaps
    found = problems(config, region)
    if data is None:  # the service would refuse it too, later and in its own words
        found.insert(0, Problem("manifest", f"{config.manifest} cannot be read: check the URI, or build one on "
                                            "the Manifests page"))
    if found:
        st.error("Fix these before launching:\n\n" + problem_list(found), icon=":material/error:")
    dry, go = st.columns([1, 1])
    if dry.button("Dry run", icon=":material/preview:", key="dry", disabled=bool(found)):
        request = build_request(config, region)
        st.caption("The exact create_labeling_job request:")
        st.code(request_json(request), language="json")
        st.caption("As a boto3 call:")
        st.code(boto3_snippet(request, region), language="python")
        st.download_button("Download the config (for `python -m core launch --config`)", config.dumps(),
                           file_name=f"{config.job_name}.json", mime="application/json")
    if go.button("Launch", type="primary", icon=":material/rocket_launch:", key="launch", disabled=bool(found),
                 help=lead_only("launch")):
        try:
            arn = act("launch", {"job": config.job_name, "task": config.task_type, "manifest": config.manifest,
                                 "output": config.output, "work team": config.workteam},
                      lambda: launch(config, ws), describe=lambda arn: {"arn": arn})
        except GroundControlError as exc:  # LaunchError, NotAllowed, AuditError
            show_error(exc, "Not launched")
            return
        st.success(f"Launched {arn}", icon=":material/rocket_launch:")
        st.page_link("app_pages/jobs.py", label="Watch it on the Jobs page", icon=":material/work_history:",
                     query_params={"job": config.job_name})


def main() -> None:
    st.title("Launch a labeling job")
    ws = workspace()
    region = workspace_region(ws) or "us-east-1"
    st.caption(f"{ws.label} · region {region}")
    if region not in tasks.REGION_ACCOUNTS:
        st.error(f"Ground Truth's built-in tasks are not known in {region}: no pre-annotation or consolidation "
                 f"function can be named there. Choose one of: {', '.join(sorted(tasks.REGION_ACCOUNTS))}.",
                 icon=":material/public_off:")
    task = task_picker(region)
    config, data = settings_form(ws, region, task)
    if config is not None:
        review(ws, config, data, region)


main()
