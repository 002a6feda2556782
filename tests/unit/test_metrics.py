"""Worker metrics on the real bird job (checked against computations done here with json and
collections only) and on constructed private-workforce output with known times."""

from __future__ import annotations

import csv
import json
import math
from collections import Counter, defaultdict
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from statistics import median

import pandas as pd
import pytest

from core import metrics
from core.gold import read_gold
from core.ingest import SourceData, SourceReader
from core.storage import open_location
from core.workers import Selection, worker_charts, worker_report

TIME_COLUMNS = ["time_spent_s", "time_per_label_s_min", "time_per_label_s_mean", "time_per_label_s_median",
                "time_per_label_s_max"]


def load(path: Path) -> SourceData:
    return SourceReader(open_location(str(path))).load()


def workers_only(report: pd.DataFrame) -> pd.DataFrame:
    return report[report["worker"] != metrics.TEAM].set_index("worker_id")


def team(report: pd.DataFrame) -> pd.Series:
    rows = report[report["worker"] == metrics.TEAM]
    assert len(rows) == 1
    return rows.iloc[0]


# --- the real fixture, checked independently ----------------------------------------------------


class Birds:
    """The fixture read with json and collections only: what the metrics must agree with."""

    def __init__(self, folder: Path):
        lines = [json.loads(line) for line in (folder / "output.manifest").read_text().splitlines()]
        self.sources = [line["source-ref"] for line in lines]
        self.consolidated = [line["birds-open-images-clone-metadata"]["class-name"] for line in lines]
        truth = {item["ImageId"]: item["Label"] for item in json.loads((folder / "true_labels.json").read_text())}
        self.truth = [truth[Path(src).stem] for src in self.sources]
        self.answers = []  # (worker, object index, label)
        for path in sorted((folder / "worker-response").glob("iteration-*/*/*.json")):
            for a in json.loads(path.read_text())["answers"]:
                label = a["answerContent"]["crowd-image-classifier"]["label"]
                self.answers.append((a["workerId"], int(path.parent.name), label))
        votes = defaultdict(Counter)
        for _, obj, label in self.answers:
            votes[obj][label] += 1
        self.majority = {}
        for obj, counter in votes.items():
            (top, n), *rest = counter.most_common()
            self.majority[obj] = None if rest and rest[0][1] == n else top

    def rate(self, reference) -> dict[str, float]:
        """Per worker: the share of their answers equal to reference[object] (None = not counted)."""
        hits, total = Counter(), Counter()
        for worker, obj, label in self.answers:
            if reference(obj) is None:
                continue
            total[worker] += 1
            hits[worker] += label == reference(obj)
        return {w: hits[w] / total[w] for w in total}


@pytest.fixture(scope="module")
def birds(birds_dir) -> SourceData:
    return load(birds_dir)


@pytest.fixture(scope="module")
def birds_raw(birds_dir) -> Birds:
    return Birds(birds_dir)


@pytest.fixture(scope="module")
def birds_gold(birds_dir, birds_raw, tmp_path_factory) -> dict[str, str]:
    """A gold CSV built from true_labels.json, ImageId mapped to the manifest's source-ref."""
    path = tmp_path_factory.mktemp("gold") / "gold.csv"
    with path.open("w", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["source-ref", "label"])
        writer.writerows(zip(birds_raw.sources, birds_raw.truth, strict=True))
    return read_gold(path.name, path.read_bytes())


@pytest.fixture(scope="module")
def birds_report(birds, birds_gold) -> pd.DataFrame:
    return worker_report(birds, gold=birds_gold)


def test_fixture_labels_per_worker(birds_report, birds_raw):
    workers = workers_only(birds_report)
    assert workers["labels"].sum() == 1510
    assert workers["labels"].to_dict() == dict(Counter(w for w, _, _ in birds_raw.answers))
    # Each of the 5 answers of an object is from a different worker: objects == labels.
    assert (workers["objects"] == workers["labels"]).all()
    assert (workers["jobs"] == 1).all()
    assert list(workers["labels"]) == sorted(workers["labels"], reverse=True)  # most labels first


def test_fixture_team_row(birds_report, birds):
    row = team(birds_report)
    assert (row["labels"], row["objects"], row["jobs"]) == (1510, 302, 1)
    assert row["first_submission"] == birds.answers["submission_time"].min()
    assert row["last_submission"] == birds.answers["submission_time"].max()
    assert len(birds_report) == 97 + 1


def test_fixture_agreement_with_the_consolidated_label(birds_report, birds_raw):
    expected = birds_raw.rate(lambda obj: birds_raw.consolidated[obj])
    got = workers_only(birds_report)["agreement"].to_dict()
    assert got.keys() == expected.keys()
    for worker, value in expected.items():
        assert got[worker] == pytest.approx(value), worker
    assert len(set(expected.values())) > 5  # the fixture really discriminates between workers
    assert team(birds_report)["agreement"] == pytest.approx(median(expected.values()))


def test_fixture_majority_agreement_and_ties(birds, birds_report, birds_raw):
    expected = birds_raw.rate(lambda obj: birds_raw.majority[obj])
    got = workers_only(birds_report)["majority_agreement"].to_dict()
    for worker, value in expected.items():
        assert got[worker] == pytest.approx(value), worker
    agreed = metrics.consensus(birds.answers, birds.labels).set_index("object_id")
    ties = [obj for obj, label in birds_raw.majority.items() if label is None]
    assert ties, "the fixture has objects with tied votes"
    for obj in ties:
        assert pd.isna(agreed.loc[str(obj), "majority"])
    for obj in (o for o in birds_raw.majority if birds_raw.majority[o] is not None):
        assert agreed.loc[str(obj), "majority"] == metrics.normalize_label(birds_raw.majority[obj])


def test_fixture_accuracy_against_true_labels(birds_report, birds_raw, birds_gold):
    assert len(birds_gold) == 302
    expected = birds_raw.rate(lambda obj: birds_raw.truth[obj])
    got = workers_only(birds_report)["accuracy"].to_dict()
    assert got.keys() == expected.keys()
    for worker, value in expected.items():
        assert got[worker] == pytest.approx(value), worker
    # Gold and the consolidated label disagree on some images, so accuracy is not agreement.
    assert any(t != c for t, c in zip(birds_raw.truth, birds_raw.consolidated, strict=True))
    assert workers_only(birds_report)["accuracy"].ne(workers_only(birds_report)["agreement"]).any()
    assert team(birds_report)["accuracy"] == pytest.approx(median(expected.values()))


def test_fixture_times_are_unknown_not_zero(birds_report):
    for col in TIME_COLUMNS:
        assert birds_report[col].isna().all(), col
    assert birds_report["labels_per_active_hour"].notna().all()
    assert (birds_report["active_days"] == 1).all()


def test_fixture_without_gold_has_unknown_accuracy(birds):
    report = worker_report(birds)
    assert report["accuracy"].isna().all()
    assert report["agreement"].notna().all()


# --- constructed data ---------------------------------------------------------------------------

DAY1, DAY2 = date(2024, 3, 12), date(2024, 3, 13)
# Worker ids sort in a different order (0xa < 0xb < 0xc) than first submissions (W1, W2, W3).
W1, W2, W3 = 0xC, 0xA, 0xB


def at(day: date, hh: int, mm: int, ss: int = 0, ms: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hh, mm, ss, ms * 1000, tzinfo=UTC)


@pytest.fixture
def team_data(gt_output) -> tuple[SourceData, object]:
    """Two jobs over two days. W1: 6 answers with timeSpentInSeconds 2,4,9,5 (day 1, hours 10 and 14)
    and 1,3 (day 2, hour 9). W2: one answer with only acceptance->submission (30.5 s), one with no
    time at all (day 1, hour 11). W3: no times (day 1 hour 16, day 2 hour 9)."""
    a = gt_output.answer
    gt_output.job("job-a", {
        0: [a(W1, "Cat", at(DAY1, 10, 5), 2.0), a(W2, "Cat", at(DAY1, 11, 0, 30, 500), None,
                                                    accepted=at(DAY1, 11, 0))],
        1: [a(W1, "Dog", at(DAY1, 10, 20, 0, 250), 4.0), a(W2, "Dog", at(DAY1, 11, 40), None, accepted=None)],
        2: [a(W1, "Cat", at(DAY1, 10, 50), 9.0)],
        3: [a(W1, "Owl", at(DAY1, 14, 10), 5.0)],
    })
    gt_output.job("job-b", {
        0: [a(W1, "Cat", at(DAY2, 9, 0), 1.0), a(W3, "Cat", at(DAY2, 9, 10), None, accepted=None)],
        1: [a(W1, "Dog", at(DAY2, 9, 30), 3.0), a(W3, "Owl", at(DAY1, 16, 0), None, accepted=None)],
    }, classes={1: "Dog"})
    return load(gt_output.root), gt_output


def test_time_metrics_are_exact(team_data):
    data, gt = team_data
    report = worker_report(data)
    workers = workers_only(report)
    w1, w2, w3 = (workers.loc[gt.worker_id(n)] for n in (W1, W2, W3))
    assert (w1["labels"], w1["objects"], w1["jobs"]) == (6, 6, 2)
    assert w1["time_spent_s"] == pytest.approx(24.0)
    assert (w1["time_per_label_s_min"], w1["time_per_label_s_max"]) == (1.0, 9.0)
    assert w1["time_per_label_s_mean"] == pytest.approx(4.0)
    assert w1["time_per_label_s_median"] == pytest.approx(3.5)
    # W2: the elapsed time counts, the unknown one is left out (not counted as 0).
    assert w2["time_spent_s"] == pytest.approx(30.5)
    assert w2["time_per_label_s_min"] == w2["time_per_label_s_max"] == pytest.approx(30.5)
    assert w2["time_per_label_s_mean"] == pytest.approx(30.5)
    for col in TIME_COLUMNS:
        assert math.isnan(w3[col]), col
    row = team(report)
    assert row["time_spent_s"] == pytest.approx(54.5)
    assert (row["time_per_label_s_min"], row["time_per_label_s_max"]) == (1.0, 30.5)
    assert (row["labels"], row["objects"], row["jobs"], row["active_days"]) == (10, 6, 2, 2)


def test_worker_charts_summarise_the_answers(team_data):
    data, gt = team_data
    w1, w2, w3 = (gt.worker_id(n) for n in (W1, W2, W3))
    # W2 and W3 shown under one name: one bar, their answers pooled.
    charts = worker_charts(data.answers, {w1: "Ann", w2: "Bo", w3: "Bo"})
    assert charts.order == ["Ann", "Bo"]  # 6 labels, then 2 + 2
    per_job = {(r.worker, r.job): r.labels for r in charts.per_job.itertuples()}
    assert per_job == {("Ann", "job-a"): 4, ("Ann", "job-b"): 2, ("Bo", "job-a"): 2, ("Bo", "job-b"): 2}
    # Ann's times 1,2,3,4,5,9; Bo's only known one is W2's 30.5 s (the unknown ones are left out).
    ann = charts.seconds.set_index("worker").loc["Ann"]
    assert (ann["min"], ann["median"], ann["max"]) == (1.0, pytest.approx(3.5), 9.0)
    assert ann["q1"] == pytest.approx(2.25) and ann["q3"] == pytest.approx(4.75)
    bo = charts.seconds.set_index("worker").loc["Bo"]
    assert bo["min"] == bo["max"] == pytest.approx(30.5)
    # An id with no name is shown as itself.
    assert worker_charts(data.answers, {}).order[0] == w1
    # No time known at all (the older public-workforce format): no boxes, still the bars.
    untimed = worker_charts(data.answers.assign(time_spent_s=float("nan")), {})
    assert untimed.seconds.empty and untimed.per_job["labels"].sum() == 10


def test_labels_per_active_hour_and_active_days(team_data):
    data, gt = team_data
    workers = workers_only(worker_report(data))
    # W1: 6 labels in 3 clock hours; W2: 2 in 1; W3: 2 in 2.
    assert workers["labels_per_active_hour"].to_dict() == {gt.worker_id(W1): 2.0, gt.worker_id(W2): 2.0,
                                                           gt.worker_id(W3): 1.0}
    assert workers["active_days"].to_dict() == {gt.worker_id(W1): 2, gt.worker_id(W2): 1, gt.worker_id(W3): 2}


def test_date_range_selection(team_data):
    data, gt = team_data
    day2 = workers_only(worker_report(data, Selection(start=DAY2, end=DAY2)))
    assert day2["labels"].to_dict() == {gt.worker_id(W1): 2, gt.worker_id(W3): 1}
    assert day2.loc[gt.worker_id(W1), "time_spent_s"] == pytest.approx(4.0)
    assert day2.loc[gt.worker_id(W1), "time_per_label_s_mean"] == pytest.approx(2.0)
    day1 = workers_only(worker_report(data, Selection(end=DAY1)))
    assert day1["labels"].to_dict() == {gt.worker_id(W1): 4, gt.worker_id(W2): 2, gt.worker_id(W3): 1}
    assert day1.loc[gt.worker_id(W1), "time_spent_s"] == pytest.approx(20.0)
    since2 = worker_report(data, Selection(start=DAY2))
    assert team(since2)["labels"] == 3
    assert worker_report(data, Selection(start=date(2025, 1, 1)))["labels"].sum() == 0


def test_job_selection(team_data):
    data, gt = team_data
    report = worker_report(data, Selection(jobs=("job-b",)))
    workers = workers_only(report)
    assert workers["labels"].to_dict() == {gt.worker_id(W1): 2, gt.worker_id(W3): 2}
    assert (workers["jobs"] == 1).all()
    assert (team(report)["labels"], team(report)["objects"], team(report)["jobs"]) == (4, 2, 1)
    # Agreement within job-b: W1 matches both lines; W3 matches line 0 (Cat), not line 1 (Dog vs Owl).
    assert workers["agreement"].to_dict() == {gt.worker_id(W1): 1.0, gt.worker_id(W3): 0.5}


def test_anonymize_numbers_by_first_submission_and_drops_ids(team_data):
    data, gt = team_data
    report = worker_report(data, anonymize=True)
    assert "worker_id" not in report.columns and "sub" not in report.columns
    by_labels = dict(zip(report["worker"], report["labels"], strict=True))
    assert by_labels == {"Worker 1": 6, "Worker 2": 2, "Worker 3": 2, metrics.TEAM: 10}
    text = report.to_csv()
    for n in (W1, W2, W3):
        assert gt.worker_id(n) not in text and gt.sub(n) not in text
    # A filter leaves the numbering alone: W3 stays Worker 3 although W2 is filtered out.
    day2 = worker_report(data, Selection(start=DAY2), anonymize=True)
    assert dict(zip(day2["worker"], day2["labels"], strict=True)) == {"Worker 1": 2, "Worker 3": 1, metrics.TEAM: 3}
    only_b = worker_report(data, Selection(jobs=("job-b",)), anonymize=True)
    assert set(only_b["worker"]) == {"Worker 1", "Worker 3", metrics.TEAM}


def test_labels_over_time_is_a_regular_grid(team_data):
    data, gt = team_data
    over = metrics.labels_over_time(data.answers)
    periods = sorted(over["period"].unique())
    assert periods[0] == pd.Timestamp("2024-03-12T10:00:00Z")
    assert periods[-1] == pd.Timestamp("2024-03-13T09:00:00Z")
    assert len(periods) == 24
    assert all(b - a == pd.Timedelta(hours=1) for a, b in zip(periods, periods[1:], strict=False))
    assert len(over) == 24 * 3  # every worker in every hour
    assert over["labels"].sum() == 10
    counts = over.set_index(["period", "worker_id"])["labels"]
    assert counts[(pd.Timestamp("2024-03-12T10:00:00Z"), gt.worker_id(W1))] == 3
    assert counts[(pd.Timestamp("2024-03-13T09:00:00Z"), gt.worker_id(W3))] == 1
    night = over[over["period"] == pd.Timestamp("2024-03-13T03:00:00Z")]
    assert list(night["labels"]) == [0, 0, 0]
    daily = metrics.labels_over_time(data.answers, "D")
    assert len(daily) == 2 * 3 and daily["labels"].sum() == 10


def test_majority_vote_ties_give_no_majority(gt_output):
    a, t = gt_output.answer, datetime(2024, 3, 12, 10, 0, tzinfo=UTC)
    gt_output.job("tie", {
        0: [a(1, "Cat", t), a(2, "Cat", t), a(3, "Dog", t), a(4, "Dog", t)],  # 2:2, no majority
        1: [a(1, "Cat", t), a(2, "Cat", t), a(3, "Cat", t), a(4, "Dog", t)],  # 3:1
        2: [a(1, "Owl", t), a(2, "Cat", t), a(3, "Dog", t)],  # 1:1:1, no majority
    }, classes={0: "Cat", 1: "Cat", 2: "Owl"})
    data = load(gt_output.root)
    agreed = metrics.consensus(data.answers, data.labels).set_index("object_id")
    assert pd.isna(agreed.loc["0", "majority"]) and pd.isna(agreed.loc["2", "majority"])
    assert agreed.loc["1", "majority"] == "cat"
    assert agreed["consolidated"].to_dict() == {"0": "cat", "1": "cat", "2": "owl"}
    workers = workers_only(worker_report(data))
    # Majority agreement counts only object 1; agreement with the manifest counts all three.
    assert workers["majority_agreement"].to_dict() == {
        gt_output.worker_id(1): 1.0, gt_output.worker_id(2): 1.0, gt_output.worker_id(3): 1.0,
        gt_output.worker_id(4): 0.0,
    }
    assert workers.loc[gt_output.worker_id(1), "agreement"] == 1.0
    assert workers.loc[gt_output.worker_id(3), "agreement"] == pytest.approx(1 / 3)


def test_label_normalization(gt_output):
    assert metrics.normalize_label("Blue jay") == metrics.normalize_label("Bluejay") == metrics.normalize_label(
        "blue_jay") == metrics.normalize_label(" BLUE-JAY ")
    assert metrics.normalize_label("Blue") != metrics.normalize_label("Bluejay")
    assert metrics.normalize_label("   ") is None and metrics.normalize_label(None) is None
    a, t = gt_output.answer, datetime(2024, 3, 12, 10, 0, tzinfo=UTC)
    root = gt_output.job("jays", {
        0: [a(1, "Bluejay", t), a(2, "Blue", t), a(3, "bluejay", t)],
        1: [a(1, "Great tit", t), a(2, "Great tit", t), a(3, "Greattit", t)],
    }, classes={0: "Bluejay", 1: "Great tit"})
    data = load(root.parent)
    gold = {"s3://bucket/images/0.jpg": "Blue jay", "s3://bucket/images/1.jpg": "great_tit"}
    workers = workers_only(worker_report(data, gold=gold))
    assert workers["accuracy"].to_dict() == {gt_output.worker_id(1): 1.0, gt_output.worker_id(2): 0.5,
                                             gt_output.worker_id(3): 1.0}
    assert workers["agreement"].to_dict() == workers["accuracy"].to_dict()


def test_gold_for_other_objects_leaves_accuracy_unknown(gt_output):
    t = datetime(2024, 3, 12, 10, 0, tzinfo=UTC) + timedelta(minutes=1)
    gt_output.job("job", {0: [gt_output.answer(1, "Cat", t)], 1: [gt_output.answer(2, "Dog", t)]})
    data = load(gt_output.root)
    workers = workers_only(worker_report(data, gold={"s3://bucket/images/1.jpg": "Cat"}))
    assert math.isnan(workers.loc[gt_output.worker_id(1), "accuracy"])
    assert workers.loc[gt_output.worker_id(2), "accuracy"] == 0.0
