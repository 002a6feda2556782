"""Decoding helpers shared by the readers: bytes to JSON with reasons a user can act on."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from .errors import BadFile


def decode_text(data: bytes) -> str:
    if b"\x00" in data[:4096]:
        raise BadFile("binary data, not text")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise BadFile(f"not UTF-8 text (byte {exc.start})") from exc


def json_lines(text: str) -> list[str]:
    """Split JSON lines on newlines only: str.splitlines() also breaks at U+2028, U+2029 and U+0085,
    which are valid inside JSON strings, and would shift every later line's index."""
    lines = [line.removesuffix("\r") for line in text.split("\n")]
    while lines and not lines[-1].strip():
        lines.pop()
    return lines


def _int(digits: str) -> int | float:
    """JSON integers past Python's 4,300-digit conversion limit read as a float (inf), as a browser
    reads them, so one huge number is one bad value, not a lost file."""
    return int(digits) if len(digits) <= 4000 else float(digits)


def load_json(data: bytes):
    text = decode_text(data)
    if not text.strip():
        raise BadFile("empty file")
    try:
        return json.loads(text, parse_int=_int)
    except json.JSONDecodeError as exc:
        raise BadFile(f"invalid JSON at line {exc.lineno} column {exc.colno}: {exc.msg}") from exc
    except RecursionError as exc:
        raise BadFile("values nested too deeply to read (over about 1,000 levels)") from exc


def parse_time(value) -> datetime:
    """Ground Truth times: `2019-04-18T16:10:53Z` (old public answers) or with milliseconds (§2)."""
    if not isinstance(value, str):
        raise ValueError(f"expected a time string, got {type(value).__name__}")
    ts = datetime.fromisoformat(value)
    return ts if ts.tzinfo else ts.replace(tzinfo=UTC)
