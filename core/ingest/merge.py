"""A refresh's new rows merged into the kept tables, in key order, with one copy of each column.

The kept tables are memory-mapped from the disk cache and sorted by key; a refresh drops the rows
of the files that changed or went away and adds the rows it parsed. Filtering the kept rows and
then sorting the result made two copies of every table (953 MB at a million answers with 1 %
changed); here the order of the result is worked out as row numbers first, and each column is
taken once, in that order, and freed before the next.
"""

from __future__ import annotations

import bisect

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

# Past this many added files, their places are found by sorting all the keys, not one binary
# search each (a search reads about 20 kept keys as Python strings).
_SEARCHED = 20_000
_MAX_CHUNKS = 64  # refreshes add a chunk each; past this many, a table is made one piece again


def merge(tables: dict[str, pa.Table], drop: set[str], new: dict[str, pa.Table],
          order: dict[str, list[str]], schemas: dict[str, pa.Schema]) -> dict[str, pa.Table]:
    """`tables` without the rows of the files in `drop`, plus `new`, each sorted by its `order`
    columns (else by key, stably). Both dicts are emptied as they are used. The rows of a file in
    `new` must all be in `drop` (a changed file's old rows go), so no added key is also kept."""
    gone = pa.array(sorted(drop), pa.large_string())
    out = {}
    for name in list(tables):
        table, added = tables.pop(name), new.pop(name)
        columns = order.get(name, ["key"])
        keep = pc.invert(pc.is_in(table["key"], value_set=gone)) if len(gone) and table.num_rows else None
        if added.num_rows:
            table = _merged(table, keep, sort(added, columns, schemas[name]), columns, schemas[name])
        elif keep is not None:  # files gone only: the rows left are still in order
            table = _taken(table, np.flatnonzero(keep.to_numpy(zero_copy_only=False)), schemas[name])
        out[name] = table.combine_chunks() if table.num_columns and table.column(0).num_chunks > _MAX_CHUNKS else table
    return out


def in_order(table: pa.Table, columns: list[str]) -> bool:
    """Whether the rows are in ascending order of `columns` already: a look at each row's successor,
    not a sort (a first read lists the files in key order, and sorting a million keys to learn it
    cost a second)."""
    if table.num_rows < 2:
        return True
    earlier, later = table.slice(0, table.num_rows - 1), table.slice(1)
    ok = None  # per row: not after its successor in the columns looked at so far (from the last)
    for column in reversed(columns):
        a, b = earlier[column], later[column]
        ok = pc.less_equal(a, b) if ok is None else pc.or_(pc.less(a, b), pc.and_(pc.equal(a, b), ok))
    return pc.all(ok.fill_null(False)).as_py()


def sort(table: pa.Table, columns: list[str], schema: pa.Schema) -> pa.Table:
    """The table in ascending order of `columns` (stable), untouched if it is in order already."""
    if in_order(table, columns):
        return table
    indices = pc.sort_indices(table.select(columns), sort_keys=[(c, "ascending") for c in columns])
    return _taken(table, indices.to_numpy(), schema)


def _merged(kept: pa.Table, keep: pa.Array | None, added: pa.Table, columns: list[str],
            schema: pa.Schema) -> pa.Table:
    """The kept rows still wanted and the (sorted) added rows, in order: row numbers of the two
    tables side by side, then each column taken once."""
    rows = np.flatnonzero(keep.to_numpy(zero_copy_only=False)) if keep is not None else np.arange(kept.num_rows)
    combined = pa.concat_tables([kept, added])  # no copy: the kept chunks and the added ones
    start = kept.num_rows
    del kept
    if len(rows) == start and (not start or combined["key"][start - 1].as_py() < added["key"][0].as_py()):
        return combined  # nothing dropped and every added row after the kept ones (a first read): no copy
    places = _places(combined, rows, added, columns)
    if places is None:  # too many to search one by one: sort the keys of both together
        both = np.concatenate([rows, np.arange(start, start + added.num_rows)])
        keys = combined.select(columns).take(pa.array(both))
        return _taken(combined, both[pc.sort_indices(keys, sort_keys=[(c, "ascending") for c in columns])
                                     .to_numpy()], schema)
    return _taken(combined, np.insert(rows, places, np.arange(start, start + added.num_rows)), schema)


def _places(combined: pa.Table, rows: np.ndarray, added: pa.Table, columns: list[str]) -> np.ndarray | None:
    """For each added row, how many kept rows come before it: a binary search by key per added
    file (a file's rows stay together, and no kept row has an added row's key); None when there are
    too many files to search so."""
    keys = added["key"]
    starts = np.flatnonzero(pc.not_equal(keys.slice(1), keys.slice(0, len(keys) - 1)).to_numpy(
        zero_copy_only=False)) + 1 if len(keys) > 1 else np.array([], np.int64)
    starts = np.concatenate([[0], starts]).astype(np.int64)
    if len(starts) > _SEARCHED:
        return None
    kept_keys = _Keys(combined["key"], rows)
    counts = np.diff(np.append(starts, len(keys)))
    found = [bisect.bisect_left(kept_keys, keys[int(s)].as_py()) for s in starts]
    return np.repeat(np.asarray(found, np.int64), counts)


class _Keys:
    """The kept rows' keys as a sequence bisect can search, each read only when looked at."""

    def __init__(self, column: pa.ChunkedArray, rows: np.ndarray):
        self.column, self.rows = column, rows

    def __len__(self) -> int:
        return len(self.rows)

    def __getitem__(self, i: int) -> str:
        return self.column[int(self.rows[i])].as_py()


def _taken(table: pa.Table, indices: np.ndarray, schema: pa.Schema) -> pa.Table:
    """The table's rows at `indices`, a column at a time: each source column is let go as soon as
    its copy is made, so only one column is ever held twice."""
    at = pa.array(indices, pa.int64())
    names, columns = table.column_names, table.columns
    del table
    for i, column in enumerate(columns):
        columns[i] = _own(column.take(at))
        del column
    return pa.table(dict(zip(names, columns, strict=True)), schema=schema)


def _own(column: pa.ChunkedArray) -> pa.ChunkedArray:
    """A taken column that holds none of its source's memory: a coded column's rows are copied by
    `take`, but its dictionary (a few hundred names) is not, and that slice of a memory-mapped file
    kept the whole file mapped, 360 MB of the old tables at a million answers."""
    if not pa.types.is_dictionary(column.type):
        return column
    return pa.chunked_array([pa.DictionaryArray.from_arrays(chunk.indices, chunk.dictionary.take(
        pa.array(np.arange(len(chunk.dictionary), dtype=np.int64)))) for chunk in column.chunks], column.type)
