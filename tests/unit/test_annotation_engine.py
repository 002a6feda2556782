"""The Annotations page's reports by DuckDB over the Arrow rows (core.annotations.duck_reports,
core.annotations.rowset) give exactly what the pandas reports (core.annotations.reports) give over
the same rows as a table: on the demo, on the one-job-per-task-type source of
test_quality_report, and on made-up rows with the edge cases (ties, missing times, unknown labels,
attributes missing or not text, a job still running, video frames, audits), each also narrowed."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pandas as pd
import pyarrow as pa
import pytest
from pandas.testing import assert_frame_equal
from test_quality_report import source  # noqa: F401  (tests/unit is on sys.path)

from core.annotations import duck_reports, reports, rowset
from core.annotations.columns import RowTable, to_table_frame
from core.annotations.items import item_rows, ranked_items
from core.annotations.model import CONSOLIDATED, WORKER, Row
from core.annotations.reports import Narrow
from core.annotations.source import read_source
from core.quality.report import object_scores
from core.storage import open_location


def at(day: int, hour: int = 9) -> datetime:
    return datetime(2025, 3, day, hour, 30, tzinfo=UTC)


def edge_rows() -> pa.Table:
    """Rows no real source has all of: ties between classes, a class known only by its id, none at
    all, answers with no time, attributes of numbers, booleans and missing, a job with no output
    manifest, a video job with frame attributes and a frame without boxes, and an audit."""
    rows = []

    def add(job, obj, origin, kind="class", worker=None, **kw):
        rows.append(Row(job=job, object_id=obj, source=origin, task_type=kw.pop("task_type", "classification"),
                        kind=kind, worker_id=worker, **kw))

    for obj, (label, attrs) in enumerate([("cat", {"size": 1}), ("dog", {"size": 1.0}), ("cat", {}),
                                          ("dog", {"size": True}), (None, {"size": "big"})]):
        add("pets", str(obj), CONSOLIDATED, label=label, class_id=None if label else "7", attributes=attrs)
        for w, day in (("w1", 1), ("w2", 2), ("w3", None)):
            add("pets", str(obj), WORKER, worker=w, label=label if w != "w2" else "dog", answer=0,
                submitted=at(day) if day else None, attributes=attrs if w == "w1" else {"size": None})
    for obj in range(3):  # still running: no output manifest, so the workers' units count
        add("running", str(obj), WORKER, worker="w1", label=None, class_id=None, submitted=at(3, obj))
        add("running", str(obj), WORKER, worker="w4", kind="box", task_type="bounding-box", label="car",
            submitted=at(3, obj + 5), left=1.0, top=2.0, width=3.0, height=4.0)
    for frame, light in ((0, "day"), (0, "day"), (1, "dusk"), (2, "dusk")):
        add("video", "0", CONSOLIDATED, kind="frame-box", task_type="video-object-detection", label="car",
            frame=frame, frame_attributes={"light": light})
    add("video", "0", CONSOLIDATED, kind="frame", task_type="video-object-detection", frame=3,
        frame_attributes={"light": "night"})
    add("video", "0", WORKER, kind="frame-box", worker="w2", task_type="video-object-detection", label="car", frame=0,
        submitted=at(4), frame_attributes={"light": "day"})
    for obj, verdict in (("0", "pass"), ("1", "fail"), ("2", None)):
        add("audit", obj, CONSOLIDATED, kind="verdict", task_type="label-verification", label=verdict,
            verdict=verdict, audited_job="pets", audited_attribute="pets")
    table = RowTable()
    table.add_rows("file", rows)
    return table.table()


@pytest.fixture(scope="module")
def sources(source, demo):  # noqa: F811
    return {"demo": read_source(demo.open(demo.output_uri)).rows,
            "task types": read_source(open_location(str(source))).rows, "edge cases": edge_rows()}


def narrows(rows: pa.Table) -> list[Narrow]:
    table = to_table_frame(rows)
    job = sorted(set(table["job"]))[0]
    worker = sorted(set(table["worker_id"].dropna()))[0]
    names = reports.attribute_names(table)
    attribute = next(((n, v[0]) for n, v in names.items()), None)
    day = table["submitted"].dropna().min().date()
    return [Narrow(), Narrow(jobs=(job,)), Narrow(label=sorted(set(table["label"].dropna()))[0]),
            Narrow(worker=worker), Narrow(start=day, end=day), Narrow(start=date(2000, 1, 1)),
            Narrow(attribute=attribute), Narrow(jobs=(job,), worker=worker, attribute=attribute)]


def identity(table: pd.DataFrame) -> list[tuple]:
    """What tells rows apart (a column all missing after narrowing may change dtype: no report reads it so)."""
    columns = table[["job", "object_id", "source", "worker_id", "kind", "answer", "unit", "frame", "label"]]
    return list(columns.astype(object).where(columns.notna(), None).itertuples(index=False))


def missing_as_none(frame: pd.DataFrame) -> pd.DataFrame:
    return frame.astype(object).where(frame.notna(), None)


def same(duck: pd.DataFrame, pandas: pd.DataFrame) -> None:
    assert_frame_equal(duck, pandas)
    assert duck.attrs == pandas.attrs


@pytest.mark.parametrize("name", ["demo", "task types", "edge cases"])
def test_every_report_is_the_pandas_one_on_every_narrowing(sources, name):
    everything = sources[name]
    for narrow in narrows(everything):
        rows = rowset.narrowed(everything, narrow)
        table = narrow.apply(to_table_frame(everything))
        assert identity(to_table_frame(rows)) == identity(table)  # the same rows, in the same order
        result = reports.result(table)
        workers = table.loc[table["source"].eq(WORKER), "worker_id"]
        assert duck_reports.counts(rows) == (len(result), result[["job", "object_id"]].drop_duplicates().shape[0],
                                             table["job"].nunique(), workers.nunique())
        for freq in ("D", "h"):
            same(duck_reports.over_time(rows, freq), reports.over_time(table, freq))
        same(duck_reports.over_time(rows, "h", 3), reports.over_time(table, "h", 3))  # coarsened
        for attribute in (None, *reports.attribute_names(table)):
            same(duck_reports.class_counts(rows, attribute), reports.class_counts(table, attribute))
        same(duck_reports.per_object(rows), reports.per_object(table))
        same(duck_reports.frame_attribute_counts(rows), reports.frame_attribute_counts(table))
        same(duck_reports.audits(rows), reports.audits(table))


@pytest.mark.parametrize("name", ["demo", "task types", "edge cases"])
def test_the_sidebars_choices_are_the_tables(sources, name):
    rows = sources[name]
    table = to_table_frame(rows)
    assert rowset.attribute_names(rows) == reports.attribute_names(table)
    assert rowset.attribute_names(rows, "frame_attributes") == reports.attribute_names(table, "frame_attributes")
    assert rowset.labels(rows) == sorted(set(table["label"].dropna()))
    times = table["submitted"].dropna()
    assert rowset.days(rows) == (times.min().date(), times.max().date())
    ids = table.loc[table["source"].eq(WORKER), "worker_id"].dropna().unique()
    assert rowset.worker_ids(rows) == list(ids)
    assert rowset.task_types(rows) == list(table["task_type"].unique())


@pytest.mark.parametrize("name", ["demo", "edge cases"])
def test_gold_objects_are_left_out_as_the_pandas_table_leaves_them(sources, name):
    rows = sources[name]
    table = to_table_frame(rows)
    first = table.iloc[len(table) // 2]
    gold = {(first["job"], first["object_id"]): "x", ("no-such-job", "0"): "y"}
    assert identity(to_table_frame(rowset.without_gold(rows, gold))) == identity(reports.without_gold(table, gold))


def test_nothing_dated_and_nothing_at_all():
    rows = edge_rows()
    undated = rows.set_column(rows.schema.get_field_index("submitted"), "submitted",
                              pa.nulls(rows.num_rows, rows.schema.field("submitted").type))
    same(duck_reports.over_time(undated), reports.over_time(to_table_frame(undated)))
    assert rowset.days(undated) is None
    empty = rows.slice(0, 0)
    table = to_table_frame(empty)
    assert duck_reports.counts(empty) == (0, 0, 0, 0)
    for mine, theirs in ((duck_reports.class_counts(empty), reports.class_counts(table)),
                         (duck_reports.per_object(empty), reports.per_object(table)),
                         (duck_reports.frame_attribute_counts(empty), reports.frame_attribute_counts(table)),
                         (duck_reports.audits(empty), reports.audits(table))):
        assert list(mine.columns) == list(theirs.columns) and mine.empty and theirs.empty


@pytest.mark.parametrize("name", ["demo", "task types"])
def test_items_scored_within_their_job_are_the_whole_tables(sources, name):
    """The item browser makes only its job's table: its scores, ranking and rows are the whole table's."""
    rows = sources[name]
    table = to_table_frame(rows)
    every = object_scores(table)
    assert rowset.answered_jobs(rows) == sorted(set(table.loc[table["source"].eq(WORKER), "job"]))
    for job in rowset.answered_jobs(rows):
        mine = to_table_frame(rowset.of_job(rows, job))
        scores = object_scores(mine)
        whole = every[every["job"].eq(job)].reset_index(drop=True)
        assert whole.drop(columns=scores.columns).isna().all().all()  # other task types' measures: none here
        # the same values; the whole table's concatenation of every job's frame may widen a dtype
        assert_frame_equal(scores, whole[scores.columns], check_dtype=False)
        ranked = ranked_items(scores, mine, job)
        assert_frame_equal(ranked, ranked_items(every, table, job))
        if not ranked.empty:
            item = ranked["object"].iloc[0]
            # the same rows and values (a column all missing in one job may have another dtype: the
            # item browser shows only columns with something in them)
            assert_frame_equal(missing_as_none(item_rows(mine, job, item)),
                               missing_as_none(item_rows(table, job, item)))
