"""The Annotations page's matrices of one job: the confusion matrix and the pairwise agreement of
its workers. A matrix of hundreds of workers or classes is neither readable nor quick to draw, so
the chart keeps the top N (the other classes added up, the other workers left to the CSV)."""

from __future__ import annotations

import altair as alt
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import streamlit as st

from app_pages._annotation_names import Naming
from app_pages._annotation_tables import download
from app_pages._memo import memo
from app_pages._shared import literal, sync_url, url_choice
from core.annotations import duck_quality
from core.annotations.top import OTHER, fold_confusion, top_square
from core.quality.matrices import MatrixError, agreement, confusion

FIGURES_UP_TO = 10  # rows of a matrix chart that still print each cell's figure
TOP_MATRIX = 15  # rows and columns a matrix chart draws: more, in half the page, and the cells overlap


def _heatmap(matrix: pd.DataFrame, x: str, y: str, value: str, fmt: str) -> alt.Chart:
    long = matrix.rename_axis(index=y, columns=x).stack(future_stack=True).rename(value).reset_index()
    base = alt.Chart(long).encode(x=alt.X(f"{x}:N", title=x, axis=alt.Axis(labelLimit=160)),
                                  y=alt.Y(f"{y}:N", title=y, axis=alt.Axis(labelLimit=160)))
    cells = base.mark_rect().encode(color=alt.Color(f"{value}:Q", title=value, scale=alt.Scale(scheme="blues")),
                                    tooltip=[y, x, alt.Tooltip(f"{value}:Q", format=fmt)])
    text = base.mark_text(fontSize=11).encode(text=alt.Text(f"{value}:Q", format=fmt)).transform_filter(
        f"isValid(datum['{value}'])")  # a worker with itself: no figure, an empty cell
    side = max(28, min(48, 480 // max(len(matrix), 1)))
    # Past ten rows, half the page leaves a cell too narrow for its figure: the colour and the
    # tooltip say it instead of overlapping digits.
    layers = cells + text if len(matrix) <= FIGURES_UP_TO else cells
    return layers.properties(width=alt.Step(side), height=alt.Step(side))


def _jobs(rows: pa.Table | pd.DataFrame) -> tuple[list[str], str]:
    """Every job, and the first with an object two workers answered (the first choice)."""
    if isinstance(rows, pd.DataFrame):
        workers = rows[rows["source"].eq("worker")]
        shared = workers.groupby(["job", "object_id"])["worker_id"].nunique()
        jobs = sorted(set(rows["job"]))
        return jobs, next((job for job, _ in shared[shared > 1].index), jobs[0])
    jobs = sorted(pc.unique(rows["job"].drop_null()).to_pylist())
    return jobs, duck_quality.matrix_default(rows) or jobs[0]


def _of_job(rows: pa.Table | pd.DataFrame, job: str) -> pd.DataFrame:
    if isinstance(rows, pd.DataFrame):
        return rows[rows["job"].eq(job)]
    return duck_quality.job_frame(rows, job)


def matrices(rows: pa.Table | pd.DataFrame, gold, iou: float, naming: Naming) -> None:
    """The chosen job's matrices, from that job's rows only (the columns they read), taken from the
    selection's Arrow rows (a tenth of the answers when ten jobs share them, never the whole table),
    or from an annotations table (the Athena page's rows read back)."""
    st.subheader("One job's matrices")
    jobs, default = memo("matrix_jobs", rows, None, lambda: _jobs(rows))
    url_choice("mjob", jobs, default, "job")
    job = st.selectbox("Job", jobs, key="mjob")
    sync_url(mjob=None if job == default else job)
    table = memo("job_frame", rows, job, lambda: _of_job(rows, job))
    workers = table[table["source"].eq("worker")]
    left, right = st.columns(2)
    with left:
        try:
            matrix = confusion(table, job, gold)
        except MatrixError as exc:
            st.caption(f"Confusion matrix: {literal(str(exc))}.")
        else:
            st.markdown("**Confusion matrix** (rows: the reference; columns: what workers answered)")
            shown = fold_confusion(matrix, TOP_MATRIX)
            st.altair_chart(_heatmap(shown, "answer", "reference", "answers", "d"), width="stretch")
            if shown.shape != matrix.shape:
                st.caption(f"The {TOP_MATRIX} classes used most of {len(matrix.index.union(matrix.columns)):,}; "
                           f"the others are added up in “{OTHER}”. Every class is in the CSV.")
                download(matrix.rename_axis(index="reference").reset_index(), f"confusion-{job}", "dl_confusion")
    with right:
        try:
            pairs = agreement(table, job, iou)
        except MatrixError as exc:
            st.caption(f"Agreement: {literal(str(exc))}.")
            return
        if pairs.agreement.notna().to_numpy().sum() == 0:
            st.caption("Agreement: no two workers answered the same object in this job.")
            return
        st.markdown("**Pairwise agreement** (over the objects both workers answered)")
        answered = workers[workers["job"].eq(job)].groupby("worker_id")["object_id"].nunique()
        top = top_square(pairs.agreement, answered, TOP_MATRIX)
        named = top.rename(index=naming.names, columns=naming.names)
        st.altair_chart(_heatmap(named, "worker", "with", "agreement", ".0%"), width="stretch")
        if len(top) < len(pairs.agreement):
            st.caption(f"The {TOP_MATRIX} workers with the most answers in this job, of {len(pairs.agreement):,}. "
                       "Every pair is in the CSV.")
            full = pairs.agreement.rename(index=naming.names, columns=naming.names)
            download(full.rename_axis(index="worker").reset_index(), f"agreement-{job}", "dl_agreement")
