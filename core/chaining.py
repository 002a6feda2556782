"""Chaining: a new job from an earlier one (docs/ground-truth.md §8).

- continue: the same LabelAttributeName on the parent's OUTPUT manifest; Ground Truth sends only
  the objects without that attribute (unlabeled and failed ones), so nothing is labeled twice.
- new layer: a new attribute on the parent's output manifest; every object is sent.
- clone: the parent's INPUT manifest and settings, as a fresh job.

Auto-labeling on the same attribute reuses the parent's model when the parent auto-labeled (§8); a
pre-trained model is another job's FinalActiveLearningModelArn, present only for jobs that trained
one. `plan_chain` works on data (describe_labeling_job responses, manifest bytes) and `plan_in`
fetches that data from a workspace; neither launches anything (core.launch.launch does).
"""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from .errors import GroundControlError, Problem
from .gt import tasks
from .gt.errors import BadFile
from .gt.job import Job, as_job
from .gt.manifest import read_manifest
from .gt.rules import NAME
from .gt.service import ServiceError
from .launch import LaunchConfig, build_request, config_cost, problems
from .launch.cost import Cost, price_of
from .launch.request import objects_to_send
from .storage import StoreError

MODES = ("continue", "new-layer", "clone")
MAX_NAME = 63  # LabelingJobName (§6)
_ATTRIBUTE = re.compile(NAME, re.ASCII)
_SUFFIX = re.compile(r"-(chain|clone)-\d+$")


class ChainError(GroundControlError, ValueError):
    """The chain cannot be planned as asked; the message says why and what to do."""


@dataclass(frozen=True)
class Counts:
    labeled: int
    unlabeled: int
    failed: int

    @property
    def total(self) -> int:
        return self.labeled + self.unlabeled + self.failed


def attribute_summary(manifest: bytes) -> dict[str, Counts]:
    """Per label attribute of an output manifest (§3): objects labeled (the attribute's key is on
    the line), failed (only `<attr>-metadata` with a failure-reason) and unlabeled (the rest,
    including lines that do not mention the attribute). Lines that are not JSON objects are not
    objects and are not counted."""
    parsed = read_manifest(manifest)
    objects = _objects(parsed)
    by_status: dict[str, Counter] = {}
    for entry in parsed.labels:
        by_status.setdefault(entry.attribute, Counter())[entry.status] += 1
    return {attr: Counts(labeled=c["labeled"], failed=c["failed"], unlabeled=objects - c["labeled"] - c["failed"])
            for attr, c in sorted(by_status.items())}


def _objects(parsed) -> int:
    """Lines that are JSON objects (read_manifest notes the others as "line N: ...")."""
    bad = {note.split(":", 1)[0] for note in parsed.notes if note.startswith("line ")}
    return len(parsed.sources) - len(bad)


def output_manifest_uri(job: Job | Mapping[str, Any]) -> str | None:
    """The job's output manifest: LabelingJobOutput's, else where Ground Truth writes it (§8, S11);
    None while the job has written nothing."""
    return as_job(job).expected_output_manifest


def chain_manifest_uri(job: Job | Mapping[str, Any], mode: str) -> str:
    """The manifest a chained job reads: the parent's output (continue, new layer) or input (clone)."""
    _check_mode(mode)
    job = as_job(job)
    if job.input_manifest is None:
        raise ChainError(f"{job.name} is a streaming job: chain it through its SNS topics instead")
    if mode == "clone":
        return job.input_manifest
    if job.active:
        raise ChainError(f"{job.name} is still {job.status}: its output manifest is not final, so chaining "
                         "now would send objects it is still labeling. Stop it or wait until it ends (or clone it)")
    uri = job.expected_output_manifest
    if uri is None:
        raise ChainError(f"{job.name} has no output manifest yet ({job.status})")
    return uri


def _check_mode(mode: str) -> None:
    if mode not in MODES:
        raise ChainError(f"mode must be one of {', '.join(MODES)} (got {mode!r})")


# --- a config from a described job ------------------------------------------------------------------------


def config_from_job(job: Job | Mapping[str, Any]) -> LaunchConfig:
    """The LaunchConfig that would create this job again (its label file and template reused). The
    settings only a new request needs (role, keywords, UI, tags...) are read from the description."""
    job = as_job(job)
    if job.task is None:
        raise ChainError(f"{job.name} runs custom Lambda functions, not a Ground Truth task type: "
                         "Ground Control cannot rebuild it")
    raw, htc = job.description, job.description["HumanTaskConfig"]
    return LaunchConfig(
        job_name=job.name,
        task_type=job.task.name,
        manifest=job.input_manifest,
        output=job.output_path,
        role=raw["RoleArn"],
        workteam=job.workteam,
        label_category_uri=raw.get("LabelCategoryConfigS3Uri"),
        label_attribute=job.attribute,
        region=job.arn.split(":")[3] if job.arn else None,
        title=htc.get("TaskTitle", ""),
        description=htc.get("TaskDescription", ""),
        keywords=tuple(htc.get("TaskKeywords") or ()),
        workers_per_object=job.workers_per_object,
        task_time_limit_s=job.task_time_limit_s,
        task_availability_s=htc.get("TaskAvailabilityLifetimeInSeconds"),
        max_concurrent_tasks=htc.get("MaxConcurrentTaskCount"),
        auto_labeling=job.auto_labeling,
        pretrained_model=job.initial_model,
        public_price_usd=float(price_of(job.price)) if job.price else None,
        ui_template=(htc.get("UiConfig") or {}).get("UiTemplateS3Uri"),
        tags={t["Key"]: t["Value"] for t in raw.get("Tags") or ()},
        max_human_labeled=job.stopping.get("MaxHumanLabeledObjectCount"),
        max_percent_labeled=job.stopping.get("MaxPercentageOfInputDatasetLabeled"),
        content_classifiers=tuple((raw["InputConfig"].get("DataAttributes") or {}).get("ContentClassifiers") or ()),
    )


def chain_name(parent: str, mode: str, existing: list[str] | tuple[str, ...] = ()) -> str:
    """`<parent>-chain-N` (`-clone-N` for clones) with the first N free among `existing` (names are
    unique ignoring case, §6); a parent's own -chain-N suffix is not repeated."""
    taken = {n.lower() for n in existing} | {parent.lower()}
    return free_name(_SUFFIX.sub("", parent), "clone" if mode == "clone" else "chain", taken)


def free_name(base: str, kind: str, taken: set[str]) -> str:
    """`<base>-<kind>-N` with the first N whose name (lower case) is not in `taken`, within the
    63-character limit of a job name (§6)."""
    n = 1
    while True:
        suffix = f"-{kind}-{n}"
        name = base[: MAX_NAME - len(suffix)].rstrip("-") + suffix
        if name.lower() not in taken:
            return name
        n += 1


# --- the plan ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ChainPlan:
    mode: str
    parent: str
    config: LaunchConfig
    request: dict[str, Any] | None  # None while `problems` has a region problem
    manifest_uri: str  # what the new job reads
    summary: dict[str, Counts]  # per attribute of that manifest
    objects: int  # lines in that manifest
    sent_lines: tuple[int, ...]  # 0-based lines the new job sends to workers
    cost: Cost
    notes: tuple[str, ...]
    problems: tuple[Problem, ...] = field(default=())

    @property
    def objects_to_send(self) -> int:
        return len(self.sent_lines)

    def lines(self) -> list[str]:
        """The plan in plain words: what is read, per attribute, what is sent, the cost, the notes."""
        out = [f"{self.mode} {self.parent} as {self.config.job_name}: reads {self.manifest_uri}"]
        for attr, c in self.summary.items():
            out.append(f"  {attr}: {c.labeled:,} labeled, {c.unlabeled:,} unlabeled, {c.failed:,} failed")
        out.append(f"Sends {self.objects_to_send:,} of {self.objects:,} objects under {self.config.attribute}")
        out += self.cost.lines()
        out += [f"Note: {n}" for n in self.notes]
        out += [f"Problem: {p}" for p in self.problems]
        return out


def plan_chain(job: Job | Mapping[str, Any], manifest: bytes, mode: str, new_attribute: str | None = None,
               auto_labeling: bool | None = None, pretrained_from: Job | Mapping[str, Any] | None = None,
               name: str | None = None, existing_names: list[str] | tuple[str, ...] = ()) -> ChainPlan:
    """The chained job from `job` (describe_labeling_job). `manifest` is the manifest it will read:
    the parent's output manifest for continue and new-layer, its input manifest for clone (see
    chain_manifest_uri). `auto_labeling` None keeps the parent's choice; `pretrained_from` is the
    described job whose FinalActiveLearningModelArn starts auto-labeling."""
    _check_mode(mode)
    job = as_job(job)
    parent = job.name
    manifest_uri = chain_manifest_uri(job, mode)
    base = config_from_job(job)
    try:
        summary = attribute_summary(manifest)
    except BadFile as exc:
        raise ChainError(f"{manifest_uri} cannot be read as a manifest: {exc}") from exc
    notes: list[str] = []
    job_name = name or chain_name(parent, mode, existing_names)
    attribute = _attribute(base, mode, new_attribute, summary, job_name)
    auto = base.auto_labeling if auto_labeling is None else auto_labeling
    pretrained = None
    if pretrained_from is not None:
        donor = as_job(pretrained_from)
        pretrained = donor.final_model
        if not pretrained:
            raise ChainError(f"{donor.name} has no FinalActiveLearningModelArn: only "
                             "auto-labeling jobs that trained a model have one")
        if auto_labeling is False:
            raise ChainError("a pre-trained model starts auto-labeling: it cannot be used with auto-labeling off")
        auto = True
        notes.append(f"auto-labeling starts from the model of {donor.name}: {pretrained}")
    elif mode != "clone" and auto and attribute == base.attribute and base.auto_labeling:
        notes.append("auto-labeling with the same attribute reuses the earlier job's model")
    config = base.with_changes(
        job_name=job_name,
        manifest=manifest_uri,
        label_attribute=attribute,
        auto_labeling=auto,
        pretrained_model=pretrained if pretrained_from is not None else (base.pretrained_model if auto else None),
        max_human_labeled=None if mode != "clone" else base.max_human_labeled,
        max_percent_labeled=None if mode != "clone" else base.max_percent_labeled,
    )
    dropped = _not_carried(job)
    if dropped:
        notes.append(f"{parent}'s {', '.join(dropped)} cannot be set here and are not carried over: the new job runs "
                     "without them (add them to the request yourself if they matter, e.g. through the boto3 snippet)")
    if mode != "clone" and (base.max_human_labeled or base.max_percent_labeled):
        notes.append(f"{parent}'s stopping conditions are not carried over")
    sent = tuple(objects_to_send(manifest, attribute))
    objects = _objects(read_manifest(manifest))
    if not sent:
        notes.append(f"every object already has {attribute}: the job would send nothing")
    elif mode == "continue":
        notes.append(f"only objects without {attribute} are sent: the {objects - len(sent):,} labeled by earlier jobs "
                     "keep their labels")
    found = problems(config)
    try:
        request = build_request(config)
    except (ValueError, tasks.UnsupportedRegion):
        request = None
    return ChainPlan(mode=mode, parent=parent, config=config, request=request, manifest_uri=config.manifest,
                     summary=summary, objects=objects, sent_lines=sent, cost=config_cost(config, len(sent)),
                     notes=tuple(notes), problems=tuple(found))


def _not_carried(job: Job) -> list[str]:
    """Settings of the parent that a LaunchConfig has no field for."""
    output = job.description.get("OutputConfig") or {}
    algorithms = job.description.get("LabelingJobAlgorithmsConfig") or {}
    found = {
        "OutputConfig.KmsKeyId (output encryption key)": output.get("KmsKeyId"),
        "OutputConfig.SnsTopicArn (output topic)": output.get("SnsTopicArn"),
        "LabelingJobAlgorithmsConfig.LabelingJobResourceConfig (auto-labeling volume key, VPC)":
            algorithms.get("LabelingJobResourceConfig"),
    }
    return [name for name, value in found.items() if value]


def _attribute(base: LaunchConfig, mode: str, new_attribute: str | None, summary: dict[str, Counts],
               job_name: str) -> str:
    if mode == "continue":
        if new_attribute and new_attribute != base.attribute:
            raise ChainError(f"continue keeps the attribute {base.attribute}; a new attribute is a new layer")
        return base.attribute
    if mode == "clone":
        return new_attribute or base.attribute
    # Default: the new job's name (the console's default when chaining a completed job, §8), -ref rule applied.
    attribute = new_attribute or base.with_changes(job_name=job_name, label_attribute=None).attribute
    if not _ATTRIBUTE.fullmatch(attribute) or len(attribute) > 127:
        raise ChainError(f"{attribute!r} is not a label attribute name: 1 to 127 letters, digits and hyphens, "
                         "starting and ending with a letter or digit")
    if attribute in summary:
        raise ChainError(f"{attribute} is already in the manifest ({summary[attribute].labeled:,} labeled): a new "
                         "layer needs a new name; to label what is left under it, continue instead")
    return attribute


# --- from a workspace -------------------------------------------------------------------------------------


def plan_in(workspace: Any, job_name: str, mode: str, new_attribute: str | None = None,
            auto_labeling: bool | None = None, pretrained_from: str | None = None,
            name: str | None = None) -> ChainPlan:
    """plan_chain with its data fetched from a workspace (service and store)."""
    try:
        job = Job.from_description(workspace.service.describe_labeling_job(job_name))
        donor = workspace.service.describe_labeling_job(pretrained_from) if pretrained_from else None
        summaries = workspace.service.list_labeling_jobs()
    except ServiceError as exc:
        raise ChainError(str(exc)) from exc
    uri = chain_manifest_uri(job, mode)
    try:
        manifest = workspace.open(uri).read()
    except StoreError as exc:
        raise ChainError(f"cannot read {uri}: {exc}") from exc
    others = [Job.from_summary(s) for s in summaries]
    plan = plan_chain(job, manifest, mode, new_attribute, auto_labeling, donor, name, [j.name for j in others])
    # Jobs already reading this manifest (list summaries carry InputConfig where the service gives it).
    readers = [j.name for j in others if j.name != job_name and j.input_manifest == uri]
    if readers and mode == "continue":
        note = (f"{', '.join(readers)} already read {uri}: if they continued {job_name}, continue from the last of "
                "them instead, or objects they labeled are labeled again")
        plan = replace(plan, notes=(note, *plan.notes))
    return plan


def plan_json(plan: ChainPlan) -> str:
    """The plan as JSON for machines (the request itself is core.launch.request_json's)."""
    return json.dumps({
        "mode": plan.mode, "parent": plan.parent, "job_name": plan.config.job_name, "manifest": plan.manifest_uri,
        "attribute": plan.config.attribute, "objects": plan.objects, "objects_to_send": plan.objects_to_send,
        "summary": {a: vars(c) for a, c in plan.summary.items()}, "cost_usd": str(plan.cost.total_usd),
        "notes": list(plan.notes), "problems": [str(p) for p in plan.problems],
    }, indent=2)
