"""Issue and verify verifiable credentials and presentations.

:func:`issue` signs a credential (Data Integrity ``eddsa-jcs-2022`` by default,
``eddsa-rdfc-2022``, ``Ed25519Signature2020``, or a compact JWT with ``suite="jwt"``);
:func:`verify_credential` checks one. :func:`present` and :func:`verify_presentation` do
the same for presentations, with ``challenge`` and ``domain``.

Verification is fail-closed: it runs every check it can, records each failure with its
code (the W3C code where a specification defines one), and ``verified`` is true only if
no check failed. The checks, in order:

1. ``parse``: a JWT is decoded strictly (EdDSA only; claims must agree with the credential);
2. ``model``: the VC data model (2.0 or 1.1) shape;
3. ``proof``: every proof (a proof set: all of them; chains through ``previousProof``):
   its suite and purpose, its verification method retrieved through the resolver, which
   must be listed under the purpose's relationship in its controller's document, and whose
   controller must be the issuer (the holder, for a presentation); then the signature;
4. ``validity``: ``validFrom``/``validUntil`` (``issuanceDate``/``expirationDate``) at ``now``;
5. ``status`` and ``schema``: only with a fetcher; without one, a warning says they were
   not checked;
6. for presentations: ``challenge`` and ``domain`` against the expected values, the
   challenge store (single use), and every embedded credential.

A resolver failure is a failed check too ("could not check" is not "verified"). The
verification method is always the one the proof names, resolved by its DID: there is no
way to pass a key or a method in, so a caller cannot be talked into trusting a key the
issuer does not control.
"""

from __future__ import annotations

import secrets
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from datetime import datetime, timezone
from functools import lru_cache
from types import TracebackType
from typing import Any, Literal, Protocol

from . import data_integrity as di
from ._json import JSONObject, loads_strict
from .credentials import (
    V2_CONTEXT,
    _check_credential,
    check_credential,
    check_presentation,
    embedded_credentials,
    enveloped_token,
    holder_id,
    issuer_id,
)
from .did import DIDURL
from .document import DIDDocument
from .errors import (
    BidError,
    CredentialExpired,
    CredentialNotYetValid,
    HolderMismatch,
    InvalidChallenge,
    InvalidCredential,
    InvalidDIDURL,
    InvalidDomain,
    InvalidInput,
    InvalidVerificationMethod,
    IssuerMismatch,
    ProofVerificationError,
    ReplayDetected,
    Unsupported,
)
from .keys import Ed25519PublicKey, PrivateKey, PublicKey
from .resolver import Resolver

__all__ = [
    "DEFAULT_SUITE",
    "ISSUE_SUITES",
    "ChallengeStore",
    "MemoryChallengeStore",
    "VerificationResult",
    "issue",
    "present",
    "verify_credential",
    "verify_presentation",
]

DEFAULT_SUITE = "eddsa-jcs-2022"
#: What :func:`issue` and :func:`present` can produce.
ISSUE_SUITES = (*di.SUITES, "jwt")
_SM2_REFUSAL = (
    "no W3C cryptosuite or JOSE algorithm exists for SM2 keys, so an SM2 key cannot sign "
    "credentials interoperably; use an Ed25519 key for the issuer (a did:bid ef... key)"
)


# -- results --------------------------------------------------------------------------------------


@dataclass
class VerificationResult:
    """What a verification found: ``verified`` is true only if no check failed.

    ``checks`` names the checks that ran, ``errors`` lists each failure as
    ``{"check", "code", "message"}``, ``warnings`` what was not checked. ``document`` is the
    credential or presentation as verified (for a JWT, the one its payload carries);
    ``credentials`` holds the results of a presentation's embedded credentials.
    """

    verified: bool = False
    checks: list[str] = field(default_factory=list)
    errors: list[dict[str, str]] = field(default_factory=list)
    warnings: list[dict[str, str]] = field(default_factory=list)
    document: dict[str, Any] | None = None
    credentials: list[VerificationResult] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        """The result as JSON (what ``bid vc verify`` prints)."""
        out: dict[str, Any] = {
            "verified": self.verified,
            "checks": list(self.checks),
            "errors": [dict(e) for e in self.errors],
            "warnings": [dict(w) for w in self.warnings],
        }
        if self.credentials:
            out["credentials"] = [c.to_json() for c in self.credentials]
        return out

    def check(self, name: str) -> AbstractContextManager[None]:
        """Run one check: a BidError inside is recorded under ``name`` (and swallowed)."""
        return _Check(self, name)

    def warn(self, check: str, message: str) -> None:
        """Record something that was not checked."""
        self.warnings.append({"check": check, "message": message})

    def _finish(self) -> VerificationResult:
        self.verified = not self.errors and all(c.verified for c in self.credentials)
        return self


class _Check:
    """The context manager of :meth:`VerificationResult.check`.

    A class rather than ``@contextmanager``: a verification runs five or more checks, and
    a generator-based manager costs about a microsecond more each time.
    """

    __slots__ = ("_name", "_result")

    def __init__(self, result: VerificationResult, name: str) -> None:
        self._result = result
        self._name = name

    def __enter__(self) -> None:
        if self._name not in self._result.checks:
            self._result.checks.append(self._name)

    def __exit__(
        self,
        kind: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> bool:
        if isinstance(exc, BidError):
            self._result.errors.append(
                {"check": self._name, "code": exc.code, "message": exc.message}
            )
            return True  # recorded: the verification goes on with the next check
        return False


# -- challenges -----------------------------------------------------------------------------------


class ChallengeStore(Protocol):
    """Where a verifier keeps the challenges it handed out: each may be used once."""

    def consume(self, challenge: str) -> bool:
        """True if ``challenge`` was issued, has not expired and was not used; marks it used."""
        ...


class MemoryChallengeStore:
    """Challenges in memory with a time to live; thread-safe. ``issue()`` makes one."""

    def __init__(self, ttl: float = 300.0, *, clock: Callable[[], float] = time.monotonic) -> None:
        if ttl <= 0:
            raise ValueError("ttl must be positive")
        self.ttl = ttl
        self._clock = clock
        self._issued: dict[str, float] = {}
        self._lock = threading.Lock()

    def issue(self) -> str:
        """A new random challenge (128 bits, URL-safe), valid for ``ttl`` seconds."""
        challenge = secrets.token_urlsafe(16)
        with self._lock:
            self._expire()
            self._issued[challenge] = self._clock() + self.ttl
        return challenge

    def consume(self, challenge: str) -> bool:
        """True once for an issued, unexpired challenge; False afterwards or otherwise."""
        with self._lock:
            self._expire()
            return self._issued.pop(challenge, None) is not None

    def _expire(self) -> None:
        now = self._clock()
        for challenge in [c for c, until in self._issued.items() if until <= now]:
            del self._issued[challenge]


# -- issuing --------------------------------------------------------------------------------------


def _signing_key(signer: PrivateKey) -> PrivateKey:
    if not isinstance(signer, PrivateKey):
        raise InvalidInput("the signer is a private key (bid.keys)")
    if not isinstance(signer.public_key, Ed25519PublicKey):
        raise Unsupported(_SM2_REFUSAL)
    return signer


def _check_suite(suite: str) -> None:
    if suite not in ISSUE_SUITES:
        raise Unsupported(f"unknown suite {suite!r}; one of {list(ISSUE_SUITES)}")


def issue(
    credential: JSONObject,
    signer: PrivateKey,
    *,
    verification_method: str,
    suite: str = DEFAULT_SUITE,
    created: datetime | None = None,
    expires: datetime | None = None,
    proof_id: str | None = None,
    previous_proof: str | Sequence[str] | None = None,
    extra_contexts: Mapping[str, JSONObject] | None = None,
) -> dict[str, Any] | str:
    """Sign ``credential`` (VC 2.0, or 1.1 when its first context is the 1.1 one).

    Returns the signed credential, or the compact JWT for ``suite="jwt"``
    (``typ`` ``vc+jwt`` for 2.0; the 1.1 JWT encoding for 1.1). A credential that already
    has proofs gets one more (a proof set; a chain with ``previous_proof``). Raises
    InvalidCredential for a credential off the data model, Unsupported for an SM2 signer.
    """
    _check_suite(suite)
    key = _signing_key(signer)
    version = check_credential(credential)
    if suite == "jwt":
        from . import jose

        claims = jose.credential_claims(credential, kind="vc")
        return jose.sign(
            claims, key, kid=verification_method, typ="vc+jwt" if version == "2.0" else "JWT"
        )
    return di.add_proof(
        credential,
        key,
        suite=suite,
        verification_method=verification_method,
        proof_purpose="assertionMethod",
        created=created,
        expires=expires,
        proof_id=proof_id,
        previous_proof=previous_proof,
        extra_contexts=extra_contexts,
    )


def present(
    credentials: Sequence[JSONObject | str],
    signer: PrivateKey,
    *,
    holder: str,
    verification_method: str,
    challenge: str | None = None,
    domain: str | None = None,
    suite: str = DEFAULT_SUITE,
    presentation_id: str | None = None,
    created: datetime | None = None,
    extra_contexts: Mapping[str, JSONObject] | None = None,
) -> dict[str, Any] | str:
    """A VC 2.0 presentation of ``credentials`` by ``holder``, signed for authentication.

    JWT credentials (``str``) are embedded as ``EnvelopedVerifiableCredential``. With
    ``suite="jwt"`` the presentation is a ``vp+jwt`` whose ``nonce`` is the challenge and
    ``aud`` the domain.
    """
    _check_suite(suite)
    key = _signing_key(signer)
    if isinstance(credentials, str | Mapping):
        raise InvalidInput("credentials is a list of credentials")
    embedded: list[Any] = []
    for credential in credentials:
        if isinstance(credential, str):
            embedded.append(
                {
                    "@context": V2_CONTEXT,
                    "type": "EnvelopedVerifiableCredential",
                    "id": "data:application/vc+jwt," + credential,
                }
            )
        else:
            embedded.append(dict(credential))
    presentation: dict[str, Any] = {
        "@context": [V2_CONTEXT],
        "type": ["VerifiablePresentation"],
        "holder": holder,
        "verifiableCredential": embedded,
    }
    if presentation_id is not None:
        presentation["id"] = presentation_id
    check_presentation(presentation)
    if suite == "jwt":
        from . import jose

        claims = jose.credential_claims(presentation, kind="vp", nonce=challenge, aud=domain)
        return jose.sign(claims, key, kid=verification_method, typ="vp+jwt")
    return di.add_proof(
        presentation,
        key,
        suite=suite,
        verification_method=verification_method,
        proof_purpose="authentication",
        created=created,
        challenge=challenge,
        domain=domain,
        extra_contexts=extra_contexts,
    )


# -- verification methods -------------------------------------------------------------------------


def _default_resolver() -> Resolver:
    from .backends.defaults import DefaultResolver

    return DefaultResolver()


@lru_cache(maxsize=256)
def _method_did(method_url: str) -> str:
    """The DID of a verification method URL: a DID URL with a fragment and nothing else.

    Raises InvalidVerificationMethod otherwise. A pure function of the text, so the most
    recent answers are kept (issuers sign with the same few methods again and again);
    refusals are not kept, each call raises afresh. At most 256 URLs of at most 4096
    characters (``bid.did.MAX_LENGTH``) are held.
    """
    try:
        url = DIDURL.parse(method_url)
    except InvalidInput as exc:
        raise InvalidVerificationMethod(
            f"verificationMethod {method_url[:80]!r} is not a DID URL",
            code="INVALID_VERIFICATION_METHOD_URL",
        ) from exc
    if not url.fragment or url.path or url.query:
        raise InvalidVerificationMethod(
            "verificationMethod must be a DID URL with a fragment and nothing else",
            code="INVALID_VERIFICATION_METHOD_URL",
        )
    return str(url.did)


def _retrieve_method(
    resolver: Resolver, method_url: str, relationship: str
) -> tuple[str, PublicKey]:
    """(the controller's DID, the key) of a verification method authorized for ``relationship``.

    Controlled Identifiers 1.0, "Retrieve Verification Method": the URL must be a DID URL
    with a fragment; its document must be about that DID; the method must be in it, be
    controlled by it and be listed under the relationship.
    """
    did = _method_did(method_url)
    result = resolver.resolve(did)
    document: DIDDocument = result.raise_for_error()
    if result.deactivated:
        raise InvalidVerificationMethod(f"{did} is deactivated; its keys sign nothing")
    if document.id != did:
        raise InvalidVerificationMethod(
            f"the document resolved for {did} is about {document.id}",
            code="INVALID_CONTROLLED_IDENTIFIER_DOCUMENT_ID",
        )
    try:
        method = document.find_verification_method(method_url)
    except InvalidDIDURL as exc:
        raise InvalidVerificationMethod(f"{method_url} is not in {did}'s document") from exc
    if method.controller != did:
        raise InvalidVerificationMethod(f"{method_url} is controlled by {method.controller}")
    if not document.is_authorized(method_url, relationship):  # type: ignore[arg-type]
        raise InvalidVerificationMethod(
            f"{method_url} is not listed under {relationship} in {did}'s document",
            code="INVALID_RELATIONSHIP_FOR_VERIFICATION_METHOD",
        )
    return did, method.public_key()


# -- verification ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Context:
    resolver: Resolver
    now: datetime
    extra_contexts: Mapping[str, JSONObject] | None
    suites: tuple[str, ...]
    status_fetcher: Any
    schema_fetcher: Any


def _as_document(value: object, what: str) -> dict[str, Any]:
    if isinstance(value, bytes):
        value = loads_strict(value, what=what)
    if not isinstance(value, Mapping):
        raise InvalidCredential(f"a {what} is a JSON object (or a compact JWT string)")
    return dict(value)


def _check_proofs(
    result: VerificationResult,
    document: Mapping[str, Any],
    ctx: _Context,
    *,
    purpose: str,
    controller: str | None,
    mismatch: type[BidError],
) -> list[di.Proof]:
    """Check every proof of ``document``; return the ones that verified."""
    verified: list[di.Proof] = []
    raws: list[Mapping[str, Any]] = []
    with result.check("proof"):
        raws = di.proofs_of(document)
    for raw in raws:
        with result.check("proof"):
            proof = di.Proof.parse(raw, suites=ctx.suites)
            if proof.proof_purpose != purpose:
                raise ProofVerificationError(
                    f"proofPurpose is {proof.proof_purpose!r}; {purpose!r} is required here"
                )
            if proof.expires is not None and proof.expires < ctx.now:
                raise ProofVerificationError("the proof has expired")
            signer_did, key = _retrieve_method(ctx.resolver, proof.verification_method, purpose)
            if controller is None or signer_did != controller:
                raise mismatch(
                    f"the proof is by {signer_did}, not by {controller or 'the (missing) holder'}"
                )
            di.verify_proof(document, proof, key, extra_contexts=ctx.extra_contexts)
            verified.append(proof)
    return verified


def _check_validity(
    result: VerificationResult,
    period: tuple[datetime | None, datetime | None],
    now: datetime,
) -> None:
    """``now`` against the validity period (read from the credential by the model check)."""
    with result.check("validity"):
        valid_from, valid_until = period
        if valid_from is not None and now < valid_from:
            raise CredentialNotYetValid(f"the credential is valid from {valid_from.isoformat()}")
        if valid_until is not None and now > valid_until:
            raise CredentialExpired(f"the credential expired at {valid_until.isoformat()}")


def _check_status_and_schema(
    result: VerificationResult, credential: Mapping[str, Any], ctx: _Context
) -> None:
    if "credentialStatus" in credential:
        if ctx.status_fetcher is None:
            result.warn("status", "credentialStatus was not checked: no status fetcher given")
        else:
            from .status import check_status

            with result.check("status"):
                check_status(
                    credential,
                    ctx.status_fetcher,
                    verify_list=lambda listed: _verify_related(listed, credential, ctx, "status"),
                    now=ctx.now,
                )
    if "credentialSchema" in credential:
        if ctx.schema_fetcher is None:
            result.warn("schema", "credentialSchema was not checked: no schema fetcher given")
        else:
            from .credential_schema import check_schemas

            with result.check("schema"):
                check_schemas(
                    credential,
                    ctx.schema_fetcher,
                    verify_credential=lambda c: _verify_related(c, credential, ctx, "schema"),
                )


def _verify_related(
    related: Mapping[str, Any], credential: Mapping[str, Any], ctx: _Context, what: str
) -> None:
    """A status list or schema credential must verify, and (for status) share the issuer."""
    inner = _verify_credential(related, _without_fetchers(ctx))
    if not inner.verified:
        first = inner.errors[0] if inner.errors else {"message": "not verified"}
        raise ProofVerificationError(f"the {what} credential does not verify: {first['message']}")
    if what == "status" and issuer_id(related) != issuer_id(credential):
        raise IssuerMismatch("the status list credential has another issuer")


def _without_fetchers(ctx: _Context) -> _Context:
    """``ctx`` without fetchers: related credentials are checked without recursion."""
    return _Context(ctx.resolver, ctx.now, ctx.extra_contexts, ctx.suites, None, None)


def _verify_jwt(
    result: VerificationResult, token: str, ctx: _Context, kind: Literal["vc", "vp"]
) -> tuple[dict[str, Any], Mapping[str, Any]] | None:
    """(the credential or presentation, the JWT claims) of a verified JWT, or None."""
    from . import jose

    with result.check("parse"):
        jws = jose.decode(token)
        purpose = "assertionMethod" if kind == "vc" else "authentication"
        signer_did, key = _retrieve_method(ctx.resolver, _absolute_kid(jose.kid_of(jws)), purpose)
        jose.verify(jws, key)
        payload = loads_strict(jws.payload, what="JWT payload")
        if not isinstance(payload, Mapping):
            raise InvalidCredential("the JWT payload is not a JSON object")
        document = jose.credential_from_claims(payload, kind=kind)
        expected = issuer_id(document) if kind == "vc" else holder_id(document)
        if signer_did != expected:
            mismatch = IssuerMismatch if kind == "vc" else HolderMismatch
            raise mismatch(f"the JWT is signed by {signer_did}, not by {expected}")
        result.checks.append("proof")
        return dict(document), payload
    return None


def _absolute_kid(kid: str) -> str:
    if kid.startswith("#"):
        raise InvalidVerificationMethod(
            "a relative kid needs the issuer's DID; use the absolute DID URL",
            code="INVALID_VERIFICATION_METHOD_URL",
        )
    return kid


def _verify_credential(credential: object, ctx: _Context) -> VerificationResult:
    result = VerificationResult()
    if isinstance(credential, str):
        decoded = _verify_jwt(result, credential, ctx, "vc")
        if decoded is None:
            return result._finish()
        document = decoded[0]
        signed_by_jwt = True
    else:
        with result.check("model"):
            document = _as_document(credential, "credential")
        if result.errors:
            return result._finish()
        signed_by_jwt = False
    result.document = document
    period: tuple[datetime | None, datetime | None] = (None, None)
    with result.check("model"):
        _version, valid_from, valid_until = _check_credential(document)
        period = (valid_from, valid_until)
    if result.errors:
        return result._finish()
    if not signed_by_jwt:
        _check_proofs(
            result,
            document,
            ctx,
            purpose="assertionMethod",
            controller=issuer_id(document),
            mismatch=IssuerMismatch,
        )
    _check_validity(result, period, ctx.now)
    _check_status_and_schema(result, document, ctx)
    return result._finish()


def _context(
    resolver: Resolver | None,
    now: datetime | None,
    extra_contexts: Mapping[str, JSONObject] | None,
    suites: Sequence[str] | None,
    status_fetcher: Any,
    schema_fetcher: Any,
) -> _Context:
    moment = now or datetime.now(timezone.utc)
    if moment.tzinfo is None:
        raise InvalidInput("now must be timezone-aware")
    allowed: tuple[str, ...] = di.SUITES
    if suites is not None:
        allowed = tuple(suites)
        unknown = set(allowed) - set(di.SUITES)
        if unknown:
            raise Unsupported(f"unknown proof suites {sorted(unknown)}")
    return _Context(
        resolver if resolver is not None else _default_resolver(),
        moment,
        extra_contexts,
        allowed,
        status_fetcher,
        schema_fetcher,
    )


def verify_credential(
    credential: JSONObject | str,
    *,
    resolver: Resolver | None = None,
    now: datetime | None = None,
    suites: Sequence[str] | None = None,
    status_fetcher: Any = None,
    schema_fetcher: Any = None,
    extra_contexts: Mapping[str, JSONObject] | None = None,
) -> VerificationResult:
    """Verify a credential: a JSON object with Data Integrity proofs, or a compact JWT.

    ``resolver=None`` is the default resolver (did:key offline, did:bid from the default
    registry). ``suites`` limits the accepted Data Integrity suites. ``status_fetcher``
    (:mod:`bid.status`) and ``schema_fetcher`` (:mod:`bid.credential_schema`) enable those
    checks. Never raises for bad data: every problem is an error in the result.
    """
    ctx = _context(resolver, now, extra_contexts, suites, status_fetcher, schema_fetcher)
    return _verify_credential(credential, ctx)


def verify_presentation(
    presentation: JSONObject | str,
    *,
    resolver: Resolver | None = None,
    challenge: str | None = None,
    domain: str | None = None,
    challenge_store: ChallengeStore | None = None,
    now: datetime | None = None,
    suites: Sequence[str] | None = None,
    status_fetcher: Any = None,
    schema_fetcher: Any = None,
    extra_contexts: Mapping[str, JSONObject] | None = None,
) -> VerificationResult:
    """Verify a presentation: its proof (authentication, by the holder), ``challenge`` and
    ``domain`` when expected, the challenge store (single use), and every credential in it.
    """
    ctx = _context(resolver, now, extra_contexts, suites, status_fetcher, schema_fetcher)
    result = VerificationResult()
    proof_challenge: str | None = None
    proof_domain: str | None = None
    if isinstance(presentation, str):
        decoded = _verify_jwt(result, presentation, ctx, "vp")
        if decoded is None:
            return result._finish()
        document, claims = decoded
        with result.check("challenge"):
            proof_challenge = _claim(claims, "nonce")
            proof_domain = _claim(claims, "aud")
    else:
        with result.check("model"):
            document = _as_document(presentation, "presentation")
        if result.errors:
            return result._finish()
    result.document = document
    with result.check("model"):
        check_presentation(document)
    if result.errors:
        return result._finish()
    proof_verified = True
    if not isinstance(presentation, str):
        proofs = _check_proofs(
            result,
            document,
            ctx,
            purpose="authentication",
            controller=holder_id(document),
            mismatch=HolderMismatch,
        )
        if proofs:
            proof_challenge, proof_domain = proofs[0].challenge, proofs[0].domain
        # No proof verified (already an error): its challenge is unknown, not wrong.
        proof_verified = bool(proofs)
    if proof_verified:
        _check_challenge(result, proof_challenge, proof_domain, challenge, domain, challenge_store)
    for credential in embedded_credentials(document):
        token = None
        with result.check("credentials"):
            token = enveloped_token(credential)
        item = token if token is not None else credential
        result.credentials.append(_verify_credential(item, ctx))
    if any(not c.verified for c in result.credentials):
        with result.check("credentials"):
            raise ProofVerificationError("an embedded credential does not verify")
    return result._finish()


def _claim(claims: Mapping[str, Any], name: str) -> str | None:
    """A JWT presentation's ``nonce`` (the challenge) or ``aud`` (the domain).

    ``aud`` may be a list; it is compared as one space-joined string, as list domains are.
    """
    value = claims.get(name)
    if value is None or isinstance(value, str):
        return value
    if name == "aud" and isinstance(value, list) and all(isinstance(v, str) for v in value):
        return " ".join(value)
    raise InvalidCredential(f"the {name} claim must be a string")


def _check_challenge(
    result: VerificationResult,
    got_challenge: str | None,
    got_domain: str | None,
    challenge: str | None,
    domain: str | None,
    store: ChallengeStore | None,
) -> None:
    with result.check("challenge"):
        if challenge is not None and got_challenge != challenge:
            raise InvalidChallenge("the presentation's challenge is not the one expected")
        if store is not None:
            if got_challenge is None:
                raise InvalidChallenge("the presentation carries no challenge")
            if not store.consume(got_challenge):
                raise ReplayDetected("this challenge was not issued, has expired or was used")
        if challenge is None and store is None:
            result.warn("challenge", "no challenge was expected: a replay would not be noticed")
    with result.check("domain"):
        if domain is not None and got_domain != domain:
            raise InvalidDomain("the presentation's domain is not the one expected")
