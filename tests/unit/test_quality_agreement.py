"""Pairwise agreement, Krippendorff's alpha (core.quality.agreement) and the per-worker and per-job
roll-up of per-object scores (core.quality.rollup), against cases computed by hand."""

from __future__ import annotations

import math

import krippendorff
import numpy as np
import pandas as pd
import pytest

from core.quality.agreement import box_agreement, nominal_alpha, pairwise_agreement, reliability_data
from core.quality.rollup import JOB, by_worker


def answers(rows) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["worker", "object", "value"])


LABELS = answers([
    ("w1", "o1", "a"), ("w1", "o2", "b"), ("w1", "o3", "a"),
    ("w2", "o1", "a"), ("w2", "o2", "a"),
    ("w3", "o1", "a"), ("w3", "o3", "a"),
    ("w4", "o4", "a"),
])


def test_pairwise_label_agreement_by_hand():
    p = pairwise_agreement(LABELS)
    # w1-w2: o1 same, o2 differs -> 1/2 over 2. w1-w3: o1, o3 same -> 1 over 2. w2-w3: o1 same -> 1 over 1.
    # w4 shares no object: NaN (unknown), not 0. The diagonal is NaN too.
    a, c = p.agreement, p.common
    assert list(a.index) == list(a.columns) == ["w1", "w2", "w3", "w4"]
    assert (a.loc["w1", "w2"], a.loc["w1", "w3"], a.loc["w2", "w3"]) == (0.5, 1.0, 1.0)
    assert a.equals(a.T) and c.equals(c.T)
    assert a["w4"].isna().all() and np.isnan(np.diag(a)).all()
    assert (c.loc["w1", "w2"], c.loc["w1", "w3"], c.loc["w2", "w3"], c.loc["w1", "w4"]) == (2, 2, 1, 0)
    assert np.diag(c).tolist() == [3, 2, 2, 1]  # objects each worker labeled


def test_pairwise_box_agreement_by_hand():
    box_a, box_b = (0, 0, 10, 10), (50, 50, 10, 10)
    rows = answers([
        ("w1", "img1", [box_a, box_b]), ("w2", "img1", [(1, 0, 10, 10)]),  # IoU 9/11: 1 match -> F1 2*1/3
        ("w1", "img2", []), ("w2", "img2", []),                           # both empty: agree, 1.0
    ])
    p = pairwise_agreement(rows, box_agreement(0.5))
    assert p.agreement.loc["w1", "w2"] == pytest.approx((2 / 3 + 1.0) / 2)
    # At 0.95 the shifted box no longer matches: img1 F1 0 -> mean 1/2.
    assert pairwise_agreement(rows, box_agreement(0.95)).agreement.loc["w1", "w2"] == pytest.approx(0.5)
    labeled = answers([("w1", "img1", ([box_a], ["cat"])), ("w2", "img1", ([box_a], ["dog"]))])
    assert pairwise_agreement(labeled, box_agreement(class_aware=True)).agreement.loc["w1", "w2"] == 0.0


def test_one_answer_per_worker_and_object():
    with pytest.raises(ValueError, match="'w1' answered object 'o1' more than once"):
        pairwise_agreement(answers([("w1", "o1", "a"), ("w1", "o1", "b")]))


def test_alpha_two_coders_by_hand():
    # A: a a b b; B: a b b b. Pairable values n = 8: n_a = 3, n_b = 5; one disagreeing unit gives
    # o_ab = o_ba = 1. alpha = 1 - (n-1) * (o_ab + o_ba) / (2 n_a n_b) = 1 - 7*2/30 = 8/15.
    rows = answers([("A", i, v) for i, v in enumerate("aabb")] + [("B", i, v) for i, v in enumerate("abbb")])
    assert nominal_alpha(rows) == pytest.approx(8 / 15)


def test_alpha_missing_values_by_hand():
    # u1 (a,a,a): o_aa += 3*2 pairs / (3-1) = 3. u2 (a,b): o_ab = o_ba = 1. u3 (b,b): o_bb = 2.
    # u4 has one value: not pairable, left out. n_a = 4, n_b = 3, n = 7.
    # alpha = 1 - 6 * 2 / (2*4*3) = 1/2.
    rows = answers([("A", "u1", "a"), ("B", "u1", "a"), ("C", "u1", "a"), ("A", "u2", "a"), ("B", "u2", "b"),
                    ("A", "u3", "b"), ("C", "u3", "b"), ("B", "u4", "a")])
    assert nominal_alpha(rows) == pytest.approx(0.5)
    data = reliability_data(rows)
    assert data.shape == (3, 4) and int(data.isna().sum().sum()) == 4


def test_alpha_perfect_and_undefined():
    perfect = answers([(w, i, v) for w in "AB" for i, v in enumerate("abca")])
    assert nominal_alpha(perfect) == 1.0
    # One class only: no disagreement expected -> 0/0, NaN. No object with two labels: NaN.
    assert math.isnan(nominal_alpha(answers([(w, i, "a") for w in "AB" for i in range(3)])))
    assert math.isnan(nominal_alpha(answers([("A", 0, "a"), ("B", 1, "b")])))
    # 'b' is only in an unpaired object: the paired labels are one class -> NaN.
    assert math.isnan(nominal_alpha(answers([("A", 0, "a"), ("B", 0, "a"), ("A", 1, "b")])))


# --- roll-up ----------------------------------------------------------------------------------


def test_by_worker_by_hand():
    scores = pd.DataFrame({
        "job": ["j1"] * 4 + ["j2"],
        "worker": ["w1", "w1", "w2", "w2", "w1"],
        "object": ["o1", "o2", "o1", "o2", "o9"],
        "f1": [1.0, 0.5, 0.0, np.nan, 0.25],
        "tp": [2, 1, 0, 0, 1], "n_ref": [2, 2, 2, 0, 2], "n_pred": [2, 2, 1, 0, 6],
    })
    out = by_worker(scores)
    assert out[["job", "worker"]].to_numpy().tolist() == [["j1", "w1"], ["j1", "w2"], ["j1", JOB],
                                                          ["j2", "w1"], ["j2", JOB]]
    assert out["objects"].tolist() == [2, 2, 4, 1, 1]
    # j1 w1: (1 + 0.5)/2 = 0.75; w2: 0 (the NaN is unknown, skipped); job: (1 + 0.5 + 0)/3 = 0.5.
    assert out["f1"].tolist()[:3] == pytest.approx([0.75, 0.0, 0.5])
    # Pooled j1 w1: tp 3, ref 4, pred 4 -> F1 6/8. w2: tp 0, ref 2, pred 1 -> 0. job: tp 3, ref 6, pred 5
    # -> precision 3/5, recall 1/2, F1 6/11.
    assert out["pooled_f1"].tolist()[:3] == pytest.approx([0.75, 0.0, 6 / 11])
    assert out.loc[2, ["pooled_precision", "pooled_recall"]].tolist() == pytest.approx([0.6, 0.5])
    # j2 w1: tp 1, ref 2, pred 6 -> F1 2/8.
    assert out.loc[3, "pooled_f1"] == pytest.approx(0.25)


def test_by_worker_refuses_bad_input():
    with pytest.raises(ValueError, match="columns job"):
        by_worker(pd.DataFrame({"worker": ["w1"], "object": ["o1"], "score": [1.0]}))
    with pytest.raises(ValueError, match="named 'Team'"):
        by_worker(pd.DataFrame({"job": ["j"], "worker": [JOB], "object": ["o1"], "score": [1.0]}))


def test_job_row_name_matches_metrics():
    from core.metrics import TEAM
    assert JOB == TEAM


def test_alpha_matches_the_published_example():
    # Krippendorff's nominal example (3 coders, 15 units, '*' missing), as in the krippendorff
    # package's README: alpha 0.691. From label counts here, from reliability data there.
    rows = ["*  *  *  *  *  3  4  1  2  1  1  3  3  *  3",
            "1  *  2  1  3  3  4  3  *  *  *  *  *  *  *",
            "*  *  2  1  3  4  4  *  2  1  1  3  3  *  4"]
    rows = answers([(coder, unit, v) for coder, row in zip("ABC", rows, strict=True)
                    for unit, v in enumerate(row.split()) if v != "*"])
    assert nominal_alpha(rows) == pytest.approx(0.691, abs=5e-4)
    data = reliability_data(rows)
    assert nominal_alpha(rows) == pytest.approx(
        krippendorff.alpha(reliability_data=data.to_numpy(), level_of_measurement="nominal"))
