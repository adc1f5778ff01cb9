"""Hypothesis strategies for property-testing identity code (``pip install 'bid[hypothesis]'``).

Follows Hypothesis's API style: plural nouns, keyword-only arguments, arguments checked
when the strategy is drawn (``InvalidArgument``). Importing Hypothesis registers these
through its entry point, so ``st.from_type(DID)`` works without importing this module.

>>> from hypothesis import given
>>> from bid.strategies import dids
>>> @given(dids(methods=["bid", "key"]))
... def test_round_trip(did):
...     assert DID.parse(str(did)) == did
"""

from __future__ import annotations

from collections.abc import Sequence

from ._optional import import_extra

import_extra("hypothesis", "hypothesis", feature="bid.strategies")

from hypothesis import strategies as st  # noqa: E402
from hypothesis.errors import InvalidArgument  # noqa: E402

from . import _sm2  # noqa: E402
from .bif import BID, KeyType  # noqa: E402
from .did import DID, DIDURL  # noqa: E402
from .keys import (  # noqa: E402
    Ed25519PrivateKey,
    Ed25519PublicKey,
    PrivateKey,
    SM2PrivateKey,
    SM2PublicKey,
)

__all__ = [
    "ac_codes",
    "bids",
    "did_urls",
    "dids",
    "ed25519_private_keys",
    "private_keys",
    "sm2_private_keys",
]

_KEY_TYPES: tuple[KeyType, ...] = ("ed25519", "sm2")
_IDCHARS = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-_"
_PCHARS = _IDCHARS + "~!$&'()*+,;=:@"
_HEX = "0123456789ABCDEFabcdef"


def ed25519_private_keys() -> st.SearchStrategy[Ed25519PrivateKey]:
    """Ed25519 private keys from arbitrary 32-byte seeds (shrinking towards the zero seed)."""
    return st.binary(min_size=32, max_size=32).map(Ed25519PrivateKey.from_seed)


def sm2_private_keys() -> st.SearchStrategy[SM2PrivateKey]:
    """SM2 private keys with scalars over the whole valid range [1, n-2]."""
    return st.integers(min_value=1, max_value=_sm2.N - 2).map(
        lambda d: SM2PrivateKey.from_bytes(d.to_bytes(32, "big"))
    )


def _check_key_types(key_types: Sequence[str]) -> tuple[KeyType, ...]:
    if isinstance(key_types, str) or not key_types:
        raise InvalidArgument(f"key_types={key_types!r} must be a non-empty sequence of names")
    unknown = [k for k in key_types if k not in _KEY_TYPES]
    if unknown:
        raise InvalidArgument(f"unknown key types {unknown!r}; choose from {list(_KEY_TYPES)}")
    return tuple(k for k in _KEY_TYPES if k in key_types)


def private_keys(*, key_types: Sequence[str] = _KEY_TYPES) -> st.SearchStrategy[PrivateKey]:
    """Private keys of the given types (``"ed25519"``, ``"sm2"``)."""

    @st.composite
    def draw(data: st.DrawFn) -> PrivateKey:
        chosen = _check_key_types(key_types)
        makers: dict[str, st.SearchStrategy[PrivateKey]] = {
            "ed25519": ed25519_private_keys(),
            "sm2": sm2_private_keys(),
        }
        return data(st.one_of([makers[k] for k in chosen]))

    return draw()


def ac_codes() -> st.SearchStrategy[str]:
    """Sub-chain AC codes: four lower-case ASCII letters or digits."""
    return st.text("abcdefghijklmnopqrstuvwxyz0123456789", min_size=4, max_size=4)


def bids(
    *,
    key_types: Sequence[str] = _KEY_TYPES,
    ac: st.SearchStrategy[str | None] | None = None,
) -> st.SearchStrategy[BID]:
    """BIDs derived from drawn keys; ``ac`` draws the AC code (default: none or a random one)."""
    ac_strategy = ac if ac is not None else st.none() | ac_codes()
    if not isinstance(ac_strategy, st.SearchStrategy):
        raise InvalidArgument(f"ac={ac!r} must be a strategy; wrap a value in st.just()")
    return st.builds(
        lambda key, code: key.bid(code), private_keys(key_types=key_types), ac_strategy
    )


def _generic_dids() -> st.SearchStrategy[DID]:
    idchar = st.sampled_from(_IDCHARS) | st.builds(
        lambda a, b: f"%{a}{b}", st.sampled_from(_HEX), st.sampled_from(_HEX)
    )
    segment = st.lists(idchar, max_size=12).map("".join)
    last = st.lists(idchar, min_size=1, max_size=24).map("".join)
    msid = st.builds(
        lambda head, tail: "".join(s + ":" for s in head) + tail,
        st.lists(segment, max_size=3),
        last,
    )
    method = st.text("abcdefghijklmnopqrstuvwxyz0123456789", min_size=1, max_size=10)
    return st.builds(DID, method, msid)


_METHODS = ("bid", "key", "other")


def dids(*, methods: Sequence[str] | None = None) -> st.SearchStrategy[DID]:
    """DIDs of the named kinds (default: all).

    ``"bid"`` real BIDs, ``"key"`` Ed25519 did:key, ``"other"`` any DID the ABNF allows.
    """

    @st.composite
    def draw(data: st.DrawFn) -> DID:
        chosen = _METHODS if methods is None else tuple(methods)
        if isinstance(methods, str) or not chosen or set(chosen) - set(_METHODS):
            raise InvalidArgument(f"methods={methods!r} must name some of {list(_METHODS)}")
        makers: dict[str, st.SearchStrategy[DID]] = {
            "bid": bids().map(lambda b: b.did),
            "key": ed25519_private_keys().map(lambda k: DID.parse(k.did_key)),
            "other": _generic_dids(),
        }
        return data(st.one_of([makers[m] for m in chosen]))

    return draw()


_default_dids = dids


def did_urls(*, dids: st.SearchStrategy[DID] | None = None) -> st.SearchStrategy[DIDURL]:
    """DID URLs on drawn DIDs, with random paths, queries and fragments."""
    base = dids if dids is not None else _default_dids()
    if not isinstance(base, st.SearchStrategy):
        raise InvalidArgument(f"dids={dids!r} must be a strategy; wrap a value in st.just()")
    pchar = st.sampled_from(_PCHARS) | st.builds(
        lambda a, b: f"%{a}{b}", st.sampled_from(_HEX), st.sampled_from(_HEX)
    )
    text = st.lists(pchar | st.sampled_from("/?"), max_size=16).map("".join)
    path = st.lists(st.lists(pchar, max_size=8).map("".join), max_size=3).map(
        lambda segments: "".join("/" + s for s in segments)
    )
    return st.builds(
        lambda did, p, q, f: DIDURL(did=did, path=p, query=q, fragment=f),
        base,
        path,
        st.none() | text,
        st.none() | text,
    )


def _hypothesis_setup_hook() -> None:
    """Called by Hypothesis through its entry point: makes ``st.from_type`` know our values."""
    st.register_type_strategy(DID, dids())
    st.register_type_strategy(DIDURL, did_urls())
    st.register_type_strategy(BID, bids())
    st.register_type_strategy(Ed25519PrivateKey, ed25519_private_keys())
    st.register_type_strategy(SM2PrivateKey, sm2_private_keys())
    st.register_type_strategy(Ed25519PublicKey, ed25519_private_keys().map(lambda k: k.public_key))
    st.register_type_strategy(SM2PublicKey, sm2_private_keys().map(lambda k: k.public_key))
