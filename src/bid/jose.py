"""Compact JWS with EdDSA (RFC 7515, RFC 8037) and the JWT encodings of credentials.

Signatures are checked through :meth:`bid.keys.Ed25519PublicKey.verify` (libsodium, behind
the strict key gate), never through PyJWT or OpenSSL: OpenSSL accepts keys and signatures
libsodium refuses, and every path of this library must give the same answer on the same
key (security.md section 0.1). Parsing a compact JWS takes a page of code, so there is no
JOSE dependency either.

:func:`decode` is strict and refuses, before any signature work:

- anything but a ``str`` of three non-empty segments (a JSON serialization, a JWE, an
  unsecured ``header.payload.`` token), over :data:`MAX_TOKEN_LENGTH`, or with a segment
  that is not canonical unpadded base64url;
- a header that is not a strict JSON object (duplicate names, NaN, big integers);
- an ``alg`` outside :data:`ALGORITHMS` (case-sensitive; ``none``, ``HS256``...):
  :class:`~bid.errors.InvalidAlgorithm`;
- ``crit`` (no extension is understood), ``b64`` (RFC 7797 unencoded payloads) and the
  header parameters that carry keys (``jku``, ``x5u``, ``jwk``, ``x5c``): keys come from the
  issuer's DID document, never from the token.

The credential encodings are VC-JOSE-COSE 1.0 for VC 2.0 (the payload *is* the credential,
``typ`` ``vc+jwt`` / ``vp+jwt``) and the JWT encoding of VC Data Model 1.1 section 6.3 (the
credential in a ``vc`` or ``vp`` claim, with ``iss``, ``sub``, ``jti``, ``nbf``, ``exp``).
Reading one back checks that the registered claims agree with the credential.

See: https://www.rfc-editor.org/rfc/rfc7515, https://www.rfc-editor.org/rfc/rfc8037,
https://www.w3.org/TR/vc-jose-cose/, https://www.w3.org/TR/vc-data-model-1.1/#json-web-token
"""

from __future__ import annotations

import base64
import binascii
import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from types import MappingProxyType
from typing import Any, Literal

from ._json import JSONObject, JSONValue, check_value, dumps_compact, freeze, loads_strict, thaw
from .credentials import V1_CONTEXT, V2_CONTEXT, parse_datetime, version_of
from .did import DIDURL
from .errors import (
    ClaimsMismatch,
    InvalidAlgorithm,
    InvalidCredential,
    InvalidDIDURL,
    MalformedJWS,
    ParseError,
    Unsupported,
)
from .keys import Ed25519PublicKey, PublicKey, Signer, SM2PublicKey

__all__ = [
    "ALGORITHMS",
    "JWS",
    "MAX_TOKEN_LENGTH",
    "Kind",
    "credential_claims",
    "credential_from_claims",
    "decode",
    "kid_of",
    "sign",
    "sign_bytes",
    "typ_for",
    "verify",
]

#: The only ``alg`` values accepted, compared case-sensitively.
ALGORITHMS: frozenset[str] = frozenset({"EdDSA"})
#: Longest compact JWS accepted (256 KiB), checked before any decoding.
MAX_TOKEN_LENGTH: int = 256 * 1024

Kind = Literal["vc", "vp"]

_SIGNATURE_SIZES = {"EdDSA": 64}
_SEGMENT = re.compile(r"[A-Za-z0-9_-]+")
# Header parameters that would let the token bring its own key (RFC 7515 section 4.1).
_KEY_PARAMETERS = ("jku", "jwk", "x5u", "x5c")
_STRING_PARAMETERS = ("kid", "typ", "cty")
# Any DID: it only carries a relative kid ("#key-1") through the DID URL grammar.
_PLACEHOLDER_DID = "did:example:kid"

# The registered claims a credential JWT may carry beside the credential itself.
_STRING_CLAIMS = ("iss", "sub", "jti", "nonce")
_DATE_CLAIMS = ("nbf", "exp", "iat")
_REGISTERED_CLAIMS = (*_STRING_CLAIMS, *_DATE_CLAIMS, "aud")
_BASE_TYPES: dict[Kind, str] = {"vc": "VerifiableCredential", "vp": "VerifiablePresentation"}
_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)
_SECOND = timedelta(seconds=1)


@dataclass(frozen=True, slots=True)
class JWS:
    """A decoded compact JWS: read-only header, payload and signature bytes.

    ``signing_input`` is ``b64u(header) || "." || b64u(payload)`` exactly as received: it
    is what the signature covers, never a re-serialization.
    """

    header: Mapping[str, JSONValue]
    payload: bytes
    signing_input: bytes
    signature: bytes

    @property
    def alg(self) -> str:
        """The algorithm, one of :data:`ALGORITHMS`."""
        return _check_alg(self.header)

    @property
    def kid(self) -> str | None:
        """The key id, or None when the header has none (see :func:`kid_of`)."""
        return _optional_string(self.header, "kid")

    @property
    def typ(self) -> str | None:
        """The media type of the whole token (``vc+jwt``, ``vp+jwt``, ``JWT``), or None."""
        return _optional_string(self.header, "typ")

    @property
    def cty(self) -> str | None:
        """The media type of the payload (``vc``, ``vp``), or None."""
        return _optional_string(self.header, "cty")

    def claims(self) -> dict[str, Any]:
        """The payload as a strict JSON object (a JWT claims set); raises MalformedJWS."""
        try:
            value = loads_strict(self.payload, what="JWS payload")
        except ParseError as exc:
            raise MalformedJWS(exc.message) from exc
        if not isinstance(value, dict):
            raise MalformedJWS("the JWS payload is not a JSON object")
        return dict(value)


# -- base64url ------------------------------------------------------------------------------------


def _b64url_encode(data: bytes) -> str:
    """Unpadded base64url (RFC 7515 section 2)."""
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _b64url_decode(text: str, what: str) -> bytes:
    """Strict unpadded base64url: alphabet only, no ``=``, canonical (zero trailing bits)."""
    if not _SEGMENT.fullmatch(text):
        if not text:
            raise MalformedJWS(f"the JWS {what} is empty")
        bad = next(char for char in text if not _SEGMENT.fullmatch(char))
        raise MalformedJWS(f"the JWS {what} has {bad!r}, which is not unpadded base64url")
    if len(text) % 4 == 1:
        raise MalformedJWS(f"the JWS {what} has an impossible base64url length ({len(text)})")
    try:
        data = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (binascii.Error, ValueError) as exc:
        raise MalformedJWS(f"the JWS {what} is not base64url ({exc})") from exc
    if _b64url_encode(data) != text:
        raise MalformedJWS(f"the JWS {what} is not canonical base64url (non-zero trailing bits)")
    return data


# -- decoding -------------------------------------------------------------------------------------


def decode(token: str) -> JWS:
    """Parse a compact JWS and check its header; raises MalformedJWS or InvalidAlgorithm.

    Nothing here verifies the signature: call :func:`verify` with the issuer's key.
    """
    header_segment, payload_segment, signature_segment = _split(token)
    header = _parse_header(_b64url_decode(header_segment, "header"))
    _check_header(header)
    payload = _b64url_decode(payload_segment, "payload")
    signature = _b64url_decode(signature_segment, "signature")
    _check_signature_length(header, signature)
    return JWS(
        header=MappingProxyType({name: freeze(value) for name, value in header.items()}),
        payload=payload,
        signing_input=f"{header_segment}.{payload_segment}".encode("ascii"),
        signature=signature,
    )


def _split(token: object) -> tuple[str, str, str]:
    """The three segments of a compact JWS, after the type and length checks."""
    if not isinstance(token, str):
        raise MalformedJWS(f"a compact JWS is a str, not {type(token).__name__}")
    if len(token) > MAX_TOKEN_LENGTH:
        raise MalformedJWS(f"a JWS of {len(token)} characters is over {MAX_TOKEN_LENGTH}")
    segments = token.split(".")
    if len(segments) != 3:
        hint = " (a JWE?)" if len(segments) == 5 else ""
        raise MalformedJWS(
            f"a compact JWS has 3 '.'-separated segments, this has {len(segments)}{hint}"
        )
    return segments[0], segments[1], segments[2]


def _parse_header(data: bytes) -> dict[str, JSONValue]:
    """The protected header: a strict JSON object."""
    try:
        value = loads_strict(data, what="JWS header")
    except ParseError as exc:
        raise MalformedJWS(exc.message) from exc
    if not isinstance(value, dict):
        raise MalformedJWS("the JWS header is not a JSON object")
    return value


def _check_header(header: Mapping[str, JSONValue]) -> None:
    """Every header rule of :func:`decode`: alg first, then crit, b64, keys, string members."""
    _check_alg(header)
    _check_crit(header)
    if "b64" in header:
        raise MalformedJWS("b64 (RFC 7797 unencoded payload) is not supported")
    for name in _KEY_PARAMETERS:
        if name in header:
            raise MalformedJWS(f"{name}: keys come from the issuer's DID document, not the token")
    for name in _STRING_PARAMETERS:
        _optional_string(header, name)


def _check_alg(header: Mapping[str, JSONValue]) -> str:
    """The header's ``alg`` if it is in :data:`ALGORITHMS`; raises InvalidAlgorithm."""
    if "alg" not in header:
        raise InvalidAlgorithm("the JWS header has no alg (only EdDSA is accepted)")
    alg = header["alg"]
    if not isinstance(alg, str) or alg not in ALGORITHMS:
        raise InvalidAlgorithm(f"alg {_show(alg)} is not accepted (only EdDSA)")
    return alg


def _check_crit(header: Mapping[str, JSONValue]) -> None:
    """Refuse ``crit``: well-formed or not, it names extensions this code does not know."""
    if "crit" not in header:
        return
    crit = header["crit"]
    if (
        not isinstance(crit, list | tuple)
        or not crit
        or not all(isinstance(name, str) for name in crit)
    ):
        raise MalformedJWS("crit must be a non-empty list of header parameter names")
    absent = [name for name in crit if name not in header]
    if absent:
        raise MalformedJWS(f"crit names {_show(absent)}, absent from the header")
    raise MalformedJWS(f"crit names {_show(list(crit))}: no extension parameter is understood")


def _optional_string(header: Mapping[str, JSONValue], name: str) -> str | None:
    """A header parameter that must be a string when present."""
    if name not in header:
        return None
    value = header[name]
    if not isinstance(value, str):
        raise MalformedJWS(f"the JWS header's {name} must be a string")
    return value


def _check_signature_length(header: Mapping[str, JSONValue], signature: bytes) -> None:
    size = _SIGNATURE_SIZES[_check_alg(header)]
    if len(signature) != size:
        raise MalformedJWS(f"an EdDSA signature is {size} bytes, this one {len(signature)}")


def _show(value: object) -> str:
    """A short repr of untrusted input for messages."""
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def kid_of(jws: JWS) -> str:
    """The ``kid``: a DID URL with a fragment, or a relative ``#fragment``; as written.

    The caller resolves it (a relative kid is relative to the issuer or holder) and checks
    that the verification method serves the proof purpose. Raises MalformedJWS.
    """
    kid = jws.kid
    if kid is None:
        raise MalformedJWS("the JWS header has no kid: the signing key cannot be found")
    return _check_kid(kid)


def _check_kid(kid: object) -> str:
    """``kid`` if it names a verification method by DID URL; raises MalformedJWS."""
    if not isinstance(kid, str):
        raise MalformedJWS(f"kid must be a string, not {type(kid).__name__}")
    text = _PLACEHOLDER_DID + kid if kid.startswith("#") else kid
    try:
        url = DIDURL.parse(text)
    except InvalidDIDURL as exc:
        raise MalformedJWS(f"kid {_show(kid)} is not a DID URL: {exc.message}") from exc
    if not url.fragment:
        raise MalformedJWS(f"kid {_show(kid)} has no #fragment naming a verification method")
    return kid


# -- verifying and signing ------------------------------------------------------------------------


def verify(jws: JWS, key: PublicKey) -> None:
    """Raise unless ``jws`` carries a valid EdDSA signature under ``key``.

    Only :class:`~bid.keys.Ed25519PublicKey` is accepted (SM2 has no registered JOSE
    algorithm): Unsupported. The JWS is decoded again from its signing input, so a header
    or payload that differs from what was signed is refused (MalformedJWS) and every rule
    of :func:`decode` holds for hand-built values too. A bad signature: InvalidSignature.
    """
    if isinstance(key, SM2PublicKey):
        raise Unsupported("no JOSE algorithm is registered for SM2 keys")
    if not isinstance(key, Ed25519PublicKey):
        raise Unsupported(f"{type(key).__name__} is not an Ed25519PublicKey")
    signed = _redecode(jws)
    key.verify(signed.signature, signed.signing_input)


def _redecode(jws: JWS) -> JWS:
    """``jws`` decoded from its own signing input; MalformedJWS when its parts disagree."""
    try:
        signing_input = jws.signing_input.decode("ascii")
    except UnicodeDecodeError as exc:
        raise MalformedJWS("the JWS signing input is not ASCII") from exc
    signed = decode(f"{signing_input}.{_b64url_encode(jws.signature)}")
    if signed.payload != jws.payload or thaw(signed.header) != thaw(jws.header):
        raise MalformedJWS("the JWS header or payload is not the one in its signing input")
    return signed


def sign(
    payload: JSONObject,
    key: Signer,
    *,
    kid: str,
    typ: str | None = None,
    extra_header: Mapping[str, JSONValue] | None = None,
) -> str:
    """A compact JWS of the JSON object ``payload``, signed with an Ed25519 key.

    The header is ``{"alg": "EdDSA", "kid": kid, "typ": typ}`` (no ``typ`` when None) plus
    ``extra_header``, which may not set those three; the payload is compact JSON. ``kid``
    must be a DID URL with a fragment (or ``#fragment``). Raises MalformedJWS for a header
    :func:`decode` would refuse, ParseError for a payload that is not strict JSON, and
    Unsupported for a key that is not Ed25519.
    """
    header = _header(kid, typ, extra_header)
    if not isinstance(payload, Mapping):
        raise ParseError("a JWT payload is a JSON object")
    check_value(payload, what="JWT payload")
    return sign_bytes(dumps_compact(thaw(payload)).encode("utf-8"), key, header=header)


def _header(
    kid: str, typ: str | None, extra_header: Mapping[str, JSONValue] | None
) -> dict[str, JSONValue]:
    """The header :func:`sign` writes, in the order alg, kid, typ, extra members."""
    header: dict[str, JSONValue] = {"alg": "EdDSA", "kid": _check_kid(kid)}
    if typ is not None:
        header["typ"] = typ
    extra = dict(extra_header or {})
    clashing = sorted(set(extra) & {"alg", "kid", "typ"})
    if clashing:
        raise MalformedJWS(f"extra_header may not set {', '.join(clashing)}")
    header.update(extra)
    return header


def sign_bytes(payload: bytes, key: Signer, *, header: Mapping[str, JSONValue]) -> str:
    """A compact JWS of arbitrary ``payload`` bytes under ``header`` (which must carry alg).

    The header must pass every check of :func:`decode`, and the token must be one
    :func:`decode` accepts (non-empty payload, within :data:`MAX_TOKEN_LENGTH`).
    """
    _check_header(header)
    try:
        check_value(header, what="JWS header")
    except ParseError as exc:
        raise MalformedJWS(exc.message) from exc
    if not payload:
        raise MalformedJWS("a JWS payload may not be empty (detached payloads are unsupported)")
    if key.algorithm != "Ed25519":
        raise Unsupported(
            f"EdDSA signs with Ed25519 keys; JOSE registers nothing for {key.algorithm}"
        )
    header_segment = _b64url_encode(dumps_compact(thaw(header)).encode("utf-8"))
    signing_input = f"{header_segment}.{_b64url_encode(bytes(payload))}"
    length = len(signing_input) + 1 + len(_b64url_encode(bytes(_SIGNATURE_SIZES["EdDSA"])))
    if length > MAX_TOKEN_LENGTH:
        raise MalformedJWS(f"the JWS would be {length} characters, over {MAX_TOKEN_LENGTH}")
    signature = key.sign(signing_input.encode("ascii"))
    _check_signature_length(header, signature)
    return f"{signing_input}.{_b64url_encode(signature)}"


# -- credentials as JWT claims --------------------------------------------------------------------


def typ_for(credential: JSONObject, *, kind: Kind) -> str:
    """The ``typ`` to sign ``credential`` with: ``vc+jwt``/``vp+jwt`` (2.0) or ``JWT`` (1.1)."""
    if version_of(_document(credential, kind)) == "2.0":
        return f"{kind}+jwt"
    return "JWT"


def credential_claims(
    credential: JSONObject,
    *,
    kind: Kind,
    nonce: str | None = None,
    aud: str | Sequence[str] | None = None,
) -> dict[str, Any]:
    """The JWT payload that carries ``credential`` (kind ``vc``) or a presentation (``vp``).

    VC 2.0 (VC-JOSE-COSE): the payload is the credential itself. VC 1.1 (VC Data Model 1.1
    section 6.3): ``{"vc": ..., "iss", "sub", "jti", "nbf", "exp"}`` or ``{"vp": ...,
    "iss", "jti"}``; a date moves out of the credential only when its NumericDate gives the
    same text back (else it stays, "in addition to" the claim). ``nonce`` and ``aud`` bind
    a presentation to its verifier. Raises InvalidCredential.
    """
    document = _document(credential, kind)
    if kind == "vc" and (nonce is not None or aud is not None):
        raise InvalidCredential("nonce and aud bind presentations, not credentials")
    binding = _binding_claims(nonce, aud)
    if version_of(document) == "2.0":
        return _claims_v2(document, binding)
    if kind == "vc":
        return _credential_claims_v1(document)
    return {**_presentation_claims_v1(document), **binding}


def _document(credential: object, kind: Kind) -> dict[str, Any]:
    """A mutable deep copy of a credential or presentation of the given kind."""
    if not isinstance(credential, Mapping):
        raise InvalidCredential(f"a {_name(kind)} is a JSON object")
    try:
        check_value(credential, what=_name(kind))
    except ParseError as exc:
        raise InvalidCredential(exc.message) from exc
    document: dict[str, Any] = thaw(credential)
    types = document.get("type")
    names = types if isinstance(types, list) else [types]
    if _BASE_TYPES[kind] not in names:
        raise InvalidCredential(f"a {_name(kind)} has type {_BASE_TYPES[kind]}")
    return document


def _name(kind: Kind) -> str:
    return "credential" if kind == "vc" else "presentation"


def _binding_claims(nonce: str | None, aud: str | Sequence[str] | None) -> dict[str, Any]:
    claims: dict[str, Any] = {}
    if nonce is not None:
        claims["nonce"] = nonce
    if aud is not None:
        claims["aud"] = aud if isinstance(aud, str) else list(aud)
    _check_claim_types(claims)
    return claims


def _claims_v2(document: dict[str, Any], binding: dict[str, Any]) -> dict[str, Any]:
    """VC-JOSE-COSE: the credential is the payload; only the binding claims are added."""
    taken = [name for name in (*_REGISTERED_CLAIMS, "vc", "vp") if name in document]
    if taken:
        raise InvalidCredential(f"a VC 2.0 member named {taken[0]} would read as a JWT claim")
    return {**document, **binding}


def _credential_claims_v1(document: dict[str, Any]) -> dict[str, Any]:
    """VC Data Model 1.1 section 6.3.1 for a credential."""
    claims: dict[str, Any] = {"vc": document}
    if "issuer" not in document:
        raise InvalidCredential("a credential has an issuer")
    claims["iss"] = _move_id_member(document, "issuer")
    subject = _single_subject(document)
    if subject is not None and "id" in subject:
        claims["sub"] = _string(subject.pop("id"), "credentialSubject.id")
    if "id" in document:
        claims["jti"] = _string(document.pop("id"), "id")
    for member, claim in (("issuanceDate", "nbf"), ("expirationDate", "exp")):
        if member in document:
            claims[claim] = _move_date(document, member)
    return claims


def _presentation_claims_v1(document: dict[str, Any]) -> dict[str, Any]:
    """VC Data Model 1.1 section 6.3.1 for a presentation (``vp`` is set here)."""
    claims: dict[str, Any] = {"vp": document}
    if "holder" in document:
        claims["iss"] = _move_id_member(document, "holder")
    if "id" in document:
        claims["jti"] = _string(document.pop("id"), "id")
    return claims


def _move_id_member(document: dict[str, Any], member: str) -> str:
    """Take the id out of ``issuer``/``holder`` (a string, or an object's ``id``)."""
    value = document[member]
    if isinstance(value, str):
        del document[member]
        return value
    if isinstance(value, dict) and isinstance(value.get("id"), str):
        identifier: str = value.pop("id")
        if not value:
            del document[member]
        return identifier
    raise InvalidCredential(f"{member} is a URL or an object with an id")


def _single_subject(document: dict[str, Any]) -> dict[str, Any] | None:
    """The one credentialSubject object (alone or in a one-item list), else None."""
    subject = document.get("credentialSubject")
    if isinstance(subject, list) and len(subject) == 1:
        subject = subject[0]
    return subject if isinstance(subject, dict) else None


def _move_date(document: dict[str, Any], member: str) -> int:
    """A date's NumericDate; the member leaves the document if the claim restores it."""
    seconds = _numeric_date(document[member], member)
    if _date_text(seconds) == document[member]:
        del document[member]
    return seconds


def _numeric_date(value: object, where: str) -> int:
    """A date-time with a time zone as a NumericDate (seconds, rounded down)."""
    return (parse_datetime(value, where) - _EPOCH) // _SECOND


def _date_text(seconds: float) -> str:
    """A NumericDate as an XML Schema dateTimeStamp in UTC, ``YYYY-MM-DDThh:mm:ssZ``."""
    try:
        moment = _EPOCH + timedelta(seconds=math.floor(seconds))
    except OverflowError as exc:
        raise InvalidCredential(f"the NumericDate {seconds} is out of range") from exc
    return moment.isoformat().replace("+00:00", "Z")


def _string(value: object, where: str) -> str:
    if not isinstance(value, str):
        raise InvalidCredential(f"{where} must be a string")
    return value


# -- claims back to a credential ------------------------------------------------------------------


def credential_from_claims(payload: JSONObject, *, kind: Kind) -> dict[str, Any]:
    """The credential (``vc``) or presentation (``vp``) a JWT payload carries, checked.

    VC 2.0: the payload is the credential; registered claims present (``iss``, ``sub``,
    ``jti``, ``nbf``, ``exp``) must agree with ``issuer``, the single
    ``credentialSubject.id``, ``id``, ``validFrom``, ``validUntil`` (to the second), or
    for a presentation ``iss``/``jti`` with ``holder``/``id``; they are then removed, with
    ``iat``, ``aud`` and ``nonce``, which the caller reads from the claims. VC 1.1: the
    ``vc``/``vp`` claim plus the claims, which fill absent members and must agree with
    present ones. Disagreement: ClaimsMismatch; a malformed payload: InvalidCredential.
    """
    claims = _claims_object(payload)
    other: Kind = "vp" if kind == "vc" else "vc"
    if "@context" in claims:
        if "vc" in claims or "vp" in claims:
            raise InvalidCredential("a VC 2.0 payload may not carry a vc or vp claim")
        return _from_claims_v2(claims, kind)
    if other in claims:
        raise InvalidCredential(f"a {_name(kind)} token may not carry a {other} claim")
    if kind not in claims:
        raise InvalidCredential(f"the payload has neither @context nor a {kind} claim")
    return _from_claims_v1(claims, kind)


def _claims_object(payload: object) -> dict[str, Any]:
    """The claims set as a mutable copy, with the registered claims type-checked."""
    if not isinstance(payload, Mapping):
        raise InvalidCredential("a JWT payload is a JSON object")
    try:
        check_value(payload, what="JWT payload")
    except ParseError as exc:
        raise InvalidCredential(exc.message) from exc
    claims: dict[str, Any] = thaw(payload)
    _check_claim_types(claims)
    return claims


def _check_claim_types(claims: Mapping[str, Any]) -> None:
    for name in _STRING_CLAIMS:
        if name in claims:
            _string(claims[name], f"the {name} claim")
    for name in _DATE_CLAIMS:
        if name in claims:
            value = claims[name]
            if isinstance(value, bool) or not isinstance(value, int | float):
                raise InvalidCredential(f"the {name} claim must be a NumericDate")
            _date_text(value)
    if "aud" in claims:
        aud = claims["aud"]
        audiences = aud if isinstance(aud, list) else [aud]
        if not audiences or not all(isinstance(entry, str) for entry in audiences):
            raise InvalidCredential("the aud claim must be a string or a list of strings")


def _from_claims_v2(claims: dict[str, Any], kind: Kind) -> dict[str, Any]:
    """VC-JOSE-COSE: strip the registered claims after checking them against the document."""
    document = {name: value for name, value in claims.items() if name not in _REGISTERED_CLAIMS}
    document = _document(document, kind)
    if version_of(document) != "2.0":
        raise InvalidCredential(f"a VC 1.1 {_name(kind)} travels in the {kind} claim")
    expected = _expected_v2(document, kind)
    for name, value in expected.items():
        if name in claims and not _agrees(name, claims[name], value):
            raise ClaimsMismatch(f"the {name} claim disagrees with the {_name(kind)}")
    return document


def _expected_v2(document: dict[str, Any], kind: Kind) -> dict[str, object]:
    """What each checked claim must be for this VC 2.0 document (None: nothing matches)."""
    if kind == "vp":
        return {"iss": _id_of(document.get("holder")), "jti": document.get("id")}
    subject = _single_subject(document)
    return {
        "iss": _id_of(document.get("issuer")),
        "jti": document.get("id"),
        "sub": subject.get("id") if subject is not None else None,
        "nbf": _optional_date(document, "validFrom"),
        "exp": _optional_date(document, "validUntil"),
    }


def _id_of(value: object) -> object:
    """The id of an ``issuer``/``holder`` member: the string, or the object's ``id``."""
    return value.get("id") if isinstance(value, dict) else value


def _optional_date(document: Mapping[str, Any], member: str) -> int | None:
    return _numeric_date(document[member], member) if member in document else None


def _agrees(name: str, claim: object, expected: object) -> bool:
    """Whether a claim equals the member it mirrors (dates to the second)."""
    if expected is None:
        return False
    if name in _DATE_CLAIMS:
        return isinstance(claim, int | float) and math.floor(claim) == expected
    return claim == expected


def _from_claims_v1(claims: dict[str, Any], kind: Kind) -> dict[str, Any]:
    """VC Data Model 1.1 section 6.3.2: rebuild from the ``vc``/``vp`` claim and the claims."""
    document = _document(claims[kind], kind)
    if version_of(document) != "1.1":
        raise InvalidCredential(
            f"the {kind} claim carries a VC 1.1 {_name(kind)} ({V1_CONTEXT}); "
            f"a VC 2.0 one ({V2_CONTEXT}) is the payload itself"
        )
    if kind == "vp":
        _merge_id_member(document, "holder", claims.get("iss"))
        _merge_value(document, "id", claims.get("jti"))
        return document
    _merge_id_member(document, "issuer", claims.get("iss"))
    _merge_value(document, "id", claims.get("jti"))
    _merge_subject_id(document, claims.get("sub"))
    _merge_date(document, "issuanceDate", claims.get("nbf"))
    _merge_date(document, "expirationDate", claims.get("exp"))
    return document


def _merge_value(document: dict[str, Any], member: str, claim: str | None) -> None:
    """Fill ``member`` from its claim, or check that they agree."""
    if claim is None:
        return
    if member not in document:
        document[member] = claim
    elif document[member] != claim:
        raise ClaimsMismatch(f"{member} disagrees with its JWT claim")


def _merge_id_member(document: dict[str, Any], member: str, claim: str | None) -> None:
    """Fill or check ``issuer``/``holder``, a string or an object with an ``id``."""
    value = document.get(member)
    if claim is None or not isinstance(value, dict):
        _merge_value(document, member, claim)
    elif "id" not in value:
        document[member] = {"id": claim, **value}
    elif value["id"] != claim:
        raise ClaimsMismatch(f"{member}.id disagrees with the iss claim")


def _merge_subject_id(document: dict[str, Any], claim: str | None) -> None:
    """Fill or check the one credentialSubject's ``id`` from ``sub``."""
    if claim is None:
        return
    if "credentialSubject" not in document:
        document["credentialSubject"] = {"id": claim}
        return
    subject = _single_subject(document)
    if subject is None:
        raise ClaimsMismatch("sub names one subject; the credential does not have exactly one")
    _merge_value(subject, "id", claim)


def _merge_date(document: dict[str, Any], member: str, claim: float | None) -> None:
    """Fill ``issuanceDate``/``expirationDate`` from a NumericDate, or check to the second."""
    if claim is None:
        return
    if member not in document:
        document[member] = _date_text(claim)
    elif _numeric_date(document[member], member) != math.floor(claim):
        raise ClaimsMismatch(f"{member} disagrees with its JWT claim")
