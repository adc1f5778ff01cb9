"""Peak memory of verifying a stream of credentials with ``bid.batch.iter_verify``.

Run from the project root with the project's virtualenv::

    python bench/bench_memory.py [--quick] [--count 100000] [--mode processes] [--json PATH]

It signs 64 distinct credentials (eddsa-jcs-2022, eight did:key issuers), keeps them as
JSON text, and streams ``--count`` credentials (100,000; 5,000 with ``--quick``) through
``iter_verify``: a generator parses the next text only when the batch asks for it, as a
reader of a file or a socket would, and the results are counted and dropped. The resident
set size of this process is sampled every 10 ms from ``/proc/self/status`` (VmRSS) by a
background thread; where the kernel allows, the high-water mark (VmHWM) is reset at the
start and read at the end too, so a spike between two samples is not missed (elsewhere,
``resource.getrusage`` is used). The figure is the peak minus the RSS at the start, the
start being after the imports and the signing, before the first credential is read.

Target (issue 6): the peak stays within 50 MB of the start. In process mode the workers
are separate processes: their own peak (the largest worker's ``ru_maxrss``) is reported
beside it, for information. Exit status 0; with ``--strict``, 1 if the target fails.
"""

from __future__ import annotations

import argparse
import gc
import json
import resource
import sys
import threading
import time
from collections.abc import Iterator, Sequence
from dataclasses import asdict, dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, cast

from bid.batch import DEFAULT_MODE, MODES, Mode, iter_verify
from bid.keys import Ed25519PrivateKey
from bid.vc import issue

MB = 1024 * 1024
TARGET_MB = 50.0
NOW = datetime(2025, 6, 1, tzinfo=timezone.utc)
DISTINCT = 64
ISSUERS = 8
FULL_COUNT = 100_000
QUICK_COUNT = 5_000
SAMPLE_SECONDS = 0.01


@dataclass
class MemoryResult:
    """One streamed run: how many credentials, how fast, and the memory it took."""

    mode: str
    count: int
    verified: int
    seconds: float
    start_mb: float
    peak_mb: float
    delta_mb: float
    samples: int
    hwm_reset: bool  # the kernel high-water mark was reset at the start, so it is exact
    worker_peak_mb: float | None  # process mode: the largest worker's peak RSS
    target_mb: float = TARGET_MB

    @property
    def status(self) -> str:
        """PASS if the peak stayed within the target of the start."""
        return "PASS" if self.delta_mb <= self.target_mb else "FAIL"


def credential_texts(distinct: int = DISTINCT, suite: str = "eddsa-jcs-2022") -> list[str]:
    """``distinct`` signed credentials as JSON text (``suite``, did:key issuers)."""
    keys = [Ed25519PrivateKey.from_seed(bytes([n + 1]) * 32) for n in range(ISSUERS)]
    texts = []
    for n in range(distinct):
        key = keys[n % ISSUERS]
        did = key.public_key.did_key
        unsigned: dict[str, Any] = {
            "@context": [
                "https://www.w3.org/ns/credentials/v2",
                "https://www.w3.org/ns/credentials/examples/v2",
            ],
            "id": f"urn:uuid:00000000-0000-4000-8000-{n:012d}",
            "type": ["VerifiableCredential", "AlumniCredential"],
            "issuer": did,
            "validFrom": "2023-01-01T00:00:00Z",
            "credentialSubject": {"id": f"did:example:{n:08x}", "alumniOf": f"School {n}"},
        }
        method = f"{did}#{did.split(':')[-1]}"
        signed = issue(unsigned, key, verification_method=method, suite=suite)
        texts.append(json.dumps(signed))
    return texts


def stream(texts: Sequence[str], count: int) -> Iterator[Any]:
    """``count`` credentials, each parsed from its text when asked for (a fresh object)."""
    for n in range(count):
        yield json.loads(texts[n % len(texts)])


def _status_kb(field: str) -> int | None:
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith(field + ":"):
                    return int(line.split()[1])
    except OSError:
        return None
    return None


def _reset_hwm() -> bool:
    """Reset the kernel's peak-RSS mark of this process (Linux 4.0+), if allowed."""
    try:
        with open("/proc/self/clear_refs", "w", encoding="ascii") as clear:
            clear.write("5")
    except OSError:
        return False
    return True


def _rss_bytes() -> int:
    kb = _status_kb("VmRSS")
    if kb is not None:
        return kb * 1024
    # No /proc: the lifetime peak is the best available figure.
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak if sys.platform == "darwin" else peak * 1024


class Sampler(threading.Thread):
    """Samples this process's RSS every ``SAMPLE_SECONDS`` until stopped."""

    def __init__(self) -> None:
        super().__init__(name="rss-sampler", daemon=True)
        self.peak = _rss_bytes()
        self.samples = 0
        self._stop_event = threading.Event()

    def run(self) -> None:
        while not self._stop_event.wait(SAMPLE_SECONDS):
            self.peak = max(self.peak, _rss_bytes())
            self.samples += 1

    def stop(self) -> None:
        self._stop_event.set()
        self.join()


def run(count: int, mode: Mode, texts: Sequence[str] | None = None) -> MemoryResult:
    """Stream ``count`` credentials through ``iter_verify(mode=mode)``; measure the RSS."""
    texts = texts or credential_texts()
    gc.collect()
    start = _rss_bytes()
    hwm_reset = _reset_hwm()
    children_before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    # Start the sampler after the pool would fork: a second thread makes iter_verify pick
    # forkserver over fork, and this measures the library's default behaviour.
    began = time.perf_counter()
    verified = 0
    sampler: Sampler | None = None
    for result in iter_verify(stream(texts, count), mode=mode, now=NOW):
        verified += result.verified
        if sampler is None:
            sampler = Sampler()
            sampler.start()
    seconds = time.perf_counter() - began
    peak = start
    samples = 0
    if sampler is not None:
        sampler.stop()
        peak, samples = sampler.peak, sampler.samples
    hwm = _status_kb("VmHWM")
    if hwm_reset and hwm is not None:
        peak = max(peak, hwm * 1024)
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    worker_peak = None
    if mode == "processes" and children > children_before:
        worker_peak = children * (1 if sys.platform == "darwin" else 1024) / MB
    return MemoryResult(
        mode=mode,
        count=count,
        verified=verified,
        seconds=seconds,
        start_mb=start / MB,
        peak_mb=peak / MB,
        delta_mb=(peak - start) / MB,
        samples=samples,
        hwm_reset=hwm_reset,
        worker_peak_mb=worker_peak,
    )


def describe(result: MemoryResult) -> str:
    """One line: the figures and the verdict."""
    workers = (
        f", largest worker peak {result.worker_peak_mb:.1f} MB"
        if result.worker_peak_mb is not None
        else ""
    )
    return (
        f"{result.mode:<10} {result.count:>8,} credentials in {result.seconds:6.1f} s "
        f"({result.count / result.seconds:,.0f}/s), {result.verified:,} verified; RSS start "
        f"{result.start_mb:.1f} MB, peak {result.peak_mb:.1f} MB, delta {result.delta_mb:+.1f} MB"
        f"{workers}  [{result.status}: <= {result.target_mb:.0f} MB]"
    )


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--quick", action="store_true", help=f"{QUICK_COUNT:,} credentials")
    parser.add_argument("--count", type=int, help=f"credentials to stream ({FULL_COUNT:,})")
    parser.add_argument(
        "--mode",
        choices=[*MODES, "all"],
        default=DEFAULT_MODE,
        help=f"iter_verify's mode (default {DEFAULT_MODE}); 'all' runs each in turn",
    )
    parser.add_argument("--json", metavar="PATH", help="write the figures as JSON ('-': stdout)")
    parser.add_argument("--strict", action="store_true", help="exit 1 if the target fails")
    args = parser.parse_args(argv)
    count = args.count or (QUICK_COUNT if args.quick else FULL_COUNT)
    modes: list[Mode] = list(MODES) if args.mode == "all" else [cast(Mode, args.mode)]
    texts = credential_texts()
    results = [run(count, mode, texts) for mode in modes]
    out = sys.stderr if args.json == "-" else sys.stdout
    for result in results:
        print(describe(result), file=out)
    if args.json:
        report = json.dumps(
            [asdict(r) | {"status": r.status} for r in results], indent=2, ensure_ascii=False
        )
        if args.json == "-":
            print(report)
        else:
            Path(args.json).write_text(report + "\n", encoding="utf-8")
    failed = any(r.status == "FAIL" or r.verified != r.count for r in results)
    return 1 if args.strict and failed else 0


if __name__ == "__main__":
    sys.exit(main())
