"""Data Integrity proofs with Ed25519: eddsa-jcs-2022, eddsa-rdfc-2022, Ed25519Signature2020.

One algorithm, three transformations (Data Integrity 1.0, EdDSA Cryptosuites 1.0)::

    hashData  = SHA-256(canonical proof config) || SHA-256(canonical unsecured document)
    proofValue = "z" + base58btc(Ed25519(hashData))

- ``eddsa-jcs-2022`` canonicalizes with JCS (RFC 8785): no JSON-LD, no contexts, no
  network. The proof config carries the document's ``@context`` and keeps it in the proof;
  on verification the document's ``@context`` must start with the proof's.
- ``eddsa-rdfc-2022`` and ``Ed25519Signature2020`` canonicalize with RDFC-1.0 through
  :mod:`bid.jsonld` (bundled, pinned contexts only; undefined terms refused; bounded work;
  extra ``jsonld``). The proof config gets the document's ``@context`` only while it is
  canonicalized.

This module does the cryptography and the proof shapes. Which key may sign, for which
purpose and for which issuer is :mod:`bid.vc`'s job. Proof sets and chains follow Data
Integrity 1.0 section 4: a proof with ``previousProof`` signs the document with
``proof`` set to the list of the proofs it names.
"""

from __future__ import annotations

import copy
import hashlib
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

from ._codec import b58decode_btc, b58encode_btc
from ._json import JSONObject, canonical
from .credentials import as_list, parse_datetime
from .errors import (
    InvalidCredential,
    InvalidKey,
    InvalidSignature,
    MalformedProof,
    ParseError,
    ProofVerificationError,
    Unsupported,
)
from .keys import Ed25519PublicKey, PrivateKey, PublicKey

__all__ = [
    "DATA_INTEGRITY_CONTEXT",
    "ED25519_2020_CONTEXT",
    "SUITES",
    "Proof",
    "add_proof",
    "hash_data",
    "proofs_of",
    "verify_proof",
]

#: The proof suites this module signs and verifies.
SUITES = ("eddsa-jcs-2022", "eddsa-rdfc-2022", "Ed25519Signature2020")
DATA_INTEGRITY_CONTEXT = "https://w3id.org/security/data-integrity/v2"
ED25519_2020_CONTEXT = "https://w3id.org/security/suites/ed25519-2020/v1"
_V2 = "https://www.w3.org/ns/credentials/v2"
_MAX_PROOF_VALUE_CHARS = 100  # a 64-byte signature is at most 88 base58 characters
_SIGNATURE_BYTES = 64
_CRYPTOSUITE = re.compile(r"[a-z0-9]+(-[a-z0-9]+)*")
# Suite names known to match _CRYPTOSUITE. A tuple: ``in`` compares, so an unhashable
# cryptosuite value (a list) falls through to the full check instead of raising.
_WELL_FORMED = ("eddsa-jcs-2022", "eddsa-rdfc-2022")
_REQUIRED = ("type", "verificationMethod", "proofPurpose")


@dataclass(frozen=True, slots=True)
class Proof:
    """A proof read from a document: its suite, purpose, method, times and signature.

    ``raw`` is the proof object as given (what is hashed is built from it).
    """

    raw: Mapping[str, Any]
    suite: str
    verification_method: str
    proof_purpose: str
    proof_value: bytes
    created: datetime | None
    expires: datetime | None
    id: str | None
    previous_proof: tuple[str, ...]
    challenge: str | None
    domain: str | None

    @classmethod
    def parse(cls, raw: object, *, suites: Sequence[str] = SUITES) -> Proof:
        """Read a proof object; raises MalformedProof or ProofVerificationError.

        Type and cryptosuite are checked before anything else: a proof of another suite
        (``eddsa-2022``, ``ecdsa-rdfc-2019``, any case change) never reaches the crypto.
        """
        if not isinstance(raw, Mapping):
            raise MalformedProof("a proof is a JSON object")
        if "type" not in raw or "verificationMethod" not in raw or "proofPurpose" not in raw:
            missing = [name for name in _REQUIRED if name not in raw]
            raise ProofVerificationError(f"the proof has no {', '.join(missing)}")
        suite = _suite_of(raw)
        if suite not in suites:
            raise ProofVerificationError(f"proof suite {suite!r} is not accepted here")
        method, purpose = raw["verificationMethod"], raw["proofPurpose"]
        if not isinstance(method, str) or not method:
            raise ProofVerificationError("verificationMethod must be a URL string")
        if not isinstance(purpose, str) or not purpose:
            raise ProofVerificationError("proofPurpose must be a string")
        previous = raw.get("previousProof")
        previous_ids: tuple[str, ...] = ()
        if previous is not None:
            previous_ids = tuple(as_list(previous))
            if not previous_ids or not all(isinstance(p, str) and p for p in previous_ids):
                raise ProofVerificationError("previousProof is a proof id or a list of proof ids")
        proof_id = raw.get("id")
        if proof_id is not None and not isinstance(proof_id, str):
            raise ProofVerificationError("a proof id is a string")
        return cls(
            raw=raw,
            suite=suite,
            verification_method=method,
            proof_purpose=purpose,
            proof_value=_decode_proof_value(raw.get("proofValue")),
            created=_time(raw, "created"),
            expires=_time(raw, "expires"),
            id=proof_id,
            previous_proof=previous_ids,
            challenge=_optional_text(raw, "challenge"),
            domain=_domain(raw),
        )


def _suite_of(raw: Mapping[str, Any]) -> str:
    proof_type = raw.get("type")
    if proof_type == "DataIntegrityProof":
        suite = raw.get("cryptosuite")
        if suite in _WELL_FORMED:  # exactly one of our own names: no need for the pattern
            return str(suite)
        if not isinstance(suite, str) or not _CRYPTOSUITE.fullmatch(suite):
            raise ProofVerificationError("cryptosuite must be a lower-case suite identifier")
        if suite == "Ed25519Signature2020":
            raise ProofVerificationError("Ed25519Signature2020 is a proof type, not a cryptosuite")
        return suite
    if proof_type == "Ed25519Signature2020":
        if "cryptosuite" in raw:
            raise ProofVerificationError("an Ed25519Signature2020 proof has no cryptosuite")
        return "Ed25519Signature2020"
    raise ProofVerificationError(f"proof type {str(proof_type)[:40]!r} is not accepted here")


def _decode_proof_value(value: object) -> bytes:
    if not isinstance(value, str) or not value:
        raise MalformedProof("proofValue is required: a multibase base58btc string")
    if not value.startswith("z"):
        raise MalformedProof("proofValue must be multibase base58btc (prefix 'z')")
    if len(value) > _MAX_PROOF_VALUE_CHARS:
        raise MalformedProof("proofValue is too long for an Ed25519 signature")
    try:
        signature = b58decode_btc(value[1:], what="proofValue")
    except ParseError as exc:
        raise MalformedProof(exc.message) from exc
    if len(signature) != _SIGNATURE_BYTES:
        raise MalformedProof(f"proofValue decodes to {len(signature)} bytes, not 64")
    return signature


def _time(raw: Mapping[str, Any], name: str) -> datetime | None:
    if name not in raw:
        return None
    try:
        return parse_datetime(raw[name], f"proof.{name}")
    except InvalidCredential as exc:
        raise ProofVerificationError(exc.message) from exc


def _optional_text(raw: Mapping[str, Any], name: str) -> str | None:
    if name not in raw:
        return None
    value = raw[name]
    if not isinstance(value, str):
        raise ProofVerificationError(f"proof.{name} must be a string")
    return value


def _domain(raw: Mapping[str, Any]) -> str | None:
    value = raw.get("domain")
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, list) and value and all(isinstance(v, str) for v in value):
        return " ".join(value)  # only compared for equality with the expected domain
    raise ProofVerificationError("proof.domain must be a string or a list of strings")


def proofs_of(document: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    """The document's proofs as a list; raises MalformedProof if there are none or one is not
    an object."""
    if "proof" not in document or document["proof"] is None:
        raise MalformedProof("the document has no proof")
    found = as_list(document["proof"])
    if not found or not all(isinstance(p, Mapping) for p in found):
        raise MalformedProof("proof must be an object or a list of objects")
    return found


# -- hashing --------------------------------------------------------------------------------------


def _context_list(document: Mapping[str, Any]) -> list[Any]:
    context = document.get("@context")
    return list(context) if isinstance(context, list) else ([context] if context else [])


def hash_data(
    unsecured: Mapping[str, Any],
    proof_config: Mapping[str, Any],
    suite: str,
    *,
    extra_contexts: Mapping[str, JSONObject] | None = None,
) -> bytes:
    """SHA-256 of the canonical proof config, then of the canonical document: 64 bytes.

    ``proof_config`` is the proof without ``proofValue``; for eddsa-jcs-2022 it must already
    carry the ``@context`` it is signed with. For the RDFC suites the document's ``@context``
    is set on the config while it is canonicalized.
    """
    if suite == "eddsa-jcs-2022":
        try:  # canonical() reads its input only: a dict needs no copy
            config_bytes = canonical(_as_dict(proof_config))
            document_bytes = canonical(_as_dict(unsecured))
        except ParseError as exc:
            raise InvalidCredential(exc.message) from exc
    elif suite in ("eddsa-rdfc-2022", "Ed25519Signature2020"):
        from . import jsonld

        config = dict(proof_config)
        config["@context"] = copy.deepcopy(unsecured.get("@context"))
        config_bytes = jsonld.canonize(config, extra_contexts=extra_contexts).encode("utf-8")
        document_bytes = jsonld.canonize(dict(unsecured), extra_contexts=extra_contexts).encode(
            "utf-8"
        )
    else:
        raise Unsupported(f"no Ed25519 proof suite {suite!r}")
    return hashlib.sha256(config_bytes).digest() + hashlib.sha256(document_bytes).digest()


def _as_dict(value: Mapping[str, Any]) -> dict[str, Any]:
    """``value`` itself when it is a dict, else a shallow dict copy of it."""
    return value if isinstance(value, dict) else dict(value)


def _copy(value: Any) -> Any:
    """A deep copy, as ``copy.deepcopy`` makes, built directly for plain JSON.

    Dicts and lists are copied, strings, numbers, booleans and None shared (they are
    immutable); anything else (tuples, mapping proxies, subclasses) goes to
    ``copy.deepcopy``, so the result is the same as before, only faster.
    """
    kind = type(value)
    if kind is dict:
        return {key: item if type(item) in _ATOMS else _copy(item) for key, item in value.items()}
    if kind is list:
        return [item if type(item) in _ATOMS else _copy(item) for item in value]
    if kind in _ATOMS:
        return value
    return copy.deepcopy(value)


_ATOMS = frozenset({str, int, float, bool, type(None)})


def _unsecured(
    document: Mapping[str, Any], previous: Sequence[Mapping[str, Any]]
) -> dict[str, Any]:
    """The document without ``proof``; with the proofs a chained proof names, if any."""
    unsecured = {key: value for key, value in document.items() if key != "proof"}
    if previous:
        unsecured["proof"] = [dict(p) for p in previous]
    return unsecured


def _chained(proofs: Sequence[Mapping[str, Any]], wanted: Sequence[str]) -> list[Mapping[str, Any]]:
    by_id = {p.get("id"): p for p in proofs if isinstance(p.get("id"), str)}
    missing = [name for name in wanted if name not in by_id]
    if missing:
        raise ProofVerificationError(f"previousProof names no proof of this document: {missing}")
    return [by_id[name] for name in wanted]


# -- create ---------------------------------------------------------------------------------------


def _format_time(moment: datetime) -> str:
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def _needed_context(suite: str, document: Mapping[str, Any]) -> str | None:
    """The context a suite's terms need that the document lacks (added when signing)."""
    contexts = _context_list(document)
    if suite == "Ed25519Signature2020":
        return None if ED25519_2020_CONTEXT in contexts else ED25519_2020_CONTEXT
    if contexts and contexts[0] == _V2:
        return None  # credentials/v2 defines DataIntegrityProof
    return None if DATA_INTEGRITY_CONTEXT in contexts else DATA_INTEGRITY_CONTEXT


def add_proof(
    document: Mapping[str, Any],
    key: PrivateKey,
    *,
    suite: str,
    verification_method: str,
    proof_purpose: str = "assertionMethod",
    created: datetime | None = None,
    expires: datetime | None = None,
    challenge: str | None = None,
    domain: str | None = None,
    proof_id: str | None = None,
    previous_proof: str | Sequence[str] | None = None,
    extra_contexts: Mapping[str, JSONObject] | None = None,
) -> dict[str, Any]:
    """A copy of ``document`` with one more proof by ``key`` (a proof set when one exists).

    The context a suite needs is appended to ``@context`` when missing (data-integrity/v2
    for DataIntegrityProof outside VC 2.0, ed25519-2020/v1 for Ed25519Signature2020).
    Raises Unsupported for a non-Ed25519 key or an unknown suite, InvalidCredential or a
    JSON-LD error for a document that cannot be signed as it is.
    """
    if suite not in SUITES:
        raise Unsupported(f"unknown proof suite {suite!r}; one of {list(SUITES)}")
    if not isinstance(key.public_key, Ed25519PublicKey):
        raise Unsupported(
            f"{suite} signs with Ed25519; there is no W3C cryptosuite for "
            f"{key.public_key.key_type} keys"
        )
    secured: dict[str, Any] = _copy(dict(document))
    existing = as_list(secured.pop("proof", None))
    needed = _needed_context(suite, secured)
    if needed is not None:
        secured["@context"] = [*_context_list(secured), needed]
    options: dict[str, Any] = {}
    if proof_id is not None:
        options["id"] = proof_id
    if suite == "Ed25519Signature2020":
        options["type"] = "Ed25519Signature2020"
    else:
        options.update(type="DataIntegrityProof", cryptosuite=suite)
    options["created"] = _format_time(created or datetime.now(timezone.utc))
    if expires is not None:
        options["expires"] = _format_time(expires)
    options["verificationMethod"] = verification_method
    options["proofPurpose"] = proof_purpose
    if challenge is not None:
        options["challenge"] = challenge
    if domain is not None:
        options["domain"] = domain
    previous_ids = (
        [previous_proof] if isinstance(previous_proof, str) else list(previous_proof or [])
    )
    if previous_ids:
        options["previousProof"] = previous_proof
    unsecured = _unsecured(secured, _chained(existing, previous_ids) if previous_ids else [])
    if suite == "eddsa-jcs-2022" and "@context" in secured:
        options["@context"] = _copy(secured["@context"])
    digest = hash_data(unsecured, options, suite, extra_contexts=extra_contexts)
    proof = dict(options)
    proof["proofValue"] = "z" + b58encode_btc(key.sign(digest))
    proofs = [*existing, proof]
    secured["proof"] = proofs[0] if len(proofs) == 1 else proofs
    return secured


# -- verify ---------------------------------------------------------------------------------------


def verify_proof(
    document: Mapping[str, Any],
    proof: Proof,
    key: PublicKey,
    *,
    extra_contexts: Mapping[str, JSONObject] | None = None,
) -> None:
    """Check ``proof`` (one of ``document``'s proofs) under ``key``: the cryptography only.

    Raises InvalidSignature when the signature does not verify, ProofVerificationError for
    a jcs proof whose ``@context`` the document does not start with or a chain that names a
    missing proof, InvalidCredential / DataLossDetected / ContextNotAllowed for a document
    that cannot be canonicalized safely.
    """
    if not isinstance(key, Ed25519PublicKey):
        raise InvalidKey(f"{proof.suite} needs an Ed25519 key, not {key.key_type}")
    previous = _chained(proofs_of(document), proof.previous_proof) if proof.previous_proof else []
    unsecured = _unsecured(document, previous)
    config = {name: value for name, value in proof.raw.items() if name != "proofValue"}
    if proof.suite == "eddsa-jcs-2022" and "@context" in config:
        signed_context = as_list(config["@context"])
        document_context = _context_list(unsecured)
        if document_context[: len(signed_context)] != signed_context:
            raise ProofVerificationError(
                "the document's @context does not start with the proof's @context"
            )
        # Only hashed, never handed out or changed: the proof's own value will do.
        unsecured["@context"] = config["@context"]
    digest = hash_data(unsecured, config, proof.suite, extra_contexts=extra_contexts)
    try:
        key.verify(proof.proof_value, digest)
    except InvalidSignature as exc:
        raise InvalidSignature(f"the {proof.suite} proof's signature does not verify") from exc
