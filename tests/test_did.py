"""DID and DID URL parsing per the W3C DID Core 1.0 ABNF (sections 3.1 and 3.2).

Examples are taken from DID Core (https://www.w3.org/TR/did-core/) where it has them.
"""

from __future__ import annotations

import dataclasses
import time

import pytest

import bid
from bid.did import MAX_LENGTH

# -- DIDs -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "method", "msid"),
    [
        ("did:example:123456789abcdefghi", "example", "123456789abcdefghi"),  # DID Core 1
        ("did:example:123456789abcdefghijk", "example", "123456789abcdefghijk"),
        ("did:web:w3c-ccg.github.io:user:alice", "web", "w3c-ccg.github.io:user:alice"),
        ("did:example:a:b:c", "example", "a:b:c"),
        ("did:example::abc", "example", ":abc"),  # *( *idchar ":" ) allows an empty segment
        ("did:example:abc%20def", "example", "abc%20def"),
        ("did:example:%E4%B8%AD", "example", "%E4%B8%AD"),
        ("did:example:a.b-c_d", "example", "a.b-c_d"),
        ("did:example:ABCxyz", "example", "ABCxyz"),
        ("did:e2e:1", "e2e", "1"),
        ("did:123:x", "123", "x"),
        ("did:bid:efdPP4ympm36RxTYQJPber1PRKmLWZE", "bid", "efdPP4ympm36RxTYQJPber1PRKmLWZE"),
        (
            "did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK",
            "key",
            "z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK",
        ),
    ],
)
def test_did_parse(text: str, method: str, msid: str) -> None:
    did = bid.DID.parse(text)
    assert did.method == method
    assert did.method_specific_id == msid
    assert str(did) == text
    assert did == bid.DID(method, msid)
    assert hash(did) == hash(bid.DID(method, msid))
    assert bid.DID.parse(str(did)) == did
    # A DID is also a DID URL with nothing after it.
    url = bid.DIDURL.parse(text)
    assert url.did == did
    assert (url.path, url.query, url.fragment) == ("", None, None)
    assert str(url) == text


def test_did_is_frozen() -> None:
    did = bid.DID.parse("did:example:123")
    with pytest.raises(dataclasses.FrozenInstanceError):
        did.method = "other"  # type: ignore[misc]


def test_did_equality() -> None:
    assert bid.DID.parse("did:example:abc") != bid.DID.parse("did:example:ABC")
    assert bid.DID.parse("did:example:abc") != bid.DID.parse("did:other:abc")
    text: object = "did:example:abc"
    assert bid.DID.parse("did:example:abc") != text
    # Percent-encoding is kept as written: no normalisation.
    assert bid.DID.parse("did:example:%41") != bid.DID.parse("did:example:A")


DID_ERRORS = [
    pytest.param("", "starts with the lower-case scheme 'did:'", id="empty"),
    pytest.param("DID:example:123", "scheme 'did:'", id="upper-scheme"),
    pytest.param("Did:example:123", "scheme 'did:'", id="mixed-scheme"),
    pytest.param("di:example:123", "scheme 'did:'", id="short-scheme"),
    pytest.param(" did:example:123", "scheme 'did:'", id="leading-space"),
    pytest.param("urn:example:123", "scheme 'did:'", id="urn"),
    pytest.param("did:example", "did:<method>:<method-specific-id>", id="no-msid"),
    pytest.param("did:", "did:<method>:<method-specific-id>", id="scheme-only"),
    pytest.param("did:Example:123", "method name 'Example'", id="upper-method"),
    pytest.param("did:EXAMPLE:123", "method name 'EXAMPLE'", id="all-upper-method"),
    pytest.param("did::123", "method name ''", id="empty-method"),
    pytest.param("did:ex-ample:123", "method name 'ex-ample'", id="dash-in-method"),
    pytest.param("did:ex_ample:123", "method name", id="underscore-in-method"),
    pytest.param("did:exämple:123", "method name", id="non-ascii-method"),
    pytest.param("did:example:", "method-specific id is empty", id="empty-msid"),
    pytest.param("did:example:abc:", "must not end with ':'", id="trailing-colon"),
    pytest.param("did:example:a:b:", "must not end with ':'", id="trailing-colon-2"),
    pytest.param("did:example:123 ", "' ' at position 3", id="trailing-space"),
    pytest.param("did:example:123\n", "'\\\\n' at position 3", id="trailing-newline"),
    pytest.param("did:example:12\x003", "'\\\\x00' at position 2", id="nul"),
    pytest.param("did:example:1 23", "' ' at position 1", id="inner-space"),
    pytest.param("did:example:123\t", "'\\\\t'", id="tab"),
    pytest.param("did:example:ü", "'ü' at position 0", id="non-ascii"),
    pytest.param("did:example:\uff11\uff12", "position 0", id="fullwidth-digits"),
    pytest.param("did:example:abc%2", "malformed percent-encoding", id="short-percent"),
    pytest.param("did:example:abc%zz", "malformed percent-encoding", id="non-hex-percent"),
    pytest.param("did:example:abc%", "malformed percent-encoding", id="bare-percent"),
    pytest.param("did:example:123#frag", "'#' at position 3", id="fragment"),
    pytest.param("did:example:123?q", "'\\?' at position 3", id="query"),
    pytest.param("did:example:123/path", "'/' at position 3", id="path"),
    pytest.param("did:example:a@b", "'@'", id="at-sign"),
    pytest.param("did:example:a~b", "'~'", id="tilde"),
]


@pytest.mark.parametrize(("text", "message"), DID_ERRORS)
def test_did_errors(text: str, message: str) -> None:
    with pytest.raises(bid.InvalidDID, match=message) as info:
        bid.DID.parse(text)
    assert not isinstance(info.value, bid.InvalidDIDURL)
    assert info.value.code == "invalidDid"
    assert isinstance(info.value, bid.InvalidInput)
    assert isinstance(info.value, ValueError)


def test_did_constructor_checks_parts() -> None:
    with pytest.raises(bid.InvalidDID, match="method name"):
        bid.DID("Example", "123")
    with pytest.raises(bid.InvalidDID, match="method-specific id is empty"):
        bid.DID("example", "")
    with pytest.raises(bid.InvalidDID, match="invalid character"):
        bid.DID("example", "a/b")


def test_did_length_limit() -> None:
    head = "did:example:"
    longest = head + "a" * (MAX_LENGTH - len(head))
    assert len(longest) == MAX_LENGTH
    assert str(bid.DID.parse(longest)) == longest
    with pytest.raises(bid.InvalidDID, match=f"longer than the {MAX_LENGTH} allowed"):
        bid.DID.parse(longest + "a")
    with pytest.raises(bid.InvalidDIDURL, match=f"longer than the {MAX_LENGTH} allowed"):
        bid.DIDURL.parse(longest + "#")


@pytest.mark.parametrize("size", [10_000, 100_000, 1_000_000])
def test_over_long_input_refused_quickly(size: int) -> None:
    for text in ("did:example:" + "a" * size, "did:example:" + "%" * size, "x" * size):
        started = time.perf_counter()
        with pytest.raises(bid.InvalidDID, match="longer than"):
            bid.DID.parse(text)
        with pytest.raises(bid.InvalidDIDURL, match="longer than"):
            bid.DIDURL.parse(text)
        assert time.perf_counter() - started < 0.05  # a guard, not a benchmark


def test_bad_input_just_under_the_limit_is_refused_quickly() -> None:
    # The regex check must not backtrack badly on near-misses of the grammar.
    for body in ("a:" * 2000 + ":", "%4" * 2000, ":" * 4000 + " ", "a" * 4000 + "%"):
        text = "did:example:" + body[: MAX_LENGTH - 12]
        started = time.perf_counter()
        with pytest.raises(bid.InvalidDID):
            bid.DID.parse(text)
        assert time.perf_counter() - started < 0.05


# -- DID URLs ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "did", "path", "query", "fragment"),
    [
        # DID Core examples (sections 3.2.1 and 3.2.2, Example 1).
        (
            "did:example:123?service=agent&relativeRef=/credentials#degree",
            "did:example:123",
            "",
            "service=agent&relativeRef=/credentials",
            "degree",
        ),
        (
            "did:example:123456789abcdefghi#key-1",
            "did:example:123456789abcdefghi",
            "",
            None,
            "key-1",
        ),
        (
            "did:example:123?versionTime=2021-05-10T17:00:00Z",
            "did:example:123",
            "",
            "versionTime=2021-05-10T17:00:00Z",
            None,
        ),
        ("did:example:123/path/to/resource", "did:example:123", "/path/to/resource", None, None),
        (
            "did:example:123456/path?query=1#fragment",
            "did:example:123456",
            "/path",
            "query=1",
            "fragment",
        ),
        ("did:example:123/", "did:example:123", "/", None, None),
        ("did:example:123//a", "did:example:123", "//a", None, None),
        ("did:example:123/a%2Fb", "did:example:123", "/a%2Fb", None, None),
        ("did:example:123/a:b@c!$&'()*+,;=~", "did:example:123", "/a:b@c!$&'()*+,;=~", None, None),
        ("did:example:a:b:c/p", "did:example:a:b:c", "/p", None, None),
        # Empty query and fragment are present-but-empty, not absent.
        ("did:example:123?", "did:example:123", "", "", None),
        ("did:example:123#", "did:example:123", "", None, ""),
        ("did:example:123?#", "did:example:123", "", "", ""),
        ("did:example:123/?#", "did:example:123", "/", "", ""),
        # '?' and '/' may appear inside a query or fragment; '?' after '#' is fragment.
        ("did:example:123?a=/b?c", "did:example:123", "", "a=/b?c", None),
        ("did:example:123#a?b/c", "did:example:123", "", None, "a?b/c"),
        ("did:example:123#%20", "did:example:123", "", None, "%20"),
    ],
)
def test_did_url_parse(
    text: str, did: str, path: str, query: str | None, fragment: str | None
) -> None:
    url = bid.DIDURL.parse(text)
    assert url.did == bid.DID.parse(did)
    assert url.path == path
    assert url.query == query
    assert url.fragment == fragment
    assert str(url) == text
    assert bid.DIDURL.parse(str(url)) == url
    assert url == bid.DIDURL(did=bid.DID.parse(did), path=path, query=query, fragment=fragment)
    assert url == url.did.url(path=path, query=query, fragment=fragment)
    assert hash(url) == hash(bid.DIDURL.parse(text))


def test_empty_and_absent_parts_differ() -> None:
    bare = bid.DIDURL.parse("did:example:123")
    assert bid.DIDURL.parse("did:example:123?") != bare
    assert bid.DIDURL.parse("did:example:123#") != bare
    assert bid.DIDURL.parse("did:example:123?") != bid.DIDURL.parse("did:example:123#")


DID_URL_ERRORS = [
    pytest.param("did:example:123/pa th", r"path is invalid: ' ' at position 3", id="path-space"),
    pytest.param("did:example:123/a\nb", r"path is invalid: '\\n'", id="path-newline"),
    pytest.param("did:example:123/a%zz", "path is invalid: a malformed percent", id="path-pct"),
    pytest.param("did:example:123/a[b]", r"path is invalid: '\['", id="path-bracket"),
    pytest.param("did:example:123?a b", "the query has an invalid character: ' '", id="query"),
    pytest.param("did:example:123?a%G0", "the query .* malformed percent", id="query-pct"),
    pytest.param("did:example:123?a\x00", r"the query .*'\\x00'", id="query-nul"),
    pytest.param("did:example:123#a b", "the fragment has an invalid character", id="fragment"),
    pytest.param("did:example:123#a#b", "the fragment has an invalid character: '#'", id="2-hash"),
    pytest.param("did:example:123#ü", "the fragment has an invalid character: 'ü'", id="frag-u"),
    pytest.param("did:example:123#x\n", r"the fragment .*'\\n'", id="fragment-newline"),
    pytest.param("did:Example:123#x", "invalid DID in DID URL: method name", id="did-method"),
    pytest.param("did:example:#x", "invalid DID in DID URL: .*empty", id="did-empty-msid"),
    pytest.param("did:example:abc:/x", "invalid DID in DID URL: .*end with ':'", id="did-colon"),
    pytest.param("DID:example:1", "invalid DID in DID URL: .*scheme", id="did-scheme"),
    pytest.param("#frag", "invalid DID in DID URL", id="fragment-only"),
    pytest.param("/path", "invalid DID in DID URL", id="path-only"),
    pytest.param("", "invalid DID in DID URL", id="empty"),
]


@pytest.mark.parametrize(("text", "message"), DID_URL_ERRORS)
def test_did_url_errors(text: str, message: str) -> None:
    with pytest.raises(bid.InvalidDIDURL, match=message) as info:
        bid.DIDURL.parse(text)
    assert not isinstance(info.value, bid.InvalidDID)
    assert info.value.code == "invalidDidUrl"
    assert isinstance(info.value, bid.InvalidInput)


def test_did_url_error_keeps_the_did_error_as_cause() -> None:
    with pytest.raises(bid.InvalidDIDURL) as info:
        bid.DIDURL.parse("did:Example:123#x")
    assert isinstance(info.value.__cause__, bid.InvalidDID)


def test_did_url_constructor_checks_parts() -> None:
    did = bid.DID.parse("did:example:123")
    with pytest.raises(bid.InvalidDIDURL, match="does not start with '/'"):
        bid.DIDURL(did=did, path="relative")
    with pytest.raises(bid.InvalidDIDURL, match="the query"):
        bid.DIDURL(did=did, query="a#b")
    with pytest.raises(bid.InvalidDIDURL, match="the fragment"):
        did.url(fragment="a b")


def test_did_parse_refuses_a_did_url() -> None:
    for text in ("did:example:123#key-1", "did:example:123?x=1", "did:example:123/p"):
        with pytest.raises(bid.InvalidDID):
            bid.DID.parse(text)
        assert str(bid.DIDURL.parse(text)) == text


def test_repr_is_unambiguous() -> None:
    did = bid.DID.parse("did:example:123")
    url = bid.DIDURL.parse("did:example:123/p?q#f")
    assert "did:example:123" in repr(did)
    assert "did:example:123/p?q#f" in repr(url)
    assert repr(did) != repr(url)
