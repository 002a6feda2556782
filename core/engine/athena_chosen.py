"""The jobs a command or page chose under an S3 source, for the Athena engine: the source listed once
(core.engine.athena_survey), every output manifest read here (core.engine.athena_manifests), and
from them the route of each chosen job (core.engine.athena_report), its plan and its annotations."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from ..annotations.source import SourceAnnotations
from ..storage import Location
from . import athena_quality as aq
from . import athena_report as ar
from . import athena_workers as aw
from .athena import AthenaError
from .athena_answer_rows import COLUMNS, run_rows, typed
from .athena_manifests import Manifests, read_manifests
from .athena_survey import Survey


@dataclass
class Chosen:
    location: Location
    found: Survey  # the whole source's listing
    manifests: Manifests  # every output manifest under it (whose job a carried-over label is needs them all)
    jobs: aq.Jobs
    names: set[str]  # the chosen jobs' own names, with or without worker responses

    @property
    def folders(self) -> list[str]:
        """The chosen partitions: jobs with worker responses."""
        return [f for f in self.found.folders if self.jobs.name(f) in self.names]

    def task_of(self, name: str) -> str | None:
        """A job's task type as its output manifest says it: its labels' type, or for a video job (whose
        labels are in SeqLabel.json files) the type its manifest names them with; None without one."""
        if name in self.jobs.types:
            return self.jobs.types[name]
        return next((ref.template.task_type for m in self.manifests.read for ref in m.parsed.sequences
                     if ref.template.job == name), None)

    def queued_gold(self) -> set[tuple[str, str]]:
        """(job, object_id) of the gold lines mixed into the chosen jobs' queues, as their output
        manifests say (core.gt.manifest): known before any query runs."""
        return {pair for pair in self.manifests.gold if pair[0] in self.names}

    def route(self, every_row: bool = False, only: str | None = None) -> ar.Routes:
        """How each chosen partition is measured; `only`: the partitions of that task type."""
        folders = [f for f in self.folders if only is None or self.jobs.types.get(self.jobs.name(f)) == only]
        return ar.routes(self.jobs, folders, self.manifests, every_row)

    def unlabeled(self) -> ar.Routes:
        """The chosen partitions whose job has no consolidated result in an output manifest here: a
        job still running, whose workers' answers are all there is."""
        labeled = set(self.jobs.types) | self.manifests.own  # a video job's manifest names SeqLabel.json files only
        return ar.Routes((), tuple(f for f in self.folders if self.jobs.name(f) not in labeled))

    def plan(self, database: str, results: str, route: ar.Routes, sql_reads: int | None = None,
             parquet: bool = False, open_uri: Callable[[str], Location] | None = None) -> ar.MixedPlan:
        folders = [*route.sql, *route.rows]
        if not folders:
            raise AthenaError(f"no chosen job with worker responses under {self.found.uri}: nothing to read on Athena")
        plan = ar.mixed_plan(database, results, self.found.only(folders), self.jobs, route,
                             aq.READS if sql_reads is None else sql_reads, parquet)
        if open_uri is not None:
            aw.look_for_copy(plan, open_uri)  # a Parquet copy made earlier: the estimate is its size
        return plan

    def source(self, run: aw.WorkerRun | None, route: ar.Routes, everything: bool = False) -> SourceAnnotations:
        """The local reader's annotations of the rows jobs (with `everything`, of every chosen job),
        their answers read on the run (none without one: the output manifests only)."""
        from . import athena_rows

        rows = run_rows(run, run.plan.rows_sql(), run.open_uri) if run is not None and route.rows else typed(
            _empty())
        # A job with no worker responses has nobody to measure: only the summary counts its result.
        keep = self.names if everything else {self.jobs.name(f) for f in route.rows}
        return athena_rows.annotations(self.location, self.found, self.manifests, self.jobs, rows, keep)


def _empty():
    import pandas as pd

    return pd.DataFrame(columns=list(COLUMNS))


def choose(location: Location, wanted: Iterable[str] | None = None) -> Chosen:
    """The source listed, its jobs `wanted` by their own names (all when None). A name that is no
    job here is a LookupError that names the jobs there are."""
    return chosen_of(location, aw.survey(location), None, wanted)


def chosen_of(location: Location, found: Survey, manifests: Manifests | None = None,
              wanted: Iterable[str] | None = None) -> Chosen:
    """As `choose`, from a listing made already (`found`) and its manifests when read already."""
    manifests = manifests if manifests is not None else read_manifests(location, found.manifests)
    jobs = aq.jobs_of(manifests)
    names = {jobs.name(folder) for folder in found.jobs} | set(jobs.types)  # and the jobs labels carry over
    if wanted:
        unknown = sorted(set(wanted) - names)
        if unknown:
            raise LookupError(f"no job named {', '.join(unknown)} under {found.uri}; jobs: {', '.join(sorted(names))}")
        names = set(wanted)
    return Chosen(location, found, manifests, jobs, names)
