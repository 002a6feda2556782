"""`jobs` and `demo`: the labeling jobs of a workspace, as the Jobs page lists them, and the demo
workspace the app opens without AWS."""

from __future__ import annotations

import sys
import time
from datetime import UTC, datetime
from pathlib import Path

from ..gt.service import ServiceError
from ..jobs import job_table
from ..sim.demo import build_demo
from ..tables import format_table
from ..workspace import DEMO_SEED, demo_at, demo_dir
from . import common
from .common import CliError


def add_parser(sub) -> None:
    j = sub.add_parser("jobs", help="the labeling jobs of a workspace, newest first")
    j.add_argument("--format", choices=["table", "json"], default="table")
    common.source_options(j)
    j.set_defaults(run=cmd_jobs)

    d = sub.add_parser("demo", help="build the demo workspace with the local Ground Truth simulator")
    d.add_argument("--dir", type=Path, help="where to build it (default: the user cache)")
    d.add_argument("--seed", type=int, help="the same seed and --at build the same workspace, byte for byte")
    d.add_argument("--at", type=lambda v: datetime.fromisoformat(v).replace(tzinfo=UTC), metavar="YYYY-MM-DDTHH:MM",
                   help="when the demo's history ends, UTC (default: now)")
    d.set_defaults(run=cmd_demo)


def cmd_jobs(args) -> int:
    try:  # opening the AWS workspace can fail too (no credentials): the same one-line error
        ws = common.workspace(args)
        table = job_table(ws.service.list_labeling_jobs(), ws.now())
    except ServiceError as exc:
        raise CliError(str(exc)) from exc
    print(f"{ws.label}: {len(table)} job(s)", file=sys.stderr)
    print(format_table(table, args.format))
    return 0


def cmd_demo(args) -> int:
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
