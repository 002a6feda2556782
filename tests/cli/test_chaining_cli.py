"""`python -m core launch` and `python -m core chain`, in-process, on the local Ground Truth and the demo."""

from __future__ import annotations

import json

import botocore.session
from botocore.validate import validate_parameters
from test_chaining import digits_config  # tests/unit is on sys.path (pyproject: pythonpath)

from core import cli
from core.gt.rules import validate_create_request
from core.launch import build_request


def test_cli_chain_and_launch_on_the_simulator(sim, ws, monkeypatch, capsys, tmp_path):
    monkeypatch.setattr(cli.common, "workspace", lambda args: ws)
    config_file = tmp_path / "digits.json"
    config_file.write_text(digits_config(sim, max_concurrent_tasks=20).dumps())
    assert cli.main(["launch", "--config", str(config_file), "--dry-run"]) == 0
    out, err = capsys.readouterr()
    request = json.loads(out)
    assert request == build_request(digits_config(sim, max_concurrent_tasks=20))
    assert "create_labeling_job(**request)" in err and "Total: $4.80" in err  # 60 objects x $0.08
    assert not sim.service.list_labeling_jobs()  # a dry run launches nothing

    assert cli.main(["launch", "--config", str(config_file)]) == 0
    assert capsys.readouterr().out.strip() == "arn:aws:sagemaker:us-east-1:123456789012:labeling-job/digits"
    assert cli.main(["chain", "digits", "--dry-run"]) == 2
    assert "digits is still Initializing" in capsys.readouterr().err
    sim.run("digits", days=1)

    assert cli.main(["chain", "digits", "--new-attribute", "digit-check", "--dry-run"]) == 0
    out, err = capsys.readouterr()
    request = json.loads(out)
    assert request["LabelAttributeName"] == "digit-check" and validate_create_request(request) == []
    assert "digits: 60 labeled, 0 unlabeled, 0 failed" in err and "Sends 60 of 60 objects under digit-check" in err

    assert cli.main(["chain", "digits", "--name", "digits-again"]) == 0
    out, err = capsys.readouterr()
    assert out.strip().endswith(":labeling-job/digits-again") and "the job would send nothing" in err
    assert sim.run("digits-again")["LabelCounters"]["TotalLabeled"] == 0  # nothing left to label under digits


def test_cli_launch_problems_exit_2_naming_fields(sim, ws, monkeypatch, capsys, tmp_path):
    monkeypatch.setattr(cli.common, "workspace", lambda args: ws)
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({**digits_config(sim).to_dict(), "workers_per_object": 12, "labels": ["7"]}))
    assert cli.main(["launch", "--config", str(bad), "--dry-run"]) == 2
    out, err = capsys.readouterr()
    assert out == ""
    assert "workers_per_object: must be 1 to 9 workers (got 12)" in err and "labels: ImageMultiClass jobs need" in err
    bad.write_text(json.dumps({"job_name": "x", "colour": "red"}))
    assert cli.main(["launch", "--config", str(bad)]) == 2
    err = capsys.readouterr().err
    assert "colour: is not a launch setting" in err and "task_type: is required" in err


def test_cli_chain_dry_run_on_the_demo_prints_a_valid_request(capsys):
    # The demo (GC_DEMO_DIR, built once per session): digits-batch-3 was stopped half-way.
    assert cli.main(["chain", "digits-batch-3", "--dry-run", "--workspace", "demo"]) == 0
    out, err = capsys.readouterr()
    request = json.loads(out)
    assert validate_create_request(request) == []
    shape = botocore.session.get_session().get_service_model("sagemaker").operation_model("CreateLabelingJob")
    validate_parameters(request, shape.input_shape)
    assert request["LabelAttributeName"] == "digit"
    assert request["InputConfig"]["DataSource"]["S3DataSource"]["ManifestS3Uri"].endswith(
        "/digits-batch-3/manifests/output/output.manifest")
    assert "digits-batch-3-continued already read" in err  # the demo continued it once already
