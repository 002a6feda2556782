"""The Race page's quality weighting on its Athena engine: the same "Each label counts" choice (kept in
the link as `weight`: app_pages._race_effect.weight_choice), title and caption as on this computer, the
weights from core.engine.athena_race_weights (agreement summed on Athena; reliability estimated here
from the answers' rows Athena returns)."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from app_pages._athena import looked_up
from core.engine import athena_race_weights as arw
from core.engine import athena_workers as aw
from core.identity import display_names
from core.race.weights import MEANING


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
