"""Every annotation under a source, read once: what was parsed is kept in memory and on disk
(core.annotations.cache) keyed by each file's key and version, so a load after a restart, or a
refresh with nothing new, parses no file, and a refresh parses only new or changed files.

The order of work is read_source's (core.annotations.source): output manifests first (they name
each job and its task type), then worker responses read as that task type, then the video label
files and masks the manifests point to (few; fetched on every load, not cached). What depends on
every manifest together (whose job a carried-over label is, each job's task type) is decided on
each load from what each file's parse recorded, so a cached file never holds a stale decision.
"""

from __future__ import annotations

import posixpath
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc

from ..aws import MAX_POOL
from ..gt.errors import BadFile, Skipped
from ..gt.layout import classify, is_apple_double, job_name
from ..ingest.reader import source_identity
from ..storage import Fetcher, Location, ObjectInfo, StoreError
from ..storage.local import LocalStore
from ..storage.scan import Listing, in_walk_order
from ..workspace import cache_dir
from .cache import EXTRAS, FILES, AnnotationCache, Stored, add_extra, extras_of
from .columns import RowTable
from .model import Annotations
from .parsed import Parsed, parse_manifest, parse_response
from .source import Progress, SourceAnnotations, _read_sequences, _Resolver, with_mask_areas
from .unchanged import Unchanged, unchanged_files


class AnnotationReader:
    """`load()` reads the source; `cache_root` None keeps nothing on disk (a single read)."""

    def __init__(self, location: Location, cache_root: Path | None = None, disk: bool = True):
        self.location = location
        root = cache_root or cache_dir() / "annotations"
        self._disk = AnnotationCache(root, source_identity(location)) if disk else None
        self._stored: Stored | None = None
        self._listing: tuple[pa.Table, pa.Table] | None = None  # a local folder's last (core.storage.scan)
        self.parsed = self.cached = 0  # files parsed by the last load, and taken from the cache

    def _list(self, old: Stored, unread: list[Skipped], progress: Progress | None,
              quick_ok: bool = True) -> list[ObjectInfo] | Unchanged:
        """Every file under the location, in the store's listing order. A local folder is listed by
        a stat of what its last listing held (core.storage.scan), not walked again; when nothing in
        it changed since the cache was saved, only the few files a load still reads (Unchanged)."""
        store = self.location.store
        on_skip = lambda key, why: unread.append(Skipped(store.uri_of(key), why))  # noqa: E731
        if isinstance(store, LocalStore):
            if progress:
                progress("list", 0, 0)
            previous = Listing(self.location.prefix, *old.listing) if old.listing else None
            found = store.scan(self.location.prefix, on_skip, previous)
            unchanged = previous is not None and not found.changed and not found.gone and not found.folders_read
            self._listing = old.listing if unchanged else (found.listing.folders, found.listing.files)
            quick = unchanged_files(old, found.listing) if unchanged and quick_ok else None
            return quick if quick is not None else in_walk_order(found.listing)
        listed: list[ObjectInfo] = []
        for info in store.list(self.location.prefix, on_skip):
            listed.append(info)
            if progress and len(listed) % 1000 == 0:
                progress("list", len(listed), 0)
        return listed

    def _fallback(self) -> str:
        return posixpath.basename(self.location.prefix.rstrip("/")) or self.location.uri

    def load(self, progress: Progress | None = None) -> SourceAnnotations:
        """The annotations table of every job under the location; files and units that cannot be
        read are listed with where and why, never dropped silently. Raises StoreError when the
        source itself cannot be listed."""
        try:
            return self._load(progress, quick_ok=True)
        except _Stale:  # an unchanged folder with a file to parse after all: a full load, then
            return self._load(progress, quick_ok=False)

    def _load(self, progress: Progress | None, quick_ok: bool) -> SourceAnnotations:
        store, fallback = self.location.store, self._fallback()
        unread: list[Skipped] = []
        old = self._stored or (self._disk.load() if self._disk else None) or Stored.empty()
        listed = self._list(old, unread, progress, quick_ok)
        quick = listed if isinstance(listed, Unchanged) else None
        if quick is not None:
            kinds, manifests, responses = quick.kinds, quick.manifests, quick.responses
        else:
            kinds = {info.key: classify(info.key) for info in listed if not is_apple_double(info.key)}
            manifests = [i for i in listed if kinds.get(i.key) and kinds[i.key].kind == "manifest"]
            responses = [i for i in listed if kinds.get(i.key) and kinds[i.key].kind == "response"]
        looked_up = old.files if quick is None else _of_keys(old.files, [i.key for i in manifests + responses])
        versions = zip(looked_up["version"].to_pylist(), looked_up["context"].to_pylist(), strict=True)
        known = dict(zip(looked_up["key"].to_pylist(), versions, strict=True))
        batch = _Batch(old, looked_up)
        step = (lambda what: (lambda d, t: progress(what, d, t))) if progress else (lambda what: None)
        threads = 1 if isinstance(store, LocalStore) else MAX_POOL

        def each(infos, context: dict[str, str], parse, what):
            """(info, Parsed | BadFile | StoreError, parsed now) in listing order."""
            todo = [i for i in infos if known.get(i.key) != (i.version, context[i.key])]
            if todo and quick is not None:
                raise _Stale
            fetched = dict(Fetcher(store, parse, threads, keep=False).each(todo, step(what))) if todo else {}
            for info in infos:
                new = info.key in fetched
                yield info, fetched[info.key] if new else batch.cached(info.key), new

        def folder_job(info) -> str:
            return job_name(kinds[info.key].root, fallback)

        def read_manifest(key: str, data: bytes):
            try:
                return parse_manifest(data, folder_job_of[key], store.uri_of(key))
            except BadFile as exc:
                return exc

        folder_job_of = {i.key: folder_job(i) for i in manifests}
        jobs: dict[str, str] = {}  # job root -> the job's name
        read: list[tuple[str, Parsed]] = []  # (the manifest's own job, its parse)
        for info, value, new in each(manifests, folder_job_of, read_manifest, "manifests"):
            if batch.record(info, folder_job_of[info.key], value, new, unread, store):
                root = kinds[info.key].root
                jobs[root] = _own_job(folder_job_of[info.key], value.jobs)
                read.append((jobs[root], value))
        own = {job for job, _ in read}
        types: dict[str, str] = {}
        for job, found in read:  # each job's first consolidated row's task type, as task_types() says
            for named, task in zip(found.jobs, found.types, strict=True):
                if task is not None and (named == job or named not in own):
                    types.setdefault(named, task)

        def response_job(info) -> str:
            return jobs.get(kinds[info.key].root) or job_name(kinds[info.key].root, fallback)

        def read_response(key: str, data: bytes):
            kind, job = kinds[key], response_job_of[key]
            try:
                return parse_response(data, job, kind.object_id, store.uri_of(key), types.get(job))
            except BadFile as exc:
                return exc

        response_job_of = {i.key: response_job(i) for i in responses}
        # What a worker response's rows depend on besides its bytes: its job and the job's task type.
        context = {key: f"{job}\x1f{types.get(job) or ''}" for key, job in response_job_of.items()}
        answered: list[Parsed] = []
        for info, value, new in each(responses, context, read_response, "answers"):
            if batch.record(info, context[info.key], value, new, unread, store) and value is not _NOTHING:
                answered.append(value)

        if quick is None:
            table, files = self._keep(old, batch, manifests, responses), len(manifests) + len(responses)
        else:  # the cache as it was saved, in the order that load put its rows
            self._stored, table, files = old, old.rows, quick.files
            self.parsed, self.cached = 0, quick.files
        table = _own_rows(table, {key: job for key, job in zip(
            [i.key for i in manifests], [jobs.get(kinds[i.key].root) for i in manifests], strict=True)}, own)
        out = Annotations()
        gold: dict[tuple[str, str], str] = {}  # (the manifest's own job, line) -> a gold line's label
        for job, found in read:  # a carried-over video label is read only where its own job is not here
            out.notes += found.notes
            out.sequences += [s for s in found.sequences if s.template.job == job or s.template.job not in own]
            out.texts |= found.texts
            gold |= {(job, object_id): label for object_id, label in found.gold.items()}
        for found in answered:
            out.notes += found.notes
            out.masks += found.masks
        resolver = _Resolver(store, (lambda: quick.listed["key"].to_pylist()) if quick else (i.key for i in listed))
        _read_sequences(out, resolver, store)
        videos = RowTable()
        videos.add_rows("", out.rows)
        table = pa.concat_tables([table, videos.table()]) if out.rows else table
        table = with_mask_areas(table, out, resolver, store)
        return SourceAnnotations(self.location.uri, table, out.masks, out.texts, out.notes, unread,
                                 files=files - len(unread), gold=gold)

    def _keep(self, old: Stored, batch: _Batch, manifests: list[ObjectInfo], responses: list[ObjectInfo]) -> pa.Table:
        """What this load read, saved for the next one; its rows in listing order."""
        self._stored = batch.stored()
        self._stored.listing = self._listing
        if self._disk and (batch.changed or self._listing is not old.listing):
            self._disk.save(self._stored)
        self.parsed, self.cached = batch.parsed, batch.reused
        order = [i.key for i in manifests] + [i.key for i in responses]
        table = _in_order(self._stored.rows, order)
        if table is not self._stored.rows:  # kept in this order, so the next load need not move rows
            self._stored.rows = table
            if self._disk:
                self._disk.save(self._stored)
        return table


def _own_job(folder: str, named: list[str]) -> str:
    """The job a manifest is the output of: its folder's name when a label says so (AWS names the
    folder after the job, §1), else the one job its labels name (a copy in a renamed folder, as
    the 2019 birds export); with several and none the folder's, the folder's name."""
    return folder if folder in named or len(named) != 1 else named[0]


def _in_order(rows: pa.Table, order: list[str]) -> pa.Table:
    """The rows of the files in `order`, file by file (a file's rows keep their order)."""
    position = pc.index_in(rows["key"], value_set=pa.array(order, pa.large_string()))
    if position.null_count:  # rows of a file not in `order` (none, as the reader calls it): a copy only then
        rows = rows.filter(pc.is_valid(position))
        position = position.filter(pc.is_valid(position))
    if len(position) < 2 or pc.all(pc.greater_equal(position[1:], position[:-1])).as_py():
        return rows  # a first read, or nothing changed: in order already
    return rows.take(pc.sort_indices(position))  # Arrow's sort is stable


def _own_rows(rows: pa.Table, own_of: dict[str, str | None], own: set[str]) -> pa.Table:
    """A manifest's rows, but a label a later job's manifest carries over from an earlier job (a
    chained or audit job's input keeps it, §8) only when that earlier job's own manifest is not in
    the source: one consolidated label per object, not one per copy."""
    carried = [(key, job) for key, job in own_of.items() if job is not None]
    if not carried or rows.num_rows == 0:
        return rows
    keys = pa.array([k for k, _ in carried], pa.large_string())
    at = pc.index_in(rows["key"], value_set=keys)  # null: a worker response's row
    job_of_row = pc.take(pa.array([j for _, j in carried], pa.large_string()), at)
    others = pc.is_in(rows["job"], value_set=pa.array(sorted(own), pa.large_string()))
    dropped = pc.and_(pc.and_(pc.is_valid(at), pc.not_equal(rows["job"], job_of_row)), others)
    return rows if not pc.any(dropped).as_py() else rows.filter(pc.invert(pc.fill_null(dropped, False)))


_NOTHING = Parsed()  # a cached file with nothing but rows; shared, never changed


class _Stale(Exception):
    """A file of an Unchanged load is not as its cache entry says (read by other code)."""


def _of_keys(files: pa.Table, keys: list[str]) -> pa.Table:
    return files.filter(pc.is_in(files["key"], value_set=pa.array(keys, pa.large_string())))


class _Batch:
    """The cached tables of the last load and what this load parsed: files, rows and extras of
    each current file, cached or new, for the next load. `looked_up`: the cached files this load
    may ask for (all of old.files, or the few an Unchanged load reads)."""

    def __init__(self, old: Stored, looked_up: pa.Table):
        self.old = old
        self._extras: dict[str, list] | None = None
        self._files = {key: i for i, key in enumerate(looked_up["key"].to_pylist())}
        # As Python lists once: a scalar taken from an Arrow column per file cost seconds at 300,000 files.
        self._bad = looked_up["bad"].to_pylist()
        self._jobs, self._types = looked_up["jobs"].to_pylist(), looked_up["types"].to_pylist()
        self.kept: list[str] = []
        self.rows = RowTable()
        self.files: list[tuple] = []
        self.extras: list[tuple] = []
        self.parsed = self.reused = 0

    def cached(self, key: str) -> Parsed | BadFile:
        """A cached file as its parse: its extras (rows stay in the table), or its BadFile."""
        if self._extras is None:  # grouped once, on the first cached file
            self._extras = {}
            for row in zip(*(self.old.extras[c].to_pylist() for c in EXTRAS.names), strict=True):
                self._extras.setdefault(row[0], []).append(row[1:])
        i = self._files[key]
        if self._bad[i] is not None:
            return BadFile(self._bad[i])
        extras = self._extras.get(key)
        if extras is None and not self._jobs[i]:  # None, or [] as a worker response's is stored
            return _NOTHING  # most worker responses: all they hold is in the rows table
        parsed = Parsed(jobs=self._jobs[i] or [], types=self._types[i] or [])
        for kind, data, blob in extras or ():
            add_extra(parsed, kind, data, blob)
        return parsed

    def record(self, info: ObjectInfo, context: str, value, new: bool, unread: list[Skipped], store) -> bool:
        """Keep `value` (cached, or `new`ly parsed) for the next load; True when it is a parse to use.
        A bad file is reported whether it was parsed now or is known bad from the cache."""
        if isinstance(value, StoreError):  # not kept: the next load tries it again
            unread.append(Skipped(store.uri_of(info.key), str(value)))
            return False
        if isinstance(value, BadFile):
            unread.append(Skipped(store.uri_of(info.key), str(value)))
        if not new:
            self.kept.append(info.key)
            self.reused += 1
            return not isinstance(value, BadFile)
        self.parsed += 1
        if isinstance(value, BadFile):
            self.files.append((info.key, info.version, context, str(value), None, None))
            return False
        self.files.append((info.key, info.version, context, None, value.jobs, value.types))
        for values in value.rows:
            self.rows.add(info.key, values)
        value.rows = None  # held once, in the table
        self.extras += extras_of(info.key, value)
        return True

    @property
    def changed(self) -> bool:
        return bool(self.parsed) or len(self.kept) != self.old.files.num_rows

    def stored(self) -> Stored:
        """What the next load starts from: the kept files' cached tables and the new files'."""
        if not self.changed:
            return self.old
        keep = pa.array(self.kept, pa.large_string())
        old = [t.filter(pc.is_in(t["key"], value_set=keep)) for t in (self.old.files, self.old.rows, self.old.extras)]
        new = [pa.table(dict(zip(schema.names, map(list, zip(*rows, strict=True)) if rows else [[]] * len(schema),
                                 strict=True)), schema=schema)
               for schema, rows in ((FILES, self.files), (EXTRAS, self.extras))]
        return Stored(pa.concat_tables([old[0], new[0]]), pa.concat_tables([old[1], self.rows.table()]),
                      pa.concat_tables([old[2], new[1]]))
