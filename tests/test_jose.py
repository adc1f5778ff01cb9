"""Compact JWS (EdDSA) and the JWT encodings of credentials: bid.jose.

References: RFC 7515 (JWS), RFC 8037 (EdDSA in JOSE; the Appendix A.4 vector), RFC 7797
(b64, refused), VC-JOSE-COSE 1.0 and VC Data Model 1.1 section 6.3; security.md section 7,
checklist part E (items 44, 45, 47) and item 10 (the JWT path refuses the keys the key gate
refuses, and never hands them to libsodium).
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import hmac
import json
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bid import _ed25519, jose
from bid._json import MAX_SAFE_INTEGER
from bid.errors import (
    BidError,
    ClaimsMismatch,
    InvalidAlgorithm,
    InvalidCredential,
    InvalidKey,
    InvalidSignature,
    MalformedJWS,
    ParseError,
    Unsupported,
)
from bid.keys import Ed25519PrivateKey, Ed25519PublicKey, SM2PrivateKey

VECTORS_DIR = Path(__file__).parent / "vectors"

KEY = Ed25519PrivateKey.from_seed(hashlib.sha256(b"bid jose test key").digest())
OTHER_KEY = Ed25519PrivateKey.from_seed(hashlib.sha256(b"bid jose other key").digest())
KID = f"{KEY.did_key}#{KEY.public_key.multikey}"
ISSUER = KEY.did_key
SUBJECT = "did:example:ebfeb1f712ebc6f1c276e12ec21"
HOLDER = SUBJECT

V2 = "https://www.w3.org/ns/credentials/v2"
V1 = "https://www.w3.org/2018/credentials/v1"
NBF = 1704067200  # 2024-01-01T00:00:00Z
EXP = 2019686400  # 2034-01-01T00:00:00Z


def b64(data: bytes) -> str:
    """Unpadded base64url, written independently of the module under test."""
    return base64.urlsafe_b64encode(data).decode("ascii").rstrip("=")


def header_bytes(header: dict[str, Any]) -> bytes:
    return json.dumps(header, separators=(",", ":")).encode("utf-8")


def forge(
    header: dict[str, Any] | bytes,
    payload: bytes = b'{"sub":"x"}',
    signature: bytes | None = None,
) -> str:
    """A compact token with any header; signed by KEY unless ``signature`` is given."""
    raw_header = header if isinstance(header, bytes) else header_bytes(header)
    signing_input = f"{b64(raw_header)}.{b64(payload)}"
    if signature is None:
        signature = KEY.sign(signing_input.encode("ascii"))
    return f"{signing_input}.{b64(signature)}"


GOOD_HEADER: dict[str, Any] = {"alg": "EdDSA", "kid": KID}


def _with_last_char(segment: str, step: int) -> str:
    """``segment`` with its last base64url character moved by ``step`` in the alphabet."""
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
    return segment[:-1] + alphabet[alphabet.index(segment[-1]) + step]


# -- RFC 8037 Appendix A.4 ---------------------------------------------------------------------

# RFC 8037 A.1 (the Ed25519 private key "d" and public key "x") and A.4 (the JWS).
RFC8037_D = "nWGxne_9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A"
RFC8037_X = "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"
RFC8037_JWS = (
    "eyJhbGciOiJFZERTQSJ9.RXhhbXBsZSBvZiBFZDI1NTE5IHNpZ25pbmc."
    "hgyY0il_MGCjP0JzlnLWG1PPOt7-09PGcvMg3AIbQR6dWbhijcNR4ki4iylGjg5BhVsPt9g7sVvpAr_MuM0KAg"
)


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def test_rfc8037_a4_is_reproduced_exactly() -> None:
    key = Ed25519PrivateKey.from_seed(_unb64(RFC8037_D))
    assert key.public_key.public_bytes() == _unb64(RFC8037_X)
    token = jose.sign_bytes(b"Example of Ed25519 signing", key, header={"alg": "EdDSA"})
    assert token == RFC8037_JWS


def test_rfc8037_a4_verifies() -> None:
    jws = jose.decode(RFC8037_JWS)
    assert dict(jws.header) == {"alg": "EdDSA"}
    assert jws.payload == b"Example of Ed25519 signing"
    assert jws.signing_input == RFC8037_JWS.rsplit(".", 1)[0].encode("ascii")
    assert (jws.alg, jws.kid, jws.typ, jws.cty) == ("EdDSA", None, None, None)
    jose.verify(jws, Ed25519PublicKey.from_bytes(_unb64(RFC8037_X)))
    with pytest.raises(InvalidSignature):
        jose.verify(jws, KEY.public_key)
    with pytest.raises(MalformedJWS, match="no kid"):
        jose.kid_of(jws)
    with pytest.raises(MalformedJWS, match="not valid JSON"):
        jws.claims()  # "Example of Ed25519 signing" is not JSON


# -- round trip ---------------------------------------------------------------------------------


def test_sign_decode_verify_round_trip() -> None:
    payload: dict[str, Any] = {
        "iss": ISSUER,
        "n": 1,
        "f": 2.5,
        "list": [True, None, "é"],
        "obj": {"a": {}},
    }
    token = jose.sign(payload, KEY, kid=KID, typ="JWT", extra_header={"cty": "vc"})
    header_segment = token.split(".")[0]
    assert _unb64(header_segment) == header_bytes(
        {"alg": "EdDSA", "kid": KID, "typ": "JWT", "cty": "vc"}
    )
    jws = jose.decode(token)
    jose.verify(jws, KEY.public_key)
    assert jws.claims() == payload
    assert (jws.alg, jws.kid, jws.typ, jws.cty) == ("EdDSA", KID, "JWT", "vc")
    assert jose.kid_of(jws) == KID
    with pytest.raises(InvalidSignature):
        jose.verify(jws, OTHER_KEY.public_key)


def test_typ_is_left_out_when_none() -> None:
    jws = jose.decode(jose.sign({"a": 1}, KEY, kid="#key-1"))
    assert dict(jws.header) == {"alg": "EdDSA", "kid": "#key-1"}


def test_header_is_read_only() -> None:
    jws = jose.decode(jose.sign({"a": 1}, KEY, kid=KID, extra_header={"x": [1, {"y": 2}]}))
    with pytest.raises(TypeError):
        jws.header["alg"] = "none"  # type: ignore[index]
    assert jws.header["x"] == (1, {"y": 2})


@pytest.mark.parametrize(
    "extra",
    [
        pytest.param({"alg": "none"}, id="alg"),
        pytest.param({"kid": "#other"}, id="kid"),
        pytest.param({"typ": "JWT"}, id="typ"),
    ],
)
def test_extra_header_cannot_override(extra: dict[str, Any]) -> None:
    with pytest.raises(MalformedJWS, match="extra_header may not set"):
        jose.sign({"a": 1}, KEY, kid=KID, extra_header=extra)


@pytest.mark.parametrize(
    "extra",
    [
        pytest.param({"crit": ["exp"], "exp": 1}, id="crit"),
        pytest.param({"b64": False}, id="b64"),
        pytest.param({"jwk": {"kty": "OKP"}}, id="jwk"),
        pytest.param({"cty": 5}, id="cty-not-string"),
    ],
)
def test_sign_refuses_a_header_decode_would_refuse(extra: dict[str, Any]) -> None:
    with pytest.raises(MalformedJWS):
        jose.sign({"a": 1}, KEY, kid=KID, extra_header=extra)


@pytest.mark.parametrize(
    "kid", ["did:example:123", "https://example.com/keys#1", "#", "", "key-1", "did:x:y#a b"]
)
def test_sign_refuses_a_kid_that_is_no_verification_method(kid: str) -> None:
    with pytest.raises(MalformedJWS, match="kid"):
        jose.sign({"a": 1}, KEY, kid=kid)


def test_sign_refuses_a_kid_that_is_not_a_string() -> None:
    with pytest.raises(MalformedJWS, match="kid must be a string"):
        jose.sign({"a": 1}, KEY, kid=None)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "payload",
    [
        pytest.param([1, 2], id="array"),
        pytest.param({"n": float("nan")}, id="nan"),
        pytest.param({"n": MAX_SAFE_INTEGER + 1}, id="big-int"),
        pytest.param({"s": "\ud800"}, id="lone-surrogate"),
        pytest.param({1: "x"}, id="non-string-name"),
    ],
)
def test_sign_refuses_a_payload_that_is_not_strict_json(payload: Any) -> None:
    with pytest.raises(ParseError):
        jose.sign(payload, KEY, kid=KID)


def test_sign_bytes_refuses_what_decode_would_refuse() -> None:
    with pytest.raises(MalformedJWS, match="empty"):
        jose.sign_bytes(b"", KEY, header={"alg": "EdDSA"})
    with pytest.raises(InvalidAlgorithm):
        jose.sign_bytes(b"x", KEY, header={"alg": "none"})
    with pytest.raises(MalformedJWS, match="over"):
        jose.sign_bytes(b"x" * jose.MAX_TOKEN_LENGTH, KEY, header={"alg": "EdDSA"})


# -- checklist item 44: alg ---------------------------------------------------------------------


@pytest.fixture
def no_libsodium_verify(monkeypatch: pytest.MonkeyPatch) -> None:
    """Fail the test if anything reaches libsodium's signature check."""

    def refuse(*args: object) -> bytes:
        raise AssertionError("libsodium crypto_sign_open was reached")

    monkeypatch.setattr(_ed25519, "_crypto_sign_open", refuse)


BAD_ALGS: list[Any] = [
    pytest.param({"alg": "none"}, id="none"),
    pytest.param({"alg": "None"}, id="None"),
    pytest.param({"alg": "HS256"}, id="HS256"),
    pytest.param({"alg": "ES256"}, id="ES256"),
    pytest.param({"alg": "RS256"}, id="RS256"),
    pytest.param({"alg": "eddsa"}, id="eddsa-lower-case"),
    pytest.param({"alg": "EDDSA"}, id="EDDSA"),
    pytest.param({"alg": "EdDSA "}, id="trailing-space"),
    pytest.param({"alg": "Ed448"}, id="Ed448"),
    pytest.param({"alg": ""}, id="empty"),
    pytest.param({"alg": None}, id="null"),
    pytest.param({"alg": ["EdDSA"]}, id="list"),
    pytest.param({"kid": KID}, id="missing"),
]


@pytest.mark.usefixtures("no_libsodium_verify")
@pytest.mark.parametrize("header", BAD_ALGS)
def test_alg_outside_the_allow_list_is_refused_before_signature_work(
    header: dict[str, Any],
) -> None:
    token = forge({**header, "kid": KID})  # a genuine Ed25519 signature by KEY
    with pytest.raises(InvalidAlgorithm) as info:
        jose.decode(token)
    assert info.value.code == "invalidAlgorithm"


def test_unsecured_jws_is_refused_for_its_alg() -> None:
    # RFC 7515 Appendix A.5: alg "none" and an empty third segment.
    header, payload = b64(b'{"alg":"none"}'), b64(b'{"iss":"joe"}')
    token = f"{header}.{payload}."
    with pytest.raises(InvalidAlgorithm):
        jose.decode(token)


def test_hs256_with_the_public_key_as_secret_is_refused() -> None:
    # The algorithm-confusion attack: an HMAC whose secret is the issuer's public key.
    signing_input = f"{b64(header_bytes({'alg': 'HS256', 'kid': KID}))}.{b64(b'{}')}"
    mac = hmac.new(KEY.public_key.public_bytes(), signing_input.encode(), hashlib.sha256)
    with pytest.raises(InvalidAlgorithm):
        jose.decode(f"{signing_input}.{b64(mac.digest())}")


@pytest.mark.parametrize(
    "text",
    [
        pytest.param(
            json.dumps(
                {
                    "payload": b64(b'{"sub":"x"}'),
                    "protected": b64(b'{"kid":"#k"}'),
                    "header": {"alg": "EdDSA"},
                    "signature": b64(bytes(64)),
                }
            ),
            id="flattened-alg-unprotected",
        ),
        pytest.param(
            json.dumps(
                {
                    "payload": b64(b'{"sub":"x"}'),
                    "signatures": [{"header": {"alg": "EdDSA"}, "signature": b64(bytes(64))}],
                }
            ),
            id="general",
        ),
    ],
)
def test_json_serialization_is_refused(text: str) -> None:
    # alg "only in an unprotected header" cannot be written in compact form at all.
    with pytest.raises(MalformedJWS):
        jose.decode(text)


# -- checklist item 47: structure -----------------------------------------------------------------


@pytest.mark.parametrize(
    "header",
    [
        pytest.param({**GOOD_HEADER, "crit": ["exp"], "exp": 1}, id="crit-known-to-nobody"),
        pytest.param({**GOOD_HEADER, "crit": ["b64"], "b64": False}, id="crit-b64"),
        pytest.param({**GOOD_HEADER, "crit": ["missing"]}, id="crit-names-absent"),
        pytest.param({**GOOD_HEADER, "crit": []}, id="crit-empty"),
        pytest.param({**GOOD_HEADER, "crit": "exp", "exp": 1}, id="crit-not-list"),
        pytest.param({**GOOD_HEADER, "crit": [1]}, id="crit-not-strings"),
        pytest.param({**GOOD_HEADER, "b64": False}, id="b64-false"),
        pytest.param({**GOOD_HEADER, "b64": True}, id="b64-true"),
        pytest.param({**GOOD_HEADER, "jku": "https://evil.example/jwks"}, id="jku"),
        pytest.param({**GOOD_HEADER, "x5u": "https://evil.example/cert"}, id="x5u"),
        pytest.param({**GOOD_HEADER, "jwk": {"kty": "OKP", "crv": "Ed25519"}}, id="jwk"),
        pytest.param({**GOOD_HEADER, "x5c": ["MIIB"]}, id="x5c"),
        pytest.param({**GOOD_HEADER, "kid": 7}, id="kid-not-string"),
        pytest.param({**GOOD_HEADER, "typ": None}, id="typ-null"),
    ],
)
def test_header_parameter_is_refused(header: dict[str, Any]) -> None:
    with pytest.raises(MalformedJWS) as info:
        jose.decode(forge(header))
    assert info.value.code == "malformedJws"


def test_crit_with_an_unknown_parameter_names_it() -> None:
    with pytest.raises(MalformedJWS, match="no extension parameter is understood"):
        jose.decode(
            forge(
                {**GOOD_HEADER, "crit": ["http://example.com/ext"]}
                | {"http://example.com/ext": True}
            )
        )


def test_key_in_header_is_refused_with_the_reason() -> None:
    with pytest.raises(MalformedJWS, match="DID document"):
        jose.decode(forge({**GOOD_HEADER, "jwk": {"kty": "OKP"}}))


GOOD_TOKEN = forge(GOOD_HEADER)
H, P, S = GOOD_TOKEN.split(".")


@pytest.mark.parametrize(
    "token",
    [
        pytest.param(f"{H}.{P}", id="2-segments"),
        pytest.param(f"{H}.{P}.{S}.{S}", id="4-segments"),
        pytest.param(f"{H}.{P}.{S}.{S}.{S}", id="5-segments-jwe"),
        pytest.param(H, id="1-segment"),
        pytest.param("", id="empty"),
        pytest.param("..", id="all-empty"),
        pytest.param(f".{P}.{S}", id="empty-header"),
        pytest.param(f"{H}..{S}", id="empty-payload"),
        pytest.param(f"{H}.{P}.", id="empty-signature"),
        pytest.param(f"{H}=.{P}.{S}", id="padding-header"),
        pytest.param(f"{H}.{P}=.{S}", id="padding-payload"),
        pytest.param(f"{H}.{P}.{S}==", id="padding-signature"),
        pytest.param(f"{H}.{P}.{S[:-2]}+/", id="standard-base64-chars"),
        pytest.param(f"{H}.{P} .{S}", id="space"),
        pytest.param(f"{H}.{P}.{S}\n", id="trailing-newline"),
        pytest.param(f" {H}.{P}.{S}", id="leading-space"),
        pytest.param(f"{H}.{P}é.{S}", id="non-ascii"),
        pytest.param(f"{H}.{P}.{S[:-1]}\uff21", id="fullwidth-letter"),
        pytest.param(f"{H}.{P}.{S}A", id="length-mod-4-is-1"),
        pytest.param(f"{H}.{P}.{S[:-2]}", id="signature-cut"),
    ],
)
def test_malformed_compact_form_is_refused(token: str) -> None:
    with pytest.raises(MalformedJWS):
        jose.decode(token)


def test_good_token_decodes() -> None:
    jose.verify(jose.decode(GOOD_TOKEN), KEY.public_key)


@pytest.mark.parametrize("which", [1, 2])
def test_non_canonical_trailing_bits_are_refused(which: int) -> None:
    segments = GOOD_TOKEN.split(".")
    # A 64-byte signature leaves 4 spare bits in its last character, an 11-byte payload 2.
    assert len(segments[which]) % 4 != 0
    changed = _with_last_char(segments[which], 1)
    assert _unb64(changed) == _unb64(segments[which])  # the same bytes: a second spelling
    segments[which] = changed
    with pytest.raises(MalformedJWS, match="canonical"):
        jose.decode(".".join(segments))


@pytest.mark.parametrize("token", [b"a.b.c", None, 5, ["a", "b", "c"]])
def test_non_str_is_refused(token: Any) -> None:
    with pytest.raises(MalformedJWS, match="is a str"):
        jose.decode(token)


def test_overlong_token_is_refused_before_decoding() -> None:
    token = "A" * (jose.MAX_TOKEN_LENGTH + 1)
    with pytest.raises(MalformedJWS, match="characters is over"):
        jose.decode(token)


@pytest.mark.parametrize(
    "raw",
    [
        pytest.param(b"not json", id="not-json"),
        pytest.param(b'{"alg":"EdDSA"', id="truncated"),
        pytest.param(b'["EdDSA"]', id="array"),
        pytest.param(b'"EdDSA"', id="string"),
        pytest.param(b'{"alg":"EdDSA","alg":"none"}', id="duplicate-alg"),
        pytest.param(b'{"alg":"none","alg":"EdDSA"}', id="duplicate-alg-last-good"),
        pytest.param(b'{"alg":"EdDSA","x":NaN}', id="nan"),
        pytest.param(b'{"alg":"EdDSA","x":Infinity}', id="infinity"),
        pytest.param(b'{"alg":"EdDSA","x":9007199254740993}', id="big-int"),
        pytest.param(b'{"alg":"EdDSA","x":"\xff"}', id="not-utf8"),
        pytest.param(b'{"alg":"EdDSA","x":"\\ud800"}', id="lone-surrogate"),
        pytest.param(b"[" * 100_000 + b"]" * 100_000, id="deep-nesting"),
    ],
)
def test_header_that_is_not_a_strict_json_object_is_refused(raw: bytes) -> None:
    with pytest.raises(MalformedJWS):
        jose.decode(forge(raw))


@pytest.mark.parametrize("size", [0, 1, 32, 63, 65, 96, 128])
def test_signature_of_the_wrong_length_is_refused(size: int) -> None:
    token = f"{H}.{P}.{b64(bytes(range(size)))}"
    with pytest.raises(MalformedJWS):
        jose.decode(token)
    hand_built = jose.JWS(
        header={"alg": "EdDSA"},
        payload=_unb64(P),
        signing_input=f"{H}.{P}".encode(),
        signature=bytes(size),
    )
    with pytest.raises(MalformedJWS, match=r"64 bytes|empty"):
        jose.verify(hand_built, KEY.public_key)


# -- tampering ------------------------------------------------------------------------------------


def test_tampered_payload_is_refused() -> None:
    token = jose.sign({"sub": "alice", "admin": False}, KEY, kid=KID)
    header, _, signature = token.split(".")
    forged_payload = b64(b'{"sub":"alice","admin":true}')
    forged = f"{header}.{forged_payload}.{signature}"
    jws = jose.decode(forged)
    with pytest.raises(InvalidSignature):
        jose.verify(jws, KEY.public_key)


def test_tampered_header_is_refused() -> None:
    token = jose.sign({"sub": "alice"}, KEY, kid=KID)
    _, payload, signature = token.split(".")
    other = b64(header_bytes({"alg": "EdDSA", "kid": f"{OTHER_KEY.did_key}#k"}))
    with pytest.raises(InvalidSignature):
        jose.verify(jose.decode(f"{other}.{payload}.{signature}"), KEY.public_key)


@given(bit=st.integers(0, 511))
def test_any_signature_bit_flip_is_refused(bit: int) -> None:
    jws = jose.decode(GOOD_TOKEN)
    flipped = bytearray(jws.signature)
    flipped[bit // 8] ^= 1 << (bit % 8)
    with pytest.raises(InvalidSignature):
        jose.verify(jose.decode(f"{H}.{P}.{b64(bytes(flipped))}"), KEY.public_key)


@given(data=st.data())
def test_any_payload_bit_flip_is_refused(data: st.DataObject) -> None:
    payload = _unb64(P)
    bit = data.draw(st.integers(0, len(payload) * 8 - 1))
    flipped = bytearray(payload)
    flipped[bit // 8] ^= 1 << (bit % 8)
    with pytest.raises(InvalidSignature):
        jose.verify(jose.decode(f"{H}.{b64(bytes(flipped))}.{S}"), KEY.public_key)


def test_hand_built_jws_must_match_its_signing_input() -> None:
    jws = jose.decode(jose.sign({"sub": "alice"}, KEY, kid=KID))
    # The signature is good for the signing input, but the payload shown is another.
    swapped = jose.JWS(
        header=jws.header,
        payload=b'{"sub":"mallory"}',
        signing_input=jws.signing_input,
        signature=jws.signature,
    )
    with pytest.raises(MalformedJWS, match="not the one in its signing input"):
        jose.verify(swapped, KEY.public_key)
    header_swapped = jose.JWS(
        header={"alg": "EdDSA", "kid": "#other"},
        payload=jws.payload,
        signing_input=jws.signing_input,
        signature=jws.signature,
    )
    with pytest.raises(MalformedJWS, match="not the one in its signing input"):
        jose.verify(header_swapped, KEY.public_key)


def test_hand_built_jws_gets_the_decode_rules() -> None:
    none_header = b64(b'{"alg":"none"}')
    signing_input = f"{none_header}.{P}".encode()
    jws = jose.JWS(
        header={"alg": "none"},
        payload=_unb64(P),
        signing_input=signing_input,
        signature=KEY.sign(signing_input),
    )
    with pytest.raises(InvalidAlgorithm):
        jose.verify(jws, KEY.public_key)
    not_ascii = jose.JWS(header={}, payload=b"x", signing_input=b"\xff.x", signature=bytes(64))
    with pytest.raises(MalformedJWS, match="ASCII"):
        jose.verify(not_ascii, KEY.public_key)


# -- checklist items 5 and 10: small-order keys never reach libsodium ----------------------------


def _low_order_keys() -> list[str]:
    vectors = json.loads((VECTORS_DIR / "cctv-ed25519vectors.json").read_text(encoding="utf-8"))
    return sorted({v["key"] for v in vectors if "low_order_A" in (v["flags"] or [])})


LOW_ORDER_KEYS = _low_order_keys()
# R = the identity, S = 0: with a small-order key, cofactorless checks ([S]B = R + [k]A)
# accept this "signature" for every message.
UNIVERSAL_SIGNATURE = bytes([1]) + bytes(63)


@pytest.mark.usefixtures("no_libsodium_verify")
@pytest.mark.parametrize("raw", LOW_ORDER_KEYS)
def test_low_order_key_cannot_verify_a_jwt(raw: str) -> None:
    assert len(LOW_ORDER_KEYS) == 14
    token = forge({"alg": "EdDSA", "kid": f"{ISSUER}#k"}, signature=UNIVERSAL_SIGNATURE)
    jws = jose.decode(token)  # well-formed: the signature is refused only by its key
    with pytest.raises(InvalidKey) as info:
        Ed25519PublicKey.from_bytes(bytes.fromhex(raw))
    assert info.value.code == "invalidPublicKey"

    class Impostor:
        """Claims to be an Ed25519 key, holding the raw small-order bytes."""

        algorithm = "Ed25519"

        def verify(self, signature: bytes, data: bytes) -> None:
            _ed25519.verify(bytes.fromhex(raw), signature, data)

    with pytest.raises(Unsupported, match="not an Ed25519PublicKey"):
        jose.verify(jws, Impostor())  # type: ignore[arg-type]


def test_universal_signature_fails_under_a_sound_key() -> None:
    token = forge({"alg": "EdDSA", "kid": f"{ISSUER}#k"}, signature=UNIVERSAL_SIGNATURE)
    with pytest.raises(InvalidSignature):
        jose.verify(jose.decode(token), KEY.public_key)


# -- SM2 ------------------------------------------------------------------------------------------

SM2_KEY = SM2PrivateKey.from_bytes(hashlib.sha256(b"bid jose sm2 key").digest())


def test_sm2_cannot_sign_a_jws() -> None:
    with pytest.raises(Unsupported, match="SM2"):
        jose.sign({"a": 1}, SM2_KEY, kid=KID)
    with pytest.raises(Unsupported, match="SM2"):
        jose.sign_bytes(b"x", SM2_KEY, header={"alg": "EdDSA"})


def test_sm2_cannot_verify_a_jws() -> None:
    with pytest.raises(Unsupported, match="SM2"):
        jose.verify(jose.decode(GOOD_TOKEN), SM2_KEY.public_key)


# -- kid ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "kid",
    [
        KID,
        "#key-1",
        "did:bid:efnVUgqQFfYeu97ABf6sGm3WFtVXHZB2#key-1",
        "did:example:123?versionId=1#key-1",
    ],
)
def test_kid_of_returns_a_verification_method_url_as_written(kid: str) -> None:
    assert jose.kid_of(jose.decode(forge({"alg": "EdDSA", "kid": kid}))) == kid


@pytest.mark.parametrize(
    "kid",
    ["did:example:123", "https://issuer.example/keys#1", "#", "key-1", "did:example:1#a b", ""],
)
def test_kid_of_refuses_what_names_no_verification_method(kid: str) -> None:
    jws = jose.decode(forge({"alg": "EdDSA", "kid": kid}))
    with pytest.raises(MalformedJWS, match="kid"):
        jose.kid_of(jws)


# -- claims() -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "payload",
    [b"[1]", b'{"a":1,"a":2}', b'{"a":NaN}', b"\xff\xfe", b"{"],
)
def test_claims_refuses_a_payload_that_is_no_strict_json_object(payload: bytes) -> None:
    jws = jose.decode(forge(GOOD_HEADER, payload=payload))
    with pytest.raises(MalformedJWS):
        jws.claims()


# -- properties -----------------------------------------------------------------------------------

_TEXT = st.text(st.characters(exclude_categories=["Cs"]), max_size=12)
_SCALARS = (
    st.none()
    | st.booleans()
    | st.integers(-MAX_SAFE_INTEGER, MAX_SAFE_INTEGER)
    | st.floats(allow_nan=False, allow_infinity=False)
    | _TEXT
)
JSON_VALUES = st.recursive(
    _SCALARS,
    lambda children: st.lists(children, max_size=4) | st.dictionaries(_TEXT, children, max_size=4),
    max_leaves=16,
)
JSON_OBJECTS = st.dictionaries(_TEXT, JSON_VALUES, max_size=6)


@given(payload=JSON_OBJECTS, typ=st.none() | _TEXT)
def test_round_trip_over_random_json_payloads(payload: dict[str, Any], typ: str | None) -> None:
    token = jose.sign(payload, KEY, kid=KID, typ=typ)
    jws = jose.decode(token)
    jose.verify(jws, KEY.public_key)
    assert jws.claims() == payload
    assert jws.typ == typ


@given(extra=st.dictionaries(_TEXT, JSON_VALUES, max_size=4), payload=st.binary(max_size=64))
def test_whatever_sign_bytes_writes_decode_reads(extra: dict[str, Any], payload: bytes) -> None:
    header = {**extra, "alg": "EdDSA"}
    try:
        token = jose.sign_bytes(payload, KEY, header=header)
    except MalformedJWS:
        return  # a header (or empty payload) decode would refuse as well
    jws = jose.decode(token)
    jose.verify(jws, KEY.public_key)
    assert jws.payload == payload
    assert json.loads(_unb64(token.split(".")[0])) == header


_TOKEN_CHARS = "ABCDEFabcdef0123456789-_.=+/ \n\x00éeyJ"


@given(token=st.text() | st.text(_TOKEN_CHARS, max_size=120))
def test_decode_raises_only_library_errors(token: str) -> None:
    try:
        jws = jose.decode(token)
    except (MalformedJWS, InvalidAlgorithm):
        return
    with pytest.raises(BidError):
        jose.verify(jws, KEY.public_key)


@given(raw=st.binary(max_size=80))
def test_any_header_bytes_give_only_library_errors(raw: bytes) -> None:
    with contextlib.suppress(MalformedJWS, InvalidAlgorithm):
        jose.decode(forge(raw))


# -- credentials: VC 2.0 (VC-JOSE-COSE) -----------------------------------------------------------

V2_CREDENTIAL: dict[str, Any] = {
    "@context": [V2, "https://www.w3.org/ns/credentials/examples/v2"],
    "id": "urn:uuid:58172aac-d8ba-11ed-83dd-0b3aef56cc33",
    "type": ["VerifiableCredential", "ExampleAlumniCredential"],
    "issuer": ISSUER,
    "validFrom": "2024-01-01T00:00:00Z",
    "validUntil": "2034-01-01T00:00:00Z",
    "credentialSubject": {"id": SUBJECT, "alumniOf": "Example University"},
}
V2_PRESENTATION: dict[str, Any] = {
    "@context": [V2],
    "id": "urn:uuid:1f7b5d8e-2c3a-4b1e-9f6d-7a8b9c0d1e2f",
    "type": ["VerifiablePresentation"],
    "holder": HOLDER,
    "verifiableCredential": [V2_CREDENTIAL],
}
V2_CLAIMS: dict[str, Any] = {
    "iss": ISSUER,
    "jti": V2_CREDENTIAL["id"],
    "sub": SUBJECT,
    "nbf": NBF,
    "exp": EXP,
    "iat": NBF - 10,
}


def test_v2_credential_is_the_payload() -> None:
    claims = jose.credential_claims(V2_CREDENTIAL, kind="vc")
    assert claims == V2_CREDENTIAL
    assert claims is not V2_CREDENTIAL
    assert jose.typ_for(V2_CREDENTIAL, kind="vc") == "vc+jwt"
    token = jose.sign(claims, KEY, kid=KID, typ="vc+jwt")
    jws = jose.decode(token)
    jose.verify(jws, KEY.public_key)
    assert jws.typ == "vc+jwt"
    assert jose.credential_from_claims(jws.claims(), kind="vc") == V2_CREDENTIAL


def test_v2_agreeing_claims_are_accepted_and_removed() -> None:
    payload = {**V2_CREDENTIAL, **V2_CLAIMS, "aud": ["did:example:verifier"], "nonce": "n-1"}
    assert jose.credential_from_claims(payload, kind="vc") == V2_CREDENTIAL


def test_v2_issuer_object_and_subject_list_of_one_agree() -> None:
    credential = {
        **V2_CREDENTIAL,
        "issuer": {"id": ISSUER, "name": "Example University"},
        "credentialSubject": [{"id": SUBJECT, "alumniOf": "Example University"}],
    }
    payload = {**credential, "iss": ISSUER, "sub": SUBJECT}
    assert jose.credential_from_claims(payload, kind="vc") == credential


def test_v2_dates_agree_to_the_second_in_any_time_zone() -> None:
    credential = {
        **V2_CREDENTIAL,
        "validFrom": "2024-01-01T08:00:00.750+08:00",  # NBF and three quarters of a second
        "validUntil": "2034-01-01T00:00:00.999999Z",
    }
    payload = {**credential, "nbf": NBF, "exp": EXP + 0.5}
    assert jose.credential_from_claims(payload, kind="vc") == credential
    with pytest.raises(ClaimsMismatch, match="nbf"):
        jose.credential_from_claims({**credential, "nbf": NBF + 1}, kind="vc")


_DROP = object()


def _changed(document: dict[str, Any], changes: dict[str, Any]) -> dict[str, Any]:
    result = {**document, **changes}
    return {name: value for name, value in result.items() if value is not _DROP}


V2_MISMATCHES: list[Any] = [
    pytest.param({}, {"iss": "did:example:other"}, "iss", id="iss-not-issuer"),
    pytest.param(
        {"issuer": {"id": ISSUER}}, {"iss": "did:example:other"}, "iss", id="iss-not-issuer-id"
    ),
    pytest.param({}, {"sub": "did:example:other"}, "sub", id="sub-not-subject-id"),
    pytest.param(
        {"credentialSubject": {"alumniOf": "x"}}, {"sub": SUBJECT}, "sub", id="sub-subject-no-id"
    ),
    pytest.param(
        {"credentialSubject": [{"id": SUBJECT}, {"id": "did:example:2"}]},
        {"sub": SUBJECT},
        "sub",
        id="sub-two-subjects",
    ),
    pytest.param({}, {"jti": "urn:uuid:other"}, "jti", id="jti-not-id"),
    pytest.param({"id": _DROP}, {"jti": "urn:uuid:x"}, "jti", id="jti-without-id"),
    pytest.param({}, {"nbf": NBF + 1}, "nbf", id="nbf-not-validFrom"),
    pytest.param({}, {"nbf": NBF - 86400}, "nbf", id="nbf-day-early"),
    pytest.param({"validFrom": _DROP}, {"nbf": NBF}, "nbf", id="nbf-without-validFrom"),
    pytest.param({}, {"exp": EXP - 1}, "exp", id="exp-not-validUntil"),
    pytest.param({}, {"exp": EXP + 3600}, "exp", id="exp-after-validUntil"),
    pytest.param({"validUntil": _DROP}, {"exp": EXP}, "exp", id="exp-without-validUntil"),
]


@pytest.mark.parametrize(("changes", "claims", "name"), V2_MISMATCHES)
def test_v2_disagreeing_claim_is_a_mismatch(
    changes: dict[str, Any], claims: dict[str, Any], name: str
) -> None:
    payload = {**_changed(V2_CREDENTIAL, changes), **claims}
    with pytest.raises(ClaimsMismatch, match=f"the {name} claim") as info:
        jose.credential_from_claims(payload, kind="vc")
    assert info.value.code == "claimsMismatch"


def test_v2_presentation_round_trip_with_nonce_and_aud() -> None:
    claims = jose.credential_claims(
        V2_PRESENTATION, kind="vp", nonce="challenge-1", aud="did:example:verifier"
    )
    assert claims == {**V2_PRESENTATION, "nonce": "challenge-1", "aud": "did:example:verifier"}
    assert jose.typ_for(V2_PRESENTATION, kind="vp") == "vp+jwt"
    jws = jose.decode(jose.sign(claims, KEY, kid=f"{HOLDER}#key-1", typ="vp+jwt"))
    assert jws.claims()["nonce"] == "challenge-1"
    assert jose.credential_from_claims(jws.claims(), kind="vp") == V2_PRESENTATION
    agreeing = {**V2_PRESENTATION, "iss": HOLDER, "jti": V2_PRESENTATION["id"]}
    assert jose.credential_from_claims(agreeing, kind="vp") == V2_PRESENTATION


@pytest.mark.parametrize(
    ("changes", "claims", "name"),
    [
        pytest.param({}, {"iss": ISSUER}, "iss", id="iss-not-holder"),
        pytest.param({"holder": _DROP}, {"iss": HOLDER}, "iss", id="iss-without-holder"),
        pytest.param({}, {"jti": "urn:uuid:other"}, "jti", id="jti-not-id"),
    ],
)
def test_v2_presentation_disagreeing_claim_is_a_mismatch(
    changes: dict[str, Any], claims: dict[str, Any], name: str
) -> None:
    payload = {**_changed(V2_PRESENTATION, changes), **claims}
    with pytest.raises(ClaimsMismatch, match=f"the {name} claim"):
        jose.credential_from_claims(payload, kind="vp")


@pytest.mark.parametrize("claim", ["vc", "vp"])
def test_v2_payload_may_not_carry_vc_or_vp(claim: str) -> None:
    with pytest.raises(InvalidCredential, match="may not carry a vc or vp"):
        jose.credential_from_claims({**V2_CREDENTIAL, claim: {}}, kind="vc")


@pytest.mark.parametrize("member", ["iss", "exp", "nonce", "vc"])
def test_v2_member_named_like_a_claim_is_refused(member: str) -> None:
    with pytest.raises(InvalidCredential, match="would read as a JWT claim"):
        jose.credential_claims({**V2_CREDENTIAL, member: "x"}, kind="vc")


# -- credentials: VC 1.1 (VC Data Model 1.1 section 6.3) ------------------------------------------

V1_CREDENTIAL: dict[str, Any] = {
    "@context": [V1, "https://www.w3.org/2018/credentials/examples/v1"],
    "id": "http://example.edu/credentials/3732",
    "type": ["VerifiableCredential", "UniversityDegreeCredential"],
    "issuer": ISSUER,
    "issuanceDate": "2024-01-01T00:00:00Z",
    "expirationDate": "2034-01-01T00:00:00Z",
    "credentialSubject": {"id": SUBJECT, "degree": {"type": "BachelorDegree"}},
}
V1_CLAIMS: dict[str, Any] = {
    "vc": {
        "@context": V1_CREDENTIAL["@context"],
        "type": V1_CREDENTIAL["type"],
        "credentialSubject": {"degree": {"type": "BachelorDegree"}},
    },
    "iss": ISSUER,
    "sub": SUBJECT,
    "jti": "http://example.edu/credentials/3732",
    "nbf": NBF,
    "exp": EXP,
}


def test_v1_credential_claims_are_the_jwt_encoding() -> None:
    assert jose.credential_claims(V1_CREDENTIAL, kind="vc") == V1_CLAIMS
    assert jose.typ_for(V1_CREDENTIAL, kind="vc") == "JWT"
    assert jose.credential_from_claims(V1_CLAIMS, kind="vc") == V1_CREDENTIAL


def test_v1_credential_round_trip_through_a_token() -> None:
    token = jose.sign(jose.credential_claims(V1_CREDENTIAL, kind="vc"), KEY, kid=KID, typ="JWT")
    jws = jose.decode(token)
    jose.verify(jws, KEY.public_key)
    assert jose.credential_from_claims(jws.claims(), kind="vc") == V1_CREDENTIAL


def test_v1_input_is_not_changed() -> None:
    before = json.dumps(V1_CREDENTIAL, sort_keys=True)
    claims = jose.credential_claims(V1_CREDENTIAL, kind="vc")
    jose.credential_from_claims(claims, kind="vc")
    assert json.dumps(V1_CREDENTIAL, sort_keys=True) == before
    assert json.dumps(V1_CLAIMS["vc"], sort_keys=True) == json.dumps(claims["vc"], sort_keys=True)


def test_v1_issuer_object_and_subject_list() -> None:
    credential = {
        **V1_CREDENTIAL,
        "issuer": {"id": ISSUER, "name": "Example University"},
        "credentialSubject": [{"id": SUBJECT, "name": "Alice"}],
    }
    claims = jose.credential_claims(credential, kind="vc")
    assert claims["iss"] == ISSUER
    assert claims["sub"] == SUBJECT
    assert claims["vc"]["issuer"] == {"name": "Example University"}
    assert claims["vc"]["credentialSubject"] == [{"name": "Alice"}]
    assert jose.credential_from_claims(claims, kind="vc") == credential


def test_v1_subjects_without_one_id_stay_in_vc() -> None:
    credential = {**V1_CREDENTIAL, "credentialSubject": [{"id": SUBJECT}, {"id": HOLDER + "2"}]}
    claims = jose.credential_claims(credential, kind="vc")
    assert "sub" not in claims
    assert claims["vc"]["credentialSubject"] == credential["credentialSubject"]
    assert jose.credential_from_claims(claims, kind="vc") == credential


def test_v1_dates_a_numericdate_cannot_restore_stay_in_vc() -> None:
    credential = {
        **V1_CREDENTIAL,
        "issuanceDate": "2024-01-01T08:00:00+08:00",
        "expirationDate": "2034-01-01T00:00:00.5Z",
    }
    claims = jose.credential_claims(credential, kind="vc")
    assert (claims["nbf"], claims["exp"]) == (NBF, EXP)
    assert claims["vc"]["issuanceDate"] == "2024-01-01T08:00:00+08:00"
    assert claims["vc"]["expirationDate"] == "2034-01-01T00:00:00.5Z"
    assert jose.credential_from_claims(claims, kind="vc") == credential


def test_v1_claims_fill_absent_members_and_agreeing_members_stay() -> None:
    full_vc = {**V1_CREDENTIAL, "credentialSubject": dict(V1_CREDENTIAL["credentialSubject"])}
    payload = {**V1_CLAIMS, "vc": full_vc, "iat": NBF, "aud": "did:example:v"}
    assert jose.credential_from_claims(payload, kind="vc") == V1_CREDENTIAL
    minimal: dict[str, Any] = {
        "vc": {"@context": [V1], "type": ["VerifiableCredential"]},
        "sub": SUBJECT,
    }
    assert jose.credential_from_claims(minimal, kind="vc") == {
        "@context": [V1],
        "type": ["VerifiableCredential"],
        "credentialSubject": {"id": SUBJECT},
    }
    issuer_without_id = {**V1_CLAIMS, "vc": {**V1_CLAIMS["vc"], "issuer": {"name": "U"}}}
    rebuilt = jose.credential_from_claims(issuer_without_id, kind="vc")
    assert rebuilt["issuer"] == {"id": ISSUER, "name": "U"}


def _vc_with(changes: dict[str, Any]) -> dict[str, Any]:
    return {**V1_CLAIMS, "vc": _changed(V1_CLAIMS["vc"], changes)}


V1_MISMATCHES: list[Any] = [
    pytest.param({"issuer": "did:example:other"}, "issuer", id="iss-not-vc-issuer"),
    pytest.param({"issuer": {"id": "did:example:other"}}, "issuer.id", id="iss-not-vc-issuer-id"),
    pytest.param({"credentialSubject": {"id": "did:example:other"}}, "id", id="sub-not-subject-id"),
    pytest.param(
        {"credentialSubject": [{"id": SUBJECT}, {"id": "did:example:2"}]},
        "sub names one subject",
        id="sub-two-subjects",
    ),
    pytest.param({"credentialSubject": "did:example:x"}, "sub names one", id="sub-subject-string"),
    pytest.param({"id": "http://example.edu/credentials/1"}, "id disagrees", id="jti-not-vc-id"),
    pytest.param({"issuanceDate": "2024-01-01T00:00:01Z"}, "issuanceDate", id="nbf-not-issuance"),
    pytest.param(
        {"expirationDate": "2033-12-31T23:59:59Z"}, "expirationDate", id="exp-not-expiration"
    ),
]


@pytest.mark.parametrize(("changes", "match"), V1_MISMATCHES)
def test_v1_vc_member_disagreeing_with_its_claim_is_a_mismatch(
    changes: dict[str, Any], match: str
) -> None:
    with pytest.raises(ClaimsMismatch, match=match):
        jose.credential_from_claims(_vc_with(changes), kind="vc")


V1_PRESENTATION: dict[str, Any] = {
    "@context": [V1],
    "id": "urn:uuid:3978344f-8596-4c3a-a978-8fcaba3903c5",
    "type": ["VerifiablePresentation"],
    "holder": HOLDER,
    "verifiableCredential": [
        jose.sign(jose.credential_claims(V1_CREDENTIAL, kind="vc"), KEY, kid=KID, typ="JWT")
    ],
}


def test_v1_presentation_claims() -> None:
    claims = jose.credential_claims(
        V1_PRESENTATION, kind="vp", nonce="343s$FSFDa-", aud=["did:example:verifier"]
    )
    assert claims == {
        "vp": {
            "@context": [V1],
            "type": ["VerifiablePresentation"],
            "verifiableCredential": V1_PRESENTATION["verifiableCredential"],
        },
        "iss": HOLDER,
        "jti": V1_PRESENTATION["id"],
        "nonce": "343s$FSFDa-",
        "aud": ["did:example:verifier"],
    }
    assert jose.typ_for(V1_PRESENTATION, kind="vp") == "JWT"
    assert jose.credential_from_claims(claims, kind="vp") == V1_PRESENTATION


def test_v1_presentation_holder_disagreeing_with_iss_is_a_mismatch() -> None:
    claims = jose.credential_claims(V1_PRESENTATION, kind="vp")
    claims["vp"]["holder"] = ISSUER
    with pytest.raises(ClaimsMismatch, match="holder"):
        jose.credential_from_claims(claims, kind="vp")
    claims["vp"]["holder"] = {"id": ISSUER}
    with pytest.raises(ClaimsMismatch, match=r"holder\.id"):
        jose.credential_from_claims(claims, kind="vp")


# -- credentials: malformed payloads --------------------------------------------------------------


@pytest.mark.parametrize(
    ("payload", "kind", "match"),
    [
        pytest.param([V2_CREDENTIAL], "vc", "JSON object", id="payload-array"),
        pytest.param("a string", "vc", "JSON object", id="payload-string"),
        pytest.param({"iss": ISSUER}, "vc", "neither @context nor a vc", id="no-vc"),
        pytest.param({**V1_CLAIMS, "vp": {}}, "vc", "may not carry a vp", id="vc-and-vp"),
        pytest.param({"vp": {}}, "vc", "may not carry a vp", id="vp-read-as-vc"),
        pytest.param({"vc": V1_CREDENTIAL}, "vp", "may not carry a vc", id="vc-read-as-vp"),
        pytest.param({"vc": "eyJ..."}, "vc", "JSON object", id="vc-claim-string"),
        pytest.param({"vc": V2_CREDENTIAL}, "vc", "is the payload itself", id="v2-in-vc-claim"),
        pytest.param(V1_CREDENTIAL, "vc", "travels in the vc claim", id="v1-as-payload"),
        pytest.param(V2_CREDENTIAL, "vp", "type VerifiablePresentation", id="v2-vc-as-vp"),
        pytest.param(V2_PRESENTATION, "vc", "type VerifiableCredential", id="v2-vp-as-vc"),
        pytest.param({**V2_CREDENTIAL, "@context": ["x"]}, "vc", "@context", id="bad-context"),
        pytest.param({**V2_CREDENTIAL, "iss": 5}, "vc", "iss claim", id="iss-not-string"),
        pytest.param({**V2_CREDENTIAL, "nbf": "2024"}, "vc", "NumericDate", id="nbf-string"),
        pytest.param({**V2_CREDENTIAL, "nbf": True}, "vc", "NumericDate", id="nbf-bool"),
        pytest.param({**V2_CREDENTIAL, "exp": 1e300}, "vc", "out of range", id="exp-huge"),
        pytest.param({**V2_CREDENTIAL, "aud": []}, "vc", "aud", id="aud-empty"),
        pytest.param({**V2_CREDENTIAL, "aud": [1]}, "vc", "aud", id="aud-not-strings"),
        pytest.param({**V2_CREDENTIAL, "nonce": 1}, "vc", "nonce", id="nonce-not-string"),
        pytest.param({**V2_CREDENTIAL, "x": float("nan")}, "vc", "NaN|nan", id="nan"),
    ],
)
def test_malformed_payload_is_an_invalid_credential(payload: Any, kind: Any, match: str) -> None:
    with pytest.raises(InvalidCredential, match=match):
        jose.credential_from_claims(payload, kind=kind)


@pytest.mark.parametrize(
    ("credential", "kind", "match"),
    [
        pytest.param(V2_CREDENTIAL, "vp", "VerifiablePresentation", id="vc-as-vp"),
        pytest.param("not an object", "vc", "JSON object", id="string"),
        pytest.param({**V1_CREDENTIAL, "issuer": _DROP}, "vc", "has an issuer", id="no-issuer"),
        pytest.param({**V1_CREDENTIAL, "issuer": {"name": "x"}}, "vc", "issuer", id="issuer-id"),
        pytest.param({**V1_CREDENTIAL, "id": 5}, "vc", "id must be a string", id="id-not-str"),
        pytest.param(
            {**V1_CREDENTIAL, "issuanceDate": "2024-01-01T00:00:00"},
            "vc",
            "time zone",
            id="date-without-zone",
        ),
        pytest.param({**V1_CREDENTIAL, "@context": [V2, V1]}, "vc", "context", id="two-bases"),
    ],
)
def test_credential_claims_refuses_what_it_cannot_encode(
    credential: Any, kind: Any, match: str
) -> None:
    if isinstance(credential, dict):
        credential = {k: v for k, v in credential.items() if v is not _DROP}
    with pytest.raises(InvalidCredential, match=match):
        jose.credential_claims(credential, kind=kind)


def test_nonce_and_aud_are_for_presentations_only() -> None:
    with pytest.raises(InvalidCredential, match="bind presentations"):
        jose.credential_claims(V2_CREDENTIAL, kind="vc", nonce="n")
    with pytest.raises(InvalidCredential, match="bind presentations"):
        jose.credential_claims(V1_CREDENTIAL, kind="vc", aud="did:example:v")
    with pytest.raises(InvalidCredential, match="aud"):
        jose.credential_claims(V2_PRESENTATION, kind="vp", aud=[])


# -- dates: a property ---------------------------------------------------------------------------

_MOMENTS = st.datetimes(
    min_value=datetime(1, 1, 2),
    max_value=datetime(9999, 12, 30),
    timezones=st.just(timezone.utc),
).map(lambda moment: moment.replace(microsecond=0))


@given(issued=_MOMENTS, lifetime=st.integers(0, 10**9), offset_minutes=st.integers(-839, 839))
def test_v1_dates_survive_the_round_trip(
    issued: datetime, lifetime: int, offset_minutes: int
) -> None:
    zone = timezone(timedelta(minutes=offset_minutes))
    issuance = issued.astimezone(zone).isoformat()
    expiration = (issued + timedelta(seconds=lifetime)).isoformat().replace("+00:00", "Z")
    if issued + timedelta(seconds=lifetime) > datetime(9999, 12, 31, tzinfo=timezone.utc):
        return
    credential = {**V1_CREDENTIAL, "issuanceDate": issuance, "expirationDate": expiration}
    claims = jose.credential_claims(credential, kind="vc")
    epoch = datetime(1970, 1, 1, tzinfo=timezone.utc)
    assert claims["nbf"] == (issued - epoch) // timedelta(seconds=1)
    assert claims["exp"] == claims["nbf"] + lifetime
    assert "expirationDate" not in claims["vc"]  # a Z date with whole seconds moves out
    assert jose.credential_from_claims(claims, kind="vc") == credential
