"""BifRegistry: did:bid documents on the BIF chain, through a node's HTTP API.

Where things live on chain (bid-method.md sections 6.4 and 7):

- **The document**, in the DDO contract, where every BIF tool reads it (``queryBid``): the
  create operation calls the contract's ``creation``/``create``, update and recover call
  ``update`` with the whole new document, and deactivate calls ``update`` with the emptied
  document RFC-004 describes (``@context`` and ``id`` only). The contract has no
  deactivation of its own; other BIF readers see an empty document.
- **The signed operation log**, in the metadata of the DID's own account: entry
  ``bid-op-<seq>`` holds ``{"operation": <wire form>, "time": <acceptance time>}``. The
  contract call and the metadata entry are two operations of one transaction, so the chain
  applies both or neither.

Every transaction for a DID is sent from the DID's account, because the DDO contract
authorizes ``update`` by the sender's account (the BID part of an ``authentication`` entry)
and because the account's nonce orders the writes: a submit reads the nonce and the log in
one answer, and a concurrent writer that got there first makes our nonce stale, so the
node refuses our transaction (:class:`~bid.errors.Conflict`) instead of overwriting. The
transaction is therefore signed with the key the DID's account belongs to (the key the BID
derives from), given to the registry with :meth:`BifRegistry.add_account_key`; the
operation inside it is signed by whichever document key the rules require.

Reading replays the log through :func:`bid.registry.replay` (every signature, every
authorization, from the self-certifying creation), then checks that the contract holds
exactly the document the log ends in. A DID whose contract document was written by another
tool has no log, so it cannot be verified here: it is an :class:`~bid.errors.IntegrityError`
naming the RFC-005 resolver as the way to read it.

Acceptance times are the submitting client's clock, recorded in the log entry (and never
before the previous version's time). The chain does not attest them; a reader learns the
ledger time of a write only from its transaction hash, which nothing on chain indexes.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import replace
from datetime import datetime, timezone
from types import TracebackType

from .._json import JSONObject, canonical, loads_strict
from ..bif import BID
from ..errors import (
    BidError,
    Conflict,
    IntegrityError,
    InvalidDID,
    InvalidInput,
    InvalidOperation,
    ParseError,
    RegistryError,
    SequenceGap,
    Unauthorized,
)
from ..keys import PrivateKey
from ..registry import Operation, Version, apply, replay, system_clock
from . import bif_tx
from .bif_node import Account, BifNodeClient, TransactionRecord
from .http import HttpPolicy

__all__ = ["MAX_BATCH", "NODE_POLICY", "OPERATION_KEY_PREFIX", "BifRegistry"]

#: Most operations sent in one transaction by :meth:`BifRegistry.submit_many` (as BID-SDK-JAVA).
MAX_BATCH = 100
#: Metadata keys of the operation log on the DID's account: ``bid-op-1``, ``bid-op-2``...
OPERATION_KEY_PREFIX = "bid-op-"
_OP_KEY = re.compile(r"bid-op-([1-9][0-9]{0,17})")
_TIME = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z", re.ASCII)
_METADATA_VALUE_MAX = 256_000
_READ_ATTEMPTS = 3
#: The HTTP policy of a BifRegistry's node client by default: ``/getAccount`` answers with
#: the whole operation log, so the response cap is larger than the resolvers' 1 MiB.
NODE_POLICY = HttpPolicy(max_response_bytes=16 << 20)
_CONTRACTS = {"legacy": bif_tx.DDOContract.LEGACY, "current": bif_tx.DDOContract.CURRENT}
_CONTRACT_CODE = re.compile(r"(?<!\d)(107(?:0\d|10))(?!\d)")
# Node codes met while submitting. Only "4" is in the reference; these are the ones the
# bumo-lineage nodes (and bid.testing.BifTestNode) use. UNCONFIRMED against the live chain.
_BAD_SEQUENCE = 99
_INVALID_SIGNATURE = 93
_FEE_NOT_ENOUGH = 111


def _format_time(time: datetime) -> str:
    return time.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _parse_time(text: object, where: str) -> datetime:
    if not isinstance(text, str) or not _TIME.fullmatch(text):
        raise IntegrityError(f"{where}: the acceptance time is not a UTC timestamp")
    try:
        return datetime.strptime(text, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=timezone.utc)
    except ValueError as exc:
        raise IntegrityError(f"{where}: the acceptance time {text!r} is not a date") from exc


def _log_entry(op: Operation, time: datetime) -> str:
    """The metadata value recording ``op``: canonical JSON of the wire form and the time."""
    return canonical({"operation": op.to_json(), "time": _format_time(time)}).decode("utf-8")


def _read_entry(did: str, seq: int, text: str) -> tuple[Operation, datetime, str]:
    where = f"{OPERATION_KEY_PREFIX}{seq} of {did}"
    try:
        value = loads_strict(text, what=where)
    except ParseError as exc:
        raise IntegrityError(f"{where} is not JSON: {exc.message}") from exc
    if not isinstance(value, dict) or set(value) != {"operation", "time"}:
        raise IntegrityError(f'{where} is not {{"operation", "time"}}')
    operation = value["operation"]
    if not isinstance(operation, dict):
        raise IntegrityError(f"{where} holds no operation")
    try:
        op = Operation.from_json(operation)
    except InvalidOperation as exc:
        raise IntegrityError(f"{where}: {exc.message}") from exc
    return op, _parse_time(value["time"], where), op.hash


def _emptied(document: JSONObject) -> JSONObject:
    """What a deactivated DID's contract entry holds: RFC-004's emptied document."""
    return {"@context": document.get("@context", []), "id": document["id"]}


class BifRegistry:
    """A :class:`~bid.registry.Registry` on the BIF chain, through the node at ``node_url``.

    ``contract`` is the DDO contract deployment (:attr:`~bid.backends.bif_tx.DDOContract.LEGACY`
    by default, or ``CURRENT``, or your own). Reads need no key; writes need the key of each
    DID's account (:meth:`add_account_key`). ``wait_timeout`` bounds how long a write waits
    for its transaction to be in a ledger (:class:`~bid.errors.TransactionPending` after it);
    ``evaluate_fees`` asks the node (``/testTransaction``) for the fee limit of every
    transaction instead of sending the SDK defaults. Close it, or use it in a ``with`` block.
    """

    def __init__(
        self,
        node_url: str,
        *,
        contract: bif_tx.DDOContract = bif_tx.DDOContract.LEGACY,
        policy: HttpPolicy | None = None,
        account_keys: Iterable[PrivateKey] = (),
        clock: Callable[[], datetime] = system_clock,
        wait_timeout: float = 30.0,
        evaluate_fees: bool = True,
        gas_price: int = bif_tx.DEFAULT_GAS_PRICE,
        fee_limit: int = bif_tx.DEFAULT_FEE_LIMIT,
        node: BifNodeClient | None = None,
    ) -> None:
        if wait_timeout <= 0:
            raise ValueError("wait_timeout must be positive")
        self.contract = contract
        self.node = node or BifNodeClient(node_url, policy=policy or NODE_POLICY)
        self.wait_timeout = wait_timeout
        self.evaluate_fees = evaluate_fees
        self.gas_price = gas_price
        self.fee_limit = fee_limit
        self._clock = clock
        self._keys: list[PrivateKey] = []
        for key in account_keys:
            self.add_account_key(key)

    @classmethod
    def from_url(cls, url: str, *, clock: Callable[[], datetime] = system_clock) -> BifRegistry:
        """``bif+http://host:port[?contract=legacy|current][&allow_private_networks=true]``.

        ``contract`` names a known deployment (default ``legacy``);
        ``allow_private_networks`` lets the client reach loopback and private addresses,
        which it refuses otherwise.
        """
        scheme, sep, rest = url.partition("+")
        if scheme != "bif" or not sep or not rest.startswith(("http://", "https://")):
            raise InvalidInput(f"a BIF registry URL is bif+http(s)://host:port, not {url!r}")
        base, _, query = rest.partition("?")
        options = _options(query)
        unknown = set(options) - {"contract", "allow_private_networks"}
        if unknown:
            raise InvalidInput(f"unknown BIF registry option(s): {sorted(unknown)}")
        contract = _CONTRACTS.get(options.get("contract", "legacy"))
        if contract is None:
            raise InvalidInput(f"contract is one of {sorted(_CONTRACTS)}")
        allow = options.get("allow_private_networks", "false")
        if allow not in ("true", "false"):
            raise InvalidInput("allow_private_networks is true or false")
        policy = replace(NODE_POLICY, allow_private_networks=allow == "true")
        return cls(base, contract=contract, policy=policy, clock=clock)

    def add_account_key(self, key: PrivateKey) -> None:
        """Let the registry sign transactions for the account of ``key``'s BID (both forms)."""
        if not isinstance(key, PrivateKey):
            raise InvalidInput("an account key is a PrivateKey")
        if key not in self._keys:
            self._keys.append(key)

    def close(self) -> None:
        """Close the node client."""
        self.node.close()

    def __enter__(self) -> BifRegistry:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"BifRegistry({self.node.base_url!r}, contract={self.contract.address!r})"

    # -- reads ---------------------------------------------------------------------------

    def read(self, did: str) -> Version | None:
        """The current version of ``did``, verified from its creation; ``None`` if never created."""
        versions = self.history(did)
        return versions[-1] if versions else None

    def history(self, did: str) -> tuple[Version, ...]:
        """Every version of ``did``, replayed and checked against the contract's document.

        The log and the document come from two requests; a write that lands between them
        makes them disagree, so a disagreement is read again while the account's nonce
        keeps moving (at most :data:`_READ_ATTEMPTS` times) before it counts as corruption.
        """
        if not _is_bid(did):
            return ()
        account = self.node.account(did)
        for attempt in range(_READ_ATTEMPTS):
            versions = self._log(did, account)
            stored = self.node.query_contract(self.contract.address, self.contract.query_input(did))
            problem = _disagreement(did, versions, stored)
            if problem is None:
                return tuple(versions)
            again = self.node.account(did)
            if attempt + 1 == _READ_ATTEMPTS or _nonce(again) == _nonce(account):
                raise problem
            account = again
        raise AssertionError("unreachable")  # pragma: no cover

    def _log(self, did: str, account: Account | None) -> list[Version]:
        if account is None:
            return []
        numbered: dict[int, str] = {}
        for key, entry in account.metadatas.items():
            if key.startswith(OPERATION_KEY_PREFIX):
                match = _OP_KEY.fullmatch(key)
                if match is None:
                    raise IntegrityError(f"{did} has a malformed log entry key {key[:40]!r}")
                numbered[int(match.group(1))] = entry.value
        if sorted(numbered) != list(range(1, len(numbered) + 1)):
            raise IntegrityError(f"the operation log of {did} has gaps")
        entries = [_read_entry(did, seq, numbered[seq]) for seq in sorted(numbered)]
        return replay(did, entries)

    # -- writes --------------------------------------------------------------------------

    def submit(self, operation: Operation) -> Version:
        """Check ``operation`` against the chain's log, then write it in one transaction.

        Returns the new version once its transaction is in a ledger, or the stored one for
        an exact re-submission (nothing is sent). A refusal by our rules sends nothing; a
        refusal by the chain raises the matching RegistryError and the chain keeps nothing
        but the nonce. Raises TransactionPending when the deadline passes first.
        """
        if not isinstance(operation, Operation):
            raise InvalidInput("submit() takes an Operation")
        account = self.node.account(operation.did)
        version, stored = self._check(operation, account)
        if version is None:
            assert stored is not None
            return stored
        key = self._account_key(operation.did)
        nonce = (account.nonce if account is not None else 0) + 1
        ops = self._chain_operations(operation, version, source="")
        self._send(operation.did, nonce, ops, [key])
        return version

    def submit_many(self, operations: Sequence[Operation]) -> list[Version]:
        """Write up to :data:`MAX_BATCH` creations in one transaction; versions in input order.

        As BID-SDK-JAVA batches document creation. The transaction is sent from the first
        new DID's account, every other DID's operations name their own account as source,
        so it carries one signature per DID and all of their keys must be added. The chain
        applies all or none: any refusal raises and nothing is kept. Exact re-submissions
        of stored creations are returned as stored and not sent again.
        """
        ops = list(operations)
        if not ops:
            return []
        if len(ops) > MAX_BATCH:
            raise InvalidInput(f"a batch holds at most {MAX_BATCH} operations, not {len(ops)}")
        if any(not isinstance(op, Operation) or op.type != "create" for op in ops):
            raise InvalidInput("a batch holds create operations only (each DID's first)")
        dids = [op.did for op in ops]
        if len(set(dids)) != len(dids):
            raise InvalidInput("a batch holds one operation per DID")
        results: list[Version | None] = []
        pending: list[tuple[Operation, Version, Account | None]] = []
        for op in ops:
            account = self.node.account(op.did)
            version, stored = self._check(op, account)
            results.append(stored)
            if version is not None:
                pending.append((op, version, account))
        if pending:
            source, _, source_account = pending[0]
            chain_ops: list[bif_tx.Operation] = []
            keys: list[PrivateKey] = []
            for op, version, _account in pending:
                keys.append(self._account_key(op.did))
                own = "" if op.did == source.did else op.did
                chain_ops.extend(self._chain_operations(op, version, source=own))
            nonce = (source_account.nonce if source_account is not None else 0) + 1
            self._send(source.did, nonce, chain_ops, keys)
            written = iter(version for _op, version, _account in pending)
            results = [stored or next(written) for stored in results]
        return [version for version in results if version is not None]

    def _check(
        self, operation: Operation, account: Account | None
    ) -> tuple[Version | None, Version | None]:
        """(the new version or None, the stored version with this seq or None)."""
        versions = self._log(operation.did, account)
        head = versions[-1] if versions else None
        stored = versions[operation.seq - 1] if operation.seq <= len(versions) else None
        version = apply(
            head,
            operation,
            time=self._clock(),
            stored_hash=stored.hash if stored is not None else None,
        )
        return version, stored

    def _account_key(self, did: str) -> PrivateKey:
        bid = BID.parse(did)
        for key in self._keys:
            public = key.public_key
            if bid.derives_from(public.key_type, public.public_bytes()):
                return key
        raise Unauthorized(
            f"the BIF chain takes writes for {did} from its own account only: add the key "
            f"{did} derives from (BifRegistry.add_account_key, or bid --account-key)"
        )

    def _chain_operations(
        self, op: Operation, version: Version, *, source: str
    ) -> list[bif_tx.Operation]:
        if op.type == "create":
            assert op.document is not None
            call = self.contract.create_input(op.document.to_json())
        elif op.type == "deactivate":
            call = self.contract.update_input(_emptied(version.document.to_json()))
        else:
            assert op.document is not None
            call = self.contract.update_input(op.document.to_json())
        entry = _log_entry(op, version.time)
        if len(entry.encode("utf-8")) > _METADATA_VALUE_MAX:
            raise InvalidOperation(
                f"the operation is too large for a BIF metadata entry ({_METADATA_VALUE_MAX} "
                "bytes with its wire encoding)"
            )
        return [
            bif_tx.pay_coin(self.contract.address, input=call, source_address=source),
            bif_tx.set_metadata(f"{OPERATION_KEY_PREFIX}{op.seq}", entry, source_address=source),
        ]

    def _send(
        self,
        source: str,
        nonce: int,
        ops: Sequence[bif_tx.Operation],
        keys: Sequence[PrivateKey],
    ) -> TransactionRecord:
        fee_limit, gas_price = self.fee_limit, self.gas_price

        def build() -> bytes:
            return bif_tx.build_transaction(
                source=source,
                nonce=nonce,
                operations=ops,
                fee_limit=fee_limit,
                gas_price=gas_price,
                domain_id=self.node.domain_id,
            )

        blob = build()
        if self.evaluate_fees:
            fee_limit, gas_price = self.node.evaluate_fee(blob)
            blob = build()
        signatures = [bif_tx.sign_blob(blob, key) for key in keys]
        answer = self.node.submit(blob, signatures)
        if answer.error_code != 0:
            raise _chain_error(source, answer.hash, answer.error_code, answer.error_desc)
        record = self.node.wait(answer.hash, timeout=self.wait_timeout)
        if record.error_code != 0:
            raise _chain_error(source, record.hash, record.error_code, record.error_desc)
        return record


def _options(query: str) -> dict[str, str]:
    """``a=b&c=d`` as a dict; the values here are plain words, so no percent-decoding."""
    options: dict[str, str] = {}
    for part in query.split("&") if query else ():
        name, sep, value = part.partition("=")
        if not sep or not name or name in options:
            raise InvalidInput(f"malformed BIF registry option {part[:40]!r}; use name=value")
        options[name] = value
    return options


def _nonce(account: Account | None) -> int:
    return account.nonce if account is not None else 0


def _disagreement(
    did: str, versions: Sequence[Version], stored: str | None
) -> IntegrityError | None:
    """Why the contract's document ``stored`` does not match the log, or None if it does."""
    if not versions:
        if stored is None:
            return None
        return IntegrityError(
            f"{did} has a document in the DDO contract but no signed operation log on its "
            "account (another tool wrote it), so it cannot be verified here; resolve it "
            "through a BIF resolver (bid resolve --resolver bif+URL)"
        )
    head = versions[-1]
    document = head.document.to_json()
    expected = _emptied(document) if head.deactivated else document
    if stored is not None and _same_json(stored, expected):
        return None
    return IntegrityError(
        f"the DDO contract's document for {did} is not the one its operation log ends in "
        f"(seq {head.seq}); it is not served"
    )


def _is_bid(did: str) -> bool:
    try:
        return not BID.parse(did).is_ac_only
    except InvalidDID:
        return False


def _same_json(text: str, expected: JSONObject) -> bool:
    try:
        return canonical(loads_strict(text, what="the contract's document")) == canonical(expected)
    except ParseError:
        return False


def _chain_error(source: str, hash: str, code: int, desc: str) -> BidError:
    """Our error for a transaction the node refused (at admission) or applied with an error."""
    said = f"transaction {hash} failed: node error {code} {desc[:200]}".rstrip()
    match = _CONTRACT_CODE.search(desc)
    contract_code = match.group(1) if match else None
    error: type[RegistryError] = RegistryError
    if contract_code in ("10700", "10702"):
        return InvalidOperation(f"the DDO contract refused the document ({said})")
    if contract_code == "10703":
        error = Conflict
    elif contract_code == "10706":
        error = SequenceGap
    elif contract_code in ("10707", "10709", "10710") or code == _INVALID_SIGNATURE:
        error = Unauthorized
    elif code == _BAD_SEQUENCE:
        return Conflict(
            f"another transaction from {source} took nonce first; read again and retry ({said})"
        )
    elif code == _FEE_NOT_ENOUGH:
        return RegistryError(f"the fee limit was too low ({said})", code="feeNotEnough")
    return error(said)
