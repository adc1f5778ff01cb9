"""did:bid: the document and operation builders, and BidMethod resolution over a registry.

References: bid-method.md section 6.4 (the DDO contract rules the registry applies);
DID Core / DID Resolution document metadata (``created``, ``updated``, ``versionId``,
``nextVersionId``, ``deactivated``; XML dateTime in UTC without fractions) and the
``versionId`` / ``versionTime`` options; security.md section 3.3.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone, tzinfo
from typing import Any

import pytest

import bid
from bid._json import JSONValue
from bid.ddo import BID_CONTEXT
from bid.document import DIDDocument
from bid.methods.bid import (
    DEFAULT_TTL,
    BidMethod,
    create_operation,
    key_name,
    new_document,
    next_operation,
    recovered_document,
    updated_document,
)
from bid.methods.key import KeyMethod
from bid.registry import Operation, Version
from bid.resolver import MethodRouter, ResolutionResult

NS = "https://www.w3.org/ns/did#"
METADATA_TIME = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z")


def _ed(label: str) -> bid.Ed25519PrivateKey:
    return bid.Ed25519PrivateKey.from_seed(hashlib.sha256(label.encode()).digest())


def _sm2(label: str) -> bid.SM2PrivateKey:
    return bid.SM2PrivateKey.from_bytes(hashlib.sha256(label.encode()).digest())


def _keys(kind: str, label: str) -> bid.PrivateKey:
    if kind == "sm2" or (kind == "mixed" and label == "auth"):
        return _sm2(label)
    return _ed(label)


KINDS = ["ed25519", "sm2", "mixed"]

# Fixed times: the registry accepts each operation at the next one. T1 has a fraction of a
# second and T3 is given in UTC+8, to check the metadata format.
T1 = datetime(2024, 5, 1, 10, 0, 0, 123456, tzinfo=timezone.utc)
T2 = datetime(2024, 5, 2, 10, 0, 0, tzinfo=timezone.utc)
T3 = datetime(2024, 5, 3, 18, 30, 0, tzinfo=timezone(timedelta(hours=8)))  # 10:30Z
T4 = datetime(2024, 5, 4, 10, 0, 0, tzinfo=timezone.utc)
S1, S2, S3, S4 = (
    "2024-05-01T10:00:00Z",
    "2024-05-02T10:00:00Z",
    "2024-05-03T10:30:00Z",
    "2024-05-04T10:00:00Z",
)


class Clock:
    """A registry clock set by the test before each submission."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


@dataclass
class Life:
    """A BID through create (T1), update (T2), recover (T3) and deactivate (T4)."""

    registry: bid.MemoryRegistry
    clock: Clock
    did: str
    auth: bid.PrivateKey
    recovery: bid.PrivateKey
    extra: bid.PrivateKey
    new: bid.PrivateKey
    versions: list[Version]

    @property
    def method(self) -> BidMethod:
        return BidMethod(self.registry)

    def submit(self, op: Operation, at: datetime) -> Version:
        self.clock.now = at
        version = self.registry.submit(op)
        self.versions.append(version)
        return version


def _created(kind: str = "ed25519") -> Life:
    auth, recovery = _keys(kind, "auth"), _keys(kind, "recovery")
    extra, new = _keys(kind, "extra"), _keys(kind, "new")
    clock = Clock(T1)
    registry = bid.MemoryRegistry(clock=clock)
    document = new_document(
        auth,
        now=T1,
        services=[("hub", "DIDStorage", "https://hub.example.com")],
        recovery_key=recovery.public_key,
    )
    life = Life(registry, clock, document.id, auth, recovery, extra, new, [])
    life.submit(create_operation(document, auth), T1)
    return life


def _updated(kind: str = "ed25519") -> Life:
    life = _created(kind)
    head = life.versions[-1]
    document = updated_document(
        head.document,
        now=T2,
        services=[
            ("hub", "DIDStorage", "https://hub2.example.com"),
            ("resolver", "DIDResolver", "https://resolver.example.com"),
        ],
        add_keys=[life.extra.public_key],
    )
    life.submit(next_operation("update", head, life.auth, document=document), T2)
    return life


def _recovered(kind: str = "ed25519") -> Life:
    life = _updated(kind)
    head = life.versions[-1]
    document = recovered_document(head.document, life.new.public_key, now=T3)
    life.submit(next_operation("recover", head, life.recovery, document=document), T3)
    return life


def _deactivated(kind: str = "ed25519") -> Life:
    life = _recovered(kind)
    life.submit(next_operation("deactivate", life.versions[-1], life.new), T4)
    return life


def _ok(result: ResolutionResult) -> DIDDocument:
    assert result.error is None, result.did_resolution_metadata
    assert result.did_document is not None
    return result.did_document


def _assert_error(result: ResolutionResult, code: str, suffix: str) -> str:
    assert result.did_document is None
    assert result.error == code
    error = result.did_resolution_metadata["error"]
    assert isinstance(error, Mapping)
    assert error["type"] == NS + suffix
    assert error["title"]
    detail = error["detail"]
    assert isinstance(detail, str)
    assert detail
    return detail


def _ids(entries: Sequence[Any]) -> list[str]:
    return [str(entry["id"]) for entry in entries]


# -- resolution: documents and metadata -----------------------------------------------------


@pytest.mark.parametrize("kind", KINDS)
def test_resolve_after_create(kind: str) -> None:
    life = _created(kind)
    head = life.versions[-1]
    result = life.method.resolve(life.did)
    document = _ok(result)
    assert document == head.document.to_did_document()
    data = document.to_json()
    stored = head.document.to_json()
    assert data["id"] == life.did
    assert data["verificationMethod"] == stored["publicKey"]
    assert "publicKey" not in data
    assert data["authentication"] == [f"{life.did}#key-1"]
    assert data["assertionMethod"] == [f"{life.did}#key-1"]
    assert data["service"] == [
        {
            "id": f"{life.did}#hub",
            "type": "DIDStorage",
            "serviceEndpoint": "https://hub.example.com",
        }
    ]
    assert data["extension"]["recovery"] == [f"{life.did}#key-2"]
    assert dict(result.did_document_metadata) == {"created": S1, "updated": S1, "versionId": "1"}
    assert result.did_resolution_metadata["contentType"] == "application/did+ld+json"
    assert result.deactivated is False
    # the W3C view is a valid DID document and gives back the keys
    parsed = DIDDocument.from_json(data)
    assert parsed.find_verification_method("#key-1").public_key() == life.auth.public_key
    assert parsed.find_verification_method("#key-2").public_key() == life.recovery.public_key
    (authenticator,) = parsed.verification_methods("authentication")
    assert authenticator.public_key() == life.auth.public_key
    assert bid.BIDDocument.from_did_document(document) == head.document


def test_bid_prefix_follows_the_creating_key_type() -> None:
    assert _created("ed25519").did.startswith("did:bid:ef")
    assert _created("sm2").did.startswith("did:bid:zf")
    assert _created("mixed").did.startswith("did:bid:zf")
    sm2 = _created("sm2")
    data = _ok(sm2.method.resolve(sm2.did)).to_json()
    assert [entry["type"] for entry in data["verificationMethod"]] == ["SM2", "SM2"]
    assert data["verificationMethod"][0]["publicKeyHex"].startswith("b07a66")


@pytest.mark.parametrize("kind", KINDS)
def test_resolve_each_version(kind: str) -> None:
    life = _recovered(kind)
    method = life.method
    expected = [
        ({"created": S1, "updated": S1, "versionId": "1", "nextVersionId": "2"}),
        ({"created": S1, "updated": S2, "versionId": "2", "nextVersionId": "3"}),
        ({"created": S1, "updated": S3, "versionId": "3"}),
    ]
    for number, metadata in enumerate(expected, start=1):
        result = method.resolve(life.did, {"versionId": str(number)})
        assert _ok(result) == life.versions[number - 1].document.to_did_document()
        assert dict(result.did_document_metadata) == metadata
        for name in ("created", "updated"):
            assert METADATA_TIME.fullmatch(str(result.did_document_metadata[name]))
        DIDDocument.from_json(_ok(result).to_json())
    latest = method.resolve(life.did)
    assert latest.did_document == life.versions[2].document.to_did_document()
    assert dict(latest.did_document_metadata) == expected[2]
    assert "nextVersionId" not in latest.did_document_metadata


def test_resolved_updates_show_the_new_services_and_keys() -> None:
    life = _updated()
    data = _ok(life.method.resolve(life.did)).to_json()
    assert data["service"] == [
        {
            "id": f"{life.did}#hub",
            "type": "DIDStorage",
            "serviceEndpoint": "https://hub2.example.com",
        },
        {
            "id": f"{life.did}#resolver",
            "type": "DIDResolver",
            "serviceEndpoint": "https://resolver.example.com",
        },
    ]
    added = f"{life.did}#{key_name(life.extra.public_key)}"
    assert _ids(data["verificationMethod"]) == [f"{life.did}#key-1", f"{life.did}#key-2", added]
    assert data["authentication"] == [f"{life.did}#key-1", added]
    assert data["created"] == S1
    assert data["updated"] == S2


@pytest.mark.parametrize("kind", KINDS)
def test_resolve_a_deactivated_bid(kind: str) -> None:
    life = _deactivated(kind)
    result = life.method.resolve(life.did)
    document = _ok(result)
    assert document.to_json() == {"@context": [BID_CONTEXT], "id": life.did}
    assert result.deactivated is True
    assert dict(result.did_document_metadata) == {
        "created": S1,
        "updated": S4,
        "versionId": "4",
        "deactivated": True,
    }
    assert DIDDocument.from_json(document.to_json()) == document
    assert result.raise_for_error() == document  # deactivated is not an error
    by_id = life.method.resolve(life.did, {"versionId": "4"})
    assert by_id.deactivated is True
    assert by_id.did_document == document
    before = life.method.resolve(life.did, {"versionId": "3"})
    assert before.deactivated is False
    assert "deactivated" not in before.did_document_metadata
    assert before.did_document_metadata["nextVersionId"] == "4"
    assert before.did_document == life.versions[2].document.to_did_document()
    after = life.method.resolve(life.did, {"versionTime": "2030-01-01T00:00:00Z"})
    assert after.deactivated is True


def test_deactivated_bid_accepts_nothing_more() -> None:
    life = _deactivated()
    head = life.versions[-1]
    document = updated_document(head.document, now=T4, services=[("x", "DIDStorage", "https://x")])
    with pytest.raises(bid.DIDDeactivated):
        life.registry.submit(next_operation("update", head, life.new, document=document))
    assert len(life.registry.history(life.did)) == 4


# -- versionId and versionTime --------------------------------------------------------------


@pytest.mark.parametrize(
    ("version_time", "version_id"),
    [
        ("2024-05-01T10:00:00.123456Z", "1"),  # the exact creation time
        ("2024-05-01T10:00:01Z", "1"),
        ("2024-05-02T09:59:59Z", "1"),
        ("2024-05-02T10:00:00Z", "2"),  # exactly the update
        ("2024-05-02T18:00:00+08:00", "2"),  # 10:00Z
        ("2024-05-03T10:29:59Z", "2"),
        ("2024-05-03T10:30:00Z", "3"),
        ("2024-05-03T18:30:00+08:00", "3"),
        ("2099-12-31T23:59:59Z", "3"),
    ],
)
def test_version_time_selects_the_version_in_force(version_time: str, version_id: str) -> None:
    life = _recovered()
    result = life.method.resolve(life.did, {"versionTime": version_time})
    assert _ok(result) == life.versions[int(version_id) - 1].document.to_did_document()
    assert result.did_document_metadata["versionId"] == version_id


@pytest.mark.parametrize(
    "version_time", ["2024-05-01T10:00:00Z", "2024-05-01T10:00:00.123455Z", "1999-01-01T00:00:00Z"]
)
def test_version_time_before_creation_is_not_found(version_time: str) -> None:
    life = _recovered()
    _assert_error(
        life.method.resolve(life.did, {"versionTime": version_time}), "notFound", "NOT_FOUND"
    )


@pytest.mark.parametrize(
    "version_time",
    [
        "yesterday",
        "",
        "2024-05-02T10:00:00",  # no zone
        "2024-05-02 10:00",
        "2024-13-01T00:00:00Z",
        "2024-05-02T10:00:00ZZ",
        1714644000,
        True,
        ["2024-05-02T10:00:00Z"],
    ],
)
def test_malformed_version_time_is_invalid_options(version_time: JSONValue) -> None:
    life = _recovered()
    result = life.method.resolve(life.did, {"versionTime": version_time})
    _assert_error(result, "invalidOptions", "INVALID_OPTIONS")


def test_null_version_options_mean_the_latest_version() -> None:
    life = _recovered()
    for options in ({"versionId": None}, {"versionTime": None}):
        result = life.method.resolve(life.did, options)
        assert result.did_document_metadata["versionId"] == "3"


def test_version_id_and_version_time_exclude_each_other() -> None:
    life = _recovered()
    options: dict[str, JSONValue] = {"versionId": "1", "versionTime": "2024-05-02T10:00:00Z"}
    _assert_error(life.method.resolve(life.did, options), "invalidOptions", "INVALID_OPTIONS")


@pytest.mark.parametrize("version_id", ["0", "4", "99", "123456789012345678901234567890"])
def test_version_id_out_of_range_is_not_found(version_id: str) -> None:
    life = _recovered()
    detail = _assert_error(
        life.method.resolve(life.did, {"versionId": version_id}), "notFound", "NOT_FOUND"
    )
    assert "version" in detail


@pytest.mark.parametrize(
    "version_id", ["abc", "-1", "+1", "1.0", "", " 1", "1 ", "\u0661", "0x1", 1, 1.0, True]
)
def test_version_id_that_is_not_a_sequence_number_is_invalid_options(version_id: Any) -> None:
    life = _recovered()
    result = life.method.resolve(life.did, {"versionId": version_id})
    _assert_error(result, "invalidOptions", "INVALID_OPTIONS")


def test_huge_version_id_is_an_error_result() -> None:
    life = _created()
    options: dict[str, JSONValue] = {"versionId": "9" * 5000}
    for resolver in (life.method, MethodRouter([life.method])):
        result = resolver.resolve(life.did, options)
        assert result.did_document is None
        assert result.error in ("notFound", "invalidOptions")


def test_version_options_on_an_unknown_bid_are_not_found() -> None:
    registry = bid.MemoryRegistry(clock=Clock(T1))
    did = str(_ed("nobody").bid())
    for options in ({"versionId": "1"}, {"versionTime": "2024-05-01T10:00:00Z"}, {}):
        _assert_error(BidMethod(registry).resolve(did, options), "notFound", "NOT_FOUND")


# -- errors ---------------------------------------------------------------------------------


def test_unknown_bid_is_not_found() -> None:
    life = _created()
    for key in (_ed("stranger"), _sm2("stranger")):
        _assert_error(life.method.resolve(str(key.bid())), "notFound", "NOT_FOUND")
        _assert_error(life.method.resolve(str(key.bid("abcd"))), "notFound", "NOT_FOUND")
    # the same key on a sub-chain is another BID
    _assert_error(life.method.resolve(str(life.auth.bid("abcd"))), "notFound", "NOT_FOUND")


@pytest.mark.parametrize(
    "did",
    [
        "did:bid:",
        "did:bid:ef",
        "did:bid:efTooShort",
        "did:bid:xf" + "2" * 24,
        "did:bid:sf" + "2" * 24,
        "did:bid:es" + "2" * 24,
        "did:bid:ef" + "0" * 24,  # '0' is not in the BIF Base58 alphabet
        "did:bid:ABCD:ef" + "2" * 24,
        "did:bid:abcd:efgh:ef" + "2" * 24,
        "did:bid:abc",
        "did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK",
        "did:bid:ef" + "2" * 200,
        "not a did",
    ],
)
def test_malformed_bid_is_invalid_did(did: str) -> None:
    life = _created()
    _assert_error(life.method.resolve(did), "invalidDid", "INVALID_DID")


def test_the_created_bid_with_a_bad_character_is_invalid() -> None:
    life = _created()
    _assert_error(life.method.resolve(life.did + " "), "invalidDid", "INVALID_DID")
    _assert_error(life.method.resolve(life.did + "#key-1"), "invalidDid", "INVALID_DID")
    _assert_error(life.method.resolve(life.did.upper()), "invalidDid", "INVALID_DID")


@pytest.mark.parametrize("did", ["did:bid:abcd", "did:bid:0000", "did:bid:a1b2"])
def test_ac_only_bid_is_not_found_with_a_sub_chain_message(did: str) -> None:
    registry = bid.MemoryRegistry(clock=Clock(T1))
    detail = _assert_error(BidMethod(registry).resolve(did), "notFound", "NOT_FOUND")
    assert "sub-chain" in detail
    result = MethodRouter([KeyMethod(), BidMethod(registry)]).resolve(did)
    assert result.error == "notFound"


class BrokenRegistry:
    """A registry whose stored log fails its integrity checks on every read."""

    def __init__(self) -> None:
        self.reads = 0

    def read(self, did: str) -> Version | None:
        self.reads += 1
        raise bid.IntegrityError(f"the stored log of {did} is corrupt at seq 2")

    def submit(self, operation: Operation) -> Version:
        raise bid.IntegrityError("read-only")

    def history(self, did: str) -> Sequence[Version]:
        self.reads += 1
        raise bid.IntegrityError(f"the stored log of {did} is corrupt at seq 2")


@pytest.mark.parametrize(
    "options", [None, {"versionId": "1"}, {"versionTime": "2024-05-01T10:00:00Z"}]
)
def test_registry_integrity_error_is_an_internal_error_result(options: Any) -> None:
    registry = BrokenRegistry()
    did = str(_ed("auth").bid())
    for resolver in (BidMethod(registry), MethodRouter([KeyMethod(), BidMethod(registry)])):
        result = resolver.resolve(did, options)
        detail = _assert_error(result, "internalError", "INTERNAL_ERROR")
        assert "corrupt" in detail
        with pytest.raises(bid.ResolutionError):
            result.raise_for_error()
    assert registry.reads == 2


def test_router_resolves_both_methods() -> None:
    life = _updated("sm2")
    key = _ed("did key holder")
    router = MethodRouter([KeyMethod(), BidMethod(life.registry)])
    bid_result = router.resolve(life.did)
    assert _ok(bid_result) == life.versions[-1].document.to_did_document()
    assert bid_result.did_document_metadata["versionId"] == "2"
    key_result = router.resolve(key.did_key)
    assert _ok(key_result).id == key.did_key
    assert _ok(key_result).verification_method[0].public_key() == key.public_key
    assert router.resolve(life.did, {"versionId": "1"}).did_document == (
        life.versions[0].document.to_did_document()
    )
    assert router.resolve("did:web:example.com").error == "methodNotSupported"
    assert BidMethod(life.registry).name == "bid"


def test_bid_with_an_ac_code_resolves() -> None:
    key = _ed("ac holder")
    clock = Clock(T1)
    registry = bid.MemoryRegistry(clock=clock)
    document = new_document(key, now=T1, ac="abcd")
    assert document.id.startswith("did:bid:abcd:ef")
    registry.submit(create_operation(document, key))
    result = BidMethod(registry).resolve(document.id)
    assert _ok(result) == document.to_did_document()
    _assert_error(BidMethod(registry).resolve(str(key.bid())), "notFound", "NOT_FOUND")


# -- builders -------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", KINDS)
def test_new_document_with_services_and_a_recovery_key(kind: str) -> None:
    auth, recovery = _keys(kind, "auth"), _keys(kind, "recovery")
    document = new_document(
        auth,
        now=T3,
        services=[
            ("hub", "DIDStorage", "https://hub.example.com"),
            ("#resolver", "DIDResolver", "https://resolver.example.com"),
            ("did:bid:efother#svc", "DIDDecrypt", "https://other.example.com"),
        ],
        recovery_key=recovery.public_key,
    )
    did = str(auth.bid())
    type_name = {"ed25519": "Ed25519", "sm2": "SM2"}
    assert document.to_json() == {
        "@context": [BID_CONTEXT],
        "version": "1.0.0",
        "id": did,
        "publicKey": [
            {
                "id": f"{did}#key-1",
                "type": type_name[auth.key_type],
                "controller": did,
                "publicKeyHex": auth.public_key.to_bif(),
            },
            {
                "id": f"{did}#key-2",
                "type": type_name[recovery.key_type],
                "controller": did,
                "publicKeyHex": recovery.public_key.to_bif(),
            },
        ],
        "authentication": [f"{did}#key-1"],
        "assertionMethod": [f"{did}#key-1"],
        "extension": {"recovery": [f"{did}#key-2"], "ttl": DEFAULT_TTL, "type": 101},
        "created": S3,
        "updated": S3,
        "service": [
            {
                "id": f"{did}#hub",
                "type": "DIDStorage",
                "serviceEndpoint": "https://hub.example.com",
            },
            {
                "id": f"{did}#resolver",
                "type": "DIDResolver",
                "serviceEndpoint": "https://resolver.example.com",
            },
            {
                "id": "did:bid:efother#svc",
                "type": "DIDDecrypt",
                "serviceEndpoint": "https://other.example.com",
            },
        ],
    }
    assert document.key(f"{did}#key-1") == auth.public_key
    assert document.key(f"{did}#key-2") == recovery.public_key
    assert document.recovery == (f"{did}#key-2",)
    assert document.authentication == (f"{did}#key-1",)


def test_new_document_without_a_recovery_key_recovers_with_the_creating_key() -> None:
    key = _ed("alone")
    document = new_document(key, now=T1)
    did = document.id
    assert _ids(document.public_keys) == [f"{did}#key-1"]
    assert document.recovery == (f"{did}#key-1",)
    assert "service" not in document.to_json()
    assert document.created == S1
    assert document.updated == S1


def test_updated_document_adds_replaces_and_removes_services() -> None:
    life = _created()
    current = life.versions[-1].document
    before = current.to_json()
    added = updated_document(
        current, now=T2, services=[("resolver", "DIDResolver", "https://r.example.com")]
    )
    assert _ids(added.services) == [f"{life.did}#hub", f"{life.did}#resolver"]
    assert added.updated == S2
    assert added.created == S1
    replaced = updated_document(
        added, now=T2, services=[("#hub", "DIDStorageV2", "https://new-hub.example.com")]
    )
    hubs = [s for s in replaced.services if s["id"] == f"{life.did}#hub"]
    assert hubs == [
        {
            "id": f"{life.did}#hub",
            "type": "DIDStorageV2",
            "serviceEndpoint": "https://new-hub.example.com",
        }
    ]
    assert len(replaced.services) == 2
    removed = updated_document(replaced, now=T2, remove_services=["resolver"])
    assert _ids(removed.services) == [f"{life.did}#hub"]
    emptied = updated_document(removed, now=T2, remove_services=["#hub"])
    assert "service" not in emptied.to_json()
    # remove then re-add in one call
    swapped = updated_document(
        added, now=T2, remove_services=["hub"], services=[("hub", "DIDStorage", "https://h2")]
    )
    assert _ids(swapped.services) == [f"{life.did}#resolver", f"{life.did}#hub"]
    assert current.to_json() == before  # the input is not changed
    # keys and relationships are untouched by service edits
    assert removed.public_keys == current.public_keys
    assert removed.authentication == current.authentication


@pytest.mark.parametrize("name", ["nope", "#nope", "HUB"])
def test_removing_a_missing_service_is_invalid_input(name: str) -> None:
    current = _created().versions[-1].document
    with pytest.raises(bid.InvalidInput, match="no service"):
        updated_document(current, now=T2, remove_services=[name])
    emptied = updated_document(current, now=T2, remove_services=["hub"])
    with pytest.raises(bid.InvalidInput):
        updated_document(emptied, now=T2, remove_services=["hub"])


@pytest.mark.parametrize("kind", KINDS)
def test_add_keys_names_each_key_after_itself(kind: str) -> None:
    life = _created(kind)
    current = life.versions[-1].document
    one, two = _keys(kind, "one"), _keys("sm2" if kind == "ed25519" else "ed25519", "two")
    document = updated_document(current, now=T2, add_keys=[one.public_key, two.public_key])
    did = life.did
    id_one, id_two = f"{did}#{key_name(one.public_key)}", f"{did}#{key_name(two.public_key)}"
    assert key_name(one.public_key) == "key-" + str(one.public_key.bid())[10:22]
    assert _ids(document.public_keys) == [f"{did}#key-1", f"{did}#key-2", id_one, id_two]
    assert document.key(id_one) == one.public_key
    assert document.key(id_two) == two.public_key
    assert document.authentication == (f"{did}#key-1", id_one, id_two)
    assert document.to_json()["assertionMethod"] == [f"{did}#key-1", id_one, id_two]
    assert document.recovery == current.recovery
    # A removed key's id is never given to another key.
    data = document.to_json()
    data["publicKey"] = [k for k in data["publicKey"] if k["id"] != id_one]
    data["authentication"] = [k for k in data["authentication"] if k != id_one]
    data["assertionMethod"] = [k for k in data["assertionMethod"] if k != id_one]
    gapped = bid.BIDDocument.from_json(data)
    three = _keys(kind, "three")
    refilled = updated_document(gapped, now=T2, add_keys=[three.public_key])
    assert f"{did}#{key_name(three.public_key)}" != id_one
    assert id_one not in _ids(refilled.public_keys)
    # and the added key can sign the next update
    updated = life.submit(
        next_operation("update", life.versions[-1], life.auth, document=document), T2
    )
    again = updated_document(updated.document, now=T3, services=[("x", "DIDStorage", "https://x")])
    life.submit(next_operation("update", updated, one, document=again), T3)
    assert _ok(life.method.resolve(life.did)).find_service("#x").service_endpoint == "https://x"


def test_adding_a_key_twice_is_invalid_input() -> None:
    life = _created()
    current = life.versions[-1].document
    with pytest.raises(bid.InvalidInput):
        updated_document(current, now=T2, add_keys=[life.auth.public_key])
    with pytest.raises(bid.InvalidInput):
        updated_document(current, now=T2, add_keys=[life.recovery.public_key])
    extra = _ed("twice").public_key
    with pytest.raises(bid.InvalidInput):
        updated_document(current, now=T2, add_keys=[extra, extra])


@pytest.mark.parametrize("kind", KINDS)
def test_recovered_document_keeps_only_the_recovery_keys_and_the_new_key(kind: str) -> None:
    life = _updated(kind)
    current = life.versions[-1].document
    assert len(current.public_keys) == 3  # key-1 auth, key-2 recovery, one added
    document = recovered_document(current, life.new.public_key, now=T3)
    did = life.did
    new_id = f"{did}#{key_name(life.new.public_key)}"
    assert _ids(document.public_keys) == [f"{did}#key-2", new_id]
    assert document.key(f"{did}#key-2") == life.recovery.public_key
    assert document.key(new_id) == life.new.public_key
    assert document.authentication == (new_id,)
    assert document.to_json()["assertionMethod"] == [new_id]
    assert document.recovery == current.recovery
    assert document.services == current.services
    assert document.created == S1
    assert document.updated == S3
    for old in (life.auth, life.extra):
        assert all(k["publicKeyHex"] != old.public_key.to_bif() for k in document.public_keys)


def test_recovery_with_the_creating_key_as_recovery_key() -> None:
    key, new = _ed("solo"), _ed("solo new")
    clock = Clock(T1)
    registry = bid.MemoryRegistry(clock=clock)
    first = new_document(key, now=T1)
    head = registry.submit(create_operation(first, key))
    document = recovered_document(head.document, new.public_key, now=T2)
    did = first.id
    new_id = f"{did}#{key_name(new.public_key)}"
    assert _ids(document.public_keys) == [f"{did}#key-1", new_id]
    assert document.authentication == (new_id,)
    clock.now = T2
    head = registry.submit(next_operation("recover", head, key, document=document))
    # key-1 is still the recovery key but can no longer update
    change = updated_document(head.document, now=T3, services=[("a", "DIDStorage", "https://a")])
    with pytest.raises(bid.Unauthorized):
        registry.submit(next_operation("update", head, key, document=change))
    clock.now = T3
    registry.submit(next_operation("update", head, new, document=change))
    assert len(registry.history(did)) == 3


@pytest.mark.parametrize("kind", KINDS)
def test_after_a_recover_only_the_new_key_can_update(kind: str) -> None:
    life = _recovered(kind)
    head = life.versions[-1]
    change = updated_document(
        head.document, now=T4, services=[("after", "DIDStorage", "https://a")]
    )
    # the old authentication key (and the key added by the update) are gone from the document
    for old in (life.auth, life.extra):
        with pytest.raises(bid.Unauthorized):
            next_operation("update", head, old, document=change)
        forged = Operation.sign(
            "update",
            did=life.did,
            seq=head.seq + 1,
            previous=head.hash,
            key=old,
            signer=f"{life.did}#key-1",
            document=change,
        )
        with pytest.raises(bid.Unauthorized):
            life.registry.submit(forged)
    # the recovery key may recover but not update
    with pytest.raises(bid.Unauthorized):
        life.registry.submit(next_operation("update", head, life.recovery, document=change))
    assert len(life.registry.history(life.did)) == 3
    assert life.method.resolve(life.did).did_document_metadata["versionId"] == "3"
    version = life.submit(next_operation("update", head, life.new, document=change), T4)
    assert version.seq == 4
    resolved = _ok(life.method.resolve(life.did))
    assert resolved.find_service("#after").service_endpoint == "https://a"
    assert life.method.resolve(life.did).did_document_metadata["updated"] == S4


def test_recover_must_be_signed_by_a_recovery_key() -> None:
    life = _updated()
    head = life.versions[-1]
    document = recovered_document(head.document, life.new.public_key, now=T3)
    with pytest.raises(bid.Unauthorized):
        life.registry.submit(next_operation("recover", head, life.auth, document=document))
    assert len(life.registry.history(life.did)) == 2


def test_naive_datetimes_are_invalid_input() -> None:
    naive = datetime(2024, 5, 1, 10, 0, 0)
    key = _ed("naive")
    current = new_document(key, now=T1)
    with pytest.raises(bid.InvalidInput, match="timezone"):
        new_document(key, now=naive)
    with pytest.raises(bid.InvalidInput, match="timezone"):
        updated_document(current, now=naive, services=[("a", "DIDStorage", "https://a")])
    with pytest.raises(bid.InvalidInput, match="timezone"):
        recovered_document(current, _ed("naive new").public_key, now=naive)
    # a tzinfo whose utcoffset() is None makes a naive datetime too
    with pytest.raises(bid.InvalidInput, match="timezone"):
        new_document(key, now=datetime(2024, 5, 1, tzinfo=NoOffset()))


class NoOffset(tzinfo):
    """A tzinfo that knows no offset: datetimes with it are naive."""

    def utcoffset(self, dt: datetime | None) -> None:
        return None

    def dst(self, dt: datetime | None) -> None:
        return None

    def tzname(self, dt: datetime | None) -> str:
        return "?"


def test_builder_times_are_utc_without_fraction() -> None:
    key = _ed("times")
    document = new_document(key, now=T3)
    assert document.created == S3
    later = updated_document(document, now=T1 + timedelta(days=10), add_keys=[_ed("k").public_key])
    assert later.updated == "2024-05-11T10:00:00Z"
    assert later.created == S3


def test_registry_acceptance_time_is_the_metadata_time() -> None:
    # the document's own created/updated come from the builder; the metadata from the registry
    key = _ed("clock")
    clock = Clock(T2)
    registry = bid.MemoryRegistry(clock=clock)
    document = new_document(key, now=T1)
    registry.submit(create_operation(document, key))
    result = BidMethod(registry).resolve(document.id)
    assert _ok(result).to_json()["created"] == S1
    assert result.did_document_metadata["created"] == S2
    assert result.did_document_metadata["updated"] == S2
