"""The demo workspace's time: tests pin it (GC_DEMO_AT), so what the demo holds is the same on any date."""

import json
import os
from datetime import UTC, datetime

import pytest

from core.workspace import demo_at, demo_workspace


@pytest.fixture(scope="module")
def opened_early(demo_dir):
    """The demo as module-scoped fixtures open it: before any function-scoped fixture has run."""
    ws = demo_workspace(demo_dir)
    ws.service.list_labeling_jobs()  # opened, so built if no test had yet
    return ws


def test_the_tests_demo_ends_at_gc_demo_at_and_its_clock_stands_there(opened_early, demo_dir):
    pinned = datetime.fromisoformat(os.environ["GC_DEMO_AT"])  # set by tests/conftest.py for the session
    built = json.loads((demo_dir / "state" / "demo.json").read_text(encoding="utf-8"))["now"]
    assert datetime.fromisoformat(built) == pinned
    assert opened_early.now() == pinned
    assert demo_workspace().now() == pinned  # as pages and commands open it
    assert opened_early.now() == pinned  # still: the wall clock moved on, the demo's did not


@pytest.mark.parametrize(("raw", "expected"), [
    ("2026-03-16T15:00", datetime(2026, 3, 16, 15, 0, tzinfo=UTC)),  # no zone: UTC
    ("2026-03-16T16:00+01:00", datetime(2026, 3, 16, 15, 0, tzinfo=UTC)),
    ("2026-03-16T15:00Z", datetime(2026, 3, 16, 15, 0, tzinfo=UTC)),
])
def test_gc_demo_at_is_read_as_utc(monkeypatch, raw, expected):
    monkeypatch.setenv("GC_DEMO_AT", raw)
    assert demo_at() == expected


def test_a_bad_gc_demo_at_is_named_not_ignored(monkeypatch, tmp_path):
    monkeypatch.setenv("GC_DEMO_AT", "next tuesday")
    with pytest.raises(ValueError, match=r"GC_DEMO_AT='next tuesday' is not a date and time"):
        demo_workspace(tmp_path / "demo")
    assert not (tmp_path / "demo").exists()  # nothing built on a guess


def test_another_buckets_uri_is_opened_without_building_the_demo(tmp_path):
    """A folder read in the demo workspace points at images in its own bucket: opening one must not
    build the demo (minutes on a first start) to find it is not there."""
    from core.storage import StoreError

    ws = demo_workspace(tmp_path / "demo")
    with pytest.raises(StoreError):
        ws.open("s3://team-images/birds/0001.jpg").read()
    assert not (tmp_path / "demo" / "state").exists()
