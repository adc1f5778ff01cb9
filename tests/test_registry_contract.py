"""The one contract every Registry keeps, on MemoryRegistry, SQLiteRegistry and BifRegistry.

BifRegistry runs against a BifTestNode: a local node over real HTTP that decodes the
protobuf transactions, checks their signatures and nonces and runs the DDO contract rules.

The rules (bid.registry module doc, security.md 4.6 P1-P9 and checklist F 49-59): the
genesis is self-certifying, every write is signed by a key the previous state authorizes
for it, the chain is linear and numbered, an operation is bound to its DID, deactivation
is final, parsing fails closed, an exact re-submission stores nothing. After every
refusal the DID's history must be exactly what it was: a refused operation stores nothing.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest

from bid._json import canonical
from bid.backends.bif_registry import BifRegistry
from bid.backends.http import HttpPolicy
from bid.backends.sqlite import SQLiteRegistry
from bid.ddo import BIDDocument
from bid.errors import (
    ChainMismatch,
    Conflict,
    DIDDeactivated,
    InvalidInput,
    InvalidOperation,
    RegistryError,
    Replay,
    SequenceGap,
    Unauthorized,
)
from bid.keys import Ed25519PrivateKey, PrivateKey, SM2PrivateKey
from bid.methods.bid import (
    create_operation,
    new_document,
    next_operation,
    recovered_document,
    updated_document,
)
from bid.registry import MemoryRegistry, Operation, OperationType, Registry, Version
from bid.testing import BifTestNode

T_DOC = datetime(2024, 5, 1, 12, 0, tzinfo=timezone.utc)  # the documents' own timestamps
T0 = datetime(2024, 6, 1, 8, 30, 15, 123456, tzinfo=timezone.utc)  # the registry clock


class Clock:
    """A registry clock under the test's control: each call returns ``now``, then steps it."""

    def __init__(self, start: datetime = T0, step: timedelta = timedelta(seconds=1)) -> None:
        self.now = start
        self.step = step
        self.returned: list[datetime] = []

    def __call__(self) -> datetime:
        value = self.now
        self.returned.append(value)
        self.now += self.step
        return value


def ed(n: int) -> Ed25519PrivateKey:
    return Ed25519PrivateKey.from_seed(bytes([n]) * 32)


def sm2(n: int) -> SM2PrivateKey:
    return SM2PrivateKey.from_bytes(hashlib.sha256(b"registry contract sm2 %d" % n).digest())


def genesis(key: PrivateKey, *, recovery: PrivateKey | None = None, services: int = 0) -> Operation:
    document = new_document(
        key,
        now=T_DOC,
        recovery_key=recovery.public_key if recovery is not None else None,
        services=[(f"s{i}", "Example", f"https://example.com/{i}") for i in range(services)],
    )
    return create_operation(document, key)


def fragment(document: BIDDocument, key: PrivateKey) -> str:
    """The fragment of ``key``'s id in ``document`` (the builders choose the names)."""
    wanted = key.public_key.to_bif()
    for entry in document.public_keys:
        if str(entry.get("publicKeyHex", "")).lower() == wanted:
            return str(entry["id"]).partition("#")[2]
    raise AssertionError(f"{document.id} does not list the key")


def with_service(head: Version, name: str) -> BIDDocument:
    return updated_document(
        head.document, now=T_DOC, services=[(name, "Example", f"https://example.com/{name}")]
    )


def update(head: Version, key: PrivateKey, name: str = "svc") -> Operation:
    return next_operation("update", head, key, document=with_service(head, name))


def changed(document: BIDDocument, **members: Any) -> BIDDocument:
    """``document`` with members replaced, bypassing the builders (for hostile documents)."""
    data = document.to_json()
    for name, value in members.items():
        data[name] = value
    return BIDDocument.from_json(data)


def wire(op: Operation, **members: Any) -> dict[str, Any]:
    """The wire form of ``op`` with members replaced (``...`` removes one)."""
    data = op.to_json()
    for name, value in members.items():
        if value is ...:
            data.pop(name)
        else:
            data[name] = value
    return data


def refuse(
    registry: Registry,
    op: Operation,
    error: type[Exception],
    *,
    also: tuple[str, ...] = (),
    match: str | None = None,
) -> None:
    """Submitting ``op`` raises ``error`` and leaves every history involved as it was."""
    dids = (op.did, *also)
    before = {did: tuple(registry.history(did)) for did in dids}
    heads = {did: registry.read(did) for did in dids}
    with pytest.raises(error, match=match):
        registry.submit(op)
    assert {did: tuple(registry.history(did)) for did in dids} == before
    assert {did: registry.read(did) for did in dids} == heads


@pytest.fixture
def clock() -> Clock:
    return Clock()


#: Every key the tests below create DIDs with: a BIF registry sends from the DID's account.
ACCOUNT_KEYS: tuple[PrivateKey, ...] = (
    *(ed(n) for n in range(1, 10)),
    *(sm2(n) for n in (1, 2, 3)),
)


@pytest.fixture(params=["memory", "sqlite", "bif"])
def make_registry(
    request: pytest.FixtureRequest, tmp_path: Path
) -> Iterator[Callable[[Clock], Registry]]:
    opened: list[SQLiteRegistry | BifRegistry | BifTestNode] = []

    def make(clock: Clock) -> Registry:
        if request.param == "memory":
            return MemoryRegistry(clock=clock)
        if request.param == "bif":
            node = BifTestNode().start()
            chain = BifRegistry(
                node.url,
                policy=HttpPolicy(allow_private_networks=True),
                account_keys=ACCOUNT_KEYS,
                clock=clock,
            )
            opened.extend((chain, node))
            return chain
        registry = SQLiteRegistry(tmp_path / f"registry-{len(opened)}.db", clock=clock)
        opened.append(registry)
        return registry

    yield make
    for item in opened:
        item.close()


@pytest.fixture
def registry(make_registry: Callable[[Clock], Registry], clock: Clock) -> Registry:
    return make_registry(clock)


# -- happy paths ---------------------------------------------------------------------------


def test_unknown_did_has_no_version(registry: Registry) -> None:
    did = str(ed(1).bid())
    assert registry.read(did) is None
    assert tuple(registry.history(did)) == ()


def test_lifecycle_create_update_recover_update_deactivate(
    registry: Registry, clock: Clock
) -> None:
    key, recovery, new_key = ed(1), ed(2), ed(3)
    create = genesis(key, recovery=recovery)
    v1 = registry.submit(create)
    assert (v1.did, v1.seq, v1.hash, v1.deactivated) == (create.did, 1, create.hash, False)
    assert v1.operation == create
    assert v1.document == create.document
    assert v1.time == v1.created == T0

    v2 = registry.submit(update(v1, key, "hub"))
    assert v2.seq == 2
    assert [s["id"] for s in v2.document.services] == [f"{create.did}#hub"]

    recover = next_operation(
        "recover",
        v2,
        recovery,
        document=recovered_document(v2.document, new_key.public_key, now=T_DOC),
    )
    v3 = registry.submit(recover)
    assert v3.document.authentication == (f"{create.did}#{fragment(v3.document, new_key)}",)
    assert v3.document.recovery == (f"{create.did}#key-2",)

    v4 = registry.submit(update(v3, new_key, "after-recovery"))
    v5 = registry.submit(next_operation("deactivate", v4, recovery))
    assert v5.deactivated
    assert v5.document == v4.document  # the last document, marked deactivated
    assert v5.operation.document is None

    history = tuple(registry.history(create.did))
    assert history == (v1, v2, v3, v4, v5)
    assert [v.seq for v in history] == [1, 2, 3, 4, 5]
    assert [v.operation.previous for v in history] == [None, *(v.hash for v in history[:-1])]
    assert registry.read(create.did) == v5
    # Times come from the clock, one call per accepted operation; created stays the genesis.
    assert [v.time for v in history] == [T0 + timedelta(seconds=i) for i in range(5)]
    assert {v.created for v in history} == {T0}


def test_deactivate_by_an_authentication_key(registry: Registry) -> None:
    key = ed(1)
    v1 = registry.submit(genesis(key, recovery=ed(2)))
    v2 = registry.submit(next_operation("deactivate", v1, key))
    assert v2.deactivated
    assert v2.document == v1.document


def test_dids_are_independent(registry: Registry) -> None:
    a, b = ed(1), ed(2)
    va = registry.submit(genesis(a))
    vb = registry.submit(genesis(b))
    va2 = registry.submit(update(va, a))
    registry.submit(next_operation("deactivate", vb, b))
    assert registry.submit(update(va2, a, "more")).seq == 3
    assert [v.seq for v in registry.history(va.did)] == [1, 2, 3]
    assert [v.seq for v in registry.history(vb.did)] == [1, 2]


def test_an_operation_survives_its_wire_form(registry: Registry) -> None:
    key = ed(1)
    create = genesis(key, services=2)
    parsed = Operation.from_text(json.dumps(create.to_json()))
    assert parsed == create
    assert registry.submit(parsed).hash == create.hash


def test_sm2_create_update_recover_deactivate(registry: Registry) -> None:
    key, recovery, new_key = sm2(1), sm2(2), sm2(3)
    create = genesis(key, recovery=recovery)
    assert create.did.startswith("did:bid:zf")
    v1 = registry.submit(create)
    v2 = registry.submit(update(v1, key))
    v3 = registry.submit(
        next_operation(
            "recover",
            v2,
            recovery,
            document=recovered_document(v2.document, new_key.public_key, now=T_DOC),
        )
    )
    stolen = Operation.sign(
        "update",
        did=v3.did,
        seq=4,
        previous=v3.hash,
        key=key,
        signer=f"{v3.did}#key-1",
        document=with_service(v3, "stolen"),
    )
    refuse(registry, stolen, Unauthorized)  # the rotated-out SM2 key
    v4 = registry.submit(update(v3, new_key, "x"))
    v5 = registry.submit(next_operation("deactivate", v4, new_key))
    assert v5.deactivated
    assert tuple(registry.history(create.did)) == (v1, v2, v3, v4, v5)
    refuse(registry, update(v5, new_key, "late"), DIDDeactivated)
    refuse(registry, update(v4, new_key, "late"), Conflict)
    # SM2 signatures are randomized: re-signing makes a different operation, refused.
    refuse(registry, update(v1, key), Replay)
    assert registry.submit(v2.operation) == v2


def test_sm2_create_signed_with_another_sm2_key(registry: Registry) -> None:
    document = new_document(sm2(1), now=T_DOC)
    forged = Operation.sign(
        "create",
        did=document.id,
        seq=1,
        previous=None,
        key=sm2(2),
        signer=f"{document.id}#key-1",
        document=document,
    )
    refuse(registry, forged, Unauthorized, match="signature")


# -- times -----------------------------------------------------------------------------------


def test_times_come_from_the_clock_and_never_go_back(
    make_registry: Callable[[Clock], Registry],
) -> None:
    clock = Clock(step=timedelta(0))
    registry = make_registry(clock)
    key = ed(1)
    v1 = registry.submit(genesis(key))
    assert v1.time == v1.created == T0
    clock.now = T0 + timedelta(days=3, microseconds=7)
    v2 = registry.submit(update(v1, key))
    assert v2.time == T0 + timedelta(days=3, microseconds=7)
    assert v2.created == T0
    clock.now = T0 - timedelta(days=365)  # a clock set back: acceptance times stay in order
    v3 = registry.submit(update(v2, key, "later"))
    assert v3.time == v2.time
    assert v3.created == T0
    assert [v.time for v in registry.history(v1.did)] == [v1.time, v2.time, v2.time]


def test_a_resubmission_keeps_the_stored_time(registry: Registry, clock: Clock) -> None:
    v1 = registry.submit(genesis(ed(1)))
    clock.now = T0 + timedelta(hours=5)
    again = registry.submit(v1.operation)
    assert again == v1
    assert again.time == again.created == T0


# -- create ------------------------------------------------------------------------------------


def test_create_signed_by_a_key_the_bid_does_not_derive_from(registry: Registry) -> None:
    owner, intruder = ed(1), ed(2)
    # The intruder's own document, relabelled with the owner's BID: the key does not derive.
    owner_did, intruder_did = str(owner.bid()), str(intruder.bid())
    text = json.dumps(new_document(intruder, now=T_DOC).to_json()).replace(intruder_did, owner_did)
    document = BIDDocument.from_json(json.loads(text))
    forged = Operation.sign(
        "create",
        did=owner_did,
        seq=1,
        previous=None,
        key=intruder,
        signer=f"{owner_did}#key-1",
        document=document,
    )
    refuse(registry, forged, Unauthorized, match="is not the BID of the signing key")
    # The owner's genuine document signed by the intruder: the signature does not verify.
    genuine = new_document(owner, now=T_DOC)
    resigned = Operation.sign(
        "create",
        did=owner_did,
        seq=1,
        previous=None,
        key=intruder,
        signer=f"{owner_did}#key-1",
        document=genuine,
    )
    refuse(registry, resigned, Unauthorized, match="signature")
    assert registry.read(owner_did) is None


def test_create_signed_by_a_key_not_in_authentication(registry: Registry) -> None:
    key, other = ed(1), ed(2)
    document = new_document(key, now=T_DOC, recovery_key=other.public_key)
    did = document.id
    moved = changed(document, authentication=[f"{did}#key-2"], assertionMethod=[f"{did}#key-2"])
    op = Operation.sign(
        "create", did=did, seq=1, previous=None, key=key, signer=f"{did}#key-1", document=moved
    )
    refuse(registry, op, Unauthorized, match="authentication")
    # Signed by key-2, which is in authentication, but the BID does not derive from it.
    by_other = Operation.sign(
        "create", did=did, seq=1, previous=None, key=other, signer=f"{did}#key-2", document=moved
    )
    refuse(registry, by_other, Unauthorized, match="not the BID")


def test_create_for_a_document_about_another_did_does_not_parse(registry: Registry) -> None:
    key = ed(1)
    document = new_document(key, now=T_DOC)
    other_did = str(ed(2).bid())
    with pytest.raises(InvalidOperation, match="document is about"):
        Operation.sign(
            "create",
            did=other_did,
            seq=1,
            previous=None,
            key=key,
            signer=f"{other_did}#key-1",
            document=document,
        )
    create = create_operation(document, key)
    with pytest.raises(InvalidOperation):
        Operation.from_json(wire(create, did=other_did, signer=f"{other_did}#key-1"))
    assert registry.read(other_did) is None
    assert registry.read(document.id) is None


def test_create_twice(registry: Registry) -> None:
    key = ed(1)
    create = genesis(key)
    v1 = registry.submit(create)
    assert registry.submit(create) == v1  # identical: idempotent
    assert registry.submit(Operation.from_json(create.to_json())) == v1
    assert tuple(registry.history(create.did)) == (v1,)
    refuse(registry, genesis(key, services=1), Conflict)  # another create for the same DID
    # A create placed after the head, properly chained, is still a second creation.
    again = Operation.sign(
        "create",
        did=v1.did,
        seq=2,
        previous=v1.hash,
        key=key,
        signer=f"{v1.did}#key-1",
        document=v1.document,
    )
    refuse(registry, again, Conflict, match="already exists")
    # Once the DID has moved on, a different create is still a Conflict (checklist F 49).
    registry.submit(update(v1, key))
    refuse(registry, genesis(key, services=1), Conflict)


def test_the_first_operation_must_be_a_create(registry: Registry) -> None:
    key = ed(1)
    v1 = MemoryRegistry().submit(genesis(key))  # a head the registry under test never saw
    refuse(registry, update(v1, key), SequenceGap)
    first_update = Operation.sign(
        "update",
        did=v1.did,
        seq=1,
        previous=None,
        key=key,
        signer=f"{v1.did}#key-1",
        document=v1.document,
    )
    refuse(registry, first_update, SequenceGap, match="create it first")
    assert registry.read(v1.did) is None


# -- update, recover, deactivate: who may sign ---------------------------------------------


@pytest.fixture
def three_keys(registry: Registry) -> Version:
    """A DID with key-1 (authentication), key-2 (recovery only), key-3 (assertion only)."""
    key = ed(1)
    document = new_document(key, now=T_DOC, recovery_key=ed(2).public_key)
    did = document.id
    data = document.to_json()
    data["publicKey"].append(
        {
            "id": f"{did}#key-3",
            "type": "Ed25519",
            "controller": did,
            "publicKeyHex": ed(3).public_key.to_bif(),
        }
    )
    data["assertionMethod"].append(f"{did}#key-3")
    return registry.submit(create_operation(BIDDocument.from_json(data), key))


def signed(
    type: OperationType,
    head: Version,
    key: PrivateKey,
    signer: str,
    document: BIDDocument | None = None,
) -> Operation:
    return Operation.sign(
        type,
        did=head.did,
        seq=head.seq + 1,
        previous=head.hash,
        key=key,
        signer=f"{head.did}#{signer}",
        document=document,
    )


def test_update_signed_by_a_non_authentication_key(registry: Registry, three_keys: Version) -> None:
    head = three_keys
    document = with_service(head, "x")
    refuse(registry, signed("update", head, ed(3), "key-3", document), Unauthorized)
    refuse(registry, signed("update", head, ed(2), "key-2", document), Unauthorized)  # recovery
    refuse(registry, signed("update", head, ed(9), "key-9", document), Unauthorized)  # unknown
    # The right key id, the wrong private key: the signature does not verify.
    refuse(registry, signed("update", head, ed(3), "key-1", document), Unauthorized, match="sig")
    assert registry.submit(signed("update", head, ed(1), "key-1", document)).seq == 2


def test_update_signed_by_a_key_of_another_did_does_not_parse(three_keys: Version) -> None:
    other = str(ed(4).bid())
    with pytest.raises(InvalidOperation, match="signer"):
        Operation.sign(
            "update",
            did=three_keys.did,
            seq=2,
            previous=three_keys.hash,
            key=ed(4),
            signer=f"{other}#key-1",
            document=with_service(three_keys, "x"),
        )


def test_update_may_not_change_recovery(registry: Registry, three_keys: Version) -> None:
    head = three_keys
    did = head.did
    extension = dict(head.document.extension)
    for recovery in ([f"{did}#key-1"], [f"{did}#key-2", f"{did}#key-1"], [f"{did}#key-3"]):
        document = changed(head.document, extension={**extension, "recovery": recovery})
        refuse(registry, signed("update", head, ed(1), "key-1", document), Unauthorized)
        refuse(registry, signed("recover", head, ed(2), "key-2", document), Unauthorized)


def test_recover_signed_by_an_authentication_only_key(
    registry: Registry, three_keys: Version
) -> None:
    head = three_keys
    document = recovered_document(head.document, ed(5).public_key, now=T_DOC)
    refuse(registry, signed("recover", head, ed(1), "key-1", document), Unauthorized)
    refuse(registry, signed("recover", head, ed(3), "key-3", document), Unauthorized)
    assert registry.submit(signed("recover", head, ed(2), "key-2", document)).seq == 2


def test_deactivate_signed_by_an_unlisted_key(registry: Registry, three_keys: Version) -> None:
    refuse(registry, signed("deactivate", three_keys, ed(3), "key-3"), Unauthorized)
    assert registry.submit(signed("deactivate", three_keys, ed(2), "key-2")).deactivated


def test_a_rotated_out_key_signs_nothing_after_recovery(registry: Registry) -> None:
    old, recovery, new = ed(1), ed(2), ed(3)
    v1 = registry.submit(genesis(old, recovery=recovery))
    v2 = registry.submit(
        next_operation(
            "recover",
            v1,
            recovery,
            document=recovered_document(v1.document, new.public_key, now=T_DOC),
        )
    )
    assert f"{v1.did}#key-1" not in {str(e["id"]) for e in v2.document.public_keys}
    new_id = fragment(v2.document, new)
    stolen = with_service(v2, "stolen")
    refuse(registry, signed("update", v2, old, "key-1", stolen), Unauthorized)
    refuse(registry, signed("deactivate", v2, old, "key-1"), Unauthorized)
    # The old key signing under the new key's id does not help either.
    refuse(registry, signed("update", v2, old, new_id, stolen), Unauthorized, match="signature")
    assert registry.submit(signed("update", v2, new, new_id, stolen)).seq == 3


# -- sequence and chain ---------------------------------------------------------------------


@pytest.fixture
def chain(registry: Registry) -> list[Version]:
    """A DID with three versions, all by ed(1)."""
    key = ed(1)
    v1 = registry.submit(genesis(key, recovery=ed(2)))
    v2 = registry.submit(update(v1, key, "a"))
    v3 = registry.submit(update(v2, key, "b"))
    return [v1, v2, v3]


def at(head: Version, seq: int, previous: str | None, name: str = "z") -> Operation:
    return Operation.sign(
        "update",
        did=head.did,
        seq=seq,
        previous=previous,
        key=ed(1),
        signer=f"{head.did}#key-1",
        document=with_service(head, name),
    )


def test_gap(registry: Registry, chain: list[Version]) -> None:
    head = chain[-1]
    refuse(registry, at(head, 5, head.hash), SequenceGap)
    refuse(registry, at(head, 100, "0" * 64), SequenceGap)


def test_replay_of_an_older_different_operation(registry: Registry, chain: list[Version]) -> None:
    v1 = chain[0]
    refuse(registry, at(v1, 2, v1.hash, "other"), Replay)
    refuse(registry, update(v1, ed(1), "a2"), Replay)


def test_same_seq_different_operation(registry: Registry, chain: list[Version]) -> None:
    v2 = chain[1]
    refuse(registry, at(v2, 3, v2.hash, "fork"), Conflict)
    refuse(registry, signed("deactivate", v2, ed(1), "key-1"), Conflict)


def test_wrong_previous_hash(registry: Registry, chain: list[Version]) -> None:
    v1, v2, v3 = chain
    refuse(registry, at(v3, 4, v2.hash), ChainMismatch)
    refuse(registry, at(v3, 4, v1.hash), ChainMismatch)
    refuse(registry, at(v3, 4, "f" * 64), ChainMismatch)


def test_nothing_after_deactivation(registry: Registry, chain: list[Version]) -> None:
    key, recovery = ed(1), ed(2)
    v4 = registry.submit(next_operation("deactivate", chain[-1], recovery))
    assert v4.deactivated
    refuse(registry, update(v4, key), DIDDeactivated)
    refuse(registry, signed("deactivate", v4, key, "key-1"), DIDDeactivated)
    refuse(registry, signed("deactivate", v4, recovery, "key-2"), DIDDeactivated)
    refuse(
        registry,
        signed(
            "recover",
            v4,
            recovery,
            "key-2",
            recovered_document(v4.document, ed(7).public_key, now=T_DOC),
        ),
        DIDDeactivated,
    )
    refuse(registry, at(v4, 9, v4.hash), DIDDeactivated)
    assert registry.read(v4.did) == v4
    # Exact re-submissions of what is stored are still answered.
    assert registry.submit(v4.operation) == v4
    assert registry.submit(chain[0].operation) == chain[0]


def test_exact_resubmission_is_idempotent(registry: Registry, chain: list[Version]) -> None:
    before = tuple(registry.history(chain[0].did))
    for version in (chain[-1], chain[0], chain[1], chain[-1]):
        assert registry.submit(version.operation) == version
        assert registry.submit(Operation.from_text(json.dumps(version.operation.to_json()))) == (
            version
        )
    assert tuple(registry.history(chain[0].did)) == before


# -- an operation is bound to its DID ----------------------------------------------------------


def test_an_operation_for_one_did_does_not_apply_to_another(registry: Registry) -> None:
    a, b = ed(1), ed(2)
    va = registry.submit(genesis(a))
    vb = registry.submit(genesis(b))
    op = update(va, a, "hub")
    did_a, did_b = va.did, vb.did
    # Only the did member changed: the signer and the document still name A.
    with pytest.raises(InvalidOperation):
        Operation.from_json(wire(op, did=did_b))
    # Every mention of A rewritten to B and the chain pointed at B's head: parses, but the
    # signature was made over A's bytes.
    text = json.dumps(wire(op, previous=vb.hash)).replace(did_a, did_b)
    moved = Operation.from_text(text)
    assert moved.did == did_b
    refuse(registry, moved, Unauthorized, also=(did_a,))
    # The same for a create: A's genesis relabelled as B.
    create_text = json.dumps(va.operation.to_json()).replace(did_a, did_b)
    refuse(registry, Operation.from_text(create_text), Conflict, also=(did_a,))
    c = ed(3)
    fresh_text = json.dumps(genesis(a, services=1).to_json()).replace(did_a, str(c.bid()))
    refuse(registry, Operation.from_text(fresh_text), Unauthorized, also=(did_a,))
    assert registry.submit(op).seq == 2


# -- tampered and malformed wire forms --------------------------------------------------------


def _tamperings(head: Version, op: Operation) -> list[tuple[str, dict[str, Any], type[Exception]]]:
    did = head.did
    document = op.to_json()["document"]
    other_signature = update(head, ed(1), "other").to_json()["signature"]
    return [
        ("document", {"document": {**document, "updated": "2030-01-01T00:00:00Z"}}, Unauthorized),
        ("service", {"document": with_service(head, "evil").to_json()}, Unauthorized),
        ("signer", {"signer": f"{did}#key-2"}, Unauthorized),
        ("seq", {"seq": 3}, SequenceGap),
        ("previous", {"previous": "0" * 64}, ChainMismatch),
        ("type", {"type": "recover"}, Unauthorized),
        ("type-deactivate", {"type": "deactivate"}, InvalidOperation),
        ("deactivate", {"type": "deactivate", "document": ...}, Unauthorized),
        ("signature", {"signature": other_signature}, Unauthorized),
    ]


def test_tampered_wire_json_is_refused(registry: Registry) -> None:
    key = ed(1)
    head = registry.submit(genesis(key, recovery=ed(2)))
    op = update(head, key, "hub")
    for name, members, error in _tamperings(head, op):
        before = tuple(registry.history(head.did))
        with pytest.raises(error):
            registry.submit(Operation.from_json(wire(op, **members)))
        assert tuple(registry.history(head.did)) == before, name
    assert registry.submit(op).seq == 2


def test_a_flipped_signature_bit_is_refused(registry: Registry) -> None:
    key = ed(1)
    head = registry.submit(genesis(key))
    op = update(head, key)
    for position in (0, 31, 63):
        signature = bytearray(op.signature)
        signature[position] ^= 0x01
        refuse(registry, Operation.from_storage(op.signed_bytes, bytes(signature)), Unauthorized)
    for cut in (op.signature[:-1], op.signature + b"\0", b""):  # read, never verified
        with pytest.raises(InvalidOperation, match="64 bytes"):
            Operation.from_storage(op.signed_bytes, cut)
    assert len(registry.history(head.did)) == 1


@pytest.mark.parametrize(
    ("name", "members"),
    [
        ("unknown member", {"note": "hello"}),
        ("unknown type", {"type": "transfer"}),
        ("seq 0", {"seq": 0}),
        ("negative seq", {"seq": -1}),
        ("bool seq", {"seq": True}),
        ("text seq", {"seq": "2"}),
        ("missing signature", {"signature": ...}),
        ("signature not text", {"signature": 5}),
        ("signature not base58", {"signature": "0OIl"}),
        ("missing did", {"did": ...}),
        ("missing type", {"type": ...}),
        ("missing document", {"document": ...}),
        ("document not an object", {"document": "x"}),
        ("previous not hex", {"previous": "Z" * 64}),
        ("previous upper case", {"previous": "A" * 64}),
        ("not a bid", {"did": "did:web:example.com"}),
    ],
)
def test_malformed_operations_do_not_parse(
    registry: Registry, name: str, members: dict[str, Any]
) -> None:
    key = ed(1)
    head = registry.submit(genesis(key))
    op = update(head, key)
    with pytest.raises(InvalidOperation):
        Operation.from_json(wire(op, **members))
    assert tuple(registry.history(head.did)) == (head,)


@pytest.mark.parametrize(
    "members",
    [{"note": "hi"}, {"type": "transfer"}, {"seq": 0}, {"seq": True}, {"version": 2}],
    ids=["unknown member", "unknown type", "seq 0", "bool seq", "unknown version"],
)
def test_signed_but_malformed_operations_fail_closed(
    registry: Registry, members: dict[str, Any]
) -> None:
    # Signed properly by the authorized key: still refused, because it does not parse.
    key = ed(1)
    head = registry.submit(genesis(key))
    unsigned = {k: v for k, v in update(head, key).to_json().items() if k != "signature"}
    unsigned.update(members)
    data = canonical(unsigned)
    with pytest.raises(InvalidOperation):
        Operation.from_storage(data, key.sign(data))
    assert tuple(registry.history(head.did)) == (head,)


def test_oversized_operation_does_not_parse(registry: Registry) -> None:
    key = ed(1)
    head = registry.submit(genesis(key))
    big = updated_document(
        head.document,
        now=T_DOC,
        services=[(f"s{i}", "Example", "https://example.com/" + "x" * 1000) for i in range(300)],
    )
    with pytest.raises(InvalidOperation, match="larger than"):
        next_operation("update", head, key, document=big)
    assert tuple(registry.history(head.did)) == (head,)


def test_errors_are_registry_errors_or_invalid_input() -> None:
    # The classes the contract names belong to the two families callers handle.
    for error in (Conflict, Unauthorized, SequenceGap, Replay, ChainMismatch, DIDDeactivated):
        assert issubclass(error, RegistryError)
    assert issubclass(InvalidOperation, InvalidInput)
