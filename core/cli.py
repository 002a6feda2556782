"""The command line: the same operations as the app, for cron, Lambda and CI.

    python -m core workers SOURCE [--gold FILE] [--format table|csv|json]
    python -m core jobs [--workspace demo|aws] [--format table|json]
    python -m core demo [--dir DIR] [--seed N]
    python -m core race SOURCE --out FILE|s3://... [--period hour|day] [--top N] [--anonymize]
                        [--notify SNS_TOPIC_ARN]
    python -m core manifest SOURCE --out URI [--ext ...] [--sample N] [--split K] [--seed S]
    python -m core validate MANIFEST
    python -m core launch --config FILE.json [--dry-run]
    python -m core chain JOB [--new-attribute NAME] [--auto-label] [--dry-run]
    python -m core experiment [--dir DIR]
    python -m core benchmark JOB [JOB ...] [--gold FILE | --reference JOB] [--format table|json]
                             [--train-price USD/h] [--infer-price USD/h]
"""

from __future__ import annotations

import argparse
import sys
from datetime import UTC, date, datetime
from pathlib import Path

import pandas as pd

from .aws import AwsSettings
from .gold import GoldError, read_gold
from .identity import IdentityError, read_names_csv, team_names
from .ingest import SourceReader
from .storage import StoreError
from .tables import format_table
from .workers import Selection, manifest_counts, worker_report


class CliError(Exception):
    """Ends the command with exit code 2 and this one-line reason."""


def _settings(args) -> AwsSettings:
    return AwsSettings(args.profile, args.region, args.endpoint_url)


def _workspace(args):
    """The workspace a command works in: --workspace, else GC_WORKSPACE, else AWS when
    credentials are found, else the demo."""
    from .workspace import aws_workspace, default_kind, demo_workspace

    kind = args.workspace or default_kind()
    return demo_workspace(args.dir) if kind == "demo" else aws_workspace(_settings(args))


def cmd_workers(args) -> int:
    ws = _workspace(args)
    data, selection = _selected(args, ws)
    try:
        gold = read_gold(args.gold, ws.open(args.gold).read()) if args.gold else None
        names = read_names_csv(args.names, ws.open(args.names).read()) if args.names else {}
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
    from .gt.service import ServiceError
    from .labellayer import choose_layers, unknown_choice

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


def _selected(args, ws):
    """The source read (answers dated where no labeling can have happened undated), and the
    selection of jobs and days the arguments ask for."""
    from .bounds import screen_dates
    from .workspace import data_now

    try:
        data = screen_dates(SourceReader(ws.open(args.source)).load(), data_now(ws, args.source))
    except StoreError as exc:
        raise CliError(str(exc)) from exc
    for item in data.skipped:
        print(f"skipped {item.uri}: {item.reason}", file=sys.stderr)
    for item in data.suspect:
        print(f"suspect {item.uri}: {item.reason}", file=sys.stderr)
    if not data.jobs:
        raise CliError(data.nothing_found())
    unknown = sorted(set(args.jobs or ()) - set(data.jobs))
    if unknown:
        raise CliError(f"no job named {', '.join(unknown)} under {data.uri}; jobs: {', '.join(data.jobs)}")
    return data, Selection(tuple(args.jobs) if args.jobs else None, args.since, args.until)


def _progress_printer(what: str):
    step = {"next": 0}

    def progress(done: int, total: int) -> None:
        if total and (done * 10 // total >= step["next"] or done == total):
            step["next"] = done * 10 // total + 1
            print(f"{what}: {done:,} of {total:,} frames", file=sys.stderr)

    return progress


def _output(ws, out: str, folder: bool):
    """Where --out points, for writing: s3:// through the workspace; a local path may not exist yet."""
    from .storage import output_location

    try:
        return output_location(out, ws.open, folder=folder)
    except StoreError as exc:
        raise CliError(str(exc)) from exc


def cmd_race(args) -> int:
    import tempfile

    from .notify import NotifyError
    from .race.frames import RaceOptions, race_table, summary_line
    from .race.html import race_html
    from .race.share import link_caveat, race_message, save_race, share_link
    from .storage import ObjectExists
    from .workers import shown_names

    ws = _workspace(args)
    data, selection = _selected(args, ws)
    try:
        names = read_names_csv(args.names, ws.open(args.names).read()) if args.names else {}
    except (StoreError, IdentityError) as exc:
        raise CliError(str(exc)) from exc
    answers = selection.apply(data)[0]
    if answers.empty:
        raise CliError("no answers in this selection: widen the dates or choose other jobs")
    options = RaceOptions(period=args.period, top=args.top, title=args.title)
    try:
        table = race_table(answers, shown_names(data, names, args.anonymize), options.freq)
    except ValueError as exc:  # a --period that is no period length
        raise CliError(f"--period: {exc}") from exc
    if table.empty:
        raise CliError("no dated answers in this selection (see the suspect answers above): nothing to race")
    if table.attrs.get("note"):
        print(table.attrs["note"], file=sys.stderr)
    fmt = args.format or (args.out.rsplit(".", 1)[-1].lower() if args.out.lower().endswith((".mp4", ".gif", ".html"))
                          else "mp4")
    if fmt == "html":
        video = race_html(table, options).encode()
    else:
        from .race.video import render_video
        from .workspace import cache_dir

        with tempfile.TemporaryDirectory() as tmp:
            path = render_video(table, options, Path(tmp) / f"race.{fmt}", fmt=fmt,
                                progress=_progress_printer("rendering"), cache_dir=cache_dir() / "races")
            video = path.read_bytes()
    folder = args.out.endswith("/") or (not args.out.startswith("s3://") and Path(args.out).is_dir())
    loc = _output(ws, args.out, folder)
    try:
        if folder:  # a content-addressed key below the folder: <prefix>/races/<date>-<hash>.<fmt>
            uri, existed = save_race(loc, video, fmt, ws.now().date())
        else:
            loc.store.put(loc.prefix, video)
            uri, existed = loc.store.uri_of(loc.prefix), False
    except ObjectExists as exc:
        raise CliError(f"{exc}: nothing was overwritten; choose another --out") from exc
    except StoreError as exc:
        raise CliError(str(exc)) from exc
    print(f"{'already saved' if existed else 'saved'} {uri}", file=sys.stderr)
    print(summary_line(table))
    if args.notify:
        where = share_link(loc, uri, args.link_expiry) or uri
        if where != uri and (caveat := link_caveat(loc)):
            print(f"warning: {caveat}", file=sys.stderr)
        subject, body = race_message(options.title, table, where)
        try:
            sent = ws.notifier.publish(args.notify, subject, body)
        except NotifyError as exc:
            raise CliError(str(exc)) from exc
        print(f"sent to {args.notify}: message {sent}", file=sys.stderr)
    print(uri)
    return 0


def cmd_jobs(args) -> int:

    from .gt.service import ServiceError
    from .jobs import job_table
    from .workspace import aws_workspace, default_kind, demo_workspace

    kind = args.workspace or default_kind()
    try:
        ws = demo_workspace(args.dir) if kind == "demo" else aws_workspace(_settings(args))
        table = job_table(ws.service.list_labeling_jobs(), ws.now())
    except ServiceError as exc:
        raise CliError(str(exc)) from exc
    print(f"{ws.label}: {len(table)} job(s)", file=sys.stderr)
    print(format_table(table, args.format))
    return 0


def cmd_demo(args) -> int:
    import time

    from .sim.demo import build_demo
    from .workspace import DEMO_SEED, demo_at, demo_dir

    root = args.dir or demo_dir()
    if root.exists() and any(root.iterdir()):
        raise CliError(f"{root} is not empty: choose another --dir, or delete it to build the demo again")
    started = time.perf_counter()
    # History ends now (or at GC_DEMO_AT), so the running job is still running when the app opens the demo.
    at = args.at or demo_at() or datetime.now(UTC)
    info = build_demo(root, seed=DEMO_SEED if args.seed is None else args.seed, now=at)
    print(f"Demo workspace built in {time.perf_counter() - started:.1f} s at {root}")
    print(f"  {len(info.jobs)} jobs ({info.in_progress} still running), {info.workers} workers, "
          f"{info.data_objects:,} data objects, {info.answers:,} answers, history until {info.now:%Y-%m-%d %H:%M} UTC")
    print(f"  bucket s3://{info.bucket}/ is the folder {info.buckets_dir / info.bucket}")
    return 0


def _manifest_spec(args):
    from .manifests import ManifestSpec

    return ManifestSpec(
        kind=args.kind, extensions=tuple(args.ext) if args.ext else None, include=tuple(args.include or ()),
        exclude=tuple(args.exclude or ()), max_bytes=None if args.max_mb is None else round(args.max_mb * 1_000_000),
        column=args.column, csv_header=not args.no_header, exclude_manifests=tuple(args.not_in or ()),
        sample=args.sample, seed=args.seed, split=args.split,
    )


def cmd_manifest(args) -> int:
    from .manifests import ManifestError, manifest_bytes, part_keys, plan_manifest, write_parts
    from .storage import ObjectExists

    if not args.out and not args.dry_run:
        raise CliError("--out is required (or --dry-run to preview)")
    ws = _workspace(args)
    try:
        spec = _manifest_spec(args)
        plan = plan_manifest(ws.open(args.source), spec, open_uri=ws.open)
        out = _output(ws, args.out, folder=False) if args.out else None
    except (ManifestError, StoreError) as exc:
        raise CliError(str(exc)) from exc
    if out is not None and (not out.prefix or out.prefix.endswith("/")):
        raise CliError(f"--out {args.out} is a folder: name the manifest file, e.g. {args.out.rstrip('/')}/x.manifest")
    for item in plan.skipped:
        print(f"skipped {item.uri}: {item.reason}", file=sys.stderr)
    for warning in plan.warnings:
        print(f"warning: {warning}", file=sys.stderr)
    print(f"{plan.source_uri} ({spec.kind}):", file=sys.stderr)
    for what, n in plan.count_rows():
        print(f"  {n:>9,}  {what}", file=sys.stderr)
    if len(plan.parts) > 1:
        print(f"  {len(plan.parts)} parts of {', '.join(f'{len(p):,}' for p in plan.parts)} lines", file=sys.stderr)
    if args.dry_run:
        keys = part_keys(out.prefix, len(plan.parts)) if out else [f"part {i}" for i in range(1, len(plan.parts) + 1)]
        for key, lines in zip(keys, plan.parts, strict=True):
            print(f"# {out.store.uri_of(key) if out else key}: {len(lines):,} lines (dry run: nothing written)")
            sys.stdout.write(manifest_bytes(lines[: args.preview]).decode())
        return 0
    if not plan.lines:
        raise CliError(f"no objects selected under {plan.source_uri}: nothing written")
    try:
        uris = write_parts(out, plan.parts, overwrite=args.overwrite)
    except ObjectExists as exc:
        raise CliError(f"{exc}: nothing was written; choose another --out, or --overwrite to replace") from exc
    except StoreError as exc:
        raise CliError(str(exc)) from exc
    for uri in uris:
        print(uri)
    return 0


def cmd_validate(args) -> int:
    import json

    from .manifests import validate_manifest

    ws = _workspace(args)
    try:
        data = ws.open(args.manifest).read()
    except StoreError as exc:
        raise CliError(str(exc)) from exc
    report = validate_manifest(data, ws.open, check_exists=not args.no_exists, task=args.task,
                               max_checks=args.max_checks)
    if args.format == "json":
        print(json.dumps({"manifest": args.manifest, **report.to_dict()}, indent=2))
    else:
        for p in report.problems:
            print(f"{args.manifest}:{p.line}: {p.kind}: {p.message}")
        print(f"{report.lines:,} lines, {report.objects:,} objects, {len(report.problems):,} problem(s)"
              + (f" ({', '.join(f'{k} {n:,}' for k, n in report.by_kind().items())})" if report.problems else ""))
        if report.attributes:
            print(format_table(pd.DataFrame([vars(a) for a in report.attributes]), "table"))
    if report.unchecked:
        print(f"{report.unchecked:,} object(s) not checked for existence", file=sys.stderr)
    return 0 if report.ok else 1


def _print_problems(problems) -> None:
    for p in problems:
        print(f"{p.field}: {p.message}", file=sys.stderr)


def cmd_launch(args) -> int:
    from .gt.errors import BadFile
    from .launch import (
        ConfigError,
        LaunchConfig,
        LaunchError,
        boto3_snippet,
        build_request,
        config_cost,
        launch,
        objects_to_send,
        problems,
        request_json,
        workspace_region,
    )

    ws = _workspace(args)
    try:
        text = ws.open(args.config).read() if args.config.startswith("s3://") else Path(args.config).read_bytes()
        config = LaunchConfig.loads(text)
    except ConfigError as exc:
        _print_problems(exc.problems)
        raise CliError(f"{args.config} is not a launch config: nothing was launched") from exc
    except (OSError, StoreError) as exc:
        raise CliError(f"cannot read {args.config}: {exc}") from exc
    region = config.resolved_region(args.region) or workspace_region(ws)
    found = problems(config, region)
    if found:
        _print_problems(found)
        raise CliError(f"{len(found)} problem(s) in {args.config}: nothing was launched")
    request = build_request(config, region)
    try:
        cost = config_cost(config, len(objects_to_send(ws.open(config.manifest).read(), config.attribute))).lines()
    except (StoreError, BadFile) as exc:
        cost = [f"Cost unknown: cannot read the manifest {config.manifest}: {exc}"]
    if args.dry_run:
        print(request_json(request), end="")
        print(boto3_snippet(request, region), file=sys.stderr)
        print("\n".join(cost), file=sys.stderr)
        return 0
    print("\n".join(cost), file=sys.stderr)
    try:
        arn = launch(config if config.resolved_region() else config.with_changes(region=region), ws)
    except LaunchError as exc:
        _print_problems(exc.problems)
        raise CliError(f"{config.job_name} was not launched") from exc
    print(arn)
    return 0


def cmd_chain(args) -> int:
    from .chaining import ChainError, plan_in
    from .launch import LaunchError, launch, request_json

    ws = _workspace(args)
    mode = "clone" if args.clone else ("new-layer" if args.new_attribute else "continue")
    try:
        plan = plan_in(ws, args.job, mode, new_attribute=args.new_attribute, auto_labeling=args.auto_label,
                       pretrained_from=args.pretrained_from, name=args.name)
    except ChainError as exc:
        raise CliError(str(exc)) from exc
    print("\n".join(plan.lines()), file=sys.stderr)
    if plan.problems:
        raise CliError(f"{len(plan.problems)} problem(s): nothing was launched")
    if args.dry_run:
        print(request_json(plan.request), end="")
        return 0
    try:
        arn = launch(plan.config, ws)
    except LaunchError as exc:
        _print_problems(exc.problems)
        raise CliError(f"{plan.config.job_name} was not launched") from exc
    print(arn)
    return 0


def cmd_benchmark(args) -> int:
    import json

    from .benchmark import (
        Prices,
        benchmark_document,
        compare,
        findings,
        load_job,
        summary_table,
        verdict,
        verdict_pair,
    )
    from .gt.service import ServiceError

    if args.gold and args.reference:
        raise CliError("measure accuracy against --gold or against --reference, not both")
    ws = _workspace(args)
    assumed = {"train_hours_per_round": args.train_hours, "infer_hours_per_round": args.infer_hours}
    prices = Prices(train_per_hour=args.train_price, infer_per_hour=args.infer_price,
                    **{k: v for k, v in assumed.items() if v is not None})
    runs = {}
    for name in dict.fromkeys([*args.jobs, *([args.reference] if args.reference else [])]):
        try:
            runs[name] = load_job(ws, name)
        except ServiceError as exc:
            if exc.code in ("ResourceNotFound", "ValidationException"):
                raise CliError(f"no labeling job named {name} in {ws.label}") from exc
            raise CliError(f"cannot describe {name}: {exc}") from exc
        except StoreError as exc:
            raise CliError(f"cannot read the output of {name}: {exc}") from exc
        for item in runs[name].data.skipped:
            print(f"skipped {item.uri}: {item.reason}", file=sys.stderr)
    try:
        gold = read_gold(args.gold, ws.open(args.gold).read()) if args.gold else None
    except (StoreError, GoldError) as exc:
        raise CliError(str(exc)) from exc
    chosen = [runs[name] for name in dict.fromkeys(args.jobs)]
    table = compare(chosen, gold=gold, reference=runs.get(args.reference), prices=prices)
    pair = verdict_pair(table)
    sentence = verdict(*pair) if pair else None
    if args.format == "json":
        print(json.dumps(benchmark_document(chosen, table, sentence, prices), indent=2))
        return 0
    print(summary_table(table).to_string())
    for line in findings(table):
        print(line)
    if sentence:
        print(sentence)
    return 0


def cmd_experiment(args) -> int:
    """The pre-trained model walkthrough (§8) on the simulator; prints what each job did."""
    from .benchmark.experiment import guided_report

    for line in guided_report(args.dir, args.seed):
        print(line)
    return 0


def _source_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--workspace", choices=["demo", "aws"],
                   help="default: GC_WORKSPACE, else AWS when credentials are found, else the demo")
    p.add_argument("--dir", type=Path, help="the demo workspace's folder (default: GC_DEMO_DIR or the user cache)")
    aws = p.add_argument_group("AWS (default: the standard AWS configuration chain)")
    aws.add_argument("--profile", help="named AWS profile")
    aws.add_argument("--region", help="AWS region")
    aws.add_argument("--endpoint-url", help="S3-compatible endpoint URL")


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m core", description="Ground Control from the command line.")
    sub = p.add_subparsers(dest="command", required=True)
    w = sub.add_parser("workers", help="per-worker metrics of the Ground Truth output under SOURCE")
    w.add_argument("source", metavar="SOURCE", help="s3://bucket/prefix or a local folder")
    w.add_argument("--gold", metavar="FILE", help="gold labels: CSV, JSON (lines), or a trusted job's output manifest")
    w.add_argument("--format", choices=["table", "csv", "json"], default="table")
    w.add_argument("--jobs", nargs="+", metavar="JOB", help="only these jobs (default: all)")
    w.add_argument("--since", type=date.fromisoformat, metavar="YYYY-MM-DD", help="first day (UTC)")
    w.add_argument("--until", type=date.fromisoformat, metavar="YYYY-MM-DD", help="last day (UTC)")
    w.add_argument("--names", metavar="CSV", help="display names: CSV with sub (or worker_id) and name")
    w.add_argument("--cognito", action="store_true", help="resolve names from the workers' Cognito pools")
    w.add_argument("--anonymize", action="store_true", help="show Worker 1..N and drop ids")
    w.add_argument("--attribute", metavar="NAME",
                   help="the label attribute (layer) to score workers against, where a job's output manifest "
                        "has several (default: decided from the job's metadata and answers, and said on stderr)")
    _source_options(w)
    w.set_defaults(run=cmd_workers)

    j = sub.add_parser("jobs", help="the labeling jobs of a workspace, newest first")
    j.add_argument("--format", choices=["table", "json"], default="table")
    _source_options(j)
    j.set_defaults(run=cmd_jobs)

    r = sub.add_parser("race", help="render the bar chart race of cumulative labels per worker, save it, send it")
    r.add_argument("source", metavar="SOURCE", help="s3://bucket/prefix or a local folder of job output")
    r.add_argument("--out", required=True, metavar="FILE|s3://...",
                   help="a file (never overwritten) or a folder ending in / (saved as races/<date>-<hash>.<fmt>)")
    r.add_argument("--format", choices=["mp4", "gif", "html"], help="default: from --out's extension, else mp4")
    r.add_argument("--jobs", nargs="+", metavar="JOB", help="only these jobs (default: all)")
    r.add_argument("--since", type=date.fromisoformat, metavar="YYYY-MM-DD", help="first day (UTC)")
    r.add_argument("--until", type=date.fromisoformat, metavar="YYYY-MM-DD", help="last day (UTC)")
    r.add_argument("--period", default="day", help="hour, day, or a pandas frequency such as 6h (default: day)")
    r.add_argument("--top", type=int, default=10, help="bars shown (default: 10)")
    r.add_argument("--title", default="Labels per worker")
    r.add_argument("--names", metavar="CSV", help="display names: CSV with sub (or worker_id) and name")
    r.add_argument("--anonymize", action="store_true", help="show Worker 1..N")
    r.add_argument("--notify", metavar="SNS_TOPIC_ARN", help="publish the link and the leaders to this topic")
    r.add_argument("--link-expiry", type=int, default=7 * 24 * 3600, metavar="SECONDS",
                   help="presigned link lifetime when saved to S3 (default and maximum: 7 days)")
    _source_options(r)
    r.set_defaults(run=cmd_race)

    x = sub.add_parser("experiment", help="run the pre-trained model walkthrough (3 jobs) on the simulator")
    x.add_argument("--dir", type=Path, help="an empty folder to keep its workspace (default: a temporary one)")
    x.add_argument("--seed", type=int, default=7)
    x.set_defaults(run=cmd_experiment)

    d = sub.add_parser("demo", help="build the demo workspace with the local Ground Truth simulator")
    d.add_argument("--dir", type=Path, help="where to build it (default: the user cache)")
    d.add_argument("--seed", type=int, help="the same seed and --at build the same workspace, byte for byte")
    d.add_argument("--at", type=lambda v: datetime.fromisoformat(v).replace(tzinfo=UTC), metavar="YYYY-MM-DDTHH:MM",
                   help="when the demo's history ends, UTC (default: now)")
    d.set_defaults(run=cmd_demo)

    m = sub.add_parser(
        "manifest", help="build an input manifest from the objects under SOURCE (preview with --dry-run)",
        description="Build a Ground Truth input manifest: one source-ref line per image or file, or one source "
                    "line per line of a text file or row of a CSV/JSON-lines file. Counts go to stderr, the "
                    "written URIs to stdout. An existing manifest is never replaced without --overwrite.")
    m.add_argument("source", metavar="SOURCE", help="s3://bucket/prefix or a folder (or, for rows, one file)")
    m.add_argument("--out", metavar="URI",
                   help="s3://bucket/key.manifest or a file path. With --split K the parts are written beside it "
                        "as <stem>-part<i>-of-<K><suffix>: batch.manifest -> batch-part1-of-2.manifest, ...")
    m.add_argument("--kind", choices=["images", "files", "text", "rows"], default="images",
                   help="images (jpg jpeg png, default), files (any extension), text (a source line per line of "
                        ".txt files), rows (a source line per row of .csv/.tsv/.jsonl/.ndjson files)")
    m.add_argument("--ext", nargs="+", action="extend", metavar="EXT", help="extensions to take instead of the kind's")
    m.add_argument("--include", nargs="+", action="extend", metavar="GLOB",
                   help="take only keys (below SOURCE) matching one of these globs, e.g. 'train/*'")
    m.add_argument("--exclude", nargs="+", action="extend", metavar="GLOB", help="leave out keys matching these")
    m.add_argument("--max-mb", type=float, metavar="MB",
                   help="leave out objects over this size (default for images: 40, the service's limit; 0: no cap)")
    m.add_argument("--not-in", nargs="+", action="extend", metavar="MANIFEST",
                   help="leave out objects (or texts) already in these manifests")
    m.add_argument("--sample", type=int, metavar="N", help="keep N lines chosen by --seed")
    m.add_argument("--split", type=int, metavar="K", help="write K parts of equal size (within one line)")
    m.add_argument("--seed", type=int, default=0, help="the same seed gives the same sample and parts (default: 0)")
    m.add_argument("--column", metavar="NAME",
                   help="rows: the CSV column or JSON key holding the text (default: source, else text, else first)")
    m.add_argument("--no-header", action="store_true", help="rows: CSV files have no header row")
    m.add_argument("--dry-run", action="store_true", help="print the counts and the first lines; write nothing")
    m.add_argument("--preview", type=int, default=5, metavar="N", help="lines shown per part by --dry-run")
    m.add_argument("--overwrite", action="store_true", help="replace an existing manifest at --out")
    _source_options(m)
    m.set_defaults(run=cmd_manifest)

    from .gt.tasks import BY_NAME

    v = sub.add_parser(
        "validate", help="check a manifest line by line; exit 0 if clean, 1 if problems were found",
        description="Check every line of a manifest (JSON, source/source-ref, line and value length, $ keys, "
                    "duplicates, objects that do not exist) and count labeled / failed / unlabeled lines per "
                    "label attribute. Exit code, as linters do: 0 no problems, 1 problems found, 2 the manifest "
                    "could not be read.")
    v.add_argument("manifest", metavar="MANIFEST", help="s3://bucket/key or a file path")
    v.add_argument("--no-exists", action="store_true", help="do not check that source-ref objects exist")
    v.add_argument("--task", choices=sorted(BY_NAME), metavar="TASK",
                   help="the task type, for its object quota (SemanticSegmentation: 20,000; default 100,000)")
    v.add_argument("--max-checks", type=int, metavar="N", help="check the existence of the first N objects only")
    v.add_argument("--format", choices=["table", "json"], default="table")
    _source_options(v)
    v.set_defaults(run=cmd_validate)

    la = sub.add_parser(
        "launch", help="start a labeling job from a launch config (the Launch page's choices as JSON)",
        description="Check a launch config against every service limit, write its label category file and worker "
                    "template beside the output (never overwriting), and start the job. --dry-run prints the exact "
                    "create_labeling_job request as JSON on stdout (a boto3 snippet and the cost on stderr).")
    la.add_argument("--config", required=True, metavar="FILE.json", help="a launch config: a file path or s3:// URI")
    la.add_argument("--dry-run", action="store_true", help="print the request; launch nothing, write nothing")
    _source_options(la)
    la.set_defaults(run=cmd_launch)

    ch = sub.add_parser(
        "chain", help="continue a job, add a label layer, or clone it (reference §8)",
        description="Plan a job chained to JOB: by default it continues JOB's attribute on its output manifest, so "
                    "only unlabeled and failed objects are sent; --new-attribute adds a layer (everything is sent); "
                    "--clone reruns JOB's input manifest. Prints per-attribute counts, objects to send and the cost "
                    "on stderr; --dry-run prints the request JSON on stdout, otherwise the new job's ARN.")
    ch.add_argument("job", metavar="JOB", help="the labeling job to chain from")
    ch.add_argument("--new-attribute", metavar="NAME", help="a new label attribute: a new layer over every object")
    ch.add_argument("--clone", action="store_true", help="start again from JOB's input manifest")
    ch.add_argument("--auto-label", action=argparse.BooleanOptionalAction, default=None,
                    help="auto-labeling on or off (default: as JOB)")
    ch.add_argument("--pretrained-from", metavar="JOB",
                    help="start auto-labeling from this job's final model (FinalActiveLearningModelArn)")
    ch.add_argument("--name", metavar="NEW", help="the new job's name (default: JOB-chain-N or JOB-clone-N)")
    ch.add_argument("--dry-run", action="store_true", help="print the request; launch nothing")
    _source_options(ch)
    ch.set_defaults(run=cmd_chain)

    b = sub.add_parser(
        "benchmark", help="compare jobs: labels by humans and machine, duration, cost, accuracy (reference §8, §9)",
        description="Benchmark labeling jobs side by side: objects, human- and machine-labeled, machine share, "
                    "failed, duration, labels per hour, cost (service fee, worker fee, estimated instance time) and "
                    "accuracy against gold labels or a reference job. LabelCounters are checked against the output "
                    "files and every disagreement is printed. With one job started from an earlier model, a "
                    "one-sentence verdict against a job without one closes the report.")
    b.add_argument("jobs", nargs="+", metavar="JOB", help="labeling jobs to compare")
    b.add_argument("--gold", metavar="FILE", help="gold labels: CSV, JSON (lines), or a trusted job's output manifest")
    b.add_argument("--reference", metavar="JOB", help="measure accuracy against this job's labels instead")
    b.add_argument("--format", choices=["table", "json"], default="table")
    b.add_argument("--train-price", type=float, metavar="USD/h",
                   help="training instance USD per hour (default: an assumed on-demand price of the task's instance)")
    b.add_argument("--infer-price", type=float, metavar="USD/h",
                   help="inference instance USD per hour (default: an assumed on-demand price of the task's instance)")
    b.add_argument("--train-hours", type=float, metavar="H", help="training hours per auto-labeling round (0.25)")
    b.add_argument("--infer-hours", type=float, metavar="H", help="inference hours per auto-labeling round (0.25)")
    _source_options(b)
    b.set_defaults(run=cmd_benchmark)
    return p


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    try:
        return args.run(args)
    except CliError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
