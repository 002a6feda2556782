"""A gold file and the label files it names, read from where they are: the I/O around
core.quality.gold's pure reader.

A trusted video job's output manifest names each label's SeqLabel.json by its S3 URI (§3). That
file is looked for as read_source looks for a label's file (core.annotations.source): under the
gold file's own store by the URI's key, or, in a local copy of the bucket, by the longest tail of
the URI's path below the gold file's folder or a folder above it; else at the URI itself.
"""

from __future__ import annotations

from collections.abc import Callable

import pandas as pd

from ..annotations.source import uri_prefix, uri_tails
from ..storage import LocalStore, Location, Store, StoreError
from .gold import read_gold_annotations

OpenUri = Callable[[str], Location]


def read_gold(uri: str, open_uri: OpenUri) -> pd.DataFrame:
    """The gold table of the file at `uri` (S3 or a local path, opened by `open_uri`) with the
    SeqLabel.json files its video labels name. Raises StoreError or GoldError."""
    location = open_uri(uri)
    return read_gold_annotations(uri, location.read(), fetch=LabelFiles(location, open_uri))


class LabelFiles:
    """uri -> the bytes of the label file it names near the gold file at `gold`, or None."""

    def __init__(self, gold: Location, open_uri: OpenUri):
        self.gold = gold
        self.open_uri = open_uri
        self.places = _places(gold)
        self.last: tuple[int, int] | None = None  # (place, tail) that found the previous file: tried first

    def __call__(self, uri: str) -> bytes | None:
        store, prefix = self.gold.store, uri_prefix(self.gold.store)
        if uri.startswith(prefix) and _exists(store, uri[len(prefix):]):
            return _read(store, uri[len(prefix):])
        found = self._copy(uri)
        if found is not None:
            place, key = found
            return _read(self.places[place][0], key)
        try:
            return self.open_uri(uri).read()
        except StoreError:
            return None

    def _copy(self, uri: str) -> tuple[int, str] | None:
        """(place, key) of the URI's file in a local copy of its bucket: the longest tail first."""
        tails = uri_tails(uri)
        tries = [(p, t) for t in range(len(tails)) for p in range(len(self.places))]
        if self.last in tries:  # the files of one job sit side by side: the same place again
            tries.insert(0, self.last)
        for place, tail in tries:
            store, folder = self.places[place]
            if _exists(store, folder + tails[tail]):
                self.last = (place, tail)
                return place, folder + tails[tail]
        return None


def _places(gold: Location) -> list[tuple[Store, str]]:
    """(store, folder) where a copy of a bucket may start: the gold file's folder and each one
    above it in its store, then, for a local file, the folders above the store's own."""
    parts = gold.prefix.split("/")[:-1]
    places = [(gold.store, "".join(f"{p}/" for p in parts[:i])) for i in range(len(parts), -1, -1)]
    if isinstance(gold.store, LocalStore):
        places += [(LocalStore(folder), "") for folder in gold.store.root.parents]
    return places


def _exists(store: Store, key: str) -> bool:
    try:
        return store.exists(key)
    except StoreError:
        return False


def _read(store: Store, key: str) -> bytes | None:
    try:
        return store.get(key)
    except StoreError:
        return None
