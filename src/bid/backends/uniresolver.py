"""A client of the DIF Universal Resolver (or of one of its drivers) over HTTP(S).

``GET {base}/1.0/identifiers/{percent-encoded DID}`` with ``Accept: application/did-resolution``
(and the older ``application/ld+json;profile="https://w3id.org/did-resolution"``); a server
that answers with a bare DID document (``application/did+ld+json``, ``application/did+json``)
is read too. Resolution options other than ``accept`` go in the query string, as the
Universal Resolver reads them.

The HTTP status decides the outcome (DID Resolution, HTTP(S) binding):

======  ========================================================================
200     success; the document must pass :meth:`DIDDocument.from_json` and its ``id`` must
        be the DID asked for, else ``invalidDidDocument``
410     deactivated: the document (if the body holds one), ``deactivated: true``
404     ``notFound``, but only when the body is a DID resolution result whose error, if
        any, is ``notFound``: a 404 page of a wrong base URL or a proxy, or a result
        saying something else, is ``internalError``
400     ``invalidDid`` (or ``invalidDidUrl`` / ``invalidOptions`` when the body says so)
406     ``representationNotSupported``
501     ``methodNotSupported`` (or ``featureNotSupported``)
500     ``internalError`` (or ``invalidDidDocument``); any other status: ``internalError``
======  ========================================================================

The error detail is read from the body: an RFC 9457 object in
``didResolutionMetadata.error``, or an older camelCase string with ``errorMessage``.
Every network failure (refused address, timeout, redirect, oversized body, malformed
JSON) is an ``internalError`` result, never ``notFound``; wrapped in
:class:`~bid.resolver.CachedResolver`, none of them is cached.

See: https://w3c.github.io/did-resolution/#bindings-https
"""

from __future__ import annotations

from collections.abc import Mapping
from types import TracebackType
from typing import Any
from urllib.parse import quote

from .._json import JSONValue, freeze
from ..did import DID
from ..document import DIDDocument
from ..errors import InvalidDID, InvalidDocument
from ..resolver import DID_CONTEXT, MEDIA_TYPES, ResolutionResult, error_code
from .http import HttpClient, HttpError, HttpPolicy, HttpResponse, check_url

__all__ = ["UniversalResolverClient"]

_RESULT = "application/did-resolution"
_RESULT_PROFILE = "https://w3id.org/did-resolution"
_DOCUMENT_TYPES = frozenset({"application/did+ld+json", "application/did+json", "application/did"})
_ACCEPT = (
    f'{_RESULT}, application/ld+json;profile="{_RESULT_PROFILE}";q=0.9, '
    "application/did+ld+json;q=0.5, application/did+json;q=0.5"
)
_RESULT_MEMBERS = ("didResolutionMetadata", "didDocument", "didDocumentMetadata")
_OLD_ERROR_MESSAGES = ("errorMessage", "message")
_NO_RESULT = " without a DID resolution result (is the base URL right?)"

# status -> (the code it means, the codes a body may refine it to)
_STATUS_CODES: dict[int, tuple[str, frozenset[str]]] = {
    400: ("invalidDid", frozenset({"invalidDid", "invalidDidUrl", "invalidOptions"})),
    404: ("notFound", frozenset({"notFound"})),
    406: ("representationNotSupported", frozenset({"representationNotSupported"})),
    500: ("internalError", frozenset({"internalError", "invalidDidDocument"})),
    501: ("methodNotSupported", frozenset({"methodNotSupported", "featureNotSupported"})),
}


class _BadBody(Exception):
    """The body is not a DID resolution result or document (internal to this module)."""


def _frozen(value: Mapping[str, Any]) -> Mapping[str, JSONValue]:
    frozen = freeze(value)
    assert isinstance(frozen, Mapping)
    return frozen


class UniversalResolverClient:
    """Resolves any DID through a Universal Resolver at ``base_url``.

    ``base_url`` is the server root (``https://dev.uniresolver.io``) or its
    ``.../1.0/identifiers`` path. Every request follows ``policy`` (default
    :class:`HttpPolicy`: public addresses only, no redirects, 1 MiB, 30 s in all). Close
    the client, or use it in a ``with`` block. Raises AddressNotAllowed for a base URL
    that is not http(s) or carries user information; MissingExtra without httpx.
    """

    def __init__(self, base_url: str, *, policy: HttpPolicy | None = None) -> None:
        base = check_url(base_url, base=True).rstrip("/")
        if not base.endswith("/1.0/identifiers"):
            base += "/1.0/identifiers"
        self.base_url = base
        self._http = HttpClient(policy)

    def resolve(self, did: str, options: Mapping[str, JSONValue] | None = None) -> ResolutionResult:
        """Resolve ``did`` remotely; every failure comes back as an error result."""
        try:
            DID.parse(did)
        except InvalidDID as exc:
            return ResolutionResult.failure("invalidDid", exc.message)
        accept, params = _split_options(options)
        if isinstance(accept, ResolutionResult):
            return accept
        url = f"{self.base_url}/{quote(did, safe='')}"
        try:
            response = self._http.get(url, headers={"Accept": _ACCEPT}, params=params)
        except HttpError as exc:
            return ResolutionResult.failure(
                "internalError", f"the Universal Resolver could not be asked: {exc.message}"
            )
        return _interpret(did, response, accept)

    def close(self) -> None:
        """Close the HTTP connections."""
        self._http.close()

    def __enter__(self) -> UniversalResolverClient:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"UniversalResolverClient({self.base_url!r})"


def _split_options(
    options: Mapping[str, JSONValue] | None,
) -> tuple[str | ResolutionResult | None, dict[str, str]]:
    """The ``accept`` asked for (checked), and the other options as query parameters."""
    accept: str | None = None
    params: dict[str, str] = {}
    for name, value in (options or {}).items():
        if name == "accept":
            if not isinstance(value, str):
                return ResolutionResult.failure("invalidOptions", "accept must be a string"), {}
            media_type = value.split(";")[0].strip().lower()
            if media_type in ("*/*", "application/*"):
                continue
            if media_type not in MEDIA_TYPES:
                return ResolutionResult.failure(
                    "representationNotSupported", f"{value} is not one of {list(MEDIA_TYPES)}"
                ), {}
            accept = media_type
        elif isinstance(value, str):
            params[name] = value
        elif isinstance(value, bool):
            params[name] = "true" if value else "false"
        elif isinstance(value, int):
            params[name] = str(value)
        else:
            return ResolutionResult.failure(
                "invalidOptions", f"option {name!r} must be a string, number or boolean"
            ), {}
    return accept, params


def _parse_body(response: HttpResponse) -> tuple[str, Mapping[str, JSONValue]] | None:
    """``("result" | "document", object)``, None for an empty body; raises _BadBody."""
    if not response.content.strip():
        return None
    media_type = response.media_type
    content_type = response.headers.get("content-type", "").lower()
    is_result = media_type == _RESULT or (
        media_type == "application/ld+json" and _RESULT_PROFILE in content_type
    )
    is_document = media_type in _DOCUMENT_TYPES
    json_like = media_type in ("", "application/json", "application/ld+json") or (
        media_type.startswith("application/") and media_type.endswith("+json")
    )
    if not (is_result or is_document or json_like):
        raise _BadBody(f"the body is {media_type}, not JSON")
    try:
        value = response.json()
    except HttpError as exc:
        raise _BadBody(exc.message) from exc
    if not isinstance(value, Mapping):
        raise _BadBody("the body is not a JSON object")
    if is_result or (not is_document and any(name in value for name in _RESULT_MEMBERS)):
        for name in _RESULT_MEMBERS:
            member = value.get(name)
            if member is not None and not isinstance(member, Mapping):
                raise _BadBody(f"{name} is not an object")
        return "result", value
    return "document", value


def _member(value: Mapping[str, JSONValue], name: str) -> Mapping[str, JSONValue]:
    member = value.get(name)
    return member if isinstance(member, Mapping) else {}


def _error_of(body: tuple[str, Mapping[str, JSONValue]] | None) -> tuple[str | None, str]:
    """The camelCase code and the detail of the error a result body carries."""
    if body is None or body[0] != "result":
        return None, ""
    metadata = _member(body[1], "didResolutionMetadata")
    error = metadata.get("error")
    if error is None:
        return None, ""
    source = error if isinstance(error, Mapping) else metadata
    names = ("detail", "title") if isinstance(error, Mapping) else _OLD_ERROR_MESSAGES
    detail = next((str(source[n]) for n in names if isinstance(source.get(n), str)), "")
    return error_code(error), detail[:500]


def _interpret(did: str, response: HttpResponse, accept: str | None) -> ResolutionResult:
    status = response.status
    where = f"the Universal Resolver answered {status}"
    try:
        body = _parse_body(response)
    except _BadBody as exc:
        reason = str(exc)
        if response.media_type == "text/plain":
            reason = response.content[:200].decode("utf-8", "replace").strip() or reason
        if status == 404:
            where += _NO_RESULT
        elif status in _STATUS_CODES:
            return ResolutionResult.failure(_STATUS_CODES[status][0], f"{where}: {reason}")
        return ResolutionResult.failure("internalError", f"{where}: {reason}")
    code, detail = _error_of(body)
    if status == 200 and code is None:
        return _success(did, body, response, accept, deactivated=False)
    if status == 410:
        if body is None:
            return ResolutionResult.failure("internalError", f"{where} without a body")
        return _success(did, body, response, accept, deactivated=True)
    if status == 404 and (body is None or body[0] != "result"):
        return ResolutionResult.failure("internalError", where + _NO_RESULT)
    if status == 404 and code not in (None, "notFound"):
        return ResolutionResult.failure("internalError", f"{where} with the error {code}: {detail}")
    default, allowed = _STATUS_CODES.get(status, ("internalError", frozenset({"internalError"})))
    chosen = code if code in allowed else default
    message = f"{where}: {detail}" if detail else where
    if status == 200:
        message = f"{where} with the error {code}: {detail}"
    return ResolutionResult.failure(chosen, message)


def _success(
    did: str,
    body: tuple[str, Mapping[str, JSONValue]] | None,
    response: HttpResponse,
    accept: str | None,
    *,
    deactivated: bool,
) -> ResolutionResult:
    if body is None:
        return ResolutionResult.failure("internalError", "the Universal Resolver sent no body")
    kind, value = body
    resolution_metadata: dict[str, JSONValue] = {}
    document_metadata: dict[str, JSONValue] = {}
    if kind == "result":
        server_metadata = _member(value, "didResolutionMetadata")
        resolution_metadata.update(
            (k, v) for k, v in server_metadata.items() if k not in ("error", *_OLD_ERROR_MESSAGES)
        )
        document_metadata.update(_member(value, "didDocumentMetadata"))
        document_json = value.get("didDocument")
    else:
        document_json = value
    if document_json is None and deactivated:
        # A deactivated DID may come without a document: stand in the bare one, as
        # BidMethod does, so that callers always find the id and check `deactivated`.
        document = DIDDocument.build({"@context": DID_CONTEXT, "id": did})
    elif not isinstance(document_json, Mapping):
        return ResolutionResult.failure(
            "invalidDidDocument", "the Universal Resolver's answer holds no DID document"
        )
    else:
        try:
            document = DIDDocument.from_json(document_json)
        except InvalidDocument as exc:
            return ResolutionResult.failure("invalidDidDocument", exc.message)
        if document_json.get("id") != did:
            return ResolutionResult.failure(
                "invalidDidDocument",
                f"the Universal Resolver answered with the document of "
                f"{str(document_json.get('id'))[:120]}, not of {did}",
            )
    content_type = resolution_metadata.get("contentType")
    if accept is not None:
        content_type = accept
    elif content_type not in MEDIA_TYPES:
        media_type = response.media_type
        content_type = media_type if media_type in _DOCUMENT_TYPES else "application/did+ld+json"
    resolution_metadata["contentType"] = content_type
    if deactivated:
        document_metadata["deactivated"] = True
    return ResolutionResult(document, _frozen(resolution_metadata), _frozen(document_metadata))
