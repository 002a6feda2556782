"""`reliability`: each worker's reliability estimated without gold (Dawid-Skene), as the Workers
page's "Estimated reliability" column shows it, and the three accuracies against gold: a gold file's
(--gold), else the gold objects mixed into the jobs' queue (core.manifests.gold_mix), as `workers`."""

from __future__ import annotations

import sys

from ..gold import GoldError, queued_gold, read_gold
from ..identity import IdentityError, read_names_csv
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

