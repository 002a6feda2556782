"""The follow-up job that fixes chosen items of a finished job: a verification or an adjustment job
over exactly those objects, or a re-label of them (docs/ground-truth.md §8). A plan is a dry run:
the manifest it would read, the request checked like every launch, and the cost; `write_manifest`
then `core.launch.launch` start it through the one launch path.

Objects are datasetObjectIds, the line numbers of the job's input manifest; its output manifest
keeps those lines in the same order (§3, §8), so an audit reads the output lines (the label to
check is on them) and a re-label reads the input lines (no label, so everything is asked again).
"""

from __future__ import annotations

import hashlib
import posixpath
from dataclasses import dataclass, field, replace
from typing import Any

from .chaining import ChainError, chain_manifest_uri, config_from_job, free_name
from .errors import GroundControlError, Problem
from .gt.job import Job
from .gt.service import ServiceError
from .launch import LaunchConfig, build_request, workspace_region
from .launch.cost import Cost
from .launch.request import config_cost, problems
from .storage import ObjectExists, StoreError

KINDS = {"verify": "Verify the labels", "adjust": "Adjust the labels", "relabel": "Label again"}
# The audit task types of each task that has them (§8): verification, then adjustment.
AUDITS = {"BoundingBox": ("VerificationBoundingBox", "AdjustmentBoundingBox"),
          "SemanticSegmentation": ("VerificationSemanticSegmentation", "AdjustmentSemanticSegmentation")}
FOLDER = "ground-control-fixes"


class FixError(GroundControlError, ValueError):
    """No such follow-up job can be planned; the message says why in plain words."""


@dataclass(frozen=True)
class FixPlan:
    kind: str  # a key of KINDS
    parent: str
    config: LaunchConfig
    manifest_uri: str  # where the chosen lines are written (named by their content: the same choice, the same file)
    manifest: bytes
    objects: tuple[str, ...]
    cost: Cost
    request: dict[str, Any] | None  # None while there are problems
    problems: tuple[Problem, ...] = field(default=())

    def lines(self) -> list[str]:
        out = [f"{KINDS[self.kind]} of {len(self.objects):,} object(s) of {self.parent}: {self.config.job_name} "
               f"({self.config.task.title}), reading {self.manifest_uri}"]
        out += self.cost.lines()
        out += [f"Problem: {p}" for p in self.problems]
        return out


def fix_kinds(task_type: str) -> list[str]:
    """The follow-ups a job of this task type can have: audits where Ground Truth has them."""
    return (["verify", "adjust"] if task_type in AUDITS else []) + ["relabel"]


def _chosen_lines(manifest: bytes, objects: list[str], uri: str) -> bytes:
    lines = manifest.decode("utf-8").splitlines()
    picked = []
    for obj in objects:
        if not obj.isdigit() or int(obj) >= len(lines):
            raise FixError(f"object {obj} is not a line of {uri} ({len(lines):,} lines)")
        picked.append(lines[int(obj)])
    return ("\n".join(picked) + "\n").encode("utf-8")


def plan_fix(workspace: Any, job_name: str, objects: list[str], kind: str) -> FixPlan:
    """The dry run of `kind` (a key of KINDS) over `objects` of the finished job `job_name`."""
    if kind not in KINDS:
        raise FixError(f"a follow-up is one of {', '.join(KINDS)} (got {kind!r})")
    objects = list(dict.fromkeys(str(o) for o in objects))
    if not objects:
        raise FixError("choose at least one item")
    try:
        job = Job.from_description(workspace.service.describe_labeling_job(job_name))
        taken = {s["LabelingJobName"].lower() for s in workspace.service.list_labeling_jobs()}
    except ServiceError as exc:
        raise FixError(f"{job_name} is not a labeling job of this workspace, so its follow-up cannot be planned "
                       f"({exc})") from exc
    try:
        base = config_from_job(job)
        uri = chain_manifest_uri(job, "clone" if kind == "relabel" else "continue")
    except ChainError as exc:
        raise FixError(str(exc)) from exc
    if kind != "relabel" and base.task_type not in AUDITS:
        raise FixError(f"Ground Truth verifies and adjusts only bounding boxes and segmentation masks; {job_name} is "
                       f"{base.task.title.lower()}: label its items again instead")
    try:
        chosen = _chosen_lines(workspace.open(uri).read(), objects, uri)
    except StoreError as exc:
        raise FixError(f"cannot read {uri}: {exc}") from exc
    digest = hashlib.sha256(chosen).hexdigest()[:12]
    manifest_uri = posixpath.join(base.output.rstrip("/"), FOLDER, f"{job_name}-{kind}-{digest}.manifest")
    config = _config(base, job, kind, manifest_uri, free_name(job_name, kind, taken))
    region = workspace_region(workspace)
    found = tuple(problems(config, region))
    request = None if found else build_request(config, region)
    return FixPlan(kind, job_name, config, manifest_uri, chosen, tuple(objects), config_cost(config, len(objects)),
                   request, found)


def _config(base: LaunchConfig, job: Job, kind: str, manifest_uri: str, name: str) -> LaunchConfig:
    """The parent's settings (team, role, labels, price), for a job that only people do: no
    auto-labeling and no stopping short of the chosen objects."""
    tags = {**base.tags, "ground-control:fixes": job.name}
    common = dict(job_name=name, manifest=manifest_uri, auto_labeling=False, pretrained_model=None,
                  max_human_labeled=None, max_percent_labeled=None, tags=tags)
    if kind == "relabel":
        return replace(base, **common)
    verify, adjust = AUDITS[base.task_type]
    task = verify if kind == "verify" else adjust
    # A new task type: its own worker template and default workers per object (§8, §9).
    return replace(base, **common, task_type=task, audit_attribute=job.attribute, label_attribute=None,
                   ui_template=None, workers_per_object=None, title="", description="")


def write_manifest(workspace: Any, plan: FixPlan) -> str:
    """Write the plan's manifest, never over another object: the same choice is the same file
    (named by its content), kept as it is."""
    try:
        where = workspace.open(plan.manifest_uri)
        where.store.put(where.prefix, plan.manifest)  # refuses to replace an object: ObjectExists
    except ObjectExists:
        if where.read() != plan.manifest:
            raise FixError(f"{plan.manifest_uri} already exists with other lines; nothing was written") from None
    except StoreError as exc:
        raise FixError(f"cannot write {plan.manifest_uri}: {exc}") from exc
    return plan.manifest_uri
