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
        # Day bounds as UTC timestamps: comparing a million timestamps is one vector operation, where
        # .dt.date made a million Python dates. Undated answers fall outside any bound, as before.
        times = answers["submission_time"]
        if self.start:
            answers = answers[times >= pd.Timestamp(self.start, tz="UTC")]
            times = answers["submission_time"]
        if self.end:
            answers = answers[times < pd.Timestamp(self.end, tz="UTC") + pd.Timedelta(days=1)]
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
    attributes: dict[str, str] | None = None,
) -> pd.DataFrame:
    """One row per worker, most labels first, then a Team row; `worker` is the display name.

    Anonymous names are numbered over the whole source, so a filter never renumbers them, and the
    ids and subs are dropped from the result so nothing identifying is left to share. `attributes`
    ({job: label attribute}, core.labellayer) is the layer each job's workers are scored on.
    """
    answers, labels, objects = selection.apply(data)
    table = metrics.worker_table(answers, labels, objects, gold, attributes)
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


MANIFEST_COLUMNS = ["job", "attribute", "objects", "labeled", "failed", "unlabeled", "human", "machine", "gold"]


def manifest_counts(data: SourceData, selection: Selection = Selection()) -> pd.DataFrame:
    """Per job and label attribute, what the output manifests say (as LabelCounters count): objects
    (lines with a source), labeled, failed, unlabeled, and labeled by humans or by the machine. What
    a source without worker responses can still show. Gold lines mixed into the queue are not
    ordinary output: they are left out of every count but `gold`, which counts them."""
    _, labels, objects = selection.apply(data)
    gold = objects.dropna(subset=["gold"]) if "gold" in objects else objects.iloc[:0]
    gold_lines = gold.groupby("job")["object_id"].nunique()
    if not gold.empty:
        queued = pd.MultiIndex.from_arrays([gold["job"].astype(str), gold["object_id"]])

        def ordinary(df: pd.DataFrame) -> pd.DataFrame:
            return df[~pd.MultiIndex.from_arrays([df["job"].astype(str), df["object_id"]]).isin(queued)]

        objects, labels = ordinary(objects), ordinary(labels)
    per_job = objects.dropna(subset=["source"]).groupby("job")["object_id"].nunique()
    rows = []
    for (job, attribute), group in labels.groupby(["job", "attribute"]):
        labeled = group[group["status"] == "labeled"]
        failed = int((group["status"] == "failed").sum())
        total = int(per_job.get(job, 0))
        rows.append((job, attribute, total, len(labeled), failed, max(total - len(labeled) - failed, 0),
                     int((labeled["human_annotated"] == True).sum()),  # noqa: E712 (None stays unknown)
                     int((labeled["human_annotated"] == False).sum()),  # noqa: E712
                     int(gold_lines.get(job, 0))))
    return pd.DataFrame(rows, columns=MANIFEST_COLUMNS)


@dataclass(frozen=True)
class WorkerCharts:
    """What the Workers page's charts draw, a few rows a worker: computed once per selection, so a
    rerun (a toggle, a period) never goes over every answer again."""

    order: list[str]  # shown names, most labels first
    per_job: pd.DataFrame  # worker, job, labels
    seconds: pd.DataFrame  # worker, min, q1, median, q3, max of the timed answers


_FIVE = ["min", "q1", "median", "q3", "max"]


def _shown(ids: pd.Series, names: dict[str, str]) -> pd.Series:
    """Each id's shown name (itself when it has none), looked up once per distinct id."""
    codes, uniques = pd.factorize(ids)
    shown = pd.Index([names.get(w, w) for w in uniques], dtype=object)
    return pd.Series(shown.take(codes), index=ids.index)


def worker_charts(answers: pd.DataFrame, names: dict[str, str]) -> WorkerCharts:
    """Labels per worker and job, and each worker's time per label in five numbers, by shown name
    (`names`: worker_id -> name; an id without one is shown as itself). Workers with the same
    shown name are one bar, as the table's rows would be read."""
    per_job = (answers.assign(worker=_shown(answers["worker_id"], names))
               .groupby(["worker", "job"], sort=False).size().rename("labels").reset_index())
    totals = per_job.groupby("worker")["labels"].sum()
    order = sorted(totals.index, key=lambda w: (-totals[w], w))
    timed = answers[["worker_id", "time_spent_s"]].dropna()
    if timed.empty:
        return WorkerCharts(order, per_job, pd.DataFrame(columns=["worker", *_FIVE]))
    seconds = (timed.assign(worker=_shown(timed["worker_id"], names))
               .groupby("worker")["time_spent_s"].quantile([0, 0.25, 0.5, 0.75, 1]).unstack())
    seconds = seconds.set_axis(_FIVE, axis=1).reset_index()
    return WorkerCharts(order, per_job, seconds)
