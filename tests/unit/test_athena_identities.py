"""Names on the Athena engine: the query of each worker's sub and Cognito issuer (core.engine.
athena_workers.IDENTITIES), run by DuckDB over the same files as Athena would run it, finds the pools
the local engine finds and gives the names it shows (by sub, or by worker ID); its Trino form parses
and calls only Trino's functions."""

from __future__ import annotations

import pandas as pd
from test_athena_race import _answers_view  # tests/unit is on sys.path
from test_athena_views import _private_output
from test_metrics_engine import TRINO_FUNCTIONS, called

from core.engine import athena_workers as aw
from core.engine.athena_tables import qualified
from core.identity import display_names, user_pools
from core.ingest import SourceReader
from core.storage import open_location
from core.workers import shown_names


def _identities(source: str) -> pd.DataFrame:
    con = _answers_view(source)
    return con.execute(qualified(None, {"answers": "all_answers"}, "duckdb", sql=aw.IDENTITIES)).df()


def test_the_workers_subs_and_pools_are_the_local_ones(gt_output):
    source = _private_output(gt_output)
    data = SourceReader(open_location(source)).load(keep=False)
    ids = _identities(source).set_index("worker_id").sort_index()
    local = data.answers.groupby("worker_id")[["sub", "issuer"]].first().sort_index()
    assert len(ids) == 4 and ids["sub"].notna().sum() >= 3  # every worker; the subs the answers carry
    pd.testing.assert_frame_equal(ids.astype(object).where(ids.notna(), None),
                                  local.astype(object).where(local.notna(), None), check_index_type=False)
    assert user_pools(ids.reset_index()) == user_pools(data.answers) != []  # the pools Cognito is asked for

    named = {ids["sub"].dropna().iloc[0]: "Ana", gt_output.worker_id(4): "Dee"}  # by sub, and by worker ID
    shown = display_names(ids[["sub"]], named).to_dict()
    assert shown == shown_names(data, named, anonymize=False)
    assert {"Ana", "Dee"} <= set(shown.values())


def test_the_bird_job_has_no_pool_and_shows_ids(birds_dir):
    """Public workforce (2019): no sub, no issuer; names come only from a CSV by worker ID."""
    ids = _identities(str(birds_dir))
    assert len(ids) == 97 and ids["issuer"].isna().all() and user_pools(ids) == []


def test_the_trino_form_parses_and_calls_only_trino_functions():
    trino = qualified(None, {"answers": "SELECT * FROM gc.gc_answers_x WHERE job IN ('a')"}, "trino",
                      sql=aw.IDENTITIES)
    assert "FILTER(WHERE" in trino.replace(" (", "(") and "gc.gc_answers_x" in trino
    assert called(trino) - TRINO_FUNCTIONS == set()


def _seen(source: str) -> pd.DataFrame:
    from core.engine import athena_names as an

    return _answers_view(source).execute(an.seen_sql("all_answers", "duckdb")).df()


def test_who_the_annotations_workers_are_names_them_as_locally(gt_output):
    """The Annotations page's read of who the workers are (core.engine.athena_names.SEEN): Worker N in the
    local order (first submission, undated last, then id), and names by sub or worker ID as locally."""
    from core.engine import athena_names as an

    source = _private_output(gt_output)
    data = SourceReader(open_location(source)).load(keep=False)
    seen = _seen(source)
    assert an.anonymous(seen) == shown_names(data, {}, anonymize=True)
    assert sorted(an.anonymous(seen).values()) == [f"Worker {i}" for i in range(1, 5)]
    ids = seen.set_index("worker_id")
    named = {ids["sub"].dropna().iloc[0]: "Ana", gt_output.worker_id(4): "Dee"}
    assert an.named(seen, named) == shown_names(data, named, anonymize=False)
    assert user_pools(seen) == user_pools(data.answers) != []


def test_the_bird_jobs_workers_are_numbered_as_locally(birds_dir):
    """97 public-workforce workers: the order of first submission decides every number."""
    from core.engine import athena_names as an

    data = SourceReader(open_location(str(birds_dir))).load(keep=False)
    numbered = an.anonymous(_seen(str(birds_dir)))
    assert numbered == shown_names(data, {}, anonymize=True) and len(numbered) == 97


def test_the_seen_query_in_trino_parses_and_calls_only_trino_functions():
    from core.engine import athena_names as an

    trino = an.seen_sql("SELECT * FROM gc.gc_answers_x WHERE job IN ('a')")
    assert "gc.gc_answers_x" in trino and called(trino) - TRINO_FUNCTIONS == set()
