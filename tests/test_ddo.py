"""BID documents (bid.ddo): validation, views, and the lossless mapping to W3C documents.

Every check of ``ddo._check*`` has a negative test here matching its message; the vector
documents and generated documents validate and map to W3C and back unchanged.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.errors import InvalidArgument

import bid
from bid.ddo import ALSO_KNOWN_AS_TYPES, BID_CONTEXT, EXTENSION_TYPES, BIDDocument
from bid.document import DIDDocument
from bid.errors import InvalidDocument
from bid.strategies import bid_documents, did_documents, private_keys

VECTORS = json.loads(
    (Path(__file__).parent / "vectors" / "bid-vectors.json").read_text(encoding="utf-8")
)
RFC_DDO = next(e for e in VECTORS if e["id"] == "proof-rfc-ddo")
JAVA_DDO = next(e for e in VECTORS if e["kind"] == "proof_bidsdk_java_declaration_order_hex")
BID = RFC_DDO["bid"]
KEY_1 = BID + "#key-1"
SM2_PUBLIC_BIF = (
    "b07a6604135e7dec9d4997d0f5d9dbba9cff9090d4e30e532b5b5f3ca37369802400"
    "c1eab96088816f3afc84e638cfd0827ac319464fdfd6047f3437f45b553437130457"
)
SM2_SETTINGS = settings(max_examples=10)


def _rfc_document() -> dict[str, Any]:
    data: dict[str, Any] = copy.deepcopy(RFC_DDO["unsigned_object"])
    data["proof"] = {"creator": KEY_1, "signatureValue": RFC_DDO["signature_base58_bif_alphabet"]}
    return data


def _java_document() -> dict[str, Any]:
    data: dict[str, Any] = copy.deepcopy(JAVA_DDO["document_with_proof"])
    return data


VECTOR_DOCUMENTS = {
    "rfc-unsigned": lambda: copy.deepcopy(RFC_DDO["unsigned_object"]),
    "rfc-signed": _rfc_document,
    "bidsdk-java": _java_document,
}


def _invalid(data: Any, match: str) -> None:
    with pytest.raises(InvalidDocument, match=match) as info:
        BIDDocument.from_json(data)
    assert info.value.code == "invalidDidDocument"


def _changed(change: Callable[[dict[str, Any]], Any], base: Callable[[], dict[str, Any]]) -> Any:
    data = base()
    change(data)
    return data


# -- the vector documents ---------------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(VECTOR_DOCUMENTS))
def test_vector_documents_validate_and_round_trip(name: str) -> None:
    data = VECTOR_DOCUMENTS[name]()
    document = BIDDocument.from_json(data)
    assert document.to_json() == data
    assert json.dumps(document.to_json()) == json.dumps(data)
    assert BIDDocument.from_json(document.to_json()) == document


def test_views_of_the_java_vector() -> None:
    data = _java_document()
    document = BIDDocument.from_json(data)
    assert document.id == JAVA_DDO["bid"]
    assert document.bid == bid.BID.parse(JAVA_DDO["bid"])
    assert [dict(e) for e in document.public_keys] == data["publicKey"]
    assert document.authentication == (JAVA_DDO["bid"] + "#key-1",)
    assert document.recovery == (JAVA_DDO["bid"] + "#key-2",)  # not a key of this document
    assert document.extension["ttl"] == 86400
    assert [dict(s) for s in document.services] == data["service"]
    assert document.created == "2022-08-29T19:02:59Z"
    assert document.updated == "2022-08-29T19:02:59Z"
    assert document.key(JAVA_DDO["bid"] + "#key-1") == bid.parse_public_key(JAVA_DDO["public_key"])
    with pytest.raises(bid.InvalidKey, match="has no public key"):
        document.key(JAVA_DDO["bid"] + "#key-2")


def test_views_of_a_minimal_document() -> None:
    data = {"@context": [BID_CONTEXT], "id": BID, "authentication": []}
    document = BIDDocument.from_json(data)
    assert document.public_keys == ()
    assert document.authentication == ()
    assert dict(document.extension) == {}
    assert document.recovery == ()
    assert document.services == ()
    assert document.created is None
    assert document.updated is None


def test_unknown_members_are_kept_in_order() -> None:
    data = {"zeta": 1, **_rfc_document(), "context": "https://w3id.org/did/v1", "alpha": [None]}
    data["extension"]["custom"] = {"nested": True}
    document = BIDDocument.from_json(data)
    assert json.dumps(document.to_json()) == json.dumps(data)


def test_the_parsed_object_is_copied() -> None:
    data = _rfc_document()
    document = BIDDocument.from_json(data)
    data["publicKey"][0]["id"] = "changed"
    out = document.to_json()
    assert out == _rfc_document()
    out["publicKey"][0]["id"] = "changed"
    assert document.to_json() == _rfc_document()


def test_equality_and_hashing() -> None:
    document = BIDDocument.from_json(_rfc_document())
    assert document == BIDDocument.from_json(_rfc_document())
    assert document != BIDDocument.from_json(RFC_DDO["unsigned_object"])
    assert document.__eq__(_rfc_document()) is NotImplemented
    with pytest.raises(TypeError):
        hash(document)


def test_with_changes_replaces_removes_and_validates() -> None:
    document = BIDDocument.from_json(_rfc_document())
    changed = document.with_changes(version="2.0.0", proof=None)
    assert changed.properties["version"] == "2.0.0"
    assert "proof" not in changed.properties
    assert document.properties["version"] == "1.1.0"
    with pytest.raises(InvalidDocument, match="version: must be a string"):
        document.with_changes(version=2)


@pytest.mark.parametrize(
    ("change", "base"),
    [
        (lambda d: d.update({"@context": ["https://w3.org/ns/did/v1"]}), _rfc_document),
        (lambda d: d.update({"@context": ["https://x.example", BID_CONTEXT]}), _rfc_document),
        (lambda d: d["publicKey"][0].update(type="ED25519"), _rfc_document),
        (lambda d: d["publicKey"][0].update(type="ed25519"), _rfc_document),
        (
            lambda d: d["publicKey"][0].update(publicKeyHex=RFC_DDO["public_key"].upper()),
            _rfc_document,
        ),
        (
            lambda d: d["publicKey"].append({"id": BID + "#k", "type": "X", "controller": BID}),
            _rfc_document,
        ),
        (lambda d: d.update(created="2021-06-24T09:10:09.123Z"), _rfc_document),
        (
            lambda d: d["extension"].update(
                {"delegateSign ": {"signer": "s", "signatureValue": "v"}}
            ),
            _rfc_document,
        ),
        (lambda d: d["service"][0].update(port="8080"), _java_document),
        (lambda d: d["service"][0].update(port=8080), _java_document),
        (lambda d: d.update(alsoKnownAs=[]), _java_document),
        (lambda d: (d.pop("publicKey"), d.update(authentication=[])), _java_document),
        (lambda d: d.update(proof=None), _java_document),
    ],
)
def test_accepted_variants(
    change: Callable[[dict[str, Any]], Any], base: Callable[[], dict[str, Any]]
) -> None:
    data = _changed(change, base)
    assert BIDDocument.from_json(data).to_json() == data


def test_sm2_keys_are_read() -> None:
    sm2_bid = "did:bid:zf213EVe3frk1EmLVxMCr6aouCyNc5suf"
    data: dict[str, Any] = {
        "@context": [BID_CONTEXT],
        "id": sm2_bid,
        "publicKey": [
            {
                "id": sm2_bid + "#key-1",
                "type": "SM2",
                "controller": sm2_bid,
                "publicKeyHex": SM2_PUBLIC_BIF,
            }
        ],
        "authentication": [sm2_bid + "#key-1"],
    }
    document = BIDDocument.from_json(data)
    key = document.key(sm2_bid + "#key-1")
    assert isinstance(key, bid.SM2PublicKey)
    assert str(key.bid()) == sm2_bid


# -- validation: every check ---------------------------------------------------------------------


@pytest.mark.parametrize("value", [[], "did:bid:x", None, 42])
def test_a_document_is_a_json_object(value: Any) -> None:
    _invalid(value, "a BID document is a JSON object")


@pytest.mark.parametrize("member", ["@context", "id", "authentication"])
def test_required_members(member: str) -> None:
    data = _rfc_document()
    del data[member]
    _invalid(data, f"a BID document needs '{member}'")


@pytest.mark.parametrize(
    ("change", "match"),
    [
        # _check: @context, id, version, created/updated, authentication, proof
        (
            lambda d: d.update({"@context": "https://www.w3.org/ns/did/v1"}),
            "^@context: must be an array",
        ),
        (lambda d: d.update({"@context": [BID_CONTEXT, 1]}), "^@context: 1 is not a string"),
        (lambda d: d.update({"@context": []}), "^@context: must contain"),
        (
            lambda d: d.update({"@context": ["https://www.w3.org/ns/did/v2"]}),
            "^@context: must contain",
        ),
        (lambda d: d.update(id=42), "^id: must be a string"),
        (
            lambda d: d.update(id="did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK"),
            "^id: a BID starts with",
        ),
        (
            lambda d: d.update(id="did:bid:ef18F9AVK4SQLZPRrPkrVWwp9kbpdXH0"),
            "^id: BID suffix: '0' is not a Base58 character",
        ),
        (
            lambda d: d.update(id="did:bid:xf18F9AVK4SQLZPRrPkrVWwp9kbpdXHx"),
            "^id: key-type letter 'x'",
        ),
        (lambda d: d.update(version=1.1), "^version: must be a string"),
        (lambda d: d.update(created="2021-06-24 09:10:09"), "^created: must be a UTC time"),
        (lambda d: d.update(created="2021-06-24T09:10:09+08:00"), "^created: must be a UTC time"),
        (lambda d: d.update(updated=None), "^updated: must be a UTC time"),
        (lambda d: d.update(updated=20210624), "^updated: must be a UTC time"),
        (lambda d: d.update(authentication=KEY_1), "^authentication: must be an array"),
        (lambda d: d.update(authentication=[1]), "^authentication: 1 is not a string"),
        (
            lambda d: d.update(authentication=[BID + "#key-2"]),
            "^authentication: .* is not a publicKey of the document",
        ),
        (lambda d: d.update(proof="signature"), "^proof: must be an object with string creator"),
        (lambda d: d["proof"].pop("creator"), "^proof: must be an object with string creator"),
        (lambda d: d["proof"].update(signatureValue=5), "^proof: must be"),
        # _check_public_keys
        (lambda d: d.update(publicKey={}), "^publicKey: must be an array"),
        (lambda d: d["publicKey"].append("key"), "^publicKey/1: must be an object"),
        (lambda d: d["publicKey"][0].update(id=1), "^publicKey/0: id must be did:bid:.*#<name>"),
        (
            lambda d: d["publicKey"][0].update(id="#key-1"),
            "^publicKey/0: id must be did:bid:.*#<name>",
        ),
        (
            lambda d: d["publicKey"][0].update(id="did:bid:efJgt44mNDewKK1VEN454R17cjso3mSG#key-1"),
            "^publicKey/0: id must be",
        ),
        (
            lambda d: d["publicKey"].append(dict(d["publicKey"][0])),
            "^publicKey/1: two public keys have the id",
        ),
        (
            lambda d: d["publicKey"][0].update(
                controller="did:bid:efJgt44mNDewKK1VEN454R17cjso3mSG"
            ),
            "^publicKey/0: controller must be",
        ),
        (lambda d: d["publicKey"][0].pop("controller"), "^publicKey/0: controller must be"),
        (lambda d: d["publicKey"][0].update(type=None), "^publicKey/0: type must be a string"),
        (
            lambda d: d["publicKey"][0].pop("publicKeyHex"),
            "^publicKey/0: a Ed25519 key needs publicKeyHex",
        ),
        (
            lambda d: d["publicKey"][0].update(publicKeyHex="zz"),
            "^publicKey/0: BIF public key: not hex",
        ),
        (
            lambda d: d["publicKey"][0].update(publicKeyHex="b0656600"),
            "^publicKey/0: a BIF ed25519 public key holds 32",
        ),
        (
            lambda d: d["publicKey"][0].update(publicKeyHex="b06566" + "00" * 32),
            "^publicKey/0: not a valid Ed25519 public key",
        ),
        (
            lambda d: d["publicKey"][0].update(publicKeyHex=SM2_PUBLIC_BIF),
            "^publicKey/0: publicKeyHex is not a BIF Ed25519 public key",
        ),
        (
            lambda d: d["publicKey"][0].update(type="SM2"),
            "^publicKey/0: publicKeyHex is not a BIF SM2 public key",
        ),
        # _check_extension
        (lambda d: d.update(extension=[]), "^extension: must be an object"),
        (lambda d: d["extension"].update(recovery=KEY_1), "^extension/recovery: must be an array"),
        (
            lambda d: d["extension"].update(recovery=[None]),
            "^extension/recovery: None is not a string",
        ),
        (lambda d: d["extension"].update(ttl="86400"), "^extension/ttl: must be an integer"),
        (lambda d: d["extension"].update(ttl=True), "^extension/ttl: must be an integer"),
        (lambda d: d["extension"].update(ttl=86400.0), "^extension/ttl: must be an integer"),
        (lambda d: d["extension"].update(ttl=-1), "^extension/ttl: must not be negative"),
        (lambda d: d["extension"].update(type="105"), "^extension/type: must be an integer"),
        (lambda d: d["extension"].update(type=False), "^extension/type: must be an integer"),
        (lambda d: d["extension"].update(acsns="acsn"), "^extension/acsns: must be an array"),
        (
            lambda d: d["extension"].update(acsns=["ACSN"]),
            "^extension/acsns: 'ACSN' is not a 4-character AC code",
        ),
        (
            lambda d: d["extension"].update(acsns=["acs"]),
            "^extension/acsns: 'acs' is not a 4-character",
        ),
        (
            lambda d: d["extension"].update(delegateSign="sig"),
            "^extension/delegateSign: must hold string signer",
        ),
        (
            lambda d: d["extension"].update({"delegateSign ": {"signer": "s"}}),
            "^extension/delegateSign: must hold",
        ),
        (
            lambda d: d["extension"].update(delegateSign={"signer": 1, "signatureValue": "v"}),
            "^extension/delegateSign: must",
        ),
        (
            lambda d: d["extension"]["attributes"].append("x"),
            "^extension/attributes/1: must be an object with a string key",
        ),
        (
            lambda d: d["extension"]["attributes"][0].pop("key"),
            "^extension/attributes/0: must be an object",
        ),
        (
            lambda d: d["extension"]["attributes"][0].update(key=1),
            "^extension/attributes/0: must be an object",
        ),
        (
            lambda d: d["extension"].update(verifiableCredentials=[{"id": BID}]),
            "^extension/verifiableCredentials/0: needs a string id, int type",
        ),
        (
            lambda d: d["extension"].update(verifiableCredentials=[{"id": 1, "type": 201}]),
            "^extension/verifiableCredentials/0: needs",
        ),
        (
            lambda d: d["extension"].update(verifiableCredentials=["x"]),
            "^extension/verifiableCredentials/0: needs",
        ),
        # _check_also_known_as
        (
            lambda d: d.update(alsoKnownAs={"id": BID, "type": 101}),
            "^alsoKnownAs: must be an array",
        ),
        (
            lambda d: d.update(alsoKnownAs=[BID]),
            "^alsoKnownAs/0: must be an object with a string id and int type",
        ),
        (
            lambda d: d.update(alsoKnownAs=[{"id": BID, "type": "101"}]),
            "^alsoKnownAs/0: must be an object",
        ),
        (
            lambda d: d.update(alsoKnownAs=[{"id": BID, "type": 101}, {"type": 101}]),
            "^alsoKnownAs/1: must be an object",
        ),
        # _check_services
        (lambda d: d.update(service={}), "^service: must be an array"),
        (lambda d: d.update(service=["https://x.example"]), "^service/0: must be an object"),
        (
            lambda d: d.update(service=[{"type": "T", "serviceEndpoint": "x"}]),
            "^service/0: id must be a string",
        ),
        (
            lambda d: d.update(service=[{"id": BID + "#s", "serviceEndpoint": "x"}]),
            "^service/0: type must be a string",
        ),
        (
            lambda d: d.update(service=[{"id": BID + "#s", "type": ["T"], "serviceEndpoint": "x"}]),
            "^service/0: type must be",
        ),
        (
            lambda d: d.update(
                service=[{"id": BID + "#s", "type": "T", "serviceEndpoint": {"uri": "x"}}]
            ),
            "^service/0: serviceEndpoint must be a string",
        ),
        (
            lambda d: d.update(
                service=[{"id": BID + "#s", "type": "T", "serviceEndpoint": "x"}] * 2
            ),
            "^service/1: two services have the id",
        ),
        (
            lambda d: d.update(
                service=[{"id": BID + "#s", "type": "T", "serviceEndpoint": "x", "protocol": "2"}]
            ),
            "^service/0: protocol must be an integer",
        ),
        (
            lambda d: d.update(
                service=[{"id": BID + "#s", "type": "T", "serviceEndpoint": "x", "serverType": 1.0}]
            ),
            "^service/0: serverType must be an integer",
        ),
        (
            lambda d: d.update(
                service=[{"id": BID + "#s", "type": "T", "serviceEndpoint": "x", "port": [8080]}]
            ),
            "^service/0: port must be an integer or a string",
        ),
        (
            lambda d: d.update(
                service=[{"id": BID + "#s", "type": "T", "serviceEndpoint": "x", "port": None}]
            ),
            "^service/0: port must be",
        ),
    ],
)
def test_invalid_documents(change: Callable[[dict[str, Any]], Any], match: str) -> None:
    _invalid(_changed(change, _rfc_document), match)


@pytest.mark.parametrize(
    "name", ["privateKeyHex", "privateKey", "secretKeyMultibase", "privateKeyMultibase"]
)
def test_private_key_material_is_refused(name: str) -> None:
    data = _rfc_document()
    data["publicKey"][0][name] = "priSPKp8oiiAXGZaXFBMKEAoL2b6J6UDQCw4x39ereXYtyAejM"
    _invalid(data, rf"^publicKey/0: holds private key material \({name}\)")


# -- the W3C mapping ----------------------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(VECTOR_DOCUMENTS))
def test_vector_documents_map_to_w3c_and_back(name: str) -> None:
    data = VECTOR_DOCUMENTS[name]()
    document = BIDDocument.from_json(data)
    w3c = document.to_did_document()
    w3c_json = w3c.to_json()
    # publicKey is renamed in place, everything else keeps its name and position.
    names = ["verificationMethod" if n == "publicKey" else n for n in data]
    assert list(w3c_json) == names
    assert w3c_json["verificationMethod"] == data["publicKey"]
    # The W3C view is a valid W3C document (a proof, an extension... are unknown members).
    checked = DIDDocument.from_json(w3c_json)
    assert checked == w3c
    for key_id in data["authentication"]:
        assert checked.is_authorized(key_id, "authentication")
        assert checked.find_verification_method(key_id).public_key() == document.key(key_id)
    back = BIDDocument.from_did_document(checked)
    assert back == document
    assert json.dumps(back.to_json()) == json.dumps(data)


def test_java_vector_also_known_as_needs_no_bid_also_known_as() -> None:
    w3c = BIDDocument.from_json(_java_document()).to_did_document().to_json()
    assert w3c["alsoKnownAs"] == [JAVA_DDO["bid"]]
    assert "bidAlsoKnownAs" not in w3c


@pytest.mark.parametrize(
    ("identifier", "inferred"),
    [
        ("did:bid:efJgt44mNDewKK1VEN454R17cjso3mSG", 101),
        ("did:bid:aa1c", 101),
        ("did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK", 102),
        ("did:web:example.com", 102),
        ("example.com", 999),
        ("https://example.com/alice", 999),
        ("DID:bid:ef1", 999),
    ],
)
def test_also_known_as_type_inference(identifier: str, inferred: int) -> None:
    w3c_json = BIDDocument.from_json(_rfc_document()).to_did_document().to_json()
    w3c_json["alsoKnownAs"] = [identifier]
    document = BIDDocument.from_did_document(DIDDocument.from_json(w3c_json))
    assert document.to_json()["alsoKnownAs"] == [{"id": identifier, "type": inferred}]
    # ...and back: the inferred type needs no bidAlsoKnownAs.
    again = document.to_did_document().to_json()
    assert again == w3c_json
    assert "bidAlsoKnownAs" not in again


@pytest.mark.parametrize(
    "entries",
    [
        [{"id": "did:bid:efJgt44mNDewKK1VEN454R17cjso3mSG", "type": 104}],  # not the inferred 101
        [{"id": "example.com", "type": 103}],
        [{"id": "alice", "type": 105}, {"id": "did:web:x.example", "type": 102}],
        [{"id": "did:web:x.example", "type": 102, "note": "extra member"}],
        [{"type": 101, "id": "did:bid:efJgt44mNDewKK1VEN454R17cjso3mSG"}],  # member order
    ],
)
def test_other_also_known_as_types_travel_in_bid_also_known_as(
    entries: list[dict[str, Any]],
) -> None:
    data = dict(_rfc_document(), alsoKnownAs=entries)
    document = BIDDocument.from_json(data)
    w3c_json = document.to_did_document().to_json()
    assert w3c_json["alsoKnownAs"] == [e["id"] for e in entries]
    assert w3c_json["bidAlsoKnownAs"] == entries
    assert list(w3c_json).index("bidAlsoKnownAs") == list(w3c_json).index("alsoKnownAs") + 1
    w3c = DIDDocument.from_json(w3c_json)
    back = BIDDocument.from_did_document(w3c)
    assert json.dumps(back.to_json()) == json.dumps(data)
    assert back.to_did_document() == w3c


def test_bid_also_known_as_must_match_also_known_as() -> None:
    w3c_json = BIDDocument.from_json(_rfc_document()).to_did_document().to_json()
    w3c_json["alsoKnownAs"] = ["did:web:a.example"]
    w3c_json["bidAlsoKnownAs"] = [{"id": "did:web:b.example", "type": 102}]
    with pytest.raises(InvalidDocument, match="bidAlsoKnownAs does not match alsoKnownAs"):
        BIDDocument.from_did_document(DIDDocument.from_json(w3c_json))


def test_from_did_document_validates_the_result() -> None:
    # A valid W3C document that is not a BID document (did:key, no @context) is refused.
    w3c = DIDDocument.from_json({"id": "did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK"})
    with pytest.raises(InvalidDocument, match="a BID document needs '@context'"):
        BIDDocument.from_did_document(w3c)


@given(bid_documents())
@settings(max_examples=40)
def test_generated_documents_map_to_w3c_and_back(document: BIDDocument) -> None:
    w3c = DIDDocument.from_json(document.to_did_document().to_json())
    back = BIDDocument.from_did_document(w3c)
    assert back == document
    assert json.dumps(back.to_json()) == json.dumps(document.to_json())
    # The W3C view names the same keys for the same purposes.
    for key_id in document.authentication:
        assert w3c.is_authorized(key_id, "authentication")
        assert w3c.find_verification_method(key_id).public_key() == document.key(key_id)
    identifiers = [e["id"] for e in document.to_json().get("alsoKnownAs", [])]
    assert list(w3c.also_known_as) == identifiers


@given(did_documents(methods=["bid"]))
@settings(max_examples=25)
def test_w3c_documents_in_the_mapped_shape_map_back_and_forth(w3c: DIDDocument) -> None:
    document = BIDDocument.from_did_document(w3c)
    again = document.to_did_document()
    assert again == w3c
    assert json.dumps(again.to_json()) == json.dumps(w3c.to_json())


@given(st.from_type(BIDDocument))
@settings(max_examples=10)
def test_bid_documents_are_registered_for_from_type(document: BIDDocument) -> None:
    assert isinstance(document, BIDDocument)
    assert BIDDocument.from_json(document.to_json()) == document


# -- the strategy ---------------------------------------------------------------------------------


@given(data=st.data())
@SM2_SETTINGS
def test_bid_documents_derive_their_bid_from_the_first_key(data: st.DataObject) -> None:
    key = data.draw(private_keys())
    document = data.draw(bid_documents(keys=st.just(key)))
    first = document.public_keys[0]
    assert first["id"] == document.id + "#key-1"
    assert document.key(document.id + "#key-1") == key.public_key
    assert document.bid.derives_from(key.key_type, key.public_key.public_bytes())


@given(bid_documents(key_types=["ed25519"], services=False))
@settings(max_examples=30)
def test_bid_documents_options(document: BIDDocument) -> None:
    assert "service" not in document.properties
    assert all(
        isinstance(document.key(str(e["id"])), bid.Ed25519PublicKey) for e in document.public_keys
    )
    extension = document.extension
    assert extension["type"] in EXTENSION_TYPES
    for entry in document.to_json().get("alsoKnownAs", []):
        assert entry["type"] in ALSO_KNOWN_AS_TYPES or entry["type"] == 999


def _draws(strategy: st.SearchStrategy[object]) -> Callable[[], None]:
    @given(strategy)
    @settings(max_examples=1, database=None)
    def draw(value: object) -> None:
        raise AssertionError(f"drew {value!r} from an invalid strategy")

    return draw


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda: bid_documents(key_types=["rsa"]), "rsa"),
        (lambda: bid_documents(key_types="ed25519"), "non-empty sequence"),
        (lambda: bid_documents(services="yes"), "services="),  # type: ignore[arg-type]
        (
            lambda: bid_documents(keys=bid.Ed25519PrivateKey.from_seed(bytes(32))),  # type: ignore[arg-type]
            "must be a strategy",
        ),
    ],
)
def test_bid_documents_refuses_bad_arguments(
    make: Callable[[], st.SearchStrategy[object]], message: str
) -> None:
    with pytest.raises(InvalidArgument, match=message):
        _draws(make())()
