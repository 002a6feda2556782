"""The item browser's core: which items first, one item's annotations by who made them, and a
video frame's picture."""

from __future__ import annotations

import json

import pytest
from test_quality_report import A, B, meta, source  # noqa: F401  (tests/unit is on sys.path)

from core.annotations.draw import GOLD, RESULT
from core.annotations.items import frame_image_uri, item_rows, ranked_items
from core.annotations.manifest import read_output_manifest
from core.annotations.source import read_source
from core.quality.report import object_scores
from core.storage import open_location


@pytest.fixture(scope="module")
def found(source):  # noqa: F811
    return read_source(open_location(str(source)))


def test_most_disputed_first_and_a_workers_worst_first(found):
    scores = object_scores(found.table)
    items = ranked_items(scores, found.table, "fruit-ic")
    # Object 1: A right, B wrong (mean 0.5); objects 0 and 2 all right.
    assert items["object"].tolist() == ["1", "0", "2"]
    assert items.iloc[0][["answers", "score", "source_ref"]].tolist() == [2, 0.5, "s3://demo-bucket/img/1.jpg"]
    assert ranked_items(scores, found.table, "fruit-ic", worker=B)["object"].tolist() == ["1", "0"]


def test_an_items_rows_say_who_made_them_with_gold_last(found):
    gold = read_output_manifest(json.dumps({"source-ref": "s3://demo-bucket/road/0.jpg", "cars": {"annotations": [
        {"class_id": 0, "left": 1, "top": 1, "width": 5, "height": 5}]}, "cars-metadata": meta(
        "trusted", "object-detection", **{"class-map": {"0": "car"}})}).encode(), "gold").frame()
    rows = item_rows(found.table, "cars-bb", "0", gold)
    assert rows["who"].tolist() == [A, A, B, RESULT, RESULT, GOLD]
    assert rows.loc[rows["who"].eq(RESULT), "confidence"].tolist() == [0.9, 0.8]


def test_a_frames_picture_is_the_sequence_prefix_and_its_file():
    seq = json.dumps({"seq-no": 1, "prefix": "s3://b/frames/", "number-of-frames": 2,
                      "frames": [{"frame-no": 0, "frame": "f0.jpg"}, {"frame-no": "1", "frame": "f1.jpg"}]}).encode()
    assert frame_image_uri(seq, 1) == "s3://b/frames/f1.jpg"
    assert frame_image_uri(seq, 5) is None
    assert frame_image_uri(b"not json", 0) is None
