"""The "What was labeled" reports of core.annotations.reports, aggregated by DuckDB over the Arrow
rows (core.annotations.columns.SCHEMA) instead of pandas over the whole table: DuckDB reads only
the columns a report names, from the memory-mapped cache, and hands back a few hundred rows.

Each function returns exactly the frame its pandas namesake returns for the same rows (same
columns, dtypes, order): the engine counts, and the last steps (names of classes, time grids,
sorting) are the pandas functions' own, run over the counts. Where a report needs a few rows whole
(video frames, audits), those rows are picked in Arrow and given to the pandas report itself.
tests/unit/test_annotation_engine.py compares both on the demo and on edge cases.
"""

from __future__ import annotations

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from ..bounds import _step, time_grid
from ..engine.duck import connection, rows_in
from . import reports
from .columns import to_table_frame
from .model import CONSOLIDATED, WORKER
from .reports import CHART_PERIODS, UNITS
from .rowset import decoded

_KINDS = ", ".join(f"'{k}'" for k in UNITS)


def _result(columns: str) -> str:
    """Each job's result (reports.result) as the view `result` of `columns`: its consolidated units,
    or its workers' when it has none. Only those columns: DuckDB then reads no other."""
    return f"""
    WITH unit AS NOT MATERIALIZED (SELECT job, source, {columns} FROM rows WHERE kind IN ({_KINDS})),
    done AS (SELECT DISTINCT job FROM unit WHERE source = '{CONSOLIDATED}' AND job IS NOT NULL),
    result AS NOT MATERIALIZED (
        SELECT * FROM unit WHERE source = '{CONSOLIDATED}'
        UNION ALL
        SELECT * FROM unit WHERE source = '{WORKER}' AND (job IS NULL OR job NOT IN (SELECT job FROM done)))
    """


_CLASS = "coalesce(label, 'class ' || class_id, '(no class)')"  # reports._class_of, then "(no class)"
# Microseconds per unit of a time step: a step's periods are whole periods of its own unit, and
# every coarser step the grid may choose is a union of them (hours of days, days of months).
_UNIT_US = {"m": 60_000_000, "h": 3_600_000_000, "D": 86_400_000_000, "M": 86_400_000_000, "Y": 86_400_000_000}


def query(rows: pa.Table, sql: str, **tables: pa.Table) -> pd.DataFrame:
    """`sql` over `rows` (the view `rows`, and any `tables` by name), on a connection of its own as
    core.engine.duck runs the worker metrics."""
    with connection(rows=rows_in([rows, *tables.values()])) as con:
        con.register("rows", rows)
        for name, table in tables.items():
            con.register(name, table)
        return con.sql(sql).to_arrow_table().to_pandas()  # via Arrow: text as str, as the table has it


def counts(rows: pa.Table) -> tuple[int, int, int, int]:
    """The summary's figures: annotations and objects of the jobs' results, jobs, workers."""
    found = query(rows, _result("object_id") + f"""
        SELECT (SELECT count(*) FROM result),
               (SELECT count(*) FROM (SELECT DISTINCT job, object_id FROM result)),
               (SELECT count(DISTINCT job) FROM rows),
               (SELECT count(DISTINCT worker_id) FROM rows WHERE source = '{WORKER}')""")
    return tuple(int(v) for v in found.iloc[0])


def over_time(rows: pa.Table, freq: str = "D", max_periods: int = CHART_PERIODS) -> pd.DataFrame:
    """reports.over_time: workers' units per period and class."""
    per = _UNIT_US.get(_step(freq).unit, 1)
    found = query(rows, f"""
        SELECT t - ((t % $per) + $per) % $per AS t, label, count(*) AS n FROM (
            SELECT epoch_us(submitted) AS t, {_CLASS} AS label FROM rows
            WHERE source = '{WORKER}' AND kind IN ({_KINDS}) AND submitted IS NOT NULL)
        GROUP BY ALL""".replace("$per", str(per)))
    if found.empty:
        return reports.over_time(to_table_frame(rows.slice(0, 0)), freq, max_periods)
    times = pd.Series(pd.to_datetime(found["t"].to_numpy(), unit="us", utc=True), index=found.index)
    grid = time_grid(times, freq, max_periods)
    counted = found.assign(period=grid.periods.dt.tz_localize(None))
    out = counted.groupby(["period", "label"])["n"].sum().rename("annotations").reset_index()
    out.attrs.update(step=grid.step, note=grid.note)
    return out


def class_counts(rows: pa.Table, attribute: str | None = None) -> pd.DataFrame:
    """reports.class_counts: units of each job's result per class (and per value of `attribute`)."""
    found = query(rows, _result("label, class_id" + (", attributes" if attribute else "")) + f"""
        SELECT job, {_CLASS} AS label, {'attributes' if attribute else 'NULL'} AS attrs, count(*) AS n
        FROM result GROUP BY ALL""")
    keys = ["job", "label"]
    if attribute is not None:
        values = {text: str(a[attribute]) if attribute in a else "(none)" for text, a in decoded(rows).items()}
        found = found.assign(value=found["attrs"].map(lambda t: values[None if pd.isna(t) else t]))
        keys.append("value")
    out = found.groupby(keys)["n"].sum().rename("annotations").reset_index()
    return out.sort_values(["annotations", *keys], ascending=[False, *[True] * len(keys)], kind="stable",
                           ignore_index=True)


def per_object(rows: pa.Table) -> pd.DataFrame:
    """reports.per_object: how many objects (frames, for video) of each job hold n annotations."""
    found = query(rows, _result("object_id, worker_id, frame") + """,
        video AS (SELECT job, bool_or(frame IS NOT NULL) AS video FROM result WHERE job IS NOT NULL GROUP BY job),
        sizes AS (SELECT job, any_value(video) AS video, count(*) AS n FROM result JOIN video USING (job)
                  GROUP BY job, object_id, worker_id, CASE WHEN video THEN frame END)
        SELECT job, any_value(video) AS video, n, count(*) AS objects FROM sizes GROUP BY job, n
        ORDER BY job, n""")
    if found.empty:
        return pd.DataFrame(columns=["job", "per", "annotations", "objects"])
    parts = [pd.DataFrame({"job": job, "per": "frame" if part["video"].iloc[0] else "object",
                           "annotations": part["n"].astype(int).to_numpy(),
                           "objects": part["objects"].astype("int64").to_numpy()})
             for job, part in found.groupby("job", sort=True)]
    return pd.concat(parts, ignore_index=True)


def frame_attribute_counts(rows: pa.Table) -> pd.DataFrame:
    """reports.frame_attribute_counts, over the result's rows that are video frames (picked here;
    most sources have none)."""
    kinds = pa.array([*UNITS, "frame"], pa.large_string())
    unit = pc.is_in(rows["kind"], value_set=kinds)
    consolidated = pc.and_(unit, pc.equal(rows["source"], CONSOLIDATED))
    done = pc.unique(pc.filter(rows["job"], consolidated))
    workers = pc.and_(pc.and_(unit, pc.equal(rows["source"], WORKER)),
                      pc.invert(pc.is_in(rows["job"], value_set=done)))
    framed = pc.and_(pc.or_(consolidated, workers), pc.is_valid(rows["frame"]))
    return reports.frame_attribute_counts(to_table_frame(rows.filter(pc.fill_null(framed, False))))


def audits(rows: pa.Table) -> pd.DataFrame:
    """reports.audits, over the consolidated rows that audit another job (few)."""
    audit = pc.and_(pc.equal(rows["source"], CONSOLIDATED), pc.is_valid(rows["audited_job"]))
    return reports.audits(to_table_frame(rows.filter(pc.fill_null(audit, False))))
