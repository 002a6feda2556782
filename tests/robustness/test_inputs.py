"""Bad inputs by class: each must end in a plain message naming the file (and line), never a
traceback, a hang or a silent drop; everything else in the source is still read."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from app_page import open_app_page
from streamlit.testing.v1 import AppTest

from core.cli import main
from core.gold import GoldError, read_gold
from core.gt.consolidation import read_auto_annotator_output, read_consolidation_response
from core.gt.errors import BadFile
from core.gt.manifest import read_manifest
from core.gt.responses import read_worker_response
from core.identity import IdentityError, read_names_csv
from core.ingest import SourceReader
from core.launch import ConfigError, LaunchConfig, objects_to_send
from core.manifests.rows import row_items
from core.storage import open_location

ROOT = Path(__file__).resolve().parents[2]
APP = str(ROOT / "streamlit_app.py")
T0 = datetime(2024, 3, 12, 10, 0, tzinfo=UTC)

DEEP = "[" * 100_000 + "]" * 100_000  # Python's json gives up near 1,000 levels (RecursionError)
HUGE = "9" * 5_000  # past Python's 4,300-digit limit for int() (ValueError)
KEPT = "read whole: the huge number is one unusable value"
PYTHON_WORDS = ("Traceback", "RecursionError", "recursion", "set_int_max_str_digits", "ValueError")


def plain(text: str) -> bool:
    return not any(word in text for word in PYTHON_WORDS)


def cli(*args: str, timeout: float = 120) -> subprocess.CompletedProcess:
    """The CLI in its own process: a hang fails the test at `timeout` instead of hanging the suite."""
    return subprocess.run([sys.executable, "-m", "core", *args], cwd=ROOT, capture_output=True, text=True,
                          timeout=timeout)


# ---- deep nesting and huge numbers, in every reader of JSON from data --------------------------

def _readers():
    """(name, read(payload) -> the reason shown) for every reader; payload is a JSON value's text."""
    def response(v):
        if v is HUGE:  # one huge value costs no answer: it reads as a number too large to use
            answers, _ = read_worker_response(json.dumps({"answers": [{
                "workerId": "w", "submissionTime": "2024-03-12T10:00:00Z", "x": 0}]}).replace("0}", f"{v}}}").encode())
            assert [a.worker_id for a in answers] == ["w"]
            return KEPT
        with pytest.raises(BadFile) as caught:
            read_worker_response(f'{{"answers": [{{"workerId": "w", "x": {v}}}]}}'.encode())
        return str(caught.value)

    def manifest(v):
        found = read_manifest(f'{{"source-ref": "s3://b/1.jpg", "x": {v}}}\n{{"source-ref": "s3://b/2.jpg"}}'.encode())
        assert found.sources[1] == "s3://b/2.jpg"  # the next line is still read
        return found.notes[0]

    def consolidation(v):
        if v is HUGE:  # likewise: the object is still read
            item = f'{{"datasetObjectId": "0", "consolidatedAnnotation": {{"content": {{"x": {v}}}}}}}'
            assert [c.object_id for c in read_consolidation_response(f"[{item}]".encode())] == ["0"]
            return KEPT
        with pytest.raises(BadFile) as caught:
            read_consolidation_response(f'[{{"datasetObjectId": "0", "x": {v}}}]'.encode())
        return str(caught.value)

    def auto_labels(v):
        rows, notes = read_auto_annotator_output(f'0 {{"x": {v}}}\n1 {{"y": 1}}'.encode())
        assert [token for token, _ in rows] == ["1"]
        return notes[0]

    def gold(v):
        with pytest.raises(GoldError) as caught:
            read_gold("gold.jsonl", f'{{"source-ref": "s3://b/1.jpg", "label": {v}}}'.encode())
        return str(caught.value)

    def rows(v):
        items, bad = row_items("texts.jsonl", f'{{"source": {v}}}\n{{"source": "kept"}}'.encode())
        assert [i.text for i in items] == ["kept"]
        return bad[0].reason

    def launch_config(v):
        with pytest.raises(ConfigError) as caught:
            LaunchConfig.loads(f'{{"job_name": {v}}}')
        return str(caught.value.problems[0])

    def launch_manifest(v):
        assert objects_to_send(f'{{"source-ref": "s3://b/1.jpg", "x": {v}}}\n{{"source-ref": "s3://b/2.jpg"}}'
                               .encode(), "animal") == [1]
        return "line left out"

    return {"worker response": response, "output manifest": manifest, "consolidation": consolidation,
            "auto-labels": auto_labels, "gold": gold, "rows": rows, "launch config": launch_config,
            "launch manifest": launch_manifest}


@pytest.mark.parametrize("payload,words", [(DEEP, "100,001 levels deep"), (HUGE, "5,000 digits")],
                         ids=["deep", "huge-number"])
@pytest.mark.parametrize("reader", list(_readers()))
def test_deep_nesting_and_huge_numbers_are_a_plain_reason_in_every_reader(reader, payload, words):
    reason = _readers()[reader](payload)
    assert plain(reason), reason
    if reader != "launch manifest" and reason != KEPT:
        assert words in reason or ("levels deep" in words and "nested" in reason), reason


def test_validate_reports_deep_and_huge_lines_and_checks_the_rest(tmp_path, capsys):
    manifest = tmp_path / "in.manifest"
    manifest.write_text("\n".join([
        f'{{"source-ref": "s3://b/1.jpg", "x": {DEEP}}}',
        f'{{"source-ref": "s3://b/2.jpg", "n": {HUGE}}}',
        '{"source-ref": "s3://b/3.jpg", "$bad": 1}',
        '{"source-ref": "s3://b/4.jpg"}',
    ]) + "\n")
    assert main(["validate", str(manifest), "--no-exists"]) == 1
    out = capsys.readouterr().out
    assert f"{manifest}:1: invalid_json: invalid JSON (arrays or objects nested 100,001 levels deep" in out
    assert f"{manifest}:2: invalid_json: invalid JSON (a number with 5,000 digits at column" in out
    assert f"{manifest}:3: dollar_key" in out  # later lines are still checked
    assert "4 lines, 2 objects, 4 problem(s)" in out and plain(out)


def test_workers_skip_deep_and_huge_files_by_name_and_read_the_rest(gt_output):
    gt_output.job("job", {0: [gt_output.answer(1, "Cat", T0)], 1: [gt_output.answer(2, "Dog", T0)]})
    base = gt_output.root / "job" / "annotations" / "worker-response" / "iteration-1"
    for object_id, value in ((2, DEEP), (3, HUGE)):
        (base / str(object_id)).mkdir()
        (base / str(object_id) / "2024-03-12_10:00:00.json").write_text(f'{{"answers": {value}}}')
    data = SourceReader(open_location(str(gt_output.root))).load()
    assert len(data.answers) == 2
    reasons = {Path(s.uri).parent.name: s.reason for s in data.skipped}
    # The huge number reads as a number (answers are checked one by one): not the list of answers.
    assert "nested 100,001 levels deep" in reasons["2"] and "expected {\"answers\": [...]}" in reasons["3"]
    assert all(plain(r) for r in reasons.values()), reasons


def test_csv_fields_over_the_csv_limit_name_the_line(tmp_path):
    big = "x" * 200_000
    with pytest.raises(GoldError, match="gold.csv: line 2: not CSV"):
        read_gold("gold.csv", f"source-ref,label\ns3://b/1.jpg,{big}\n".encode())
    with pytest.raises(IdentityError, match="names.csv: line 3: not CSV"):
        read_names_csv("names.csv", f"sub,name\na,Ann\nb,{big}\n".encode())


# ---- special files in a local source: never opened, always reported -----------------------------

@pytest.fixture
def special_source(gt_output):
    """A real-layout job whose folders also hold a FIFO, a socket, a broken link and a link loop."""
    gt_output.job("job", {0: [gt_output.answer(1, "Cat", T0)], 1: [gt_output.answer(2, "Dog", T0)]})
    base = gt_output.root / "job" / "annotations" / "worker-response" / "iteration-1"
    (base / "2").mkdir()
    os.mkfifo(base / "2" / "2024-03-12_10:00:00.json")  # where a response belongs
    os.mkfifo(gt_output.root / "photo.jpg")
    (gt_output.root / "broken.jpg").symlink_to(gt_output.root / "nowhere.jpg")
    (gt_output.root / "loop.jpg").symlink_to(gt_output.root / "loop.jpg")
    sock = socket.socket(socket.AF_UNIX)
    cwd = os.getcwd()
    os.chdir(gt_output.root)  # a relative bind: AF_UNIX paths are limited to ~108 bytes
    try:
        sock.bind("sock.jpg")
    finally:
        os.chdir(cwd)
    yield gt_output.root
    sock.close()


def test_special_files_in_a_local_source_are_skipped_not_opened(special_source):
    root = special_source
    fifo = root / "job/annotations/worker-response/iteration-1/2/2024-03-12_10:00:00.json"
    done = cli("workers", str(root), "--format", "csv")
    assert done.returncode == 0, done.stderr
    assert f"skipped {fifo}: not a regular file (FIFO)" in done.stderr
    assert len(done.stdout.strip().splitlines()) == 4  # header, two workers, Team
    done = cli("manifest", str(root), "--kind", "files", "--ext", "jpg", "--dry-run")
    assert done.returncode == 0, done.stderr
    for name, reason in (("photo.jpg", "not a regular file (FIFO)"), ("sock.jpg", "not a regular file (socket)"),
                         ("broken.jpg", "broken symbolic link"), ("loop.jpg", "symbolic link loop")):
        assert f"skipped {root / name}: {reason}" in done.stderr
    assert "photo.jpg" not in done.stdout
    done = cli("validate", str(root / "photo.jpg"))
    assert (done.returncode, done.stderr.strip()) == (2, f"error: {root / 'photo.jpg'}: not a regular file (FIFO)")
    refs = root / "refs.manifest"
    refs.write_text(json.dumps({"source-ref": str(root / "photo.jpg")}) + "\n")
    done = cli("validate", str(refs))
    assert done.returncode == 1 and "not a regular file (FIFO)" in done.stdout, done.stdout


# ---- misleading messages ------------------------------------------------------------------------

def test_every_get_failing_says_how_many_files_and_why(moto_settings, gt_output, capsys):
    """Archived output: the listing works, every GET is refused (InvalidObjectState)."""
    from core import aws

    gt_output.job("job", {i: [gt_output.answer(1, "Cat", T0)] for i in range(3)})
    s3 = aws.client("s3", moto_settings)
    s3.create_bucket(Bucket="archived-output")
    for path in sorted(p for p in gt_output.root.rglob("*") if p.is_file()):
        s3.put_object(Bucket="archived-output", Key=path.relative_to(gt_output.root).as_posix(),
                      Body=path.read_bytes(), StorageClass="GLACIER")
    code = main(["workers", "s3://archived-output/", "--workspace", "aws",
                 "--endpoint-url", moto_settings.endpoint_url, "--region", "us-east-1"])
    err = capsys.readouterr().err
    assert code == 2
    assert "found 4 Ground Truth file(s) under s3://archived-output but could read none of them " \
           "(4 file(s): InvalidObjectState" in err, err
    at = AppTest.from_file(APP, default_timeout=60)
    at.session_state["aws_endpoint_url"] = moto_settings.endpoint_url
    at.session_state["aws_region"] = "us-east-1"
    at.query_params["ws"] = "aws"
    at.query_params["source"] = "s3://archived-output/"
    at.switch_page("app_pages/workers.py")
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert "could read none of them (4 file(s): InvalidObjectState" in at.warning[0].value.replace("\\", "")


def _page(page: str, **params) -> AppTest:
    return open_app_page(page, timeout=60, **params)


@pytest.mark.slow  # opens pages: the first builds the demo workspace
def test_manifests_without_worker_responses_show_their_counts(gt_output):
    lines = [gt_output.manifest_line(i, "cat", "job") for i in range(3)]
    lines.append({"source-ref": "s3://bucket/images/3.jpg",
                  "animal-metadata": {"failure-reason": "ClientError: Annotation tasks expired.",
                                      "human-annotated": "true"}})
    gt_output.manifest("job", lines)
    done = cli("workers", str(gt_output.root), "--format", "csv")
    assert done.returncode == 1 and "Empty DataFrame" not in done.stdout + done.stderr
    assert "no worker responses" in done.stderr and "1 job(s) with output manifests only" in done.stderr
    # gold: lines of gold mixed into the queue (core.manifests.gold_mix), left out of the other counts
    assert done.stdout.strip().splitlines() == ["job,attribute,objects,labeled,failed,unlabeled,human,machine,gold",
                                        "job,animal,4,3,1,0,3,0,0"]
    for page in ("app_pages/workers.py", "app_pages/race.py"):
        at = _page(page, source=str(gt_output.root))
        assert "No worker responses" in at.info[0].value
        counts = at.dataframe[0].value.set_index("attribute").loc["animal"]
        assert (counts["objects"], counts["labeled"], counts["failed"]) == (4, 3, 1)


# ---- the label layer of a renamed or chained job ------------------------------------------------

def _video_line(index: int) -> dict:
    """A line of a video tracking job chained on a video classification layer (reference §3)."""
    return {
        "source-ref": f"s3://bucket/clips/seq{index}.json",
        "Person": index % 2,
        "Person-metadata": {"class-name": ["person", "no-person"][index % 2], "confidence": 0.9,
                            "type": "groundtruth/video-classification", "job-name": "labeling-job/clips-v1",
                            "human-annotated": "yes", "creation-date": "2024-03-01T10:00:00.000000"},
        "Person-ref": f"s3://bucket/out/person-tracking/annotations/consolidated-annotation/output/{index}/"
                      "SeqLabel.json",
        "Person-ref-metadata": {"class-map": {"0": "person"}, "type": "groundtruth/video-object-tracking",
                                "job-name": "labeling-job/person-tracking", "human-annotated": "yes",
                                "creation-date": "2024-03-12T10:00:00.000000"},
    }


def test_a_renamed_video_job_is_scored_on_its_own_layer(gt_output):
    from core.metrics import job_attributes

    folder = "person-tracking-copy"  # renamed: no layer's job-name is the folder's name
    gt_output.manifest(folder, [_video_line(i) for i in range(2)])
    answer = gt_output.answer(1, "unused", T0)
    answer["answerContent"] = {"annotatedResult": {"trackingAnnotations": [{"label": "person", "frame": 0}]}}
    for i in range(2):
        gt_output.response(folder, 1, i, [answer])
    data = SourceReader(open_location(str(gt_output.root))).load()
    assert job_attributes(data.labels) == {folder: "Person-ref"}  # manifests only: the newest layer
    assert job_attributes(data.labels, data.answers) == {folder: "Person-ref"}  # the answers' shape
    done = cli("workers", str(gt_output.root))
    assert done.returncode == 0, done.stderr
    assert f"{folder}: workers scored against label attribute 'Person-ref'" in done.stderr
    assert "--attribute NAME chooses" in done.stderr


@pytest.mark.slow  # opens pages: the first builds the demo workspace
def test_an_ambiguous_layer_is_said_and_the_user_chooses_it(gt_output):
    """Two classification layers, no job-name, no dates: a guess, said as such; --attribute and the
    page's selector (kept in the URL) choose the other one, and agreement follows."""
    lines = []
    for i in range(2):
        line = {"source-ref": f"s3://bucket/images/{i}.jpg"}
        for attribute, name in (("animal", "cat"), ("animal-review", "dog")):
            line[attribute] = 0
            line[f"{attribute}-metadata"] = {"class-name": name, "type": "groundtruth/image-classification",
                                             "human-annotated": "yes"}
        lines.append(line)
    gt_output.manifest("renamed", lines)
    for i in range(2):
        gt_output.response("renamed", 1, i, [gt_output.answer(1, "cat", T0 + timedelta(minutes=i)),
                                             gt_output.answer(2, "dog", T0 + timedelta(minutes=i))])
    guessed = cli("workers", str(gt_output.root), "--format", "csv")
    assert "a guess, choose another if it is wrong" in guessed.stderr, guessed.stderr
    chosen = cli("workers", str(gt_output.root), "--format", "csv", "--attribute", "animal-review")
    assert chosen.returncode == 0 and "a guess" not in chosen.stderr

    def agreement(done):
        rows = [line.split(",") for line in done.stdout.splitlines()]
        col = rows[0].index("agreement")
        return {r[rows[0].index("worker")]: r[col] for r in rows[1:-1]}

    assert agreement(guessed) != agreement(chosen)
    assert agreement(chosen)["private.eu-west-1.0000000000000002"] == "1.0"
    wrong = cli("workers", str(gt_output.root), "--attribute", "nope")
    assert wrong.returncode == 2 and "they have: animal, animal-review" in wrong.stderr
    at = _page("app_pages/workers.py", source=str(gt_output.root), attribute="animal-review")
    assert at.sidebar.selectbox(key="attribute").value == "animal-review"
    assert at.query_params["attribute"] == ["animal-review"] or at.query_params["attribute"] == "animal-review"
