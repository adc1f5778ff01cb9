"""The DIF Universal Resolver driver: DID resolution over HTTP, and the BIF RFC-005 paths.

``create_app(resolver)`` gives an ASGI application (Starlette); ``run(app, host, port)``
serves it with uvicorn. ``bid serve`` does both. Routes:

``GET /1.0/identifiers/{did-or-did-url}``
    The DID Resolution HTTP(S) binding. The identifier is percent-decoded once, so
    ``did%3Abid%3Aab12%3Aef...`` and ``did:bid:ab12:ef...`` are the same request, and
    ``%23key-1`` carries the fragment that HTTP clients never send. The request's query
    string is the DID URL's query (``versionId``, ``versionTime``, ``service``,
    ``relativeRef``). A DID, with at most ``versionId`` or ``versionTime``, is resolved;
    anything else is dereferenced.

    Resolution, by ``Accept``: ``application/did-resolution`` (also with
    ``;profile="https://w3id.org/did-resolution"``, and the older
    ``application/ld+json;profile="https://w3id.org/did-resolution"``), ``*/*`` or no
    header: the whole resolution result; ``application/did+ld+json``,
    ``application/did+json``, ``application/did``: the document alone;
    ``application/did-url-dereferencing``: the result in the dereferencing shape.
    Dereferencing: ``*/*`` and the document types give the resource itself (a service
    endpoint URL gives ``303 See Other`` with ``Location``); ``text/uri-list`` only fits a
    service endpoint; ``application/did-url-dereferencing`` (or ``application/did-resolution``)
    gives the whole dereferencing result.

    Status: 200; 303 (service endpoint URL); 400 ``invalidDid``, ``invalidDidUrl``,
    ``invalidOptions`` and did:key's ``invalidPublicKey`` / ``invalidPublicKeyLength`` (the
    DID itself is wrong; the W3C table would say 500); 404 ``notFound``; 406
    ``representationNotSupported``; 410 deactivated (the body is still the result); 501
    ``methodNotSupported``, ``featureNotSupported``, ``unsupportedPublicKeyType``; 500
    ``internalError``, ``invalidDidDocument`` and anything else; 503 when resolution takes
    longer than ``request_timeout`` or too many resolutions are stuck (``Retry-After``).

    Error bodies: every answer of the resolution process, errors included, is a result
    whose metadata ``error`` is an RFC 9457 object: ``application/did-resolution`` for a
    DID, ``application/did-url-dereferencing`` for a DID URL, whatever the ``Accept``.
    Answers from outside it (no such route 404, 405, 413, 414, a bug in the server 500) are
    ``application/problem+json``.

``GET /1.0/methods``, ``/1.0/testIdentifiers``, ``/1.0/properties``, ``/health`` (and
``/1.0/health``)
    The driver's helper endpoints; all JSON.

``GET /bif/{bid}`` and ``/bif/{bid}/public-keys[/{keyId}]``, ``/attributes``, ``/acsns``,
``/verifiableCredentials``, ``/services[?id=]``
    The BIF text resolution protocol (RFC-005) with ``/bif`` as its base URL: the envelope
    ``{"errorCode", "message", "data"}`` around the BID document (BIF shape, not W3C).
    errorCode 0 success, 6 not found (also deactivated), 2 error (not a did:bid, a
    document that is not a BID document, a server fault), 3 server too busy (time limit).
    The HTTP status is 200 whenever the envelope answers the question (BIF clients read
    the envelope only on 200); a server fault (an exception, or ``internalError`` from
    the registry) is 500 and a time limit 503, envelope included.

Limits: a request target longer than ``max_request_bytes`` gets 414, a body larger than
it 413, a body without a declared length (``Transfer-Encoding``) 411; the last two close
the connection, so the body is never read. Blocking resolver calls run in worker threads,
at most ``max_threads`` at a time, each for at most ``request_timeout`` seconds; a call
past its time is abandoned (its thread finishes on its own) and counted, and while
``max_threads`` abandoned calls are still running every resolution gets 503 at once
instead of piling up more threads.

Logs: one JSON line per request on the ``bid.server`` logger (INFO): ``method``,
``path`` (at most 256 characters), ``status``, ``duration_ms``, ``didMethod``, ``error``
(the camelCase code of a failed resolution) and ``requestId`` (also sent as
``X-Request-Id``). Documents are never logged. Unexpected exceptions go with their
traceback to ``bid.server.errors``, never into a response.
"""

from __future__ import annotations

import http
import json
import logging
import secrets
import signal
import threading
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from types import FrameType
from typing import Any, Final, TypeVar
from urllib.parse import parse_qsl, quote

from ._optional import import_extra
from ._version import __version__
from .bif import BID
from .ddo import BIDDocument
from .did import DIDURL
from .errors import InvalidDID, InvalidDIDURL, InvalidDocument
from .resolver import (
    DereferencingResult,
    ResolutionResult,
    Resolver,
    dereference,
    problem,
)

try:
    import anyio
    import anyio.to_thread
    import uvicorn
    from starlette.applications import Starlette
    from starlette.datastructures import MutableHeaders
    from starlette.exceptions import HTTPException
    from starlette.requests import Request
    from starlette.responses import Response
    from starlette.routing import Route
    from starlette.types import ASGIApp, Message, Receive, Scope, Send
except ImportError as _exc:  # the `server` extra is not installed: say what to install
    import_extra(_exc.name or "starlette", "server", feature="the resolver server (bid serve)")
    raise

__all__ = [
    "BIF_PREFIX",
    "DEFAULT_TEST_IDENTIFIERS",
    "create_app",
    "run",
]

#: Base path of the BIF RFC-005 text resolution protocol on this server.
BIF_PREFIX: Final = "/bif"
#: What ``/1.0/testIdentifiers`` lists unless told otherwise: DIDs this driver resolves
#: offline. A did:bid depends on the registry, so a deployment names its own.
DEFAULT_TEST_IDENTIFIERS: Final[Mapping[str, Sequence[str]]] = {
    "bid": (),
    "key": ("did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK",),
}

_access_log = logging.getLogger("bid.server")
_error_log = logging.getLogger("bid.server.errors")

_RESULT_PROFILE = "https://w3id.org/did-resolution"
_DID_RESOLUTION = "application/did-resolution"
_DID_DEREFERENCING = "application/did-url-dereferencing"
_LD_JSON_RESULT = f'application/ld+json;profile="{_RESULT_PROFILE}"'
_DOCUMENT_TYPES = ("application/did+ld+json", "application/did+json", "application/did")
_URI_LIST = "text/uri-list"
_PROBLEM_JSON = "application/problem+json"
_JSON = "application/json"
_RESOLUTION_PARAMETERS = frozenset({"versionId", "versionTime"})
_MAX_LOGGED_PATH = 256
_SCOPE_KEY = "bid.server"
_STATUS_OF_CODE = {
    "invalidDid": 400,
    "invalidDidUrl": 400,
    "invalidOptions": 400,
    "invalidPublicKey": 400,
    "invalidPublicKeyLength": 400,
    "notFound": 404,
    "representationNotSupported": 406,
    "methodNotSupported": 501,
    "featureNotSupported": 501,
    "unsupportedPublicKeyType": 501,
}
# RFC-005 errorCode values.
_BIF_OK = 0
_BIF_ERROR = 2
_BIF_BUSY = 3
_BIF_NOT_FOUND = 6

T = TypeVar("T")


# -- content negotiation ---------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Offer:
    """A representation the server can send: the media type it answers with, what it
    matches in ``Accept`` (type and an optional required ``profile``), and its kind."""

    content_type: str
    media_range: str
    kind: str  # "result", "dereferencing", "document", "uri-list"
    profile: str | None = None


_RESULT = _Offer(_DID_RESOLUTION, _DID_RESOLUTION, "result")
_LD_RESULT = _Offer(_LD_JSON_RESULT, "application/ld+json", "result", _RESULT_PROFILE)
_DEREFERENCING = _Offer(_DID_DEREFERENCING, _DID_DEREFERENCING, "dereferencing")
_DOCUMENTS = tuple(_Offer(t, t, "document") for t in _DOCUMENT_TYPES)
_URIS = _Offer(_URI_LIST, _URI_LIST, "uri-list")
#: In the order preferred when ``Accept`` does not decide (the first is the default).
_RESOLUTION_OFFERS = (_RESULT, _LD_RESULT, *_DOCUMENTS, _DEREFERENCING)
_DEREFERENCING_OFFERS = (*_DOCUMENTS, _URIS, _DEREFERENCING, _RESULT, _LD_RESULT)


@dataclass(frozen=True, slots=True)
class _Range:
    media_type: str
    params: Mapping[str, str]
    q: float
    index: int


def _split(text: str, separator: str) -> list[str]:
    """``text`` split at ``separator`` outside double quotes."""
    parts: list[str] = []
    current: list[str] = []
    quoted = False
    for char in text:
        if char == '"':
            quoted = not quoted
        if char == separator and not quoted:
            parts.append("".join(current))
            current = []
        else:
            current.append(char)
    parts.append("".join(current))
    return parts


def _parse_accept(header: str) -> list[_Range]:
    ranges = []
    for index, item in enumerate(_split(header, ",")[:64]):
        media_type, *raw_params = (p.strip() for p in _split(item, ";"))
        if not media_type:
            continue
        params: dict[str, str] = {}
        q = 1.0
        for raw in raw_params:
            name, _, value = raw.partition("=")
            name, value = name.strip().lower(), value.strip().strip('"')
            if name == "q":
                try:
                    q = min(max(float(value), 0.0), 1.0)
                except ValueError:
                    q = 0.0
            else:
                params[name] = value
        ranges.append(_Range(media_type.lower(), params, q, index))
    return ranges


def _match(offer: _Offer, media_range: _Range) -> int | None:
    """How specifically ``media_range`` names ``offer`` (3 > 2 > 1 > 0), or None."""
    if media_range.media_type == "*/*":
        return 0
    main, _, sub = media_range.media_type.partition("/")
    if sub == "*":
        return 1 if offer.media_range.startswith(main + "/") else None
    if media_range.media_type != offer.media_range:
        return None
    profile = media_range.params.get("profile")
    if offer.profile is not None:
        return 3 if profile == offer.profile else None
    return 3 if profile == _RESULT_PROFILE else 2


def _negotiate(header: str | None, offers: Sequence[_Offer]) -> _Offer | None:
    """The offer ``Accept`` prefers (RFC 9110 12.5.1), the first offer without a header,
    or None when nothing offered is acceptable."""
    if header is None or not header.strip():
        return offers[0]
    ranges = _parse_accept(header)
    best: tuple[float, int, int, int] | None = None
    chosen = None
    for preference, offer in enumerate(offers):
        matches = [(s, r) for r in ranges if (s := _match(offer, r)) is not None]
        if not matches:
            continue
        specificity, media_range = max(matches, key=lambda m: (m[0], -m[1].index))
        if media_range.q <= 0:
            continue
        key = (media_range.q, specificity, -media_range.index, -preference)
        if best is None or key > best:
            best, chosen = key, offer
    return chosen


def _supported(offers: Sequence[_Offer]) -> str:
    return ", ".join(o.content_type for o in offers)


# -- running blocking resolver calls ---------------------------------------------------------


class _Busy(Exception):
    """Too many abandoned resolver calls are still running."""


class _Runner:
    """Runs blocking calls in worker threads with a time limit, never piling up threads.

    At most ``max_threads`` calls run at a time (the others wait, within their time).
    A call past its time is abandoned: the request is answered, the thread finishes on
    its own. While ``max_threads`` abandoned calls are running, :meth:`call` refuses
    at once with _Busy, so a hung registry costs at most ``2 * max_threads`` threads.
    """

    def __init__(self, *, max_threads: int, timeout: float) -> None:
        self._limiter = anyio.CapacityLimiter(max_threads)
        self._max_abandoned = max_threads
        self._timeout = timeout
        self._lock = threading.Lock()
        self._abandoned = 0

    async def call(self, func: Callable[[], T]) -> T:
        """``func()`` in a worker thread; raises _Busy, TimeoutError, or what it raises."""
        if self._abandoned >= self._max_abandoned:
            raise _Busy
        state = {"started": False, "finished": False, "abandoned": False}

        def work() -> T:
            with self._lock:
                if state["abandoned"]:  # timed out before it started: do nothing
                    raise _Busy
                state["started"] = True
            try:
                return func()
            finally:
                with self._lock:
                    state["finished"] = True
                    if state["abandoned"]:
                        self._abandoned -= 1

        try:
            with anyio.fail_after(self._timeout):
                return await anyio.to_thread.run_sync(
                    work, abandon_on_cancel=True, limiter=self._limiter
                )
        except TimeoutError:
            with self._lock:
                state["abandoned"] = True
                if state["started"] and not state["finished"]:
                    self._abandoned += 1
            raise


# -- responses ---------------------------------------------------------------------------------


def _dump(value: object) -> bytes:
    return json.dumps(value, ensure_ascii=False, indent=2).encode("utf-8")


def _problem_response(
    status: int, detail: str, headers: Mapping[str, str] | None = None
) -> Response:
    """An RFC 9457 ``application/problem+json`` answer for errors outside resolution."""
    body = {
        "type": "about:blank",
        "title": http.HTTPStatus(status).phrase,
        "status": status,
        "detail": detail,
    }
    return Response(_dump(body), status, headers=dict(headers or {}), media_type=_PROBLEM_JSON)


def _status_of(code: str) -> int:
    return _STATUS_OF_CODE.get(code, 500)


def _log_info(request: Request) -> dict[str, Any]:
    info: dict[str, Any] = request.scope.setdefault(_SCOPE_KEY, {})
    return info


def _unavailable_detail(exc: BaseException, timeout: float) -> str:
    if isinstance(exc, _Busy):
        return "too many resolutions are still running; try again shortly"
    return f"resolution took longer than {timeout:g} s"


_RETRY_AFTER = {"Retry-After": "1"}
# On a refused body: closing is the only way not to read it (keep-alive would drain it all).
_CLOSE = {"Connection": "close"}


class _Driver:
    """The request handlers, sharing the resolver, the runner and the configuration."""

    def __init__(
        self,
        resolver: Resolver,
        *,
        methods: tuple[str, ...],
        test_identifiers: Mapping[str, Sequence[str]],
        max_request_bytes: int,
        request_timeout: float,
        max_threads: int,
    ) -> None:
        self._resolver = resolver
        self._methods = methods
        self._test_identifiers = {
            m: list(test_identifiers.get(m, ())) for m in methods if m in test_identifiers
        }
        self._max_request_bytes = max_request_bytes
        self._timeout = request_timeout
        self._runner = _Runner(max_threads=max_threads, timeout=request_timeout)

    # -- /1.0/identifiers ----------------------------------------------------------------

    async def identifiers(self, request: Request) -> Response:
        """Resolve a DID or dereference a DID URL (see the module documentation)."""
        info = _log_info(request)
        query = request.scope.get("query_string", b"").decode("latin-1")  # not from Host
        identifier = request.path_params["identifier"]
        if str(request.scope.get("path", "")).endswith("\n"):
            identifier += "\n"  # the route's ".*" stops before a final line feed: keep it
        did_url = _did_url(identifier, query)
        try:
            parsed: DIDURL | None = DIDURL.parse(did_url)
        except InvalidDIDURL:
            parsed = None
        if parsed is not None:
            info["didMethod"] = parsed.did.method[:32]
        accept = request.headers.get("accept")
        if _is_resolution(did_url, parsed):
            return await self._resolve(did_url, parsed, accept, info)
        return await self._dereference(did_url, parsed, accept, info)

    async def _resolve(
        self, did_url: str, parsed: DIDURL | None, accept: str | None, info: dict[str, Any]
    ) -> Response:
        offer = _negotiate(accept, _RESOLUTION_OFFERS)
        did = str(parsed.did) if parsed is not None else did_url
        if offer is None:
            detail = f"{accept} is none of {_supported(_RESOLUTION_OFFERS)}"
            return _resolution_error(
                ResolutionResult.failure("representationNotSupported", detail), info
            )
        if parsed is not None and parsed.did.method not in self._methods:
            detail = f"this driver resolves {', '.join(self._methods)}, not did:{parsed.did.method}"
            return _resolution_error(ResolutionResult.failure("methodNotSupported", detail), info)
        options: dict[str, Any] = (
            dict(parse_qsl(parsed.query or "", keep_blank_values=True)) if parsed else {}
        )
        if offer.kind == "document":
            options["accept"] = offer.content_type
        try:
            result = await self._runner.call(lambda: self._resolver.resolve(did, options or None))
        except (TimeoutError, _Busy) as exc:
            failure = ResolutionResult.failure(
                "internalError", _unavailable_detail(exc, self._timeout)
            )
            return _resolution_error(failure, info, status=503, headers=_RETRY_AFTER)
        except Exception:
            failure = ResolutionResult.failure("internalError", _fault(info, did))
            return _resolution_error(failure, info)
        if result.error is not None:
            return _resolution_error(result, info)
        status = 410 if result.deactivated else 200
        if offer.kind == "result":
            return Response(
                result.representation(_DID_RESOLUTION), status, media_type=offer.content_type
            )
        if offer.kind == "dereferencing":
            as_dereferencing = DereferencingResult(
                None if result.did_document is None else result.did_document.to_json(),
                result.did_document_metadata,
                result.did_resolution_metadata,
            )
            return _json_response(as_dereferencing.to_json(), status, _DID_DEREFERENCING)
        return Response(
            result.representation(offer.content_type), status, media_type=offer.content_type
        )

    async def _dereference(
        self, did_url: str, parsed: DIDURL | None, accept: str | None, info: dict[str, Any]
    ) -> Response:
        offer = _negotiate(accept, _DEREFERENCING_OFFERS)
        if offer is None:
            detail = f"{accept} is none of {_supported(_DEREFERENCING_OFFERS)}"
            return _dereferencing_error("representationNotSupported", detail, info)
        if parsed is not None and parsed.did.method not in self._methods:
            detail = f"this driver resolves {', '.join(self._methods)}, not did:{parsed.did.method}"
            return _dereferencing_error("methodNotSupported", detail, info)
        try:
            result = await self._runner.call(lambda: dereference(did_url, self._resolver))
        except (TimeoutError, _Busy) as exc:
            detail = _unavailable_detail(exc, self._timeout)
            return _dereferencing_error("internalError", detail, info, status=503)
        except Exception:
            return _dereferencing_error("internalError", _fault(info, did_url), info)
        if result.error is not None:
            info["error"] = result.error
            return _json_response(result.to_json(), _status_of(result.error), _DID_DEREFERENCING)
        status = 410 if result.content_metadata.get("deactivated") is True else 200
        if offer.kind in ("dereferencing", "result"):
            return _json_response(result.to_json(), status, _DID_DEREFERENCING)
        content = result.content
        if (
            isinstance(content, str)
            and result.dereferencing_metadata.get("contentType") == _URI_LIST
        ):
            location = quote(content, safe=":/?#[]@!$&'()*+,;=%~")
            headers = {"Location": location}
            return Response(location + "\n", 303, headers=headers, media_type=_URI_LIST)
        if offer.kind == "uri-list":
            detail = f"{did_url} names no service endpoint URL; {_URI_LIST} cannot hold it"
            return _dereferencing_error("representationNotSupported", detail, info)
        return _json_response(content, status, offer.content_type)

    # -- helper endpoints ---------------------------------------------------------------------

    async def methods(self, request: Request) -> Response:
        """The DID methods this driver resolves."""
        return _json_response(list(self._methods), 200, _JSON)

    async def test_identifiers(self, request: Request) -> Response:
        """Method name -> DIDs that resolve here."""
        return _json_response(self._test_identifiers, 200, _JSON)

    async def properties(self, request: Request) -> Response:
        """What this driver is and how it is configured (nothing secret: no registry URL)."""
        body = {
            "driver": "bid",
            "version": __version__,
            "methods": list(self._methods),
            "patterns": [f"^(did:{m}:.+)$" for m in self._methods],
            "resolutionMediaTypes": [o.content_type for o in _RESOLUTION_OFFERS],
            "dereferencingMediaTypes": [o.content_type for o in _DEREFERENCING_OFFERS],
            "bifResolutionBase": BIF_PREFIX if "bid" in self._methods else None,
            "maxRequestBytes": self._max_request_bytes,
            "requestTimeoutSeconds": self._timeout,
        }
        return _json_response(body, 200, _JSON)

    async def health(self, request: Request) -> Response:
        """Liveness: the process answers. It does not touch the registry."""
        return _json_response({"status": "ok"}, 200, _JSON)

    # -- BIF RFC-005 ----------------------------------------------------------------------------

    async def bif_document(self, request: Request) -> Response:
        """``{base}/{bid}``: the BID document."""
        return await self._bif(request, lambda doc: {"didDocument": doc.to_json()})

    async def bif_public_keys(self, request: Request) -> Response:
        """``{base}/{bid}/public-keys``."""
        return await self._bif(
            request,
            lambda doc: {
                **_bif_head(doc),
                "publicKey": doc.to_json().get("publicKey", []),
            },
        )

    async def bif_public_key(self, request: Request) -> Response:
        """``{base}/{bid}/public-keys/{keyId}``: one key, by name or full id."""
        key_id = str(request.path_params["key_id"])

        def pick(doc: BIDDocument) -> dict[str, Any] | str:
            wanted = _full_id(doc.id, key_id)
            for entry in doc.to_json().get("publicKey", []):
                if entry.get("id") == wanted:
                    return {**_bif_head(doc), "publicKey": entry}
            return f"{doc.id} has no public key {key_id!r}"

        return await self._bif(request, pick)

    async def bif_attributes(self, request: Request) -> Response:
        """``{base}/{bid}/attributes``."""
        return await self._bif(request, lambda doc: _bif_extension(doc, "attributes"))

    async def bif_acsns(self, request: Request) -> Response:
        """``{base}/{bid}/acsns``."""
        return await self._bif(request, lambda doc: _bif_extension(doc, "acsns"))

    async def bif_credentials(self, request: Request) -> Response:
        """``{base}/{bid}/verifiableCredentials``."""
        return await self._bif(request, lambda doc: _bif_extension(doc, "verifiableCredentials"))

    async def bif_services(self, request: Request) -> Response:
        """``{base}/{bid}/services?id=``: one service by id or name, or all without ``id``."""
        service_id = request.query_params.get("id")

        def pick(doc: BIDDocument) -> dict[str, Any] | str:
            services = doc.to_json().get("service", [])
            if service_id is None:
                return {**_bif_head(doc), "service": services}
            wanted = _full_id(doc.id, service_id)
            for entry in services:
                if entry.get("id") in (wanted, service_id):
                    return {**_bif_head(doc), "service": entry}
            return f"{doc.id} has no service {service_id!r}"

        return await self._bif(request, pick)

    async def _bif(
        self, request: Request, select: Callable[[BIDDocument], dict[str, Any] | str]
    ) -> Response:
        info = _log_info(request)
        bid = str(request.path_params["bid"])
        try:
            BID.parse(bid)
        except InvalidDID as exc:
            return _envelope(_BIF_ERROR, f"not a BID: {exc.message}", info)
        info["didMethod"] = "bid"
        try:
            result = await self._runner.call(lambda: self._resolver.resolve(bid))
        except (TimeoutError, _Busy) as exc:
            detail = _unavailable_detail(exc, self._timeout)
            return _envelope(_BIF_BUSY, detail, info, status=503, headers=_RETRY_AFTER)
        except Exception:
            return _envelope(_BIF_ERROR, _fault(info, bid), info, status=500)
        if result.error is not None:
            code = _BIF_NOT_FOUND if result.error == "notFound" else _BIF_ERROR
            error = result.did_resolution_metadata.get("error")
            detail = str(error.get("detail", "")) if isinstance(error, Mapping) else str(error)
            info["error"] = result.error
            status = 500 if _status_of(result.error) == 500 else 200  # the registry failed
            return _envelope(code, detail or result.error, info, status=status)
        if result.deactivated or result.did_document is None:
            info["error"] = "deactivated"
            return _envelope(_BIF_NOT_FOUND, f"{bid} is deactivated", info)
        try:
            document = BIDDocument.from_did_document(result.did_document)
        except InvalidDocument as exc:
            return _envelope(_BIF_ERROR, f"not a BID document: {exc.message}", info)
        data = select(document)
        if isinstance(data, str):
            info["error"] = "notFound"
            return _envelope(_BIF_NOT_FOUND, data, info)
        return _envelope(_BIF_OK, "success", info, data=data)


def _did_url(identifier: str, query: str) -> str:
    """The DID URL of a request: the decoded path, with the HTTP query joined to its query
    (before any ``#fragment``, which reaches us percent-encoded in the path)."""
    if not query:
        return identifier
    base, hash_sign, fragment = identifier.partition("#")
    base += ("&" if "?" in base else "?") + query
    return base + hash_sign + fragment


def _is_resolution(did_url: str, parsed: DIDURL | None) -> bool:
    """Whether the request is for a DID document: a DID with only resolution parameters."""
    if parsed is None:
        return not any(c in did_url for c in "/?#")
    if parsed.path or parsed.fragment is not None:
        return False
    if parsed.query is None:
        return True
    pairs = parse_qsl(parsed.query, keep_blank_values=True)
    names = [name for name, _ in pairs]
    return bool(pairs) and len(set(names)) == len(names) and set(names) <= _RESOLUTION_PARAMETERS


def _fault(info: dict[str, Any], subject: str) -> str:
    """Log the exception being handled; the detail for the response (no internals)."""
    request_id = info.get("requestId", "-")
    _error_log.exception("request %s: resolving %.200s failed", request_id, subject)
    return f"the resolver failed unexpectedly (request {request_id}; see the server log)"


def _json_response(value: object, status: int, media_type: str) -> Response:
    return Response(_dump(value), status, media_type=media_type)


def _resolution_error(
    result: ResolutionResult,
    info: dict[str, Any],
    *,
    status: int | None = None,
    headers: Mapping[str, str] | None = None,
) -> Response:
    code = result.error or "internalError"
    info["error"] = code
    return Response(
        result.representation(_DID_RESOLUTION),
        status or _status_of(code),
        headers=dict(headers or {}),
        media_type=_DID_RESOLUTION,
    )


def _dereferencing_error(
    code: str, detail: str, info: dict[str, Any], *, status: int | None = None
) -> Response:
    info["error"] = code
    result = DereferencingResult(None, {}, {"error": problem(code, detail)})
    headers = _RETRY_AFTER if status == 503 else {}
    return Response(
        _dump(result.to_json()),
        status or _status_of(code),
        headers=headers,
        media_type=_DID_DEREFERENCING,
    )


def _bif_head(document: BIDDocument) -> dict[str, Any]:
    return {"version": document.properties.get("version", "1.0.0"), "id": document.id}


def _bif_extension(document: BIDDocument, name: str) -> dict[str, Any]:
    value = document.to_json().get("extension", {}).get(name, [])
    return {**_bif_head(document), name: value}


def _full_id(did: str, reference: str) -> str:
    if reference.startswith("#"):
        return did + reference
    return reference if "#" in reference else f"{did}#{reference}"


def _envelope(
    code: int,
    message: str,
    info: dict[str, Any],
    *,
    data: Mapping[str, Any] | None = None,
    status: int = 200,
    headers: Mapping[str, str] | None = None,
) -> Response:
    body: dict[str, Any] = {"errorCode": code, "message": message}
    if data is not None:
        body["data"] = data
    elif "error" not in info:
        info["error"] = {_BIF_BUSY: "busy", _BIF_NOT_FOUND: "notFound"}.get(code, "error")
    return Response(_dump(body), status, headers=dict(headers or {}), media_type=_JSON)


# -- the guard: limits, access log, last-resort errors -----------------------------------------


class _Guard:
    """Outermost middleware: request limits, one access-log line per request, and a
    problem+json 500 (with no traceback) for any exception that escapes a handler."""

    def __init__(self, app: ASGIApp, *, max_request_bytes: int) -> None:
        self._app = app
        self._max = max_request_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self._app(scope, receive, send)
            return
        started = time.perf_counter()
        request_id = secrets.token_hex(8)
        info: dict[str, Any] = {"requestId": request_id}
        scope[_SCOPE_KEY] = info
        response_status: list[int] = []

        async def send_logged(message: Message) -> None:
            if message["type"] == "http.response.start":
                response_status.append(message["status"])
                headers = MutableHeaders(scope=message)
                headers["X-Request-Id"] = request_id
                headers["X-Content-Type-Options"] = "nosniff"
            await send(message)

        try:
            rejection = self._reject(scope)
            if rejection is not None:
                await rejection(scope, receive, send_logged)
            else:
                await self._app(scope, receive, send_logged)
        except Exception:
            _error_log.exception("request %s: unhandled error", request_id)
            if response_status:
                raise  # the answer is half sent: let the server drop the connection
            detail = f"an unexpected error occurred (request {request_id}; see the server log)"
            await _problem_response(500, detail)(scope, receive, send_logged)
        finally:
            _access_log.info(
                json.dumps(
                    {
                        "method": scope.get("method"),
                        "path": str(scope.get("path", ""))[:_MAX_LOGGED_PATH],
                        "status": response_status[0] if response_status else 500,
                        "duration_ms": round((time.perf_counter() - started) * 1000, 3),
                        "didMethod": info.get("didMethod"),
                        "error": info.get("error"),
                        "requestId": request_id,
                    },
                    ensure_ascii=False,
                )
            )

    def _reject(self, scope: Scope) -> Response | None:
        raw_path: bytes = scope.get("raw_path") or str(scope.get("path", "")).encode()
        target = len(raw_path) + len(scope.get("query_string", b"")) + 1
        if target > self._max:
            return _problem_response(414, f"the request target is longer than {self._max} bytes")
        for name, value in scope.get("headers", []):
            if name == b"content-length":
                try:
                    length = int(value)
                except ValueError:
                    return _problem_response(400, "Content-Length is not a number")
                if length > self._max:
                    return _problem_response(
                        413, f"the request body is larger than {self._max} bytes", _CLOSE
                    )
            elif name == b"transfer-encoding":
                return _problem_response(
                    411, "a request body must declare its length (Content-Length)", _CLOSE
                )
        return None


async def _http_problem(request: Request, exc: Exception) -> Response:
    """Starlette's HTTPException (404 no route, 405 method) as problem+json."""
    assert isinstance(exc, HTTPException)
    detail = (
        exc.detail
        if exc.status_code != 404
        else f"no resource at {str(request.scope.get('path', ''))[:200]}"
    )
    return _problem_response(exc.status_code, detail, exc.headers)


# -- the application ---------------------------------------------------------------------------


def create_app(
    resolver: Resolver,
    *,
    methods: Iterable[str] = ("bid", "key"),
    test_identifiers: Mapping[str, Sequence[str]] = DEFAULT_TEST_IDENTIFIERS,
    max_request_bytes: int = 8192,
    request_timeout: float = 10.0,
    max_threads: int = 32,
) -> Starlette:
    """The driver as an ASGI application; see the module documentation for its routes.

    ``resolver`` is called from worker threads, possibly several at once: wrap it in a
    bounded ``CachedResolver`` for production. ``methods`` are the DID methods advertised
    and accepted (others get 501 without reaching the resolver); the BIF paths exist when
    ``"bid"`` is one of them. Raises ValueError for a limit that is not positive.
    """
    names = tuple(methods)
    if max_request_bytes <= 0 or request_timeout <= 0 or max_threads <= 0:
        raise ValueError("max_request_bytes, request_timeout and max_threads must be positive")
    driver = _Driver(
        resolver,
        methods=names,
        test_identifiers=test_identifiers,
        max_request_bytes=max_request_bytes,
        request_timeout=request_timeout,
        max_threads=max_threads,
    )
    routes = [
        Route("/1.0/identifiers/{identifier:path}", driver.identifiers, methods=["GET"]),
        Route("/1.0/methods", driver.methods, methods=["GET"]),
        Route("/1.0/testIdentifiers", driver.test_identifiers, methods=["GET"]),
        Route("/1.0/properties", driver.properties, methods=["GET"]),
        Route("/1.0/health", driver.health, methods=["GET"]),
        Route("/health", driver.health, methods=["GET"]),
    ]
    if "bid" in names:
        base = BIF_PREFIX + "/{bid}"
        routes += [
            Route(base, driver.bif_document, methods=["GET"]),
            Route(base + "/public-keys", driver.bif_public_keys, methods=["GET"]),
            Route(base + "/public-keys/{key_id}", driver.bif_public_key, methods=["GET"]),
            Route(base + "/attributes", driver.bif_attributes, methods=["GET"]),
            Route(base + "/acsns", driver.bif_acsns, methods=["GET"]),
            Route(base + "/verifiableCredentials", driver.bif_credentials, methods=["GET"]),
            Route(base + "/services", driver.bif_services, methods=["GET"]),
        ]
    app = Starlette(
        routes=routes,
        exception_handlers={HTTPException: _http_problem},
    )
    app.add_middleware(_Guard, max_request_bytes=max_request_bytes)
    return app


# -- serving -----------------------------------------------------------------------------------

_LOG_CONFIG: dict[str, Any] = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "line": {"format": "%(message)s"},
        "default": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"},
    },
    "handlers": {
        "access": {
            "class": "logging.StreamHandler",
            "formatter": "line",
            "stream": "ext://sys.stdout",
        },
        "default": {
            "class": "logging.StreamHandler",
            "formatter": "default",
            "stream": "ext://sys.stderr",
        },
    },
    "loggers": {
        "bid.server": {"handlers": ["access"], "level": "INFO", "propagate": False},
        "bid.server.errors": {"handlers": ["default"], "level": "INFO", "propagate": False},
        "uvicorn": {"handlers": ["default"], "level": "INFO", "propagate": False},
    },
}


def run(
    app: ASGIApp,
    host: str = "127.0.0.1",
    port: int = 8080,
    *,
    limit_concurrency: int = 1024,
    configure_logging: bool = True,
) -> None:
    """Serve ``app`` with uvicorn until SIGINT or SIGTERM, then return after a graceful stop.

    Access lines (JSON) go to stdout, everything else to stderr, unless
    ``configure_logging`` is false. More than ``limit_concurrency`` open connections get 503.
    Raises OSError when the server cannot start (the address is in use, say).
    """
    config = uvicorn.Config(
        app,
        host=host,
        port=port,
        access_log=False,  # ours is the bid.server log
        log_config=_LOG_CONFIG if configure_logging else None,
        server_header=False,
        limit_concurrency=limit_concurrency,
        timeout_keep_alive=5,
        timeout_graceful_shutdown=10,
        lifespan="off",  # no startup or shutdown work; and no lifespan task to cancel
        h11_max_incomplete_event_size=16 * 1024,
    )
    server = uvicorn.Server(config)
    in_main_thread = threading.current_thread() is threading.main_thread()
    previous = signal.getsignal(signal.SIGTERM) if in_main_thread else None
    if in_main_thread:
        # uvicorn stops on SIGTERM, then raises it again: end as for Ctrl-C, not killed.
        signal.signal(signal.SIGTERM, _interrupt)
    try:
        server.run()
    except KeyboardInterrupt:
        pass
    except SystemExit as exc:
        if exc.code not in (0, None):
            raise OSError(f"the server could not start on {host}:{port} (see the log)") from exc
    finally:
        if in_main_thread:
            signal.signal(signal.SIGTERM, previous)


def _interrupt(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt
