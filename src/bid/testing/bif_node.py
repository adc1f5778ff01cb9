"""A BIF *test node*: a small local stand-in for a BIF chain node, for tests only.

:class:`BifTestNode` answers the node HTTP API of bid-method.md section 7.2 over real HTTP
on loopback (``http://127.0.0.1:<port>``), with the real wire format: signed protobuf blobs
in, the node's JSON envelope ``{"error_code", "error_desc", "result"}`` out. Code that talks
to a BIF node, such as :class:`bid.backends.bif_node.BifNodeClient`, can so be tested
offline, against the answers a node gives::

    with BifTestNode() as node:
        client = BifNodeClient(node.url, policy=HttpPolicy(allow_private_networks=True))
        ...

What it models:

- accounts: a nonce and metadata entries (key -> value and version). Accounts need no
  activation: an account exists once a transaction from it was executed, once it holds
  metadata, or once a CREATE_ACCOUNT operation created it. Each hosted DDO contract address
  is an account from the start;
- the DDO contract of section 6.4 at the address of each configured
  :class:`~bid.backends.bif_tx.DDOContract` (and at its ``ac_address``), with the rules of
  the published sample contract: create, update, reAuth and the ``queryBid`` query;
- admission at ``/submitTransaction``: the blob decodes, every signature verifies, every
  account the transaction acts for signed it with its own key (the key its BID derives
  from; SM2 BIDs with an AC code in both the ``zf`` and the SDKs' ``ef`` form), the nonce
  follows the account's nonce and its queued transactions;
- ledgers: numbered from 1 (the genesis ledger, made when the node is created), each with
  a hash, its predecessor's hash, a close time from the injected clock and its
  transactions. With ``auto_close`` (the default) every submission that queued something
  closes a ledger before it answers; otherwise transactions wait for :meth:`close_ledger`;
- execution: the nonce is consumed, the fee limit checked, then the operations are applied
  all-or-nothing (PAY_COIN to a hosted contract runs it; SET_METADATA; CREATE_ACCOUNT).

What it does not model: consensus, peers, validators or timing (a ledger closes when told
to); balances (every balance is 0 and amounts are ignored); fees (computed and checked
against ``fee_limit`` but never charged); signer weights and thresholds (only each
account's own key counts); contract deployment and any operation type other than the three
above; ``ceil_ledger_seq``, ``chain_id``, consensus domains (``domainid`` is ignored) and
the ``raw_*`` address fields.

The error codes where the reference is silent are this node's own choice (see the
constants below), UNCONFIRMED against the real chain. Bodies must carry a Content-Length;
only GET and POST are answered.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import secrets
import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any
from urllib.parse import parse_qs, urlsplit

from .._codec import hex_decode
from .._json import dumps_compact, loads_strict
from ..backends import bif_tx
from ..backends.bif_tx import DDOContract, OperationType
from ..bif import BID
from ..errors import InvalidDID, InvalidInput, InvalidKey, InvalidSignature, ParseError, Unsupported
from ..keys import PublicKey, public_key_from_bif
from ..registry import system_clock

__all__ = [
    "ALREADY_EXISTS",
    "BAD_SEQUENCE",
    "CONTRACT_EXECUTE_FAIL",
    "FEE_NOT_ENOUGH",
    "INTERNAL_ERROR",
    "INVALID_PARAMETER",
    "INVALID_SIGNATURE",
    "MAX_BODY_BYTES",
    "NOT_EXIST",
    "NOT_SUPPORTED",
    "SUCCESS",
    "BifTestNode",
]

# The node's error codes. Only NOT_EXIST (4) is in the reference (bid-method.md 7.2); the
# others are this test node's choice, following the bumo-lineage nodes BIF descends from,
# UNCONFIRMED against the real chain.
SUCCESS = 0
INTERNAL_ERROR = 1  # HTTP 500 answers and failures injected by fail_next()
INVALID_PARAMETER = 2
ALREADY_EXISTS = 3
NOT_EXIST = 4  # an unknown account or transaction (the reference's only code)
INVALID_SIGNATURE = 93
BAD_SEQUENCE = 99
FEE_NOT_ENOUGH = 111
CONTRACT_EXECUTE_FAIL = 151
NOT_SUPPORTED = 160

#: Largest request body read; a larger one is answered HTTP 413.
MAX_BODY_BYTES = 16 * 1024 * 1024

_LEDGER_VERSION = 1000
_BASE_FEE_UNITS = 1000
_OPERATION_FEE_UNITS = 100
_METADATA_KEY_MAX = 1024  # bytes
_METADATA_VALUE_MAX = 256_000
_GENESIS_PREVIOUS_HASH = "0" * 64
_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)
_MICROSECOND = timedelta(microseconds=1)
_DRAIN_LIMIT = 4 * MAX_BODY_BYTES  # an oversized body is read and dropped up to this size
_DRAIN_CHUNK = 64 * 1024

# Error codes of the sample DDO contract (bid-method.md 6.4), written first in error_desc.
_BAD_DOCUMENT = "10700"
_BAD_ID = "10702"
_DOCUMENT_EXISTS = "10703"
_NO_DOCUMENT = "10706"
_NOT_AUTHENTICATION = "10707"
_NOT_RECOVERY = "10709"
_NO_RECOVERY = "10710"


class _Refusal(Exception):
    """What this node answers instead of a result: an error code, its text, an HTTP status."""

    def __init__(self, code: int, desc: str, *, status: int = 200) -> None:
        super().__init__(desc)
        self.code = code
        self.desc = desc
        self.status = status

    def envelope(self) -> dict[str, Any]:
        """The JSON answer: ``{"error_code", "error_desc"}`` (no result)."""
        return {"error_code": self.code, "error_desc": self.desc}


def _malformed(desc: str) -> _Refusal:
    """A request that cannot be read as the endpoint's request: HTTP 400, error code 2."""
    return _Refusal(INVALID_PARAMETER, desc, status=400)


def _contract_error(code: str, text: str) -> _Refusal:
    """A DDO contract failure: error code 151, the description starting with the contract's code."""
    return _Refusal(CONTRACT_EXECUTE_FAIL, f"{code}: {text}")


def _micros(moment: datetime) -> int:
    """Integer microseconds since the Unix epoch (a naive datetime is taken as UTC)."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return (moment - _EPOCH) // _MICROSECOND


def _is_count(value: object) -> bool:
    """Whether ``value`` is a JSON integer >= 0 (bools are not integers here)."""
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


# -- state ----------------------------------------------------------------------------------------


@dataclass
class _Account:
    """An account: its nonce and metadata entries (key -> (value, version))."""

    nonce: int = 0
    metadatas: dict[str, tuple[str, int]] = field(default_factory=dict)

    def copy(self) -> _Account:
        return _Account(self.nonce, dict(self.metadatas))


@dataclass
class _State:
    """Everything a transaction can change: accounts, and the documents of each contract."""

    accounts: dict[str, _Account] = field(default_factory=dict)
    documents: dict[str, dict[str, str]] = field(default_factory=dict)

    def copy(self) -> _State:
        """A copy to apply operations on; it replaces the state only if all of them succeed."""
        return _State(
            {address: account.copy() for address, account in self.accounts.items()},
            {address: dict(stored) for address, stored in self.documents.items()},
        )

    def account(self, address: str) -> _Account:
        """The account at ``address``, brought into existence (nonce 0) if it is new."""
        return self.accounts.setdefault(address, _Account())


@dataclass(frozen=True)
class _Pending:
    """An admitted transaction: its blob, decoded view and signatures."""

    hash: str
    blob: bytes
    view: dict[str, Any]
    signatures: tuple[dict[str, str], ...]


@dataclass(frozen=True)
class _Record:
    """An executed transaction and its outcome, as ``/getTransactionHistory`` reports it."""

    tx: _Pending
    ledger_seq: int
    close_time: int
    error_code: int
    error_desc: str
    actual_fee: int

    def to_json(self) -> dict[str, Any]:
        return {
            "hash": self.tx.hash,
            "ledger_seq": self.ledger_seq,
            "close_time": self.close_time,
            "error_code": self.error_code,
            "error_desc": self.error_desc,
            "actual_fee": self.actual_fee,
            "tx_size": len(self.tx.blob),
            "signatures": [dict(entry) for entry in self.tx.signatures],
            "transaction": self.tx.view,
        }


@dataclass(frozen=True)
class _Ledger:
    """A closed ledger: its header fields and the hashes of its transactions, in order."""

    seq: int
    hash: str
    previous_hash: str
    close_time: int
    tx_hashes: tuple[str, ...]

    def header(self) -> dict[str, Any]:
        return {
            "seq": self.seq,
            "hash": self.hash,
            "previous_hash": self.previous_hash,
            "close_time": self.close_time,
            "tx_count": len(self.tx_hashes),
            "version": _LEDGER_VERSION,
        }


# -- addresses, fees and transaction checks -------------------------------------------------------


def _account_address(text: object) -> str:
    """``text`` if it names an account (a BID, not a sub-chain); else error 2."""
    if isinstance(text, str):
        with contextlib.suppress(InvalidDID):
            if not BID.parse(text).is_ac_only:
                return text
    raise _Refusal(INVALID_PARAMETER, f"invalid address {str(text)[:80]!r}")


def _text_size(body: object, name: str) -> int:
    """UTF-8 size of the string member ``name`` of an operation body (0 when absent)."""
    if body is None:
        return 0
    if not isinstance(body, dict):
        raise _malformed("an operation body is not a JSON object")
    value = body.get(name, "")
    if not isinstance(value, str):
        raise _malformed(f"{name} is not a string")
    return len(value.encode("utf-8"))


def _fee_units(operations: object) -> int:
    """Gas units of a transaction: 1000, plus for each operation 100 and the UTF-8 sizes of
    ``pay_coin.input``, ``set_metadata.key`` and ``set_metadata.value``.

    Reads a decoded blob and a ``transaction_json`` alike (absent members count as empty).
    """
    if not isinstance(operations, list) or not operations:
        raise _malformed("a transaction needs a non-empty list of operations")
    units = _BASE_FEE_UNITS
    for op in operations:
        if not isinstance(op, dict):
            raise _malformed("an operation is not a JSON object")
        pay, entry = op.get("pay_coin"), op.get("set_metadata")
        units += _OPERATION_FEE_UNITS + _text_size(pay, "input")
        units += _text_size(entry, "key") + _text_size(entry, "value")
    return units


def _fee(view: Mapping[str, Any]) -> int:
    """fee(tx) = gas_price x gas units, for a decoded blob (gas_price unset counts as 0)."""
    gas_price: int = view["gas_price"]
    return gas_price * _fee_units(view["operations"])


def _has_unknown(view: object) -> bool:
    """Whether a decoded view lists bytes chain.proto does not define."""
    if isinstance(view, dict):
        return "unknown_fields" in view or any(_has_unknown(v) for v in view.values())
    if isinstance(view, list):
        return any(_has_unknown(v) for v in view)
    return False


def _check_addresses(view: Mapping[str, Any]) -> None:
    """Every address in the transaction names an account (error 2 otherwise)."""
    _account_address(view["source_address"])
    for op in view["operations"]:
        if op["source_address"]:
            _account_address(op["source_address"])
        for body_name in ("pay_coin", "create_account"):
            if body_name in op:
                _account_address(op[body_name]["dest_address"])


def _decode(blob: bytes) -> dict[str, Any]:
    """The decoded view of an admissible blob, or error 2 (160 without protobuf)."""
    try:
        view = bif_tx.decode_transaction(blob)
    except ParseError as exc:
        raise _Refusal(INVALID_PARAMETER, exc.message) from exc
    except Unsupported as exc:
        raise _Refusal(NOT_SUPPORTED, exc.message) from exc
    if _has_unknown(view):
        raise _Refusal(INVALID_PARAMETER, "the transaction has fields chain.proto does not define")
    _check_addresses(view)
    return view


def _item_blob(item: object) -> bytes:
    """The blob of a submit item (hex ``transaction_blob``), or error 2."""
    text = item.get("transaction_blob") if isinstance(item, dict) else None
    if not isinstance(text, str):
        raise _Refusal(INVALID_PARAMETER, "an item needs a transaction_blob string")
    try:
        return hex_decode(text, what="transaction_blob", max_chars=2 * MAX_BODY_BYTES)
    except ParseError as exc:
        raise _Refusal(INVALID_PARAMETER, exc.message) from exc


def _signature_entries(signatures: object) -> tuple[dict[str, str], ...]:
    """The ``{"sign_data", "public_key"}`` entries of a submit item, or error 2."""
    if not isinstance(signatures, list):
        raise _Refusal(INVALID_PARAMETER, "signatures is not a list")
    entries: list[dict[str, str]] = []
    for entry in signatures:
        sign_data = entry.get("sign_data") if isinstance(entry, dict) else None
        public_key = entry.get("public_key") if isinstance(entry, dict) else None
        if not isinstance(sign_data, str) or not isinstance(public_key, str):
            raise _Refusal(
                INVALID_PARAMETER, 'a signature is {"sign_data": hex, "public_key": BIF key}'
            )
        entries.append({"sign_data": sign_data, "public_key": public_key})
    return tuple(entries)


def _verified_keys(blob: bytes, entries: Sequence[Mapping[str, str]]) -> list[PublicKey]:
    """The keys of the signatures, each checked over ``blob``; error 93 for any bad one."""
    keys: list[PublicKey] = []
    for entry in entries:
        public_key = entry["public_key"]
        try:
            bif_tx.verify_blob(blob, entry["sign_data"], public_key)
        except InvalidSignature as exc:
            raise _Refusal(
                INVALID_SIGNATURE, f"the signature by {public_key[:24]}... does not verify"
            ) from exc
        except (InvalidKey, ParseError) as exc:
            raise _Refusal(INVALID_SIGNATURE, f"unreadable signature: {exc.message}") from exc
        except Unsupported as exc:
            raise _Refusal(NOT_SUPPORTED, exc.message) from exc
        keys.append(public_key_from_bif(public_key))
    return keys


def _required_accounts(view: Mapping[str, Any]) -> list[str]:
    """The accounts a transaction acts for: its source and each operation's own source."""
    required = [view["source_address"]]
    for op in view["operations"]:
        if op["source_address"] and op["source_address"] not in required:
            required.append(op["source_address"])
    return required


def _check_authority(view: Mapping[str, Any], keys: Sequence[PublicKey]) -> None:
    """Each required account signed with the key its BID derives from; error 93 otherwise."""
    for address in _required_accounts(view):
        bid = BID.parse(address)
        if not any(bid.derives_from(key.key_type, key.public_bytes()) for key in keys):
            raise _Refusal(INVALID_SIGNATURE, f"signature weight not enough for {address}")


# -- the DDO contract -----------------------------------------------------------------------------


@dataclass(frozen=True)
class _Call:
    """A contract call: ``{"method": ..., "params": {...}}``."""

    method: str
    params: dict[str, Any]


def _parse_call(text: object) -> _Call | None:
    """The call an ``input`` string holds, or None when it is not ``{"method", "params"}``."""
    if not isinstance(text, str):
        return None
    try:
        call = loads_strict(text, what="contract input")
    except ParseError:
        return None
    if not isinstance(call, dict):
        return None
    method, params = call.get("method"), call.get("params")
    if not isinstance(method, str) or not isinstance(params, dict):
        return None
    return _Call(method, params)


def _controllers(entries: object) -> set[str]:
    """The BIDs (the part before ``#``) of a list of key ids or of objects with an ``id``."""
    found: set[str] = set()
    if not isinstance(entries, list):
        return found
    for entry in entries:
        key_id = entry.get("id") if isinstance(entry, dict) else entry
        if isinstance(key_id, str):
            found.add(key_id.split("#", 1)[0])
    return found


def _stored_object(text: str) -> dict[str, Any]:
    """A stored document as an object (a tampered, unreadable one fails the call)."""
    try:
        value = loads_strict(text, what="stored document")
    except ParseError as exc:
        raise _Refusal(CONTRACT_EXECUTE_FAIL, f"the stored document: {exc.message}") from exc
    if not isinstance(value, dict):
        raise _Refusal(CONTRACT_EXECUTE_FAIL, "the stored document is not a JSON object")
    return value


def _is_bid(text: object) -> bool:
    if not isinstance(text, str):
        return False
    try:
        BID.parse(text)
    except InvalidDID:
        return False
    return True


def _create(documents: dict[str, str], params: Mapping[str, Any]) -> None:
    document = params.get("document")
    if not isinstance(document, dict) or "id" not in document or "@context" not in document:
        raise _contract_error(_BAD_DOCUMENT, "the document needs an id and an @context")
    bid = document["id"]
    if not _is_bid(bid):
        raise _contract_error(_BAD_ID, "the document id is not a valid BID")
    if bid in documents:
        raise _contract_error(_DOCUMENT_EXISTS, "the document already exists")
    documents[bid] = dumps_compact(document)


def _update(documents: dict[str, str], params: Mapping[str, Any], sender: str) -> None:
    document = params.get("document")
    if not isinstance(document, dict) or not isinstance(document.get("id"), str):
        raise _contract_error(_BAD_DOCUMENT, "the document needs a string id")
    stored = documents.get(document["id"])
    if stored is None:
        raise _contract_error(_NO_DOCUMENT, "document not existed")
    if sender not in _controllers(_stored_object(stored).get("authentication")):
        raise _contract_error(_NOT_AUTHENTICATION, "the sender is not in authentication")
    documents[document["id"]] = dumps_compact(document)


def _reauth(documents: dict[str, str], params: Mapping[str, Any], sender: str) -> None:
    bid, authentication = params.get("id"), params.get("authentication")
    if (
        not isinstance(bid, str)
        or not isinstance(authentication, list)
        or not all(isinstance(entry, str) for entry in authentication)
    ):
        raise _contract_error(_BAD_DOCUMENT, "reAuth needs an id and a list of key ids")
    stored = documents.get(bid)
    if stored is None:
        raise _contract_error(_NO_DOCUMENT, "document not existed")
    document = _stored_object(stored)
    extension = document.get("extension")
    recovery = extension.get("recovery") if isinstance(extension, dict) else None
    if not isinstance(recovery, list) or not recovery:
        raise _contract_error(_NO_RECOVERY, "the document has no recovery entry")
    if sender not in _controllers(recovery):
        raise _contract_error(_NOT_RECOVERY, "the sender is not in recovery")
    document["authentication"] = authentication
    documents[bid] = dumps_compact(document)


def _run_contract(
    documents: dict[str, str], contract: DDOContract, sender: str, input_text: str
) -> None:
    """Run one call of the DDO contract as ``sender`` on ``documents`` (changed in place)."""
    call = _parse_call(input_text)
    if call is None:
        raise _Refusal(CONTRACT_EXECUTE_FAIL, 'the input is not JSON {"method", "params"}')
    if call.method == contract.create_method:
        _create(documents, call.params)
    elif call.method == contract.update_method:
        _update(documents, call.params, sender)
    elif contract.reauth_method is not None and call.method == contract.reauth_method:
        _reauth(documents, call.params, sender)
    else:
        raise _Refusal(CONTRACT_EXECUTE_FAIL, f"unknown method {call.method[:80]!r}")


# -- operations -----------------------------------------------------------------------------------


def _check_metadata_entry(key: str, value: str) -> None:
    if not 1 <= len(key.encode("utf-8")) <= _METADATA_KEY_MAX:
        raise _Refusal(INVALID_PARAMETER, "a metadata key is 1 to 1024 bytes")
    if len(value.encode("utf-8")) > _METADATA_VALUE_MAX:
        raise _Refusal(INVALID_PARAMETER, "a metadata value is at most 256000 bytes")


def _set_metadata(account: _Account, body: Mapping[str, Any]) -> None:
    """SET_METADATA: version 0 writes unconditionally, any other must be the entry's."""
    key, value, version = body["key"], body["value"], body["version"]
    _check_metadata_entry(key, value)
    current = account.metadatas[key][1] if key in account.metadatas else 0
    if version and version != current:
        raise _Refusal(
            INVALID_PARAMETER,
            f"metadata version mismatch: {key[:80]!r} is at {current}, not {version}",
        )
    if body["delete_flag"]:
        account.metadatas.pop(key, None)
    else:
        account.metadatas[key] = (value, current + 1)


def _create_account(state: _State, body: Mapping[str, Any]) -> None:
    """CREATE_ACCOUNT: a new account with nonce 0 and its initial metadata (version 1)."""
    dest = body["dest_address"]
    if dest in state.accounts:
        raise _Refusal(ALREADY_EXISTS, f"account ({dest}) already exists")
    contract = body.get("contract")
    if isinstance(contract, dict) and contract.get("payload"):
        raise _Refusal(NOT_SUPPORTED, "contract deployment is not supported by this test node")
    account = _Account()
    for entry in body["metadatas"]:
        _check_metadata_entry(entry["key"], entry["value"])
        account.metadatas[entry["key"]] = (entry["value"], 1)
    state.accounts[dest] = account


def _body(op: Mapping[str, Any], name: str, index: int) -> dict[str, Any]:
    body = op.get(name)
    if not isinstance(body, dict):
        raise _Refusal(INVALID_PARAMETER, f"operation {index} has no {name}")
    return body


# -- the chain ------------------------------------------------------------------------------------


def _contract_map(contracts: Sequence[DDOContract]) -> dict[str, DDOContract]:
    """Hosted contract address -> its preset (``address`` and ``ac_address`` of each)."""
    hosted: dict[str, DDOContract] = {}
    for contract in contracts:
        if not isinstance(contract, DDOContract):
            raise InvalidInput(f"not a DDOContract: {type(contract).__name__}")
        for address in (contract.address, contract.ac_address):
            if address is None:
                continue
            if hosted.setdefault(address, contract) != contract:
                raise InvalidInput(f"two different contracts at {address}")
    return hosted


@dataclass(frozen=True)
class _Request:
    """A request as the endpoints read it: query parameters and the JSON body (POST)."""

    params: Mapping[str, str]
    body: dict[str, Any]

    def param(self, name: str) -> str | None:
        return self.params.get(name)

    def required(self, name: str) -> str:
        value = self.params.get(name)
        if value is None:
            raise _malformed(f"the query parameter {name} is missing")
        return value


def _seq_param(text: str) -> int:
    if not (text.isascii() and text.isdecimal() and len(text) <= 18):
        raise _malformed(f"{text[:30]!r} is not a ledger number")
    return int(text)


def _items(body: Mapping[str, Any]) -> list[Any]:
    items = body.get("items")
    if not isinstance(items, list) or not items:
        raise _malformed("the body needs a non-empty items list")
    return items


class _Chain:
    """The node's state and rules, without HTTP; the caller holds the node's lock."""

    def __init__(
        self,
        contracts: Mapping[str, DDOContract],
        clock: Callable[[], datetime],
        auto_close: bool,
    ) -> None:
        self.contracts = dict(contracts)
        self.clock = clock
        self.auto_close = auto_close
        self.state = _State()
        for address in self.contracts:
            self.state.accounts[address] = _Account()
            self.state.documents[address] = {}
        self.pending: list[_Pending] = []
        self.records: dict[str, _Record] = {}
        self.ledgers: list[_Ledger] = []
        self._salt = secrets.token_hex(16)  # makes ledger hashes unique to this node
        self.close_ledger()  # the genesis ledger, seq 1

    # -- ledgers and execution

    def close_ledger(self) -> int:
        """Execute every pending transaction, in arrival order, in a new ledger; its seq."""
        seq = len(self.ledgers) + 1
        close_time = _micros(self.clock())
        batch, self.pending = self.pending, []
        for tx in batch:
            code, desc, fee = self._execute(tx.view)
            self.records[tx.hash] = _Record(tx, seq, close_time, code, desc, fee)
        previous = self.ledgers[-1].hash if self.ledgers else _GENESIS_PREVIOUS_HASH
        hashes = tuple(tx.hash for tx in batch)
        seed = f"{self._salt}|{seq}|{previous}|{close_time}|{','.join(hashes)}"
        digest = hashlib.sha256(seed.encode("utf-8")).hexdigest()
        self.ledgers.append(_Ledger(seq, digest, previous, close_time, hashes))
        return seq

    def _execute(self, view: Mapping[str, Any]) -> tuple[int, str, int]:
        """Apply one transaction; its ``(error_code, error_desc, actual_fee)``."""
        source: str = view["source_address"]
        expected = self._nonce(source) + 1
        if view["nonce"] != expected:
            return BAD_SEQUENCE, f"nonce {view['nonce']} is not the expected {expected}", 0
        self.state.account(source).nonce = expected  # consumed whatever follows
        fee = _fee(view)
        if view["fee_limit"] < fee:
            return FEE_NOT_ENOUGH, f"fee_limit {view['fee_limit']} is below the fee {fee}", 0
        work = self.state.copy()
        try:
            for index, op in enumerate(view["operations"]):
                self._apply(work, source, index, op)
        except _Refusal as refusal:
            return refusal.code, refusal.desc, fee
        self.state = work
        return SUCCESS, "", fee

    def _apply(self, state: _State, tx_source: str, index: int, op: Mapping[str, Any]) -> None:
        """Apply operation ``index`` to ``state``; raises _Refusal when it fails."""
        source: str = op["source_address"] or tx_source
        kind = op["type"]
        if kind == OperationType.PAY_COIN:
            pay = _body(op, "pay_coin", index)
            dest = pay["dest_address"]
            if dest in self.contracts:
                _run_contract(state.documents[dest], self.contracts[dest], source, pay["input"])
        elif kind == OperationType.SET_METADATA:
            _set_metadata(state.account(source), _body(op, "set_metadata", index))
        elif kind == OperationType.CREATE_ACCOUNT:
            _create_account(state, _body(op, "create_account", index))
        else:
            raise _Refusal(
                NOT_SUPPORTED, f"operation {index}: type {kind} is not supported by this test node"
            )

    # -- admission

    def _nonce(self, address: str) -> int:
        account = self.state.accounts.get(address)
        return 0 if account is None else account.nonce

    def _next_nonce(self, address: str) -> int:
        """The nonce a new transaction of ``address`` needs, its queued ones counted."""
        queued = sum(1 for tx in self.pending if tx.view["source_address"] == address)
        return self._nonce(address) + queued + 1

    def _is_known(self, hash: str) -> bool:
        return hash in self.records or any(tx.hash == hash for tx in self.pending)

    def submit_item(self, item: object) -> dict[str, Any]:
        """Admit one submit item; its result entry ``{"hash", "error_code", "error_desc"}``."""
        hash = ""
        try:
            blob = _item_blob(item)
            hash = bif_tx.transaction_hash(blob)
            self._admit(item, blob, hash)
        except _Refusal as refusal:
            return {"hash": hash, "error_code": refusal.code, "error_desc": refusal.desc}
        return {"hash": hash, "error_code": SUCCESS, "error_desc": ""}

    def _admit(self, item: object, blob: bytes, hash: str) -> None:
        assert isinstance(item, dict)  # _item_blob read a blob from it
        view = _decode(blob)
        if self._is_known(hash):
            raise _Refusal(ALREADY_EXISTS, f"transaction ({hash}) already exists")
        entries = _signature_entries(item.get("signatures"))
        _check_authority(view, _verified_keys(blob, entries))
        expected = self._next_nonce(view["source_address"])
        if view["nonce"] != expected:
            raise _Refusal(BAD_SEQUENCE, f"nonce {view['nonce']} is not the expected {expected}")
        self.pending.append(_Pending(hash, blob, view, entries))

    # -- endpoints (each returns the "result" object or raises _Refusal)

    def _existing(self, address: str) -> _Account:
        account = self.state.accounts.get(address)
        if account is None:
            raise _Refusal(NOT_EXIST, f"Account ({address}) not exist")
        return account

    def _ledger(self, seq: int) -> _Ledger:
        if not 1 <= seq <= len(self.ledgers):
            raise _Refusal(NOT_EXIST, f"ledger ({seq}) not exist")
        return self.ledgers[seq - 1]

    def get_account_base(self, request: _Request) -> dict[str, Any]:
        address = _account_address(request.required("address"))
        account = self._existing(address)
        return {"address": address, "balance": 0, "nonce": account.nonce}

    def get_account(self, request: _Request) -> dict[str, Any]:
        address = _account_address(request.required("address"))
        account = self._existing(address)
        key = request.param("key")
        entries = [
            {"key": name, "value": value, "version": version}
            for name, (value, version) in sorted(account.metadatas.items())
            if key is None or name == key
        ]
        result: dict[str, Any] = {"address": address, "balance": 0, "nonce": account.nonce}
        if entries:
            result["metadatas"] = entries
        return result

    def get_ledger(self, request: _Request) -> dict[str, Any]:
        seq = request.param("seq")
        ledger = self.ledgers[-1] if seq is None else self._ledger(_seq_param(seq))
        return {"header": ledger.header()}

    def get_transaction_history(self, request: _Request) -> dict[str, Any]:
        hash, seq = request.param("hash"), request.param("ledger_seq")
        if (hash is None) == (seq is None):
            raise _malformed("give one of hash and ledger_seq")
        if hash is not None:
            record = self.records.get(hash)
            if record is None:
                raise _Refusal(NOT_EXIST, f"transaction ({hash[:70]}) not exist")
            return {"total_count": 1, "transactions": [record.to_json()]}
        assert seq is not None
        ledger = self._ledger(_seq_param(seq))
        records = [self.records[tx_hash].to_json() for tx_hash in ledger.tx_hashes]
        return {"total_count": len(records), "transactions": records}

    def get_tx_cache_size(self, request: _Request) -> dict[str, Any]:
        return {"queue_size": len(self.pending)}

    def call_contract(self, request: _Request) -> dict[str, Any]:
        body = request.body
        if body.get("opt_type") != 2:
            raise _Refusal(INVALID_PARAMETER, "only opt_type 2 (a query) is supported here")
        address = body.get("contract_address")
        if not isinstance(address, str):
            raise _malformed("contract_address is not a string")
        contract = self.contracts.get(address)
        if contract is None:
            raise _Refusal(NOT_EXIST, f"contract ({address[:80]}) not exist")
        call = _parse_call(body.get("input"))
        if call is None:
            raise _Refusal(INVALID_PARAMETER, 'input is not JSON {"method", "params"}')
        if call.method != contract.query_method:
            raise _Refusal(INVALID_PARAMETER, f"{call.method[:80]!r} is not a query method")
        bid = call.params.get("id")
        if not isinstance(bid, str):
            raise _Refusal(INVALID_PARAMETER, "params.id is not a string")
        text = self.state.documents[address].get(bid)
        if text is None:
            error = {"data": {"exception": f"{_NO_DOCUMENT}: document not existed"}}
            return {"query_rets": [{"error": error}]}
        return {"query_rets": [{"result": {"type": "string", "value": text}}]}

    def test_transaction(self, request: _Request) -> dict[str, Any]:
        """Fee evaluation; gas_price absent from an item counts as the SDKs' default, 100."""
        txs: list[dict[str, Any]] = []
        for item in _items(request.body):
            tx = item.get("transaction_json") if isinstance(item, dict) else None
            if not isinstance(tx, dict):
                raise _malformed("an item needs a transaction_json object")
            gas_price = tx.get("gas_price", bif_tx.DEFAULT_GAS_PRICE)
            if not _is_count(gas_price):
                raise _malformed("gas_price is not a non-negative integer")
            fee = gas_price * _fee_units(tx.get("operations"))
            env = {"transaction": {"fee_limit": fee, "gas_price": gas_price}}
            txs.append({"actual_fee": fee, "transaction_env": env})
        return {"txs": txs}

    def submit_transaction(self, request: _Request) -> dict[str, Any]:
        results = [self.submit_item(item) for item in _items(request.body)]
        if self.auto_close and self.pending:
            self.close_ledger()
        accepted = sum(1 for result in results if result["error_code"] == SUCCESS)
        return {"success_count": accepted, "results": results}


_Endpoint = Callable[[_Chain, _Request], dict[str, Any]]

_ROUTES: dict[str, tuple[str, _Endpoint]] = {
    "/getAccountBase": ("GET", _Chain.get_account_base),
    "/getAccount": ("GET", _Chain.get_account),
    "/getLedger": ("GET", _Chain.get_ledger),
    "/getTransactionHistory": ("GET", _Chain.get_transaction_history),
    "/getTxCacheSize": ("GET", _Chain.get_tx_cache_size),
    "/callContract": ("POST", _Chain.call_contract),
    "/testTransaction": ("POST", _Chain.test_transaction),
    "/submitTransaction": ("POST", _Chain.submit_transaction),
}


def _query(text: str) -> dict[str, str]:
    """Query parameters; a repeated one or bad percent-encoding is a malformed request."""
    try:
        parsed = parse_qs(text, keep_blank_values=True, errors="strict")
    except (UnicodeDecodeError, ValueError) as exc:
        raise _malformed("the query string is not UTF-8 form encoding") from exc
    params: dict[str, str] = {}
    for name, values in parsed.items():
        if len(values) != 1:
            raise _malformed(f"the query parameter {name[:40]} is repeated")
        params[name] = values[0]
    return params


def _json_body(data: bytes) -> dict[str, Any]:
    try:
        body = loads_strict(data, what="the request body")
    except ParseError as exc:
        raise _malformed(exc.message) from exc
    if not isinstance(body, dict):
        raise _malformed("the request body is not a JSON object")
    return body


# -- HTTP -----------------------------------------------------------------------------------------


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, address: tuple[str, int], node: BifTestNode) -> None:
        self.node = node
        super().__init__(address, _Handler)


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    server_version = "BifTestNode"
    sys_version = ""

    def log_message(self, format: str, *args: Any) -> None:
        """Silent: a test node does not write a line per request."""

    def do_GET(self) -> None:
        self._serve("GET")

    def do_POST(self) -> None:
        self._serve("POST")

    def _serve(self, method: str) -> None:
        path, _, query = self.path.partition("?")
        path = urlsplit(path).path
        try:
            body = self._read_body()
            status, answer = self.server.node._respond(method, path, query, body)
        except _Refusal as refusal:
            status, answer = refusal.status, refusal.envelope()
        except Exception as exc:  # report it to the client rather than drop the connection
            status = 500
            answer = {"error_code": INTERNAL_ERROR, "error_desc": f"{type(exc).__name__}: {exc}"}
        self._send(status, answer)

    def _read_body(self) -> bytes | None:
        """The request body; None when it is over MAX_BODY_BYTES (then drained and dropped)."""
        text = self.headers.get("Content-Length")
        if text is None:
            return b""
        if not (text.isascii() and text.isdecimal() and len(text) <= 18):
            raise _malformed("the Content-Length header is not a number")
        length = int(text)
        if length <= MAX_BODY_BYTES:
            return self.rfile.read(length)
        left = min(length, _DRAIN_LIMIT)
        while left > 0:
            chunk = self.rfile.read(min(left, _DRAIN_CHUNK))
            if not chunk:
                break
            left -= len(chunk)
        return None

    def _send(self, status: int, answer: Mapping[str, Any]) -> None:
        data = json.dumps(answer, ensure_ascii=False).encode("utf-8")
        with contextlib.suppress(ConnectionError):
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)


# -- the node -------------------------------------------------------------------------------------


class BifTestNode:
    """A local BIF **test node** on loopback HTTP, for tests; not a chain node.

    It speaks the node HTTP API with the real wire format and keeps accounts, DDO contract
    documents, ledgers and transactions in memory (see the module docstring for what it
    models and what it does not: no consensus, no balances, no fees charged, accounts need
    no activation, error codes beyond 4 UNCONFIRMED against the real chain).

    ``contracts`` are the DDO deployments it hosts; ``clock`` gives ledger close times;
    with ``auto_close`` (an attribute, changeable at any time) every submission that queued
    a transaction closes a ledger, otherwise transactions wait for :meth:`close_ledger`.
    Use it in a ``with`` block, or call :meth:`start` and :meth:`close`. ``requests`` lists
    ``(method, path)`` of every request received, query strings left out.
    """

    def __init__(
        self,
        *,
        contracts: Sequence[DDOContract] = (DDOContract.LEGACY, DDOContract.CURRENT),
        clock: Callable[[], datetime] = system_clock,
        auto_close: bool = True,
        host: str = "127.0.0.1",
        port: int = 0,
    ) -> None:
        self._lock = threading.Lock()
        self._chain = _Chain(_contract_map(contracts), clock, auto_close)
        self._address = (host, port)
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None
        self._failures = 0
        self._failure_status = 503
        self.requests: list[tuple[str, str]] = []

    # -- life cycle

    def start(self) -> BifTestNode:
        """Listen (port 0: any free one) and serve from a daemon thread; returns self."""
        if self._server is not None:
            raise RuntimeError("this test node is already running")
        server = _Server(self._address, self)
        thread = threading.Thread(
            target=server.serve_forever,
            kwargs={"poll_interval": 0.05},
            name=f"BifTestNode:{server.server_port}",
            daemon=True,
        )
        thread.start()
        self._server, self._thread = server, thread
        return self

    def close(self) -> None:
        """Stop serving and release the port; the state is kept (start() serves it again)."""
        server, thread = self._server, self._thread
        self._server = self._thread = None
        if server is None:
            return
        server.shutdown()
        server.server_close()
        if thread is not None:
            thread.join()

    def __enter__(self) -> BifTestNode:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    @property
    def url(self) -> str:
        """``http://HOST:PORT`` of the running node."""
        if self._server is None:
            raise RuntimeError("the test node is not running: call start() first")
        return f"http://{self._address[0]}:{self._server.server_port}"

    def __repr__(self) -> str:
        where = self.url if self._server is not None else "stopped"
        return f"BifTestNode({where})"

    # -- ledgers

    @property
    def auto_close(self) -> bool:
        """Whether a submission that queued something closes a ledger before answering."""
        with self._lock:
            return self._chain.auto_close

    @auto_close.setter
    def auto_close(self, value: bool) -> None:
        with self._lock:
            self._chain.auto_close = bool(value)

    def close_ledger(self) -> int:
        """Execute every pending transaction, in arrival order, in a new ledger; its seq."""
        with self._lock:
            return self._chain.close_ledger()

    def pending(self) -> list[str]:
        """Hashes of the admitted transactions waiting for a ledger, in arrival order."""
        with self._lock:
            return [tx.hash for tx in self._chain.pending]

    def fail_next(self, count: int, status: int = 503) -> None:
        """Answer the next ``count`` requests with HTTP ``status`` and a JSON error body
        (``error_code`` 1), whatever they ask, to test a client's retries. Replaces any
        count still left; ``fail_next(0)`` cancels."""
        if isinstance(count, bool) or not isinstance(count, int) or count < 0:
            raise InvalidInput("count is an int >= 0")
        if isinstance(status, bool) or not isinstance(status, int) or not 200 <= status <= 599:
            raise InvalidInput("status is an HTTP status code, 200 to 599")
        with self._lock:
            self._failures, self._failure_status = count, status

    # -- inspection and test-only tampering

    def _contract_documents(self, contract_address: str) -> dict[str, str]:
        documents = self._chain.state.documents.get(contract_address)
        if documents is None:
            raise InvalidInput(f"this test node hosts no contract at {contract_address}")
        return documents

    def document(self, contract_address: str, bid: str) -> str | None:
        """The JSON text stored for ``bid`` by the contract at ``contract_address``, or None.

        Raises InvalidInput for a contract this node does not host.
        """
        with self._lock:
            return self._contract_documents(contract_address).get(bid)

    def account(self, address: str) -> dict[str, Any] | None:
        """``{"address", "nonce", "metadatas": {key: (value, version)}}``, or None if the
        node has not seen ``address``."""
        with self._lock:
            account = self._chain.state.accounts.get(address)
            if account is None:
                return None
            return {
                "address": address,
                "nonce": account.nonce,
                "metadatas": dict(account.metadatas),
            }

    def tamper_metadata(self, address: str, key: str, value: str | None) -> None:
        """TEST ONLY, to simulate a lying or corrupted node: set a metadata entry outside
        any transaction (its version goes up by one), or delete it with ``value=None``."""
        with self._lock:
            state = self._chain.state
            if value is None:
                account = state.accounts.get(address)
                if account is not None:
                    account.metadatas.pop(key, None)
                return
            account = state.account(address)
            current = account.metadatas[key][1] if key in account.metadatas else 0
            account.metadatas[key] = (value, current + 1)

    def tamper_document(self, contract_address: str, bid: str, text: str | None) -> None:
        """TEST ONLY, to simulate a lying or corrupted node: replace the raw JSON text stored
        for ``bid`` (kept as given, even if it is not JSON), or delete it with ``None``.

        Raises InvalidInput for a contract this node does not host.
        """
        with self._lock:
            documents = self._contract_documents(contract_address)
            if text is None:
                documents.pop(bid, None)
            else:
                documents[bid] = text

    # -- HTTP

    def _respond(
        self, method: str, path: str, query: str, data: bytes | None
    ) -> tuple[int, dict[str, Any]]:
        """Status and JSON answer of one request (``data`` None: the body was too large)."""
        with self._lock:
            self.requests.append((method, path))
            if self._failures > 0:
                self._failures -= 1
                desc = f"failure injected by fail_next (HTTP {self._failure_status})"
                return self._failure_status, {"error_code": INTERNAL_ERROR, "error_desc": desc}
        if data is None:
            desc = f"the request body is over {MAX_BODY_BYTES} bytes"
            raise _Refusal(INVALID_PARAMETER, desc, status=413)
        route = _ROUTES.get(path)
        if route is None:
            raise _Refusal(NOT_SUPPORTED, f"no endpoint {path[:80]}", status=404)
        expected_method, endpoint = route
        if method != expected_method:
            raise _Refusal(NOT_SUPPORTED, f"{path} answers {expected_method}", status=405)
        request = _Request(_query(query), _json_body(data) if method == "POST" else {})
        with self._lock:
            result = endpoint(self._chain, request)
        return 200, {"error_code": SUCCESS, "error_desc": "", "result": result}
