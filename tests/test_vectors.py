"""Every did:bid, did:key and RFC 8032 vector, checked through the public API only.

The vectors are this project's copies in ``tests/vectors/`` (see its README.md). Each test is
parametrized with the vector's own id, so a failure names the vector.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

import bid
from bid._codec import b58encode_bif
from bid.bif import decode_legacy_private_key, legacy_address

VECTORS_DIR = Path(__file__).parent / "vectors"


def _load(name: str) -> Any:
    return json.loads((VECTORS_DIR / name).read_text(encoding="utf-8"))


BID_VECTORS: list[dict[str, Any]] = _load("bid-vectors.json")
W3C_VECTORS: dict[str, Any] = _load("w3c-vectors.json")
DID_KEY = W3C_VECTORS["did_key_ed25519"]
RFC8032 = W3C_VECTORS["rfc8032_ed25519"]["vectors"]

# Kinds checked below, and the one whose document-proof convention comes later.
CHECKED_KINDS = {
    "keypair",
    "public_key_to_bid",
    "keypair_with_ac",
    "legacy_format",
    "signature",
    "proof_rfc_sorted_json_base58",
}
DEFERRED_KINDS = {"proof_bidsdk_java_declaration_order_hex"}

KEY_CLASSES: dict[str, tuple[type[bid.PrivateKey], type[bid.PublicKey]]] = {
    "ed25519": (bid.Ed25519PrivateKey, bid.Ed25519PublicKey),
    "sm2": (bid.SM2PrivateKey, bid.SM2PublicKey),
}


def _of_kind(kind: str) -> list[Any]:
    entries = [e for e in BID_VECTORS if e["kind"] == kind]
    assert entries, f"no {kind} vectors"
    return [pytest.param(e, id=e["id"]) for e in entries]


def _flip_bit(data: bytes, bit: int) -> bytes:
    out = bytearray(data)
    out[bit // 8] ^= 1 << (bit % 8)
    return bytes(out)


def test_vector_files_are_documented_and_unmodified(
    vectors_dir: Path, vectors: Callable[[str], Any]
) -> None:
    readme = (vectors_dir / "README.md").read_text(encoding="utf-8")
    checksums = dict(re.findall(r"^\| `([^`]+)` \| `([0-9a-f]{64})` \|$", readme, re.MULTILINE))
    files = sorted(p.name for p in vectors_dir.iterdir() if p.name != "README.md")
    assert sorted(checksums) == files
    for name in files:
        assert f"`{name}`" in readme.split("| file | SHA-256 |")[0], f"{name} is not described"
        digest = hashlib.sha256((vectors_dir / name).read_bytes()).hexdigest()
        assert digest == checksums[name], f"{name} differs from its recorded copy"
        if name.endswith(".json"):
            assert vectors(name)
    # Third-party suites travel with their licences.
    for name in ("ed25519-speccheck-cases", "cctv-ed25519vectors"):
        assert f"{name}.LICENSE" in files
    assert all(entry.get("source") for entry in BID_VECTORS)


def test_every_vector_kind_is_covered() -> None:
    kinds = {e["kind"] for e in BID_VECTORS}
    assert kinds == CHECKED_KINDS | DEFERRED_KINDS
    ids = [e["id"] for e in BID_VECTORS]
    assert len(ids) == len(set(ids)), "vector ids must be unique (they are the test ids)"


# -- bid-vectors.json ------------------------------------------------------------------


@pytest.mark.parametrize("v", _of_kind("keypair"))
def test_keypair(v: dict[str, Any]) -> None:
    private_class, public_class = KEY_CLASSES[v["key_type"]]
    key = bid.parse_private_key(v["private_key"])
    assert type(key) is private_class
    assert key.private_bytes().hex() == v["raw_private_key_hex"]
    assert key.to_bif() == v["private_key"]
    assert private_class.from_bif(v["private_key"]) == key

    public = key.public_key
    assert type(public) is public_class
    assert public.public_bytes().hex() == v["raw_public_key_hex"]
    assert public.to_bif() == v["public_key"]
    assert bid.parse_public_key(v["public_key"]) == public

    derived = key.bid(v["ac_code"])
    assert str(derived) == v["bid"]
    assert public.bid(v["ac_code"]) == derived
    parsed = bid.BID.parse(v["bid"])
    assert parsed == derived
    assert parsed.derives_from(v["key_type"], public.public_bytes())


@pytest.mark.parametrize("v", _of_kind("keypair"))
def test_keypair_from_raw_private_key(v: dict[str, Any]) -> None:
    raw = bytes.fromhex(v["raw_private_key_hex"])
    if v["key_type"] == "ed25519":
        key: bid.PrivateKey = bid.Ed25519PrivateKey.from_seed(raw)
    else:
        key = bid.SM2PrivateKey.from_bytes(raw)
    assert key.to_bif() == v["private_key"]
    assert key.public_key.to_bif() == v["public_key"]
    assert str(key.bid()) == v["bid"]


@pytest.mark.parametrize("v", _of_kind("public_key_to_bid"))
def test_public_key_to_bid(v: dict[str, Any]) -> None:
    _, public_class = KEY_CLASSES[v["key_type"]]
    public = bid.parse_public_key(v["public_key"])
    assert type(public) is public_class
    assert public_class.from_bif(v["public_key"]) == public
    assert public.public_bytes().hex() == v["raw_public_key_hex"]
    assert public.to_bif() == v["public_key"]
    assert str(public.bid(v["ac_code"])) == v["bid"]
    assert bid.BID.parse(v["bid"]).derives_from(v["key_type"], public.public_bytes())


@pytest.mark.parametrize("v", _of_kind("keypair_with_ac"))
def test_keypair_with_ac(v: dict[str, Any]) -> None:
    key = bid.parse_private_key(v["private_key"])
    assert key.public_key.to_bif() == v["public_key"]
    ac = v["ac_code"]
    spec_form = key.bid(ac)
    sdk_form = key.bid(ac, sdk_compat=True)
    assert str(spec_form) == v["bid"]
    assert str(sdk_form) == v["bid_as_emitted_by_java_go_js_sdks"]
    assert key.public_key.bid(ac) == spec_form
    assert key.public_key.bid(ac, sdk_compat=True) == sdk_form
    raw = key.public_key.public_bytes()
    for text in (v["bid"], v["bid_as_emitted_by_java_go_js_sdks"]):
        parsed = bid.BID.parse(text)
        assert str(parsed) == text
        assert parsed.ac == ac
        assert parsed.derives_from(v["key_type"], raw), text


@pytest.mark.parametrize("v", _of_kind("legacy_format"))
def test_legacy_format(v: dict[str, Any]) -> None:
    seed = decode_legacy_private_key(v["private_key_legacy"])
    key = bid.Ed25519PrivateKey.from_seed(seed)
    raw_public = key.public_key.public_bytes()
    assert raw_public.hex() == v["raw_public_key_hex"]
    assert hashlib.sha256(raw_public).digest()[-22:].hex() == v["hash_last22_hex"]
    assert legacy_address(raw_public) == v["bid_legacy"]
    # Both private-key readers take the legacy "priv..." form.
    assert bid.parse_private_key(v["private_key_legacy"]) == key
    assert bid.Ed25519PrivateKey.from_bif(v["private_key_legacy"]) == key
    # The legacy address has no type letters: it is not a current BID.
    with pytest.raises(bid.InvalidDID):
        bid.BID.parse(v["bid_legacy"])


@pytest.mark.parametrize("v", _of_kind("signature"))
def test_signature_verifies(v: dict[str, Any]) -> None:
    assert v["message_encoding"] == "hex"
    assert v["signature_encoding"] == "hex"
    assert v["verifies"] is True
    _, public_class = KEY_CLASSES[v["key_type"]]
    public = bid.parse_public_key(v["public_key"])
    assert type(public) is public_class
    assert str(public.bid()) == v["bid"]
    message = bytes.fromhex(v["message"])
    signature = bytes.fromhex(v["signature"])  # fromhex takes either case (sig-ed25519-04)
    assert public.verify(signature, message) is None


@pytest.mark.parametrize("v", _of_kind("signature"))
def test_signature_with_any_flipped_bit_is_refused(v: dict[str, Any]) -> None:
    public = bid.parse_public_key(v["public_key"])
    message = bytes.fromhex(v["message"])
    signature = bytes.fromhex(v["signature"])
    for bit in range(len(signature) * 8):
        with pytest.raises(bid.InvalidSignature):
            public.verify(_flip_bit(signature, bit), message)
    for bit in (0, 7, len(message) * 8 - 1):
        with pytest.raises(bid.InvalidSignature):
            public.verify(signature, _flip_bit(message, bit))


_DETERMINISTIC = [p for p in _of_kind("signature") if p.values[0]["key_type"] == "ed25519"]


@pytest.mark.parametrize("v", _DETERMINISTIC)
def test_ed25519_signature_is_reproduced(v: dict[str, Any]) -> None:
    assert "private_key" in v
    key = bid.parse_private_key(v["private_key"])
    assert isinstance(key, bid.Ed25519PrivateKey)
    assert key.public_key == bid.parse_public_key(v["public_key"])
    signature = key.sign(bytes.fromhex(v["message"]))
    assert signature.hex() == v["signature"].lower()


_SM2_SIGNATURES = [p for p in _of_kind("signature") if p.values[0]["key_type"] == "sm2"]


def test_signature_vectors_cover_both_algorithms() -> None:
    assert _DETERMINISTIC
    assert _SM2_SIGNATURES
    assert len(_DETERMINISTIC) + len(_SM2_SIGNATURES) == len(_of_kind("signature"))


@pytest.mark.parametrize("v", _SM2_SIGNATURES)
def test_sm2_sign_then_verify_with_own_key(v: dict[str, Any]) -> None:
    # SM2 signatures are randomized: the vector can only be verified, so sign the same
    # message with a fresh key and check that it verifies, twice, with distinct signatures.
    message = bytes.fromhex(v["message"])
    key = bid.SM2PrivateKey.generate()
    first = key.sign(message)
    second = key.sign(message)
    assert len(first) == len(second) == 64
    assert first != second
    key.public_key.verify(first, message)
    key.public_key.verify(second, message)
    # ...and the vector's key does not accept it.
    with pytest.raises(bid.InvalidSignature):
        bid.parse_public_key(v["public_key"]).verify(first, message)


@pytest.mark.parametrize("v", _of_kind("proof_rfc_sorted_json_base58"))
def test_rfc_proof_signature(v: dict[str, Any]) -> None:
    key = bid.parse_private_key(v["private_key"])
    assert key.public_key.to_bif() == v["public_key"]
    assert str(key.bid()) == v["bid"]
    message = v["canonical_json_signed"].encode("utf-8")
    signature = key.sign(message)
    assert signature.hex() == v["signature_hex"]
    assert b58encode_bif(signature) == v["signature_base58_bif_alphabet"]
    key.public_key.verify(signature, message)


# -- w3c-vectors.json: did:key ----------------------------------------------------------


def _check_did_key(did: str, public_key_hex: str, multibase: str) -> bid.Ed25519PublicKey:
    public = bid.Ed25519PublicKey.from_did_key(did)
    assert public.public_bytes().hex() == public_key_hex
    assert public.did_key == did
    assert public.multikey == multibase
    assert bid.parse_public_key(did) == public
    assert bid.parse_public_key(multibase) == public
    assert bid.Ed25519PublicKey.from_multikey(multibase) == public
    assert bid.Ed25519PublicKey.from_did_key(bid.DID.parse(did)) == public
    return public


def test_did_key_spec_example() -> None:
    v = DID_KEY["spec_example"]
    public = _check_did_key(v["did"], v["public_key_hex"], v["publicKeyMultibase"])
    url = bid.DIDURL.parse(v["verificationMethod_id"])
    assert str(url.did) == v["did"]
    assert url.fragment == public.multikey
    agreement = v["x25519_keyAgreement"]
    assert public.x25519_multikey == agreement["publicKeyMultibase"]
    assert public.to_x25519().hex() == agreement["public_key_hex"]


def test_did_key_vc_di_eddsa_key() -> None:
    v = DID_KEY["vc_di_eddsa_key"]
    key = bid.Ed25519PrivateKey.from_seed(bytes.fromhex(v["seed_hex"]))
    assert key.did_key == v["did"]
    assert key.public_key == _check_did_key(v["did"], v["public_key_hex"], v["publicKeyMultibase"])


@pytest.mark.parametrize(
    "v", [pytest.param(v, id=v["seed_hex"][-4:]) for v in DID_KEY["test_vectors_from_seed"]]
)
def test_did_key_from_seed(v: dict[str, Any]) -> None:
    key = bid.Ed25519PrivateKey.from_seed(bytes.fromhex(v["seed_hex"]))
    assert key.did_key == v["did"]
    public = _check_did_key(v["did"], v["public_key_hex"], v["publicKeyMultibase"])
    assert key.public_key == public
    url = bid.DIDURL.parse(v["verificationMethod_id"])
    assert url.fragment == public.multikey
    agreement = v["x25519_keyAgreement"]
    assert public.to_x25519().hex() == agreement["public_key_hex"]
    assert public.x25519_multikey == agreement["publicKeyMultibase"]
    agreement_url = bid.DIDURL.parse(agreement["id"])
    assert str(agreement_url.did) == v["did"]
    assert agreement_url.fragment == public.x25519_multikey


# -- w3c-vectors.json: RFC 8032 ---------------------------------------------------------


@pytest.mark.parametrize("v", [pytest.param(v, id=v["name"]) for v in RFC8032])
def test_rfc8032(v: dict[str, Any]) -> None:
    key = bid.Ed25519PrivateKey.from_seed(bytes.fromhex(v["secret_key_hex"]))
    assert key.private_bytes().hex() == v["secret_key_hex"]
    assert key.public_key.public_bytes().hex() == v["public_key_hex"]
    message = bytes.fromhex(v["message_hex"])
    assert len(message) == v["message_length"]
    signature = key.sign(message)
    assert signature.hex() == v["signature_hex"]
    bid.Ed25519PublicKey.from_bytes(bytes.fromhex(v["public_key_hex"])).verify(signature, message)
    assert key.did_key == v["did_key"]
    assert bid.Ed25519PublicKey.from_did_key(v["did_key"]) == key.public_key


def test_rfc8032_has_tests_1_to_3() -> None:
    assert [v["name"] for v in RFC8032] == ["TEST 1", "TEST 2", "TEST 3"]
