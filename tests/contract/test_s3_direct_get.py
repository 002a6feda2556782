"""S3 GETs around boto3 (core/storage/direct_get.py): a URL signed by botocore's signer, sent on a
kept connection, against moto's server over real HTTP; boto3's get_object whenever that fails."""

from __future__ import annotations

import gzip
import http.client
import json
import ssl

import pytest
from botocore.exceptions import ClientError
from s3_buckets import new_bucket

from core import aws
from core.storage import AwsSettings, Fetcher, S3Store, StoreError, direct_get
from core.storage import s3 as s3_module


class _DirectSpy:
    """Stands in for the store's DirectGets: records each direct GET's status, or fails on demand."""

    def __init__(self, direct, fail: Exception | None = None):
        self.direct, self.fail, self.statuses = direct, fail, []
        self.signer = direct.signer

    def get(self, key: str):
        if self.fail is not None:
            raise self.fail
        status, data = self.direct.get(key)
        self.statuses.append(status)
        return status, data


def _spy_direct(monkeypatch, store: S3Store, fail: Exception | None = None) -> _DirectSpy:
    assert store._direct is not None, "the direct path should be on"
    spy = _DirectSpy(store._direct, fail)
    monkeypatch.setattr(store, "_direct", spy)
    return spy


@pytest.fixture
def get_object_calls(moto_settings):
    """Keys of every get_object API call made by the (shared) boto3 client the S3 stores use."""
    calls: list[str] = []
    s3 = aws.client("s3", moto_settings)

    def record(params, **kw):
        calls.append(params["Key"])

    s3.meta.events.register("before-parameter-build.s3.GetObject", record)
    yield calls
    s3.meta.events.unregister("before-parameter-build.s3.GetObject", record)


def test_s3_fetch_goes_direct_with_exact_bytes(s3_store, monkeypatch, get_object_calls):
    objects = {
        f"resp/{i:03}/2019-04-18_16:{i % 60:02}:07 é.json": json.dumps({"i": i}).encode() + b"\x00\xff"
        for i in range(50)
    }
    for key, data in objects.items():
        s3_store.put(key, data)
    spy = _spy_direct(monkeypatch, s3_store)

    out = Fetcher(s3_store).fetch(s3_store.list("resp/"))
    assert out == objects  # exact bytes, keys with ':', ' ' and non-ASCII included
    assert spy.statuses == [200] * len(objects)  # the server answered every GET directly...
    assert get_object_calls == []  # ...and boto3's get_object never ran


def test_s3_direct_get_keeps_content_encoded_bytes(s3_store, moto_settings, monkeypatch, get_object_calls):
    """get_object returns an object stored gzip-encoded as stored; the direct path must too."""
    raw = gzip.compress(b'{"answers": []}')
    aws.client("s3", moto_settings).put_object(
        Bucket=s3_store.bucket, Key="z.json", Body=raw, ContentEncoding="gzip", ContentType="application/json"
    )
    spy = _spy_direct(monkeypatch, s3_store)
    assert s3_store.get("z.json") == raw
    assert spy.statuses == [200] and get_object_calls == []
    assert S3Store(s3_store.bucket, moto_settings, fast_get=False).get("z.json") == raw
    assert get_object_calls == ["z.json"]


def test_s3_missing_key_falls_back_to_get_object(s3_store, monkeypatch, get_object_calls):
    spy = _spy_direct(monkeypatch, s3_store)
    with pytest.raises(StoreError) as err:
        s3_store.get("no/such/key.json")
    assert spy.statuses == [404]  # tried directly, then...
    assert get_object_calls == ["no/such/key.json"]  # ...boto3 made the error, as before
    assert str(err.value).startswith("cannot read s3://" + s3_store.bucket + "/no/such/key.json: NoSuchKey")
    assert isinstance(err.value.__cause__, ClientError)
    assert err.value.__cause__.response["Error"]["Code"] == "NoSuchKey"


def test_s3_direct_failure_never_leaks_the_signed_url(s3_store, monkeypatch, get_object_calls):
    s3_store.put("k.json", b"data")
    urls: list[str] = []
    real = s3_store._direct.signer.url_of

    def broken(key):
        urls.append(real(key))
        raise http.client.IncompleteRead(f"broken while reading {urls[-1]}".encode())

    monkeypatch.setattr(s3_store._direct.signer, "url_of", broken)
    assert s3_store.get("k.json") == b"data"  # the fallback read it
    with pytest.raises(StoreError) as err:
        s3_store.get("gone.json")
    assert len(urls) == 2 and "X-Amz-Signature=" in urls[0] and get_object_calls == ["k.json", "gone.json"]
    chain, exc = [], err.value
    while exc is not None:  # the message and every exception chained to it
        chain.append(f"{type(exc).__name__}: {exc}")
        exc = exc.__cause__ or exc.__context__
    text = "\n".join(chain)
    assert "NoSuchKey" in text and "Signature" not in text and "IncompleteRead" not in text


KEYS = ["plain.json", "resp/7/2019-04-18_16:03:21.json", "a b/é ü/%41+&=?#.json", "~tilde/(x)!*'.json", "a//b"]


@pytest.mark.parametrize("key", KEYS)
def test_s3_signed_urls_are_botocores_byte_for_byte(s3_store, key):
    """The signer resolves the endpoint once and signs each key itself: its URL must be the one
    botocore's generate_presigned_url makes (both carry the second they were made: a pair made in
    the same second is compared)."""
    signer = s3_store._direct.signer
    for _ in range(5):
        ours, botocore_s = signer.url_of(key), s3_store._presigner.generate_presigned_url(
            "get_object", Params={"Bucket": s3_store.bucket, "Key": key}, ExpiresIn=300)
        if ours.split("X-Amz-Date=")[1][:16] == botocore_s.split("X-Amz-Date=")[1][:16]:
            break
    assert signer._parts is not None  # the probe agreed with botocore: the fast signer is on
    assert ours == botocore_s


def test_s3_temporary_credentials_sign_with_their_token(s3_store, get_object_calls):
    token = aws.credentials_of(s3_store.settings).get_frozen_credentials().token
    assert token  # the tests' credentials are temporary ones (tests/no_real_aws.py)
    s3_store.put("k.json", b"data")
    assert f"X-Amz-Security-Token={token}&" in s3_store._direct.signer.url_of("k.json")
    assert s3_store.get("k.json") == b"data" and get_object_calls == []


def test_s3_https_endpoints_check_the_certificate_and_the_host(moto_settings):
    store = S3Store("bucket", AwsSettings(endpoint_url="https://s3.example.invalid", region="us-east-1"))
    tls = store._direct._tls
    assert tls.verify_mode == ssl.CERT_REQUIRED and tls.check_hostname
    conn = direct_get.Connections("https", "s3.example.invalid", None, 5, tls)._new()
    assert isinstance(conn, http.client.HTTPSConnection) and conn._context is tls


def test_s3_direct_path_gives_up_after_repeated_failures(s3_store, monkeypatch, get_object_calls):
    s3_store.put("k.json", b"data")
    spy = _spy_direct(monkeypatch, s3_store, fail=ConnectionRefusedError("refused"))
    for _ in range(s3_module._DIRECT_GIVE_UP + 5):
        assert s3_store.get("k.json") == b"data"
    assert s3_store._direct is None
    assert len(get_object_calls) == s3_module._DIRECT_GIVE_UP + 5
    assert spy.statuses == []


@pytest.mark.parametrize("name", ["HTTPS_PROXY", "http_proxy", "ALL_PROXY"])
def test_s3_a_proxy_means_boto3_only(moto_settings, monkeypatch, get_object_calls, name):
    bucket = new_bucket(moto_settings)
    monkeypatch.setenv(name, "http://proxy.invalid:3128")
    store = S3Store(bucket, moto_settings)  # the cached client was made before: it goes direct to moto
    assert store._direct is None
    store.put("k.json", b"data")
    assert store.get("k.json") == b"data"
    assert get_object_calls == ["k.json"]


def test_s3_no_proxy_alone_keeps_the_direct_path(moto_settings, monkeypatch):
    monkeypatch.setenv("NO_PROXY", "localhost,127.0.0.1")
    assert S3Store(new_bucket(moto_settings), moto_settings)._direct is not None


def test_s3_fast_get_can_be_turned_off(moto_settings, get_object_calls):
    store = S3Store(new_bucket(moto_settings), moto_settings, fast_get=False)
    assert store._direct is None
    store.put("k.json", b"data")
    assert store.get("k.json") == b"data" and get_object_calls == ["k.json"]


def test_s3_presigned_urls_are_sigv4(s3_store):
    """botocore presigns S3 with SigV2 by default in us-east-1; buckets made since 2020 refuse it."""
    url = s3_store.presigned_url("k.json", 60)
    assert "X-Amz-Algorithm=AWS4-HMAC-SHA256" in url and "AWSAccessKeyId=" not in url


def test_s3_a_signer_the_probe_does_not_recognize_leaves_each_url_to_botocore(s3_store, moto_settings):
    """SigV2 (what botocore used in us-east-1 before "s3v4" was pinned) signs differently: the probe
    says so, and every URL is then botocore's own."""
    sigv2 = aws.client("s3", moto_settings, signature_version="s3")
    signer = direct_get.Signer(sigv2, s3_store.bucket, aws.credentials_of(moto_settings))
    url = signer.url_of("k.json")
    assert signer._parts is None and "Signature=" in url and "X-Amz-Signature" not in url
