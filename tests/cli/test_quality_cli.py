"""`python -m core quality` and `annotations` on a source of every task type (the tree of
tests/unit/test_quality_report.py), and on the real 2019 birds fixture."""

from __future__ import annotations

import csv
import io
import json
import statistics

import krippendorff
import numpy as np
from test_quality_gold import trusted_video
from test_quality_report import A, B, source  # noqa: F401  (tests/unit is on sys.path: pyproject pythonpath)

from core import cli


def run(capsys, *args: str) -> tuple[int, str, str]:
    code = cli.main([*args, "--workspace", "demo"])
    out, err = capsys.readouterr()
    return code, out, err


def records(out: str) -> list[dict]:
    return list(csv.DictReader(io.StringIO(out)))


def test_quality_csv_has_a_row_per_job_and_worker_and_names_the_unread_file(source, capsys):  # noqa: F811
    code, out, err = run(capsys, "quality", str(source), "--format", "csv")
    assert code == 0
    rows = {(r["job"], r["worker"]): r for r in records(out)}
    assert rows[("cars-bb", B)]["recall"] == "0.5" and rows[("cars-bb", B)]["task_type"] == "bounding-box"
    assert rows[("fruit-ic", "Team")]["exact_match"] == "0.8"
    assert rows[("fruit-ic", A)]["f1"] == ""  # a measure of another type stays empty, never 0
    assert "skipped" in err and "iteration-1/9/" in err


def test_quality_iou_and_jobs_options(source, capsys):  # noqa: F811
    code, out, _ = run(capsys, "quality", str(source), "--jobs", "cars-bb", "--iou", "0.9", "--format", "json")
    assert code == 0
    found = json.loads(out)
    assert {r["job"] for r in found} == {"cars-bb"}
    assert next(r for r in found if r["worker"] == B)["recall"] == 0.0
    for bad in ("0", "1.5"):
        code, _, err = run(capsys, "quality", str(source), "--iou", bad)
        assert code == 2 and "--iou" in err


def test_quality_with_the_demo_style_box_gold(source, tmp_path, capsys):  # noqa: F811
    # The simulator's gold-boxes.jsonl shape: source-ref and the true boxes with their labels.
    gold = tmp_path / "gold-boxes.jsonl"
    gold.write_text(json.dumps({"source-ref": "s3://demo-bucket/road/0.jpg", "image_size": [{"width": 640}],
                                "annotations": [{"label": "car", "left": 100, "top": 100, "width": 50,
                                                 "height": 50}]}) + "\n")
    code, out, _ = run(capsys, "quality", str(source), "--gold", str(gold), "--jobs", "cars-bb", "--format", "csv")
    assert code == 0
    a = next(r for r in records(out) if r["worker"] == A)
    assert (a["reference"], a["precision"], a["recall"]) == ("gold", "0.5", "1.0")  # A's person box is extra


def test_quality_with_a_trusted_video_jobs_gold_in_a_local_copy(source, tmp_path, capsys):  # noqa: F811
    gold = trusted_video(tmp_path / "copy")  # its SeqLabel.json files below the copy, as in the bucket
    code, out, _ = run(capsys, "quality", str(source), "--gold", str(gold), "--jobs", "traffic-vot", "--format", "csv")
    assert code == 0
    a = next(r for r in records(out) if r["worker"] == A)
    assert (a["reference"], a["recall"], a["id_switches"]) == ("gold", "1.0", "1")


def test_quality_refuses_a_bad_gold_file_naming_the_line(source, tmp_path, capsys):  # noqa: F811
    gold = tmp_path / "gold.jsonl"
    gold.write_text('{"source-ref": "s3://demo-bucket/road/0.jpg", "label": "car"}\n{"source-ref": "x"}\n')
    code, _, err = run(capsys, "quality", str(source), "--gold", str(gold))
    assert code == 2 and "gold.jsonl line 2" in err
    assert "Traceback" not in err


def test_annotations_counts_classes_attributes_and_verdicts(source, capsys):  # noqa: F811
    code, out, _ = run(capsys, "annotations", str(source), "--format", "csv")
    assert code == 0
    rows = records(out)
    counts = {(r["job"], r["what"], r["name"], r["value"]): int(r["count"]) for r in rows}
    assert counts[("fruit-ic", "class", "", "apple")] == 2
    assert counts[("traffic-vod", "frame attribute", "light", "dusk")] == 2  # frame 2 has no box
    assert counts[("traffic-vod", "label attribute", "parked", "yes")] == 1
    assert counts[("cars-verify", "verdict", "cars", "fail")] == 1
    assert counts[("people-ner", "per object", "max", "")] == 3


def test_an_unknown_job_or_an_empty_source_exits_2(source, tmp_path, capsys):  # noqa: F811
    code, _, err = run(capsys, "quality", str(source), "--jobs", "nope")
    assert code == 2 and "no job named nope" in err and "fruit-ic" in err
    code, _, err = run(capsys, "annotations", str(tmp_path))
    assert code == 2 and "no Ground Truth annotations found" in err
    code, _, err = run(capsys, "annotations", str(tmp_path / "missing"))
    assert code == 2 and err.startswith("error: ")


def test_quality_on_the_birds_fixture_agrees_with_a_plain_count(birds_dir, capsys):
    """The real 2019 output (image classification, two iterations): every answer's label against
    the consolidated class-name of its manifest line, counted here straight from the files. The
    median worker is the Workers report's 95 % agreement."""
    lines = [json.loads(line) for line in (birds_dir / "output.manifest").read_text().splitlines()]
    consolidated = [line["birds-open-images-clone-metadata"]["class-name"] for line in lines]
    matched = answered = 0
    per_worker: dict[str, list[bool]] = {}
    first: dict[tuple[str, int], str] = {}  # (worker, object) -> the worker's first label
    for path in (birds_dir / "worker-response").glob("iteration-*/*/*.json"):
        for answer in json.loads(path.read_text())["answers"]:
            label = answer["answerContent"]["crowd-image-classifier"]["label"]
            same = label == consolidated[int(path.parent.name)]
            per_worker.setdefault(answer["workerId"], []).append(same)
            first.setdefault((answer["workerId"], int(path.parent.name)), label)
            matched, answered = matched + same, answered + 1
    code, out, _ = run(capsys, "quality", str(birds_dir), "--format", "csv")
    assert code == 0
    rows = records(out)
    team = next(r for r in rows if r["worker"] == "Team")
    assert (team["job"], team["task_type"]) == ("birds-open-images-clone", "classification")
    assert (int(team["objects"]), float(team["exact_match"])) == (answered, round(matched / answered, 4))
    shown = {r["worker"]: float(r["exact_match"]) for r in rows if r["worker"] != "Team"}
    assert shown == {w: round(sum(s) / len(s), 4) for w, s in per_worker.items()}
    assert len(shown) == 97 and round(statistics.median(shown.values()) * 100) == 95
    # Krippendorff's alpha over the workers' first labels, from a workers x objects matrix.
    workers, objects = sorted({w for w, _ in first}), sorted({o for _, o in first})
    codes = {label: i for i, label in enumerate(sorted(set(first.values())))}
    matrix = [[codes[first[(w, o)]] if (w, o) in first else np.nan for o in objects] for w in workers]
    expected = krippendorff.alpha(reliability_data=matrix, level_of_measurement="nominal")
    assert float(team["alpha"]) == round(expected, 4)


def test_one_jobs_confusion_and_agreement_matrices(source, capsys):  # noqa: F811
    code, out, _ = run(capsys, "quality", str(source), "--jobs", "fruit-ic", "--matrix", "confusion", "--format", "csv")
    assert code == 0
    # Reference apple (objects 0, 2), pear (1); A: apple, pear, apple; B: apple, apple.
    assert {r["reference \\ answer"]: (r["apple"], r["pear"]) for r in records(out)} == {
        "apple": ("3", "0"), "pear": ("1", "1")}
    code, out, _ = run(capsys, "quality", str(source), "--jobs", "fruit-ic", "--matrix", "agreement", "--format", "csv")
    assert code == 0
    assert {r["worker"]: r[B] for r in records(out)}[A] == "0.5"  # same on object 0, not on 1
    code, out, _ = run(capsys, "quality", str(source), "--jobs", "cars-bb", "--matrix", "agreement", "--format", "csv")
    assert code == 0 and {r["worker"]: r[B] for r in records(out)}[A] == str(round(2 / 3, 4))  # box F1


def test_a_matrix_needs_one_job_of_a_fitting_type(source, capsys):  # noqa: F811
    code, _, err = run(capsys, "quality", str(source), "--matrix", "confusion")
    assert code == 2 and "--jobs JOB" in err
    code, _, err = run(capsys, "quality", str(source), "--jobs", "cars-bb", "--matrix", "confusion")
    assert code == 2 and "not a classification job" in err and "Traceback" not in err


def test_quality_scores_the_demo_tracking_job_against_the_demos_video_gold(demo, capsys):
    """The demo's videos' gold.jsonl (each sequence's source-ref and its true frames) is accepted:
    the tracking job is scored against it, not refused."""
    code, out, err = run(capsys, "quality", demo.output_uri, "--gold", "s3://ground-control-demo/datasets/videos/gold.jsonl",
                         "--jobs", "shapes-tracking", "--format", "csv")
    assert code == 0, err
    rows = records(out)
    assert rows and {r["reference"] for r in rows} == {"gold"}
    team = next(r for r in rows if r["worker"] == "Team")
    assert team["task_type"] == "video-object-tracking"
    assert 0.5 < float(team["f1"]) < 1 and int(team["id_switches"]) > 0  # the simulated workers' slips


def test_quality_prints_a_plain_table_by_default_with_unknown_counts_empty(source, capsys):  # noqa: F811
    """The default format: whole-number counts with unknowns (audited, ID switches) print as empty
    cells, not a traceback (a nullable count once refused the empty cell)."""
    code, out, err = run(capsys, "quality", str(source), "--jobs", "cars-bb", "traffic-vot")
    assert code == 0 and "Traceback" not in err
    header, *rows = out.splitlines()
    assert header.split()[:5] == ["job", "task_type", "reference", "worker", "objects"]
    assert any(r.split()[:4] == ["traffic-vot", "video-object-tracking", "consolidated", "Team"] for r in rows)


def test_per_class_iou_of_the_demos_segmentation_job(demo, capsys):
    """--per-class: a row per (worker, class) and the job's row per class for shapes-masks; a
    source with no segmentation job exits 2 with one line."""
    code, out, err = run(capsys, "quality", demo.output_uri, "--jobs", "shapes-masks", "--per-class", "--format", "csv")
    assert code == 0, err
    rows = records(out)
    classes = {r["class"] for r in rows}
    assert classes and "BACKGROUND" not in classes
    team = {r["class"]: r for r in rows if r["worker"] == "Team"}
    assert set(team) == classes  # the job's row for each class
    workers = {r["worker"] for r in rows} - {"Team"}
    assert len(rows) == len(classes) * (len(workers) + 1)
    assert all(0 < float(r["iou"]) <= 1 and int(r["images"]) > 0 for r in rows)
    code, out, err = run(capsys, "quality", demo.output_uri, "--jobs", "sentences-topics", "--per-class")
    errors = [line for line in err.splitlines() if line.startswith("error:")]  # the read's notes may precede it
    assert code == 2 and out == "" and len(errors) == 1 and "no segmentation job" in errors[0]
    assert "Traceback" not in err
