"""The digest on the simulator, its clock pinned and moved by the test (never the wall clock): what
changed between two runs is said exactly once, and a run with no change sends nothing. Through the
command line on the demo (pinned by GC_DEMO_AT), and with its memory in S3 and the message on SNS
(moto's server, real HTTP)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import boto3
import no_real_aws
import pytest
from demo_copy import copy_demo

from core.audit import home_location
from core.aws import AwsSettings
from core.cli import main
from core.cli.digest import _race_maker
from core.digest import DIGEST_PREFIX, make_digest, send_digest
from core.gt.job import Job
from core.launch import LaunchConfig, launch
from core.notify import OutboxNotifier, SnsNotifier
from core.sim.clock import FixedClock
from core.sim.demo import BUCKET, OUTPUT_URI, ROLE, open_demo
from core.storage import Location, S3Store
from core.workspace import Workspace

pytestmark = pytest.mark.slow
T0 = datetime(2026, 3, 16, 15, 0, tzinfo=UTC)  # DEMO_AT: a Monday afternoon
TOPIC = OutboxNotifier.TOPIC
TEAM = "arn:aws:sagemaker:us-east-1:123456789012:workteam/private-crowd/box-team"  # fewer hands: it stalls


@pytest.fixture
def own_demo(demo, demo_dir, tmp_path) -> Path:
    """A copy of the session's demo (built once): these tests add jobs and stop them."""
    # Without what other tests in this worker sent (a race): only these tests' count.
    return copy_demo(demo_dir, tmp_path / "demo")


def simulated(root: Path, clock: FixedClock, notifier=None) -> Workspace:
    service, open_uri = open_demo(root, clock=clock)
    return Workspace(kind="demo", label="demo", open=open_uri, service=service,
                     notifier=notifier or OutboxNotifier(root / "outbox"), now=clock.now, home_uri=f"s3://{BUCKET}/")


def outbox(root: Path) -> list[dict]:
    return [json.loads(p.read_text()) for p in sorted((root / "outbox").rglob("*.json"))]


def test_what_changed_is_said_once_and_no_change_sends_nothing(own_demo):
    clock = FixedClock(T0)
    ws = simulated(own_demo, clock)
    home = home_location(ws)

    def digest():
        return send_digest(ws, home, ws.notifier, TOPIC, stall_hours=6, expiry_days=3)

    first = digest()  # nothing ended in the last day, nothing stalled: remembered, not sent
    assert first.message_id is None and first.remembered and outbox(own_demo) == []
    assert "shapes-boxes-2|Failed" in first.digest.known  # an old failure: known, never sent

    # The jobs change: a lead launches a batch; by midnight the running box job has completed and the
    # new batch has had no answer since 17:45.
    launch(LaunchConfig(job_name="digits-batch-4", task_type="ImageMultiClass", output=OUTPUT_URI, role=ROLE,
                        manifest=f"s3://{BUCKET}/manifests/digits-batch-3.manifest", workteam=TEAM,
                        labels=tuple("0123456789"), short_instructions="Which digit is this?"), ws)
    clock.set(datetime(2026, 3, 17, 0, 0, tzinfo=UTC))
    second = digest()
    [message] = outbox(own_demo)
    assert message["Subject"] == "Ground Control digest: 1 completed, 1 stalled"
    assert message["Message"] == (
        "What changed in the labeling jobs since the last digest (2026-03-16 15:00 UTC), as of 2026-03-17 00:00 UTC:\n"
        "\n"
        "Completed\n"
        "- shapes-boxes-3: completed at 2026-03-16 18:55 UTC, 800 of 800 objects labeled\n"
        "\n"
        "Stalled (no answers for 6 h or more)\n"
        "- digits-batch-4: no answers for 6 h (last answer 2026-03-16 17:45 UTC), 311 of 547 objects labeled\n")
    assert second.message_id == Path(sorted((own_demo / "outbox").rglob("*.json"))[0]).stem

    third = digest()  # no change: nothing sent, nothing written
    assert third.message_id is None and third.remembered is None and len(outbox(own_demo)) == 1

    clock.set(datetime(2026, 3, 17, 9, 0, tzinfo=UTC))  # the batch goes on and completes: only that is new
    digest()
    assert [m["Message"].split("\n", 2)[2] for m in outbox(own_demo)][1] == (
        "Completed\n- digits-batch-4: completed at 2026-03-17 08:38 UTC, 547 of 547 objects labeled\n")
    memory = sorted((own_demo / "buckets" / BUCKET / DIGEST_PREFIX).rglob("*.json"))
    assert len(memory) == 3  # first, second, fourth: one new object each, none rewritten


def test_the_command_line_on_the_demo_says_a_stop_once(own_demo, capsys):
    """GC_DEMO_AT pins the demo's clock; the change is a lead's stop, as on the Jobs page."""
    args = ["digest", "--notify", TOPIC, "--workspace", "demo", "--dir", str(own_demo), "--jobs", "shapes-*"]
    assert main(args) == 0
    assert "nothing new since the last digest: nothing sent" in capsys.readouterr().err
    service, _ = open_demo(own_demo, clock=FixedClock(T0))
    service.stop_labeling_job("shapes-boxes-3")
    assert main(args) == 0
    out = capsys.readouterr()
    assert out.out.startswith("Ground Control digest: 1 stopped\n")
    assert "- shapes-boxes-3: stop requested at 2026-03-16 15:00 UTC (no more answers), 357 of 800 objects" \
        in out.out
    assert "demo: written to the outbox" in out.err
    assert main(args) == 0
    assert "nothing sent" in capsys.readouterr().err
    assert len(outbox(own_demo)) == 1
    audit = [json.loads(p.read_text()) for p in (own_demo / "buckets" / BUCKET / "_ground-control" / "audit")
             .rglob("*.json")]
    assert [(a["action"], a["request"], a["result"]["outcome"], a["result"]["events"]) for a in audit] == [
        ("notify", {"topic": TOPIC, "what": "digest"}, "done", 1)]
    # Another schedule (another topic, all jobs) keeps a memory of its own.
    assert main([*args[:-2], "--dry-run"]) == 0
    out = capsys.readouterr()
    assert "the first digest" in out.out and "- shapes-boxes-3: stop requested" in out.out
    assert "dry run: nothing sent or remembered" in out.err and len(outbox(own_demo)) == 1


def test_memory_in_s3_and_the_message_on_sns(own_demo, moto_settings, monkeypatch):
    endpoint = moto_settings.endpoint_url
    monkeypatch.setenv("AWS_ENDPOINT_URL_SNS", endpoint)
    no_real_aws.forget_clients()
    sns = boto3.client("sns", region_name="us-east-1", endpoint_url=endpoint)
    topic = sns.create_topic(Name="labeling-leads")["TopicArn"]
    sqs = boto3.client("sqs", region_name="us-east-1", endpoint_url=endpoint)
    queue = sqs.create_queue(QueueName="digest-inbox")["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=arn)
    boto3.client("s3", region_name="us-east-1", endpoint_url=endpoint).create_bucket(Bucket="team-home")
    home = Location(S3Store("team-home", moto_settings), "ground-control/")

    clock = FixedClock(T0)
    ws = simulated(own_demo, clock, SnsNotifier(AwsSettings(region="us-east-1")))
    assert send_digest(ws, home, ws.notifier, topic, stall_hours=6).message_id is None
    clock.set(datetime(2026, 3, 16, 20, 0, tzinfo=UTC))
    sent = send_digest(ws, home, ws.notifier, topic, stall_hours=6, race=_race_maker(ws, home, []))
    again = send_digest(ws, home, ws.notifier, topic, stall_hours=6)
    got = sqs.receive_message(QueueUrl=queue, MaxNumberOfMessages=10, WaitTimeSeconds=0).get("Messages", [])
    assert [json.loads(m["Body"])["MessageId"] for m in got] == [sent.message_id]
    assert "- shapes-boxes-3: completed at 2026-03-16 18:55 UTC" in json.loads(got[0]["Body"])["Message"]
    assert again.message_id is None
    keys = [o["Key"] for o in boto3.client("s3", region_name="us-east-1", endpoint_url=endpoint)
            .list_objects_v2(Bucket="team-home")["Contents"]]
    races = [k for k in keys if k.startswith("ground-control/races/2026-03-16-") and k.endswith(".html")]
    assert len(races) == 1 and len(keys) == 3
    assert all(k.startswith("ground-control/_ground-control/digests/labeling-leads-") for k in keys if k not in races)
    # --race: the race of the labels since the last digest, with a presigned link to it
    link = json.loads(got[0]["Body"])["Message"].rsplit("The race of the labels since then: ", 1)[1].strip()
    assert link.startswith(f"{endpoint}/team-home/{races[0]}?") and "X-Amz-Signature=" in link


def test_expiring_and_a_first_digest_look_back():
    from core.gt.job import Job

    def job(name, status, created, modified):
        return Job.from_summary({"LabelingJobName": name, "LabelingJobStatus": status, "CreationTime": created,
                                 "LastModifiedTime": modified,
                                 "LabelCounters": {"TotalLabeled": 5, "Unlabeled": 5, "HumanLabeled": 5}})

    now = datetime(2026, 3, 30, 12, tzinfo=UTC)
    jobs = [job("old", "Completed", now - timedelta(days=5), now - timedelta(days=4)),
            job("fresh", "Completed", now - timedelta(days=2), now - timedelta(hours=3)),
            job("late", "InProgress", now - timedelta(days=28), now - timedelta(hours=1))]
    first = make_digest(jobs, now, None, expiry_days=3, answered=lambda j: now - timedelta(hours=1))
    assert [e.key for e in first.events] == ["fresh|Completed", "late|expiring"]
    assert "- late: expires 2026-04-01 12:00 UTC (in 2.0 days) with 5 objects unlabeled" in first.body
    assert "old|Completed" in first.known
    again = make_digest(jobs, now, {"at": now.isoformat(), "known": first.known}, expiry_days=3,
                        answered=lambda j: now - timedelta(hours=1))
    assert again.events == [] and again.since == now


def test_a_quality_drop_is_told_once_measured_from_the_best_figure():
    from core.gt.job import Job

    now = datetime(2026, 3, 30, 12, tzinfo=UTC)

    def job(name, status, at=now):
        return Job.from_summary({"LabelingJobName": name, "LabelingJobStatus": status, "CreationTime": at,
                                 "LastModifiedTime": at, "LabelCounters": {"TotalLabeled": 5, "Unlabeled": 5}})

    jobs = [job("cats", "InProgress"), job("dogs", "InProgress"), job("old", "Completed", now - timedelta(days=9))]
    figures: dict[str, float] = {}

    def quality(j):
        assert j.status == "InProgress"  # only running jobs are measured
        return "exact match", figures[j.name]

    def run(last, **now_figures):
        figures.update(now_figures)
        digest = make_digest(jobs, now, last, answered=lambda j: now, quality=quality, quality_drop=0.05)
        return digest, {"at": now.isoformat(), "known": digest.known, "quality": digest.quality}

    first, memory = run(None, cats=0.9, dogs=0.8)
    assert [e.kind for e in first.events] == [] and first.quality == {"cats": 0.9, "dogs": 0.8}
    second, memory = run(memory, cats=0.87, dogs=0.85)  # 3 points down is not 5; dogs' best rises
    assert second.events == [] and second.quality == {"cats": 0.9, "dogs": 0.85}
    third, memory = run(memory, cats=0.84)  # 6 points below its best
    assert [e.text for e in third.events] == ["cats: exact match 84.0%, down from 90.0%"]
    assert "Quality down 5 points or more" in third.body and third.subject.endswith("1 quality")
    fourth, memory = run(memory, cats=0.84)  # the same figure: measured from 84 % now, told once
    assert fourth.events == [] and memory["quality"]["cats"] == 0.84


def test_a_digest_on_the_demo_remembers_each_running_jobs_quality(own_demo):
    clock = FixedClock(T0)
    ws = simulated(own_demo, clock)
    first = send_digest(ws, home_location(ws), ws.notifier, TOPIC)
    jobs = [Job.from_summary(s) for s in ws.service.list_labeling_jobs()]
    running = {j.name for j in jobs if j.status == "InProgress"}
    assert running and set(first.digest.quality) <= running
    assert first.digest.quality and all(0 <= v <= 1 for v in first.digest.quality.values())
    remembered = json.loads((own_demo / "buckets" / BUCKET / first.remembered).read_text())
    assert remembered["quality"] == first.digest.quality
