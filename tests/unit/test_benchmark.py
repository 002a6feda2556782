"""Benchmark (core.benchmark): every number equals what the output files and LabelCounters say.

A constructed auto-labeling job in the real layout (§1, §3, §4) has known counts, so each count,
share, cost (to the cent, §9), duration and accuracy is checked against what was written. The demo
and the walkthrough: tests/integration/test_benchmark_demo.py; the command: tests/cli/test_benchmark_cli.py.
"""

from __future__ import annotations

import copy
import json
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pandas as pd
import pytest

from core.benchmark import (
    CURVE_COLUMNS,
    ITERATION_COLUMNS,
    Prices,
    compare,
    iterations,
    job_metrics,
    load_job,
    summary_table,
    validation_curve,
    verdict,
    verdict_pair,
)
from core.gt.service import ServiceError
from core.notify import OutboxNotifier
from core.sim.buckets import folder_buckets
from core.workspace import Workspace

REPO_ROOT = Path(__file__).resolve().parents[2]
BUCKET = "data"
OUTPUT = f"s3://{BUCKET}/jobs/"
CREATED = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
MODIFIED = CREATED + timedelta(hours=5, minutes=30)
NOW = CREATED + timedelta(days=1)
ATTRIBUTE = "animal"
IC_ALGORITHM = "arn:aws:sagemaker:us-east-1:027400017018:labeling-job-algorithm-specification/image-classification"
MODEL = "arn:aws:sagemaker:us-east-1:123456789012:model/animals-final"
PUBLIC_TEAM = "arn:aws:sagemaker:us-east-1:394669845002:workteam/public-crowd/default"

# The constructed job: 60 objects. Iteration 1: humans label 0-9 (in two consolidation-response files
# that both hold 4 and 5); iteration 2: humans 10-19, the machine 20-39; iteration 3: the machine
# 40-54. 55 and 56 failed, 57-59 are unlabeled (the job was stopped).
FAILED = (55, 56)
OBJECTS = 60
WRONG = {3, 11, 20, 21, 22, 23, 24, 25, 26}  # 2 of 20 human labels and 7 of 35 machine labels disagree with gold


def source(i: int) -> str:
    return f"s3://{BUCKET}/images/{i}.jpg"


def true_class(i: int) -> str:
    return "cat" if i % 2 == 0 else "dog"


def given_class(i: int) -> str:
    if i in WRONG:
        return "dog" if true_class(i) == "cat" else "cat"
    return true_class(i)


def content(i: int, job: str, human: bool) -> dict:
    name = given_class(i) if job == "animals" else true_class(i)
    return {
        ATTRIBUTE: ["cat", "dog"].index(name),
        f"{ATTRIBUTE}-metadata": {
            "class-name": name, "confidence": 0.95 if human else 0.91, "type": "groundtruth/image-classification",
            "job-name": f"labeling-job/{job}", "human-annotated": "yes" if human else "no",
            "creation-date": "2026-03-02T10:40:59.217995",
        },
    }


def describe(job: str = "animals", **changes) -> dict:
    """describe_labeling_job's response for the constructed job (§6)."""
    found = {
        "LabelingJobStatus": "Stopped",
        "LabelCounters": {"TotalLabeled": 55, "HumanLabeled": 20, "MachineLabeled": 35, "FailedNonRetryableError": 2,
                          "Unlabeled": 3},
        "CreationTime": CREATED, "LastModifiedTime": MODIFIED,
        "JobReferenceCode": "123456789012AbCdEfGhIjKlMnOp", "LabelingJobName": job,
        "LabelingJobArn": f"arn:aws:sagemaker:us-east-1:123456789012:labeling-job/{job}",
        "LabelAttributeName": ATTRIBUTE,
        "InputConfig": {"DataSource": {"S3DataSource": {"ManifestS3Uri": f"s3://{BUCKET}/animals.manifest"}}},
        "OutputConfig": {"S3OutputPath": OUTPUT, "KmsKeyId": ""},
        "RoleArn": "arn:aws:iam::123456789012:role/GroundTruth",
        "HumanTaskConfig": {
            "WorkteamArn": PUBLIC_TEAM,
            "PreHumanTaskLambdaArn": "arn:aws:lambda:us-east-1:432418664414:function:PRE-ImageMultiClass",
            "NumberOfHumanWorkersPerDataObject": 3,
            "PublicWorkforceTaskPrice": {"AmountInUsd": {"Dollars": 0, "Cents": 3, "TenthFractionsOfACent": 6}},
        },
        "LabelingJobAlgorithmsConfig": {"LabelingJobAlgorithmSpecificationArn": IC_ALGORITHM},
        "LabelingJobOutput": {"OutputDatasetS3Uri": f"{OUTPUT}{job}/manifests/output/output.manifest",
                              "FinalActiveLearningModelArn": MODEL},
    }
    found.update(changes)
    return found


def _dump(value) -> str:
    return json.dumps(value, separators=(",", ":"))


# Consolidation-response files per iteration ({iteration: {file name: object ids}}) and machine-labeled
# objects per iteration, of the constructed job.
HUMAN_FILES = {1: {"2026-03-02_09:30:00.json": range(0, 6), "2026-03-02_09:33:00.json": range(4, 10)},
               2: {"2026-03-02_11:00:00.json": range(10, 20)}}
MACHINE_LINES = {2: range(20, 40), 3: range(40, 55)}


def write_job(root: Path, job: str = "animals", human_files=None, machine_lines=None) -> Path:
    """A job's output folder in the layout of §1: the output manifest (§3), consolidation responses
    and auto_annotator_output.txt (§4)."""
    human_files, machine_lines = human_files or HUMAN_FILES, machine_lines or MACHINE_LINES
    human = {i for named in human_files.values() for ids in named.values() for i in ids}
    machine = {i for ids in machine_lines.values() for i in ids}
    base = root / BUCKET / "jobs" / job
    lines = []
    for i in range(OBJECTS):
        line = {"source-ref": source(i)}
        if i in human or i in machine:
            line.update(content(i, job, i in human))
        elif i in FAILED:
            line[f"{ATTRIBUTE}-metadata"] = {"retry-count": 1, "human-annotated": "true",
                                             "failure-reason": "ClientError: Annotation tasks expired."}
        lines.append(_dump(line))
    (base / "manifests" / "output").mkdir(parents=True)
    (base / "manifests" / "output" / "output.manifest").write_text("\n".join(lines) + "\n")
    responses = base / "annotations" / "consolidated-annotation" / "consolidation-response"
    for iteration, named in human_files.items():
        (responses / f"iteration-{iteration}").mkdir(parents=True)
        for name, ids in named.items():
            doc = [{"datasetObjectId": str(i), "consolidatedAnnotation": {"content": content(i, job, True)}}
                   for i in ids]
            (responses / f"iteration-{iteration}" / name).write_text(_dump(doc))
    for iteration, ids in machine_lines.items():
        folder = base / "activelearning" / "auto-labeling" / str(iteration) / "output"
        folder.mkdir(parents=True)
        text = "".join(f"{i} {_dump({'source-ref': source(i), **content(i, job, False)})}\n" for i in ids)
        (folder / "auto_annotator_output.txt").write_text(text)
    return base


class FakeService:
    def __init__(self, *jobs: dict):
        self.jobs = {j["LabelingJobName"]: j for j in jobs}

    def describe_labeling_job(self, name: str) -> dict:
        if name not in self.jobs:
            raise ServiceError("ResourceNotFound", f"Could not find requested job with name {name}")
        return copy.deepcopy(self.jobs[name])


def workspace(root: Path, *jobs: dict) -> Workspace:
    return Workspace(kind="demo", label="constructed", open=folder_buckets(root), service=FakeService(*jobs),
                     notifier=OutboxNotifier(root / "outbox"), now=lambda: NOW)


@pytest.fixture
def buckets(tmp_path) -> Path:
    root = tmp_path / "s3"
    write_job(root)
    return root


def gold() -> dict[str, str]:
    # Gold files spell labels their own way (normalized before comparing) and hold more objects.
    return {source(i): true_class(i).upper() + " " for i in range(OBJECTS + 10)}


# --- one job: every number from the files and LabelCounters -----------------------------------------------


def test_counts_shares_duration_and_rate(buckets):
    row = job_metrics(load_job(workspace(buckets, describe()), "animals"))
    assert (row["objects"], row["labeled"], row["human_labeled"], row["machine_labeled"]) == (60, 55, 20, 35)
    assert (row["failed"], row["unlabeled"]) == (2, 3)
    assert row["machine_share"] == pytest.approx(35 / 55)
    assert row["duration_h"] == pytest.approx(5.5) and row["labels_per_hour"] == pytest.approx(10.0)
    assert row["ended"] == pd.Timestamp(MODIFIED)
    # The same numbers, counted from the files (§3, §4): nothing disagrees.
    assert (row["manifest_objects"], row["manifest_human"], row["manifest_machine"], row["manifest_failed"]) == (
        60, 20, 35, 2)
    assert row["consolidated_objects"] == 20  # 4 and 5 are in both files of iteration 1: counted once
    assert row["auto_annotator_lines"] == 35 and row["training_rounds"] == 2 and row["iterations"] == 3
    assert row["mismatches"] == []
    assert (row["task"], row["workforce"], row["algorithm"]) == ("ImageMultiClass", "public", "image-classification")
    assert row["final_model"] == MODEL and row["initial_model"] is None


def test_cost_to_the_cent(buckets):
    row = job_metrics(load_job(workspace(buckets, describe()), "animals"))
    assert Decimal(str(row["service_fee"])) == Decimal("0.08") * 55  # human and machine alike (§9)
    assert Decimal(str(row["worker_fee"])) == Decimal("0.036") * 3 * 20  # public price x workers x human objects
    # Assumed instance time: 0.25 h on ml.p3.2xlarge ($3.825) + 0.25 h on ml.c5.xlarge ($0.204), 2 rounds.
    assert Decimal(str(row["instance_cost"])) == (Decimal("3.825") + Decimal("0.204")) * Decimal("0.25") * 2
    assert Decimal(str(row["total_cost"])) == Decimal("4.40") + Decimal("2.16") + Decimal("2.0145")
    assert row["cost_per_labeled_object"] == pytest.approx(8.5745 / 55)
    assert any("ml.p3.2xlarge / ml.c5.xlarge" in n and "assumed" in n for n in row["notes"])
    edited = Prices(train_per_hour=2.0, infer_per_hour="0.4", train_hours_per_round=0.5)
    row = job_metrics(load_job(workspace(buckets, describe()), "animals"), prices=edited)
    per_round = Decimal("2.0") * Decimal("0.5") + Decimal("0.4") * Decimal("0.25")
    assert Decimal(str(row["instance_cost"])) == per_round * 2


def team(kind: str) -> dict:
    arn = f"arn:aws:sagemaker:us-east-1:123456789012:workteam/{kind}/t"
    return describe(HumanTaskConfig={**describe()["HumanTaskConfig"], "WorkteamArn": arn})


def test_private_teams_pay_no_worker_fee_and_vendors_are_unknown(buckets):
    private = team("private-crowd")
    row = job_metrics(load_job(workspace(buckets, private), "animals"))
    assert row["worker_fee"] == 0 and row["task_price"] == 0
    vendor = team("vendor-crowd")
    row = job_metrics(load_job(workspace(buckets, vendor), "animals"))
    assert row["worker_fee"] is None and any("vendor" in n for n in row["notes"])
    assert Decimal(str(row["total_cost"])) == Decimal("4.40") + Decimal("2.0145")  # the known part, said so


def test_per_iteration_labels_and_cost_follow_the_recipe(buckets):
    table = iterations(load_job(workspace(buckets, describe()), "animals"))
    assert list(table.columns) == ITERATION_COLUMNS
    assert table[["iteration", "human", "machine"]].values.tolist() == [[1, 10, 0], [2, 10, 20], [3, 0, 15]]
    per_human = Decimal("0.08") + 3 * Decimal("0.036")  # §9: 0.08 + N x price per human-labeled object
    per_round = (Decimal("3.825") + Decimal("0.204")) * Decimal("0.25")
    expected = [(10 * per_human, 0, 0), (10 * per_human, 20 * Decimal("0.08"), per_round),
                (0, 15 * Decimal("0.08"), per_round)]
    for (_, row), (human, machine, instance) in zip(table.iterrows(), expected, strict=True):
        assert Decimal(str(float(row["human_cost"]))) == human
        assert Decimal(str(float(row["machine_cost"]))) == machine
        assert Decimal(str(float(row["instance_cost"]))) == instance
    assert table["cumulative_human"].tolist() == [10, 20, 20] and table["cumulative_machine"].tolist() == [0, 20, 35]
    # The iterations add up to the job's total.
    assert table["cumulative_cost"].iloc[-1] == pytest.approx(8.5745)
    assert table["cost"].sum() == pytest.approx(job_metrics(load_job(workspace(buckets, describe()), "animals"))[
        "total_cost"])


def test_label_counters_that_disagree_with_the_files_are_reported(buckets):
    wrong = describe(LabelCounters={"TotalLabeled": 55, "HumanLabeled": 21, "MachineLabeled": 34,
                                    "FailedNonRetryableError": 2, "Unlabeled": 3})
    row = job_metrics(load_job(workspace(buckets, wrong), "animals"))
    assert row["human_labeled"] == 21 and row["machine_labeled"] == 34  # LabelCounters' numbers, as reported
    found = "\n".join(row["mismatches"])
    assert "HumanLabeled is 21 but there are 20 lines marked human-annotated yes" in found
    assert "MachineLabeled is 34 but there are 35 lines marked human-annotated no" in found
    assert "HumanLabeled is 21 but there are 20 objects in the consolidation responses" in found
    assert "MachineLabeled is 34 but there are 35 lines in auto_annotator_output.txt" in found
    assert len(row["mismatches"]) == 4
    running = describe(LabelingJobStatus="InProgress", LabelCounters={**wrong["LabelCounters"], "TotalLabeled": 56})
    row = job_metrics(load_job(workspace(buckets, running), "animals"))
    assert "TotalLabeled 56 is not HumanLabeled 21 + MachineLabeled 34" in row["mismatches"][0]
    assert all(m.endswith("(the job is InProgress: its files may lag behind)") for m in row["mismatches"])
    assert row["ended"] is None and row["duration_h"] == pytest.approx(24.0)  # to the workspace's now


def test_counters_without_any_output_are_a_mismatch(tmp_path):
    (tmp_path / "s3" / BUCKET).mkdir(parents=True)  # the bucket, with nothing under the job's folder
    row = job_metrics(load_job(workspace(tmp_path / "s3", describe()), "animals"))
    assert row["manifest_objects"] is None
    assert row["mismatches"][0] == ("LabelCounters count 55 labeled and 2 failed objects but no output manifest was "
                                    "found")


def test_accuracy_against_gold_split_by_human_and_machine(buckets):
    row = job_metrics(load_job(workspace(buckets, describe()), "animals"), gold=gold())
    assert row["accuracy_against"] == "gold" and row["compared"] == 55  # failed and unlabeled lines have no label
    assert row["accuracy_human"] == pytest.approx(18 / 20)
    assert row["accuracy_machine"] == pytest.approx(28 / 35)
    assert row["accuracy"] == pytest.approx(46 / 55)


def test_accuracy_against_a_reference_job(tmp_path):
    root = tmp_path / "s3"
    write_job(root)
    write_job(root, "animals-expert")  # the same sources, every label right
    ws = workspace(root, describe(), describe("animals-expert"))
    run, reference = load_job(ws, "animals"), load_job(ws, "animals-expert")
    row = job_metrics(run, reference=reference)
    assert row["accuracy_against"] == "job animals-expert" and row["compared"] == 55
    assert (row["accuracy_human"], row["accuracy_machine"]) == (pytest.approx(18 / 20), pytest.approx(28 / 35))
    assert job_metrics(reference, reference=reference)["accuracy"] == 1.0
    with pytest.raises(ValueError, match="not both"):
        job_metrics(run, gold=gold(), reference=reference)


def test_compare_has_one_row_per_job_and_a_readable_summary(tmp_path):
    root = tmp_path / "s3"
    write_job(root)
    write_job(root, "animals-expert")
    ws = workspace(root, describe(), describe("animals-expert"))
    table = compare([load_job(ws, "animals"), load_job(ws, "animals-expert")], gold=gold())
    assert table["job"].tolist() == ["animals", "animals-expert"]
    assert table["accuracy"].tolist() == [pytest.approx(46 / 55), 1.0]
    shown = summary_table(table)
    assert shown.loc["Total cost (USD)", "animals"] == "$8.57" and shown.loc["Machine share", "animals"] == "63.6%"
    assert shown.loc["Labeled by machine", "animals-expert"] == "35"


# --- the validation curve ---------------------------------------------------------------------------------


def test_validation_curve_shapes_and_absence(buckets):
    assert validation_curve({}) is None
    assert validation_curve({"activelearning/notes.json": b'{"no": "score"}', "training/x.json": b"not json"}) is None
    listed = validation_curve({"activelearning/validation.json": json.dumps(
        {"threshold": 0.95, "iterations": [{"iteration": 3, "accuracy": 0.97}, {"iteration": 2, "accuracy": 0.9}]}
    ).encode()})
    assert list(listed.columns) == CURVE_COLUMNS
    assert listed[["iteration", "value", "threshold"]].values.tolist() == [[2, 0.9, 0.95], [3, 0.97, 0.95]]
    per_file = validation_curve({"training/2/validation.json": b'{"validation_accuracy": 0.91}',
                                 "training/3/validation.json": b'{"validation_accuracy": 0.96}'})
    assert per_file["iteration"].tolist() == [2, 3] and per_file["metric"].unique().tolist() == ["validation_accuracy"]
    ws = workspace(buckets, describe())
    assert load_job(ws, "animals").validation is None
    folder = buckets / BUCKET / "jobs" / "animals" / "activelearning"
    (folder / "validation.json").write_text(json.dumps([{"iteration": 2, "accuracy": 0.93}]))
    run = load_job(ws, "animals")
    assert run.validation["value"].tolist() == [0.93] and job_metrics(run)["validation_points"] == 1


# --- the verdict ------------------------------------------------------------------------------------------


def row(job: str, objects: int, machine: int, total: float, model: str | None = None, labeled: int | None = None,
        status: str = "Completed", workforce: str = "public") -> dict:
    labeled = objects if labeled is None else labeled
    return {"job": job, "status": status, "objects": objects, "labeled": labeled, "machine_labeled": machine,
            "human_labeled": labeled - machine, "machine_share": machine / labeled if labeled else None,
            "total_cost": total, "initial_model": model, "auto_labeling": True, "workforce": workforce,
            "workers_per_object": 3, "input_manifest": f"s3://{BUCKET}/{objects}.manifest"}


def test_verdict_on_equal_data_sets():
    with_model, without = row("b", 1000, 800, 208.80, MODEL), row("c", 1000, 600, 282.24)
    # 282.24 - 208.80 = 73.44, which is 26.02% of 282.24.
    assert verdict(with_model, without) == ("Starting from the earlier model, b labeled 200 more objects by machine "
                                            "than c (80% vs 60% machine-labeled) and saved $73.44 (26%).")
    worse = verdict(row("b", 1000, 500, 300.10, MODEL), without)
    assert worse == ("Starting from the earlier model, b labeled 100 fewer objects by machine than c (50% vs 60% "
                     "machine-labeled) and cost $17.86 more (6%).")


def test_verdict_with_private_teams_counts_the_tasks_saved():
    with_model = row("b", 2500, 1964, 201.00725, MODEL, workforce="private")
    without = row("c", 2500, 1726, 201.00725, workforce="private")
    assert verdict(with_model, without) == (
        "Starting from the earlier model, b labeled 238 more objects by machine than c (79% vs 69% machine-labeled) "
        "and saved $0.00 (0%). Its workers did 714 fewer tasks, whose cost to their team is not in these numbers.")
    cheaper = verdict(row("b", 2500, 1964, 201.00725, MODEL, workforce="private"),
                      row("c", 2500, 1726, 202.01450, workforce="private"))
    assert "saved $1.01 (0.5%)." in cheaper  # 1.00725 of 202.0145: a whole percent would say 0%


def test_verdict_on_data_sets_of_different_sizes_compares_per_object():
    text = verdict(row("b", 1000, 800, 200.0, MODEL), row("c", 500, 300, 150.0))
    assert text == ("The data sets differ (1,000 vs 500 objects), so per object: starting from the earlier model, b "
                    "labeled 80% of its objects by machine against 60% for c (20 points more) and saved 33% per "
                    "labeled object ($0.2000 vs $0.3000).")


def test_verdict_says_when_numbers_are_partial_or_missing():
    text = verdict(row("b", 10, 5, 1.0, MODEL, status="InProgress"), row("c", 10, 4, 1.2))
    assert text.endswith("labeled 1 more object by machine than c (50% vs 40% machine-labeled) and saved $0.20 (17%) "
                         "(b is InProgress: numbers so far).")
    assert verdict(row("b", 10, 0, 0.0, MODEL, labeled=0), row("c", 10, 4, 1.2)) == (
        "No comparison yet: b has labeled nothing.")


def test_verdict_pair_picks_the_job_without_a_model_on_the_same_data():
    a, b, c, d = row("a", 500, 1, 1.0), row("b", 1000, 800, 1.0, MODEL), row("c", 1000, 5, 1.0), row("d", 1000, 6, 1.0)
    c["auto_labeling"] = False
    e = row("e", 1000, 7, 1.0) | {"input_manifest": "s3://data/other-half.manifest"}
    assert verdict_pair([a, e, b, c, d]) == (b, d)  # same manifest, auto-labeling too (§8's fair comparison)
    assert verdict_pair([a, e, b, c]) == (b, c)  # the same manifest first
    assert verdict_pair([a, b, e]) == (b, e)  # else as many objects
    assert verdict_pair([a, b]) == (b, a)  # only another size: compared per object
    assert verdict_pair([a, c]) is None and verdict_pair([b]) is None
    assert verdict_pair([b, row("e", 1000, 1, 1.0, MODEL), c]) is None  # two started from a model
    frame = pd.DataFrame([a, b, c, d])
    found = verdict_pair(frame)
    assert (found[0]["job"], found[1]["job"]) == ("b", "d")
