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
    keep = ~np.isin(reference, list(ignore))
    ref, pred = reference[keep], predicted[keep]
    classes, codes = np.unique(np.concatenate([ref, pred]), return_inverse=True)
    k = len(classes)
    # One pass over the pixels: the k x k confusion matrix of (reference, predicted) class codes.
    confusion = np.bincount(codes[: ref.size] * k + codes[ref.size:], minlength=k * k).reshape(k, k)
    inter = np.diag(confusion)
    union = confusion.sum(axis=0) + confusion.sum(axis=1) - inter  # > 0: every class is present
    ious = pd.Series(inter / np.maximum(union, 1), index=pd.Index(classes, name="class"), name="iou", dtype=float)
    return ious.drop(list(ignore), errors="ignore")


def mean_iou(reference: np.ndarray, predicted: np.ndarray, ignore: Iterable[int] = ()) -> float:
    """Mean of class_iou over the classes present in either mask; NaN for masks with no pixel."""
    ious = class_iou(reference, predicted, ignore)
    return float(ious.mean()) if len(ious) else float("nan")
