"""The tables the metric queries read (core.engine.sql), made on Athena without a crawler.

- `responses`: an external table over the worker-response files, one partition per job whose
  location is the job's `worker-response/` folder (so a query reads no other file of the output and
  a choice of jobs reads only theirs). One row per file: its `answers` array, as the OpenX JSON SerDe
  maps it (keys matched without case, as Glue keeps column names in lower case).
- `answers`: a view that turns each file's answers into the rows core.gt.responses makes of them:
  the object from the file's "$path", the worker, `sub` and `issuer` (the Cognito pool, for names),
  the submission time (UTC), the seconds (timeSpentInSeconds, else acceptance to submission; more
  than a day or negative is unknown), and
  the label of a single-label classification answer (`{"<element>": {"label": "..."}}`; any other
  answer, multi-label included, has none and counts in neither agreement nor accuracy).
- `labels`, `objects` and the small lookups (label_norms, job_layers, source_gold, workers) are
  staged: Ground Control reads each job's output manifest itself (one file a job) and writes the rows
  as JSON lines to the results location, under a folder named by their content, with a table over
  each. Athena cannot number the lines of a file, and a manifest's line number is its objects' id.

The SQL of the `answers` view is written once; the two forms that differ between Trino (Athena)
and DuckDB (which runs the same view over local files in the tests) are in DIALECTS, here only.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta

import sqlglot
from sqlglot import exp

from .sql import QUERIES

SERDE = "org.openx.data.jsonserde.JsonSerDe"
# Each answer's fields the view reads: (column, Glue type, DuckDB type with the JSON's own spelling,
# which DuckDB's reader matches with case; its struct fields are then read without case).
ANSWER_FIELDS = (
    ("workerid", "string", "workerId VARCHAR"),
    ("submissiontime", "string", "submissionTime VARCHAR"),
    ("acceptancetime", "string", "acceptanceTime VARCHAR"),
    ("timespentinseconds", "double", "timeSpentInSeconds DOUBLE"),
    # Kept as JSON text (the OpenX SerDe gives a nested object declared `string` as its JSON), so that
    # no answer shape (boxes, frames, lists) can fail the table's reading.
    ("answercontent", "string", "answerContent JSON"),
    ("workermetadata", "struct<identitydata:struct<sub:string,issuer:string>>",
     "workerMetadata STRUCT(identityData STRUCT(sub VARCHAR, issuer VARCHAR))"),
)
# The responses table's name carries this: a table made with other columns is another table, never
# read by this view (CREATE EXTERNAL TABLE IF NOT EXISTS would keep an older one as it was).
COLUMNS_DIGEST = hashlib.sha256(repr(ANSWER_FIELDS).encode()).hexdigest()[:6]
MAX_ANSWER_SECONDS = 86_400  # as core.gt.responses

# The two places the dialects differ: how a file's answers become rows (Trino's UNNEST of an array of
# rows gives one column per field; DuckDB's gives one struct column), and how ISO 8601 text becomes a
# UTC time without a zone (NULL when it is no time).
DIALECTS = {
    "trino": {
        "flat": ("SELECT r.job, r.\"$path\" AS path, u.* FROM {responses} r CROSS JOIN "
                 "UNNEST(r.answers) WITH ORDINALITY AS u(" + ", ".join(f for f, _, _ in ANSWER_FIELDS) + ", n)"),
        "time": "CAST(TRY(from_iso8601_timestamp({x})) AT TIME ZONE 'UTC' AS TIMESTAMP(3))",
    },
    "duckdb": {
        "flat": ("SELECT r.job, r.path, " + ", ".join(f"u.a.{f} AS {f}" for f, _, _ in ANSWER_FIELDS) + ", u.n "
                 "FROM {responses} r CROSS JOIN UNNEST(r.answers) WITH ORDINALITY AS u(a, n)"),
        "time": "CAST(TRY_CAST({x} AS TIMESTAMPTZ) AT TIME ZONE 'UTC' AS TIMESTAMP)",
    },
}

# The label of a single-label classification answer, as core.gt.responses takes it: the answer has
# exactly one element, whose value is an object with a text `label`; anything else has none. Written
# once in Trino's SQL; DuckDB runs sqlglot's translation of it (answers_sql), so the tests that run
# the view on DuckDB run this text.
CONTENT_TRINO = "TRY(CAST(json_parse(answercontent) AS MAP(VARCHAR, JSON)))"
LABEL_TRINO = ("CASE WHEN cardinality(map_keys(content)) = 1 THEN "
               "IF(json_format(json_extract(map_values(content)[1], '$.label')) LIKE '\"%', "
               "json_extract_scalar(map_values(content)[1], '$.label')) END")


def _from_trino(expression: str, dialect: str) -> str:
    if dialect == "trino":
        return expression
    return sqlglot.parse_one(f"SELECT {expression}", read="trino").expressions[0].sql(dialect)


_ANSWERS = """
WITH flat AS ({flat}),
timed AS (
    SELECT job, path, n, workerid, workermetadata.identitydata.sub AS sub,
           workermetadata.identitydata.issuer AS issuer, {content} AS content,
           timespentinseconds AS spent, NULLIF(acceptancetime, '') AS acceptancetime,
           {submitted} AS submitted, {accepted} AS accepted
    FROM flat
    WHERE workerid IS NOT NULL AND workerid <> ''
)
SELECT job,
       regexp_extract(path, '/iteration-[0-9]+/([^/]+)/[^/]+$', 1) AS object_id,
       workerid AS worker_id,
       sub,
       issuer,
       submitted AS submission_time,
       CASE WHEN spent IS NOT NULL THEN CASE WHEN spent >= 0 AND spent <= {max_s} THEN spent END
            WHEN accepted IS NOT NULL THEN
                CASE WHEN date_diff('millisecond', accepted, submitted) BETWEEN 0 AND {max_ms}
                     THEN CAST(date_diff('millisecond', accepted, submitted) AS DOUBLE) / 1000 END
       END AS time_spent_s,
       {label} AS label,
       path || chr(1) || lpad(CAST(n AS VARCHAR), 10, '0') AS row_no
FROM timed
WHERE submitted IS NOT NULL AND (acceptancetime IS NULL OR accepted IS NOT NULL)
"""


def answers_sql(dialect: str, responses: str) -> str:
    """The SELECT of the `answers` view over the relation `responses` (job, path, answers).

    `row_no` is text that sorts as the local reader orders answers: by file, then place in the file
    (the queries only compare it). An answer without a worker or a readable submission time is left
    out, as the local reader leaves it out (and notes it)."""
    forms = DIALECTS[dialect]
    return _ANSWERS.format(flat=forms["flat"].format(responses=responses),
                           submitted=forms["time"].format(x="submissiontime"),
                           accepted=forms["time"].format(x="acceptancetime"),
                           content=_from_trino(CONTENT_TRINO, dialect), label=_from_trino(LABEL_TRINO, dialect),
                           max_s=MAX_ANSWER_SECONDS, max_ms=MAX_ANSWER_SECONDS * 1000)


def duckdb_responses(files: Mapping[str, list[str]]) -> str:
    """The `responses` relation in DuckDB over local files ({job: worker-response file paths}): the
    same columns as the Athena table, for running the view where there is no Athena. Made a table
    (CREATE TABLE ... AS) when several queries read it: as a view, each reference reads every file again."""
    columns = "STRUCT(" + ", ".join(duck for _, _, duck in ANSWER_FIELDS) + ")[]"
    parts = [f"SELECT {_text(job)} AS job, filename AS path, answers FROM read_json([{', '.join(map(_text, paths))}], "
             f"columns = {{'answers': {_text(columns)}}}, filename = true, format = 'newline_delimited')"
             for job, paths in sorted(files.items()) if paths]
    return "(" + " UNION ALL ".join(parts) + ")"


def quote(name: str) -> str:
    """A Glue name as Athena's DDL takes it: lower-case letters, digits and '_' only."""
    if not re.fullmatch(r"[a-z0-9_]{1,255}", name):
        raise ValueError(f"{name!r} is not a Glue name: use lower-case letters, digits and '_'")
    return f"`{name}`"


def _text(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def database_ddl(database: str) -> str:
    return f"CREATE DATABASE IF NOT EXISTS {quote(database)}"


def responses_ddl(database: str, table: str, location: str) -> str:
    """CREATE EXTERNAL TABLE IF NOT EXISTS for the worker responses, partitioned by job."""
    fields = ", ".join(f"{name}:{kind}" for name, kind, _ in ANSWER_FIELDS)
    return (f"CREATE EXTERNAL TABLE IF NOT EXISTS {quote(database)}.{quote(table)} (\n"
            f"  answers array<struct<{fields}>>\n)\n"
            "PARTITIONED BY (job string)\n"
            f"ROW FORMAT SERDE '{SERDE}'\n"
            "WITH SERDEPROPERTIES ('ignore.malformed.json' = 'true')\n"
            f"LOCATION {_text(location)}")


def partitions_ddl(database: str, table: str, jobs: Mapping[str, str]) -> list[str]:
    """ALTER TABLE ... ADD IF NOT EXISTS PARTITION, one job ({job: its worker-response/ folder}) a
    clause, in statements that stay under Athena's 262,144-byte query limit."""
    head = f"ALTER TABLE {quote(database)}.{quote(table)} ADD IF NOT EXISTS"
    statements, clauses, size = [], [], len(head)
    for job, location in sorted(jobs.items()):
        clause = f"\n  PARTITION (job = {_text(job)}) LOCATION {_text(location)}"
        if clauses and size + len(clause) > 200_000:
            statements.append(head + "".join(clauses))
            clauses, size = [], len(head)
        clauses.append(clause)
        size += len(clause)
    if clauses:
        statements.append(head + "".join(clauses))
    return statements


def answers_view_ddl(database: str, view: str, responses: str) -> str:
    """CREATE OR REPLACE VIEW: a Trino statement on Athena, so its names are in double quotes (the
    tables' Hive DDL takes backticks)."""
    def name(n: str) -> str:
        return quote(n).replace("`", '"')

    return (f"CREATE OR REPLACE VIEW {name(database)}.{name(view)} AS"
            + answers_sql("trino", f"{name(database)}.{name(responses)}"))


@dataclass(frozen=True)
class Staged:
    """A small table written as JSON lines: its rows' content names it, so the same rows are the
    same object and table, never rewritten."""

    name: str  # the query's name for it: labels, objects, label_norms, ...
    columns: tuple[tuple[str, str], ...]  # (column, Glue type)
    body: bytes  # JSON lines

    @property
    def digest(self) -> str:
        head = json.dumps([self.name, self.columns]).encode()
        return hashlib.sha256(head + b"\n" + self.body).hexdigest()[:16]

    @property
    def table(self) -> str:
        return f"gc_{self.name}_{self.digest}"

    def key(self, prefix: str) -> str:
        """Where it is written below the results location `prefix` (a folder of its own: a table's
        location is a folder)."""
        return f"{prefix.rstrip('/')}/ground-control/staged/{self.table}/rows.json"

    def ddl(self, database: str, location: str) -> str:
        columns = ",\n  ".join(f"{quote(c)} {kind}" for c, kind in self.columns)
        return (f"CREATE EXTERNAL TABLE IF NOT EXISTS {quote(database)}.{quote(self.table)} (\n  {columns}\n)\n"
                f"ROW FORMAT SERDE '{SERDE}'\nLOCATION {_text(location)}")


def stage(name: str, columns: Iterable[tuple[str, str]], rows: Iterable[Mapping]) -> Staged:
    """Rows as JSON lines, NULLs left out (the SerDe reads a missing key as NULL)."""
    columns = tuple(columns)
    lines = []
    for row in rows:
        kept = {c: row[c] for c, _ in columns if row.get(c) is not None}
        lines.append(json.dumps(kept, ensure_ascii=False, sort_keys=True, default=_plain))
    return Staged(name, columns, ("\n".join(lines) + "\n").encode() if lines else b"")


def _plain(value):
    if hasattr(value, "item"):  # numpy scalars
        return value.item()
    raise TypeError(f"{type(value).__name__} cannot be staged")


def dated(table: str, since: date | None, until: date | None, jobs: Iterable[str] | None = None) -> str:
    """`table`, or a SELECT of its answers of `jobs` (their partitions only) within the UTC days
    since..until (inclusive), as core.workers.Selection keeps them (undated answers fall outside any
    bound)."""
    bounds = [f"job IN ({', '.join(map(_text, sorted(jobs)))})"] if jobs else []
    if since:
        bounds.append(f"submission_time >= TIMESTAMP '{since.isoformat()} 00:00:00'")
    if until:
        bounds.append(f"submission_time < TIMESTAMP '{(until + timedelta(days=1)).isoformat()} 00:00:00'")
    return f"SELECT * FROM {table} WHERE {' AND '.join(bounds)}" if bounds else table


def qualified(name: str | None, tables: Mapping[str, str], dialect: str = "trino", sql: str | None = None) -> str:
    """Query `name` (core.engine.sql), or `sql` (DuckDB's dialect, as core.engine.sql is written), with
    each view it reads replaced by its table ({view: "db.table"}, or a SELECT, which becomes a
    subquery), in `dialect`; for Trino, exact medians become approx_percentile as in sql.for_trino."""
    from .sql import for_trino

    if sql is not None:
        tree = sqlglot.parse_one(sql, read="duckdb")
    else:
        tree = sqlglot.parse_one(for_trino(name) if dialect == "trino" else QUERIES[name], read=dialect)
    ctes = {cte.alias_or_name for cte in tree.find_all(exp.CTE)}

    def rename(node):
        if isinstance(node, exp.Table) and not node.args.get("db") and node.name in tables and node.name not in ctes:
            target, alias = tables[node.name], node.alias or node.name
            if target.startswith("SELECT "):
                return exp.Subquery(this=sqlglot.parse_one(target, read=dialect), alias=exp.TableAlias(
                    this=exp.to_identifier(alias)))
            db, _, table = target.rpartition(".")
            return exp.table_(table, db=db or None, alias=alias)
        return node

    return tree.transform(rename).sql(dialect)
