"""Consolidation responses and auto-labeling output (docs/ground-truth.md §4)."""

from __future__ import annotations

from dataclasses import dataclass

from .errors import BadFile
from .jsonio import JsonError, decode_text, json_lines, load_json, loads


@dataclass(frozen=True)
class Consolidated:
    object_id: str
    content: dict  # `<attr>` and `<attr>-metadata` as the post-Lambda returned them


def read_consolidation_response(data: bytes) -> list[Consolidated]:
    doc = load_json(data)
    if not isinstance(doc, list):
        raise BadFile("not a consolidation response: expected a JSON array")
    out = []
    for i, item in enumerate(doc):
        try:
            content = item["consolidatedAnnotation"]["content"]
            out.append(Consolidated(object_id=str(item["datasetObjectId"]), content=content))
        except (KeyError, TypeError) as exc:
            raise BadFile(f"item {i} has no datasetObjectId/consolidatedAnnotation.content") from exc
    return out


def read_auto_annotator_output(data: bytes) -> tuple[list[tuple[str, dict]], list[str]]:
    """Lines `<token> <json>`: AWS's notebooks drop the first token and parse the rest (§4)."""
    rows, notes = [], []
    for number, line in enumerate(json_lines(decode_text(data)), start=1):
        if not line.strip():
            continue
        token, _, rest = line.strip().partition(" ")
        try:
            obj = loads(rest)
        except JsonError as exc:
            notes.append(f"line {number}: invalid JSON ({exc.where(with_line=False)})")
            continue
        if not isinstance(obj, dict):
            notes.append(f"line {number}: not a JSON object")
            continue
        rows.append((token, obj))
    return rows, notes
