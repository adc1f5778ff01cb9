"""The BID document (DDO) of the BIF network, and its lossless mapping to a W3C DID document.

A BID document is what the BIF chain's DDO contract stores (bid-method.md section 5):
``@context``, ``version``, ``id``, ``publicKey`` (``Ed25519``/``SM2`` keys as BIF public key
hex), ``authentication``, ``alsoKnownAs`` (``{type, id}`` objects), ``extension``
(``recovery``, ``ttl``, ``delegateSign``, ``type``, ``attributes``, ``acsns``,
``verifiableCredentials``), ``service`` (with ``version``, ``protocol``, ``serverType``,
``port``), ``created``, ``updated`` and ``proof``. Unknown members are kept as they are.

Mapping to W3C (:meth:`BIDDocument.to_did_document`) renames ``publicKey`` to
``verificationMethod``, turns ``alsoKnownAs`` objects into their ids (keeping the type codes
in ``bidAlsoKnownAs`` unless they are the ones :meth:`from_did_document` would infer), and
keeps every other member under its own name. Both directions are exact inverses.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from ._json import JSONObject, JSONValue, check_value, freeze, thaw
from .bif import BID
from .document import DIDDocument, VerificationMethod, _check_method
from .errors import InvalidDID, InvalidDocument, InvalidKey, ParseError
from .keys import PublicKey, public_key_from_bif

__all__ = [
    "ALSO_KNOWN_AS_TYPES",
    "BID_CONTEXT",
    "EXTENSION_TYPES",
    "BIDDocument",
]

#: The context the BIF SDKs write; the RFC examples also use ``https://w3.org/ns/did/v1``.
BID_CONTEXT = "https://www.w3.org/ns/did/v1"
_ACCEPTED_CONTEXTS = frozenset({BID_CONTEXT, "https://w3.org/ns/did/v1"})

#: ``alsoKnownAs.type`` codes (RFC-004 section 6.1.7).
ALSO_KNOWN_AS_TYPES = {101: "BID", 102: "other DID", 103: "domain name", 104: "Zid", 105: "handle"}
#: ``extension.type`` codes (RFC-004 section 6.1.7).
EXTENSION_TYPES = {
    101: "person",
    102: "enterprise",
    103: "node",
    104: "smart device",
    105: "smart contract",
    201: "image",
    202: "video",
    203: "document",
    204: "resource data",
    205: "credential",
    206: "AC code",
    999: "other",
}

_TIME = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?Z")
_AC = re.compile(r"[a-z0-9]{4}")
_BID_KEY_TYPES = {"ed25519": "ed25519", "sm2": "sm2"}


def _infer_also_known_as_type(identifier: str) -> int:
    if identifier.startswith("did:bid:"):
        return 101
    return 102 if identifier.startswith("did:") else 999


@dataclass(frozen=True, slots=True)
class BIDDocument:
    """A validated BID document; ``properties`` is the JSON object exactly as given."""

    properties: Mapping[str, JSONValue]

    @classmethod
    def from_json(cls, obj: JSONObject) -> BIDDocument:
        """Validate a BID document; raises InvalidDocument naming the member that is wrong."""
        if not isinstance(obj, Mapping):
            raise InvalidDocument("a BID document is a JSON object")
        frozen = freeze(obj)
        assert isinstance(frozen, Mapping)
        document = cls(frozen)
        _check(document)
        return document

    def to_json(self) -> dict[str, Any]:
        """A fresh JSON object equal to the one parsed."""
        result: dict[str, Any] = thaw(self.properties)
        return result

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, BIDDocument):
            return NotImplemented
        return self.properties == other.properties

    __hash__ = None  # type: ignore[assignment]

    # -- views ----------------------------------------------------------------------------

    @property
    def id(self) -> str:
        """The BID this document describes."""
        return str(self.properties["id"])

    @property
    def bid(self) -> BID:
        """``id`` as a BID value."""
        return BID.parse(self.id)

    @property
    def public_keys(self) -> tuple[Mapping[str, JSONValue], ...]:
        """The ``publicKey`` entries as given."""
        return tuple(e for e in _list(self.properties.get("publicKey")) if isinstance(e, Mapping))

    @property
    def authentication(self) -> tuple[str, ...]:
        """Key ids whose holders may update the document."""
        return tuple(str(x) for x in _list(self.properties.get("authentication")))

    @property
    def extension(self) -> Mapping[str, JSONValue]:
        """The BID extension object (empty when absent)."""
        ext = self.properties.get("extension")
        return ext if isinstance(ext, Mapping) else {}

    @property
    def recovery(self) -> tuple[str, ...]:
        """Key ids whose holders may recover (replace the authentication keys) or deactivate."""
        return tuple(str(x) for x in _list(self.extension.get("recovery")))

    @property
    def services(self) -> tuple[Mapping[str, JSONValue], ...]:
        """The ``service`` entries as given."""
        return tuple(e for e in _list(self.properties.get("service")) if isinstance(e, Mapping))

    @property
    def created(self) -> str | None:
        """``created`` as written (``yyyy-MM-ddTHH:mm:ssZ``)."""
        value = self.properties.get("created")
        return None if value is None else str(value)

    @property
    def updated(self) -> str | None:
        """``updated`` as written."""
        value = self.properties.get("updated")
        return None if value is None else str(value)

    def key(self, key_id: str) -> PublicKey:
        """The public key of the ``publicKey`` entry ``key_id``; raises InvalidKey if absent."""
        for entry in self.public_keys:
            if entry.get("id") == key_id:
                hex_text = entry.get("publicKeyHex")
                if not isinstance(hex_text, str):
                    raise InvalidKey(f"{key_id} has no BIF publicKeyHex")
                return public_key_from_bif(hex_text)
        raise InvalidKey(f"{self.id} has no public key {key_id!r}")

    def with_changes(self, **members: JSONValue) -> BIDDocument:
        """A validated copy with top-level members replaced (``None`` removes a member)."""
        data = self.to_json()
        for name, value in members.items():
            if value is None:
                data.pop(name, None)
            else:
                data[name] = thaw(value)
        return BIDDocument.from_json(data)

    # -- the W3C view -----------------------------------------------------------------------

    def to_did_document(self) -> DIDDocument:
        """The W3C DID document of this BID document (no information is lost)."""
        out: dict[str, Any] = {}
        for name, value in self.to_json().items():
            if name == "publicKey":
                out["verificationMethod"] = value
            elif name == "alsoKnownAs":
                entries = [e for e in value if isinstance(e, Mapping)]
                out["alsoKnownAs"] = [str(e.get("id")) for e in entries]
                if any(
                    list(e) != ["id", "type"]
                    or e.get("type") != _infer_also_known_as_type(str(e.get("id")))
                    for e in entries
                ) or len(entries) != len(value):
                    out["bidAlsoKnownAs"] = value
            else:
                out[name] = value
        return DIDDocument.build(out)

    @classmethod
    def from_did_document(cls, document: DIDDocument) -> BIDDocument:
        """The BID document of a W3C document produced by :meth:`to_did_document` (validated)."""
        data = document.to_json()
        typed = data.pop("bidAlsoKnownAs", None)
        out: dict[str, Any] = {}
        for name, value in data.items():
            if name == "verificationMethod":
                out["publicKey"] = value
            elif name == "alsoKnownAs":
                if typed is not None:
                    if [str(e.get("id")) for e in typed if isinstance(e, Mapping)] != value:
                        raise InvalidDocument("bidAlsoKnownAs does not match alsoKnownAs")
                    out["alsoKnownAs"] = typed
                else:
                    out["alsoKnownAs"] = [
                        {"id": s, "type": _infer_also_known_as_type(str(s))} for s in value
                    ]
            else:
                out[name] = value
        return cls.from_json(out)


# -- validation ---------------------------------------------------------------------------


def _list(value: JSONValue) -> list[JSONValue]:
    return list(value) if isinstance(value, list | tuple) else []


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _fail(where: str, message: str) -> InvalidDocument:
    return InvalidDocument(f"{where}: {message}")


def _strings(value: JSONValue, where: str) -> Iterator[str]:
    if not isinstance(value, list | tuple):
        raise _fail(where, "must be an array")
    for item in value:
        if not isinstance(item, str):
            raise _fail(where, f"{item!r} is not a string")
        yield item


def _check(document: BIDDocument) -> None:
    props = document.properties
    try:
        check_value(props, what="BID document")
    except ParseError as exc:
        raise InvalidDocument(exc.message) from exc
    for reserved in ("verificationMethod", "bidAlsoKnownAs"):
        if reserved in props:
            raise _fail(
                reserved, "is the W3C view's name for a BID member; use publicKey/alsoKnownAs"
            )
    for required in ("@context", "id", "authentication"):
        if required not in props:
            raise InvalidDocument(f"a BID document needs {required!r}")
    contexts = list(_strings(props["@context"], "@context"))
    if not _ACCEPTED_CONTEXTS.intersection(contexts):
        raise _fail("@context", f"must contain {BID_CONTEXT!r}")
    if not isinstance(props["id"], str):
        raise _fail("id", "must be a string")
    try:
        BID.parse(props["id"])
    except InvalidDID as exc:
        raise _fail("id", exc.message) from exc
    if "version" in props and not isinstance(props["version"], str):
        raise _fail("version", "must be a string")
    for name in ("created", "updated"):
        value = props.get(name)
        if name in props and not (isinstance(value, str) and _TIME.fullmatch(value)):
            raise _fail(name, "must be a UTC time yyyy-MM-ddTHH:mm:ssZ")

    key_ids = _check_public_keys(document)
    for key_id in _strings(props["authentication"], "authentication"):
        if key_id not in key_ids:
            raise _fail("authentication", f"{key_id!r} is not a publicKey of the document")
    _check_extension(document)
    _check_also_known_as(props.get("alsoKnownAs"))
    _check_services(document)
    proof = props.get("proof")
    if proof is not None and not (
        isinstance(proof, Mapping)
        and isinstance(proof.get("creator"), str)
        and isinstance(proof.get("signatureValue"), str)
    ):
        raise _fail("proof", "must be an object with string creator and signatureValue")


def _check_public_keys(document: BIDDocument) -> set[str]:
    value = document.properties.get("publicKey", [])
    if not isinstance(value, list | tuple):
        raise _fail("publicKey", "must be an array")
    ids: set[str] = set()
    for index, entry in enumerate(value):
        where = f"publicKey/{index}"
        if not isinstance(entry, Mapping):
            raise _fail(where, "must be an object")
        key_id = entry.get("id")
        if not isinstance(key_id, str) or not key_id.startswith(document.id + "#"):
            raise _fail(where, f"id must be {document.id}#<name>")
        if key_id in ids:
            raise _fail(where, f"two public keys have the id {key_id!r}")
        ids.add(key_id)
        if entry.get("controller") != key_id.partition("#")[0]:
            raise _fail(where, "controller must be the BID the key id belongs to")
        key_type = entry.get("type")
        if not isinstance(key_type, str):
            raise _fail(where, "type must be a string")
        hex_text = entry.get("publicKeyHex")
        if key_type.lower() in _BID_KEY_TYPES:
            if not isinstance(hex_text, str):
                raise _fail(where, f"a {key_type} key needs publicKeyHex")
            try:
                key = public_key_from_bif(hex_text)
            except InvalidKey as exc:
                raise _fail(where, exc.message) from exc
            if key.key_type != _BID_KEY_TYPES[key_type.lower()]:
                raise _fail(where, f"publicKeyHex is not a BIF {key_type} public key")
        for secret in ("privateKeyHex", "privateKey", "secretKeyMultibase", "privateKeyMultibase"):
            if secret in entry:
                raise _fail(where, f"holds private key material ({secret})")
        # The W3C rules for a verification method hold too: no private JWK members, one form
        # of key material, and any key we can read (Multikey, JWK) passes the strict check.
        try:
            _check_method(VerificationMethod(entry))
        except InvalidDocument as exc:
            raise _fail(where, exc.message) from exc
    return ids


def _check_extension(document: BIDDocument) -> None:
    ext = document.properties.get("extension")
    if ext is None:
        return
    if not isinstance(ext, Mapping):
        raise _fail("extension", "must be an object")
    list(_strings(ext.get("recovery", []), "extension/recovery"))
    for name in ("ttl", "type"):
        if name in ext and (not isinstance(ext[name], int) or isinstance(ext[name], bool)):
            raise _fail(f"extension/{name}", "must be an integer")
    if isinstance(ext.get("ttl"), int) and ext["ttl"] < 0:  # type: ignore[operator]
        raise _fail("extension/ttl", "must not be negative")
    for ac in _strings(ext.get("acsns", []), "extension/acsns"):
        if not _AC.fullmatch(ac):
            raise _fail("extension/acsns", f"{ac!r} is not a 4-character AC code")
    for name in ("delegateSign", "delegateSign "):
        delegate = ext.get(name)
        if delegate is not None and not (
            isinstance(delegate, Mapping)
            and isinstance(delegate.get("signer"), str)
            and isinstance(delegate.get("signatureValue"), str)
        ):
            raise _fail(f"extension/{name.strip()}", "must hold string signer and signatureValue")
    for name in ("attributes", "verifiableCredentials"):
        if name in ext and not isinstance(ext[name], list | tuple):
            raise _fail(f"extension/{name}", "must be an array")
    for index, attribute in enumerate(_list(ext.get("attributes"))):
        if not (isinstance(attribute, Mapping) and isinstance(attribute.get("key"), str)):
            raise _fail(f"extension/attributes/{index}", "must be an object with a string key")
    for index, credential in enumerate(_list(ext.get("verifiableCredentials"))):
        if not (
            isinstance(credential, Mapping)
            and isinstance(credential.get("id"), str)
            and _is_int(credential.get("type"))
        ):
            raise _fail(f"extension/verifiableCredentials/{index}", "needs a string id, int type")


def _check_also_known_as(value: JSONValue) -> None:
    if value is None:
        return
    if not isinstance(value, list | tuple):
        raise _fail("alsoKnownAs", "must be an array")
    for index, entry in enumerate(value):
        if not (
            isinstance(entry, Mapping)
            and isinstance(entry.get("id"), str)
            and _is_int(entry.get("type"))
        ):
            raise _fail(f"alsoKnownAs/{index}", "must be an object with a string id and int type")


def _check_services(document: BIDDocument) -> None:
    value = document.properties.get("service", [])
    if not isinstance(value, list | tuple):
        raise _fail("service", "must be an array")
    ids: set[str] = set()
    for index, entry in enumerate(value):
        where = f"service/{index}"
        if not isinstance(entry, Mapping):
            raise _fail(where, "must be an object")
        for name in ("id", "type", "serviceEndpoint"):
            if not isinstance(entry.get(name), str):
                raise _fail(where, f"{name} must be a string")
        # "#name" and "<did>#name" are the same service (DID Core: ids are resolved against
        # the document's id), so they are compared in their absolute form.
        service_id = str(entry["id"])
        if service_id.startswith("#"):
            service_id = document.id + service_id
        if service_id in ids:
            raise _fail(where, f"two services have the id {entry['id']!r}")
        ids.add(service_id)
        for name in ("protocol", "serverType"):
            if name in entry and not _is_int(entry[name]):
                raise _fail(where, f"{name} must be an integer")
        if "port" in entry and not (_is_int(entry["port"]) or isinstance(entry["port"], str)):
            raise _fail(where, "port must be an integer or a string")
