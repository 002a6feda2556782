"""Semantic segmentation in the simulator: a worker's painted mask (inline base64 PNG with
`labelMappings`, §2) and the consolidated mask (a PNG whose colours `internal-color-map` names,
index 0 BACKGROUND #ffffff, §3).

A worker paints each shape of the image (its geometry follows from the true box and class, as
core.sim.datasets draws it) with sloppy edges: the outline drawn a pixel or two off, now and then
a small shape left unpainted. Unpainted pixels are transparent (which colour they have in real
answers is UNCONFIRMED, §2). Consolidation takes each pixel's most painted class.
"""

from __future__ import annotations

import base64
import io
import random

import numpy as np
from PIL import Image, ImageDraw

from .workforce import Worker

MASK_ELEMENT = "crowd-semantic-segmentation"
COLORS = ("#2ca02c", "#1f77b4", "#d62728", "#9467bd", "#ff7f0e", "#8c564b")  # the UI's colour per label
BACKGROUND = ("BACKGROUND", "#ffffff")


def label_colors(labels: list[str]) -> dict[str, str]:
    return {label: COLORS[i % len(COLORS)] for i, label in enumerate(labels)}


def _rgb(color: str) -> tuple[int, int, int]:
    return tuple(int(color[i:i + 2], 16) for i in (1, 3, 5))


def class_mask(boxes: list[dict], labels: list[str], image: dict) -> np.ndarray:
    """(height, width) class indexes (0 background, label i -> i + 1) of the shapes in `boxes`."""
    picture = Image.new("L", (image["width"], image["height"]), 0)
    draw = ImageDraw.Draw(picture)
    for box in boxes:
        value = labels.index(box["label"]) + 1 if box["label"] in labels else 0
        x0, y0 = box["left"], box["top"]
        x1, y1 = x0 + box["width"] - 1, y0 + box["height"] - 1
        if box["label"] == "circle":
            draw.ellipse((x0, y0, x1, y1), fill=value)
        elif box["label"] == "triangle":
            draw.polygon([(x0, y1), (x1, y1), ((x0 + x1) // 2, y0)], fill=value)
        else:
            draw.rectangle((x0, y0, x1, y1), fill=value)
    return np.asarray(picture)


def paint(worker: Worker, truth: dict, labels: list[str], rng: random.Random) -> dict:
    """The worker's answer: each shape painted with outlines a little off, small ones sometimes missed."""
    sloppy = []
    for box in truth["boxes"]:
        small = min(box["width"], box["height"]) < 24
        if rng.random() < worker.box_miss * (3 if small else 0.5):
            continue
        grow = rng.choice((-2, -1, 0, 1, 1, 2)) if rng.random() < 0.6 + worker.box_jitter * 5 else 0
        dx, dy = round(rng.gauss(0, 1.0)), round(rng.gauss(0, 1.0))
        sloppy.append(dict(box, left=box["left"] + dx - grow, top=box["top"] + dy - grow,
                           width=max(2, box["width"] + 2 * grow), height=max(2, box["height"] + 2 * grow)))
    mask = class_mask(sloppy, labels, truth["image"])
    colors = label_colors(labels)
    return {MASK_ELEMENT: {
        "inputImageProperties": {"height": truth["image"]["height"], "width": truth["image"]["width"]},
        "labelMappings": {label: {"color": colors[label]} for label in labels},
        "labeledImage": {"pngImageData": base64.b64encode(_png(mask, labels, transparent=True)).decode()},
    }}


def _png(mask: np.ndarray, labels: list[str], transparent: bool) -> bytes:
    """The mask as a palette PNG: class i + 1 in its label's colour, background white or transparent."""
    picture = Image.fromarray(mask.astype(np.uint8), mode="P")
    palette = [*_rgb(BACKGROUND[1])] + [c for label in labels for c in _rgb(label_colors(labels)[label])]
    picture.putpalette(palette + [0] * (768 - len(palette)))
    if transparent:
        picture.info["transparency"] = 0
    buf = io.BytesIO()
    picture.save(buf, format="PNG", optimize=False, **({"transparency": 0} if transparent else {}))
    return buf.getvalue()


def worker_mask(content: dict, labels: list[str]) -> np.ndarray:
    """The class indexes of a worker's answer (transparent pixels are background)."""
    data = base64.b64decode(content[MASK_ELEMENT]["labeledImage"]["pngImageData"])
    with Image.open(io.BytesIO(data)) as picture:
        return np.asarray(picture).astype(np.int64)  # palette indexes are the class indexes


def consolidate_masks(masks: list[np.ndarray], labels: list[str]) -> tuple[bytes, dict]:
    """(consolidated PNG, internal-color-map) from the workers' class masks: each pixel's most
    painted class (ties to the lower index); confidence, one per image (§3), is the share of
    worker pixels that agree with it where anyone painted."""
    stack = np.stack(masks)
    counts = np.stack([(stack == k).sum(axis=0) for k in range(len(labels) + 1)])
    winner = counts.argmax(axis=0)
    painted = (stack > 0).any(axis=0)  # background everyone left alone says nothing about agreement
    agreement = float((stack == winner[None])[:, painted].mean()) if painted.any() else 1.0
    confidence = round(0.95 * agreement, 2) if len(masks) > 1 else 0.0
    colors = label_colors(labels)
    color_map = {"0": {"class-name": BACKGROUND[0], "hex-color": BACKGROUND[1], "confidence": confidence}}
    for k in sorted(set(np.unique(winner).tolist()) - {0}):
        color_map[str(k)] = {"class-name": labels[k - 1], "hex-color": colors[labels[k - 1]], "confidence": confidence}
    return _png(winner, labels, transparent=False), color_map
