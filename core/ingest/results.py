"""A command's printed result, kept on disk so that a run over unchanged data prints it again
without computing it: at a million answers the worker table's SQL and the frames it reads are two
seconds of a three-second run, and a cron job or a lead's rerun mostly finds nothing new.

An entry is named by everything its output depends on:
- what was read (core.ingest.reader.Snapshot.digest: the answer cache's generation, never written
  again, and the listing's skips);
- the command's arguments and the bytes of the files they name;
- this code (each of its source files' size and mtime), so an upgrade never prints an old result.
"Now" is the one input outside those: answers dated after it are screened out
(core.bounds.screen_dates). So an entry is written only when no answer was late, and read only while
the latest answer is still not late; then screening left out the same answers (the early ones).

Entries are JSON files written under a temporary name and renamed into place, so two processes
(the app and a cron run) each see a whole entry or none; past MAX_ENTRIES the least recently used go.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import os
import sys
import tempfile
from dataclasses import asdict, dataclass
from datetime import datetime
from functools import lru_cache
from pathlib import Path

import pandas as pd

from ..bounds import FUTURE_SLACK

MAX_ENTRIES = 256
_CODE_ROOT = Path(__file__).resolve().parents[1]  # the core package


@dataclass(frozen=True)
class Printed:
    """What a command printed, and its exit code; `latest` is the latest answer's time it read
    (ISO 8601, UTC), or None when it read no dated answer."""

    out: str
    err: str
    code: int
    latest: str | None

    def replay(self) -> int:
        sys.stdout.write(self.out)
        sys.stderr.write(self.err)
        return self.code

    def current(self, now: datetime) -> bool:
        """Whether the screen of answers after `now` leaves out nothing, as when it was computed."""
        if self.latest is None:
            return True
        stamp = pd.Timestamp(now)
        return pd.Timestamp(self.latest) <= (stamp if stamp.tzinfo else stamp.tz_localize("UTC")) + FUTURE_SLACK


@lru_cache(maxsize=1)
def code_version() -> str:
    """Names this code: each source file's path, size and mtime (a few hundred stats, once)."""
    stats = sorted((str(p.relative_to(_CODE_ROOT)), st.st_size, st.st_mtime_ns)
                   for p in _CODE_ROOT.rglob("*.py") for st in (p.stat(),))
    return hashlib.sha256(json.dumps(stats).encode()).hexdigest()


def key_of(*parts) -> str:
    """An entry's name from JSON-able parts (bytes are named by their hash)."""
    def plain(value):
        if isinstance(value, bytes):
            return "sha256:" + hashlib.sha256(value).hexdigest()
        return str(value)

    text = json.dumps([code_version(), *parts], sort_keys=True, default=plain)
    return hashlib.sha256(text.encode()).hexdigest()


class ResultCache:
    def __init__(self, root: Path):
        self.root = Path(root)

    def get(self, key: str, now: datetime) -> Printed | None:
        path = self.root / f"{key}.json"
        try:
            printed = Printed(**json.loads(path.read_text(encoding="utf-8")))
            os.utime(path)  # recently used: the trim removes others first
        except (OSError, ValueError, TypeError):  # none, half-removed, or of another version: computed again
            return None
        return printed if printed.current(now) else None

    def put(self, key: str, printed: Printed, now: datetime) -> None:
        """Keep `printed` unless some answer was late at `now`; a disk that cannot take it costs the
        next run its shortcut, nothing more."""
        if not printed.current(now):
            return
        try:
            self.root.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=self.root, prefix=".tmp-", suffix=".json")
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                json.dump(asdict(printed), fh)
            os.replace(tmp, self.root / f"{key}.json")
            self._trim()
        except OSError:
            return

    def _trim(self) -> None:
        entries = []
        for path in self.root.glob("*.json"):
            with contextlib.suppress(OSError):
                entries.append((path.stat().st_mtime_ns, path))
        for _, path in sorted(entries, reverse=True)[MAX_ENTRIES:]:
            with contextlib.suppress(OSError):
                path.unlink()


class Capture:
    """Collects what a command prints to stdout and stderr, and passes it on at the end (also when
    the command fails), so that what it printed can be kept."""

    def __init__(self) -> None:
        self.out, self.err = io.StringIO(), io.StringIO()

    @contextlib.contextmanager
    def running(self):
        try:
            with contextlib.redirect_stdout(self.out), contextlib.redirect_stderr(self.err):
                yield self
        finally:
            sys.stdout.write(self.out.getvalue())
            sys.stderr.write(self.err.getvalue())

    def printed(self, code: int, latest: str | None) -> Printed:
        return Printed(self.out.getvalue(), self.err.getvalue(), code, latest)
