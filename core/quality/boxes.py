"""Bounding boxes as Ground Truth writes them (left, top, width, height, in pixels): IoU and
one-to-one matching of a worker's boxes to reference boxes (gold or consolidated)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from .matching import Counts, assign

DEFAULT_THRESHOLD = 0.5


def as_boxes(boxes) -> np.ndarray:
    """An (n, 4) float array of (left, top, width, height); an empty input gives shape (0, 4)."""
    array = np.asarray(boxes, dtype=float)
    if array.size == 0:
        return np.empty((0, 4))
    if array.ndim != 2 or array.shape[1] != 4:
        raise ValueError(f"boxes must be rows of (left, top, width, height), got shape {array.shape}")
    if (array[:, 2:] < 0).any():
        raise ValueError("box width and height must not be negative")
    return array


def iou_matrix(a, b) -> np.ndarray:
    """IoU of every box of `a` (rows) with every box of `b` (columns). Boxes touching at an edge,
    and two boxes of zero area, have IoU 0."""
    return _iou(as_boxes(a), as_boxes(b))


def _iou(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """iou_matrix of boxes checked already (as_boxes): called once per answer, so no check twice."""
    a_left, a_top, a_w, a_h = a[:, 0, None], a[:, 1, None], a[:, 2, None], a[:, 3, None]
    b_left, b_top, b_w, b_h = b[None, :, 0], b[None, :, 1], b[None, :, 2], b[None, :, 3]
    overlap_w = np.maximum(np.minimum(a_left + a_w, b_left + b_w) - np.maximum(a_left, b_left), 0.0)
    overlap_h = np.maximum(np.minimum(a_top + a_h, b_top + b_h) - np.maximum(a_top, b_top), 0.0)
    inter = overlap_w * overlap_h
    union = a_w * a_h + b_w * b_h - inter
    return np.divide(inter, union, out=np.zeros_like(inter), where=union > 0)


@dataclass(frozen=True)
class BoxMatch:
    """The matching of predicted boxes to reference boxes: pairs (ref index, pred index, IoU)."""

    pairs: tuple[tuple[int, int, float], ...]
    counts: Counts

    @property
    def precision(self) -> float:
        return self.counts.precision

    @property
    def recall(self) -> float:
        return self.counts.recall

    @property
    def f1(self) -> float:
        return self.counts.f1

    @property
    def mean_iou(self) -> float:
        """Mean IoU of the matched pairs; NaN without a match (there is no IoU to average)."""
        return sum(iou for _, _, iou in self.pairs) / len(self.pairs) if self.pairs else float("nan")


def match_boxes(reference, predicted, threshold: float = DEFAULT_THRESHOLD,
                ref_labels: Sequence | None = None, pred_labels: Sequence | None = None) -> BoxMatch:
    """Match predicted boxes to reference boxes one to one (Hungarian), a pair needing
    IoU >= threshold (inclusive, as COCO) and, when both label lists are given, the same label.

    Most pairs first, then the highest total IoU (see matching.assign).
    """
    if not 0.0 < threshold <= 1.0:
        raise ValueError(f"IoU threshold must be in (0, 1], got {threshold}")
    reference, predicted = as_boxes(reference), as_boxes(predicted)
    ious = _iou(reference, predicted)
    eligible = ious >= threshold
    if (ref_labels is None) != (pred_labels is None):
        raise ValueError("class-aware matching needs labels for both box sets")
    if ref_labels is not None:
        ref_l, pred_l = _labels(ref_labels, len(reference)), _labels(pred_labels, len(predicted))
        eligible &= ref_l[:, None] == pred_l[None, :]
    rows, cols = assign(ious, eligible)
    pairs = tuple((int(r), int(c), float(ious[r, c])) for r, c in zip(rows, cols, strict=True))
    return BoxMatch(pairs, Counts(len(pairs), len(reference), len(predicted)))


SCORES = ["tp", "n_ref", "n_pred", "precision", "recall", "f1", "mean_iou"]


def box_scores(answers: pd.DataFrame, reference: Mapping, threshold: float = DEFAULT_THRESHOLD,
               class_aware: bool = False) -> pd.DataFrame:
    """Per answer, its boxes matched to `reference[object]`: the keys (`job` if present, `worker`,
    `object`) and SCORES, the shape core.quality.rollup takes (it pools tp, n_ref, n_pred).

    answers: columns `worker`, `object`, `boxes` (rows of left, top, width, height), and `labels`
    when class-aware, where a reference is a (boxes, labels) pair. An object without a reference
    gets NaN in every column (unknown), not a miss.
    """
    keys = [c for c in ("job", "worker", "object") if c in answers.columns]
    labels = answers["labels"] if class_aware else [None] * len(answers)
    rows = []
    for obj, boxes, box_labels in zip(answers["object"], answers["boxes"], labels, strict=True):
        if obj not in reference:
            rows.append([np.nan] * len(SCORES))
            continue
        ref, ref_labels = reference[obj] if class_aware else (reference[obj], None)
        m = match_boxes(ref, boxes, threshold, ref_labels, box_labels)
        rows.append([m.counts.tp, m.counts.n_ref, m.counts.n_pred, m.precision, m.recall, m.f1, m.mean_iou])
    out = answers[keys].reset_index(drop=True)
    return out.join(pd.DataFrame(rows, columns=SCORES, dtype=float))


def _labels(labels: Sequence, n: int) -> np.ndarray:
    array = np.asarray(list(labels), dtype=object)
    if len(array) != n:
        raise ValueError(f"{len(array)} labels for {n} boxes")
    return array
