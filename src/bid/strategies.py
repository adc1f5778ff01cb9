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
from datetime import datetime
from typing import Any

from ._optional import import_extra

import_extra("hypothesis", "hypothesis", feature="bid.strategies")

from hypothesis import strategies as st  # noqa: E402
from hypothesis.errors import InvalidArgument  # noqa: E402

from . import _sm2  # noqa: E402
from .bif import BID, KeyType  # noqa: E402
from .ddo import ALSO_KNOWN_AS_TYPES, BID_CONTEXT, EXTENSION_TYPES, BIDDocument  # noqa: E402
from .did import DID, DIDURL  # noqa: E402
from .document import DIDDocument  # noqa: E402
from .keys import (  # noqa: E402
    Ed25519PrivateKey,
    Ed25519PublicKey,
    PrivateKey,
    SM2PrivateKey,
    SM2PublicKey,
)

__all__ = [
    "ac_codes",
    "bid_documents",
    "bids",
    "did_documents",
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


# -- documents ------------------------------------------------------------------------------

_SERVICE_TYPES = ("DIDDecrypt", "DIDStorage", "DIDRevocation", "DIDResolver", "DIDSubResolver")
_KEY_TYPE_NAMES: dict[str, tuple[str, ...]] = {"ed25519": ("Ed25519", "ED25519"), "sm2": ("SM2",)}
_FRAGMENT_CHARS = "abcdefghijklmnopqrstuvwxyz0123456789-"


def _times() -> st.SearchStrategy[str]:
    return st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2099, 12, 31)).map(
        lambda t: t.strftime("%Y-%m-%dT%H:%M:%SZ")
    )


def _also_known_as_ids() -> st.SearchStrategy[str]:
    domain = st.text("abcdefghijklmnopqrstuvwxyz", min_size=1, max_size=12).map(
        lambda name: name + ".example"
    )
    return st.one_of(
        bids(key_types=["ed25519"]).map(str),
        dids(methods=["key", "other"]).map(str),
        domain,
        st.text(min_size=1, max_size=20),
    )


def _also_known_as_entry(identifier: str) -> st.SearchStrategy[dict[str, Any]]:
    # Mostly the type a W3C view would infer (101 BID, 102 other DID, 999 anything else),
    # sometimes another code, so that both sides of the mapping rule are drawn.
    inferred = (
        101 if identifier.startswith("did:bid:") else 102 if identifier[:4] == "did:" else 999
    )
    code = st.just(inferred) | st.sampled_from(sorted(ALSO_KNOWN_AS_TYPES))
    return code.map(lambda c: {"id": identifier, "type": c})


def _attributes() -> st.SearchStrategy[dict[str, Any]]:
    return st.fixed_dictionaries(
        {"key": st.text(max_size=12)},
        optional={
            "desc": st.text(max_size=20),
            "encrypt": st.sampled_from([0, 1]),
            "format": st.sampled_from(["text", "image", "video", "mixture"]),
            "value": st.text(max_size=30),
        },
    )


def _service(bid: str, name: str) -> st.SearchStrategy[dict[str, Any]]:
    host = st.text("abcdefghijklmnopqrstuvwxyz0123456789", min_size=1, max_size=12)
    return st.fixed_dictionaries(
        {
            "id": st.just(f"{bid}#{name}"),
            "type": st.sampled_from(_SERVICE_TYPES),
            "serviceEndpoint": host.map(lambda h: f"https://{h}.example"),
        },
        optional={
            "version": st.just("1.0.0"),
            "protocol": st.integers(0, 3),
            "serverType": st.integers(0, 1),
            "port": st.integers(1, 65535) | st.integers(1, 65535).map(str),
        },
    )


def bid_documents(
    *,
    key_types: Sequence[str] = _KEY_TYPES,
    services: bool = True,
    keys: st.SearchStrategy[PrivateKey] | None = None,
) -> st.SearchStrategy[BIDDocument]:
    """Valid BID documents (the BIF DDO), validated by :meth:`BIDDocument.from_json`.

    The document's BID derives from its first key (``#key-1``), drawn from ``keys``
    (default: ``private_keys(key_types=key_types)``); up to two more keys of
    ``key_types`` may follow. Draw the key yourself to sign what you draw::

        private_keys().flatmap(lambda k: bid_documents(keys=st.just(k)).map(lambda d: (k, d)))

    Documents may hold ``alsoKnownAs`` (with inferred and other type codes),
    ``extension.recovery``, ``attributes`` (any text), ``acsns`` and
    ``verifiableCredentials``, and ``service`` entries unless ``services=False``; the
    top-level members come in any order.
    """

    @st.composite
    def draw(data: st.DrawFn) -> BIDDocument:
        chosen = _check_key_types(key_types)
        if not isinstance(services, bool):
            raise InvalidArgument(f"services={services!r} must be True or False")
        first_keys = keys if keys is not None else private_keys(key_types=chosen)
        if not isinstance(first_keys, st.SearchStrategy):
            raise InvalidArgument(f"keys={keys!r} must be a strategy; wrap a value in st.just()")
        first = data(first_keys)
        bid = str(first.bid(data(st.none() | ac_codes())))
        extra = data(st.lists(private_keys(key_types=chosen), max_size=2))
        public_keys = []
        for index, key in enumerate([first, *extra], start=1):
            public_keys.append(
                {
                    "id": f"{bid}#key-{index}",
                    "type": data(st.sampled_from(_KEY_TYPE_NAMES[key.key_type])),
                    "controller": bid,
                    "publicKeyHex": key.public_key.to_bif(),
                }
            )
        key_ids = [entry["id"] for entry in public_keys]
        some_ids = st.lists(st.sampled_from(key_ids), min_size=1, unique=True)

        extension: dict[str, Any] = {}
        if data(st.booleans()):
            extension["recovery"] = data(some_ids)
        extension["ttl"] = data(st.integers(0, 2**31 - 1))
        extension["type"] = data(st.sampled_from(sorted(EXTENSION_TYPES)))
        if data(st.booleans()):
            extension["attributes"] = data(st.lists(_attributes(), max_size=3))
        if data(st.booleans()):
            extension["acsns"] = data(st.lists(ac_codes(), max_size=2, unique=True))
        if data(st.booleans()):
            extension["verifiableCredentials"] = [
                {"id": bid, "type": data(st.sampled_from([201, 202, 203, 204]))}
            ]

        created, updated = sorted(data(st.lists(_times(), min_size=2, max_size=2)))
        members: dict[str, Any] = {
            "@context": [data(st.sampled_from([BID_CONTEXT, "https://w3.org/ns/did/v1"]))],
            "version": data(st.sampled_from(["1.0.0", "1.1.0"])),
            "id": bid,
            "publicKey": public_keys,
            "authentication": data(some_ids),
            "extension": extension,
            "created": created,
            "updated": updated,
        }
        if data(st.booleans()):
            identifiers = data(st.lists(_also_known_as_ids(), max_size=3, unique=True))
            members["alsoKnownAs"] = [data(_also_known_as_entry(i)) for i in identifiers]
        if services and data(st.booleans()):
            names = data(
                st.lists(st.text(_FRAGMENT_CHARS, min_size=1, max_size=10), max_size=3, unique=True)
            )
            members["service"] = [data(_service(bid, name)) for name in names]
        order = data(st.permutations(list(members)))
        return BIDDocument.from_json({name: members[name] for name in order})

    return draw()


def _did_key_documents() -> st.SearchStrategy[DIDDocument]:
    @st.composite
    def draw(data: st.DrawFn) -> DIDDocument:
        key = data(ed25519_private_keys()).public_key
        did = key.did_key
        vm_type = data(st.sampled_from(["Multikey", "Ed25519VerificationKey2020"]))
        suite = (
            "https://w3id.org/security/multikey/v1"
            if vm_type == "Multikey"
            else "https://w3id.org/security/suites/ed25519-2020/v1"
        )
        vm_id = data(st.sampled_from([f"{did}#{key.multikey}", f"#{key.multikey}"]))
        method = {
            "id": vm_id,
            "type": vm_type,
            "controller": did,
            "publicKeyMultibase": key.multikey,
        }
        document: dict[str, Any] = {"@context": ["https://www.w3.org/ns/did/v1", suite], "id": did}
        embedded = data(st.booleans())
        if not embedded:
            document["verificationMethod"] = [method]
        relationships = ["assertionMethod", "capabilityInvocation", "capabilityDelegation"]
        document["authentication"] = [method if embedded else vm_id]
        for name in relationships:
            if data(st.booleans()):
                document[name] = [vm_id if not embedded else f"{did}#{key.multikey}"]
        if data(st.booleans()):
            x25519 = key.x25519_multikey
            document["keyAgreement"] = [
                {
                    "id": f"{did}#{x25519}",
                    "type": vm_type if vm_type == "Multikey" else "X25519KeyAgreementKey2020",
                    "controller": did,
                    "publicKeyMultibase": x25519,
                }
            ]
        return DIDDocument.from_json(document)

    return draw()


_DOCUMENT_METHODS = ("key", "bid")


def did_documents(*, methods: Sequence[str] | None = None) -> st.SearchStrategy[DIDDocument]:
    """Valid W3C DID documents, validated by :meth:`DIDDocument.from_json`.

    ``"key"``: did:key documents with a ``Multikey`` or ``Ed25519VerificationKey2020``
    method (listed in ``verificationMethod`` and referenced, absolutely or as ``#frag``,
    or embedded in ``authentication``), and sometimes an X25519 key agreement method.
    ``"bid"``: the W3C view (:meth:`BIDDocument.to_did_document`) of :func:`bid_documents`.
    Default: both.
    """

    @st.composite
    def draw(data: st.DrawFn) -> DIDDocument:
        chosen = _DOCUMENT_METHODS if methods is None else tuple(methods)
        if isinstance(methods, str) or not chosen or set(chosen) - set(_DOCUMENT_METHODS):
            raise InvalidArgument(
                f"methods={methods!r} must name some of {list(_DOCUMENT_METHODS)}"
            )
        makers: dict[str, st.SearchStrategy[DIDDocument]] = {
            "key": _did_key_documents(),
            "bid": bid_documents().map(
                lambda d: DIDDocument.from_json(d.to_did_document().to_json())
            ),
        }
        return data(st.one_of([makers[m] for m in chosen]))

    return draw()


def _hypothesis_setup_hook() -> None:
    """Called by Hypothesis through its entry point: makes ``st.from_type`` know our values."""
    st.register_type_strategy(DID, dids())
    st.register_type_strategy(DIDURL, did_urls())
    st.register_type_strategy(BID, bids())
    st.register_type_strategy(Ed25519PrivateKey, ed25519_private_keys())
    st.register_type_strategy(SM2PrivateKey, sm2_private_keys())
    st.register_type_strategy(Ed25519PublicKey, ed25519_private_keys().map(lambda k: k.public_key))
    st.register_type_strategy(SM2PublicKey, sm2_private_keys().map(lambda k: k.public_key))
    st.register_type_strategy(BIDDocument, bid_documents())
    st.register_type_strategy(DIDDocument, did_documents())
