"""Running a plan on Amazon Athena from a page: each query's state while it runs, a Cancel that
stops it, Athena's reason in plain words when it fails, and the queries a run left running (when a
click ended it) stopped by the next run. Used by the Workers, Race and Annotations pages' Athena
engine (app_pages._athena)."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

import pandas as pd
import streamlit as st

from app_pages._access import act
from app_pages._shared import aws_settings, literal, show_error, workspace
from core.aws import client
from core.engine import athena_workers as aw
from core.engine.athena import DONE, Athena, AthenaError, State
from core.engine.athena_cost import size_text
from core.errors import GroundControlError
from core.storage import StoreError

PAGE_FIELDS = {"workgroup": "the sidebar's Athena workgroup", "results": "the sidebar's Athena results location",
               "database": "the sidebar's Glue database"}
RUNNING, CANCEL_ASKED = "_athena_running", "_athena_cancel_asked"
T = TypeVar("T")


def _state_table(seen: dict[str, State]) -> pd.DataFrame:
    return pd.DataFrame([{"Query": n, "Athena query ID": s.query_id, "State": s.state.capitalize(),
                          "Read": size_text(s.scanned_bytes) if s.scanned_bytes else ""}
                         for n, s in enumerate(seen.values(), start=1)])


def _ask_cancel() -> None:
    st.session_state[CANCEL_ASKED] = True


def _stop(athena: Athena, query_ids: list[str]) -> None:
    for query_id in query_ids:
        try:
            athena.stop(query_id)
        except AthenaError:  # already ended: nothing runs on
            pass


def run_on_athena(plan: aw.WorkerPlan, workgroup: str, work: Callable[[aw.WorkerRun], T],
                  athena_client=None) -> tuple[T, aw.WorkerRun] | None:
    """Run the plan's queries, `work` (the page's: the worker report, the race's counts), showing each
    query's state with a Cancel; None when Athena could not finish (said on the page).

    A click on anything while this runs (Cancel, another widget, the Stop in the menu) starts a new
    script run at once, and Streamlit 1.67 ends this one at its next element, after the new one has
    begun. So the queries still running are kept in the session (RUNNING) for the new run to stop
    (left_running), and this run stops them too as it ends: neither waits on the other, and a
    query never runs on, unseen and billed."""
    athena = Athena(athena_client or client("athena", aws_settings()), workgroup, plan.results, plan.database,
                    fields=PAGE_FIELDS)
    # A box of its own, not st.status: the browser keeps an expander's earlier folding, and the
    # Cancel must be in sight.
    box = st.container(border=True)
    head, cancel, table = box.empty(), box.empty(), box.empty()
    head.markdown(":material/hourglass_top: Running on Amazon Athena ...")
    cancel.button("Cancel", key="athena_cancel", icon=":material/cancel:", on_click=_ask_cancel,
                  help="Stop the query now running on Athena (what it has read so far is billed)")
    seen: dict[str, State] = {}

    def running() -> list[str]:
        return [s.query_id for s in seen.values() if s.state not in DONE]

    def on_state(state: State) -> None:
        seen[state.query_id] = state
        # The elements first: when Streamlit ends this run, it does so here, before the session is written.
        head.markdown(f":material/hourglass_top: Running on Amazon Athena: query {len(seen)}, "
                      f"{state.state.lower()} ...")
        table.dataframe(_state_table(seen), hide_index=True, width="stretch")
        st.session_state[RUNNING] = {"ids": running(), "workgroup": workgroup}

    run = aw.WorkerRun(athena, plan, workspace().open, on_state=on_state)
    try:
        result = work(run)
    except (AthenaError, StoreError) as exc:
        st.session_state.pop(RUNNING, None)
        cancel.empty()
        head.markdown(":material/error: Athena could not finish")
        st.error(f"Athena could not finish: {literal(str(exc))}", icon=":material/error:")
        return None
    except BaseException:  # this script run is ending (a click, the Stop in the menu): stop what runs
        _stop(athena, running())
        raise
    st.session_state.pop(RUNNING, None)
    cancel.empty()
    head.markdown(f":material/check_circle: Done on Amazon Athena: {run.ran} query(ies) run, {run.cached} answered "
                  "from the cache")
    return result, run


def left_running() -> list[str]:
    """The queries a run that ended early left running (RUNNING), stopped now and said so; [] if none."""
    left = st.session_state.pop(RUNNING, None)
    asked = st.session_state.pop(CANCEL_ASKED, False)
    if not left or not left["ids"]:
        return []
    _stop(Athena(client("athena", aws_settings()), left["workgroup"], fields=PAGE_FIELDS), left["ids"])
    what = "Cancelled" if asked else "The Athena run ended when the page changed"
    st.warning(literal(f"{what}: Athena stopped the query then running ({', '.join(left['ids'])}); what it had "
                       "read is billed. Run again to start over: queries that had finished come from the cache."),
               icon=":material/cancel:")
    return left["ids"]


def run_more(done: dict, what: dict, queries: int, work: Callable[[aw.WorkerRun], T]) -> T | None:
    """More queries after a report's Run (`done`: its plan, workgroup and result), as a lead's audited
    action: what `work` made of them, or None when they failed (said on the page) or were cancelled."""
    plan, workgroup = done["plan"], done["workgroup"]
    try:
        ran = act("athena", {**what, "workgroup": workgroup, "queries": queries},
                  lambda: run_on_athena(plan, workgroup, work),
                  lambda ran: {"note": "cancelled or failed"} if ran is None else
                  {"queries_run": ran[1].ran, "bytes_scanned": ran[1].scanned, "from_cache": ran[1].cached})
    except GroundControlError as exc:
        show_error(exc)
        return None
    return None if ran is None else ran[0]
