"""S3 GETs around boto3's request pipeline: signed by botocore's own SigV4 query signer, sent on plain
keep-alive connections (http.client), one per thread at a time.

Why: a worker-response file is ~500 bytes, so a GET's cost is the client's CPU, and Python runs one
thread at a time. boto3's get_object spends ~3.5 ms of CPU on one (endpoint rules, events, signing,
parsing): 64 threads then read ~280 objects a second whatever the network allows. botocore's
`generate_presigned_url` still resolves the endpoint for each key (~0.4 ms), and urllib3 re-encodes
the URL and wraps the response (~1 ms more). Here the endpoint is resolved once per bucket: botocore
presigns a probe key, and the URL of any other key is that base plus the key as botocore quotes it,
signed by botocore's S3SigV4QueryAuth (~0.19 ms). The probe checks itself: the URL made here for it
must equal botocore's, byte for byte, or the store keeps calling botocore for every key.
Figures (bench/ingest.py, 2 cores, side by side): 1.0 ms of client CPU a GET, against 1.9-2.3 ms
through botocore's presigner and urllib3.
"""

from __future__ import annotations

import http.client
import ssl
import threading
from functools import lru_cache
from urllib.parse import parse_qs, quote, urlsplit

from botocore.auth import S3SigV4QueryAuth
from botocore.awsrequest import AWSRequest

_EXPIRES_S = 300  # the URL is used at once; a short life bounds it should it ever leak
_PROBE_KEY = "ground-control/probe ~é:+&=.json"  # characters botocore must quote, or must not
_SIGNED = {"X-Amz-Algorithm": ["AWS4-HMAC-SHA256"], "X-Amz-SignedHeaders": ["host"]}


@lru_cache(maxsize=4)
def tls_context(ca_bundle: str) -> ssl.SSLContext:
    """Certificates checked against this bundle, host names too (as urllib3 and botocore do)."""
    return ssl.create_default_context(cafile=ca_bundle)


class Signer:
    """Signed GET URLs for one bucket: botocore's endpoint once, its SigV4 query signer per key."""

    def __init__(self, presigner, bucket: str, credentials):
        self._presigner, self._bucket, self._credentials = presigner, bucket, credentials
        self._lock = threading.Lock()
        self._probed = False
        self._parts: tuple[str, str] | None = None  # (base, region), when the probe agreed with botocore

    def url_of(self, key: str) -> str:
        if not self._probed:
            with self._lock:
                if not self._probed:
                    self._parts = self._probe()
                    self._probed = True
        if self._parts is None:
            return self._botocore_url(key)
        return self._signed(*self._parts, key)

    def _signed(self, base: str, region: str, key: str) -> str:
        request = AWSRequest(method="GET", url=base + quote(key, safe="/~"))
        S3SigV4QueryAuth(self._credentials.get_frozen_credentials(), "s3", region, expires=_EXPIRES_S).add_auth(request)
        return request.prepare().url

    def _botocore_url(self, key: str) -> str:
        return self._presigner.generate_presigned_url(
            "get_object", Params={"Bucket": self._bucket, "Key": key}, ExpiresIn=_EXPIRES_S)

    def _probe(self) -> tuple[str, str] | None:
        """botocore's URL for the probe key taken apart, if the parts make that URL again. Two tries:
        both URLs carry the time to the second, and a second may turn between them."""
        if self._credentials is None:
            return None
        for _ in range(2):
            expected = self._botocore_url(_PROBE_KEY)
            address, _, query = expected.partition("?")
            fields, quoted = parse_qs(query), quote(_PROBE_KEY, safe="/~")
            if not address.endswith(quoted) or any(fields.get(k) != v for k, v in _SIGNED.items()):
                return None  # another signer (SigV2, S3 Express sessions) or another quoting: botocore per key
            parts = address[: -len(quoted)], fields["X-Amz-Credential"][0].split("/")[2]
            if self._signed(*parts, _PROBE_KEY) == expected:
                return parts
        return None


class Connections:
    """Idle keep-alive connections to one endpoint: a thread takes one for a GET and gives it back."""

    def __init__(self, scheme: str, host: str, port: int | None, timeout: float, tls: ssl.SSLContext | None):
        self._scheme, self._host, self._port, self._timeout, self._tls = scheme, host, port, timeout, tls
        self._idle: list[http.client.HTTPConnection] = []
        self._lock = threading.Lock()

    def get(self, target: str) -> tuple[int, bytes]:
        """(status, body) of GET `target` (path and query). A kept connection the server has closed
        meanwhile (S3 closes idle ones) fails: reset, broken pipe, TLS EOF, no status line. That GET
        is sent once more on a new connection, so a burst of them after a pause is no failure."""
        with self._lock:
            conn = self._idle.pop() if self._idle else None
        if conn is not None:
            try:
                return self._send(conn, target)
            except TimeoutError:
                raise  # the server is slow, not gone: a second wait would double it
            except (OSError, http.client.HTTPException):
                pass
        return self._send(self._new(), target)

    def _send(self, conn: http.client.HTTPConnection, target: str) -> tuple[int, bytes]:
        try:
            conn.request("GET", target)
            response = conn.getresponse()
            body = response.read()  # the whole body, errors too: the connection is then free again
        except BaseException:
            conn.close()
            raise
        if not response.will_close:
            with self._lock:
                self._idle.append(conn)
        return response.status, body

    def _new(self) -> http.client.HTTPConnection:
        if self._scheme == "https":
            return http.client.HTTPSConnection(self._host, self._port, timeout=self._timeout, context=self._tls)
        return http.client.HTTPConnection(self._host, self._port, timeout=self._timeout)


@lru_cache(maxsize=32)
def connections_to(scheme: str, host: str, port: int | None, timeout: float, tls: ssl.SSLContext | None) -> Connections:
    """The kept connections to one endpoint, shared by every store that reads from it (a page's
    refresh may open a new store: it need not open new connections)."""
    return Connections(scheme, host, port, timeout, tls)


class DirectGets:
    """GET an object of one bucket by a signed URL on a kept connection: (status, bytes)."""

    def __init__(self, signer: Signer, timeout: float, tls: ssl.SSLContext | None):
        self.signer, self._timeout, self._tls = signer, timeout, tls

    def get(self, key: str) -> tuple[int, bytes]:
        url = urlsplit(self.signer.url_of(key))
        connections = connections_to(url.scheme, url.hostname or "", url.port, self._timeout, self._tls)
        return connections.get(f"{url.path}?{url.query}")
