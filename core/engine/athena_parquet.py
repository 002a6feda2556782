"""Optionally, a Parquet copy of the chosen jobs' answers, written once by Athena (CREATE TABLE AS
SELECT) and partitioned by job, for faster and cheaper repeat queries: the metric queries then read
its columns instead of every byte of every JSON file.

- What it holds: the `answers` view's columns (core.engine.athena_tables), every answer of the chosen
  jobs, whatever the days chosen (the queries pick their days from it, as from the view).
- Its name is its content's: the source, the view's columns and every chosen file's version (ETag).
  A new or changed file is a new copy; an existing copy is never rewritten or read stale.
- Athena writes at most 100 partitions per CTAS or INSERT INTO
  (docs.aws.amazon.com/athena/latest/ug/ctas-insert-into.html, docs/ground-truth.md §11): the first
  100 jobs are the CTAS, each further 100 an INSERT INTO.
- Done is a marker object beside (not inside) the table's folder, written after the last statement:
  a copy whose writing was cut short has none, and is made again.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from .athena_tables import ANSWER_FIELDS, _text, quote

COLUMNS = ("object_id", "worker_id", "sub", "issuer", "submission_time", "time_spent_s", "label", "row_no")
MAX_PARTITIONS = 100  # per CTAS or INSERT INTO


def _name(n: str) -> str:
    """A Glue name as Trino's SQL takes it (CTAS and INSERT are Trino statements; Hive DDL takes backticks)."""
    return quote(n).replace("`", '"')


@dataclass(frozen=True)
class ParquetCopy:
    database: str
    view: str  # the answers view it copies
    results: str  # s3://... : the copy's folder is below it
    jobs: tuple[str, ...]
    digest: str

    @property
    def table(self) -> str:
        return f"gc_answers_parquet_{self.digest}"

    @property
    def _folder(self) -> str:
        return f"{self.results.rstrip('/')}/ground-control/parquet/"

    @property
    def location(self) -> str:
        return f"{self._folder}{self.table}/"

    @property
    def marker(self) -> str:
        """Written when the copy is whole. Outside the table's folder: Athena would read it as data."""
        return f"{self._folder}{self.table}.done"

    def _select(self, jobs: tuple[str, ...]) -> str:
        # The partition column last, as a CTAS with partitioned_by requires.
        return (f"SELECT {', '.join(COLUMNS)}, job FROM {_name(self.database)}.{_name(self.view)} "
                f"WHERE job IN ({', '.join(map(_text, jobs))})")

    def statements(self) -> list[str]:
        """DROP (of a copy cut short), the CTAS of the first 100 jobs, an INSERT INTO for each further 100."""
        batches = [self.jobs[i:i + MAX_PARTITIONS] for i in range(0, len(self.jobs), MAX_PARTITIONS)]
        target = f"{_name(self.database)}.{_name(self.table)}"
        out = [f"DROP TABLE IF EXISTS {quote(self.database)}.{quote(self.table)}",
               f"CREATE TABLE {target}\nWITH (format = 'PARQUET', write_compression = 'SNAPPY', "
               f"partitioned_by = ARRAY['job'], external_location = {_text(self.location)})\nAS "
               + self._select(batches[0])]
        return out + [f"INSERT INTO {target}\n" + self._select(batch) for batch in batches[1:]]

    @property
    def writes(self) -> int:
        """Statements that read the JSON (billed): the CTAS and the INSERTs."""
        return len(self.statements()) - 1


def parquet_copy(database: str, view: str, results: str, uri: str, versions: dict[str, list[tuple[str, str]]]
                 ) -> ParquetCopy:
    """The copy of these jobs' answers ({job: [(key, version), ...]} of their worker-response files)."""
    digest = hashlib.sha256(repr((uri.rstrip("/"), ANSWER_FIELDS, COLUMNS)).encode())
    for job, files in sorted(versions.items()):
        for key, version in sorted(files):
            digest.update(f"\0{job}\0{key}\0{version}".encode())
    return ParquetCopy(database, view, results, tuple(sorted(versions)), digest.hexdigest()[:16])
