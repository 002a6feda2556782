"""The Race page's quality weighting (core.race.weights) and its section "Did the races help?"
(core.race_effect over the races core.race.sent finds in the workspace), each called from the page
with one line."""

from __future__ import annotations

import dataclasses
from datetime import date

import pandas as pd
import streamlit as st

from app_pages._memo import memo
from app_pages._selection import Chosen
from app_pages._shared import literal, sync_url, url_choice, url_note, url_state, workspace
from core.race.frames import RaceOptions
from core.race.sent import workspace_races
from core.race.weights import MEANING, TITLE_SUFFIX, WEIGHTS, label_weights
from core.race_effect import CAVEAT, MIN_DAYS, WINDOW_DAYS, Race, RaceEffect, race_effects

WEIGHT_HELP = ("Count: every label counts 1, so the fastest worker leads. Agreement: each label counts for the share "
               "of the other workers who gave the same label to the same item. Estimated correctness: each label "
               "counts for its chance of being right, estimated from everyone's answers (as the Workers page's "
               "Estimated reliability). Only single-label classification answers can be weighed; other labels "
               "count 0.")
WINDOWS = [3, 5, 7, 10, 14]


def weight_choice(options: RaceOptions) -> tuple[RaceOptions, str]:
    """The sidebar's "Each label counts" choice (kept in the link as `weight`), and the options with its
    title and weight; both engines' Race pages ask it so."""
    url_choice("weight", WEIGHTS, "count", "label weight")
    weight = st.sidebar.selectbox("Each label counts", list(WEIGHTS), format_func=WEIGHTS.get, key="weight",
                                  help=WEIGHT_HELP)
    sync_url(weight=None if weight == "count" else weight)
    if weight == "count":
        return options, weight
    title = options.title + TITLE_SUFFIX[weight] if options.title == "Labels per worker" else options.title
    return dataclasses.replace(options, title=title, weight=weight), weight


def weighting(chosen: Chosen, options: RaceOptions) -> tuple[RaceOptions, pd.Series | None]:
    """weight_choice, and each answer's weight (None for plain counts); says under the title what a
    bar counts."""
    options, weight = weight_choice(options)
    if weight == "count":
        return options, None
    with st.spinner("Weighing each label ..."):
        weights = memo("race_weights", chosen.data, (chosen.selection, weight),
                       lambda: label_weights(chosen.answers, weight))
    unweighed = int(weights.isna().sum())
    note = f" {unweighed:,} of {len(weights):,} labels could not be weighed and count 0." if unweighed else ""
    st.caption(f"Weighted race: {MEANING[weight]}.{note}")
    return options, weights


def _chosen_day() -> date | None:
    raw = url_state("race_on", "")
    if raw in ("", None) or isinstance(raw, date):
        return raw or None
    try:
        return date.fromisoformat(str(raw))
    except ValueError:
        url_note("race date", raw, "using the races found in the workspace")
        st.session_state["race_on"] = ""
        return None


def _races(chosen: Chosen, source: str, day: date | None) -> list[Race]:
    if day is not None:
        return [Race(pd.Timestamp(day, tz="UTC"), f"the date chosen, {day:%Y-%m-%d} (that day left out)", exact=False)]
    ws = workspace()
    return memo("race_sends", chosen.data, source, lambda: workspace_races(ws, ws.open(source)))


def _figure(value: float, text: str = "{:.1f}") -> str:
    return "–" if pd.isna(value) else text.format(value)


def _team_lines(effect: RaceEffect) -> str:
    """The team's two measures in words, as Markdown (the data escaped)."""
    pace, active = effect.pace, effect.active
    return "\n".join([
        f"- **Labels per active hour**: {_figure(pace.before)} before, {_figure(pace.after)} after. "
        f"{literal(pace.verdict[:1].upper() + pace.verdict[1:])}.",
        f"- **Share of the team active a day**: {_figure(active.before, '{:.0%}')} before, "
        f"{_figure(active.after, '{:.0%}')} after. {literal(active.verdict[:1].upper() + active.verdict[1:])}.",
    ])


def _worker_table(effect: RaceEffect, chosen: Chosen) -> pd.DataFrame:
    w = effect.workers
    return pd.DataFrame({
        "Worker": w["worker_id"].map(chosen.shown).fillna(w["worker_id"]),
        "Labels per active hour before": w["pace_before"].map(_figure), "After": w["pace_after"].map(_figure),
        "Days active before": w["active_days_before"], "Days active after": w["active_days_after"],
        "Result": w["verdict"],
    })


def race_effect_section(chosen: Chosen, source: str) -> None:
    """Did the races help? The team's and each worker's pace before and after each race."""
    st.subheader("Did the races help?")
    left, right = st.columns([1, 1])
    url_choice("window", [str(n) for n in WINDOWS], str(WINDOW_DAYS), "number of days")
    window = int(left.selectbox("Days before and after", [str(n) for n in WINDOWS], key="window",
                                help="Each race is compared with this many days before it and after it"))
    day = _chosen_day()
    st.session_state["race_on"] = day
    chosen_day = right.date_input("Or compare around a date", key="race_on", format="YYYY-MM-DD",
                                  help="For races sent some other way: the day is left out of both sides")
    sync_url(window=None if window == WINDOW_DAYS else window, race_on=chosen_day.isoformat() if chosen_day else None)
    races = _races(chosen, source, chosen_day)
    if not races:
        st.info("No race has been sent from this workspace yet (its audit trail and saved races hold none). Send "
                "races to the team for a while, then come back; or choose the date races began above.",
                icon=":material/flag:")
        return
    effects = race_effects(chosen.answers, races, window)
    st.caption(literal(f"{len(races)} race(s) found; from " + "; ".join(sorted({r.how for r in races}))[:300]))
    for effect in effects:
        more = f", and {effect.later} more in the {window} days after it" if effect.later else ""
        st.markdown(f"**Race of {literal(effect.race.when)}**{literal(more)}: the {window} days before it against "
                    f"the {window} days after.")
        st.markdown(_team_lines(effect))
        if effect.workers.empty:
            continue
        with st.expander("Each worker"):
            st.dataframe(_worker_table(effect, chosen), hide_index=True, width="stretch",
                         column_config={"Result": st.column_config.TextColumn(width="large")})
    st.caption(f"{CAVEAT} An active hour is a clock hour with at least one answer. The interval comes from "
               f"resampling the days of each side (95 %); at least {MIN_DAYS} days with answers on each side are "
               "needed for any claim.")
