"""bid: decentralized identity for Python.

did:bid (the Xinghuo BIF network), did:key and generic DIDs; Ed25519 through libsodium and
SM2/SM3; the ``bid`` command line. Everything public is re-exported here.
"""

from __future__ import annotations

from ._version import __version__
from .bif import BID
from .did import DID, DIDURL
from .errors import (
    BidError,
    InvalidDID,
    InvalidDIDURL,
    InvalidInput,
    InvalidKey,
    InvalidSignature,
    MissingExtra,
    ParseError,
    RegistryError,
    ResolutionError,
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
)

__all__ = [
    "BID",
    "DID",
    "DIDURL",
    "BidError",
    "Ed25519PrivateKey",
    "Ed25519PublicKey",
    "InvalidDID",
    "InvalidDIDURL",
    "InvalidInput",
    "InvalidKey",
    "InvalidSignature",
    "MissingExtra",
    "ParseError",
    "PrivateKey",
    "PublicKey",
    "RegistryError",
    "ResolutionError",
    "SM2PrivateKey",
    "SM2PublicKey",
    "Signer",
    "Unsupported",
    "VerificationError",
    "Verifier",
    "__version__",
    "parse_private_key",
    "parse_public_key",
]
