"""The parsed tables of each source, kept on disk as Arrow files so a restart starts warm.

One folder per source under `<cache>/answers/`, named by a hash of the source's identity. Each save
writes a new generation folder and then points `current` at it (an atomic rename), so a reader in
another process (the app while a cron run saves) always sees one whole generation. Saves take an
exclusive lock on the source's folder. The whole cache is bounded: past the cap, the sources used
least recently are removed first.

The files are Arrow IPC, uncompressed, and read memory-mapped: a warm start maps them instead of
decoding them (a million answers' table: 0.003 s against 1.8 s of CPU as zstd Parquet), at about
seven times Parquet's size on disk (390 MB a million answers, with the listing). A generation is
never written again once current, and one removed while mapped stays readable until unmapped, so
a reader never sees a file change under it.
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import shutil
import uuid
from contextlib import contextmanager
from pathlib import Path

import pyarrow as pa

from .rows import SCHEMAS

FORMAT = "4"  # bump when SCHEMAS or the parsing changes: older caches are then simply not found
DEFAULT_CAP_MB = 2048
LISTING = "listing-"  # the saved listing's tables: listing-<name>.arrow
SUFFIX = ".arrow"


def cap_bytes() -> int:
    """GC_CACHE_MAX_MB, else 2 GB: the most the answer cache keeps on disk."""
    try:
        return int(float(os.environ.get("GC_CACHE_MAX_MB", DEFAULT_CAP_MB)) * 1024 * 1024)
    except ValueError:
        return DEFAULT_CAP_MB * 1024 * 1024


class TableCache:
    def __init__(self, root: Path, identity: str):
        self.root = Path(root)
        self.folder = self.root / hashlib.sha256(f"{FORMAT}|{identity}".encode()).hexdigest()[:24]
        # The generation last loaded or saved: its name is new with every save and its files are never
        # written again, so it names the tables' content (None: nothing saved holds them).
        self.generation: str | None = None

    def load(self) -> tuple[dict[str, pa.Table], dict[str, pa.Table]] | None:
        """The last saved tables and the saved listing's tables (a local folder's, else none), or
        None (nothing saved, or a cache this version cannot read: it is then rebuilt, never
        trusted)."""
        for _ in range(3):  # a save in another process may remove the generation being read
            try:
                gen = self.folder / (self.folder / "current").read_text().strip()
                tables = {name: read_table(gen / f"{name}{SUFFIX}", schema) for name, schema in SCHEMAS.items()}
                listing = {path.stem.removeprefix(LISTING): read_table(path)
                           for path in gen.glob(f"{LISTING}*{SUFFIX}")}
                os.utime(self.folder / "current")  # recently used: the cap removes others first
                self.generation = gen.name
                return tables, listing
            except FileNotFoundError:
                continue
            except (OSError, pa.ArrowException, ValueError):
                return None
        return None

    def save(self, tables: dict[str, pa.Table], listing: dict[str, pa.Table] | None = None) -> None:
        """Write a new generation and make it current; never fails the load that called it."""
        self.generation = None
        try:
            self.generation = self._save(tables, listing)
        except OSError:
            return  # a full or read-only disk costs the next run its warm start, nothing more
        trim(self.root, keep=self.folder)

    def _save(self, tables: dict[str, pa.Table], listing: dict[str, pa.Table] | None) -> str:
        listed = {f"{LISTING}{name}": table for name, table in (listing or {}).items()}
        return write_generation(self.folder, tables | listed)


@contextmanager
def _locked(folder: Path):
    with open(folder / "lock", "a") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def read_table(path: Path, schema: pa.Schema | None = None) -> pa.Table:
    """A saved table, memory-mapped; a ValueError if it is not the `schema` this version writes."""
    with pa.memory_map(str(path)) as source:
        table = pa.ipc.open_file(source).read_all()
    if schema is not None and not table.schema.equals(schema):
        raise ValueError(f"{path.name}: not the columns this version writes")
    return table


def write_generation(folder: Path, tables: dict[str, pa.Table]) -> str:
    """Write `tables` (name -> table) as Arrow files in a new generation folder and make it `current`
    by an atomic rename under the folder's lock; older generations are removed (a reader of one
    retries with the new pointer). The answer and annotation caches both keep their tables so."""
    folder.mkdir(parents=True, exist_ok=True)
    name = f"gen-{uuid.uuid4().hex[:12]}"
    gen = folder / name
    gen.mkdir()
    for table_name, table in tables.items():
        with pa.ipc.new_file(str(gen / f"{table_name}{SUFFIX}"), table.schema) as writer:
            writer.write_table(table.unify_dictionaries())  # an Arrow file holds one dictionary a column
    with _locked(folder):
        pointer = folder / f".current.{name}"
        pointer.write_text(name)
        os.replace(pointer, folder / "current")
        for old in folder.glob("gen-*"):
            if old.name != name:
                shutil.rmtree(old, ignore_errors=True)
    return name


def _size(folder: Path) -> int:
    return sum(f.stat().st_size for f in folder.rglob("*") if f.is_file())


def trim(root: Path, keep: Path | None = None, cap: int | None = None) -> list[Path]:
    """Remove whole sources, least recently used first, until the cache is under its cap."""
    cap = cap_bytes() if cap is None else cap
    try:
        sources = [(f, (f / "current").stat().st_mtime if (f / "current").exists() else 0.0, _size(f))
                   for f in Path(root).iterdir() if f.is_dir()]
    except OSError:
        return []
    total = sum(size for _, _, size in sources)
    removed = []
    for folder, _, size in sorted(sources, key=lambda s: s[1]):
        if total <= cap:
            break
        if folder == keep:
            continue
        shutil.rmtree(folder, ignore_errors=True)
        total -= size
        removed.append(folder)
    return removed
