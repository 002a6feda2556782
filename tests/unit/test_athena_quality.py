"""The quality report of classification jobs on a query engine (core.engine.athena_quality): the
Athena engine's `answers` view, staged tables and two queries, run by DuckDB over the same files,
give core.quality.report.quality_report's rows (answers, exact match, alpha) on the real 2019 bird
job, on constructed private-workforce output and on a job of the local simulator; other task types
are named, never dropped silently; and the queries in Trino's dialect parse and call only Trino's
functions."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import numpy as np
import pandas as pd
import pytest
import sqlglot
from athena_on_duckdb import answers_on_duckdb
from test_athena_views import _private_output, _staged_view  # tests/unit is on sys.path
from test_gold_queue import digits_job
from test_metrics_engine import TRINO_FUNCTIONS, called

from core.annotations.source import read_source
from core.engine import athena_quality as aq
from core.engine import athena_workers as aw
from core.engine.athena_tables import dated, qualified
from core.quality.agreement import nominal_alpha
from core.quality.report import quality_report
from core.storage import open_location

TABLES = {"answers": "answers", "quality_jobs": "quality_jobs", "quality_reference": "quality_reference"}


def on_duckdb(location, tmp_path) -> tuple[pd.DataFrame, aq.Jobs]:
    """The Athena engine's report, its queries run by DuckDB over the local folder of `location`."""
    found = aw.survey(location)
    jobs = aq.read_jobs(location, found.manifests)
    files = {job: [location.store.path_of(i.key) for i in infos] for job, infos in found.responses.items()}
    con = answers_on_duckdb(files)
    con.execute(f"CREATE VIEW answers AS {dated('all_answers', None, None, found.folders)}")
    for table in aq.staged(jobs, found.folders):
        _staged_view(con, table, tmp_path)
    return aq.quality_report(lambda sql: con.execute(sql).df(), TABLES, "duckdb"), jobs


def local(location) -> pd.DataFrame:
    report = quality_report(read_source(location).table)
    return report[report["task_type"].eq("classification")].reset_index(drop=True)


def same(remote: pd.DataFrame, expected: pd.DataFrame) -> None:
    """Equal, alpha to 1e-9 (its sums are added in another order); every other figure exactly."""
    pd.testing.assert_frame_equal(remote.drop(columns="alpha"), expected.drop(columns="alpha"), check_dtype=False)
    np.testing.assert_allclose(remote["alpha"].to_numpy(float), expected["alpha"].to_numpy(float), rtol=0,
                               atol=1e-9)
    assert remote["exact_match"].dtype == "float64" and str(remote["objects"].dtype) == "Int64"


def test_the_real_bird_job_gives_the_local_quality_rows(birds_dir, tmp_path):
    location = open_location(str(birds_dir))
    remote, jobs = on_duckdb(location, tmp_path)
    expected = local(location)
    assert len(remote) == 98 and remote["job"].nunique() == 1  # 97 workers and the job's row
    team = remote[remote["worker"].eq("Team")].iloc[0]
    assert team["objects"] == 1510 and 0 < team["exact_match"] < 1 and 0 < team["alpha"] < 1
    assert list(jobs.own.values()) == [team["job"]]  # the job's own name, not its renamed folder's
    same(remote, expected)


T0 = datetime(2024, 3, 12, 9, 0, tzinfo=UTC)


def test_private_output_gives_the_local_rows_and_names_the_multi_label_job(gt_output, tmp_path):
    source = _private_output(gt_output)
    a = gt_output.answer  # a worker answering an object twice (two iterations): the first answer is theirs
    gt_output.response("pets", 2, 0, [a(2, "Dog", T0 + timedelta(days=2), 1.0), a(4, "Cow", T0 + timedelta(days=2))])
    location = open_location(source)
    remote, jobs = on_duckdb(location, tmp_path)
    expected = local(location)
    assert set(remote["job"]) == {"pets"} and (remote["worker"] == "Team").sum() == 1
    same(remote, expected)
    found = aw.survey(location)
    assert aq.others_line(jobs.others(found.folders)) == (
        "1 job(s) not measured on Athena, which measures classification jobs only; the local engine "
        "(--engine local) measures them (no output manifest, task type unknown: pets-multi)")
    audited = aq.others_line({"label-verification": ["check"], None: ["x"]})
    assert audited.startswith("2 job(s)") and "label-verification: check; no output manifest" in audited
    assert audited.endswith("the audited, pass_rate and adjusted columns their audits give the jobs they checked")


def simulated_job(tmp_path):
    """A 30-image digits classification job of the local simulator, 3 workers an image, completed:
    the Location of its output."""
    from core.manifests import ManifestSpec, plan_manifest, write_parts
    from core.sim.buckets import folder_buckets
    from core.sim.clock import FixedClock
    from core.sim.datasets import write_digits
    from core.sim.service import SimulatedService

    open_uri = folder_buckets(tmp_path / "s3")
    clock = FixedClock(datetime(2026, 3, 2, 9, 0, tzinfo=UTC))  # a Monday morning: the team works
    service = SimulatedService(tmp_path / "state", open_uri, clock, 7)
    digits = write_digits(open_uri, "s3://data/digits", count=40)
    service.register_truth(digits.truth)
    write_parts(open_uri("s3://data/manifests/in.manifest"),
                plan_manifest(open_uri("s3://data/digits/"), ManifestSpec(sample=30, seed=1)).parts)
    service.create_labeling_job(digits_job(service, digits, "digits", "s3://data/manifests/in.manifest"))
    clock.set(clock.now() + timedelta(days=6))
    assert service.describe_labeling_job("digits")["LabelingJobStatus"] == "Completed"
    return open_uri("s3://data/jobs/")


def test_a_simulated_classification_job_gives_the_local_rows(tmp_path):
    location = simulated_job(tmp_path)
    remote, _ = on_duckdb(location, tmp_path)
    expected = local(location)
    assert set(remote["job"]) == {"digits"} and remote.iloc[-1]["objects"] == 90  # 30 images x 3 workers
    same(remote, expected)


def test_alpha_from_the_sums_is_krippendorffs():
    """Objects with one answer do not count; one class among the paired answers has no alpha."""
    answers = pd.DataFrame({"worker": list("abcabcab") + ["d"], "object": [1, 1, 1, 2, 2, 2, 3, 3, 4],
                            "value": list("xxyyyyxy") + ["z"]})
    paired = answers[answers["object"].ne(4)]
    units = paired.groupby(["object", "value"]).size().rename("n").reset_index()
    m = units.groupby("object")["n"].transform("sum")
    per = units.assign(o=units["n"] * (units["n"] - 1) / (m - 1)).groupby("value")
    n_c, o_cc = per["n"].sum(), per["o"].sum()
    got = aq.alpha_of(len(n_c), n_c.sum(), o_cc.sum(), (n_c ** 2).sum())
    assert got == pytest.approx(nominal_alpha(answers), abs=1e-12)
    assert np.isnan(aq.alpha_of(1, 4, 4, 16))


def test_a_manifest_in_a_renamed_folder_names_its_job_and_a_bad_one_is_a_note(gt_output):
    a = gt_output.answer
    gt_output.job("pets", {0: [a(1, "Cat", T0)], 1: [a(2, "Dog", T0)]})
    gt_output.job("copy", {0: [a(1, "Cat", T0)]})
    gt_output.manifest("copy", [gt_output.manifest_line(0, "Cat", "renamed-job")])
    gt_output.manifest("broken", ["{not json"], path="manifests/output/output.manifest")
    location = open_location(str(gt_output.root))
    jobs = aq.read_jobs(location, aw.survey(location).manifests)
    assert jobs.own == {"pets": "pets", "copy": "renamed-job", "broken": "broken"}
    assert jobs.types == {"pets": "classification", "renamed-job": "classification"}
    assert jobs.reference == {("pets", "0"): "Cat", ("pets", "1"): "Dog", ("renamed-job", "0"): "Cat"}
    tables = aq.staged(jobs, ["pets", "copy"])
    assert [json.loads(line) for line in tables[0].body.splitlines()] == [
        {"job": "copy", "own_job": "renamed-job"}, {"job": "pets", "own_job": "pets"}]


def test_the_trino_form_parses_and_calls_only_trino_functions():
    tables = {"answers": "SELECT * FROM gc.gc_answers_x WHERE job IN ('a')", "quality_jobs": "gc.gc_quality_jobs_1",
              "quality_reference": "gc.gc_quality_reference_2"}
    reads = {aq.QUALITY_ROWS: {"gc.gc_answers_x", "gc.gc_quality_jobs_1 AS j", "gc.gc_quality_reference_2 AS r"},
             aq.ALPHA_COUNTS: {"gc.gc_answers_x", "gc.gc_quality_jobs_1 AS j"}}
    for sql, names in reads.items():
        trino = qualified(None, tables, "trino", sql=sql)
        tree = sqlglot.parse_one(trino, read="trino")
        assert {t.sql("trino") for t in tree.find_all(sqlglot.exp.Table) if t.db} == names  # each one replaced
        functions = {c for c in called(trino) if c.isidentifier()}  # not an operator before a parenthesis
        assert functions - TRINO_FUNCTIONS == set(), trino
        assert {"MIN_BY", "SUM", "AVG", "COUNT"} & functions


# --- the command: `quality s3://... --engine athena`, its Athena round trip on botocore's Stubber ------------------

SOURCE, RESULTS = "s3://gt-quality/out/", "s3://gc-quality-results/athena/"
ATHENA_TYPES = {"int64": "bigint", "float64": "double"}


def athena_page(frame: pd.DataFrame) -> dict:
    """A frame as GetQueryResults gives it: a header row, then text values (a NULL has no value)."""
    info = [{"Name": c, "Type": ATHENA_TYPES.get(str(frame[c].dtype), "varchar")} for c in frame.columns]

    def text(v) -> dict:
        if v is None or (not isinstance(v, str) and pd.isna(v)):
            return {}
        return {"VarCharValue": repr(float(v)) if isinstance(v, float) else str(v)}

    rows = [{"Data": [{"VarCharValue": c} for c in frame.columns]}]
    rows += [{"Data": [text(v) for v in row]} for row in frame.itertuples(index=False)]
    return {"ResultSet": {"Rows": rows, "ResultSetMetadata": {"ColumnInfo": info}}}


def duck_answers(folder, tmp_path) -> list[pd.DataFrame]:
    """What Athena would answer to the two queries, in order: the same SQL on DuckDB over the files."""
    frames = []
    location = open_location(str(folder))
    found = aw.survey(location)
    jobs = aq.read_jobs(location, found.manifests)
    files = {job: [location.store.path_of(i.key) for i in infos] for job, infos in found.responses.items()}
    con = answers_on_duckdb(files, "answers")
    for table in aq.staged(jobs, found.folders):
        _staged_view(con, table, tmp_path)

    def ask(sql: str) -> pd.DataFrame:
        frame = con.execute(sql).df()
        wide = [c for c in ("pairable", "squares") if c in frame]  # DuckDB's HUGEINT sums; Trino's are bigint
        frames.append(frame.astype(dict.fromkeys(wide, "int64")))
        return frames[-1]

    aq.quality_report(ask, TABLES, "duckdb")
    return frames


@pytest.fixture
def uploaded(gt_output, moto_settings, monkeypatch, tmp_path):
    """The constructed output in a moto bucket; the command in the AWS workspace, its cache here."""
    import boto3

    from core.aws import client

    folder = _private_output(gt_output)
    s3 = client("s3", moto_settings)
    for bucket in ("gt-quality", "gc-quality-results"):
        s3.create_bucket(Bucket=bucket)
    for path in sorted(p for p in gt_output.root.rglob("*") if p.is_file()):
        s3.put_object(Bucket="gt-quality", Key="out/" + path.relative_to(gt_output.root).as_posix(),
                      Body=path.read_bytes())
    monkeypatch.setenv("GC_CACHE_DIR", str(tmp_path / "cache"))
    athena = boto3.client("athena", region_name="us-east-1")
    return folder, athena


def quality_cli(settings, *extra: str) -> list[str]:
    return ["quality", SOURCE, "--workspace", "aws", "--endpoint-url", settings.endpoint_url, "--region",
            "us-east-1", "--engine", "athena", "--glue-database", "gc", "--athena-results", RESULTS, *extra]


def test_the_command_runs_the_plan_on_athena_and_prints_the_local_rows(uploaded, moto_settings, monkeypatch,
                                                                       capsys, tmp_path):
    import io

    from botocore.stub import ANY, Stubber

    import core.aws
    from core.cli import main
    from core.tables import format_table

    folder, athena = uploaded
    real = core.aws.client
    monkeypatch.setattr(core.aws, "client", lambda service, *a, **k: athena if service == "athena" else real(
        service, *a, **k))
    assert main(quality_cli(moto_settings, "--dry-run")) == 0  # the plan: no Athena call (nothing stubbed)
    assert "pets-multi" in capsys.readouterr().err  # read as answer rows (tests/cli/test_quality_athena_every_type.py)
    assert main(quality_cli(moto_settings, "--dry-run", "--jobs", "pets")) == 0  # the classification job alone
    plan_text = capsys.readouterr().err
    assert "CREATE EXTERNAL TABLE IF NOT EXISTS `gc`.`gc_quality_reference_" in plan_text
    assert "Cost estimate: 2 queries reading" in plan_text and "PARTITION (job = 'pets')" in plan_text
    assert "PARTITION (job = 'pets-multi')" not in plan_text  # only the chosen jobs are read and billed
    assert "answer rows" not in plan_text  # a classification job is measured in SQL

    ddl = plan_text[plan_text.index("CREATE DATABASE"):].rstrip().removesuffix(";").split(";\n\n")  # as shown
    assert len(ddl) == 6 and ddl[-1].startswith("CREATE EXTERNAL TABLE")
    request = {"WorkGroup": "primary", "QueryExecutionContext": {"Database": "gc"},
               "ResultConfiguration": {"OutputLocation": RESULTS}}
    qid = "11111111-2222-3333-4444-55555555555{}"

    def done(stub, i: int, scanned: int | None = None) -> None:
        execution = {"QueryExecutionId": qid.format(i), "Status": {"State": "SUCCEEDED"}}
        if scanned is not None:
            execution["Statistics"] = {"DataScannedInBytes": scanned}
        stub.add_response("get_query_execution", {"QueryExecution": execution}, {"QueryExecutionId": qid.format(i)})

    def the_ddl(stub) -> None:  # DDL is free, and runs on every run (IF NOT EXISTS)
        for i, statement in enumerate(ddl):
            stub.add_response("start_query_execution", {"QueryExecutionId": qid.format(i)},
                              {"QueryString": statement, **request})
            done(stub, i)

    with Stubber(athena) as stub:
        the_ddl(stub)
        for frame in duck_answers(folder, tmp_path):
            stub.add_response("start_query_execution", {"QueryExecutionId": qid.format(9)},
                              {"QueryString": ANY, **request})
            done(stub, 9, scanned=1234)
            stub.add_response("get_query_results", athena_page(frame), {"QueryExecutionId": qid.format(9)})
        assert main(quality_cli(moto_settings, "--format", "csv", "--jobs", "pets")) == 0
        stub.assert_no_pending_responses()
    out = capsys.readouterr()
    assert "2 query(ies) run on Athena, reading 2,468 bytes" in out.err and "Traceback" not in out.err
    expected = local(open_location(folder))
    printed = pd.read_csv(io.StringIO(out.out))
    assert len(printed) == len(expected) == 4 and printed["job"].eq("pets").all()
    assert out.out.strip() == format_table(expected, "csv").strip()  # the local report's rows, as printed

    with Stubber(athena) as stub:  # again: the DDL only, the rows from the cache
        the_ddl(stub)
        assert main(quality_cli(moto_settings, "--format", "csv", "--jobs", "pets")) == 0
        stub.assert_no_pending_responses()
    again = capsys.readouterr()
    assert "0 query(ies) run on Athena" in again.err and again.out == out.out


@pytest.mark.parametrize(("extra", "message"), [
    (["--gold", "gold.csv"], "gold.csv does not exist"),  # gold, matrices and per-class IoU work on Athena too
    (["--matrix", "confusion"], "--matrix is for one job: add --jobs JOB (jobs: pets, pets-multi)"),
    (["--jobs", "nope"], "no job named nope under"),
    (["--per-class"], "--per-class is for segmentation masks, and no segmentation job was found under"),
    (["--max-cost", "0.000001"], "over --max-cost"),
])
def test_what_the_command_cannot_do_is_said_in_one_line(uploaded, moto_settings, capsys, extra, message):
    from core.cli import main

    assert main(quality_cli(moto_settings, *extra)) == 2
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err
