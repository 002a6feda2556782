"""One annotation unit of each geometry as Row fields: a 2D box, an entity span, a 3D cuboid.
Each raises Malformed (with the field and why) for a unit that cannot be read, so the caller notes
it where it was and goes on with the next unit."""

from __future__ import annotations

from .values import Malformed, attributes, index, integer, number, text


def _object(unit) -> dict:
    if not isinstance(unit, dict):
        raise Malformed("is not an object")
    return unit


def box(unit) -> dict:
    """A worker's box (`label`, §2) or a consolidated one (`class_id`, or `class-id` in SeqLabel.json, §3)."""
    unit = _object(unit)
    fields = {key: number(unit, key) for key in ("left", "top")}
    fields |= {key: number(unit, key, non_negative=True) for key in ("width", "height")}
    fields["class_id"] = index(unit.get("class_id", unit.get("class-id")))
    fields["label"] = text(unit.get("label"))
    fields["attributes"] = attributes(unit.get("label-category-attributes"))
    return fields


def span(unit) -> dict:
    """An entity: `label`, `startOffset`, `endOffset` (Unicode offsets, end after start) (§2, §3)."""
    unit = _object(unit)
    start, end = integer(unit.get("startOffset")), integer(unit.get("endOffset"))
    if start is None or end is None:
        raise Malformed("needs integer startOffset and endOffset")
    if start < 0 or end < start:
        raise Malformed(f"span {start}-{end} is not a span")
    return {"start": start, "end": end, "label": text(unit.get("label")),
            "attributes": attributes(unit.get("label-category-attributes"))}


_CUBOID = {"center_x": "center-x", "center_y": "center-y", "center_z": "center-z",
           "length": "length", "width": "width", "height": "height"}


def cuboid(unit) -> dict:
    """A 3D cuboid (point cloud object detection / tracking, §3): centre, size, roll/pitch/yaw
    (yaw as written: the docs say it is pi minus the right-handed yaw)."""
    unit = _object(unit)
    fields = {column: number(unit, key, non_negative=column in ("length", "width", "height"))
              for column, key in _CUBOID.items()}
    fields |= {key: number(unit, key, required=False) for key in ("roll", "pitch", "yaw")}
    fields["class_id"] = index(unit.get("class-id", unit.get("class_id")))
    fields["track_name"] = text(unit.get("object-name"))
    fields["track_id"] = text(unit.get("object-id"))
    fields["label"] = text(unit.get("label"))
    fields["attributes"] = attributes(unit.get("label-category-attributes"))
    return fields


def is_cuboid(unit) -> bool:
    return isinstance(unit, dict) and "center-x" in unit
