"""A load of a local folder in which nothing changed since the cache was saved reads only the few
files it must (core.annotations.unchanged), and gives what a full load gives: on the
one-job-of-each-task-type tree of test_quality_report (a bad file among them) and on the demo; a
file whose fetch failed is tried again, and a folder that changed is loaded in full."""

from __future__ import annotations

import json
import os
import shutil
import time
from pathlib import Path

import pytest
from test_annotation_cache import BAD, same  # noqa: F401  (tests/unit is on sys.path)
from test_quality_report import source  # noqa: F401

from core.annotations import reader as reader_module
from core.annotations.reader import AnnotationReader
from core.annotations.source import read_source
from core.storage import StoreError, open_location
from core.storage.local import LocalStore


def settled(root: Path) -> Path:
    """Every folder and file under `root` an hour old: a folder changed within seconds of a
    listing is always read again (core.storage.scan.SETTLE_NS), so a fresh copy is never unchanged."""
    past = time.time_ns() - 3600 * 10**9
    for folder, _, names in os.walk(root):
        for name in names:
            os.utime(os.path.join(folder, name), ns=(past, past))
        os.utime(folder, ns=(past, past))
    return root


@pytest.fixture
def tree(source, tmp_path):  # noqa: F811
    return settled(shutil.copytree(source / "out", tmp_path / "out"))


@pytest.fixture
def full_loads(monkeypatch) -> list[int]:
    """Counts the loads that made a file object of every listed file (the full load's walk)."""
    calls: list[int] = []
    walk = reader_module.in_walk_order
    monkeypatch.setattr(reader_module, "in_walk_order", lambda listing: calls.append(1) or walk(listing))
    return calls


def test_an_unchanged_folder_is_read_from_the_cache_as_a_full_load_reads_it(tree, tmp_path, full_loads):
    location = open_location(str(tree))
    cold = AnnotationReader(location, cache_root=tmp_path / "cache").load()
    assert len(full_loads) == 1
    again = AnnotationReader(location, cache_root=tmp_path / "cache")
    warm = again.load()
    assert len(full_loads) == 1  # the second load listed no file object
    assert (again.parsed, again.cached) == (0, cold.files + len(cold.unread))
    assert [u.uri for u in warm.unread] == [location.store.uri_of(BAD)]  # the bad file, said again
    same(warm, cold)
    same(warm, read_source(location))


def test_a_changed_file_in_an_unchanged_looking_cache_is_read(tree, tmp_path, full_loads):
    location = open_location(str(tree))
    AnnotationReader(location, cache_root=tmp_path / "cache").load()
    (tree / BAD).write_text(json.dumps({"answers": []}))  # its folder is as it was: only the file changed
    again = AnnotationReader(location, cache_root=tmp_path / "cache")
    found = again.load()
    assert again.parsed == 1 and found.unread == [] and len(full_loads) == 2
    same(found, read_source(location))


def test_a_file_that_could_not_be_fetched_is_fetched_again(tree, tmp_path, monkeypatch, full_loads):
    location = open_location(str(tree))
    get = LocalStore.get
    failing = "fruit-ic/annotations/worker-response/iteration-1/0/2025-02-03_10:01:00.json"

    def flaky(store, key):
        if key == failing:
            raise StoreError("disk said no")
        return get(store, key)

    monkeypatch.setattr(LocalStore, "get", flaky)
    first = AnnotationReader(location, cache_root=tmp_path / "cache").load()
    assert "disk said no" in [u.reason for u in first.unread]
    monkeypatch.setattr(LocalStore, "get", get)
    again = AnnotationReader(location, cache_root=tmp_path / "cache")
    found = again.load()
    assert again.parsed == 1 and len(full_loads) == 2  # the listing is unchanged, the cache is not whole
    same(found, read_source(location))


def test_the_demo_unchanged_is_the_uncached_read(demo, tmp_path, full_loads):
    root = settled(shutil.copytree(Path(demo.open(demo.output_uri).store.root), tmp_path / "bucket"))
    location = open_location(str(root))
    AnnotationReader(location, cache_root=tmp_path / "cache").load()
    again = AnnotationReader(location, cache_root=tmp_path / "cache")
    found = again.load()
    assert again.parsed == 0 and len(full_loads) == 1
    same(found, read_source(location))
