"""Per-frame box F1 and identity switches over video tracks (core.quality.video), against cases
computed by hand."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from core.quality.matching import Counts
from core.quality.video import frame_matches, id_switches, score_video


def boxes(rows) -> pd.DataFrame:
    """rows of (frame, track, left, label) for 10x10 boxes at top 0."""
    return pd.DataFrame([(f, t, x, 0, 10, 10, label) for f, t, x, label in rows],
                        columns=["frame", "track", "left", "top", "width", "height", "label"])


def test_per_frame_f1_by_hand():
    ref = boxes([(0, "g1", 0, "car"), (0, "g2", 50, "car"), (1, "g1", 0, "car")])
    pred = boxes([(0, "h1", 1, "car"), (1, "h1", 30, "car"), (2, "h9", 0, "car")])
    scores, pairs = frame_matches(ref, pred)
    # frame 0: g1-h1 IoU 90/110 = 9/11, g2 missed -> tp 1 of 2 ref, 1 pred: F1 2/3.
    # frame 1: h1 at 30 misses g1 -> F1 0. frame 2: a box where the reference has none -> F1 0.
    assert scores["frame"].tolist() == [0, 1, 2]
    assert scores[["tp", "n_ref", "n_pred"]].to_numpy().tolist() == [[1, 2, 1], [0, 1, 1], [0, 0, 1]]
    assert scores["f1"].tolist() == pytest.approx([2 / 3, 0.0, 0.0])
    assert scores["mean_iou"].iloc[0] == pytest.approx(9 / 11) and math.isnan(scores["mean_iou"].iloc[1])
    assert math.isnan(scores["recall"].iloc[2])  # nothing to find in frame 2
    assert pairs[["frame", "ref_track", "pred_track"]].to_numpy().tolist() == [[0, "g1", "h1"]]
    v = score_video(ref, pred)
    # Pooled: tp 1, 3 ref, 3 pred -> F1 2/6 = 1/3. Mean of frame F1s: (2/3 + 0 + 0) / 3 = 2/9.
    assert v.counts == Counts(1, 3, 3) and v.counts.f1 == pytest.approx(1 / 3)
    assert v.mean_frame_f1 == pytest.approx(2 / 9) and v.frames == 3 and v.id_switches == 0


def test_identity_switches_by_hand():
    # g1 matched to h1, h1, (unmatched), h2, h2, h1 over frames 0..5: switches h1->h2 and h2->h1 = 2
    # (frame 2 is skipped, so frame 3 compares with frame 1). g2 always h3: 0.
    ref = boxes([(f, "g1", 0, "car") for f in range(6)] + [(f, "g2", 100, "car") for f in range(6)])
    g1_partner = {0: "h1", 1: "h1", 3: "h2", 4: "h2", 5: "h1"}
    pred = boxes([(f, t, 0, "car") for f, t in g1_partner.items()] + [(2, "h1", 40, "car")]
                 + [(f, "h3", 100, "car") for f in range(6)])
    _, pairs = frame_matches(ref, pred)
    assert id_switches(pairs).to_dict() == {"g1": 2, "g2": 0}
    assert score_video(ref, pred).id_switches == 2


def test_identical_tracks_and_empty_video():
    ref = boxes([(0, "g1", 0, "car"), (1, "g1", 2, "car"), (1, "g2", 40, "bus")])
    v = score_video(ref, ref.assign(track=ref["track"].map({"g1": "h1", "g2": "h2"})))
    assert v.counts.f1 == 1.0 and v.mean_frame_f1 == 1.0 and v.id_switches == 0
    empty = score_video(ref.iloc[:0], ref.iloc[:0])
    assert empty.frames == 0 and math.isnan(empty.mean_frame_f1) and empty.counts.f1 == 1.0
    assert id_switches(frame_matches(ref, ref.iloc[:0])[1]).empty


def test_class_aware_video():
    ref = boxes([(0, "g1", 0, "car")])
    pred = boxes([(0, "h1", 0, "bus")])
    assert score_video(ref, pred).counts.tp == 1
    assert score_video(ref, pred, class_aware=True).counts.tp == 0
