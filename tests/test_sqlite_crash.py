"""SQLiteRegistry under process kills and a full disk (security.md P11 and 4.7, checklist 60).

A writer process (``tests/_crash_writer.py``) opens a real registry file and submits a
stream of signed operations (creates, updates, key additions, recoveries that rotate the
authentication key, deactivations), printing a line as each is acknowledged. It is killed
with SIGKILL at random moments, after a chosen number of acknowledgements, or by itself
just before a chosen SQL statement of a write. After every kill the file is reopened with
the library and must pass ``PRAGMA integrity_check``; every DID must hold exactly the
state before or after the write in flight, with every acknowledged write present; every
stored chain must replay through an independent registry and resolve; and new writes must
go in.

A full disk is made with ``PRAGMA max_page_count`` on the registry's own connection (the
library has no setting for it, and the limit is per connection, so the tests reach for
``SQLiteRegistry._connection``, as ``test_sqlite_registry.py`` does), and for real with
``RLIMIT_FSIZE`` in the writer process, where the kernel refuses to grow the file. The
refused write raises RegistryError (never a sqlite3 error), leaves no row behind and goes
in once there is room again.

A Hypothesis state machine mixes plain writes, killed writers and full disks, with a
MemoryRegistry as the model: the file always equals the model's old or new state.
"""

from __future__ import annotations

import hashlib
import json
import os
import random
import select
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import hypothesis.strategies as st
import pytest
from hypothesis import event, given, settings
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, precondition, rule

from bid.backends.sqlite import SQLiteRegistry
from bid.ddo import BIDDocument
from bid.errors import DIDDeactivated, NotFound, RegistryError, Unauthorized
from bid.keys import Ed25519PrivateKey, PrivateKey
from bid.methods.bid import (
    BidMethod,
    create_operation,
    new_document,
    next_operation,
    recovered_document,
    updated_document,
)
from bid.registry import MemoryRegistry, Operation, Version

T_DOC = datetime(2024, 5, 1, 12, 0, tzinfo=timezone.utc)
#: Every registry here reads this one time, so the file and the model agree to the microsecond.
T0 = datetime(2024, 6, 1, 8, 30, 15, 123456, tzinfo=timezone.utc)
WRITER = Path(__file__).with_name("_crash_writer.py")
CHILD_TIMEOUT = 30.0
NO_PAGE_LIMIT = 1073741823  # SQLite's default max_page_count


def clock() -> datetime:
    return T0


# -- operations built from a model ---------------------------------------------------------


class Writer:
    """Builds valid signed operations from the heads of a model MemoryRegistry.

    Kinds: ``create`` (with a separate recovery key), ``update`` (a service),
    ``large update`` (a service with an endpoint of several kB, so the row spills onto
    overflow pages), ``add key`` (a new authentication key; later writes are signed with
    it), ``rotate`` (a recovery that replaces every authentication key) and ``deactivate``.
    """

    def __init__(self, label: str) -> None:
        self.label = label
        self.model = MemoryRegistry(clock=clock)
        self.private: dict[str, PrivateKey] = {}
        self.dids: list[str] = []
        self._made = 0

    def fresh_key(self) -> PrivateKey:
        self._made += 1
        seed = hashlib.sha256(f"{self.label} key {self._made}".encode()).digest()
        key = Ed25519PrivateKey.from_seed(seed)
        self.private[key.public_key.to_bif()] = key
        return key

    def signer(self, document: BIDDocument, allowed: Sequence[str]) -> PrivateKey:
        """The newest key of ``document`` that is listed in ``allowed``."""
        for entry in reversed(document.public_keys):
            key = self.private.get(str(entry.get("publicKeyHex", "")).lower())
            if entry.get("id") in allowed and key is not None:
                return key
        raise AssertionError(f"no known key of {document.id} is in {list(allowed)}")

    def head(self, did: str) -> Version:
        head = self.model.read(did)
        assert head is not None
        return head

    def active(self) -> list[str]:
        return [did for did in self.dids if not self.head(did).deactivated]

    def operation(self, kind: str, did: str | None, *, size: int = 4000) -> Operation:
        if kind == "create" or did is None:
            key, recovery = self.fresh_key(), self.fresh_key()
            document = new_document(key, now=T_DOC, recovery_key=recovery.public_key)
            return create_operation(document, key)
        head = self.head(did)
        document = head.document
        if kind == "deactivate":
            return next_operation(
                "deactivate", head, self.signer(document, document.authentication)
            )
        if kind == "rotate":
            replaced = recovered_document(document, self.fresh_key().public_key, now=T_DOC)
            return next_operation(
                "recover", head, self.signer(document, document.recovery), document=replaced
            )
        if kind == "add key":
            changed = updated_document(document, now=T_DOC, add_keys=[self.fresh_key().public_key])
        else:
            endpoint = f"https://example.com/{head.seq}/" + "x" * (size if kind != "update" else 8)
            service = (f"s{head.seq % 3}", "Example", endpoint)
            changed = updated_document(document, now=T_DOC, services=[service])
        return next_operation(
            "update", head, self.signer(document, document.authentication), document=changed
        )

    def accept(self, operation: Operation) -> Version:
        version = self.model.submit(operation)
        if operation.did not in self.dids:
            self.dids.append(operation.did)
        return version


@dataclass(frozen=True)
class Plan:
    """A stream of operations in submission order; ``versions[i]`` is what operation i makes."""

    operations: tuple[Operation, ...]
    versions: tuple[Version, ...]
    dids: tuple[str, ...]

    def state(self, count: int) -> dict[str, tuple[Version, ...]]:
        """Every DID's history once the first ``count`` operations are stored."""
        histories: dict[str, list[Version]] = {did: [] for did in self.dids}
        for version in self.versions[:count]:
            histories[version.did].append(version)
        return {did: tuple(history) for did, history in histories.items()}


def make_plan(seed: int, length: int) -> Plan:
    rng = random.Random(seed)
    writer = Writer(f"plan {seed}")
    operations: list[Operation] = []
    versions: list[Version] = []
    while len(operations) < length:
        active = writer.active()
        did = None
        kind = "create"
        if len(active) >= 2 and rng.random() > 0.12:
            did = rng.choice(active)
            grown = len(writer.model.history(did)) >= 4
            kind = rng.choices(
                ["update", "large update", "add key", "rotate", "deactivate"],
                weights=[5, 2, 2, 2, 1 if grown else 0],
            )[0]
        operation = writer.operation(kind, did, size=rng.randrange(2000, 9000))
        versions.append(writer.accept(operation))
        operations.append(operation)
    return Plan(tuple(operations), tuple(versions), tuple(writer.dids))


@pytest.fixture(scope="module")
def plan() -> Plan:
    plan = make_plan(seed=60, length=100)
    assert {op.type for op in plan.operations} == {"create", "update", "recover", "deactivate"}
    creators = {op.did: op.signer for op in plan.operations if op.type == "create"}
    assert any(op.signer != creators[op.did] for op in plan.operations if op.type == "update")
    return plan


# -- the writer process --------------------------------------------------------------------


Event = dict[str, Any]


class Child:
    """A running ``_crash_writer.py`` submitting ``operations`` to the registry at ``path``."""

    def __init__(self, path: Path, operations: Sequence[Operation], *options: str) -> None:
        listing = path.with_name(path.name + ".operations.json")
        listing.write_text(json.dumps([op.to_json() for op in operations]))
        self.process = subprocess.Popen(
            [
                sys.executable,
                str(WRITER),
                str(path),
                str(listing),
                "--time",
                T0.isoformat(),
                *options,
            ],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            cwd=path.parent,
        )
        self.events: list[Event] = []
        self.stderr = ""
        self._buffer = b""

    def next_event(self) -> Event:
        stdout = self.process.stdout
        assert stdout is not None
        deadline = time.monotonic() + CHILD_TIMEOUT
        while b"\n" not in self._buffer:
            ready, _, _ = select.select([stdout], [], [], max(deadline - time.monotonic(), 0))
            if not ready:
                raise TimeoutError("the writer process did not answer")
            chunk = os.read(stdout.fileno(), 65536)
            if not chunk:
                self.finish()
                raise AssertionError(f"the writer process ended: {self.stderr}")
            self._buffer += chunk
        line, _, self._buffer = self._buffer.partition(b"\n")
        event: Event = json.loads(line)
        self.events.append(event)
        return event

    def finish(self) -> int:
        """Wait for the process (killing it if it hangs); collect what it printed."""
        try:
            out, err = self.process.communicate(timeout=CHILD_TIMEOUT)
        except subprocess.TimeoutExpired:
            self.process.kill()
            out, err = self.process.communicate()
        self._buffer += out
        *lines, self._buffer = self._buffer.split(b"\n")
        self.events.extend(json.loads(line) for line in lines if line)
        self.stderr = err.decode(errors="replace")
        return self.process.returncode

    def kill(self) -> int:
        self.process.send_signal(signal.SIGKILL)
        return self.finish()

    def of(self, kind: str) -> list[Event]:
        return [event for event in self.events if event["event"] == kind]


def run_child(path: Path, operations: Sequence[Operation], *options: str) -> Child:
    child = Child(path, operations, *options)
    child.finish()
    return child


# -- the checks after a kill -----------------------------------------------------------------


def raw_rows(path: Path) -> list[tuple[Any, ...]]:
    """Every stored row, read past the library."""
    connection = sqlite3.connect(path, isolation_level=None)
    try:
        return connection.execute("SELECT * FROM operations ORDER BY id").fetchall()
    finally:
        connection.close()


def raw_integrity(path: Path) -> list[str]:
    connection = sqlite3.connect(path, isolation_level=None)
    try:
        return [str(row[0]) for row in connection.execute("PRAGMA integrity_check")]
    finally:
        connection.close()


def check_resolution(registry: SQLiteRegistry, did: str, history: Sequence[Version]) -> None:
    result = BidMethod(registry).resolve(did)
    if not history:
        with pytest.raises(NotFound):
            result.raise_for_error()
        return
    head = history[-1]
    assert result.error is None
    assert result.did_document_metadata["versionId"] == str(head.seq)
    assert result.deactivated is head.deactivated
    if not head.deactivated:
        assert result.did_document == head.document.to_did_document()


def check_chains(registry: SQLiteRegistry, histories: dict[str, tuple[Version, ...]]) -> None:
    """Every stored log replays, operation by operation, through an independent registry."""
    replica = MemoryRegistry(clock=clock)
    for did, history in histories.items():
        for version in history:
            assert replica.submit(version.operation) == version
        check_resolution(registry, did, history)


def check_reopened(path: Path, plan: Plan, *, acknowledged: int, in_flight: bool) -> int:
    """Reopen ``path`` after a kill; return how many of ``plan`` it holds then.

    ``acknowledged`` operations of the plan were acknowledged by the killed writer, and
    ``in_flight`` says whether it may have been inside the next one. After the checks, the
    last stored operation is sent again (an idempotent no-op) and the next one stored.
    """
    with SQLiteRegistry(path, clock=clock) as registry:
        registry.integrity_check()
        histories = {did: registry.history(did) for did in plan.dids}
        stored = sum(len(history) for history in histories.values())
        assert acknowledged <= stored <= acknowledged + int(in_flight)
        assert histories == plan.state(stored)  # the stored set is exactly a prefix
        check_chains(registry, histories)
        if stored:
            assert registry.submit(plan.operations[stored - 1]) == plan.versions[stored - 1]
        if stored < len(plan.operations):
            assert registry.submit(plan.operations[stored]) == plan.versions[stored]
            stored += 1
    assert raw_integrity(path) == ["ok"]
    assert len(raw_rows(path)) == stored  # no row of anything else
    return stored


# -- 1. kills ------------------------------------------------------------------------------


@pytest.mark.slow
def test_writers_killed_at_random_moments_lose_no_acknowledged_write(
    tmp_path: Path, plan: Plan
) -> None:
    path = tmp_path / "registry.db"
    rng = random.Random(20240601)
    stored = 0
    mid_stream = 0
    for round_number in range(10):
        if stored == len(plan.operations):
            break
        child = Child(path, plan.operations[stored:])
        try:
            assert child.next_event()["event"] == "ready"
            if round_number % 2:
                time.sleep(rng.uniform(0.0, 0.03))  # anywhere: inside a write, between two
            else:
                wanted = rng.randrange(1, 6)  # right after the wanted-th acknowledgement
                while len(child.of("ack")) < wanted and child.next_event()["event"] != "done":
                    pass
        finally:
            child.kill()
        acks = child.of("ack")
        assert [a["hash"] for a in acks] == [
            op.hash for op in plan.operations[stored : stored + len(acks)]
        ]
        finished = bool(child.of("done"))
        mid_stream += bool(acks) and not finished
        stored = check_reopened(path, plan, acknowledged=stored + len(acks), in_flight=not finished)
    assert mid_stream >= 3  # kills landed inside the stream, not only before or after it
    if stored < len(plan.operations):  # a last writer finishes the stream
        child = run_child(path, plan.operations[stored:])
        assert child.process.returncode == 0, child.stderr
        assert len(child.of("ack")) == len(plan.operations) - stored
    with SQLiteRegistry(path, clock=clock) as registry:
        registry.integrity_check()
        final = {did: registry.history(did) for did in plan.dids}
        assert final == plan.state(len(plan.operations))
        check_chains(registry, final)


@pytest.fixture(scope="module")
def prefixes(tmp_path_factory: pytest.TempPathFactory, plan: Plan) -> dict[int, Path]:
    """Closed registry files holding the first N operations of the plan, for a few N."""
    starts = {0}
    for kind in ("update", "recover", "deactivate"):
        first = next(i for i, op in enumerate(plan.operations) if op.type == kind)
        starts.add(first - 1)
    directory = tmp_path_factory.mktemp("prefixes")
    files: dict[int, Path] = {}
    work = directory / "work.db"
    SQLiteRegistry(work).close()
    for count in range(max(starts) + 1):
        if count in starts:
            files[count] = directory / f"prefix-{count}.db"
            shutil.copyfile(work, files[count])
        with SQLiteRegistry(work, clock=clock) as registry:  # closing folds the WAL in
            registry.submit(plan.operations[count])
    return files


@pytest.mark.slow
@settings(max_examples=10)
@given(data=st.data(), position=st.integers(-1, 2), statement=st.integers(0, 5))
def test_a_writer_killed_between_two_statements_leaves_the_old_or_new_state(
    prefixes: dict[int, Path], plan: Plan, data: st.DataObject, position: int, statement: int
) -> None:
    """Statement 0 kills right after the acknowledgement of the write at ``position``; 1 to
    4 before its BEGIN, the read of the log, the INSERT and the COMMIT. Position -1 is the
    opening of the (existing) file."""
    start = data.draw(st.sampled_from(sorted(prefixes)), label="start")
    with tempfile.TemporaryDirectory(prefix="bid-crash-") as directory:
        path = Path(directory) / "registry.db"
        shutil.copyfile(prefixes[start], path)
        child = run_child(
            path, plan.operations[start : start + 3], "--kill", str(position), str(statement)
        )
        assert child.process.returncode == -signal.SIGKILL, child.stderr
        (kill,) = child.of("kill")
        assert kill["index"] == position
        acknowledged = len(child.of("ack"))
        assert acknowledged == max(position, 0) + int(kill["after_ack"])
        stored = check_reopened(path, plan, acknowledged=start + acknowledged, in_flight=False)
        assert stored == start + acknowledged + 1


@pytest.mark.slow
def test_a_writer_killed_while_creating_the_file(tmp_path: Path, plan: Plan) -> None:
    probe = run_child(tmp_path / "probe.db", plan.operations[:1])
    assert probe.process.returncode == 0, probe.stderr
    (ready,) = probe.of("ready")
    opening = ready["statements"]
    assert opening >= 5  # pragmas, the schema transaction, the schema check
    for statement in range(1, opening + 1):
        path = tmp_path / f"fresh-{statement}.db"
        child = run_child(path, plan.operations[:1], "--kill", "-1", str(statement))
        assert child.process.returncode == -signal.SIGKILL, child.stderr
        assert [event["event"] for event in child.events] == ["kill"]
        assert check_reopened(path, plan, acknowledged=0, in_flight=False) == 1


# -- 2. a full disk --------------------------------------------------------------------------


def connection_of(registry: SQLiteRegistry) -> sqlite3.Connection:
    """The registry's connection: ``max_page_count`` holds per connection only."""
    connection = registry._connection
    assert connection is not None
    return connection


def set_page_limit(registry: SQLiteRegistry, extra_pages: int) -> None:
    connection = connection_of(registry)
    (pages,) = connection.execute("PRAGMA page_count").fetchone()
    connection.execute(f"PRAGMA max_page_count = {pages + extra_pages}")


def lift_page_limit(registry: SQLiteRegistry) -> None:
    connection_of(registry).execute(f"PRAGMA max_page_count = {NO_PAGE_LIMIT}")


def assert_disk_full(error: BaseException) -> None:
    """``error`` is the plain RegistryError a full disk raises, chaining SQLITE_FULL."""
    assert type(error) is RegistryError  # not Conflict, not IntegrityError
    assert "full" in str(error)
    cause = error.__cause__
    assert isinstance(cause, sqlite3.OperationalError)
    # Python 3.10 has no error names on sqlite3 exceptions; the message says it there.
    assert getattr(cause, "sqlite_errorname", "SQLITE_FULL") == "SQLITE_FULL"


def assert_unlocked(path: Path) -> None:
    """No transaction was left open: another connection takes the write lock at once."""
    other = sqlite3.connect(path, isolation_level=None, timeout=0)
    try:
        other.execute("BEGIN IMMEDIATE")
        other.execute("ROLLBACK")
    finally:
        other.close()


def small_page_file(path: Path) -> None:
    """An empty database with 512-byte pages: every row then needs an overflow page, so
    every write needs a new page, and a page limit refuses it whatever its kind."""
    connection = sqlite3.connect(path, isolation_level=None)
    try:
        connection.execute("PRAGMA page_size = 512")
        connection.execute("PRAGMA journal_mode = WAL")
    finally:
        connection.close()


@pytest.mark.parametrize(
    "kind", ["create", "update", "large update", "add key", "rotate", "deactivate"]
)
def test_a_full_disk_refuses_the_write_and_keeps_the_previous_state(
    tmp_path: Path, kind: str
) -> None:
    path = tmp_path / "registry.db"
    small_page_file(path)
    writer = Writer("disk full")
    with SQLiteRegistry(path, clock=clock) as registry:
        assert connection_of(registry).execute("PRAGMA page_size").fetchone() == (512,)
        did = None
        for step in ("create", "update", "add key", "update", "rotate", "update"):
            operation = writer.operation(step, did)
            assert registry.submit(operation) == writer.accept(operation)
            did = operation.did
        bystander = writer.operation("create", None)
        assert registry.submit(bystander) == writer.accept(bystander)
        operation = writer.operation(kind, did)
        before_rows = raw_rows(path)
        before = {d: registry.history(d) for d in writer.dids}

        set_page_limit(registry, 0)
        for _ in range(2):  # refused again the same way: nothing drifted
            with pytest.raises(RegistryError) as error:
                registry.submit(operation)
            assert_disk_full(error.value)
            assert raw_rows(path) == before_rows
            assert {d: registry.history(d) for d in writer.dids} == before
            assert registry.read(operation.did) == writer.model.read(operation.did)
            registry.integrity_check()
            assert raw_integrity(path) == ["ok"]
            assert_unlocked(path)

        lift_page_limit(registry)
        stored = registry.submit(operation)
        assert stored == writer.accept(operation)
        assert registry.submit(operation) == stored  # and only once
    assert len(raw_rows(path)) == len(before_rows) + 1
    with SQLiteRegistry(path, clock=clock) as reopened:
        reopened.integrity_check()
        histories = {d: reopened.history(d) for d in writer.dids}
        assert histories == {d: writer.model.history(d) for d in writer.dids}
        check_chains(reopened, histories)
        if kind == "rotate":  # the rotated-out key signs nothing more
            head = writer.head(operation.did)
            old = before[operation.did][-1].document
            stale = Operation.sign(
                "update",
                did=head.did,
                seq=head.seq + 1,
                previous=head.hash,
                key=writer.signer(old, old.authentication),
                signer=old.authentication[-1],
                document=head.document,
            )
            with pytest.raises(Unauthorized):
                reopened.submit(stale)
        if kind == "deactivate":
            with pytest.raises(DIDDeactivated):
                reopened.submit(writer.operation("update", operation.did))


@pytest.mark.slow
@pytest.mark.skipif(not hasattr(signal, "SIGXFSZ"), reason="needs POSIX file size limits")
@pytest.mark.parametrize("slack", [0, 5000])
@pytest.mark.parametrize("room_again", [True, False])
def test_a_write_the_kernel_refuses(
    tmp_path: Path, plan: Plan, slack: int, room_again: bool
) -> None:
    """The writer's RLIMIT_FSIZE stops the log at its size after two writes (+ ``slack``
    bytes: with 5000, one WAL frame of the third write goes in and the next is cut short).
    The third write is refused with a RegistryError and the state stays as it was; with
    room again it goes in, without, the writer is killed and the reopened file holds the
    first two writes."""
    path = tmp_path / "registry.db"
    options = ["--limit-after", "1", "--slack", str(slack)]
    if room_again:
        child = run_child(path, plan.operations[:5], *options)
        assert child.process.returncode == 0, child.stderr
        expected = [("error", 2), ("lifted", 2), ("ack", 2), ("ack", 3), ("ack", 4), ("done", None)]
    else:
        child = run_child(path, plan.operations[:3], *options, "--keep-limit")
        assert child.process.returncode == -signal.SIGKILL, child.stderr
        expected = [("error", 2), ("kill", 2)]
    steps = [(event["event"], event.get("index")) for event in child.events]
    assert steps == [("ready", None), ("ack", 0), ("ack", 1), *expected]
    for error in child.of("error"):
        assert error["error"] == "RegistryError"
        assert error["sqlite"] in {"SQLITE_IOERR_WRITE", "SQLITE_FULL"}
        assert error["check"] == "ok"
        did = plan.operations[error["index"]].did
        assert error["versions"] == len(plan.state(2)[did])  # as before the refused write
    acknowledged = len(child.of("ack"))
    assert check_reopened(path, plan, acknowledged=acknowledged, in_flight=False) == (
        acknowledged + 1
    )


# -- 3. the state machine ------------------------------------------------------------------


def submit_or_refusal(registry: SQLiteRegistry, operation: Operation) -> RegistryError | None:
    try:
        registry.submit(operation)
    except RegistryError as exc:
        return exc
    return None


#: Each killed writer is a new Python process (about 0.2 s): a bound keeps the run short.
MAX_KILLS_PER_RUN = 2


class CrashMachine(RuleBasedStateMachine):
    """Plain writes, killed writers and full disks against one file; a MemoryRegistry
    (``writer.model``) is the model. After each step the file equals the model."""

    def __init__(self) -> None:
        super().__init__()
        self.directory = Path(tempfile.mkdtemp(prefix="bid-crash-machine-"))
        self.path = self.directory / "registry.db"
        self.writer = Writer("machine")
        self.registry = SQLiteRegistry(self.path, clock=clock)
        self.kills = 0

    def teardown(self) -> None:
        self.registry.close()
        shutil.rmtree(self.directory, ignore_errors=True)

    def next_operation(self, data: st.DataObject) -> Operation:
        active = self.writer.active()
        kind = data.draw(
            st.sampled_from(
                ["create", "update", "large update", "add key", "rotate", "deactivate"]
            ),
            label="kind",
        )
        if not active or kind == "create":
            return self.writer.operation("create", None)
        did = data.draw(st.sampled_from(active), label="did")
        size = data.draw(st.integers(500, 12_000), label="size")
        return self.writer.operation(kind, did, size=size)

    def old_or_new(self, operation: Operation) -> bool:
        """Whether the file took ``operation``; fails unless it holds the old or new state."""
        old = self.writer.model.history(operation.did)
        found = self.registry.history(operation.did)
        if found == old:
            return False
        assert found == (*old, self.writer.accept(operation))
        return True

    @rule(data=st.data())
    def write(self, data: st.DataObject) -> None:
        operation = self.next_operation(data)
        assert self.registry.submit(operation) == self.writer.accept(operation)

    @precondition(lambda self: self.kills < MAX_KILLS_PER_RUN)
    @rule(data=st.data(), statement=st.integers(0, 4))
    def killed_write(self, data: st.DataObject, statement: int) -> None:
        self.kills += 1
        operation = self.next_operation(data)
        self.registry.close()  # the writer process is the file's only user when it dies
        child = run_child(self.path, [operation], "--kill", "0", str(statement))
        assert child.process.returncode == -signal.SIGKILL, child.stderr
        self.registry = SQLiteRegistry(self.path, clock=clock)
        took = self.old_or_new(operation)
        assert took == bool(child.of("ack"))  # acknowledged if and only if stored
        event("killed writer: " + ("new state" if took else "old state"))

    @rule(data=st.data(), extra_pages=st.integers(0, 2), retry=st.booleans())
    def full_disk(self, data: st.DataObject, extra_pages: int, retry: bool) -> None:
        operation = self.next_operation(data)
        set_page_limit(self.registry, extra_pages)
        try:
            refused = submit_or_refusal(self.registry, operation)
        finally:
            lift_page_limit(self.registry)
        event("full disk: " + ("fitted" if refused is None else "refused"))
        if refused is None:
            assert self.old_or_new(operation)  # it fitted in the pages there were
            return
        assert_disk_full(refused)
        assert not self.old_or_new(operation)
        if retry:
            assert self.registry.submit(operation) == self.writer.accept(operation)

    @initialize(small_pages=st.booleans(), dids=st.integers(1, 3))
    def start(self, small_pages: bool, dids: int) -> None:
        """A fresh file, half the time with 512-byte pages (where every row needs a new
        page, so a page limit refuses any write), and a few DIDs to write to."""
        self.registry.close()
        self.path.unlink()
        if small_pages:
            small_page_file(self.path)
        self.registry = SQLiteRegistry(self.path, clock=clock)
        for _ in range(dids):
            operation = self.writer.operation("create", None)
            assert self.registry.submit(operation) == self.writer.accept(operation)

    @rule()
    def reopen(self) -> None:
        self.registry.close()
        self.registry = SQLiteRegistry(self.path, clock=clock)

    @invariant()
    def file_equals_model(self) -> None:
        histories = {did: self.registry.history(did) for did in self.writer.dids}
        assert histories == {did: self.writer.model.history(did) for did in self.writer.dids}
        assert len(raw_rows(self.path)) == sum(len(h) for h in histories.values())
        self.registry.integrity_check()


CrashMachine.TestCase.settings = settings(max_examples=12, stateful_step_count=12, deadline=None)
TestCrashMachine = pytest.mark.slow(CrashMachine.TestCase)
