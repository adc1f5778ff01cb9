"""Sign and verify credentials per suite, as ratios to raw PyNaCl sign/verify in this run.

Run from the project root with the project's virtualenv::

    python bench/bench_vc.py [--quick] [--json PATH]

For each suite (eddsa-jcs-2022, eddsa-rdfc-2022, Ed25519Signature2020, JWT) it times
``issue`` (against raw ``SigningKey.sign``), the proof check alone (``Proof.parse`` +
``verify_proof``: canonicalize, hash, verify) and the whole ``verify_credential`` with a
did:key issuer (both against raw ``VerifyKey.verify``), on the W3C vector credential. Each
figure is the median of several repeats of a calibrated loop, the repeats of all operations
interleaved, the garbage collector off while timing. Issue 6 sets the targets; this run
reports them.
"""

from __future__ import annotations

import argparse
import gc
import json
import statistics
import time
from collections.abc import Callable
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import nacl.signing

from bid import data_integrity as di
from bid.keys import Ed25519PrivateKey
from bid.methods.key import KeyMethod
from bid.resolver import CachedResolver, MethodRouter
from bid.vc import issue, verify_credential

ROOT = Path(__file__).resolve().parent.parent
VECTORS = json.loads((ROOT / "tests" / "vectors" / "w3c-vectors.json").read_text())
NOW = datetime(2025, 6, 1, tzinfo=timezone.utc)
SUITES = ("eddsa-jcs-2022", "eddsa-rdfc-2022", "Ed25519Signature2020", "jwt")


def _time(func: Callable[[], object], target_s: float) -> Callable[[], float]:
    """A repeat of ``func`` lasting about ``target_s``: returns seconds per call."""
    loops = 1
    while True:
        start = time.perf_counter()
        for _ in range(loops):
            func()
        elapsed = time.perf_counter() - start
        if elapsed >= target_s / 5:
            break
        loops *= 2
    loops = max(1, int(loops * target_s / max(elapsed, 1e-9)))

    def repeat() -> float:
        start = time.perf_counter()
        for _ in range(loops):
            func()
        return (time.perf_counter() - start) / loops

    return repeat


def _cases() -> dict[str, tuple[Callable[[], object], str]]:
    """name -> (operation, the raw baseline it is compared with)."""
    seed = bytes.fromhex(VECTORS["vc_di_eddsa"]["key_pair"]["secret_seed_hex"])
    raw = nacl.signing.SigningKey(seed)
    raw_signed = raw.sign(b"x" * 64)
    key = Ed25519PrivateKey.from_seed(seed)
    did = key.public_key.did_key
    method = f"{did}#{did.split(':')[-1]}"
    unsigned: dict[str, Any] = dict(VECTORS["vc_di_eddsa"]["unsigned_credential"]["document"])
    unsigned["issuer"] = did
    resolver = CachedResolver(MethodRouter([KeyMethod()]), ttl=3600, max_size=16)
    cases: dict[str, tuple[Callable[[], object], str]] = {
        "raw sign": (lambda: raw.sign(b"x" * 64), ""),
        "raw verify": (lambda: raw.verify_key.verify(raw_signed), ""),
    }
    for suite in SUITES:
        signed = issue(unsigned, key, verification_method=method, suite=suite)
        assert verify_credential(signed, resolver=resolver, now=NOW).verified

        def sign(suite: str = suite) -> object:
            return issue(unsigned, key, verification_method=method, suite=suite)

        def verify(signed: Any = signed) -> object:
            return verify_credential(signed, resolver=resolver, now=NOW)

        cases[f"{suite} issue"] = (sign, "raw sign")
        cases[f"{suite} verify_credential"] = (verify, "raw verify")
        if isinstance(signed, dict):
            proof_raw = signed["proof"]

            def check(signed: Any = signed, proof_raw: Any = proof_raw) -> None:
                di.verify_proof(signed, di.Proof.parse(proof_raw), key.public_key)

            cases[f"{suite} proof check"] = (check, "raw verify")
    return cases


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="short repeats (CI smoke run)")
    parser.add_argument("--json", metavar="PATH", help="also write the results as JSON")
    args = parser.parse_args()
    target, repeats = (0.01, 3) if args.quick else (0.1, 7)
    cases = _cases()
    timers = {name: _time(func, target) for name, (func, _base) in cases.items()}
    samples: dict[str, list[float]] = {name: [] for name in cases}
    gc.disable()
    try:
        for _ in range(repeats):
            for name, timer in timers.items():
                samples[name].append(timer())
    finally:
        gc.enable()
    medians = {name: statistics.median(values) for name, values in samples.items()}
    rows = []
    print(f"{'operation':<42}{'us/op':>10}{'ops/s':>10}{'ratio':>8}  baseline")
    for name, (_func, base) in cases.items():
        ratio = medians[name] / medians[base] if base else 1.0
        rows.append({"name": name, "us": medians[name] * 1e6, "ratio": ratio, "baseline": base})
        print(
            f"{name:<42}{medians[name] * 1e6:>10.1f}{1 / medians[name]:>10.0f}"
            f"{ratio:>8.2f}  {base or '-'}"
        )
    if args.json:
        Path(args.json).write_text(json.dumps(rows, indent=2) + "\n")


if __name__ == "__main__":
    main()
