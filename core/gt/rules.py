"""Checks of a create_labeling_job request that botocore leaves to the service.

botocore checks only required keys, types and minimums; maxima, patterns and enums fail at the
service (docs/ground-truth.md §6, DESIGN "Known traps"). The same checks run here before any call, and the
simulator reuses them without botocore, so required keys, types and unknown keys are checked too.

Two parts: FIELDS, one row per request field with its own limits (botocore 1.44.5's model, §6),
and CROSS_CHECKS, rules that need the task type or several fields (§6, §7, §4).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from ..errors import Problem  # the one Problem; importable from here as before
from . import tasks
from .tasks import TaskType

Check = Callable[[Any], str | None]  # a message when the value breaks the rule, else None


def _shown(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def chars(lo: int, hi: int) -> Check:
    def check(v: str) -> str | None:
        if lo <= len(v) <= hi:
            return None
        span = f"{lo} to {hi}" if lo else f"at most {hi}"
        return f"must be {span} characters (got {len(v)})"

    return check


def matches(pattern: str, what: str) -> Check:
    regex = re.compile(pattern, re.ASCII)
    return lambda v: None if regex.fullmatch(v) else f"must be {what} (got {_shown(v)})"


def within(lo: int, hi: int | None, unit: str) -> Check:
    def check(v: int) -> str | None:
        if v >= lo and (hi is None or v <= hi):
            return None
        return f"must be {lo} to {hi} {unit} (got {v})" if hi is not None else f"must be at least {lo} {unit} (got {v})"

    return check


def items(lo: int, hi: int) -> Check:
    return lambda v: None if lo <= len(v) <= hi else f"must have {lo} to {hi} items (got {len(v)})"


def one_of(*allowed: str) -> Check:
    return lambda v: None if v in allowed else f"must be one of {', '.join(allowed)} (got {_shown(v)})"


def _tag_text(v: str) -> str | None:
    # Tag pattern ([\p{L}\p{Z}\p{N}_.:/=+\-@]*): Python's re has no \p{...}, so check categories.
    bad = [c for c in v if unicodedata.category(c)[0] not in "LZN" and c not in "_.:/=+-@"]
    return f"must hold only letters, digits, spaces and _.:/=+-@ (not {''.join(sorted(set(bad)))!r})" if bad else None


def _printable(v: str) -> str | None:
    # TaskTitle pattern [\t\n\r -\uD7FF\uE000-\uFFFD]*: no control characters, nothing past U+FFFD.
    bad = [c for c in v if (c < " " and c not in "\t\n\r") or "\ud800" <= c <= "\udfff" or c > "\ufffd"]
    return "must not contain control characters or characters past U+FFFD such as emoji" if bad else None


# Patterns of botocore's model (§6), matched in full as the service does.
NAME = r"[a-zA-Z0-9](-*[a-zA-Z0-9])*"
NAME_WORDS = "letters, digits and hyphens, starting and ending with a letter or digit"
S3_URI = (chars(0, 1024), matches(r"(https|s3)://([^/]+)/?(.*)", "an s3:// or https:// URI"))
KMS_KEY = (chars(0, 2048), matches(r"[a-zA-Z0-9:/_-]*", "a KMS key id, alias or ARN"))
SNS_TOPIC = (chars(0, 2048), matches(r"arn:aws[a-z\-]*:sns:[a-z0-9\-]*:[0-9]{12}:[a-zA-Z0-9_.-]+", "an SNS topic ARN"))
LAMBDA = (chars(0, 2048), matches(r"arn:aws[a-z\-]*:lambda:[a-z0-9\-]*:[0-9]{12}:function:.*", "a Lambda function ARN"))
VPC_ID = (chars(0, 32), matches(r"[-0-9a-zA-Z]+", "letters, digits and hyphens"))
USD = "HumanTaskConfig.PublicWorkforceTaskPrice.AmountInUsd"
ALGORITHMS_CONFIG = "LabelingJobAlgorithmsConfig"
VPC = f"{ALGORITHMS_CONFIG}.LabelingJobResourceConfig.VpcConfig"
CLASSIFIERS = ("FreeOfPersonallyIdentifiableInformation", "FreeOfAdultContent")


@dataclass(frozen=True)
class Field:
    path: str  # dotted; "[]" stands for every item of a list
    kind: type  # str, int, list or dict
    required: bool = False  # whenever the enclosing structure is present
    checks: tuple[Check, ...] = ()


def req(path: str, kind: type, *checks: Check) -> Field:
    return Field(path, kind, True, checks)


def opt(path: str, kind: type, *checks: Check) -> Field:
    return Field(path, kind, False, checks)


FIELDS: tuple[Field, ...] = (
    req("LabelingJobName", str, chars(1, 63), matches(NAME, NAME_WORDS)),
    req("LabelAttributeName", str, chars(1, 127), matches(NAME, NAME_WORDS)),
    req("InputConfig", dict),
    req("InputConfig.DataSource", dict),
    opt("InputConfig.DataSource.S3DataSource", dict),
    req("InputConfig.DataSource.S3DataSource.ManifestS3Uri", str, *S3_URI),
    opt("InputConfig.DataSource.SnsDataSource", dict),
    req("InputConfig.DataSource.SnsDataSource.SnsTopicArn", str, *SNS_TOPIC),
    opt("InputConfig.DataAttributes", dict),
    opt("InputConfig.DataAttributes.ContentClassifiers", list, items(0, 256)),
    opt("InputConfig.DataAttributes.ContentClassifiers[]", str, one_of(*CLASSIFIERS)),
    req("OutputConfig", dict),
    req("OutputConfig.S3OutputPath", str, *S3_URI),
    opt("OutputConfig.KmsKeyId", str, *KMS_KEY),
    opt("OutputConfig.SnsTopicArn", str, *SNS_TOPIC),
    req("RoleArn", str, chars(20, 2048),
        matches(r"arn:aws[a-z\-]*:iam::[0-9]{12}:role/?[a-zA-Z_0-9+=,.@\-_/]+", "an IAM role ARN")),
    opt("LabelCategoryConfigS3Uri", str, *S3_URI),
    opt("StoppingConditions", dict),
    opt("StoppingConditions.MaxHumanLabeledObjectCount", int, within(1, None, "objects")),
    opt("StoppingConditions.MaxPercentageOfInputDatasetLabeled", int, within(1, 100, "percent")),
    opt(ALGORITHMS_CONFIG, dict),
    req(f"{ALGORITHMS_CONFIG}.LabelingJobAlgorithmSpecificationArn", str, chars(0, 2048), matches(r"arn:.*", "an ARN")),
    opt(f"{ALGORITHMS_CONFIG}.InitialActiveLearningModelArn", str, chars(20, 2048),
        matches(r"arn:aws[a-z\-]*:sagemaker:[a-z0-9\-]*:[0-9]{12}:model/.*", "a SageMaker model ARN")),
    opt(f"{ALGORITHMS_CONFIG}.LabelingJobResourceConfig", dict),
    opt(f"{ALGORITHMS_CONFIG}.LabelingJobResourceConfig.VolumeKmsKeyId", str, *KMS_KEY),
    opt(VPC, dict),
    req(f"{VPC}.SecurityGroupIds", list, items(1, 5)),
    opt(f"{VPC}.SecurityGroupIds[]", str, *VPC_ID),
    req(f"{VPC}.Subnets", list, items(1, 16)),
    opt(f"{VPC}.Subnets[]", str, *VPC_ID),
    req("HumanTaskConfig", dict),
    req("HumanTaskConfig.WorkteamArn", str, chars(0, 256),
        matches(r"arn:aws[a-z\-]*:sagemaker:[a-z0-9\-]*:[0-9]{12}:workteam/.*", "a work team ARN")),
    req("HumanTaskConfig.UiConfig", dict),
    opt("HumanTaskConfig.UiConfig.UiTemplateS3Uri", str, *S3_URI),
    opt("HumanTaskConfig.UiConfig.HumanTaskUiArn", str, chars(0, 1024),
        matches(r"arn:aws[a-z\-]*:sagemaker:[a-z0-9\-]+:[0-9]{12}:human-task-ui/.*", "a HumanTaskUi ARN")),
    opt("HumanTaskConfig.PreHumanTaskLambdaArn", str, *LAMBDA),
    opt("HumanTaskConfig.TaskKeywords", list, items(1, 5)),
    opt("HumanTaskConfig.TaskKeywords[]", str, chars(1, 30),
        matches(r"[A-Za-z0-9]+( [A-Za-z0-9]+)*", "words of letters and digits separated by single spaces")),
    req("HumanTaskConfig.TaskTitle", str, chars(1, 128), _printable),
    # Pattern ".+" would also refuse line breaks if the service matches like Java; not assumed here.
    req("HumanTaskConfig.TaskDescription", str, chars(1, 255)),
    req("HumanTaskConfig.NumberOfHumanWorkersPerDataObject", int, within(1, 9, "workers")),
    req("HumanTaskConfig.TaskTimeLimitInSeconds", int, within(30, None, "seconds")),
    opt("HumanTaskConfig.TaskAvailabilityLifetimeInSeconds", int, within(60, None, "seconds")),
    opt("HumanTaskConfig.MaxConcurrentTaskCount", int, within(1, 5000, "objects")),
    opt("HumanTaskConfig.AnnotationConsolidationConfig", dict),
    req("HumanTaskConfig.AnnotationConsolidationConfig.AnnotationConsolidationLambdaArn", str, *LAMBDA),
    opt("HumanTaskConfig.PublicWorkforceTaskPrice", dict),
    opt(USD, dict),
    opt(f"{USD}.Dollars", int, within(0, 2, "dollars")),
    opt(f"{USD}.Cents", int, within(0, 99, "cents")),
    opt(f"{USD}.TenthFractionsOfACent", int, within(0, 9, "tenths of a cent")),
    opt("Tags", list, items(0, 50)),
    opt("Tags[]", dict),
    req("Tags[].Key", str, chars(1, 128), _tag_text,
        lambda v: "must not start with aws: (reserved for AWS)" if v.lower().startswith("aws:") else None),
    req("Tags[].Value", str, chars(0, 256), _tag_text),
)

_BY_PATH = {f.path: f for f in FIELDS} | {"": Field("", dict)}
_CHILDREN: dict[str, list[Field]] = {}
for _f in FIELDS:
    if not _f.path.endswith("[]"):
        _CHILDREN.setdefault(_f.path.rpartition(".")[0], []).append(_f)
_KINDS = {str: "text", int: "a whole number", list: "a list", dict: "an object"}


def _walk(value: Any, spec: str, where: str) -> Iterator[Problem]:
    """Problems of `value` found at schema path `spec` (shown as `where`) and below it."""
    field = _BY_PATH[spec]
    if not isinstance(value, field.kind) or (field.kind is int and isinstance(value, bool)):
        yield Problem(where or "request", f"must be {_KINDS[field.kind]} (got {type(value).__name__})")
        return
    for check in field.checks:
        message = check(value)
        if message:
            yield Problem(where, message)
    if field.kind is list and f"{spec}[]" in _BY_PATH:
        for i, item in enumerate(value):
            yield from _walk(item, f"{spec}[]", f"{where}[{i}]")
    elif field.kind is dict:
        children = _CHILDREN.get(spec, [])
        known = {c.path.rpartition(".")[2] for c in children}
        for key in value:
            if key not in known:
                yield Problem(_join(where, str(key)), "is not a field of this request")
        for child in children:
            key = child.path.rpartition(".")[2]
            if key in value:
                yield from _walk(value[key], child.path, _join(where, key))
            elif child.required:
                yield Problem(_join(where, key), "is required")


def _join(where: str, key: str) -> str:
    return f"{where}.{key}" if where else key


def _at(request: Mapping[str, Any], path: str, kind: type = str) -> Any:
    """The value at a dotted path if every level is present and it has the kind, else None."""
    value: Any = request
    for key in path.split("."):
        value = value.get(key) if isinstance(value, Mapping) else None
    return value if isinstance(value, kind) and not isinstance(value, bool) else None


# --- Rules across fields or depending on the task type ------------------------------------------

CrossCheck = Callable[[Mapping[str, Any], TaskType | None], Iterator[Problem]]


def _label_attribute(request, task):
    # §6: "-metadata" and source/source-ref are taken by the manifest itself; -ref per task type.
    name, path = _at(request, "LabelAttributeName"), "LabelAttributeName"
    if name is None:
        return
    if name.endswith("-metadata"):
        yield Problem(path, "must not end with -metadata (Ground Truth writes <name>-metadata itself)")
    if name in ("source", "source-ref"):
        yield Problem(path, "must not be source or source-ref (those keys hold the input data)")
    if task is not None and task.label_ref is True and not name.endswith("-ref"):
        yield Problem(path, f"must end with -ref for {task.name} jobs")
    if task is not None and task.label_ref is False and name.endswith("-ref"):
        yield Problem(path, f"must not end with -ref for {task.name} jobs")


def _data_source(request, task):
    source = _at(request, "InputConfig.DataSource", dict)
    if source is not None and not {"S3DataSource", "SnsDataSource"} & source.keys():
        yield Problem("InputConfig.DataSource", "needs S3DataSource (an input manifest) or SnsDataSource (streaming)")


def _worker_ui(request, task):
    # §7: NER, video frame and 3D point cloud use a built-in HumanTaskUi; the others a template.
    ui = _at(request, "HumanTaskConfig.UiConfig", dict)
    if ui is None:
        return
    path = "HumanTaskConfig.UiConfig"
    if ("UiTemplateS3Uri" in ui) == ("HumanTaskUiArn" in ui):
        yield Problem(path, "needs exactly one of UiTemplateS3Uri or HumanTaskUiArn")
    parsed = tasks.parse_ui_arn(_at(request, f"{path}.HumanTaskUiArn") or "")
    builtin = parsed[2] if parsed and parsed[1] == tasks.UI_ACCOUNT else None
    known = sorted({t.human_task_ui for t in tasks.TASKS if t.human_task_ui})
    if builtin is not None and builtin not in known:
        yield Problem(f"{path}.HumanTaskUiArn",
                      f"names no built-in worker UI {builtin!r}; built-ins: {', '.join(known)}")
    elif task is not None and task.human_task_ui and builtin != task.human_task_ui:
        yield Problem(f"{path}.HumanTaskUiArn", f"must be the built-in UI human-task-ui/{task.human_task_ui} "
                                                f"for {task.name} jobs")


def _builtin_lambdas(request, task):
    # §7: built-in PRE-/ACS- functions live in one Ground Truth account per region; a wrong account
    # (e.g. 326177286064 in eu-central-1) fails the job. PRE and ACS must name the same task.
    found = {}
    for prefix, path in (("PRE", "HumanTaskConfig.PreHumanTaskLambdaArn"),
                         ("ACS", "HumanTaskConfig.AnnotationConsolidationConfig.AnnotationConsolidationLambdaArn")):
        arn = _at(request, path) or ""
        named = tasks.builtin_function_task(arn, prefix)
        if named is None:
            continue
        found[prefix] = named
        region, account, function = tasks.parse_lambda_arn(arn)
        expected = tasks.REGION_ACCOUNTS.get(region)
        if expected is None:
            yield Problem(path, f"{function} is not known in region {region!r}; "
                                f"supported: {', '.join(tasks.REGION_ACCOUNTS)}")
        elif account != expected:
            yield Problem(path, f"{function} in {region} belongs to Ground Truth's account {expected}, not {account}")
    if len(found) == 2 and found["PRE"] != found["ACS"]:
        yield Problem("HumanTaskConfig.AnnotationConsolidationConfig.AnnotationConsolidationLambdaArn",
                      f"is for {found['ACS'].name} but PreHumanTaskLambdaArn is for {found['PRE'].name}")


def _time_limits(request, task):
    # §6: 8 h for image, text and custom tasks, 30 days for video frame and 3D point cloud;
    # Mechanical Turk tasks stay available at most 12 hours.
    limit = _at(request, "HumanTaskConfig.TaskTimeLimitInSeconds", int)
    kind = task or tasks.CUSTOM
    if limit is not None and limit > kind.max_task_seconds:
        yield Problem("HumanTaskConfig.TaskTimeLimitInSeconds",
                      f"must be at most {kind.max_task_seconds} seconds for {kind.name} jobs (got {limit})")
    lifetime = _at(request, "HumanTaskConfig.TaskAvailabilityLifetimeInSeconds", int)
    if lifetime is not None and lifetime > 43_200 and _public(request):
        yield Problem("HumanTaskConfig.TaskAvailabilityLifetimeInSeconds",
                      f"must be at most 43200 seconds (12 hours) for the public workforce (got {lifetime})")


def _public(request) -> bool:
    return (_at(request, "HumanTaskConfig.WorkteamArn") or "").endswith(tasks.PUBLIC_WORKTEAM)


def _public_workforce(request, task):
    # §6: Mechanical Turk jobs fail unless the data is declared free of personal information.
    classifiers = _at(request, "InputConfig.DataAttributes.ContentClassifiers", list) or []
    if _public(request) and CLASSIFIERS[0] not in classifiers:
        yield Problem("InputConfig.DataAttributes.ContentClassifiers",
                      f"must include {CLASSIFIERS[0]} for the public workforce")


def _auto_labeling(request, task):
    # §7: one algorithm per auto-labeling task type, owned by account 027400017018; §4: not for streaming.
    arn = _at(request, f"{ALGORITHMS_CONFIG}.LabelingJobAlgorithmSpecificationArn")
    if arn is None:
        return
    path = f"{ALGORITHMS_CONFIG}.LabelingJobAlgorithmSpecificationArn"
    parsed = tasks.parse_algorithm_arn(arn)
    if not parsed or parsed[1] != tasks.ALGORITHM_ACCOUNT or parsed[2] not in tasks.ALGORITHMS:
        yield Problem(path, f"must be arn:aws:sagemaker:<region>:{tasks.ALGORITHM_ACCOUNT}:labeling-job-algorithm-"
                            f"specification/ followed by one of {', '.join(tasks.ALGORITHMS)} (got {_shown(arn)})")
    elif task is None:
        yield Problem(path, "auto-labeling needs a built-in task type (PRE-/ACS- Lambdas of Ground Truth)")
    elif task.algorithm is None:
        yield Problem(path, f"{task.name} jobs cannot use auto-labeling")
    elif parsed[2] != task.algorithm:
        yield Problem(path, f"is the {parsed[2]} algorithm but {task.name} jobs need {task.algorithm}")
    if _at(request, "InputConfig.DataSource.SnsDataSource", dict) is not None:
        yield Problem(ALGORITHMS_CONFIG, "auto-labeling is not available for streaming jobs (SnsDataSource)")


CROSS_CHECKS: tuple[CrossCheck, ...] = (
    _label_attribute, _data_source, _worker_ui, _builtin_lambdas, _time_limits, _public_workforce, _auto_labeling,
)


def validate_create_request(request: Mapping[str, Any]) -> list[Problem]:
    """Every problem of a create_labeling_job request that the service would reject (or that would
    make the job fail), in field order; empty when the request is fine."""
    problems = list(_walk(request, "", ""))
    if isinstance(request, Mapping):
        task = tasks.task_from_request(request)
        for check in CROSS_CHECKS:
            problems.extend(check(request, task))
    return problems
