"""The local Ground Truth (core.sim): it rejects what SageMaker rejects, runs jobs on a clock and
writes output that the real readers (core.ingest) read exactly like real Ground Truth output."""

from __future__ import annotations

import hashlib
import json
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from core.gt import tasks
from core.gt.service import ServiceError
from core.ingest import SourceReader
from core.sim.buckets import folder_buckets
from core.sim.clock import AcceleratedClock, FixedClock
from core.sim.datasets import manifest_bytes, put, write_digits, write_shapes
from core.sim.engine import EXPIRED_TASKS
from core.sim.service import SimulatedService
from core.sim.workforce import Schedule, make_team
from core.storage import LocalStore, Location

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)  # a Monday morning
BUCKET = "data"
OUTPUT = f"s3://{BUCKET}/jobs/"
WORKER_ID = re.compile(r"^private\.us-east-1\.[0-9a-f]{16}$")
CREATION_DATE = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}$")
RESPONSE_KEY = re.compile(r"annotations/worker-response/iteration-(\d+)/(\d+)/\d{4}-\d\d-\d\d_\d\d:\d\d:\d\d\.json$")


class Sim:
    """A simulator over folders under tmp: buckets in tmp/s3, state in tmp/state."""

    def __init__(self, root: Path, seed: int = 7, digits: int = 60):
        self.root = root
        self.open_uri = folder_buckets(root / "s3")
        self.clock = FixedClock(T0)
        self.service = SimulatedService(root / "state", self.open_uri, self.clock, seed)
        self.digits = write_digits(self.open_uri, f"s3://{BUCKET}/digits", count=digits)
        self.service.register_truth(self.digits.truth)
        self.bucket = LocalStore(root / "s3" / BUCKET)

    def request(self, name: str, manifest: str | None = None, *, workers: int = 3, team: str = "labeling-team",
                attribute: str = "digit", task: str = "ImageMultiClass", labels: str | None = None, **config) -> dict:
        return {
            "LabelingJobName": name,
            "LabelAttributeName": attribute,
            "InputConfig": {"DataSource": {"S3DataSource": {"ManifestS3Uri": manifest or self.digits.manifest_uri}}},
            "OutputConfig": {"S3OutputPath": OUTPUT},
            "RoleArn": "arn:aws:iam::123456789012:role/GroundTruth",
            "LabelCategoryConfigS3Uri": labels or self.digits.labels_uri,
            "HumanTaskConfig": {
                "WorkteamArn": self.service.team_arn(team),
                "UiConfig": {"UiTemplateS3Uri": f"s3://{BUCKET}/template.html"},
                "PreHumanTaskLambdaArn": tasks.pre_lambda_arn(task, "us-east-1"),
                "TaskTitle": "Label it",
                "TaskDescription": "Label the object",
                "NumberOfHumanWorkersPerDataObject": workers,
                "TaskTimeLimitInSeconds": 300,
                "AnnotationConsolidationConfig": {
                    "AnnotationConsolidationLambdaArn": tasks.acs_lambda_arn(task, "us-east-1")},
                **config,
            },
        }

    def manifest(self, name: str, lines: list) -> str:
        uri = f"s3://{BUCKET}/manifests/{name}.manifest"
        put(self.open_uri, uri, manifest_bytes(lines))
        return uri

    def at(self, t: datetime, name: str) -> dict:
        self.clock.set(t)
        return self.service.describe_labeling_job(name)

    def run(self, name: str, days: int = 6) -> dict:
        return self.at(self.clock.now() + timedelta(days=days), name)

    def read(self, job: str):
        return SourceReader(Location(self.bucket, f"jobs/{job}/")).load()

    def output_lines(self, job: str, which: str = "output") -> list[dict]:
        data = self.bucket.get(f"jobs/{job}/manifests/{which}/output.manifest").decode()
        return [json.loads(line) for line in data.splitlines()]

    def keys(self, job: str) -> list[str]:
        return [info.key for info in self.bucket.list(f"jobs/{job}/")]


@pytest.fixture
def sim(tmp_path) -> Sim:
    return Sim(tmp_path)


def tree_hash(root: Path) -> dict[str, str]:
    return {p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(root.rglob("*")) if p.is_file()}


def error_code(call) -> str:
    with pytest.raises(ServiceError) as info:
        call()
    return info.value.code


# --- requests ----------------------------------------------------------------------------------------


def test_rejects_what_sagemaker_rejects_with_its_codes(sim):
    svc = sim.service
    svc.create_labeling_job(sim.request("Digits-One"))
    assert error_code(lambda: svc.create_labeling_job(sim.request("digits-one"))) == "ResourceInUse"
    bad = {
        "bad name": sim.request("digits_two"),
        "attribute ends -metadata": sim.request("digits-two", attribute="digit-metadata"),
        "attribute is source-ref": sim.request("digits-two", attribute="source-ref"),
        "ten workers": sim.request("digits-two", workers=10),
        "missing manifest": sim.request("digits-two", manifest=f"s3://{BUCKET}/nowhere.manifest"),
        "missing label file": sim.request("digits-two", labels=f"s3://{BUCKET}/nowhere.json"),
        "unknown team": sim.request("digits-two") | {"HumanTaskConfig": {
            **sim.request("digits-two")["HumanTaskConfig"],
            "WorkteamArn": "arn:aws:sagemaker:us-east-1:123456789012:workteam/private-crowd/nobody"}},
        "unsupported task": sim.request("digits-two", task="TextMultiClassMultiLabel", attribute="topics"),
    }
    for why, request in bad.items():
        assert error_code(lambda r=request: svc.create_labeling_job(r)) == "ValidationException", why
    assert [j["LabelingJobName"] for j in svc.list_labeling_jobs()] == ["Digits-One"]
    assert error_code(lambda: svc.describe_labeling_job("nope")) == "ResourceNotFound"
    assert error_code(lambda: svc.stop_labeling_job("nope")) == "ResourceNotFound"
    # Names are one namespace regardless of case.
    assert svc.describe_labeling_job("DIGITS-ONE")["LabelingJobName"] == "Digits-One"


def test_a_broken_manifest_fails_the_job_while_initializing(sim):
    lines = [json.dumps({"source-ref": s}) for s in sim.digits.sources[:20]]
    lines[4] = lines[4][:-1]
    sim.service.create_labeling_job(sim.request("broken", sim.manifest("broken", lines)))
    assert sim.at(T0 + timedelta(seconds=30), "broken")["LabelingJobStatus"] == "Initializing"
    job = sim.run("broken")
    assert job["LabelingJobStatus"] == "Failed"
    assert job["FailureReason"].startswith("ClientError: Line 5 ")
    assert "LabelingJobOutput" not in job
    assert sim.keys("broken") == []


# --- a job's life, read with the real readers --------------------------------------------------------


def test_completed_job_reads_like_real_ground_truth_output(sim):
    n, workers = 60, 3
    arn = sim.service.create_labeling_job(sim.request("digits", MaxConcurrentTaskCount=20))
    assert arn == "arn:aws:sagemaker:us-east-1:123456789012:labeling-job/digits"
    job = sim.run("digits")
    assert job["LabelingJobStatus"] == "Completed"
    assert re.fullmatch(r"123456789012[A-Za-z0-9]{16}", job["JobReferenceCode"])
    assert job["HumanTaskConfig"]["TaskAvailabilityLifetimeInSeconds"] == 2_592_000
    assert job["LabelingJobOutput"]["OutputDatasetS3Uri"] == f"{OUTPUT}digits/manifests/output/output.manifest"
    counters = job["LabelCounters"]
    assert counters == {"TotalLabeled": n, "HumanLabeled": n, "MachineLabeled": 0,
                        "FailedNonRetryableError": 0, "Unlabeled": 0}

    data = sim.read("digits")
    assert data.skipped == [] and data.jobs == ["digits"]
    answers = data.answers
    assert len(answers) == n * workers
    assert (answers.groupby("object_id")["worker_id"].nunique() == workers).all()
    assert sorted(answers[answers.iteration == 1]["object_id"].unique(), key=int) == [str(i) for i in range(10)]
    assert answers.groupby("iteration")["object_id"].nunique().to_dict() == {1: 10, 2: 20, 3: 20, 4: 10}
    assert answers["worker_id"].map(WORKER_ID.match).notna().all()
    assert (answers["acceptance_time"] < answers["submission_time"]).all()
    elapsed = (answers["submission_time"] - answers["acceptance_time"]).dt.total_seconds()
    assert (answers["time_spent_s"] <= elapsed + 1e-9).all() and (answers["time_source"] == "active").all()
    assert set(answers["task"]) == {"crowd-image-classifier"}
    assert (answers["issuer"] == sim.service.issuer).all()
    users = sim.service.list_users(sim.service.user_pool)
    subs = {a["Value"] for u in users for a in u["Attributes"] if a["Name"] == "sub"}
    assert set(answers["sub"]) <= subs

    labels = data.labels
    assert len(labels) == n and (labels["status"] == "labeled").all()
    assert (labels["job_name"] == "digits").all() and labels["human_annotated"].all()
    assert labels["creation_date"].map(CREATION_DATE.match).notna().all()
    assert len(data.consolidations) == n and data.consolidations["object_id"].nunique() == n
    # Every answer is a digit; consolidation (majority vote) mostly matches the truth.
    truth = {s: t["label"] for s, t in sim.digits.truth.items()}
    assert (labels["class_name"] == labels["source"].map(truth)).mean() > 0.9

    keys = sim.keys("digits")
    responses = [k for k in keys if RESPONSE_KEY.search(k)]
    assert len(responses) == n
    # A response file is named after (not before) its last answer (§1).
    for key in responses[:5]:
        doc = json.loads(sim.bucket.get(key))
        stamp = datetime.strptime(key.rsplit("/", 1)[1], "%Y-%m-%d_%H:%M:%S.json").replace(tzinfo=UTC)
        assert stamp >= max(datetime.fromisoformat(a["submissionTime"]) for a in doc["answers"]) - timedelta(seconds=1)
    assert {f"jobs/digits/manifests/intermediate/{i}/output.manifest" for i in (1, 2, 3, 4)} <= set(keys)
    line = sim.output_lines("digits")[0]
    assert list(line) == ["source-ref", "digit", "digit-metadata"]
    assert line["digit-metadata"]["type"] == "groundtruth/image-classification"
    assert line["digit-metadata"]["job-name"] == "labeling-job/digits"
    assert line["digit"] == sim.digits.labels.index(line["digit-metadata"]["class-name"])


def test_counters_match_the_output_while_the_job_runs(sim):
    sim.service.create_labeling_job(sim.request("digits", MaxConcurrentTaskCount=20))
    seen = []
    t = T0
    while True:
        job = sim.at(t, "digits")
        c = job["LabelCounters"]
        seen.append(job["LabelingJobStatus"])
        assert c["TotalLabeled"] == c["HumanLabeled"]
        if job["LabelingJobStatus"] != "Initializing":
            assert c["TotalLabeled"] + c["FailedNonRetryableError"] + c["Unlabeled"] == 60
        if "LabelingJobOutput" in job:
            labeled = sum("digit" in line for line in sim.output_lines("digits"))
            assert labeled == c["HumanLabeled"]
        assert job["LastModifiedTime"] <= t
        if job["LabelingJobStatus"] == "Completed":
            break
        t += timedelta(minutes=7)
    assert seen[0] == "Initializing" and "InProgress" in seen and seen[-1] == "Completed"
    order = ["Initializing", "InProgress", "Completed"]
    assert [order.index(s) for s in seen] == sorted(order.index(s) for s in seen)


def test_files_written_step_by_step_equal_files_written_at_once(tmp_path):
    stepwise, at_once = Sim(tmp_path / "a"), Sim(tmp_path / "b")
    for sim in (stepwise, at_once):
        sim.service.create_labeling_job(sim.request("digits", MaxConcurrentTaskCount=25))
    for minutes in range(0, 3 * 24 * 60, 13):
        stepwise.at(T0 + timedelta(minutes=minutes), "digits")
    end = T0 + timedelta(days=3)
    stepwise.at(end, "digits")
    at_once.at(end, "digits")
    assert tree_hash(tmp_path / "a" / "s3") == tree_hash(tmp_path / "b" / "s3")
    # Asking again at the same instant writes nothing.
    before = {i.key: i.version for i in stepwise.bucket.list("jobs/")}
    stepwise.at(end, "digits")
    assert {i.key: i.version for i in stepwise.bucket.list("jobs/")} == before


def test_stopped_job_leaves_partial_output_that_adds_up(sim):
    sim.service.create_labeling_job(sim.request("digits", MaxConcurrentTaskCount=20))
    t = T0
    while sim.at(t, "digits")["LabelCounters"]["HumanLabeled"] < 15:
        t += timedelta(minutes=5)
    sim.service.stop_labeling_job("digits")
    assert sim.service.describe_labeling_job("digits")["LabelingJobStatus"] == "Stopping"
    sim.service.stop_labeling_job("digits")  # stopping a stopping job is a no-op
    job = sim.run("digits", days=1)
    assert job["LabelingJobStatus"] == "Stopped"
    c = job["LabelCounters"]
    assert 15 <= c["TotalLabeled"] < 60
    assert c["TotalLabeled"] + c["FailedNonRetryableError"] + c["Unlabeled"] == 60
    assert error_code(lambda: sim.service.stop_labeling_job("digits")) == "ValidationException"
    inputs = sim.bucket.get("digits/digits.manifest").decode().splitlines()
    output = sim.bucket.get("jobs/digits/manifests/output/output.manifest").decode().splitlines()
    assert len(output) == 60
    unlabeled = [i for i, line in enumerate(output) if "digit-metadata" not in line]
    assert len(unlabeled) == c["Unlabeled"]
    assert all(output[i] == inputs[i] for i in unlabeled)  # copied unchanged
    data = sim.read("digits")
    assert (data.labels["status"] == "labeled").sum() == c["TotalLabeled"]
    assert data.answers.groupby("object_id")["worker_id"].nunique().eq(3).all()
    # Nothing more is written after the stop.
    before = sim.keys("digits")
    sim.run("digits", days=5)
    assert sim.keys("digits") == before


def test_expired_tasks_become_failed_objects(sim):
    # Tasks available for one minute: nobody takes them in time (§3 failure-reason).
    sim.service.create_labeling_job(sim.request("hurry", TaskAvailabilityLifetimeInSeconds=60))
    job = sim.run("hurry")
    assert job["LabelingJobStatus"] == "Completed"
    c = job["LabelCounters"]
    assert c["FailedNonRetryableError"] > 0
    assert c["TotalLabeled"] + c["FailedNonRetryableError"] == 60 and c["Unlabeled"] == 0
    failed = [line for line in sim.output_lines("hurry") if "digit" not in line]
    assert len(failed) == c["FailedNonRetryableError"]
    assert failed[0]["digit-metadata"] == {"retry-count": 1, "failure-reason": EXPIRED_TASKS, "human-annotated": "true"}
    assert EXPIRED_TASKS.startswith("ClientError: Annotation tasks expired.")
    labels = sim.read("hurry").labels
    assert (labels["status"] == "failed").sum() == c["FailedNonRetryableError"]


def test_chaining_with_the_same_attribute_sends_only_unlabeled_and_failed_objects(sim):
    sources = sim.digits.sources[:30]
    lines = []
    for i, source in enumerate(sources):
        if i % 3 == 0:  # labeled by an earlier job
            lines.append({"source-ref": source, "digit": 1, "digit-metadata": {
                "confidence": 0.95, "job-name": "labeling-job/earlier", "class-name": "1", "human-annotated": "yes",
                "creation-date": "2026-02-01T10:00:00.000001", "type": "groundtruth/image-classification"}})
        elif i % 3 == 1:  # failed in the earlier job: no label key (§3)
            lines.append({"source-ref": source, "digit-metadata": {
                "retry-count": 1, "failure-reason": EXPIRED_TASKS, "human-annotated": "true"}})
        else:
            lines.append({"source-ref": source})
    manifest = sim.manifest("chain", lines)
    sim.service.create_labeling_job(sim.request("continued", manifest))
    job = sim.run("continued")
    assert job["LabelingJobStatus"] == "Completed"
    assert job["LabelCounters"]["TotalLabeled"] == 20 and job["LabelCounters"]["Unlabeled"] == 0
    data = sim.read("continued")
    sent = {str(i) for i in range(30) if i % 3}
    assert set(data.answers["object_id"]) == sent
    inputs = sim.bucket.get("manifests/chain.manifest").decode().splitlines()
    output = sim.bucket.get("jobs/continued/manifests/output/output.manifest").decode().splitlines()
    assert len(output) == 30 and len({json.loads(x)["source-ref"] for x in output}) == 30
    for i, line in enumerate(output):
        if i % 3 == 0:
            assert line == inputs[i]
        else:
            assert json.loads(line)["digit-metadata"]["job-name"] == "labeling-job/continued"
    # A new attribute adds a layer: every object is sent, earlier labels are kept.
    sim.service.create_labeling_job(sim.request("second-opinion", manifest, attribute="digit-check"))
    sim.run("second-opinion")
    assert set(sim.read("second-opinion").answers["object_id"]) == {str(i) for i in range(30)}
    assert all("digit-check" in line for line in sim.output_lines("second-opinion"))


def test_chaining_a_stopped_job_finishes_its_objects(sim):
    sim.service.create_labeling_job(sim.request("first", MaxConcurrentTaskCount=20))
    t = T0
    while sim.at(t, "first")["LabelCounters"]["HumanLabeled"] < 20:
        t += timedelta(minutes=5)
    sim.service.stop_labeling_job("first")
    left = sim.run("first", days=1)["LabelCounters"]["Unlabeled"]
    sim.service.create_labeling_job(sim.request("second", f"{OUTPUT}first/manifests/output/output.manifest"))
    job = sim.run("second")
    assert job["LabelCounters"]["TotalLabeled"] == left
    jobs = [line["digit-metadata"]["job-name"] for line in sim.output_lines("second")]
    assert len(jobs) == 60 and jobs.count("labeling-job/second") == left


def test_bounding_box_job_writes_object_detection_output(sim):
    shapes = write_shapes(sim.open_uri, f"s3://{BUCKET}/shapes", 20, seed=3)
    sim.service.register_truth(shapes.truth)
    sim.service.create_labeling_job(sim.request("boxes", shapes.manifest_uri, team="box-team", attribute="shapes",
                                                task="BoundingBox", labels=shapes.labels_uri, workers=3))
    job = sim.run("boxes")
    assert job["LabelingJobStatus"] == "Completed" and job["LabelCounters"]["TotalLabeled"] == 20
    data = sim.read("boxes")
    assert len(data.answers) == 60 and set(data.answers["task"]) == {"boundingBox"}
    key = next(k for k in sim.keys("boxes") if RESPONSE_KEY.search(k))
    content = json.loads(sim.bucket.get(key))["answers"][0]["answerContent"]["boundingBox"]
    assert content["inputImageProperties"] == {"height": 240, "width": 320}
    for box in content["boundingBoxes"]:
        assert list(box) == ["height", "label", "left", "top", "width"] and box["label"] in shapes.labels
    members = {w.worker_id for w in sim.service.team_members("box-team")}
    assert set(data.answers["worker_id"]) <= members
    for line in sim.output_lines("boxes"):
        meta, value = line["shapes-metadata"], line["shapes"]
        assert meta["type"] == "groundtruth/object-detection"
        assert value["image_size"] == [{"width": 320, "height": 240, "depth": 3}]
        assert len(meta["objects"]) == len(value["annotations"])
        assert {str(a["class_id"]) for a in value["annotations"]} == set(meta["class-map"])
    # Consolidated boxes find the true shapes.
    found = sum(len(line["shapes"]["annotations"]) for line in sim.output_lines("boxes"))
    assert found >= 0.8 * sum(len(t["boxes"]) for t in shapes.truth.values())


# --- the service's other calls ------------------------------------------------------------------------


def test_workteams_users_and_job_listing(sim):
    teams = sim.service.list_workteams()
    assert [t["WorkteamName"] for t in teams] == ["box-team", "labeling-team"]
    team = sim.service.describe_workteam("labeling-team")
    cognito = team["MemberDefinitions"][0]["CognitoMemberDefinition"]
    assert cognito == {"UserPool": sim.service.user_pool, "UserGroup": "labeling-team",
                       "ClientId": sim.service.client_id}
    assert team["WorkteamArn"] == "arn:aws:sagemaker:us-east-1:123456789012:workteam/private-crowd/labeling-team"
    assert len(sim.service.team_members("labeling-team")) >= 12
    users = sim.service.list_users(cognito["UserPool"])
    attrs = [{a["Name"]: a["Value"] for a in u["Attributes"]} for u in users]
    assert all(set(a) == {"sub", "email", "email_verified", "name"} for a in attrs)
    assert len({a["name"] for a in attrs}) == len(users) >= 12
    assert error_code(lambda: sim.service.list_users("us-east-1_nope")) == "ResourceNotFoundException"
    assert error_code(lambda: sim.service.describe_workteam("nope")) == "ValidationException"

    for name in ("alpha", "beta", "gamma"):
        sim.service.create_labeling_job(sim.request(name))
        sim.clock.advance(timedelta(hours=1))
    assert [j["LabelingJobName"] for j in sim.service.list_labeling_jobs()] == ["gamma", "beta", "alpha"]
    assert [j["LabelingJobName"] for j in sim.service.list_labeling_jobs(sort_by="Name", sort_order="Ascending")] == [
        "alpha", "beta", "gamma"]
    assert [j["LabelingJobName"] for j in sim.service.list_labeling_jobs(name_contains="AM")] == ["gamma"]
    assert [j["LabelingJobName"] for j in sim.service.list_labeling_jobs(
        created_after=T0 + timedelta(minutes=30), created_before=T0 + timedelta(hours=1, minutes=30))] == ["beta"]
    summary = sim.service.list_labeling_jobs(status="InProgress")[0]
    assert {"LabelingJobName", "LabelingJobArn", "CreationTime", "LastModifiedTime", "LabelingJobStatus",
            "LabelCounters", "WorkteamArn", "PreHumanTaskLambdaArn", "AnnotationConsolidationLambdaArn",
            "InputConfig"} <= set(summary)


def test_state_survives_a_new_process(sim):
    sim.service.create_labeling_job(sim.request("digits"))
    midway = sim.at(T0 + timedelta(hours=3), "digits")
    again = SimulatedService(sim.root / "state", sim.open_uri, FixedClock(T0 + timedelta(hours=3)), seed=99)
    assert again.describe_labeling_job("digits") == midway
    assert again.seed == 7 and [w.sub for w in again.workers] == [w.sub for w in sim.service.workers]
    again.clock.set(T0 + timedelta(days=5))
    assert again.describe_labeling_job("digits")["LabelingJobStatus"] == "Completed"


def test_same_seed_same_bytes_other_seed_other_bytes(tmp_path):
    def scenario(root: Path, seed: int) -> dict[str, str]:
        sim = Sim(root, seed=seed, digits=40)
        sim.service.create_labeling_job(sim.request("one", MaxConcurrentTaskCount=15))
        sim.at(T0 + timedelta(hours=2), "one")
        sim.service.stop_labeling_job("one")
        sim.at(T0 + timedelta(days=1), "one")
        sim.service.create_labeling_job(sim.request("two", f"{OUTPUT}one/manifests/output/output.manifest"))
        sim.at(T0 + timedelta(days=4), "two")
        return tree_hash(root)

    first = scenario(tmp_path / "a", 7)
    assert first == scenario(tmp_path / "b", 7)
    other = scenario(tmp_path / "c", 8)
    assert set(first) != set(other) or first != other


# --- workforce and clock ------------------------------------------------------------------------------


def test_workers_have_their_own_hours_speeds_and_mistakes():
    team = make_team(7, 16)
    assert len({w.name for w in team}) == len({w.email for w in team}) == len({w.worker_id for w in team}) == 16
    assert len({w.utc_offset_min for w in team}) >= 6  # spread over time zones
    assert any(w.confusions for w in team) and len({w.speed for w in team}) == 16
    worker = team[0]
    schedule = Schedule(worker, 7)
    days = [schedule.day_sessions(d) for d in range(20_500, 20_528)]
    assert any(not d for d in days) and sum(1 for d in days if d) >= 14  # days off, and working days
    working = next(d for d in days if len(d) > 2)
    assert all(a[1] < b[0] for a, b in zip(working, working[1:], strict=False))  # breaks between sessions
    assert make_team(7, 16) == team and make_team(8, 16) != team


def test_accelerated_clock_runs_faster_than_real_time():
    start = datetime(2026, 1, 1, tzinfo=UTC)
    real = [start]
    clock = AcceleratedClock(start, T0, factor=60, real_now=lambda: real[0])
    assert clock.now() == T0
    real[0] = start + timedelta(minutes=1)
    assert clock.now() == T0 + timedelta(hours=1)


def test_stopping_conditions_stop_the_job_at_the_limit(sim):
    sim.service.create_labeling_job(sim.request("capped") | {"StoppingConditions": {"MaxHumanLabeledObjectCount": 25}})
    sim.service.create_labeling_job(sim.request("half") | {
        "StoppingConditions": {"MaxPercentageOfInputDatasetLabeled": 50}})
    for name, labeled in (("capped", 25), ("half", 30)):
        job = sim.at(T0 + timedelta(days=6), name)
        assert job["LabelingJobStatus"] == "Stopped"
        assert job["LabelCounters"]["TotalLabeled"] == labeled and job["LabelCounters"]["Unlabeled"] == 60 - labeled


def test_text_classification_uses_the_source_text(sim):
    lines = [{"source": f"Review number {i}: the delivery was {'late' if i % 2 else 'on time'}."} for i in range(12)]
    labels = f"s3://{BUCKET}/text-labels.json"
    put(sim.open_uri, labels, json.dumps({"document-version": "2018-11-28",
                                          "labels": [{"label": "positive"}, {"label": "negative"}]}).encode())
    sim.service.create_labeling_job(sim.request("reviews", sim.manifest("reviews", lines), attribute="sentiment",
                                                task="TextMultiClass", labels=labels))
    assert sim.run("reviews")["LabelCounters"]["TotalLabeled"] == 12
    data = sim.read("reviews")
    assert set(data.answers["task"]) == {"crowd-classifier"} and set(data.answers["label"]) <= {"positive", "negative"}
    line = sim.output_lines("reviews")[0]
    assert line["sentiment-metadata"]["type"] == "groundtruth/text-classification"
    request = json.loads(next(sim.bucket.get(k) for k in sim.keys("reviews") if "consolidation-request" in k))
    assert request[0]["dataObject"] == {"content": lines[int(request[0]["datasetObjectId"])]["source"]}
