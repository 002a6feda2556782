"""Worker metrics: pure functions over the tables that core.ingest builds.

Every answer is a label. Times come from `timeSpentInSeconds`, else acceptance-to-submission, else
they are unknown (NaN), never zero. Agreement and accuracy are for single-label classification:
they compare an answer's one label with the consolidated one, the majority and the gold label, and
answers without a label (boxes, video) count in neither.

The computing is SQL (core.engine.sql), run by DuckDB over the frames as Arrow tables; Python only
normalizes the distinct labels and matches the distinct sources to gold, and types the results as
pandas' own groupby would.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pyarrow as pa

from .bounds import MAX_PERIODS, time_grid
from .engine import tables as et
from .engine.duck import run, run_all
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


def _like(values: pd.Series, source: pd.Series) -> pd.Series:
    """`values` (a query's column) in the dtype of the input column they come from: times back in
    their zone (the queries see UTC without one), text kept as object with None for unknown, as
    pandas' own groupby gives."""
    if values.dtype == source.dtype:
        return values
    if isinstance(source.dtype, pd.DatetimeTZDtype) and pd.api.types.is_datetime64_dtype(values):
        return values.dt.tz_localize("UTC").dt.tz_convert(source.dtype.tz).astype(source.dtype)
    if source.dtype == object and not pd.api.types.is_datetime64_any_dtype(values):
        return values.astype(object).where(values.notna(), None)
    return values.astype(source.dtype)


def _label_norms(tables: dict[str, pa.Table]) -> pa.Table:
    """label -> normalized label, over the distinct labels of answers and manifests (Python's
    normalization, once per distinct label)."""
    distinct = run("distinct_labels", tables)["label"]
    return et.lookup(distinct, distinct.map(normalize_label), ("label", "norm"))


def _source_gold(objects: pa.Table, gold: dict[str, str] | None) -> pa.Table:
    """source -> normalized gold label, over the distinct sources of the objects (core.gold.gold_of:
    by the whole source, the file name, or the name without extension)."""
    if not gold:
        return et.lookup([], [], ("source", "gold"))
    sources = run("distinct_sources", {"objects": objects})["source"]
    labels = pd.Series(gold, dtype=object)
    normalized = labels.map({label: normalize_label(label) for label in labels.unique()})
    return et.lookup(sources, gold_of(sources, normalized), ("source", "gold"))


def _inputs(answers: pd.DataFrame, labels: pd.DataFrame, attributes: dict[str, str] | None,
            objects: pd.DataFrame | None = None, gold: dict[str, str] | None = None) -> dict[str, pa.Table]:
    """The views the queries read (core.engine.sql)."""
    tables = {"answers": et.table(answers, et.ANSWERS), "labels": et.table(labels, et.LABELS)}
    tables["label_norms"] = _label_norms(tables)
    attrs = attributes if attributes is not None else job_attributes(labels, answers) if not labels.empty else {}
    tables["job_layers"] = et.lookup(attrs.keys(), attrs.values(), ("job", "attribute"))  # empty: every layer
    if objects is not None:
        tables["objects"] = et.table(objects, et.OBJECTS)
        tables["source_gold"] = _source_gold(tables["objects"], gold)
    return tables


def consensus(answers: pd.DataFrame, labels: pd.DataFrame, attributes: dict[str, str] | None = None) -> pd.DataFrame:
    """Per (job, object_id): the consolidated label of the job's layer (`attributes`, else decided
    by job_attributes) and a plain majority vote of the workers' answers (ties have none). Labels
    are normalized. Objects in the order of their manifest lines, then those only answers name."""
    out = run("consensus", _inputs(answers, labels, attributes))
    for col, source in (("job", answers["job"]), ("object_id", answers["object_id"]),
                        ("consolidated", labels["class_name"]), ("majority", answers["label"])):
        out[col] = _like(out[col], source)  # text as pandas' own would be typed
    return out


def worker_table(
    answers: pd.DataFrame,
    labels: pd.DataFrame,
    objects: pd.DataFrame,
    gold: dict[str, str] | None = None,
    attributes: dict[str, str] | None = None,
) -> pd.DataFrame:
    """One row per worker (index: worker_id), columns as in COLUMNS (without `worker`), most labels
    first, then earliest first submission, then id. `attributes` ({job: label attribute}) says
    which layer the workers are scored on (default: decided)."""
    if answers.empty:
        return pd.DataFrame(columns=COLUMNS[1:]).set_index("worker_id")
    table = run("worker_table", _inputs(answers, labels, attributes, objects, gold))
    for col, source in (("worker_id", "worker_id"), ("sub", "sub"), ("first_submission", "submission_time"),
                        ("last_submission", "submission_time")):
        table[col] = _like(table[col], answers[source])
    return table.set_index("worker_id")


def team_row(table: pd.DataFrame, answers: pd.DataFrame) -> pd.Series:
    """Totals for counts, medians across workers for rates."""
    if table.empty:
        return pd.Series(dtype=object)
    tables = {"workers": et.table(table, et.WORKERS, row_no=False), "answers": et.table(answers, et.ANSWERS)}
    out = run("team_row", tables)
    for col in ("first_submission", "last_submission"):
        out[col] = _like(out[col], table[col])
    row = {col: out[col].iloc[0] for col in out.columns}  # numpy scalars, as pandas' own reductions
    row.update({col: int(row[col]) for col in ("labels", "objects", "jobs", "active_days")})
    return pd.Series(row, name=TEAM)


def anonymous_names(answers: pd.DataFrame) -> dict[str, str]:
    """Worker 1..N in order of first submission (then id): stable when new work is appended."""
    times = et.table(answers, {"worker_id": et.TEXT, "submission_time": et.TIME}, row_no=False)
    return numbered(run("anonymous_order", {"answers": times})["worker_id"])


def numbered(order) -> dict[str, str]:
    """worker_id -> "Worker N", N their place in `order` from 1: how every anonymous table names them."""
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
    place = grid.index.get_indexer(grid.periods)  # each answer's period on the grid, -1 when undated
    dated = et.table(answers, {"worker_id": et.TEXT}, row_no=False).append_column(
        "period_no", pa.array(place, mask=place < 0))
    grid_table = pa.table({"period_no": np.arange(len(grid.index))})
    active, counts = run_all(["active_workers", "period_counts"], {"dated": dated, "grid": grid_table})
    workers = _like(active.sort_values("worker_no")["worker_id"], answers["worker_id"])
    out = pd.DataFrame({
        "period": grid.index.take(counts["period_no"].to_numpy()),
        "worker_id": workers.take(counts["worker_no"].to_numpy() - 1).reset_index(drop=True),
        "labels": counts["labels"],
    })
    out.attrs.update(step=grid.step, note=grid.note)
    return out


def stacked_over_time(over_time: pd.DataFrame, shown: dict[str, str], top: list[str]) -> pd.DataFrame:
    """The Workers page's chart of labels over time: per period, the labels of each of the `top` shown
    names, and everyone else's as "Others" (labels_over_time's frame; `shown`: worker_id -> name)."""
    who = over_time["worker_id"].map(shown).where(lambda w: w.isin(top), "Others")
    return over_time.assign(who=who).groupby(["period", "who"], as_index=False)["labels"].sum()


def order_by_labels(labels: pd.Series, names: pd.Series) -> list[str]:
    """Shown names by their labels, most first, then by name: the Workers page's charts' order
    (core.workers.worker_charts), from a worker table's labels and shown names."""
    totals = labels.groupby(names.to_numpy()).sum()
    return sorted(totals.index, key=lambda w: (-totals[w], w))
