"""`quality SOURCE --engine athena`: the classification jobs' quality rows computed by Athena where
the output is (core.engine.athena_quality); the plan (DDL and cost) on stderr first, --dry-run stops
there. The other task types are named in one line, for the local engine."""

from __future__ import annotations

import sys

from ..storage import StoreError
from ..tables import format_table
from . import common
from .common import CliError


def cmd_quality_athena(args) -> int:
    from ..aws import client
    from ..engine import athena_quality as aq
    from ..engine import athena_workers as aw
    from ..engine.athena import Athena, AthenaError
    from .workers import _state_printer

    common.athena_only(args, unsupported={"--gold": args.gold, "--matrix": args.matrix,
                                          "--per-class": args.per_class})
    ws = common.workspace(args)
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
    found = found.only(measured)  # only their partitions are read and priced
    try:
        no_manifests = aw.manifest_tables(location, aw.Survey(found.uri))  # the workers' lookups: not read here
        plan = aw.plan(location, args.glue_database, args.athena_results, tables=no_manifests, found=found,
                       parquet=args.parquet)
        plan.staged, plan.queries = aq.staged(jobs, found.folders), aq.READS
        aw.look_for_copy(plan, ws.open)  # a Parquet copy made earlier: the estimate is its size
        shown = plan.describe()  # the DDL and the cost, before anything runs
    except (AthenaError, ValueError, StoreError) as exc:  # a Glue name Athena would refuse; the results bucket
        raise CliError(str(exc)) from exc
    print(shown, file=sys.stderr)
    if args.dry_run:
        return 0
    if args.max_cost is not None and plan.estimate().usd > args.max_cost:
        raise CliError(f"the estimate (${plan.estimate().usd:,.4f}) is over --max-cost ${args.max_cost:g}: "
                       "choose fewer --jobs or raise the limit")
    athena = Athena(client("athena", common.settings(args)), args.workgroup, args.athena_results, args.glue_database)
    run = aw.WorkerRun(athena, plan, ws.open, on_state=_state_printer() if args.verbose else None)
    try:
        run.prepare()
        report = aq.quality_report(run.query, plan.tables())
    except (AthenaError, StoreError) as exc:
        raise CliError(str(exc)) from exc
    print(f"{run.ran} query(ies) run on Athena, reading {run.scanned:,} bytes; {run.cached} answered from the cache",
          file=sys.stderr)
    print(format_table(report, args.format))
    return 0


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
