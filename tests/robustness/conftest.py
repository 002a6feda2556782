"""Robustness harness: S3 that fails some of the time, as S3 does.

Fixtures
    faulty_s3 -> FaultyS3   moto's S3 server (`moto_settings`) behind a small HTTP proxy on
                            127.0.0.1 that answers a seeded share of requests with 500 InternalError
                            or 503 SlowDown (S3's XML error bodies) or resets the connection.

    faulty_s3.upstream      AwsSettings straight to moto (to set up buckets, no faults)
    faulty_s3.settings      AwsSettings through the proxy (what the code under test uses)
    faulty_s3.inject(rate, seed=..., objects_only=False, kinds=FAULTS)
                            from now on fault `rate` (0..1) of requests (only object GETs when
                            `objects_only`) with one of `kinds`; also resets the counters and
                            boto3's cached clients
    faulty_s3.counts        Counter: requests; by kind of request (`list`, `get presigned` for the
                            direct path of core.storage.s3, `get signed` for boto3's get_object);
                            by fault; `faulted <kind of request>`; and `<fault> <kind of request>`
"""

from __future__ import annotations

import http.client
import random
import socket
import struct
import threading
from collections import Counter
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

import pytest

from core import aws
from core.aws import AwsSettings

FAULTS = ("InternalError", "SlowDown", "reset")
_ERRORS = {  # S3's own status, code and message for each
    "InternalError": (500, "We encountered an internal error. Please try again."),
    "SlowDown": (503, "Please reduce your request rate."),
}
_HOP_BY_HOP = {"connection", "keep-alive", "transfer-encoding", "proxy-connection", "te", "trailer", "upgrade"}
UPSTREAM_TIMEOUT_S = 30


def error_body(code: str, message: str, request_id: str) -> bytes:
    """An error document in S3's format (RestXml: <Error> at the root)."""
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f"<Error><Code>{code}</Code><Message>{message}</Message>"
        f"<RequestId>{request_id}</RequestId><HostId>fault-proxy</HostId></Error>"
    ).encode()


@dataclass
class FaultPlan:
    """Which requests fail and how: drawn from one seeded generator under a lock."""

    rate: float = 0.0
    seed: int = 0
    objects_only: bool = False
    kinds: tuple[str, ...] = FAULTS
    counts: Counter = field(default_factory=Counter)
    _rng: random.Random = field(default_factory=random.Random)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def reset(self, rate: float, seed: int, objects_only: bool, kinds: tuple[str, ...]) -> None:
        with self._lock:
            self.rate, self.seed, self.objects_only, self.kinds = rate, seed, objects_only, kinds
            self._rng = random.Random(seed)
            self.counts = Counter()

    def draw(self, kind: str) -> str | None:
        """Count a request of `kind` and return the fault to answer it with, or None."""
        with self._lock:
            self.counts["requests"] += 1
            self.counts[kind] += 1
            eligible = kind.startswith("get ") or not self.objects_only
            if not eligible or self._rng.random() >= self.rate:
                return None
            fault = self._rng.choice(self.kinds)
            self.counts[fault] += 1
            self.counts[f"faulted {kind}"] += 1
            self.counts[f"{fault} {kind}"] += 1
            return fault


def request_kind(method: str, target: str, headers) -> str:
    """`get presigned` (the direct path of core.storage.s3), `get signed` (boto3's get_object),
    `list`, or the method for anything else."""
    parts = urlsplit(target)
    query = parse_qs(parts.query)
    if method == "GET" and "list-type" in query:
        return "list"
    if method == "GET" and parts.path.strip("/").count("/") >= 1:  # /bucket/key
        return "get presigned" if "X-Amz-Signature" in query else "get signed"
    return method.lower()


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as S3 clients expect
    server: _ProxyServer

    def log_message(self, format, *args) -> None:  # quiet: pytest shows failures, not traffic
        pass

    def _relay(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else None
        fault = self.server.plan.draw(request_kind(self.command, self.path, self.headers))
        if fault == "reset":
            self._reset()
        elif fault:
            self._error(fault)
        else:
            self._forward(body)

    do_GET = do_HEAD = do_PUT = do_POST = do_DELETE = _relay

    def _reset(self) -> None:
        """Drop the connection with a TCP RST and no answer (SO_LINGER 0, then close)."""
        self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self.rfile.close()  # the file holds a reference: the socket closes only when it is gone
        self.connection.close()
        self.close_connection = True

    def _error(self, code: str) -> None:
        status, message = _ERRORS[code]
        body = error_body(code, message, f"FAULT{self.server.plan.counts['requests']:08d}")
        self.send_response(status)
        self.send_header("Content-Type", "application/xml")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("x-amz-request-id", "FAULT")
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def _forward(self, body: bytes | None) -> None:
        headers = {k: v for k, v in self.headers.items() if k.lower() not in _HOP_BY_HOP}
        upstream = http.client.HTTPConnection(*self.server.upstream, timeout=UPSTREAM_TIMEOUT_S)
        try:
            upstream.request(self.command, self.path, body=body, headers=headers)
            response = upstream.getresponse()
            data = response.read()
            self.send_response(response.status, response.reason)
            for name, value in response.getheaders():
                if name.lower() not in _HOP_BY_HOP and name.lower() != "content-length":
                    self.send_header(name, value)
            # HEAD: the object's length, with no body; anything else: the body we send.
            size = response.getheader("Content-Length", "0") if self.command == "HEAD" else str(len(data))
            self.send_header("Content-Length", size)
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(data)
        finally:
            upstream.close()


class _ProxyServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, upstream: tuple[str, int], plan: FaultPlan):
        super().__init__(("127.0.0.1", 0), _Handler)  # loopback only
        self.upstream = upstream
        self.plan = plan


class FaultyS3:
    def __init__(self, upstream: AwsSettings):
        self.upstream = upstream
        target = urlsplit(upstream.endpoint_url)
        self.plan = FaultPlan()
        self._server = _ProxyServer((target.hostname, target.port), self.plan)
        host, port = self._server.server_address[:2]
        self.settings = AwsSettings(endpoint_url=f"http://{host}:{port}", region=upstream.region)
        self._thread = threading.Thread(target=self._server.serve_forever, name="s3-fault-proxy", daemon=True)
        self._thread.start()

    @property
    def counts(self) -> Counter:
        return self.plan.counts

    def inject(self, rate: float, seed: int = 9, objects_only: bool = False, kinds: tuple[str, ...] = FAULTS) -> None:
        # Fresh clients: botocore's retry quota and adaptive rate limiter live in them, and a
        # test must not inherit what an earlier test's faults used up.
        aws.client.cache_clear()
        self.plan.reset(rate, seed, objects_only, kinds)

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=10)


@pytest.fixture(scope="module")
def faulty_s3(moto_settings):
    proxy = FaultyS3(moto_settings)
    try:
        yield proxy
    finally:
        proxy.close()
