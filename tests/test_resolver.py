"""DID resolution and dereferencing: results, error codes, representations, router, cache.

References: W3C DID Resolution (standards-and-peers.md section 4: RFC 9457 problem objects
with ``https://www.w3.org/ns/did#`` type URIs, the older camelCase codes still accepted,
the media types, the metadata); security.md section 3.3 and checklist B 19.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
from collections.abc import Mapping
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest
from hypothesis import given, settings

import bid
from bid._json import JSONValue
from bid.did import DID
from bid.document import DIDDocument
from bid.methods.bid import (
    BidMethod,
    create_operation,
    new_document,
    next_operation,
    updated_document,
)
from bid.methods.key import KeyMethod
from bid.resolver import (
    DID_CONTEXT,
    MEDIA_TYPES,
    CachedResolver,
    DereferencingResult,
    MethodRouter,
    ResolutionResult,
    StaticResolver,
    dereference,
    error_code,
    problem,
)
from bid.strategies import dids

NS = "https://www.w3.org/ns/did#"
RESOLUTION_CONTEXT = "https://w3id.org/did-resolution/v1"
KEY = bid.Ed25519PrivateKey.from_seed(hashlib.sha256(b"test_resolver key").digest())
OTHER_KEY = bid.Ed25519PrivateKey.from_seed(hashlib.sha256(b"test_resolver other").digest())
EXAMPLE_DID = "did:example:123"
KEY_DID = KEY.did_key
OTHER_KEY_DID = OTHER_KEY.did_key

EXAMPLE_JSON: dict[str, Any] = {
    "@context": [DID_CONTEXT],
    "id": EXAMPLE_DID,
    "verificationMethod": [
        {
            "id": f"{EXAMPLE_DID}#key-1",
            "type": "Multikey",
            "controller": EXAMPLE_DID,
            "publicKeyMultibase": KEY.public_key.multikey,
        }
    ],
    "authentication": ["#key-1"],
    "service": [
        {"id": "#hub", "type": "DIDStorage", "serviceEndpoint": "https://hub.example.com/base/"},
        {
            "id": f"{EXAMPLE_DID}#map",
            "type": "LinkedDomains",
            "serviceEndpoint": {"origins": ["https://a.example.com"]},
        },
    ],
}
EXAMPLE = DIDDocument.from_json(EXAMPLE_JSON)
# A document without @context, as application/did+json carries it.
BARE = DIDDocument.from_json({"id": "did:example:bare"})

# Every code of the RFC 9457 table, with its type suffix.
CODES = {
    "invalidDid": "INVALID_DID",
    "invalidDidUrl": "INVALID_DID_URL",
    "invalidOptions": "INVALID_OPTIONS",
    "notFound": "NOT_FOUND",
    "representationNotSupported": "REPRESENTATION_NOT_SUPPORTED",
    "invalidDidDocument": "INVALID_DID_DOCUMENT",
    "methodNotSupported": "METHOD_NOT_SUPPORTED",
    "featureNotSupported": "FEATURE_NOT_SUPPORTED",
    "internalError": "INTERNAL_ERROR",
    "invalidPublicKey": "INVALID_PUBLIC_KEY",
    "invalidPublicKeyLength": "INVALID_PUBLIC_KEY_LENGTH",
    "unsupportedPublicKeyType": "UNSUPPORTED_PUBLIC_KEY_TYPE",
}


class Counting:
    """Wraps a resolver and records every call that reaches it."""

    def __init__(self, inner: Any, name: str = "example") -> None:
        self.inner = inner
        self.name = name
        self.calls: list[tuple[str, Mapping[str, JSONValue] | None]] = []

    def resolve(self, did: str, options: Mapping[str, JSONValue] | None = None) -> ResolutionResult:
        self.calls.append((did, options))
        result: ResolutionResult = self.inner.resolve(did, options)
        return result


class Fixed:
    """Returns the same result for every DID."""

    def __init__(self, result: ResolutionResult) -> None:
        self.result = result
        self.calls = 0

    def resolve(self, did: str, options: Mapping[str, JSONValue] | None = None) -> ResolutionResult:
        self.calls += 1
        return self.result


class Raising:
    """A DID method whose resolve raises ``error``."""

    def __init__(self, name: str, error: Exception) -> None:
        self.name = name
        self.error = error

    def resolve(self, did: str, options: Mapping[str, JSONValue] | None = None) -> ResolutionResult:
        raise self.error


class Liar:
    """A DID method that answers every DID with the same (other) document."""

    def __init__(self, name: str, document: DIDDocument) -> None:
        self.name = name
        self.document = document

    def resolve(self, did: str, options: Mapping[str, JSONValue] | None = None) -> ResolutionResult:
        return ResolutionResult.success(self.document)


class Clock:
    """A settable clock in seconds."""

    def __init__(self, now: float = 1000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def _error_object(result: ResolutionResult | DereferencingResult) -> Mapping[str, JSONValue]:
    metadata = (
        result.did_resolution_metadata
        if isinstance(result, ResolutionResult)
        else result.dereferencing_metadata
    )
    error = metadata["error"]
    assert isinstance(error, Mapping)
    return error


def _assert_problem(result: ResolutionResult | DereferencingResult, code: str) -> None:
    assert result.error == code
    error = _error_object(result)
    assert error["type"] == NS + CODES[code]
    assert isinstance(error["title"], str)
    assert error["title"]
    assert isinstance(error["detail"], str)
    assert error["detail"]
    if isinstance(result, ResolutionResult):
        assert result.did_document is None
    else:
        assert result.content is None


# -- ResolutionResult ---------------------------------------------------------------------


def test_success_result() -> None:
    result = ResolutionResult.success(EXAMPLE, {"versionId": "3"})
    assert result.did_document is EXAMPLE
    assert dict(result.did_resolution_metadata) == {"contentType": "application/did+ld+json"}
    assert dict(result.did_document_metadata) == {"versionId": "3"}
    assert result.error is None
    assert result.deactivated is False
    assert result.raise_for_error() is EXAMPLE
    other = ResolutionResult.success(EXAMPLE, content_type="application/did+json")
    assert other.did_resolution_metadata["contentType"] == "application/did+json"
    assert dict(other.did_document_metadata) == {}


def test_result_metadata_is_read_only_and_copied() -> None:
    given_metadata: dict[str, JSONValue] = {"versionId": "1"}
    result = ResolutionResult.success(EXAMPLE, given_metadata)
    given_metadata["versionId"] = "2"
    assert result.did_document_metadata["versionId"] == "1"
    with pytest.raises(TypeError):
        result.did_document_metadata["versionId"] = "9"  # type: ignore[index]
    with pytest.raises(TypeError):
        result.did_resolution_metadata["contentType"] = "x"  # type: ignore[index]


def test_deactivated_property() -> None:
    assert ResolutionResult.success(EXAMPLE, {"deactivated": True}).deactivated is True
    assert ResolutionResult.success(EXAMPLE, {"deactivated": False}).deactivated is False
    assert ResolutionResult.success(EXAMPLE, {"deactivated": "true"}).deactivated is False


@pytest.mark.parametrize("code", sorted(CODES))
def test_failure_result(code: str) -> None:
    result = ResolutionResult.failure(code, "what went wrong")
    assert result.did_document is None
    assert dict(result.did_resolution_metadata) == {"error": problem(code, "what went wrong")}
    assert dict(result.did_document_metadata) == {}
    error = _error_object(result)
    assert set(error) == {"type", "title", "detail"}
    assert error["type"] == NS + CODES[code]
    assert error["detail"] == "what went wrong"
    assert error["title"] != code  # a human-readable title, not the code again
    _assert_problem(result, code)


def test_problem_titles_are_human_readable() -> None:
    assert problem("notFound", "x") == {
        "type": NS + "NOT_FOUND",
        "title": "Not found",
        "detail": "x",
    }
    assert problem("invalidDid", "y")["title"] == "Invalid DID"
    assert problem("methodNotSupported", "")["type"] == NS + "METHOD_NOT_SUPPORTED"


def test_to_json_of_a_success() -> None:
    result = ResolutionResult.success(EXAMPLE, {"created": "2024-01-01T00:00:00Z"})
    data = result.to_json()
    assert data == {
        "@context": RESOLUTION_CONTEXT,
        "didDocument": EXAMPLE_JSON,
        "didResolutionMetadata": {"contentType": "application/did+ld+json"},
        "didDocumentMetadata": {"created": "2024-01-01T00:00:00Z"},
    }
    assert json.loads(json.dumps(data)) == data
    # a fresh object: changing it changes nothing in the result
    data["didDocument"]["id"] = "did:example:changed"
    data["didDocumentMetadata"]["created"] = "never"
    assert result.to_json()["didDocument"]["id"] == EXAMPLE_DID
    assert result.did_document_metadata["created"] == "2024-01-01T00:00:00Z"


def test_to_json_of_a_failure() -> None:
    data = ResolutionResult.failure("notFound", "no such DID").to_json()
    assert data == {
        "@context": RESOLUTION_CONTEXT,
        "didDocument": None,
        "didResolutionMetadata": {
            "error": {"type": NS + "NOT_FOUND", "title": "Not found", "detail": "no such DID"}
        },
        "didDocumentMetadata": {},
    }


@pytest.mark.parametrize(
    ("code", "exception"),
    [
        ("notFound", bid.NotFound),
        ("invalidDid", bid.InvalidDID),
        ("methodNotSupported", bid.MethodNotSupported),
        ("representationNotSupported", bid.RepresentationNotSupported),
        ("internalError", bid.ResolutionError),
        ("invalidDidUrl", bid.InvalidDIDURL),
        ("invalidDidDocument", bid.InvalidDocument),
        ("invalidPublicKey", bid.InvalidDID),
        ("invalidPublicKeyLength", bid.InvalidDID),
    ],
)
def test_raise_for_error_mapping(code: str, exception: type[bid.BidError]) -> None:
    result = ResolutionResult.failure(code, f"detail of {code}")
    with pytest.raises(exception) as info:
        result.raise_for_error()
    assert type(info.value) is exception
    assert info.value.code == code
    assert info.value.message == f"detail of {code}"


def test_raise_for_error_internal_error_is_exactly_resolution_error() -> None:
    with pytest.raises(bid.ResolutionError) as info:
        ResolutionResult.failure("internalError", "disk on fire").raise_for_error()
    assert type(info.value) is bid.ResolutionError
    assert not isinstance(info.value, bid.NotFound | bid.MethodNotSupported)


@pytest.mark.parametrize(
    "error",
    [
        "notFound",
        NS + "NOT_FOUND",
        {"type": NS + "NOT_FOUND", "title": "Not found", "detail": "gone"},
        {"type": "notFound"},
    ],
    ids=["camelCase", "type-uri", "problem", "problem-with-camelCase-type"],
)
def test_results_with_old_and_new_error_forms(error: JSONValue) -> None:
    result = ResolutionResult(None, {"error": error})
    assert result.error == "notFound"
    with pytest.raises(bid.NotFound):
        result.raise_for_error()


def test_raise_for_error_without_a_document_or_an_error() -> None:
    with pytest.raises(bid.ResolutionError):
        ResolutionResult(None).raise_for_error()


@pytest.mark.parametrize("code", sorted(CODES))
def test_error_code_accepts_every_form(code: str) -> None:
    type_uri = NS + CODES[code]
    assert error_code(code) == code
    assert error_code(type_uri) == code
    assert error_code(CODES[code]) == code
    assert error_code({"type": type_uri, "title": "t", "detail": "d"}) == code
    assert error_code({"type": code}) == code
    assert error_code(problem(code, "d")) == code


@pytest.mark.parametrize("error", [None, 42, True, [], {}, {"title": "no type"}, {"type": 7}])
def test_error_code_of_unreadable_errors_is_internal_error(error: JSONValue) -> None:
    assert error_code(error) == "internalError"


def test_error_code_keeps_codes_it_does_not_know() -> None:
    assert error_code("somethingNew") == "somethingNew"
    assert error_code("https://example.com/errors#GONE") == "https://example.com/errors#GONE"


def test_error_code_inverts_problem_for_any_camel_case_code() -> None:
    for code in ("invalidVerificationMethod", "invalidControlledIdentifierDocumentId"):
        assert error_code(problem(code, "d")) == code
        assert ResolutionResult.failure(code, "d").error == code


# -- representations ------------------------------------------------------------------------


def test_did_json_has_no_context() -> None:
    result = ResolutionResult.success(EXAMPLE)
    data = json.loads(result.representation("application/did+json"))
    assert "@context" not in data
    expected = dict(EXAMPLE_JSON)
    del expected["@context"]
    assert data == expected
    # the result itself is unchanged
    assert EXAMPLE.to_json()["@context"] == [DID_CONTEXT]


@pytest.mark.parametrize("media_type", ["application/did+ld+json", "application/did"])
def test_ld_json_and_generic_did_keep_the_context(media_type: str) -> None:
    assert json.loads(ResolutionResult.success(EXAMPLE).representation(media_type)) == EXAMPLE_JSON


@pytest.mark.parametrize("media_type", ["application/did+ld+json", "application/did"])
def test_ld_json_and_generic_did_add_a_missing_context(media_type: str) -> None:
    data = json.loads(ResolutionResult.success(BARE).representation(media_type))
    assert data == {"@context": DID_CONTEXT, "id": "did:example:bare"}
    assert next(iter(data)) == "@context"
    plain = json.loads(ResolutionResult.success(BARE).representation("application/did+json"))
    assert plain == {"id": "did:example:bare"}


def test_did_resolution_representation_is_the_whole_result() -> None:
    result = ResolutionResult.success(EXAMPLE, {"versionId": "1"})
    assert json.loads(result.representation("application/did-resolution")) == result.to_json()
    assert json.loads(result.representation()) == result.to_json()
    failure = ResolutionResult.failure("notFound", "x")
    assert json.loads(failure.representation("application/did-resolution")) == failure.to_json()


def test_representation_is_utf8_bytes_and_ignores_parameters() -> None:
    document = DIDDocument.from_json({"id": "did:example:123", "name": "星火"})
    result = ResolutionResult.success(document)
    text = result.representation("application/did+json; charset=utf-8")
    assert isinstance(text, bytes)
    assert "星火".encode() in text
    assert json.loads(text.decode("utf-8")) == {"id": "did:example:123", "name": "星火"}


@pytest.mark.parametrize(
    "media_type", ["text/html", "application/json", "application/did+cbor", ""]
)
def test_other_representations_are_refused(media_type: str) -> None:
    with pytest.raises(bid.RepresentationNotSupported):
        ResolutionResult.success(EXAMPLE).representation(media_type)


def test_document_representation_of_a_failure_raises_its_error() -> None:
    with pytest.raises(bid.NotFound):
        ResolutionResult.failure("notFound", "x").representation("application/did+json")
    with pytest.raises(bid.InvalidDID):
        ResolutionResult.failure("invalidDid", "x").representation("application/did+ld+json")


def test_media_types() -> None:
    assert set(MEDIA_TYPES) == {
        "application/did+ld+json",
        "application/did+json",
        "application/did",
        "application/did-resolution",
    }


# -- MethodRouter -------------------------------------------------------------------------


class ExampleMethod:
    """did:example from a StaticResolver, as a DIDMethod."""

    name = "example"

    def __init__(self, *documents: DIDDocument) -> None:
        self.static = StaticResolver(documents or (EXAMPLE,))

    def resolve(self, did: str, options: Mapping[str, JSONValue] | None = None) -> ResolutionResult:
        return self.static.resolve(did, options)


def test_router_sends_each_did_to_its_method() -> None:
    router = MethodRouter([KeyMethod(), ExampleMethod()])
    key_result = router.resolve(KEY_DID)
    assert key_result.error is None
    assert key_result.did_document is not None
    assert key_result.did_document.id == KEY_DID
    example_result = router.resolve(EXAMPLE_DID)
    assert example_result.did_document == EXAMPLE
    _assert_problem(router.resolve("did:example:456"), "notFound")


@pytest.mark.parametrize(
    "did",
    [
        "did:KEY:" + KEY_DID[8:],
        "DID:key:" + KEY_DID[8:],
        " " + KEY_DID,
        KEY_DID + " ",
        KEY_DID + "\n",
        "did:key: " + KEY_DID[8:],
        f"{KEY_DID}#{KEY_DID[8:]}",
        f"{EXAMPLE_DID}#key-1",
        f"{EXAMPLE_DID}?service=hub",
        f"{EXAMPLE_DID}/path",
        "did:example:",
        "did:example",
        "example:123",
        "",
        "did:ex_ample:1",
    ],
)
def test_router_refuses_invalid_dids(did: str) -> None:
    counting = Counting(ExampleMethod())
    router = MethodRouter([KeyMethod(), counting])
    result = router.resolve(did)
    _assert_problem(result, "invalidDid")
    assert counting.calls == []


@pytest.mark.parametrize("did", ["did:web:example.com", "did:bid:efe9Go8grZgiMy2ZFDEYgAtEZUfsNaoy"])
def test_router_unknown_method(did: str) -> None:
    result = MethodRouter([KeyMethod()]).resolve(did)
    _assert_problem(result, "methodNotSupported")
    assert did.split(":")[1] in str(_error_object(result)["detail"])


def test_empty_router_supports_nothing() -> None:
    _assert_problem(MethodRouter([]).resolve(KEY_DID), "methodNotSupported")


@pytest.mark.parametrize(
    ("error", "code"),
    [
        (bid.NotFound("gone"), "notFound"),
        (bid.InvalidDID("bad id"), "invalidDid"),
        (bid.InvalidKey("not on the curve"), "invalidPublicKey"),
        (bid.ResolutionError("timeout"), "internalError"),
        (bid.IntegrityError("corrupt"), "internalError"),
        (bid.Unsupported("no SM2"), "internalError"),
        (bid.InvalidInput("odd"), "internalError"),
    ],
)
def test_router_turns_method_exceptions_into_error_results(error: bid.BidError, code: str) -> None:
    router = MethodRouter([Raising("example", error)])
    result = router.resolve(EXAMPLE_DID)
    _assert_problem(result, code)
    assert _error_object(result)["detail"] == error.message


def test_router_refuses_two_resolvers_for_one_method() -> None:
    with pytest.raises(ValueError, match="did:key"):
        MethodRouter([KeyMethod(), KeyMethod()])
    with pytest.raises(ValueError, match="did:example"):
        MethodRouter([ExampleMethod(), KeyMethod(), Raising("example", bid.NotFound("x"))])


@pytest.mark.parametrize("accept", ["text/html", "application/json", "application/did+cbor"])
def test_router_unsupported_accept(accept: str) -> None:
    counting = Counting(KeyMethod(), "key")
    router = MethodRouter([counting])
    _assert_problem(router.resolve(KEY_DID, {"accept": accept}), "representationNotSupported")
    assert counting.calls == []


@pytest.mark.parametrize("accept", ["*/*", "application/*"])
def test_router_any_media_type_means_did_ld_json(accept: str) -> None:
    result = MethodRouter([KeyMethod()]).resolve(KEY_DID, {"accept": accept})
    assert result.error is None
    assert result.did_resolution_metadata["contentType"] == "application/did+ld+json"
    assert (
        json.loads(result.representation(accept))["@context"][0] == "https://www.w3.org/ns/did/v1"
    )


def test_router_reports_the_content_type_asked_for() -> None:
    result = MethodRouter([KeyMethod()]).resolve(KEY_DID, {"accept": "application/did+json"})
    assert result.did_resolution_metadata["contentType"] == "application/did+json"


def test_router_accept_must_be_a_string() -> None:
    _assert_problem(
        MethodRouter([KeyMethod()]).resolve(KEY_DID, {"accept": ["application/did+json"]}),
        "invalidOptions",
    )


@pytest.mark.parametrize("accept", [*MEDIA_TYPES, "application/did+json; charset=utf-8"])
def test_router_supported_accept(accept: str) -> None:
    result = MethodRouter([KeyMethod()]).resolve(KEY_DID, {"accept": accept})
    assert result.error is None
    assert result.did_document is not None


def test_router_invalid_did_wins_over_a_bad_accept() -> None:
    result = MethodRouter([KeyMethod()]).resolve("did:KEY:x", {"accept": "text/html"})
    assert result.error == "invalidDid"


def test_router_passes_the_did_and_options_through() -> None:
    counting = Counting(ExampleMethod())
    router = MethodRouter([counting])
    options: dict[str, JSONValue] = {"versionId": "2", "accept": "application/did+json"}
    router.resolve(EXAMPLE_DID, options)
    assert counting.calls == [(EXAMPLE_DID, options)]


def test_router_refuses_a_document_about_another_did() -> None:
    router = MethodRouter([Liar("example", EXAMPLE)])
    result = router.resolve("did:example:456")
    assert result.did_document is None
    assert result.error is not None


def test_dereference_refuses_a_document_about_another_did() -> None:
    result = dereference("did:example:456#key-1", Liar("example", EXAMPLE))
    assert result.content is None
    assert result.error is not None


# -- CachedResolver -------------------------------------------------------------------------


def _cached(
    inner: Any = None, *, ttl: float = 60.0, max_size: int = 8
) -> tuple[CachedResolver, Counting, Clock]:
    counting = Counting(inner if inner is not None else MethodRouter([KeyMethod()]))
    clock = Clock()
    return CachedResolver(counting, ttl=ttl, max_size=max_size, clock=clock), counting, clock


def test_cache_hit_returns_the_identical_result() -> None:
    cache, counting, _ = _cached()
    first = cache.resolve(KEY_DID)
    second = cache.resolve(KEY_DID)
    assert first.error is None
    assert second is first
    assert len(counting.calls) == 1
    assert len(cache) == 1


def test_cache_expires_after_ttl() -> None:
    cache, counting, clock = _cached(ttl=60.0)
    first = cache.resolve(KEY_DID)
    clock.now += 59.9
    assert cache.resolve(KEY_DID) is first
    assert len(counting.calls) == 1
    clock.now += 0.2  # 60.1 s after the first resolution
    refreshed = cache.resolve(KEY_DID)
    # asked again (KeyMethod may hand back its own kept result: did:key never changes)
    assert len(counting.calls) == 2
    assert refreshed.did_document == first.did_document
    # the refreshed entry has its own ttl, counted from the refresh
    clock.now += 59.9
    assert cache.resolve(KEY_DID) is refreshed
    assert len(counting.calls) == 2
    assert len(cache) == 1


def test_cache_evicts_the_least_recently_used() -> None:
    cache, counting, _ = _cached(max_size=2)
    a, b, c = KEY_DID, OTHER_KEY_DID, bid.Ed25519PrivateKey.from_seed(b"c" * 32).did_key
    result_a = cache.resolve(a)
    cache.resolve(b)
    assert cache.resolve(a) is result_a  # a is now the most recently used
    cache.resolve(c)  # evicts b
    assert len(cache) == 2
    assert len(counting.calls) == 3
    assert cache.resolve(a) is result_a
    assert len(counting.calls) == 3
    cache.resolve(b)  # a miss: b was evicted (and this evicts c)
    assert len(counting.calls) == 4
    assert [call[0] for call in counting.calls] == [a, b, c, b]
    cache.resolve(c)
    assert len(counting.calls) == 5
    assert len(cache) == 2


def test_cache_key_includes_the_options() -> None:
    cache, counting, _ = _cached()
    plain = cache.resolve(KEY_DID)
    suite = cache.resolve(KEY_DID, {"publicKeyFormat": "Ed25519VerificationKey2020"})
    assert len(counting.calls) == 2
    assert plain.did_document != suite.did_document
    assert suite.did_document is not None
    assert suite.did_document.verification_method[0].type == "Ed25519VerificationKey2020"
    assert cache.resolve(KEY_DID) is plain
    assert cache.resolve(KEY_DID, {"publicKeyFormat": "Ed25519VerificationKey2020"}) is suite
    both: dict[str, JSONValue] = {
        "enableEncryptionKeyDerivation": False,
        "accept": "application/did",
    }
    reordered: dict[str, JSONValue] = {
        "accept": "application/did",
        "enableEncryptionKeyDerivation": False,
    }
    first = cache.resolve(KEY_DID, both)
    assert cache.resolve(KEY_DID, reordered) is first  # the key does not depend on the order
    assert len(counting.calls) == 3
    assert cache.resolve(KEY_DID, {}) is plain  # no options and empty options are the same
    assert len(cache) == 3


def test_cache_never_keeps_not_found() -> None:
    cache, counting, _ = _cached(StaticResolver([EXAMPLE]))
    for _ in range(3):
        assert cache.resolve("did:example:456").error == "notFound"
    assert len(counting.calls) == 3
    assert len(cache) == 0


@pytest.mark.parametrize("code", ["internalError", "notFound", "invalidDid", "methodNotSupported"])
def test_cache_never_keeps_error_results(code: str) -> None:
    inner = Fixed(ResolutionResult.failure(code, "temporary"))
    cache = CachedResolver(inner, ttl=60.0, max_size=4, clock=Clock())
    for _ in range(3):
        assert cache.resolve(EXAMPLE_DID).error == code
    assert inner.calls == 3
    assert len(cache) == 0


def test_cache_does_not_keep_an_old_form_error() -> None:
    inner = Fixed(ResolutionResult(None, {"error": "internalError"}))
    cache = CachedResolver(inner, clock=Clock())
    cache.resolve(EXAMPLE_DID)
    cache.resolve(EXAMPLE_DID)
    assert inner.calls == 2


def test_cache_recovers_once_the_inner_resolver_does() -> None:
    inner = Fixed(ResolutionResult.failure("internalError", "down"))
    cache = CachedResolver(inner, clock=Clock())
    assert cache.resolve(EXAMPLE_DID).error == "internalError"
    inner.result = ResolutionResult.success(EXAMPLE)
    good = cache.resolve(EXAMPLE_DID)
    assert good.error is None
    inner.result = ResolutionResult.failure("internalError", "down again")
    assert cache.resolve(EXAMPLE_DID) is good
    assert inner.calls == 2


def test_cache_entry_cannot_be_changed_through_a_returned_document() -> None:
    cache, _, _ = _cached()
    first = cache.resolve(KEY_DID)
    assert first.did_document is not None
    before = first.did_document.to_json()
    authentication: Any = first.did_document.properties["authentication"]
    with contextlib.suppress(AttributeError, TypeError):  # an immutable sequence is the fix
        authentication.append("did:key:attacker#x")
    again = cache.resolve(KEY_DID)
    assert again.did_document is not None
    assert again.did_document.to_json() == before


def test_cache_clear() -> None:
    cache, counting, _ = _cached()
    cache.resolve(KEY_DID)
    cache.clear()
    assert len(cache) == 0
    cache.resolve(KEY_DID)
    assert len(counting.calls) == 2


@pytest.mark.parametrize(("ttl", "max_size"), [(0, 1), (-1, 1), (1, 0), (1, -5), (0.0, 0)])
def test_cache_refuses_non_positive_limits(ttl: float, max_size: int) -> None:
    with pytest.raises(ValueError, match="positive"):
        CachedResolver(KeyMethod(), ttl=ttl, max_size=max_size)


def test_cache_default_clock_works() -> None:
    cache = CachedResolver(KeyMethod())
    assert cache.resolve(KEY_DID) is cache.resolve(KEY_DID)


# -- StaticResolver -------------------------------------------------------------------------


def test_static_resolver() -> None:
    static = StaticResolver([EXAMPLE, BARE])
    result = static.resolve(EXAMPLE_DID)
    assert result.did_document is EXAMPLE
    assert result.error is None
    assert static.resolve("did:example:bare").did_document is BARE
    _assert_problem(static.resolve("did:example:456"), "notFound")
    _assert_problem(static.resolve("did:example:123#key-1"), "invalidDid")
    _assert_problem(static.resolve("not a did"), "invalidDid")
    _assert_problem(
        static.resolve(EXAMPLE_DID, {"accept": "text/html"}), "representationNotSupported"
    )
    _assert_problem(static.resolve(EXAMPLE_DID, {"accept": 1}), "invalidOptions")
    assert static.resolve(EXAMPLE_DID, {"accept": "application/did+json"}).did_document is EXAMPLE
    _assert_problem(StaticResolver([]).resolve(EXAMPLE_DID), "notFound")


# -- dereference ----------------------------------------------------------------------------

STATIC = StaticResolver([EXAMPLE])


def test_dereference_a_plain_did_gives_the_document() -> None:
    result = dereference(EXAMPLE_DID, STATIC)
    assert result.error is None
    assert result.content == EXAMPLE_JSON
    assert dict(result.dereferencing_metadata) == {"contentType": "application/did+ld+json"}
    data = result.to_json()
    assert data["contentStream"] == EXAMPLE_JSON
    assert data["dereferencingMetadata"] == {"contentType": "application/did+ld+json"}
    assert data["contentMetadata"] == {}


@pytest.mark.parametrize("fragment", ["key-1"])
def test_dereference_a_verification_method(fragment: str) -> None:
    result = dereference(f"{EXAMPLE_DID}#{fragment}", STATIC)
    assert result.error is None
    assert result.content == EXAMPLE_JSON["verificationMethod"][0]
    assert result.dereferencing_metadata["contentType"] == "application/did+ld+json"


@pytest.mark.parametrize(("fragment", "index"), [("hub", 0), ("map", 1)])
def test_dereference_a_service_by_fragment(fragment: str, index: int) -> None:
    result = dereference(f"{EXAMPLE_DID}#{fragment}", STATIC)
    assert result.error is None
    assert result.content == EXAMPLE_JSON["service"][index]


@pytest.mark.parametrize("fragment", ["key-2", "hubx", "", "KEY-1"])
def test_dereference_a_missing_fragment(fragment: str) -> None:
    _assert_problem(dereference(f"{EXAMPLE_DID}#{fragment}", STATIC), "notFound")


def test_dereference_a_service_endpoint() -> None:
    result = dereference(f"{EXAMPLE_DID}?service=hub", STATIC)
    assert result.error is None
    assert result.content == "https://hub.example.com/base/"
    assert result.dereferencing_metadata["contentType"] == "text/uri-list"


@pytest.mark.parametrize(
    ("relative_ref", "url"),
    [
        ("/inbox", "https://hub.example.com/inbox"),
        ("inbox", "https://hub.example.com/base/inbox"),
        ("%2Finbox%3Fpage%3D2", "https://hub.example.com/inbox?page=2"),
        ("../up", "https://hub.example.com/up"),
    ],
)
def test_dereference_a_service_with_relative_ref(relative_ref: str, url: str) -> None:
    result = dereference(f"{EXAMPLE_DID}?service=hub&relativeRef={relative_ref}", STATIC)
    assert result.error is None
    assert result.content == url
    assert result.dereferencing_metadata["contentType"] == "text/uri-list"


def test_dereference_service_keeps_the_fragment() -> None:
    result = dereference(f"{EXAMPLE_DID}?service=hub&relativeRef=/inbox#latest", STATIC)
    assert result.content == "https://hub.example.com/inbox#latest"


def test_dereference_relative_ref_needs_a_url_endpoint() -> None:
    result = dereference(f"{EXAMPLE_DID}?service=map&relativeRef=/x", STATIC)
    _assert_problem(result, "featureNotSupported")


@pytest.mark.parametrize("service", ["nope", "key-1", "HUB"])
def test_dereference_a_missing_service(service: str) -> None:
    _assert_problem(dereference(f"{EXAMPLE_DID}?service={service}", STATIC), "notFound")


@pytest.mark.parametrize(
    "url",
    [
        f"{EXAMPLE_DID}?hl=zQmWvQxTqbG2Z9HPJgG57jjwR154cKhbtJenbyYTWkjgF3e",
        f"{EXAMPLE_DID}?service=hub&hl=x",
        f"{EXAMPLE_DID}?foo=bar",
        f"{EXAMPLE_DID}/path",
        f"{EXAMPLE_DID}/path#key-1",
        f"{EXAMPLE_DID}/",
    ],
)
def test_dereference_unsupported_features(url: str) -> None:
    _assert_problem(dereference(url, STATIC), "featureNotSupported")


@pytest.mark.parametrize(
    "url",
    [
        "not a did",
        "did:Example:123#key-1",
        f"{EXAMPLE_DID}#key 1",
        f"{EXAMPLE_DID}#key-1#again",
        f"{EXAMPLE_DID}?service=a b",
        f"{EXAMPLE_DID}?service",
        f"{EXAMPLE_DID}?service=hub&&relativeRef=/x",
        "did:example:#key-1",
        "",
    ],
)
def test_dereference_invalid_did_urls(url: str) -> None:
    counting = Counting(STATIC)
    _assert_problem(dereference(url, counting), "invalidDidUrl")
    assert counting.calls == []


def test_dereference_passes_resolution_errors_through() -> None:
    missing = dereference("did:example:456#key-1", STATIC)
    _assert_problem(missing, "notFound")
    unsupported = dereference("did:web:example.com#key-1", MethodRouter([KeyMethod()]))
    _assert_problem(unsupported, "methodNotSupported")
    assert _error_object(unsupported) == _error_object(
        MethodRouter([KeyMethod()]).resolve("did:web:example.com")
    )


def test_dereference_passes_options_to_the_resolver() -> None:
    counting = Counting(STATIC)
    dereference(f"{EXAMPLE_DID}#key-1", counting, {"accept": "application/did+ld+json"})
    assert counting.calls == [(EXAMPLE_DID, {"accept": "application/did+ld+json"})]
    dereference(f"{EXAMPLE_DID}#key-1", counting)
    assert counting.calls[-1] == (EXAMPLE_DID, None)
    refused = dereference(EXAMPLE_DID, STATIC, {"accept": "text/html"})
    _assert_problem(refused, "representationNotSupported")


# -- dereferencing versions through BidMethod -----------------------------------------------

T0 = datetime(2024, 3, 1, 8, 0, 0, tzinfo=timezone.utc)


class Times:
    """A registry clock that returns the next of a fixed list of times."""

    def __init__(self, *times: datetime) -> None:
        self.times = list(times)

    def __call__(self) -> datetime:
        return self.times.pop(0)


def _three_versions() -> tuple[bid.MemoryRegistry, str, list[bid.BIDDocument]]:
    times = [T0, T0 + timedelta(days=1), T0 + timedelta(days=2)]
    registry = bid.MemoryRegistry(clock=Times(*times))
    first = new_document(KEY, now=times[0], services=[("hub", "DIDStorage", "https://v1.example")])
    head = registry.submit(create_operation(first, KEY))
    documents = [first]
    for number, moment in enumerate(times[1:], start=2):
        document = updated_document(
            head.document,
            now=moment,
            services=[("hub", "DIDStorage", f"https://v{number}.example")],
        )
        head = registry.submit(next_operation("update", head, KEY, document=document))
        documents.append(document)
    return registry, first.id, documents


def test_dereference_passes_version_id_to_the_resolver() -> None:
    registry, did, documents = _three_versions()
    router = MethodRouter([KeyMethod(), BidMethod(registry)])
    latest = dereference(did, router)
    assert latest.content == documents[2].to_did_document().to_json()
    assert latest.content_metadata["versionId"] == "3"
    for number in (1, 2, 3):
        result = dereference(f"{did}?versionId={number}", router)
        assert result.error is None
        assert result.content == documents[number - 1].to_did_document().to_json()
        assert result.content_metadata["versionId"] == str(number)
        endpoint = dereference(f"{did}?versionId={number}&service=hub", router)
        assert endpoint.content == f"https://v{number}.example"
    assert dereference(f"{did}?versionId=1", router).content_metadata["nextVersionId"] == "2"
    _assert_problem(dereference(f"{did}?versionId=4", router), "notFound")
    _assert_problem(dereference(f"{did}?versionId=x", router), "invalidOptions")
    between = dereference(f"{did}?versionTime=2024-03-02T20:00:00Z&service=hub", router)
    assert between.content == "https://v2.example"
    key = dereference(f"{did}?versionId=1#key-1", router)
    assert isinstance(key.content, Mapping)
    assert key.content["publicKeyHex"] == KEY.public_key.to_bif()


def test_dereference_version_id_reaches_the_resolver_as_an_option() -> None:
    counting = Counting(STATIC)
    dereference(f"{EXAMPLE_DID}?versionId=7&service=hub", counting)
    assert counting.calls == [(EXAMPLE_DID, {"versionId": "7"})]
    dereference(
        f"{EXAMPLE_DID}?versionTime=2024-01-01T00:00:00Z", counting, {"accept": "application/did"}
    )
    assert counting.calls[-1] == (
        EXAMPLE_DID,
        {"accept": "application/did", "versionTime": "2024-01-01T00:00:00Z"},
    )


# -- property: did:key resolution and dereferencing ---------------------------------------


@settings(max_examples=40)
@given(did=dids(methods=["key"]))
def test_random_did_keys_resolve_and_dereference_to_their_key(did: DID) -> None:
    text = str(did)
    router = MethodRouter([KeyMethod()])
    result = router.resolve(text)
    assert result.error is None
    assert result.did_document is not None
    assert result.did_document.id == text
    expected = bid.Ed25519PublicKey.from_did_key(text)
    multikey = did.method_specific_id
    dereferenced = dereference(f"{text}#{multikey}", router)
    assert dereferenced.error is None
    content = dereferenced.content
    assert isinstance(content, Mapping)
    assert content["id"] == f"{text}#{multikey}"
    assert content["controller"] == text
    assert bid.Ed25519PublicKey.from_multikey(str(content["publicKeyMultibase"])) == expected
    assert bid.VerificationMethod(content).public_key() == expected


def test_cached_resolver_is_safe_to_share_between_threads() -> None:
    # Many threads hitting the same entries while they expire and get evicted: no
    # exception, every result correct (a server resolves from a thread pool).
    import threading
    import time

    ticks = iter(range(10**9))

    def clock() -> float:
        time.sleep(0.0001)  # give the other threads the interpreter between two steps
        return float(next(ticks))

    cache = CachedResolver(MethodRouter([KeyMethod()]), ttl=3, max_size=4, clock=clock)
    dids = [bid.Ed25519PrivateKey.from_seed(bytes([i]) * 32).did_key for i in range(6)]
    failures: list[BaseException] = []

    def work() -> None:
        try:
            for n in range(300):
                did = dids[n % len(dids)]
                result = cache.resolve(did)
                assert result.did_document is not None
                assert result.did_document.id == did
        except BaseException as exc:
            failures.append(exc)

    threads = [threading.Thread(target=work) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []
    assert len(cache) <= 4
