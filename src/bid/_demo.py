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
    _credentials(say, key=key, registry=registry, now=now)


def _credentials(
    say: Callable[..., None], *, key: Ed25519PrivateKey, registry: Registry, now: datetime
) -> None:
    """The did:bid issuer signs a diploma for a did:key holder; revoke it; verify again."""
    from .methods.key import KeyMethod
    from .resolver import MethodRouter
    from .status import StaticFetcher, status_entry, status_list_credential, with_status
    from .vc import MemoryChallengeStore, issue, present, verify_credential, verify_presentation

    issuer = str(key.bid())
    method = f"{issuer}#key-1"
    resolver = MethodRouter([KeyMethod(), BidMethod(registry)])
    holder_key = Ed25519PrivateKey.generate()
    holder = holder_key.did_key
    list_url = "https://university.example/status/1"
    valid_from = now.strftime("%Y-%m-%dT%H:%M:%SZ")

    say("")
    say("6. The did:bid issues a credential (VC 2.0, eddsa-jcs-2022) to a did:key holder")
    status_list = issue(
        status_list_credential(id=list_url, issuer=issuer, valid_from=valid_from),
        key,
        verification_method=method,
    )
    assert isinstance(status_list, dict)
    diploma = issue(
        {
            "@context": ["https://www.w3.org/ns/credentials/v2"],
            "type": ["VerifiableCredential"],
            "issuer": issuer,
            "validFrom": valid_from,
            "credentialSubject": {"id": holder, "degree": "Bachelor of Science"},
            "credentialStatus": status_entry(list_url, 94567),
        },
        key,
        verification_method=method,
        created=now,
    )
    assert isinstance(diploma, dict)
    say("holder", holder)
    say("proof", f"{diploma['proof']['cryptosuite']} by {method}")
    lists = StaticFetcher({list_url: status_list})
    result = verify_credential(diploma, resolver=resolver, now=now, status_fetcher=lists)
    say("verify credential", "verified" if result.verified else f"NOT verified {result.errors}")
    say("checks", ", ".join(result.checks))

    say("")
    say("7. The holder presents it to a verifier's challenge")
    store = MemoryChallengeStore()
    challenge = store.issue()
    presentation = present(
        [diploma],
        holder_key,
        holder=holder,
        verification_method=f"{holder}#{holder.split(':')[-1]}",
        challenge=challenge,
        domain="verifier.example",
        created=now,
    )
    first = verify_presentation(
        presentation,
        resolver=resolver,
        now=now,
        status_fetcher=lists,
        challenge_store=store,
        domain="verifier.example",
    )
    say("verify presentation", "verified" if first.verified else f"NOT verified {first.errors}")
    again = verify_presentation(
        presentation, resolver=resolver, now=now, status_fetcher=lists, challenge_store=store
    )
    say("the same presentation again", ", ".join(e["code"] for e in again.errors) or "ACCEPTED")

    say("")
    say("8. The issuer revokes the credential; verification now fails")
    revoked = issue(with_status(status_list, 94567, 1), key, verification_method=method)
    assert isinstance(revoked, dict)
    lists = StaticFetcher({list_url: revoked})
    after = verify_credential(diploma, resolver=resolver, now=now, status_fetcher=lists)
    say("verify credential", "verified" if after.verified else "NOT verified")
    for error in after.errors:
        say("  " + error["code"], error["message"])
