"""Data to label, written into a bucket through the Store interface, with its truth.

- Digits: scikit-learn's bundled handwritten digits (1,797 8x8 images, no download), upscaled to
  64x64 grayscale PNGs. Each image's truth carries the class it is most easily taken for (the
  nearest other class centre) and how hard it is, so workers' mistakes follow the data.
- Digit variants: more digits for auto-labeling, which needs at least 1,250 objects per job (§4):
  a shipped digit shifted by up to 2 pixels and with light noise, keeping its gold label.
- Shapes: synthetic photos of circles, squares and triangles drawn with Pillow; the truth is the
  exact box of every shape.

Each data set comes with an input manifest (`{"source-ref": "s3://..."}` lines, §3), a label
category file (§6) and a gold file: for digits readable by core.gold (JSON lines with source-ref
and label), for shapes JSON lines with source-ref, image_size and the true boxes.
"""

from __future__ import annotations

import importlib.util
import io
import json
import random
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw

from ..storage import Location

OpenUri = Callable[[str], Location]
DIGIT_LABELS = [str(d) for d in range(10)]
SHAPE_LABELS = ["circle", "square", "triangle"]
BACKGROUNDS = 24
PALETTE = ((200, 30, 30), (30, 90, 200), (20, 140, 60), (230, 150, 0), (120, 40, 160), (40, 40, 40), (0, 150, 160))
LABEL_FILE_VERSION = "2018-11-28"  # `document-version` of image/text label category files (§6)


@dataclass(frozen=True)
class Dataset:
    name: str
    labels: list[str]
    sources: list[str]  # s3:// URI of every object, in manifest order
    truth: dict[str, dict]  # source -> truth (see core.sim.annotate)
    manifest_uri: str
    labels_uri: str
    gold_uri: str
    origins: tuple[int, ...] = ()  # variants: the index of the shipped digit each one comes from


def put(open_uri: OpenUri, uri: str, data: bytes) -> None:
    location = open_uri(uri)
    location.store.put(location.prefix, data)


class _Folder:
    """Writes many objects under one prefix through a single store. `put` encodes and writes in
    two threads (Pillow's encoders and file writes release the GIL); leaving the `with` block
    waits for every write and raises the first error."""

    def __init__(self, open_uri: OpenUri, prefix_uri: str):
        self.uri = prefix_uri.rstrip("/")
        self.location = open_uri(self.uri + "/")
        self._pool = ThreadPoolExecutor(max_workers=2)
        self._pending: list = []

    def put(self, name: str, make: Callable[[], bytes]) -> str:
        key = self.location.prefix + name
        self._pending.append(self._pool.submit(lambda: self.location.store.put(key, make())))
        return f"{self.uri}/{name}"

    def __enter__(self) -> _Folder:
        return self

    def __exit__(self, *exc) -> None:
        self._pool.shutdown(wait=True)
        for future in self._pending:
            future.result()


def manifest_bytes(lines: Iterable[dict | str]) -> bytes:
    out = [line if isinstance(line, str) else json.dumps(line, separators=(",", ":")) for line in lines]
    return ("\n".join(out) + "\n").encode()


def label_config(labels: list[str]) -> bytes:
    return json.dumps({"document-version": LABEL_FILE_VERSION, "labels": [{"label": x} for x in labels]}).encode()


def load_digits_arrays() -> tuple[np.ndarray, np.ndarray]:
    """(images (n, 8, 8) of ink 0..16, classes). The CSV that sklearn.datasets.load_digits reads,
    read directly: importing sklearn.datasets costs over a second."""
    spec = importlib.util.find_spec("sklearn")
    if spec and spec.submodule_search_locations:
        path = Path(next(iter(spec.submodule_search_locations)), "datasets", "data", "digits.csv.gz")
        if path.is_file():
            data = np.loadtxt(path, delimiter=",")
            return data[:, :-1].reshape(-1, 8, 8), data[:, -1].astype(int)
    from sklearn.datasets import load_digits

    digits = load_digits()
    return digits.images, digits.target


def digit_truth(images: np.ndarray, classes: np.ndarray) -> list[dict]:
    """Per image: its class, the class it looks most like, and a difficulty in [0, 1] from how
    close it is to that other class's centre compared with its own."""
    flat = images.reshape(len(images), -1)
    centres = np.stack([flat[classes == k].mean(axis=0) for k in range(10)])
    dist = np.linalg.norm(flat[:, None, :] - centres[None], axis=2)
    rows = np.arange(len(classes))
    own = dist[rows, classes]
    dist[rows, classes] = np.inf
    other, nearest = dist.min(axis=1), dist.argmin(axis=1)
    difficulty = np.clip((own / other - 0.7) / 0.6, 0, 1)
    return [{"label": str(c), "confusable": str(n), "difficulty": round(float(d), 3)}
            for c, n, d in zip(classes, nearest, difficulty, strict=True)]


def digit_picture(image: np.ndarray, size: int = 64) -> Image.Image:
    ink = (image * (255 / 16)).round().astype(np.uint8)
    return Image.fromarray(255 - ink, mode="L").resize((size, size), Image.Resampling.BICUBIC)


def png(picture: Image.Image) -> bytes:
    buf = io.BytesIO()
    picture.save(buf, format="PNG")
    return buf.getvalue()


def digit_png(image: np.ndarray, size: int = 64) -> bytes:
    return png(digit_picture(image, size))


def digit_variant(image: np.ndarray, rng: np.random.Generator, size: int = 64, shift: int = 2,
                  noise: float = 6.0) -> Image.Image:
    """The digit drawn as by `digit_png`, moved by up to `shift` pixels each way (paper colour
    fills in) and with Gaussian noise of `noise` grey levels."""
    pixels = np.asarray(digit_picture(image, size), dtype=np.float64)
    dx, dy = (int(v) for v in rng.integers(-shift, shift + 1, size=2))
    moved = np.full_like(pixels, 255.0)
    moved[max(dy, 0):size + min(dy, 0), max(dx, 0):size + min(dx, 0)] = \
        pixels[max(-dy, 0):size + min(-dy, 0), max(-dx, 0):size + min(-dx, 0)]
    moved += rng.normal(0.0, noise, moved.shape)
    return Image.fromarray(np.clip(moved.round(), 0, 255).astype(np.uint8), mode="L")


def write_digits(open_uri: OpenUri, prefix_uri: str, count: int | None = None, size: int = 64) -> Dataset:
    """Digits `digit-00001.png`... under prefix_uri, plus `digits.manifest`, `labels.json`, `gold.jsonl`."""
    images, classes = load_digits_arrays()
    if count is not None:
        images, classes = images[:count], classes[:count]
    prefix = prefix_uri.rstrip("/")
    truths = digit_truth(images, classes)
    sources, truth = [], {}
    with _Folder(open_uri, prefix_uri) as folder:
        for i, (image, t) in enumerate(zip(images, truths, strict=True), start=1):
            source = folder.put(f"digit-{i:05d}.png", lambda image=image: digit_png(image, size))
            sources.append(source)
            truth[source] = t
    gold = [{"source-ref": s, "label": truth[s]["label"]} for s in sources]
    return _finish("digits", DIGIT_LABELS, sources, truth, prefix, open_uri, gold, "gold.jsonl")


def write_digit_variants(open_uri: OpenUri, prefix_uri: str, count: int, seed: int, size: int = 64,
                         write: bool = True) -> Dataset:
    """`count` variants `variant-00001.png`... of the shipped digits (each digit in turn, in a seeded
    order, so every digit has about as many variants), with `digit-variants.manifest`,
    `labels.json` and `gold.jsonl`. A variant keeps its digit's truth (gold label, confusable
    class, difficulty); `Dataset.origins` says which digit each one comes from. `write=False`
    only computes the Dataset of files written before with the same arguments."""
    images, classes = load_digits_arrays()
    truths = digit_truth(images, classes)
    rng = np.random.default_rng(random.Random(f"{seed}/digit-variants").getrandbits(64))
    order = rng.permutation(len(images))
    prefix = prefix_uri.rstrip("/")
    sources, truth, origins = [], {}, []
    with _Folder(open_uri, prefix_uri) as folder:
        for i in range(count):
            origin = int(order[i % len(order)])
            name = f"variant-{i + 1:05d}.png"
            if write:  # the noise is drawn here, in order; the PNG is encoded in a writer thread
                picture = digit_variant(images[origin], rng, size)
                source = folder.put(name, lambda picture=picture: png(picture))
            else:
                source = f"{prefix}/{name}"
            sources.append(source)
            truth[source] = truths[origin]
            origins.append(origin)
    gold = [{"source-ref": s, "label": truth[s]["label"]} for s in sources]
    if write:
        ds = _finish("digit-variants", DIGIT_LABELS, sources, truth, prefix, open_uri, gold, "gold.jsonl")
    else:
        ds = Dataset("digit-variants", DIGIT_LABELS, sources, truth, f"{prefix}/digit-variants.manifest",
                     f"{prefix}/labels.json", f"{prefix}/gold.jsonl")
    return replace(ds, origins=tuple(origins))


def _finish(name, labels, sources, truth, prefix, open_uri, gold, gold_name) -> Dataset:
    ds = Dataset(name, labels, sources, truth, f"{prefix}/{name}.manifest", f"{prefix}/labels.json",
                 f"{prefix}/{gold_name}")
    put(open_uri, ds.manifest_uri, manifest_bytes({"source-ref": s} for s in sources))
    put(open_uri, ds.labels_uri, label_config(labels))
    put(open_uri, ds.gold_uri, manifest_bytes(gold))
    return ds


def _background(rng: np.random.Generator, width: int, height: int) -> Image.Image:
    base = rng.integers(150, 235, size=3)
    tilt = rng.normal(0, 25, size=3)
    ramp = np.linspace(-0.5, 0.5, width)[None, :, None] * tilt[None, None, :]
    noise = rng.normal(0, 9, size=(height, width, 3))
    pixels = np.clip(base[None, None, :] + ramp + noise, 0, 255).astype(np.uint8)
    return Image.fromarray(pixels, mode="RGB")


def _overlaps(box: dict, boxes: list[dict]) -> bool:
    return any(box["left"] < b["left"] + b["width"] + 4 and b["left"] < box["left"] + box["width"] + 4
               and box["top"] < b["top"] + b["height"] + 4 and b["top"] < box["top"] + box["height"] + 4
               for b in boxes)


def plan_shapes(rng: random.Random, width: int, height: int) -> list[tuple[dict, tuple]]:
    """1-4 non-overlapping shapes: (box, colour) each, drawn from `rng` in a fixed order."""
    drawn: list[tuple[dict, tuple]] = []
    for _ in range(rng.choice((1, 1, 2, 2, 3, 4))):
        boxes = [b for b, _ in drawn]
        for _attempt in range(20):
            side = rng.choice((rng.randint(14, 30), rng.randint(30, 110)))
            w = side if rng.random() < 0.5 else int(side * rng.uniform(0.7, 1.3))
            h = side
            box = {"label": rng.choice(SHAPE_LABELS), "left": rng.randint(2, width - w - 2),
                   "top": rng.randint(2, height - h - 2), "width": w, "height": h}
            if box["label"] in ("circle", "square"):
                box["width"] = box["height"] = min(w, h)
            if not _overlaps(box, boxes):
                break
        else:
            continue
        drawn.append((box, rng.choice(PALETTE)))
    return drawn


def shape_jpeg(background: Image.Image, drawn: list[tuple[dict, tuple]]) -> bytes:
    picture = background.copy()
    draw = ImageDraw.Draw(picture)
    for box, colour in drawn:
        x0, y0 = box["left"], box["top"]
        x1, y1 = x0 + box["width"] - 1, y0 + box["height"] - 1
        if box["label"] == "circle":
            draw.ellipse((x0, y0, x1, y1), fill=colour)
        elif box["label"] == "square":
            draw.rectangle((x0, y0, x1, y1), fill=colour)
        else:
            draw.polygon([(x0, y1), (x1, y1), ((x0 + x1) // 2, y0)], fill=colour)
    buf = io.BytesIO()
    picture.save(buf, format="JPEG", quality=88)
    return buf.getvalue()


def truth_boxes(drawn: list[tuple[dict, tuple]]) -> list[dict]:
    ordered = sorted((b for b, _ in drawn), key=lambda b: (b["top"], b["left"]))
    return [{k: b[k] for k in ("label", "left", "top", "width", "height")} for b in ordered]


def write_shapes(open_uri: OpenUri, prefix_uri: str, count: int, seed: int,
                 width: int = 320, height: int = 240) -> Dataset:
    """`count` shape photos `shape-00001.jpg`... with `shapes.manifest`, `labels.json`, `gold.jsonl`."""
    folder, prefix = _Folder(open_uri, prefix_uri), prefix_uri.rstrip("/")
    rng = random.Random(f"{seed}/shapes")
    nrng = np.random.default_rng(random.Random(f"{seed}/shapes/pixels").getrandbits(64))
    backgrounds = [_background(nrng, width, height) for _ in range(BACKGROUNDS)]  # noise is slow to draw
    sources, truth = [], {}
    with folder:
        for i in range(1, count + 1):
            background = rng.choice(backgrounds)
            drawn = plan_shapes(rng, width, height)
            source = folder.put(f"shape-{i:05d}.jpg", lambda b=background, d=drawn: shape_jpeg(b, d))
            sources.append(source)
            truth[source] = {"image": {"width": width, "height": height, "depth": 3}, "boxes": truth_boxes(drawn)}
    gold = [{"source-ref": s, "image_size": [truth[s]["image"]], "annotations": truth[s]["boxes"]} for s in sources]
    return _finish("shapes", SHAPE_LABELS, sources, truth, prefix, open_uri, gold, "gold-boxes.jsonl")
