"""BifResolverClient against real loopback servers that emulate RFC-005 resolvers.

A main-chain resolver and a sub-chain resolver, both on 127.0.0.1: the envelope
``{errorCode, message, data}``, the not-found codes 6 and 100000, HTTP errors, documents
about another BID, the sub-resources of section 5.2, and recursive resolution of AC-code
BIDs through the ``DIDSubResolve`` service of ``did:bid:<ac>`` (section 5.3), which the
default policy refuses for a loopback or private endpoint.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from datetime import datetime, timezone
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

import pytest

from _http_servers import LoopbackServer, Reply, Request, closed_port, json_reply
from bid import Ed25519PrivateKey, InvalidDID
from bid.backends.bif_resolver import BifResolverClient
from bid.backends.http import AddressNotAllowed, HttpError, HttpPolicy
from bid.ddo import BID_CONTEXT, BIDDocument
from bid.errors import NotFound, ResolutionError
from bid.methods.bid import new_document
from bid.methods.key import KeyMethod
from bid.resolver import CachedResolver, MethodRouter, ResolutionResult

ALLOW = HttpPolicy(allow_private_networks=True, read_timeout=2.0, total_timeout=5.0, backoff=0.01)
NOW = datetime(2024, 5, 1, 8, 30, tzinfo=timezone.utc)


def key(n: int) -> Ed25519PrivateKey:
    return Ed25519PrivateKey.from_seed(bytes([n]) * 32)


def document(n: int, ac: str | None = None, **members: Any) -> dict[str, Any]:
    data = new_document(key(n), now=NOW, ac=ac).to_json()
    data.update(members)
    return BIDDocument.from_json(data).to_json()  # still a valid BID document


def bid(n: int, ac: str | None = None) -> str:
    return str(key(n).bid(ac))


def sub_resolver(endpoint: str, port: int | str | None = None, protocol: int = 2) -> dict[str, Any]:
    service: dict[str, Any] = {
        "id": "#subResolve",
        "type": "DIDSubResolve",
        "version": "1.0.0",
        "serverType": 1,
        "protocol": protocol,
        "serviceEndpoint": endpoint,
    }
    if port is not None:
        service["port"] = port
    return service


def ac_document(ac: str, *services: dict[str, Any]) -> dict[str, Any]:
    did = f"did:bid:{ac}"
    data: dict[str, Any] = {
        "@context": [BID_CONTEXT],
        "version": "1.0.0",
        "id": did,
        "publicKey": [
            {
                "id": f"{did}#key-1",
                "type": "Ed25519",
                "controller": did,
                "publicKeyHex": key(90).public_key.to_bif(),
            }
        ],
        "authentication": [f"{did}#key-1"],
        "extension": {"ttl": 86400, "type": 206},
        "service": [{**s, "id": f"{did}{s['id']}"} for s in services],
        "created": "2021-05-10T06:23:38Z",
        "updated": "2021-05-10T06:23:38Z",
    }
    return BIDDocument.from_json(data).to_json()


def ok(data: dict[str, Any]) -> Reply:
    return json_reply({"errorCode": 0, "message": "success", "data": data})


def failed(code: int, message: str, status: int = 200) -> Reply:
    return json_reply({"errorCode": code, "message": message}, status)


MAIN_DOC = document(1, extension={"ttl": 86400, "type": 101, "acsns": ["ab12"]})
BID_OK = MAIN_DOC["id"]
SUB_BID = bid(2, "ab12")
SUB_DOC = document(2, "ab12")
VIA_SERVICE_BID = bid(3, "cd34")
VIA_URL_BID = bid(4, "url1")
SERVICE_BID = bid(5)  # a main-chain BID naming the resolver of sub-chain cd34
LOOP_BID = bid(6)
MISSING = bid(10)
MISSING_TS = bid(11)
HTTP_500 = bid(12)
HTTP_404 = bid(13)
OTHER = bid(14)
ERROR_2 = bid(15)
DUPLICATE = bid(16)
NO_CODE = bid(17)
INVALID = bid(18)
HTML = bid(19)
NO_DATA = bid(20)
SUB_OTHER = bid(21, "ab12")
SUB_MISSING = bid(22, "ab12")


def resources(did: str, doc: Mapping[str, Any]) -> dict[str, Reply]:
    """The section 5.2 answers for one document."""
    head = {"version": "1.0.0", "id": did}
    extension = doc.get("extension", {})
    first_key = doc["publicKey"][0]
    return {
        "public-keys": ok({**head, "publicKey": doc["publicKey"]}),
        f"public-keys/{first_key['id']}": ok({**head, "publicKey": first_key}),
        "attributes": ok({**head, "attributes": [{"key": "name", "value": "北京"}]}),
        "acsns": ok({**head, "acsns": extension.get("acsns", [])}),
        "verifiableCredentials": ok(
            {**head, "verifiableCredentials": [{"id": OTHER, "type": 202}]}
        ),
        "services?id=svc-1": ok({**head, "service": {"id": f"{did}#svc-1", "type": "DIDStorage"}}),
    }


class Chain:
    """A resolver's table: BID (and sub-resource) -> reply; unknown BIDs are errorCode 6.

    A BID added with ``everywhere=True`` gets its reply for every sub-resource too.
    """

    def __init__(self) -> None:
        self.routes: dict[str, Reply] = {}
        self.everywhere: set[str] = set()

    def add(
        self,
        did: str,
        reply: Reply,
        sub: Mapping[str, Reply] | None = None,
        *,
        everywhere: bool = False,
    ) -> None:
        self.routes[did] = reply
        for name, answer in (sub or {}).items():
            self.routes[f"{did}/{name}"] = answer
        if everywhere:
            self.everywhere.add(did)

    def __call__(self, request: Request) -> Reply:
        parts = urlsplit(request.path)
        path = unquote(parts.path).lstrip("/")
        query = parse_qs(parts.query)
        if "id" in query:
            path += "?id=" + query["id"][0]
        did = path.partition("/")[0]
        if did in self.everywhere:
            return self.routes[did]
        return self.routes.get(path, failed(6, "not found"))


@pytest.fixture(scope="module")
def sub() -> Iterator[LoopbackServer]:
    chain = Chain()
    chain.add(SUB_BID, ok({"didDocument": SUB_DOC}), resources(SUB_BID, SUB_DOC))
    chain.add(SUB_OTHER, ok({"didDocument": SUB_DOC}))
    chain.add(VIA_SERVICE_BID, ok({"didDocument": document(3, "cd34")}))
    chain.add(VIA_URL_BID, ok({"didDocument": document(4, "url1")}))
    with LoopbackServer(chain) as server:
        yield server


@pytest.fixture(scope="module")
def main(sub: LoopbackServer) -> Iterator[LoopbackServer]:
    chain = Chain()
    chain.add(BID_OK, ok({"didDocument": MAIN_DOC}), resources(BID_OK, MAIN_DOC))
    chain.add(MISSING_TS, failed(100000, "BID document not found"))
    chain.add(HTTP_500, failed(6, "not found", status=500), everywhere=True)
    chain.add(HTTP_404, failed(6, "not found", status=404))
    chain.add(
        OTHER,
        ok({"didDocument": MAIN_DOC}),
        {"public-keys": resources(BID_OK, MAIN_DOC)["public-keys"]},
    )
    chain.add(ERROR_2, failed(2, "server error: contract call failed"), everywhere=True)
    chain.add(DUPLICATE, Reply(200, b'{"errorCode": 0, "errorCode": 6, "message": "x"}'))
    chain.add(NO_CODE, json_reply({"message": "success", "data": {}}))
    chain.add(INVALID, ok({"didDocument": {**document(18), "authentication": ["#nowhere"]}}))
    chain.add(HTML, Reply(200, b"<html>maintenance</html>", content_type="text/html"))
    chain.add(NO_DATA, json_reply({"errorCode": 0, "message": "success"}))
    loopback = sub_resolver("127.0.0.1", sub.port)
    chain.add("did:bid:ab12", ok({"didDocument": ac_document("ab12", loopback)}))
    chain.add("did:bid:cd34", ok({"didDocument": ac_document("cd34", sub_resolver(SERVICE_BID))}))
    service_doc = document(
        5, service=[{**sub_resolver("127.0.0.1", str(sub.port)), "id": f"{SERVICE_BID}#r"}]
    )
    chain.add(SERVICE_BID, ok({"didDocument": service_doc}))
    chain.add("did:bid:lp01", ok({"didDocument": ac_document("lp01", sub_resolver(LOOP_BID))}))
    loop_doc = document(6, service=[{**sub_resolver("did:bid:lp01"), "id": f"{LOOP_BID}#r"}])
    chain.add(LOOP_BID, ok({"didDocument": loop_doc}))
    chain.add(
        "did:bid:url1",
        ok({"didDocument": ac_document("url1", sub_resolver("http://127.0.0.1", sub.port))}),
    )
    chain.add(
        "did:bid:urlm",
        ok(
            {
                "didDocument": ac_document(
                    "urlm", sub_resolver(f"http://127.0.0.1:{sub.port}", protocol=3)
                )
            }
        ),
    )
    chain.add("did:bid:nosv", ok({"didDocument": ac_document("nosv")}))
    with_query = sub_resolver(f"http://127.0.0.1:{sub.port}/r?x=1")
    chain.add("did:bid:qury", ok({"didDocument": ac_document("qury", with_query)}))
    chain.add(
        "did:bid:tcp1",
        ok({"didDocument": ac_document("tcp1", sub_resolver("127.0.0.1", sub.port, protocol=1))}),
    )
    chain.add(
        "did:bid:port", ok({"didDocument": ac_document("port", sub_resolver("127.0.0.1", "80a"))})
    )
    chain.add(
        "did:bid:rfcx",
        ok({"didDocument": ac_document("rfcx", sub_resolver("192.168.1.23", 8080, 3))}),
    )
    with LoopbackServer(chain) as server:
        yield server


@pytest.fixture
def client(main: LoopbackServer) -> Iterator[BifResolverClient]:
    with BifResolverClient(main.url, policy=ALLOW, sub_resolver_policy=ALLOW) as resolver:
        yield resolver


def detail(outcome: ResolutionResult) -> str:
    error = outcome.did_resolution_metadata["error"]
    assert isinstance(error, Mapping)
    return str(error["detail"])


# -- resolution --------------------------------------------------------------------------------


def test_a_document_is_resolved_into_its_w3c_view(
    client: BifResolverClient, main: LoopbackServer
) -> None:
    outcome = client.resolve(BID_OK)
    assert outcome.error is None
    assert outcome.did_document is not None
    assert outcome.did_document == BIDDocument.from_json(MAIN_DOC).to_did_document()
    assert outcome.did_document.to_json()["verificationMethod"] == MAIN_DOC["publicKey"]
    assert outcome.did_document_metadata == {
        "created": "2024-05-01T08:30:00Z",
        "updated": "2024-05-01T08:30:00Z",
    }
    assert outcome.did_resolution_metadata["contentType"] == "application/did+ld+json"
    assert f"/{BID_OK}" in main.paths
    key_id = MAIN_DOC["publicKey"][0]["id"]
    assert (
        outcome.raise_for_error().find_verification_method(key_id).public_key() == key(1).public_key
    )


def test_the_client_is_the_did_bid_method_of_a_router(client: BifResolverClient) -> None:
    router = MethodRouter([client, KeyMethod()])
    assert router.resolve(BID_OK).error is None
    assert router.resolve(key(1).did_key).error is None
    assert (
        router.resolve(BID_OK, {"accept": "application/did+json"}).did_resolution_metadata[
            "contentType"
        ]
        == "application/did+json"
    )


@pytest.mark.parametrize(
    ("did", "message"), [(MISSING, "not found"), (MISSING_TS, "BID document not found")]
)
def test_error_codes_6_and_100000_are_not_found(
    client: BifResolverClient, did: str, message: str
) -> None:
    outcome = client.resolve(did)
    assert outcome.error == "notFound"
    assert message in detail(outcome)
    with pytest.raises(NotFound):
        outcome.raise_for_error()


@pytest.mark.parametrize(
    ("did", "code", "reason"),
    [
        (HTTP_500, "internalError", "HTTP 500"),
        (HTTP_404, "internalError", "HTTP 404"),
        (ERROR_2, "internalError", "errorCode 2: server error: contract call failed"),
        (DUPLICATE, "internalError", "appears twice"),
        (NO_CODE, "internalError", "no integer errorCode"),
        (HTML, "internalError", "not valid JSON"),
        (NO_DATA, "internalError", "without a data object"),
        (OTHER, "invalidDidDocument", f"the document of {BID_OK}"),
        (INVALID, "invalidDidDocument", "authentication"),
    ],
)
def test_everything_else_is_an_error_but_never_not_found(
    client: BifResolverClient, did: str, code: str, reason: str
) -> None:
    outcome = client.resolve(did)
    assert outcome.did_document is None
    assert outcome.error == code
    assert reason in detail(outcome)


def test_a_resolver_that_is_down_is_an_internal_error() -> None:
    with BifResolverClient(f"http://127.0.0.1:{closed_port()}", policy=ALLOW) as down:
        outcome = down.resolve(BID_OK)
    assert outcome.error == "internalError"
    assert "cannot connect" in detail(outcome)


def test_the_default_policy_refuses_a_loopback_resolver(main: LoopbackServer) -> None:
    connections = main.connections
    with BifResolverClient(main.url) as resolver:
        outcome = resolver.resolve(BID_OK)
    assert outcome.error == "internalError"
    assert "loopback" in detail(outcome)
    assert main.connections == connections


@pytest.mark.parametrize(
    ("did", "options", "code"),
    [
        ("did:bid:xyz", None, "invalidDid"),
        ("did:key:z6Mk", None, "invalidDid"),
        (BID_OK, {"versionId": "2"}, "featureNotSupported"),
        (BID_OK, {"accept": "text/html"}, "representationNotSupported"),
        (BID_OK, {"accept": 3}, "invalidOptions"),
    ],
)
def test_requests_refused_locally(
    client: BifResolverClient, main: LoopbackServer, did: str, options: Any, code: str
) -> None:
    before = len(main.requests)
    assert client.resolve(did, options).error == code
    assert len(main.requests) == before


def test_failures_are_not_cached(client: BifResolverClient, main: LoopbackServer) -> None:
    cache = CachedResolver(client)
    for did in (MISSING, HTTP_500, OTHER, ERROR_2):
        assert cache.resolve(did).error is not None
    assert len(cache) == 0
    before = len(main.requests)
    assert cache.resolve(BID_OK) is cache.resolve(BID_OK)
    assert len(main.requests) == before + 1


# -- sub-resources (section 5.2) ------------------------------------------------------------------


def test_sub_resources(client: BifResolverClient, main: LoopbackServer) -> None:
    first_key = MAIN_DOC["publicKey"][0]
    assert client.public_keys(BID_OK)["publicKey"] == MAIN_DOC["publicKey"]
    assert client.public_key(BID_OK, first_key["id"])["publicKey"] == first_key
    assert client.attributes(BID_OK)["attributes"] == [{"key": "name", "value": "北京"}]
    assert client.acsns(BID_OK) == {"version": "1.0.0", "id": BID_OK, "acsns": ["ab12"]}
    assert client.verifiable_credentials(BID_OK)["verifiableCredentials"] == [
        {"id": OTHER, "type": 202}
    ]
    assert client.service(BID_OK, "svc-1")["service"]["type"] == "DIDStorage"
    key_path = next(p for p in main.paths if "/public-keys/" in p)
    assert key_path == f"/{BID_OK}/public-keys/{first_key['id'].replace('#', '%23')}"
    assert f"/{BID_OK}/services?id=svc-1" in main.paths


def test_sub_resource_failures_raise(client: BifResolverClient) -> None:
    with pytest.raises(NotFound):
        client.attributes(MISSING)
    with pytest.raises(ResolutionError, match="errorCode 2") as caught:
        client.acsns(ERROR_2)
    assert not isinstance(caught.value, NotFound)
    with pytest.raises(HttpError, match="HTTP 500"):
        client.public_keys(HTTP_500)
    with pytest.raises(ResolutionError, match="answered about") as about_other:
        client.public_keys(OTHER)
    assert about_other.value.code == "invalidDidDocument"
    with pytest.raises(InvalidDID):
        client.public_keys("did:bid:???")


def test_sub_resources_of_an_ac_bid_come_from_the_sub_chain(
    client: BifResolverClient, sub: LoopbackServer
) -> None:
    assert client.public_keys(SUB_BID)["publicKey"] == SUB_DOC["publicKey"]
    assert f"/{SUB_BID}/public-keys" in sub.paths


# -- recursive resolution (section 5.3) -----------------------------------------------------------


def test_an_ac_bid_is_resolved_on_its_sub_chain(
    client: BifResolverClient, main: LoopbackServer, sub: LoopbackServer
) -> None:
    outcome = client.resolve(SUB_BID)
    assert outcome.error is None
    assert outcome.did_document is not None
    assert outcome.did_document.id == SUB_BID
    assert "/did:bid:ab12" in main.paths
    assert f"/{SUB_BID}" in sub.paths
    assert f"/{SUB_BID}" not in main.paths


def test_the_sub_chain_endpoint_is_refused_by_default(
    main: LoopbackServer, sub: LoopbackServer
) -> None:
    # The main resolver is allowed (the operator configured it); the endpoint read from
    # chain data is not, because the default sub-resolver policy refuses private networks.
    connections = sub.connections
    with BifResolverClient(main.url, policy=ALLOW) as resolver:
        assert resolver.sub_resolver_policy.allow_private_networks is False
        outcome = resolver.resolve(SUB_BID)
        with pytest.raises(AddressNotAllowed, match="loopback"):
            resolver.public_keys(SUB_BID)
    assert outcome.error == "internalError"
    assert "refusing to connect to 127.0.0.1" in detail(outcome)
    assert sub.connections == connections


def test_the_rfc_example_endpoint_is_a_private_address(client: BifResolverClient) -> None:
    with BifResolverClient(client.base_url, policy=ALLOW) as resolver:
        outcome = resolver.resolve(bid(30, "rfcx"))
    assert outcome.error == "internalError"
    assert "192.168.1.23: a private address" in detail(outcome)


def test_without_sub_resolvers_the_main_resolver_is_asked(
    main: LoopbackServer, sub: LoopbackServer
) -> None:
    with BifResolverClient(main.url, policy=ALLOW, sub_resolvers=False) as resolver:
        outcome = resolver.resolve(SUB_BID)
    assert outcome.error == "notFound"  # the main chain does not hold sub-chain documents
    assert main.paths[-1] == f"/{SUB_BID}"


def test_an_ac_only_bid_is_a_main_chain_document(client: BifResolverClient) -> None:
    outcome = client.resolve("did:bid:ab12")
    assert outcome.error is None
    assert outcome.did_document is not None
    assert outcome.did_document.service[0].type == "DIDSubResolve"


def test_an_unknown_sub_chain_is_not_found(client: BifResolverClient) -> None:
    outcome = client.resolve(bid(31, "zz99"))
    assert outcome.error == "notFound"
    assert "sub-chain zz99 is not registered" in detail(outcome)


def test_a_sub_chain_answer_about_another_bid_is_refused(client: BifResolverClient) -> None:
    outcome = client.resolve(SUB_OTHER)
    assert outcome.error == "invalidDidDocument"
    assert SUB_BID in detail(outcome)


def test_a_bid_missing_on_its_sub_chain_is_not_found(client: BifResolverClient) -> None:
    assert client.resolve(SUB_MISSING).error == "notFound"


@pytest.mark.parametrize("max_depth", [2, 3])
def test_a_service_bid_is_followed_within_max_depth(main: LoopbackServer, max_depth: int) -> None:
    with BifResolverClient(
        main.url, policy=ALLOW, sub_resolver_policy=ALLOW, max_depth=max_depth
    ) as resolver:
        outcome = resolver.resolve(VIA_SERVICE_BID)
    assert outcome.error is None
    assert f"/{SERVICE_BID}" in main.paths


def test_a_service_bid_beyond_max_depth_is_an_error(main: LoopbackServer) -> None:
    with BifResolverClient(
        main.url, policy=ALLOW, sub_resolver_policy=ALLOW, max_depth=1
    ) as resolver:
        outcome = resolver.resolve(VIA_SERVICE_BID)
    assert outcome.error == "internalError"
    assert "more than 1 documents" in detail(outcome)


def test_a_loop_of_service_bids_is_an_error(main: LoopbackServer) -> None:
    with BifResolverClient(
        main.url, policy=ALLOW, sub_resolver_policy=ALLOW, max_depth=10
    ) as resolver:
        outcome = resolver.resolve(bid(32, "lp01"))
    assert outcome.error == "internalError"
    assert f"loops: did:bid:lp01 -> {LOOP_BID} -> did:bid:lp01" in detail(outcome)


def test_an_endpoint_url_gets_the_announced_port(client: BifResolverClient) -> None:
    assert client.resolve(VIA_URL_BID).error is None


@pytest.mark.parametrize(
    ("ac", "code", "reason"),
    [
        ("nosv", "internalError", "announces no DIDSubResolve service"),
        ("tcp1", "featureNotSupported", "binary protocol"),
        ("port", "internalError", "invalid port '80a'"),
        ("urlm", "internalError", "protocol 3 (https) with a http URL"),
        ("qury", "internalError", "has a query or a fragment"),
    ],
)
def test_unusable_sub_resolver_services(
    client: BifResolverClient, ac: str, code: str, reason: str
) -> None:
    outcome = client.resolve(bid(33, ac))
    assert outcome.error == code
    assert reason in detail(outcome)


def test_the_constructor_checks_its_arguments() -> None:
    with pytest.raises(AddressNotAllowed):
        BifResolverClient("file:///var/bif")
    with pytest.raises(AddressNotAllowed, match="query"):
        BifResolverClient("https://resolver.example/?token=1")
    with pytest.raises(ValueError, match="max_depth"):
        BifResolverClient("https://resolver.example", max_depth=0)


def test_results_serialize(client: BifResolverClient) -> None:
    body = json.loads(client.resolve(BID_OK).representation())
    assert body["didDocument"]["id"] == BID_OK
