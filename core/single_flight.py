"""One computation at a time per key, shared by whoever asks for it meanwhile.

The app serves every visitor from one process. Two visitors opening the same page at once (a link
shared in a meeting) both missed the shared memo and both computed the same report: at a million
answers that is two 30-second Dawid-Skene estimates on two cores, and a tab closed meanwhile kept
its own going. With a turn per key, the second visitor waits for the first's result instead.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Hashable, Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext


class SingleFlight:
    """A re-entrant lock per key, made when first asked for and dropped once nobody holds or waits
    for it (keys name loaded data, so they must not pile up)."""

    def __init__(self) -> None:
        self._guard = threading.Lock()
        self._turns: dict[Hashable, list] = {}  # key -> [lock, holders and waiters]

    @contextmanager
    def turn(self, key: Hashable, on_wait: Callable[[], AbstractContextManager] | None = None) -> Iterator[None]:
        """Held while the caller computes `key`. When another thread holds it, waits inside
        on_wait() (a spinner saying why), then the caller checks again for the result it left."""
        with self._guard:
            entry = self._turns.setdefault(key, [threading.RLock(), 0])
            entry[1] += 1
        lock = entry[0]
        try:
            if not lock.acquire(blocking=False):
                with (on_wait or nullcontext)():
                    lock.acquire()
            try:
                yield
            finally:
                lock.release()
        finally:
            with self._guard:
                entry[1] -= 1
                if entry[1] == 0:
                    del self._turns[key]

    def __len__(self) -> int:
        """Keys held or waited for now."""
        with self._guard:
            return len(self._turns)
