"""bid: decentralized identity for Python.

did:bid (the Xinghuo BIF network), did:key and generic DIDs; Ed25519 through libsodium and
SM2/SM3; the ``bid`` command line. Everything public is re-exported here.
"""

from __future__ import annotations

from ._version import __version__
from .bif import BID
from .ddo import BIDDocument
from .did import DID, DIDURL
from .document import DIDDocument, Service, VerificationMethod
from .errors import (
    BidError,
    ChainMismatch,
    Conflict,
    DIDDeactivated,
    IntegrityError,
    InvalidDID,
    InvalidDIDURL,
    InvalidDocument,
    InvalidInput,
    InvalidKey,
    InvalidOperation,
    InvalidSignature,
    MethodNotSupported,
    MissingExtra,
    NotFound,
    ParseError,
    RegistryError,
    Replay,
    RepresentationNotSupported,
    ResolutionError,
    SequenceGap,
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

__all__ = [
    "BID",
    "DID",
    "DIDURL",
    "BIDDocument",
    "BidError",
    "ChainMismatch",
    "Conflict",
    "DIDDeactivated",
    "DIDDocument",
    "Ed25519PrivateKey",
    "Ed25519PublicKey",
    "IntegrityError",
    "InvalidDID",
    "InvalidDIDURL",
    "InvalidDocument",
    "InvalidInput",
    "InvalidKey",
    "InvalidOperation",
    "InvalidSignature",
    "MemoryRegistry",
    "MethodNotSupported",
    "MissingExtra",
    "NotFound",
    "Operation",
    "ParseError",
    "PrivateKey",
    "PublicKey",
    "Registry",
    "RegistryError",
    "Replay",
    "RepresentationNotSupported",
    "ResolutionError",
    "SM2PrivateKey",
    "SM2PublicKey",
    "SequenceGap",
    "Service",
    "Signer",
    "Unauthorized",
    "Unsupported",
    "VerificationError",
    "VerificationMethod",
    "Verifier",
    "Version",
    "__version__",
    "load_registry",
    "parse_private_key",
    "parse_public_key",
    "public_key_from_bif",
]
