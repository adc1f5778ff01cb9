"""UniversalResolverClient against a real loopback server that emulates the DIF contract.

``GET /1.0/identifiers/{percent-encoded DID}``: 200 with a resolution result or a bare
document, 410 deactivated, 404 not found (RFC 9457 and camelCase errors), 400, 406, 501,
500; plus the failures that must never read as "not found": a server that is down, a
redirect, a 404 page that is no resolution result, a document about another DID.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from typing import Any
from urllib.parse import unquote, urlsplit

import pytest

from _http_servers import LoopbackServer, Reply, Request, closed_port, json_reply
from bid import Ed25519PrivateKey
from bid._json import JSONValue
from bid.backends.http import AddressNotAllowed, HttpPolicy
from bid.backends.uniresolver import UniversalResolverClient
from bid.errors import NotFound, ResolutionError
from bid.methods.key import KeyMethod
from bid.resolver import CachedResolver, ResolutionResult, dereference

POLICY = HttpPolicy(allow_private_networks=True, read_timeout=2.0, total_timeout=5.0, backoff=0.01)
NS = "https://www.w3.org/ns/did#"
RESULT_TYPE = "application/did-resolution"
OLD_RESULT_TYPE = 'application/ld+json;profile="https://w3id.org/did-resolution"'

KEY = Ed25519PrivateKey.from_seed(bytes(range(32)))
DID = KEY.did_key
_key_document = KeyMethod().resolve(DID).did_document
assert _key_document is not None
DOCUMENT: dict[str, Any] = _key_document.to_json()
OTHER_DID = Ed25519PrivateKey.from_seed(bytes(32)).did_key


def doc(did: str) -> dict[str, Any]:
    return {"@context": "https://www.w3.org/ns/did/v1", "id": did}


def result(
    document: dict[str, Any] | None,
    *,
    error: Any = None,
    document_metadata: dict[str, Any] | None = None,
    **resolution_metadata: Any,
) -> dict[str, Any]:
    metadata = dict(resolution_metadata)
    if error is not None:
        metadata["error"] = error
    return {
        "@context": "https://w3id.org/did-resolution/v1",
        "didDocument": document,
        "didResolutionMetadata": metadata,
        "didDocumentMetadata": document_metadata or {},
    }


def problem(code: str, detail: str) -> dict[str, str]:
    return {"type": NS + code, "title": code.replace("_", " ").lower(), "detail": detail}


SCENARIOS: dict[str, Reply] = {
    DID: json_reply(
        result(
            DOCUMENT,
            contentType="application/did+ld+json",
            pattern="^(did:key:.+)$",
            document_metadata={"created": "2024-01-01T00:00:00Z"},
        ),
        content_type=RESULT_TYPE,
    ),
    "did:example:bare": json_reply(doc("did:example:bare"), content_type="application/did+json"),
    "did:example:old-result": json_reply(
        result(doc("did:example:old-result")), content_type=OLD_RESULT_TYPE
    ),
    "did:example:sniffed": json_reply(result(doc("did:example:sniffed"))),
    "did:example:deactivated": json_reply(
        result(doc("did:example:deactivated"), document_metadata={"deactivated": True}),
        410,
        content_type=RESULT_TYPE,
    ),
    "did:example:deactivated-empty": json_reply(
        result(None, document_metadata={"deactivated": True}), 410, content_type=RESULT_TYPE
    ),
    "did:example:deactivated-no-body": Reply(410, b"", content_type=None),
    "did:example:missing": json_reply(
        result(None, error=problem("NOT_FOUND", "no such DID on the ledger")),
        404,
        content_type=RESULT_TYPE,
    ),
    "did:example:missing-old": json_reply(
        result(None, error="notFound", errorMessage="DID not registered"),
        404,
        content_type=OLD_RESULT_TYPE,
    ),
    "did:example:html-404": Reply(404, b"<html>Not Found</html>", content_type="text/html"),
    "did:example:empty-404": Reply(404, b"", content_type=None),
    "did:example:bad": json_reply(
        result(None, error=problem("INVALID_DID", "bad method-specific id")),
        400,
        content_type=RESULT_TYPE,
    ),
    "did:example:bad-url": json_reply(
        result(None, error="invalidDidUrl", errorMessage="bad path"), 400
    ),
    "did:example:repr": Reply(406, b"Not acceptable media types", content_type="text/plain"),
    "did:unsupported:x": json_reply(
        result(None, error=problem("METHOD_NOT_SUPPORTED", "no driver for did:unsupported")),
        501,
        content_type=RESULT_TYPE,
    ),
    "did:example:boom": json_reply(
        result(None, error=problem("INTERNAL_ERROR", "driver crashed")),
        500,
        content_type=RESULT_TYPE,
    ),
    "did:example:lying-404": json_reply(
        result(None, error=problem("INTERNAL_ERROR", "driver timed out")),
        404,
        content_type=RESULT_TYPE,
    ),
    "did:example:teapot": Reply(418, b"I'm a teapot", content_type="text/plain"),
    "did:example:other": json_reply(result(doc(OTHER_DID)), content_type=RESULT_TYPE),
    "did:example:invalid-document": json_reply(
        result(
            {
                **doc("did:example:invalid-document"),
                "verificationMethod": [
                    {"id": "#k", "type": "Multikey", "controller": "did:example:x"},
                    {"id": "#k", "type": "Multikey", "controller": "did:example:x"},
                ],
            }
        ),
        content_type=RESULT_TYPE,
    ),
    "did:example:no-document": json_reply(result(None), content_type=RESULT_TYPE),
    "did:example:error-200": json_reply(
        result(None, error=problem("NOT_FOUND", "odd")), content_type=RESULT_TYPE
    ),
    "did:example:duplicate-keys": Reply(
        200, b'{"didDocument": {"id": "did:example:duplicate-keys"}, "didDocument": null}'
    ),
    "did:example:html-200": Reply(200, b"<html></html>", content_type="text/html"),
    "did:example:redirect": Reply(302, b"", {"Location": "http://127.0.0.1:1/"}),
    "did:example:busy": Reply(503, b"", content_type=None),
    "did:example:huge": Reply(200, b"[" + b"0," * 600_000 + b"0]"),
}


def handler(request: Request) -> Reply:
    path = urlsplit(request.path).path
    prefix = "/1.0/identifiers/"
    if not path.startswith(prefix):
        return Reply(404, b"no such route", content_type="text/plain")
    did = unquote(path[len(prefix) :])
    return SCENARIOS.get(did, Reply(500, b"unexpected DID " + did.encode()))


@pytest.fixture(scope="module")
def server() -> Iterator[LoopbackServer]:
    with LoopbackServer(handler) as running:
        yield running


@pytest.fixture
def client(server: LoopbackServer) -> Iterator[UniversalResolverClient]:
    with UniversalResolverClient(server.url, policy=POLICY) as resolver:
        yield resolver


def problem_of(outcome: ResolutionResult) -> dict[str, Any]:
    error = outcome.did_resolution_metadata["error"]
    assert isinstance(error, Mapping)
    return dict(error)


# -- success --------------------------------------------------------------------------------------


def test_a_resolution_result(client: UniversalResolverClient, server: LoopbackServer) -> None:
    before = len(server.requests)
    outcome = client.resolve(DID)
    assert outcome.error is None
    assert outcome.did_document is not None
    assert outcome.did_document.to_json() == DOCUMENT
    assert outcome.did_document_metadata == {"created": "2024-01-01T00:00:00Z"}
    assert outcome.did_resolution_metadata["contentType"] == "application/did+ld+json"
    assert outcome.did_resolution_metadata["pattern"] == "^(did:key:.+)$"
    request = server.requests[before]
    assert request.path == "/1.0/identifiers/" + DID.replace(":", "%3A")
    assert request.headers["accept"].startswith(RESULT_TYPE)
    assert outcome.raise_for_error().verification_method[0].public_key() == KEY.public_key


@pytest.mark.parametrize(
    ("did", "content_type"),
    [
        ("did:example:bare", "application/did+json"),
        ("did:example:old-result", "application/did+ld+json"),
        ("did:example:sniffed", "application/did+ld+json"),
    ],
)
def test_other_shapes_of_a_success(
    client: UniversalResolverClient, did: str, content_type: str
) -> None:
    outcome = client.resolve(did)
    assert outcome.error is None
    assert outcome.did_document is not None
    assert outcome.did_document.id == did
    assert outcome.did_resolution_metadata["contentType"] == content_type


def test_the_accept_option_sets_the_content_type_and_others_go_in_the_query(
    client: UniversalResolverClient, server: LoopbackServer
) -> None:
    before = len(server.requests)
    options: dict[str, JSONValue] = {
        "accept": "application/did+json",
        "versionId": "3",
        "noCache": True,
        "n": 2,
    }
    outcome = client.resolve(DID, options)
    assert outcome.did_resolution_metadata["contentType"] == "application/did+json"
    query = urlsplit(server.requests[before].path).query
    assert query == "versionId=3&noCache=true&n=2"


@pytest.mark.parametrize(
    ("options", "code"),
    [
        ({"accept": "text/html"}, "representationNotSupported"),
        ({"accept": 1}, "invalidOptions"),
        ({"versionId": ["1"]}, "invalidOptions"),
    ],
)
def test_bad_options_are_refused_locally(
    client: UniversalResolverClient, server: LoopbackServer, options: Any, code: str
) -> None:
    before = len(server.requests)
    assert client.resolve(DID, options).error == code
    assert len(server.requests) == before


def test_the_base_url_may_name_the_identifiers_path(server: LoopbackServer) -> None:
    for base in (server.url + "/1.0/identifiers", server.url + "/1.0/identifiers/"):
        with UniversalResolverClient(base, policy=POLICY) as resolver:
            assert resolver.base_url == server.url + "/1.0/identifiers"
            assert resolver.resolve(DID).error is None


def test_dereferencing_goes_through_the_client(client: UniversalResolverClient) -> None:
    fragment = DOCUMENT["verificationMethod"][0]["id"].partition("#")[2]
    dereferenced = dereference(f"{DID}#{fragment}", client)
    assert dereferenced.error is None
    assert dereferenced.content == DOCUMENT["verificationMethod"][0]


# -- deactivated ----------------------------------------------------------------------------------


@pytest.mark.parametrize("did", ["did:example:deactivated", "did:example:deactivated-empty"])
def test_410_is_a_deactivated_result(client: UniversalResolverClient, did: str) -> None:
    outcome = client.resolve(did)
    assert outcome.error is None
    assert outcome.deactivated
    assert outcome.did_document is not None
    assert outcome.did_document.id == did


def test_410_without_a_body_is_not_trusted(client: UniversalResolverClient) -> None:
    outcome = client.resolve("did:example:deactivated-no-body")
    assert outcome.error == "internalError"
    assert not outcome.deactivated


# -- error statuses -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("did", "code", "detail"),
    [
        ("did:example:missing", "notFound", "no such DID on the ledger"),
        ("did:example:missing-old", "notFound", "DID not registered"),
        ("did:example:lying-404", "internalError", "driver timed out"),
        ("did:example:bad", "invalidDid", "bad method-specific id"),
        ("did:example:bad-url", "invalidDidUrl", "bad path"),
        ("did:example:repr", "representationNotSupported", "Not acceptable"),
        ("did:unsupported:x", "methodNotSupported", "no driver for did:unsupported"),
        ("did:example:boom", "internalError", "driver crashed"),
        ("did:example:teapot", "internalError", "418"),
        ("did:example:error-200", "internalError", "odd"),
    ],
)
def test_error_statuses_map_to_codes(
    client: UniversalResolverClient, did: str, code: str, detail: str
) -> None:
    outcome = client.resolve(did)
    assert outcome.did_document is None
    assert outcome.error == code
    error = problem_of(outcome)
    assert error["type"].startswith(NS)
    assert detail in error["detail"]


def test_not_found_raises_not_found(client: UniversalResolverClient) -> None:
    with pytest.raises(NotFound, match="no such DID"):
        client.resolve("did:example:missing").raise_for_error()


@pytest.mark.parametrize("did", ["did:example:html-404", "did:example:empty-404"])
def test_a_404_that_is_no_resolution_result_is_not_not_found(
    client: UniversalResolverClient, did: str
) -> None:
    outcome = client.resolve(did)
    assert outcome.error == "internalError"
    assert "base URL" in problem_of(outcome)["detail"]


def test_a_wrong_base_url_is_not_not_found(server: LoopbackServer) -> None:
    with UniversalResolverClient(server.url + "/wrong", policy=POLICY) as resolver:
        assert resolver.resolve(DID).error == "internalError"


# -- documents that must not be believed ----------------------------------------------------------


@pytest.mark.parametrize(
    ("did", "reason"),
    [
        ("did:example:other", OTHER_DID),
        ("did:example:invalid-document", "verification"),
        ("did:example:no-document", "no DID document"),
    ],
)
def test_bad_documents_are_invalid_did_documents(
    client: UniversalResolverClient, did: str, reason: str
) -> None:
    outcome = client.resolve(did)
    assert outcome.error == "invalidDidDocument"
    assert outcome.did_document is None
    assert reason in problem_of(outcome)["detail"]


# -- network failures: internalError, never notFound ----------------------------------------------


@pytest.mark.parametrize(
    ("did", "reason"),
    [
        ("did:example:duplicate-keys", "appears twice"),
        ("did:example:html-200", "text/html"),
        ("did:example:redirect", "redirect"),
        ("did:example:busy", "503"),
        ("did:example:huge", "limit"),
    ],
)
def test_broken_answers_are_internal_errors(
    client: UniversalResolverClient, did: str, reason: str
) -> None:
    outcome = client.resolve(did)
    assert outcome.error == "internalError"
    assert reason in problem_of(outcome)["detail"]


def test_a_busy_server_is_retried(client: UniversalResolverClient, server: LoopbackServer) -> None:
    before = len(server.paths)
    client.resolve("did:example:busy")
    assert len(server.paths) - before == 1 + POLICY.retries


def test_a_server_that_is_down_is_an_internal_error() -> None:
    with UniversalResolverClient(f"http://127.0.0.1:{closed_port()}", policy=POLICY) as down:
        outcome = down.resolve(DID)
    assert outcome.error == "internalError"
    assert "could not be asked" in problem_of(outcome)["detail"]
    with pytest.raises(ResolutionError) as caught:
        outcome.raise_for_error()
    assert not isinstance(caught.value, NotFound)


def test_the_default_policy_refuses_a_loopback_resolver(server: LoopbackServer) -> None:
    connections = server.connections
    with UniversalResolverClient(server.url) as resolver:
        outcome = resolver.resolve(DID)
    assert outcome.error == "internalError"
    assert "loopback" in problem_of(outcome)["detail"]
    assert server.connections == connections


def test_an_invalid_did_is_refused_locally(
    client: UniversalResolverClient, server: LoopbackServer
) -> None:
    before = len(server.requests)
    assert client.resolve("did:example:a/../../admin").error == "invalidDid"
    assert client.resolve("not a did").error == "invalidDid"
    assert len(server.requests) == before


@pytest.mark.parametrize(
    "base",
    [
        "file:///srv/resolver",
        "ftp://example.com",
        "http://u:p@x.example",
        "https://x.example/?key=1",
        "https://x.example/#top",
    ],
)
def test_the_base_url_must_be_plain_http(base: str) -> None:
    with pytest.raises(AddressNotAllowed):
        UniversalResolverClient(base)


# -- caching --------------------------------------------------------------------------------------


def test_failures_are_not_cached_and_successes_are(server: LoopbackServer) -> None:
    port = closed_port()
    with UniversalResolverClient(f"http://127.0.0.1:{port}", policy=POLICY) as down:
        cache = CachedResolver(down)
        assert cache.resolve(DID).error == "internalError"
        assert len(cache) == 0
    with UniversalResolverClient(server.url, policy=POLICY) as up:
        cache = CachedResolver(up)
        for did in ("did:example:missing", "did:example:busy", "did:example:other"):
            assert cache.resolve(did).error is not None
        assert len(cache) == 0
        before = len(server.requests)
        first = cache.resolve(DID)
        second = cache.resolve(DID)
        assert first.error is None
        assert second is first
        assert len(cache) == 1
        assert len(server.requests) == before + 1


def test_a_failure_then_a_success_is_not_hidden_by_the_cache() -> None:
    answers = [Reply(500, b"{}"), json_reply(result(DOCUMENT), content_type=RESULT_TYPE)]

    def flaky(request: Request) -> Reply:
        return answers.pop(0)

    with LoopbackServer(flaky) as server, UniversalResolverClient(server.url, policy=POLICY) as up:
        cache = CachedResolver(up)
        assert cache.resolve(DID).error == "internalError"
        assert cache.resolve(DID).error is None
        assert len(server.requests) == 2


def test_the_result_serializes(client: UniversalResolverClient) -> None:
    outcome = client.resolve(DID)
    assert json.loads(outcome.representation())["didDocument"] == DOCUMENT
