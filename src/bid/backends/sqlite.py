"""The embedded SQLite registry: one file holding the verifiable log of signed operations.

The file stores operations, never documents: each row keeps the exact ``signed_bytes`` and
``signature`` of an accepted :class:`~bid.registry.Operation`, its hash, and the time the
registry accepted it. Every read loads the DID's rows in sequence order and re-verifies
them through :func:`bid.registry.replay` (hashes, chain, signatures, the BIF rules), so a
row changed on disk raises :class:`~bid.errors.IntegrityError` and the changed document is
never served.

Writes: one transaction per operation, ``BEGIN IMMEDIATE`` first, so reading the head,
checking the operation against it (:func:`bid.registry.apply`) and inserting the row all
happen under SQLite's write lock; two processes racing for the same sequence number get
one success and one :class:`~bid.errors.Conflict`. The file runs in WAL mode with
``synchronous=FULL`` (an acknowledged write survives power loss), ``foreign_keys`` on (a
row's ``previous`` must name a stored operation, and no two rows may name the same one)
and a busy timeout.

What the checks cannot catch: the acceptance time is the registry's own statement, signed
by no one. A checksum column binds it to its operation and times must not go backwards,
which catches a damaged or naively edited time; someone who can write the file and
recomputes the checksum can still move a time, or drop the newest operations of a DID
(the older ones are a valid log by themselves). Signatures protect everything else.

No exception of :mod:`sqlite3` leaves this module: a broken unique constraint becomes
:class:`~bid.errors.Conflict`, a damaged file :class:`~bid.errors.IntegrityError`, and
anything else (locked, disk full, I/O) :class:`~bid.errors.RegistryError`, with the
original chained.
"""

from __future__ import annotations

import hashlib
import os
import re
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from datetime import datetime, timezone
from types import TracebackType
from typing import Any

from ..errors import Conflict, IntegrityError, InvalidInput, RegistryError
from ..registry import Operation, Version, apply, replay, system_clock

__all__ = ["SCHEMA_VERSION", "SQLiteRegistry"]

#: The layout version written to the ``meta`` table; a file with another one is refused.
SCHEMA_VERSION = 1
#: Seconds a writer waits for another connection's write lock before giving up.
BUSY_TIMEOUT = 5.0

_SCHEMA = (
    """
    CREATE TABLE meta (
        key TEXT PRIMARY KEY NOT NULL,
        value TEXT NOT NULL
    )
    """,
    """
    CREATE TABLE operations (
        id INTEGER PRIMARY KEY,
        did TEXT NOT NULL,
        seq INTEGER NOT NULL CHECK (typeof(seq) = 'integer' AND seq >= 1),
        type TEXT NOT NULL CHECK (type IN ('create', 'update', 'recover', 'deactivate')),
        previous TEXT UNIQUE REFERENCES operations (hash),
        hash TEXT NOT NULL UNIQUE CHECK (length(hash) = 64),
        signed BLOB NOT NULL CHECK (typeof(signed) = 'blob'),
        signature BLOB NOT NULL CHECK (typeof(signature) = 'blob'),
        time TEXT NOT NULL,
        time_check TEXT NOT NULL,
        UNIQUE (did, seq),
        CHECK ((seq = 1) = (previous IS NULL))
    )
    """,
)
_SELECT = (
    "SELECT seq, type, previous, hash, signed, signature, time, time_check"
    " FROM operations WHERE did = ? ORDER BY seq"
)
_INSERT = (
    "INSERT INTO operations"
    " (did, seq, type, previous, hash, signed, signature, time, time_check)"
    " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"
)
_TIME = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z", re.ASCII)
_CORRUPT = {11, 26}  # SQLITE_CORRUPT, SQLITE_NOTADB (primary result codes)
_BUSY = {5, 6}  # SQLITE_BUSY, SQLITE_LOCKED

_Row = tuple[Any, ...]


@contextmanager
def _translated(action: str) -> Iterator[None]:
    """Turn any sqlite3 error raised inside into the library's own, chained."""
    try:
        yield
    except sqlite3.IntegrityError as exc:
        if "UNIQUE" in str(exc):
            raise Conflict(f"{action}: another operation holds this place ({exc})") from exc
        raise RegistryError(f"{action}: the database refused the row ({exc})") from exc
    except sqlite3.Error as exc:
        code = getattr(exc, "sqlite_errorcode", None)
        if isinstance(code, int):
            damaged = code & 0xFF in _CORRUPT
        else:  # Python 3.10 has no error codes on the exception
            damaged = "malformed" in str(exc) or "not a database" in str(exc)
        if damaged:
            raise IntegrityError(
                f"{action}: the file is damaged or not a database ({exc})"
            ) from exc
        raise RegistryError(f"{action} failed: {exc}") from exc


def _is_busy(exc: sqlite3.Error) -> bool:
    code = getattr(exc, "sqlite_errorcode", None)
    if isinstance(code, int):
        return code & 0xFF in _BUSY
    return "locked" in str(exc) or "busy" in str(exc)


def _rollback(connection: sqlite3.Connection) -> None:
    if connection.in_transaction:
        with suppress(sqlite3.Error):
            connection.execute("ROLLBACK")


def _format_time(time: datetime) -> str:
    """ISO 8601 in UTC with microseconds: ``2024-05-01T12:00:00.000000Z``."""
    return time.astimezone(timezone.utc).replace(tzinfo=None).isoformat("T", "microseconds") + "Z"


def _time_check(op_hash: str, time: str) -> str:
    return hashlib.sha256(f"bid registry time\x00{op_hash}\x00{time}".encode()).hexdigest()


def _parse_time(text: object, where: str) -> datetime:
    if not isinstance(text, str) or not _TIME.fullmatch(text):
        raise IntegrityError(f"{where}: the stored time {text!r} is not a UTC ISO 8601 time")
    try:  # fromisoformat: the format is checked above, and it is 10x faster than strptime
        return datetime.fromisoformat(text[:-1]).replace(tzinfo=timezone.utc)
    except ValueError as exc:
        raise IntegrityError(f"{where}: the stored time {text!r} is not a valid time") from exc


def _verified(did: str, rows: list[_Row]) -> list[Version]:
    """Re-verify a DID's stored rows (in seq order) into its versions; IntegrityError if not."""
    entries: list[tuple[Operation, datetime, str]] = []
    for seq, op_type, previous, op_hash, signed, signature, time_text, time_check in rows:
        where = f"the stored log of {did} at seq {seq}"
        if not (
            isinstance(signed, bytes) and isinstance(signature, bytes) and isinstance(op_hash, str)
        ):
            raise IntegrityError(f"{where}: a column holds the wrong type")
        try:
            operation = Operation.from_storage(signed, signature)
        except InvalidInput as exc:
            raise IntegrityError(f"{where} is not a valid operation: {exc.message}") from exc
        if (operation.seq, operation.type, operation.previous) != (seq, op_type, previous):
            raise IntegrityError(f"{where}: the row's columns disagree with its signed bytes")
        time = _parse_time(time_text, where)
        if time_check != _time_check(op_hash, time_text):
            raise IntegrityError(f"{where}: the stored acceptance time was altered")
        entries.append((operation, time, op_hash))
    versions = replay(did, entries)
    for version, (_, time, _) in zip(versions, entries, strict=True):
        if version.time != time:
            raise IntegrityError(f"the stored times of {did} go backwards at seq {version.seq}")
    return versions


class SQLiteRegistry:
    """A :class:`~bid.registry.Registry` in one SQLite file; see the module documentation.

    ``SQLiteRegistry(path)`` creates the file if needed. One object holds one connection,
    guarded by a lock, so threads may share it; other processes open their own object on
    the same file. Close it with :meth:`close` or a ``with`` block.
    Raises RegistryError when the file cannot be opened, is not a registry, or has a
    schema version this library does not know.
    """

    def __init__(
        self,
        path: str | os.PathLike[str],
        *,
        clock: Callable[[], datetime] = system_clock,
    ) -> None:
        self._path = os.fspath(path)
        if not self._path:
            raise InvalidInput("the SQLite registry needs a file path")
        if "\x00" in self._path:
            raise InvalidInput("the SQLite registry path contains a NUL character")
        self._clock = clock
        self._lock = threading.Lock()
        self._connection: sqlite3.Connection | None = None
        with _translated(f"opening the registry {self._path!r}"):
            connection = sqlite3.connect(
                self._path,
                timeout=BUSY_TIMEOUT,
                isolation_level=None,
                check_same_thread=False,
            )
        try:
            with _translated(f"opening the registry {self._path!r}"):
                self._configure(connection)
        except BaseException:
            connection.close()
            raise
        self._connection = connection

    @classmethod
    def from_url(cls, rest: str, *, clock: Callable[[], datetime] = system_clock) -> SQLiteRegistry:
        """The registry for ``load_registry("sqlite:" + rest)``: ``rest`` is the file path."""
        if not rest:
            raise InvalidInput("sqlite: needs a file path, as in sqlite:/var/lib/bid/registry.db")
        return cls(rest, clock=clock)

    @property
    def path(self) -> str:
        """The database file."""
        return self._path

    def __repr__(self) -> str:
        return f"SQLiteRegistry({self._path!r})"

    # -- the Registry protocol -------------------------------------------------------------

    def read(self, did: str) -> Version | None:
        """The current version of ``did`` (re-verified from its first operation), or None.

        Raises IntegrityError if the stored log fails any check.
        """
        versions = self._versions(did)
        return versions[-1] if versions else None

    def history(self, did: str) -> tuple[Version, ...]:
        """Every version of ``did`` in sequence order, re-verified; IntegrityError if not."""
        return tuple(self._versions(did))

    def submit(self, operation: Operation) -> Version:
        """Apply and store ``operation`` in one transaction; nothing is stored if refused.

        An exact re-submission of a stored operation returns the stored version. Raises
        the RegistryError :func:`bid.registry.apply` names, IntegrityError if the stored log
        is damaged, and RegistryError if the database fails (busy, disk full, I/O).
        """
        with self._lock:
            connection = self._open_connection()
            with _translated(f"storing seq {operation.seq} of {operation.did}"):
                connection.execute("BEGIN IMMEDIATE")
                try:
                    versions = _verified(operation.did, self._rows(connection, operation.did))
                    head = versions[-1] if versions else None
                    stored = versions[operation.seq - 1] if operation.seq <= len(versions) else None
                    version = apply(
                        head,
                        operation,
                        time=self._now(),
                        stored_hash=stored.hash if stored is not None else None,
                    )
                    if version is None:
                        assert stored is not None  # apply returns None only for a stored one
                        return stored
                    time_text = _format_time(version.time)
                    connection.execute(
                        _INSERT,
                        (
                            operation.did,
                            operation.seq,
                            operation.type,
                            operation.previous,
                            operation.hash,
                            operation.signed_bytes,
                            operation.signature,
                            time_text,
                            _time_check(operation.hash, time_text),
                        ),
                    )
                    connection.execute("COMMIT")
                    return version
                finally:
                    _rollback(connection)

    # -- maintenance -------------------------------------------------------------------------

    def integrity_check(self) -> None:
        """Run SQLite's ``PRAGMA integrity_check`` and ``foreign_key_check`` on the file.

        Raises IntegrityError unless the file is sound. This checks the file's structure;
        the signatures and chains are checked by every read.
        """
        with self._lock:
            connection = self._open_connection()
            with _translated(f"checking {self._path!r}"):
                found = [str(row[0]) for row in connection.execute("PRAGMA integrity_check")]
                if found != ["ok"]:
                    raise IntegrityError(
                        f"{self._path!r} failed PRAGMA integrity_check: {'; '.join(found[:5])}"
                    )
                dangling = connection.execute("PRAGMA foreign_key_check").fetchall()
                if dangling:
                    raise IntegrityError(
                        f"{self._path!r}: {len(dangling)} operation(s) name a previous"
                        " operation that is not stored"
                    )

    def close(self) -> None:
        """Close the connection; further use raises RegistryError. Closing twice is fine."""
        with self._lock:
            connection, self._connection = self._connection, None
            if connection is not None:
                with _translated(f"closing {self._path!r}"):
                    connection.close()

    def __enter__(self) -> SQLiteRegistry:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    # -- internals ---------------------------------------------------------------------------

    def _configure(self, connection: sqlite3.Connection) -> None:
        connection.execute(f"PRAGMA busy_timeout = {int(BUSY_TIMEOUT * 1000)}")
        mode = self._switch_to_wal(connection)
        if mode != "wal":
            raise RegistryError(
                f"{self._path!r} cannot use write-ahead logging (journal mode {mode!r});"
                " the SQLite registry needs a file on a local file system"
            )
        connection.execute("PRAGMA synchronous = FULL")
        connection.execute("PRAGMA foreign_keys = ON")
        connection.execute("PRAGMA trusted_schema = OFF")
        if not self._tables(connection):
            connection.execute("BEGIN IMMEDIATE")
            try:
                if not self._tables(connection):  # nobody created it meanwhile
                    for statement in _SCHEMA:
                        connection.execute(statement)
                    connection.execute(
                        "INSERT INTO meta (key, value) VALUES ('schema_version', ?)",
                        (str(SCHEMA_VERSION),),
                    )
                connection.execute("COMMIT")
            finally:
                _rollback(connection)
        tables = self._tables(connection)
        version = None
        if "meta" in tables:
            row = connection.execute(
                "SELECT value FROM meta WHERE key = 'schema_version'"
            ).fetchone()
            version = row[0] if row else None
        if version is None or "operations" not in tables:
            raise RegistryError(
                f"{self._path!r} is an SQLite database but not a bid registry"
                " (no operations table or schema version)"
            )
        if version != str(SCHEMA_VERSION):
            raise RegistryError(
                f"{self._path!r} has registry schema version {version!r}; this version of bid"
                f" reads schema version {SCHEMA_VERSION} only"
            )

    @staticmethod
    def _switch_to_wal(connection: sqlite3.Connection) -> str | None:
        # While another connection switches a new file to WAL, this pragma fails at once
        # with SQLITE_BUSY: SQLite does not call the busy handler for it. Retry, bounded.
        deadline = time.monotonic() + BUSY_TIMEOUT
        while True:
            try:
                row = connection.execute("PRAGMA journal_mode = WAL").fetchone()
            except sqlite3.OperationalError as exc:
                if not _is_busy(exc) or time.monotonic() > deadline:
                    raise
                time.sleep(0.002)
            else:
                return str(row[0]).lower() if row else None

    @staticmethod
    def _tables(connection: sqlite3.Connection) -> set[str]:
        rows = connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
        return {str(row[0]) for row in rows}

    @staticmethod
    def _rows(connection: sqlite3.Connection, did: str) -> list[_Row]:
        return connection.execute(_SELECT, (did,)).fetchall()

    def _versions(self, did: str) -> list[Version]:
        with self._lock:
            connection = self._open_connection()
            with _translated(f"reading {did}"):
                rows = self._rows(connection, did)  # one statement: one consistent snapshot
        return _verified(did, rows)

    def _open_connection(self) -> sqlite3.Connection:
        if self._connection is None:
            raise RegistryError(f"the registry {self._path!r} is closed")
        return self._connection

    def _now(self) -> datetime:
        now = self._clock()
        if now.tzinfo is None or now.utcoffset() is None:
            raise InvalidInput("the registry clock must return timezone-aware datetimes")
        return now.astimezone(timezone.utc)
