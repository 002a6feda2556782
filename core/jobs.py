"""The jobs overview that the Jobs page shows and `python -m core jobs` prints (pure functions)."""

from __future__ import annotations

from datetime import datetime, timedelta

import pandas as pd

from .gt import tasks
from .gt.service import ACTIVE, EXPIRY_DAYS, JobSummary

COUNTERS = ["HumanLabeled", "MachineLabeled", "FailedNonRetryableError", "Unlabeled"]
COLUMNS = [
    "job", "status", "task", "team", "labeled", "human", "machine", "failed", "unlabeled", "objects", "done",
    "created", "modified", "days_left", "failure_reason",
]


def task_name(summary: JobSummary) -> str:
    """The built-in task a job runs, from its PRE/ACS Lambda (§7); `Custom` for its own Lambdas."""
    task = (tasks.builtin_function_task(summary.get("PreHumanTaskLambdaArn") or "", "PRE")
            or tasks.builtin_function_task(summary.get("AnnotationConsolidationLambdaArn") or "", "ACS"))
    return task.name if task else "Custom"


def team_name(arn: str | None) -> str:
    """`...:workteam/private-crowd/<team>` -> `<team>`; the public crowd is named as such."""
    if not arn:
        return ""
    kind, _, team = arn.partition(":workteam/")[2].partition("/")
    return "Public (Mechanical Turk)" if kind == "public-crowd" else team


WORKING = ("Initializing", "InProgress")  # labels still come in: only these can have an ETA


def days_left(status: str, created: datetime, now: datetime) -> float | None:
    """Days before an unfinished job expires, 30 days after creation (Appendix B)."""
    if status not in ACTIVE:
        return None
    return max(0.0, (created + timedelta(days=EXPIRY_DAYS) - now).total_seconds() / 86400)


def job_table(summaries: list[JobSummary], now: datetime) -> pd.DataFrame:
    """One row per job, newest first. `done` is the share of objects no longer waiting."""
    rows = []
    for s in summaries:
        c = s.get("LabelCounters", {})
        human, machine = c.get("HumanLabeled", 0), c.get("MachineLabeled", 0)
        failed, unlabeled = c.get("FailedNonRetryableError", 0), c.get("Unlabeled", 0)
        labeled = c.get("TotalLabeled", human + machine)
        objects = labeled + failed + unlabeled
        rows.append({
            "job": s["LabelingJobName"],
            "status": s["LabelingJobStatus"],
            "task": task_name(s),
            "team": team_name(s.get("WorkteamArn")),
            "labeled": labeled, "human": human, "machine": machine, "failed": failed, "unlabeled": unlabeled,
            "objects": objects,
            "done": (labeled + failed) / objects if objects else None,
            "created": pd.Timestamp(s["CreationTime"]),
            "modified": pd.Timestamp(s["LastModifiedTime"]),
            "days_left": days_left(s["LabelingJobStatus"], s["CreationTime"], now),
            "failure_reason": s.get("FailureReason") or "",
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
