"""Hypothesis strategies for property-testing identity code (``pip install 'bid[hypothesis]'``).

Follows Hypothesis's API style guide: plural nouns, keyword-only arguments that are either
values or strategies (never "a value or a strategy": wrap a value in ``st.just()``), and
arguments checked when the strategy is made, with
:class:`hypothesis.errors.InvalidArgument` naming the argument. Importing Hypothesis
registers these through its entry point, so ``st.from_type(DID)`` (and the other value
types: keys, ``DIDURL``, ``BID``, ``VerificationMethod``, ``DIDDocument``,
``BIDDocument``) works without importing this module.

Everything drawn is valid: identifiers parse, documents pass ``from_json``, signed
credentials and presentations verify with :func:`bid.verify_credential` and
:func:`bid.verify_presentation` (their did:key signers resolve offline).

>>> from hypothesis import given
>>> from bid.strategies import dids
>>> @given(dids(methods=["bid", "key"]))
... def test_round_trip(did):
...     assert DID.parse(str(did)) == did
"""

from __future__ import annotations

import base64
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta, timezone
from typing import Any, TypeVar

from ._optional import import_extra

import_extra("hypothesis", "hypothesis", feature="bid.strategies")

from hypothesis import strategies as st  # noqa: E402
from hypothesis.errors import InvalidArgument  # noqa: E402

from . import _sm2  # noqa: E402
from .bif import BID, KeyType  # noqa: E402
from .ddo import ALSO_KNOWN_AS_TYPES, BID_CONTEXT, EXTENSION_TYPES, BIDDocument  # noqa: E402
from .did import DID, DIDURL  # noqa: E402
from .document import DIDDocument, VerificationMethod  # noqa: E402
from .keys import (  # noqa: E402
    Ed25519PrivateKey,
    Ed25519PublicKey,
    PrivateKey,
    PublicKey,
    SM2PrivateKey,
    SM2PublicKey,
)

__all__ = [
    "ac_codes",
    "bid_documents",
    "bids",
    "credentials",
    "did_documents",
    "did_urls",
    "dids",
    "ed25519_private_keys",
    "presentations",
    "private_keys",
    "signed_credentials",
    "sm2_private_keys",
    "verification_methods",
]

_T = TypeVar("_T")
_KEY_TYPES: tuple[KeyType, ...] = ("ed25519", "sm2")
_IDCHARS = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-_"
_PCHARS = _IDCHARS + "~!$&'()*+,;=:@"
_HEX = "0123456789ABCDEFabcdef"


# -- argument checks ------------------------------------------------------------------------


def _check_names(argument: str, value: object, allowed: Sequence[str]) -> tuple[str, ...]:
    """The names chosen by ``argument`` (None: all of ``allowed``), in ``allowed``'s order."""
    if value is None:
        return tuple(allowed)
    if isinstance(value, str | bytes) or not isinstance(value, Sequence | set | frozenset):
        raise InvalidArgument(
            f"{argument}={value!r} must be a non-empty sequence of names from {list(allowed)}"
        )
    if not value:
        raise InvalidArgument(f"{argument}={value!r} must be a non-empty sequence of names")
    unknown = [name for name in value if name not in allowed]
    if unknown:
        raise InvalidArgument(f"{argument}: unknown {unknown!r}; choose from {list(allowed)}")
    return tuple(name for name in allowed if name in value)


def _check_strategy(argument: str, value: st.SearchStrategy[_T]) -> st.SearchStrategy[_T]:
    if not isinstance(value, st.SearchStrategy):
        raise InvalidArgument(f"{argument}={value!r} must be a strategy; wrap a value in st.just()")
    return value


def _check_key_types(key_types: object) -> tuple[KeyType, ...]:
    chosen = _check_names("key_types", key_types, _KEY_TYPES)
    return tuple(k for k in _KEY_TYPES if k in chosen)


# -- keys and identifiers ---------------------------------------------------------------------


def ed25519_private_keys() -> st.SearchStrategy[Ed25519PrivateKey]:
    """Ed25519 private keys from arbitrary 32-byte seeds (shrinking towards the zero seed).

    Example::

        @given(ed25519_private_keys(), st.binary())
        def test_sign_verify(key, message):
            key.public_key.verify(key.sign(message), message)
    """
    return st.binary(min_size=32, max_size=32).map(Ed25519PrivateKey.from_seed)


def sm2_private_keys() -> st.SearchStrategy[SM2PrivateKey]:
    """SM2 private keys with scalars over the whole valid range [1, n-2].

    Each key costs about 3 ms (a scalar multiplication); keep ``max_examples`` modest.

    Example::

        @given(sm2_private_keys())
        def test_zf_bids(key):
            assert key.bid().type_letter == "z"
    """
    return st.integers(min_value=1, max_value=_sm2.N - 2).map(
        lambda d: SM2PrivateKey.from_bytes(d.to_bytes(32, "big"))
    )


def private_keys(*, key_types: Sequence[str] = _KEY_TYPES) -> st.SearchStrategy[PrivateKey]:
    """Private keys of the given types (``"ed25519"``, ``"sm2"``; default both).

    Example::

        @given(private_keys(key_types=["ed25519"]))
        def test_bif_key_strings(key):
            assert bid.parse_private_key(key.to_bif()) == key
    """
    chosen = _check_key_types(key_types)
    makers: dict[str, st.SearchStrategy[PrivateKey]] = {
        "ed25519": ed25519_private_keys(),
        "sm2": sm2_private_keys(),
    }
    return st.one_of([makers[k] for k in chosen])


def ac_codes() -> st.SearchStrategy[str]:
    """Sub-chain AC codes: four lower-case ASCII letters or digits.

    Example::

        @given(private_keys(), ac_codes())
        def test_ac_code_kept(key, ac):
            assert key.bid(ac).ac == ac
    """
    return st.text("abcdefghijklmnopqrstuvwxyz0123456789", min_size=4, max_size=4)


def bids(
    *,
    key_types: Sequence[str] = _KEY_TYPES,
    ac: st.SearchStrategy[str | None] | None = None,
) -> st.SearchStrategy[BID]:
    """BIDs derived from drawn keys; ``ac`` draws the AC code (default: none or a random one).

    Example::

        @given(bids(key_types=["ed25519"], ac=st.just("aa1c")))
        def test_bid_round_trip(value):
            assert BID.parse(str(value)) == value
    """
    keys = private_keys(key_types=key_types)
    ac_strategy = st.none() | ac_codes() if ac is None else _check_strategy("ac", ac)
    return st.builds(lambda key, code: key.bid(code), keys, ac_strategy)


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

    ``"bid"`` real BIDs, ``"key"`` Ed25519 did:key, ``"other"`` any DID the ABNF allows
    (any method name, percent-encoded characters, colons in the method-specific id).

    Example::

        @given(dids(methods=["key", "other"]))
        def test_did_round_trip(did):
            assert DID.parse(str(did)) == did
    """
    chosen = _check_names("methods", methods, _METHODS)
    makers: dict[str, st.SearchStrategy[DID]] = {
        "bid": bids().map(lambda b: b.did),
        "key": ed25519_private_keys().map(lambda k: DID.parse(k.did_key)),
        "other": _generic_dids(),
    }
    return st.one_of([makers[m] for m in chosen])


_default_dids = dids


def did_urls(*, dids: st.SearchStrategy[DID] | None = None) -> st.SearchStrategy[DIDURL]:
    """DID URLs on DIDs drawn from ``dids`` (default :func:`dids`), with random paths,
    queries and fragments (percent-encoded characters included).

    Example::

        @given(did_urls(dids=dids(methods=["key"])))
        def test_did_url_round_trip(url):
            assert DIDURL.parse(str(url)) == url
    """
    base = _default_dids() if dids is None else _check_strategy("dids", dids)
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

    Example::

        @given(bid_documents(key_types=["ed25519"], services=False))
        def test_w3c_view(document):
            assert document.to_did_document().id == str(document.bid)
    """
    chosen = _check_key_types(key_types)
    if not isinstance(services, bool):
        raise InvalidArgument(f"services={services!r} must be True or False")
    first_keys = private_keys(key_types=chosen) if keys is None else _check_strategy("keys", keys)

    @st.composite
    def draw(data: st.DrawFn) -> BIDDocument:
        first = data(first_keys)
        if not isinstance(first, Ed25519PrivateKey | SM2PrivateKey):
            raise InvalidArgument(f"keys drew {first!r}, which is not a private key")
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

    Example::

        @given(did_documents(methods=["key"]))
        def test_json_round_trip(document):
            assert DIDDocument.from_json(document.to_json()) == document
    """
    chosen = _check_names("methods", methods, _DOCUMENT_METHODS)
    makers: dict[str, st.SearchStrategy[DIDDocument]] = {
        "key": _did_key_documents(),
        "bid": bid_documents().map(lambda d: DIDDocument.from_json(d.to_did_document().to_json())),
    }
    return st.one_of([makers[m] for m in chosen])


# -- verification methods ---------------------------------------------------------------------

# Each verification method type and the key types it can hold.
_VM_TYPES: dict[str, tuple[KeyType, ...]] = {
    "Ed25519": ("ed25519",),
    "Ed25519VerificationKey2020": ("ed25519",),
    "JsonWebKey": ("ed25519",),
    "JsonWebKey2020": ("ed25519",),
    "Multikey": ("ed25519",),
    "SM2": ("sm2",),
}


def _key_material(vm_type: str, key: PublicKey) -> dict[str, Any]:
    if vm_type in ("Multikey", "Ed25519VerificationKey2020"):
        assert isinstance(key, Ed25519PublicKey)
        return {"publicKeyMultibase": key.multikey}
    if vm_type.startswith("JsonWebKey"):
        x = base64.urlsafe_b64encode(key.public_bytes()).rstrip(b"=").decode("ascii")
        return {"publicKeyJwk": {"kty": "OKP", "crv": "Ed25519", "x": x}}
    return {"publicKeyHex": key.to_bif()}


def verification_methods(
    *,
    types: Sequence[str] | None = None,
    keys: st.SearchStrategy[PrivateKey | PublicKey] | None = None,
    controllers: st.SearchStrategy[DID] | None = None,
) -> st.SearchStrategy[VerificationMethod]:
    """Verification methods whose key :meth:`VerificationMethod.public_key` reads back.

    ``types`` names the method types to draw from (default all): ``"Multikey"`` and
    ``"Ed25519VerificationKey2020"`` (``publicKeyMultibase``), ``"JsonWebKey"`` and
    ``"JsonWebKey2020"`` (an OKP ``publicKeyJwk``), and the BIF ``"Ed25519"`` and
    ``"SM2"`` (``publicKeyHex``). ``keys`` draws the key, private or public (default:
    keys of the types that ``types`` can hold); a key no chosen type can hold raises
    InvalidArgument when drawn. ``controllers`` draws the controller (default
    :func:`dids`); the method's id is ``controller#fragment``. Each method is checked by
    :meth:`DIDDocument.from_json` in a document of its controller.

    Example::

        @given(ed25519_private_keys().flatmap(
            lambda k: st.tuples(st.just(k), verification_methods(keys=st.just(k)))
        ))
        def test_key_read_back(pair):
            key, method = pair
            assert method.public_key() == key.public_key
    """
    chosen = _check_names("types", types, tuple(_VM_TYPES))
    holdable = {k for t in chosen for k in _VM_TYPES[t]}
    key_strategy: st.SearchStrategy[PrivateKey | PublicKey] = (
        private_keys(key_types=[k for k in _KEY_TYPES if k in holdable])
        if keys is None
        else _check_strategy("keys", keys)
    )
    controller_strategy = (
        _default_dids() if controllers is None else _check_strategy("controllers", controllers)
    )

    fragments = st.text(_FRAGMENT_CHARS, min_size=1, max_size=12)

    @st.composite
    def draw(data: st.DrawFn) -> VerificationMethod:
        key = data(key_strategy)
        if isinstance(key, Ed25519PrivateKey | SM2PrivateKey):
            key = key.public_key
        if not isinstance(key, Ed25519PublicKey | SM2PublicKey):
            raise InvalidArgument(f"keys drew {key!r}, which is not a key")
        fitting = [t for t in chosen if key.key_type in _VM_TYPES[t]]
        if not fitting:
            raise InvalidArgument(
                f"keys drew a {key.key_type} key, which no type in {chosen} holds"
            )
        controller = data(controller_strategy)
        if not isinstance(controller, DID):
            raise InvalidArgument(f"controllers drew {controller!r}, which is not a DID")
        vm_type = data(st.sampled_from(fitting))
        names = [f"key-{data(st.integers(1, 9))}"]
        if isinstance(key, Ed25519PublicKey):
            names.append(key.multikey)
        fragment = data(st.sampled_from(names) | fragments)
        method = {
            "id": f"{controller}#{fragment}",
            "type": vm_type,
            "controller": str(controller),
            **_key_material(vm_type, key),
        }
        document = DIDDocument.from_json({"id": str(controller), "verificationMethod": [method]})
        return document.verification_method[0]

    return draw()


# -- credentials and presentations ------------------------------------------------------------

_VERSIONS = ("2.0", "1.1")
_SUITES = ("eddsa-jcs-2022", "eddsa-rdfc-2022", "Ed25519Signature2020", "jwt")
_CONTEXTS = {
    "2.0": "https://www.w3.org/ns/credentials/v2",
    "1.1": "https://www.w3.org/2018/credentials/v1",
}
# Claims are named by absolute IRIs: the credentials contexts define no claim names, and
# the JSON-LD suites refuse terms that no context defines (they would go unsigned).
_VOCAB = "https://vocab.example/terms#"
_LOWER = "abcdefghijklmnopqrstuvwxyz"
# Text that every proof suite signs: no surrogates, and of the control characters only tab,
# line feed and carriage return (bid.jsonld refuses the others: RDF canonicalization
# implementations serialize them differently).
_TEXT_CATEGORIES: tuple[Any, ...] = ("L", "M", "N", "P", "S", "Z", "Cf", "Co", "Cn")
_CLAIM_TEXT = st.text(
    st.characters(categories=_TEXT_CATEGORIES) | st.sampled_from("\t\n\r"),
    max_size=20,
)
_UTC = timezone.utc
_V1_PERIOD = ("issuanceDate", "expirationDate")


def _claim_names() -> st.SearchStrategy[str]:
    return st.text(_LOWER, min_size=1, max_size=8).map(lambda name: _VOCAB + name)


def _claim_values() -> st.SearchStrategy[Any]:
    scalars = st.booleans() | st.integers(-(2**53) + 1, 2**53 - 1) | _CLAIM_TEXT
    objects = st.dictionaries(_claim_names(), scalars, max_size=3)
    return scalars | objects | st.lists(scalars | objects, max_size=3)


def _check_moment(valid_at: object) -> datetime | None:
    if valid_at is None:
        return None
    if not isinstance(valid_at, datetime) or valid_at.tzinfo is None:
        raise InvalidArgument(f"valid_at={valid_at!r} must be a timezone-aware datetime")
    return valid_at


def _period(valid_at: datetime | None) -> tuple[datetime, datetime, datetime, datetime]:
    """(earliest start, latest start, earliest end, latest end) of a validity period."""
    if valid_at is None:  # valid from 2020 to 2080 at least
        return (
            datetime(1990, 1, 1, tzinfo=_UTC),
            datetime(2020, 1, 1, tzinfo=_UTC),
            datetime(2080, 1, 1, tzinfo=_UTC),
            datetime(2199, 12, 31, tzinfo=_UTC),
        )
    moment = valid_at.astimezone(_UTC).replace(microsecond=0)
    earliest = datetime.min.replace(tzinfo=_UTC)
    latest = datetime.max.replace(microsecond=0, tzinfo=_UTC)
    start = moment - min(timedelta(days=3650), moment - earliest)
    end = moment + min(timedelta(days=36500), latest - moment)
    return start, moment, moment, end


def _stamps(low: datetime, high: datetime) -> st.SearchStrategy[str]:
    naive = st.datetimes(min_value=low.replace(tzinfo=None), max_value=high.replace(tzinfo=None))
    return naive.map(lambda t: t.replace(microsecond=0).isoformat() + "Z")


def credentials(
    *,
    issuers: st.SearchStrategy[DID] | None = None,
    versions: Sequence[str] | None = None,
    valid_at: datetime | None = None,
) -> st.SearchStrategy[dict[str, Any]]:
    """Unsigned credentials (JSON objects) that pass the VC data model checks.

    ``versions``: ``"2.0"`` (``validFrom``/``validUntil``) and ``"1.1"``
    (``issuanceDate``/``expirationDate``); default both. ``issuers`` draws the issuer's
    DID (default :func:`dids`), given as a string or as ``{"id": ...}``. The validity
    period, when there is one, contains ``valid_at`` (a timezone-aware datetime; default:
    every moment from 2020 to 2080). Claims are named by IRIs (``https://vocab.example/
    terms#...``), so every proof suite, JSON-LD ones included, can sign them; values are
    text, integers, booleans, small objects and lists.

    Example::

        @given(credentials(versions=["2.0"]))
        def test_model(credential):
            assert bid.credentials.check_credential(credential) == "2.0"
    """
    issuer_dids = _default_dids() if issuers is None else _check_strategy("issuers", issuers)
    make = _credential_maker(versions, valid_at)

    @st.composite
    def draw(data: st.DrawFn) -> dict[str, Any]:
        issuer = data(issuer_dids)
        if not isinstance(issuer, DID):
            raise InvalidArgument(f"issuers drew {issuer!r}, which is not a DID")
        return make(data, issuer)

    return draw()


def _credential_maker(
    versions: object, valid_at: object
) -> Callable[[st.DrawFn, DID], dict[str, Any]]:
    """Checks the arguments and builds the strategies once; the maker draws a credential."""
    chosen = _check_names("versions", versions, _VERSIONS)
    first_start, last_start, first_end, last_end = _period(_check_moment(valid_at))
    starts = _stamps(first_start, last_start)
    ends = _stamps(first_end, last_end)
    type_names = st.text(_LOWER, min_size=1, max_size=8).map(lambda n: _VOCAB + n.title())
    subject_ids = _default_dids(methods=["key", "other"]).map(str)
    claims = st.dictionaries(_claim_names(), _claim_values(), min_size=1, max_size=3)

    def make(data: st.DrawFn, issuer: DID) -> dict[str, Any]:
        version = data(st.sampled_from(chosen))
        credential: dict[str, Any] = {"@context": [_CONTEXTS[version]]}
        if data(st.booleans()):
            credential["id"] = f"urn:uuid:{data(st.uuids())}"
        types = ["VerifiableCredential"]
        if data(st.booleans()):
            types.append(data(type_names))
        credential["type"] = types
        credential["issuer"] = data(st.sampled_from([str(issuer), {"id": str(issuer)}]))
        start, end = ("validFrom", "validUntil") if version == "2.0" else _V1_PERIOD
        if version == "1.1" or data(st.booleans()):
            credential[start] = data(starts)
        if data(st.booleans()):
            credential[end] = data(ends)
        subjects = []
        for _ in range(data(st.integers(1, 2))):
            subject: dict[str, Any] = {}
            if data(st.booleans()):
                subject["id"] = data(subject_ids)
            subject.update(data(claims))
            subjects.append(subject)
        credential["credentialSubject"] = subjects[0] if len(subjects) == 1 else subjects
        return credential

    return make


def _did_key_signers() -> st.SearchStrategy[tuple[PrivateKey, str]]:
    return ed25519_private_keys().map(lambda k: (k, f"{k.did_key}#{k.public_key.multikey}"))


def _check_signer(drawn: object) -> tuple[Ed25519PrivateKey, str]:
    if (
        not isinstance(drawn, tuple)
        or len(drawn) != 2
        or not isinstance(drawn[0], Ed25519PrivateKey)
        or not isinstance(drawn[1], str)
        or "#" not in drawn[1]
    ):
        raise InvalidArgument(
            f"signers drew {drawn!r}; a signer is (an Ed25519 private key, "
            "the DID URL of its verification method)"
        )
    return drawn[0], drawn[1]


def signed_credentials(
    *,
    suites: Sequence[str] | None = None,
    signers: st.SearchStrategy[tuple[PrivateKey, str]] | None = None,
    versions: Sequence[str] | None = None,
    valid_at: datetime | None = None,
) -> st.SearchStrategy[dict[str, Any] | str]:
    """Credentials signed by :func:`bid.issue`: JSON objects, or compact JWTs for ``"jwt"``.

    ``suites`` (default all): ``"eddsa-jcs-2022"``, ``"eddsa-rdfc-2022"``,
    ``"Ed25519Signature2020"``, ``"jwt"``. ``signers`` draws ``(key, verification method
    URL)`` pairs, Ed25519 keys only; the issuer is the DID of the URL (default: did:key
    issuers, which :func:`bid.verify_credential` resolves offline; give a resolver that
    knows your issuers otherwise). ``versions`` and ``valid_at`` are those of
    :func:`credentials`; a credential verifies at ``valid_at`` (by default, at any moment
    from 2020 to 2080).

    Example::

        @given(signed_credentials(suites=["eddsa-jcs-2022", "jwt"]))
        def test_verifies(credential):
            assert bid.verify_credential(credential).verified
    """
    chosen = _check_names("suites", suites, _SUITES)
    signer_strategy = _did_key_signers() if signers is None else _check_strategy("signers", signers)
    make = _credential_maker(versions, valid_at)
    first_start, last_start, _, _ = _period(_check_moment(valid_at))
    created_times = st.datetimes(
        min_value=first_start.replace(tzinfo=None),
        max_value=last_start.replace(tzinfo=None),
        timezones=st.just(_UTC),
    ).map(lambda t: t.replace(microsecond=0))

    @st.composite
    def draw(data: st.DrawFn) -> dict[str, Any] | str:
        from .vc import issue

        key, method = _check_signer(data(signer_strategy))
        credential = make(data, DID.parse(method.partition("#")[0]))
        return issue(
            credential,
            key,
            verification_method=method,
            suite=data(st.sampled_from(chosen)),
            created=data(created_times),
        )

    return draw()


def presentations(
    *,
    suites: Sequence[str] | None = None,
    signers: st.SearchStrategy[tuple[PrivateKey, str]] | None = None,
    credentials: st.SearchStrategy[list[dict[str, Any] | str]] | None = None,
    challenges: st.SearchStrategy[str | None] | None = None,
    domains: st.SearchStrategy[str | None] | None = None,
) -> st.SearchStrategy[dict[str, Any] | str]:
    """Presentations signed by :func:`bid.present` (for ``authentication``).

    ``suites`` and ``signers`` are those of :func:`signed_credentials`; the holder is the
    signer's DID. ``credentials`` draws the list of credentials presented (default: up
    to two :func:`signed_credentials` of the same suites). ``challenges`` and ``domains``
    draw the challenge and domain bound into the proof (default: none or some text); to
    check them, draw them yourself and pass the same value to
    :func:`bid.verify_presentation`.

    Example::

        @given(presentations(challenges=st.just("c-1"), domains=st.none()))
        def test_verifies(presentation):
            assert bid.verify_presentation(presentation, challenge="c-1").verified
    """
    chosen = _check_names("suites", suites, _SUITES)
    signer_strategy = _did_key_signers() if signers is None else _check_strategy("signers", signers)
    presented = (
        st.lists(signed_credentials(suites=chosen), max_size=2)
        if credentials is None
        else _check_strategy("credentials", credentials)
    )
    words = st.text(_LOWER + "0123456789-", min_size=1, max_size=16)
    challenge_strategy = (
        st.none() | words if challenges is None else _check_strategy("challenges", challenges)
    )
    domain_strategy = (
        st.none() | words.map(lambda w: w + ".example")
        if domains is None
        else _check_strategy("domains", domains)
    )

    @st.composite
    def draw(data: st.DrawFn) -> dict[str, Any] | str:
        from .vc import present

        key, method = _check_signer(data(signer_strategy))
        embedded = data(presented)
        if not isinstance(embedded, list):
            raise InvalidArgument(f"credentials drew {embedded!r}, which is not a list")
        return present(
            embedded,
            key,
            holder=method.partition("#")[0],
            verification_method=method,
            challenge=data(challenge_strategy),
            domain=data(domain_strategy),
            suite=data(st.sampled_from(chosen)),
        )

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
    st.register_type_strategy(VerificationMethod, verification_methods())
