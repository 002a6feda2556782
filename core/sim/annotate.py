"""What a simulated worker answers, in the built-in templates' answerContent shapes (docs/ground-truth.md §2).

Truth comes from the data set (core.sim.datasets): a class with the class it is most easily
taken for and a difficulty, or the true boxes of an image. Mistakes follow patterns, not coin
flips: hard images and personal mix-ups (1/7, 4/9, 3/8) are where people go wrong.
"""

from __future__ import annotations

import random

from .workforce import Worker

# The crowd element names of AWS's templates (§2).
ELEMENT = {"ImageMultiClass": "crowd-image-classifier", "TextMultiClass": "crowd-classifier"}
BOX_ELEMENT = "boundingBox"
# Shapes people mix up when drawn small.
LOOKALIKE_DIGITS = {"0": "6", "1": "7", "2": "7", "3": "8", "4": "9", "5": "6", "6": "5", "7": "1", "8": "3", "9": "4"}
# An image of unknown size (a manifest the simulator has no truth for) is taken to be this.
DEFAULT_IMAGE = {"width": 640, "height": 480, "depth": 3}


def pseudo_truth(source: str, task: str, labels: list[str]) -> dict:
    """Truth for an object the simulator knows nothing about: drawn from the source's name, so
    the same object always gets the same "true" answer."""
    rng = random.Random(f"truth/{source}")
    if task == "BoundingBox":
        boxes = []
        for _ in range(rng.randint(1, 3)):
            w, h = rng.randint(40, 200), rng.randint(40, 200)
            boxes.append({"label": rng.choice(labels), "left": rng.randint(0, 640 - w), "top": rng.randint(0, 480 - h),
                          "width": w, "height": h})
        return {"image": DEFAULT_IMAGE, "boxes": boxes}
    label = rng.choice(labels)
    return {"label": label, "confusable": rng.choice([x for x in labels if x != label] or [label]),
            "difficulty": round(rng.betavariate(1.2, 6), 3)}


def _wrong_class(worker: Worker, truth: dict, labels: list[str], rng: random.Random) -> str:
    label = truth["label"]
    personal = [b if a == label else a for a, b in worker.confusions if label in (a, b)]
    choices = [x for x in personal if x in labels and x != label]
    if choices and rng.random() < 0.6:
        return rng.choice(choices)
    lookalike = LOOKALIKE_DIGITS.get(label)
    if lookalike in labels and rng.random() < 0.5:
        return lookalike
    confusable = truth.get("confusable")
    if confusable in labels and confusable != label and rng.random() < 0.8:
        return confusable
    others = [x for x in labels if x != label]
    return rng.choice(others) if others else label


def error_chance(worker: Worker, truth: dict) -> float:
    """The chance that this worker picks a wrong class for this object: their error on an easy
    image, raised by the object's difficulty and by a personal mix-up of its class. The simulated
    worker's true error rate on a job is its mean over the objects they answered."""
    p = worker.error + worker.sensitivity * truth.get("difficulty", 0.0) ** 2 * 0.35
    if any(truth["label"] in pair for pair in worker.confusions):
        p += 0.04
    return min(p, 0.9)


def classify(worker: Worker, truth: dict, labels: list[str], rng: random.Random) -> str:
    """The class this worker picks for an object."""
    if rng.random() < error_chance(worker, truth):
        return _wrong_class(worker, truth, labels, rng)
    return truth["label"]


def classification_content(task: str, label: str) -> dict:
    return {ELEMENT[task]: {"label": label}}


def draw_boxes(worker: Worker, truth: dict, labels: list[str], rng: random.Random) -> dict:
    """The boxes this worker draws: edges off by a few pixels, small boxes sometimes missed,
    now and then a wrong label or a box around nothing."""
    image = truth["image"]
    width, height = image["width"], image["height"]
    drawn = []
    for box in truth["boxes"]:
        size = min(box["width"], box["height"])
        if rng.random() < worker.box_miss * (3 if size < 24 else 1):
            continue
        sd = worker.box_jitter
        left = box["left"] + rng.gauss(0, sd * box["width"])
        top = box["top"] + rng.gauss(0, sd * box["height"])
        right = box["left"] + box["width"] + rng.gauss(0, sd * box["width"])
        bottom = box["top"] + box["height"] + rng.gauss(0, sd * box["height"])
        left, top = max(0, round(left)), max(0, round(top))
        right, bottom = min(width, round(right)), min(height, round(bottom))
        if right - left < 2 or bottom - top < 2:
            continue
        label = box["label"]
        if rng.random() < worker.error * 0.5:
            label = rng.choice(labels)
        drawn.append({"height": bottom - top, "label": label, "left": left, "top": top, "width": right - left})
    if rng.random() < worker.box_miss * 0.3:
        w, h = rng.randint(10, max(11, width // 5)), rng.randint(10, max(11, height // 5))
        drawn.append({"height": h, "label": rng.choice(labels), "left": rng.randint(0, width - w),
                      "top": rng.randint(0, height - h), "width": w})
    return {BOX_ELEMENT: {"boundingBoxes": drawn, "inputImageProperties": {"height": height, "width": width}}}


# --- multi-label and named entities (§2: `labels`, `entities`) ---------------------------------------

MULTI_ELEMENT = {"ImageMultiClassMultiLabel": "crowd-image-classifier-multi-select",
                 "TextMultiClassMultiLabel": "crowd-classifier-multi-select"}
ENTITY_ELEMENT = "crowd-entity-annotation"


def pick_labels(worker: Worker, truth: dict, labels: list[str], rng: random.Random) -> dict:
    """The classes a worker ticks for an image of shapes: every class shown, except that a class
    seen only in small shapes is sometimes overlooked and, now and then, a wrong one is ticked."""
    shown: dict[str, int] = {}
    for box in truth["boxes"]:
        shown[box["label"]] = max(shown.get(box["label"], 0), min(box["width"], box["height"]))
    picked = [x for x in labels if x in shown and rng.random() >= worker.box_miss * (4 if shown[x] < 24 else 0.5)]
    if rng.random() < worker.error * 3:
        extra = [x for x in labels if x not in picked]
        if extra:
            picked.append(rng.choice(extra))
    return {MULTI_ELEMENT["ImageMultiClassMultiLabel"]: {"labels": [x for x in labels if x in picked]}}


def mark_entities(worker: Worker, truth: dict, labels: list[str], rng: random.Random) -> dict:
    """The spans a worker highlights: most entities exactly; some skipped, some with a wrong label,
    some with the last word left out (a sloppy selection)."""
    text = truth.get("text", "")
    marked = []
    for entity in truth["entities"]:
        if rng.random() < worker.box_miss * 1.5:
            continue  # skipped
        label, start, end = entity["label"], entity["startOffset"], entity["endOffset"]
        if rng.random() < worker.error * 2:
            label = CONFUSED_ENTITIES.get(label, label)
        if rng.random() < worker.box_jitter * 2:
            cut = text.rfind(" ", start, end) if text else -1
            end = cut if cut > start else end
        marked.append({"endOffset": end, "label": label if label in labels else entity["label"], "startOffset": start})
    return {ENTITY_ELEMENT: {"entities": marked}}


CONFUSED_ENTITIES = {"Organization": "Location", "Location": "Organization", "Person": "Organization"}
