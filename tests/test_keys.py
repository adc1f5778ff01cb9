"""Key parsing strictness: Ed25519 point checks, BIF key strings, SM2 ranges, did:key.

References: security.md section 1 (Ed25519 pitfalls) and section 7 checklist parts A and B;
bid-method.md section 3 (key strings). Expected rejections come from those rules; the
edge-case keys come from the vector files in ``tests/vectors/``.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import nacl.bindings
import nacl.exceptions
import pytest
from hypothesis import given
from hypothesis import strategies as st
from nacl.bindings import crypto_core_ed25519_is_valid_point

import bid
from bid._codec import b58encode_bif, b58encode_btc

VECTORS_DIR = Path(__file__).parent / "vectors"
SPECCHECK: list[dict[str, str]] = json.loads(
    (VECTORS_DIR / "ed25519-speccheck-cases.json").read_text(encoding="utf-8")
)
CCTV: list[dict[str, Any]] = json.loads(
    (VECTORS_DIR / "cctv-ed25519vectors.json").read_text(encoding="utf-8")
)

# The field prime of Curve25519 and the SM2 group order (GM/T 0003.5), both standard values.
P25519 = 2**255 - 19
SM2_N = 0xFFFFFFFEFFFFFFFFFFFFFFFFFFFFFFFF7203DF6B21C6052B53BBF40939D54123
SM2_P = 0xFFFFFFFEFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF00000000FFFFFFFFFFFFFFFF

ED_PRIVATE_HEADER = b"\x18\x9e\x99\x65\x66"
SM2_PRIVATE_HEADER = b"\x18\x9e\x99\x7a\x66"

# A fixed, honest key pair of each type for the tests below.
ED_KEY = bid.Ed25519PrivateKey.from_seed(hashlib.sha256(b"bid test key ed25519").digest())
SM2_KEY = bid.SM2PrivateKey.from_bytes(hashlib.sha256(b"bid test key sm2").digest())
OTHER_KEYS: dict[str, bid.PrivateKey] = {
    "Ed25519": bid.Ed25519PrivateKey.from_seed(hashlib.sha256(b"other ed25519").digest()),
    "SM2": bid.SM2PrivateKey.from_bytes(hashlib.sha256(b"other sm2").digest()),
}


def _cctv_keys(flag: str) -> list[str]:
    keys = sorted({v["key"] for v in CCTV if flag in (v["flags"] or [])})
    assert keys, flag
    return keys


def _did_key_of(raw: bytes, codec: bytes = b"\xed\x01") -> str:
    return "did:key:z" + b58encode_btc(codec + raw)


def _flip_bit(data: bytes, bit: int) -> bytes:
    out = bytearray(data)
    out[bit // 8] ^= 1 << (bit % 8)
    return bytes(out)


def _is_on_curve25519(encoding: bytes) -> bool:
    """Whether the 32 bytes decode to a point of edwards25519 (any order), per RFC 8032 5.1.3."""
    y = int.from_bytes(encoding, "little") & ((1 << 255) - 1)
    if y >= P25519:
        return False
    d = -121665 * pow(121666, -1, P25519) % P25519
    u = (y * y - 1) % P25519
    v = (d * y * y + 1) % P25519
    x2 = u * pow(v, -1, P25519) % P25519
    return x2 == 0 or pow(x2, (P25519 - 1) // 2, P25519) == 1


def _off_curve_keys(count: int) -> list[bytes]:
    """The first ``count`` SHA-256 outputs that are not points at all (found by search)."""
    found: list[bytes] = []
    seed = 0
    while len(found) < count:
        candidate = hashlib.sha256(b"off-curve %d" % seed).digest()
        seed += 1
        if not crypto_core_ed25519_is_valid_point(candidate) and not _is_on_curve25519(candidate):
            found.append(candidate)
    return found


# -- Ed25519: the strict public-key check --------------------------------------------------

IDENTITY = bytes([1]) + bytes(31)
# y = p and y = p - 1 with the sign bit: encodings of y >= p or x = -0 (checklist A7).
NON_CANONICAL = [bytes.fromhex("ed" + "ff" * 30 + "7f"), bytes.fromhex("ec" + "ff" * 31)]
# Every "Taming" key but that of cases 6-7 (a sound key; their S >= L) fails the gate
# (security.md 1.3). One case per distinct key: 0 (small order), 2, 3 (mixed order), 10.
SPECCHECK_REFUSED_CASES = sorted(
    {
        SPECCHECK[i]["pub_key"]: i for i in reversed(range(len(SPECCHECK))) if i not in (6, 7)
    }.values()
)

WEAK_KEYS: list[Any] = [
    pytest.param(IDENTITY, id="identity"),
    *(
        pytest.param(raw, id=f"noncanonical-{raw[:1].hex()}-{raw[-1:].hex()}")
        for raw in NON_CANONICAL
    ),
    *(
        pytest.param(bytes.fromhex(k), id=f"cctv-low-order-{k[:6]}-{k[-2:]}")
        for k in _cctv_keys("low_order_A")
    ),
    *(
        pytest.param(
            bytes.fromhex(SPECCHECK[i]["pub_key"]),
            id=f"speccheck-{i}" + ("-mixed-order" if i == 3 else ""),
        )
        for i in SPECCHECK_REFUSED_CASES
    ),
    *(pytest.param(raw, id=f"off-curve-{i}") for i, raw in enumerate(_off_curve_keys(3))),
]


@pytest.mark.parametrize("raw", WEAK_KEYS)
def test_weak_ed25519_key_is_refused_everywhere(raw: bytes) -> None:
    assert len(raw) == 32
    with pytest.raises(bid.InvalidKey, match="not a valid Ed25519 public key") as info:
        bid.Ed25519PublicKey.from_bytes(raw)
    assert info.value.code == "invalidPublicKey"
    with pytest.raises(bid.InvalidKey, match="not a valid Ed25519 public key"):
        bid.Ed25519PublicKey(raw)
    bif = "b06566" + raw.hex()
    with pytest.raises(bid.InvalidKey, match="not a valid Ed25519 public key"):
        bid.Ed25519PublicKey.from_bif(bif)
    with pytest.raises(bid.InvalidKey, match="not a valid Ed25519 public key"):
        bid.parse_public_key(bif)
    with pytest.raises(bid.InvalidKey, match="not a valid Ed25519 public key"):
        bid.Ed25519PublicKey.from_multikey("z" + b58encode_btc(b"\xed\x01" + raw))
    did = _did_key_of(raw)
    for parse in (bid.Ed25519PublicKey.from_did_key, bid.parse_public_key):
        with pytest.raises(bid.InvalidDID, match="not a valid Ed25519 public key") as did_info:
            parse(did)
        assert did_info.value.code == "invalidPublicKey"
        assert isinstance(did_info.value.__cause__, bid.InvalidKey)


def test_weak_key_cases() -> None:
    assert SPECCHECK_REFUSED_CASES == [0, 2, 3, 10]
    # The explicit encodings are also in the CCTV list: two sources agree on them.
    cctv = {bytes.fromhex(k) for k in _cctv_keys("low_order_A")}
    assert IDENTITY in cctv
    assert set(NON_CANONICAL) <= cctv


def test_off_curve_search_finds_off_curve_keys() -> None:
    # The helper must tell on-curve from off-curve, or the off-curve cases above test nothing.
    honest = ED_KEY.public_key.public_bytes()
    assert _is_on_curve25519(honest)
    assert _is_on_curve25519(IDENTITY)
    mixed = bytes.fromhex(SPECCHECK[3]["pub_key"])
    assert _is_on_curve25519(mixed)  # on the curve, but not in the prime-order subgroup
    for raw in _off_curve_keys(3):
        assert not _is_on_curve25519(raw)


@pytest.mark.parametrize("flag", ["low_order_A", "low_order_component_A", "non_canonical_A"])
def test_every_cctv_weak_key_is_refused(flag: str) -> None:
    for key in _cctv_keys(flag):
        with pytest.raises(bid.InvalidKey):
            bid.Ed25519PublicKey.from_bytes(bytes.fromhex(key))


@pytest.mark.parametrize("case", range(12))
def test_taming_vectors_are_all_rejected(case: int) -> None:
    # Checklist A9: each "Taming the many EdDSAs" case fails at the key gate or at verify.
    v = SPECCHECK[case]
    raw = bytes.fromhex(v["pub_key"])
    if case in (6, 7):  # a sound key; the signature has S >= L
        key = bid.Ed25519PublicKey.from_bytes(raw)
        with pytest.raises(bid.InvalidSignature):
            key.verify(bytes.fromhex(v["signature"]), bytes.fromhex(v["message"]))
    else:
        with pytest.raises(bid.InvalidKey):
            bid.Ed25519PublicKey.from_bytes(raw)


@pytest.mark.parametrize("length", [0, 1, 31, 33, 64])
def test_ed25519_public_key_length(length: int) -> None:
    raw = bytes(range(length))
    with pytest.raises(bid.InvalidKey, match=f"32 bytes, got {length}") as info:
        bid.Ed25519PublicKey.from_bytes(raw)
    assert info.value.code == "invalidPublicKeyLength"
    with pytest.raises(bid.InvalidKey, match=f"got {length}") as bif_info:
        bid.Ed25519PublicKey.from_bif("b06566" + raw.hex())
    assert bif_info.value.code == "invalidPublicKeyLength"


@pytest.mark.parametrize("length", [31, 33])
def test_did_key_with_wrong_key_length(length: int) -> None:
    did = _did_key_of(bytes(range(1, length + 1)))
    for parse in (bid.Ed25519PublicKey.from_did_key, bid.parse_public_key):
        with pytest.raises(bid.InvalidDID, match=f"got {length}") as info:
            parse(did)
        assert info.value.code == "invalidPublicKeyLength"


@pytest.mark.parametrize(
    "raw", [IDENTITY, *NON_CANONICAL, *(bytes.fromhex(k) for k in _cctv_keys("low_order_A"))]
)
def test_x25519_of_a_weak_key_is_refused(raw: bytes) -> None:
    # A weak key cannot become an Ed25519PublicKey at all; this checks the second line of
    # defence, the X25519 conversion itself, by going around the gate.
    weak = bid.Ed25519PublicKey._unchecked(raw)
    assert isinstance(weak, bid.Ed25519PublicKey)
    with pytest.raises(bid.InvalidKey, match="no safe X25519"):
        weak.to_x25519()
    with pytest.raises(bid.InvalidKey, match="no safe X25519"):
        _ = weak.x25519_multikey


@given(seed=st.binary(min_size=32, max_size=32))
def test_x25519_map_equals_libsodiums(seed: bytes) -> None:
    # Our birational map (after our own prime-order check) against libsodium's conversion,
    # which makes the same check itself.
    public = bid.Ed25519PrivateKey.from_seed(seed).public_key
    expected = nacl.bindings.crypto_sign_ed25519_pk_to_curve25519(public.public_bytes())
    assert public.to_x25519() == bytes(expected)


@pytest.mark.parametrize(
    "raw", [IDENTITY, *NON_CANONICAL, *(bytes.fromhex(k) for k in _cctv_keys("low_order_A"))]
)
def test_libsodium_refuses_the_x25519_of_every_key_we_refuse(raw: bytes) -> None:
    # The other half of the equivalence: where we refuse, so does libsodium.
    with pytest.raises(nacl.exceptions.CryptoError):
        nacl.bindings.crypto_sign_ed25519_pk_to_curve25519(raw)


def test_x25519_of_honest_keys_is_never_zero() -> None:
    for i in range(64):
        key = bid.Ed25519PrivateKey.from_seed(hashlib.sha256(b"x25519 %d" % i).digest())
        x25519 = key.public_key.to_x25519()
        assert len(x25519) == 32
        assert x25519 != bytes(32)


def test_honest_keys_pass_the_gate() -> None:
    for i in range(64):
        key = bid.Ed25519PrivateKey.from_seed(hashlib.sha256(b"honest %d" % i).digest())
        raw = key.public_key.public_bytes()
        assert bid.Ed25519PublicKey.from_bytes(raw) == key.public_key


# -- private keys: repr, equality, hashing -------------------------------------------------


@pytest.mark.parametrize("key", [ED_KEY, SM2_KEY], ids=["ed25519", "sm2"])
def test_private_key_secrets_not_in_repr(key: bid.PrivateKey) -> None:
    secret_hex = key.private_bytes().hex()
    secret_bif = key.to_bif()
    for text in (repr(key), str(key), f"{key}", f"{key!r}", repr([key]), repr({"k": key})):
        assert secret_hex not in text.lower()
        assert secret_bif not in text
        assert secret_bif[6:] not in text
    # The repr says what it is: the type and the public half.
    assert type(key).__name__ in repr(key)
    assert key.public_key.to_bif() in repr(key)


def test_private_key_parse_errors_do_not_echo_the_key() -> None:
    text = ED_KEY.to_bif()
    broken = text[:-1] + "0"
    with pytest.raises(bid.InvalidKey) as info:
        bid.parse_private_key(broken)
    assert broken[6:-1] not in str(info.value)
    with pytest.raises(bid.InvalidKey) as sm2_info:
        bid.SM2PrivateKey.from_bif(text)
    assert text[6:] not in str(sm2_info.value)


def test_private_key_equality_and_hash() -> None:
    seed = ED_KEY.private_bytes()
    same = bid.Ed25519PrivateKey.from_seed(seed)
    other = bid.Ed25519PrivateKey.from_seed(_flip_bit(seed, 0))
    assert same == ED_KEY
    assert hash(same) == hash(ED_KEY)
    assert same is not ED_KEY
    assert other != ED_KEY
    assert len({ED_KEY, same, other}) == 2
    sm2_same = bid.SM2PrivateKey.from_bytes(SM2_KEY.private_bytes())
    assert sm2_same == SM2_KEY
    assert hash(sm2_same) == hash(SM2_KEY)
    # Different types never compare equal, whatever the bytes.
    sm2_with_ed_bytes = bid.SM2PrivateKey.from_bytes(seed)
    assert sm2_with_ed_bytes.private_bytes() == ED_KEY.private_bytes()
    assert sm2_with_ed_bytes != ED_KEY
    key: object = ED_KEY
    assert key != ED_KEY.public_key
    assert key != seed
    assert key != ED_KEY.to_bif()


def test_generated_sm2_key_equals_its_reparse() -> None:
    key = bid.SM2PrivateKey.generate()
    again = bid.SM2PrivateKey.from_bytes(key.private_bytes())
    assert again == key
    assert again.public_key == key.public_key
    assert bid.parse_private_key(key.to_bif()) == key


def test_public_key_equality_and_hash() -> None:
    pub = ED_KEY.public_key
    same = bid.Ed25519PublicKey.from_bytes(pub.public_bytes())
    assert same == pub
    assert hash(same) == hash(pub)
    assert {pub: 1}[same] == 1
    assert pub != SM2_KEY.public_key
    assert pub != pub.public_bytes()
    assert pub != pub.to_bif()
    other = bid.Ed25519PrivateKey.from_seed(bytes(32)).public_key
    assert other != pub
    assert len({pub, same, other, SM2_KEY.public_key}) == 3
    assert bid.SM2PublicKey.from_bytes(SM2_KEY.public_key.public_bytes()) == SM2_KEY.public_key


def test_public_key_repr_round_trips() -> None:
    for pub in (ED_KEY.public_key, SM2_KEY.public_key):
        assert pub.to_bif() in repr(pub)
        assert type(pub).__name__ in repr(pub)


def test_protocols() -> None:
    for key in (ED_KEY, SM2_KEY):
        assert isinstance(key, bid.Signer)
        assert isinstance(key.public_key, bid.Verifier)
        assert key.algorithm == key.public_key.algorithm
    assert ED_KEY.algorithm == "Ed25519"
    assert SM2_KEY.algorithm == "SM2"


# -- signatures of the wrong length --------------------------------------------------------


@pytest.mark.parametrize("key", [ED_KEY, SM2_KEY], ids=["ed25519", "sm2"])
@pytest.mark.parametrize("length", [0, 1, 63, 65, 96, 128])
def test_signature_length(key: bid.PrivateKey, length: int) -> None:
    message = b"message"
    good = key.sign(message)
    assert len(good) == 64
    bad = (good * 2)[:length]
    with pytest.raises(bid.InvalidSignature, match=f"64 bytes, got {length}"):
        key.public_key.verify(bad, message)


@pytest.mark.parametrize(
    ("r", "s"),
    [(0, 1), (1, 0), (SM2_N, 1), (1, SM2_N), (2**256 - 1, 1)],
    ids=["r=0", "s=0", "r=n", "s=n", "r=max"],
)
def test_sm2_signature_out_of_range(r: int, s: int) -> None:
    signature = r.to_bytes(32, "big") + s.to_bytes(32, "big")
    with pytest.raises(bid.InvalidSignature, match="out of range"):
        SM2_KEY.public_key.verify(signature, b"message")


@pytest.mark.parametrize("key", [ED_KEY, SM2_KEY], ids=["ed25519", "sm2"])
def test_signature_of_another_message_or_key(key: bid.PrivateKey) -> None:
    signature = key.sign(b"message")
    key.public_key.verify(signature, b"message")
    with pytest.raises(bid.InvalidSignature):
        key.public_key.verify(signature, b"messagE")
    with pytest.raises(bid.InvalidSignature):
        key.public_key.verify(signature, b"")
    other = OTHER_KEYS[key.algorithm]
    assert other.public_key != key.public_key
    with pytest.raises(bid.InvalidSignature):
        other.public_key.verify(signature, b"message")


# -- BIF private key strings ----------------------------------------------------------------


def _private_string(blob: bytes) -> str:
    return b58encode_bif(blob)


PRIVATE_KEY_ERRORS: list[Any] = [
    pytest.param(
        b"\x18\x9e\x98\x65\x66" + bytes(range(32)), "prefix bytes are not 18 9E 99", id="prefix"
    ),
    pytest.param(
        b"\x28\x9e\x99\x65\x66" + bytes(range(32)),
        "prefix bytes are not 18 9E 99",
        id="prefix-first-byte",
    ),
    pytest.param(b"\x18\x9e\x99\x73\x66" + bytes(range(32)), "key-type byte 0x73", id="type-s"),
    pytest.param(b"\x18\x9e\x99\x00\x66" + bytes(range(32)), "key-type byte 0x00", id="type-0"),
    pytest.param(b"\x18\x9e\x99\x65\x67" + bytes(range(32)), "encoding byte 0x67", id="encoding-g"),
    pytest.param(b"\x18\x9e\x99\x7a\x73" + bytes(range(32)), "encoding byte 0x73", id="encoding-s"),
    pytest.param(ED_PRIVATE_HEADER + bytes(range(31)), "37 bytes, got 36", id="36-bytes"),
    pytest.param(ED_PRIVATE_HEADER + bytes(range(33)), "37 bytes, got 38", id="38-bytes"),
    pytest.param(SM2_PRIVATE_HEADER + bytes(range(31)), "37 bytes, got 36", id="sm2-36-bytes"),
    pytest.param(ED_PRIVATE_HEADER, "37 bytes, got 5", id="header-only"),
]


@pytest.mark.parametrize(("blob", "message"), PRIVATE_KEY_ERRORS)
def test_bif_private_key_errors(blob: bytes, message: str) -> None:
    text = _private_string(blob)
    for parse in (
        bid.parse_private_key,
        bid.Ed25519PrivateKey.from_bif,
        bid.SM2PrivateKey.from_bif,
    ):
        with pytest.raises(bid.InvalidKey, match=message):
            parse(text)


def test_legacy_private_key_where_a_current_one_is_expected() -> None:
    legacy = b58encode_bif(b"\x6c\xaa\x74\x01" + bytes(range(32)))
    with pytest.raises(bid.InvalidKey, match="legacy"):
        bid.SM2PrivateKey.from_bif(legacy)


@pytest.mark.parametrize("bad", ["0", "O", "I", "l", " ", "\n", "\t", "\x00", "é", "+"])
@pytest.mark.parametrize("where", ["start", "middle", "end"])
def test_bif_private_key_characters(bad: str, where: str) -> None:
    text = ED_KEY.to_bif()
    index = {"start": 0, "middle": len(text) // 2, "end": len(text)}[where]
    broken = text[:index] + bad + text[index:]
    message = f"{bad!r} is not a Base58 character"
    with pytest.raises(bid.InvalidKey, match=re.escape(message)):
        bid.Ed25519PrivateKey.from_bif(broken)
    with pytest.raises(bid.InvalidKey, match=re.escape(message)):
        bid.SM2PrivateKey.from_bif(broken)
    if not (bad.isspace() and where in ("start", "end")):
        with pytest.raises(bid.InvalidKey, match=re.escape(message)):
            bid.parse_private_key(broken)


@pytest.mark.parametrize("pad", [" ", "\n", "\t", "\r\n"])
def test_parse_private_key_refuses_surrounding_whitespace(pad: str) -> None:
    for text in (ED_KEY.to_bif() + pad, pad + ED_KEY.to_bif()):
        try:
            bid.parse_private_key(text)
        except bid.InvalidKey:
            continue
        raise AssertionError(f"parse_private_key accepted {text!r}")


def test_bif_private_key_empty_and_too_long() -> None:
    with pytest.raises(bid.InvalidKey, match="empty"):
        bid.Ed25519PrivateKey.from_bif("")
    with pytest.raises(bid.InvalidKey, match="too long"):
        bid.parse_private_key("priSPK" + "z" * 200)
    started = time.perf_counter()
    with pytest.raises(bid.InvalidKey, match="too long"):
        bid.parse_private_key("priSPK" + "z" * 100_000)
    assert time.perf_counter() - started < 0.05


def _btc_confusable_private_key() -> str:
    """A key blob whose Bitcoin-alphabet Base58 text, read as BIF Base58, breaks the header.

    BIF private keys carry no checksum, so a Bitcoin-alphabet string that happens to decode
    to a well-formed header is indistinguishable from a different key; only the confusions
    that land in the header can be detected. This finds the first such seed.
    """
    for i in range(10_000):
        blob = ED_PRIVATE_HEADER + hashlib.sha256(b"btc %d" % i).digest()
        text = b58encode_btc(blob)
        if text == b58encode_bif(blob):
            continue
        try:
            bid.parse_private_key(text)
        except bid.InvalidKey:
            return text
    raise AssertionError("no confusable key found")


def test_bitcoin_alphabet_private_key_is_refused() -> None:
    text = _btc_confusable_private_key()
    assert text.startswith("priSPK")
    for parse in (bid.parse_private_key, bid.Ed25519PrivateKey.from_bif):
        with pytest.raises(bid.InvalidKey, match=r"(key-type|encoding) byte 0x"):
            parse(text)


def test_wrong_key_type_for_the_class() -> None:
    with pytest.raises(bid.InvalidKey, match="is sm2, not Ed25519"):
        bid.Ed25519PrivateKey.from_bif(SM2_KEY.to_bif())
    with pytest.raises(bid.InvalidKey, match="is ed25519, not SM2"):
        bid.SM2PrivateKey.from_bif(ED_KEY.to_bif())
    with pytest.raises(bid.InvalidKey, match="is sm2, not Ed25519"):
        bid.Ed25519PublicKey.from_bif(SM2_KEY.public_key.to_bif())
    with pytest.raises(bid.InvalidKey, match="is ed25519, not SM2"):
        bid.SM2PublicKey.from_bif(ED_KEY.public_key.to_bif())


@pytest.mark.parametrize("length", [0, 16, 31, 33, 64])
def test_ed25519_seed_length(length: int) -> None:
    with pytest.raises(bid.InvalidKey, match=f"32 bytes, got {length}"):
        bid.Ed25519PrivateKey.from_seed(bytes(length))


# -- BIF public key strings ------------------------------------------------------------------


@pytest.mark.parametrize("key", [ED_KEY, SM2_KEY], ids=["ed25519", "sm2"])
def test_bif_public_key_upper_case_accepted(key: bid.PrivateKey) -> None:
    lower = key.public_key.to_bif()
    assert lower == lower.lower()
    upper = lower.upper()
    assert bid.parse_public_key(upper) == key.public_key
    assert type(key.public_key).from_bif(upper) == key.public_key
    assert bid.parse_public_key(upper).to_bif() == lower


PUBLIC_KEY_ERRORS: list[Any] = [
    pytest.param("b16566" + "00" * 32, "does not start with b0", id="prefix"),
    pytest.param("06566" + "00" * 32, "not hex", id="odd-length"),
    pytest.param("", "does not start with b0", id="empty"),
    pytest.param("b065", "does not start with b0", id="two-bytes"),
    pytest.param("b06666" + "00" * 32, "key-type byte 0x66", id="type-f"),
    pytest.param("b07366" + "00" * 32, "key-type byte 0x73", id="type-s"),
    pytest.param("b06567" + "00" * 32, "encoding byte 0x67", id="encoding"),
    pytest.param("b06566" + "zz" * 32, "not hex", id="non-hex"),
    pytest.param("b06566" + "00" * 31 + "0\u0660", "non-ASCII", id="arabic-indic-digit"),
    pytest.param("b06566" + "0" * 300, "too long", id="too-long"),
]


@pytest.mark.parametrize(("text", "message"), PUBLIC_KEY_ERRORS)
def test_bif_public_key_errors(text: str, message: str) -> None:
    for parse in (bid.parse_public_key, bid.Ed25519PublicKey.from_bif, bid.SM2PublicKey.from_bif):
        with pytest.raises(bid.InvalidKey, match=message):
            parse(text)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("b06566" + "11" * 31, "32 key bytes, got 31"),
        ("b06566" + "11" * 33, "32 key bytes, got 33"),
        ("b07a66" + "04" + "11" * 63, "65 key bytes, got 64"),
        ("b07a66" + "02" + "11" * 32, "65 key bytes, got 33"),
    ],
)
def test_bif_public_key_length(text: str, expected: str) -> None:
    with pytest.raises(bid.InvalidKey, match=expected) as info:
        bid.parse_public_key(text)
    assert info.value.code == "invalidPublicKeyLength"


# -- SM2 --------------------------------------------------------------------------------------


def _sm2_raw(x: int, y: int, prefix: int = 4) -> bytes:
    return bytes([prefix]) + x.to_bytes(32, "big") + y.to_bytes(32, "big")


def _sm2_public_parsers() -> list[Callable[[bytes], object]]:
    return [
        bid.SM2PublicKey.from_bytes,
        bid.SM2PublicKey,
        lambda raw: bid.SM2PublicKey.from_bif("b07a66" + raw.hex()),
        lambda raw: bid.parse_public_key("b07a66" + raw.hex()),
    ]


def test_sm2_point_not_on_curve() -> None:
    good = SM2_KEY.public_key.public_bytes()
    x = int.from_bytes(good[1:33], "big")
    y = int.from_bytes(good[33:], "big")
    for raw in (
        _sm2_raw(x, (y + 1) % SM2_P),
        _sm2_raw(x ^ 1, y),
        _sm2_raw(2**256 - 1, y),
        _sm2_raw(0, 0),
        _sm2_raw(SM2_P, y),
    ):
        for parse in _sm2_public_parsers():
            with pytest.raises(bid.InvalidKey, match="not a point on the curve"):
                parse(raw)
    # The unchanged point is accepted by every path (a control for the cases above).
    for parse in _sm2_public_parsers():
        assert parse(good) == SM2_KEY.public_key


@pytest.mark.parametrize("prefix", [2, 3, 0, 5, 6, 7])
def test_sm2_public_key_prefix(prefix: int) -> None:
    good = SM2_KEY.public_key.public_bytes()
    compressed = bytes([prefix]) + good[1:33]
    for parse in _sm2_public_parsers():
        with pytest.raises(bid.InvalidKey, match="65 ") as info:
            parse(compressed)
        assert info.value.code == "invalidPublicKeyLength"
        with pytest.raises(bid.InvalidKey, match="starting with 04"):
            parse(bytes([prefix]) + good[1:])


@pytest.mark.parametrize(
    "scalar", [0, SM2_N - 1, SM2_N, SM2_N + 1, 2**256 - 1], ids=["0", "n-1", "n", "n+1", "max"]
)
def test_sm2_private_scalar_out_of_range(scalar: int) -> None:
    raw = scalar.to_bytes(32, "big")
    with pytest.raises(bid.InvalidKey, match=r"out of range \[1, n-2\]"):
        bid.SM2PrivateKey.from_bytes(raw)
    text = b58encode_bif(SM2_PRIVATE_HEADER + raw)
    for parse in (bid.SM2PrivateKey.from_bif, bid.parse_private_key):
        with pytest.raises(bid.InvalidKey, match="out of range"):
            parse(text)


@pytest.mark.parametrize("scalar", [1, 2, SM2_N - 2], ids=["1", "2", "n-2"])
def test_sm2_private_scalar_in_range(scalar: int) -> None:
    key = bid.SM2PrivateKey.from_bytes(scalar.to_bytes(32, "big"))
    assert key.private_bytes() == scalar.to_bytes(32, "big")
    message = b"boundary"
    key.public_key.verify(key.sign(message), message)


@pytest.mark.parametrize("length", [0, 31, 33])
def test_sm2_private_key_length(length: int) -> None:
    with pytest.raises(bid.InvalidKey, match=f"32 bytes, got {length}"):
        bid.SM2PrivateKey.from_bytes(b"\x01" * length)


@pytest.mark.parametrize("length", [0, 33, 64, 66])
def test_sm2_public_key_length(length: int) -> None:
    with pytest.raises(bid.InvalidKey, match=f"got {length}") as info:
        bid.SM2PublicKey.from_bytes(b"\x04" * length)
    assert info.value.code == "invalidPublicKeyLength"


# -- did:key strictness (checklist B 12-16) ----------------------------------------------------

GOOD_PUBLIC = bid.Ed25519PrivateKey.from_seed(bytes(32)).public_key
GOOD_DID_KEY = GOOD_PUBLIC.did_key
MULTICODEC_DATA = b"\xed\x01" + GOOD_PUBLIC.public_bytes()


def _refused_did_key(text: str, message: str | None, code: str = "invalidDid") -> None:
    for parse in (bid.Ed25519PublicKey.from_did_key, bid.parse_public_key):
        with pytest.raises(bid.InvalidDID, match=message) as info:
            parse(text)
        assert info.value.code == code


def test_good_did_key_control() -> None:
    assert bid.Ed25519PublicKey.from_did_key(GOOD_DID_KEY) == GOOD_PUBLIC
    assert bid.parse_public_key(GOOD_DID_KEY) == GOOD_PUBLIC


def test_did_key_multibase_u() -> None:
    body = base64.urlsafe_b64encode(MULTICODEC_DATA).rstrip(b"=").decode()
    _refused_did_key("did:key:u" + body, "multibase prefix 'u' is not 'z'")


def test_did_key_multibase_f_and_m() -> None:
    # base16 is too long for an Ed25519 Multikey; base64 may hold '+' or '/', not DID chars.
    _refused_did_key("did:key:f" + MULTICODEC_DATA.hex(), None)
    _refused_did_key("did:key:F" + MULTICODEC_DATA.hex().upper(), None)
    body = base64.b64encode(MULTICODEC_DATA).rstrip(b"=").decode()
    _refused_did_key("did:key:m" + body, None)
    # A short body still meets the multibase check, whatever the prefix.
    for prefix in "fumZ1":
        _refused_did_key(f"did:key:{prefix}6Mk", f"multibase prefix '{prefix}' is not 'z'")


@pytest.mark.parametrize("bad", ["0", "O", "I", "l"])
def test_did_key_non_base58_characters(bad: str) -> None:
    index = len("did:key:z") + 10
    text = GOOD_DID_KEY[:index] + bad + GOOD_DID_KEY[index + 1 :]
    _refused_did_key(text, f"'{bad}' is not a Base58 character")


def _uvarint(value: int) -> bytes:
    out = bytearray()
    while True:
        byte = value & 0x7F
        value >>= 7
        if value:
            out.append(byte | 0x80)
        else:
            out.append(byte)
            return bytes(out)


@pytest.mark.parametrize(
    ("codec", "name"),
    [(0xEC, "x25519-pub"), (0x1200, "p256-pub"), (0x1300, "ed25519-priv"), (0xE7, "secp256k1-pub")],
)
def test_did_key_other_multicodec(codec: int, name: str) -> None:
    text = _did_key_of(GOOD_PUBLIC.public_bytes(), _uvarint(codec))
    _refused_did_key(text, f"multicodec 0x{codec:x} \\({name}\\) is not ed25519-pub")


def test_did_key_varint_encoding_check() -> None:
    assert _uvarint(0xED) == b"\xed\x01"
    assert _uvarint(0xEC) == b"\xec\x01"
    assert _uvarint(0x1200) == b"\x80\x24"


def test_did_key_non_minimal_varint() -> None:
    text = _did_key_of(GOOD_PUBLIC.public_bytes(), b"\xed\x81\x00")
    _refused_did_key(text, "not (a valid varint|minimally encoded)")


@pytest.mark.parametrize("size", [100_000, 10_000, 4097])
def test_did_key_long_method_specific_id_refused_fast(size: int) -> None:
    text = "did:key:z" + "6Mk" * (size // 3)
    for parse in (bid.Ed25519PublicKey.from_did_key, bid.parse_public_key):
        started = time.perf_counter()
        with pytest.raises(bid.InvalidDID, match="long") as info:
            parse(text)
        assert time.perf_counter() - started < 0.05  # a guard, not a benchmark
        assert info.value.code == "invalidDid"


def test_multikey_too_long_refused_fast() -> None:
    # Long but below the DID length cap: refused before any Base58 decoding.
    text = "did:key:z" + "6Mk" * 1300
    started = time.perf_counter()
    _refused_did_key(text, "too long")
    started_multikey = time.perf_counter()
    with pytest.raises(bid.InvalidKey, match="too long"):
        bid.parse_public_key("z" + "6Mk" * 30_000)
    assert time.perf_counter() - started_multikey < 0.05
    assert time.perf_counter() - started < 0.1


@pytest.mark.parametrize("suffix", ["\n", " ", "\x00", "\t", "\r\n", "\u3000", "#", "?"])
def test_did_key_trailing_characters(suffix: str) -> None:
    text = GOOD_DID_KEY + suffix
    with pytest.raises(bid.InvalidDID) as info:
        bid.Ed25519PublicKey.from_did_key(text)
    assert info.value.code == "invalidDid"


@pytest.mark.parametrize("suffix", ["\x00", "\u00a0x", "#", "?"])
def test_parse_public_key_trailing_characters(suffix: str) -> None:
    with pytest.raises(bid.InvalidDID):
        bid.parse_public_key(GOOD_DID_KEY + suffix)


@pytest.mark.parametrize("pad", ["\n", " ", "\t", "\r\n"])
def test_parse_public_key_refuses_surrounding_whitespace(pad: str) -> None:
    for text in (GOOD_DID_KEY + pad, pad + GOOD_DID_KEY, GOOD_PUBLIC.to_bif() + pad):
        try:
            bid.parse_public_key(text)
        except bid.InvalidInput:
            continue
        raise AssertionError(f"parse_public_key accepted {text!r}")


def test_did_key_fullwidth_digits() -> None:
    text = GOOD_DID_KEY[:-1] + "\uff11"  # FULLWIDTH DIGIT ONE
    _refused_did_key(text, re.escape(repr("\uff11")))


@pytest.mark.parametrize(
    "text",
    ["did:KEY:" + GOOD_DID_KEY[8:], "did:Key:" + GOOD_DID_KEY[8:], "DID:key:" + GOOD_DID_KEY[8:]],
)
def test_did_key_case(text: str) -> None:
    with pytest.raises(bid.InvalidDID) as info:
        bid.Ed25519PublicKey.from_did_key(text)
    assert info.value.code == "invalidDid"
    # parse_public_key does not recognise "DID:" as a DID and reads it as a BIF hex string.
    with pytest.raises(bid.InvalidInput):
        bid.parse_public_key(text)


def test_did_key_of_another_method() -> None:
    with pytest.raises(bid.InvalidDID, match="not a did:key"):
        bid.Ed25519PublicKey.from_did_key("did:example:" + GOOD_DID_KEY[8:])
    with pytest.raises(bid.InvalidDID, match="not a did:key"):
        bid.Ed25519PublicKey.from_did_key(str(ED_KEY.bid()))


def test_did_key_url_is_not_a_did_key() -> None:
    with pytest.raises(bid.InvalidDID):
        bid.Ed25519PublicKey.from_did_key(GOOD_DID_KEY + "#" + GOOD_PUBLIC.multikey)
