"""The two matrices of one job: the confusion matrix of its workers' classes against the reference
(classification), and the pairwise agreement of its workers (any type whose answers compare as a
choice, or boxes by IoU), from an annotations table (core.annotations)."""

from __future__ import annotations

import pandas as pd

from ..annotations.model import CONSOLIDATED, WORKER
from .agreement import Pairwise, box_agreement, pairwise_agreement
from .classes import confusion_matrix
from .report import DEFAULT_IOU, reference_units

CHOICE = {"classification": "label", "label-verification": "verdict"}
BOXES = ("bounding-box", "adjustment")


class MatrixError(ValueError):
    """The job has no matrix of that kind; the message says why in plain words."""


def _job(table: pd.DataFrame, job: str) -> tuple[pd.DataFrame, str]:
    rows = table[table["job"].eq(job)]
    if rows.empty:
        raise MatrixError(f"no annotations of a job named {job}")
    consolidated = rows[rows["source"].eq(CONSOLIDATED)]
    task = (consolidated if not consolidated.empty else rows)["task_type"].iloc[0]
    return rows[rows["source"].eq(WORKER)], task


def confusion(table: pd.DataFrame, job: str, gold: pd.DataFrame | None = None) -> pd.DataFrame:
    """Reference class (rows) x answered class (columns), counting each worker's first answer to
    each object; the reference is the job's consolidated label, or gold where it has one."""
    workers, task = _job(table, job)
    if task != "classification":
        raise MatrixError(f"{job} is not a classification job: a confusion matrix compares classes")
    reference, _ = reference_units(table[table["source"].eq(CONSOLIDATED)], gold, job, task)
    truth = reference.groupby("object_id")["label"].first()
    answers = workers.drop_duplicates(["worker_id", "object_id"])
    return confusion_matrix(answers["label"], answers["object_id"].map(truth))


def agreement(table: pd.DataFrame, job: str, iou: float = DEFAULT_IOU) -> Pairwise:
    """Every two workers' agreement over the objects both answered: the share of equal choices,
    or for boxes the F1 of matching their boxes (class aware) at `iou`."""
    workers, task = _job(table, job)
    keys = ["worker_id", "object_id"]
    if task in CHOICE:
        answers = workers.drop_duplicates(keys)[[*keys, CHOICE[task]]]
        return pairwise_agreement(answers.set_axis(["worker", "object", "value"], axis=1))
    if task == "multi-label":
        sets = workers.groupby(keys)["label"].agg(lambda v: frozenset(v.dropna())).reset_index()
        return pairwise_agreement(sets.set_axis(["worker", "object", "value"], axis=1))
    if task in BOXES:
        boxes = workers[workers["kind"].eq("box")]
        values = [(w, o, (g[["left", "top", "width", "height"]].to_numpy(float), g["label"].tolist()))
                  for (w, o), g in boxes.groupby(keys, sort=False)]
        answers = pd.DataFrame(values, columns=["worker", "object", "value"])
        return pairwise_agreement(answers, box_agreement(iou, class_aware=True))
    raise MatrixError(f"{job}'s answers ({task.replace('-', ' ')}) are not compared pair by pair: agreement is for "
                      "classes, label sets, verdicts and boxes")
