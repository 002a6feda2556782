"""Video frame sequences for object tracking: drawn shapes moving across a few frames, written as
JPEG frames, one sequence file per video and an input manifest naming the sequence files (§6:
video frame jobs read sequences; the sequence file lists its frames under a prefix).

The truth of a sequence is every frame's boxes with a track id per shape, each shape's label
attributes (`size`: small/large, `moving`: yes/no) and each frame's attribute (`light`: day/dusk).
"""

from __future__ import annotations

import io
import json
import random

from PIL import Image, ImageDraw

from .datasets import PALETTE, SHAPE_LABELS, Dataset, OpenUri, _Folder, manifest_bytes, put

WIDTH, HEIGHT = 160, 120
FRAME_LABEL_VERSION = "2020-03-01"  # `documentVersion` of video frame label files (§6)
SIZE_CUT = 24  # a shape under this many pixels wide is "small"


def _track(rng: random.Random, frames: int) -> dict:
    side = rng.choice((rng.randint(14, 22), rng.randint(26, 40)))
    moving = rng.random() < 0.75
    x, y = rng.uniform(2, WIDTH - side - 2), rng.uniform(2, HEIGHT - side - 2)
    dx, dy = (rng.uniform(-5, 5), rng.uniform(-3, 3)) if moving else (0.0, 0.0)
    path = []
    for _ in range(frames):
        path.append((round(x), round(y)))
        x, y = x + dx, y + dy
        if not 0 <= x <= WIDTH - side:  # bounce off the edges: the shape stays in view
            dx, x = -dx, min(max(x, 0), WIDTH - side)
        if not 0 <= y <= HEIGHT - side:
            dy, y = -dy, min(max(y, 0), HEIGHT - side)
    return {"label": rng.choice(SHAPE_LABELS), "side": side, "colour": rng.choice(PALETTE), "path": path,
            "attributes": {"size": "small" if side < SIZE_CUT else "large", "moving": "yes" if moving else "no"}}


def plan_sequence(rng: random.Random, frames: int) -> dict:
    """Truth of one sequence: frames with their `light` and every shape's box and track."""
    tracks = [_track(rng, frames) for _ in range(rng.choice((2, 2, 3)))]
    dusk_from = rng.choice((frames, frames, frames // 2))  # some videos darken half-way
    out = []
    for i in range(frames):
        objects = [{"track": f"t{k + 1}", "label": t["label"], "left": t["path"][i][0], "top": t["path"][i][1],
                    "width": t["side"], "height": t["side"], "attributes": dict(t["attributes"]),
                    "colour": t["colour"]} for k, t in enumerate(tracks)]
        out.append({"frame-no": i, "frame": f"frame_{i:04d}.jpeg",
                    "attributes": {"light": "dusk" if i >= dusk_from else "day"}, "objects": objects})
    return {"image": {"width": WIDTH, "height": HEIGHT}, "frames": out}


def frame_jpeg(frame: dict) -> bytes:
    shade = 205 if frame["attributes"]["light"] == "day" else 95
    picture = Image.new("RGB", (WIDTH, HEIGHT), (shade, shade, shade - 15))
    draw = ImageDraw.Draw(picture)
    for o in frame["objects"]:
        x0, y0 = o["left"], o["top"]
        x1, y1 = x0 + o["width"] - 1, y0 + o["height"] - 1
        if o["label"] == "circle":
            draw.ellipse((x0, y0, x1, y1), fill=o["colour"])
        elif o["label"] == "square":
            draw.rectangle((x0, y0, x1, y1), fill=o["colour"])
        else:
            draw.polygon([(x0, y1), (x1, y1), ((x0 + x1) // 2, y0)], fill=o["colour"])
    buf = io.BytesIO()
    picture.save(buf, format="JPEG", quality=85)
    return buf.getvalue()


def label_file(labels: list[str]) -> bytes:
    """A video frame label category file (§6): labels with their attributes, frame attributes."""
    return json.dumps({
        "documentVersion": FRAME_LABEL_VERSION,
        "labels": [{"label": x, "categoryAttributes": [
            {"name": "size", "type": "string", "enum": ["small", "large"]},
            {"name": "moving", "type": "string", "enum": ["yes", "no"]}]} for x in labels],
        "frameAttributes": [{"name": "light", "type": "string", "enum": ["day", "dusk"]}],
        "annotationType": "BoundingBox",
        "instructions": {"shortInstruction": "Track every shape through the video.",
                         "fullInstruction": "Keep one id per shape in every frame; set its size and motion."},
    }).encode()


def write_sequences(open_uri: OpenUri, prefix_uri: str, count: int, frames: int, seed: int) -> Dataset:
    """`count` sequences `seq-001/frame_0000.jpeg`... with `seq-001.json`, `sequences.manifest`
    (one `source-ref` per sequence file), `labels.json` and `gold.jsonl` (each sequence's
    `source-ref` and its true `frames`); the truth is keyed by the sequence URI."""
    rng = random.Random(f"{seed}/sequences")
    prefix = prefix_uri.rstrip("/")
    sources, truth = [], {}
    with _Folder(open_uri, prefix_uri) as folder:
        for n in range(1, count + 1):
            plan = plan_sequence(rng, frames)
            for frame in plan["frames"]:
                folder.put(f"seq-{n:03d}/{frame['frame']}", lambda f=frame: frame_jpeg(f))
            sequence = {"seq-no": n, "prefix": f"{prefix}/seq-{n:03d}/", "number-of-frames": frames,
                        "frames": [{"frame-no": f["frame-no"], "frame": f["frame"]} for f in plan["frames"]]}
            source = folder.put(f"seq-{n:03d}.json", lambda s=sequence: json.dumps(s).encode())
            sources.append(source)
            truth[source] = {"image": plan["image"], "frames": [
                dict(f, objects=[{k: v for k, v in o.items() if k != "colour"} for o in f["objects"]])
                for f in plan["frames"]]}  # the colour is the picture's, not a label
    ds = Dataset("sequences", SHAPE_LABELS, sources, truth, f"{prefix}/sequences.manifest", f"{prefix}/labels.json",
                 f"{prefix}/gold.jsonl")
    put(open_uri, ds.manifest_uri, manifest_bytes({"source-ref": s} for s in sources))
    put(open_uri, ds.labels_uri, label_file(SHAPE_LABELS))
    put(open_uri, ds.gold_uri, manifest_bytes({"source-ref": s, "frames": gold_frames(truth[s])} for s in sources))
    return ds


def gold_frames(truth: dict) -> list[dict]:
    """A sequence's truth in SeqLabel.json's frame shape (§3), the shape core.quality.gold reads:
    every box with its class, its object's id and name, and its label attributes."""
    names, counts = {}, {}  # "<class>:<n>", numbered per class as a worker's answer numbers them
    for o in truth["frames"][0]["objects"] if truth["frames"] else []:
        counts[o["label"]] = counts.get(o["label"], 0) + 1
        names[o["track"]] = f"{o['label']}:{counts[o['label']]}"
    return [{"frame-no": str(f["frame-no"]), "frame": f["frame"], "frame-attributes": dict(f["attributes"]),
             "annotations": [{"label": o["label"], "left": o["left"], "top": o["top"], "width": o["width"],
                              "height": o["height"], "object-id": o["track"],
                              "object-name": names.get(o["track"], f"{o['label']}:{o['track']}"),
                              "label-category-attributes": dict(o["attributes"])} for o in f["objects"]]}
            for f in truth["frames"]]
