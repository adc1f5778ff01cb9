"""did:key resolution: KeyMethod and did_key_document, alone and behind a MethodRouter.

References: the did:key Method v0.7 (W3C CCG), "Document Creation Algorithm" and its test
vectors (``tests/vectors/w3c-vectors.json``, section ``did_key_ed25519``); DID Resolution
(RFC 9457 problem objects, standards-and-peers.md section 4); security.md sections 3.3 and
3.4 and checklist items A 5, A 11, B 12-14, B 17.
"""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest

import bid
from bid._codec import b58encode_btc, multibase_decode_z
from bid._json import JSONValue
from bid.document import DIDDocument, Relationship
from bid.methods.key import KeyMethod, did_key_document
from bid.resolver import MethodRouter, ResolutionResult, dereference, error_code

VECTORS_DIR = Path(__file__).parent / "vectors"
_DID_KEY: dict[str, Any] = json.loads(
    (VECTORS_DIR / "w3c-vectors.json").read_text(encoding="utf-8")
)["did_key_ed25519"]

DID_CONTEXT = "https://www.w3.org/ns/did/v1"
MULTIKEY_CONTEXT = "https://w3id.org/security/multikey/v1"
ED25519_2020_CONTEXT = "https://w3id.org/security/suites/ed25519-2020/v1"
X25519_2020_CONTEXT = "https://w3id.org/security/suites/x25519-2020/v1"
NS = "https://www.w3.org/ns/did#"
SIGNING_RELATIONSHIPS: tuple[Relationship, ...] = (
    "authentication",
    "assertionMethod",
    "capabilityInvocation",
    "capabilityDelegation",
)

# Every vector that names its X25519 key agreement key: the spec example and the seeds.
KEY_VECTORS: list[dict[str, Any]] = [_DID_KEY["spec_example"], *_DID_KEY["test_vectors_from_seed"]]
KEY_VECTOR_IDS = [v["did"][-8:] for v in KEY_VECTORS]
SPEC_DID = _DID_KEY["spec_example"]["did"]


def _did_key(data: bytes) -> str:
    """``did:key:z`` + base58btc of ``data`` (multicodec prefix included by the caller)."""
    return "did:key:z" + b58encode_btc(data)


def _resolvers() -> list[Any]:
    return [KeyMethod(), MethodRouter([KeyMethod()])]


RESOLVER_IDS = ["KeyMethod", "MethodRouter"]


def _ok(result: ResolutionResult) -> DIDDocument:
    assert result.error is None, result.did_resolution_metadata
    assert result.did_document is not None
    assert result.did_resolution_metadata["contentType"] == "application/did+ld+json"
    return result.did_document


def _assert_problem(result: ResolutionResult, code: str, suffix: str) -> None:
    """An error result: no document, ``error`` an RFC 9457 object for ``code``."""
    assert result.did_document is None
    assert result.error == code
    error = result.did_resolution_metadata["error"]
    assert isinstance(error, Mapping)
    assert error["type"] == NS + suffix
    assert isinstance(error["title"], str)
    assert error["title"]
    assert isinstance(error["detail"], str)
    assert error["detail"]
    assert error_code(error) == code
    assert "contentType" not in result.did_resolution_metadata
    assert dict(result.did_document_metadata) == {}
    assert result.to_json()["didDocument"] is None


# -- the generated document -----------------------------------------------------------------


@pytest.mark.parametrize("resolver", _resolvers(), ids=RESOLVER_IDS)
@pytest.mark.parametrize("vector", KEY_VECTORS, ids=KEY_VECTOR_IDS)
def test_multikey_document_matches_the_vector(vector: dict[str, Any], resolver: Any) -> None:
    did = vector["did"]
    multikey = vector["publicKeyMultibase"]
    x25519 = vector["x25519_keyAgreement"]["publicKeyMultibase"]
    document = _ok(resolver.resolve(did))
    data = document.to_json()
    signing_id = f"{did}#{multikey}"
    assert signing_id == vector.get("verificationMethod_id", signing_id)

    assert data["@context"] == [DID_CONTEXT, MULTIKEY_CONTEXT]
    assert data["id"] == did
    assert document.id == did
    assert data["verificationMethod"] == [
        {
            "id": signing_id,
            "type": "Multikey",
            "controller": did,
            "publicKeyMultibase": multikey,
        }
    ]
    for relationship in SIGNING_RELATIONSHIPS:
        assert data[relationship] == [signing_id], relationship
    assert data["keyAgreement"] == [
        {
            "id": f"{did}#{x25519}",
            "type": "Multikey",
            "controller": did,
            "publicKeyMultibase": x25519,
        }
    ]
    if "id" in vector["x25519_keyAgreement"]:
        assert data["keyAgreement"][0]["id"] == vector["x25519_keyAgreement"]["id"]
    assert set(data) == {"@context", "id", "verificationMethod", "keyAgreement"} | set(
        SIGNING_RELATIONSHIPS
    )


@pytest.mark.parametrize("vector", KEY_VECTORS, ids=KEY_VECTOR_IDS)
def test_key_agreement_multibase_decodes_to_the_vector_x25519_key(vector: dict[str, Any]) -> None:
    document = _ok(KeyMethod().resolve(vector["did"]))
    (agreement,) = document.relationship("keyAgreement")
    assert isinstance(agreement, bid.VerificationMethod)
    raw = multibase_decode_z(str(agreement.properties["publicKeyMultibase"]))
    assert raw == b"\xec\x01" + bytes.fromhex(vector["x25519_keyAgreement"]["public_key_hex"])
    assert str(agreement.properties["publicKeyMultibase"]).startswith("z6LS")


@pytest.mark.parametrize("resolver", _resolvers(), ids=RESOLVER_IDS)
@pytest.mark.parametrize("vector", KEY_VECTORS, ids=KEY_VECTOR_IDS)
def test_ed25519_2020_format(vector: dict[str, Any], resolver: Any) -> None:
    did = vector["did"]
    multikey = vector["publicKeyMultibase"]
    x25519 = vector["x25519_keyAgreement"]["publicKeyMultibase"]
    document = _ok(resolver.resolve(did, {"publicKeyFormat": "Ed25519VerificationKey2020"}))
    data = document.to_json()
    assert data["@context"] == [DID_CONTEXT, ED25519_2020_CONTEXT, X25519_2020_CONTEXT]
    assert data["verificationMethod"] == [
        {
            "id": f"{did}#{multikey}",
            "type": "Ed25519VerificationKey2020",
            "controller": did,
            "publicKeyMultibase": multikey,
        }
    ]
    assert data["keyAgreement"] == [
        {
            "id": f"{did}#{x25519}",
            "type": "X25519KeyAgreementKey2020",
            "controller": did,
            "publicKeyMultibase": x25519,
        }
    ]
    for relationship in SIGNING_RELATIONSHIPS:
        assert data[relationship] == [f"{did}#{multikey}"]


@pytest.mark.parametrize("resolver", _resolvers(), ids=RESOLVER_IDS)
def test_multikey_is_the_explicit_default(resolver: Any) -> None:
    default = _ok(resolver.resolve(SPEC_DID))
    explicit = _ok(resolver.resolve(SPEC_DID, {"publicKeyFormat": "Multikey"}))
    assert default == explicit
    assert default == _ok(resolver.resolve(SPEC_DID, {"enableEncryptionKeyDerivation": True}))


@pytest.mark.parametrize("resolver", _resolvers(), ids=RESOLVER_IDS)
@pytest.mark.parametrize(
    ("public_key_format", "context"),
    [
        ("Multikey", [DID_CONTEXT, MULTIKEY_CONTEXT]),
        ("Ed25519VerificationKey2020", [DID_CONTEXT, ED25519_2020_CONTEXT]),
    ],
)
def test_disabling_encryption_key_derivation_drops_key_agreement(
    resolver: Any, public_key_format: str, context: list[str]
) -> None:
    options = {"publicKeyFormat": public_key_format, "enableEncryptionKeyDerivation": False}
    document = _ok(resolver.resolve(SPEC_DID, options))
    data = document.to_json()
    assert "keyAgreement" not in data
    assert document.relationship("keyAgreement") == ()
    # no X25519 context without an X25519 key
    assert data["@context"] == context
    assert len(data["verificationMethod"]) == 1
    assert data["authentication"] == [
        f"{SPEC_DID}#{_DID_KEY['spec_example']['publicKeyMultibase']}"
    ]


@pytest.mark.parametrize("public_key_format", ["Multikey", "Ed25519VerificationKey2020"])
@pytest.mark.parametrize("key_agreement", [True, False])
@pytest.mark.parametrize("vector", KEY_VECTORS, ids=KEY_VECTOR_IDS)
def test_every_generated_document_is_valid_and_gives_back_the_key(
    vector: dict[str, Any], public_key_format: str, key_agreement: bool
) -> None:
    options: dict[str, JSONValue] = {
        "publicKeyFormat": public_key_format,
        "enableEncryptionKeyDerivation": key_agreement,
    }
    document = _ok(KeyMethod().resolve(vector["did"], options))
    parsed = DIDDocument.from_json(document.to_json())  # the untrusted-document door
    assert parsed == document
    assert parsed.to_json() == document.to_json()
    expected = bid.Ed25519PublicKey.from_bytes(bytes.fromhex(vector["public_key_hex"]))
    (method,) = parsed.verification_method
    assert method.public_key() == expected
    assert isinstance(method.public_key(), bid.Ed25519PublicKey)
    for relationship in SIGNING_RELATIONSHIPS:
        (authorized,) = parsed.verification_methods(relationship)
        assert authorized.public_key() == expected
        assert parsed.is_authorized(method.id, relationship)
    assert parsed.is_authorized(method.id, "keyAgreement") is False
    assert len(parsed.verification_methods("keyAgreement")) == (1 if key_agreement else 0)


def test_did_key_document_is_what_the_resolver_returns() -> None:
    key = bid.Ed25519PublicKey.from_did_key(SPEC_DID)
    assert _ok(KeyMethod().resolve(SPEC_DID)) == did_key_document(key)
    assert _ok(
        KeyMethod().resolve(
            SPEC_DID,
            {
                "publicKeyFormat": "Ed25519VerificationKey2020",
                "enableEncryptionKeyDerivation": False,
            },
        )
    ) == did_key_document(key, public_key_format="Ed25519VerificationKey2020", key_agreement=False)
    with pytest.raises(bid.InvalidKey):
        did_key_document(key, public_key_format="JsonWebKey2020")


def test_did_key_document_of_a_private_keys_public_half() -> None:
    seed = bytes.fromhex(_DID_KEY["vc_di_eddsa_key"]["seed_hex"])
    key = bid.Ed25519PrivateKey.from_seed(seed)
    assert key.did_key == _DID_KEY["vc_di_eddsa_key"]["did"]
    document = did_key_document(key.public_key)
    assert document.id == key.did_key
    assert document.verification_method[0].public_key() == key.public_key
    assert (
        document.verification_method[0].properties["publicKeyMultibase"]
        == (_DID_KEY["vc_di_eddsa_key"]["publicKeyMultibase"])
    )


def test_key_method_name_and_metadata() -> None:
    assert KeyMethod().name == "key"
    result = KeyMethod().resolve(SPEC_DID)
    assert dict(result.did_document_metadata) == {}
    assert result.deactivated is False
    assert result.raise_for_error() == result.did_document


# -- options --------------------------------------------------------------------------------


@pytest.mark.parametrize("resolver", _resolvers(), ids=RESOLVER_IDS)
@pytest.mark.parametrize(
    "public_key_format",
    ["JsonWebKey2020", "multikey", "Ed25519VerificationKey2018", "", 7, ["Multikey"]],
)
def test_unknown_public_key_format(resolver: Any, public_key_format: Any) -> None:
    options = {"publicKeyFormat": public_key_format}
    _assert_problem(
        resolver.resolve(SPEC_DID, options),
        "unsupportedPublicKeyType",
        "UNSUPPORTED_PUBLIC_KEY_TYPE",
    )


@pytest.mark.parametrize("resolver", _resolvers(), ids=RESOLVER_IDS)
@pytest.mark.parametrize("value", ["false", "true", 0, 1, [], {}])
def test_non_boolean_encryption_key_derivation(resolver: Any, value: Any) -> None:
    _assert_problem(
        resolver.resolve(SPEC_DID, {"enableEncryptionKeyDerivation": value}),
        "invalidOptions",
        "INVALID_OPTIONS",
    )


def test_invalid_did_is_reported_before_the_options() -> None:
    result = KeyMethod().resolve("did:key:z6Mk", {"publicKeyFormat": "nope"})
    assert result.error == "invalidDid"


# -- invalid did:keys -----------------------------------------------------------------------

_SPEC_RAW = bytes.fromhex(_DID_KEY["spec_example"]["public_key_hex"])
_IDENTITY = b"\x01" + b"\x00" * 31


def _b64(data: bytes, *, url: bool) -> str:
    encoded = base64.urlsafe_b64encode(data) if url else base64.b64encode(data)
    return encoded.decode("ascii").rstrip("=")


_P = 2**255 - 19

INVALID_DID_KEYS: list[tuple[str, str, str]] = [
    # (id, did, expected camelCase code)
    # wrong multibase: base16 'f', base64url 'u', base64 'm', no prefix
    ("multibase-f", "did:key:f" + (b"\xed\x01" + _SPEC_RAW[:20]).hex(), "invalidDid"),
    ("multibase-u", "did:key:u" + _b64(b"\xed\x01" + _SPEC_RAW, url=True), "invalidDid"),
    ("multibase-m", "did:key:m" + _b64(b"\xed\x01" + _SPEC_RAW, url=False), "invalidDid"),
    ("no-multibase", "did:key:" + b58encode_btc(b"\xed\x01" + _SPEC_RAW), "invalidDid"),
    ("base58-zero", SPEC_DID[:-4] + "0oK1", "invalidDid"),
    ("base58-O", SPEC_DID[:-1] + "O", "invalidDid"),
    ("base58-I", SPEC_DID[:-1] + "I", "invalidDid"),
    ("base58-l", SPEC_DID[:-1] + "l", "invalidDid"),
    ("empty", "did:key:", "invalidDid"),
    ("only-z", "did:key:z", "invalidDid"),
    # wrong multicodec: X25519, P-256, secp256k1, Ed25519 private key, non-minimal varint
    ("x25519-pub", _did_key(b"\xec\x01" + _SPEC_RAW), "invalidDid"),
    ("p256-pub", _did_key(b"\x80\x24\x02" + _SPEC_RAW), "invalidDid"),
    ("secp256k1-pub", _did_key(b"\xe7\x01\x02" + _SPEC_RAW), "invalidDid"),
    ("ed25519-priv", _did_key(b"\x80\x26" + _SPEC_RAW), "invalidDid"),
    ("non-minimal-varint", _did_key(b"\xed\x81\x00" + _SPEC_RAW), "invalidDid"),
    ("no-codec", _did_key(_SPEC_RAW), "invalidDid"),
    # wrong length
    ("31-bytes", _did_key(b"\xed\x01" + _SPEC_RAW[:31]), "invalidPublicKeyLength"),
    ("33-bytes", _did_key(b"\xed\x01" + _SPEC_RAW + b"\x00"), "invalidPublicKeyLength"),
    ("0-bytes", _did_key(b"\xed\x01"), "invalidPublicKeyLength"),
    # keys that are not prime-order points
    ("identity", _did_key(b"\xed\x01" + _IDENTITY), "invalidPublicKey"),
    ("identity-alt", _did_key(b"\xed\x01" + b"\x01" + b"\x00" * 30 + b"\x80"), "invalidPublicKey"),
    ("order-2", _did_key(b"\xed\x01" + b"\xec" + b"\xff" * 30 + b"\x7f"), "invalidPublicKey"),
    ("zero", _did_key(b"\xed\x01" + b"\x00" * 32), "invalidPublicKey"),
    ("non-canonical", _did_key(b"\xed\x01" + (_P + 1).to_bytes(32, "little")), "invalidPublicKey"),
    # syntax and length
    ("upper-method", "did:KEY:" + SPEC_DID[8:], "invalidDid"),
    ("upper-scheme", "DID:key:" + SPEC_DID[8:], "invalidDid"),
    ("trailing-newline", SPEC_DID + "\n", "invalidDid"),
    ("trailing-space", SPEC_DID + " ", "invalidDid"),
    ("leading-space", " " + SPEC_DID, "invalidDid"),
    ("nul", SPEC_DID + "\x00", "invalidDid"),
    ("fragment", f"{SPEC_DID}#{SPEC_DID[8:]}", "invalidDid"),
    ("query", SPEC_DID + "?versionId=1", "invalidDid"),
    ("path", SPEC_DID + "/path", "invalidDid"),
    ("fullwidth", SPEC_DID[:-1] + "\uff4b", "invalidDid"),
    ("huge", "did:key:z" + "6" * 100_000, "invalidDid"),
]
_SUFFIX = {
    "invalidDid": "INVALID_DID",
    "invalidPublicKeyLength": "INVALID_PUBLIC_KEY_LENGTH",
    "invalidPublicKey": "INVALID_PUBLIC_KEY",
}


@pytest.mark.parametrize("resolver", _resolvers(), ids=RESOLVER_IDS)
@pytest.mark.parametrize(
    ("did", "code"),
    [pytest.param(did, code, id=name) for name, did, code in INVALID_DID_KEYS],
)
def test_invalid_did_keys_are_error_results(resolver: Any, did: str, code: str) -> None:
    result = resolver.resolve(did)
    _assert_problem(result, code, _SUFFIX[code])
    with pytest.raises(bid.InvalidDID) as info:
        result.raise_for_error()
    assert info.value.code == code


@pytest.mark.parametrize("did", [SPEC_DID, *(v["did"] for v in KEY_VECTORS)])
def test_the_invalid_list_does_not_hide_the_valid_encoding(did: str) -> None:
    # guards the list above: the same shapes with the right bytes resolve
    assert KeyMethod().resolve(did).error is None
    assert _did_key(b"\xed\x01" + bid.Ed25519PublicKey.from_did_key(did).public_bytes()) == did


def test_small_order_key_yields_no_x25519_key() -> None:
    # checklist A 11: an X25519 key agreement key is never derived from a weak key
    for options in ({}, {"enableEncryptionKeyDerivation": True}):
        result = KeyMethod().resolve(_did_key(b"\xed\x01" + _IDENTITY), options)
        assert result.did_document is None
        assert result.error == "invalidPublicKey"
        assert "keyAgreement" not in json.dumps(result.to_json())


def test_other_methods_are_not_did_keys() -> None:
    result = KeyMethod().resolve("did:web:example.com")
    _assert_problem(result, "invalidDid", "INVALID_DID")
    router = MethodRouter([KeyMethod()])
    _assert_problem(
        router.resolve("did:web:example.com"), "methodNotSupported", "METHOD_NOT_SUPPORTED"
    )


# -- dereferencing the key's methods --------------------------------------------------------


@pytest.mark.parametrize("vector", KEY_VECTORS, ids=KEY_VECTOR_IDS)
def test_dereference_the_signing_and_agreement_methods(vector: dict[str, Any]) -> None:
    did = vector["did"]
    multikey = vector["publicKeyMultibase"]
    x25519 = vector["x25519_keyAgreement"]["publicKeyMultibase"]
    router = MethodRouter([KeyMethod()])
    signing = dereference(f"{did}#{multikey}", router)
    assert signing.error is None
    assert signing.content == {
        "id": f"{did}#{multikey}",
        "type": "Multikey",
        "controller": did,
        "publicKeyMultibase": multikey,
    }
    agreement = dereference(f"{did}#{x25519}", router)
    assert agreement.error is None
    assert isinstance(agreement.content, dict)
    assert agreement.content["publicKeyMultibase"] == x25519


def test_fragment_naming_another_key_is_not_found() -> None:
    # checklist B 17: did:key:zA#zB with zB another key names nothing in zA's document
    other = _DID_KEY["test_vectors_from_seed"][0]["publicKeyMultibase"]
    assert other != SPEC_DID[8:]
    result = dereference(f"{SPEC_DID}#{other}", MethodRouter([KeyMethod()]))
    assert result.content is None
    assert result.error == "notFound"


# -- kept results -----------------------------------------------------------------------------


def test_a_did_key_is_built_once_and_then_found() -> None:
    did = bid.Ed25519PrivateKey.from_seed(bytes(range(32))).public_key.did_key
    first = KeyMethod().resolve(did)
    assert first.did_document is not None
    again = KeyMethod().resolve(did)  # another instance shares the kept results
    assert again is first
    other = KeyMethod().resolve(did, {"publicKeyFormat": "Ed25519VerificationKey2020"})
    assert other is not first
    assert other.did_document is not None
    assert other.did_document.verification_method[0].type == "Ed25519VerificationKey2020"
    plain = KeyMethod().resolve(did, {"enableEncryptionKeyDerivation": False})
    assert plain.did_document is not None
    assert "keyAgreement" not in plain.did_document.properties


@pytest.mark.parametrize("value", [1, 0, "true", 1.0])
def test_a_kept_result_never_stands_in_for_bad_options(value: Any) -> None:
    did = bid.Ed25519PrivateKey.from_seed(bytes(range(1, 33))).public_key.did_key
    assert KeyMethod().resolve(did, {"enableEncryptionKeyDerivation": True}).error is None
    result = KeyMethod().resolve(did, {"enableEncryptionKeyDerivation": value})
    _assert_problem(result, "invalidOptions", "INVALID_OPTIONS")


def test_failures_are_not_kept_and_the_store_is_bounded() -> None:
    from bid.methods import key as key_module

    bad = "did:key:z6MkBAD0"
    assert KeyMethod().resolve(bad).error is not None
    assert not any(entry[0] == bad for entry in key_module._RECENT)
    for i in range(key_module._RECENT_MAX + 40):
        seed = hashlib.sha256(b"kept %d" % i).digest()
        did = bid.Ed25519PrivateKey.from_seed(seed).public_key.did_key
        assert KeyMethod().resolve(did).error is None
    assert len(key_module._RECENT) == key_module._RECENT_MAX
