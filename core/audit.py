"""The audit trail: every action that changes something, one JSON line each, never rewritten.

Each line is a new object in the workspace's own folder (`<home>/_ground-control/audit/`), written
with S3's conditional put (If-None-Match: *; a new file with O_EXCL in a folder), so no line is
ever replaced, and two app servers or a server and a cron job can append at once without a lock
or a read-modify-write. Keys sort by time:

    _ground-control/audit/2026/03/16/20260316T150102.123456Z-3f9a0c1d2e4b.json

A line: {"at", "who", "role", "action", "request", "result"}; `result.outcome` is done, failed or
refused. Requests hold what was asked (a job name, a URI, a topic), never a credential, a share
link or a message body.
"""

from __future__ import annotations

import json
import os
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from typing import TypeVar

from .access import Identity, NotAllowed, check
from .errors import GroundControlError
from .storage import Fetcher, LocalStore, Location, ObjectExists, StoreError, output_location

AUDIT_PREFIX = "_ground-control/audit/"
SHOWN = 200  # lines the page lists, newest first
T = TypeVar("T")


class AuditError(GroundControlError):
    """The audit line could not be written or read; the message is safe to show."""


def home_uri(ws) -> str:
    """Where Ground Control keeps its own files (audit log, digest state): the demo's own bucket;
    on AWS, GC_HOME (an s3:// prefix, so every server and scheduled task shares one log, or a
    folder), else a folder in the user cache of this computer."""
    from .workspace import cache_dir

    return (getattr(ws, "home_uri", "") or os.environ.get("GC_HOME", "").strip()
            or str(cache_dir() / "home"))


def home_location(ws) -> Location:
    uri = home_uri(ws)
    if uri.startswith("s3://"):
        return ws.open(uri if uri.endswith("/") else uri + "/")
    return output_location(uri, ws.open, folder=True)


def _key_time(at: datetime) -> str:
    return at.astimezone(UTC).strftime("%Y%m%dT%H%M%S.%fZ")


class AuditLog:
    def __init__(self, home: Location):
        self.store = home.store
        base = home.prefix if not home.prefix or home.prefix.endswith("/") else home.prefix + "/"
        self.prefix = base + AUDIT_PREFIX

    @property
    def uri(self) -> str:
        return self.store.uri_of(self.prefix)

    def append(self, identity: Identity, action: str, request: dict, result: dict,
               at: datetime | None = None) -> str:
        """Write one line as a new object; returns its key. Never replaces an object."""
        at = (at or datetime.now(UTC)).astimezone(UTC)
        line = {"at": at.isoformat(timespec="milliseconds").replace("+00:00", "Z"), "who": identity.who,
                "role": identity.role, "action": action, "request": request, "result": result}
        data = (json.dumps(line, sort_keys=True, ensure_ascii=False, default=str) + "\n").encode()
        for _ in range(3):  # a clash needs the same microsecond and 48 random bits: try again, never overwrite
            key = f"{self.prefix}{at:%Y/%m/%d}/{_key_time(at)}-{uuid.uuid4().hex[:12]}.json"
            try:
                self.store.put(key, data)
                return key
            except ObjectExists:
                continue
            except (StoreError, OSError) as exc:  # LocalStore.put lets a folder's OSError through
                reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
                raise AuditError(f"the audit line could not be written to {self.uri}: {reason}") from exc
        raise AuditError(f"the audit line could not be written to {self.uri}: every key was taken")

    def entries(self, limit: int = SHOWN) -> list[dict]:
        """The newest `limit` lines, newest first. A line that cannot be read is listed as such."""
        if isinstance(self.store, LocalStore) and not os.path.isdir(self.store.path_of(self.prefix)):
            return []
        try:
            infos = sorted((info for info in self.store.list(self.prefix) if info.key.endswith(".json")),
                           key=lambda info: info.key, reverse=True)[:limit]
        except StoreError as exc:
            raise AuditError(f"the audit log at {self.uri} cannot be listed: {exc}") from exc
        fetched = Fetcher(self.store).fetch(infos)  # in parallel: 200 small GETs one by one took seconds
        out = []
        for key in (info.key for info in infos):
            try:
                data = fetched[key]
                if isinstance(data, StoreError):
                    raise data
                line = json.loads(data)
                if not isinstance(line, dict):
                    raise ValueError("not an object")
            except (StoreError, ValueError) as exc:
                line = {"at": None, "who": None, "role": None, "action": None, "request": {},
                        "result": {"outcome": "unreadable", "error": f"{self.store.uri_of(key)}: {exc}"}}
            out.append(line)
        return out


def perform(log: AuditLog, identity: Identity | None, action: str, request: dict, do: Callable[[], T],
            describe: Callable[[T], dict] = lambda value: {}, now: Callable[[], datetime] | None = None) -> T:
    """The one way an action runs: check the role (NotAllowed for a viewer, logged as refused), do
    it, and append the line with its outcome. A GroundControlError from `do` is logged as failed and
    raised; an audit line that cannot be written after the action raises AuditError (the action
    happened: the message says so)."""
    clock = now or (lambda: datetime.now(UTC))
    who = identity or Identity(who="anonymous", role=None)
    try:
        check(identity, action)
    except NotAllowed as exc:
        log.append(who, action, request, {"outcome": "refused", "reason": str(exc)}, clock())
        raise
    try:
        value = do()
    except GroundControlError as exc:
        log.append(who, action, request, {"outcome": "failed", "error": str(exc)}, clock())
        raise
    try:
        log.append(who, action, request, {"outcome": "done", **describe(value)}, clock())
    except AuditError as exc:
        raise AuditError(f"Done, but {exc}") from exc
    return value


def run_audited(ws, action: str, request: dict, do: Callable[[], T],
                describe: Callable[[T], dict] = lambda value: {}) -> T:
    """An action of the command line, which runs as the person at the machine (a lead): done and
    appended to the workspace's audit log like the pages' actions."""
    from .access import local_identity

    return perform(AuditLog(home_location(ws)), local_identity(), action, request, do, describe)
