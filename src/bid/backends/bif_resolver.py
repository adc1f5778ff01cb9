"""did:bid resolution through a BIF resolver, over the text protocol of RFC-005.

``GET {base}/{bid}`` answers with the envelope ``{"errorCode", "message", "data"}``:

- HTTP status 200 and ``errorCode`` 0: ``data.didDocument`` is the BID document. It is
  validated (:meth:`BIDDocument.from_json`), must describe the BID asked for, and is
  returned in its W3C view (:meth:`BIDDocument.to_did_document`), with ``created`` and
  ``updated`` in the document metadata;
- ``errorCode`` 6 (RFC-005) or 100000 (the newer TypeScript SDK): ``notFound``;
- any other ``errorCode``, an HTTP status other than 200, a body that is not a strict JSON
  envelope, or any network failure: ``internalError`` (never ``notFound``).

The sub-resources of section 5.2 (``/public-keys``, ``/public-keys/{keyId}``,
``/attributes``, ``/acsns``, ``/verifiableCredentials``, ``/services?id=``) are methods
returning the envelope's ``data`` object; they raise NotFound or ResolutionError.

Recursive resolution (RFC-005 section 5.3): a BID with an AC code, ``did:bid:<ac>:<id>``,
lives on a sub-chain. The client resolves ``did:bid:<ac>`` on the main resolver, reads its
``DIDSubResolve`` (or ``DIDSubResolver``) service (``serviceEndpoint``, ``protocol`` 2 HTTP
or 3 HTTPS, ``port``) and asks that resolver for the full BID. A service whose endpoint is
itself a BID (the sub-chain's resolution-service BID, RFC-005 section 4.3.1) is resolved on
the main resolver in turn, up to ``max_depth`` documents, and a BID met twice stops the
search. The endpoint comes from chain data, so it is fetched under ``sub_resolver_policy``,
which by default is ``policy`` with private networks refused, whatever ``policy`` allows:
a main-chain document pointing at 127.0.0.1 or 192.168.x.x is refused unless the caller
allows it explicitly. With ``sub_resolvers=False`` every BID goes to ``base_url``, for a
resolver that recurses itself.

See: https://github.com/caict-4iot-dev/BIF-RFCs (RFC-005)
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from dataclasses import replace
from types import TracebackType
from typing import Any
from urllib.parse import quote, urlsplit, urlunsplit

from .._json import JSONValue, thaw
from ..bif import BID
from ..ddo import BIDDocument
from ..errors import InvalidDID, InvalidDocument, NotFound, ResolutionError
from ..resolver import MEDIA_TYPES, ResolutionResult
from .http import HttpClient, HttpError, HttpPolicy, check_url

__all__ = ["NOT_FOUND_CODES", "SUB_RESOLVER_TYPES", "BifResolverClient"]

#: ``errorCode`` values that mean "this BID does not exist" (RFC-005; TypeScript SDK).
NOT_FOUND_CODES = frozenset({6, 100000})
#: Service types announcing a sub-chain resolver (the RFC examples write the first).
SUB_RESOLVER_TYPES = frozenset({"DIDSubResolve", "DIDSubResolver"})
_SCHEMES = {2: "http", 3: "https"}
_DEFAULT_CONTENT_TYPE = "application/did+ld+json"


class BifResolverClient:
    """Resolves did:bid BIDs through the RFC-005 resolver at ``base_url``.

    It has ``name = "bid"``, so it plugs into ``MethodRouter`` as the did:bid method.
    Close it, or use it in a ``with`` block. Raises AddressNotAllowed for a base URL that
    is not http(s) or carries user information; MissingExtra without httpx.
    """

    name = "bid"

    def __init__(
        self,
        base_url: str,
        *,
        policy: HttpPolicy | None = None,
        sub_resolvers: bool = True,
        sub_resolver_policy: HttpPolicy | None = None,
        max_depth: int = 2,
    ) -> None:
        if max_depth < 1:
            raise ValueError("max_depth must be at least 1")
        self.base_url = check_url(base_url, base=True).rstrip("/")
        self.policy = policy or HttpPolicy()
        self.sub_resolver_policy = sub_resolver_policy or replace(
            self.policy, allow_private_networks=False
        )
        self._follow = sub_resolvers
        self._max_depth = max_depth
        self._http = HttpClient(self.policy)
        self._sub_http: HttpClient | None = None
        self._lock = threading.Lock()

    # -- resolution ----------------------------------------------------------------------

    def resolve(self, did: str, options: Mapping[str, JSONValue] | None = None) -> ResolutionResult:
        """Resolve ``did``; every failure comes back as an error result."""
        try:
            bid = BID.parse(did)
        except InvalidDID as exc:
            return ResolutionResult.failure("invalidDid", exc.message)
        options = options or {}
        content_type = _content_type(options.get("accept"))
        if isinstance(content_type, ResolutionResult):
            return content_type
        if "versionId" in options or "versionTime" in options:
            return ResolutionResult.failure(
                "featureNotSupported", "an RFC-005 resolver serves the current document only"
            )
        try:
            http, base = self._locate(bid)
            document = _document(_fetch(http, base, did), did)
        except NotFound as exc:
            return ResolutionResult.failure("notFound", exc.message)
        except ResolutionError as exc:  # HttpError included: "could not check"
            return ResolutionResult.failure(exc.code, exc.message)
        metadata: dict[str, JSONValue] = {}
        for name in ("created", "updated"):
            value = document.properties.get(name)
            if isinstance(value, str):
                metadata[name] = value
        return ResolutionResult.success(
            document.to_did_document(), metadata, content_type=content_type
        )

    # -- sub-resources (RFC-005 section 5.2) -----------------------------------------------

    def public_keys(self, bid: str) -> dict[str, Any]:
        """``{version, id, publicKey: [...]}`` of ``bid``."""
        return self._resource(bid, "/public-keys")

    def public_key(self, bid: str, key_id: str) -> dict[str, Any]:
        """``{version, id, publicKey: {...}}``: the key ``key_id`` of ``bid``."""
        return self._resource(bid, "/public-keys/" + quote(key_id, safe=":"))

    def attributes(self, bid: str) -> dict[str, Any]:
        """``{version, id, attributes: [...]}`` of ``bid``."""
        return self._resource(bid, "/attributes")

    def acsns(self, bid: str) -> dict[str, Any]:
        """``{version, id, acsns: [...]}``: the AC codes of a main-chain ``bid``."""
        return self._resource(bid, "/acsns")

    def verifiable_credentials(self, bid: str) -> dict[str, Any]:
        """``{version, id, verifiableCredentials: [...]}`` of ``bid``."""
        return self._resource(bid, "/verifiableCredentials")

    def service(self, bid: str, service_id: str) -> dict[str, Any]:
        """``{version, id, service: {...}}``: the service ``service_id`` of ``bid``."""
        return self._resource(bid, "/services", {"id": service_id})

    def _resource(
        self, bid: str, suffix: str, params: Mapping[str, str] | None = None
    ) -> dict[str, Any]:
        """The ``data`` of a sub-resource; raises InvalidDID, NotFound or ResolutionError."""
        http, base = self._locate(BID.parse(bid))
        data = _fetch(http, base, bid, suffix, params)
        if "id" in data and data["id"] != bid:
            raise ResolutionError(
                f"the BIF resolver answered about {str(data['id'])[:120]}, not {bid}",
                code="invalidDidDocument",
            )
        result: dict[str, Any] = thaw(data)
        return result

    # -- recursive resolution (RFC-005 section 5.3) ----------------------------------------

    def _locate(self, bid: BID) -> tuple[HttpClient, str]:
        """The client and base URL of the resolver that serves ``bid``."""
        if bid.ac is None or bid.is_ac_only or not self._follow:
            return self._http, self.base_url
        return self._sub_client(), self._discover(bid.ac)

    def _sub_client(self) -> HttpClient:
        with self._lock:
            if self._sub_http is None:
                self._sub_http = HttpClient(self.sub_resolver_policy)
            return self._sub_http

    def _discover(self, ac: str) -> str:
        """The base URL of the resolver of sub-chain ``ac``, from main-chain documents."""
        target = f"did:bid:{ac}"
        seen: list[str] = []
        while True:
            if target in seen:
                raise ResolutionError(
                    f"finding the resolver of sub-chain {ac} loops: {' -> '.join(seen)} -> "
                    f"{target}",
                    code="internalError",
                )
            if len(seen) == self._max_depth:
                raise ResolutionError(
                    f"finding the resolver of sub-chain {ac} takes more than "
                    f"{self._max_depth} documents ({' -> '.join(seen)} -> {target})",
                    code="internalError",
                )
            seen.append(target)
            try:
                document = _document(_fetch(self._http, self.base_url, target), target)
            except NotFound as exc:
                if len(seen) == 1:
                    raise NotFound(
                        f"the sub-chain {ac} is not registered on the main chain: {exc.message}"
                    ) from exc
                raise ResolutionError(
                    f"{target}, named as the resolver of sub-chain {ac}, is not found",
                    code="internalError",
                ) from exc
            service = _sub_resolver_service(document)
            endpoint = str(service["serviceEndpoint"]).strip()
            if not endpoint.startswith("did:bid:"):
                return _endpoint_url(service, target)
            try:
                BID.parse(endpoint)
            except InvalidDID as exc:
                raise ResolutionError(
                    f"the sub-resolver service of {target} names an invalid BID: {exc.message}",
                    code="internalError",
                ) from exc
            target = endpoint

    # -- lifecycle ---------------------------------------------------------------------------

    def close(self) -> None:
        """Close the HTTP connections."""
        self._http.close()
        with self._lock:
            if self._sub_http is not None:
                self._sub_http.close()
                self._sub_http = None

    def __enter__(self) -> BifResolverClient:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"BifResolverClient({self.base_url!r})"


def _content_type(accept: JSONValue) -> str | ResolutionResult:
    if accept is None:
        return _DEFAULT_CONTENT_TYPE
    if not isinstance(accept, str):
        return ResolutionResult.failure("invalidOptions", "accept must be a media type string")
    media_type = accept.split(";")[0].strip().lower()
    if media_type in ("*/*", "application/*"):
        return _DEFAULT_CONTENT_TYPE
    if media_type not in MEDIA_TYPES:
        return ResolutionResult.failure(
            "representationNotSupported", f"{accept} is not one of {list(MEDIA_TYPES)}"
        )
    return media_type


def _fetch(
    http: HttpClient,
    base: str,
    bid: str,
    suffix: str = "",
    params: Mapping[str, str] | None = None,
) -> Mapping[str, JSONValue]:
    """The ``data`` of a successful envelope; raises NotFound, HttpError, ResolutionError."""
    response = http.get(
        f"{base}/{quote(bid, safe=':')}{suffix}",
        headers={"Accept": "application/json"},
        params=params,
    )
    if response.status != 200:
        raise HttpError(f"the BIF resolver at {base} answered HTTP {response.status}")
    envelope = response.json()
    if not isinstance(envelope, Mapping):
        raise HttpError(f"the BIF resolver at {base} answered with no JSON object")
    code = envelope.get("errorCode")
    message = envelope.get("message")
    message = message[:300] if isinstance(message, str) else ""
    if not isinstance(code, int) or isinstance(code, bool):
        raise HttpError(f"the BIF resolver at {base} answered with no integer errorCode")
    if code in NOT_FOUND_CODES:
        raise NotFound(f"{bid} is not found ({message or 'no message'}, errorCode {code})")
    if code != 0:
        raise ResolutionError(
            f"the BIF resolver at {base} answered errorCode {code}: {message or 'no message'}",
            code="internalError",
        )
    data = envelope.get("data")
    if not isinstance(data, Mapping):
        raise HttpError(f"the BIF resolver at {base} answered errorCode 0 without a data object")
    return data


def _document(data: Mapping[str, JSONValue], bid: str) -> BIDDocument:
    """The validated BID document of ``data``, which must be about ``bid``."""
    value = data.get("didDocument")
    if not isinstance(value, Mapping):
        raise ResolutionError(
            "the BIF resolver's answer holds no didDocument object", code="invalidDidDocument"
        )
    try:
        document = BIDDocument.from_json(value)
    except InvalidDocument as exc:
        raise ResolutionError(exc.message, code="invalidDidDocument") from exc
    if document.id != bid:
        raise ResolutionError(
            f"the BIF resolver answered with the document of {document.id[:120]}, not of {bid}",
            code="invalidDidDocument",
        )
    return document


def _sub_resolver_service(document: BIDDocument) -> Mapping[str, JSONValue]:
    for service in document.services:
        if str(service.get("type", "")).strip() in SUB_RESOLVER_TYPES:
            return service
    raise ResolutionError(f"{document.id} announces no DIDSubResolve service", code="internalError")


def _endpoint_url(service: Mapping[str, JSONValue], owner: str) -> str:
    """The base URL of a DIDSubResolve service (``serviceEndpoint``, ``protocol``, ``port``)."""
    endpoint = str(service["serviceEndpoint"]).strip()
    protocol = service.get("protocol")
    port = service.get("port")
    if protocol is not None and protocol not in _SCHEMES:
        raise ResolutionError(
            f"the sub-resolver of {owner} speaks protocol {protocol!r} (0 UDP and 1 TCP are "
            "the binary protocol of RFC-011); only 2 HTTP and 3 HTTPS are supported",
            code="featureNotSupported",
        )
    if port is not None:
        text = str(port)
        if not (text.isascii() and text.isdecimal() and 0 < int(text) < 65536):
            raise ResolutionError(
                f"the sub-resolver of {owner} announces the invalid port {port!r}",
                code="internalError",
            )
        port = int(text)
    if "://" in endpoint:
        parts = urlsplit(endpoint)
        if isinstance(protocol, int) and parts.scheme.lower() != _SCHEMES[protocol]:
            raise ResolutionError(
                f"the sub-resolver of {owner} announces protocol {protocol} "
                f"({_SCHEMES[protocol]}) with a {parts.scheme} URL",
                code="internalError",
            )
        url = endpoint
        if port is not None and ":" not in parts.netloc.rpartition("]")[2]:
            url = urlunsplit(parts._replace(netloc=f"{parts.netloc}:{port}"))
    else:
        scheme = _SCHEMES[protocol] if isinstance(protocol, int) else "https"
        host, slash, path = endpoint.partition("/")
        if ":" in host and not host.startswith("["):
            host = f"[{host}]"  # an IPv6 literal
        authority = host if port is None else f"{host}:{port}"
        url = f"{scheme}://{authority}{slash}{path}"
    try:
        return check_url(url, base=True).rstrip("/")
    except HttpError as exc:
        raise HttpError(f"the sub-resolver endpoint of {owner} is refused: {exc.message}") from exc
