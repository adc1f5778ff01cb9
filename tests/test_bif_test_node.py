"""The BIF test node: real HTTP on loopback, real keys, real signed blobs.

Every transaction here is built with bif_tx.build_transaction, signed with sign_blob and
sent as submit_body writes it, so the node is exercised through the wire format a real
client uses.
"""

from __future__ import annotations

import subprocess
import sys
import threading
from collections.abc import Iterator, Sequence
from datetime import datetime, timedelta, timezone
from typing import Any

import httpx
import pytest

from bid._json import dumps_compact
from bid.backends.bif_tx import (
    DDOContract,
    Operation,
    build_transaction,
    contract_input,
    create_account,
    evaluate_body,
    pay_coin,
    set_metadata,
    sign_blob,
    submit_body,
    transaction_hash,
)
from bid.backends.proto import chain_pb2
from bid.errors import InvalidInput
from bid.keys import Ed25519PrivateKey, PrivateKey, SM2PrivateKey
from bid.testing import BifTestNode, bif_node

LEGACY = DDOContract.LEGACY
CURRENT = DDOContract.CURRENT
ALICE = Ed25519PrivateKey.from_seed(bytes([1]) * 32)
BOB = Ed25519PrivateKey.from_seed(bytes([2]) * 32)
DAVE = Ed25519PrivateKey.from_seed(bytes([4]) * 32)
CAROL_SM2 = SM2PrivateKey.from_bytes(bytes(31) + b"\x07")
ALICE_BID = str(ALICE.bid())
BOB_BID = str(BOB.bid())
DAVE_BID = str(DAVE.bid())
CONTEXT = ["https://www.w3.org/ns/did/v1"]


class Wire:
    """The node's HTTP API as a client sees it (every answer must be HTTP 200)."""

    def __init__(self, client: httpx.Client) -> None:
        self.client = client

    def get(self, path: str, **params: str) -> dict[str, Any]:
        response = self.client.get(path, params=params)
        assert response.status_code == 200, response.text
        answer: dict[str, Any] = response.json()
        return answer

    def post(self, path: str, body: Any) -> dict[str, Any]:
        response = self.client.post(path, json=body)
        assert response.status_code == 200, response.text
        answer: dict[str, Any] = response.json()
        return answer

    def submit_blob(self, blob: bytes, signers: Sequence[PrivateKey]) -> dict[str, Any]:
        """Submit one blob signed by ``signers``; its result entry."""
        body = submit_body([(blob, [sign_blob(blob, key) for key in signers])])
        answer = self.post("/submitTransaction", body)
        assert answer["error_code"] == 0
        results: list[dict[str, Any]] = answer["result"]["results"]
        assert len(results) == 1
        assert answer["result"]["success_count"] == (1 if results[0]["error_code"] == 0 else 0)
        return results[0]

    def submit(
        self,
        key: PrivateKey,
        operations: Sequence[Operation],
        *,
        nonce: int,
        source: str | None = None,
        signers: Sequence[PrivateKey] | None = None,
        fee_limit: int = 1_000_000,
    ) -> dict[str, Any]:
        """Build, sign (by ``key`` unless ``signers``) and submit one transaction."""
        blob = build_transaction(
            source=source or str(key.bid()),
            nonce=nonce,
            operations=operations,
            fee_limit=fee_limit,
        )
        result = self.submit_blob(blob, signers or [key])
        assert result["hash"] == transaction_hash(blob)
        return result

    def record(self, hash: str) -> dict[str, Any]:
        """The history record of an executed transaction."""
        answer = self.get("/getTransactionHistory", hash=hash)
        assert answer["error_code"] == 0, answer
        assert answer["result"]["total_count"] == 1
        record: dict[str, Any] = answer["result"]["transactions"][0]
        return record

    def outcome(self, key: PrivateKey, operations: Sequence[Operation], **kw: Any) -> Any:
        """Submit (it must be admitted) and return the executed record's (code, desc)."""
        result = self.submit(key, operations, **kw)
        assert result["error_code"] == 0, result
        record = self.record(result["hash"])
        return record["error_code"], record["error_desc"]

    def query(self, contract: str, bid: str, *, input: str | None = None) -> dict[str, Any]:
        body = {
            "opt_type": 2,
            "fee_limit": 1_000_000,
            "contract_address": contract,
            "input": input if input is not None else contract_input("queryBid", id=bid),
        }
        return self.post("/callContract", body)

    def stored(self, contract: str, bid: str) -> str | None:
        """The document text the contract query returns, or None (10706)."""
        answer = self.query(contract, bid)
        assert answer["error_code"] == 0
        ret = answer["result"]["query_rets"][0]
        if "error" in ret:
            assert ret["error"]["data"]["exception"].startswith("10706")
            return None
        assert ret["result"]["type"] == "string"
        value: str = ret["result"]["value"]
        return value

    def nonce(self, address: str) -> int:
        answer = self.get("/getAccountBase", address=address)
        assert answer["error_code"] == 0, answer
        nonce: int = answer["result"]["nonce"]
        return nonce


def document(
    bid: str,
    *,
    authentication: Sequence[str] | None = None,
    recovery: Sequence[str] | None = None,
    context: bool = True,
) -> dict[str, Any]:
    doc: dict[str, Any] = {"@context": CONTEXT} if context else {}
    doc["id"] = bid
    doc["authentication"] = list(authentication or [f"{bid}#key-1"])
    if recovery is not None:
        doc["extension"] = {"recovery": list(recovery)}
    return doc


def create(contract: DDOContract, doc: dict[str, Any]) -> Operation:
    return pay_coin(contract.address, input=contract.create_input(doc))


def update(contract: DDOContract, doc: dict[str, Any]) -> Operation:
    return pay_coin(contract.address, input=contract.update_input(doc))


@pytest.fixture
def node() -> Iterator[BifTestNode]:
    with BifTestNode() as running:
        yield running


@pytest.fixture
def wire(node: BifTestNode) -> Iterator[Wire]:
    with httpx.Client(base_url=node.url, timeout=30) as client:
        yield Wire(client)


# -- the DDO contract ---------------------------------------------------------------------------


def test_create_then_read_back_through_call_contract(node: BifTestNode, wire: Wire) -> None:
    doc = document(ALICE_BID)
    result = wire.submit(ALICE, [create(LEGACY, doc)], nonce=1)
    assert result["error_code"] == 0
    record = wire.record(result["hash"])
    assert (record["error_code"], record["error_desc"]) == (0, "")
    assert record["ledger_seq"] == 2
    assert record["transaction"]["source_address"] == ALICE_BID
    assert wire.stored(LEGACY.address, ALICE_BID) == dumps_compact(doc)
    assert node.document(LEGACY.address, ALICE_BID) == dumps_compact(doc)
    assert wire.stored(CURRENT.address, ALICE_BID) is None  # each contract has its own store
    assert wire.nonce(ALICE_BID) == 1


def test_update_by_the_documents_own_account(node: BifTestNode, wire: Wire) -> None:
    wire.outcome(ALICE, [create(LEGACY, document(ALICE_BID))], nonce=1)
    changed = document(ALICE_BID)
    changed["service"] = [{"id": "#hub", "type": "Hub", "serviceEndpoint": "https://x.test"}]
    assert wire.outcome(ALICE, [update(LEGACY, changed)], nonce=2) == (0, "")
    assert wire.stored(LEGACY.address, ALICE_BID) == dumps_compact(changed)


def test_update_by_another_account_is_refused(node: BifTestNode, wire: Wire) -> None:
    original = document(ALICE_BID)
    wire.outcome(ALICE, [create(LEGACY, original)], nonce=1)
    hijack = document(ALICE_BID, authentication=[f"{BOB_BID}#key-1"])
    code, desc = wire.outcome(BOB, [update(LEGACY, hijack)], nonce=1)
    assert code == bif_node.CONTRACT_EXECUTE_FAIL == 151
    assert desc.startswith("10707")
    assert wire.stored(LEGACY.address, ALICE_BID) == dumps_compact(original)


def test_authentication_entries_may_be_objects(wire: Wire) -> None:
    entry = {"id": f"{BOB_BID}#key-1", "type": "Ed25519VerificationKey2020"}
    wire.outcome(ALICE, [create(LEGACY, document(ALICE_BID, authentication=[]))], nonce=1)
    wire.outcome(
        ALICE, [update(LEGACY, {**document(ALICE_BID), "authentication": [entry]})], nonce=2
    )
    assert wire.outcome(BOB, [update(LEGACY, document(ALICE_BID))], nonce=1) == (0, "")


def test_create_twice_is_10703(wire: Wire) -> None:
    wire.outcome(ALICE, [create(LEGACY, document(ALICE_BID))], nonce=1)
    code, desc = wire.outcome(
        BOB, [create(LEGACY, document(ALICE_BID, authentication=[]))], nonce=1
    )
    assert code == 151
    assert desc.startswith("10703")
    assert wire.stored(LEGACY.address, ALICE_BID) == dumps_compact(document(ALICE_BID))


def test_create_without_context_is_10700(wire: Wire) -> None:
    code, desc = wire.outcome(ALICE, [create(LEGACY, document(ALICE_BID, context=False))], nonce=1)
    assert code == 151
    assert desc.startswith("10700")
    assert wire.stored(LEGACY.address, ALICE_BID) is None


def test_create_with_an_invalid_id_is_10702(wire: Wire) -> None:
    doc = {"@context": CONTEXT, "id": "did:bid:not-a-bid"}
    code, desc = wire.outcome(ALICE, [create(LEGACY, doc)], nonce=1)
    assert code == 151
    assert desc.startswith("10702")


def test_update_of_a_missing_document_is_10706(wire: Wire) -> None:
    code, desc = wire.outcome(ALICE, [update(LEGACY, document(ALICE_BID))], nonce=1)
    assert (code, desc[:5]) == (151, "10706")


def test_ac_contract_is_hosted_with_the_same_rules(wire: Wire) -> None:
    assert LEGACY.ac_address is not None
    ac_doc = {"@context": CONTEXT, "id": "did:bid:abcd", "authentication": [f"{ALICE_BID}#k"]}
    op = pay_coin(LEGACY.ac_address, input=LEGACY.create_input(ac_doc))
    assert wire.outcome(ALICE, [op], nonce=1) == (0, "")
    assert wire.stored(LEGACY.ac_address, "did:bid:abcd") == dumps_compact(ac_doc)
    assert wire.stored(LEGACY.address, "did:bid:abcd") is None


def test_reauth_by_the_recovery_account(wire: Wire) -> None:
    doc = document(ALICE_BID, recovery=[f"{BOB_BID}#key-1"])
    wire.outcome(ALICE, [create(CURRENT, doc)], nonce=1)
    reauth = pay_coin(CURRENT.address, input=CURRENT.reauth_input(ALICE_BID, [f"{BOB_BID}#k2"]))
    assert wire.outcome(BOB, [reauth], nonce=1) == (0, "")
    expected = {**doc, "authentication": [f"{BOB_BID}#k2"]}
    assert wire.stored(CURRENT.address, ALICE_BID) == dumps_compact(expected)
    # authentication moved: the old key may no longer update, the new one may
    code, desc = wire.outcome(ALICE, [update(CURRENT, doc)], nonce=2)
    assert (code, desc[:5]) == (151, "10707")
    assert wire.outcome(BOB, [update(CURRENT, doc)], nonce=2) == (0, "")


def test_reauth_by_an_account_not_in_recovery_is_10709(wire: Wire) -> None:
    doc = document(ALICE_BID, recovery=[f"{BOB_BID}#key-1"])
    wire.outcome(ALICE, [create(CURRENT, doc)], nonce=1)
    reauth = pay_coin(CURRENT.address, input=CURRENT.reauth_input(ALICE_BID, [f"{DAVE_BID}#k"]))
    code, desc = wire.outcome(DAVE, [reauth], nonce=1)
    assert (code, desc[:5]) == (151, "10709")
    assert wire.stored(CURRENT.address, ALICE_BID) == dumps_compact(doc)


@pytest.mark.parametrize("recovery", [None, []])
def test_reauth_without_recovery_entries_is_10710(wire: Wire, recovery: list[str] | None) -> None:
    doc = document(ALICE_BID, recovery=recovery)
    wire.outcome(ALICE, [create(CURRENT, doc)], nonce=1)
    reauth = pay_coin(CURRENT.address, input=CURRENT.reauth_input(ALICE_BID, [f"{ALICE_BID}#2"]))
    code, desc = wire.outcome(ALICE, [reauth], nonce=2)
    assert (code, desc[:5]) == (151, "10710")
    assert wire.stored(CURRENT.address, ALICE_BID) == dumps_compact(doc)


def test_legacy_contract_has_no_reauth(wire: Wire) -> None:
    wire.outcome(ALICE, [create(LEGACY, document(ALICE_BID, recovery=[ALICE_BID]))], nonce=1)
    text = contract_input("reAuth", id=ALICE_BID, authentication=[f"{ALICE_BID}#2"])
    code, desc = wire.outcome(ALICE, [pay_coin(LEGACY.address, input=text)], nonce=2)
    assert code == 151
    assert "unknown method" in desc


def test_contract_input_that_is_not_a_call_fails(wire: Wire) -> None:
    code, desc = wire.outcome(ALICE, [pay_coin(LEGACY.address, input="[1,2]")], nonce=1)
    assert code == 151
    assert "method" in desc


def test_payment_to_an_ordinary_account_has_no_effect(wire: Wire) -> None:
    assert wire.outcome(ALICE, [pay_coin(BOB_BID, amount=5)], nonce=1) == (0, "")
    assert wire.get("/getAccountBase", address=ALICE_BID)["result"]["balance"] == 0


# -- contract queries -----------------------------------------------------------------------------


def test_call_contract_refusals(wire: Wire) -> None:
    assert wire.query(ALICE_BID, ALICE_BID)["error_code"] == bif_node.NOT_EXIST == 4
    assert wire.query(LEGACY.address, ALICE_BID, input="not json")["error_code"] == 2
    creation = LEGACY.create_input(document(ALICE_BID))
    assert wire.query(LEGACY.address, ALICE_BID, input=creation)["error_code"] == 2
    no_id = contract_input("queryBid", other=1)
    assert wire.query(LEGACY.address, ALICE_BID, input=no_id)["error_code"] == 2
    other_opt = {"opt_type": 1, "contract_address": LEGACY.address, "input": "{}"}
    assert wire.post("/callContract", other_opt)["error_code"] == 2
    missing = wire.query(LEGACY.address, ALICE_BID)
    assert missing["error_code"] == 0
    exception = missing["result"]["query_rets"][0]["error"]["data"]["exception"]
    assert exception == "10706: document not existed"


# -- accounts and metadata ------------------------------------------------------------------------


def test_unknown_and_invalid_accounts(wire: Wire) -> None:
    answer = wire.get("/getAccountBase", address=ALICE_BID)
    assert answer == {"error_code": 4, "error_desc": f"Account ({ALICE_BID}) not exist"}
    assert wire.get("/getAccount", address=ALICE_BID)["error_code"] == 4
    assert wire.get("/getAccountBase", address="did:bid:nope")["error_code"] == 2
    assert wire.get("/getAccountBase", address="did:bid:abcd")["error_code"] == 2  # a sub-chain
    response = wire.client.get("/getAccountBase")
    assert response.status_code == 400
    assert response.json()["error_code"] == 2
    # the hosted contract addresses exist from the start
    assert wire.nonce(LEGACY.address) == 0


def test_set_metadata_versions(node: BifTestNode, wire: Wire) -> None:
    assert wire.outcome(ALICE, [set_metadata("k", "v1")], nonce=1) == (0, "")
    assert wire.outcome(ALICE, [set_metadata("k", "v2", version=1)], nonce=2) == (0, "")
    code, desc = wire.outcome(ALICE, [set_metadata("k", "v3", version=1)], nonce=3)
    assert code == 2
    assert "metadata version mismatch" in desc
    code, _ = wire.outcome(ALICE, [set_metadata("other", "x", version=5)], nonce=4)
    assert code == 2
    assert wire.outcome(ALICE, [set_metadata("a", "first")], nonce=5) == (0, "")
    result = wire.get("/getAccount", address=ALICE_BID)["result"]
    assert result["nonce"] == 5
    assert result["balance"] == 0
    assert result["metadatas"] == [
        {"key": "a", "value": "first", "version": 1},
        {"key": "k", "value": "v2", "version": 2},
    ]
    only = wire.get("/getAccount", address=ALICE_BID, key="k")["result"]["metadatas"]
    assert only == [{"key": "k", "value": "v2", "version": 2}]
    assert "metadatas" not in wire.get("/getAccount", address=ALICE_BID, key="none")["result"]
    deletion = set_metadata("k", "", version=2, delete_flag=True)
    assert wire.outcome(ALICE, [deletion], nonce=6) == (0, "")
    account = node.account(ALICE_BID)
    assert account == {"address": ALICE_BID, "nonce": 6, "metadatas": {"a": ("first", 1)}}


def test_operations_are_all_or_nothing(node: BifTestNode, wire: Wire) -> None:
    ops = [set_metadata("k", "v"), update(LEGACY, document(ALICE_BID))]
    code, desc = wire.outcome(ALICE, ops, nonce=1)
    assert (code, desc[:5]) == (151, "10706")
    assert node.account(ALICE_BID) == {"address": ALICE_BID, "nonce": 1, "metadatas": {}}


def test_create_account(wire: Wire) -> None:
    op = create_account(BOB_BID, metadatas=[("role", "tester")])
    assert wire.outcome(ALICE, [op], nonce=1) == (0, "")
    result = wire.get("/getAccount", address=BOB_BID)["result"]
    assert result["nonce"] == 0
    assert result["metadatas"] == [{"key": "role", "value": "tester", "version": 1}]
    code, _ = wire.outcome(ALICE, [create_account(BOB_BID)], nonce=2)
    assert code == bif_node.ALREADY_EXISTS == 3
    code, _ = wire.outcome(ALICE, [create_account(DAVE_BID, contract="function main(){}")], nonce=3)
    assert code == bif_node.NOT_SUPPORTED == 160
    assert wire.get("/getAccountBase", address=DAVE_BID)["error_code"] == 4


def test_unsupported_operation_type_is_160(wire: Wire) -> None:
    tx = chain_pb2.Transaction(source_address=ALICE_BID, nonce=1, fee_limit=10**6, gas_price=100)
    op = tx.operations.add()
    op.type = chain_pb2.Operation.Type.LOG
    blob = tx.SerializeToString(deterministic=True)
    result = wire.submit_blob(blob, [ALICE])
    assert result["error_code"] == 0
    record = wire.record(result["hash"])
    assert record["error_code"] == 160
    assert wire.nonce(ALICE_BID) == 1


# -- admission: hashes, nonces, signatures --------------------------------------------------------


def test_replayed_blob_is_already_exists(wire: Wire) -> None:
    blob = build_transaction(source=ALICE_BID, nonce=1, operations=[set_metadata("k", "v")])
    assert wire.submit_blob(blob, [ALICE])["error_code"] == 0
    again = wire.submit_blob(blob, [ALICE])
    assert again["error_code"] == bif_node.ALREADY_EXISTS
    assert again["hash"] == transaction_hash(blob)
    assert wire.nonce(ALICE_BID) == 1


def test_stale_and_future_nonces_are_bad_sequence(wire: Wire) -> None:
    wire.outcome(ALICE, [set_metadata("k", "v")], nonce=1)
    stale = wire.submit(ALICE, [set_metadata("k", "other")], nonce=1)
    assert stale["error_code"] == bif_node.BAD_SEQUENCE == 99
    future = wire.submit(ALICE, [set_metadata("k", "other")], nonce=3)
    assert future["error_code"] == 99
    history = wire.get("/getTransactionHistory", hash=stale["hash"])
    assert history["error_code"] == 4  # refused at admission: never recorded
    assert wire.nonce(ALICE_BID) == 1


def test_a_failed_transaction_consumes_its_nonce(wire: Wire) -> None:
    code, _ = wire.outcome(ALICE, [update(LEGACY, document(ALICE_BID))], nonce=1)
    assert code == 151
    assert wire.nonce(ALICE_BID) == 1
    assert wire.submit(ALICE, [set_metadata("k", "v")], nonce=1)["error_code"] == 99
    assert wire.outcome(ALICE, [set_metadata("k", "v")], nonce=2) == (0, "")


def test_signature_from_a_wrong_key_is_refused(wire: Wire) -> None:
    result = wire.submit(ALICE, [set_metadata("k", "v")], nonce=1, signers=[BOB])
    assert result["error_code"] == bif_node.INVALID_SIGNATURE == 93
    assert result["error_desc"] == f"signature weight not enough for {ALICE_BID}"
    assert wire.get("/getAccountBase", address=ALICE_BID)["error_code"] == 4


def test_no_signature_at_all_is_refused(wire: Wire) -> None:
    blob = build_transaction(source=ALICE_BID, nonce=1, operations=[set_metadata("k", "v")])
    item = {"transaction_blob": blob.hex(), "signatures": []}
    answer = wire.post("/submitTransaction", {"items": [item]})
    assert answer["result"]["results"][0]["error_code"] == 93


def test_a_tampered_blob_fails_its_signature(wire: Wire) -> None:
    blob = build_transaction(
        source=ALICE_BID, nonce=1, operations=[create(LEGACY, document(ALICE_BID))]
    )
    signature = sign_blob(blob, ALICE)
    tampered = blob.replace(b"creation", b"creatioN")
    assert tampered != blob
    answer = wire.post("/submitTransaction", submit_body([(tampered, [signature])]))
    assert answer["result"]["results"][0]["error_code"] == 93
    assert answer["result"]["success_count"] == 0
    assert wire.get("/getTxCacheSize")["result"]["queue_size"] == 0
    assert wire.stored(LEGACY.address, ALICE_BID) is None


def test_blobs_that_do_not_decode_are_invalid_parameter(wire: Wire) -> None:
    signature = sign_blob(b"\xff\xff", ALICE)
    items = [
        {"transaction_blob": "ffff", "signatures": [signature]},
        {"transaction_blob": "not hex", "signatures": [signature]},
        {"transaction_blob": 12, "signatures": [signature]},
    ]
    answer = wire.post("/submitTransaction", {"items": items})
    assert [r["error_code"] for r in answer["result"]["results"]] == [2, 2, 2]
    assert answer["result"]["success_count"] == 0


def test_a_blob_with_unknown_fields_is_invalid_parameter(wire: Wire) -> None:
    blob = build_transaction(source=ALICE_BID, nonce=1, operations=[set_metadata("k", "v")])
    extended = blob + b"\x98\x06\x01"  # field 99, varint 1: not in chain.proto
    assert wire.submit_blob(extended, [ALICE])["error_code"] == 2


def test_an_operation_source_must_sign_too(node: BifTestNode, wire: Wire) -> None:
    ops = [set_metadata("k", "from bob", source_address=BOB_BID)]
    refused = wire.submit(ALICE, ops, nonce=1)
    assert refused["error_code"] == 93
    assert refused["error_desc"] == f"signature weight not enough for {BOB_BID}"
    accepted = wire.submit(ALICE, ops, nonce=1, signers=[ALICE, BOB])
    assert accepted["error_code"] == 0
    assert wire.record(accepted["hash"])["error_code"] == 0
    assert node.account(BOB_BID) == {
        "address": BOB_BID,
        "nonce": 0,
        "metadatas": {"k": ("from bob", 1)},
    }
    assert wire.nonce(ALICE_BID) == 1


def test_the_sender_of_a_contract_call_is_the_operation_source(wire: Wire) -> None:
    wire.outcome(ALICE, [create(LEGACY, document(ALICE_BID))], nonce=1)
    op = pay_coin(
        LEGACY.address, input=LEGACY.update_input(document(ALICE_BID)), source_address=ALICE_BID
    )
    assert wire.outcome(BOB, [op], nonce=1, signers=[BOB, ALICE]) == (0, "")


@pytest.mark.parametrize(
    "form",
    ["zf", "zf-ac", "ef-ac"],
)
def test_sm2_accounts(wire: Wire, form: str) -> None:
    bid = {
        "zf": CAROL_SM2.bid(),
        "zf-ac": CAROL_SM2.bid("abcd"),
        "ef-ac": CAROL_SM2.bid("abcd", sdk_compat=True),
    }[form]
    source = str(bid)
    assert source.split(":")[-1][:2] == form[:2]
    ops = [set_metadata("k", "sm2")]
    assert wire.outcome(CAROL_SM2, ops, nonce=1, source=source) == (0, "")
    assert wire.nonce(source) == 1
    refused = wire.submit(ALICE, ops, nonce=2, source=source)
    assert refused["error_code"] == 93


# -- fees -----------------------------------------------------------------------------------------


def test_fee_limit_too_low_fails_and_evaluation_gives_the_fee(wire: Wire) -> None:
    op = create(LEGACY, document(ALICE_BID))
    probe = build_transaction(source=ALICE_BID, nonce=1, operations=[op])
    evaluated = wire.post("/testTransaction", evaluate_body([probe]))
    assert evaluated["error_code"] == 0
    tx = evaluated["result"]["txs"][0]
    size = len(LEGACY.create_input(document(ALICE_BID)).encode("utf-8"))
    fee = 100 * (1000 + 100 + size)
    assert tx["actual_fee"] == fee
    assert tx["transaction_env"]["transaction"] == {"fee_limit": fee, "gas_price": 100}
    code, _ = wire.outcome(ALICE, [op], nonce=1, fee_limit=fee - 1)
    assert code == bif_node.FEE_NOT_ENOUGH == 111
    assert wire.stored(LEGACY.address, ALICE_BID) is None
    assert wire.nonce(ALICE_BID) == 1  # the nonce is consumed all the same
    result = wire.submit(ALICE, [op], nonce=2, fee_limit=fee)
    record = wire.record(result["hash"])
    assert (record["error_code"], record["actual_fee"]) == (0, fee)
    assert wire.stored(LEGACY.address, ALICE_BID) is not None


def test_evaluation_counts_metadata_and_a_given_gas_price(wire: Wire) -> None:
    item = {
        "transaction_json": {
            "gas_price": 7,
            "operations": [{"set_metadata": {"key": "ab", "value": "ü"}}, {"type": 7}],
        }
    }
    answer = wire.post("/testTransaction", {"items": [item]})
    assert answer["result"]["txs"][0]["actual_fee"] == 7 * (1000 + 100 + 2 + 2 + 100)
    response = wire.client.post("/testTransaction", json={"items": [{"transaction_json": 1}]})
    assert response.status_code == 400
    assert response.json()["error_code"] == 2


# -- ledgers --------------------------------------------------------------------------------------


def test_auto_close_false_keeps_transactions_pending() -> None:
    with BifTestNode(auto_close=False) as node, httpx.Client(base_url=node.url) as client:
        wire = Wire(client)
        first = wire.submit(ALICE, [set_metadata("k", "1")], nonce=1)
        second = wire.submit(ALICE, [set_metadata("k", "2")], nonce=2)  # counts the queued one
        assert [first["error_code"], second["error_code"]] == [0, 0]
        assert node.pending() == [first["hash"], second["hash"]]
        assert wire.get("/getTransactionHistory", hash=first["hash"])["error_code"] == 4
        assert wire.get("/getTxCacheSize")["result"] == {"queue_size": 2}
        assert wire.get("/getLedger")["result"]["header"]["seq"] == 1
        assert wire.get("/getAccountBase", address=ALICE_BID)["error_code"] == 4
        assert node.close_ledger() == 2
        assert node.pending() == []
        assert wire.get("/getTxCacheSize")["result"] == {"queue_size": 0}
        history = wire.get("/getTransactionHistory", ledger_seq="2")["result"]
        assert history["total_count"] == 2
        assert [t["hash"] for t in history["transactions"]] == [first["hash"], second["hash"]]
        assert [t["error_code"] for t in history["transactions"]] == [0, 0]
        assert node.account(ALICE_BID) == {
            "address": ALICE_BID,
            "nonce": 2,
            "metadatas": {"k": ("2", 2)},
        }
        node.auto_close = True
        third = wire.submit(ALICE, [set_metadata("k", "3")], nonce=3)
        assert wire.record(third["hash"])["ledger_seq"] == 3


def _micros(moment: datetime) -> int:
    return int(moment.replace(microsecond=0).timestamp()) * 1_000_000 + moment.microsecond


def test_ledgers_follow_the_injected_clock() -> None:
    start = datetime(2024, 5, 6, 7, 8, 9, 123456, tzinfo=timezone.utc)
    now = [start]
    with BifTestNode(clock=lambda: now[0]) as node, httpx.Client(base_url=node.url) as client:
        wire = Wire(client)
        genesis = wire.get("/getLedger")["result"]["header"]
        assert genesis["seq"] == 1
        assert genesis["close_time"] == _micros(start) == 1714979289123456
        assert genesis["tx_count"] == 0
        assert genesis["version"] == 1000
        now[0] = start + timedelta(seconds=3)
        result = wire.submit(ALICE, [set_metadata("k", "v")], nonce=1)
        latest = wire.get("/getLedger")["result"]["header"]
        assert latest["seq"] == 2
        assert latest["close_time"] == _micros(now[0])
        assert latest["previous_hash"] == genesis["hash"]
        assert latest["hash"] != genesis["hash"]
        assert len(latest["hash"]) == 64
        assert latest["tx_count"] == 1
        assert wire.get("/getLedger", seq="1")["result"]["header"] == genesis
        assert wire.record(result["hash"])["close_time"] == latest["close_time"]
        assert wire.get("/getLedger", seq="3")["error_code"] == 4
        assert wire.client.get("/getLedger", params={"seq": "x"}).status_code == 400
        empty = wire.get("/getTransactionHistory", ledger_seq="1")["result"]
        assert empty == {"total_count": 0, "transactions": []}
        assert wire.get("/getTransactionHistory", ledger_seq="9")["error_code"] == 4


def test_history_record_shape(wire: Wire) -> None:
    blob = build_transaction(source=ALICE_BID, nonce=1, operations=[set_metadata("k", "v")])
    signature = sign_blob(blob, ALICE)
    result = wire.submit_blob(blob, [ALICE])
    record = wire.record(result["hash"])
    assert record["tx_size"] == len(blob)
    assert record["signatures"] == [signature]
    assert record["actual_fee"] == 100 * (1000 + 100 + 2)
    assert record["transaction"]["nonce"] == 1
    assert record["transaction"]["operations"][0]["set_metadata"]["value"] == "v"


# -- HTTP -----------------------------------------------------------------------------------------


def test_fail_next_answers_the_given_status(node: BifTestNode, wire: Wire) -> None:
    node.fail_next(2)
    for _ in range(2):
        response = wire.client.get("/getLedger")
        assert response.status_code == 503
        assert response.json()["error_code"] == bif_node.INTERNAL_ERROR
    assert wire.get("/getLedger")["error_code"] == 0
    node.fail_next(1, status=500)
    assert wire.client.post("/callContract", json={}).status_code == 500
    assert wire.client.get("/getTxCacheSize").status_code == 200
    assert node.requests[-5:] == [
        ("GET", "/getLedger"),
        ("GET", "/getLedger"),
        ("GET", "/getLedger"),
        ("POST", "/callContract"),
        ("GET", "/getTxCacheSize"),
    ]


def test_unknown_paths_and_methods(wire: Wire) -> None:
    response = wire.client.get("/getNothing", params={"a": "1"})
    assert response.status_code == 404
    assert response.json()["error_code"] != 0
    assert wire.client.get("/submitTransaction").status_code == 405


def test_malformed_bodies_are_400(wire: Wire) -> None:
    for content in (b"{", b"[]", b'{"items": 3}', b'{"items": []}', b'{"a":1,"a":2}'):
        response = wire.client.post("/submitTransaction", content=content)
        assert response.status_code == 400, content
        assert response.json()["error_code"] == 2
        assert "result" not in response.json()


def test_repeated_query_parameters_are_400(wire: Wire) -> None:
    response = wire.client.get(f"/getAccountBase?address={ALICE_BID}&address={BOB_BID}")
    assert response.status_code == 400


def test_oversize_body_is_413(wire: Wire) -> None:
    response = wire.client.post("/submitTransaction", content=b" " * (bif_node.MAX_BODY_BYTES + 1))
    assert response.status_code == 413
    assert response.json()["error_code"] == 2
    assert wire.get("/getTxCacheSize")["error_code"] == 0  # still serving


def test_concurrent_submissions_are_serialized(node: BifTestNode) -> None:
    keys = [Ed25519PrivateKey.from_seed(bytes([10 + i]) * 32) for i in range(8)]
    codes: list[int] = []

    def send(key: Ed25519PrivateKey) -> None:
        with httpx.Client(base_url=node.url, timeout=30) as client:
            result = Wire(client).submit(key, [set_metadata("k", "v")], nonce=1)
            codes.append(result["error_code"])

    threads = [threading.Thread(target=send, args=(key,)) for key in keys]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert codes == [0] * 8
    assert node.close_ledger() == 10  # genesis + one ledger per submission
    assert all(node.account(str(key.bid())) is not None for key in keys)


# -- inspection and tampering ---------------------------------------------------------------------


def test_tamper_document_is_what_queries_return(node: BifTestNode, wire: Wire) -> None:
    wire.outcome(ALICE, [create(LEGACY, document(ALICE_BID))], nonce=1)
    node.tamper_document(LEGACY.address, ALICE_BID, "not json")
    assert wire.stored(LEGACY.address, ALICE_BID) == "not json"
    code, _ = wire.outcome(ALICE, [update(LEGACY, document(ALICE_BID))], nonce=2)
    assert code == 151  # the unreadable stored document fails the contract call
    node.tamper_document(LEGACY.address, ALICE_BID, None)
    assert node.document(LEGACY.address, ALICE_BID) is None
    with pytest.raises(InvalidInput):
        node.tamper_document(ALICE_BID, ALICE_BID, "{}")
    with pytest.raises(InvalidInput):
        node.document(ALICE_BID, ALICE_BID)


def test_tamper_metadata_bumps_versions(node: BifTestNode, wire: Wire) -> None:
    node.tamper_metadata(BOB_BID, "k", "a")
    node.tamper_metadata(BOB_BID, "k", "b")
    entries = wire.get("/getAccount", address=BOB_BID)["result"]["metadatas"]
    assert entries == [{"key": "k", "value": "b", "version": 2}]
    node.tamper_metadata(BOB_BID, "k", None)
    assert "metadatas" not in wire.get("/getAccount", address=BOB_BID)["result"]
    assert node.account(DAVE_BID) is None


def test_life_cycle_and_arguments() -> None:
    node = BifTestNode(contracts=[CURRENT])
    with pytest.raises(RuntimeError):
        _ = node.url
    node.start()
    try:
        assert node.url.startswith("http://127.0.0.1:")
        with pytest.raises(RuntimeError):
            node.start()
        with httpx.Client(base_url=node.url) as client:
            assert Wire(client).query(LEGACY.address, ALICE_BID)["error_code"] == 4
    finally:
        node.close()
    node.close()  # idempotent
    with pytest.raises(InvalidInput):
        node.fail_next(-1)
    other = DDOContract(address=CURRENT.address, create_method="make")
    with pytest.raises(InvalidInput):
        BifTestNode(contracts=[CURRENT, other])


@pytest.mark.slow
def test_imports_without_protobuf() -> None:
    code = (
        "import sys\n"
        "sys.modules['google.protobuf'] = None\n"
        "from bid.testing import BifTestNode\n"
        "node = BifTestNode()\n"
        "assert 'google.protobuf' not in [m for m in sys.modules if sys.modules[m]]\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=False
    )
    assert result.returncode == 0, result.stderr
