"""Gold labels: a CSV or JSON-lines file with `source-ref` (or `source`) and `label` per object."""

from __future__ import annotations

import csv
import io

from .gt.jsonio import JsonError, decode_text, json_lines, loads


class GoldError(ValueError):
    """The gold file cannot be used; the message names the file and the line."""


SOURCE_KEYS = ("source-ref", "source")


def _rows_csv(text: str):
    reader = csv.DictReader(io.StringIO(text))
    try:
        fields = [f.strip() for f in reader.fieldnames or []]
    except csv.Error as exc:
        raise ValueError(f"line 1: not CSV: {exc}") from exc
    if "label" not in fields or not any(k in fields for k in SOURCE_KEYS):
        raise ValueError(f"line 1: needs columns 'source-ref' (or 'source') and 'label', found {fields}")
    try:
        for row in reader:
            yield reader.line_num, {(k or "").strip(): v for k, v in row.items()}
    except csv.Error as exc:  # e.g. a field over the csv module's size limit
        raise ValueError(f"line {reader.line_num + 1}: not CSV: {exc}") from exc  # the line it failed in


def _rows_jsonl(text: str):
    for number, line in enumerate(json_lines(text), start=1):
        if not line.strip():
            continue
        try:
            obj = loads(line)
        except JsonError as exc:
            raise ValueError(f"line {number}: invalid JSON ({exc.where(with_line=False)})") from exc
        if not isinstance(obj, dict):
            raise ValueError(f"line {number}: not a JSON object")
        yield number, obj


def read_gold(name: str, data: bytes) -> dict[str, str]:
    """{source: label}. Any bad line makes the whole file unusable: gold must be trusted."""
    try:
        text = decode_text(data)
        is_jsonl = name.lower().endswith((".jsonl", ".json", ".manifest")) or text.lstrip().startswith("{")
        rows = _rows_jsonl(text) if is_jsonl else _rows_csv(text)
        gold: dict[str, str] = {}
        where: dict[str, int] = {}
        for number, row in rows:
            source = next((row[k] for k in SOURCE_KEYS if row.get(k)), None)
            label = row.get("label")
            if not isinstance(source, str) or not source.strip():
                raise ValueError(f"line {number}: no 'source-ref' or 'source'")
            if not isinstance(label, (str, int)) or not str(label).strip():
                raise ValueError(f"line {number}: no 'label'")
            source, label = source.strip(), str(label).strip()
            if source in gold and gold[source] != label:
                raise ValueError(
                    f"line {number}: {source} is labeled {label!r} here but {gold[source]!r} on line {where[source]}"
                )
            gold[source], where[source] = label, number
    except ValueError as exc:
        raise GoldError(f"{name}: {exc}") from exc
    if not gold:
        raise GoldError(f"{name}: no gold labels found")
    return gold
