"""Benchmark: reading many small Ground Truth worker-response objects from S3.

Run by hand from the repository root:  python bench/ingest.py [--objects 10000] [--latency-ms 20]

A small S3-compatible server (ListObjectsV2, GetObject, HeadObject; HTTP/1.1 keep-alive) runs in a
child process on 127.0.0.1 and sleeps a fixed latency per request, like an in-region GET. In one run
it compares:
  (a) core.storage.Fetcher through S3Store, in parallel, as the app runs it: each GET presigned by
      botocore and sent through a shared urllib3 pool, boto3's get_object only as the fallback;
  (a') the same Fetcher with S3Store(fast_get=False): every GET a boto3 get_object call;
  (b) a sequential boto3 get_object loop, as AWS's example notebooks do (timed on a sample);
  (c) the ceiling of the server itself: the same number of threads issuing raw http.client GETs;
  (d) a refresh with nothing new, which must issue no GET;
  (e) the app's whole read, SourceReader: the same parallel GETs, parsing into Arrow tables and the
      Parquet cache;
  (f) a new SourceReader on that cache, as after a restart: the listing and no GET.
This is a measurement, not a test: it asserts nothing about time.
"""

from __future__ import annotations

import argparse
import hashlib
import http.client
import json
import multiprocessing
import os
import sys
import tempfile
import threading
import time
from bisect import bisect_left
from concurrent.futures import ThreadPoolExecutor
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, quote, unquote, urlsplit
from xml.sax.saxutils import escape

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import boto3  # noqa: E402

from core.aws import MAX_POOL, AwsSettings, client  # noqa: E402
from core.ingest import SourceReader  # noqa: E402
from core.storage import Fetcher, Location, S3Store  # noqa: E402

BUCKET = "bench-bucket"
PREFIX = "birds-2019/annotations/worker-response/iteration-1/"
LABELS = ["Duck", "Falcon", "Owl", "Parrot", "Penguin", "Sparrow", "Swan", "Woodpecker", "Gull", "Crow"]
PAGE = 1000  # S3's page size for ListObjectsV2


# --- the data --------------------------------------------------------------------------------


def make_objects(n: int) -> dict[str, bytes]:
    """n worker-response files in Ground Truth's layout: <prefix><object id>/<timestamp>.json, ~490 B."""
    objects = {}
    for i in range(n):
        answers = [
            {
                "answerContent": {"crowd-image-classifier": {"label": LABELS[(i + w) % len(LABELS)]}},
                "submissionTime": f"2019-04-18T16:{(i + w) % 60:02}:{(7 * i + w) % 60:02}Z",
                "workerId": "public.us-east-1." + hashlib.sha1(f"{i}/{w}".encode()).hexdigest()[:26].upper(),
            }
            for w in range(3)
        ]
        key = f"{PREFIX}{i}/2019-04-18_16:{i % 60:02}:{(7 * i) % 60:02}.json"
        objects[key] = json.dumps({"answers": answers}, separators=(",", ":")).encode()
    return objects


# --- the server (child process) --------------------------------------------------------------


class _S3Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive: every response carries Content-Length
    disable_nagle_algorithm = True  # headers and body go out in separate writes

    server: _S3Server

    def log_message(self, format, *args):  # quiet: the base class logs every request
        pass

    def setup(self):
        super().setup()
        with self.server.lock:
            self.server.connections += 1

    def do_GET(self):
        self._serve(send_body=True)

    def do_HEAD(self):
        self._serve(send_body=False)

    def _serve(self, send_body: bool) -> None:
        url = urlsplit(self.path)
        if url.path == "/__stats":  # for the benchmark's own bookkeeping: no latency, not counted
            return self._send(200, json.dumps(self.server.stats()).encode(), "application/json", send_body)
        time.sleep(self.server.latency)
        bucket, _, key = url.path.lstrip("/").partition("/")
        if unquote(bucket) != BUCKET:
            return self._error(404, "NoSuchBucket", send_body)
        if not key:
            query = parse_qs(url.query)
            if query.get("list-type") != ["2"]:
                return self._error(501, "NotImplemented", send_body)
            return self._send(200, self._list(query), "application/xml", send_body)
        body = self.server.objects.get(unquote(key))
        if body is None:
            return self._error(404, "NoSuchKey", send_body)
        with self.server.lock:
            self.server.gets += 1
        self._send(200, body, "application/json", send_body, etag=self.server.etags[unquote(key)])

    def _list(self, query: dict[str, list[str]]) -> bytes:
        first = lambda name, default="": query.get(name, [default])[0]  # noqa: E731
        prefix, token = first("prefix"), first("continuation-token")
        limit = min(int(first("max-keys", str(PAGE))), PAGE)
        encode = first("encoding-type") == "url"
        keys = self.server.keys
        start = int(token) if token else bisect_left(keys, prefix)
        page = []
        for key in keys[start:]:
            if not key.startswith(prefix) or len(page) == limit:
                break
            page.append(key)
        end = start + len(page)
        truncated = end < len(keys) and keys[end].startswith(prefix)
        with self.server.lock:
            self.server.lists += 1
        name = (lambda k: quote(k, safe="/")) if encode else (lambda k: k)
        contents = "".join(
            f"<Contents><Key>{escape(name(k))}</Key><LastModified>2019-04-18T16:40:00.000Z</LastModified>"
            f"<ETag>&quot;{self.server.etags[k]}&quot;</ETag><Size>{len(self.server.objects[k])}</Size>"
            "<StorageClass>STANDARD</StorageClass></Contents>"
            for k in page
        )
        return (
            '<?xml version="1.0" encoding="UTF-8"?>'
            '<ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/">'
            f"<Name>{BUCKET}</Name><Prefix>{escape(name(prefix))}</Prefix><KeyCount>{len(page)}</KeyCount>"
            f"<MaxKeys>{limit}</MaxKeys><IsTruncated>{'true' if truncated else 'false'}</IsTruncated>"
            + (f"<NextContinuationToken>{end}</NextContinuationToken>" if truncated else "")
            + ("<EncodingType>url</EncodingType>" if encode else "")
            + contents
            + "</ListBucketResult>"
        ).encode()

    def _error(self, status: int, code: str, send_body: bool) -> None:
        body = f"<?xml version='1.0' encoding='UTF-8'?><Error><Code>{code}</Code><Message>{code}</Message></Error>"
        self._send(status, body.encode(), "application/xml", send_body)

    def _send(self, status: int, body: bytes, ctype: str, send_body: bool, etag: str | None = None) -> None:
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        if etag:
            self.send_header("ETag", f'"{etag}"')
            self.send_header("Last-Modified", "Thu, 18 Apr 2019 16:40:00 GMT")
        self.end_headers()
        if send_body:
            self.wfile.write(body)


class _S3Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 1024  # the default backlog of 5 drops SYNs when 64 connections open at once

    def __init__(self, objects: dict[str, bytes], latency: float):
        super().__init__(("127.0.0.1", 0), _S3Handler)
        self.objects = objects
        self.keys = sorted(objects)
        self.etags = {k: hashlib.md5(v).hexdigest() for k, v in objects.items()}
        self.latency = latency
        self.lock = threading.Lock()
        self.gets = 0
        self.lists = 0
        self.connections = 0

    def stats(self) -> dict:
        return {"gets": self.gets, "lists": self.lists, "connections": self.connections, "cpu_s": time.process_time()}


def _serve(n: int, latency: float, port_out) -> None:
    server = _S3Server(make_objects(n), latency)
    port_out.send(server.server_address[1])
    server.serve_forever()


# --- the clients -----------------------------------------------------------------------------


def server_stats(port: int) -> dict:
    conn = http.client.HTTPConnection("127.0.0.1", port)
    conn.request("GET", "/__stats")
    stats = json.loads(conn.getresponse().read())
    conn.close()
    return stats


def raw_gets(port: int, keys: list[str], threads: int) -> None:
    """The ceiling: `threads` keep-alive connections, each a bare http.client GET loop."""
    paths = [f"/{BUCKET}/{quote(k, safe='/')}" for k in keys]

    def worker(part: list[str]) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port)
        for path in part:
            conn.request("GET", path)
            response = conn.getresponse()
            response.read()
            if response.status != 200:
                raise RuntimeError(f"GET {path}: HTTP {response.status}")
        conn.close()

    with ThreadPoolExecutor(threads) as pool:
        list(pool.map(worker, [paths[i::threads] for i in range(threads)]))


def parse(key: str, data: bytes) -> int:
    """What a reader does with a worker response: here, count its answers."""
    return len(json.loads(data)["answers"])


class Timer:
    def __enter__(self):
        self.wall, self.cpu = time.perf_counter(), time.process_time()
        return self

    def __exit__(self, *exc):
        self.wall = time.perf_counter() - self.wall
        self.cpu = time.process_time() - self.cpu


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--objects", type=int, default=10_000, help="objects under the prefix (default 10000)")
    ap.add_argument("--latency-ms", type=float, default=20.0, help="server latency per request (default 20)")
    ap.add_argument(
        "--sequential-sample",
        type=int,
        default=1000,
        help="objects the sequential loop reads; its rate is extrapolated (default 1000)",
    )
    ap.add_argument(
        "--threads",
        type=int,
        default=None,
        help=f"Fetcher threads, also used by the ceiling client (default: the Fetcher's, {MAX_POOL})",
    )
    args = ap.parse_args()
    n, latency = args.objects, args.latency_ms / 1000
    threads = args.threads or MAX_POOL
    sample = min(args.sequential_sample, n)

    for name, value in {
        "AWS_ACCESS_KEY_ID": "bench",
        "AWS_SECRET_ACCESS_KEY": "bench",
        "AWS_DEFAULT_REGION": "us-east-1",
    }.items():
        os.environ[name] = value
    for name in ("AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_S3"):
        os.environ.pop(name, None)

    ctx = multiprocessing.get_context("spawn")
    port_in, port_out = ctx.Pipe(duplex=False)
    server = ctx.Process(target=_serve, args=(n, latency, port_out), daemon=True)
    server.start()
    port = port_in.recv()
    endpoint = f"http://127.0.0.1:{port}"
    try:
        rows = run(n, latency, threads, sample, endpoint, port)
    finally:
        server.terminate()
        server.join()
    print_report(n, latency, threads, sample, os.cpu_count(), rows)
    return 0


def parallel_fetch(store: S3Store, infos: list, threads: int, port: int) -> tuple[Fetcher, dict, tuple, int]:
    """One full parallel fetch: the fetcher, its results, its row, and the connections it opened."""
    fetcher = Fetcher(store, parse=parse, threads=threads)
    before = server_stats(port)
    with Timer() as t:
        got = fetcher.fetch(infos)
    after = server_stats(port)
    errors = [v for v in got.values() if not isinstance(v, int)]
    assert not errors and sum(got.values()) == 3 * len(infos), errors[:3]
    assert after["gets"] - before["gets"] == len(infos)
    return fetcher, got, (t, len(infos), after["cpu_s"] - before["cpu_s"]), after["connections"] - before["connections"]


def run(n: int, latency: float, threads: int, sample: int, endpoint: str, port: int) -> dict:
    rows = {}
    settings = AwsSettings(endpoint_url=endpoint, region="us-east-1")
    store = S3Store(BUCKET, settings)
    get_object_calls = []  # boto3 get_object calls, i.e. fallbacks from the direct path during (a)
    client("s3", settings).meta.events.register(
        "before-parameter-build.s3.GetObject", lambda **kw: get_object_calls.append(1)
    )

    with Timer() as t:
        infos = list(store.list(PREFIX))
    assert len(infos) == n, f"listed {len(infos)} of {n}"
    rows["list"] = (t, n)

    # (a) the app's parallel fetcher
    fetcher, got, rows["parallel"], rows["connections"] = parallel_fetch(store, infos, threads, port)
    rows["fallbacks"] = len(get_object_calls)

    # (d) refresh with nothing new: list again, fetch again
    gets0, server_gets0 = fetcher.gets, server_stats(port)["gets"]
    with Timer() as t:
        again = fetcher.fetch(store.list(PREFIX))
    assert again == got
    rows["refresh"] = (t, n, fetcher.gets - gets0, server_stats(port)["gets"] - server_gets0)

    # (e) the app's whole read: SourceReader (parallel GETs, parse, Arrow tables, Parquet cache), cold;
    # (f) a new reader on the same cache, as after a restart: the listing, and no GET at all
    with tempfile.TemporaryDirectory() as cache:
        source = Location(store, PREFIX)
        reader = SourceReader(source, cache_root=Path(cache))
        before = server_stats(port)["gets"]
        with Timer() as t:
            data = reader.load()
        assert len(data.answers) == 3 * n and data.parsed == n, (len(data.answers), data.parsed)
        rows["reader"] = (t, n, server_stats(port)["gets"] - before)
        before = server_stats(port)["gets"]
        with Timer() as t:
            warm = SourceReader(source, cache_root=Path(cache)).load()
        assert len(warm.answers) == 3 * n and warm.cached == n
        rows["restart"] = (t, n, server_stats(port)["gets"] - before)

    # (a') the same fetcher, boto3 get_object for every GET
    boto3_store = S3Store(BUCKET, settings, fast_get=False)
    _, _, rows["parallel_boto3"], _ = parallel_fetch(boto3_store, infos, threads, port)

    # (b) the notebook way: one plain boto3 client, one GET at a time
    s3 = boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1")
    keys = [info.key for info in infos[:sample]]
    with Timer() as t:
        total = sum(parse(k, s3.get_object(Bucket=BUCKET, Key=k)["Body"].read()) for k in keys)
    assert total == 3 * sample
    rows["sequential"] = (t, sample)

    # (c) the ceiling: same concurrency, no boto3
    before = server_stats(port)
    with Timer() as t:
        raw_gets(port, [info.key for info in infos], threads)
    after = server_stats(port)
    assert after["gets"] - before["gets"] == n
    rows["ceiling"] = (t, n, after["cpu_s"] - before["cpu_s"])
    return rows


def print_report(n: int, latency: float, threads: int, sample: int, cores: int | None, rows: dict) -> None:
    size = sum(map(len, make_objects(min(n, 100)).values())) / min(n, 100)
    print(
        f"{n:,} objects of ~{size:.0f} B, server latency {latency * 1000:g} ms/request, "
        f"{threads} threads, {cores} cores (server in its own process)"
    )
    print()
    print(f"{'':38}{'objects':>9}{'seconds':>9}{'objects/s':>11}{'client CPU':>12}{'server CPU':>12}")
    print(f"{'':38}{'':>9}{'':>9}{'':>11}{'µs/object':>12}{'µs/object':>12}")

    def line(label: str, t: Timer, count: int, server_cpu: float | None = None) -> float:
        rate = count / t.wall
        server = f"{server_cpu / count * 1e6:12.0f}" if server_cpu is not None else f"{'':12}"
        print(f"{label:38}{count:>9,}{t.wall:>9.2f}{rate:>11,.0f}{t.cpu / count * 1e6:>12.0f}{server}")
        return rate

    t, count = rows["list"]
    print(
        f"{'list (ListObjectsV2, 1000/page)':38}{count:>9,}{t.wall:>9.2f}{count / t.wall:>11,.0f}"
        f"{t.cpu / count * 1e6:>12.0f}"
    )
    parallel = line("(a) Fetcher, parallel (direct GETs)", *rows["parallel"])
    parallel_boto3 = line("(a') Fetcher, parallel, boto3 only", *rows["parallel_boto3"])
    sequential = line("(b) sequential boto3 loop (sample)", *rows["sequential"])
    ceiling = line("(c) server ceiling (raw http.client)", *rows["ceiling"])
    t, count, gets, server_gets = rows["refresh"]
    print(
        f"{'(d) refresh, nothing new':38}{count:>9,}{t.wall:>9.2f}{count / t.wall:>11,.0f}"
        f"{t.cpu / count * 1e6:>12.0f}   (list + cache lookups)"
    )
    for key, label in (("reader", "(e) SourceReader, cold (parse + cache)"),
                       ("restart", "(f) SourceReader, new process, warm")):
        t, count, gets = rows[key]
        print(f"{label:38}{count:>9,}{t.wall:>9.2f}{count / t.wall:>11,.0f}{t.cpu / count * 1e6:>12.0f}"
              f"   ({gets:,} GETs)")
    print()
    print(
        f"sequential was timed on {sample:,} of the {n:,} objects; at that rate all {n:,} would take "
        f"{n / sequential:,.0f} s (parallel: {n / parallel:,.1f} s)"
    )
    print(f"parallel / sequential: {parallel / sequential:6.1f}x   (boto3 only: {parallel_boto3 / sequential:.1f}x)")
    print(
        f"parallel / ceiling:    {parallel / ceiling:6.2f}   (boto3 only: {parallel_boto3 / ceiling:.2f}; "
        f"the ceiling uses the same {threads} connections)"
    )
    print(f"get_object fallbacks during (a): {rows['fallbacks']} of {n:,} GETs")
    print(f"refresh with nothing new: Fetcher.gets +{gets}, GETs seen by the server +{server_gets}")
    print(f"connections the server accepted during (a): {rows['connections']} for {n:,} GETs (keep-alive)")


if __name__ == "__main__":
    sys.exit(main())
