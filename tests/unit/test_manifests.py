"""Input manifests: build (a folder, the demo bucket), write without clobbering, validate line by line
(docs/ground-truth.md §3, §6). On S3: tests/integration/test_manifests_s3.py; the commands:
tests/cli/test_manifests_cli.py."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from core.manifests import (
    MAX_IMAGE_BYTES,
    ManifestError,
    ManifestSpec,
    manifest_bytes,
    part_keys,
    plan_manifest,
    validate_manifest,
    write_manifest,
    write_parts,
)
from core.manifests.rows import csv_items, jsonl_items, text_items
from core.storage import LocalStore, Location, ObjectExists

REPO_ROOT = Path(__file__).resolve().parents[2]
DEMO_BUCKET = "s3://ground-control-demo"


def touch(path: Path, data: bytes = b"\x89PNG-ish") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path


def sparse(path: Path, size: int) -> Path:
    """A file of `size` bytes that takes no disk space (a hole), for the 40 MB cap."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "wb") as fh:
        fh.truncate(size)
    return path


def refs(lines: list[dict]) -> list[str]:
    return [line["source-ref"] for line in lines]


@pytest.fixture
def images(tmp_path) -> Path:
    """A folder of images in the formats Ground Truth takes, and things that are not."""
    root = tmp_path / "bucket"
    for name in ["cats/c1.jpg", "cats/c2.JPEG", "dogs/d1.png", "dogs/d2.png", "dogs/old/d0.png", "top.png"]:
        touch(root / "data" / name)
    touch(root / "data" / "readme.txt", b"not an image")
    touch(root / "data" / "cats" / "c3.gif")  # not a Ground Truth image format
    touch(root / "data-old" / "x.png")  # a sibling prefix, not below data/
    return root


def plan_folder(root: Path, prefix: str = "data", **spec) -> object:
    return plan_manifest(Location(LocalStore(root), prefix), ManifestSpec(**spec))


# --- build ------------------------------------------------------------------------------------


def test_images_from_a_folder_by_extension_sorted_by_key(images):
    plan = plan_folder(images)
    expected = ["cats/c1.jpg", "cats/c2.JPEG", "dogs/d1.png", "dogs/d2.png", "dogs/old/d0.png", "top.png"]
    assert refs(plan.lines) == [str(images / "data" / k) for k in expected]
    assert plan.counts["listed"] == 8  # data-old/ is another prefix
    assert plan.counts["of_kind"] == 6 and plan.counts["lines"] == 6
    assert plan.parts == [plan.lines] and not plan.skipped and not plan.warnings


APPLEDOUBLE = b"\x00\x05\x16\x07\x00\x02\x00\x00Mac OS X        "  # the header macOS writes in ._ files


@pytest.fixture
def synced(images) -> Path:
    """The images folder as a Mac leaves it on a shared drive: a `._` twin beside some files."""
    for name in ["cats/._c1.jpg", "dogs/._d1.png", "._top.png"]:
        touch(images / "data" / name, APPLEDOUBLE)
    return images


@pytest.mark.parametrize("kind", ["images", "files"])
def test_macos_appledouble_files_are_left_out_and_counted(synced, kind):
    plan = plan_folder(synced, kind=kind)
    assert not [r for r in refs(plan.lines) if Path(r).name.startswith("._")]
    assert len(plan.lines) == (6 if kind == "images" else 8)
    assert plan.counts["listed"] == 11 and plan.counts["macos_metadata"] == 3
    assert ("macOS ._ metadata files left out", 3) in plan.count_rows()
    assert {Path(s.uri).name for s in plan.skipped} == {"._c1.jpg", "._d1.png", "._top.png"}


def test_extensions_given_replace_the_kinds(images):
    assert [Path(r).name for r in refs(plan_folder(images, extensions=(".GIF",)).lines)] == ["c3.gif"]
    assert len(plan_folder(images, kind="files").lines) == 8  # any extension


def test_include_and_exclude_globs_on_the_key_below_the_prefix(images):
    plan = plan_folder(images, include=("dogs/*",), exclude=("*/old/*",))
    assert [Path(r).name for r in refs(plan.lines)] == ["d1.png", "d2.png"]
    assert plan.counts["excluded_by_pattern"] == 4
    assert len(plan_folder(images, include=("*.png", "*.jpg")).lines) == 5  # any one pattern


def test_images_over_40_mb_are_refused_and_listed(tmp_path):
    root = tmp_path / "bucket"
    sparse(root / "big" / "at-cap.jpg", MAX_IMAGE_BYTES)
    sparse(root / "big" / "over-cap.jpg", MAX_IMAGE_BYTES + 1)
    sparse(root / "big" / "huge.png", 45_000_000)
    touch(root / "big" / "small.png")
    touch(root / "big" / "zero.png", b"")
    plan = plan_folder(root, "big")
    assert [Path(r).name for r in refs(plan.lines)] == ["at-cap.jpg", "small.png"]
    assert plan.too_large == [(str(root / "big" / "huge.png"), 45_000_000),
                              (str(root / "big" / "over-cap.jpg"), MAX_IMAGE_BYTES + 1)]
    assert plan.counts["too_large"] == 2 and plan.counts["empty"] == 1
    assert {Path(s.uri).name for s in plan.skipped} == {"huge.png", "over-cap.jpg", "zero.png"}
    assert "40 MB" in plan.skipped[0].reason
    assert len(plan_folder(root, "big", max_bytes=0).lines) == 4  # no cap; the empty one still out
    assert len(plan_folder(root, "big", max_bytes=10).lines) == 1


def test_objects_already_in_chosen_manifests_are_dropped(images, tmp_path):
    data = images / "data"
    labeled = {"source-ref": str(data / "cats/c1.jpg"), "animal": 0,
               "animal-metadata": {"class-name": "cat", "human-annotated": "yes"}}
    first = touch(tmp_path / "job1.manifest", (json.dumps(labeled) + "\n{broken\n").encode())
    second = touch(tmp_path / "job2.manifest", manifest_bytes([{"source-ref": str(data / "top.png")}]))
    plan = plan_folder(images, exclude_manifests=(str(first), str(second)))
    assert str(data / "cats/c1.jpg") not in refs(plan.lines) and str(data / "top.png") not in refs(plan.lines)
    assert plan.counts["already_in_manifests"] == 2 and plan.counts["lines"] == 4
    # The broken line of job1 cannot be excluded: it is reported, with its line number.
    assert [(s.uri, s.reason.split(":")[0]) for s in plan.skipped] == [(str(first), "line 2")]
    with pytest.raises(ManifestError, match="cannot read the manifest to exclude"):
        plan_folder(images, exclude_manifests=(str(tmp_path / "missing.manifest"),))


@pytest.fixture
def many(tmp_path) -> Path:
    root = tmp_path / "bucket"
    for i in range(200):
        touch(root / "many" / f"img-{i:04d}.jpg")
    return root


def test_seeded_sample_is_reproducible_and_differs_by_seed(many):
    full = refs(plan_folder(many, "many").lines)
    first = plan_folder(many, "many", sample=20, seed=1)
    assert refs(first.lines) == refs(plan_folder(many, "many", sample=20, seed=1).lines)
    other = refs(plan_folder(many, "many", sample=20, seed=2).lines)
    assert other != refs(first.lines)
    assert len(first.lines) == 20 and set(refs(first.lines)) <= set(full)
    assert refs(first.lines) == sorted(refs(first.lines))  # kept in key order
    assert first.counts["selected"] == 200 and first.counts["lines"] == 20
    assert len(plan_folder(many, "many", sample=500).lines) == 200  # more than there is: all


def test_split_covers_every_line_once_in_near_equal_parts(many):
    plan = plan_folder(many, "many", split=3, seed=5)
    assert [len(p) for p in plan.parts] == [67, 67, 66]
    seen = [r for part in plan.parts for r in refs(part)]
    assert sorted(seen) == refs(plan.lines) and len(set(seen)) == 200
    assert all(refs(p) == sorted(refs(p)) for p in plan.parts)
    assert plan.parts == plan_folder(many, "many", split=3, seed=5).parts
    assert plan.parts != plan_folder(many, "many", split=3, seed=6).parts
    halves = plan_folder(many, "many", sample=51, split=2, seed=5)  # the pre-trained model workflow: half and half
    assert [len(p) for p in halves.parts] == [26, 25] and len(halves.lines) == 51
    with pytest.raises(ManifestError, match="cannot split 3 line"):
        plan_folder(many, "many", sample=3, split=4)


def test_spec_refuses_nonsense():
    for bad in ({"kind": "video"}, {"sample": 0}, {"split": 0}, {"max_bytes": -1}):
        with pytest.raises(ManifestError):
            ManifestSpec(**bad)


# --- text and rows -----------------------------------------------------------------------------


def test_text_rows_csv_and_jsonl_readers_report_bad_rows_by_line():
    items, bad = text_items(b"first\r\n\nsecond\n")
    assert [(i.line, i.text) for i in items] == [(1, "first"), (3, "second")] and not bad

    csv = b'id,Text\n1,hello\n2,"two\nlines"\n3\n4,\n\n5,bye\n'
    items, bad = csv_items(csv)
    assert [(i.line, i.text) for i in items] == [(2, "hello"), (3, "two\nlines"), (8, "bye")]
    assert [(b.line, b.reason) for b in bad] == [(5, "1 column(s): no column 'Text'"), (6, "column 'Text' is empty")]
    assert [i.text for i in csv_items(csv, "id")[0]] == ["1", "2", "3", "4", "5"]
    assert csv_items(csv, "nope")[1][0].line == 0  # the whole file: no such column
    items, _ = csv_items(b"a,b\nc,d\n", "2", header=False)
    assert [(i.line, i.text) for i in items] == [(1, "b"), (2, "d")]

    jsonl = b'{"text":"a"}\n{"text":\n["x"]\n{"other":1}\n{"text":3}\n{"text":"b"}\n'
    items, bad = jsonl_items(jsonl)
    assert [(i.line, i.text) for i in items] == [(1, "a"), (6, "b")]
    assert [b.line for b in bad] == [2, 3, 4, 5]
    assert "no key 'source' or 'text'" in bad[2].reason and "int, not text" in bad[3].reason
    assert text_items(b"\xff\xfe bad")[1][0].line == 0


def test_rows_and_text_kinds_give_source_lines_and_name_file_and_line(tmp_path):
    root = tmp_path / "bucket"
    touch(root / "texts" / "reviews.csv", b"id,text\n1,great\n2,\n3,awful\n")
    touch(root / "texts" / "more.jsonl", b'{"text":"great"}\nnot json\n{"text":"fine"}\n')
    touch(root / "texts" / "long.tsv", b"text\n" + b"x" * 20_001 + b"\n")
    touch(root / "texts" / "notes.txt", b"line one\nline two\n")
    plan = plan_folder(root, "texts", kind="rows")
    assert plan.lines == [{"source": "great"}, {"source": "fine"}, {"source": "awful"}]  # by file key, then line
    store = LocalStore(root)
    assert {(s.uri, s.reason.split(":")[0]) for s in plan.skipped} == {
        (store.uri_of("texts/more.jsonl"), "line 2"),
        (store.uri_of("texts/reviews.csv"), "line 3"),
        (store.uri_of("texts/long.tsv"), "line 2"),
        (store.uri_of("texts/reviews.csv"), "line 2"),  # 'great' again: the duplicate, first kept
    }
    assert plan.counts["bad_rows"] == 2 and plan.counts["too_long"] == 1 and plan.counts["duplicates"] == 1
    text = plan_folder(root, "texts", kind="text")
    assert text.lines == [{"source": "line one"}, {"source": "line two"}]
    single = plan_manifest(Location(LocalStore(root), "texts/reviews.csv"), ManifestSpec(kind="rows"))
    assert single.lines == [{"source": "great"}, {"source": "awful"}]  # SOURCE may name one file


# --- the demo bucket ---------------------------------------------------------------------------------


def test_images_from_the_demo_bucket(demo):
    digits = plan_manifest(demo.open(f"{DEMO_BUCKET}/datasets/digits"), ManifestSpec(), demo.open)
    assert len(digits.lines) == 1797 and digits.counts["listed"] == 1800  # + manifest, labels, gold
    assert refs(digits.lines)[0] == f"{DEMO_BUCKET}/datasets/digits/digit-00001.png"
    fresh = plan_manifest(demo.open(f"{DEMO_BUCKET}/datasets/digits/"),
                          ManifestSpec(exclude_manifests=(f"{DEMO_BUCKET}/manifests/digits-pilot.manifest",
                                                          f"{DEMO_BUCKET}/manifests/digits-batch-1.manifest")),
                          demo.open)
    assert len(fresh.lines) == 1797 - 800 and fresh.counts["already_in_manifests"] == 800
    assert validate_manifest(manifest_bytes(fresh.lines), demo.open).ok


# --- write ------------------------------------------------------------------------------------------


def test_manifest_bytes_and_part_names():
    assert manifest_bytes([{"source": "café\u2028ok"}, {"source-ref": "s3://b/k"}]) == (
        '{"source":"café\u2028ok"}\n{"source-ref":"s3://b/k"}\n'.encode())
    assert part_keys("m/batch.manifest", 1) == ["m/batch.manifest"]
    assert part_keys("m/batch.manifest", 2) == ["m/batch-part1-of-2.manifest", "m/batch-part2-of-2.manifest"]
    assert part_keys("batch", 2)[1] == "batch-part2-of-2" and part_keys(".hidden", 2)[0] == ".hidden-part1-of-2"


def test_write_refuses_to_overwrite_and_keeps_the_original(tmp_path):
    store = LocalStore(tmp_path)
    taken = touch(tmp_path / "out" / "b-part2-of-2.manifest", b'{"source":"keep me"}\n')
    parts = [[{"source": "a"}], [{"source": "b"}]]
    with pytest.raises(ObjectExists, match="b-part2-of-2.manifest already exists"):
        write_parts(Location(store, "out/b.manifest"), parts)
    assert taken.read_bytes() == b'{"source":"keep me"}\n'
    assert not (tmp_path / "out" / "b-part1-of-2.manifest").exists()  # nothing written at all
    write_parts(Location(store, "out/b.manifest"), parts, overwrite=True)
    assert taken.read_bytes() == b'{"source":"b"}\n'
    with pytest.raises(ValueError, match="folder"):
        write_manifest(Location(store, "out/"), b"")


# --- validate ---------------------------------------------------------------------------------------


def test_every_kind_of_bad_line_is_reported_at_its_line(tmp_path):
    here = touch(tmp_path / "img" / "here.png")
    lines = [
        json.dumps({"source-ref": str(here)}),  # 1 fine
        '{"source-ref": "x"',  # 2 invalid JSON
        "",  # 3 empty line
        "[1, 2]",  # 4 not an object
        json.dumps({"label": 1}),  # 5 no source
        json.dumps({"source-ref": str(here), "source": "t"}),  # 6 both
        json.dumps({"source-ref": 5}),  # 7 not a string
        json.dumps({"source": "t2", "$id": 1, "m": {"$x": [{"$y": 0}]}}),  # 8 $ keys, nested too
        json.dumps({"source": "x" * 100_001}),  # 9 line and value too long
        json.dumps({"source": "t3", "note": "y" * 20_001}),  # 10 a value too long
        json.dumps({"source-ref": str(here)}) + "\r",  # 11 same object as line 1 (\r\n tolerated)
        json.dumps({"source-ref": str(tmp_path / "img" / "gone.png")}),  # 12 missing
        b'{"source": "caf\xe9"}',  # 13 Latin-1, not UTF-8
        json.dumps({"source": "t2"}),  # 14 same text as line 8
        json.dumps({"source": "  "}),  # 15 empty text
    ]
    data = b"\n".join(line if isinstance(line, bytes) else line.encode() for line in lines) + b"\n\n"
    report = validate_manifest(data)
    assert [(p.line, p.kind) for p in report.problems] == [
        (2, "invalid_json"), (3, "invalid_json"), (4, "not_object"), (5, "no_source"), (6, "both_sources"),
        (7, "bad_source"), (8, "dollar_key"), (9, "too_long"), (9, "value_too_long"), (10, "value_too_long"),
        (11, "duplicate"), (12, "missing_object"), (13, "not_utf8"), (14, "duplicate"), (15, "bad_source"),
    ]
    by_line = {p.line: p.message for p in report.problems}
    assert "$id, m.$x, m.$x[0].$y" in by_line[8]
    assert "line 1" in by_line[11] and "line 8" in by_line[14]
    assert report.lines == 15 and not report.ok
    assert report.by_kind()["duplicate"] == 2


def test_object_quota_per_task_and_empty_manifest():
    many = b'{"source":"%d"}\n'
    data = b"".join(many % i for i in range(20_001))
    assert validate_manifest(data).ok
    seg = validate_manifest(data, task="SemanticSegmentation")
    assert [(p.line, p.kind) for p in seg.problems] == [(0, "too_many_objects")] and "20,000" in seg.problems[0].message
    over = validate_manifest(b"".join(many % i for i in range(100_001)), check_exists=False)
    assert [p.kind for p in over.problems] == ["too_many_objects"]
    assert [p.kind for p in validate_manifest(b"\n\n").problems] == ["empty"]
    with pytest.raises(ValueError, match="unknown Ground Truth task type"):
        validate_manifest(data, task="Nope")


def test_demo_output_manifests_match_each_jobs_label_counters(demo):
    checked = 0
    for summary in demo.service.list_labeling_jobs():
        job = demo.service.describe_labeling_job(summary["LabelingJobName"])
        if job["LabelingJobStatus"] in ("InProgress", "Failed"):  # still moving, or no output
            continue
        output = demo.open(job["LabelingJobOutput"]["OutputDatasetS3Uri"])
        report = validate_manifest(output.store.get(output.prefix), demo.open)
        assert report.ok, (job["LabelingJobName"], report.problems[:3])
        attribute = job["LabelAttributeName"]
        (summary_of,) = [a for a in report.attributes if a.attribute == attribute]
        # A chained job's output keeps the labels its input already had (§8).
        source = demo.open(job["InputConfig"]["DataSource"]["S3DataSource"]["ManifestS3Uri"])
        before = {a.attribute: a.labeled for a in
                  validate_manifest(source.store.get(source.prefix), check_exists=False).attributes}
        counters, name = job["LabelCounters"], job["LabelingJobName"]
        assert (summary_of.labeled - before.get(attribute, 0), summary_of.failed, summary_of.unlabeled) == (
            counters["TotalLabeled"], counters["FailedNonRetryableError"], counters["Unlabeled"]), name
        assert summary_of.human - before.get(attribute, 0) == counters["HumanLabeled"]
        checked += 1
    assert checked >= 6
    failed = demo.open(f"{DEMO_BUCKET}/manifests/shapes-boxes-2.manifest")  # the hand-broken manifest
    report = validate_manifest(failed.store.get(failed.prefix), demo.open)
    assert [(p.line, p.kind) for p in report.problems] == [(57, "invalid_json")]


def test_demo_failed_objects_are_counted_as_failed(demo):
    batch2 = demo.open(f"{DEMO_BUCKET}/labeling-jobs/digits-batch-2/manifests/output/output.manifest")
    (digit,) = validate_manifest(batch2.store.get(batch2.prefix), check_exists=False).attributes
    assert digit.failed > 0 and digit.labeled + digit.failed + digit.unlabeled == 450
