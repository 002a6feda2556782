"""One item drawn for a person to judge: every worker's boxes (or mask) over the image in a colour
of their own, the consolidated result and gold in theirs; text with each source's entities marked.
Pure: bytes and rows in, PNG bytes or escaped HTML out."""

from __future__ import annotations

import html
import io

import numpy as np
import pandas as pd
from PIL import Image, ImageDraw

from .masks import class_codes
from .model import MaskImage

# Tableau 10 for workers (as the Workers page's charts); the result and gold stand apart.
WORKER_COLORS = ["#4c78a8", "#f58518", "#e45756", "#72b7b2", "#54a24b", "#eeca3b", "#b279a2", "#ff9da6",
                 "#9d755d", "#79706e"]
RESULT_COLOR, GOLD_COLOR = "#111111", "#d4af37"
RESULT, GOLD = "Result", "Gold"
MAX_SIDE = 1600  # a larger image is drawn scaled down: the browser gets a picture, not a photo's megabytes


def source_colors(sources: list[str]) -> dict[str, str]:
    """A colour for each source of annotations: workers in order, then the result and gold."""
    workers = [s for s in sources if s not in (RESULT, GOLD)]
    colors = {w: WORKER_COLORS[i % len(WORKER_COLORS)] for i, w in enumerate(workers)}
    return colors | {RESULT: RESULT_COLOR, GOLD: GOLD_COLOR}


def _rgb(color: str) -> tuple[int, int, int]:
    return tuple(int(color[i:i + 2], 16) for i in (1, 3, 5))


def draw_boxes(image: bytes, boxes: pd.DataFrame, colors: dict[str, str]) -> bytes:
    """`image` with every box of `boxes` (columns who, left, top, width, height, label) outlined in
    its source's colour and labelled; the result's boxes drawn thicker. Raises OSError for bytes
    that are no image."""
    with Image.open(io.BytesIO(image)) as opened:
        picture = opened.convert("RGB")
    scale = min(1.0, MAX_SIDE / max(picture.size))
    if scale < 1:
        picture = picture.resize((round(picture.width * scale), round(picture.height * scale)))
    pen = ImageDraw.Draw(picture)
    width = max(2, round(max(picture.size) / 300))
    # The result (and gold) first, thick: a worker's box on the same spot stays visible over it.
    ordered = boxes.assign(_under=~boxes["who"].isin([RESULT, GOLD])).sort_values("_under", kind="stable")
    for row in ordered.itertuples(index=False):
        if any(pd.isna(v) for v in (row.left, row.top, row.width, row.height)):
            continue
        x0, y0 = row.left * scale, row.top * scale
        x1, y1 = x0 + row.width * scale, y0 + row.height * scale
        color = _rgb(colors.get(row.who, RESULT_COLOR))
        pen.rectangle([x0, y0, x1, y1], outline=color, width=width * (2 if row.who == RESULT else 1))
        if isinstance(row.label, str):
            pen.text((x0 + width + 1, max(0, y0 - 12)), row.label, fill=color)
    out = io.BytesIO()
    picture.save(out, format="PNG")
    return out.getvalue()


def draw_mask(image: bytes, mask: MaskImage, alpha: float = 0.5) -> bytes:
    """`image` with `mask`'s labelled pixels laid over it in their own colours, half see-through."""
    with Image.open(io.BytesIO(image)) as opened:
        picture = opened.convert("RGB")
    labels = [label for label in mask.colors if label != "BACKGROUND"]
    codes = class_codes(mask.png, mask.colors, {label: i for i, label in enumerate(labels, start=1)})
    if codes.shape != (picture.height, picture.width):
        picture = picture.resize((codes.shape[1], codes.shape[0]))
    pixels = np.asarray(picture, dtype=np.float32)
    for i, label in enumerate(labels, start=1):
        where = codes == i
        pixels[where] = (1 - alpha) * pixels[where] + alpha * np.array(_rgb(mask.colors[label]), dtype=np.float32)
    out = io.BytesIO()
    Image.fromarray(pixels.astype(np.uint8)).save(out, format="PNG")
    return out.getvalue()


def marked_text(text: str, spans: pd.DataFrame, color: str) -> str:
    """HTML of `text` (escaped) with the spans (columns start, end, label) marked in `color` and
    their label after each; overlapping spans are shown from the first, as far as it reaches."""
    parts, at = [], 0
    for row in spans.sort_values(["start", "end"]).itertuples(index=False):
        start, end = max(int(row.start), at), min(int(row.end), len(text))
        if start >= end:
            continue
        parts.append(html.escape(text[at:start]))
        label = html.escape(str(row.label)) if isinstance(row.label, str) else ""
        parts.append(f'<mark style="background:{color}33;border-bottom:2px solid {color}">'
                     f'{html.escape(text[start:end])}</mark><sup style="color:{color}">{label}</sup>')
        at = end
    parts.append(html.escape(text[at:]))
    return "".join(parts)


def classed_text(text: str, classes: pd.DataFrame, colors: dict[str, str]) -> str:
    """HTML of `text` (escaped) above the class(es) each source gave it (columns who, label), one
    line per source in its colour, so a text classification item reads like a marked NER one."""
    lines = []
    for who, rows in classes.groupby("who", sort=False):
        labels = ", ".join(html.escape(str(v)) for v in dict.fromkeys(rows["label"].dropna()))
        color = colors.get(who, RESULT_COLOR)
        lines.append(f'<div><span style="color:{color}">&#9632;</span> <b>{html.escape(str(who))}</b>: '
                     f'<span style="background:{color}22;border-bottom:2px solid {color}">{labels or "(none)"}'
                     "</span></div>")
    quoted = f'<blockquote style="margin:0 0 0.6em 0;white-space:pre-wrap">{html.escape(text)}</blockquote>'
    return quoted + "".join(lines)
