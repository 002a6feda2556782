"""One place that makes boto3 clients, with the retry, timeout and pool settings we share.

Credentials, profile, region and endpoint come from the standard chain (AWS_PROFILE, AWS_REGION,
AWS_ENDPOINT_URL_S3, ~/.aws/config ...) unless the caller names them; nothing here reads secrets.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache

# Many small GETs run in parallel: the pool must be as large as the thread pool that uses it
# (boto3's default of 10 connections would serialize the rest).
MAX_POOL = 64

# botocore's Config arguments (the Config is made with the client: botocore is imported only then).
_CONFIG = dict(
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
        """`profile p, region r`: a profile only when one is named or configured (boto3 says
        "default" even when there is none)."""
        from botocore.exceptions import ProfileNotFound  # here: a command on a local folder never needs botocore

        try:
            session = _session(self.profile, self.region)
        except ProfileNotFound:
            return f"profile {self.profile or os.environ.get('AWS_PROFILE', '')} (not found)"
        parts = []
        if self.profile or session.profile_name in session.available_profiles:
            parts.append(f"profile {session.profile_name}")
        parts.append(f"region {session.region_name or 'not set'}")
        if self.endpoint_url:
            parts.append(f"endpoint {self.endpoint_url}")
        return ", ".join(parts)


def setup_problems(settings: AwsSettings) -> list[str]:
    """What keeps boto3 from calling AWS, in plain words with how to set it, in the order to fix
    it: the profile, the credentials, the region. Empty when nothing is missing."""
    from botocore.exceptions import ProfileNotFound

    try:
        session = _session(settings.profile, settings.region)
    except ProfileNotFound:
        name = settings.profile or os.environ.get("AWS_PROFILE") or os.environ.get("AWS_DEFAULT_PROFILE")
        return [f"The AWS profile {name!r} does not exist in ~/.aws/config or ~/.aws/credentials: create it "
                "with `aws configure --profile NAME`, or use another profile."]
    problems = []
    try:
        found = session.get_credentials() is not None
    except Exception as exc:  # e.g. a broken credential_process or SSO cache: say which, not how it failed inside
        found, problems = True, [f"The AWS credentials could not be loaded ({type(exc).__name__}): check the "
                                 "profile's settings, or run `aws sso login` for an SSO profile."]
    if not found:
        problems.append("No AWS credentials found: run `aws configure`, or set AWS_ACCESS_KEY_ID and "
                        "AWS_SECRET_ACCESS_KEY, or choose a profile that has them (`aws sso login` for SSO).")
    if not session.region_name:
        problems.append("No AWS region set: set AWS_REGION (for example `us-east-1`), or add `region = us-east-1` "
                        "to the profile in ~/.aws/config, or enter a region in the connection settings.")
    return problems


@lru_cache(maxsize=8)
def _session(profile: str | None, region: str | None):
    import boto3  # here, not at the top: a command over a local folder never pays its 0.2 s import
    import botocore.session

    base = botocore.session.get_session()
    base.get_component("response_parser_factory").set_parser_defaults(timestamp_parser=_timestamp)
    return boto3.Session(botocore_session=base, profile_name=profile or None, region_name=region or None)


def _timestamp(value):
    """A response's timestamp as botocore's parser gives it, but ISO 8601 UTC text (every object of
    an S3 listing carries one) read by the standard library: botocore's general parser (dateutil)
    took 60-150 µs an object, over a minute of CPU for a million-object listing; this takes 1 µs."""
    from botocore.utils import parse_timestamp

    if isinstance(value, str) and value.endswith("Z"):
        try:
            return datetime.fromisoformat(value)
        except ValueError:
            pass
    return parse_timestamp(value)


@lru_cache(maxsize=32)
def client(service: str, settings: AwsSettings = AwsSettings(), signature_version: str | None = None):
    """A shared, thread-safe client. S3 gets the endpoint override; other services do not.

    `signature_version` pins the signer: "s3v4" for presigned S3 URLs, which botocore otherwise signs
    with SigV2 in older regions such as us-east-1, and buckets created since June 2020 refuse SigV2.
    """
    from botocore.config import Config

    endpoint = settings.endpoint_url if service == "s3" else None
    config = Config(**_CONFIG, **({"signature_version": signature_version} if signature_version else {}))
    return _session(settings.profile, settings.region).client(service, endpoint_url=endpoint or None, config=config)


def credentials_of(settings: AwsSettings = AwsSettings()):
    """The credentials the clients of these settings sign with (botocore refreshes them when they
    are temporary), or None when the chain has none."""
    return _session(settings.profile, settings.region).get_credentials()


def temporary_credentials(settings: AwsSettings = AwsSettings()) -> tuple[bool, datetime | None]:
    """(True, when they expire, in UTC, or None if unknown) when the chain's credentials are
    temporary (they carry a session token: SSO, an assumed role, an instance role); (False, None)
    for long-term keys or no credentials. A presigned link stops working when they expire."""
    credentials = credentials_of(settings)
    if credentials is None:
        return False, None
    # Refreshable credentials (SSO, roles, AWS_CREDENTIAL_EXPIRATION) keep their expiry here;
    # botocore has no public accessor for it.
    expiry = getattr(credentials, "_expiry_time", None)
    token = credentials.get_frozen_credentials().token
    if not token and expiry is None:
        return False, None
    return True, expiry.astimezone(UTC) if isinstance(expiry, datetime) else None
