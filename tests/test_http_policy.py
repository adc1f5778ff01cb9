"""The shared HTTP policy (bid.backends.http) against real servers on 127.0.0.1.

Security checklist items 34 and 62: loopback, private, link-local and metadata addresses,
``file://`` and other schemes, user information and redirects are refused before any
socket opens; a 50 MB body is refused after the cap, not read; a slow server hits the
timeouts; transient failures (connect, timeout, 502/503/504) are retried, nothing else.
"""

from __future__ import annotations

import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpcore
import httpx
import pytest

from _http_servers import LoopbackServer, Reply, Request, closed_port, json_reply, stream_zeros
from bid.backends.http import (
    AddressNotAllowed,
    HttpClient,
    HttpError,
    HttpPolicy,
    HttpTimeout,
    RedirectRefused,
    ResponseTooLarge,
    check_address,
    check_url,
)
from bid.errors import ParseError, RegistryError, ResolutionError

LOOPBACK = HttpPolicy(
    allow_private_networks=True,
    connect_timeout=2.0,
    read_timeout=2.0,
    total_timeout=5.0,
    backoff=0.01,
)


class SleepRecorder:
    """Stands in for time.sleep: records the backoff delays, waits a little for real."""

    def __init__(self) -> None:
        self.delays: list[float] = []

    def __call__(self, seconds: float) -> None:
        self.delays.append(seconds)
        time.sleep(min(seconds, 0.01))


@pytest.fixture
def server() -> Iterator[LoopbackServer]:
    with LoopbackServer(lambda request: json_reply({"ok": True})) as running:
        yield running


@pytest.fixture
def no_connect(monkeypatch: pytest.MonkeyPatch) -> None:
    """Fail the test if anything tries to open a TCP connection."""

    def refuse(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError(f"a connection was attempted: {args!r}")

    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket.socket, "connect_ex", refuse)


def client(policy: HttpPolicy = LOOPBACK, **kwargs: Any) -> HttpClient:
    return HttpClient(policy, **kwargs)


# -- addresses and URLs refused before connecting ----------------------------------------------


REFUSED_HOSTS = [
    "127.0.0.1",
    "127.1",  # the short form of 127.0.0.1, as getaddrinfo reads it
    "2130706433",  # 127.0.0.1 written as one decimal number
    "localhost",
    "10.0.0.1",
    "10.255.255.254",
    "172.16.0.1",
    "172.31.255.1",
    "192.168.1.23",  # the sub-resolver address of the RFC-005 example
    "169.254.169.254",  # the cloud metadata service
    "169.254.0.1",
    "0.0.0.0",
    "100.64.0.1",  # shared address space (carrier-grade NAT)
    "224.0.0.1",
    "239.255.255.250",
    "240.0.0.1",
    "255.255.255.255",
    "[::1]",
    "[::]",
    "[fe80::1]",
    "[fc00::1]",
    "[fd12:3456::1]",
    "[ff02::1]",
    "[::ffff:127.0.0.1]",
    "[::ffff:169.254.169.254]",
    "[2002:7f00:1::1]",  # 6to4 around 127.0.0.1
    "[64:ff9b::7f00:1]",  # NAT64 around 127.0.0.1
    "[fec0::1]",
]


@pytest.mark.parametrize("host", REFUSED_HOSTS)
@pytest.mark.usefixtures("no_connect")
def test_private_and_special_addresses_are_refused_without_a_socket(
    host: str, server: LoopbackServer
) -> None:
    with client(HttpPolicy()) as http, pytest.raises(AddressNotAllowed, match="refusing"):
        http.get(f"http://{host}:{server.port}/latest/meta-data/")
    assert server.connections == 0


def test_the_loopback_server_is_refused_by_default(server: LoopbackServer) -> None:
    # The same server is reachable when private networks are allowed (next test); here the
    # default policy refuses it, and the server never sees a connection.
    with client(HttpPolicy()) as http, pytest.raises(AddressNotAllowed, match="loopback"):
        http.get(server.url + "/")
    assert server.connections == 0


def test_allow_private_networks_reaches_the_loopback_server(server: LoopbackServer) -> None:
    with client() as http:
        response = http.get(server.url + "/path?x=1", params={"q": "a b"})
    assert response.status == 200
    assert response.json() == {"ok": True}
    assert response.media_type == "application/json"
    (request,) = server.requests
    assert request.path == "/path?x=1&q=a+b"
    assert request.headers["accept-encoding"] == "identity"
    assert request.headers["user-agent"].startswith("bid/")


@pytest.mark.parametrize(
    "url",
    [
        "file:///etc/passwd",
        "ftp://example.com/file",
        "gopher://example.com/",
        "data:application/json,{}",
        "//example.com/relative",
        "example.com/no-scheme",
        "http://",
        "http://[::1",
    ],
)
@pytest.mark.usefixtures("no_connect")
def test_non_http_urls_are_refused(url: str) -> None:
    with client() as http, pytest.raises(AddressNotAllowed):
        http.get(url)
    with pytest.raises(AddressNotAllowed):
        check_url(url)


@pytest.mark.usefixtures("no_connect")
def test_urls_with_user_information_are_refused(server: LoopbackServer) -> None:
    for userinfo in ("user:secret@", "user@", ":@"):
        url = f"http://{userinfo}127.0.0.1:{server.port}/"
        with client() as http, pytest.raises(AddressNotAllowed, match="user information"):
            http.get(url)
    assert server.connections == 0


def test_a_name_with_one_private_address_is_refused(
    monkeypatch: pytest.MonkeyPatch, server: LoopbackServer
) -> None:
    real = socket.getaddrinfo

    def two_addresses(host: Any, port: Any, *args: Any, **kwargs: Any) -> Any:
        if host == "mixed.example":
            public = (socket.AF_INET, socket.SOCK_STREAM, 6, "", ("93.184.215.14", port))
            private = (socket.AF_INET, socket.SOCK_STREAM, 6, "", ("127.0.0.1", port))
            return [public, private]
        return real(host, port, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", two_addresses)
    with client(HttpPolicy()) as http, pytest.raises(AddressNotAllowed, match=r"127\.0\.0\.1"):
        http.get(f"http://mixed.example:{server.port}/")
    assert server.connections == 0


def test_the_connection_goes_to_the_address_that_was_checked(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # A rebinding resolver answers a public address first and loopback afterwards. The
    # name is resolved once, and the socket connects to the checked address itself.
    real = socket.getaddrinfo
    answers = ["93.184.215.14", "127.0.0.1", "127.0.0.1"]
    lookups: list[str] = []
    connects: list[tuple[str, int]] = []

    def rebinding(host: Any, port: Any, *args: Any, **kwargs: Any) -> Any:
        if host == "rebind.example":
            address = answers[len(lookups)]
            lookups.append(address)
            return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (address, port))]
        return real(host, port, *args, **kwargs)

    def record(address: tuple[str, int], *args: Any, **kwargs: Any) -> Any:
        connects.append(address)
        raise ConnectionRefusedError("refused by the test")

    monkeypatch.setattr(socket, "getaddrinfo", rebinding)
    monkeypatch.setattr(socket, "create_connection", record)
    with client(HttpPolicy(retries=0)) as http, pytest.raises(HttpError, match="connect"):
        http.get("http://rebind.example:8080/")
    assert lookups == ["93.184.215.14"]
    assert connects == [("93.184.215.14", 8080)]


@pytest.mark.parametrize(
    "address",
    ["8.8.8.8", "1.1.1.1", "93.184.215.14", "2606:4700:4700::1111", "::ffff:8.8.8.8"],
)
def test_public_addresses_pass_the_check(address: str) -> None:
    check_address(address)


@pytest.mark.parametrize(
    ("address", "reason"),
    [
        ("127.0.0.1", "loopback"),
        ("::1", "loopback"),
        ("10.1.2.3", "private"),
        ("172.16.0.1", "private"),
        ("192.168.1.23", "private"),
        ("fd12:3456::1", "private"),
        ("169.254.169.254", "link-local"),
        ("fe80::1", "link-local"),
        ("0.0.0.0", "unspecified"),
        ("::", "unspecified"),
        ("224.0.0.1", "multicast"),
        ("ff02::1", "multicast"),
        ("240.0.0.1", "reserved"),
        ("100.64.0.1", "not globally routable"),
        ("fec0::1", "site-local"),
        ("::ffff:10.0.0.1", "private (embedded 10.0.0.1)"),
        ("2002:a9fe:a9fe::1", "link-local (embedded 169.254.169.254)"),
    ],
)
def test_check_address_names_the_reason(address: str, reason: str) -> None:
    with pytest.raises(AddressNotAllowed, match="allow_private_networks") as caught:
        check_address(address)
    assert f"a {reason} address" in caught.value.message
    check_address(address, allow_private_networks=True)


def test_check_address_refuses_text_that_is_no_address() -> None:
    with pytest.raises(AddressNotAllowed, match="not an IP address"):
        check_address("example.com")


# -- redirects ------------------------------------------------------------------------------------


@pytest.mark.parametrize("status", [301, 302, 303, 307, 308])
@pytest.mark.parametrize(
    "location", ["http://127.0.0.1:1/admin", "http://example.com/elsewhere", "/same-server"]
)
def test_redirects_are_refused_and_not_followed(status: int, location: str) -> None:
    reply = Reply(status, b"", {"Location": location}, content_type=None)
    with LoopbackServer(lambda request: reply) as server:
        with client() as http, pytest.raises(RedirectRefused) as caught:
            http.get(server.url + "/start")
        assert server.paths == ["/start"]
        assert server.connections == 1
    assert location in caught.value.message
    assert str(status) in caught.value.message


def test_the_body_of_a_redirect_is_not_read() -> None:
    reply = Reply(302, stream_zeros(50 << 20), {"Location": "http://127.0.0.1/"})
    with (
        LoopbackServer(lambda request: reply) as server,
        client() as http,
        pytest.raises(RedirectRefused),
    ):
        http.get(server.url)


# -- the size cap ---------------------------------------------------------------------------------


def test_a_50_mb_streamed_body_is_refused_quickly() -> None:
    reply = Reply(200, stream_zeros(50 << 20))  # chunked: no length announced
    with LoopbackServer(lambda request: reply) as server, client() as http:
        started = time.monotonic()
        with pytest.raises(ResponseTooLarge, match="1048576"):
            http.get(server.url)
        assert time.monotonic() - started < 2.0


def test_an_announced_50_mb_body_is_refused_before_reading() -> None:
    size = 50 << 20
    reply = Reply(200, stream_zeros(size), {"Content-Length": str(size)})
    with LoopbackServer(lambda request: reply) as server, client() as http:
        started = time.monotonic()
        with pytest.raises(ResponseTooLarge, match="announced 52428800 bytes"):
            http.get(server.url)
        assert time.monotonic() - started < 2.0


@pytest.mark.parametrize("chunked", [True, False])
def test_the_cap_is_exact(chunked: bool) -> None:
    limit = 1000

    def handler(request: Request) -> Reply:
        size = int(request.path.strip("/"))
        if chunked:
            return Reply(200, stream_zeros(size, chunk=300))
        return Reply(200, bytes(size))

    policy = HttpPolicy(allow_private_networks=True, max_response_bytes=limit)
    with LoopbackServer(handler) as server, client(policy) as http:
        assert http.get(f"{server.url}/{limit}").content == bytes(limit)
        with pytest.raises(ResponseTooLarge):
            http.get(f"{server.url}/{limit + 1}")


def test_compressed_bodies_are_refused() -> None:
    reply = Reply(200, b"\x1f\x8b\x08\x00", {"Content-Encoding": "gzip"})
    with (
        LoopbackServer(lambda request: reply) as server,
        client() as http,
        pytest.raises(HttpError, match="Content-Encoding"),
    ):
        http.get(server.url)


# -- timeouts -------------------------------------------------------------------------------------


def test_a_silent_server_times_out_within_the_total_bound() -> None:
    policy = HttpPolicy(
        allow_private_networks=True, read_timeout=0.3, total_timeout=1.0, backoff=0.05
    )
    with LoopbackServer(lambda request: Reply(200, b"{}", delay=30)) as server:
        with client(policy) as http:
            started = time.monotonic()
            with pytest.raises(HttpTimeout) as caught:
                http.get(server.url)
            elapsed = time.monotonic() - started
        assert 0.3 <= elapsed < 1.5
        assert len(server.requests) >= 2  # a read timeout of a GET is retried
    assert isinstance(caught.value.__cause__, httpx.TimeoutException | httpcore.TimeoutException)


def test_a_dripping_server_hits_the_total_timeout() -> None:
    def drip(stop: threading.Event) -> Iterator[bytes]:
        while not stop.wait(0.05):
            yield b" "

    policy = HttpPolicy(allow_private_networks=True, read_timeout=2.0, total_timeout=0.5, retries=0)
    with LoopbackServer(lambda request: Reply(200, drip)) as server, client(policy) as http:
        started = time.monotonic()
        with pytest.raises(HttpTimeout, match="total timeout"):
            http.get(server.url)
        assert time.monotonic() - started < 1.2


def test_a_timeout_is_a_resolution_and_a_registry_error() -> None:
    assert issubclass(HttpTimeout, ResolutionError)
    assert issubclass(HttpError, RegistryError)
    assert HttpError("x").code == HttpTimeout("x").code == "internalError"


# -- JSON -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (b'{"id": 1', "not valid JSON"),
        (b'{"id": "a", "id": "b"}', "appears twice"),
        (b'{"n": NaN}', "not a JSON number"),
        (b'{"n": 9007199254740993}', r"beyond 2\^53"),
        (b"\xff\xfe{}", "not UTF-8"),
        (b"<html>404</html>", "not valid JSON"),
    ],
)
def test_malformed_json_is_an_error(body: bytes, reason: str) -> None:
    with LoopbackServer(lambda request: Reply(200, body)) as server, client() as http:
        response = http.get(server.url)
    with pytest.raises(HttpError, match=reason) as caught:
        response.json()
    assert isinstance(caught.value.__cause__, ParseError)


# -- retries --------------------------------------------------------------------------------------


def sequence(*replies: Reply) -> Any:
    """A handler answering with ``replies`` in turn, then the last one for ever."""
    answers = list(replies)

    def handler(request: Request) -> Reply:
        return answers.pop(0) if len(answers) > 1 else answers[0]

    return handler


@pytest.mark.parametrize("status", [502, 503, 504])
def test_a_transient_status_is_retried_and_succeeds(status: int) -> None:
    sleep = SleepRecorder()
    handler = sequence(Reply(status, b"busy"), json_reply({"ok": 1}))
    with LoopbackServer(handler) as server, client(sleep=sleep, jitter=lambda: 0.5) as http:
        response = http.get(server.url)
        assert len(server.requests) == 2
    assert response.status == 200
    assert response.json() == {"ok": 1}
    assert sleep.delays == [pytest.approx(LOOPBACK.backoff * 0.75)]


@pytest.mark.parametrize("status", [400, 404, 410, 429, 500, 501])
def test_other_statuses_are_returned_at_once(status: int) -> None:
    sleep = SleepRecorder()
    with LoopbackServer(sequence(Reply(status, b"{}"), json_reply({}))) as server:
        with client(sleep=sleep) as http:
            response = http.get(server.url)
        assert len(server.requests) == 1
    assert response.status == status
    assert sleep.delays == []


def test_retries_end_after_the_policy_count_with_growing_delays() -> None:
    sleep = SleepRecorder()
    policy = HttpPolicy(allow_private_networks=True, retries=3, backoff=0.01)
    with LoopbackServer(lambda request: Reply(503, b"")) as server:
        with client(policy, sleep=sleep, jitter=lambda: 0.0) as http:
            response = http.get(server.url)
        assert len(server.requests) == 4
    assert response.status == 503
    assert sleep.delays == pytest.approx([0.005, 0.01, 0.02])


def test_a_refused_connection_is_retried_then_reported() -> None:
    sleep = SleepRecorder()
    with client(sleep=sleep) as http, pytest.raises(HttpError, match="cannot connect") as caught:
        http.get(f"http://127.0.0.1:{closed_port()}/")
    assert not isinstance(caught.value, HttpTimeout)
    assert len(sleep.delays) == LOOPBACK.retries
    assert isinstance(caught.value.__cause__, httpx.ConnectError | httpcore.ConnectError)


def test_a_post_is_sent_as_json_and_not_retried_after_a_503() -> None:
    handler = sequence(Reply(503, b""), json_reply({"ok": 1}))
    with LoopbackServer(handler) as server, client() as http:
        response = http.post(server.url + "/submit", json={"items": [1, "二"]})
        assert response.status == 503
        assert len(server.requests) == 1
        (request,) = server.requests
    assert request.method == "POST"
    assert request.headers["content-type"] == "application/json"
    assert request.body == '{"items":[1,"二"]}'.encode()


def test_an_idempotent_post_is_retried() -> None:
    handler = sequence(Reply(503, b""), json_reply({"ok": 1}))
    with LoopbackServer(handler) as server, client() as http:
        response = http.post(server.url, content=b"raw", idempotent=True)
        assert [r.body for r in server.requests] == [b"raw", b"raw"]
    assert response.status == 200


def test_a_post_is_retried_when_the_connection_failed() -> None:
    sleep = SleepRecorder()
    with client(sleep=sleep) as http, pytest.raises(HttpError):
        http.post(f"http://127.0.0.1:{closed_port()}/", json={})
    assert len(sleep.delays) == LOOPBACK.retries


def test_a_post_timeout_is_not_retried() -> None:
    policy = HttpPolicy(allow_private_networks=True, read_timeout=0.2, backoff=0.01)
    with LoopbackServer(lambda request: Reply(200, b"{}", delay=30)) as server:
        with client(policy) as http, pytest.raises(HttpTimeout):
            http.post(server.url, json={})
        assert len(server.requests) == 1


# -- the policy value and the lazy import ---------------------------------------------------------


@pytest.mark.parametrize(
    "changes",
    [
        {"connect_timeout": 0},
        {"read_timeout": -1},
        {"total_timeout": 0},
        {"max_response_bytes": 0},
        {"retries": -1},
        {"backoff": -0.1},
    ],
)
def test_the_policy_refuses_impossible_limits(changes: dict[str, Any]) -> None:
    with pytest.raises(ValueError, match="must"):
        HttpPolicy(**changes)


def test_the_default_policy() -> None:
    policy = HttpPolicy()
    assert policy.max_response_bytes == 1 << 20
    assert policy.retries == 2
    assert policy.allow_private_networks is False


@pytest.mark.slow
def test_importing_the_backends_does_not_import_httpx(tmp_path: Path) -> None:
    code = (
        "import sys\n"
        "import bid.backends.http, bid.backends.uniresolver, bid.backends.bif_resolver\n"
        "assert 'httpx' not in sys.modules and 'httpcore' not in sys.modules, 'loaded'\n"
        "bid.backends.http.HttpClient().close()\n"
        "assert 'httpx' in sys.modules\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=tmp_path, timeout=60
    )
    assert result.returncode == 0, result.stderr
