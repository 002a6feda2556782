"""A local folder that stands for a bucket: keys are paths below the folder."""

from __future__ import annotations

import errno
import os
import stat
from collections.abc import Callable, Iterator
from pathlib import Path
from stat import S_ISREG

from .base import ObjectExists, ObjectInfo, OnSkip, StoreError
from .scan import SPECIAL, Listing, Scan, Seen, scan

_KINDS = ((stat.S_ISFIFO, "FIFO"), (stat.S_ISSOCK, "socket"), (stat.S_ISCHR, "character device"),
          (stat.S_ISBLK, "block device"), (stat.S_ISDIR, "folder"))


def not_regular(mode: int) -> str | None:
    """Why a file of this mode is no object (opening a FIFO blocks forever), or None if regular."""
    if stat.S_ISREG(mode):
        return None
    kind = next((name for test, name in _KINDS if test(mode)), "special file")
    return f"not a regular file ({kind})"


def _mtime(path: str) -> int | None:
    try:
        return os.stat(path).st_mtime_ns
    except OSError:
        return None


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
    chunk = os.read(fd, want)
    if len(chunk) < want:
        return chunk
    chunks = [chunk]
    while len(chunk) == want:
        chunk = os.read(fd, want)
        chunks.append(chunk)
    return b"".join(chunks)


class LocalStore:
    """`uri` names the store in messages; the demo workspace gives its folders s3:// names."""

    def __init__(self, root: str | os.PathLike, uri: str | None = None):
        self.root = _resolve(Path(root).expanduser(), str(root))
        self._root = str(self.root)
        self._under = self._root.rstrip(os.sep) + os.sep
        self._named = uri is not None
        self._folders: set[str] = set()  # folders this store made or found, so a put skips mkdir
        self.uri = uri.rstrip("/") if uri is not None else str(self.root)

    def _str_path(self, key: str) -> str:
        # A lexical check (no resolve(): its lstat per path part was a third of the demo build's
        # writes): `..` in a key can never leave the root. Links inside the root are the owner's.
        if key and key[0] != "/" and key[-1] != "/" and "//" not in key and "/." not in f"/{key}":
            return self._under + key  # nothing to normalize (a listed key): normpath cost 2 µs a read
        path = os.path.normpath(os.path.join(self._root, key))
        if path != self._root and not path.startswith(self._root.rstrip(os.sep) + os.sep):
            raise StoreError(f"{key!r} points outside {self.uri}")
        return path

    def _path(self, key: str) -> Path:
        return Path(self._str_path(key))

    @property
    def root_path(self) -> str:
        return self._root

    def path_of(self, rel: str) -> str:
        """The path of a key or folder found by listing (no `..` in it), without checks."""
        return f"{self._root}/{rel}" if rel else self._root

    def list(self, prefix: str = "", on_skip: OnSkip | None = None) -> Iterator[ObjectInfo]:
        """Regular files only: FIFOs, sockets, devices, broken links, link loops and links to folders
        (not followed) go to `on_skip(key, reason)`."""
        yield from self.walk(prefix, on_skip)

    def scan(self, prefix: str = "", on_skip: OnSkip | None = None, previous: Listing | None = None) -> Scan:
        """What `list` would yield, as what changed since `previous` (core.storage.scan)."""
        return scan(self, prefix, on_skip, previous)

    def walk(self, prefix: str, on_skip: OnSkip | None, seen: Seen | None = None) -> Iterator[ObjectInfo]:
        """Every regular file under `prefix`; `seen` records each folder and entry met."""
        return (info for info, _ in self.walk_reading(prefix, on_skip, seen, None))

    def walk_reading(self, prefix: str, on_skip: OnSkip | None, seen: Seen | None, read: Callable[[str], bool] | None
                     ) -> Iterator[tuple[ObjectInfo, bytes | StoreError | None]]:
        """As `walk`, each file with the bytes of those `read(key)` asks for, read as they are found
        (else None); or why one could not be read. A first read of a folder lists every file to read
        it: opening each in its folder, with size and mtime from the open file, saves a stat and a
        lookup of its whole path per file."""
        if not self.root.is_dir():  # named by its URI: a demo bucket's folder is the server's business
            raise StoreError(f"{self.uri} is not a folder" + ("" if self.root.exists() else ": nothing is there"))
        # Walk only the part of the tree that can match the prefix.
        head, _, _ = prefix.rpartition("/")
        if head and not self._path(head).is_dir():
            return iter(())
        return self._walk(head, prefix, on_skip, seen, read)

    def walk_folder(self, rel: str, prefix: str, on_skip: OnSkip | None, seen: Seen) -> list[ObjectInfo]:
        return [info for info, _ in self._walk(rel, prefix, on_skip, seen, None)]

    def _walk(self, rel: str, prefix: str, on_skip: OnSkip | None, seen: Seen | None,
              read: Callable[[str], bool] | None) -> Iterator[tuple[ObjectInfo, bytes | StoreError | None]]:
        """Each folder's files in name order, then its subfolders in name order, as os.walk."""
        # A first read of a million answers walks 333,000 folders of one file each. Each folder is
        # opened once, relative to its parent's descriptor, and its mtime, entries and files' stats
        # are had through it: no path is looked up from the root (opening folders by their whole
        # path cost up to a tenth of the walk's CPU). Open folders: the ones on the way down, closed on
        # the way back up, and all of them if the walk is left before its end.
        try:
            fd = os.open(self.path_of(rel), os.O_RDONLY | os.O_DIRECTORY)
        except OSError:  # gone since walk() looked; or unreadable: no entries, as os.walk
            self._unreadable(rel, seen)
            return
        stack: list[tuple[int, str, Iterator[str]]] = []
        try:
            while True:
                subs = yield from self._folder(fd, rel, prefix, on_skip, seen, read)
                stack.append((fd, rel, iter(subs)))
                fd = -1
                while stack and fd < 0:
                    parent, parent_rel, rest = stack[-1]
                    name = next(rest, None)
                    if name is None:
                        os.close(stack.pop()[0])
                        continue
                    rel = f"{parent_rel}/{name}" if parent_rel else name
                    try:
                        fd = os.open(name, os.O_RDONLY | os.O_DIRECTORY, dir_fd=parent)
                    except OSError:
                        self._unreadable(rel, seen)
                if fd < 0:
                    return
        finally:
            for open_fd, _, _ in stack:
                os.close(open_fd)
            if fd >= 0:  # left while its files were being yielded
                os.close(fd)

    def _unreadable(self, rel: str, seen: Seen | None) -> None:
        """A folder that could not be opened: listed with its mtime if it is there at all, so a
        refresh reads it again once it changes."""
        if seen is not None and (mtime := _mtime(self.path_of(rel))) is not None:
            seen.folder(rel, mtime)

    def _folder(self, fd: int, rel: str, prefix: str, on_skip: OnSkip | None, seen: Seen | None,
                read: Callable[[str], bool] | None) -> Iterator[tuple[ObjectInfo, bytes | StoreError | None]]:
        """The regular files of the open folder `fd` (with the bytes of those `read` asks for), found
        by one stat or open each (the common case costs no other call; anything else goes to
        `regular` to be named); returns its subfolders that can hold keys under `prefix`."""
        record = seen is not None
        mtime = os.fstat(fd).st_mtime_ns  # before reading it: a change after is seen next time
        names, subs = self.entries(fd)
        if record:
            seen.folder(rel, mtime)
        base = f"{rel}/" if rel else ""
        # A third of a million folders of one file each: what runs per name is kept to what it needs.
        for name in names:
            key = base + name
            if prefix and not key.startswith(prefix):
                continue
            wanted = read is not None and read(key)
            st, data = self._read_at(fd, name, key) if wanted else (None, None)
            if st is None:  # not read, or not a regular file that opened: its stat tells
                st = self._stat_at(fd, name, rel, key, on_skip)
                if st is not None and wanted and data is None:  # no file when opened, one now: read it next time
                    data = StoreError(f"cannot read {self.uri_of(key)}: it changed while it was being read")
            if st is not None:
                size, modified = st.st_size, st.st_mtime_ns
                if record:
                    seen.entry(key, size, modified)
                yield ObjectInfo(key, size, f"{size}-{modified}"), data
            elif record and os.path.lexists(f"{self.path_of(rel)}/{name}"):
                seen.entry(key, SPECIAL, 0)  # stat'ed and reported again by each scan
        if not prefix:
            return subs
        return [name for name in subs
                if f"{base}{name}/".startswith(prefix) or prefix.startswith(f"{base}{name}/")]

    def _stat_at(self, fd: int, name: str, rel: str, key: str, on_skip: OnSkip | None) -> os.stat_result | None:
        """The stat of the regular file `name` of the open folder `fd` (`rel`), links followed; else
        None, after `regular` has told on_skip why (or found it regular after all)."""
        try:
            st = os.stat(name, dir_fd=fd)
        except OSError:
            st = None
        if st is None or not S_ISREG(st.st_mode):
            st = self.regular(f"{self.path_of(rel)}/{name}", key, on_skip)
        return st

    def _read_at(self, fd: int, name: str, key: str) -> tuple[os.stat_result | None, bytes | StoreError | None]:
        """The file `name` of the open folder `fd`, opened there: its stat and bytes, or its stat and
        why they could not be read. (None, why) when it could not be opened and (None, None) when it
        is no regular file: the caller's stat then says what it is."""
        try:
            # Non-blocking: a FIFO opens without waiting for a writer, and is then found no file.
            file = os.open(name, os.O_RDONLY | os.O_NONBLOCK, dir_fd=fd)
        except OSError as exc:
            return None, StoreError(f"cannot read {self.uri_of(key)}: {exc.strerror}")
        try:
            st = os.fstat(file)
            if not S_ISREG(st.st_mode):
                return None, None
            try:
                return st, _read_all(file, st.st_size)
            except OSError as exc:
                return st, StoreError(f"cannot read {self.uri_of(key)}: {exc.strerror}")
        finally:
            os.close(file)

    @staticmethod
    def entries(folder: str | int) -> tuple[list[str], list[str]]:
        """A folder's (a path or an open descriptor) entry names and its subfolders' names (links to
        folders are entries: never followed), each in name order; none if it cannot be read (as
        os.walk)."""
        names, subs = [], []
        try:
            with os.scandir(folder) as it:
                for entry in it:
                    try:
                        (subs if entry.is_dir(follow_symlinks=False) else names).append(entry.name)
                    except OSError:
                        continue
        except OSError:
            return [], []
        if len(names) > 1:
            names.sort()
        if len(subs) > 1:
            subs.sort()
        return names, subs

    def info(self, path: str, key: str, on_skip: OnSkip | None) -> ObjectInfo | None:
        st = self.regular(path, key, on_skip)
        return None if st is None else ObjectInfo(key, st.st_size, f"{st.st_size}-{st.st_mtime_ns}")

    @staticmethod
    def regular(path: str, key: str, on_skip: OnSkip | None) -> os.stat_result | None:
        """The stat of a regular file (links followed), whose size and mtime are its version; else
        None after telling on_skip why."""
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
        return st

    def get(self, key: str) -> bytes:
        path = self._str_path(key)
        try:
            # Non-blocking open: a FIFO put here after listing must not hang the read.
            fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
        except OSError as exc:
            raise StoreError(f"cannot read {self.uri_of(key)}: {exc.strerror}") from exc
        try:
            st = os.fstat(fd)
            if not S_ISREG(st.st_mode):
                raise StoreError(f"cannot read {self.uri_of(key)}: {not_regular(st.st_mode)}")
            return _read_all(fd, st.st_size)
        except OSError as exc:
            raise StoreError(f"cannot read {self.uri_of(key)}: {exc.strerror}") from exc
        finally:
            os.close(fd)

    def put(self, key: str, data: bytes, *, overwrite: bool = False) -> None:
        try:
            self._put(key, data, overwrite)
        except (ObjectExists, StoreError):
            raise
        except OSError as exc:  # a file where a folder should be, no permission, a full disk: as S3's put
            raise StoreError(f"cannot write {self.uri_of(key)}: {exc.strerror or exc}") from exc

    def _put(self, key: str, data: bytes, overwrite: bool) -> None:
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
            return self._put(key, data, overwrite)
        except FileExistsError as exc:
            raise ObjectExists(f"{self.uri_of(key)} already exists") from exc

    def exists(self, key: str) -> bool:
        return self._path(key).is_file()

    def uri_of(self, key: str) -> str:
        if not key:
            return self.uri
        return f"{self.uri}/{key}" if self._named else str(self.root / key)
