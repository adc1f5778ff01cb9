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
need it. Each call gets its own document loader and context cache: PyLD's global loader
and its shared context cache are never used.
"""

from __future__ import annotations

import hashlib
import math
import re
import threading
from collections import Counter, deque
from collections.abc import Callable, Iterator, Mapping
from importlib import resources
from types import MappingProxyType, ModuleType
from typing import Any, TypeAlias, TypeVar

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
_XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"
_RDF_LANGSTRING = "http://www.w3.org/1999/02/22-rdf-syntax-ns#langString"

# An absolute IRI that N-Quads can carry as is (IRIREF excludes these characters).
_ABSOLUTE_IRI = re.compile(r"[A-Za-z][A-Za-z0-9+.\-]*:[^\x00-\x20<>\"{}|^`\\\x7f]*")
_LANGUAGE_TAG = re.compile(r"[A-Za-z]{1,8}(?:-[A-Za-z0-9]{1,8})*")
_KEYWORD_LIKE = re.compile(r"@[A-Za-z]+")
# Control characters PyLD writes raw but RDFC-1.0's canonical N-Quads escapes.
_DIVERGENT_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_NQUADS_ESCAPE = re.compile(r'[\\"\x00-\x1f\x7f]')
_NQUADS_ESCAPES = {
    "\\": "\\\\",
    '"': '\\"',
    "\n": "\\n",
    "\r": "\\r",
    "\t": "\\t",
    "\b": "\\b",
    "\f": "\\f",
}

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
    extras = _snapshot(extra_contexts)

    def load(url: str, options: Any = None) -> dict[str, Any]:
        document = extras.get(url) if isinstance(url, str) else None
        if document is None:
            document = load_context(url)
        return {"contextUrl": None, "documentUrl": url, "document": thaw(document)}

    return load


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
    allowed = set(_BUNDLED) | set(_snapshot(extra_contexts))
    for path, value in _contexts_in(document):
        entries = value if isinstance(value, list | tuple) else [value]
        for entry in entries:
            _check_context_entry(entry, path, allowed)


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


def _check_context_entry(entry: object, path: str, allowed: set[str]) -> None:
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
    probe = dict(plain)
    own = plain.get("@context", [])
    probe["@context"] = [{"@vocab": _SENTINEL}, *(own if isinstance(own, list) else [own])]
    dropped: list[str | None] = []
    jsonld = _pyld().jsonld
    expanded = _call(
        lambda: jsonld.expand(probe, _options(loader), on_property_dropped=dropped.append)
    )
    where = _Locator(plain)
    problems = _dropped_problems(dropped, where) + _expanded_problems(expanded, where)
    if problems:
        raise DataLossDetected(_summary(problems))


class _Locator:
    """Where each key and string value first appears in the input (for error messages)."""

    def __init__(self, document: Mapping[str, Any]) -> None:
        self.keys: dict[str, list[str]] = {}
        self.values: dict[str, list[str]] = {}
        queue: deque[tuple[str, Any]] = deque([("", document)])
        while queue:
            path, item = queue.popleft()
            if isinstance(item, Mapping):
                for key, child in item.items():
                    if key != "@context":
                        child_path = f"{path}.{key}" if path else key
                        self.keys.setdefault(key, []).append(child_path)
                        queue.append((child_path, child))
            elif isinstance(item, list):
                queue.extend((f"{path}[{index}]", child) for index, child in enumerate(item))
            elif isinstance(item, str):
                self.values.setdefault(item, []).append(path or "the document")

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
    plain, loader = _checked(document, extra_contexts)
    jsonld = _pyld().jsonld
    expanded: list[Any] = _call(lambda: jsonld.expand(plain, _options(loader)))
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
    """
    for name, limit in (
        ("max_blank_nodes", max_blank_nodes),
        ("max_equal_hashes", max_equal_hashes),
        ("max_work", max_work),
    ):
        _check_limit(name, limit)
    plain, loader = _checked(document, extra_contexts)
    jsonld = _pyld().jsonld
    dataset: dict[str, list[dict[str, Any]]] = _call(lambda: jsonld.to_rdf(plain, _options(loader)))
    quads = _quads(dataset)
    _check_literals(quads)
    _check_blank_nodes(quads, max_blank_nodes, max_equal_hashes)
    return _normalize(dataset, max_work)


def _check_limit(name: str, value: object) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise InvalidInput(f"{name} must be a positive integer, not {value!r}")


def _checked(
    document: JSONObject, extra_contexts: Mapping[str, JSONObject] | None
) -> tuple[dict[str, Any], DocumentLoader]:
    """A plain copy of the document that passed every check, and the loader to use."""
    plain = _prepare(document)
    check_contexts(plain, extra_contexts=extra_contexts)
    loader = make_loader(extra_contexts)
    check_no_data_loss(plain, loader=loader)
    return plain, loader


def _require_object(document: object) -> None:
    if not isinstance(document, Mapping):
        raise InvalidInput(
            f"a JSON-LD document must be a JSON object, not {type(document).__name__}"
        )


def _prepare(document: JSONObject) -> dict[str, Any]:
    """A checked, mutable deep copy of the document (the caller's is never touched)."""
    _require_object(document)
    check_value(document, what="JSON-LD document")
    _check_depth(document)
    plain: dict[str, Any] = thaw(document)
    return plain


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
    return import_extra("pyld", "jsonld", feature=_FEATURE)


def _options(loader: DocumentLoader) -> dict[str, Any]:
    """Per-call PyLD options: our loader, a private context cache, and no base IRI."""
    resolver = _pyld().context_resolver.ContextResolver({}, loader)
    return {
        "documentLoader": loader,
        "contextResolver": resolver,
        "base": None,
        "processingMode": "json-ld-1.1",
    }


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

Term: TypeAlias = Mapping[str, Any]
Quad: TypeAlias = tuple[Term, Term, Term, Term | None]


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


def _blank_node_quads(quads: list[Quad]) -> dict[str, list[Quad]]:
    """Each blank node -> the quads that mention it (once per mention, as RDFC-1.0 does)."""
    mentions: dict[str, list[Quad]] = {}
    for quad in quads:
        subject, _, obj, graph = quad
        for term in (subject, obj, graph):
            if term is not None and term["type"] == "blank node":
                mentions.setdefault(term["value"], []).append(quad)
    return mentions


def _first_degree_hash(node: str, quads: list[Quad]) -> str:
    """RDFC-1.0 "Hash First Degree Quads" of one blank node (SHA-256, hex)."""
    lines = sorted(_nquad(quad, node) for quad in quads)
    return hashlib.sha256("".join(lines).encode("utf-8")).hexdigest()


def _nquad(quad: Quad, reference: str) -> str:
    """Canonical N-Quads of a quad, blank nodes written ``_:a`` (reference) or ``_:z``."""
    subject, predicate, obj, graph = quad
    terms = [subject, predicate, obj] + ([graph] if graph is not None else [])
    return " ".join(_nquad_term(term, reference) for term in terms) + " .\n"


def _nquad_term(term: Term, reference: str) -> str:
    if term["type"] == "IRI":
        return f"<{term['value']}>"
    if term["type"] == "blank node":
        return "_:a" if term["value"] == reference else "_:z"
    text = '"' + _NQUADS_ESCAPE.sub(_escape_char, term["value"]) + '"'
    datatype = term.get("datatype", _XSD_STRING)
    if datatype == _RDF_LANGSTRING:
        return f"{text}@{term.get('language', '')}"
    return text if datatype == _XSD_STRING else f"{text}^^<{datatype}>"


def _escape_char(match: re.Match[str]) -> str:
    char = match.group()
    return _NQUADS_ESCAPES.get(char, f"\\u{ord(char):04X}")


def _first_degree_hashes(quads: list[Quad]) -> dict[str, str]:
    """Every blank node's first-degree hash."""
    return {node: _first_degree_hash(node, q) for node, q in _blank_node_quads(quads).items()}


def _check_blank_nodes(quads: list[Quad], max_blank_nodes: int, max_equal_hashes: int) -> None:
    mentions = _blank_node_quads(quads)
    if len(mentions) > max_blank_nodes:
        raise ResourceLimitExceeded(
            f"the document has {len(mentions)} blank nodes, more than the limit of "
            f"{max_blank_nodes}"
        )
    counts = Counter(_first_degree_hash(node, q) for node, q in mentions.items())
    alike = max(counts.values(), default=0)
    if alike > max_equal_hashes:
        raise ResourceLimitExceeded(
            f"{alike} blank nodes share one first-degree hash (the limit is "
            f"{max_equal_hashes}): canonicalizing such a graph can take factorial time"
        )


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
