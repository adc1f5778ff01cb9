"""A writer process for tests/test_sqlite_crash.py: submits operations, then may be killed.

Usage::

    python _crash_writer.py DB OPERATIONS --time ISO [--kill OP STATEMENT]
                            [--limit-after OP --slack BYTES]

Opens ``DB`` as an :class:`~bid.backends.sqlite.SQLiteRegistry` whose clock always reads
``--time``, submits the wire-form operations listed in the JSON file ``OPERATIONS`` in
order, and reports on stdout, one JSON object per line, flushed at once:

``{"event": "ready", "statements": N}``
    the registry is open; opening ran N SQL statements
``{"event": "ack", "index": I, "hash": H, "statements": N}``
    ``submit`` returned for operation I (N statements ran for it): it is acknowledged
``{"event": "error", "index": I, "error": NAME, "sqlite": CODE, "versions": V, "check": C}``
    ``submit`` raised the library error NAME; CODE names the chained SQLite error, if any;
    then the DID had V versions and ``integrity_check`` gave C ("ok" or an error name)
``{"event": "lifted", "index": I}``
    the file size limit is gone again; operation I is submitted once more
``{"event": "kill", "index": I, "sql": TEXT, "after_ack": BOOL}``
    the process is about to send itself SIGKILL
``{"event": "done"}``
    every operation was submitted and the registry closed

``--kill OP STATEMENT`` sends SIGKILL to this process just before the STATEMENT-th SQL
statement (from 1) that the registry runs for operation OP, so the kill lands between two
statements of one write. STATEMENT 0, or a number beyond the statements the write runs,
kills right after operation OP is acknowledged. OP -1 means the opening of the file (a
number beyond its statements kills once it is open).

``--limit-after OP --slack BYTES`` lowers the soft ``RLIMIT_FSIZE`` once operation OP is
acknowledged, to the size of the write-ahead log plus BYTES: the kernel then refuses to
grow any file past that (EFBIG), which SQLite reports as a write error. On the first
refused operation the limit is lifted and that same operation submitted again; with
``--keep-limit`` it stays, and the process kills itself after the last operation, leaving
the partly written log behind.

The SQL statements are counted by wrapping :func:`sqlite3.connect` in this process only,
so that every connection the registry opens carries a trace callback.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import sqlite3
import sys
from collections.abc import Callable
from datetime import datetime
from typing import Any

from bid.backends.sqlite import SQLiteRegistry
from bid.errors import BidError
from bid.registry import Operation


def emit(**event: Any) -> None:
    sys.stdout.write(json.dumps(event) + "\n")
    sys.stdout.flush()


class Tracer:
    """Counts the statements run for the current operation; kills the process on cue."""

    def __init__(self, kill: tuple[int, int] | None) -> None:
        self.kill = kill
        self.index = -1  # the operation being submitted; -1 while opening the file
        self.statements = 0

    def start(self, index: int) -> None:
        self.index = index
        self.statements = 0

    def __call__(self, sql: str) -> None:
        self.statements += 1
        if self.kill == (self.index, self.statements):
            self.die(sql, after_ack=False)

    def opened(self) -> None:
        # The opening ran fewer statements than the cue names: kill once it is done.
        if self.kill is not None and self.kill[0] == -1:
            self.die("", after_ack=False)

    def acknowledged(self) -> None:
        # Reached with the cue still pending: STATEMENT was 0, or more than the write ran.
        if self.kill is not None and self.kill[0] == self.index:
            self.die("", after_ack=True)

    def die(self, sql: str, *, after_ack: bool) -> None:
        emit(event="kill", index=self.index, sql=sql, after_ack=after_ack)
        os.kill(os.getpid(), signal.SIGKILL)


def trace_connections(tracer: Tracer) -> None:
    connect: Callable[..., sqlite3.Connection] = sqlite3.connect

    def traced(*args: Any, **kwargs: Any) -> sqlite3.Connection:
        connection = connect(*args, **kwargs)
        connection.set_trace_callback(tracer)
        return connection

    sqlite3.connect = traced  # type: ignore[assignment]


def limit_file_size(database: str, slack: int) -> None:
    import resource  # POSIX only; imported where it is needed

    wal = database + "-wal"
    size = os.path.getsize(wal) if os.path.exists(wal) else 0
    _, hard = resource.getrlimit(resource.RLIMIT_FSIZE)
    resource.setrlimit(resource.RLIMIT_FSIZE, (size + slack, hard))


def lift_file_size_limit() -> None:
    import resource

    _, hard = resource.getrlimit(resource.RLIMIT_FSIZE)
    resource.setrlimit(resource.RLIMIT_FSIZE, (hard, hard))


def integrity(registry: SQLiteRegistry) -> str:
    try:
        registry.integrity_check()
    except BidError as exc:
        return type(exc).__name__
    return "ok"


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("database")
    parser.add_argument("operations")
    parser.add_argument("--time", required=True)
    parser.add_argument("--kill", nargs=2, type=int, metavar=("OP", "STATEMENT"))
    parser.add_argument("--limit-after", type=int)
    parser.add_argument("--slack", type=int, default=0)
    parser.add_argument("--keep-limit", action="store_true")
    args = parser.parse_args(argv)

    with open(args.operations, encoding="utf-8") as file:
        operations = [Operation.from_json(item) for item in json.load(file)]
    now = datetime.fromisoformat(args.time)
    tracer = Tracer(tuple(args.kill) if args.kill else None)
    trace_connections(tracer)
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a refused write fails; it does not kill

    registry = SQLiteRegistry(args.database, clock=lambda: now)
    tracer.opened()
    emit(event="ready", statements=tracer.statements)
    limited = False
    for index, operation in enumerate(operations):
        attempts = 0
        while True:
            attempts += 1
            tracer.start(index)
            try:
                version = registry.submit(operation)
            except BidError as exc:
                emit(
                    event="error",
                    index=index,
                    error=type(exc).__name__,
                    sqlite=getattr(exc.__cause__, "sqlite_errorname", None),
                    versions=len(registry.history(operation.did)),
                    check=integrity(registry),
                )
                if limited and attempts == 1 and not args.keep_limit:
                    lift_file_size_limit()
                    limited = False
                    emit(event="lifted", index=index)
                    continue
                break
            emit(event="ack", index=index, hash=version.hash, statements=tracer.statements)
            tracer.acknowledged()
            break
        if args.limit_after == index:
            limit_file_size(args.database, args.slack)
            limited = True
    if limited and args.keep_limit:
        tracer.die("", after_ack=False)
    registry.close()
    emit(event="done")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
