"""Drawing one item: boxes in their source's colour, a mask laid over the image, text with its
entities marked and everything else escaped."""

from __future__ import annotations

import io

import numpy as np
import pandas as pd
from PIL import Image
from test_quality_report import TEXT, source  # noqa: F401  (tests/unit is on sys.path)

from core.annotations.draw import RESULT, classed_text, draw_boxes, draw_mask, marked_text, source_colors
from core.annotations.model import MaskImage
from core.annotations.source import read_source
from core.storage import open_location


def png(pixels: np.ndarray) -> bytes:
    out = io.BytesIO()
    Image.fromarray(pixels.astype(np.uint8)).save(out, format="PNG")
    return out.getvalue()


def pixels(data: bytes) -> np.ndarray:
    return np.asarray(Image.open(io.BytesIO(data)).convert("RGB"))


def test_boxes_are_outlined_in_their_sources_colour():
    white = png(np.full((40, 40, 3), 255))
    colors = source_colors(["w1", RESULT])
    boxes = pd.DataFrame([{"who": RESULT, "left": 2, "top": 2, "width": 10, "height": 10, "label": "car"},
                          {"who": "w1", "left": 20, "top": 20, "width": 10, "height": 10, "label": None},
                          {"who": "w1", "left": None, "top": 1, "width": 1, "height": 1, "label": "x"}])
    drawn = pixels(draw_boxes(white, boxes, colors))
    assert tuple(drawn[6, 2]) == (0x11, 0x11, 0x11)  # the result's left edge
    assert tuple(drawn[25, 20]) == (0x4C, 0x78, 0xA8)  # the first worker's colour
    assert tuple(drawn[25, 25]) == (255, 255, 255)  # inside a box: the image itself


def test_a_mask_is_laid_over_the_image_half_see_through():
    grey = png(np.full((4, 4, 3), 100))
    mask = np.full((4, 4, 3), 255)
    mask[0, :] = (0x2C, 0xA0, 0x2C)
    drawn = pixels(draw_mask(grey, MaskImage("j", "0", None, png(mask), {"road": "#2ca02c", "BACKGROUND": "#ffffff"})))
    assert tuple(drawn[0, 0]) == (72, 130, 72)  # halfway from 100 to (44, 160, 44)
    assert tuple(drawn[3, 3]) == (100, 100, 100)  # background: not painted


def test_text_is_escaped_and_entities_marked():
    spans = pd.DataFrame([{"start": 3, "end": 6, "label": "<Person>"}])
    shown = marked_text("<b>Ada</b> met", spans, "#4c78a8")
    assert shown.startswith("&lt;b&gt;<mark") and ">Ada</mark>" in shown
    assert "&lt;Person&gt;" in shown and "<b>" not in shown


def test_a_text_objects_text_is_kept(source):  # noqa: F811
    found = read_source(open_location(str(source)))
    assert found.texts[("people-ner", "0")] == TEXT


def test_a_classified_text_is_shown_escaped_with_each_sources_class():
    colors = source_colors(["w<1>", RESULT])
    classes = pd.DataFrame([{"who": "w<1>", "label": "sport"}, {"who": RESULT, "label": "politics & <b>"}])
    shown = classed_text("Ada <script>alert(1)</script> won", classes, colors)
    assert "<script>" not in shown and "&lt;script&gt;alert(1)&lt;/script&gt;" in shown
    assert "<b>w&lt;1&gt;</b>: " in shown and "politics &amp; &lt;b&gt;" in shown
    assert shown.index("w&lt;1&gt;") < shown.index("politics")  # in the rows' order: workers, then the result
    assert colors["w<1>"] in shown and colors[RESULT] in shown
