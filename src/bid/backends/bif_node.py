"""A client of a BIF node's HTTP API: accounts, ledgers, contract queries, transactions.

Every node answer is ``{"error_code": int, "error_desc": str, "result": {...}}``
(bid-method.md section 7.2). This client reads them strictly and maps them to our errors:

- a network failure, a status other than 200 or a body that is not such an envelope is an
  :class:`~bid.errors.HttpError` (never "not found": the node could not be asked);
- ``error_code`` 4 on an account or transaction lookup is "does not exist" and returns
  ``None``; a contract query whose error carries ``10706`` returns ``None``;
- any other non-zero ``error_code`` is a :class:`~bid.errors.RegistryError` naming it.

Writes go through :meth:`BifNodeClient.submit` and :meth:`BifNodeClient.wait`: the first
hands signed blobs to the node (``/submitTransaction``), the second polls
``/getTransactionHistory`` until the transaction is in a ledger or the deadline passes
(:class:`~bid.errors.TransactionPending`). Building and signing blobs is
:mod:`bid.backends.bif_tx`; the DDO contract's rules are used by
:mod:`bid.backends.bif_registry`.

Requests go through :class:`~bid.backends.http.HttpClient`: pinned, checked addresses, no
redirects, a response-size cap and retries of reads only. A POST that may have reached the
node (``/submitTransaction``) is never retried blindly: re-submitting the same blob is
harmless (same hash), so :meth:`submit` resends it only after a failed connection.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timezone
from types import MappingProxyType, TracebackType
from typing import Any

from .._json import JSONValue, thaw
from ..errors import HttpError, RegistryError, TransactionPending
from . import bif_tx
from .http import HttpClient, HttpPolicy, HttpResponse, check_url

__all__ = [
    "NOT_EXIST",
    "Account",
    "BifNodeClient",
    "Metadata",
    "SubmitResult",
    "TransactionRecord",
]

#: The node's ``error_code`` for an account or transaction that does not exist (section 7.2).
NOT_EXIST = 4
_DOCUMENT_NOT_FOUND = re.compile(r"(?<!\d)10706(?!\d)")
_HASH = re.compile(r"[0-9a-f]{64}")
_MAX_BLOB_HEX = 16 << 20


@dataclass(frozen=True, slots=True)
class Metadata:
    """One metadata entry of an account: its value and the version the chain gave it."""

    value: str
    version: int


@dataclass(frozen=True, slots=True)
class Account:
    """An account as ``/getAccount`` reports it: its nonce and its metadata entries."""

    address: str
    nonce: int
    metadatas: Mapping[str, Metadata]


@dataclass(frozen=True, slots=True)
class SubmitResult:
    """The node's answer for one submitted blob: accepted when ``error_code`` is 0."""

    hash: str
    error_code: int
    error_desc: str


@dataclass(frozen=True, slots=True)
class TransactionRecord:
    """A transaction in a ledger: where, when, and whether it succeeded (``error_code`` 0).

    ``close_time`` is the ledger's close time; ``transaction`` the node's decoded view.
    """

    hash: str
    ledger_seq: int
    close_time: datetime
    error_code: int
    error_desc: str
    transaction: Mapping[str, Any]


def _int(value: object, what: str, *, default: int | None = None) -> int:
    if value is None and default is not None:
        return default
    if isinstance(value, bool):
        raise HttpError(f"{what} is not an integer")
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.isascii() and value.lstrip("-").isdecimal():
        return int(value)  # some nodes write int64 values as strings
    raise HttpError(f"{what} is not an integer")


def _object(value: object, what: str) -> dict[str, Any]:
    if not isinstance(value, Mapping):
        raise HttpError(f"{what} is not a JSON object")
    return dict(value)


def _micros(value: object, what: str) -> datetime:
    micros = _int(value, what)
    try:
        return datetime(1970, 1, 1, tzinfo=timezone.utc) + _MICROSECOND * micros
    except OverflowError as exc:
        raise HttpError(f"{what} is out of range") from exc


_MICROSECOND = datetime(1970, 1, 1, 0, 0, 0, 1) - datetime(1970, 1, 1)


class BifNodeClient:
    """Talks to the BIF node at ``base_url`` (``http://host:port``) under an HTTP policy.

    Close it, or use it in a ``with`` block. ``domain_id`` selects the consensus domain (0,
    the main one, is left out of requests). ``sleep`` waits between polls; tests pass their own.
    Raises AddressNotAllowed for a base URL that is not http(s); MissingExtra without httpx.
    """

    def __init__(
        self,
        base_url: str,
        *,
        policy: HttpPolicy | None = None,
        domain_id: int = 0,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.base_url = check_url(base_url, base=True).rstrip("/")
        self.policy = policy or HttpPolicy()
        self.domain_id = domain_id
        self._sleep = sleep
        self._http = HttpClient(self.policy)

    def close(self) -> None:
        """Close the pooled connections."""
        self._http.close()

    def __enter__(self) -> BifNodeClient:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"BifNodeClient({self.base_url!r})"

    # -- reads ---------------------------------------------------------------------------

    def account(self, address: str) -> Account | None:
        """``GET /getAccount``: nonce and metadata of ``address``; ``None`` if it does not exist.

        Nonce and metadata come from one answer, so they describe one state of the account.
        """
        result = self._get("/getAccount", {"address": address}, missing_ok=True)
        if result is None:
            return None
        entries: dict[str, Metadata] = {}
        raw = result.get("metadatas") or []
        if not isinstance(raw, list):
            raise HttpError("metadatas is not a list")
        for item in raw:
            entry = _object(item, "a metadata entry")
            key, value = entry.get("key"), entry.get("value", "")
            if not isinstance(key, str) or not isinstance(value, str):
                raise HttpError("a metadata entry has no string key and value")
            if key in entries:
                raise HttpError(f"the node lists metadata {key[:40]!r} twice")
            entries[key] = Metadata(value, _int(entry.get("version"), "version", default=0))
        return Account(
            address=address,
            nonce=_int(result.get("nonce"), "nonce", default=0),
            metadatas=MappingProxyType(entries),
        )

    def nonce(self, address: str) -> int:
        """The account's nonce (0 for an account the node does not know)."""
        result = self._get("/getAccountBase", {"address": address}, missing_ok=True)
        return 0 if result is None else _int(result.get("nonce"), "nonce", default=0)

    def ledger(self, seq: int | None = None) -> dict[str, Any]:
        """``GET /getLedger``: the header of ledger ``seq`` (the latest by default)."""
        params = {} if seq is None else {"seq": str(seq)}
        result = self._get("/getLedger", params)
        assert result is not None
        return _object(result.get("header"), "header")

    def query_contract(self, contract_address: str, input: str) -> str | None:
        """``POST /callContract`` (a query, ``opt_type`` 2): the first result's value.

        Returns ``None`` when the contract answers 10706 (document not existed); raises
        RegistryError for any other contract error.
        """
        body: dict[str, JSONValue] = {
            "opt_type": 2,
            "fee_limit": bif_tx.DEFAULT_FEE_LIMIT,
            "contract_address": contract_address,
            "input": input,
        }
        if self.domain_id:
            body["domain_id"] = self.domain_id
        result = self._post("/callContract", body, idempotent=True)
        rets = result.get("query_rets")
        if not isinstance(rets, list) or not rets:
            raise HttpError("/callContract answered without query_rets")
        first = _object(rets[0], "query_rets[0]")
        if "error" in first:
            text = repr(first["error"])
            if _DOCUMENT_NOT_FOUND.search(text):
                return None
            raise RegistryError(f"the contract {contract_address} refused the query: {text[:300]}")
        value = _object(first.get("result"), "query_rets[0].result").get("value")
        if not isinstance(value, str):
            raise HttpError("the contract query returned no string value")
        return value

    def transaction(self, hash: str) -> TransactionRecord | None:
        """``GET /getTransactionHistory?hash=``: the applied transaction, or ``None``."""
        result = self._get("/getTransactionHistory", {"hash": hash}, missing_ok=True)
        if result is None:
            return None
        items = result.get("transactions")
        if not isinstance(items, list) or not items:
            return None
        record = _object(items[0], "transactions[0]")
        if record.get("hash") != hash:
            raise HttpError(f"asked for transaction {hash}, the node answered another")
        return TransactionRecord(
            hash=hash,
            ledger_seq=_int(record.get("ledger_seq"), "ledger_seq"),
            close_time=_micros(record.get("close_time"), "close_time"),
            error_code=_int(record.get("error_code"), "error_code", default=0),
            error_desc=str(record.get("error_desc") or ""),
            transaction=MappingProxyType(_object(record.get("transaction", {}), "transaction")),
        )

    # -- writes --------------------------------------------------------------------------

    def evaluate_fee(self, blob: bytes) -> tuple[int, int]:
        """``POST /testTransaction``: the node's ``(fee_limit, gas_price)`` for ``blob``."""
        result = self._post("/testTransaction", bif_tx.evaluate_body([blob]), idempotent=True)
        txs = result.get("txs")
        if not isinstance(txs, list) or not txs:
            raise HttpError("/testTransaction answered without txs")
        env = _object(_object(txs[0], "txs[0]").get("transaction_env"), "transaction_env")
        tx = _object(env.get("transaction"), "transaction_env.transaction")
        fee_limit = _int(tx.get("fee_limit"), "fee_limit")
        gas_price = _int(tx.get("gas_price"), "gas_price", default=bif_tx.DEFAULT_GAS_PRICE)
        if fee_limit <= 0 or gas_price < 0:
            raise HttpError(f"the node evaluated an impossible fee ({fee_limit}, {gas_price})")
        return fee_limit, gas_price

    def submit(self, blob: bytes, signatures: Sequence[Mapping[str, str]]) -> SubmitResult:
        """``POST /submitTransaction`` with one signed blob; returns the node's verdict.

        An accepted blob (``error_code`` 0) is queued, not yet applied: :meth:`wait` for it.
        The same blob sent twice has the same hash, so a resend after a failed connection
        cannot apply it twice.
        """
        body = bif_tx.submit_body([(blob, signatures)])
        if len(body["items"][0]["transaction_blob"]) > _MAX_BLOB_HEX:
            raise RegistryError("the transaction is too large to submit")
        result = self._post("/submitTransaction", body, idempotent=False)
        results = result.get("results")
        if not isinstance(results, list) or len(results) != 1:
            raise HttpError("/submitTransaction answered without one result per item")
        item = _object(results[0], "results[0]")
        expected = bif_tx.transaction_hash(blob)
        got = item.get("hash", expected)
        if got != expected:
            raise HttpError(f"the node names the submitted transaction {str(got)[:70]!r}")
        return SubmitResult(
            hash=expected,
            error_code=_int(item.get("error_code"), "error_code", default=0),
            error_desc=str(item.get("error_desc") or ""),
        )

    def wait(
        self, hash: str, *, timeout: float, interval: float = 0.05, max_interval: float = 1.0
    ) -> TransactionRecord:
        """Poll until transaction ``hash`` is in a ledger; TransactionPending after ``timeout``.

        Polls start ``interval`` apart and back off to ``max_interval``. The record is
        returned whatever its ``error_code``: the caller decides what a failure means.
        """
        if not _HASH.fullmatch(hash):
            raise ValueError("hash must be 64 lower-case hex digits")
        deadline = time.monotonic() + timeout
        delay = interval
        while True:
            record = self.transaction(hash)
            if record is not None:
                return record
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise TransactionPending(
                    f"transaction {hash} was accepted by {self.base_url} but is not in a "
                    f"ledger after {timeout:g}s; its outcome is unknown (look it up by hash)",
                    hash=hash,
                )
            self._sleep(min(delay, remaining))
            delay = min(max_interval, delay * 2)

    # -- the exchange --------------------------------------------------------------------

    def _params(self, params: Mapping[str, str]) -> dict[str, str]:
        merged = dict(params)
        if self.domain_id:
            merged["domainid"] = str(self.domain_id)
        return merged

    def _get(
        self, path: str, params: Mapping[str, str], *, missing_ok: bool = False
    ) -> dict[str, Any] | None:
        response = self._http.get(self.base_url + path, params=self._params(params))
        return self._result(path, response, missing_ok=missing_ok)

    def _post(self, path: str, body: JSONValue, *, idempotent: bool) -> dict[str, Any]:
        response = self._http.post(self.base_url + path, json=body, idempotent=idempotent)
        result = self._result(path, response)
        assert result is not None
        return result

    def _result(
        self, path: str, response: HttpResponse, *, missing_ok: bool = False
    ) -> dict[str, Any] | None:
        if response.status != 200:  # before the body: an error page is seldom JSON
            raise HttpError(f"{self.base_url}{path} answered HTTP {response.status}")
        envelope = _object(thaw(response.json()), f"the answer of {path}")
        code = _int(envelope.get("error_code"), f"error_code of {path}")
        if code == NOT_EXIST and missing_ok:
            return None
        if code != 0:
            desc = str(envelope.get("error_desc") or "")[:300]
            raise RegistryError(f"the node refused {path}: error {code} {desc}".rstrip())
        return _object(envelope.get("result", {}), f"the result of {path}")
