"""Did the races help? The team's and each worker's pace in the days before and after a race reached
them, with a bootstrap interval and a verdict that claims no more than the data supports (pure).

Pace is two measures, each per day (a day is 24 hours counted from the race's time, so the race
splits no day):
- labels per active hour: labels over active hours, an active hour being a clock hour (UTC) in which
  a worker submitted at least one answer; a team's is its labels over the sum of its workers' active
  hours (the pooled ratio: a day with little work weighs little);
- share of workers active: the workers who answered that day over the team, the team being everyone
  who answered in either window.

Only days the data covers are compared: a day that ends before the source's first answer or starts
after its last is left out, not counted as a day without work. Days inside with no answer count (a
weekend is part of a week). With the default 7 days a side, each window holds each weekday once.

The interval resamples the days of each window with replacement (RESAMPLES times, seeded: the same
answers give the same interval) and recomputes the change; 95 % of the resampled changes lie in
it. It speaks for day-to-day ups and downs only. What it cannot see is everything else that changed
at the same time: before/after is not a controlled experiment, and every result says so (CAVEAT).

A race whose days before already hold an earlier race is not compared by itself (its "before" is
not without a race): with a daily race, what can be measured is the first race against the days
before it, and `later` says how many more races fell in its days after.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

WINDOW_DAYS = 7
MIN_DAYS = 3  # days with answers needed on each side before anything is claimed
RESAMPLES = 2000
LEVEL = 0.95
DAY = pd.Timedelta(days=1)
CAVEAT = ("Before and after is not a controlled experiment: the jobs, their task types and who was on the team "
          "may have changed at the same time, so a change is not proof that the race caused it.")
WORKER_COLUMNS = ["worker_id", "active_days_before", "active_days_after", "pace_before", "pace_after", "change",
                  "change_low", "change_high", "verdict"]


@dataclass(frozen=True)
class Race:
    """When a race reached the team, and from which record (core.race.sent)."""

    at: pd.Timestamp  # UTC
    how: str  # the record, in words: "sent to topic ... (audit trail)"
    exact: bool = True  # False: only the day is known (a saved race's name); that day is left out

    @property
    def when(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} UTC" if self.exact else f"{self.at:%Y-%m-%d}"

    @property
    def after_start(self) -> pd.Timestamp:
        return self.at if self.exact else self.at + DAY


@dataclass(frozen=True)
class Change:
    """One measure before and after, its change and interval, and the verdict in words."""

    measure: str  # "pace" (labels per active hour) or "active" (share of workers active a day)
    before: float
    after: float
    change: float  # relative for pace (0.18 = +18 %), points of share for active (0.12 = +12 points)
    low: float
    high: float
    days_before: int  # days with answers
    days_after: int
    verdict: str

    @property
    def enough(self) -> bool:
        return self.days_before >= MIN_DAYS and self.days_after >= MIN_DAYS


@dataclass(frozen=True)
class RaceEffect:
    race: Race
    window_days: int
    later: int  # more races in the days after, counted with this one
    pace: Change
    active: Change
    workers: pd.DataFrame  # WORKER_COLUMNS, most labels in the windows first

    @property
    def headline(self) -> str:
        more = f" (and {self.later} more race(s) in the {self.window_days} days after)" if self.later else ""
        said = self.pace.verdict if not self.pace.enough else f"{self.pace.verdict}; {self.active.verdict}"
        return f"Race of {self.race.when}{more}: {said}."


def first_races(races: list[Race], window_days: int = WINDOW_DAYS) -> list[tuple[Race, int]]:
    """The races whose days before hold no other race, each with how many races follow it within
    its days after; in time order."""
    ordered = sorted(races, key=lambda r: r.at)
    window = pd.Timedelta(days=window_days)
    out = []
    for i, race in enumerate(ordered):
        if i and ordered[i - 1].at > race.at - window:
            continue
        later = sum(1 for other in ordered[i + 1:] if other.at < race.after_start + window)
        out.append((race, later))
    return out


def _days(answers: pd.DataFrame, race: Race, window_days: int) -> tuple[pd.DataFrame, np.ndarray, np.ndarray]:
    """Per worker and day of the two windows: labels and active hours (answers inside only); and
    the observed days before (offsets -window..-1) and after (0..window-1)."""
    times = answers["submission_time"]
    dated = answers[times.notna()]
    t = dated["submission_time"]
    before_start = race.at - window_days * DAY
    offsets = np.arange(-window_days, window_days)
    starts = np.where(offsets < 0, before_start.value + (offsets + window_days) * DAY.value,
                      race.after_start.value + offsets.clip(0) * DAY.value)
    if t.empty:  # no dated answer: no day is observed
        observed = np.zeros(len(offsets), dtype=bool)
    else:
        observed = (starts + DAY.value > t.min().value) & (starts <= t.max().value)
    before_days, after_days = offsets[(offsets < 0) & observed], offsets[(offsets >= 0) & observed]
    in_before = (t >= before_start) & (t < race.at)
    in_after = (t >= race.after_start) & (t < race.after_start + window_days * DAY)
    inside = dated[in_before | in_after]
    ti = inside["submission_time"]
    day = np.where(ti < race.at, -window_days + (ti - before_start) // DAY, (ti - race.after_start) // DAY)
    frame = pd.DataFrame({"worker_id": inside["worker_id"].to_numpy(), "day": day.astype(int),
                          "hour": ti.dt.floor("h").to_numpy()})
    per = frame.groupby(["worker_id", "day"]).agg(labels=("hour", "size"), hours=("hour", "nunique")).reset_index()
    return per, before_days, after_days


def _resample(values: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """RESAMPLES x len(values) index draws over the rows of `values` (days, measures)."""
    return values[rng.integers(0, len(values), (RESAMPLES, len(values)))]


def _interval(samples: np.ndarray, days: int) -> tuple[float, float]:
    """The expanded percentile interval (Hesterberg, "What teachers should know about the
    bootstrap", 2015): with a week of days a side, the plain 2.5-97.5 percentiles are too narrow
    (resampling 7 values misses the spread of a t distribution with 6 degrees of freedom) and, on
    the simulator with no change at all, claimed one for 9 teams in 100; the tails are widened as
    the t distribution of the smaller side's days asks."""
    from scipy.stats import norm, t

    samples = samples[np.isfinite(samples)]
    if not len(samples) or days < 2:
        return float("nan"), float("nan")
    tail = norm.cdf(-np.sqrt(days / (days - 1)) * t.ppf(1 - (1 - LEVEL) / 2, days - 1)) * 100
    return float(np.percentile(samples, tail)), float(np.percentile(samples, 100 - tail))


def _pace_change(before: np.ndarray, after: np.ndarray, seed: int) -> tuple[float, float, float, float, float]:
    """(before, after, relative change, low, high) of labels per active hour; rows are days of
    (labels, hours)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        b = before[:, 0].sum() / before[:, 1].sum() if len(before) else np.nan
        a = after[:, 0].sum() / after[:, 1].sum() if len(after) else np.nan
        if not (len(before) and len(after)) or not b or not np.isfinite(b) or not np.isfinite(a):
            return b, a, np.nan, np.nan, np.nan
        rng = np.random.default_rng(seed)
        rb, ra = _resample(before, rng), _resample(after, rng)
        ratios = (ra[..., 0].sum(1) / ra[..., 1].sum(1)) / (rb[..., 0].sum(1) / rb[..., 1].sum(1)) - 1
    return float(b), float(a), float(a / b - 1), *_interval(ratios, min(len(before), len(after)))


def _share_change(before: np.ndarray, after: np.ndarray, seed: int) -> tuple[float, float, float, float, float]:
    """(before, after, difference in points, low, high) of the mean daily share of workers active."""
    if not (len(before) and len(after)):
        return float("nan"), float("nan"), float("nan"), float("nan"), float("nan")
    rng = np.random.default_rng(seed)
    diffs = _resample(after, rng).mean(1) - _resample(before, rng).mean(1)
    return (float(before.mean()), float(after.mean()), float(after.mean() - before.mean()),
            *_interval(diffs, min(len(before), len(after))))


def verdict(measure: str, change: float, low: float, high: float, days_before: int, days_after: int) -> str:
    """What a change says in words, never more than its interval allows."""
    if days_before < MIN_DAYS or days_after < MIN_DAYS:
        return (f"not enough days ({days_before} with answers before, {days_after} after; "
                f"{MIN_DAYS} each needed)")
    if not np.isfinite(change) or not np.isfinite(low):
        return "not enough days (no active hour on one side)"
    unit = " points" if measure == "active" else " %"
    what = "pace" if measure == "pace" else "share of workers active"
    span = f"95 % interval {low * 100:+.0f} to {high * 100:+.0f}{unit}"
    if low <= 0 <= high:
        return f"no clear change (interval includes zero): {change * 100:+.0f}{unit}, {span}"
    lo, hi = sorted((abs(low) * 100, abs(high) * 100))
    moved = "rose" if change > 0 else "fell"
    return f"{what} {moved} by {abs(change) * 100:.0f}{unit} (95 % interval {lo:.0f}–{hi:.0f}{unit})"


def _claimable(numbers: tuple, days_before: int, days_after: int) -> tuple:
    """`numbers` with the change and its interval unknown when there are too few days to claim one,
    so no figure that looks like a finding is shown."""
    if days_before < MIN_DAYS or days_after < MIN_DAYS:
        return (*numbers[:2], float("nan"), float("nan"), float("nan"))
    return numbers


def _change(measure: str, numbers: tuple, days_before: int, days_after: int) -> Change:
    before, after, change, low, high = _claimable(numbers, days_before, days_after)
    return Change(measure, before, after, change, low, high, days_before, days_after,
                  verdict(measure, change, low, high, days_before, days_after))


def race_effect(answers: pd.DataFrame, race: Race, window_days: int = WINDOW_DAYS, later: int = 0,
                seed: int = 0) -> RaceEffect:
    """The team's and each worker's pace in `window_days` before and after `race` (see the module
    docstring). `answers` needs worker_id and submission_time (UTC; undated answers are left out)."""
    per, before_days, after_days = _days(answers, race, window_days)
    team = sorted(per["worker_id"].unique())
    daily = per.groupby("day").agg(labels=("labels", "sum"), hours=("hours", "sum"), active=("worker_id", "size"))

    def rows(days: np.ndarray) -> np.ndarray:
        got = daily.reindex(days, fill_value=0)
        return np.column_stack([got["labels"], got["hours"], got["active"] / max(len(team), 1)]).astype(float)

    b, a = rows(before_days), rows(after_days)
    worked_b, worked_a = int((b[:, 0] > 0).sum()), int((a[:, 0] > 0).sum())
    pace = _change("pace", _pace_change(b[:, :2], a[:, :2], seed), worked_b, worked_a)
    active = _change("active", _share_change(b[:, 2], a[:, 2], seed), worked_b, worked_a)
    return RaceEffect(race, window_days, later, pace, active, _workers(per, before_days, after_days, seed))


def _workers(per: pd.DataFrame, before_days: np.ndarray, after_days: np.ndarray, seed: int) -> pd.DataFrame:
    """Each worker's labels per active hour before and after, over the same observed days."""
    out = []
    totals = per.groupby("worker_id")["labels"].sum().sort_values(ascending=False, kind="stable")
    for worker in totals.index:
        mine = per[per["worker_id"] == worker].set_index("day")[["labels", "hours"]]
        b = mine.reindex(before_days, fill_value=0).to_numpy(float)
        a = mine.reindex(after_days, fill_value=0).to_numpy(float)
        days_b, days_a = int((b[:, 0] > 0).sum()), int((a[:, 0] > 0).sum())
        before, after, change, low, high = _claimable(_pace_change(b, a, seed), days_b, days_a)
        out.append({"worker_id": worker, "active_days_before": days_b, "active_days_after": days_a,
                    "pace_before": before, "pace_after": after, "change": change, "change_low": low,
                    "change_high": high, "verdict": verdict("pace", change, low, high, days_b, days_a)})
    return pd.DataFrame(out, columns=WORKER_COLUMNS)


def race_effects(answers: pd.DataFrame, races: list[Race], window_days: int = WINDOW_DAYS,
                 seed: int = 0) -> list[RaceEffect]:
    """race_effect for each race whose days before hold no other race (first_races)."""
    return [race_effect(answers, race, window_days, later, seed) for race, later in first_races(races, window_days)]


def summary_rows(effects: list[RaceEffect]) -> pd.DataFrame:
    """One row per race compared, for a table or a CSV: the team's two measures and their verdicts."""
    return pd.DataFrame([{
        "race_at": e.race.at, "record": e.race.how, "later_races": e.later, "window_days": e.window_days,
        "days_before": e.pace.days_before, "days_after": e.pace.days_after,
        "pace_before": e.pace.before, "pace_after": e.pace.after, "pace_change": e.pace.change,
        "pace_low": e.pace.low, "pace_high": e.pace.high, "pace_verdict": e.pace.verdict,
        "active_before": e.active.before, "active_after": e.active.after, "active_change": e.active.change,
        "active_low": e.active.low, "active_high": e.active.high, "active_verdict": e.active.verdict,
    } for e in effects])
