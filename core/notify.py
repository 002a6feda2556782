"""Sending a short message to the team: Amazon SNS on AWS, an outbox folder in the demo.

The original AWS recipe e-mailed the race through SNS; a topic's subscribers (e-mail, chat
webhooks through Lambda, SMS) receive whatever is published to it.
"""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from pathlib import Path
from typing import Protocol

from .aws import AwsSettings, client
from .errors import GroundControlError

TOPIC_ARN = re.compile(r"^arn:aws[a-z-]*:sns:[a-z0-9-]+:\d{12}:[A-Za-z0-9_-]{1,256}(\.fifo)?$")
SUBJECT_MAX = 100  # SNS: ASCII, at most 100 characters, no line breaks


class NotifyError(GroundControlError):
    """The message could not be sent; the reason is safe to show."""


class Notifier(Protocol):
    def topics(self) -> list[str]:
        """Topic ARNs the lead can pick from."""
        ...

    def publish(self, topic_arn: str, subject: str, message: str) -> str:
        """Send; returns the message id."""
        ...


def check_topic(topic_arn: str) -> str:
    topic_arn = topic_arn.strip()
    if not TOPIC_ARN.match(topic_arn):
        raise NotifyError(f"{topic_arn!r} is not an SNS topic ARN (arn:aws:sns:<region>:<account>:<name>)")
    return topic_arn


def email_subject(text: str) -> str:
    """SNS subjects must be printable ASCII on one line, at most 100 characters."""
    plain = "".join(c if 32 <= ord(c) < 127 else "?" for c in " ".join(text.split()))
    return plain[:SUBJECT_MAX] or "Ground Control"


class SnsNotifier:
    def __init__(self, settings: AwsSettings = AwsSettings()):
        self.settings = settings

    def _sns(self, region: str | None = None):
        return client("sns", AwsSettings(self.settings.profile, region or self.settings.region))

    def topics(self) -> list[str]:
        try:
            pages = self._sns().get_paginator("list_topics").paginate()
            return sorted(t["TopicArn"] for page in pages for t in page.get("Topics", []))
        except _aws_errors() as exc:
            raise NotifyError(f"cannot list SNS topics: {_code(exc)}") from exc

    def publish(self, topic_arn: str, subject: str, message: str) -> str:
        topic_arn = check_topic(topic_arn)
        region = topic_arn.split(":")[3]  # a topic is published to in its own region
        try:
            answer = self._sns(region).publish(TopicArn=topic_arn, Subject=email_subject(subject), Message=message)
        except _aws_errors() as exc:
            raise NotifyError(f"cannot publish to {topic_arn}: {_code(exc)}") from exc
        return answer["MessageId"]


class OutboxNotifier:
    """The demo's SNS: each message is written to <folder>/<topic name>/<time>-<n>.json, never sent."""

    TOPIC = "arn:aws:sns:us-east-1:123456789012:labeling-team-updates"

    def __init__(self, folder: Path):
        self.folder = Path(folder)

    def topics(self) -> list[str]:
        return [self.TOPIC]

    def publish(self, topic_arn: str, subject: str, message: str) -> str:
        topic_arn = check_topic(topic_arn)
        if topic_arn not in self.topics():  # as SNS refuses a topic that does not exist
            raise NotifyError(f"cannot publish to {topic_arn}: the demo has no such topic, only {self.TOPIC}")
        topic = topic_arn.rsplit(":", 1)[1]
        box = self.folder / topic
        box.mkdir(parents=True, exist_ok=True)
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S")
        n = len(list(box.glob(f"{stamp}-*.json")))
        path = box / f"{stamp}-{n}.json"
        body = {"TopicArn": topic_arn, "Subject": email_subject(subject), "Message": message}
        path.write_text(json.dumps(body, indent=2, ensure_ascii=False), encoding="utf-8")
        return path.stem


def _aws_errors() -> tuple[type[Exception], ...]:
    """botocore's errors, imported only when one is being handled: the demo's outbox and every
    command on a local folder import this module, and never need botocore."""
    from botocore.exceptions import BotoCoreError, ClientError

    return ClientError, BotoCoreError


def _code(exc: Exception) -> str:
    from botocore.exceptions import ClientError

    if isinstance(exc, ClientError):
        err = exc.response.get("Error", {})
        return f"{err.get('Code', 'Error')} ({err.get('Message', '')})"
    return type(exc).__name__
