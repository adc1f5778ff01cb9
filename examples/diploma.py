"""Issue and verify a university diploma with a did:bid issuer.

The university registers its BID on the embedded SQLite registry (a file in a temporary
directory), issues a diploma to a graduate identified by a did:key, and anyone holding a
resolver for that registry verifies it. A copy with the degree changed fails verification.

Run it with::

    python examples/diploma.py

It prints the issuer, the holder, each verification result, and exits with status 0 when
the genuine diploma verifies and the tampered copy does not.
"""

from __future__ import annotations

import copy
import sys
import tempfile
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import bid
from bid.backends.sqlite import SQLiteRegistry
from bid.methods.bid import BidMethod, create_operation, new_document
from bid.methods.key import KeyMethod
from bid.resolver import MethodRouter


def main() -> int:
    now = datetime.now(timezone.utc)
    university_key = bid.Ed25519PrivateKey.generate()
    graduate_key = bid.Ed25519PrivateKey.generate()
    graduate = graduate_key.did_key

    with (
        tempfile.TemporaryDirectory() as tmp,
        SQLiteRegistry(Path(tmp) / "registry.sqlite3") as registry,
    ):
        # The university's BID: its document, registered by a create operation it signs.
        document = new_document(university_key, now=now)
        registry.submit(create_operation(document, university_key))
        university = document.id
        print(f"issuer:  {university}")
        print(f"holder:  {graduate}")

        diploma: dict[str, Any] = {
            "@context": [
                "https://www.w3.org/ns/credentials/v2",
                "https://www.w3.org/ns/credentials/examples/v2",
            ],
            "id": "urn:uuid:6a1f0b52-3c5e-4d8a-9f21-0d5b7c3e9a10",
            "type": ["VerifiableCredential", "UniversityDegreeCredential"],
            "issuer": university,
            "validFrom": now.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "credentialSubject": {
                "id": graduate,
                "degree": {"type": "BachelorDegree", "name": "Bachelor of Science"},
            },
        }
        signed = bid.issue(diploma, university_key, verification_method=f"{university}#key-1")
        assert isinstance(signed, dict)
        print(
            f"proof:   {signed['proof']['cryptosuite']} by {signed['proof']['verificationMethod']}"
        )

        # The verifier resolves did:bid from the registry and did:key offline.
        resolver = MethodRouter([KeyMethod(), BidMethod(registry)])
        genuine = bid.verify_credential(signed, resolver=resolver)
        print(f"genuine diploma verified: {genuine.verified}")

        tampered = copy.deepcopy(signed)
        tampered["credentialSubject"]["degree"]["name"] = "Doctor of Medicine"
        forged = bid.verify_credential(tampered, resolver=resolver)
        print(f"tampered diploma verified: {forged.verified}")
        for error in forged.errors:
            print(f"  {error['check']}: {error['code']}")

    return 0 if genuine.verified and not forged.verified else 1


if __name__ == "__main__":
    sys.exit(main())
