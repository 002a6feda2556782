"""The command line: the same operations as the app, for cron, Lambda and CI.

    python -m core workers SOURCE [--gold FILE] [--format table|csv|json]
    python -m core jobs [--workspace demo|aws] [--format table|json]
    python -m core demo [--dir DIR] [--seed N]
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
    try:
        data = SourceReader(ws.open(args.source)).load()
    except StoreError as exc:
        raise CliError(str(exc)) from exc
    for item in data.skipped:
        print(f"skipped {item.uri}: {item.reason}", file=sys.stderr)
    if not data.jobs:
        raise CliError(f"no Ground Truth job output found under {data.uri}")
    try:
        gold = read_gold(args.gold, _read(ws, args.gold)) if args.gold else None
        names = read_names_csv(args.names, _read(ws, args.names)) if args.names else {}
        if args.cognito:
            names.update(team_names(ws.service, data.answers))
    except (StoreError, GoldError, IdentityError) as exc:
        raise CliError(str(exc)) from exc
    unknown = sorted(set(args.jobs or ()) - set(data.jobs))
    if unknown:
        raise CliError(f"no job named {', '.join(unknown)} under {data.uri}; jobs: {', '.join(data.jobs)}")
    selection = Selection(tuple(args.jobs) if args.jobs else None, args.since, args.until)
    report = worker_report(data, selection, gold=gold, names=names, anonymize=args.anonymize)
    print(format_table(report, args.format))
    if data.skipped:
        print(f"{len(data.skipped)} file(s) or answers skipped (listed above)", file=sys.stderr)
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
