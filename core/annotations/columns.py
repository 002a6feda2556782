"""Annotation rows as columns: rows as plain tuples (COLUMNS order) into Arrow, and Arrow back into
exactly the table `model.to_frame` makes from Row objects (same dtypes, same values).

Why: at 100k answers, building a Row per unit and reading it back field by field was most of the
read's CPU; tuples go into Arrow column by column, and Arrow is what the disk cache stores. The
dict columns (attributes) are JSON text in Arrow, the comments (`feedback`) a list of text.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from operator import attrgetter

import pandas as pd
import pyarrow as pa

from .model import _FLOATS, _INTS, COLUMNS, Row, to_frame, typed

_TEXT = pa.large_string()
_DICTS = ("attributes", "frame_attributes")
_TYPES = {column: pa.int64() for column in _INTS} | {column: pa.float64() for column in _FLOATS} | {
    "submitted": pa.timestamp("us", tz="UTC"), "human_annotated": pa.bool_(), "feedback": pa.list_(_TEXT),
}
# Each table row carries the key of the file it came from, so a refresh can replace one file's rows.
SCHEMA = pa.schema([("key", _TEXT), *((column, _TYPES.get(column, _TEXT)) for column in COLUMNS)])
_AT = {column: i for i, column in enumerate(COLUMNS)}
_DICT_AT = tuple(_AT[c] for c in _DICTS)
_FEEDBACK_AT = _AT["feedback"]
_CHUNK = 50_000  # rows held as tuples before they become Arrow columns

values_of = attrgetter(*COLUMNS)  # a Row as a tuple in COLUMNS order, in one C call


def _dumped(value: dict) -> str | None:
    # json, not orjson: attribute values may be NaN or integers past 64 bits, which must come back as they were.
    return json.dumps(value, ensure_ascii=False) if value else None


class RowTable:
    """Rows of many files, filled file by file and turned into Arrow every _CHUNK rows, so the
    Python tuples of a million units never all exist at once."""

    def __init__(self):
        self._rows: list[tuple] = []
        self._chunks: list[pa.Table] = []

    def add(self, key: str, values: tuple) -> None:
        """One row: `values` in COLUMNS order (a Row's `values_of`, or built directly)."""
        self._rows.append((key, *values))
        if len(self._rows) >= _CHUNK:
            self._flush()

    def add_rows(self, key: str, rows: list[Row]) -> None:
        for row in rows:
            self.add(key, values_of(row))

    def _flush(self) -> None:
        if not self._rows:
            return
        columns = [list(c) for c in zip(*self._rows, strict=True)]
        for at in _DICT_AT:
            columns[at + 1] = [_dumped(v) for v in columns[at + 1]]
        columns[_FEEDBACK_AT + 1] = [list(v) for v in columns[_FEEDBACK_AT + 1]]
        self._chunks.append(pa.table(dict(zip(SCHEMA.names, columns, strict=True)), schema=SCHEMA))
        self._rows = []

    def table(self) -> pa.Table:
        self._flush()
        return pa.concat_tables(self._chunks) if self._chunks else SCHEMA.empty_table()


def _dicts(column: pa.ChunkedArray) -> list[dict]:
    # A fresh dict per row, as Row's default_factory makes: nothing is shared between rows.
    return [json.loads(v) if v is not None else {} for v in column.to_pylist()]


def to_table_frame(table: pa.Table) -> pd.DataFrame:
    """The annotations table of `table`'s rows (SCHEMA), equal to `to_frame` of the same Rows:
    text columns are inferred as pandas infers them (text, or all-missing objects), numbers typed
    as to_frame types them."""
    return frame_of(table, COLUMNS)


def frame_of(table: pa.Table, names: Sequence[str]) -> pd.DataFrame:
    """The columns `names` of to_table_frame(table), equal to them, made from those columns only: a
    measure that reads a few columns of a million rows then makes a tenth of the table."""
    if table.num_rows == 0:
        return to_frame([])[list(names)]
    out = {}
    for column in names:
        values = table[column]
        if column in _DICTS:
            out[column] = pd.Series(_dicts(values), dtype=object)
        elif column == "feedback":
            out[column] = pd.Series([tuple(v) for v in values.to_pylist()], dtype=object)
        elif values.null_count == len(values):
            # An empty column of any type is made as to_frame makes it (objects, typed below), so
            # the inferred dtype is the same: pandas infers text only from a column with text in it.
            out[column] = pd.Series([None] * len(values), dtype=object)
        else:
            out[column] = values.to_pandas()
    return typed(pd.DataFrame(out))
