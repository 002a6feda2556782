"""`python -m core race s3://... --engine athena --weight agreement|reliability`, in process, with S3 on
the moto server and the Athena round trip on botocore's Stubber (every request checked against Athena's
real service model). Each query's rows are what the same SQL gives on DuckDB over the same files
(tests/unit/test_race_weights_athena.py proves those equal the local engine's figures); the race the
command saves is the local command's, byte for byte, and the plan shown first counts every read."""

from __future__ import annotations

from typing import NamedTuple

import pandas as pd
import pytest
from athena_on_duckdb import answers_on_duckdb
from botocore.stub import ANY, Stubber
from test_athena_quality import athena_page  # tests/unit is on sys.path
from test_athena_views import _staged_view
from test_quality_athena_every_type import athena_csv
from test_race_weights_athena import _generated

from core.engine import athena_race_weights as arw
from core.engine import athena_workers as aw
from core.engine.athena_tables import qualified
from core.storage import open_location

SOURCE, RESULTS = "s3://gt-weighted/out/", "s3://gc-weighted-results/athena/"
QID = "11111111-2222-3333-4444-555555555555"


@pytest.fixture
def uploaded(gt_output, moto_settings, monkeypatch, tmp_path):
    """Generated output (ties, singles, unlabeled answers, spellings) in a moto bucket; the command in
    the AWS workspace, its cache here; the Athena client the command makes, the one the test stubs."""
    import boto3

    import core.aws

    _generated(gt_output, 4)
    s3 = core.aws.client("s3", moto_settings)
    for bucket in ("gt-weighted", "gc-weighted-results"):
        s3.create_bucket(Bucket=bucket)
    for path in sorted(p for p in gt_output.root.rglob("*") if p.is_file()):
        s3.put_object(Bucket="gt-weighted", Key="out/" + path.relative_to(gt_output.root).as_posix(),
                      Body=path.read_bytes())
    monkeypatch.setenv("GC_CACHE_DIR", str(tmp_path / "cache"))
    athena = boto3.client("athena", region_name="us-east-1")
    real = core.aws.client
    monkeypatch.setattr(core.aws, "client", lambda service, *a, **k: athena if service == "athena" else real(
        service, *a, **k))
    return gt_output.root, athena


class AsFile(NamedTuple):
    """A query's rows that the command reads as the result file Athena writes, not as pages."""

    frame: pd.DataFrame


def athena_answers(folder, freq: str, how: str, tmp_path, anonymize: bool) -> list:
    """What the command sends Athena after the plan's DDL, in order: each query's rows as the same SQL
    gives them on DuckDB over the files (AsFile: the reliability rows, read as the result CSV), and None
    for the DDL of the normalized labels' table."""

    location = open_location(str(folder))
    found = aw.survey(location)
    files = {job: [location.store.path_of(i.key) for i in infos] for job, infos in found.responses.items()}
    con = answers_on_duckdb(files, "answers")
    sent = []

    def ask(sql):
        sent.append(con.execute(sql).df())
        return sent[-1]

    def norms(distinct):
        _staged_view(con, aw.label_norms(distinct), tmp_path)
        sent.append(None)
        return "label_norms"

    def as_file(sql):
        sent.append(AsFile(con.execute(sql).df()))
        return sent[-1].frame

    arw.weighted_counts(ask, "answers", freq, how, norms, "duckdb", ask_rows=as_file)
    if anonymize:
        sent.append(con.execute(qualified("anonymous_order", {"answers": "answers"}, "duckdb")).df())
    return sent


def race_cli(settings, out, how: str, *extra: str) -> list[str]:
    return ["race", SOURCE, "--workspace", "aws", "--endpoint-url", settings.endpoint_url, "--region", "us-east-1",
            "--period", "h", "--weight", how, "--format", "html", "--out", str(out), *extra]


ATHENA = ["--engine", "athena", "--glue-database", "gc", "--athena-results", RESULTS]


@pytest.mark.parametrize(("how", "reads", "anonymize"), [("agreement", 3, False), ("agreement", 3, True),
                                                          ("reliability", 2, True)])
def test_the_weighted_athena_race_is_the_local_race(uploaded, moto_settings, capsys, tmp_path, how, reads,
                                                    anonymize):
    from core.cli import main

    folder, athena = uploaded
    extra = ["--anonymize"] if anonymize else []
    assert main(race_cli(moto_settings, tmp_path / "local.html", how, *extra)) == 0
    local = capsys.readouterr()

    assert main(race_cli(moto_settings, tmp_path / "plan.html", how, *extra, *ATHENA, "--dry-run")) == 0
    plan_text = capsys.readouterr().err
    queries = reads + (1 if anonymize else 0)
    assert f"Cost estimate: {queries} queries reading" in plan_text  # every read of the answers, priced first
    assert not (tmp_path / "plan.html").exists()
    ddl = plan_text[plan_text.index("CREATE DATABASE"):].rstrip().removesuffix(";").split(";\n\n")

    sent = athena_answers(folder, "h", how, tmp_path, anonymize)
    request = {"WorkGroup": "primary", "QueryExecutionContext": {"Database": "gc"},
               "ResultConfiguration": {"OutputLocation": RESULTS}}
    done = {"QueryExecution": {"QueryExecutionId": QID, "Status": {"State": "SUCCEEDED"},
                               "Statistics": {"DataScannedInBytes": 100}}}
    import core.aws

    clear_staged(moto_settings)  # an earlier parameter's table would be reused here, not staged again
    with Stubber(athena) as stub:
        for statement, rows in [*((s, None) for s in ddl), *((ANY, f) for f in sent)]:
            stub.add_response("start_query_execution", {"QueryExecutionId": QID},
                              {"QueryString": statement, **request})
            stub.add_response("get_query_execution", done, {"QueryExecutionId": QID})
            if isinstance(rows, AsFile):  # where Athena wrote it, then one GET of the CSV
                key = f"athena/{QID}.csv"
                core.aws.client("s3", moto_settings).put_object(Bucket="gc-weighted-results", Key=key,
                                                                Body=athena_csv(rows.frame))
                stub.add_response("get_query_execution", {"QueryExecution": {
                    "QueryExecutionId": QID, "Status": {"State": "SUCCEEDED"},
                    "ResultConfiguration": {"OutputLocation": f"{RESULTS}{QID}.csv"}}}, {"QueryExecutionId": QID})
            elif rows is not None:
                stub.add_response("get_query_results", athena_page(rows), {"QueryExecutionId": QID})
        assert main(race_cli(moto_settings, tmp_path / "athena.html", how, *extra, *ATHENA)) == 0
        stub.assert_no_pending_responses()
    remote = capsys.readouterr()
    assert f"{queries} query(ies) run on Athena" in remote.err and "Traceback" not in remote.err
    assert remote.out.splitlines()[0] == local.out.splitlines()[0]  # totals and leaders, in weighted labels
    assert "weighted labels" in remote.out and (not anonymize or "Worker 1" in remote.out)
    assert (tmp_path / "athena.html").read_bytes() == (tmp_path / "local.html").read_bytes()
    if how == "agreement":  # the normalized labels were staged beside the other tables, as the worker table does
        listed = core.aws.client("s3", moto_settings).list_objects_v2(Bucket="gc-weighted-results",
                                                                      Prefix="athena/ground-control/staged/gc_label_norms_")
        assert listed.get("KeyCount", 0) == 1


def clear_staged(moto_settings) -> None:
    """Remove the results bucket's staged tables: the module's server outlives each parameter."""
    import core.aws

    s3 = core.aws.client("s3", moto_settings)
    listed = s3.list_objects_v2(Bucket="gc-weighted-results", Prefix="athena/ground-control/staged/")
    for item in listed.get("Contents", []):
        s3.delete_object(Bucket="gc-weighted-results", Key=item["Key"])
