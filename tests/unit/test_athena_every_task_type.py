"""The Athena engine for every task type (core.engine.athena_report, athena_rows, athena_answer_rows):
the answer-rows query and the classification SQL, run by DuckDB (sqlglot's translation of the same
text) over the demo's files, give the local reader's annotations table exactly and the local quality
report's figures for every task type the demo has (classification, multi-label, boxes, adjustment,
verification, NER, segmentation, video tracking); with gold, and the matrices and per-class IoU on the
rows; the Trino text parses; the result CSV is read back as typed."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import sqlglot
from athena_on_duckdb import answers_on_duckdb
from test_athena_views import _staged_view  # tests/unit is on sys.path
from test_metrics_engine import TRINO_FUNCTIONS, called

from core.annotations.source import read_source
from core.engine import athena_answer_rows as aar
from core.engine import athena_quality as aq
from core.engine import athena_report as ar
from core.engine import athena_workers as aw
from core.engine.athena_cost import Estimate
from core.engine.athena_manifests import read_manifests
from core.engine.athena_tables import dated, duckdb_responses
from core.quality.matrices import agreement, confusion
from core.quality.report import quality_report
from core.quality.segmentation import class_iou_table
from core.storage import open_location

TABLES = {"answers": "answers", "quality_jobs": "quality_jobs", "quality_reference": "quality_reference"}
EVERY_TYPE = {"classification", "multi-label", "bounding-box", "adjustment", "label-verification", "ner",
              "semantic-segmentation", "video-object-tracking"}


@pytest.fixture(scope="module")
def labeling_jobs(demo_dir, demo_at):
    from core.workspace import demo_workspace

    demo_workspace(demo_dir).service.list_labeling_jobs()  # builds the session's demo (read only here)
    return open_location(str(demo_dir / "buckets" / "ground-control-demo" / "labeling-jobs"))


@pytest.fixture(scope="module")
def local(labeling_jobs):
    return read_source(labeling_jobs)


@pytest.fixture(scope="module")
def every_row(labeling_jobs, tmp_path_factory):
    """Every job read as rows (what --gold and --matrix read), and the source made of them: two tests'."""
    engine = OnDuckDB(labeling_jobs, tmp_path_factory.mktemp("every-row"), every_row=True)
    return engine, engine.source()


class OnDuckDB:
    """The Athena engine over a local folder: its listing and manifests, and its queries run by DuckDB."""

    def __init__(self, location, folder, every_row: bool = False):
        self.location, self.found = location, aw.survey(location)
        self.manifests = read_manifests(location, self.found.manifests)
        self.jobs = aq.jobs_of(self.manifests)
        self.route = ar.routes(self.jobs, self.found.folders, self.manifests, every_row)
        files = {job: [location.store.path_of(i.key) for i in infos] for job, infos in self.found.responses.items()}
        self.responses = duckdb_responses(files)
        self.con = answers_on_duckdb(files)
        self.con.execute(f"CREATE VIEW answers AS {dated('all_answers', None, None, self.route.sql or ['-'])}")
        for table in aq.staged(self.jobs, self.route.sql):
            _staged_view(self.con, table, folder)

    def ask(self, sql: str) -> pd.DataFrame:
        return self.con.execute(sql).df()

    def rows(self) -> pd.DataFrame:
        sql = aar.answer_rows_sql("duckdb", self.responses, self.route.rows)
        return aar.typed(self.con.execute(sql).df())

    def source(self):
        return ar.source_of(self.location, self.found, self.manifests, self.jobs, self.rows(), self.route)

    def report(self, gold=None, iou=0.5) -> pd.DataFrame:
        ask = self.ask if self.route.sql else None
        return ar.report(ask, TABLES, self.source(), gold, iou, dialect="duckdb")


def same_report(remote: pd.DataFrame, expected: pd.DataFrame) -> None:
    """Every figure equal; alpha of the SQL-measured jobs to 1e-9 (its sums are added in another order)."""
    pd.testing.assert_frame_equal(remote.drop(columns="alpha"), expected.drop(columns="alpha"), check_dtype=False)
    np.testing.assert_allclose(remote["alpha"].to_numpy(float), expected["alpha"].to_numpy(float), rtol=0, atol=1e-9)


def test_the_rows_give_the_local_readers_table_exactly(every_row, local):
    engine, remote = every_row
    assert engine.route.sql == () and len(engine.route.rows) == 16
    pd.testing.assert_frame_equal(remote.table.reset_index(drop=True), local.table.reset_index(drop=True))
    assert len(remote.table) == 46_800 and set(remote.task_types().values()) == EVERY_TYPE
    assert [(m.job, m.object_id, m.worker_id) for m in remote.masks] == [
        (m.job, m.object_id, m.worker_id) for m in local.masks] and len(remote.masks) == 160
    assert [str(n) for n in remote.notes] == [str(n) for n in local.notes] and remote.files == local.files
    assert remote.gold == local.gold and remote.texts == local.texts


def test_every_task_types_quality_is_the_local_report(labeling_jobs, local, tmp_path):
    engine = OnDuckDB(labeling_jobs, tmp_path)
    sql_jobs = {engine.jobs.name(f) for f in engine.route.sql}
    assert sql_jobs == {"digits-audit", "digits-auto", "digits-batch-1", "digits-batch-2", "digits-batch-3",
                        "digits-batch-3-continued", "digits-pilot", "sentences-topics"}
    remote, expected = engine.report(), quality_report(local.table, masks=local.masks)
    same_report(remote, expected)
    team = remote[remote["worker"].eq("Team")].set_index("job")
    assert set(team["task_type"]) == EVERY_TYPE
    assert team.loc["shapes-boxes-1", "f1"] == pytest.approx(0.959853, abs=1e-6)
    assert team.loc["shapes-boxes-1", "audited"] == 394 and team.loc["shapes-boxes-1", "adjusted"] > 0
    assert team.loc["shapes-masks", "mean_iou"] == pytest.approx(0.854882, abs=1e-6)
    assert team.loc["sentences-entities", "f1_overlap"] == pytest.approx(0.911172, abs=1e-6)
    assert team.loc["shapes-tags", "jaccard"] == pytest.approx(0.956695, abs=1e-6)
    assert team.loc["shapes-tracking", "id_switches"] == 0 and team.loc["shapes-tracking", "f1"] == 1.0
    assert team.loc["shapes-boxes-1-verify", "exact_match"] == 0.975


def test_gold_matrices_and_per_class_iou_on_the_rows(labeling_jobs, every_row, local):
    from core.quality.gold_files import read_gold_annotations

    source = every_row[1]
    trusted = labeling_jobs.store.path_of("digits-pilot/manifests/output/output.manifest")
    gold = read_gold_annotations(trusted, open(trusted, "rb").read())
    remote = ar.report(None, TABLES, source, gold=gold)
    expected = quality_report(local.table, gold=gold, masks=local.masks)
    same_report(remote, expected)
    assert "gold" in set(remote["reference"])
    pd.testing.assert_frame_equal(confusion(source.table, "digits-batch-1"), confusion(local.table, "digits-batch-1"))
    assert confusion(source.table, "digits-batch-1").to_numpy().sum() == 1950
    pd.testing.assert_frame_equal(agreement(source.table, "shapes-boxes-3").agreement,
                                  agreement(local.table, "shapes-boxes-3").agreement)
    per_class = class_iou_table(source.table, source.masks)
    pd.testing.assert_frame_equal(per_class, class_iou_table(local.table, local.masks))
    assert len(per_class) > 3 and per_class["iou"].between(0, 1).all()


def test_the_rows_query_in_trino_parses_reads_one_table_and_calls_only_trino_functions():
    trino = aar.answer_rows_sql("trino", "gc.gc_worker_responses_x", ["shapes-masks", "shapes-boxes-1"])
    tree = sqlglot.parse_one(trino, read="trino")
    assert {t.sql("trino") for t in tree.find_all(sqlglot.exp.Table) if t.db} == {"gc.gc_worker_responses_x AS r"}
    assert {c for c in called(trino) if c.isidentifier()} - TRINO_FUNCTIONS == set(), trino
    assert "WHERE job IN ('shapes-boxes-1', 'shapes-masks')" in trino and '"$path"' in trino


def test_the_result_csv_is_read_with_nulls_apart_from_empty_text():
    csv = (b'"job","path","n","workerid","submissiontime","acceptancetime","timespentinseconds","answercontent"\n'
           b'"a","s3://b/k.json","2","w1","2024-01-01T00:00:00Z",,"12.5","{""c"":{""label"":""x""}}"\n'
           b'"a","s3://b/k.json","1","","2024-01-01T00:00:00Z",,,\n')
    frame = aar.read_csv(csv)
    assert frame["n"].tolist() == [2, 1] and frame["n"].dtype == "int64"
    assert frame["answercontent"].tolist() == ['{"c":{"label":"x"}}', None]
    assert frame["workerid"].tolist() == ["w1", ""] and frame["acceptancetime"].tolist() == [None, None]
    assert frame["timespentinseconds"].iloc[0] == 12.5 and np.isnan(frame["timespentinseconds"].iloc[1])
    quoted = aar.read_csv(csv.replace(b',,,\n', b',"","",""\n'))  # were NULL written as quoted empty text
    assert np.isnan(quoted["timespentinseconds"].iloc[1]) and quoted["answercontent"].iloc[1] == ""


def test_the_estimate_prices_each_read_at_its_own_partitions(labeling_jobs, tmp_path):
    engine = OnDuckDB(labeling_jobs, tmp_path)
    chosen = engine.found.only([*engine.route.sql, *engine.route.rows])
    plan = ar.mixed_plan("gc", "s3://results/athena/", chosen, engine.jobs, engine.route)
    size = {job: sum(i.size for i in infos) for job, infos in chosen.responses.items()}
    sql_bytes = sum(size[j] for j in engine.route.sql) + sum(len(s.body) for s in plan.staged)
    rows_bytes = sum(size[j] for j in engine.route.rows)
    estimate = plan.estimate()
    assert [(p.scanned_bytes, p.queries) for p in estimate.parts] == [(sql_bytes, 2), (rows_bytes, 1)]
    assert estimate.queries == 3 and estimate.usd == pytest.approx(sum(p.usd for p in estimate.parts))
    text = plan.describe()
    assert "2 queries reading" in text and "and 1 query reading" in text and "read once as answer rows" in text
    assert "job IN ('digits-audit'" in plan.answers() and "shapes-masks" not in plan.answers()
    assert "shapes-masks" in plan.rows_sql() and "digits-audit" not in plan.rows_sql()

    # One job chosen, anonymous: who the workers are is one read of every job of the source (Worker N as
    # locally), priced at the whole source's size, with every job's partition added.
    one = engine.route.sql[:1]
    narrow = ar.mixed_plan("gc", "s3://results/athena/", engine.found.only(one), engine.jobs, ar.Routes(one, ()))
    narrow.whole_reads = 1
    whole = engine.found
    assert narrow.found.narrowed and narrow.estimate().parts[-1] == Estimate(whole.response_bytes(), 1)
    assert narrow.whole_answers().count("'") == 2 * len(whole.folders) > 2
    partitions = " ".join(s for s in narrow.ddl() if "ADD IF NOT EXISTS" in s)
    assert all(f"PARTITION (job = '{job}')" in partitions for job in whole.folders)


@pytest.mark.parametrize("output", ["birds", "private"])
def test_the_rows_of_real_and_private_output_give_the_local_table(output, birds_dir, gt_output, tmp_path):
    """The real 2019 bird job (public-workforce answers, a manifest in a renamed folder) and constructed
    private-workforce output (active seconds, a job with no output manifest, answers a worker gave twice)."""
    from test_athena_views import _private_output

    folder = str(birds_dir) if output == "birds" else _private_output(gt_output)
    location = open_location(folder)
    engine = OnDuckDB(location, tmp_path, every_row=True)
    remote, local = engine.source(), read_source(location)
    pd.testing.assert_frame_equal(remote.table.reset_index(drop=True), local.table.reset_index(drop=True))
    assert [str(n) for n in remote.notes] == [str(n) for n in local.notes]
    workers = remote.table[remote.table["source"].eq("worker")]
    assert len(workers) == (1510 if output == "birds" else len(local.table[local.table["source"].eq("worker")]))
    assert workers["submitted"].notna().all() and len(workers) > 10
    same_report(ar.report(None, TABLES, remote), quality_report(local.table))


def test_the_estimated_reliability_from_compact_rows_is_the_local_pages(labeling_jobs, local, tmp_path):
    """The Annotations page's estimate on Athena: the SQL-measured classification jobs' compact rows (one
    read) as their worker rows beside their output manifests' rows, and the other jobs' answer rows, give
    the local page's estimate (Dawid-Skene over the local reader's table) figure for figure: each worker's
    reliability overall and per job, its interval, and every object's estimate and disagreement."""
    from core.annotations import reliability as from_table
    from core.engine import athena_reliability as arl
    from core.engine import athena_rows

    engine = OnDuckDB(labeling_jobs, tmp_path)
    sql_jobs = {engine.jobs.name(f) for f in engine.route.sql}
    compact = arl.answer_rows(engine.ask, TABLES, "duckdb")
    assert set(compact["job"]) == sql_jobs and compact["label"].notna().all()
    manifest_rows = athena_rows.annotations(labeling_jobs, engine.found, engine.manifests, engine.jobs,
                                            aar.typed(pd.DataFrame(columns=list(aar.COLUMNS))), sql_jobs)
    source = arl.estimate_source(manifest_rows, compact, engine.source())
    remote = from_table.classification(source.table, None, source.gold)
    expected = from_table.classification(local.table, None, local.gold)
    pd.testing.assert_frame_equal(remote.workers, expected.workers)
    pd.testing.assert_frame_equal(remote.job_workers, expected.job_workers)
    by_object = lambda t: t.sort_values(["job", "object_id"], ignore_index=True)  # noqa: E731
    pd.testing.assert_frame_equal(by_object(remote.objects), by_object(expected.objects))
    pd.testing.assert_frame_equal(remote.disagreements.reset_index(drop=True),
                                  expected.disagreements.reset_index(drop=True))
    assert len(remote.job_workers) > 20 and remote.disagreements.shape[0] > 0
    assert set(remote.job_workers["job"]) >= sql_jobs  # the SQL jobs' workers are in it
    multi = from_table.multi_label(source.table)  # the multi-label jobs, read as rows, as locally
    pd.testing.assert_frame_equal(multi.job_workers, from_table.multi_label(local.table).job_workers)


def test_the_compact_rows_query_in_trino_parses_and_calls_only_trino_functions():
    from core.engine import athena_reliability as arl
    from core.engine.athena_tables import qualified

    over = {"answers": "gc.gc_answers_x", "quality_jobs": "gc.gc_quality_jobs_y"}
    text = qualified(None, over, "trino", sql=arl.ANSWER_ROWS)
    tree = sqlglot.parse_one(text, read="trino")
    assert {f"{t.db}.{t.name}" for t in tree.find_all(sqlglot.exp.Table)} == set(over.values())
    assert {c for c in called(text) if c.isidentifier()} - TRINO_FUNCTIONS == set(), text
