"""Keys: the Signer and Verifier protocols, Ed25519 and SM2 key classes, Multikey.

A private key *is* the key pair (as in PyNaCl and pyca/cryptography): it derives its public
half itself and signs with nothing but its secret. Public keys exist only if they pass the
strict check: for Ed25519 a canonical point of the prime-order subgroup, for SM2 a point on
the curve. Secrets never appear in ``repr`` and compare in constant time.

See: https://www.rfc-editor.org/rfc/rfc8032, GM/T 0003.2, https://www.w3.org/TR/cid-1.0/#Multikey
"""

from __future__ import annotations

import hmac
from typing import ClassVar, Protocol, TypeAlias, TypeVar, runtime_checkable

from . import _ed25519, _sm2
from ._codec import multibase_decode_z, multibase_encode_z
from .bif import (
    BID,
    KeyType,
    decode_legacy_private_key,
    decode_private_key,
    decode_public_key,
    encode_private_key,
    encode_public_key,
)
from .did import DID
from .errors import InvalidDID, InvalidKey, ParseError

__all__ = [
    "Ed25519PrivateKey",
    "Ed25519PublicKey",
    "PrivateKey",
    "PublicKey",
    "SM2PrivateKey",
    "SM2PublicKey",
    "Signer",
    "Verifier",
    "parse_private_key",
    "parse_public_key",
    "public_key_from_bif",
]

# Multicodec prefixes as unsigned varints (multiformats multicodec table).
_ED25519_PUB_CODEC = b"\xed\x01"
_X25519_PUB_CODEC = b"\xec\x01"
_MULTIKEY_MAX_CHARS = 64  # an Ed25519 Multikey is 48 characters


@runtime_checkable
class Verifier(Protocol):
    """Anything that checks signatures: ``verify`` returns None or raises InvalidSignature."""

    @property
    def algorithm(self) -> str:
        """``"Ed25519"`` or ``"SM2"``."""
        ...

    def verify(self, signature: bytes, data: bytes) -> None:
        """Raise InvalidSignature unless ``signature`` is valid for ``data``."""
        ...


@runtime_checkable
class Signer(Protocol):
    """Anything that signs: a private key here, or a KMS/HSM key in user code."""

    @property
    def algorithm(self) -> str:
        """``"Ed25519"`` or ``"SM2"``."""
        ...

    @property
    def public_key(self) -> PublicKey:
        """The public half, to be published in a document or checked against a BID."""
        ...

    def sign(self, data: bytes) -> bytes:
        """The raw signature of ``data`` (64 bytes for both algorithms)."""
        ...


_P = TypeVar("_P", bound="_PublicKeyBase")


class _PublicKeyBase:
    """What both public key types share: raw bytes, BIF string, BID, equality."""

    __slots__ = ("_raw",)
    algorithm: ClassVar[str]
    key_type: ClassVar[KeyType]
    _raw: bytes

    @classmethod
    def _unchecked(cls: type[_P], raw: bytes) -> _P:
        """Wrap a key known to be valid (derived from a private key) without re-checking."""
        key = object.__new__(cls)
        key._raw = raw
        return key

    def public_bytes(self) -> bytes:
        """The raw public key: 32 bytes (Ed25519) or the 65-byte point ``04 || X || Y`` (SM2)."""
        return self._raw

    def to_bif(self) -> str:
        """The BIF public key string (lower-case hex, ``b06566...`` / ``b07a66...``)."""
        return encode_public_key(self.key_type, self._raw)

    def bid(self, ac: str | None = None, *, sdk_compat: bool = False) -> BID:
        """The did:bid of this key, on the main chain or on sub-chain ``ac``."""
        return BID.derive(self.key_type, self._raw, ac=ac, sdk_compat=sdk_compat)

    def __eq__(self, other: object) -> bool:
        return (
            isinstance(other, _PublicKeyBase)
            and type(other) is type(self)
            and other._raw == self._raw
        )

    def __hash__(self) -> int:
        return hash((self.key_type, self._raw))

    def __repr__(self) -> str:
        return f"{type(self).__name__}.from_bif({self.to_bif()!r})"


class Ed25519PublicKey(_PublicKeyBase):
    """An Ed25519 public key that passed the strict point check."""

    __slots__ = ()
    algorithm = "Ed25519"
    key_type = "ed25519"

    def __init__(self, raw: bytes) -> None:
        raw = bytes(raw)
        _ed25519.check_public_key(raw)
        self._raw = raw

    @classmethod
    def from_bytes(cls, raw: bytes) -> Ed25519PublicKey:
        """Check and wrap a 32-byte key; raises InvalidKey."""
        return cls(raw)

    @classmethod
    def from_bif(cls, text: str) -> Ed25519PublicKey:
        """Parse a BIF public key string ``b06566...``; raises InvalidKey."""
        key_type, raw = decode_public_key(text)
        if key_type != "ed25519":
            raise InvalidKey(f"this BIF public key is {key_type}, not Ed25519")
        return cls(raw)

    @classmethod
    def from_multikey(cls, text: str) -> Ed25519PublicKey:
        """Parse an Ed25519 Multikey ``z6Mk...`` (multibase base58btc of ``ed01 || key``)."""
        try:
            return cls(_decode_multikey(text))
        except ParseError as exc:
            raise InvalidKey(exc.message) from exc

    @classmethod
    def from_did_key(cls, did: str | DID) -> Ed25519PublicKey:
        """The key inside an Ed25519 ``did:key``; raises InvalidDID (with the W3C code).

        See: https://w3c-ccg.github.io/did-method-key/#decode-public-key-algorithm
        """
        if isinstance(did, DID):
            if did.method != "key":
                raise InvalidDID(f"did:{did.method} is not a did:key")
            multikey = did.method_specific_id
        elif did.startswith("did:key:"):
            # No generic DID parse needed: the Base58 check below refuses every character
            # (':', '#', '/', '?', '%', whitespace) that could make this more than a DID.
            multikey = did[len("did:key:") :]
        else:
            raise InvalidDID(f"did:{DID.parse(did).method} is not a did:key")
        try:
            return cls(_decode_multikey(multikey))
        except ParseError as exc:  # not multibase z, not base58, not ed25519-pub
            raise InvalidDID(f"invalid did:key: {exc.message}") from exc
        except InvalidKey as exc:  # wrong length or not a valid point: keep the W3C code
            raise InvalidDID(f"invalid did:key: {exc.message}", code=exc.code) from exc

    @property
    def multikey(self) -> str:
        """The Multikey form, ``z6Mk...``."""
        return multibase_encode_z(_ED25519_PUB_CODEC + self._raw)

    @property
    def did_key(self) -> str:
        """This key's ``did:key``."""
        return "did:key:" + self.multikey

    def to_x25519(self) -> bytes:
        """The X25519 public key for key agreement (raises InvalidKey for weak keys)."""
        return _ed25519.to_x25519(self._raw)

    @property
    def x25519_multikey(self) -> str:
        """The X25519 key agreement key as Multikey, ``z6LS...``."""
        return multibase_encode_z(_X25519_PUB_CODEC + self.to_x25519())

    def verify(self, signature: bytes, data: bytes) -> None:
        """Raise InvalidSignature unless ``signature`` is a valid Ed25519 signature of ``data``."""
        _ed25519.verify(self._raw, signature, data)


class SM2PublicKey(_PublicKeyBase):
    """An SM2 public key: the uncompressed point ``04 || X || Y`` on the SM2 curve."""

    __slots__ = ()
    algorithm = "SM2"
    key_type = "sm2"

    def __init__(self, raw: bytes) -> None:
        raw = bytes(raw)
        _sm2.check_public_key(raw)
        self._raw = raw

    @classmethod
    def from_bytes(cls, raw: bytes) -> SM2PublicKey:
        """Check and wrap a 65-byte uncompressed point; raises InvalidKey."""
        return cls(raw)

    @classmethod
    def from_bif(cls, text: str) -> SM2PublicKey:
        """Parse a BIF public key string ``b07a66...``; raises InvalidKey."""
        key_type, raw = decode_public_key(text)
        if key_type != "sm2":
            raise InvalidKey(f"this BIF public key is {key_type}, not SM2")
        return cls(raw)

    def verify(self, signature: bytes, data: bytes) -> None:
        """Raise InvalidSignature unless ``signature`` (raw ``r || s``) is valid for ``data``."""
        _sm2.verify(self._raw, signature, data)


class _PrivateKeyBase:
    """What both private key types share: BIF string, BID, safe repr and equality."""

    __slots__ = ("_public", "_secret")
    algorithm: ClassVar[str]
    key_type: ClassVar[KeyType]
    _secret: bytes
    _public: PublicKey

    def private_bytes(self) -> bytes:
        """The raw 32-byte secret: the RFC 8032 seed (Ed25519) or the scalar ``d`` (SM2)."""
        # Ed25519 keeps libsodium's 64-byte secret (seed || public key); SM2 keeps d.
        return self._secret[:32]

    def to_bif(self) -> str:
        """The BIF private key string (``priSPK...`` / ``priSrr...``). Handle with care."""
        return encode_private_key(self.key_type, self.private_bytes())

    def bid(self, ac: str | None = None, *, sdk_compat: bool = False) -> BID:
        """The did:bid of this key's public half."""
        return self._public.bid(ac, sdk_compat=sdk_compat)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, _PrivateKeyBase) or type(other) is not type(self):
            return False
        return hmac.compare_digest(self.private_bytes(), other.private_bytes())

    def __hash__(self) -> int:
        return hash(self._public)

    def __repr__(self) -> str:
        return f"<{type(self).__name__} for {self._public.to_bif()}>"


class Ed25519PrivateKey(_PrivateKeyBase):
    """An Ed25519 signing key (RFC 8032), held as libsodium's 64-byte secret key."""

    __slots__ = ()
    algorithm = "Ed25519"
    key_type = "ed25519"
    _public: Ed25519PublicKey

    def __init__(self, seed: bytes) -> None:
        public, secret = _ed25519.keypair_from_seed(bytes(seed))
        # The public half of an honest seed is always a valid point: skip the re-check.
        self._public = Ed25519PublicKey._unchecked(public)
        self._secret = secret

    @classmethod
    def generate(cls) -> Ed25519PrivateKey:
        """A new key from the operating system's random generator."""
        return cls(_ed25519.random_seed())

    @classmethod
    def from_seed(cls, seed: bytes) -> Ed25519PrivateKey:
        """The key of a 32-byte RFC 8032 seed (the BIF raw private key)."""
        return cls(seed)

    @classmethod
    def from_bif(cls, text: str) -> Ed25519PrivateKey:
        """Parse a BIF private key string ``priSPK...`` (or a legacy ``priv...`` string)."""
        if text.startswith("priv"):
            return cls(decode_legacy_private_key(text))
        key_type, raw = decode_private_key(text)
        if key_type != "ed25519":
            raise InvalidKey(f"this BIF private key is {key_type}, not Ed25519")
        return cls(raw)

    @property
    def public_key(self) -> Ed25519PublicKey:
        """The public half."""
        return self._public

    @property
    def did_key(self) -> str:
        """The ``did:key`` of the public half."""
        return self.public_key.did_key

    def sign(self, data: bytes) -> bytes:
        """The deterministic 64-byte Ed25519 signature of ``data``."""
        return _ed25519.sign(self._secret, data)


class SM2PrivateKey(_PrivateKeyBase):
    """An SM2 signing key (GM/T 0003.2 with SM3 and the user id ``1234567812345678``).

    Needs the ``sm2`` extra for signing: ``pip install 'bid[sm2]'``.
    """

    __slots__ = ()
    algorithm = "SM2"
    key_type = "sm2"
    _public: SM2PublicKey

    def __init__(self, raw: bytes) -> None:
        raw = bytes(raw)
        public = _sm2.public_key_from_private(raw)
        self._secret = raw
        self._public = SM2PublicKey._unchecked(public)

    @classmethod
    def generate(cls) -> SM2PrivateKey:
        """A new key from GmSSL's random generator."""
        raw, public = _sm2.generate()
        _sm2.check_private_key(raw)  # GmSSL draws from [1, n-1]; SM2 needs d <= n-2
        key = object.__new__(cls)
        key._secret = raw
        key._public = SM2PublicKey._unchecked(public)
        return key

    @classmethod
    def from_bytes(cls, raw: bytes) -> SM2PrivateKey:
        """The key of a 32-byte big-endian scalar ``d`` in [1, n-2]."""
        return cls(raw)

    @classmethod
    def from_bif(cls, text: str) -> SM2PrivateKey:
        """Parse a BIF private key string ``priSrr...``."""
        key_type, raw = decode_private_key(text)
        if key_type != "sm2":
            raise InvalidKey(f"this BIF private key is {key_type}, not SM2")
        return cls(raw)

    @property
    def public_key(self) -> SM2PublicKey:
        """The public half."""
        return self._public

    def sign(self, data: bytes) -> bytes:
        """A randomized 64-byte ``r || s`` SM2 signature of ``data``."""
        return _sm2.sign(self._secret, self._public.public_bytes(), data)


PublicKey: TypeAlias = Ed25519PublicKey | SM2PublicKey
PrivateKey: TypeAlias = Ed25519PrivateKey | SM2PrivateKey


def _decode_multikey(text: str) -> bytes:
    """The key bytes of an ``ed25519-pub`` Multikey; ParseError for any other shape."""
    if len(text) > _MULTIKEY_MAX_CHARS:
        raise ParseError(f"a Multikey of {len(text)} characters is too long for Ed25519")
    data = multibase_decode_z(text, what="Multikey")
    if data[:2] != _ED25519_PUB_CODEC:
        raise ParseError(_describe_codec(data))
    return data[2:]


def _describe_codec(data: bytes) -> str:
    """Explain which multicodec a Multikey carries when it is not ``ed25519-pub``."""
    # multiformats is imported only on this error path: it costs ~100 ms to import.
    from multiformats import multicodec, varint

    try:
        code, size, _ = varint.decode_raw(data)
    except (ValueError, IndexError) as exc:
        return f"the multicodec prefix is not a valid varint ({exc})"
    try:
        name = multicodec.get(code=code).name
    except KeyError:
        name = "unknown"
    if code == 0xED:
        return f"the ed25519-pub multicodec is not minimally encoded ({size} bytes)"
    return f"multicodec 0x{code:x} ({name}) is not ed25519-pub (0xed)"


def parse_public_key(text: str) -> PublicKey:
    """A public key from a BIF public key hex string, an Ed25519 did:key or a Multikey.

    The text must be exactly the key: surrounding whitespace is refused, not stripped.
    """
    if text[:4].lower() == "did:":
        return Ed25519PublicKey.from_did_key(text)
    if text.startswith("z"):
        return Ed25519PublicKey.from_multikey(text)
    return public_key_from_bif(text)


def public_key_from_bif(text: str) -> PublicKey:
    """An Ed25519 or SM2 public key from its BIF public key string (``b06566...``/``b07a66...``)."""
    key_type, raw = decode_public_key(text)
    return Ed25519PublicKey(raw) if key_type == "ed25519" else SM2PublicKey(raw)


def parse_private_key(text: str) -> PrivateKey:
    """A private key from a BIF private key string (``priSPK...``, ``priSrr...``, ``priv...``).

    The text must be exactly the key: surrounding whitespace is refused, not stripped.
    """
    if text.startswith("priv"):
        return Ed25519PrivateKey.from_bif(text)
    key_type, raw = decode_private_key(text)
    return Ed25519PrivateKey(raw) if key_type == "ed25519" else SM2PrivateKey(raw)
