"""Labels per worker per period (what core.metrics.labels_over_time gives the race and the Workers
page's chart), computed by a query engine over the `answers` view: Athena where the output is, and
DuckDB over the same files in the tests.

The grid is decided here, exactly as locally (core.bounds.time_grid looks at the first and last time
only): one query finds them. Each answer's place on that grid is then computed in SQL (`dated`) by
the same flooring as core.bounds, and core.engine.sql's ACTIVE_WORKERS and PERIOD_COUNTS run as the
local engine runs them. Queries over the answers: the bounds, the active workers, and the period
counts (which reads `dated` twice): four reads of the answers in all, for the estimate.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd
import sqlglot

from ..bounds import MAX_PERIODS, Grid, _floor, _Step, _step, time_grid
from .athena_tables import qualified

BOUNDS = "SELECT MIN(submission_time) AS first_time, MAX(submission_time) AS last_time FROM answers"
READS = 4  # reads of the answers: bounds, active workers, period counts (twice)
_MS = "DATE_DIFF('millisecond', TIMESTAMP '1970-01-01 00:00:00', submission_time)"
_UNIT_MS = {"m": 60_000, "h": 3_600_000, "D": 86_400_000}


def _unit_value(unit: str) -> str:
    """The answer's time counted in the step's unit since 1970 (as core.bounds._floor counts it)."""
    if unit == "us":
        return f"({_MS} * 1000)"
    if unit in _UNIT_MS:
        return f"CAST(FLOOR(CAST({_MS} AS DOUBLE) / {_UNIT_MS[unit]}) AS BIGINT)"
    if unit == "M":
        return "((YEAR(submission_time) - 1970) * 12 + MONTH(submission_time) - 1)"
    if unit == "Y":
        return "(YEAR(submission_time) - 1970)"
    raise ValueError(f"no SQL for the time unit {unit!r}")


def period_sql(step, lo: int) -> str:
    """An answer's place on the grid (NULL when undated), in DuckDB's dialect: the unit count floored
    to the step (v - (v - offset) mod k; times after 1970 only, so the modulo of both dialects is the
    floor's), less the grid's first, in steps."""
    v = _unit_value(step.unit)
    return f"CAST(({v} - (({v} - ({step.offset})) % {step.k}) - ({lo})) / {step.k} AS BIGINT)"


def dated_sql(step, lo: int) -> str:
    """Each answer's worker and place on the grid."""
    return f"SELECT worker_id, {period_sql(step, lo)} AS period_no FROM answers"


@dataclass(frozen=True)
class Placed:
    """The grid the answers fall on, decided as locally (core.bounds.time_grid over the first and last
    time), and what the SQL needs to place an answer on it (period_sql's step and first period)."""

    grid: Grid
    step: _Step
    lo: int


def placed(ask: Callable[[str], pd.DataFrame], answers: str, freq: str, dialect: str = "trino",
           max_periods: int = MAX_PERIODS) -> Placed | Grid | None:
    """The grid of `answers` from one query (their first and last time): a Placed, or, when it has no
    period, the empty Grid (None without a dated answer)."""
    ends = ask(qualified(None, {"answers": answers}, dialect, sql=BOUNDS))
    times = pd.to_datetime(pd.Series([ends["first_time"].iloc[0], ends["last_time"].iloc[0]])).dropna()
    times = times.dt.tz_localize("UTC") if times.dt.tz is None else times.dt.tz_convert("UTC")
    grid = time_grid(times, freq, max_periods) if not times.empty else None
    if grid is None or grid.index.empty:
        return grid
    step = _step(grid.step)
    return Placed(grid, step, int(_floor(pd.DatetimeIndex([times.min()]).as_unit("us").asi8, step)[0]))


def labels_over_time(ask: Callable[[str], pd.DataFrame], answers: str, freq: str = "h", dialect: str = "trino",
                     max_periods: int = MAX_PERIODS) -> pd.DataFrame:
    """metrics.labels_over_time's frame (period, worker_id, labels; attrs step and note) from queries
    `ask` runs in `dialect` over `answers` (a table, or a SELECT of the chosen answers)."""
    over = {"answers": answers}
    found = placed(ask, answers, freq, dialect, max_periods)
    if not isinstance(found, Placed):
        out = pd.DataFrame(columns=["period", "worker_id", "labels"])
        out.attrs.update(step=found.step if found else freq, note=None)
        return out
    grid, step, lo = found.grid, found.step, found.lo
    grid_sql = f"SELECT UNNEST(GENERATE_SERIES(0, {len(grid.index) - 1})) AS period_no"
    tables = {"dated": qualified(None, over, dialect, sql=dated_sql(step, lo)),
              "grid": sqlglot.transpile(grid_sql, read="duckdb", write=dialect)[0]}
    active = ask(qualified("active_workers", tables, dialect))
    counts = ask(qualified("period_counts", tables, dialect))
    workers = active.sort_values("worker_no")["worker_id"].reset_index(drop=True)
    out = pd.DataFrame({
        "period": grid.index.take(counts["period_no"].to_numpy(dtype=np.int64)),
        "worker_id": workers.take(counts["worker_no"].to_numpy(dtype=np.int64) - 1).reset_index(drop=True),
        "labels": counts["labels"].to_numpy(dtype=np.int64),
    })
    out.attrs.update(step=grid.step, note=grid.note)
    return out


def race_counts(run, freq: str, anonymize: bool = False) -> tuple[pd.DataFrame, dict[str, str]]:
    """What the race needs from Athena, for the command and the page alike: the labels per worker per
    period over the plan's answers (`run` is an athena_workers.WorkerRun, prepared here), and, with
    `anonymize`, Worker N numbered over the whole source as locally ({} otherwise)."""
    run.prepare()
    over = labels_over_time(run.query, run.plan.answers(), freq)
    if not anonymize:
        return over, {}
    from .athena_workers import whole_names

    return over, whole_names(run)
