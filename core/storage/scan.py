"""What changed in a local folder since its last listing, found with one stat per folder and file.

A refresh of a million answers lists 333,000 folders of one file each. Walking them again (open,
read and close every folder) cost five seconds of system time before any Python ran; so the last
listing is kept, in columns, and a refresh stats every folder and file it saw:
- a folder whose mtime is unchanged had no entry added, removed or renamed, so it is not read;
- a file whose size and mtime are unchanged is unchanged (its version, as `LocalStore.list` says);
- only changed folders are read again, for their new entries, and new subfolders walked whole.
The stats run in C (pyarrow's file system) on a few threads, so no Python runs per entry unless it
changed.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from .base import ObjectInfo, OnSkip, StoreError

SPECIAL = -1  # the size of a listed entry that is no file to read (a FIFO, a broken link): stat it each time
GONE = -1  # the mtime of a path with nothing there

FOLDERS = pa.schema([("rel", pa.large_string()), ("mtime_ns", pa.int64())])
FILES = pa.schema([("key", pa.large_string()), ("size", pa.int64()), ("mtime_ns", pa.int64())])

# Coarse file systems stamp mtimes in (up to) 2-second steps: a folder changed in the same tick as
# the last listing could look unchanged, so a folder this recent is always read again.
SETTLE_NS = 2_000_000_000
_THREADS = max(1, min(4, os.cpu_count() or 1))
_CHUNK = 65_536  # rows of a walk's listing held as Python objects before they become Arrow columns (Seen)


@dataclass
class Listing:
    """What one listing of a local folder saw: its folders (relative path, no trailing "/"; "" is
    the store's root) and its entries (key, size, mtime), a few bytes each."""

    prefix: str
    folders: pa.Table
    files: pa.Table

    @classmethod
    def empty(cls, prefix: str) -> Listing:
        return cls(prefix, FOLDERS.empty_table(), FILES.empty_table())

    def without(self, keys: set[str]) -> Listing:
        """This listing with `keys` forgotten and their folders marked changed, so the next scan
        reads those folders and finds the keys new (a file that could not be read is read again)."""
        if not keys:
            return self
        drop = pc.is_in(self.files["key"], value_set=pa.array(sorted(keys), pa.large_string()))
        stale = pc.is_in(self.folders["rel"], value_set=pa.array(sorted({k.rpartition("/")[0] for k in keys}),
                                                                   pa.large_string()))
        folders = self.folders.set_column(1, "mtime_ns", pc.if_else(stale, pa.scalar(-1, pa.int64()),
                                                                    self.folders["mtime_ns"]))
        return Listing(self.prefix, folders, self.files.filter(pc.invert(drop)))


@dataclass
class Scan:
    """A listing and what it found since the previous one."""

    listing: Listing
    changed: list[ObjectInfo] = field(default_factory=list)  # new or changed regular files
    gone: list[str] = field(default_factory=list)  # keys the previous listing had and this one has not
    folders_read: int = 0  # folders opened (all of them on a first listing)


class Seen:
    """Collects a walk's folders and entries as plain lists, made into columns every _CHUNK rows: a
    million answers' walk held its 333,000 keys and folders as Python objects (130 MB) until the end."""

    def __init__(self) -> None:
        self.rels: list[str] = []
        self.folder_mtimes: list[int] = []
        self.keys: list[str] = []
        self.sizes: list[int] = []
        self.mtimes: list[int] = []
        self._folders: list[pa.Table] = []
        self._files: list[pa.Table] = []

    @property
    def folders_read(self) -> int:
        return sum(chunk.num_rows for chunk in self._folders) + len(self.rels)

    def folder(self, rel: str, mtime_ns: int) -> None:
        self.rels.append(rel)
        self.folder_mtimes.append(mtime_ns)
        if len(self.rels) >= _CHUNK:
            self._flush()

    def entry(self, key: str, size: int, mtime_ns: int) -> None:
        self.keys.append(key)
        self.sizes.append(size)
        self.mtimes.append(mtime_ns)
        if len(self.keys) >= _CHUNK:
            self._flush()

    def _flush(self) -> None:
        self._folders.append(pa.table([pa.array(self.rels, pa.large_string()),
                                       pa.array(self.folder_mtimes, pa.int64())], schema=FOLDERS))
        self._files.append(pa.table([pa.array(self.keys, pa.large_string()), pa.array(self.sizes, pa.int64()),
                                     pa.array(self.mtimes, pa.int64())], schema=FILES))
        self.rels, self.folder_mtimes, self.keys, self.sizes, self.mtimes = [], [], [], [], []

    def tables(self) -> tuple[pa.Table, pa.Table]:
        self._flush()
        return (pa.concat_tables(self._folders).combine_chunks(), pa.concat_tables(self._files).combine_chunks())


def stat_many(root: str, rels: pa.ChunkedArray) -> tuple[np.ndarray, np.ndarray]:
    """(size, mtime_ns) of `root/<rel>` for each relative path, links followed: size SPECIAL when
    it is no regular file (a folder, a FIFO), mtime GONE when nothing is there (or a broken link).
    pyarrow's stats release the GIL, so a few threads share the work; each makes its paths a slice
    at a time (333,000 paths as Python strings were 150 MB). Only `size` and `mtime_ns` are read
    back: asking each FileInfo its type cost as much again."""
    import pyarrow.fs as pafs  # here: only a refresh stats, and a first read is spared its import (10 ms)

    n = len(rels)
    sizes, mtimes = np.empty(n, np.int64), np.empty(n, np.int64)
    fs = pafs.LocalFileSystem()

    def part(start: int) -> None:
        infos = fs.get_file_info(_paths(root, rels.slice(start, _SLICE)))
        end = start + len(infos)
        sizes[start:end] = pa.array([i.size for i in infos], pa.int64()).fill_null(SPECIAL).to_numpy()
        mtimes[start:end] = pa.array([i.mtime_ns for i in infos], pa.int64()).fill_null(GONE).to_numpy()

    with ThreadPoolExecutor(_THREADS) as pool:
        list(pool.map(part, range(0, n, _SLICE)))
    return sizes, mtimes


_SLICE = 16_384


def _paths(root: str, column: pa.ChunkedArray) -> list[str]:
    """`root/<rel>` for each relative path ("" is the root itself)."""
    whole = pa.scalar(root, pa.large_string())
    joined = pc.binary_join_element_wise(whole, column, pa.scalar("/", pa.large_string()))
    return pc.if_else(pc.equal(column, ""), whole, joined).to_pylist()


def first(store, prefix: str, on_skip: OnSkip | None) -> Scan:
    """A whole walk: every file is new."""
    seen = Seen()
    infos = list(store.walk(prefix, on_skip, seen))
    folders, files = seen.tables()
    return Scan(Listing(prefix, folders, files), changed=infos, folders_read=seen.folders_read)


class Reading:
    """A first walk (every file is new) that reads the files `read(key)` asks for as it finds them
    (LocalStore.walk_reading): iterate it for each one's (info, bytes or why they could not be
    read). Its listing is whole once it has been iterated to the end."""

    def __init__(self, store, prefix: str, on_skip: OnSkip | None, read: Callable[[str], bool]):
        self.prefix = prefix
        self._seen = Seen()
        self._walk = store.walk_reading(prefix, on_skip, self._seen, read)  # a root gone is an error now

    def __iter__(self) -> Iterator[tuple[ObjectInfo, bytes | StoreError]]:
        return ((info, data) for info, data in self._walk if data is not None)

    @property
    def listing(self) -> Listing:
        folders, files = self._seen.tables()
        return Listing(self.prefix, folders, files)


def walks_whole(previous: Listing | None, prefix: str) -> bool:
    """Whether a scan of `prefix` walks the whole folder: no listing of that prefix to compare with."""
    return previous is None or previous.prefix != prefix


def scan(store, prefix: str, on_skip: OnSkip | None, previous: Listing | None) -> Scan:
    """What `store` (a LocalStore) holds under `prefix` now, against `previous`, a listing of the
    same prefix (None: everything is new)."""
    if walks_whole(previous, prefix) or not store.root.is_dir():
        return first(store, prefix, on_skip)  # a root gone is an error there, not every file gone
    now = time.time_ns()
    rels = previous.folders["rel"]
    sizes, mtimes = stat_many(store.root_path, rels)
    folder = (mtimes != GONE) & (sizes == SPECIAL)  # there, and no regular file
    still = folder & (mtimes == previous.folders["mtime_ns"].to_numpy()) & (now - mtimes > SETTLE_NS)
    reread = np.flatnonzero(folder & ~still)  # the rest are gone: their entries stat as gone
    out = Scan(previous)
    entries = _Entries(store, previous.files, on_skip, out)
    seen = Seen()
    if len(reread):
        _read_again(store, prefix, on_skip, rels.take(pa.array(reread)).to_pylist(), mtimes[reread], previous,
                    seen, out)
    out.folders_read = seen.folders_read
    new_folders, new_files = seen.tables()
    out.listing = Listing(prefix, pa.concat_tables([previous.folders.filter(pa.array(still)), new_folders]),
                          pa.concat_tables([entries.kept(), new_files]))
    return out


def _read_again(store, prefix: str, on_skip: OnSkip | None, rels: list[str], mtimes: np.ndarray,
                previous: Listing, seen: Seen, out: Scan) -> None:
    """Read the changed folders `rels` for entries and subfolders the previous listing had not;
    new subfolders are walked whole. Entries it had are checked by their stats already."""
    keys, subs = [], []
    for rel, mtime in zip(rels, mtimes, strict=True):
        seen.folder(rel, int(mtime))
        names, folders = store.entries(store.path_of(rel))
        base = f"{rel}/" if rel else ""
        keys += [key for key in (base + name for name in names) if key.startswith(prefix)]
        subs += [base + name for name in folders]
    for key in _not_in(keys, previous.files["key"]):
        info = store.info(store.path_of(key), key, on_skip)
        if info is not None:
            seen.entry(key, info.size, int(info.version.rsplit("-", 1)[1]))
            out.changed.append(info)
        elif os.path.lexists(store.path_of(key)):
            seen.entry(key, SPECIAL, 0)
    for rel in _not_in(subs, previous.folders["rel"]):
        if f"{rel}/".startswith(prefix) or prefix.startswith(f"{rel}/"):
            out.changed += store.walk_folder(rel, prefix, on_skip, seen)


def _not_in(values: list[str], known: pa.ChunkedArray) -> list[str]:
    if not values:
        return []
    found = pc.is_in(pa.array(values, pa.large_string()), value_set=known.combine_chunks()).to_numpy(
        zero_copy_only=False)
    return [value for value, hit in zip(values, found, strict=True) if not hit]


class _Entries:
    """The previous listing's entries, checked in bulk: unchanged, changed, gone, or still no file."""

    def __init__(self, store, files: pa.Table, on_skip: OnSkip | None, out: Scan):
        self.store, self.on_skip, self.out = store, on_skip, out
        self.keys = files["key"]
        sizes, mtimes = stat_many(store.root_path, self.keys)
        regular = sizes != SPECIAL
        same = regular & (sizes == files["size"].to_numpy()) & (mtimes == files["mtime_ns"].to_numpy())
        self.sizes, self.mtimes = sizes, mtimes
        self.keep = np.ones(len(sizes), bool)
        for i in np.flatnonzero(regular & ~same):
            size, mtime = int(sizes[i]), int(mtimes[i])
            out.changed.append(ObjectInfo(self.keys[int(i)].as_py(), size, f"{size}-{mtime}"))
        for i in np.flatnonzero(~regular):
            self._odd(int(i))

    def _odd(self, i: int) -> None:
        """Not a regular file now: gone, or still there and reported to on_skip again (each
        listing reports the FIFOs and broken links it meets)."""
        key = self.keys[i].as_py()
        path = self.store.path_of(key)
        info = self.store.info(path, key, self.on_skip)
        if info is not None:  # a regular file after all (replaced between the stats)
            self.sizes[i], self.mtimes[i] = info.size, int(info.version.rsplit("-", 1)[1])
            self.out.changed.append(info)
        elif os.path.lexists(path):
            self.sizes[i] = SPECIAL
        else:
            self.keep[i] = False
            self.out.gone.append(key)

    def kept(self) -> pa.Table:
        table = pa.table([self.keys, pa.array(self.sizes), pa.array(self.mtimes)], schema=FILES)
        return table.filter(pa.array(self.keep))


def in_walk_order(listing: Listing) -> list[ObjectInfo]:
    """The listing's regular files as `LocalStore.walk` yields them: each folder's files in name
    order, then its subfolders in name order. A refreshed listing has its new files at the end, so
    they are put in place by a sort key in which a file sorts before its folder's subfolders: its
    name starts with \x00, and each / becomes \x01 (below any character of a name)."""
    files = listing.files.filter(pc.not_equal(listing.files["size"], SPECIAL))
    marked = pc.replace_substring_regex(files["key"], r"([^/]*)$", "\x00\\1")
    files = files.take(pc.sort_indices(pc.replace_substring(marked, "/", "\x01")))
    return [ObjectInfo(key, size, f"{size}-{mtime}") for key, size, mtime in zip(
        files["key"].to_pylist(), files["size"].to_pylist(), files["mtime_ns"].to_pylist(), strict=True)]
