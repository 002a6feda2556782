"""A LaunchConfig as the exact create_labeling_job request, and everything wrong with it.

`build_request` never invents an ARN: a region without known Ground Truth accounts raises
UnsupportedRegion (§7). `problems` runs the service's own limits (core.gt.rules, which botocore
leaves to the service, §6) and the checks only the config can make (label counts, the -ref rule's
inputs, auto-labeling support, public-crowd prices), and names every problem by the config field
a person fixes on the Launch page.
"""

from __future__ import annotations

import json
import pprint
from collections.abc import Iterable
from typing import Any

from ..errors import Problem
from ..gt import tasks
from ..gt.jsonio import JsonError, decode_text, json_lines, loads
from ..gt.rules import NAME, matches, validate_create_request
from ..gt.tasks import TaskType, UnsupportedRegion
from . import templates
from .config import ANNOTATION_TYPES, LaunchConfig, workteam_region
from .cost import Cost, allowed_prices, amount_in_usd, estimate_cost, tenths_of_cent

INPUTS_FOLDER = "_ground-control"  # under S3OutputPath; "_" is never in a job name, so never a job's folder
LABELS_FILE = "labels.json"
TEMPLATE_FILE = "template.liquid.html"
# Tasks whose labels are classes to choose between need two at least; the others one (§6).
TWO_LABELS = ("ImageMultiClass", "ImageMultiClassMultiLabel", "TextMultiClass", "TextMultiClassMultiLabel",
              "VideoMultiClass")
_NAME_CHECK = matches(NAME, "letters, digits and hyphens, starting and ending with a letter or digit")

# Request field (dotted, as core.gt.rules names it) -> the config field a person changes.
CONFIG_FIELD = {
    "LabelingJobName": "job_name",
    "LabelAttributeName": "label_attribute",
    "InputConfig.DataSource.S3DataSource.ManifestS3Uri": "manifest",
    "InputConfig.DataAttributes.ContentClassifiers": "content_classifiers",
    "OutputConfig.S3OutputPath": "output",
    "RoleArn": "role",
    "LabelCategoryConfigS3Uri": "label_category_uri",
    "StoppingConditions.MaxHumanLabeledObjectCount": "max_human_labeled",
    "StoppingConditions.MaxPercentageOfInputDatasetLabeled": "max_percent_labeled",
    "LabelingJobAlgorithmsConfig.InitialActiveLearningModelArn": "pretrained_model",
    "LabelingJobAlgorithmsConfig": "auto_labeling",
    "HumanTaskConfig.WorkteamArn": "workteam",
    "HumanTaskConfig.UiConfig.UiTemplateS3Uri": "ui_template",
    "HumanTaskConfig.TaskKeywords": "keywords",
    "HumanTaskConfig.TaskTitle": "title",
    "HumanTaskConfig.TaskDescription": "description",
    "HumanTaskConfig.NumberOfHumanWorkersPerDataObject": "workers_per_object",
    "HumanTaskConfig.TaskTimeLimitInSeconds": "task_time_limit_s",
    "HumanTaskConfig.TaskAvailabilityLifetimeInSeconds": "task_availability_s",
    "HumanTaskConfig.MaxConcurrentTaskCount": "max_concurrent_tasks",
    "HumanTaskConfig.PublicWorkforceTaskPrice": "public_price_usd",
    "Tags": "tags",
}
_BUILT_IN = ("HumanTaskConfig.PreHumanTaskLambdaArn", "HumanTaskConfig.AnnotationConsolidationConfig",
             "HumanTaskConfig.UiConfig", "LabelingJobAlgorithmsConfig.LabelingJobAlgorithmSpecificationArn")


def public_workteam_arn(region: str) -> str:
    """Mechanical Turk's team (§6; Mechanical Turk closes on 30 September 2026, Appendix B)."""
    return f"arn:aws:sagemaker:{region}:{tasks.UI_ACCOUNT}{tasks.PUBLIC_WORKTEAM}"


def inputs_prefix(config: LaunchConfig) -> str:
    """Where the files we write for a job go: `<S3OutputPath>/_ground-control/<job>/`."""
    return f"{config.output.rstrip('/')}/{INPUTS_FOLDER}/{config.job_name}/"


def label_file_uri(config: LaunchConfig) -> str | None:
    """The label category file the job reads: the given one, or the one prepare_inputs writes."""
    if config.label_category_uri:
        return config.label_category_uri
    return inputs_prefix(config) + LABELS_FILE if config.labels else None


def template_uri(config: LaunchConfig) -> str | None:
    """The worker template the job reads (None for tasks with a built-in HumanTaskUi)."""
    known = tasks.BY_NAME.get(config.task_type)
    if known is not None and not templates.needs_template(known):
        return None
    return config.ui_template or inputs_prefix(config) + TEMPLATE_FILE


def generated_files(config: LaunchConfig) -> dict[str, tuple[str, bytes]]:
    """The files prepare_inputs writes for this config: {"labels"|"template": (uri, bytes)}."""
    out: dict[str, tuple[str, bytes]] = {}
    if config.labels and not config.label_category_uri:
        out["labels"] = (inputs_prefix(config) + LABELS_FILE, templates.label_category_file(config))
    if templates.needs_template(config.task) and not config.ui_template:
        out["template"] = (inputs_prefix(config) + TEMPLATE_FILE, templates.config_template(config).encode())
    return out


# --- the request ----------------------------------------------------------------------------------------


def build_request(config: LaunchConfig, default_region: str | None = None) -> dict[str, Any]:
    """The exact create_labeling_job request. Raises UnsupportedRegion where Ground Truth's
    built-in ARNs are not known (or no region is known at all), ValueError for an unknown task."""
    region = config.resolved_region(default_region) or ""
    tasks.region_account(region)  # UnsupportedRegion before any ARN is built
    return _request(config, region, built_ins=True)


def _request(config: LaunchConfig, region: str, built_ins: bool) -> dict[str, Any]:
    task = config.task
    request: dict[str, Any] = {
        "LabelingJobName": config.job_name,
        "LabelAttributeName": config.attribute,
        "InputConfig": {"DataSource": {"S3DataSource": {"ManifestS3Uri": config.manifest}}},
        "OutputConfig": {"S3OutputPath": config.output},
        "RoleArn": config.role,
    }
    if config.content_classifiers:
        request["InputConfig"]["DataAttributes"] = {"ContentClassifiers": list(config.content_classifiers)}
    labels = label_file_uri(config)
    if labels:
        request["LabelCategoryConfigS3Uri"] = labels
    stopping = {k: v for k, v in (("MaxHumanLabeledObjectCount", config.max_human_labeled),
                                  ("MaxPercentageOfInputDatasetLabeled", config.max_percent_labeled)) if v is not None}
    if stopping:
        request["StoppingConditions"] = stopping
    if config.auto_labeling and task.algorithm and built_ins:
        algorithms = {"LabelingJobAlgorithmSpecificationArn": tasks.algorithm_arn(task, region)}
        if config.pretrained_model:
            algorithms["InitialActiveLearningModelArn"] = config.pretrained_model
        request["LabelingJobAlgorithmsConfig"] = algorithms
    htc: dict[str, Any] = {"WorkteamArn": config.workteam}
    ui = template_uri(config)
    if ui is not None:
        htc["UiConfig"] = {"UiTemplateS3Uri": ui}
    elif built_ins:
        htc["UiConfig"] = {"HumanTaskUiArn": tasks.human_task_ui_arn(task, region)}
    if built_ins:
        htc["PreHumanTaskLambdaArn"] = tasks.pre_lambda_arn(task, region)
    if config.keywords:
        htc["TaskKeywords"] = list(config.keywords)
    htc["TaskTitle"] = config.title or task.title
    htc["TaskDescription"] = config.description or config.short_instructions or htc["TaskTitle"]
    htc["NumberOfHumanWorkersPerDataObject"] = config.workers
    htc["TaskTimeLimitInSeconds"] = config.time_limit_s
    if config.task_availability_s is not None:
        htc["TaskAvailabilityLifetimeInSeconds"] = config.task_availability_s
    if config.max_concurrent_tasks is not None:
        htc["MaxConcurrentTaskCount"] = config.max_concurrent_tasks
    if built_ins:
        htc["AnnotationConsolidationConfig"] = {"AnnotationConsolidationLambdaArn": tasks.acs_lambda_arn(task, region)}
    if config.public and config.public_price_usd is not None and tenths_of_cent(config.public_price_usd) is not None:
        htc["PublicWorkforceTaskPrice"] = {"AmountInUsd": amount_in_usd(config.public_price_usd)}
    request["HumanTaskConfig"] = htc
    if config.tags:
        request["Tags"] = [{"Key": k, "Value": v} for k, v in config.tags.items()]
    return request


# --- problems ---------------------------------------------------------------------------------------------


def config_field(path: str, request: dict[str, Any] | None = None) -> str:
    """The config field behind a request field path (`HumanTaskConfig.TaskKeywords[2]` -> `keywords[2]`,
    `Tags[0].Key` -> `tags['team']`); the path itself when the config has no such field."""
    for prefix in sorted(CONFIG_FIELD, key=len, reverse=True):
        if path == prefix or path.startswith((prefix + ".", prefix + "[")):
            name, rest = CONFIG_FIELD[prefix], path[len(prefix):]
            if name == "tags" and rest.startswith("[") and request is not None:
                index = int(rest[1:rest.index("]")])
                tag_list = request.get("Tags") or []
                tag = tag_list[index] if index < len(tag_list) else None
                key = tag.get("Key") if isinstance(tag, dict) else None
                return f"tags[{key!r}]" if key is not None else name
            if name == "public_price_usd":
                return name
            return name + rest
    return path


def problems(config: LaunchConfig, default_region: str | None = None) -> list[Problem]:
    """Everything that would make the service refuse the job, or make it fail, named by config field.
    Empty when the job can be launched."""
    if config.task_type not in tasks.BY_NAME:
        return [Problem("task_type", f"{config.task_type!r} is not a Ground Truth task type; known: "
                                     f"{', '.join(tasks.BY_NAME)}")]
    found: list[Problem] = []
    region = config.resolved_region(default_region)
    supported = region in tasks.REGION_ACCOUNTS
    if not region:
        found.append(Problem("region", "is not known: give the region, or a work team ARN (it names its region)"))
    elif not supported:
        found.append(Problem("region", str(UnsupportedRegion(region))))
    request = _request(config, region or "", built_ins=supported)
    for p in validate_create_request(request):
        if not supported and p.field.startswith(_BUILT_IN):
            continue  # the ARNs left out for an unknown region; the region problem says why
        if p.field == "LabelAttributeName" and not config.label_attribute:
            if Problem("job_name", p.message) in found:
                continue  # the attribute is the job name: one problem, on the field the person typed
            p = Problem(p.field, f"{p.message} (it defaults to the job name: set label_attribute)")
        found.append(Problem(config_field(p.field, request), p.message))
    found += _config_problems(config, region if supported else None)
    return _unique(found)


def _config_problems(config: LaunchConfig, region: str | None) -> Iterable[Problem]:
    task = config.task
    yield from _label_problems(config, task)
    team_region = workteam_region(config.workteam)
    if region and team_region and team_region != region:
        yield Problem("workteam", f"is in {team_region} but the job runs in {region}: choose a team of {region}")
    if config.auto_labeling and task.algorithm is None:
        supported = ", ".join(t.name for t in tasks.TASKS if t.algorithm)
        yield Problem("auto_labeling", f"{task.name} jobs cannot use auto-labeling (only {supported})")
    if config.pretrained_model and not config.auto_labeling:
        yield Problem("pretrained_model", "needs auto_labeling: a pre-trained model only starts auto-labeling")
    yield from _workforce_problems(config, task)
    if config.ui_template and not templates.needs_template(task):
        yield Problem("ui_template", f"{task.name} jobs use the built-in worker UI human-task-ui/{task.human_task_ui}:"
                                     " leave it empty")
    needs_audit = templates.needs_audit_attribute(task)
    generated = (config.labels and not config.label_category_uri) or (
        templates.needs_template(task) and not config.ui_template)
    if needs_audit and generated and not config.audit_attribute:
        yield Problem("audit_attribute", f"{task.name} jobs show the labels of an earlier job: give the label "
                                         "attribute that holds them (it must be in the input manifest)")
    if config.audit_attribute:
        message = _NAME_CHECK(config.audit_attribute)
        if not needs_audit:
            yield Problem("audit_attribute", f"only verification and adjustment jobs check an earlier attribute, "
                                             f"not {task.name} jobs")
        elif message:
            yield Problem("audit_attribute", message)
        elif config.audit_attribute == config.attribute:
            yield Problem("label_attribute", f"must differ from the attribute it checks ({config.audit_attribute}): "
                                             "verification and adjustment jobs write a new attribute")
    if config.annotation_type is not None:
        if not templates.uses_annotation_type(task):
            yield Problem("annotation_type", f"only video frame detection and tracking jobs have one, not {task.name}")
        elif config.annotation_type not in ANNOTATION_TYPES:
            yield Problem("annotation_type", f"must be one of {', '.join(ANNOTATION_TYPES)}")


def _label_problems(config: LaunchConfig, task: TaskType) -> Iterable[Problem]:
    if config.labels and config.label_category_uri:
        yield Problem("labels", "give the labels or an existing label_category_uri, not both")
        return
    if not config.labels:
        if not config.label_category_uri and not task.custom:  # the file is optional for custom tasks (§6)
            yield Problem("labels", "are required: list the labels, or give an existing label_category_uri")
        return
    fewest = 2 if task.name in TWO_LABELS else 1
    limit = task.label_limit(config.auto_labeling)
    if len(config.labels) < fewest:
        yield Problem("labels", f"{task.name} jobs need at least {fewest} labels (got {len(config.labels)})")
    if limit is not None and len(config.labels) > limit:
        mode = " with auto-labeling" if config.auto_labeling and task.max_labels_auto else ""
        yield Problem("labels", f"{task.name} jobs{mode} take at most {limit} labels (got {len(config.labels)})")
    seen: set[str] = set()
    for i, label in enumerate(config.labels):
        if not label.strip():
            yield Problem(f"labels[{i}]", "is empty")
        elif len(label) > task.max_label_chars:
            yield Problem(f"labels[{i}]", f"must be at most {task.max_label_chars} characters for {task.name} jobs "
                                          f"(got {len(label)})")
        if label in seen:
            yield Problem(f"labels[{i}]", f"{label!r} is listed twice: labels must be unique")
        seen.add(label)
    if task.human_task_ui == "NamedEntityRecognition" and not (config.short_instructions and config.full_instructions):
        yield Problem("short_instructions", "NER jobs need short and full instructions (they go in the label file)")


def _workforce_problems(config: LaunchConfig, task: TaskType) -> Iterable[Problem]:
    # §9: the public crowd is paid one of the documented prices per task; other teams have none.
    if not config.public:
        if config.public_price_usd is not None:
            yield Problem("public_price_usd", "applies only to the public workforce (Mechanical Turk): leave it empty")
        return
    prices = allowed_prices(task)
    if not prices:
        yield Problem("workteam", f"{task.name} jobs have no documented public-workforce price (video frame and 3D "
                                  "point cloud jobs cannot use it at all): choose a private or vendor team")
        return
    if config.public_price_usd is None:
        yield Problem("public_price_usd", "is required for the public workforce: one of "
                                          + ", ".join(f"{p:.3f}" for p in prices))
    elif tenths_of_cent(config.public_price_usd) not in {tenths_of_cent(p) for p in prices}:
        yield Problem("public_price_usd", f"must be one of {', '.join(f'{p:.3f}' for p in prices)} for {task.name} "
                                          f"jobs (got {config.public_price_usd})")
    # The PII declaration the public crowd needs is core.gt.rules' check (-> content_classifiers).


def _unique(found: list[Problem]) -> list[Problem]:
    seen: set[Problem] = set()
    return [p for p in found if not (p in seen or seen.add(p))]


# --- showing the request ------------------------------------------------------------------------------------


def request_json(request: dict[str, Any]) -> str:
    return json.dumps(request, indent=2, ensure_ascii=False) + "\n"


def boto3_snippet(request: dict[str, Any], region: str | None = None) -> str:
    """A runnable Python snippet that makes exactly this call. The region is the work team's
    unless given."""
    region = region or workteam_region(request.get("HumanTaskConfig", {}).get("WorkteamArn", "")) or "us-east-1"
    literal = pprint.pformat(request, indent=1, width=100, sort_dicts=False)
    return (
        "import boto3\n\n"
        f"request = {literal}\n\n"
        f'response = boto3.client("sagemaker", region_name={region!r}).create_labeling_job(**request)\n'
        'print(response["LabelingJobArn"])\n'
    )


# --- what the Launch page shows about a task type and a manifest -----------------------------------------


def task_facts(task: TaskType | str, region: str) -> list[tuple[str, str]]:
    """(what, value) rows about a task type in a region: its ARNs (or why none), auto-labeling,
    the -ref rule, label limits and default workers (§6, §7, §9)."""
    t = tasks.task(task) if isinstance(task, str) else task

    def arn(build) -> str:
        try:
            return build(t, region)
        except UnsupportedRegion as exc:
            return str(exc)

    ref = {True: "must end with -ref", False: "must not end with -ref", None: "any (no -ref rule)"}[t.label_ref]
    limit = t.label_limit(False)
    rows = [
        ("Task type", f"{t.title} ({t.name})"),
        ("Pre-annotation Lambda", arn(tasks.pre_lambda_arn)),
        ("Consolidation Lambda", arn(tasks.acs_lambda_arn)),
        ("Worker UI", arn(tasks.human_task_ui_arn) if t.human_task_ui else "a worker template (generated, or yours)"),
        ("Auto-labeling", arn(tasks.algorithm_arn) if t.algorithm else "not supported"),
        ("Label attribute name", ref),
        ("Labels", f"at most {limit}" if limit else "no limit"),
        ("Label category file", f"document version {t.label_config_version}"),
        ("Workers per object (default)", str(t.default_workers)),
        ("Task time limit", f"at most {t.max_task_seconds:,} seconds"),
    ]
    if t.max_labels_auto:
        rows.insert(7, ("Labels with auto-labeling", f"at most {t.max_labels_auto}"))
    return rows


def workteam_options(workteams: list[dict[str, Any]], region: str | None = None,
                     include_public: bool = False) -> list[tuple[str, str]]:
    """(label, ARN) choices from list_workteams' `Workteams` (private and vendor teams), plus the
    public crowd of `region` on request."""
    out = [(f"{t['WorkteamName']} ({'private' if ':workteam/private-crowd/' in t['WorkteamArn'] else 'vendor'})",
            t["WorkteamArn"]) for t in workteams]
    if include_public and region:
        out.append(("Public workforce (Mechanical Turk)", public_workteam_arn(region)))
    return out


def objects_to_send(manifest: bytes, attribute: str) -> list[int]:
    """Lines (0-based) of an input manifest the job sends to workers: those without the label
    attribute (§8; every line when the attribute is new)."""
    out = []
    for i, line in enumerate(json_lines(decode_text(manifest))):
        try:
            obj = loads(line)
        except JsonError:
            continue
        if isinstance(obj, dict) and attribute not in obj:
            out.append(i)
    return out


def config_cost(config: LaunchConfig, objects: int, expected_machine_share: float | None = None) -> Cost:
    return estimate_cost(config.task, objects, config.workers, config.public_price_usd, config.auto_labeling,
                         expected_machine_share, workforce=config.workforce)
