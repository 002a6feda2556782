"""One reader of a labeling job's description: the `Job` value every page, the benchmark, chaining
and the command line use instead of digging into DescribeLabelingJob's nested keys (§6).

`Job.from_description` reads a describe_labeling_job response; `Job.from_summary` reads one item of
list_labeling_jobs, which lacks OutputConfig and HumanTaskConfig (those fields are then None). Both
shapes are botocore's, so SageMaker and the simulator give the same values.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from . import tasks
from .layout import OUTPUT_MANIFEST, job_folder
from .service import ACTIVE, FINISHED, WORKING


@dataclass(frozen=True)
class Counters:
    """LabelCounters (§6): TotalLabeled = human + machine; every object is labeled, failed or unlabeled."""

    human: int = 0
    machine: int = 0
    failed: int = 0
    unlabeled: int = 0
    total: int = 0  # TotalLabeled

    @classmethod
    def read(cls, counters: Mapping[str, Any] | None) -> Counters:
        c = counters or {}
        human, machine = c.get("HumanLabeled", 0), c.get("MachineLabeled", 0)
        return cls(human=human, machine=machine, failed=c.get("FailedNonRetryableError", 0),
                   unlabeled=c.get("Unlabeled", 0), total=c.get("TotalLabeled", human + machine))

    @property
    def objects(self) -> int:
        """Every object of the job: labeled, failed or still unlabeled."""
        return self.total + self.failed + self.unlabeled


@dataclass(frozen=True)
class Job:
    name: str
    status: str  # LabelingJobStatus
    task: tasks.TaskType | None  # the built-in task type; None for custom Lambdas
    counters: Counters
    created: datetime | None  # None only in hand-made descriptions: the service always gives both
    modified: datetime | None
    arn: str | None = None
    attribute: str | None = None  # LabelAttributeName
    input_manifest: str | None = None  # ManifestS3Uri; None for a streaming job (or a summary without it)
    output_path: str | None = None  # OutputConfig.S3OutputPath, as given
    output_manifest: str | None = None  # LabelingJobOutput.OutputDatasetS3Uri: None until written
    failure_reason: str | None = None
    workteam: str | None = None  # WorkteamArn
    workers_per_object: int | None = None
    task_time_limit_s: int | None = None
    title: str = ""
    task_description: str = ""
    price: Mapping[str, int] | None = None  # PublicWorkforceTaskPrice.AmountInUsd
    auto_labeling: bool = False  # LabelingJobAlgorithmsConfig given (§4)
    algorithm_arn: str | None = None  # LabelingJobAlgorithmSpecificationArn
    initial_model: str | None = None  # InitialActiveLearningModelArn: the model it started from (§8)
    final_model: str | None = None  # FinalActiveLearningModelArn: the model it trained
    stopping: Mapping[str, int] = field(default_factory=dict)  # StoppingConditions
    streaming: bool = False  # SnsDataSource instead of an input manifest
    description: Mapping[str, Any] = field(default_factory=dict, repr=False, compare=False)  # as read

    @classmethod
    def from_description(cls, d: Mapping[str, Any]) -> Job:
        """A describe_labeling_job response (SageMaker's or the simulator's) as a Job."""
        htc = d.get("HumanTaskConfig") or {}
        source = (d.get("InputConfig") or {}).get("DataSource") or {}
        algorithms = d.get("LabelingJobAlgorithmsConfig") or {}
        output = d.get("LabelingJobOutput") or {}
        return cls(
            name=d["LabelingJobName"], status=d.get("LabelingJobStatus") or "", task=_task(d),
            counters=Counters.read(d.get("LabelCounters")), created=d.get("CreationTime"),
            modified=d.get("LastModifiedTime"),
            arn=d.get("LabelingJobArn"), attribute=d.get("LabelAttributeName"),
            input_manifest=(source.get("S3DataSource") or {}).get("ManifestS3Uri"),
            output_path=(d.get("OutputConfig") or {}).get("S3OutputPath") or _output_path(d),
            output_manifest=output.get("OutputDatasetS3Uri"), failure_reason=d.get("FailureReason") or None,
            workteam=htc.get("WorkteamArn") or d.get("WorkteamArn"),
            workers_per_object=htc.get("NumberOfHumanWorkersPerDataObject"),
            task_time_limit_s=htc.get("TaskTimeLimitInSeconds"),
            title=(htc.get("TaskTitle") or "").strip(), task_description=(htc.get("TaskDescription") or "").strip(),
            price=(htc.get("PublicWorkforceTaskPrice") or {}).get("AmountInUsd"),
            auto_labeling=bool(algorithms), algorithm_arn=algorithms.get("LabelingJobAlgorithmSpecificationArn"),
            initial_model=algorithms.get("InitialActiveLearningModelArn"),
            final_model=output.get("FinalActiveLearningModelArn"),
            stopping=dict(d.get("StoppingConditions") or {}), streaming="SnsDataSource" in source,
            description=d,
        )

    # A summary carries the same keys where it has them (PRE/ACS Lambdas and WorkteamArn at the top).
    from_summary = from_description

    @property
    def task_name(self) -> str:
        return self.task.name if self.task else "Custom"

    @property
    def finished(self) -> bool:
        return self.status in FINISHED

    @property
    def active(self) -> bool:
        """Not ended yet: Initializing, InProgress or Stopping."""
        return self.status in ACTIVE

    @property
    def working(self) -> bool:
        """Labels still come in (Stopping takes no more answers)."""
        return self.status in WORKING

    @property
    def ended(self) -> datetime | None:
        """When a finished job ended: its last change; None while it runs."""
        return self.modified if self.finished else None

    @property
    def algorithm(self) -> str | None:
        """The auto-labeling algorithm (image-classification, ...), None without auto-labeling (§7)."""
        if not self.algorithm_arn:
            return None
        parsed = tasks.parse_algorithm_arn(self.algorithm_arn)
        return parsed[2] if parsed else self.algorithm_arn.rpartition("/")[2]

    @property
    def output_folder(self) -> str | None:
        """`<S3OutputPath>/<job>/`, where Ground Truth writes everything of this job (§1)."""
        return job_folder(self.output_path, self.name) if self.output_path else None

    @property
    def expected_output_manifest(self) -> str | None:
        """The output manifest the service names, else where Ground Truth writes it (§8); None while
        the job has written nothing (Initializing) or its output path is unknown."""
        if self.output_manifest:
            return self.output_manifest
        if self.status == "Initializing" or self.output_folder is None:
            return None
        return self.output_folder + OUTPUT_MANIFEST

    @property
    def workforce(self) -> str:
        """public | private | vendor, from the work team's ARN (§6)."""
        kind = (self.workteam or "").partition(":workteam/")[2].partition("/")[0]
        return {"public-crowd": "public", "private-crowd": "private", "vendor-crowd": "vendor"}.get(kind, "private")

    @property
    def team(self) -> str:
        """`...:workteam/private-crowd/<team>` -> `<team>`; the public crowd is named as such."""
        if not self.workteam:
            return ""
        kind, _, team = self.workteam.partition(":workteam/")[2].partition("/")
        return "Public (Mechanical Turk)" if kind == "public-crowd" else team


def as_job(job: Job | Mapping[str, Any]) -> Job:
    """A Job as it is, or read from a describe_labeling_job response."""
    return job if isinstance(job, Job) else Job.from_description(job)


def _task(d: Mapping[str, Any]) -> tasks.TaskType | None:
    """From HumanTaskConfig's Lambdas or UI (a description), else the summary's top-level Lambdas."""
    return (tasks.task_from_request(d)
            or tasks.builtin_function_task(d.get("PreHumanTaskLambdaArn") or "", "PRE")
            or tasks.builtin_function_task(d.get("AnnotationConsolidationLambdaArn") or "", "ACS"))


def _output_path(d: Mapping[str, Any]) -> str | None:
    """A summary has no OutputConfig: its output path is where the output manifest sits, less the
    fixed `<job>/manifests/output/output.manifest` tail (§1); None when that is not the layout."""
    uri = (d.get("LabelingJobOutput") or {}).get("OutputDatasetS3Uri") or ""
    tail = f"/{d['LabelingJobName']}/{OUTPUT_MANIFEST}"
    return uri[: -len(tail)] + "/" if uri.endswith(tail) else None
