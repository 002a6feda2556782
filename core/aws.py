"""One place that makes boto3 clients, with the retry, timeout and pool settings we share.

Credentials, profile, region and endpoint come from the standard chain (AWS_PROFILE, AWS_REGION,
AWS_ENDPOINT_URL_S3, ~/.aws/config ...) unless the caller names them; nothing here reads secrets.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache

import boto3
from botocore.config import Config

# Many small GETs run in parallel: the pool must be as large as the thread pool that uses it
# (boto3's default of 10 connections would serialize the rest).
MAX_POOL = 64

_CONFIG = Config(
    retries={"mode": "adaptive", "max_attempts": 10},
    connect_timeout=10,
    read_timeout=60,
    max_pool_connections=MAX_POOL,
)


@dataclass(frozen=True)
class AwsSettings:
    """Where to connect. Empty fields fall back to the standard AWS configuration chain."""

    profile: str | None = None
    region: str | None = None
    endpoint_url: str | None = None  # S3-compatible stores only

    def describe(self) -> str:
        session = _session(self.profile, self.region)
        parts = [f"profile {session.profile_name}", f"region {session.region_name or 'not set'}"]
        if self.endpoint_url:
            parts.append(f"endpoint {self.endpoint_url}")
        return ", ".join(parts)


@lru_cache(maxsize=8)
def _session(profile: str | None, region: str | None) -> boto3.Session:
    return boto3.Session(profile_name=profile or None, region_name=region or None)


@lru_cache(maxsize=32)
def client(service: str, settings: AwsSettings = AwsSettings(), signature_version: str | None = None):
    """A shared, thread-safe client. S3 gets the endpoint override; other services do not.

    `signature_version` pins the signer: "s3v4" for presigned S3 URLs, which botocore otherwise signs
    with SigV2 in older regions such as us-east-1, and buckets created since June 2020 refuse SigV2.
    """
    endpoint = settings.endpoint_url if service == "s3" else None
    config = _CONFIG.merge(Config(signature_version=signature_version)) if signature_version else _CONFIG
    return _session(settings.profile, settings.region).client(service, endpoint_url=endpoint or None, config=config)


def temporary_credentials(settings: AwsSettings = AwsSettings()) -> tuple[bool, datetime | None]:
    """(True, when they expire, in UTC, or None if unknown) when the chain's credentials are
    temporary (they carry a session token: SSO, an assumed role, an instance role); (False, None)
    for long-term keys or no credentials. A presigned link stops working when they expire."""
    credentials = _session(settings.profile, settings.region).get_credentials()
    if credentials is None:
        return False, None
    # Refreshable credentials (SSO, roles, AWS_CREDENTIAL_EXPIRATION) keep their expiry here;
    # botocore has no public accessor for it.
    expiry = getattr(credentials, "_expiry_time", None)
    token = credentials.get_frozen_credentials().token
    if not token and expiry is None:
        return False, None
    return True, expiry.astimezone(UTC) if isinstance(expiry, datetime) else None
