"""What one read of a source found, before it is made into frames (core.ingest.reader.SourceReader
.snapshot), and the name of exactly what was read (core.ingest.results keeps reports under it)."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass

import pyarrow as pa
import pyarrow.compute as pc

from ..gt.errors import Skipped
from ..storage import StoreError


@dataclass(frozen=True)
class Snapshot:
    """What one read of a source found: its tables, the files that failed, how many were parsed, and
    what the listing skipped; `generation` is the disk cache's generation holding the tables."""

    tables: dict[str, pa.Table]
    failed: dict[str, StoreError]
    changed: int  # files parsed (new or changed), the failed included
    skipped: list[Skipped]
    generation: str | None  # None when the tables were not saved (a full disk)

    @property
    def parsed(self) -> int:
        return self.changed - len(self.failed)

    @property
    def cached(self) -> int:
        return self.tables["files"].num_rows + len(self.failed) - self.changed

    @property
    def latest(self) -> str | None:
        """The latest answer's submission time (ISO 8601), or None when no answer is dated."""
        latest = pc.max(self.tables["answers"]["submission_time"]).as_py()
        return latest.isoformat() if latest is not None else None

    @property
    def digest(self) -> str | None:
        """Names exactly what was read: the generation (its tables are never written again) and the
        listing's skips; None when nothing can name it (unsaved tables, or a file that failed, which
        the next read tries again)."""
        if self.generation is None or self.failed:
            return None
        skips = sorted((item.uri, item.reason) for item in self.skipped)
        return hashlib.sha256(json.dumps([self.generation, skips]).encode()).hexdigest()
