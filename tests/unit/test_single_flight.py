"""Visitors asking for the same report or read at once get one computation: the later ones wait
for the first's result (core.single_flight, app_pages._memo)."""

from __future__ import annotations

import threading
from contextlib import contextmanager

import pytest

from core.single_flight import SingleFlight

WAIT = 30  # seconds: a bound for a broken build, never reached when it works


class Held:
    """A computation that signals when it starts and ends only when let go."""

    def __init__(self, result):
        self.result, self.calls = result, 0
        self.started, self.go = threading.Event(), threading.Event()

    def __call__(self, *args):
        self.calls += 1
        self.started.set()
        assert self.go.wait(WAIT)
        return self.result


def waits_seen():
    """An on_wait that records that its caller found the turn taken (so the test lets the first go
    only once the second is really waiting)."""
    seen = threading.Event()

    @contextmanager
    def on_wait():
        seen.set()
        yield

    return seen, on_wait


def in_thread(fn, out: list) -> threading.Thread:
    thread = threading.Thread(target=lambda: out.append(fn()), daemon=True)
    thread.start()
    return thread


def test_a_second_caller_waits_for_the_first_and_the_turn_is_then_dropped():
    flights, order = SingleFlight(), []
    held = Held("first")
    seen, on_wait = waits_seen()

    def first():
        with flights.turn("k"):
            order.append("first in")
            return held()

    def second():
        with flights.turn("k", on_wait):
            order.append("second in")
            return "second"

    out: list = []
    a = in_thread(first, out)
    assert held.started.wait(WAIT)
    b = in_thread(second, out)
    assert seen.wait(WAIT)  # the second found the turn taken and is waiting
    assert order == ["first in"]
    held.go.set()
    a.join(WAIT), b.join(WAIT)
    assert order == ["first in", "second in"]
    assert len(flights) == 0  # no key left behind


def test_other_keys_do_not_wait_and_a_failure_frees_the_turn():
    flights = SingleFlight()
    held = Held(None)
    out: list = []

    def hold_a():
        with flights.turn("a"):
            return held()

    a = in_thread(hold_a, out)
    assert held.started.wait(WAIT)
    with flights.turn("b"):  # another key: at once, while "a" is held
        pass
    held.go.set()
    a.join(WAIT)
    assert len(flights) == 0

    with pytest.raises(RuntimeError), flights.turn("c"):
        raise RuntimeError("the read failed")
    with flights.turn("c"), flights.turn("c"):  # free again, and the same thread may take it twice
        pass


def test_two_sessions_asking_for_one_report_compute_it_once(monkeypatch):
    import app_pages._memo as memo_module

    seen, on_wait = waits_seen()
    monkeypatch.setattr(memo_module, "waiting", lambda text: on_wait)
    memo_module._memos().clear()
    data, held = object(), Held("report")
    out: list = []
    a = in_thread(lambda: memo_module.memo("workers", data, ("key",), held), out)
    assert held.started.wait(WAIT)
    b = in_thread(lambda: memo_module.memo("workers", data, ("key",), held), out)
    assert seen.wait(WAIT)
    held.go.set()
    a.join(WAIT), b.join(WAIT)
    assert out == ["report", "report"] and held.calls == 1
    assert memo_module.memoized("workers", data, ("key",))
    assert not memo_module.memoized("workers", object(), ("key",))  # other data: not this report
    assert len(memo_module.flights()) == 0


def test_two_sessions_opening_one_source_read_it_once(monkeypatch):
    import app_pages._memo as memo_module
    import app_pages._shared as shared

    seen, on_wait = waits_seen()
    monkeypatch.setattr(shared, "waiting", lambda text: on_wait)
    loaded, held = {}, Held("answers")
    out: list = []

    def session(token: float):
        return lambda: shared._read_once(loaded, ("s3://b/out", ()), token, "s3://b/out", held)

    a = in_thread(session(0), out)
    assert held.started.wait(WAIT)
    b = in_thread(session(0), out)
    assert seen.wait(WAIT)
    held.go.set()
    a.join(WAIT), b.join(WAIT)
    assert out == ["answers", "answers"] and held.calls == 1
    # A session whose Refresh came after that read reads again.
    assert shared._read_once(loaded, ("s3://b/out", ()), 5.0, "s3://b/out", lambda progress: "newer") == "newer"
    assert len(memo_module.flights()) == 0
