"""The object-store contract, against S3 (moto's server over real HTTP) and a local folder."""

from __future__ import annotations

import json
import socket
from concurrent.futures import ThreadPoolExecutor

import pytest

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
    open_location,
)


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


def test_s3_timestamps_are_the_instants_botocore_gives_through_either_parser(s3_store, moto_settings):
    """core.aws reads a listing's ISO 8601 times itself (botocore's dateutil parser cost a minute of
    CPU per million objects listed): the same instants, aware, for the listing's text and the
    header's RFC 1123 date alike."""
    from botocore.utils import parse_timestamp

    s3_store.put("t.json", b"{}")
    s3 = aws.client("s3", moto_settings)
    listed = s3.list_objects_v2(Bucket=s3_store.bucket)["Contents"][0]["LastModified"]
    headed = s3.head_object(Bucket=s3_store.bucket, Key="t.json")["LastModified"]
    assert listed.tzinfo is not None and listed.replace(microsecond=0) == headed
    for text in ("2024-03-12T10:11:27.475Z", "2024-03-12T10:11:27Z", "Tue, 12 Mar 2024 10:11:27 GMT", 1710238287.475):
        assert aws._timestamp(text) == parse_timestamp(text), text


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

