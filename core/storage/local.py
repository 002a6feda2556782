"""A local folder that stands for a bucket: keys are paths below the folder."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

from .base import ObjectExists, ObjectInfo, StoreError


class LocalStore:
    """`uri` names the store in messages; the demo workspace gives its folders s3:// names."""

    def __init__(self, root: str | os.PathLike, uri: str | None = None):
        self.root = Path(root).expanduser().resolve()
        self._root = str(self.root)
        self._named = uri is not None
        self._folders: set[str] = set()  # folders this store made or found, so a put skips mkdir
        self.uri = uri.rstrip("/") if uri is not None else str(self.root)

    def _path(self, key: str) -> Path:
        # A lexical check (no resolve(): its lstat per path part was a third of the demo build's
        # writes): `..` in a key can never leave the root.
        path = os.path.normpath(os.path.join(self._root, key))
        if path != self._root and not path.startswith(self._root.rstrip(os.sep) + os.sep):
            raise StoreError(f"{key!r} points outside {self.root}")
        return Path(path)

    def list(self, prefix: str = "") -> Iterator[ObjectInfo]:
        if not self.root.is_dir():
            raise StoreError(f"{self.root} is not a folder")
        # Walk only the part of the tree that can match the prefix.
        head, _, _ = prefix.rpartition("/")
        start = self._path(head) if head else self.root
        if not start.is_dir():
            return
        for dirpath, dirnames, filenames in os.walk(start):
            dirnames.sort()
            for name in sorted(filenames):
                path = Path(dirpath, name)
                key = path.relative_to(self.root).as_posix()
                if not key.startswith(prefix):
                    continue
                try:
                    st = path.stat()
                except OSError:  # vanished between walk and stat
                    continue
                yield ObjectInfo(key=key, size=st.st_size, version=f"{st.st_size}-{st.st_mtime_ns}")

    def get(self, key: str) -> bytes:
        try:
            return self._path(key).read_bytes()
        except OSError as exc:
            raise StoreError(f"cannot read {self.uri_of(key)}: {exc.strerror}") from exc

    def put(self, key: str, data: bytes, *, overwrite: bool = False) -> None:
        path = self._path(key)
        folder = os.path.dirname(path)
        if folder not in self._folders:
            os.makedirs(folder, exist_ok=True)
            self._folders.add(folder)
        if overwrite:
            tmp = path.with_name(f".{path.name}.tmp{os.getpid()}")
            tmp.write_bytes(data)
            os.replace(tmp, path)
            return
        try:
            # 'x' is the local twin of S3's If-None-Match: '*'.
            with open(path, "xb") as fh:
                fh.write(data)
        except FileNotFoundError:  # the folder went away since this store made it
            self._folders.discard(folder)
            return self.put(key, data, overwrite=overwrite)
        except FileExistsError as exc:
            raise ObjectExists(f"{self.uri_of(key)} already exists") from exc

    def exists(self, key: str) -> bool:
        return self._path(key).is_file()

    def uri_of(self, key: str) -> str:
        if not key:
            return self.uri
        return f"{self.uri}/{key}" if self._named else str(self.root / key)
