"""BifRegistry on a BifTestNode: where documents and logs land on chain, concurrency, batches,
fees, deadlines, tampering by the node, network failures, the URL form and the CLI.

The node is real HTTP on loopback speaking the BIF wire format (protobuf blobs, Ed25519 and
SM2 signatures, nonces, the DDO contract rules); see bid.testing.BifTestNode. The registry
contract suite (tests/test_registry_contract.py) runs on BifRegistry too.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest

from bid import cli
from bid._json import canonical
from bid.backends import bif_tx
from bid.backends.bif_node import BifNodeClient
from bid.backends.bif_registry import MAX_BATCH, BifRegistry, _chain_error
from bid.backends.http import HttpPolicy
from bid.errors import (
    Conflict,
    HttpError,
    IntegrityError,
    InvalidInput,
    InvalidOperation,
    RegistryError,
    SequenceGap,
    TransactionPending,
    Unauthorized,
)
from bid.keys import Ed25519PrivateKey, PrivateKey, SM2PrivateKey
from bid.methods.bid import (
    BidMethod,
    create_operation,
    new_document,
    next_operation,
    recovered_document,
    updated_document,
)
from bid.registry import Operation, Version, load_registry
from bid.testing import BifTestNode

T0 = datetime(2025, 3, 1, 9, 0, tzinfo=timezone.utc)
LEGACY = bif_tx.DDOContract.LEGACY
CURRENT = bif_tx.DDOContract.CURRENT
LOOPBACK = HttpPolicy(allow_private_networks=True, retries=2, backoff=0.01)


def ed(n: int) -> Ed25519PrivateKey:
    return Ed25519PrivateKey.from_seed(bytes([n]) * 32)


def genesis(key: PrivateKey, **kwargs: Any) -> Operation:
    return create_operation(new_document(key, now=T0, **kwargs), key)


def update(head: Version, key: PrivateKey, name: str) -> Operation:
    document = updated_document(
        head.document, now=T0, services=[(name, "Example", f"https://example.com/{name}")]
    )
    return next_operation("update", head, key, document=document)


class Ticker:
    """A registry clock stepping one second per call."""

    def __init__(self) -> None:
        self.now = T0

    def __call__(self) -> datetime:
        self.now += timedelta(seconds=1)
        return self.now


@pytest.fixture
def node() -> Iterator[BifTestNode]:
    with BifTestNode() as running:
        yield running


def chain(node: BifTestNode, *keys: PrivateKey, **kwargs: Any) -> BifRegistry:
    return BifRegistry(
        node.url, policy=LOOPBACK, account_keys=keys, clock=kwargs.pop("clock", Ticker()), **kwargs
    )


def submissions(node: BifTestNode) -> int:
    return sum(1 for method, path in node.requests if path == "/submitTransaction")


# -- what lands on chain ---------------------------------------------------------------------


def test_the_contract_holds_the_document_and_the_account_holds_the_log(node: BifTestNode) -> None:
    key, rescue = ed(1), ed(2)
    registry = chain(node, key)
    v1 = registry.submit(genesis(key, recovery_key=rescue.public_key))
    did = v1.did
    assert json.loads(node.document(LEGACY.address, did) or "null") == v1.document.to_json()
    account = node.account(did)
    assert account is not None
    assert account["nonce"] == 1
    value, _version = account["metadatas"]["bid-op-1"]
    entry = json.loads(value)
    assert entry["operation"] == v1.operation.to_json()
    assert entry["time"] == v1.time.strftime("%Y-%m-%dT%H:%M:%S.%fZ")

    v2 = registry.submit(update(v1, key, "hub"))
    assert json.loads(node.document(LEGACY.address, did) or "null") == v2.document.to_json()
    new_key = ed(3)
    v3 = registry.submit(
        next_operation(
            "recover",
            v2,
            rescue,
            document=recovered_document(v2.document, new_key.public_key, now=T0),
        )
    )
    v4 = registry.submit(next_operation("deactivate", v3, new_key))
    assert v4.deactivated
    # RFC-004: a deactivated BID's document is emptied, so BIF readers see no keys either.
    emptied = json.loads(node.document(LEGACY.address, did) or "null")
    assert emptied == {"@context": v1.document.to_json()["@context"], "id": did}
    assert registry.history(did) == (v1, v2, v3, v4)
    # A second client with no keys reads and verifies the same history.
    reader = chain(node)
    assert reader.history(did) == (v1, v2, v3, v4)
    assert reader.read(did) == v4
    assert node.account(did)["nonce"] == 4  # type: ignore[index]


def test_each_write_is_one_transaction_from_the_dids_account(node: BifTestNode) -> None:
    key = ed(1)
    registry = chain(node, key)
    client = BifNodeClient(node.url, policy=LOOPBACK)
    v1 = registry.submit(genesis(key))
    ledger = client.ledger()
    history = client._get("/getTransactionHistory", {"ledger_seq": str(ledger["seq"])})
    assert history is not None
    (record,) = history["transactions"]
    tx = record["transaction"]
    assert tx["source_address"] == v1.did
    assert tx["nonce"] == 1
    kinds = [op["type"] for op in tx["operations"]]
    assert kinds == [bif_tx.OperationType.PAY_COIN, bif_tx.OperationType.SET_METADATA]
    pay = tx["operations"][0]["pay_coin"]
    assert pay["dest_address"] == LEGACY.address
    assert json.loads(pay["input"]) == {
        "method": "creation",
        "params": {"document": v1.document.to_json()},
    }
    assert tx["operations"][1]["set_metadata"]["key"] == "bid-op-1"
    (signature,) = record["signatures"]
    assert signature["public_key"] == key.public_key.to_bif()
    client.close()


def test_the_current_contract_deployment(node: BifTestNode) -> None:
    key = ed(4)
    registry = BifRegistry(node.url, contract=CURRENT, policy=LOOPBACK, account_keys=[key])
    v1 = registry.submit(genesis(key))
    assert node.document(CURRENT.address, v1.did) is not None
    assert node.document(LEGACY.address, v1.did) is None
    assert registry.read(v1.did) == v1
    # A registry on the other deployment finds a log without a matching contract document.
    with pytest.raises(IntegrityError, match="not the one its operation log"):
        chain(node).read(v1.did)


def test_sm2_account_writes_in_the_spec_form(node: BifTestNode) -> None:
    key = SM2PrivateKey.from_bytes(bytes(range(1, 33)))
    registry = chain(node, key)
    v1 = registry.submit(genesis(key))
    assert v1.did.startswith("did:bid:zf")
    v2 = registry.submit(update(v1, key, "hub"))
    assert chain(node).history(v1.did) == (v1, v2)


# -- refusals that send nothing ---------------------------------------------------------------


def test_without_the_account_key_nothing_is_sent(node: BifTestNode) -> None:
    key = ed(1)
    v1 = chain(node, key).submit(genesis(key))
    stranger = chain(node, ed(9))
    with pytest.raises(Unauthorized, match="add_account_key"):
        stranger.submit(update(v1, key, "hub"))
    assert submissions(node) == 1
    assert stranger.read(v1.did) == v1


def test_our_rules_refuse_before_the_chain_is_asked(node: BifTestNode) -> None:
    key, other = ed(1), ed(2)
    registry = chain(node, key, other)
    v1 = registry.submit(genesis(key))
    forged = next_operation("update", v1, key, document=v1.document)
    forged = Operation.sign(
        "update",
        did=v1.did,
        seq=2,
        previous=v1.hash,
        key=other,
        signer=forged.signer,
        document=v1.document,
    )
    with pytest.raises(Unauthorized, match="signature"):
        registry.submit(forged)
    assert submissions(node) == 1
    assert registry.submit(v1.operation) == v1  # an exact re-submission sends nothing
    assert submissions(node) == 1


def test_an_operation_too_large_for_a_metadata_entry(node: BifTestNode) -> None:
    # Within the registry's operation limit (256 KiB) but over a BIF metadata value (256000 B).
    key = ed(1)
    services: list[tuple[str, str, str]] = []
    op = genesis(key)
    while len(op.signed_bytes) < 256_500:
        services.append((f"s{len(services)}", "Example", "https://example.com/" + "x" * 1900))
        op = genesis(key, services=services)
    assert len(op.signed_bytes) + len(op.signature) < 262_144
    with pytest.raises(InvalidOperation, match="metadata entry"):
        chain(node, key).submit(op)
    assert submissions(node) == 0


# -- concurrency: the account nonce orders writers -----------------------------------------------


def test_a_writer_that_lost_the_race_gets_conflict_and_changes_nothing(node: BifTestNode) -> None:
    key = ed(1)
    first = chain(node, key)
    v1 = first.submit(genesis(key))
    theirs = update(v1, key, "theirs")

    class RacingClock(Ticker):
        def __call__(self) -> datetime:
            # Called after our registry read the account: another writer lands now.
            if not hasattr(self, "raced"):
                self.raced = first.submit(theirs)
            return super().__call__()

    second = chain(node, key, clock=RacingClock())
    with pytest.raises(Conflict, match="nonce"):
        second.submit(update(v1, key, "ours"))
    history = first.history(v1.did)
    assert [v.operation for v in history] == [v1.operation, theirs]


# -- batches and fees ------------------------------------------------------------------------------


def test_a_batch_of_one_hundred_creations_is_one_transaction(node: BifTestNode) -> None:
    keys = [Ed25519PrivateKey.from_seed(bytes([7, n]) * 16) for n in range(MAX_BATCH)]
    registry = chain(node, *keys)
    ops = [genesis(key) for key in keys]
    versions = registry.submit_many(ops)
    assert [v.operation for v in versions] == ops
    assert submissions(node) == 1
    reader = chain(node)
    assert all(reader.read(op.did) == v for op, v in zip(ops, versions, strict=True))
    # The whole batch is stored: re-submitting it sends nothing.
    assert registry.submit_many(ops) == versions
    assert submissions(node) == 1


def test_a_batch_is_all_or_nothing_on_chain(node: BifTestNode) -> None:
    keys = [ed(n) for n in range(1, 4)]
    registry = chain(node, *keys)
    # Another tool already put a document for the third BID into the contract.
    taken = genesis(keys[2])
    assert taken.document is not None
    foreign = bif_tx.pay_coin(LEGACY.address, input=LEGACY.create_input(taken.document.to_json()))
    blob = bif_tx.build_transaction(source=taken.did, nonce=1, operations=[foreign])
    client = BifNodeClient(node.url, policy=LOOPBACK)
    assert client.submit(blob, [bif_tx.sign_blob(blob, keys[2])]).error_code == 0
    client.close()
    with pytest.raises(Conflict):
        registry.submit_many([genesis(key) for key in keys])
    for key in keys[:2]:
        assert registry.read(str(key.bid())) is None
        assert node.document(LEGACY.address, str(key.bid())) is None


@pytest.mark.parametrize(
    ("ops", "message"),
    [
        (lambda: [genesis(ed(1))] * 2, "one operation per DID"),
        (lambda: [genesis(ed(1)), "x"], "create operations only"),
        (lambda: [genesis(ed(n % 250 + 1)) for n in range(MAX_BATCH + 1)], "at most 100"),
    ],
)
def test_malformed_batches(node: BifTestNode, ops: Any, message: str) -> None:
    with pytest.raises(InvalidInput, match=message):
        chain(node, ed(1)).submit_many(ops())
    assert submissions(node) == 0


def test_fees_are_evaluated_by_the_node(node: BifTestNode) -> None:
    keys = [Ed25519PrivateKey.from_seed(bytes([8, n]) * 16) for n in range(20)]
    # Twenty documents need more than the SDK's default fee limit on this node.
    frugal = chain(node, *keys, evaluate_fees=False)
    with pytest.raises(RegistryError, match="fee limit") as caught:
        frugal.submit_many([genesis(key) for key in keys])
    assert caught.value.code == "feeNotEnough"
    assert all(frugal.read(str(key.bid())) is None for key in keys)
    assert len(chain(node, *keys).submit_many([genesis(key) for key in keys])) == 20


# -- waiting for a ledger ------------------------------------------------------------------------


def test_a_transaction_not_in_a_ledger_by_the_deadline(node: BifTestNode) -> None:
    key = ed(1)
    node.auto_close = False
    registry = chain(node, key, wait_timeout=0.3)
    op = genesis(key)
    with pytest.raises(TransactionPending) as caught:
        registry.submit(op)
    assert caught.value.hash in node.pending()
    assert registry.read(op.did) is None
    node.close_ledger()
    head = registry.read(op.did)
    assert head is not None
    assert head.operation == op


# -- a node that lies or fails ------------------------------------------------------------------


@pytest.fixture
def written(node: BifTestNode) -> tuple[BifRegistry, Version]:
    key = ed(1)
    registry = chain(node, key)
    v1 = registry.submit(genesis(key))
    return registry, registry.submit(update(v1, key, "hub"))


def test_a_tampered_log_entry_is_not_served(
    node: BifTestNode, written: tuple[BifRegistry, Version]
) -> None:
    registry, v2 = written
    value, _ = node.account(v2.did)["metadatas"]["bid-op-2"]  # type: ignore[index]
    entry = json.loads(value)
    entry["operation"]["document"]["updated"] = "2030-01-01T00:00:00Z"
    node.tamper_metadata(v2.did, "bid-op-2", canonical(entry).decode())
    with pytest.raises(IntegrityError, match="fails at seq 2"):
        registry.read(v2.did)
    result = BidMethod(registry).resolve(v2.did)
    assert result.error is not None
    assert result.error == "internalError"


@pytest.mark.parametrize(
    ("key", "value", "message"),
    [
        ("bid-op-1", None, "gaps"),
        ("bid-op-3", None, "gaps"),  # deleting past the end is no change
        ("bid-op-01", "{}", "malformed log entry key"),
        ("bid-op-2", "not json", "not JSON"),
        ("bid-op-2", '{"operation":{}}', "operation"),
    ],
)
def test_malformed_logs_are_not_served(
    node: BifTestNode,
    written: tuple[BifRegistry, Version],
    key: str,
    value: str | None,
    message: str,
) -> None:
    registry, v2 = written
    node.tamper_metadata(v2.did, key, value)
    if key == "bid-op-3":
        assert registry.read(v2.did) == v2
        return
    with pytest.raises(IntegrityError, match=message):
        registry.read(v2.did)


def test_a_contract_document_that_differs_from_the_log(
    node: BifTestNode, written: tuple[BifRegistry, Version]
) -> None:
    registry, v2 = written
    document = v2.document.to_json()
    document["service"] = []
    node.tamper_document(LEGACY.address, v2.did, json.dumps(document))
    with pytest.raises(IntegrityError, match="not the one its operation log ends in"):
        registry.read(v2.did)
    node.tamper_document(LEGACY.address, v2.did, None)
    with pytest.raises(IntegrityError):
        registry.history(v2.did)


def test_a_document_written_by_another_tool_is_not_verifiable_here(node: BifTestNode) -> None:
    key = ed(5)
    document = new_document(key, now=T0).to_json()
    node.tamper_document(LEGACY.address, document["id"], json.dumps(document))
    registry = chain(node)
    with pytest.raises(IntegrityError, match="resolve it through a BIF resolver"):
        registry.read(document["id"])


def test_transient_failures_are_retried_and_a_dead_node_is_not_not_found(
    node: BifTestNode, written: tuple[BifRegistry, Version]
) -> None:
    registry, v2 = written
    node.fail_next(2, status=503)
    assert registry.read(v2.did) == v2
    node.close()
    with pytest.raises(HttpError):
        registry.read(v2.did)
    result = BidMethod(registry).resolve(v2.did)
    assert result.error is not None
    assert result.error == "internalError"


def test_unknown_or_malformed_dids_read_as_absent(node: BifTestNode) -> None:
    registry = chain(node)
    assert registry.read(str(ed(6).bid())) is None
    assert registry.history("did:bid:nonsense") == ()
    assert registry.read("did:bid:aaaa") is None  # an AC-only BID names a sub-chain


# -- the error mapping ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("code", "desc", "error"),
    [
        (151, "10700: document must have id and @context", InvalidOperation),
        (151, "10702: invalid id", InvalidOperation),
        (151, "10703: document existed", Conflict),
        (151, "10706: document not existed", SequenceGap),
        (151, "10707: sender is not in authentication", Unauthorized),
        (151, "10709: sender is not a recovery key", Unauthorized),
        (93, "signature weight not enough", Unauthorized),
        (99, "bad sequence", Conflict),
        (151, "10799 something else", RegistryError),
        (7, "whatever", RegistryError),
    ],
)
def test_chain_errors_map_to_our_tree(code: int, desc: str, error: type[Exception]) -> None:
    mapped = _chain_error("did:bid:efx", "ab" * 32, code, desc)
    assert type(mapped) is error
    assert str(code) in str(mapped)


# -- the URL form and the command line ------------------------------------------------------------


def test_load_registry_parses_bif_urls(node: BifTestNode) -> None:
    registry = load_registry(f"bif+{node.url}?contract=current&allow_private_networks=true")
    assert isinstance(registry, BifRegistry)
    assert registry.contract == CURRENT
    assert registry.read(str(ed(1).bid())) is None
    refused = load_registry(f"bif+{node.url}")
    with pytest.raises(HttpError, match=r"(?i)loopback|private|not allowed"):
        refused.read(str(ed(1).bid()))


@pytest.mark.parametrize(
    "url",
    [
        "bif+ftp://node.example",
        "bif+https://node.example?contract=nope",
        "bif+https://node.example?colour=blue",
        "bif+https://node.example?allow_private_networks=yes",
        "bif+https://node.example?contract",
        "bif+https://node.example?contract=legacy&contract=current",
    ],
)
def test_malformed_bif_urls(url: str) -> None:
    with pytest.raises(InvalidInput):
        load_registry(url)


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, Any, str]:
    code = cli.main(list(argv))
    out, err = capsys.readouterr()
    return code, json.loads(out) if out.strip() else None, err


def test_the_cli_writes_to_and_resolves_from_the_chain(
    node: BifTestNode, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    url = f"bif+{node.url}?allow_private_networks=true"
    files = {}
    for name in ("alice", "laptop"):
        files[name] = str(tmp_path / f"{name}.json")
        assert run(capsys, "key", "generate", "-o", files[name])[0] == 0
    code, created, err = run(capsys, "did", "create", "--key", files["alice"], "--registry", url)
    assert code == 0, err
    did = created["did"]
    assert node.document(LEGACY.address, did) is not None
    code, resolved, err = run(capsys, "resolve", did, "--registry", url)
    assert code == 0, err
    assert resolved["didDocument"]["id"] == did
    assert resolved["didDocumentMetadata"]["versionId"] == "1"
    # The laptop key, once added, signs the operation; the account key sends it.
    code, added, err = run(
        capsys,
        "did",
        "update",
        did,
        "--key",
        files["alice"],
        "--add-key",
        files["laptop"],
        "--registry",
        url,
    )
    assert code == 0, err
    assert added["versionId"] == "2"
    code, _out, err = run(
        capsys,
        "did",
        "update",
        did,
        "--key",
        files["laptop"],
        "--service",
        "hub",
        "Example",
        "https://hub.example",
        "--registry",
        url,
    )
    assert code == 3
    assert "add_account_key" in err or "--account-key" in err
    code, _out, err = run(
        capsys,
        "did",
        "update",
        did,
        "--key",
        files["laptop"],
        "--account-key",
        files["alice"],
        "--service",
        "hub",
        "Example",
        "https://hub.example",
        "--registry",
        url,
    )
    assert code == 0, err
    code, history, err = run(capsys, "did", "history", did, "--registry", url)
    assert [entry["versionId"] for entry in history] == ["1", "2", "3"]
    # A dead node is a registry failure (exit 3), never "not found".
    node.close()
    code, _out, err = run(capsys, "resolve", did, "--registry", url)
    assert code == 3
    assert "notFound" not in err


def test_the_driver_server_resolves_from_the_chain(node: BifTestNode) -> None:
    httpx = pytest.importorskip("httpx")
    from bid.methods.key import KeyMethod
    from bid.resolver import CachedResolver, MethodRouter
    from bid.server import create_app
    from test_server import serving

    key = ed(1)
    registry = chain(node, key)
    v1 = registry.submit(genesis(key))
    v2 = registry.submit(next_operation("deactivate", v1, key))
    router = MethodRouter([KeyMethod(), BidMethod(chain(node))])
    with serving(create_app(CachedResolver(router, ttl=60, max_size=10))) as base:
        answer = httpx.get(f"{base}/1.0/identifiers/{v1.did}", timeout=10)
        assert answer.status_code == 410
        assert answer.json()["didDocumentMetadata"]["versionId"] == str(v2.seq)
        assert httpx.get(f"{base}/1.0/identifiers/{ed(2).bid()}", timeout=10).status_code == 404
        node.close()
        fresh = str(ed(3).bid())
        assert httpx.get(f"{base}/1.0/identifiers/{fresh}", timeout=10).status_code == 500


def test_a_write_landing_between_the_two_reads_is_read_again(node: BifTestNode) -> None:
    key = ed(1)
    writer = chain(node, key)
    v1 = writer.submit(genesis(key))
    later = update(v1, key, "later")

    class Interleaved(BifNodeClient):
        """The real client; a writer lands after the log was read, before the document."""

        raced = False

        def query_contract(self, contract_address: str, input: str) -> str | None:
            if not self.raced:
                self.raced = True
                writer.submit(later)
            return super().query_contract(contract_address, input)

    reader = BifRegistry(node.url, node=Interleaved(node.url, policy=LOOPBACK))
    head = reader.read(v1.did)
    assert head is not None
    assert head.operation == later
