"""Every benchmark of bid in one run: a table, the targets of issue 6, JSON and a chart.

Run from the project root with the project's virtualenv::

    python bench/bench_all.py [--quick] [--json PATH] [--chart PATH]
                              [--registry-sizes 1000,100000] [--only keys,vc,...]

Sections, in this order (``--only`` picks some):

``keys``      raw PyNaCl keygen/sign/verify next to bid's keys, BIDs, did:key (bench_keys.py)
``vc``        issue, proof check and verify_credential per suite, the did:key resolution, and
              didkit on the same VC 1.1 credential where installed (bench_vc.py)
``registry``  SQLiteRegistry read and BidMethod.resolve latency against the number of DIDs
              (bench_registry.py)
``batch``     verify_many throughput: one thread, a thread pool, a process pool, against
              raw PyNaCl verify spread the same ways (the machine's own ceiling)
``startup``   ``import bid`` and ``bid --version`` wall time against ``import nacl.signing``
``memory``    peak RSS while 100,000 credentials stream through iter_verify (bench_memory.py)

Everything runs in this process except what cannot: the start-up commands and the memory
benchmark (a peak RSS is a property of a whole process, so it gets a fresh one), didkit
(its module crashes at interpreter exit) and, by design, the batch's worker processes.
Every time is a median over interleaved repeats and every ratio is to raw PyNaCl measured
in this run, so the ratios hold on a noisy machine where the absolute times do not.

``--quick`` is the CI smoke run (about a minute); a full run takes 5 to 10 minutes, most
of it building the 1,000,000-DID registry (about 1.5 GB in a temporary directory).
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import nacl
import nacl.signing

import bench_keys
import bench_memory
import bench_registry
import bench_vc
import bid
from bid.batch import DEFAULT_MODE, _default_context, _worker_count, verify_many
from bid.keys import Ed25519PrivateKey
from bid.methods.key import KeyMethod
from bid.resolver import CachedResolver

HERE = Path(__file__).resolve().parent
SECTIONS = ("keys", "vc", "registry", "batch", "startup", "memory")
NOW = datetime(2025, 6, 1, tzinfo=timezone.utc)
RAW_VERIFY = "raw verify"
RESOLVE = "did:key resolve (KeyMethod)"
RESOLVE_COLD = "did:key resolve, a new DID each time (KeyMethod)"
RESOLVE_HIT = "did:key resolve, CachedResolver hit"
BUSY_WARNING = 0.05  # warn when other processes took more of the CPUs than this


@dataclass(frozen=True)
class Settings:
    """How much to measure."""

    quick: bool
    registry_sizes: tuple[int, ...]
    batch_counts: dict[str, int]  # suite -> credentials per batch run
    batch_repeats: int
    memory_count: int
    memory_modes: tuple[str, ...]
    startup_runs: int


def settings(quick: bool, registry_sizes: tuple[int, ...] | None) -> Settings:
    """The quick (CI) or full settings."""
    if quick:
        return Settings(
            quick=True,
            registry_sizes=registry_sizes or (1_000, 20_000),
            batch_counts={"eddsa-jcs-2022": 2_000, "Ed25519Signature2020": 300},
            batch_repeats=2,
            memory_count=5_000,
            memory_modes=(DEFAULT_MODE,),
            startup_runs=5,
        )
    return Settings(
        quick=False,
        registry_sizes=registry_sizes or (1_000, 10_000, 100_000, 1_000_000),
        batch_counts={"eddsa-jcs-2022": 20_000, "Ed25519Signature2020": 2_000},
        batch_repeats=5,
        memory_count=100_000,
        memory_modes=("threads", "processes"),
        startup_runs=20,
    )


@dataclass
class Row:
    """One line of the table."""

    section: str
    name: str
    us: float | None  # median µs per operation
    ratio: float | None  # to ``baseline``
    baseline: str
    ops_per_second: float | None = None
    note: str = ""


@dataclass
class Target:
    """A goal of issue 6 and whether this run meets it."""

    number: str
    name: str
    goal: str
    measured: str
    status: str  # PASS, FAIL or SKIP


@dataclass
class BatchRun:
    """verify_many (or raw verify) throughput in one configuration, median of the repeats."""

    workload: str
    config: str
    workers: int
    count: int
    ops_per_second: float = 0.0
    samples: list[float] = field(default_factory=list)
    speedup: float = 1.0  # over the same workload on one thread


@dataclass
class Report:
    """Everything one run measured."""

    settings: dict[str, Any]
    environment: dict[str, Any]
    rows: list[Row] = field(default_factory=list)
    targets: list[Target] = field(default_factory=list)
    registry: list[dict[str, Any]] = field(default_factory=list)
    batch: list[BatchRun] = field(default_factory=list)
    startup: list[dict[str, Any]] = field(default_factory=list)
    imports_loaded: list[str] | None = None
    memory: list[dict[str, Any]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    seconds: dict[str, float] = field(default_factory=dict)
    # per section: the share of the machine's CPU time used by other processes meanwhile
    others_busy: dict[str, float] = field(default_factory=dict)

    def row(self, name: str) -> Row | None:
        """The row called ``name``, if measured."""
        return next((r for r in self.rows if r.name == name), None)


def _cpu_snapshot() -> tuple[float, float, float] | None:
    """(machine busy seconds, machine total seconds, this process's and its children's)."""
    try:
        with open("/proc/stat", encoding="ascii") as stat:
            fields = [int(v) for v in stat.readline().split()[1:]]
    except (OSError, ValueError):
        return None
    tick = os.sysconf("SC_CLK_TCK")
    total = sum(fields[:8]) / tick  # user nice system idle iowait irq softirq steal
    busy = total - (fields[3] + fields[4]) / tick
    own = 0.0
    for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN):
        usage = resource.getrusage(who)
        own += usage.ru_utime + usage.ru_stime
    return busy, total, own


def _others_busy(
    before: tuple[float, float, float] | None, after: tuple[float, float, float] | None
) -> float | None:
    """The share of all CPUs' time between the snapshots used by processes not ours."""
    if before is None or after is None or after[1] <= before[1]:
        return None
    others = (after[0] - before[0]) - (after[2] - before[2])
    return max(0.0, others / (after[1] - before[1]))


def progress(message: str) -> None:
    """A progress line on stderr."""
    print(f"  {message}", file=sys.stderr, flush=True)


# -- sections -------------------------------------------------------------------------------------


def run_keys(report: Report, config: Settings) -> None:
    """bench_keys: raw PyNaCl against bid's keys, BIDs and did:key."""
    mode = bench_keys.QUICK if config.quick else bench_keys.FULL
    results, _overhead = bench_keys.run_micro(mode, lambda m: None)
    for result in results:
        if result.group == "raw":
            ratio, baseline = 1.0, ""
        elif result.ratio_to_baseline is not None and result.baseline is not None:
            ratio, baseline = result.ratio_to_baseline, result.baseline
        else:
            ratio, baseline = result.ratio_to_raw_keygen, bench_keys.RAW_KEYGEN
        report.rows.append(
            Row(
                "keys",
                result.label if result.group != "raw" else result.name,
                result.ns_per_op / 1000,
                ratio,
                baseline,
                1e9 / result.ns_per_op,
            )
        )


def _resolve_cases() -> dict[str, bench_vc.Case]:
    dids = [Ed25519PrivateKey.from_seed(bytes([n]) * 32).public_key.did_key for n in range(64)]
    method = KeyMethod()
    cached = CachedResolver(method, ttl=3600, max_size=128)
    for did in dids:
        assert cached.resolve(did).error is None
    # KeyMethod keeps its last 1,024 results (first in, first out): 2,048 DIDs in turn
    # never meet a kept one, so each call builds the document (X25519 key and all).
    many = [
        Ed25519PrivateKey.from_seed(n.to_bytes(32, "big")).public_key.did_key
        for n in range(1, 2049)
    ]
    turn = iter(range(1 << 62))

    def resolve() -> object:
        return method.resolve(dids[next(turn) % 64])

    def cold() -> object:
        return method.resolve(many[next(turn) % 2048])

    def hit() -> object:
        return cached.resolve(dids[next(turn) % 64])

    return {
        RESOLVE: (resolve, bench_vc.RAW_VERIFY),
        RESOLVE_COLD: (cold, bench_vc.RAW_VERIFY),
        RESOLVE_HIT: (hit, bench_vc.RAW_VERIFY),
    }


def run_vc(report: Report, config: Settings) -> None:
    """bench_vc's cases, the did:key resolution, and didkit where installed."""
    cases = bench_vc.cases()
    cases.update(_resolve_cases())
    rows = bench_vc.measure(cases, quick=config.quick)
    raw_verify = next(r for r in rows if r.name == bench_vc.RAW_VERIFY)
    found = bench_vc.didkit_row(bench_vc.vc11_credential(), raw_verify.us, quick=config.quick)
    if isinstance(found, bench_vc.Row):
        rows.append(found)
    else:
        report.notes.append(found)
    resolving = [r for r in rows if r.name.startswith("did:key resolve")]
    for r in [r for r in rows if r not in resolving] + resolving:
        section = "resolve" if r in resolving else "vc"
        name = f"{r.name} (vc)" if r.name in (bench_vc.RAW_SIGN, bench_vc.RAW_VERIFY) else r.name
        report.rows.append(Row(section, name, r.us, r.ratio, r.baseline, r.ops_per_second, r.note))


def run_registry(report: Report, config: Settings) -> None:
    """bench_registry: read latency against registry size."""
    base = bench_registry.QUICK if config.quick else bench_registry.FULL
    mode = bench_registry.Mode(
        base.name,
        config.registry_sizes,
        base.real_dids,
        base.deep_dids,
        base.deep_versions,
        base.rounds,
    )
    data = bench_registry.make_real_data(mode)
    inner = bench_registry.Report(mode=mode.name, environment=bench_registry.environment())
    with tempfile.TemporaryDirectory(prefix="bid-bench-all-") as directory:
        paths = {size: Path(directory) / f"registry-{size}.db" for size in mode.sizes}
        results: dict[int, bench_registry.SizeResult] = {}
        for size, path in paths.items():
            progress(f"registry: building {size:,} DIDs")
            results[size] = bench_registry.build(path, size, data)
        bench_registry.measure(paths, results, data, mode, inner, progress)
        inner.sizes = [results[size] for size in mode.sizes]
    bench_registry.check_targets(inner)
    assert inner.raw_verify is not None
    raw = inner.raw_verify.p50_us
    report.rows.append(
        Row("registry", "raw verify (registry rounds)", raw, 1.0, "", 1e6 / raw, "p50")
    )
    for sized in inner.sizes:
        assert sized.read is not None
        entry: dict[str, Any] = {
            "dids": sized.dids,
            "file_mb": sized.file_bytes / 1e6,
            "build_seconds": sized.build_seconds,
            "read_p50_us": sized.read.p50_us,
            "read_p99_us": sized.read.p99_us,
            "read_deep_p50_us": sized.read_deep.p50_us if sized.read_deep else None,
            "resolve_p50_us": sized.resolve.p50_us if sized.resolve else None,
            "cache_hit_p50_us": sized.cache_hit.p50_us if sized.cache_hit else None,
            "raw_verify_p50_us": raw,
        }
        report.registry.append(entry)
        report.rows.append(
            Row(
                "registry",
                f"SQLiteRegistry.read p50, {sized.dids:,} DIDs",
                sized.read.p50_us,
                sized.read.p50_us / raw,
                RAW_VERIFY,
                sized.read.per_second,
                f"p99 {sized.read.p99_us:,.0f} µs",
            )
        )
        if sized.resolve is not None:
            report.rows.append(
                Row(
                    "registry",
                    f"BidMethod.resolve p50, {sized.dids:,} DIDs",
                    sized.resolve.p50_us,
                    sized.resolve.p50_us / raw,
                    RAW_VERIFY,
                    sized.resolve.per_second,
                )
            )
    report.notes.extend(inner.notes)


def _raw_verify_loop(count: int) -> None:
    """``count`` raw PyNaCl verifications (a worker of the ceiling measurement)."""
    key = nacl.signing.SigningKey(bytes(32))
    signed = key.sign(bytes(100))
    verify = key.verify_key.verify
    for _ in range(count):
        verify(signed)


def _ceiling_once(config: str, workers: int, count: int) -> float:
    """Raw verifications per second: one thread, ``workers`` threads or processes."""
    start = time.perf_counter()
    if config == "serial":
        _raw_verify_loop(count)
        return count / (time.perf_counter() - start)
    if config == "threads":
        runners: list[Any] = [
            threading.Thread(target=_raw_verify_loop, args=(count,)) for _ in range(workers)
        ]
    else:
        context = multiprocessing.get_context("fork" if sys.platform == "linux" else "spawn")
        runners = [
            context.Process(target=_raw_verify_loop, args=(count,))  # type: ignore[attr-defined]
            for _ in range(workers)
        ]
    for runner in runners:
        runner.start()
    for runner in runners:
        runner.join()
    return workers * count / (time.perf_counter() - start)


def run_batch(report: Report, config: Settings) -> None:
    """verify_many in one thread, threads and processes; raw verify the same ways."""
    workers = _worker_count(None)
    report.notes.append(
        f"batch: {workers} workers; process workers start with {_default_context()!r}"
    )
    runs: list[BatchRun] = []
    inputs: dict[str, list[Any]] = {}
    for suite, count in config.batch_counts.items():
        texts = bench_memory.credential_texts(suite=suite)
        inputs[suite] = [json.loads(texts[n % len(texts)]) for n in range(count)]
        for name, n in (("serial", 1), ("threads", workers), ("processes", workers)):
            runs.append(BatchRun(suite, name, n, count))
    raw_count = 2_000 if config.quick else 10_000
    for name, n in (("serial", 1), ("threads", workers), ("processes", workers)):
        runs.append(BatchRun("raw PyNaCl verify", name, n, raw_count))
    for repeat in range(config.batch_repeats):
        progress(f"batch: round {repeat + 1} of {config.batch_repeats}")
        for run in runs:
            if run.workload == "raw PyNaCl verify":
                run.samples.append(_ceiling_once(run.config, run.workers, run.count))
                continue
            options: dict[str, Any] = {"workers": run.workers}
            if run.config != "serial":
                options["mode"] = run.config
            start = time.perf_counter()
            results = verify_many(inputs[run.workload], now=NOW, **options)
            elapsed = time.perf_counter() - start
            assert len(results) == run.count
            assert all(r.verified for r in results), results[0].errors
            run.samples.append(run.count / elapsed)
    single: dict[str, float] = {}
    for run in runs:
        run.ops_per_second = statistics.median(run.samples)
        if run.config == "serial":
            single[run.workload] = run.ops_per_second
    for run in runs:
        run.speedup = run.ops_per_second / single[run.workload]
        label = (
            f"{run.workload}, {run.config}"
            if run.config == "serial"
            else f"{run.workload}, {run.config} x{run.workers}"
        )
        report.rows.append(
            Row(
                "batch",
                label,
                1e6 / run.ops_per_second,
                run.speedup,
                "one thread" if run.config != "serial" else "",
                run.ops_per_second,
                f"{run.count:,} per run" + (" (default)" if run.config == DEFAULT_MODE else ""),
            )
        )
    report.batch = runs


def run_startup(report: Report, config: Settings) -> None:
    """Start-up wall times (bench_keys) and the import check."""
    base = bench_keys.QUICK if config.quick else bench_keys.FULL
    mode = bench_keys.Mode(
        base.name, base.repeat_ns, base.calibrate_ns, base.repeats, config.startup_runs
    )
    with tempfile.TemporaryDirectory(prefix="bid-bench-pycache-") as pycache:
        env = bench_keys.subprocess_env(pycache)
        startup = bench_keys.run_startup(mode, env)
        report.imports_loaded = bench_keys.check_imports(env)
    by_name = {s.name: s for s in startup}
    nacl_ms = by_name["import nacl.signing"].median_ms
    for s in startup:
        report.startup.append(asdict(s))
        if s.median_ms is None:
            report.notes.append(f"{s.name}: {s.note}")
            continue
        ratio = s.median_ms / nacl_ms if nacl_ms else None
        report.rows.append(
            Row(
                "startup",
                s.name,
                s.median_ms * 1000,
                ratio,
                "import nacl.signing",
                None,
                f"{s.median_ms:.1f} ms wall time, median of {len(s.runs_ms)} runs",
            )
        )


def run_memory(report: Report, config: Settings) -> None:
    """bench_memory in a fresh process per mode: the peak RSS of a 100,000-credential stream."""
    for mode in config.memory_modes:
        progress(f"memory: {config.memory_count:,} credentials, {mode}")
        done = subprocess.run(
            [
                sys.executable,
                str(HERE / "bench_memory.py"),
                "--count",
                str(config.memory_count),
                "--mode",
                mode,
                "--json",
                "-",
            ],
            capture_output=True,
            text=True,
            check=False,
        )
        if done.returncode != 0:
            tail = done.stderr.strip().splitlines()
            report.notes.append(f"memory ({mode}): failed: {tail[-1] if tail else done.returncode}")
            continue
        for entry in json.loads(done.stdout):
            report.memory.append(entry)
            report.rows.append(
                Row(
                    "memory",
                    f"peak RSS delta, {entry['count']:,} credentials, {mode}",
                    None,
                    None,
                    "",
                    entry["count"] / entry["seconds"],
                    f"{entry['delta_mb']:+.1f} MB (start {entry['start_mb']:.0f} MB)",
                )
            )


RUNNERS: dict[str, Callable[[Report, Settings], None]] = {
    "keys": run_keys,
    "vc": run_vc,
    "registry": run_registry,
    "batch": run_batch,
    "startup": run_startup,
    "memory": run_memory,
}


# -- targets --------------------------------------------------------------------------------------


def _ratio_target(
    report: Report, number: str, name: str, row_name: str, limit: float, baseline: str
) -> Target:
    row = report.row(row_name)
    goal = f"<= {limit:g}x {baseline}"
    if row is None or row.ratio is None:
        return Target(number, name, goal, "not measured", "SKIP")
    status = "PASS" if row.ratio <= limit else "FAIL"
    return Target(number, name, goal, f"{row.ratio:.2f}x ({row.us:,.0f} µs)", status)


def _didkit_target(report: Report, number: str, name: str, row_name: str) -> Target:
    ours, theirs = report.row(row_name), report.row(bench_vc.DIDKIT)
    goal = ">= 1x didkit's throughput (aim 3x)"
    if ours is None or ours.us is None:
        return Target(number, name, goal, "not measured", "SKIP")
    if theirs is None or theirs.us is None:
        return Target(number, name, goal, "didkit not installed", "SKIP")
    factor = theirs.us / ours.us
    measured = f"{factor:.2f}x ({ours.us:,.0f} vs {theirs.us:,.0f} µs)"
    return Target(number, name, goal, measured, "PASS" if factor >= 1.0 else "FAIL")


def evaluate(report: Report) -> list[Target]:
    """Issue 6's targets, from what this run measured."""
    jcs = "eddsa-jcs-2022"
    targets = [
        _ratio_target(report, "1", "jcs proof check", f"{jcs} proof check", 1.2, "raw verify"),
        _ratio_target(
            report, "1", "jcs verify_credential", f"{jcs} verify_credential", 1.5, "raw verify"
        ),
        _ratio_target(report, "1", "jcs issue", f"{jcs} issue", 2.0, "raw sign"),
        _didkit_target(report, "2", "Ed25519Signature2020 verify, VC 1.1", bench_vc.VC11),
        _didkit_target(
            report, "2", "eddsa-rdfc-2022 verify (VC 2.0)", "eddsa-rdfc-2022 verify_credential"
        ),
    ]
    batch = [r for r in report.batch if r.workload == jcs and r.config != "serial"]
    goal = ">= 1.7x one thread"
    if batch:
        best = max(batch, key=lambda r: r.speedup)
        default = next((r for r in batch if r.config == DEFAULT_MODE), best)
        ceiling = next(
            (
                r
                for r in report.batch
                if r.workload == "raw PyNaCl verify" and r.config == "processes"
            ),
            None,
        )
        measured = f"{default.speedup:.2f}x ({DEFAULT_MODE}, {default.workers} workers)"
        if best is not default:
            measured += f"; {best.config} {best.speedup:.2f}x"
        if ceiling is not None:
            measured += f"; raw PyNaCl ceiling {ceiling.speedup:.2f}x"
        status = "PASS" if default.speedup >= 1.7 else "FAIL"
        targets.append(Target("3", "verify_many, eddsa-jcs-2022", goal, measured, status))
    else:
        targets.append(Target("3", "verify_many", goal, "not measured", "SKIP"))
    if report.imports_loaded is None:
        targets.append(Target("4", "import bid is light", "no optional module", "-", "SKIP"))
    else:
        loaded = ", ".join(report.imports_loaded) or "none loaded"
        status = "FAIL" if report.imports_loaded else "PASS"
        targets.append(Target("4", "import bid is light", "no optional module", loaded, status))
    targets.append(
        _ratio_target(report, "4", "bid --version", "bid --version", 2.0, "import nacl.signing")
    )
    if report.memory:
        worst = max(report.memory, key=lambda m: m["delta_mb"])
        measured = ", ".join(f"{m['mode']} {m['delta_mb']:+.1f} MB" for m in report.memory)
        measured += f" ({worst['count']:,} credentials)"
        status = "PASS" if worst["delta_mb"] <= bench_memory.TARGET_MB else "FAIL"
        targets.append(Target("5", "peak RSS of a stream", "<= 50 MB over start", measured, status))
    else:
        targets.append(Target("5", "peak RSS of a stream", "<= 50 MB over start", "-", "SKIP"))
    targets.append(
        _ratio_target(report, "6", "did:key resolve, a DID met before", RESOLVE, 0.3, "raw verify")
    )
    targets.append(
        _ratio_target(report, "6", "did:key resolve, a new DID", RESOLVE_COLD, 0.3, "raw verify")
    )
    if len(report.registry) >= 2:
        small, large = report.registry[0], report.registry[-1]
        factor = large["read_p50_us"] / small["read_p50_us"]
        targets.append(
            Target(
                "6",
                f"registry read p50, {large['dids']:,} vs {small['dids']:,} DIDs",
                "<= 2x",
                f"{factor:.2f}x",
                "PASS" if factor <= 2.0 else "FAIL",
            )
        )
    else:
        targets.append(Target("6", "registry read p50 vs size", "<= 2x", "-", "SKIP"))
    return targets


# -- output ---------------------------------------------------------------------------------------


def _fmt(value: float | None, spec: str) -> str:
    return "-" if value is None else format(value, spec)


def print_report(report: Report) -> None:
    """The table and the targets, on stdout."""
    env = report.environment
    print(
        f"bid {env['bid']} / PyNaCl {env['pynacl']} / Python {env['python']} on "
        f"{env['machine']}, {env['cpu_count']} CPUs ({env['platform']}); "
        f"{'quick' if report.settings['quick'] else 'full'} run"
    )
    header = f"{'operation':<58} {'µs/op':>10} {'ops/s':>10} {'ratio':>9}  baseline / note"
    section = None
    for row in report.rows:
        if row.section != section:
            section = row.section
            print(f"\n[{section}]")
            print(header)
        tail = "  ".join(part for part in (row.baseline, row.note) if part)
        ratio = "-" if row.ratio is None else f"{row.ratio:.2f}x"
        print(
            f"{row.name[:58]:<58} {_fmt(row.us, ',.1f'):>10} "
            f"{_fmt(row.ops_per_second, ',.0f'):>10} {ratio:>9}  {tail}"
        )
    print("\ntargets (issue 6)")
    for t in report.targets:
        print(f"  [{t.status}] {t.number}. {t.name:<44} {t.goal:<32} {t.measured}")
    for note in report.notes:
        print(f"note: {note}")
    spent = ", ".join(f"{name} {seconds:.0f} s" for name, seconds in report.seconds.items())
    print(f"time: {spent}")


def environment() -> dict[str, Any]:
    """The machine and the versions."""
    return {
        "python": platform.python_version(),
        "implementation": platform.python_implementation(),
        "platform": platform.platform(),
        "machine": platform.machine(),
        "processor": platform.processor() or "unknown",
        "cpu_count": os.cpu_count(),
        "usable_cpus": _worker_count(None),
        "pynacl": getattr(nacl, "__version__", "unknown"),
        "bid": bid.__version__,
        "default_batch_mode": DEFAULT_MODE,
    }


# The rows the chart's first panel shows, by name, in this order (if measured).
CHART_ROWS = (
    "raw sign",
    "raw verify",
    "Ed25519PrivateKey.sign(msg)",
    "Ed25519PublicKey.verify(sig, msg)",
    "pk.bid()",
    "pk.did_key",
    "Ed25519PublicKey.from_did_key(text), seen key",
    RESOLVE,
    RESOLVE_COLD,
    RESOLVE_HIT,
    "eddsa-jcs-2022 issue",
    "eddsa-jcs-2022 proof check",
    "eddsa-jcs-2022 verify_credential",
    "jwt verify_credential",
    "eddsa-rdfc-2022 verify_credential",
    "Ed25519Signature2020 verify_credential",
    bench_vc.VC11,
    bench_vc.DIDKIT,
)


def draw_chart(report: Report, path: Path) -> str | None:
    """The PNG for docs/performance.md; returns why not, if matplotlib is missing."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return "matplotlib is not installed (pip install -e '.[bench]'): no chart"
    rows = [r for name in CHART_ROWS if (r := report.row(name)) is not None and r.ratio]
    panels = 1 + bool(report.registry) + bool(report.batch)
    figure, axes = plt.subplots(panels, 1, figsize=(10, 4.2 * panels + 1.5), squeeze=False)
    env = report.environment
    figure.suptitle(
        f"bid {env['bid']}: cost relative to raw libsodium (PyNaCl {env['pynacl']}), "
        f"Python {env['python']}, {env['cpu_count']} vCPUs",
        fontsize=11,
    )
    panel = iter(axes[:, 0])
    if rows:
        ax = next(panel)
        labels = [r.name.replace("Ed25519PublicKey.", "").replace(", seen key", "") for r in rows]
        ratios = [r.ratio or 1.0 for r in rows]
        colors = [
            "#888888"
            if r.name.startswith("nacl")
            else "#d62728"
            if r.name == bench_vc.DIDKIT
            else "#1f77b4"
            for r in rows
        ]
        ax.barh(range(len(rows)), ratios, color=colors)
        ax.set_yticks(range(len(rows)), labels, fontsize=8)
        ax.invert_yaxis()
        ax.set_xscale("log")
        ax.axvline(1.0, color="black", linewidth=0.8)
        ax.set_xlabel("time per operation / raw PyNaCl (sign or verify) — log scale; red: didkit")
        for index, r in enumerate(rows):
            ax.text(ratios[index] * 1.05, index, f"{r.us:,.0f} µs", va="center", fontsize=7)
        ax.set_xlim(right=max(ratios) * 4)
    if report.registry:
        ax = next(panel)
        sizes = [e["dids"] for e in report.registry]
        ax.plot(sizes, [e["read_p50_us"] for e in report.registry], "o-", label="read p50")
        ax.plot(sizes, [e["read_p99_us"] for e in report.registry], "o--", label="read p99")
        resolve = [e["resolve_p50_us"] for e in report.registry]
        if all(v is not None for v in resolve):
            ax.plot(sizes, resolve, "s-", label="BidMethod.resolve p50")
        raw = report.registry[0]["raw_verify_p50_us"]
        ax.axhline(raw, color="#888888", linestyle=":", label="raw PyNaCl verify p50")
        ax.set_xscale("log")
        ax.set_ylim(bottom=0)
        ax.set_xlabel("DIDs in the SQLite registry (log scale)")
        ax.set_ylabel("µs per call")
        ax.set_title("did:bid resolution latency against registry size", fontsize=10)
        ax.legend(fontsize=8)
    if report.batch:
        ax = next(panel)
        workloads = list(dict.fromkeys(r.workload for r in report.batch))
        configs = ["serial", "threads", "processes"]
        width = 0.8 / len(configs)
        for offset, config in enumerate(configs):
            values = [
                next(
                    (r.speedup for r in report.batch if r.workload == w and r.config == config),
                    0.0,
                )
                for w in workloads
            ]
            xs = [i + (offset - 1) * width for i in range(len(workloads))]
            ax.bar(xs, values, width, label=config)
            for x, v in zip(xs, values, strict=True):
                ax.text(x, v + 0.02, f"{v:.2f}", ha="center", fontsize=7)
        ax.axhline(1.7, color="#d62728", linestyle=":", label="target 1.7x")
        ax.set_xticks(range(len(workloads)), workloads, fontsize=8)
        ax.set_ylabel("throughput / one thread")
        ax.set_title(
            f"verify_many on {report.batch[-1].workers} workers (default: {DEFAULT_MODE})",
            fontsize=10,
        )
        ax.legend(fontsize=8)
    figure.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path, dpi=90)
    plt.close(figure)
    return None


def _sizes(text: str) -> tuple[int, ...]:
    return bench_registry._sizes(text)


def _sections(text: str) -> tuple[str, ...]:
    chosen = tuple(part.strip() for part in text.split(",") if part.strip())
    unknown = [s for s in chosen if s not in SECTIONS]
    if unknown or not chosen:
        raise argparse.ArgumentTypeError(f"sections are some of {', '.join(SECTIONS)}")
    return chosen


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--quick", action="store_true", help="the CI smoke run (about a minute)")
    parser.add_argument("--json", type=Path, metavar="PATH", help="write every figure here")
    parser.add_argument("--chart", type=Path, metavar="PATH", help="draw the PNG chart here")
    parser.add_argument(
        "--registry-sizes", type=_sizes, metavar="N,N,...", help="DIDs per registry file"
    )
    parser.add_argument(
        "--only", type=_sections, default=SECTIONS, metavar="SECTIONS", help=", ".join(SECTIONS)
    )
    args = parser.parse_args(argv)
    config = settings(args.quick, args.registry_sizes)
    report = Report(settings=asdict(config), environment=environment())
    for name in SECTIONS:
        if name not in args.only:
            continue
        progress(f"{name}...")
        started, before = time.perf_counter(), _cpu_snapshot()
        RUNNERS[name](report, config)
        report.seconds[name] = time.perf_counter() - started
        others = _others_busy(before, _cpu_snapshot())
        if others is not None:
            report.others_busy[name] = others
            if others > BUSY_WARNING:
                report.notes.append(
                    f"other processes used {others:.0%} of the CPUs during '{name}': "
                    "its figures (the batch speed-ups most) are not reliable; run again"
                )
    report.targets = evaluate(report)
    print_report(report)
    if args.json is not None:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(asdict(report), indent=2, ensure_ascii=False) + "\n")
        print(f"wrote {args.json}")
    if args.chart is not None:
        why_not = draw_chart(report, args.chart)
        print(why_not or f"wrote {args.chart}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
