"""Single-label classification: how often answers equal the reference, and where they differ.

Labels are compared as given: the caller normalizes them (core.metrics.normalize_label) if the
reference writes 'Blue jay' where the task says 'Bluejay'.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import numpy as np
import pandas as pd


def exact_match_rate(answers: pd.Series, reference: pd.Series) -> float:
    """Share of answers equal to the reference, the two aligned by position (equal lengths).

    A missing reference (NaN/None) leaves that answer out; a missing answer counts as wrong.
    NaN when nothing is left to compare.
    """
    answers, reference = _aligned(answers, reference)
    known = reference.notna()
    if not known.any():
        return float("nan")
    return float((answers[known] == reference[known]).mean())


def confusion_matrix(answers: pd.Series, reference: pd.Series, classes: Iterable | None = None) -> pd.DataFrame:
    """Counts of (reference class, answered class): reference on the rows, answers on the columns,
    every class on both axes (the given classes, then any other seen, sorted) so that the matrix is
    square and a class nobody chose still shows its zeros. Pairs with a missing side are left out.
    """
    answers, reference = _aligned(answers, reference)
    known = answers.notna() & reference.notna()
    answers, reference = answers[known], reference[known]
    given = list(classes) if classes is not None else []
    axis = given + sorted((set(answers) | set(reference)) - set(given), key=str)
    table = pd.crosstab(pd.Categorical(reference, categories=axis), pd.Categorical(answers, categories=axis),
                        dropna=False)
    table = table.reindex(index=axis, columns=axis, fill_value=0).astype(np.int64)
    table.index.name, table.columns.name = "reference", "answer"
    return table


def label_scores(answers: pd.DataFrame, reference: Mapping) -> pd.DataFrame:
    """Per answer, 1.0 when its `label` equals `reference[object]`, else 0.0; NaN (unknown) for an
    object without a reference. answers: columns `worker`, `object`, `label`, and `job` if present.
    Returns the keys and `score`, the shape core.quality.rollup takes (its mean: the match rate)."""
    keys = [c for c in ("job", "worker", "object") if c in answers.columns]
    # Column-wise (a Python loop over Arrow-backed columns cost seconds at 100k answers); an unknown
    # label (None or NA) matches nothing, as `label == reference` did.
    ref = answers["object"].map(reference).astype(object)
    labels = answers["label"].astype(object)
    known = ref.notna().to_numpy()
    ref, labels = ref.where(ref.notna(), None).to_numpy(), labels.where(labels.notna(), None).to_numpy()
    out = answers[keys].reset_index(drop=True)
    out["score"] = np.where(known, (labels == ref).astype(float), np.nan)
    return out


def _aligned(answers, reference) -> tuple[pd.Series, pd.Series]:
    answers, reference = pd.Series(list(answers), dtype=object), pd.Series(list(reference), dtype=object)
    if len(answers) != len(reference):
        raise ValueError(f"{len(answers)} answers for {len(reference)} reference labels")
    return answers, reference
