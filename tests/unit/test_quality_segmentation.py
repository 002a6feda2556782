"""Segmentation IoU per class (core.quality.segmentation), against a 4 x 4 case computed by hand."""

from __future__ import annotations

import io

import numpy as np
import pandas as pd
import pytest
from PIL import Image

from core.annotations.model import CONSOLIDATED, WORKER, MaskImage
from core.quality.segmentation import class_iou_table, has_segmentation, mask_class_iou, worst_classes_first

COLORS = {"road": "#2ca02c", "car": "#1f77b4"}
RESULT_COLORS = {"BACKGROUND": "#ffffff", **COLORS}  # the consolidated mask's internal-color-map
CODES = {1: "road", 2: "car"}  # 0: background, white


def png(rows: list[str]) -> bytes:
    """A 4 x 4 PNG from rows of R (road), C (car) and . (background)."""
    rgb = {".": (255, 255, 255), **{k[0].upper(): tuple(int(c[i:i + 2], 16) for i in (1, 3, 5))
                                    for k, c in COLORS.items()}}
    pixels = np.array([[rgb[ch] for ch in row] for row in rows], dtype=np.uint8)
    buffer = io.BytesIO()
    Image.fromarray(pixels, "RGB").save(buffer, format="PNG")
    return buffer.getvalue()


# Image 0, the result: road the top two rows (8 px), car the bottom-right 2 x 2 (4 px).
RESULT_0 = ["RRRR", "RRRR", "..CC", "..CC"]
# Worker a, image 0: road on the top row only (4 px, all inside the result's road) -> road 4/8 = 0.5;
# car the result's 4 px and one stray on background -> car 4/5 = 0.8.
A_0 = ["RRRR", "....", "C.CC", "..CC"]
# Image 1, the result: road the top row (4 px), no car.
RESULT_1 = ["RRRR", "....", "....", "...."]
# Worker a, image 1: those 4 px and one more -> road 4/5 = 0.8; car in neither mask: not counted.
A_1 = ["RRRR", "R...", "....", "...."]
# Worker b answers image 0 exactly: road 1, car 1.
B_0 = RESULT_0


def case() -> tuple[pd.DataFrame, list[MaskImage]]:
    masks = [MaskImage("streets", "0", None, png(RESULT_0), RESULT_COLORS),
             MaskImage("streets", "1", None, png(RESULT_1), RESULT_COLORS),
             MaskImage("streets", "0", "a", png(A_0), COLORS), MaskImage("streets", "1", "a", png(A_1), COLORS),
             MaskImage("streets", "0", "b", png(B_0), COLORS)]
    rows = [(WORKER, m.worker_id, m.object_id) for m in masks if m.worker_id] + [
        (CONSOLIDATED, None, "0"), (CONSOLIDATED, None, "1")]
    table = pd.DataFrame(rows, columns=["source", "worker_id", "object_id"]).assign(
        job="streets", task_type="semantic-segmentation")
    return table, masks


def test_iou_per_class_per_worker_and_for_the_job_by_hand():
    table, masks = case()
    got = class_iou_table(table, masks).set_index(["worker", "class"])
    assert list(got.index) == [("a", "car"), ("a", "road"), ("b", "car"), ("b", "road"),
                               ("Team", "car"), ("Team", "road")]  # background is no class
    assert got.loc[("a", "road"), "iou"] == pytest.approx((0.5 + 0.8) / 2) and got.loc[("a", "road"), "images"] == 2
    assert got.loc[("a", "car"), "iou"] == pytest.approx(0.8) and got.loc[("a", "car"), "images"] == 1
    assert got.loc[("b", "road"), "iou"] == 1.0 and got.loc[("b", "car"), "iou"] == 1.0
    # The job: every answer the same weight; its images are the distinct ones.
    assert got.loc[("Team", "road"), "iou"] == pytest.approx((0.5 + 0.8 + 1.0) / 3)
    assert got.loc[("Team", "road"), "images"] == 2
    assert got.loc[("Team", "car"), "iou"] == pytest.approx((0.8 + 1.0) / 2)
    assert got.loc[("Team", "car"), "images"] == 1
    assert worst_classes_first(got.reset_index()).iloc[0][["worker", "class"]].tolist() == ["a", "road"]


def test_one_images_classes_by_name():
    _, masks = case()
    ious = mask_class_iou(masks[0], masks[2])
    assert ious.to_dict() == pytest.approx({"car": 0.8, "road": 0.5})


def test_a_mask_of_another_size_or_no_image_gives_no_row():
    table, masks = case()
    small = MaskImage("streets", "0", "a", png(["RR", "RR"]), COLORS)
    assert mask_class_iou(masks[0], small) is None
    assert mask_class_iou(masks[0], MaskImage("streets", "0", "a", b"not a png", COLORS)) is None
    kept = [m for m in masks if m.worker_id != "a"] + [small]
    got = class_iou_table(table, kept)
    assert set(got["worker"]) == {"b", "Team"}


def test_no_segmentation_answers_give_an_empty_table():
    table, _ = case()
    other = table.assign(task_type="classification")
    assert not has_segmentation(other) and has_segmentation(table)
    assert class_iou_table(other, []).empty
    assert list(class_iou_table(other, []).columns) == ["job", "worker", "class", "iou", "images"]
