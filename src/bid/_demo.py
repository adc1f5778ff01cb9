"""``bid demo``: a short tour of what the library does, on fresh keys, with no network."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime

from .bif import BID
from .errors import InvalidSignature, MissingExtra
from .keys import Ed25519PrivateKey, Ed25519PublicKey, SM2PrivateKey
from .methods.bid import BidMethod, create_operation, new_document
from .registry import Registry

__all__ = ["run_demo"]

_MESSAGE = b"hello from bid"


def run_demo(
    write: Callable[[str], object], *, registry: Registry, where: str, now: datetime
) -> None:
    """Generate keys, derive identifiers, sign and verify, register and resolve a BID."""

    def say(label: str, value: object = "") -> None:
        write(f"  {label:<28}{value}\n" if value != "" else f"{label}\n")

    say("bid demo: keys, identifiers, signatures, and a BID registered and resolved")
    say("")
    say("1. An Ed25519 key (libsodium)")
    key = Ed25519PrivateKey.generate()
    public = key.public_key
    bid = key.bid()
    say("BIF public key", public.to_bif())
    say("did:bid", bid)
    say("did:bid on sub-chain 'ab12'", key.bid("ab12"))
    say("did:key", key.did_key)
    say("X25519 key agreement", public.x25519_multikey)

    say("")
    say("2. Parse the identifiers back and check they belong to the key")
    parsed = BID.parse(str(bid))
    say("BID type / encoding", f"{parsed.key_type} / Base58 ({parsed.encoding})")
    say("BID derives from key", parsed.derives_from("ed25519", public.public_bytes()))
    say("did:key gives the key back", Ed25519PublicKey.from_did_key(key.did_key) == public)

    say("")
    say("3. Sign and verify")
    signature = key.sign(_MESSAGE)
    say("message", repr(_MESSAGE.decode()))
    say("signature (hex)", signature.hex()[:64] + "...")
    public.verify(signature, _MESSAGE)
    say("verify", "ok")
    try:
        public.verify(signature, _MESSAGE + b"!")
        say("verify tampered message", "ACCEPTED (this must never happen)")
    except InvalidSignature:
        say("verify tampered message", "refused (InvalidSignature)")

    say("")
    say("4. An SM2 key (GM/T 0003 with SM3), the zf BIDs of the BIF network")
    try:
        sm2 = SM2PrivateKey.generate()
        sm2_signature = sm2.sign(_MESSAGE)
        sm2.public_key.verify(sm2_signature, _MESSAGE)
    except MissingExtra as exc:
        say("skipped", exc.message)
    else:
        say("BIF public key", sm2.public_key.to_bif()[:64] + "...")
        say("did:bid", sm2.bid())
        say("sign and verify", "ok")

    say("")
    say("5. Register the did:bid in an embedded registry and resolve it")
    say("registry", where)
    document = new_document(
        key, now=now, services=[("hub", "LinkedDomains", "https://alice.example")]
    )
    version = registry.submit(create_operation(document, key))
    say("registered", f"{version.did} (version {version.seq}, hash {version.hash[:16]}...)")
    result = BidMethod(registry).resolve(str(bid))
    say("resolved; document metadata", json.dumps(dict(result.did_document_metadata)))
    say("")
    if result.did_document is not None:
        for line in json.dumps(result.did_document.to_json(), indent=2).splitlines():
            say("  " + line)
