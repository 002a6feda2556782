"""The jobs overview that the Jobs page shows and `python -m core jobs` prints (pure functions)."""

from __future__ import annotations

from datetime import datetime, timedelta

import pandas as pd

from .gt.job import Job
from .gt.service import ACTIVE, EXPIRY_DAYS, JobSummary

COUNTERS = ["HumanLabeled", "MachineLabeled", "FailedNonRetryableError", "Unlabeled"]
COLUMNS = [
    "job", "status", "task", "team", "labeled", "human", "machine", "failed", "unlabeled", "objects", "done",
    "created", "modified", "days_left", "failure_reason",
]


def days_left(status: str, created: datetime, now: datetime) -> float | None:
    """Days before an unfinished job expires, 30 days after creation (Appendix B)."""
    if status not in ACTIVE:
        return None
    return max(0.0, (created + timedelta(days=EXPIRY_DAYS) - now).total_seconds() / 86400)


def job_table(summaries: list[JobSummary], now: datetime) -> pd.DataFrame:
    """One row per job, newest first. `done` is the share of objects no longer waiting."""
    rows = []
    for job in map(Job.from_summary, summaries):
        c = job.counters
        rows.append({
            "job": job.name, "status": job.status, "task": job.task_name, "team": job.team,
            "labeled": c.total, "human": c.human, "machine": c.machine, "failed": c.failed, "unlabeled": c.unlabeled,
            "objects": c.objects,
            "done": (c.total + c.failed) / c.objects if c.objects else None,
            "created": pd.Timestamp(job.created),
            "modified": pd.Timestamp(job.modified),
            "days_left": days_left(job.status, job.created, now),
            "failure_reason": job.failure_reason or "",
        })
    df = pd.DataFrame(rows, columns=COLUMNS)
    return df.sort_values("created", ascending=False, ignore_index=True)


def eta(answers: pd.DataFrame, remaining_objects: int, workers_per_object: int, now: datetime,
        window: timedelta = timedelta(hours=24)) -> timedelta | None:
    """Time to finish at the answer rate of the last `window`, or None when nothing was answered
    in it (a stalled job has no honest ETA)."""
    if remaining_objects <= 0:
        return timedelta(0)
    recent = answers[answers["submission_time"] >= pd.Timestamp(now) - window]
    if recent.empty:
        return None
    span = (pd.Timestamp(now) - recent["submission_time"].min()).total_seconds()
    per_second = len(recent) / max(span, 60.0)
    return timedelta(seconds=remaining_objects * workers_per_object / per_second)
