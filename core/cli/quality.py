"""`quality` and `annotations`: what the jobs under a source labeled, and how good it is, for every
task type (core.annotations reads it, core.quality measures it)."""

from __future__ import annotations

import sys

import pandas as pd

from ..annotations.reports import without_gold
from ..annotations.source import SourceAnnotations, note_counts, read_source
from ..annotations.summary import annotation_summary
from ..gold import GoldError
from ..quality.gold_files import read_gold
from ..quality.matrices import MatrixError, agreement, confusion
from ..quality.report import DEFAULT_IOU, quality_report
from ..quality.segmentation import class_iou_table, has_segmentation
from ..storage import StoreError
from ..tables import format_table
from . import common
from .common import CliError


def _source_arguments(p) -> None:
    p.add_argument("source", metavar="SOURCE", help="s3://bucket/prefix or a local folder")
    p.add_argument("--jobs", nargs="+", metavar="JOB", help="only these jobs (default: all)")
    p.add_argument("--format", choices=["table", "csv", "json"], default="table")
    common.source_options(p)


def add_parser(sub) -> None:
    q = sub.add_parser("quality", help="per worker and per job: each task type's quality measures")
    _source_arguments(q)
    q.add_argument("--gold", metavar="FILE",
                   help="trusted labels: a trusted job's output manifest (any task type; a video job's "
                        "SeqLabel.json files where the bucket has them), or JSON lines with source-ref (or a "
                        "text's source) and annotations (boxes), entities, labels or label")
    q.add_argument("--iou", type=float, default=DEFAULT_IOU, metavar="0-1",
                   help=f"how much two boxes must overlap to match (default {DEFAULT_IOU})")
    q.add_argument("--matrix", choices=["confusion", "agreement"],
                   help="instead, one job's matrix (--jobs JOB): its classes against the reference, or every "
                        "two workers' agreement")
    q.add_argument("--per-class", action="store_true",
                   help="instead, segmentation jobs' IoU per class: per worker and per job, over the images "
                        "where the class is in the worker's or the consolidated mask")
    common.engine_options(q)  # --engine athena: every task type (core.cli.quality_athena)
    q.set_defaults(run=cmd_quality)
    a = sub.add_parser("annotations", help="per job: counts per class, attribute value, frame attribute, "
                                           "annotations per object, audit verdicts")
    _source_arguments(a)
    a.add_argument("--over-time", metavar="PERIOD",
                   help="instead, the workers' annotations per class per period (D, h, or a pandas frequency)")
    common.engine_options(a)  # --engine athena: every task type (core.cli.quality_athena)
    a.set_defaults(run=cmd_annotations)


def _read(args, ws) -> SourceAnnotations:
    """The source's annotations (only --jobs), its problems said on stderr; exit 2 when it holds none."""
    try:
        found = read_source(ws.open(args.source))
    except StoreError as exc:
        raise CliError(str(exc)) from exc
    for item in found.unread:
        print(f"skipped {item.uri}: {item.reason}", file=sys.stderr)
    for what, n in note_counts(found.notes):
        print(f"not read: {n:,} x {what}", file=sys.stderr)
    if getattr(args, "verbose", False):
        for note in found.notes:
            print(f"  {note}", file=sys.stderr)
    if not found.jobs:
        why = f"; {len(found.unread):,} file(s) could not be read" if found.unread else ""
        raise CliError(f"no Ground Truth annotations found under {found.uri}{why}")
    unknown = sorted(set(args.jobs or ()) - set(found.jobs))
    if unknown:
        raise CliError(f"no job named {', '.join(unknown)} under {found.uri}; jobs: {', '.join(found.jobs)}")
    if args.jobs:
        found.table = found.table[found.table["job"].isin(args.jobs)]
    return found


def cmd_quality(args) -> int:
    if not 0 < args.iou <= 1:
        raise CliError(f"--iou {args.iou}: give a number above 0 and at most 1 (0.5 is usual)")
    if args.engine == "athena":
        from .quality_athena import cmd_quality_athena

        return cmd_quality_athena(args)
    ws = common.workspace(args)
    gold = None
    if args.gold:
        try:
            gold = read_gold(args.gold, ws.open)
        except (StoreError, GoldError) as exc:
            raise CliError(str(exc)) from exc
    if args.matrix and args.per_class:
        raise CliError("--matrix and --per-class are two different tables: give one")
    found = _read(args, ws)
    if args.per_class:
        print(format_table(_per_class(found), args.format))
        return 0
    if args.matrix:
        print(format_table(_matrix(args, found, gold), args.format))
        return 0
    report = quality_report(found.table, gold=gold, iou=args.iou, masks=found.masks)
    if unmeasured := sorted(set(found.table["job"]) - set(report["job"])):
        print(f"no worker answers for {', '.join(unmeasured)} under {found.uri}: their workers cannot be measured "
              "(quality reads annotations/worker-response/ beside each output manifest)", file=sys.stderr)
    print(format_table(report, args.format))
    return 0


def _matrix(args, found: SourceAnnotations, gold):
    jobs = sorted(set(found.table["job"]))
    if len(jobs) != 1:
        raise CliError(f"--matrix is for one job: add --jobs JOB (jobs: {', '.join(jobs)})")
    try:
        if args.matrix == "confusion":
            matrix = confusion(found.table, jobs[0], gold)
            return matrix.rename_axis(index="reference \\ answer").reset_index()
        return agreement(found.table, jobs[0], args.iou).agreement.rename_axis(index="worker").reset_index()
    except MatrixError as exc:
        raise CliError(str(exc)) from exc


def _per_class(found: SourceAnnotations):
    if not has_segmentation(found.table):
        raise CliError(f"--per-class is for segmentation masks, and no segmentation job was found under {found.uri}")
    return class_iou_table(found.table, found.masks)


def cmd_annotations(args) -> int:
    if args.engine == "athena":
        from .quality_athena import cmd_annotations_athena

        return cmd_annotations_athena(args)
    if args.over_time:
        check_period(args.over_time)
    found = _read(args, common.workspace(args))
    table = ordinary(found.table, found.gold)
    if args.over_time:
        from ..annotations.reports import over_time

        print(format_table(over_time(table, args.over_time), args.format))
        return 0
    print(format_table(annotation_summary(table), args.format))
    return 0


def check_period(freq: str) -> None:
    """--over-time's period, refused before anything is read (or listed and billed, on Athena)."""
    from ..bounds import _step

    try:
        _step(freq)
    except ValueError as exc:
        raise CliError(f"--over-time: {exc}") from exc


def ordinary(table: pd.DataFrame, gold: dict[tuple[str, str], str]) -> pd.DataFrame:
    """`table` without the gold objects mixed into the chosen jobs' queue, as the Annotations page
    counts the output (core.annotations.reports.without_gold); how many, said on stderr."""
    jobs = set(table["job"].astype(str))
    chosen = {pair: label for pair, label in gold.items() if pair[0] in jobs}
    if chosen:
        print(f"{len(chosen):,} gold object(s) mixed into the queue left out: they are checks, not output",
              file=sys.stderr)
    return without_gold(table, chosen)
