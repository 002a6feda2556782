"""Chaining (core.chaining) end to end on the local Ground Truth: launch, stop part-way, continue on
the same attribute, complete; the counts add up and no object is labeled twice under one attribute
(docs/ground-truth.md §8). New layers send everything, clones read the parent's input manifest."""

from __future__ import annotations

import json
from datetime import timedelta
from decimal import Decimal

import botocore.session
import pytest
from botocore.validate import validate_parameters
from test_sim import OUTPUT, T0, Sim  # tests/unit is on sys.path (pyproject: pythonpath)

from core.chaining import (
    ChainError,
    Counts,
    attribute_summary,
    chain_manifest_uri,
    chain_name,
    config_from_job,
    plan_chain,
    plan_in,
    plan_json,
)
from core.gt.rules import validate_create_request
from core.launch import LaunchConfig, build_request, launch
from core.sim.engine import EXPIRED_TASKS
from core.workspace import Workspace

ROLE = "arn:aws:iam::123456789012:role/GroundTruth"
MODEL = "arn:aws:sagemaker:us-east-1:123456789012:model/digits-final"


@pytest.fixture
def sim(tmp_path) -> Sim:
    return Sim(tmp_path)


@pytest.fixture
def ws(sim, tmp_path) -> Workspace:
    from core.notify import OutboxNotifier

    return Workspace(kind="demo", label="test simulator", open=sim.open_uri, service=sim.service,
                     notifier=OutboxNotifier(tmp_path / "outbox"), now=sim.clock.now, output_uri=OUTPUT)


def digits_config(sim: Sim, name: str = "digits", **changes) -> LaunchConfig:
    return LaunchConfig(job_name=name, task_type="ImageMultiClass", manifest=sim.digits.manifest_uri, output=OUTPUT,
                        role=ROLE, workteam=sim.service.team_arn("labeling-team"), labels=tuple(sim.digits.labels),
                        title="Which digit is this?", **changes)


def stopped_part_way(sim: Sim, ws: Workspace) -> dict:
    """A parent stopped with labeled, failed (expired: a 15-minute task lifetime) and unlabeled objects."""
    launch(digits_config(sim, max_concurrent_tasks=20, task_availability_s=900), ws)
    t = T0
    while True:
        t += timedelta(minutes=5)
        c = sim.at(t, "digits")["LabelCounters"]
        if c["TotalLabeled"] >= 20 and c["FailedNonRetryableError"] and c["Unlabeled"]:
            break
        assert t < T0 + timedelta(days=2), "the parent never reached a mixed state"
    sim.service.stop_labeling_job("digits")
    job = sim.at(t + timedelta(hours=1), "digits")
    assert job["LabelingJobStatus"] == "Stopped"
    return job


def lines_of(data: bytes) -> list[dict]:
    return [json.loads(line) for line in data.decode().splitlines()]


# --- end to end -----------------------------------------------------------------------------------------------


def test_continue_labels_only_what_the_parent_left_and_nothing_twice(sim, ws):
    parent = stopped_part_way(sim, ws)
    counters = parent["LabelCounters"]
    parent_out = ws.open(parent["LabelingJobOutput"]["OutputDatasetS3Uri"]).read()
    summary = attribute_summary(parent_out)
    assert summary == {"digits": Counts(labeled=counters["TotalLabeled"], unlabeled=counters["Unlabeled"],
                                        failed=counters["FailedNonRetryableError"])}
    left = {i for i, line in enumerate(lines_of(parent_out)) if "digits" not in line}
    assert len(left) == counters["Unlabeled"] + counters["FailedNonRetryableError"]

    plan = plan_chain(parent, parent_out, "continue", existing_names=["digits"])
    assert plan.config.job_name == "digits-chain-1" and plan.config.attribute == "digits"
    assert plan.manifest_uri == f"{OUTPUT}digits/manifests/output/output.manifest"
    assert set(plan.sent_lines) == left and plan.objects == 60
    assert plan.cost.objects == len(left) and plan.cost.total_usd == Decimal("0.08") * len(left)  # private team (§9)
    assert plan.problems == () and validate_create_request(plan.request) == []
    assert plan.request["InputConfig"]["DataSource"]["S3DataSource"]["ManifestS3Uri"] == plan.manifest_uri
    assert any("only objects without digits are sent" in n for n in plan.notes)
    summary_json = json.loads(plan_json(plan))
    assert summary_json["objects_to_send"] == len(left) and summary_json["summary"]["digits"]["failed"] > 0

    # Long enough task lifetime this time, so every object left gets labeled.
    launch(plan.config.with_changes(task_availability_s=7200), ws)
    child = sim.run("digits-chain-1")
    assert child["LabelingJobStatus"] == "Completed"
    assert child["LabelCounters"]["TotalLabeled"] == len(left) and child["LabelCounters"]["Unlabeled"] == 0
    assert counters["TotalLabeled"] + child["LabelCounters"]["TotalLabeled"] == 60

    final = lines_of(ws.open(child["LabelingJobOutput"]["OutputDatasetS3Uri"]).read())
    assert len(final) == 60 and len({line["source-ref"] for line in final}) == 60  # every object once
    assert attribute_summary(ws.open(child["LabelingJobOutput"]["OutputDatasetS3Uri"]).read()) == {
        "digits": Counts(labeled=60, unlabeled=0, failed=0)}
    before = lines_of(parent_out)
    for i, line in enumerate(final):
        job = line["digits-metadata"]["job-name"]
        if i in left:
            assert job == "labeling-job/digits-chain-1"
        else:
            assert job == "labeling-job/digits" and line == before[i]  # the parent's label, untouched
    # Workers of the chained job saw only what the parent left.
    answered = set(sim.read("digits-chain-1").answers["object_id"].astype(int))
    assert answered == left
    assert not answered & set(sim.read("digits").answers["object_id"].astype(int))


def test_new_layer_sends_everything_and_keeps_the_first_layer(sim, ws):
    parent = stopped_part_way(sim, ws)
    parent_out = ws.open(parent["LabelingJobOutput"]["OutputDatasetS3Uri"]).read()
    plan = plan_chain(parent, parent_out, "new-layer", new_attribute="digit-check", existing_names=["digits"])
    assert plan.config.attribute == "digit-check" and plan.objects_to_send == 60
    assert plan.manifest_uri == f"{OUTPUT}digits/manifests/output/output.manifest"
    launch(plan.config.with_changes(task_availability_s=7200), ws)
    assert sim.run(plan.config.job_name)["LabelCounters"]["TotalLabeled"] == 60
    final = sim.output_lines(plan.config.job_name)
    assert all("digit-check" in line for line in final)
    assert sum("digits" in line for line in final) == parent["LabelCounters"]["TotalLabeled"]
    with pytest.raises(ChainError, match="already in the manifest"):
        plan_chain(parent, parent_out, "new-layer", new_attribute="digits")
    default = plan_chain(parent, parent_out, "new-layer", existing_names=["digits"])
    assert default.config.attribute == default.config.job_name == "digits-chain-1"  # console default (§8)


def test_clone_reads_the_parents_input_manifest(sim, ws):
    parent = stopped_part_way(sim, ws)
    assert chain_manifest_uri(parent, "clone") == sim.digits.manifest_uri
    inputs = ws.open(sim.digits.manifest_uri).read()
    plan = plan_chain(parent, inputs, "clone", existing_names=["digits", "Digits-Clone-1"])
    assert plan.config.job_name == "digits-clone-2"  # names are unique ignoring case
    assert plan.manifest_uri == sim.digits.manifest_uri and plan.objects_to_send == 60
    assert plan.config.attribute == "digits" and plan.summary == {}
    assert plan.config.task_availability_s == 900 and plan.config.max_concurrent_tasks == 20  # the parent's settings
    launch(plan.config, ws)
    assert sim.run("digits-clone-2")["LabelCounters"]["Unlabeled"] == 0


def test_plan_in_reads_from_the_workspace_and_warns_about_earlier_continuations(sim, ws):
    stopped_part_way(sim, ws)
    first = plan_in(ws, "digits", "continue")
    launch(first.config, ws)
    again = plan_in(ws, "digits", "continue")
    assert again.config.job_name == "digits-chain-2"
    assert "digits-chain-1 already read" in again.notes[0]
    with pytest.raises(ChainError, match="digits-chain-1 is still Initializing"):
        plan_in(ws, "digits-chain-1", "continue")
    clone = plan_in(ws, "digits-chain-1", "clone")  # cloning a running job is fine
    assert clone.manifest_uri == first.manifest_uri


# --- auto-labeling and pre-trained models (the simulator has no auto-labeling: requests only) ----------------------


def described(sim: Sim, **changes) -> dict:
    """A describe_labeling_job response of a finished job, from our own request."""
    request = build_request(digits_config(sim, **changes))
    return {**request, "LabelingJobStatus": "Completed", "LabelingJobArn":
            "arn:aws:sagemaker:us-east-1:123456789012:labeling-job/digits", "LabelCounters": {},
            "LabelingJobOutput": {"OutputDatasetS3Uri": f"{OUTPUT}digits/manifests/output/output.manifest"}}


MANIFEST = b"".join(json.dumps(line).encode() + b"\n" for line in (
    {"source-ref": "s3://data/1.png", "digits": 1, "digits-metadata": {"class-name": "1", "job-name": "x/d"}},
    {"source-ref": "s3://data/2.png", "digits-metadata": {"failure-reason": "ClientError: expired", "retry-count": 1}},
    {"source-ref": "s3://data/3.png"},
))


def test_auto_labeling_on_the_same_attribute_reuses_the_model(sim):
    parent = described(sim, auto_labeling=True)
    plan = plan_chain(parent, MANIFEST, "continue")
    assert plan.config.auto_labeling and plan.sent_lines == (1, 2)
    assert any("reuses the earlier job's model" in n for n in plan.notes)
    assert plan.request["LabelingJobAlgorithmsConfig"]["LabelingJobAlgorithmSpecificationArn"].endswith(
        "labeling-job-algorithm-specification/image-classification")
    off = plan_chain(parent, MANIFEST, "continue", auto_labeling=False)
    assert "LabelingJobAlgorithmsConfig" not in off.request and not any("reuses" in n for n in off.notes)


def test_pretrained_model_comes_from_final_active_learning_model_arn(sim):
    parent = described(sim)
    donor = {**described(sim, auto_labeling=True), "LabelingJobName": "digits-auto"}
    with pytest.raises(ChainError, match="digits-auto has no FinalActiveLearningModelArn"):
        plan_chain(parent, MANIFEST, "new-layer", new_attribute="digit-auto", pretrained_from=donor)
    donor["LabelingJobOutput"]["FinalActiveLearningModelArn"] = MODEL
    plan = plan_chain(parent, MANIFEST, "new-layer", new_attribute="digit-auto", pretrained_from=donor)
    assert plan.config.auto_labeling and plan.config.pretrained_model == MODEL
    assert plan.request["LabelingJobAlgorithmsConfig"]["InitialActiveLearningModelArn"] == MODEL
    assert plan.problems == () and plan.objects_to_send == 3
    shape = botocore.session.get_session().get_service_model("sagemaker").operation_model("CreateLabelingJob")
    validate_parameters(plan.request, shape.input_shape)
    with pytest.raises(ChainError, match="auto-labeling off"):
        plan_chain(parent, MANIFEST, "new-layer", new_attribute="x", pretrained_from=donor, auto_labeling=False)


def test_auto_labeling_for_a_task_without_it_is_a_problem_not_a_request(sim):
    parent = described(sim)
    parent["HumanTaskConfig"]["PreHumanTaskLambdaArn"] = parent["HumanTaskConfig"]["PreHumanTaskLambdaArn"].replace(
        "ImageMultiClass", "ImageMultiClassMultiLabel")
    parent["HumanTaskConfig"]["AnnotationConsolidationConfig"]["AnnotationConsolidationLambdaArn"] = parent[
        "HumanTaskConfig"]["AnnotationConsolidationConfig"]["AnnotationConsolidationLambdaArn"].replace(
        "ImageMultiClass", "ImageMultiClassMultiLabel")
    plan = plan_chain(parent, MANIFEST, "continue", auto_labeling=True)
    assert [p.field for p in plan.problems] == ["auto_labeling"]


# --- the pieces ----------------------------------------------------------------------------------------------------


def test_attribute_summary_counts_every_attribute():
    data = MANIFEST + b'{"source-ref":"s3://data/4.png","other":0,"other-metadata":{"job-name":"labeling-job/o"}}\n' \
                      b"not json\n"
    assert attribute_summary(data) == {"digits": Counts(labeled=1, unlabeled=2, failed=1),
                                       "other": Counts(labeled=1, unlabeled=3, failed=0)}
    assert Counts(1, 2, 1).total == 4
    assert attribute_summary(b'{"source-ref":"s3://x","a-metadata":{"failure-reason":"' +
                             EXPIRED_TASKS.encode() + b'"}}\n') == {"a": Counts(0, 0, 1)}


def test_an_unreadable_manifest_is_a_chain_error(sim):
    with pytest.raises(ChainError, match="cannot be read as a manifest: empty manifest"):
        plan_chain(described(sim), b"", "continue")


def test_chain_names_are_unique_and_short():
    assert chain_name("digits", "continue") == "digits-chain-1"
    assert chain_name("digits-chain-1", "continue", ["digits-chain-2"]) == "digits-chain-3"
    assert chain_name("digits", "clone", ["DIGITS-CLONE-1"]) == "digits-clone-2"
    long = chain_name("x" * 63, "continue")
    assert len(long) == 63 and long.endswith("-chain-1")


def test_config_from_job_rebuilds_the_request(sim, ws):
    launch(digits_config(sim, keywords=("digits",), tags={"team": "ml"}, max_human_labeled=30), ws)
    job = sim.service.describe_labeling_job("digits")
    config = config_from_job(job)
    assert isinstance(config, LaunchConfig) and config.task_type == "ImageMultiClass"
    rebuilt = build_request(config)
    for key in ("LabelingJobName", "LabelAttributeName", "InputConfig", "RoleArn", "LabelCategoryConfigS3Uri",
                "StoppingConditions", "Tags"):
        assert rebuilt[key] == job[key], key
    assert rebuilt["HumanTaskConfig"] == job["HumanTaskConfig"]
    with pytest.raises(ChainError, match="custom Lambda"):
        config_from_job({**job, "HumanTaskConfig": {**job["HumanTaskConfig"], "PreHumanTaskLambdaArn": "x",
                                                    "AnnotationConsolidationConfig": {}}})


def test_what_is_not_carried_over_is_said(sim):
    plan = plan_chain(described(sim, max_human_labeled=10), MANIFEST, "continue")
    assert "StoppingConditions" not in plan.request
    assert any("stopping conditions are not carried over" in n for n in plan.notes)
    parent = described(sim)
    parent["OutputConfig"]["KmsKeyId"] = "alias/labels"
    note = next(n for n in plan_chain(parent, MANIFEST, "continue").notes if "not carried over" in n)
    assert "OutputConfig.KmsKeyId" in note
    parent["OutputConfig"]["KmsKeyId"] = ""  # what describe_labeling_job returns when no key is set (§6)
    assert not any("KmsKeyId" in n for n in plan_chain(parent, MANIFEST, "continue").notes)
