"""The worker table of an S3 source, computed by Athena where the files are.

Steps, each shown or priced before it runs (`WorkerPlan.describe`):
1. list the source once: each job's worker-response files (sizes for the cost, ETags for the cache)
   and its output manifest;
2. read the output manifests here (one file a job) and stage the small tables (core.engine.athena_tables);
3. DDL: the responses table with a partition per job, the `answers` view, a table per staged file;
4. the distinct labels (an Athena query), normalized here as the local engine does, staged too;
5. the worker table and the team row: the local engine's SQL (core.engine.sql) in Trino's dialect.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date

import pandas as pd

from ..gold import gold_of
from ..storage import Location, ObjectExists, open_location
from ..workspace import cache_dir
from .athena import Athena, AthenaError, State
from .athena_cost import Estimate, Reads, ResultCache, cache_key, size_text
from .athena_parquet import ParquetCopy, parquet_copy
from .athena_survey import Survey, manifest_tables, survey
from .athena_tables import (
    COLUMNS_DIGEST,
    Staged,
    answers_view_ddl,
    database_ddl,
    dated,
    partitions_ddl,
    qualified,
    responses_ddl,
    stage,
)

# Named per source (a digest of its URI): two sources in one Glue database never share partitions, and
# a job name in both cannot point one at the other's files.
RESPONSES_TABLE, ANSWERS_VIEW = "gc_worker_responses", "gc_answers"
TEXT, NUMBER, COUNT = "string", "double", "bigint"
LABELS = (("job", TEXT), ("object_id", TEXT), ("attribute", TEXT), ("status", TEXT), ("class_name", TEXT),
          ("row_no", COUNT))
OBJECTS = (("job", TEXT), ("object_id", TEXT), ("source", TEXT), ("row_no", COUNT))
# Times as fixed-width text: MIN and MAX order them alike, and no SerDe timestamp format is involved.
WORKERS = (("labels", COUNT), ("first_submission", TEXT), ("last_submission", TEXT),
           ("time_per_label_s_mean", NUMBER), ("time_per_label_s_median", NUMBER),
           ("labels_per_active_hour", NUMBER), ("agreement", NUMBER), ("majority_agreement", NUMBER),
           ("accuracy", NUMBER))


def numbered(frame: pd.DataFrame) -> list[dict]:
    """The rows with `row_no`, their place in the frame (as core.engine.tables adds it)."""
    return [dict(row, row_no=i) for i, row in enumerate(frame.to_dict("records"))]


def lookups(labels: pd.DataFrame, objects: pd.DataFrame, gold: Mapping[str, str] | None,
            attributes: Mapping[str, str] | None) -> list[Staged]:
    """The staged tables the queries read besides `answers` and `label_norms`."""
    from ..metrics import normalize_label

    staged = [stage("labels", LABELS, numbered(labels)), stage("objects", OBJECTS, numbered(objects)),
              stage("job_layers", (("job", TEXT), ("attribute", TEXT)),
                    [{"job": j, "attribute": a} for j, a in sorted((attributes or {}).items())])]
    rows = []
    if gold:
        sources = pd.Series(sorted(objects["source"].dropna().unique()), dtype=object)
        normalized = pd.Series(gold, dtype=object).map(normalize_label)
        rows = [{"source": s, "gold": g} for s, g in zip(sources, gold_of(sources, normalized), strict=True)
                if isinstance(g, str)]
    staged.append(stage("source_gold", (("source", TEXT), ("gold", TEXT)), rows))
    return staged


def label_norms(distinct: pd.Series) -> Staged:
    from ..metrics import normalize_label

    rows = [{"label": v, "norm": normalize_label(v)} for v in distinct if isinstance(v, str)]
    return stage("label_norms", (("label", TEXT), ("norm", TEXT)), [r for r in rows if r["norm"] is not None])


@dataclass
class WorkerPlan:
    """Everything the Athena run will do, built without running anything."""

    database: str
    results: str  # s3://... where query results and staged tables go
    found: Survey
    staged: list[Staged]
    notes: list[str]
    since: date | None = None  # answers of these UTC days only (core.workers.Selection)
    until: date | None = None
    queries: int = 3  # over the chosen answers: distinct labels, worker table, team row
    whole_reads: int = 0  # over the whole source's answers: Worker N's order (whole_answers)
    parquet: ParquetCopy | None = None  # the queries read a Parquet copy of the answers (athena_parquet)
    parquet_bytes: int | None = None  # that copy's size, when it is there already (look_for_copy)

    @property
    def _suffix(self) -> str:
        return hashlib.sha256(self.found.uri.rstrip("/").encode()).hexdigest()[:12] + "_" + COLUMNS_DIGEST

    @property
    def responses_table(self) -> str:
        return f"{RESPONSES_TABLE}_{self._suffix}"

    @property
    def answers_view(self) -> str:
        return f"{ANSWERS_VIEW}_{self._suffix}"

    def ddl(self) -> list[str]:
        # The table's own location is the source; its partitions (one a job) are what queries read:
        # every job's when Worker N's order is read (a job in two folders is refused here, before anything runs).
        folders = self.found.whole.check().folders if self.whole_reads else self.found.folders
        out = [database_ddl(self.database),
               responses_ddl(self.database, self.responses_table, self.found.uri.rstrip("/") + "/"),
               *partitions_ddl(self.database, self.responses_table, folders),
               answers_view_ddl(self.database, self.answers_view, self.responses_table)]
        return out + [s.ddl(self.database, self.staged_folder(s)) for s in self.staged]

    def staged_folder(self, staged: Staged) -> str:
        return staged.key(self.results).rpartition("/")[0] + "/"

    def estimate(self) -> Estimate | Reads:
        """The distinct labels, the worker table and the team row each read every response file of
        the chosen jobs once (the staged tables are a few kB to MB more). With a Parquet copy: once
        there, each query reads at most the copy; before, writing it reads the JSON once more, and the
        queries are counted at the JSON's size, an upper bound (the copy is the smaller). Worker N's
        order, when asked, reads the whole source's answers (all jobs, all days)."""
        written = not self.parquet or self.parquet_bytes is not None
        chosen = Estimate(self.chosen_bytes(), queries=self.queries + (0 if written else 1))
        if not self.whole_reads:
            return chosen
        if not self.found.narrowed:  # every job chosen: the same files, at most (days chosen read them too)
            return Estimate(chosen.scanned_bytes, queries=chosen.queries + self.whole_reads)
        whole = Estimate(self.found.whole.response_bytes(), queries=self.whole_reads)
        return Reads((chosen, whole) if chosen.queries else (whole,))

    def chosen_bytes(self) -> int:
        """What one query over the chosen answers reads: the Parquet copy once it is there, else the JSON;
        and the staged tables."""
        copy = self.parquet_bytes if self.parquet and self.parquet_bytes is not None else None
        return (self.found.response_bytes() if copy is None else copy) + sum(len(s.body) for s in self.staged)

    def versions(self) -> list[tuple[str, str]]:
        """The (key, ETag) of every file the plan's queries read: a result's cache key."""
        return (self.found.whole if self.whole_reads else self.found).versions()

    def tables(self, more: list[Staged] = ()) -> dict[str, str]:
        names = {"answers": self.answers()}
        names.update({s.name: f"{self.database}.{s.table}" for s in (*self.staged, *more)})
        return names

    def answers(self) -> str:
        """The answers the queries read: this source's jobs only (another run may have added other
        partitions), within the chosen days."""
        table = self.parquet.table if self.parquet else self.answers_view
        return dated(f"{self.database}.{table}", self.since, self.until, self.found.folders)

    def whole_answers(self) -> str:
        """Every answer of the source, all days, as the local engine numbers Worker N over them: the
        chosen jobs' copy when it holds them all, else the JSON of every job (ddl adds their partitions)."""
        table = self.parquet.table if self.parquet and not self.found.narrowed else self.answers_view
        return dated(f"{self.database}.{table}", None, None, self.found.whole.folders)

    def describe(self) -> str:
        jobs = len(self.found.folders)
        files = sum(len(f) for f in self.found.responses.values())
        return (f"Athena will read {files:,} worker-response file(s) of {jobs} job(s) under {self.found.uri}.\n"
                f"Cost estimate: {self.estimate().describe()}.{self.whole_note()}\n"
                f"Tables and views it creates in the Glue database {self.database!r} (if not there yet):\n\n"
                + ";\n\n".join(self.ddl()) + ";" + self.describe_copy())

    def whole_note(self) -> str:
        """Why one query reads more than the chosen jobs, when one does (" ..." or "")."""
        if not (self.whole_reads and self.found.narrowed):
            return ""
        whole = self.found.whole
        files = sum(len(f) for f in whole.responses.values())
        reads = "one more query reads" if self.whole_reads == 1 else f"{self.whole_reads} more queries read"
        return (f" Worker N is numbered over the whole source, as on this computer: {reads} every job's "
                f"answers ({len(whole.folders):,} jobs, {files:,} worker-response files).")

    def describe_copy(self) -> str:
        """What the Parquet step does, and its statements when it is still to be written."""
        if not self.parquet:
            return ""
        if self.parquet_bytes is not None:
            return (f"\n\nThe queries read the Parquet copy of these answers made earlier ({self.parquet.location}, "
                    f"{size_text(self.parquet_bytes)}).")
        return (f"\n\nThen a Parquet copy of these answers, partitioned by job, is written to {self.parquet.location} "
                "(this reads every worker-response file once, and is billed), and the queries read it:\n\n"
                + ";\n\n".join(self.parquet.statements()) + ";")


def plan(location: Location, database: str, results: str, jobs: list[str] | None = None,
         gold: Mapping[str, str] | None = None, attributes: Mapping[str, str] | None = None,
         tables: tuple[pd.DataFrame, pd.DataFrame, list[str]] | None = None,
         since: date | None = None, until: date | None = None, anonymize: bool = False,
         found: Survey | None = None, parquet: bool = False) -> WorkerPlan:
    """The plan for `jobs` of the source (all when None); `found` and `tables`, when given, are the
    listing and the manifest tables read already (of these jobs only). With `anonymize` and fewer
    answers than the source's (jobs or days chosen), one more query numbers Worker N over the whole
    source, as the local engine numbers them. With `parquet`, the queries read a
    Parquet copy of the chosen jobs' answers (core.engine.athena_parquet), written first if not there."""
    if not results.startswith("s3://"):
        raise AthenaError(f"the Athena results location must be an s3:// folder, not {results!r}")
    found = found or survey(location, jobs)
    labels, objects, notes = tables or manifest_tables(location, found)
    out = WorkerPlan(database, results, found, lookups(labels, objects, gold, attributes), notes, since, until,
                     whole_reads=1 if anonymize and (since or until or found.narrowed) else 0)
    if parquet:
        versions = {job: [(i.key, i.version) for i in infos] for job, infos in found.responses.items()}
        out.parquet = parquet_copy(database, out.answers_view, results, found.uri, versions)
    return out


def look_for_copy(plan: WorkerPlan, open_uri: Callable[[str], Location] = open_location) -> None:
    """Whether the plan's Parquet copy is there already (its marker), and then its size, for the estimate."""
    if not plan.parquet:
        return
    marker = open_uri(plan.parquet.marker)
    if marker.store.exists(marker.prefix):
        folder = open_uri(plan.parquet.location)
        plan.parquet_bytes = sum(info.size for info in folder.store.list(folder.prefix))


def _put(results: str, staged: Staged, open_uri: Callable[[str], Location]) -> None:
    """Write a staged table once: its key is its content, so one already there is the same."""
    target = open_uri(staged.key(results))
    try:
        target.store.put(target.prefix, staged.body)
    except ObjectExists:
        pass


class WorkerRun:
    """Runs a WorkerPlan on Athena; results are cached by query text and input ETags."""

    def __init__(self, athena: Athena, plan: WorkerPlan, open_uri: Callable[[str], Location] = open_location,
                 cache: ResultCache | None = None, on_state: Callable[[State], bool | None] | None = None):
        self.athena, self.plan, self.open_uri = athena, plan, open_uri
        self.cache = cache or ResultCache(cache_dir() / "athena")
        self.on_state = on_state
        self.scanned = 0  # bytes Athena reported for the queries run (cached ones read nothing)
        self.ran = self.cached = 0  # queries run on Athena, and answered from the cache
        self.prepared = False

    def query(self, sql: str, whole: bool = False) -> pd.DataFrame:
        """`sql`'s rows, from the cache when the files it reads (the chosen jobs', or with `whole`
        every job's) are the same as when it last ran."""
        key = cache_key(sql, (self.plan.found.whole if whole else self.plan.found).versions())
        cached = self.cache.get(key)
        if cached is not None:
            self.cached += 1
            return cached
        frame, state = self.athena.run(sql, self.on_state)
        self.ran += 1
        self.scanned += state.scanned_bytes or 0
        self.cache.put(key, frame)
        return frame

    def prepare(self) -> None:
        """The staged tables, the DDL and the Parquet copy: once per run, whoever asks first."""
        if self.prepared:
            return
        self.prepared = True
        for staged in self.plan.staged:
            _put(self.plan.results, staged, self.open_uri)
        for statement in self.plan.ddl():
            self.athena.execute(statement, self.on_state)
        if self.plan.parquet:
            self.write_copy()

    def write_copy(self) -> None:
        """The Parquet copy, unless its marker says it is whole already. Athena writes a CTAS only
        into an empty folder: files there without the marker are a copy cut short, said in words."""
        copy = self.plan.parquet
        marker = self.open_uri(copy.marker)
        if marker.store.exists(marker.prefix):
            return
        folder = self.open_uri(copy.location)
        if next(iter(folder.store.list(folder.prefix)), None) is not None:
            raise AthenaError(f"an earlier Parquet copy at {copy.location} was cut short (its files are there, "
                              f"{copy.marker} is not): delete that folder, then run again")
        for statement in copy.statements():
            state = self.athena.execute(statement, self.on_state)
            self.scanned += state.scanned_bytes or 0
        self.ran += copy.writes  # the CTAS and INSERTs: queries that read the answers (the DROP is DDL)
        marker.store.put(marker.prefix, json.dumps({"table": f"{self.plan.database}.{copy.table}",
                                                    "jobs": list(copy.jobs)}).encode())

    def worker_table(self) -> pd.DataFrame:
        """The local engine's worker table (metrics.worker_table's columns and types; index worker_id)."""
        self.prepare()
        distinct = self.query(qualified("distinct_labels", self.plan.tables()))["label"]
        norms = label_norms(distinct)
        _put(self.plan.results, norms, self.open_uri)
        self.athena.execute(norms.ddl(self.plan.database, self.plan.staged_folder(norms)), self.on_state)
        self._tables = self.plan.tables([norms])
        table = self.query(qualified("worker_table", self._tables))
        for col in ("first_submission", "last_submission"):
            table[col] = pd.to_datetime(table[col]).dt.tz_localize("UTC")
        return table.set_index("worker_id")

    def team_row(self, table: pd.DataFrame) -> pd.Series:
        """metrics.team_row's figures, over the same answers on Athena."""
        from ..metrics import TEAM

        if table.empty:
            return pd.Series(dtype=object)
        rows = table.reset_index()[[c for c, _ in WORKERS]].copy()
        for col in ("first_submission", "last_submission"):
            rows[col] = rows[col].dt.strftime("%Y-%m-%d %H:%M:%S.%f")
        workers = stage("workers", WORKERS, rows.astype(object).where(rows.notna(), None).to_dict("records"))
        _put(self.plan.results, workers, self.open_uri)
        self.athena.execute(workers.ddl(self.plan.database, self.plan.staged_folder(workers)), self.on_state)
        tables = dict(self._tables, workers=f"{self.plan.database}.{workers.table}")
        out = self.query(qualified("team_row", tables))
        row = {col: out[col].iloc[0] for col in out.columns}
        for col in ("first_submission", "last_submission"):
            row[col] = pd.Timestamp(row[col], tz="UTC") if pd.notna(row[col]) else pd.NaT
        row.update({col: int(row[col]) for col in ("labels", "objects", "jobs", "active_days")})
        return pd.Series(row, name=TEAM)


# Each worker's sub and Cognito issuer: the first of their answers that has one, as the local reader's
# rows give them (core.workers.shown_names takes the first sub; core.identity.user_pools the issuers).
IDENTITIES = ("SELECT worker_id, MIN_BY(sub, row_no) FILTER (WHERE sub IS NOT NULL) AS sub, "
              "MIN_BY(issuer, row_no) FILTER (WHERE issuer IS NOT NULL) AS issuer FROM answers GROUP BY worker_id")


def identities(run: WorkerRun) -> pd.DataFrame:
    """worker_id, sub, issuer of the workers of the chosen answers: what a Cognito look-up (core.identity.
    team_names) and a names CSV by sub need. One more read of the answers (WorkerPlan.queries)."""
    run.prepare()
    return run.query(qualified(None, {"answers": run.plan.answers()}, sql=IDENTITIES))


def whole_names(run: WorkerRun) -> dict[str, str]:
    """worker_id -> Worker N, numbered over the whole source's answers as core.metrics.anonymous_names
    numbers them locally (the plan's whole_reads)."""
    from ..metrics import numbered

    return numbered(run.query(qualified("anonymous_order", {"answers": run.plan.whole_answers()}), whole=True)
                    ["worker_id"])


def worker_report(run: WorkerRun, names: Mapping[str, str] | None = None, anonymize: bool = False) -> pd.DataFrame:
    """core.workers.worker_report's table (columns, Team row, names, anonymity) from Athena's figures.

    Anonymous names follow the first submission, then the id: the order metrics.anonymous_names
    gives, read from the table's first_submission instead of a third pass over the answers."""
    from ..identity import display_names
    from ..metrics import COLUMNS, TEAM, numbered

    table = run.worker_table()
    if anonymize and run.plan.whole_reads:  # numbered over the whole source, as locally
        shown = whole_names(run)
    elif anonymize:
        shown = numbered(table.reset_index().sort_values(["first_submission", "worker_id"], na_position="last")
                         ["worker_id"])
    else:
        shown = display_names(table[["sub"]], dict(names or {})).to_dict()
    team = run.team_row(table)
    table.insert(0, "worker", table.index.map(shown))
    out = table.reset_index()
    if not team.empty:
        out = pd.concat([out, pd.DataFrame([team]).assign(worker=TEAM)], ignore_index=True)
    out = out.reindex(columns=COLUMNS)
    out = out.drop(columns=["worker_id", "sub"]) if anonymize else out
    out.attrs["shown"] = shown  # worker_id -> the name shown, for the charts (the ids may not be columns)
    return out
