"""What a simulated worker answers when checking an earlier bounding-box label: a verification
verdict with an optional comment, or the boxes adjusted (docs/ground-truth.md §2, §3, §8).

The earlier label is the consolidated `annotations` of the audited attribute on the manifest line
(boxes with `class_id`, §3). A worker compares it with what the image really shows (the truth):
a missed shape, a wrong class or a box that fits badly makes it bad. Workers overlook small
faults now and then, and a careless one sometimes fails a good label.
"""

from __future__ import annotations

import random

from .annotate import BOX_ELEMENT
from .consolidate import _iou
from .workforce import Worker

VERIFY_ELEMENT = "crowd-image-classifier"  # the verification template's element (core.launch.templates)
GOOD, BAD = "good", "bad"
LOOSE_IOU = 0.9  # a verifier, zoomed in on the overlay, calls a box that overlaps its shape less than this loose
TIGHT_IOU = 0.85  # an adjusting worker, box tool in hand, redraws boxes that fit worse than this
NUDGE = 0.12  # chance an adjusting worker nudges an edge of a box that was fine


def earlier_boxes(line: dict, attribute: str) -> tuple[list[dict], list[str]]:
    """(boxes with `label`, class names) of the object-detection label on the line that is not
    `attribute`: the label an audit job checks (§8)."""
    for key, meta in line.items():
        name = key[: -len("-metadata")]
        if (not key.endswith("-metadata") or name == attribute or not isinstance(meta, dict)
                or meta.get("type") != "groundtruth/object-detection" or name not in line):
            continue
        names = meta.get("class-map", {})
        boxes = [{"label": names.get(str(a["class_id"]), str(a["class_id"])),
                  **{k: a[k] for k in ("left", "top", "width", "height")}} for a in line[name].get("annotations", [])]
        return boxes, sorted(set(names.values()))
    return [], []


def faults(shown: list[dict], truth: list[dict]) -> list[str]:
    """What is wrong with the shown boxes, as a person would say it (empty: nothing)."""
    found, used = [], set()
    for t in truth:
        best, best_iou = None, 0.0
        for i, b in enumerate(shown):
            iou = _iou(t, b)
            if i not in used and iou > best_iou:
                best, best_iou = i, iou
        if best is None or best_iou < 0.3:
            found.append(f"missed a {t['label']}")
            continue
        used.add(best)
        if shown[best]["label"] != t["label"]:
            found.append(f"a {t['label']} is labeled {shown[best]['label']}")
        elif best_iou < LOOSE_IOU:
            found.append(f"the {t['label']} box does not fit")
    found += [f"a box around nothing ({shown[i]['label']})" for i in range(len(shown)) if i not in used]
    return found


def verify(worker: Worker, shown: list[dict], truth: dict, rng: random.Random) -> dict:
    """A verdict on the shown boxes, with a comment when the worker says why."""
    problems = [p for p in faults(shown, truth["boxes"]) if rng.random() > worker.box_miss * 4]  # some overlooked
    if problems:
        verdict, comment = BAD, "; ".join(problems)
    elif rng.random() < worker.error * 2:
        verdict, comment = BAD, "boxes look loose"
    else:
        verdict, comment = GOOD, ""
    if rng.random() < 0.5:
        comment = ""  # many leave the comment box empty
    content = {"label": verdict}
    if comment:
        content["workerComment"] = comment  # beside `label`, as in real IC answers (§2)
    return {VERIFY_ELEMENT: content}


def adjust(worker: Worker, shown: list[dict], truth: dict, labels: list[str], rng: random.Random) -> dict:
    """The boxes after the worker's edits, and whether they changed anything (`initialValueModified`,
    §2). Badly fitting boxes are redrawn with the worker's own jitter, wrong classes fixed, boxes
    around nothing deleted, missed shapes added; each fix is sometimes overlooked, and a fine box
    is now and then nudged."""
    image = truth["image"]
    out, modified, used = [], False, set()
    for b in shown:
        match = max(truth["boxes"], key=lambda t: _iou(t, b), default=None)
        iou = _iou(match, b) if match else 0.0
        if match is None or iou < 0.3:
            if rng.random() < 0.8:
                modified = True
                continue  # a box around nothing: deleted
            out.append(dict(b))
            continue
        used.add(id(match))
        fixed = dict(b)
        if (iou < TIGHT_IOU or b["label"] != match["label"]) and rng.random() > worker.box_miss * 3:
            fixed = _redraw(match, worker, image, rng)
            modified = True
        elif rng.random() < NUDGE:
            edge = rng.choice(("left", "top", "width", "height"))
            fixed[edge] = max(1 if edge in ("width", "height") else 0, fixed[edge] + rng.choice((-2, -1, 1, 2)))
            modified = True
        out.append(fixed)
    for t in truth["boxes"]:
        if id(t) not in used and rng.random() > worker.box_miss * 5:
            out.append(_redraw(t, worker, image, rng))
            modified = True
    boxes = [{"height": b["height"], "label": b["label"] if b["label"] in labels else labels[0], "left": b["left"],
              "top": b["top"], "width": b["width"]} for b in out]
    return {BOX_ELEMENT: {"boundingBoxes": boxes, "initialValueModified": modified,
                          "inputImageProperties": {"height": image["height"], "width": image["width"]}}}


def _redraw(t: dict, worker: Worker, image: dict, rng: random.Random) -> dict:
    sd = worker.box_jitter * 0.5  # drawn over the shape it corrects: more careful than from scratch
    left = max(0, round(t["left"] + rng.gauss(0, sd * t["width"])))
    top = max(0, round(t["top"] + rng.gauss(0, sd * t["height"])))
    right = min(image["width"], round(t["left"] + t["width"] + rng.gauss(0, sd * t["width"])))
    bottom = min(image["height"], round(t["top"] + t["height"] + rng.gauss(0, sd * t["height"])))
    return {"label": t["label"], "left": left, "top": top, "width": max(2, right - left),
            "height": max(2, bottom - top)}
