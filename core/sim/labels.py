"""The consolidated label of one object, per task type, as the built-in ACS Lambdas return it:
the label value and its metadata (docs/ground-truth.md §3), and for the types whose label is a
file in S3 the file's bytes (a mask PNG, a SeqLabel.json; §1 `consolidated-annotation/output/`).

`creation-date` is left for the writer to stamp with the consolidation time; a semantic
segmentation label is the mask's URI, which carries that time too, so the writer makes it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from .annotate import BOX_ELEMENT
from .audit_answers import VERIFY_ELEMENT
from .consolidate import majority_spans, merge_boxes, union_of_sets, vote
from .frame_answers import TRACKING_ELEMENT
from .mask_answers import consolidate_masks, worker_mask

OUTPUT_TYPES = {
    "ImageMultiClass": "groundtruth/image-classification",
    "TextMultiClass": "groundtruth/text-classification",
    "BoundingBox": "groundtruth/object-detection",
    "ImageMultiClassMultiLabel": "groundtruth/image-classification-multilabel",
    "NamedEntityRecognition": "groundtruth/text-span",
    "VerificationBoundingBox": "groundtruth/label-verification",
    "AdjustmentBoundingBox": "groundtruth/object-detection",  # the type of the task it adjusts (§3)
    "VideoObjectTracking": "groundtruth/video-object-tracking",
    "SemanticSegmentation": "groundtruth/semantic-segmentation",
}
SEQ_LABEL = "annotations/consolidated-annotation/output/{oid}/SeqLabel.json"  # §1


@dataclass
class Label:
    value: object  # None for a mask: its URI is made when it is written
    meta: dict  # without creation-date
    file: bytes | None = None  # the mask PNG or SeqLabel.json the value names


def _meta(task: str, job: str, **more) -> dict:
    return {**more, "type": OUTPUT_TYPES[task], "job-name": job, "human-annotated": "yes", "creation-date": None}


def consolidate(task: str, contents: list[dict], labels: list[str], job: str, oid: int, root_uri: str) -> Label:
    """The label of an object from its workers' answerContents (in answer order)."""
    inner = [next(iter(c.values())) for c in contents]
    if task in ("BoundingBox", "AdjustmentBoundingBox"):
        drawn = [c[BOX_ELEMENT]["boundingBoxes"] for c in contents]
        image = contents[0][BOX_ELEMENT]["inputImageProperties"]
        annotations, confidences = merge_boxes(drawn, labels)
        value = {"image_size": [{"width": image["width"], "height": image["height"], "depth": 3}],
                 "annotations": annotations}
        classes = sorted({a["class_id"] for a in annotations})
        meta = {"objects": [{"confidence": c} for c in confidences], "class-map": {str(c): labels[c] for c in classes},
                "type": OUTPUT_TYPES[task], "human-annotated": "yes", "creation-date": None, "job-name": job}
        if task == "AdjustmentBoundingBox":  # adjusted when at least one worker changed the label (§3)
            meta["adjustment-status"] = "adjusted" if any(c[BOX_ELEMENT]["initialValueModified"] for c in contents) \
                else "unadjusted"
        return Label(value, meta)
    if task == "ImageMultiClassMultiLabel":
        chosen, confidence = union_of_sets([i["labels"] for i in inner], labels)
        return Label(chosen, _meta(task, job, **{"class-map": {str(i): labels[i] for i in chosen},
                                                  "confidence-map": confidence}))
    if task == "NamedEntityRecognition":
        entities, confidences = majority_spans([i["entities"] for i in inner])
        value = {"annotations": {"labels": [{"label": x} for x in labels], "entities": entities}}
        return Label(value, _meta(task, job, entities=[{"confidence": c} for c in confidences]))
    if task == "VerificationBoundingBox":
        name, confidence = vote([c[VERIFY_ELEMENT]["label"] for c in contents], labels)
        feedback = [{"comment": c[VERIFY_ELEMENT]["workerComment"]} for c in contents
                    if c[VERIFY_ELEMENT].get("workerComment")]  # empty comments are left out (§3)
        return Label(labels.index(name), _meta(task, job, **{"class-name": name, "confidence": confidence,
                                                             "worker-feedback": feedback}))
    if task == "VideoObjectTracking":
        return _sequence(task, contents[0][TRACKING_ELEMENT], labels, job, oid, root_uri)
    if task == "SemanticSegmentation":
        png, color_map = consolidate_masks([worker_mask(c, labels) for c in contents], labels)
        return Label(None, _meta(task, job, **{"internal-color-map": color_map}), png)
    name, confidence = vote([i["label"] for i in inner], labels)
    return Label(labels.index(name), {"confidence": confidence, "job-name": job, "class-name": name,
                                      "human-annotated": "yes", "creation-date": None, "type": OUTPUT_TYPES[task]})


def _sequence(task: str, frames: list[dict], labels: list[str], job: str, oid: int, root_uri: str) -> Label:
    """Video tracking: one worker per sequence (§6), so the SeqLabel.json is that worker's frames
    with class ids for labels (§3: `class-id` as a string, as real files write it)."""
    out = []
    for f in frames:
        boxes = [{"height": b["height"], "width": b["width"], "top": b["top"], "left": b["left"],
                  "class-id": str(labels.index(b["label"])),
                  "label-category-attributes": b["label-category-attributes"],
                  "object-id": b["object-id"], "object-name": b["object-name"]} for b in f["annotations"]]
        out.append({"frame-no": f["frame-no"], "frame": f["frame"], "frame-attributes": f["frame-attributes"],
                    "annotations": boxes})
    classes = sorted({int(b["class-id"]) for f in out for b in f["annotations"]})
    uri = f"{root_uri.rstrip('/')}/{SEQ_LABEL.format(oid=oid)}"
    data = json.dumps({"tracking-annotations": out}, separators=(",", ":")).encode()
    return Label(uri, _meta(task, job, **{"class-map": {str(c): labels[c] for c in classes}}), data)
