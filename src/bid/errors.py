"""The exception tree of ``bid``: every error the library raises is a :class:`BidError`.

::

    BidError
    ├── InvalidInput (also ValueError)   malformed input; retrying will not help
    │   ├── InvalidDID                   code "invalidDid"
    │   ├── InvalidDIDURL                code "invalidDidUrl"
    │   ├── InvalidKey                   code "invalidPublicKey" (or "invalidPublicKeyLength")
    │   └── ParseError                   text that is not the encoding it claims to be
    ├── VerificationError                well-formed, but a check failed ("is invalid")
    │   └── InvalidSignature             the signature does not verify under the key
    ├── ResolutionError                  no document could be obtained ("could not check")
    ├── RegistryError                    a registry backend failed
    └── Unsupported                      algorithm, key type or optional extra not available
        └── MissingExtra                 an optional dependency is not installed

``InvalidInput`` means "the caller gave us something wrong"; ``VerificationError`` means
"the input is well-formed but does not check out"; ``ResolutionError`` and ``RegistryError``
mean "we could not find out". A verifier maps the first two to "invalid" and the last two
to "try again later".

Each error carries a ``code``: the W3C DID Resolution error code where the specification
defines one (``invalidDid``, ``invalidPublicKey``...), else a short camelCase name. No
exception from a dependency (PyNaCl, base58, the SM2 library, json) crosses the public
API: each is translated where it happens and chained with ``raise ... from``.
"""

from __future__ import annotations

__all__ = [
    "BidError",
    "InvalidDID",
    "InvalidDIDURL",
    "InvalidInput",
    "InvalidKey",
    "InvalidSignature",
    "MissingExtra",
    "ParseError",
    "RegistryError",
    "ResolutionError",
    "Unsupported",
    "VerificationError",
]


class BidError(Exception):
    """Root of every exception raised by ``bid``."""

    code: str = "internalError"

    def __init__(self, message: str, *, code: str | None = None) -> None:
        super().__init__(message)
        if code is not None:
            self.code = code

    @property
    def message(self) -> str:
        """The human-readable explanation given when the error was raised."""
        return str(self.args[0]) if self.args else ""


class InvalidInput(BidError, ValueError):
    """Malformed input: retrying with the same input will not help."""

    code = "invalidInput"


class InvalidDID(InvalidInput):
    """A string is not a valid DID, or not a valid DID of the method it names."""

    code = "invalidDid"


class InvalidDIDURL(InvalidInput):
    """A string is not a valid DID URL."""

    code = "invalidDidUrl"


class InvalidKey(InvalidInput):
    """Key material that is malformed, of the wrong length, or fails the strict point check."""

    code = "invalidPublicKey"


class ParseError(InvalidInput):
    """Text that is not valid in the encoding it claims (hex, Base58, JSON...)."""

    code = "parseError"


class VerificationError(BidError):
    """Well-formed input that failed a check: the thing verified is invalid."""

    code = "verificationError"


class InvalidSignature(VerificationError):
    """A signature that does not verify under the given public key and message."""

    code = "invalidSignature"


class ResolutionError(BidError):
    """No DID document could be obtained: the answer is "could not check", not "invalid"."""

    code = "internalError"


class RegistryError(BidError):
    """A registry backend failed to read or store."""

    code = "registryError"


class Unsupported(BidError):
    """An algorithm, key type, encoding or feature this installation does not provide."""

    code = "unsupported"


class MissingExtra(Unsupported):
    """An optional dependency is not installed; the message names the ``pip install`` line."""

    code = "missingExtra"
