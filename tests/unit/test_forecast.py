"""A running job's forecast (core.forecast) on the simulator, its clock pinned: the figures follow from the
job's own answers and counters and the prices of docs/ground-truth.md §9, and the time at the current
pace is the Jobs page's ETA. The command: tests/cli/test_forecast_cli.py."""

from __future__ import annotations

import copy
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from core.forecast import Forecast, ForecastError, Pace, Scenario, expiry_warning, forecast, pace, rows
from core.gt import tasks
from core.gt.job import Job
from core.ingest import SourceReader
from core.jobs import eta
from core.sim.buckets import folder_buckets
from core.sim.clock import FixedClock
from core.sim.datasets import write_digits
from core.sim.service import SimulatedService
from core.storage import LocalStore, Location

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)  # a Monday morning: the simulated team works
PUBLIC_CROWD = "arn:aws:sagemaker:us-east-1:394669845002:workteam/public-crowd/default"


class Running:
    """A 300-digit job on the simulator, 3 workers per object, seen at a pinned time while it runs."""

    def __init__(self, root, at: timedelta):
        open_uri = folder_buckets(root / "s3")
        self.clock = FixedClock(T0)
        self.service = SimulatedService(root / "state", open_uri, self.clock, 11)
        digits = write_digits(open_uri, "s3://data/digits", count=300)
        self.service.register_truth(digits.truth)
        self.service.create_labeling_job({
            "LabelingJobName": "digits", "LabelAttributeName": "digit",
            "InputConfig": {"DataSource": {"S3DataSource": {"ManifestS3Uri": digits.manifest_uri}}},
            "OutputConfig": {"S3OutputPath": "s3://data/jobs/"},
            "RoleArn": "arn:aws:iam::123456789012:role/GroundTruth", "LabelCategoryConfigS3Uri": digits.labels_uri,
            "HumanTaskConfig": {
                "WorkteamArn": self.service.team_arn("labeling-team"), "UiConfig": {"UiTemplateS3Uri": "s3://data/t"},
                "PreHumanTaskLambdaArn": tasks.pre_lambda_arn("ImageMultiClass", "us-east-1"), "TaskTitle": "Digits",
                "TaskDescription": "Which digit?", "NumberOfHumanWorkersPerDataObject": 3,
                "TaskTimeLimitInSeconds": 300, "MaxConcurrentTaskCount": 100,
                "AnnotationConsolidationConfig": {
                    "AnnotationConsolidationLambdaArn": tasks.acs_lambda_arn("ImageMultiClass", "us-east-1")}}})
        self.clock.set(T0 + at)
        self.description = self.service.describe_labeling_job("digits")
        self.bucket = LocalStore(root / "s3" / "data")

    @property
    def job(self) -> Job:
        return Job.from_description(self.description)

    def answers(self):
        return SourceReader(Location(self.bucket, "jobs/digits/")).load().answers

    def as_public(self, tenths: int, objects: int) -> Job:
        """The same job as if the public crowd did it at `tenths` of a cent a task, `objects` objects left."""
        d = copy.deepcopy(self.description)
        d["HumanTaskConfig"]["WorkteamArn"] = PUBLIC_CROWD
        d["HumanTaskConfig"]["PublicWorkforceTaskPrice"] = {"AmountInUsd": {"Dollars": 0, "Cents": tenths // 10,
                                                                            "TenthFractionsOfACent": tenths % 10}}
        d["LabelCounters"] = {**d["LabelCounters"], "Unlabeled": objects}
        return Job.from_description(d)


@pytest.fixture(scope="module")
def running(tmp_path_factory) -> Running:
    return Running(tmp_path_factory.mktemp("forecast"), timedelta(hours=3))


def test_the_time_at_the_current_pace_is_the_eta_and_the_cost_the_fee_per_object_left(running):
    job, answers, now = running.job, running.answers(), running.clock.now()
    assert job.status == "InProgress" and 0 < job.counters.unlabeled < 300
    f = forecast(job, answers, now)
    left = job.counters.unlabeled
    assert f.now.hours * 3600 == pytest.approx(eta(answers, left, 3, now).total_seconds())
    recent = answers[answers["submission_time"] >= now - timedelta(hours=24)]
    assert f.pace.answers == len(recent) > 0 and f.pace.active_workers == recent["worker_id"].nunique()
    assert f.now.cost_usd == Decimal("0.08") * left  # a private team: Ground Truth's fee only (§9)
    assert f"{left:,} objects left x 3 workers each = {left * 3:,} answers" in f.now.assumptions
    assert any("private team" in a for a in f.now.assumptions)


def test_the_what_ifs_scale_the_pace_and_the_price_as_they_say(running):
    job, answers, now = running.job, running.answers(), running.clock.now()
    f = forecast(job, answers, now, more_workers=3)
    base, by_name = f.now.hours, {s.name: s for s in f.scenarios}
    assert by_name["One more worker per object"].hours == pytest.approx(base * 4 / 3)
    active = f.pace.active_workers
    assert by_name["3 more workers"].hours == pytest.approx(base * active / (active + 3))
    assert by_name["3 more workers"].cost_usd == f.now.cost_usd  # per object, not per worker
    auto = by_name["Auto-labeling on"]
    assert not auto.available and "at least 1,250 objects, the job has 300" in auto.assumptions[0]

    public = running.as_public(36, 2000)  # $0.036 a task, 2,000 objects left (§9's bounding-box example price)
    f = forecast(public, answers, now)
    by_name = {s.name: s for s in f.scenarios}
    assert f.now.cost_usd == 2000 * (Decimal("0.08") + 3 * Decimal("0.036"))
    assert by_name["One more worker per object"].cost_usd == 2000 * (Decimal("0.08") + 4 * Decimal("0.036"))
    done = Job.from_summary({"LabelingJobName": "digits-auto", "LabelingJobStatus": "Completed",
                             "PreHumanTaskLambdaArn": tasks.pre_lambda_arn("ImageMultiClass", "us-east-1"),
                             "LabelCounters": {"TotalLabeled": 1000, "HumanLabeled": 400, "MachineLabeled": 600}})
    auto = {s.name: s for s in forecast(public, answers, now, [done]).scenarios}["Auto-labeling on"]
    assert auto.available and "1,200 of the 2,000 objects left labeled by the model (60%" in auto.assumptions[0]
    assert auto.cost_usd == 2000 * Decimal("0.08") + 800 * 3 * Decimal("0.036")
    assert auto.hours == pytest.approx(f.now.hours * 800 / 2000)
    at_best = {s.name: s for s in forecast(public, answers, now).scenarios}["Auto-labeling on"]
    assert "(80%: at best" in at_best.assumptions[0]  # no finished job to learn from: all but the validation set


def test_a_forecast_tells_what_it_cannot_know(running):
    job, answers, now = running.job, running.answers(), running.clock.now()
    quiet = forecast(job, answers, now + timedelta(days=2))  # nobody answered in the last 24 hours
    assert quiet.pace.per_hour is None and quiet.now.hours is None and quiet.now.cost_usd is not None
    assert rows(quiet)[0]["time"] == "unknown"
    assert expiry_warning(forecast(job, answers, now)) is None
    slow = Forecast("digits", 200, 3, Pace(5, 1, 5.0), 0.5, [Scenario("At the current pace", 120.0, None, ())])
    assert expiry_warning(slow) == ("At this pace it needs 5.0 days but expires in 0.5 days: what is left then can "
                                    "only go out again in a new job chained on its output")
    starting = {**running.description, "LabelingJobStatus": "Initializing",
                "LabelCounters": dict.fromkeys(running.description["LabelCounters"], 0)}
    with pytest.raises(ForecastError, match="Initializing: Ground Truth has not counted its objects yet"):
        forecast(Job.from_description(starting), answers.iloc[:0], now)
    finishing = {**running.description, "LabelCounters": {**running.description["LabelCounters"], "Unlabeled": 0}}
    assert rows(forecast(Job.from_description(finishing), answers, now))[0]["time"] == "nothing left"
    with pytest.raises(ForecastError, match="Completed: only a running job"):
        forecast(Job.from_description({**running.description, "LabelingJobStatus": "Completed"}), answers, now)


def test_the_simulated_job_finishes_near_the_time_forecast(tmp_path):
    """The whole point: at a pinned time the forecast says when the job ends at its pace; the simulator,
    run on, ends it within the same working day."""
    run = Running(tmp_path, timedelta(hours=2))
    f = forecast(run.job, run.answers(), run.clock.now())
    service, t = run.service, run.clock.now()
    while service.describe_labeling_job("digits")["LabelingJobStatus"] != "Completed":
        t += timedelta(minutes=10)
        run.clock.set(t)
    actual = (t - T0 - timedelta(hours=2)).total_seconds() / 3600
    assert f.now.hours == pytest.approx(actual, rel=0.5), (f.now.hours, actual)
    assert pace(run.answers(), t).per_hour is not None
