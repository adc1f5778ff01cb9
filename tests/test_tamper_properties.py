"""Tamper anywhere and the signature catches it: Hypothesis properties over signed JSON.

Three signed artefacts, each changed at one drawn position of its JSON (a value replaced,
a member renamed or dropped, an array reordered), at any depth:

- a presentation (eddsa-jcs-2022) embedding a signed credential: the change may fall in
  the presentation, its proof (all but its ``proofValue``), the embedded credential or
  the embedded credential's proof (its ``proofValue`` too: the presentation signs it);
  ``verify_presentation`` must answer ``verified`` false, with errors;
- a BID document with its RFC-convention proof (``bid.ddo_proof``; all but
  ``signatureValue``): the document no longer parses (InvalidDocument) or its proof no
  longer verifies (InvalidSignature, or InvalidDocument when the proof's own members
  break);
- a signed registry update, signature included: refused by ``Operation.from_json``
  (InvalidOperation) or by the registry's rules with one specific RegistryError, the same
  on MemoryRegistry, SQLiteRegistry and BifRegistry, and nothing stored.

The credential counterpart (checklist case 22) is ``test_vc.py``'s property. Every test
runs under the ``no_network`` guard.
"""

from __future__ import annotations

import copy
import hashlib
import json
import sqlite3
from collections.abc import Iterable, Iterator
from contextlib import closing
from datetime import datetime, timezone
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bid.backends.bif_registry import BifRegistry
from bid.backends.http import HttpPolicy
from bid.backends.sqlite import SQLiteRegistry
from bid.ddo import BIDDocument
from bid.ddo_proof import sign_document, verify_document_proof
from bid.errors import (
    BidError,
    ChainMismatch,
    Conflict,
    DIDDeactivated,
    InvalidDocument,
    InvalidOperation,
    InvalidSignature,
    Replay,
    SequenceGap,
    Unauthorized,
)
from bid.keys import Ed25519PrivateKey
from bid.methods.bid import create_operation, new_document, next_operation, updated_document
from bid.methods.key import KeyMethod
from bid.registry import MemoryRegistry, Operation, Registry, Version
from bid.resolver import MethodRouter
from bid.testing import BifTestNode
from bid.vc import issue, present, verify_presentation
from checklist_support import NetworkGuard, no_network  # noqa: F401 (a fixture, used by name)

pytestmark = pytest.mark.usefixtures("no_network")

Position = tuple[str | int, ...]
NOW = datetime(2025, 6, 1, tzinfo=timezone.utc)
T_DOC = datetime(2024, 5, 1, 12, 0, tzinfo=timezone.utc)
CHANGES = st.sampled_from(["value", "rename", "drop", "reorder"])
JSON_SCALARS = st.one_of(
    st.none(), st.booleans(), st.integers(-(2**53) + 1, 2**53 - 1), st.text(max_size=8)
)
JSON_VALUES: st.SearchStrategy[Any] = (
    JSON_SCALARS | st.lists(JSON_SCALARS, max_size=2) | st.just({})
)


def key(label: str) -> Ed25519PrivateKey:
    return Ed25519PrivateKey.from_seed(hashlib.sha256(label.encode()).digest())


# -- changing one position ------------------------------------------------------------------------


def positions(value: Any, path: Position = ()) -> Iterator[Position]:
    """Every member and array element below ``value``, depth first."""
    children: Iterable[tuple[str | int, Any]] = ()
    if isinstance(value, dict):
        children = value.items()
    elif isinstance(value, list):
        children = enumerate(value)
    for step, child in children:
        yield (*path, step)
        yield from positions(child, (*path, step))


def _same(a: Any, b: Any) -> bool:
    """JSON equality (``True`` is not ``1`` here, as it is for Python's ``==``)."""
    return json.dumps(a, sort_keys=True) == json.dumps(b, sort_keys=True)


def _like(value: Any) -> st.SearchStrategy[Any]:
    """Values of the same JSON type as ``value``: changes that more often still parse."""
    if isinstance(value, bool):
        return st.just(not value)
    if isinstance(value, int):
        return st.integers(max(value - 3, 0), value + 3) | st.integers(-(2**53) + 1, 2**53 - 1)
    if isinstance(value, str):
        return st.text(max_size=12) | st.just(value[:-1]) | st.just(value + value[-1:])
    if isinstance(value, list):
        return st.lists(JSON_SCALARS, max_size=2) | st.just(value[:-1])
    return JSON_VALUES


def tampered(data: st.DataObject, document: dict[str, Any], path: Position) -> dict[str, Any]:
    """A deep copy of ``document`` with one drawn change at ``path``; never equal to it."""
    result = copy.deepcopy(document)
    parent: Any = result
    for step in path[:-1]:
        parent = parent[step]
    last = path[-1]
    current = parent[last]
    change = data.draw(CHANGES, label="change")
    if change == "reorder" and isinstance(current, list) and len(current) > 1:
        order = data.draw(st.permutations(range(len(current))), label="order")
        reordered = [current[i] for i in order]
        if not _same(reordered, current):
            parent[last] = reordered
            return result
    if change == "rename" and isinstance(parent, dict):
        name = data.draw(st.text(min_size=1, max_size=12).filter(lambda n: n not in parent))
        parent[name] = parent.pop(last)
        return result
    if change == "drop":
        del parent[last]
        return result
    values = _like(current) | JSON_VALUES
    parent[last] = data.draw(values.filter(lambda v: not _same(v, current)), label="value")
    return result


# -- a presentation -------------------------------------------------------------------------------

ISSUER, HOLDER = key("tamper issuer"), key("tamper holder")


def _method(private: Ed25519PrivateKey) -> str:
    did = private.public_key.did_key
    return f"{did}#{did.removeprefix('did:key:')}"


_CREDENTIAL = issue(
    {
        "@context": [
            "https://www.w3.org/ns/credentials/v2",
            "https://www.w3.org/ns/credentials/examples/v2",
        ],
        "id": "urn:uuid:58172aac-d8ba-11ed-83dd-0b3aef56cc33",
        "type": ["VerifiableCredential", "ExampleAlumniCredential"],
        "issuer": {"id": ISSUER.public_key.did_key, "name": "Example University"},
        "validFrom": "2024-01-01T00:00:00Z",
        "credentialSubject": {
            "id": "did:example:alice",
            "alumniOf": {"name": "Example University", "years": [2019, 2023]},
        },
    },
    ISSUER,
    verification_method=_method(ISSUER),
    created=datetime(2025, 1, 1, tzinfo=timezone.utc),
)
_PRESENTATION = present(
    [_CREDENTIAL],
    HOLDER,
    holder=HOLDER.public_key.did_key,
    verification_method=_method(HOLDER),
    challenge="9f1c2e0a",
    domain="verifier.example",
    created=datetime(2025, 1, 2, tzinfo=timezone.utc),
)
assert isinstance(_PRESENTATION, dict)
_SIGNED_VP: dict[str, Any] = _PRESENTATION
_VP_POSITIONS = [p for p in positions(_SIGNED_VP) if p != ("proof", "proofValue")]
_RESOLVER = MethodRouter([KeyMethod()])


def _verify(presentation: dict[str, Any]) -> Any:
    return verify_presentation(
        presentation, resolver=_RESOLVER, challenge="9f1c2e0a", domain="verifier.example", now=NOW
    )


def test_the_untouched_presentation_verifies() -> None:
    result = _verify(copy.deepcopy(_SIGNED_VP))
    assert result.verified, (result.errors, [c.errors for c in result.credentials])
    assert any(p[:1] == ("verifiableCredential",) and "proofValue" in p for p in _VP_POSITIONS)


@settings(max_examples=200)
@given(data=st.data())
def test_any_change_to_a_signed_presentation_fails(data: st.DataObject) -> None:
    path = data.draw(st.sampled_from(_VP_POSITIONS), label="path")
    changed = tampered(data, _SIGNED_VP, path)
    result = _verify(changed)
    assert not result.verified
    assert result.errors
    assert all(error["code"] and error["message"] for error in result.errors)


# -- a BID document proof -------------------------------------------------------------------------

_OWNER = key("tamper bid owner")
_DOCUMENT = sign_document(
    updated_document(
        new_document(_OWNER, now=T_DOC, recovery_key=key("tamper bid recovery").public_key),
        now=T_DOC,
        services=[
            ("hub", "LinkedDomains", "https://hub.example"),
            ("x", "Other", "https://x.example"),
        ],
        add_keys=[key("tamper bid extra").public_key],
    ),
    _OWNER,
    creator=f"{_OWNER.bid()}#key-1",
).to_json()
_DOCUMENT_POSITIONS = [p for p in positions(_DOCUMENT) if p != ("proof", "signatureValue")]


def test_the_untouched_bid_document_verifies() -> None:
    assert verify_document_proof(BIDDocument.from_json(_DOCUMENT)) == "rfc"


@settings(max_examples=200)
@given(data=st.data())
def test_any_change_to_a_signed_bid_document_fails(data: st.DataObject) -> None:
    path = data.draw(st.sampled_from(_DOCUMENT_POSITIONS), label="path")
    changed = tampered(data, _DOCUMENT, path)
    with pytest.raises((InvalidDocument, InvalidSignature)) as info:
        verify_document_proof(BIDDocument.from_json(changed))
    assert type(info.value) in (InvalidDocument, InvalidSignature)


# -- a signed registry operation ------------------------------------------------------------------

_REFUSALS = (Unauthorized, Conflict, SequenceGap, Replay, ChainMismatch, DIDDeactivated)
_GENESIS = create_operation(
    updated_document(
        new_document(key("tamper op 1"), now=T_DOC, recovery_key=key("tamper op 2").public_key),
        now=T_DOC,
        services=[("a", "LinkedDomains", "https://a.example"), ("b", "Other", "https://b.example")],
    ),
    key("tamper op 1"),
)


def _clock() -> datetime:
    return T_DOC


class Registries:
    """The three backends, each holding the genesis; their whole visible state."""

    def __init__(self, directory: Path, guard: NetworkGuard) -> None:
        self.node = BifTestNode().start()
        guard.allow(int(urlsplit(self.node.url).port or 0))
        self.sqlite = SQLiteRegistry(directory / "tamper.db", clock=_clock)
        self.chain = BifRegistry(
            self.node.url,
            policy=HttpPolicy(allow_private_networks=True),
            account_keys=[key("tamper op 1")],
            clock=_clock,
        )
        self.all: tuple[Registry, ...] = (MemoryRegistry(clock=_clock), self.sqlite, self.chain)
        heads = [registry.submit(_GENESIS) for registry in self.all]
        assert heads[1:] == heads[:1] * 2
        self.head: Version = heads[0]
        self.update = next_operation(
            "update",
            self.head,
            key("tamper op 1"),
            document=updated_document(
                self.head.document,
                now=T_DOC,
                services=[("c", "LinkedDomains", "https://c.example")],
                remove_services=["a"],
            ),
        )
        self.wire = self.update.to_json()
        self.positions = list(positions(self.wire))

    def state(self) -> object:
        did = self.head.did
        with closing(sqlite3.connect(self.sqlite.path)) as connection:
            rows = connection.execute("SELECT * FROM operations ORDER BY id").fetchall()
        return (
            [(registry.history(did), registry.read(did)) for registry in self.all],
            rows,
            self.node.account(did),
            self.node.document(self.chain.contract.address, did),
            self.chain.node.ledger(),
        )

    def close(self) -> None:
        self.chain.close()
        self.sqlite.close()
        self.node.close()


@pytest.fixture
def registries(tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[Registries]:
    guard: NetworkGuard = request.getfixturevalue("no_network")
    opened = Registries(tmp_path, guard)
    yield opened
    opened.close()


@settings(max_examples=80, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_any_change_to_a_signed_operation_is_refused(
    registries: Registries, data: st.DataObject
) -> None:
    """The registries are shared by the examples on purpose: every example must leave them
    exactly as they were, which is what is asserted."""
    path = data.draw(st.sampled_from(registries.positions), label="path")
    changed = tampered(data, registries.wire, path)
    try:
        operation = Operation.from_json(changed)
    except InvalidOperation:
        return  # refused before any registry sees it
    assert operation.signed_bytes != registries.update.signed_bytes or (
        operation.signature != registries.update.signature
    )
    before = registries.state()
    refusals: list[type[BidError]] = []
    for registry in registries.all:
        with pytest.raises(_REFUSALS) as info:
            registry.submit(operation)
        refusals.append(type(info.value))
    assert refusals[0] in _REFUSALS
    assert refusals[1:] == refusals[:1] * 2
    assert registries.state() == before
