"""Readers of Ground Truth output: the real 2019 bird job, and constructed files in the shapes of
docs/ground-truth.md §1-§4 (private answers, bad files, every manifest line type, consolidation, auto-labels)."""

from __future__ import annotations

import json
import math
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pandas as pd
import pytest

from core.gt.consolidation import read_auto_annotator_output, read_consolidation_response
from core.gt.errors import BadFile
from core.gt.layout import classify
from core.gt.manifest import read_manifest
from core.gt.responses import read_worker_response
from core.ingest import SourceData, SourceReader
from core.storage import open_location

T0 = datetime(2024, 3, 12, 10, 11, 29, 490000, tzinfo=UTC)


def load(path: Path) -> SourceData:
    return SourceReader(open_location(str(path))).load()


def skipped_by_path(data: SourceData) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for item in data.skipped:
        out.setdefault(item.uri, []).append(item.reason)
    return out


# --- the real fixture ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def birds(birds_dir) -> SourceData:
    return load(birds_dir)


def raw_answers(birds_dir: Path) -> list[tuple[int, str, dict]]:
    """(iteration, object id, answer) for every answer of every file, read with json alone."""
    out = []
    for path in sorted((birds_dir / "worker-response").glob("iteration-*/*/*.json")):
        iteration = int(path.parent.parent.name.removeprefix("iteration-"))
        for answer in json.loads(path.read_text())["answers"]:
            out.append((iteration, path.parent.name, answer))
    return out


def test_fixture_counts_every_answer_of_every_file(birds, birds_dir):
    raw = raw_answers(birds_dir)
    assert len(raw) == 1510  # 302 objects x 5 workers, both iterations
    assert birds.jobs == ["ic_data"]  # one job; its root folder is the source itself
    answers = birds.answers
    assert len(answers) == 1510
    assert answers["object_id"].nunique() == 302
    assert answers["worker_id"].nunique() == 97
    assert Counter(answers["worker_id"]) == Counter(a["workerId"] for _, _, a in raw)
    per_iteration = answers.groupby("iteration")["object_id"].nunique().to_dict()
    assert per_iteration == {1: 10, 2: 292}
    assert (answers.groupby("object_id").size() == 5).all()
    assert set(answers["label"]) == {a["answerContent"]["crowd-image-classifier"]["label"] for _, _, a in raw}


def test_fixture_apple_double_files_are_skipped_and_reported(birds, birds_dir):
    skipped = skipped_by_path(birds)
    assert set(skipped) == {str(birds_dir / "._output.manifest"), str(birds_dir / "._true_labels.json")}
    assert all("AppleDouble" in reason for reasons in skipped.values() for reason in reasons)


def test_fixture_true_labels_is_not_ground_truth_output(birds, birds_dir):
    assert classify("true_labels.json") is None
    response_files = list((birds_dir / "worker-response").glob("iteration-*/*/*.json"))
    assert birds.files == len(response_files) + 1  # the responses and output.manifest, nothing else
    assert not any("true_labels.json" in f for f in birds.answers["file"])
    assert not [s for s in birds.skipped if s.uri.endswith("/true_labels.json")]


def test_fixture_times_without_milliseconds_and_unknown_time_spent(birds, birds_dir):
    expected = Counter(
        (a["workerId"], object_id, datetime.strptime(a["submissionTime"], "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC))
        for _, object_id, a in raw_answers(birds_dir)
    )
    got = Counter(zip(birds.answers["worker_id"], birds.answers["object_id"], birds.answers["submission_time"],
                      strict=True))
    assert got == expected
    assert birds.answers["submission_time"].dt.tz is not None
    assert birds.answers["time_spent_s"].isna().all()
    assert birds.answers["time_source"].isna().all()
    assert birds.answers["acceptance_time"].isna().all()
    assert birds.answers["sub"].isna().all()


def test_fixture_output_manifest(birds, birds_dir):
    lines = (birds_dir / "output.manifest").read_text().splitlines()
    assert len(lines) == 302
    labels = birds.labels
    assert len(labels) == 302
    assert set(labels["attribute"]) == {"birds-open-images-clone"}
    assert set(labels["status"]) == {"labeled"}
    assert set(labels["job_name"]) == {"birds-open-images-clone"}  # "labeling-job/" stripped
    assert labels["human_annotated"].all()
    assert list(birds.objects["object_id"]) == [str(i) for i in range(302)]
    # Line i is datasetObjectId i: its source and class are those of manifest line i.
    for i in (0, 7, 301):
        line = json.loads(lines[i])
        row = labels[labels["object_id"] == str(i)].iloc[0]
        assert row["source"] == line["source-ref"]
        assert row["class_name"] == line["birds-open-images-clone-metadata"]["class-name"]
    # Every object with answers has a manifest line.
    assert set(birds.answers["object_id"]) == set(birds.objects["object_id"])


# --- layout -------------------------------------------------------------------------------------


def test_iterations_of_ten_and_more_keep_their_number(gt_output):
    ans = gt_output.answer(1, "Cat", T0)
    gt_output.response("job", 10, 5, [ans])
    gt_output.response("job", 123, 6, [gt_output.answer(2, "Dog", T0)])
    gt_output.response("job", 1, 7, [gt_output.answer(3, "Dog", T0)])
    data = load(gt_output.root)
    got = dict(zip(data.answers["object_id"], data.answers["iteration"], strict=True))
    assert got == {"5": 10, "6": 123, "7": 1}
    kind = classify("job/annotations/worker-response/iteration-10/5/2024-03-12_10:11:29.json")
    assert (kind.kind, kind.iteration, kind.object_id, kind.root) == ("response", 10, "5", "job/")


@pytest.mark.parametrize(("key", "expected"), [
    ("worker-response/iteration-1/o/f.json", ("response", "", 1, "o")),
    ("a/annotations/worker-response/iteration-3/x/y", ("response", "a/", 3, "x")),
    # the shortest root: the second `annotations/` is the marker's
    ("a/annotations/annotations/worker-response/iteration-3/x/y", ("response", "a/annotations/", 3, "x")),
    # the file's own folder decides: a job nested in another's object folder is the inner job
    ("a/worker-response/iteration-1/o/worker-response/iteration-2/p/q",
     ("response", "a/worker-response/iteration-1/o/", 2, "p")),
    ("manifests/intermediate/1/annotations/worker-response/iteration-1/o/f", None),
    ("x/manifests/intermediate/worker-response/iteration-1/o/f", None),
    ("worker-response/iteration-1//f", None),  # no object id
    ("worker-response/iteration-1/o/", None),
    ("worker-response/iteration-x/o/f", None),
    ("worker-response/iteration-1/o", None),
    ("j/annotations/consolidated-annotation/consolidation-response/iteration-1/t.json",
     ("consolidation", "j/", 1, None)),
    ("j/manifests/output/output.manifest", ("manifest", "j/", None, None)),
])
def test_each_key_shape_is_classified_by_its_place_in_the_layout(key, expected):
    kind = classify(key)
    assert (kind and (kind.kind, kind.root, kind.iteration, kind.object_id)) == expected


@pytest.mark.parametrize("annotations_level", [True, False])
def test_job_root_with_and_without_annotations_level(gt_output, annotations_level):
    answers = [gt_output.answer(1, "Cat", T0), gt_output.answer(2, "Dog", T0 + timedelta(seconds=5))]
    gt_output.response("my-job", 1, 0, answers, annotations_level=annotations_level)
    gt_output.manifest("my-job", [gt_output.manifest_line(0, "Cat", "my-job")])
    data = load(gt_output.root)
    assert data.jobs == ["my-job"]
    assert len(data.answers) == 2
    assert set(data.answers["job"]) == {"my-job"}
    assert list(data.objects["job"]) == ["my-job"]  # the manifest belongs to the same job
    assert data.skipped == []


def test_source_that_is_the_job_root_names_the_job_after_its_folder(gt_output):
    """Pointing at a downloaded job folder (`aws s3 sync s3://b/out/birds-2024 ./birds-2024`) is the
    common local case: keys then start at `annotations/` and `manifests/`, and the root is ''."""
    assert classify("annotations/worker-response/iteration-1/0/2024-03-12_10:11:29.json").root == ""
    assert classify("manifests/output/output.manifest").root == ""
    root = gt_output.job("birds-2024", {0: [gt_output.answer(1, "Owl", T0)]})
    data = load(root)
    assert data.jobs == ["birds-2024"]
    assert len(data.answers) == 1 and len(data.objects) == 1


def test_many_jobs_under_one_source(gt_output):
    gt_output.job("job-a", {0: [gt_output.answer(1, "Cat", T0)], 1: [gt_output.answer(2, "Dog", T0)]})
    gt_output.job("job-b", {0: [gt_output.answer(1, "Owl", T0), gt_output.answer(3, "Owl", T0)]},
                  parent="team/2024", annotations_level=False)
    gt_output.job("job-c", {0: [gt_output.answer(4, "Cat", T0)]}, parent="team/2024")
    data = load(gt_output.root)
    assert data.jobs == ["job-a", "job-b", "job-c"]
    assert data.answers.groupby("job").size().to_dict() == {"job-a": 2, "job-b": 2, "job-c": 1}
    assert data.objects.groupby("job").size().to_dict() == {"job-a": 2, "job-b": 1, "job-c": 1}
    assert data.labels.groupby("job")["job_name"].first().to_dict() == {
        "job-a": "job-a", "job-b": "job-b", "job-c": "job-c",
    }


def test_intermediate_manifests_are_not_jobs(gt_output):
    line = gt_output.manifest_line(0, "Cat", "job-a")
    gt_output.manifest("job-a", [line, line], path="manifests/intermediate/1/output.manifest")
    gt_output.manifest("job-a", [line], path="manifests/intermediate/2/output.manifest")
    assert load(gt_output.root).jobs == []

    gt_output.manifest("job-a", [line, line, line])
    data = load(gt_output.root)
    assert data.jobs == ["job-a"]
    assert len(data.objects) == 3  # the final manifest only
    assert classify("job-a/manifests/intermediate/1/output.manifest") is None


# --- bad files: skipped and reported, never fatal -----------------------------------------------


def test_bad_files_are_skipped_with_path_and_reason(gt_output):
    good = gt_output.response("job", 1, 0, [gt_output.answer(1, "Cat", T0)])
    folder = good.parent.parent
    bad = {
        "truncated": (folder / "1" / "2024-03-12_10:11:29.json", good.read_bytes()[:-20], "invalid JSON"),
        "binary": (folder / "2" / "2024-03-12_10:11:29.json", b"\x00\x05\x16\x07\x00\x02Mac OS X\x00\x00", "binary"),
        "shape": (folder / "3" / "2024-03-12_10:11:29.json", b'[{"workerId": "x"}]', "not a worker response"),
        "empty": (folder / "4" / "2024-03-12_10:11:29.json", b"", "empty"),
        "latin1": (folder / "5" / "2024-03-12_10:11:29.json", '{"answers": ["é"]}'.encode("latin-1"), "UTF-8"),
    }
    for path, data, _ in bad.values():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    # A good file with one bad answer: the others are kept, the bad one is reported by index.
    answers = [gt_output.answer(2, "Cat", T0), gt_output.answer(3, "Dog", T0), gt_output.answer(4, "Cat", T0)]
    del answers[1]["workerId"]
    mixed = gt_output.response("job", 1, 6, answers)

    data = load(gt_output.root)
    skipped = skipped_by_path(data)
    for path, _, reason in bad.values():
        assert len(skipped[str(path)]) == 1
        assert reason in skipped[str(path)][0], skipped[str(path)]
    assert skipped[str(mixed)] == ["answers[1] has no workerId"]
    assert len(skipped) == len(bad) + 1
    assert Counter(zip(data.answers["object_id"], data.answers["worker_id"], strict=True)) == Counter({
        ("0", gt_output.worker_id(1)): 1, ("6", gt_output.worker_id(2)): 1, ("6", gt_output.worker_id(4)): 1,
    })


def test_bad_answers_in_a_file_are_reported_by_index():
    good = {"answerContent": {"crowd-image-classifier": {"label": "Cat"}}, "submissionTime": "2019-04-18T16:10:53Z",
            "workerId": "public.us-east-1.PHMFOWIIICWDF3ZS5HORERJV6Y"}
    doc = {"answers": [
        good,
        {**good, "submissionTime": "yesterday"},
        {k: v for k, v in good.items() if k != "submissionTime"},
        {k: v for k, v in good.items() if k != "answerContent"},
        "not an answer",
        {**good, "workerId": ""},
    ]}
    answers, notes = read_worker_response(json.dumps(doc).encode())
    assert [a.index for a in answers] == [0, 3]  # no answerContent: still a label, its label unknown
    assert answers[1].label is None and "answerContent" in answers[1].notes[0]
    assert [n.split(" ")[0] for n in notes] == ["answers[1]", "answers[2]", "answers[4]", "answers[5]"]
    assert "submissionTime" in notes[1] and "workerId" in notes[3]


def test_bad_manifest_and_bad_consolidation_files_are_skipped(gt_output):
    root = gt_output.job("job", {0: [gt_output.answer(1, "Cat", T0)]})
    manifest = root / "manifests/output/output.manifest"
    manifest.write_bytes(b"")
    consolidation = root / "annotations/consolidated-annotation/consolidation-response/iteration-1/x.json"
    consolidation.parent.mkdir(parents=True)
    consolidation.write_text('{"answers": []}')
    data = load(gt_output.root)
    skipped = skipped_by_path(data)
    assert "empty" in skipped[str(manifest)][0]
    assert "consolidation" in skipped[str(consolidation)][0]
    assert len(data.answers) == 1  # the rest of the job is still read


# --- manifest lines (§3) ------------------------------------------------------------------------

MULTILABEL = {
    "source-ref": "s3://b/img/5.jpg", "tags": [1, 0, 8],
    "tags-metadata": {"class-map": {"0": "cat", "1": "dog", "8": "bird"},
                      "confidence-map": {"0": 0.9, "1": 0.8, "8": 0.7},
                      "type": "groundtruth/image-classification-multilabel", "job-name": "labeling-job/tags",
                      "human-annotated": "yes", "creation-date": "2024-03-12T10:40:59.217995"},
}
REFERENCE_LINES = [  # constructed examples in the line shapes of docs/ground-truth.md §3
    '{"source-ref":"s3://b/img/1.jpg","animal":0,"animal-metadata":{"class-name":"cat","confidence":0.95,"type":"groundtruth/image-classification","job-name":"labeling-job/animal-ic-1","human-annotated":"yes","creation-date":"2024-03-12T10:40:59.217995"}}',  # noqa: E501
    '{"source-ref":"s3://b/img/2.jpg","animal":1,"animal-metadata":{"class-name":"dog","confidence":0.91,"type":"groundtruth/image-classification","job-name":"labeling-job/animal-ic-1","human-annotated":"no","creation-date":"2024-03-12T11:02:10.000001"}}',  # noqa: E501
    '{"source-ref":"s3://b/img/3.jpg","birds":{"image_size":[{"width":1024,"height":768,"depth":3}],"annotations":[{"class_id":0,"left":455.6,"top":187.4,"width":257.4,"height":245}]},"birds-metadata":{"objects":[{"confidence":0.88}],"class-map":{"0":"Bird"},"type":"groundtruth/object-detection","human-annotated":"yes","creation-date":"2024-03-12T10:50:11.905883","job-name":"labeling-job/birds-od"}}',  # noqa: E501
    '{"source-ref":"s3://b/img/4.jpg","streets-ref":"s3://b/out/streets/annotations/consolidated-annotation/output/4_2024-03-12T10:48:00.091190.png","streets-ref-metadata":{"internal-color-map":{"0":{"class-name":"BACKGROUND","hex-color":"#ffffff","confidence":0.8},"1":{"class-name":"road","hex-color":"#2ca02c","confidence":0.8}},"type":"groundtruth/semantic-segmentation","human-annotated":"yes","creation-date":"2024-03-12T10:48:00.091190","job-name":"labeling-job/streets"}}',  # noqa: E501
]
FAILED_LINE = (  # docs/ground-truth.md §3 / S14: no label key, failure-reason, human-annotated "true"
    '{"source":"Some text","myjob-metadata":{"retry-count":1,"failure-reason":"ClientError: Annotation tasks expired.'
    '  Probable Reasons are 1) TaskAvailabilityLifetimeInSeconds parameter is too small.","human-annotated":"true"}}'
)


def test_manifest_line_types_of_the_reference():
    m = read_manifest(("\n".join([*REFERENCE_LINES, json.dumps(MULTILABEL), FAILED_LINE]) + "\n").encode())
    assert m.notes == []
    assert m.sources == ["s3://b/img/1.jpg", "s3://b/img/2.jpg", "s3://b/img/3.jpg", "s3://b/img/4.jpg",
                         "s3://b/img/5.jpg", "Some text"]
    by_line = {e.line: e for e in m.labels}
    assert len(m.labels) == 6

    cat, dog = by_line[0], by_line[1]
    assert (cat.attribute, cat.status, cat.class_name, cat.human_annotated, cat.confidence, cat.job_name) == (
        "animal", "labeled", "cat", True, 0.95, "animal-ic-1")
    assert (dog.class_name, dog.human_annotated, dog.value) == ("dog", False, 1)

    boxes = by_line[2]
    assert (boxes.attribute, boxes.status, boxes.type, boxes.job_name) == (
        "birds", "labeled", "groundtruth/object-detection", "birds-od")
    assert boxes.value["annotations"][0]["left"] == 455.6
    assert boxes.class_name is None

    seg = by_line[3]
    assert (seg.attribute, seg.status, seg.type) == ("streets-ref", "labeled", "groundtruth/semantic-segmentation")
    assert seg.value.endswith("/4_2024-03-12T10:48:00.091190.png")

    multi = by_line[4]
    assert (multi.attribute, multi.status, multi.value, multi.class_name) == ("tags", "labeled", [1, 0, 8], None)

    failed = by_line[5]
    assert (failed.attribute, failed.status, failed.human_annotated, failed.value) == ("myjob", "failed", True, None)
    assert failed.failure_reason.startswith("ClientError: Annotation tasks expired.")
    assert m.attributes() == ["animal", "birds", "myjob", "streets-ref", "tags"]


def test_invalid_manifest_line_is_reported_and_later_lines_keep_their_index(gt_output):
    lines = [gt_output.manifest_line(i, name, "job") for i, name in enumerate(["Cat", "Dog", "Owl", "Cat"])]
    gt_output.manifest("job", [lines[0], '{"source-ref": "s3://bucket/images/1.jpg", "animal": ', lines[2], "[1, 2]",
                               lines[3]])
    data = load(gt_output.root)
    skipped = skipped_by_path(data)
    manifest = str(gt_output.root / "job/manifests/output/output.manifest")
    assert len(skipped[manifest]) == 2
    assert skipped[manifest][0].startswith("line 2: invalid JSON")
    assert skipped[manifest][1].startswith("line 4: ")
    assert list(data.objects["object_id"]) == ["0", "1", "2", "3", "4"]
    assert data.objects["source"].isna().tolist() == [False, True, False, True, False]
    got = dict(zip(data.labels["object_id"], data.labels["class_name"], strict=True))
    assert got == {"0": "Cat", "2": "Owl", "4": "Cat"}
    assert data.labels.set_index("object_id").loc["4", "source"] == "s3://bucket/images/3.jpg"


def test_manifest_line_breaks_are_only_newlines():
    """JSON allows raw U+2028/U+2029/U+0085 inside strings (text sources, ensure_ascii=False); they
    must not split a line, or every later line gets the wrong datasetObjectId."""
    lines = [
        json.dumps({"source": "first paragraph\u2028second paragraph", "t": 0, "t-metadata": {"class-name": "a"}},
                   ensure_ascii=False),
        json.dumps({"source": "next line\u0085here", "t": 1, "t-metadata": {"class-name": "b"}}, ensure_ascii=False),
        json.dumps({"source": "plain", "t": 2, "t-metadata": {"class-name": "c"}}),
    ]
    m = read_manifest(("\r\n".join(lines) + "\r\n").encode())
    assert m.notes == []
    assert m.sources == ["first paragraph\u2028second paragraph", "next line\u0085here", "plain"]
    assert [(e.line, e.class_name) for e in m.labels] == [(0, "a"), (1, "b"), (2, "c")]


def test_manifest_with_bom_and_no_trailing_newline():
    text = "\ufeff" + REFERENCE_LINES[0] + "\n" + REFERENCE_LINES[1]
    m = read_manifest(text.encode("utf-8"))
    assert m.notes == [] and m.sources == ["s3://b/img/1.jpg", "s3://b/img/2.jpg"]
    with pytest.raises(BadFile, match="empty"):
        read_manifest(b"\n\n")


# --- consolidation and auto-labeling (§4) -------------------------------------------------------

CONSOLIDATION = (  # constructed, in the shape of docs/ground-truth.md §4
    '[{"datasetObjectId":"7","consolidatedAnnotation":{"content":{\n'
    '   "animal":0,\n'
    '   "animal-metadata":{"class-name":"cat","confidence":0.95,"type":"groundtruth/image-classification",'
    '"job-name":"labeling-job/animal-ic-1","human-annotated":"yes","creation-date":"2024-03-12T10:40:59.217995"}}}}]'
)
AUTO_LINE = (  # constructed, in the shape of docs/ground-truth.md §4
    '57 {"source-ref":"s3://b/img/57.jpg","animal":1,"animal-metadata":{"class-name":"dog","confidence":0.97,'
    '"type":"groundtruth/image-classification","job-name":"labeling-job/animal-ic-1","human-annotated":"no",'
    '"creation-date":"2024-03-12T11:02:10.123456"}}'
)


def test_consolidation_response_reader():
    (item,) = read_consolidation_response(CONSOLIDATION.encode())
    assert item.object_id == "7"
    assert item.content["animal"] == 0
    assert item.content["animal-metadata"]["class-name"] == "cat"
    with pytest.raises(BadFile, match="item 0"):
        read_consolidation_response(b'[{"datasetObjectId": "1"}]')
    with pytest.raises(BadFile, match="JSON array"):
        read_consolidation_response(b'{"datasetObjectId": "1"}')


def test_auto_annotator_output_reader():
    rows, notes = read_auto_annotator_output((AUTO_LINE + "\n\n58 {not json\n59 [1]\n").encode())
    assert [token for token, _ in rows] == ["57"]
    assert rows[0][1]["animal-metadata"]["class-name"] == "dog"
    assert rows[0][1]["animal-metadata"]["human-annotated"] == "no"
    assert [n.split(":")[0] for n in notes] == ["line 3", "line 4"]


def test_consolidation_and_auto_labels_found_in_the_layout(gt_output):
    root = gt_output.job("animal-ic-1", {7: [gt_output.answer(1, "cat", T0)]})
    resp = root / "annotations/consolidated-annotation/consolidation-response/iteration-2/2024-03-12_10:41:00.json"
    resp.parent.mkdir(parents=True)
    resp.write_text(CONSOLIDATION)
    request = root / "annotations/consolidated-annotation/consolidation-request/iteration-2/2024-03-12_10:40:00.json"
    request.parent.mkdir(parents=True)
    request.write_text('[{"datasetObjectId":"7","dataObject":{"s3Uri":"s3://b/img/7.jpg"},"annotations":[]}]')
    auto = root / "activelearning/3/inference/auto_annotator_output.txt"
    auto.parent.mkdir(parents=True)
    auto.write_text(AUTO_LINE + "\n" + AUTO_LINE.replace("57 ", "58 ", 1) + "\n")
    data = load(gt_output.root)
    assert data.consolidations.to_dict("records") == [{"job": "animal-ic-1", "iteration": 2, "object_id": "7"}]
    assert data.auto_labels.to_dict("records") == [
        {"job": "animal-ic-1", "iteration": 3, "token": "57"},
        {"job": "animal-ic-1", "iteration": 3, "token": "58"},
    ]
    assert data.jobs == ["animal-ic-1"] and data.skipped == []


# --- private-workforce answers (§2) -------------------------------------------------------------


def test_private_answer_times_and_identity(gt_output):
    accepted = T0 - timedelta(seconds=12.5)
    active = gt_output.answer(1, "Cat", T0, spent=2.015)
    elapsed = gt_output.answer(2, "Cat", T0, spent=None, accepted=accepted)
    unknown = gt_output.answer(3, "Cat", T0, spent=None, accepted=None)
    answers, notes = read_worker_response(json.dumps({"answers": [active, elapsed, unknown]}).encode())
    assert notes == []
    a, e, u = answers
    assert (a.time_spent_s, a.time_source) == (2.015, "active")
    assert (e.time_spent_s, e.time_source) == (12.5, "elapsed")
    assert e.acceptance_time == accepted.replace(microsecond=accepted.microsecond // 1000 * 1000)
    assert (u.time_spent_s, u.time_source, u.acceptance_time) == (None, None, None)
    assert a.submission_time == datetime(2024, 3, 12, 10, 11, 29, 490000, tzinfo=UTC)
    assert a.worker_id == "private.eu-west-1.0000000000000001"
    assert a.sub == gt_output.sub(1)
    assert a.issuer == "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_AbCdEf123"
    assert a.provider == "Cognito"
    assert (a.task, a.label) == ("crowd-image-classifier", "Cat")


def test_private_answer_with_reference_example_verbatim():
    doc = (  # constructed, in the shape of docs/ground-truth.md §2
        '{"answers":[{"acceptanceTime":"2024-03-12T10:11:27.475Z","answerContent":{"crowd-image-classifier":'
        '{"label":"Cat"}},"submissionTime":"2024-03-12T10:11:29.490Z","timeSpentInSeconds":2.015,"workerId":'
        '"private.eu-west-1.88f516d0d40e6db7","workerMetadata":{"identityData":{"identityProviderType":"Cognito",'
        '"issuer":"https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_AbCdEf123","sub":'
        '"5b7d7d09-7257-4087-8c15-0000000000aa"}}}]}'
    )
    (a,), notes = read_worker_response(doc.encode())
    assert notes == []
    assert a.acceptance_time == datetime(2024, 3, 12, 10, 11, 27, 475000, tzinfo=UTC)
    assert a.time_spent_s == 2.015 and a.time_source == "active"
    assert a.sub == "5b7d7d09-7257-4087-8c15-0000000000aa"


def test_non_classification_answers_count_as_labels():
    doc = (  # constructed public bounding-box answers, shape of docs/ground-truth.md §2
        '{"answers":[\n'
        ' {"acceptanceTime":"2024-03-12T10:00:01.100Z","answerContent":{"boundingBox":{"boundingBoxes":[{"height":128,'
        '"label":"Bird","left":116,"top":283,"width":137}],"inputImageProperties":{"height":432,"width":640}}},'
        '"submissionTime":"2024-03-12T10:00:41.600Z","timeSpentInSeconds":40.5,"workerId":'
        '"public.us-east-1.PHMFOWIIICWDF3ZS5HORERJV6Y"},\n'
        ' {"acceptanceTime":"2024-03-12T10:02:00.000Z","answerContent":{"boundingBox":{"boundingBoxes":[],'
        '"inputImageProperties":{"height":432,"width":640}}},"submissionTime":"2024-03-12T10:02:12.250Z",'
        '"timeSpentInSeconds":12.25,"workerId":"public.us-east-1.XH63HWUG5RTBGQXPO4SPQDQKUE"}]}'
    )
    answers, notes = read_worker_response(doc.encode())
    assert notes == []
    assert [(a.task, a.label, a.time_spent_s, a.sub) for a in answers] == [
        ("boundingBox", None, 40.5, None), ("boundingBox", None, 12.25, None),
    ]


def test_private_answers_in_the_answers_table(gt_output):
    gt_output.job("job", {
        0: [gt_output.answer(1, "Cat", T0, spent=3.5),
            gt_output.answer(2, "Cat", T0, spent=None, accepted=T0 - timedelta(seconds=2))],
        1: [gt_output.answer(1, "Dog", T0, spent=None, accepted=None)],
    })
    answers = load(gt_output.root).answers.sort_values(["object_id", "worker_id"])
    sources = answers["time_source"]
    assert sources.iloc[:2].tolist() == ["active", "elapsed"] and pd.isna(sources.iloc[2])
    spent = answers["time_spent_s"].tolist()
    assert spent[0] == 3.5 and spent[1] == 2.0 and math.isnan(spent[2])
    assert answers["sub"].tolist() == [gt_output.sub(1), gt_output.sub(2), gt_output.sub(1)]
    assert set(answers["issuer"]) == {gt_output.issuer}
    assert pd.api.types.is_datetime64_any_dtype(answers["acceptance_time"])
