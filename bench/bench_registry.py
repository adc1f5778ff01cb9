"""Resolve latency of SQLiteRegistry as the file grows: 1,000 to 1,000,000 DIDs.

Run from the project root with the project's virtualenv::

    python bench/bench_registry.py [--quick] [--sizes 1000,100000,1000000] [--json PATH]

For each size one registry file is built in a temporary directory (deleted at the end):

- a few hundred REAL DIDs: Ed25519 keys, signed ``create`` operations (and, for a few, nine
  signed updates), submitted through ``SQLiteRegistry.submit``, spread through the file;
- FILLER rows up to the size: synthetic, inserted directly with ``executemany`` in big
  transactions. Each has a random-looking DID, a copy of a real document's bytes with that
  DID written in, a made-up signature and the row's true hash. They give the file and its
  indexes their real size and shape; they are never read, and would not verify.

Then every file is opened with a fresh ``SQLiteRegistry`` and ``read(did)`` is timed call
by call on the real DIDs (each read re-verifies the log: parse, hash, BID derivation,
signature), in rounds interleaved across the sizes so that a slow spell of a shared machine
does not favour one size. Raw PyNaCl verification of an operation's bytes is timed in the
same rounds, for the ratio. If ``bid.resolver.CachedResolver`` and ``BidMethod`` are
available, full resolution through ``BidMethod`` and a ``CachedResolver`` hit are timed
too. Target: the median read at the largest size is within 2x the median at the smallest.
"""

from __future__ import annotations

import argparse
import gc
import hashlib
import importlib
import json
import platform
import random
import sqlite3
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import nacl
import nacl.signing

import bid
from bid.backends.sqlite import SQLiteRegistry
from bid.bif import BID
from bid.keys import Ed25519PrivateKey
from bid.methods.bid import create_operation, new_document, next_operation, updated_document
from bid.registry import MemoryRegistry, Operation

T_DOC = datetime(2024, 5, 1, 12, 0, tzinfo=timezone.utc)
FILLER_TIME = "2024-06-01T00:00:00.000000Z"
FILLER_CHUNKS = 10  # filler goes in this many transactions (or more, 100,000 rows at most)
MAX_CHUNK = 100_000
TARGET_RATIO = 2.0
SAMPLE_SEED = 20240601
INSERT = (
    "INSERT INTO operations (did, seq, type, previous, hash, signed, signature, time,"
    " time_check) VALUES (?, 1, 'create', NULL, ?, ?, ?, ?, ?)"
)


@dataclass(frozen=True)
class Mode:
    """How much to build and measure."""

    name: str
    sizes: tuple[int, ...]
    real_dids: int  # DIDs with one signed version, the ones whose reads are timed
    deep_dids: int  # DIDs with `deep_versions` signed versions, timed separately
    deep_versions: int
    rounds: int  # each round reads every real DID of every size once


FULL = Mode("full", (1_000, 100_000, 1_000_000), 300, 20, 10, 6)
QUICK = Mode("quick", (1_000, 20_000), 200, 10, 10, 3)


@dataclass
class Latency:
    """Per-call latency in microseconds, from individual timings."""

    samples: int
    p50_us: float
    p99_us: float
    mean_us: float
    min_us: float

    @classmethod
    def of(cls, ns: Sequence[int]) -> Latency:
        ordered = sorted(ns)
        p99_index = min(len(ordered) - 1, round(0.99 * (len(ordered) - 1)))
        return cls(
            samples=len(ordered),
            p50_us=statistics.median(ordered) / 1000,
            p99_us=ordered[p99_index] / 1000,
            mean_us=statistics.fmean(ordered) / 1000,
            min_us=ordered[0] / 1000,
        )

    @property
    def per_second(self) -> float:
        """Calls per second, one thread, from the mean."""
        return 1e6 / self.mean_us


@dataclass
class SizeResult:
    """What one registry file cost to build and to read."""

    dids: int
    real_dids: int
    filler_rows: int
    file_bytes: int = 0
    build_seconds: float = 0.0
    read: Latency | None = None
    read_deep: Latency | None = None
    resolve: Latency | None = None
    cache_hit: Latency | None = None

    @property
    def bytes_per_did(self) -> float:
        return self.file_bytes / self.dids


@dataclass
class Target:
    name: str
    goal: str
    measured: str
    status: str  # "PASS" or "FAIL"


@dataclass
class Report:
    mode: str
    environment: dict[str, str]
    operation_bytes: int = 0  # the signed bytes of a real DID's create operation
    raw_verify: Latency | None = None
    sizes: list[SizeResult] = field(default_factory=list)
    targets: list[Target] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


# -- the data ----------------------------------------------------------------------------


@dataclass
class RealData:
    """Signed operations: one create per shallow DID, a chain per deep DID."""

    shallow: list[Operation]
    deep: list[list[Operation]]

    @property
    def shallow_dids(self) -> list[str]:
        return [op.did for op in self.shallow]

    @property
    def deep_dids(self) -> list[str]:
        return [chain[0].did for chain in self.deep]

    @property
    def count(self) -> int:
        return len(self.shallow) + len(self.deep)


def _key(label: str, n: int) -> Ed25519PrivateKey:
    return Ed25519PrivateKey.from_seed(hashlib.sha256(f"bench {label} {n}".encode()).digest())


def make_real_data(mode: Mode) -> RealData:
    """Sign the real DIDs' operations (the same ones go into every file)."""
    service = [("hub", "LinkedDomains", "https://example.com/hub")]
    shallow = []
    for n in range(mode.real_dids):
        key = _key("shallow", n)
        shallow.append(create_operation(new_document(key, now=T_DOC, services=service), key))
    memory = MemoryRegistry()
    deep = []
    for n in range(mode.deep_dids):
        key = _key("deep", n)
        head = memory.submit(create_operation(new_document(key, now=T_DOC), key))
        chain = [head.operation]
        for v in range(1, mode.deep_versions):
            document = updated_document(
                head.document, now=T_DOC, services=[(f"s{v}", "Example", "https://e.com")]
            )
            head = memory.submit(next_operation("update", head, key, document=document))
            chain.append(head.operation)
        deep.append(chain)
    return RealData(shallow, deep)


def filler_rows(start: int, count: int, template: Operation) -> Iterator[tuple[Any, ...]]:
    """Synthetic rows: real-sized, well-formed columns, never read (they would not verify)."""
    template_did = template.did.encode()
    for n in range(start, start + count):
        seed = hashlib.sha256(b"bench filler %d" % n).digest()
        did = str(BID.derive("ed25519", seed))
        signed = template.signed_bytes.replace(template_did, did.encode())
        signature = hashlib.sha512(seed).digest()
        op_hash = hashlib.sha256(signed + signature).hexdigest()
        check = hashlib.sha256(op_hash.encode()).hexdigest()  # the right shape, not the value
        yield (did, op_hash, signed, signature, FILLER_TIME, check)


def build(path: Path, size: int, data: RealData) -> SizeResult:
    """One registry file of ``size`` DIDs: the real ones spread among the filler."""
    filler = size - data.count
    result = SizeResult(dids=size, real_dids=data.count, filler_rows=filler)
    started = time.perf_counter()
    chunks = max(FILLER_CHUNKS, -(-filler // MAX_CHUNK))
    real_batches: list[list[Operation]] = [[] for _ in range(chunks)]
    for n, op in enumerate(data.shallow):
        real_batches[n % chunks].append(op)
    for n, chain in enumerate(data.deep):
        real_batches[n % chunks].extend(chain)
    with SQLiteRegistry(path) as registry:
        bulk = sqlite3.connect(path, isolation_level=None)
        try:
            bulk.execute("PRAGMA synchronous = OFF")  # the loader only: speed, not safety
            bulk.execute("PRAGMA cache_size = -1000000")
            done = 0
            for chunk in range(chunks):
                count = filler // chunks + (1 if chunk < filler % chunks else 0)
                bulk.execute("BEGIN")
                bulk.executemany(INSERT, filler_rows(done, count, data.shallow[0]))
                bulk.execute("COMMIT")
                done += count
                for op in real_batches[chunk]:
                    registry.submit(op)
            bulk.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            (rows,) = bulk.execute("SELECT count(DISTINCT did) FROM operations").fetchone()
            assert rows == size, (rows, size)
        finally:
            bulk.close()
    result.build_seconds = time.perf_counter() - started
    result.file_bytes = path.stat().st_size
    return result


# -- timing ------------------------------------------------------------------------------


def _timed(func: Callable[[Any], object], items: Sequence[Any], out: list[int]) -> None:
    for item in items:
        start = time.perf_counter_ns()
        func(item)
        out.append(time.perf_counter_ns() - start)


def _resolution_classes(notes: list[str]) -> tuple[Any, Any] | None:
    """``(BidMethod, CachedResolver)`` if this checkout has them, else None and a note."""
    try:
        cached = importlib.import_module("bid.resolver").CachedResolver
        method = importlib.import_module("bid.methods.bid").BidMethod
    except (ImportError, AttributeError) as exc:
        notes.append(f"resolution and cache-hit rows skipped: {exc}")
        return None
    return method, cached


def measure(
    paths: dict[int, Path],
    results: dict[int, SizeResult],
    data: RealData,
    mode: Mode,
    report: Report,
    progress: Callable[[str], None],
) -> None:
    """Time reads (and resolutions) of the real DIDs, rounds interleaved across sizes."""
    classes = _resolution_classes(report.notes)
    registries = {size: SQLiteRegistry(path) for size, path in paths.items()}
    try:
        resolvers: dict[int, tuple[Any, Any]] = {}
        if classes is not None:
            method_class, cached_class = classes
            for size, registry in registries.items():
                method = method_class(registry)
                resolvers[size] = (method, cached_class(method, max_size=100_000, ttl=3600.0))
        shallow, deep = data.shallow_dids, data.deep_dids
        for size, registry in registries.items():  # warm up, and check what we time
            for did in shallow + deep:
                version = registry.read(did)
                assert version is not None
                assert version.seq == (1 if did in shallow else mode.deep_versions)
            if size in resolvers:
                method, cached = resolvers[size]
                for did in shallow:
                    assert method.resolve(did).error is None
                    assert cached.resolve(did).error is None
        template = data.shallow[0]
        public = nacl.signing.VerifyKey(_key("shallow", 0).public_key.public_bytes())
        public.verify(template.signed_bytes, template.signature)

        def raw_verify(_: object) -> object:
            return public.verify(template.signed_bytes, template.signature)

        raw_ns: list[int] = []
        reads: dict[int, list[int]] = {size: [] for size in registries}
        deep_reads: dict[int, list[int]] = {size: [] for size in registries}
        resolves: dict[int, list[int]] = {size: [] for size in registries}
        hits: dict[int, list[int]] = {size: [] for size in registries}
        rng = random.Random(SAMPLE_SEED)
        gc.collect()
        gc.disable()
        try:
            for round_no in range(mode.rounds):
                progress(f"timing round {round_no + 1} of {mode.rounds}")
                _timed(raw_verify, shallow, raw_ns)
                for size, registry in registries.items():
                    order = rng.sample(shallow, len(shallow))
                    _timed(registry.read, order, reads[size])
                    _timed(registry.read, rng.sample(deep, len(deep)), deep_reads[size])
                    if size in resolvers:
                        method, cached = resolvers[size]
                        _timed(method.resolve, order, resolves[size])
                        _timed(cached.resolve, order, hits[size])
                gc.collect()
        finally:
            gc.enable()
        report.raw_verify = Latency.of(raw_ns)
        for size in registries:
            results[size].read = Latency.of(reads[size])
            results[size].read_deep = Latency.of(deep_reads[size])
            if size in resolvers:
                results[size].resolve = Latency.of(resolves[size])
                results[size].cache_hit = Latency.of(hits[size])
    finally:
        for registry in registries.values():
            registry.close()


# -- report ------------------------------------------------------------------------------


def environment() -> dict[str, str]:
    return {
        "python": platform.python_version(),
        "implementation": platform.python_implementation(),
        "platform": platform.platform(),
        "machine": platform.machine(),
        "processor": platform.processor() or "unknown",
        "sqlite": sqlite3.sqlite_version,
        "pynacl": nacl.__version__,
        "bid": bid.__version__,
    }


def _us(latency: Latency | None, what: str = "p50") -> str:
    if latency is None:
        return "-"
    return f"{latency.p50_us if what == 'p50' else latency.p99_us:,.1f}"


def print_report(report: Report, mode: Mode) -> None:
    env = report.environment
    print(
        f"bid registry benchmark ({report.mode}): SQLiteRegistry, Python {env['python']},"
        f" SQLite {env['sqlite']}, PyNaCl {env['pynacl']}"
    )
    print(f"{env['platform']}, {env['processor']}")
    print()
    print(
        f"Each file holds N DIDs: {mode.real_dids} real DIDs with one signed version and"
        f" {mode.deep_dids} with {mode.deep_versions}, submitted through"
        " SQLiteRegistry.submit; the rest are SYNTHETIC filler rows inserted with executemany"
        " (real-sized, never read, they would not verify). Only real DIDs are timed."
    )
    print()
    verify = report.raw_verify
    assert verify is not None
    print(
        f"raw PyNaCl verify of one operation's {report.operation_bytes} signed bytes:"
        f" p50 {verify.p50_us:.1f} µs, p99 {verify.p99_us:.1f} µs"
    )
    print()
    header = (
        f"{'DIDs':>10} {'file MB':>8} {'B/DID':>6} {'build s':>8} "
        f"{'read p50':>9} {'p99':>8} {'reads/s':>8} {'/verify':>7} "
        f"{'10-ver p50':>10} {'resolve p50':>11} {'cache hit':>9}"
    )
    print(header + "   (latencies in µs)")
    print("-" * len(header))
    for r in report.sizes:
        assert r.read is not None
        print(
            f"{r.dids:>10,} {r.file_bytes / 1e6:>8.1f} {r.bytes_per_did:>6,.0f}"
            f" {r.build_seconds:>8.1f} {r.read.p50_us:>9.1f} {r.read.p99_us:>8.1f}"
            f" {r.read.per_second:>8,.0f} {r.read.p50_us / verify.p50_us:>6.1f}x"
            f" {_us(r.read_deep):>10} {_us(r.resolve):>11} {_us(r.cache_hit):>9}"
        )
    print()
    for target in report.targets:
        print(f"[{target.status}] {target.name}: {target.goal}; measured {target.measured}")
    for note in report.notes:
        print(f"note: {note}")


def check_targets(report: Report) -> None:
    smallest, largest = report.sizes[0], report.sizes[-1]
    assert smallest.read is not None
    assert largest.read is not None
    ratio = largest.read.p50_us / smallest.read.p50_us
    report.targets.append(
        Target(
            name=f"read p50 at {largest.dids:,} DIDs vs {smallest.dids:,}",
            goal=f"<= {TARGET_RATIO:.0f}x",
            measured=f"{ratio:.2f}x",
            status="PASS" if ratio <= TARGET_RATIO else "FAIL",
        )
    )


def _sizes(text: str) -> tuple[int, ...]:
    try:
        sizes = tuple(sorted({int(part.replace("_", "")) for part in text.split(",")}))
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"sizes are integers, comma-separated: {exc}") from exc
    if not sizes:
        raise argparse.ArgumentTypeError("give at least one size")
    return sizes


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0] if __doc__ else None)
    parser.add_argument("--quick", action="store_true", help="sizes 1000,20000: a CI smoke run")
    parser.add_argument("--sizes", type=_sizes, help="comma-separated DID counts")
    parser.add_argument("--json", type=Path, help="write every figure to this file")
    args = parser.parse_args(argv)
    mode = QUICK if args.quick else FULL
    if args.sizes:
        mode = Mode(
            mode.name, args.sizes, mode.real_dids, mode.deep_dids, mode.deep_versions, mode.rounds
        )
    smallest_allowed = mode.real_dids + mode.deep_dids
    if mode.sizes[0] < smallest_allowed:
        parser.error(f"sizes must be at least {smallest_allowed} (the real DIDs)")

    def progress(message: str) -> None:
        print(f"  {message}", file=sys.stderr, flush=True)

    data = make_real_data(mode)
    report = Report(mode=mode.name, environment=environment())
    report.operation_bytes = len(data.shallow[0].signed_bytes)
    with tempfile.TemporaryDirectory(prefix="bid-bench-registry-") as directory:
        paths = {size: Path(directory) / f"registry-{size}.db" for size in mode.sizes}
        results: dict[int, SizeResult] = {}
        for size, path in paths.items():
            progress(f"building {size:,} DIDs")
            results[size] = build(path, size, data)
        measure(paths, results, data, mode, report, progress)
        report.sizes = [results[size] for size in mode.sizes]
    check_targets(report)
    print_report(report, mode)
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(asdict(report), indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
