"""Proofs on BID documents: the RFC convention and the BID-SDK-JAVA convention.

Two incompatible ways of signing a BID document exist (bid-method.md section 5.3). Both
remove ``proof`` and sign the UTF-8 bytes of what is left with the key that
``proof.creator`` names; they differ in the bytes and in the signature text:

``"rfc"`` (RFC-004 section 6.1.6, RFC-005 section 5.6)
    The JSON canonical form of RFC 8785 (keys sorted recursively, no whitespace), and the
    signature as Base58 in the BIF alphabet. Every member is covered, known or not.

``"java"`` (BID-SDK-JAVA ``getBIDTemplate`` / ``isValidProof``)
    What Jackson writes after reading the document into the SDK's Java classes: compact
    JSON, members in Java field-declaration order (``@context`` last), ``null`` members
    left out, non-ASCII kept as UTF-8; the signature as UPPER-case hex (either case is
    read). The Java classes have no field for any other member, and the SDK's mapper
    ignores unknown properties, so **members outside the tables below are not signed**:
    changing one (``"delegateSign "`` with its trailing space included) does not break a
    ``"java"`` proof. Where Jackson would convert a value (a number in a ``String`` field,
    as ``service.port`` is in the SDK), the payload holds the converted value; where it
    would fail (text in an ``Integer`` field, an object in a ``String`` field, a
    fraction), there is no payload and InvalidDocument is raised.

:func:`verify_document_proof` tells the two apart by the signature text alone: exactly 128
hex digits is ``"java"``, anything else must be BIF Base58 (``"rfc"``; a 64-byte
signature is at most 88 Base58 characters, so the two forms cannot be confused).

``extension.delegateSign`` (also read under ``"delegateSign "``) is a second signature,
by ``signer``, over the bytes of the document's public key (the hex-decoded
``publicKeyHex`` of the first ``publicKey`` entry, 35 bytes ``b0 65 66 || key`` for
Ed25519), written as UPPER-case hex: :func:`sign_delegate`, :func:`verify_delegate_sign`.

Signatures go through the key objects (Ed25519 deterministic, SM2 randomized raw
``r || s``); no cryptographic library is used here directly.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from types import MappingProxyType
from typing import Any, Literal

from ._codec import b58decode_bif, b58encode_bif, hex_decode
from ._json import JSONObject, JSONValue, canonical
from .ddo import BIDDocument
from .did import DIDURL
from .errors import InvalidDIDURL, InvalidDocument, InvalidInput, InvalidKey, ParseError
from .keys import PublicKey, Signer, public_key_from_bif

__all__ = [
    "JAVA_FIELD_ORDER",
    "Convention",
    "proof_payload",
    "sign_delegate",
    "sign_document",
    "verify_delegate_sign",
    "verify_document_proof",
]

Convention = Literal["rfc", "java"]
_CONVENTIONS: tuple[Convention, ...] = ("rfc", "java")

# The BID-SDK-JAVA model classes (cn.ac.caict.bid.model, commit 74728db): each field in
# declaration order with its Java type. "X[]" is an array of X; KeyType is an enum that
# Jackson writes by name.
_JAVA_CLASSES: dict[str, tuple[tuple[str, str], ...]] = {
    "BIDDocumentOperation": (
        ("version", "String"),
        ("id", "String"),
        ("publicKey", "BIDpublicKeyOperation[]"),
        ("authentication", "String[]"),
        ("alsoKnownAs", "BIDAlsoKnownAsOperation[]"),
        ("extension", "BIDExtensionOperation"),
        ("service", "BIDServiceOperation[]"),
        ("created", "String"),
        ("updated", "String"),
        ("@context", "String[]"),  # @JsonProperty("@context") moves it after the others
    ),
    "BIDpublicKeyOperation": (
        ("id", "String"),
        ("type", "KeyType"),
        ("publicKeyHex", "String"),
        ("controller", "String"),
    ),
    "BIDAlsoKnownAsOperation": (("id", "String"), ("type", "Integer")),
    "BIDExtensionOperation": (
        ("recovery", "String[]"),
        ("ttl", "Long"),
        ("type", "Integer"),
        ("delegateSign", "BIDDelegateSignOperation"),
        ("attributes", "BIDAttributesOperation[]"),
        ("acsns", "String[]"),
        ("verifiableCredentials", "BIDVerifiableCredentialsOperation[]"),
    ),
    "BIDDelegateSignOperation": (("signer", "String"), ("signatureValue", "String")),
    "BIDAttributesOperation": (
        ("key", "String"),
        ("desc", "String"),
        ("value", "String"),
        ("format", "String"),
        ("encrypt", "Integer"),
    ),
    "BIDVerifiableCredentialsOperation": (("id", "String"), ("type", "Integer")),
    "BIDServiceOperation": (
        ("id", "String"),
        ("type", "String"),
        ("version", "String"),
        ("protocol", "Integer"),
        ("serverType", "Integer"),
        ("serviceEndpoint", "String"),
        ("port", "String"),
    ),
}

#: The member order of each object in the ``"java"`` payload, keyed by where the object
#: sits (``""`` is the document itself). Members not listed are not part of the payload.
JAVA_FIELD_ORDER: Mapping[str, tuple[str, ...]] = MappingProxyType(
    {
        "": tuple(name for name, _ in _JAVA_CLASSES["BIDDocumentOperation"]),
        "publicKey": tuple(name for name, _ in _JAVA_CLASSES["BIDpublicKeyOperation"]),
        "alsoKnownAs": tuple(name for name, _ in _JAVA_CLASSES["BIDAlsoKnownAsOperation"]),
        "extension": tuple(name for name, _ in _JAVA_CLASSES["BIDExtensionOperation"]),
        "extension/delegateSign": tuple(
            name for name, _ in _JAVA_CLASSES["BIDDelegateSignOperation"]
        ),
        "extension/attributes": tuple(name for name, _ in _JAVA_CLASSES["BIDAttributesOperation"]),
        "extension/verifiableCredentials": tuple(
            name for name, _ in _JAVA_CLASSES["BIDVerifiableCredentialsOperation"]
        ),
        "service": tuple(name for name, _ in _JAVA_CLASSES["BIDServiceOperation"]),
    }
)

_JAVA_INT_RANGE = {"Integer": 2**31, "Long": 2**63}
_HEX_SIGNATURE = re.compile(r"[0-9A-Fa-f]{128}")
_SIGNATURE_SIZE = 64
_DELEGATE_NAMES = ("delegateSign", "delegateSign ")


# -- payloads -----------------------------------------------------------------------------


def proof_payload(document: BIDDocument | JSONObject, convention: Convention) -> bytes:
    """The exact bytes a ``convention`` proof signs: the document without ``proof``.

    ``document`` may also be a plain JSON object (an RFC-style credential, say); its
    ``proof`` member is left out the same way. Raises InvalidDocument when the document
    has no payload in that convention (a value RFC 8785 or Jackson cannot write), and
    InvalidInput for an unknown convention.
    """
    data = _as_dict(document)
    data.pop("proof", None)
    if convention == "rfc":
        try:
            return canonical(data)
        except ParseError as exc:
            raise InvalidDocument(f"no RFC 8785 form: {exc.message}") from exc
    if convention == "java":
        out: list[str] = []
        _java_object(data, "BIDDocumentOperation", "", out)
        return "".join(out).encode("utf-8")
    raise InvalidInput(f"convention {convention!r} is not one of {list(_CONVENTIONS)}")


def _as_dict(document: BIDDocument | JSONObject) -> dict[str, Any]:
    if isinstance(document, BIDDocument):
        return document.to_json()
    if not isinstance(document, Mapping):
        raise InvalidDocument("a document is a JSON object")
    return dict(document)


def _java_object(value: Mapping[str, Any], class_name: str, where: str, out: list[str]) -> None:
    out.append("{")
    first = True
    for name, java_type in _JAVA_CLASSES[class_name]:
        member = value.get(name)
        if member is None:  # absent, or null: Jackson's NON_NULL inclusion leaves it out
            continue
        if not first:
            out.append(",")
        first = False
        out.append(_java_string(name))
        out.append(":")
        _java_value(member, java_type, f"{where}/{name}" if where else name, out)
    out.append("}")


def _java_value(value: Any, java_type: str, where: str, out: list[str]) -> None:
    if java_type.endswith("[]"):
        if not isinstance(value, list | tuple):
            raise _not_java(where, f"an array is needed for {java_type}")
        out.append("[")
        for index, item in enumerate(value):
            if index:
                out.append(",")
            if item is None:
                out.append("null")
            else:
                _java_value(item, java_type[:-2], f"{where}/{index}", out)
        out.append("]")
    elif java_type in _JAVA_CLASSES:
        if not isinstance(value, Mapping):
            raise _not_java(where, f"an object is needed for {java_type}")
        _java_object(value, java_type, where, out)
    elif java_type == "String":
        out.append(_java_string(_java_text(value, where)))
    elif java_type == "KeyType":
        if not isinstance(value, str):
            raise _not_java(where, "the key type must be a string")
        out.append(_java_string(value))
    else:  # Integer, Long
        limit = _JAVA_INT_RANGE[java_type]
        if not isinstance(value, int) or isinstance(value, bool) or not -limit <= value < limit:
            raise _not_java(where, f"{value!r} is not a Java {java_type}")
        out.append(str(value))


def _java_text(value: Any, where: str) -> str:
    """A ``String`` field: Jackson takes text, and turns integers and booleans into text."""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    raise _not_java(where, f"{type(value).__name__} cannot be read into a Java String")


def _java_string(text: str) -> str:
    """A JSON string as Jackson writes it: ``\\"``, ``\\\\``, short escapes, ``\\u00XX``."""
    parts = ['"']
    for char in text:
        code = ord(char)
        if char == '"':
            parts.append('\\"')
        elif char == "\\":
            parts.append("\\\\")
        elif code < 0x20:
            short = _SHORT_ESCAPES.get(char)
            parts.append(short if short is not None else f"\\u{code:04X}")
        else:
            parts.append(char)
    parts.append('"')
    text = "".join(parts)
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise InvalidDocument("a string holds a lone surrogate") from exc
    return text


_SHORT_ESCAPES = {"\b": "\\b", "\t": "\\t", "\n": "\\n", "\f": "\\f", "\r": "\\r"}


def _not_java(where: str, message: str) -> InvalidDocument:
    return InvalidDocument(f"{where}: BID-SDK-JAVA cannot read this document ({message})")


# -- document proofs ----------------------------------------------------------------------


def sign_document(
    document: BIDDocument,
    key: Signer,
    *,
    creator: str,
    convention: Convention = "rfc",
) -> BIDDocument:
    """A copy of ``document`` with ``proof`` = ``{creator, signatureValue}`` by ``key``.

    ``creator`` must be the id of a ``publicKey`` entry of the document, and that entry's
    key must be ``key.public_key``. Any existing ``proof`` is replaced (it is not part of
    what is signed). Which keys may sign which operation (``authentication`` for create
    and update, ``extension.recovery`` for recovery) is the registry's rule, not checked
    here.

    Raises InvalidDocument if ``creator`` is not a key of the document or the document has
    no payload in ``convention``, InvalidKey if the entry's key is not ``key``'s, and
    InvalidInput for an unknown convention.
    """
    _check_convention(convention)
    entry_key = _key_of_entry(document, creator, "creator")
    if entry_key != key.public_key:
        raise InvalidKey(f"the signing key is not the key of {creator}")
    signature = key.sign(proof_payload(document, convention))
    value = b58encode_bif(signature) if convention == "rfc" else signature.hex().upper()
    data = document.to_json()
    data["proof"] = {"creator": creator, "signatureValue": value}
    return BIDDocument.from_json(data)


def verify_document_proof(document: BIDDocument) -> Convention:
    """Check ``document.proof`` and say which convention it follows.

    The key is the ``publicKey`` entry whose id equals ``proof.creator``; the convention is
    read from ``proof.signatureValue`` (128 hex digits of either case: ``"java"``, else
    BIF Base58: ``"rfc"``). Whether that key may sign for this operation is left to the
    caller (see :func:`sign_document`).

    Raises InvalidDocument if there is no proof, ``creator`` is not a key of the document,
    ``signatureValue`` is not a 64-byte signature in either form, or the document has no
    payload in the detected convention; InvalidSignature if the signature does not verify.
    """
    proof = document.properties.get("proof")
    if not isinstance(proof, Mapping):
        raise InvalidDocument(f"{_document_name(document)} has no proof")
    creator = proof.get("creator")
    text = proof.get("signatureValue")
    if not isinstance(creator, str) or not isinstance(text, str):
        raise InvalidDocument("proof: creator and signatureValue must be strings")
    convention, signature = _read_signature(text, "proof/signatureValue")
    public_key = _key_of_entry(document, creator, "proof/creator")
    public_key.verify(signature, proof_payload(document, convention))
    return convention


def _read_signature(text: str, where: str) -> tuple[Convention, bytes]:
    if _HEX_SIGNATURE.fullmatch(text):
        return "java", bytes.fromhex(text)
    try:
        signature = b58decode_bif(text, what=where)
    except ParseError as exc:
        raise InvalidDocument(
            f"{where} is neither 128 hex digits nor BIF Base58: {exc.message}"
        ) from exc
    if len(signature) != _SIGNATURE_SIZE:
        raise InvalidDocument(
            f"{where} decodes to {len(signature)} bytes; a signature is {_SIGNATURE_SIZE}"
        )
    return "rfc", signature


# -- delegateSign -------------------------------------------------------------------------


def sign_delegate(document: BIDDocument, key: Signer, *, signer: str) -> BIDDocument:
    """A copy of ``document`` with ``extension.delegateSign`` = ``{signer, signatureValue}``.

    ``key`` signs the bytes of the document's public key (the first ``publicKey`` entry);
    ``signer`` is the id of ``key`` (a DID URL). When ``signer`` is a key of this document
    (the BID-SDK-JAVA template signs with the document's own ``#key-1``), that entry's key
    must be ``key.public_key``; a third party's key id is taken as given. The member keeps
    an existing spelling (``"delegateSign "`` with a space) and is ``"delegateSign"``
    otherwise. Sign the delegate before the document: this changes what a proof covers.

    Raises InvalidDocument if the document has no public key or ``signer`` is not a DID
    URL, InvalidKey if ``signer`` is a key of this document other than ``key``'s.
    """
    message = _delegate_message(document)
    _check_key_id(signer, "signer")
    own = any(entry.get("id") == signer for entry in document.public_keys)
    if own and _key_of_entry(document, signer, "signer") != key.public_key:
        raise InvalidKey(f"the signing key is not the key of {signer}")
    value = key.sign(message).hex().upper()
    data = document.to_json()
    extension = data.get("extension")
    extension = dict(extension) if isinstance(extension, Mapping) else {}
    name = next((n for n in _DELEGATE_NAMES if n in extension), _DELEGATE_NAMES[0])
    extension[name] = {"signer": signer, "signatureValue": value}
    data["extension"] = extension
    return BIDDocument.from_json(data)


def verify_delegate_sign(document: BIDDocument, *, signer_key: PublicKey | None = None) -> None:
    """Check ``extension.delegateSign`` (or ``"delegateSign "``) of ``document``.

    The signer's key is the document's ``publicKey`` entry named by ``signer``; a third
    party's signature needs its key, resolved by the caller, as ``signer_key``.

    Raises InvalidDocument if there is no delegateSign (or both spellings), its
    signatureValue is not 128 hex digits, or the signer's key is not known;
    InvalidSignature if the signature does not verify.
    """
    extension = document.extension
    present = [name for name in _DELEGATE_NAMES if extension.get(name) is not None]
    if not present:
        raise InvalidDocument(f"{_document_name(document)} has no extension.delegateSign")
    if len(present) > 1:
        raise InvalidDocument("extension has both 'delegateSign' and 'delegateSign '")
    delegate = extension[present[0]]
    where = f"extension/{present[0]}"
    if not isinstance(delegate, Mapping):
        raise InvalidDocument(f"{where} must be an object")
    signer = delegate.get("signer")
    text = delegate.get("signatureValue")
    if not isinstance(signer, str) or not isinstance(text, str):
        raise InvalidDocument(f"{where}: signer and signatureValue must be strings")
    if not _HEX_SIGNATURE.fullmatch(text):
        raise InvalidDocument(f"{where}/signatureValue must be 128 hex digits")
    message = _delegate_message(document)
    if signer_key is None:
        signer_key = _key_of_entry(document, signer, f"{where}/signer")
    signer_key.verify(bytes.fromhex(text), message)


def _delegate_message(document: BIDDocument) -> bytes:
    keys = document.public_keys
    hex_text = keys[0].get("publicKeyHex") if keys else None
    if not isinstance(hex_text, str):
        raise InvalidDocument(f"{_document_name(document)} has no publicKey to delegate-sign")
    try:
        return hex_decode(hex_text, what="publicKey/0/publicKeyHex")
    except ParseError as exc:
        raise InvalidDocument(exc.message) from exc


# -- helpers ------------------------------------------------------------------------------


def _check_convention(convention: str) -> None:
    if convention not in _CONVENTIONS:
        raise InvalidInput(f"convention {convention!r} is not one of {list(_CONVENTIONS)}")


def _check_key_id(text: str, what: str) -> None:
    try:
        DIDURL.parse(text)
    except InvalidDIDURL as exc:
        raise InvalidDocument(f"{what} {text!r} is not a DID URL: {exc.message}") from exc


def _key_of_entry(document: BIDDocument, key_id: str, what: str) -> PublicKey:
    for entry in document.public_keys:
        if entry.get("id") == key_id:
            hex_text = entry.get("publicKeyHex")
            if not isinstance(hex_text, str):
                raise InvalidDocument(f"{what}: the key {key_id} has no publicKeyHex")
            try:
                return public_key_from_bif(hex_text)
            except InvalidKey as exc:
                raise InvalidDocument(f"{what}: the key {key_id}: {exc.message}") from exc
    raise InvalidDocument(f"{what}: {key_id!r} is not a publicKey of {_document_name(document)}")


def _document_name(document: BIDDocument) -> str:
    value: JSONValue = document.properties.get("id")
    return value if isinstance(value, str) else "the document"
