"""DID documents (W3C DID Core 1.0): frozen values, exact JSON round trips, lookups.

``DIDDocument.from_json`` is the door for untrusted documents: it checks the JSON Schema
shipped in the package (``schemas/did-document.schema.json``) and then the rules a schema
cannot say, raising InvalidDocument with the reason:

- two verification methods or two services with the same id;
- a reference to a verification method of this document that it does not define;
- an id that is neither a DID URL nor a ``#fragment`` reference relative to the document;
- private key material (``publicKeyJwk.d``, ``secretKeyMultibase``, ``privateKey*``...);
- two forms of key material in one verification method;
- a public key we can read that fails the strict check (Ed25519 point, SM2 curve).

``to_json`` gives back exactly the object that was parsed: property names, their order,
arrays versus single values and unknown properties all survive.

See: https://www.w3.org/TR/did-core/#core-properties
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from types import MappingProxyType
from typing import Any, Literal

from ._codec import multibase_decode_z
from ._json import JSONObject, JSONValue, check_value, freeze, thaw
from .bif import decode_public_key
from .did import DID, DIDURL
from .errors import InvalidDID, InvalidDIDURL, InvalidDocument, InvalidKey, ParseError, Unsupported
from .keys import Ed25519PublicKey, PublicKey, SM2PublicKey

__all__ = [
    "RELATIONSHIPS",
    "DIDDocument",
    "Relationship",
    "Service",
    "VerificationMethod",
]

Relationship = Literal[
    "authentication",
    "assertionMethod",
    "keyAgreement",
    "capabilityInvocation",
    "capabilityDelegation",
]
#: The five verification relationships of DID Core, in the order the spec lists them.
RELATIONSHIPS: tuple[Relationship, ...] = (
    "authentication",
    "assertionMethod",
    "keyAgreement",
    "capabilityInvocation",
    "capabilityDelegation",
)

# Members that only a private key has: JWK (RFC 7517/7518), and the names used for private
# keys by Multikey, BIF and older suites.
_PRIVATE_JWK_MEMBERS = frozenset({"d", "p", "q", "dp", "dq", "qi", "oth", "k"})
_PRIVATE_PROPERTIES = frozenset(
    {
        "secretKeyMultibase",
        "privateKeyMultibase",
        "privateKeyJwk",
        "privateKeyHex",
        "privateKeyBase58",
        "privateKeyPem",
    }
)
_KEY_MATERIAL = ("publicKeyMultibase", "publicKeyJwk", "publicKeyHex", "publicKeyBase58")
_ED25519_MULTICODEC = b"\xed\x01"
_BASE64URL = re.compile(r"[A-Za-z0-9_-]+")


def _frozen(value: Mapping[str, JSONValue]) -> Mapping[str, JSONValue]:
    frozen = freeze(value)
    assert isinstance(frozen, Mapping)
    return frozen


@dataclass(frozen=True, slots=True)
class VerificationMethod:
    """A verification method: ``id``, ``type``, ``controller`` and its key material.

    ``properties`` holds the JSON object exactly as given (every member, in order);
    the typed attributes are read from it.
    """

    properties: Mapping[str, JSONValue]

    @property
    def id(self) -> str:
        """The method's id: a DID URL, or ``#fragment`` relative to its document."""
        return str(self.properties["id"])

    @property
    def type(self) -> str:
        """``Multikey``, ``Ed25519VerificationKey2020``, ``JsonWebKey``, ``Ed25519``, ``SM2``..."""
        return str(self.properties["type"])

    @property
    def controller(self) -> str:
        """The DID that controls this method."""
        return str(self.properties["controller"])

    def public_key(self) -> PublicKey:
        """The key, strictly checked; Unsupported for key types this library cannot use."""
        return _public_key_of(self.properties)

    def to_json(self) -> dict[str, Any]:
        """A fresh JSON object equal to the one parsed."""
        result: dict[str, Any] = thaw(self.properties)
        return result


@dataclass(frozen=True, slots=True)
class Service:
    """A service: ``id``, ``type``, ``serviceEndpoint``, and any other members as given."""

    properties: Mapping[str, JSONValue]

    @property
    def id(self) -> str:
        """The service's id (a URI, often ``did...#name``)."""
        return str(self.properties["id"])

    @property
    def type(self) -> str | tuple[str, ...]:
        """One type, or several."""
        value = self.properties["type"]
        return tuple(str(v) for v in value) if isinstance(value, list | tuple) else str(value)

    @property
    def service_endpoint(self) -> JSONValue:
        """A URI string, a map, or a set of them."""
        return self.properties["serviceEndpoint"]

    def to_json(self) -> dict[str, Any]:
        """A fresh JSON object equal to the one parsed."""
        result: dict[str, Any] = thaw(self.properties)
        return result


@dataclass(frozen=True, slots=True)
class DIDDocument:
    """A DID document. Build with :meth:`from_json` (validated) or :meth:`build`.

    Typed views (``id``, ``verification_method``, ``service``, the relationships) are read
    from ``properties``, which keeps the JSON object exactly as given.
    """

    properties: Mapping[str, JSONValue]
    verification_method: tuple[VerificationMethod, ...] = field(default=())
    service: tuple[Service, ...] = field(default=())
    _relationships: Mapping[str, tuple[VerificationMethod | str, ...]] = field(
        default_factory=lambda: MappingProxyType({})
    )

    # -- construction ---------------------------------------------------------------------

    @classmethod
    def from_json(cls, obj: JSONObject) -> DIDDocument:
        """Parse and validate an untrusted document; raises InvalidDocument."""
        if not isinstance(obj, Mapping):
            raise InvalidDocument("a DID document is a JSON object")
        try:
            check_value(obj, what="DID document")
        except ParseError as exc:
            raise InvalidDocument(exc.message) from exc
        errors = sorted(_schema_validator()(obj), key=lambda e: list(e.path))
        if errors:
            first = errors[0]
            where = "/".join(str(p) for p in first.path) or "(document)"
            raise InvalidDocument(f"{where}: {first.message}")
        document = cls._build(obj)
        _check_rules(document)
        return document

    @classmethod
    def build(cls, obj: JSONObject) -> DIDDocument:
        """Wrap a document this library made itself (did:key, a BID mapping): no checks."""
        return cls._build(obj)

    @classmethod
    def _build(cls, obj: JSONObject) -> DIDDocument:
        props = _frozen(obj)
        methods = tuple(
            VerificationMethod(m)  # the members of props are frozen already
            for m in _as_list(props.get("verificationMethod"))
            if isinstance(m, Mapping)
        )
        services = tuple(
            Service(s) for s in _as_list(props.get("service")) if isinstance(s, Mapping)
        )
        relationships: dict[str, tuple[VerificationMethod | str, ...]] = {}
        for name in RELATIONSHIPS:
            if name in props:
                relationships[name] = tuple(
                    VerificationMethod(e) if isinstance(e, Mapping) else str(e)
                    for e in _as_list(props[name])
                )
        return cls(props, methods, services, MappingProxyType(relationships))

    def to_json(self) -> dict[str, Any]:
        """A fresh JSON object equal to the one parsed (``from_json`` and this are inverses)."""
        result: dict[str, Any] = thaw(self.properties)
        return result

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, DIDDocument):
            return NotImplemented
        return self.properties == other.properties

    __hash__ = None  # type: ignore[assignment]  # documents hold mutable-looking JSON

    # -- views ----------------------------------------------------------------------------

    @property
    def id(self) -> str:
        """The DID this document is about."""
        return str(self.properties["id"])

    @property
    def did(self) -> DID:
        """``id`` as a DID value."""
        return DID.parse(self.id)

    @property
    def context(self) -> JSONValue:
        """``@context`` as given (``None`` when absent, as in ``application/did+json``)."""
        return self.properties.get("@context")

    @property
    def controller(self) -> tuple[str, ...]:
        """The controllers named by the document (empty: the DID controls itself)."""
        return tuple(str(c) for c in _as_list(self.properties.get("controller")))

    @property
    def also_known_as(self) -> tuple[JSONValue, ...]:
        """Other identifiers of the subject."""
        return tuple(_as_list(self.properties.get("alsoKnownAs")))

    def relationship(self, name: Relationship) -> tuple[VerificationMethod | str, ...]:
        """The entries of one verification relationship: embedded methods or references."""
        return self._relationships.get(name, ())

    def absolute(self, reference: str) -> str:
        """A reference made absolute against this document's id (``#key-1`` -> ``did...#key-1``)."""
        return self.id + reference if reference.startswith("#") else reference

    def find_verification_method(self, reference: str) -> VerificationMethod:
        """The method with this id (absolute or ``#fragment``); raises InvalidDIDURL if absent."""
        target = self.absolute(reference)
        for method in self._all_methods():
            if self.absolute(method.id) == target:
                return method
        raise InvalidDIDURL(f"{reference} is not a verification method of {self.id}")

    def verification_methods(self, relationship: Relationship) -> tuple[VerificationMethod, ...]:
        """The methods authorized for ``relationship``, references resolved in this document.

        References to methods of other documents are skipped: resolve those DIDs to use them.
        """
        found = []
        for entry in self.relationship(relationship):
            if isinstance(entry, VerificationMethod):
                found.append(entry)
            elif self.absolute(entry).partition("#")[0] == self.id:
                found.append(self.find_verification_method(entry))
        return tuple(found)

    def is_authorized(self, method_id: str, relationship: Relationship) -> bool:
        """Whether the method ``method_id`` is listed under ``relationship``."""
        target = self.absolute(method_id)
        for entry in self.relationship(relationship):
            entry_id = entry.id if isinstance(entry, VerificationMethod) else entry
            if self.absolute(entry_id) == target:
                return True
        return False

    def find_service(self, reference: str) -> Service:
        """The service with this id (absolute or ``#fragment``); raises InvalidDIDURL if absent."""
        target = self.absolute(reference)
        for service in self.service:
            if self.absolute(service.id) == target:
                return service
        raise InvalidDIDURL(f"{reference} is not a service of {self.id}")

    def _all_methods(self) -> Iterator[VerificationMethod]:
        yield from self.verification_method
        for name in RELATIONSHIPS:
            for entry in self.relationship(name):
                if isinstance(entry, VerificationMethod):
                    yield entry


# -- helpers ------------------------------------------------------------------------------


def _as_list(value: JSONValue) -> list[JSONValue]:
    if value is None:
        return []
    if isinstance(value, list | tuple):
        return list(value)
    return [value]


@lru_cache(maxsize=1)
def _schema_validator() -> Callable[[object], Iterator[Any]]:
    # jsonschema is imported here, on the first untrusted document: it costs ~140 ms.
    import jsonschema

    text = resources.files("bid").joinpath("schemas/did-document.schema.json").read_text("utf-8")
    schema = json.loads(text)
    validator = jsonschema.Draft202012Validator(schema)
    return validator.iter_errors  # type: ignore[no-any-return]


def _check_reference(text: str, what: str) -> None:
    """An id must be an absolute DID URL or a ``#fragment`` relative to the document."""
    if text.startswith("#"):
        try:
            DIDURL.parse("did:example:x" + text)
        except InvalidDIDURL as exc:
            raise InvalidDocument(f"{what} {text!r} is not a valid fragment") from exc
        return
    if not text.startswith("did:"):
        raise InvalidDocument(
            f"{what} {text!r} is relative; use a DID URL or a '#fragment' reference"
        )
    try:
        DIDURL.parse(text)
    except InvalidDIDURL as exc:
        raise InvalidDocument(f"{what} {text!r} is not a DID URL: {exc.message}") from exc


def _check_rules(document: DIDDocument) -> None:
    try:
        DID.parse(document.id)
    except InvalidDID as exc:
        raise InvalidDocument(f"id: {exc.message}") from exc
    for controller in document.controller:
        try:
            DID.parse(controller)
        except InvalidDID as exc:
            raise InvalidDocument(f"controller {controller!r}: {exc.message}") from exc

    seen: set[str] = set()
    for method in document._all_methods():
        _check_reference(method.id, "verification method id")
        full = document.absolute(method.id)
        if full in seen:
            raise InvalidDocument(f"two verification methods have the id {method.id!r}")
        seen.add(full)
        _check_method(method)

    for name in RELATIONSHIPS:
        for entry in document.relationship(name):
            if isinstance(entry, VerificationMethod):
                continue
            _check_reference(entry, f"{name} reference")
            full = document.absolute(entry)
            if full.partition("#")[0] == document.id and full not in seen:
                raise InvalidDocument(f"{name} refers to {entry!r}, which the document lacks")

    service_ids: set[str] = set()
    for service in document.service:
        full = document.absolute(service.id)
        if full in service_ids:
            raise InvalidDocument(f"two services have the id {service.id!r}")
        service_ids.add(full)


def _check_method(method: VerificationMethod) -> None:
    props = method.properties
    private = _PRIVATE_PROPERTIES.intersection(props)
    if private:
        raise InvalidDocument(
            f"verification method {method.id!r} holds private key material ({sorted(private)[0]})"
        )
    jwk = props.get("publicKeyJwk")
    if isinstance(jwk, Mapping) and _PRIVATE_JWK_MEMBERS.intersection(jwk):
        raise InvalidDocument(
            f"verification method {method.id!r}: publicKeyJwk holds private key members"
        )
    forms = [name for name in _KEY_MATERIAL if name in props]
    if len(forms) > 1:
        raise InvalidDocument(
            f"verification method {method.id!r} has two forms of key material: {forms}"
        )
    try:
        DID.parse(method.controller)
    except InvalidDID as exc:
        raise InvalidDocument(
            f"verification method {method.id!r}: controller: {exc.message}"
        ) from exc
    try:
        _public_key_of(props)
    except Unsupported:
        pass  # a key type we cannot use is not an invalid document
    except (InvalidKey, ParseError) as exc:
        raise InvalidDocument(f"verification method {method.id!r}: {exc.message}") from exc


def _public_key_of(props: Mapping[str, JSONValue]) -> PublicKey:
    """Read the key of a verification method, strictly; Unsupported for other algorithms."""
    vm_type = props.get("type")
    if "publicKeyMultibase" in props:
        text = props["publicKeyMultibase"]
        if type(text) is str and (vm_type is None or type(vm_type) is str):
            return _multibase_key_cached(vm_type, text)
        return _multibase_key(vm_type, str(text))
    if "publicKeyJwk" in props:
        jwk = props["publicKeyJwk"]
        if isinstance(jwk, Mapping) and jwk.get("kty") == "OKP" and jwk.get("crv") == "Ed25519":
            import base64

            x = str(jwk.get("x", ""))
            if not _BASE64URL.fullmatch(x):  # b64decode would skip other characters
                raise InvalidKey("publicKeyJwk: x must be unpadded base64url")
            try:
                raw = base64.urlsafe_b64decode(x + "=" * (-len(x) % 4))
            except ValueError as exc:
                raise InvalidKey(f"publicKeyJwk: x is not base64url ({exc})") from exc
            return Ed25519PublicKey(raw)
        raise Unsupported("only Ed25519 (OKP) JSON Web Keys are supported")
    if "publicKeyHex" in props:
        if str(vm_type).lower() not in ("ed25519", "sm2"):
            raise Unsupported(f"publicKeyHex of {vm_type} is not a BIF key this library reads")
        text = str(props["publicKeyHex"])
        key_type, raw = decode_public_key(text)
        if str(vm_type).lower() not in (key_type, "ed25519" if key_type == "ed25519" else "sm2"):
            raise InvalidKey(f"publicKeyHex holds a {key_type} key but the type is {vm_type}")
        return Ed25519PublicKey(raw) if key_type == "ed25519" else SM2PublicKey(raw)
    raise Unsupported(f"no supported key material in verification method of type {vm_type}")


def _multibase_key(vm_type: JSONValue, text: str) -> Ed25519PublicKey:
    """The Ed25519 key of ``publicKeyMultibase`` ``text`` in a method of type ``vm_type``."""
    data = multibase_decode_z(text, what="publicKeyMultibase")
    if vm_type == "Ed25519VerificationKey2020":
        # The suite's form is a Multikey (ed01 || key); early drafts held the bare key.
        prefixed = len(data) == 34 and data[:2] == _ED25519_MULTICODEC
        return Ed25519PublicKey(data[2:] if prefixed else data)
    if data[:2] == _ED25519_MULTICODEC:
        return Ed25519PublicKey(data[2:])
    raise Unsupported(f"publicKeyMultibase of {vm_type} is not an Ed25519 Multikey")


# A key is a pure function of (type, text), and verifiers meet the same few issuer keys
# again and again: the most recent keys are kept (Base58 decoding costs ~6 us; the point
# check is cached in _ed25519). Refusals are not kept: each call raises afresh. The keys
# are immutable values, safe to share. Texts are at most 128 Base58 characters (longer
# ones are refused before decoding), so the cache stays small.
_multibase_key_cached = lru_cache(maxsize=1024)(_multibase_key)
