"""The task catalogue (core.gt.tasks) and the local create_labeling_job checks (core.gt.rules).

Valid requests are checked against botocore's own validation too, so a rule here can never refuse
what the real service model accepts for the wrong reason, and each bad value is refused with its field.
"""

from __future__ import annotations

import copy
from typing import Any

import botocore.session
import pytest
from botocore.exceptions import ParamValidationError
from botocore.validate import validate_parameters

from core.gt import tasks
from core.gt.rules import Problem, validate_create_request
from core.gt.tasks import UnsupportedRegion

REGIONS = ("us-east-1", "eu-west-1")
ACCOUNT = "123456789012"
PUBLIC_TEAM = "arn:aws:sagemaker:us-east-1:394669845002:workteam/public-crowd/default"


@pytest.fixture(scope="module")
def create_shape():
    model = botocore.session.get_session().get_service_model("sagemaker")
    return model.operation_model("CreateLabelingJob").input_shape


def valid_request(task: tasks.TaskType | str, region: str = "us-east-1") -> dict[str, Any]:
    """A complete request for a built-in task, with every optional field the task allows."""
    t = tasks.task(task) if isinstance(task, str) else task
    ui = ({"HumanTaskUiArn": tasks.human_task_ui_arn(t, region)} if t.human_task_ui
          else {"UiTemplateS3Uri": "s3://bucket/templates/task.liquid"})
    request: dict[str, Any] = {
        "LabelingJobName": f"job-{t.name.lower()}",
        "LabelAttributeName": "label-ref" if t.label_ref else "label",
        "InputConfig": {
            "DataSource": {"S3DataSource": {"ManifestS3Uri": "s3://bucket/input/input.manifest"}},
            "DataAttributes": {"ContentClassifiers": ["FreeOfPersonallyIdentifiableInformation", "FreeOfAdultContent"]},
        },
        "OutputConfig": {"S3OutputPath": "s3://bucket/output/", "KmsKeyId": "alias/labels"},
        "RoleArn": f"arn:aws:iam::{ACCOUNT}:role/service-role/GroundTruth",
        "LabelCategoryConfigS3Uri": "s3://bucket/input/labels.json",
        "StoppingConditions": {"MaxHumanLabeledObjectCount": 1000, "MaxPercentageOfInputDatasetLabeled": 100},
        "HumanTaskConfig": {
            "WorkteamArn": f"arn:aws:sagemaker:{region}:{ACCOUNT}:workteam/private-crowd/labelers",
            "UiConfig": ui,
            "PreHumanTaskLambdaArn": tasks.pre_lambda_arn(t, region),
            "TaskKeywords": ["Images", "bounding boxes", "x" * 30],
            "TaskTitle": "Label the birds",
            "TaskDescription": "Draw a box around every bird",
            "NumberOfHumanWorkersPerDataObject": t.default_workers,
            "TaskTimeLimitInSeconds": t.max_task_seconds,
            "TaskAvailabilityLifetimeInSeconds": 864_000,
            "MaxConcurrentTaskCount": 1000,
            "AnnotationConsolidationConfig": {"AnnotationConsolidationLambdaArn": tasks.acs_lambda_arn(t, region)},
        },
        "Tags": [{"Key": "team", "Value": "birds"}, {"Key": "cost-center", "Value": ""}],
    }
    if t.algorithm:
        request["LabelingJobAlgorithmsConfig"] = {
            "LabelingJobAlgorithmSpecificationArn": tasks.algorithm_arn(t, region),
            "InitialActiveLearningModelArn": f"arn:aws:sagemaker:{region}:{ACCOUNT}:model/birds-v1",
            "LabelingJobResourceConfig": {
                "VolumeKmsKeyId": "alias/volumes",
                "VpcConfig": {"SecurityGroupIds": ["sg-0123abcd"], "Subnets": ["subnet-0123abcd"]},
            },
        }
    return request


def public_request() -> dict[str, Any]:
    request = valid_request("ImageMultiClass")
    htc = request["HumanTaskConfig"]
    htc["WorkteamArn"] = PUBLIC_TEAM
    htc["TaskAvailabilityLifetimeInSeconds"] = 43_200
    htc["PublicWorkforceTaskPrice"] = {"AmountInUsd": {"Dollars": 0, "Cents": 1, "TenthFractionsOfACent": 2}}
    return request


def streaming_request() -> dict[str, Any]:
    request = valid_request("BoundingBox")
    del request["LabelingJobAlgorithmsConfig"]
    request["InputConfig"]["DataSource"] = {
        "SnsDataSource": {"SnsTopicArn": f"arn:aws:sns:us-east-1:{ACCOUNT}:gt-input"}
    }
    request["OutputConfig"]["SnsTopicArn"] = f"arn:aws:sns:us-east-1:{ACCOUNT}:gt-output"
    return request


DELETE = object()


def changed(request: dict[str, Any], path: str, value: Any) -> dict[str, Any]:
    """A deep copy of the request with the dotted path (`Tags[0].Key` style) set or deleted."""
    out = copy.deepcopy(request)
    *parents, last = path.replace("[", ".[").split(".")
    node: Any = out
    for part in parents:
        node = node[int(part[1:-1])] if part.startswith("[") else node[part]
    key: Any = int(last[1:-1]) if last.startswith("[") else last
    if value is DELETE:
        del node[key]
    else:
        node[key] = value
    return out


# --- the catalogue ---------------------------------------------------------------------------------


def test_catalogue_has_every_task_of_the_reference():
    assert [t.name for t in tasks.TASKS] == [
        "BoundingBox", "ImageMultiClass", "ImageMultiClassMultiLabel", "SemanticSegmentation", "TextMultiClass",
        "TextMultiClassMultiLabel", "NamedEntityRecognition", "VideoMultiClass", "VideoObjectDetection",
        "VideoObjectTracking", "3DPointCloudObjectDetection", "3DPointCloudObjectTracking",
        "3DPointCloudSemanticSegmentation", "VerificationBoundingBox", "AdjustmentBoundingBox",
        "VerificationSemanticSegmentation", "AdjustmentSemanticSegmentation", "AdjustmentVideoObjectDetection",
        "AdjustmentVideoObjectTracking", "Adjustment3DPointCloudObjectDetection",
        "Adjustment3DPointCloudObjectTracking", "Adjustment3DPointCloudSemanticSegmentation", "PassThrough",
    ]
    assert tasks.CUSTOM.name == "PassThrough" and tasks.CUSTOM.output_type == "groundtruth/custom"


def test_catalogue_facts():
    ss, bb, pc = tasks.task("SemanticSegmentation"), tasks.task("BoundingBox"), tasks.task("3DPointCloudObjectTracking")
    assert (ss.label_ref, ss.algorithm, ss.label_limit(), ss.label_limit(auto_labeling=True)) == (
        True, "semantic-segmentation", None, 20)
    assert (bb.output_type, bb.default_workers, bb.max_labels, bb.max_task_seconds) == (
        "groundtruth/object-detection", 5, 50, 28_800)
    assert (pc.label_config_version, pc.max_task_seconds, pc.max_labels, pc.max_label_chars) == (
        "2020-03-01", 2_592_000, 30, 16)
    assert tasks.task("VerificationSemanticSegmentation").label_ref is False
    assert tasks.task("3DPointCloudObjectDetection").label_ref is False
    assert {t.name for t in tasks.TASKS if t.algorithm} == {
        "BoundingBox", "ImageMultiClass", "TextMultiClass", "SemanticSegmentation"}


def test_arns_for_supported_regions():
    assert tasks.pre_lambda_arn("BoundingBox", "eu-west-1") == (
        "arn:aws:lambda:eu-west-1:568282634449:function:PRE-BoundingBox")
    assert tasks.acs_lambda_arn("3DPointCloudObjectTracking", "ap-southeast-2") == (
        "arn:aws:lambda:ap-southeast-2:454466003867:function:ACS-3DPointCloudObjectTracking")
    assert tasks.human_task_ui_arn("Adjustment3DPointCloudObjectDetection", "us-east-1") == (
        "arn:aws:sagemaker:us-east-1:394669845002:human-task-ui/PointCloudObjectDetection")
    assert tasks.algorithm_arn("TextMultiClass", "eu-central-1") == (
        "arn:aws:sagemaker:eu-central-1:027400017018:labeling-job-algorithm-specification/text-classification")
    assert tasks.region_account("us-west-2") == "081040173940"


@pytest.mark.parametrize("make", [tasks.pre_lambda_arn, tasks.acs_lambda_arn, tasks.human_task_ui_arn,
                                  tasks.algorithm_arn])
@pytest.mark.parametrize("region", ["sa-east-1", "us-west-1", "us-iso-east-1"])
def test_unsupported_region_is_refused_not_invented(make, region):
    task = "SemanticSegmentation" if make is not tasks.human_task_ui_arn else "VideoObjectTracking"
    with pytest.raises(UnsupportedRegion) as caught:
        make(task, region)
    assert isinstance(caught.value, ValueError)
    message = str(caught.value)
    assert repr(region) in message and "us-east-1" in message and "ap-southeast-2" in message


def test_arn_helpers_refuse_what_a_task_lacks():
    with pytest.raises(ValueError, match="no built-in worker UI"):
        tasks.human_task_ui_arn("BoundingBox", "us-east-1")
    with pytest.raises(ValueError, match="does not support auto-labeling"):
        tasks.algorithm_arn("ImageMultiClassMultiLabel", "us-east-1")
    with pytest.raises(ValueError, match="unknown Ground Truth task type"):
        tasks.pre_lambda_arn("LabelVerification", "us-east-1")


def test_task_from_request():
    assert tasks.task_from_request(valid_request("TextMultiClass")).name == "TextMultiClass"
    acs_only = changed(valid_request("AdjustmentVideoObjectTracking"), "HumanTaskConfig.PreHumanTaskLambdaArn", DELETE)
    assert tasks.task_from_request(acs_only).name == "AdjustmentVideoObjectTracking"
    ui_only = changed(acs_only, "HumanTaskConfig.AnnotationConsolidationConfig", DELETE)
    assert tasks.task_from_request(ui_only).name == "VideoObjectTracking"  # adjustment shares the base UI
    custom = valid_request("PassThrough")
    custom["HumanTaskConfig"]["PreHumanTaskLambdaArn"] = f"arn:aws:lambda:us-east-1:{ACCOUNT}:function:my-pre"
    custom["HumanTaskConfig"]["AnnotationConsolidationConfig"]["AnnotationConsolidationLambdaArn"] = (
        f"arn:aws:lambda:us-east-1:{ACCOUNT}:function:my-post")
    assert tasks.task_from_request(custom) is None
    assert tasks.task_from_request({"HumanTaskConfig": "nonsense"}) is None


# --- valid requests pass both our rules and botocore ------------------------------------------------


@pytest.mark.parametrize("region", REGIONS)
@pytest.mark.parametrize("task", tasks.TASKS, ids=lambda t: t.name)
def test_valid_request_per_task_passes(task, region, create_shape):
    request = valid_request(task, region)
    assert validate_create_request(request) == []
    validate_parameters(request, create_shape)


@pytest.mark.parametrize("make", [public_request, streaming_request], ids=["public", "streaming"])
def test_valid_public_and_streaming_requests_pass(make, create_shape):
    request = make()
    assert validate_create_request(request) == []
    validate_parameters(request, create_shape)


def test_minimal_request_passes(create_shape):
    request = valid_request("PassThrough")
    for optional in ("LabelCategoryConfigS3Uri", "StoppingConditions", "Tags"):
        del request[optional]
    del request["InputConfig"]["DataAttributes"]
    for optional in ("PreHumanTaskLambdaArn", "TaskKeywords", "TaskAvailabilityLifetimeInSeconds",
                     "MaxConcurrentTaskCount", "AnnotationConsolidationConfig"):
        del request["HumanTaskConfig"][optional]
    assert validate_create_request(request) == []
    validate_parameters(request, create_shape)


def test_botocore_alone_lets_service_side_limits_through(create_shape):
    """The trap of DESIGN.md: maxima and patterns are not checked by botocore."""
    request = changed(valid_request("BoundingBox"), "HumanTaskConfig.NumberOfHumanWorkersPerDataObject", 10)
    request = changed(request, "LabelingJobName", "my_job.v1")
    validate_parameters(request, create_shape)  # no error locally
    fields = {p.field for p in validate_create_request(request)}
    assert fields == {"HumanTaskConfig.NumberOfHumanWorkersPerDataObject", "LabelingJobName"}


# --- one bad value per rule ----------------------------------------------------------------------------

HTC = "HumanTaskConfig"
ACS = f"{HTC}.AnnotationConsolidationConfig.AnnotationConsolidationLambdaArn"
ALG = "LabelingJobAlgorithmsConfig"
USD = f"{HTC}.PublicWorkforceTaskPrice.AmountInUsd"
VPC = f"{ALG}.LabelingJobResourceConfig.VpcConfig"
MANIFEST = "InputConfig.DataSource.S3DataSource.ManifestS3Uri"

# (task or request maker, path, bad value, field named by the problem, words of the message)
BAD = [
    ("BoundingBox", "LabelingJobName", "birds_job", "LabelingJobName", "letters, digits and hyphens"),
    ("BoundingBox", "LabelingJobName", "-birds", "LabelingJobName", "starting and ending"),
    ("BoundingBox", "LabelingJobName", "b" * 64, "LabelingJobName", "1 to 63 characters"),
    ("BoundingBox", "LabelingJobName", DELETE, "LabelingJobName", "is required"),
    ("BoundingBox", "LabelAttributeName", "a" * 128, "LabelAttributeName", "1 to 127 characters"),
    ("BoundingBox", "LabelAttributeName", "birds.v2", "LabelAttributeName", "letters, digits and hyphens"),
    ("BoundingBox", "LabelAttributeName", "birds-metadata", "LabelAttributeName", "-metadata"),
    ("BoundingBox", "LabelAttributeName", "source", "LabelAttributeName", "source or source-ref"),
    ("ImageMultiClass", "LabelAttributeName", "source-ref", "LabelAttributeName", "source or source-ref"),
    ("ImageMultiClass", "LabelAttributeName", "label-ref", "LabelAttributeName", "must not end with -ref"),
    ("SemanticSegmentation", "LabelAttributeName", "label", "LabelAttributeName", "must end with -ref"),
    ("VideoObjectTracking", "LabelAttributeName", "label", "LabelAttributeName", "must end with -ref"),
    ("VerificationSemanticSegmentation", "LabelAttributeName", "label-ref", "LabelAttributeName",
     "must not end with -ref"),
    ("BoundingBox", MANIFEST, "bucket/input.manifest", MANIFEST, "s3:// or https:// URI"),
    ("BoundingBox", MANIFEST, "s3://bucket/" + "k" * 1013, MANIFEST, "at most 1024 characters"),
    ("BoundingBox", MANIFEST, DELETE, MANIFEST, "is required"),
    ("BoundingBox", "InputConfig.DataSource", {}, "InputConfig.DataSource", "S3DataSource"),
    ("BoundingBox", "InputConfig.DataAttributes.ContentClassifiers", ["FreeOfViolence"],
     "InputConfig.DataAttributes.ContentClassifiers[0]", "FreeOfPersonallyIdentifiableInformation"),
    ("BoundingBox", "OutputConfig.S3OutputPath", "file:///tmp/out", "OutputConfig.S3OutputPath", "s3://"),
    ("BoundingBox", "OutputConfig.KmsKeyId", "alias/my key", "OutputConfig.KmsKeyId", "KMS key"),
    ("BoundingBox", "OutputConfig.SnsTopicArn", "arn:aws:sns:us-east-1:1:topic", "OutputConfig.SnsTopicArn", "SNS"),
    ("BoundingBox", "RoleArn", "arn:aws:iam::12345:role/GroundTruth", "RoleArn", "IAM role ARN"),
    ("BoundingBox", "RoleArn", "arn:aws:iam::", "RoleArn", "20 to 2048 characters"),
    ("BoundingBox", "LabelCategoryConfigS3Uri", "labels.json", "LabelCategoryConfigS3Uri", "s3://"),
    ("BoundingBox", "StoppingConditions.MaxHumanLabeledObjectCount", 0,
     "StoppingConditions.MaxHumanLabeledObjectCount", "at least 1 objects"),
    ("BoundingBox", "StoppingConditions.MaxPercentageOfInputDatasetLabeled", 101,
     "StoppingConditions.MaxPercentageOfInputDatasetLabeled", "1 to 100 percent"),
    ("BoundingBox", f"{HTC}.WorkteamArn", f"arn:aws:sagemaker:us-east-1:{ACCOUNT}:team/x", f"{HTC}.WorkteamArn",
     "work team ARN"),
    ("BoundingBox", f"{HTC}.WorkteamArn", DELETE, f"{HTC}.WorkteamArn", "is required"),
    ("BoundingBox", f"{HTC}.PreHumanTaskLambdaArn", "arn:aws:lambda:us-east-1:432418664414:PRE-BoundingBox",
     f"{HTC}.PreHumanTaskLambdaArn", "Lambda function ARN"),
    ("BoundingBox", ACS, "ACS-BoundingBox", ACS, "Lambda function ARN"),
    ("BoundingBox", f"{HTC}.PreHumanTaskLambdaArn",
     "arn:aws:lambda:eu-central-1:326177286064:function:PRE-BoundingBox",  # the wrong account of §7
     f"{HTC}.PreHumanTaskLambdaArn", "Ground Truth's account 203001061592"),
    ("BoundingBox", f"{HTC}.PreHumanTaskLambdaArn", "arn:aws:lambda:sa-east-1:432418664414:function:PRE-BoundingBox",
     f"{HTC}.PreHumanTaskLambdaArn", "not known in region 'sa-east-1'"),
    ("BoundingBox", ACS, tasks.acs_lambda_arn("ImageMultiClass", "us-east-1"), ACS, "PreHumanTaskLambdaArn is for"),
    ("NamedEntityRecognition", f"{HTC}.UiConfig.HumanTaskUiArn",
     "arn:aws:sagemaker:us-east-1:394669845002:ui/NamedEntityRecognition", f"{HTC}.UiConfig.HumanTaskUiArn",
     "HumanTaskUi ARN"),
    ("3DPointCloudObjectDetection", f"{HTC}.UiConfig.HumanTaskUiArn",  # the common mistake of §7 (#1936)
     "arn:aws:sagemaker:us-east-1:394669845002:human-task-ui/3DPointCloudObjectDetection",
     f"{HTC}.UiConfig.HumanTaskUiArn", "no built-in worker UI"),
    ("VideoObjectDetection", f"{HTC}.UiConfig", {"UiTemplateS3Uri": "s3://bucket/t.liquid"},
     f"{HTC}.UiConfig.HumanTaskUiArn", "human-task-ui/VideoObjectDetection"),
    ("BoundingBox", f"{HTC}.UiConfig", {}, f"{HTC}.UiConfig", "exactly one of"),
    ("BoundingBox", f"{HTC}.UiConfig.HumanTaskUiArn", f"arn:aws:sagemaker:us-east-1:{ACCOUNT}:human-task-ui/mine",
     f"{HTC}.UiConfig", "exactly one of"),
    ("BoundingBox", f"{HTC}.TaskKeywords", ["a", "b", "c", "d", "e", "f"], f"{HTC}.TaskKeywords", "1 to 5 items"),
    ("BoundingBox", f"{HTC}.TaskKeywords", [], f"{HTC}.TaskKeywords", "1 to 5 items"),
    ("BoundingBox", f"{HTC}.TaskKeywords[2]", "k" * 31, f"{HTC}.TaskKeywords[2]", "1 to 30 characters"),
    ("BoundingBox", f"{HTC}.TaskKeywords[1]", "bounding-boxes", f"{HTC}.TaskKeywords[1]", "single spaces"),
    ("BoundingBox", f"{HTC}.TaskKeywords[1]", "two  spaces", f"{HTC}.TaskKeywords[1]", "single spaces"),
    ("BoundingBox", f"{HTC}.TaskTitle", "t" * 129, f"{HTC}.TaskTitle", "1 to 128 characters"),
    ("BoundingBox", f"{HTC}.TaskTitle", "Birds \x07", f"{HTC}.TaskTitle", "control characters"),
    ("BoundingBox", f"{HTC}.TaskDescription", "d" * 256, f"{HTC}.TaskDescription", "1 to 255 characters"),
    ("BoundingBox", f"{HTC}.NumberOfHumanWorkersPerDataObject", 10, f"{HTC}.NumberOfHumanWorkersPerDataObject",
     "must be 1 to 9 workers"),
    ("BoundingBox", f"{HTC}.NumberOfHumanWorkersPerDataObject", 0, f"{HTC}.NumberOfHumanWorkersPerDataObject",
     "must be 1 to 9 workers"),
    ("BoundingBox", f"{HTC}.NumberOfHumanWorkersPerDataObject", "3", f"{HTC}.NumberOfHumanWorkersPerDataObject",
     "whole number"),
    ("BoundingBox", f"{HTC}.NumberOfHumanWorkersPerDataObject", True, f"{HTC}.NumberOfHumanWorkersPerDataObject",
     "whole number"),
    ("BoundingBox", f"{HTC}.TaskTimeLimitInSeconds", 29, f"{HTC}.TaskTimeLimitInSeconds", "at least 30 seconds"),
    ("BoundingBox", f"{HTC}.TaskTimeLimitInSeconds", 28_801, f"{HTC}.TaskTimeLimitInSeconds", "at most 28800"),
    ("PassThrough", f"{HTC}.TaskTimeLimitInSeconds", 28_801, f"{HTC}.TaskTimeLimitInSeconds", "at most 28800"),
    ("VideoObjectDetection", f"{HTC}.TaskTimeLimitInSeconds", 2_592_001, f"{HTC}.TaskTimeLimitInSeconds",
     "at most 2592000"),
    ("BoundingBox", f"{HTC}.TaskAvailabilityLifetimeInSeconds", 59, f"{HTC}.TaskAvailabilityLifetimeInSeconds",
     "at least 60 seconds"),
    (public_request, f"{HTC}.TaskAvailabilityLifetimeInSeconds", 43_201, f"{HTC}.TaskAvailabilityLifetimeInSeconds",
     "43200 seconds (12 hours) for the public workforce"),
    (public_request, "InputConfig.DataAttributes.ContentClassifiers", ["FreeOfAdultContent"],
     "InputConfig.DataAttributes.ContentClassifiers", "FreeOfPersonallyIdentifiableInformation"),
    ("BoundingBox", f"{HTC}.MaxConcurrentTaskCount", 5001, f"{HTC}.MaxConcurrentTaskCount", "1 to 5000"),
    ("BoundingBox", f"{HTC}.MaxConcurrentTaskCount", 0, f"{HTC}.MaxConcurrentTaskCount", "1 to 5000"),
    (public_request, f"{USD}.Dollars", 3, f"{USD}.Dollars", "0 to 2 dollars"),
    (public_request, f"{USD}.Cents", 100, f"{USD}.Cents", "0 to 99 cents"),
    (public_request, f"{USD}.TenthFractionsOfACent", 10, f"{USD}.TenthFractionsOfACent", "0 to 9 tenths"),
    ("BoundingBox", "Tags", [{"Key": f"k{i}", "Value": ""} for i in range(51)], "Tags", "0 to 50 items"),
    ("BoundingBox", "Tags[0].Key", "", "Tags[0].Key", "1 to 128 characters"),
    ("BoundingBox", "Tags[0].Key", "k" * 129, "Tags[0].Key", "1 to 128 characters"),
    ("BoundingBox", "Tags[0].Key", "team#1", "Tags[0].Key", "letters, digits, spaces"),
    ("BoundingBox", "Tags[0].Key", "aws:team", "Tags[0].Key", "reserved"),
    ("BoundingBox", "Tags[1].Value", "v" * 257, "Tags[1].Value", "at most 256 characters"),
    ("BoundingBox", "Tags[1].Value", DELETE, "Tags[1].Value", "is required"),
    ("BoundingBox", f"{ALG}.InitialActiveLearningModelArn", f"arn:aws:sagemaker:us-east-1:{ACCOUNT}:endpoint/birds",
     f"{ALG}.InitialActiveLearningModelArn", "SageMaker model ARN"),
    ("BoundingBox", f"{ALG}.LabelingJobAlgorithmSpecificationArn", "object-detection",
     f"{ALG}.LabelingJobAlgorithmSpecificationArn", "an ARN"),
    ("BoundingBox", f"{ALG}.LabelingJobAlgorithmSpecificationArn", tasks.algorithm_arn("ImageMultiClass", "us-east-1"),
     f"{ALG}.LabelingJobAlgorithmSpecificationArn", "BoundingBox jobs need object-detection"),
    ("BoundingBox", f"{ALG}.LabelingJobAlgorithmSpecificationArn",
     "arn:aws:sagemaker:us-east-1:432418664414:labeling-job-algorithm-specification/object-detection",
     f"{ALG}.LabelingJobAlgorithmSpecificationArn", "027400017018"),
    (streaming_request, ALG, {"LabelingJobAlgorithmSpecificationArn": tasks.algorithm_arn("BoundingBox", "us-east-1")},
     ALG, "streaming"),
    ("BoundingBox", f"{VPC}.SecurityGroupIds", [f"sg-{i}" for i in range(6)], f"{VPC}.SecurityGroupIds",
     "1 to 5 items"),
    ("BoundingBox", f"{VPC}.Subnets[0]", "subnet_1", f"{VPC}.Subnets[0]", "letters, digits and hyphens"),
    ("BoundingBox", f"{HTC}.TaskColour", "blue", f"{HTC}.TaskColour", "not a field"),
]


def _ids(case):
    maker, path, value = case[:3]
    name = maker if isinstance(maker, str) else maker.__name__
    shown = "deleted" if value is DELETE else repr(value)[:20]
    return f"{name}-{path.rsplit('.', 1)[-1]}-{shown}"


@pytest.mark.parametrize("maker,path,value,field,words", BAD, ids=[_ids(c) for c in BAD])
def test_bad_value_is_refused_naming_the_field(maker, path, value, field, words):
    base = valid_request(maker) if isinstance(maker, str) else maker()
    problems = validate_create_request(changed(base, path, value))
    matching = [p for p in problems if p.field == field and words in p.message]
    assert matching, f"no problem at {field} saying {words!r}; got {[str(p) for p in problems]}"
    assert str(matching[0]).startswith(f"{field}: ")


def test_auto_labeling_needs_a_task_that_supports_it():
    request = valid_request("ImageMultiClassMultiLabel")
    request[ALG] = {"LabelingJobAlgorithmSpecificationArn": tasks.algorithm_arn("ImageMultiClass", "us-east-1")}
    assert Problem(f"{ALG}.LabelingJobAlgorithmSpecificationArn",
                   "ImageMultiClassMultiLabel jobs cannot use auto-labeling") in validate_create_request(request)


def test_not_a_request():
    assert validate_create_request(["LabelingJobName"]) == [Problem("request", "must be an object (got list)")]


def test_all_required_keys_missing_are_each_named():
    fields = {p.field for p in validate_create_request({}) if p.message == "is required"}
    assert fields == {"LabelingJobName", "LabelAttributeName", "InputConfig", "OutputConfig", "RoleArn",
                      "HumanTaskConfig"}


def test_botocore_agrees_on_what_it_does_check(create_shape):
    """Where botocore refuses locally (types, required keys, minimums), the rules refuse too."""
    for path, value in [(f"{HTC}.TaskTimeLimitInSeconds", 10), ("LabelingJobName", DELETE),
                        (f"{HTC}.NumberOfHumanWorkersPerDataObject", "3")]:
        request = changed(valid_request("BoundingBox"), path, value)
        with pytest.raises(ParamValidationError):
            validate_parameters(request, create_shape)
        assert any(p.field == path for p in validate_create_request(request))
