"""The Jobs page's Forecast block: a running job's time and cost to finish, and what-ifs (core.forecast)."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from app_pages._shared import literal, load_source, workspace, workspace_key
from core.forecast import ForecastError, expiry_warning, forecast, rows
from core.gt.job import Job


@st.cache_data(ttl=60, show_spinner=False)
def _other_jobs(ws_key: tuple) -> list[Job]:
    """The workspace's jobs, for the machine share finished auto-labeling jobs reached."""
    return [Job.from_summary(s) for s in workspace().service.list_labeling_jobs()]


def forecast_block(job: Job) -> None:
    """Nothing for a job that takes no more answers; else the scenarios, each with what it rests on."""
    if not job.working:
        return
    try:
        answers = load_source(job.output_folder, version=job.modified).answers
    except Exception:  # as the ETA: output not readable yet, no honest forecast
        st.caption("Forecast: the job's output cannot be read yet.")
        return
    try:
        result = forecast(job, answers[answers["job"] == job.name], workspace().now(), _other_jobs(workspace_key()))
    except ForecastError as exc:
        st.caption(literal(f"Forecast: {exc}"))
        return
    st.markdown("**Forecast**: the time and the cost to finish")
    table = pd.DataFrame(rows(result))
    st.dataframe(
        table, hide_index=True, width="stretch", column_order=["scenario", "time", "cost"],
        column_config={
            "scenario": st.column_config.TextColumn("If", width="medium"),
            "time": st.column_config.TextColumn("Time to finish", width="small"),
            "cost": st.column_config.TextColumn("Cost to finish", width="small"),
        })
    with st.expander("What these figures rest on"):
        for scenario in result.scenarios:  # plain text in Markdown: a job name in it must not act as markup
            st.markdown(f"**{literal(scenario.name)}**\n" + "\n".join(f"- {literal(a)}" for a in scenario.assumptions))
    if warning := expiry_warning(result):
        st.warning(warning, icon=":material/schedule:")
