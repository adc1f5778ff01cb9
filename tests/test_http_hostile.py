"""Hostile HTTP, security checklist item 62: every network client of bid, and ``bid serve``.

A remote party that answers with too much, too slowly, somewhere else, malformed JSON, the
wrong media type, another DID's document, a 5xx or nothing at all must get a specific
error from ``bid.errors`` (or the specific resolution error code), never ``notFound``, and
nothing may be cached: with a ``CachedResolver`` in front, the next call asks again.

Clients: HC ``HttpClient`` (bid.backends.http, the policy under every client);
UR ``UniversalResolverClient``; BR ``BifResolverClient`` (RFC-005; ``resolve`` and the
raising sub-resources); BN ``BifNodeClient`` (raising) and ``BidMethod(BifRegistry)``
(resolving) over it; SF the status list ``HttpFetcher``; SV ``bid serve`` itself.

Where each case is tested. ``here`` is this file (``matrix`` = the case x client matrix of
``test_raising_clients`` / ``test_resolving_clients``); the others are test_http_policy
(P), test_uniresolver_client (U), test_bif_resolver_client (B), test_bif_registry (R),
test_status (S), test_server (V). ``-`` does not apply (the client has no such surface).

=============================  ==========  ==========  ==========  ==========  ==========
case                           HC          UR          BR          BN          SF
=============================  ==========  ==========  ==========  ==========  ==========
declared oversize              P, matrix   matrix      matrix      matrix      matrix
streamed oversize (chunked)    P, matrix   U, matrix   matrix      matrix      matrix
gzip body past the cap         P, matrix   matrix      matrix      matrix      matrix, here
gzip after "identity" header   matrix      matrix      matrix      matrix      matrix
Transfer-Encoding gzip         matrix      matrix      matrix      matrix      matrix
endless response headers       matrix      matrix      matrix      matrix      matrix
trickled body (total timeout)  P, matrix   matrix      matrix      matrix      matrix
trickled status line/headers   matrix      matrix      matrix      matrix      matrix
endless 1xx answers            here        (HC)        (HC)        (HC)        (HC)
redirect to loopback           P, matrix   U, matrix   matrix      matrix      matrix
redirect to 10.x / 192.168.x   matrix      matrix      matrix,B*h* matrix      matrix
redirect to 169.254.169.254    matrix      matrix      matrix, h*  matrix      matrix
redirect to file: / ftp:       matrix      matrix      matrix, h*  matrix      matrix
redirect loop                  matrix      matrix      matrix      matrix      matrix
JSON duplicate keys            P, matrix   U, matrix   B, matrix   matrix      matrix
JSON NaN                       P, matrix   matrix      matrix      matrix      S, matrix
JSON truncated (text)          P, matrix   matrix      matrix      matrix      matrix
body cut short (transfer)      matrix      matrix      matrix      matrix      matrix
JSON array / string top level  -           matrix      matrix      matrix      S, matrix
JSON nested 200 / 600 deep     matrix      matrix,h    matrix,h    matrix,h    matrix
wrong content type: HTML page  P, matrix   U, matrix   B, matrix   matrix      matrix
wrong type, valid JSON body    -           here        accepted    accepted    accepted
another DID's document         -           U, here     B, here     R, here     here
HTTP 500                       P           U, matrix   B, matrix   matrix      S, matrix
HTTP 503 (retried, then)       P           U, matrix   matrix      R, matrix   matrix
closed port                    P, matrix   U, matrix   B, matrix   R, matrix   matrix
nothing cached, asked again    -           U, matrix   B, matrix   matrix,h    matrix, here
=============================  ==========  ==========  ==========  ==========  ==========

Trickles are checked to end after the total timeout and before one read timeout.
``(HC)``: the shared HTTP layer, tested through HttpClient only. ``B*``: the RFC example
sub-resolver at 192.168.1.23; ``h*``: here, a ``DIDSubResolve`` endpoint read from chain
data that points at 169.254.169.254, 10.x or another scheme (the BIF resolver's own form
of a redirect). "accepted": BR, BN and SF read the body as strict JSON whatever its
``Content-Type`` (the media type of BIF nodes is unconfirmed, and a status list is
signed); a body that is not JSON is refused (the HTML row). For SF, "nothing cached"
means every ``fetch`` and every ``check_status`` asks the server again.

``bid serve`` (SV, a real ``python -m bid serve`` on loopback, its registry a BIF node
behind a hostile proxy): a hostile node is 500 ``INTERNAL_ERROR`` on both route families,
never 404, never cached, with no traceback in the answer or the log (here); oversized
request targets 414 (V, here for ``/bif``); a declared oversized body 413 (V) and a body
without a length 411, both closing a kept-alive connection unread (here); endless request
headers are cut (here); slowloris heads and bodies do not block other clients (here);
malformed DIDs and protocol garbage get 4xx answers without a traceback (V, here).
"""

from __future__ import annotations

import base64
import gzip
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass, field, replace
from datetime import datetime, timezone
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx
import pytest

from _http_servers import LoopbackServer, Reply, Request, closed_port, json_reply, stream_zeros
from bid import Ed25519PrivateKey
from bid.backends.bif_node import BifNodeClient
from bid.backends.bif_registry import BifRegistry
from bid.backends.bif_resolver import BifResolverClient
from bid.backends.http import HttpClient, HttpPolicy
from bid.backends.uniresolver import UniversalResolverClient
from bid.ddo import BID_CONTEXT, BIDDocument
from bid.errors import (
    BidError,
    HttpError,
    HttpTimeout,
    IntegrityError,
    InvalidCredential,
    NotFound,
    RedirectRefused,
    ResolutionError,
    ResourceLimitExceeded,
    ResponseTooLarge,
)
from bid.methods.bid import BidMethod, create_operation, new_document
from bid.methods.key import KeyMethod
from bid.resolver import CachedResolver, ResolutionResult, Resolver
from bid.status import HttpFetcher, StatusList, check_status, status_entry, status_list_credential
from bid.testing import BifTestNode

T0 = datetime(2025, 3, 1, 9, 0, tzinfo=timezone.utc)
NOW = datetime(2025, 6, 1, tzinfo=timezone.utc)
CAP = 1 << 16
POLICY = HttpPolicy(
    allow_private_networks=True,
    connect_timeout=2.0,
    read_timeout=2.0,
    total_timeout=4.0,
    max_response_bytes=CAP,
    retries=2,
    backoff=0.01,
    max_backoff=0.02,
)
# A per-read timeout far above the trickle interval: only the total deadline can end a call.
SLOW = replace(POLICY, read_timeout=1.5, total_timeout=0.25)

KEY = Ed25519PrivateKey.from_seed(bytes(range(32)))
DID_KEY = KEY.did_key
OTHER_DID_KEY = Ed25519PrivateKey.from_seed(bytes(32)).did_key
BID = str(Ed25519PrivateKey.from_seed(bytes([7]) * 32).bid())
OTHER_BID = str(Ed25519PrivateKey.from_seed(bytes([8]) * 32).bid())
GZIP_BOMB = gzip.compress(bytes(8 * CAP))  # ~0.5 KB on the wire, 8 times the cap inflated
NOT_FOLLOWED = "redirects are not followed"
TRACEBACK_MARKS = ("Traceback", 'File "', "RecursionError", '.py", line')


def _deep(depth: int) -> bytes:
    return b"[" * depth + b"]" * depth


def _no_traceback(text: str | bytes) -> None:
    data = text.decode("utf-8", "replace") if isinstance(text, bytes) else text
    for mark in TRACEBACK_MARKS:
        assert mark not in data, data[:500]


# -- a server speaking raw bytes, for what http.server cannot send ------------------------------


Script = Callable[[socket.socket, threading.Event], None]


class RawServer:
    """A TCP server on 127.0.0.1: reads each request's head, then runs ``script`` on the
    socket. Counts connections; leaving the ``with`` block stops and joins everything."""

    def __init__(self, script: Script) -> None:
        self._script = script
        self.connections = 0
        self.stop = threading.Event()
        self._lock = threading.Lock()
        self._listener = socket.create_server(("127.0.0.1", 0))
        self._listener.settimeout(0.02)
        self._threads: list[threading.Thread] = []
        self._acceptor = threading.Thread(target=self._accept)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._listener.getsockname()[1]}"

    def __enter__(self) -> RawServer:
        self._acceptor.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop.set()
        self._acceptor.join(10)
        for thread in self._threads:
            thread.join(10)
        self._listener.close()

    def _accept(self) -> None:
        while not self.stop.is_set():
            try:
                conn, _ = self._listener.accept()
            except TimeoutError:
                continue
            with self._lock:
                self.connections += 1
            thread = threading.Thread(target=self._serve, args=(conn,))
            self._threads.append(thread)
            thread.start()

    def _serve(self, conn: socket.socket) -> None:
        with conn:
            conn.settimeout(5)
            try:
                head = b""
                while b"\r\n\r\n" not in head:
                    chunk = conn.recv(65536)
                    if not chunk:
                        return
                    head += chunk
                self._script(conn, self.stop)
            except OSError:
                pass  # the client hung up: expected when it refuses what it is sent


def trickled_head(conn: socket.socket, stop: threading.Event) -> None:
    """The status line and headers, one byte every 20 ms: no read ever waits long."""
    for byte in b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nX-Slow: " + b"a" * 500:
        if stop.wait(0.02):
            return
        conn.sendall(bytes([byte]))


def endless_head(conn: socket.socket, stop: threading.Event) -> None:
    """A status line, then header lines for ever (until the client gives up)."""
    conn.sendall(b"HTTP/1.1 200 OK\r\n")
    line = b"X-Padding: " + b"a" * 1000 + b"\r\n"
    for _ in range(100_000):
        if stop.is_set():
            return
        conn.sendall(line)


def gzip_transfer(conn: socket.socket, stop: threading.Event) -> None:
    """A gzip transfer coding around a bomb (HTTP/1.1 clients only need chunked)."""
    chunk = b"%x\r\n%s\r\n" % (len(GZIP_BOMB), GZIP_BOMB)
    conn.sendall(
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\n\r\n" + chunk + b"0\r\n\r\n"
    )


def endless_informational(conn: socket.socket, stop: threading.Event) -> None:
    """``100 Continue`` answers for ever, each complete and quick: no final answer."""
    while not stop.wait(0.005):
        conn.sendall(b"HTTP/1.1 100 Continue\r\n\r\n")


def drip(stop: threading.Event) -> Iterator[bytes]:
    """A JSON body one space every 20 ms, for ever (a read never waits long)."""
    yield b"{"
    while not stop.wait(0.02):
        yield b" "


def cut_short(stop: threading.Event) -> Iterator[bytes]:
    yield b'{"errorCode": 0, "data": {'  # then the connection closes, short of 100 bytes


# -- the hostile servers, the clients, and what each must say ------------------------------------


@dataclass(frozen=True)
class Hostile:
    """A running hostile server: its URL, its connection count, and servers that must
    never see a connection (the targets of redirects)."""

    url: str
    connections: Callable[[], int]
    bystanders: Sequence[LoopbackServer] = ()


@contextmanager
def answering(reply: Reply | Callable[[Request], Reply]) -> Iterator[Hostile]:
    handler = reply if not isinstance(reply, Reply) else (lambda request: reply)
    with LoopbackServer(handler) as server:
        yield Hostile(server.url, lambda: server.connections)


@contextmanager
def raw(script: Script) -> Iterator[Hostile]:
    with RawServer(script) as server:
        yield Hostile(server.url, lambda: server.connections)


@contextmanager
def nothing_listening() -> Iterator[Hostile]:
    yield Hostile(f"http://127.0.0.1:{closed_port()}", lambda: 0)


@contextmanager
def redirecting_to_loopback() -> Iterator[Hostile]:
    with LoopbackServer(lambda request: json_reply({"errorCode": 0})) as target:
        reply = Reply(307, b"", {"Location": target.url + "/admin"}, content_type=None)
        with LoopbackServer(lambda request: reply) as server:
            yield Hostile(server.url, lambda: server.connections, (target,))


def redirect(status: int, location: str) -> Callable[[], AbstractContextManager[Hostile]]:
    return lambda: answering(Reply(status, b"", {"Location": location}, content_type=None))


def redirect_loop() -> AbstractContextManager[Hostile]:
    # Location is the URL that was asked for: a client that followed it would never stop.
    return answering(lambda request: Reply(302, b"", {"Location": request.path}, None))


@dataclass(frozen=True)
class Expect:
    """What a client must report: ``error`` (exactly this class) from a raising client;
    ``code`` in the result of a resolving one; ``marker`` in the message or detail;
    ``per_call`` connections to the hostile server per call (None: not counted)."""

    error: type[BidError]
    marker: str
    code: str = "internalError"
    per_call: int | None = 1


@dataclass(frozen=True)
class Case:
    serve: Callable[[], AbstractContextManager[Hostile]]
    expect: Expect
    #: per client: another expectation, or None where the case does not apply
    overrides: Mapping[str, Expect | None] = field(default_factory=dict)
    policy: HttpPolicy = POLICY


def _answer(body: bytes, content_type: str | None = "application/json", **headers: str) -> Reply:
    return Reply(200, body, headers, content_type)


_TRUNCATED = b'{"errorCode": 0, "data": {"didDocument": {"id": "did:bid:ef'
_NOT_AN_OBJECT = Expect(HttpError, "JSON object")
_SHAPE = {"http": None, "status": Expect(ResolutionError, "JSON object")}
_STATUS_5XX = {"http": None}

CASES: dict[str, Case] = {
    "declared-oversize": Case(
        lambda: answering(Reply(200, stream_zeros(8 << 20), {"Content-Length": str(8 << 20)})),
        Expect(ResponseTooLarge, "announced 8388608 bytes"),
    ),
    "streamed-oversize": Case(
        lambda: answering(Reply(200, stream_zeros(8 << 20))),
        Expect(ResponseTooLarge, f"larger than the limit of {CAP} bytes"),
    ),
    "gzip-bomb": Case(
        lambda: answering(_answer(GZIP_BOMB, **{"Content-Encoding": "gzip"})),
        Expect(HttpError, "Content-Encoding 'gzip'"),
    ),
    "gzip-after-identity": Case(
        # Two headers: the first says identity, the second gzip; httpx would decode both.
        lambda: answering(
            _answer(GZIP_BOMB, **{"Content-Encoding": "identity", "content-encoding": "gzip"})
        ),
        Expect(HttpError, "Content-Encoding 'gzip'"),
    ),
    "gzip-transfer": Case(lambda: raw(gzip_transfer), Expect(HttpError, "Transfer-Encoding")),
    "endless-headers": Case(lambda: raw(endless_head), Expect(HttpError, "failed")),
    "trickled-body": Case(
        lambda: answering(Reply(200, drip)), Expect(HttpTimeout, "total timeout"), policy=SLOW
    ),
    "trickled-head": Case(
        lambda: raw(trickled_head), Expect(HttpTimeout, "total timeout"), policy=SLOW
    ),
    "redirect-loopback": Case(redirecting_to_loopback, Expect(RedirectRefused, NOT_FOLLOWED)),
    "redirect-private": Case(
        redirect(301, "http://10.0.0.1/1.0/identifiers"), Expect(RedirectRefused, "10.0.0.1")
    ),
    "redirect-metadata": Case(
        redirect(302, "http://169.254.169.254/latest/meta-data/iam/security-credentials/"),
        Expect(RedirectRefused, "169.254.169.254"),
    ),
    "redirect-file": Case(redirect(308, "file:///etc/passwd"), Expect(RedirectRefused, "file:")),
    "redirect-ftp": Case(redirect(303, "ftp://127.0.0.1/pub"), Expect(RedirectRefused, "ftp:")),
    "redirect-loop": Case(redirect_loop, Expect(RedirectRefused, NOT_FOLLOWED)),
    "json-duplicate-keys": Case(
        lambda: answering(_answer(b'{"errorCode": 0, "errorCode": 6, "error_code": 0}')),
        Expect(HttpError, "appears twice"),
    ),
    "json-nan": Case(
        lambda: answering(_answer(b'{"errorCode": NaN, "error_code": NaN}')),
        Expect(HttpError, "not a JSON number"),
    ),
    "json-truncated": Case(
        lambda: answering(_answer(_TRUNCATED)), Expect(HttpError, "not valid JSON")
    ),
    "body-cut-short": Case(
        lambda: answering(Reply(200, cut_short, {"Content-Length": "100"})),
        Expect(HttpError, "failed"),
    ),
    "json-array": Case(
        lambda: answering(_answer(b'[{"errorCode": 0, "error_code": 0}]')),
        _NOT_AN_OBJECT,
        _SHAPE,
    ),
    "json-string": Case(
        lambda: answering(_answer(json.dumps(BID).encode())), _NOT_AN_OBJECT, _SHAPE
    ),
    "json-deep": Case(
        # 80 levels: past the HTTP layer's 64, within the strict parser's 100.
        lambda: answering(_answer(b'{"errorCode": 0, "error_code": 0, "x": ' + _deep(80) + b"}")),
        Expect(HttpError, "more than 64 levels deep"),
    ),
    "html-page": Case(
        lambda: answering(_answer(b"<html><body>Bad gateway</body></html>", "text/html")),
        Expect(HttpError, "not valid JSON"),
        {"uniresolver": Expect(HttpError, "text/html")},
    ),
    "status-500": Case(
        lambda: answering(json_reply({"errorCode": 2, "error_code": 1}, 500)),
        Expect(HttpError, "HTTP 500"),
        {
            **_STATUS_5XX,
            "uniresolver": Expect(HttpError, "500"),
            "status": Expect(ResolutionError, "500"),
        },
    ),
    "status-503": Case(
        lambda: answering(Reply(503, b"", content_type=None)),
        Expect(HttpError, "HTTP 503", per_call=3),
        {
            **_STATUS_5XX,
            "uniresolver": Expect(HttpError, "503", per_call=3),
            "status": Expect(ResolutionError, "503", per_call=3),
        },
    ),
    "closed-port": Case(nothing_listening, Expect(HttpError, "cannot connect", per_call=None)),
}


def _via_http_client(base: str, policy: HttpPolicy) -> object:
    with HttpClient(policy) as client:
        return client.get(base + "/1.0/identifiers/" + DID_KEY).json()


def _via_bif_resolver_resource(base: str, policy: HttpPolicy) -> object:
    with BifResolverClient(base, policy=policy) as client:
        return client.public_keys(BID)


def _via_bif_node(base: str, policy: HttpPolicy) -> object:
    with BifNodeClient(base, policy=policy) as client:
        return client.account(BID)


def _via_status_fetcher(base: str, policy: HttpPolicy) -> object:
    with HttpFetcher(policy) as fetcher:
        return fetcher.fetch(base + "/status/1")


#: Clients whose failures raise.
RAISING: dict[str, Callable[[str, HttpPolicy], object]] = {
    "http": _via_http_client,
    "bif-resolver-resource": _via_bif_resolver_resource,
    "bif-node": _via_bif_node,
    "status": _via_status_fetcher,
}


@contextmanager
def _uniresolver(base: str, policy: HttpPolicy) -> Iterator[tuple[Resolver, str]]:
    with UniversalResolverClient(base, policy=policy) as client:
        yield client, DID_KEY


@contextmanager
def _bif_resolver(base: str, policy: HttpPolicy) -> Iterator[tuple[Resolver, str]]:
    with BifResolverClient(base, policy=policy) as client:
        yield client, BID


@contextmanager
def _bif_registry(base: str, policy: HttpPolicy) -> Iterator[tuple[Resolver, str]]:
    with BifRegistry(base, policy=policy) as registry:
        yield BidMethod(registry), BID


#: Clients whose failures come back as resolution results.
RESOLVING: dict[str, Callable[[str, HttpPolicy], AbstractContextManager[tuple[Resolver, str]]]] = {
    "uniresolver": _uniresolver,
    "bif-resolver": _bif_resolver,
    "bif-registry": _bif_registry,
}


def _expectation(case: Case, client: str) -> Expect | None:
    return case.overrides.get(client, case.expect)


def _matrix(clients: Mapping[str, object]) -> list[Any]:
    return [
        pytest.param(name, client, expect, id=f"{name}-{client}")
        for name, case in CASES.items()
        for client in clients
        if (expect := _expectation(case, client)) is not None
    ]


def _detail(result: ResolutionResult) -> str:
    error = result.did_resolution_metadata.get("error")
    assert isinstance(error, Mapping), result
    return str(error.get("detail", ""))


def _check_elapsed(case: Case, elapsed: float) -> None:
    """A trickle ends by the total deadline: after it, and well before one read timeout."""
    if case.policy is SLOW:
        assert SLOW.total_timeout * 0.95 <= elapsed < SLOW.read_timeout, elapsed


@pytest.mark.parametrize(("name", "client", "expect"), _matrix(RAISING))
def test_raising_clients(name: str, client: str, expect: Expect) -> None:
    case = CASES[name]
    call = RAISING[client]
    with case.serve() as hostile:
        for attempt in (1, 2):  # nothing remembered: the second call asks again
            started = time.monotonic()
            with pytest.raises(expect.error) as caught:
                call(hostile.url, case.policy)
            _check_elapsed(case, time.monotonic() - started)
            assert type(caught.value) is expect.error, caught.value
            assert expect.marker in caught.value.message
            assert not isinstance(caught.value, NotFound)
            if expect.per_call is not None:
                assert hostile.connections() == attempt * expect.per_call
        for bystander in hostile.bystanders:
            assert bystander.connections == 0


@pytest.mark.parametrize(("name", "client", "expect"), _matrix(RESOLVING))
def test_resolving_clients(name: str, client: str, expect: Expect) -> None:
    case = CASES[name]
    with case.serve() as hostile, RESOLVING[client](hostile.url, case.policy) as (inner, did):
        cache = CachedResolver(inner)
        for attempt in (1, 2):
            started = time.monotonic()
            result = cache.resolve(did)
            _check_elapsed(case, time.monotonic() - started)
            assert result.did_document is None
            assert result.error == expect.code
            assert expect.marker in _detail(result)
            with pytest.raises(ResolutionError) as caught:
                result.raise_for_error()
            assert not isinstance(caught.value, NotFound)
            assert len(cache) == 0
            if expect.per_call is not None:
                assert hostile.connections() == attempt * expect.per_call
        for bystander in hostile.bystanders:
            assert bystander.connections == 0


def test_endless_informational_answers_end_at_the_total_timeout() -> None:
    with raw(endless_informational) as hostile, HttpClient(SLOW) as client:
        started = time.monotonic()
        with pytest.raises(HttpTimeout, match="total timeout"):
            client.get(hostile.url + "/")
        assert time.monotonic() - started < SLOW.read_timeout


# -- JSON nested where the clients walk it recursively (it raised RecursionError) ----------------


def _ur_result(depth: int) -> bytes:
    document = {"@context": "https://www.w3.org/ns/did/v1", "id": DID_KEY, "x": "DEEP"}
    body = {"didDocument": document, "didResolutionMetadata": {}, "didDocumentMetadata": {}}
    return json.dumps(body).encode().replace(b'"DEEP"', _deep(depth))


def _envelope(depth: int) -> bytes:
    return b'{"errorCode": 0, "message": "success", "data": {"id": "%s", "x": %s}}' % (
        BID.encode(),
        _deep(depth),
    )


def _node_answer(depth: int) -> bytes:
    return b'{"error_code": 0, "error_desc": "", "result": {"nonce": 1, "x": %s}}' % _deep(depth)


@pytest.mark.parametrize("depth", [65, 600])
def test_deeply_nested_answers_are_refused_where_they_used_to_crash(depth: int) -> None:
    # 600 levels parse (Python's json takes nearly 1,000) but the recursive copies made
    # after parsing overflowed the stack: RecursionError escaped resolve(), public_keys()
    # and account(). The HTTP layer now refuses more than 64 levels for every client (65),
    # and the strict parser beneath it more than 100 for every input (600).
    with (
        LoopbackServer(lambda request: _answer(_ur_result(depth))) as server,
        UniversalResolverClient(server.url, policy=POLICY) as resolver,
    ):
        result = resolver.resolve(DID_KEY)
        assert result.error == "internalError"
        assert "levels deep" in _detail(result)
    with (
        LoopbackServer(lambda request: _answer(_envelope(depth))) as server,
        BifResolverClient(server.url, policy=POLICY) as bif,
        pytest.raises(HttpError, match="levels deep"),
    ):
        bif.public_keys(BID)
    with (
        LoopbackServer(lambda request: _answer(_node_answer(depth))) as server,
        BifNodeClient(server.url, policy=POLICY) as node,
        BifRegistry(server.url, policy=POLICY) as registry,
    ):
        with pytest.raises(HttpError, match="levels deep"):
            node.account(BID)
        assert BidMethod(registry).resolve(BID).error == "internalError"


def test_sixty_four_levels_are_still_read() -> None:
    # The envelope and its result are two levels: 62 more make 64, one more is refused.
    answers = {"/getAccount?address=" + quote(BID, safe=""): 62}

    def answer(request: Request) -> Reply:
        return _answer(_node_answer(answers.get(request.path, 63)))

    with LoopbackServer(answer) as server, BifNodeClient(server.url, policy=POLICY) as node:
        account = node.account(BID)
        assert account is not None
        assert account.nonce == 1
        with pytest.raises(HttpError, match="more than 64 levels"):
            node.account(OTHER_BID)


# -- the media type ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "content_type", ["text/html", "text/plain", "application/octet-stream", "image/png"]
)
def test_a_resolution_result_in_another_media_type_is_refused(content_type: str) -> None:
    # The Universal Resolver contract is decided by the media type: a valid result labelled
    # as something else is not read as one.
    document = KeyMethod().resolve(DID_KEY).raise_for_error().to_json()
    body = {"didDocument": document, "didResolutionMetadata": {}, "didDocumentMetadata": {}}
    reply = json_reply(body, content_type=content_type)
    with (
        LoopbackServer(lambda request: reply) as server,
        UniversalResolverClient(server.url, policy=POLICY) as client,
    ):
        cache = CachedResolver(client)
        for attempt in (1, 2):
            result = cache.resolve(DID_KEY)
            assert result.error == "internalError"
            assert "answered 200" in _detail(result)
            assert len(cache) == 0
            assert server.connections == attempt
    with (
        LoopbackServer(lambda request: json_reply(body)) as server,  # the control
        UniversalResolverClient(server.url, policy=POLICY) as client,
    ):
        assert client.resolve(DID_KEY).error is None


# -- answers about another DID ---------------------------------------------------------------


def _did_document(did: str) -> dict[str, Any]:
    return {"@context": "https://www.w3.org/ns/did/v1", "id": did}


def _result(document: object, **document_metadata: object) -> dict[str, Any]:
    return {
        "didDocument": document,
        "didResolutionMetadata": {},
        "didDocumentMetadata": document_metadata,
    }


@pytest.mark.parametrize(
    "reply",
    [
        json_reply(
            _result(_did_document(OTHER_DID_KEY)), content_type="application/did-resolution"
        ),
        json_reply(_did_document(OTHER_DID_KEY), content_type="application/did+json"),
        json_reply(
            _result(_did_document(OTHER_DID_KEY), deactivated=True),
            410,
            content_type="application/did-resolution",
        ),
        json_reply(_result(_did_document(DID_KEY.upper().replace("DID:KEY:", "did:key:")))),
        json_reply(_result(_did_document(DID_KEY + "#key-1"))),
    ],
    ids=["result", "bare-document", "deactivated", "id-case-changed", "id-with-fragment"],
)
def test_the_universal_resolver_answering_about_another_did(reply: Reply) -> None:
    with (
        LoopbackServer(lambda request: reply) as server,
        UniversalResolverClient(server.url, policy=POLICY) as client,
    ):
        cache = CachedResolver(client)
        for attempt in (1, 2):
            result = cache.resolve(DID_KEY)
            assert result.error == "invalidDidDocument"
            assert result.did_document is None
            assert not result.deactivated
            assert len(cache) == 0
            assert server.connections == attempt


def _bid_document(n: int) -> dict[str, Any]:
    return new_document(Ed25519PrivateKey.from_seed(bytes([n]) * 32), now=T0).to_json()


def _ok(data: Mapping[str, Any]) -> Reply:
    return json_reply({"errorCode": 0, "message": "success", "data": data})


def test_the_bif_resolver_answering_about_another_bid() -> None:
    other = _bid_document(8)
    assert other["id"] == OTHER_BID

    def answer(request: Request) -> Reply:
        if request.path.endswith("/public-keys"):
            keys = {"version": "1.0.0", "id": OTHER_BID, "publicKey": other["publicKey"]}
            return _ok(keys)
        return _ok({"didDocument": other})

    with LoopbackServer(answer) as server, BifResolverClient(server.url, policy=POLICY) as client:
        cache = CachedResolver(client)
        for attempt in (1, 2):
            result = cache.resolve(BID)
            assert result.error == "invalidDidDocument"
            assert OTHER_BID in _detail(result)
            assert len(cache) == 0
            assert server.connections == attempt
        with pytest.raises(ResolutionError, match="answered about") as caught:
            client.public_keys(BID)
        assert caught.value.code == "invalidDidDocument"
        assert not isinstance(caught.value, NotFound)


def _sub_resolver_document(ac: str, endpoint: str, protocol: int | None) -> dict[str, Any]:
    did = f"did:bid:{ac}"
    key = Ed25519PrivateKey.from_seed(bytes([90]) * 32)
    service: dict[str, Any] = {
        "id": f"{did}#subResolve",
        "type": "DIDSubResolve",
        "serviceEndpoint": endpoint,
    }
    if protocol is not None:
        service["protocol"] = protocol
    data: dict[str, Any] = {
        "@context": [BID_CONTEXT],
        "version": "1.0.0",
        "id": did,
        "publicKey": [
            {
                "id": f"{did}#key-1",
                "type": "Ed25519",
                "controller": did,
                "publicKeyHex": key.public_key.to_bif(),
            }
        ],
        "authentication": [f"{did}#key-1"],
        "extension": {"ttl": 86400, "type": 206},
        "service": [service],
        "created": "2021-05-10T06:23:38Z",
        "updated": "2021-05-10T06:23:38Z",
    }
    return BIDDocument.from_json(data).to_json()


@pytest.mark.parametrize(
    ("endpoint", "protocol", "reason"),
    [
        ("169.254.169.254", 2, "link-local"),
        ("http://169.254.169.254/latest/meta-data", None, "link-local"),
        ("10.1.2.3", 3, "private"),
        ("file:///etc/passwd", None, "file: URLs"),
        ("ftp://resolver.example/", None, "ftp: URLs"),
        ("gopher://127.0.0.1:70/", 2, "protocol 2 (http) with a gopher URL"),
    ],
)
def test_a_sub_chain_resolver_pointing_elsewhere_is_refused(
    endpoint: str, protocol: int | None, reason: str
) -> None:
    # Chain data names where sub-chain ab12 is resolved: the BIF form of a redirect. The
    # default sub-resolver policy refuses private addresses even though the main resolver
    # (the operator's choice, on loopback here) is allowed.
    ac_document = _sub_resolver_document("ab12", endpoint, protocol)
    sub_bid = str(Ed25519PrivateKey.from_seed(bytes([9]) * 32).bid("ab12"))
    with (
        LoopbackServer(lambda request: _ok({"didDocument": ac_document})) as server,
        BifResolverClient(server.url, policy=POLICY) as client,
    ):
        cache = CachedResolver(client)
        for attempt in (1, 2):
            result = cache.resolve(sub_bid)
            assert result.error == "internalError"
            assert reason in _detail(result)
            assert len(cache) == 0
            assert server.paths == ["/did:bid:ab12"] * attempt


@dataclass
class Chain:
    """A BifTestNode holding three DIDs, and a proxy in front of it that can lie."""

    node: BifTestNode
    proxy: LoopbackServer
    alice: str
    bob: str
    carol: str
    mode: dict[str, Any]


def _encoded(did: str) -> str:
    return quote(did, safe="")


def _proxy(
    node: BifTestNode, forward: httpx.Client, alice: str, bob: str, mode: dict[str, Any]
) -> Callable[[Request], Reply]:
    """Forward to the node; ``mode["lie"]`` swaps Bob's account or document in for Alice's,
    or ``mode["reply"]`` answers every request with a hostile reply."""

    def handle(request: Request) -> Reply:
        hostile = mode.get("reply")
        if isinstance(hostile, Reply):
            return hostile
        path, body = request.path, request.body
        lie = mode.get("lie")
        if lie in ("account", "both") and path.startswith("/getAccount"):
            path = path.replace(_encoded(alice), _encoded(bob)).replace(alice, bob)
        if lie in ("document", "both") and path.startswith("/callContract"):
            body = body.replace(alice.encode(), bob.encode())
        answer = forward.request(
            request.method,
            node.url + path,
            content=body or None,
            headers={"Content-Type": "application/json"},
        )
        return Reply(
            answer.status_code, answer.content, content_type=answer.headers.get("content-type")
        )

    return handle


@pytest.fixture(scope="module")
def chain() -> Iterator[Chain]:
    keys = [Ed25519PrivateKey.from_seed(bytes([n]) * 32) for n in (41, 42, 43)]
    with BifTestNode() as node:
        writer = BifRegistry(node.url, policy=POLICY, account_keys=keys, clock=lambda: T0)
        with writer:
            alice, bob, carol = (
                writer.submit(create_operation(new_document(key, now=T0), key)).did for key in keys
            )
        mode: dict[str, Any] = {}
        with (
            httpx.Client(timeout=10) as forward,
            LoopbackServer(_proxy(node, forward, alice, bob, mode)) as proxy,
        ):
            yield Chain(node, proxy, alice, bob, carol, mode)


@pytest.mark.parametrize(
    ("lie", "reason"),
    [
        ("account", "corrupt at seq 1"),
        ("both", "corrupt at seq 1"),
        ("document", "not the one its operation log ends in"),
    ],
)
def test_a_node_answering_with_another_dids_log_or_document(
    chain: Chain, lie: str, reason: str
) -> None:
    chain.mode.clear()
    chain.mode["lie"] = lie
    try:
        with BifRegistry(chain.proxy.url, policy=POLICY) as registry:
            with pytest.raises(IntegrityError, match=reason):
                registry.read(chain.alice)
            cache = CachedResolver(BidMethod(registry))
            for _ in (1, 2):
                before = len(chain.proxy.requests)
                result = cache.resolve(chain.alice)
                assert result.error == "internalError"
                assert reason in _detail(result)
                assert len(cache) == 0
                assert len(chain.proxy.requests) > before  # asked the node, not a cache
            chain.mode.clear()  # the node behaves again: the next resolve is fresh and right
            good = cache.resolve(chain.alice)
            assert good.error is None
            assert good.did_document is not None
            assert good.did_document.id == chain.alice
    finally:
        chain.mode.clear()


def _list_credential(url: str, *, revoked: Sequence[int] = ()) -> dict[str, Any]:
    bits = StatusList()
    for index in revoked:
        bits.set(index, 1)
    return status_list_credential(
        id=url, issuer=DID_KEY, valid_from="2025-01-01T00:00:00Z", list=bits
    )


def _credential(entry: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "type": ["VerifiableCredential"],
        "issuer": DID_KEY,
        "credentialSubject": {"id": OTHER_DID_KEY},
        "credentialStatus": entry,
    }


def _accept(list_credential: Mapping[str, Any]) -> None:
    """verify_list for these tests: the list's signature is not what they are about."""


def test_a_status_list_published_for_another_url_is_refused_and_fetched_again() -> None:
    with LoopbackServer(
        lambda request: json_reply(_list_credential("https://issuer.example/status/9", revoked=[5]))
    ) as server:
        url = server.url + "/status/1"
        entry = status_entry(url, 5)
        with HttpFetcher(POLICY) as fetcher:
            for attempt in (1, 2):
                with pytest.raises(InvalidCredential) as caught:
                    check_status(_credential(entry), fetcher, verify_list=_accept, now=NOW)
                assert caught.value.code == "STATUS_VERIFICATION_ERROR"
                assert server.paths == ["/status/1"] * attempt


def test_a_status_list_that_inflates_past_its_cap_is_refused() -> None:
    bomb = gzip.compress(bytes(40 << 20))  # ~40 KB on the wire, 40 MiB inflated
    holder: dict[str, str] = {}

    def answer(request: Request) -> Reply:
        listed = _list_credential(holder["url"])
        listed["credentialSubject"]["encodedList"] = "u" + _base64url(bomb)
        return json_reply(listed)

    policy = replace(POLICY, max_response_bytes=1 << 20)
    with LoopbackServer(answer) as server, HttpFetcher(policy) as fetcher:
        holder["url"] = server.url + "/status/1"
        started = time.monotonic()
        with pytest.raises(ResourceLimitExceeded):
            check_status(
                _credential(status_entry(holder["url"], 3)), fetcher, verify_list=_accept, now=NOW
            )
        assert time.monotonic() - started < 5


def _base64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


# -- bid serve --------------------------------------------------------------------------------


@dataclass
class Served:
    """A ``bid serve`` process on loopback whose registry is the chain's lying proxy."""

    url: str
    process: subprocess.Popen[bytes]
    stderr: Path

    def log_size(self) -> int:
        return self.stderr.stat().st_size

    def log_since(self, offset: int) -> str:
        with self.stderr.open("rb") as handle:
            handle.seek(offset)
            return handle.read().decode("utf-8", "replace")


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


@pytest.fixture(scope="module")
def served(chain: Chain, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    directory = tmp_path_factory.mktemp("serve")
    port = _free_port()
    registry = f"bif+{chain.proxy.url}?allow_private_networks=true"
    command = [sys.executable, "-m", "bid", "serve", "--port", str(port), "--registry", registry]
    out_path, err_path = directory / "stdout", directory / "stderr"
    with out_path.open("wb") as out, err_path.open("wb") as err:
        process = subprocess.Popen(
            command,
            stdout=out,
            stderr=err,
            cwd=directory,
            env={**os.environ, "PYTHONWARNINGS": "error"},
        )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 20
        while True:
            assert process.poll() is None, err_path.read_text()
            assert time.monotonic() < deadline, "bid serve did not start"
            try:
                if httpx.get(base + "/health", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.05)
        yield Served(base, process, err_path)
    finally:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(20)


def _exchange(served: Served, request: bytes, *, timeout: float = 5.0) -> bytes:
    """Send raw bytes, read the whole answer (every answer here closes its connection)."""
    port = int(served.url.rpartition(":")[2])
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as conn:
        conn.sendall(request)
        data = b""
        while chunk := conn.recv(65536):
            data += chunk
    return data


def _get(target: bytes) -> bytes:
    return b"GET " + target + b" HTTP/1.1\r\nHost: resolver.test\r\nConnection: close\r\n\r\n"


def _status(answer: bytes) -> int:
    return int(answer.split(b" ", 2)[1])


def _body(answer: bytes) -> bytes:
    return answer.partition(b"\r\n\r\n")[2]


HOSTILE_NODE: dict[str, Reply] = {
    "oversize": Reply(200, stream_zeros(32 << 20), {"Content-Length": str(32 << 20)}),
    "redirect-metadata": Reply(302, b"", {"Location": "http://169.254.169.254/latest/"}, None),
    "duplicate-keys": _answer(b'{"error_code": 0, "error_code": 4}'),
    "deep": _answer(_node_answer(600)),
    "html": _answer(b"<html>502 Bad Gateway</html>", "text/html"),
    "status-500": json_reply({"error_code": 1}, 500),
    "gzip-after-identity": _answer(
        gzip.compress(b'{"error_code": 4}' + b" " * (20 << 20)),
        **{"Content-Encoding": "identity", "content-encoding": "gzip"},
    ),
}


@pytest.mark.parametrize("trouble", [*HOSTILE_NODE, "lie-account", "lie-document"])
def test_serve_in_front_of_a_hostile_node(served: Served, chain: Chain, trouble: str) -> None:
    chain.mode.clear()
    if trouble.startswith("lie-"):
        chain.mode["lie"] = trouble[4:]
    else:
        chain.mode["reply"] = HOSTILE_NODE[trouble]
    log_offset = served.log_size()
    try:
        for attempt in (1, 2):
            before = len(chain.proxy.requests)
            answer = httpx.get(f"{served.url}/1.0/identifiers/{chain.alice}", timeout=20)
            assert answer.status_code == 500, answer.text
            assert answer.headers["content-type"] == "application/did-resolution"
            error = answer.json()["didResolutionMetadata"]["error"]
            assert error["type"].endswith("#INTERNAL_ERROR")
            assert "unexpected" not in error["detail"]  # a clean refusal, not a crash
            _no_traceback(answer.text)
            bif = httpx.get(f"{served.url}/bif/{chain.alice}", timeout=20)
            assert (bif.status_code, bif.json()["errorCode"]) == (500, 2)
            _no_traceback(bif.text)
            assert len(chain.proxy.requests) > before, f"attempt {attempt} was served from a cache"
    finally:
        chain.mode.clear()
    _no_traceback(served.log_since(log_offset))


def test_serve_does_not_cache_a_hostile_answer(served: Served, chain: Chain) -> None:
    chain.mode["reply"] = HOSTILE_NODE["status-500"]
    try:
        assert (
            httpx.get(f"{served.url}/1.0/identifiers/{chain.carol}", timeout=20).status_code == 500
        )
    finally:
        chain.mode.clear()
    answer = httpx.get(f"{served.url}/1.0/identifiers/{chain.carol}", timeout=20)
    assert answer.status_code == 200
    assert answer.json()["didDocument"]["id"] == chain.carol


def test_serve_refuses_oversized_request_targets(served: Served, chain: Chain) -> None:
    for target in (
        b"/bif/" + b"a" * 9000,
        f"/bif/{chain.alice}/services?id=".encode() + b"s" * 9000,
        f"/1.0/identifiers/{DID_KEY}?versionId=".encode() + b"1" * 9000,
    ):
        answer = _exchange(served, _get(target))
        assert _status(answer) == 414
        problem = json.loads(_body(answer))
        assert problem["status"] == 414
        _no_traceback(answer)


def _refused_body(served: Served, head: bytes) -> tuple[bytes, int]:
    """Send a request head announcing a body, read the answer to the end (the server must
    close the connection by itself), then try to send 64 MiB of body: how far it got."""
    port = int(served.url.rpartition(":")[2])
    block = b"10000\r\n" + b"x" * 0x10000 + b"\r\n"
    sent = 0
    with socket.create_connection(("127.0.0.1", port), timeout=3) as conn:
        conn.sendall(head)
        answer = b""
        while data := conn.recv(65536):  # a socket timeout here: the server kept it open
            answer += data
        try:
            while sent < 64 << 20:
                conn.sendall(block)
                sent += len(block)
        except OSError:
            pass  # the server has closed the connection: nothing more is read
    return answer, sent


@pytest.mark.parametrize(
    ("framing", "status"),
    [(b"Content-Length: 99999999999999999999", 413), (b"Transfer-Encoding: chunked", 411)],
    ids=["declared", "chunked"],
)
@pytest.mark.parametrize("target", ["/health", "/1.0/identifiers/{did}", "/bif/{bid}"])
def test_serve_refuses_a_request_body_without_reading_it(
    served: Served, chain: Chain, framing: bytes, status: int, target: str
) -> None:
    # No route takes a body. One that is too large, or whose length is not declared, is
    # refused from the head, and the connection is closed: on a kept-alive connection the
    # server would otherwise read (and drop) whatever the client streams, for ever.
    path = target.format(did=DID_KEY, bid=chain.alice).encode()
    head = b"GET " + path + b" HTTP/1.1\r\nHost: resolver.test\r\n" + framing + b"\r\n\r\n"
    answer, sent = _refused_body(served, head)
    assert _status(answer) == status, answer[:300]
    assert b"\r\nconnection: close\r\n" in answer.partition(b"\r\n\r\n")[0].lower()
    assert json.loads(_body(answer))["status"] == status
    _no_traceback(answer)
    assert sent < 64 << 20
    assert httpx.get(served.url + "/health", timeout=5).status_code == 200


def test_serve_cuts_endless_request_headers(served: Served) -> None:
    port = int(served.url.rpartition(":")[2])
    sent = 0
    with socket.create_connection(("127.0.0.1", port), timeout=5) as conn:
        conn.sendall(b"GET /health HTTP/1.1\r\nHost: resolver.test\r\n")
        line = b"X-Padding: " + b"a" * 1000 + b"\r\n"
        try:
            while sent < 16 << 20:
                conn.sendall(line)
                sent += len(line)
        except OSError:
            pass
        answer = b""
        try:
            while data := conn.recv(65536):
                answer += data
        except OSError:
            pass
    assert sent < 16 << 20  # cut off long before: the head is never buffered whole
    if answer:
        assert _status(answer) == 400
        _no_traceback(answer)


def test_slow_clients_do_not_block_others(served: Served) -> None:
    port = int(served.url.rpartition(":")[2])
    slow: list[socket.socket] = []
    try:
        for n in range(64):  # slowloris: request heads that never end
            conn = socket.create_connection(("127.0.0.1", port), timeout=5)
            conn.sendall(f"GET /1.0/identifiers/{DID_KEY} HTTP/1.1\r\nHost: x\r\nX-{n}: ".encode())
            slow.append(conn)
        for _ in range(40):  # bodies that never arrive
            conn = socket.create_connection(("127.0.0.1", port), timeout=5)
            conn.sendall(b"POST /health HTTP/1.1\r\nHost: x\r\nContent-Length: 8000\r\n\r\nab")
            slow.append(conn)
        for conn in slow[:64]:
            conn.sendall(b"a")  # still trickling
        with httpx.Client(base_url=served.url, timeout=5) as client:
            for path in ("/health", f"/1.0/identifiers/{DID_KEY}", f"/bif/{OTHER_BID}"):
                started = time.monotonic()
                answer = client.get(path)
                assert answer.status_code == 200, answer.text
                assert time.monotonic() - started < 1.0
    finally:
        for conn in slow:
            conn.close()


@pytest.mark.parametrize(
    ("target", "status", "kind"),
    [
        (b"/1.0/identifiers/did:key:z6Mk%00abc", 400, "INVALID_DID"),
        (b"/1.0/identifiers/%ff%fe", 400, "INVALID_DID"),
        (b"/1.0/identifiers/did:key:%ED%A0%80", 400, "INVALID_DID"),  # an encoded surrogate
        (b"/1.0/identifiers/%", 400, "INVALID_DID"),
        (b"/1.0/identifiers/%zz", 400, "INVALID_DID"),
        (b"/1.0/identifiers/did:key:%EF%BC%96Mk", 400, "INVALID_DID"),  # a fullwidth digit
        (b"/1.0/identifiers/DID:KEY:" + DID_KEY[8:].encode(), 400, "INVALID_DID"),
        (b"/1.0/identifiers/" + DID_KEY.encode() + b"%20", 400, "INVALID_DID"),
        (b"/1.0/identifiers/" + DID_KEY.encode() + b"%0A", 400, "INVALID_DID"),  # was 200
        (b"/1.0/identifiers/" + DID_KEY.encode() + b"%0D%0AX-Injected:%201", 404, "problem"),
        (b"/1.0/identifiers/did:bid:%2e%2e%2fetc%2fpasswd", 501, "FEATURE_NOT_SUPPORTED"),
        (
            b"/1.0/identifiers/" + DID_KEY.encode() + b"?versionId=1&versionId=2",
            400,
            "INVALID_DID_URL",
        ),
        (b"/1.0/identifiers/" + DID_KEY.encode() + b"%23%00", 400, "INVALID_DID_URL"),
        (b"/1.0/identifiers/did:" + b"m" * 3000 + b":x", 501, "METHOD_NOT_SUPPORTED"),
        (b"/bif/%00", 200, "bif"),
        (b"/bif/did:bid:%ff%fe", 200, "bif"),
        (b"/bif/did:bid:" + b"z" * 5000, 200, "bif"),
    ],
)
def test_serve_answers_malformed_dids_with_structured_4xx(
    served: Served, target: bytes, status: int, kind: str
) -> None:
    answer = _exchange(served, _get(target))
    assert _status(answer) == status, answer[:300]
    _no_traceback(answer)
    body = json.loads(_body(answer))
    if kind == "bif":
        assert body["errorCode"] == 2
        assert body["message"].startswith("not a BID")
    elif kind == "problem":
        assert body["status"] == status
    else:
        metadata = body.get("didResolutionMetadata") or body["dereferencingMetadata"]
        assert metadata["error"]["type"].endswith("#" + kind)


@pytest.mark.parametrize(
    "request_bytes",
    [
        _get(b"/1.0/identifiers/did:key:\xff\xfe"),  # raw bytes outside ASCII
        _get(b"/1.0/identifiers/did:key:z6Mk\x00"),
        b"GET /health HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n",
        b"GET /health HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\nContent-Length: 9000\r\n\r\n",
        b"GET /health HTTP/1.1\r\n\r\n",  # no Host
        b"\x16\x03\x01\x00\xa5\x01\x00\x00\xa1\x03\x03" + bytes(64),  # a TLS hello
    ],
    ids=["non-ascii", "nul", "length-abc", "two-lengths", "no-host", "tls"],
)
def test_serve_answers_protocol_garbage_with_400(served: Served, request_bytes: bytes) -> None:
    offset = served.log_size()
    answer = _exchange(served, request_bytes)
    assert _status(answer) == 400, answer[:300]
    _no_traceback(answer)
    _no_traceback(served.log_since(offset))
