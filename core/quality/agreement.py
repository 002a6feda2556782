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
    _check_one_answer(answers)
    workers = sorted(answers["worker"].unique(), key=str)
    rank = {w: i for i, w in enumerate(workers)}
    left = answers[["worker", "object", "value"]].assign(rank=answers["worker"].map(rank))
    both = left.merge(left, on="object", suffixes=("_a", "_b"))
    both = both[both["rank_a"] < both["rank_b"]]  # each unordered pair once
    scores = [agree(a, b) for a, b in zip(both["value_a"], both["value_b"], strict=True)]
    pairs = both.assign(score=pd.Series(scores, index=both.index, dtype=float)).groupby(
        ["worker_a", "worker_b"])["score"].agg(["mean", "size"])
    agreement = pd.DataFrame(np.nan, index=workers, columns=workers)
    common = pd.DataFrame(0, index=workers, columns=workers, dtype=np.int64)
    for (a, b), row in pairs.iterrows():
        agreement.loc[a, b] = agreement.loc[b, a] = row["mean"]
        common.loc[a, b] = common.loc[b, a] = int(row["size"])
    for w, n in answers.groupby("worker").size().items():
        common.loc[w, w] = n
    for frame in (agreement, common):
        frame.index.name, frame.columns.name = "worker", "worker"
    return Pairwise(agreement, common)


def reliability_data(answers: pd.DataFrame) -> pd.DataFrame:
    """Workers (rows) x objects (columns) of integer label codes, NaN where a worker did not label
    the object: Krippendorff's reliability data. Codes follow the labels' first appearance."""
    _check_one_answer(answers)
    codes, _ = pd.factorize(answers["value"])
    coded = answers.assign(code=np.where(codes < 0, np.nan, codes))
    return coded.pivot(index="worker", columns="object", values="code").astype(float)


def nominal_alpha(answers: pd.DataFrame) -> float:
    """Krippendorff's alpha for nominal labels; objects labeled by one worker only do not count.

    NaN when undefined: no object has two labels, or all the paired labels are one class (no
    disagreement is expected, so alpha is 0/0).
    """
    data = reliability_data(answers).to_numpy()
    pairable = np.isfinite(data).sum(axis=0) >= 2
    if not pairable.any() or len(np.unique(data[:, pairable][np.isfinite(data[:, pairable])])) < 2:
        return float("nan")
    return float(krippendorff.alpha(reliability_data=data, level_of_measurement="nominal"))


def _check_one_answer(answers: pd.DataFrame) -> None:
    twice = answers.duplicated(["worker", "object"], keep=False)
    if twice.any():
        first = answers.loc[twice, ["worker", "object"]].iloc[0]
        raise ValueError(f"worker {first['worker']!r} answered object {first['object']!r} more than once: "
                         "keep one answer per worker and object")
