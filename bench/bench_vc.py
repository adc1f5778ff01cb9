"""Sign and verify credentials per suite, as ratios to raw PyNaCl sign/verify in this run.

Run from the project root with the project's virtualenv::

    python bench/bench_vc.py [--quick] [--json PATH] [--no-didkit]

For each suite (eddsa-jcs-2022, eddsa-rdfc-2022, Ed25519Signature2020, JWT) it times
``issue`` (against raw ``SigningKey.sign``), the proof check alone (``Proof.parse`` +
``verify_proof``: canonicalize, hash, verify) and the whole ``verify_credential`` with a
did:key issuer (both against raw ``VerifyKey.verify``), on the W3C vector credential. Each
figure is the median of several repeats of a calibrated loop, the repeats of all operations
interleaved, the garbage collector off while timing. Issue 6 sets the targets; this run
reports them.

It also times ``verify_credential`` on a VC 1.1 credential signed with
Ed25519Signature2020 (didkit 0.3 knows VC 1.1 only) and, where the ``didkit`` package is
installed, didkit's ``verify_credential`` on the very same credential, in a subprocess
(didkit's Python module crashes at interpreter exit, so the subprocess leaves through
``os._exit``). ``bench_all.py`` imports this module and runs the same cases.
"""

from __future__ import annotations

import argparse
import gc
import json
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
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
RAW_SIGN = "raw sign"
RAW_VERIFY = "raw verify"
VC11 = "Ed25519Signature2020 verify_credential, VC 1.1"
DIDKIT = "didkit verify_credential, VC 1.1 (Rust)"
DIDKIT_TIMEOUT = 300.0


@dataclass
class Row:
    """One operation's median time and its ratio to the raw PyNaCl baseline."""

    name: str
    us: float  # median µs per call
    ratio: float  # to the baseline's median (1.0 for the baselines themselves)
    baseline: str  # "" for the baselines
    spread: float = 0.0  # (max - min) / median of the repeats
    note: str = ""

    @property
    def ops_per_second(self) -> float:
        """Calls per second, one thread."""
        return 1e6 / self.us


Case = tuple[Callable[[], object], str]  # (operation, the raw baseline it is compared with)


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


def issuer() -> tuple[Ed25519PrivateKey, str, str]:
    """The W3C vector key, its did:key and its verification method."""
    seed = bytes.fromhex(VECTORS["vc_di_eddsa"]["key_pair"]["secret_seed_hex"])
    key = Ed25519PrivateKey.from_seed(seed)
    did = key.public_key.did_key
    return key, did, f"{did}#{did.split(':')[-1]}"


def vc11_credential() -> dict[str, Any]:
    """A VC 1.1 credential signed with Ed25519Signature2020 by a did:key: one that both
    bid and didkit 0.3 can verify (only terms of the bundled VC 1.1 context)."""
    key, did, method = issuer()
    unsigned: dict[str, Any] = {
        "@context": ["https://www.w3.org/2018/credentials/v1"],
        "id": "urn:uuid:2f1a5b0c-1111-4222-8333-444455556666",
        "type": ["VerifiableCredential"],
        "issuer": did,
        "issuanceDate": "2024-01-01T00:00:00Z",
        "credentialSubject": {"id": "did:example:ebfeb1f712ebc6f1c276e12ec21"},
    }
    signed = issue(
        unsigned,
        key,
        verification_method=method,
        suite="Ed25519Signature2020",
        created=datetime(2024, 1, 1, tzinfo=timezone.utc),
    )
    assert isinstance(signed, dict)
    return signed


def cases() -> dict[str, Case]:
    """name -> (operation, the raw baseline it is compared with)."""
    seed = bytes.fromhex(VECTORS["vc_di_eddsa"]["key_pair"]["secret_seed_hex"])
    raw = nacl.signing.SigningKey(seed)
    raw_signed = raw.sign(b"x" * 64)
    key, did, method = issuer()
    unsigned: dict[str, Any] = dict(VECTORS["vc_di_eddsa"]["unsigned_credential"]["document"])
    unsigned["issuer"] = did
    resolver = CachedResolver(MethodRouter([KeyMethod()]), ttl=3600, max_size=16)
    out: dict[str, Case] = {
        RAW_SIGN: (lambda: raw.sign(b"x" * 64), ""),
        RAW_VERIFY: (lambda: raw.verify_key.verify(raw_signed), ""),
    }
    for suite in SUITES:
        signed = issue(unsigned, key, verification_method=method, suite=suite)
        assert verify_credential(signed, resolver=resolver, now=NOW).verified

        def sign(suite: str = suite) -> object:
            return issue(unsigned, key, verification_method=method, suite=suite)

        def verify(signed: Any = signed) -> object:
            return verify_credential(signed, resolver=resolver, now=NOW)

        out[f"{suite} issue"] = (sign, RAW_SIGN)
        out[f"{suite} verify_credential"] = (verify, RAW_VERIFY)
        if isinstance(signed, dict):
            proof_raw = signed["proof"]

            def check(signed: Any = signed, proof_raw: Any = proof_raw) -> None:
                di.verify_proof(signed, di.Proof.parse(proof_raw), key.public_key)

            out[f"{suite} proof check"] = (check, RAW_VERIFY)
    vc11 = vc11_credential()
    assert verify_credential(vc11, resolver=resolver, now=NOW).verified

    def verify_vc11() -> object:
        return verify_credential(vc11, resolver=resolver, now=NOW)

    out[VC11] = (verify_vc11, RAW_VERIFY)
    return out


def measure(
    cases: dict[str, Case], *, quick: bool, progress: Callable[[str], None] | None = None
) -> list[Row]:
    """Calibrate each case, time the repeats interleaved, and return the medians."""
    target, repeats = (0.01, 3) if quick else (0.1, 7)
    timers = {}
    for name, (func, _base) in cases.items():
        if progress is not None:
            progress(f"calibrating {name}")
        timers[name] = _time(func, target)
    samples: dict[str, list[float]] = {name: [] for name in cases}
    gc.disable()
    try:
        for round_no in range(repeats):
            if progress is not None:
                progress(f"round {round_no + 1} of {repeats}")
            for name, timer in timers.items():
                samples[name].append(timer())
    finally:
        gc.enable()
    medians = {name: statistics.median(values) for name, values in samples.items()}
    return [
        Row(
            name=name,
            us=medians[name] * 1e6,
            ratio=medians[name] / medians[base] if base else 1.0,
            baseline=base,
            spread=(max(samples[name]) - min(samples[name])) / medians[name],
        )
        for name, (_func, base) in cases.items()
    ]


_DIDKIT_SCRIPT = """
import asyncio, json, os, statistics, sys, time
try:
    import didkit
except Exception as exc:
    print(json.dumps({"error": f"didkit not importable: {exc}"}), flush=True)
    os._exit(0)
text, repeats, target = sys.stdin.read(), int(sys.argv[1]), float(sys.argv[2])
options = json.dumps({"proofPurpose": "assertionMethod"})
async def main():
    verdict = json.loads(await didkit.verify_credential(text, options))
    if verdict.get("errors"):
        return {"error": f"didkit does not verify the credential: {verdict['errors']}"}
    loops, elapsed = 1, 0.0
    while elapsed < target / 5:
        start = time.perf_counter()
        for _ in range(loops):
            await didkit.verify_credential(text, options)
        elapsed = time.perf_counter() - start
        loops *= 2
    loops = max(1, int(loops / 2 * target / elapsed))
    samples = []
    for _ in range(repeats):
        start = time.perf_counter()
        for _ in range(loops):
            await didkit.verify_credential(text, options)
        samples.append((time.perf_counter() - start) / loops)
    return {"version": didkit.get_version(), "samples": samples}
print(json.dumps(asyncio.run(main())), flush=True)
os._exit(0)  # didkit's module crashes at interpreter exit
"""


def didkit_row(credential: dict[str, Any], raw_verify_us: float, *, quick: bool) -> Row | str:
    """didkit's verify_credential on ``credential`` in a subprocess: a Row, or why not."""
    repeats, target = (3, 0.05) if quick else (7, 0.5)
    try:
        done = subprocess.run(
            [sys.executable, "-c", _DIDKIT_SCRIPT, str(repeats), str(target)],
            input=json.dumps(credential),
            capture_output=True,
            text=True,
            timeout=DIDKIT_TIMEOUT,
            check=False,
        )
    except subprocess.TimeoutExpired:
        return "didkit: timed out"
    lines = done.stdout.strip().splitlines()
    if not lines:
        tail = done.stderr.strip().splitlines()
        return f"didkit: no answer (exit {done.returncode}: {tail[-1] if tail else ''})"
    answer = json.loads(lines[-1])
    if "error" in answer:
        return str(answer["error"])
    samples: list[float] = answer["samples"]
    median_us = statistics.median(samples) * 1e6
    return Row(
        name=DIDKIT,
        us=median_us,
        ratio=median_us / raw_verify_us,
        baseline=RAW_VERIFY,
        spread=(max(samples) - min(samples)) / statistics.median(samples),
        note=f"didkit {answer['version']}, in a subprocess",
    )


def print_rows(rows: Sequence[Row]) -> None:
    """The table: µs/op, ops/s, ratio to the raw baseline."""
    print(f"{'operation':<48}{'us/op':>10}{'ops/s':>10}{'ratio':>9}  baseline")
    for row in rows:
        print(
            f"{row.name:<48}{row.us:>10.1f}{row.ops_per_second:>10.0f}"
            f"{row.ratio:>8.2f}x  {row.baseline or '-'}"
        )


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--quick", action="store_true", help="short repeats (CI smoke run)")
    parser.add_argument("--json", metavar="PATH", help="also write the results as JSON")
    parser.add_argument("--no-didkit", action="store_true", help="skip the didkit comparison")
    args = parser.parse_args(argv)
    rows = measure(cases(), quick=args.quick)
    notes = []
    if not args.no_didkit:
        raw_verify = next(row for row in rows if row.name == RAW_VERIFY)
        found = didkit_row(vc11_credential(), raw_verify.us, quick=args.quick)
        if isinstance(found, Row):
            rows.append(found)
        else:
            notes.append(found)
    print_rows(rows)
    for note in notes:
        print(f"note: {note}")
    if args.json:
        Path(args.json).write_text(json.dumps([asdict(r) for r in rows], indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
