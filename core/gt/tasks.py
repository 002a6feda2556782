"""The built-in task catalogue: what each Ground Truth task type needs and the ARNs that run it.

Sources are the reference's sections (§N). The regional PRE/ACS accounts are the 12 regions of
botocore's own documentation (§7); nothing here invents an ARN for a region outside that table.
The us-iso-* accounts appear in one third-party source only and those partitions use
`arn:aws-iso...` ARNs, so they are deliberately left out.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ..errors import GroundControlError

# Ground Truth's Lambda account per region, identical for PRE- and ACS- functions (§7, botocore docs).
REGION_ACCOUNTS: Mapping[str, str] = {
    "us-east-1": "432418664414",
    "us-east-2": "266458841044",
    "us-west-2": "081040173940",
    "ca-central-1": "918755190332",
    "eu-west-1": "568282634449",
    "eu-west-2": "487402164563",
    "eu-central-1": "203001061592",
    "ap-northeast-1": "477331159723",
    "ap-northeast-2": "845288260483",
    "ap-south-1": "565803892007",
    "ap-southeast-1": "377565633583",
    "ap-southeast-2": "454466003867",
}
UI_ACCOUNT = "394669845002"  # owner of the built-in HumanTaskUis, every region (§7)
ALGORITHM_ACCOUNT = "027400017018"  # owner of the auto-labeling algorithms, every region (§7, S1)
PUBLIC_WORKTEAM = ":workteam/public-crowd/default"  # Mechanical Turk's team, under UI_ACCOUNT (§6)

EIGHT_HOURS = 28_800  # max TaskTimeLimitInSeconds for image, text and custom tasks (§6)
THIRTY_DAYS = 2_592_000  # max for video frame and 3D point cloud tasks (§6; botocore's "2952,000" is a typo)

CLASSIC_LABELS = "2018-11-28"  # `document-version` of image/text/custom label category files (§6)
FRAME_LABELS = "2020-03-01"  # `documentVersion` of video frame and 3D point cloud files (§6)


class UnsupportedRegion(GroundControlError, ValueError):
    """Ground Truth's built-in ARNs are not known for this region."""

    def __init__(self, region: str):
        self.region = region
        super().__init__(
            f"Ground Truth's built-in task ARNs are not known for region {region!r}; "
            f"supported regions: {', '.join(REGION_ACCOUNTS)}"
        )


@dataclass(frozen=True)
class TaskType:
    name: str  # suffix of the PRE-/ACS- function names (§7)
    title: str
    modality: str  # image | text | video | point cloud | custom
    output_type: str | None  # metadata `type` in the output manifest (§3); None where no source shows it
    label_ref: bool | None  # LabelAttributeName must end with -ref (True), must not (False), either (None) (§6)
    algorithm: str | None = None  # auto-labeling algorithm (§7); None: no auto-labeling (§4)
    human_task_ui: str | None = None  # name under human-task-ui/ (§7); None: the job gives UiTemplateS3Uri
    max_labels: int | None = None  # API label quota (§6); None: no limit
    max_labels_auto: int | None = None  # stricter quota while auto-labeling (semantic segmentation: 20)
    default_workers: int = 1  # workers per object (§9 console defaults; others are our choice, see below)
    max_task_seconds: int = EIGHT_HOURS  # max TaskTimeLimitInSeconds (§6)
    label_config_version: str = CLASSIC_LABELS  # FRAME_LABELS for video frame and 3D point cloud (§6)

    @property
    def max_label_chars(self) -> int:
        return 16 if self.label_config_version == FRAME_LABELS else 256  # §6 label category config

    @property
    def custom(self) -> bool:
        return self.modality == "custom"

    def label_limit(self, auto_labeling: bool = False) -> int | None:
        return self.max_labels_auto if auto_labeling and self.max_labels_auto else self.max_labels


def _image(name, title, output_type, *, ref=False, **kw) -> TaskType:
    return TaskType(name, title, "image", output_type, ref, **kw)


def _text(name, title, output_type, **kw) -> TaskType:
    return TaskType(name, title, "text", output_type, False, **kw)


def _frames(modality, name, title, output_type, ui, *, ref) -> TaskType:
    # Video frame and 3D point cloud: 30-day tasks, 30 labels, 2020-03-01 label files (§6); one worker
    # per object (our choice).
    return TaskType(name, title, modality, output_type, ref, human_task_ui=ui, max_labels=30,
                    default_workers=1, max_task_seconds=THIRTY_DAYS, label_config_version=FRAME_LABELS)


# Defaults not in §9 are ours: 3 for classification-like votes (as IC/TC), 1 for adjustment (one
# worker edits existing labels) and for frame tasks. Quotas of verification/adjustment jobs are
# those of the task they check (they reuse its label file, §8).
TASKS: tuple[TaskType, ...] = (
    _image("BoundingBox", "Bounding box", "groundtruth/object-detection",
           algorithm="object-detection", max_labels=50, default_workers=5),
    _image("ImageMultiClass", "Image classification (single label)", "groundtruth/image-classification",
           algorithm="image-classification", default_workers=3),
    _image("ImageMultiClassMultiLabel", "Image classification (multi-label)",
           "groundtruth/image-classification-multilabel", max_labels=50, default_workers=3),
    _image("SemanticSegmentation", "Semantic segmentation", "groundtruth/semantic-segmentation", ref=True,
           algorithm="semantic-segmentation", max_labels_auto=20, default_workers=3),
    _text("TextMultiClass", "Text classification (single label)", "groundtruth/text-classification",
          algorithm="text-classification", default_workers=3),
    _text("TextMultiClassMultiLabel", "Text classification (multi-label)",
          "groundtruth/text-classification-multilabel", max_labels=50, default_workers=3),
    _text("NamedEntityRecognition", "Named entity recognition", "groundtruth/text-span",
          human_task_ui="NamedEntityRecognition", default_workers=3),
    # Video clip classification is neither "image/text" (8 h) nor "video frame" (30 days) in §6: we
    # allow the longer limit and the classic label file, and leave the label quota open.
    TaskType("VideoMultiClass", "Video classification", "video", None, False, default_workers=3,
             max_task_seconds=THIRTY_DAYS),
    _frames("video", "VideoObjectDetection", "Video frame object detection",
            "groundtruth/video-object-detection", "VideoObjectDetection", ref=True),
    _frames("video", "VideoObjectTracking", "Video frame object tracking",
            "groundtruth/video-object-tracking", "VideoObjectTracking", ref=True),
    _frames("point cloud", "3DPointCloudObjectDetection", "3D point cloud object detection",
            None, "PointCloudObjectDetection", ref=False),
    _frames("point cloud", "3DPointCloudObjectTracking", "3D point cloud object tracking",
            "groundtruth/point_cloud_object_tracking", "PointCloudObjectTracking", ref=True),
    _frames("point cloud", "3DPointCloudSemanticSegmentation", "3D point cloud semantic segmentation",
            None, "PointCloudSemanticSegmentation", ref=True),
    _image("VerificationBoundingBox", "Bounding box verification", "groundtruth/label-verification",
           max_labels=50, default_workers=3),
    _image("AdjustmentBoundingBox", "Bounding box adjustment", "groundtruth/object-detection", max_labels=50),
    _image("VerificationSemanticSegmentation", "Semantic segmentation verification",
           "groundtruth/label-verification", default_workers=3),  # must NOT end with -ref (§6)
    _image("AdjustmentSemanticSegmentation", "Semantic segmentation adjustment", None, ref=True),
    # Video/3D adjustment functions also serve their verification jobs (§7).
    _frames("video", "AdjustmentVideoObjectDetection", "Video frame object detection adjustment",
            None, "VideoObjectDetection", ref=True),
    _frames("video", "AdjustmentVideoObjectTracking", "Video frame object tracking adjustment",
            None, "VideoObjectTracking", ref=True),
    _frames("point cloud", "Adjustment3DPointCloudObjectDetection", "3D point cloud object detection adjustment",
            None, "PointCloudObjectDetection", ref=False),
    _frames("point cloud", "Adjustment3DPointCloudObjectTracking", "3D point cloud object tracking adjustment",
            None, "PointCloudObjectTracking", ref=True),
    _frames("point cloud", "Adjustment3DPointCloudSemanticSegmentation",
            "3D point cloud semantic segmentation adjustment", None, "PointCloudSemanticSegmentation", ref=True),
    # "Generative AI/Custom": the built-in pass-through functions; attribute suffix is free (§3, §7).
    TaskType("PassThrough", "Custom (pass-through)", "custom", "groundtruth/custom", None),
)

BY_NAME: Mapping[str, TaskType] = {t.name: t for t in TASKS}
CUSTOM = BY_NAME["PassThrough"]
ALGORITHMS = ("image-classification", "text-classification", "object-detection", "semantic-segmentation")

_LAMBDA_ARN = re.compile(r"^arn:aws[a-z-]*:lambda:(?P<region>[a-z0-9-]*):(?P<account>\d{12}):function:(?P<fn>.+)$")
_UI_ARN = re.compile(r"^arn:aws[a-z-]*:sagemaker:(?P<region>[a-z0-9-]+):(?P<account>\d{12}):human-task-ui/(?P<ui>.+)$")
_ALGORITHM_ARN = re.compile(
    r"^arn:aws[a-z-]*:sagemaker:(?P<region>[a-z0-9-]*):(?P<account>\d{12}):"
    r"labeling-job-algorithm-specification/(?P<algorithm>.+)$"
)


def task(name: str) -> TaskType:
    try:
        return BY_NAME[name]
    except KeyError:
        raise ValueError(f"unknown Ground Truth task type {name!r}; known: {', '.join(BY_NAME)}") from None


def _task(value: TaskType | str) -> TaskType:
    return value if isinstance(value, TaskType) else task(value)


def region_account(region: str) -> str:
    """Ground Truth's Lambda account in `region` (§7), or UnsupportedRegion."""
    try:
        return REGION_ACCOUNTS[region]
    except KeyError:
        raise UnsupportedRegion(region) from None


def pre_lambda_arn(task: TaskType | str, region: str) -> str:
    return f"arn:aws:lambda:{region}:{region_account(region)}:function:PRE-{_task(task).name}"


def acs_lambda_arn(task: TaskType | str, region: str) -> str:
    return f"arn:aws:lambda:{region}:{region_account(region)}:function:ACS-{_task(task).name}"


def human_task_ui_arn(task: TaskType | str, region: str) -> str:
    """The built-in worker UI. The UI itself exists in every region (§7), but the task cannot run
    where its Lambdas are unknown, so unsupported regions are refused here too."""
    t = _task(task)
    if t.human_task_ui is None:
        raise ValueError(f"{t.name} has no built-in worker UI; give UiConfig.UiTemplateS3Uri")
    region_account(region)
    return f"arn:aws:sagemaker:{region}:{UI_ACCOUNT}:human-task-ui/{t.human_task_ui}"


def algorithm_arn(task: TaskType | str, region: str) -> str:
    """The auto-labeling algorithm of the task (§7: one account for all regions)."""
    t = _task(task)
    if t.algorithm is None:
        raise ValueError(f"{t.name} does not support auto-labeling (only {', '.join(ALGORITHMS)})")
    region_account(region)
    return f"arn:aws:sagemaker:{region}:{ALGORITHM_ACCOUNT}:labeling-job-algorithm-specification/{t.algorithm}"


def parse_lambda_arn(arn: str) -> tuple[str, str, str] | None:
    """(region, account, function name) of a Lambda ARN, or None."""
    m = _LAMBDA_ARN.match(arn)
    return (m["region"], m["account"], m["fn"]) if m else None


def parse_ui_arn(arn: str) -> tuple[str, str, str] | None:
    """(region, account, UI name) of a HumanTaskUi ARN, or None."""
    m = _UI_ARN.match(arn)
    return (m["region"], m["account"], m["ui"]) if m else None


def parse_algorithm_arn(arn: str) -> tuple[str, str, str] | None:
    """(region, account, algorithm) of a labeling-job algorithm specification ARN, or None."""
    m = _ALGORITHM_ARN.match(arn)
    return (m["region"], m["account"], m["algorithm"]) if m else None


def builtin_function_task(arn: str, prefix: str) -> TaskType | None:
    """The task whose built-in function `<prefix>-<Task>` the ARN names (any account), or None."""
    parsed = parse_lambda_arn(arn)
    if parsed and parsed[2].startswith(prefix + "-"):
        return BY_NAME.get(parsed[2][len(prefix) + 1:])
    return None


_BY_UI = {t.human_task_ui: t for t in reversed(TASKS) if t.human_task_ui}  # base task wins over adjustment


def task_from_request(request: Mapping[str, Any]) -> TaskType | None:
    """The built-in task type a create_labeling_job request runs, from its PRE Lambda (`PRE-<Task>`),
    else its ACS Lambda (`ACS-<Task>`), else its built-in HumanTaskUi (which adjustment jobs share
    with their base task, so the base task is returned). None for custom Lambdas and templates."""
    pre = _text_at(request, "HumanTaskConfig", "PreHumanTaskLambdaArn")
    acs = _text_at(request, "HumanTaskConfig", "AnnotationConsolidationConfig", "AnnotationConsolidationLambdaArn")
    found = builtin_function_task(pre, "PRE") or builtin_function_task(acs, "ACS")
    if found:
        return found
    parsed = parse_ui_arn(_text_at(request, "HumanTaskConfig", "UiConfig", "HumanTaskUiArn"))
    if parsed and parsed[1] == UI_ACCOUNT:
        return _BY_UI.get(parsed[2])
    return None


def _text_at(request: Any, *keys: str) -> str:
    """The string at request[k1][k2]..., or "" when any level is missing or of another type."""
    for key in keys:
        request = request.get(key) if isinstance(request, Mapping) else None
    return request if isinstance(request, str) else ""
