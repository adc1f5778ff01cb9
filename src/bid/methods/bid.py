"""did:bid documents and registry operations, built from keys (pure: no I/O, time given).

These are the steps behind ``bid did create / update / recover / deactivate``: make the
document, change it, sign the operation that carries it. Submitting is the registry's job.
"""

from __future__ import annotations

import copy
from collections.abc import Sequence
from datetime import datetime, timezone
from typing import Any

from ..ddo import BID_CONTEXT, BIDDocument
from ..errors import InvalidInput, Unauthorized
from ..keys import PrivateKey, PublicKey
from ..registry import Operation, OperationType, Version

__all__ = [
    "DEFAULT_TTL",
    "ServiceSpec",
    "create_operation",
    "new_document",
    "next_operation",
    "recovered_document",
    "updated_document",
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


def _next_key_name(document: dict[str, Any]) -> str:
    taken = {str(entry.get("id", "")).partition("#")[2] for entry in document.get("publicKey", [])}
    number = 1
    while f"key-{number}" in taken:
        number += 1
    return f"key-{number}"


def updated_document(
    current: BIDDocument,
    *,
    now: datetime,
    services: Sequence[ServiceSpec] = (),
    remove_services: Sequence[str] = (),
    add_keys: Sequence[PublicKey] = (),
) -> BIDDocument:
    """``current`` with services added or replaced (by id), removed, and keys added.

    An added key is authorized for ``authentication`` and ``assertionMethod``.
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
        entry = _key_entry(did, _next_key_name(data), key)
        data.setdefault("publicKey", []).append(entry)
        for relationship in ("authentication", "assertionMethod"):
            data.setdefault(relationship, []).append(entry["id"])
    data["updated"] = _utc(now)
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
    entry = _key_entry(current.id, _next_key_name(current.to_json()), new_key)
    data["publicKey"].append(entry)
    data["authentication"] = [entry["id"]]
    if "assertionMethod" in data:
        data["assertionMethod"] = [entry["id"]]
    data["updated"] = _utc(now)
    return BIDDocument.from_json(data)


def _signer_id(document: BIDDocument, key: PrivateKey) -> str:
    wanted = key.public_key.to_bif()
    for entry in document.public_keys:
        if str(entry.get("publicKeyHex", "")).lower() == wanted:
            return str(entry["id"])
    raise Unauthorized(f"the key {wanted[:16]}... is not a key of {document.id}")


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
