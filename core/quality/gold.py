"""Gold for every task type, as an annotations table the quality report compares with.

Accepted, one JSON object a line (docs/ground-truth.md §3):
- the output manifest of a trusted job, of any task type (its `<attr>-metadata` says the type); a
  video job's labels are the SeqLabel.json files its lines name by URI (§3), which `fetch` gets;
- the same line shape without metadata: `source-ref` with `annotations` (boxes with `label`, `left`,
  `top`, `width`, `height`, as the demo's `gold-boxes.jsonl`), `labels` (multi-label) or `label`
  (classification); or an inline text, `source` (§3), with `entities` (spans with `label`,
  `startOffset`, `endOffset`, as the demo's sentences' `gold.jsonl`) or `label`; or a video's
  sequence file as `source-ref` with `frames`, a list in SeqLabel.json's frame shape (§3: boxes
  under `annotations` with `label` or `class-id`, `object-id` for tracking, `frame-attributes`),
  as the demo's videos' `gold.jsonl`: the labels a trusted video job keeps in its SeqLabel.json
  files, inline (our choice; Ground Truth itself writes no such line).
A line that is none of these is refused with its line number; nothing is guessed. Gold rows carry
the data object as the job's rows do (`source_ref`, or `source_text` for a text), so the report
matches them on it (core.annotations.model.object_keys).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

import pandas as pd

from ..annotations.manifest import read_output_manifest
from ..annotations.model import CONSOLIDATED, Row, SeqRef, object_keys, to_frame
from ..annotations.units import box, span
from ..annotations.values import Malformed, text
from ..annotations.video import frames_rows, read_seq_label
from ..gold import GoldError
from ..gt.errors import BadFile
from ..gt.jsonio import JsonError, decode_text, json_lines, loads

Fetch = Callable[[str], bytes | None]  # a label file's URI -> its bytes, or None when not found
SHAPES = ("a trusted job's output manifest, or JSON lines with `source-ref` (or a text's `source`) and "
          "`annotations` (boxes), `entities` (spans), `frames` (video frames), `labels` (multi-label) or `label` "
          "(classification)")


def read_gold_annotations(name: str, data: bytes, fetch: Fetch | None = None) -> pd.DataFrame:
    """The gold units in `data` (the file `name`), one row each, each naming its data object. A
    video job's manifest names its labels' SeqLabel.json by URI: `fetch` gets its bytes (None when
    it is not found; core.quality.gold_files finds them), else the file is refused."""
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
        found = read_output_manifest(data, "gold", where=name)
        table = to_frame(found.rows + _sequence_rows(name, found.sequences, fetch))
        table = table[object_keys(table).notna()]
    else:
        table = to_frame([row for i, obj in parsed for row in _plain(obj, f"{name} line {i}")])
    if table.empty:
        raise GoldError(f"{name}: no gold label read; accepted: {SHAPES}")
    return table


def _sequence_rows(name: str, sequences: list[SeqRef], fetch: Fetch | None) -> list[Row]:
    """The frames of every SeqLabel.json the manifest names; one not found or not readable refuses
    the gold: a video with no gold frames would look like one with nothing in it."""
    rows, missing = [], []
    for ref in sequences:
        data = fetch(ref.uri) if fetch is not None else None
        if data is None:
            missing.append(ref.uri)
            continue
        try:
            rows += read_seq_label(data, ref).rows
        except BadFile as exc:
            raise GoldError(f"{name}: {ref.uri}: {exc}") from None
    if missing:
        raise GoldError(f"{name}: {len(missing):,} of the {len(sequences):,} SeqLabel.json files its video labels "
                        f"name were not found, e.g. {missing[0]}; keep them where the bucket has them (a local "
                        "copy: the same folders below one folder)")
    return rows


def _plain(obj: dict, where: str) -> list[Row]:
    ref, inline = text(obj.get("source-ref")), obj.get("source") if isinstance(obj.get("source"), str) else None
    if ref is None and inline is None:
        raise GoldError(f"{where}: no 'source-ref' or 'source'; accepted: {SHAPES}")
    base = Row(job="gold", object_id=ref or inline, source=CONSOLIDATED, task_type="", kind="", source_ref=ref,
               source_text=None if ref else inline)
    if isinstance(obj.get("annotations"), list):
        return _units(obj["annotations"], replace(base, task_type="bounding-box", kind="box"), box,
                      f"{where} annotations")
    if isinstance(obj.get("entities"), list):
        return _units(obj["entities"], replace(base, task_type="ner", kind="span"), span, f"{where} entities")
    if ref is not None and isinstance(obj.get("frames"), list):
        return _frames(obj["frames"], base, f"{where} frames")
    if isinstance(obj.get("labels"), list):
        return [replace(base, task_type="multi-label", kind="class", unit=j, label=text(v))
                for j, v in enumerate(obj["labels"]) if text(v)]
    if text(obj.get("label")):
        return [replace(base, task_type="classification", kind="class", label=text(obj["label"]))]
    raise GoldError(f"{where}: no 'annotations', 'entities', 'frames', 'labels' or 'label'; accepted: {SHAPES}")


def _frames(frames: list, base: Row, where: str) -> list[Row]:
    """A video's gold frames, read as a SeqLabel.json's are. Tracking when a box names its object
    (`object-id`), else detection; the report compares either with both video types. A frame or
    box that cannot be read refuses the file: a gap would count as a box nobody should draw."""
    tracked = any(isinstance(f, dict) and isinstance(f.get("annotations"), list)
                  and any(isinstance(b, dict) and "object-id" in b for b in f["annotations"]) for f in frames)
    task = "video-object-tracking" if tracked else "video-object-detection"
    found = frames_rows(frames, replace(base, task_type=task), {}, where)
    if found.notes:
        note = found.notes[0]
        raise GoldError(f"{note.where}: {note.detail}; accepted: {SHAPES}")
    if unnamed := next((r for r in found.rows if r.kind == "frame-box" and not r.label), None):
        raise GoldError(f"{where}: frame {unnamed.frame} box {unnamed.unit} has no 'label'; accepted: {SHAPES}")
    return found.rows


def _units(units: list, base: Row, read, where: str) -> list[Row]:
    """One row per unit read by `read` (a box, a span); a unit that cannot be read refuses the file."""
    rows = []
    for j, unit in enumerate(units):
        try:
            rows.append(replace(base, unit=j, **read(unit)))
        except Malformed as exc:
            raise GoldError(f"{where}[{j}]: {exc}") from None
    return rows
