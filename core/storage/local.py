"""A local folder that stands for a bucket: keys are paths below the folder."""

from __future__ import annotations

import errno
import os
import stat
import time
from collections.abc import Iterator
from pathlib import Path

from .base import ObjectExists, ObjectInfo, OnSkip, StoreError

_KINDS = ((stat.S_ISFIFO, "FIFO"), (stat.S_ISSOCK, "socket"), (stat.S_ISCHR, "character device"),
          (stat.S_ISBLK, "block device"), (stat.S_ISDIR, "folder"))


def not_regular(mode: int) -> str | None:
    """Why a file of this mode is no object (opening a FIFO blocks forever), or None if regular."""
    if stat.S_ISREG(mode):
        return None
    kind = next((name for test, name in _KINDS if test(mode)), "special file")
    return f"not a regular file ({kind})"


def _link_problem(path: Path) -> str | None:
    """Why a path that stat() cannot follow is unreadable: a broken link or a loop."""
    try:
        path.stat()
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            return "symbolic link loop"
        if path.is_symlink():
            return "broken symbolic link (its target does not exist)"
        return None  # vanished between walk and stat: nothing left to report
    return None


def _resolve(path: Path, shown: str) -> Path:
    try:
        return path.resolve()
    except RuntimeError as exc:  # Python 3.11 raises this for a symlink loop
        raise StoreError(f"{shown}: symbolic link loop") from exc


def problem_of(path: Path) -> str | None:
    """Why an existing path is not a readable file or folder, or None (also when it does not exist)."""
    problem = _link_problem(path)
    if problem or not path.exists():
        return problem
    return None if path.is_dir() else not_regular(path.stat().st_mode)


def _read_all(fd: int, size: int) -> bytes:
    """The whole file, to EOF (it may have grown since it was listed). A short read of a regular
    file is its end, so a file read whole costs one read, not a second one that returns nothing."""
    want = max(size + 1, 1 << 16)
    chunks = []
    while True:
        chunk = os.read(fd, want)
        chunks.append(chunk)
        if len(chunk) < want:
            return b"".join(chunks)


def _split(names: str) -> list[str]:
    return names.split("/") if names else []


_SETTLE_NS = 2_000_000_000  # coarse file systems stamp mtimes in (up to) 2-second steps


class LocalStore:
    """`uri` names the store in messages; the demo workspace gives its folders s3:// names."""

    def __init__(self, root: str | os.PathLike, uri: str | None = None):
        self.root = _resolve(Path(root).expanduser(), str(root))
        self._root = str(self.root)
        self._named = uri is not None
        self._folders: set[str] = set()  # folders this store made or found, so a put skips mkdir
        self.uri = uri.rstrip("/") if uri is not None else str(self.root)
        # rel folder -> (mtime_ns, entry names, subfolder names) as the last listing saw it, names
        # joined by "/" (which no name holds): one string a folder, not a list of strings, is half
        # the memory at 333,000 folders. A caller may save and restore it (core.ingest does) so a
        # new process lists warm too.
        self.folders: dict[str, tuple] = {}
        self._seen: dict[str, tuple] = {}

    def _str_path(self, key: str) -> str:
        # A lexical check (no resolve(): its lstat per path part was a third of the demo build's
        # writes): `..` in a key can never leave the root. Links inside the root are the owner's.
        path = os.path.normpath(os.path.join(self._root, key))
        if path != self._root and not path.startswith(self._root.rstrip(os.sep) + os.sep):
            raise StoreError(f"{key!r} points outside {self.root}")
        return path

    def _path(self, key: str) -> Path:
        return Path(self._str_path(key))

    def list(self, prefix: str = "", on_skip: OnSkip | None = None) -> Iterator[ObjectInfo]:
        """Regular files only: FIFOs, sockets, devices, broken links, link loops and links to folders
        (not followed) go to `on_skip(key, reason)`."""
        if not self.root.is_dir():
            raise StoreError(f"{self.root} is not a folder")
        # Walk only the part of the tree that can match the prefix.
        head, _, _ = prefix.rpartition("/")
        start = self._path(head) if head else self.root
        if not start.is_dir():
            return
        self._seen = {}
        yield from self._walk(str(start), f"{head}/" if head else "", prefix, on_skip)
        self.folders = self._seen  # what this listing saw; folders gone since are forgotten

    def _walk(self, start: str, rel: str, prefix: str, on_skip: OnSkip | None) -> Iterator[ObjectInfo]:
        """Each folder's files in name order, then its subfolders in name order, as os.walk."""
        stack = [(start, rel)]
        while stack:
            folder, rel = stack.pop()
            subs = yield from self._folder(folder, rel, prefix, on_skip)
            stack.extend((f"{folder}/{name}", f"{rel}{name}/") for name in reversed(subs)
                         if f"{rel}{name}/".startswith(prefix) or prefix.startswith(f"{rel}{name}/"))

    def _folder(self, folder: str, rel: str, prefix: str, on_skip: OnSkip | None):
        """Yield the files of one folder (each stated: its size and mtime are its version); return
        its subfolders' names.

        A folder whose mtime is what the last listing saw has had no entry added, removed or renamed
        since, so its entry names are taken from that listing: one stat instead of opening and
        reading the folder, which was most of a warm refresh's cost at 333,000 folders."""
        try:
            st = os.stat(folder)
        except OSError:
            return []  # gone since its parent was read
        # Taken out of the last listing as this one goes, so the two never both hold every folder.
        seen = self.folders.pop(rel, None)
        # A folder changed in the same clock tick as the last listing could look unchanged.
        settled = time.time_ns() - st.st_mtime_ns > _SETTLE_NS
        if seen is not None and seen[0] == st.st_mtime_ns and settled:
            names, subs = _split(seen[1]), _split(seen[2])
            self._seen[rel] = seen
        else:
            try:
                with os.scandir(folder) as it:
                    entries = sorted(it, key=lambda e: e.name)
            except OSError:
                return []  # unreadable: as os.walk, nothing to list there
            names, subs = [], []
            for entry in entries:
                try:
                    (subs if entry.is_dir(follow_symlinks=False) else names).append(entry.name)
                except OSError:
                    continue
            self._seen[rel] = (st.st_mtime_ns, "/".join(names), "/".join(subs))
        for name in names:
            key = rel + name
            if key.startswith(prefix):
                info = self._info(f"{folder}/{name}", key, on_skip)
                if info is not None:
                    yield info
        return subs

    @staticmethod
    def _info(path: str, key: str, on_skip: OnSkip | None) -> ObjectInfo | None:
        """A regular file (links followed), its version `size-mtime_ns`; else None after telling
        on_skip why."""
        try:
            st = os.stat(path)
        except OSError:
            problem = _link_problem(Path(path))
            if problem and on_skip:
                on_skip(key, problem)
            return None
        problem = not_regular(st.st_mode)
        if problem:
            if on_skip:
                on_skip(key, problem + (" behind a symbolic link" if os.path.islink(path) else ""))
            return None
        return ObjectInfo(key=key, size=st.st_size, version=f"{st.st_size}-{st.st_mtime_ns}")

    def get(self, key: str) -> bytes:
        path = self._str_path(key)
        try:
            # Non-blocking open: a FIFO put here after listing must not hang the read.
            fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
        except OSError as exc:
            raise StoreError(f"cannot read {self.uri_of(key)}: {exc.strerror}") from exc
        try:
            st = os.fstat(fd)
            problem = not_regular(st.st_mode)
            if problem:
                raise StoreError(f"cannot read {self.uri_of(key)}: {problem}")
            return _read_all(fd, st.st_size)
        except OSError as exc:
            raise StoreError(f"cannot read {self.uri_of(key)}: {exc.strerror}") from exc
        finally:
            os.close(fd)

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
