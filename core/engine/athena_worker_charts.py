"""The Workers page's charts of labels per worker and time per label (core.workers.worker_charts) from
one query over the `answers` view: Athena where the output is, DuckDB over the same files in the tests.

Written once in DuckDB's dialect and transpiled (core.engine.athena_tables.qualified). Trino has only
approx_percentile, so each worker's five numbers are exact and portable: the answers numbered by time
within the worker, and pandas' linear interpolation (lo + (hi - lo) * frac at (n - 1) * q) done in SQL
on doubles, the same operations pandas does, so the figures are equal to the last bit.

Workers sharing a shown name are one bar locally, their answers pooled: such ids are grouped under
one of them by a VALUES list of those ids joined in (`merged`); with unique names (the usual case,
and always when anonymised) the query groups by worker_id alone and the names are applied here.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

import pandas as pd

from ..workers import WorkerCharts
from .athena_tables import qualified

READS = 1  # one read of the answers, for the estimate
FIVE = ["min", "q1", "median", "q3", "max"]
_QS = (0.0, 0.25, 0.5, 0.75, 1.0)


def merged(names: Mapping[str, str]) -> dict[str, str]:
    """{worker_id: the id it is pooled under} for the ids of `names` whose shown name another id shares;
    {} when names are unique."""
    groups: dict[str, list[str]] = {}
    for worker, name in names.items():
        groups.setdefault(name, []).append(worker)
    return {w: min(ids) for ids in groups.values() if len(ids) > 1 for w in ids if w != min(ids)}


def _text(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def _position(q: float) -> str:
    return f"CAST(n - 1 AS DOUBLE) * CAST({q!r} AS DOUBLE)"


def charts_sql(pooled: Mapping[str, str]) -> str:
    """The query, in DuckDB's dialect: rows of part 'job' (key, job, labels, first_row) and of part
    'time' (key and the five numbers). `first_row` keeps the local order of first appearance."""
    if pooled:
        values = ", ".join(f"({_text(w)}, {_text(k)})" for w, k in sorted(pooled.items()))
        source = (f"answers a LEFT JOIN (VALUES {values}) AS m(worker_id, worker_key) "
                  "ON m.worker_id = a.worker_id")
        key = "COALESCE(m.worker_key, a.worker_id)"
    else:
        source, key = "answers a", "a.worker_id"
    picks = ",\n        ".join(
        f"MAX(CASE WHEN i = CAST(FLOOR({_position(q)}) AS BIGINT) + {step} THEN time_spent_s END) AS v{k}_{step}"
        for k, q in enumerate(_QS) for step in (1, 2))
    fracs = ", ".join(f"{_position(q)} - FLOOR({_position(q)}) AS f{k}" for k, q in enumerate(_QS))
    five = ", ".join(f"CASE WHEN f{k} = 0 THEN v{k}_1 ELSE v{k}_1 + (v{k}_2 - v{k}_1) * f{k} END AS {name}"
                     for k, name in enumerate(FIVE))
    none = ", ".join(f"CAST(NULL AS DOUBLE) AS {name}" for name in FIVE)
    return f"""
WITH keyed AS (
    SELECT {key} AS worker_key, a.job, a.row_no, a.time_spent_s FROM {source} WHERE a.worker_id IS NOT NULL
),
ranked AS (
    SELECT worker_key, time_spent_s,
        ROW_NUMBER() OVER (PARTITION BY worker_key ORDER BY time_spent_s) AS i,
        COUNT(*) OVER (PARTITION BY worker_key) AS n
    FROM keyed WHERE time_spent_s IS NOT NULL
),
picked AS (
    SELECT worker_key, n,
        {picks}
    FROM ranked GROUP BY worker_key, n
),
fractions AS (SELECT picked.*, {fracs} FROM picked)
SELECT 'job' AS part, worker_key, job, COUNT(*) AS labels, MIN(row_no) AS first_row, {none}
FROM keyed WHERE job IS NOT NULL GROUP BY worker_key, job
UNION ALL
SELECT 'time' AS part, worker_key, CAST(NULL AS VARCHAR) AS job, CAST(NULL AS BIGINT) AS labels,
    CAST(NULL AS VARCHAR) AS first_row, {five}
FROM fractions"""


def charts_query(answers: str, names: Mapping[str, str], dialect: str = "trino") -> str:
    """The query in `dialect` over `answers` (a table, or a SELECT of the chosen answers)."""
    return qualified(None, {"answers": answers}, dialect, sql=charts_sql(merged(names)))


def worker_charts(ask: Callable[[str], pd.DataFrame], answers: str, names: Mapping[str, str],
                  dialect: str = "trino") -> WorkerCharts:
    """core.workers.worker_charts' frames and order, from the one query `ask` runs in `dialect`.

    An id missing from `names` is shown as itself (names.get(w, w)). The report's names cover every
    worker; should such an id be spelled like another's name, the query runs once more with it named."""
    rows = ask(charts_query(answers, names, dialect))
    taken = set(names.values())
    stray = {k: k for k in rows["worker_key"].dropna().unique() if k not in names and k in taken}
    if stray:
        names = {**names, **stray}
        rows = ask(charts_query(answers, names, dialect))
    shown = {w: names.get(w, w) for w in rows["worker_key"].dropna().unique()}
    jobs = rows[rows["part"] == "job"].sort_values("first_row", kind="stable")
    # Lists, so pandas infers the text dtype as worker_charts' groupby gives it.
    per_job = pd.DataFrame({"worker": [shown[k] for k in jobs["worker_key"]], "job": list(jobs["job"]),
                            "labels": jobs["labels"].to_numpy(dtype="int64")})
    totals = per_job.groupby("worker")["labels"].sum()
    order = sorted(totals.index, key=lambda w: (-totals[w], w))
    times = rows[rows["part"] == "time"]
    if times.empty:
        return WorkerCharts(order, per_job, pd.DataFrame(columns=["worker", *FIVE]))
    seconds = pd.DataFrame({"worker": [shown[k] for k in times["worker_key"]],
                            **{c: times[c].to_numpy(dtype="float64") for c in FIVE}})
    return WorkerCharts(order, per_job, seconds.sort_values("worker", kind="stable", ignore_index=True))
