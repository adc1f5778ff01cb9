"""Registries of did:bid documents: signed operations, the rules that apply them, MemoryRegistry.

A registry is a verifiable log, not a table of documents. Every write is an
:class:`Operation` signed by a key the current document authorizes, naming its DID, its
sequence number and the hash of the previous operation. The rules follow the BIF DDO
contract (bid-method.md section 6.4):

========== ==================================================================================
create     sequence 1; signed by the key the BID derives from, which the document must list
update     signed by a key in ``authentication``; may not change ``id`` or
           ``extension.recovery``
recover    signed by a key in ``extension.recovery`` (the BIF contract's ``reAuth``); may
           replace the keys and ``authentication``, not ``id`` or ``extension.recovery``
deactivate signed by a key in ``authentication`` or ``extension.recovery``; final
========== ==================================================================================

An exact re-submission of a stored operation is accepted again and stores nothing.
Otherwise a gap (:class:`SequenceGap`), an older number (:class:`Replay`), a number already
taken (:class:`Conflict`), a wrong previous hash (:class:`ChainMismatch`), a wrong signer
(:class:`Unauthorized`) or anything after deactivation (:class:`DIDDeactivated`) is refused
and nothing is stored. :func:`apply` is the one place these rules live; every backend uses
it on write, and replays the log through it on read.
"""

from __future__ import annotations

import hashlib
import importlib
import threading
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any, Literal, Protocol

from ._codec import b58decode_bif, b58encode_bif
from ._json import JSONValue, canonical, check_value, loads_strict
from .bif import BID
from .ddo import BIDDocument
from .errors import (
    ChainMismatch,
    Conflict,
    DIDDeactivated,
    IntegrityError,
    InvalidDID,
    InvalidDocument,
    InvalidInput,
    InvalidKey,
    InvalidOperation,
    InvalidSignature,
    ParseError,
    RegistryError,
    Replay,
    SequenceGap,
    Unauthorized,
)
from .keys import PrivateKey

__all__ = [
    "MAX_OPERATION_BYTES",
    "MemoryRegistry",
    "Operation",
    "OperationType",
    "Registry",
    "Version",
    "apply",
    "load_registry",
    "replay",
    "system_clock",
]

OperationType = Literal["create", "update", "recover", "deactivate"]
_TYPES: tuple[OperationType, ...] = ("create", "update", "recover", "deactivate")
_MEMBERS = {"type", "did", "seq", "previous", "document", "signer"}
_SIGNATURE_BYTES = 64
#: Largest accepted operation, signed bytes plus signature.
MAX_OPERATION_BYTES = 256 * 1024


def system_clock() -> datetime:
    """The current UTC time: the default clock of the registries."""
    return datetime.now(timezone.utc)


@dataclass(frozen=True, slots=True)
class Operation:
    """A signed registry operation; build with :meth:`sign`, read with :meth:`from_json`.

    ``signed_bytes`` is the canonical JSON (RFC 8785) of every member but ``signature``;
    ``signature`` is over those bytes, by the key ``signer`` names. ``hash`` (SHA-256 of
    both) identifies the operation and is what the next operation names as ``previous``.
    """

    signed_bytes: bytes
    signature: bytes
    type: OperationType
    did: str
    seq: int
    previous: str | None
    signer: str
    document: BIDDocument | None

    @property
    def hash(self) -> str:
        """Lower-case hex SHA-256 of ``signed_bytes || signature``."""
        return hashlib.sha256(self.signed_bytes + self.signature).hexdigest()

    def to_json(self) -> dict[str, Any]:
        """The wire form: the signed members plus ``signature`` in BIF Base58."""
        data = dict(_loads(self.signed_bytes))
        data["signature"] = b58encode_bif(self.signature)
        return data

    @classmethod
    def sign(
        cls,
        type: OperationType,
        *,
        did: str,
        seq: int,
        previous: str | None,
        key: PrivateKey,
        signer: str,
        document: BIDDocument | None = None,
    ) -> Operation:
        """Build and sign an operation with ``key``, whose id in the document is ``signer``."""
        unsigned: dict[str, JSONValue] = {
            "type": type,
            "did": did,
            "seq": seq,
            "previous": previous,
            "signer": signer,
        }
        if document is not None:
            unsigned["document"] = document.to_json()
        signed_bytes = canonical(unsigned)
        return cls._parse(signed_bytes, key.sign(signed_bytes))

    @classmethod
    def from_json(cls, obj: Mapping[str, JSONValue]) -> Operation:
        """Parse the wire form; raises InvalidOperation (the signature is checked by apply)."""
        if not isinstance(obj, Mapping):
            raise InvalidOperation("an operation is a JSON object")
        try:
            check_value(obj, what="operation")
        except ParseError as exc:
            raise InvalidOperation(exc.message) from exc
        unsigned = {k: v for k, v in obj.items() if k != "signature"}
        signature_text = obj.get("signature")
        if not isinstance(signature_text, str):
            raise InvalidOperation("the operation has no signature")
        try:
            signature = b58decode_bif(signature_text, what="operation signature")
            signed_bytes = canonical(unsigned)
        except ParseError as exc:
            raise InvalidOperation(exc.message) from exc
        return cls._parse(signed_bytes, signature)

    @classmethod
    def from_text(cls, text: str | bytes) -> Operation:
        """Parse the wire form from JSON text (strictly: no duplicate names, no NaN)."""
        try:
            value = loads_strict(text, what="operation")
        except ParseError as exc:
            raise InvalidOperation(exc.message) from exc
        if not isinstance(value, Mapping):
            raise InvalidOperation("an operation is a JSON object")
        return cls.from_json(value)

    @classmethod
    def from_storage(cls, signed_bytes: bytes, signature: bytes) -> Operation:
        """Rebuild an operation from the two stored byte strings (no re-canonicalization)."""
        return cls._parse(signed_bytes, signature)

    @classmethod
    def _parse(cls, signed_bytes: bytes, signature: bytes) -> Operation:
        if len(signed_bytes) + len(signature) > MAX_OPERATION_BYTES:
            raise InvalidOperation(f"the operation is larger than {MAX_OPERATION_BYTES} bytes")
        if len(signature) != _SIGNATURE_BYTES:  # Ed25519 and SM2 (r || s) alike
            raise InvalidOperation(
                f"an operation signature is {_SIGNATURE_BYTES} bytes, not {len(signature)}"
            )
        data = _loads(signed_bytes)
        unknown = set(data) - _MEMBERS
        if unknown:
            raise InvalidOperation(f"unknown operation member(s): {sorted(unknown)}")
        op_type = data.get("type")
        if op_type not in _TYPES:
            raise InvalidOperation(f"unknown operation type {op_type!r}; one of {list(_TYPES)}")
        did = data.get("did")
        if not isinstance(did, str):
            raise InvalidOperation("the operation names no DID")
        try:
            bid = BID.parse(did)
        except InvalidDID as exc:
            raise InvalidOperation(f"did: {exc.message}") from exc
        if bid.is_ac_only:
            raise InvalidOperation("an AC-only BID names a sub-chain; it has no document here")
        seq = data.get("seq")
        if not isinstance(seq, int) or isinstance(seq, bool) or seq < 1:
            raise InvalidOperation("seq must be an integer >= 1")
        previous = data.get("previous")
        if seq == 1:
            if previous is not None:
                raise InvalidOperation("the first operation has no previous operation")
        elif not (
            isinstance(previous, str)
            and len(previous) == 64
            and all(c in "0123456789abcdef" for c in previous)
        ):
            raise InvalidOperation("previous must be the lower-case hex SHA-256 of an operation")
        signer = data.get("signer")
        if not isinstance(signer, str) or not signer.startswith(did + "#"):
            raise InvalidOperation(f"signer must be a key id of {did} (did#name)")
        raw_document = data.get("document")
        document = None
        if op_type == "deactivate":
            if raw_document is not None:
                raise InvalidOperation("deactivate carries no document")
        else:
            if not isinstance(raw_document, Mapping):
                raise InvalidOperation(f"{op_type} carries the whole new document")
            try:
                document = BIDDocument.from_json(raw_document)
            except InvalidDocument as exc:
                raise InvalidOperation(f"document: {exc.message}") from exc
            if document.id != did:
                raise InvalidOperation(f"the document is about {document.id}, not {did}")
        return cls(
            signed_bytes=signed_bytes,
            signature=signature,
            type=op_type,
            did=did,
            seq=seq,
            previous=previous if isinstance(previous, str) else None,
            signer=signer,
            document=document,
        )


def _loads(data: bytes) -> Mapping[str, JSONValue]:
    try:
        value = loads_strict(data, what="operation")
    except ParseError as exc:
        raise InvalidOperation(exc.message) from exc
    if not isinstance(value, Mapping):
        raise InvalidOperation("an operation is a JSON object")
    return value


@dataclass(frozen=True, slots=True)
class Version:
    """One accepted operation and the state it left: a version of the DID's document.

    ``document`` is the document in force after the operation (after ``deactivate``, the
    last document, with ``deactivated`` true). Times are the registry's acceptance times.
    """

    operation: Operation
    time: datetime
    created: datetime
    document: BIDDocument
    deactivated: bool

    @property
    def did(self) -> str:
        """The DID."""
        return self.operation.did

    @property
    def seq(self) -> int:
        """The sequence number, 1 for the creation."""
        return self.operation.seq

    @property
    def hash(self) -> str:
        """The operation's hash; the version id."""
        return self.operation.hash


def _key_for(document: BIDDocument, signer: str, allowed: Iterable[str], role: str) -> None:
    if signer not in allowed:
        raise Unauthorized(f"{signer} is not listed in {role} of {document.id}")


def _verify(document: BIDDocument, op: Operation) -> None:
    try:
        key = document.key(op.signer)
    except InvalidKey as exc:
        raise Unauthorized(f"{op.signer} is not a key of {document.id}") from exc
    try:
        key.verify(op.signature, op.signed_bytes)
    except InvalidSignature as exc:
        raise Unauthorized(f"the {op.type} operation's signature does not verify") from exc


def apply(
    head: Version | None,
    op: Operation,
    *,
    time: datetime,
    stored_hash: str | None = None,
) -> Version | None:
    """Check ``op`` against the DID's current ``head``; return the new version.

    ``head`` is the last version of ``op.did`` (``None`` if the DID has none);
    ``stored_hash`` is the hash of the stored operation with ``op.seq`` when that is below
    the head's. Returns ``None`` when ``op`` is that stored operation (an exact
    re-submission: nothing to store). Raises the RegistryError named in the module doc.
    """
    if head is not None and head.did != op.did:
        raise ValueError("apply() needs the head of the operation's own DID")
    if time.tzinfo is None or time.utcoffset() is None:
        raise InvalidInput("the registry clock must give timezone-aware times")
    if head is None:
        if op.seq != 1:
            raise SequenceGap(f"{op.did} does not exist; its first operation has seq 1")
        return _create(op, time)
    if op.seq <= head.seq:
        if op.hash == (head.hash if op.seq == head.seq else stored_hash):
            return None
        if op.type == "create":
            raise Conflict(f"{op.did} already exists")
        if op.seq == head.seq:
            raise Conflict(f"{op.did} already has an operation with seq {op.seq}")
        raise Replay(f"seq {op.seq} is below the head ({head.seq}) of {op.did}")
    if head.deactivated:
        raise DIDDeactivated(f"{op.did} is deactivated; no operation is accepted")
    if op.seq != head.seq + 1:
        raise SequenceGap(f"seq {op.seq} skips ahead; the next for {op.did} is {head.seq + 1}")
    if op.previous != head.hash:
        raise ChainMismatch(f"previous {op.previous} is not the head {head.hash} of {op.did}")
    if op.type == "create":
        raise Conflict(f"{op.did} already exists")
    current = head.document
    if op.type == "update":
        _key_for(current, op.signer, current.authentication, "authentication")
    elif op.type == "recover":
        _key_for(current, op.signer, current.recovery, "extension.recovery")
    else:
        _key_for(
            current,
            op.signer,
            (*current.authentication, *current.recovery),
            "authentication or extension.recovery",
        )
    _verify(current, op)
    if op.document is None:  # deactivate
        return Version(op, max(time, head.time), head.created, current, True)
    if op.document.recovery != current.recovery:
        raise Unauthorized(f"{op.type} may not change extension.recovery; it is fixed at creation")
    return Version(op, max(time, head.time), head.created, op.document, False)


def _create(op: Operation, time: datetime) -> Version:
    if op.type != "create":
        raise SequenceGap(f"{op.did} does not exist; create it first")
    assert op.document is not None  # guaranteed by Operation._parse
    document = op.document
    if op.signer not in document.authentication:
        raise Unauthorized("the creating key must be listed in authentication")
    try:
        key = document.key(op.signer)
    except InvalidKey as exc:
        raise Unauthorized(f"{op.signer} is not a key of the document") from exc
    if not BID.parse(op.did).derives_from(key.key_type, key.public_bytes()):
        raise Unauthorized(f"{op.did} is not the BID of the signing key {op.signer}")
    _verify(document, op)
    return Version(op, time, time, document, False)


def replay(did: str, entries: Iterable[tuple[Operation, datetime, str]]) -> list[Version]:
    """Re-verify a stored log from its first operation; raises IntegrityError on any flaw.

    Each entry is ``(operation, acceptance time, stored hash)`` in sequence order.
    """
    versions: list[Version] = []
    head: Version | None = None
    for op, time, stored_hash in entries:
        if op.did != did or op.hash != stored_hash or op.seq != len(versions) + 1:
            raise IntegrityError(f"the stored log of {did} is corrupt at seq {len(versions) + 1}")
        try:
            version = apply(head, op, time=time)
        except (RegistryError, InvalidInput) as exc:
            raise IntegrityError(f"the stored log of {did} fails at seq {op.seq}: {exc}") from exc
        if version is None:
            raise IntegrityError(f"the stored log of {did} repeats seq {op.seq}")
        versions.append(version)
        head = version
    return versions


class Registry(Protocol):
    """Where did:bid documents live: the embedded SQLite ledger, memory, or the BIF chain."""

    def read(self, did: str) -> Version | None:
        """The current version of ``did``, or ``None`` if it was never created."""
        ...

    def submit(self, operation: Operation) -> Version:
        """Apply and store ``operation``; returns the resulting (or existing) version."""
        ...

    def history(self, did: str) -> Sequence[Version]:
        """Every version of ``did`` in sequence order (empty if it was never created)."""
        ...


class MemoryRegistry:
    """A registry in a dict: for tests and examples. Applies the same rules as every backend.

    Threads may share it: a lock makes each submit's read-check-append one step, so two
    writers racing for one sequence number get one success and one Conflict.
    """

    def __init__(self, *, clock: Callable[[], datetime] = system_clock) -> None:
        self._clock = clock
        self._logs: dict[str, list[Version]] = {}
        self._lock = threading.Lock()

    def read(self, did: str) -> Version | None:
        """The current version of ``did``, or ``None``."""
        log = self._logs.get(did)
        return log[-1] if log else None

    def submit(self, operation: Operation) -> Version:
        """Apply and store ``operation`` (nothing is stored when a rule refuses it)."""
        with self._lock:
            log = self._logs.get(operation.did, [])
            head = log[-1] if log else None
            stored = log[operation.seq - 1] if operation.seq <= len(log) else None
            version = apply(
                head,
                operation,
                time=self._clock(),
                stored_hash=stored.hash if stored is not None else None,
            )
            if version is None:
                assert stored is not None  # apply returns None only for a stored operation
                return stored
            self._logs.setdefault(operation.did, []).append(version)
            return version

    def history(self, did: str) -> tuple[Version, ...]:
        """Every version of ``did``."""
        return tuple(self._logs.get(did, ()))


_BACKENDS = {
    "memory": "bid.registry:_memory_from_url",
    "sqlite": "bid.backends.sqlite:SQLiteRegistry.from_url",
    "bif+http": "bid.backends.bif_registry:BifRegistry.from_url",
    "bif+https": "bid.backends.bif_registry:BifRegistry.from_url",
}
_WHOLE_URL = frozenset({"bif+http", "bif+https"})  # these factories parse the whole URL


def _memory_from_url(rest: str, *, clock: Callable[[], datetime]) -> MemoryRegistry:
    if rest:
        raise InvalidInput(f"memory: takes no argument, got {rest!r}")
    return MemoryRegistry(clock=clock)


def load_registry(url: str, *, clock: Callable[[], datetime] = system_clock) -> Registry:
    """A registry by name (backends load lazily).

    ``"memory:"``, ``"sqlite:PATH"``, or a BIF node: ``"bif+https://host:port"`` (see
    :meth:`bid.backends.bif_registry.BifRegistry.from_url` for its options).
    """
    scheme, sep, rest = url.partition(":")
    target = _BACKENDS.get(scheme)
    if not sep or target is None:
        raise InvalidInput(
            f"unknown registry {url!r}; use one of: memory:, sqlite:PATH, bif+https://NODE"
        )
    module_name, _, attribute = target.partition(":")
    factory: Any = importlib.import_module(module_name)
    for part in attribute.split("."):
        factory = getattr(factory, part)
    registry: Registry = factory(url if scheme in _WHOLE_URL else rest, clock=clock)
    return registry
