"""The annotation rows as Arrow (core.annotations.columns.SCHEMA, as the cache keeps them): the
sidebar's choices and the page's narrowing, computed column by column without making the pandas
table (a gigabyte and seconds at a million rows). Each function gives what its pandas counterpart
in core.annotations.reports gives for the same rows; tests/unit/test_annotation_engine.py checks it.

Attributes are JSON text in Arrow. A column of them holds few distinct texts (the same few
attribute values over and over), so each distinct text is decoded once, by json as the pandas table
decodes it, and a row is judged by its text: Python's own str() of a value, not SQL's.
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta

import pyarrow as pa
import pyarrow.compute as pc

from .model import CONSOLIDATED, WORKER
from .reports import Narrow

_TEXT = pa.large_string()
_SEP = "\x1f"  # between a pair's two texts: never in a job name or an object id


def decoded(rows: pa.Table, column: str = "attributes") -> dict[str | None, dict]:
    """Each distinct JSON text of an attribute column -> its dict (None -> {}, as the table has it)."""
    texts = pc.unique(rows[column]).to_pylist()
    return {text: json.loads(text) if text is not None else {} for text in texts}


def texts_where(rows: pa.Table, column: str, keep) -> pa.Array:
    """The distinct texts of `column` whose decoded dict `keep(dict)` accepts, for pc.is_in."""
    return pa.array([t for t, attrs in decoded(rows, column).items() if t is not None and keep(attrs)], _TEXT)


def attribute_names(rows: pa.Table, column: str = "attributes") -> dict[str, list[str]]:
    """reports.attribute_names: each attribute's name and its values as text, sorted."""
    values: dict[str, set[str]] = {}
    for attrs in decoded(rows, column).values():
        for name, value in attrs.items():
            values.setdefault(name, set()).add(str(value))
    return {name: sorted(found) for name, found in sorted(values.items())}


def labels(rows: pa.Table) -> list[str]:
    """Every class named, sorted."""
    return sorted(pc.unique(rows["label"].drop_null()).to_pylist())


def days(rows: pa.Table) -> tuple[date, date] | None:
    """The first and last day (UTC) anything was submitted, None when nothing is dated."""
    found = pc.min_max(rows["submitted"]).as_py()
    return None if found["min"] is None else (found["min"].date(), found["max"].date())


def worker_ids(rows: pa.Table) -> list[str]:
    """The workers who answered, in the order they first appear."""
    mine = pc.filter(rows["worker_id"], pc.equal(rows["source"], WORKER))
    return pc.unique(mine.drop_null()).to_pylist()


def task_types(rows: pa.Table) -> list[str]:
    return pc.unique(rows["task_type"].drop_null()).to_pylist()


def answered_jobs(rows: pa.Table) -> list[str]:
    """The jobs workers answered, sorted; every job when none was (the item browser's choice)."""
    mine = pc.filter(rows["job"], pc.equal(rows["source"], WORKER))
    return sorted(pc.unique(mine.drop_null()).to_pylist()) or sorted(pc.unique(rows["job"].drop_null()).to_pylist())


def of_job(rows: pa.Table, job: str, columns: list[str] | None = None) -> pa.Table:
    """One job's rows, in their order (only `columns`, when given: the others are not copied)."""
    return of_jobs(rows, [job], columns)


def of_jobs(rows: pa.Table, jobs: list[str], columns: list[str] | None = None) -> pa.Table:
    """These jobs' rows, in their order (only `columns`, when given)."""
    keep = pc.fill_null(pc.is_in(rows["job"], value_set=pa.array(jobs, _TEXT)), False)
    return (rows if columns is None else rows.select(columns)).filter(keep)


def pairs(rows: pa.Table, job: str = "job") -> pa.ChunkedArray:
    """Each row's (job, object_id) as one text, null where either is missing (`job`: the column
    naming the job, e.g. an audit's audited_job)."""
    return pc.binary_join_element_wise(rows[job], rows["object_id"], pa.scalar(_SEP, _TEXT))


def narrowed(rows: pa.Table, narrow: Narrow) -> pa.Table:
    """The rows Narrow.apply keeps, in their order: the same rows, as Arrow."""
    keep = None

    def both(mask):
        return mask if keep is None else pc.and_(keep, mask)

    if narrow.jobs is not None:
        keep = both(pc.is_in(rows["job"], value_set=pa.array(narrow.jobs, _TEXT)))
    if narrow.label is not None:
        keep = both(pc.equal(rows["label"], narrow.label))
    if narrow.attribute is not None:
        name, value = narrow.attribute
        chosen = texts_where(rows, "attributes", lambda a: name in a and str(a[name]) == value)
        keep = both(pc.is_in(rows["attributes"], value_set=chosen))
    if narrow.start is not None or narrow.end is not None or narrow.worker is not None:
        keep = both(_answered(rows, narrow, keep))
    return rows if keep is None else rows.filter(pc.fill_null(keep, False))


def _answered(rows: pa.Table, narrow: Narrow, keep) -> pa.ChunkedArray:
    """The workers' rows of the worker and days chosen, and the consolidated rows of the objects
    those rows answered."""
    workers = pc.equal(rows["source"], WORKER)
    if keep is not None:
        workers = pc.and_(workers, keep)
    if narrow.worker is not None:
        workers = pc.and_(workers, pc.equal(rows["worker_id"], narrow.worker))
    when = rows["submitted"]
    if narrow.start is not None:
        workers = pc.and_(workers, pc.greater_equal(when, _midnight(narrow.start, when.type)))
    if narrow.end is not None:
        workers = pc.and_(workers, pc.less(when, _midnight(narrow.end + timedelta(days=1), when.type)))
    workers = pc.fill_null(workers, False)
    key = pairs(rows)
    answered = pc.unique(pc.filter(key, workers))
    consolidated = pc.and_(pc.equal(rows["source"], CONSOLIDATED), pc.is_in(key, value_set=answered))
    return pc.or_(workers, pc.fill_null(consolidated, False))


def _midnight(day: date, kind: pa.DataType) -> pa.Scalar:
    return pa.scalar(datetime(day.year, day.month, day.day, tzinfo=UTC), kind)


def without_gold(rows: pa.Table, gold: dict[tuple[str, str], str]) -> pa.Table:
    """reports.without_gold: the rows of ordinary objects (a missing job or id reads "None", as
    pandas' astype(str) reads it)."""
    if not gold or rows.num_rows == 0:
        return rows
    key = pc.binary_join_element_wise(pc.fill_null(rows["job"], "None"), pc.fill_null(rows["object_id"], "None"),
                                      pa.scalar(_SEP, _TEXT))
    known = pa.array([f"{job}{_SEP}{object_id}" for job, object_id in gold], _TEXT)
    return rows.filter(pc.invert(pc.is_in(key, value_set=known)))
