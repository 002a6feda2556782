"""The Workers page's charts of labels per worker and time per label on the Athena engine
(core.engine.athena_worker_charts): its one query, run by DuckDB over the `answers` view of the same
files as Athena would run it, gives core.workers.worker_charts' order and frames exactly, on the
demo workspace and on constructed output with tied times, missing times, a worker with one timed
answer and ids sharing a shown name; its Trino text parses and calls only Trino's functions."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import duckdb
import pandas as pd
import pytest
import sqlglot
from athena_on_duckdb import answers_on_duckdb
from test_athena_race import _answers_view  # tests/unit is on sys.path

from core.engine import athena_worker_charts as awc
from core.engine import athena_workers as aw
from core.engine.athena_tables import dated
from core.ingest import SourceReader
from core.storage import open_location
from core.workers import Selection, WorkerCharts, shown_names, worker_charts

T0 = datetime(2024, 3, 12, 9, 0, tzinfo=UTC)


def on_duckdb(con: duckdb.DuckDBPyConnection, answers: str, names: dict[str, str]) -> WorkerCharts:
    return awc.worker_charts(lambda sql: con.execute(sql).df(), answers, names, "duckdb")


def same(remote: WorkerCharts, expected: WorkerCharts) -> None:
    assert remote.order == expected.order
    pd.testing.assert_frame_equal(remote.per_job, expected.per_job)
    pd.testing.assert_frame_equal(remote.seconds, expected.seconds)


def _timed_output(gt) -> str:
    """Tied times, answers without a time (neither active seconds nor an acceptance time), a worker
    with one timed answer, one with none, times that interpolate to fractions, two jobs."""
    a = gt.answer
    tie = [a(1, "Cat", T0 + timedelta(seconds=s), 3.0) for s in range(4)]
    spread = [a(2, "Dog", T0 + timedelta(minutes=m), t) for m, t in enumerate((0.1, 7.3, 2.2, 19.9, 0.7))]
    one = [a(3, "Cat", T0 + timedelta(hours=1), 4.4), a(3, "Cat", T0 + timedelta(hours=1, seconds=1), None,
                                                          accepted=None)]
    untimed = [a(4, "Owl", T0 + timedelta(hours=2), None, accepted=None)]
    gt.job("pets", {0: tie[:2] + spread[:3], 1: tie[2:] + one, 2: untimed + spread[3:]}, {0: "Cat", 1: "Cat", 2: "Owl"})
    gt.job("pets-2", {0: [a(2, "Dog", T0 + timedelta(days=1), 1.3), a(5, "Dog", T0 + timedelta(days=1), 2.0)],
                      1: [a(5, "Cat", T0 + timedelta(days=1, hours=1), 2.0), a(1, "Cat", T0 + timedelta(days=2), 8.0)]})
    return str(gt.root)


def _both(source: str, names: dict[str, str]) -> tuple[WorkerCharts, WorkerCharts]:
    data = SourceReader(open_location(source)).load(keep=False)
    con = _answers_view(source)
    return on_duckdb(con, "all_answers", names), worker_charts(data.answers, names)


def test_ties_missing_times_and_one_timed_answer_as_locally(gt_output):
    source = _timed_output(gt_output)
    w = gt_output.worker_id
    names = {w(n): f"Worker {n}" for n in range(1, 6)}
    remote, expected = _both(source, names)
    same(remote, expected)
    seconds = remote.seconds.set_index("worker")
    assert list(seconds.loc["Worker 1"]) == [3.0, 3.0, 3.0, 3.0, 8.0]  # ties
    assert list(seconds.loc["Worker 3"]) == [4.4] * 5  # one timed answer
    assert "Worker 4" not in seconds.index and "Worker 4" in remote.order  # labels, no time
    assert seconds.loc["Worker 2", "q1"] not in {0.1, 0.7, 1.3, 2.2, 7.3, 19.9}  # interpolated


def test_ids_sharing_a_shown_name_are_pooled_before_the_quantiles(gt_output):
    source = _timed_output(gt_output)
    w = gt_output.worker_id
    # 1 and 2 share a name; 5 is named like 3's id, and 3 has no name: shown as itself, so pooled too.
    names = {w(1): "Ana", w(2): "Ana", w(4): "Bo", w(5): w(3)}
    assert awc.merged(names) == {w(2): w(1)}
    data = SourceReader(open_location(source)).load(keep=False)
    con, sent = _answers_view(source), []
    remote = awc.worker_charts(lambda sql: sent.append(sql) or con.execute(sql).df(), "all_answers", names, "duckdb")
    same(remote, worker_charts(data.answers, names))
    assert len(sent) == 2 and "VALUES" in sent[1]  # 3 found unnamed and spelled like 5's name: asked again
    assert remote.order[0] == "Ana" and list(remote.seconds["worker"]) == ["Ana", w(3)]  # Bo has no time
    assert remote.per_job.groupby("worker")["labels"].sum()["Ana"] == 11  # 5 + 6 answers


@pytest.mark.parametrize("anonymize", [False, True])
def test_the_demo_workspace_as_locally(demo, anonymize):
    location = demo.open(demo.output_uri)
    data = SourceReader(location).load(keep=False)
    names = shown_names(data, {}, anonymize)
    expected = worker_charts(data.answers, names)
    found = aw.survey(location)
    files = {job: [location.store.path_of(i.key) for i in infos] for job, infos in found.responses.items()}
    con = answers_on_duckdb(files)
    assert len(expected.order) > 5 and not expected.seconds.empty
    same(on_duckdb(con, "all_answers", names), expected)
    # The chosen jobs and days, as the plan restricts them (core.engine.athena_tables.dated).
    jobs = sorted(data.answers["job"].value_counts().index[:2])
    day = data.answers.loc[data.answers["job"].isin(jobs), "submission_time"].dropna().min().date()
    chosen = Selection(tuple(jobs), day, day + timedelta(days=1)).apply(data)[0]
    remote = on_duckdb(con, dated("all_answers", day, day + timedelta(days=1), jobs), names)
    assert 0 < len(chosen) < len(data.answers)
    same(remote, worker_charts(chosen, names))


def test_no_timed_answer_gives_the_local_empty_box(gt_output):
    source = _timed_output(gt_output)
    con = _answers_view(source)
    names = {gt_output.worker_id(n): f"W{n}" for n in range(1, 6)}
    assert awc.merged(names) == {} and "VALUES" not in awc.charts_query("t", names, "duckdb")  # unique: no list
    untimed = "SELECT * FROM all_answers WHERE time_spent_s IS NULL"
    data = SourceReader(open_location(source)).load(keep=False)
    expected = worker_charts(data.answers[data.answers["time_spent_s"].isna()], {})
    same(on_duckdb(con, untimed, {}), expected)
    assert expected.seconds.empty


@pytest.mark.parametrize("names", [{}, {"a": "Ana", "b": "Ana", "c": "O'Neil"}])
def test_the_trino_form_parses_and_calls_only_trino_functions(names):
    from test_metrics_engine import TRINO_FUNCTIONS, called

    over = dated("gc.gc_answers_x", date(2024, 3, 12), None, ["pets"])
    sql = awc.charts_query(over, names)
    tree = sqlglot.parse_one(sql, read="trino")
    tables = list(tree.find_all(sqlglot.exp.Table))
    assert {t.sql("trino") for t in tables if t.db} == {"gc.gc_answers_x"}
    assert "answers" not in {t.name for t in tables if not t.db}  # replaced by the chosen answers
    assert ("'O''Neil'" in sql) is False and ("VALUES" in sql) == bool(names)  # ids go in, never names
    names_called = {c for c in called(sql) if c.isidentifier()}
    assert names_called - TRINO_FUNCTIONS - {"FLOOR"} == set(), sql
    assert "APPROX_PERCENTILE" not in names_called  # the five numbers are exact
