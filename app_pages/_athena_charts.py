"""The Workers page's chart of labels over time on the Amazon Athena engine: the labels per worker per
period counted by Athena (core.engine.athena_race, the race's queries), drawn by the local page's own
chart. The first Run counts them at the period that fits the answers; another period is four more
queries, priced and run only on a click."""

from __future__ import annotations

from collections.abc import Callable

import pandas as pd
import streamlit as st

from app_pages._access import lead_only
from app_pages._athena import RESULT
from app_pages._athena_run import run_more
from app_pages._shared import literal, sync_url, url_choice
from core import metrics
from core.engine import athena_race
from core.engine.athena_cost import Estimate
from core.race.frames import PERIODS

Draw = Callable[[pd.DataFrame, dict[str, str], list[str], str], None]  # series, shown names, order, period


def athena_over_time(draw: Draw) -> None:
    """The chart under the Athena report (RESULT), with the local page's Period choice."""
    done = st.session_state.get(RESULT)
    if not done:
        return
    report, counts = done["result"]
    st.subheader("Labels over time")
    auto = counts["period"]
    url_choice("period", PERIODS, auto, "period")
    period = st.segmented_control("Period", list(PERIODS), key="period") or auto
    sync_url(period=None if period == auto else period)
    if period not in counts["over"] and not _count(done, period):
        return
    workers = report[report["worker"] != metrics.TEAM]
    draw(counts["over"][period], report.attrs.get("shown", {}), metrics.order_by_labels(workers["labels"],
                                                                                        workers["worker"]), period)


def _count(done: dict, period: str) -> bool:
    """Offer the counts by another period: priced first, run on a click (a lead's action, as Run)."""
    plan = done["plan"]
    estimate = Estimate(plan.chosen_bytes(), athena_race.READS)
    st.info(literal(f"Counting the labels per {period} runs {athena_race.READS} more queries on Amazon Athena: "
                    f"{estimate.describe()}."), icon=":material/bar_chart:")
    if not st.button(f"Count per {period} on Athena", key="athena_over_time", icon=":material/play_arrow:",
                     help=lead_only("athena")):
        return False
    counted = run_more(done, {"what": "labels over time", "period": period}, athena_race.READS,
                       lambda run: athena_race.labels_over_time(run.query, plan.answers(), PERIODS[period]))
    if counted is None:
        return False
    done["result"][1]["over"][period] = counted  # kept with the report in the session
    return True
