"""Micro-benchmarks of bid's key, BID and did:key operations against raw PyNaCl.

Run from the project root with the project's virtualenv::

    python bench/bench_keys.py [--quick] [--json PATH] [--strict]

Everything runs in this one process except the start-up and import checks, which run
``python -c ...`` subprocesses with the same interpreter. Each operation is timed the way
``timeit`` does it: a calibrated loop count (so one repeat lasts about 75 ms, or 10 ms with
``--quick``), several repeats, the median repeat reported; the garbage collector is off
while timing, and the repeats of all operations are interleaved. Encoders and parsers cycle
through a pool of 64 distinct keys; the operations that hit the library's point-check
cache are also timed on keys never seen before. See bench/README.md for the targets.
"""

from __future__ import annotations

import argparse
import gc
import itertools
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import nacl
import nacl.signing

import bid

MESSAGE = bytes(range(100))  # the 100-byte message signed and verified
POOL_SIZE = 64  # distinct keys / texts cycled through by the encode and parse benchmarks
FORBIDDEN_MODULES = (
    "pyld",
    "httpx",
    "google.protobuf",
    "jsonschema",
    "gmssl_pyx",
    "multiformats",
    "hypothesis",
)
RAW_KEYGEN = "raw keygen"
RAW_SIGN = "raw sign"
RAW_VERIFY = "raw verify"


@dataclass(frozen=True)
class Mode:
    """How long to measure: full runs for numbers, quick runs for CI smoke tests."""

    name: str
    repeat_ns: int  # aimed duration of one repeat
    calibrate_ns: int  # a calibration run at least this long sets the loop count
    repeats: int
    startup_runs: int


FULL = Mode("full", repeat_ns=75_000_000, calibrate_ns=10_000_000, repeats=7, startup_runs=10)
QUICK = Mode("quick", repeat_ns=10_000_000, calibrate_ns=2_000_000, repeats=3, startup_runs=3)


@dataclass(frozen=True)
class Case:
    """One operation to time: ``func(item)`` for each item of ``inputs``, cycled."""

    name: str
    group: str  # "raw", "ours" or "sm2"
    label: str  # what is called, for the table
    func: Callable[[Any], object]
    inputs: Sequence[Any]
    baseline: str | None = None  # the raw operation this one is compared with
    # If set, each timed run gets ``fresh(n)``: n inputs never seen before (made untimed),
    # one call each, so that no cache inside the library can answer.
    fresh: Callable[[int], Sequence[Any]] | None = None


@dataclass
class Result:
    """One operation's timing; per-op figures are in nanoseconds."""

    name: str
    group: str
    label: str
    ns_per_op: float  # median over the repeats
    min_ns_per_op: float
    max_ns_per_op: float
    ops_per_repeat: int
    repeats: int
    baseline: str | None = None
    ratio_to_raw_keygen: float = 0.0
    ratio_to_baseline: float | None = None

    @property
    def spread(self) -> float:
        """(max - min) / median over the repeats."""
        return (self.max_ns_per_op - self.min_ns_per_op) / self.ns_per_op


@dataclass
class StartupResult:
    """Wall time of one command, median of several subprocess runs."""

    name: str
    command: list[str]
    median_ms: float | None = None
    runs_ms: list[float] = field(default_factory=list)
    note: str | None = None  # why it was skipped


@dataclass
class Target:
    """A performance or hygiene goal and whether this run meets it."""

    name: str
    goal: str
    measured: str
    status: str  # "PASS", "FAIL" or "SKIP"
    informational: bool


# -- timing ------------------------------------------------------------------------------


def _time_passes(func: Callable[[Any], object], inputs: Sequence[Any], passes: int) -> int:
    """Nanoseconds for ``passes`` passes of ``func`` over ``inputs``."""
    outer = itertools.repeat(None, passes)
    start = time.perf_counter_ns()
    for _ in outer:
        for item in inputs:
            func(item)
    return time.perf_counter_ns() - start


def _time_case(case: Case, passes: int) -> tuple[int, int]:
    """``(nanoseconds, operations)`` of ``passes`` passes (or of ``passes`` fresh inputs)."""
    if case.fresh is None:
        return _time_passes(case.func, case.inputs, passes), passes * len(case.inputs)
    return _time_passes(case.func, case.fresh(passes), 1), passes


def calibrate(case: Case, mode: Mode) -> int:
    """The number of passes over ``case.inputs`` that lasts about ``mode.repeat_ns``."""
    _time_case(case, 1)  # warm up: lazy imports, interpreter caches
    passes = 1
    while True:
        elapsed, _ = _time_case(case, passes)
        if elapsed >= mode.calibrate_ns:
            return max(1, round(passes * mode.repeat_ns / elapsed))
        passes *= 2 if elapsed * 10 >= mode.calibrate_ns else 10


def measure(cases: Sequence[Case], mode: Mode, progress: Callable[[str], None]) -> list[Result]:
    """Calibrate every case, then time ``mode.repeats`` rounds and take each one's median.

    The repeats are interleaved (round 1 of every case, then round 2...) so that a slow
    spell of a shared machine spreads over all operations instead of skewing one ratio.
    """
    gc_was_enabled = gc.isenabled()
    gc.collect()
    gc.disable()
    try:
        passes: list[int] = []
        for case in cases:
            progress(f"calibrating {case.name}")
            passes.append(calibrate(case, mode))
        samples: list[list[float]] = [[] for _ in cases]
        ops: list[int] = [0 for _ in cases]
        for round_no in range(mode.repeats):
            progress(f"round {round_no + 1} of {mode.repeats}")
            for index, case in enumerate(cases):
                gc.collect()
                elapsed, ops[index] = _time_case(case, passes[index])
                samples[index].append(elapsed / ops[index])
    finally:
        if gc_was_enabled:
            gc.enable()
    return [
        Result(
            name=case.name,
            group=case.group,
            label=case.label,
            ns_per_op=statistics.median(per_op),
            min_ns_per_op=min(per_op),
            max_ns_per_op=max(per_op),
            ops_per_repeat=n,
            repeats=mode.repeats,
            baseline=case.baseline,
        )
        for case, n, per_op in zip(cases, ops, samples, strict=True)
    ]


# -- the operations ----------------------------------------------------------------------


def _noop(_: object) -> None:
    return None


def _new_did_keys(n: int) -> list[str]:
    """``n`` did:keys of fresh keys (a private key derives its public half unchecked)."""
    return [bid.Ed25519PrivateKey.generate().did_key for _ in range(n)]


def _new_raw_public_keys(n: int) -> list[bytes]:
    """``n`` fresh 32-byte Ed25519 public keys, made by PyNaCl alone."""
    return [bytes(nacl.signing.SigningKey.generate().verify_key) for _ in range(n)]


def ed25519_cases() -> list[Case]:
    """Raw PyNaCl baselines and our Ed25519, BID, did:key and DID operations."""
    nacl_key = nacl.signing.SigningKey.generate()
    nacl_vk = nacl_key.verify_key
    nacl_sig = nacl_key.sign(MESSAGE).signature

    keys = [bid.Ed25519PrivateKey.generate() for _ in range(POOL_SIZE)]
    pubs = [k.public_key for k in keys]
    raws = [p.public_bytes() for p in pubs]
    bid_texts = [str(p.bid()) for p in pubs]
    did_keys = [p.did_key for p in pubs]
    did_urls = [f"{p.did_key}#{p.multikey}" for p in pubs]
    bif_private = [k.to_bif() for k in keys]
    key, pub = keys[0], pubs[0]
    sig = key.sign(MESSAGE)
    # The inputs must be valid, or we would be timing the error paths.
    assert bid.BID.parse(bid_texts[0]) == pub.bid()
    assert bid.Ed25519PublicKey.from_did_key(did_keys[0]) == pub
    assert bid.parse_private_key(bif_private[0]) == key
    assert bid.DIDURL.parse(did_urls[0]).fragment == pub.multikey
    pub.verify(sig, MESSAGE)
    nacl_vk.verify(MESSAGE, nacl_sig)

    one = [None]
    pub_cls = bid.Ed25519PublicKey
    return [
        Case(RAW_KEYGEN, "raw", "nacl SigningKey.generate()",
             lambda _: nacl.signing.SigningKey.generate(), one),
        Case(RAW_SIGN, "raw", "nacl SigningKey.sign(msg)", nacl_key.sign, [MESSAGE]),
        Case(RAW_VERIFY, "raw", "nacl VerifyKey.verify(msg, sig)",
             lambda s: nacl_vk.verify(MESSAGE, s), [nacl_sig]),
        Case("keygen", "ours", "Ed25519PrivateKey.generate()",
             lambda _: bid.Ed25519PrivateKey.generate(), one, RAW_KEYGEN),
        Case("sign", "ours", "Ed25519PrivateKey.sign(msg)", key.sign, [MESSAGE], RAW_SIGN),
        Case("verify", "ours", "Ed25519PublicKey.verify(sig, msg)",
             lambda s: pub.verify(s, MESSAGE), [sig], RAW_VERIFY),
        Case("bid derive", "ours", "pk.bid()", pub_cls.bid, pubs),
        Case("bid derive str", "ours", "str(pk.bid())", lambda p: str(p.bid()), pubs),
        Case("bid parse", "ours", "BID.parse(text)", bid.BID.parse, bid_texts),
        Case("did:key encode", "ours", "pk.did_key", lambda p: p.did_key, pubs),
        Case("did:key decode", "ours", "Ed25519PublicKey.from_did_key(text), new key",
             pub_cls.from_did_key, [], fresh=_new_did_keys),
        Case("did:key decode again", "ours", "Ed25519PublicKey.from_did_key(text), seen key",
             pub_cls.from_did_key, did_keys),
        Case("bif private parse", "ours", "parse_private_key('priSPK...')",
             bid.parse_private_key, bif_private),
        Case("did parse", "ours", "DID.parse('did:key:z6Mk...')", bid.DID.parse, did_keys),
        Case("did url parse", "ours", "DIDURL.parse('did:key:z6Mk...#z6Mk...')",
             bid.DIDURL.parse, did_urls),
        Case("public from bytes", "ours", "Ed25519PublicKey.from_bytes(raw), new key",
             pub_cls.from_bytes, [], fresh=_new_raw_public_keys),
        Case("public from bytes again", "ours", "Ed25519PublicKey.from_bytes(raw), seen key",
             pub_cls.from_bytes, raws),
    ]  # fmt: skip


def sm2_cases() -> list[Case]:
    """SM2 operations (informational), only if the sm2 extra is importable."""
    try:
        keys = [bid.SM2PrivateKey.generate() for _ in range(8)]
    except bid.MissingExtra:
        return []
    secrets = [k.private_bytes() for k in keys]
    points = [k.public_key.public_bytes() for k in keys]
    key, pub = keys[0], keys[0].public_key
    sig = key.sign(MESSAGE)
    pub.verify(sig, MESSAGE)
    assert bid.SM2PrivateKey.from_bytes(secrets[0]) == key
    return [
        Case("sm2 private from bytes", "sm2", "SM2PrivateKey.from_bytes(d)",
             bid.SM2PrivateKey.from_bytes, secrets),
        Case("sm2 public from bytes", "sm2", "SM2PublicKey.from_bytes(point)",
             bid.SM2PublicKey.from_bytes, points),
        Case("sm2 sign", "sm2", "SM2PrivateKey.sign(msg)", key.sign, [MESSAGE]),
        Case("sm2 verify", "sm2", "SM2PublicKey.verify(sig, msg)",
             lambda s: pub.verify(s, MESSAGE), [sig]),
    ]  # fmt: skip


def run_micro(mode: Mode, progress: Callable[[str], None]) -> tuple[list[Result], float]:
    """All in-process benchmarks, and the per-call overhead of the timing loop (ns)."""
    overhead = Case("loop overhead", "meta", "empty call", _noop, [None])
    measured = measure([overhead, *ed25519_cases(), *sm2_cases()], mode, progress)
    results = measured[1:]
    by_name = {r.name: r for r in results}
    keygen_ns = by_name[RAW_KEYGEN].ns_per_op
    for r in results:
        r.ratio_to_raw_keygen = r.ns_per_op / keygen_ns
        if r.baseline is not None:
            r.ratio_to_baseline = r.ns_per_op / by_name[r.baseline].ns_per_op
    return results, measured[0].ns_per_op


# -- start-up and imports ----------------------------------------------------------------


def subprocess_env(pycache: str) -> dict[str, str]:
    """The environment with byte-code caching on, in a private cache directory.

    An editable install has no .pyc files, and PYTHONDONTWRITEBYTECODE may be set: then
    every ``import bid`` would recompile bid from source while PyNaCl loads its .pyc.
    Caching everything under a temporary PYTHONPYCACHEPREFIX makes the runs comparable
    (as after ``pip install``) without writing anything into the source tree.
    """
    env = dict(os.environ)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env["PYTHONPYCACHEPREFIX"] = pycache
    return env


def _wall_ms(command: list[str], env: dict[str, str]) -> tuple[float, int, str]:
    start = time.perf_counter_ns()
    done = subprocess.run(command, capture_output=True, check=False, env=env)
    elapsed = (time.perf_counter_ns() - start) / 1e6
    return elapsed, done.returncode, done.stderr.decode(errors="replace")


def _console_script() -> Path | None:
    found = shutil.which("bid", path=str(Path(sys.executable).parent))
    return Path(found) if found else None


def run_startup(mode: Mode, env: dict[str, str]) -> list[StartupResult]:
    """Wall times of interpreter start-up, ``import bid``, ``import nacl.signing``, ``bid
    --version``: one untimed run each (it must succeed), then interleaved timed runs."""
    py = sys.executable
    results = [
        StartupResult("python -c pass", [py, "-c", "pass"]),
        StartupResult("import nacl.signing", [py, "-c", "import nacl.signing"]),
        StartupResult("import bid", [py, "-c", "import bid"]),
    ]
    script = _console_script()
    if script is None:
        note = f"skipped: no 'bid' console script next to {py}"
        results.append(StartupResult("bid --version", [], note=note))
    else:
        results.append(StartupResult("bid --version", [str(script), "--version"]))
    for r in results:
        if r.note is None:
            _, status, stderr = _wall_ms(r.command, env)  # fills the file and .pyc caches
            if status != 0:
                lines = stderr.strip().splitlines()
                r.note = f"skipped: it fails ({lines[-1] if lines else f'exit {status}'})"
    live = [r for r in results if r.note is None]
    for _ in range(mode.startup_runs):
        for r in live:
            r.runs_ms.append(_wall_ms(r.command, env)[0])
    for r in live:
        r.median_ms = statistics.median(r.runs_ms)
    return results


def check_imports(env: dict[str, str]) -> list[str]:
    """Which of FORBIDDEN_MODULES a fresh ``import bid`` loads (should be none)."""
    code = (
        "import sys\n"
        "import bid\n"
        f"print('\\n'.join(m for m in {FORBIDDEN_MODULES!r} if m in sys.modules))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, check=True, env=env)
    return done.stdout.decode().split()


# -- report ------------------------------------------------------------------------------


def _fmt_ratio(value: float | None) -> str:
    return "" if value is None else f"{value:.2f}x"


def print_table(results: list[Result], overhead_ns: float) -> None:
    header = (
        f"{'operation':<52} {'µs/op':>9} {'ops/s':>10} {'spread':>7} "
        f"{'vs raw keygen':>13} {'vs raw op':>9}"
    )
    print(header)
    print("-" * len(header))
    group = None
    for r in results:
        if group is not None and r.group != group:
            print()
        group = r.group
        print(
            f"{r.label:<52} {r.ns_per_op / 1000:>9.2f} {1e9 / r.ns_per_op:>10,.0f} "
            f"{r.spread:>6.1%} {_fmt_ratio(r.ratio_to_raw_keygen):>13} "
            f"{_fmt_ratio(r.ratio_to_baseline):>9}"
        )
    print(
        f"\nmedian of the repeats; spread = (max - min) / median; timing-loop overhead "
        f"{overhead_ns:.0f} ns/op, included, not subtracted."
    )


def print_startup(startup: list[StartupResult], runs: int) -> None:
    print(
        f"\nstart-up (wall time, median of {runs} runs after one warm-up run; "
        "byte-code cached in a temporary PYTHONPYCACHEPREFIX)"
    )
    for s in startup:
        shown = f"{s.median_ms:8.1f} ms" if s.median_ms is not None else f"   {s.note}"
        print(f"  {s.name:<22}{shown}")


def evaluate(
    results: list[Result], startup: list[StartupResult], loaded: list[str]
) -> list[Target]:
    by_name = {r.name: r for r in results}
    targets: list[Target] = []
    # The decode target is judged on keys never seen before: the library caches point-check
    # verdicts, and a first-seen key (a new issuer, an attacker's key) pays the full check.
    for name, title, informational in (
        ("bid derive", "BID derivation, pk.bid()", False),
        ("bid derive str", "BID derivation, str(pk.bid())", False),
        ("did:key encode", "did:key encode, pk.did_key", False),
        ("did:key decode", "did:key decode, new key", False),
        ("did:key decode again", "did:key decode, seen key", True),
    ):
        ratio = by_name[name].ratio_to_raw_keygen
        targets.append(
            Target(
                title,
                "<= 0.50x raw keygen",
                f"{ratio:.3f}x",
                "PASS" if ratio <= 0.5 else "FAIL",
                informational=informational,
            )
        )
    targets.append(
        Target(
            "import bid loads no heavy module",
            f"none of the {len(FORBIDDEN_MODULES)} listed",
            ", ".join(loaded) if loaded else "none loaded",
            "FAIL" if loaded else "PASS",
            informational=False,
        )
    )
    by_cmd = {s.name: s for s in startup}
    cli, nacl_import = by_cmd["bid --version"], by_cmd["import nacl.signing"]
    if cli.median_ms is None or nacl_import.median_ms is None:
        measured, status = cli.note or nacl_import.note or "not measured", "SKIP"
    else:
        ratio = cli.median_ms / nacl_import.median_ms
        measured = f"{ratio:.2f}x ({cli.median_ms:.1f} / {nacl_import.median_ms:.1f} ms)"
        status = "PASS" if ratio <= 2.0 else "FAIL"
    targets.append(
        Target(
            "bid --version wall time",
            "<= 2x import nacl.signing",
            measured,
            status,
            informational=True,
        )
    )
    return targets


def print_targets(targets: list[Target]) -> None:
    print("\ntargets")
    for t in targets:
        tag = f"{t.status} (informational)" if t.informational else t.status
        print(f"  {tag:<20} {t.name:<34} {t.goal:<28} measured: {t.measured}")


def environment() -> dict[str, Any]:
    return {
        "python": platform.python_version(),
        "implementation": platform.python_implementation(),
        "platform": platform.platform(),
        "machine": platform.machine(),
        "cpu_count": os.cpu_count(),
        "pynacl": getattr(nacl, "__version__", "unknown"),
        "bid": bid.__version__,
        "executable": sys.executable,
    }


# -- main --------------------------------------------------------------------------------


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--quick", action="store_true", help="short runs, for CI smoke tests")
    parser.add_argument("--json", type=Path, metavar="PATH", help="also write figures here")
    parser.add_argument(
        "--strict", action="store_true", help="exit 1 if a non-informational target fails"
    )
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    mode = QUICK if args.quick else FULL
    env = environment()
    print(
        f"bid {env['bid']} / PyNaCl {env['pynacl']} / Python {env['python']} "
        f"on {env['machine']}, {mode.name} mode"
    )

    live = sys.stderr.isatty()

    def progress(name: str) -> None:
        if live:
            print(f"  {name}...".ljust(60), end="\r", file=sys.stderr, flush=True)

    results, overhead = run_micro(mode, progress)
    progress("start-up and imports")
    with tempfile.TemporaryDirectory(prefix="bid-bench-pycache-") as pycache:
        env = subprocess_env(pycache)
        startup = run_startup(mode, env)
        loaded = check_imports(env)
    if live:
        print(" " * 60, end="\r", file=sys.stderr, flush=True)

    print()
    print_table(results, overhead)
    if not any(r.group == "sm2" for r in results):
        print("(SM2 skipped: the sm2 extra, gmssl-pyx, is not importable)")
    print_startup(startup, mode.startup_runs)
    shown = ", ".join(loaded) if loaded else "none of them"
    print(f"\nimport check: {', '.join(FORBIDDEN_MODULES)} after 'import bid': {shown} loaded")
    targets = evaluate(results, startup, loaded)
    print_targets(targets)

    if args.json is not None:
        report = {
            "environment": env,
            "mode": asdict(mode),
            "timing_loop_overhead_ns": overhead,
            "operations": [asdict(r) | {"spread": r.spread} for r in results],
            "startup": [asdict(s) for s in startup],
            "import_check": {"checked": list(FORBIDDEN_MODULES), "loaded": loaded},
            "targets": [asdict(t) for t in targets],
        }
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n")
        print(f"\nwrote {args.json}")

    failed = [t for t in targets if t.status == "FAIL" and not t.informational]
    return 1 if args.strict and failed else 0


if __name__ == "__main__":
    sys.exit(main())
