"""What the annotations reader parsed, kept on disk as Arrow files so a restart starts warm.

Three tables, each row carrying the key of its file: `files` (each file's version, the context it
was parsed in, whether it was bad and why), `rows` (core.annotations.columns.SCHEMA) and `extras`
(a file's notes, video label references, masks and texts, as JSON). A file is parsed again only
when its version or its context (the job and task type its rows were read as) changed, and a bad
file stays recorded with its reason, so it is reported again from the cache.

Stored as core.ingest.cache stores answers: one folder per source (a hash of its identity), a new
generation folder per save made current by an atomic rename, the folder locked while it is
switched, and the least recently used sources removed past the cache's cap.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa

from ..ingest.cache import LISTING, SUFFIX, read_table, trim, write_generation
from ..storage.scan import FILES as LISTED_FILES
from ..storage.scan import FOLDERS as LISTED_FOLDERS
from .columns import SCHEMA
from .model import COLUMNS, MaskImage, Note, Row, SeqRef
from .parsed import Parsed

FORMAT = "4"  # bump when the row shape or the readers change: older caches are then not found
_TEXT = pa.large_string()
FILES = pa.schema([("key", _TEXT), ("version", _TEXT), ("context", _TEXT), ("bad", _TEXT),
                   ("jobs", pa.list_(_TEXT)), ("types", pa.list_(_TEXT))])
EXTRAS = pa.schema([("key", _TEXT), ("kind", _TEXT), ("data", _TEXT), ("blob", pa.large_binary())])
_FEEDBACK_AT = COLUMNS.index("feedback")


@dataclass
class Stored:
    files: pa.Table  # FILES
    rows: pa.Table  # columns.SCHEMA
    extras: pa.Table  # EXTRAS
    # A local folder's last listing (core.storage.scan): its folders and files tables; else None.
    listing: tuple[pa.Table, pa.Table] | None = None

    @classmethod
    def empty(cls) -> Stored:
        return cls(FILES.empty_table(), SCHEMA.empty_table(), EXTRAS.empty_table())


def extras_of(key: str, parsed: Parsed) -> list[tuple]:
    """`parsed`'s notes, video label references, masks and texts as EXTRAS rows, in its order.
    json keeps NaN and long integers an attribute may hold (orjson would not)."""
    out = [(key, "note", json.dumps([n.kind, n.type, n.where, n.detail]), None) for n in parsed.notes]
    out += [(key, "seq", json.dumps([s.uri, list(_values(s.template)), s.class_map]), None) for s in parsed.sequences]
    out += [(key, "mask", json.dumps([m.job, m.object_id, m.worker_id, m.colors]), m.png) for m in parsed.masks]
    out += [(key, "text", json.dumps([job, object_id, text]), None) for (job, object_id), text in parsed.texts.items()]
    out += [(key, "gold", json.dumps([object_id, label]), None) for object_id, label in parsed.gold.items()]
    return out


def _values(row: Row) -> list:
    values = [getattr(row, c) for c in COLUMNS]
    values[_FEEDBACK_AT] = list(values[_FEEDBACK_AT])
    return values


def add_extra(parsed: Parsed, kind: str, data: str, blob: bytes | None) -> None:
    """One EXTRAS row back into `parsed`."""
    value = json.loads(data)
    if kind == "note":
        parsed.notes.append(Note(*value))
    elif kind == "seq":
        uri, values, class_map = value
        values[_FEEDBACK_AT] = tuple(values[_FEEDBACK_AT])
        parsed.sequences.append(SeqRef(uri, Row(*values), class_map))
    elif kind == "mask":
        parsed.masks.append(MaskImage(*value[:3], blob, value[3]))
    elif kind == "gold":
        parsed.gold[value[0]] = value[1]
    else:
        parsed.texts[(value[0], value[1])] = value[2]


class AnnotationCache:
    def __init__(self, root: Path, identity: str):
        self.root = Path(root)
        self.folder = self.root / hashlib.sha256(f"{FORMAT}|{identity}".encode()).hexdigest()[:24]

    def load(self) -> Stored | None:
        """The last saved tables, or None (nothing saved, or a cache this version cannot read: it
        is then rebuilt, never trusted)."""
        for _ in range(3):  # a save in another process may remove the generation being read
            try:
                gen = self.folder / (self.folder / "current").read_text().strip()
                stored = Stored(*(read_table(gen / f"{name}{SUFFIX}", schema)
                                  for name, schema in (("files", FILES), ("rows", SCHEMA), ("extras", EXTRAS))))
                if (gen / f"{LISTING}folders{SUFFIX}").exists():
                    stored.listing = (read_table(gen / f"{LISTING}folders{SUFFIX}", LISTED_FOLDERS),
                                      read_table(gen / f"{LISTING}files{SUFFIX}", LISTED_FILES))
                os.utime(self.folder / "current")  # recently used: the cap removes others first
                return stored
            except FileNotFoundError:
                continue
            except (OSError, pa.ArrowException, ValueError):
                return None
        return None

    def save(self, stored: Stored) -> None:
        """Write a new generation and make it current; a full or read-only disk costs the next
        read its warm start, never this read."""
        try:
            self._save(stored)
        except OSError:
            return
        trim(self.root, keep=self.folder)

    def _save(self, stored: Stored) -> None:
        tables = {"files": stored.files, "rows": stored.rows, "extras": stored.extras}
        if stored.listing is not None:
            tables |= {f"{LISTING}folders": stored.listing[0], f"{LISTING}files": stored.listing[1]}
        write_generation(self.folder, tables)
