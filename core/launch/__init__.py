"""Launching a labeling job: the page's choices (LaunchConfig) -> checked request -> files -> service.

    config.py     LaunchConfig and its JSON file
    request.py    build_request, problems, request_json, boto3_snippet, task facts
    templates.py  the label category file and the worker template
    cost.py       estimate_cost (§9)

`launch` checks everything first (nothing is written or called while a problem remains), writes the
label category file and worker template next to the output without overwriting anything, then
calls the labeling service and turns its refusals into plain words on the field to fix.
"""

from __future__ import annotations

import re
from typing import Any

from ..errors import GroundControlError, Problem
from ..gt.service import ServiceError
from ..storage import Location, ObjectExists, StoreError
from .config import ConfigError, LaunchConfig, workteam_region
from .cost import Cost, estimate_cost
from .request import (
    CONFIG_FIELD,
    boto3_snippet,
    build_request,
    config_cost,
    config_field,
    generated_files,
    objects_to_send,
    problems,
    public_workteam_arn,
    request_json,
    task_facts,
    workteam_options,
)
from .templates import label_category_file, worker_template

__all__ = [
    "ConfigError", "Cost", "LaunchConfig", "LaunchError", "boto3_snippet", "build_request", "config_cost",
    "config_field", "estimate_cost", "explain_service_error", "label_category_file", "launch", "objects_to_send",
    "prepare_inputs", "problems", "public_workteam_arn", "request_json", "task_facts", "worker_template",
    "workspace_region", "workteam_options", "workteam_region",
]


class LaunchError(GroundControlError):
    """Nothing was launched; `problems` says why, each on the config field to fix."""

    def __init__(self, problems: list[Problem]):
        super().__init__("\n".join(str(p) for p in problems), problems=problems)


def workspace_region(workspace: Any) -> str | None:
    """The region a workspace's labeling service works in (the simulator's, or boto3's)."""
    service = workspace.service
    settings = getattr(service, "settings", None)
    if settings is not None and hasattr(settings, "profile"):  # SageMaker through boto3
        from ..aws import _session

        return settings.region or _session(settings.profile, settings.region).region_name
    return getattr(service, "region", None)


def prepare_inputs(config: LaunchConfig, open_uri) -> dict[str, str]:
    """Write the generated label category file and worker template (core.launch.request.generated_files)
    with conditional writes: the same bytes already there are fine; different bytes are never
    overwritten (LaunchError). Returns {"labels"|"template": uri} of the files written or found."""
    written = {}
    for kind, (uri, data) in generated_files(config).items():
        what = "label category file" if kind == "labels" else "worker template"
        try:
            location: Location = open_uri(uri)
            try:
                location.store.put(location.prefix, data)
            except ObjectExists:
                if location.store.get(location.prefix) != data:
                    raise LaunchError([Problem("job_name", f"{uri} already holds a different {what} (from an earlier "
                                                           "launch of this job name); nothing was overwritten: "
                                                           "choose another job name, or delete that file")]) from None
        except StoreError as exc:
            raise LaunchError([Problem("output", f"cannot write the {what} to {uri}: {exc}")]) from exc
        written[kind] = uri
    return written


def launch(config: LaunchConfig, workspace: Any) -> str:
    """Check, write the job's files, start the job; returns its ARN. `workspace` needs `open`
    (URI -> Location) and `service` (a LabelingService), as core.workspace.Workspace has."""
    region = workspace_region(workspace)
    found = problems(config, region)
    if found:
        raise LaunchError(found)
    request = build_request(config, region)
    prepare_inputs(config, workspace.open)
    try:
        return workspace.service.create_labeling_job(request)
    except ServiceError as exc:
        raise LaunchError(explain_service_error(exc, request)) from exc


# What a service message talks about, when it names no request field (first match wins).
_TOPICS = (
    (re.compile(r"\brole\b", re.I), "role"),
    (re.compile(r"work ?team", re.I), "workteam"),
    (re.compile(r"label category", re.I), "labels"),
    (re.compile(r"input manifest|manifest", re.I), "manifest"),
    (re.compile(r"output location|output path", re.I), "output"),
    (re.compile(r"automated data labeling|auto-?labeling|active learning", re.I), "auto_labeling"),
    (re.compile(r"simulator runs|task type", re.I), "task_type"),
)


def explain_service_error(exc: ServiceError, request: dict[str, Any] | None = None) -> list[Problem]:
    """A service refusal in plain words, on the config field it is about."""
    code, message = exc.code, exc.message.strip()
    if code in ("ResourceInUse", "ResourceInUseException"):
        return [Problem("job_name", "a labeling job with this name already exists in this account and region (names "
                                    f"are unique, ignoring case): choose another name. The service said: {message}")]
    if code in ("ResourceLimitExceeded", "ResourceLimitExceededException"):
        return [Problem("job", f"an account limit was reached (for example, running labeling jobs): wait for a job to "
                               f"end or ask AWS for a higher limit. The service said: {message}")]
    if exc.unreachable:
        return [Problem("workspace", f"AWS could not be reached ({code}): check the profile, region and network. "
                                     f"{message}")]
    if code in ("AccessDeniedException", "AccessDenied"):
        return [Problem("role", "access denied: your AWS identity needs sagemaker:CreateLabelingJob and iam:PassRole "
                                f"on this role. The service said: {message}")]
    return [_explain_part(part, request) for part in _parts(message)]


def _parts(message: str) -> list[str]:
    # core.gt.rules-style messages ("Field: problem; Field: problem") name one field each.
    parts = [p.strip() for p in message.split("; ")] if re.match(r"^[A-Z][\w.\[\]]*: ", message) else [message]
    return [p for p in parts if p] or [message]


def _explain_part(part: str, request: dict[str, Any] | None) -> Problem:
    m = re.match(r"^(?P<path>[A-Z][\w.\[\]]*): (?P<rest>.+)$", part, re.S)
    if m and m["path"].split("[")[0].split(".")[0] in {k.split(".")[0] for k in CONFIG_FIELD} | {"HumanTaskConfig"}:
        return Problem(config_field(m["path"], request), m["rest"])
    for path in sorted(CONFIG_FIELD, key=len, reverse=True):
        if path.rsplit(".", 1)[-1] in part:
            return Problem(CONFIG_FIELD[path], f"the service refused it: {part}")
    for pattern, name in _TOPICS:
        if pattern.search(part):
            return Problem(name, f"the service refused it: {part}")
    return Problem("request", f"the service refused the job: {part}")

