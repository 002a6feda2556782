"""The annotation-level reports over the source of tests/unit/test_quality_report.py (one job of
each task type), with figures counted by hand from that tree."""

from __future__ import annotations

from datetime import date

import pandas as pd
import pytest
from test_quality_report import A, B, source  # noqa: F401  (tests/unit is on sys.path)

from core.annotations import reports
from core.annotations.reports import Narrow
from core.annotations.source import read_source
from core.annotations.summary import annotation_summary
from core.storage import open_location


@pytest.fixture(scope="module")
def table(source):  # noqa: F811
    return read_source(open_location(str(source))).table


def test_class_counts_are_of_each_jobs_result(table):
    counts = reports.class_counts(table)
    fruit = counts[counts["job"].eq("fruit-ic")].set_index("label")["annotations"].to_dict()
    assert fruit == {"apple": 2, "pear": 1}  # the consolidated labels, not the 5 answers
    cars = counts[counts["job"].eq("cars-bb")].set_index("label")["annotations"].to_dict()
    assert cars == {"car": 1, "person": 1}


def test_class_counts_by_a_label_attribute(table):
    video = reports.class_counts(table, "parked").query("job == 'traffic-vod'")
    assert video[["label", "value", "annotations"]].values.tolist() == [["car", "(none)", 1], ["car", "yes", 1]]


def test_attribute_names_and_frame_attribute_counts(table):
    assert reports.attribute_names(table) == {"parked": ["yes"]}
    assert reports.attribute_names(table, "frame_attributes") == {"light": ["day", "dusk"]}
    frames = reports.frame_attribute_counts(table)
    assert frames[["job", "attribute", "value", "frames"]].values.tolist() == [
        ["traffic-vod", "light", "day", 1], ["traffic-vod", "light", "dusk", 2]]  # frame 2 has no box


def test_a_frame_without_boxes_counts_for_its_attributes_not_as_a_box(table):
    summary = annotation_summary(table).query("job == 'traffic-vod'")
    light = summary[summary["what"].eq("frame attribute")].set_index("value")["count"].to_dict()
    assert light == {"day": 1, "dusk": 2}
    assert summary[summary["what"].eq("class")].set_index("value")["count"].to_dict() == {"car": 2}
    assert summary[summary["what"].eq("per frame")]["count"].tolist() == [1, 1, 1]  # frames 0 and 1 only
    video = reports.per_object(table).query("job == 'traffic-vod'")
    assert video[["per", "annotations", "objects"]].values.tolist() == [["frame", 1, 2]]


def test_over_time_counts_the_workers_units_per_period_and_class(table):
    daily = reports.over_time(table.query("job == 'fruit-ic'"), "D")
    assert daily[["label", "annotations"]].values.tolist() == [["apple", 4], ["pear", 1]]
    assert str(daily["period"].iloc[0]) == "2025-02-03 00:00:00"


def test_over_time_coarsens_past_a_charts_worth_of_periods_and_says_so(table):
    fruit = table.query("job == 'fruit-ic'").copy()
    answers = fruit.index[fruit["source"].eq("worker")]
    fruit.loc[answers[-1], "submitted"] = fruit.loc[answers[0], "submitted"] + pd.Timedelta(days=40)
    hourly = reports.over_time(fruit, "h")
    assert hourly.attrs["note"] and "961 periods, over the limit of 500" in hourly.attrs["note"]
    assert hourly.attrs["step"] != "hour" and hourly["annotations"].sum() == 5  # every unit still counted
    assert reports.over_time(fruit, "D").attrs["note"] is None


def test_per_object_histogram(table):
    people = reports.per_object(table).query("job == 'people-ner'")
    assert people[["per", "annotations", "objects"]].values.tolist() == [["object", 3, 1]]
    video = reports.per_object(table).query("job == 'traffic-vot'")
    assert video[["per", "annotations", "objects"]].values.tolist() == [["frame", 2, 6]]  # 2 cars, 2 videos of 3


def test_audits_per_audit_job(table):
    found = reports.audits(table).set_index("job")
    assert found.loc["cars-verify", ["audited_job", "kind", "objects", "passed", "failed"]].tolist() == [
        "cars-bb", "verification", 1, 0, 1]
    assert found.loc["cars-adjust", ["kind", "objects", "adjusted"]].tolist() == ["adjustment", 1, 1]


def test_narrowing_by_worker_day_class_and_attribute(table):
    mine = Narrow(jobs=("fruit-ic",), worker=B).apply(table)
    assert set(mine.query("source == 'worker'")["worker_id"]) == {B}
    assert sorted(mine.query("source == 'consolidated'")["object_id"]) == ["0", "1"]  # what B answered
    assert Narrow(start=date(2025, 2, 4)).apply(table).query("source == 'worker'").empty
    assert set(Narrow(label="pear").apply(table)["label"]) == {"pear"}
    parked = Narrow(attribute=("parked", "yes")).apply(table)
    assert len(parked) == 1 and parked["frame"].iloc[0] == 0
    assert Narrow().apply(table) is table
