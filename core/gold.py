"""Gold labels, {source: label}, from the shapes people keep them in (SHAPES), and the lookup that
matches them to a job's objects by source, file name or ID."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator, Mapping

import pandas as pd

from .errors import GroundControlError
from .gt.jsonio import JsonError, decode_text, json_lines, loads


class GoldError(GroundControlError, ValueError):
    """The gold file cannot be used; the message names the file and the line."""


SOURCE_KEYS = ("source-ref", "source", "imageid", "image_id", "image-id")  # compared without case
LABEL_KEYS = ("label", "class-name")
SHAPES = (
    "Accepted gold files, each row an object and its true label:\n"
    "- CSV: `source-ref,label` then `s3://bucket/a.jpg,Cat`\n"
    '- JSON lines: `{"source-ref": "s3://bucket/a.jpg", "label": "Cat"}` on each line\n'
    '- a JSON list of records: `[{"ImageId": "a", "Label": "Cat"}, ...]`\n'
    '- a JSON object from source to label: `{"s3://bucket/a.jpg": "Cat", ...}`\n'
    "- the output manifest of a trusted job: its label attribute's `class-name` per `source-ref`\n\n"
    "The source may be the whole `source-ref`, the file name, or the name without extension (an ID)."
)


class _ShapeError(ValueError):
    """The file is not in an accepted shape: the refusal lists them."""


_NO_GOLD = object()  # an output-manifest line the job did not label


def _pick(row: dict, keys: tuple[str, ...]):
    lowered = {str(k).strip().lower(): v for k, v in row.items()}
    return next((lowered[k] for k in keys if lowered.get(k) not in (None, "")), None)


def _manifest_label(row: dict, where: str):
    """The class-name of the one label attribute of an output-manifest line, else None."""
    names = {k[: -len("-metadata")]: v.get("class-name") for k, v in row.items()
             if isinstance(k, str) and k.endswith("-metadata") and isinstance(v, dict)}
    labeled = {a: c for a, c in names.items() if c not in (None, "")}
    if len(labeled) > 1:
        raise ValueError(f"{where}: labels of several attributes ({', '.join(sorted(labeled))}): "
                         "keep the attribute of the trusted job only")
    return next(iter(labeled.values()), None), bool(names)


def _record(row, where: str):
    """(source, label) of one record; label _NO_GOLD for an output-manifest line without a label."""
    if not isinstance(row, dict):
        raise _ShapeError(f"{where}: not a JSON object")
    source, label = _pick(row, SOURCE_KEYS), _pick(row, LABEL_KEYS)
    if label is None:
        label, is_manifest = _manifest_label(row, where)
        if is_manifest and label is None and source is not None:
            return source, _NO_GOLD  # an object the job did not label (failed, expired): no gold
    if not isinstance(source, str) or not source.strip():
        raise _ShapeError(f"{where}: no 'source-ref', 'source' or 'ImageId'")
    if label is None and isinstance(row.get("annotations"), list):
        raise ValueError(f"{where}: boxes, not one label an object: measure boxes against this gold with "
                         "`python -m core quality SOURCE --gold FILE`")
    if not isinstance(label, (str, int)) or not str(label).strip():
        raise ValueError(f"{where}: no 'label'")
    return source, label


def _rows_csv(text: str) -> Iterator[tuple[str, object, object]]:
    reader = csv.DictReader(io.StringIO(text))
    try:
        fields = [(f or "").strip() for f in reader.fieldnames or []]
    except csv.Error as exc:
        raise ValueError(f"line 1: not CSV: {exc}") from exc
    lowered = [f.lower() for f in fields]
    if not any(k in lowered for k in LABEL_KEYS) or not any(k in lowered for k in SOURCE_KEYS):
        raise _ShapeError(f"line 1: needs columns 'source-ref' (or 'source', 'ImageId') and 'label', found {fields}")
    try:
        for row in reader:
            yield f"line {reader.line_num}", _pick(row, SOURCE_KEYS), _pick(row, LABEL_KEYS)
    except csv.Error as exc:  # e.g. a field over the csv module's size limit
        raise ValueError(f"line {reader.line_num + 1}: not CSV: {exc}") from exc  # the line it failed in


def _is_mapping(obj) -> bool:
    """{source: label, ...} rather than one record: no key names a source, a label or metadata."""
    return isinstance(obj, dict) and bool(obj) and not any(
        str(k).strip().lower() in SOURCE_KEYS + LABEL_KEYS or str(k).endswith("-metadata") for k in obj)


def _items(obj, where: str) -> Iterator[tuple[str, object, object]]:
    if _is_mapping(obj):
        for source, label in obj.items():
            if not isinstance(label, (str, int)):
                raise _ShapeError(f"{where}: the value of {source!r} is not a label (text or number)")
            yield f"{where}, key {source!r}", source, label
    else:
        yield where, *_record(obj, where)


def _rows_jsonl(text: str) -> Iterator[tuple[str, object, object]]:
    for number, line in enumerate(json_lines(text), start=1):
        if not line.strip():
            continue
        try:
            obj = loads(line)
        except JsonError as exc:
            raise ValueError(f"line {number}: invalid JSON ({exc.where(with_line=False)})") from exc
        yield from _items(obj, f"line {number}")


def _rows_json(doc) -> Iterator[tuple[str, object, object]]:
    """One JSON document over many lines: a list of records, or one object."""
    if isinstance(doc, list):
        for number, item in enumerate(doc, start=1):
            yield from _items(item, f"record {number}")
    else:
        yield from _items(doc, "the JSON object")


def _first_line_parses(text: str) -> bool:
    first = next((line for line in json_lines(text) if line.strip()), "")
    try:
        loads(first)
    except JsonError:
        return False
    return True


def _rows(text: str):
    head = text.lstrip()
    if head.startswith("{") and _first_line_parses(text):
        return _rows_jsonl(text)  # one object per line (or a mapping on one line)
    if head.startswith(("[", "{")):
        return _rows_json(loads(text))  # a list of records, or a pretty-printed object
    return _rows_csv(text)


def read_gold(name: str, data: bytes) -> dict[str, str]:
    """{source: label}. Any bad row makes the whole file unusable: gold must be trusted. Lines of an
    output manifest that carry no label (failed objects) have no gold and are left out."""
    try:
        text = decode_text(data)
        gold: dict[str, str] = {}
        first: dict[str, str] = {}
        for where, source, label in _rows(text):
            if label is _NO_GOLD:
                continue
            if not isinstance(source, str) or not source.strip():
                raise ValueError(f"{where}: no 'source-ref', 'source' or 'ImageId'")
            if not isinstance(label, (str, int)) or not str(label).strip():
                raise ValueError(f"{where}: no 'label'")
            source, label = source.strip(), str(label).strip()
            if source in gold and gold[source] != label:
                raise ValueError(f"{where}: {source} is labeled {label!r} here but {gold[source]!r} on {first[source]}")
            gold[source], first[source] = label, where
    except _ShapeError as exc:
        raise GoldError(f"{name}: {exc}\n\n{SHAPES}") from exc
    except JsonError as exc:
        at = f" at line {exc.line}" if exc.line else ""
        note = f"; {exc.note}" if exc.note else ""
        raise GoldError(f"{name}: invalid JSON{at} ({exc.reason}{note})\n\n{SHAPES}") from exc
    except ValueError as exc:
        raise GoldError(f"{name}: {exc}") from exc
    if not gold:
        raise GoldError(f"{name}: no gold labels found\n\n{SHAPES}")
    return gold


def gold_of(sources: pd.Series, gold: Mapping[str, str]) -> pd.Series:
    """Each source's gold label (NaN when it has none): by the whole source, else by its file name,
    else by the name without extension, so gold keyed by an ID (Open Images' ImageId) still matches."""
    found = sources.map(gold)
    text = sources.astype("str")  # Arrow-backed: the regular expressions below run in C++, not per row
    missing = found.isna() & text.str.contains("/", regex=False).fillna(False) & sources.notna()
    if missing.any():
        names = text[missing].str.replace(r"(?s)^.*/", "", regex=True)  # after the last '/'
        stems = names.str.replace(r"(?s)\.[^.]*$", "", regex=True)  # before the last '.', if any
        found[missing] = names.map(gold).fillna(stems.map(gold))
    return found


def queued_gold(objects: pd.DataFrame) -> dict[str, str]:
    """{source: true label} of the gold lines mixed into the queue (core.manifests.gold_mix) among these
    manifest lines (core.ingest's objects, its `gold` column): the gold the reports measure workers on
    when no gold file is chosen. A source tagged in several manifests keeps its last tag."""
    if "gold" not in objects or objects.empty:
        return {}
    tagged = objects.dropna(subset=["gold", "source"])
    return dict(zip(tagged["source"], tagged["gold"], strict=True))
