"""Video object detection and tracking: boxes per frame, each with a track id (Ground Truth's
`object-id`, stable across frames).

Input frames have columns `frame`, `track`, `left`, `top`, `width`, `height`, and `label` for
class-aware matching. Each frame is matched on its own with core.quality.boxes.match_boxes.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from .boxes import DEFAULT_THRESHOLD, match_boxes
from .matching import Counts

BOX = ["left", "top", "width", "height"]


def frame_matches(reference: pd.DataFrame, predicted: pd.DataFrame, threshold: float = DEFAULT_THRESHOLD,
                  class_aware: bool = False) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Per frame of either side: (scores, pairs).

    scores: `frame`, `tp`, `n_ref`, `n_pred`, `precision`, `recall`, `f1`, `mean_iou`, sorted by frame.
    pairs: `frame`, `ref_track`, `pred_track`, `iou`, one row per matched pair.
    """
    ref_by, pred_by = dict(tuple(reference.groupby("frame"))), dict(tuple(predicted.groupby("frame")))
    empty = reference.iloc[:0]
    score_rows, pair_rows = [], []
    for frame in sorted(set(ref_by) | set(pred_by)):
        ref, pred = ref_by.get(frame, empty), pred_by.get(frame, empty)
        labels = (ref["label"].tolist(), pred["label"].tolist()) if class_aware else (None, None)
        match = match_boxes(ref[BOX].to_numpy(float), pred[BOX].to_numpy(float), threshold, *labels)
        c = match.counts
        score_rows.append((frame, c.tp, c.n_ref, c.n_pred, c.precision, c.recall, c.f1, match.mean_iou))
        ref_tracks, pred_tracks = ref["track"].to_numpy(), pred["track"].to_numpy()
        pair_rows += [(frame, ref_tracks[r], pred_tracks[p], iou) for r, p, iou in match.pairs]
    scores = pd.DataFrame(score_rows, columns=["frame", "tp", "n_ref", "n_pred", "precision", "recall", "f1",
                                               "mean_iou"])
    pairs = pd.DataFrame(pair_rows, columns=["frame", "ref_track", "pred_track", "iou"])
    return scores, pairs


@dataclass(frozen=True)
class VideoScore:
    """Pooled counts over all frames (each box weighs the same), the mean of per-frame F1 (each
    frame weighs the same), and identity switches of the reference tracks."""

    counts: Counts
    mean_frame_f1: float
    id_switches: int
    frames: int


def score_video(reference: pd.DataFrame, predicted: pd.DataFrame, threshold: float = DEFAULT_THRESHOLD,
                class_aware: bool = False) -> VideoScore:
    scores, pairs = frame_matches(reference, predicted, threshold, class_aware)
    counts = Counts(int(scores["tp"].sum()), int(scores["n_ref"].sum()), int(scores["n_pred"].sum()))
    mean_f1 = float(scores["f1"].mean()) if len(scores) else float("nan")
    return VideoScore(counts, mean_f1, int(id_switches(pairs).sum()), len(scores))


def id_switches(pairs: pd.DataFrame) -> pd.Series:
    """Identity switches per reference track (CLEAR-MOT style): over the frames where the track is
    matched, in frame order, how often its matched predicted track differs from the one it had at
    its previous match. Unmatched frames in between neither count nor reset.

    Simplification of CLEAR-MOT: each frame is matched on its own; the previous frame's pairs are
    not kept first, so on an exact IoU tie the solver may pick a different partner.
    """
    pairs = pairs.dropna(subset=["ref_track", "pred_track"])  # a box without a track id cannot switch
    if pairs.empty:
        return pd.Series(dtype=np.int64, name="id_switches").rename_axis("ref_track")
    ordered = pairs.sort_values(["ref_track", "frame"], kind="stable")
    switches = ordered.groupby("ref_track")["pred_track"].agg(lambda s: int(s.ne(s.shift()).sum()) - 1)
    return switches.astype(np.int64).rename("id_switches")
