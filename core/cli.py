"""The command line: the same operations as the app, for cron, Lambda and CI.

    python -m core workers SOURCE [--gold FILE] [--format table|csv|json]
    python -m core jobs [--workspace demo|aws] [--format table|json]
    python -m core demo [--dir DIR] [--seed N]
    python -m core race SOURCE --out FILE|s3://... [--period hour|day] [--top N] [--anonymize]
                        [--notify SNS_TOPIC_ARN]
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
from .workers import Selection, worker_report


class CliError(Exception):
    """Ends the command with exit code 2 and this one-line reason."""


def format_table(df: pd.DataFrame, fmt: str) -> str:
    """Unknown values print as empty cells (CSV, table) or null (JSON), never as 0."""
    floats = {c: 4 for c in df.columns if pd.api.types.is_float_dtype(df[c])}
    if fmt == "json":
        return df.round(floats).to_json(orient="records", date_format="iso", indent=2)
    if fmt == "csv":
        return df.round(floats).to_csv(index=False, date_format="%Y-%m-%dT%H:%M:%SZ")
    shown = df.copy()
    if "worker_id" in shown and (shown["worker_id"].isna() | (shown["worker_id"] == shown["worker"])).all():
        shown = shown.drop(columns="worker_id")  # no names resolved: the id is already shown
    for col in shown.columns:
        if pd.api.types.is_float_dtype(shown[col]):
            shown[col] = shown[col].map(lambda v: "" if pd.isna(v) else f"{v:.2f}")
        elif pd.api.types.is_datetime64_any_dtype(shown[col]):
            shown[col] = shown[col].dt.strftime("%Y-%m-%d %H:%M")
    return shown.fillna("").to_string(index=False)


def _settings(args) -> AwsSettings:
    return AwsSettings(args.profile, args.region, args.endpoint_url)


def _workspace(args):
    """The workspace a command works in: --workspace, else GC_WORKSPACE, else AWS when
    credentials are found, else the demo."""
    from .workspace import aws_workspace, default_kind, demo_workspace

    kind = args.workspace or default_kind()
    return demo_workspace(args.dir) if kind == "demo" else aws_workspace(_settings(args))


def _read(ws, uri: str) -> bytes:
    loc = ws.open(uri)
    if not loc.prefix:
        raise StoreError(f"{uri} is a folder, not a file")
    return loc.store.get(loc.prefix)


def cmd_workers(args) -> int:
    ws = _workspace(args)
    data, selection = _selected(args, ws)
    try:
        gold = read_gold(args.gold, _read(ws, args.gold)) if args.gold else None
        names = read_names_csv(args.names, _read(ws, args.names)) if args.names else {}
        if args.cognito:
            names.update(team_names(ws.service, data.answers))
    except (StoreError, GoldError, IdentityError) as exc:
        raise CliError(str(exc)) from exc
    report = worker_report(data, selection, gold=gold, names=names, anonymize=args.anonymize)
    print(format_table(report, args.format))
    if data.skipped:
        print(f"{len(data.skipped)} file(s) or answers skipped (listed above)", file=sys.stderr)
    return 0


def _selected(args, ws):
    """The source read, and the selection of jobs and days the arguments ask for."""
    try:
        data = SourceReader(ws.open(args.source)).load()
    except StoreError as exc:
        raise CliError(str(exc)) from exc
    for item in data.skipped:
        print(f"skipped {item.uri}: {item.reason}", file=sys.stderr)
    if not data.jobs:
        raise CliError(f"no Ground Truth job output found under {data.uri}")
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
    from .storage import LocalStore, Location

    if out.startswith("s3://"):
        return ws.open(out)
    path = Path(out).expanduser().resolve()
    if folder:
        path.mkdir(parents=True, exist_ok=True)
        return Location(LocalStore(path), "")
    if not path.parent.is_dir():
        raise CliError(f"{path.parent} does not exist")
    return Location(LocalStore(path.parent), path.name)


def cmd_race(args) -> int:
    import tempfile

    from .notify import NotifyError
    from .race.frames import RaceOptions, race_table, summary_line
    from .race.html import race_html
    from .race.share import race_message, save_race, share_link
    from .storage import ObjectExists
    from .workers import shown_names

    ws = _workspace(args)
    data, selection = _selected(args, ws)
    try:
        names = read_names_csv(args.names, _read(ws, args.names)) if args.names else {}
    except (StoreError, IdentityError) as exc:
        raise CliError(str(exc)) from exc
    answers = selection.apply(data)[0]
    if answers.empty:
        raise CliError("no answers in this selection: widen the dates or choose other jobs")
    options = RaceOptions(period=args.period, top=args.top, title=args.title)
    table = race_table(answers, shown_names(data, names, args.anonymize), options.freq)
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
    from .workspace import DEMO_SEED, demo_dir

    root = args.dir or demo_dir()
    if root.exists() and any(root.iterdir()):
        raise CliError(f"{root} is not empty: choose another --dir, or delete it to build the demo again")
    started = time.perf_counter()
    # History ends now, so the running job is still running when the app opens the demo.
    info = build_demo(root, seed=DEMO_SEED if args.seed is None else args.seed, now=args.at or datetime.now(UTC))
    print(f"Demo workspace built in {time.perf_counter() - started:.1f} s at {root}")
    print(f"  {len(info.jobs)} jobs ({info.in_progress} still running), {info.workers} workers, "
          f"{info.data_objects:,} data objects, {info.answers:,} answers, history until {info.now:%Y-%m-%d %H:%M} UTC")
    print(f"  bucket s3://{info.bucket}/ is the folder {info.buckets_dir / info.bucket}")
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
    w.add_argument("--gold", metavar="FILE", help="gold labels: CSV or JSON lines with source-ref and label")
    w.add_argument("--format", choices=["table", "csv", "json"], default="table")
    w.add_argument("--jobs", nargs="+", metavar="JOB", help="only these jobs (default: all)")
    w.add_argument("--since", type=date.fromisoformat, metavar="YYYY-MM-DD", help="first day (UTC)")
    w.add_argument("--until", type=date.fromisoformat, metavar="YYYY-MM-DD", help="last day (UTC)")
    w.add_argument("--names", metavar="CSV", help="display names: CSV with sub (or worker_id) and name")
    w.add_argument("--cognito", action="store_true", help="resolve names from the workers' Cognito pools")
    w.add_argument("--anonymize", action="store_true", help="show Worker 1..N and drop ids")
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

    d = sub.add_parser("demo", help="build the demo workspace with the local Ground Truth simulator")
    d.add_argument("--dir", type=Path, help="where to build it (default: the user cache)")
    d.add_argument("--seed", type=int, help="the same seed and --at build the same workspace, byte for byte")
    d.add_argument("--at", type=lambda v: datetime.fromisoformat(v).replace(tzinfo=UTC), metavar="YYYY-MM-DDTHH:MM",
                   help="when the demo's history ends, UTC (default: now)")
    d.set_defaults(run=cmd_demo)
    return p


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    try:
        return args.run(args)
    except CliError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
