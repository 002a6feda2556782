"""One-to-one matching of two sets by a pairwise score, and precision/recall/F1 from its counts.

Shared by boxes, spans and video so that every measure counts a match the same way.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.optimize import linear_sum_assignment


def assign(score: np.ndarray, eligible: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Row and column indices of a one-to-one matching over the eligible pairs of a score matrix
    (rows: reference, columns: predicted), sorted by row.

    It has the most pairs possible, and among those the highest total score. Maximising the total
    score alone can trade two matches for one (0.5 + 0.5 < 0.95 + an unmatched box), which would
    count a box as missed although it has a partner above the threshold; so an ineligible pair
    costs more than all eligible pairs together, and scores (in [0, 1]) only break ties.
    Which pair wins an exact tie is the solver's choice; the counts do not depend on it.
    """
    score = np.asarray(score, dtype=float)
    eligible = np.asarray(eligible, dtype=bool)
    if score.size == 0 or not eligible.any():
        return np.empty(0, dtype=int), np.empty(0, dtype=int)
    if min(score.shape) == 1:  # one row or one column: at most one pair, the best eligible one
        flat = np.where(eligible.ravel(), score.ravel(), -np.inf)
        at = int(np.argmax(flat))
        row, col = divmod(at, score.shape[1])
        return np.array([row]), np.array([col])
    too_costly = float(min(score.shape)) + 1.0  # > any sum of eligible costs, each in [0, 1]
    cost = np.where(eligible, 1.0 - np.clip(score, 0.0, 1.0), too_costly)
    rows, cols = linear_sum_assignment(cost)
    keep = eligible[rows, cols]
    return rows[keep], cols[keep]


@dataclass(frozen=True)
class Counts:
    """Matched pairs (tp) out of n_ref reference items and n_pred predicted ones.

    Both empty: precision, recall and F1 are 1.0 (the worker agreed there is nothing to label).
    One side empty: F1 is 0; the ratio over the empty side is NaN (unknown, not zero): a worker who
    drew nothing was never imprecise, and nothing can be missed when the reference is empty.
    """

    tp: int
    n_ref: int
    n_pred: int

    @property
    def precision(self) -> float:
        return _ratio(self.tp, self.n_pred, self.n_ref)

    @property
    def recall(self) -> float:
        return _ratio(self.tp, self.n_ref, self.n_pred)

    @property
    def f1(self) -> float:
        total = self.n_ref + self.n_pred
        return 1.0 if total == 0 else 2.0 * self.tp / total  # = harmonic mean of P and R

    def __add__(self, other: Counts) -> Counts:
        return Counts(self.tp + other.tp, self.n_ref + other.n_ref, self.n_pred + other.n_pred)


def _ratio(tp: int, denominator: int, other_side: int) -> float:
    if denominator:
        return tp / denominator
    return 1.0 if other_side == 0 else float("nan")
