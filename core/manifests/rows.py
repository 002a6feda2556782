"""Text items from files, for `{"source": ...}` lines (text classification, NER: docs/ground-truth.md §6 input
manifest facts). Pure functions over bytes; each bad row is returned with its line number.

As the console's automated data setup reads them [S6 sms-console-create-manifest-file]:
- a text file holds one item per line (blank lines are not items);
- a CSV file one item per row: the column named `column`, else `source`, else `text`, else the
  first; the first row is a header unless `header=False` (then `column` may be a 1-based number);
- a JSON-lines file one item per line: the value of key `column`, else `source`, else `text`.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass

from ..gt.errors import BadFile
from ..gt.jsonio import JsonError, decode_text, json_lines, loads

JSON_LINES_EXTENSIONS = ("jsonl", "ndjson", "json")
DEFAULT_KEYS = ("source", "text")


@dataclass(frozen=True)
class Item:
    line: int  # 1-based line of the file where the item starts
    text: str


@dataclass(frozen=True)
class BadRow:
    line: int  # 1-based; 0: the whole file
    reason: str


Read = tuple[list[Item], list[BadRow]]


def _whole_file(reason: str) -> Read:
    return [], [BadRow(0, reason)]


def text_items(data: bytes) -> Read:
    try:
        text = decode_text(data)
    except BadFile as exc:
        return _whole_file(str(exc))
    return [Item(n, line) for n, line in enumerate(json_lines(text), start=1) if line.strip()], []


def _check(line: int, value, what: str, items: list[Item], bad: list[BadRow]) -> None:
    if not isinstance(value, str):
        bad.append(BadRow(line, f"{what} is {type(value).__name__}, not text"))
    elif not value.strip():
        bad.append(BadRow(line, f"{what} is empty"))
    else:
        items.append(Item(line, value))


def _csv_column(header: list[str] | None, column: str | None) -> int | str:
    """The index of the item column, or a reason why there is none."""
    if header is None:
        if column is None:
            return 0
        if column.isdigit() and int(column) >= 1:
            return int(column) - 1
        return f"without a header row, the column must be a number from 1, not {column!r}"
    folded = [name.strip().casefold() for name in header]
    for wanted in (column,) if column is not None else DEFAULT_KEYS:
        if wanted.casefold() in folded:
            return folded.index(wanted.casefold())
    if column is not None:
        return f"no column {column!r} (columns: {', '.join(header)})"
    return 0


def csv_items(data: bytes, column: str | None = None, *, header: bool = True, delimiter: str = ",") -> Read:
    try:
        text = decode_text(data)
    except BadFile as exc:
        return _whole_file(str(exc))
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    items: list[Item] = []
    bad: list[BadRow] = []
    index: int | str | None = None if header else _csv_column(None, column)
    if isinstance(index, str):
        return _whole_file(index)
    name = ""
    while True:
        start = reader.line_num + 1
        try:
            row = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            bad.append(BadRow(start, f"not CSV: {exc}"))
            continue
        if index is None:  # the header row
            index = _csv_column(row, column)
            if isinstance(index, str):
                return _whole_file(index)
            name = f"column {row[index]!r}" if row else ""
            continue
        if not any(cell.strip() for cell in row):
            continue  # a blank row is not an item
        if index >= len(row):
            bad.append(BadRow(start, f"{len(row)} column(s): no {name or f'column {index + 1}'}"))
            continue
        _check(start, row[index], name or f"column {index + 1}", items, bad)
    return items, bad


def jsonl_items(data: bytes, key: str | None = None) -> Read:
    try:
        text = decode_text(data)
    except BadFile as exc:
        return _whole_file(str(exc))
    items: list[Item] = []
    bad: list[BadRow] = []
    for n, line in enumerate(json_lines(text), start=1):
        if not line.strip():
            continue
        try:
            obj = loads(line)
        except JsonError as exc:
            bad.append(BadRow(n, f"invalid JSON ({exc.where(with_line=False)})"))
            continue
        if not isinstance(obj, dict):
            bad.append(BadRow(n, "not a JSON object"))
            continue
        wanted = key if key is not None else next((k for k in DEFAULT_KEYS if k in obj), None)
        if wanted is None or wanted not in obj:
            keys = (key,) if key is not None else DEFAULT_KEYS
            bad.append(BadRow(n, f"no key {' or '.join(map(repr, keys))}"))
            continue
        _check(n, obj[wanted], f"key {wanted!r}", items, bad)
    return items, bad


def row_items(name: str, data: bytes, column: str | None = None, *, header: bool = True) -> Read:
    """Items of a rows file, read by its extension: JSON lines, TSV, else CSV."""
    ext = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    if ext in JSON_LINES_EXTENSIONS:
        return jsonl_items(data, column)
    return csv_items(data, column, header=header, delimiter="\t" if ext == "tsv" else ",")
