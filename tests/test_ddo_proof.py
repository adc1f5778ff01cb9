"""BID document proofs (bid.ddo_proof): both conventions of bid-method.md section 5.3.

The three proof vectors of ``bid-vectors.json`` are reproduced byte for byte; round trips,
tampering and every error path are checked with both key types. SM2 examples are few
(each SM2 key derivation costs milliseconds).
"""

from __future__ import annotations

import copy
import json
import math
import re
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

import bid
from bid._codec import b58decode_bif, b58encode_bif
from bid.ddo import BIDDocument
from bid.ddo_proof import (
    JAVA_FIELD_ORDER,
    Convention,
    proof_payload,
    sign_delegate,
    sign_document,
    verify_delegate_sign,
    verify_document_proof,
)
from bid.errors import InvalidDocument
from bid.strategies import bid_documents, private_keys

VECTORS = json.loads(
    (Path(__file__).parent / "vectors" / "bid-vectors.json").read_text(encoding="utf-8")
)
RFC_VECTORS = [e for e in VECTORS if e["kind"] == "proof_rfc_sorted_json_base58"]
JAVA_VECTORS = [e for e in VECTORS if e["kind"] == "proof_bidsdk_java_declaration_order_hex"]
RFC_DDO = next(e for e in RFC_VECTORS if e["id"] == "proof-rfc-ddo")
JAVA_DDO = JAVA_VECTORS[0]
CONVENTIONS: tuple[Convention, ...] = ("rfc", "java")
SM2_SETTINGS = settings(max_examples=8)

# The member order tables of bid-method.md section 5.3, written out here on their own so
# that the module's table is checked against the specification, not against itself.
SPEC_ORDER = {
    "": (
        "version",
        "id",
        "publicKey",
        "authentication",
        "alsoKnownAs",
        "extension",
        "service",
        "created",
        "updated",
        "@context",
    ),
    "publicKey": ("id", "type", "publicKeyHex", "controller"),
    "alsoKnownAs": ("id", "type"),
    "extension": (
        "recovery",
        "ttl",
        "type",
        "delegateSign",
        "attributes",
        "acsns",
        "verifiableCredentials",
    ),
    "extension/delegateSign": ("signer", "signatureValue"),
    "extension/attributes": ("key", "desc", "value", "format", "encrypt"),
    "extension/verifiableCredentials": ("id", "type"),
    "service": ("id", "type", "version", "protocol", "serverType", "serviceEndpoint", "port"),
}

# Pinned by this library (SM2 signatures are randomized, no SM2 proof vector exists): the
# key is sm2-02 of bid-vectors.json. These guard the SM2 payloads against regressions.
SM2_KEY = "priSrrePFRpvJYqB7uVXahWPh7zsdfAVc1FLH8dTvqHyYVpGoG"
SM2_BID = "did:bid:zf213EVe3frk1EmLVxMCr6aouCyNc5suf"
SM2_DOCUMENT: dict[str, Any] = {
    "@context": ["https://www.w3.org/ns/did/v1"],
    "version": "1.0.0",
    "id": SM2_BID,
    "publicKey": [
        {
            "id": SM2_BID + "#key-1",
            "type": "SM2",
            "controller": SM2_BID,
            "publicKeyHex": "b07a6604135e7dec9d4997d0f5d9dbba9cff9090d4e30e532b5b5f3ca37369802400"
            "c1eab96088816f3afc84e638cfd0827ac319464fdfd6047f3437f45b553437130457",
        }
    ],
    "authentication": [SM2_BID + "#key-1"],
    "extension": {
        "ttl": 86400,
        "type": 101,
        "attributes": [{"key": "name", "value": "国密"}],
        "delegateSign": {
            "signer": SM2_BID + "#key-1",
            "signatureValue": "996C10AE780EFAE05330B10F7D5A8C4A9151667BC1038679113353C4B91042E8"
            "BB7F42EA82F7FD439AAAA13F70C1DD2DC9AB51FB28026FC2511368803EEFB49D",
        },
    },
    "created": "2026-01-01T00:00:00Z",
    "updated": "2026-01-01T00:00:00Z",
}
SM2_PROOFS = {
    "rfc": "n3Ti5YUHhi9TRzVJnTfe589cQkbQ9wYFDPcqFhfstiZ9ZoXHqFG4wYz61jhT1PY"
    "Zy37vNEvTdWDuiEgWwWzHtsJ",
    "java": "ACC09152D304FA84F84C73E569C729A53416CD137405A6487DA941C9769EA7AF4AC053E99B3E623369658"
    "5C3CD42A8805FA9FFFBB89C5831185798DF216923FA",
}


def _with_proof(data: Mapping[str, Any], creator: str, value: str) -> BIDDocument:
    out = copy.deepcopy(dict(data))
    out["proof"] = {"creator": creator, "signatureValue": value}
    return BIDDocument.from_json(out)


def _java_document() -> BIDDocument:
    return BIDDocument.from_json(JAVA_DDO["document_with_proof"])


def _signed(data: st.DataObject, key_types: list[str]) -> tuple[bid.PrivateKey, BIDDocument]:
    key = data.draw(private_keys(key_types=key_types))
    return key, data.draw(bid_documents(key_types=key_types, keys=st.just(key)))


def _proof(document: BIDDocument) -> dict[str, Any]:
    proof: dict[str, Any] = document.to_json()["proof"]
    return proof


def _creator(document: BIDDocument) -> str:
    return document.id + "#key-1"


# -- the vectors ------------------------------------------------------------------------------


def test_the_vector_kinds_are_present() -> None:
    assert len(RFC_VECTORS) == 2
    assert len(JAVA_VECTORS) == 1


@pytest.mark.parametrize("v", [pytest.param(v, id=v["id"]) for v in RFC_VECTORS])
def test_rfc_vector_payload_and_signature(v: dict[str, Any]) -> None:
    expected = v["canonical_json_signed"].encode("utf-8")
    assert proof_payload(v["unsigned_object"], "rfc") == expected
    # The proof member is never part of what is signed.
    with_proof = dict(v["unsigned_object"], proof={"creator": "x", "signatureValue": "y"})
    assert proof_payload(with_proof, "rfc") == expected
    key = bid.parse_private_key(v["private_key"])
    signature = key.sign(expected)
    assert b58encode_bif(signature) == v["signature_base58_bif_alphabet"]
    assert signature.hex() == v["signature_hex"]
    key.public_key.verify(b58decode_bif(v["signature_base58_bif_alphabet"]), expected)


def test_rfc_ddo_vector_is_resigned_exactly_and_verifies() -> None:
    key = bid.parse_private_key(RFC_DDO["private_key"])
    document = BIDDocument.from_json(RFC_DDO["unsigned_object"])
    creator = RFC_DDO["bid"] + "#key-1"
    signed = sign_document(document, key, creator=creator)
    assert _proof(signed) == {
        "creator": creator,
        "signatureValue": RFC_DDO["signature_base58_bif_alphabet"],
    }
    assert verify_document_proof(signed) == "rfc"
    # The document as published (with its proof) verifies on its own.
    published = _with_proof(
        RFC_DDO["unsigned_object"], creator, RFC_DDO["signature_base58_bif_alphabet"]
    )
    assert published == signed
    assert verify_document_proof(published) == "rfc"


def test_java_vector_payload_is_reproduced_byte_for_byte() -> None:
    document = _java_document()
    expected = JAVA_DDO["canonical_json_signed"].encode("utf-8")
    assert proof_payload(document, "java") == expected
    # Non-ASCII is written as UTF-8, as Jackson does, not as \\u escapes.
    assert "名称".encode() in expected
    # The order comes from the tables, not from the document: shuffle every object.
    reordered = json.loads(
        json.dumps(JAVA_DDO["document_with_proof"]),
        object_pairs_hook=lambda pairs: dict(reversed(pairs)),
    )
    assert list(reordered) != list(JAVA_DDO["document_with_proof"])
    assert proof_payload(BIDDocument.from_json(reordered), "java") == expected


def test_java_vector_verifies() -> None:
    document = _java_document()
    assert _proof(document)["signatureValue"] == JAVA_DDO["proof_signature_hex_upper"]
    assert verify_document_proof(document) == "java"
    key = bid.parse_public_key(JAVA_DDO["public_key"])
    key.verify(
        bytes.fromhex(JAVA_DDO["proof_signature_hex_upper"]),
        JAVA_DDO["canonical_json_signed"].encode("utf-8"),
    )


def test_java_vector_delegate_sign_verifies() -> None:
    document = _java_document()
    verify_delegate_sign(document)
    delegate = document.extension["delegateSign"]
    assert isinstance(delegate, Mapping)
    assert delegate["signatureValue"] == JAVA_DDO["delegateSign_signature_hex_upper"]
    # What is signed: the hex-decoded encoded public key, 35 bytes b0 65 66 || key.
    message = bytes.fromhex(JAVA_DDO["delegateSign_message_hex"])
    assert len(message) == 35
    assert message[:3] == b"\xb0\x65\x66"
    assert JAVA_DDO["delegateSign_message_hex"] == document.public_keys[0]["publicKeyHex"]
    bid.parse_public_key(JAVA_DDO["public_key"]).verify(
        bytes.fromhex(JAVA_DDO["delegateSign_signature_hex_upper"]), message
    )


def test_java_vector_read_with_the_spaced_delegate_sign_name() -> None:
    data = copy.deepcopy(JAVA_DDO["document_with_proof"])
    data["extension"]["delegateSign "] = data["extension"].pop("delegateSign")
    document = BIDDocument.from_json(data)
    verify_delegate_sign(document)
    # "delegateSign " is no field of the Java class: the Java payload no longer has it.
    assert b"delegateSign" not in proof_payload(document, "java")
    assert b'"delegateSign "' in proof_payload(document, "rfc")


@pytest.mark.parametrize("case", [str.lower, str.upper, lambda s: s[:64].lower() + s[64:]])
def test_java_signature_hex_of_either_case_is_accepted(case: Any) -> None:
    data = copy.deepcopy(JAVA_DDO["document_with_proof"])
    data["proof"]["signatureValue"] = case(data["proof"]["signatureValue"])
    assert verify_document_proof(BIDDocument.from_json(data)) == "java"
    # The delegate signature is inside what the proof signs: check it on its own.
    delegate = data["extension"]["delegateSign"]
    delegate["signatureValue"] = case(delegate["signatureValue"])
    verify_delegate_sign(BIDDocument.from_json(data))


def test_the_convention_is_detected_from_the_signature_form() -> None:
    # The Java vector's signature written in Base58 is read as an RFC proof: it is over the
    # Java bytes, so it does not verify.
    data = copy.deepcopy(JAVA_DDO["document_with_proof"])
    data["proof"]["signatureValue"] = b58encode_bif(
        bytes.fromhex(JAVA_DDO["proof_signature_hex_upper"])
    )
    with pytest.raises(bid.InvalidSignature):
        verify_document_proof(BIDDocument.from_json(data))
    # ...and the RFC vector's signature written in hex is read as a Java proof.
    signature = b58decode_bif(RFC_DDO["signature_base58_bif_alphabet"]).hex()
    document = _with_proof(RFC_DDO["unsigned_object"], RFC_DDO["bid"] + "#key-1", signature)
    with pytest.raises(bid.InvalidSignature):
        verify_document_proof(document)


def test_java_field_order_is_the_specification_table() -> None:
    assert dict(JAVA_FIELD_ORDER) == SPEC_ORDER


# -- pinned SM2 proofs (verify only) ------------------------------------------------------------


@pytest.mark.parametrize("convention", CONVENTIONS)
def test_pinned_sm2_proof_verifies(convention: Convention) -> None:
    key = bid.parse_private_key(SM2_KEY)
    assert str(key.bid()) == SM2_BID
    assert key.public_key.to_bif() == SM2_DOCUMENT["publicKey"][0]["publicKeyHex"]
    document = _with_proof(SM2_DOCUMENT, SM2_BID + "#key-1", SM2_PROOFS[convention])
    assert verify_document_proof(document) == convention
    verify_delegate_sign(document)
    # The SM2 signature is raw r || s: 64 bytes, no DER.
    other: Convention = "java" if convention == "rfc" else "rfc"
    signature = (
        bytes.fromhex(SM2_PROOFS["java"])
        if convention == "java"
        else b58decode_bif(SM2_PROOFS["rfc"])
    )
    assert len(signature) == 64
    key.public_key.verify(signature, proof_payload(document, convention))
    with pytest.raises(bid.InvalidSignature):
        key.public_key.verify(signature, proof_payload(document, other))


# -- round trips ------------------------------------------------------------------------------


@given(data=st.data(), convention=st.sampled_from(CONVENTIONS))
@settings(max_examples=30)
def test_ed25519_sign_then_verify(data: st.DataObject, convention: Convention) -> None:
    key, document = _signed(data, ["ed25519"])
    signed = sign_document(document, key, creator=_creator(document), convention=convention)
    assert verify_document_proof(signed) == convention
    value = _proof(signed)["signatureValue"]
    if convention == "java":
        assert re.fullmatch(r"[0-9A-F]{128}", value)
    else:
        assert len(b58decode_bif(value)) == 64
    # Everything but the proof is unchanged, and signing again gives the same proof
    # (Ed25519 is deterministic; the old proof is not part of what is signed).
    assert {k: v for k, v in signed.to_json().items() if k != "proof"} == {
        k: v for k, v in document.to_json().items() if k != "proof"
    }
    again = sign_document(signed, key, creator=_creator(document), convention=convention)
    assert again == signed


@given(data=st.data(), convention=st.sampled_from(CONVENTIONS))
@SM2_SETTINGS
def test_sm2_sign_then_verify(data: st.DataObject, convention: Convention) -> None:
    key, document = _signed(data, ["sm2"])
    assert isinstance(key, bid.SM2PrivateKey)
    first = sign_document(document, key, creator=_creator(document), convention=convention)
    second = sign_document(document, key, creator=_creator(document), convention=convention)
    assert verify_document_proof(first) == convention
    assert verify_document_proof(second) == convention
    # Randomized: two signatures of the same bytes differ.
    assert _proof(first) != _proof(second)


@given(data=st.data())
@settings(max_examples=20)
def test_any_key_of_the_document_may_create_the_proof(data: st.DataObject) -> None:
    key, document = _signed(data, ["ed25519"])
    other = data.draw(private_keys(key_types=["ed25519"]))
    assume(other.public_key != key.public_key)
    entries = [dict(e) for e in document.public_keys]
    other_id = document.id + "#key-other"
    entries.append(
        {
            "id": other_id,
            "type": "Ed25519",
            "controller": document.id,
            "publicKeyHex": other.public_key.to_bif(),
        }
    )
    document = document.with_changes(publicKey=entries)
    signed = sign_document(document, other, creator=other_id, convention="java")
    assert verify_document_proof(signed) == "java"
    # The same signature under another key's id does not verify.
    proof = dict(_proof(signed), creator=_creator(document))
    with pytest.raises(bid.InvalidSignature):
        verify_document_proof(signed.with_changes(proof=proof))


# -- tampering --------------------------------------------------------------------------------


def _leaves(value: Any, path: tuple[str | int, ...] = ()) -> Iterator[tuple[str | int, ...]]:
    if isinstance(value, Mapping):
        for name, child in value.items():
            yield from _leaves(child, (*path, name))
    elif isinstance(value, list):
        for index, child in enumerate(value):
            yield from _leaves(child, (*path, index))
    else:
        yield path


def _covered_by_java(path: tuple[str | int, ...]) -> bool:
    """Whether a leaf is a member of the Java classes (section 5.3's tables)."""
    where = ""
    for step in path:
        if isinstance(step, int):
            continue
        if step not in SPEC_ORDER[where]:
            return False
        child = f"{where}/{step}" if where else step
        where = child if child in SPEC_ORDER else where
    return True


def _replace(document: Any, path: tuple[str | int, ...], value: Any) -> Any:
    out = copy.deepcopy(document)
    target = out
    for step in path[:-1]:
        target = target[step]
    target[path[-1]] = value
    return out


def _different(old: Any) -> st.SearchStrategy[Any]:
    if isinstance(old, bool):
        return st.just(not old)
    if isinstance(old, int):
        return st.integers(0, 2**31 - 1).filter(lambda n: n != old)
    return st.text(max_size=12).filter(lambda s: s != old)


@given(
    data=st.data(),
    convention=st.sampled_from(CONVENTIONS),
    delegate=st.booleans(),
)
@settings(max_examples=60)
def test_changing_any_signed_member_breaks_the_proof(
    data: st.DataObject, convention: Convention, delegate: bool
) -> None:
    key, document = _signed(data, ["ed25519"])
    if delegate:
        document = sign_delegate(document, key, signer=_creator(document))
    signed = sign_document(document, key, creator=_creator(document), convention=convention)
    unsigned = {k: v for k, v in signed.to_json().items() if k != "proof"}
    leaves = [p for p in _leaves(unsigned) if convention == "rfc" or _covered_by_java(p)]
    # Try leaves in a drawn order until a change leaves a valid BID document (changing an
    # id or a key usually does not: those documents have nothing to verify).
    for path in data.draw(st.permutations(leaves)):
        old: Any = unsigned
        for step in path:
            old = old[step]
        try:
            tampered = BIDDocument.from_json(
                _replace(signed.to_json(), path, data.draw(_different(old)))
            )
        except InvalidDocument:
            continue
        with pytest.raises(bid.InvalidSignature):
            verify_document_proof(tampered)
        return
    raise AssertionError("no member could be changed")  # version and ttl always can


@given(
    data=st.data(), name=st.text(min_size=1, max_size=8), value=st.integers(-(2**53) + 1, 2**53 - 1)
)
@settings(max_examples=25)
def test_unknown_members_are_signed_by_rfc_only(data: st.DataObject, name: str, value: int) -> None:
    key, document = _signed(data, ["ed25519"])
    assume(name not in SPEC_ORDER[""] and name != "proof")
    for convention in CONVENTIONS:
        signed = sign_document(document, key, creator=_creator(document), convention=convention)
        extended = BIDDocument.from_json(dict(signed.to_json(), **{name: value}))
        if convention == "rfc":
            with pytest.raises(bid.InvalidSignature):
                verify_document_proof(extended)
        else:  # the Java classes have no field for it: not covered (documented)
            assert verify_document_proof(extended) == "java"


def test_a_changed_proof_signature_is_refused() -> None:
    document = _java_document()
    value = _proof(document)["signatureValue"]
    for index in (0, 63, 127):
        flipped = value[:index] + ("0" if value[index] != "0" else "1") + value[index + 1 :]
        proof = dict(_proof(document), signatureValue=flipped)
        with pytest.raises(bid.InvalidSignature):
            verify_document_proof(document.with_changes(proof=proof))


# -- errors -----------------------------------------------------------------------------------


def test_a_document_without_proof_is_refused() -> None:
    document = BIDDocument.from_json(RFC_DDO["unsigned_object"])
    with pytest.raises(InvalidDocument, match="has no proof"):
        verify_document_proof(document)


@pytest.mark.parametrize(
    "creator",
    [
        "did:bid:ef18F9AVK4SQLZPRrPkrVWwp9kbpdXHx#key-2",
        " did:bid:ef18F9AVK4SQLZPRrPkrVWwp9kbpdXHx#key-1",  # the RFC text's stray space
        "did:bid:efJgt44mNDewKK1VEN454R17cjso3mSG#key-1",
        "",
    ],
)
def test_a_creator_that_is_not_a_key_of_the_document_is_refused(creator: str) -> None:
    document = _with_proof(
        RFC_DDO["unsigned_object"], creator, RFC_DDO["signature_base58_bif_alphabet"]
    )
    with pytest.raises(InvalidDocument, match="is not a publicKey of"):
        verify_document_proof(document)


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("", "neither 128 hex digits nor BIF Base58"),
        ("0" * 127, "neither 128 hex digits nor BIF Base58"),
        ("0" * 129, "neither 128 hex digits nor BIF Base58"),
        ("g" + "0" * 127, "neither 128 hex digits nor BIF Base58"),
        (" " + RFC_DDO["signature_base58_bif_alphabet"], "neither 128 hex digits nor BIF"),
        ("5jFX6UKMVTg73LCWamNd", "decodes to 15 bytes"),
        (b58encode_bif(bytes(65) + b"\x01"), "decodes to 66 bytes"),
        ("z" * 200, "too long"),
    ],
)
def test_a_malformed_signature_value_is_refused(value: str, message: str) -> None:
    document = _with_proof(RFC_DDO["unsigned_object"], RFC_DDO["bid"] + "#key-1", value)
    with pytest.raises(InvalidDocument, match=message):
        verify_document_proof(document)


def test_a_creator_without_a_usable_key_is_refused() -> None:
    data = copy.deepcopy(RFC_DDO["unsigned_object"])
    data["publicKey"].append(
        {"id": RFC_DDO["bid"] + "#key-9", "type": "X25519", "controller": RFC_DDO["bid"]}
    )
    document = _with_proof(
        data, RFC_DDO["bid"] + "#key-9", RFC_DDO["signature_base58_bif_alphabet"]
    )
    with pytest.raises(InvalidDocument, match="has no publicKeyHex"):
        verify_document_proof(document)


def test_signing_refuses_an_unknown_creator_a_wrong_key_and_an_unknown_convention() -> None:
    key = bid.parse_private_key(RFC_DDO["private_key"])
    document = BIDDocument.from_json(RFC_DDO["unsigned_object"])
    with pytest.raises(InvalidDocument, match="is not a publicKey of"):
        sign_document(document, key, creator=RFC_DDO["bid"] + "#key-2")
    other = bid.Ed25519PrivateKey.from_seed(bytes(32))
    with pytest.raises(bid.InvalidKey, match="is not the key of"):
        sign_document(document, other, creator=RFC_DDO["bid"] + "#key-1")
    with pytest.raises(bid.InvalidInput, match="convention"):
        sign_document(document, key, creator=RFC_DDO["bid"] + "#key-1", convention="jcs")  # type: ignore[arg-type]
    with pytest.raises(bid.InvalidInput, match="convention"):
        proof_payload(document, "JAVA")  # type: ignore[arg-type]


# -- the Java payload in detail -----------------------------------------------------------------


def _document_with(**extension_changes: Any) -> dict[str, Any]:
    data: dict[str, Any] = copy.deepcopy(JAVA_DDO["document_with_proof"])
    data["extension"].update(extension_changes)
    return data


def test_java_payload_escapes_strings_as_jackson_does() -> None:
    text = 'q"b\\s/n\nt\tr\rb\bf\fc\x01d\x1f u\u2028 中 😀'
    data = _document_with(attributes=[{"key": "k", "value": text}])
    payload = proof_payload(BIDDocument.from_json(data), "java").decode("utf-8")
    expected = '"value":"q\\"b\\\\s/n\\nt\\tr\\rb\\bf\\fc\\u0001d\\u001F u\u2028 中 😀"'
    assert expected in payload
    # The RFC convention escapes as RFC 8785 says (lower-case hex).
    rfc = proof_payload(BIDDocument.from_json(data), "rfc").decode("utf-8")
    assert "\\u001f" in rfc


def test_java_payload_leaves_out_nulls_and_unknown_members() -> None:
    data = _document_with(attributes=[{"key": "k", "desc": None, "extra": 1}])
    data["unknownTop"] = {"a": 1}
    document = BIDDocument.from_json(data)
    java = proof_payload(document, "java")
    assert b'"attributes":[{"key":"k"}]' in java
    assert b"unknownTop" not in java
    rfc = proof_payload(document, "rfc")
    assert b'{"desc":null,"extra":1,"key":"k"}' in rfc
    assert b'"unknownTop":{"a":1}' in rfc


def test_java_payload_converts_numbers_in_string_fields() -> None:
    # service.port is a String in BID-SDK-JAVA; the RFC writes it as a number.
    data = copy.deepcopy(JAVA_DDO["document_with_proof"])
    data["service"][0].update({"serverType": 1, "port": 8080})
    java = proof_payload(BIDDocument.from_json(data), "java")
    assert b'"serviceEndpoint":"https://bidresolver.com","port":"8080"}' in java
    data["service"][0]["port"] = "8080"
    assert proof_payload(BIDDocument.from_json(data), "java") == java


@pytest.mark.parametrize(
    ("attribute", "message"),
    [
        ({"key": "k", "encrypt": "1"}, "extension/attributes/0/encrypt"),
        ({"key": "k", "encrypt": True}, "is not a Java Integer"),
        ({"key": "k", "encrypt": 2**31}, "is not a Java Integer"),
        ({"key": "k", "value": {"nested": 1}}, "cannot be read into a Java String"),
        ({"key": "k", "value": 1.5}, "cannot be read into a Java String"),
    ],
)
def test_java_payload_refuses_what_jackson_cannot_read(
    attribute: dict[str, Any], message: str
) -> None:
    document = BIDDocument.from_json(_document_with(attributes=[attribute]))
    with pytest.raises(InvalidDocument, match=re.escape(message)):
        proof_payload(document, "java")
    with pytest.raises(InvalidDocument, match="BID-SDK-JAVA cannot read"):
        verify_document_proof(document)


def test_documents_rfc8785_cannot_write_are_refused_at_the_door() -> None:
    # NaN and integers beyond 2^53 have no RFC 8785 form: no document can hold them.
    for value in (math.nan, 2**60):
        with pytest.raises(InvalidDocument, match=r"JSON number|beyond 2"):
            BIDDocument.from_json(_document_with(attributes=[{"key": "k", "value": value}]))
    with pytest.raises(InvalidDocument, match="no RFC 8785 form"):
        proof_payload({"value": math.nan}, "rfc")


# -- delegateSign -----------------------------------------------------------------------------


@given(data=st.data())
@settings(max_examples=15)
def test_delegate_sign_round_trip(data: st.DataObject) -> None:
    key, document = _signed(data, ["ed25519"])
    signed = sign_delegate(document, key, signer=_creator(document))
    delegate = signed.extension["delegateSign"]
    assert isinstance(delegate, Mapping)
    assert delegate["signer"] == _creator(document)
    assert re.fullmatch(r"[0-9A-F]{128}", str(delegate["signatureValue"]))
    verify_delegate_sign(signed)
    # It is a signature over the first key's encoded bytes.
    key.public_key.verify(
        bytes.fromhex(str(delegate["signatureValue"])),
        bytes.fromhex(str(document.public_keys[0]["publicKeyHex"])),
    )


@given(data=st.data())
@SM2_SETTINGS
def test_delegate_sign_round_trip_sm2(data: st.DataObject) -> None:
    key, document = _signed(data, ["sm2"])
    first = sign_delegate(document, key, signer=_creator(document))
    second = sign_delegate(document, key, signer=_creator(document))
    assert first.extension["delegateSign"] != second.extension["delegateSign"]
    verify_delegate_sign(first)
    verify_delegate_sign(second)


def test_delegate_sign_by_a_third_party_needs_its_key() -> None:
    document = BIDDocument.from_json(RFC_DDO["unsigned_object"])
    third = bid.Ed25519PrivateKey.from_seed(bytes(range(32)))
    signer = f"{third.bid()}#key-1"
    signed = sign_delegate(document, third, signer=signer)
    with pytest.raises(InvalidDocument, match="is not a publicKey of"):
        verify_delegate_sign(signed)
    verify_delegate_sign(signed, signer_key=third.public_key)
    with pytest.raises(bid.InvalidSignature):
        verify_delegate_sign(signed, signer_key=bid.parse_public_key(RFC_DDO["public_key"]))


def test_sign_delegate_keeps_the_spaced_spelling() -> None:
    data = copy.deepcopy(RFC_DDO["unsigned_object"])
    data["extension"]["delegateSign "] = {"signer": "x", "signatureValue": "y"}
    key = bid.parse_private_key(RFC_DDO["private_key"])
    signed = sign_delegate(BIDDocument.from_json(data), key, signer=RFC_DDO["bid"] + "#key-1")
    assert "delegateSign" not in signed.extension
    verify_delegate_sign(signed)


def test_sign_delegate_refusals() -> None:
    key = bid.parse_private_key(RFC_DDO["private_key"])
    document = BIDDocument.from_json(RFC_DDO["unsigned_object"])
    other = bid.Ed25519PrivateKey.from_seed(bytes(32))
    with pytest.raises(bid.InvalidKey, match="is not the key of"):
        sign_delegate(document, other, signer=RFC_DDO["bid"] + "#key-1")
    with pytest.raises(InvalidDocument, match="is not a DID URL"):
        sign_delegate(document, key, signer="key-1")
    keyless = document.with_changes(publicKey=[], authentication=[])
    with pytest.raises(InvalidDocument, match="has no publicKey"):
        sign_delegate(keyless, key, signer=RFC_DDO["bid"] + "#key-1")


@pytest.mark.parametrize(
    ("change", "error", "message"),
    [
        (lambda ext: ext.pop("delegateSign"), InvalidDocument, "has no extension.delegateSign"),
        (
            lambda ext: ext.update({"delegateSign ": dict(ext["delegateSign"])}),
            InvalidDocument,
            "both",
        ),
        (
            lambda ext: ext["delegateSign"].update(signatureValue="AB" * 63),
            InvalidDocument,
            "128 hex digits",
        ),
        (
            lambda ext: ext["delegateSign"].update(signer=ext["recovery"][0]),
            InvalidDocument,
            "is not a publicKey of",
        ),
        (
            lambda ext: ext["delegateSign"].update(signatureValue="00" * 64),
            bid.InvalidSignature,
            "does not verify",
        ),
    ],
    ids=["absent", "both-spellings", "short", "unknown-signer", "wrong-signature"],
)
def test_verify_delegate_sign_refusals(change: Any, error: type[Exception], message: str) -> None:
    data = copy.deepcopy(JAVA_DDO["document_with_proof"])
    change(data["extension"])
    with pytest.raises(error, match=message):
        verify_delegate_sign(BIDDocument.from_json(data))
