"""The command line: the same operations as the app, for cron, Lambda and CI. One module per page's
commands, each with its `add_parser` and `cmd_*`; this module assembles the parser and runs it.

    python -m core workers SOURCE [--gold FILE] [--format table|csv|json]
    python -m core reliability SOURCE [--gold FILE] [--multi-label] [--objects] [--format table|csv|json]
    python -m core flags SOURCE [--jobs ...] [--since ...] [--until ...] [--format table|csv|json]
    python -m core quality SOURCE [--jobs ...] [--gold FILE] [--iou 0.5] [--format table|csv|json]
    python -m core annotations SOURCE [--jobs ...] [--format table|csv|json]
    python -m core jobs [--workspace demo|aws] [--format table|json]
    python -m core demo [--dir DIR] [--seed N]
    python -m core race SOURCE --out FILE|s3://... [--period hour|day] [--top N] [--anonymize]
                        [--notify SNS_TOPIC_ARN]
    python -m core race-effect SOURCE [--races FILE|auto] [--window-days 7] [--format table|csv|json]
    python -m core manifest SOURCE --out URI [--ext ...] [--sample N] [--split K] [--seed S]
    python -m core validate MANIFEST
    python -m core launch --config FILE.json [--dry-run]
    python -m core chain JOB [--new-attribute NAME] [--auto-label] [--dry-run]
    python -m core benchmark JOB [JOB ...] [--gold FILE | --reference JOB] [--format table|json]
                             [--train-price USD/h] [--infer-price USD/h]
    python -m core experiment [--dir DIR]
    python -m core forecast JOB [--more-workers N] [--format table|json]
    python -m core digest --notify SNS_TOPIC_ARN [--race] [--jobs PATTERN ...] [--stall-hours H]
                          [--expiry-days D] [--dry-run]
"""

from __future__ import annotations

import argparse
import importlib
import sys

from ..errors import GroundControlError
from .common import CliError

__all__ = ["CliError", "main", "parser"]

# Each page's module and the commands it adds, in the order `--help` lists them. A command imports
# only its own page: importing all six (the benchmark pulls in the demo simulator and Pillow) cost
# a second of every run.
PAGES = {
    "workers": ("workers",),
    "reliability": ("reliability",),
    "flags": ("flags",),
    "quality": ("quality", "annotations"),
    "jobs": ("jobs", "demo"),
    "race": ("race",),
    "race_effect": ("race-effect",),
    "manifests": ("manifest", "validate"),
    "launch": ("launch", "chain"),
    "benchmark": ("benchmark", "experiment"),
    "digest": ("digest",),
    "forecast": ("forecast",),
}


def parser(command: str | None = None) -> argparse.ArgumentParser:
    """The whole command line, or only the page that adds `command` when it is one."""
    p = argparse.ArgumentParser(prog="python -m core", description="Ground Control from the command line.")
    sub = p.add_subparsers(dest="command", required=True)
    pages = [page for page, commands in PAGES.items() if command in commands] or list(PAGES)
    for page in pages:
        importlib.import_module(f".{page}", __name__).add_parser(sub)
    return p


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    args = parser(argv[0] if argv else None).parse_args(argv)
    try:
        return args.run(args)
    except GroundControlError as exc:  # CliError, or a core error a command let through
        print(f"error: {exc}", file=sys.stderr)
        for problem in exc.problems:
            print(f"  {problem.field}: {problem.message}", file=sys.stderr)
        return 2
