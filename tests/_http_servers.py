"""Real HTTP/1.1 servers on 127.0.0.1 for the network tests; no other address is ever used.

A :class:`LoopbackServer` runs ``http.server`` in a thread and answers every request with
what its handler returns (a :class:`Reply`). It records the requests and counts the TCP
connections it accepted, so a test can prove that a refused URL opened none. Every reply
closes its connection; leaving the ``with`` block stops the server, wakes any reply that is
still waiting or streaming, and joins every thread it started.
"""

from __future__ import annotations

import contextlib
import json
import socket
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any

__all__ = ["LoopbackServer", "Reply", "Request", "closed_port", "json_reply", "stream_zeros"]

Body = bytes | Callable[[threading.Event], Iterable[bytes]]


@dataclass(frozen=True)
class Request:
    """One request as the server saw it; header names in lower case."""

    method: str
    path: str
    headers: Mapping[str, str]
    body: bytes


@dataclass(frozen=True)
class Reply:
    """What to answer. A callable body is streamed (chunked unless a Content-Length is set)
    and gets the server's stop event; ``delay`` waits before anything is sent."""

    status: int = 200
    body: Body = b""
    headers: Mapping[str, str] = field(default_factory=dict)
    content_type: str | None = "application/json"
    delay: float = 0.0


def json_reply(
    value: Any, status: int = 200, content_type: str = "application/json", **headers: str
) -> Reply:
    """A reply whose body is ``value`` as JSON."""
    return Reply(status, json.dumps(value).encode("utf-8"), headers, content_type)


def stream_zeros(total: int, chunk: int = 65536) -> Callable[[threading.Event], Iterator[bytes]]:
    """A body of ``total`` zero bytes made lazily, one chunk at a time (nothing allocated)."""
    block = bytes(chunk)

    def body(stop: threading.Event) -> Iterator[bytes]:
        sent = 0
        while sent < total and not stop.is_set():
            size = min(chunk, total - sent)
            yield block if size == chunk else block[:size]
            sent += size

    return body


class _Server(ThreadingHTTPServer):
    daemon_threads = False  # joined by server_close()
    block_on_close = True

    def __init__(self, owner: LoopbackServer) -> None:
        self.owner = owner
        super().__init__(("127.0.0.1", 0), _Handler)

    def verify_request(self, request: Any, client_address: Any) -> bool:
        with self.owner.lock:
            self.owner.connections += 1
        return True

    def handle_error(self, request: Any, client_address: Any) -> None:
        pass  # a client that hung up mid-reply is expected in these tests


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    timeout = 10  # a connection that never sends a request cannot hold the server forever
    server: _Server

    def do_GET(self) -> None:
        self._serve()

    def do_POST(self) -> None:
        self._serve()

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def _serve(self) -> None:
        owner = self.server.owner
        self.close_connection = True
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        request = Request(
            self.command, self.path, {k.lower(): v for k, v in self.headers.items()}, body
        )
        with owner.lock:
            owner.requests.append(request)
        reply = owner.handler(request)
        if reply.delay and owner.stop.wait(reply.delay):
            return  # the test is over; the client has gone
        # A client that stops reading (as one refusing a large body does) breaks the pipe.
        with contextlib.suppress(BrokenPipeError, ConnectionResetError, ConnectionAbortedError):
            self._send(reply, owner.stop)

    def _send(self, reply: Reply, stop: threading.Event) -> None:
        self.send_response(reply.status)
        if reply.content_type is not None:
            self.send_header("Content-Type", reply.content_type)
        for name, value in reply.headers.items():
            self.send_header(name, value)
        self.send_header("Connection", "close")
        if isinstance(reply.body, bytes):
            self.send_header("Content-Length", str(len(reply.body)))
            self.end_headers()
            self.wfile.write(reply.body)
            return
        chunked = not any(name.lower() == "content-length" for name in reply.headers)
        if chunked:
            self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        for part in reply.body(stop):
            if chunked:
                self.wfile.write(b"%x\r\n%s\r\n" % (len(part), part))
            else:
                self.wfile.write(part)
            self.wfile.flush()
        if chunked:
            self.wfile.write(b"0\r\n\r\n")


class LoopbackServer:
    """An HTTP server on 127.0.0.1 answering with ``handler(request)``; use it with ``with``."""

    def __init__(self, handler: Callable[[Request], Reply]) -> None:
        self.handler = handler
        self.requests: list[Request] = []
        self.connections = 0
        self.lock = threading.Lock()
        self.stop = threading.Event()
        self._server = _Server(self)
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.01}
        )

    @property
    def port(self) -> int:
        return int(self._server.server_address[1])

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def paths(self) -> list[str]:
        with self.lock:
            return [request.path for request in self.requests]

    def __enter__(self) -> LoopbackServer:
        self._thread.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop.set()
        self._server.shutdown()
        self._server.server_close()  # joins the request threads
        self._thread.join(timeout=10)


def closed_port() -> int:
    """A port on 127.0.0.1 that nothing listens on (it was bound, then released)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port
