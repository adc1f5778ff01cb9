"""did:key resolution for Ed25519 keys (Multikey by default, Ed25519VerificationKey2020 on request).

The document is built from the key alone, offline. Options: ``publicKeyFormat``
(``"Multikey"`` or ``"Ed25519VerificationKey2020"``) and ``enableEncryptionKeyDerivation``
(default true: the X25519 key agreement key derived from the Ed25519 key).

See: https://w3c-ccg.github.io/did-method-key/#document-creation-algorithm
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from typing import Any

from .._json import JSONValue
from ..document import DIDDocument
from ..errors import InvalidDID, InvalidKey
from ..keys import Ed25519PublicKey
from ..resolver import DID_CONTEXT, ResolutionResult

__all__ = ["KeyMethod", "did_key_document"]

_MULTIKEY_CONTEXT = "https://w3id.org/security/multikey/v1"
_ED25519_2020_CONTEXT = "https://w3id.org/security/suites/ed25519-2020/v1"
_X25519_2020_CONTEXT = "https://w3id.org/security/suites/x25519-2020/v1"
_FORMATS = ("Multikey", "Ed25519VerificationKey2020")


def did_key_document(
    key: Ed25519PublicKey,
    *,
    public_key_format: str = "Multikey",
    key_agreement: bool = True,
) -> DIDDocument:
    """The DID document of ``key``'s did:key; raises InvalidKey for an unknown format."""
    if public_key_format not in _FORMATS:
        raise InvalidKey(f"publicKeyFormat {public_key_format!r} is not one of {list(_FORMATS)}")
    multikey = key.multikey
    did = "did:key:" + multikey
    signing_id = f"{did}#{multikey}"
    context: list[str] = [DID_CONTEXT]
    if public_key_format == "Multikey":
        context.append(_MULTIKEY_CONTEXT)
        agreement_type = "Multikey"
    else:
        context += [_ED25519_2020_CONTEXT, _X25519_2020_CONTEXT]
        agreement_type = "X25519KeyAgreementKey2020"
    document: dict[str, Any] = {
        "@context": context if key_agreement or public_key_format == "Multikey" else context[:2],
        "id": did,
        "verificationMethod": [
            {
                "id": signing_id,
                "type": public_key_format,
                "controller": did,
                "publicKeyMultibase": multikey,
            }
        ],
        "authentication": [signing_id],
        "assertionMethod": [signing_id],
        "capabilityInvocation": [signing_id],
        "capabilityDelegation": [signing_id],
    }
    if key_agreement:
        x25519 = key.x25519_multikey
        document["keyAgreement"] = [
            {
                "id": f"{did}#{x25519}",
                "type": agreement_type,
                "controller": did,
                "publicKeyMultibase": x25519,
            }
        ]
    return DIDDocument.build(document)


class KeyMethod:
    """Resolves did:key DIDs (Ed25519) without any network or storage.

    A did:key document is a function of the DID and the two options, and results are
    frozen, so the most recent ones (up to 1,024, shared by every KeyMethod) are kept:
    building one costs about as much as a verify (the X25519 key agreement key), finding
    it again a microsecond. Only successes are kept.
    """

    name = "key"

    def resolve(self, did: str, options: Mapping[str, JSONValue] | None = None) -> ResolutionResult:
        """The generated document, or ``invalidDid`` / ``invalidPublicKey...`` errors."""
        options = options or {}
        public_key_format = options.get("publicKeyFormat", "Multikey")
        derive = options.get("enableEncryptionKeyDerivation", True)
        # Exact types: 1 == True, and a hit must never stand in for invalidOptions.
        recent = type(did) is str and type(public_key_format) is str and type(derive) is bool
        if recent:
            found = _RECENT.get((did, public_key_format, derive))  # type: ignore[arg-type]
            if found is not None:
                return found
        try:
            key = Ed25519PublicKey.from_did_key(did)
        except InvalidDID as exc:
            return ResolutionResult.failure(exc.code, exc.message)
        if not isinstance(public_key_format, str) or public_key_format not in _FORMATS:
            return ResolutionResult.failure(
                "unsupportedPublicKeyType", f"publicKeyFormat must be one of {list(_FORMATS)}"
            )
        if not isinstance(derive, bool):
            return ResolutionResult.failure(
                "invalidOptions", "enableEncryptionKeyDerivation must be a boolean"
            )
        document = did_key_document(key, public_key_format=public_key_format, key_agreement=derive)
        result = ResolutionResult.success(document)
        if recent:  # only successes are kept: a stream of bad DIDs pushes out nothing
            with _RECENT_LOCK:
                _RECENT[(did, public_key_format, derive)] = result
                while len(_RECENT) > _RECENT_MAX:
                    del _RECENT[next(iter(_RECENT))]
        return result


# FIFO, not LRU: a hit is one dict read with no lock and no reordering; a burst of new
# DIDs can push out a busy one, which then costs one more build.
_RECENT: dict[tuple[str, str, bool], ResolutionResult] = {}
_RECENT_MAX = 1024
_RECENT_LOCK = threading.Lock()
