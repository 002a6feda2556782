"""Output manifests read whole by Arrow (core.ingest.manifest_columns) give exactly the tables the
per-line reader gives: on the real fixture, the demo's every task type, and manifests of every odd
shape, each of which must be left to the per-line reader when Arrow could read it otherwise."""

from __future__ import annotations

import json

import pytest
from test_bulk_responses import same_both_ways  # tests/unit is on sys.path


def test_the_real_fixture_reads_the_same(birds_dir, tmp_path, monkeypatch):
    assert same_both_ways(birds_dir, tmp_path, monkeypatch, "manifest") == 0


@pytest.mark.slow
def test_every_task_type_of_the_demo_reads_the_same(demo_dir, demo_at, tmp_path, monkeypatch):
    from core.workspace import demo_workspace

    folder = demo_workspace(demo_dir).open("s3://ground-control-demo/labeling-jobs").store.root
    same_both_ways(folder, tmp_path, monkeypatch, "manifest")  # chained jobs' manifests have two attributes: by line


def _manifests(gt_output) -> dict[str, bytes]:
    """Each manifest a shape Arrow must read as the per-line reader does, or leave to it."""
    def line(i: int, **changes) -> dict:
        out = gt_output.manifest_line(i, "Cat", "odd")
        meta = out[f"{gt_output.attribute}-metadata"]
        for key, value in changes.items():
            target = meta if key in meta or key.startswith("m:") else out
            key = key.removeprefix("m:")
            if value is _GONE:
                target.pop(key, None)
            else:
                target[key] = value
        return out

    def text(*lines, end=b"\n") -> bytes:
        return b"\n".join(x if isinstance(x, bytes) else json.dumps(x).encode() for x in lines) + end

    attr = gt_output.attribute
    failed = line(2, **{attr: _GONE, "m:failure-reason": "ClientError: no answer", "human-annotated": "true"})
    return {
        "clean": text(line(0), line(1), failed, line(3, **{attr: _GONE}), {"source-ref": "s3://b/4.jpg"}),
        "no-end-newline": text(line(0), line(1), end=b""),
        "trailing-blank-lines": text(line(0), end=b"\n\n  \n"),
        "human-as-written": text(line(0, **{"human-annotated": "YES"}), line(1, **{"human-annotated": "no"}),
                                 line(2, **{"human-annotated": "False"}), line(3, **{"human-annotated": "maybe"})),
        "human-flags": text(line(0, **{"human-annotated": True}), line(1, **{"human-annotated": False})),
        "human-number": text(line(0, **{"human-annotated": 5})),
        "human-mixed": text(line(0, **{"human-annotated": "yes"}), line(1, **{"human-annotated": True})),
        "confidence": text(line(0, confidence=1), line(1, confidence=_GONE), line(2, confidence=0.5)),
        "confidence-text": text(line(0, confidence="0.9")),
        "confidence-flag": text(line(0, confidence=True)),
        "job-name": text(line(0, **{"job-name": "plain"}), line(1)),
        "source": text(line(0, **{"source-ref": _GONE, "source": "a sentence"}),
                       line(1, **{"source-ref": "", "source": "another"})),
        "source-number": text(line(0, **{"source-ref": 5})),
        "class-number": text(line(0, **{"class-name": 3})),
        "type-number": text(line(0, type=2)),
        "empty-failure": text(line(0, **{attr: _GONE, "m:failure-reason": ""})),
        "boxes": text(line(0, **{attr: {"annotations": [{"class_id": 0, "left": 1, "top": 2, "width": 3,
                                                         "height": 4}], "image_size": [{"width": 9, "height": 9}]}})),
        "metadata-text": text({"source-ref": "s3://b/0.jpg", "x": 1, "x-metadata": "not an object"}),
        "no-labels": text({"source-ref": "s3://b/0.jpg"}, {"source-ref": "s3://b/1.jpg"}),
        "empty-objects": text({}, {}),
        "two-attributes": text(line(0) | {"other": 1, "other-metadata": {"class-name": "Dog"}}),
        "gold": text(line(0) | {"ground-control-gold": "Cat"}),
        "null": text(line(0, type=None)),
        "blank-line": text(line(0), b"", line(1)),
        "crlf": text(line(0), line(1)).replace(b"\n", b"\r\n"),
        "bom": b"\xef\xbb\xbf" + text(line(0)),
        "bad-line": text(line(0), b"{not json", line(2)),
        "array-line": text(line(0), b"[1, 2]"),
        "two-objects": text(line(0), json.dumps(line(1)).encode() * 2),
        "not-utf8": text(line(0)).replace(b"Cat", b"C\xffat"),
        "deep": text(line(0, extra=json.loads("[" * 250 + "]" * 250))),
        "deep-but-allowed": text(line(0, extra=json.loads("[" * 100 + "]" * 100))),
        "long-line": text(line(0, extra="x" * 9_000)),
        "empty": b"",
    }


_GONE = object()


def test_manifests_of_every_odd_shape_read_the_same_and_only_those_line_by_line(gt_output, tmp_path, monkeypatch):
    manifests = _manifests(gt_output)
    for name, data in manifests.items():
        path = gt_output.job_root(name) / "manifests" / "output" / "output.manifest"
        path.parent.mkdir(parents=True)
        path.write_bytes(data)
    read_by_line = same_both_ways(gt_output.root, tmp_path, monkeypatch, "manifest")
    whole = {"clean", "no-end-newline", "trailing-blank-lines", "human-as-written", "human-flags", "human-number",
             "confidence", "confidence-text", "confidence-flag", "job-name", "source", "empty-failure", "boxes",
             "metadata-text", "no-labels", "empty-objects", "deep-but-allowed"}
    assert read_by_line == len(manifests) - len(whole)
