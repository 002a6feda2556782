"""Multi-label answers (a set of labels an object): Jaccard similarity to the reference set."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import pandas as pd


def jaccard(a: Iterable, b: Iterable) -> float:
    """|a & b| / |a | b|; two empty sets agree fully (1.0): both said no label applies."""
    a, b = set(a), set(b)
    union = a | b
    return 1.0 if not union else len(a & b) / len(union)


def jaccard_scores(answers: pd.DataFrame, reference: Mapping) -> pd.DataFrame:
    """Per (worker, object) Jaccard of the answer's `labels` with `reference[object]`.

    answers: columns `worker`, `object`, `labels` (an iterable of labels), and `job` if present.
    Objects without a reference get NaN (unknown), not 0. Returns the answers' keys and `score`,
    the shape core.quality.rollup takes.
    """
    keys = [c for c in ("job", "worker", "object") if c in answers.columns]
    scores = [jaccard(labels, reference[obj]) if obj in reference else float("nan")
              for obj, labels in zip(answers["object"], answers["labels"], strict=True)]
    out = answers[keys].reset_index(drop=True)
    out["score"] = pd.Series(scores, dtype=float)
    return out
