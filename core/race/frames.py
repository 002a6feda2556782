"""The race's data: cumulative labels per worker on a regular time grid (pure pandas).

Every answer counts: AWS's published recipe reads only `iteration-1` and only the first answer of
each file, which on the real 2019 fixture counts 10 of its 1,510 labels.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from ..bounds import MAX_PERIODS, time_grid

PERIODS = {"5 min": "5min", "hour": "h", "day": "D"}  # or any pandas frequency, e.g. "15min", "6h"
PERIOD_FORMATS = {"5 min": "%Y-%m-%d %H:%M", "hour": "%Y-%m-%d %H:00", "day": "%Y-%m-%d"}


def natural_period(answers: pd.DataFrame) -> str:
    """The coarsest period that still gives a race of a dozen or more steps."""
    span = answers["submission_time"].max() - answers["submission_time"].min()
    if pd.isna(span):  # no dated answer
        return "day"
    return "5 min" if span <= pd.Timedelta(hours=2) else "hour" if span <= pd.Timedelta(days=3) else "day"


@dataclass(frozen=True)
class RaceOptions:
    """What a race shows and how. The defaults suit a daily team update."""

    period: str = "day"  # a key of PERIODS or a pandas frequency
    top: int = 10  # bars shown
    title: str = "Labels per worker"
    period_format: str | None = None  # strftime; None = by period
    summary: bool = True  # "Total labels: N" under the period
    colormap: str = "tableau"  # a key of core.race.colors.PALETTES
    weight: str = "count"  # what a label counts: a key of core.race.weights.WEIGHTS
    # Video only: AWS's published recipe used figsize 5x3, dpi 144, 5 steps per period.
    steps_per_period: int = 5
    period_length_ms: int = 500
    figsize: tuple[float, float] = (5.0, 3.0)
    dpi: int = 144

    @property
    def freq(self) -> str:
        return PERIODS.get(self.period, self.period)

    @property
    def unit(self) -> str:
        """What the bars add up, for a summary line."""
        return "labels" if self.weight == "count" else "weighted labels"

    @property
    def label_format(self) -> str:
        return self.period_format or PERIOD_FORMATS.get(self.period, "%Y-%m-%d %H:%M")


def race_table(answers: pd.DataFrame, names: dict[str, str], freq: str, max_periods: int = MAX_PERIODS,
               weights: pd.Series | None = None) -> pd.DataFrame:
    """Wide table: index = period start (UTC, every period from the first to the last, empty ones
    too), columns = worker display names, values = labels submitted up to the end of the period.
    Monotone per worker, no NaN; the last row sums to the number of dated answers (undated ones
    have no period). At most `max_periods` rows: `attrs["step"]` is the period used and
    `attrs["note"]` says when it had to be coarser than `freq`.

    With `weights` (per answer, answers' index, 0 to 1: core.race.weights), each label counts its
    weight instead of 1 (NaN counts 0), and the running totals are rounded to whole labels;
    `attrs["unit"]` says which ("labels" or "weighted labels") for summary_line and the race's message."""
    grid = time_grid(answers["submission_time"], freq, max_periods) if not answers.empty else None
    if grid is None or grid.index.empty:
        return pd.DataFrame()
    dated = grid.periods.notna()
    # A dict lookup in C, not per row (an empty one would make an all-NaN float column).
    worker = answers["worker_id"].map(names).fillna(answers["worker_id"]) if names else answers["worker_id"]
    if weights is None:
        counts = pd.crosstab(grid.periods[dated], worker[dated])
    else:
        counts = pd.crosstab(grid.periods[dated], worker[dated], values=weights[dated].fillna(0.0),
                             aggfunc="sum").fillna(0.0)
    table = counts.reindex(grid.index.rename("period"), fill_value=0).cumsum()
    if weights is not None:
        table = table.round()  # a rounded running total of weights >= 0 still never falls
    table.columns.name = None
    # Leader first: a stable column order makes colours and renders reproducible.
    table = table[table.iloc[-1].sort_values(ascending=False, kind="stable").index].astype("int64")
    table.attrs.update(step=grid.step, note=grid.note, unit="labels" if weights is None else "weighted labels")
    return table


def race_table_of(over_time: pd.DataFrame, names: dict[str, str]) -> pd.DataFrame:
    """race_table's table from labels per worker per period on the whole grid (metrics.labels_over_time's
    frame, or core.engine.athena_race's from Athena): the same columns, order, counts and attrs."""
    if over_time.empty:
        return pd.DataFrame()
    worker = over_time["worker_id"].map(names).fillna(over_time["worker_id"]) if names else over_time["worker_id"]
    counts = over_time.assign(worker=worker).groupby(["period", "worker"])["labels"].sum().unstack("worker")
    table = counts.sort_index().fillna(0).cumsum()
    table.index.name, table.columns.name = "period", None
    table = table[table.iloc[-1].sort_values(ascending=False, kind="stable").index].astype("int64")
    table.attrs.update(step=over_time.attrs.get("step"), note=over_time.attrs.get("note"), unit="labels")
    return table


def summary_line(table: pd.DataFrame, top: int = 3, unit: str | None = None) -> str:
    """'1,510 labels. Top 3: Ana (80), Bo (75), Cy (70).' for a message or a caption; `unit` names
    what a bar counts (default: what race_table says it counted, "labels" or "weighted labels")."""
    if table.empty:
        return "No labels in this selection."
    unit = unit or table.attrs.get("unit") or "labels"
    final = table.iloc[-1].sort_values(ascending=False, kind="stable")
    leaders = ", ".join(f"{name} ({count:,})" for name, count in final.head(top).items())
    return f"{int(final.sum()):,} {unit}. Top {min(top, len(final))}: {leaders}."
