"""`launch` and `chain`: start a labeling job from a launch config, as the Launch page does, or
chained to an earlier job, as the Jobs page does."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from ..audit import run_audited
from ..chaining import ChainError, plan_in
from ..gt.errors import BadFile
from ..launch import (
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
from ..storage import StoreError
from . import common
from .common import CliError


def add_parser(sub) -> None:
    la = sub.add_parser(
        "launch", help="start a labeling job from a launch config (the Launch page's choices as JSON)",
        description="Check a launch config against every service limit, write its label category file and worker "
                    "template beside the output (never overwriting), and start the job. --dry-run prints the exact "
                    "create_labeling_job request as JSON on stdout (a boto3 snippet and the cost on stderr).")
    la.add_argument("--config", required=True, metavar="FILE.json", help="a launch config: a file path or s3:// URI")
    la.add_argument("--dry-run", action="store_true", help="print the request; launch nothing, write nothing")
    common.source_options(la)
    la.set_defaults(run=cmd_launch)

    ch = sub.add_parser(
        "chain", help="continue a job, add a label layer, or clone it",
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
    common.source_options(ch)
    ch.set_defaults(run=cmd_chain)


def cmd_launch(args) -> int:
    ws = common.workspace(args)
    try:
        text = ws.open(args.config).read() if args.config.startswith("s3://") else Path(args.config).read_bytes()
        config = LaunchConfig.loads(text)
    except ConfigError as exc:
        raise CliError(f"{args.config} is not a launch config: nothing was launched", problems=exc.problems) from exc
    except (OSError, StoreError) as exc:
        raise CliError(f"cannot read {args.config}: {exc}") from exc
    region = config.resolved_region(args.region) or workspace_region(ws)
    found = problems(config, region)
    if found:
        raise CliError(f"{len(found)} problem(s) in {args.config}: nothing was launched", problems=found)
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
        arn = run_audited(ws, "launch", {"job": config.job_name, "task": config.task_type, "manifest": config.manifest,
                                         "output": config.output, "work team": config.workteam},
                          lambda: launch(config if config.resolved_region() else config.with_changes(region=region),
                                         ws), describe=lambda arn: {"arn": arn})
    except LaunchError as exc:
        raise CliError(f"{config.job_name} was not launched", problems=exc.problems) from exc
    print(arn)
    return 0


def cmd_chain(args) -> int:
    ws = common.workspace(args)
    mode = "clone" if args.clone else ("new-layer" if args.new_attribute else "continue")
    try:
        plan = plan_in(ws, args.job, mode, new_attribute=args.new_attribute, auto_labeling=args.auto_label,
                       pretrained_from=args.pretrained_from, name=args.name)
    except ChainError as exc:
        raise CliError(str(exc)) from exc
    print("\n".join(plan.lines()), file=sys.stderr)  # the plan's problems are among its lines
    if plan.problems:
        raise CliError(f"{len(plan.problems)} problem(s): nothing was launched")
    if args.dry_run:
        print(request_json(plan.request), end="")
        return 0
    try:
        arn = run_audited(ws, "chain", {"job": args.job, "mode": mode, "new job": plan.config.job_name,
                                        "objects sent": plan.objects_to_send},
                          lambda: launch(plan.config, ws), describe=lambda arn: {"arn": arn})
    except LaunchError as exc:
        raise CliError(f"{plan.config.job_name} was not launched", problems=exc.problems) from exc
    print(arn)
    return 0
