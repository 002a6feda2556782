"""Decoding helpers shared by the readers: bytes to JSON with reasons a user can act on."""

from __future__ import annotations

import json
import math
import re
import sys
from datetime import UTC, datetime

import orjson

from ..errors import GroundControlError
from .errors import BadFile

# Deeper JSON is refused before parsing: no real Ground Truth file nests past a dozen levels, and
# the recursive walks after parsing (and json itself, near Python's recursion limit) must not fail.
MAX_DEPTH = 200
_TOKENS = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"|[\[\]{}]')


class JsonError(GroundControlError, ValueError):
    """Text that is not JSON we can read. `reason` is plain; `line`/`column` say where, when known."""

    def __init__(self, reason: str, line: int | None = None, column: int | None = None, note: str = ""):
        super().__init__(reason)
        self.reason, self.line, self.column, self.note = reason, line, column, note

    def where(self, with_line: bool = True) -> str:
        """The reason, where it is (`with_line` for whole files), and what limit it broke."""
        text = self.reason
        if self.column is not None:
            text += f" at line {self.line} column {self.column}" if with_line else f" at column {self.column}"
        return f"{text}; {self.note}" if self.note else text


def _position(text: str, index: int) -> tuple[int, int]:
    line = text.count("\n", 0, index) + 1
    return line, index - (text.rfind("\n", 0, index) + 1) + 1


def _too_deep(text: str) -> JsonError | None:
    """A JsonError when arrays/objects nest deeper than MAX_DEPTH (strings are skipped)."""
    if text.count("[") + text.count("{") <= MAX_DEPTH:
        return None  # cannot nest that deep: the usual case costs two C-level scans
    depth = deepest = 0
    first = None
    for m in _TOKENS.finditer(text):
        token = m.group()
        if token in "[{":
            depth += 1
            if depth > MAX_DEPTH and first is None:
                first = m.start()
            deepest = max(deepest, depth)
        elif token in "]}":
            depth -= 1
    if first is None:
        return None
    return JsonError(f"arrays or objects nested {deepest:,} levels deep", *_position(text, first),
                     note=f"at most {MAX_DEPTH} levels are read")


def loads(text: str, parse_int=None):
    """json.loads for data: every failure is a JsonError with a plain reason, never a RecursionError
    or Python's message about its integer digit limit."""
    deep = _too_deep(text)
    if deep is not None:
        raise deep
    try:
        doc = json.loads(text, parse_int=parse_int)
        return _whole_characters(doc) if _SURROGATE.search(text) else doc
    except json.JSONDecodeError as exc:
        raise JsonError(exc.msg, exc.lineno, exc.colno) from None
    except RecursionError:  # called from deep in a stack: still a plain reason
        raise JsonError("arrays or objects nested too deeply to read") from None
    except ValueError:  # an integer past Python's digit limit (4,300 by default)
        limit = sys.get_int_max_str_digits()
        m = re.search(rf"\d{{{limit + 1},}}", text)
        digits = f"{len(m.group()):,} digits" if m else "too many digits"
        where = _position(text, m.start()) if m else (None, None)
        raise JsonError(f"a number with {digits}", *where, note=f"at most {limit:,} digits are read") from None


def finite_float(value) -> float | None:
    """A JSON number as a finite float, else None: not a bool, not Infinity/NaN, not an integer too
    large for a float (float() of a 400-digit integer raises OverflowError)."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    try:
        number = float(value)
    except OverflowError:
        return None
    return number if math.isfinite(number) else None


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


# orjson reads integers of 20+ digits as floats where json keeps them exact: such files take the
# careful path, as do files that could nest too deep. Everything else orjson reads ~10x faster.
# (Every digit made a "0", a run of 20 is one bytes.find: a regex scan cost more than orjson.)
_DIGITS_AS_ZERO = bytes.maketrans(b"123456789", b"000000000")
_LONG_RUN = b"0" * 20


def fast_loads(data: bytes):
    """orjson's reading of `data`, or None when the careful path must decide (it then says why in
    words, or accepts what orjson refuses: a BOM, NaN, a lone surrogate)."""
    if data.count(b"[") + data.count(b"{") > MAX_DEPTH or _LONG_RUN in data.translate(_DIGITS_AS_ZERO):
        return None
    try:
        return orjson.loads(data)
    except orjson.JSONDecodeError:
        return None


def load_json(data: bytes):
    doc = fast_loads(data)
    if doc is not None:
        return doc
    text = decode_text(data)
    if not text.strip():
        raise BadFile("empty file")
    try:
        return loads(text, parse_int=_int)
    except JsonError as exc:
        raise BadFile(f"invalid JSON: {exc.where()}") from exc


# A \ud800-\udfff escape: json reads a lone one as a character no UTF-8 text can hold (orjson
# refuses it), which failed the whole load when the answers became Arrow columns.
_SURROGATE = re.compile(r"\\[uU][dD][89a-fA-F]")


def _whole_characters(value):
    """`value` with each lone surrogate in its text made U+FFFD, the replacement character, as a
    browser shows an unreadable character (a pair stays the character it encodes)."""
    if isinstance(value, str):
        return value.encode("utf-16", "surrogatepass").decode("utf-16", "replace")
    if isinstance(value, list):
        return [_whole_characters(v) for v in value]
    if isinstance(value, dict):
        return {_whole_characters(k): _whole_characters(v) for k, v in value.items()}
    return value


def parse_time(value) -> datetime:
    """Ground Truth times: `2019-04-18T16:10:53Z` (old public answers) or with milliseconds (§2)."""
    if not isinstance(value, str):
        raise ValueError(f"expected a time string, got {type(value).__name__}")
    ts = datetime.fromisoformat(value)
    return ts if ts.tzinfo else ts.replace(tzinfo=UTC)
