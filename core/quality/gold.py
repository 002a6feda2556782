"""Gold for every task type, as an annotations table the quality report compares with.

Accepted, one JSON object a line (docs/ground-truth.md §3):
- the output manifest of a trusted job, of any task type (its `<attr>-metadata` says the type);
- the same line shape without metadata: `source-ref` with `annotations` (boxes with `label`, `left`,
  `top`, `width`, `height`, as the demo's `gold-boxes.jsonl`), `labels` (multi-label) or `label`
  (classification).
A line that is none of these is refused with its line number; nothing is guessed.
"""

from __future__ import annotations

from dataclasses import replace

import pandas as pd

from ..annotations.manifest import read_output_manifest
from ..annotations.model import CONSOLIDATED, Row, to_frame
from ..annotations.units import box
from ..annotations.values import Malformed, text
from ..gold import GoldError
from ..gt.jsonio import JsonError, decode_text, json_lines, loads

SHAPES = ("a trusted job's output manifest, or JSON lines with `source-ref` and `annotations` (boxes), "
          "`labels` (multi-label) or `label` (classification)")


def read_gold_annotations(name: str, data: bytes) -> pd.DataFrame:
    """The gold units in `data` (the file `name`), one row each, `source_ref` set on every row."""
    try:
        lines = json_lines(decode_text(data))
    except (ValueError, UnicodeDecodeError) as exc:
        raise GoldError(f"{name}: not text ({exc})") from None
    parsed = []
    for i, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            obj = loads(line)
        except JsonError as exc:
            problem = exc.where(with_line=False)
            raise GoldError(f"{name} line {i}: invalid JSON ({problem}); accepted: {SHAPES}") from None
        if not isinstance(obj, dict):
            raise GoldError(f"{name} line {i}: not a JSON object; accepted: {SHAPES}")
        parsed.append((i, obj))
    if not parsed:
        raise GoldError(f"{name}: no lines; accepted: {SHAPES}")
    if any(k.endswith("-metadata") for _, obj in parsed for k in obj):
        table = read_output_manifest(data, "gold", where=name).frame()
        table = table[table["source_ref"].notna()]
    else:
        table = to_frame([row for i, obj in parsed for row in _plain(obj, f"{name} line {i}")])
    if table.empty:
        raise GoldError(f"{name}: no gold label read; accepted: {SHAPES}")
    return table


def _plain(obj: dict, where: str) -> list[Row]:
    source = text(obj.get("source-ref")) or text(obj.get("source"))
    if source is None:
        raise GoldError(f"{where}: no 'source-ref'; accepted: {SHAPES}")
    base = Row(job="gold", object_id=source, source=CONSOLIDATED, task_type="", kind="", source_ref=source)
    if isinstance(obj.get("annotations"), list):
        rows = []
        for j, unit in enumerate(obj["annotations"]):
            try:
                rows.append(replace(base, task_type="bounding-box", kind="box", unit=j, **box(unit)))
            except Malformed as exc:
                raise GoldError(f"{where} annotations[{j}]: {exc}") from None
        return rows
    if isinstance(obj.get("labels"), list):
        return [replace(base, task_type="multi-label", kind="class", unit=j, label=text(v))
                for j, v in enumerate(obj["labels"]) if text(v)]
    if text(obj.get("label")):
        return [replace(base, task_type="classification", kind="class", label=text(obj["label"]))]
    raise GoldError(f"{where}: no 'annotations', 'labels' or 'label'; accepted: {SHAPES}")

