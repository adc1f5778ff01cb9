"""security.md section 7, parts D-F (cases 39-63): one test per checklist number.

Every test calls the public API afresh and asserts the specific error: the class raised,
or for a verifier ``verified`` false with the error's code in ``result.errors``. Registry
cases run on the three backends (``MemoryRegistry``, ``SQLiteRegistry`` on a real file,
``BifRegistry`` on a ``BifTestNode``) and compare the whole state before and after a
refusal: every history and head involved, every row of the SQLite file, and the node's
accounts (nonce and metadata), contract documents, latest ledger and submitted
transactions. ``no_network`` fails any test that reaches past the loopback servers it
started itself. Where the library answers differently from the checklist's wording, the
test's docstring says why.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import hmac
import json
import sqlite3
import tempfile
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import closing
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path
from types import EllipsisType
from typing import Any
from urllib.parse import urlsplit

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from _http_servers import LoopbackServer, Reply, json_reply, stream_zeros
from bid import jose
from bid.backends.bif_registry import BifRegistry
from bid.backends.bif_resolver import BifResolverClient
from bid.backends.bif_tx import DDOContract
from bid.backends.http import HttpPolicy
from bid.backends.sqlite import SQLiteRegistry
from bid.ddo import BIDDocument
from bid.errors import (
    BidError,
    ChainMismatch,
    ClaimsMismatch,
    Conflict,
    CredentialExpired,
    CredentialNotYetValid,
    DIDDeactivated,
    HttpTimeout,
    IntegrityError,
    InvalidAlgorithm,
    InvalidCredential,
    InvalidInput,
    InvalidOperation,
    MalformedJWS,
    RedirectRefused,
    Replay,
    ResponseTooLarge,
    SequenceGap,
    Unauthorized,
)
from bid.keys import Ed25519PrivateKey, PrivateKey
from bid.methods.bid import (
    BidMethod,
    create_operation,
    new_document,
    recovered_document,
    updated_document,
)
from bid.methods.key import KeyMethod
from bid.registry import MemoryRegistry, Operation, OperationType, Registry, Version
from bid.resolver import CachedResolver, DIDMethod, MethodRouter, ResolutionResult
from bid.testing import BifTestNode
from bid.vc import (
    MemoryChallengeStore,
    VerificationResult,
    issue,
    present,
    verify_credential,
    verify_presentation,
)
from checklist_support import NetworkGuard

pytestmark = pytest.mark.usefixtures("no_network")


V2 = "https://www.w3.org/ns/credentials/v2"
V1 = "https://www.w3.org/2018/credentials/v1"
EXAMPLES = "https://www.w3.org/ns/credentials/examples/v2"
NOW = datetime(2025, 6, 1, tzinfo=timezone.utc)
CREATED = datetime(2025, 1, 1, tzinfo=timezone.utc)
ABSENT: Any = object()  # a member to remove


# == D and E: credentials, presentations, JWT ===================================================


@dataclass(frozen=True)
class Party:
    """An Ed25519 did:key and its one verification method."""

    key: Ed25519PrivateKey

    @property
    def did(self) -> str:
        return self.key.public_key.did_key

    @property
    def method(self) -> str:
        return f"{self.did}#{self.did.removeprefix('did:key:')}"


ISSUER = Party(Ed25519PrivateKey.from_seed(b"checklist issuer".ljust(32, b".")))
HOLDER = Party(Ed25519PrivateKey.from_seed(b"checklist holder".ljust(32, b".")))
STRANGER = Party(Ed25519PrivateKey.from_seed(b"checklist stranger".ljust(32, b".")))


class CountingResolver:
    """did:key, offline; records every DID it is asked for."""

    def __init__(self) -> None:
        self.inner = MethodRouter([KeyMethod()])
        self.asked: list[str] = []

    def resolve(self, did: str, options: Any = None) -> ResolutionResult:
        self.asked.append(did)
        return self.inner.resolve(did, options)


def codes(result: VerificationResult) -> list[str]:
    return [error["code"] for error in result.errors]


def credential(**members: Any) -> dict[str, Any]:
    """A VC 2.0 credential by ISSUER; ``ABSENT`` removes a member."""
    document: dict[str, Any] = {
        "@context": [V2, EXAMPLES],
        "id": "urn:uuid:0c07c1ce-57cb-41af-bef2-1b932b986873",
        "type": ["VerifiableCredential", "ExampleDegreeCredential"],
        "issuer": ISSUER.did,
        "validFrom": "2024-01-01T00:00:00Z",
        "credentialSubject": {"id": "did:example:alice", "degree": "BSc"},
    }
    document.update(members)
    return {name: value for name, value in document.items() if value is not ABSENT}


def signed(document: dict[str, Any]) -> dict[str, Any]:
    result = issue(document, ISSUER.key, verification_method=ISSUER.method, created=CREATED)
    assert isinstance(result, dict)
    return result


def jwt(document: dict[str, Any], signer: Party = ISSUER) -> str:
    token = issue(document, signer.key, verification_method=signer.method, suite="jwt")
    assert isinstance(token, str)
    return token


_PERIOD = {"validFrom": "2025-03-01T00:00:00Z", "validUntil": "2025-02-01T00:00:00Z"}


@pytest.mark.parametrize(
    ("members", "error"),
    [
        ({"validUntil": "2025-05-31T23:59:59Z"}, CredentialExpired),
        ({"validFrom": "2025-06-01T00:00:01Z"}, CredentialNotYetValid),
        (_PERIOD, InvalidCredential),
        ({"validFrom": "2024-01-01"}, InvalidCredential),
        ({"validUntil": "2025-13-01T00:00:00Z"}, InvalidCredential),
        ({"validFrom": "yesterday"}, InvalidCredential),
        ({"validUntil": 1767225600}, InvalidCredential),
    ],
    ids=["expired", "not-yet-valid", "from-after-until", "no-time", "month-13", "words", "number"],
)
def test_case_39_validity_period(members: dict[str, Any], error: type[BidError]) -> None:
    """Outside the period: CredentialExpired / CredentialNotYetValid at the injected ``now``.
    A period that is not one (from > until, dates that do not parse) is InvalidCredential,
    refused when issuing and, in a credential signed before the change, when verifying."""
    if error is InvalidCredential:
        with pytest.raises(InvalidCredential):
            signed(credential(**members))
        document = {**signed(credential()), **members}
    else:
        document = signed(credential(**members))
    result = verify_credential(document, resolver=CountingResolver(), now=NOW)
    assert not result.verified
    assert codes(result) == [error.code]


@pytest.mark.parametrize(
    "members",
    [
        {"@context": [EXAMPLES, V2]},
        {"@context": ["https://example.com/v2"]},
        {"type": ["ExampleDegreeCredential"]},
        {"type": "VerifiablePresentation"},
        {"credentialSubject": ABSENT},
        {"credentialSubject": {}},
        {"credentialSubject": []},
        {"issuer": None},
        {"issuer": "issuer.example"},
        {"issuer": {"name": "Example University"}},
        {"issuer": ABSENT},
    ],
    ids=[
        "base-context-second",
        "no-base-context",
        "no-vc-type",
        "vp-type",
        "no-subject",
        "empty-subject",
        "empty-subject-list",
        "issuer-null",
        "issuer-not-url",
        "issuer-object-no-id",
        "no-issuer",
    ],
)
def test_case_40_data_model(members: dict[str, Any]) -> None:
    """Off the VC 2.0 data model: InvalidCredential, before any proof or key is looked at."""
    with pytest.raises(InvalidCredential):
        signed(credential(**members))
    resolver = CountingResolver()
    document = signed(credential())
    for name, value in members.items():
        if value is ABSENT:
            del document[name]
        else:
            document[name] = value
    result = verify_credential(document, resolver=resolver, now=NOW)
    assert not result.verified
    assert codes(result) == ["invalidCredential"]
    assert resolver.asked == []


@pytest.mark.parametrize("suite", ["eddsa-jcs-2022", "jwt"])
@pytest.mark.parametrize(
    ("given_challenge", "given_domain", "code"),
    [
        ("nonce-2", "verifier.example", "INVALID_CHALLENGE_ERROR"),
        (None, "verifier.example", "INVALID_CHALLENGE_ERROR"),
        ("nonce-1", "other.example", "INVALID_DOMAIN_ERROR"),
        ("nonce-1", None, "INVALID_DOMAIN_ERROR"),
    ],
    ids=["wrong-challenge", "no-challenge", "wrong-domain", "no-domain"],
)
def test_case_41_challenge_and_domain(
    suite: str, given_challenge: str | None, given_domain: str | None, code: str
) -> None:
    """ACA-Py CVE-2024-21669: the embedded credentials verify, the presentation does not."""
    vp = present(
        [signed(credential()), jwt(credential())],
        HOLDER.key,
        holder=HOLDER.did,
        verification_method=HOLDER.method,
        challenge=given_challenge,
        domain=given_domain,
        suite=suite,
        created=CREATED,
    )
    result = verify_presentation(
        vp,
        resolver=CountingResolver(),
        challenge="nonce-1",
        domain="verifier.example",
        now=NOW,
    )
    assert [c.verified for c in result.credentials] == [True, True]
    assert not result.verified
    assert codes(result) == [code]


@pytest.mark.parametrize("how", ["used-twice", "never-issued", "expired"])
def test_case_42_challenges_are_single_use(how: str) -> None:
    """The challenge store answers each issued, unexpired challenge once: ReplayDetected."""
    clock = [0.0]
    store = MemoryChallengeStore(ttl=60, clock=lambda: clock[0])
    challenge = store.issue() if how != "never-issued" else "made-up-by-the-holder"
    vp = present(
        [signed(credential())],
        HOLDER.key,
        holder=HOLDER.did,
        verification_method=HOLDER.method,
        challenge=challenge,
        created=CREATED,
    )
    resolver = CountingResolver()
    if how == "used-twice":
        assert verify_presentation(vp, resolver=resolver, challenge_store=store, now=NOW).verified
    if how == "expired":
        clock[0] = 60.0
    result = verify_presentation(vp, resolver=resolver, challenge_store=store, now=NOW)
    assert not result.verified
    assert codes(result) == ["replayDetected"]


@pytest.mark.parametrize("how", ["stranger-signs", "no-holder", "credential-as-string"])
def test_case_43_holder_binding(how: str) -> None:
    """The presentation's key must be the holder's: HolderMismatch. A credential given as a
    bare string (not an ``EnvelopedVerifiableCredential``) breaks the presentation model:
    the checklist's InvalidPresentation is InvalidCredential here, which covers both."""
    signer = STRANGER if how == "stranger-signs" else HOLDER
    vp = present(
        [signed(credential())],
        signer.key,
        holder=HOLDER.did,
        verification_method=signer.method,
        challenge="nonce-1",
        created=CREATED,
    )
    assert isinstance(vp, dict)
    if how == "no-holder":
        del vp["holder"]
    if how == "credential-as-string":
        vp["verifiableCredential"] = [jwt(credential())]
    result = verify_presentation(vp, resolver=CountingResolver(), now=NOW)
    assert not result.verified
    expected = "invalidCredential" if how == "credential-as-string" else "holderMismatch"
    assert codes(result) == [expected]


# -- E: JWT ------------------------------------------------------------------------------------


def b64u(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def compact(
    header: dict[str, Any],
    payload: dict[str, Any],
    sign: Callable[[bytes], bytes] = ISSUER.key.sign,
) -> str:
    """A compact JWS built by hand, with any header, signed by ``sign``."""
    signing_input = b64u(json.dumps(header).encode()) + "." + b64u(json.dumps(payload).encode())
    return signing_input + "." + b64u(sign(signing_input.encode("ascii")))


def hs256_with_public_key(data: bytes) -> bytes:
    return hmac.new(ISSUER.key.public_key.public_bytes(), data, hashlib.sha256).digest()


@pytest.mark.parametrize(
    ("header", "sign"),
    [
        ({"alg": "none"}, lambda _: b""),
        ({"alg": "HS256"}, hs256_with_public_key),
        ({"alg": "ES256"}, ISSUER.key.sign),
        ({"alg": "eddsa"}, ISSUER.key.sign),
        ({"alg": "EDDSA"}, ISSUER.key.sign),
        ({}, ISSUER.key.sign),
        ({"alg": ["EdDSA"]}, ISSUER.key.sign),
    ],
    ids=["none", "HS256-public-key", "ES256", "lower-case", "upper-case", "no-alg", "alg-list"],
)
def test_case_44_algorithm_allow_list(
    header: dict[str, Any], sign: Callable[[bytes], bytes]
) -> None:
    """Any ``alg`` but EdDSA: InvalidAlgorithm, before the key is even looked up (the
    resolver is never asked). A compact JWS has no unprotected header, so "alg only in an
    unprotected header" is a protected header without ``alg`` (``no-alg``)."""
    token = compact({**header, "kid": ISSUER.method, "typ": "vc+jwt"}, credential(), sign)
    with pytest.raises(InvalidAlgorithm):
        jose.decode(token)
    resolver = CountingResolver()
    result = verify_credential(token, resolver=resolver, now=NOW)
    assert not result.verified
    assert codes(result) == ["invalidAlgorithm"]
    assert resolver.asked == []


@pytest.mark.parametrize(
    ("payload", "signer", "code"),
    [
        ({**credential(), "iss": STRANGER.did}, ISSUER, "claimsMismatch"),
        ({**credential(), "sub": "did:example:mallory"}, ISSUER, "claimsMismatch"),
        ({**credential(), "jti": "urn:uuid:another"}, ISSUER, "claimsMismatch"),
        ({**credential(), "nbf": 1704153600}, ISSUER, "claimsMismatch"),
        ({**credential(), "exp": 1893456000}, ISSUER, "claimsMismatch"),
        (
            {
                "vc": {
                    "@context": [V1],
                    "type": ["VerifiableCredential"],
                    "issuer": ISSUER.did,
                    "issuanceDate": "2024-01-01T00:00:00Z",
                    "credentialSubject": {"id": "did:example:alice"},
                },
                "iss": STRANGER.did,
            },
            ISSUER,
            "claimsMismatch",
        ),
        (credential(), STRANGER, "issuerMismatch"),
    ],
    ids=["iss", "sub", "jti", "nbf", "exp-without-validUntil", "vc-1.1-iss", "kid-of-another-did"],
)
def test_case_45_claims_agree_with_the_credential(
    payload: dict[str, Any], signer: Party, code: str
) -> None:
    """Registered claims that disagree with the credential: ClaimsMismatch. A ``kid`` of
    another DID than the issuer is IssuerMismatch here: the token verifies under that DID's
    key, and what fails is that the key is not the issuer's (the same error as for a Data
    Integrity proof by another DID)."""
    token = jose.sign(payload, signer.key, kid=signer.method, typ="JWT")
    if code == "claimsMismatch":
        with pytest.raises(ClaimsMismatch):
            jose.credential_from_claims(payload, kind="vc")
    result = verify_credential(token, resolver=CountingResolver(), now=NOW)
    assert not result.verified
    assert codes(result) == [code]


@pytest.mark.parametrize(
    ("members", "claims", "code"),
    [
        ({"validUntil": "2025-05-31T23:59:59Z"}, {"exp": 1748735999}, "credentialExpired"),
        ({"validFrom": "2025-06-01T00:00:01Z"}, {"nbf": 1748736001}, "credentialNotYetValid"),
        ({"validUntil": "2025-05-31T23:59:59Z"}, {}, "credentialExpired"),
    ],
    ids=["exp-past", "nbf-future", "validUntil-past-no-claim"],
)
def test_case_46_jwt_time_claims(
    members: dict[str, Any], claims: dict[str, Any], code: str
) -> None:
    """``exp``/``nbf`` must mirror ``validUntil``/``validFrom`` (case 45), so the period is
    checked once, on the credential, at ``now``: one second past is expired. There is no
    skew setting; a caller wanting one passes an adjusted ``now``."""
    token = jose.sign({**credential(**members), **claims}, ISSUER.key, kid=ISSUER.method)
    result = verify_credential(token, resolver=CountingResolver(), now=NOW)
    assert not result.verified
    assert codes(result) == [code]


_GOOD = jwt(credential())
_HEADER = {"alg": "EdDSA", "kid": ISSUER.method}


@pytest.mark.parametrize(
    "token",
    [
        compact({**_HEADER, "crit": ["exp"], "exp": 1}, credential()),
        compact({**_HEADER, "crit": ["b64"], "b64": False}, credential()),
        compact({**_HEADER, "b64": False}, credential()),
        _GOOD.rpartition(".")[0],
        _GOOD + ".e30",
        _GOOD.replace(".", ".+", 1),
        _GOOD.replace(".", "=.", 1),
        _GOOD + "==",
        "",
    ],
    ids=[
        "crit",
        "b64-crit",
        "b64",
        "2-segments",
        "4-segments",
        "plus",
        "padding",
        "sig-pad",
        "empty",
    ],
)
def test_case_47_malformed_compact_jws(token: str) -> None:
    """Not a compact JWS we accept: MalformedJWS, before the key is looked up."""
    with pytest.raises(MalformedJWS):
        jose.decode(token)
    resolver = CountingResolver()
    result = verify_credential(token, resolver=resolver, now=NOW)
    assert not result.verified
    assert codes(result) == ["malformedJws"]
    assert resolver.asked == []


@pytest.mark.parametrize(
    ("proof", "code"),
    [
        ({"type": "JwtProof2020", "jwt": _GOOD}, "PROOF_VERIFICATION_ERROR"),
        (
            {
                "type": "DataIntegrityProof",
                "cryptosuite": "eddsa-jcs-2022",
                "verificationMethod": ISSUER.method,
                "proofPurpose": "assertionMethod",
                "jwt": _GOOD,
            },
            "MALFORMED_PROOF_ERROR",
        ),
        (_GOOD, "MALFORMED_PROOF_ERROR"),
    ],
    ids=["jwt-proof-type", "di-proof-carrying-jwt", "bare-jwt"],
)
def test_case_48_a_carried_jwt_vouches_for_nothing(proof: Any, code: str) -> None:
    """agentcommercekit/ack#108: an object whose ``proof`` carries a valid JWT of another
    payload. The checklist names ClaimsMismatch; here the JWT is never read out of a proof
    (a JWT credential is verified as the token itself), so the object is a Data Integrity
    credential with an unusable proof: PROOF_VERIFICATION_ERROR for an unknown proof type,
    MALFORMED_PROOF_ERROR for a proof without ``proofValue`` or one that is not an object."""
    outer = credential(credentialSubject={"id": "did:example:alice", "degree": "PhD"})
    outer["proof"] = proof
    result = verify_credential(outer, resolver=CountingResolver(), now=NOW)
    assert not result.verified
    assert codes(result) == [code]


# == F: registry operations ======================================================================

T_DOC = datetime(2024, 5, 1, 12, 0, tzinfo=timezone.utc)
T0 = datetime(2024, 6, 1, 9, 0, tzinfo=timezone.utc)
CONTRACTS = (DDOContract.LEGACY, DDOContract.CURRENT)


def ed(n: int) -> Ed25519PrivateKey:
    return Ed25519PrivateKey.from_seed(hashlib.sha256(b"checklist F %d" % n).digest())


#: The keys DIDs are created with (a BIF registry writes from the DID's own account).
ACCOUNT_KEYS: tuple[PrivateKey, ...] = tuple(ed(n) for n in range(1, 13))
NODE_POLICY = HttpPolicy(allow_private_networks=True)


class Clock:
    """The registries' clock: ``now``, then one second later at each call; ``naive`` drops
    the time zone (a broken clock)."""

    def __init__(self, start: datetime = T0, step: timedelta = timedelta(seconds=1)) -> None:
        self.now, self.step, self.naive = start, step, False

    def __call__(self) -> datetime:
        value = self.now
        self.now += self.step
        return value.replace(tzinfo=None) if self.naive else value


class Backend:
    """One registry under test, a way to open another client on the same store, and its
    state as far as the test can see it (for before/after comparisons)."""

    def __init__(
        self,
        kind: str,
        registry: Registry,
        another: Callable[[], Registry],
        storage: Callable[[Sequence[str]], object],
        *,
        path: Path | None = None,
        node: BifTestNode | None = None,
    ) -> None:
        self.kind, self.registry, self.another = kind, registry, another
        self._storage = storage
        self.path, self.node = path, node

    def state(self, *dids: str) -> object:
        """Histories and heads of ``dids`` and everything the backend stores."""
        return (
            [tuple(self.registry.history(did)) for did in dids],
            [self.registry.read(did) for did in dids],
            self._storage(dids),
        )


def _sqlite_rows(path: Path) -> list[tuple[Any, ...]]:
    with closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True)) as connection:
        return connection.execute("SELECT * FROM operations ORDER BY id").fetchall()


def _open_backend(
    kind: str, clock: Clock, directory: Path, guard: NetworkGuard, opened: list[Any]
) -> Backend:
    if kind == "memory":
        memory = MemoryRegistry(clock=clock)
        return Backend(kind, memory, lambda: memory, lambda dids: None)
    if kind == "sqlite":
        path = directory / f"registry-{len(opened)}.db"

        def sqlite() -> SQLiteRegistry:
            registry = SQLiteRegistry(path, clock=clock)
            opened.append(registry)
            return registry

        return Backend(kind, sqlite(), sqlite, lambda dids: _sqlite_rows(path), path=path)
    node = BifTestNode().start()
    opened.append(node)
    guard.allow(int(urlsplit(node.url).port or 0))

    def chain() -> BifRegistry:
        registry = BifRegistry(node.url, policy=NODE_POLICY, account_keys=ACCOUNT_KEYS, clock=clock)
        opened.append(registry)
        return registry

    first = chain()

    def on_chain(dids: Sequence[str]) -> object:
        return (
            first.node.ledger(),
            [request for request in node.requests if request[1] == "/submitTransaction"],
            [node.account(did) for did in dids],
            [node.document(contract.address, did) for contract in CONTRACTS for did in dids],
        )

    return Backend(kind, first, chain, on_chain, node=node)


@pytest.fixture(params=["memory", "sqlite", "bif"])
def make_backend(
    request: pytest.FixtureRequest, tmp_path: Path, guard: NetworkGuard
) -> Iterator[Callable[[Clock], Backend]]:
    opened: list[Any] = []
    yield lambda clock: _open_backend(request.param, clock, tmp_path, guard, opened)
    for item in reversed(opened):
        item.close()


@pytest.fixture
def backend(make_backend: Callable[[Clock], Backend]) -> Backend:
    return make_backend(Clock())


def refused(
    backend: Backend, make: Callable[[], Operation], error: type[BidError], *dids: str
) -> None:
    """Building and submitting ``make()`` raises exactly ``error``; ``dids`` are unchanged."""
    before = backend.state(*dids)
    with pytest.raises(error) as info:
        backend.registry.submit(make())
    assert type(info.value) is error, repr(info.value)
    assert backend.state(*dids) == before


def founded(registry: Registry, first: int = 1) -> Version:
    """A DID of ``ed(first)``: key-1 authenticates, key-2 (``ed(first + 1)``) recovers,
    ``assert`` (``ed(first + 2)``) is an assertion method only."""
    document = new_document(ed(first), now=T_DOC, recovery_key=ed(first + 1).public_key)
    data = document.to_json()
    assertion = f"{document.id}#assert"
    data["publicKey"].append(
        {
            "id": assertion,
            "type": "Ed25519",
            "controller": document.id,
            "publicKeyHex": ed(first + 2).public_key.to_bif(),
        }
    )
    data["assertionMethod"] = [assertion]
    return registry.submit(create_operation(BIDDocument.from_json(data), ed(first)))


def serviced(head: Version, name: str) -> BIDDocument:
    return updated_document(
        head.document, now=T_DOC, services=[(name, "LinkedDomains", f"https://example.com/{name}")]
    )


def op(
    type: OperationType,
    head: Version,
    key: PrivateKey,
    signer: str,
    document: BIDDocument | None = None,
    *,
    seq: int | None = None,
    previous: str | EllipsisType | None = ...,
) -> Operation:
    """An operation on ``head.did`` signed by ``key`` under the key id ``#signer``."""
    return Operation.sign(
        type,
        did=head.did,
        seq=head.seq + 1 if seq is None else seq,
        previous=head.hash if isinstance(previous, EllipsisType) else previous,
        key=key,
        signer=f"{head.did}#{signer}",
        document=document,
    )


def canonical(value: object) -> bytes:
    """Sorted, compact JSON (what RFC 8785 gives for these texts and integers)."""
    return json.dumps(value, sort_keys=True, separators=(",", ":")).encode()


def relabelled(source: Operation | BIDDocument, old: str, new: str) -> dict[str, Any]:
    """The JSON of ``source`` with every mention of DID ``old`` replaced by ``new``."""
    data = source.to_json()
    result: dict[str, Any] = json.loads(json.dumps(data).replace(old, new))
    return result


@pytest.mark.parametrize(
    ("variant", "error"),
    [
        ("another-document", Conflict),
        ("after-an-update", Conflict),
        ("chained-after-head", Conflict),
        ("not-derived-from-signer", Unauthorized),
        ("document-about-another-did", InvalidOperation),
    ],
)
def test_case_49_create(backend: Backend, variant: str, error: type[BidError]) -> None:
    """A second create is Conflict, wherever it is placed. A create whose BID does not
    derive from the signing key is Unauthorized rather than InvalidDid: the identifier is a
    well-formed BID, what fails is the signer's claim to it (P1). A create whose document
    is about another DID does not parse: InvalidOperation."""
    head = founded(backend.registry)
    if variant == "after-an-update":
        head = backend.registry.submit(op("update", head, ed(1), "key-1", serviced(head, "a")))
    intruder = new_document(ed(7), now=T_DOC)
    claimed = str(ed(8).bid())

    def make() -> Operation:
        if variant in ("another-document", "after-an-update"):
            return create_operation(new_document(ed(1), now=NOW), ed(1))
        if variant == "chained-after-head":
            return op("create", head, ed(1), "key-1", head.document)
        if variant == "not-derived-from-signer":
            document = BIDDocument.from_json(relabelled(intruder, intruder.id, claimed))
            return Operation.sign(
                "create", did=claimed, seq=1, previous=None, key=ed(7),
                signer=f"{claimed}#key-1", document=document,
            )  # fmt: skip
        wire = create_operation(intruder, ed(7)).to_json()
        return Operation.from_json(wire | {"did": claimed, "signer": f"{claimed}#key-1"})

    refused(backend, make, error, head.did, claimed, intruder.id)


@pytest.mark.parametrize(
    ("key", "signer", "rotate"),
    [
        (3, "assert", False),
        (2, "key-2", False),
        (9, "key-9", False),
        (3, "key-1", False),
        (1, "key-1", True),
    ],
    ids=["assertion-only", "recovery-only", "unlisted", "wrong-private-key", "rotated-out"],
)
def test_case_50_update_by_an_unauthorized_key(
    backend: Backend, key: int, signer: str, rotate: bool
) -> None:
    """An update must be signed by a key in ``authentication`` (BIF's update keys; an
    authentication key therefore may update, unlike webvh's separate updateKeys):
    Unauthorized, the checklist's UnauthorizedUpdate."""
    head = founded(backend.registry)
    if rotate:
        document = recovered_document(head.document, ed(10).public_key, now=T_DOC)
        head = backend.registry.submit(op("recover", head, ed(2), "key-2", document))
    refused(
        backend,
        lambda: op("update", head, ed(key), signer, serviced(head, "x")),
        Unauthorized,
        head.did,
    )


@pytest.mark.parametrize("variant", ["ttl-only", "updated-only", "other-did-signer"])
def test_case_51_harmless_update_by_another_controller(backend: Backend, variant: str) -> None:
    """indy GHSA-wh2w-39f4-rpv2: no member is "harmless". B's controller changing only
    ``extension.ttl`` or ``updated`` of A under A's key id: Unauthorized (the signature is
    not A's key's). Under B's own key id the operation does not even parse: a signer must
    be a key of the operation's DID (InvalidOperation)."""
    a, b = founded(backend.registry, 1), founded(backend.registry, 4)
    data = a.document.to_json()
    if variant == "ttl-only":
        data["extension"] = {**data["extension"], "ttl": 60}
    else:
        data["updated"] = "2024-05-02T00:00:00Z"
    document = BIDDocument.from_json(data)

    def make() -> Operation:
        if variant == "other-did-signer":
            return Operation.sign(
                "update", did=a.did, seq=2, previous=a.hash, key=ed(4),
                signer=f"{b.did}#key-1", document=document,
            )  # fmt: skip
        return op("update", a, ed(4), "key-1", document)

    error = InvalidOperation if variant == "other-did-signer" else Unauthorized
    refused(backend, make, error, a.did, b.did)


@pytest.mark.parametrize("previous", ["older", "zeros", "other-did-head"])
def test_case_52_previous_hash_is_the_head(backend: Backend, previous: str) -> None:
    """Right seq, previous hash not the head's: ChainMismatch."""
    v1 = founded(backend.registry)
    v2 = backend.registry.submit(op("update", v1, ed(1), "key-1", serviced(v1, "a")))
    other = founded(backend.registry, 4)
    wrong = {"older": v1.hash, "zeros": "0" * 64, "other-did-head": other.hash}[previous]
    refused(
        backend,
        lambda: op("update", v2, ed(1), "key-1", serviced(v2, "b"), previous=wrong),
        ChainMismatch,
        v2.did,
        other.did,
    )


@pytest.mark.parametrize(
    ("offset", "error"),
    [(0, Conflict), (-1, Replay), (2, SequenceGap), (None, None), (-2, None)],
    ids=["seq-head", "seq-head-1", "seq-head+2", "resubmit-head", "resubmit-older"],
)
def test_case_53_sequence_numbers(
    backend: Backend, offset: int | None, error: type[BidError] | None
) -> None:
    """seq = head with another operation: Conflict; seq < head: Replay; seq > head + 1:
    SequenceGap (the checklist's SequenceError is these three classes). An exact
    re-submission, also of an older operation and in wire form, returns the stored
    version and stores nothing."""
    v1 = founded(backend.registry)
    v2 = backend.registry.submit(op("update", v1, ed(1), "key-1", serviced(v1, "a")))
    v3 = backend.registry.submit(op("update", v2, ed(1), "key-1", serviced(v2, "b")))
    if error is not None:
        assert offset is not None
        refused(
            backend,
            lambda: op("update", v3, ed(1), "key-1", serviced(v3, "c"), seq=v3.seq + offset),
            error,
            v3.did,
        )
        return
    stored = v3 if offset is None else v1
    before = backend.state(v3.did)
    assert backend.registry.submit(stored.operation) == stored
    assert (
        backend.registry.submit(Operation.from_text(json.dumps(stored.operation.to_json())))
        == stored
    )
    assert backend.state(v3.did) == before


@pytest.mark.parametrize("variant", ["did-member-only", "every-mention", "create-relabelled"])
def test_case_54_an_operation_names_its_did(backend: Backend, variant: str) -> None:
    """A's valid update submitted for B. Changing only ``did`` leaves a signer and a
    document about A: InvalidOperation. Rewriting every mention and chaining it to B's
    head parses, but A's key signed A's bytes: Unauthorized. A's genesis relabelled for a
    fresh DID: Unauthorized (the BID does not derive from the signer)."""
    a, b = founded(backend.registry, 1), founded(backend.registry, 4)
    update = op("update", a, ed(1), "key-1", serviced(a, "hub"))
    fresh = str(ed(11).bid())

    def make() -> Operation:
        if variant == "did-member-only":
            return Operation.from_json({**update.to_json(), "did": b.did})
        if variant == "every-mention":
            return Operation.from_json(relabelled(update, a.did, b.did) | {"previous": b.hash})
        return Operation.from_json(relabelled(a.operation, a.did, fresh))

    error = InvalidOperation if variant == "did-member-only" else Unauthorized
    refused(backend, make, error, a.did, b.did, fresh)


def _race(clients: Sequence[Registry], ops: Sequence[Operation]) -> list[object]:
    """Submit ``ops[i]`` through ``clients[i]``, all released at once; versions or errors."""
    barrier = threading.Barrier(len(ops))
    outcomes: list[object] = [None] * len(ops)

    def write(index: int) -> None:
        barrier.wait()
        try:
            outcomes[index] = clients[index].submit(ops[index])
        except BidError as exc:
            outcomes[index] = exc

    threads = [threading.Thread(target=write, args=(i,)) for i in range(len(ops))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return outcomes


@pytest.mark.parametrize("first", [1, 4, 7], ids=["did-1", "did-2", "did-3"])
def test_case_55_racing_writers(backend: Backend, first: int) -> None:
    """Eight different valid updates with seq 2 at once, each through its own client (its own
    SQLite connection, its own node client; the one MemoryRegistry for memory, which lives
    in one process): exactly one is stored, the others are Conflict, the chain stays linear.
    Run for three DIDs: a registry without a lock fails about half of the single races.
    Racing processes on one SQLite file: test_sqlite_registry.py (slow)."""
    head = founded(backend.registry, first)
    clients = [backend.another() for _ in range(8)]
    ops = [op("update", head, ed(first), "key-1", serviced(head, f"w{i}")) for i in range(8)]
    outcomes = _race(clients, ops)
    winners = [o for o in outcomes if isinstance(o, Version)]
    assert len(winners) == 1, outcomes
    assert [type(o) for o in outcomes if not isinstance(o, Version)] == [Conflict] * 7
    history = backend.registry.history(head.did)
    assert history == (head, winners[0])
    assert history[1].operation.previous == head.hash


@pytest.mark.parametrize("variant", ["update", "deactivate-again", "recover", "far-seq"])
def test_case_56_deactivation_is_final(backend: Backend, variant: str) -> None:
    """Anything after deactivate: DIDDeactivated (the checklist's Deactivated). Resolving
    answers the id with ``deactivated: true`` metadata, not notFound."""
    v1 = founded(backend.registry)
    v2 = backend.registry.submit(op("deactivate", v1, ed(2), "key-2"))
    assert v2.deactivated
    makes: dict[str, Callable[[], Operation]] = {
        "update": lambda: op("update", v2, ed(1), "key-1", serviced(v2, "late")),
        "deactivate-again": lambda: op("deactivate", v2, ed(1), "key-1"),
        "recover": lambda: op(
            "recover",
            v2,
            ed(2),
            "key-2",
            recovered_document(v2.document, ed(10).public_key, now=T_DOC),
        ),
        "far-seq": lambda: op("update", v2, ed(1), "key-1", serviced(v2, "z"), seq=9),
    }
    refused(backend, makes[variant], DIDDeactivated, v1.did)
    result = BidMethod(backend.registry).resolve(v1.did)
    assert result.error is None
    assert result.deactivated
    assert result.did_document_metadata["deactivated"] is True
    assert result.did_document is not None
    assert result.did_document.to_json()["id"] == v1.did
    assert "verificationMethod" not in result.did_document.to_json()


@pytest.mark.parametrize(
    "variant", ["update-moves-recovery", "recover-moves-recovery", "recover-by-non-recovery-key"]
)
def test_case_57_recovery_commitment(backend: Backend, variant: str) -> None:
    """did:bid has no pre-rotation (no ``nextKeyHashes``): the nearest commitment is
    ``extension.recovery``, fixed at creation. Changing it in an update or a recover, or
    recovering with a key outside it: Unauthorized (the checklist's UnauthorizedUpdate)."""
    head = founded(backend.registry)
    extension = {**head.document.to_json()["extension"], "recovery": [f"{head.did}#key-1"]}
    moved = BIDDocument.from_json({**head.document.to_json(), "extension": extension})
    makes: dict[str, Callable[[], Operation]] = {
        "update-moves-recovery": lambda: op("update", head, ed(1), "key-1", moved),
        "recover-moves-recovery": lambda: op("recover", head, ed(2), "key-2", moved),
        "recover-by-non-recovery-key": lambda: op(
            "recover",
            head,
            ed(1),
            "key-1",
            recovered_document(head.document, ed(10).public_key, now=T_DOC),
        ),
    }
    refused(backend, makes[variant], Unauthorized, head.did)


@pytest.mark.parametrize("offset", [timedelta(0), timedelta(seconds=-1), timedelta(minutes=10)])
def test_case_58_times(make_backend: Callable[[Clock], Backend], offset: timedelta) -> None:
    """An operation carries no time of its own: the registry's clock stamps it, and a time
    member in the signed payload is refused like any unknown member (InvalidOperation; the
    checklist's InvalidTimestamp cannot arise). A clock set back does not move the stored
    times back: the new version keeps the head's time."""
    clock = Clock()
    backend = make_backend(clock)
    head = founded(backend.registry)
    unsigned = {
        k: v
        for k, v in op("update", head, ed(1), "key-1", serviced(head, "t")).to_json().items()
        if k != "signature"
    }
    unsigned["time"] = (head.time + offset).isoformat()
    payload = canonical(unsigned)
    refused(
        backend,
        lambda: Operation.from_storage(payload, ed(1).sign(payload)),
        InvalidOperation,
        head.did,
    )
    clock.now = head.time - timedelta(days=1)
    later = backend.registry.submit(op("update", head, ed(1), "key-1", serviced(head, "u")))
    assert later.time == head.time
    assert [v.time for v in backend.registry.history(head.did)] == [head.time, head.time]


@pytest.mark.parametrize(
    "members",
    [{"note": "hello"}, {"type": "transfer"}, {"version": 2}, {"method": "bid:2"}],
    ids=["extra-member", "unknown-type", "unknown-version", "unknown-method-version"],
)
def test_case_59_fail_closed(backend: Backend, members: dict[str, Any]) -> None:
    """Signed properly by the authorized key, yet an unknown type, version or member:
    InvalidOperation; it never reaches a registry."""
    head = founded(backend.registry)
    wire = op("update", head, ed(1), "key-1", serviced(head, "n")).to_json()
    payload = canonical({k: v for k, v in wire.items() if k != "signature"} | members)
    refused(
        backend,
        lambda: Operation.from_storage(payload, ed(1).sign(payload)),
        InvalidOperation,
        head.did,
    )
    refused(backend, lambda: Operation.from_json(wire | members), InvalidOperation, head.did)


def test_case_60_a_failing_write_stores_nothing(make_backend: Callable[[Clock], Backend]) -> None:
    """The half of case 60 that needs no killed process: a write that fails after the
    head was read (the registry clock breaks: InvalidInput) leaves the state as it was;
    the SQLite file passes PRAGMA integrity_check and reopens with the same verified
    chain. Killed writers and SQLITE_FULL: tests/test_sqlite_crash.py."""
    clock = Clock()
    backend = make_backend(clock)
    v1 = founded(backend.registry)
    v2 = backend.registry.submit(op("update", v1, ed(1), "key-1", serviced(v1, "a")))
    clock.naive = True
    refused(
        backend, lambda: op("update", v2, ed(1), "key-1", serviced(v2, "b")), InvalidInput, v2.did
    )
    if backend.path is not None:
        with SQLiteRegistry(backend.path) as reopened:
            reopened.integrity_check()
            assert reopened.history(v2.did) == (v1, v2)
    clock.naive = False
    assert backend.registry.submit(op("update", v2, ed(1), "key-1", serviced(v2, "b"))).seq == 3


def _flip_sqlite(path: Path, did: str, column: str) -> None:
    with closing(sqlite3.connect(path)) as connection:
        (value,) = connection.execute(
            f"SELECT {column} FROM operations WHERE did = ? AND seq = 2", (did,)
        ).fetchone()
        data = bytearray(value if isinstance(value, bytes) else value.encode())
        index = data.find(b"/hub") + 1 if column == "signed" else len(data) - 2
        data[index] ^= 0x01
        changed: object = bytes(data) if isinstance(value, bytes) else data.decode()
        connection.execute(
            f"UPDATE operations SET {column} = ? WHERE did = ? AND seq = 2", (changed, did)
        )
        connection.commit()


def _flip_text(text: str) -> str:
    index = text.index("/hub") + 1
    return text[:index] + chr(ord(text[index]) ^ 0x01) + text[index + 1 :]


@pytest.mark.parametrize(
    ("make_backend", "where"),
    [
        ("sqlite", "signed"),
        ("sqlite", "signature"),
        ("sqlite", "hash"),
        ("sqlite", "time"),
        ("bif", "log-entry"),
        ("bif", "contract-document"),
    ],
    indirect=["make_backend"],
)
def test_case_61_tampered_storage_is_never_served(
    make_backend: Callable[[Clock], Backend], where: str
) -> None:
    """One byte changed in stored data (a raw SQL update of one column of one row, or the
    node's log entry or contract document): reads raise IntegrityError and resolution
    gives an internalError result without the document. (A MemoryRegistry has no storage
    outside the process to tamper with.)"""
    backend = make_backend(Clock())
    v1 = founded(backend.registry)
    v2 = backend.registry.submit(op("update", v1, ed(1), "key-1", serviced(v1, "hub")))
    if backend.path is not None:
        _flip_sqlite(backend.path, v2.did, where)
    else:
        assert backend.node is not None
        assert isinstance(backend.registry, BifRegistry)
        if where == "log-entry":
            account = backend.node.account(v2.did)
            assert account is not None
            text, _version = account["metadatas"]["bid-op-2"]
            backend.node.tamper_metadata(v2.did, "bid-op-2", _flip_text(text))
        else:
            address = backend.registry.contract.address
            text = backend.node.document(address, v2.did)
            assert text is not None
            backend.node.tamper_document(address, v2.did, _flip_text(text))
    with pytest.raises(IntegrityError):
        backend.registry.read(v2.did)
    with pytest.raises(IntegrityError):
        backend.registry.history(v2.did)
    result = BidMethod(backend.registry).resolve(v2.did)
    assert result.error == "internalError"
    assert result.did_document is None


# -- 62: a remote node or resolver that misbehaves ------------------------------------------------

_RESOLVER_FAULTS = ("another-did", "50-MB-body", "redirect", "timeout")
REMOTE_POLICY = HttpPolicy(
    allow_private_networks=True,
    connect_timeout=1.0,
    read_timeout=0.25,
    total_timeout=1.0,
    retries=0,
)


@dataclass(frozen=True)
class Remote:
    """A did:bid method backed by a misbehaving remote, the count of requests it received,
    and a direct read that raises the remote's error."""

    method: DIDMethod
    requests: Callable[[], int]
    read: Callable[[], object]


def _node_with_a_bad_log(how: str, stack: contextlib.ExitStack, guard: NetworkGuard) -> Remote:
    node = stack.enter_context(BifTestNode())
    guard.allow(int(urlsplit(node.url).port or 0))
    chain = BifRegistry(node.url, policy=NODE_POLICY, account_keys=ACCOUNT_KEYS, clock=Clock())
    stack.callback(chain.close)
    v1 = founded(chain)
    v2 = chain.submit(op("update", v1, ed(1), "key-1", serviced(v1, "hub")))
    chain.submit(op("update", v2, ed(1), "key-1", serviced(v2, "more")))
    account = node.account(v1.did)
    assert account is not None
    text, _version = account["metadatas"]["bid-op-2"]
    entry = json.loads(text)
    if how == "unsigned-log":
        del entry["operation"]["signature"]
    else:  # the same operation, signed by a key the document does not list
        stored = Operation.from_json(entry["operation"])
        forged = Operation.from_storage(stored.signed_bytes, ed(9).sign(stored.signed_bytes))
        entry["operation"]["signature"] = forged.to_json()["signature"]
    node.tamper_metadata(
        v1.did, "bid-op-2", None if how == "broken-chain" else canonical(entry).decode()
    )
    return Remote(BidMethod(chain), lambda: len(node.requests), lambda: chain.read(v1.did))


def _bad_resolver(how: str, stack: contextlib.ExitStack, guard: NetworkGuard) -> Remote:
    stranger = new_document(ed(5), now=T_DOC).to_json()
    reply = {
        "another-did": json_reply({"errorCode": 0, "data": {"didDocument": stranger}}),
        "50-MB-body": Reply(body=stream_zeros(50 << 20)),
        "redirect": Reply(302, headers={"Location": "http://127.0.0.1:9/bid"}, content_type=None),
        "timeout": Reply(body=b"{}", delay=5.0),
    }[how]
    server = stack.enter_context(LoopbackServer(lambda request: reply))
    guard.allow(server.port)
    client = BifResolverClient(server.url, policy=REMOTE_POLICY)
    stack.callback(client.close)
    did = str(ed(1).bid())
    return Remote(client, lambda: len(server.requests), lambda: client.public_keys(did))


@pytest.mark.parametrize(
    ("how", "code", "raised"),
    [
        ("another-did", "invalidDidDocument", None),
        ("50-MB-body", "internalError", ResponseTooLarge),
        ("redirect", "internalError", RedirectRefused),
        ("timeout", "internalError", HttpTimeout),
        ("forged-log", "internalError", IntegrityError),
        ("unsigned-log", "internalError", IntegrityError),
        ("broken-chain", "internalError", IntegrityError),
    ],
)
def test_case_62_a_misbehaving_remote(
    guard: NetworkGuard, how: str, code: str, raised: type[BidError] | None
) -> None:
    """A BIF resolver (RFC-005, a loopback server) answering with another DID's document, a
    50 MB body, a redirect to 127.0.0.1 or nothing in time, and a BIF node serving a forged,
    unsigned or gapped operation log: an error result (never notFound), within the policy's
    total timeout, nothing cached, the same answer when asked again; the client or the
    registry raises the specific error."""
    with contextlib.ExitStack() as stack:
        make = _bad_resolver if how in _RESOLVER_FAULTS else _node_with_a_bad_log
        remote = make(how, stack, guard)
        resolver = CachedResolver(MethodRouter([remote.method]))
        for _ in range(2):
            asked = remote.requests()
            started = time.monotonic()
            result = resolver.resolve(str(ed(1).bid()))
            assert time.monotonic() - started < REMOTE_POLICY.total_timeout + 1.0
            assert (result.error, result.did_document) == (code, None)
            assert len(resolver) == 0
            assert remote.requests() > asked
        if raised is not None:
            with pytest.raises(raised):
                remote.read()


# -- 63: the three backends answer alike ----------------------------------------------------------

MOVES = st.lists(
    st.tuples(
        st.sampled_from(
            ["create", "update", "deactivate", "recover", "fork", "gap", "foreign", "resend"]
        ),
        st.integers(0, 1),
    ),
    min_size=1,
    max_size=7,
)


def _genesis(first: int) -> Operation:
    document = new_document(ed(first), now=T_DOC, recovery_key=ed(first + 1).public_key)
    return create_operation(document, ed(first))


def _move(reference: MemoryRegistry, kind: str, k: int, sent: list[Operation]) -> Operation:
    first = 1 + 3 * k
    if kind == "create":
        return _genesis(first)
    if kind == "resend" and sent:
        return sent[k % len(sent)]
    head = reference.read(str(ed(first).bid())) or MemoryRegistry().submit(_genesis(first))
    if kind == "deactivate":
        return op("deactivate", head, ed(first + 1), "key-2")
    if kind == "recover":
        document = recovered_document(head.document, ed(10 + k).public_key, now=T_DOC)
        return op("recover", head, ed(first + 1), "key-2", document)
    document = serviced(head, f"{kind}{len(sent)}")
    if kind == "fork":
        return op(
            "update",
            head,
            ed(first),
            "key-1",
            document,
            seq=head.seq,
            previous=head.operation.previous,
        )
    if kind == "gap":
        return op("update", head, ed(first), "key-1", document, seq=head.seq + 2)
    signer = ed(9) if kind == "foreign" else ed(first)
    return op("update", head, signer, "key-1", document)


@settings(
    max_examples=12,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(moves=MOVES)
def test_case_63_backends_agree(guard: NetworkGuard, moves: list[tuple[str, int]]) -> None:
    """A random stream of valid and invalid operations on memory, SQLite and the BIF node:
    the same version or the same error class at every step, the same histories at the end.
    The long-running state machine over memory and SQLite: test_registry_state_machine.py."""
    with tempfile.TemporaryDirectory() as directory, contextlib.ExitStack() as stack:
        opened: list[Any] = []
        stack.callback(lambda: [item.close() for item in reversed(opened)])
        backends = [
            _open_backend(kind, Clock(step=timedelta(0)), Path(directory), guard, opened)
            for kind in ("memory", "sqlite", "bif")
        ]
        reference = backends[0].registry
        assert isinstance(reference, MemoryRegistry)
        sent: list[Operation] = []
        for kind, k in moves:
            try:
                operation = _move(reference, kind, k, sent)
            except BidError:
                continue  # a move that cannot be built from this state
            outcomes: list[Version | type[BidError]] = []
            for backend in backends:
                try:
                    outcomes.append(backend.registry.submit(operation))
                except BidError as exc:
                    outcomes.append(type(exc))
            assert outcomes[1:] == outcomes[:1] * 2, (kind, outcomes)
            sent.append(operation)
        for did in {str(ed(1 + 3 * k).bid()) for k in (0, 1)}:
            histories = [backend.registry.history(did) for backend in backends]
            assert histories[1:] == histories[:1] * 2
