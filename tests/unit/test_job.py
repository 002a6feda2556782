"""The Job value read from DescribeLabelingJob: from the simulator, and from SageMaker-shaped responses
validated by botocore's Stubber against the real service model."""

from __future__ import annotations

import copy
from datetime import UTC, datetime, timedelta

import boto3
import pandas as pd
import pytest
from botocore.stub import Stubber
from test_sim import OUTPUT, Sim  # tests/ is on sys.path (pytest rootdir imports)

from core.benchmark import Finding, findings
from core.gt import tasks
from core.gt.job import Job
from core.gt.sagemaker import SageMakerService

REGION = "us-east-1"
ACCOUNT = "123456789012"
T0 = datetime(2024, 3, 12, 10, 0, tzinfo=UTC)
MODEL = f"arn:aws:sagemaker:{REGION}:{ACCOUNT}:model/digits-model-1"
FINAL = f"arn:aws:sagemaker:{REGION}:{ACCOUNT}:model/digits-auto-final"


# --- the simulator ------------------------------------------------------------------------------------------


def test_simulated_job_before_and_after_its_output(tmp_path):
    sim = Sim(tmp_path, digits=12)
    sim.service.create_labeling_job(sim.request("digits", workers=2))
    job = Job.from_description(sim.service.describe_labeling_job("digits"))
    # Just created: nothing written, so no output manifest and none expected yet.
    assert (job.name, job.status, job.task, job.attribute) == ("digits", "Initializing",
                                                               tasks.task("ImageMultiClass"), "digit")
    assert job.output_manifest is None and job.expected_output_manifest is None
    assert job.output_folder == f"{OUTPUT}digits/" and job.input_manifest == sim.digits.manifest_uri
    assert job.active and not job.finished and job.ended is None and job.workers_per_object == 2
    assert not job.auto_labeling and job.final_model is None and job.team == "labeling-team"

    done = Job.from_description(sim.run("digits"))
    assert done.status == "Completed" and done.finished and done.ended == done.modified > done.created
    assert done.counters.objects == 12 == done.counters.total + done.counters.failed
    assert done.counters.total == done.counters.human + done.counters.machine
    # The folder the Job names is the one the simulator wrote, and the output manifest sits in it.
    manifest = f"{done.output_folder}manifests/output/output.manifest"
    assert done.output_manifest == done.expected_output_manifest == manifest
    keys = sim.keys("digits")
    assert keys and "jobs/digits/manifests/output/output.manifest" in keys
    assert all(f"s3://data/{k}".startswith(done.output_folder) for k in keys)

    # A list summary reads the same where it has the facts; its output path comes from the manifest.
    (summary,) = sim.service.list_labeling_jobs()
    listed = Job.from_summary(summary)
    assert (listed.name, listed.status, listed.task, listed.counters, listed.workteam, listed.created) == (
        done.name, done.status, done.task, done.counters, done.workteam, done.created)
    assert listed.output_folder == done.output_folder and listed.output_manifest == done.output_manifest


# --- SageMaker's shape, checked by the Stubber ----------------------------------------------------------------


@pytest.fixture
def sagemaker(monkeypatch):
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    client = boto3.client("sagemaker", region_name=REGION)
    with Stubber(client) as stubber:
        yield SageMakerService(sagemaker_client=client), stubber
        stubber.assert_no_pending_responses()


def described(name: str, status: str, **extra) -> dict:
    """A DescribeLabelingJob response as SageMaker gives it (no LabelingJobOutput before any output)."""
    return {
        "LabelingJobStatus": status,
        "LabelCounters": {"TotalLabeled": 0, "HumanLabeled": 0, "MachineLabeled": 0,
                          "FailedNonRetryableError": 0, "Unlabeled": 1500},
        "CreationTime": T0, "LastModifiedTime": T0 + timedelta(minutes=5),
        "JobReferenceCode": "abc123",
        "LabelingJobName": name,
        "LabelingJobArn": f"arn:aws:sagemaker:{REGION}:{ACCOUNT}:labeling-job/{name}",
        "LabelAttributeName": "digit",
        "InputConfig": {"DataSource": {"S3DataSource": {"ManifestS3Uri": "s3://data/digits.manifest"}}},
        "OutputConfig": {"S3OutputPath": "s3://data/jobs/"},
        "RoleArn": f"arn:aws:iam::{ACCOUNT}:role/GroundTruth",
        "HumanTaskConfig": {
            "WorkteamArn": f"arn:aws:sagemaker:{REGION}:{tasks.UI_ACCOUNT}:workteam/public-crowd/default",
            "UiConfig": {"UiTemplateS3Uri": "s3://data/template.html"},
            "PreHumanTaskLambdaArn": tasks.pre_lambda_arn("ImageMultiClass", REGION),
            "TaskTitle": " Digits ", "TaskDescription": "Which digit is it?",
            "NumberOfHumanWorkersPerDataObject": 3, "TaskTimeLimitInSeconds": 300,
            "AnnotationConsolidationConfig": {
                "AnnotationConsolidationLambdaArn": tasks.acs_lambda_arn("ImageMultiClass", REGION)},
            "PublicWorkforceTaskPrice": {"AmountInUsd": {"Dollars": 0, "Cents": 1, "TenthFractionsOfACent": 2}},
        },
        **extra,
    }


def through_stubber(service_and_stub, response: dict) -> Job:
    service, stubber = service_and_stub
    stubber.add_response("describe_labeling_job", copy.deepcopy(response),
                         {"LabelingJobName": response["LabelingJobName"]})
    return Job.from_description(service.describe_labeling_job(response["LabelingJobName"]))


def test_sagemaker_job_with_auto_labeling_models(sagemaker):
    algorithm = tasks.algorithm_arn("ImageMultiClass", REGION)
    response = described(
        "digits-auto", "Completed",
        LabelCounters={"TotalLabeled": 1490, "HumanLabeled": 610, "MachineLabeled": 880,
                       "FailedNonRetryableError": 10, "Unlabeled": 0},
        LabelingJobAlgorithmsConfig={"LabelingJobAlgorithmSpecificationArn": algorithm,
                                     "InitialActiveLearningModelArn": MODEL},
        LabelingJobOutput={"OutputDatasetS3Uri": "s3://data/jobs/digits-auto/manifests/output/output.manifest",
                           "FinalActiveLearningModelArn": FINAL},
        StoppingConditions={"MaxHumanLabeledObjectCount": 1000},
    )
    job = through_stubber(sagemaker, response)
    assert job.auto_labeling and job.algorithm == "image-classification" and job.algorithm_arn == algorithm
    assert (job.initial_model, job.final_model) == (MODEL, FINAL)
    assert (job.counters.human, job.counters.machine, job.counters.failed, job.counters.total,
            job.counters.objects) == (610, 880, 10, 1490, 1500)
    assert job.output_folder == "s3://data/jobs/digits-auto/"  # the path's own slash is not doubled
    assert job.workforce == "public" and job.team == "Public (Mechanical Turk)"
    assert job.price == {"Dollars": 0, "Cents": 1, "TenthFractionsOfACent": 2}
    assert job.stopping == {"MaxHumanLabeledObjectCount": 1000}
    assert (job.title, job.task_description, job.task_time_limit_s) == ("Digits", "Which digit is it?", 300)
    assert job.ended == T0 + timedelta(minutes=5) and job.failure_reason is None


def test_sagemaker_job_with_no_output_yet(sagemaker):
    running = through_stubber(sagemaker, described("digits-run", "InProgress"))
    assert running.output_manifest is None and running.final_model is None and not running.auto_labeling
    # Ground Truth writes it to a fixed place: chaining reads it there once the job ends (§8).
    assert running.expected_output_manifest == "s3://data/jobs/digits-run/manifests/output/output.manifest"
    assert running.working and running.active and running.ended is None
    starting = through_stubber(sagemaker, described("digits-new", "Initializing"))
    assert starting.expected_output_manifest is None
    failed = through_stubber(sagemaker, described("digits-bad", "Failed", FailureReason="ClientError: no access"))
    assert failed.failure_reason == "ClientError: no access" and failed.finished and not failed.working


def test_sagemaker_streaming_job_has_no_input_manifest(sagemaker):
    response = described("stream", "InProgress")
    response["InputConfig"] = {"DataSource": {"SnsDataSource": {
        "SnsTopicArn": f"arn:aws:sns:{REGION}:{ACCOUNT}:input-topic"}}}
    job = through_stubber(sagemaker, response)
    assert job.streaming and job.input_manifest is None and job.task.name == "ImageMultiClass"


# --- findings: structured, printed as before ----------------------------------------------------------------


def test_findings_are_values_that_print_as_before():
    table = pd.DataFrame({"job": ["a", "b"], "mismatches": [["TotalLabeled 3 is not 2"], []],
                          "notes": [["vendor work team"], ["vendor work team"]]})
    found = findings(table)
    assert found == [Finding("a", "mismatch", "TotalLabeled 3 is not 2"), Finding("a", "note", "vendor work team"),
                     Finding("b", "note", "vendor work team")]
    assert [str(f) for f in found] == ["a: mismatch: TotalLabeled 3 is not 2", "a: note: vendor work team",
                                       "b: note: vendor work team"]
