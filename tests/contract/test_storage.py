"""The object-store contract, against S3 (moto's server over real HTTP) and a local folder."""

from __future__ import annotations

import gzip
import http.client
import itertools
import json
import socket
import ssl
from concurrent.futures import ThreadPoolExecutor

import pytest
from botocore.exceptions import ClientError

from core import aws
from core.storage import (
    AwsSettings,
    Fetcher,
    LocalStore,
    Location,
    ObjectExists,
    ObjectInfo,
    S3Store,
    StoreError,
    direct_get,
    open_location,
)
from core.storage import s3 as s3_module

_bucket_numbers = itertools.count()


def _new_bucket(settings: AwsSettings) -> str:
    name = f"gc-test-{next(_bucket_numbers)}"
    aws.client("s3", settings).create_bucket(Bucket=name)
    return name


@pytest.fixture
def s3_store(moto_settings) -> S3Store:
    return S3Store(_new_bucket(moto_settings), moto_settings)


@pytest.fixture(params=["s3", "local"])
def store(request, tmp_path):
    """Each contract test runs once against an empty bucket and once against an empty folder."""
    if request.param == "s3":
        return request.getfixturevalue("s3_store")
    return LocalStore(tmp_path / "bucket")


def _count_gets(monkeypatch, store) -> list[str]:
    """Record every key the store is asked to GET, independently of Fetcher.gets."""
    seen: list[str] = []
    real_get = store.get

    def get(key: str) -> bytes:
        seen.append(key)
        return real_get(key)

    monkeypatch.setattr(store, "get", get)
    return seen


# --- the contract, both stores ---------------------------------------------------------------


def test_list_with_prefix(store):
    keys = ["a/1.json", "a/2.json", "a/sub/3.json", "ab/4.json", "b/5.json"]
    for i, key in enumerate(keys):
        store.put(key, b"x" * (i + 1))

    def listed(prefix: str) -> list[str]:
        return sorted(info.key for info in store.list(prefix))

    assert listed("") == keys
    assert listed("a/") == ["a/1.json", "a/2.json", "a/sub/3.json"]
    assert listed("a") == ["a/1.json", "a/2.json", "a/sub/3.json", "ab/4.json"]
    assert listed("a/sub/") == ["a/sub/3.json"]
    assert listed("a/1") == ["a/1.json"]
    assert listed("nothing/") == []
    sizes = {info.key: info.size for info in store.list("")}
    assert sizes == {key: i + 1 for i, key in enumerate(keys)}


def test_get_returns_exact_bytes(store):
    data = json.dumps({"answers": [{"workerId": "w1"}]}).encode() + b"\n\x00\xff"
    store.put("jobs/x/worker-response.json", data)
    assert store.get("jobs/x/worker-response.json") == data


def test_get_missing_key_names_the_uri(store):
    with pytest.raises(StoreError) as err:
        store.get("no/such/key.json")
    assert store.uri_of("no/such/key.json") in str(err.value)


def test_put_refuses_existing_key_unless_overwrite(store):
    store.put("manifest.jsonl", b"original")
    with pytest.raises(ObjectExists) as err:
        store.put("manifest.jsonl", b"clobbered")
    assert store.uri_of("manifest.jsonl") in str(err.value)
    assert store.get("manifest.jsonl") == b"original"

    store.put("manifest.jsonl", b"replaced on purpose", overwrite=True)
    assert store.get("manifest.jsonl") == b"replaced on purpose"


def test_put_where_a_file_stands_for_its_folder_is_a_store_error(tmp_path):
    store = LocalStore(tmp_path)
    store.put("audit", b"a file, not a folder")
    with pytest.raises(StoreError) as err:
        store.put("audit/2026/line.json", b"{}")
    assert store.uri_of("audit/2026/line.json") in str(err.value) and "Not a directory" in str(err.value)
    assert store.get("audit") == b"a file, not a folder"


def test_exists(store):
    store.put("a/b.json", b"{}")
    assert store.exists("a/b.json")
    assert not store.exists("a/c.json")
    assert not store.exists("a")  # a "folder" is not an object


def test_fetcher_fetches_only_new_and_changed(store, monkeypatch):
    n = 40
    for i in range(n):
        store.put(f"resp/{i:03}.json", json.dumps({"i": i}).encode())
    seen = _count_gets(monkeypatch, store)
    fetcher = Fetcher(store, parse=lambda key, data: json.loads(data))
    progress: list[tuple[int, int]] = []

    first = fetcher.fetch(store.list("resp/"), progress=lambda done, total: progress.append((done, total)))
    assert fetcher.gets == n and len(seen) == n
    assert first == {f"resp/{i:03}.json": {"i": i} for i in range(n)}
    assert progress[-1] == (n, n)

    again = fetcher.fetch(store.list("resp/"))
    assert fetcher.gets == n and len(seen) == n  # nothing changed: no GET at all
    assert again == first

    for i in range(n, n + 3):
        store.put(f"resp/{i:03}.json", json.dumps({"i": i}).encode())
    # Different length as well as content, so a file's size+mtime version changes for sure.
    store.put("resp/007.json", json.dumps({"i": 7, "changed": True}).encode(), overwrite=True)
    seen.clear()

    refreshed = fetcher.fetch(store.list("resp/"))
    assert fetcher.gets == n + 4
    assert sorted(seen) == ["resp/007.json", "resp/040.json", "resp/041.json", "resp/042.json"]
    assert len(refreshed) == n + 3
    assert refreshed["resp/007.json"] == {"i": 7, "changed": True}
    assert refreshed["resp/041.json"] == {"i": 41}
    assert refreshed["resp/000.json"] == {"i": 0}


def test_fetcher_reports_a_failed_get_and_tries_it_again(store):
    store.put("ok.json", b"1")
    ok = list(store.list(""))
    ghost = ObjectInfo(key="ghost.json", size=4, version="v1")  # listed, then deleted
    fetcher = Fetcher(store)

    out = fetcher.fetch(ok + [ghost])
    assert out["ok.json"] == b"1"
    assert isinstance(out["ghost.json"], StoreError)
    assert store.uri_of("ghost.json") in str(out["ghost.json"])

    store.put("ghost.json", b"back")
    out = fetcher.fetch(ok + [ghost])  # same key and version: a failure was not cached
    assert out == {"ok.json": b"1", "ghost.json": b"back"}
    assert fetcher.gets == 3  # ok, the failed ghost, the ghost again; ok came from the cache


def test_fetcher_reports_a_parser_failure_for_that_file_only(store):
    store.put("good.json", b"1")
    store.put("bad.json", b"2")

    def parse(key, data):
        if key == "bad.json":
            raise KeyError("answers")  # a reader bug, not a StoreError
        return data

    out = Fetcher(store, parse).fetch(store.list(""))
    assert out["good.json"] == b"1"
    assert isinstance(out["bad.json"], StoreError)
    assert "KeyError" in str(out["bad.json"]) and store.uri_of("bad.json") in str(out["bad.json"])


# --- S3 only ---------------------------------------------------------------------------------


@pytest.mark.slow
def test_s3_list_returns_every_page(s3_store, moto_settings):
    keys = [f"worker-response/{i:05}.json" for i in range(1205)]
    s3 = aws.client("s3", moto_settings)
    with ThreadPoolExecutor(16) as pool:
        list(pool.map(lambda k: s3.put_object(Bucket=s3_store.bucket, Key=k, Body=b"{}"), keys))

    pages = []

    def count_page(**kw):
        pages.append(1)

    s3.meta.events.register("before-call.s3.ListObjectsV2", count_page)
    try:
        listed = list(s3_store.list("worker-response/"))
    finally:
        s3.meta.events.unregister("before-call.s3.ListObjectsV2", count_page)
    assert [info.key for info in listed] == keys
    assert len(pages) == 2  # 1000 + 205
    assert all(info.size == 2 and info.version and '"' not in info.version for info in listed)


def test_s3_version_is_the_etag_and_follows_content(s3_store, moto_settings):
    s3_store.put("k.json", b"one")
    (v1,) = s3_store.list("k")
    s3_store.put("k.json", b"two", overwrite=True)
    (v2,) = s3_store.list("k")
    assert v1.version != v2.version
    head = aws.client("s3", moto_settings).head_object(Bucket=s3_store.bucket, Key="k.json")
    assert head["ETag"].strip('"') == v2.version


def test_s3_put_types_an_object_by_its_name_so_a_link_opens_in_the_browser(s3_store, moto_settings):
    s3 = aws.client("s3", moto_settings)
    for key, data in (("races/r.mp4", b"\x00\x00\x00\x18ftypmp42"), ("races/r.html", b"<html></html>"),
                      ("manifest", b"{}")):
        s3_store.put(key, data)
    kinds = {key: s3.head_object(Bucket=s3_store.bucket, Key=key)["ContentType"]
             for key in ("races/r.mp4", "races/r.html", "manifest")}
    assert kinds == {"races/r.mp4": "video/mp4", "races/r.html": "text/html", "manifest": "binary/octet-stream"}


def test_s3_put_sends_if_none_match(s3_store, moto_settings):
    """The refusal must come from the server's conditional write, not a check-then-write race."""
    s3 = aws.client("s3", moto_settings)
    headers: list[dict] = []

    def record(request, **kw):
        headers.append(dict(request.headers))

    s3.meta.events.register("before-send.s3.PutObject", record)
    try:
        s3_store.put("once.json", b"a")
        s3_store.put("twice.json", b"b", overwrite=True)
    finally:
        s3.meta.events.unregister("before-send.s3.PutObject", record)
    assert headers[0].get("If-None-Match") == b"*"
    assert "If-None-Match" not in headers[1]


def test_get_from_missing_bucket_is_a_store_error(moto_settings):
    store = S3Store("gc-no-such-bucket", moto_settings)
    with pytest.raises(StoreError, match="s3://gc-no-such-bucket/x.json"):
        store.get("x.json")
    with pytest.raises(StoreError, match="NoSuchBucket"):
        list(store.list(""))


def test_unreachable_endpoint_is_a_store_error(moto_settings, monkeypatch):
    # A port that was free a moment ago: the connection is refused at once. The product retries
    # connection errors up to 10 times with backoff (15-30 s here); one attempt keeps this fast
    # and still goes through the same error translation.
    monkeypatch.setattr(aws, "_CONFIG", aws._CONFIG | {"retries": {"mode": "adaptive", "max_attempts": 1}})
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    settings = AwsSettings(endpoint_url=f"http://127.0.0.1:{port}", region="us-east-1")
    store = S3Store("bucket", settings)
    try:
        calls = {
            "list": lambda: list(store.list("p/")),
            "get": lambda: store.get("p/k.json"),
            "put": lambda: store.put("p/k.json", b"x"),
            "exists": lambda: store.exists("p/k.json"),
        }
        for name, call in calls.items():
            with pytest.raises(StoreError) as err:
                call()
            assert type(err.value) is StoreError, name
            assert "s3://bucket/p/" in str(err.value), name
            assert "Could not connect" in str(err.value), name
    finally:
        aws.client.cache_clear()  # drop the one-attempt client


# --- S3 direct GETs (a URL signed by botocore, on a kept connection), get_object as the fallback -----


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
    bucket = _new_bucket(moto_settings)
    monkeypatch.setenv(name, "http://proxy.invalid:3128")
    store = S3Store(bucket, moto_settings)  # the cached client was made before: it goes direct to moto
    assert store._direct is None
    store.put("k.json", b"data")
    assert store.get("k.json") == b"data"
    assert get_object_calls == ["k.json"]


def test_s3_no_proxy_alone_keeps_the_direct_path(moto_settings, monkeypatch):
    monkeypatch.setenv("NO_PROXY", "localhost,127.0.0.1")
    assert S3Store(_new_bucket(moto_settings), moto_settings)._direct is not None


def test_s3_fast_get_can_be_turned_off(moto_settings, get_object_calls):
    store = S3Store(_new_bucket(moto_settings), moto_settings, fast_get=False)
    assert store._direct is None
    store.put("k.json", b"data")
    assert store.get("k.json") == b"data" and get_object_calls == ["k.json"]


def test_s3_presigned_urls_are_sigv4(s3_store):
    """botocore presigns S3 with SigV2 by default in us-east-1; buckets made since 2020 refuse it."""
    url = s3_store.presigned_url("k.json", 60)
    assert "X-Amz-Algorithm=AWS4-HMAC-SHA256" in url and "AWSAccessKeyId=" not in url


# --- open_location ---------------------------------------------------------------------------


def test_open_location_s3(moto_settings):
    loc = open_location("  s3://my-bucket/jobs/birds/  ", moto_settings)
    assert isinstance(loc.store, S3Store)
    assert loc.store.bucket == "my-bucket"
    assert loc.prefix == "jobs/birds/"
    assert loc.uri == "s3://my-bucket/jobs/birds/"

    bare = open_location("s3://my-bucket", moto_settings)
    assert bare.store.bucket == "my-bucket" and bare.prefix == "" and bare.uri == "s3://my-bucket"


@pytest.mark.parametrize(
    ("uri", "message"),
    [
        ("s3://", "names no bucket"),
        ("s3:///prefix", "names no bucket"),
        ("http://x", "only s3:// URIs and local paths"),
        ("gs://bucket/x", "only s3:// URIs and local paths"),
        ("", "no source given"),
        ("   ", "no source given"),
    ],
)
def test_open_location_rejects_bad_uris(uri, message):
    with pytest.raises(StoreError, match=message):
        open_location(uri)


def test_open_location_local(tmp_path):
    (tmp_path / "job").mkdir()
    (tmp_path / "job" / "output.manifest").write_text("{}\n")

    folder = open_location(str(tmp_path / "job"))
    assert isinstance(folder.store, LocalStore)
    assert folder.store.root == (tmp_path / "job").resolve() and folder.prefix == ""

    file = open_location(str(tmp_path / "job" / "output.manifest"))
    assert file.store.root == (tmp_path / "job").resolve() and file.prefix == "output.manifest"
    assert [i.key for i in file.store.list(file.prefix)] == ["output.manifest"]

    with pytest.raises(StoreError, match="does not exist"):
        open_location(str(tmp_path / "missing"))


def test_local_store_refuses_keys_outside_its_root(tmp_path):
    store = LocalStore(tmp_path / "bucket")
    with pytest.raises(StoreError, match="outside"):
        store.put("../escape.json", b"x")
    assert not (tmp_path / "escape.json").exists()


def test_location_reads_a_whole_object_and_refuses_a_folder(store):
    store.put("data/x.manifest", b'{"source": "a"}\n')
    assert Location(store, "data/x.manifest").read() == b'{"source": "a"}\n'
    for folder in ("", "data/"):
        with pytest.raises(StoreError, match="is a folder, not a file"):
            Location(store, folder).read()


def test_s3_a_signer_the_probe_does_not_recognize_leaves_each_url_to_botocore(s3_store, moto_settings):
    """SigV2 (what botocore used in us-east-1 before "s3v4" was pinned) signs differently: the probe
    says so, and every URL is then botocore's own."""
    sigv2 = aws.client("s3", moto_settings, signature_version="s3")
    signer = direct_get.Signer(sigv2, s3_store.bucket, aws.credentials_of(moto_settings))
    url = signer.url_of("k.json")
    assert signer._parts is None and "Signature=" in url and "X-Amz-Signature" not in url
