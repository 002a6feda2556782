"""S3 through boto3: full pagination, conditional writes, errors in plain words.

GETs take a faster road when they can. boto3 spends ~1.4 ms of CPU per get_object (signing, user
agent, endpoint rules, response parsing), under the GIL: on 2 cores that caps the parallel Fetcher
near 700 objects/s however many threads wait on the network, where the server's ceiling is ~3,000/s
(bench/ingest.py). Presigning the GET with botocore (~0.25 ms) and sending it through one shared
urllib3 pool (~0.35 ms) about halves that CPU; in the bench the Fetcher goes 1.5-1.8x faster.
Anything but a 200 goes back to get_object, so retries, error codes and messages are botocore's,
exactly as before. What a direct GET skips: botocore's response checksum validation (S3 returns
checksums only to requests that ask, which a presigned GET does not) and the adaptive retry mode's
client-side rate limiter (a throttled direct GET falls back to get_object, which has both).
"""

from __future__ import annotations

import logging
import mimetypes
from collections.abc import Iterator
from functools import lru_cache
from urllib.parse import urlsplit
from urllib.request import getproxies

import urllib3
from botocore.exceptions import BotoCoreError, ClientError

from ..aws import MAX_POOL, AwsSettings, client
from .base import ObjectExists, ObjectInfo, OnSkip, StoreError

log = logging.getLogger(__name__)

# Codes S3 (and S3-compatible stores) answer to `If-None-Match: *` when the key is taken.
_TAKEN = {"PreconditionFailed", "ConditionalRequestConflict", "412", "409"}

_PRESIGN_EXPIRES_S = 300  # the URL is used at once; a short life bounds it should it ever leak
# Direct GETs that keep failing (wrong region, an endpoint that refuses query signatures...) would
# double every request: after this many failures in a row (404s aside), a store stops trying them.
_DIRECT_GIVE_UP = 20


@lru_cache(maxsize=4)
def _pool(ca_certs: str) -> urllib3.PoolManager:
    """One keep-alive pool for every store (per CA bundle), as large as the Fetcher's thread pool."""
    return urllib3.PoolManager(maxsize=MAX_POOL, retries=False, cert_reqs="CERT_REQUIRED", ca_certs=ca_certs)


def _direct_pool(s3) -> urllib3.PoolManager | None:
    """The pool for direct GETs, or None where going around botocore's HTTP stack would be wrong."""
    config = s3.meta.config
    if {k for k in getproxies() if k != "no"} or config.proxies or config.client_cert:
        return None  # a proxy or a client certificate: botocore knows how to use them, this path does not
    # How botocore verifies TLS for this client: True (certifi's bundle), a CA bundle path
    # (AWS_CA_BUNDLE, REQUESTS_CA_BUNDLE, ca_bundle in the profile), or False (verify=False).
    verify = getattr(getattr(getattr(s3, "_endpoint", None), "http_session", None), "_verify", None)
    if verify is True or (isinstance(verify, str) and verify):
        from botocore.httpsession import get_cert_path  # 0.1 s of imports a local read never needs

        return _pool(get_cert_path(verify))
    return None  # verification off, or a botocore we do not recognize


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
        self._http = _direct_pool(self._s3) if fast_get else None
        config = self._s3.meta.config
        self._timeout = urllib3.Timeout(connect=config.connect_timeout, read=config.read_timeout)
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
        data = self._direct_get(key) if self._http is not None else None
        if data is not None:
            return data
        try:
            return self._s3.get_object(Bucket=self.bucket, Key=key)["Body"].read()
        except (ClientError, BotoCoreError) as exc:
            raise _plain(exc, f"cannot read {self.uri_of(key)}") from exc

    def _direct_get(self, key: str) -> bytes | None:
        """The object's bytes through a presigned URL, or None on any failure; never raises.

        The failure is dropped here, before `get` calls get_object, so no message or traceback the
        caller sees can carry the presigned URL: it holds a signature.
        """
        http = self._http
        try:
            url = self._presigner.generate_presigned_url(
                "get_object", Params={"Bucket": self.bucket, "Key": key}, ExpiresIn=_PRESIGN_EXPIRES_S
            )
            # Straight to the host's pool: PoolManager.request would parse and re-encode the ~360
            # characters of URL twice more, in pure Python (~0.1 ms). No redirects, no retries (the
            # pool's), bytes as stored (no gzip decoding): as get_object.
            parts = urlsplit(url)
            pool = http.connection_from_host(parts.hostname, parts.port, parts.scheme)
            response = pool.urlopen(
                "GET", f"{parts.path}?{parts.query}", timeout=self._timeout, redirect=False, decode_content=False
            )
            status, data = response.status, response.data
        except Exception:
            status, data = None, None
        if status == 200:
            self._direct_failures = 0
            return data
        if status != 404:  # a missing key says nothing about the path; anything else may repeat
            self._direct_failures += 1
            if self._direct_failures == _DIRECT_GIVE_UP:
                self._http = None
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
