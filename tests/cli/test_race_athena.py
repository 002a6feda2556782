"""`python -m core race s3://... --engine athena`, run as users run it, against the moto server for
S3 and Athena: the labels per worker per period are counted by Athena's queries (queued here as
Athena would return them, computed by the same SQL on DuckDB over the same files, as
tests/unit/test_athena_race.py proves), and the race is the local one, byte for byte."""

from __future__ import annotations

import pytest
from athena_on_duckdb import answers_on_duckdb
from test_athena_views import _private_output  # noqa: F401  (tests/unit is on sys.path)
from test_workers_athena import RESULTS, SOURCE, queue, run, uploaded  # noqa: F401  (the fixture, by name)
from test_workers_cli import clean_env

from core.engine import athena_race
from core.engine import athena_workers as aw
from core.engine.athena_tables import qualified
from core.storage import AwsSettings, open_location

pytestmark = pytest.mark.slow  # subprocesses and a moto server


def race(*args: str, env: dict):
    import subprocess
    import sys

    from test_workers_cli import REPO_ROOT

    return subprocess.run([sys.executable, "-m", "core", "race", *args], cwd=REPO_ROOT, capture_output=True,
                          text=True, timeout=180, env=env)


def athena_answers(folder, period: str):
    """What Athena would answer for the race, query by query: run by DuckDB over the same files."""
    location = open_location(str(folder))
    found = aw.survey(location)
    files = {job: [location.store.path_of(i.key) for i in infos] for job, infos in found.responses.items()}
    con = answers_on_duckdb(files, "answers")
    frames = []

    def ask(sql):
        frames.append(con.execute(sql).df())
        return frames[-1]

    athena_race.labels_over_time(ask, "answers", period, "duckdb")
    frames.append(con.execute(qualified("anonymous_order", {"answers": "answers"}, "duckdb")).df())
    return frames


def test_the_athena_race_is_the_local_race(uploaded, moto_settings, tmp_path):  # noqa: F811
    folder, _ = uploaded
    endpoint = moto_settings.endpoint_url
    env = clean_env(GC_WORKSPACE="aws", AWS_ACCESS_KEY_ID="testing", AWS_SECRET_ACCESS_KEY="testing",
                    AWS_DEFAULT_REGION="eu-west-1", AWS_ENDPOINT_URL_ATHENA=endpoint, GC_CACHE_DIR=str(tmp_path))
    common = ["--endpoint-url", endpoint, "--region", "eu-west-1", "--period", "h", "--anonymize",
              "--format", "html"]
    local = race(SOURCE, *common, "--out", str(tmp_path / "local.html"), env=env)
    assert local.returncode == 0, local.stderr

    location = open_location(SOURCE, AwsSettings(endpoint_url=endpoint, region="eu-west-1"))
    found = aw.survey(location)
    plan = aw.plan(location, "gc", RESULTS, tables=aw.manifest_tables(location, aw.Survey(found.uri)), found=found)
    queue(endpoint, [None] * len(plan.ddl()) + athena_answers(folder, "h"))
    athena = race(SOURCE, *common, "--out", str(tmp_path / "athena.html"), "--engine", "athena", "--glue-database",
                  "gc", "--athena-results", RESULTS, "--verbose", env=env)
    assert athena.returncode == 0, athena.stderr
    assert "Cost estimate: 5 queries reading" in athena.stderr  # bounds, workers, counts (twice), the order
    assert "CREATE EXTERNAL TABLE IF NOT EXISTS `gc`.`gc_worker_responses_" in athena.stderr
    assert "4 query(ies) run on Athena" in athena.stderr
    assert athena.stdout.splitlines()[0] == local.stdout.splitlines()[0]  # the summary line: totals and leaders
    assert "Worker 1" in athena.stdout
    assert (tmp_path / "athena.html").read_bytes() == (tmp_path / "local.html").read_bytes()


def test_names_from_a_csv_give_the_local_race(uploaded, moto_settings, tmp_path, gt_output):  # noqa: F811
    """--names on Athena: each worker's sub from one more query (core.engine.athena_workers.identities),
    names by sub or worker ID as locally; the HTML race is the local one, byte for byte."""
    from test_athena_identities import _identities  # tests/unit

    folder, _ = uploaded
    endpoint = moto_settings.endpoint_url
    subs = _identities(str(folder))["sub"].dropna()
    names = tmp_path / "names.csv"
    names.write_text(f"sub,name\n{subs.iloc[0]},Ana Lopez\n{gt_output.worker_id(4)},Dee\n")
    env = clean_env(GC_WORKSPACE="aws", AWS_ACCESS_KEY_ID="testing", AWS_SECRET_ACCESS_KEY="testing",
                    AWS_DEFAULT_REGION="eu-west-1", AWS_ENDPOINT_URL_ATHENA=endpoint, GC_CACHE_DIR=str(tmp_path))
    common = ["--endpoint-url", endpoint, "--region", "eu-west-1", "--period", "h", "--names", str(names),
              "--format", "html"]
    local = race(SOURCE, *common, "--out", str(tmp_path / "local.html"), env=env)
    assert local.returncode == 0, local.stderr

    location = open_location(SOURCE, AwsSettings(endpoint_url=endpoint, region="eu-west-1"))
    found = aw.survey(location)
    plan = aw.plan(location, "gc", RESULTS, tables=aw.manifest_tables(location, aw.Survey(found.uri)), found=found)
    queue(endpoint, [None] * len(plan.ddl()) + athena_answers(folder, "h")[:3] + [_identities(str(folder))])
    athena = race(SOURCE, *common, "--out", str(tmp_path / "athena.html"), "--engine", "athena", "--glue-database",
                  "gc", "--athena-results", RESULTS, env=env)
    assert athena.returncode == 0, athena.stderr
    assert "Cost estimate: 5 queries reading" in athena.stderr  # bounds, workers, counts (twice), the subs
    assert "Ana Lopez" in athena.stdout and athena.stdout.splitlines()[0] == local.stdout.splitlines()[0]
    assert (tmp_path / "athena.html").read_bytes() == (tmp_path / "local.html").read_bytes()


def test_what_the_athena_race_cannot_do_is_said_before_anything_runs(uploaded, moto_settings, tmp_path):  # noqa: F811
    env = clean_env(GC_WORKSPACE="aws", AWS_ACCESS_KEY_ID="testing", AWS_SECRET_ACCESS_KEY="testing",
                    AWS_DEFAULT_REGION="eu-west-1", GC_CACHE_DIR=str(tmp_path))
    base = [SOURCE, "--out", str(tmp_path / "r.html"), "--engine", "athena", "--glue-database", "gc",
            "--athena-results", RESULTS, "--endpoint-url", moto_settings.endpoint_url]
    names = race(*base, "--names", str(tmp_path / "missing.csv"), env=env)  # read before anything is listed
    assert names.returncode == 2 and "missing.csv" in names.stderr and "Traceback" not in names.stderr
    period = race(*base, "--period", "fortnight", env=env)
    assert period.returncode == 2 and "--period" in period.stderr and "Traceback" not in period.stderr
    dry = race(*base, "--dry-run", env=env)
    assert dry.returncode == 0 and "Cost estimate: 4 queries reading" in dry.stderr
    parquet = race(*base, "--dry-run", "--parquet", env=env)  # the copy is shown, and priced, before it runs
    assert parquet.returncode == 0 and "Cost estimate: 5 queries reading" in parquet.stderr
    assert "Then a Parquet copy of these answers, partitioned by job, is written to" in parquet.stderr
    assert 'CREATE TABLE "gc"."gc_answers_parquet_' in parquet.stderr
    assert not (tmp_path / "r.html").exists()
