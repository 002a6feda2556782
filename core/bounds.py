"""Limits on what data can make the app do (pure functions).

An answer dated 0001-01-01 and another 9999-12-31 once asked for 3.6 million daily periods (and a
billion 5-minute ones). So answers dated where no labeling can have happened are reported and kept
out of everything that is placed in time, and every time grid has a hard cap on its periods: past
it, the grid coarsens itself (5 min, 15 min, ..., day, week, month, ...) and says so.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta

import numpy as np
import pandas as pd

from .gt.errors import Skipped
from .ingest import SourceData

# Ground Truth opened in November 2018: nothing was labeled with it before 2018.
EARLIEST = pd.Timestamp("2018-01-01", tz="UTC")
# Clocks drift and time zones confuse: a day past the caller's "now" is still plausible.
FUTURE_SLACK = timedelta(days=1)
MAX_PERIODS = 2000  # a race of 2,000 periods already plays for 17 minutes


def _day(ts: pd.Timestamp) -> str:
    return f"{ts.year:04d}-{ts.month:02d}-{ts.day:02d}"  # strftime pads no year before 1000


def screen_dates(data: SourceData, now: datetime) -> SourceData:
    """`data` with every answer submitted before EARLIEST or more than FUTURE_SLACK after `now`
    undated (NaT): still a label of its worker, but left out of dates, active days and hours,
    charts and races, and listed in `suspect` with its file and why.

    `now` comes from the caller (the demo runs on a simulated clock), never from the wall.
    """
    times = data.answers["submission_time"]
    latest = pd.Timestamp(now)
    latest = (latest if latest.tzinfo else latest.tz_localize("UTC")) + FUTURE_SLACK
    early, late = times < EARLIEST, times > latest
    bad = early | late
    if not bad.any():
        return data
    notes = []
    odd = data.answers[bad]
    for key, index, ts, before in zip(odd["file"], odd["answer"], odd["submission_time"], early[bad], strict=True):
        why = (f"before {EARLIEST:%Y-%m-%d} (Ground Truth opened in November 2018)" if before
               else f"after {latest:%Y-%m-%d %H:%M} UTC, in the future")
        notes.append(Skipped(data.file_uri(key), f"answers[{index}] submissionTime {_day(ts)} {ts:%H:%M:%S} is {why}: "
                                  "counted as a label, left out of dates and charts"))
    answers = data.answers.assign(submission_time=times.mask(bad))
    return replace(data, answers=answers, suspect=[*data.suspect, *notes])


# ---- Time grids --------------------------------------------------------------------------------

@dataclass(frozen=True)
class _Step:
    name: str  # as a note names it
    unit: str  # numpy datetime unit ("us" for any fixed length)
    k: int  # units per period
    offset: int = 0  # the unit count a period starts at, from 1970-01-01 (weeks start on Mondays)

    @property
    def approx(self) -> pd.Timedelta:
        per = {"us": pd.Timedelta(microseconds=1), "m": pd.Timedelta(minutes=1), "h": pd.Timedelta(hours=1),
               "D": pd.Timedelta(days=1), "M": pd.Timedelta(days=30.44), "Y": pd.Timedelta(days=365.25)}
        return per[self.unit] * self.k


LADDER = (
    _Step("5 min", "m", 5), _Step("15 min", "m", 15), _Step("30 min", "m", 30), _Step("hour", "h", 1),
    _Step("3 hours", "h", 3), _Step("6 hours", "h", 6), _Step("day", "D", 1), _Step("week", "D", 7, 4),
    _Step("month", "M", 1), _Step("quarter", "M", 3), _Step("year", "Y", 1),
    # Decades from years ending in 1 (2021-2030), as centuries and millennia: none starts in year 0.
    _Step("decade", "Y", 10, -1969), _Step("century", "Y", 100, -1969), _Step("millennium", "Y", 1000, -1969),
)


@dataclass(frozen=True)
class Grid:
    periods: pd.Series  # the start of each time's period (NaT stays NaT), on the times' index
    index: pd.DatetimeIndex  # every period from the first to the last, empty ones too
    step: str  # the period used, e.g. "hour"
    note: str | None  # set when the grid was coarsened: what and why, for a caption


def _step(freq: str) -> _Step:
    """A pandas frequency (5min, h, 6h, D, ...) or a ladder name (week, month, ...) as a step."""
    named = {s.name: s for s in LADDER}
    if freq in named:
        return named[freq]
    try:
        length = pd.Timedelta(pd.tseries.frequencies.to_offset(freq))
    except ValueError as exc:
        raise ValueError(f"period {freq!r}: use a fixed length such as 5min, h, 6h or D, or one of "
                         f"{', '.join(s.name for s in LADDER[7:11])}") from exc
    if length <= pd.Timedelta(0):
        raise ValueError(f"period {freq!r} must be longer than zero")
    same = [s for s in LADDER if s.unit != "M" and s.unit != "Y" and s.offset == 0 and s.approx == length]
    return same[0] if same else _Step(freq, "us", length // pd.Timedelta(microseconds=1))


def _floor(us: np.ndarray, step: _Step) -> np.ndarray:
    """Period numbers (in the step's unit) of times given as int64 microseconds since 1970 (UTC)."""
    v = us if step.unit == "us" else us.astype("datetime64[us]").astype(f"datetime64[{step.unit}]").astype(np.int64)
    return v - (v - step.offset) % step.k  # numpy's % floors, so times before 1970 floor too


def _as_times(values: np.ndarray, step: _Step) -> pd.DatetimeIndex:
    """Microsecond resolution: it holds years 1 to 9999, which nanoseconds (1677-2262) do not."""
    stamps = values.astype(f"datetime64[{step.unit}]").astype("datetime64[us]")
    return pd.DatetimeIndex(stamps).tz_localize("UTC")



def time_grid(times: pd.Series, freq: str, max_periods: int = MAX_PERIODS) -> Grid:
    """Periods of `freq` over UTC `times`, coarsened step by step until at most `max_periods`.

    Counting a step's periods looks at the first and last time only, so a grid that would be too
    big is never built. Raises ValueError for a frequency that is not a period length.
    """
    step = _step(freq)
    known = times.dropna()
    if known.empty:
        return Grid(pd.Series(pd.NaT, index=times.index, dtype="datetime64[us, UTC]"),
                    pd.DatetimeIndex([], tz="UTC").as_unit("us"), step.name, None)
    ends = pd.DatetimeIndex([known.min(), known.max()]).tz_convert("UTC").as_unit("us").asi8

    def count(s: _Step) -> int:
        lo, hi = _floor(ends, s)
        return int((hi - lo) // s.k + 1)

    wanted, chosen = count(step), step
    if wanted > max_periods:
        coarser = [s for s in LADDER if s.approx > step.approx]
        chosen = next((s for s in coarser if count(s) <= max_periods), LADDER[-1])
    us = pd.DatetimeIndex(known).tz_convert("UTC").as_unit("us").asi8
    floored = pd.Series(_as_times(_floor(us, chosen), chosen), index=known.index)
    periods = floored.reindex(times.index)  # NaT where the time is unknown
    lo, hi = _floor(ends, chosen)
    index = _as_times(np.arange(lo, hi + 1, chosen.k), chosen)
    note = None
    if chosen is not step:
        note = (f"Periods coarsened to {chosen.name}: by {step.name}, {_day(known.min())} to "
                f"{_day(known.max())} makes {wanted:,} periods, over the limit of {max_periods:,}.")
    return Grid(periods, index, chosen.name, note)
