"""DID resolution and dereferencing (W3C DID Resolution): results, routers, caches.

``resolve(did, options)`` gives a :class:`ResolutionResult` with ``didDocument``,
``didResolutionMetadata`` (``contentType``, ``error``) and ``didDocumentMetadata``
(``created``, ``updated``, ``deactivated``, ``versionId``, ``nextVersionId``...). Resolution
errors are results, not exceptions: ``error`` holds an RFC 9457 problem object whose
``type`` is ``https://www.w3.org/ns/did#NOT_FOUND`` and the like; the older camelCase codes
(``notFound``) are accepted wherever an error is read. ``raise_for_error()`` turns an error
result into the matching exception when a caller prefers that.

Composition is by wrapping: ``CachedResolver(MethodRouter([KeyMethod(), BidMethod(reg)]))``.

See: https://www.w3.org/TR/did-resolution/
"""

from __future__ import annotations

import json
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, Protocol
from urllib.parse import parse_qsl, urljoin

from ._json import JSONValue, freeze, thaw
from .did import DID, DIDURL
from .document import DIDDocument
from .errors import (
    BidError,
    InvalidDID,
    InvalidDIDURL,
    InvalidDocument,
    InvalidInput,
    MethodNotSupported,
    NotFound,
    RepresentationNotSupported,
    ResolutionError,
    Unsupported,
)

__all__ = [
    "DID_CONTEXT",
    "MEDIA_TYPES",
    "CachedResolver",
    "DIDMethod",
    "DereferencingResult",
    "MethodRouter",
    "ResolutionResult",
    "Resolver",
    "StaticResolver",
    "dereference",
    "error_code",
    "problem",
]

DID_CONTEXT = "https://www.w3.org/ns/did/v1"
RESOLUTION_CONTEXT = "https://w3id.org/did-resolution/v1"
_DID_JSON = "application/did+json"
_DID_LD_JSON = "application/did+ld+json"
_DID_GENERIC = "application/did"
_DID_RESOLUTION = "application/did-resolution"
#: Representations a resolver here can produce.
MEDIA_TYPES = (_DID_LD_JSON, _DID_JSON, _DID_GENERIC, _DID_RESOLUTION)

_NS = "https://www.w3.org/ns/did#"
# camelCase code (DID Core 1.0, did:key) -> (RFC 9457 type suffix, title)
_PROBLEMS: dict[str, tuple[str, str]] = {
    "invalidDid": ("INVALID_DID", "Invalid DID"),
    "invalidDidUrl": ("INVALID_DID_URL", "Invalid DID URL"),
    "invalidOptions": ("INVALID_OPTIONS", "Invalid options"),
    "notFound": ("NOT_FOUND", "Not found"),
    "representationNotSupported": ("REPRESENTATION_NOT_SUPPORTED", "Representation not supported"),
    "invalidDidDocument": ("INVALID_DID_DOCUMENT", "Invalid DID document"),
    "methodNotSupported": ("METHOD_NOT_SUPPORTED", "Method not supported"),
    "featureNotSupported": ("FEATURE_NOT_SUPPORTED", "Feature not supported"),
    "internalError": ("INTERNAL_ERROR", "Internal error"),
    "invalidPublicKey": ("INVALID_PUBLIC_KEY", "Invalid public key"),
    "invalidPublicKeyLength": ("INVALID_PUBLIC_KEY_LENGTH", "Invalid public key length"),
    "unsupportedPublicKeyType": ("UNSUPPORTED_PUBLIC_KEY_TYPE", "Unsupported public key type"),
}
_CODE_OF_TYPE = {suffix: code for code, (suffix, _) in _PROBLEMS.items()}
_EXCEPTIONS: dict[str, type[BidError]] = {
    "invalidDid": InvalidDID,
    "invalidDidUrl": InvalidDIDURL,
    "invalidDidDocument": InvalidDocument,
    "invalidPublicKey": InvalidDID,
    "invalidPublicKeyLength": InvalidDID,
    "notFound": NotFound,
    "methodNotSupported": MethodNotSupported,
    "representationNotSupported": RepresentationNotSupported,
    "invalidOptions": InvalidInput,
    "featureNotSupported": Unsupported,
    "unsupportedPublicKeyType": Unsupported,
}


def problem(code: str, detail: str) -> dict[str, str]:
    """An RFC 9457 problem object for a camelCase error ``code``."""
    suffix, title = _PROBLEMS.get(code, (_upper_snake(code), code))
    return {"type": _NS + suffix, "title": title, "detail": detail}


def _upper_snake(code: str) -> str:
    return "".join("_" + c if c.isupper() else c.upper() for c in code).lstrip("_")


def error_code(error: JSONValue) -> str:
    """The camelCase code of an error in any accepted form: ``"notFound"``, a type URI, or
    an RFC 9457 object with such a ``type``."""
    if isinstance(error, Mapping):
        error = error.get("type")
    if not isinstance(error, str):
        return "internalError"
    suffix = error[len(_NS) :] if error.startswith(_NS) else error
    if suffix in _CODE_OF_TYPE:
        return _CODE_OF_TYPE[suffix]
    if suffix.isupper() or "_" in suffix:  # UPPER_SNAKE from problem() -> camelCase
        head, *rest = suffix.lower().split("_")
        return head + "".join(word.capitalize() for word in rest)
    return suffix


def _freeze(data: Mapping[str, JSONValue]) -> Mapping[str, JSONValue]:
    frozen = freeze(data)
    assert isinstance(frozen, Mapping)
    return frozen


@dataclass(frozen=True, slots=True)
class ResolutionResult:
    """The three parts of a W3C resolution result."""

    did_document: DIDDocument | None
    did_resolution_metadata: Mapping[str, JSONValue] = field(
        default_factory=lambda: MappingProxyType({})
    )
    did_document_metadata: Mapping[str, JSONValue] = field(
        default_factory=lambda: MappingProxyType({})
    )

    @classmethod
    def success(
        cls,
        document: DIDDocument,
        metadata: Mapping[str, JSONValue] | None = None,
        *,
        content_type: str = _DID_LD_JSON,
    ) -> ResolutionResult:
        """A result carrying ``document``."""
        return cls(
            document,
            _freeze({"contentType": content_type}),
            _freeze(metadata or {}),
        )

    @classmethod
    def failure(cls, code: str, detail: str) -> ResolutionResult:
        """An error result: no document, ``error`` set to the problem object of ``code``."""
        return cls(None, _freeze({"error": problem(code, detail)}), _freeze({}))

    @property
    def error(self) -> str | None:
        """The camelCase error code, or ``None`` for a success."""
        error = self.did_resolution_metadata.get("error")
        return None if error is None else error_code(error)

    @property
    def deactivated(self) -> bool:
        """Whether the document metadata says the DID is deactivated."""
        return self.did_document_metadata.get("deactivated") is True

    def raise_for_error(self) -> DIDDocument:
        """The document, or the ResolutionError / InvalidInput matching the error code."""
        code = self.error
        if code is None and self.did_document is not None:
            return self.did_document
        error = self.did_resolution_metadata.get("error")
        detail = str(error.get("detail", "")) if isinstance(error, Mapping) else str(error)
        exception = _EXCEPTIONS.get(code or "", ResolutionError)
        raise exception(detail or f"resolution failed: {code}", code=code or "internalError")

    def to_json(self) -> dict[str, Any]:
        """The ``application/did-resolution`` object."""
        return {
            "@context": RESOLUTION_CONTEXT,
            "didDocument": None if self.did_document is None else self.did_document.to_json(),
            "didResolutionMetadata": thaw(self.did_resolution_metadata),
            "didDocumentMetadata": thaw(self.did_document_metadata),
        }

    def representation(self, media_type: str = _DID_RESOLUTION) -> bytes:
        """The bytes of this result in ``media_type``; raises RepresentationNotSupported.

        ``application/did+json`` is the document without ``@context``; ``+ld+json`` and
        ``application/did`` keep (or add) it; ``application/did-resolution`` is the whole
        result.
        """
        media_type = media_type.split(";")[0].strip()
        if media_type in ("*/*", "application/*"):
            media_type = _DID_LD_JSON
        if media_type == _DID_RESOLUTION:
            return _dump(self.to_json())
        if media_type not in MEDIA_TYPES:
            raise RepresentationNotSupported(f"cannot produce {media_type}")
        document = self.raise_for_error().to_json()
        if media_type == _DID_JSON:
            document.pop("@context", None)
        elif "@context" not in document:
            document = {"@context": DID_CONTEXT, **document}
        return _dump(document)


def _dump(value: object) -> bytes:
    return json.dumps(value, ensure_ascii=False, indent=2).encode("utf-8")


class Resolver(Protocol):
    """Anything that resolves DIDs."""

    def resolve(self, did: str, options: Mapping[str, JSONValue] | None = None) -> ResolutionResult:
        """Resolve ``did``; errors come back inside the result."""
        ...


class DIDMethod(Resolver, Protocol):
    """A resolver for one DID method, named by ``name`` (``"key"``, ``"bid"``)."""

    @property
    def name(self) -> str:
        """The method name."""
        ...


def _accepted(options: Mapping[str, JSONValue] | None) -> str | ResolutionResult:
    """The media type asked for (``*/*`` and none mean did+ld+json), or an error result."""
    accept = (options or {}).get("accept")
    if accept is None:
        return _DID_LD_JSON
    if not isinstance(accept, str):
        return ResolutionResult.failure("invalidOptions", "accept must be a media type string")
    media_type = accept.split(";")[0].strip()
    if media_type in ("*/*", "application/*"):
        return _DID_LD_JSON
    if media_type not in MEDIA_TYPES:
        return ResolutionResult.failure(
            "representationNotSupported", f"{accept} is not one of {list(MEDIA_TYPES)}"
        )
    return media_type


def _about_other_did(result: ResolutionResult, did: str) -> ResolutionResult | None:
    document = result.did_document
    if document is not None and document.properties.get("id") != did:
        return ResolutionResult.failure(
            "invalidDidDocument", f"the resolved document is about {document.id}, not {did}"
        )
    return None


class MethodRouter:
    """Sends each DID to the resolver of its method; others get ``methodNotSupported``."""

    def __init__(self, methods: Iterable[DIDMethod]) -> None:
        self._methods: dict[str, DIDMethod] = {}
        for method in methods:
            if method.name in self._methods:
                raise ValueError(f"two resolvers for did:{method.name}")
            self._methods[method.name] = method

    def resolve(self, did: str, options: Mapping[str, JSONValue] | None = None) -> ResolutionResult:
        """Resolve through the method's resolver.

        A BidError raised by the method becomes an error result; a document about another
        DID than the one asked for becomes ``invalidDidDocument``. Any other exception is
        a bug and propagates.
        """
        try:
            parsed = DID.parse(did)
        except InvalidDID as exc:
            return ResolutionResult.failure("invalidDid", exc.message)
        media_type = _accepted(options)
        if isinstance(media_type, ResolutionResult):
            return media_type
        method = self._methods.get(parsed.method)
        if method is None:
            return ResolutionResult.failure(
                "methodNotSupported", f"no resolver for did:{parsed.method}"
            )
        try:
            result = method.resolve(did, options)
        except BidError as exc:
            code = exc.code if exc.code in _PROBLEMS else "internalError"
            return ResolutionResult.failure(code, exc.message)
        mismatch = _about_other_did(result, did)
        if mismatch is not None:
            return mismatch
        if result.error is None and result.did_resolution_metadata.get("contentType") != media_type:
            metadata = _freeze({**result.did_resolution_metadata, "contentType": media_type})
            return ResolutionResult(result.did_document, metadata, result.did_document_metadata)
        return result


@dataclass(slots=True)
class _Entry:
    result: ResolutionResult
    expires: float


class CachedResolver:
    """Keeps successful results for ``ttl`` seconds, at most ``max_size`` of them (LRU).

    Error results are never cached: a "not found" may be created a second later, and a
    transport or storage failure says nothing about the DID. ``clock`` returns seconds.
    Safe to share between threads (a server resolves from many); the lock is not held
    while the inner resolver works.
    """

    def __init__(
        self,
        inner: Resolver,
        *,
        ttl: float = 300.0,
        max_size: int = 1024,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if ttl <= 0 or max_size <= 0:
            raise ValueError("ttl and max_size must be positive")
        self._inner = inner
        self._ttl = ttl
        self._max_size = max_size
        self._clock = clock
        self._entries: OrderedDict[object, _Entry] = OrderedDict()
        self._lock = threading.Lock()

    def resolve(self, did: str, options: Mapping[str, JSONValue] | None = None) -> ResolutionResult:
        """A cached result if fresh, else the inner resolver's (cached when successful)."""
        key: object = did if not options else (did, json.dumps(options, sort_keys=True))
        with self._lock:
            entry = self._entries.get(key)
            now = self._clock()
            if entry is not None:
                if entry.expires > now:
                    self._entries.move_to_end(key)
                    return entry.result
                del self._entries[key]
        result = self._inner.resolve(did, options)
        if result.error is None:
            with self._lock:
                self._entries[key] = _Entry(result, now + self._ttl)
                self._entries.move_to_end(key)
                while len(self._entries) > self._max_size:
                    self._entries.popitem(last=False)
        return result

    def clear(self) -> None:
        """Forget every cached result."""
        with self._lock:
            self._entries.clear()

    def __len__(self) -> int:
        return len(self._entries)


class StaticResolver:
    """Resolves from a fixed set of documents: for tests, examples and pinned trust lists."""

    def __init__(self, documents: Iterable[DIDDocument]) -> None:
        self._documents = {document.id: document for document in documents}

    def resolve(self, did: str, options: Mapping[str, JSONValue] | None = None) -> ResolutionResult:
        """The document with id ``did``, or ``notFound``."""
        media_type = _accepted(options)
        if isinstance(media_type, ResolutionResult):
            return media_type
        document = self._documents.get(did)
        if document is None:
            try:
                DID.parse(did)
            except InvalidDID as exc:
                return ResolutionResult.failure("invalidDid", exc.message)
            return ResolutionResult.failure("notFound", f"{did} is not in this resolver")
        return ResolutionResult.success(document, content_type=media_type)


# -- dereferencing --------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class DereferencingResult:
    """What a DID URL points to: a document, a verification method, a service, or a URL."""

    content: JSONValue
    content_metadata: Mapping[str, JSONValue] = field(default_factory=lambda: MappingProxyType({}))
    dereferencing_metadata: Mapping[str, JSONValue] = field(
        default_factory=lambda: MappingProxyType({})
    )

    @property
    def error(self) -> str | None:
        """The camelCase error code, or ``None``."""
        error = self.dereferencing_metadata.get("error")
        return None if error is None else error_code(error)

    def to_json(self) -> dict[str, Any]:
        """The dereferencing result as one JSON object."""
        return {
            "dereferencingMetadata": thaw(self.dereferencing_metadata),
            "contentStream": thaw(self.content),  # a fresh copy for the caller
            "contentMetadata": thaw(self.content_metadata),
        }


def _deref_failure(code: str, detail: str) -> DereferencingResult:
    return DereferencingResult(None, {}, _freeze({"error": problem(code, detail)}))


_RESOLUTION_PARAMETERS = ("versionId", "versionTime")
_DEREFERENCE_PARAMETERS = ("service", "relativeRef")


def dereference(
    did_url: str, resolver: Resolver, options: Mapping[str, JSONValue] | None = None
) -> DereferencingResult:
    """Dereference a DID URL: ``#fragment`` (a method or service), ``?service=`` with
    ``relativeRef=``, ``versionId=`` / ``versionTime=`` (passed to the resolver).

    See: https://www.w3.org/TR/did-resolution/#dereferencing
    """
    try:
        url = DIDURL.parse(did_url)
    except InvalidDIDURL as exc:
        return _deref_failure("invalidDidUrl", exc.message)
    try:
        pairs = parse_qsl(url.query or "", keep_blank_values=True, strict_parsing=bool(url.query))
    except ValueError as exc:
        return _deref_failure("invalidDidUrl", f"the query is malformed ({exc})")
    params = dict(pairs)
    if len(params) != len(pairs):
        return _deref_failure("invalidDidUrl", "a DID parameter appears twice")
    unknown = set(params) - {*_RESOLUTION_PARAMETERS, *_DEREFERENCE_PARAMETERS}
    if unknown:
        return _deref_failure(
            "featureNotSupported", f"unsupported DID parameters {sorted(unknown)}"
        )
    if url.path:
        return _deref_failure("featureNotSupported", "DID URL paths are not supported")
    resolve_options: dict[str, JSONValue] = dict(options or {})
    resolve_options.update({k: params[k] for k in _RESOLUTION_PARAMETERS if k in params})
    result = resolver.resolve(str(url.did), resolve_options or None)
    result = _about_other_did(result, str(url.did)) or result
    if result.error is not None or result.did_document is None:
        error = result.did_resolution_metadata.get("error") or problem("notFound", str(url.did))
        return DereferencingResult(None, {}, _freeze({"error": error}))
    document = result.did_document
    metadata = _freeze(dict(result.did_document_metadata))
    found = _freeze({"contentType": _DID_LD_JSON})
    if "service" in params:
        try:
            service = document.find_service("#" + params["service"])
        except InvalidDIDURL as exc:
            return _deref_failure("notFound", exc.message)
        endpoint = service.service_endpoint
        if "relativeRef" in params:
            if not isinstance(endpoint, str):
                return _deref_failure("featureNotSupported", "relativeRef needs a URL endpoint")
            endpoint = urljoin(endpoint, params["relativeRef"])
        if url.fragment is not None and isinstance(endpoint, str):
            endpoint = f"{endpoint}#{url.fragment}"
        kind = "text/uri-list" if isinstance(endpoint, str) else "application/json"
        return DereferencingResult(thaw(endpoint), metadata, _freeze({"contentType": kind}))
    if url.fragment is not None:
        reference = "#" + url.fragment
        for finder in (document.find_verification_method, document.find_service):
            try:
                return DereferencingResult(finder(reference).to_json(), metadata, found)
            except InvalidDIDURL:
                continue
        return _deref_failure("notFound", f"{did_url} names nothing in the document")
    return DereferencingResult(document.to_json(), metadata, found)
