"""When races reached the team, from what the workspace keeps, for core.race_effect.

The records, the most reliable first:

1. The audit trail (core.audit), the record used whenever it holds a send. A race sent to an SNS
   topic, from the Race page or `race --notify`, is a `notify` line with `request.what` "race",
   written with its time (UTC, to the millisecond) once the publish succeeded (`result.outcome`
   "done"): that is when the team got it. A digest is a `notify` line with `what` "digest", which
   does not say whether it carried a race; it counts as a race when a race page was saved under the
   workspace's own races/ folder the same day (`digest --race` saves it there, named by that day).
2. Saved races (core.race.share: `<prefix>/races/<yyyy-mm-dd>-<hash>.<fmt>`, under the source or
   the workspace's own folder), used only when the audit trail holds no send. Saved is not sent,
   and the name gives only the day: that day is left out of both windows (Race.exact is False).

A file of times (`--races FILE`) replaces both: one ISO date or time a line, for races sent some
other way.
"""

from __future__ import annotations

import re
from datetime import date

import pandas as pd

from ..audit import AuditError, AuditLog, home_location
from ..errors import GroundControlError
from ..race_effect import Race
from ..storage import Location, StoreError

_SAVED = re.compile(r"(?:^|/)races/(\d{4}-\d{2}-\d{2})-[0-9a-f]{12}\.(?:mp4|gif|html)$")
AUDIT_LINES = 100_000  # every line a workspace plausibly holds; the page lists only the newest 200


class RacesError(GroundControlError):
    """The race times could not be read; the message names the file and line."""


def _utc(value) -> pd.Timestamp:
    ts = pd.Timestamp(value)
    return ts.tz_localize("UTC") if ts.tzinfo is None else ts.tz_convert("UTC")


def races_from_audit(lines: list[dict], saved_days: set[date]) -> list[Race]:
    """The sends in audit lines (AuditLog.entries): races, and digests on a day a race page was saved."""
    out = []
    for line in lines:
        request, result = line.get("request") or {}, line.get("result") or {}
        if line.get("action") != "notify" or result.get("outcome") != "done" or not line.get("at"):
            continue
        try:
            at = _utc(line["at"])
        except ValueError:
            continue
        topic = request.get("topic") or "a topic"
        if request.get("what") == "race":
            out.append(Race(at, f"race sent to {topic} (audit trail)"))
        elif request.get("what") == "digest" and at.date() in saved_days:
            out.append(Race(at, f"digest with a race sent to {topic} (audit trail)"))
    return sorted(out, key=lambda r: r.at)


def saved_days(location: Location) -> dict[date, str]:
    """The days races were saved under `location`'s races/ folder, each with one saved race's URI."""
    base = location.prefix if not location.prefix or location.prefix.endswith("/") else location.prefix + "/"
    found: dict[date, str] = {}
    try:
        for info in location.store.list(base + "races/"):
            m = _SAVED.search(info.key)
            if m:
                found.setdefault(date.fromisoformat(m.group(1)), location.store.uri_of(info.key))
    except StoreError:  # no races/ folder yet
        return {}
    return found


def saved_races(days: dict[date, str]) -> list[Race]:
    return [Race(_utc(day), f"saved as {uri} (not known to have been sent; that day is left out)", exact=False)
            for day, uri in sorted(days.items())]


def workspace_races(ws, source: Location) -> list[Race]:
    """The races that reached the team of `ws`, from the most reliable record that holds any (see
    the module docstring). An empty list when none is kept."""
    home = home_location(ws)
    try:
        lines = AuditLog(home).entries(limit=AUDIT_LINES)
    except AuditError:
        lines = []
    home_saved = saved_days(home)
    sent = races_from_audit(lines, set(home_saved))
    if sent:
        return sent
    return saved_races({**home_saved, **saved_days(source)})


def read_races_file(name: str, data: bytes) -> list[Race]:
    """One race time a line: an ISO date (the day is left out) or date and time (UTC unless it says
    otherwise); blank lines and # comments are skipped. RacesError names the line that is neither."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise RacesError(f"{name} is not UTF-8 text (byte {exc.start}): write one date or time a line") from exc
    out = []
    for n, raw in enumerate(text.splitlines(), start=1):
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        exact = bool(re.search(r"\d[T ]\d", line))
        try:
            at = _utc(line)
        except (ValueError, OverflowError):
            raise RacesError(f"{name}, line {n}: {line[:40]!r} is not a date or time; write one a line, as "
                             "2026-03-09 or 2026-03-09T07:00Z") from None
        out.append(Race(at, f"{name}, line {n}", exact=exact))
    if not out:
        raise RacesError(f"{name} holds no race time: write one a line, as 2026-03-09 or 2026-03-09T07:00Z")
    return sorted(out, key=lambda r: r.at)
