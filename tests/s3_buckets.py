"""S3 buckets on the moto server for the storage tests: a new, empty one per call."""

from __future__ import annotations

import itertools

from core import aws
from core.storage import AwsSettings

_bucket_numbers = itertools.count()


def new_bucket(settings: AwsSettings) -> str:
    name = f"gc-test-{next(_bucket_numbers)}"
    aws.client("s3", settings).create_bucket(Bucket=name)
    return name
