"""A follow-up job for chosen items (core.fixes), planned and launched on the local Ground Truth: a
verification of a finished box job's worst items, and a re-label of a classification job's."""

from __future__ import annotations

from datetime import timedelta

import pytest
from test_chaining import ROLE, digits_config, ws  # noqa: F401  (tests/unit is on sys.path)
from test_sim import OUTPUT, T0, Sim  # noqa: F401

from core.fixes import FOLDER, FixError, fix_kinds, plan_fix, write_manifest
from core.gt.rules import validate_create_request
from core.launch import LaunchConfig, launch
from core.sim.datasets import write_shapes


@pytest.fixture
def sim(tmp_path) -> Sim:
    sim = Sim(tmp_path, digits=12)
    sim.shapes = write_shapes(sim.open_uri, "s3://gc-test-bucket/shapes", count=8, seed=3)
    sim.service.register_truth(sim.shapes.truth)
    return sim


def finished(sim: Sim, ws, config: LaunchConfig) -> dict:  # noqa: F811
    launch(config, ws)
    t = T0
    while (job := sim.at(t, config.job_name))["LabelingJobStatus"] != "Completed":
        t += timedelta(hours=1)
        assert t < T0 + timedelta(days=3), f"{config.job_name} never finished"
    return job


def boxes_config(sim: Sim) -> LaunchConfig:
    return LaunchConfig(job_name="shapes", task_type="BoundingBox", manifest=sim.shapes.manifest_uri, output=OUTPUT,
                        role=ROLE, workteam=sim.service.team_arn("labeling-team"), labels=tuple(sim.shapes.labels),
                        title="Box every shape")


def test_a_verification_of_chosen_boxes_reads_exactly_their_labeled_lines(sim, ws):  # noqa: F811
    job = finished(sim, ws, boxes_config(sim))
    plan = plan_fix(ws, "shapes", ["5", "2", "5"], "verify")
    assert plan.objects == ("5", "2") and not plan.problems
    output = ws.open(job["LabelingJobOutput"]["OutputDatasetS3Uri"]).read().decode().splitlines()
    assert plan.manifest.decode().splitlines() == [output[5], output[2]]  # with the labels to check on them
    assert plan.manifest_uri.startswith(f"{OUTPUT.rstrip('/')}/{FOLDER}/shapes-verify-")
    request = plan.request
    assert validate_create_request(request) == []
    assert request["LabelingJobName"] == "shapes-verify-1"
    assert "VerificationBoundingBox" in request["HumanTaskConfig"]["PreHumanTaskLambdaArn"]
    assert plan.cost.objects == 2
    # Written once; the same choice again is the same file, left as it is; then the one launch path.
    assert write_manifest(ws, plan) == write_manifest(ws, plan) == plan.manifest_uri
    launch(plan.config, ws)
    started = sim.service.describe_labeling_job("shapes-verify-1")
    assert started["InputConfig"]["DataSource"]["S3DataSource"]["ManifestS3Uri"] == plan.manifest_uri
    assert plan_fix(ws, "shapes", ["2"], "adjust").config.job_name == "shapes-adjust-1"
    assert plan_fix(ws, "shapes", ["2"], "verify").config.job_name == "shapes-verify-2"  # -1 is taken now


def test_a_relabel_reads_the_input_lines_and_classification_has_no_audit(sim, ws):  # noqa: F811
    finished(sim, ws, digits_config(sim))
    plan = plan_fix(ws, "digits", ["0", "3"], "relabel")
    inputs = ws.open(sim.digits.manifest_uri).read().decode().splitlines()
    assert plan.manifest.decode().splitlines() == [inputs[0], inputs[3]]
    assert plan.config.task_type == "ImageMultiClass" and plan.request["LabelingJobName"] == "digits-relabel-1"
    assert fix_kinds("ImageMultiClass") == ["relabel"] and fix_kinds("BoundingBox")[:2] == ["verify", "adjust"]
    with pytest.raises(FixError, match="only bounding boxes and segmentation"):
        plan_fix(ws, "digits", ["0"], "verify")


def test_unknown_jobs_and_objects_are_refused_in_words(sim, ws):  # noqa: F811
    finished(sim, ws, digits_config(sim))
    with pytest.raises(FixError, match="not a labeling job of this workspace"):
        plan_fix(ws, "nope", ["0"], "relabel")
    with pytest.raises(FixError, match="object 99 is not a line"):
        plan_fix(ws, "digits", ["99"], "relabel")
    with pytest.raises(FixError, match="at least one item"):
        plan_fix(ws, "digits", [], "relabel")
