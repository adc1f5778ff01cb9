"""JSON-LD for Data Integrity proofs (eddsa-rdfc-2022, Ed25519Signature2020), safe by default.

Four guards sit around PyLD, which does the JSON-LD and RDF work:

* **Pinned contexts, no network.** Contexts are served only from the files bundled in
  ``bid/contexts/`` (each checked against its SHA-256 on first load) or from the
  ``extra_contexts`` the caller passes, matched by exact URL. Nothing is ever fetched: an
  unknown URL raises :class:`~bid.errors.ContextNotAllowed` before any socket could open.
* **No inline contexts.** :func:`check_contexts` refuses an ``@context`` object anywhere in
  the document: an inline context can redefine terms, set ``@vocab`` or ``@base``.
* **Safe mode.** PyLD drops what the contexts do not define, and dropped data is not signed.
  :func:`check_no_data_loss` raises :class:`~bid.errors.DataLossDetected` instead, naming
  the undefined terms, types and relative IRIs. The base IRI is always null.
* **Bounded canonicalization.** RDFC-1.0 takes factorial time on graphs of look-alike blank
  nodes ("poison graphs"). :func:`canonize` counts blank nodes, groups them by their
  first-degree hash, and meters the remaining work; past a limit it raises
  :class:`~bid.errors.ResourceLimitExceeded`.

PyLD is imported on first use (``pip install 'bid[jsonld]'``); loading contexts does not
need it. PyLD's global loader and its shared context cache are never used.

Speed. A credential's contexts are fixed (the pinned files plus the caller's snapshot), so
what PyLD computes from them is kept, per thread and per set of contexts, and reused by
later calls (see ``_Universe``); a clean document is expanded once, not twice (see
``_safe_pass``); and when its blank nodes hash apart, RDFC-1.0 needs no N-degree stage
(:mod:`bid._rdfc`). Each shortcut gives exactly what the straightforward path gives, and
the tests compare them.
"""

from __future__ import annotations

import hashlib
import json
import math
import re
import sys
import threading
from collections import Counter, OrderedDict, deque
from collections.abc import Callable, Iterator, Mapping
from collections.abc import Set as AbstractSet
from importlib import resources
from types import MappingProxyType, ModuleType
from typing import Any, TypeAlias, TypeVar

from . import _rdfc
from ._json import JSONObject, check_value, freeze, loads_strict, thaw
from ._optional import import_extra
from .errors import (
    BidError,
    ContextNotAllowed,
    DataLossDetected,
    InvalidInput,
    ResourceLimitExceeded,
    Unsupported,
)

__all__ = [
    "CONTEXTS",
    "MAX_DEPTH",
    "DocumentLoader",
    "canonize",
    "check_contexts",
    "check_no_data_loss",
    "expand",
    "load_context",
    "make_loader",
]

DocumentLoader: TypeAlias = Callable[[str, Any], dict[str, Any]]
"""A PyLD document loader: ``loader(url, options)`` returns a RemoteDocument dict."""

T = TypeVar("T")

# URL -> (file in bid/contexts/, SHA-256 of its bytes). See bid/contexts/README.md.
_BUNDLED: dict[str, tuple[str, str]] = {
    "https://www.w3.org/2018/credentials/v1": (
        "w3c-2018-credentials-v1.jsonld",
        "ab4ddd9a531758807a79a5b450510d61ae8d147eab966cc9a200c07095b0cdcc",
    ),
    "https://www.w3.org/2018/credentials/examples/v1": (
        "w3c-2018-credentials-examples-v1.jsonld",
        "2070ae4e75bc3b4c2cfe2b8b6e86ec45119672bbb5da283f0399ea96c60a0104",
    ),
    "https://www.w3.org/ns/credentials/v2": (
        "w3c-ns-credentials-v2.jsonld",
        "8a9f494a89ecc51db093e90e84713e07e84d6d9204364a9b3c7868b21751236f",
    ),
    "https://www.w3.org/ns/credentials/examples/v2": (
        "w3c-ns-credentials-examples-v2.jsonld",
        "e6600df812cdc1872f20b42ab0c1cecac39755b7ed381e7f6a88dac7baab54d6",
    ),
    "https://www.w3.org/ns/did/v1": (
        "w3c-did-v1.jsonld",
        "4f3eae5568c9c5f036a082088f9e192019ee06faa78973c87ff91d5421b88dad",
    ),
    "https://www.w3.org/ns/cid/v1": (
        "w3c-ns-cid-v1.jsonld",
        "ea216ecc1cb02cd39b693dba2250141e270ba0bf95890be107dd9a9e8e43de85",
    ),
    "https://w3id.org/did-resolution/v1": (
        "w3c-did-resolution-v1.jsonld",
        "ab456c9361e7516727d9a7d4b3fde231ddab09fa07530ec37342a0c20d8d072a",
    ),
    "https://w3id.org/security/data-integrity/v1": (
        "w3id-data-integrity-v1.jsonld",
        "b5d829bd09aa7c42abc6efa0c8ed7635313b5487f37ccfce3ecd149ca9418554",
    ),
    "https://w3id.org/security/data-integrity/v2": (
        "w3id-data-integrity-v2.jsonld",
        "0f77743daf5b4e8fc067fc5ba5b21044283053aa717fc6b0219843bed3b00363",
    ),
    "https://w3id.org/security/multikey/v1": (
        "w3id-multikey-v1.jsonld",
        "ba2c182de2d92f7e47184bcca8fcf0beaee6d3986c527bf664c195bbc7c58597",
    ),
    "https://w3id.org/security/jwk/v1": (
        "w3id-jwk-v1.jsonld",
        "0f14b62f6071aafe00df265770ea0c7508e118247d79b7d861a406d2aa00bece",
    ),
    "https://w3id.org/security/suites/ed25519-2020/v1": (
        "w3id-ed25519-signature-2020-v1.jsonld",
        "b9e1ab971fd8bf2c7553e0c4a9438e0b9450afde1ea1ca5b2492368b9f549588",
    ),
    "https://w3id.org/security/suites/jws-2020/v1": (
        "w3id-jws2020-v1.jsonld",
        "d648e05ddc6577827ca2bfd5e931f53e9ebc6e52a57a8da81df4ec8c46ffcd1e",
    ),
    "https://w3id.org/security/v1": (
        "w3id-security-v1.jsonld",
        "abaf97e107d1925503c433dcaf3ffd2831697cacc1ed2a293e1bc8030d5bcb47",
    ),
    "https://w3id.org/security/v2": (
        "w3id-security-v2.jsonld",
        "611bd81151d5efe53ec9aed78f5a813e577287bc9451ee26d6879b1b8b46bc3b",
    ),
    "https://w3id.org/vc/status-list/2021/v1": (
        "w3id-vc-status-list-2021-v1.jsonld",
        "6dd06a52bedb771e059c1083ba8ba7848dce22f6b4a8cfa0b98ba3fc188870e4",
    ),
    "https://www.w3.org/ns/credentials/status/v1": (
        "w3c-ns-credentials-status-bitstring-v1.jsonld",
        "fda5add353231e6a6884a46b12e6c75464281900cb348284d9c360f62381d9f7",
    ),
}

_BUNDLED_URLS = frozenset(_BUNDLED)

CONTEXTS: Mapping[str, str] = MappingProxyType(
    {url: digest for url, (_, digest) in _BUNDLED.items()}
)
"""The bundled contexts: URL -> the SHA-256 (hex) their file must have."""

MAX_DEPTH = 100
"""The deepest nesting of objects and arrays accepted in a document (PyLD recurses)."""

_SENTINEL = "urn:bid:undefined-term#"
_JSONLD_KEYWORDS = frozenset(
    [
        "@base",
        "@container",
        "@context",
        "@direction",
        "@graph",
        "@id",
        "@import",
        "@included",
        "@index",
        "@json",
        "@language",
        "@list",
        "@nest",
        "@none",
        "@prefix",
        "@propagate",
        "@protected",
        "@reverse",
        "@set",
        "@type",
        "@value",
        "@version",
        "@vocab",
    ]
)
# An absolute IRI that N-Quads can carry as is (IRIREF excludes these characters).
_ABSOLUTE_IRI = re.compile(r"[A-Za-z][A-Za-z0-9+.\-]*:[^\x00-\x20<>\"{}|^`\\\x7f]*")
_LANGUAGE_TAG = re.compile(r"[A-Za-z]{1,8}(?:-[A-Za-z0-9]{1,8})*")
_KEYWORD_LIKE = re.compile(r"@[A-Za-z]+")
# Control characters PyLD writes raw but RDFC-1.0's canonical N-Quads escapes.
_DIVERGENT_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")

_MAX_SHOWN = 100
_MAX_PROBLEMS_SHOWN = 5
_FEATURE = "JSON-LD processing (bid.jsonld)"

_cache: dict[str, JSONObject] = {}
_cache_lock = threading.Lock()


# -- bundled contexts -------------------------------------------------------------------------


def load_context(url: str) -> JSONObject:
    """The bundled context document for ``url``, parsed strictly and read-only.

    The file's SHA-256 is checked against :data:`CONTEXTS` on first load; the parsed
    document is cached afterwards. Raises ContextNotAllowed for any other URL: contexts
    are never fetched.
    """
    entry = _BUNDLED.get(url) if isinstance(url, str) else None
    if entry is None:
        raise ContextNotAllowed(_not_allowed(url))
    with _cache_lock:
        document = _cache.get(url)
        if document is None:
            document = _read_bundled(url, *entry)
            _cache[url] = document
    return document


def _resource_bytes(filename: str) -> bytes:
    """The bytes of one file in ``bid/contexts/``."""
    return resources.files("bid").joinpath("contexts/" + filename).read_bytes()


def _read_bundled(url: str, filename: str, digest: str) -> JSONObject:
    try:
        data = _resource_bytes(filename)
    except OSError as exc:
        raise ContextNotAllowed(f"bundled context {url}: its file {filename} is missing") from exc
    if hashlib.sha256(data).hexdigest() != digest:
        raise ContextNotAllowed(f"bundled context {url} fails its pinned hash")
    document = freeze(loads_strict(data, what=f"bundled context {url}"))
    if not isinstance(document, Mapping):
        raise ContextNotAllowed(f"bundled context {url} is not a JSON object")
    return document


def _shown(value: object) -> str:
    text = value if isinstance(value, str) else repr(value)
    return text if len(text) <= _MAX_SHOWN else text[:_MAX_SHOWN] + "..."


def _not_allowed(url: object) -> str:
    return (
        f"the JSON-LD context {_shown(url)!r} is not bundled, and contexts are never "
        "fetched; pass your own via extra_contexts"
    )


# -- the document loader ----------------------------------------------------------------------


def make_loader(extra_contexts: Mapping[str, JSONObject] | None = None) -> DocumentLoader:
    """A PyLD document loader serving the bundled contexts plus ``extra_contexts``.

    URLs match exactly (no redirects, no ``file:``, no network); any other URL raises
    ContextNotAllowed. ``extra_contexts`` is copied now: later changes to it do not
    count. Each call returns a fresh deep copy, as PyLD may modify what it loads.
    """
    return _Loader(_snapshot(extra_contexts))


class _Loader:
    """The loader :func:`make_loader` returns: bundled contexts plus a frozen snapshot.

    Its :attr:`key` names the set of contexts it serves, so that context processing done
    for one loader can be reused for any loader serving the same contexts.
    """

    __slots__ = ("_extras", "_key")

    def __init__(self, extras: dict[str, JSONObject]) -> None:
        self._extras = extras
        self._key: str | None = None

    def __call__(self, url: str, options: Any = None) -> dict[str, Any]:
        """PyLD's loader protocol: a RemoteDocument dict holding a fresh copy."""
        document = self._extras.get(url) if isinstance(url, str) else None
        if document is None:
            document = load_context(url)
        return {"contextUrl": None, "documentUrl": url, "document": thaw(document)}

    @property
    def extras(self) -> Mapping[str, JSONObject]:
        """The caller's extra contexts (validated, frozen)."""
        return self._extras

    @property
    def key(self) -> str:
        """``""`` for the bundled contexts alone; else a digest of the extra contexts."""
        if self._key is None:
            if not self._extras:
                self._key = ""
            else:
                text = json.dumps(
                    thaw(self._extras), sort_keys=True, ensure_ascii=False, separators=(",", ":")
                )
                self._key = hashlib.sha256(text.encode("utf-8")).hexdigest()
        return self._key


def _snapshot(extra_contexts: Mapping[str, JSONObject] | None) -> dict[str, JSONObject]:
    """A validated, read-only copy of the caller's extra contexts."""
    if extra_contexts is None:
        return {}
    if not isinstance(extra_contexts, Mapping):
        raise InvalidInput("extra_contexts must map context URLs to context documents")
    snapshot: dict[str, JSONObject] = {}
    for url, document in extra_contexts.items():
        snapshot[_extra_url(url)] = _extra_document(url, document)
    return snapshot


def _extra_url(url: object) -> str:
    if not isinstance(url, str) or not url:
        raise InvalidInput(f"extra_contexts: {_shown(url)!r} is not a context URL")
    if url in _BUNDLED:
        raise ContextNotAllowed(f"extra_contexts may not replace the bundled context {url}")
    return url


def _extra_document(url: str, document: object) -> JSONObject:
    if not isinstance(document, Mapping):
        raise InvalidInput(f"extra context {_shown(url)}: a context document is a JSON object")
    check_value(document, what=f"extra context {_shown(url)}")
    _check_depth(document)
    frozen = freeze(document)
    assert isinstance(frozen, Mapping)
    return frozen


# -- context policy ---------------------------------------------------------------------------


def check_contexts(
    document: JSONObject, *, extra_contexts: Mapping[str, JSONObject] | None = None
) -> None:
    """Refuse any ``@context`` (top level or nested) that is not an allowed URL.

    Allowed: the bundled URLs and the keys of ``extra_contexts``, exactly. An inline
    context object, ``null`` or anything else raises ContextNotAllowed. Nothing is fetched.
    """
    _require_object(document)
    _check_policy(document, _snapshot(extra_contexts))


def _check_policy(document: JSONObject, extras: Mapping[str, JSONObject]) -> None:
    """:func:`check_contexts` once the extra contexts are validated."""
    allowed = _BUNDLED_URLS.union(extras) if extras else _BUNDLED_URLS
    if _policy_holds(document, allowed):
        return
    for path, value in _contexts_in(document):
        entries = value if isinstance(value, list | tuple) else [value]
        for entry in entries:
            _check_context_entry(entry, path, allowed)


def _policy_holds(document: JSONObject, allowed: frozenset[str]) -> bool:
    """Whether every ``@context`` entry is an allowed URL (no paths kept: the quick check)."""
    stack: list[Any] = [document]
    while stack:
        item = stack.pop()
        if isinstance(item, Mapping):
            for key, child in item.items():
                if key != "@context":
                    stack.append(child)
                elif isinstance(child, list | tuple):
                    if not all(isinstance(entry, str) and entry in allowed for entry in child):
                        return False
                elif not (isinstance(child, str) and child in allowed):
                    return False
        elif isinstance(item, list | tuple):
            stack.extend(item)
    return True


def _contexts_in(document: JSONObject) -> Iterator[tuple[str, Any]]:
    """Every ``@context`` value in the document, with its path."""
    stack: list[tuple[str, Any]] = [("", document)]
    while stack:
        path, item = stack.pop()
        if isinstance(item, Mapping):
            for key, child in item.items():
                child_path = f"{path}.{key}" if path else key
                if key == "@context":
                    yield child_path, child
                else:
                    stack.append((child_path, child))
        elif isinstance(item, list | tuple):
            stack.extend((f"{path}[{index}]", child) for index, child in enumerate(item))


def _check_context_entry(entry: object, path: str, allowed: AbstractSet[str]) -> None:
    if isinstance(entry, str):
        if entry not in allowed:
            raise ContextNotAllowed(f"{path}: {_not_allowed(entry)}")
    elif isinstance(entry, Mapping):
        raise ContextNotAllowed(
            f"{path} holds an inline context; inline contexts can redefine terms; "
            "publish the context and pass it in extra_contexts"
        )
    else:
        raise ContextNotAllowed(f"{path} holds {_shown(entry)}, not a context URL")


# -- safe mode --------------------------------------------------------------------------------


def check_no_data_loss(document: JSONObject, *, loader: DocumentLoader) -> None:
    """Raise DataLossDetected if JSON-LD processing would drop anything from ``document``.

    Dropped data is not signed. The document is expanded with a sentinel ``@vocab`` placed
    before its own contexts (a context that sets its own ``@vocab`` still wins): terms and
    types that only the sentinel defines are undefined. Also refused: relative or malformed
    IRIs (the base IRI is null), keys that look like keywords, blank-node properties, and
    ``@index`` / ``@direction``, which RDF does not carry.
    """
    plain = _prepare(document)
    _probe(plain, _universe(loader))


def _probe(plain: dict[str, Any], universe: _Universe) -> None:
    """:func:`check_no_data_loss` on a prepared document, in ``universe``."""
    probe = dict(plain)
    own = plain.get("@context", [])
    probe["@context"] = [{"@vocab": _SENTINEL}, *(own if isinstance(own, list) else [own])]
    dropped: list[str | None] = []
    processor = universe.processor(dropped.append)
    options = universe.options()
    expanded = _call(lambda: processor.expand(probe, options))
    where = _Locator(plain)
    problems = _dropped_problems(dropped, where) + _expanded_problems(expanded, where)
    if problems:
        raise DataLossDetected(_summary(problems))


class _Locator:
    """Where each key and string value appears in the input (for error messages).

    The document is indexed on the first question: a document without problems never is.
    """

    def __init__(self, document: Mapping[str, Any]) -> None:
        self._document = document
        self._keys: dict[str, list[str]] | None = None
        self._values: dict[str, list[str]] = {}

    @property
    def keys(self) -> dict[str, list[str]]:
        """Each key -> the paths where it is used (computed on first use)."""
        if self._keys is None:
            self._index()
        assert self._keys is not None
        return self._keys

    @property
    def values(self) -> dict[str, list[str]]:
        """Each string value -> the paths where it appears (computed on first use)."""
        if self._keys is None:
            self._index()
        return self._values

    def _index(self) -> None:
        self._keys = {}
        queue: deque[tuple[str, Any]] = deque([("", self._document)])
        while queue:
            path, item = queue.popleft()
            if isinstance(item, Mapping):
                for key, child in item.items():
                    if key != "@context":
                        child_path = f"{path}.{key}" if path else key
                        self._keys.setdefault(key, []).append(child_path)
                        queue.append((child_path, child))
            elif isinstance(item, list):
                queue.extend((f"{path}[{index}]", child) for index, child in enumerate(item))
            elif isinstance(item, str):
                self._values.setdefault(item, []).append(path or "the document")

    def key(self, name: str) -> str:
        """Where the key ``name`` is used: its path, or its name and candidate paths."""
        paths = self.keys.get(name, [])
        if len(paths) == 1:
            return paths[0]
        return f"{_shown(name)!r}" + (f" (at {_some(paths)})" if paths else "")

    def value(self, text: str) -> str:
        """Where the string value ``text`` appears."""
        return _some(self.values.get(text, [])) or "an expanded value"


def _some(paths: list[str]) -> str:
    shown = " or ".join(paths[:3])
    return shown + (" or elsewhere" if len(paths) > 3 else "")


def _dropped_problems(dropped: list[str | None], where: _Locator) -> list[str]:
    """Explain the keys PyLD reported as ignored during expansion."""
    problems = [
        f"{where.key(name)} is not defined by the contexts, so it would not be signed"
        for name in dropped
        if name is not None
    ]
    if None in dropped:
        keyword_like = [
            where.key(key)
            for key in where.keys
            if _KEYWORD_LIKE.fullmatch(key) and key not in _JSONLD_KEYWORDS
        ]
        problems.extend(
            f"{path} looks like a JSON-LD keyword but is not one, so it would not be signed"
            for path in keyword_like
        )
        if not keyword_like:
            problems.append("a term the contexts map to null would be dropped and not signed")
    return problems


def _expanded_problems(expanded: Any, where: _Locator) -> list[str]:
    """Walk expanded JSON-LD; list what RDF conversion would drop or mangle."""
    problems: list[str] = []
    stack: list[Any] = [expanded]
    while stack:
        item = stack.pop()
        if isinstance(item, list):
            stack.extend(item)
        elif isinstance(item, dict) and "@value" in item:
            problems.extend(_value_problems(item, where))
        elif isinstance(item, dict):
            for key, value in item.items():
                problems.extend(_entry_problems(key, value, where))
                stack.extend(_children(key, value))
    return problems


def _children(key: str, value: Any) -> list[Any]:
    """The parts of a node-object entry that hold further nodes or values."""
    if key == "@reverse" and isinstance(value, dict):
        return list(value.values())
    if key in ("@id", "@type", "@index") or not isinstance(value, list | dict):
        return []
    return [value]


def _entry_problems(key: str, value: Any, where: _Locator) -> list[str]:
    if key == "@id":
        return _iri_problems(value, where, "identifier", blank_ok=True)
    if key == "@type":
        types = value if isinstance(value, list) else [value]
        return [p for t in types for p in _iri_problems(t, where, "type", blank_ok=True)]
    if key == "@index":
        return [f"the @index {_shown(value)!r} is not part of the RDF, so it would not be signed"]
    if key == "@reverse" and isinstance(value, dict):
        return [p for prop in value for p in _property_problems(prop, where)]
    if key.startswith("@"):
        return []
    return _property_problems(key, where)


def _property_problems(iri: str, where: _Locator) -> list[str]:
    if iri.startswith(_SENTINEL):
        name = iri[len(_SENTINEL) :]
        return [f"{where.key(name)} is not defined by the contexts, so it would not be signed"]
    if iri.startswith("_:"):
        return [f"{where.key(iri)} is a blank node used as a property, so it would not be signed"]
    if not _ABSOLUTE_IRI.fullmatch(iri):
        return [f"the property {_shown(iri)!r} is not a well-formed IRI, so it would not be signed"]
    return []


def _iri_problems(value: Any, where: _Locator, role: str, *, blank_ok: bool) -> list[str]:
    if not isinstance(value, str):
        return [f"an {role} {_shown(value)} is not a string, so it would not be signed"]
    if blank_ok and value.startswith("_:"):
        return []
    if value.startswith(_SENTINEL):
        name = value[len(_SENTINEL) :]
        return [
            f"the {role} {_shown(name)!r} (at {where.value(name)}) is not defined by the "
            "contexts, so it would not be signed"
        ]
    if not _ABSOLUTE_IRI.fullmatch(value):
        return [
            f"the {role} {_shown(value)!r} (at {where.value(value)}) is not an absolute IRI "
            "(the base IRI is null), so it would be dropped and not signed"
        ]
    return []


def _value_problems(item: dict[str, Any], where: _Locator) -> list[str]:
    problems: list[str] = []
    datatype = item.get("@type")
    if datatype is not None and datatype != "@json":
        problems.extend(_iri_problems(datatype, where, "datatype", blank_ok=False))
    language = item.get("@language")
    if language is not None and not (
        isinstance(language, str) and _LANGUAGE_TAG.fullmatch(language)
    ):
        problems.append(f"the language tag {_shown(language)!r} is not well-formed")
    if "@direction" in item:
        problems.append(
            f"the base direction {_shown(item['@direction'])!r} of {_shown(item['@value'])!r} "
            "is not part of the RDF, so it would not be signed"
        )
    if "@index" in item:
        problems.append(
            f"the @index {_shown(item['@index'])!r} is not part of the RDF, so it would "
            "not be signed"
        )
    return problems


def _summary(problems: list[str]) -> str:
    unique = sorted(set(problems))
    text = "; ".join(unique[:_MAX_PROBLEMS_SHOWN])
    hidden = len(unique) - _MAX_PROBLEMS_SHOWN
    return text + (f" (and {hidden} more)" if hidden > 0 else "")


# -- expansion and canonicalization -----------------------------------------------------------


def expand(
    document: JSONObject, *, extra_contexts: Mapping[str, JSONObject] | None = None
) -> list[Any]:
    """The expanded form of ``document``, after the context and data-loss checks."""
    plain, universe = _checked(document, extra_contexts)
    expanded: list[Any] = _safe_pass(plain, universe, to_rdf=False)
    return expanded


def canonize(
    document: JSONObject,
    *,
    extra_contexts: Mapping[str, JSONObject] | None = None,
    max_blank_nodes: int = 512,
    max_equal_hashes: int = 8,
    max_work: int = 200_000,
) -> str:
    """RDFC-1.0 (URDNA2015) canonical N-Quads of ``document``, with bounded work.

    Runs :func:`check_contexts` and :func:`check_no_data_loss`, converts the document to
    RDF (base IRI null), then refuses with ResourceLimitExceeded: more than
    ``max_blank_nodes`` blank nodes; more than ``max_equal_hashes`` blank nodes sharing
    one first-degree hash; more than ``max_work`` steps in the Hash N-Degree Quads stage.
    A step is one blank-node identifier handled: each call of that algorithm, and each
    ordering of look-alike neighbours it tries, costs one plus the identifiers it carries
    along (about 2-3 microseconds each in PyLD, so the default stops within a second).
    Returns the N-Quads text, each statement ending in ``"\\n"``.

    When every blank node's first-degree hash is unique (the usual credential), the
    canonical labels follow from those hashes alone and :mod:`bid._rdfc` writes the result;
    otherwise PyLD's URDNA2015 runs, metered. Both give the same text.
    """
    for name, limit in (
        ("max_blank_nodes", max_blank_nodes),
        ("max_equal_hashes", max_equal_hashes),
        ("max_work", max_work),
    ):
        _check_limit(name, limit)
    plain, universe = _checked(document, extra_contexts)
    dataset: dict[str, list[dict[str, Any]]] = _safe_pass(plain, universe, to_rdf=True)
    quads = _quads(dataset)
    _check_literals(quads)
    mentions = _rdfc.blank_node_quads(quads)
    if len(mentions) > max_blank_nodes:
        raise ResourceLimitExceeded(
            f"the document has {len(mentions)} blank nodes, more than the limit of "
            f"{max_blank_nodes}"
        )
    hashes = _rdfc.first_degree_hashes(mentions)
    alike = max(Counter(hashes.values()).values(), default=0)
    if alike > max_equal_hashes:
        raise ResourceLimitExceeded(
            f"{alike} blank nodes share one first-degree hash (the limit is "
            f"{max_equal_hashes}): canonicalizing such a graph can take factorial time"
        )
    labels = _rdfc.canonical_labels(hashes)
    if labels is not None:
        return _rdfc.canonical_nquads(quads, labels)
    return _normalize(dataset, max_work)


def _safe_pass(plain: dict[str, Any], universe: _Universe, *, to_rdf: bool) -> Any:
    """PyLD's expansion (``to_rdf``: its RDF dataset) of a document that loses no data.

    Equivalent to :func:`check_no_data_loss` followed by PyLD's own pass, in one pass when
    the document is clean. The plain pass runs first, reporting dropped keys; its expanded
    form is then checked as the sentinel pass would be. Only when that finds something, or
    the plain pass fails, does the sentinel pass run (and raise what it raises, as it
    would have first). Why one pass suffices: the sentinel ``@vocab`` changes expansion
    only where the plain pass consults a missing ``@vocab``, and each such place either
    raises, drops a key (reported), or leaves a relative IRI (refused); with none of those,
    the sentinel pass would find nothing either, and its RDF is the plain pass's.
    """
    dropped: list[str | None] = []
    kept: list[Any] = []
    processor = universe.processor(dropped.append)
    options = universe.options()
    if to_rdf:
        expand_only = processor.expand

        def expand_and_keep(input_: Any, expand_options: Any) -> Any:
            expanded = expand_only(input_, expand_options)
            kept.append(expanded)
            return expanded

        processor.expand = expand_and_keep
        action: Callable[[], Any] = lambda: processor.to_rdf(plain, options)  # noqa: E731
    else:
        action = lambda: processor.expand(plain, options)  # noqa: E731
    failure: BidError | None = None
    try:
        result = _call(action)
    except BidError as exc:
        failure = exc
    if failure is not None:
        _probe(plain, universe)
        raise failure
    expanded = kept[0] if to_rdf else result
    if dropped or _expanded_problems(expanded, _Locator(plain)):
        _probe(plain, universe)
    return result


def _check_limit(name: str, value: object) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise InvalidInput(f"{name} must be a positive integer, not {value!r}")


def _checked(
    document: JSONObject, extra_contexts: Mapping[str, JSONObject] | None
) -> tuple[dict[str, Any], _Universe]:
    """A plain copy of the document that passed the context policy, and where to process it."""
    plain = _prepare(document)
    loader = _Loader(_snapshot(extra_contexts))
    _check_policy(plain, loader.extras)
    return plain, _universe(loader)


def _require_object(document: object) -> None:
    if not isinstance(document, Mapping):
        raise InvalidInput(
            f"a JSON-LD document must be a JSON object, not {type(document).__name__}"
        )


def _prepare(document: JSONObject) -> dict[str, Any]:
    """A checked, mutable deep copy of the document (the caller's is never touched)."""
    _require_object(document)
    check_value(document, what="JSON-LD document")
    plain: dict[str, Any] = _thaw_within_depth(document, 1)
    return plain


def _thaw_within_depth(item: Any, depth: int) -> Any:
    """:func:`~bid._json.thaw` and :func:`_check_depth` in one walk."""
    if depth > MAX_DEPTH:
        raise ResourceLimitExceeded(f"the document nests deeper than {MAX_DEPTH} levels")
    if isinstance(item, Mapping):
        return {key: _thaw_within_depth(child, depth + 1) for key, child in item.items()}
    if isinstance(item, list | tuple):
        return [_thaw_within_depth(child, depth + 1) for child in item]
    return item


def _check_depth(document: object) -> None:
    stack: list[tuple[object, int]] = [(document, 1)]
    while stack:
        item, depth = stack.pop()
        if depth > MAX_DEPTH:
            raise ResourceLimitExceeded(f"the document nests deeper than {MAX_DEPTH} levels")
        if isinstance(item, Mapping):
            stack.extend((child, depth + 1) for child in item.values())
        elif isinstance(item, list | tuple):
            stack.extend((child, depth + 1) for child in item)


# -- PyLD -------------------------------------------------------------------------------------


def _pyld() -> ModuleType:
    """The ``pyld`` package, or MissingExtra naming the ``jsonld`` extra."""
    loaded = sys.modules.get("pyld")
    if loaded is not None:
        return loaded
    return import_extra("pyld", "jsonld", feature=_FEATURE)


def _native_options(loader: DocumentLoader) -> dict[str, Any]:
    """PyLD options with PyLD's own context resolver: nothing outlives the call."""
    resolver = _pyld().context_resolver.ContextResolver({}, loader)
    return {
        "documentLoader": loader,
        "contextResolver": resolver,
        "base": None,
        "processingMode": "json-ld-1.1",
    }


# -- context processing, done once ----------------------------------------------------------
#
# Processing a context (turning its JSON into term definitions) is most of PyLD's work: the
# credentials context alone defines hundreds of terms, and PyLD redoes it on every call (and
# again for every type-scoped context it meets). The results only depend on the contexts,
# which are fixed per loader: the pinned bundled files plus one extra-contexts snapshot.
# A _Universe keeps them for one such set:
#
# * the context documents, fetched and normalized once (PyLD's own steps);
# * one PyLD ResolvedContext per context object (PyLD caches processed contexts on these);
# * a memo of PyLD's _process_context keyed by (active context, resolved contexts, flags).
#
# Everything PyLD does per call is kept per call: the per-operation URL cache and the
# limit on context URLs (10) and the cycle check, so the same documents fail the same way.
# Active contexts are immutable in PyLD (frozendict, each with a unique "_uuid"), so a memo
# hit returns exactly what processing would compute. Universes are per thread (PyLD's
# caches are not thread-safe) and few (least recently used dropped).
#
# Not kept across calls (PyLD's per-call behaviour, unchanged): loaders other than
# make_loader's, and extra contexts using "@import" (PyLD edits the imported context in
# place) or naming context URLs inside term definitions (fetched while processing).

_UNIVERSES_PER_THREAD = 8
_MEMO_LIMIT = 256
_INLINE_LIMIT = 256
_IRI_LIMIT = 4096
_threads = threading.local()


def _universe(loader: DocumentLoader) -> _Universe:
    """Where to process documents for ``loader``: this thread's cached universe if allowed."""
    pyld = _pyld()
    if not (isinstance(loader, _Loader) and _persistable(loader.extras)):
        return _Universe(loader, persistent=False)
    universes: OrderedDict[str, _Universe] | None = getattr(_threads, "universes", None)
    if universes is None:
        universes = _threads.universes = OrderedDict()
    found = universes.get(loader.key)
    if found is not None:
        universes.move_to_end(loader.key)
        return found
    if not _hooks_present(pyld):
        return _Universe(loader, persistent=False)
    found = universes[loader.key] = _Universe(loader, persistent=True)
    while len(universes) > _UNIVERSES_PER_THREAD:
        universes.popitem(last=False)
    return found


def _hooks_present(pyld: ModuleType) -> bool:
    """Whether this PyLD has the internals the lasting state hooks into (3.3 does)."""
    processor, resolver = pyld.jsonld.JsonLdProcessor, pyld.context_resolver.ContextResolver
    return (
        all(hasattr(processor, name) for name in ("_process_context", "_expand_iri"))
        and all(hasattr(resolver, name) for name in ("_fetch_context", "_resolve_context_urls"))
        and isinstance(getattr(pyld.context_resolver, "MAX_CONTEXT_URLS", None), int)
        and hasattr(pyld.jsonld, "frozendict")
    )


def _persistable(extras: Mapping[str, JSONObject]) -> bool:
    """Whether processing results for these extra contexts may be kept across calls.

    Not when a context uses ``@import`` or names a context URL below its top level. The
    bundled contexts do neither (a test checks).
    """
    for document in extras.values():
        stack: list[tuple[Any, bool]] = [(document, True)]
        while stack:
            item, top = stack.pop()
            if isinstance(item, Mapping):
                for key, value in item.items():
                    if key == "@import":
                        return False
                    if key == "@context":
                        if not top and _names_url(value):
                            return False
                        stack.append((value, False))
                    else:
                        stack.append((value, False))
            elif isinstance(item, list | tuple):
                stack.extend((child, False) for child in item)
    return True


def _names_url(context: Any) -> bool:
    entries = context if isinstance(context, list | tuple) else [context]
    return any(isinstance(entry, str) for entry in entries)


class _Universe:
    """PyLD context-processing state for one set of contexts (see the comment above)."""

    def __init__(self, loader: DocumentLoader, *, persistent: bool) -> None:
        pyld = _pyld()
        self.loader = loader
        self.persistent = persistent
        self.documents: dict[str, tuple[dict[str, Any], str]] = {}
        self.contexts: dict[int, tuple[Any, Any]] = {}
        self.inline: dict[str, Any] = {}
        self.locations: dict[tuple[str, Any], str] = {}
        self.iris: dict[tuple[Any, ...], Any] = {}
        self.memo: dict[tuple[Any, ...], tuple[tuple[Any, ...], Any]] = {}
        self.reset = pyld.resolved_context.ResolvedContext(False)
        self.fetcher = pyld.context_resolver.ContextResolver({}, loader)
        self._frozen: Any = pyld.jsonld.frozendict
        self._processor: Any = pyld.jsonld.JsonLdProcessor
        self._resolved_context: Any = pyld.resolved_context.ResolvedContext
        self.pyld = pyld

    def options(self) -> dict[str, Any]:
        """PyLD options for one operation (a fresh per-operation resolver each time)."""
        if not self.persistent:
            return _native_options(self.loader)
        return {
            "documentLoader": self.loader,
            "contextResolver": _Resolver(self),
            "base": None,
            "processingMode": "json-ld-1.1",
        }

    def processor(self, on_property_dropped: Callable[[str | None], None]) -> Any:
        """A PyLD JsonLdProcessor whose context processing uses the memo."""
        processor = self._processor(on_property_dropped=on_property_dropped)
        if self.persistent:
            processor._process_context = self._memoized(processor._process_context)
            processor._expand_iri = self._memoized_iri(processor._expand_iri)
        return processor

    def _memoized_iri(self, expand_iri: Callable[..., Any]) -> Callable[..., Any]:
        """Wrap one processor's _expand_iri: outside context processing it only reads."""
        memo = self.iris
        frozen = self._frozen

        def memoized(
            active_ctx: Any,
            value: Any,
            base: Any = None,
            vocab: bool = False,
            local_ctx: Any = None,
            defined: Any = None,
        ) -> Any:
            uuid = active_ctx.get("_uuid") if isinstance(active_ctx, frozen) else None
            if local_ctx or uuid is None or type(value) is not str:
                return expand_iri(active_ctx, value, base, vocab, local_ctx, defined)
            key = (uuid, value, base, vocab)
            try:
                return memo[key]
            except KeyError:
                pass
            found = expand_iri(active_ctx, value, base, vocab, local_ctx, defined)
            if len(memo) >= _IRI_LIMIT:
                memo.clear()
            memo[key] = found
            return found

        return memoized

    def location(self, url: str, base: Any, resolve: Callable[[str, Any], str]) -> str:
        """``resolve(url, base)`` (PyLD's IRI resolution), remembered."""
        key = (url, base)
        found = self.locations.get(key)
        if found is None:
            found = resolve(url, base)
            if len(self.locations) >= _INLINE_LIMIT:
                self.locations.clear()
            self.locations[key] = found
        return found

    def document(self, url: str) -> tuple[dict[str, Any], str] | None:
        """The normalized context document fetched earlier for ``url``, if any."""
        return self.documents.get(url)

    def keep_document(self, url: str, context: dict[str, Any], base: str) -> None:
        """Keep a fetched context; its context objects get lasting ResolvedContexts."""
        self.documents[url] = (context, base)
        for item in _context_objects(context):
            self.contexts[id(item)] = (item, self._resolved_context(item))

    def resolved(self, context: Any) -> Any:
        """The ResolvedContext for a context object (one per object, or per inline text)."""
        entry = self.contexts.get(id(context))
        if entry is not None and entry[0] is context:
            return entry[1]
        resolved_context = self._resolved_context
        try:
            text = json.dumps(context, sort_keys=True, separators=(",", ":"))
        except (TypeError, ValueError):
            return resolved_context(context)  # not JSON: no sharing, as if seen once
        found = self.inline.get(text)
        if found is None:
            if len(self.inline) >= _INLINE_LIMIT:
                self.inline.clear()
            found = self.inline[text] = resolved_context(context)
        return found

    def _memoized(self, process: Callable[..., Any]) -> Callable[..., Any]:
        """Wrap one processor's _process_context with this universe's memo."""
        memo = self.memo
        frozen = self._frozen

        def process_context(
            active_ctx: Any,
            local_ctx: Any,
            options: dict[str, Any],
            override_protected: bool = False,
            propagate: bool = True,
            validate_scoped: bool = True,
            cycles: Any = None,
        ) -> Any:
            arguments = (options, override_protected, propagate, validate_scoped, cycles)
            if (
                cycles is not None
                or not isinstance(active_ctx, frozen)
                or "_uuid" not in active_ctx
            ):
                return process(active_ctx, local_ctx, *arguments)
            if isinstance(local_ctx, list) and not local_ctx:
                return process(active_ctx, local_ctx, *arguments)
            resolved = tuple(
                options["contextResolver"].resolve(active_ctx, local_ctx, options.get("base", ""))
            )
            key = (
                active_ctx["_uuid"],
                tuple(map(id, resolved)),
                override_protected,
                propagate,
                validate_scoped,
            )
            # An entry holds its ResolvedContexts, so ids in a key that matches belong to
            # the very objects just resolved (live objects never share an id).
            entry = memo.get(key)
            if entry is not None:
                return entry[1]
            result = process(active_ctx, local_ctx, *arguments)
            if isinstance(result, frozen):
                if len(memo) >= _MEMO_LIMIT:
                    memo.clear()
                memo[key] = (resolved, result)
            return result

        return process_context


def _context_objects(context: Any) -> Iterator[Any]:
    """Every context object in a context document: top-level and term-scoped ones."""
    stack: list[Any] = [context.get("@context")]
    while stack:
        item = stack.pop()
        if isinstance(item, list):
            stack.extend(item)
        elif isinstance(item, dict):
            yield item
            for definition in item.values():
                if isinstance(definition, dict) and "@context" in definition:
                    stack.append(definition["@context"])


class _Resolver:
    """PyLD's per-operation ContextResolver, backed by a universe's lasting state.

    It does what PyLD's does, step for step (per-operation URL cache, URL count limit,
    cycle check, errors), except that fetched documents and ResolvedContexts come from
    the universe when they are there.
    """

    def __init__(self, universe: _Universe) -> None:
        self._universe = universe
        self._per_operation: dict[str, Any] = {}
        pyld = universe.pyld
        self._frozen: Any = pyld.jsonld.frozendict
        self._error: Any = pyld.jsonld.JsonLdError
        self._resolve_url: Callable[[str, Any], str] = pyld.iri_resolver.resolve
        self._max_urls: int = pyld.context_resolver.MAX_CONTEXT_URLS

    def resolve(self, active_ctx: Any, context: Any, base: Any, cycles: Any = None) -> list[Any]:
        """PyLD's ``ContextResolver.resolve``: the ResolvedContexts for a local context."""
        if cycles is None:
            cycles = set()
        if isinstance(context, dict | self._frozen) and "@context" in context:
            context = context["@context"]
        if not isinstance(context, list):
            context = [context]
        resolved: list[Any] = []
        for item in context:
            if isinstance(item, str):
                found = self._per_operation.get(item)
                if not found:
                    found = self._remote(active_ctx, item, base, cycles)
                if isinstance(found, list):
                    resolved.extend(found)
                else:
                    resolved.append(found)
            elif item is None or item is False:
                resolved.append(self._universe.reset)
            elif not isinstance(item, dict | self._frozen):
                raise self._error(
                    "Invalid JSON-LD syntax; @context must be an object.",
                    "jsonld.SyntaxError",
                    {"context": item},
                    code="invalid local context",
                )
            else:
                resolved.append(self._universe.resolved(item))
        return resolved

    def _remote(self, active_ctx: Any, url: str, base: Any, cycles: set[str]) -> Any:
        """PyLD's ``_resolve_remote_context``, fetching through the universe."""
        universe = self._universe
        url = universe.location(url, base, self._resolve_url)
        kept = universe.document(url)
        if kept is None:
            context, remote = universe.fetcher._fetch_context(active_ctx, url, cycles)
            document_url = remote.get("documentUrl", url)
            universe.fetcher._resolve_context_urls(context, document_url)
            universe.keep_document(url, context, document_url)
        else:
            self._count(active_ctx, url, cycles)
            context, document_url = kept
        found = self.resolve(active_ctx, context, document_url, cycles)
        self._per_operation[url] = found
        return found

    def _count(self, active_ctx: Any, url: str, cycles: set[str]) -> None:
        """The checks PyLD's ``_fetch_context`` makes before fetching ``url``."""
        json_ld_10 = active_ctx.get("processingMode") == "json-ld-1.0"
        if len(cycles) > self._max_urls:
            raise self._error(
                "Maximum number of @context URLs exceeded.",
                "jsonld.ContextUrlError",
                {"max": self._max_urls},
                code="loading remote context failed" if json_ld_10 else "context overflow",
            )
        if url in cycles:
            raise self._error(
                "Cyclical @context URLs detected.",
                "jsonld.ContextUrlError",
                {"url": url},
                code="recursive context inclusion" if json_ld_10 else "context overflow",
            )
        cycles.add(url)


def _call(action: Callable[[], T]) -> T:
    """Run a PyLD step; translate anything it raises into a BidError."""
    try:
        return action()
    except BidError:
        raise
    except RecursionError as exc:
        raise ResourceLimitExceeded("the document is too deeply nested to process") from exc
    except Exception as exc:
        raise _translated(exc) from exc


def _chain(exc: BaseException) -> Iterator[BaseException]:
    """``exc`` and the exceptions it was raised from, outermost first."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        yield current
        current = current.__cause__ or current.__context__


def _translated(exc: Exception) -> BidError:
    """Our error for what PyLD raised: ours from the loader, a limit, or invalid JSON-LD."""
    chain = list(_chain(exc))
    for link in chain:
        if isinstance(link, ContextNotAllowed):
            return ContextNotAllowed(link.message)
        if isinstance(link, RecursionError):
            return ResourceLimitExceeded("the document is too deeply nested to process")
    coded = [(code, link) for link in chain if (code := getattr(link, "code", None))]
    code, innermost = coded[-1] if coded else (type(chain[-1]).__name__, chain[-1])
    if code == "context overflow":
        return ResourceLimitExceeded("the contexts reference too many other contexts")
    detail = innermost.args[0] if innermost.args else ""
    return InvalidInput(f"not valid JSON-LD ({code}): {_shown(detail)}")


# -- the RDF dataset and its work bound -------------------------------------------------------

Term: TypeAlias = _rdfc.Term
Quad: TypeAlias = _rdfc.Quad


def _quads(dataset: Mapping[str, list[dict[str, Any]]]) -> list[Quad]:
    """PyLD's dataset (graph name -> triples) as a flat list of quads."""
    quads: list[Quad] = []
    for graph, triples in dataset.items():
        name = None if graph == "@default" else _node_term(graph)
        quads.extend((t["subject"], t["predicate"], t["object"], name) for t in triples)
    return quads


def _node_term(value: str) -> Term:
    return {"type": "blank node" if value.startswith("_:") else "IRI", "value": value}


def _check_literals(quads: list[Quad]) -> None:
    """Refuse strings whose N-Quads form differs between PyLD and RDFC-1.0."""
    for _, _, obj, _ in quads:
        if obj["type"] == "literal":
            found = _DIVERGENT_CONTROL.search(obj["value"])
            if found:
                raise InvalidInput(
                    f"a string holds the control character U+{ord(found.group()):04X}, which "
                    "RDF canonicalization implementations do not serialize alike"
                )


def _first_degree_hashes(quads: list[Quad]) -> dict[str, str]:
    """Every blank node's first-degree hash."""
    return _rdfc.first_degree_hashes(_rdfc.blank_node_quads(quads))


class _WorkBudget:
    """Counts Hash N-Degree Quads steps; raises ResourceLimitExceeded past the limit."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.spent = 0

    def spend(self, steps: int) -> None:
        self.spent += steps
        if self.spent > self.limit:
            raise ResourceLimitExceeded(
                f"RDF canonicalization needs more than {self.limit} steps: the document's "
                "blank nodes are too alike (a poison graph)"
            )


def _issued(issuer: Any) -> int:
    """How many identifiers a PyLD IdentifierIssuer holds (each ordering copies them all)."""
    existing = getattr(issuer, "existing", None)
    return len(existing) if isinstance(existing, dict) else 0


def _orderings(count: int) -> int:
    """How many orderings of ``count`` look-alike nodes RDFC-1.0 may try (capped)."""
    return math.factorial(min(count, 20))


def _normalize(dataset: dict[str, list[dict[str, Any]]], max_work: int) -> str:
    """PyLD's URDNA2015 over ``dataset``, with its N-degree stage metered."""
    engine = _pyld().canon.URDNA2015()
    _meter(engine, _WorkBudget(max_work))
    nquads: str = _call(lambda: engine.main(dataset, {"format": "application/n-quads"}))
    return nquads


def _meter(engine: Any, budget: _WorkBudget) -> None:
    """Wrap the engine's N-degree steps (on this instance only) so they spend the budget."""
    if not (hasattr(engine, "hash_n_degree_quads") and hasattr(engine, "create_hash_to_related")):
        raise Unsupported("this PyLD version does not expose the URDNA2015 steps bid meters")
    hash_n_degree = engine.hash_n_degree_quads
    hash_to_related = engine.create_hash_to_related

    def metered_hash_n_degree(identifier: str, issuer: Any) -> Any:
        budget.spend(1 + _issued(issuer))
        return hash_n_degree(identifier, issuer)

    def metered_hash_to_related(identifier: str, issuer: Any) -> Any:
        related = hash_to_related(identifier, issuer)
        orderings = sum(_orderings(len(nodes)) for nodes in related.values())
        budget.spend(orderings * (1 + _issued(issuer)))
        return related

    engine.hash_n_degree_quads = metered_hash_n_degree
    engine.create_hash_to_related = metered_hash_to_related
