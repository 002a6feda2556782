"""The result cache of `workers` (core.ingest.results): a rerun over unchanged answers prints the
kept report without computing it, and nothing it depends on can change without the report being
computed again: an answer, a file an argument names, an argument, or "now" screening a late answer."""

from __future__ import annotations

import os
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

import core.cli.workers as workers_cli
import core.workspace
from core.cli import main

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
LONG_AGO = 1_700_000_000  # settled folder mtimes: the listing may trust them


@pytest.fixture
def folder(gt_output, tmp_path, monkeypatch) -> Path:
    monkeypatch.setenv("GC_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setattr(core.workspace, "_wall_clock", lambda: T0 + timedelta(days=30))
    root = gt_output.job("cats", {
        i: [gt_output.answer(w, "Cat" if (i + w) % 3 else "Dog", T0 + timedelta(minutes=i, seconds=w))
            for w in range(1, 4)]
        for i in range(6)
    }).parent
    _settle(root)
    return root


def _settle(root: Path) -> None:
    for dirpath, _, _ in os.walk(root):
        os.utime(dirpath, (LONG_AGO, LONG_AGO))


def _run(capsys, *args) -> tuple[int, str, str]:
    code = main(["workers", *map(str, args), "--format", "csv"])
    out = capsys.readouterr()
    return code, out.out, out.err


def _kept(tmp_path) -> list[Path]:
    return sorted((tmp_path / "cache" / "results").glob("*.json"))


def _not_computed(monkeypatch) -> None:
    def refuse(*_, **__):
        raise AssertionError("the report was computed again")

    monkeypatch.setattr(workers_cli, "worker_report", refuse)


def test_a_rerun_over_unchanged_answers_prints_the_kept_report(folder, tmp_path, capsys, monkeypatch):
    first = _run(capsys, folder)
    assert first[0] == 0 and first[1].startswith("worker") and len(_kept(tmp_path)) == 1
    _not_computed(monkeypatch)
    assert _run(capsys, folder) == first


def test_verbose_counts_this_run_not_the_kept_one(folder, capsys):
    _run(capsys, folder)
    assert "0 Ground Truth file(s) parsed (new or changed), 7 unchanged" in _run(capsys, folder, "--verbose")[2]


def test_a_changed_answer_is_computed_again(folder, tmp_path, capsys, monkeypatch):
    before = _run(capsys, folder)
    response = sorted(folder.rglob("worker-response/iteration-1/*/*.json"))[0]
    text = response.read_text()
    response.write_text(text.replace('"Cat"', '"Dog"') if '"Cat"' in text else text.replace('"Dog"', '"Cat"'))
    after = _run(capsys, folder)
    assert after != before
    monkeypatch.setenv("GC_CACHE_DIR", str(tmp_path / "fresh"))  # what a first run would print
    assert _run(capsys, folder) == after


def test_a_changed_file_an_argument_names_is_read_again(folder, tmp_path, capsys):
    gold = tmp_path / "gold.csv"
    gold.write_text("source,label\n" + "".join(f"s3://bucket/images/{i}.jpg,Cat\n" for i in range(6)))
    with_cats = _run(capsys, folder, "--gold", gold)
    gold.write_text("source,label\n" + "".join(f"s3://bucket/images/{i}.jpg,Dog\n" for i in range(6)))
    with_dogs = _run(capsys, folder, "--gold", gold)
    assert with_cats[1] != with_dogs[1]


def test_other_arguments_are_another_report(folder, capsys, monkeypatch):
    csv = _run(capsys, folder)
    _not_computed(monkeypatch)
    with pytest.raises(AssertionError, match="computed again"):
        main(["workers", str(folder), "--format", "json"])
    assert csv[1].startswith("worker")


def test_a_report_that_screened_a_late_answer_is_not_kept(gt_output, tmp_path, capsys, monkeypatch):
    """An answer dated after "now" is left out of dates; when "now" passes it, it counts, so a report
    made while it was late must not be printed then."""
    monkeypatch.setenv("GC_CACHE_DIR", str(tmp_path / "cache"))
    late = T0 + timedelta(days=10)
    root = gt_output.job("cats", {0: [gt_output.answer(1, "Cat", T0), gt_output.answer(2, "Cat", late)]}).parent
    _settle(root)
    monkeypatch.setattr(core.workspace, "_wall_clock", lambda: T0)
    early = _run(capsys, root)
    assert "in the future" in early[2] and _kept(tmp_path) == []
    monkeypatch.setattr(core.workspace, "_wall_clock", lambda: late + timedelta(days=1))
    later = _run(capsys, root)
    assert "in the future" not in later[2] and later[1] != early[1] and len(_kept(tmp_path)) == 1
    monkeypatch.setattr(core.workspace, "_wall_clock", lambda: T0)  # a clock set back: the kept one is not current
    assert _run(capsys, root) == early
