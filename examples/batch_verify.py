"""Verify a batch of credentials on all cores, with a progress line and a summary.

A did:key issuer signs a batch of employee badges; a few copies are tampered with on the
way. ``bid.iter_verify`` checks them in worker processes (one per CPU this process may
use), yielding the results in input order as they come, so a progress line on stderr can
follow along; the summary counts what verified and why the rest did not.

Run it with::

    python examples/batch_verify.py [--count N] [--workers W]

It prints the summary on stdout and exits with status 0 when exactly the tampered
credentials failed.
"""

from __future__ import annotations

import argparse
import copy
import os
import sys
import time
from collections import Counter
from typing import Any

import bid
from bid.methods.key import KeyMethod

TAMPER_EVERY = 10  # every tenth badge is altered after signing


def make_batch(count: int) -> list[dict[str, Any]]:
    """``count`` signed badges; those at multiples of TAMPER_EVERY changed after signing."""
    issuer_key = bid.Ed25519PrivateKey.generate()
    issuer = issuer_key.did_key
    method = f"{issuer}#{issuer.rpartition(':')[2]}"
    batch = []
    for n in range(count):
        badge: dict[str, Any] = {
            "@context": ["https://www.w3.org/ns/credentials/v2"],
            "type": ["VerifiableCredential"],
            "issuer": issuer,
            "validFrom": "2024-01-01T00:00:00Z",
            "credentialSubject": {"id": f"urn:example:employee:{n}", "role": "engineer"},
        }
        signed = bid.issue(badge, issuer_key, verification_method=method)
        assert isinstance(signed, dict)
        if n % TAMPER_EVERY == 0:
            signed = copy.deepcopy(signed)
            signed["credentialSubject"]["role"] = "administrator"
        batch.append(signed)
    return batch


def available_cpus() -> int:
    """The CPUs this process may run on (what iter_verify uses by default)."""
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


def progress(done: int, total: int, started: float) -> None:
    """One line on stderr, rewritten in place: count, percentage, rate."""
    rate = done / max(time.perf_counter() - started, 1e-9)
    width = 30
    filled = width * done // total
    bar = "#" * filled + "-" * (width - filled)
    end = "\n" if done == total else ""
    print(
        f"\r[{bar}] {done}/{total} {100 * done // total:3d}% {rate:,.0f}/s",
        end=end,
        file=sys.stderr,
        flush=True,
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--count", type=int, default=200, help="credentials to verify")
    parser.add_argument("--workers", type=int, default=None, help="processes (default: all CPUs)")
    args = parser.parse_args(argv)
    if args.count < 1:
        parser.error("--count must be at least 1")

    batch = make_batch(args.count)
    tampered = sum(1 for n in range(args.count) if n % TAMPER_EVERY == 0)
    workers = args.workers or available_cpus()

    started = time.perf_counter()
    verified = 0
    failures: Counter[str] = Counter()
    # did:key needs no registry: each worker builds its own resolver with KeyMethod().
    results = bid.iter_verify(batch, resolver_factory=KeyMethod, workers=args.workers)
    for done, result in enumerate(results, start=1):
        if result.verified:
            verified += 1
        else:
            failures.update(error["code"] for error in result.errors)
        if done % 10 == 0 or done == args.count:
            progress(done, args.count, started)
    elapsed = time.perf_counter() - started

    print(f"workers:  {workers}")
    print(f"verified: {verified}/{args.count}")
    print(f"failed:   {args.count - verified}")
    for code, times in sorted(failures.items()):
        print(f"  {code}: {times}")
    print(f"time:     {elapsed:.2f} s ({args.count / elapsed:,.0f} credentials/s)")
    return 0 if args.count - verified == tampered else 1


if __name__ == "__main__":
    sys.exit(main())
