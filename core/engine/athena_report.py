"""The quality report of every task type on Athena: which jobs are measured how, what it costs, and
the report put together.

- Classification jobs are measured in SQL (core.engine.athena_quality): two reads return the figures.
- Every other job (boxes, spans, masks, video, verdicts, label sets, a job without an output
  manifest), and a classification job a verification or adjustment job here audits (its audit columns
  need each object's workers), is read once as answer rows (core.engine.athena_answer_rows) and
  measured here by core.quality.report.quality_report over the local reader's annotations table, put
  back together by core.engine.athena_rows. So box matching and mask IoU stay one implementation, and
  the figures are the local engine's by construction.
- With gold or for a matrix, every chosen job is read as rows: the reference then depends on the gold
  file's objects, which the local functions match.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, fields

import pandas as pd

from ..annotations.columns import _AT
from ..annotations.source import SourceAnnotations
from ..quality.report import COLUMNS, DEFAULT_IOU, quality_report
from ..storage import Location
from . import athena_quality as aq
from . import athena_rows
from . import athena_workers as aw
from .athena_answer_rows import answer_rows_sql, run_rows
from .athena_cost import Estimate, Reads
from .athena_manifests import Manifests
from .athena_parquet import parquet_copy
from .athena_survey import Survey
from .athena_tables import dated

ROWS_READS = 1  # the answer rows: one read of the rows jobs' partitions


@dataclass(frozen=True)
class Routes:
    sql: tuple[str, ...]  # partitions (folders) measured by the classification SQL
    rows: tuple[str, ...]  # partitions whose answers come back as rows


def audited_jobs(manifests: Manifests, chosen: Iterable[str]) -> set[str]:
    """The jobs an audit job among `chosen` (own names) checked, as its output manifest names them."""
    keep, job, audited = set(chosen), _AT["job"], _AT["audited_job"]
    return {row[audited] for m in manifests.read for row in m.parsed.rows
            if row[audited] is not None and row[job] in keep}


def routes(jobs: aq.Jobs, folders: Iterable[str], manifests: Manifests, every_row: bool = False) -> Routes:
    """How each chosen partition is measured; `every_row` (gold, a matrix): all of them as rows."""
    folders = sorted(folders)
    audited = audited_jobs(manifests, {jobs.name(f) for f in folders})
    sql = () if every_row else tuple(f for f in jobs.measured(folders) if jobs.name(f) not in audited)
    return Routes(sql, tuple(f for f in folders if f not in sql))


@dataclass
class MixedPlan(aw.WorkerPlan):
    """A WorkerPlan whose SQL reads only the classification partitions (`sql_jobs`) and whose answer
    rows read only the others (`rows_jobs`), each priced at its own partitions' size."""

    sql_jobs: tuple[str, ...] = ()
    rows_jobs: tuple[str, ...] = ()
    every_reads: int = 0  # queries over every chosen partition, SQL's and rows' (who the workers are)

    def _bytes(self, folders) -> int:
        return sum(i.size for f in folders for i in self.found.responses.get(f, ()))

    def estimate(self) -> Reads:
        parts, extra = [], sum(len(s.body) for s in self.staged)
        if self.sql_jobs and self.queries:
            if self.parquet and self.parquet_bytes is not None:
                parts.append(Estimate(self.parquet_bytes + extra, queries=self.queries))
            else:
                parts.append(Estimate(self._bytes(self.sql_jobs) + extra,
                                      queries=self.queries + (1 if self.parquet else 0)))
        if self.rows_jobs:
            parts.append(Estimate(self._bytes(self.rows_jobs), queries=ROWS_READS))
        if self.every_reads:
            parts.append(Estimate(self._bytes(self.found.folders), queries=self.every_reads))
        if self.whole_reads:
            parts.append(Estimate(self.found.whole.response_bytes(), queries=self.whole_reads))
        return Reads(tuple(parts))

    def answers(self) -> str:
        table = self.parquet.table if self.parquet else self.answers_view
        return dated(f"{self.database}.{table}", self.since, self.until, self.sql_jobs)

    def every_answer(self) -> str:
        """The answers of every chosen partition, as the JSON's view reads them (the Parquet copy holds the
        SQL's jobs only)."""
        return dated(f"{self.database}.{self.answers_view}", None, None, self.found.folders)

    def whole_answers(self) -> str:
        """Every job's answers, as the JSON's view reads them (the Parquet copy holds the SQL's jobs only)."""
        return dated(f"{self.database}.{self.answers_view}", None, None, self.found.whole.folders)

    def rows_sql(self) -> str:
        """The answer rows of the rows jobs, in Trino's dialect, from the responses table."""
        return answer_rows_sql("trino", f"{self.database}.{self.responses_table}", self.rows_jobs)

    def describe(self) -> str:
        text = super().describe()
        if not self.rows_jobs:
            return text
        head, _, rest = text.partition("\n")
        return (f"{head}\nOf these, {len(self.rows_jobs)} job(s) are read once as answer rows (each answer's "
                f"worker, times and content; measured here as locally): {', '.join(self.rows_jobs)}.\n{rest}")


def mixed_plan(database: str, results: str, found: Survey, jobs: aq.Jobs, route: Routes, sql_reads: int = aq.READS,
               parquet: bool = False) -> MixedPlan:
    """The plan for the chosen partitions (`found`): the classification SQL's staged tables and reads
    when some are measured in SQL, the answer rows when some are not."""
    nothing = aw.manifest_tables(None, Survey(found.uri))  # the worker table's lookups: not read here
    base = aw.plan(None, database, results, tables=nothing, found=found)
    plan = MixedPlan(**{f.name: getattr(base, f.name) for f in fields(aw.WorkerPlan)}, sql_jobs=route.sql,
                     rows_jobs=route.rows)
    plan.staged = aq.staged(jobs, route.sql) if route.sql else []
    plan.queries = sql_reads if route.sql else 0
    if parquet and route.sql:  # the SQL's copy; the rows read the JSON (the copy holds no answer content)
        versions = {job: [(i.key, i.version) for i in found.responses[job]] for job in route.sql}
        plan.parquet = parquet_copy(database, plan.answers_view, results, found.uri, versions)
    return plan


def answer_rows(run: aw.WorkerRun, open_uri: Callable[[str], Location]) -> Callable[[], object]:
    """The rows query of the run's plan, on Athena (the result CSV read in one GET)."""
    return lambda: run_rows(run, run.plan.rows_sql(), open_uri)


def source_of(location: Location, found: Survey, manifests: Manifests, jobs: aq.Jobs, rows: pd.DataFrame,
              route: Routes) -> SourceAnnotations:
    """The local reader's annotations of the rows jobs."""
    return athena_rows.annotations(location, found, manifests, jobs, rows, {jobs.name(f) for f in route.rows})


def report(ask: Callable[[str], pd.DataFrame] | None, tables, source: SourceAnnotations | None,
           gold: pd.DataFrame | None = None, iou: float = DEFAULT_IOU, dialect: str = "trino") -> pd.DataFrame:
    """core.quality.report.quality_report's rows of every chosen job: the classification SQL's (when
    `ask` and `tables` are given) and the local report over `source` (the rows jobs), jobs in name order."""
    parts = []
    if ask is not None:
        parts.append(aq.quality_report(ask, tables, dialect))
    if source is not None:
        parts.append(quality_report(source.table, gold=gold, iou=iou, masks=source.masks))
    parts = [p for p in parts if not p.empty]
    out = pd.concat(parts, ignore_index=True) if len(parts) > 1 else parts[0] if parts else pd.DataFrame(
        columns=COLUMNS)
    out = out.sort_values("job", kind="stable", ignore_index=True).reindex(columns=COLUMNS)
    return out.astype({c: "Int64" for c in ("objects", "audited", "id_switches")})
