"""The Annotations page's first-tab counts of classification jobs on a query engine
(core.engine.athena_annotations): annotations per class per period, counted by the Athena engine's
queries run by DuckDB over the same files, and units per class from the output manifests, equal
core.annotations.reports' over_time and class_counts on the real 2019 bird job and on constructed
private-workforce output; the queries in Trino's dialect parse and call only Trino's functions."""

from __future__ import annotations

import pandas as pd
import pytest
import sqlglot
from athena_on_duckdb import answers_on_duckdb
from test_athena_quality import TABLES, simulated_job, uploaded  # noqa: F401  (the fixture, by name; tests/unit is on sys.path)
from test_athena_views import _private_output, _staged_view
from test_metrics_engine import TRINO_FUNCTIONS, called

from core.annotations.reports import class_counts, over_time
from core.annotations.source import read_source
from core.annotations.summary import annotation_summary
from core.engine import athena_annotations as aa
from core.engine import athena_quality as aq
from core.engine import athena_workers as aw
from core.engine.athena_tables import qualified
from core.storage import open_location


def on_duckdb(location, tmp_path):
    """The ask, tables and jobs of the Athena engine, its queries run by DuckDB over the local folder."""
    found = aw.survey(location)
    jobs = aq.read_jobs(location, found.manifests)
    files = {job: [location.store.path_of(i.key) for i in infos] for job, infos in found.responses.items()}
    con = answers_on_duckdb(files, "answers")
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


def test_a_simulated_jobs_counts_are_the_local_ones(tmp_path):
    location = simulated_job(tmp_path)
    ask, jobs, measured = on_duckdb(location, tmp_path)
    table = local_table(location, measured)
    for freq in ("D", "h"):
        expected = over_time(table, freq)
        remote = aa.over_time(ask, TABLES, freq, "duckdb")
        assert remote["annotations"].sum() == 90 and remote.attrs == expected.attrs  # 30 images x 3 workers
        pd.testing.assert_frame_equal(remote, expected, check_dtype=False)
    counts = aa.class_counts(jobs, measured)
    assert counts["annotations"].sum() == 30
    pd.testing.assert_frame_equal(counts, class_counts(table), check_dtype=False)


def test_no_dated_answers_give_the_empty_frame(gt_output, tmp_path):
    source = _private_output(gt_output)
    ask, _, _ = on_duckdb(open_location(source), tmp_path)
    none = dict(TABLES, answers="SELECT * FROM answers WHERE submission_time IS NULL")
    remote = aa.over_time(ask, none, "D", "duckdb")
    assert remote.empty and list(remote.columns) == ["period", "label", "annotations"]


def test_every_query_athena_gets_for_the_counts_is_trino_sql():
    """The whole chain in Trino's dialect (the bounds, the classes, the counts over the class answers as a
    subquery): each parses, reads only the tables named, and calls only Trino's functions."""
    tables = {"answers": "SELECT * FROM gc.gc_answers_x WHERE job IN ('a')", "quality_jobs": "gc.gc_quality_jobs_1"}
    sent = []
    answers = iter([pd.DataFrame({"first_time": ["2024-03-12 09:00:00.000"], "last_time": ["2024-03-13 10:00:00.000"]}),
                    pd.DataFrame({"worker_id": ["Cat"], "worker_no": [1]}),
                    pd.DataFrame({"period_no": [0, 1], "worker_no": [1, 1], "labels": [2, 0]})])
    out = aa.over_time(lambda sql: sent.append(sql) or next(answers), tables, "D")
    assert out["annotations"].tolist() == [2] and len(sent) == 3
    for sql in sent:
        tree = sqlglot.parse_one(sql, read="trino")
        assert {t.sql("trino") for t in tree.find_all(sqlglot.exp.Table) if t.db} == {
            "gc.gc_answers_x", "gc.gc_quality_jobs_1 AS j"}
        extra = {"FLOOR", "SEQUENCE", "GREATEST"}  # Trino's too, as test_athena_race allows them
        assert {c for c in called(sql) if c.isidentifier()} - TRINO_FUNCTIONS - extra == set(), sql


def test_the_trino_form_parses_and_calls_only_trino_functions():
    tables = {"answers": "SELECT * FROM gc.gc_answers_x WHERE job IN ('a')", "quality_jobs": "gc.gc_quality_jobs_1"}
    trino = qualified(None, tables, "trino", sql=aa.CLASS_ANSWERS)
    tree = sqlglot.parse_one(trino, read="trino")
    assert {t.sql("trino") for t in tree.find_all(sqlglot.exp.Table) if t.db} == {"gc.gc_answers_x",
                                                                                 "gc.gc_quality_jobs_1 AS j"}
    assert {c for c in called(trino) if c.isidentifier()} - TRINO_FUNCTIONS == set()


# --- the command: `annotations s3://... --engine athena`, its Athena round trip on botocore's Stubber --------------

def test_the_command_prints_the_local_counts(uploaded, moto_settings, monkeypatch, capsys, tmp_path):  # noqa: F811
    import io

    from botocore.stub import ANY, Stubber
    from test_athena_quality import RESULTS, SOURCE, athena_page

    import core.aws
    from core.cli import main
    from core.tables import format_table

    folder, athena = uploaded
    real = core.aws.client
    monkeypatch.setattr(core.aws, "client", lambda service, *a, **k: athena if service == "athena" else real(
        service, *a, **k))
    cli = ["annotations", SOURCE, "--workspace", "aws", "--endpoint-url", moto_settings.endpoint_url, "--region",
           "us-east-1", "--engine", "athena", "--glue-database", "gc", "--athena-results", RESULTS, "--format", "csv",
           "--jobs", "pets"]  # the classification job (every task type: tests/cli/test_quality_athena_every_type.py)
    location = open_location(folder)
    table = local_table(location, ["pets"])

    assert main(cli) == 0  # the local command's summary: from the output manifest, no Athena call (nothing stubbed)
    out = capsys.readouterr()
    assert "no Athena query" in out.err
    assert out.out.strip() == format_table(annotation_summary(table), "csv").strip()

    assert main([*cli, "--over-time", "h", "--dry-run"]) == 0
    plan_text = capsys.readouterr().err
    assert "Cost estimate: 4 queries reading" in plan_text
    ddl = plan_text[plan_text.index("CREATE DATABASE"):].rstrip().removesuffix(";").split(";\n\n")
    ask, _, _ = on_duckdb(location, tmp_path)
    frames = []
    aa.over_time(lambda sql: frames.append(ask(sql)) or frames[-1], TABLES, "h", "duckdb")
    request = {"WorkGroup": "primary", "QueryExecutionContext": {"Database": "gc"},
               "ResultConfiguration": {"OutputLocation": RESULTS}}
    qid = "11111111-2222-3333-4444-555555555555"
    done = {"QueryExecution": {"QueryExecutionId": qid, "Status": {"State": "SUCCEEDED"},
                               "Statistics": {"DataScannedInBytes": 100}}}
    with Stubber(athena) as stub:
        for statement in [*ddl, *[ANY] * len(frames)]:
            stub.add_response("start_query_execution", {"QueryExecutionId": qid}, {"QueryString": statement,
                                                                                   **request})
            stub.add_response("get_query_execution", done, {"QueryExecutionId": qid})
            if statement is ANY:
                stub.add_response("get_query_results", athena_page(frames.pop(0)), {"QueryExecutionId": qid})
        assert main([*cli, "--over-time", "h"]) == 0
        stub.assert_no_pending_responses()
    out = capsys.readouterr()
    assert "3 query(ies) run on Athena" in out.err and "Traceback" not in out.err  # 4 reads: one query reads twice
    assert out.out.strip() == format_table(over_time(table, "h"), "csv").strip()
    assert len(pd.read_csv(io.StringIO(out.out))) > 2


@pytest.mark.parametrize(("extra", "message"), [(["--over-time", "fortnightly"], "--over-time:"),
                                                (["--jobs", "nope"], "no job named nope")])
def test_what_the_command_cannot_do_is_said_in_one_line(uploaded, moto_settings, capsys, extra,  # noqa: F811
                                                        message):
    from test_athena_quality import RESULTS, SOURCE

    from core.cli import main

    cli = ["annotations", SOURCE, "--workspace", "aws", "--endpoint-url", moto_settings.endpoint_url, "--engine",
           "athena", "--glue-database", "gc", "--athena-results", RESULTS, *extra]
    assert main(cli) == 2
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err
