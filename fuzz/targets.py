"""Fuzz targets: one function per input surface of ``bid``, each ``(data: bytes) -> None``.

Plain Python, no atheris here: ``fuzz/atheris_main.py`` drives these functions under
libFuzzer, and ``tests/test_fuzz_regressions.py`` runs them over the seed corpora and the
kept crash inputs in the normal test suite.

The oracle. A target decodes the bytes (text is UTF-8 with ``surrogateescape``, so every
byte string is some ``str``, lone surrogates included) and feeds them to the library.
:func:`run` lets only errors from :mod:`bid.errors` (``BidError`` and its subclasses)
escape the library; anything else (``IndexError``, ``UnicodeError``, ``OverflowError``,
``RecursionError``...) is a crash. Where an API documents which errors it raises, the target
narrows the oracle to those classes (:func:`_only`), and where a value parses it checks a
round-trip property; a broken promise raises :class:`PropertyFailed`, also a crash.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager, suppress
from datetime import datetime, timezone
from functools import cache
from typing import Any

import rfc8785

from bid import jose
from bid import jsonld as bjsonld
from bid._codec import b58decode_bif
from bid._json import _check_value_reference, canonical, check_value, freeze, loads_strict, thaw
from bid.bif import BID, decode_public_key, encode_public_key
from bid.credentials import check_credential, check_presentation
from bid.data_integrity import Proof, proofs_of
from bid.ddo import BIDDocument
from bid.did import DID, DIDURL
from bid.document import DIDDocument
from bid.errors import (
    BidError,
    ClaimsMismatch,
    InvalidAlgorithm,
    InvalidCredential,
    InvalidDID,
    InvalidDIDURL,
    InvalidDocument,
    InvalidInput,
    InvalidKey,
    InvalidOperation,
    InvalidSignature,
    MalformedJWS,
    MalformedProof,
    ParseError,
    ProofVerificationError,
    RegistryError,
)
from bid.keys import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
    SM2PrivateKey,
    SM2PublicKey,
    parse_private_key,
    parse_public_key,
    public_key_from_bif,
)
from bid.methods.bid import BidMethod, create_operation, new_document
from bid.methods.key import KeyMethod
from bid.registry import MemoryRegistry, Operation
from bid.resolver import MethodRouter, ResolutionResult
from bid.vc import verify_credential, verify_presentation

__all__ = ["TARGETS", "PropertyFailed", "Target", "registered_bid", "run"]

Target = Callable[[bytes], None]

#: A fixed instant: the targets never read the clock.
NOW = datetime(2025, 1, 1, tzinfo=timezone.utc)
#: The key the registry target registers a DID with (RFC 8032 section 7.1, test 1 seed).
REGISTERED_SEED = bytes.fromhex("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60")

# Bounds for the JSON-LD target: small, so one input never takes more than milliseconds.
JSONLD_MAX_BLANK_NODES = 32
JSONLD_MAX_EQUAL_HASHES = 4
JSONLD_MAX_WORK = 2_000
# Inputs longer than this are cut: every parser here caps its input far below it.
MAX_INPUT = 64 * 1024


class PropertyFailed(AssertionError):
    """A target's property does not hold: a crash, like an unexpected exception."""


def _check(condition: bool, message: str) -> None:
    if not condition:
        raise PropertyFailed(message)


@contextmanager
def _only(*allowed: type[BidError]) -> Iterator[None]:
    """Let the documented BidError classes through; another BidError breaks the promise."""
    try:
        yield
    except allowed:
        raise
    except BidError as exc:
        names = ", ".join(cls.__name__ for cls in allowed)
        raise PropertyFailed(f"{type(exc).__name__} ({exc}) escaped; documented: {names}") from exc


def _text(data: bytes) -> str:
    """Any bytes as a ``str``: UTF-8, with undecodable bytes as lone surrogates."""
    return data[:MAX_INPUT].decode("utf-8", "surrogateescape")


def _lines(data: bytes) -> tuple[str, str | None]:
    """The first line of the text, and the rest (``None`` when there is no newline)."""
    head, newline, rest = _text(data).partition("\n")
    return head, rest if newline else None


def run(target: Target, data: bytes) -> None:
    """Run ``target`` on ``data`` under the oracle: a BidError is an answer, not a crash."""
    with suppress(BidError):
        target(data)


# -- DIDs and DID URLs --------------------------------------------------------------------------


def fuzz_did(data: bytes) -> None:
    """The generic DID and DID URL parsers (checklist 15, 16); parse(str(x)) == x."""
    text = _text(data)
    try:
        with _only(InvalidDID):
            did = DID.parse(text)
    except InvalidDID:
        pass
    else:
        _check(str(did) == text, "str(DID.parse(text)) != text")
        _check(DID.parse(str(did)) == did, "a DID does not re-parse to itself")
        _check(hash(did) == hash(DID(did.method, did.method_specific_id)), "unstable hash")
        _check(DIDURL.parse(text) == did.url(), "a DID is not the DID URL with nothing after it")
    with _only(InvalidDIDURL):
        url = DIDURL.parse(text)
    _check(str(url) == text, "str(DIDURL.parse(text)) != text")
    _check(DIDURL.parse(str(url)) == url, "a DID URL does not re-parse to itself")
    rebuilt = url.did.url(path=url.path, query=url.query, fragment=url.fragment)
    _check(rebuilt == url, "a DID URL rebuilt from its parts differs")


# -- did:key ------------------------------------------------------------------------------------


def fuzz_did_key(data: bytes) -> None:
    """did:key and Multikey decoding (checklist 5-8, 11-16); the key re-encodes to the text."""
    text = _text(data)
    key: Ed25519PublicKey | None = None
    try:
        with _only(InvalidDID):
            key = Ed25519PublicKey.from_did_key(text)
    except InvalidDID:
        with _only():
            result = KeyMethod().resolve(text)
        _check(result.error is not None, "KeyMethod resolves a did:key from_did_key refuses")
    else:
        _check(key.did_key == text, "a did:key does not re-encode to its text")
        _check(Ed25519PublicKey.from_did_key(DID.parse(text)) == key, "DID value path differs")
        key.x25519_multikey  # noqa: B018 - a key that passed the gate is never weak (11)
        with _only():
            result = KeyMethod().resolve(text)
        _check(result.error is None, f"KeyMethod refuses a decodable did:key: {result.error}")
    if text.startswith("z"):
        try:
            with _only(InvalidKey):
                multikey = Ed25519PublicKey.from_multikey(text)
        except InvalidKey:
            pass
        else:
            _check(multikey.multikey == text, "a Multikey does not re-encode to its text")
    with _only(InvalidDID, InvalidKey):
        parsed = parse_public_key(text)
    _check(_round_trips(parsed, text), "parse_public_key does not round-trip")
    _check(key is None or parsed == key, "parse_public_key disagrees with from_did_key")


def _round_trips(key: Ed25519PublicKey | SM2PublicKey, text: str) -> bool:
    """Whether ``key`` written in the form ``text`` used gives ``text`` (hex in any case)."""
    if isinstance(key, Ed25519PublicKey) and text.startswith("did:"):
        return key.did_key == text
    if isinstance(key, Ed25519PublicKey) and text.startswith("z"):
        return key.multikey == text
    return key.to_bif() == text.lower()


# -- did:bid ------------------------------------------------------------------------------------


@cache
def registered_bid() -> tuple[str, Operation]:
    """One BID and the create operation that registers it (built once, signed for real)."""
    key = Ed25519PrivateKey.from_seed(REGISTERED_SEED)
    document = new_document(key, now=NOW, services=[("hub", "LinkedDomains", "https://a.test")])
    return document.id, create_operation(document, key)


def _registry() -> MemoryRegistry:
    """A fresh in-memory registry holding the registered BID (one version)."""
    registry = MemoryRegistry(clock=lambda: NOW)
    registry.submit(registered_bid()[1])
    return registry


def fuzz_bid(data: bytes) -> None:
    """did:bid parsing and resolution (checklist 15, 16, 18); str(BID.parse(t)) == t.

    The first line is the BID; a second line, when present, is the ``versionId`` (digits)
    or ``versionTime`` option of a resolution against a registry holding one BID.
    """
    text, option = _lines(data)
    parsed: BID | None = None
    try:
        with _only(InvalidDID):
            parsed = BID.parse(text)
    except InvalidDID:
        pass
    else:
        _check(str(parsed) == text, "str(BID.parse(text)) != text")
        _check(BID.parse(str(parsed)) == parsed, "a BID does not re-parse to itself")
        _check(parsed.did == DID.parse(text), "a BID is not the generic DID of its text")
        if not parsed.is_ac_only:
            suffix = b58decode_bif(parsed.suffix, what="BID suffix")
            _check(len(suffix) == 22, "a parsed BID suffix is not 22 bytes")
    options: dict[str, str] = {}
    if option is not None:
        options["versionId" if option[:1].isdigit() else "versionTime"] = option
    with _only():
        result = BidMethod(_registry()).resolve(text, options)
    _check(isinstance(result, ResolutionResult), "BidMethod.resolve returned no result")
    _check((result.error == "invalidDid") == (parsed is None), "invalidDid iff BID.parse fails")


# -- BIF key strings ----------------------------------------------------------------------------


def fuzz_bif_public_key(data: bytes) -> None:
    """BIF public key strings (``b06566...``/``b07a66...``; checklist 5-8, 14, 18).

    A key that parses re-encodes to the text in lower case, and its BID derives from it.
    """
    text = _text(data)
    try:
        with _only(InvalidKey):
            key_type, raw = decode_public_key(text)
    except InvalidKey:
        pass
    else:
        _check(encode_public_key(key_type, raw) == text.lower(), "decode/encode differs")
    with _only(InvalidKey):
        key = public_key_from_bif(text)
    _check(key.to_bif() == text.lower(), "a BIF public key does not re-encode to its text")
    cls = Ed25519PublicKey if isinstance(key, Ed25519PublicKey) else SM2PublicKey
    _check(cls.from_bif(text) == key, "the typed from_bif disagrees with public_key_from_bif")
    bid = key.bid()
    _check(BID.parse(str(bid)) == bid, "a derived BID does not parse to itself")
    _check(bid.derives_from(key.key_type, key.public_bytes()), "a key's BID does not derive")


def fuzz_bif_private_key(data: bytes) -> None:
    """BIF private key strings (``priSPK...``, ``priSrr...``, legacy ``priv...``; checklist 18).

    A key that parses re-encodes to the text, signs what its public key verifies, and
    derives its own BID.
    """
    text = _text(data)
    with _only(InvalidKey):
        key = parse_private_key(text)
    if not text.startswith("priv"):
        _check(key.to_bif() == text, "a BIF private key does not re-encode to its text")
    cls = Ed25519PrivateKey if isinstance(key, Ed25519PrivateKey) else SM2PrivateKey
    _check(cls.from_bif(text) == key, "the typed from_bif disagrees with parse_private_key")
    again = parse_private_key(key.to_bif())
    _check(again == key and again.public_key == key.public_key, "re-parse gives another key")
    message = b"bid fuzz"
    key.public_key.verify(key.sign(message), message)  # InvalidSignature here is a crash
    _check(key.bid().derives_from(key.key_type, key.public_key.public_bytes()), "bad BID")


# -- credentials, proofs, JWS -------------------------------------------------------------------


def fuzz_credential(data: bytes) -> None:
    """Credential JSON: strict parse, the data model checks, proof parsing, verification.

    Checklist 23-28, 36-43. ``verify_credential`` and ``verify_presentation`` (did:key
    resolved offline, a fixed clock) promise never to raise for bad data.
    """
    with _only(ParseError):
        value = loads_strict(data[:MAX_INPUT], what="credential")
    try:
        with _only(InvalidCredential):
            check_credential(value)
    except InvalidCredential:
        pass
    if isinstance(value, Mapping):
        if "VerifiablePresentation" in str(value.get("type")):
            try:
                with _only(InvalidCredential):
                    check_presentation(value)
            except InvalidCredential:
                pass
            with _only():  # like verify_credential, it never raises for bad data
                presented = verify_presentation(
                    value, resolver=MethodRouter([KeyMethod()]), challenge="c-1", now=NOW
                )
            _check(presented.verified == (not presented.errors), "verified disagrees")
        try:
            with _only(MalformedProof):
                proofs = proofs_of(value)
        except MalformedProof:
            proofs = []
        for proof in [*proofs, value]:
            try:
                with _only(MalformedProof, ProofVerificationError):
                    Proof.parse(proof)
            except (MalformedProof, ProofVerificationError):
                pass
        _check_verifier(value)


def _check_verifier(credential: Any) -> None:
    """verify_credential never raises for bad data, and ``verified`` means no errors."""
    with _only():
        result = verify_credential(credential, resolver=MethodRouter([KeyMethod()]), now=NOW)
    _check(result.verified == (not result.errors), "verified disagrees with the errors")


def fuzz_jws(data: bytes) -> None:
    """Compact JWS parsing and JWT credentials (checklist 44-47); a decoded token re-encodes
    to its text, and ``verify_credential`` on the token never raises."""
    text = _text(data)
    _check_verifier(text)
    with _only(MalformedJWS, InvalidAlgorithm):
        token = jose.decode(text)
    encoded = base64.urlsafe_b64encode(token.signature).rstrip(b"=").decode("ascii")
    _check(f"{token.signing_input.decode('ascii')}.{encoded}" == text, "JWS does not re-encode")
    try:
        with _only(MalformedJWS):
            jose.kid_of(token)
    except MalformedJWS:
        pass
    key = Ed25519PrivateKey.from_seed(REGISTERED_SEED).public_key
    try:
        with _only(InvalidSignature):
            jose.verify(token, key)
    except InvalidSignature:
        pass
    with _only(MalformedJWS):
        claims = token.claims()
    for kind in ("vc", "vp"):
        try:
            with _only(InvalidCredential, ClaimsMismatch):
                jose.credential_from_claims(claims, kind=kind)
        except (InvalidCredential, ClaimsMismatch):
            pass


# -- canonicalization ---------------------------------------------------------------------------


def _reference(value: object) -> bytes | None:
    """rfc8785's bytes, or None where it refuses the value."""
    try:
        return bytes(rfc8785.dumps(value))  # type: ignore[arg-type]
    except (rfc8785.CanonicalizationError, TypeError, ValueError, RecursionError):
        return None


def _reordered(value: Any) -> Any:
    """``value`` with every object's members inserted in reverse order."""
    if isinstance(value, dict):
        return {key: _reordered(value[key]) for key in reversed(list(value))}
    if isinstance(value, list):
        return [_reordered(item) for item in value]
    return value


def fuzz_jcs(data: bytes) -> None:
    """bid._json.canonical against rfc8785.dumps (checklist 36), on strict and lenient JSON.

    Where both accept a value they must give the same bytes; canonical() may refuse only
    with ParseError, and only what rfc8785 refuses too. check_value's fast walk gives the
    verdict of its reference walk, and canonical() takes every value check_value accepts.
    The canonical form is invariant under member order and idempotent through the strict
    parser.
    """
    text = _text(data)
    try:
        lenient = json.loads(text)
    except (ValueError, RecursionError):
        pass
    else:
        _differential(lenient)
    with _only(ParseError):
        value = loads_strict(data[:MAX_INPUT])
    with _only(ParseError):
        form = canonical(value)
    _check(canonical(_reordered(value)) == form, "canonical form depends on member order")
    try:
        again = loads_strict(form)
    except ParseError:
        # JCS writes integral floats from 2^53 up in positional form, which the strict
        # parser refuses as an unsafe integer; nothing else may fail to read back.
        _check(_has_big_integral_float(value), "canonical bytes the strict parser refuses")
    else:
        _check(canonical(again) == form, "canonical form is not idempotent")


def _has_big_integral_float(value: object) -> bool:
    if isinstance(value, float):
        return value.is_integer() and abs(value) > 2**53 - 1
    if isinstance(value, dict):
        return any(_has_big_integral_float(item) for item in value.values())
    if isinstance(value, list):
        return any(_has_big_integral_float(item) for item in value)
    return False


def _differential(value: object) -> None:
    """canonical() against rfc8785, check_value's fast walk against its reference walk."""
    expected = _reference(value)
    try:
        with _only(ParseError):
            got: bytes | None = canonical(value)  # type: ignore[arg-type]
    except ParseError:
        got = None
    _check(got == expected, f"canonical() gives {got!r}, rfc8785 {expected!r}")
    verdicts = []
    for walk in (check_value, _check_value_reference):
        try:
            with _only(ParseError):
                walk(value, what="JSON")
            verdicts.append(True)
        except ParseError:
            verdicts.append(False)
    _check(verdicts[0] == verdicts[1], "check_value's fast walk disagrees with the reference")
    _check(not verdicts[0] or got is not None, "canonical() refuses a value check_value accepts")
    _check(thaw(freeze(value)) == value, "thaw(freeze(value)) differs")  # type: ignore[arg-type]


def _canonize(document: dict[str, Any]) -> str:
    return bjsonld.canonize(
        document,
        max_blank_nodes=JSONLD_MAX_BLANK_NODES,
        max_equal_hashes=JSONLD_MAX_EQUAL_HASHES,
        max_work=JSONLD_MAX_WORK,
    )


def fuzz_jsonld(data: bytes) -> None:
    """JSON-LD canonicalization of small documents under tight bounds (checklist 31-36).

    Only InvalidInput (ContextNotAllowed, DataLossDetected, ResourceLimitExceeded, ...) may
    come out. When it succeeds the output is N-Quads, unchanged by member order, and when
    the fast path served it, equal to PyLD's URDNA2015.
    """
    with _only(ParseError):
        value = loads_strict(data[:MAX_INPUT])
    if not isinstance(value, dict):
        return
    with _only(InvalidInput):
        nquads = _canonize(value)
    _check(all(line.endswith(" .") for line in nquads.splitlines()), "not N-Quads lines")
    _check(nquads == "" or nquads.endswith("\n"), "N-Quads without the final newline")
    with _only(InvalidInput):
        reordered = _canonize(_reordered(value))
    _check(reordered == nquads, "RDFC output depends on member order")
    plain, universe = bjsonld._checked(value, None)
    dataset = bjsonld._safe_pass(plain, universe, to_rdf=True)
    with _only(InvalidInput):
        reference = bjsonld._normalize(dataset, JSONLD_MAX_WORK * 10)
    _check(reference == nquads, "bid's RDFC-1.0 differs from PyLD's URDNA2015")


# -- the registry -------------------------------------------------------------------------------


def fuzz_registry_op(data: bytes) -> None:
    """The registry operation decoder (checklist 49-54, 59); applied to a live registry.

    An operation that parses re-parses from its wire form and from its stored bytes to the
    same operation; submitting it never raises anything but a BidError.
    """
    with _only(InvalidOperation):
        op = Operation.from_text(data[:MAX_INPUT])
    _check(Operation.from_json(op.to_json()) == op, "an operation's wire form differs")
    _check(Operation.from_storage(op.signed_bytes, op.signature) == op, "stored form differs")
    _check(op.hash == Operation.from_json(op.to_json()).hash, "an operation's hash is unstable")
    registry = _registry()
    before = registry.history(op.did)
    try:
        with _only(RegistryError):
            registry.submit(op)
    except RegistryError:
        _check(registry.history(op.did) == before, "a refused operation changed the registry")


def fuzz_did_document(data: bytes) -> None:
    """DID documents and BID documents from untrusted JSON (checklist 19-21)."""
    with _only(ParseError):
        value = loads_strict(data[:MAX_INPUT], what="DID document")
    if not isinstance(value, Mapping):
        return
    for cls in (DIDDocument, BIDDocument):
        try:
            with _only(InvalidDocument):
                document = cls.from_json(value)
        except InvalidDocument:
            continue
        _check(document.to_json() == value, f"{cls.__name__}.to_json() differs from its input")
        _check(cls.from_json(document.to_json()) == document, f"{cls.__name__} re-parse differs")


TARGETS: dict[str, Target] = {
    "did": fuzz_did,
    "did_key": fuzz_did_key,
    "bid": fuzz_bid,
    "bif_public_key": fuzz_bif_public_key,
    "bif_private_key": fuzz_bif_private_key,
    "credential": fuzz_credential,
    "jws": fuzz_jws,
    "jcs": fuzz_jcs,
    "jsonld": fuzz_jsonld,
    "registry_op": fuzz_registry_op,
    "did_document": fuzz_did_document,
}
"""Every target by name: the name is also its corpus directory."""
