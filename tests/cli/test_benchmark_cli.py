"""`python -m core benchmark`: on the demo as a subprocess, and in-process on a constructed job."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import no_real_aws  # tests/ is on sys.path (pyproject: pythonpath)
import pytest
from test_benchmark import HUMAN_FILES, MODEL, describe, workspace, write_job  # tests/unit is on sys.path

from core import cli
from core.ingest import SourceReader

REPO_ROOT = Path(__file__).resolve().parents[2]


def run_cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "core", "benchmark", *args], cwd=REPO_ROOT, capture_output=True,
                          text=True, timeout=180, env=no_real_aws.subprocess_env())


@pytest.mark.slow
def test_cli_json_on_the_demo(demo, demo_dir):
    jobs = ["digits-batch-2", "digits-batch-3", "digits-batch-3-continued"]
    gold_uri = "s3://ground-control-demo/datasets/digits/gold.jsonl"
    done = run_cli(*jobs, "--gold", gold_uri, "--format", "json", "--workspace", "demo", "--dir", str(demo_dir))
    assert done.returncode == 0, done.stderr
    doc = json.loads(done.stdout)
    assert [r["job"] for r in doc["jobs"]] == jobs and doc["verdict"] is None
    for found in doc["jobs"]:
        job = demo.service.describe_labeling_job(found["job"])
        c = job["LabelCounters"]
        data = SourceReader(demo.open(f"{job['OutputConfig']['S3OutputPath']}{found['job']}/")).load()
        assert (found["human_labeled"], found["failed"], found["unlabeled"]) == (
            c["HumanLabeled"], c["FailedNonRetryableError"], c["Unlabeled"])
        assert found["consolidated_objects"] == len(data.consolidations.drop_duplicates(["iteration", "object_id"]))
        assert found["service_fee"] == pytest.approx(0.08 * c["TotalLabeled"])
        expected_h = (job["LastModifiedTime"] - job["CreationTime"]).total_seconds() / 3600
        assert found["duration_h"] == pytest.approx(expected_h, abs=1e-4)
        assert found["accuracy_against"] == "gold" and found["compared"] == c["HumanLabeled"]
        assert found["mismatches"] == []
        per_iteration = doc["iterations"][found["job"]]
        assert sum(i["human"] for i in per_iteration) == c["HumanLabeled"]
        assert doc["validation"][found["job"]] is None


def test_cli_prints_the_verdict_when_one_job_started_from_a_model(tmp_path, monkeypatch, capsys):
    root = tmp_path / "s3"
    write_job(root)
    # The same data, started from the earlier model: humans label only the first 10, the machine 45.
    write_job(root, "animals-warm", human_files={1: HUMAN_FILES[1]}, machine_lines={2: range(10, 40), 3: range(40, 55)})
    warm = describe("animals-warm", LabelCounters={"TotalLabeled": 55, "HumanLabeled": 10, "MachineLabeled": 45,
                                                   "FailedNonRetryableError": 2, "Unlabeled": 3})
    warm["LabelingJobAlgorithmsConfig"]["InitialActiveLearningModelArn"] = MODEL
    monkeypatch.setattr(cli.common, "workspace", lambda args: workspace(root, describe(), warm))
    assert cli.main(["benchmark", "animals", "animals-warm", "--format", "json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    # Cold: 4.40 + 2.16 + 2.0145 = 8.5745; warm: 4.40 + 1.08 + 2.0145 = 7.4945; 1.08 is 12.6% of 8.5745.
    assert [r["total_cost"] for r in doc["jobs"]] == [pytest.approx(8.5745), pytest.approx(7.4945)]
    assert doc["verdict"] == ("Starting from the earlier model, animals-warm labeled 10 more objects by machine than "
                              "animals (82% vs 64% machine-labeled) and saved $1.08 (13%).")
    assert [i["machine"] for i in doc["iterations"]["animals-warm"]] == [0, 30, 15]
    assert cli.main(["benchmark", "animals", "animals-warm", "--train-price", "0", "--infer-price", "0"]) == 0
    out = capsys.readouterr().out
    assert out.splitlines()[-1] == doc["verdict"].replace("(13%)", "(16%)")  # 1.08 of 6.56 without instance time
    instance = next(line for line in out.splitlines() if line.startswith("Instance time"))
    assert instance.split()[-2:] == ["$0.00", "$0.00"]
    assert "animals: note: instance time estimated at 0.25 h training + 0.25 h inference" in out
    assert cli.main(["benchmark", "animals", "--gold", "g.csv", "--reference", "animals-warm"]) == 2
    assert "not both" in capsys.readouterr().err


@pytest.mark.slow
def test_cli_table_on_the_demo_and_unknown_jobs(demo_dir):
    done = run_cli("digits-pilot", "digits-batch-1", "--workspace", "demo", "--dir", str(demo_dir))
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0].split() == ["digits-pilot", "digits-batch-1"]
    assert any(line.startswith("Total cost (USD)") and "$12.00" in line and "$52.00" in line for line in lines)
    unknown = run_cli("digits-pilot", "no-such-job", "--workspace", "demo", "--dir", str(demo_dir))
    assert unknown.returncode == 2 and unknown.stdout == ""
    assert unknown.stderr.strip().splitlines() == [
        "error: no labeling job named no-such-job in Demo workspace (local Ground Truth simulator)"]
