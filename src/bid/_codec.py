"""Bytes <-> text: Base58 in the Bitcoin and BIF alphabets, hex, multibase ``z``.

Every decoder here refuses over-long input *before* decoding (Base58 decoding is quadratic
in the input length) and raises :class:`~bid.errors.ParseError` instead of the
dependency's own exception.
"""

from __future__ import annotations

import binascii

import base58

from .errors import ParseError

__all__ = [
    "BIF_ALPHABET",
    "BTC_ALPHABET",
    "b58decode_bif",
    "b58decode_btc",
    "b58encode_bif",
    "b58encode_btc",
    "hex_decode",
    "multibase_decode_z",
    "multibase_encode_z",
]

BTC_ALPHABET = b"123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"
# The BIF network's alphabet: Bitcoin's with B/b and U/u swapped (bid-method.md section 2.3).
BIF_ALPHABET = b"123456789AbCDEFGHJKLMNPQRSTuVWXYZaBcdefghijkmnopqrstUvwxyz"

# Nothing this library decodes from Base58 is longer than a 64-byte signature (88 chars);
# 128 leaves room and keeps the quadratic decoder far below a millisecond.
MAX_BASE58_CHARS = 128

_CHARSETS = {
    BTC_ALPHABET: frozenset(BTC_ALPHABET.decode()),
    BIF_ALPHABET: frozenset(BIF_ALPHABET.decode()),
}


def _b58decode(text: str, alphabet: bytes, what: str, max_chars: int) -> bytes:
    if len(text) > max_chars:
        raise ParseError(f"{what}: Base58 text of {len(text)} characters is too long")
    if not text:
        raise ParseError(f"{what}: empty Base58 text")
    charset = _CHARSETS[alphabet]
    if not charset.issuperset(text):
        # Checked here because the base58 package strips trailing whitespace silently.
        bad = next(c for c in text if c not in charset)
        raise ParseError(f"{what}: {bad!r} is not a Base58 character")
    try:
        return bytes(base58.b58decode(text.encode("ascii"), alphabet=alphabet))
    except ValueError as exc:  # unreachable after the charset check; kept as a guard
        raise ParseError(f"{what}: invalid Base58 ({exc})") from exc


def b58encode_bif(data: bytes) -> str:
    """Base58 with the BIF alphabet (BID suffixes, BIF private keys, RFC-style proofs)."""
    return bytes(base58.b58encode(data, alphabet=BIF_ALPHABET)).decode("ascii")


def b58decode_bif(text: str, *, what: str = "value", max_chars: int = MAX_BASE58_CHARS) -> bytes:
    """Decode BIF-alphabet Base58; raises ParseError naming ``what`` on bad input."""
    return _b58decode(text, BIF_ALPHABET, what, max_chars)


def b58encode_btc(data: bytes) -> str:
    """Base58 with the Bitcoin alphabet (multibase ``z``, did:key)."""
    return bytes(base58.b58encode(data, alphabet=BTC_ALPHABET)).decode("ascii")


def b58decode_btc(text: str, *, what: str = "value", max_chars: int = MAX_BASE58_CHARS) -> bytes:
    """Decode Bitcoin-alphabet Base58; raises ParseError naming ``what`` on bad input."""
    return _b58decode(text, BTC_ALPHABET, what, max_chars)


def multibase_encode_z(data: bytes) -> str:
    """Multibase ``base58btc``: ``"z"`` followed by Bitcoin-alphabet Base58."""
    return "z" + b58encode_btc(data)


def multibase_decode_z(text: str, *, what: str = "value") -> bytes:
    """Decode multibase ``base58btc`` only; any other multibase prefix is refused."""
    if not text.startswith("z"):
        shown = text[:1] or "(empty)"
        raise ParseError(f"{what}: multibase prefix {shown!r} is not 'z' (base58btc)")
    return b58decode_btc(text[1:], what=what)


def hex_decode(text: str, *, what: str = "value", max_chars: int = 4096) -> bytes:
    """Strict hex of either case; odd length or any non-hex character is refused."""
    if len(text) > max_chars:
        raise ParseError(f"{what}: hex text of {len(text)} characters is too long")
    if not text.isascii():
        raise ParseError(f"{what}: hex text contains a non-ASCII character")
    try:
        return binascii.unhexlify(text)
    except (binascii.Error, ValueError) as exc:
        raise ParseError(f"{what}: not hex ({exc})") from exc
