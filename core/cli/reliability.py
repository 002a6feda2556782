"""`reliability`: each worker's reliability estimated without gold (Dawid-Skene), as the Workers
page's "Estimated reliability" column shows it, and the three accuracies against gold: a gold file's
(--gold), else the gold objects mixed into the jobs' queue (core.manifests.gold_mix), as `workers`."""

from __future__ import annotations

import sys

from ..gold import GoldError, queued_gold, read_gold
from ..identity import IdentityError, read_names_csv
from ..metrics import numbered
from ..reliability import estimate, has_classification, summary_line
from ..storage import StoreError
from ..tables import format_table
from ..workers import shown_names
from . import common
from .common import CliError


def add_parser(sub) -> None:
    r = sub.add_parser("reliability", help="each worker's reliability and each object's likely label, without gold "
                                           "(Dawid-Skene over the classification answers under SOURCE)")
    r.add_argument("source", metavar="SOURCE", help="s3://bucket/prefix or a local folder")
    r.add_argument("--gold", metavar="FILE",
                   help="gold labels: adds the accuracies of Ground Truth's consolidated labels, the plain majority "
                        "vote and the estimate (on stderr); without it, gold mixed into the jobs' queue is used")
    r.add_argument("--format", choices=["table", "csv", "json"], default="table")
    r.add_argument("--multi-label", action="store_true",
                   help="estimate over the multi-label answers instead (Dawid-Skene on each class's yes or no, "
                        "crowd-kit's BinaryRelevance; the Annotations page's Quality tab); --gold does not apply")
    r.add_argument("--objects", action="store_true",
                   help="print the objects where the estimate and Ground Truth's consolidated label disagree "
                        "(the first to audit) instead of the workers")
    common.selection_options(r)
    r.add_argument("--names", metavar="CSV", help="display names: CSV with sub (or worker_id) and name")
    r.add_argument("--anonymize", action="store_true", help="show Worker 1..N and drop ids")
    r.add_argument("--attribute", metavar="NAME",
                   help="the label attribute (layer) whose consolidated label is compared, where a job's output "
                        "manifest has several (default: decided, and said on stderr)")
    common.source_options(r)
    r.set_defaults(run=cmd_reliability)


def cmd_reliability(args) -> int:
    from .workers import _layers  # the same layer choice, and the same notes, as `workers`

    ws = common.workspace(args)
    if args.multi_label:
        return _multi_label(args, ws)
    data, selection = common.selected(args, ws)  # the reader the workers command uses
    try:
        gold = read_gold(args.gold, ws.open(args.gold).read()) if args.gold else None
        names = read_names_csv(args.names, ws.open(args.names).read()) if args.names else {}
    except (StoreError, GoldError, IdentityError) as exc:
        raise CliError(str(exc)) from exc
    answers, labels, objects = selection.apply(data)
    if gold is None and (gold := queued_gold(objects) or None):  # as `workers` measures accuracy on it
        print(f"accuracies against the {len(gold):,} gold objects mixed into the queue (no --gold given)",
              file=sys.stderr)
    if not has_classification(answers):
        raise CliError(f"no classification answers under {data.uri}"
                       + (" in this selection" if not data.answers.empty else "")
                       + ": the estimate needs answers with one label each (image or text classification)")
    layers = _layers(args, ws, data)
    result = estimate(answers, labels, objects, gold, {job: layer.attribute for job, layer in layers.items()})
    if args.objects:
        print(format_table(result.disagreements.drop(columns=["disagrees"]), args.format))
    else:
        table = result.workers.copy()
        table.insert(0, "worker", table["worker_id"].map(shown_names(data, names, args.anonymize)))
        if args.anonymize:
            table = table.drop(columns=["worker_id"])
        print(format_table(table, args.format))
    print(f"Dawid-Skene (crowd-kit) over {len(result.workers):,} workers and "
          f"{int((result.objects['answers'] > 0).sum()):,} objects, {result.iterations} EM iteration(s); "
          f"reliability: the expected share of a worker's answers that are right, with a 95 % Jeffreys interval",
          file=sys.stderr)
    print(f"{len(result.disagreements):,} object(s) where the estimate and Ground Truth's consolidated label "
          "disagree" + ("" if args.objects else " (--objects lists them)"), file=sys.stderr)
    print(summary_line(result.accuracies()) if gold is not None
          else "no --gold and no gold in the queue: accuracies not computed", file=sys.stderr)
    return 0



def _multi_label(args, ws) -> int:
    """The multi-label counterpart, over the annotations the Annotations page reads."""
    from ..annotations import reliability as from_table
    from ..annotations.reports import Narrow
    from .quality import _read  # the same reading, refusals and notes as `quality`

    if args.gold:
        raise CliError("--gold applies to single-label answers only: a multi-label estimate is compared with "
                       "Ground Truth's consolidated sets")
    found = _read(args, ws)
    table = Narrow(start=args.since, end=args.until).apply(found.table)
    result = from_table.multi_label(table)
    if result is None:
        raise CliError(f"no multi-label answers under {found.uri}"
                       + (" in this selection" if args.jobs or args.since or args.until else ""))
    if args.objects:
        rows = result.disagreements.drop(columns=["disagrees"])
        print(format_table(rows.assign(estimate=rows["estimate"].map(", ".join),
                                       consolidated=rows["consolidated"].map(", ".join)), args.format))
    else:
        table = result.job_workers.copy()
        try:
            names = read_names_csv(args.names, ws.open(args.names).read()) if args.names else {}
        except (StoreError, IdentityError) as exc:
            raise CliError(str(exc)) from exc
        if args.anonymize:  # Worker 1 has the most decisions
            names = numbered(result.workers["worker_id"])
        table.insert(1, "worker", table["worker_id"].map(lambda w: names.get(w, w)))
        print(format_table(table.drop(columns=["worker_id"]) if args.anonymize else table, args.format))
    print(f"binary relevance with Dawid-Skene (crowd-kit) over {len(result.workers):,} workers and "
          f"{len(result.objects):,} objects; reliability: the expected share of a worker's yes/no decisions (one "
          "per answer and class of the job) that are right, with a 95 % Jeffreys interval", file=sys.stderr)
    print(f"{len(result.disagreements):,} object(s) where the estimated set and Ground Truth's consolidated set "
          "disagree" + ("" if args.objects else " (--objects lists them)"), file=sys.stderr)
    return 0
