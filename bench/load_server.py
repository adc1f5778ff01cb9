"""A bounded load test of ``bid serve``: concurrent HTTP clients against a real server.

Run from the project root with the project's virtualenv::

    python bench/load_server.py [--quick] [--seconds 5] [--clients 8] [--dids 100]

It builds a SQLite registry in a temporary directory (``--dids`` did:bid DIDs, each a
signed ``create`` through the did:bid builders), starts ``python -m bid serve`` on a free
loopback port (the production set-up: ``CachedResolver`` with a 60 s TTL over the method
router), waits for ``/health`` (at most 20 s), then runs ``--clients`` threads, each with
its own ``httpx.Client`` (keep-alive), for ``--seconds`` (2 with ``--quick``). Every
request resolves a DID drawn at random from an even mix of the registered did:bid DIDs and
as many did:key DIDs, with ``Accept: application/did-resolution``; it counts as an error
unless the status is 200, the media type is ``application/did-resolution`` and the body
names the DID. Every DID is resolved once before the clock starts, so the timed run sees
a warm cache, as a driver does for the DIDs it is asked about again and again; an
uncached did:bid read costs what ``bench_registry.py`` measures on top.

It prints requests, errors, throughput and latency percentiles (client-side, per request,
connection reuse included), stops the server with SIGINT and checks that it exits 0.
Exit status: 0, or 1 if any request failed or the server did not stop cleanly. The
clients and the server share the machine: on 2 vCPUs the client threads take a good part
of it, so the throughput is a floor, not the server's ceiling.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import platform
import random
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

import httpx

from bid.keys import Ed25519PrivateKey
from bid.methods.bid import create_operation, new_document, with_proof
from bid.registry import load_registry

STARTUP_SECONDS = 20.0
STOP_SECONDS = 20.0
T_DOC = datetime(2024, 5, 1, 12, 0, tzinfo=timezone.utc)
ACCEPT = "application/did-resolution"


def _key(label: str) -> Ed25519PrivateKey:
    return Ed25519PrivateKey.from_seed(hashlib.sha256(label.encode()).digest())


def build_registry(path: Path, count: int) -> list[str]:
    """Register ``count`` did:bid DIDs in a new SQLite registry; returns them."""
    registry = load_registry(f"sqlite:{path}")
    dids = []
    try:
        for index in range(count):
            key = _key(f"load-{index}")
            services = [("hub", "LinkedDomains", f"https://{index}.example/")]
            document = with_proof(new_document(key, now=T_DOC, services=services), key)
            dids.append(registry.submit(create_operation(document, key)).did)
    finally:
        close = getattr(registry, "close", None)
        if callable(close):
            close()
    return dids


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


@dataclass
class Tally:
    """One client thread's figures."""

    latencies: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


def client_loop(base: str, dids: list[str], seed: int, stop_at: float, tally: Tally) -> None:
    chooser = random.Random(seed)
    with httpx.Client(base_url=base, timeout=10.0, headers={"Accept": ACCEPT}) as client:
        while time.perf_counter() < stop_at:
            did = chooser.choice(dids)
            began = time.perf_counter()
            try:
                response = client.get("/1.0/identifiers/" + did)
                ok = (
                    response.status_code == 200
                    and response.headers.get("content-type") == ACCEPT
                    and did.encode() in response.content
                )
                problem = f"{did}: HTTP {response.status_code}"
            except httpx.HTTPError as exc:
                ok, problem = False, f"{did}: {type(exc).__name__}: {exc}"
            tally.latencies.append(time.perf_counter() - began)
            if not ok:
                tally.errors.append(problem)


def wait_healthy(base: str, server: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + STARTUP_SECONDS
    with httpx.Client(base_url=base, timeout=2.0) as client:
        while True:
            if server.poll() is not None:
                raise RuntimeError(f"bid serve exited with {server.returncode} during startup")
            if time.monotonic() > deadline:
                raise RuntimeError(f"bid serve did not answer /health in {STARTUP_SECONDS:g} s")
            try:
                if client.get("/health").status_code == 200:
                    return
            except httpx.TransportError:
                pass
            time.sleep(0.05)


def warm_up(base: str, dids: list[str]) -> list[str]:
    errors = []
    with httpx.Client(base_url=base, timeout=10.0, headers={"Accept": ACCEPT}) as client:
        for did in dids:
            response = client.get("/1.0/identifiers/" + did)
            if response.status_code != 200:
                errors.append(f"warm-up {did}: HTTP {response.status_code}")
    return errors


def percentile(sorted_values: list[float], fraction: float) -> float:
    index = min(len(sorted_values) - 1, max(0, round(fraction * (len(sorted_values) - 1))))
    return sorted_values[index]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0] if __doc__ else None)
    parser.add_argument("--seconds", type=float, default=5.0, help="length of the timed run")
    parser.add_argument("--quick", action="store_true", help="a 2-second run (CI smoke)")
    parser.add_argument("--clients", type=int, default=8, help="concurrent client threads")
    parser.add_argument("--dids", type=int, default=100, help="did:bid DIDs (and did:key)")
    parser.add_argument("--json", metavar="PATH", help="also write the figures here")
    args = parser.parse_args(argv)
    seconds = 2.0 if args.quick else args.seconds
    if seconds <= 0 or args.clients < 1 or args.dids < 1:
        parser.error("--seconds, --clients and --dids must be positive")

    with tempfile.TemporaryDirectory(prefix="bid-load-") as directory:
        registry_path = Path(directory) / "registry.sqlite3"
        began = time.perf_counter()
        bids = build_registry(registry_path, args.dids)
        keys = [_key(f"load-key-{i}").public_key.did_key for i in range(args.dids)]
        print(f"registry: {len(bids)} did:bid in {time.perf_counter() - began:.1f} s")
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        command = [
            sys.executable,
            "-m",
            "bid",
            "serve",
            "--port",
            str(port),
            "--registry",
            f"sqlite:{registry_path}",
        ]
        with open(Path(directory) / "server.err", "wb") as server_err:
            server = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=server_err)
            try:
                wait_healthy(base, server)
                errors = warm_up(base, bids + keys)
                tallies = [Tally() for _ in range(args.clients)]
                stop_at = time.perf_counter() + seconds
                threads = [
                    threading.Thread(
                        target=client_loop, args=(base, bids + keys, seed, stop_at, tally)
                    )
                    for seed, tally in enumerate(tallies)
                ]
                started = time.perf_counter()
                for thread in threads:
                    thread.start()
                for thread in threads:
                    thread.join(seconds + 30)
                elapsed = time.perf_counter() - started
                if any(thread.is_alive() for thread in threads):
                    errors.append("a client thread did not finish")
            finally:
                server.send_signal(signal.SIGINT)
                try:
                    server_code: int | None = server.wait(STOP_SECONDS)
                except subprocess.TimeoutExpired:
                    server.kill()
                    server.wait(STOP_SECONDS)
                    server_code = None
        server_log = (Path(directory) / "server.err").read_text(errors="replace")

    latencies = sorted(x for tally in tallies for x in tally.latencies)
    errors += [e for tally in tallies for e in tally.errors]
    if server_code != 0:
        errors.append(f"bid serve did not exit 0 on SIGINT (exit {server_code})")
    requests = len(latencies)
    figures: dict[str, object] = {
        "clients": args.clients,
        "seconds": round(elapsed, 2),
        "dids": {"bid": len(bids), "key": len(keys)},
        "requests": requests,
        "errors": len(errors),
        "throughput_rps": round(requests / elapsed, 1) if elapsed else 0.0,
        "p50_ms": round(statistics.median(latencies) * 1000, 2) if latencies else None,
        "p90_ms": round(percentile(latencies, 0.90) * 1000, 2) if latencies else None,
        "p99_ms": round(percentile(latencies, 0.99) * 1000, 2) if latencies else None,
        "max_ms": round(latencies[-1] * 1000, 2) if latencies else None,
        "python": platform.python_version(),
        "machine": f"{platform.machine()}, {_cpus()} CPUs",
    }
    print(
        f"{args.clients} clients x {elapsed:.1f} s against bid serve ({base}), "
        f"{len(bids)} did:bid + {len(keys)} did:key, warm cache"
    )
    print(f"requests    {requests}")
    print(f"errors      {len(errors)}")
    print(f"throughput  {figures['throughput_rps']} requests/s")
    print(
        f"latency ms  p50 {figures['p50_ms']}  p90 {figures['p90_ms']}  "
        f"p99 {figures['p99_ms']}  max {figures['max_ms']}"
    )
    for error in errors[:10]:
        print(f"  error: {error}")
    if errors and server_log:
        print("server stderr (last lines):\n" + "\n".join(server_log.splitlines()[-20:]))
    if args.json:
        Path(args.json).write_text(json.dumps(figures, indent=2) + "\n", encoding="utf-8")
    return 1 if errors or requests == 0 else 0


def _cpus() -> int:
    import os

    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


if __name__ == "__main__":
    sys.exit(main())
