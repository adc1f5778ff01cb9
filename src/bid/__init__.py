"""bid: decentralized identity for Python.

did:bid (the Xinghuo BIF network), did:key and generic DIDs; Ed25519 through libsodium and
SM2/SM3; the ``bid`` command line. Everything public is re-exported here.

``import bid`` loads the errors, the keys and the identifiers (and PyNaCl under them); the
documents, the registry, the credential API and the batch verifier load on first use, so
that the ``bid`` command starts quickly. ``bid.X`` and ``from bid import X`` work for every
name in ``__all__`` either way.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from ._version import __version__
from .bif import BID
from .did import DID, DIDURL
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

if TYPE_CHECKING:
    from .batch import iter_verify, verify_many
    from .ddo import BIDDocument
    from .document import DIDDocument, Service, VerificationMethod
    from .registry import MemoryRegistry, Operation, Registry, Version, load_registry
    from .vc import (
        MemoryChallengeStore,
        VerificationResult,
        issue,
        present,
        verify_credential,
        verify_presentation,
    )

# Loaded on first use, through __getattr__ below: name -> the module that defines it. The
# documents (and what they import: JSON, importlib.resources, pathlib), the registry and the
# credential API are not needed to parse a key or to print ``bid --version``.
_LAZY = {
    "BIDDocument": "bid.ddo",
    "DIDDocument": "bid.document",
    "Service": "bid.document",
    "VerificationMethod": "bid.document",
    **{
        name: "bid.registry"
        for name in ("MemoryRegistry", "Operation", "Registry", "Version", "load_registry")
    },
    **{
        name: "bid.vc"
        for name in (
            "MemoryChallengeStore",
            "VerificationResult",
            "issue",
            "present",
            "verify_credential",
            "verify_presentation",
        )
    },
    "iter_verify": "bid.batch",
    "verify_many": "bid.batch",
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'bid' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *_LAZY})


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
    "iter_verify",
    "load_registry",
    "parse_private_key",
    "parse_public_key",
    "present",
    "public_key_from_bif",
    "verify_credential",
    "verify_many",
    "verify_presentation",
]
