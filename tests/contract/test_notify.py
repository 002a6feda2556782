"""The notifications port: Amazon SNS (core.notify.SnsNotifier) and the demo's outbox folder."""

from __future__ import annotations

import json

import boto3
import pytest
from moto import mock_aws

from core.notify import NotifyError, OutboxNotifier, SnsNotifier, email_subject


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
