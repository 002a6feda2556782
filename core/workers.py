"""The worker report that the Workers page shows and `python -m core workers` prints."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import pandas as pd

from . import metrics
from .identity import display_names
from .ingest import SourceData


@dataclass(frozen=True)
class Selection:
    """Which answers count: jobs (None = all) and an inclusive UTC date range."""

    jobs: tuple[str, ...] | None = None
    start: date | None = None
    end: date | None = None

    def apply(self, data: SourceData) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
        answers, labels, objects = data.answers, data.labels, data.objects
        if self.jobs is not None:
            keep = set(self.jobs)
            answers = answers[answers["job"].isin(keep)]
            labels = labels[labels["job"].isin(keep)]
            objects = objects[objects["job"].isin(keep)]
        day = answers["submission_time"].dt.date
        if self.start:
            answers = answers[day >= self.start]
            day = answers["submission_time"].dt.date
        if self.end:
            answers = answers[day <= self.end]
        return answers, labels, objects


def shown_names(data: SourceData, names: dict[str, str] | None, anonymize: bool) -> dict[str, str]:
    """worker_id -> the name to show: Worker N, a known name (by sub or id), or the id itself."""
    if anonymize:
        return metrics.anonymous_names(data.answers)
    subs = data.answers.groupby("worker_id")["sub"].first().to_frame()
    return display_names(subs, names or {}).to_dict()


def worker_report(
    data: SourceData,
    selection: Selection = Selection(),
    gold: dict[str, str] | None = None,
    names: dict[str, str] | None = None,
    anonymize: bool = False,
) -> pd.DataFrame:
    """One row per worker, most labels first, then a Team row; `worker` is the display name.

    Anonymous names are numbered over the whole source, so a filter never renumbers them, and the
    ids and subs are dropped from the result so nothing identifying is left to share.
    """
    answers, labels, objects = selection.apply(data)
    table = metrics.worker_table(answers, labels, objects, gold)
    table.insert(0, "worker", table.index.map(shown_names(data, names, anonymize)))
    team = metrics.team_row(table, answers)
    out = table.reset_index()
    if not team.empty:
        team_df = pd.DataFrame([team]).assign(worker=metrics.TEAM)
        out = pd.concat([out, team_df], ignore_index=True)
    out = out.reindex(columns=metrics.COLUMNS)
    if anonymize:
        out = out.drop(columns=["worker_id", "sub"])
    return out
