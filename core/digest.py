"""The digest: one message with what changed in the labeling jobs since the last one, for cron or an
EventBridge-scheduled task (`python -m core digest --notify TOPIC_ARN`).

What counts as a change, each an event with a key that names it once:

    finished   a job completed, failed or was stopped           <job>|Completed (Failed, Stopped)
               (a stop is told once, when it is asked for: Stopping and Stopped are one event)
    stalled    a running job got no answer for `stall_hours`    <job>|stalled|<its last answer>
    expiring   a running job expires within `expiry_days`       <job>|expiring
    quality    a running job's quality fell `quality_drop` or   <job>|quality|<figure>|<best>
               more below the best figure a digest saw for it

Each digest remembers every event key it has seen in the workspace's own folder
(`<home>/_ground-control/digests/<scope>/<time>.json`, a new object per digest, never rewritten), so
the next run sends only events not seen before, and nothing at all when nothing changed. The scope
is the topic and the --jobs patterns: two schedules to two topics each keep their own memory.

A job's quality is the measure the Annotations page sorts its task type by (core.quality.report
MAIN: exact match for classification, F1 for boxes, ...), the workers' answers against the job's
consolidated labels so far. Each digest remembers each running job's best figure; one that falls
`quality_drop` (a share, 0.05 = 5 points) or more below it is told once, and the figure it fell to
becomes the one to fall from next.

A first digest (no memory yet) tells what is true now: jobs that ended in the last day, and what is
stalled or expiring; older endings are remembered without being sent. The last answer of a running
job is read from its worker-response file names (Ground Truth names each by its latest submission,
§2), so a stall costs one listing and no file is read.
"""

from __future__ import annotations

import fnmatch
import hashlib
import json
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from .errors import GroundControlError
from .gt.job import Job, as_job
from .gt.service import EXPIRY_DAYS, WORKING
from .notify import Notifier
from .storage import Location, ObjectExists, StoreError

DIGEST_PREFIX = "_ground-control/digests/"
FIRST_LOOKBACK = timedelta(days=1)  # what a first digest reports of jobs that already ended
KINDS = ("Completed", "Failed", "Stopped", "stalled", "expiring", "quality")
HEADINGS = {"Completed": "Completed", "Failed": "Failed", "Stopped": "Stopped",
            "stalled": "Stalled (no answers for {stall_hours:g} h or more)",
            "expiring": "Expiring within {expiry_days:g} days",
            "quality": "Quality down {drop_points:g} points or more (the workers against the consolidated "
                       "labels so far)"}
_MEASURE_NAMES = {"exact_match": "exact match", "jaccard": "Jaccard", "f1": "F1", "mean_iou": "mean IoU"}
_RESPONSE_NAME = re.compile(r"/(\d{4}-\d{2}-\d{2})_(\d{2}:\d{2}:\d{2})\.json$")


class DigestError(GroundControlError):
    """The digest could not be made, sent or remembered; the message says which and is safe to show."""


@dataclass(frozen=True)
class Event:
    key: str
    kind: str  # one of KINDS
    job: str
    text: str
    at: datetime | None = None  # when it happened (a job's end), for a first digest's look-back


@dataclass
class Digest:
    at: datetime
    since: datetime | None  # the last digest's time; None for a first one
    events: list[Event]  # new since the last digest, in KINDS order
    known: list[str] = field(default_factory=list)  # every event key seen, to remember
    stall_hours: float = 24
    expiry_days: float = 3
    race: str | None = None  # the race's link or place, with --race
    quality: dict[str, float] = field(default_factory=dict)  # each running job's figure to fall from, to remember
    quality_drop: float = 0.05

    @property
    def subject(self) -> str:
        counts = [f"{sum(e.kind == k for e in self.events)} {k.lower()}" for k in KINDS
                  if any(e.kind == k for e in self.events)]
        return "Ground Control digest: " + (", ".join(counts) if counts else "nothing new")

    @property
    def body(self) -> str:
        since = f"since the last digest ({self.since:%Y-%m-%d %H:%M} UTC)" if self.since else \
            "(the first digest: jobs that ended in the last day, and what is stalled or expiring now)"
        lines = [f"What changed in the labeling jobs {since}, as of {self.at:%Y-%m-%d %H:%M} UTC:"]
        for kind in KINDS:
            these = [e for e in self.events if e.kind == kind]
            if these:
                lines += ["", HEADINGS[kind].format(stall_hours=self.stall_hours, expiry_days=self.expiry_days,
                                                    drop_points=round(self.quality_drop * 100, 1))]
                lines += [f"- {e.text}" for e in these]
        if self.race:
            lines += ["", f"The race of the labels since then: {self.race}"]
        return "\n".join(lines) + "\n"


def scope_of(topic: str, patterns: Sequence[str] = ()) -> str:
    """The memory's folder name for a topic and job patterns: readable, and unique by a short hash."""
    name = re.sub(r"[^A-Za-z0-9_-]+", "-", topic.rsplit(":", 1)[-1])[:40] or "topic"
    digest = hashlib.sha256(json.dumps([topic, sorted(patterns)]).encode()).hexdigest()[:10]
    return f"{name}-{digest}"


def last_answer(ws, job: Job) -> datetime | None:
    """The latest answer's submission time from the worker-response file names; None when the job
    has none yet. StoreError when its output cannot be listed."""
    if not job.output_folder:
        return None
    loc = ws.open(job.output_folder + "annotations/worker-response/")
    latest = None
    for info in loc.store.list(loc.prefix):
        m = _RESPONSE_NAME.search("/" + info.key)
        if m and (latest is None or m.group(0) > latest):
            latest = m.group(0)
    if latest is None:
        return None
    day, time = _RESPONSE_NAME.search(latest).groups()
    return datetime.fromisoformat(f"{day}T{time}").replace(tzinfo=UTC)


def _when(t: datetime) -> str:
    return f"{t.astimezone(UTC):%Y-%m-%d %H:%M} UTC"


def job_events(job: Job, now: datetime, stall_hours: float, expiry_days: float,
               answered: Callable[[Job], datetime | None]) -> list[Event]:
    """What is true of `job` now that a digest reports, as events (pure but for `answered`)."""
    c, name, out = job.counters, job.name, []
    done = f"{c.total:,} of {c.objects:,} objects labeled" + (f", {c.failed:,} failed" if c.failed else "")
    if job.finished:
        text = f"{name}: {job.status.lower()} at {_when(job.modified)}, {done}"
        if job.status == "Failed" and job.failure_reason:
            text += f". Reason: {job.failure_reason}"
        out.append(Event(f"{name}|{job.status}", job.status, name, text, job.modified))
        return out
    if job.status == "Stopping":  # a stop is news once, when asked for, not again when it is through
        out.append(Event(f"{name}|Stopped", "Stopped", name,
                         f"{name}: stop requested at {_when(job.modified)} (no more answers), {done}", job.modified))
        return out
    if job.status in WORKING:
        last = answered(job)
        quiet_since = last or job.created
        if now - quiet_since >= timedelta(hours=stall_hours):
            hours = (now - quiet_since).total_seconds() / 3600
            what = f"last answer {_when(last)}" if last else "no answer yet"
            out.append(Event(f"{name}|stalled|{last.isoformat() if last else 'none'}", "stalled", name,
                             f"{name}: no answers for {hours:.0f} h ({what}), {done}"))
    if job.status in WORKING:
        expires = job.created + timedelta(days=EXPIRY_DAYS)
        left = (expires - now).total_seconds() / 86400
        if left <= expiry_days:
            out.append(Event(f"{name}|expiring", "expiring", name,
                             f"{name}: expires {_when(expires)} (in {max(left, 0):.1f} days) with "
                             f"{c.unlabeled:,} objects unlabeled"))
    return out


Quality = Callable[[Job], "tuple[str, float] | None"]  # (the measure's name, its figure 0-1) or none


def quality_events(jobs: Iterable[Job], best: dict[str, float], drop: float,
                   quality: Quality) -> tuple[list[Event], dict[str, float]]:
    """Running jobs whose figure fell `drop` or more below the best one remembered, and the figures
    to remember: the best so far, or the one a job fell to when it is told."""
    events, figures = [], dict(best)
    for job in jobs:
        if job.status not in WORKING:
            continue
        found = quality(job)
        if found is None:
            continue
        measure, value = found
        before = best.get(job.name)
        if before is not None and value <= before - drop:
            events.append(Event(f"{job.name}|quality|{value:.4f}|{before:.4f}", "quality", job.name,
                                f"{job.name}: {measure} {value:.1%}, down from {before:.1%}"))
            figures[job.name] = value
        else:
            figures[job.name] = value if before is None else max(before, value)
    return events, figures


def matches(name: str, patterns: Sequence[str]) -> bool:
    return not patterns or any(fnmatch.fnmatchcase(name, p) for p in patterns)


class DigestMemory:
    """The last digest of a scope: the newest object under <home>/_ground-control/digests/<scope>/."""

    def __init__(self, home: Location, scope: str):
        self.store = home.store
        base = home.prefix if not home.prefix or home.prefix.endswith("/") else home.prefix + "/"
        self.prefix = f"{base}{DIGEST_PREFIX}{scope}/"

    def last(self) -> dict | None:
        try:
            keys = [i.key for i in self.store.list(self.prefix) if i.key.endswith(".json")]
        except StoreError as exc:
            if "does not exist" in str(exc) or "not a folder" in str(exc):
                return None
            raise DigestError(f"the last digest cannot be read from {self.store.uri_of(self.prefix)}: {exc}") from exc
        if not keys:
            return None
        key = max(keys)
        try:
            return json.loads(self.store.get(key))
        except (StoreError, ValueError) as exc:
            raise DigestError(f"the last digest {self.store.uri_of(key)} cannot be read ({exc}): move it aside "
                              "to start afresh") from exc

    def remember(self, digest: Digest, topic: str, message_id: str | None) -> str:
        record = {"at": digest.at.isoformat(), "topic": topic, "message": message_id,
                  "sent": [e.key for e in digest.events], "known": digest.known, "quality": digest.quality}
        data = (json.dumps(record, indent=1, sort_keys=True) + "\n").encode()
        stamp = f"{self.prefix}{digest.at.astimezone(UTC):%Y%m%dT%H%M%S.%fZ}"
        for n in range(1000):  # two digests at one instant (a pinned clock): the next is a new object too,
            key = f"{stamp}-{n:03d}.json"  # and sorts after it
            try:
                self.store.put(key, data)
                return key
            except ObjectExists:
                continue
            except (StoreError, OSError) as exc:
                raise DigestError(f"cannot remember the digest in {self.store.uri_of(self.prefix)}: {exc}") from exc
        raise DigestError(f"cannot remember the digest in {self.store.uri_of(self.prefix)}: every key was taken")


def make_digest(jobs: Iterable[Job], now: datetime, last: dict | None, *, stall_hours: float = 24,
                expiry_days: float = 3, answered: Callable[[Job], datetime | None] = lambda job: None,
                quality: Quality | None = None, quality_drop: float = 0.05) -> Digest:
    """The events not in the last digest's memory. Pure but for `answered` (the last answer's time)
    and `quality` (a running job's quality; None: not measured)."""
    jobs = list(jobs)
    known = set((last or {}).get("known", []))
    since = datetime.fromisoformat(last["at"]) if last else None
    events = [e for job in jobs for e in job_events(job, now, stall_hours, expiry_days, answered)]
    best = dict((last or {}).get("quality", {}))
    if quality is not None:
        dropped, best = quality_events(jobs, best, quality_drop, quality)
        events += dropped
    new = [e for e in events if e.key not in known]
    if last is None:  # a first digest: older endings are remembered, not sent
        new = [e for e in new if e.at is None or now - e.at <= FIRST_LOOKBACK]
    new.sort(key=lambda e: (KINDS.index(e.kind), e.job))
    return Digest(at=now, since=since, events=new, known=sorted(known | {e.key for e in events}),
                  stall_hours=stall_hours, expiry_days=expiry_days, quality=best, quality_drop=quality_drop)


@dataclass
class Sent:
    digest: Digest
    message_id: str | None  # None: nothing new, nothing sent
    remembered: str | None  # the memory's key


def send_digest(ws, home: Location, notifier: Notifier, topic: str, *, patterns: Sequence[str] = (),
                stall_hours: float = 24, expiry_days: float = 3, dry_run: bool = False,
                race: Callable[[Digest], str | None] | None = None, quality_drop: float | None = 0.05) -> Sent:
    """Make the digest of `ws`'s jobs, publish it to `topic` when it has anything new, then remember
    it (a message sent but not remembered may be sent again next time: the error says so)."""
    from .gt.service import ServiceError

    memory = DigestMemory(home, scope_of(topic, patterns))
    last = memory.last()
    now = ws.now()
    try:
        jobs = [Job.from_summary(s) for s in ws.service.list_labeling_jobs()]
    except ServiceError as exc:
        raise DigestError(f"cannot list the labeling jobs: {exc}") from exc
    jobs = [j for j in jobs if matches(j.name, patterns)]

    def answered(job: Job) -> datetime | None:
        if not job.output_folder:  # a running job's summary names no output (only its manifest, once written)
            try:
                job = as_job(ws.service.describe_labeling_job(job.name))
            except ServiceError:
                return now  # no stall can be told, none is claimed
        if not job.output_folder:
            return now
        try:
            return last_answer(ws, job)
        except StoreError:  # output not listable: no stall can be told, none is claimed
            return now

    def measured(job: Job) -> tuple[str, float] | None:
        if not job.output_folder:
            try:
                job = as_job(ws.service.describe_labeling_job(job.name))
            except ServiceError:
                return None
        return job_quality(ws, job) if job.output_folder else None

    digest = make_digest(jobs, now, last, stall_hours=stall_hours, expiry_days=expiry_days, answered=answered,
                         quality=measured if quality_drop is not None else None, quality_drop=quality_drop or 0.05)
    if dry_run:
        return Sent(digest, None, None)
    if not digest.events:  # nothing to send; a first digest, or endings it keeps silent, still remembered
        grew = last is None or set(digest.known) != set(last.get("known", [])) or \
            digest.quality != last.get("quality", {})
        return Sent(digest, None, memory.remember(digest, topic, None) if grew else None)
    if race is not None:
        digest.race = race(digest)
    from .notify import NotifyError

    try:
        message = notifier.publish(topic, digest.subject, digest.body)
    except NotifyError as exc:
        raise DigestError(f"not sent: {exc}") from exc
    try:
        key = memory.remember(digest, topic, message)
    except DigestError as exc:
        raise DigestError(f"sent (message {message}), but {exc}: the next digest may repeat it") from exc
    return Sent(digest, message, key)


def job_quality(ws, job: Job) -> tuple[str, float] | None:
    """The job's own quality so far: its task type's main measure (core.quality.report MAIN) on the
    job's row of the quality report, the workers' answers against its consolidated labels; None when
    it has no figure yet (no consolidated label, or its output cannot be read)."""
    from .annotations.source import read_source
    from .quality.report import MAIN, quality_report
    from .quality.rollup import JOB

    try:
        found = read_source(ws.open(job.output_folder))
    except StoreError:
        return None
    report = quality_report(found.table, masks=found.masks)
    rows = report[report["worker"].eq(JOB) & report["job"].eq(job.name)]
    for _, row in rows.iterrows():
        measure = MAIN.get(row["task_type"])
        if measure and row[measure] == row[measure]:  # not NaN
            return _MEASURE_NAMES.get(measure, measure), float(row[measure])
    return None
