"""The race weighted by quality (core.race.weights through core.race.frames.race_table): on the real 2019
birds job, each agreement weight is checked against the share computed here with json and collections
only; on constructed private-workforce output in the real layout, a fast worker who mostly disagrees
leads the plain race and not the weighted ones."""

from __future__ import annotations

import random
from collections import Counter, defaultdict
from datetime import UTC, datetime, timedelta

import numpy as np
import pandas as pd
import pytest
from test_metrics import Birds

from core.ingest import SourceReader
from core.race.frames import RaceOptions, race_table, summary_line
from core.race.share import race_message
from core.race.weights import label_weights
from core.storage import open_location


@pytest.fixture(scope="module")
def birds(birds_dir):
    return SourceReader(open_location(str(birds_dir))).load()


def test_count_is_the_plain_race(birds):
    plain = race_table(birds.answers, {}, "h")
    assert label_weights(birds.answers, "count") is None
    pd.testing.assert_frame_equal(race_table(birds.answers, {}, "h", weights=None), plain)
    assert plain.iloc[-1].sum() == 1510 and plain.dtypes.eq("int64").all()


def test_agreement_weight_is_the_share_of_the_others_who_gave_the_same_label(birds, birds_dir):
    raw = Birds(birds_dir)
    votes = defaultdict(Counter)
    for _, obj, label in raw.answers:
        votes[obj][label.casefold().replace(" ", "")] += 1
    weights = label_weights(birds.answers, "agreement")
    assert weights.between(0, 1).all() and weights.notna().all()  # 5 answers an object: always others
    expected = Counter()  # the sum of the weights per worker, computed from the files
    for worker, obj, label in raw.answers:
        same = votes[obj][label.casefold().replace(" ", "")]
        expected[worker] += (same - 1) / (sum(votes[obj].values()) - 1)
    got = weights.groupby(birds.answers["worker_id"]).sum()
    assert got.to_dict() == pytest.approx(dict(expected))
    table = race_table(birds.answers, {}, "h", weights=weights)
    assert table.iloc[-1].to_dict() == {w: round(x) for w, x in got.items()}
    assert (table.diff().dropna() >= 0).all().all()  # rounded running totals still never fall
    assert table.iloc[-1].sum() < 1510  # disagreements count less than 1


def test_reliability_weight_is_the_estimated_chance_the_label_is_right(birds):
    from core import reliability

    weights = label_weights(birds.answers, "reliability")
    assert weights.between(0, 1).all() and weights.notna().all()
    # Averaged per worker it is the Workers page's Estimated reliability.
    per = weights.groupby(birds.answers["worker_id"]).mean()
    fitted = reliability.estimate(birds.answers, birds.labels, birds.objects).workers.set_index("worker_id")
    assert per.to_dict() == pytest.approx(fitted["reliability"].to_dict())


def test_labels_without_a_single_label_count_zero(birds):
    boxes = birds.answers.assign(label=None)
    for how in ("agreement", "reliability"):
        weights = label_weights(boxes, how)
        assert weights.isna().all()
        assert race_table(boxes, {}, "h", weights=weights).iloc[-1].sum() == 0
    with pytest.raises(ValueError, match="count, agreement, reliability"):
        label_weights(birds.answers, "speed")


CLASSES = ["cat", "dog", "bird", "fish"]


@pytest.fixture
def sloppy_team(gt_output):
    """60 images, each answered by the fast worker (1) and two of three careful workers (2-4). The
    fast one answers every image within the first hours, wrong three times in four; the careful ones
    are always right, and slower."""
    rng = random.Random(5)
    t0 = datetime(2024, 3, 11, 9, tzinfo=UTC)
    objects = {}
    for i in range(60):
        truth = CLASSES[i % 4]
        wrong = rng.random() < 0.75
        fast = gt_output.answer(1, rng.choice([c for c in CLASSES if c != truth]) if wrong else truth,
                                t0 + timedelta(minutes=2 * i))
        careful = [2 + (i % 3), 2 + ((i + 1) % 3)]
        objects[i] = [fast] + [gt_output.answer(w, truth, t0 + timedelta(minutes=6 * i + w)) for w in careful]
    gt_output.job("pets", objects)
    return SourceReader(open_location(str(gt_output.root))).load(), gt_output.worker_id(1)


def test_a_fast_worker_who_disagrees_leads_the_count_race_only(sloppy_team):
    data, fast = sloppy_team
    answers = data.answers
    plain = race_table(answers, {}, "h")
    assert plain.columns[0] == fast and plain.iloc[-1, 0] == 60  # 60 labels against 40 each
    for how in ("agreement", "reliability"):
        weights = label_weights(answers, how)
        assert weights.between(0, 1).all()
        weighted = race_table(answers, {}, "h", weights=weights)
        assert weighted.columns[0] != fast, how  # the leader is a careful worker
        assert weighted.iloc[-1][fast] < weighted.iloc[-1].drop(fast).min(), how  # and the fast one is last
        assert list(weighted.index) == list(plain.index)  # the same periods
    assert summary_line(plain).startswith(f"180 labels. Top 3: {fast} (60), ")
    assert summary_line(weighted).startswith(f"{weighted.iloc[-1].sum():,} weighted labels. Top 3: ")
    assert RaceOptions(weight=how).unit == "weighted labels" and RaceOptions().unit == "labels"
    # The message the team gets says so too.
    subject, body = race_message("Labels per worker, weighted by agreement", weighted, "https://example.com/r")
    assert "weighted labels. Top 3" in body and "weighted labels" in subject
    assert np.isclose(label_weights(answers, "agreement")[answers["worker_id"] != fast].min(), 0.5)
