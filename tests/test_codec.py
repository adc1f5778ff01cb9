"""Our Base58 codec against the ``base58`` package, and the strict hex and multibase rules."""

from __future__ import annotations

from collections.abc import Callable

import base58
import pytest
from hypothesis import given
from hypothesis import strategies as st

from bid import ParseError
from bid._codec import (
    BIF_ALPHABET,
    BTC_ALPHABET,
    b58decode_bif,
    b58decode_btc,
    b58encode_bif,
    b58encode_btc,
    hex_decode,
    multibase_decode_z,
    multibase_encode_z,
)

ALPHABETS = [
    (BTC_ALPHABET, b58encode_btc, b58decode_btc),
    (BIF_ALPHABET, b58encode_bif, b58decode_bif),
]


@pytest.mark.parametrize(("alphabet", "encode", "decode"), ALPHABETS)
@given(data=st.binary(max_size=140) | st.binary(max_size=8).map(lambda b: b"\0" * 3 + b))
def test_base58_matches_the_reference_package(
    alphabet: bytes,
    encode: Callable[[bytes], str],
    decode: Callable[[str], bytes],
    data: bytes,
) -> None:
    expected = base58.b58encode(data, alphabet=alphabet).decode()
    assert encode(data) == expected
    if expected:
        assert decode(expected) == data


@pytest.mark.parametrize(("alphabet", "encode", "decode"), ALPHABETS)
@given(
    text=st.text(
        alphabet="123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyzbu",
        min_size=1,
        max_size=128,
    )
)
def test_base58_decode_matches_the_reference_package(
    alphabet: bytes,
    encode: Callable[[bytes], str],
    decode: Callable[[str], bytes],
    text: str,
) -> None:
    if not set(text) <= set(alphabet.decode()):
        with pytest.raises(ParseError, match="not a Base58 character"):
            decode(text)
        return
    assert decode(text) == base58.b58decode(text.encode(), alphabet=alphabet)


# The wide-slot code has a 64-slot and a 128-slot plan and a plain loop beyond: the largest
# values of every size around those edges, and the decoder's edges in characters.
@pytest.mark.parametrize(("alphabet", "encode", "decode"), ALPHABETS)
@pytest.mark.parametrize("size", [1, 2, 32, 33, 34, 45, 46, 47, 48, 64, 92, 93, 94, 95, 200])
@pytest.mark.parametrize("fill", [0xFF, 0x00, 0x01, 0x80])
def test_base58_edges_of_the_slot_plans(
    alphabet: bytes,
    encode: Callable[[bytes], str],
    decode: Callable[..., bytes],
    size: int,
    fill: int,
) -> None:
    data = bytes([fill]) * size
    expected = base58.b58encode(data, alphabet=alphabet).decode()
    assert encode(data) == expected
    assert decode(expected, max_chars=400) == data


@pytest.mark.parametrize(("alphabet", "encode", "decode"), ALPHABETS)
@pytest.mark.parametrize("length", [1, 63, 64, 65, 127, 128, 129, 200])
def test_base58_decode_edges_in_characters(
    alphabet: bytes,
    encode: Callable[[bytes], str],
    decode: Callable[..., bytes],
    length: int,
) -> None:
    for text in (alphabet[-1:] * length, alphabet[:1] * length, alphabet[1:2] * length):
        plain = text.decode()
        assert decode(plain, max_chars=400) == base58.b58decode(text, alphabet=alphabet)


def test_bif_alphabet_swaps_b_and_u() -> None:
    assert BIF_ALPHABET.translate(bytes.maketrans(b"BbUu", b"bBuU")) == BTC_ALPHABET
    assert b58encode_bif(bytes([10])) == "b"
    assert b58encode_btc(bytes([10])) == "B"


@pytest.mark.parametrize("text", ["", " ", "abc ", "abc\n", "0", "O", "I", "l", "é", "a\0"])
def test_base58_refuses_what_is_not_base58(text: str) -> None:
    with pytest.raises(ParseError):
        b58decode_btc(text)


def test_base58_length_cap_comes_before_decoding() -> None:
    with pytest.raises(ParseError, match="too long"):
        b58decode_bif("2" * 129)


def test_multibase_is_z_only() -> None:
    assert multibase_decode_z(multibase_encode_z(b"\xed\x01ab")) == b"\xed\x01ab"
    for text in ["f00", "uAA", "mAA", "Z6Mk", ""]:
        with pytest.raises(ParseError, match="multibase prefix"):
            multibase_decode_z(text)


@pytest.mark.parametrize("text", ["abc", "zz", "0x00", "ab cd", "é0", "a" * 5000])
def test_hex_is_strict(text: str) -> None:
    with pytest.raises(ParseError):
        hex_decode(text)


def test_hex_accepts_both_cases() -> None:
    assert hex_decode("aBcD") == b"\xab\xcd"
