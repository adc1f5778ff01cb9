"""The exception tree of ``bid``: every error the library raises is a :class:`BidError`.

::

    BidError
    ├── InvalidInput (also ValueError)   malformed input; retrying will not help
    │   ├── InvalidDID                   code "invalidDid"
    │   ├── InvalidDIDURL                code "invalidDidUrl"
    │   ├── InvalidDocument              code "invalidDidDocument"
    │   ├── InvalidKey                   code "invalidPublicKey" (or "invalidPublicKeyLength")
    │   ├── InvalidOperation             a registry operation that is malformed
    │   ├── ParseError                   text that is not the encoding it claims to be
    │   ├── InvalidCredential            a credential or presentation off the VC data model
    │   ├── DataLossDetected             JSON-LD would drop a term: it would go unsigned
    │   ├── ContextNotAllowed            a JSON-LD context outside the pinned, bundled set
    │   ├── ResourceLimitExceeded        input that would take too much work (RDF blank nodes)
    │   └── MalformedJWS                 not a compact JWS we accept (segments, base64url, crit)
    ├── VerificationError                well-formed, but a check failed ("is invalid")
    │   ├── InvalidSignature             the signature does not verify under the key
    │   ├── MalformedProof               code "MALFORMED_PROOF_ERROR"
    │   ├── ProofVerificationError       code "PROOF_VERIFICATION_ERROR"
    │   ├── InvalidVerificationMethod    code "INVALID_VERIFICATION_METHOD" (or a sibling code)
    │   ├── InvalidAlgorithm             a JOSE "alg" outside the allow-list (EdDSA)
    │   ├── ClaimsMismatch               JWT claims that disagree with the credential
    │   ├── IssuerMismatch               the proof's key is not controlled by the issuer
    │   ├── HolderMismatch               the presentation's key is not controlled by the holder
    │   ├── InvalidChallenge             code "INVALID_CHALLENGE_ERROR"
    │   ├── InvalidDomain                code "INVALID_DOMAIN_ERROR"
    │   ├── ReplayDetected               a presentation challenge used before
    │   ├── CredentialExpired            past validUntil / exp / proof expires
    │   ├── CredentialNotYetValid        before validFrom / nbf
    │   ├── CredentialStatusError        revoked or suspended (code "revoked", "suspended")
    │   └── SchemaValidationError        the credential breaks its credentialSchema
    ├── ResolutionError                  no document could be obtained ("could not check")
    │   ├── NotFound                     code "notFound"
    │   ├── MethodNotSupported           code "methodNotSupported"
    │   └── RepresentationNotSupported   code "representationNotSupported"
    │   └── HttpError (also RegistryError) an HTTP exchange failed: no answer, or one refused
    │       ├── AddressNotAllowed        a URL or address the HTTP policy refuses
    │       ├── RedirectRefused          a redirect (never followed)
    │       ├── ResponseTooLarge         a body over the policy's cap
    │       └── HttpTimeout              a connect, read or total timeout
    ├── RegistryError                    a registry refused or failed an operation
    │   ├── Conflict                     the DID exists / another operation took this number
    │   ├── Unauthorized                 the signer may not perform this operation
    │   ├── SequenceGap                  the sequence number skips ahead
    │   ├── Replay                       an older sequence number, not the stored operation
    │   ├── ChainMismatch                the previous-operation hash is not the head's
    │   ├── DIDDeactivated               the DID is deactivated; nothing more is accepted
    │   ├── IntegrityError               stored data failed its checks; it is not served
    │   └── TransactionPending           sent to a chain; its outcome is not known yet
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
    "AddressNotAllowed",
    "BidError",
    "ChainMismatch",
    "ClaimsMismatch",
    "Conflict",
    "ContextNotAllowed",
    "CredentialExpired",
    "CredentialNotYetValid",
    "CredentialStatusError",
    "DIDDeactivated",
    "DataLossDetected",
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
    "MethodNotSupported",
    "MissingExtra",
    "NotFound",
    "ParseError",
    "ProofVerificationError",
    "RedirectRefused",
    "RegistryError",
    "Replay",
    "ReplayDetected",
    "RepresentationNotSupported",
    "ResolutionError",
    "ResourceLimitExceeded",
    "ResponseTooLarge",
    "SchemaValidationError",
    "SequenceGap",
    "TransactionPending",
    "Unauthorized",
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


class InvalidDocument(InvalidInput):
    """A DID document (or BID document) that breaks the data model."""

    code = "invalidDidDocument"


class InvalidKey(InvalidInput):
    """Key material that is malformed, of the wrong length, or fails the strict point check."""

    code = "invalidPublicKey"


class InvalidOperation(InvalidInput):
    """A registry operation that is malformed: unknown type or member, bad field, too large."""

    code = "invalidOperation"


class ParseError(InvalidInput):
    """Text that is not valid in the encoding it claims (hex, Base58, JSON...)."""

    code = "parseError"


class InvalidCredential(InvalidInput):
    """A credential or presentation that breaks the VC data model (1.1 or 2.0)."""

    code = "invalidCredential"


class DataLossDetected(InvalidInput):
    """JSON-LD expansion would drop a term or type, so it would not be signed."""

    code = "DATA_LOSS_DETECTION_ERROR"


class ContextNotAllowed(InvalidInput):
    """A JSON-LD context that is not one of the bundled, hash-pinned contexts."""

    code = "contextNotAllowed"


class ResourceLimitExceeded(InvalidInput):
    """Input whose processing would exceed a work bound (RDF canonicalization, sizes)."""

    code = "resourceLimitExceeded"


class MalformedJWS(InvalidInput):
    """Text that is not a compact JWS this library accepts."""

    code = "malformedJws"


class VerificationError(BidError):
    """Well-formed input that failed a check: the thing verified is invalid."""

    code = "verificationError"


class InvalidSignature(VerificationError):
    """A signature that does not verify under the given public key and message."""

    code = "invalidSignature"


class MalformedProof(VerificationError):
    """A proof whose shape is wrong: a missing member, a bad proofValue encoding or length."""

    code = "MALFORMED_PROOF_ERROR"


class ProofVerificationError(VerificationError):
    """A proof that does not verify for a reason other than the signature bytes alone."""

    code = "PROOF_VERIFICATION_ERROR"


class InvalidVerificationMethod(VerificationError):
    """The verification method cannot be used: not found, not the key's controller's, or not
    authorized for the proof purpose (``INVALID_RELATIONSHIP_FOR_VERIFICATION_METHOD``)."""

    code = "INVALID_VERIFICATION_METHOD"


class InvalidAlgorithm(VerificationError):
    """A JOSE ``alg`` outside the allow-list (EdDSA), refused before any signature work."""

    code = "invalidAlgorithm"


class ClaimsMismatch(VerificationError):
    """JWT claims (iss, sub, jti, nbf, exp) that disagree with the credential they carry."""

    code = "claimsMismatch"


class IssuerMismatch(VerificationError):
    """The proof's verification method is not controlled by the credential's issuer."""

    code = "issuerMismatch"


class HolderMismatch(VerificationError):
    """The presentation's verification method is not controlled by its holder."""

    code = "holderMismatch"


class InvalidChallenge(VerificationError):
    """The presentation proof's challenge is missing or not the expected one."""

    code = "INVALID_CHALLENGE_ERROR"


class InvalidDomain(VerificationError):
    """The presentation proof's domain is missing or not the expected one."""

    code = "INVALID_DOMAIN_ERROR"


class ReplayDetected(VerificationError):
    """A presentation challenge that was already used (challenges are single-use)."""

    code = "replayDetected"


class CredentialExpired(VerificationError):
    """The credential (or its proof) is past ``validUntil``, ``exp`` or ``expires``."""

    code = "credentialExpired"


class CredentialNotYetValid(VerificationError):
    """The credential is before its ``validFrom`` or ``nbf``."""

    code = "credentialNotYetValid"


class CredentialStatusError(VerificationError):
    """The credential's status list marks it revoked (code ``revoked``) or suspended."""

    code = "revoked"


class SchemaValidationError(VerificationError):
    """The credential does not validate against its ``credentialSchema``."""

    code = "schemaValidationError"


class ResolutionError(BidError):
    """No DID document could be obtained: the answer is "could not check", not "invalid"."""

    code = "internalError"


class NotFound(ResolutionError):
    """The DID (or the version, or the resource a DID URL names) does not exist."""

    code = "notFound"


class MethodNotSupported(ResolutionError):
    """No resolver for this DID method is configured."""

    code = "methodNotSupported"


class RepresentationNotSupported(ResolutionError):
    """The requested media type cannot be produced."""

    code = "representationNotSupported"


class RegistryError(BidError):
    """A registry refused an operation, or its backend failed to read or store."""

    code = "registryError"


class Conflict(RegistryError):
    """The DID already exists, or another operation already holds this sequence number."""

    code = "conflict"


class Unauthorized(RegistryError):
    """The operation is signed by a key the current document does not authorize for it."""

    code = "unauthorized"


class SequenceGap(RegistryError):
    """The operation's sequence number is more than one past the head."""

    code = "sequenceGap"


class Replay(RegistryError):
    """The operation's sequence number is below the head and it is not the stored operation."""

    code = "replay"


class ChainMismatch(RegistryError):
    """The operation names a previous-operation hash that is not the head's."""

    code = "chainMismatch"


class DIDDeactivated(RegistryError):
    """The DID is deactivated: no further operation is accepted."""

    code = "deactivated"


class IntegrityError(RegistryError):
    """Stored data failed its hash, chain or signature checks; it is never served."""

    code = "integrityError"


class TransactionPending(RegistryError):
    """A transaction reached the chain but was not in a ledger before the deadline.

    Its outcome is unknown: it may still be applied. ``hash`` names it, to look it up later.
    """

    code = "transactionPending"

    def __init__(self, message: str, *, hash: str) -> None:
        super().__init__(message)
        self.hash = hash


class Unsupported(BidError):
    """An algorithm, key type, encoding or feature this installation does not provide."""

    code = "unsupported"


class MissingExtra(Unsupported):
    """An optional dependency is not installed; the message names the ``pip install`` line."""

    code = "missingExtra"


class HttpError(ResolutionError, RegistryError):
    """An HTTP exchange failed: no answer, a refused answer, or one that breaks the policy.

    Both a ResolutionError and a RegistryError, so a resolver and a registry client can
    each catch the family they know; the code is ``internalError`` ("could not check").
    """

    code = "internalError"


class AddressNotAllowed(HttpError):
    """The URL is not http(s), carries user information, or names a refused address."""


class RedirectRefused(HttpError):
    """The server answered with a redirect; redirects are never followed."""


class ResponseTooLarge(HttpError):
    """The body is larger than ``HttpPolicy.max_response_bytes``."""


class HttpTimeout(HttpError):
    """A connect, read or the total timeout of the policy passed."""
