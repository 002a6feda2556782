"""The Annotations page's estimated reliability on Athena: the local estimate (core.annotations.reliability,
Dawid-Skene without gold) over the same answers, fitted here.

Dawid-Skene needs every classification answer. Jobs read as answer rows (core.engine.athena_report's
route.rows) bring theirs already. For the classification jobs measured in SQL, one more read of their
partitions returns each labeled answer as a compact row (job, object, worker, label: tens of bytes
where a worker-response file is a kilobyte), read as the result CSV in one GET (athena_answer_rows.
query_csv), as the weighted race reads its reliability rows (core.engine.athena_race_weights). Those
rows become the annotations table's worker rows of their jobs, beside the jobs' consolidated rows from
the output manifests read here, so the estimate is the local function's over the local rows.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

import pandas as pd

from ..annotations.model import WORKER
from ..annotations.source import SourceAnnotations
from .athena_answer_rows import query_csv, typed_as
from .athena_quality import CLASSIFICATION
from .athena_tables import qualified

READS = 1  # the compact rows: one more read of the SQL-measured jobs' partitions
COLUMNS = {"job": "varchar", "object_id": "varchar", "worker_id": "varchar", "label": "varchar"}

# Every labeled answer of the SQL-measured classification jobs (quality_jobs: partition -> own name, as
# the quality SQL names them), several of one worker to one object included, as the local table has them.
# No order: the estimate sorts its triples (core.reliability.classification_answers).
ANSWER_ROWS = """
SELECT j.own_job AS job, a.object_id, a.worker_id, a.label
FROM answers a
JOIN quality_jobs j ON j.job = a.job
WHERE a.label IS NOT NULL AND a.worker_id IS NOT NULL
"""


def answer_rows(ask: Callable[[str], pd.DataFrame], tables: Mapping[str, str], dialect: str = "trino") -> pd.DataFrame:
    """The compact rows (COLUMNS) of the query `ask` runs in `dialect` over `tables` ({"answers",
    "quality_jobs"})."""
    return typed_as(ask(qualified(None, tables, dialect, sql=ANSWER_ROWS)), COLUMNS)


def run_answer_rows(run) -> pd.DataFrame:
    """The compact rows on the run's Athena (a core.engine.athena_workers.WorkerRun, prepared), read as
    the result file in one GET: a row per answer."""
    return answer_rows(lambda sql: query_csv(run, sql, COLUMNS), run.plan.tables())


def worker_rows(compact: pd.DataFrame) -> pd.DataFrame:
    """The compact rows as the annotations table's classification worker rows, with the columns the
    estimate reads (core.annotations.reliability.classification_inputs); times unknown, as it needs none."""
    return pd.DataFrame({"job": compact["job"], "object_id": compact["object_id"], "source": WORKER,
                         "task_type": CLASSIFICATION, "kind": "class", "worker_id": compact["worker_id"],
                         "label": compact["label"], "submitted": pd.NaT, "time_spent_s": float("nan")})


def estimate_source(manifest_rows: SourceAnnotations, compact: pd.DataFrame | None,
                    rows: SourceAnnotations | None) -> SourceAnnotations:
    """The annotations the estimate runs on: the SQL-measured jobs' consolidated rows (`manifest_rows`,
    from their output manifests) with their compact answers as worker rows, and the jobs read as rows
    whole; the gold mixed into either's queue. Only the estimate reads its table."""
    parts = [manifest_rows.table]
    if compact is not None and not compact.empty:
        parts.append(worker_rows(compact))
    if rows is not None:
        parts.append(rows.table)
    parts = [p for p in parts if not p.empty]
    table = pd.concat(parts, ignore_index=True) if parts else manifest_rows.table
    out = SourceAnnotations(manifest_rows.uri, manifest_rows.rows,
                            gold={**manifest_rows.gold, **(rows.gold if rows is not None else {})})
    out.table = table
    return out
