"""The Launch page's choices as one small, frozen value that reads and writes a JSON file.

`LaunchConfig` holds what a person picks; core.launch.request turns it into the exact
create_labeling_job request (docs/ground-truth.md §6). Loading a JSON file checks its keys and value types
and names the field of every mistake; the service's own limits are checked later, by `problems()`.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field, fields, replace
from typing import Any

from ..errors import GroundControlError, Problem
from ..gt import tasks
from ..gt.jsonio import JsonError, loads

DEFAULT_TIME_LIMIT_S = 300  # our choice for image, text and custom tasks (5 minutes)
DEFAULT_FRAME_TIME_LIMIT_S = 3600  # our choice for video frame and 3D point cloud tasks
# Video frame annotation tools (§6: label category config `annotationType`).
ANNOTATION_TYPES = ("BoundingBox", "Polyline", "Polygon", "Keypoint")
_WORKTEAM_REGION = re.compile(r"^arn:aws[a-z-]*:sagemaker:(?P<region>[a-z0-9-]+):\d{12}:workteam/")


def workteam_region(arn: str) -> str | None:
    """The region a work team ARN names, or None."""
    m = _WORKTEAM_REGION.match(arn or "")
    return m["region"] if m else None


class ConfigError(GroundControlError, ValueError):
    """A config file that cannot be read as a LaunchConfig; every problem names its field."""

    def __init__(self, problems: list[Problem]):
        super().__init__(problems=problems)  # the message: the problems joined by "; "


@dataclass(frozen=True)
class LaunchConfig:
    job_name: str
    task_type: str  # a name of core.gt.tasks.TASKS, e.g. "ImageMultiClass"
    manifest: str  # input manifest, s3://...
    output: str  # S3OutputPath
    role: str  # IAM role ARN Ground Truth assumes
    workteam: str  # work team ARN (private, vendor or the public crowd)
    labels: tuple[str, ...] = ()  # written as a new label category file...
    label_category_uri: str | None = None  # ...or an existing file (not both)
    label_attribute: str | None = None  # default: the job name (+ "-ref" where the task needs it, §6)
    region: str | None = None  # default: the work team's region, else the workspace's
    title: str = ""  # TaskTitle; default: the task type's title
    description: str = ""  # TaskDescription; default: the short instructions, else the title
    keywords: tuple[str, ...] = ()
    short_instructions: str = ""  # in the worker template, or the label file (NER, video, 3D)
    full_instructions: str = ""
    workers_per_object: int | None = None  # default: the task type's (§9)
    task_time_limit_s: int | None = None  # default: 300 s, 3600 s for video frame and 3D point cloud
    task_availability_s: int | None = None  # default: the service's
    max_concurrent_tasks: int | None = None  # default: the service's (1000)
    auto_labeling: bool = False
    pretrained_model: str | None = None  # InitialActiveLearningModelArn (needs auto_labeling)
    public_price_usd: float | None = None  # per task and worker; the public crowd only (§9)
    ui_template: str | None = None  # an existing worker template; default: generated for template tasks
    audit_attribute: str | None = None  # the attribute a verification/adjustment job checks (§8)
    annotation_type: str | None = None  # video frame jobs: BoundingBox (default), Polyline, Polygon, Keypoint
    tags: dict[str, str] = field(default_factory=dict, hash=False)
    max_human_labeled: int | None = None  # StoppingConditions.MaxHumanLabeledObjectCount
    max_percent_labeled: int | None = None  # StoppingConditions.MaxPercentageOfInputDatasetLabeled
    content_classifiers: tuple[str, ...] = ()  # e.g. FreeOfPersonallyIdentifiableInformation

    # --- derived values ---------------------------------------------------------------------------

    @property
    def task(self) -> tasks.TaskType:
        """The task type (ValueError for an unknown name)."""
        return tasks.task(self.task_type)

    @property
    def attribute(self) -> str:
        """LabelAttributeName: as given, else the job name, with -ref where the task needs it (§6)."""
        if self.label_attribute:
            return self.label_attribute
        ref = tasks.BY_NAME.get(self.task_type) is not None and self.task.label_ref is True
        return f"{self.job_name}-ref" if ref and not self.job_name.endswith("-ref") else self.job_name

    @property
    def workers(self) -> int:
        if self.workers_per_object is not None:
            return self.workers_per_object
        known = tasks.BY_NAME.get(self.task_type)
        return known.default_workers if known else 1

    @property
    def time_limit_s(self) -> int:
        if self.task_time_limit_s is not None:
            return self.task_time_limit_s
        known = tasks.BY_NAME.get(self.task_type)
        frames = known is not None and known.label_config_version == tasks.FRAME_LABELS
        return DEFAULT_FRAME_TIME_LIMIT_S if frames else DEFAULT_TIME_LIMIT_S

    @property
    def public(self) -> bool:
        """The work team is Mechanical Turk's public crowd (§6)."""
        return self.workteam.endswith(tasks.PUBLIC_WORKTEAM)

    @property
    def workforce(self) -> str:
        """public | private | vendor, from the work team ARN (the vendor form is UNCONFIRMED, §6)."""
        if self.public:
            return "public"
        return "private" if ":workteam/private-crowd/" in self.workteam else "vendor"

    def resolved_region(self, default: str | None = None) -> str | None:
        """The region the job runs in: as given, else the work team's, else `default`."""
        return self.region or workteam_region(self.workteam) or default

    # --- JSON -----------------------------------------------------------------------------------------

    def to_dict(self) -> dict[str, Any]:
        """The fields that differ from their defaults (always the required ones), JSON-ready."""
        out: dict[str, Any] = {}
        for f in fields(self):
            value = getattr(self, f.name)
            if f.name in _REQUIRED or value != _default(f):
                out[f.name] = list(value) if isinstance(value, tuple) else (dict(value) if isinstance(value, dict)
                                                                          else value)
        return out

    def dumps(self) -> str:
        return json.dumps(self.to_dict(), indent=2, ensure_ascii=False) + "\n"

    @classmethod
    def from_dict(cls, data: Any) -> LaunchConfig:
        """ConfigError naming every unknown key, missing required key and value of the wrong type."""
        if not isinstance(data, dict):
            raise ConfigError([Problem("config", f"must be a JSON object (got {type(data).__name__})")])
        problems = [Problem(str(key), "is not a launch setting (known: " + ", ".join(_KINDS) + ")")
                    for key in data if key not in _KINDS]
        problems += [Problem(name, "is required") for name in _REQUIRED if name not in data]
        values: dict[str, Any] = {}
        for key, value in data.items():
            if key in _KINDS:
                converted, message = _convert(value, _KINDS[key])
                if message:
                    problems.append(Problem(key, message))
                else:
                    values[key] = converted
        if problems:
            raise ConfigError(problems)
        return cls(**values)

    @classmethod
    def loads(cls, text: str | bytes) -> LaunchConfig:
        try:
            data = loads(text.decode("utf-8-sig") if isinstance(text, bytes) else text)
        except UnicodeDecodeError as exc:
            raise ConfigError([Problem("config", f"is not UTF-8 text (byte {exc.start})")]) from exc
        except JsonError as exc:
            where = f" at line {exc.line} column {exc.column}" if exc.column is not None else ""
            note = f"; {exc.note}" if exc.note else ""
            raise ConfigError([Problem("config", f"is not valid JSON{where}: {exc.reason}{note}")]) from exc
        return cls.from_dict(data)

    def with_changes(self, **changes: Any) -> LaunchConfig:
        return replace(self, **changes)


# Value kinds by field, for from_dict: str, int, float, bool, "str?" (or null), "int?", "float?",
# "strings" (a list of text), "tags" (an object of text values).
_KINDS: dict[str, str] = {
    "job_name": "str", "task_type": "str", "manifest": "str", "output": "str", "role": "str", "workteam": "str",
    "labels": "strings", "label_category_uri": "str?", "label_attribute": "str?", "region": "str?",
    "title": "str", "description": "str", "keywords": "strings", "short_instructions": "str",
    "full_instructions": "str", "workers_per_object": "int?", "task_time_limit_s": "int?",
    "task_availability_s": "int?", "max_concurrent_tasks": "int?", "auto_labeling": "bool",
    "pretrained_model": "str?", "public_price_usd": "float?", "ui_template": "str?", "audit_attribute": "str?",
    "annotation_type": "str?", "tags": "tags", "max_human_labeled": "int?", "max_percent_labeled": "int?",
    "content_classifiers": "strings",
}
_REQUIRED = ("job_name", "task_type", "manifest", "output", "role", "workteam")
_WORDS = {"str": "text", "int": "a whole number", "float": "a number", "bool": "true or false",
          "strings": "a list of text", "tags": "an object of text values"}


def _default(f) -> Any:
    return f.default_factory() if callable(f.default_factory) else f.default


def _convert(value: Any, kind: str) -> tuple[Any, str | None]:
    """(the value as the field holds it, None) or (None, why it is refused)."""
    optional = kind.endswith("?")
    base = kind.rstrip("?")
    if value is None and optional:
        return None, None
    got = f"(got {type(value).__name__ if value is not None else 'null'})"
    ok = {
        "str": isinstance(value, str),
        "int": isinstance(value, int) and not isinstance(value, bool),
        "float": isinstance(value, (int, float)) and not isinstance(value, bool),
        "bool": isinstance(value, bool),
        "strings": isinstance(value, list) and all(isinstance(v, str) for v in value),
        "tags": isinstance(value, dict) and all(isinstance(v, str) for v in value.values()),
    }[base]
    if not ok:
        return None, f"must be {_WORDS[base]}{' or null' if optional else ''} {got}"
    if base == "strings":
        return tuple(value), None
    if base == "float":
        return float(value), None
    if base == "tags":
        return dict(value), None
    return value, None
