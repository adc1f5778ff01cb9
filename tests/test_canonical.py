"""The fast paths of the credential pipeline against the straightforward code they replace.

- ``bid._json.canonical`` against ``rfc8785.dumps`` (the reference): the same bytes, or
  both refuse. Random JSON from the whole Unicode range (non-BMP characters, controls,
  U+2028, quotes, backslashes, lone surrogates), integers around +/-2^53, floats (-0.0,
  1e21, 5e-324, integral floats), and names whose UTF-16 order differs from their code
  point order.
- The C-encoder fast path by itself (where the walk admits a value) and the integral-float
  rewrite by itself, so a change that sends everything to the reference cannot pass here.
- ``bid._json.check_value`` against its reference walk: the same verdict and message.
- ``data_integrity._copy`` against ``copy.deepcopy``; the cached verification-method and
  Multikey look-ups against uncached calls.
- The resolver given to ``verify_credential`` is used even when it is empty (falsy).
"""

from __future__ import annotations

import copy
import math
from collections.abc import Callable
from types import MappingProxyType
from typing import Any

import pytest
import rfc8785
from hypothesis import example, given
from hypothesis import strategies as st

from bid import data_integrity as di
from bid import document as doc_module
from bid import vc
from bid._json import (
    MAX_DEPTH,
    MAX_SAFE_INTEGER,
    _canonical_reference,
    _check_value_reference,
    _encode,
    _integral,
    _make_encoder,
    _scan,
    _Unusual,
    canonical,
    check_value,
    loads_strict,
)
from bid.document import DIDDocument
from bid.errors import BidError, InvalidDocument, InvalidVerificationMethod, ParseError
from bid.keys import Ed25519PrivateKey
from bid.methods.key import KeyMethod
from bid.resolver import CachedResolver, MethodRouter, StaticResolver
from bid.vc import verify_credential

# -- strategies -----------------------------------------------------------------------------------

# Every code point, lone surrogates included (Hypothesis leaves category Cs out by default).
ANY_CHAR = st.characters(codec=None, exclude_categories=())
# What makes JSON strings interesting: escapes, controls, the JavaScript line separators,
# DEL, the last BMP characters (which sort after surrogates in UTF-16) and emoji.
_PLAIN_SPECIALS = ['"', "\\", "/", "\b", "\f", "\n", "\r", "\t", "\x00", "\x1f", "\x7f"]
_PLAIN_SPECIALS += ["\u2028", "\u2029", "\ue000", "\uffff", "\ufeff", "é", "a", "z", "A"]
_WIDE = ["\U00010000", "\U0001f600", "\U0010ffff"]
PLAIN_SPECIAL_CHARS = st.sampled_from(_PLAIN_SPECIALS + _WIDE)
SPECIAL_CHARS = st.sampled_from([*_PLAIN_SPECIALS, *_WIDE, "\ud800", "\udfff"])
CHARS = st.one_of(ANY_CHAR, SPECIAL_CHARS)
TEXT = st.text(CHARS, max_size=12)
SAFE_EDGE = st.sampled_from([0, 1, -1, MAX_SAFE_INTEGER, -MAX_SAFE_INTEGER])
INTEGERS = st.one_of(
    st.integers(min_value=-MAX_SAFE_INTEGER, max_value=MAX_SAFE_INTEGER),
    st.integers(min_value=MAX_SAFE_INTEGER - 3, max_value=MAX_SAFE_INTEGER + 3),
    st.integers(min_value=-MAX_SAFE_INTEGER - 3, max_value=-MAX_SAFE_INTEGER + 3),
    SAFE_EDGE,
)
SPECIAL_FLOATS = st.sampled_from(
    [
        *(0.0, -0.0, 1.0, -1.0, 1e21, 1e20, 1e-6, 1e-7, 5e-324, 1.7976931348623157e308),
        *(2.0**53, -(2.0**53), 2.0**53 + 2, 2.0**53 - 1, 1e16, 1e15 + 0.5, 0.1, 123.0),
    ]
)
FLOATS = st.one_of(
    st.floats(allow_nan=False, allow_infinity=False),
    st.integers(min_value=-(2**54), max_value=2**54).map(float),  # integral floats
    SPECIAL_FLOATS,
)
SCALARS = st.one_of(st.none(), st.booleans(), INTEGERS, FLOATS, TEXT)


def _json(leaves: st.SearchStrategy[Any], keys: st.SearchStrategy[str]) -> st.SearchStrategy[Any]:
    return st.recursive(
        leaves,
        lambda children: st.one_of(
            st.lists(children, max_size=5),
            st.dictionaries(keys, children, max_size=5),
        ),
        max_leaves=20,
    )


JSON = _json(SCALARS, TEXT)
# Plain JSON the fast path takes: no floats, safe integers, no surrogates, BMP names.
BMP_TEXT = st.text(
    st.one_of(st.characters(codec="utf-8", max_codepoint=0xFFFF), st.sampled_from(_PLAIN_SPECIALS)),
    max_size=12,
)
PLAIN_SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-MAX_SAFE_INTEGER, max_value=MAX_SAFE_INTEGER),
    SAFE_EDGE,
    st.text(st.one_of(st.characters(codec="utf-8"), PLAIN_SPECIAL_CHARS), max_size=12),
)
PLAIN_JSON = _json(PLAIN_SCALARS, BMP_TEXT)


def _reference(value: Any) -> bytes | None:
    """rfc8785's bytes, or None where it refuses."""
    try:
        return rfc8785.dumps(value)
    except (rfc8785.CanonicalizationError, TypeError, ValueError):
        return None


def _ours(value: Any) -> bytes | None:
    try:
        return canonical(value)
    except ParseError:
        return None


# -- canonical() against rfc8785 ------------------------------------------------------------------


@given(JSON)
@example({"\ue000": 1, "\U0001f600": 2})
@example({"\U0001f600": {"\uffff": [], "\U00010000": None}})
@example([-0.0, 1e21, 5e-324, 2.0**53, 1e16, 0.1])
@example({"a": '\u2028\u2029\x7f\x00\x1f"\\/'})
@example({"b": 2**53})
@example(["\ud800"])
@example({"\udfff": 1})
def test_canonical_matches_rfc8785(value: Any) -> None:
    assert _ours(value) == _reference(value)


@given(PLAIN_JSON)
def test_fast_path_alone_matches_rfc8785(value: Any) -> None:
    """The C encoder path by itself (not through canonical's fallback)."""
    assert _scan(value) == 0
    assert _encode(value).encode("utf-8") == rfc8785.dumps(value)


_DOCUMENTED_ENCODER = _make_encoder(use_c=False)


@given(PLAIN_JSON)
def test_fallback_encoder_matches_rfc8785(value: Any) -> None:
    """The documented JSONEncoder, used where CPython's C encoder is missing."""
    assert _DOCUMENTED_ENCODER(value).encode("utf-8") == rfc8785.dumps(value)


@given(_json(st.one_of(PLAIN_SCALARS, FLOATS), BMP_TEXT))
def test_integral_float_rewrite_matches_rfc8785(value: Any) -> None:
    """Where every float is integral and at most 2^53, the rewrite gives rfc8785's bytes."""
    try:
        rewritten = _integral(value)
    except _Unusual:
        return  # a float that is not integral or too large: the reference handles it
    assert _encode(rewritten).encode("utf-8") == rfc8785.dumps(value)


@pytest.mark.parametrize(
    "number",
    [0.0, -0.0, 1.0, -1.0, 2.0**53, -(2.0**53), 2.0**53 - 1, 1e15, 123456789012345.0],
)
def test_integral_floats_are_written_as_integers(number: float) -> None:
    assert canonical({"n": number}) == rfc8785.dumps({"n": number})
    assert canonical([number]) == f"[{int(number)}]".encode()


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        # UTF-16 order: U+1F600 is D83D DE00, before U+E000 in code units, after in code points.
        ({"\ue000": 1, "\U0001f600": 2}, '{"\U0001f600":2,"\ue000":1}'),
        ({"\uffff": 1, "\U00010000": 2, "a": 3}, '{"a":3,"\U00010000":2,"\uffff":1}'),
        ({"b": [1, "x"], "a": {"d": None, "c": True}}, '{"a":{"c":true,"d":null},"b":[1,"x"]}'),
        ("\u2028\x7f\x1f\b", '"\u2028\x7f\\u001f\\b"'),
        ([1e21, 1e20, -0.0, 5e-324], "[1e+21,100000000000000000000,0,5e-324]"),
        ([MAX_SAFE_INTEGER, -MAX_SAFE_INTEGER], "[9007199254740991,-9007199254740991]"),
    ],
)
def test_known_canonical_forms(value: Any, expected: str) -> None:
    assert canonical(value) == expected.encode("utf-8") == rfc8785.dumps(value)


@pytest.mark.parametrize(
    "value",
    [
        2**53,
        -(2**53),
        {"a": [2**63]},
        math.nan,
        math.inf,
        ["\ud800"],
        {"\udc00": 1},
        {1: "a"},
        {"a": {None: 1}},
        {"a": b"bytes"},
        {"a": {1, 2}},
        MappingProxyType({"a": 1}),
    ],
)
def test_canonical_refuses_what_rfc8785_refuses(value: Any) -> None:
    assert _reference(value) is None
    with pytest.raises(ParseError):
        canonical(value)


def test_canonical_takes_what_only_the_reference_takes() -> None:
    """Tuples, dict and int subclasses: the walk leaves them to rfc8785, which takes them."""

    class Sub(dict[str, Any]):
        pass

    values: list[Any] = [("a", 1), {"t": (1, 2)}, Sub(b=1, a=2), {"x": True}, [False, None]]
    for value in values:
        assert canonical(value) == rfc8785.dumps(value)


def test_deep_nesting_falls_back() -> None:
    value: Any = "x"
    for _ in range(50):
        value = [value, {"k": value}] if isinstance(value, str) else [value]
    assert canonical(value) == _canonical_reference(value)


def test_the_w3c_jcs_vector_is_on_the_fast_path(vectors: Callable[[str], Any]) -> None:
    document = vectors("w3c-vectors.json")["vc_di_eddsa"]["unsigned_credential"]["document"]
    assert _scan(document) == 0
    assert canonical(document) == rfc8785.dumps(document)


# -- check_value against its reference walk -------------------------------------------------------


def _verdict(check: Callable[[], None]) -> str | None:
    try:
        check()
    except ParseError as exc:
        return exc.message
    return None


ODD_VALUES = st.sampled_from(
    [
        math.nan,
        -math.inf,
        2**53,
        (1, "a"),
        MappingProxyType({"a": [1]}),
        {1: 2},
        b"x",
        object(),
        "\ud800",
        True,
        None,
    ]
)


@given(_json(st.one_of(SCALARS, ODD_VALUES), st.one_of(TEXT, st.just("\udc00"))))
@example({"a": [1, (2, math.nan)]})
@example({"k": MappingProxyType({"\ud800": 1})})
def test_check_value_matches_its_reference(value: Any) -> None:
    fast = _verdict(lambda: check_value(value, what="doc"))
    slow = _verdict(lambda: _check_value_reference(value, "doc"))
    assert fast == slow


# -- the copies, caches and shortcuts of the pipeline ---------------------------------------------


@given(_json(st.one_of(SCALARS, st.tuples(st.integers(), TEXT)), TEXT))
def test_copy_matches_deepcopy(value: Any) -> None:
    copied = di._copy(value)
    assert copied == copy.deepcopy(value)
    assert type(copied) is type(value)
    _assert_unshared(copied, value)


def _assert_unshared(copied: Any, original: Any) -> None:
    """No dict or list of the copy is an object of the original."""
    if isinstance(original, dict | list):
        assert copied is not original
        children = (
            zip(copied.values(), original.values(), strict=True)
            if isinstance(original, dict)
            else zip(copied, original, strict=True)
        )
        for mine, theirs in children:
            _assert_unshared(mine, theirs)


def test_issue_does_not_share_the_callers_objects() -> None:
    key = Ed25519PrivateKey.from_seed(bytes(32))
    method = f"{key.did_key}#{key.public_key.multikey}"
    credential: dict[str, Any] = {
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "type": ["VerifiableCredential"],
        "issuer": key.did_key,
        "credentialSubject": {"id": "did:example:1", "list": [1, {"a": "b"}]},
    }
    before = copy.deepcopy(credential)
    signed = vc.issue(credential, key, verification_method=method)
    assert isinstance(signed, dict)
    signed["credentialSubject"]["list"][1]["a"] = "changed"
    signed["@context"].append("https://example.org/x")
    signed["proof"]["@context"].append("https://example.org/y")
    assert credential == before


@given(st.text(max_size=60))
@example("did:key:z6Mk#z6Mk")
@example("did:key:z6Mk?x=1#f")
@example("did:key:z6Mk")
def test_method_did_cache_matches_a_fresh_parse(text: str) -> None:
    def fresh() -> str:
        vc._method_did.cache_clear()
        return vc._method_did(text)

    outcomes = []
    for call in (fresh, lambda: vc._method_did(text), lambda: vc._method_did(text)):
        try:
            outcomes.append(call())
        except InvalidVerificationMethod as exc:
            outcomes.append(f"{exc.code}: {exc.message}")
    assert outcomes[0] == outcomes[1] == outcomes[2]


@given(
    st.sampled_from([None, "Multikey", "Ed25519VerificationKey2020", "JsonWebKey2020"]),
    st.one_of(
        st.binary(min_size=32, max_size=32).map(
            lambda raw: Ed25519PrivateKey.from_seed(raw).public_key.multikey
        ),
        st.text(
            alphabet="z123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz", max_size=60
        ),
    ),
)
def test_multikey_cache_matches_an_uncached_read(vm_type: str | None, text: str) -> None:
    outcomes = []
    for read in (
        doc_module._multibase_key,
        doc_module._multibase_key_cached,
        doc_module._multibase_key_cached,
    ):
        try:
            outcomes.append(read(vm_type, text).public_bytes().hex())
        except BidError as exc:
            outcomes.append(f"{type(exc).__name__}: {exc.message}")
    assert outcomes[0] == outcomes[1] == outcomes[2]


def test_an_empty_cached_resolver_is_still_the_resolver() -> None:
    """A CachedResolver with nothing cached yet is falsy (it has a length); it must not be
    replaced by the default resolver, which would resolve DIDs the caller never allowed."""
    key = Ed25519PrivateKey.from_seed(bytes(range(32)))
    method = f"{key.did_key}#{key.public_key.multikey}"
    credential: dict[str, Any] = {
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "type": ["VerifiableCredential"],
        "issuer": key.did_key,
        "credentialSubject": {"id": "did:example:1"},
    }
    signed = vc.issue(credential, key, verification_method=method)
    pinned = CachedResolver(StaticResolver([]))  # trusts no DID at all
    assert len(pinned) == 0
    result = vc.verify_credential(signed, resolver=pinned)
    assert not result.verified
    assert [e["check"] for e in result.errors] == ["proof"]
    assert "not in this resolver" in result.errors[0]["message"]
    cached = CachedResolver(MethodRouter([KeyMethod()]))
    assert vc.verify_credential(signed, resolver=cached).verified
    assert len(cached) == 1  # the caller's cache was used, and filled


# -- nesting depth ------------------------------------------------------------------------------


def _nested(levels: int, *, kind: str, leaf: Any = "x") -> Any:
    value: Any = leaf
    for _ in range(levels):
        value = [value] if kind == "list" else {"a": value}
    return value


@pytest.mark.parametrize("kind", ["list", "dict"])
@pytest.mark.parametrize("leaf", ["x", 1.5, None])  # 1.5 takes the reference walk
def test_depth_limit_is_exact_on_both_walks(kind: str, leaf: Any) -> None:
    check_value(_nested(MAX_DEPTH, kind=kind, leaf=leaf))
    with pytest.raises(ParseError, match="nested more than 100"):
        check_value(_nested(MAX_DEPTH + 1, kind=kind, leaf=leaf))
    mixed = _nested(MAX_DEPTH, kind=kind, leaf=(1, 2))  # a tuple: the reference walk only
    with pytest.raises(ParseError, match="nested more than 100"):
        check_value(mixed)


@pytest.mark.parametrize("levels", [101, 600, 5000])
def test_deep_json_is_a_parse_error_not_a_recursion_error(levels: int) -> None:
    text = "[" * levels + "]" * levels
    with pytest.raises(ParseError):
        loads_strict(text)
    deep = _nested(levels, kind="dict")
    deep["id"] = "did:example:123"
    with pytest.raises(InvalidDocument):
        DIDDocument.from_json(deep)
    credential = {
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "type": ["VerifiableCredential"],
        "issuer": "did:example:issuer",
        "credentialSubject": _nested(levels, kind="dict"),
    }
    result = verify_credential(credential, resolver=StaticResolver({}))
    assert not result.verified
    assert result.errors[0]["check"] == "model"
