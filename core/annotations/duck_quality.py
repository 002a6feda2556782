"""The Quality and Items tabs' figures over the Arrow rows (core.annotations.columns.SCHEMA), without
the whole pandas table (a gigabyte and tens of seconds at a million answers):
- classification jobs' quality rows by DuckDB, with the Athena engine's two queries
  (core.engine.athena_quality: one SQL for both engines) over the rows' answers;
- the other task types' rows by core.quality.report over a table of their jobs only (boxes, spans,
  masks and videos are few in practice, and their measures are Python);
- the audits' columns over the audit rows and the answers they trace to;
- one job's matrices and items, and the reliability estimate's inputs, over the few columns they read.
Each gives exactly what its core.quality (or core.annotations.reliability) namesake gives over the
whole table: tests/unit/test_duck_quality.py compares them on the demo, the birds and edge cases.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from ..engine import athena_quality
from ..quality.report import COLUMNS, DEFAULT_IOU, quality_report, reference_units, with_audits
from .columns import frame_of, to_table_frame
from .duck_reports import query
from .model import CONSOLIDATED, WORKER, MaskImage
from .rowset import of_job, of_jobs, pairs

CLASSIFICATION = "classification"
_TEXT = pa.large_string()
# What the measures read of a job's rows (core.quality.report, core.quality.matrices): no attribute
# dicts, no comments, no times.
MEASURED = ["job", "object_id", "source", "task_type", "kind", "worker_id", "label", "verdict", "left", "top",
            "width", "height", "start", "end", "frame", "track_id", "source_ref", "source_text"]
_REFERENCE = ["job", "object_id", "source", "task_type", "label", "source_ref", "source_text"]
_AUDIT = ["job", "object_id", "source", "kind", "worker_id", "verdict", "adjustment", "audited_job"]
# core.annotations.reliability's inputs: the classification and multi-label class rows.
RELIABILITY = ["job", "object_id", "source", "task_type", "kind", "worker_id", "answer", "submitted", "time_spent_s",
               "label", "attribute", "source_ref", "source_text"]

# A worker's answer to an object as core.quality.report reads it: for the match, the first label of
# their rows (none at all is a wrong answer, as label_scores counts it); for alpha, the label of
# their first row (a missing one left out, as nominal_alpha leaves it). The rows' order is `row_no`.
_MINE = """
mine AS (
    SELECT j.own_job AS job, a.worker_id, a.object_id, a.label, a.row_no
    FROM answers a
    JOIN quality_jobs j ON j.job = a.job
)"""
QUALITY_ROWS = athena_quality.quality_rows_sql(_MINE + """,
firsts AS (
    SELECT job, worker_id, object_id, MIN_BY(label, row_no) FILTER (WHERE label IS NOT NULL) AS label
    FROM mine
    GROUP BY job, worker_id, object_id
)""")
ALPHA_COUNTS = athena_quality.alpha_counts_sql(_MINE + """,
firsts AS (
    SELECT * FROM (SELECT job, worker_id, object_id, ARG_MIN_NULL(label, row_no) AS label
                   FROM mine
                   GROUP BY job, worker_id, object_id)
    WHERE label IS NOT NULL
)""")
_ANSWERS = f"""SELECT job, worker_id, object_id, label, row_no FROM rows
    WHERE source = '{WORKER}' AND job IS NOT NULL AND worker_id IS NOT NULL AND object_id IS NOT NULL"""


def numbered(rows: pa.Table, columns: list[str]) -> pa.Table:
    """`columns` of `rows` and `row_no`, each row's place: the order "first" means in pandas."""
    return rows.select(columns).append_column("row_no", pa.array(np.arange(rows.num_rows, dtype=np.int64)))


def task_types(rows: pa.Table) -> dict[str, str]:
    """job -> task type, as core.quality.report decides it: its first consolidated row's, else its
    first worker row's."""
    found = query(numbered(rows, ["job", "source", "task_type"]), f"""
        SELECT job, arg_min(task_type, CASE WHEN source = '{CONSOLIDATED}' THEN row_no ELSE row_no + {rows.num_rows}
                                       END) AS task_type
        FROM rows WHERE job IS NOT NULL AND task_type IS NOT NULL GROUP BY job""")
    return dict(zip(found["job"], found["task_type"], strict=True))


def quality_rows(rows: pa.Table, gold: pd.DataFrame | None = None, iou: float = DEFAULT_IOU,
                 masks: list[MaskImage] | None = None) -> pd.DataFrame:
    """core.quality.report.quality_report(to_table_frame(rows), gold, iou, masks), the same frame."""
    if not 0 < iou <= 1:
        raise ValueError(f"IoU threshold {iou} is not in (0, 1]")
    types = task_types(rows)
    measured = sorted(job for job, task in types.items() if task == CLASSIFICATION)
    if not measured:
        return quality_report(to_table_frame(rows), gold, iou, masks)
    parts = [classification_rows(rows, measured, gold)]
    if others := sorted(set(types) - set(measured)):
        parts.append(quality_report(to_table_frame(of_jobs(rows, others)), gold, iou, masks))
    out = pd.concat(parts, ignore_index=True).sort_values("job", kind="stable", ignore_index=True)
    out = with_audits(out, audit_table(rows)).reindex(columns=COLUMNS)
    return out.astype({c: "Int64" for c in ("objects", "audited", "id_switches")})


def classification_rows(rows: pa.Table, jobs: list[str], gold: pd.DataFrame | None = None) -> pd.DataFrame:
    """The quality rows of these classification jobs (exact match, alpha), by DuckDB."""
    reference, names = references(rows, jobs, gold)
    tables = {"quality_jobs": pa.table({"job": pa.array(jobs, _TEXT), "own_job": pa.array(jobs, _TEXT)}),
              "quality_reference": reference}
    answered = numbered(rows, ["job", "source", "worker_id", "object_id", "label"])
    found = [query(answered, f"WITH answers AS ({_ANSWERS}) {sql.replace('WITH ', ', ', 1)}", **tables)
             for sql in (QUALITY_ROWS, ALPHA_COUNTS)]
    out = athena_quality.report_of(*found)
    out["reference"] = out["job"].map(names)
    return out.astype({c: "str" for c in ("job", "task_type", "reference", "worker")})  # as pandas infers them


def references(rows: pa.Table, jobs: list[str], gold: pd.DataFrame | None) -> tuple[pa.Table, dict[str, str]]:
    """(job, object_id, label) each worker of these jobs is compared with, and each job's reference
    name: core.quality.report.reference_units over the consolidated rows, its first label an object."""
    keep = pc.and_(pc.equal(rows["source"], CONSOLIDATED), pc.is_in(rows["job"], value_set=pa.array(jobs, _TEXT)))
    consolidated = frame_of(rows.select(_REFERENCE).filter(pc.fill_null(keep, False)), _REFERENCE)
    parts, names = [], {}
    for job in jobs:
        units, names[job] = reference_units(consolidated, gold, job, CLASSIFICATION)
        first = units.groupby("object_id")["label"].first().dropna()
        parts.append((job, first))
    return pa.table({"job": pa.array([job for job, first in parts for _ in range(len(first))], _TEXT),
                     "object_id": pa.array([str(o) for _, first in parts for o in first.index], _TEXT),
                     "label": pa.array([str(v) for _, first in parts for v in first.to_numpy()], _TEXT)}), names


def audit_table(rows: pa.Table) -> pd.DataFrame:
    """The rows core.quality.report.with_audits reads, of these only: the consolidated rows that audit
    another job, and the workers' answers to the objects they audit."""
    audit = pc.fill_null(pc.and_(pc.equal(rows["source"], CONSOLIDATED), pc.is_valid(rows["audited_job"])), False)
    audits = rows.filter(audit)
    audited = pc.unique(pairs(audits, "audited_job").drop_null())
    traced = pc.fill_null(pc.and_(pc.equal(rows["source"], WORKER), pc.is_in(pairs(rows), value_set=audited)), False)
    return frame_of(rows.select(_AUDIT).filter(pc.or_(audit, traced)), _AUDIT)


def job_frame(rows: pa.Table, job: str, columns: list[str] = MEASURED) -> pd.DataFrame:
    """One job's rows as the table has them, `columns` only: what its matrices and items measure."""
    return frame_of(of_job(rows, job, columns), columns)


def item_frame(rows: pa.Table, job: str, object_id: str) -> pd.DataFrame:
    """One item's rows, every column (the item browser shows them all)."""
    keep = pc.and_(pc.equal(rows["job"], job), pc.equal(rows["object_id"], object_id))
    return to_table_frame(rows.filter(pc.fill_null(keep, False)))


def matrix_default(rows: pa.Table) -> str | None:
    """The first job (by name) with an object two workers answered: the matrices' first choice."""
    found = query(rows, f"""
        SELECT min(job) AS job FROM (SELECT job FROM rows
            WHERE source = '{WORKER}' AND job IS NOT NULL AND object_id IS NOT NULL
            GROUP BY job, object_id HAVING count(DISTINCT worker_id) > 1)""")
    job = found["job"].iloc[0]
    return None if pd.isna(job) else str(job)


def reliability_frame(rows: pa.Table) -> pd.DataFrame:
    """The class rows of classification and multi-label jobs, the columns core.annotations.reliability
    reads: its estimates over them are those over the whole table."""
    kinds = pa.array([CLASSIFICATION, "multi-label"], _TEXT)
    keep = pc.and_(pc.is_in(rows["task_type"], value_set=kinds), pc.equal(rows["kind"], "class"))
    return frame_of(rows.select(RELIABILITY).filter(pc.fill_null(keep, False)), RELIABILITY)
