"""The notifications port: one contract for Amazon SNS (core.notify.SnsNotifier, on moto's server over
real HTTP, read back through an SQS queue subscribed to the topic) and the demo's outbox folder."""

from __future__ import annotations

import itertools
import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import boto3
import no_real_aws  # tests/ is on sys.path (pyproject: pythonpath)
import pytest
from moto import mock_aws

from core.aws import AwsSettings
from core.notify import Notifier, NotifyError, OutboxNotifier, SnsNotifier, check_topic, email_subject

# moto's account and the demo's topic: both sides publish to the same ARN.
TOPIC = "arn:aws:sns:us-east-1:123456789012:labeling-team-updates"
MISSING = "arn:aws:sns:us-east-1:123456789012:labeling-team-updatez"
SUBJECT = "Race: 1,510 labels — Zoë ahead"
BODY = ("Top 3: Zoë (80), Ana (75), Worker 47 (70)\n<b>&amp;</b> \"quoted\" ‘curly’ ✓\n"
        "https://example.com/races/r.mp4?a=1&b=2\n" + "long line " * 2_000)
_queue_numbers = itertools.count()


@dataclass
class Port:
    notifier: Notifier
    received: Callable[[], list[dict]]  # each message that arrived: TopicArn, Subject, Message, and its id


def _sns_port(moto_settings: AwsSettings, monkeypatch) -> Port:
    endpoint = moto_settings.endpoint_url
    monkeypatch.setenv("AWS_ENDPOINT_URL_SNS", endpoint)  # SnsNotifier takes the standard chain's endpoint
    no_real_aws.forget_clients()
    sns = boto3.client("sns", region_name="us-east-1", endpoint_url=endpoint)
    assert sns.create_topic(Name="labeling-team-updates")["TopicArn"] == TOPIC
    sqs = boto3.client("sqs", region_name="us-east-1", endpoint_url=endpoint)
    queue = sqs.create_queue(QueueName=f"inbox-{next(_queue_numbers)}")["QueueUrl"]  # a fresh inbox per test
    queue_arn = sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    sns.subscribe(TopicArn=TOPIC, Protocol="sqs", Endpoint=queue_arn)

    def received() -> list[dict]:
        answer = sqs.receive_message(QueueUrl=queue, MaxNumberOfMessages=10, WaitTimeSeconds=0)
        bodies = [json.loads(m["Body"]) for m in answer.get("Messages", [])]
        return [{"id": b["MessageId"], **{k: b[k] for k in ("TopicArn", "Subject", "Message")}} for b in bodies]

    return Port(SnsNotifier(AwsSettings(region="us-east-1")), received)


def _outbox_port(folder: Path) -> Port:
    def received() -> list[dict]:
        return [{"id": p.stem, **json.loads(p.read_text(encoding="utf-8"))} for p in sorted(folder.rglob("*.json"))]

    return Port(OutboxNotifier(folder), received)


@pytest.fixture(params=["sns", "outbox"])
def port(request, tmp_path, monkeypatch) -> Port:
    """Each contract test runs once against SNS on moto and once against the demo's outbox."""
    if request.param == "sns":
        return _sns_port(request.getfixturevalue("moto_settings"), monkeypatch)
    return _outbox_port(tmp_path / "outbox")


# --- the contract, both notifiers --------------------------------------------------------------------


def test_the_team_topic_is_listed(port):
    topics = port.notifier.topics()
    assert TOPIC in topics
    assert [check_topic(t) for t in topics] == topics  # every one can be published to as listed


def test_the_message_arrives_intact_and_publish_returns_its_id(port):
    first = port.notifier.publish(TOPIC, SUBJECT, BODY)
    second = port.notifier.publish(TOPIC, "Race of the day", "second")
    assert isinstance(first, str) and first and second and first != second
    got = sorted(port.received(), key=lambda m: m["Message"] != BODY)
    assert got == [{"id": first, "TopicArn": TOPIC, "Subject": "Race: 1,510 labels ? Zo? ahead", "Message": BODY},
                   {"id": second, "TopicArn": TOPIC, "Subject": "Race of the day", "Message": "second"}]


@pytest.mark.parametrize(("topic", "says"), [
    ("labeling-team-updates", "is not an SNS topic ARN"),  # a name, not an ARN
    (MISSING, f"cannot publish to {MISSING}"),  # an ARN of no topic (one letter off)
], ids=["a-name", "no-such-topic"])
def test_a_bad_topic_is_a_notify_error_in_plain_words_and_nothing_is_sent(port, topic, says):
    with pytest.raises(NotifyError) as raised:
        port.notifier.publish(topic, SUBJECT, BODY)
    message = str(raised.value)
    assert says in message and "\n" not in message and "Traceback" not in message
    assert port.received() == []


# --- one notifier each -----------------------------------------------------------------------------------


def test_sns_notifier_publishes_in_the_topic_region(fake_aws):
    fake_aws("us-east-1")
    with mock_aws():
        sns = boto3.client("sns", region_name="eu-west-1")
        arn = sns.create_topic(Name="labeling-team")["TopicArn"]
        sqs = boto3.client("sqs", region_name="eu-west-1")
        queue = sqs.create_queue(QueueName="inbox")["QueueUrl"]
        queue_arn = sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        sns.subscribe(TopicArn=arn, Protocol="sqs", Endpoint=queue_arn)
        message_id = SnsNotifier().publish(arn, "Race: 1,510 labels — Ana ahead", "body with the link")
        got = json.loads(sqs.receive_message(QueueUrl=queue)["Messages"][0]["Body"])
    assert got["MessageId"] == message_id and got["Message"] == "body with the link"
    assert got["Subject"] == "Race: 1,510 labels ? Ana ahead"  # SNS subjects are ASCII


def test_sns_errors_are_plain(fake_aws):
    fake_aws("us-east-1")
    with mock_aws(), pytest.raises(NotifyError, match="cannot publish to arn:aws:sns:us-east-1:123456789012:nope"):
        SnsNotifier().publish("arn:aws:sns:us-east-1:123456789012:nope", "s", "m")
    with pytest.raises(NotifyError, match="not an SNS topic ARN"):
        SnsNotifier().publish("labeling-team", "s", "m")


def test_demo_outbox_keeps_what_was_sent(tmp_path):
    outbox = OutboxNotifier(tmp_path)
    topic = outbox.topics()[0]
    outbox.publish(topic, "Race\nof the day", "hello")
    (sent,) = (tmp_path / "labeling-team-updates").glob("*.json")
    assert json.loads(sent.read_text()) == {"TopicArn": topic, "Subject": "Race of the day", "Message": "hello"}
    assert email_subject("x" * 300) == "x" * 100
