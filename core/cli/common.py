"""What every command shares: the workspace and AWS arguments, the error that ends a command,
reading a source into a selection, and where --out points."""

from __future__ import annotations

import argparse
import sys
from datetime import date
from pathlib import Path

from ..aws import AwsSettings
from ..bounds import screen_dates
from ..errors import GroundControlError
from ..ingest import SourceReader
from ..ingest.snapshot import Snapshot
from ..storage import StoreError, output_location
from ..workers import Selection
from ..workspace import aws_workspace, data_now, default_kind, demo_workspace


class CliError(GroundControlError):
    """Ends the command with exit code 2 and this one-line reason (and its problems, if any)."""


def selection_options(p: argparse.ArgumentParser) -> None:
    """--jobs, --since and --until: which answers a report counts (core.workers.Selection)."""
    p.add_argument("--jobs", nargs="+", metavar="JOB", help="only these jobs (default: all)")
    p.add_argument("--since", type=date.fromisoformat, metavar="YYYY-MM-DD", help="first day (UTC)")
    p.add_argument("--until", type=date.fromisoformat, metavar="YYYY-MM-DD", help="last day (UTC)")


def source_options(p: argparse.ArgumentParser) -> None:
    """--workspace, --dir and the AWS settings: where a command reads and writes."""
    p.add_argument("--workspace", choices=["demo", "aws"],
                   help="default: GC_WORKSPACE, else AWS when credentials are found, else the demo")
    p.add_argument("--dir", type=Path, help="the demo workspace's folder (default: GC_DEMO_DIR or the user cache)")
    p.add_argument("-v", "--verbose", action="store_true",
                   help="also say how many files were parsed and how many were unchanged in the cache")
    aws = p.add_argument_group("AWS (default: the standard AWS configuration chain)")
    aws.add_argument("--profile", help="named AWS profile")
    aws.add_argument("--region", help="AWS region")
    aws.add_argument("--endpoint-url", help="S3-compatible endpoint URL")


def engine_options(p: argparse.ArgumentParser) -> None:
    """--engine and Athena's settings (core.engine.athena): where the metrics' SQL runs."""
    p.add_argument("--engine", choices=["local", "athena"], default="local",
                   help="local: read the files here and compute with DuckDB (default); athena: compute with "
                        "Amazon Athena where an s3:// source is (see the README, 'More than one machine')")
    a = p.add_argument_group("Athena (--engine athena)")
    a.add_argument("--workgroup", default="primary", help="Athena workgroup (default: primary)")
    a.add_argument("--athena-results", metavar="S3_URI",
                   help="s3://bucket/prefix/ for query results and the small tables Ground Control stages")
    a.add_argument("--glue-database", metavar="NAME",
                   help="Glue database for Ground Control's tables and view (lower-case letters, digits, '_'); "
                        "it and they are created if not there yet")
    a.add_argument("--parquet", action="store_true",
                   help="first write a Parquet copy of the chosen jobs' answers, partitioned by job (once: a copy "
                        "of the same files is reused), and query it: repeat queries read less and cost less")
    a.add_argument("--dry-run", action="store_true", help="print the DDL and the cost estimate, run nothing")
    a.add_argument("--max-cost", type=float, metavar="USD", help="refuse to run when the estimate is higher")


def athena_only(args, unsupported: dict) -> None:
    """What --engine athena needs, checked before anything is listed or read."""
    if not args.source.startswith("s3://"):
        raise CliError(f"--engine athena reads S3 only: {args.source!r} is not an s3:// source")
    missing = [flag for flag, value in (("--glue-database", args.glue_database),
                                        ("--athena-results", args.athena_results)) if not value]
    if missing:
        raise CliError(f"--engine athena needs {' and '.join(missing)}")
    if not args.athena_results.startswith("s3://"):
        raise CliError(f"--athena-results must be an s3:// folder, not {args.athena_results!r}")
    given = [flag for flag, value in unsupported.items() if value]
    if given:
        raise CliError(f"{', '.join(given)} not available with --engine athena yet: use the local engine")


def local(*uris: str | None) -> bool:
    """Whether every one of these (unset ones aside) is a local path, not s3://."""
    return not any(uri and uri.strip().startswith("s3://") for uri in uris)


def settings(args) -> AwsSettings:
    return AwsSettings(args.profile, args.region, args.endpoint_url)


def workspace(args, local_only: bool = False):
    """The workspace a command works in: --workspace, else GC_WORKSPACE, else AWS when
    credentials are found, else the demo. `local_only`: the command reads and writes only local
    files, which either workspace reads alike, so credentials are not looked for: that costs boto3's
    import (0.2 s of a 0.6 s run on 10k answers) and can wait on an instance's metadata service."""
    kind = args.workspace or default_kind(probe=not local_only)
    return demo_workspace(args.dir) if kind == "demo" else aws_workspace(settings(args))


def read(args, ws) -> tuple[SourceReader, Snapshot]:
    """The source read into tables (core.ingest.reader.Snapshot), with --verbose's count of files
    parsed and unchanged."""
    try:
        reader = SourceReader(ws.open(args.source))
        snap = reader.snapshot()
    except StoreError as exc:
        raise CliError(str(exc)) from exc
    if getattr(args, "verbose", False):  # off by default: what cron mails is the skips and their count
        print(f"{snap.parsed:,} Ground Truth file(s) parsed (new or changed), {snap.cached:,} unchanged from the cache",
              file=sys.stderr)
    return reader, snap


def selected(args, ws, read_as: tuple[SourceReader, Snapshot] | None = None):
    """The source read (answers dated where no labeling can have happened undated), and the
    selection of jobs and days the arguments ask for. `read_as`: what `read` gave, when the caller
    read it first."""
    reader, snap = read_as or read(args, ws)
    data = screen_dates(reader.data(snap), data_now(ws, args.source))
    skipped(data.skipped)
    for item in data.suspect:
        print(f"suspect {item.uri}: {item.reason}", file=sys.stderr)
    if not data.jobs:
        raise CliError(data.nothing_found())
    unknown = sorted(set(args.jobs or ()) - set(data.jobs))
    if unknown:
        raise CliError(f"no job named {', '.join(unknown)} under {data.uri}; jobs: {', '.join(data.jobs)}")
    return data, Selection(tuple(args.jobs) if args.jobs else None, args.since, args.until)


def output(ws, out: str, folder: bool):
    """Where --out points, for writing: s3:// through the workspace; a local path may not exist yet."""
    try:
        return output_location(out, ws.open, folder=folder)
    except StoreError as exc:
        raise CliError(str(exc)) from exc


def skipped(items) -> None:
    for item in items:
        print(f"skipped {item.uri}: {item.reason}", file=sys.stderr)
