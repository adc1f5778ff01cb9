"""Backend equivalence (security.md P13, checklist F 63): one random stream, two registries.

A Hypothesis state machine sends the same operations, valid and invalid, to a
MemoryRegistry and an SQLiteRegistry on a temporary file: creates (again and again, for the
same DID too), updates with and without services or new keys, updates that try to change
the recovery keys, recoveries, deactivations, signatures by the wrong key, gaps, replays,
forks, wrong previous hashes, tampered wire forms and re-submissions of anything sent
before. Both clocks read the same controlled time, which also goes backwards. After every
step both must have answered alike (the same version, or the same error class), and hold
the same history, head and document for every DID.
"""

from __future__ import annotations

import hashlib
import shutil
import tempfile
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import hypothesis.strategies as st
from hypothesis import settings
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

from bid.backends.sqlite import SQLiteRegistry
from bid.ddo import BIDDocument
from bid.errors import BidError, InvalidInput
from bid.keys import Ed25519PrivateKey, PrivateKey, SM2PrivateKey
from bid.methods.bid import (
    create_operation,
    new_document,
    recovered_document,
    updated_document,
)
from bid.registry import MemoryRegistry, Operation, OperationType, Registry, Version

T_DOC = datetime(2024, 5, 1, 12, 0, tzinfo=timezone.utc)
T0 = datetime(2024, 6, 1, 8, 30, 15, 123456, tzinfo=timezone.utc)

KEYS: list[PrivateKey] = [
    *(Ed25519PrivateKey.from_seed(bytes([n]) * 32) for n in range(1, 5)),
    SM2PrivateKey.from_bytes(hashlib.sha256(b"registry state machine sm2").digest()),
]
key_indexes = st.integers(0, len(KEYS) - 1)
#: A signer: an index into KEYS, or AUTHORIZED for a key the rule allows (half the time).
AUTHORIZED = -1
signers = st.one_of(st.just(AUTHORIZED), key_indexes)


class Clock:
    """Both registries read this one time; the machine moves it (also backwards)."""

    def __init__(self) -> None:
        self.now = T0

    def __call__(self) -> datetime:
        return self.now


def key_id(document: BIDDocument, key: PrivateKey) -> str:
    """The id of ``key`` in ``document``, or an id the document does not have."""
    wanted = key.public_key.to_bif()
    for entry in document.public_keys:
        if str(entry.get("publicKeyHex", "")).lower() == wanted:
            return str(entry["id"])
    return f"{document.id}#key-99"


Outcome = tuple[str, Any]


def outcome(registry: Registry, operation: Operation) -> Outcome:
    try:
        return ("accepted", registry.submit(operation))
    except BidError as exc:
        return ("refused", type(exc))


class RegistryEquivalence(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.directory = Path(tempfile.mkdtemp(prefix="bid-registry-machine-"))
        self.clock = Clock()
        self.memory = MemoryRegistry(clock=self.clock)
        self.sqlite = SQLiteRegistry(self.directory / "registry.db", clock=self.clock)
        self.dids: list[str] = []
        self.sent: list[Operation] = []

    def teardown(self) -> None:
        self.sqlite.close()
        shutil.rmtree(self.directory, ignore_errors=True)

    # -- helpers ---------------------------------------------------------------------------

    def submit(self, operation: Operation) -> None:
        self.sent.append(operation)
        expected = outcome(self.memory, operation)
        assert outcome(self.sqlite, operation) == expected
        if expected[0] == "accepted" and operation.did not in self.dids:
            self.dids.append(operation.did)

    def head(self, data: st.DataObject) -> Version:
        head = self.memory.read(data.draw(st.sampled_from(self.dids), label="did"))
        assert head is not None
        return head

    def next_op(
        self,
        type: OperationType,
        head: Version,
        signer: int,
        document: BIDDocument | None = None,
    ) -> Operation:
        key = self.signing_key(type, head.document, signer)
        return Operation.sign(
            type,
            did=head.did,
            seq=head.seq + 1,
            previous=head.hash,
            key=key,
            signer=key_id(head.document, key),
            document=document,
        )

    @staticmethod
    def signing_key(type: OperationType, document: BIDDocument, signer: int) -> PrivateKey:
        if signer != AUTHORIZED:
            return KEYS[signer]
        allowed = {
            "update": document.authentication,
            "recover": document.recovery,
            "deactivate": (*document.authentication, *document.recovery),
        }.get(type, ())
        for key in KEYS:
            if key_id(document, key) in allowed:
                return key
        return KEYS[0]

    def has_dids(self) -> bool:
        return bool(self.dids)

    def has_sent(self) -> bool:
        return bool(self.sent)

    # -- rules -----------------------------------------------------------------------------

    @rule(
        key=key_indexes,
        recovery=st.none() | key_indexes,
        services=st.integers(0, 2),
    )
    def create(self, key: int, recovery: int | None, services: int) -> None:
        recovery_key = KEYS[recovery].public_key if recovery not in (None, key) else None
        document = new_document(
            KEYS[key],
            now=T_DOC,
            recovery_key=recovery_key,
            services=[(f"s{i}", "Example", f"https://example.com/{i}") for i in range(services)],
        )
        self.submit(create_operation(document, KEYS[key]))

    @precondition(has_dids)
    @rule(
        data=st.data(),
        signer=signers,
        change=st.sampled_from(["service", "remove", "add key", "recovery", "nothing"]),
        other=key_indexes,
    )
    def update(self, data: st.DataObject, signer: int, change: str, other: int) -> None:
        head = self.head(data)
        current = head.document
        try:
            if change == "service":
                document = updated_document(
                    current, now=T_DOC, services=[(f"x{other}", "Example", "https://e.com/x")]
                )
            elif change == "remove":
                document = updated_document(current, now=T_DOC, remove_services=["s0"])
            elif change == "add key":
                document = updated_document(current, now=T_DOC, add_keys=[KEYS[other].public_key])
            elif change == "recovery":
                extension = dict(current.extension)
                extension["recovery"] = [key_id(current, KEYS[other])]
                data_ = current.to_json()
                data_["extension"] = extension
                document = BIDDocument.from_json(data_)
            else:
                document = current
        except InvalidInput:
            return  # the change does not make a valid document here
        self.submit(self.next_op("update", head, signer, document))

    @precondition(has_dids)
    @rule(data=st.data(), signer=signers, new_key=key_indexes)
    def recover(self, data: st.DataObject, signer: int, new_key: int) -> None:
        head = self.head(data)
        try:
            document = recovered_document(head.document, KEYS[new_key].public_key, now=T_DOC)
        except InvalidInput:
            return
        self.submit(self.next_op("recover", head, signer, document))

    @precondition(has_dids)
    @rule(data=st.data(), signer=signers, now=st.integers(0, 4))
    def deactivate(self, data: st.DataObject, signer: int, now: int) -> None:
        if now == 0:  # one time in five: a deactivated DID accepts nothing more
            self.submit(self.next_op("deactivate", self.head(data), signer))

    @precondition(has_dids)
    @rule(
        data=st.data(),
        signer=signers,
        delta=st.integers(-3, 3),
        previous=st.sampled_from(["head", "older", "made up", "none"]),
    )
    def misnumbered(self, data: st.DataObject, signer: int, delta: int, previous: str) -> None:
        head = self.head(data)
        history = self.memory.history(head.did)
        previous_hash = {
            "head": head.hash,
            "older": history[0].hash,
            "made up": hashlib.sha256(b"nothing").hexdigest(),
            "none": None,
        }[previous]
        seq = max(1, head.seq + 1 + delta)
        key = self.signing_key("update", head.document, signer)
        try:
            operation = Operation.sign(
                "update",
                did=head.did,
                seq=seq,
                previous=previous_hash if seq > 1 else None,
                key=key,
                signer=key_id(head.document, key),
                document=head.document,
            )
        except InvalidInput:
            return  # seq > 1 without a previous hash does not even parse
        self.submit(operation)

    @precondition(has_sent)
    @rule(data=st.data())
    def resubmit(self, data: st.DataObject) -> None:
        self.submit(data.draw(st.sampled_from(self.sent), label="again"))

    @precondition(has_sent)
    @rule(
        data=st.data(),
        member=st.sampled_from(["document", "seq", "previous", "signer", "did", "signature"]),
    )
    def tampered(self, data: st.DataObject, member: str) -> None:
        original = data.draw(st.sampled_from(self.sent), label="original")
        wire = original.to_json()
        if member == "document" and "document" in wire:
            wire["document"] = {**wire["document"], "updated": "2031-01-01T00:00:00Z"}
        elif member == "seq":
            wire["seq"] = original.seq + 1
        elif member == "previous":
            wire["previous"] = hashlib.sha256(original.signed_bytes).hexdigest()
        elif member == "signer":
            wire["signer"] = original.did + "#key-2"
        elif member == "did" and self.dids:
            other = data.draw(st.sampled_from(self.dids), label="other did")
            wire = {
                name: value.replace(original.did, other) if isinstance(value, str) else value
                for name, value in wire.items()
            }
        else:
            wire["signature"] = data.draw(st.sampled_from(self.sent)).to_json()["signature"]
        try:
            operation = Operation.from_json(wire)
        except InvalidInput:
            return  # refused before any registry sees it
        self.submit(operation)

    @rule(seconds=st.integers(-3600, 86400), microseconds=st.integers(0, 999_999))
    def tick(self, seconds: int, microseconds: int) -> None:
        self.clock.now += timedelta(seconds=seconds, microseconds=microseconds)

    # -- the comparison --------------------------------------------------------------------

    @invariant()
    def same_state(self) -> None:
        for did in self.dids:
            history = self.memory.history(did)
            assert self.sqlite.history(did) == history
            assert self.sqlite.read(did) == self.memory.read(did) == history[-1]
            times = [version.time for version in history]
            assert times == sorted(times)
            assert {version.created for version in history} == {history[0].time}


RegistryEquivalence.TestCase.settings = settings(
    max_examples=25, stateful_step_count=40, deadline=None
)
TestRegistryEquivalence = RegistryEquivalence.TestCase
