"""Parallel fetching of many small objects, cached by key and version.

A refresh lists the prefix again and fetches only keys that are new or whose version (ETag, or
size+mtime for files) changed; unchanged objects cost no request at all.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor, as_completed
from typing import Generic, TypeVar

from ..aws import MAX_POOL
from .base import ObjectInfo, Store, StoreError

T = TypeVar("T")
Progress = Callable[[int, int], None]


def _raw(key: str, data: bytes) -> bytes:
    return data


class Fetcher(Generic[T]):
    """Fetch objects of one store and keep `parse(key, data)` of each, keyed by (key, version).

    `parse` runs in the worker threads, so the parsing cost is spread too. A failed GET is returned
    as a StoreError in place of the value and is not cached, so the next refresh tries it again.
    """

    def __init__(self, store: Store, parse: Callable[[str, bytes], T] = _raw, threads: int = MAX_POOL,
                 keep: bool = True):
        self.store = store
        self._parse = parse
        self._threads = threads
        self._keep = keep  # False when the caller keeps the results itself (core.ingest's cache)
        self._cache: dict[str, tuple[str, T]] = {}
        self._lock = threading.Lock()
        self.gets = 0  # GET requests issued (failed ones too), over the fetcher's life

    def _load(self, info: ObjectInfo) -> T:
        with self._lock:
            self.gets += 1
        value = self.value_of(info.key, self.store.get(info.key))
        if isinstance(value, StoreError):
            raise value
        if self._keep:
            with self._lock:
                self._cache[info.key] = (info.version, value)
        return value

    def value_of(self, key: str, data: bytes) -> T | StoreError:
        """`parse(key, data)`; or, where the parser fails, why: a parser bug must cost one file,
        never the whole fetch."""
        try:
            return self._parse(key, data)
        except Exception as exc:
            return StoreError(f"cannot read {self.store.uri_of(key)}: {type(exc).__name__}: {exc}")

    def fetch(self, infos: Iterable[ObjectInfo], progress: Progress | None = None) -> dict[str, T | StoreError]:
        return dict(self.each(infos, progress))

    def each(self, infos: Iterable[ObjectInfo], progress: Progress | None = None
             ) -> Iterator[tuple[str, T | StoreError]]:
        """(key, value) of every object, as each arrives: a caller that keeps only what it needs of
        a value never holds all of them at once."""
        infos = list(infos)
        todo = []
        for info in infos:
            hit = self._cache.get(info.key)
            if hit is not None and hit[0] == info.version:
                yield info.key, hit[1]
            else:
                todo.append(info)
        done, total = len(infos) - len(todo), len(infos)
        if progress:
            progress(done, total)
        if not todo:
            return
        for key, value in self._sequential(todo) if self._threads == 1 else self._parallel(todo):
            yield key, value
            done += 1
            if progress and (done == total or done % 200 == 0):
                progress(done, total)

    def _sequential(self, todo: list[ObjectInfo]) -> Iterator[tuple[str, T | StoreError]]:
        """Local files: plain reads, no thread hand-off per file."""
        for info in todo:
            try:
                yield info.key, self._load(info)
            except StoreError as exc:
                yield info.key, exc

    def _parallel(self, todo: list[ObjectInfo]) -> Iterator[tuple[str, T | StoreError]]:
        with ThreadPoolExecutor(max_workers=min(self._threads, len(todo))) as pool:
            futures = {pool.submit(self._load, info): info.key for info in todo}
            for future in as_completed(futures):
                try:
                    yield futures[future], future.result()
                except StoreError as exc:
                    yield futures[future], exc

    def forget_missing(self, keys: Iterable[str]) -> None:
        """Drop cached objects that are no longer listed (deleted in the store)."""
        keep = set(keys)
        with self._lock:
            for key in [k for k in self._cache if k not in keep]:
                del self._cache[key]
