"""`quality` and `annotations` with --engine athena: classification jobs' figures computed by Athena
where the output is (core.engine.athena_quality, athena_annotations); the plan (DDL and cost) on
stderr first, --dry-run stops there. The other task types are named in one line, for the local engine."""

from __future__ import annotations

import sys

from ..storage import StoreError
from ..tables import format_table
from . import common
from .common import CliError


def cmd_quality_athena(args) -> int:
    from ..engine import athena_quality as aq

    common.athena_only(args, unsupported={"--gold": args.gold, "--matrix": args.matrix,
                                          "--per-class": args.per_class})
    ws = common.workspace(args)
    planned = _plan(args, ws, aq.READS)
    if planned is None:  # --dry-run
        return 0
    run, _, _ = planned
    report = _ask(lambda: aq.quality_report(run.query, run.plan.tables()))
    _ran(run)
    print(format_table(report, args.format))
    return 0


def cmd_annotations_athena(args) -> int:
    """The per-class counts of the classification jobs' results (from their output manifests), or with
    --over-time the workers' annotations per class per period (counted on Athena)."""
    from ..engine import athena_annotations as aa
    from ..engine import athena_race

    common.athena_only(args, unsupported={})
    if args.over_time:
        _period(args.over_time)
    ws = common.workspace(args)
    planned = _plan(args, ws, athena_race.READS if args.over_time else 0)
    if planned is None:
        return 0
    run, jobs, measured = planned
    if args.over_time:
        table = _ask(lambda: aa.over_time(run.query, run.plan.tables(), args.over_time))
        if table.attrs.get("note"):
            print(table.attrs["note"], file=sys.stderr)
        _ran(run)
    else:
        table = aa.class_counts(jobs, measured)
    print(format_table(table, args.format))
    return 0


def _period(freq: str) -> None:
    from ..bounds import _step

    try:
        _step(freq)
    except ValueError as exc:  # before anything is listed or billed
        raise CliError(f"--over-time: {exc}") from exc


def _plan(args, ws, reads: int):
    """(the run, the jobs, the measured jobs' own names) after the plan is shown; None after --dry-run.
    With no read of the answers (`reads` 0), nothing is set up on Athena and the run is None."""
    from ..engine import athena_quality as aq
    from ..engine import athena_workers as aw
    from ..engine.athena import AthenaError
    from .athena_run import athena_run

    try:
        location = ws.open(args.source)
        found = aw.survey(location)
        jobs = aq.read_jobs(location, found.manifests)
    except (StoreError, AthenaError) as exc:
        raise CliError(str(exc)) from exc
    for note in jobs.notes:
        print(f"skipped {note}", file=sys.stderr)
    found = found.only(_chosen(args, found, jobs))
    if line := aq.others_line(jobs.others(found.folders)):
        print(line, file=sys.stderr)
    measured = jobs.measured(found.folders)
    if not measured:
        raise CliError(f"no classification job with worker responses under {found.uri}: nothing to measure on "
                       "Athena (use the local engine for the jobs named above)")
    names = sorted({jobs.name(f) for f in measured})
    if not reads:
        print("counted from the output manifests: no Athena query", file=sys.stderr)
        return None if args.dry_run else (None, jobs, names)
    found = found.only(measured)  # only their partitions are read and priced
    try:
        no_manifests = aw.manifest_tables(location, aw.Survey(found.uri))  # the workers' lookups: not read here
        plan = aw.plan(location, args.glue_database, args.athena_results, tables=no_manifests, found=found,
                       parquet=args.parquet)
        plan.staged, plan.queries = aq.staged(jobs, found.folders), reads
        aw.look_for_copy(plan, ws.open)  # a Parquet copy made earlier: the estimate is its size
        shown = plan.describe()  # the DDL and the cost, before anything runs
    except (AthenaError, ValueError, StoreError) as exc:  # a Glue name Athena would refuse; the results bucket
        raise CliError(str(exc)) from exc
    print(shown, file=sys.stderr)
    run = athena_run(args, ws, plan)
    if run is None:  # --dry-run
        return None
    _ask(run.prepare)
    return run, jobs, names


def _ask(work):
    from ..engine.athena import AthenaError

    try:
        return work()
    except (AthenaError, StoreError) as exc:
        raise CliError(str(exc)) from exc


def _ran(run) -> None:
    print(f"{run.ran} query(ies) run on Athena, reading {run.scanned:,} bytes; {run.cached} answered from the cache",
          file=sys.stderr)


def _chosen(args, found, jobs) -> list[str] | None:
    """The partitions of the jobs --jobs names (by their own names, as the local report names them);
    None: all."""
    if not args.jobs:
        return None
    names = {jobs.name(folder) for folder in found.jobs}
    unknown = sorted(set(args.jobs) - names)
    if unknown:
        raise CliError(f"no job named {', '.join(unknown)} under {found.uri}; jobs: {', '.join(sorted(names))}")
    return [folder for folder in found.jobs if jobs.name(folder) in args.jobs]
