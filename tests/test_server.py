"""The Universal Resolver driver (bid.server) over real HTTP on loopback, and ``bid serve``.

Each app runs in uvicorn on a free port in a background thread; httpx is the client.
The registry is a SQLite file built through the did:bid builders: ALICE (sub-chain ab12,
two versions), BOB (created, then deactivated), CAROL (a valid BID never registered).

References: standards-and-peers.md sections 1 (Universal Resolver driver contract) and 4
(DID Resolution HTTP mapping: 400/400/400/404/406/500/501/501/500, deactivated 410);
the DID Resolution HTTP(S) binding (303 for a service endpoint URL); RFC 9457;
bid-method.md section 6.1 (RFC-005 paths and envelope).
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn

import bid
from bid import cli
from bid._json import JSONValue
from bid.ddo import BIDDocument
from bid.methods.bid import (
    BidMethod,
    create_operation,
    new_document,
    next_operation,
    updated_document,
    with_proof,
)
from bid.methods.key import KeyMethod
from bid.registry import Registry, load_registry
from bid.resolver import CachedResolver, MethodRouter, ResolutionResult
from bid.server import BIF_PREFIX, DEFAULT_TEST_IDENTIFIERS, create_app

NS = "https://www.w3.org/ns/did#"
ROOT = "/1.0/identifiers/"
T1 = datetime(2024, 5, 1, 10, 0, tzinfo=timezone.utc)
T2 = datetime(2024, 5, 2, 10, 0, tzinfo=timezone.utc)
STARTUP_SECONDS = 20.0


def _ed(label: str) -> bid.Ed25519PrivateKey:
    return bid.Ed25519PrivateKey.from_seed(hashlib.sha256(label.encode()).digest())


@dataclass(frozen=True)
class World:
    registry: Registry
    alice: str
    bob: str
    carol: str
    did_key: str
    alice_v2: BIDDocument


def _build_registry(path: Path) -> World:
    registry = load_registry(f"sqlite:{path}")
    alice_key, bob_key = _ed("alice"), _ed("bob")
    first = with_proof(
        new_document(
            alice_key,
            now=T1,
            ac="ab12",
            services=[("hub", "LinkedDomains", "https://alice.example/")],
        ),
        alice_key,
    )
    head = registry.submit(create_operation(first, alice_key))
    extension = {
        **first.to_json()["extension"],
        "attributes": [{"key": "name", "value": "Alice"}],
        "acsns": ["ab12"],
        "verifiableCredentials": [{"id": "vc-1", "type": 1}],
    }
    second = updated_document(
        first, now=T2, services=[("files", "FileStore", "https://files.alice.example/")]
    ).with_changes(extension=extension)
    second = with_proof(second, alice_key)
    registry.submit(next_operation("update", head, alice_key, document=second))
    bob_doc = with_proof(new_document(bob_key, now=T1), bob_key)
    bob_head = registry.submit(create_operation(bob_doc, bob_key))
    registry.submit(next_operation("deactivate", bob_head, bob_key))
    return World(
        registry=registry,
        alice=first.id,
        bob=bob_doc.id,
        carol=str(_ed("carol").public_key.bid()),
        did_key=_ed("dave").public_key.did_key,
        alice_v2=second,
    )


@contextmanager
def serving(app: Any) -> Iterator[str]:
    """Run ``app`` in uvicorn on a free loopback port; yields the base URL."""
    config = uvicorn.Config(
        app, host="127.0.0.1", port=0, log_config=None, access_log=False, lifespan="off"
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, name="test-uvicorn", daemon=True)
    thread.start()
    try:
        deadline = time.monotonic() + STARTUP_SECONDS
        while not server.started:
            assert thread.is_alive(), "the server thread died during startup"
            assert time.monotonic() < deadline, "the server did not start in time"
            time.sleep(0.01)
        port = server.servers[0].sockets[0].getsockname()[1]
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(STARTUP_SECONDS)
        assert not thread.is_alive(), "the server did not stop"


@contextmanager
def client_for(app: Any) -> Iterator[httpx.Client]:
    with serving(app) as base, httpx.Client(base_url=base, timeout=10.0) as client:
        yield client


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    built = _build_registry(tmp_path_factory.mktemp("server") / "registry.sqlite3")
    yield built
    close = getattr(built.registry, "close", None)
    assert callable(close)
    close()


@pytest.fixture(scope="module")
def client(world: World) -> Iterator[httpx.Client]:
    router = MethodRouter([KeyMethod(), BidMethod(world.registry)])
    with client_for(create_app(CachedResolver(router, ttl=60, max_size=100))) as http_client:
        yield http_client


def _error(body: Mapping[str, Any], key: str = "didResolutionMetadata") -> Mapping[str, Any]:
    error = body[key]["error"]
    assert set(error) >= {"type", "title", "detail"}
    assert isinstance(error, dict)
    return error


def _assert_result_error(response: httpx.Response, status: int, type_suffix: str) -> Any:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/did-resolution"
    body = response.json()
    assert body["didDocument"] is None
    assert _error(body)["type"] == NS + type_suffix
    return body


def _assert_dereferencing_error(response: httpx.Response, status: int, type_suffix: str) -> Any:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/did-url-dereferencing"
    body = response.json()
    assert body["contentStream"] is None
    assert _error(body, "dereferencingMetadata")["type"] == NS + type_suffix
    return body


def _assert_problem(response: httpx.Response, status: int) -> Any:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    body = response.json()
    assert body["status"] == status
    assert body["type"] == "about:blank"
    assert isinstance(body["title"], str)
    assert isinstance(body["detail"], str)
    return body


# -- resolution ------------------------------------------------------------------------------


def test_resolution_result_by_default(client: httpx.Client, world: World) -> None:
    response = client.get(ROOT + world.alice)
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/did-resolution"
    assert response.headers["x-content-type-options"] == "nosniff"
    assert len(response.headers["x-request-id"]) == 16
    body = response.json()
    assert body["didDocument"]["id"] == world.alice
    assert body["didResolutionMetadata"] == {"contentType": "application/did+ld+json"}
    assert body["didDocumentMetadata"]["versionId"] == "2"
    assert "nextVersionId" not in body["didDocumentMetadata"]
    services = [s["id"] for s in body["didDocument"]["service"]]
    assert services == [f"{world.alice}#hub", f"{world.alice}#files"]


RESULT_ACCEPTS = [
    ("*/*", "application/did-resolution"),
    ("", "application/did-resolution"),
    ("application/did-resolution", "application/did-resolution"),
    (
        'application/did-resolution;profile="https://w3id.org/did-resolution"',
        "application/did-resolution",
    ),
    (
        'application/ld+json;profile="https://w3id.org/did-resolution"',
        'application/ld+json;profile="https://w3id.org/did-resolution"',
    ),
    ("application/*", "application/did-resolution"),
    ("application/did+json;q=0.5, application/did-resolution;q=0.9", "application/did-resolution"),
    ("text/html, application/xhtml+xml;q=0.9, */*;q=0.8", "application/did-resolution"),
]


@pytest.mark.parametrize(("accept", "content_type"), RESULT_ACCEPTS)
def test_negotiates_the_resolution_result(
    client: httpx.Client, world: World, accept: str, content_type: str
) -> None:
    response = client.get(ROOT + world.alice, headers={"Accept": accept})
    assert response.status_code == 200
    assert response.headers["content-type"] == content_type
    body = response.json()
    assert set(body) == {"@context", "didDocument", "didResolutionMetadata", "didDocumentMetadata"}
    assert body["didDocument"]["id"] == world.alice


@pytest.mark.parametrize(
    ("accept", "content_type", "has_context"),
    [
        ("application/did+ld+json", "application/did+ld+json", True),
        ("application/did+json", "application/did+json", False),
        ("application/did", "application/did", True),
        ("text/html, application/did+json;q=0.1", "application/did+json", False),
        ("application/did+json, */*;q=0.1", "application/did+json", False),
    ],
)
def test_negotiates_the_document(
    client: httpx.Client, world: World, accept: str, content_type: str, has_context: bool
) -> None:
    for did in (world.alice, world.did_key):
        response = client.get(ROOT + did, headers={"Accept": accept})
        assert response.status_code == 200
        assert response.headers["content-type"] == content_type
        document = response.json()
        assert document["id"] == did
        assert ("@context" in document) is has_context
        assert "didDocumentMetadata" not in document


def test_resolution_in_the_dereferencing_shape(client: httpx.Client, world: World) -> None:
    response = client.get(
        ROOT + world.alice, headers={"Accept": "application/did-url-dereferencing"}
    )
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/did-url-dereferencing"
    body = response.json()
    assert body["contentStream"]["id"] == world.alice
    assert body["contentMetadata"]["versionId"] == "2"
    assert body["dereferencingMetadata"]["contentType"] == "application/did+ld+json"


@pytest.mark.parametrize(
    "accept",
    ["text/html", "application/json", "application/did+json;q=0", "image/*", "application/xml"],
)
def test_unsupported_media_type_is_406(client: httpx.Client, world: World, accept: str) -> None:
    response = client.get(ROOT + world.alice, headers={"Accept": accept})
    body = _assert_result_error(response, 406, "REPRESENTATION_NOT_SUPPORTED")
    assert "application/did+json" in _error(body)["detail"]


def test_percent_encoded_did_is_the_same_did(client: httpx.Client, world: World) -> None:
    assert world.alice.startswith("did:bid:ab12:ef")
    encoded = world.alice.replace(":", "%3A")
    plain = client.get(ROOT + world.alice)
    coded = client.get(ROOT + encoded)
    assert b"%3A" in coded.request.url.raw_path
    assert coded.status_code == plain.status_code == 200
    assert coded.json() == plain.json()
    partly = client.get(ROOT + "did:bid:ab12%3A" + world.alice.rpartition(":")[2])
    assert partly.json()["didDocument"]["id"] == world.alice


def test_did_key_resolves(client: httpx.Client, world: World) -> None:
    response = client.get(ROOT + world.did_key)
    assert response.status_code == 200
    body = response.json()
    assert body["didDocument"]["id"] == world.did_key
    assert body["didDocument"]["verificationMethod"][0]["type"] == "Multikey"


# -- versions, deactivation, errors ------------------------------------------------------------


def test_version_id(client: httpx.Client, world: World) -> None:
    response = client.get(ROOT + world.alice, params={"versionId": "1"})
    assert response.status_code == 200
    body = response.json()
    assert body["didDocumentMetadata"]["versionId"] == "1"
    assert body["didDocumentMetadata"]["nextVersionId"] == "2"
    assert [s["id"] for s in body["didDocument"]["service"]] == [f"{world.alice}#hub"]
    latest = client.get(ROOT + world.alice, params={"versionTime": "2999-01-01T00:00:00Z"})
    assert latest.json()["didDocumentMetadata"]["versionId"] == "2"
    encoded = client.get(ROOT + world.alice + "%3FversionId%3D1")
    assert encoded.json()["didDocumentMetadata"]["versionId"] == "1"


def test_host_header_does_not_reach_the_did_url(client: httpx.Client, world: World) -> None:
    for host in ("x?versionId=1#", "x/1.0/identifiers/did:web:a?"):
        response = client.get(ROOT + world.alice, headers={"Host": host})
        assert response.status_code == 200
        assert response.json()["didDocumentMetadata"]["versionId"] == "2"
    missing = client.get("/nothing", headers={"Host": "x/health?"})
    assert _assert_problem(missing, 404)["detail"] == "no resource at /nothing"


def test_version_errors(client: httpx.Client, world: World) -> None:
    body = _assert_result_error(
        client.get(ROOT + world.alice, params={"versionId": "3"}), 404, "NOT_FOUND"
    )
    assert "no such version" in _error(body)["detail"]
    _assert_result_error(
        client.get(ROOT + world.alice, params={"versionId": "one"}), 400, "INVALID_OPTIONS"
    )
    blank = client.get(ROOT + world.alice + "?versionId=")
    _assert_result_error(blank, 400, "INVALID_OPTIONS")
    both = {"versionId": "1", "versionTime": "2999-01-01T00:00:00Z"}
    _assert_result_error(client.get(ROOT + world.alice, params=both), 400, "INVALID_OPTIONS")


@pytest.mark.parametrize(
    ("accept", "content_type"),
    [
        ("application/did-resolution", "application/did-resolution"),
        ("application/did+json", "application/did+json"),
    ],
)
def test_deactivated_is_410_with_a_body(
    client: httpx.Client, world: World, accept: str, content_type: str
) -> None:
    response = client.get(ROOT + world.bob, headers={"Accept": accept})
    assert response.status_code == 410
    assert response.headers["content-type"] == content_type
    body = response.json()
    if content_type == "application/did-resolution":
        assert body["didDocumentMetadata"]["deactivated"] is True
        assert body["didDocument"] == {
            "@context": ["https://www.w3.org/ns/did/v1"],
            "id": world.bob,
        }
    else:
        assert body == {"id": world.bob}


def test_not_found_is_404(client: httpx.Client, world: World) -> None:
    body = _assert_result_error(client.get(ROOT + world.carol), 404, "NOT_FOUND")
    assert body["didDocumentMetadata"] == {}
    assert world.carol in _error(body)["detail"]
    # whatever the Accept: an error is a result
    again = client.get(ROOT + world.carol, headers={"Accept": "application/did+json"})
    _assert_result_error(again, 404, "NOT_FOUND")


@pytest.mark.parametrize(
    ("identifier", "type_suffix"),
    [
        ("not-a-did", "INVALID_DID"),
        ("did:BID:efe9Go8grZgiMy2ZFDEYgAtEZUfsNaoy", "INVALID_DID"),
        ("did:bid:xyz", "INVALID_DID"),
        ("did:bid:", "INVALID_DID"),
        ("", "INVALID_DID"),
        ("did:key:zQ3shokFTS3brHcDQrn82RZDfCZESWL1ZdCEJwekUDPQiYBme", "INVALID_DID"),
        ("did:key:z" + "1" * 40, "INVALID_DID"),
    ],
)
def test_invalid_did_is_400(client: httpx.Client, identifier: str, type_suffix: str) -> None:
    _assert_result_error(client.get(ROOT + identifier), 400, type_suffix)


def test_invalid_did_key_public_key_is_400(client: httpx.Client) -> None:
    # did:key's own codes: the DID is wrong, so a client error, not the table's 500.
    from bid._codec import multibase_encode_z

    short = "did:key:" + multibase_encode_z(b"\xed\x01" + bytes(31))
    _assert_result_error(client.get(ROOT + short), 400, "INVALID_PUBLIC_KEY_LENGTH")
    off_curve = "did:key:" + multibase_encode_z(b"\xed\x01\x01" + bytes(31))
    _assert_result_error(client.get(ROOT + off_curve), 400, "INVALID_PUBLIC_KEY")


@pytest.mark.parametrize("did", ["did:web:example.com", "did:example:123", "did:ethr:0xabc"])
def test_method_not_supported_is_501(client: httpx.Client, did: str) -> None:
    body = _assert_result_error(client.get(ROOT + did), 501, "METHOD_NOT_SUPPORTED")
    assert did.split(":")[1] in _error(body)["detail"]


def test_methods_limit_what_is_resolved(world: World) -> None:
    calls: list[str] = []

    class Spy:
        def resolve(
            self, did: str, options: Mapping[str, JSONValue] | None = None
        ) -> ResolutionResult:
            calls.append(did)
            return MethodRouter([KeyMethod()]).resolve(did, options)

    with client_for(create_app(Spy(), methods=("key",))) as http_client:
        assert http_client.get(ROOT + world.did_key).status_code == 200
        _assert_result_error(http_client.get(ROOT + world.alice), 501, "METHOD_NOT_SUPPORTED")
        _assert_dereferencing_error(
            http_client.get(ROOT + world.alice + "%23key-1"), 501, "METHOD_NOT_SUPPORTED"
        )
        assert http_client.get("/1.0/methods").json() == ["key"]
        assert http_client.get("/1.0/testIdentifiers").json() == {
            "key": list(DEFAULT_TEST_IDENTIFIERS["key"])
        }
        _assert_problem(http_client.get(f"{BIF_PREFIX}/{world.alice}"), 404)
    assert calls == [world.did_key]


# -- DID URLs ------------------------------------------------------------------------------------


def test_fragment_dereferences_the_verification_method(client: httpx.Client, world: World) -> None:
    response = client.get(ROOT + world.alice + "%23key-1")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/did+ld+json"
    method = response.json()
    assert method["id"] == world.alice + "#key-1"
    assert method["controller"] == world.alice
    as_json = client.get(
        ROOT + world.alice + "%23key-1", headers={"Accept": "application/did+json"}
    )
    assert as_json.headers["content-type"] == "application/did+json"
    assert as_json.json() == method
    full = client.get(
        ROOT + world.alice + "%23key-1", headers={"Accept": "application/did-url-dereferencing"}
    )
    assert full.status_code == 200
    assert full.headers["content-type"] == "application/did-url-dereferencing"
    assert full.json()["contentStream"] == method
    assert full.json()["contentMetadata"]["versionId"] == "2"


def test_fragment_of_an_old_version(client: httpx.Client, world: World) -> None:
    response = client.get(
        ROOT + world.alice + "%23files",
        params={"versionId": "1"},
        headers={"Accept": "application/did-url-dereferencing"},
    )
    _assert_dereferencing_error(response, 404, "NOT_FOUND")
    now = client.get(ROOT + world.alice + "%23files")
    assert now.status_code == 200
    assert now.json()["serviceEndpoint"] == "https://files.alice.example/"


def test_service_with_relative_ref_redirects(client: httpx.Client, world: World) -> None:
    query = {"service": "hub", "relativeRef": "/inbox?x=1"}
    response = client.get(ROOT + world.alice, params=query)
    assert response.status_code == 303
    assert response.headers["location"] == "https://alice.example/inbox?x=1"
    assert response.headers["content-type"].startswith("text/uri-list")
    assert response.text.strip() == "https://alice.example/inbox?x=1"
    as_list = client.get(ROOT + world.alice, params=query, headers={"Accept": "text/uri-list"})
    assert as_list.status_code == 303
    full = client.get(
        ROOT + world.alice, params=query, headers={"Accept": "application/did-url-dereferencing"}
    )
    assert full.status_code == 200
    assert full.json()["contentStream"] == "https://alice.example/inbox?x=1"
    assert full.json()["dereferencingMetadata"]["contentType"] == "text/uri-list"


@pytest.mark.parametrize(
    ("suffix", "params", "accept", "status", "type_suffix"),
    [
        ("%23nothing", {}, "*/*", 404, "NOT_FOUND"),
        ("", {"service": "nothing"}, "*/*", 404, "NOT_FOUND"),
        ("", {"foo": "1"}, "*/*", 501, "FEATURE_NOT_SUPPORTED"),
        ("/some/path", {}, "*/*", 501, "FEATURE_NOT_SUPPORTED"),
        ("%23bad%20fragment", {}, "*/*", 400, "INVALID_DID_URL"),
        ("%23key-1", {}, "text/uri-list", 406, "REPRESENTATION_NOT_SUPPORTED"),
        ("%23key-1", {}, "text/html", 406, "REPRESENTATION_NOT_SUPPORTED"),
    ],
)
def test_dereferencing_errors(
    client: httpx.Client,
    world: World,
    suffix: str,
    params: dict[str, str],
    accept: str,
    status: int,
    type_suffix: str,
) -> None:
    response = client.get(ROOT + world.alice + suffix, params=params, headers={"Accept": accept})
    _assert_dereferencing_error(response, status, type_suffix)


def test_dereferencing_a_missing_did(client: httpx.Client, world: World) -> None:
    _assert_dereferencing_error(client.get(ROOT + world.carol + "%23key-1"), 404, "NOT_FOUND")
    # a well-formed DID URL whose DID is not a valid BID
    _assert_dereferencing_error(client.get(ROOT + "did:bid:xyz%23key-1"), 400, "INVALID_DID")


# -- limits ----------------------------------------------------------------------------------------


def test_overlong_url_is_414(client: httpx.Client, world: World) -> None:
    response = client.get(ROOT + world.alice + "%23" + "k" * 9000)
    body = _assert_problem(response, 414)
    assert "8192" in body["detail"]
    query = client.get(ROOT + world.alice, params={"versionId": "1" * 9000})
    _assert_problem(query, 414)
    # a long DID below the limit is the resolver's to refuse
    _assert_result_error(client.get(ROOT + "did:bid:" + "a" * 5000), 400, "INVALID_DID")


def test_post_is_405_and_a_large_body_413(client: httpx.Client, world: World) -> None:
    small = client.post(ROOT + world.alice, content=b"{}")
    _assert_problem(small, 405)
    assert set(small.headers["allow"].replace(" ", "").split(",")) == {"GET", "HEAD"}
    large = client.post(ROOT + world.alice, content=b"x" * 9000)
    _assert_problem(large, 413)
    on_get = client.request("GET", ROOT + world.alice, content=b"x" * 9000)
    _assert_problem(on_get, 413)
    _assert_problem(client.put("/health", content=b"x"), 405)


def test_unknown_route_is_404_problem(client: httpx.Client) -> None:
    body = _assert_problem(client.get("/2.0/identifiers/did:key:z6Mk"), 404)
    assert "/2.0/identifiers" in body["detail"]


def test_head_has_no_body(client: httpx.Client, world: World) -> None:
    response = client.head(ROOT + world.alice)
    assert response.status_code == 200
    assert response.content == b""


# -- helper endpoints --------------------------------------------------------------------------


def test_helper_endpoints(client: httpx.Client) -> None:
    assert client.get("/1.0/methods").json() == ["bid", "key"]
    identifiers = client.get("/1.0/testIdentifiers").json()
    assert identifiers == {"bid": [], "key": list(DEFAULT_TEST_IDENTIFIERS["key"])}
    for did in identifiers["key"]:
        assert client.get(ROOT + did).status_code == 200
    properties = client.get("/1.0/properties")
    assert properties.headers["content-type"] == "application/json"
    body = properties.json()
    assert body["version"] == bid.__version__
    assert body["patterns"] == ["^(did:bid:.+)$", "^(did:key:.+)$"]
    assert body["bifResolutionBase"] == BIF_PREFIX
    assert body["maxRequestBytes"] == 8192
    assert "application/did-resolution" in body["resolutionMediaTypes"]
    for path in ("/health", "/1.0/health"):
        health = client.get(path)
        assert (health.status_code, health.json()) == (200, {"status": "ok"})


def test_test_identifiers_are_configurable(world: World) -> None:
    app = create_app(
        MethodRouter([KeyMethod()]),
        test_identifiers={"bid": [world.alice], "key": [world.did_key], "web": ["did:web:x"]},
    )
    with client_for(app) as http_client:
        assert http_client.get("/1.0/testIdentifiers").json() == {
            "bid": [world.alice],
            "key": [world.did_key],
        }


def test_create_app_refuses_bad_limits() -> None:
    resolver = MethodRouter([KeyMethod()])
    for limits in ({"max_request_bytes": 0}, {"request_timeout": 0}, {"max_threads": 0}):
        with pytest.raises(ValueError, match="positive"):
            create_app(resolver, **limits)  # type: ignore[arg-type]


# -- BIF RFC-005 ----------------------------------------------------------------------------------


def _envelope(client: httpx.Client, path: str, code: int, **params: str) -> Any:
    response = client.get(BIF_PREFIX + path, params=params)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/json"
    body = response.json()
    assert body["errorCode"] == code, body
    assert isinstance(body["message"], str)
    if code == 0:
        assert body["message"] == "success"
    else:
        assert "data" not in body
    return body


def test_bif_document(client: httpx.Client, world: World) -> None:
    body = _envelope(client, f"/{world.alice}", 0)
    document = body["data"]["didDocument"]
    assert document == world.alice_v2.to_json()
    assert "publicKey" in document
    assert "verificationMethod" not in document
    assert BIDDocument.from_json(document).id == world.alice
    encoded = _envelope(client, "/" + world.alice.replace(":", "%3A"), 0)
    assert encoded == body


def test_bif_sub_resources(client: httpx.Client, world: World) -> None:
    alice = world.alice
    head = {"version": "1.0.0", "id": alice}
    keys = _envelope(client, f"/{alice}/public-keys", 0)["data"]
    assert keys == {**head, "publicKey": world.alice_v2.to_json()["publicKey"]}
    one = keys["publicKey"][0]
    assert _envelope(client, f"/{alice}/public-keys/key-1", 0)["data"] == {
        **head,
        "publicKey": one,
    }
    by_id = _envelope(client, f"/{alice}/public-keys/{alice}%23key-1", 0)["data"]
    assert by_id["publicKey"] == one
    assert _envelope(client, f"/{alice}/attributes", 0)["data"] == {
        **head,
        "attributes": [{"key": "name", "value": "Alice"}],
    }
    assert _envelope(client, f"/{alice}/acsns", 0)["data"] == {**head, "acsns": ["ab12"]}
    assert _envelope(client, f"/{alice}/verifiableCredentials", 0)["data"] == {
        **head,
        "verifiableCredentials": [{"id": "vc-1", "type": 1}],
    }
    services = _envelope(client, f"/{alice}/services", 0)["data"]["service"]
    assert [s["id"] for s in services] == [f"{alice}#hub", f"{alice}#files"]
    for service_id in ("hub", "#hub", f"{alice}#hub"):
        hub = _envelope(client, f"/{alice}/services", 0, id=service_id)["data"]
        assert hub == {**head, "service": services[0]}


def test_bif_errors(client: httpx.Client, world: World) -> None:
    _envelope(client, f"/{world.alice}/public-keys/key-9", 6)
    _envelope(client, f"/{world.alice}/services", 6, id="nothing")
    assert "not registered" in _envelope(client, f"/{world.carol}", 6)["message"]
    assert "deactivated" in _envelope(client, f"/{world.bob}", 6)["message"]
    assert "deactivated" in _envelope(client, f"/{world.bob}/public-keys", 6)["message"]
    assert "not a BID" in _envelope(client, "/not-a-bid", 2)["message"]
    _envelope(client, f"/{world.did_key}", 2)
    # a sub-chain BID: resolved on the BIF network, not here
    _envelope(client, "/did:bid:ab12", 6)


# -- logs ----------------------------------------------------------------------------------------


def _access_lines(
    caplog: pytest.LogCaptureFixture, responses: list[httpx.Response]
) -> dict[str, list[dict[str, Any]]]:
    """The access-log lines of ``responses`` by request id, waiting (bounded) for the
    server thread, which writes each line just after its response."""
    wanted = {r.headers["x-request-id"] for r in responses}
    deadline = time.monotonic() + 10
    while True:
        lines: dict[str, list[dict[str, Any]]] = {}
        for record in caplog.records:
            if record.name == "bid.server":
                line = json.loads(record.getMessage())
                lines.setdefault(line["requestId"], []).append(line)
        if wanted <= set(lines) or time.monotonic() > deadline:
            return {k: v for k, v in lines.items() if k in wanted}
        time.sleep(0.01)


def test_access_log_one_json_line_per_request(
    client: httpx.Client, world: World, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="bid.server")
    responses = [
        client.get(ROOT + world.alice),
        client.get(ROOT + world.carol),
        client.get(ROOT + world.did_key + "%23nothing"),
        client.post(ROOT + world.alice, content=b"{}"),
        client.get(f"{BIF_PREFIX}/{world.alice}"),
        client.get("/health"),
    ]
    _access_lines(caplog, responses)
    time.sleep(0.1)  # nothing more arrives
    lines = _access_lines(caplog, responses)
    assert all(len(found) == 1 for found in lines.values())
    by_id = {request_id: found[0] for request_id, found in lines.items()}
    assert len(by_id) == len(responses)
    for response in responses:
        line = by_id[response.headers["x-request-id"]]
        assert set(line) == {
            "method",
            "path",
            "status",
            "duration_ms",
            "didMethod",
            "error",
            "requestId",
        }
        assert line["status"] == response.status_code
        assert line["method"] == response.request.method
        assert line["duration_ms"] >= 0
    first, missing, no_key, post, bif, health = (
        by_id[r.headers["x-request-id"]] for r in responses
    )
    assert (first["path"], first["didMethod"], first["error"]) == (ROOT + world.alice, "bid", None)
    assert (missing["status"], missing["error"]) == (404, "notFound")
    assert (no_key["didMethod"], no_key["error"]) == ("key", "notFound")
    assert post["status"] == 405
    assert (bif["didMethod"], bif["status"]) == ("bid", 200)
    assert (health["didMethod"], health["path"]) == (None, "/health")
    text = json.dumps(lines)
    assert "publicKeyHex" not in text
    assert "serviceEndpoint" not in text


def test_access_log_truncates_long_paths(
    client: httpx.Client, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="bid.server")
    response = client.get(ROOT + "did:bid:" + "a" * 5000)
    assert response.status_code == 400
    ((line,),) = _access_lines(caplog, [response]).values()
    assert len(line["path"]) == 256


# -- failures inside the server ----------------------------------------------------------------


class Exploding:
    """A resolver with a bug: it raises something no resolver should."""

    def resolve(self, did: str, options: Mapping[str, JSONValue] | None = None) -> ResolutionResult:
        raise RuntimeError("secret /etc/bid/registry.sqlite3 exploded")


class Garbage:
    """A resolver that returns something that is not a result at all."""

    def resolve(self, did: str, options: Mapping[str, JSONValue] | None = None) -> Any:
        return {"not": "a result"}


def _no_internals(response: httpx.Response) -> None:
    assert "Traceback" not in response.text
    assert "secret" not in response.text
    assert "RuntimeError" not in response.text
    assert response.headers["x-request-id"] in response.text


def test_resolver_exception_is_500_without_internals(
    world: World, caplog: pytest.LogCaptureFixture
) -> None:
    with client_for(create_app(Exploding())) as http_client:
        response = http_client.get(ROOT + world.alice)
        _assert_result_error(response, 500, "INTERNAL_ERROR")
        _no_internals(response)
        url = http_client.get(ROOT + world.alice + "%23key-1")
        _assert_dereferencing_error(url, 500, "INTERNAL_ERROR")
        _no_internals(url)
        bif = http_client.get(f"{BIF_PREFIX}/{world.alice}")
        assert bif.status_code == 500
        assert bif.json()["errorCode"] == 2
        _no_internals(bif)
    errors = [r for r in caplog.records if r.name == "bid.server.errors"]
    assert len(errors) == 3
    assert all(r.exc_info is not None and r.levelno == logging.ERROR for r in errors)


def test_a_bug_outside_resolution_is_problem_500(
    world: World, caplog: pytest.LogCaptureFixture
) -> None:
    with client_for(create_app(Garbage())) as http_client:
        response = http_client.get(ROOT + world.alice)
        body = _assert_problem(response, 500)
        assert response.headers["x-request-id"] in body["detail"]
        assert "Traceback" not in response.text
    assert any(r.name == "bid.server.errors" and r.exc_info for r in caplog.records)


class Failing:
    """A resolver whose registry fails: every answer is an error result of ``code``."""

    def __init__(self, code: str) -> None:
        self.code = code

    def resolve(self, did: str, options: Mapping[str, JSONValue] | None = None) -> ResolutionResult:
        return ResolutionResult.failure(self.code, "the registry is unreadable")


@pytest.mark.parametrize(
    ("code", "type_suffix"),
    [("internalError", "INTERNAL_ERROR"), ("invalidDidDocument", "INVALID_DID_DOCUMENT")],
)
def test_error_results_of_the_registry_are_500(world: World, code: str, type_suffix: str) -> None:
    with client_for(create_app(Failing(code))) as http_client:
        body = _assert_result_error(http_client.get(ROOT + world.alice), 500, type_suffix)
        assert _error(body)["detail"] == "the registry is unreadable"
        url = http_client.get(ROOT + world.alice + "%23key-1")
        _assert_dereferencing_error(url, 500, type_suffix)
        bif = http_client.get(f"{BIF_PREFIX}/{world.alice}")
        assert bif.status_code == 500
        assert bif.json() == {"errorCode": 2, "message": "the registry is unreadable"}


class Stuck:
    """Blocks every resolution until released; then resolves did:key."""

    def __init__(self) -> None:
        self.release = threading.Event()
        self.started = 0

    def resolve(self, did: str, options: Mapping[str, JSONValue] | None = None) -> ResolutionResult:
        self.started += 1
        self.release.wait(STARTUP_SECONDS)
        return MethodRouter([KeyMethod()]).resolve(did, options)


def test_time_limit_and_no_thread_pile_up(world: World) -> None:
    stuck = Stuck()
    app = create_app(stuck, request_timeout=0.3, max_threads=1)
    try:
        with client_for(app) as http_client:
            began = time.monotonic()
            slow = http_client.get(ROOT + world.did_key)
            assert 0.25 < time.monotonic() - began < 5
            body = _assert_result_error(slow, 503, "INTERNAL_ERROR")
            assert slow.headers["retry-after"] == "1"
            assert "longer than 0.3 s" in _error(body)["detail"]
            # the abandoned call still runs: refused at once, nothing new is started
            began = time.monotonic()
            busy = http_client.get(ROOT + world.did_key)
            assert time.monotonic() - began < 0.25
            _assert_result_error(busy, 503, "INTERNAL_ERROR")
            deref = http_client.get(ROOT + world.did_key + "%23x")
            _assert_dereferencing_error(deref, 503, "INTERNAL_ERROR")
            assert deref.headers["retry-after"] == "1"
            bif = http_client.get(f"{BIF_PREFIX}/{world.alice}")
            assert (bif.status_code, bif.json()["errorCode"]) == (503, 3)
            assert stuck.started == 1
            stuck.release.set()
            deadline = time.monotonic() + 10
            while (answer := http_client.get(ROOT + world.did_key)).status_code == 503:
                assert time.monotonic() < deadline, "the abandoned call never finished"
                time.sleep(0.05)
            assert answer.status_code == 200
    finally:
        stuck.release.set()


# -- the bid serve command -------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


def _wait_healthy(base: str, process: subprocess.Popen[bytes]) -> httpx.Response:
    deadline = time.monotonic() + STARTUP_SECONDS
    with httpx.Client(base_url=base, timeout=2.0) as http_client:
        while True:
            assert process.poll() is None, "bid serve exited during startup"
            assert time.monotonic() < deadline, "bid serve did not answer in time"
            try:
                return http_client.get("/health")
            except httpx.TransportError:
                time.sleep(0.05)


@pytest.mark.slow
def test_bid_serve_starts_answers_and_stops_on_sigint(tmp_path: Path) -> None:
    world = _build_registry(tmp_path / "registry.sqlite3")
    close = getattr(world.registry, "close", None)
    assert callable(close)
    close()
    port = _free_port()
    command = [
        sys.executable,
        "-m",
        "bid",
        "serve",
        "--port",
        str(port),
        "--registry",
        f"sqlite:{tmp_path / 'registry.sqlite3'}",
    ]
    env = {**os.environ, "PYTHONWARNINGS": "error"}
    process = subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=tmp_path, env=env
    )
    try:
        health = _wait_healthy(f"http://127.0.0.1:{port}", process)
        assert (health.status_code, health.json()) == (200, {"status": "ok"})
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=5.0) as http_client:
            resolved = http_client.get(ROOT + world.alice)
            assert resolved.json()["didDocument"]["id"] == world.alice
        process.send_signal(signal.SIGINT)
        out, err = process.communicate(timeout=STARTUP_SECONDS)
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate(timeout=STARTUP_SECONDS)
    assert process.returncode == 0, err.decode()
    assert b"Traceback" not in err
    lines = [json.loads(line) for line in out.decode().splitlines() if line.startswith("{")]
    assert [line["path"] for line in lines][-2:] == ["/health", ROOT + world.alice]
    assert lines[-1]["status"] == 200


def test_bid_serve_help_has_an_example(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        cli.main(["serve", "--help"])
    assert exit_info.value.code == 0
    out = capsys.readouterr().out
    assert "example:" in out
    assert "--registry" in out


def test_bid_serve_refuses_a_bad_port(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    code = cli.main(["serve", "--port", "70000", "--registry", f"sqlite:{tmp_path / 'r.db'}"])
    assert code == 2
    assert "not a TCP port" in capsys.readouterr().err


def test_bid_serve_without_the_server_extra(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delitem(sys.modules, "bid.server")
    for name in [m for m in sys.modules if m == "starlette" or m.startswith("starlette.")]:
        monkeypatch.setitem(sys.modules, name, None)  # as if the extra were not installed
    code = cli.main(["serve", "--registry", "memory:"])
    assert code == 2
    err = capsys.readouterr().err
    assert "pip install 'bid[server]'" in err
    assert err.startswith("bid: error:")


@pytest.mark.slow
def test_import_bid_and_cli_do_not_load_the_server(tmp_path: Path) -> None:
    script = "import json, sys, bid, bid.cli; print(json.dumps(sorted(sys.modules)))"
    result = subprocess.run(
        [sys.executable, "-c", script],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=60,
        check=True,
    )
    modules = json.loads(result.stdout)
    loaded = [m for m in modules if m.split(".")[0] in ("starlette", "uvicorn", "anyio")]
    assert loaded == []
    assert "bid.server" not in modules


def test_cli_resolves_through_a_driver(capsys: pytest.CaptureFixture[str]) -> None:
    # The whole chain over real HTTP: `bid resolve --resolver` (the Universal Resolver client,
    # then the BIF RFC-005 client against /bif) -> this server -> a registry.
    registry = bid.MemoryRegistry()
    key = _ed("erin")
    did = registry.submit(create_operation(new_document(key, now=T1), key)).did
    app = create_app(CachedResolver(MethodRouter([KeyMethod(), BidMethod(registry)])))
    with serving(app) as base:
        for resolver in (base, f"bif+{base}/bif"):
            code = cli.main(["resolve", did, "--resolver", resolver, "--allow-private-networks"])
            out, err = capsys.readouterr()
            assert (code, err) == (0, ""), resolver
            assert json.loads(out)["didDocument"]["id"] == did
        # Loopback is refused unless the user allows it; a refusal is not a "not found".
        code = cli.main(["resolve", did, "--resolver", base])
        out, err = capsys.readouterr()
        assert code == 3
        error = json.loads(out)["didResolutionMetadata"]["error"]
        assert error["type"].endswith("#INTERNAL_ERROR")
        unknown = str(_ed("frank").public_key.bid())
        code = cli.main(["resolve", unknown, "--resolver", base, "--allow-private-networks"])
        out, _ = capsys.readouterr()
        assert code == 3
        assert json.loads(out)["didResolutionMetadata"]["error"]["type"].endswith("#NOT_FOUND")
