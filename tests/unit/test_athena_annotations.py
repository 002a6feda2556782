"""The Annotations page's first-tab counts of classification jobs on a query engine
(core.engine.athena_annotations): annotations per class per period, counted by the Athena engine's
queries run by DuckDB over the same files, and units per class from the output manifests, equal
core.annotations.reports' over_time and class_counts on the real 2019 bird job and on constructed
private-workforce output; the queries in Trino's dialect parse and call only Trino's functions."""

from __future__ import annotations

import duckdb
import pandas as pd
import pytest
import sqlglot
from test_athena_quality import TABLES  # tests/unit is on sys.path
from test_athena_views import _private_output, _staged_view
from test_metrics_engine import TRINO_FUNCTIONS, called

from core.annotations.reports import class_counts, over_time
from core.annotations.source import read_source
from core.engine import athena_annotations as aa
from core.engine import athena_quality as aq
from core.engine import athena_workers as aw
from core.engine.athena_tables import answers_sql, duckdb_responses, qualified
from core.storage import open_location


def on_duckdb(location, tmp_path):
    """The ask, tables and jobs of the Athena engine, its queries run by DuckDB over the local folder."""
    found = aw.survey(location)
    jobs = aq.read_jobs(location, found.manifests)
    files = {job: [location.store.path_of(i.key) for i in infos] for job, infos in found.responses.items()}
    con = duckdb.connect()
    con.execute("SET TimeZone = 'UTC'")
    con.execute(f"CREATE VIEW answers AS {answers_sql('duckdb', duckdb_responses(files))}")
    for table in aq.staged(jobs, found.folders):
        _staged_view(con, table, tmp_path)
    measured = [jobs.name(f) for f in jobs.measured(found.folders)]
    return (lambda sql: con.execute(sql).df()), jobs, measured


def local_table(location, jobs: list[str]) -> pd.DataFrame:
    table = read_source(location).table
    return table[table["job"].isin(jobs)]


@pytest.mark.parametrize("freq", ["D", "h", "5min"])
def test_the_bird_jobs_counts_are_the_local_ones(birds_dir, tmp_path, freq):
    location = open_location(str(birds_dir))
    ask, jobs, measured = on_duckdb(location, tmp_path)
    table = local_table(location, measured)
    expected = over_time(table, freq)
    remote = aa.over_time(ask, TABLES, freq, "duckdb")
    assert remote["annotations"].sum() == 1510 and remote.attrs == expected.attrs
    pd.testing.assert_frame_equal(remote, expected, check_dtype=False)
    counts = aa.class_counts(jobs, measured)
    assert counts["annotations"].sum() == 302  # one consolidated class per image
    pd.testing.assert_frame_equal(counts, class_counts(table), check_dtype=False)


def test_private_output_counts_are_the_local_ones_of_its_classification_job(gt_output, tmp_path):
    source = _private_output(gt_output)
    location = open_location(source)
    ask, jobs, measured = on_duckdb(location, tmp_path)
    assert measured == ["pets"]  # the multi-label job has no output manifest: named, not counted
    table = local_table(location, measured)
    for freq in ("D", "h"):
        expected = over_time(table, freq)
        remote = aa.over_time(ask, TABLES, freq, "duckdb")
        assert remote.attrs == expected.attrs and len(remote) > 2
        pd.testing.assert_frame_equal(remote, expected, check_dtype=False)
    pd.testing.assert_frame_equal(aa.class_counts(jobs, measured), class_counts(table), check_dtype=False)


def test_no_dated_answers_give_the_empty_frame(gt_output, tmp_path):
    source = _private_output(gt_output)
    ask, _, _ = on_duckdb(open_location(source), tmp_path)
    none = dict(TABLES, answers="SELECT * FROM answers WHERE submission_time IS NULL")
    remote = aa.over_time(ask, none, "D", "duckdb")
    assert remote.empty and list(remote.columns) == ["period", "label", "annotations"]


def test_the_trino_form_parses_and_calls_only_trino_functions():
    tables = {"answers": "SELECT * FROM gc.gc_answers_x WHERE job IN ('a')", "quality_jobs": "gc.gc_quality_jobs_1"}
    trino = qualified(None, tables, "trino", sql=aa.CLASS_ANSWERS)
    tree = sqlglot.parse_one(trino, read="trino")
    assert {t.sql("trino") for t in tree.find_all(sqlglot.exp.Table) if t.db} == {"gc.gc_answers_x",
                                                                                 "gc.gc_quality_jobs_1 AS j"}
    assert {c for c in called(trino) if c.isidentifier()} - TRINO_FUNCTIONS == set()
