"""Bytes <-> text: Base58 in the Bitcoin and BIF alphabets, hex, multibase ``z``.

Every decoder here refuses over-long input *before* decoding (Base58 decoding is quadratic
in the input length) and raises :class:`~bid.errors.ParseError` instead of the
dependency's own exception.
"""

from __future__ import annotations

import binascii

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


def _decode_plan(slots: int) -> tuple[tuple[int, int, int], ...]:
    """Steps that turn ``slots`` Base58 digits, one per byte of a big integer, into their
    value: each step joins neighbouring slots pairwise, ``high * 58**m + low``, into slots
    twice as wide, all pairs at once through one mask. A slot of ``w`` bits joining two
    values below ``58**m`` holds at most ``5.86 * 2m`` bits, less than ``2w``, so no step
    carries into the next slot."""
    steps = []
    width, digits = 8, 1
    while digits < slots:
        mask = 0
        for index in range(slots // (2 * digits)):
            mask |= ((1 << width) - 1) << (index * 2 * width)
        steps.append((width, mask, 58**digits))
        width, digits = 2 * width, 2 * digits
    return tuple(steps)


def _encode_plan(slots: int) -> tuple[tuple[int, int, int, int, int], ...]:
    """The reverse: split one number below ``58**slots`` into ``slots`` digits, each in a
    16-bit slot, halving all slots at once. A slot value ``v < d*d`` (``d = 58**m``) splits
    into ``q = v // d``, computed as ``(v * r) >> s`` with ``r = ceil(2**s / d)``, which is
    exact for ``s = bits(d*d) + bits(d)``, and ``v - q * d``. Each product ``v * r`` fits in
    its ``32m``-bit slot, and the bits it leaves below ``s`` land above the neighbouring
    quotient, which the mask keeps apart."""
    steps = []
    width, digits = 16 * slots, slots // 2
    while digits >= 1:
        divisor = 58**digits
        shift = (divisor * divisor - 1).bit_length() + divisor.bit_length()
        reciprocal = -(-(1 << shift) // divisor)
        quotient_bits = (divisor - 1).bit_length()
        mask = 0
        for index in range(slots // (2 * digits)):
            mask |= ((1 << quotient_bits) - 1) << (index * width)
        steps.append((width // 2, shift, reciprocal, mask, divisor))
        width, digits = width // 2, digits // 2
    return tuple(steps)


# Base58 is a change of radix on a big integer. Done digit by digit in Python that is a
# loop of 88 multiply-adds (or divisions) for a signature, about 10 us, as much as a tenth
# of a verify. Done on all digits at once in "slots" of one big integer (SIMD within a
# register) it is 6 or 7 wide steps: 2-4 us to decode, 4-7 us to encode. The ``base58``
# package is slower still (21 us for a did:key). 64 slots serve everything up to a
# 34-byte multikey (47 characters), 128 slots up to 93 bytes / 128 characters; longer
# input takes the plain loop.
_DECODE_PLANS = {slots: _decode_plan(slots) for slots in (64, 128)}
_ENCODE_PLANS = {slots: _encode_plan(slots) for slots in (64, 128)}
_ENCODE_BYTES = {64: 46, 128: 93}  # the longest input whose value is below 58**slots


class _Base58:
    """Base58 (big-integer method, one leading ``1`` per leading zero byte).

    Written here rather than taken from the ``base58`` package because that package costs
    21 us to decode a did:key and 8 us to encode a BID suffix on these machines, which is
    most of our budget beside libsodium; this version decodes a 64-byte signature in 2-4 us
    and encodes it in 4-7 us. The test suite checks it against the package on random
    inputs of every length.
    """

    __slots__ = ("_alphabet", "_chars", "_decode_table", "_valid", "_zero", "_zero_byte")

    def __init__(self, alphabet: bytes) -> None:
        self._chars = alphabet.decode("ascii")
        self._zero = self._chars[0]
        self._zero_byte = alphabet[:1]
        self._valid = frozenset(self._chars)
        self._decode_table = bytes.maketrans(alphabet, bytes(range(58)))
        self._alphabet = bytes.maketrans(bytes(range(58)), alphabet)

    def encode(self, data: bytes) -> str:
        size = len(data)
        slots = 64 if size <= _ENCODE_BYTES[64] else 128
        if size > _ENCODE_BYTES[128]:
            digits = self._encode_loop(data)
        else:
            number = int.from_bytes(data, "big")
            for half, shift, reciprocal, mask, divisor in _ENCODE_PLANS[slots]:
                quotient = ((number * reciprocal) >> shift) & mask
                number = (quotient << half) | (number - quotient * divisor)
            digits = number.to_bytes(2 * slots, "big")[1::2]
        text = digits.translate(self._alphabet).lstrip(self._zero_byte).decode("ascii")
        zeros = size - len(data.lstrip(b"\0"))
        return self._zero * zeros + text

    @staticmethod
    def _encode_loop(data: bytes) -> bytes:
        number = int.from_bytes(data, "big")
        out = bytearray()
        while number:
            number, rest = divmod(number, 58)
            out.append(rest)
        out.reverse()
        return bytes(out)

    def decode(self, text: str, what: str, max_chars: int) -> bytes:
        if len(text) > max_chars:
            raise ParseError(f"{what}: Base58 text of {len(text)} characters is too long")
        if not text:
            raise ParseError(f"{what}: empty Base58 text")
        if not self._valid.issuperset(text):
            bad = next(c for c in text if c not in self._valid)
            raise ParseError(f"{what}: {bad!r} is not a Base58 character")
        raw = text.encode("ascii")
        digits = raw.translate(self._decode_table)
        size = len(raw)
        if size <= 128:
            number = int.from_bytes(digits, "big")
            for width, mask, multiplier in _DECODE_PLANS[64 if size <= 64 else 128]:
                number = ((number >> width) & mask) * multiplier + (number & mask)
        else:
            number = 0
            for digit in digits:
                number = number * 58 + digit
        zeros = size - len(raw.lstrip(self._zero_byte))
        return b"\0" * zeros + number.to_bytes((number.bit_length() + 7) // 8, "big")


_BTC = _Base58(BTC_ALPHABET)
_BIF = _Base58(BIF_ALPHABET)


def b58encode_bif(data: bytes) -> str:
    """Base58 with the BIF alphabet (BID suffixes, BIF private keys, RFC-style proofs)."""
    return _BIF.encode(data)


def b58decode_bif(text: str, *, what: str = "value", max_chars: int = MAX_BASE58_CHARS) -> bytes:
    """Decode BIF-alphabet Base58; raises ParseError naming ``what`` on bad input."""
    return _BIF.decode(text, what, max_chars)


def b58encode_btc(data: bytes) -> str:
    """Base58 with the Bitcoin alphabet (multibase ``z``, did:key)."""
    return _BTC.encode(data)


def b58decode_btc(text: str, *, what: str = "value", max_chars: int = MAX_BASE58_CHARS) -> bytes:
    """Decode Bitcoin-alphabet Base58; raises ParseError naming ``what`` on bad input."""
    return _BTC.decode(text, what, max_chars)


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
