"""Hypothesis properties over the public strategies in ``bid.strategies``.

Round trips (parse(str(x)) == x), BID derivation, sign/verify with tampering, key-string
round trips, and robustness: arbitrary text given to any parser raises nothing but
``bid.InvalidInput``. SM2 examples are kept few (each key derivation costs ~3 ms).
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from hypothesis.errors import InvalidArgument
from nacl.bindings import crypto_core_ed25519_is_valid_point

import bid
from bid.strategies import (
    ac_codes,
    bids,
    did_urls,
    dids,
    ed25519_private_keys,
    private_keys,
    sm2_private_keys,
)

SM2_SETTINGS = settings(max_examples=25)

# -- round trips of identifiers -----------------------------------------------------------------


@given(dids())
def test_did_round_trip(did: bid.DID) -> None:
    assert bid.DID.parse(str(did)) == did
    assert bid.DIDURL.parse(str(did)).did == did


@given(st.from_type(bid.DID))
def test_did_round_trip_from_type(did: bid.DID) -> None:
    assert isinstance(did, bid.DID)
    assert bid.DID.parse(str(did)) == did


@given(dids(methods=["other"]))
def test_generic_did_round_trip(did: bid.DID) -> None:
    assert bid.DID.parse(str(did)) == did


@given(did_urls())
def test_did_url_round_trip(url: bid.DIDURL) -> None:
    assert bid.DIDURL.parse(str(url)) == url


@given(st.from_type(bid.DIDURL))
def test_did_url_round_trip_from_type(url: bid.DIDURL) -> None:
    assert isinstance(url, bid.DIDURL)
    assert bid.DIDURL.parse(str(url)) == url


@given(bids())
@SM2_SETTINGS
def test_bid_round_trip(value: bid.BID) -> None:
    assert bid.BID.parse(str(value)) == value
    assert value.did == bid.DID.parse(str(value))


@given(st.from_type(bid.BID))
@SM2_SETTINGS
def test_bid_round_trip_from_type(value: bid.BID) -> None:
    assert isinstance(value, bid.BID)
    assert bid.BID.parse(str(value)) == value


@given(dids(methods=["bid"]))
@SM2_SETTINGS
def test_bid_dids_are_bids(did: bid.DID) -> None:
    assert did.method == "bid"
    assert str(bid.BID.parse(str(did))) == str(did)


@given(dids(methods=["key"]))
def test_key_dids_are_ed25519_did_keys(did: bid.DID) -> None:
    assert did.method == "key"
    assert bid.Ed25519PublicKey.from_did_key(did).did_key == str(did)


# -- BID derivation -----------------------------------------------------------------------------


@given(private_keys(), st.none() | ac_codes())
@SM2_SETTINGS
def test_bid_derivation_is_deterministic(key: bid.PrivateKey, ac: str | None) -> None:
    first = key.bid(ac)
    assert key.bid(ac) == first
    assert key.public_key.bid(ac) == first
    again = bid.parse_private_key(key.to_bif())
    assert again.bid(ac) == first
    raw = key.public_key.public_bytes()
    assert first.derives_from(key.key_type, raw)
    assert bid.BID.parse(str(first)).derives_from(key.key_type, raw)
    sdk = key.bid(ac, sdk_compat=True)
    assert sdk.derives_from(key.key_type, raw)
    assert sdk.suffix == first.suffix
    assert first.ac == ac
    assert first.suffix == key.bid().suffix  # the AC code does not change the hash


@given(ed25519_private_keys(), ed25519_private_keys())
def test_bid_does_not_derive_from_another_key(
    key: bid.Ed25519PrivateKey, other: bid.Ed25519PrivateKey
) -> None:
    assume(key != other)
    assert not key.bid().derives_from("ed25519", other.public_key.public_bytes())


# -- signatures ---------------------------------------------------------------------------------


def _flip(data: bytes, bit: int) -> bytes:
    out = bytearray(data)
    out[bit // 8] ^= 1 << (bit % 8)
    return bytes(out)


def _check_sign_verify(key: bid.PrivateKey, message: bytes, data: st.DataObject) -> None:
    signature = key.sign(message)
    assert len(signature) == 64
    key.public_key.verify(signature, message)
    bit = data.draw(st.integers(0, 64 * 8 - 1), label="signature bit")
    with pytest.raises(bid.InvalidSignature):
        key.public_key.verify(_flip(signature, bit), message)
    if message:
        bit = data.draw(st.integers(0, len(message) * 8 - 1), label="message bit")
        with pytest.raises(bid.InvalidSignature):
            key.public_key.verify(signature, _flip(message, bit))
    with pytest.raises(bid.InvalidSignature):
        key.public_key.verify(signature, message + b"\x00")


@given(ed25519_private_keys(), st.binary(max_size=256), st.data())
def test_ed25519_sign_verify(
    key: bid.Ed25519PrivateKey, message: bytes, data: st.DataObject
) -> None:
    _check_sign_verify(key, message, data)
    assert key.sign(message) == key.sign(message)  # deterministic (RFC 8032)


@given(sm2_private_keys(), st.binary(max_size=256), st.data())
@SM2_SETTINGS
def test_sm2_sign_verify(key: bid.SM2PrivateKey, message: bytes, data: st.DataObject) -> None:
    _check_sign_verify(key, message, data)


@given(st.from_type(bid.SM2PrivateKey), st.binary(min_size=1, max_size=64))
@SM2_SETTINGS
def test_sm2_from_type(key: bid.SM2PrivateKey, message: bytes) -> None:
    assert isinstance(key, bid.SM2PrivateKey)
    key.public_key.verify(key.sign(message), message)


# -- key strings --------------------------------------------------------------------------------


@given(private_keys())
@SM2_SETTINGS
def test_private_key_bif_round_trip(key: bid.PrivateKey) -> None:
    text = key.to_bif()
    assert len(text) == 50
    assert text.startswith("priSPK" if key.key_type == "ed25519" else "priSrr")
    assert bid.parse_private_key(text) == key
    assert type(key).from_bif(text) == key
    assert bid.parse_private_key(text).public_key == key.public_key


@given(private_keys())
@SM2_SETTINGS
def test_public_key_bif_round_trip(key: bid.PrivateKey) -> None:
    public = key.public_key
    text = public.to_bif()
    assert text == text.lower()
    assert len(text) == (70 if key.key_type == "ed25519" else 136)
    assert bid.parse_public_key(text) == public
    assert bid.parse_public_key(text.upper()) == public
    assert type(public).from_bif(text) == public
    assert type(public).from_bytes(public.public_bytes()) == public


@given(st.from_type(bid.Ed25519PublicKey))
def test_did_key_round_trip(public: bid.Ed25519PublicKey) -> None:
    assert bid.Ed25519PublicKey.from_did_key(public.did_key) == public
    assert bid.Ed25519PublicKey.from_did_key(bid.DID.parse(public.did_key)) == public
    assert bid.parse_public_key(public.did_key) == public
    assert bid.parse_public_key(public.multikey) == public
    assert public.did_key.startswith("did:key:z6Mk")
    assert public.x25519_multikey.startswith("z6LS")


@given(st.from_type(bid.SM2PublicKey))
@SM2_SETTINGS
def test_sm2_public_key_from_type(public: bid.SM2PublicKey) -> None:
    assert bid.parse_public_key(public.to_bif()) == public


# -- robustness: arbitrary text and bytes ------------------------------------------------------

PARSERS: dict[str, Callable[[str], object]] = {
    "DID.parse": bid.DID.parse,
    "DIDURL.parse": bid.DIDURL.parse,
    "BID.parse": bid.BID.parse,
    "parse_public_key": bid.parse_public_key,
    "parse_private_key": bid.parse_private_key,
    "Ed25519PublicKey.from_did_key": bid.Ed25519PublicKey.from_did_key,
    "Ed25519PublicKey.from_multikey": bid.Ed25519PublicKey.from_multikey,
    "Ed25519PublicKey.from_bif": bid.Ed25519PublicKey.from_bif,
    "SM2PublicKey.from_bif": bid.SM2PublicKey.from_bif,
    "Ed25519PrivateKey.from_bif": bid.Ed25519PrivateKey.from_bif,
    "SM2PrivateKey.from_bif": bid.SM2PrivateKey.from_bif,
}

_PREFIXES = [
    "",
    "did:",
    "did:bid:",
    "did:bid:ef",
    "did:bid:zf",
    "did:bid:aa1c:",
    "did:bid:aa1c:zf",
    "did:key:",
    "did:key:z",
    "did:key:z6Mk",
    "did:example:",
    "z",
    "z6Mk",
    "b06566",
    "b07a66",
    "B06566",
    "priSPK",
    "priSrr",
    "priv",
]
_ALPHABETS = [
    "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz",
    "0123456789abcdefABCDEF",
    "abcdefghijklmnopqrstuvwxyz0123456789:%/?#.-_",
]

texts = (
    st.text()
    | st.builds(lambda p, t: p + t, st.sampled_from(_PREFIXES), st.text())
    | st.builds(
        lambda p, t: p + t,
        st.sampled_from(_PREFIXES),
        st.sampled_from(_ALPHABETS).flatmap(lambda a: st.text(a, max_size=160)),
    )
    | st.builds(
        lambda p, c, n: p + c * n,
        st.sampled_from(_PREFIXES),
        st.characters(),
        st.integers(1_000, 200_000),
    )
)


@given(texts)
@settings(max_examples=300)
def test_parsers_raise_only_invalid_input(text: str) -> None:
    refusals: list[bid.InvalidInput] = []
    for parse in PARSERS.values():
        try:
            parse(text)
        except bid.InvalidInput as exc:  # any other exception fails the test
            refusals.append(exc)
    assert all(exc.message for exc in refusals)


@given(private_keys())
@SM2_SETTINGS
def test_parsers_on_valid_key_strings(key: bid.PrivateKey) -> None:
    # Each parser meets each valid key string: success or InvalidInput, never anything else.
    strings = [key.to_bif(), key.public_key.to_bif(), str(key.bid()), str(key.bid("aa1c"))]
    if isinstance(key, bid.Ed25519PrivateKey):
        strings += [key.did_key, key.public_key.multikey]
    for text in strings:
        for parse in PARSERS.values():
            with contextlib.suppress(bid.InvalidInput):  # any other exception fails the test
                parse(text)


public_key_bytes = (
    st.binary(max_size=70)
    | st.binary(min_size=32, max_size=32)
    | ed25519_private_keys().map(lambda k: k.public_key.public_bytes())
)


@given(public_key_bytes)
@settings(max_examples=300)
def test_ed25519_public_key_from_random_bytes(raw: bytes) -> None:
    try:
        key = bid.Ed25519PublicKey.from_bytes(raw)
    except bid.InvalidKey:
        assert len(raw) != 32 or not crypto_core_ed25519_is_valid_point(raw)
    else:
        assert len(raw) == 32
        assert crypto_core_ed25519_is_valid_point(raw)
        assert key.public_bytes() == raw


@given(st.binary(max_size=80) | sm2_private_keys().map(lambda k: k.public_key.public_bytes()))
@SM2_SETTINGS
def test_sm2_public_key_from_random_bytes(raw: bytes) -> None:
    try:
        key = bid.SM2PublicKey.from_bytes(raw)
    except bid.InvalidKey:
        pass
    else:
        assert len(raw) == 65
        assert raw[0] == 4
        assert key.public_bytes() == raw


@given(st.binary(max_size=80))
def test_signatures_of_any_shape_raise_only_invalid_signature(signature: bytes) -> None:
    key = bid.Ed25519PrivateKey.from_seed(bytes(32)).public_key
    with pytest.raises(bid.InvalidSignature):
        key.verify(signature, b"message")


# -- strategies: argument validation -----------------------------------------------------------


def _draws(strategy: st.SearchStrategy[object]) -> Callable[[], None]:
    @given(strategy)
    @settings(max_examples=1, database=None)
    def draw(value: object) -> None:
        raise AssertionError(f"drew {value!r} from an invalid strategy")

    return draw


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda: private_keys(key_types=["rsa"]), "rsa"),
        (lambda: private_keys(key_types=[]), "non-empty"),
        (lambda: private_keys(key_types="ed25519"), "non-empty sequence"),
        (lambda: dids(methods=[]), "methods"),
        (lambda: dids(methods=["web"]), "methods"),
        (lambda: dids(methods="bid"), "methods"),
        (lambda: bids(key_types=["secp256k1"]), "secp256k1"),
    ],
    ids=[
        "unknown-key-type",
        "no-key-types",
        "key-types-str",
        "no-methods",
        "unknown-method",
        "methods-str",
        "bids-unknown-key-type",
    ],
)
def test_strategy_arguments_checked_when_drawn(
    make: Callable[[], st.SearchStrategy[object]], message: str
) -> None:
    with pytest.raises(InvalidArgument, match=message):
        _draws(make())()


def test_strategy_arguments_that_must_be_strategies() -> None:
    with pytest.raises(InvalidArgument, match="must be a strategy"):
        bids(ac="abcd")  # type: ignore[arg-type]
    with pytest.raises(InvalidArgument, match="must be a strategy"):
        did_urls(dids=bid.DID.parse("did:example:1"))  # type: ignore[arg-type]


@given(bids(ac=st.just("aa1c"), key_types=["sm2"]))
@SM2_SETTINGS
def test_bids_with_given_ac(value: bid.BID) -> None:
    assert value.ac == "aa1c"
    assert value.type_letter == "z"


@given(private_keys(key_types=["ed25519"]))
def test_private_keys_of_one_type(key: bid.PrivateKey) -> None:
    assert isinstance(key, bid.Ed25519PrivateKey)
