"""`benchmark` and `experiment`: compare labeling jobs, as the Benchmark page does, and run the
pre-trained model walkthrough on the simulator."""

from __future__ import annotations

import json
from pathlib import Path

from ..benchmark import (
    Prices,
    benchmark_document,
    compare,
    findings,
    load_job,
    summary_table,
    verdict,
    verdict_pair,
)
from ..benchmark.experiment import guided_report
from ..gold import GoldError, read_gold
from ..gt.service import ServiceError
from ..storage import StoreError
from . import common
from .common import CliError


def add_parser(sub) -> None:
    b = sub.add_parser(
        "benchmark", help="compare jobs: labels by humans and machine, duration, cost, accuracy",
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
    common.source_options(b)
    b.set_defaults(run=cmd_benchmark)

    x = sub.add_parser("experiment", help="run the pre-trained model walkthrough (3 jobs) on the simulator")
    x.add_argument("--dir", type=Path, help="an empty folder to keep its workspace (default: a temporary one)")
    x.add_argument("--seed", type=int, default=7)
    x.set_defaults(run=cmd_experiment)


def cmd_benchmark(args) -> int:
    if args.gold and args.reference:
        raise CliError("measure accuracy against --gold or against --reference, not both")
    ws = common.workspace(args)
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
        common.skipped(runs[name].data.skipped)
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
    try:
        lines = guided_report(args.dir, args.seed)
    except FileExistsError as exc:  # a folder that holds something else: never overwritten
        raise CliError(f"{exc.filename or args.dir} is not empty: choose another --dir") from None
    for line in lines:
        print(line)
    return 0
