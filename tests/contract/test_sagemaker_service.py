"""SageMakerService against the real botocore client, stubbed (moto has no labeling-job APIs), so
every request and response is validated against SageMaker's service model; Cognito through moto."""

from __future__ import annotations

from datetime import UTC, datetime

import boto3
import pytest
from botocore.stub import Stubber
from moto import mock_aws
from test_rules import valid_request  # tests/unit is on sys.path (pyproject: pythonpath)

from core import aws
from core.aws import AwsSettings
from core.gt.sagemaker import SageMakerService
from core.gt.service import ServiceError

REGION = "us-east-1"
ACCOUNT = "123456789012"
SETTINGS = AwsSettings(region=REGION)
TEAM_ARN = f"arn:aws:sagemaker:{REGION}:{ACCOUNT}:workteam/private-crowd/birders"
T0 = datetime(2024, 3, 12, 10, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def dummy_aws(fake_aws):
    fake_aws(REGION)


@pytest.fixture
def calls():
    """Names of the SageMaker operations the service actually started."""
    return []


@pytest.fixture
def stubbed(calls):
    sm = aws.client("sagemaker", SETTINGS)
    sm.meta.events.register("before-parameter-build.sagemaker", lambda model, **_: calls.append(model.name))
    with Stubber(sm) as stub:
        yield SageMakerService(SETTINGS, sagemaker_client=sm), stub
        stub.assert_no_pending_responses()


def summary(name: str, status: str = "Completed") -> dict:
    return {
        "LabelingJobName": name,
        "LabelingJobArn": f"arn:aws:sagemaker:{REGION}:{ACCOUNT}:labeling-job/{name}",
        "CreationTime": T0,
        "LastModifiedTime": T0,
        "LabelingJobStatus": status,
        "LabelCounters": {"TotalLabeled": 3, "HumanLabeled": 3, "MachineLabeled": 0,
                          "FailedNonRetryableError": 0, "Unlabeled": 0},
        "WorkteamArn": TEAM_ARN,
    }


def workteam(name: str) -> dict:
    return {
        "WorkteamName": name,
        "MemberDefinitions": [{"CognitoMemberDefinition": {
            "UserPool": "eu-west-1_AbCdEf123", "UserGroup": name, "ClientId": "client1"}}],
        "WorkteamArn": f"arn:aws:sagemaker:{REGION}:{ACCOUNT}:workteam/private-crowd/{name}",
        "Description": f"the {name} team",
    }


def test_default_client_is_the_shared_one():
    assert SageMakerService(SETTINGS).sagemaker is aws.client("sagemaker", SETTINGS)


def test_create_passes_request_through_and_returns_arn(stubbed, calls):
    service, stub = stubbed
    request = valid_request("BoundingBox", REGION)
    arn = f"arn:aws:sagemaker:{REGION}:{ACCOUNT}:labeling-job/{request['LabelingJobName']}"
    stub.add_response("create_labeling_job", {"LabelingJobArn": arn}, expected_params=request)
    assert service.create_labeling_job(request) == arn
    assert calls == ["CreateLabelingJob"]


def test_create_refused_locally_makes_no_call(stubbed, calls):
    service, _ = stubbed  # nothing queued: any call would fail with UnStubbedResponseError
    request = valid_request("SemanticSegmentation", REGION)
    request["LabelAttributeName"] = "streets"
    request["HumanTaskConfig"]["NumberOfHumanWorkersPerDataObject"] = 10
    with pytest.raises(ServiceError) as caught:
        service.create_labeling_job(request)
    assert caught.value.code == "ValidationException"
    assert caught.value.message == (
        "HumanTaskConfig.NumberOfHumanWorkersPerDataObject: must be 1 to 9 workers (got 10); "
        "LabelAttributeName: must end with -ref for SemanticSegmentation jobs"
    )
    assert calls == []


def test_create_name_in_use(stubbed):
    service, stub = stubbed
    request = valid_request("ImageMultiClass", REGION)
    stub.add_client_error("create_labeling_job", service_error_code="ResourceInUse",
                          service_message="Job name already exists", http_status_code=400, expected_params=request)
    with pytest.raises(ServiceError) as caught:
        service.create_labeling_job(request)
    assert (caught.value.code, caught.value.message) == ("ResourceInUse", "Job name already exists")


def test_describe(stubbed):
    service, stub = stubbed
    request = valid_request("ImageMultiClass", REGION)
    job = {
        **summary("birds"),
        "JobReferenceCode": f"{ACCOUNT}YHSw1jUyO0XYOgL2",
        "LabelAttributeName": request["LabelAttributeName"],
        "InputConfig": request["InputConfig"],
        "OutputConfig": {"S3OutputPath": "s3://bucket/output/", "KmsKeyId": ""},
        "RoleArn": request["RoleArn"],
        "HumanTaskConfig": request["HumanTaskConfig"],
        "LabelingJobOutput": {"OutputDatasetS3Uri": "s3://bucket/output/birds/manifests/output/output.manifest"},
    }
    del job["WorkteamArn"]  # not a member of describe's response
    stub.add_response("describe_labeling_job", job, expected_params={"LabelingJobName": "birds"})
    assert service.describe_labeling_job("birds") == job


def test_describe_missing_job(stubbed):
    service, stub = stubbed
    stub.add_client_error("describe_labeling_job", service_error_code="ResourceNotFound",
                          service_message="Could not find requested job with name nope",
                          expected_params={"LabelingJobName": "nope"})
    with pytest.raises(ServiceError) as caught:
        service.describe_labeling_job("nope")
    assert caught.value.code == "ResourceNotFound"
    assert "nope" in caught.value.message


def test_list_reads_every_page_with_the_filters(stubbed):
    service, stub = stubbed
    after, before = datetime(2024, 1, 1, tzinfo=UTC), datetime(2024, 6, 1, tzinfo=UTC)
    filters = {"NameContains": "birds", "StatusEquals": "Completed", "CreationTimeAfter": after,
               "CreationTimeBefore": before, "SortBy": "Name", "SortOrder": "Ascending"}
    stub.add_response("list_labeling_jobs", {"LabelingJobSummaryList": [summary("birds-1"), summary("birds-2")],
                                             "NextToken": "page-2"}, expected_params=filters)
    stub.add_response("list_labeling_jobs", {"LabelingJobSummaryList": [summary("birds-3")]},
                      expected_params={**filters, "NextToken": "page-2"})
    jobs = service.list_labeling_jobs(name_contains="birds", status="Completed", created_after=after,
                                      created_before=before, sort_by="Name", sort_order="Ascending")
    assert [j["LabelingJobName"] for j in jobs] == ["birds-1", "birds-2", "birds-3"]


def test_list_without_filters_sorts_newest_first(stubbed):
    service, stub = stubbed
    stub.add_response("list_labeling_jobs", {"LabelingJobSummaryList": []},
                      expected_params={"SortBy": "CreationTime", "SortOrder": "Descending"})
    assert service.list_labeling_jobs() == []


def test_stop(stubbed):
    service, stub = stubbed
    stub.add_response("stop_labeling_job", {}, expected_params={"LabelingJobName": "birds"})
    assert service.stop_labeling_job("birds") is None


def test_stop_refused(stubbed):
    service, stub = stubbed
    stub.add_client_error("stop_labeling_job", service_error_code="ValidationException",
                          service_message="Job birds is already Completed",
                          expected_params={"LabelingJobName": "birds"})
    with pytest.raises(ServiceError) as caught:
        service.stop_labeling_job("birds")
    assert (caught.value.code, caught.value.message) == ("ValidationException", "Job birds is already Completed")


def test_list_workteams_reads_every_page(stubbed):
    service, stub = stubbed
    stub.add_response("list_workteams", {"Workteams": [workteam("birders")], "NextToken": "t"}, expected_params={})
    stub.add_response("list_workteams", {"Workteams": [workteam("streets")]}, expected_params={"NextToken": "t"})
    assert [t["WorkteamName"] for t in service.list_workteams()] == ["birders", "streets"]


def test_describe_workteam(stubbed):
    service, stub = stubbed
    stub.add_response("describe_workteam", {"Workteam": workteam("birders")},
                      expected_params={"WorkteamName": "birders"})
    assert service.describe_workteam("birders") == workteam("birders")


def test_local_param_validation_becomes_validation_exception():
    service = SageMakerService(SETTINGS)  # no stub: botocore refuses before any request is sent
    with pytest.raises(ServiceError) as caught:
        service.describe_labeling_job("")
    assert caught.value.code == "ValidationException"
    assert "LabelingJobName" in caught.value.message


def test_missing_region_becomes_service_error(monkeypatch):
    monkeypatch.delenv("AWS_DEFAULT_REGION")
    with pytest.raises(ServiceError) as caught:
        SageMakerService(AwsSettings()).describe_workteam("birders")
    assert caught.value.code == "NoRegionError"
    assert "testing" not in str(caught.value)  # no credentials in messages


def test_list_users_reads_every_page_of_60():
    with mock_aws():
        idp = boto3.client("cognito-idp", region_name="eu-west-1")
        pool = idp.create_user_pool(PoolName="workers")["UserPool"]["Id"]
        assert pool.startswith("eu-west-1_")
        for i in range(65):
            idp.admin_create_user(UserPoolId=pool, Username=f"worker{i:02d}",
                                  UserAttributes=[{"Name": "name", "Value": f"Worker {i}"}])
        pages = []
        shared = aws.client("cognito-idp", AwsSettings(region="eu-west-1"))
        shared.meta.events.register("before-parameter-build.cognito-idp.ListUsers", lambda params, **_: pages.append(
            params.get("Limit")))
        users = SageMakerService(SETTINGS).list_users(pool)
    assert sorted(u["Username"] for u in users) == [f"worker{i:02d}" for i in range(65)]
    assert pages == [60, 60]


def test_list_users_needs_a_region_in_the_pool_id():
    with pytest.raises(ServiceError) as caught:
        SageMakerService(SETTINGS).list_users("AbCdEf123")
    assert caught.value.code == "ValidationException"


def test_aws_out_of_reach_is_one_kind_of_error_whatever_botocore_raised(monkeypatch):
    """Every botocore failure the service catches as "AWS not reached" is recognised as such by its
    code, so launching explains it as the workspace's set-up (core.gt.service.UNREACHABLE, one list)."""
    from core.gt.sagemaker import _UNREACHABLE
    from core.gt.service import UNREACHABLE
    from core.launch import explain_service_error

    assert {error.__name__ for error in _UNREACHABLE} <= set(UNREACHABLE)
    monkeypatch.delenv("AWS_DEFAULT_REGION")
    with pytest.raises(ServiceError) as caught:
        SageMakerService(AwsSettings()).describe_workteam("birders")
    assert caught.value.unreachable and not ServiceError("ValidationException", "bad").unreachable
    assert [p.field for p in explain_service_error(caught.value)] == ["workspace"]
