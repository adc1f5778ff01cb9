"""Verify many credentials at once, on every core: :func:`verify_many` and :func:`iter_verify`.

Each credential is checked exactly as :func:`bid.vc.verify_credential` checks it (same
options, same result); the batch adds parallelism, order and bounded memory:

- results come back **in input order**, one :class:`~bid.vc.VerificationResult` per input;
- **one bad credential never stops the rest**: anything that goes wrong with one input
  (malformed data, an unexpected exception, an input that cannot be sent to a worker
  process) is a failed result for that input, never an exception out of the batch. Only
  bad *options* (an unknown keyword, a naive ``now``, an unknown suite, an unpicklable
  resolver in process mode) raise, at call time, before any work is done;
- the input may be any iterable, a generator or a stream: it is read a chunk at a time and
  at most ``2 * workers`` chunks are in flight, so a stream of millions of credentials is
  verified in constant memory. :func:`iter_verify` yields the results as they are ready
  (in order); :func:`verify_many` collects them in a list.

Two ways to use the cores (``mode``):

``"processes"`` (the default: the one that scales, see ``docs/performance.md``)
    Worker processes, one per core. Credentials travel to them pickled, a chunk at a time
    (128 by default), each chunk to whichever worker is free, and the results come back
    the same way. Each worker needs its own resolver: pass a picklable ``resolver`` (it is
    copied into each worker once), or ``resolver_factory``, a picklable callable (a
    module-level function or class, or a :func:`functools.partial` of one) that each worker
    calls once to build its resolver. With neither, each worker builds the default
    resolver (did:key offline, did:bid from ``$BID_REGISTRY`` or the default registry).
    ``verify_options`` (fetchers included) must be picklable too. The workers are started
    with ``mp_context``; by default ``"fork"`` on Linux when the calling process runs a
    single thread (safe then, and fast: a few milliseconds), else ``"forkserver"`` where
    the platform has it, else ``"spawn"`` (each worker then imports bid, 0.2-0.5 s, and the
    usual :mod:`multiprocessing` rule applies: guard a script's entry point with
    ``if __name__ == "__main__":``).
``"threads"``
    A thread pool in this process. PyNaCl releases the GIL while libsodium verifies, but
    canonicalization, the data model checks and resolution are Python and hold it, so
    threads only overlap the signature checks, and on 2 cores they were measured no faster
    than one thread. No start-up cost and no copying; the resolver must be safe to share
    between threads (the default one, ``CachedResolver``, ``StaticResolver`` and the SQLite
    registry are).

Small batches are verified in the calling thread, without starting any pool: fewer than
256 credentials in process mode (2,048 when the workers would be spawned rather than
forked), fewer than two chunks in thread mode; ``workers=1`` verifies everything there.

With ``resolver=None`` the batch shares one default resolver (per worker process) instead
of building one per credential as :func:`~bid.vc.verify_credential` does; did:key
documents, which are a pure function of the DID, are cached in it, did:bid resolutions are
not.
"""

from __future__ import annotations

import itertools
import os
import pickle
import sys
from collections import deque
from collections.abc import Callable, Generator, Iterable, Iterator, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

from ._json import JSONObject, JSONValue
from .errors import BidError

if TYPE_CHECKING:
    from multiprocessing.connection import Connection
    from multiprocessing.context import BaseContext
    from multiprocessing.process import BaseProcess

    from .resolver import ResolutionResult, Resolver
    from .vc import VerificationResult

__all__ = ["DEFAULT_MODE", "MODES", "Mode", "iter_verify", "verify_many"]

Mode = Literal["threads", "processes"]
#: The ways :func:`iter_verify` can use the cores.
MODES: tuple[Mode, ...] = ("threads", "processes")
#: Chosen by measurement (docs/performance.md): verification is mostly Python that holds the
#: GIL, so processes scale it across cores and threads do not.
DEFAULT_MODE: Mode = "processes"
#: Credentials per task: enough to amortize a task's cost (a future, a queue hop; for
#: processes a pickle round trip), few enough to keep the workers evenly busy.
_CHUNK = {"threads": 16, "processes": 128}
#: Thread mode: chunks in flight per worker, one running and one queued behind it.
_CHUNKS_PER_WORKER = 2
#: Process mode: chunks a worker holds, one being verified and the next waiting in its inbox.
_DEPTH = 2
#: Fewer credentials than this are verified in the calling thread in process mode: starting
#: the workers would cost more than the other cores save. Forked workers start in a few
#: milliseconds; spawned ones (forkserver, spawn) import bid first, 0.2-0.5 s on 2 vCPUs.
_PROCESS_MIN = 256
_PROCESS_MIN_SPAWNED = 2048
#: The check name of a failure that happened outside verify_credential's own checks.
_BATCH_CHECK = "verify"


# -- one credential -------------------------------------------------------------------------------


def _failure(exc: BaseException) -> VerificationResult:
    """A failed result for a credential whose verification raised ``exc``."""
    from .vc import VerificationResult

    if isinstance(exc, BidError):
        code, message = exc.code, exc.message
    else:
        code, message = "internalError", f"{type(exc).__name__}: {exc}"
    result = VerificationResult(checks=[_BATCH_CHECK])
    result.errors.append({"check": _BATCH_CHECK, "code": code, "message": message})
    return result


def _verify_one(
    credential: Any, resolver: Resolver, options: Mapping[str, Any]
) -> VerificationResult:
    from .vc import verify_credential

    try:
        return verify_credential(credential, resolver=resolver, **options)
    except Exception as exc:  # one bad credential must not stop the batch: a failed result
        return _failure(exc)


def _verify_chunk(
    chunk: list[Any], resolver: Resolver, options: Mapping[str, Any]
) -> list[VerificationResult]:
    return [_verify_one(credential, resolver, options) for credential in chunk]


# -- resolvers ------------------------------------------------------------------------------------


class _BatchResolver:
    """The default resolver of a batch: did:key cached (a pure function of the DID), the
    rest (did:bid from the registry) through :class:`~bid.backends.defaults.DefaultResolver`
    uncached, so that a batch never sees an older head than a single verification would."""

    def __init__(self) -> None:
        from .backends.defaults import DefaultResolver
        from .resolver import CachedResolver

        self._inner = DefaultResolver()
        self._keys = CachedResolver(self._inner, ttl=24 * 3600.0, max_size=4096)

    def resolve(self, did: str, options: Mapping[str, JSONValue] | None = None) -> ResolutionResult:
        """Resolve ``did``: did:key from the cache when seen before."""
        if did.startswith("did:key:"):
            return self._keys.resolve(did, options)
        return self._inner.resolve(did, options)


def _build_resolver(resolver: Resolver | None, factory: Callable[[], Resolver] | None) -> Resolver:
    if resolver is not None:
        return resolver
    if factory is not None:
        return factory()
    return _BatchResolver()


# -- worker processes -----------------------------------------------------------------------------


@dataclass
class _WorkerState:
    resolver: Resolver
    options: dict[str, Any]


_WORKER: _WorkerState | None = None  # set in each worker process by _init_worker


def _init_worker(
    resolver_blob: bytes | None, factory: Callable[[], Resolver] | None, options_blob: bytes
) -> None:
    """Build this worker process's resolver and options, once, when it starts."""
    global _WORKER
    resolver = pickle.loads(resolver_blob) if resolver_blob is not None else None  # noqa: S301
    options = pickle.loads(options_blob)  # noqa: S301 - our own bytes, from the parent process
    _WORKER = _WorkerState(_build_resolver(resolver, factory), options)


def _verify_blob(blob: bytes) -> tuple[list[VerificationResult], list[int]]:
    """Verify one pickled chunk in a worker process.

    Returns the results and the positions whose ``document`` was left out because it
    equals the credential sent: the parent, which still holds the credential, puts it back
    (a result's document is most of its size, and the parent's time is the bottleneck).
    """
    assert _WORKER is not None, "_init_worker did not run"
    chunk = pickle.loads(blob)  # noqa: S301 - pickled by the parent process
    results = _verify_chunk(chunk, _WORKER.resolver, _WORKER.options)
    same = []
    for index, (credential, result) in enumerate(zip(chunk, results, strict=True)):
        if type(credential) is dict and result.document == credential:
            result.document = None
            same.append(index)
    return results, same


def _picklable(value: object, what: str, advice: str) -> bytes:
    try:
        return pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)
    except Exception as exc:  # pickle raises PicklingError, TypeError, AttributeError...
        raise TypeError(f"mode='processes' needs {what} to be picklable ({exc}); {advice}") from exc


def _pickle_chunk(chunk: list[Any]) -> tuple[bytes, list[int]]:
    """The chunk's picklable credentials as one blob, and the positions of the others."""
    try:
        return pickle.dumps(chunk, protocol=pickle.HIGHEST_PROTOCOL), []
    except Exception:  # find the culprits: they are verified here, in this process
        bad = []
        for index, credential in enumerate(chunk):
            try:
                pickle.dumps(credential, protocol=pickle.HIGHEST_PROTOCOL)
            except Exception:
                bad.append(index)
        skipped = set(bad)
        good = [c for i, c in enumerate(chunk) if i not in skipped]
        return pickle.dumps(good, protocol=pickle.HIGHEST_PROTOCOL), bad


def _default_context() -> str:
    """The start method for the worker processes.

    ``fork`` where it is safe and cheapest: on Linux, from a process running one thread (a
    fork then copies no lock that another thread holds; the batch starts no thread in this
    process). Otherwise ``forkserver`` where the platform has it, else ``spawn``: slower to
    start, as each worker imports bid afresh.
    """
    import multiprocessing
    import threading

    if sys.platform.startswith("linux") and threading.active_count() == 1:
        return "fork"
    methods = multiprocessing.get_all_start_methods()
    return "forkserver" if "forkserver" in methods else "spawn"


# -- the batch ------------------------------------------------------------------------------------


def _worker_count(workers: int | None) -> int:
    if workers is None:
        counter = getattr(os, "process_cpu_count", None)  # Python 3.13
        if counter is not None:
            found: int | None = counter()
        elif hasattr(os, "sched_getaffinity"):
            found = len(os.sched_getaffinity(0))
        else:
            found = os.cpu_count()
        return max(1, found or 1)
    if isinstance(workers, bool) or not isinstance(workers, int) or workers < 1:
        raise ValueError(f"workers must be a positive integer, not {workers!r}")
    return workers


def _chunks(items: Iterable[Any], size: int) -> Iterator[list[Any]]:
    iterator = iter(items)
    while chunk := list(itertools.islice(iterator, size)):
        yield chunk


@dataclass
class _Plan:
    """Everything a batch needs, checked at call time."""

    mode: Mode
    workers: int
    chunk_size: int
    resolver: Resolver | None
    factory: Callable[[], Resolver] | None
    options: dict[str, Any]
    mp_context: str | BaseContext | None
    resolver_blob: bytes | None = None  # processes: the resolver, pickled
    options_blob: bytes = b""  # processes: the options, pickled
    local: Resolver | None = None  # the resolver of this process, built when first needed

    def context(self) -> BaseContext:
        """The multiprocessing context the workers start with."""
        import multiprocessing

        chosen = self.mp_context or _default_context()
        return multiprocessing.get_context(chosen) if isinstance(chosen, str) else chosen

    def local_resolver(self) -> Resolver:
        """The resolver for credentials verified in this process."""
        if self.local is None:
            self.local = _build_resolver(self.resolver, self.factory)
        return self.local


def _serial(plan: _Plan, chunks: Iterable[list[Any]]) -> Iterator[VerificationResult]:
    for chunk in chunks:
        yield from _verify_chunk(chunk, plan.local_resolver(), plan.options)


def _threads(plan: _Plan, chunks: Iterable[list[Any]]) -> Iterator[VerificationResult]:
    resolver = plan.local_resolver()
    window = plan.workers * _CHUNKS_PER_WORKER
    pending: deque[Future[list[VerificationResult]]] = deque()
    with ThreadPoolExecutor(plan.workers, thread_name_prefix="bid-verify") as pool:
        try:
            for chunk in chunks:
                if len(pending) >= window:
                    yield from pending.popleft().result()
                pending.append(pool.submit(_verify_chunk, chunk, resolver, plan.options))
            while pending:
                yield from pending.popleft().result()
        finally:  # the consumer stopped early: drop what has not started
            for future in pending:
                future.cancel()


@dataclass
class _Worker:
    """A worker process, this process's end of its pipe, and the chunks it holds."""

    process: BaseProcess
    conn: Connection
    chunks: deque[int] = field(default_factory=deque)  # indices sent, oldest first


def _worker_main(
    conn: Connection,
    resolver_blob: bytes | None,
    factory: Callable[[], Resolver] | None,
    options_blob: bytes,
) -> None:
    """A worker process: verify each chunk that arrives on ``conn``, reply with the results.

    A reader thread moves each message from the pipe to an inbox as soon as it arrives, so
    the parent never waits on this worker to send it the next chunk (and the worker finds
    it there when it finishes the current one). An empty message, the pipe closing or the
    parent process ending stops it. A chunk that fails as a whole (it cannot be unpickled
    here, its results cannot be pickled) gets an empty reply: the parent verifies it.
    """
    import gc
    import multiprocessing
    import queue
    import signal
    import threading
    from multiprocessing.connection import wait

    # Ctrl-C is the parent's to handle: it stops the workers (no traceback from each one).
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    # A forked worker shares the parent's heap: keep the cyclic collector off it, or every
    # collection here would walk (and copy-on-write) all of the parent's objects again.
    gc.freeze()
    _init_worker(resolver_blob, factory, options_blob)
    inbox: queue.SimpleQueue[bytes] = queue.SimpleQueue()

    def read() -> None:
        parent = multiprocessing.parent_process()
        watched: list[Any] = [conn] if parent is None else [conn, parent.sentinel]
        try:
            while conn in wait(watched):  # else the parent process is gone
                blob = conn.recv_bytes()
                inbox.put(blob)
                if not blob:
                    return
        except (EOFError, OSError):
            pass
        inbox.put(b"")

    threading.Thread(target=read, name="bid-verify-reader", daemon=True).start()
    while blob := inbox.get():
        try:
            reply = pickle.dumps(_verify_blob(blob), protocol=pickle.HIGHEST_PROTOCOL)
        except Exception:
            reply = b""
        try:
            conn.send_bytes(reply)
        except OSError:
            return


def _start_workers(plan: _Plan, context: BaseContext) -> list[_Worker]:
    workers: list[_Worker] = []
    try:
        for number in range(plan.workers):
            here, there = context.Pipe()
            process = context.Process(  # type: ignore[attr-defined]
                target=_worker_main,
                args=(there, plan.resolver_blob, plan.factory, plan.options_blob),
                name=f"bid-verify-{number + 1}",
                daemon=True,
            )
            process.start()
            there.close()
            workers.append(_Worker(process, here))
    except BaseException:
        _stop_workers(workers)
        raise
    return workers


def _stop_workers(workers: list[_Worker]) -> None:
    """Stop every worker: idle ones are asked to, busy ones (work no one will read) ended."""
    for worker in workers:
        try:
            if not worker.chunks and worker.process.is_alive():
                worker.conn.send_bytes(b"")
            else:
                worker.process.terminate()
        except OSError:
            worker.process.terminate()
    for worker in workers:
        worker.process.join(timeout=5)
        if worker.process.is_alive():
            worker.process.kill()
            worker.process.join()
        worker.conn.close()


def _processes(
    plan: _Plan, chunks: Iterator[list[Any]], context: BaseContext
) -> Iterator[VerificationResult]:
    """Verify the chunks in worker processes; yield the results in order.

    Each worker holds up to ``_DEPTH`` chunks (one being verified, the next waiting in its
    inbox), the least loaded gets the next chunk, and at most ``(_DEPTH + 1) * workers``
    chunks are out or waiting for their turn to be yielded. The parent only ever blocks
    while a worker's reader thread takes its message, or waiting for replies: no deadlock
    on a full pipe either way.
    """
    from multiprocessing.connection import wait

    workers = _start_workers(plan, context)
    try:
        alive = list(workers)
        window = plan.workers * (_DEPTH + 1)
        out: dict[int, tuple[list[Any], list[int]]] = {}  # sent: the chunk, local positions
        replies: dict[int, bytes] = {}  # b"": verify that chunk here
        sent = done = 0
        # The next chunk, pickled while the workers are busy, so that it can be sent the
        # moment a worker has room for it.
        ready: tuple[list[Any], bytes, list[int]] | None = None
        exhausted = False
        while True:
            while alive and sent - done < window:
                worker = min(alive, key=lambda w: len(w.chunks))
                if len(worker.chunks) >= _DEPTH:
                    break
                if ready is None and not exhausted:
                    ready = _prepare(chunks)
                    exhausted = ready is None
                if ready is None:
                    break
                chunk, blob, local = ready
                ready = None
                out[sent] = (chunk, local)
                worker.chunks.append(sent)
                sent += 1
                try:
                    worker.conn.send_bytes(blob)
                except OSError:  # it died: what it holds is verified here
                    _lost(worker, alive, replies)
            while done in replies:
                chunk, local = out.pop(done)
                yield from _results(plan, chunk, local, replies.pop(done))
                done += 1
            if done == sent and ((exhausted and ready is None) or not alive):
                break  # all verified, or no worker left: the rest is verified here
            if ready is None and not exhausted:
                ready = _prepare(chunks)
                exhausted = ready is None
            busy: dict[Any, _Worker] = {w.conn: w for w in alive if w.chunks}
            if not busy:
                continue
            for conn in wait(list(busy)):
                worker = busy[conn]
                try:
                    replies[worker.chunks[0]] = worker.conn.recv_bytes()
                except (EOFError, OSError):  # it died: what it holds is verified here
                    _lost(worker, alive, replies)
                else:
                    worker.chunks.popleft()
        if ready is not None:
            yield from _verify_chunk(ready[0], plan.local_resolver(), plan.options)
        yield from _serial(plan, chunks)
    finally:
        _stop_workers(workers)


def _lost(worker: _Worker, alive: list[_Worker], replies: dict[int, bytes]) -> None:
    """A worker died: the chunks it held get empty replies (verified in this process)."""
    for index in worker.chunks:
        replies[index] = b""
    worker.chunks.clear()
    alive.remove(worker)


def _prepare(chunks: Iterator[list[Any]]) -> tuple[list[Any], bytes, list[int]] | None:
    """The next chunk and its pickle, or None at the end of the input."""
    chunk = next(chunks, None)
    if chunk is None:
        return None
    blob, local = _pickle_chunk(chunk)
    return chunk, blob, local


def _results(
    plan: _Plan, chunk: list[Any], local: list[int], reply: bytes
) -> Iterator[VerificationResult]:
    """The results of a chunk, in order, from a worker's reply; anything the worker could
    not verify (credentials that could not be pickled, a chunk it failed on or died on) is
    verified here."""
    try:
        results, same = pickle.loads(reply)  # noqa: S301 - from our own worker process
    except Exception:
        yield from _verify_chunk(chunk, plan.local_resolver(), plan.options)
        return
    skipped = set(local)
    sent_chunk = [c for i, c in enumerate(chunk) if i not in skipped] if skipped else chunk
    for index in same:  # as verify_credential does: a shallow copy of the object given
        results[index].document = dict(sent_chunk[index])
    received = iter(results)
    for index, credential in enumerate(chunk):
        if index in skipped:
            yield _verify_one(credential, plan.local_resolver(), plan.options)
        else:
            yield next(received)


def _run(plan: _Plan, credentials: Iterable[Any]) -> Generator[VerificationResult, None, None]:
    chunks = _chunks(credentials, plan.chunk_size)
    if plan.workers == 1:
        yield from _serial(plan, chunks)
        return
    # Read ahead far enough to know whether a pool pays for its start-up.
    context = plan.context() if plan.mode == "processes" else None
    if context is None:
        minimum = 2 * plan.chunk_size
    elif context.get_start_method() == "fork":
        minimum = _PROCESS_MIN
    else:
        minimum = _PROCESS_MIN_SPAWNED
    head = list(itertools.islice(chunks, -(-minimum // plan.chunk_size)))
    everything = itertools.chain(head, chunks)
    if sum(len(chunk) for chunk in head) < minimum:  # the whole batch is small
        yield from _serial(plan, everything)
    elif context is None:
        yield from _threads(plan, everything)
    else:
        yield from _processes(plan, everything, context)


def _check_options(resolver: Resolver | None, options: dict[str, Any]) -> None:
    """Raise now, as verify_credential would, for options that are wrong for every credential
    (an unknown keyword, a naive ``now``, an unknown suite): a probe on an empty object, which
    fails its model check before anything is resolved."""
    from .vc import verify_credential

    verify_credential({}, resolver=_NO_RESOLVER if resolver is None else resolver, **options)


class _NoResolver:
    """A resolver for the option probe, which resolves nothing."""

    def resolve(self, did: str, options: Mapping[str, JSONValue] | None = None) -> ResolutionResult:
        """``notFound``: the probe has nothing to resolve (its model check fails first)."""
        from .resolver import ResolutionResult

        return ResolutionResult.failure("notFound", "the option probe resolves nothing")


_NO_RESOLVER = _NoResolver()


def iter_verify(
    credentials: Iterable[JSONObject | str],
    *,
    resolver: Resolver | None = None,
    resolver_factory: Callable[[], Resolver] | None = None,
    workers: int | None = None,
    mode: Mode = DEFAULT_MODE,
    chunk_size: int | None = None,
    mp_context: str | BaseContext | None = None,
    **verify_options: Any,
) -> Generator[VerificationResult, None, None]:
    """Verify ``credentials`` on ``workers`` cores; yield one result per credential, in order.

    ``credentials`` is any iterable of what :func:`~bid.vc.verify_credential` takes (JSON
    objects, compact JWTs); it is consumed lazily, ``chunk_size`` credentials at a time (16
    for threads, 128 for processes), with at most ``2 * workers`` chunks in flight.
    ``workers`` defaults to the CPUs this process may use. ``resolver`` (shared by all
    threads, or copied into each worker process) or ``resolver_factory`` (called once per
    worker process, or once here for threads) says how DIDs resolve; with neither, the
    default resolver. ``verify_options`` are :func:`~bid.vc.verify_credential`'s keyword
    arguments (``now``, ``suites``, ``status_fetcher``, ``schema_fetcher``,
    ``extra_contexts``). See the module documentation for modes, pickling and memory.

    Wrong options raise here (ValueError, TypeError, or the BidError verify_credential
    raises); a credential never makes the batch raise. Stop early by closing the iterator
    (or breaking out of a ``for`` loop): the pending work is cancelled and the pool shut down.
    """
    if mode not in MODES:
        raise ValueError(f"mode must be one of {list(MODES)}, not {mode!r}")
    if resolver is not None and resolver_factory is not None:
        raise ValueError("give resolver or resolver_factory, not both")
    if resolver_factory is not None and not callable(resolver_factory):
        raise TypeError("resolver_factory must be a callable that returns a resolver")
    if chunk_size is not None and (
        isinstance(chunk_size, bool) or not isinstance(chunk_size, int) or chunk_size < 1
    ):
        raise ValueError(f"chunk_size must be a positive integer, not {chunk_size!r}")
    options = dict(verify_options)
    _check_options(resolver, options)
    plan = _Plan(
        mode=mode,
        workers=_worker_count(workers),
        chunk_size=chunk_size or _CHUNK[mode],
        resolver=resolver,
        factory=resolver_factory,
        options=options,
        mp_context=mp_context,
    )
    if mode == "processes":  # refuse now what cannot reach a worker
        if resolver is not None:
            plan.resolver_blob = _picklable(
                resolver, "the resolver", "pass resolver_factory to build one per worker"
            )
        if resolver_factory is not None:
            _picklable(
                resolver_factory,
                "resolver_factory",
                "use a module-level function or class (not a lambda or a local function)",
            )
        plan.options_blob = _picklable(options, "the verification options", "use mode='threads'")
    return _run(plan, credentials)


def verify_many(
    credentials: Iterable[JSONObject | str],
    *,
    resolver: Resolver | None = None,
    resolver_factory: Callable[[], Resolver] | None = None,
    workers: int | None = None,
    mode: Mode = DEFAULT_MODE,
    chunk_size: int | None = None,
    mp_context: str | BaseContext | None = None,
    **verify_options: Any,
) -> list[VerificationResult]:
    """Verify ``credentials`` on every core; the results as a list, in input order.

    The same as ``list(iter_verify(...))``, with the same arguments: see :func:`iter_verify`.
    For a stream too long to keep every result, iterate :func:`iter_verify` instead.
    """
    return list(
        iter_verify(
            credentials,
            resolver=resolver,
            resolver_factory=resolver_factory,
            workers=workers,
            mode=mode,
            chunk_size=chunk_size,
            mp_context=mp_context,
            **verify_options,
        )
    )
