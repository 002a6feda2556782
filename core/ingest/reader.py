"""Read every Ground Truth file under a source into tables, skipping and reporting bad files.

I/O stays here; the readers in core.gt are pure. A `SourceReader` keeps what it parsed as Arrow
tables keyed by file and version, in memory and on disk (core.ingest.cache), so `load()` again (a
refresh, or the first load after a restart) parses only new or changed files.
"""

from __future__ import annotations

import posixpath
from collections.abc import Callable, Iterable
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from ..aws import MAX_POOL
from ..gt.errors import Skipped
from ..gt.layout import KeyKind, classify, is_apple_double
from ..storage import Fetcher, Location, StoreError
from ..storage.local import LocalStore
from ..storage.scan import FILES, FOLDERS, Listing, Reading, walks_whole
from ..workspace import cache_dir
from .arrivals import Arrival, parse_arrivals
from .cache import TableCache
from .merge import merge
from .rows import SCHEMAS, Batch, parse
from .snapshot import Snapshot
from .source import ANSWER_COLUMNS, SourceData

Progress = Callable[[str, int, int], None]  # (phase, done, total): list or read (no total yet), or fetch

_ORDER = {"answers": ["key", "answer"], "notes": ["key", "n"]}  # else by key, stable


def _empty() -> dict[str, pa.Table]:
    return {name: schema.empty_table() for name, schema in SCHEMAS.items()}


def source_identity(location: Location) -> str:
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


_APPLE_DOUBLE = "macOS AppleDouble file (._*), not Ground Truth data"


def _saved_listing(prefix: str, tables: dict[str, pa.Table]) -> Listing | None:
    """The listing saved with the tables, if it has the columns this version writes."""
    folders, files = tables.get("folders"), tables.get("files")
    if folders is None or files is None or folders.schema != FOLDERS or files.schema != FILES:
        return None
    return Listing(prefix, folders, files)


def _listing_tables(listing: Listing | None) -> dict[str, pa.Table] | None:
    return None if listing is None else {"folders": listing.folders, "files": listing.files}


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
        self._disk = TableCache(cache_root or cache_dir() / "answers", source_identity(location))
        self._tables: dict[str, pa.Table] | None = None
        self._versions: dict[str, str] = {}  # an S3 source's: key -> ETag of each file in the tables
        self._listing: Listing | None = None  # a local folder's last listing (core.storage.scan)
        # The last load's data, the tables it was made from and the listing's skips: a load that
        # finds nothing new returns it again (see load).
        self._last: tuple[SourceData, dict[str, pa.Table], list[Skipped]] | None = None

    @property
    def gets(self) -> int:
        return self._fetcher.gets

    def _fallback_name(self) -> str:
        path = self.location.prefix.rstrip("/") or self.location.store.uri.rstrip("/")
        return posixpath.basename(path) or self.location.uri

    def _list(self, progress: Progress | None) -> tuple[list, set[str], list[Skipped]]:
        """What a load must parse (new or changed Ground Truth files), which known files are gone,
        and what was listed but is no file to read."""
        if isinstance(self.location.store, LocalStore):
            return self._list_local(progress)
        return self._list_versions(progress)

    def _list_local(self, progress: Progress | None) -> tuple[list, set[str], list[Skipped]]:
        """A local folder: what changed since its last listing, found by a stat of each folder and
        file, with no Python per unchanged file (core.storage.scan)."""
        skipped: list[Skipped] = []
        if progress:
            progress("list", 0, 0)
        found = self.location.store.scan(self.location.prefix, self._skip_into(skipped), self._listing)
        self._listing = found.listing
        todo = [info for info in found.changed if self._wanted(info.key)]
        skipped += self._apple_doubles(found.listing)
        return todo, {key for key in found.gone if classify(key) is not None}, skipped

    def _skip_into(self, skipped: list[Skipped]) -> Callable[[str, str], None]:
        """A listing's on_skip: each listed entry that is no file to read, with why, into `skipped`."""
        uri_of = self.location.store.uri_of
        return lambda key, reason: skipped.append(Skipped(uri_of(key), reason))

    def _apple_doubles(self, listing: Listing) -> list[Skipped]:
        """The listing's AppleDouble files, found in its columns: each load reports them all."""
        keys = listing.files["key"]
        found = keys.filter(pc.match_substring_regex(keys, r"(^|/)\._[^/]*$")).to_pylist()
        return [Skipped(self.location.store.uri_of(key), _APPLE_DOUBLE) for key in found]

    def _list_versions(self, progress: Progress | None) -> tuple[list, set[str], list[Skipped]]:
        """An S3 source: each listed file's ETag against the one it had when read.

        Compared as listed: only the keys of the listing are kept, not an entry per file, and each
        known file's version moves to the new listing's versions as it is seen."""
        store = self.location.store
        skipped: list[Skipped] = []
        # Known files are moved from the old versions to the new as they are listed, so the two
        # never both hold every file; what is left in the old ones at the end is gone.
        todo, versions, fresh = [], self._versions, {}
        self._versions = fresh

        def on_skip(key: str, reason: str) -> None:
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
                    skipped.append(Skipped(store.uri_of(key), _APPLE_DOUBLE))
                else:
                    kind = classify(key)
                    if kind is not None:
                        self._kinds[key] = kind
                        todo.append(info)
        except BaseException:  # a listing cut short forgets no known file: it could not be found gone
            versions.update(fresh)
            self._versions = versions
            raise
        return todo, set(versions), skipped

    def _keep(self, tables: dict[str, pa.Table]) -> None:
        """Hold `tables` as the last load, with each S3 file's version for the next one to compare
        (a local folder compares with its listing instead)."""
        self._tables = tables
        if not isinstance(self.location.store, LocalStore):
            files = tables["files"]
            self._versions = dict(zip(files["key"].to_pylist(), files["version"].to_pylist(), strict=True))

    def _warm(self) -> dict[str, pa.Table]:
        """The last load's tables: in memory, else from the disk cache (with a local folder's saved
        listing), else none."""
        if self._tables is None:
            cached = self._disk.load()
            self._keep(cached[0] if cached else _empty())
            if cached and self._listing is None:
                self._listing = _saved_listing(self.location.prefix, cached[1])
        return self._tables

    def load(self, progress: Progress | None = None, keep: bool = True) -> SourceData:
        """What the source holds now. `keep=False` for a single read (a command): the reader then
        keeps nothing for a next load, which would start from the disk cache."""
        if not keep:
            return self.data(self.snapshot(progress))
        tables = self._warm()
        try:
            tables, failed, changed, skipped = self._update(tables, progress, keep)
        except BaseException:  # the tables and listing held may no longer match: the disk's do
            self._tables, self._listing, self._last = None, None, None
            raise
        listed = tables["files"].num_rows + len(failed)  # every Ground Truth file listed
        self._kinds.clear()  # needed from listing to parsing only; a later load classifies its own
        if self._last is not None and self._last[1] is tables and not failed and self._last[2] == skipped:
            # Nothing new: the same data, so whatever a page computed from it (by identity) stands.
            data = self._last[0]
            data.parsed, data.cached = 0, listed
            return data
        listing_skips = list(skipped)  # _source_data adds the files' own notes to `skipped`
        data = self._source_data(tables, skipped, failed, parsed=changed - len(failed), cached=listed - changed)
        self._last = (data, tables, listing_skips)
        return data

    def snapshot(self, progress: Progress | None = None) -> Snapshot:
        """A single read's tables (a command's): listed, parsed and saved as `load` does, with
        nothing kept for a next load; `data` makes them the frames. Apart, so that a command can
        name what it read (Snapshot.digest) before paying for the frames."""
        tables = self._warm()
        try:
            tables, failed, changed, skipped = self._update(tables, progress, keep=False)
        except BaseException:  # the tables and listing held may no longer match: the disk's do
            self._tables, self._listing, self._last = None, None, None
            raise
        self._kinds.clear()
        self._forget()
        return Snapshot(tables, failed, changed, skipped, self._disk.generation)

    def data(self, snap: Snapshot) -> SourceData:
        """The frames of `snap`, which hands its tables over (it is empty afterwards): held on by a
        caller, they would double what the frames do not share (100 MB at a million answers)."""
        parsed, cached = snap.parsed, snap.cached
        tables = dict(snap.tables)
        snap.tables.clear()
        return self._source_data(tables, list(snap.skipped), snap.failed, parsed=parsed, cached=cached)

    def _update(self, tables: dict[str, pa.Table], progress: Progress | None, keep: bool):
        """`tables` with what changed in the source since they were read: parsed, merged in and
        saved."""
        if self._walks_whole():
            return self._first_walk(tables, progress, keep)
        todo, gone, skipped = self._list(progress)
        failed: dict[str, StoreError] = {}
        changed = len(todo)
        if todo or gone:
            batch = self._parse(self._fetched(todo, progress), failed)
            drop = {i.key for i in todo} | gone
            del todo  # an entry a changed file: 120 MB on a first read of a million answers
            self._tables = None  # merged in place: read from the disk cache again should it fail
            tables = merge(tables, drop, batch.tables(), _ORDER, SCHEMAS)
            if self._listing is not None:  # a file that failed is new to the next listing: read again
                self._listing = self._listing.without(set(failed))
            self._disk.save(tables, _listing_tables(self._listing))
            if keep:
                self._keep(tables)
        elif progress:
            progress("fetch", tables["files"].num_rows, tables["files"].num_rows)
        return tables, failed, changed, skipped

    def _walks_whole(self) -> bool:
        """Whether this load lists a local folder with no listing to compare with: every file is
        new, so each is read where the walk finds it."""
        return isinstance(self.location.store, LocalStore) and walks_whole(self._listing, self.location.prefix)

    def _first_walk(self, tables: dict[str, pa.Table], progress: Progress | None, keep: bool):
        """A local folder's first read: one walk, which reads each Ground Truth file as it finds it
        (core.storage.scan.Reading). What it finds is all there is: it replaces `tables`."""
        skipped: list[Skipped] = []
        if progress:
            progress("list", 0, 0)
        reading = Reading(self.location.store, self.location.prefix, self._skip_into(skipped), self._wanted)
        failed: dict[str, StoreError] = {}
        batch = self._parse(self._walked(reading, progress), failed)
        listing = reading.listing
        skipped += self._apple_doubles(listing)
        self._listing = listing.without(set(failed))  # a file that failed is new to the next listing: read again
        new = batch.tables()
        changed = new["files"].num_rows + len(failed)
        if changed or tables["files"].num_rows:
            self._tables = None
            tables = merge(_empty(), set(), new, _ORDER, SCHEMAS)
            self._disk.save(tables, _listing_tables(self._listing))
            if keep:
                self._keep(tables)
        return tables, failed, changed, skipped

    def _wanted(self, key: str) -> bool:
        """Whether a listed file is Ground Truth's, to be read (its place in the layout noted)."""
        kind = None if is_apple_double(key) else classify(key)
        if kind is not None:
            self._kinds[key] = kind
        return kind is not None

    def _walked(self, reading: Reading, progress: Progress | None):
        """(info, parsed value or why not) of each file the walk read, and how many so far."""
        value_of = self._fetcher.value_of
        for n, (info, data) in enumerate(reading, start=1):
            yield info, data if isinstance(data, StoreError) else value_of(info.key, data)
            if progress and n % 1000 == 0:
                progress("read", n, 0)

    def _fetched(self, todo: list, progress: Progress | None):
        """(info, parsed value or why not) of each file in `todo`, fetched."""
        infos = {info.key: info for info in todo}
        step = (lambda d, t: progress("fetch", d, t)) if progress else None
        return ((infos[key], value) for key, value in self._fetcher.each(todo, step))

    def _forget(self) -> None:
        """Drop what only a later load of this reader would use (the disk cache has it all), before
        the frames are made."""
        self._tables, self._versions, self._listing, self._last = None, {}, None, None

    def _parse(self, arrivals: Iterable[Arrival], failed: dict[str, StoreError]) -> Batch:
        return parse_arrivals(arrivals, self._kinds, self._fallback_name(), self.location.store.uri_of, failed)

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
            jobs=sorted(pc.unique(read["job"].cast(pa.large_string())).to_pylist()),  # not a string a file
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
