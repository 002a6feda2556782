"""Worker responses read in blocks by Arrow (core.ingest.columnar) give exactly the tables the
per-file reader gives: on the real fixture, on the demo's every task type, and on files of every
odd shape the hardening rules name (bad times, missing ids, nulls, escapes, nesting, bad JSON), each
of which must be left to the per-file reader, which says what is wrong with it."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from core.ingest import columnar, manifest_columns, rows
from core.ingest.reader import SourceReader
from core.storage import open_location

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
DEEP = 10_000  # past this Arrow's JSON reader crashed the process


# Each bulk reader, and how to turn it off: every file then goes to the per-file (per-line) reader.
OFF = {"response": (columnar, "plain", lambda data: False), "manifest": (manifest_columns, "read", lambda data: None)}


def _tables(folder, cache, monkeypatch, kind: str, bulk: bool) -> tuple[dict, int]:
    """The cold read's tables, and how many files of `kind` the per-file reader read."""
    read = rows.READERS[kind]
    calls = []

    def counted(data):
        calls.append(data)
        return read(data)

    with monkeypatch.context() as mp:
        mp.setitem(rows.READERS, kind, counted)
        if not bulk:
            mp.setattr(*OFF[kind])
        snap = SourceReader(open_location(str(folder)), cache_root=cache).snapshot()
    return {name: table.to_pylist() for name, table in snap.tables.items()} | {"skipped": snap.skipped}, len(calls)


def same_both_ways(folder, tmp_path, monkeypatch, kind: str = "response") -> int:
    """Asserts the tables are the same read in bulk and file by file; how many files of `kind` the
    per-file reader read in bulk."""
    bulk, read_one_by_one = _tables(folder, tmp_path / "bulk", monkeypatch, kind, bulk=True)
    plain, _ = _tables(folder, tmp_path / "plain", monkeypatch, kind, bulk=False)
    assert bulk.keys() == plain.keys()
    for name in plain:
        assert bulk[name] == plain[name], name
    return read_one_by_one


def test_the_real_fixture_is_read_in_blocks_and_reads_the_same(birds_dir, tmp_path, monkeypatch):
    assert same_both_ways(birds_dir, tmp_path, monkeypatch) == 0  # every file of it in a block


@pytest.mark.slow
def test_every_task_type_of_the_demo_reads_the_same(demo_dir, demo_at, tmp_path, monkeypatch):
    from core.workspace import demo_workspace

    folder = demo_workspace(demo_dir).open("s3://ground-control-demo/labeling-jobs").store.root
    assert same_both_ways(folder, tmp_path, monkeypatch) == 0


def _answer(gt_output, n: int = 1, **fields) -> dict:
    raw = gt_output.answer(n, "Cat", T0)
    for key, value in fields.items():
        if value is _GONE:
            raw.pop(key)
        else:
            raw[key] = value
    return raw


_GONE = object()


def _odd_files(gt_output) -> dict[str, bytes]:
    """Each file a shape the blocks must either read as the per-file reader does or leave to it."""
    a = lambda **f: _answer(gt_output, **f)  # noqa: E731
    doc = lambda *answers: json.dumps({"answers": list(answers)}, separators=(",", ":")).encode()  # noqa: E731
    boxes = {"boundingBox": {"boundingBoxes": [{"label": "Cat", "left": 1, "top": 2, "width": 3, "height": 4}],
                             "inputImageProperties": {"height": 10, "width": 10}}}
    return {
        "clean": doc(a(), _answer(gt_output, 2)),
        "no-answers": doc(),
        "public": doc(a(acceptanceTime=_GONE, timeSpentInSeconds=_GONE, workerMetadata=_GONE,
                        submissionTime="2019-04-18T16:11:15Z")),
        "elapsed": doc(a(timeSpentInSeconds=_GONE)),
        "elapsed-backwards": doc(a(timeSpentInSeconds=_GONE, acceptanceTime="2026-03-02T10:00:00.000Z")),
        "spent-negative": doc(a(timeSpentInSeconds=-1)),
        "spent-two-days": doc(a(timeSpentInSeconds=172_800)),
        "spent-text": doc(a(timeSpentInSeconds="12")),
        "spent-true": doc(a(timeSpentInSeconds=True)),
        "spent-huge": b'{"answers":[{"workerId":"w","submissionTime":"2026-03-02T09:00:00.000Z",'
                      b'"timeSpentInSeconds":123456789012345678901234,"answerContent":{"c":{"label":"Cat"}}}]}',
        "spent-nan": b'{"answers":[{"workerId":"w","submissionTime":"2026-03-02T09:00:00.000Z",'
                     b'"timeSpentInSeconds":NaN,"answerContent":{"c":{"label":"Cat"}}}]}',
        "no-worker": doc(a(workerId=_GONE)),
        "empty-worker": doc(a(workerId="")),
        "number-worker": doc(a(workerId=5)),
        "no-content": doc(a(answerContent=_GONE)),
        "text-content": doc(a(answerContent="Cat")),
        "empty-content": doc(a(answerContent={})),
        "two-keys": doc(a(answerContent={"x": {"label": "Cat"}, "y": {"label": "Dog"}})),
        "number-label": doc(a(answerContent={"crowd-image-classifier": {"label": 3}})),
        "boxes": doc(a(answerContent=boxes)),
        "no-zone": doc(a(submissionTime="2026-03-02T09:00:00.000")),
        "offset": doc(a(submissionTime="2026-03-02T11:00:00.000+02:00")),
        "no-date": doc(a(submissionTime="2026-02-30T09:00:00.000Z")),
        "time-number": doc(a(submissionTime=5)),
        "one-digit-fraction": doc(a(submissionTime="2026-03-02T09:00:00.5Z")),
        "microseconds": doc(a(submissionTime="2026-03-02T09:00:00.123456Z",
                              acceptanceTime="2026-03-02T08:59:58.000001Z")),
        "escaped": doc(a(answerContent={"crowd-image-classifier": {"label": "Caf\u00e9 \u2028 \U0001F600"}})),
        "raw-utf8": json.dumps({"answers": [a(answerContent={"c": {"label": "Café"}})]}, ensure_ascii=False).encode(),
        "lone-surrogate": doc(a()).replace(b'"Cat"', b'"\\ud800"'),
        "null-sub": doc(a(workerMetadata={"identityData": {"sub": None}})),
        "metadata-text": doc(a(workerMetadata="x")),
        "sub-number": doc(a(workerMetadata={"identityData": {"sub": 7}})),
        "extra-fields": json.dumps({"answers": [a(extra={"x": [1, 2]})], "more": True}).encode(),
        "mixed-extra": json.dumps({"answers": [a(extra=[1, {"x": 2}])]}).encode(),
        "duplicate-key": doc(a()).replace(b'"workerId":', b'"workerId":"first","workerId":', 1),
        "bom": b"\xef\xbb\xbf" + doc(a()),
        "pretty": json.dumps({"answers": [a()]}, indent=2).encode(),
        "two-objects": doc(a()) + doc(a()),
        "empty": b"",
        "not-json": b"{not json",
        "not-utf8": doc(a()).replace(b"Cat", b"C\xffat"),
        "array": b"[1,2]",
        "answers-object": b'{"answers":{"a":1}}',
        "answer-text": b'{"answers":["x"]}',
        "deep": b'{"answers":[{"workerId":"w","submissionTime":"2026-03-02T09:00:00.000Z","answerContent":{"c":'
                + b"[" * DEEP + b"]" * DEEP + b"}}]}",
        "deep-and-short": b'{"answers":[{"workerId":"w","submissionTime":"2026-03-02T09:00:00.000Z",'
                          b'"answerContent":{"c":' + b"[" * 250 + b"]" * 250 + b"}}]}",
        "deep-but-allowed": b'{"answers":[{"workerId":"w","submissionTime":"2026-03-02T09:00:00.000Z",'
                            b'"answerContent":{"c":' + b"[" * 150 + b"]" * 150 + b"}}]}",
    }


def test_files_of_every_odd_shape_read_the_same_and_only_those_one_by_one(gt_output, tmp_path, monkeypatch):
    files = _odd_files(gt_output)
    base = gt_output.job_root("odd") / "annotations" / "worker-response" / "iteration-1"
    for i, data in enumerate(files.values()):
        (base / str(i)).mkdir(parents=True)
        (base / str(i) / "2026-03-02_09:00:00.json").write_bytes(data)
    read_one_by_one = same_both_ways(gt_output.root, tmp_path, monkeypatch)
    # Read whole in blocks: the clean ones, old public answers, elapsed times, microseconds, boxes,
    # several keys or a number label (no label either way), escapes and raw UTF-8, extra fields, a
    # file of no answers and nesting within the limit. Everything else is the per-file reader's.
    in_blocks = {"clean", "no-answers", "public", "elapsed", "two-keys", "number-label", "boxes", "microseconds",
                 "escaped", "raw-utf8", "extra-fields", "deep-but-allowed"}
    assert read_one_by_one == len(files) - len(in_blocks)


def test_a_lone_surrogate_is_read_as_the_replacement_character():
    """json reads "\\ud800" as a character no UTF-8 text holds: making it a column failed the load."""
    from core.gt.responses import read_worker_response

    answers, _ = read_worker_response(b'{"answers":[{"workerId":"w","submissionTime":"2026-03-02T09:00:00Z",'
                                      b'"answerContent":{"c":{"label":"a\\ud800b \\ud83d\\ude00"}}}]}')
    assert answers[0].label == "a\ufffdb \U0001F600"


def test_files_read_one_by_one_among_the_others_cost_no_extra_block(gt_output, tmp_path, monkeypatch):
    """Every other file has a null (read by the per-file reader, in its place): the others are still
    read by Arrow in one block, not a block between each two, and the tables are the same."""
    base = gt_output.job_root("mixed") / "annotations" / "worker-response" / "iteration-1"
    for i in range(40):
        answer = _answer(gt_output, i % 5 + 1, workerMetadata={"identityData": {"sub": None}} if i % 2 else _GONE)
        (base / str(i)).mkdir(parents=True)
        (base / str(i) / "2026-03-02_09:00:00.json").write_text(json.dumps({"answers": [answer]}))
    blocks = []
    read = columnar.parse_block
    monkeypatch.setattr(columnar, "parse_block", lambda joined, files: blocks.append(files) or read(joined, files))
    assert same_both_ways(gt_output.root, tmp_path, monkeypatch) == 20
    assert blocks == [20]


@pytest.mark.parametrize("length", [0, 40_000])  # a file alone, and a block (the search in numpy)
@pytest.mark.parametrize("before", range(6))
def test_null_is_found_at_every_offset_and_its_parts_are_not(before, length):
    """The block's check for null compares four bytes at a time, at each of four offsets: the word
    is found wherever it starts, and a near miss, cut short or split by a line break, is not."""
    pad = b'{"a":' + b"x" * (length + before)
    assert columnar.has_null(pad + b"null}")
    assert columnar.has_null(b"null")
    for near in (b"nul}", b"nul\nl", b"Null", b"nulL", b"ull", b""):
        assert not columnar.has_null(pad + near), near
    assert columnar.clean(pad + b"1}") and not columnar.clean(pad + b"null}")
