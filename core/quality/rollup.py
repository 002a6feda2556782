"""Per-object scores rolled up to one row per (job, worker) and one row per job.

scores: one row per (job, worker, object) with columns `job`, `worker`, `object` and any numeric
measure columns (`score`, `f1`, ...; NaN = unknown). Count columns `tp`, `n_ref`, `n_pred`, if all
present, are also pooled into precision, recall and F1 over all the boxes or spans of the group.
Event counts (SUMS: identity switches) are summed, not averaged: a lead asks how many happened.
"""

from __future__ import annotations

import pandas as pd

from .matching import Counts

JOB = "Team"  # the worker name of a job's own row, as core.metrics.TEAM names the team's row
KEYS = ["job", "worker", "object"]
COUNTS = ["tp", "n_ref", "n_pred"]
SUMS = ["id_switches"]  # events per object: a worker's total is their sum


def by_worker(scores: pd.DataFrame) -> pd.DataFrame:
    """One row per (job, worker), then per job a row with worker JOB over all its answers.

    Columns: `job`, `worker`, `objects` (its answers, scored or not), the mean of each measure
    column (NaN skipped: an unknown score is not a zero) but the sum of each SUMS column (unknown
    when every object's is), and `pooled_precision`/`pooled_recall`/`pooled_f1` from summed counts
    when the scores have them. A job's mean weighs each (worker, object) answer the same, so a
    worker who labeled more objects weighs more there.
    """
    missing = [c for c in KEYS if c not in scores.columns]
    if missing:
        raise ValueError(f"scores need columns {', '.join(missing)}")
    if JOB in set(scores["worker"]):
        raise ValueError(f"a worker is named {JOB!r}, the name of the job's own row")
    measures = [c for c in scores.columns if c not in KEYS and pd.api.types.is_numeric_dtype(scores[c])]
    workers = _summary(scores, ["job", "worker"], measures)
    jobs = _summary(scores, ["job"], measures).assign(worker=JOB)[workers.columns]
    out = pd.concat([workers, jobs], ignore_index=True)
    out["_job_row"] = out["worker"].eq(JOB)
    return out.sort_values(["job", "_job_row"], kind="stable").drop(columns="_job_row").reset_index(drop=True)


def _summary(scores: pd.DataFrame, keys: list[str], measures: list[str]) -> pd.DataFrame:
    groups = scores.groupby(keys, sort=True, dropna=False)
    out = groups.size().rename("objects").to_frame()
    means = [c for c in measures if c not in SUMS]
    sums = [c for c in measures if c in SUMS]
    if means:
        out = out.join(groups[means].mean())
    if sums:
        out = out.join(groups[sums].sum(min_count=1))
    if set(COUNTS) <= set(measures):
        totals = groups[COUNTS].sum()
        pooled = [Counts(*(int(v) for v in row)) for row in totals.itertuples(index=False)]
        out["pooled_precision"] = [c.precision for c in pooled]
        out["pooled_recall"] = [c.recall for c in pooled]
        out["pooled_f1"] = [c.f1 for c in pooled]
    return out.reset_index()
