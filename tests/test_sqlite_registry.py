"""SQLiteRegistry beyond the shared contract: the file, its settings, and what goes wrong.

security.md 4.6 P10-P12 and 4.7, checklist F 55, 60, 61: reads re-verify what is stored, so
a changed byte is an IntegrityError and never a document; two processes racing for one
sequence number get one success and one Conflict; a process killed mid-write or a full
disk leaves the old state or the new one, never a mix; sqlite3 errors never leave the API.
"""

from __future__ import annotations

import json
import os
import random
import select
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest

import bid.backends.sqlite as sqlite_backend
from bid.backends.sqlite import SCHEMA_VERSION, SQLiteRegistry
from bid.errors import (
    Conflict,
    IntegrityError,
    InvalidInput,
    RegistryError,
    Unauthorized,
)
from bid.keys import Ed25519PrivateKey, PrivateKey
from bid.methods.bid import (
    create_operation,
    new_document,
    next_operation,
    recovered_document,
    updated_document,
)
from bid.registry import MemoryRegistry, Operation, Version, load_registry

T_DOC = datetime(2024, 5, 1, 12, 0, tzinfo=timezone.utc)
T0 = datetime(2024, 6, 1, 8, 30, 15, 123456, tzinfo=timezone.utc)
SUBPROCESS_TIMEOUT = 30.0


def ed(n: int) -> Ed25519PrivateKey:
    return Ed25519PrivateKey.from_seed(bytes([n]) * 32)


class Clock:
    def __init__(self) -> None:
        self.now = T0

    def __call__(self) -> datetime:
        value = self.now
        self.now += timedelta(seconds=1, microseconds=1)
        return value


def genesis(key: PrivateKey, *, recovery: PrivateKey | None = None) -> Operation:
    recovery_key = recovery.public_key if recovery is not None else None
    return create_operation(new_document(key, now=T_DOC, recovery_key=recovery_key), key)


def update(head: Version, key: PrivateKey, name: str = "svc", *, size: int = 0) -> Operation:
    endpoint = f"https://example.com/{name}" + "/x" * size
    document = updated_document(head.document, now=T_DOC, services=[(name, "Example", endpoint)])
    return next_operation("update", head, key, document=document)


def raw(path: Path) -> sqlite3.Connection:
    """A plain connection to the file, for looking at and damaging rows."""
    return sqlite3.connect(path, isolation_level=None)


def row_count(path: Path) -> int:
    connection = raw(path)
    try:
        (count,) = connection.execute("SELECT count(*) FROM operations").fetchone()
    finally:
        connection.close()
    return int(count)


@pytest.fixture
def path(tmp_path: Path) -> Path:
    return tmp_path / "registry.db"


@pytest.fixture
def registry(path: Path) -> Iterator[SQLiteRegistry]:
    with SQLiteRegistry(path, clock=Clock()) as registry:
        yield registry


def connection_of(registry: SQLiteRegistry) -> sqlite3.Connection:
    connection = registry._connection
    assert connection is not None
    return connection


# -- the file --------------------------------------------------------------------------------


def test_state_survives_reopening(path: Path) -> None:
    key, recovery = ed(1), ed(2)
    with SQLiteRegistry(path, clock=Clock()) as registry:
        v1 = registry.submit(genesis(key, recovery=recovery))
        v2 = registry.submit(update(v1, key))
        v3 = registry.submit(
            next_operation(
                "recover",
                v2,
                recovery,
                document=recovered_document(v2.document, ed(3).public_key, now=T_DOC),
            )
        )
        other = registry.submit(genesis(ed(4)))
        history = registry.history(v1.did)
    assert history == (v1, v2, v3)
    with SQLiteRegistry(path, clock=Clock()) as reopened:
        assert reopened.history(v1.did) == history
        assert reopened.read(v1.did) == v3
        assert reopened.read(other.did) == other
        assert reopened.submit(v2.operation) == v2  # idempotent across reopening
    assert row_count(path) == 4


def test_rows_hold_the_exact_bytes_and_an_iso_time(registry: SQLiteRegistry, path: Path) -> None:
    op = genesis(ed(1))
    registry.submit(op)
    connection = raw(path)
    try:
        row = connection.execute(
            "SELECT did, seq, type, previous, hash, signed, signature, time FROM operations"
        ).fetchone()
    finally:
        connection.close()
    assert row == (
        op.did,
        1,
        "create",
        None,
        op.hash,
        op.signed_bytes,
        op.signature,
        "2024-06-01T08:30:15.123456Z",
    )


def test_pragmas_in_effect(registry: SQLiteRegistry, path: Path) -> None:
    connection = connection_of(registry)

    def pragma(name: str) -> Any:
        return connection.execute(f"PRAGMA {name}").fetchone()[0]

    assert pragma("journal_mode") == "wal"
    assert pragma("synchronous") == 2  # FULL
    assert pragma("foreign_keys") == 1
    assert pragma("busy_timeout") == 5000
    assert connection.isolation_level is None  # autocommit: transactions are explicit
    assert not connection.in_transaction
    other = raw(path)
    try:
        assert other.execute("PRAGMA journal_mode").fetchone()[0] == "wal"  # kept in the file
        (version,) = other.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
    finally:
        other.close()
    assert version == str(SCHEMA_VERSION)


def test_the_schema_refuses_what_the_rules_refuse(registry: SQLiteRegistry, path: Path) -> None:
    v1 = registry.submit(genesis(ed(1)))
    v2 = registry.submit(update(v1, ed(1)))
    columns = "did, seq, type, previous, hash, signed, signature, time, time_check"
    connection = raw(path)
    connection.execute("PRAGMA foreign_keys = ON")
    try:
        good = (v2.did, 3, "update", v2.hash, "a" * 64, b"x", b"y", "t", "c")
        bad_rows = [
            (v2.did, 2, "update", v1.hash, "b" * 64, b"x", b"y", "t", "c"),  # (did, seq) taken
            (v2.did, 3, "update", v2.hash, v2.hash, b"x", b"y", "t", "c"),  # hash taken
            (v2.did, 0, "create", None, "c" * 64, b"x", b"y", "t", "c"),  # seq 0
            (v2.did, 3, "update", v1.hash, "d" * 64, b"x", b"y", "t", "c"),  # fork: v1 taken
            (v2.did, 3, "update", "e" * 64, "f" * 64, b"x", b"y", "t", "c"),  # no such previous
            (v2.did, 3, "transfer", v2.hash, "a" * 64, b"x", b"y", "t", "c"),  # unknown type
            (v2.did, 3, "update", v2.hash, "a" * 64, "x", b"y", "t", "c"),  # text, not bytes
            (v2.did, 1, "create", v2.hash, "a" * 64, b"x", b"y", "t", "c"),  # create w/ previous
        ]
        for row in bad_rows:
            with pytest.raises(sqlite3.IntegrityError):
                connection.execute(
                    f"INSERT INTO operations ({columns}) VALUES (?,?,?,?,?,?,?,?,?)", row
                )
        connection.execute(f"INSERT INTO operations ({columns}) VALUES (?,?,?,?,?,?,?,?,?)", good)
    finally:
        connection.close()


def test_load_registry(path: Path) -> None:
    clock = Clock()
    registry = load_registry("sqlite:" + str(path), clock=clock)
    assert isinstance(registry, SQLiteRegistry)
    try:
        assert registry.path == str(path)
        assert registry.submit(genesis(ed(1))).time == T0
    finally:
        registry.close()
    with SQLiteRegistry.from_url(str(path), clock=clock) as again:
        assert again.read(str(ed(1).bid())) is not None
    assert isinstance(load_registry("memory:"), MemoryRegistry)


@pytest.mark.parametrize(
    "url", ["sqlite:", "memory:x", "nosuch:x", "sqlite", "", "SQLITE:x", "sqlite:a\x00b"]
)
def test_bad_registry_urls(url: str) -> None:
    with pytest.raises(InvalidInput):
        load_registry(url)


def test_bad_paths(tmp_path: Path) -> None:
    with pytest.raises(InvalidInput):
        SQLiteRegistry("")
    with pytest.raises(InvalidInput):
        SQLiteRegistry.from_url("", clock=Clock())
    with pytest.raises(RegistryError, match="unable to open"):
        SQLiteRegistry(tmp_path)  # a directory
    with pytest.raises(RegistryError):
        SQLiteRegistry(tmp_path / "missing" / "registry.db")
    with pytest.raises(RegistryError, match="write-ahead"):
        SQLiteRegistry(":memory:")


def test_unknown_schema_version_is_refused(path: Path) -> None:
    SQLiteRegistry(path).close()
    connection = raw(path)
    connection.execute("UPDATE meta SET value = '99' WHERE key = 'schema_version'")
    connection.close()
    with pytest.raises(RegistryError, match="schema version '99'"):
        SQLiteRegistry(path)
    connection = raw(path)
    connection.execute("DELETE FROM meta")
    connection.close()
    with pytest.raises(RegistryError, match="not a bid registry"):
        SQLiteRegistry(path)


def test_other_files_are_refused_and_left_alone(tmp_path: Path) -> None:
    foreign = tmp_path / "other.db"
    connection = raw(foreign)
    connection.execute("CREATE TABLE notes (text TEXT)")
    connection.close()
    with pytest.raises(RegistryError, match="not a bid registry"):
        SQLiteRegistry(foreign)
    connection = raw(foreign)
    try:
        tables = connection.execute("SELECT name FROM sqlite_master").fetchall()
    finally:
        connection.close()
    assert tables == [("notes",)]
    junk = tmp_path / "junk.db"
    junk.write_bytes(b"this is not an SQLite database, just some text " * 100)
    with pytest.raises(RegistryError, match="not a database"):
        SQLiteRegistry(junk)
    assert junk.read_bytes().startswith(b"this is not")


def test_closed_registry(path: Path) -> None:
    registry = SQLiteRegistry(path)
    op = genesis(ed(1))
    registry.close()
    registry.close()  # twice is fine
    with pytest.raises(RegistryError, match="closed"):
        registry.read(op.did)
    with pytest.raises(RegistryError, match="closed"):
        registry.history(op.did)
    with pytest.raises(RegistryError, match="closed"):
        registry.submit(op)
    with pytest.raises(RegistryError, match="closed"):
        registry.integrity_check()
    assert "registry.db" in repr(registry)


def test_naive_clock_is_refused(path: Path) -> None:
    with SQLiteRegistry(path, clock=lambda: datetime(2024, 1, 1)) as registry:
        with pytest.raises(InvalidInput, match="timezone"):
            registry.submit(genesis(ed(1)))
        assert registry.read(str(ed(1).bid())) is None


def test_refusals_and_resubmissions_store_no_row(registry: SQLiteRegistry, path: Path) -> None:
    key = ed(1)
    v1 = registry.submit(genesis(key, recovery=ed(2)))
    v2 = registry.submit(update(v1, key))
    assert row_count(path) == 2
    for _ in range(3):
        assert registry.submit(v1.operation) == v1
        assert registry.submit(v2.operation) == v2
    with pytest.raises(Conflict):
        registry.submit(update(v1, key, "fork"))
    with pytest.raises(Unauthorized):
        registry.submit(update(v2, ed(2)))
    assert row_count(path) == 2
    connection = connection_of(registry)
    assert not connection.in_transaction  # every refusal rolled back


# -- tampering: reads re-verify, the changed document is never served ------------------------


def _build(path: Path) -> tuple[list[Version], Version]:
    """Four versions of one DID, and another DID beside it, in a closed file."""
    key = ed(1)
    with SQLiteRegistry(path, clock=Clock()) as registry:
        versions = [registry.submit(genesis(key, recovery=ed(2)))]
        for name in ("a", "b", "c"):
            versions.append(registry.submit(update(versions[-1], key, name)))
        bystander = registry.submit(genesis(ed(5)))
    return versions, bystander


def _flip(data: bytes, position: int) -> bytes:
    changed = bytearray(data)
    changed[position] ^= 0x01
    return bytes(changed)


def _set_time(connection: sqlite3.Connection, did: str, seq: int, delta: timedelta) -> None:
    (text,) = connection.execute(
        "SELECT time FROM operations WHERE did = ? AND seq = ?", (did, seq)
    ).fetchone()
    moved = datetime.strptime(text, "%Y-%m-%dT%H:%M:%S.%fZ") + delta
    connection.execute(
        "UPDATE operations SET time = ? WHERE did = ? AND seq = ?",
        (moved.isoformat(timespec="microseconds") + "Z", did, seq),
    )


def _recheck_time(connection: sqlite3.Connection, did: str, seq: int) -> None:
    """Recompute the time checksum, as a forger who read this module would."""
    op_hash, text = connection.execute(
        "SELECT hash, time FROM operations WHERE did = ? AND seq = ?", (did, seq)
    ).fetchone()
    check = sqlite_backend._time_check(op_hash, text)
    connection.execute(
        "UPDATE operations SET time_check = ? WHERE did = ? AND seq = ?", (check, did, seq)
    )


def _tamper_signed(seq: int, position: int) -> Callable[[sqlite3.Connection, str], None]:
    def tamper(connection: sqlite3.Connection, did: str) -> None:
        (data,) = connection.execute(
            "SELECT signed FROM operations WHERE did = ? AND seq = ?", (did, seq)
        ).fetchone()
        connection.execute(
            "UPDATE operations SET signed = ? WHERE did = ? AND seq = ?",
            (_flip(data, position % len(data)), did, seq),
        )

    return tamper


def _tamper_signature(seq: int) -> Callable[[sqlite3.Connection, str], None]:
    def tamper(connection: sqlite3.Connection, did: str) -> None:
        (data,) = connection.execute(
            "SELECT signature FROM operations WHERE did = ? AND seq = ?", (did, seq)
        ).fetchone()
        connection.execute(
            "UPDATE operations SET signature = ? WHERE did = ? AND seq = ?",
            (_flip(data, 10), did, seq),
        )

    return tamper


def _sql(statement: str, *params: Any) -> Callable[[sqlite3.Connection, str], None]:
    def tamper(connection: sqlite3.Connection, did: str) -> None:
        connection.execute(statement, tuple(did if p is _DID else p for p in params))

    return tamper


_DID = object()


def _swap_seq(connection: sqlite3.Connection, did: str) -> None:
    connection.execute("UPDATE operations SET seq = 1000 WHERE did = ? AND seq = 2", (did,))
    connection.execute("UPDATE operations SET seq = 2 WHERE did = ? AND seq = 3", (did,))
    connection.execute("UPDATE operations SET seq = 3 WHERE did = ? AND seq = 1000", (did,))


def _swap_rows(connection: sqlite3.Connection, did: str) -> None:
    # Swap everything but seq between rows 2 and 3: each row keeps its number.
    columns = "type, previous, hash, signed, signature, time, time_check"
    rows = {
        seq: connection.execute(
            f"SELECT {columns} FROM operations WHERE did = ? AND seq = ?", (did, seq)
        ).fetchone()
        for seq in (2, 3)
    }
    connection.execute("DELETE FROM operations WHERE did = ? AND seq IN (2, 3)", (did,))
    for seq, source in ((2, 3), (3, 2)):
        connection.execute(
            f"INSERT INTO operations (did, seq, {columns}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (did, seq, *rows[source]),
        )


def _forged_time(delta: timedelta) -> Callable[[sqlite3.Connection, str], None]:
    def tamper(connection: sqlite3.Connection, did: str) -> None:
        _set_time(connection, did, 2, delta)
        _recheck_time(connection, did, 2)

    return tamper


def _time_moved(delta: timedelta) -> Callable[[sqlite3.Connection, str], None]:
    def tamper(connection: sqlite3.Connection, did: str) -> None:
        _set_time(connection, did, 3, delta)

    return tamper


TAMPERINGS: dict[str, Callable[[sqlite3.Connection, str], None]] = {
    "signed byte, first row": _tamper_signed(1, 0),
    "signed byte, middle row": _tamper_signed(2, 400),
    "signed byte, last row": _tamper_signed(4, -3),
    "signed byte in the signer": _tamper_signed(3, -30),
    "signature byte, first row": _tamper_signature(1),
    "signature byte, last row": _tamper_signature(4),
    "hash column": _sql(
        "UPDATE operations SET hash = substr(hash, 1, 63) || 'x' WHERE did = ? AND seq = 3", _DID
    ),
    "time one second later": _time_moved(timedelta(seconds=1)),
    "time one microsecond earlier": _time_moved(timedelta(microseconds=-1)),
    "time rewritten, checksum recomputed, out of order": _forged_time(timedelta(days=-1)),
    "time not ISO": _sql(
        "UPDATE operations SET time = 'yesterday' WHERE did = ? AND seq = 2", _DID
    ),
    "time in another zone": _sql(
        "UPDATE operations SET time = replace(time, 'Z', '+00:00') WHERE did = ? AND seq = 2",
        _DID,
    ),
    "middle row deleted": _sql("DELETE FROM operations WHERE did = ? AND seq = 2", _DID),
    "first row deleted": _sql("DELETE FROM operations WHERE did = ? AND seq = 1", _DID),
    "two rows' seq swapped": _swap_seq,
    "two rows' contents swapped": _swap_rows,
    "seq column of the last row": _sql(
        "UPDATE operations SET seq = 7 WHERE did = ? AND seq = 4", _DID
    ),
    "type column": _sql("UPDATE operations SET type = 'recover' WHERE did = ? AND seq = 2", _DID),
    "previous column": _sql(
        "UPDATE operations SET previous = ? WHERE did = ? AND seq = 4", "ab" * 32, _DID
    ),
    "signed replaced by another row's": _sql(
        "UPDATE operations SET signed = (SELECT signed FROM operations WHERE did = ?1 AND seq = 2)"
        " WHERE did = ?1 AND seq = 3",
        _DID,
    ),
}


@pytest.mark.parametrize("name", list(TAMPERINGS))
def test_tampered_rows_are_never_served(path: Path, name: str) -> None:
    versions, bystander = _build(path)
    did = versions[0].did
    connection = raw(path)
    try:
        TAMPERINGS[name](connection, did)
    finally:
        connection.close()
    with SQLiteRegistry(path, clock=Clock()) as registry:
        with pytest.raises(IntegrityError):
            registry.read(did)
        with pytest.raises(IntegrityError):
            registry.history(did)
        with pytest.raises(IntegrityError):  # nothing is appended to a damaged log
            registry.submit(update(versions[-1], ed(1), "more"))
        assert registry.read(bystander.did) == bystander  # the damage stays with its DID


def test_tampering_while_open_is_seen_by_the_next_read(
    registry: SQLiteRegistry, path: Path
) -> None:
    v1 = registry.submit(genesis(ed(1)))
    assert registry.read(v1.did) == v1
    connection = raw(path)
    try:
        _tamper_signed(1, 200)(connection, v1.did)
    finally:
        connection.close()
    with pytest.raises(IntegrityError):
        registry.read(v1.did)


def test_a_row_moved_to_another_did_breaks_both(path: Path) -> None:
    versions, bystander = _build(path)
    connection = raw(path)
    try:
        connection.execute(
            "UPDATE operations SET did = ? WHERE did = ? AND seq = 2",
            (bystander.did, versions[0].did),
        )
    finally:
        connection.close()
    with SQLiteRegistry(path) as registry:
        for did in (versions[0].did, bystander.did):
            with pytest.raises(IntegrityError):
                registry.read(did)


def test_integrity_check(registry: SQLiteRegistry, path: Path) -> None:
    v1 = registry.submit(genesis(ed(1)))
    registry.submit(update(v1, ed(1)))
    registry.integrity_check()
    connection = raw(path)  # foreign keys are off in a plain connection: the delete goes in
    try:
        connection.execute("DELETE FROM operations WHERE seq = 1")
    finally:
        connection.close()
    with pytest.raises(IntegrityError, match="previous"):
        registry.integrity_check()


def test_integrity_check_finds_a_damaged_file(tmp_path: Path) -> None:
    path = tmp_path / "registry.db"
    with SQLiteRegistry(path) as registry:
        head = registry.submit(genesis(ed(1)))
        for i in range(30):
            head = registry.submit(update(head, ed(1), f"s{i}", size=50))
    connection = raw(path)
    page_size = connection.execute("PRAGMA page_size").fetchone()[0]
    root = connection.execute(
        "SELECT rootpage FROM sqlite_master WHERE name = 'sqlite_autoindex_operations_1'"
    ).fetchone()[0]
    connection.close()
    data = bytearray(path.read_bytes())
    offset = (root - 1) * page_size
    data[offset + 8 : offset + 200] = bytes(192)  # wreck the index's root page
    path.write_bytes(bytes(data))
    with SQLiteRegistry(path) as damaged, pytest.raises(IntegrityError):
        damaged.integrity_check()


# -- errors from SQLite are translated -----------------------------------------------------


def test_a_locked_database_is_a_registry_error(
    registry: SQLiteRegistry, path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sqlite_backend, "BUSY_TIMEOUT", 0.2)
    v1 = registry.submit(genesis(ed(1)))
    with SQLiteRegistry(path) as impatient:
        blocker = raw(path)
        try:
            blocker.execute("BEGIN IMMEDIATE")
            started = time.monotonic()
            with pytest.raises(RegistryError, match="locked") as info:
                impatient.submit(update(v1, ed(1)))
            assert 0.15 < time.monotonic() - started < 4.0
            assert type(info.value) is RegistryError
            assert isinstance(info.value.__cause__, sqlite3.OperationalError)
            assert impatient.read(v1.did) == v1  # WAL: readers are not blocked by a writer
        finally:
            blocker.execute("ROLLBACK")
            blocker.close()
        assert impatient.submit(update(v1, ed(1))).seq == 2


def test_a_unique_constraint_becomes_conflict(registry: SQLiteRegistry, path: Path) -> None:
    v1 = registry.submit(genesis(ed(1)))
    op = update(v1, ed(1))
    connection = raw(path)  # plant a row elsewhere that already holds the next op's hash
    try:
        connection.execute(
            "INSERT INTO operations (did, seq, type, previous, hash, signed, signature, time,"
            " time_check) VALUES ('did:bid:elsewhere', 1, 'create', NULL, ?, x'00', x'00',"
            " 't', 'c')",
            (op.hash,),
        )
    finally:
        connection.close()
    with pytest.raises(Conflict) as info:
        registry.submit(op)
    assert isinstance(info.value.__cause__, sqlite3.IntegrityError)
    assert registry.history(v1.did) == (v1,)


def test_disk_full(registry: SQLiteRegistry, path: Path) -> None:
    key = ed(1)
    v1 = registry.submit(genesis(key))
    v2 = registry.submit(update(v1, key))
    connection = connection_of(registry)
    (pages,) = connection.execute("PRAGMA page_count").fetchone()
    connection.execute(f"PRAGMA max_page_count = {pages}")
    big = update(v2, key, "big", size=20_000)  # about 40 kB: needs new pages
    with pytest.raises(RegistryError, match="full") as info:
        registry.submit(big)
    assert type(info.value) is RegistryError
    assert isinstance(info.value.__cause__, sqlite3.OperationalError)
    assert not connection.in_transaction
    assert registry.history(v1.did) == (v1, v2)
    registry.integrity_check()
    connection.execute("PRAGMA max_page_count = 1073741823")  # room again: the write goes in
    v3 = registry.submit(big)
    assert registry.history(v1.did) == (v1, v2, v3)
    with SQLiteRegistry(path) as reopened:
        reopened.integrity_check()
        assert reopened.history(v1.did) == (v1, v2, v3)


# -- concurrency -----------------------------------------------------------------------------


def test_threads_sharing_one_registry(registry: SQLiteRegistry) -> None:
    head = registry.submit(genesis(ed(1)))
    _race_threads([registry] * 8, head)


def test_threads_with_their_own_connections(registry: SQLiteRegistry, path: Path) -> None:
    head = registry.submit(genesis(ed(1)))
    others = [SQLiteRegistry(path) for _ in range(4)]
    try:
        _race_threads(others, head)
    finally:
        for other in others:
            other.close()


def _open_and_read(path: Path, barrier: threading.Barrier, errors: list[BaseException]) -> None:
    barrier.wait()
    try:
        with SQLiteRegistry(path) as registry:
            assert registry.read(str(ed(1).bid())) is None
    except BaseException as exc:  # collected, and shown by the assertion below
        errors.append(exc)


def test_connections_opening_a_new_file_at_once(tmp_path: Path) -> None:
    # The first to come switches a new file to WAL; SQLite answers the others' switch with
    # SQLITE_BUSY at once (no busy handler), which the registry must wait out, not raise.
    # Without the retry, about one round in twenty failed here.
    errors: list[BaseException] = []
    for round_number in range(40):
        path = tmp_path / f"fresh-{round_number}.db"
        barrier = threading.Barrier(6)
        threads = [
            threading.Thread(target=_open_and_read, args=(path, barrier, errors)) for _ in range(6)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=SUBPROCESS_TIMEOUT)
        assert errors == []


def _race_threads(registries: list[SQLiteRegistry], head: Version) -> None:
    ops = [update(head, ed(1), f"t{i}") for i in range(len(registries))]
    barrier = threading.Barrier(len(ops))
    results: list[str] = [""] * len(ops)

    def run(i: int) -> None:
        barrier.wait()
        try:
            registries[i].submit(ops[i])
        except Conflict:
            results[i] = "Conflict"
        else:
            results[i] = "ok"

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(ops))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=SUBPROCESS_TIMEOUT)
    assert sorted(results) == ["Conflict"] * (len(ops) - 1) + ["ok"]
    history = registries[0].history(head.did)
    assert len(history) == 2
    assert history[1].operation == ops[results.index("ok")]


WORKER = """
import json, sys
from bid.backends.sqlite import SQLiteRegistry
from bid.errors import BidError
from bid.registry import Operation

with SQLiteRegistry(sys.argv[1]) as registry:
    print("ready", flush=True)
    for line in sys.stdin:
        operation = Operation.from_text(line)
        try:
            version = registry.submit(operation)
        except BidError as exc:
            print(json.dumps({"error": type(exc).__name__}), flush=True)
        else:
            print(json.dumps({"ok": version.hash}), flush=True)
"""


class Worker:
    """A child process with its own SQLiteRegistry, submitting one operation per line."""

    def __init__(self, path: Path, script: str = WORKER, *args: str) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-c", script, str(path), *args],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            cwd=path.parent,
        )
        self._buffer = b""

    def send(self, operation: Operation) -> None:
        assert self.process.stdin is not None
        self.process.stdin.write(json.dumps(operation.to_json()).encode() + b"\n")
        self.process.stdin.flush()

    def line(self, timeout: float = SUBPROCESS_TIMEOUT) -> str:
        stdout = self.process.stdout
        assert stdout is not None
        deadline = time.monotonic() + timeout
        while b"\n" not in self._buffer:
            remaining = deadline - time.monotonic()
            ready, _, _ = select.select([stdout], [], [], max(remaining, 0))
            if not ready:
                raise TimeoutError("the worker did not answer")
            chunk = os.read(stdout.fileno(), 65536)
            if not chunk:
                raise EOFError(self.stop())
            self._buffer += chunk
        line, _, self._buffer = self._buffer.partition(b"\n")
        return line.decode()

    def stop(self) -> str:
        """End the worker's input and wait (killing it if it hangs); returns its stderr."""
        try:
            _, stderr = self.process.communicate(timeout=SUBPROCESS_TIMEOUT)
        except subprocess.TimeoutExpired:
            self.process.kill()
            _, stderr = self.process.communicate()
        return stderr.decode(errors="replace")

    def kill(self) -> None:
        self.process.send_signal(signal.SIGKILL)
        self.process.communicate()


@pytest.fixture
def workers(path: Path) -> Iterator[list[Worker]]:
    SQLiteRegistry(path).close()  # create the file before the children race to open it
    started = [Worker(path), Worker(path)]
    try:
        for worker in started:
            assert worker.line() == "ready"
        yield started
    finally:
        for worker in started:
            worker.stop()


@pytest.mark.slow
def test_two_processes_race_for_one_seq(path: Path, workers: list[Worker]) -> None:
    rounds = 12
    with SQLiteRegistry(path) as registry:
        for round_number in range(rounds):
            key = ed(20 + round_number)
            head = registry.submit(genesis(key))
            for _ in range(round_number % 3):  # vary the length of the log replayed
                head = registry.submit(update(head, key, f"pre{_}"))
            ops = [update(head, key, f"w{round_number}-{i}") for i in range(2)]
            if round_number % 4 == 3:
                ops[1] = ops[0]  # the same operation from both: both succeed, one row
            for worker, op in zip(workers, ops, strict=True):
                worker.send(op)
            answers = [json.loads(worker.line()) for worker in workers]
            history = registry.history(head.did)
            assert len(history) == head.seq + 1
            stored = history[-1].hash
            if ops[0] == ops[1]:
                assert answers == [{"ok": stored}, {"ok": stored}]
            else:
                assert sorted(answers, key=str) == sorted(
                    [{"ok": stored}, {"error": "Conflict"}], key=str
                )
                assert stored in {op.hash for op in ops}
            assert history[-1].operation.previous == head.hash


WRITER = """
import json, sys
from bid.backends.sqlite import SQLiteRegistry
from bid.registry import Operation

operations = [Operation.from_json(o) for o in json.load(open(sys.argv[2]))]
with SQLiteRegistry(sys.argv[1]) as registry:
    stored = {did: len(registry.history(did)) for did in {op.did for op in operations}}
    print("ready", flush=True)
    for operation in operations:
        # Carry on from the stored heads, sending each head again (an idempotent no-op).
        if operation.seq >= stored[operation.did]:
            registry.submit(operation)
    print("done", flush=True)
"""


def _plan(dids: int = 6, length: int = 25) -> tuple[dict[str, list[str]], list[Operation]]:
    """Chains of operations for a few DIDs, interleaved in submission order."""
    memory = MemoryRegistry(clock=Clock())
    chains: list[list[Operation]] = []
    for d in range(dids):
        key, recovery = ed(40 + d), ed(60 + d)
        head = memory.submit(genesis(key, recovery=recovery))
        chain = [head.operation]
        for i in range(1, length):
            if i == 10:
                new_key = ed(80 + d)
                document = recovered_document(head.document, new_key.public_key, now=T_DOC)
                op = next_operation("recover", head, recovery, document=document)
                key = new_key
            elif d == 0 and i == length - 1:
                op = next_operation("deactivate", head, key)
            else:
                op = update(head, key, f"s{i % 3}", size=i * 10)
            head = memory.submit(op)
            chain.append(op)
        chains.append(chain)
    order = [chain[i] for i in range(length) for chain in chains]
    return {chain[0].did: [op.hash for op in chain] for chain in chains}, order


def _check_prefixes(path: Path, plan: dict[str, list[str]]) -> int:
    with SQLiteRegistry(path) as registry:
        registry.integrity_check()
        stored = 0
        for did, hashes in plan.items():
            history = registry.history(did)
            assert [v.hash for v in history] == hashes[: len(history)]
            stored += len(history)
    assert row_count(path) == stored  # no row of anything else
    return stored


@pytest.mark.slow
def test_killed_writers_leave_old_or_new_state(tmp_path: Path) -> None:
    path = tmp_path / "registry.db"
    plan, order = _plan()
    plan_file = tmp_path / "plan.json"
    plan_file.write_text(json.dumps([op.to_json() for op in order]))
    SQLiteRegistry(path).close()
    rng = random.Random(20240601)
    progress = [0]
    for _ in range(8):
        writer = Worker(path, WRITER, str(plan_file))
        try:
            assert writer.line() == "ready"
            time.sleep(rng.uniform(0.01, 0.15))
        finally:
            writer.kill()
        stored = _check_prefixes(path, plan)
        assert stored >= progress[-1]  # what was committed stays committed
        progress.append(stored)
    assert any(0 < p < len(order) for p in progress)  # kills landed in the middle
    writer = Worker(path, WRITER, str(plan_file))  # a last writer finishes the plan
    assert writer.line() == "ready"
    assert writer.line() == "done", writer.stop()
    writer.stop()
    assert _check_prefixes(path, plan) == len(order)


KILL_AT_COMMIT = """
import json, os, sys
from bid.backends.sqlite import SQLiteRegistry
from bid.registry import Operation

first, second = (Operation.from_json(o) for o in json.load(open(sys.argv[2])))
commits = []

def trace(statement):
    if statement.strip().upper() == "COMMIT":
        commits.append(statement)
        if len(commits) == 2:  # the second operation's COMMIT is about to run
            os._exit(9)

registry = SQLiteRegistry(sys.argv[1])
registry._connection.set_trace_callback(trace)
registry.submit(first)
print("first stored", flush=True)
registry.submit(second)
print("second stored", flush=True)
"""


@pytest.mark.slow
def test_a_process_killed_before_commit_leaves_the_old_state(tmp_path: Path) -> None:
    path = tmp_path / "registry.db"
    key = ed(1)
    with SQLiteRegistry(path, clock=Clock()) as registry:
        v1 = registry.submit(genesis(key))
    memory = MemoryRegistry()
    memory.submit(v1.operation)
    second_head = memory.submit(update(v1, key, "first"))
    ops = [second_head.operation, update(second_head, key, "second")]
    ops_file = tmp_path / "ops.json"
    ops_file.write_text(json.dumps([op.to_json() for op in ops]))
    child = subprocess.run(
        [sys.executable, "-c", KILL_AT_COMMIT, str(path), str(ops_file)],
        capture_output=True,
        timeout=SUBPROCESS_TIMEOUT,
        check=False,
        cwd=tmp_path,
    )
    assert child.returncode == 9, child.stderr.decode()
    assert child.stdout.decode().splitlines() == ["first stored"]
    with SQLiteRegistry(path) as registry:
        registry.integrity_check()
        assert [v.hash for v in registry.history(v1.did)] == [v1.hash, ops[0].hash]
        assert registry.submit(ops[1]).seq == 3  # the lost write can simply be sent again
