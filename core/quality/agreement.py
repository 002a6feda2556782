"""Inter-annotator agreement: how often two workers agree on the objects both labeled, and
Krippendorff's alpha for nominal labels (the maintained `krippendorff` package).

answers: one row per (worker, object) with columns `worker`, `object`, `value` (a label, or what
the `agree` function compares, such as a worker's boxes for an image).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import krippendorff
import numpy as np
import pandas as pd

from .boxes import DEFAULT_THRESHOLD, match_boxes

Agree = Callable[[object, object], float]


def same_label(a, b) -> float:
    return float(a == b)


def box_agreement(threshold: float = DEFAULT_THRESHOLD, class_aware: bool = False) -> Agree:
    """Agreement of two workers' boxes on an image: F1 of their matching at the IoU threshold
    (symmetric: swapping the workers swaps precision and recall, not F1). Values are arrays of
    (left, top, width, height), or (boxes, labels) pairs when class-aware."""
    def agree(a, b) -> float:
        if class_aware:
            return match_boxes(a[0], b[0], threshold, a[1], b[1]).f1
        return match_boxes(a, b, threshold).f1

    return agree


@dataclass(frozen=True)
class Pairwise:
    """Square worker x worker frames: `agreement` (mean agreement over the objects both labeled;
    NaN without a common object, and on the diagonal, where a worker would only meet itself) and
    `common` (how many objects both labeled)."""

    agreement: pd.DataFrame
    common: pd.DataFrame


def pairwise_agreement(answers: pd.DataFrame, agree: Agree = same_label) -> Pairwise:
    """Agreement of every two workers over the objects both answered (one row per worker and
    object; leave unanswered objects out). `agree` scores two values in [0, 1]."""
    _check_one_answer(answers)
    workers = sorted(answers["worker"].unique(), key=str)
    rank = {w: i for i, w in enumerate(workers)}
    left = answers[["worker", "object", "value"]].assign(rank=answers["worker"].map(rank))
    both = left.merge(left, on="object", suffixes=("_a", "_b"))
    both = both[both["rank_a"] < both["rank_b"]]  # each unordered pair once
    if agree is same_label:  # labels compare as columns; other values one pair at a time
        scores = (both["value_a"] == both["value_b"]).astype(float)
    else:
        scores = pd.Series([agree(a, b) for a, b in zip(both["value_a"], both["value_b"], strict=True)],
                           index=both.index, dtype=float)
    pairs = both.assign(score=scores).groupby(["worker_a", "worker_b"])["score"].agg(["mean", "size"])
    agreement = _symmetric(pairs["mean"], workers, np.full(len(workers), np.nan))
    labeled = answers.groupby("worker").size().reindex(workers).to_numpy()
    common = _symmetric(pairs["size"], workers, labeled, fill=0).astype(np.int64)
    return Pairwise(agreement, common)


def _symmetric(upper: pd.Series, workers: list, diagonal: np.ndarray, fill=np.nan) -> pd.DataFrame:
    """A square frame from values keyed (worker_a, worker_b), a before b, and its diagonal."""
    index = {w: i for i, w in enumerate(workers)}
    values = np.full((len(workers), len(workers)), fill, dtype=float)
    for (a, b), value in upper.items():
        values[index[a], index[b]] = values[index[b], index[a]] = value
    values[np.diag_indices(len(workers))] = diagonal
    axis = pd.Index(workers, name="worker")
    return pd.DataFrame(values, index=axis, columns=axis.copy())


def reliability_data(answers: pd.DataFrame) -> pd.DataFrame:
    """Workers (rows) x objects (columns) of integer label codes, NaN where a worker did not label
    the object: Krippendorff's reliability data. Codes follow the labels' first appearance."""
    _check_one_answer(answers)
    codes, _ = pd.factorize(answers["value"])
    coded = answers.assign(code=np.where(codes < 0, np.nan, codes))
    return coded.pivot(index="worker", columns="object", values="code").astype(float)


def nominal_alpha(answers: pd.DataFrame) -> float:
    """Krippendorff's alpha for nominal labels; objects labeled by one worker only do not count.

    Computed from label counts per object (objects x labels), the same alpha as from the reliability
    data but without a workers x objects matrix. NaN when undefined: no object has two labels, or
    all the paired labels are one class (no disagreement is expected, so alpha is 0/0).
    """
    _check_one_answer(answers)
    labeled = answers[answers["value"].notna()]
    counts = pd.crosstab(labeled["object"], labeled["value"])
    counts = counts[counts.sum(axis=1) >= 2]
    counts = counts.loc[:, counts.sum(axis=0) > 0]
    if counts.shape[1] < 2:
        return float("nan")
    return float(krippendorff.alpha(value_counts=counts.to_numpy(), level_of_measurement="nominal"))


def _check_one_answer(answers: pd.DataFrame) -> None:
    twice = answers.duplicated(["worker", "object"], keep=False)
    if twice.any():
        first = answers.loc[twice, ["worker", "object"]].iloc[0]
        raise ValueError(f"worker {first['worker']!r} answered object {first['object']!r} more than once: "
                         "keep one answer per worker and object")
