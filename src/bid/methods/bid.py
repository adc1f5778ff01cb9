"""did:bid documents and registry operations, built from keys (pure: no I/O, time given).

These are the steps behind ``bid did create / update / recover / deactivate``: make the
document, change it, sign the operation that carries it. Submitting is the registry's job.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping, Sequence
from datetime import datetime, timezone
from typing import Any

from .._json import JSONValue
from ..bif import BID
from ..ddo import BID_CONTEXT, BIDDocument
from ..ddo_proof import sign_document
from ..document import DIDDocument
from ..errors import InvalidDID, InvalidInput, RegistryError, Unauthorized
from ..keys import PrivateKey, PublicKey
from ..registry import Operation, OperationType, Registry, Version
from ..resolver import ResolutionResult

__all__ = [
    "DEFAULT_TTL",
    "BidMethod",
    "ServiceSpec",
    "create_operation",
    "key_name",
    "new_document",
    "next_operation",
    "recovered_document",
    "updated_document",
    "with_proof",
]

#: Seconds a resolver may cache a BID document (the SDKs' default).
DEFAULT_TTL = 86400
_KEY_TYPE_NAMES = {"ed25519": "Ed25519", "sm2": "SM2"}

#: A service to add: (name or id, type, endpoint URL).
ServiceSpec = tuple[str, str, str]


def _utc(now: datetime) -> str:
    """``yyyy-MM-ddTHH:mm:ssZ``, the time format of BID documents."""
    if now.tzinfo is None or now.utcoffset() is None:
        raise InvalidInput("times must be timezone-aware")
    return now.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def _key_entry(did: str, name: str, key: PublicKey) -> dict[str, Any]:
    return {
        "id": f"{did}#{name}",
        "type": _KEY_TYPE_NAMES[key.key_type],
        "controller": did,
        "publicKeyHex": key.to_bif(),
    }


def _service_entry(did: str, spec: ServiceSpec) -> dict[str, Any]:
    name, service_type, endpoint = spec
    service_id = name if name.startswith("did:") else f"{did}#{name.lstrip('#')}"
    return {"id": service_id, "type": service_type, "serviceEndpoint": endpoint}


def new_document(
    key: PrivateKey,
    *,
    now: datetime,
    ac: str | None = None,
    services: Sequence[ServiceSpec] = (),
    recovery_key: PublicKey | None = None,
) -> BIDDocument:
    """The first document of the BID of ``key``: ``key-1`` authenticates and asserts.

    ``recovery_key`` becomes ``key-2`` in ``extension.recovery``; without it the creating
    key is the recovery key, as the BIF SDKs' template does.
    """
    did = str(key.bid(ac))
    keys = [_key_entry(did, "key-1", key.public_key)]
    recovery = [f"{did}#key-1"]
    if recovery_key is not None:
        keys.append(_key_entry(did, "key-2", recovery_key))
        recovery = [f"{did}#key-2"]
    stamp = _utc(now)
    document: dict[str, Any] = {
        "@context": [BID_CONTEXT],
        "version": "1.0.0",
        "id": did,
        "publicKey": keys,
        "authentication": [f"{did}#key-1"],
        "assertionMethod": [f"{did}#key-1"],
        "extension": {"recovery": recovery, "ttl": DEFAULT_TTL, "type": 101},
        "created": stamp,
        "updated": stamp,
    }
    if services:
        document["service"] = [_service_entry(did, spec) for spec in services]
    return BIDDocument.from_json(document)


def key_name(key: PublicKey) -> str:
    """The fragment name of a key added after creation: ``key-`` + 12 characters of its BID.

    Named by the key itself, not by a counter: a DID URL like ``did...#key-3`` must never
    come to mean another key in a later version (a counter reuses freed numbers).
    """
    return "key-" + str(key.bid()).rpartition(":")[2][2:14]


def updated_document(
    current: BIDDocument,
    *,
    now: datetime,
    services: Sequence[ServiceSpec] = (),
    remove_services: Sequence[str] = (),
    add_keys: Sequence[PublicKey] = (),
) -> BIDDocument:
    """``current`` with services added or replaced (by id), removed, and keys added.

    An added key is authorized for ``authentication`` and ``assertionMethod``; its id is
    ``key-`` and the start of the key's own BID suffix, so ids are never reused.
    Raises InvalidInput for a service to remove that the document does not have.
    """
    data = current.to_json()
    did = current.id
    entries: list[dict[str, Any]] = list(data.get("service", []))
    for name in remove_services:
        target = _service_entry(did, (name, "", ""))["id"]
        if not any(e.get("id") == target for e in entries):
            raise InvalidInput(f"{did} has no service {name!r} to remove")
        entries = [e for e in entries if e.get("id") != target]
    for spec in services:
        entry = _service_entry(did, spec)
        entries = [e for e in entries if e.get("id") != entry["id"]] + [entry]
    if entries:
        data["service"] = entries
    else:
        data.pop("service", None)
    for key in add_keys:
        if any(e.get("publicKeyHex") == key.to_bif() for e in data.get("publicKey", [])):
            raise InvalidInput(f"{did} already lists the key {key.to_bif()[:16]}...")
        entry = _key_entry(did, key_name(key), key)
        data.setdefault("publicKey", []).append(entry)
        for relationship in ("authentication", "assertionMethod"):
            data.setdefault(relationship, []).append(entry["id"])
    data["updated"] = _utc(now)
    data.pop("proof", None)  # a proof of the old content: sign again with with_proof()
    return BIDDocument.from_json(data)


def recovered_document(current: BIDDocument, new_key: PublicKey, *, now: datetime) -> BIDDocument:
    """``current`` after a recovery: ``new_key`` is the only authentication key.

    Every other key except the recovery keys is removed, so a lost or stolen key can sign
    nothing more in this document's name.
    """
    data = current.to_json()
    recovery = set(current.recovery)
    kept = [copy.deepcopy(e) for e in data.get("publicKey", []) if e.get("id") in recovery]
    data["publicKey"] = kept
    entry = _key_entry(current.id, key_name(new_key), new_key)
    if entry["id"] in {e.get("id") for e in kept}:
        raise InvalidInput("the new key is already a recovery key of this document")
    data["publicKey"].append(entry)
    data["authentication"] = [entry["id"]]
    if "assertionMethod" in data:
        data["assertionMethod"] = [entry["id"]]
    data["updated"] = _utc(now)
    data.pop("proof", None)  # a proof of the old content: sign again with with_proof()
    return BIDDocument.from_json(data)


def _signer_id(document: BIDDocument, key: PrivateKey) -> str:
    wanted = key.public_key.to_bif()
    for entry in document.public_keys:
        if str(entry.get("publicKeyHex", "")).lower() == wanted:
            return str(entry["id"])
    raise Unauthorized(f"the key {wanted[:16]}... is not a key of {document.id}")


def with_proof(document: BIDDocument, key: PrivateKey) -> BIDDocument:
    """``document`` with a fresh RFC-convention ``proof`` by ``key`` (one of its keys).

    The proof lets BIF resolvers and SDKs that check document proofs accept the document;
    the registry itself authorizes by the operation's signature.
    """
    return sign_document(document, key, creator=_signer_id(document, key))


def create_operation(document: BIDDocument, key: PrivateKey) -> Operation:
    """The signed ``create`` operation registering ``document`` with the key it derives from."""
    return Operation.sign(
        "create",
        did=document.id,
        seq=1,
        previous=None,
        key=key,
        signer=_signer_id(document, key),
        document=document,
    )


def next_operation(
    type: OperationType,
    head: Version,
    key: PrivateKey,
    *,
    document: BIDDocument | None = None,
) -> Operation:
    """The signed operation that follows ``head``.

    ``update`` and ``recover`` carry the new ``document``; ``deactivate`` carries none.
    """
    return Operation.sign(
        type,
        did=head.did,
        seq=head.seq + 1,
        previous=head.hash,
        key=key,
        signer=_signer_id(head.document, key),
        document=document,
    )


# -- resolution ---------------------------------------------------------------------------


def _metadata_time(moment: datetime) -> str:
    # DID Core: XML dateTime in UTC, without sub-second precision.
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def _parse_time(text: str) -> datetime | None:
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo is not None else None


class BidMethod:
    """Resolves did:bid DIDs from a registry (the embedded SQLite ledger by default).

    Options: ``versionId`` (a sequence number, as ``bid did history`` lists them) or
    ``versionTime`` (the version in force at that UTC time). A deactivated DID resolves
    to a document holding only its id, with ``deactivated: true`` in the metadata.
    """

    name = "bid"

    def __init__(self, registry: Registry) -> None:
        self._registry = registry

    def resolve(self, did: str, options: Mapping[str, JSONValue] | None = None) -> ResolutionResult:
        """Resolve ``did``; registry failures become ``internalError`` results."""
        options = options or {}
        try:
            bid = BID.parse(did)
        except InvalidDID as exc:
            return ResolutionResult.failure("invalidDid", exc.message)
        if bid.is_ac_only:
            return ResolutionResult.failure(
                "notFound", f"{did} names a sub-chain; resolve it on the BIF network"
            )
        version_id = options.get("versionId")
        version_time = options.get("versionTime")
        if version_id is not None and version_time is not None:
            return ResolutionResult.failure(
                "invalidOptions", "versionId and versionTime exclude each other"
            )
        try:
            if version_id is None and version_time is None:
                head = self._registry.read(did)
                versions: Sequence[Version] = () if head is None else (head,)
                chosen = head
                latest_seq = head.seq if head is not None else 0
            else:
                versions = self._registry.history(did)
                latest_seq = versions[-1].seq if versions else 0
                chosen = _pick(versions, version_id, version_time)
        except RegistryError as exc:
            return ResolutionResult.failure("internalError", exc.message)
        except InvalidInput as exc:
            return ResolutionResult.failure("invalidOptions", exc.message)
        if not versions:
            return ResolutionResult.failure("notFound", f"{did} is not registered")
        if chosen is None:
            return ResolutionResult.failure("notFound", f"{did} has no such version")
        return _result(chosen, latest_seq)


def _pick(
    versions: Sequence[Version], version_id: JSONValue, version_time: JSONValue
) -> Version | None:
    if version_id is not None:
        if not (
            isinstance(version_id, str)
            and version_id.isascii()
            and version_id.isdecimal()
            and (version_id == "0" or not version_id.startswith("0"))
        ):
            raise InvalidInput(f"versionId {str(version_id)[:24]!r} is not a sequence number")
        if len(version_id) > 18:  # no log is that long; and int() of huge text is slow
            return None
        number = int(version_id)
        return versions[number - 1] if 1 <= number <= len(versions) else None
    if not isinstance(version_time, str) or _parse_time(version_time) is None:
        raise InvalidInput(f"versionTime {version_time!r} is not an XML dateTime with a zone")
    moment = _parse_time(version_time)
    assert moment is not None
    chosen = None
    for version in versions:
        if version.time <= moment:
            chosen = version
    return chosen


def _result(version: Version, latest_seq: int) -> ResolutionResult:
    metadata: dict[str, JSONValue] = {
        "created": _metadata_time(version.created),
        "updated": _metadata_time(version.time),
        "versionId": str(version.seq),
    }
    if version.seq < latest_seq:
        metadata["nextVersionId"] = str(version.seq + 1)
    if version.deactivated:
        metadata["deactivated"] = True
        document = DIDDocument.build({"@context": [BID_CONTEXT], "id": version.did})
    else:
        document = version.document.to_did_document()
    return ResolutionResult.success(document, metadata)
