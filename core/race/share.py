"""Keeping and sending a rendered race: a content-addressed key, a link, and a short message."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date

import pandas as pd

from ..aws import temporary_credentials
from ..notify import Notifier
from ..storage import Location, ObjectExists, S3Store, StoreError
from .frames import summary_line

MAX_LINK_S = 7 * 24 * 3600  # SigV4 presigned URLs live at most 7 days


def race_key(prefix: str, data: bytes, fmt: str, day: date) -> str:
    """`<prefix>/races/<date>-<hash>.<fmt>`: the same video always gets the same key."""
    digest = hashlib.sha256(data).hexdigest()[:12]
    base = prefix.rstrip("/") + "/" if prefix.strip("/") else ""
    return f"{base}races/{day:%Y-%m-%d}-{digest}.{fmt}"


def save_race(location: Location, data: bytes, fmt: str, day: date, folder: bool = True) -> tuple[str, bool]:
    """Write the video without overwriting anything: under `location`'s prefix (a folder) at its
    content-addressed key, else at exactly `location` (a file, refused with ObjectExists if taken).
    Returns (URI, True if it was already there with the same bytes)."""
    store = location.store
    if not folder:
        store.put(location.prefix, data)
        return store.uri_of(location.prefix), False
    key = race_key(location.prefix, data, fmt, day)
    try:
        store.put(key, data)
        return store.uri_of(key), False
    except ObjectExists:
        if store.get(key) == data:
            return store.uri_of(key), True
        raise StoreError(f"{store.uri_of(key)} already holds another file; nothing was overwritten") from None


def share_link(location: Location, uri: str, expires_s: int) -> str | None:
    """A presigned HTTPS link when the store is S3; None for folders (the demo)."""
    if not isinstance(location.store, S3Store):
        return None
    key = uri.removeprefix(location.store.uri + "/")
    return location.store.presigned_url(key, min(max(60, expires_s), MAX_LINK_S))


def link_caveat(location: Location) -> str | None:
    """What to tell whoever shares a presigned link signed with temporary credentials: it stops
    working when they expire, even if its own lifetime is longer. None for long-term keys."""
    if not isinstance(location.store, S3Store):
        return None
    temporary, expires = temporary_credentials(location.store.settings)
    if not temporary:
        return None
    when = f" at {expires:%Y-%m-%d %H:%M} UTC" if expires else ""
    return (f"This link is signed with temporary AWS credentials (SSO or an assumed role): it stops working "
            f"when they expire{when}, even if that is before the lifetime chosen for the link.")


def race_message(title: str, table: pd.DataFrame, where: str) -> tuple[str, str]:
    """(subject, body) for the team: the leaders, the total, the period covered and the link."""
    first, last = (table.index[0], table.index[-1]) if not table.empty else (None, None)
    span = f"{first:%Y-%m-%d} to {last:%Y-%m-%d}" if first is not None else "no labels"
    body = "\n".join([
        title,
        "",
        summary_line(table),
        f"Period: {span} (UTC).",
        "",
        f"Watch the race: {where}",
        "",
        "Sent by Ground Control.",
    ])
    return f"{title}: {summary_line(table, top=1)}", body


@dataclass(frozen=True)
class Shared:
    """A saved race as the team gets it: where it is, the link to it (None without S3), and what
    to say about the link."""

    uri: str
    link: str | None
    caveat: str | None  # set only with a link signed by temporary credentials

    @property
    def where(self) -> str:
        return self.link or self.uri


def shared(location: Location, uri: str, expires_s: int) -> Shared:
    """The link and its caveat for a race saved at `uri` under `location`: the Race page and the
    race command both share this way."""
    link = share_link(location, uri, expires_s)
    return Shared(uri, link, link_caveat(location) if link else None)


def send_race(notifier: Notifier, topic: str, title: str, table: pd.DataFrame, where: str) -> str:
    """Publish the race's message (race_message) to `topic`; returns the message id. NotifyError
    when it cannot be sent."""
    subject, body = race_message(title, table, where)
    return notifier.publish(topic, subject, body)
