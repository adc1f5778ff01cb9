"""Credentials and presentations: the W3C vectors, every suite end to end with did:key and
did:bid issuers, and the adversarial cases of security.md checklist parts C and D."""

from __future__ import annotations

import copy
import json
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import bid
from bid import data_integrity as di
from bid._codec import b58decode_btc, b58encode_btc
from bid.credentials import check_credential, check_presentation, parse
from bid.document import DIDDocument
from bid.errors import InvalidCredential, MalformedProof, ProofVerificationError, Unsupported
from bid.keys import Ed25519PrivateKey, SM2PrivateKey
from bid.methods.bid import BidMethod, create_operation, new_document
from bid.methods.key import KeyMethod
from bid.registry import MemoryRegistry
from bid.resolver import MethodRouter, Resolver, StaticResolver
from bid.vc import (
    MemoryChallengeStore,
    VerificationResult,
    issue,
    present,
    verify_credential,
    verify_presentation,
)

VECTORS = json.loads((Path(__file__).parent / "vectors" / "w3c-vectors.json").read_text())
EDDSA = VECTORS["vc_di_eddsa"]
VECTOR_KEY = Ed25519PrivateKey.from_seed(bytes.fromhex(EDDSA["key_pair"]["secret_seed_hex"]))
CREATED = datetime(2023, 2, 24, 23, 36, 38, tzinfo=timezone.utc)
NOW = datetime(2025, 6, 1, tzinfo=timezone.utc)
V2 = "https://www.w3.org/ns/credentials/v2"
V1 = "https://www.w3.org/2018/credentials/v1"
LD_SUITES = ("eddsa-jcs-2022", "eddsa-rdfc-2022", "Ed25519Signature2020")
# VC 1.1 credentials need their terms defined: an application context, given to both sides.
# (The 1.1 examples context pulls in the ODRL context, which is not bundled.)
DIPLOMA_CONTEXT = "https://university.example/contexts/diploma/v1"
EXTRA: dict[str, Any] = {
    DIPLOMA_CONTEXT: {
        "@context": {
            "@version": 1.1,
            "@protected": True,
            "UniversityDegreeCredential": "https://university.example/vocab#UniversityDegreeCredential",
            "BachelorDegree": "https://university.example/vocab#BachelorDegree",
            "degree": "https://university.example/vocab#degree",
            "name": "https://schema.org/name",
        }
    }
}


def codes(result: VerificationResult) -> list[str]:
    return [error["code"] for error in result.errors]


class Issuer:
    """A key, its DID and verification method, and a resolver that knows it."""

    def __init__(self, key: Ed25519PrivateKey, did: str, method: str, resolver: Resolver) -> None:
        self.key, self.did, self.method, self.resolver = key, did, method, resolver


def did_key_issuer(seed: int = 1) -> Issuer:
    key = Ed25519PrivateKey.from_seed(bytes([seed]) * 32)
    did = key.public_key.did_key
    return Issuer(key, did, f"{did}#{did.split(':')[-1]}", MethodRouter([KeyMethod()]))


def did_bid_issuer(seed: int = 2, registry: MemoryRegistry | None = None) -> Issuer:
    key = Ed25519PrivateKey.from_seed(bytes([seed]) * 32)
    registry = registry or MemoryRegistry()
    document = new_document(key, now=NOW - timedelta(days=30))
    registry.submit(create_operation(document, key))
    resolver = MethodRouter([KeyMethod(), BidMethod(registry)])
    return Issuer(key, document.id, f"{document.id}#key-1", resolver)


def credential(issuer: str, version: str = "2.0", **members: Any) -> dict[str, Any]:
    if version == "2.0":
        base: dict[str, Any] = {
            "@context": [V2, "https://www.w3.org/ns/credentials/examples/v2"],
            "id": "urn:uuid:3978344f-8596-4c3a-a978-8fcaba3903c5",
            "type": ["VerifiableCredential", "AlumniCredential"],
            "issuer": issuer,
            "validFrom": "2024-01-01T00:00:00Z",
            "credentialSubject": {"id": "did:example:alice", "alumniOf": "Example University"},
        }
    else:
        base = {
            "@context": [V1, DIPLOMA_CONTEXT],
            "id": "urn:uuid:3978344f-8596-4c3a-a978-8fcaba3903c5",
            "type": ["VerifiableCredential", "UniversityDegreeCredential"],
            "issuer": issuer,
            "issuanceDate": "2024-01-01T00:00:00Z",
            "credentialSubject": {
                "id": "did:example:alice",
                "degree": {"type": "BachelorDegree", "name": "Bachelor of Science"},
            },
        }
    base.update(members)
    return base


# -- the W3C vectors ------------------------------------------------------------------------------


def test_eddsa_jcs_2022_vector_byte_for_byte() -> None:
    vector = EDDSA["eddsa-jcs-2022"]
    signed = di.add_proof(
        EDDSA["unsigned_credential"]["document"],
        VECTOR_KEY,
        suite="eddsa-jcs-2022",
        verification_method=vector["proof_options"]["verificationMethod"],
        created=CREATED,
    )
    assert signed == vector["signed_credential"]
    assert json.dumps(signed["proof"]) == json.dumps(vector["signed_credential"]["proof"])
    unsecured = EDDSA["unsigned_credential"]["document"]
    digest = di.hash_data(unsecured, vector["proof_options"], "eddsa-jcs-2022")
    assert digest.hex() == vector["hash_data_hex"]
    proof = di.Proof.parse(signed["proof"])
    di.verify_proof(signed, proof, VECTOR_KEY.public_key)


@pytest.mark.parametrize("suite", ["eddsa-rdfc-2022", "Ed25519Signature2020"])
def test_rdfc_vectors_byte_for_byte(suite: str) -> None:
    vector = EDDSA[suite]
    unsigned = copy.deepcopy(EDDSA["unsigned_credential"]["document"])
    unsigned["@context"] = vector["signed_credential"]["@context"]
    signed = di.add_proof(
        unsigned,
        VECTOR_KEY,
        suite=suite,
        verification_method=vector["proof_options"]["verificationMethod"],
        created=CREATED,
    )
    assert signed == vector["signed_credential"]
    options = {k: v for k, v in vector["proof_options"].items() if k != "@context"}
    assert di.hash_data(unsigned, options, suite).hex() == vector["hash_data_hex"]
    di.verify_proof(signed, di.Proof.parse(signed["proof"]), VECTOR_KEY.public_key)


def test_vector_issuer_is_not_the_signer() -> None:
    # The W3C vector's issuer is an https URL while a did:key signs: the proof checks out,
    # but a verifier must refuse the issuer binding (vp-toolkit GHSA-p94w-42g3-f7h4).
    signed = EDDSA["eddsa-jcs-2022"]["signed_credential"]
    result = verify_credential(signed, resolver=MethodRouter([KeyMethod()]), now=NOW)
    assert not result.verified
    assert codes(result) == ["issuerMismatch"]


# -- every suite end to end -----------------------------------------------------------------------


@pytest.fixture(params=["did:key", "did:bid"])
def issuer(request: pytest.FixtureRequest) -> Issuer:
    return did_key_issuer() if request.param == "did:key" else did_bid_issuer()


@pytest.mark.parametrize("suite", [*LD_SUITES, "jwt"])
@pytest.mark.parametrize("version", ["2.0", "1.1"])
def test_issue_and_verify(issuer: Issuer, suite: str, version: str) -> None:
    unsigned = credential(issuer.did, version)
    signed = issue(
        unsigned, issuer.key, verification_method=issuer.method, suite=suite, extra_contexts=EXTRA
    )
    assert unsigned == credential(issuer.did, version)  # the input is not changed
    result = verify_credential(signed, resolver=issuer.resolver, now=NOW, extra_contexts=EXTRA)
    assert result.verified, result.errors
    assert "proof" in result.checks
    assert "validity" in result.checks
    assert result.document is not None
    assert result.document["credentialSubject"]["id"] == "did:example:alice"


def test_default_suite_is_eddsa_jcs_2022() -> None:
    issuer = did_key_issuer()
    signed = issue(credential(issuer.did), issuer.key, verification_method=issuer.method)
    assert isinstance(signed, dict)
    assert signed["proof"]["cryptosuite"] == "eddsa-jcs-2022"
    # did:key resolves offline: the default resolver needs no registry for it.
    assert verify_credential(signed, now=NOW).verified


def test_sm2_issuers_are_refused() -> None:
    key = SM2PrivateKey.from_bytes(bytes(range(1, 33)))
    did = str(key.bid())
    for suite in ("eddsa-jcs-2022", "jwt"):
        with pytest.raises(Unsupported, match="SM2"):
            issue(credential(did), key, verification_method=f"{did}#key-1", suite=suite)


# -- checklist part C: Data Integrity proofs ------------------------------------------------------


@pytest.fixture
def signed() -> tuple[Issuer, dict[str, Any]]:
    issuer = did_key_issuer()
    document = issue(credential(issuer.did), issuer.key, verification_method=issuer.method)
    assert isinstance(document, dict)
    return issuer, document


def mutate(document: dict[str, Any], path: tuple[Any, ...], value: Any) -> dict[str, Any]:
    changed = copy.deepcopy(document)
    target = changed
    for step in path[:-1]:
        target = target[step]
    if value is ...:
        del target[path[-1]]
    else:
        target[path[-1]] = value
    return changed


@pytest.mark.parametrize(
    ("path", "value", "code"),
    [
        (("proof",), ..., "MALFORMED_PROOF_ERROR"),  # 23
        (("proof",), None, "MALFORMED_PROOF_ERROR"),
        (("proof",), "z3abc", "MALFORMED_PROOF_ERROR"),
        (("proof", "type"), ..., "PROOF_VERIFICATION_ERROR"),  # 24
        (("proof", "verificationMethod"), ..., "PROOF_VERIFICATION_ERROR"),
        (("proof", "proofPurpose"), ..., "PROOF_VERIFICATION_ERROR"),
        (("proof", "type"), "Ed25519Signature2018", "PROOF_VERIFICATION_ERROR"),  # 25
        (("proof", "cryptosuite"), "eddsa-2022", "PROOF_VERIFICATION_ERROR"),
        (("proof", "cryptosuite"), "EDDSA-JCS-2022", "PROOF_VERIFICATION_ERROR"),
        (("proof", "cryptosuite"), "ecdsa-rdfc-2019", "PROOF_VERIFICATION_ERROR"),
        (("proof", "proofValue"), ..., "MALFORMED_PROOF_ERROR"),  # 26
        (("proof", "proofValue"), None, "MALFORMED_PROOF_ERROR"),
        (("proof", "proofValue"), "uAAAA", "MALFORMED_PROOF_ERROR"),
        (("proof", "proofValue"), "z" + "1" * 200, "MALFORMED_PROOF_ERROR"),
        (("proof", "proofPurpose"), "authentication", "PROOF_VERIFICATION_ERROR"),  # 27
        (("proof", "created"), "2024-01-01", "PROOF_VERIFICATION_ERROR"),  # 38
        (("proof", "expires"), "2020-01-01T00:00:00Z", "PROOF_VERIFICATION_ERROR"),
        (
            ("proof", "verificationMethod"),
            "https://example.com/key",
            "INVALID_VERIFICATION_METHOD_URL",
        ),
        (("credentialSubject", "alumniOf"), "Evil University", "invalidSignature"),  # 22
        (("proof", "created"), "2024-01-01T00:00:01Z", "invalidSignature"),
    ],
)
def test_proof_refusals(
    signed: tuple[Issuer, dict[str, Any]], path: tuple[Any, ...], value: Any, code: str
) -> None:
    issuer, document = signed
    result = verify_credential(mutate(document, path, value), resolver=issuer.resolver, now=NOW)
    assert not result.verified
    assert code in codes(result)


def test_a_proof_value_of_the_wrong_length(signed: tuple[Issuer, dict[str, Any]]) -> None:
    issuer, document = signed
    raw = b58decode_btc(document["proof"]["proofValue"][1:])
    longer = "z" + b58encode_btc(raw + bytes(32))
    result = verify_credential(
        mutate(document, ("proof", "proofValue"), longer), resolver=issuer.resolver, now=NOW
    )
    assert codes(result) == ["MALFORMED_PROOF_ERROR"]


def test_a_key_of_another_did_is_not_the_issuers() -> None:
    issuer = did_key_issuer()
    other = did_key_issuer(3)
    forged = issue(credential(issuer.did), other.key, verification_method=other.method)
    result = verify_credential(forged, resolver=issuer.resolver, now=NOW)
    assert codes(result) == ["issuerMismatch"]  # 28


def _document(did: str, key: Ed25519PrivateKey, **relationships: list[str]) -> DIDDocument:
    return DIDDocument.from_json(
        {
            "@context": ["https://www.w3.org/ns/did/v1", "https://w3id.org/security/multikey/v1"],
            "id": did,
            "verificationMethod": [
                {
                    "id": f"{did}#k",
                    "type": "Multikey",
                    "controller": did,
                    "publicKeyMultibase": key.public_key.multikey,
                }
            ],
            **relationships,
        }
    )


def test_a_method_listed_only_for_authentication() -> None:
    key = Ed25519PrivateKey.from_seed(bytes([4]) * 32)
    did = "did:example:issuer4"
    resolver = StaticResolver([_document(did, key, authentication=[f"{did}#k"])])
    signed = issue(credential(did), key, verification_method=f"{did}#k")
    result = verify_credential(signed, resolver=resolver, now=NOW)
    assert codes(result) == ["INVALID_RELATIONSHIP_FOR_VERIFICATION_METHOD"]  # 27
    resolver = StaticResolver([_document(did, key, assertionMethod=[f"{did}#k"])])
    assert verify_credential(signed, resolver=resolver, now=NOW).verified


def test_a_document_about_another_did_or_a_missing_method() -> None:
    key = Ed25519PrivateKey.from_seed(bytes([5]) * 32)
    did = "did:example:issuer5"
    signed = issue(credential(did), key, verification_method=f"{did}#missing")
    resolver = StaticResolver([_document(did, key, assertionMethod=[f"{did}#k"])])
    assert codes(verify_credential(signed, resolver=resolver, now=NOW)) == [
        "INVALID_VERIFICATION_METHOD"
    ]
    nobody = verify_credential(signed, resolver=StaticResolver([]), now=NOW)
    assert codes(nobody) == ["notFound"]  # could not check: not verified


def test_jcs_proof_context_must_prefix_the_document_context(
    signed: tuple[Issuer, dict[str, Any]],
) -> None:
    issuer, document = signed
    reordered = mutate(document, ("@context",), list(reversed(document["@context"])))
    result = verify_credential(reordered, resolver=issuer.resolver, now=NOW)
    assert not result.verified  # 30 (and the model check: the base context is not first)
    moved = copy.deepcopy(document)
    moved["@context"] = [V2]
    moved["proof"]["@context"] = [V2, "https://www.w3.org/ns/credentials/examples/v2"]
    assert "PROOF_VERIFICATION_ERROR" in codes(
        verify_credential(moved, resolver=issuer.resolver, now=NOW)
    )


@pytest.mark.parametrize("suite", ["eddsa-rdfc-2022", "Ed25519Signature2020"])
def test_undefined_terms_are_refused_on_sign_and_verify(suite: str) -> None:
    issuer = did_key_issuer()
    unsigned = credential(issuer.did, "1.1")  # credentials/v1 has no @vocab
    unsigned["credentialSubject"]["undefinedTerm"] = "IfDroppedWillVerify"
    options: dict[str, Any] = {"suite": suite, "extra_contexts": EXTRA}
    with pytest.raises(bid.DataLossDetected):  # 31, on sign
        issue(unsigned, issuer.key, verification_method=issuer.method, **options)
    clean = issue(
        credential(issuer.did, "1.1"), issuer.key, verification_method=issuer.method, **options
    )
    assert isinstance(clean, dict)
    clean["credentialSubject"]["undefinedTerm"] = "IfDroppedWillVerify"
    result = verify_credential(clean, resolver=issuer.resolver, now=NOW, extra_contexts=EXTRA)
    assert "DATA_LOSS_DETECTION_ERROR" in codes(result)  # 31, on verify


def test_inline_contexts_and_unknown_contexts_are_refused() -> None:
    issuer = did_key_issuer()
    for extra in ({"@vocab": "https://evil.example/#"}, "https://evil.example/context"):
        unsigned = credential(issuer.did, "1.1")
        unsigned["@context"] = [V1, extra]
        with pytest.raises(bid.ContextNotAllowed):  # 33, and nothing is fetched
            issue(
                unsigned,
                issuer.key,
                verification_method=issuer.method,
                suite="eddsa-rdfc-2022",
                extra_contexts=EXTRA,
            )


def test_proof_sets_and_chains(signed: tuple[Issuer, dict[str, Any]]) -> None:
    issuer, document = signed
    first = issue(
        {k: v for k, v in document.items() if k != "proof"},
        issuer.key,
        verification_method=issuer.method,
        proof_id="urn:proof:1",
    )
    assert isinstance(first, dict)
    chained = issue(
        first,
        issuer.key,
        verification_method=issuer.method,
        proof_id="urn:proof:2",
        previous_proof="urn:proof:1",
    )
    assert isinstance(chained, dict)
    assert len(chained["proof"]) == 2
    assert verify_credential(chained, resolver=issuer.resolver, now=NOW).verified
    # 37: a chain naming a missing proof, or one bad proof in the set
    broken = copy.deepcopy(chained)
    broken["proof"][1]["previousProof"] = "urn:proof:9"
    assert not verify_credential(broken, resolver=issuer.resolver, now=NOW).verified
    bad = copy.deepcopy(chained)
    bad["proof"][0]["proofValue"] = chained["proof"][1]["proofValue"]
    result = verify_credential(bad, resolver=issuer.resolver, now=NOW)
    # Both fail: the first is forged, and the second signed the first as it was.
    assert codes(result) == ["invalidSignature", "invalidSignature"]
    # Removing the first proof breaks the chain of the second.
    alone = copy.deepcopy(chained)
    alone["proof"] = [chained["proof"][1]]
    assert not verify_credential(alone, resolver=issuer.resolver, now=NOW).verified


# -- a property: any change to a signed credential is caught --------------------------------------


def _paths(value: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    found = [prefix] if prefix else []
    if isinstance(value, dict):
        for key, item in value.items():
            if prefix == () and key == "proof":
                found.extend(
                    p for p in _paths(item, ("proof",)) if p != ("proof",) and p[-1] != "proofValue"
                )
            else:
                found.extend(_paths(item, (*prefix, key)))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            found.extend(_paths(item, (*prefix, index)))
    return found


_ISSUER = did_key_issuer(7)
_SIGNED = issue(
    credential(
        _ISSUER.did, evidence=[{"type": ["Evidence"], "note": "a"}, {"type": "Evidence", "n": 2}]
    ),
    _ISSUER.key,
    verification_method=_ISSUER.method,
)


@settings(max_examples=150, suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(data=st.data())
def test_any_change_to_a_jcs_credential_fails(data: st.DataObject) -> None:
    assert isinstance(_SIGNED, dict)
    path = data.draw(st.sampled_from(_paths(_SIGNED)))
    changed = copy.deepcopy(_SIGNED)
    parent = changed
    for step in path[:-1]:
        parent = parent[step]
    current = parent[path[-1]]
    kind = data.draw(st.sampled_from(["value", "key", "order"]))
    if kind == "order" and isinstance(current, list) and len(current) > 1:
        parent[path[-1]] = current[1:] + current[:1]
    elif kind == "key" and isinstance(parent, dict):
        parent[str(path[-1]) + "x"] = parent.pop(path[-1])
    else:
        replacement: Any = data.draw(st.one_of(st.integers(), st.text(max_size=5), st.none()))
        if replacement == current:
            replacement = [current]
        parent[path[-1]] = replacement
    result = verify_credential(changed, resolver=_ISSUER.resolver, now=NOW)
    assert not result.verified


# -- checklist part D: credential and presentation semantics --------------------------------------


@pytest.mark.parametrize(
    ("members", "now", "code"),
    [
        ({"validUntil": "2024-06-01T00:00:00Z"}, NOW, "credentialExpired"),
        ({"validFrom": "2030-01-01T00:00:00Z"}, NOW, "credentialNotYetValid"),
    ],
)
def test_validity_window(members: dict[str, str], now: datetime, code: str) -> None:
    issuer = did_key_issuer()
    signed = issue(credential(issuer.did, **members), issuer.key, verification_method=issuer.method)
    result = verify_credential(signed, resolver=issuer.resolver, now=now)
    assert codes(result) == [code]


@pytest.mark.parametrize(
    "change",
    [
        {"@context": ["https://www.w3.org/ns/credentials/examples/v2", V2]},
        {"@context": []},
        {"type": ["AlumniCredential"]},
        {"credentialSubject": {}},
        {"credentialSubject": []},
        {"issuer": None},
        {"issuer": "not a url"},
        {"issuer": {"name": "no id"}},
        {"validFrom": "2024-01-01"},
        {"validFrom": "2025-01-01T00:00:00Z", "validUntil": "2024-01-01T00:00:00Z"},
        {"credentialStatus": {"id": "https://example.com/status/1"}},
        {"credentialSchema": {"type": "JsonSchema"}},
        {"name": {"@value": "x", "@lang": "en"}},
        {"id": "not a url"},
    ],
)
def test_model_refusals(change: dict[str, Any]) -> None:
    document = {**credential("did:example:issuer"), **change}
    with pytest.raises(InvalidCredential):
        check_credential(document)
    result = verify_credential(document, resolver=MethodRouter([KeyMethod()]), now=NOW)
    assert codes(result) == ["invalidCredential"]


def test_strict_json_is_refused_before_canonicalization() -> None:
    with pytest.raises(bid.ParseError):
        parse('{"issuer": "a", "issuer": "b"}')
    with pytest.raises(bid.ParseError):
        parse('{"n": NaN}')
    with pytest.raises(InvalidCredential):
        check_credential(credential("did:example:x", credentialSubject={"n": 2**53 + 1}))


# -- presentations --------------------------------------------------------------------------------


@pytest.fixture
def holder() -> Issuer:
    return did_key_issuer(9)


def test_present_and_verify_with_challenge_and_domain(holder: Issuer, issuer: Issuer) -> None:
    store = MemoryChallengeStore()
    challenge = store.issue()
    vc = issue(credential(issuer.did), issuer.key, verification_method=issuer.method)
    vc_jwt = issue(
        credential(issuer.did), issuer.key, verification_method=issuer.method, suite="jwt"
    )
    vp = present(
        [vc, vc_jwt],
        holder.key,
        holder=holder.did,
        verification_method=holder.method,
        challenge=challenge,
        domain="verifier.example",
    )
    resolver = issuer.resolver  # knows did:key (the holder) and the issuer's method
    result = verify_presentation(
        vp, resolver=resolver, challenge_store=store, domain="verifier.example", now=NOW
    )
    assert result.verified, (result.errors, [c.errors for c in result.credentials])
    assert len(result.credentials) == 2
    # 42: the same presentation again: the challenge was used
    again = verify_presentation(vp, resolver=resolver, challenge_store=store, now=NOW)
    assert codes(again) == ["replayDetected"]


def test_vp_with_good_credentials_but_a_wrong_challenge_is_not_verified(holder: Issuer) -> None:
    # 41: ACA-Py CVE-2024-21669: every sub-result feeds the one verdict.
    issuer = did_key_issuer()
    vc = issue(credential(issuer.did), issuer.key, verification_method=issuer.method)
    vp = present(
        [vc],
        holder.key,
        holder=holder.did,
        verification_method=holder.method,
        challenge="abc",
        domain="d",
    )
    result = verify_presentation(vp, resolver=holder.resolver, challenge="xyz", domain="d", now=NOW)
    assert all(c.verified for c in result.credentials)
    assert not result.verified
    assert codes(result) == ["INVALID_CHALLENGE_ERROR"]
    wrong_domain = verify_presentation(
        vp, resolver=holder.resolver, challenge="abc", domain="e", now=NOW
    )
    assert codes(wrong_domain) == ["INVALID_DOMAIN_ERROR"]


def test_vp_signed_by_someone_else_than_the_holder(holder: Issuer) -> None:
    other = did_key_issuer(10)
    vp = present([], other.key, holder=holder.did, verification_method=other.method)
    result = verify_presentation(vp, resolver=holder.resolver, now=NOW)
    assert codes(result) == ["holderMismatch"]  # 43


def test_vp_with_a_bad_credential_is_not_verified(holder: Issuer) -> None:
    issuer = did_key_issuer()
    vc = issue(credential(issuer.did), issuer.key, verification_method=issuer.method)
    assert isinstance(vc, dict)
    vc["credentialSubject"]["alumniOf"] = "Forged"
    vp = present(
        [vc], holder.key, holder=holder.did, verification_method=holder.method, challenge="c"
    )
    result = verify_presentation(vp, resolver=holder.resolver, challenge="c", now=NOW)
    assert not result.verified
    assert codes(result.credentials[0]) == ["invalidSignature"]


def test_presentation_model_refusals() -> None:
    for change in (
        {"verifiableCredential": ["eyJ..."]},
        {"type": ["Presentation"]},
        {"holder": "x y"},
    ):
        document = {"@context": [V2], "type": ["VerifiablePresentation"], **change}
        with pytest.raises(InvalidCredential):
            check_presentation(document)


@pytest.mark.parametrize("suite", ["jwt", "eddsa-rdfc-2022"])
def test_presentations_in_other_suites(holder: Issuer, suite: str) -> None:
    issuer = did_key_issuer()
    vc = issue(credential(issuer.did), issuer.key, verification_method=issuer.method, suite=suite)
    vp = present(
        [vc],
        holder.key,
        holder=holder.did,
        verification_method=holder.method,
        challenge="n1",
        domain="aud",
        suite=suite,
    )
    result = verify_presentation(
        vp, resolver=holder.resolver, challenge="n1", domain="aud", now=NOW
    )
    assert result.verified, (result.errors, [c.errors for c in result.credentials])
    bad = verify_presentation(vp, resolver=holder.resolver, challenge="n2", now=NOW)
    assert codes(bad) == ["INVALID_CHALLENGE_ERROR"]


def test_challenge_store_expiry() -> None:
    now = [0.0]
    store = MemoryChallengeStore(ttl=5, clock=lambda: now[0])
    fresh, stale = store.issue(), store.issue()
    now[0] = 4.0
    assert store.consume(fresh)
    assert not store.consume(fresh)  # single use
    now[0] = 5.0
    assert not store.consume(stale)  # expired
    assert not store.consume("never issued")


def test_verification_never_raises_for_bad_data() -> None:
    resolver = MethodRouter([KeyMethod()])
    values: list[Any] = ["not.a.jwt", "", "a.b.c", b"{}", 42, None, [], {"proof": {}}]
    for value in values:
        result = verify_credential(value, resolver=resolver, now=NOW)
        assert not result.verified
        assert result.errors


def test_the_proof_layer_alone_rejects_garbage() -> None:
    with pytest.raises(MalformedProof):
        di.proofs_of({"proof": "z123"})
    with pytest.raises(ProofVerificationError):
        di.Proof.parse({"type": "DataIntegrityProof", "cryptosuite": "eddsa-jcs-2022"})


# -- checklist part E through the credential API (the JOSE layer has its own tests) -------------


def test_a_jwt_whose_kid_belongs_to_another_did_than_iss() -> None:
    issuer, other = did_key_issuer(), did_key_issuer(11)
    token = issue(credential(issuer.did), other.key, verification_method=other.method, suite="jwt")
    result = verify_credential(token, resolver=issuer.resolver, now=NOW)
    assert codes(result) == ["issuerMismatch"]  # 45


def test_a_jwt_kid_must_be_an_assertion_method_and_absolute() -> None:
    issuer = did_key_issuer()
    relative = issue(credential(issuer.did), issuer.key, verification_method="#x", suite="jwt")
    result = verify_credential(relative, resolver=issuer.resolver, now=NOW)
    assert codes(result) == ["INVALID_VERIFICATION_METHOD_URL"]


def test_an_expired_jwt_credential() -> None:
    issuer = did_key_issuer()
    token = issue(
        credential(issuer.did, validUntil="2024-06-01T00:00:00Z"),
        issuer.key,
        verification_method=issuer.method,
        suite="jwt",
    )
    assert codes(verify_credential(token, resolver=issuer.resolver, now=NOW)) == [
        "credentialExpired"
    ]  # 46


def test_an_object_carrying_a_jwt_as_its_proof_is_not_trusted() -> None:
    # 48 (agentcommercekit/ack#108): checks must run on the signed payload, never on an
    # outer object that merely carries a valid JWT.
    issuer = did_key_issuer()
    token = issue(
        credential(issuer.did), issuer.key, verification_method=issuer.method, suite="jwt"
    )
    outer = credential(issuer.did)
    outer["credentialSubject"]["alumniOf"] = "Forged University"
    outer["proof"] = {"type": "JsonWebSignature2020", "jwt": token}
    result = verify_credential(outer, resolver=issuer.resolver, now=NOW)
    assert not result.verified
    assert codes(result) == ["PROOF_VERIFICATION_ERROR"]


class _Lying:
    """A resolver that answers every DID with one fixed document (a hostile resolver)."""

    def __init__(self, document: DIDDocument) -> None:
        self.document = document

    def resolve(self, did: str, options: Any = None) -> bid.resolver.ResolutionResult:
        return bid.resolver.ResolutionResult.success(self.document, {})


def test_a_document_about_another_did_or_a_method_of_another_controller() -> None:
    # 29: Controlled Identifiers 1.0, "Retrieve Verification Method".
    key = Ed25519PrivateKey.from_seed(bytes([6]) * 32)
    did, other = "did:example:issuer6", "did:example:someone-else"
    signed = issue(credential(did), key, verification_method=f"{did}#k")
    about_other = _document(other, key, assertionMethod=[f"{other}#k"])
    result = verify_credential(signed, resolver=_Lying(about_other), now=NOW)
    assert codes(result) == ["INVALID_CONTROLLED_IDENTIFIER_DOCUMENT_ID"]
    foreign_method = DIDDocument.from_json(
        {
            "@context": ["https://www.w3.org/ns/did/v1", "https://w3id.org/security/multikey/v1"],
            "id": did,
            "verificationMethod": [
                {
                    "id": f"{did}#k",
                    "type": "Multikey",
                    "controller": other,
                    "publicKeyMultibase": key.public_key.multikey,
                }
            ],
            "assertionMethod": [f"{did}#k"],
        }
    )
    result = verify_credential(signed, resolver=_Lying(foreign_method), now=NOW)
    assert codes(result) == ["INVALID_VERIFICATION_METHOD"]
