"""`workers`: per-worker metrics of a source, as the Workers page shows them."""

from __future__ import annotations

import sys

from ..gold import GoldError, queued_gold, read_gold
from ..gt.service import ServiceError
from ..identity import IdentityError, read_names_csv, team_names
from ..ingest.results import Capture, ResultCache, key_of
from ..labellayer import choose_layers, unknown_choice
from ..storage import StoreError
from ..tables import format_table
from ..workers import manifest_counts, worker_report
from ..workspace import cache_dir, data_now
from . import common
from .common import CliError


def add_parser(sub) -> None:
    w = sub.add_parser("workers", help="per-worker metrics of the Ground Truth output under SOURCE")
    w.add_argument("source", metavar="SOURCE", help="s3://bucket/prefix or a local folder")
    w.add_argument("--gold", metavar="FILE", help="gold labels: CSV, JSON (lines), or a trusted job's output manifest")
    w.add_argument("--format", choices=["table", "csv", "json"], default="table")
    common.selection_options(w)
    w.add_argument("--names", metavar="CSV", help="display names: CSV with sub (or worker_id) and name")
    w.add_argument("--cognito", action="store_true", help="resolve names from the workers' Cognito pools")
    w.add_argument("--anonymize", action="store_true", help="show Worker 1..N and drop ids")
    w.add_argument("--attribute", metavar="NAME",
                   help="the label attribute (layer) to score workers against, where a job's output manifest "
                        "has several (default: decided from the job's metadata and answers, and said on stderr)")
    common.source_options(w)
    common.engine_options(w)
    w.set_defaults(run=cmd_workers)


def cmd_workers(args) -> int:
    if args.engine == "athena":
        return _athena(args)
    ws = common.workspace(args, local_only=not args.cognito and common.local(args.source, args.gold, args.names))
    read = common.read(args, ws)
    named = _named_files(args, ws)
    key, now = _result_key(args, ws, read[1], named), data_now(ws, args.source)
    results = ResultCache(cache_dir() / "results")
    if key and (kept := results.get(key, now)):  # nothing new since this very report was printed
        return kept.replay()
    capture, latest = Capture(), read[1].latest
    with capture.running():
        code = _report(args, ws, read, named)
    if key:
        results.put(key, capture.printed(code, latest), now)
    return code


def _named_files(args, ws) -> tuple[bytes | None, bytes | None] | StoreError:
    """The bytes of the --gold and --names files, read once for the report and its name; or why one
    could not be read (the report says so)."""
    try:
        return tuple(ws.open(path).read() if path else None for path in (args.gold, args.names))
    except StoreError as exc:
        return exc


def _result_key(args, ws, snap, named) -> str | None:
    """The printed report's name in the result cache (core.ingest.results), or None when it must be
    computed: what was read cannot be named, or names come live from Cognito, or a job's label
    attribute would be asked of SageMaker."""
    if (snap.digest is None or isinstance(named, StoreError) or args.cognito
            or (ws.kind == "aws" and args.source.startswith("s3://"))):
        return None
    arguments = {k: v for k, v in sorted(vars(args).items()) if k not in ("run", "verbose")}
    return key_of("workers", ws.kind, snap.digest, arguments, list(named))


def _report(args, ws, read, named) -> int:
    data, selection = common.selected(args, ws, read)
    try:
        if isinstance(named, StoreError):
            raise named
        gold_bytes, names_bytes = named
        gold = read_gold(args.gold, gold_bytes) if args.gold else None
        names = read_names_csv(args.names, names_bytes) if args.names else {}
        if args.cognito:
            names.update(team_names(ws.service, data.answers))
    except (StoreError, GoldError, IdentityError) as exc:
        raise CliError(str(exc)) from exc
    if data.answers.empty:  # output manifests only: say so, and show what they hold
        print(f"no worker responses under {data.uri}: {len(data.jobs)} job(s) with output manifests only; "
              "their counts follow (per-worker metrics need annotations/worker-response/)", file=sys.stderr)
        print(format_table(manifest_counts(data, selection), args.format))
        return 1
    if selection.apply(data)[0].empty:
        print("no answers in this selection: widen the dates or choose other jobs", file=sys.stderr)
    gold = gold if gold is not None else _queue_gold(selection.apply(data)[2])
    layers = _layers(args, ws, data)
    report = worker_report(data, selection, gold=gold, names=names, anonymize=args.anonymize,
                           attributes={job: layer.attribute for job, layer in layers.items()})
    print(format_table(report, args.format))
    if data.skipped:
        print(f"{len(data.skipped)} file(s) or answers skipped (listed above)", file=sys.stderr)
    if data.suspect:
        print(f"{len(data.suspect)} answer value(s) left out, their answers counted (listed above)", file=sys.stderr)
    return 0


def _layers(args, ws, data):
    """The label attribute each job's workers are scored on; a line on stderr wherever there was a
    choice, so a renamed or chained job is never scored on a guessed layer without saying so."""
    problem = unknown_choice(data.labels, args.attribute)
    if problem:
        raise CliError(problem)

    def describe(job: str) -> str | None:  # only an S3 source can be a job the workspace knows
        try:
            return ws.service.describe_labeling_job(job).get("LabelAttributeName")
        except ServiceError:
            return None

    layers = choose_layers(data.labels, data.answers, args.attribute,
                           describe if args.source.startswith("s3://") else None)
    for layer in layers.values():
        if layer.inferred:
            print(f"{layer.note} (--attribute NAME chooses)", file=sys.stderr)
    return layers


def _queue_gold(objects) -> dict[str, str] | None:
    """The gold mixed into the chosen jobs' queue (core.gold.queued_gold), said on stderr; None if none."""
    gold = queued_gold(objects) or None
    if gold:
        print(f"accuracy against the {len(gold):,} gold objects mixed into the queue (no --gold given)",
              file=sys.stderr)
    return gold


def _athena(args) -> int:
    """The same report, computed by Athena where the output is (core.engine.athena_workers): the
    plan (DDL and cost) on stderr first; --dry-run stops there."""
    from ..engine import athena_workers as aw
    from ..engine.athena import AthenaError
    from .athena_run import athena_run

    common.athena_only(args, unsupported={})
    ws = common.workspace(args)
    try:
        location = ws.open(args.source)
        gold = read_gold(args.gold, ws.open(args.gold).read()) if args.gold else None
        names = read_names_csv(args.names, ws.open(args.names).read()) if args.names else {}
        found = aw.survey(location, args.jobs)
        labels, objects, notes = aw.manifest_tables(location, found)
    except (StoreError, GoldError, IdentityError) as exc:
        raise CliError(str(exc)) from exc
    for note in notes:
        print(f"skipped {note}", file=sys.stderr)
    if not found.responses:
        raise CliError(f"no worker-response files under {found.uri}"
                       + (f" for the jobs {', '.join(args.jobs)}" if args.jobs else "")
                       + ": Athena has nothing to read (per-worker metrics need annotations/worker-response/)")
    problem = unknown_choice(labels, args.attribute)
    if problem:
        raise CliError(problem)
    gold = gold if gold is not None else _queue_gold(objects)  # as the local engine measures accuracy
    layers = choose_layers(labels, labels.iloc[0:0].assign(label=None), args.attribute,
                           lambda job: _describe(ws, job))
    for layer in layers.values():
        if layer.inferred:
            print(f"{layer.note} (--attribute NAME chooses)", file=sys.stderr)
    try:
        plan = aw.plan(location, args.glue_database, args.athena_results, args.jobs, gold,
                       {job: layer.attribute for job, layer in layers.items()}, (labels, objects, notes),
                       args.since, args.until, args.anonymize, found, parquet=args.parquet)
        plan.queries += 1 if args.cognito else 0  # the workers' subs and pools (aw.identities)
        aw.look_for_copy(plan, ws.open)  # a Parquet copy made earlier: the estimate is its size
        shown = plan.describe()  # the DDL and the cost, before anything runs
    except (AthenaError, ValueError, StoreError) as exc:  # a Glue name Athena would refuse; the results bucket
        raise CliError(str(exc)) from exc
    print(shown, file=sys.stderr)
    run = athena_run(args, ws, plan)
    if run is None:  # --dry-run
        return 0
    try:
        if args.cognito:  # the pools named in the chosen answers, as the local engine finds them
            names.update(team_names(ws.service, aw.identities(run)))
        report = aw.worker_report(run, names, args.anonymize)
    except (AthenaError, StoreError, IdentityError) as exc:
        raise CliError(str(exc)) from exc
    print(f"{run.ran} query(ies) run on Athena, reading {run.scanned:,} bytes; {run.cached} answered from the cache",
          file=sys.stderr)
    print(format_table(report, args.format))
    return 0


def _describe(ws, job: str) -> str | None:
    try:
        return ws.service.describe_labeling_job(job).get("LabelAttributeName")
    except ServiceError:
        return None
