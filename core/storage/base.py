"""The object-store interface shared by S3 and a local folder that stands for a bucket."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import NamedTuple, Protocol

from ..errors import GroundControlError


class StoreError(GroundControlError):
    """A store could not be read or written; the message is safe to show to a user."""


class ObjectExists(StoreError):
    """A write was refused because an object already sits at that key."""


class ObjectInfo(NamedTuple):  # a named tuple: one is made per listed object, millions per listing
    """One listed object. `version` changes whenever the content does (ETag, or size+mtime)."""

    key: str
    size: int
    version: str


OnSkip = Callable[[str, str], None]  # (key, reason): listed, but no object to read


class Store(Protocol):
    """What the app needs of a bucket. Keys are '/'-separated and relative to the store root."""

    uri: str  # the root, for messages: 's3://bucket' or '/abs/folder'

    def list(self, prefix: str = "", on_skip: OnSkip | None = None) -> Iterator[ObjectInfo]:
        """Every object whose key starts with `prefix`, all pages. Entries that are there but are no
        object to read (a FIFO or a broken link in a folder) are never yielded: `on_skip(key,
        reason)` hears of each."""
        ...

    def get(self, key: str) -> bytes: ...

    def put(self, key: str, data: bytes, *, overwrite: bool = False) -> None:
        """Write `data`; raise ObjectExists instead of replacing an object unless `overwrite`."""
        ...

    def exists(self, key: str) -> bool: ...

    def uri_of(self, key: str) -> str:
        """The URI a user would type for `key` (s3://bucket/key or a path)."""
        ...
