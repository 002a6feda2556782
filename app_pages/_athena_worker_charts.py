"""The Workers page's charts of labels per worker and time per label on the Amazon Athena engine: the
figures from one query (core.engine.athena_worker_charts), drawn by the local page's own charts. Not
part of the report's Run (its plan is the table's): priced here, then run on a click, and kept with
the report in the session so a rerun reads nothing again."""

from __future__ import annotations

from collections.abc import Callable

import streamlit as st

from app_pages._access import lead_only
from app_pages._athena import RESULT
from app_pages._athena_run import run_more
from app_pages._shared import literal
from core.engine import athena_worker_charts as awc
from core.engine.athena_cost import Estimate
from core.workers import WorkerCharts

Draw = Callable[[WorkerCharts], None]


def athena_worker_charts(*draws: Draw) -> None:
    """Under the Athena report (RESULT): the charts once their figures are here, else the offer."""
    done = st.session_state.get(RESULT)
    if not done:
        return
    counts = done["result"][1]
    if "charts" not in counts and not _compute(done):
        return
    for draw in draws:
        draw(counts["charts"])


def _compute(done: dict) -> bool:
    """The query priced, then run on a click (a lead's audited action, as Run)."""
    plan = done["plan"]
    names = done["result"][0].attrs.get("shown", {})  # worker_id -> the name the table shows
    offer = st.empty()  # cleared once the charts are drawn in its place
    with offer.container():
        st.subheader("Labels per worker and time per label")
        estimate = Estimate(plan.chosen_bytes(), awc.READS)
        st.info(literal(f"These charts run {awc.READS} more query on Amazon Athena: {estimate.describe()}."),
                icon=":material/bar_chart:")
        clicked = st.button("Draw the charts on Athena", key="athena_worker_charts", icon=":material/play_arrow:",
                            help=lead_only("athena"))
    if not clicked:
        return False
    charts = run_more(done, {"what": "worker charts"}, awc.READS,
                      lambda run: awc.worker_charts(run.query, plan.answers(), names))
    if charts is None:
        return False
    offer.empty()
    done["result"][1]["charts"] = charts
    return True
