"""Every answer of the chosen jobs as Athena reads it, for the task types whose figures are not SQL
(boxes, spans, masks, video, verdicts, label sets): one read of their partitions returns each answer's
fields as the worker-response file holds them, and core.engine.athena_rows turns them back into the
local reader's annotations table.

Why the raw fields and not figures: box matching, span overlap, mask IoU and video tracks are Python
(core.quality) and must stay one implementation. Athena does the part that needs every file (the
scan, in parallel, where the files are) and returns only the answers; the answer content stays the
JSON text the table keeps (core.engine.athena_tables: `answercontent` is a string), so no answer
shape can fail the query.

The result can be large (a row per answer, masks inline as PNG text), so it is read as the CSV object
Athena writes to the results location, in one GET, instead of GetQueryResults' pages of 1,000 rows
(`query_csv`: also how every other result of a row per answer is read, the reliability rows of the
weighted race and of the Annotations page).
"""

from __future__ import annotations

import io
from collections.abc import Callable, Iterable, Mapping

import pandas as pd
import pyarrow as pa
import pyarrow.csv as pacsv
from botocore.exceptions import BotoCoreError, ClientError

from ..storage import Location
from .athena import Athena, AthenaError
from .athena import typed as sql_typed
from .athena_cost import cache_key
from .athena_tables import DIALECTS, _text

# The answer's own fields, as the responses table maps them (athena_tables.ANSWER_FIELDS).
FIELDS = ("workerid", "submissiontime", "acceptancetime", "timespentinseconds", "answercontent")
COLUMNS = ("job", "path", "n", *FIELDS)

_ROWS = """
WITH flat AS ({flat})
SELECT job, path, n, workerid, submissiontime, acceptancetime, timespentinseconds, answercontent
FROM flat
WHERE job IN ({jobs})
"""


def answer_rows_sql(dialect: str, responses: str, jobs: Iterable[str]) -> str:
    """The SELECT of every answer of `jobs` (partitions) in the relation `responses` (job, path,
    answers): its file, its place in the file (`n`, from 1) and its fields, nothing filtered out, so
    that the local reader's notes (no worker, no time) are made here as locally."""
    names = sorted(set(jobs))
    if not names:
        raise ValueError("no job to read")
    return _ROWS.format(flat=DIALECTS[dialect]["flat"].format(responses=responses),
                        jobs=", ".join(map(_text, names)))


def output_location(athena: Athena, query_id: str) -> str:
    """Where Athena wrote the query's result (s3://.../<id>.csv): the workgroup may enforce its own."""
    try:
        execution = athena.client.get_query_execution(QueryExecutionId=query_id)["QueryExecution"]
    except (ClientError, BotoCoreError) as exc:
        raise athena._failure(exc) from None
    where = execution.get("ResultConfiguration", {}).get("OutputLocation")
    if not where:
        raise AthenaError(f"query {query_id} succeeded but Athena named no result file")
    return where


def result_csv(data: bytes, columns: Iterable[str]) -> pd.DataFrame:
    """Athena's result CSV as text: every value quoted (commas, quotes and newlines inside a value
    kept), NULL an empty unquoted field (so a quoted "" stays text); each of `columns` an object column
    with None for NULL, for the caller to type. The one reader of every result read as a file."""
    names = list(columns)
    parse = pacsv.ParseOptions(newlines_in_values=True)
    convert = pacsv.ConvertOptions(column_types=dict.fromkeys(names, pa.large_string()), include_columns=names,
                                   strings_can_be_null=True, quoted_strings_can_be_null=False)
    frame = pacsv.read_csv(io.BytesIO(data), parse_options=parse, convert_options=convert).to_pandas()
    out = frame.astype(object)
    return out.where(out.notna(), None)


def read_csv(data: bytes) -> pd.DataFrame:
    """The answer rows' result CSV, COLUMNS typed as the local engine's (`typed`)."""
    return typed(result_csv(data, COLUMNS))


def typed(frame: pd.DataFrame) -> pd.DataFrame:
    """COLUMNS in order, typed alike whatever ran the query (Athena's CSV, DuckDB's frame)."""
    out = frame.reindex(columns=list(COLUMNS)).astype(object)
    out = out.where(out.notna(), None)
    out["n"] = pd.to_numeric(out["n"]).astype("int64")
    # A NULL written as "" (the CSV's quoting of NULL is not confirmed) is no number either.
    out["timespentinseconds"] = pd.to_numeric(out["timespentinseconds"], errors="coerce").astype("float64")
    return out


def query_csv(run, sql: str, columns: Iterable[str],
              open_uri: Callable[[str], Location] | None = None) -> pd.DataFrame:
    """The result of `sql` on the run's Athena (a core.engine.athena_workers.WorkerRun), read as the CSV
    file Athena writes (`result_csv`: text, for the caller to type) in one GET, not through
    GetQueryResults' pages of 1,000 rows: for results of a row per answer. Cached like the run's other
    queries (query text and the files' ETags), counted in its queries and bytes."""
    key = cache_key(sql, run.plan.found.versions())
    cached = run.cache.get(key)
    if cached is not None:
        run.cached += 1
        return cached
    query_id = run.athena.start(sql)
    state = run.athena.wait(query_id, run.on_state)
    result = (open_uri or run.open_uri)(output_location(run.athena, query_id))
    frame = result_csv(result.store.get(result.prefix), columns)
    run.ran += 1
    run.scanned += state.scanned_bytes or 0
    run.cache.put(key, frame)
    return frame


def typed_as(frame: pd.DataFrame, kinds: Mapping[str, str]) -> pd.DataFrame:
    """A result read as text (`result_csv`) typed by its columns' SQL types ({name: type}), as
    GetQueryResults' rows are (core.engine.athena.typed)."""
    return pd.DataFrame({name: sql_typed(frame[name], kind) for name, kind in kinds.items()})


def run_rows(run, sql: str, open_uri: Callable[[str], Location]) -> pd.DataFrame:
    """The answer rows of `sql` (answer_rows_sql) on the run's Athena, typed."""
    return typed(query_csv(run, sql, COLUMNS, open_uri))
