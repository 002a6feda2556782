"""Kept connections for direct S3 GETs (core.storage.direct_get.Connections), against a real HTTP/1.1
server on 127.0.0.1 that keeps connections open, as S3 does, and closes them when told to."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from core.storage.direct_get import Connections


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive

    def log_message(self, format, *args):
        pass

    def setup(self):
        super().setup()
        self.server.opened += 1

    def do_GET(self):
        status, body = (200, self.path.encode()) if self.path.startswith("/ok") else (404, b"<Error>NoSuchKey</Error>")
        self.send_response(status)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


@pytest.fixture
def server() -> Iterator[ThreadingHTTPServer]:
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    httpd.daemon_threads, httpd.opened = True, 0
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield httpd
    httpd.shutdown()
    httpd.server_close()


def _connections(server) -> Connections:
    return Connections("http", "127.0.0.1", server.server_address[1], 5, None)


def test_gets_share_one_kept_connection_errors_included(server):
    connections = _connections(server)
    assert connections.get("/ok/1?X-Amz-Signature=a") == (200, b"/ok/1?X-Amz-Signature=a")
    assert connections.get("/missing?x=1") == (404, b"<Error>NoSuchKey</Error>")  # read whole: reusable
    assert connections.get("/ok/2") == (200, b"/ok/2")
    assert server.opened == 1 and len(connections._idle) == 1


def test_a_connection_the_server_closed_is_replaced_and_the_get_sent_again(server):
    connections = _connections(server)
    assert connections.get("/ok/1") == (200, b"/ok/1")
    (kept,) = connections._idle
    kept.sock.shutdown(socket.SHUT_RDWR)  # as a server does to a connection left idle too long
    assert connections.get("/ok/2") == (200, b"/ok/2")
    assert server.opened == 2 and len(connections._idle) == 1 and connections._idle[0] is not kept


def test_threads_each_take_their_own_connection(server):
    connections, results = _connections(server), []
    barrier = threading.Barrier(4)

    def get(i: int) -> None:
        barrier.wait(timeout=10)
        results.extend(connections.get(f"/ok/{i}/{n}") for n in range(20))

    threads = [threading.Thread(target=get, args=(i,)) for i in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(results) == sorted((200, f"/ok/{i}/{n}".encode()) for i in range(4) for n in range(20))
    assert server.opened <= 4 and len(connections._idle) == server.opened


def test_a_refused_connection_raises(server):
    port = server.server_address[1]
    server.shutdown()
    server.server_close()
    with pytest.raises(ConnectionRefusedError):
        Connections("http", "127.0.0.1", port, 5, None).get("/ok")


def test_a_kept_connection_that_breaks_mid_answer_is_replaced(server):
    """A TLS connection S3 closed shows as an EOF error, not a reset: any failure of a kept
    connection is tried once more on a new one."""
    connections = _connections(server)
    assert connections.get("/ok/1") == (200, b"/ok/1")
    (kept,) = connections._idle
    kept.sock.close()  # the socket object is gone: sending on it raises OSError (bad file descriptor)
    assert connections.get("/ok/2") == (200, b"/ok/2")
    assert server.opened == 2
