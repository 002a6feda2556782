"""Semantic segmentation: per-class IoU of two label masks (2-D integer arrays of class ids, as
the class indices of Ground Truth's `internal-color-map`; 0 is BACKGROUND there)."""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pandas as pd


def class_iou(reference: np.ndarray, predicted: np.ndarray, ignore: Iterable[int] = ()) -> pd.Series:
    """IoU per class id present in either mask, indexed by class id (sorted).

    A class in only one mask has IoU 0. Pixels whose reference class is in `ignore` (e.g. an
    'unlabeled' id) are left out of every class; those ids get no IoU.
    """
    reference, predicted = np.asarray(reference), np.asarray(predicted)
    if reference.shape != predicted.shape:
        raise ValueError(f"masks differ in shape: {reference.shape} and {predicted.shape}")
    if reference.ndim != 2:
        raise ValueError(f"a mask is a 2-D array of class ids, got {reference.ndim} dimensions")
    ignore = list(ignore)
    if ignore:
        keep = ~np.isin(reference, ignore)
        ref, pred = reference[keep], predicted[keep]
    else:
        ref, pred = reference.ravel(), predicted.ravel()
    classes, confusion = _confusion(ref, pred)
    inter = np.diag(confusion)
    union = confusion.sum(axis=0) + confusion.sum(axis=1) - inter  # > 0: every class is present
    ious = pd.Series(inter / np.maximum(union, 1), index=pd.Index(classes, name="class"), name="iou", dtype=float)
    return ious.drop(list(ignore), errors="ignore")


def _confusion(ref: np.ndarray, pred: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The classes in either mask (sorted) and the k x k confusion matrix of (reference, predicted)
    pixels, in one pass over the pixels. Class ids that are small whole numbers (a mask's codes)
    index the matrix directly: finding the classes first by sorting every pixel took 8 times as
    long as decoding the PNG."""
    both = (ref, pred)
    if ref.size and all(np.issubdtype(a.dtype, np.integer) for a in both) and min(a.min() for a in both) >= 0 \
            and (m := int(max(a.max() for a in both)) + 1) <= _DIRECT:
        square = np.bincount(ref.astype(np.int64) * m + pred, minlength=m * m).reshape(m, m)
        classes = np.flatnonzero(square.sum(axis=0) + square.sum(axis=1))
        return classes.astype(np.result_type(ref, pred)), square[np.ix_(classes, classes)]
    classes, codes = np.unique(np.concatenate([ref, pred]), return_inverse=True)
    k = len(classes)
    return classes, np.bincount(codes[: ref.size] * k + codes[ref.size:], minlength=k * k).reshape(k, k)


_DIRECT = 256  # class ids below this index the confusion matrix directly


def mean_iou(reference: np.ndarray, predicted: np.ndarray, ignore: Iterable[int] = ()) -> float:
    """Mean of class_iou over the classes present in either mask; NaN for masks with no pixel."""
    ious = class_iou(reference, predicted, ignore)
    return float(ious.mean()) if len(ious) else float("nan")
