"""W3C DID documents (bid.document): exact JSON round trips, lookups, and every rule.

Each rule in the module docstring of ``bid.document`` has a negative test here that
matches the reason in the message (security.md checklist B 20-21, section 3.3).
"""

from __future__ import annotations

import base64
import copy
import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.errors import InvalidArgument

import bid
from bid._codec import b58encode_btc, multibase_encode_z
from bid.document import RELATIONSHIPS, DIDDocument, Service, VerificationMethod
from bid.errors import InvalidDocument
from bid.strategies import did_documents

W3C = json.loads((Path(__file__).parent / "vectors" / "w3c-vectors.json").read_text("utf-8"))
SPEC = W3C["did_key_ed25519"]["spec_example"]
DID = SPEC["did"]
MULTIKEY = SPEC["publicKeyMultibase"]
X25519 = SPEC["x25519_keyAgreement"]["publicKeyMultibase"]
PUBLIC = bytes.fromhex(SPEC["public_key_hex"])
KEY = bid.Ed25519PublicKey.from_bytes(PUBLIC)

SM2_PUBLIC_BIF = (
    "b07a6604135e7dec9d4997d0f5d9dbba9cff9090d4e30e532b5b5f3ca37369802400"
    "c1eab96088816f3afc84e638cfd0827ac319464fdfd6047f3437f45b553437130457"
)
ED25519_BIF = "b06566f76733ae048fda721d47afe8780b572636496c93253db86dc8d5427fc54e9a06"
BID = "did:bid:ef18F9AVK4SQLZPRrPkrVWwp9kbpdXHx"

# Small-order Ed25519 points (security.md checklist A 5): identity, its alternates, order 2.
SMALL_ORDER = [
    "0100000000000000000000000000000000000000000000000000000000000000",
    "0000000000000000000000000000000000000000000000000000000000000000",
    "ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
    "c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a",
]


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _multikey(raw: bytes) -> str:
    return multibase_encode_z(b"\xed\x01" + raw)


def _did_key_document() -> dict[str, Any]:
    """The did:key example, with every shape the round trip must keep."""
    return {
        "@context": ["https://www.w3.org/ns/did/v1", "https://w3id.org/security/multikey/v1"],
        "id": DID,
        "controller": DID,
        "verificationMethod": [
            {
                "id": f"#{MULTIKEY}",
                "type": "Multikey",
                "controller": DID,
                "publicKeyMultibase": MULTIKEY,
            }
        ],
        "authentication": [f"#{MULTIKEY}"],
        "assertionMethod": [f"{DID}#{MULTIKEY}"],
        "keyAgreement": [
            {
                "id": f"{DID}#{X25519}",
                "type": "Multikey",
                "controller": DID,
                "publicKeyMultibase": X25519,
                "x-note": "embedded",
            }
        ],
        "capabilityInvocation": [f"#{MULTIKEY}", "did:example:other#key-1"],
        "service": [
            {
                "id": "#hub",
                "type": ["Hub", "Storage"],
                "serviceEndpoint": {"uri": "https://x.example"},
            },
            {"id": f"{DID}#files", "type": "Files", "serviceEndpoint": ["https://a.example"]},
        ],
        "alsoKnownAs": ["https://example.com/alice"],
        "unknownMember": {"nested": [1, 2.5, None, True, "中文"]},
    }


def _vm(**members: Any) -> dict[str, Any]:
    return {"id": "#k", "controller": DID, **members}


def _doc_with_vm(method: dict[str, Any]) -> dict[str, Any]:
    return {"id": DID, "verificationMethod": [method], "authentication": [method["id"]]}


# -- round trips ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "shape",
    [
        pytest.param(lambda d: d, id="full"),
        pytest.param(
            lambda d: d.update(controller=[DID, "did:example:bob"]), id="controller-array"
        ),
        pytest.param(lambda d: d.pop("controller"), id="no-controller"),
        pytest.param(lambda d: d.pop("@context"), id="no-context"),
        pytest.param(lambda d: d.update(service=[]), id="empty-service"),
    ],
)
def test_from_json_and_to_json_are_exact_inverses(shape: Callable[[dict[str, Any]], Any]) -> None:
    data = _did_key_document()
    shape(data)
    document = DIDDocument.from_json(data)
    out = document.to_json()
    assert out == data
    assert json.dumps(out) == json.dumps(data)  # member order and value shapes too
    assert DIDDocument.from_json(out) == document
    # to_json gives a fresh object: changing it does not change the document.
    out["verificationMethod"][0]["id"] = "#changed"
    assert document.to_json() == data


def test_the_parsed_object_is_copied() -> None:
    data = _did_key_document()
    document = DIDDocument.from_json(data)
    data["verificationMethod"][0]["id"] = "#changed"
    assert document.verification_method[0].id == f"#{MULTIKEY}"
    assert document.to_json() == _did_key_document()


@given(did_documents())
@settings(max_examples=40)
def test_generated_documents_round_trip(document: DIDDocument) -> None:
    data = document.to_json()
    again = DIDDocument.from_json(data)
    assert again == document
    assert json.dumps(again.to_json()) == json.dumps(data)
    for name in RELATIONSHIPS:
        for method in again.verification_methods(name):
            assert again.is_authorized(method.id, name)


@given(st.from_type(DIDDocument))
@settings(max_examples=10)
def test_did_documents_are_registered_for_from_type(document: DIDDocument) -> None:
    assert isinstance(document, DIDDocument)
    assert DIDDocument.from_json(document.to_json()) == document


@given(did_documents(methods=["key"]))
@settings(max_examples=20)
def test_did_key_documents_hold_their_own_key(document: DIDDocument) -> None:
    key = bid.Ed25519PublicKey.from_did_key(document.id)
    [method] = document.verification_methods("authentication")
    assert method.type in ("Multikey", "Ed25519VerificationKey2020")
    assert method.public_key() == key


@pytest.mark.parametrize("methods", [[], ["web"], "key", ["key", "nope"]])
def test_did_documents_refuses_bad_arguments(methods: Any) -> None:
    # bid.strategies validates its arguments when the strategy is made, not when drawn.
    with pytest.raises(InvalidArgument, match="methods"):
        did_documents(methods=methods)


def test_equality_and_hashing() -> None:
    document = DIDDocument.from_json(_did_key_document())
    assert document == DIDDocument.from_json(_did_key_document())
    assert document != DIDDocument.from_json(dict(_did_key_document(), alsoKnownAs=[]))
    assert document.__eq__("not a document") is NotImplemented
    with pytest.raises(TypeError):
        hash(document)


def test_build_wraps_without_checks() -> None:
    document = DIDDocument.build({"id": "not a did", "verificationMethod": [{"id": "x"}]})
    assert document.id == "not a did"
    assert document.verification_method[0].id == "x"
    with pytest.raises(InvalidDocument):
        DIDDocument.from_json(document.to_json())


# -- views and lookups ------------------------------------------------------------------------


def test_views() -> None:
    document = DIDDocument.from_json(_did_key_document())
    assert document.id == DID
    assert document.did == bid.DID.parse(DID)
    # An array may come back as a list or as a (read-only) tuple.
    assert isinstance(document.context, list | tuple)
    assert list(document.context) == [
        "https://www.w3.org/ns/did/v1",
        "https://w3id.org/security/multikey/v1",
    ]
    assert document.controller == (DID,)
    assert DIDDocument.from_json(
        dict(_did_key_document(), controller=[DID, "did:x:y"])
    ).controller == (
        DID,
        "did:x:y",
    )
    assert document.also_known_as == ("https://example.com/alice",)
    [method] = document.verification_method
    assert isinstance(method, VerificationMethod)
    assert (method.id, method.type, method.controller) == (f"#{MULTIKEY}", "Multikey", DID)
    assert method.to_json() == _did_key_document()["verificationMethod"][0]
    hub, files = document.service
    assert isinstance(hub, Service)
    assert hub.type == ("Hub", "Storage")
    assert files.type == "Files"
    assert hub.service_endpoint == {"uri": "https://x.example"}
    assert files.to_json() == _did_key_document()["service"][1]
    assert document.relationship("authentication") == (f"#{MULTIKEY}",)
    assert document.relationship("capabilityDelegation") == ()
    [agreement] = document.relationship("keyAgreement")
    assert isinstance(agreement, VerificationMethod)
    assert agreement.properties["x-note"] == "embedded"


def test_a_document_without_context_has_none() -> None:
    data = _did_key_document()
    del data["@context"], data["controller"], data["alsoKnownAs"]
    document = DIDDocument.from_json(data)
    assert document.context is None
    assert document.controller == ()
    assert document.also_known_as == ()


def test_absolute() -> None:
    document = DIDDocument.from_json(_did_key_document())
    assert document.absolute("#key") == f"{DID}#key"
    assert document.absolute(f"{DID}#key") == f"{DID}#key"
    assert document.absolute("did:example:other#key") == "did:example:other#key"


@pytest.mark.parametrize("reference", [f"#{MULTIKEY}", f"{DID}#{MULTIKEY}"])
def test_find_verification_method_relative_or_absolute(reference: str) -> None:
    document = DIDDocument.from_json(_did_key_document())
    method = document.find_verification_method(reference)
    assert method.id == f"#{MULTIKEY}"
    assert method.public_key() == KEY


def test_find_verification_method_finds_embedded_methods() -> None:
    document = DIDDocument.from_json(_did_key_document())
    for reference in (f"#{X25519}", f"{DID}#{X25519}"):
        method = document.find_verification_method(reference)
        assert method.id == f"{DID}#{X25519}"


@pytest.mark.parametrize("reference", ["#nope", f"{DID}#nope", "did:example:other#key-1", DID])
def test_find_verification_method_missing(reference: str) -> None:
    document = DIDDocument.from_json(_did_key_document())
    with pytest.raises(bid.InvalidDIDURL, match="is not a verification method of"):
        document.find_verification_method(reference)


def test_verification_methods_resolve_references_and_keep_embedded() -> None:
    document = DIDDocument.from_json(_did_key_document())
    [auth] = document.verification_methods("authentication")
    assert auth.id == f"#{MULTIKEY}"
    [assertion] = document.verification_methods("assertionMethod")
    assert assertion is document.verification_method[0]
    [agreement] = document.verification_methods("keyAgreement")
    assert agreement.id == f"{DID}#{X25519}"
    # A reference to another DID's method is skipped (resolve that DID to use it).
    [invocation] = document.verification_methods("capabilityInvocation")
    assert invocation.id == f"#{MULTIKEY}"
    assert document.verification_methods("capabilityDelegation") == ()


def test_is_authorized() -> None:
    document = DIDDocument.from_json(_did_key_document())
    for method_id in (f"#{MULTIKEY}", f"{DID}#{MULTIKEY}"):
        assert document.is_authorized(method_id, "authentication")
        assert document.is_authorized(method_id, "assertionMethod")
        assert not document.is_authorized(method_id, "keyAgreement")
        assert not document.is_authorized(method_id, "capabilityDelegation")
    assert document.is_authorized(f"#{X25519}", "keyAgreement")
    assert not document.is_authorized(f"#{X25519}", "authentication")
    assert document.is_authorized("did:example:other#key-1", "capabilityInvocation")
    assert not document.is_authorized("#nope", "authentication")


@pytest.mark.parametrize(
    ("reference", "expected"),
    [("#hub", "#hub"), (f"{DID}#hub", "#hub"), ("#files", f"{DID}#files")],
)
def test_find_service(reference: str, expected: str) -> None:
    document = DIDDocument.from_json(_did_key_document())
    assert document.find_service(reference).id == expected


def test_find_service_missing() -> None:
    document = DIDDocument.from_json(_did_key_document())
    with pytest.raises(bid.InvalidDIDURL, match="is not a service of"):
        document.find_service("#nope")


# -- verification method types ----------------------------------------------------------------


@pytest.mark.parametrize(
    "method",
    [
        pytest.param(_vm(type="Multikey", publicKeyMultibase=MULTIKEY), id="Multikey"),
        pytest.param(
            _vm(type="Ed25519VerificationKey2020", publicKeyMultibase=MULTIKEY),
            id="Ed25519VerificationKey2020",
        ),
        pytest.param(
            _vm(
                type="Ed25519VerificationKey2020",
                publicKeyMultibase="z" + b58encode_btc(PUBLIC),
            ),
            id="Ed25519VerificationKey2020-bare-key",
        ),
        pytest.param(
            _vm(
                type="JsonWebKey",
                publicKeyJwk={"kty": "OKP", "crv": "Ed25519", "x": _b64url(PUBLIC)},
            ),
            id="JsonWebKey",
        ),
        pytest.param(
            _vm(
                type="JsonWebKey2020",
                publicKeyJwk={"kty": "OKP", "crv": "Ed25519", "x": _b64url(PUBLIC), "kid": "k"},
            ),
            id="JsonWebKey2020",
        ),
    ],
)
def test_ed25519_method_types(method: dict[str, Any]) -> None:
    document = DIDDocument.from_json(_doc_with_vm(method))
    key = document.find_verification_method("#k").public_key()
    assert key == KEY


@pytest.mark.parametrize(
    ("vm_type", "hex_text", "key_class"),
    [
        ("Ed25519", ED25519_BIF, bid.Ed25519PublicKey),
        ("ED25519", ED25519_BIF.upper(), bid.Ed25519PublicKey),
        ("SM2", SM2_PUBLIC_BIF, bid.SM2PublicKey),
        ("sm2", SM2_PUBLIC_BIF, bid.SM2PublicKey),
    ],
)
def test_bid_method_types(vm_type: str, hex_text: str, key_class: type[bid.PublicKey]) -> None:
    method = {"id": f"{BID}#key-1", "type": vm_type, "controller": BID, "publicKeyHex": hex_text}
    document = DIDDocument.from_json({"id": BID, "verificationMethod": [method]})
    key = document.verification_method[0].public_key()
    assert type(key) is key_class
    assert key.to_bif() == hex_text.lower()


@pytest.mark.parametrize(
    "method",
    [
        pytest.param(
            _vm(
                type="JsonWebKey",
                publicKeyJwk={
                    "kty": "EC",
                    "crv": "P-256",
                    "x": "f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU",
                    "y": "x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0",
                },
            ),
            id="P-256-JWK",
        ),
        pytest.param(_vm(type="Multikey", publicKeyMultibase=X25519), id="X25519-Multikey"),
        pytest.param(
            _vm(
                type="Ed25519VerificationKey2018",
                publicKeyBase58="H3C2AVvLMv6gmMNam3uVAjZpfkcJCwDwnZn6z3wXmqPV",
            ),
            id="publicKeyBase58",
        ),
        pytest.param(_vm(type="SomethingElse"), id="no-key-material"),
    ],
)
def test_unsupported_methods_are_accepted_but_unusable(method: dict[str, Any]) -> None:
    document = DIDDocument.from_json(_doc_with_vm(method))
    with pytest.raises(bid.Unsupported):
        document.verification_method[0].public_key()


# -- the rules --------------------------------------------------------------------------------


def _invalid(data: Any, match: str) -> None:
    with pytest.raises(InvalidDocument, match=match) as info:
        DIDDocument.from_json(data)
    assert info.value.code == "invalidDidDocument"


def test_duplicate_method_ids_in_verification_method() -> None:
    data = _did_key_document()
    data["verificationMethod"].append(copy.deepcopy(data["verificationMethod"][0]))
    _invalid(data, "two verification methods have the id")


def test_duplicate_method_ids_absolute_and_relative() -> None:
    data = _did_key_document()
    twin = dict(data["verificationMethod"][0], id=f"{DID}#{MULTIKEY}")
    data["verificationMethod"].append(twin)
    _invalid(data, "two verification methods have the id")


def test_duplicate_method_ids_listed_and_embedded() -> None:
    data = _did_key_document()
    data["authentication"] = [copy.deepcopy(data["verificationMethod"][0])]
    _invalid(data, "two verification methods have the id")


def test_duplicate_method_ids_embedded_twice() -> None:
    data = _did_key_document()
    data["assertionMethod"] = [copy.deepcopy(data["keyAgreement"][0])]
    _invalid(data, "two verification methods have the id")


@pytest.mark.parametrize("second_id", ["#hub", f"{DID}#hub"])
def test_duplicate_service_ids(second_id: str) -> None:
    data = _did_key_document()
    data["service"][1]["id"] = second_id
    _invalid(data, "two services have the id")


@pytest.mark.parametrize("reference", ["#missing", f"{DID}#missing"])
def test_dangling_reference(reference: str) -> None:
    data = _did_key_document()
    data["authentication"].append(reference)
    _invalid(data, "authentication refers to .*, which the document lacks")


@pytest.mark.parametrize(
    ("change", "match"),
    [
        (
            lambda d: d["verificationMethod"][0].update(id="key-1"),
            "verification method id 'key-1' is relative",
        ),
        (
            lambda d: d["assertionMethod"].append("key-1"),
            "assertionMethod reference 'key-1' is relative",
        ),
        (lambda d: d["verificationMethod"][0].update(id="#a b"), "is not a valid fragment"),
        (lambda d: d["verificationMethod"][0].update(id="did:example:x#a b"), "is not a DID URL"),
        (lambda d: d["verificationMethod"][0].update(id="https://x.example#k"), "is relative"),
    ],
)
def test_ids_must_be_did_urls_or_fragments(
    change: Callable[[dict[str, Any]], Any], match: str
) -> None:
    data = _did_key_document()
    change(data)
    _invalid(data, match)


@pytest.mark.parametrize(
    "name",
    [
        "secretKeyMultibase",
        "privateKeyMultibase",
        "privateKeyJwk",
        "privateKeyHex",
        "privateKeyBase58",
        "privateKeyPem",
    ],
)
def test_private_key_properties_are_refused(name: str) -> None:
    method = _vm(
        type="Multikey",
        publicKeyMultibase=MULTIKEY,
        **{name: "z3u2en7t5LR2WtQH5PfFqMqwVHBeXouLzo6haApm8XHqvjxq"},
    )
    _invalid(_doc_with_vm(method), rf"holds private key material \({name}\)")


@pytest.mark.parametrize("member", ["d", "p", "q", "dp", "dq", "qi", "oth", "k"])
def test_private_jwk_members_are_refused(member: str) -> None:
    jwk = {"kty": "OKP", "crv": "Ed25519", "x": _b64url(PUBLIC), member: "AAAA"}
    _invalid(
        _doc_with_vm(_vm(type="JsonWebKey", publicKeyJwk=jwk)),
        "publicKeyJwk holds private key members",
    )


@pytest.mark.parametrize(
    "forms",
    [
        {
            "publicKeyMultibase": MULTIKEY,
            "publicKeyJwk": {"kty": "OKP", "crv": "Ed25519", "x": _b64url(PUBLIC)},
        },
        {
            "publicKeyMultibase": MULTIKEY,
            "publicKeyBase58": "H3C2AVvLMv6gmMNam3uVAjZpfkcJCwDwnZn6z3wXmqPV",
        },
        {"publicKeyHex": ED25519_BIF, "publicKeyMultibase": MULTIKEY},
    ],
)
def test_two_forms_of_key_material_are_refused(forms: dict[str, Any]) -> None:
    _invalid(_doc_with_vm(_vm(type="Multikey", **forms)), "has two forms of key material")


@pytest.mark.parametrize("hex_key", SMALL_ORDER)
@pytest.mark.parametrize(
    "make",
    [
        pytest.param(
            lambda raw: _vm(type="Multikey", publicKeyMultibase=_multikey(raw)), id="Multikey"
        ),
        pytest.param(
            lambda raw: _vm(type="Ed25519VerificationKey2020", publicKeyMultibase=_multikey(raw)),
            id="Ed25519VerificationKey2020",
        ),
        pytest.param(
            lambda raw: _vm(
                type="JsonWebKey", publicKeyJwk={"kty": "OKP", "crv": "Ed25519", "x": _b64url(raw)}
            ),
            id="JsonWebKey",
        ),
        pytest.param(
            lambda raw: _vm(type="Ed25519", publicKeyHex="b06566" + raw.hex()),
            id="publicKeyHex",
        ),
    ],
)
def test_small_order_keys_are_refused(
    hex_key: str, make: Callable[[bytes], dict[str, Any]]
) -> None:
    _invalid(
        _doc_with_vm(make(bytes.fromhex(hex_key))),
        "verification method '#k': not a valid Ed25519 public key",
    )


@pytest.mark.parametrize(
    ("method", "match"),
    [
        (
            _vm(type="Multikey", publicKeyMultibase=_multikey(PUBLIC[:31])),
            "an Ed25519 public key is 32 bytes",
        ),
        (_vm(type="Multikey", publicKeyMultibase="f" + PUBLIC.hex()), "multibase prefix 'f'"),
        (
            _vm(
                type="JsonWebKey",
                publicKeyJwk={"kty": "OKP", "crv": "Ed25519", "x": _b64url(PUBLIC) + "="},
            ),
            "unpadded base64url",
        ),
        (
            _vm(type="JsonWebKey", publicKeyJwk={"kty": "OKP", "crv": "Ed25519"}),
            "unpadded base64url",
        ),
        (
            _vm(type="SM2", publicKeyHex=ED25519_BIF),
            "publicKeyHex holds a ed25519 key but the type is SM2",
        ),
        (_vm(type="SM2", publicKeyHex=SM2_PUBLIC_BIF[:-2] + "00"), "verification method '#k'"),
        (_vm(type="Ed25519", publicKeyHex="b06566" + "00" * 31), "public key holds 32 key bytes"),
    ],
)
def test_unreadable_key_material_is_refused(method: dict[str, Any], match: str) -> None:
    _invalid(_doc_with_vm(method), match)


@pytest.mark.parametrize(
    ("change", "match"),
    [
        (lambda d: d.update(controller="did:example:"), "controller 'did:example:'"),
        (lambda d: d.update(controller=[DID, "did:example:a b"]), "controller 'did:example:a b'"),
        (lambda d: d.update(controller="did:Example:x"), "^controller"),
        (
            lambda d: d["verificationMethod"][0].update(controller="did:example:a%zz"),
            "controller: the method-specific id",
        ),
        (
            lambda d: d["verificationMethod"][0].update(controller="bob"),
            "^verificationMethod/0/controller",
        ),
    ],
)
def test_bad_controllers_are_refused(change: Callable[[dict[str, Any]], Any], match: str) -> None:
    data = _did_key_document()
    change(data)
    _invalid(data, match)


@pytest.mark.parametrize(
    ("identifier", "match"),
    [
        ("did:example:", "^id: the method-specific id is empty"),
        ("did:example:abc#frag", "^id: the method-specific id has an invalid character"),
        ("did:example:abc:", "^id: the method-specific id must not end with ':'"),
        ("DID:example:abc", "^id: 'DID:example:abc' does not match"),
        ("urn:uuid:1234", "^id: 'urn:uuid:1234' does not match"),
        (42, "^id: 42 is not of type 'string'"),
    ],
)
def test_bad_ids_are_refused(identifier: Any, match: str) -> None:
    _invalid(dict(_did_key_document(), id=identifier), match)


@pytest.mark.parametrize(
    ("change", "match"),
    [
        (lambda d: d.pop("id"), r"^\(document\): 'id' is a required property"),
        (
            lambda d: d["verificationMethod"][0].update(type=["Multikey"]),
            "^verificationMethod/0/type: ",
        ),
        (
            lambda d: d["verificationMethod"][0].pop("type"),
            "^verificationMethod/0: 'type' is a required",
        ),
        (lambda d: d["service"][0].update(serviceEndpoint=""), "^service/0/serviceEndpoint: "),
        (lambda d: d["service"][0].update(serviceEndpoint=[]), "^service/0/serviceEndpoint: "),
        (
            lambda d: d["service"][1].pop("serviceEndpoint"),
            "^service/1: 'serviceEndpoint' is a required",
        ),
        (
            lambda d: d.update(authentication=f"#{MULTIKEY}"),
            "^authentication: .* is not of type 'array'",
        ),
        (lambda d: d.update(alsoKnownAs=["a", "a"]), "^alsoKnownAs: .* has non-unique elements"),
        (lambda d: d.update(verificationMethod={}), "^verificationMethod: "),
    ],
)
def test_schema_errors_name_the_path(change: Callable[[dict[str, Any]], Any], match: str) -> None:
    data = _did_key_document()
    change(data)
    _invalid(data, match)


@pytest.mark.parametrize("value", [[], "did:example:x", None, 42])
def test_a_document_is_a_json_object(value: Any) -> None:
    _invalid(value, "a DID document is a JSON object")


# -- import cost --------------------------------------------------------------------------------


@pytest.mark.slow
def test_jsonschema_is_imported_on_the_first_from_json_only(tmp_path: Path) -> None:
    script = (
        "import json, sys\n"
        "import bid.document\n"
        "before = 'jsonschema' in sys.modules\n"
        "doc = bid.document.DIDDocument.build({'id': 'did:example:x'})\n"
        "built = 'jsonschema' in sys.modules\n"
        "bid.document.DIDDocument.from_json({'id': 'did:example:x'})\n"
        "print(json.dumps([before, built, 'jsonschema' in sys.modules]))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout.splitlines()[-1]) == [False, False, True]
