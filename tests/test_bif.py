"""did:bid identifiers: parsing errors that name the part, AC codes, derivation checks.

The grammar is bid-method.md section 1.3's stricter form:
``did:bid:[<ac>:](e|z)f<22 bytes in BIF Base58>`` or the AC-only ``did:bid:<ac>``.
"""

from __future__ import annotations

import dataclasses
import hashlib
import re

import pytest

import bid
from bid._codec import b58decode_bif, b58encode_bif

ED_KEY = bid.Ed25519PrivateKey.from_seed(hashlib.sha256(b"bif test ed25519").digest())
ED_OTHER = bid.Ed25519PrivateKey.from_seed(hashlib.sha256(b"bif test ed25519 2").digest())
SM2_KEY = bid.SM2PrivateKey.from_bytes(hashlib.sha256(b"bif test sm2").digest())
ED_RAW = ED_KEY.public_key.public_bytes()
SM2_RAW = SM2_KEY.public_key.public_bytes()
ED_BID = ED_KEY.bid()
SUFFIX = ED_BID.suffix


def _suffix_of(data: bytes) -> str:
    text = b58encode_bif(data)
    assert 22 <= len(text) <= 31, "precondition: only the decoded length is wrong"
    assert b58decode_bif(text) == data
    return text


BID_ERRORS = [
    # the prefix
    pytest.param("", "starts with 'did:bid:'", id="empty"),
    pytest.param("efdPP4ympm36RxTYQJPber1PRKmLWZE", "starts with 'did:bid:'", id="no-prefix"),
    pytest.param("did:bi:ef" + SUFFIX, "starts with 'did:bid:'", id="did-bi"),
    pytest.param("DID:BID:ef" + SUFFIX, "starts with 'did:bid:'", id="upper-prefix"),
    pytest.param("did:key:ef" + SUFFIX, "starts with 'did:bid:'", id="other-method"),
    pytest.param("bid:ef" + SUFFIX, "starts with 'did:bid:'", id="no-scheme"),
    pytest.param(" did:bid:ef" + SUFFIX, "starts with 'did:bid:'", id="leading-space"),
    # the AC code
    pytest.param("did:bid:AA1C:ef" + SUFFIX, "AC code 'AA1C' must be 4 lower-case", id="ac-upper"),
    pytest.param("did:bid:aA1c:ef" + SUFFIX, "AC code 'aA1c'", id="ac-mixed"),
    pytest.param("did:bid:aa1:ef" + SUFFIX, "AC code 'aa1'", id="ac-3"),
    pytest.param("did:bid:aa1cd:ef" + SUFFIX, "AC code 'aa1cd'", id="ac-5"),
    pytest.param("did:bid::ef" + SUFFIX, "AC code ''", id="ac-empty"),
    pytest.param("did:bid:aä1c:ef" + SUFFIX, "AC code 'aä1c'", id="ac-non-ascii"),
    pytest.param("did:bid:\uff41\uff41\uff11c:ef" + SUFFIX, "AC code", id="ac-fullwidth"),
    pytest.param("did:bid:a-1c:ef" + SUFFIX, "AC code 'a-1c'", id="ac-dash"),
    pytest.param("did:bid:aa1c:", "nothing follows the AC code", id="ac-then-nothing"),
    pytest.param("did:bid:aa1c:bb2d:ef" + SUFFIX, "at most one AC code", id="two-acs"),
    pytest.param("did:bid:ef" + SUFFIX + ":", "at most one AC code|AC code", id="trailing-colon"),
    # the type letter
    pytest.param("did:bid:xf" + SUFFIX, "key-type letter 'x'", id="type-x"),
    pytest.param("did:bid:Ef" + SUFFIX, "key-type letter 'E'", id="type-upper"),
    pytest.param("did:bid:aa1c:xf" + SUFFIX, "key-type letter 'x'", id="type-x-ac"),
    pytest.param("did:bid:sf" + SUFFIX, "key type 's' .*reserved", id="type-s-reserved"),
    # the encoding letter
    pytest.param("did:bid:es" + SUFFIX, "encoding letter 's' .*only 'f'", id="encoding-s"),
    pytest.param("did:bid:et" + SUFFIX, "encoding letter 't' .*only 'f'", id="encoding-t"),
    pytest.param("did:bid:eg" + SUFFIX, "encoding letter 'g' is not 'f'", id="encoding-g"),
    pytest.param("did:bid:eF" + SUFFIX, "encoding letter 'F' is not 'f'", id="encoding-upper"),
    pytest.param("did:bid:zz" + SUFFIX, "encoding letter 'z'", id="encoding-z"),
    # the suffix: characters
    pytest.param("did:bid:ef0" + SUFFIX[1:], "'0' is not a Base58 character", id="char-0"),
    pytest.param("did:bid:efO" + SUFFIX[1:], "'O' is not a Base58 character", id="char-O"),
    pytest.param("did:bid:efI" + SUFFIX[1:], "'I' is not a Base58 character", id="char-I"),
    pytest.param("did:bid:efl" + SUFFIX[1:], "'l' is not a Base58 character", id="char-l"),
    pytest.param("did:bid:ef" + SUFFIX[:-1] + "_", "'_' is not a Base58", id="char-underscore"),
    pytest.param(
        "did:bid:ef" + SUFFIX[:-1] + "\n", r"'\\n' is not a Base58", id="trailing-newline"
    ),
    pytest.param("did:bid:ef" + SUFFIX[:-1] + " ", "' ' is not a Base58", id="trailing-space"),
    pytest.param(
        "did:bid:ef" + SUFFIX[:-1] + "\x00", r"'\\x00' is not a Base58", id="trailing-nul"
    ),
    pytest.param("did:bid:ef" + SUFFIX[:-2] + "#1", "'#' is not a Base58", id="fragment"),
    # the suffix: length
    pytest.param("did:bid:ef", "too short", id="no-suffix"),
    pytest.param("did:bid:e", "too short", id="type-only"),
    pytest.param("did:bid:", "too short", id="nothing"),
    pytest.param("did:bid:efabc", "suffix has 3 characters; 22 to 31", id="suffix-3"),
    pytest.param("did:bid:ef" + SUFFIX[:21], "suffix has 21 characters", id="suffix-21"),
    pytest.param("did:bid:ef" + "2" * 32, "suffix has 32 characters", id="suffix-32"),
    pytest.param(
        "did:bid:ef" + _suffix_of(hashlib.sha256(b"21").digest()[:21]),
        "decodes to 21 bytes; a BID suffix is 22",
        id="decodes-to-21",
    ),
    pytest.param(
        "did:bid:ef" + _suffix_of(b"\0\0" + hashlib.sha256(b"23").digest()[:21]),
        "decodes to 23 bytes; a BID suffix is 22",
        id="decodes-to-23",
    ),
    pytest.param(
        "did:bid:aa1c:zf" + _suffix_of(hashlib.sha256(b"21").digest()[:21]),
        "decodes to 21 bytes",
        id="decodes-to-21-ac",
    ),
    # the whole
    pytest.param("did:bid:ef" + "2" * 60, "too long for a BID", id="too-long"),
    pytest.param("did:bid:" + "a" * 100_000, "too long for a BID", id="100k"),
]


@pytest.mark.parametrize(("text", "message"), BID_ERRORS)
def test_bid_parse_errors(text: str, message: str) -> None:
    with pytest.raises(bid.InvalidDID, match=message) as info:
        bid.BID.parse(text)
    assert info.value.code == "invalidDid"
    assert isinstance(info.value, bid.InvalidInput)


def test_valid_suffix_lengths() -> None:
    # 22 bytes encode to 22..31 characters: many leading zero bytes give the short ones.
    for data in (bytes(21) + b"\x01", bytes(range(22)), b"\xff" * 22):
        suffix = b58encode_bif(data)
        assert 22 <= len(suffix) <= 31
        for text in ("did:bid:ef" + suffix, "did:bid:zf" + suffix, "did:bid:aa1c:zf" + suffix):
            assert str(bid.BID.parse(text)) == text


def test_parse_gives_parts() -> None:
    parsed = bid.BID.parse(str(ED_BID))
    assert parsed == ED_BID
    assert (parsed.ac, parsed.type_letter, parsed.encoding, parsed.suffix) == (
        None,
        "e",
        "f",
        SUFFIX,
    )
    assert parsed.key_type == "ed25519"
    assert not parsed.is_ac_only
    with_ac = bid.BID.parse(f"did:bid:aa1c:ef{SUFFIX}")
    assert with_ac.ac == "aa1c"
    assert with_ac.suffix == SUFFIX
    sm2 = SM2_KEY.bid()
    assert sm2.key_type == "sm2"
    assert sm2.type_letter == "z"
    assert str(sm2).startswith("did:bid:zf")


def test_bid_is_frozen_and_hashable() -> None:
    with pytest.raises(dataclasses.FrozenInstanceError):
        ED_BID.ac = "aa1c"  # type: ignore[misc]
    assert len({ED_BID, bid.BID.parse(str(ED_BID)), ED_KEY.bid("aa1c")}) == 2


def test_bid_repr_names_the_text() -> None:
    assert str(ED_BID) in repr(ED_BID)


# -- AC-only BIDs -------------------------------------------------------------------------------


@pytest.mark.parametrize("ac", ["byo1", "1234", "aa1c", "zzzz"])
def test_ac_only_bid(ac: str) -> None:
    text = f"did:bid:{ac}"
    parsed = bid.BID.parse(text)
    assert parsed.is_ac_only
    assert parsed.ac == ac
    assert parsed.type_letter is None
    assert parsed.key_type is None
    assert parsed.suffix == ""
    assert str(parsed) == text
    assert parsed.did == bid.DID.parse(text)
    assert not parsed.derives_from("ed25519", ED_RAW)
    assert not parsed.derives_from("sm2", SM2_RAW)


def test_ac_only_bid_needs_a_valid_ac() -> None:
    with pytest.raises(bid.InvalidDID):
        bid.BID.parse("did:bid:BYO1")
    with pytest.raises(bid.InvalidDID, match="needs a key-type letter"):
        bid.BID(ac=None, type_letter=None, suffix="")
    with pytest.raises(bid.InvalidDID, match="needs a key-type letter"):
        bid.BID(ac="byo1", type_letter=None, suffix=SUFFIX)


# -- derives_from, .did ---------------------------------------------------------------


def test_derive_refuses_a_bad_ac() -> None:
    for ac in ("AA1C", "aa1", "aa1cd", "", "aa:c"):
        with pytest.raises(bid.InvalidDID, match="AC code"):
            ED_KEY.bid(ac)
        with pytest.raises(bid.InvalidDID, match="AC code"):
            SM2_KEY.public_key.bid(ac, sdk_compat=True)


def test_derives_from_own_key() -> None:
    for ac in (None, "aa1c"):
        assert ED_KEY.bid(ac).derives_from("ed25519", ED_RAW)
        assert ED_KEY.bid(ac, sdk_compat=True).derives_from("ed25519", ED_RAW)
        assert SM2_KEY.bid(ac).derives_from("sm2", SM2_RAW)
        assert SM2_KEY.bid(ac, sdk_compat=True).derives_from("sm2", SM2_RAW)
        assert bid.BID.parse(str(SM2_KEY.bid(ac))).derives_from("sm2", SM2_RAW)


def test_sdk_compat_form() -> None:
    # Ed25519 is unaffected; SM2 with an AC code gets the SDKs' "ef"; no AC, no change.
    assert ED_KEY.bid("aa1c", sdk_compat=True) == ED_KEY.bid("aa1c")
    assert SM2_KEY.bid(sdk_compat=True) == SM2_KEY.bid()
    sdk = SM2_KEY.bid("aa1c", sdk_compat=True)
    assert sdk.type_letter == "e"
    assert sdk.suffix == SM2_KEY.bid().suffix
    assert str(sdk) == f"did:bid:aa1c:ef{SM2_KEY.bid().suffix}"


def test_derives_from_another_key() -> None:
    other_raw = ED_OTHER.public_key.public_bytes()
    assert not ED_BID.derives_from("ed25519", other_raw)
    assert not ED_KEY.bid("aa1c").derives_from("ed25519", other_raw)
    assert not SM2_KEY.bid().derives_from(
        "sm2", bid.SM2PrivateKey.from_bytes(b"\x01" * 32).public_key.public_bytes()
    )


def test_derives_from_wrong_type_letter() -> None:
    as_sm2 = bid.BID(ac=None, type_letter="z", suffix=SUFFIX)
    assert not as_sm2.derives_from("ed25519", ED_RAW)
    assert not ED_BID.derives_from("sm2", ED_RAW)
    assert not SM2_KEY.bid().derives_from("ed25519", SM2_RAW)
    # "ef" stands for an SM2 key only after an AC code (the SDK form), never on the main chain.
    sm2_suffix = SM2_KEY.bid().suffix
    assert not bid.BID(ac=None, type_letter="e", suffix=sm2_suffix).derives_from("sm2", SM2_RAW)
    # ...and "zf" never stands for an Ed25519 key, with or without an AC code.
    assert not bid.BID(ac="aa1c", type_letter="z", suffix=SUFFIX).derives_from("ed25519", ED_RAW)


@pytest.mark.parametrize(
    "value",
    [
        ED_BID,
        ED_KEY.bid("aa1c"),
        SM2_KEY.bid(),
        SM2_KEY.bid("aa1c", sdk_compat=True),
        bid.BID.parse("did:bid:byo1"),
    ],
    ids=str,
)
def test_did_property(value: bid.BID) -> None:
    did = value.did
    assert isinstance(did, bid.DID)
    assert did == bid.DID.parse(str(value))
    assert did.method == "bid"
    assert str(did) == str(value)


def test_bid_constructor_names_the_part() -> None:
    with pytest.raises(bid.InvalidDID, match="key-type letter 'q'"):
        bid.BID(ac=None, type_letter="q", suffix=SUFFIX)
    with pytest.raises(bid.InvalidDID, match="encoding letter 'x'"):
        bid.BID(ac=None, type_letter="e", suffix=SUFFIX, encoding="x")
    with pytest.raises(bid.InvalidDID, match=re.escape("AC code 'x'")):
        bid.BID(ac="x", type_letter="e", suffix=SUFFIX)
    with pytest.raises(bid.InvalidDID, match="suffix has 0 characters"):
        bid.BID(ac=None, type_letter="e", suffix="")
