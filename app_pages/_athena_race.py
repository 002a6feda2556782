"""The Race page's second engine: the labels per worker per period counted by Amazon Athena where the
output is (core.engine.athena_race), on the AWS workspace; the race drawn from them is the local one
(core.race.frames.race_table_of). A weighted race's counts come from core.engine.athena_race_weights
(app_pages._athena_race_weights). The sidebar, the plan shown first, Run and Cancel are the Workers
page's (app_pages._athena)."""

from __future__ import annotations

from collections.abc import Callable

import pandas as pd
import streamlit as st

from app_pages._athena import athena_names, athena_source, jobs_and_days, keyed, looked_up, plan_key, run_step
from app_pages._athena_race_weights import weighted_counts, weighted_table
from app_pages._memo import digest, memo
from app_pages._race_effect import weight_choice
from app_pages._selection import name_mode
from app_pages._shared import literal, refresh_button
from core.engine import athena_race, athena_race_weights
from core.engine import athena_workers as aw
from core.engine.athena import AthenaError
from core.identity import display_names
from core.race.frames import RaceOptions, race_table_of
from core.storage import StoreError

RESULT = "_athena_race_result"
# No answers are read here, so the period cannot be fitted to them: the command's default.
NO_ANSWERS = pd.DataFrame({"submission_time": pd.Series([], dtype="datetime64[us, UTC]")})


def race_plan(listed, jobs, since, until, anonymize: bool, named: bool, weight: str = "count"
              ) -> tuple[aw.WorkerPlan, str]:
    """The race's plan: the chosen jobs' answers, no output manifest read (the race counts answers
    only); its queries are the race's reads for `weight` (core.engine.athena_race_weights.READS), and
    Worker N's order or, with real names, the workers' subs and pools."""
    workgroup, results, database = listed.settings

    def build():
        chosen = listed.found.only(jobs)
        nothing = aw.manifest_tables(None, aw.Survey(chosen.uri))  # no manifest listed: none is read
        plan = aw.plan(None, database, results, jobs, tables=nothing, since=since, until=until, found=chosen,
                       parquet=listed.parquet)
        athena_race_weights.race_queries(plan, weight, named, anonymize)
        return keyed(plan, workgroup)

    key = plan_key(listed, tuple(jobs or ()), since, until, anonymize, named, weight)
    return memo("athena_race_plan", listed.found, key, build)


def race_counts(run: aw.WorkerRun, freq: str, anonymize: bool, names: dict[str, str], cognito: bool
                ) -> tuple[pd.DataFrame, dict[str, str], str]:
    """The counts and the names shown (Worker N, or real names by sub or ID), and why names are missing."""
    over, shown = athena_race.race_counts(run, freq, anonymize)
    if anonymize or not (names or cognito):
        return over, shown, ""
    ids, names, note = looked_up(run, names, cognito)
    return over, display_names(ids.set_index("worker_id")[["sub"]], names).to_dict(), note


def athena_race_table(options_sidebar: Callable[[pd.DataFrame], RaceOptions]
                      ) -> tuple[pd.DataFrame, RaceOptions] | None:
    """The sidebar, the plan and, after a click on Run on Athena, the race's table (race_table's) and
    options; None while there is nothing to race, with the reason on the page."""
    listed = athena_source("Bar chart race")
    if listed is None:
        return None
    jobs, since, until = jobs_and_days(listed.found)
    mode = name_mode(pd.DataFrame({"issuer": pd.Series([], dtype=object)}))  # no answers read here: no pool known
    names, cognito = athena_names(mode)
    named = bool(names or cognito)
    options, weight = weight_choice(options_sidebar(NO_ANSWERS))
    with st.sidebar:
        refresh_button()
    anonymize = mode == "anon"
    try:
        plan, key = race_plan(listed, jobs, since, until, anonymize, named, weight)
    except (AthenaError, ValueError, StoreError) as exc:
        st.error(literal(str(exc)), icon=":material/error:")
        return None
    def counted(run: aw.WorkerRun):
        if weight == "count":
            return race_counts(run, options.freq, anonymize, names, cognito)
        return weighted_counts(run, options.freq, weight, anonymize, names, cognito)

    # The period decides the queries (the grid is in their text): another period is another Run.
    done = run_step(listed, plan, (key, options.freq, digest(names), cognito), RESULT, counted,
                    lambda counts: {"period": options.period, "weight": weight})
    if done is None:
        return None
    over, shown, note = done["result"]
    if note:
        st.warning(literal(note), icon=":material/person_off:")
    return (race_table_of(over, shown) if weight == "count" else weighted_table(over, shown)), options
