"""The parsed-answer cache (core.ingest): a refresh or a new process parses only new or changed
files, gives the same tables as a cold read, reports cached bad files again, stays bounded, and is
shared safely by two processes."""

from __future__ import annotations

import multiprocessing
import os
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pandas as pd
import pytest

from core.ingest import SourceReader
from core.ingest.cache import TableCache, trim
from core.storage import open_location

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
LONG_AGO = 1_700_000_000  # folder mtimes set here are "settled": the listing may trust them


def _job(gt_output, objects: int = 6) -> Path:
    root = gt_output.job("cats", {
        i: [gt_output.answer(w, "Cat" if (i + w) % 3 else "Dog", T0 + timedelta(minutes=i, seconds=w))
            for w in range(1, 4)]
        for i in range(objects)
    })
    return root.parent


def _settle(folder: Path) -> None:
    """Stamp every folder with an old mtime, as folders are an hour after a job wrote them."""
    for dirpath, _, _ in os.walk(folder):
        os.utime(dirpath, (LONG_AGO, LONG_AGO))


def _read(folder: Path, cache: Path):
    return SourceReader(open_location(str(folder)), cache_root=cache).load()


def _same(a, b) -> None:
    for name in ("answers", "labels", "objects", "consolidations", "auto_labels"):
        pd.testing.assert_frame_equal(getattr(a, name), getattr(b, name))
    assert (a.jobs, a.files, a.skipped, a.suspect, a.unread) == (b.jobs, b.files, b.skipped, b.suspect, b.unread)


def _response_files(folder: Path) -> list[Path]:
    return sorted(folder.rglob("worker-response/iteration-1/*/*.json"))


def test_a_new_process_parses_nothing_and_sees_what_a_cold_read_sees(gt_output, tmp_path):
    folder = _job(gt_output)
    _settle(folder)
    first = _read(folder, tmp_path / "cache")
    assert first.parsed == 7 and len(first.answers) == 18  # 6 responses and the manifest
    again = _read(folder, tmp_path / "cache")  # a new reader: warm from disk only
    assert again.parsed == 0
    _same(again, first)


def test_only_new_changed_and_deleted_files_are_read_again(gt_output, tmp_path):
    folder = _job(gt_output)
    _settle(folder)
    cache = tmp_path / "cache"
    _read(folder, cache)
    files = _response_files(folder)
    files[0].unlink()
    changed = files[1]
    changed.write_text(changed.read_text().replace('"Cat"', '"Lynx"').replace('"Dog"', '"Lynx"'))
    _settle(folder)  # rewritten in place, and long ago: only the file's own size and mtime tell
    gt_output.response("cats", 1, 99, [gt_output.answer(7, "Cat", T0 + timedelta(hours=2))])
    warm = _read(folder, cache)
    assert warm.parsed == 2  # the changed file and the new one; the deleted one just went away
    _same(warm, _read(folder, tmp_path / "cold"))
    assert (warm.answers["label"] == "Lynx").sum() == 3
    assert "99" in set(warm.answers["object_id"]) and len(warm.answers) == 18 - 3 + 1


def test_a_refresh_that_finds_nothing_new_returns_the_same_data_and_a_change_new_data(gt_output, tmp_path):
    folder = _job(gt_output)
    _settle(folder)
    reader = SourceReader(open_location(str(folder)), cache_root=tmp_path / "cache")
    first = reader.load()
    assert first.parsed == 7
    again = reader.load()
    # The same object, so a page's reports computed from it (kept by identity) stand; its counts
    # say this refresh parsed nothing.
    assert again is first and (again.parsed, again.cached) == (0, 7)
    gt_output.response("cats", 1, 99, [gt_output.answer(7, "Cat", T0 + timedelta(hours=2))])
    changed = reader.load()
    assert changed is not first and changed.parsed == 1 and len(changed.answers) == 19
    assert reader.load() is changed


def test_a_file_added_to_a_settled_folder_is_found(gt_output, tmp_path):
    folder = _job(gt_output)
    _settle(folder)
    cache = tmp_path / "cache"
    _read(folder, cache)
    one = _response_files(folder)[0]
    extra = one.with_name("2026-03-02_12:00:00.json")
    extra.write_text('{"answers": []}')
    os.utime(one.parent, (LONG_AGO + 60, LONG_AGO + 60))  # its folder changed, and is settled again
    assert _read(folder, cache).parsed == 1


def test_a_bad_file_is_reported_again_from_the_cache(gt_output, tmp_path):
    folder = _job(gt_output)
    bad = _response_files(folder)[2]
    bad.write_text('{"answers": [')
    _settle(folder)
    cache = tmp_path / "cache"
    cold = _read(folder, cache)
    warm = _read(folder, cache)
    assert warm.parsed == 0
    assert [s.uri for s in warm.unread] == [str(bad)] and "invalid JSON" in warm.unread[0].reason
    _same(warm, cold)


def test_a_damaged_cache_is_rebuilt_not_trusted(gt_output, tmp_path):
    folder = _job(gt_output)
    cache = tmp_path / "cache"
    cold = _read(folder, cache)
    for saved in cache.rglob("answers.arrow"):
        saved.write_bytes(b"not an Arrow file")
    again = _read(folder, cache)
    assert again.parsed == 7
    _same(again, cold)


def test_the_cache_keeps_under_its_cap_dropping_the_least_recently_used(gt_output, tmp_path, monkeypatch):
    cache = tmp_path / "cache"
    folders = []
    for name in ("a", "b", "c"):
        folder = _job(gt_output)
        target = tmp_path / name
        folder.rename(target)
        folders.append(target)
        _read(target, cache)
    sources = sorted(cache.iterdir(), key=lambda f: (f / "current").stat().st_mtime)
    one = sum(f.stat().st_size for f in sources[-1].rglob("*") if f.is_file())
    removed = trim(cache, cap=one * 2 + one // 2)  # room for two of the three
    assert removed == [sources[0]] and sorted(cache.iterdir()) == sorted(sources[1:])
    assert _read(folders[0], cache).parsed == 7  # the dropped one is simply read again


def _load_many(folder: str, cache: str, rounds: int, queue) -> None:
    try:
        for _ in range(rounds):
            data = SourceReader(open_location(folder), cache_root=Path(cache)).load()
            queue.put(len(data.answers))
    except Exception as exc:  # reported to the test, not lost in the child
        queue.put(repr(exc))


def test_two_processes_share_one_cache(gt_output, tmp_path):
    """The app and a cron run loading (and saving) the same source at once: every load sees whole
    tables, and the cache stays readable."""
    folder = _job(gt_output, objects=40)
    cache = tmp_path / "cache"
    ctx = multiprocessing.get_context("fork")
    queue = ctx.Queue()
    procs = [ctx.Process(target=_load_many, args=(str(folder), str(cache), 8, queue)) for _ in range(2)]
    for p in procs:
        p.start()
    results = [queue.get(timeout=120) for _ in range(16)]
    for p in procs:
        p.join(timeout=60)
    assert results == [120] * 16
    assert len(list(TableCache(cache, "x").root.glob("*/gen-*"))) >= 1
    assert _read(folder, cache).parsed == 0


@pytest.mark.parametrize("content", [b"", b"\xff\xfe", b'{"answers": "no"}'])
def test_what_a_cold_read_reports_a_warm_one_reports(gt_output, tmp_path, content):
    folder = _job(gt_output)
    _response_files(folder)[0].write_bytes(content)
    cache = tmp_path / "cache"
    cold = _read(folder, cache)
    assert cold.unread
    _same(_read(folder, cache), cold)


def test_the_command_says_how_many_files_it_parsed(gt_output, tmp_path, monkeypatch, capsys):
    """With --verbose; without it, cron mails only the skipped files and their count."""
    from core.cli import main

    folder = _job(gt_output)
    _settle(folder)
    monkeypatch.setenv("GC_CACHE_DIR", str(tmp_path / "cache"))
    assert main(["workers", str(folder), "--format", "csv", "--verbose"]) == 0
    assert "7 Ground Truth file(s) parsed (new or changed), 0 unchanged from the cache" in capsys.readouterr().err
    assert main(["workers", str(folder), "--format", "csv", "--verbose"]) == 0
    assert "0 Ground Truth file(s) parsed (new or changed), 7 unchanged from the cache" in capsys.readouterr().err


def test_a_file_a_first_read_fails_on_is_reported_and_read_by_the_next_load(gt_output, tmp_path, monkeypatch):
    import core.ingest.reader as reader

    folder = _job(gt_output)
    _settle(folder)
    broken = _response_files(folder)[1]
    parse = reader.parse

    def buggy(key, data, kind, **kw):  # a parser bug that this one file meets
        if key.endswith(f"{broken.parent.name}/{broken.name}"):
            raise RuntimeError("a bug")
        return parse(key, data, kind, **kw)

    monkeypatch.setattr(reader, "parse", buggy)
    cache = tmp_path / "cache"
    first = _read(folder, cache)
    assert any(s.uri == str(broken) and "RuntimeError: a bug" in s.reason for s in first.unread)
    assert len(first.answers) == 15  # its three answers are not in; nothing else is missing
    monkeypatch.setattr(reader, "parse", parse)
    again = _read(folder, cache)
    assert again.parsed == 1 and len(again.answers) == 18  # that file alone, read again
    _same(again, _read(folder, tmp_path / "cold"))
