"""The Workers table: its titles, display values and AG Grid options, drawn from the report's rows.
On its own module so that bench/grid_alone.py can draw the same table on an otherwise empty page."""

from __future__ import annotations

import pandas as pd
from st_aggrid import AgGrid, GridOptionsBuilder

from app_pages._reliability import HELP as RELIABILITY_HELP
from app_pages._reliability import TITLES as RELIABILITY_TITLES
from app_pages._reliability import grid_column
from core import metrics
from core.tables import printable_frame

PERCENT = ["agreement", "majority_agreement", "accuracy", "reliability", "reliability_low", "reliability_high"]
# What a lead looks for first (quality, recency, pace) on the first screen at 1440 px; the rest scrolls.
DEFAULT_COLUMNS = [
    "worker", "labels", "agreement", "accuracy", "reliability", "last_submission", "time_per_label_s_median",
    "labels_per_active_hour", "active_days", "jobs", "objects", "time_spent_s", "majority_agreement",
]
TEAM_ROW = "Team (rates: median)"  # counts are totals; rates and times the median of the workers
TITLES = {
    "worker": "Worker", "worker_id": "Worker ID", "sub": "Cognito sub", "labels": "Labels", "objects": "Objects",
    "jobs": "Jobs", "first_submission": "First (UTC)", "last_submission": "Last (UTC)", "active_days": "Active days",
    "time_spent_s": "Time spent (s)", "time_per_label_s_min": "Min s/label", "time_per_label_s_mean": "Mean s/label",
    "time_per_label_s_median": "Median s/label", "time_per_label_s_max": "Max s/label",
    "labels_per_active_hour": "Labels per active hour", "agreement": "Agreement %",
    "majority_agreement": "Majority agreement %", "accuracy": "Accuracy %", **RELIABILITY_TITLES,
}
HELP = {
    "agreement": "Share of the worker's labels equal to the label Ground Truth consolidated (output manifest)",
    "majority_agreement": "Share of the worker's labels equal to the plain majority vote (ties: no majority)",
    "accuracy": "Share of the worker's labels equal to the gold label",
    "labels_per_active_hour": "Labels per clock hour in which the worker submitted anything; on the Team row, "
                              "the median of the workers (not the team's throughput)",
    "time_per_label_s_median": "From timeSpentInSeconds, else acceptance to submission; empty when unknown",
    **RELIABILITY_HELP,
}


def grid_frame(report: pd.DataFrame) -> pd.DataFrame:
    """Display values: percentages, rounded floats, readable times; unknown stays empty."""
    df = printable_frame(report)  # control characters shown as \xNN, as in the CSV
    for col in [c for c in PERCENT if c in df]:  # only the chosen columns are here
        df[col] = (df[col] * 100).round(1)
    for col in df.columns:
        if pd.api.types.is_datetime64_any_dtype(df[col]):
            df[col] = df[col].dt.strftime("%Y-%m-%d %H:%M")
        elif pd.api.types.is_float_dtype(df[col]):
            df[col] = df[col].round(2)
    return df


def header_width(title: str) -> int:
    """Pixels for a column whose header wraps between words, never inside one ("Agreem|ent %")."""
    return max(84, 9 * max(len(word) for word in title.split()) + 50)


# An AG Grid expression, run in the browser: counts read 70,484, and still sort and filter as numbers.
COUNT_FORMAT = "value == null ? '' : value.toLocaleString('en-US')"


def draw_grid(df: pd.DataFrame) -> None:
    """The grid of `grid_frame`'s rows: a row per worker, the team's pinned below."""
    workers, team = df[df["worker"] != metrics.TEAM], df[df["worker"] == metrics.TEAM].assign(worker=TEAM_ROW)
    gb = GridOptionsBuilder.from_dataframe(workers)
    gb.configure_default_column(filter=True, sortable=True, resizable=True, wrapHeaderText=True,
                                autoHeaderHeight=True)
    for col in workers.columns:
        title = TITLES.get(col, col)
        width = 180 if col == "worker" else 140 if col.endswith("_submission") else header_width(title)
        counts = {"valueFormatter": COUNT_FORMAT} if pd.api.types.is_integer_dtype(workers[col]) else {}
        gb.configure_column(col, headerName=title, headerTooltip=HELP.get(col), minWidth=width,
                            pinned="left" if col == "worker" else None, **counts, **grid_column(col))
    options = gb.build()
    # Fill the width, but never narrower than a header's longest word: past that, scroll sideways.
    options["autoSizeStrategy"] = {"type": "fitGridWidth"}
    options["pinnedBottomRowData"] = team.astype(object).where(team.notna(), None).to_dict("records")
    # The header (up to three lines), the Team row pinned below and a sideways scroll bar, then a row each.
    AgGrid(workers, gridOptions=options, height=min(600, 108 + 32 * len(workers)), key="workers_grid",
           show_toolbar=True, show_download_button=True, show_search=True)
