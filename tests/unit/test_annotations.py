"""Annotations of every task type as one table (core.annotations): worker responses and output
manifest lines in the shapes of docs/ground-truth.md §2-§3, from the made-up files in
tests/data/annotations/ and PNG masks drawn here."""

from __future__ import annotations

import base64
import io
import json
from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from PIL import Image

from core.annotations import (
    COLUMNS,
    Row,
    SeqRef,
    color_map_of,
    flatten_attributes,
    mask_areas,
    read_answers,
    read_line,
    read_output_manifest,
    read_seq_label,
    to_frame,
)
from core.gt.errors import BadFile

DATA = Path(__file__).resolve().parents[1] / "data" / "annotations"


def data(name: str) -> bytes:
    return (DATA / name).read_bytes()


@pytest.fixture(scope="module")
def manifest():
    return read_output_manifest(data("output.manifest"), job="fallback-job")


def rows_of(result, **where) -> pd.DataFrame:
    table = result.frame()
    for column, value in where.items():
        table = table[table[column] == value]
    return table.reset_index(drop=True)


def png(pixels: np.ndarray) -> bytes:
    buffer = io.BytesIO()
    Image.fromarray(pixels.astype(np.uint8), "RGBA").save(buffer, format="PNG")
    return buffer.getvalue()


def mask_png() -> bytes:
    """4x5 image: 8 road pixels (#2ca02c), 6 car pixels (#1f77b4), 4 transparent, 2 of an unmapped red."""
    pixels = np.zeros((4, 5, 4), dtype=np.uint8)
    pixels[:2, :4] = (0x2C, 0xA0, 0x2C, 255)
    pixels[2:, :3] = (0x1F, 0x77, 0xB4, 255)
    pixels[:2, 4] = (255, 0, 0, 255)
    return png(pixels)


def worker_file(*contents: dict) -> bytes:
    answers = [{"acceptanceTime": "2025-02-03T09:00:00.000Z", "answerContent": content,
                "submissionTime": "2025-02-03T09:00:10.000Z", "timeSpentInSeconds": 10.0,
                "workerId": f"private.us-west-2.{i:016x}"} for i, content in enumerate(contents)]
    return json.dumps({"answers": answers}).encode()


# ---- the table's shape ----------------------------------------------------------------------

def test_every_reader_returns_the_one_column_list(manifest):
    worker = read_answers(data("worker-boxes.json"), "birds-bb", "7")
    assert list(manifest.frame().columns) == list(COLUMNS) == list(worker.frame().columns)
    assert list(to_frame([]).columns) == list(COLUMNS)
    for column in ("job", "object_id", "worker_id", "source", "task_type", "label", "confidence",
                   "left", "top", "width", "height", "start", "end", "frame", "track_id",
                   "attributes", "frame_attributes", "verdict", "feedback", "adjustment", "audited_job"):
        assert column in COLUMNS


def test_unknown_numbers_stay_missing_not_zero(manifest):
    table = rows_of(manifest, task_type="classification")
    assert table["left"].isna().all() and table["start"].isna().all()
    assert rows_of(manifest, kind="cuboid")["confidence"].isna().all()  # 3D objects: no confidence given


# ---- classification ----------------------------------------------------------------------------

def test_classification_from_worker_answers_both_workforce_shapes():
    result = read_answers(data("worker-classification.json"), "fruit-ic", "0")
    table = result.frame()
    assert table[["worker_id", "label", "source", "task_type", "kind"]].values.tolist() == [
        ["public.us-east-1.ABCDEFGHIJKLMNOPQRSTUVWXYZ", "pear", "worker", "classification", "class"],
        ["private.us-west-2.3fa9c0d2e4b61a87", "apple", "worker", "classification", "class"],
    ]
    assert table["answer"].tolist() == [0, 1]
    assert table["feedback"].tolist() == [(), ("blurry photo",)]  # workerComment is kept
    assert result.notes == []


def test_classification_from_manifest_index_as_number_and_as_string(manifest):
    table = rows_of(manifest, task_type="classification")
    assert table[["job", "object_id", "label", "class_id", "confidence"]].values.tolist() == [
        ["fruit-ic", "0", "pear", "1", 0.88],  # "fruit": 1 (real output), job-name without labeling-job/
        ["mood-tc", "1", "positive", "0", 0.72],  # "mood": "0" (documentation example)
    ]
    assert table["worker_id"].isna().all() and (table["source"] == "consolidated").all()
    assert table["human_annotated"].tolist() == [True, False]  # "no": auto-labeled


# ---- multi-label ---------------------------------------------------------------------------------

def test_multi_label_is_one_row_per_class_sharing_the_set_key():
    worker = read_answers(data("worker-multilabel.json"), "street-tags", "2").frame()
    assert worker["label"].tolist() == ["bicycle", "person"]
    assert worker.groupby(["source", "job", "object_id", "worker_id", "attribute"]).size().tolist() == [2]
    assert set(worker["task_type"]) == {"multi-label"}


def test_multi_label_manifest_reads_class_map_and_confidence_map(manifest):
    table = rows_of(manifest, task_type="multi-label")
    assert table[["label", "class_id", "confidence"]].values.tolist() == [["bicycle", "2", 0.93], ["person", "0", 0.61]]


# ---- bounding boxes ------------------------------------------------------------------------------

def test_boxes_from_worker_answers_note_a_malformed_box_and_keep_the_rest():
    result = read_answers(data("worker-boxes.json"), "birds-bb", "7", where="w/7/t.json")
    table = result.frame()
    assert table[["worker_id", "label", "left", "top", "width", "height"]].values.tolist() == [
        ["private.us-west-2.1111111111111111", "Bird", 116.0, 283.0, 137.0, 128.0],
        ["private.us-west-2.3333333333333333", "Bird", 110.0, 280.0, 140.0, 100.0],
    ]
    # the second worker drew nothing (boundingBoxes null): no rows, no note
    assert [(n.kind, n.type, n.where) for n in result.notes] == [
        ("malformed", "box", "w/7/t.json answers[0].boundingBox.boundingBoxes[1]")]
    assert "height 'tall'" in result.notes[0].detail
    # an element named annotatedResult (custom template) is read by its shape; initialValueModified
    assert table["attribute"].tolist() == ["boundingBox", "annotatedResult"]
    assert table["adjustment"].tolist()[1] == "adjusted"


def test_boxes_from_manifest_with_per_box_confidence_and_class_map(manifest):
    table = rows_of(manifest, task_type="bounding-box", object_id="3")
    assert table[["label", "class_id", "left", "top", "width", "height", "confidence", "unit"]].values.tolist() == [
        ["car", "0", 120.0, 88.5, 210.0, 140.0, 0.81, 0],
        ["person", "1", 400.0, 300.0, 60.0, 120.0, 0.42, 1],
    ]


def test_a_malformed_manifest_box_is_noted_with_line_and_index(manifest):
    kept = rows_of(manifest, task_type="bounding-box", object_id="10")
    assert len(kept) == 1 and kept["left"].tolist() == [10.0]
    [note] = [n for n in manifest.notes if n.kind == "malformed" and n.type == "box"]
    assert note.where == "output.manifest line 11 cars.annotations[1]"


# ---- segmentation --------------------------------------------------------------------------------

def test_mask_areas_counts_pixels_per_colour_and_what_no_label_maps():
    areas = mask_areas(mask_png(), {"road": "#2CA02C", "car": "#1f77b4", "tree": "#ff7f0e"})
    assert areas.areas == {"road": 8, "car": 6, "tree": 0}
    assert (areas.unmatched, areas.transparent, areas.total) == (2, 4, 20)


def test_mask_areas_reads_a_palette_png_too():
    image = Image.new("P", (3, 2))
    image.putpalette([255, 255, 255, 0x2C, 0xA0, 0x2C] + [0] * 762)
    image.putdata([0, 1, 1, 1, 0, 0])
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    areas = mask_areas(buffer.getvalue(), {"BACKGROUND": "#ffffff", "road": "#2ca02c"})
    assert areas.areas == {"BACKGROUND": 3, "road": 3}


def test_segmentation_from_worker_answer_reads_the_inline_png():
    content = {"crowd-semantic-segmentation": {
        "inputImageProperties": {"height": 4, "width": 5},
        "labelMappings": {"road": {"color": "#2ca02c"}, "car": {"color": "#1f77b4"}},
        "labeledImage": {"pngImageData": base64.b64encode(mask_png()).decode()}}}
    result = read_answers(worker_file(content), "streets", "4")
    table = result.frame()
    assert table[["label", "color", "area", "kind", "task_type"]].values.tolist() == [
        ["road", "#2ca02c", 8, "mask-class", "semantic-segmentation"],
        ["car", "#1f77b4", 6, "mask-class", "semantic-segmentation"],
    ]
    assert [(n.kind, n.detail) for n in result.notes] == [("unmapped-color", "2 pixels of colours no label maps")]


def test_a_worker_mask_that_is_not_a_png_is_noted():
    content = {"crowd-semantic-segmentation": {"labelMappings": {"road": {"color": "#2ca02c"}},
                                               "labeledImage": {"pngImageData": base64.b64encode(b"GIF89a").decode()}}}
    result = read_answers(worker_file(content), "streets", "4")
    assert result.rows == [] and [n.kind for n in result.notes] == ["malformed"]


def test_consolidated_mask_is_a_uri_per_class_with_colour_map_confidences(manifest):
    table = rows_of(manifest, task_type="semantic-segmentation")
    uri = "s3://my-bucket/out/streets/annotations/consolidated-annotation/output/4_2025-02-03T10:48:00.091190.png"
    assert table[["label", "class_id", "color", "confidence", "mask_uri"]].values.tolist() == [
        ["BACKGROUND", "0", "#ffffff", 0.8, uri], ["road", "1", "#2ca02c", 0.8, uri]]
    assert table["area"].isna().all()  # the caller fetches the PNG, then:
    line = json.loads(data("output.manifest").decode().splitlines()[4])
    colors = {name: color for name, color, _ in color_map_of(line["streets-ref-metadata"]).values()}
    assert mask_areas(mask_png(), colors).areas == {"BACKGROUND": 0, "road": 8}


# ---- named entities ------------------------------------------------------------------------------

def test_entities_from_worker_answer_offsets_as_numbers_or_digits():
    result = read_answers(data("worker-ner.json"), "people-ner", "5")
    table = result.frame()
    assert table[["label", "start", "end"]].values.tolist() == [["Person", 0, 12], ["Place", 36, 42]]
    assert [(n.kind, n.type) for n in result.notes] == [("malformed", "span")]  # 9-3 is backwards


def test_entities_from_manifest_with_per_entity_confidence(manifest):
    table = rows_of(manifest, task_type="ner")
    assert table[["label", "start", "end", "confidence"]].values.tolist() == [
        ["Person", 0, 12, 0.9], ["Person", 17, 32, 0.8], ["Place", 36, 42, 0.7]]


# ---- video ---------------------------------------------------------------------------------------

def detection_ref(manifest) -> SeqRef:
    [ref] = manifest.sequences
    return ref


def test_video_manifest_line_hands_back_its_seq_label_uri_and_class_map(manifest):
    ref = detection_ref(manifest)
    assert ref.uri.endswith("/consolidated-annotation/output/6/SeqLabel.json")
    assert ref.class_map == {"0": "car", "1": "bus"}
    assert (ref.template.job, ref.template.object_id, ref.template.attribute) == ("traffic-vod", "6", "traffic-ref")


def test_video_detection_frames_with_string_and_number_frame_and_class_ids(manifest):
    result = read_seq_label(data("seq-detection.json"), detection_ref(manifest))
    table = result.frame()
    assert table[["task_type", "kind", "frame", "frame_name", "label", "class_id", "left"]].values.tolist() == [
        ["video-object-detection", "frame-box", 0, "frame_0000.jpeg", "bus", "1", 339.0],
        ["video-object-detection", "frame-box", 0, "frame_0000.jpeg", "car", "0", 183.0],
        ["video-object-detection", "frame-box", 1, "frame_0001.jpeg", "car", "0", 341.0],  # frame-no 1, class-id 0
    ]
    assert table["attributes"].tolist() == [{"occluded": "no", "size": "medium"}, {"occluded": "no"}, {}]
    assert table["frame_attributes"].tolist() == [{"light": "day"}, {"light": "day"}, {"light": "dusk"}]
    assert (table["job"] == "traffic-vod").all() and (table["object_id"] == "6").all()
    assert result.notes == []


def test_video_tracking_keeps_object_ids_across_frames_and_notes_what_it_cannot_read(manifest):
    ref = replace(detection_ref(manifest), template=replace(detection_ref(manifest).template,
                                                            task_type="video-object-tracking"))
    result = read_seq_label(data("seq-tracking.json"), ref)
    table = result.frame()
    car = table[table["track_name"] == "car:1"]
    assert car["frame"].tolist() == [0, 1] and car["track_id"].nunique() == 1
    assert set(table["task_type"]) == {"video-object-tracking"}
    assert sorted((n.kind, n.type) for n in result.notes) == [("malformed", "annotation"), ("unread-units", "polygons")]


def test_seq_label_that_is_not_one_is_a_bad_file(manifest):
    with pytest.raises(BadFile):
        read_seq_label(b'{"frames": []}', detection_ref(manifest))


def test_video_from_worker_answer_inline_frames_or_a_noted_prefix():
    result = read_answers(data("worker-video.json"), "traffic-vot", "0")
    table = result.frame()
    columns = ["worker_id", "task_type", "frame", "label", "attributes", "frame_attributes"]
    assert table[columns].values.tolist() == [["private.us-west-2.4444444444444444", "video-object-detection", 3,
                                               "car", {"occluded": "yes"}, {"light": "night"}]]
    [note] = result.notes
    assert note.kind == "external" and "s3://my-bucket/out/traffic-vot/" in note.detail


# ---- 3D point cloud --------------------------------------------------------------------------------

def test_point_cloud_detection_cuboids_inline_with_dataset_object_attributes(manifest):
    table = rows_of(manifest, kind="cuboid")
    columns = ["task_type", "label", "track_name", "center_x", "length", "width", "height", "yaw"]
    assert table[columns].values.tolist() == [
        ["point-cloud", "Car", "Car:1", -2.6, 2.99, 1.83, 1.32, 1.65]]  # class_map (sic) names class 0
    assert table["attributes"].tolist() == [{"Occlusion": "Partial"}]
    assert table["frame_attributes"].tolist() == [{"weather": "rain"}]


def test_point_cloud_tracking_seq_label_frame_number_as_number_and_string():
    template = Row(job="lidar-ot", object_id="0", source="consolidated", task_type="point-cloud", kind="")
    result = read_seq_label(data("seq-cuboids.json"), SeqRef("s3://b/SeqLabel.json", template, {"0": "Car"}))
    table = result.frame()
    assert table[["frame", "frame_name", "label", "class_id", "track_name", "center_y"]].values.tolist() == [
        [0, "0.txt.pcd", "Car", "0", "Car:4", 103.7], [1, "1.txt.pcd", "Car", "0", "Car:4", 104.1]]
    assert set(table["kind"]) == {"cuboid"} and table["track_id"].nunique() == 1


# ---- attributes ----------------------------------------------------------------------------------

def test_attributes_flatten_to_columns(manifest):
    result = read_seq_label(data("seq-detection.json"), detection_ref(manifest))
    flat = flatten_attributes(result.frame())
    assert flat["attr:occluded"].tolist() == ["no", "no", None]
    assert flat["attr:size"].tolist() == ["medium", None, None]
    assert flat["frame_attr:light"].tolist() == ["day", "day", "dusk"]


# ---- verification and adjustment -----------------------------------------------------------------

def test_verification_line_gives_verdict_feedback_and_the_audited_job(manifest):
    [verdict] = rows_of(manifest, task_type="label-verification").to_dict("records")
    assert (verdict["label"], verdict["verdict"], verdict["confidence"]) == ("bad", "fail", 0.9)
    assert verdict["feedback"] == ("The person box is too narrow.", "A car on the left is missing.")
    assert (verdict["audited_attribute"], verdict["audited_job"]) == ("cars", "cars-bb")
    assert (verdict["job"], verdict["object_id"], verdict["source_ref"]) == ("cars-verify", "3", "s3://my-bucket/road/3.jpg")


def test_an_audit_traces_back_to_the_original_workers(manifest):
    """The audited job and the object id lead to the worker answers of the earlier job."""
    verdict = rows_of(manifest, task_type="label-verification").iloc[0]
    workers = read_answers(data("worker-boxes.json"), verdict["audited_job"], verdict["object_id"]).frame()
    audits = pd.DataFrame([verdict])[["audited_job", "object_id", "verdict"]]
    joined = workers[["job", "object_id", "worker_id"]].merge(
        audits, left_on=["job", "object_id"], right_on=["audited_job", "object_id"])
    assert set(joined["worker_id"]) == {"private.us-west-2.1111111111111111", "private.us-west-2.3333333333333333"}
    assert set(joined["verdict"]) == {"fail"}


def test_adjustment_rows_keep_their_boxes_status_and_audited_label(manifest):
    table = rows_of(manifest, task_type="adjustment")
    columns = ["kind", "label", "left", "adjustment", "audited_attribute", "audited_job", "job"]
    assert table[columns].values.tolist() == [
        ["box", "car", 118.0, "adjusted", "cars", "cars-bb", "cars-adjust"]]


def test_audited_attribute_can_be_named_by_the_caller():
    line = {"source-ref": "s3://b/v.json",
            "a-ref": "s3://b/a/SeqLabel.json", "a-ref-metadata": {"type": "groundtruth/video-object-tracking",
                                                                   "job-name": "labeling-job/first"},
            "b-ref": "s3://b/b/SeqLabel.json", "b-ref-metadata": {"type": "groundtruth/video-object-tracking",
                                                                   "job-name": "labeling-job/second"},
            "fix-ref": "s3://b/fix/SeqLabel.json", "fix-ref-metadata": {
                "type": "groundtruth/video-object-tracking", "job-name": "labeling-job/fix",
                "adjustment-status": "adjusted", "class-map": {"0": "car"}}}
    result = read_line(line, "fix", "0", "line 1", audits={"fix-ref": "a-ref"})
    template = next(s.template for s in result.sequences if s.template.attribute == "fix-ref")
    assert (template.task_type, template.audited_attribute, template.audited_job) == ("adjustment", "a-ref", "first")


def test_verification_answers_become_verdicts_when_the_job_says_so():
    result = read_answers(data("worker-verification.json"), "cars-verify", "3", task_type="label-verification")
    table = result.frame()
    assert table["label"].tolist() == ["bad", "good", "maybe"] and set(table["kind"]) == {"verdict"}
    assert table["verdict"].tolist()[:2] == ["fail", "pass"] and pd.isna(table["verdict"].iloc[2])
    assert table["feedback"].tolist()[0] == ("The person box is too narrow.",)
    assert sorted((n.kind, n.type) for n in result.notes) == [
        ("unknown-answer-key", "crowd-slider"), ("unknown-verdict", "maybe")]


# ---- what is not read is reported ----------------------------------------------------------------

def test_unknown_type_failed_line_and_bad_json_are_notes_with_where(manifest):
    notes = {(n.kind, n.type, n.where) for n in manifest.notes}
    assert ("unknown-type", "groundtruth/polygon-future", "output.manifest line 10 poly") in notes
    assert ("failed", None, "output.manifest line 9 topic") in notes
    assert ("malformed", None, "output.manifest line 12") in notes
    # the 3D line's source-ref-metadata describes its input, not a label: no note for it
    assert not any("source-ref" in n.where for n in manifest.notes)


def test_unknown_answer_shape_and_a_bad_answer_are_notes():
    raw = json.loads(worker_file({"crowd-keypoint": {"keypoints": [{"x": 1, "y": 2}]}}))
    raw["answers"].append({"answerContent": {"crowd-classifier": {"label": "x"}}})  # no workerId
    result = read_answers(json.dumps(raw).encode(), "kp", "0", where="kp/0/t.json")
    assert result.rows == []
    assert sorted((n.kind, n.type, n.where) for n in result.notes) == [
        ("malformed", "answer", "kp/0/t.json"),
        ("unknown-answer-key", "crowd-keypoint", "kp/0/t.json answers[0].crowd-keypoint"),
    ]


def test_consolidation_response_content_reads_like_a_manifest_line():
    content = {"fruit": 0, "fruit-metadata": {"class-name": "apple", "confidence": 0.95,
                                               "type": "groundtruth/image-classification",
                                               "job-name": "labeling-job/fruit-ic", "human-annotated": "yes"}}
    [row] = read_line(content, "fruit-ic", "12", "response").rows
    assert (row.label, row.class_id, row.object_id, row.source) == ("apple", "0", "12", "consolidated")


def test_manifest_box_class_id_as_string_and_a_line_of_an_unknown_attribute_metadata():
    line = {"source-ref": "s3://b/1.jpg",
            "cars": {"annotations": [{"class_id": "0", "left": 1, "top": 2, "width": 3, "height": 4}]},
            "cars-metadata": {"class-map": {"0": "car"}, "objects": [{"confidence": "high"}],
                              "type": "groundtruth/object-detection", "job-name": "cars-bb"},
            "odd-metadata": "not an object"}
    result = read_line(line, "cars-bb", "1", "line 2")
    [row] = result.rows
    assert (row.label, row.class_id, row.confidence) == ("car", "0", None)  # a non-number confidence is unknown
    assert result.notes == []
