"""The BIF network's formats: did:bid identifiers (BIDs) and BIF key strings.

Byte-for-byte what the official BIF SDKs (Java, Go, JS) emit and accept
(bid-method.md sections 1 to 3):

- BID: ``did:bid:[<ac>:]<type><encoding><suffix>`` where ``suffix`` is the BIF-alphabet
  Base58 of the last 22 bytes of SHA-256 (Ed25519, type ``e``) or SM3 (SM2, type ``z``)
  of the raw public key, and ``encoding`` is ``f`` (Base58, the only one implemented
  anywhere). ``did:bid:<ac>`` alone is an AC-only BID, naming a sub-chain.
- private key string: Base58-BIF of ``18 9E 99 || type || 66 || raw key`` (``priSPK...``
  for Ed25519, ``priSrr...`` for SM2), always 37 bytes;
- public key string: hex of ``B0 || type || 66 || raw key`` (``b06566...``, ``b07a66...``).

SM2 keys with an AC code: the SDKs write ``ef`` after the AC code whatever the key type,
while the method specification writes the key's own type letter (``zf``). We emit the
specification's form unless ``sdk_compat=True`` is asked for, parse both, and
:meth:`BID.derives_from` accepts an SM2 key for either form.

See: https://github.com/caict-4iot-dev/bif-rfcs (RFC-003, RFC-004)
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from typing import Literal

from . import _sm2
from ._codec import b58decode_bif, b58encode_bif, hex_decode
from .did import DID
from .errors import InvalidDID, InvalidKey, ParseError, Unsupported

__all__ = [
    "BID",
    "KeyType",
    "decode_legacy_private_key",
    "decode_private_key",
    "decode_public_key",
    "encode_private_key",
    "encode_public_key",
    "legacy_address",
]

KeyType = Literal["ed25519", "sm2"]

_TYPE_BYTE: dict[KeyType, int] = {"ed25519": 0x65, "sm2": 0x7A}
_TYPE_LETTER: dict[KeyType, str] = {"ed25519": "e", "sm2": "z"}
_KEY_TYPE_OF_BYTE: dict[int, KeyType] = {0x65: "ed25519", 0x7A: "sm2"}
_ENCODING_BYTE = 0x66  # 'f': the BID encoding type, written into every key string
_PRIVATE_PREFIX = b"\x18\x9e\x99"
_PUBLIC_PREFIX = 0xB0
_RAW_PUBLIC_SIZE: dict[KeyType, int] = {"ed25519": 32, "sm2": 65}
_LEGACY_PRIVATE_PREFIX = b"\x6c\xaa\x74\x01"

_PREFIX = "did:bid:"
_MAX_BID_CHARS = 64  # the longest valid BID has 46 characters
_AC_CODE = re.compile(r"[a-z0-9]{4}")
_SUFFIX_BYTES = 22


def _hash_of_public_key(key_type: KeyType, raw_public_key: bytes) -> bytes:
    if key_type == "ed25519":
        return hashlib.sha256(raw_public_key).digest()
    return _sm2.sm3(raw_public_key)


def _check_ac(ac: str) -> None:
    if not _AC_CODE.fullmatch(ac):
        raise InvalidDID(f"AC code {ac[:16]!r} must be 4 lower-case ASCII letters or digits")


@dataclass(frozen=True, slots=True, repr=False)
class BID:
    """A did:bid identifier; ``str(bid)`` is its text.

    ``type_letter`` is ``"e"`` or ``"z"`` (``None`` for an AC-only BID), ``encoding`` is
    ``"f"``, ``suffix`` is the Base58 text of the 22-byte key hash. Construct with
    :meth:`parse` or :meth:`derive`; the constructor checks every part and raises
    InvalidDID naming the part that is wrong.
    """

    ac: str | None
    type_letter: str | None
    suffix: str
    encoding: str = "f"

    def __post_init__(self) -> None:
        if self.ac is not None:
            _check_ac(self.ac)
        if self.type_letter is None:
            if self.ac is None or self.suffix:
                raise InvalidDID("a BID needs a key-type letter unless it is an AC-only BID")
            return
        if self.type_letter == "s":
            raise InvalidDID("key type 's' (secp256k1) is reserved by the spec but not implemented")
        if self.type_letter not in ("e", "z"):
            raise InvalidDID(
                f"key-type letter {self.type_letter!r} is not 'e' (Ed25519) or 'z' (SM2)"
            )
        if self.encoding in ("s", "t"):
            raise InvalidDID(
                f"encoding letter {self.encoding!r} is specified but no SDK implements it; "
                "only 'f' (Base58) is supported"
            )
        if self.encoding != "f":
            raise InvalidDID(f"encoding letter {self.encoding!r} is not 'f' (Base58)")
        if not 22 <= len(self.suffix) <= 31:
            raise InvalidDID(f"the suffix has {len(self.suffix)} characters; 22 to 31 expected")
        try:
            decoded = b58decode_bif(self.suffix, what="BID suffix")
        except ParseError as exc:
            raise InvalidDID(exc.message) from exc
        if len(decoded) != _SUFFIX_BYTES:
            raise InvalidDID(
                f"the suffix decodes to {len(decoded)} bytes; a BID suffix is {_SUFFIX_BYTES}"
            )

    @classmethod
    def parse(cls, text: str) -> BID:
        """Parse ``did:bid:[ac:]<type><encoding><suffix>`` or the AC-only ``did:bid:<ac>``."""
        if len(text) > _MAX_BID_CHARS:
            raise InvalidDID(f"{len(text)} characters is too long for a BID")
        if not text.startswith(_PREFIX):
            raise InvalidDID(f"a BID starts with 'did:bid:': {text[:16]!r}")
        parts = text[len(_PREFIX) :].split(":")
        if len(parts) > 2:
            raise InvalidDID("a BID has at most one AC code: did:bid:[ac:]id")
        if len(parts) == 2:
            ac, idstring = parts
            _check_ac(ac)
            if not idstring:
                raise InvalidDID("nothing follows the AC code")
        elif len(parts[0]) == 4 and _AC_CODE.fullmatch(parts[0]):
            return cls(ac=parts[0], type_letter=None, suffix="")
        else:
            ac, idstring = None, parts[0]
        if len(idstring) < 3:
            raise InvalidDID(f"{idstring!r} is too short for a BID")
        return cls(ac=ac, type_letter=idstring[0], encoding=idstring[1], suffix=idstring[2:])

    @classmethod
    def derive(
        cls,
        key_type: KeyType,
        raw_public_key: bytes,
        *,
        ac: str | None = None,
        sdk_compat: bool = False,
    ) -> BID:
        """The BID of a raw public key (32-byte Ed25519 or 65-byte SM2 point).

        With ``sdk_compat=True`` an SM2 key with an AC code gets ``ef`` as the official
        SDKs write it; the default is the specification's ``zf``.
        """
        digest = _hash_of_public_key(key_type, raw_public_key)
        letter = _TYPE_LETTER[key_type]
        if sdk_compat and ac is not None:
            letter = "e"
        if ac is not None:
            _check_ac(ac)
        bid = object.__new__(cls)  # the parts are valid by construction: skip the re-check
        object.__setattr__(bid, "ac", ac)
        object.__setattr__(bid, "type_letter", letter)
        object.__setattr__(bid, "suffix", b58encode_bif(digest[-_SUFFIX_BYTES:]))
        object.__setattr__(bid, "encoding", "f")
        return bid

    def __str__(self) -> str:
        head = _PREFIX if self.ac is None else f"{_PREFIX}{self.ac}:"
        if self.type_letter is None:
            return head[:-1]
        return f"{head}{self.type_letter}{self.encoding}{self.suffix}"

    def __repr__(self) -> str:
        return f"BID.parse({str(self)!r})"

    @property
    def did(self) -> DID:
        """This BID as a generic DID value."""
        return DID("bid", str(self)[len(_PREFIX) :])

    @property
    def is_ac_only(self) -> bool:
        """True for ``did:bid:<ac>``, the identifier of a sub-chain."""
        return self.type_letter is None

    @property
    def key_type(self) -> KeyType | None:
        """The key type the letter names (``ef`` after an AC code may also be SM2, see above)."""
        if self.type_letter is None:
            return None
        return "ed25519" if self.type_letter == "e" else "sm2"

    def derives_from(self, key_type: KeyType, raw_public_key: bytes) -> bool:
        """Whether this BID is the one that ``raw_public_key`` derives."""
        if self.type_letter is None:
            return False
        expected_letter = _TYPE_LETTER[key_type]
        sdk_form = key_type == "sm2" and self.ac is not None and self.type_letter == "e"
        if self.type_letter != expected_letter and not sdk_form:
            return False
        digest = _hash_of_public_key(key_type, raw_public_key)
        return b58encode_bif(digest[-_SUFFIX_BYTES:]) == self.suffix


# -- key strings -----------------------------------------------------------------------


def encode_private_key(key_type: KeyType, raw_private_key: bytes) -> str:
    """The BIF private key string (``priSPK...`` / ``priSrr...``) of a 32-byte raw key."""
    if len(raw_private_key) != 32:
        raise InvalidKey(f"a raw private key is 32 bytes, got {len(raw_private_key)}")
    blob = _PRIVATE_PREFIX + bytes([_TYPE_BYTE[key_type], _ENCODING_BYTE]) + raw_private_key
    return b58encode_bif(blob)


def decode_private_key(text: str) -> tuple[KeyType, bytes]:
    """Split a BIF private key string into its key type and 32-byte raw key."""
    try:
        blob = b58decode_bif(text, what="BIF private key", max_chars=64)
    except ParseError as exc:
        raise InvalidKey(exc.message) from exc
    if blob[:4] == _LEGACY_PRIVATE_PREFIX:
        raise InvalidKey(
            "this is a legacy (pre-2021) BIF private key; read it with decode_legacy_private_key"
        )
    if len(blob) != 37:
        raise InvalidKey(f"a BIF private key decodes to 37 bytes, got {len(blob)}")
    if blob[:3] != _PRIVATE_PREFIX:
        raise InvalidKey("not a BIF private key: the prefix bytes are not 18 9E 99")
    key_type = _KEY_TYPE_OF_BYTE.get(blob[3])
    if key_type is None:
        raise InvalidKey(f"unknown key-type byte 0x{blob[3]:02x} (0x65 Ed25519, 0x7a SM2)")
    if blob[4] != _ENCODING_BYTE:
        raise InvalidKey(f"unknown encoding byte 0x{blob[4]:02x} (0x66 expected)")
    return key_type, blob[5:]


def encode_public_key(key_type: KeyType, raw_public_key: bytes) -> str:
    """The BIF public key string: lower-case hex of ``B0 || type || 66 || raw key``."""
    return (
        bytes([_PUBLIC_PREFIX, _TYPE_BYTE[key_type], _ENCODING_BYTE]).hex() + raw_public_key.hex()
    )


def decode_public_key(text: str) -> tuple[KeyType, bytes]:
    """Split a BIF public key string (hex of either case) into key type and raw key."""
    try:
        blob = hex_decode(text, what="BIF public key", max_chars=200)
    except ParseError as exc:
        raise InvalidKey(exc.message) from exc
    if len(blob) < 3 or blob[0] != _PUBLIC_PREFIX:
        raise InvalidKey("not a BIF public key: it does not start with b0")
    key_type = _KEY_TYPE_OF_BYTE.get(blob[1])
    if key_type is None:
        raise InvalidKey(f"unknown key-type byte 0x{blob[1]:02x} (0x65 Ed25519, 0x7a SM2)")
    if blob[2] != _ENCODING_BYTE:
        raise InvalidKey(f"unknown encoding byte 0x{blob[2]:02x} (0x66 expected)")
    raw = blob[3:]
    if len(raw) != _RAW_PUBLIC_SIZE[key_type]:
        raise InvalidKey(
            f"a BIF {key_type} public key holds {_RAW_PUBLIC_SIZE[key_type]} key bytes, "
            f"got {len(raw)}",
            code="invalidPublicKeyLength",
        )
    return key_type, raw


# -- the legacy format (RFC-003's worked example; old chain versions only) -------------


def decode_legacy_private_key(text: str) -> bytes:
    """The Ed25519 seed in a legacy ``priv...`` key string (``6C AA 74 01 || seed``)."""
    try:
        blob = b58decode_bif(text, what="legacy BIF private key", max_chars=64)
    except ParseError as exc:
        raise InvalidKey(exc.message) from exc
    if len(blob) != 36 or blob[:4] != _LEGACY_PRIVATE_PREFIX:
        raise InvalidKey("not a legacy BIF private key (6C AA 74 01 followed by 32 bytes)")
    return blob[4:]


def legacy_address(raw_public_key: bytes) -> str:
    """The legacy (pre-type-letter) address of an Ed25519 key, for reading old data only.

    Current SDKs neither emit nor accept it, so it is a string here, not a :class:`BID`.
    """
    if len(raw_public_key) != 32:
        raise Unsupported("legacy addresses exist only for 32-byte Ed25519 keys")
    digest = hashlib.sha256(raw_public_key).digest()
    return _PREFIX + b58encode_bif(b"\x01" + digest[-_SUFFIX_BYTES:])
