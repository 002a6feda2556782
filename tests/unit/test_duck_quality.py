"""The Quality and Items tabs over the Arrow rows (core.annotations.duck_quality) give exactly what
core.quality gives over the whole pandas table: the quality rows (classification by DuckDB with the
Athena engine's SQL, the other types over their jobs' rows), with and without gold, on the demo
(every task type, narrowed too), on the real 2019 bird job with its true labels, and on made-up rows
with the cases the SQL must read as pandas does (a worker's repeated and unlabelled answers, ties,
an object with no consolidated label, a job still running, an audit); and one job's matrices, its
items' scores, one item's rows and the reliability estimate, from the few columns they read."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest
from pandas.testing import assert_frame_equal
from test_annotation_engine import missing_as_none, narrows
from test_reliability_annotations import birds_gold_table, birds_table  # noqa: F401  (tests/unit is on sys.path)

from core.annotations import duck_quality
from core.annotations import reliability as from_table
from core.annotations.columns import RowTable, to_table_frame
from core.annotations.items import item_rows
from core.annotations.model import CONSOLIDATED, WORKER, Row, to_frame
from core.annotations.reports import Narrow
from core.annotations.rowset import narrowed
from core.annotations.source import read_source
from core.quality.matrices import MatrixError, agreement, confusion
from core.quality.report import object_scores, quality_report
from core.storage import open_location

REF = "s3://bucket/pets/{}.jpg"


def same(got: pd.DataFrame, want: pd.DataFrame) -> None:
    """Equal, dtypes too; alpha to 1e-9 (the SQL adds its sums in another order)."""
    assert_frame_equal(got.drop(columns="alpha"), want.drop(columns="alpha"))
    np.testing.assert_allclose(got["alpha"].to_numpy(float), want["alpha"].to_numpy(float), rtol=0, atol=1e-9)


def made_up() -> pa.Table:
    rows = []

    def add(job, obj, origin, worker=None, label=None, task="classification", kind="class", **kw):
        rows.append(Row(job=job, object_id=str(obj), source=origin, task_type=task, kind=kind, worker_id=worker,
                        label=label, **kw))

    for obj, label in enumerate(["cat", "dog", None, "cat", "bird"]):
        add("pets", obj, CONSOLIDATED, label=label, class_id=None if label else "7", source_ref=REF.format(obj))
    answers = [(0, "w1", "cat"), (0, "w2", "dog"), (0, "w3", "cat"), (0, "w1", "dog"),  # w1 again: the first counts
               (1, "w1", "dog"), (1, "w2", "cat"),  # a tie
               (2, "w1", "cat"), (2, "w2", "cat"),  # no consolidated label: not scored
               (3, "w3", None), (3, "w3", "cat"), (3, "w2", "dog"),  # w3's first row has no label
               (1, "w4", None),  # no label at all: a wrong answer, and no vote
               (4, "w1", "bird")]  # one answer only: no pair for alpha
    for obj, worker, label in answers:
        add("pets", obj, WORKER, worker, label, class_id=None if label else "3", answer=0)
    for obj in range(2):  # still running: no output manifest, a classification job by its first row
        add("running", obj, WORKER, "w1", None)
        add("running", obj, WORKER, "w4", "car", task="bounding-box", kind="box", left=1.0, top=2.0, width=3.0,
            height=4.0)
    for obj in range(2):  # boxes, measured by the pandas report
        add("cars", obj, CONSOLIDATED, label="car", task="bounding-box", kind="box", left=0.0, top=0.0, width=10.0,
            height=10.0)
        for worker, shift in (("w1", 0.0), ("w2", 6.0)):
            add("cars", obj, WORKER, worker, "car", task="bounding-box", kind="box", left=shift, top=0.0, width=10.0,
                height=10.0)
    for obj, verdict in ((0, "pass"), (1, "fail"), (3, "pass")):  # an audit of pets, traced to its workers
        add("audit", obj, CONSOLIDATED, label=verdict, task="label-verification", kind="verdict", verdict=verdict,
            audited_job="pets", audited_attribute="pets")
        add("audit", obj, WORKER, "v1", verdict, task="label-verification", kind="verdict", verdict=verdict)
    table = RowTable()
    table.add_rows("file", rows)
    return table.table()


def gold_of(rows: pa.Table) -> pd.DataFrame:
    """Gold for the classification objects: every third of them left out, every other one's label
    another class's, so some workers score higher against gold and some lower."""
    table = to_table_frame(rows)
    own = table[table["source"].eq(CONSOLIDATED) & table["task_type"].eq("classification")
                & table["source_ref"].notna()].drop_duplicates("source_ref").reset_index(drop=True)
    labels = sorted(set(own["label"].dropna()))
    kept = own[own.index % 3 != 0]
    return to_frame([Row(job="trusted", object_id=str(i), source=CONSOLIDATED, task_type="classification",
                         kind="class", source_ref=ref, label=label if i % 2 else labels[(labels.index(label) + 1)
                                                                                         % len(labels)])
                     for i, (ref, label) in enumerate(zip(kept["source_ref"], kept["label"], strict=True))
                     if label is not None])


@pytest.fixture(scope="module")
def demo_rows(demo) -> pa.Table:
    return read_source(demo.open(demo.output_uri)).rows


@pytest.fixture(scope="module")
def sources(demo_rows) -> dict[str, pa.Table]:
    return {"demo": demo_rows, "made up": made_up()}


@pytest.mark.parametrize("name", ["demo", "made up"])
@pytest.mark.parametrize("with_gold", [False, True])
def test_the_quality_rows_are_the_pandas_reports(sources, name, with_gold):
    rows = sources[name]
    gold = gold_of(rows) if with_gold else None
    want = quality_report(to_table_frame(rows), gold=gold)
    same(duck_quality.quality_rows(rows, gold=gold), want)
    classification = want[want["task_type"].eq("classification")]
    # With gold, a job with gold for some of its objects is measured against it (a text job has none).
    assert ("gold" in set(classification["reference"])) == with_gold
    assert classification["exact_match"].notna().any() and classification["alpha"].notna().any()


def test_made_up_rows_give_the_figures_a_person_counts():
    report = duck_quality.quality_rows(made_up()).set_index(["job", "worker"])
    # w1: cat (the first of cat, dog) right, dog right, bird right; object 2 has no reference: 3 of 3.
    assert report.loc[("pets", "w1"), "objects"] == 4 and report.loc[("pets", "w1"), "exact_match"] == 1.0
    # w3: cat right on 0, and on 3 the first label given, cat: right.
    assert report.loc[("pets", "w3"), "exact_match"] == 1.0
    assert report.loc[("pets", "w4"), "exact_match"] == 0.0  # answered with no label: wrong
    # Audited 0 (pass), 1 (fail) and 3 (pass): w1 answered two of them, w2 all three.
    assert report.loc[("pets", "w1"), "audited"] == 2 and report.loc[("pets", "w1"), "pass_rate"] == 0.5
    assert report.loc[("pets", "w2"), "pass_rate"] == pytest.approx(2 / 3)
    assert pd.isna(report.loc[("running", "w1"), "exact_match"]) and report.loc[("running", "w4"), "objects"] == 2
    assert report.loc[("cars", "w1"), "f1"] == 1.0 and report.loc[("cars", "w2"), "f1"] == 0.0


def test_narrowed_demo_rows_give_the_pandas_reports(demo_rows):
    for narrow in narrows(demo_rows)[1:4]:  # by a job, a class, a worker
        rows = narrowed(demo_rows, narrow)
        same(duck_quality.quality_rows(rows), quality_report(narrow.apply(to_table_frame(demo_rows))))


def test_the_bird_job_against_its_true_labels(birds_dir, birds_table, birds_gold_table):  # noqa: F811
    rows = read_source(open_location(str(birds_dir))).rows
    for gold in (None, birds_gold_table):
        got = duck_quality.quality_rows(rows, gold=gold)
        same(got, quality_report(birds_table, gold=gold))
    assert set(got["reference"]) == {"gold"} and got["exact_match"].between(0, 1).all()


def test_one_jobs_matrices_items_and_rows_from_its_columns_only(demo_rows):
    table = to_table_frame(demo_rows)
    gold = gold_of(demo_rows)
    every = object_scores(table, gold=gold)
    types = duck_quality.task_types(demo_rows)
    for job in sorted({task: job for job, task in sorted(types.items(), reverse=True)}.values()):  # one a type
        mine = duck_quality.job_frame(demo_rows, job)
        assert len(mine) == table["job"].eq(job).sum()
        for measure in (lambda t, j=job: confusion(t, j, gold), lambda t, j=job: agreement(t, j).agreement):
            try:
                want = measure(table)
            except MatrixError as exc:
                with pytest.raises(MatrixError, match=re.escape(str(exc))):
                    measure(mine)
                continue
            assert_frame_equal(measure(mine), want)
        got = object_scores(mine, gold=gold)
        want = every[every["job"].eq(job)].reset_index(drop=True)  # with the other types' columns, empty here
        assert want.drop(columns=got.columns).isna().all().all()
        assert_frame_equal(got, want[got.columns], check_dtype=False)
        for item in sorted(set(table.loc[table["job"].eq(job), "object_id"]))[:2]:
            # An empty column is None where the job's table has NaN, as in test_annotation_engine.
            assert_frame_equal(missing_as_none(item_rows(duck_quality.item_frame(demo_rows, job, item), job, item,
                                                         gold)), missing_as_none(item_rows(table, job, item, gold)))


def test_the_default_matrix_job_is_the_first_with_a_shared_object(sources):
    for rows in sources.values():
        workers = to_table_frame(rows).query("source == 'worker'")
        shared = workers.groupby(["job", "object_id"])["worker_id"].nunique()
        assert duck_quality.matrix_default(rows) == next((job for job, _ in shared[shared > 1].index), None)


def test_the_reliability_estimate_from_the_class_rows_is_the_tables(demo_rows, birds_dir, birds_table,  # noqa: F811
                                                                    birds_gold_table):  # noqa: F811
    birds = read_source(open_location(str(birds_dir))).rows
    for rows, table, gold in ((demo_rows, to_table_frame(demo_rows), None), (birds, birds_table, birds_gold_table)):
        got = from_table.classification(duck_quality.reliability_frame(rows), gold)
        want = from_table.classification(table, gold)
        assert_frame_equal(got.job_workers, want.job_workers)
        assert_frame_equal(got.disagreements, want.disagreements)
    sets = from_table.multi_label(duck_quality.reliability_frame(demo_rows))
    assert_frame_equal(sets.job_workers, from_table.multi_label(to_table_frame(demo_rows)).job_workers)


def test_a_bad_iou_is_refused_as_the_report_refuses_it(demo_rows):
    with pytest.raises(ValueError, match="IoU threshold 0 is not in"):
        duck_quality.quality_rows(demo_rows, iou=0)
    assert duck_quality.quality_rows(narrowed(demo_rows, Narrow(jobs=("no such job",)))).empty
