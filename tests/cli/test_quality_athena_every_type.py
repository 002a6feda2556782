"""`quality` and `annotations` with --engine athena on jobs of every task type: eight of the demo's
jobs (classification, NER, multi-label, segmentation, video tracking, boxes, their verification and
adjustment) in a moto bucket, Athena's round trip on botocore's Stubber with the real service model,
each query answered with what DuckDB gives for the same SQL over the same files (the answer rows as
the result CSV Athena writes, read back from the results bucket in one GET). The command prints the
local engine's table, figure for figure; --gold, --matrix and --per-class too."""

from __future__ import annotations

import io
import math
import shutil

import pandas as pd
import pytest
from test_athena_every_task_type import TABLES, OnDuckDB  # tests/unit is on sys.path

from core.annotations.source import read_source
from core.annotations.summary import annotation_summary
from core.engine import athena_answer_rows as aar
from core.engine import athena_quality as aq
from core.quality.matrices import confusion
from core.quality.report import quality_report
from core.quality.segmentation import class_iou_table
from core.storage import open_location
from core.tables import format_table

BUCKET, PREFIX, RESULTS = "ground-control-demo", "labeling-jobs/", "s3://gc-every-type/athena/"
SOURCE = f"s3://{BUCKET}/{PREFIX}"
JOBS = ("digits-pilot", "sentences-entities", "shapes-tags", "shapes-masks", "shapes-tracking",
        "shapes-boxes-1", "shapes-boxes-1-verify", "shapes-boxes-1-adjust")
QID = "11111111-2222-3333-4444-5555555555{:02d}"
REQUEST = {"WorkGroup": "primary", "QueryExecutionContext": {"Database": "gc"},
           "ResultConfiguration": {"OutputLocation": RESULTS}}


@pytest.fixture(scope="module")
def jobs_folder(demo_dir, demo_at, tmp_path_factory):
    """The eight jobs' output manifests, worker responses and consolidated labels (masks, SeqLabel.json),
    as a folder named as the bucket's prefix (so the manifests' s3:// URIs name its files)."""
    from core.workspace import demo_workspace

    demo_workspace(demo_dir).service.list_labeling_jobs()
    source = demo_dir / "buckets" / BUCKET / "labeling-jobs"
    folder = tmp_path_factory.mktemp("every-type") / "labeling-jobs"
    for job in JOBS:
        for path in (source / job).rglob("*"):
            rel = path.relative_to(source).as_posix()
            if path.is_file() and "/intermediate/" not in rel:
                (folder / rel).parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(path, folder / rel)
    return folder


@pytest.fixture(scope="module")
def uploaded(jobs_folder, moto_settings):
    from core.aws import client

    s3 = client("s3", moto_settings)
    for bucket in (BUCKET, "gc-every-type"):
        s3.create_bucket(Bucket=bucket)
    put_tree(s3, jobs_folder)
    return jobs_folder


@pytest.fixture(scope="module")
def local(uploaded):
    """The local reader's annotations of the same files: what every Athena result is compared with."""
    return read_source(open_location(str(uploaded)))


@pytest.fixture(scope="module")
def every_row(uploaded, tmp_path_factory):
    """What Athena answers when every job is read as rows (made once: DuckDB over 2,900 files)."""
    return Answers(uploaded, tmp_path_factory.mktemp("every-row"), every_row=True)


def put_tree(s3, folder) -> None:
    """Every file under `folder` into the demo's bucket (made through `s3`) under PREFIX, put straight
    into moto's S3 backend: the server runs in this process, and 2,900 PUTs over HTTP took 20-30 s of
    a test's setup. What the command and the page read still goes through HTTP."""
    from moto.core import DEFAULT_ACCOUNT_ID
    from moto.s3.models import s3_backends

    backend = s3_backends[DEFAULT_ACCOUNT_ID]["aws"]
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        backend.put_object(BUCKET, PREFIX + path.relative_to(folder).as_posix(), path.read_bytes())


@pytest.fixture
def athena(uploaded, moto_settings, monkeypatch, tmp_path):
    import boto3

    import core.aws

    monkeypatch.setenv("GC_CACHE_DIR", str(tmp_path / "cache"))
    client = boto3.client("athena", region_name="us-east-1")
    real = core.aws.client
    monkeypatch.setattr(core.aws, "client", lambda service, *a, **k: client if service == "athena" else real(
        service, *a, **k))
    return client


def athena_csv(frame: pd.DataFrame) -> bytes:
    """A frame as Athena writes a result: a header, every value quoted, NULL an empty unquoted field."""
    def cell(v) -> str:
        if v is None or (isinstance(v, float) and math.isnan(v)):
            return ""
        return '"' + (repr(v) if isinstance(v, float) else str(v)).replace('"', '""') + '"'

    lines = [",".join(f'"{c}"' for c in frame.columns)]
    lines += [",".join(cell(v) for v in row) for row in frame.astype(object).itertuples(index=False)]
    return ("\n".join(lines) + "\n").encode()


def athena_page(frame: pd.DataFrame) -> dict:
    from test_athena_quality import athena_page as page

    wide = [c for c in ("pairable", "squares") if c in frame]  # DuckDB's HUGEINT sums; Trino's are bigint
    return page(frame.astype(dict.fromkeys(wide, "int64")))


class Answers:
    """What Athena answers, from DuckDB over the same files: the rows (as S3 paths) and the SQL frames."""

    def __init__(self, folder, tmp_path, every_row: bool, only: set[str] | None = None):
        location = open_location(str(folder))
        self.engine = OnDuckDB(location, tmp_path, every_row)
        if only is not None:  # the command's route, when it reads fewer jobs (--per-class)
            self.engine.route = type(self.engine.route)((), tuple(f for f in self.engine.route.rows if f in only))
        rows = self.engine.rows()
        paths = pd.Series([f"s3://{BUCKET}/{PREFIX}" + p[len(str(folder)) + 1:] for p in rows["path"]], dtype=object)
        self.rows = rows.assign(path=paths.to_numpy()).astype({"path": object})
        self.sql: list[pd.DataFrame] = []
        if self.engine.route.sql:
            aq.quality_report(lambda sql: self.sql.append(self.engine.ask(sql)) or self.sql[-1], TABLES, "duckdb")


def stub_run(stub, s3, ddl: list[str], answers: Answers, sql_first: bool = False) -> None:
    """The DDL, then the rows query (its result CSV put where Athena writes it), then the SQL's two."""
    from botocore.stub import ANY

    def started(i: int, statement, scanned: int | None = None) -> None:
        stub.add_response("start_query_execution", {"QueryExecutionId": QID.format(i)},
                          {"QueryString": statement, **REQUEST})
        execution = {"QueryExecutionId": QID.format(i), "Status": {"State": "SUCCEEDED"}}
        if scanned is not None:
            execution["Statistics"] = {"DataScannedInBytes": scanned}
        stub.add_response("get_query_execution", {"QueryExecution": execution}, {"QueryExecutionId": QID.format(i)})

    for i, statement in enumerate(ddl):
        started(i, statement)

    def rows() -> None:
        started(50, ANY, scanned=5000)
        key = f"athena/{QID.format(50)}.csv"
        s3.put_object(Bucket="gc-every-type", Key=key, Body=athena_csv(answers.rows))
        stub.add_response("get_query_execution", {"QueryExecution": {
            "QueryExecutionId": QID.format(50), "Status": {"State": "SUCCEEDED"},
            "ResultConfiguration": {"OutputLocation": f"s3://gc-every-type/{key}"}}},
            {"QueryExecutionId": QID.format(50)})

    def sql() -> None:
        for j, frame in enumerate(answers.sql):
            started(60 + j, ANY, scanned=1000)
            stub.add_response("get_query_results", athena_page(frame), {"QueryExecutionId": QID.format(60 + j)})

    if answers.engine.route.rows:
        rows()
    sql()


def cli(settings, command: str, *extra: str) -> list[str]:
    return [command, SOURCE, "--workspace", "aws", "--endpoint-url", settings.endpoint_url, "--region", "us-east-1",
            "--engine", "athena", "--glue-database", "gc", "--athena-results", RESULTS, "--format", "csv", *extra]


def planned(capsys) -> list[str]:
    text = capsys.readouterr().err
    return text[text.index("CREATE DATABASE"):].rstrip().removesuffix(";").split(";\n\n")


def test_quality_of_every_task_type_is_the_local_report(athena, uploaded, local, moto_settings, capsys, tmp_path):
    from botocore.stub import Stubber

    from core.aws import client
    from core.cli import main

    assert main(cli(moto_settings, "quality", "--dry-run")) == 0
    text = capsys.readouterr().err
    assert "Cost estimate: 2 queries reading" in text and "and 1 query reading" in text
    rows_line = next(line for line in text.splitlines() if "read once as answer rows" in line)
    assert rows_line.startswith("Of these, 7 job(s)") and "digits-pilot" not in rows_line
    ddl = text[text.index("CREATE DATABASE"):].rstrip().removesuffix(";").split(";\n\n")
    answers = Answers(uploaded, tmp_path, every_row=False)
    with Stubber(athena) as stub:
        stub_run(stub, client("s3", moto_settings), ddl, answers)
        assert main(cli(moto_settings, "quality")) == 0
        stub.assert_no_pending_responses()
    out = capsys.readouterr()
    assert "3 query(ies) run on Athena, reading 7,000 bytes" in out.err and "Traceback" not in out.err
    expected = quality_report(local.table, masks=local.masks)
    printed = pd.read_csv(io.StringIO(out.out))
    assert set(printed["task_type"]) == {"classification", "ner", "multi-label", "semantic-segmentation",
                                         "video-object-tracking", "label-verification", "adjustment", "bounding-box"}
    team = printed[printed["worker"].eq("Team")].set_index("job")
    assert team.loc["shapes-masks", "mean_iou"] == pytest.approx(0.854882, abs=1e-4)
    assert team.loc["sentences-entities", "f1"] == pytest.approx(0.864469, abs=1e-4)
    assert team.loc["shapes-boxes-1", "audited"] == 394 and team.loc["shapes-boxes-1", "f1"] == pytest.approx(
        0.959853, abs=1e-4)
    assert out.out.strip() == format_table(expected, "csv").strip()  # the local report, as printed

    with Stubber(athena) as stub:  # again: the DDL only, every result from the cache
        for i, statement in enumerate(ddl):
            stub.add_response("start_query_execution", {"QueryExecutionId": QID.format(i)},
                              {"QueryString": statement, **REQUEST})
            done = {"QueryExecution": {"QueryExecutionId": QID.format(i), "Status": {"State": "SUCCEEDED"}}}
            stub.add_response("get_query_execution", done, {"QueryExecutionId": QID.format(i)})
        assert main(cli(moto_settings, "quality")) == 0
        stub.assert_no_pending_responses()
    again = capsys.readouterr()
    assert "0 query(ies) run on Athena" in again.err and again.out == out.out


@pytest.mark.parametrize("extra", [["--gold", "GOLD"], ["--matrix", "confusion", "--jobs", "digits-pilot"],
                                   ["--per-class"]])
def test_gold_matrices_and_per_class_on_athena_are_the_local_tables(athena, uploaded, local, every_row, moto_settings,
                                                                     capsys, tmp_path, extra):
    from botocore.stub import Stubber

    from core.aws import client
    from core.cli import main
    from core.quality.gold_files import read_gold

    gold_path = uploaded / "digits-pilot" / "manifests" / "output" / "output.manifest"
    extra = [str(gold_path) if e == "GOLD" else e for e in extra]
    assert main(cli(moto_settings, "quality", "--dry-run", *extra)) == 0
    ddl = planned(capsys)
    if "--gold" in extra:
        answers = every_row
        gold = read_gold(str(gold_path), open_location)
        expected = format_table(quality_report(local.table, gold=gold, masks=local.masks), "csv")
    elif "--matrix" in extra:
        answers = Answers(uploaded, tmp_path, every_row=True, only={"digits-pilot"})
        matrix = confusion(local.table, "digits-pilot").rename_axis(index="reference \\ answer").reset_index()
        expected = format_table(matrix, "csv")
    else:
        answers = Answers(uploaded, tmp_path, every_row=True, only={"shapes-masks"})
        expected = format_table(class_iou_table(local.table, local.masks), "csv")
    with Stubber(athena) as stub:
        stub_run(stub, client("s3", moto_settings), ddl, answers)
        assert main(cli(moto_settings, "quality", *extra)) == 0
        stub.assert_no_pending_responses()
    out = capsys.readouterr()
    assert "1 query(ies) run on Athena" in out.err and "Traceback" not in out.err
    assert out.out.strip() == expected.strip() and len(out.out.splitlines()) > 3
    if "--gold" in extra:
        assert ",gold," in out.out  # digits-pilot is measured against the trusted labels


def test_annotations_summary_needs_no_query_and_over_time_reads_the_rows(athena, uploaded, local, every_row,
                                                                           moto_settings, capsys):
    from botocore.stub import Stubber

    from core.annotations.reports import over_time
    from core.aws import client
    from core.cli import main

    assert main(cli(moto_settings, "annotations")) == 0  # nothing stubbed: no Athena call
    out = capsys.readouterr()
    assert "no Athena query" in out.err
    assert out.out.strip() == format_table(annotation_summary(local.table), "csv").strip()

    assert main(cli(moto_settings, "annotations", "--over-time", "h", "--dry-run")) == 0
    ddl = planned(capsys)
    with Stubber(athena) as stub:
        stub_run(stub, client("s3", moto_settings), ddl, every_row)
        assert main(cli(moto_settings, "annotations", "--over-time", "h")) == 0
        stub.assert_no_pending_responses()
    out = capsys.readouterr()
    assert out.out.strip() == format_table(over_time(local.table, "h"), "csv").strip()
    assert len(out.out.splitlines()) > 10 and "1 query(ies) run on Athena" in out.err


def test_duckdb_reads_the_answer_rows_csv_as_athena_writes_it(every_row):
    """The CSV helper above is Athena's format as read_csv reads it: the rows survive the round trip."""
    back = aar.read_csv(athena_csv(every_row.rows))
    pd.testing.assert_frame_equal(back, every_row.rows.reset_index(drop=True))
    assert len(back) > 3000 and back["answercontent"].str.contains("pngImageData").any()
