"""What a simulated worker answers in a video frame object tracking task: every frame's boxes,
each with the shape's instance (`object-id`, `object-name` "<class>:<n>") and label attributes,
and each frame's attributes, in the frame shape of SeqLabel.json (§3).

Real answers point to files under `frameData.s3Prefix` whose layout no source shows (§2,
UNCONFIRMED); the simulator writes the frames inline under `trackingAnnotations` instead
(SIMULATOR-SPECIFIC), the shape core.annotations reads. Mistakes: edges off by a pixel or two,
a shape missed in some frames, two shapes' ids switched for a stretch of frames, a wrong size,
the light misjudged where a video darkens.
"""

from __future__ import annotations

import random

from .workforce import Worker, uuid_from

TRACKING_ELEMENT = "trackingAnnotations"


def track_frames(worker: Worker, truth: dict, labels: list[str], rng: random.Random) -> dict:
    frames = truth["frames"]
    tracks = sorted({o["track"] for f in frames for o in f["objects"]})
    ids = {t: uuid_from(rng) for t in tracks}
    names, counts = {}, {}
    for f in frames[:1]:
        for o in f["objects"]:
            counts[o["label"]] = counts.get(o["label"], 0) + 1
            names[o["track"]] = f"{o['label']}:{counts[o['label']]}"
    switched = _switch(tracks, len(frames), worker, rng)
    missed = {t: _gap(len(frames), worker, rng) for t in tracks}
    wrong_size = {t for t in tracks if rng.random() < worker.error * 4}
    out = []
    for f in frames:
        i = f["frame-no"]
        light = f["attributes"]["light"]
        if i > 0 and frames[i - 1]["attributes"]["light"] != light and rng.random() < 0.5:
            light = frames[i - 1]["attributes"]["light"]  # the change noticed a frame late
        boxes = []
        for o in f["objects"]:
            if i in missed[o["track"]]:
                continue
            track = switched.get((o["track"], i), o["track"])
            attributes = dict(o["attributes"])
            if o["track"] in wrong_size:
                attributes["size"] = "large" if attributes["size"] == "small" else "small"
            boxes.append({**_jittered(o, truth["image"], rng), "label": o["label"],
                          "label-category-attributes": attributes, "object-id": ids[track],
                          "object-name": names.get(track, f"{o['label']}:{len(names) + 1}")})
        out.append({"annotations": boxes, "frame": f["frame"], "frame-attributes": {"light": light},
                    "frame-no": str(i)})
    return {TRACKING_ELEMENT: out}


def _switch(tracks: list[str], frames: int, worker: Worker, rng: random.Random) -> dict:
    """(track, frame) -> the track whose id the worker gave it: two tracks swapped for a stretch."""
    if len(tracks) < 2 or rng.random() > 0.35 + worker.error * 10:
        return {}
    a, b = rng.sample(tracks, 2)
    start = rng.randrange(1, max(2, frames - 2))
    stop = min(frames, start + rng.randint(2, 5))
    return {pair: other for i in range(start, stop) for pair, other in (((a, i), b), ((b, i), a))}


def _gap(frames: int, worker: Worker, rng: random.Random) -> set[int]:
    """Frames in which the worker left a shape out (none for most shapes)."""
    if rng.random() > 0.15 + worker.box_miss * 5:  # small shapes at dusk are easy to lose for a frame
        return set()
    start = rng.randrange(frames)
    return set(range(start, min(frames, start + rng.randint(1, 3))))


def _jittered(o: dict, image: dict, rng: random.Random) -> dict:
    left = min(max(0, o["left"] + round(rng.gauss(0, 1.0))), image["width"] - 2)
    top = min(max(0, o["top"] + round(rng.gauss(0, 1.0))), image["height"] - 2)
    width = max(2, min(image["width"] - left, o["width"] + round(rng.gauss(0, 1.2))))
    height = max(2, min(image["height"] - top, o["height"] + round(rng.gauss(0, 1.2))))
    return {"height": height, "left": left, "top": top, "width": width}
