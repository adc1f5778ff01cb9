"""SM2 signatures with SM3 (GM/T 0003.2, GB/T 32905): the only module importing the SM2 library.

The signing and verifying run in C through ``gmssl-pyx`` (bindings to the GmSSL library),
an optional extra: ``pip install 'bid[sm2]'``. BIF uses the default user id
``1234567812345678``, 65-byte uncompressed public points and raw 64-byte ``r || s``
signatures (bid-method.md section 4.2).

Two small pieces are written here on purpose:
- the public point ``Q = d*G`` and the on-curve check, because gmssl-pyx exposes no
  function that derives a public key from a given private key (it only generates fresh
  pairs), and a key must be validated before it is used;
- the DER <-> raw ``r || s`` conversion, because GmSSL speaks DER and BIF does not.
"""

from __future__ import annotations

from types import ModuleType

from ._optional import import_extra
from .errors import InvalidKey, InvalidSignature

__all__ = [
    "DEFAULT_USER_ID",
    "PRIVATE_KEY_SIZE",
    "PUBLIC_KEY_SIZE",
    "SIGNATURE_SIZE",
    "N",
    "check_private_key",
    "check_public_key",
    "generate",
    "public_key_from_private",
    "sign",
    "sm3",
    "verify",
]

DEFAULT_USER_ID = b"1234567812345678"
PRIVATE_KEY_SIZE = 32
PUBLIC_KEY_SIZE = 65
SIGNATURE_SIZE = 64

# The SM2 recommended curve (GM/T 0003.5), y^2 = x^3 + a*x + b over GF(p), a = p - 3.
P = 0xFFFFFFFEFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF00000000FFFFFFFFFFFFFFFF
A = P - 3
B = 0x28E9FA9E9D9F5E344D5A9E4BCF6509A7F39789F515AB8F92DDBCBD414D940E93
N = 0xFFFFFFFEFFFFFFFFFFFFFFFFFFFFFFFF7203DF6B21C6052B53BBF40939D54123
GX = 0x32C4AE2C1F1981195F9904466A39C9948FE30BBFF2660BE1715A4589334C74C7
GY = 0xBC3736A2F4F6779C59BDCEE36B692153D0A9877CC62A474002DF32E52139F0A0

_lib: ModuleType | None = None


def _gmssl() -> ModuleType:
    global _lib
    if _lib is None:
        _lib = import_extra("gmssl_pyx", "sm2", feature="SM2 keys and zf BIDs")
    return _lib


# -- curve arithmetic (Jacobian coordinates), used only for Q = d*G --------------------


def _double(x: int, y: int, z: int) -> tuple[int, int, int]:
    if y == 0 or z == 0:
        return 0, 1, 0
    ysq = y * y % P
    s = 4 * x * ysq % P
    zsq = z * z % P
    m = 3 * (x - zsq) * (x + zsq) % P  # a = -3
    nx = (m * m - 2 * s) % P
    ny = (m * (s - nx) - 8 * ysq * ysq) % P
    nz = 2 * y * z % P
    return nx, ny, nz


def _add_affine(x1: int, y1: int, z1: int, x2: int, y2: int) -> tuple[int, int, int]:
    if z1 == 0:
        return x2, y2, 1
    z1sq = z1 * z1 % P
    u2 = x2 * z1sq % P
    s2 = y2 * z1sq * z1 % P
    h = (u2 - x1) % P
    r = (s2 - y1) % P
    if h == 0:
        return _double(x1, y1, z1) if r == 0 else (0, 1, 0)
    hsq = h * h % P
    hcu = hsq * h % P
    v = x1 * hsq % P
    nx = (r * r - hcu - 2 * v) % P
    ny = (r * (v - nx) - y1 * hcu) % P
    nz = z1 * h % P
    return nx, ny, nz


def _multiply_g(d: int) -> tuple[int, int]:
    x, y, z = 0, 1, 0
    for bit in bin(d)[2:]:
        x, y, z = _double(x, y, z)
        if bit == "1":
            x, y, z = _add_affine(x, y, z, GX, GY)
    zinv = pow(z, -1, P)
    zinv2 = zinv * zinv % P
    return x * zinv2 % P, y * zinv2 * zinv % P


# -- keys --------------------------------------------------------------------------------


def check_private_key(private_key: bytes) -> int:
    """Return the scalar ``d`` of a 32-byte key, refusing anything outside [1, n-2]."""
    if len(private_key) != PRIVATE_KEY_SIZE:
        raise InvalidKey(f"an SM2 private key is {PRIVATE_KEY_SIZE} bytes, got {len(private_key)}")
    d = int.from_bytes(private_key, "big")
    if not 1 <= d <= N - 2:
        raise InvalidKey("the SM2 private key is out of range [1, n-2]")
    return d


def check_public_key(public_key: bytes) -> None:
    """Raise InvalidKey unless ``public_key`` is ``04 || X || Y`` for a point on the curve."""
    if len(public_key) != PUBLIC_KEY_SIZE:
        raise InvalidKey(
            f"an SM2 public key is {PUBLIC_KEY_SIZE} bytes (04 || X || Y), got {len(public_key)}",
            code="invalidPublicKeyLength",
        )
    if public_key[0] != 0x04:
        raise InvalidKey("an SM2 public key must be an uncompressed point starting with 04")
    x = int.from_bytes(public_key[1:33], "big")
    y = int.from_bytes(public_key[33:], "big")
    # The curve's cofactor is 1, so every point on it other than infinity (which has no
    # uncompressed encoding) is in the prime-order group.
    if x >= P or y >= P or (y * y - (x * x * x + A * x + B)) % P != 0:
        raise InvalidKey("the SM2 public key is not a point on the curve")


def public_key_from_private(private_key: bytes) -> bytes:
    """The 65-byte uncompressed point ``d*G``."""
    x, y = _multiply_g(check_private_key(private_key))
    return b"\x04" + x.to_bytes(32, "big") + y.to_bytes(32, "big")


def generate() -> tuple[bytes, bytes]:
    """A fresh ``(private_key, public_key)`` pair from GmSSL's random generator."""
    public64, private = _gmssl().sm2_key_generate()
    return bytes(private), b"\x04" + bytes(public64)


# -- signatures --------------------------------------------------------------------------


def _der_integer(value: int) -> bytes:
    body = value.to_bytes(value.bit_length() // 8 + 1, "big")
    return b"\x02" + bytes([len(body)]) + body


def _raw_to_der(r: int, s: int) -> bytes:
    body = _der_integer(r) + _der_integer(s)
    return b"\x30" + bytes([len(body)]) + body


def _der_to_raw(der: bytes) -> bytes:
    # GmSSL emits SEQUENCE { INTEGER r, INTEGER s } with short lengths (at most 72 bytes).
    if len(der) < 8 or der[0] != 0x30 or der[1] != len(der) - 2:
        raise InvalidSignature("the SM2 library returned a malformed signature")
    out = b""
    pos = 2
    for _ in range(2):
        if der[pos] != 0x02:
            raise InvalidSignature("the SM2 library returned a malformed signature")
        length = der[pos + 1]
        value = int.from_bytes(der[pos + 2 : pos + 2 + length], "big")
        out += value.to_bytes(32, "big")  # always left-padded: never a short r or s
        pos += 2 + length
    return out


def sign(private_key: bytes, public_key: bytes, message: bytes) -> bytes:
    """Raw 64-byte ``r || s`` SM2 signature of ``message`` (ZA with the BIF user id)."""
    der = _gmssl().sm2_sign(private_key, public_key[1:], message, DEFAULT_USER_ID)
    return _der_to_raw(bytes(der))


def verify(public_key: bytes, signature: bytes, message: bytes) -> None:
    """Raise InvalidSignature unless the raw ``r || s`` signature verifies."""
    if len(signature) != SIGNATURE_SIZE:
        raise InvalidSignature(f"an SM2 signature is {SIGNATURE_SIZE} bytes, got {len(signature)}")
    r = int.from_bytes(signature[:32], "big")
    s = int.from_bytes(signature[32:], "big")
    if not (1 <= r < N and 1 <= s < N):
        raise InvalidSignature("the SM2 signature has r or s out of range [1, n-1]")
    lib = _gmssl()
    try:
        ok = lib.sm2_verify(public_key[1:], message, _raw_to_der(r, s), DEFAULT_USER_ID)
    except (lib.InvalidValueError, lib.GmsslInnerError) as exc:
        raise InvalidSignature(f"the SM2 signature does not verify ({exc})") from exc
    if not ok:
        raise InvalidSignature("the SM2 signature does not verify")


def sm3(data: bytes) -> bytes:
    """The 32-byte SM3 digest (GB/T 32905)."""
    return bytes(_gmssl().sm3_hash(data))
