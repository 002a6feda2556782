"""Object stores: S3 and a local folder behind one interface, addressed by URI."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from ..aws import AwsSettings
from .base import ObjectExists, ObjectInfo, Store, StoreError
from .fetch import Fetcher
from .local import LocalStore, problem_of

__all__ = [
    "AwsSettings", "Fetcher", "LocalStore", "Location", "ObjectExists", "ObjectInfo",
    "S3Store", "Store", "StoreError", "open_location", "output_location",
]


def __getattr__(name: str):
    # S3Store on first use: its module brings urllib3 and botocore (0.05 s), which a command over a
    # local folder never needs.
    if name == "S3Store":
        from .s3 import S3Store

        return S3Store
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


@dataclass(frozen=True)
class Location:
    """A store and a key prefix inside it: what a source URI names."""

    store: Store
    prefix: str

    @property
    def uri(self) -> str:
        return self.store.uri_of(self.prefix) if self.prefix else self.store.uri

    def read(self) -> bytes:
        """The whole object the location names; a folder is an error, not an empty read."""
        if not self.prefix or self.prefix.endswith("/"):
            raise StoreError(f"{self.uri} is a folder, not a file")
        return self.store.get(self.prefix)


def open_location(uri: str, settings: AwsSettings = AwsSettings()) -> Location:
    """`s3://bucket/prefix` or a local path (a folder, or a file inside one)."""
    uri = uri.strip()
    if not uri:
        raise StoreError("no source given: enter an s3://bucket/prefix URI or a folder path")
    if uri.startswith("s3://"):
        bucket, _, prefix = uri[5:].partition("/")
        if not bucket:
            raise StoreError(f"{uri!r} names no bucket: use s3://bucket/prefix")
        from .s3 import S3Store

        return Location(S3Store(bucket, settings), prefix)
    if "://" in uri:
        raise StoreError(f"{uri!r}: only s3:// URIs and local paths are supported")
    problem = problem_of(Path(uri).expanduser())
    if problem:  # never hand on a FIFO (opening it blocks) or a link that leads nowhere
        raise StoreError(f"{uri}: {problem}")
    store = LocalStore(uri)
    if store.root.is_file():
        return Location(LocalStore(store.root.parent), store.root.name)
    if not store.root.is_dir():
        raise StoreError(f"{uri} does not exist")  # as typed: a relative path never shows the server's folder
    return Location(store, "")


def output_location(uri: str, open_uri: Callable[[str], Location] = open_location, *,
                    folder: bool = False) -> Location:
    """Where to write `uri`. s3:// goes through `open_uri` (the workspace's buckets); a local file
    need not exist yet, only its folder; a local `folder` output is created."""
    uri = uri.strip()
    if uri.startswith("s3://") or "://" in uri:
        return open_uri(uri)
    if not uri:
        raise StoreError("no output given: enter an s3://bucket/key URI or a file path")
    path = Path(uri).expanduser().resolve()
    if folder:
        path.mkdir(parents=True, exist_ok=True)
        return Location(LocalStore(path), "")
    if path.is_dir():
        raise StoreError(f"{path} is a folder: name the file to write in it")
    if not path.parent.is_dir():
        raise StoreError(f"{path.parent} does not exist: create the folder first")
    return Location(LocalStore(path.parent), path.name)
