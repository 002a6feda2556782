"""What Ground Truth accepts in an input manifest (docs/ground-truth.md §6 "Dataset quotas"; the AWS pages it
cites [S6]: input-data-limits, sms-input-data-input-manifest, sms-supported-data-formats).
"""

from __future__ import annotations

from ..gt import tasks
from ..gt.manifest import MAX_LINE_CHARS

__all__ = ["IMAGE_EXTENSIONS", "MAX_IMAGE_BYTES", "MAX_LINE_CHARS", "MAX_OBJECTS", "MAX_VALUE_CHARS", "max_objects"]

# Image formats of the built-in image tasks (bounding box, classification, semantic segmentation,
# verification/adjustment): .jpg, .jpeg, .png only (sms-supported-data-formats).
IMAGE_EXTENSIONS = ("jpg", "jpeg", "png")

# "40 MB" per input image (§6). Read as decimal megabytes, the stricter of the two readings:
# an image between 40,000,000 and 41,943,040 bytes is refused here and reported, never sent.
MAX_IMAGE_BYTES = 40_000_000

MAX_VALUE_CHARS = 20_000  # no single attribute of a line may be longer (§6)
MAX_OBJECTS = 100_000  # objects per labeling job, every task type but semantic segmentation (§6)

# Smaller quotas: semantic segmentation 20,000 objects (§6; applied to its verification and
# adjustment jobs too, which label the same images); video frame tasks take at most 10 sequences,
# one per manifest line (input-data-limits).
_SMALLER = {
    "SemanticSegmentation": 20_000,
    "VerificationSemanticSegmentation": 20_000,
    "AdjustmentSemanticSegmentation": 20_000,
    "VideoObjectDetection": 10,
    "VideoObjectTracking": 10,
    "AdjustmentVideoObjectDetection": 10,
    "AdjustmentVideoObjectTracking": 10,
}


def max_objects(task: str | None = None) -> int:
    """The most lines one labeling job of `task` (a task type name, §7) takes; ValueError if unknown."""
    if task is None:
        return MAX_OBJECTS
    return _SMALLER.get(tasks.task(task).name, MAX_OBJECTS)
