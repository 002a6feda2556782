"""Single-label match rate and confusion, multi-label Jaccard, verification pass rates
(core.quality.classes, sets, audit), against cases computed by hand."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from core.quality.audit import pass_rates
from core.quality.classes import confusion_matrix, exact_match_rate, label_scores
from core.quality.sets import jaccard, jaccard_scores

# --- classification ---------------------------------------------------------------------------


def test_exact_match_rate_by_hand():
    # 3 of 4 answers equal the reference -> 0.75.
    assert exact_match_rate(["cat", "dog", "owl", "cat"], ["cat", "dog", "cat", "cat"]) == 0.75


def test_exact_match_rate_missing_sides():
    # Missing reference: left out (2 compared, 1 right -> 0.5). Missing answer: wrong.
    assert exact_match_rate(["cat", "dog", "owl"], ["cat", None, "cat"]) == 0.5
    assert exact_match_rate([None, "cat"], ["cat", "cat"]) == 0.5
    assert math.isnan(exact_match_rate(["cat"], [None]))
    assert math.isnan(exact_match_rate([], []))
    with pytest.raises(ValueError, match="2 answers for 1"):
        exact_match_rate(["a", "b"], ["a"])


def test_confusion_matrix_by_hand():
    answers = ["cat", "dog", "dog", "cat", "cat"]
    reference = ["cat", "cat", "dog", "dog", "cat"]
    m = confusion_matrix(answers, reference, classes=["cat", "dog", "owl"])
    # reference cat: answered cat twice (objects 0, 4), dog once (1); reference dog: cat once, dog once.
    # owl: given as a class, never seen -> a zero row and column.
    expected = pd.DataFrame([[2, 1, 0], [1, 1, 0], [0, 0, 0]], index=["cat", "dog", "owl"],
                            columns=["cat", "dog", "owl"])
    pd.testing.assert_frame_equal(m, expected, check_names=False)
    assert (m.index.name, m.columns.name) == ("reference", "answer")
    assert m.to_numpy().sum() == len(answers)


def test_confusion_matrix_every_class_on_both_axes():
    # 'emu' appears only in the answers and 'owl' only in the reference: both on both axes.
    m = confusion_matrix(["emu", "cat"], ["owl", "cat"])
    assert list(m.index) == list(m.columns) == ["cat", "emu", "owl"]
    assert m.loc["owl", "emu"] == 1 and m.loc["cat", "cat"] == 1 and m.to_numpy().sum() == 2


def test_confusion_matrix_empty_and_identical():
    assert confusion_matrix([], [], classes=["a", "b"]).to_numpy().tolist() == [[0, 0], [0, 0]]
    m = confusion_matrix(["a", "b", "b"], ["a", "b", "b"])
    assert m.to_numpy().tolist() == [[1, 0], [0, 2]]


def test_label_scores_feed_the_rollup():
    answers = pd.DataFrame({"job": "j", "worker": ["w1", "w1", "w2"], "object": ["o1", "o2", "o1"],
                            "label": ["cat", "dog", "dog"]})
    scores = label_scores(answers, {"o1": "cat"})
    # o1: w1 right (1), w2 wrong (0); o2 has no reference: NaN.
    assert scores["score"].tolist()[::2] == [1.0, 0.0] and math.isnan(scores["score"].iloc[1])
    assert list(scores.columns) == ["job", "worker", "object", "score"]


# --- multi-label ------------------------------------------------------------------------------


def test_jaccard_by_hand():
    assert jaccard({"a", "b"}, {"b", "c"}) == pytest.approx(1 / 3)  # {b} / {a, b, c}
    assert jaccard(["a", "b"], ["b", "a"]) == 1.0
    assert jaccard({"a"}, {"b"}) == 0.0
    assert jaccard([], []) == 1.0  # both: no label applies
    assert jaccard([], ["a"]) == 0.0


def test_jaccard_scores_per_worker_and_object():
    answers = pd.DataFrame({
        "worker": ["w1", "w1", "w2", "w2"],
        "object": ["o1", "o2", "o1", "o3"],
        "labels": [["a", "b"], ["c"], ["a"], ["z"]],
    })
    reference = {"o1": ["a", "b"], "o2": ["c", "d"]}
    scores = jaccard_scores(answers, reference)
    # w1: o1 2/2 = 1, o2 1/2. w2: o1 1/2, o3 no reference -> NaN (unknown, not 0).
    assert scores["score"].tolist()[:3] == [1.0, 0.5, 0.5] and math.isnan(scores["score"].iloc[3])
    assert scores.groupby("worker")["score"].mean().to_dict() == {"w1": 0.75, "w2": 0.5}


# --- verification -----------------------------------------------------------------------------


def test_pass_rates_by_hand():
    verdicts = pd.DataFrame({
        "original_worker": ["w1", "w1", "w1", "w2", "w2", "w2"],
        "label": ["cat", "cat", "dog", "dog", "dog", "cat"],
        "verdict": ["pass", "FAIL", " Pass ", True, False, None],
    })
    workers, labels = pass_rates(verdicts)
    # w1: 2 of 3 pass. w2: 1 of 2 (the missing verdict is not a check).
    assert workers.to_dict("list") == {"original_worker": ["w1", "w2"], "checked": [3, 2], "passed": [2, 1],
                                       "pass_rate": [2 / 3, 0.5]}
    # cat: pass, fail -> 1/2. dog: pass, pass, fail -> 2/3.
    assert labels.to_dict("list") == {"label": ["cat", "dog"], "checked": [2, 3], "passed": [1, 2],
                                      "pass_rate": [0.5, 2 / 3]}


def test_pass_rates_refuse_unknown_verdicts():
    bad = pd.DataFrame({"original_worker": ["w1"], "label": ["cat"], "verdict": ["maybe"]})
    with pytest.raises(ValueError, match="'maybe'"):
        pass_rates(bad)


def test_pass_rates_nothing_checked():
    workers, labels = pass_rates(pd.DataFrame({"original_worker": ["w1"], "label": ["cat"], "verdict": [None]}))
    assert workers.empty and labels.empty
