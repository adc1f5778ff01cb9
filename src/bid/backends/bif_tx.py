"""BIF transactions: build, read, sign and package the protobuf blob the chain signs (no network).

A BIF transaction is a protobuf ``protocol.Transaction`` (``proto/chain.proto`` beside this
module, bid-method.md section 7.3). Its serialized bytes, the *blob*, are what the source
account signs (Ed25519 or SM2 over the blob itself, no prehash) and what the SDKs hash
(lower-case hex SHA-256) to name it. Writing a BID document is a PAY_COIN operation to the
DDO contract carrying the call JSON as ``input`` (section 6.4)::

    contract = DDOContract.LEGACY
    op = pay_coin(contract.address, input=contract.create_input(document))
    blob = build_transaction(source=str(key.bid()), nonce=account_nonce + 1, operations=[op])
    body = submit_body([(blob, [sign_blob(blob, key)])])  # POST /submitTransaction

Sign the blob you built or received, never a re-serialization of a decoded one: protobuf
writes unknown fields after the known ones, so re-encoding can reorder bytes.

protobuf (the ``bif`` extra) is imported by the first call that encodes or decodes; importing
this module loads nothing heavy. No protobuf exception leaves this module: malformed blobs
raise :class:`~bid.errors.ParseError`, bad arguments :class:`~bid.errors.InvalidInput`.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import IntEnum
from typing import TYPE_CHECKING, Any, ClassVar, TypeAlias

from .._codec import hex_decode
from .._json import JSONObject, JSONValue, check_value, dumps_compact
from .._optional import import_extra
from ..bif import BID
from ..errors import InvalidDID, InvalidInput, MissingExtra, ParseError, Unsupported
from ..keys import Signer, public_key_from_bif

if TYPE_CHECKING:
    from google.protobuf.message import Message

    from .proto import chain_pb2

__all__ = [
    "DEFAULT_FEE_LIMIT",
    "DEFAULT_GAS_PRICE",
    "CreateAccount",
    "DDOContract",
    "Operation",
    "OperationType",
    "PayCoin",
    "SetMetadata",
    "build_transaction",
    "contract_input",
    "create_account",
    "decode_transaction",
    "evaluate_body",
    "pay_coin",
    "set_metadata",
    "sign_blob",
    "submit_body",
    "transaction_hash",
    "verify_blob",
]

#: The BIF SDKs' default fee limit, in glowstone (1 XHT = 10^8 glowstone).
DEFAULT_FEE_LIMIT = 1_000_000
#: The BIF SDKs' default gas price, in glowstone.
DEFAULT_GAS_PRICE = 100

_INT64_MAX = 2**63 - 1
_METADATA_KEY_MAX = 1024  # bytes (bid-method.md 7.2, setMetadatas)
_METADATA_VALUE_MAX = 256_000
_FEATURE = "BIF transactions"
_WIRE_LENGTH_DELIMITED = 2
_WIRE_GROUP = 3


class OperationType(IntEnum):
    """``Operation.type`` of chain.proto: what ``decode_transaction`` reports as ``type``."""

    UNKNOWN = 0
    CREATE_ACCOUNT = 1
    SET_METADATA = 4
    SET_SIGNER_WEIGHT = 5
    SET_THRESHOLD = 6
    PAY_COIN = 7
    LOG = 8
    SET_PRIVILEGE = 9
    UPGRADE_CONTRACT = 10
    SET_CONTROLLED_AREA = 11
    CREATE_PRIVATE_CONTRACT = 12
    CALL_PRIVATE_CONTRACT = 13


# -- argument checks ------------------------------------------------------------------------------


def _integer(name: str, value: int, *, minimum: int = 0) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidInput(f"{name} must be an int, not {type(value).__name__}")
    if not minimum <= value <= _INT64_MAX:
        raise InvalidInput(f"{name}={value} is outside [{minimum}, 2^63 - 1]")
    return value


def _text(name: str, value: str, *, max_bytes: int | None = None) -> str:
    if not isinstance(value, str):
        raise InvalidInput(f"{name} must be a str, not {type(value).__name__}")
    try:
        size = len(value.encode("utf-8"))
    except UnicodeEncodeError as exc:
        raise InvalidInput(f"{name} holds a lone surrogate; protobuf strings are UTF-8") from exc
    if max_bytes is not None and size > max_bytes:
        raise InvalidInput(f"{name} is {size} bytes of UTF-8; at most {max_bytes} allowed")
    return value


def _bytes(name: str, value: bytes) -> bytes:
    if not isinstance(value, bytes | bytearray | memoryview):
        raise InvalidInput(f"{name} must be bytes, not {type(value).__name__}")
    return bytes(value)


def _address(
    name: str, value: str | BID, *, optional: bool = False, sub_chain: bool = False
) -> str:
    """A BID naming an account or contract; ``""`` is allowed only when ``optional``.

    With ``sub_chain``, an AC-only BID (``did:bid:<ac>``, a sub-chain's own id) is accepted.
    """
    if optional and value == "":
        return ""
    text = str(value) if isinstance(value, BID) else _text(name, value)
    try:
        bid = BID.parse(text)
    except InvalidDID as exc:
        raise InvalidInput(f"{name}: {exc.message}") from exc
    if bid.is_ac_only and not sub_chain:
        raise InvalidInput(f"{name}: {text} names a sub-chain, not an account")
    return text


# -- operations -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class PayCoin:
    """PAY_COIN: send ``amount`` glowstone to ``dest_address``; with ``input``, call the
    contract at that address (``input`` is its call JSON, see :func:`contract_input`).

    ``source_address`` and ``metadata`` are the operation's own (empty: the transaction's).
    """

    type: ClassVar[OperationType] = OperationType.PAY_COIN
    dest_address: str
    amount: int = 0
    input: str = ""
    source_address: str = ""
    metadata: bytes = b""

    def __post_init__(self) -> None:
        object.__setattr__(self, "dest_address", _address("dest_address", self.dest_address))
        _integer("amount", self.amount)
        _text("input", self.input)
        _check_operation_common(self.source_address, self.metadata, self)


@dataclass(frozen=True)
class CreateAccount:
    """CREATE_ACCOUNT: activate ``dest_address`` with ``init_balance`` glowstone, or deploy
    a contract there when ``contract`` (its source code) is given.

    The privilege block is always written, as the SDKs do: ``master_weight`` 1 and
    ``tx_threshold`` 1 for an account (the SDKs deploy contracts with master weight 0).
    ``metadatas`` are initial ``(key, value)`` metadata entries.
    """

    type: ClassVar[OperationType] = OperationType.CREATE_ACCOUNT
    dest_address: str
    init_balance: int = 0
    master_weight: int = 1
    tx_threshold: int = 1
    contract: str = ""
    contract_type: int = 0
    init_input: str = ""
    metadatas: tuple[tuple[str, str], ...] = field(default=())
    source_address: str = ""
    metadata: bytes = b""

    def __post_init__(self) -> None:
        object.__setattr__(self, "dest_address", _address("dest_address", self.dest_address))
        for name in ("init_balance", "master_weight", "tx_threshold", "contract_type"):
            _integer(name, getattr(self, name))
        _text("contract", self.contract)
        _text("init_input", self.init_input)
        if self.contract_type and not self.contract:
            raise InvalidInput("contract_type is set but no contract payload is given")
        pairs = tuple(tuple(pair) for pair in self.metadatas)
        for pair in pairs:
            if len(pair) != 2:
                raise InvalidInput("metadatas holds (key, value) pairs")
            _text("metadata key", pair[0], max_bytes=_METADATA_KEY_MAX)
            _text("metadata value", pair[1], max_bytes=_METADATA_VALUE_MAX)
        object.__setattr__(self, "metadatas", pairs)
        _check_operation_common(self.source_address, self.metadata, self)


@dataclass(frozen=True)
class SetMetadata:
    """SET_METADATA: write (or with ``delete_flag`` delete) one metadata entry of the source
    account. ``version`` 0 writes unconditionally; otherwise it must equal the entry's."""

    type: ClassVar[OperationType] = OperationType.SET_METADATA
    key: str
    value: str
    version: int = 0
    delete_flag: bool = False
    source_address: str = ""
    metadata: bytes = b""

    def __post_init__(self) -> None:
        _text("key", self.key, max_bytes=_METADATA_KEY_MAX)
        if not self.key:
            raise InvalidInput("a metadata key is 1 to 1024 bytes; it is empty")
        _text("value", self.value, max_bytes=_METADATA_VALUE_MAX)
        _integer("version", self.version)
        if not isinstance(self.delete_flag, bool):
            raise InvalidInput("delete_flag must be a bool")
        _check_operation_common(self.source_address, self.metadata, self)


Operation: TypeAlias = PayCoin | CreateAccount | SetMetadata


def _check_operation_common(source_address: str, metadata: bytes, op: object) -> None:
    object.__setattr__(
        op, "source_address", _address("source_address", source_address, optional=True)
    )
    object.__setattr__(op, "metadata", _bytes("metadata", metadata))


def pay_coin(
    dest: str | BID,
    *,
    amount: int = 0,
    input: str = "",
    source_address: str = "",
    metadata: bytes = b"",
) -> PayCoin:
    """A PAY_COIN operation: a transfer, or (with ``input``) a contract invocation."""
    return PayCoin(str(dest), amount, input, source_address, metadata)


def create_account(
    dest: str | BID,
    *,
    init_balance: int = 0,
    master_weight: int = 1,
    tx_threshold: int = 1,
    contract: str = "",
    contract_type: int = 0,
    init_input: str = "",
    metadatas: Iterable[tuple[str, str]] = (),
    source_address: str = "",
    metadata: bytes = b"",
) -> CreateAccount:
    """A CREATE_ACCOUNT operation: account activation, or contract deployment."""
    return CreateAccount(
        str(dest),
        init_balance,
        master_weight,
        tx_threshold,
        contract,
        contract_type,
        init_input,
        tuple(metadatas),
        source_address,
        metadata,
    )


def set_metadata(
    key: str,
    value: str,
    *,
    version: int = 0,
    delete_flag: bool = False,
    source_address: str = "",
    metadata: bytes = b"",
) -> SetMetadata:
    """A SET_METADATA operation on the source account."""
    return SetMetadata(key, value, version, delete_flag, source_address, metadata)


# -- protobuf -------------------------------------------------------------------------------------


def _require_protobuf() -> None:
    """Import protobuf and our generated module, or raise MissingExtra saying what to install."""
    protobuf = import_extra("google.protobuf", "bif", feature=_FEATURE)
    too_old = (
        f"{_FEATURE} need a newer protobuf than {getattr(protobuf, '__version__', '?')}: "
        "run  pip install -U 'bid[bif]'"
    )
    try:
        from google.protobuf.runtime_version import VersionError
    except ImportError as exc:  # protobuf < 5.26 cannot load current generated code
        raise MissingExtra(too_old) from exc
    try:
        from .proto import chain_pb2  # noqa: F401 - loaded here so errors are translated once
    except VersionError as exc:
        raise MissingExtra(too_old) from exc


def _fill_operation(target: chain_pb2.Operation, op: Operation) -> None:
    from .proto import chain_pb2

    target.type = chain_pb2.Operation.Type.ValueType(op.type)
    if op.source_address:
        target.source_address = op.source_address
    if op.metadata:
        target.metadata = op.metadata
    if isinstance(op, PayCoin):
        pay = target.pay_coin
        pay.SetInParent()
        pay.dest_address = op.dest_address
        pay.amount = op.amount
        pay.input = op.input
    elif isinstance(op, CreateAccount):
        create = target.create_account
        create.SetInParent()
        create.dest_address = op.dest_address
        if op.contract:
            create.contract.type = op.contract_type
            create.contract.payload = op.contract
        create.priv.master_weight = op.master_weight
        create.priv.thresholds.SetInParent()
        create.priv.thresholds.tx_threshold = op.tx_threshold
        for key, value in op.metadatas:
            create.metadatas.add(key=key, value=value)
        create.init_balance = op.init_balance
        create.init_input = op.init_input
    else:
        entry = target.set_metadata
        entry.SetInParent()
        entry.key = op.key
        entry.value = op.value
        entry.version = op.version
        entry.delete_flag = op.delete_flag


def build_transaction(
    *,
    source: str | BID,
    nonce: int,
    operations: Sequence[Operation],
    fee_limit: int = DEFAULT_FEE_LIMIT,
    gas_price: int = DEFAULT_GAS_PRICE,
    ceil_ledger_seq: int = 0,
    metadata: bytes = b"",
    chain_id: int = 0,
    domain_id: int = 0,
) -> bytes:
    """The serialized ``Transaction`` (the blob to sign), proto3 defaults omitted.

    ``nonce`` is the source account's nonce + 1; ``ceil_ledger_seq`` is an absolute ledger
    number (0: no limit); ``metadata`` is free bytes (the SDKs' UTF-8 "remarks");
    ``domain_id`` 0 is the main consensus domain. Raises InvalidInput for a bad argument.
    """
    source_text = _address("source", source)
    _integer("nonce", nonce, minimum=1)
    for name, value in (
        ("fee_limit", fee_limit),
        ("gas_price", gas_price),
        ("ceil_ledger_seq", ceil_ledger_seq),
        ("chain_id", chain_id),
        ("domain_id", domain_id),
    ):
        _integer(name, value)
    metadata = _bytes("metadata", metadata)
    if isinstance(operations, PayCoin | CreateAccount | SetMetadata):
        raise InvalidInput("operations must be a sequence of operations, not one operation")
    ops = list(operations)
    if not ops:
        raise InvalidInput("a transaction needs at least one operation")
    for op in ops:
        if not isinstance(op, PayCoin | CreateAccount | SetMetadata):
            raise InvalidInput(f"not an operation: {type(op).__name__} (see pay_coin())")
    _require_protobuf()
    from .proto import chain_pb2

    tx = chain_pb2.Transaction(
        source_address=source_text,
        nonce=nonce,
        metadata=metadata,
        fee_limit=fee_limit,
        gas_price=gas_price,
        ceil_ledger_seq=ceil_ledger_seq,
        chain_id=chain_id,
        domain_id=domain_id,
    )
    for op in ops:
        _fill_operation(tx.operations.add(), op)
    return tx.SerializeToString(deterministic=True)


def _parse(blob: bytes) -> chain_pb2.Transaction:
    _require_protobuf()
    from google.protobuf.message import DecodeError

    from .proto import chain_pb2

    data = _bytes("blob", blob)
    tx = chain_pb2.Transaction()
    try:
        tx.ParseFromString(data)
    except DecodeError as exc:
        raise ParseError(f"not a BIF transaction: {exc}") from exc
    if not tx.source_address:
        raise ParseError("not a BIF transaction: it has no source_address")
    if not tx.operations:
        raise ParseError("not a BIF transaction: it has no operations")
    return tx


def _unknown_fields(message: Message) -> list[dict[str, Any]]:
    from google.protobuf.unknown_fields import UnknownFieldSet

    return _render_unknown(UnknownFieldSet(message))


def _render_unknown(fields: Any) -> list[dict[str, Any]]:
    rendered: list[dict[str, Any]] = []
    for index in range(len(fields)):
        item = fields[index]
        value: Any = item.data
        if item.wire_type == _WIRE_LENGTH_DELIMITED:
            value = bytes(value).hex()
        elif item.wire_type == _WIRE_GROUP:
            value = _render_unknown(value)
        rendered.append({"field": item.field_number, "wire_type": item.wire_type, "value": value})
    return rendered


def _view(message: Message, *, defaults: bool) -> dict[str, Any]:
    """A message as JSON-friendly values: ints, str, bools, bytes as hex, enums as ints."""
    from google.protobuf.descriptor import FieldDescriptor

    out: dict[str, Any] = {}
    by_number = message.DESCRIPTOR.fields_by_number
    for number in sorted(by_number):
        desc = by_number[number]
        value = getattr(message, desc.name)
        is_message = desc.type in (FieldDescriptor.TYPE_MESSAGE, FieldDescriptor.TYPE_GROUP)
        if desc.is_repeated:
            if value or defaults:
                out[desc.name] = [
                    _view(item, defaults=defaults) if is_message else _scalar(desc, item)
                    for item in value
                ]
        elif is_message:
            if message.HasField(desc.name):
                out[desc.name] = _view(value, defaults=defaults)
        elif defaults or value:
            out[desc.name] = _scalar(desc, value)
    unknown = _unknown_fields(message)
    if unknown:
        out["unknown_fields"] = unknown
    return out


def _scalar(desc: Any, value: Any) -> Any:
    from google.protobuf.descriptor import FieldDescriptor

    if desc.type == FieldDescriptor.TYPE_BYTES:
        return bytes(value).hex()
    return value


def decode_transaction(blob: bytes) -> dict[str, Any]:
    """Read a blob into a JSON-friendly dict shaped like the node's transaction JSON.

    Keys are chain.proto's field names. Every field of a message that is present appears
    (at its proto3 default when unset): ints as ints, ``bytes`` fields (``metadata``...) as
    lower-case hex, ``type`` as its number (:class:`OperationType`). An operation body that
    is absent is left out. Bytes this schema does not define are listed, never dropped,
    under ``"unknown_fields"`` (``[{"field", "wire_type", "value"}]``, length-delimited
    values as hex) in the message that holds them.

    Raises ParseError unless the bytes are a protobuf ``Transaction`` with a source address
    and at least one operation.
    """
    return _view(_parse(blob), defaults=True)


# -- signatures, hashes and node request bodies ---------------------------------------------------


def transaction_hash(blob: bytes) -> str:
    """The SDKs' transaction hash: lower-case hex SHA-256 of the blob (section 7.3).

    The node's hash is authoritative; for SM2 source accounts the SDKs still use SHA-256.
    """
    return hashlib.sha256(_bytes("blob", blob)).hexdigest()


def sign_blob(blob: bytes, key: Signer) -> dict[str, str]:
    """One entry of a submit item's ``signatures``: ``{"sign_data", "public_key"}``.

    ``sign_data`` is the lower-case hex signature of the blob itself (Ed25519, or SM2 with
    SM3 and the user id 1234567812345678, raw ``r || s``); ``public_key`` the BIF public key
    string of the signer (``b06566...``/``b07a66...``).
    """
    data = _bytes("blob", blob)
    return {"sign_data": key.sign(data).hex(), "public_key": key.public_key.to_bif()}


def verify_blob(blob: bytes, signature_hex: str, public_key_text: str) -> None:
    """Raise InvalidSignature unless ``signature_hex`` is the given key's signature of ``blob``.

    Hex of either case is accepted (Java SDKs write upper case). Only the signature is
    checked: whether that key may act for the transaction's source account is the chain's
    rule (the master key, or a signer with enough weight). Raises InvalidKey for a malformed
    public key string and ParseError for a signature that is not hex.
    """
    data = _bytes("blob", blob)
    key = public_key_from_bif(public_key_text)
    signature = hex_decode(signature_hex, what="signature", max_chars=256)
    key.verify(signature, data)


def _signature_entry(entry: Mapping[str, str]) -> dict[str, str]:
    if not isinstance(entry, Mapping) or set(entry) != {"sign_data", "public_key"}:
        raise InvalidInput('a signature is {"sign_data": hex, "public_key": BIF public key}')
    sign_data, public_key = entry["sign_data"], entry["public_key"]
    if not isinstance(sign_data, str) or not isinstance(public_key, str):
        raise InvalidInput("sign_data and public_key are strings")
    if not hex_decode(sign_data, what="sign_data", max_chars=256):
        raise InvalidInput("sign_data is empty")
    return {"sign_data": sign_data, "public_key": public_key}


def submit_body(
    items: Iterable[tuple[bytes, Sequence[Mapping[str, str]]]],
) -> dict[str, Any]:
    """The JSON body of ``POST /submitTransaction``: each blob (hex) with its signatures.

    ``{"items": [{"transaction_blob": hex, "signatures": [{"sign_data", "public_key"}]}]}``
    (section 7.2). Each item needs at least one signature, e.g. from :func:`sign_blob`.
    """
    body: list[dict[str, Any]] = []
    for blob, signatures in items:
        data = _bytes("blob", blob)
        if not data:
            raise InvalidInput("a transaction blob is empty")
        if isinstance(signatures, Mapping):
            raise InvalidInput("signatures is a list of signatures, not one signature")
        entries = [_signature_entry(entry) for entry in signatures]
        if not entries:
            raise InvalidInput("a transaction needs at least one signature")
        body.append({"transaction_blob": data.hex(), "signatures": entries})
    if not body:
        raise InvalidInput("nothing to submit")
    return {"items": body}


def evaluate_body(blobs: Iterable[bytes]) -> dict[str, Any]:
    """The JSON body of ``POST /testTransaction`` (fee evaluation) for unsigned blobs.

    ``{"items": [{"transaction_json": {...}}]}``: each transaction as the node's JSON,
    proto3 defaults left out as the SDKs do. Bytes fields are written as hex, how the node
    writes them; whether its parser reads hex here (the Go SDK sends Go's base64) is
    UNCONFIRMED, so leave ``metadata`` empty in what you evaluate. Raises ParseError for a
    malformed blob and InvalidInput for one with fields this schema does not define.
    """
    body: list[dict[str, Any]] = []
    for blob in blobs:
        view = _view(_parse(blob), defaults=False)
        if _has_unknown(view):
            raise InvalidInput("this transaction has fields chain.proto does not define")
        body.append({"transaction_json": view})
    if not body:
        raise InvalidInput("nothing to evaluate")
    return {"items": body}


def _has_unknown(view: Any) -> bool:
    if isinstance(view, dict):
        return "unknown_fields" in view or any(_has_unknown(v) for v in view.values())
    if isinstance(view, list):
        return any(_has_unknown(v) for v in view)
    return False


# -- the DDO contract -----------------------------------------------------------------------------


def contract_input(method: str, /, **params: JSONValue) -> str:
    """The contract call JSON the SDKs send: ``{"method": ..., "params": {...}}``, compact.

    No spaces, non-ASCII kept as is, members in the order given (as Jackson and
    ``JSON.stringify`` write them). Raises ParseError for values JSON cannot carry exactly
    (NaN, integers beyond 2^53, lone surrogates) and InvalidInput for an empty method.
    """
    _text("method", method)
    if not method:
        raise InvalidInput("the contract method name is empty")
    call: dict[str, JSONValue] = {"method": method, "params": dict(params)}
    check_value(call, what="contract input")
    return dumps_compact(call)


@dataclass(frozen=True)
class DDOContract:
    """Where BID documents live on chain, and the method names its calls use (section 6.4).

    Two deployments are known; which one the main chain uses today is UNCONFIRMED:

    - :attr:`LEGACY`: BIF-Core-SDK, BID-SDK-JAVA and the Go SDK (2021-2024), contract
      ``did:bid:efspy6btdcuzP5BH2N899Ycti5Sd7n3z``, ``creation``; AC BIDs use a second
      contract, :attr:`ac_address`.
    - :attr:`CURRENT`: the newest bid-typescript-sdk, contract
      ``did:bid:efosSF8ce2ifUDvuQj8hkZoG9iRuKuDM``, ``create``, plus ``reAuth``.

    Writes are PAY_COIN operations to :attr:`address` with one of the ``*_input`` strings;
    ``query_input`` goes to the node's ``/callContract`` (opt_type 2).
    """

    address: str
    create_method: str
    update_method: str = "update"
    query_method: str = "queryBid"
    reauth_method: str | None = None
    ac_address: str | None = None

    LEGACY: ClassVar[DDOContract]
    CURRENT: ClassVar[DDOContract]

    def __post_init__(self) -> None:
        _address("address", self.address)
        if self.ac_address is not None:
            _address("ac_address", self.ac_address)
        for name in ("create_method", "update_method", "query_method"):
            if not _text(name, getattr(self, name)):
                raise InvalidInput(f"{name} is empty")

    def create_input(self, document: JSONObject) -> str:
        """``{"method": <create>, "params": {"document": document}}``."""
        return contract_input(self.create_method, document=document)

    def update_input(self, document: JSONObject) -> str:
        """``{"method": "update", "params": {"document": document}}`` (the whole new document)."""
        return contract_input(self.update_method, document=document)

    def query_input(self, bid: str | BID) -> str:
        """``{"method": "queryBid", "params": {"id": bid}}``.

        ``bid`` may be a sub-chain's own id, ``did:bid:<ac>``: BID-SDK-JAVA asks the AC
        contract (:attr:`ac_address`) for those documents.
        """
        return contract_input(self.query_method, id=_address("bid", bid, sub_chain=True))

    def reauth_input(self, bid: str | BID, authentication: Sequence[str]) -> str:
        """``{"method": "reAuth", "params": {"id": bid, "authentication": [...]}}``.

        Raises Unsupported for a deployment without key recovery (:attr:`LEGACY`).
        """
        if self.reauth_method is None:
            raise Unsupported("this DDO contract has no key-recovery (reAuth) method")
        if isinstance(authentication, str):
            raise InvalidInput("authentication is a list of key ids, not one string")
        return contract_input(
            self.reauth_method, id=_address("bid", bid), authentication=list(authentication)
        )


DDOContract.LEGACY = DDOContract(
    address="did:bid:efspy6btdcuzP5BH2N899Ycti5Sd7n3z",
    create_method="creation",
    ac_address="did:bid:ef4xFkPwx5Xi3bw7PMYvPLDgsbqFm69J",
)
DDOContract.CURRENT = DDOContract(
    address="did:bid:efosSF8ce2ifUDvuQj8hkZoG9iRuKuDM",
    create_method="create",
    reauth_method="reAuth",
)
