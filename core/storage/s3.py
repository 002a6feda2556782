"""S3 through boto3: full pagination, conditional writes, errors in plain words.

GETs take a faster road when they can (core/storage/direct_get.py): a URL signed by botocore's
SigV4 signer, on a kept plain connection, in ~0.9 ms of CPU where get_object takes ~3.5 ms, under
the GIL, so the parallel Fetcher reads 3-4x more objects a second (bench/ingest.py). Anything but
a 200 goes back to get_object, so retries, error codes and messages are botocore's, exactly as
before. What a direct GET skips: botocore's response checksum validation (S3 returns checksums only
to requests that ask, which a presigned GET does not) and the adaptive retry mode's client-side rate
limiter (a throttled direct GET falls back to get_object, which has both).
"""

from __future__ import annotations

import logging
import mimetypes
from collections.abc import Iterator
from urllib.request import getproxies

from botocore.exceptions import BotoCoreError, ClientError

from ..aws import AwsSettings, client, credentials_of
from .base import ObjectExists, ObjectInfo, OnSkip, StoreError
from .direct_get import DirectGets, Signer, tls_context

log = logging.getLogger(__name__)

# Codes S3 (and S3-compatible stores) answer to `If-None-Match: *` when the key is taken.
_TAKEN = {"PreconditionFailed", "ConditionalRequestConflict", "412", "409"}

# Direct GETs that keep failing (wrong region, an endpoint that refuses query signatures...) would
# double every request: after this many failures in a row (404s aside), a store stops trying them.
_DIRECT_GIVE_UP = 20


def _direct_gets(s3, presigner, bucket: str, settings: AwsSettings) -> DirectGets | None:
    """Direct GETs for this bucket, or None where going around botocore's HTTP stack would be wrong."""
    config = s3.meta.config
    if {k for k in getproxies() if k != "no"} or config.proxies or config.client_cert:
        return None  # a proxy or a client certificate: botocore knows how to use them, this path does not
    # How botocore verifies TLS for this client: True (certifi's bundle), a CA bundle path
    # (AWS_CA_BUNDLE, REQUESTS_CA_BUNDLE, ca_bundle in the profile), or False (verify=False).
    verify = getattr(getattr(getattr(s3, "_endpoint", None), "http_session", None), "_verify", None)
    if not (verify is True or (isinstance(verify, str) and verify)):
        return None  # verification off, or a botocore we do not recognize
    from botocore.httpsession import get_cert_path  # 0.1 s of imports a local read never needs

    signer = Signer(presigner, bucket, credentials_of(settings))
    return DirectGets(signer, max(config.connect_timeout, config.read_timeout), tls_context(get_cert_path(verify)))


def _plain(exc: Exception, what: str) -> StoreError:
    if isinstance(exc, ClientError):
        err = exc.response.get("Error", {})
        code = err.get("Code", "Error")
        return StoreError(f"{what}: {code} ({err.get('Message') or 'no message'})")
    return StoreError(f"{what}: {exc}")


class S3Store:
    def __init__(self, bucket: str, settings: AwsSettings = AwsSettings(), *, fast_get: bool = True):
        self.bucket = bucket
        self.uri = f"s3://{bucket}"
        self.settings = settings  # whose credentials sign presigned links
        self._s3 = client("s3", settings)
        self._presigner = client("s3", settings, signature_version="s3v4")
        self._direct = _direct_gets(self._s3, self._presigner, bucket, settings) if fast_get else None
        self._direct_failures = 0

    def list(self, prefix: str = "", on_skip: OnSkip | None = None) -> Iterator[ObjectInfo]:
        """Every object under `prefix`, all pages (S3 holds only objects: `on_skip` is never called)."""
        pages = self._s3.get_paginator("list_objects_v2").paginate(Bucket=self.bucket, Prefix=prefix)
        try:
            for page in pages:
                for obj in page.get("Contents", []):
                    yield ObjectInfo(key=obj["Key"], size=obj["Size"], version=obj["ETag"].strip('"'))
        except (ClientError, BotoCoreError) as exc:
            raise _plain(exc, f"cannot list {self.uri_of(prefix)}") from exc

    def get(self, key: str) -> bytes:
        data = self._direct_get(key) if self._direct is not None else None
        if data is not None:
            return data
        try:
            return self._s3.get_object(Bucket=self.bucket, Key=key)["Body"].read()
        except (ClientError, BotoCoreError) as exc:
            raise _plain(exc, f"cannot read {self.uri_of(key)}") from exc

    def _direct_get(self, key: str) -> bytes | None:
        """The object's bytes through a signed URL, or None on any failure; never raises.

        The failure is dropped here, before `get` calls get_object, so no message or traceback the
        caller sees can carry the signed URL: it holds a signature.
        """
        direct = self._direct
        try:
            status, data = direct.get(key)
        except Exception:
            status, data = None, None
        if status == 200:
            self._direct_failures = 0
            return data
        if status != 404:  # a missing key says nothing about the path; anything else may repeat
            self._direct_failures += 1
            if self._direct_failures == _DIRECT_GIVE_UP:
                self._direct = None
                log.warning("direct GETs from %s keep failing; using boto3 only", self.uri)
        return None

    def put(self, key: str, data: bytes, *, overwrite: bool = False) -> None:
        extra = {} if overwrite else {"IfNoneMatch": "*"}
        # Typed by its name, so a shared link opens in the browser (a race's MP4 plays, its page
        # shows) instead of downloading as binary/octet-stream, S3's default.
        kind, _ = mimetypes.guess_type(key)
        if kind:
            extra["ContentType"] = kind
        try:
            self._s3.put_object(Bucket=self.bucket, Key=key, Body=data, **extra)
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") in _TAKEN:
                raise ObjectExists(f"{self.uri_of(key)} already exists") from exc
            raise _plain(exc, f"cannot write {self.uri_of(key)}") from exc
        except BotoCoreError as exc:
            raise _plain(exc, f"cannot write {self.uri_of(key)}") from exc

    def exists(self, key: str) -> bool:
        try:
            self._s3.head_object(Bucket=self.bucket, Key=key)
            return True
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") in {"404", "NoSuchKey", "NotFound"}:
                return False
            raise _plain(exc, f"cannot check {self.uri_of(key)}") from exc
        except BotoCoreError as exc:
            raise _plain(exc, f"cannot check {self.uri_of(key)}") from exc

    def uri_of(self, key: str) -> str:
        return f"{self.uri}/{key}"

    def presigned_url(self, key: str, expires_s: int) -> str:
        return self._presigner.generate_presigned_url(
            "get_object", Params={"Bucket": self.bucket, "Key": key}, ExpiresIn=expires_s
        )
