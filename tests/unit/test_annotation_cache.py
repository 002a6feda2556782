"""The annotations reader's disk cache (core.annotations.reader / cache): a second read parses
nothing, a changed file is parsed again, a bad file is reported from the cache, and a cached read
is the uncached read, on the one-job-of-each-task-type tree of test_quality_report and the demo."""

from __future__ import annotations

import json
import os
import shutil

import pandas as pd
import pytest
from test_quality_report import A, B, answer, source  # noqa: F401  (tests/unit is on sys.path)

from core.annotations.answers import read_answers
from core.annotations.columns import RowTable, to_table_frame
from core.annotations.parsed import parse_response
from core.annotations.reader import AnnotationReader
from core.annotations.source import read_source
from core.storage import open_location

BAD = "fruit-ic/annotations/worker-response/iteration-1/9/2025-02-03_10:09:00.json"
ANSWER = "fruit-ic/annotations/worker-response/iteration-1/0/2025-02-03_10:01:00.json"


def same(a, b) -> None:
    pd.testing.assert_frame_equal(a.table, b.table, check_exact=True)
    assert (a.notes, a.unread, a.texts, a.files, a.uri) == (b.notes, b.unread, b.texts, b.files, b.uri)
    assert [(m.job, m.object_id, m.worker_id, m.png, m.colors) for m in a.masks] == [
        (m.job, m.object_id, m.worker_id, m.png, m.colors) for m in b.masks]


@pytest.fixture
def tree(source, tmp_path):  # noqa: F811
    """A copy of the tree each test may change."""
    return shutil.copytree(source / "out", tmp_path / "out")


def test_a_second_read_after_a_restart_parses_nothing_and_is_the_same(tree, tmp_path):
    location = open_location(str(tree))
    first = AnnotationReader(location, cache_root=tmp_path / "cache")
    cold = first.load()
    assert first.cached == 0 and first.parsed > 10
    again = AnnotationReader(location, cache_root=tmp_path / "cache")  # a new process: from the disk
    warm = again.load()
    assert (again.parsed, again.cached) == (0, first.parsed)
    same(warm, cold)
    same(warm, read_source(location))
    assert again.load() is not warm and (again.parsed, again.cached) == (0, first.parsed)  # a refresh


def test_a_changed_file_is_parsed_again(tree, tmp_path):
    location = open_location(str(tree))
    reader = AnnotationReader(location, cache_root=tmp_path / "cache")
    before = reader.load()
    path = tree / ANSWER
    doc = json.loads(path.read_text())
    doc["answers"][0]["answerContent"]["crowd-image-classifier"]["label"] = "plum"
    path.write_text(json.dumps(doc))
    os.utime(path, ns=(1, 1))  # a different version even on a coarse clock
    after = reader.load()
    assert reader.parsed == 1
    same(after, read_source(location))
    labels = lambda found: set(found.table.loc[found.table["job"].eq("fruit-ic"), "label"])  # noqa: E731
    assert "plum" in labels(after) and "plum" not in labels(before)


def test_a_new_job_is_read_in_the_walks_order_after_a_refresh_and_a_restart(tree, tmp_path):
    """A refresh lists a folder from its last listing (core.storage.scan), where new files come
    last; rows stay in the walk's order: "fruit-ic-2" right after "fruit-ic" (though its keys sort
first), not after every other job."""
    location = open_location(str(tree))
    reader = AnnotationReader(location, cache_root=tmp_path / "cache")
    reader.load()
    shutil.copytree(tree / "fruit-ic", tree / "fruit-ic-2")
    refreshed = reader.load()
    cold = read_source(location)
    same(refreshed, cold)  # rows, in order
    restarted = AnnotationReader(location, cache_root=tmp_path / "cache")
    same(restarted.load(), cold)
    assert restarted.parsed == 0


def test_a_bad_file_is_reported_from_the_cache(tree, tmp_path):
    location = open_location(str(tree))
    first = AnnotationReader(location, cache_root=tmp_path / "cache")
    assert [u.uri for u in first.load().unread] == [location.store.uri_of(BAD)]
    again = AnnotationReader(location, cache_root=tmp_path / "cache")
    found = again.load()
    assert again.parsed == 0
    assert [(u.uri, u.reason) for u in found.unread] == [(u.uri, u.reason) for u in read_source(location).unread]
    (tree / BAD).write_text(json.dumps({"answers": [answer(A, {"crowd-image-classifier": {"label": "apple"}})]}))
    fixed = again.load()
    assert again.parsed == 1 and fixed.unread == []


def test_a_job_whose_manifest_arrives_reads_its_answers_again(tree, tmp_path):
    """A worker's answer is read with its job's task type, which only the output manifest gives:
    a cached answer read without it is parsed again once the manifest is there."""
    manifest = tree / "cars-verify/manifests/output/output.manifest"
    held = manifest.read_bytes()
    manifest.unlink()
    location = open_location(str(tree))
    reader = AnnotationReader(location, cache_root=tmp_path / "cache")
    reader.load()
    manifest.write_bytes(held)
    found = reader.load()
    assert reader.parsed > 1  # the manifest and its job's answers
    same(found, read_source(location))
    assert "verdict" in set(found.table.loc[found.table["job"].eq("cars-verify"), "kind"])


@pytest.mark.parametrize("task_type", [None, "classification", "label-verification", "adjustment", "bounding-box"])
def test_plain_class_answers_make_the_rows_the_readers_make(task_type):
    answers = [answer(A, {"c": {"label": "apple"}}), answer(B, {"c": {"label": "pear", "workerComment": "unsure"}}, 1),
               answer(A, {"c": {"label": "pear", "initialValueModified": True}}, 2),
               answer(B, {"c": {"labels": ["a", "b"], "label": "x"}}, 3), answer(A, {"c": {"label": 3}}, 4),
               answer(B, {"a": {"label": "x"}, "b": {"label": "y"}}, 5), {"workerId": "w"}, dict(answer(A, {}), n=6)]
    data = json.dumps({"answers": answers}).encode()
    expected = read_answers(data, "job", "7", "where", task_type)
    parsed = parse_response(data, "job", "7", "where", task_type)
    rows = RowTable()
    for values in parsed.rows:
        rows.add("k", values)
    pd.testing.assert_frame_equal(to_table_frame(rows.table()), expected.frame(), check_exact=True)
    assert parsed.notes == expected.notes


def test_the_demo_read_through_the_cache_is_the_uncached_read(demo, tmp_path):
    location = demo.open(demo.output_uri)
    expected = read_source(location)
    same(AnnotationReader(location, cache_root=tmp_path).load(), expected)
    again = AnnotationReader(location, cache_root=tmp_path)
    same(again.load(), expected)
    assert again.parsed == 0
