"""A running job's forecast: the time and the cost to finish at its current pace, and what-ifs (one more
worker per object, auto-labeling on, more workers), each figure with the assumption it rests on.

Pure: the caller gives the job (its LabelCounters and settings, §6), its answers and the time. Facts:
- pace: answers per hour over the last 24 hours, as the Jobs page's ETA (core.jobs.eta);
- cost: Ground Truth's fee per labeled object plus, for the public crowd, workers x the task price (§9);
  the fee is $0.08 at every volume (lower rates for large volumes are unconfirmed, §9), the free
  tier is left out, so the cost is an upper bound;
- auto-labeling (§4): only four task types, from 1,250 objects; the validation set (20 % of the data
  below 5,000 objects, 10 % above) always goes to people; a running job cannot turn it on: a job
  chained on its output with the same attribute can (§8).
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal

import pandas as pd

from .errors import GroundControlError
from .gt.job import Job
from .jobs import days_left, eta
from .launch.cost import SERVICE_FEE_USD, price_of

WINDOW = timedelta(hours=24)  # the pace's window: the ETA's
MAX_WORKERS_PER_OBJECT = 9  # NumberOfHumanWorkersPerDataObject (§6)
AUTO_LABEL_TASKS = ("ImageMultiClass", "TextMultiClass", "BoundingBox", "SemanticSegmentation")  # §4
AUTO_LABEL_MIN_OBJECTS = 1250  # §4


class ForecastError(GroundControlError, ValueError):
    """No forecast can be made for this job; the message says why."""


@dataclass(frozen=True)
class Scenario:
    name: str  # what is assumed, in a few words: "At the current pace", "One more worker per object", ...
    hours: float | None  # to finish; None when the pace is unknown
    cost_usd: Decimal | None  # to finish; None when a price is unknown (a vendor's)
    assumptions: tuple[str, ...]  # what the figures rest on, in plain words
    available: bool = True  # False: this what-if cannot be done for this job (the first assumption says why)


@dataclass(frozen=True)
class Pace:
    answers: int  # answers in the window
    active_workers: int  # workers who answered in it
    per_hour: float | None  # answers per hour (None: no answer in the window)


@dataclass(frozen=True)
class Forecast:
    job: str
    objects_left: int  # LabelCounters.Unlabeled
    workers_per_object: int
    pace: Pace
    days_left: float | None  # before the 30-day expiry
    scenarios: list[Scenario] = field(default_factory=list)

    @property
    def now(self) -> Scenario:
        return self.scenarios[0]


def pace(answers: pd.DataFrame, now: datetime, window: timedelta = WINDOW) -> Pace:
    """Answers per hour over the window, as core.jobs.eta counts them (at least a minute of span)."""
    recent = answers[answers["submission_time"] >= pd.Timestamp(now) - window]
    if recent.empty:
        return Pace(0, 0, None)
    span = (pd.Timestamp(now) - recent["submission_time"].min()).total_seconds()
    return Pace(len(recent), int(recent["worker_id"].nunique()), len(recent) / max(span, 60.0) * 3600)


def _task_price(job: Job) -> tuple[Decimal | None, str]:
    """USD per worker per task, and where it comes from (§9)."""
    if job.workforce == "private":
        return Decimal(0), "a private team: no per-task worker fee (you pay your workers yourself)"
    if job.workforce == "public" and job.price:
        price = price_of(job.price)
        return price, f"the public crowd at ${price} per task (PublicWorkforceTaskPrice)"
    if job.workforce == "vendor":
        return None, "a vendor team: its price (AWS Marketplace listing) is not known here"
    return None, "the public crowd without a task price: worker fees unknown"


def _cost(human: int, machine: int, workers: int, price: Decimal | None) -> Decimal | None:
    if price is None:
        return None
    return SERVICE_FEE_USD * (human + machine) + price * workers * human


def _usd(value: Decimal) -> str:
    return f"${value:,.2f}"


def _fee_words(price_note: str) -> str:
    return (f"${SERVICE_FEE_USD} Ground Truth fee per object (no volume discount assumed, free tier left out); "
            f"{price_note}")


def machine_share(job: Job, finished: Iterable[Job]) -> tuple[float | None, str]:
    """The share auto-labeling is expected to label, and why: this job's own so far when it auto-labels,
    else that of the finished auto-labeling jobs of its task type (the benchmark's machine share:
    machine / (human + machine) labels), else None."""
    c = job.counters
    if job.auto_labeling and c.total:
        return c.machine / c.total, f"this job's own machine share so far ({c.machine:,} of {c.total:,} labels)"
    # A job summary (ListLabelingJobs) has no LabelingJobAlgorithmsConfig: its machine labels tell.
    same = [j for j in finished if (j.auto_labeling or j.counters.machine) and j.task_name == job.task_name
            and j.finished and j.name != job.name and j.counters.total]
    if same:
        machine, total = sum(j.counters.machine for j in same), sum(j.counters.total for j in same)
        names = ", ".join(j.name for j in same[:3]) + (" ..." if len(same) > 3 else "")
        return machine / total, (f"the machine share of {len(same)} finished auto-labeling {job.task_name} "
                                 f"job{'s' if len(same) > 1 else ''} here ({names}: {machine:,} of {total:,} labels)")
    return None, ""


def _best_share(objects: int) -> float:
    """The most auto-labeling can label: all but the validation set people label (§4)."""
    return 0.9 if objects >= 5000 else 0.8


def forecast(job: Job, answers: pd.DataFrame, now: datetime, finished: Iterable[Job] = (),
             more_workers: int = 2) -> Forecast:
    """The forecast of a running job from its answers (core.ingest's answers table of its output);
    `finished`: other jobs of the workspace, for the machine share of auto-labeling."""
    if not job.working:
        raise ForecastError(f"{job.name} is {job.status}: only a running job has a time and a cost to finish")
    if more_workers < 1:
        raise ForecastError(f"more workers must be at least 1, not {more_workers}")
    if not job.counters.objects:  # Initializing: LabelCounters are all 0 until the manifest is read
        raise ForecastError(f"{job.name} is {job.status}: Ground Truth has not counted its objects yet")
    left, workers = job.counters.unlabeled, int(job.workers_per_object or 0)
    if workers < 1:
        raise ForecastError(f"{job.name}: its description gives no NumberOfHumanWorkersPerDataObject")
    p = pace(answers, now)
    base = eta(answers, left, workers, now, WINDOW)
    hours = None if base is None else base.total_seconds() / 3600
    price, price_note = _task_price(job)
    pace_words = ("no answer in the last 24 hours: no honest time to finish" if p.per_hour is None else
                  f"{p.per_hour:,.0f} answers an hour, the pace of the last 24 hours ({p.answers:,} answers from "
                  f"{p.active_workers} worker{'s' if p.active_workers != 1 else ''})")
    need = f"{left:,} objects left x {workers} worker{'s' if workers != 1 else ''} each = {left * workers:,} answers"
    scenarios = [Scenario("At the current pace", hours, _cost(left, 0, workers, price),
                          (need, pace_words, _fee_words(price_note)))]
    scenarios.append(_one_more(job, left, workers, hours, price, price_note))
    scenarios.append(_auto_labeling(job, left, workers, hours, price, price_note, finished))
    scenarios.append(_more_workers(left, workers, hours, price, price_note, p, more_workers))
    return Forecast(job.name, left, workers, p, days_left(job.status, job.created, now) if job.created else None,
                    scenarios)


def _one_more(job: Job, left: int, workers: int, hours: float | None, price, price_note: str) -> Scenario:
    name = "One more worker per object"
    if workers >= MAX_WORKERS_PER_OBJECT:
        return Scenario(name, None, None, (f"not possible: {workers} workers per object is the most Ground Truth "
                                           "allows",), available=False)
    more = workers + 1
    return Scenario(name, None if hours is None else hours * more / workers, _cost(left, 0, more, price), (
        f"{left:,} objects x {more} workers = {left * more:,} answers, at the same answers an hour",
        "a running job keeps its workers per object: once it is stopped, a job chained on its output with the "
        f"same attribute sends the objects left to {more} workers each",
        _fee_words(price_note)))


def _auto_labeling(job: Job, left: int, workers: int, hours: float | None, price, price_note: str,
                   finished: Iterable[Job]) -> Scenario:
    name = "Auto-labeling on"
    if job.task_name not in AUTO_LABEL_TASKS:
        return Scenario(name, None, None, (f"not possible: Ground Truth auto-labels only image and text "
                                           f"classification, bounding boxes and semantic segmentation, not "
                                           f"{job.task_name}",), available=False)
    objects = job.counters.objects
    if objects < AUTO_LABEL_MIN_OBJECTS:
        return Scenario(name, None, None, (f"not possible: auto-labeling needs at least {AUTO_LABEL_MIN_OBJECTS:,} "
                                           f"objects, the job has {objects:,}",), available=False)
    share, why = machine_share(job, finished)
    if share is None:
        share = _best_share(objects)
        why = (f"at best: no finished auto-labeling {job.task_name} job here to learn the share from, so the most "
               f"the model can label ({share:.0%}: the validation set always goes to people)")
    machine = math.floor(left * share)
    human = left - machine
    chained = ("" if job.auto_labeling else
               "a running job cannot turn it on: a job chained on its output with the same attribute can; ")
    return Scenario(name, None if hours is None else hours * human / left if left else 0.0,
                    _cost(human, machine, workers, price), (
        f"{machine:,} of the {left:,} objects left labeled by the model ({share:.0%}: {why}), {human:,} by people",
        f"{chained}the people keep today's answers an hour; the model's training and inference time is not counted",
        _fee_words(price_note) + "; the instance time auto-labeling is billed for is not included"))


def _more_workers(left: int, workers: int, hours: float | None, price, price_note: str, p: Pace,
                  more: int) -> Scenario:
    name = f"{more} more worker{'s' if more != 1 else ''}"
    if p.active_workers == 0:
        return Scenario(name, None, _cost(left, 0, workers, price), (
            "no worker answered in the last 24 hours: no pace to scale", _fee_words(price_note)))
    scale = p.active_workers / (p.active_workers + more)
    return Scenario(name, None if hours is None else hours * scale, _cost(left, 0, workers, price), (
        f"the pace grows with the workers: {p.active_workers} active in the last 24 hours, "
        f"{p.active_workers + more} with {more} more, each as fast as today's average",
        "the cost does not change: it is per object, not per worker",
        _fee_words(price_note)))


def duration_text(hours: float | None) -> str:
    if hours is None:
        return "unknown"
    if hours == 0:
        return "nothing left"
    if hours < 1:
        return f"{max(hours * 60, 1):.0f} min"
    return f"{hours:.1f} h" if hours < 48 else f"{hours / 24:.1f} days"


def cost_text(value: Decimal | None) -> str:
    return "unknown" if value is None else _usd(value)


def rows(f: Forecast) -> list[dict]:
    """One row per scenario, for a table or JSON."""
    return [{"scenario": s.name, "available": s.available, "hours": None if s.hours is None else round(s.hours, 2),
             "time": duration_text(s.hours) if s.available else "not possible",
             "cost_usd": None if s.cost_usd is None else float(round(s.cost_usd, 2)),
             "cost": cost_text(s.cost_usd) if s.available else "", "assumptions": list(s.assumptions)}
            for s in f.scenarios]


def expiry_warning(f: Forecast) -> str | None:
    """Said when the job would not finish at the current pace before it expires (30 days, Appendix B)."""
    hours = f.now.hours
    if hours is None or f.days_left is None or hours <= f.days_left * 24:
        return None
    return (f"At this pace it needs {duration_text(hours)} but expires in {f.days_left:.1f} days: what is left "
            "then can only go out again in a new job chained on its output")
