"""Segmentation masks: PNG bytes and a colour map in, class areas in pixels out (no I/O).

A worker's mask arrives inline as base64 `labeledImage.pngImageData` with `labelMappings`
(label to colour, §2); the consolidated mask is a PNG in S3 named by the label value, its colours in
`internal-color-map` (index 0 is BACKGROUND, #ffffff, §3). The caller fetches that PNG and calls
`mask_areas` with `color_map_of(meta)`.
"""

from __future__ import annotations

import base64
import binascii
import io
import re
from dataclasses import dataclass

import numpy as np
from PIL import Image

from ..gt.jsonio import finite_float
from .values import Malformed

_HEX = re.compile(r"^#?([0-9a-fA-F]{6})$")


@dataclass(frozen=True)
class MaskAreas:
    areas: dict[str, int]  # label -> pixels of its colour (0 for a mapped colour not drawn)
    unmatched: int  # opaque pixels of a colour no label has
    transparent: int  # pixels with alpha 0 (nothing drawn)
    total: int


def hex_color(value) -> str | None:
    """`#rrggbb` in lower case, or None for anything else."""
    m = _HEX.match(value) if isinstance(value, str) else None
    return "#" + m.group(1).lower() if m else None


def decode_png_data(data) -> bytes:
    """The PNG bytes of a base64 `pngImageData` (a data: URL prefix is tolerated)."""
    if not isinstance(data, str) or not data:
        raise Malformed("pngImageData is not base64 text")
    payload = data.split(",", 1)[1] if data.startswith("data:") else data
    try:
        return base64.b64decode(payload, validate=False)
    except (binascii.Error, ValueError) as exc:
        raise Malformed(f"pngImageData is not base64 ({exc})") from None


def _rgba(png: bytes) -> np.ndarray:
    """Height x width x 4 bytes of the image; Malformed for bytes Pillow cannot read as one
    (including decompression bombs)."""
    try:
        with Image.open(io.BytesIO(png)) as image:
            return np.asarray(image.convert("RGBA"))
    except (OSError, ValueError, Image.DecompressionBombError, SyntaxError) as exc:
        raise Malformed(f"mask is not a readable PNG ({type(exc).__name__})") from None


def mask_areas(png: bytes, colors: dict[str, str]) -> MaskAreas:
    """Pixels per label of `colors` (label -> "#rrggbb") in the PNG `png`. Raises Malformed for
    bytes Pillow cannot read as an image (including decompression bombs)."""
    rgba = _rgba(png)
    pixels = rgba.reshape(-1, 4).astype(np.uint32)
    opaque = pixels[:, 3] > 0
    packed = (pixels[opaque, 0] << 16) | (pixels[opaque, 1] << 8) | pixels[opaque, 2]
    values, counts = np.unique(packed, return_counts=True)
    found = dict(zip(values.tolist(), counts.tolist(), strict=True))
    areas, used = {}, set()
    for label, color in colors.items():
        code = hex_color(color)
        key = int(code[1:], 16) if code else None
        areas[label] = int(found.get(key, 0)) if key is not None else 0
        if key is not None:
            used.add(key)
    unmatched = int(sum(n for v, n in found.items() if v not in used))
    total = int(pixels.shape[0])
    return MaskAreas(areas=areas, unmatched=unmatched, transparent=total - int(opaque.sum()), total=total)


def class_codes(png: bytes, colors: dict[str, str], codes: dict[str, int]) -> np.ndarray:
    """The mask as a 2-D array of class codes (`codes`: label -> code, above 0); 0 where no label's
    colour is (background, transparent, unmapped). Raises Malformed for bytes that are no image."""
    rgba = _rgba(png)
    packed = (rgba[..., 0].astype(np.uint32) << 16) | (rgba[..., 1].astype(np.uint32) << 8) | rgba[..., 2]
    out = np.zeros(packed.shape, dtype=np.int32)
    opaque = rgba[..., 3] > 0
    for label, color in colors.items():
        code = hex_color(color)
        if code is not None and label in codes:
            out[opaque & (packed == int(code[1:], 16))] = codes[label]
    return out


def color_map_of(meta: dict) -> dict[str, tuple[str, str | None, float | None]]:
    """index -> (class name, hex colour, confidence) of `internal-color-map` (image) or `color-map`
    (3D point cloud, §3); entries without a class name are left out."""
    raw = meta.get("internal-color-map", meta.get("color-map"))
    out = {}
    if isinstance(raw, dict):
        for key, entry in raw.items():
            if isinstance(entry, dict) and isinstance(entry.get("class-name"), str):
                out[str(key)] = (entry["class-name"], hex_color(entry.get("hex-color")),
                                 finite_float(entry.get("confidence")))
    return out
