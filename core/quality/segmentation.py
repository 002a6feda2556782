"""Semantic segmentation, class by class: the IoU of each class name between each worker's mask and
the job's consolidated one, so a lead sees which class a worker (or the whole team) paints badly,
where the report's `mean_iou` (core.quality.report) only gives the mean over classes.

A class counts for an image when either mask has a pixel of it; background (BACKGROUND, index 0
of `internal-color-map`, and any pixel no class colour names) is not a class. The job's own row
(worker JOB, as core.quality.rollup names it) weighs each (worker, image) answer the same.
"""

from __future__ import annotations

import pandas as pd

from ..annotations.masks import class_codes
from ..annotations.model import WORKER, MaskImage
from ..annotations.values import Malformed
from .masks import class_iou
from .rollup import JOB

SEGMENTATION = "semantic-segmentation"
BACKGROUND = "BACKGROUND"  # index 0 of internal-color-map (docs/ground-truth.md §3)
COLUMNS = ["job", "worker", "class", "iou", "images"]
_ANSWER = ["job", "worker", "object"]


def mask_class_iou(ref: MaskImage, drawn: MaskImage) -> pd.Series | None:
    """IoU per class name either mask has a pixel of (background left out), indexed by name;
    None when a mask is no readable PNG or the two differ in size (the reader notes those)."""
    labels = (set(ref.colors) | set(drawn.colors)) - {BACKGROUND}
    # Codes by name, not by either map's own index: a worker's labelMappings has no indices.
    codes = {label: i for i, label in enumerate(sorted(labels), start=1)}
    try:
        a, b = class_codes(ref.png, ref.colors, codes), class_codes(drawn.png, drawn.colors, codes)
    except Malformed:
        return None
    if a.shape != b.shape:
        return None
    names = {i: label for label, i in codes.items()}
    ious = class_iou(a, b).drop(0, errors="ignore")  # 0: pixels no class colour names
    return ious.rename(index=names).rename_axis("class")


def answer_class_ious(table: pd.DataFrame, masks: list[MaskImage]) -> pd.DataFrame:
    """One row per (job, worker, object, class) of the segmentation answers in `table` whose
    mask and consolidated mask were both read: `iou` of that class on that image."""
    by_key = {(m.job, m.object_id, m.worker_id): m for m in masks}
    answers = table[table["source"].eq(WORKER) & table["task_type"].eq(SEGMENTATION)]
    rows = []
    for job, worker, obj in answers[["job", "worker_id", "object_id"]].drop_duplicates().itertuples(index=False):
        drawn, ref = by_key.get((job, obj, worker)), by_key.get((job, obj, None))
        ious = mask_class_iou(ref, drawn) if drawn and ref else None
        rows += [(job, worker, obj, name, float(v)) for name, v in (ious.items() if ious is not None else ())]
    return pd.DataFrame(rows, columns=[*_ANSWER, "class", "iou"])


def class_iou_table(table: pd.DataFrame, masks: list[MaskImage]) -> pd.DataFrame:
    """COLUMNS: per segmentation job, one row per (worker, class), then the job's rows (worker
    JOB) per class; `iou` the mean over the images where the class is in either mask, `images`
    how many (on the job's rows, the distinct images, its mean over every answer)."""
    scores = answer_class_ious(table, masks)
    if JOB in set(scores["worker"]):
        raise ValueError(f"a worker is named {JOB!r}, the name of the job's own row")
    workers = _rolled(scores, ["job", "worker", "class"])
    jobs = _rolled(scores, ["job", "class"]).assign(worker=JOB)
    out = pd.concat([workers, jobs], ignore_index=True).reindex(columns=COLUMNS)
    out = out.assign(_job_row=out["worker"].eq(JOB)).sort_values(["job", "_job_row", "worker", "class"], kind="stable")
    return out.drop(columns="_job_row").reset_index(drop=True).astype({"iou": float, "images": "int64"})


def _rolled(scores: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    groups = scores.groupby(keys, sort=True)
    return pd.DataFrame({"iou": groups["iou"].mean(), "images": groups["object"].nunique()}).reset_index()


def worst_classes_first(per_class: pd.DataFrame) -> pd.DataFrame:
    """The rows, lowest IoU first (ties by job, worker, class), for a lead's eye."""
    return per_class.sort_values(["iou", "job", "worker", "class"], kind="stable", ignore_index=True)


def has_segmentation(table: pd.DataFrame) -> bool:
    return bool(table["task_type"].eq(SEGMENTATION).any())
