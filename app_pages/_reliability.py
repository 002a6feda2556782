"""The Workers page's estimated reliability (core.reliability, Dawid-Skene): a column beside agreement
and accuracy with its interval in the tooltip, and the objects where the estimate and Ground Truth's
consolidated label disagree, each linked to the Annotations page's item view."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from app_pages._memo import digest, memo, memoized
from app_pages._selection import Chosen
from app_pages._shared import literal
from core import metrics
from core.reliability import Reliability, accuracy_sentence, estimate, has_classification
from core.tables import format_table

COLUMNS = ["reliability", "reliability_low", "reliability_high"]
INTERVAL = "reliability_interval"  # the grid's hidden column that the reliability tooltip reads
TITLES = {"reliability": "Estimated reliability %", "reliability_low": "Reliability low %",
          "reliability_high": "Reliability high %"}
HELP = {
    "reliability": "Estimated without gold from everyone's answers (Dawid-Skene): the expected share of the "
                   "worker's labels that are right. Point at a value for its 95 % interval; few labels, wide "
                   "interval. On the Team row, the median of the workers",
    "reliability_low": "Lower end of the 95 % interval of the estimated reliability",
    "reliability_high": "Upper end of the 95 % interval of the estimated reliability",
}
SHOWN = 10  # disagreements listed as links; all of them in the CSV


def estimated(chosen: Chosen, gold: dict[str, str] | None, layers: dict[str, str]) -> Reliability | None:
    """The estimate for this selection, computed once per selection, gold and layers (like the other
    reports), and only when the selection has classification answers: boxes, masks and spans have
    no single label to model."""
    if not has_classification(chosen.answers):
        return None

    def compute() -> Reliability:
        answers, labels, objects = chosen.selection.apply(chosen.data)
        return estimate(answers, labels, objects, gold, layers)

    with st.spinner("Estimating each worker's reliability from everyone's answers ..."):
        return memo("reliability", chosen.data, _key(chosen, gold, layers), compute)


def estimate_ready(chosen: Chosen, gold: dict[str, str] | None, layers: dict[str, str]) -> bool:
    """Whether `estimated` returns at once (already computed, or nothing to estimate): when not, the
    page shows the table first and its estimate columns after (Dawid-Skene takes seconds at a
    million answers)."""
    return not has_classification(chosen.answers) or memoized("reliability", chosen.data, _key(chosen, gold, layers))


def _key(chosen: Chosen, gold: dict[str, str] | None, layers: dict[str, str]) -> tuple:
    return (chosen.selection, digest(gold), digest(layers))


def with_reliability(report: pd.DataFrame, chosen: Chosen, found: Reliability | None,
                     pending: bool = False) -> pd.DataFrame:
    """The worker report with the estimate's three columns (by worker ID, or by shown name when the
    IDs are hidden); the Team row gets the workers' median, as for the other rates. `pending`: the
    estimate is being made, so its columns are there, empty, and the table keeps its columns when
    they are filled."""
    if pending:
        return report.assign(**dict.fromkeys(COLUMNS, float("nan")))
    if found is None or found.workers.empty:
        return report
    per = found.workers.set_index("worker_id")[COLUMNS]
    if "worker_id" in report:
        rows = per.reindex(report["worker_id"])
    else:  # names anonymised: Worker N is one worker
        rows = per.rename(index=chosen.shown).reindex(report["worker"])
    out = report.copy()
    for col in COLUMNS:
        out[col] = rows[col].to_numpy(dtype=float)
    team = out["worker"] == metrics.TEAM
    out.loc[team, COLUMNS] = [out.loc[~team, "reliability"].median(), float("nan"), float("nan")]
    return out


def interval_tooltips(df: pd.DataFrame, report: pd.DataFrame) -> pd.DataFrame:
    """The grid's frame with the hidden column the reliability tooltip reads: its 95 % interval."""
    if "reliability" not in df or "reliability_low" not in report:
        return df
    low, high = report.loc[df.index, "reliability_low"], report.loc[df.index, "reliability_high"]
    text = [f"95 % interval: {lo:.1%} to {hi:.1%}" if pd.notna(lo) and pd.notna(hi) else "" for lo, hi in zip(
        low, high, strict=True)]
    return df.assign(**{INTERVAL: text})


def grid_column(col: str) -> dict:
    """Extra AgGrid settings of a column: the tooltip of the reliability, the hidden interval."""
    if col == "reliability":
        return {"tooltipField": INTERVAL}
    if col == INTERVAL:
        return {"hide": True}
    return {}


def _label(value) -> str:
    return "none" if value is None or (isinstance(value, float) and pd.isna(value)) else str(value)


def disagreement_list(chosen: Chosen, found: Reliability | None) -> None:
    """The objects to audit first: where the estimated label differs from Ground Truth's consolidated
    label, the most confident estimates first, each a link to its item on the Annotations page."""
    if found is None:
        st.caption("The estimate is made from answers with one label (image or text classification): this "
                   "selection has none.")
        return
    st.subheader("Where the estimate and Ground Truth disagree")
    if said := accuracy_sentence(found.accuracies()):  # a gold file's, or the gold mixed into the queue
        st.caption(said)
    rows = found.disagreements
    if rows.empty:
        st.caption("Nowhere: for every object, the label estimated from the workers' answers is the one Ground "
                   "Truth consolidated.")
        return
    st.caption(f"{len(rows):,} object(s) where the label estimated from everyone's answers (Dawid-Skene) is not "
               "the one Ground Truth consolidated: the first ones to audit. The surest estimates first; labels "
               "as compared (case, spaces and dashes ignored).")
    link = {"source": st.session_state.get("source", ""), "names": chosen.mode, "tab": "Items"}
    # The job is named only where there is a choice: the Annotations page names a job by its output
    # folder or its manifest's job-name (the fixture's folder ic_data holds job birds-open-images-clone),
    # and a name it does not know would show a note instead of the item's job.
    several = len(set(rows["job"])) > 1 or len(chosen.data.jobs) > 1
    for row in rows.head(SHOWN).itertuples():
        gold = f", gold: {_label(row.gold)}" if row.gold is not None else ""
        text = (f"{row.job} · object {row.object_id}: estimate {_label(row.estimate)} ({row.confidence:.0%} sure), "
                f"Ground Truth: {_label(row.consolidated)}{gold}")
        st.page_link("app_pages/annotations.py", label=literal(text), icon=":material/rule:",
                     query_params={**link, **({"ijob": row.job} if several else {}), "item": str(row.object_id)})
    table = rows.drop(columns=["disagrees"])
    st.download_button(f"Download all {len(rows):,} (CSV)", lambda: format_table(table, "csv"),
                       file_name="estimate-vs-ground-truth.csv", mime="text/csv", icon=":material/download:",
                       key="reliability_csv")
