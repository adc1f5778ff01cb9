"""The public strategies of ``bid.strategies``: what they draw is valid, their arguments are
checked (``InvalidArgument``, when the strategy is made), ``st.from_type`` knows the
library's value types, and the module's surface follows Hypothesis's API style.

Properties of the values themselves (round trips, tampering) live beside the code they test
(test_properties.py, test_ddo.py, test_document.py); here each strategy is held to its
docstring. SM2 examples are few (each SM2 key costs ~3 ms), JSON-LD suites ~1 ms each.
"""

from __future__ import annotations

import inspect
import re
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.errors import InvalidArgument

import bid
import bid.strategies as strategies
from bid.credentials import check_credential, validity
from bid.ddo import BIDDocument
from bid.document import DIDDocument, VerificationMethod
from bid.keys import Ed25519PrivateKey, SM2PrivateKey
from bid.methods.bid import BidMethod, create_operation, new_document
from bid.methods.key import KeyMethod
from bid.registry import MemoryRegistry
from bid.resolver import MethodRouter
from bid.strategies import (
    bid_documents,
    bids,
    credentials,
    did_documents,
    did_urls,
    dids,
    ed25519_private_keys,
    presentations,
    private_keys,
    signed_credentials,
    sm2_private_keys,
    verification_methods,
)

FEW = settings(max_examples=10, deadline=None)
SOME = settings(max_examples=30, deadline=None)
UTC = timezone.utc
MOMENT = datetime(2031, 5, 17, 8, 30, tzinfo=UTC)
DI_SUITES = ("eddsa-jcs-2022", "eddsa-rdfc-2022", "Ed25519Signature2020")
ALL_SUITES = (*DI_SUITES, "jwt")
KEY_RESOLVER = MethodRouter([KeyMethod()])
# The module untyped, to pass arguments of the wrong type on purpose.
S: Any = strategies


def _codes(result: bid.VerificationResult) -> list[str]:
    return [error["code"] for error in result.errors]


# -- keys and identifiers ------------------------------------------------------------------------


@given(private_keys(key_types=["ed25519"]), st.binary(max_size=64))
@SOME
def test_private_keys_ed25519(key: bid.PrivateKey, message: bytes) -> None:
    assert isinstance(key, Ed25519PrivateKey)
    assert bid.parse_private_key(key.to_bif()) == key
    key.public_key.verify(key.sign(message), message)


@given(private_keys(key_types=["sm2"]), st.binary(max_size=64))
@FEW
def test_private_keys_sm2(key: bid.PrivateKey, message: bytes) -> None:
    assert isinstance(key, SM2PrivateKey)
    assert bid.parse_private_key(key.to_bif()) == key
    key.public_key.verify(key.sign(message), message)


@pytest.mark.parametrize("method", ["bid", "key", "other"])
@given(data=st.data())
@FEW
def test_dids_by_method(method: str, data: st.DataObject) -> None:
    did = data.draw(dids(methods=[method]))
    assert bid.DID.parse(str(did)) == did
    if method == "other":
        return
    assert did.method == method
    if method == "bid":
        assert bid.BID.parse(str(did)).did == did
    else:
        bid.Ed25519PublicKey.from_did_key(did)


@given(did_urls(dids=st.just(bid.DID.parse("did:example:abc"))))
@SOME
def test_did_urls_on_given_dids(url: bid.DIDURL) -> None:
    assert str(url.did) == "did:example:abc"
    assert bid.DIDURL.parse(str(url)) == url


@given(bids(key_types=["ed25519"], ac=st.just(None)))
@SOME
def test_bids_without_ac(value: bid.BID) -> None:
    assert value.ac is None
    assert value.type_letter == "e"
    assert bid.BID.parse(str(value)) == value


# -- verification methods and documents ---------------------------------------------------------


@pytest.mark.parametrize(
    "vm_type",
    ["Ed25519", "Ed25519VerificationKey2020", "JsonWebKey", "JsonWebKey2020", "Multikey"],
)
@given(key=ed25519_private_keys(), data=st.data())
@FEW
def test_verification_methods_hold_the_key(
    vm_type: str, key: Ed25519PrivateKey, data: st.DataObject
) -> None:
    controller = bid.DID.parse(key.did_key)
    method = data.draw(
        verification_methods(types=[vm_type], keys=st.just(key), controllers=st.just(controller))
    )
    assert isinstance(method, VerificationMethod)
    assert method.type == vm_type
    assert method.controller == str(controller)
    assert method.id.startswith(f"{controller}#")
    assert method.public_key() == key.public_key
    # The method is valid in its controller's document, and signs for it.
    document = DIDDocument.from_json(
        {"id": str(controller), "verificationMethod": [method.to_json()]}
    )
    assert document.find_verification_method(method.id) == method
    method.public_key().verify(key.sign(b"challenge"), b"challenge")


@given(verification_methods(types=["SM2"]))
@FEW
def test_verification_methods_sm2(method: VerificationMethod) -> None:
    assert method.type == "SM2"
    assert isinstance(method.public_key(), bid.SM2PublicKey)
    assert method.to_json()["publicKeyHex"] == method.public_key().to_bif()


@given(verification_methods(keys=ed25519_private_keys().map(lambda k: k.public_key)))
@SOME
def test_verification_methods_from_public_keys(method: VerificationMethod) -> None:
    assert method.type != "SM2"  # an Ed25519 key only goes where Ed25519 fits
    assert isinstance(method.public_key(), bid.Ed25519PublicKey)
    DIDDocument.from_json({"id": method.controller, "verificationMethod": [method.to_json()]})


@pytest.mark.parametrize("method", ["key", "bid"])
@given(data=st.data())
@FEW
def test_did_documents_by_method(method: str, data: st.DataObject) -> None:
    document = data.draw(did_documents(methods=[method]))
    assert document.did.method == method
    assert DIDDocument.from_json(document.to_json()) == document
    assert document.verification_methods("authentication")


@given(key=ed25519_private_keys(), data=st.data())
@FEW
def test_bid_documents_derive_from_the_given_key(
    key: Ed25519PrivateKey, data: st.DataObject
) -> None:
    document = data.draw(bid_documents(keys=st.just(key), services=False))
    assert BIDDocument.from_json(document.to_json()) == document
    assert document.bid.derives_from("ed25519", key.public_key.public_bytes())
    assert "service" not in document.to_json()


# -- credentials ---------------------------------------------------------------------------------


@pytest.mark.parametrize("version", ["2.0", "1.1"])
@given(data=st.data())
@SOME
def test_credentials_follow_the_data_model(version: str, data: st.DataObject) -> None:
    credential = data.draw(credentials(versions=[version], valid_at=MOMENT))
    assert check_credential(credential) == version
    valid_from, valid_until = validity(credential)
    assert valid_from is None or valid_from <= MOMENT
    assert valid_until is None or valid_until >= MOMENT
    if version == "1.1":
        assert valid_from is not None  # issuanceDate is required in 1.1
    assert "proof" not in credential


@pytest.mark.parametrize(
    "moment",
    [datetime(1, 1, 1, tzinfo=UTC), datetime(9999, 12, 31, 23, 59, tzinfo=UTC)],
    ids=["year-1", "year-9999"],
)
@given(data=st.data())
@FEW
def test_credentials_valid_at_the_ends_of_time(moment: datetime, data: st.DataObject) -> None:
    credential = data.draw(credentials(valid_at=moment))
    valid_from, valid_until = validity(credential)
    assert valid_from is None or valid_from <= moment
    assert valid_until is None or valid_until >= moment


@given(credentials(issuers=st.just(bid.DID.parse("did:example:issuer"))))
@SOME
def test_credentials_of_given_issuer(credential: dict[str, Any]) -> None:
    issuer = credential["issuer"]
    assert (issuer if isinstance(issuer, str) else issuer["id"]) == "did:example:issuer"


@pytest.mark.parametrize("suite", ALL_SUITES)
@given(data=st.data())
@FEW
def test_signed_credentials_verify(suite: str, data: st.DataObject) -> None:
    signed = data.draw(signed_credentials(suites=[suite], valid_at=MOMENT))
    result = bid.verify_credential(signed, resolver=KEY_RESOLVER, now=MOMENT)
    assert result.verified, result.errors
    assert "proof" in result.checks
    if suite == "jwt":
        assert isinstance(signed, str)
    else:
        assert isinstance(signed, dict)
        proof = signed["proof"]
        assert proof.get("cryptosuite", proof["type"]) == suite
        # A changed claim breaks the signature: the credential is really signed.
        tampered = dict(signed)
        tampered["credentialSubject"] = {"id": "did:example:someone-else"}
        result = bid.verify_credential(tampered, resolver=KEY_RESOLVER, now=MOMENT)
        assert _codes(result) == ["invalidSignature"]  # checklist 22


@given(signed_credentials(suites=["eddsa-jcs-2022", "jwt"]))
@FEW
def test_signed_credentials_verify_offline_with_the_default_resolver(
    signed: dict[str, Any] | str,
) -> None:
    # Default validity window: valid at least from 2020 to 2080; did:key needs no registry.
    result = bid.verify_credential(signed, now=datetime(2050, 1, 1, tzinfo=UTC))
    assert result.verified, result.errors


@given(signed_credentials(suites=["eddsa-jcs-2022"], valid_at=MOMENT))
@FEW
def test_signed_credentials_fail_outside_their_period(signed: dict[str, Any] | str) -> None:
    # Checklist 39: the period drawn around valid_at is the one the verifier enforces.
    later = MOMENT + timedelta(days=36_500 + 1)  # beyond the latest end drawn
    earlier = MOMENT - timedelta(days=3_650 + 1)  # before the earliest start drawn
    assert isinstance(signed, dict)
    result = bid.verify_credential(signed, resolver=KEY_RESOLVER, now=later)
    if "validUntil" in signed or "expirationDate" in signed:
        assert _codes(result) == ["credentialExpired"]
    else:
        assert result.verified, result.errors
    result = bid.verify_credential(signed, resolver=KEY_RESOLVER, now=earlier)
    if "validFrom" in signed or "issuanceDate" in signed:
        assert _codes(result) == ["credentialNotYetValid"]
    else:
        assert result.verified, result.errors


def test_signed_credentials_by_a_did_bid_signer() -> None:
    key = Ed25519PrivateKey.from_seed(bytes([7]) * 32)
    registry = MemoryRegistry()
    document = new_document(key, now=MOMENT - timedelta(days=1))
    registry.submit(create_operation(document, key))
    resolver = MethodRouter([KeyMethod(), BidMethod(registry)])
    signer: tuple[bid.PrivateKey, str] = (key, f"{document.id}#key-1")

    @given(signed_credentials(signers=st.just(signer), suites=["eddsa-jcs-2022", "jwt"]))
    @FEW
    def check(signed: dict[str, Any] | str) -> None:
        result = bid.verify_credential(signed, resolver=resolver, now=MOMENT)
        assert result.verified, result.errors
        assert result.document is not None
        issuer = result.document["issuer"]
        assert (issuer if isinstance(issuer, str) else issuer["id"]) == document.id

    check()


@pytest.mark.parametrize("suite", ALL_SUITES)
@given(data=st.data())
@FEW
def test_presentations_verify_with_their_challenge(suite: str, data: st.DataObject) -> None:
    challenge = data.draw(st.text("abcdef0123456789", min_size=8, max_size=8))
    presented = st.lists(signed_credentials(suites=["eddsa-jcs-2022", "jwt"]), max_size=2)
    presentation = data.draw(
        presentations(
            suites=[suite],
            credentials=presented,
            challenges=st.just(challenge),
            domains=st.just("verifier.example"),
        )
    )
    result = bid.verify_presentation(
        presentation,
        resolver=KEY_RESOLVER,
        challenge=challenge,
        domain="verifier.example",
        now=MOMENT,
    )
    assert result.verified, (result.errors, [c.errors for c in result.credentials])
    assert all(c.verified for c in result.credentials)
    wrong = bid.verify_presentation(
        presentation, resolver=KEY_RESOLVER, challenge=challenge + "x", now=MOMENT
    )
    assert not wrong.verified
    assert "INVALID_CHALLENGE_ERROR" in _codes(wrong)  # checklist 41
    elsewhere = bid.verify_presentation(
        presentation, resolver=KEY_RESOLVER, domain="other.example", now=MOMENT
    )
    assert "INVALID_DOMAIN_ERROR" in _codes(elsewhere)


@given(presentations())
@FEW
def test_presentations_with_defaults_verify(presentation: dict[str, Any] | str) -> None:
    result = bid.verify_presentation(presentation, resolver=KEY_RESOLVER, now=MOMENT)
    assert result.verified, (result.errors, [c.errors for c in result.credentials])


# -- argument validation -------------------------------------------------------------------------

_BAD_ARGUMENTS: list[tuple[str, Callable[[], object], str]] = [
    ("key-types-unknown", lambda: S.private_keys(key_types=["rsa"]), "rsa"),
    ("key-types-empty", lambda: S.private_keys(key_types=[]), "non-empty"),
    ("key-types-str", lambda: S.private_keys(key_types="sm2"), "key_types='sm2'"),
    ("bids-ac-value", lambda: S.bids(ac="aa1c"), "ac='aa1c' must be a strategy"),
    ("dids-methods-unknown", lambda: S.dids(methods=["web"]), "web"),
    ("dids-methods-str", lambda: S.dids(methods="key"), "methods='key'"),
    ("did-urls-value", lambda: S.did_urls(dids=bid.DID.parse("did:a:b")), "dids="),
    ("vm-types-unknown", lambda: S.verification_methods(types=["RsaKey"]), "RsaKey"),
    ("vm-types-empty", lambda: S.verification_methods(types=()), "non-empty"),
    (
        "vm-keys-value",
        lambda: S.verification_methods(keys=Ed25519PrivateKey.from_seed(bytes(32))),
        "keys=",
    ),
    ("vm-controllers-value", lambda: S.verification_methods(controllers="did:a:b"), "controllers="),
    ("bid-docs-services", lambda: S.bid_documents(services=1), "services=1"),
    ("bid-docs-keys-value", lambda: S.bid_documents(keys=[]), "keys=[]"),
    ("did-docs-methods", lambda: S.did_documents(methods=["other"]), "other"),
    ("credentials-versions", lambda: S.credentials(versions=["3.0"]), "3.0"),
    ("credentials-issuers", lambda: S.credentials(issuers="did:a:b"), "issuers="),
    (
        "credentials-naive-time",
        lambda: S.credentials(valid_at=datetime(2030, 1, 1)),
        "timezone-aware",
    ),
    ("credentials-time-text", lambda: S.credentials(valid_at="2030"), "valid_at='2030'"),
    (
        "signed-suites",
        lambda: S.signed_credentials(suites=["RsaSignature2018"]),
        "RsaSignature2018",
    ),
    ("signed-suites-str", lambda: S.signed_credentials(suites="jwt"), "suites='jwt'"),
    ("signed-signers", lambda: S.signed_credentials(signers=("k", "m")), "signers="),
    ("signed-versions", lambda: S.signed_credentials(versions=["1.0"]), "1.0"),
    ("vp-suites", lambda: S.presentations(suites=[]), "non-empty"),
    ("vp-credentials", lambda: S.presentations(credentials=[]), "credentials=[]"),
    ("vp-challenges", lambda: S.presentations(challenges="abc"), "challenges='abc'"),
    ("vp-domains", lambda: S.presentations(domains="x.example"), "domains="),
]


@pytest.mark.parametrize(
    ("make", "message"),
    [(make, message) for _, make, message in _BAD_ARGUMENTS],
    ids=[name for name, _, _ in _BAD_ARGUMENTS],
)
def test_bad_arguments_are_refused_when_the_strategy_is_made(
    make: Callable[[], object], message: str
) -> None:
    # Eager: the call itself raises, before anything is drawn.
    with pytest.raises(InvalidArgument, match=re.escape(message)):
        make()


def _draw_once(strategy: st.SearchStrategy[Any]) -> None:
    @given(strategy)
    @settings(max_examples=1, database=None)
    def draw(value: object) -> None:
        raise AssertionError(f"drew {value!r}")

    draw()


@pytest.mark.parametrize(
    ("strategy", "message"),
    [
        (S.verification_methods(types=["Multikey"], keys=sm2_private_keys()), "no type"),
        (S.verification_methods(keys=st.just("z6Mk")), "not a key"),
        (S.verification_methods(controllers=st.just("did:a:b")), "not a DID"),
        (S.credentials(issuers=st.just("did:a:b")), "not a DID"),
        (
            signed_credentials(signers=sm2_private_keys().map(lambda k: (k, "did:a:b#k"))),
            "Ed25519 private key",
        ),
        (
            signed_credentials(signers=st.just((Ed25519PrivateKey.from_seed(bytes(32)), "x"))),
            "DID URL",
        ),
        (S.presentations(credentials=st.just(())), "not a list"),
        (S.bid_documents(keys=st.just("key")), "not a private key"),
    ],
    ids=[
        "sm2-key-for-multikey",
        "not-a-key",
        "controller-text",
        "issuer-text",
        "sm2-signer",
        "signer-without-fragment",
        "credentials-tuple",
        "bid-document-key-text",
    ],
)
def test_bad_draws_from_argument_strategies(strategy: st.SearchStrategy[Any], message: str) -> None:
    # What an argument strategy draws can only be checked when it is drawn.
    with pytest.raises(InvalidArgument, match=message):
        _draw_once(strategy)


def test_sm2_signers_are_refused_when_drawn_not_by_issue() -> None:
    # Without the check, bid.issue would raise Unsupported from inside the strategy.
    with pytest.raises(InvalidArgument):
        _draw_once(
            presentations(signers=sm2_private_keys().map(lambda k: (k, f"{k.bid().did}#key-1")))
        )


# -- st.from_type ------------------------------------------------------------------------------

REGISTERED: list[tuple[type[Any], Callable[[Any], object]]] = [
    (bid.DID, lambda v: bid.DID.parse(str(v))),
    (bid.DIDURL, lambda v: bid.DIDURL.parse(str(v))),
    (bid.BID, lambda v: bid.BID.parse(str(v))),
    (bid.Ed25519PrivateKey, lambda v: bid.parse_private_key(v.to_bif())),
    (bid.SM2PrivateKey, lambda v: bid.parse_private_key(v.to_bif())),
    (bid.Ed25519PublicKey, lambda v: bid.parse_public_key(v.to_bif())),
    (bid.SM2PublicKey, lambda v: bid.parse_public_key(v.to_bif())),
    (VerificationMethod, lambda v: v.public_key()),
    (DIDDocument, lambda v: DIDDocument.from_json(v.to_json())),
    (BIDDocument, lambda v: BIDDocument.from_json(v.to_json())),
]


@pytest.mark.parametrize(("cls", "check"), REGISTERED, ids=[cls.__name__ for cls, _ in REGISTERED])
@given(data=st.data())
@settings(max_examples=5, deadline=None)
def test_from_type(cls: type[Any], check: Callable[[Any], object], data: st.DataObject) -> None:
    value = data.draw(st.from_type(cls))
    assert type(value) is cls
    check(value)


@given(st.from_type(bid.PrivateKey), st.from_type(bid.PublicKey))  # type: ignore[arg-type]
@settings(max_examples=5, deadline=None)
def test_from_type_of_the_key_unions(private: object, public: object) -> None:
    assert isinstance(private, Ed25519PrivateKey | SM2PrivateKey)
    assert isinstance(public, bid.Ed25519PublicKey | bid.SM2PublicKey)


# -- the module's surface ------------------------------------------------------------------------


def test_all_is_sorted_and_complete() -> None:
    names = strategies.__all__
    assert names == sorted(names)
    defined = {
        name
        for name, value in vars(strategies).items()
        if inspect.isfunction(value)
        and value.__module__ == strategies.__name__
        and not name.startswith("_")
    }
    assert set(names) == defined


@pytest.mark.parametrize("name", strategies.__all__)
def test_every_name_is_a_documented_strategy_function(name: str) -> None:
    function = getattr(strategies, name)
    parameters = inspect.signature(function).parameters.values()
    assert all(p.kind is inspect.Parameter.KEYWORD_ONLY for p in parameters)
    assert all(p.default is not inspect.Parameter.empty for p in parameters)
    assert isinstance(function(), st.SearchStrategy)
    assert "Example::" in (function.__doc__ or "")
