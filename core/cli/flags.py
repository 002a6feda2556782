"""`flags`: careless work caught early, per worker and per day (core.flags), as the Workers page's
Flags section shows it: clicking through, the same label over and over, a sudden drop in agreement."""

from __future__ import annotations

import sys

from ..flags import KINDS, MIN_DAY_ANSWERS, MIN_EARLIER_ANSWERS, find_flags, flags_table
from ..identity import IdentityError, read_names_csv
from ..storage import StoreError
from ..tables import format_table
from ..workers import shown_names
from . import common
from .common import CliError


def add_parser(sub) -> None:
    f = sub.add_parser("flags", help="careless work per worker and day: clicking through, the same label over and "
                                     "over, a sudden drop in agreement (each with its reason and items)")
    f.add_argument("source", metavar="SOURCE", help="s3://bucket/prefix or a local folder")
    f.add_argument("--format", choices=["table", "csv", "json"], default="table")
    common.selection_options(f)
    f.add_argument("--names", metavar="CSV", help="display names: CSV with sub (or worker_id) and name")
    f.add_argument("--anonymize", action="store_true", help="show Worker 1..N and drop ids")
    f.add_argument("--attribute", metavar="NAME",
                   help="the label attribute (layer) whose consolidated label answers are compared with, where a "
                        "job's output manifest has several (default: decided, and said on stderr)")
    common.source_options(f)
    f.set_defaults(run=cmd_flags)


def cmd_flags(args) -> int:
    from .workers import _layers  # the same layer choice, and the same notes, as `workers`

    ws = common.workspace(args)
    data, selection = common.selected(args, ws)
    try:
        names = read_names_csv(args.names, ws.open(args.names).read()) if args.names else {}
    except (StoreError, IdentityError) as exc:
        raise CliError(str(exc)) from exc
    answers, labels, _ = selection.apply(data)
    layers = _layers(args, ws, data)
    shown = shown_names(data, names, args.anonymize)
    found = find_flags(answers, labels, {job: layer.attribute for job, layer in layers.items()}, shown)
    table = flags_table(found, shown)
    if args.anonymize:
        table = table.drop(columns=["worker_id"])
    if args.format == "table":  # the reason last, so the short columns line up before it
        table = table.drop(columns=["objects", "kind"])
    elif args.format == "json":  # the items as records, not one string
        table["objects"] = [[{"job": job, "object_id": obj} for job, obj in f.items] for f in found]
    print(format_table(table, args.format))
    counts = ", ".join(f"{sum(f.kind == kind for f in found):,} {title.lower()}" for kind, title in KINDS.items())
    print(f"{len(found):,} flag(s) over {len(answers):,} answers ({counts}); a day is judged on at least "
          f"{MIN_DAY_ANSWERS} answers with one label, and a drop also needs {MIN_EARLIER_ANSWERS} on earlier days",
          file=sys.stderr)
    return 0
