"""Fixtures of the storage contract tests.

    s3_store -> S3Store   a store on a new, empty bucket of the moto server
"""

from __future__ import annotations

import pytest
from s3_buckets import new_bucket  # tests/ is on sys.path

from core.storage import S3Store


@pytest.fixture
def s3_store(moto_settings) -> S3Store:
    return S3Store(new_bucket(moto_settings), moto_settings)
