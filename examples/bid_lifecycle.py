"""Register, update, recover and resolve a BID on the embedded SQLite registry.

The life of one BID: it is created with an authentication key and a separate recovery key,
updated (a service endpoint added), then recovered after the authentication key is lost:
the recovery key signs a new document whose only authentication key is a fresh one. Every
version is resolved (by ``versionId``) and printed; the lost key can no longer update.

Run it with::

    python examples/bid_lifecycle.py

It exits with status 0 when every step behaves as described.
"""

from __future__ import annotations

import sys
import tempfile
from datetime import datetime, timezone
from pathlib import Path

import bid
from bid.backends.sqlite import SQLiteRegistry
from bid.methods.bid import (
    BidMethod,
    create_operation,
    new_document,
    next_operation,
    recovered_document,
    updated_document,
)


def show(method: BidMethod, did: str, version_id: str) -> dict[str, object]:
    """Resolve one version of ``did`` and print its keys, services and metadata."""
    result = method.resolve(did, {"versionId": version_id})
    document = result.raise_for_error().to_json()
    keys = [str(vm["id"]).partition("#")[2] for vm in document.get("verificationMethod", [])]
    services = [str(s["serviceEndpoint"]) for s in document.get("service", [])]
    meta = result.did_document_metadata
    print(
        f"version {meta['versionId']}: keys={keys} "
        f"authentication={[str(a).partition('#')[2] for a in document['authentication']]} "
        f"services={services} updated={meta['updated']}"
    )
    return document


def main() -> int:
    auth_key = bid.Ed25519PrivateKey.generate()
    recovery_key = bid.Ed25519PrivateKey.generate()
    new_key = bid.Ed25519PrivateKey.generate()

    with (
        tempfile.TemporaryDirectory() as tmp,
        SQLiteRegistry(Path(tmp) / "registry.sqlite3") as registry,
    ):
        method = BidMethod(registry)

        # 1. Register: key-1 authenticates, key-2 (kept offline) may only recover.
        document = new_document(
            auth_key, now=datetime.now(timezone.utc), recovery_key=recovery_key.public_key
        )
        head = registry.submit(create_operation(document, auth_key))
        did = head.did
        print(f"registered {did}")

        # 2. Update: add a service endpoint, signed by the authentication key.
        document = updated_document(
            head.document,
            now=datetime.now(timezone.utc),
            services=[("hub", "LinkedDomains", "https://example.com/")],
        )
        head = registry.submit(next_operation("update", head, auth_key, document=document))

        # 3. The authentication key is lost: recover with the recovery key, rotating to a
        #    new authentication key. The old key is gone from the document.
        document = recovered_document(
            head.document, new_key.public_key, now=datetime.now(timezone.utc)
        )
        head = registry.submit(next_operation("recover", head, recovery_key, document=document))

        # 4. Resolve every version; the latest one is what a plain resolution returns.
        versions = [show(method, did, str(v.seq)) for v in registry.history(did)]
        latest = method.resolve(did).raise_for_error().to_json()
        assert latest == versions[-1], "the latest version is the head"

        # 5. The lost key can sign nothing more in this BID's name.
        stale = updated_document(
            head.document,
            now=datetime.now(timezone.utc),
            services=[("evil", "LinkedDomains", "https://attacker.example/")],
        )
        #    Whoever finds it signs an update naming its old id; the registry refuses it.
        forged = bid.Operation.sign(
            "update",
            did=did,
            seq=head.seq + 1,
            previous=head.hash,
            key=auth_key,
            signer=f"{did}#key-1",
            document=stale,
        )
        try:
            registry.submit(forged)
        except bid.Unauthorized as exc:
            print(f"the lost key is refused: {type(exc).__name__}: {exc}")
        else:
            print("the lost key could still sign an update")
            return 1

        # 6. The new key can.
        head = registry.submit(next_operation("update", head, new_key, document=stale))
        print(f"the new key updated the BID to version {head.seq}")

    return 0 if len(versions) == 3 and head.seq == 4 else 1


if __name__ == "__main__":
    sys.exit(main())
