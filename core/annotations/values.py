"""Reading single values of Ground Truth files the way real files write them (numbers as numbers or
as strings), and geometry that must be finite numbers. `job-name` and `human-annotated` are read by
core.gt.manifest, for both readers."""

from __future__ import annotations

from ..gt.jsonio import finite_float


class Malformed(ValueError):
    """A unit that cannot be read; the message says which field and why."""


def text(value) -> str | None:
    return value if isinstance(value, str) else None


def index(value) -> str | None:
    """A class index as text: real files write 0 and "0" (§3, a real SeqLabel.json)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return str(value)
    if isinstance(value, str) and value.strip().lstrip("-").isdigit():
        return str(int(value.strip()))
    return None


def integer(value) -> int | None:
    """An integer written as a number or as digits (`frame-no` is "0" in real files), else None."""
    text_index = index(value)
    if text_index is not None:
        return int(text_index)
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return None


def number(unit: dict, key: str, *, required: bool = True, non_negative: bool = False) -> float | None:
    """unit[key] as a finite float. Raises Malformed when it is required and missing or wrong."""
    if key not in unit or unit[key] is None:
        if required:
            raise Malformed(f"has no {key}")
        return None
    value = finite_float(unit[key])
    if value is None:
        raise Malformed(f"{key} {_shown(unit[key])} is not a finite number")
    if non_negative and value < 0:
        raise Malformed(f"{key} {value:g} is negative")
    return value


def attributes(value) -> dict:
    """Label or frame attributes: a JSON object, else empty (an absent or odd value is no attribute)."""
    return dict(value) if isinstance(value, dict) else {}


def class_map(meta: dict) -> dict[str, str]:
    """`class-map` (index to name) of a metadata object; the 3D docs example spells it `class_map`."""
    raw = meta.get("class-map", meta.get("class_map"))
    if not isinstance(raw, dict):
        return {}
    return {index(k) or str(k): v for k, v in raw.items() if isinstance(v, str)}


def _shown(value) -> str:
    shown = repr(value)
    return shown if len(shown) <= 40 else shown[:37] + "..."
