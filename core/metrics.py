"""Worker metrics: pure functions over the tables that core.ingest builds.

Every answer is a label. Times come from `timeSpentInSeconds`, else acceptance-to-submission, else
they are unknown (NaN), never zero. Agreement and accuracy are for single-label classification.
"""

from __future__ import annotations

import re

import pandas as pd

from .bounds import MAX_PERIODS, time_grid
from .gold import gold_of

TEAM = "Team"

# Columns of the per-worker table, in the order the CLI prints them.
COLUMNS = [
    "worker", "worker_id", "sub", "labels", "objects", "jobs", "first_submission", "last_submission",
    "active_days", "time_spent_s", "time_per_label_s_min", "time_per_label_s_mean",
    "time_per_label_s_median", "time_per_label_s_max", "labels_per_active_hour", "agreement",
    "majority_agreement", "accuracy",
]


def normalize_label(value) -> str | None:
    """Compare labels without case, spaces, '_' or '-': gold files write 'Blue jay' where the
    task's categories say 'Bluejay' (see the fixture's README)."""
    if not isinstance(value, str):
        return None
    return re.sub(r"[\s_\-]+", "", value).casefold() or None


def job_attributes(labels: pd.DataFrame, answers: pd.DataFrame | None = None) -> dict[str, str]:
    """The label attribute each job wrote, decided by core.labellayer from the job's own metadata
    and answers (a chained manifest carries earlier jobs' layers too)."""
    from .labellayer import choose_layers  # it imports normalize_label from here

    empty = pd.DataFrame(columns=["job", "label", "object_id"])
    return {job: layer.attribute for job, layer in choose_layers(labels, empty if answers is None else answers).items()}


def _majority(votes: pd.Series) -> str | None:
    counts = votes.value_counts()
    if counts.empty or (len(counts) > 1 and counts.iloc[0] == counts.iloc[1]):
        return None  # a tie has no majority
    return counts.index[0]


def consensus(answers: pd.DataFrame, labels: pd.DataFrame, attributes: dict[str, str] | None = None) -> pd.DataFrame:
    """Per (job, object_id): the consolidated label of the job's layer (`attributes`, else decided
    by job_attributes) and a plain majority vote of the workers' answers (ties have none). Labels
    are normalized."""
    voted = answers.assign(norm=answers["label"].map(normalize_label)).dropna(subset=["norm"])
    majority = voted.groupby(["job", "object_id"])["norm"].agg(_majority).rename("majority")
    attrs = attributes if attributes is not None else job_attributes(labels, answers) if not labels.empty else {}
    own = labels[labels.apply(lambda r: attrs.get(r["job"]) == r["attribute"], axis=1)] if attrs else labels
    consolidated = (
        own[own["status"] == "labeled"]
        .assign(consolidated=lambda d: d["class_name"].map(normalize_label))
        .dropna(subset=["consolidated"])
        .drop_duplicates(["job", "object_id"])
        .set_index(["job", "object_id"])["consolidated"]
    )
    return pd.concat([consolidated, majority], axis=1).reset_index()


def _scored(answers: pd.DataFrame, agreed: pd.DataFrame, objects: pd.DataFrame, gold: dict | None):
    """Answers with booleans (or NA) for agreement, majority agreement and accuracy."""
    df = answers.assign(norm=answers["label"].map(normalize_label))
    df = df.merge(agreed, on=["job", "object_id"], how="left") if not agreed.empty else df.assign(
        consolidated=None, majority=None
    )

    def hit(col):
        known = df["norm"].notna() & df[col].notna()
        return (df["norm"] == df[col]).where(known)

    df["agree"] = hit("consolidated")
    df["agree_majority"] = hit("majority")
    if gold:
        normalized = {src: normalize_label(lbl) for src, lbl in gold.items()}
        sources = objects.drop_duplicates(["job", "object_id"])
        df = df.merge(sources, on=["job", "object_id"], how="left") if not sources.empty else df.assign(source=None)
        df["gold"] = gold_of(df["source"], normalized)
        df["correct"] = hit("gold")
    else:
        df["correct"] = pd.NA
    return df


def worker_table(
    answers: pd.DataFrame,
    labels: pd.DataFrame,
    objects: pd.DataFrame,
    gold: dict[str, str] | None = None,
    attributes: dict[str, str] | None = None,
) -> pd.DataFrame:
    """One row per worker (index: worker_id), columns as in COLUMNS (without `worker`). `attributes`
    ({job: label attribute}) says which layer the workers are scored on (default: decided)."""
    if answers.empty:
        return pd.DataFrame(columns=COLUMNS[1:]).set_index("worker_id")
    df = _scored(answers, consensus(answers, labels, attributes), objects, gold)
    df["day"] = df["submission_time"].dt.floor("D")
    df["hour"] = df["submission_time"].dt.floor("h")
    df["obj"] = df["job"] + "/" + df["object_id"]
    g = df.groupby("worker_id")
    t = g["time_spent_s"]
    table = pd.DataFrame({
        "sub": g["sub"].first(),
        "labels": g.size(),
        "objects": g["obj"].nunique(),
        "jobs": g["job"].nunique(),
        "first_submission": g["submission_time"].min(),
        "last_submission": g["submission_time"].max(),
        "active_days": g["day"].nunique(),
        "time_spent_s": t.sum(min_count=1),
        "time_per_label_s_min": t.min(),
        "time_per_label_s_mean": t.mean(),
        "time_per_label_s_median": t.median(),
        "time_per_label_s_max": t.max(),
        # Labels per clock hour in which the worker submitted anything; undated answers are in no
        # hour, so they count in neither (a worker with only those has no rate: 0/0 is NaN).
        "labels_per_active_hour": g["submission_time"].count() / g["hour"].nunique(),
        "agreement": g["agree"].mean(),
        "majority_agreement": g["agree_majority"].mean(),
        "accuracy": g["correct"].apply(lambda s: s.dropna().astype(float).mean()),
    })
    for col in ("agreement", "majority_agreement", "accuracy"):
        table[col] = pd.to_numeric(table[col], errors="coerce")
    return table.sort_values(["labels", "first_submission"], ascending=[False, True])


def team_row(table: pd.DataFrame, answers: pd.DataFrame) -> pd.Series:
    """Totals for counts, medians across workers for rates."""
    if table.empty:
        return pd.Series(dtype=object)
    times = answers["time_spent_s"]
    medians = ["time_per_label_s_mean", "time_per_label_s_median", "labels_per_active_hour",
               "agreement", "majority_agreement", "accuracy"]
    row = {
        "labels": int(table["labels"].sum()),
        "objects": (answers["job"] + "/" + answers["object_id"]).nunique(),
        "jobs": answers["job"].nunique(),
        "first_submission": table["first_submission"].min(),
        "last_submission": table["last_submission"].max(),
        "active_days": answers["submission_time"].dt.floor("D").nunique(),
        "time_spent_s": times.sum(min_count=1),
        "time_per_label_s_min": times.min(),
        "time_per_label_s_max": times.max(),
    }
    row.update({col: table[col].median() for col in medians})
    return pd.Series(row, name=TEAM)


def anonymous_names(answers: pd.DataFrame) -> dict[str, str]:
    """Worker 1..N in order of first submission (then id): stable when new work is appended."""
    first = answers.groupby("worker_id")["submission_time"].min().reset_index()
    order = first.sort_values(["submission_time", "worker_id"])["worker_id"]
    return {worker: f"Worker {i}" for i, worker in enumerate(order, start=1)}


def labels_over_time(answers: pd.DataFrame, freq: str = "h", max_periods: int = MAX_PERIODS) -> pd.DataFrame:
    """Labels per worker per period on a regular grid (periods with no work are 0); undated
    answers are left out. At most `max_periods` periods: `attrs["step"]` is the period used and
    `attrs["note"]` says when it had to be coarser than `freq`."""
    grid = time_grid(answers["submission_time"], freq, max_periods) if not answers.empty else None
    if grid is None or grid.index.empty:
        out = pd.DataFrame(columns=["period", "worker_id", "labels"])
        out.attrs.update(step=grid.step if grid else freq, note=None)
        return out
    dated = answers.assign(period=grid.periods).dropna(subset=["period"])
    counts = dated.groupby(["period", "worker_id"]).size().unstack(fill_value=0)
    counts = counts.reindex(grid.index, fill_value=0)
    counts.index.name = "period"
    out = counts.stack().rename("labels").reset_index()
    out.attrs.update(step=grid.step, note=grid.note)
    return out
