"""`forecast`: a running job's time and cost to finish at its current pace, with what-ifs, as the
Jobs page's Forecast block shows them."""

from __future__ import annotations

import json
import sys

import pandas as pd

from ..forecast import ForecastError, expiry_warning, forecast, rows
from ..gt.job import Job
from ..gt.service import ServiceError
from ..ingest import SourceReader
from ..storage import StoreError
from ..tables import format_table
from . import common
from .common import CliError


def add_parser(sub) -> None:
    f = sub.add_parser(
        "forecast", help="a running job's time and cost to finish, with what-ifs",
        description="The time and the cost to finish a running labeling job at the pace of its last 24 hours, "
                    "and what-ifs: one more worker per object, auto-labeling on, N more workers. Each figure "
                    "comes with the assumptions it rests on.")
    f.add_argument("job", metavar="JOB", help="the labeling job's name")
    f.add_argument("--more-workers", type=int, default=2, metavar="N",
                   help="the what-if with N more workers in the team (default: 2)")
    f.add_argument("--format", choices=["table", "json"], default="table")
    common.source_options(f)
    f.set_defaults(run=cmd_forecast)


def cmd_forecast(args) -> int:
    try:
        ws = common.workspace(args)
        job = Job.from_description(ws.service.describe_labeling_job(args.job))
        others = [Job.from_summary(s) for s in ws.service.list_labeling_jobs()]
    except ServiceError as exc:
        raise CliError(str(exc)) from exc
    if not job.working:
        raise CliError(f"{job.name} is {job.status}: only a running job has a time and a cost to finish")
    try:
        data = SourceReader(ws.open(job.output_folder)).load()
        answers = data.answers[data.answers["job"] == job.name]
        result = forecast(job, answers, ws.now(), others, more_workers=args.more_workers)
    except (StoreError, ForecastError) as exc:
        raise CliError(str(exc)) from exc
    table = rows(result)
    if args.format == "json":
        print(json.dumps({"job": result.job, "objects_left": result.objects_left,
                          "workers_per_object": result.workers_per_object,
                          "answers_per_hour": result.pace.per_hour, "active_workers": result.pace.active_workers,
                          "days_left": result.days_left, "scenarios": table}, indent=2))
        return 0
    print(f"{job.name}: {result.objects_left:,} objects left, {result.workers_per_object} workers per object",
          file=sys.stderr)
    print(format_table(pd.DataFrame(table)[["scenario", "time", "cost"]], "table"))
    for row in table:
        print(f"\n{row['scenario']}:")
        for line in row["assumptions"]:
            print(f"  - {line}")
    if warning := expiry_warning(result):
        print(f"\nwarning: {warning}", file=sys.stderr)
    return 0
