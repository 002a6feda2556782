"""`manifest` and `validate`: build an input manifest and check one, as the Manifests page does."""

from __future__ import annotations

import json
import sys

import pandas as pd

from ..audit import run_audited
from ..gold import GoldError, read_gold
from ..gt.tasks import BY_NAME
from ..manifests import (
    ManifestError,
    ManifestSpec,
    manifest_bytes,
    part_keys,
    plan_manifest,
    validate_manifest,
    write_parts,
)
from ..manifests.gold_mix import mix_gold
from ..storage import ObjectExists, StoreError
from ..tables import format_table
from . import common
from .common import CliError


def add_parser(sub) -> None:
    _add_manifest(sub)
    _add_validate(sub)


def _add_manifest(sub) -> None:
    m = sub.add_parser(
        "manifest", help="build an input manifest from the objects under SOURCE (preview with --dry-run)",
        description="Build a Ground Truth input manifest: one source-ref line per image or file, or one source "
                    "line per line of a text file or row of a CSV/JSON-lines file. Counts go to stderr, the "
                    "written URIs to stdout. An existing manifest is never replaced without --overwrite.")
    m.add_argument("source", metavar="SOURCE", help="s3://bucket/prefix or a folder (or, for rows, one file)")
    m.add_argument("--out", metavar="URI",
                   help="s3://bucket/key.manifest or a file path. With --split K the parts are written beside it "
                        "as <stem>-part<i>-of-<K><suffix>: batch.manifest -> batch-part1-of-2.manifest, ...")
    m.add_argument("--kind", choices=["images", "files", "text", "rows"], default="images",
                   help="images (jpg jpeg png, default), files (any extension), text (a source line per line of "
                        ".txt files), rows (a source line per row of .csv/.tsv/.jsonl/.ndjson files)")
    m.add_argument("--ext", nargs="+", action="extend", metavar="EXT", help="extensions to take instead of the kind's")
    m.add_argument("--include", nargs="+", action="extend", metavar="GLOB",
                   help="take only keys (below SOURCE) matching one of these globs, e.g. 'train/*'")
    m.add_argument("--exclude", nargs="+", action="extend", metavar="GLOB", help="leave out keys matching these")
    m.add_argument("--max-mb", type=float, metavar="MB",
                   help="leave out objects over this size (default for images: 40, the service's limit; 0: no cap)")
    m.add_argument("--not-in", nargs="+", action="extend", metavar="MANIFEST",
                   help="leave out objects (or texts) already in these manifests")
    m.add_argument("--sample", type=int, metavar="N", help="keep N lines chosen by --seed")
    m.add_argument("--split", type=int, metavar="K", help="write K parts of equal size (within one line)")
    m.add_argument("--seed", type=int, default=0, help="the same seed gives the same sample and parts (default: 0)")
    m.add_argument("--column", metavar="NAME",
                   help="rows: the CSV column or JSON key holding the text (default: source, else text, else first)")
    m.add_argument("--no-header", action="store_true", help="rows: CSV files have no header row")
    m.add_argument("--gold", metavar="FILE",
                   help="mix gold objects from this gold file (CSV, JSON lines, or a trusted job's output manifest, "
                        "keyed by source-ref) into the manifest, each line tagged with its true label: the Workers "
                        "page then measures every worker on them as the job runs")
    m.add_argument("--gold-share", type=float, metavar="PERCENT",
                   help="with --gold: the percent of each manifest's lines that are gold (default: 5)")
    m.add_argument("--dry-run", action="store_true", help="print the counts and the first lines; write nothing")
    m.add_argument("--preview", type=int, default=5, metavar="N", help="lines shown per part by --dry-run")
    m.add_argument("--overwrite", action="store_true", help="replace an existing manifest at --out")
    common.source_options(m)
    m.set_defaults(run=cmd_manifest)


def _add_validate(sub) -> None:
    v = sub.add_parser(
        "validate", help="check a manifest line by line; exit 0 if clean, 1 if problems were found",
        description="Check every line of a manifest (JSON, source/source-ref, line and value length, $ keys, "
                    "duplicates, objects that do not exist) and count labeled / failed / unlabeled lines per "
                    "label attribute. Exit code, as linters do: 0 no problems, 1 problems found, 2 the manifest "
                    "could not be read.")
    v.add_argument("manifest", metavar="MANIFEST", help="s3://bucket/key or a file path")
    v.add_argument("--no-exists", action="store_true", help="do not check that source-ref objects exist")
    v.add_argument("--task", choices=sorted(BY_NAME), metavar="TASK",
                   help="the task type, for its object quota (SemanticSegmentation: 20,000; default 100,000)")
    v.add_argument("--max-checks", type=int, metavar="N", help="check the existence of the first N objects only")
    v.add_argument("--format", choices=["table", "json"], default="table")
    common.source_options(v)
    v.set_defaults(run=cmd_validate)


def _manifest_spec(args) -> ManifestSpec:
    return ManifestSpec(
        kind=args.kind, extensions=tuple(args.ext) if args.ext else None, include=tuple(args.include or ()),
        exclude=tuple(args.exclude or ()), max_bytes=None if args.max_mb is None else round(args.max_mb * 1_000_000),
        column=args.column, csv_header=not args.no_header, exclude_manifests=tuple(args.not_in or ()),
        sample=args.sample, seed=args.seed, split=args.split,
    )


def cmd_manifest(args) -> int:
    if not args.out and not args.dry_run:
        raise CliError("--out is required (or --dry-run to preview)")
    if args.gold_share is not None and not args.gold:
        raise CliError("--gold-share needs --gold FILE: the gold file to draw the gold objects from")
    ws = common.workspace(args)
    try:
        spec = _manifest_spec(args)
        plan = plan_manifest(ws.open(args.source), spec, open_uri=ws.open)
        if args.gold:
            gold = read_gold(args.gold, ws.open(args.gold).read())
            share = 5.0 if args.gold_share is None else args.gold_share
            plan, _ = mix_gold(plan, gold, share / 100, args.gold)
        out = common.output(ws, args.out, folder=False) if args.out else None
    except (ManifestError, StoreError, GoldError) as exc:
        raise CliError(str(exc)) from exc
    if out is not None and (not out.prefix or out.prefix.endswith("/")):
        raise CliError(f"--out {args.out} is a folder: name the manifest file, e.g. {args.out.rstrip('/')}/x.manifest")
    common.skipped(plan.skipped)
    for warning in plan.warnings:
        print(f"warning: {warning}", file=sys.stderr)
    print(f"{plan.source_uri} ({spec.kind}):", file=sys.stderr)
    for what, n in plan.count_rows():
        print(f"  {n:>9,}  {what}", file=sys.stderr)
    if len(plan.parts) > 1:
        print(f"  {len(plan.parts)} parts of {', '.join(f'{len(p):,}' for p in plan.parts)} lines", file=sys.stderr)
    if args.dry_run:
        keys = part_keys(out.prefix, len(plan.parts)) if out else [f"part {i}" for i in range(1, len(plan.parts) + 1)]
        for key, lines in zip(keys, plan.parts, strict=True):
            print(f"# {out.store.uri_of(key) if out else key}: {len(lines):,} lines (dry run: nothing written)")
            sys.stdout.write(manifest_bytes(lines[: args.preview]).decode())
        return 0
    if not plan.lines:
        raise CliError(f"no objects selected under {plan.source_uri}: nothing written")
    try:
        first = out.store.uri_of(part_keys(out.prefix, len(plan.parts))[0])
        uris = run_audited(ws, "manifest_write", {"manifest": first, "parts": len(plan.parts),
                                                  "lines": len(plan.lines), "replace": args.overwrite,
                                                  **({"gold lines": plan.counts["gold_mixed"]} if args.gold else {})},
                           lambda: write_parts(out, plan.parts, overwrite=args.overwrite),
                           describe=lambda uris: {"written": ", ".join(uris)})
    except ObjectExists as exc:
        raise CliError(f"{exc}: nothing was written; choose another --out, or --overwrite to replace") from exc
    except StoreError as exc:
        raise CliError(str(exc)) from exc
    for uri in uris:
        print(uri)
    return 0


def cmd_validate(args) -> int:
    ws = common.workspace(args)
    try:
        data = ws.open(args.manifest).read()
    except StoreError as exc:
        raise CliError(str(exc)) from exc
    report = validate_manifest(data, ws.open, check_exists=not args.no_exists, task=args.task,
                               max_checks=args.max_checks)
    if args.format == "json":
        print(json.dumps({"manifest": args.manifest, **report.to_dict()}, indent=2))
    else:
        for p in report.problems:
            print(f"{args.manifest}:{p.line}: {p.kind}: {p.message}")
        print(f"{report.lines:,} lines, {report.objects:,} objects, {len(report.problems):,} problem(s)"
              + (f" ({', '.join(f'{k} {n:,}' for k, n in report.by_kind().items())})" if report.problems else ""))
        if report.attributes:
            print(format_table(pd.DataFrame([vars(a) for a in report.attributes]), "table"))
    if report.unchecked:
        print(f"{report.unchecked:,} object(s) not checked for existence", file=sys.stderr)
    return 0 if report.ok else 1
