"""Log in with your BID: a web app that authenticates by challenge-response, no password.

The app (Starlette, served by uvicorn on 127.0.0.1 and a free port) has three routes:

* ``POST /challenge`` hands out a fresh challenge, good for one login within five minutes
  (``bid.MemoryChallengeStore``), with the app's domain;
* ``POST /login`` takes a verifiable presentation signed for that challenge and domain by
  the user's BID key; when it verifies, the app opens a session (a random cookie);
* ``GET /me`` says who the session belongs to.

The user's wallet is the client half of this script: its key stays in the wallet, only the
signed presentation travels. The user's BID lives on an embedded SQLite registry in a
temporary directory, which the app resolves. The script then shows that replaying the same
presentation is refused, and so is a presentation signed by someone else's key.

Run it with (needs the ``server`` and ``http`` extras)::

    python examples/login_with_bid.py

It exits with status 0 when the login succeeds and both attacks are refused.
"""

from __future__ import annotations

import secrets
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import httpx
import uvicorn
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

import bid
from bid.backends.sqlite import SQLiteRegistry
from bid.methods.bid import BidMethod, create_operation, new_document
from bid.methods.key import KeyMethod
from bid.resolver import MethodRouter, Resolver

DOMAIN = "login.example.com"
COOKIE = "session"

# -- the web app -------------------------------------------------------------------------


def create_login_app(resolver: Resolver) -> Starlette:
    """The app: challenges, logins by presentation, and sessions held in memory."""
    challenges = bid.MemoryChallengeStore(ttl=300)
    sessions: dict[str, str] = {}  # session cookie -> the DID that logged in

    async def challenge(request: Request) -> JSONResponse:
        return JSONResponse({"challenge": challenges.issue(), "domain": DOMAIN})

    async def login(request: Request) -> JSONResponse:
        try:
            presentation = await request.json()
        except ValueError:
            return JSONResponse({"errors": ["not JSON"]}, status_code=400)
        # Checks the holder's signature (resolving the BID), that the proof is for
        # authentication, the domain, and the challenge: issued here, unexpired, unused.
        # Resolution may block, so it runs in a worker thread, not on the event loop.
        result = await run_in_threadpool(
            bid.verify_presentation,
            presentation,
            resolver=resolver,
            domain=DOMAIN,
            challenge_store=challenges,
        )
        if not result.verified or result.document is None:
            return JSONResponse({"errors": [e["code"] for e in result.errors]}, status_code=401)
        user = str(result.document["holder"])
        token = secrets.token_urlsafe(32)
        sessions[token] = user
        response = JSONResponse({"did": user})
        # Served over HTTPS in production: add secure=True there.
        response.set_cookie(COOKIE, token, httponly=True, samesite="strict")
        return response

    async def me(request: Request) -> JSONResponse:
        user = sessions.get(request.cookies.get(COOKIE, ""))
        if user is None:
            return JSONResponse({"error": "not logged in"}, status_code=401)
        return JSONResponse({"did": user})

    return Starlette(
        routes=[
            Route("/challenge", challenge, methods=["POST"]),
            Route("/login", login, methods=["POST"]),
            Route("/me", me, methods=["GET"]),
        ]
    )


@contextmanager
def serving(app: Starlette) -> Iterator[str]:
    """Run ``app`` on a free loopback port in a thread; yield its base URL, then stop it."""
    config = uvicorn.Config(app, host="127.0.0.1", port=0, log_config=None, lifespan="off")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise OSError("the app did not start")
        time.sleep(0.01)
    port = server.servers[0].sockets[0].getsockname()[1]
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(10)


# -- the wallet ----------------------------------------------------------------------------


def sign_in(http: httpx.Client, did: str, key: bid.PrivateKey) -> dict[str, Any]:
    """Ask for a challenge and answer it with a presentation signed by ``key``."""
    offer = http.post("/challenge").json()
    presentation = bid.present(
        [],
        key,
        holder=did,
        verification_method=f"{did}#key-1",
        challenge=offer["challenge"],
        domain=offer["domain"],
    )
    assert isinstance(presentation, dict)
    return presentation


def main() -> int:
    key = bid.Ed25519PrivateKey.generate()  # the user's key: it never leaves the wallet
    with (
        tempfile.TemporaryDirectory() as tmp,
        SQLiteRegistry(Path(tmp) / "registry.sqlite3") as registry,
    ):
        document = new_document(key, now=datetime.now(timezone.utc))
        registry.submit(create_operation(document, key))
        did = document.id
        print(f"user: {did}")

        app = create_login_app(MethodRouter([KeyMethod(), BidMethod(registry)]))
        with serving(app) as base, httpx.Client(base_url=base, timeout=10) as http:
            print(f"before login, /me: {http.get('/me').status_code}")

            presentation = sign_in(http, did, key)
            login = http.post("/login", json=presentation)
            me = http.get("/me")
            print(f"login: {login.status_code}, /me: {me.status_code} {me.json()}")

            # Someone who captured the presentation sends it again, without the cookie.
            with httpx.Client(base_url=base, timeout=10) as attacker:
                replay = attacker.post("/login", json=presentation)
                print(f"replayed presentation: {replay.status_code} {replay.json()}")

                # Or signs a fresh challenge with a key the BID does not list.
                forged = attacker.post(
                    "/login", json=sign_in(attacker, did, bid.Ed25519PrivateKey.generate())
                )
                print(f"presentation by another key: {forged.status_code} {forged.json()}")
                stranger = attacker.get("/me").status_code

    ok = (
        login.status_code == 200
        and me.json() == {"did": did}
        and replay.status_code == 401
        and forged.status_code == 401
        and stranger == 401
    )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
