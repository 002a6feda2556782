"""Per-class IoU of label masks (core.quality.masks), against cases computed by hand."""

from __future__ import annotations

import math

import numpy as np
import pytest

from core.quality.masks import class_iou, mean_iou


def test_class_iou_by_hand():
    ref = np.array([[0, 0, 1, 1],
                    [0, 0, 1, 1]])
    pred = np.array([[0, 1, 1, 1],
                     [0, 0, 1, 2]])
    # class 0: ref 4 px, pred 3 px, both 3 -> 3 / (4+3-3) = 3/4.
    # class 1: ref 4 px, pred 4 px, both 3 -> 3 / 5.
    # class 2: only in pred (1 px) -> 0 / 1 = 0.
    ious = class_iou(ref, pred)
    assert ious.index.tolist() == [0, 1, 2]
    np.testing.assert_allclose(ious.to_numpy(), [3 / 4, 3 / 5, 0.0])
    assert mean_iou(ref, pred) == pytest.approx((3 / 4 + 3 / 5 + 0) / 3)


def test_identical_and_disjoint_masks():
    mask = np.arange(12).reshape(3, 4) % 3
    assert class_iou(mask, mask).tolist() == [1.0, 1.0, 1.0]
    # Every pixel swapped between 0 and 5: both classes present, none agree.
    assert class_iou(np.zeros((2, 2), int), np.full((2, 2), 5)).to_dict() == {0: 0.0, 5: 0.0}


def test_ignored_ids_leave_out_their_pixels():
    ref = np.array([[255, 1], [1, 0]])
    pred = np.array([[1, 1], [0, 0]])
    # Pixel (0,0) has reference 255 (ignored): left out. class 0: ref 1, pred 2, both 1 -> 1/2.
    # class 1: ref 2, pred 1 (the kept pixel), both 1 -> 1/2.
    ious = class_iou(ref, pred, ignore=[255])
    assert ious.to_dict() == {0: 0.5, 1: 0.5}


def test_empty_and_bad_masks():
    empty = np.zeros((0, 0), int)
    assert class_iou(empty, empty).empty and math.isnan(mean_iou(empty, empty))
    with pytest.raises(ValueError, match="differ in shape"):
        class_iou(np.zeros((2, 2)), np.zeros((2, 3)))
    with pytest.raises(ValueError, match="2-D"):
        class_iou(np.zeros(3), np.zeros(3))


def test_any_class_ids_give_each_class_its_pixels_overlap():
    """Small codes (counted in place), large and negative ids (found by sorting) alike, checked
    against counting each class's pixels one class at a time."""
    rng = np.random.default_rng(7)
    for top in (3, 200, 70_000):
        ref = rng.integers(-2 if top > 200 else 0, top, size=(13, 17))
        pred = np.where(rng.random(ref.shape) < 0.6, ref, rng.integers(0, top, size=ref.shape))
        ious = class_iou(ref, pred)
        classes = np.union1d(ref, pred)
        assert ious.index.tolist() == classes.tolist()
        for c in classes:
            both = np.sum((ref == c) & (pred == c))
            assert ious[c] == pytest.approx(both / np.sum((ref == c) | (pred == c)))
