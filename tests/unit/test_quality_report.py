"""A source holding one job of each task type, in the real layout (made-up values in the documented
shapes, docs/ground-truth.md §1-§3), read whole and measured per worker against hand-computed
figures."""

from __future__ import annotations

import base64
import io
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from PIL import Image

from core.annotations.manifest import read_output_manifest
from core.annotations.source import read_source
from core.quality.report import object_scores, quality_report, worst_first
from core.storage import open_location

A, B = "private.us-east-1.aaaaaaaaaaaaaaaa", "private.us-east-1.bbbbbbbbbbbbbbbb"
V1, V2 = "private.us-east-1.1111111111111111", "private.us-east-1.2222222222222222"
BUCKET = "s3://demo-bucket/out"
CREATED = "2025-02-03T09:00:00.000000"


def meta(job: str, kind: str, created: str = CREATED, **more) -> dict:
    return {"job-name": f"labeling-job/{job}", "type": f"groundtruth/{kind}", "human-annotated": "yes",
            "creation-date": created, **more}


def answer(worker: str, content: dict, second: int = 0) -> dict:
    return {"acceptanceTime": f"2025-02-03T10:00:{second:02d}.000Z", "answerContent": content,
            "submissionTime": f"2025-02-03T10:01:{second:02d}.000Z", "timeSpentInSeconds": 60.0, "workerId": worker}


class Tree:
    def __init__(self, root: Path):
        self.root = root

    def write(self, key: str, data: bytes | str) -> None:
        path = self.root / key
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data if isinstance(data, bytes) else data.encode())

    def job(self, job: str, lines: list[dict], answers: dict[int, list[dict]]) -> None:
        self.write(f"out/{job}/manifests/output/output.manifest", "\n".join(json.dumps(x) for x in lines) + "\n")
        for obj, found in answers.items():
            self.write(f"out/{job}/annotations/worker-response/iteration-1/{obj}/2025-02-03_10:01:00.json",
                       json.dumps({"answers": found}))


def box(label: str, left: float, top: float, width: float, height: float) -> dict:
    return {"label": label, "left": left, "top": top, "width": width, "height": height}


def boxes_answer(worker: str, *found: dict) -> dict:
    return answer(worker, {"boundingBox": {"boundingBoxes": list(found),
                                           "inputImageProperties": {"width": 640, "height": 480}}})


def mask(colors: dict[str, str], road_rows: int, stray: bool) -> bytes:
    pixels = np.full((4, 4, 3), 255, dtype=np.uint8)  # background: white
    rgb = {label: [int(c[i:i + 2], 16) for i in (1, 3, 5)] for label, c in colors.items()}
    pixels[:road_rows, :] = rgb["road"]
    pixels[2:, 2:] = rgb["car"]
    if stray:
        pixels[3, 0] = rgb["car"]
    buffer = io.BytesIO()
    Image.fromarray(pixels, "RGB").save(buffer, format="PNG")
    return buffer.getvalue()


def segmentation(colors: dict[str, str], png: bytes) -> dict:
    return {"crowd-semantic-segmentation": {
        "inputImageProperties": {"height": 4, "width": 4},
        "labelMappings": {label: {"color": c} for label, c in colors.items()},
        "labeledImage": {"pngImageData": base64.b64encode(png).decode()}}}


CARS = {"image_size": [{"width": 640, "height": 480, "depth": 3}],
        "annotations": [{"class_id": 0, "left": 100, "top": 100, "width": 50, "height": 50},
                        {"class_id": 1, "left": 300, "top": 300, "width": 40, "height": 80}]}
CARS_META = meta("cars-bb", "object-detection", objects=[{"confidence": 0.9}, {"confidence": 0.8}],
                 **{"class-map": {"0": "car", "1": "person"}})
TEXT = "Ada Lovelace met Charles Babbage in London."
MOODS = ("The parcel arrived late.", "Great service, thank you!")


@pytest.fixture(scope="module")
def source(tmp_path_factory) -> Path:
    tree = Tree(tmp_path_factory.mktemp("annotated"))
    # Classification: A 3 of 3 right; B 1 of 2 (no answer for object 2).
    classes = ["apple", "pear", "apple"]
    tree.job("fruit-ic", [
        {"source-ref": f"s3://demo-bucket/img/{i}.jpg", "fruit": i % 2,
         "fruit-metadata": meta("fruit-ic", "image-classification", **{"class-name": c, "confidence": 0.9})}
        for i, c in enumerate(classes)], {
        0: [answer(A, {"crowd-image-classifier": {"label": "apple"}}),
            answer(B, {"crowd-image-classifier": {"label": "apple"}}, 1)],
        1: [answer(A, {"crowd-image-classifier": {"label": "pear"}}),
            answer(B, {"crowd-image-classifier": {"label": "apple"}}, 1)],
        2: [answer(A, {"crowd-image-classifier": {"label": "apple"}})]})
    # Multi-label: the set {bicycle, person}; A chose both (1.0), B only bicycle (0.5).
    tree.job("street-tags", [{"source-ref": "s3://demo-bucket/street/0.jpg", "tags": [0, 1], "tags-metadata": meta(
        "street-tags", "image-classification-multilabel",
        **{"class-map": {"0": "bicycle", "1": "person"}, "confidence-map": {"0": 0.9, "1": 0.8}})}], {
        0: [answer(A, {"crowd-image-classifier-multi-select": {"labels": ["bicycle", "person"]}}),
            answer(B, {"crowd-image-classifier-multi-select": {"labels": ["bicycle"]}}, 1)]})
    # Boxes: A drew both exactly; B the car 5 px to the right (IoU 2250/2750) and missed the person.
    tree.job("cars-bb", [{"source-ref": "s3://demo-bucket/road/0.jpg", "cars": CARS, "cars-metadata": CARS_META}], {
        0: [boxes_answer(A, box("car", 100, 100, 50, 50), box("person", 300, 300, 40, 80)),
            boxes_answer(B, box("car", 105, 100, 50, 50))]})
    # Verification of cars-bb: the consolidated verdict is "bad"; V1 said bad, V2 good.
    tree.job("cars-verify", [{
        "source-ref": "s3://demo-bucket/road/0.jpg", "cars": CARS, "cars-metadata": CARS_META,
        "verify-cars": 1,
        "verify-cars-metadata": meta("cars-verify", "label-verification", "2025-02-04T08:00:00.000000",
                                     **{"class-name": "bad", "confidence": 0.9})}], {
        0: [answer(V1, {"crowd-classifier": {"label": "bad"}}),
            answer(V2, {"crowd-classifier": {"label": "good"}}, 1)]})
    # Adjustment of cars-bb: V1 moved the person box (its answer says so); the manifest says adjusted.
    adjusted = {"image_size": CARS["image_size"], "annotations": [
        CARS["annotations"][0], {"class_id": 1, "left": 298, "top": 300, "width": 44, "height": 80}]}
    tree.job("cars-adjust", [{
        "source-ref": "s3://demo-bucket/road/0.jpg", "cars": CARS, "cars-metadata": CARS_META,
        "adjusted-cars": adjusted,
        "adjusted-cars-metadata": meta("cars-adjust", "object-detection", "2025-02-05T08:00:00.000000",
                                       objects=[{"confidence": 0.9}] * 2, **{"class-map": {"0": "car", "1": "person"},
                                                                             "adjustment-status": "adjusted"})}], {
        0: [answer(V1, {"annotatedResult": {"boundingBoxes": [box("car", 100, 100, 50, 50),
                                                              box("person", 298, 300, 44, 80)],
                                            "inputImageProperties": {"width": 640, "height": 480},
                                            "initialValueModified": True}})]})
    # NER: reference Person 0-12, Person 17-32, Place 36-42. A exact on all three; B has Person 0-3
    # (overlaps, not exact) and Place 36-42.
    spans = [("Person", 0, 12), ("Person", 17, 32), ("Place", 36, 42)]
    tree.job("people-ner", [{"source": TEXT, "people": {"annotations": {
        "labels": [{"label": "Person"}, {"label": "Place"}],
        "entities": [{"label": lab, "startOffset": s, "endOffset": e} for lab, s, e in spans]}},
        "people-metadata": meta("people-ner", "text-span", entities=[{"confidence": 0.9}] * 3)}], {
        0: [answer(A, {"crowd-entity-annotation": {"entities": [
                {"label": lab, "startOffset": s, "endOffset": e} for lab, s, e in spans]}}),
            answer(B, {"crowd-entity-annotation": {"entities": [
                {"label": "Person", "startOffset": 0, "endOffset": 3},
                {"label": "Place", "startOffset": 36, "endOffset": 42}]}}, 1)]})
    # Text classification, texts inline (`source`): the result is negative, positive; A agrees with
    # it on both, B says positive to both.
    tree.job("mood-tc", [{"source": text, "mood": i, "mood-metadata": meta(
        "mood-tc", "text-classification", **{"class-name": c, "confidence": 0.9})}
        for i, (text, c) in enumerate(zip(MOODS, ("negative", "positive"), strict=True))], {
        i: [answer(A, {"crowd-classifier": {"label": c}}), answer(B, {"crowd-classifier": {"label": "positive"}}, 1)]
        for i, c in enumerate(("negative", "positive"))})
    # Video detection: the consolidated frames are in a SeqLabel.json the manifest names by its S3
    # URI (this folder is a copy of the bucket's `out/`); A matches both frames, B only frame 0.
    seq = f"{BUCKET}/traffic-vod/annotations/consolidated-annotation/output/0/SeqLabel.json"
    frames = [{"frame-no": "0", "frame": "frame_0000.jpeg", "frame-attributes": {"light": "day"},
               "annotations": [{"class-id": "0", "left": 10, "top": 10, "width": 20, "height": 20,
                                "object-id": "t1", "object-name": "car:1",
                                "label-category-attributes": {"parked": "yes"}}]},
              {"frame-no": "1", "frame": "frame_0001.jpeg", "frame-attributes": {"light": "dusk"},
               "annotations": [{"class-id": "0", "left": 12, "top": 10, "width": 20, "height": 20,
                                "object-id": "t1", "object-name": "car:1"}]},
              # The car has left: a frame with its attribute and no box (nobody drew one either).
              {"frame-no": "2", "frame": "frame_0002.jpeg", "frame-attributes": {"light": "dusk"},
               "annotations": []}]
    tree.write("out/traffic-vod/annotations/consolidated-annotation/output/0/SeqLabel.json",
               json.dumps({"detection-annotations": frames}))

    def worker_frames(shift: float) -> list[dict]:
        return [{"frame-no": str(i), "frame": f"frame_000{i}.jpeg", "annotations": [
            {"label": "car", "left": 10 + 2 * i + (shift if i else 0), "top": 10, "width": 20, "height": 20}]}
            for i in range(2)]

    tree.job("traffic-vod", [{"source-ref": "s3://demo-bucket/video/seq0.json", "traffic-ref": seq,
                              "traffic-ref-metadata": meta("traffic-vod", "video-object-detection",
                                                           **{"class-map": {"0": "car"}})}], {
        0: [answer(A, {"detection-annotations": worker_frames(0)}),
            answer(B, {"detection-annotations": worker_frames(30)}, 1)]})
    # Video tracking: two cars over three frames; A swaps their track ids in frame 2 (one identity
    # switch for each reference track), B keeps them.
    def tracked(ids: list[tuple[str, str]]) -> list[dict]:
        return [{"frame-no": str(f), "frame": f"frame_000{f}.jpeg", "annotations": [
            {"class-id": "0", "label": "car", "left": x + 2 * f, "top": 10, "width": 20, "height": 20,
             "object-id": track, "object-name": f"car:{track}"} for x, track in zip((10, 100), ids[f], strict=True)]}
            for f in range(3)]

    # A second video: A keeps the first car's id but gives the second a new one in frame 1 (one
    # switch), B keeps both: A's total is 2 + 1 = 3 switches over two videos (not their mean, 1.5).
    for obj in (0, 1):
        tree.write(f"out/traffic-vot/annotations/consolidated-annotation/output/{obj}/SeqLabel.json",
                   json.dumps({"tracking-annotations": tracked([("t1", "t2")] * 3)}))
    tree.job("traffic-vot", [{"source-ref": f"s3://demo-bucket/video/seq{obj + 1}.json",
                              "cars-ref": f"{BUCKET}/traffic-vot/annotations/consolidated-annotation/output/{obj}/"
                                          "SeqLabel.json",
                              "cars-ref-metadata": meta("traffic-vot", "video-object-tracking",
                                                        **{"class-map": {"0": "car"}})} for obj in (0, 1)], {
        0: [answer(A, {"tracking-annotations": tracked([("a", "b"), ("a", "b"), ("b", "a")])}),
            answer(B, {"tracking-annotations": tracked([("x", "y")] * 3)}, 1)],
        1: [answer(A, {"tracking-annotations": tracked([("a", "b"), ("a", "c"), ("a", "c")])}),
            answer(B, {"tracking-annotations": tracked([("x", "y")] * 3)}, 1)]})
    # Segmentation, 4 x 4: road the top two rows (8 px), car the bottom-right 2 x 2 (4 px), the
    # rest background. A paints exactly that; B paints road on the top row only and one stray car
    # pixel on background: road IoU 4/8, car 4/5, mean 0.65.
    colors = {"road": "#2ca02c", "car": "#1f77b4"}
    tree.write("out/streets/annotations/consolidated-annotation/output/0_2025-02-03T10:02:00.png",
               mask(colors, road_rows=2, stray=False))
    tree.job("streets", [{"source-ref": "s3://demo-bucket/street/9.jpg",
                          "streets-ref": f"{BUCKET}/streets/annotations/consolidated-annotation/output/"
                                         "0_2025-02-03T10:02:00.png",
                          "streets-ref-metadata": meta("streets", "semantic-segmentation", **{"internal-color-map": {
                              "0": {"class-name": "BACKGROUND", "hex-color": "#ffffff", "confidence": 0.0},
                              "1": {"class-name": "road", "hex-color": "#2ca02c", "confidence": 0.9},
                              "2": {"class-name": "car", "hex-color": "#1f77b4", "confidence": 0.8}}})}], {
        0: [answer(A, segmentation(colors, mask(colors, road_rows=2, stray=False))),
            answer(B, segmentation(colors, mask(colors, road_rows=1, stray=True)), 1)]})
    # One unreadable worker-response file: reported, not dropped silently.
    tree.write("out/fruit-ic/annotations/worker-response/iteration-1/9/2025-02-03_10:09:00.json", "{not json")
    return tree.root


@pytest.fixture(scope="module")
def annotations(source):
    return read_source(open_location(str(source)))


@pytest.fixture(scope="module")
def report(annotations) -> pd.DataFrame:
    return quality_report(annotations.table, masks=annotations.masks).set_index(["job", "worker"])


def test_every_job_is_read_with_its_task_type(annotations):
    assert annotations.task_types() == {
        "cars-adjust": "adjustment", "cars-bb": "bounding-box", "cars-verify": "label-verification",
        "fruit-ic": "classification", "mood-tc": "classification", "people-ner": "ner", "street-tags": "multi-label",
        "streets": "semantic-segmentation", "traffic-vod": "video-object-detection",
        "traffic-vot": "video-object-tracking"}
    table = annotations.table
    video = table[table["job"].eq("traffic-vod") & table["source"].eq("consolidated")]
    assert video["frame"].tolist() == [0, 1, 2]  # read from the SeqLabel.json the manifest names
    assert video["kind"].tolist() == ["frame-box", "frame-box", "frame"]  # frame 2: its attributes, no box
    assert video["frame_attributes"].tolist() == [{"light": "day"}, {"light": "dusk"}, {"light": "dusk"}]
    assert video.loc[video["kind"].eq("frame"), ["left", "label", "unit"]].isna().all(axis=None)
    assert video["attributes"].iloc[0] == {"parked": "yes"}


def test_an_unreadable_file_is_reported_with_its_name(annotations):
    [bad] = annotations.unread
    assert bad.uri.endswith("fruit-ic/annotations/worker-response/iteration-1/9/2025-02-03_10:09:00.json")


def test_classification_exact_match(report):
    assert report.loc[("fruit-ic", A), "exact_match"] == 1.0
    assert report.loc[("fruit-ic", B), "exact_match"] == 0.5
    assert report.loc[("fruit-ic", "Team"), "exact_match"] == pytest.approx(4 / 5)
    assert report.loc[("fruit-ic", "Team"), "objects"] == 5  # answers scored
    assert report.loc[("fruit-ic", A), "task_type"] == "classification"


def test_alpha_on_the_job_row(report):
    """fruit-ic: objects 0 (apple, apple) and 1 (pear, apple) have two answers. Coincidences:
    apple-apple 2, apple-pear 1, pear-apple 1 (n = 4; 3 apple, 1 pear). Observed disagreement
    2/4; expected 2 * 3 * 1 / (4 * 3) = 1/2; alpha = 1 - (1/2) / (1/2) = 0."""
    assert report.loc[("fruit-ic", "Team"), "alpha"] == pytest.approx(0.0)
    assert pd.isna(report.loc[("fruit-ic", A), "alpha"])  # a job's figure, not a worker's
    assert pd.isna(report.loc[("cars-bb", "Team"), "alpha"])  # boxes: no single choice to compare


def test_multi_label_jaccard(report):
    assert report.loc[("street-tags", A), "jaccard"] == 1.0
    assert report.loc[("street-tags", B), "jaccard"] == 0.5


def test_boxes_matched_by_iou(report):
    a, b, team = (report.loc[("cars-bb", w)] for w in (A, B, "Team"))
    assert (a["precision"], a["recall"], a["f1"], a["mean_iou"]) == (1.0, 1.0, 1.0, 1.0)
    assert (b["precision"], b["recall"]) == (1.0, 0.5)
    assert b["f1"] == pytest.approx(2 / 3)
    assert b["mean_iou"] == pytest.approx(2250 / 2750)
    assert team["f1"] == pytest.approx(2 * 3 / (4 + 3))  # pooled: 3 matched of 4 reference, 3 drawn


def test_a_stricter_iou_threshold_drops_the_shifted_box(annotations):
    strict = quality_report(annotations.table, iou=0.9).set_index(["job", "worker"])
    assert strict.loc[("cars-bb", B), "recall"] == 0.0
    with pytest.raises(ValueError, match="IoU threshold"):
        quality_report(annotations.table, iou=0)


def test_ner_exact_and_overlapping_f1(report):
    assert report.loc[("people-ner", A), "f1"] == 1.0
    b = report.loc[("people-ner", B)]
    assert b["f1"] == pytest.approx(2 * 1 / (3 + 2))  # only Place is exact
    assert b["f1_overlap"] == pytest.approx(2 * 2 / (3 + 2))  # Person 0-3 overlaps Person 0-12


def test_video_per_frame_boxes(report):
    a, b = report.loc[("traffic-vod", A)], report.loc[("traffic-vod", B)]
    assert (a["f1"], a["mean_frame_f1"]) == (1.0, 1.0)
    assert pd.isna(a["id_switches"])  # detection: no track ids to switch
    assert b["recall"] == 0.5 and b["mean_frame_f1"] == 0.5  # frame 1 drawn 30 px off


def test_segmentation_mean_iou_per_class_pixel_by_pixel(annotations, report):
    assert report.loc[("streets", A), "mean_iou"] == 1.0
    assert report.loc[("streets", B), "mean_iou"] == pytest.approx((4 / 8 + 4 / 5) / 2)
    areas = annotations.table.query("job == 'streets' and source == 'consolidated'").set_index("label")["area"]
    assert areas.to_dict() == {"BACKGROUND": 4, "road": 8, "car": 4}  # from the fetched PNG


def test_video_tracking_counts_identity_switches(report, annotations):
    a, b = report.loc[("traffic-vot", A)], report.loc[("traffic-vot", B)]
    assert (a["f1"], a["id_switches"]) == (1.0, 3)  # every box matched; 2 switches in video 0, 1 in video 1
    assert (b["f1"], b["id_switches"]) == (1.0, 0)
    assert report.loc[("traffic-vot", "Team"), "id_switches"] == 3  # the job's total, not a mean per answer
    scores = object_scores(annotations.table).set_index(["job", "worker", "object"])
    assert scores.loc[("traffic-vot", A, "0"), "id_switches"] == 2  # per video: its own count
    assert scores.loc[("traffic-vot", A, "1"), "id_switches"] == 1


def test_verification_scores_the_verifiers_and_traces_verdicts_to_the_original_workers(report):
    assert report.loc[("cars-verify", V1), "exact_match"] == 1.0
    assert report.loc[("cars-verify", V2), "exact_match"] == 0.0
    # The "bad" verdict on object 0 counts against both workers who drew it in cars-bb.
    for worker in (A, B, "Team"):
        assert report.loc[("cars-bb", worker), "pass_rate"] == 0.0
    assert report.loc[("cars-bb", "Team"), "audited"] == 2


def test_a_job_with_output_manifests_only_is_left_out_and_its_audits_still_count(annotations, report):
    """Answers not synced, or every object machine-labeled: no worker rows to measure. Once this crashed
    the report (a frame with no index given a scalar)."""
    from core.annotations.model import WORKER

    table = annotations.table
    unanswered = table[~(table["job"].eq("cars-verify") & table["source"].eq(WORKER))]
    without = quality_report(unanswered, masks=annotations.masks).set_index(["job", "worker"])
    assert "cars-verify" not in without.index.get_level_values("job")
    assert without.loc[("cars-bb", "Team"), "audited"] == 2  # the verdicts are the job's consolidated output
    pd.testing.assert_frame_equal(without.drop(index="cars-verify", level="job", errors="ignore"),
                                  report.drop(index="cars-verify", level="job"))


def test_adjustment_is_traced_to_the_original_workers(report):
    assert report.loc[("cars-adjust", V1), "f1"] == 1.0  # the adjuster's boxes are the result
    for worker in (A, B, "Team"):
        assert report.loc[("cars-bb", worker), "adjusted"] == 1.0  # their one object was changed
    assert pd.isna(report.loc[("fruit-ic", A), "adjusted"])  # never audited


def test_gold_from_a_trusted_manifest_replaces_the_consolidated_reference(annotations):
    line = {"source-ref": "s3://demo-bucket/img/2.jpg", "fruit": 1,
            "fruit-metadata": meta("trusted", "image-classification", **{"class-name": "pear"})}
    gold = read_output_manifest(json.dumps(line).encode(), "gold").frame()
    report = quality_report(annotations.table, gold=gold).set_index(["job", "worker"])
    assert report.loc[("fruit-ic", A), "reference"] == "gold"
    assert report.loc[("fruit-ic", A), "exact_match"] == 0.0  # said apple; gold says pear
    assert pd.isna(report.loc[("fruit-ic", B), "exact_match"])  # B never answered object 2
    assert report.loc[("cars-bb", A), "reference"] == "consolidated"  # no gold for boxes


def test_worst_first_ranks_workers_by_their_types_main_measure(report):
    ranked = worst_first(report.reset_index())
    assert "Team" not in set(ranked["worker"])
    scores = ranked["score"].dropna().tolist()
    assert scores == sorted(scores) and scores[0] == 0.0  # V2's verdict against the consolidated one
    first = ranked.iloc[0]
    assert (first["job"], first["worker"]) == ("cars-verify", V2)
    assert ranked.set_index(["job", "worker"]).loc[("cars-bb", B), "score"] == pytest.approx(2 / 3)  # box F1


def test_object_scores_give_each_answer_its_types_main_figure(annotations):
    scores = object_scores(annotations.table, masks=annotations.masks).set_index(["job", "worker", "object"])
    assert scores.loc[("cars-bb", B, "0"), "score"] == pytest.approx(2 / 3)  # box F1 of that one image
    assert scores.loc[("fruit-ic", B, "1"), "score"] == 0.0  # said apple, the result is pear
    assert scores.loc[("streets", B, "0"), "score"] == pytest.approx(0.65)
    gold = read_output_manifest(json.dumps({"source-ref": "s3://demo-bucket/img/2.jpg", "fruit": 1,
                                            "fruit-metadata": meta("t", "image-classification",
                                                                   **{"class-name": "pear"})}).encode(), "g").frame()
    with_gold = object_scores(annotations.table, gold=gold).set_index(["job", "worker", "object"])
    assert pd.isna(with_gold.loc[("fruit-ic", A, "0"), "score"])  # no gold for object 0: unknown, not 0 or 1


def test_segmentation_is_measured_against_its_own_result_even_with_gold_and_the_readme_says_so(annotations):
    """A gold manifest naming the same image's mask does not make the reference 'gold': gold masks
    are not read, so the figures stay those against the consolidated mask. The README says this
    (it once said masks were 'not yet compared', while they were)."""
    gold_mask = f"{BUCKET}/trusted/annotations/consolidated-annotation/output/0.png"
    line = {"source-ref": "s3://demo-bucket/street/9.jpg", "streets-ref": gold_mask,
            "streets-ref-metadata": meta("trusted", "semantic-segmentation", **{"internal-color-map": {
                "0": {"class-name": "BACKGROUND", "hex-color": "#ffffff"}, "1": {"class-name": "road",
                                                                             "hex-color": "#2ca02c"}}})}
    gold = read_output_manifest(json.dumps(line).encode(), "gold").frame()
    assert not gold.empty
    report = quality_report(annotations.table, gold=gold, masks=annotations.masks).set_index(["job", "worker"])
    assert report.loc[("streets", B), "reference"] == "consolidated"
    assert report.loc[("streets", B), "mean_iou"] == pytest.approx((4 / 8 + 4 / 5) / 2)
    readme = " ".join((Path(__file__).resolve().parents[2] / "README.md").read_text().split())
    assert "not yet compared" not in readme
    assert "compared pixel by pixel with the job's consolidated mask" in readme
    assert "Gold is not used for segmentation" in readme
