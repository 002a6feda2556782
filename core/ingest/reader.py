"""Read every Ground Truth file under a source into tables, skipping and reporting bad files.

I/O stays here; the readers in core.gt are pure. A `SourceReader` keeps what it parsed as Arrow
tables keyed by file and version, in memory and on disk (core.ingest.cache), so `load()` again (a
refresh, or the first load after a restart) parses only new or changed files.
"""

from __future__ import annotations

import gc
import posixpath
from collections.abc import Callable
from pathlib import Path

import numpy as np
import orjson
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from ..aws import MAX_POOL
from ..gt.errors import Skipped
from ..gt.layout import KeyKind, classify, is_apple_double, job_name
from ..storage import Fetcher, Location, StoreError
from ..storage.local import LocalStore
from ..workspace import cache_dir
from .cache import TableCache
from .rows import SCHEMAS, Batch, parse
from .source import ANSWER_COLUMNS, SourceData

Progress = Callable[[str, int, int], None]  # (phase, done, total)

_ORDER = {"answers": ["key", "answer"], "notes": ["key", "n"]}  # else by key, stable


def _empty() -> dict[str, pa.Table]:
    return {name: schema.empty_table() for name, schema in SCHEMAS.items()}


def _merge(tables: dict[str, pa.Table], drop: set[str], new: dict[str, pa.Table]) -> dict[str, pa.Table]:
    """`tables` without the rows of the files in `drop`, plus `new`, in key order. Both dicts are
    emptied as they are used. Rows already in order (a first read lists keys in order) are not
    moved, and the chunks are kept as they are: copying every table into one piece held two copies
    of it. When rows must move, it is a column at a time, each unsorted column freed as its sorted
    copy is made."""
    gone = pa.array(sorted(drop), pa.large_string())
    out = {}
    for name in list(tables):
        table = tables.pop(name)
        if len(gone) and table.num_rows:
            table = table.filter(pc.invert(pc.is_in(table["key"], value_set=gone)))
        added = new.pop(name)
        if added.num_rows:
            table = pa.concat_tables([table, added])
            del added
            table = _sorted(table, [(column, "ascending") for column in _ORDER.get(name, ["key"])], SCHEMAS[name])
        out[name] = table.combine_chunks() if table.num_columns and table.column(0).num_chunks > _MAX_CHUNKS else table
    return out


_MAX_CHUNKS = 64  # refreshes add a chunk each; past this many, a table is made one piece again


def _sorted(table: pa.Table, keys: list[tuple[str, str]], schema: pa.Schema) -> pa.Table:
    order = pc.sort_indices(table.select([k for k, _ in keys]), sort_keys=keys)
    if pc.all(pc.equal(order, pa.array(np.arange(len(order), dtype=np.uint64)))).as_py() is not False:
        return table  # in order already (or empty)
    names, columns = table.column_names, table.columns
    del table
    for i, column in enumerate(columns):
        columns[i] = column.take(order)
        del column
    return pa.table(dict(zip(names, columns, strict=True)), schema=schema)


def _identity(location: Location) -> str:
    """What makes two sources the same for the cache: the folder itself for local stores (two demo
    folders both named s3://...), the URI and endpoint for S3."""
    store = location.store
    settings = getattr(store, "settings", None)
    endpoint = getattr(settings, "endpoint_url", None) or ""
    where = str(store.root) if isinstance(store, LocalStore) else f"{store.uri}|{endpoint}"
    return f"{type(store).__name__}|{where}|{location.prefix}"


def _kind_of(kinds: dict[str, KeyKind], key: str) -> KeyKind:
    """Its place in the layout: known keys were classified when first read, maybe by another
    process, so a changed one is classified again here."""
    kind = kinds.get(key)
    if kind is None:
        kind = kinds[key] = classify(key)
    return kind


# Answers' columns no report sorts or compares, only shows or counts: kept as pandas categories.
_DESCRIPTIVE = frozenset({"issuer", "provider", "time_source", "task"})


def _frame(table: pa.Table, categories: frozenset[str] = frozenset()) -> pd.DataFrame:
    """The table as pandas: coded text as plain text (the reports sort and compare it), except the
    `categories`; plain text shares the table's buffers."""
    columns = [column.cast(pa.large_string()) if pa.types.is_dictionary(column.type) and name not in categories
               else column for name, column in zip(table.column_names, table.columns, strict=True)]
    return pa.table(dict(zip(table.column_names, columns, strict=True))).to_pandas()


class SourceReader:
    def __init__(self, location: Location, cache_root: Path | None = None):
        self.location = location
        store = location.store
        self._kinds: dict[str, KeyKind] = {}
        kinds = self._kinds
        # Local files are read one after another: 64 threads cost more in hand-offs than they save.
        threads = 1 if isinstance(store, LocalStore) else MAX_POOL
        # The callback holds the kinds, not the reader: a reader in a cycle with its own fetcher
        # waited for the cyclic collector, keeping a finished load's tables (360 MB at a million
        # answers) alive while the report ran.
        self._fetcher = Fetcher(store, lambda key, data: parse(key, data, _kind_of(kinds, key)), threads, keep=False)
        self._disk = TableCache(cache_root or cache_dir() / "answers", _identity(location))
        self._tables: dict[str, pa.Table] | None = None
        self._versions: dict[str, str] = {}

    def _kind(self, key: str) -> KeyKind:
        return _kind_of(self._kinds, key)

    @property
    def gets(self) -> int:
        return self._fetcher.gets

    def _fallback_name(self) -> str:
        path = self.location.prefix.rstrip("/") or self.location.store.uri.rstrip("/")
        return posixpath.basename(path) or self.location.uri

    def _list(self, progress: Progress | None) -> tuple[list, set[str], int, list[Skipped]]:
        """What a load must parse (new or changed Ground Truth files), which known files are gone,
        how many Ground Truth files are listed, and what was listed but is no file to read.

        Compared as listed: only the keys of the listing are kept, not an entry per file (at a
        million answers those entries were 195 MB of the peak), and each known file's version moves
        to the new listing's versions as it is seen."""
        store = self.location.store
        skipped: list[Skipped] = []
        # Known files are moved from the old versions to the new as they are listed, so the two
        # never both hold every file; what is left in the old ones at the end is gone.
        todo, versions, fresh = [], self._versions, {}
        self._versions = fresh

        def on_skip(key: str, reason: str) -> None:  # a FIFO, socket or broken link in a folder
            skipped.append(Skipped(store.uri_of(key), reason))

        try:
            for n, info in enumerate(store.list(self.location.prefix, on_skip), start=1):
                if progress and n % 1000 == 0:
                    progress("list", n, 0)
                key = info.key
                known = versions.pop(key, None)
                if known is not None:  # classified when it was first read
                    fresh[key] = known
                    if known != info.version:
                        todo.append(info)
                elif is_apple_double(key):
                    skipped.append(Skipped(store.uri_of(key), "macOS AppleDouble file (._*), not Ground Truth data"))
                else:
                    kind = classify(key)
                    if kind is not None:
                        self._kinds[key] = kind
                        todo.append(info)
        except BaseException:  # a listing cut short forgets no known file: it could not be found gone
            versions.update(fresh)
            self._versions = versions
            raise
        listed = len(fresh) + sum(1 for info in todo if info.key not in fresh)
        return todo, set(versions), listed, skipped

    def _keep(self, tables: dict[str, pa.Table]) -> None:
        """Hold `tables` as the last load, with each file's version for the next one to compare."""
        self._tables = tables
        files = tables["files"]
        self._versions = dict(zip(files["key"].to_pylist(), files["version"].to_pylist(), strict=True))

    def _warm(self) -> dict[str, pa.Table]:
        """The last load's tables: in memory, else from the disk cache (with a local folder's saved
        listing), else none."""
        if self._tables is None:
            cached = self._disk.load()
            self._keep(cached[0] if cached else _empty())
            store = self.location.store
            if cached and cached[1] and isinstance(store, LocalStore) and not store.folders:
                store.folders = orjson.loads(cached[1])
        return self._tables

    def load(self, progress: Progress | None = None, keep: bool = True) -> SourceData:
        """What the source holds now. `keep=False` for a single read (a command): the reader then
        keeps nothing for a next load, which would start from the disk cache."""
        tables = self._warm()
        todo, gone, listed, skipped = self._list(progress)
        failed: dict[str, StoreError] = {}
        changed = len(todo)
        if todo or gone:
            batch = self._parse(todo, failed, progress)
            drop = {i.key for i in todo} | gone
            del todo  # an entry a changed file: 120 MB on a first read of a million answers
            self._tables = None  # merged in place: read from the disk cache again should it fail
            tables = _merge(tables, drop, batch.tables())
            store = self.location.store
            self._disk.save(tables, orjson.dumps(store.folders) if isinstance(store, LocalStore) else None)
            if keep:
                self._keep(tables)
        elif progress:
            progress("fetch", listed, listed)
        self._kinds.clear()  # needed from listing to parsing only; a later load classifies its own
        if not keep:
            self._forget()
        return self._source_data(tables, skipped, failed, parsed=changed - len(failed), cached=listed - changed)

    def _forget(self) -> None:
        """Drop what only a later load of this reader would use (the disk cache has it all), before
        the frames are made: a million answers' versions and folders are 230 MB."""
        self._tables, self._versions = None, {}
        if isinstance(self.location.store, LocalStore):
            self.location.store.folders = {}

    def _parse(self, todo: list, failed: dict[str, StoreError], progress: Progress | None) -> Batch:
        """The rows of every file in `todo`, each added as it arrives so its parsed form is freed at
        once. The cyclic garbage collector is paused meanwhile: the parse allocates millions of
        objects and frees none in cycles, and its passes over them were a third of the time."""
        batch, fallback = Batch(), self._fallback_name()
        versions = {info.key: info.version for info in todo}
        step = (lambda d, t: progress("fetch", d, t)) if progress else None
        collecting = gc.isenabled()
        gc.disable()
        try:
            for key, value in self._fetcher.each(todo, step):
                if isinstance(value, StoreError):  # not kept: the next load tries it again
                    failed[key] = value
                    continue
                kind = self._kind(key)
                batch.add(key, versions[key], kind, job_name(kind.root, fallback), value)
        finally:
            if collecting:
                gc.enable()
        return batch

    def _prefix(self) -> str:
        """What a key is appended to for its URI: both stores name an object `<root>/<key>`."""
        store = self.location.store
        probe = "k/ey"
        prefix = store.uri_of(probe)[: -len(probe)]
        if store.uri_of(probe) != prefix + probe:  # a new kind of store must name objects <root>/<key>
            raise TypeError(f"{type(store).__name__}: an object's URI is not its store's root and its key")
        return prefix

    def _source_data(self, tables, skipped: list[Skipped], failed: dict[str, StoreError], parsed: int,
                     cached: int) -> SourceData:
        store = self.location.store
        notes = [(key, kind, text) for key, kind, text in zip(
            tables["notes"]["key"].to_pylist(), tables["notes"]["kind"].to_pylist(),
            tables["notes"]["text"].to_pylist(), strict=True)]
        notes += [(key, "failed", str(exc)) for key, exc in failed.items()]
        notes.sort(key=lambda note: note[0])  # stable: a file's notes keep their order
        unread, suspect = [], []
        for key, kind, text in notes:
            uri = store.uri_of(key)
            if kind == "suspect":
                suspect.append(Skipped(uri, text))
                continue
            skipped.append(Skipped(uri, text))
            if kind in ("unread", "failed"):
                unread.append(Skipped(uri, text.removeprefix(f"cannot read {uri}: ")))
        files = tables["files"]
        read = files.filter(pc.invert(files["error"]))
        answers = tables["answers"].rename_columns({"key": "file"}).select(ANSWER_COLUMNS)
        frames = {name: _frame(tables[name].drop_columns(["key"]))
                  for name in ("labels", "objects", "consolidations", "auto_labels")}
        return SourceData(
            uri=self.location.uri,
            jobs=sorted(set(read["job"].to_pylist())),
            answers=_frame(answers, categories=_DESCRIPTIVE),
            skipped=skipped,
            suspect=suspect,
            files=read.num_rows,
            unread=unread,
            parsed=parsed,
            cached=cached,
            file_prefix=self._prefix(),
            **frames,
        )
