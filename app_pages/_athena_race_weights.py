"""The Race page's quality weighting on its Athena engine: the same "Each label counts" choice (kept in
the link as `weight`), title and caption as on this computer (app_pages._race_effect.weighting), the
weights from core.engine.athena_race_weights (agreement summed on Athena; reliability estimated here
from the answers' rows Athena returns)."""

from __future__ import annotations

import dataclasses

import pandas as pd
import streamlit as st

from app_pages._athena import looked_up
from app_pages._race_effect import WEIGHT_HELP
from app_pages._shared import sync_url, url_choice
from core.engine import athena_race_weights as arw
from core.engine import athena_workers as aw
from core.identity import display_names
from core.race.frames import RaceOptions
from core.race.weights import MEANING, TITLE_SUFFIX, WEIGHTS


def weight_choice(options: RaceOptions) -> tuple[RaceOptions, str]:
    """The sidebar's "Each label counts" (the local path's widget, key and link), and the options with
    its title and weight."""
    url_choice("weight", WEIGHTS, "count", "label weight")
    weight = st.sidebar.selectbox("Each label counts", list(WEIGHTS), format_func=WEIGHTS.get, key="weight",
                                  help=WEIGHT_HELP)
    sync_url(weight=None if weight == "count" else weight)
    if weight == "count":
        return options, weight
    title = options.title + TITLE_SUFFIX[weight] if options.title == "Labels per worker" else options.title
    return dataclasses.replace(options, title=title, weight=weight), weight


def weighted_counts(run: aw.WorkerRun, freq: str, how: str, anonymize: bool, names: dict[str, str],
                    cognito: bool) -> tuple[arw.WeightedCounts, dict[str, str], str]:
    """The weighted race's counts, the names shown (Worker N, or real names by sub or ID), and why
    names are missing: app_pages._athena_race.race_counts for a weighted race."""
    counts, shown = arw.race_weights(run, freq, how, anonymize)
    if anonymize or not (names or cognito):
        return counts, shown, ""
    ids, names, note = looked_up(run, names, cognito)
    return counts, display_names(ids.set_index("worker_id")[["sub"]], names).to_dict(), note


def weighted_table(counts: arw.WeightedCounts, shown: dict[str, str]) -> pd.DataFrame:
    """race_table's weighted table, with the local page's caption of what a bar counts; attrs["answers"]
    is the labels it is made from (the sum of its last row is weighted)."""
    note = (f" {counts.unweighed:,} of {counts.labels:,} labels could not be weighed and count 0."
            if counts.unweighed else "")
    st.caption(f"Weighted race: {MEANING[counts.how]}.{note}")
    table = arw.weighted_table(counts, shown)
    table.attrs["answers"] = counts.labels
    return table
