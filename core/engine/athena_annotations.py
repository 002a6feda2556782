"""The Annotations page's first-tab counts of classification jobs (core.annotations.reports'
over_time and class_counts), for `annotations --engine athena`.

- Annotations per class per period: the workers' class answers, dated, counted by a query engine
  over the `answers` view (Athena where the output is, DuckDB over the same files in the tests). The
  count is core.engine.athena_race's labels per worker per period, keyed by the class instead of the
  worker: the same grid (core.bounds.time_grid, decided from the first and last time), the same SQL.
- Units per class: each classification job's consolidated result, counted from its output manifest
  as it is read here anyway (core.engine.athena_quality.read_jobs): no query.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

import pandas as pd

from ..annotations.reports import CHART_PERIODS
from .athena_quality import Jobs
from .athena_race import labels_over_time
from .athena_tables import qualified

# The class answers of the classification jobs, each with its class where labels_over_time reads a
# worker: its periods and counts are then per class.
CLASS_ANSWERS = """
SELECT a.label AS worker_id, a.submission_time
FROM answers a
JOIN quality_jobs j ON j.job = a.job
WHERE a.label IS NOT NULL
"""
READS = 4  # of the answers: labels_over_time's bounds, classes and counts (twice)


def over_time(ask: Callable[[str], pd.DataFrame], tables: Mapping[str, str], freq: str = "D",
              dialect: str = "trino", max_periods: int = CHART_PERIODS) -> pd.DataFrame:
    """reports.over_time's frame (period without a zone, label, annotations; periods a class has
    none are left out; attrs step and note) over the classification jobs' worker answers."""
    answers = qualified(None, tables, dialect, sql=CLASS_ANSWERS)
    counts = labels_over_time(ask, answers, freq, dialect, max_periods)
    out = counts[counts["labels"].gt(0)].rename(columns={"worker_id": "label", "labels": "annotations"})
    period = pd.to_datetime(out["period"])
    out = out.assign(period=period.dt.tz_localize(None) if period.dt.tz is not None else period)
    out = out.sort_values(["period", "label"], kind="stable", ignore_index=True)
    out.attrs.update(counts.attrs)
    return out[["period", "label", "annotations"]]


def class_counts(jobs: Jobs, measured: list[str]) -> pd.DataFrame:
    """reports.class_counts' frame (job, label, annotations; most first) of the consolidated results
    of the jobs named (by their own names)."""
    keep = set(measured)
    rows = [(job, label, n) for (job, label), n in jobs.classes.items() if job in keep]
    out = pd.DataFrame(rows, columns=["job", "label", "annotations"]).astype({"annotations": "int64"})
    return out.sort_values(["annotations", "job", "label"], ascending=[False, True, True], kind="stable",
                           ignore_index=True)
