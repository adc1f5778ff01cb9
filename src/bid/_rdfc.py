"""RDFC-1.0 without the N-degree stage: datasets whose blank nodes all hash apart.

RDF Dataset Canonicalization (RDFC-1.0, formerly URDNA2015) labels blank nodes in two
stages. First every blank node gets its *first-degree hash*: the SHA-256 of the sorted
N-Quads of the quads that mention it, with itself written ``_:a`` and every other blank
node ``_:z``. Blank nodes whose hash is unique are issued canonical identifiers
(``_:c14n0``, ``_:c14n1``, ...) in the order of their hashes. Only blank nodes that share a
hash go on to the expensive "Hash N-Degree Quads" stage.

When *every* first-degree hash is unique (a credential's blank nodes nearly always are:
each is an object with its own properties), the first stage issues every identifier and
the canonical form is just the dataset with those labels, serialized and sorted. This
module computes exactly that, and nothing else: :func:`canonical_labels` returns ``None``
when two hashes coincide, and the caller then runs the full algorithm.

Terms and quads use PyLD's RDF dataset shape (``{"type": "IRI" | "blank node" |
"literal", "value": ..., "datatype": ..., "language": ...}``), and N-Quads are written
byte for byte as PyLD writes them, so the output equals PyLD's URDNA2015 output.
"""

from __future__ import annotations

import hashlib
import itertools
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, TypeAlias

__all__ = [
    "RDF_LANGSTRING",
    "XSD_STRING",
    "Quad",
    "Term",
    "blank_node_quads",
    "canonical_labels",
    "canonical_nquads",
    "first_degree_hash",
    "first_degree_hashes",
    "nquad",
]

Term: TypeAlias = Mapping[str, Any]
"""One RDF term: ``type`` ("IRI", "blank node" or "literal"), ``value``, and for literals
``datatype`` and (for ``rdf:langString``) ``language``."""

Quad: TypeAlias = tuple[Term, Term, Term, "Term | None"]
"""Subject, predicate, object and graph name (``None`` for the default graph)."""

XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"
RDF_LANGSTRING = "http://www.w3.org/1999/02/22-rdf-syntax-ns#langString"
CANONICAL_PREFIX = "_:c14n"

_BLANK = "blank node"
_KEEP: Mapping[str, str] = {}
# The characters PyLD escapes in a literal (its N-Quads writer; other control characters
# are refused before canonicalization, see bid.jsonld._check_literals).
_LITERAL_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r", '"': '\\"'})


def _term(term: Term, labels: Mapping[str, str], other: str | None) -> str:
    """A subject, predicate or object in N-Quads; blank nodes renamed (see :func:`nquad`)."""
    kind = term["type"]
    value: str = term["value"]
    if kind == "IRI":
        return "<" + value + ">"
    if kind == _BLANK:
        return labels.get(value, value if other is None else other)
    text = '"' + value.translate(_LITERAL_ESCAPES) + '"'
    datatype: str = term.get("datatype", XSD_STRING)
    if datatype == RDF_LANGSTRING:
        language: str | None = term.get("language")
        return text + "@" + language if language else text
    if datatype != XSD_STRING:
        return text + "^^<" + datatype + ">"
    return text


def nquad(quad: Quad, labels: Mapping[str, str], other: str | None = None) -> str:
    """One statement in N-Quads (ending in ``" .\\n"``), as PyLD writes it.

    A blank node subject, object or graph name is written as ``labels`` names it; one
    that ``labels`` does not name is written ``other`` or, when ``other`` is None, with its
    own identifier. A predicate is never renamed (RDFC-1.0 only relabels those three).
    """
    subject, predicate, obj, graph = quad
    line = (
        _term(subject, labels, other)
        + " "
        + _term(predicate, _KEEP, None)
        + " "
        + _term(obj, labels, other)
    )
    if graph is not None:
        name: str = graph["value"]
        if graph["type"] == _BLANK:
            line += " " + labels.get(name, name if other is None else other)
        else:
            line += " <" + name + ">"
    return line + " .\n"


def blank_node_quads(quads: Iterable[Quad]) -> dict[str, list[Quad]]:
    """Each blank node -> the quads that mention it, once per mention (as RDFC-1.0 does).

    Subject, object and graph name are looked at, in that order; predicates are IRIs.
    """
    mentions: dict[str, list[Quad]] = {}
    for quad in quads:
        subject, _, obj, graph = quad
        for term in (subject, obj, graph):
            if term is not None and term["type"] == _BLANK:
                mentions.setdefault(term["value"], []).append(quad)
    return mentions


def first_degree_hash(node: str, quads: Sequence[Quad]) -> str:
    """RDFC-1.0 "Hash First Degree Quads" of ``node`` (SHA-256, hex) over its quads."""
    reference = {node: "_:a"}
    lines = sorted(nquad(quad, reference, "_:z") for quad in quads)
    return hashlib.sha256("".join(lines).encode("utf-8")).hexdigest()


def first_degree_hashes(mentions: Mapping[str, Sequence[Quad]]) -> dict[str, str]:
    """Every blank node's first-degree hash, from :func:`blank_node_quads`' map."""
    return {node: first_degree_hash(node, quads) for node, quads in mentions.items()}


def canonical_labels(hashes: Mapping[str, str]) -> dict[str, str] | None:
    """Canonical identifiers in first-degree-hash order, or None if two hashes are equal.

    With every hash unique, RDFC-1.0 issues ``_:c14n0``, ``_:c14n1``, ... to the blank
    nodes sorted by hash, and no blank node reaches the N-degree stage.
    """
    ordered = sorted(hashes.items(), key=lambda item: item[1])
    for (_, first), (_, second) in itertools.pairwise(ordered):
        if first == second:
            return None
    return {node: f"{CANONICAL_PREFIX}{index}" for index, (node, _) in enumerate(ordered)}


def canonical_nquads(quads: Iterable[Quad], labels: Mapping[str, str]) -> str:
    """The canonical N-Quads document: every statement relabelled, sorted, joined.

    ``labels`` must name every blank node in ``quads`` (from :func:`canonical_labels`).
    """
    return "".join(sorted(nquad(quad, labels) for quad in quads))
