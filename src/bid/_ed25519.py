"""Ed25519 through libsodium (PyNaCl): the only module of ``bid`` that imports PyNaCl.

Three rules hold here (security.md section 1):
- a public key is accepted only if ``crypto_core_ed25519_is_valid_point`` says it is a
  canonical encoding of a point in the prime-order subgroup (this refuses small-order,
  mixed-order, non-canonical and off-curve keys, which ``VerifyKey`` alone would take);
- signing takes only the secret and derives the public half itself;
- every PyNaCl exception becomes one of ours.
"""

from __future__ import annotations

from functools import lru_cache

from nacl import bindings, exceptions, utils

from .errors import InvalidKey, InvalidSignature

__all__ = [
    "PUBLIC_KEY_SIZE",
    "SEED_SIZE",
    "SIGNATURE_SIZE",
    "check_public_key",
    "keypair_from_seed",
    "random_seed",
    "sign",
    "to_x25519",
    "verify",
]

SEED_SIZE = 32
PUBLIC_KEY_SIZE = 32
SIGNATURE_SIZE = 64

_crypto_sign = bindings.crypto_sign
_crypto_sign_open = bindings.crypto_sign_open
_is_valid_point = bindings.crypto_core_ed25519_is_valid_point
_BadSignature = exceptions.BadSignatureError
_CryptoError = exceptions.CryptoError


def random_seed() -> bytes:
    """32 bytes from the operating system's CSPRNG (libsodium ``randombytes``)."""
    return bytes(utils.random(SEED_SIZE))


def keypair_from_seed(seed: bytes) -> tuple[bytes, bytes]:
    """Return ``(public_key, secret_key)``: the 32-byte key and libsodium's 64-byte secret."""
    if len(seed) != SEED_SIZE:
        raise InvalidKey(f"an Ed25519 seed is {SEED_SIZE} bytes, got {len(seed)}")
    public, secret = bindings.crypto_sign_seed_keypair(bytes(seed))
    return bytes(public), bytes(secret)


def check_public_key(public_key: bytes) -> None:
    """Raise InvalidKey unless ``public_key`` is a valid prime-order point encoding."""
    if len(public_key) != PUBLIC_KEY_SIZE:
        raise InvalidKey(
            f"an Ed25519 public key is {PUBLIC_KEY_SIZE} bytes, got {len(public_key)}",
            code="invalidPublicKeyLength",
        )
    if not _is_valid_point_cached(bytes(public_key)):
        raise InvalidKey(
            "not a valid Ed25519 public key: small-order, mixed-order, "
            "non-canonical or not on the curve"
        )


# The subgroup check multiplies the point by the group order: ~58 us, as much as a verify.
# Verifiers meet the same few issuer keys again and again, so the verdicts (not the keys'
# uses) of the most recent ones are kept; a verdict depends on the 32 bytes alone.
@lru_cache(maxsize=4096)
def _is_valid_point_cached(public_key: bytes) -> bool:
    return bool(_is_valid_point(public_key))


def sign(secret_key: bytes, message: bytes) -> bytes:
    """Detached RFC 8032 signature of ``message`` with libsodium's 64-byte secret key."""
    return _crypto_sign(message, secret_key)[:SIGNATURE_SIZE]


def verify(public_key: bytes, signature: bytes, message: bytes) -> None:
    """Raise InvalidSignature unless ``signature`` verifies; the key must be checked first."""
    if len(signature) != SIGNATURE_SIZE:
        raise InvalidSignature(
            f"an Ed25519 signature is {SIGNATURE_SIZE} bytes, got {len(signature)}"
        )
    try:  # bytes(): a bytearray or memoryview would reach the C binding as a TypeError
        _crypto_sign_open(bytes(signature) + bytes(message), public_key)
    except _BadSignature:
        raise InvalidSignature("the Ed25519 signature does not verify") from None
    except _CryptoError as exc:
        raise InvalidSignature(f"the Ed25519 signature does not verify ({exc})") from exc


def to_x25519(public_key: bytes) -> bytes:
    """The Curve25519 (X25519) public key for key agreement, refusing weak keys.

    The map is RFC 7748's birational one, ``u = (1 + y) / (1 - y) mod p``. libsodium's
    ``crypto_sign_ed25519_pk_to_curve25519`` computes it too, but first repeats the
    prime-order check (a scalar multiplication, ~60 us, as much as a verify) that
    :func:`check_public_key` has already made and cached for this key; the arithmetic
    alone is one modular inverse, ~2 us. So the check is ours (the same libsodium call as
    for every key) and the map is done here; ``tests/test_keys.py`` compares the two on
    random keys.
    """
    try:
        check_public_key(public_key)  # refuses y = 1 (the identity) with every weak key
    except InvalidKey as exc:
        raise InvalidKey("this Ed25519 key has no safe X25519 counterpart") from exc
    y = int.from_bytes(public_key, "little") & _Y_MASK
    u = (1 + y) * pow(1 - y, -1, _P) % _P
    return u.to_bytes(PUBLIC_KEY_SIZE, "little")


_P = 2**255 - 19
_Y_MASK = (1 << 255) - 1  # the top bit is the sign of x, not part of y
