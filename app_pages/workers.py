"""Workers: who labeled what, how fast, and how well, for any Ground Truth output."""

from __future__ import annotations

import altair as alt
import pandas as pd
import streamlit as st

from app_pages._arrival import rerun_as_opened
from app_pages._athena import athena_report, engine_choice
from app_pages._athena_charts import athena_over_time
from app_pages._athena_worker_charts import athena_worker_charts
from app_pages._colours import top_and_others
from app_pages._flags import flags_section
from app_pages._memo import digest, memo
from app_pages._reliability import (
    disagreement_list,
    estimate_ready,
    estimated,
    interval_tooltips,
    with_reliability,
)
from app_pages._selection import Chosen, choose_answers, label_layers, skipped_files
from app_pages._shared import sync_url, url_choice, url_list, url_note, url_state, workspace
from app_pages._worker_grid import DEFAULT_COLUMNS, TITLES, draw_grid, grid_frame
from core import metrics
from core.gold import GoldError, queued_gold, read_gold
from core.race.frames import PERIODS, natural_period
from core.reliability import Reliability
from core.storage import StoreError
from core.tables import format_table
from core.workers import WorkerCharts, worker_charts, worker_report


def gold_labels() -> dict[str, str] | None:
    with st.sidebar.expander("Gold labels", icon=":material/verified:"):
        st.caption("The true label of each object: CSV, JSON lines, a JSON list or object, or a trusted "
                   "job's output manifest.")
        url_state("gold", "")
        uri = st.text_input("Gold file URI", key="gold", placeholder="s3://bucket/gold.csv")
        upload = st.file_uploader("or upload", type=["csv", "jsonl", "json", "manifest"], key="gold_upload")
    try:
        if upload is not None:
            return read_gold(upload.name, upload.getvalue())
        if uri.strip():
            return read_gold(uri.strip(), workspace().open(uri.strip()).read())
    except (GoldError, StoreError) as exc:
        st.sidebar.error(str(exc), icon=":material/error:")
    return None


def empty_state() -> None:
    st.markdown(
        "See who labeled what, how fast, and how well. Enter a **source** in the sidebar: an S3 prefix "
        "such as `s3://my-bucket/labeling-output/` or a local folder that holds Ground Truth job output "
        "(`annotations/worker-response/...` and `manifests/output/output.manifest`)."
    )


def summary(report: pd.DataFrame) -> None:
    team = report[report["worker"] == metrics.TEAM].iloc[0]
    cols = st.columns(5)
    cols[0].metric("Labels", f"{int(team['labels']):,}")
    cols[1].metric("Workers", f"{len(report) - 1:,}")
    cols[2].metric("Objects", f"{int(team['objects']):,}")
    cols[3].metric("Median agreement", "unknown" if pd.isna(team["agreement"]) else f"{team['agreement']:.0%}")
    cols[4].metric("Median accuracy", "no gold" if pd.isna(team["accuracy"]) else f"{team['accuracy']:.0%}")


def worker_grid(report: pd.DataFrame) -> None:
    available = [c for c in report.columns]
    unknown = [c for c in url_list("cols") if c not in available]
    if unknown and ("cols_widget" not in st.session_state or st.session_state.get("_arrived")):
        url_note("columns", ", ".join(unknown), "no such column; showing the others")
    chosen = st.multiselect(
        "Columns", available,
        default=[c for c in url_list("cols") if c in available] or [c for c in DEFAULT_COLUMNS if c in available],
        key="cols_widget", format_func=lambda c: TITLES.get(c, c),
    )
    sync_url(cols=[] if chosen == DEFAULT_COLUMNS else chosen)
    df = grid_frame(report[["worker", *[c for c in chosen if c != "worker"]]])
    draw_grid(interval_tooltips(df, report))  # the estimated reliability's interval, shown on pointing at it


TIME_UNITS = {
    "5 min": alt.TimeUnitParams(unit="utcyearmonthdatehoursminutes", step=5),
    "hour": alt.TimeUnitParams(unit="utcyearmonthdatehours"),
    "day": alt.TimeUnitParams(unit="utcyearmonthdate"),
}
TOP_BARS = 25


def labels_per_worker_chart(summary: WorkerCharts) -> None:
    st.subheader("Labels per worker")
    order = shown = summary.order
    if len(order) > TOP_BARS and not st.toggle(f"Show all {len(order)} workers", key="all_bars"):
        shown = order[:TOP_BARS]
        st.caption(f"The {TOP_BARS} workers with the most labels; the table lists all {len(order)}.")
    per_job = summary.per_job[summary.per_job["worker"].isin(shown)]
    # Every worker's name, on a row tall enough for it; a colour per job only when there are several.
    color = alt.Color("job:N", title="Job", legend=alt.Legend(orient="bottom", columns=3, labelLimit=260))
    st.altair_chart(
        alt.Chart(per_job).mark_bar().encode(
            x=alt.X("labels:Q", title="Labels"),
            y=alt.Y("worker:N", sort=shown, title=None, axis=alt.Axis(labelLimit=320, labelOverlap=False)),
            **({"color": color} if per_job["job"].nunique() > 1 else {}),
            tooltip=["worker", "job", "labels"],
        ).properties(height=alt.Step(22)),  # a row per worker, whatever the axis and legend take
        width="stretch",
    )


def time_per_label_chart(summary: WorkerCharts) -> None:
    st.subheader("Time per label")
    if summary.seconds.empty:
        st.info("Unknown: these answers carry neither timeSpentInSeconds nor an acceptance time "
                "(the older public-workforce format).", icon=":material/timer_off:")
        return
    present = set(summary.seconds["worker"])
    shown = [w for w in summary.order if w in present][:TOP_BARS]
    # Five numbers a worker (core.workers.worker_charts): the browser gets 25 rows, not every answer
    # (a million answers made a 40 MB chart).
    box = summary.seconds[summary.seconds["worker"].isin(shown)]
    y = alt.Y("worker:N", sort=shown, title=None, axis=alt.Axis(labelLimit=320, labelOverlap=False))
    tooltip = ["worker", *(alt.Tooltip(f"{c}:Q", format=".1f", title=f"{c} (s)")
                           for c in ("min", "q1", "median", "q3", "max"))]
    base = alt.Chart(box).encode(y=y, tooltip=tooltip)
    st.altair_chart(
        alt.layer(
            base.mark_rule().encode(x=alt.X("min:Q", title="Seconds per label"), x2="max:Q"),
            base.mark_bar(size=14).encode(x="q1:Q", x2="q3:Q"),
            base.mark_tick(color="white", size=14, thickness=2).encode(x="median:Q"),
        ).properties(height=alt.Step(22)),
        width="stretch",
    )
    st.caption("Each line runs from the fastest to the slowest label; the box holds the middle half; "
               "the white tick is the median.")


def labels_over_time_chart(chosen: Chosen, order: list[str]) -> None:
    st.subheader("Labels over time")
    answers, key = chosen.answers, (chosen.selection, digest(chosen.shown))
    # the coarsest period that still gives a dozen or more bars
    auto = memo("natural_period", chosen.data, key, lambda: natural_period(answers))
    url_choice("period", list(PERIODS), auto, "period")  # its labels: the codes ("h") are pandas'
    period = st.segmented_control("Period", list(PERIODS), key="period")
    period = period or auto
    sync_url(period=None if period == auto else period)
    series = memo("over_time", chosen.data, (*key, period),
                  lambda: metrics.labels_over_time(answers, PERIODS[period]))
    draw_over_time(series, chosen.shown, order, period)


def draw_over_time(series: pd.DataFrame, shown: dict[str, str], order: list[str], period: str) -> None:
    """labels_over_time's frame as the stacked chart, by either engine (the Athena one: app_pages._athena_charts)."""
    coarsened = series.attrs.get("note")
    if coarsened:
        st.caption(coarsened)
    top = order[:10]
    stacked = metrics.stacked_over_time(series, shown, top)
    palette = top_and_others(len(top))
    st.caption("Stacked by worker (the ten with the most labels, then everyone else): the height is the team's total.")
    st.altair_chart(
        alt.Chart(stacked).mark_bar().encode(
            # UTC, like the date filter, so everyone who opens the link sees the same hours.
            # A time unit makes each bar as wide as its period.
            x=alt.X("period:T", title="UTC", timeUnit=alt.Undefined if coarsened else TIME_UNITS[period],
                    axis=alt.Axis(format="%b %d %H:%M")),
            y=alt.Y("labels:Q", stack="zero", title=f"Labels per {series.attrs.get('step', period)}"),
            color=alt.Color("who:N", title="Worker", sort=[*top, "Others"],
                            scale=alt.Scale(domain=[*top, "Others"], range=palette)),
            tooltip=[alt.Tooltip("period:T", format="%Y-%m-%d %H:%M", title="from (UTC)"), "who", "labels"],
        ).properties(height=320),
        width="stretch",
    )


def charts(chosen: Chosen) -> None:
    summary = memo("charts", chosen.data, (chosen.selection, digest(chosen.shown)),
                   lambda: worker_charts(chosen.answers, chosen.shown))
    labels_per_worker_chart(summary)
    time_per_label_chart(summary)
    labels_over_time_chart(chosen, summary.order)


def quality_link(chosen: Chosen, report: pd.DataFrame) -> None:
    """To the Annotations page: a chosen worker's quality and worst items (every task type), or,
    with names anonymised, the whole source's (a link must not carry the IDs the table hides)."""
    # The name mode goes along: a view anonymised here opens anonymised there.
    link = {"source": st.session_state.get("source", ""), "job": list(chosen.selection.jobs or []),
            "names": chosen.mode}
    if chosen.mode == "anon" or "worker_id" not in report:
        st.page_link("app_pages/annotations.py", label="Annotation quality and items", icon=":material/label:",
                     query_params=link)
        return
    workers = report[report["worker"] != metrics.TEAM]
    names = dict(zip(workers["worker_id"], workers["worker"], strict=True))
    left, right = st.columns([2, 1], vertical_alignment="bottom")
    pick = left.selectbox("A worker's annotation quality and worst items", list(names), format_func=names.get,
                          key="quality_worker")
    right.page_link("app_pages/annotations.py", label="Open on the Annotations page", icon=":material/label:",
                    query_params={**link, "worker": pick})


VIEWS = ["Flags", "Estimate vs Ground Truth", "Charts"]  # below the table; the first opens by default


def below_the_table(chosen: Chosen, found: Reliability | None, layers: dict[str, str]) -> None:
    """Flags, the estimate's disagreements and the charts, as tabs of which only the open one is
    computed and drawn; the open one is in the link (`view`). All three drawn with the table kept
    the browser busy while the grid's frame loaded: at 1M answers the grid showed 0.3 to 1 s later
    (bench/scale.py --page)."""
    flags_tab, estimate_tab, charts_tab = st.tabs(VIEWS, key="view", bind="query-params")
    if flags_tab.open:
        with flags_tab:
            flags_section(chosen, layers)
    if estimate_tab.open:
        with estimate_tab:
            disagreement_list(chosen, found)
    if charts_tab.open:
        with charts_tab:
            charts(chosen)


def table_and_csv(report: pd.DataFrame) -> None:
    summary(report)
    worker_grid(report)
    st.download_button("Download CSV", format_table(report, "csv"), file_name="workers.csv", mime="text/csv",
                       icon=":material/download:")


def main() -> None:
    if engine_choice() == "athena":  # the same table and CSV, computed where the output is (app_pages._athena)
        report = athena_report(gold_labels)
        if report is not None:
            table_and_csv(report)
            athena_worker_charts(labels_per_worker_chart, time_per_label_chart)
            athena_over_time(draw_over_time)
        return
    chosen = choose_answers("Workers", empty_state)
    if chosen is None:
        return
    gold = gold_labels()
    sync_url(gold=st.session_state.get("gold", "").strip())
    data, mode = chosen.data, chosen.mode
    if gold is None and (gold := queued_gold(chosen.selection.apply(data)[2]) or None):
        st.caption(f"Accuracy is measured on the {len(gold):,} gold objects mixed into these jobs' queue (no gold "
                   "file chosen).")
    layers = label_layers(data, st.session_state.get("source", ""))
    with st.spinner(f"Computing each worker's numbers from {len(chosen.answers):,} labels ..."):
        key = (chosen.selection, digest(gold), digest(chosen.names), mode, digest(layers))
        report = memo("workers", data, key, lambda: worker_report(
            data, chosen.selection, gold=gold, names=chosen.names, anonymize=mode == "anon", attributes=layers)
        ).copy()  # the page may change its copy; the memo's stays as computed
    # Dawid-Skene, only over classification answers. The first time, the table comes first and the
    # page is drawn again with the estimate's columns once it is made.
    ready = estimate_ready(chosen, gold, layers)
    found = estimated(chosen, gold, layers) if ready else None
    report = with_reliability(report, chosen, found, pending=not ready)
    table_and_csv(report)
    if not ready:
        estimated(chosen, gold, layers)
        rerun_as_opened()
    quality_link(chosen, report)
    below_the_table(chosen, found, layers)
    skipped_files(data)


main()
