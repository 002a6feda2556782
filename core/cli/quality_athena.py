"""`quality` and `annotations` with --engine athena, for every task type: what needs every
worker-response file is done by Athena where the output is, the rest here by the local engine's own
functions (core.engine.athena_report); the plan (DDL and cost) on stderr first, --dry-run stops there.

- quality: classification jobs in SQL (two reads), every other job read once as answer rows and
  measured by the local report; --gold and --matrix read every chosen job as rows, --per-class the
  segmentation jobs.
- annotations: the local command's summary, from the output manifests read here (no query) and, for
  a job without one, its answer rows; --over-time counts classification jobs in SQL (the race's
  queries), and any other selection from the rows. Gold mixed into a queue is left out, as locally:
  a selection with such gold is counted from its rows."""

from __future__ import annotations

import sys

import pandas as pd

from ..storage import StoreError
from ..tables import format_table
from . import common
from .common import CliError

SEGMENTATION = "semantic-segmentation"


def cmd_quality_athena(args) -> int:
    from .quality import _matrix, _per_class

    common.athena_only(args, unsupported={})
    if args.matrix and args.per_class:
        raise CliError("--matrix and --per-class are two different tables: give one")
    ws = common.workspace(args)
    gold = _gold(args, ws)
    chosen = _chosen_source(args, ws)
    if args.matrix and len(chosen.names) != 1:
        raise CliError(f"--matrix is for one job: add --jobs JOB (jobs: {', '.join(sorted(chosen.names))})")
    route = chosen.route(every_row=gold is not None or bool(args.matrix),
                         only=SEGMENTATION if args.per_class else None)
    if args.per_class and not route.rows:
        raise CliError(f"--per-class is for segmentation masks, and no segmentation job was found under "
                       f"{chosen.found.uri}")
    if not route.sql and not route.rows:
        raise CliError(f"no job with worker responses under {chosen.found.uri}: nothing to measure on Athena")
    run = _run(args, ws, chosen, route)
    if run is None:  # --dry-run
        return 0
    source = _ask(lambda: chosen.source(run, route)) if route.rows else None
    if args.per_class:
        table = _per_class(source)
    elif args.matrix:
        table = _matrix(args, source, gold)
    else:
        from ..engine import athena_report as ar

        ask = run.query if route.sql else None
        table = _ask(lambda: ar.report(ask, run.plan.tables(), source, gold, args.iou))
    _ran(run)
    print(format_table(table, args.format))
    return 0


def cmd_annotations_athena(args) -> int:
    """The local command's table: the summary of each job's result, or with --over-time the workers'
    annotations per class per period."""
    from ..annotations.reports import over_time
    from ..annotations.summary import annotation_summary
    from ..engine import athena_annotations as aa
    from ..engine import athena_race
    from .quality import check_period, ordinary

    common.athena_only(args, unsupported={})
    if args.over_time:
        check_period(args.over_time)
    ws = common.workspace(args)
    chosen = _chosen_source(args, ws)
    if args.over_time:
        route = chosen.route()
        if route.rows or chosen.queued_gold():  # every answer comes back as a row, counted here (gold left out)
            route = chosen.route(every_row=True)
        run = _run(args, ws, chosen, route, sql_reads=athena_race.READS)
        if run is None:
            return 0
        if route.rows:
            source = _ask(lambda: chosen.source(run, route))
            table = over_time(ordinary(source.table, source.gold), args.over_time)
        else:
            table = _ask(lambda: aa.over_time(run.query, run.plan.tables(), args.over_time))
            if table.attrs.get("note"):
                print(table.attrs["note"], file=sys.stderr)
        _ran(run)
    else:
        route = chosen.unlabeled()  # jobs without an output manifest: their workers' answers are the result
        if route.rows:
            run = _run(args, ws, chosen, route)
            if run is None:
                return 0
            source = _ask(lambda: chosen.source(run, route, everything=True))
            _ran(run)
        else:
            print("counted from the output manifests: no Athena query", file=sys.stderr)
            if args.dry_run:
                return 0
            source = _ask(lambda: chosen.source(None, route, everything=True))
        table = annotation_summary(ordinary(source.table, source.gold))
    print(format_table(table, args.format))
    return 0


def _gold(args, ws) -> pd.DataFrame | None:
    from ..gold import GoldError
    from ..quality.gold_files import read_gold

    if not args.gold:
        return None
    try:
        return read_gold(args.gold, ws.open)
    except (StoreError, GoldError) as exc:
        raise CliError(str(exc)) from exc


def _chosen_source(args, ws):
    """The source listed and its manifests read, narrowed to --jobs; bad manifests said on stderr."""
    from ..engine.athena import AthenaError
    from ..engine.athena_chosen import choose

    try:
        chosen = choose(ws.open(args.source), args.jobs)
    except (StoreError, AthenaError) as exc:
        raise CliError(str(exc)) from exc
    except LookupError as exc:  # a --jobs name that is no job here
        raise CliError(exc.args[0]) from exc
    for item in chosen.manifests.unread:
        print(f"skipped {item.uri}: {item.reason}", file=sys.stderr)
    return chosen


def _run(args, ws, chosen, route, sql_reads: int | None = None):
    """The plan shown on stderr, then the run, prepared (staged tables and DDL); None after --dry-run."""
    from ..engine.athena import AthenaError
    from .athena_run import athena_run

    try:
        plan = chosen.plan(args.glue_database, args.athena_results, route, sql_reads, args.parquet, ws.open)
        shown = plan.describe()  # the DDL and the cost, before anything runs
    except (AthenaError, ValueError, StoreError) as exc:  # a Glue name Athena would refuse; the results bucket
        raise CliError(str(exc)) from exc
    print(shown, file=sys.stderr)
    run = athena_run(args, ws, plan)
    if run is None:  # --dry-run
        return None
    _ask(run.prepare)
    return run


def _ask(work):
    from ..engine.athena import AthenaError

    try:
        return work()
    except (AthenaError, StoreError) as exc:
        raise CliError(str(exc)) from exc


def _ran(run) -> None:
    print(f"{run.ran} query(ies) run on Athena, reading {run.scanned:,} bytes; {run.cached} answered from the cache",
          file=sys.stderr)
