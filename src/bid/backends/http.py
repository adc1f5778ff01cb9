"""The HTTP policy of every network client in bid: one place that decides what may be fetched.

:class:`HttpClient` is a small synchronous client over httpx (the ``http`` extra, imported
when the first client is made, never by ``import bid``). It enforces :class:`HttpPolicy`:

- only ``http`` and ``https`` URLs, without user information (``user:pass@``);
- every address the host name resolves to (``socket.getaddrinfo``) is checked before a
  socket is opened: loopback, private (10/8, 172.16/12, 192.168/16, fc00::/7), link-local
  (169.254/16, which holds the cloud metadata service 169.254.169.254, and fe80::/10),
  unspecified, multicast, reserved and other addresses that are not globally routable are
  refused unless ``allow_private_networks`` is set. The connection then goes to the address
  that was checked, so a name cannot resolve to a public address for the check and to a
  private one for the connection (DNS rebinding). No proxy is used (proxy variables of the
  environment are ignored); TLS is verified against certifi's roots, or ``SSL_CERT_FILE`` /
  ``SSL_CERT_DIR`` when set, as httpx does;
- redirects are not followed: a 3xx answer raises :class:`RedirectRefused`, naming the
  ``Location``;
- the body is read in chunks and refused (never truncated) past ``max_response_bytes``;
  compressed bodies are refused (``Accept-Encoding: identity`` is sent), so the cap is the
  cap of what is kept in memory;
- connect and read timeouts per operation, and a total timeout for the whole call,
  retries included;
- retries with exponential backoff and jitter for transient failures only: a failed
  connection, a timeout, a 502/503/504 answer. A 4xx, or any other completed answer, is
  returned as it is. A POST is retried only when no byte of it can have been sent (a
  failed connection), unless the caller says it is idempotent.

Every failure of the exchange raises :class:`HttpError` (a :class:`~bid.errors.ResolutionError`
and a :class:`~bid.errors.RegistryError`, code ``internalError``: "could not check") with the
httpx / httpcore / socket exception chained; none of those crosses this module. A resolver
turns an HttpError into an ``internalError`` result: a network failure is never reported as
``notFound``.

What the policy does not bound: the time ``getaddrinfo`` takes to answer (the system
resolver has its own timeouts), and the size of headers (httpcore's h11 limits them).
"""

from __future__ import annotations

import contextvars
import functools
import ipaddress
import random
import socket
import ssl
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType, TracebackType
from typing import TYPE_CHECKING, Any, TypeAlias, cast

from .._json import JSONValue, dumps_compact, loads_strict
from .._optional import import_extra
from .._version import __version__
from ..errors import (
    AddressNotAllowed,
    BidError,
    HttpError,
    HttpTimeout,
    ParseError,
    RedirectRefused,
    ResponseTooLarge,
)

if TYPE_CHECKING:
    import httpcore
    import httpx

__all__ = [
    "AddressNotAllowed",
    "HttpClient",
    "HttpError",
    "HttpPolicy",
    "HttpResponse",
    "HttpTimeout",
    "RedirectRefused",
    "ResponseTooLarge",
    "check_address",
    "check_url",
]

_FEATURE = "HTTP resolution (Universal Resolver and BIF resolver clients)"
_RETRY_STATUSES = frozenset({502, 503, 504})
_ALLOWED_SCHEMES = ("http", "https")
_USER_AGENT = f"bid/{__version__}"
# How deep the JSON of an answer may nest. The parser takes nearly 1,000 levels, but the
# library's walkers (freeze, thaw, document parsing) recurse and raise RecursionError from
# about 500; no DID document, resolution result, BIF envelope or status list comes near 64.
_MAX_JSON_DEPTH = 64


# -- the policy ----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class HttpPolicy:
    """Limits for one client: timeouts in seconds, the body cap, retries, private networks.

    ``total_timeout`` bounds a whole call to :meth:`HttpClient.get` / :meth:`HttpClient.post`,
    retries and backoff included. Retry ``n`` (from 0) waits ``backoff * 2**n`` seconds
    scaled by a random factor in [0.5, 1), at most ``max_backoff``.
    """

    connect_timeout: float = 5.0
    read_timeout: float = 10.0
    total_timeout: float = 30.0
    max_response_bytes: int = 1 << 20
    retries: int = 2
    backoff: float = 0.2
    max_backoff: float = 2.0
    allow_private_networks: bool = False

    def __post_init__(self) -> None:
        for name in ("connect_timeout", "read_timeout", "total_timeout"):
            if not getattr(self, name) > 0:
                raise ValueError(f"{name} must be positive")
        if self.max_response_bytes <= 0:
            raise ValueError("max_response_bytes must be positive")
        if self.retries < 0 or self.backoff < 0 or self.max_backoff < 0:
            raise ValueError("retries, backoff and max_backoff must not be negative")


# -- address checks ------------------------------------------------------------------------

_IPAddress: TypeAlias = "ipaddress.IPv4Address | ipaddress.IPv6Address"


def _refusal(address: _IPAddress) -> str | None:
    """Why ``address`` is refused (a short phrase), or None when it is globally routable."""
    if isinstance(address, ipaddress.IPv6Address):
        embedded = address.ipv4_mapped or address.sixtofour
        if embedded is not None:
            reason = _refusal(embedded)
            return None if reason is None else f"{reason} (embedded {embedded})"
        if address.is_site_local:
            return "site-local"
    checks = (
        ("is_unspecified", "unspecified"),
        ("is_loopback", "loopback"),
        ("is_link_local", "link-local"),
        ("is_multicast", "multicast"),
        ("is_reserved", "reserved"),
        ("is_private", "private"),
    )
    for attribute, name in checks:
        if getattr(address, attribute):
            return name
    if not address.is_global:
        return "not globally routable"
    return None


def check_address(address: str, *, allow_private_networks: bool = False) -> None:
    """Raise AddressNotAllowed unless ``address`` (an IP address text) may be connected to."""
    try:
        parsed = ipaddress.ip_address(address)
    except ValueError as exc:
        raise AddressNotAllowed(f"{address!r} is not an IP address") from exc
    if allow_private_networks:
        return
    reason = _refusal(parsed)
    if reason is not None:
        raise AddressNotAllowed(
            f"refusing to connect to {address}: a {reason} address "
            "(set HttpPolicy(allow_private_networks=True) to allow it)"
        )


def _parse_url(url: str | httpx.URL) -> httpx.URL:
    import httpx

    try:
        parsed = url if isinstance(url, httpx.URL) else httpx.URL(url)
    except (httpx.InvalidURL, TypeError, ValueError) as exc:
        raise AddressNotAllowed(f"{str(url)[:200]!r} is not a valid URL ({exc})") from exc
    if parsed.scheme not in _ALLOWED_SCHEMES:
        kind = f"{parsed.scheme}:" if parsed.scheme else "relative"
        raise AddressNotAllowed(f"only http and https URLs are fetched, not {kind} URLs")
    if parsed.userinfo:
        raise AddressNotAllowed("URLs with user information (user:password@) are refused")
    if not parsed.host:
        raise AddressNotAllowed(f"{str(url)[:200]!r} names no host")
    return parsed


def check_url(url: str, *, base: bool = False) -> str:
    """The URL if it is an http(s) URL with a host and no user information; with
    ``base=True`` (a URL that paths are appended to) also without query or fragment.

    Raises AddressNotAllowed otherwise. Addresses are not resolved here: that happens, and
    is checked, on every connection.
    """
    import_extra("httpx", "http", feature=_FEATURE)
    parsed = _parse_url(url)
    if base and (parsed.query or parsed.fragment):
        raise AddressNotAllowed(f"the base URL {str(url)[:200]!r} has a query or a fragment")
    return str(parsed)


def _resolve(host: str, port: int) -> list[str]:
    import httpcore

    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError) as exc:
        raise httpcore.ConnectError(f"cannot resolve {host!r}: {exc}") from exc
    addresses: list[str] = []
    for family, _type, _proto, _name, sockaddr in infos:
        if family in (socket.AF_INET, socket.AF_INET6):
            text = str(sockaddr[0])
            if text not in addresses:
                addresses.append(text)
    if not addresses:
        raise httpcore.ConnectError(f"{host!r} has no IPv4 or IPv6 address")
    return addresses


# -- the network layer: pinned connections under a deadline ---------------------------------

_DEADLINE: contextvars.ContextVar[float | None] = contextvars.ContextVar(
    "bid_http_deadline", default=None
)


def _bounded(timeout: float | None) -> float | None:
    """``timeout`` cut to what is left of the current call's total timeout."""
    deadline = _DEADLINE.get()
    if deadline is None:
        return timeout
    remaining = deadline - time.monotonic()
    if remaining <= 0:
        import httpcore

        raise httpcore.ReadTimeout("the total timeout of the call passed")
    return remaining if timeout is None else min(timeout, remaining)


class _DeadlineStream:
    """An httpcore network stream whose every operation ends by the call's deadline."""

    def __init__(self, inner: httpcore.NetworkStream) -> None:
        self._inner = inner

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        return self._inner.read(max_bytes, _bounded(timeout))

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        self._inner.write(buffer, _bounded(timeout))

    def close(self) -> None:
        self._inner.close()

    def start_tls(
        self,
        ssl_context: Any,
        server_hostname: str | None = None,
        timeout: float | None = None,
    ) -> httpcore.NetworkStream:
        inner = self._inner.start_tls(ssl_context, server_hostname, _bounded(timeout))
        return cast("httpcore.NetworkStream", _DeadlineStream(inner))

    def get_extra_info(self, info: str) -> Any:
        return self._inner.get_extra_info(info)


class _PinnedBackend:
    """An httpcore network backend: resolve, check every address, connect to a checked one.

    All addresses of the name must pass: a name that resolves to one public and one
    private address is refused, whichever would have been tried first.
    """

    def __init__(self, allow_private_networks: bool) -> None:
        import httpcore

        self._inner = httpcore.SyncBackend()
        self._allow_private = allow_private_networks

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.NetworkStream:
        import httpcore

        addresses = _resolve(host, port)
        for address in addresses:
            check_address(address, allow_private_networks=self._allow_private)
        failure: httpcore.ConnectError | None = None
        for address in addresses:
            try:
                stream = self._inner.connect_tcp(
                    address,
                    port,
                    timeout=_bounded(timeout),
                    local_address=local_address,
                    socket_options=socket_options,
                )
            except httpcore.ConnectError as exc:  # try the next address of the name
                failure = exc
                continue
            return cast("httpcore.NetworkStream", _DeadlineStream(stream))
        assert failure is not None
        raise failure

    def connect_unix_socket(self, path: str, *args: Any, **kwargs: Any) -> Any:
        raise AddressNotAllowed("Unix sockets are not used")

    def sleep(self, seconds: float) -> None:
        time.sleep(seconds)


def _header(headers: Iterable[tuple[bytes, bytes]], name: bytes) -> str | None:
    for key, value in headers:
        if key.lower() == name:
            return value.decode("latin-1").strip()
    return None


@functools.cache
def _ssl_context() -> ssl.SSLContext:
    """httpx's verifying TLS context (certifi roots), made once: loading it takes ~40 ms."""
    import httpx

    return httpx.create_ssl_context()


class _Transport:
    """An httpx transport over an httpcore pool with the pinned backend.

    It reads the body itself, under the size cap, and hands httpx a finished response.
    """

    def __init__(self, policy: HttpPolicy) -> None:
        import httpcore

        backend = cast("httpcore.NetworkBackend", _PinnedBackend(policy.allow_private_networks))
        self._pool = httpcore.ConnectionPool(
            ssl_context=_ssl_context(),
            max_connections=20,
            keepalive_expiry=5.0,
            network_backend=backend,
        )
        self._max_bytes = policy.max_response_bytes

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        import httpcore
        import httpx

        url = request.url
        core_request = httpcore.Request(
            method=request.method,
            url=httpcore.URL(
                scheme=url.raw_scheme, host=url.raw_host, port=url.port, target=url.raw_path
            ),
            headers=request.headers.raw,
            content=request.read(),
            extensions=request.extensions,
        )
        core_response = self._pool.handle_request(core_request)
        try:
            body = self._read_body(core_response, str(url))
        finally:
            core_response.close()
        extensions = {
            key: core_response.extensions[key]
            for key in ("http_version", "reason_phrase")
            if key in core_response.extensions
        }
        return httpx.Response(
            status_code=core_response.status,
            headers=core_response.headers,
            content=body,
            extensions=extensions,
        )

    def _read_body(self, response: httpcore.Response, url: str) -> bytes:
        if 300 <= response.status < 400:
            return b""  # refused by the client; its body is never read
        # Every Content-Encoding header counts: httpx decodes by all of them, so a second
        # header after "identity" would inflate the body past the cap after it was checked.
        encodings = [
            token.strip()
            for key, value in response.headers
            if key.lower() == b"content-encoding"
            for token in value.decode("latin-1").split(",")
        ]
        refused = ", ".join(e for e in encodings if e and e.lower() != "identity")
        if refused:
            raise HttpError(f"{url} answered with Content-Encoding {refused[:40]!r}; not accepted")
        length = _header(response.headers, b"content-length")
        if length is not None and length.isdecimal() and int(length) > self._max_bytes:
            raise ResponseTooLarge(
                f"{url} announced {int(length)} bytes; the limit is {self._max_bytes}"
            )
        chunks: list[bytes] = []
        size = 0
        for chunk in response.iter_stream():
            size += len(chunk)
            if size > self._max_bytes:
                raise ResponseTooLarge(
                    f"the body of {url} is larger than the limit of {self._max_bytes} bytes"
                )
            chunks.append(chunk)
        return b"".join(chunks)

    def close(self) -> None:
        self._pool.close()

    def __enter__(self) -> _Transport:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


# -- the client ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class HttpResponse:
    """A completed answer: status, headers (names in lower case), and the whole body."""

    url: str
    status: int
    headers: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))
    content: bytes = b""

    @property
    def media_type(self) -> str:
        """The Content-Type without parameters, in lower case (``""`` when absent)."""
        return self.headers.get("content-type", "").split(";")[0].strip().lower()

    def json(self) -> JSONValue:
        """The body parsed as strict JSON (:func:`bid._json.loads_strict`); raises HttpError,
        also for arrays and objects nested more than 64 levels deep."""
        try:
            value = loads_strict(self.content, what=f"the answer of {self.url}")
        except ParseError as exc:
            raise HttpError(exc.message) from exc
        if _nested_deeper(value, _MAX_JSON_DEPTH):
            raise HttpError(
                f"the answer of {self.url} nests arrays and objects more than "
                f"{_MAX_JSON_DEPTH} levels deep"
            )
        return value


def _nested_deeper(value: JSONValue, limit: int) -> bool:
    """Whether ``value`` has arrays or objects nested more than ``limit`` levels deep."""
    stack: list[tuple[object, int]] = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict):  # what loads_strict makes: dicts and lists
            children: Iterable[object] = item.values()
        elif isinstance(item, list):
            children = item
        else:
            continue
        if depth > limit:
            return True
        stack.extend((child, depth + 1) for child in children if isinstance(child, dict | list))
    return False


_Types: TypeAlias = "tuple[type[BaseException], ...]"


def _transport_errors() -> tuple[_Types, _Types, _Types, _Types]:
    """(all, timeouts, connect timeouts, failed connections) among httpx/httpcore errors."""
    import httpcore
    import httpx

    everything: _Types = (
        httpx.HTTPError,
        httpx.InvalidURL,
        httpx.StreamError,
        httpcore.TimeoutException,
        httpcore.NetworkError,
        httpcore.ProtocolError,
        httpcore.UnsupportedProtocol,
        httpcore.ProxyError,
        OSError,
    )
    timeouts: _Types = (httpx.TimeoutException, httpcore.TimeoutException, TimeoutError)
    connect_timeouts: _Types = (httpx.ConnectTimeout, httpcore.ConnectTimeout)
    connects: _Types = (httpx.ConnectError, httpcore.ConnectError)
    return everything, timeouts, connect_timeouts, connects


class HttpClient:
    """GET and POST under an :class:`HttpPolicy`; close it (or use ``with``) when done.

    ``sleep`` waits between retries and ``jitter`` gives a float in [0, 1) that scales the
    backoff; tests pass their own. Raises MissingExtra when httpx is not installed.
    """

    def __init__(
        self,
        policy: HttpPolicy | None = None,
        *,
        user_agent: str = _USER_AGENT,
        sleep: Callable[[float], None] = time.sleep,
        jitter: Callable[[], float] = random.random,
    ) -> None:
        import_extra("httpx", "http", feature=_FEATURE)
        import_extra("httpcore", "http", feature=_FEATURE)
        import httpx

        self.policy = policy or HttpPolicy()
        self._sleep = sleep
        self._jitter = jitter
        timeout = httpx.Timeout(
            connect=self.policy.connect_timeout,
            read=self.policy.read_timeout,
            write=self.policy.read_timeout,
            pool=self.policy.connect_timeout,
        )
        self._client = httpx.Client(
            transport=cast("httpx.BaseTransport", _Transport(self.policy)),
            follow_redirects=False,
            trust_env=False,
            timeout=timeout,
            headers={"User-Agent": user_agent, "Accept-Encoding": "identity"},
        )
        self._errors, self._timeouts, self._connect_timeouts, self._connects = _transport_errors()

    # -- public ----------------------------------------------------------------------------

    def get(
        self,
        url: str,
        *,
        headers: Mapping[str, str] | None = None,
        params: Mapping[str, str] | None = None,
    ) -> HttpResponse:
        """GET ``url``; any completed non-3xx answer is returned, 502/503/504 after retries."""
        return self._send("GET", url, headers=headers, params=params, idempotent=True)

    def post(
        self,
        url: str,
        *,
        json: JSONValue = None,
        content: bytes | None = None,
        headers: Mapping[str, str] | None = None,
        idempotent: bool = False,
    ) -> HttpResponse:
        """POST ``json`` (compact UTF-8 JSON) or raw ``content`` to ``url``.

        Without ``idempotent=True`` only a failed connection is retried: a timeout or a 5xx
        may mean the server acted on the request.
        """
        all_headers = dict(headers or {})
        if content is None:
            content = dumps_compact(json).encode("utf-8")
            all_headers.setdefault("Content-Type", "application/json")
        return self._send("POST", url, headers=all_headers, content=content, idempotent=idempotent)

    def close(self) -> None:
        """Close the pooled connections."""
        self._client.close()

    def __enter__(self) -> HttpClient:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    # -- the exchange ------------------------------------------------------------------------

    def _send(
        self,
        method: str,
        url: str,
        *,
        headers: Mapping[str, str] | None,
        params: Mapping[str, str] | None = None,
        content: bytes | None = None,
        idempotent: bool,
    ) -> HttpResponse:
        target = _parse_url(url)
        if params:
            target = target.copy_merge_params(dict(params))
        shown = _shown(target)
        deadline = time.monotonic() + self.policy.total_timeout
        token = _DEADLINE.set(deadline)
        try:
            attempt = 0
            while True:
                try:
                    response = self._client.request(
                        method, target, headers=headers, content=content
                    )
                except BidError:
                    raise  # already ours: a refused address, a too-large body, the deadline
                except self._errors as exc:
                    error, connect_failed = self._translate(exc, shown, deadline)
                    transient = connect_failed or (idempotent and isinstance(error, HttpTimeout))
                    if transient and self._may_retry(attempt, deadline):
                        attempt += 1
                        continue
                    raise error from exc
                status = response.status_code
                if 300 <= status < 400:
                    location = response.headers.get("location", "(no Location)")
                    raise RedirectRefused(
                        f"{shown} answered {status} redirecting to {location[:200]!r}; "
                        "redirects are not followed"
                    )
                if status in _RETRY_STATUSES and idempotent and self._may_retry(attempt, deadline):
                    attempt += 1
                    continue
                return HttpResponse(
                    url=shown,
                    status=status,
                    headers=MappingProxyType(
                        {key.lower(): value for key, value in response.headers.items()}
                    ),
                    content=response.content,
                )
        finally:
            _DEADLINE.reset(token)

    def _translate(self, exc: BaseException, shown: str, deadline: float) -> tuple[HttpError, bool]:
        """Our error for a transport exception, and whether the connection itself failed."""
        if isinstance(exc, self._timeouts):
            connect = isinstance(exc, self._connect_timeouts)
            if time.monotonic() >= deadline - 0.05:  # a read cut short by the deadline
                message = f"{shown}: the total timeout of {self.policy.total_timeout}s passed"
            elif connect:
                message = f"{shown}: connecting took longer than {self.policy.connect_timeout}s"
            else:
                message = f"{shown}: no data for {self.policy.read_timeout}s"
            return HttpTimeout(message), connect
        if isinstance(exc, self._connects):
            return HttpError(f"cannot connect to {shown}: {exc}"), True
        return HttpError(f"the exchange with {shown} failed: {type(exc).__name__}: {exc}"), False

    def _may_retry(self, attempt: int, deadline: float) -> bool:
        """Wait before retry ``attempt`` + 1; False when no retry is left or time is short."""
        if attempt >= self.policy.retries:
            return False
        delay = min(self.policy.max_backoff, self.policy.backoff * 2**attempt)
        delay *= 0.5 + self._jitter() / 2
        if time.monotonic() + delay >= deadline:
            return False
        self._sleep(delay)
        return True


def _shown(url: httpx.URL) -> str:
    """The URL for messages: scheme, host, port and path (the query may carry tokens)."""
    return str(url.copy_with(query=None, fragment=None))
