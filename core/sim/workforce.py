"""A simulated private workforce: people with names, Cognito identities, working hours, speeds
and habits of error, so that throughput curves and races look like a real team's.

Everything is a pure function of the seed: a worker's shifts on a given day come from a random
generator seeded with (seed, worker, day), so every job sees the same person on the same day.
"""

from __future__ import annotations

import math
import random
import unicodedata
from bisect import bisect_right
from dataclasses import asdict, dataclass
from datetime import date, timedelta

DAY_MS = 86_400_000
HOUR_MS = 3_600_000
MINUTE_MS = 60_000

# (name, IANA zone shown to users, UTC offset in minutes). Fixed offsets, not zoneinfo, so the
# workspace does not depend on the machine's tz database (no DST: a simplification).
PEOPLE: tuple[tuple[str, str, int], ...] = (
    ("Priya Sharma", "Asia/Kolkata", 330),
    ("Lucas Oliveira", "America/Sao_Paulo", -180),
    ("Anna Kowalska", "Europe/Warsaw", 60),
    ("Kenji Watanabe", "Asia/Tokyo", 540),
    ("Maria Santos", "Asia/Manila", 480),
    ("James Carter", "America/New_York", -300),
    ("Fatima El-Sayed", "Africa/Cairo", 120),
    ("Chinedu Okafor", "Africa/Lagos", 60),
    ("Sofia Rossi", "Europe/Rome", 60),
    ("Mateo Fernández", "America/Bogota", -300),
    ("Aisha Khan", "Asia/Karachi", 300),
    ("Tom Becker", "Europe/Berlin", 60),
    ("Nguyen Thi Lan", "Asia/Ho_Chi_Minh", 420),
    ("Emily Walsh", "Europe/Dublin", 0),
    ("Diego Ramírez", "America/Mexico_City", -360),
    ("Hannah Lee", "America/Los_Angeles", -480),
    ("Arjun Nair", "Asia/Kolkata", 330),
    ("Olga Petrova", "Europe/Sofia", 120),
    ("Samuel Mensah", "Africa/Accra", 0),
    ("Isabel García", "Europe/Madrid", 60),
)

# Digits people mix up when writing styles differ (a European 1 looks like a 7, an open 4 like a 9).
CONFUSION_PAIRS: tuple[tuple[str, str], ...] = (
    ("1", "7"), ("4", "9"), ("3", "8"), ("5", "6"), ("3", "5"), ("8", "9"), ("2", "7"), ("0", "6"),
)

# Median seconds a typical worker spends on one task, by task type (before the worker's speed),
# plus seconds per unit drawn or checked (a box, an entity, a shape in every frame, a painted shape).
MEDIAN_SECONDS = {"ImageMultiClass": 4.0, "TextMultiClass": 9.0, "BoundingBox": 7.0, "ImageMultiClassMultiLabel": 6.0,
                  "NamedEntityRecognition": 12.0, "VerificationBoundingBox": 6.0, "AdjustmentBoundingBox": 8.0,
                  "VideoObjectTracking": 60.0, "SemanticSegmentation": 25.0}
SECONDS_PER_UNIT = {"BoundingBox": 8.0, "NamedEntityRecognition": 4.0, "VerificationBoundingBox": 1.5,
                    "AdjustmentBoundingBox": 5.0, "VideoObjectTracking": 6.0, "SemanticSegmentation": 20.0}

@dataclass(frozen=True)
class Worker:
    index: int
    name: str
    email: str
    sub: str  # Cognito `sub` (a UUID)
    worker_id: str  # private.<region>.<16 hex> (docs/ground-truth.md §2)
    timezone: str
    utc_offset_min: int
    start_hour: float  # usual local start of the working day
    shift_hours: float  # usual length of the working day, breaks included
    days_off: tuple[int, ...]  # weekdays (Monday = 0) normally not worked
    absence: float  # chance of an unplanned day off
    speed: float  # multiplies the median task time (below 1: faster)
    spread: float  # sigma of the lognormal task time
    error: float  # chance of a wrong class on an easy image
    sensitivity: float  # how much hard images raise the error
    confusions: tuple[tuple[str, str], ...]  # personal mix-ups, much likelier than others
    box_miss: float  # chance of missing a box (more for small boxes)
    box_jitter: float  # sd of box edges as a share of the box size

    def to_json(self) -> dict:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict) -> Worker:
        data = dict(data)
        data["days_off"] = tuple(data["days_off"])
        data["confusions"] = tuple(tuple(p) for p in data["confusions"])
        return cls(**data)


def _hex(rng: random.Random, n: int) -> str:
    return "".join(rng.choice("0123456789abcdef") for _ in range(n))


def uuid_from(rng: random.Random) -> str:
    """A version-4-shaped UUID drawn from `rng` (uuid.uuid4 would use the OS's randomness)."""
    h = _hex(rng, 32)
    return f"{h[:8]}-{h[8:12]}-4{h[13:16]}-{'89ab'[int(h[16], 16) % 4]}{h[17:20]}-{h[20:]}"


def _email(name: str) -> str:
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    return ascii_name.lower().replace(" ", ".").replace("-", "") + "@example.com"


def make_team(seed: int, n: int = 16, region: str = "us-east-1") -> list[Worker]:
    """`n` workers (at most len(PEOPLE)), each with their own hours, speed and mistakes."""
    if not 1 <= n <= len(PEOPLE):
        raise ValueError(f"a simulated team has 1 to {len(PEOPLE)} workers (asked for {n})")
    rng = random.Random(f"{seed}/team")
    people = list(PEOPLE)
    rng.shuffle(people)
    sloppy = rng.randrange(n)  # one fast, careless worker: races are won by speed, not accuracy
    careful = (sloppy + 1 + rng.randrange(n - 1)) % n if n > 1 else -1
    workers = []
    for i, (name, zone, offset) in enumerate(people[:n]):
        weekend = rng.random() < 0.8
        days_off = (5, 6) if weekend else tuple(sorted(rng.sample(range(7), 2)))
        speed = math.exp(rng.gauss(0, 0.3))
        error = rng.uniform(0.003, 0.02)
        if i == sloppy:
            speed, error = 0.55, 0.06
        elif i == careful:
            speed, error = 1.6, 0.002
        workers.append(Worker(
            index=i,
            name=name,
            email=_email(name),
            sub=uuid_from(rng),
            worker_id=f"private.{region}.{_hex(rng, 16)}",
            timezone=zone,
            utc_offset_min=offset,
            start_hour=rng.choice((7.0, 8.0, 8.5, 9.0, 9.5, 10.0, 13.0)),
            shift_hours=rng.choice((4.0, 6.0, 7.5, 8.0, 8.0, 8.5)),
            days_off=days_off,
            absence=rng.uniform(0.02, 0.1),
            speed=round(speed, 3),
            spread=round(rng.uniform(0.3, 0.6), 3),
            error=round(error, 4),
            sensitivity=round(rng.uniform(0.3, 1.0), 3),
            confusions=tuple(rng.sample(CONFUSION_PAIRS, rng.choice((0, 1, 1, 2)))),
            box_miss=round(rng.uniform(0.01, 0.06) * (2 if i == sloppy else 1), 4),
            box_jitter=round(rng.uniform(0.015, 0.05) * (2 if i == sloppy else 1), 4),
        ))
    return workers


class Schedule:
    """When one worker is at work: shifts broken by short breaks and lunch, days off, absences.

    Times are milliseconds since the epoch (UTC); sessions are computed per local day on demand.
    """

    def __init__(self, worker: Worker, seed: int):
        self.worker = worker
        self.seed = seed
        self._days: dict[int, list[tuple[int, int]]] = {}

    def day_sessions(self, day: int) -> list[tuple[int, int]]:
        """Working sessions of local day number `day` (days since 1970-01-01, local time)."""
        found = self._days.get(day)
        if found is None:
            found = self._days[day] = self._make_day(day)
        return found

    def _make_day(self, day: int) -> list[tuple[int, int]]:
        w = self.worker
        rng = random.Random(f"{self.seed}/shift/{w.index}/{day}")
        weekday = (date(1970, 1, 1) + timedelta(days=day)).weekday()
        hours = w.shift_hours
        if weekday in w.days_off:
            if rng.random() > 0.08:  # now and then a few hours on a day off
                return []
            hours = rng.uniform(1.5, 3.5)
        elif rng.random() < w.absence:
            return []
        local_midnight = day * DAY_MS - w.utc_offset_min * MINUTE_MS
        start = local_midnight + int((w.start_hour + rng.gauss(0, 0.35)) * HOUR_MS)
        end = start + int(max(1.0, hours + rng.gauss(0, 0.4)) * HOUR_MS)
        lunch_at = start + (end - start) * rng.uniform(0.4, 0.6) if hours >= 6 else None
        sessions, t = [], start
        while t < end:
            stop = min(end, t + int(rng.uniform(50, 110) * MINUTE_MS))
            if lunch_at is not None and t < lunch_at < stop:
                stop = int(lunch_at)
                pause = rng.uniform(30, 60)
                lunch_at = None
            else:
                pause = rng.uniform(5, 20)
            sessions.append((t, stop))
            t = stop + int(pause * MINUTE_MS)
        return sessions

    def next_available(self, t: int, horizon_days: int = 45) -> tuple[int, int] | None:
        """(when the worker can start a task at or after `t`, end of that session), or None."""
        day = (t + self.worker.utc_offset_min * MINUTE_MS) // DAY_MS - 1
        for d in range(day, day + horizon_days):
            sessions = self.day_sessions(d)
            i = bisect_right(sessions, (t, t))
            # The session starting at or before t may still be running.
            if i > 0 and sessions[i - 1][1] > t:
                return t, sessions[i - 1][1]
            if i < len(sessions):
                return sessions[i]
        return None


def task_ms(worker: Worker, task: str, rng: random.Random, boxes: int = 0) -> int:
    """How long one task takes this worker: lognormal around the task type's median."""
    median = MEDIAN_SECONDS[task] + SECONDS_PER_UNIT.get(task, 0.0) * boxes
    seconds = median * worker.speed * math.exp(rng.gauss(0, worker.spread))
    return max(800, int(seconds * 1000))


def pause_ms(rng: random.Random) -> int:
    """Time between submitting a task and accepting the next: mostly seconds, sometimes minutes."""
    if rng.random() < 0.03:
        return int(rng.uniform(2, 15) * MINUTE_MS)
    return int(1000 * 2.0 * math.exp(rng.gauss(0, 0.7)))
