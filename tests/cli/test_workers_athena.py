"""`python -m core workers s3://... --engine athena`, run as users run it, against a moto server
for S3 and Athena (real HTTP, real service models). moto runs no SQL: each query's rows are queued
as Athena would return them, computed by the Athena engine's own SQL on DuckDB over the same files
(the equivalence tests/unit/test_athena_views.py proves). So this checks everything around the SQL:
the listing, the staged tables written to S3, the DDL and the cost shown first, the order of the
round trips, the parsing of Athena's result pages, the report, and the cache."""

from __future__ import annotations

import json
import subprocess
import sys
import urllib.request
from datetime import date
from pathlib import Path

import boto3
import pandas as pd
import pytest
from test_athena_views import _private_output, on_duckdb  # tests/unit is on sys.path
from test_workers_cli import REPO_ROOT, clean_env, rows

from core.engine import athena_workers as aw
from core.engine.sql import QUERIES
from core.storage import AwsSettings, open_location

pytestmark = pytest.mark.slow  # subprocesses and a moto server

SOURCE, RESULTS = "s3://gt-out/out/", "s3://gc-results/athena/"


def athena_rows(frame: pd.DataFrame) -> tuple[list[dict], list[dict]]:
    """A frame as Athena's GetQueryResults gives it: a header row, then text values (NULL: none)."""
    kinds = {"int64": "bigint", "float64": "double", "datetime64[us]": "timestamp"}
    info = [{"Name": c, "Type": kinds.get(str(frame[c].dtype), "varchar")} for c in frame.columns]

    def text(v):
        if v is None or (not isinstance(v, str) and pd.isna(v)):
            return {}
        if isinstance(v, pd.Timestamp):
            return {"VarCharValue": v.strftime("%Y-%m-%d %H:%M:%S.%f")[:-3]}
        return {"VarCharValue": repr(float(v)) if isinstance(v, float) else str(v)}

    header = {"Data": [{"VarCharValue": c} for c in frame.columns]}
    return [header] + [{"Data": [text(v) for v in r]} for r in frame.itertuples(index=False)], info


def queue(endpoint: str, frames: list[pd.DataFrame | None]) -> None:
    results = []
    for frame in frames:
        data, info = athena_rows(frame) if frame is not None else ([], [])
        results.append({"rows": data, "column_info": info})
    body = json.dumps({"region": "eu-west-1", "results": results}).encode()
    urllib.request.urlopen(urllib.request.Request(f"{endpoint}/moto-api/static/athena/query-results", data=body,
                                                  method="POST"), timeout=30)


def run(*args: str, env: dict) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "core", "workers", *args], cwd=REPO_ROOT, capture_output=True,
                          text=True, timeout=180, env=env)


@pytest.fixture
def uploaded(gt_output, moto_settings, tmp_path):
    """The constructed private-workforce output in a moto bucket, and the expected Athena answers."""
    folder = Path(_private_output(gt_output))
    s3 = boto3.client("s3", endpoint_url=moto_settings.endpoint_url, region_name="eu-west-1",
                      aws_access_key_id="testing", aws_secret_access_key="testing")
    for bucket in ("gt-out", "gc-results"):
        try:  # the module's moto server keeps them from an earlier test
            s3.create_bucket(Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": "eu-west-1"})
        except s3.exceptions.BucketAlreadyOwnedByYou:
            pass
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        s3.put_object(Bucket="gt-out", Key="out/" + path.relative_to(folder).as_posix(), Body=path.read_bytes())
    return folder, s3


def test_the_athena_report_is_the_local_report(uploaded, moto_settings, tmp_path):
    folder, s3 = uploaded
    endpoint = moto_settings.endpoint_url
    env = clean_env(GC_WORKSPACE="aws", AWS_ACCESS_KEY_ID="testing", AWS_SECRET_ACCESS_KEY="testing",
                    AWS_DEFAULT_REGION="eu-west-1", AWS_ENDPOINT_URL_ATHENA=endpoint, GC_CACHE_DIR=str(tmp_path))
    common = ["--format", "csv", "--endpoint-url", endpoint, "--region", "eu-west-1"]
    local = run(SOURCE, *common, env=env)
    assert local.returncode == 0, local.stderr

    # What Athena would answer, query by query, in the order the command starts them.
    (tmp_path / "duck").mkdir()
    table = on_duckdb(str(folder), tmp_path / "duck", attributes={"pets": "animal"})
    distinct = on_duckdb(str(folder), tmp_path / "duck", attributes={"pets": "animal"}, query="distinct_labels")
    team = _over_answers(folder, "team_row", table)
    plan = aw.plan(open_location(SOURCE, AwsSettings(endpoint_url=endpoint, region="eu-west-1")), "gc", RESULTS,
                   attributes={"pets": "animal"})
    ddl = len(plan.ddl())
    queue(endpoint, [None] * ddl + [distinct, None, table, None, team])

    athena = run(SOURCE, *common, "--engine", "athena", "--glue-database", "gc", "--athena-results", RESULTS,
                 "--workgroup", "primary", "--verbose", env=env)
    assert athena.returncode == 0, athena.stderr
    states = [line for line in athena.stderr.splitlines() if line.startswith("Athena query ")]
    # every DDL statement, the three queries, and the DDL of the two tables staged on the way
    assert len(states) == len(plan.ddl()) + 3 + 2 and all(line.endswith(": succeeded") for line in states)
    assert "CREATE EXTERNAL TABLE IF NOT EXISTS `gc`.`gc_worker_responses_" in athena.stderr
    assert "PARTITION (job = 'pets') LOCATION 's3://gt-out/out/pets/annotations/worker-response/'" in athena.stderr
    assert "Cost estimate: 3 queries reading" in athena.stderr and "10 MB minimum" in athena.stderr
    assert athena.stderr.index("CREATE EXTERNAL TABLE") < athena.stderr.index("3 query(ies) run on Athena")
    assert rows(athena.stdout) == rows(local.stdout)  # same workers, figures, names and Team row

    staged = s3.list_objects_v2(Bucket="gc-results", Prefix="athena/ground-control/staged/")["Contents"]
    names = {o["Key"].split("/")[-2].rsplit("_", 1)[0] for o in staged}
    assert {"gc_labels", "gc_objects", "gc_job_layers", "gc_source_gold", "gc_label_norms", "gc_workers"} <= names

    again = run(SOURCE, *common, "--engine", "athena", "--glue-database", "gc", "--athena-results", RESULTS, env=env)
    assert again.returncode == 0, again.stderr  # nothing queued: every query's rows come from the cache
    assert rows(again.stdout) == rows(local.stdout) and "0 query(ies) run on Athena" in again.stderr
    assert "3 answered from the cache" in again.stderr


def _over_answers(folder: Path, query: str, table: pd.DataFrame | None = None, since=None,
                  jobs=None) -> pd.DataFrame:
    """A query over the answers (and the worker table), as Athena would run it: of `jobs` (all when None)."""
    from athena_on_duckdb import answers_on_duckdb

    location = open_location(str(folder))
    found = aw.survey(location)
    files = {job: [location.store.uri_of(i.key) for i in infos] for job, infos in found.responses.items()}
    with answers_on_duckdb(files) as con:
        bounds = ([f"submission_time >= TIMESTAMP '{since} 00:00:00'"] if since else []) + (
            [f"job IN ({', '.join(repr(j) for j in jobs)})"] if jobs else [])
        con.execute("CREATE VIEW answers AS SELECT * FROM all_answers"
                    + (f" WHERE {' AND '.join(bounds)}" if bounds else ""))
        if table is not None:  # staged with its times as text (athena_workers.WORKERS)
            times = {c: table[c].dt.strftime("%Y-%m-%d %H:%M:%S.%f") for c in ("first_submission", "last_submission")}
            con.register("workers", table.assign(**times))
        return con.execute(QUERIES[query]).df()


ANONYMOUS_CASES = {  # arguments, their selection (for DuckDB), what the estimate says
    "days": (["--since", "2024-03-13"], {"since": date(2024, 3, 13), "attributes": {"pets": "animal"}},
             ["4 queries reading"]),
    "one job": (["--jobs", "pets-multi"], {"jobs": ["pets-multi"]},
                ["3 queries reading", "and 1 query reading", "PARTITION (job = 'pets') LOCATION",
                 "one more query reads every job's answers (2 jobs, 5 worker-response files)"]),
}


@pytest.mark.parametrize("case", ANONYMOUS_CASES)
def test_anonymous_names_of_chosen_days_or_jobs_are_the_local_ones(uploaded, moto_settings, tmp_path, case):
    """--since or --jobs narrows the answers on Athena; Worker N stays numbered over the whole source,
    as locally: with days, every day of the chosen jobs' (all of them here); with one job, one more
    query over every job's answers, priced at their size, with the unchosen job's partition added."""
    folder, _ = uploaded
    arguments, chosen, said = ANONYMOUS_CASES[case]
    endpoint = moto_settings.endpoint_url
    env = clean_env(GC_WORKSPACE="aws", AWS_ACCESS_KEY_ID="testing", AWS_SECRET_ACCESS_KEY="testing",
                    AWS_DEFAULT_REGION="eu-west-1", AWS_ENDPOINT_URL_ATHENA=endpoint, GC_CACHE_DIR=str(tmp_path))
    common = ["--format", "csv", "--endpoint-url", endpoint, "--region", "eu-west-1", *arguments, "--anonymize"]
    local = run(SOURCE, *common, env=env)
    assert local.returncode == 0, local.stderr
    (tmp_path / "duck").mkdir()
    table = on_duckdb(str(folder), tmp_path / "duck", **chosen)
    distinct = on_duckdb(str(folder), tmp_path / "duck", query="distinct_labels", **chosen)
    since = chosen.get("since")
    team = _over_answers(folder, "team_row", table, since=since and since.isoformat(), jobs=chosen.get("jobs"))
    order = _over_answers(folder, "anonymous_order")  # every answer of the source
    plan = aw.plan(open_location(SOURCE, AwsSettings(endpoint_url=endpoint, region="eu-west-1")), "gc", RESULTS,
                   chosen.get("jobs"), since=since, anonymize=True)
    queue(endpoint, [None] * len(plan.ddl()) + [distinct, None, table, order, None, team])
    athena = run(SOURCE, *common, "--engine", "athena", "--glue-database", "gc", "--athena-results", RESULTS,
                 env=env)
    assert athena.returncode == 0, athena.stderr
    assert all(text in athena.stderr for text in said), athena.stderr
    shown = rows(athena.stdout)
    assert shown == rows(local.stdout) and 0 < len(shown) < 5  # fewer workers, named as locally
    if case == "one job":  # pets-multi's workers are the source's first and fourth to submit, not 1 and 2
        assert sorted(r["worker"] for r in shown) == ["Team", "Worker 1", "Worker 4"]


def _no_athena(tmp_path) -> dict:
    """A command's environment whose Athena endpoint has nothing listening: only a dry run can pass."""
    return clean_env(GC_WORKSPACE="aws", AWS_ACCESS_KEY_ID="testing", AWS_SECRET_ACCESS_KEY="testing",
                     AWS_DEFAULT_REGION="eu-west-1", AWS_ENDPOINT_URL_ATHENA="http://127.0.0.1:9",
                     GC_CACHE_DIR=str(tmp_path))


def test_dry_run_shows_the_plan_and_runs_nothing(uploaded, moto_settings, tmp_path):
    env = _no_athena(tmp_path)
    done = run(SOURCE, "--endpoint-url", moto_settings.endpoint_url, "--engine", "athena", "--glue-database", "gc",
               "--athena-results", RESULTS, "--dry-run", env=env)
    assert done.returncode == 0, done.stderr
    assert 'CREATE OR REPLACE VIEW "gc"."gc_answers_' in done.stderr
    assert "about $0.000150 at $5 per TB" in done.stderr
    assert done.stdout == ""
    named = run(SOURCE, "--endpoint-url", moto_settings.endpoint_url, "--engine", "athena", "--glue-database", "gc",
                "--athena-results", RESULTS, "--cognito", "--dry-run", env=env)
    assert named.returncode == 0 and "about $0.000200 at $5 per TB" in named.stderr  # one more: the workers' pools
    over = run(SOURCE, "--endpoint-url", moto_settings.endpoint_url, "--engine", "athena", "--glue-database", "gc",
               "--athena-results", RESULTS, "--max-cost", "0.00001", env=env)
    assert over.returncode == 2 and "over --max-cost" in over.stderr


@pytest.mark.parametrize(("args", "message"), [
    (["/tmp", "--glue-database", "gc", "--athena-results", RESULTS], "reads S3 only"),
    ([SOURCE, "--athena-results", RESULTS], "needs --glue-database"),
    ([SOURCE, "--glue-database", "gc", "--athena-results", "/tmp/x"], "must be an s3:// folder"),
    ([SOURCE, "--glue-database", "Bad-Name", "--athena-results", RESULTS, "--endpoint-url", "{endpoint}"],
     "is not a Glue name"),
])
def test_what_athena_needs_is_said_before_anything_runs(uploaded, moto_settings, tmp_path, args, message):
    env = clean_env(GC_WORKSPACE="aws", AWS_ACCESS_KEY_ID="testing", AWS_SECRET_ACCESS_KEY="testing",
                    AWS_DEFAULT_REGION="eu-west-1", GC_CACHE_DIR=str(tmp_path))
    args = [a.replace("{endpoint}", moto_settings.endpoint_url) for a in args]
    done = run(*args, "--engine", "athena", env=env)
    assert done.returncode == 2 and message in done.stderr, done.stderr
    assert "Traceback" not in done.stderr


def test_gold_mixed_into_the_queue_is_measured_as_the_local_engine_measures_it(uploaded, moto_settings, tmp_path):
    folder, s3 = uploaded
    manifest = folder / "pets" / "manifests" / "output" / "output.manifest"
    lines = [json.loads(line) for line in manifest.read_text().splitlines()]
    lines[0]["ground-control-gold"] = "Cat"  # as core.manifests.gold_mix tags a gold line
    s3.put_object(Bucket="gt-out", Key="out/pets/manifests/output/output.manifest",
                  Body="\n".join(json.dumps(line) for line in lines).encode())
    env = _no_athena(tmp_path)
    done = run(SOURCE, "--endpoint-url", moto_settings.endpoint_url, "--engine", "athena", "--glue-database", "gc",
               "--athena-results", RESULTS, "--dry-run", env=env)
    assert done.returncode == 0, done.stderr
    assert "accuracy against the 1 gold objects mixed into the queue (no --gold given)" in done.stderr
