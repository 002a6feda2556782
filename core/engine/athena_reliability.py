"""The Annotations page's estimated reliability on Athena: the local estimate (core.annotations.reliability,
Dawid-Skene without gold) over the same answers, fitted here.

Dawid-Skene needs every classification answer. Jobs read as answer rows (core.engine.athena_report's
route.rows) bring theirs already. For the classification jobs measured in SQL, one more read of their
partitions returns each labeled answer as a compact row (job, object, worker, label: tens of bytes
where a worker-response file is a kilobyte), read as the result CSV in one GET (athena_answer_rows.
query_csv), as the weighted race reads its reliability rows (core.engine.athena_race_weights). Those
rows become the annotation rows' worker rows of their jobs, beside the jobs' consolidated rows from
the output manifests read here, so the estimate is the local function's over the local rows.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

import pandas as pd
import pyarrow as pa

from ..annotations.columns import SCHEMA
from ..annotations.model import WORKER
from ..annotations.source import SourceAnnotations
from .athena_answer_rows import query_csv, typed_as
from .athena_quality import CLASSIFICATION
from .athena_tables import qualified

READS = 1  # the compact rows: one more read of the SQL-measured jobs' partitions
COLUMNS = {"job": "varchar", "object_id": "varchar", "worker_id": "varchar", "label": "varchar",
           "submitted": "timestamp"}

# Every labeled answer of the SQL-measured classification jobs (quality_jobs: partition -> own name, as
# the quality SQL names them), several of one worker to one object included, as the local table has them,
# and in its order (file, then place in it: `row_no`), so a worker who answered an object twice is scored
# on the same first answer when the page measures the rows after a filter (core.annotations.duck_quality).
# With its time, so the page's "What was labeled" reports and its date filter run on these rows as on the
# local ones.
ANSWER_ROWS = """
SELECT j.own_job AS job, a.object_id, a.worker_id, a.label, a.submission_time AS submitted
FROM answers a
JOIN quality_jobs j ON j.job = a.job
WHERE a.label IS NOT NULL AND a.worker_id IS NOT NULL
ORDER BY a.row_no
"""


def answer_rows(ask: Callable[[str], pd.DataFrame], tables: Mapping[str, str], dialect: str = "trino") -> pd.DataFrame:
    """The compact rows (COLUMNS) of the query `ask` runs in `dialect` over `tables` ({"answers",
    "quality_jobs"})."""
    return typed_as(ask(qualified(None, tables, dialect, sql=ANSWER_ROWS)), COLUMNS)


def run_answer_rows(run) -> pd.DataFrame:
    """The compact rows on the run's Athena (a core.engine.athena_workers.WorkerRun, prepared), read as
    the result file in one GET: a row per answer."""
    return answer_rows(lambda sql: query_csv(run, sql, COLUMNS), run.plan.tables())


def worker_rows(compact: pd.DataFrame) -> pa.Table:
    """The compact rows as the annotations rows' (core.annotations.columns.SCHEMA) classification worker
    rows, with what the estimate reads (core.annotations.reliability.classification_inputs) and the
    first tab's reports and filters read (core.annotations.duck_reports, rowset.narrowed): job, object,
    worker, class and time (UTC); places and durations unknown, as none of them needs one."""
    n = len(compact)
    given = {"job": compact["job"], "object_id": compact["object_id"], "worker_id": compact["worker_id"],
             "label": compact["label"], "source": [WORKER] * n, "task_type": [CLASSIFICATION] * n,
             "kind": ["class"] * n, "feedback": [[]] * n,  # no comments: an empty list, as the reader keeps it
             "submitted": pd.to_datetime(compact["submitted"], utc=True) if "submitted" in compact else [None] * n}
    return pa.table({f.name: pa.array(list(given[f.name]), f.type) if f.name in given else pa.nulls(n, f.type)
                     for f in SCHEMA}, schema=SCHEMA)


def estimate_source(manifest_rows: SourceAnnotations, compact: pd.DataFrame | None,
                    rows: SourceAnnotations | None) -> SourceAnnotations:
    """The annotations the estimate runs on: the SQL-measured jobs' consolidated rows (`manifest_rows`,
    from their output manifests) with their compact answers as worker rows, and the jobs read as rows
    whole; the gold mixed into either's queue. Only the estimate reads them."""
    parts = [manifest_rows.rows.cast(SCHEMA)]
    if compact is not None and not compact.empty:
        parts.append(worker_rows(compact))
    if rows is not None:
        parts.append(rows.rows.cast(SCHEMA))
    return SourceAnnotations(manifest_rows.uri, pa.concat_tables(parts),
                             gold={**manifest_rows.gold, **(rows.gold if rows is not None else {})})
