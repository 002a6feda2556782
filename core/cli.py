"""The command line: the same operations as the app, for cron, Lambda and CI.

    python -m core workers SOURCE [--gold FILE] [--format table|csv|json]
"""

from __future__ import annotations

import argparse
import sys
from datetime import date

import pandas as pd

from .aws import AwsSettings
from .gold import GoldError, read_gold
from .identity import IdentityError, cognito_names, read_names_csv, user_pools
from .ingest import SourceReader
from .storage import StoreError, open_location
from .workers import Selection, worker_report


class CliError(Exception):
    """Ends the command with exit code 2 and this one-line reason."""


def read_uri(uri: str, settings: AwsSettings) -> bytes:
    loc = open_location(uri, settings)
    if not loc.prefix:
        raise StoreError(f"{uri} is a folder, not a file")
    return loc.store.get(loc.prefix)


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


def cmd_workers(args) -> int:
    settings = _settings(args)
    try:
        reader = SourceReader(open_location(args.source, settings))
        data = reader.load()
    except StoreError as exc:
        raise CliError(str(exc)) from exc
    for item in data.skipped:
        print(f"skipped {item.uri}: {item.reason}", file=sys.stderr)
    if not data.jobs:
        raise CliError(f"no Ground Truth job output found under {data.uri}")
    try:
        gold = read_gold(args.gold, read_uri(args.gold, settings)) if args.gold else None
        names = read_names_csv(args.names, read_uri(args.names, settings)) if args.names else {}
        if args.cognito:
            for region, pool in user_pools(data.answers):
                names.update(cognito_names(pool, region, settings))
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


def _source_options(p: argparse.ArgumentParser) -> None:
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
    return p


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    try:
        return args.run(args)
    except CliError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
