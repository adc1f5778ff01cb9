"""bid: decentralized identity for Python.

did:bid (the Xinghuo BIF network), did:key and generic DIDs; Ed25519 through libsodium and
SM2/SM3; the ``bid`` command line. Everything public is re-exported here.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from ._version import __version__
from .bif import BID
from .ddo import BIDDocument
from .did import DID, DIDURL
from .document import DIDDocument, Service, VerificationMethod
from .errors import (
    AddressNotAllowed,
    BidError,
    ChainMismatch,
    ClaimsMismatch,
    Conflict,
    ContextNotAllowed,
    CredentialExpired,
    CredentialNotYetValid,
    CredentialStatusError,
    DataLossDetected,
    DIDDeactivated,
    HolderMismatch,
    HttpError,
    HttpTimeout,
    IntegrityError,
    InvalidAlgorithm,
    InvalidChallenge,
    InvalidCredential,
    InvalidDID,
    InvalidDIDURL,
    InvalidDocument,
    InvalidDomain,
    InvalidInput,
    InvalidKey,
    InvalidOperation,
    InvalidSignature,
    InvalidVerificationMethod,
    IssuerMismatch,
    MalformedJWS,
    MalformedProof,
    MethodNotSupported,
    MissingExtra,
    NotFound,
    ParseError,
    ProofVerificationError,
    RedirectRefused,
    RegistryError,
    Replay,
    ReplayDetected,
    RepresentationNotSupported,
    ResolutionError,
    ResourceLimitExceeded,
    ResponseTooLarge,
    SchemaValidationError,
    SequenceGap,
    TransactionPending,
    Unauthorized,
    Unsupported,
    VerificationError,
)
from .keys import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
    PrivateKey,
    PublicKey,
    Signer,
    SM2PrivateKey,
    SM2PublicKey,
    Verifier,
    parse_private_key,
    parse_public_key,
    public_key_from_bif,
)
from .registry import MemoryRegistry, Operation, Registry, Version, load_registry

if TYPE_CHECKING:
    from .vc import (
        MemoryChallengeStore,
        VerificationResult,
        issue,
        present,
        verify_credential,
        verify_presentation,
    )

# The credential API loads on first use, so that ``import bid`` (and ``bid --version``)
# stays light: the names resolve through __getattr__ below.
_LAZY = {
    name: "bid.vc"
    for name in (
        "MemoryChallengeStore",
        "VerificationResult",
        "issue",
        "present",
        "verify_credential",
        "verify_presentation",
    )
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'bid' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


__all__ = [
    "BID",
    "DID",
    "DIDURL",
    "AddressNotAllowed",
    "BIDDocument",
    "BidError",
    "ChainMismatch",
    "ClaimsMismatch",
    "Conflict",
    "ContextNotAllowed",
    "CredentialExpired",
    "CredentialNotYetValid",
    "CredentialStatusError",
    "DIDDeactivated",
    "DIDDocument",
    "DataLossDetected",
    "Ed25519PrivateKey",
    "Ed25519PublicKey",
    "HolderMismatch",
    "HttpError",
    "HttpTimeout",
    "IntegrityError",
    "InvalidAlgorithm",
    "InvalidChallenge",
    "InvalidCredential",
    "InvalidDID",
    "InvalidDIDURL",
    "InvalidDocument",
    "InvalidDomain",
    "InvalidInput",
    "InvalidKey",
    "InvalidOperation",
    "InvalidSignature",
    "InvalidVerificationMethod",
    "IssuerMismatch",
    "MalformedJWS",
    "MalformedProof",
    "MemoryChallengeStore",
    "MemoryRegistry",
    "MethodNotSupported",
    "MissingExtra",
    "NotFound",
    "Operation",
    "ParseError",
    "PrivateKey",
    "ProofVerificationError",
    "PublicKey",
    "RedirectRefused",
    "Registry",
    "RegistryError",
    "Replay",
    "ReplayDetected",
    "RepresentationNotSupported",
    "ResolutionError",
    "ResourceLimitExceeded",
    "ResponseTooLarge",
    "SM2PrivateKey",
    "SM2PublicKey",
    "SchemaValidationError",
    "SequenceGap",
    "Service",
    "Signer",
    "TransactionPending",
    "Unauthorized",
    "Unsupported",
    "VerificationError",
    "VerificationMethod",
    "VerificationResult",
    "Verifier",
    "Version",
    "__version__",
    "issue",
    "load_registry",
    "parse_private_key",
    "parse_public_key",
    "present",
    "public_key_from_bif",
    "verify_credential",
    "verify_presentation",
]
