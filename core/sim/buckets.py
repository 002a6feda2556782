"""Folders that stand for S3 buckets: s3://bucket/key resolves to <root>/bucket/key."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from ..storage import LocalStore, Location, StoreError


def folder_buckets(root: Path) -> Callable[[str], Location]:
    """An `open_uri` for the simulator: every bucket is a folder under `root`."""

    def open_uri(uri: str) -> Location:
        if not uri.startswith("s3://"):
            raise StoreError(f"{uri!r} is not an s3:// URI")
        bucket, _, key = uri[5:].partition("/")
        if not bucket:
            raise StoreError(f"{uri!r} names no bucket: use s3://bucket/prefix")
        return Location(LocalStore(Path(root) / bucket, uri=f"s3://{bucket}"), key)

    return open_uri
