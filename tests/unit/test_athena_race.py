"""Labels per worker per period on a query engine (core.engine.athena_race), the race's counts: the
Athena engine's `answers` view and queries, run by DuckDB over the same files, give
core.metrics.labels_over_time's frame exactly, for every kind of period (fixed lengths, weeks from
Monday, months, a grid coarsened past its limit); and the same queries in Trino's dialect parse."""

from __future__ import annotations

import duckdb
import pandas as pd
import pytest
import sqlglot
from athena_on_duckdb import answers_on_duckdb
from test_athena_views import _private_output  # tests/unit is on sys.path

from core import metrics
from core.engine import athena_race
from core.engine import athena_workers as aw
from core.ingest import SourceReader
from core.storage import open_location


def _answers_view(source: str) -> duckdb.DuckDBPyConnection:
    location = open_location(source)
    found = aw.survey(location)
    files = {job: [location.store.path_of(i.key) for i in infos] for job, infos in found.responses.items()}
    con = answers_on_duckdb(files)
    return con


def same(remote: pd.DataFrame, expected: pd.DataFrame) -> None:
    assert remote.attrs == expected.attrs
    remote, expected = remote.copy(), expected.copy()
    for frame in (remote, expected):
        frame["worker_id"] = frame["worker_id"].astype(object)
        frame["labels"] = frame["labels"].astype("int64")
    pd.testing.assert_frame_equal(remote, expected)


@pytest.mark.parametrize(("freq", "limit"), [("h", 500), ("D", 500), ("5min", 500), ("2h", 500), ("week", 500),
                                             ("month", 500), ("5min", 5)])
def test_private_output_counts_as_locally(gt_output, freq, limit):
    source = _private_output(gt_output)
    data = SourceReader(open_location(source)).load(keep=False)
    expected = metrics.labels_over_time(data.answers, freq, limit)
    con = _answers_view(source)
    remote = athena_race.labels_over_time(lambda sql: con.execute(sql).df(), "all_answers", freq, "duckdb", limit)
    assert expected["labels"].sum() == data.answers["submission_time"].notna().sum() > 5  # every dated answer
    same(remote, expected)
    if limit == 5:
        assert remote.attrs["note"] and remote.attrs["step"] != "5 min"  # coarsened, and said


def test_the_real_bird_job_counts_as_locally(birds_dir):
    data = SourceReader(open_location(str(birds_dir))).load(keep=False)
    con = _answers_view(str(birds_dir))
    for freq in ("5min", "h"):
        expected = metrics.labels_over_time(data.answers, freq)
        remote = athena_race.labels_over_time(lambda sql: con.execute(sql).df(), "all_answers", freq, "duckdb")
        assert remote["labels"].sum() == 1510
        same(remote, expected)


def test_no_dated_answers_give_the_empty_frame(gt_output):
    source = _private_output(gt_output)
    con = _answers_view(source)
    none = "SELECT * FROM all_answers WHERE submission_time IS NULL"
    remote = athena_race.labels_over_time(lambda sql: con.execute(sql).df(), none, "h", "duckdb")
    assert remote.empty and remote.attrs == {"step": "h", "note": None}


@pytest.mark.parametrize("unit", ["us", "m", "h", "D", "M", "Y"])
def test_the_trino_form_parses_and_calls_only_trino_functions(unit):
    """Every query the race sends Athena, in Trino's dialect: it parses, reads the answers it is given,
    and calls only functions Trino has (the allow-list of test_metrics_engine, and the few date and
    number functions used here, all Trino's: floor, year, month, sequence, greatest)."""
    from test_metrics_engine import TRINO_FUNCTIONS, called

    from core.bounds import LADDER, _Step
    from core.engine.athena_tables import qualified

    step = next((s for s in LADDER if s.unit == unit), _Step("2h", "us", 7_200_000_000))
    over = {"answers": "gc.gc_answers_x"}
    tables = {"dated": qualified(None, over, "trino", sql=athena_race.dated_sql(step, 123)),
              "grid": sqlglot.transpile("SELECT UNNEST(GENERATE_SERIES(0, 9)) AS period_no", read="duckdb",
                                        write="trino")[0]}
    for sql in (qualified(None, over, "trino", sql=athena_race.BOUNDS), tables["dated"],
                qualified("active_workers", tables), qualified("period_counts", tables)):
        tree = sqlglot.parse_one(sql, read="trino")
        found = list(tree.find_all(sqlglot.exp.Table))
        assert {t.sql("trino") for t in found if t.db} == {"gc.gc_answers_x AS answers"}
        assert not {t.name for t in found if not t.db} & {"answers", "dated", "grid"}  # each one replaced
        names = {c for c in called(sql) if c.isidentifier()}  # not an operator before a parenthesis: "- ("
        assert names - TRINO_FUNCTIONS - {"FLOOR", "YEAR", "MONTH", "SEQUENCE", "GREATEST"} == set(), sql


@pytest.mark.parametrize(("freq", "anonymize"), [("h", False), ("5min", True), ("D", False), ("week", True)])
def test_the_race_table_from_counts_is_the_local_race_table(gt_output, freq, anonymize):
    from core.race.frames import race_table, race_table_of
    from core.workers import shown_names

    source = _private_output(gt_output)
    data = SourceReader(open_location(source)).load(keep=False)
    names = shown_names(data, {}, anonymize=anonymize)
    expected = race_table(data.answers, names, freq)
    con = _answers_view(source)
    over = athena_race.labels_over_time(lambda sql: con.execute(sql).df(), "all_answers", freq, "duckdb")
    table = race_table_of(over, names)
    assert table.attrs == expected.attrs and len(table.columns) == 4
    pd.testing.assert_frame_equal(table, expected, check_index_type=False, check_freq=False)
