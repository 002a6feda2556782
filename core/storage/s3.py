"""S3 through boto3: full pagination, conditional writes, errors in plain words."""

from __future__ import annotations

from collections.abc import Iterator

from botocore.exceptions import BotoCoreError, ClientError

from ..aws import AwsSettings, client
from .base import ObjectExists, ObjectInfo, StoreError

# Codes S3 (and S3-compatible stores) answer to `If-None-Match: *` when the key is taken.
_TAKEN = {"PreconditionFailed", "ConditionalRequestConflict", "412", "409"}


def _plain(exc: Exception, what: str) -> StoreError:
    if isinstance(exc, ClientError):
        err = exc.response.get("Error", {})
        code = err.get("Code", "Error")
        return StoreError(f"{what}: {code} ({err.get('Message') or 'no message'})")
    return StoreError(f"{what}: {exc}")


class S3Store:
    def __init__(self, bucket: str, settings: AwsSettings = AwsSettings()):
        self.bucket = bucket
        self.uri = f"s3://{bucket}"
        self._s3 = client("s3", settings)

    def list(self, prefix: str = "") -> Iterator[ObjectInfo]:
        pages = self._s3.get_paginator("list_objects_v2").paginate(Bucket=self.bucket, Prefix=prefix)
        try:
            for page in pages:
                for obj in page.get("Contents", []):
                    yield ObjectInfo(key=obj["Key"], size=obj["Size"], version=obj["ETag"].strip('"'))
        except (ClientError, BotoCoreError) as exc:
            raise _plain(exc, f"cannot list {self.uri_of(prefix)}") from exc

    def get(self, key: str) -> bytes:
        try:
            return self._s3.get_object(Bucket=self.bucket, Key=key)["Body"].read()
        except (ClientError, BotoCoreError) as exc:
            raise _plain(exc, f"cannot read {self.uri_of(key)}") from exc

    def put(self, key: str, data: bytes, *, overwrite: bool = False) -> None:
        extra = {} if overwrite else {"IfNoneMatch": "*"}
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
        return self._s3.generate_presigned_url(
            "get_object", Params={"Bucket": self.bucket, "Key": key}, ExpiresIn=expires_s
        )
