"""Box IoU and one-to-one matching (core.quality.boxes, core.quality.matching), against cases
computed by hand."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from core.quality.boxes import box_scores, iou_matrix, match_boxes
from core.quality.matching import Counts, assign
from core.quality.rollup import JOB, by_worker

# (left, top, width, height)
A = (0, 0, 10, 10)


def test_iou_by_hand():
    # A and (5,0,10,10): overlap 5x10 = 50, union 100+100-50 = 150 -> 1/3.
    # A and (0,0,5,5): overlap 25, union 100 -> 1/4. A and itself: 1. A and (10,0,..): touch only -> 0.
    ious = iou_matrix([A], [(5, 0, 10, 10), (0, 0, 5, 5), A, (10, 0, 10, 10), (50, 50, 3, 3)])
    np.testing.assert_allclose(ious, [[1 / 3, 1 / 4, 1.0, 0.0, 0.0]])


def test_iou_matrix_shape_and_symmetry():
    a = [A, (2, 3, 4, 5)]
    b = [(1, 1, 8, 8), (5, 5, 10, 10), (0, 0, 1, 1)]
    m = iou_matrix(a, b)
    assert m.shape == (2, 3)
    np.testing.assert_allclose(m, iou_matrix(b, a).T)
    # (2,3,4,5) and (1,1,8,8): the small box [2,6]x[3,8] lies inside [1,9]x[1,9] -> 20 / 64.
    assert m[1, 0] == pytest.approx(20 / 64)


def test_iou_empty_and_zero_area():
    assert iou_matrix([], [A]).shape == (0, 1)
    assert iou_matrix([A], []).shape == (1, 0)
    assert iou_matrix([(3, 3, 0, 0)], [(3, 3, 0, 0)])[0, 0] == 0.0  # no area: no IoU, not NaN


def test_bad_boxes_are_refused():
    with pytest.raises(ValueError, match="left, top, width, height"):
        iou_matrix([(1, 2, 3)], [A])
    with pytest.raises(ValueError, match="negative"):
        iou_matrix([(0, 0, -1, 2)], [A])


def test_match_by_hand():
    # Reference: A and (20,0,10,10). Predicted: A shifted by 1 (IoU 9*10/(200-90) = 90/110 = 9/11),
    # (25,0,10,10) (IoU 5*10/150 = 1/3 < 0.5: no match), and a stray box far away.
    ref = [A, (20, 0, 10, 10)]
    pred = [(1, 0, 10, 10), (25, 0, 10, 10), (100, 100, 5, 5)]
    m = match_boxes(ref, pred)
    assert [(r, p) for r, p, _ in m.pairs] == [(0, 0)]
    assert m.pairs[0][2] == pytest.approx(9 / 11)
    assert (m.counts.tp, m.counts.n_ref, m.counts.n_pred) == (1, 2, 3)
    assert m.precision == pytest.approx(1 / 3)
    assert m.recall == pytest.approx(1 / 2)
    assert m.f1 == pytest.approx(2 * 1 / (2 + 3))  # harmonic mean of 1/3 and 1/2 = 0.4
    assert m.mean_iou == pytest.approx(9 / 11)
    # At threshold 1/3 the second pair (IoU exactly 1/3) matches: the threshold is inclusive.
    low = match_boxes(ref, pred, threshold=1 / 3)
    assert low.counts.tp == 2 and low.mean_iou == pytest.approx((9 / 11 + 1 / 3) / 2)


def test_identical_sets_match_perfectly():
    boxes = [A, (20, 0, 10, 10), (5, 5, 10, 10)]
    m = match_boxes(boxes, boxes[::-1])
    assert (m.precision, m.recall, m.f1, m.mean_iou) == (1.0, 1.0, 1.0, 1.0)


def test_no_overlap():
    m = match_boxes([A], [(50, 50, 10, 10)])
    assert m.pairs == () and (m.precision, m.recall, m.f1) == (0.0, 0.0, 0.0)
    assert math.isnan(m.mean_iou)


def test_empty_sets():
    both = match_boxes([], [])
    assert (both.precision, both.recall, both.f1) == (1.0, 1.0, 1.0)  # agreed: nothing to label
    assert math.isnan(both.mean_iou)
    missed = match_boxes([A], [])
    assert missed.recall == 0.0 and missed.f1 == 0.0 and math.isnan(missed.precision)
    stray = match_boxes([], [A])
    assert stray.precision == 0.0 and stray.f1 == 0.0 and math.isnan(stray.recall)


def test_hungarian_beats_greedy():
    # ref0 = [0,10], ref1 = [6,16]; pred0 = [3,13], pred1 = [-3,7] (x ranges; all 10 high).
    # IoU(ref0,pred0) = IoU(ref0,pred1) = IoU(ref1,pred0) = 7*10 / (200-70) = 7/13 (0.54);
    # IoU(ref1,pred1) = 1*10 / 190 = 1/19. Greedy (first best pair: ref0-pred0) leaves ref1 only
    # pred1, below the threshold: one match. One to one, ref0-pred1 and ref1-pred0 make two.
    m = match_boxes([A, (6, 0, 10, 10)], [(3, 0, 10, 10), (-3, 0, 10, 10)])
    assert sorted((r, p) for r, p, _ in m.pairs) == [(0, 1), (1, 0)]
    assert m.f1 == 1.0 and m.mean_iou == pytest.approx(7 / 13)


def test_most_pairs_before_highest_total_iou():
    # Eligible at threshold 0.4: r0-p0 1.0, r0-p1 0.4, r1-p0 0.4. The highest total alone would take
    # r0-p0 (1.0 > 0.4 + 0.4) and miss r1; the matching takes both weak pairs (two matches).
    score = np.array([[1.0, 0.4], [0.4, 0.0]])
    rows, cols = assign(score, score >= 0.4)
    assert sorted(zip(rows.tolist(), cols.tolist(), strict=True)) == [(0, 1), (1, 0)]
    # Among matchings of equal size the total decides: r0-p0 (0.9) + r1-p1 (0.8) over 0.6 + 0.6.
    score = np.array([[0.9, 0.6], [0.6, 0.8]])
    rows, cols = assign(score, score >= 0.5)
    assert list(zip(rows.tolist(), cols.tolist(), strict=True)) == [(0, 0), (1, 1)]


def test_one_row_or_column_takes_the_best_eligible_pair_as_the_solver_does():
    """A single reference or predicted box is matched without the solver: the same pair count and IoU."""
    from scipy.optimize import linear_sum_assignment

    rng = np.random.default_rng(3)
    for shape in [(1, n) for n in range(1, 6)] + [(n, 1) for n in range(2, 6)]:
        for _ in range(40):
            score = rng.choice([0.0, 0.3, 0.5, 0.7, 1.0], size=shape)
            eligible = score >= 0.5
            rows, cols = assign(score, eligible)
            cost = np.where(eligible, 1.0 - score, 2.0)
            r, c = linear_sum_assignment(cost)
            keep = eligible[r, c]
            assert len(rows) == keep.sum() and score[rows, cols].sum() == score[r[keep], c[keep]].sum()
            assert eligible[rows, cols].all()


def test_tie_counts_do_not_depend_on_the_solver():
    # Two identical predictions on one reference box: one matches, the other is a false positive.
    m = match_boxes([A], [A, A])
    assert len(m.pairs) == 1 and m.pairs[0][0] == 0 and m.pairs[0][1] in (0, 1)
    assert m.precision == 0.5 and m.recall == 1.0 and m.f1 == pytest.approx(2 / 3)
    # Two references, two predictions, every IoU equal (all boxes identical): two matches either way.
    m = match_boxes([A, A], [A, A])
    assert m.counts == Counts(2, 2, 2)


def test_class_aware_matching():
    ref, pred = [A, (20, 0, 10, 10)], [A, (20, 0, 10, 10)]
    assert match_boxes(ref, pred, ref_labels=["cat", "dog"], pred_labels=["cat", "dog"]).f1 == 1.0
    swapped = match_boxes(ref, pred, ref_labels=["cat", "dog"], pred_labels=["dog", "cat"])
    assert swapped.counts.tp == 0
    # Class-blind, the same boxes match.
    assert match_boxes(ref, pred).counts.tp == 2
    with pytest.raises(ValueError, match="labels for both"):
        match_boxes(ref, pred, ref_labels=["cat", "dog"])
    with pytest.raises(ValueError, match="1 labels for 2 boxes"):
        match_boxes(ref, pred, ref_labels=["cat"], pred_labels=["cat", "dog"])


def test_threshold_is_checked():
    with pytest.raises(ValueError, match="threshold"):
        match_boxes([A], [A], threshold=0)


def test_counts_add_for_pooling():
    assert Counts(1, 2, 3) + Counts(2, 2, 2) == Counts(3, 4, 5)


def test_box_scores_per_answer_rolled_up():
    answers = pd.DataFrame({
        "job": "j", "worker": ["w1", "w2", "w1", "w2"], "object": ["img1", "img1", "img2", "img3"],
        "boxes": [[(1, 0, 10, 10)], [(1, 0, 10, 10), (60, 60, 5, 5)], [], [A]],
    })
    reference = {"img1": [A], "img2": []}
    scores = box_scores(answers, reference)
    # w1 img1: IoU 9/11, F1 1. w2 img1: 1 of 2 boxes -> precision 1/2, F1 2/3. w1 img2: both empty, F1 1.
    # w2 img3: no reference -> NaN everywhere.
    assert scores["f1"].tolist()[:3] == pytest.approx([1.0, 2 / 3, 1.0]) and scores.iloc[3, 3:].isna().all()
    out = by_worker(scores).set_index("worker")
    # w1: tp 1, ref 1, pred 1 -> pooled F1 1. w2: tp 1, ref 1, pred 2 -> 2/3. Job: tp 2, ref 2, pred 3 -> 4/5.
    assert out["pooled_f1"].to_dict() == pytest.approx({"w1": 1.0, "w2": 2 / 3, JOB: 0.8})
    assert out.loc[JOB, "mean_iou"] == pytest.approx(9 / 11)


def test_box_scores_class_aware():
    answers = pd.DataFrame({"worker": ["w1"], "object": ["img1"], "boxes": [[A]], "labels": [["dog"]]})
    assert box_scores(answers, {"img1": ([A], ["cat"])}, class_aware=True)["f1"].tolist() == [0.0]
    assert box_scores(answers, {"img1": [A]})["f1"].tolist() == [1.0]
