"""The BIF transaction codec: vectors rebuilt byte for byte, signatures, laws and refusals.

The sig-ed25519-01..04 vectors of bid-vectors.json carry real serialized transactions
(bid-method.md 7.3): 01 from the Go SDK's tests, 02 and 03 from the offline-API document,
04 from BID-SDK-JAVA's signBlob demo (a pre-BIF, Bubi-era layout, see its own test).
"""

from __future__ import annotations

import dataclasses
import hashlib
import importlib.util
import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

import bid
from bid.backends import bif_tx
from bid.backends.bif_tx import (
    CreateAccount,
    DDOContract,
    Operation,
    OperationType,
    PayCoin,
    SetMetadata,
    build_transaction,
    contract_input,
    create_account,
    decode_transaction,
    evaluate_body,
    pay_coin,
    set_metadata,
    sign_blob,
    submit_body,
    transaction_hash,
    verify_blob,
)
from bid.backends.proto import chain_pb2
from bid.strategies import bids

ROOT = Path(__file__).resolve().parent.parent
PROTO_DIR = ROOT / "src" / "bid" / "backends" / "proto"
TX_VECTOR_IDS = ["sig-ed25519-01", "sig-ed25519-02", "sig-ed25519-03", "sig-ed25519-04"]
BIF_LAYOUT_IDS = TX_VECTOR_IDS[:3]  # 04 is a Bubi-era blob, see test_vector_04_...
ALICE = "did:bid:efzQ19tQmZV8BV6PE7HhuoV8f8bduNvY"
BOB = "did:bid:efNiQPEGnhTPqaFatoF1p9wgr152P68F"


def _vector(vectors: Callable[[str], Any], vector_id: str) -> dict[str, Any]:
    found: dict[str, Any] = next(v for v in vectors("bid-vectors.json") if v["id"] == vector_id)
    return found


def _blob(vector: dict[str, Any]) -> bytes:
    return bytes.fromhex(vector["message"])


def _operation_from_view(view: dict[str, Any]) -> Operation:
    """Rebuild an operation from its decode_transaction view with the public helpers."""
    common: dict[str, Any] = {
        "source_address": view["source_address"],
        "metadata": bytes.fromhex(view["metadata"]),
    }
    if view["type"] == OperationType.PAY_COIN:
        body = view["pay_coin"]
        return pay_coin(body["dest_address"], amount=body["amount"], input=body["input"], **common)
    if view["type"] == OperationType.CREATE_ACCOUNT:
        body = view["create_account"]
        contract = body.get("contract", {"type": 0, "payload": ""})
        return create_account(
            body["dest_address"],
            init_balance=body["init_balance"],
            master_weight=body["priv"]["master_weight"],
            tx_threshold=body["priv"]["thresholds"]["tx_threshold"],
            contract=contract["payload"],
            contract_type=contract["type"],
            init_input=body["init_input"],
            metadatas=[(pair["key"], pair["value"]) for pair in body["metadatas"]],
            **common,
        )
    assert view["type"] == OperationType.SET_METADATA
    body = view["set_metadata"]
    return set_metadata(
        body["key"],
        body["value"],
        version=body["version"],
        delete_flag=body["delete_flag"],
        **common,
    )


def _rebuild(view: dict[str, Any]) -> bytes:
    """build_transaction from a decode_transaction view."""
    return build_transaction(
        source=view["source_address"],
        nonce=view["nonce"],
        operations=[_operation_from_view(op) for op in view["operations"]],
        fee_limit=view["fee_limit"],
        gas_price=view["gas_price"],
        ceil_ledger_seq=view["ceil_ledger_seq"],
        metadata=bytes.fromhex(view["metadata"]),
        chain_id=view["chain_id"],
        domain_id=view["domain_id"],
    )


def _flip(data: bytes, bit: int) -> bytes:
    out = bytearray(data)
    out[bit // 8] ^= 1 << (bit % 8)
    return bytes(out)


# -- the generated code ---------------------------------------------------------------------------


def _load_generator() -> Any:
    spec = importlib.util.spec_from_file_location("gen_proto", ROOT / "tools" / "gen_proto.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_committed_generated_modules_match_a_fresh_generation(tmp_path: Path) -> None:
    if importlib.util.find_spec("grpc_tools") is None:  # pragma: no cover - never skipped
        pytest.fail("grpcio-tools is missing: install the dev extras (pip install -e '.[dev]')")
    written = _load_generator().generate(tmp_path)
    assert sorted(p.name for p in written) == ["chain_pb2.py", "chain_pb2.pyi"]
    for path in written:
        committed = (PROTO_DIR / path.name).read_bytes()
        assert path.read_bytes() == committed, (
            f"{path.name} is stale: run  .venv/bin/python tools/gen_proto.py  and commit"
        )


def test_operation_type_mirrors_the_proto_enum() -> None:
    values = chain_pb2.Operation.Type.items()
    assert [(m.name, m.value) for m in OperationType] == list(values)


# -- the vectors ----------------------------------------------------------------------------------


def test_vector_01_decodes_to_the_fields_its_note_describes(vectors: Callable[[str], Any]) -> None:
    blob = _blob(_vector(vectors, "sig-ed25519-01"))
    assert decode_transaction(blob) == {
        "source_address": ALICE,
        "nonce": 1,
        "expr_condition": "",
        "operations": [
            {
                "type": 7,
                "source_address": "",
                "metadata": "",
                "pay_coin": {
                    "dest_address": BOB,
                    "amount": 1,
                    "input": '{"bar":"foo"}',
                    "raw_dest_address": "",
                },
                "raw_source_address": "",
            }
        ],
        "metadata": "0123456789abcdef",  # not UTF-8: the field must be bytes
        "fee_limit": 1_000_000,
        "gas_price": 1,
        "ceil_ledger_seq": 0,
        "chain_id": 0,
        "address_prefix": "",
        "raw_source_address": "",
        "domain_id": 0,
    }
    assert transaction_hash(blob) == (
        "dcf8e4ed65a501cef2cfd33d62f9322425ffad3e19332fed61cfa956cb181934"
    )


def test_vector_01_is_built_by_the_helpers(vectors: Callable[[str], Any]) -> None:
    blob = _blob(_vector(vectors, "sig-ed25519-01"))
    built = build_transaction(
        source=bid.BID.parse(ALICE),
        nonce=1,
        operations=[pay_coin(BOB, amount=1, input='{"bar":"foo"}')],
        fee_limit=1_000_000,
        gas_price=1,
        metadata=bytes.fromhex("0123456789abcdef"),
    )
    assert built == blob


@pytest.mark.parametrize("vector_id", BIF_LAYOUT_IDS)
def test_vector_rebuilds_identically_from_its_decoded_fields(
    vectors: Callable[[str], Any], vector_id: str
) -> None:
    blob = _blob(_vector(vectors, vector_id))
    assert _rebuild(decode_transaction(blob)) == blob


@pytest.mark.parametrize("vector_id", TX_VECTOR_IDS)
def test_vector_signature_verifies(vectors: Callable[[str], Any], vector_id: str) -> None:
    vector = _vector(vectors, vector_id)
    verify_blob(_blob(vector), vector["signature"], vector["public_key"])


@pytest.mark.parametrize("vector_id", TX_VECTOR_IDS)
def test_vector_resigned_with_its_private_key_gives_the_same_signature(
    vectors: Callable[[str], Any], vector_id: str
) -> None:
    vector = _vector(vectors, vector_id)
    key = bid.parse_private_key(vector["private_key"])
    assert sign_blob(_blob(vector), key) == {
        "sign_data": vector["signature"].lower(),  # 04 is Java's upper-case hex
        "public_key": vector["public_key"],
    }


@pytest.mark.parametrize("vector_id", TX_VECTOR_IDS)
def test_vector_hash_is_sha256_of_the_blob(vectors: Callable[[str], Any], vector_id: str) -> None:
    blob = _blob(_vector(vectors, vector_id))
    assert transaction_hash(blob) == hashlib.sha256(blob).hexdigest()


@pytest.mark.parametrize("vector_id", TX_VECTOR_IDS)
def test_vector_with_any_bit_flipped_fails_verification(
    vectors: Callable[[str], Any], vector_id: str
) -> None:
    vector = _vector(vectors, vector_id)
    blob, signature = _blob(vector), bytes.fromhex(vector["signature"])
    for bit in range(len(blob) * 8):
        with pytest.raises(bid.InvalidSignature):
            verify_blob(_flip(blob, bit), vector["signature"], vector["public_key"])
    for bit in range(len(signature) * 8):
        with pytest.raises(bid.InvalidSignature):
            verify_blob(blob, _flip(signature, bit).hex(), vector["public_key"])


def test_vector_04_is_a_bubi_era_blob_whose_body_bif_does_not_define(
    vectors: Callable[[str], Any],
) -> None:
    # BID-SDK-JAVA's demo signs an old Bubi-chain transaction: hex addresses ("a002..."),
    # and Operation.create_account at field 5 where BIF's chain.proto has it at 4. Under
    # BIF's schema the body is an unknown field: reported, never dropped.
    blob = _blob(_vector(vectors, "sig-ed25519-04"))
    view = decode_transaction(blob)
    assert view["source_address"] == "a002d8345b89dc34a57574eb497635ff125a3799fe77b6"
    assert (view["nonce"], view["fee_limit"], view["gas_price"]) == (1, 0, 0)
    [op] = view["operations"]
    assert op["type"] == OperationType.CREATE_ACCOUNT
    assert "create_account" not in op
    [unknown] = op["unknown_fields"]
    assert (unknown["field"], unknown["wire_type"]) == (5, 2)

    # The unknown bytes are exactly a BIF OperationCreateAccount...
    body = chain_pb2.OperationCreateAccount.FromString(bytes.fromhex(unknown["value"]))
    assert body.dest_address == "a002f866c7f415e7194a926118cc55e4ce999eb29b164a"
    assert body.contract.payload.startswith("function main(inputStr){")
    assert (body.priv.master_weight, body.priv.thresholds.tx_threshold) == (10, 7)
    assert [(kp.key, kp.value) for kp in body.metadatas] == [
        ("hello", "这是创建账号的过程中设置的一个metadata")
    ]
    # ... and the BIF encoding of the same transaction differs only in that field's tag.
    tx = chain_pb2.Transaction.FromString(blob)
    tx.operations[0].create_account.CopyFrom(body)
    tx.DiscardUnknownFields()
    bif_blob = tx.SerializeToString()
    tag_at = blob.index(bytes([5 << 3 | 2]) + bytes.fromhex("b401"))
    assert bif_blob == blob[:tag_at] + bytes([4 << 3 | 2]) + blob[tag_at + 1 :]

    with pytest.raises(bid.InvalidInput, match="does not define"):
        evaluate_body([blob])


# -- laws -----------------------------------------------------------------------------------------

_INT64 = st.integers(min_value=0, max_value=2**63 - 1)
_addresses = bids(key_types=["ed25519"]).map(str)
_maybe_address = st.just("") | _addresses
_text = st.text(max_size=40)


@st.composite
def _operations(draw: st.DrawFn) -> Operation:
    common: dict[str, Any] = {
        "source_address": draw(_maybe_address),
        "metadata": draw(st.binary(max_size=8)),
    }
    kind = draw(st.sampled_from(["pay", "create", "meta"]))
    if kind == "pay":
        return pay_coin(draw(_addresses), amount=draw(_INT64), input=draw(_text), **common)
    if kind == "create":
        contract = draw(_text)
        return create_account(
            draw(_addresses),
            init_balance=draw(_INT64),
            master_weight=draw(_INT64),
            tx_threshold=draw(_INT64),
            contract=contract,
            contract_type=draw(_INT64) if contract else 0,
            init_input=draw(_text),
            metadatas=draw(st.lists(st.tuples(_text, _text), max_size=3)),
            **common,
        )
    return set_metadata(
        draw(st.text(min_size=1, max_size=20)),
        draw(_text),
        version=draw(_INT64),
        delete_flag=draw(st.booleans()),
        **common,
    )


_transactions = st.fixed_dictionaries(
    {
        "source": _addresses,
        "nonce": st.integers(min_value=1, max_value=2**63 - 1),
        "operations": st.lists(_operations(), min_size=1, max_size=3),
        "fee_limit": _INT64,
        "gas_price": _INT64,
        "ceil_ledger_seq": _INT64,
        "metadata": st.binary(max_size=16),
        "chain_id": _INT64,
        "domain_id": _INT64,
    }
)


@given(_transactions)
def test_build_decode_build_is_the_identity(args: dict[str, Any]) -> None:
    blob = build_transaction(**args)
    view = decode_transaction(blob)
    assert _rebuild(view) == blob
    assert view["source_address"] == args["source"]
    assert view["nonce"] == args["nonce"]
    assert view["metadata"] == args["metadata"].hex()
    assert [op["type"] for op in view["operations"]] == [op.type for op in args["operations"]]
    assert "unknown_fields" not in json.dumps(view)
    # The fee-evaluation body carries the same transaction, defaults left out.
    [item] = evaluate_body([blob])["items"]
    assert item["transaction_json"]["source_address"] == args["source"]


@given(st.binary(max_size=300))
def test_arbitrary_bytes_decode_or_raise_parse_error(data: bytes) -> None:
    try:
        view = decode_transaction(data)
    except bid.ParseError:
        return
    assert view["source_address"]
    assert view["operations"]
    json.dumps(view)  # JSON-friendly all the way down


def test_every_cut_inside_a_field_raises_parse_error(vectors: Callable[[str], Any]) -> None:
    # Vector 01's top-level fields end at 42 (source), 44 (nonce), 109 (the operation),
    # 119 (metadata), 123 (fee_limit) and 125 (gas_price). A prefix is a transaction only
    # when it ends on a boundary after the operation; every other cut is refused.
    blob = _blob(_vector(vectors, "sig-ed25519-01"))
    decodable = set()
    for length in range(len(blob)):
        try:
            decode_transaction(blob[:length])
        except bid.ParseError:
            continue
        decodable.add(length)
    assert decodable == {109, 119, 123}


@pytest.mark.parametrize(
    "garbage",
    [
        b"",  # the empty message: no source, no operations
        b"\x00",  # field number 0
        b"\xff" * 11,  # a varint longer than 10 bytes
        b"\x0a\x05ab",  # a length beyond the end
        b"\x0a\x01\xff",  # source_address that is not UTF-8
        b"\x0c",  # an end-group tag without its start
        b"\x22\x02\x08\x07",  # an operation but no source address
        b"\x0a\x01a",  # a source address but no operation
        b"\x0a\x01a\x22\x03\x52\x01\xff",  # a truncated body inside the operation
    ],
)
def test_garbage_raises_parse_error(garbage: bytes) -> None:
    with pytest.raises(bid.ParseError):
        decode_transaction(garbage)


def test_unknown_fields_of_every_wire_type_are_reported_not_dropped() -> None:
    def tag(number: int, wire_type: int) -> bytes:  # a two-byte varint key: 16 <= number < 2048
        key = number << 3 | wire_type
        return bytes([key & 0x7F | 0x80, key >> 7])

    minimal = build_transaction(source=ALICE, nonce=1, operations=[pay_coin(BOB)])
    extra = b"".join(
        [
            tag(50, 0) + b"\xac\x02",  # varint 300
            tag(51, 1) + (7).to_bytes(8, "little"),  # fixed64
            tag(52, 5) + (9).to_bytes(4, "little"),  # fixed32
            tag(53, 2) + b"\x02\xbe\xef",  # length-delimited
            tag(54, 3) + b"\x08\x05" + tag(54, 4),  # a group holding field 1 = 5
        ]
    )
    view = decode_transaction(minimal + extra)
    assert view["unknown_fields"] == [
        {"field": 50, "wire_type": 0, "value": 300},
        {"field": 51, "wire_type": 1, "value": 7},
        {"field": 52, "wire_type": 5, "value": 9},
        {"field": 53, "wire_type": 2, "value": "beef"},
        {"field": 54, "wire_type": 3, "value": [{"field": 1, "wire_type": 0, "value": 5}]},
    ]
    # Known fields are read as usual, and the signature covers the unknown bytes too.
    assert view["source_address"] == ALICE
    key = bid.Ed25519PrivateKey.from_seed(bytes(32))
    signature = sign_blob(minimal + extra, key)
    with pytest.raises(bid.InvalidSignature):
        verify_blob(minimal, signature["sign_data"], signature["public_key"])


def test_an_operation_bif_does_not_detail_keeps_its_body() -> None:
    # SET_SIGNER_WEIGHT's body layout is not in the reference: its message is empty and
    # the bytes inside it come back as that message's unknown fields.
    op = b"\x08\x05" + b"\x42\x02\x08\x01"  # type 5, set_signer_weight {1: 1}
    blob = b"\x0a" + bytes([len(ALICE)]) + ALICE.encode() + b"\x22" + bytes([len(op)]) + op
    [view] = decode_transaction(blob)["operations"]
    assert view["type"] == OperationType.SET_SIGNER_WEIGHT
    assert view["set_signer_weight"] == {
        "unknown_fields": [{"field": 1, "wire_type": 0, "value": 1}]
    }


def test_hex_text_instead_of_bytes_raises_parse_error(vectors: Callable[[str], Any]) -> None:
    message = _vector(vectors, "sig-ed25519-01")["message"]
    with pytest.raises(bid.ParseError):
        decode_transaction(message.encode("ascii"))


# -- SM2 ------------------------------------------------------------------------------------------


def test_sm2_sign_then_verify_a_blob() -> None:
    key = bid.SM2PrivateKey.generate()
    blob = build_transaction(source=key.bid(), nonce=7, operations=[pay_coin(BOB, amount=5)])
    first, second = sign_blob(blob, key), sign_blob(blob, key)
    assert first["public_key"] == key.public_key.to_bif()
    assert first["public_key"].startswith("b07a6604")
    assert first["sign_data"] != second["sign_data"]  # SM2 signatures are randomized
    for entry in (first, second):
        assert len(entry["sign_data"]) == 128
        verify_blob(blob, entry["sign_data"], entry["public_key"])
        verify_blob(blob, entry["sign_data"].upper(), entry["public_key"].upper())
    for bit in (0, 9, len(blob) * 8 - 1):
        with pytest.raises(bid.InvalidSignature):
            verify_blob(_flip(blob, bit), first["sign_data"], first["public_key"])
    with pytest.raises(bid.InvalidSignature):
        verify_blob(blob, _flip(bytes.fromhex(first["sign_data"]), 77).hex(), first["public_key"])
    other = bid.SM2PrivateKey.generate().public_key.to_bif()
    with pytest.raises(bid.InvalidSignature):
        verify_blob(blob, first["sign_data"], other)


# -- signatures and request bodies ----------------------------------------------------------------


def test_verify_blob_refuses_malformed_inputs(vectors: Callable[[str], Any]) -> None:
    vector = _vector(vectors, "sig-ed25519-01")
    blob = _blob(vector)
    with pytest.raises(bid.ParseError):
        verify_blob(blob, "not hex", vector["public_key"])
    with pytest.raises(bid.InvalidSignature):
        verify_blob(blob, vector["signature"][:-2], vector["public_key"])
    with pytest.raises(bid.InvalidKey):
        verify_blob(blob, vector["signature"], "b06566")
    with pytest.raises(bid.InvalidSignature):  # another vector's key
        verify_blob(blob, vector["signature"], _vector(vectors, "sig-ed25519-04")["public_key"])


def test_submit_body_has_the_node_shape() -> None:
    key = bid.parse_private_key("priSPKt8AFKhaWpcYKZxGFJfpZJahKTpDrUwDV4k7myHkLzRje")
    blob = build_transaction(source=key.bid(), nonce=2, operations=[pay_coin(BOB, amount=3)])
    signature = sign_blob(blob, key)
    assert submit_body([(blob, [signature])]) == {
        "items": [{"transaction_blob": blob.hex(), "signatures": [signature]}]
    }


@pytest.mark.parametrize(
    "items",
    [
        [],
        [(b"", [{"sign_data": "00", "public_key": "b0"}])],
        [(b"\x0a", [])],
        [(b"\x0a", {"sign_data": "00", "public_key": "b0"})],
        [(b"\x0a", [{"sign_data": "00"}])],
        [(b"\x0a", [{"sign_data": "zz", "public_key": "b0"}])],
        [(b"\x0a", [{"sign_data": "", "public_key": "b0"}])],
        [(b"\x0a", [{"sign_data": "00", "public_key": "b0", "extra": "x"}])],
    ],
)
def test_submit_body_refuses_malformed_items(items: Any) -> None:
    with pytest.raises(bid.InvalidInput):
        submit_body(items)


def test_evaluate_body_leaves_defaults_out(vectors: Callable[[str], Any]) -> None:
    blob = _blob(_vector(vectors, "sig-ed25519-02"))
    assert evaluate_body([blob]) == {
        "items": [
            {
                "transaction_json": {
                    "source_address": "did:bid:efQ69GRtQUDR9SngdFKAv4owYyx5Fnko",
                    "nonce": 31,
                    "operations": [
                        {
                            "type": 7,
                            "pay_coin": {
                                "dest_address": "did:bid:efAHUyTyhCdUXSxb3znw3Jw4ET24GdCk",
                                "input": decode_transaction(blob)["operations"][0]["pay_coin"][
                                    "input"
                                ],
                            },
                        }
                    ],
                    "fee_limit": 100_000_000,
                    "gas_price": 20,
                }
            }
        ]
    }
    with pytest.raises(bid.InvalidInput):
        evaluate_body([])
    with pytest.raises(bid.ParseError):
        evaluate_body([b"\x0a"])


# -- building: defaults and refusals --------------------------------------------------------------


def test_build_uses_the_sdk_defaults_and_omits_proto3_defaults() -> None:
    blob = build_transaction(source=ALICE, nonce=1, operations=[pay_coin(BOB)])
    view = decode_transaction(blob)
    assert (view["fee_limit"], view["gas_price"]) == (1_000_000, 100)
    assert (bif_tx.DEFAULT_FEE_LIMIT, bif_tx.DEFAULT_GAS_PRICE) == (1_000_000, 100)
    # Nothing but source, nonce, the operation, fee_limit and gas_price is written.
    fields = chain_pb2.Transaction.FromString(blob).ListFields()
    assert [f.number for f, _ in fields] == [1, 2, 4, 6, 7]
    [op] = chain_pb2.Transaction.FromString(blob).operations
    assert [f.name for f, _ in op.ListFields()] == ["type", "pay_coin"]


def test_create_account_writes_the_privilege_block_like_the_sdk() -> None:
    blob = build_transaction(
        source=ALICE, nonce=1, operations=[create_account(BOB, init_balance=10_000_000)]
    )
    [op] = decode_transaction(blob)["operations"]
    assert op["type"] == OperationType.CREATE_ACCOUNT
    assert op["create_account"]["priv"] == {
        "master_weight": 1,
        "signers": [],
        "thresholds": {"tx_threshold": 1, "type_thresholds": []},
    }
    assert "contract" not in op["create_account"]
    # Even a zero-weight privilege block is written (the SDK deploys contracts that way).
    zero = create_account(BOB, master_weight=0, tx_threshold=0, contract="function main(){}")
    blob = build_transaction(source=ALICE, nonce=1, operations=[zero])
    body = decode_transaction(blob)["operations"][0]["create_account"]
    assert body["priv"]["thresholds"] == {"tx_threshold": 0, "type_thresholds": []}
    assert body["contract"] == {"type": 0, "payload": "function main(){}", "version": 0}


@pytest.mark.parametrize(
    "changes",
    [
        {"nonce": 0},
        {"nonce": True},
        {"nonce": 2**63},
        {"fee_limit": -1},
        {"gas_price": 1.5},
        {"ceil_ledger_seq": -5},
        {"chain_id": -1},
        {"domain_id": 2**64},
        {"source": "did:bid:efnotabid"},
        {"source": "did:bid:ab12"},  # a sub-chain, not an account
        {"source": ""},
        {"operations": []},
        {"operations": pay_coin(BOB)},  # one operation, not a list
        {"operations": ["pay_coin"]},
        {"metadata": "remarks"},
    ],
)
def test_build_transaction_refuses_bad_arguments(changes: dict[str, Any]) -> None:
    args: dict[str, Any] = {"source": ALICE, "nonce": 1, "operations": [pay_coin(BOB)]}
    args.update(changes)
    with pytest.raises(bid.InvalidInput):
        build_transaction(**args)


@pytest.mark.parametrize(
    "make",
    [
        lambda: pay_coin("efNiQPEGnhTPqaFatoF1p9wgr152P68F"),
        lambda: pay_coin(BOB, amount=-1),
        lambda: pay_coin(BOB, input="\ud800"),
        lambda: pay_coin(BOB, source_address="nobody"),
        lambda: pay_coin(BOB, metadata="text"),  # type: ignore[arg-type]
        lambda: set_metadata("", "v"),
        lambda: set_metadata("k" * 1025, "v"),
        lambda: set_metadata("k", "v" * 256_001),
        lambda: set_metadata("k", "v", version=-1),
        lambda: set_metadata("k", "v", delete_flag=1),  # type: ignore[arg-type]
        lambda: create_account(BOB, init_balance=-1),
        lambda: create_account(BOB, contract_type=1),  # a type without a contract
        lambda: create_account(BOB, metadatas=[("k", "v", "x")]),  # type: ignore[list-item]
        lambda: create_account(BOB, metadatas=[("k", 1)]),  # type: ignore[list-item]
    ],
)
def test_operations_refuse_bad_fields(make: Callable[[], Operation]) -> None:
    with pytest.raises(bid.InvalidInput):
        make()


def test_operations_are_frozen_values() -> None:
    op = pay_coin(bid.BID.parse(BOB), amount=1)
    assert op == PayCoin(BOB, 1)
    assert op.type == OperationType.PAY_COIN
    assert CreateAccount.type == OperationType.CREATE_ACCOUNT
    assert SetMetadata.type == OperationType.SET_METADATA
    with pytest.raises(dataclasses.FrozenInstanceError):
        op.amount = 2  # type: ignore[misc]


# -- the DDO contract -----------------------------------------------------------------------------

DOCUMENT: dict[str, Any] = {
    "@context": ["https://www.w3.org/ns/did/v1"],
    "id": ALICE,
    "authentication": [ALICE + "#key-1"],
    "extension": {"attributes": [{"key": "name", "desc": "名称", "value": "星火"}]},
}


def test_contract_input_is_the_compact_json_the_sdks_send() -> None:
    assert contract_input("creation", document=DOCUMENT) == (
        '{"method":"creation","params":{"document":{"@context":["https://www.w3.org/ns/did/v1"],'
        f'"id":"{ALICE}","authentication":["{ALICE}#key-1"],'
        '"extension":{"attributes":[{"key":"name","desc":"名称","value":"星火"}]}}}}'
    )
    assert contract_input("queryBid", id=ALICE) == (
        f'{{"method":"queryBid","params":{{"id":"{ALICE}"}}}}'
    )
    assert contract_input("ping") == '{"method":"ping","params":{}}'


@pytest.mark.parametrize(
    ("method", "params", "error"),
    [
        ("", {}, bid.InvalidInput),
        ("update", {"document": {"n": float("nan")}}, bid.ParseError),
        ("update", {"document": {"n": 2**60}}, bid.ParseError),
        ("update", {"document": {"s": "\udc00"}}, bid.ParseError),
        ("update", {"document": {1, 2}}, bid.ParseError),
    ],
)
def test_contract_input_refuses_what_json_cannot_carry(
    method: str, params: dict[str, Any], error: type[Exception]
) -> None:
    with pytest.raises(error):
        contract_input(method, **params)


def test_ddo_contract_presets() -> None:
    legacy, current = DDOContract.LEGACY, DDOContract.CURRENT
    assert legacy.address == "did:bid:efspy6btdcuzP5BH2N899Ycti5Sd7n3z"
    assert legacy.ac_address == "did:bid:ef4xFkPwx5Xi3bw7PMYvPLDgsbqFm69J"
    assert current.address == "did:bid:efosSF8ce2ifUDvuQj8hkZoG9iRuKuDM"
    assert current.ac_address is None
    assert json.loads(legacy.create_input(DOCUMENT)) == {
        "method": "creation",
        "params": {"document": DOCUMENT},
    }
    assert json.loads(current.create_input(DOCUMENT))["method"] == "create"
    for contract in (legacy, current):
        assert json.loads(contract.update_input(DOCUMENT))["method"] == "update"
        assert contract.query_input(bid.BID.parse(ALICE)) == contract_input("queryBid", id=ALICE)
    # A sub-chain's own document is queried by its AC-only id (BID-SDK-JAVA's AC contract).
    assert json.loads(legacy.query_input("did:bid:a1b2"))["params"] == {"id": "did:bid:a1b2"}
    with pytest.raises(bid.InvalidInput, match="sub-chain"):
        bif_tx.pay_coin("did:bid:a1b2")  # but it is no account to send to
    assert current.reauth_input(ALICE, [BOB + "#key-1"]) == (
        f'{{"method":"reAuth","params":{{"id":"{ALICE}","authentication":["{BOB}#key-1"]}}}}'
    )
    with pytest.raises(bid.Unsupported):
        legacy.reauth_input(ALICE, [BOB + "#key-1"])
    with pytest.raises(bid.InvalidInput):
        current.reauth_input(ALICE, BOB + "#key-1")
    with pytest.raises(dataclasses.FrozenInstanceError):
        legacy.address = BOB  # type: ignore[misc]
    with pytest.raises(bid.InvalidInput):
        DDOContract(address="did:bid:bad", create_method="create")
    with pytest.raises(bid.InvalidInput):
        DDOContract(address=BOB, create_method="")


def test_a_ddo_write_is_a_pay_coin_to_the_contract_with_the_call_as_input() -> None:
    key = bid.Ed25519PrivateKey.from_seed(bytes(range(32)))
    contract = DDOContract.LEGACY
    op = pay_coin(contract.address, input=contract.create_input(DOCUMENT))
    blob = build_transaction(source=key.bid(), nonce=5, operations=[op], metadata=b"create DDO")
    [decoded] = decode_transaction(blob)["operations"]
    assert decoded["pay_coin"]["dest_address"] == contract.address
    assert json.loads(decoded["pay_coin"]["input"])["params"]["document"] == DOCUMENT
    signature = sign_blob(blob, key)
    verify_blob(blob, signature["sign_data"], signature["public_key"])


# -- imports --------------------------------------------------------------------------------------


def _run(code: str, tmp_path: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=60,
        check=False,
    )


@pytest.mark.slow
def test_protobuf_is_imported_only_by_the_first_encode_or_decode(tmp_path: Path) -> None:
    code = f"""
import sys
def loaded():
    return any(m == "google.protobuf" or m.startswith("google.protobuf.") for m in sys.modules)
import bid
import bid.backends.bif_tx as t
assert not loaded(), "import"
op = t.pay_coin({BOB!r}, amount=1, input=t.DDOContract.LEGACY.query_input({ALICE!r}))
t.transaction_hash(b"x")
key = bid.Ed25519PrivateKey.from_seed(bytes(32))
s = t.sign_blob(b"x", key)
t.verify_blob(b"x", s["sign_data"], s["public_key"])
t.submit_body([(b"x", [s])])
assert not loaded(), "functions that need no protobuf"
blob = t.build_transaction(source={ALICE!r}, nonce=1, operations=[op])
assert loaded(), "build_transaction"
print("ok")
"""
    result = _run(code, tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "ok"


@pytest.mark.slow
def test_a_protobuf_older_than_the_generated_code_raises_missing_extra(tmp_path: Path) -> None:
    code = f"""
import google.protobuf.runtime_version as rv
def refuse(*args, **kwargs):
    raise rv.VersionError("gencode newer than runtime")
rv.ValidateProtobufRuntimeVersion = refuse  # what an old runtime does with our gencode
import bid
from bid.backends import bif_tx
try:
    bif_tx.build_transaction(source={ALICE!r}, nonce=1, operations=[bif_tx.pay_coin({BOB!r})])
except bid.MissingExtra as exc:
    assert "pip install -U 'bid[bif]'" in str(exc), exc
    assert isinstance(exc.__cause__, rv.VersionError)
else:
    raise AssertionError("no MissingExtra")
print("ok")
"""
    result = _run(code, tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "ok"


@pytest.mark.slow
def test_without_protobuf_the_error_names_the_extra(tmp_path: Path) -> None:
    code = f"""
import sys
sys.modules["google.protobuf"] = None  # as if protobuf were not installed
import bid
from bid.backends import bif_tx
op = bif_tx.pay_coin({BOB!r})
for call in (
    lambda: bif_tx.build_transaction(source={ALICE!r}, nonce=1, operations=[op]),
    lambda: bif_tx.decode_transaction(b"\\x0a"),
):
    try:
        call()
    except bid.MissingExtra as exc:
        assert "pip install 'bid[bif]'" in str(exc), exc
    else:
        raise AssertionError("no MissingExtra")
print("ok")
"""
    result = _run(code, tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "ok"
