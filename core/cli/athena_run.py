"""What every `--engine athena` command does once its plan is shown: nothing more with --dry-run,
a refusal past --max-cost, else the run (core.engine.athena_workers.WorkerRun), printing each query's
state with --verbose. Imported only when Athena is chosen: the local commands never load it."""

from __future__ import annotations

import sys

from ..engine import athena_workers as aw
from ..engine.athena import Athena
from . import common
from .common import CliError


def athena_run(args, ws, plan: aw.WorkerPlan) -> aw.WorkerRun | None:
    """The run of `plan` (already shown), or None with --dry-run."""
    from ..aws import client  # looked up at the call, as the commands did (tests stand a Stubber in for it)

    if args.dry_run:
        return None
    usd = plan.estimate().usd
    if args.max_cost is not None and usd > args.max_cost:
        raise CliError(f"the estimate (${usd:,.4f}) is over --max-cost ${args.max_cost:g}: "
                       "choose fewer --jobs or raise the limit")
    athena = Athena(client("athena", common.settings(args)), args.workgroup, args.athena_results, args.glue_database)
    return aw.WorkerRun(athena, plan, ws.open, on_state=_state_printer() if args.verbose else None)


def _state_printer():
    """With --verbose: a line each time a query changes state (not at every look), with what Athena
    has read so far."""
    last = {}

    def show(state) -> None:
        if last.get(state.query_id) != state.state:
            last[state.query_id] = state.state
            read = f", {state.scanned_bytes:,} bytes read" if state.scanned_bytes else ""
            print(f"Athena query {state.query_id}: {state.state.lower()}{read}", file=sys.stderr)

    return show
