"""Simulated time. Every timestamp the simulator writes comes from a clock, never from the wall."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from typing import Protocol


class Clock(Protocol):
    def now(self) -> datetime:
        """The current simulated instant, timezone-aware UTC."""
        ...


def utc(t: datetime) -> datetime:
    """`t` as an aware UTC datetime (naive datetimes are taken as UTC)."""
    return t.replace(tzinfo=UTC) if t.tzinfo is None else t.astimezone(UTC)


def to_ms(t: datetime) -> int:
    """Milliseconds since the Unix epoch: the simulator's internal time unit (exact, fast)."""
    t = utc(t)
    return (t - EPOCH) // timedelta(milliseconds=1)


def from_ms(ms: int) -> datetime:
    return EPOCH + timedelta(milliseconds=ms)


EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


class FixedClock:
    """Stands still until told to move: for tests and for building the demo's history."""

    def __init__(self, t: datetime):
        self._t = utc(t)

    def now(self) -> datetime:
        return self._t

    def set(self, t: datetime) -> None:
        self._t = utc(t)

    def advance(self, delta: timedelta) -> None:
        self._t += delta


class AcceleratedClock:
    """Simulated time runs `factor` times faster than real time from (start_real, start_sim), for
    the first `boost` of real time (all of it when None), then at real speed, so a demo opened a
    week after it was built is hours, not months, ahead of the calendar.

    `start_real` is a real UTC instant; `real_now` (for tests) replaces the wall clock.
    """

    def __init__(self, start_real: datetime, start_sim: datetime, factor: float = 1.0, real_now=None,
                 boost: timedelta | None = None):
        if factor <= 0:
            raise ValueError(f"factor must be positive (got {factor})")
        self.start_real = utc(start_real)
        self.start_sim = utc(start_sim)
        self.factor = factor
        self.boost = boost
        self._real_now = real_now or (lambda: datetime.fromtimestamp(time.time(), UTC))

    def now(self) -> datetime:
        elapsed = max(self._real_now() - self.start_real, timedelta(0))
        fast = elapsed if self.boost is None else min(elapsed, self.boost)
        return self.start_sim + fast * self.factor + (elapsed - fast)
