"""One contract for both labeling services: SageMaker through boto3 and the local simulator.

The simulator is the oracle for shapes: each of its responses is queued in a botocore Stubber on
the real SageMaker client, which validates it against the real service model, and the boto3
implementation must hand back exactly what the simulator gave. Error behaviour is checked on both
implementations with the same assertions.
"""

from __future__ import annotations

import copy
from datetime import UTC, datetime

import boto3
import pytest
from botocore.stub import Stubber

from core.gt.sagemaker import SageMakerService
from core.gt.service import ServiceError
from core.sim.clock import FixedClock
from core.sim.demo import build_demo, open_demo
from core.sim.service import SimulatedService

pytestmark = pytest.mark.slow  # builds a demo of its own

NOW = datetime(2026, 3, 16, 15, 0, tzinfo=UTC)


@pytest.fixture(scope="module")
def contract_demo_dir(tmp_path_factory):
    """A demo of its own: the session's demo is opened by page tests whose clock runs ahead."""
    root = tmp_path_factory.mktemp("contract") / "demo"
    build_demo(root, seed=7, now=NOW)
    return root


@pytest.fixture(scope="module")
def demo(contract_demo_dir):
    """Frozen at the instant its history ends, so answers do not move while we compare."""
    service, _ = open_demo(contract_demo_dir, clock=FixedClock(NOW))
    return service


@pytest.fixture
def stubbed(fake_aws):
    fake_aws()
    client = boto3.client("sagemaker", region_name="us-east-1")
    with Stubber(client) as stubber:
        yield SageMakerService(sagemaker_client=client), stubber
        stubber.assert_no_pending_responses()


def test_every_demo_job_description_is_a_valid_sagemaker_response(demo: SimulatedService, stubbed):
    sagemaker, stubber = stubbed
    names = [s["LabelingJobName"] for s in demo.list_labeling_jobs()]
    assert len(names) >= 5
    for name in names:
        expected = demo.describe_labeling_job(name)
        stubber.add_response("describe_labeling_job", copy.deepcopy(expected), {"LabelingJobName": name})
        assert sagemaker.describe_labeling_job(name) == expected


def test_job_list_is_valid_and_paged_the_same_way(demo: SimulatedService, stubbed):
    sagemaker, stubber = stubbed
    expected = demo.list_labeling_jobs()
    half = len(expected) // 2
    params = {"SortBy": "CreationTime", "SortOrder": "Descending"}
    stubber.add_response("list_labeling_jobs", {"LabelingJobSummaryList": copy.deepcopy(expected[:half]),
                                                "NextToken": "page-2"}, params)
    stubber.add_response("list_labeling_jobs", {"LabelingJobSummaryList": copy.deepcopy(expected[half:])},
                         {**params, "NextToken": "page-2"})
    assert sagemaker.list_labeling_jobs() == expected
    created = [s["CreationTime"] for s in expected]
    assert created == sorted(created, reverse=True)  # newest first, as asked


def test_work_teams_are_valid_responses(demo: SimulatedService, stubbed):
    sagemaker, stubber = stubbed
    teams = demo.list_workteams()
    assert teams
    stubber.add_response("list_workteams", {"Workteams": copy.deepcopy(teams)}, {})
    assert sagemaker.list_workteams() == teams
    name = teams[0]["WorkteamName"]
    team = demo.describe_workteam(name)
    stubber.add_response("describe_workteam", {"Workteam": copy.deepcopy(team)}, {"WorkteamName": name})
    assert sagemaker.describe_workteam(name) == team


def test_label_counters_add_up_for_every_job(demo: SimulatedService):
    for summary in demo.list_labeling_jobs():
        c = summary["LabelCounters"]
        assert c["TotalLabeled"] == c["HumanLabeled"] + c["MachineLabeled"], summary["LabelingJobName"]


# ---- the same error behaviour from both implementations ---------------------------------------

@pytest.fixture(params=["simulator", "sagemaker"])
def either(request, demo, stubbed):
    """(service, expect_error): expect_error(operation, code) queues the service's error for boto3;
    the simulator answers for itself."""
    if request.param == "simulator":
        return demo, lambda operation, code: None
    sagemaker, stubber = stubbed
    return sagemaker, lambda operation, code: stubber.add_client_error(
        operation, service_error_code=code, service_message=f"{code} from the service", http_status_code=400)


def test_unknown_job_is_resource_not_found(either):
    service, expect_error = either
    expect_error("describe_labeling_job", "ResourceNotFound")
    with pytest.raises(ServiceError) as err:
        service.describe_labeling_job("no-such-job-anywhere")
    assert err.value.code == "ResourceNotFound"


def test_a_taken_name_is_resource_in_use(either, demo):
    service, expect_error = either
    taken = demo.describe_labeling_job(demo.list_labeling_jobs()[-1]["LabelingJobName"])
    request = {k: taken[k] for k in ("LabelAttributeName", "InputConfig", "OutputConfig", "RoleArn",
                                     "HumanTaskConfig", "LabelCategoryConfigS3Uri")}
    request["LabelingJobName"] = taken["LabelingJobName"].upper()  # names are unique case-insensitively
    expect_error("create_labeling_job", "ResourceInUse")
    with pytest.raises(ServiceError) as err:
        service.create_labeling_job(request)
    assert err.value.code == "ResourceInUse"


def test_a_request_the_service_would_refuse_is_refused_before_any_call(either, demo):
    service, _ = either  # no error queued: the boto3 implementation must not call at all
    job = demo.describe_labeling_job(demo.list_labeling_jobs()[0]["LabelingJobName"])
    request = {k: copy.deepcopy(job[k]) for k in ("LabelAttributeName", "InputConfig", "OutputConfig", "RoleArn",
                                                  "HumanTaskConfig")}
    request["LabelingJobName"] = "fresh-name"
    request["HumanTaskConfig"]["NumberOfHumanWorkersPerDataObject"] = 10  # botocore checks only the minimum
    with pytest.raises(ServiceError) as err:
        service.create_labeling_job(request)
    assert err.value.code == "ValidationException"
    assert "NumberOfHumanWorkersPerDataObject" in err.value.message


def test_the_readers_count_what_label_counters_say(demo: SimulatedService, contract_demo_dir):
    """Read by the same readers as real output, every demo job (stopped, failed, chained, running)
    gives the counts its LabelCounters report."""
    from core.ingest import SourceReader
    from core.sim.buckets import folder_buckets

    open_uri = folder_buckets(contract_demo_dir / "buckets")
    for summary in demo.list_labeling_jobs():
        name, c = summary["LabelingJobName"], summary["LabelCounters"]
        job = demo.describe_labeling_job(name)
        data = SourceReader(open_uri(f"{job['OutputConfig']['S3OutputPath']}{name}/")).load()
        assert not data.skipped, data.skipped
        lines = data.labels[(data.labels["attribute"] == job["LabelAttributeName"])]
        mine = lines[lines["job_name"] == name]
        assert (mine["status"] == "labeled").sum() == c["TotalLabeled"], name
        # Auto-labeled lines say human-annotated "no" (§3); only human ones have worker answers.
        human = mine[(mine["status"] == "labeled") & (mine["human_annotated"] == True)]  # noqa: E712
        assert len(human) == c["HumanLabeled"], name
        assert (lines["status"] == "failed").sum() == c["FailedNonRetryableError"], name  # failed lines name no job
        per_object = data.answers.groupby("object_id")["worker_id"].agg(["size", "nunique"])
        workers = job["HumanTaskConfig"]["NumberOfHumanWorkersPerDataObject"]
        labeled = set(human["object_id"])
        done = per_object.loc[sorted(labeled)]
        assert (done["size"] == workers).all() and (done["nunique"] == workers).all(), name
