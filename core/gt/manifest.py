"""Output (augmented) manifests: one JSON object per line, the input line plus, per label
attribute, `<attr>` and `<attr>-metadata` (docs/ground-truth.md §3).

A failed object keeps `<attr>-metadata` with a `failure-reason` and has no `<attr>` key.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import NamedTuple

from .errors import BadFile
from .jsonio import JsonError, decode_text, fast_loads, finite_float, json_lines, loads

METADATA = "-metadata"
# Ground Control's own key, not Ground Truth's: a gold object mixed into the queue, its value the true
# label (core.manifests.gold_mix). Ground Truth copies it into the output line like every input key (§3).
GOLD_KEY = "ground-control-gold"
# Service limit on a manifest line (docs/ground-truth.md §6, dataset quotas).
MAX_LINE_CHARS = 100_000


class LabelEntry(NamedTuple):  # a named tuple: built in C, a line of a 333,000-line manifest a few µs less
    line: int  # 0-based: the datasetObjectId of the object in the job that read this manifest
    attribute: str
    status: str  # labeled | failed | unlabeled (metadata without label or failure)
    type: str | None
    class_name: str | None  # single-label classification / verification
    human_annotated: bool | None
    confidence: float | None
    job_name: str | None  # without the "labeling-job/" prefix
    creation_date: str | None
    failure_reason: str | None
    value: object = None


@dataclass
class Manifest:
    sources: list[str | None] = field(default_factory=list)  # source-ref or source, by line
    labels: list[LabelEntry] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # lines left out, with line numbers (1-based)
    gold: dict[int, str] = field(default_factory=dict)  # line -> true label of a gold line (GOLD_KEY)

    def attributes(self) -> list[str]:
        return sorted({e.attribute for e in self.labels})


def human_annotated(value) -> bool | None:
    """`human-annotated`: "yes"/"no" on labeled lines, the string "true" on failed lines (§3)."""
    if isinstance(value, bool):
        return value
    if isinstance(value, str):
        return {"yes": True, "true": True, "no": False, "false": False}.get(value.lower())
    return None


def _text(value) -> str | None:
    return value if isinstance(value, str) else None


def job_name(value) -> str | None:
    """`job-name` without the `labeling-job/` prefix real output writes (§3)."""
    if not isinstance(value, str):
        return None
    return value.removeprefix("labeling-job/")


def _entry(index: int, obj: dict, attribute: str, meta: dict) -> LabelEntry:
    has_label = attribute in obj
    failure = meta.get("failure-reason")
    status = "labeled" if has_label else ("failed" if failure else "unlabeled")
    confidence = meta.get("confidence")
    return LabelEntry(
        line=index,
        attribute=attribute,
        status=status,
        type=_text(meta.get("type")),
        class_name=meta.get("class-name") if isinstance(meta.get("class-name"), str) else None,
        human_annotated=human_annotated(meta.get("human-annotated")),
        confidence=finite_float(confidence),
        job_name=job_name(meta.get("job-name")),
        creation_date=_text(meta.get("creation-date")),
        failure_reason=failure if isinstance(failure, str) else None,
        value=obj.get(attribute),
    )


def read_manifest(data: bytes) -> Manifest:
    """Every line of a manifest; a bad line is noted with its number and kept as a gap so that
    line indexes still match datasetObjectIds."""
    lines = json_lines(decode_text(data))
    if not lines:
        raise BadFile("empty manifest")
    out = Manifest()
    for index, line in enumerate(lines):
        obj = None
        try:
            obj = fast_loads(line.encode())
            if obj is None:  # the careful path: its reading, or a reason in words
                obj = loads(line)
        except JsonError as exc:
            out.notes.append(f"line {index + 1}: invalid JSON ({exc.where(with_line=False)})")
        if obj is not None and not isinstance(obj, dict):
            out.notes.append(f"line {index + 1}: not a JSON object")
            obj = None
        if obj is None:
            out.sources.append(None)
            continue
        out.sources.append(_text(obj.get("source-ref") or obj.get("source")))
        if isinstance(tag := obj.get(GOLD_KEY), str) and tag.strip():
            out.gold[index] = tag.strip()
        for key, meta in obj.items():
            if key.endswith(METADATA) and isinstance(meta, dict):
                out.labels.append(_entry(index, obj, key[: -len(METADATA)], meta))
    return out
