"""Serve a Universal Resolver driver and resolve DIDs through it.

The driver (``bid.server``) answers ``GET /1.0/identifiers/{did}`` for did:bid (from an
embedded SQLite registry in a temporary directory) and did:key. It runs in uvicorn on
127.0.0.1, on a free port chosen by the system, in a background thread; the Universal
Resolver client (``bid.backends.uniresolver``) then resolves through it, as a program on
another machine would, and the server is stopped.

Run it with (needs the ``server`` and ``http`` extras)::

    python examples/resolver_driver.py

It prints the driver's address and each resolution, and exits with status 0 when the
registered BID and the did:key resolve and an unregistered BID is ``notFound``.
"""

from __future__ import annotations

import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path

import uvicorn
from starlette.types import ASGIApp

import bid
from bid.backends.http import HttpPolicy
from bid.backends.sqlite import SQLiteRegistry
from bid.backends.uniresolver import UniversalResolverClient
from bid.methods.bid import BidMethod, create_operation, new_document
from bid.methods.key import KeyMethod
from bid.resolver import CachedResolver, MethodRouter
from bid.server import create_app


@contextmanager
def serving(app: ASGIApp) -> Iterator[str]:
    """Run ``app`` on a free loopback port in a thread; yield its base URL, then stop it.

    A standalone driver would call ``bid.server.run(app, host, port)`` (what ``bid serve``
    does), which serves until SIGINT or SIGTERM; here the same app runs only for a moment.
    """
    config = uvicorn.Config(app, host="127.0.0.1", port=0, log_config=None, lifespan="off")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise OSError("the driver did not start")
        time.sleep(0.01)
    port = server.servers[0].sockets[0].getsockname()[1]
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(10)


def main() -> int:
    key = bid.Ed25519PrivateKey.generate()
    holder = bid.Ed25519PrivateKey.generate().did_key
    missing = str(bid.Ed25519PrivateKey.generate().public_key.bid())

    with (
        tempfile.TemporaryDirectory() as tmp,
        SQLiteRegistry(Path(tmp) / "registry.sqlite3") as registry,
    ):
        document = new_document(
            key,
            now=datetime.now(timezone.utc),
            services=[("hub", "LinkedDomains", "https://example.com/")],
        )
        registry.submit(create_operation(document, key))

        # The driver: did:bid from the registry, did:key offline, answers cached a minute.
        app = create_app(CachedResolver(MethodRouter([KeyMethod(), BidMethod(registry)]), ttl=60))
        # Loopback is a private address: a client must be told it may go there.
        policy = HttpPolicy(allow_private_networks=True, total_timeout=10.0)
        with serving(app) as base, UniversalResolverClient(base, policy=policy) as client:
            print(f"driver:  {base}/1.0/identifiers/{{did}}")
            found = client.resolve(document.id)
            resolved = found.raise_for_error()
            print(f"resolved {resolved.id}")
            print(f"  versionId {found.did_document_metadata.get('versionId')}")
            print(f"  services {[s.to_json()['serviceEndpoint'] for s in resolved.service]}")
            by_key = client.resolve(holder).raise_for_error()
            print(f"resolved {by_key.id} ({len(by_key.verification_method)} method(s))")
            absent = client.resolve(missing)
            print(f"resolving {missing}: {absent.error}")
        print("driver stopped")

    ok = resolved.id == document.id and by_key.id == holder and absent.error == "notFound"
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
