"""bid._rdfc: RDFC-1.0 without the N-degree stage, checked against PyLD's URDNA2015.

:func:`bid.jsonld.canonize` takes the fast path when every blank node's first-degree hash is
unique, and PyLD's full algorithm otherwise. These properties check that the fast path gives
PyLD's exact output (and PyLD's canonical labels) on generated RDF datasets and on
generated credential-shaped JSON-LD documents, that it declines whenever two hashes
coincide, and that both paths are taken. (Against the W3C rdf-canon suite, the fast path
applies to 31 of the 64 RDFC-1.0 evaluation tests and matches all but two: test060, control
characters that bid refuses before canonicalizing, and test075, which uses SHA-384.)
"""

from __future__ import annotations

import copy
import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from hypothesis import event, given, settings
from hypothesis import strategies as st

from bid import _rdfc
from bid import jsonld as bjsonld
from bid.errors import ResourceLimitExceeded
from bid.jsonld import canonize, make_loader

V2 = "https://www.w3.org/ns/credentials/v2"
EXAMPLES_V2 = "https://www.w3.org/ns/credentials/examples/v2"
XSD = "http://www.w3.org/2001/XMLSchema#"
VECTORS: dict[str, Any] = json.loads(
    (Path(__file__).parent / "vectors" / "w3c-vectors.json").read_text(encoding="utf-8")
)["vc_di_eddsa"]


def _pyld_urdna2015(dataset: dict[str, list[dict[str, Any]]]) -> tuple[str, Any]:
    """PyLD's URDNA2015 over a copy of ``dataset``: (N-Quads, the engine afterwards)."""
    from pyld.canon import URDNA2015

    engine = URDNA2015()
    nquads: str = engine.main(copy.deepcopy(dataset), {"format": "application/n-quads"})
    return nquads, engine


def _fast(dataset: dict[str, list[dict[str, Any]]]) -> tuple[str | None, dict[str, str] | None]:
    """The fast path over ``dataset``: (N-Quads, labels), or (None, None) when it declines."""
    quads = bjsonld._quads(dataset)
    labels = _rdfc.canonical_labels(_rdfc.first_degree_hashes(_rdfc.blank_node_quads(quads)))
    if labels is None:
        return None, None
    return _rdfc.canonical_nquads(quads, labels), labels


def _pyld_canonical(document: dict[str, Any]) -> str:
    """PyLD alone: to_rdf and URDNA2015 with a private context resolver (the oracle)."""
    from pyld import jsonld
    from pyld.context_resolver import ContextResolver

    loader = make_loader()
    options = {
        "algorithm": "URDNA2015",
        "format": "application/n-quads",
        "base": None,
        "documentLoader": loader,
        "contextResolver": ContextResolver({}, loader),
    }
    result: str = jsonld.normalize(copy.deepcopy(document), options)
    return result


# -- generated RDF datasets -------------------------------------------------------------------

_IRIS = st.sampled_from(
    ["https://example.org/a", "https://example.org/b", "urn:x:1", "did:example:123#key-1"]
)
_BLANKS = st.sampled_from([f"_:b{i}" for i in range(6)])
_TEXT = st.text(alphabet='ab "\\\n\t\ré\u00e9\U0001f600', max_size=5)


def _iri(value: str) -> dict[str, Any]:
    return {"type": "IRI", "value": value}


def _blank(value: str) -> dict[str, Any]:
    return {"type": "blank node", "value": value}


@st.composite
def _literals(draw: Callable[..., Any]) -> dict[str, Any]:
    text = draw(_TEXT)
    kind = draw(st.sampled_from(["string", "lang", "integer", "custom"]))
    if kind == "lang":
        language = draw(st.sampled_from(["en", "fr-CA", ""]))
        return {
            "type": "literal",
            "value": text,
            "datatype": _rdfc.RDF_LANGSTRING,
            "language": language,
        }
    datatype = {
        "string": XSD + "string",
        "integer": XSD + "integer",
        "custom": "https://example.org/type",
    }[kind]
    return {"type": "literal", "value": text, "datatype": datatype}


def _twin(term: dict[str, Any]) -> dict[str, Any]:
    """The same term, a blank node ``_:bN`` renamed ``_:tN``."""
    if term["type"] == "blank node":
        return _blank(term["value"].replace("_:b", "_:t"))
    return term


@st.composite
def _datasets(draw: Callable[..., Any]) -> dict[str, list[dict[str, Any]]]:
    """Random quads; half the time each also gets a twin with its blank nodes renamed, so
    that look-alike blank nodes (equal first-degree hashes) are common too."""
    quads = []
    for _ in range(draw(st.integers(0, 12))):
        subject = draw(st.one_of(_IRIS.map(_iri), _BLANKS.map(_blank)))
        obj = draw(st.one_of(_IRIS.map(_iri), _BLANKS.map(_blank), _literals()))
        predicate = _iri(draw(_IRIS))
        graph = draw(st.one_of(st.just("@default"), _IRIS, _BLANKS))
        quads.append((subject, predicate, obj, graph))
    if draw(st.booleans()):
        twins = [(_twin(s), p, _twin(o), g.replace("_:b", "_:t")) for s, p, o, g in quads]
        quads += draw(st.lists(st.sampled_from(twins), max_size=len(twins))) if twins else []
    dataset: dict[str, list[dict[str, Any]]] = {}
    for subject, predicate, obj, graph in quads:
        dataset.setdefault(graph, []).append(
            {"subject": subject, "predicate": predicate, "object": obj}
        )
    return dataset


@settings(max_examples=300)
@given(_datasets())
def test_the_fast_path_is_urdna2015_when_it_applies(
    dataset: dict[str, list[dict[str, Any]]],
) -> None:
    expected, engine = _pyld_urdna2015(dataset)
    nquads, labels = _fast(dataset)
    # PyLD's map keeps only the hashes shared by several blank nodes after its first stage.
    assert (labels is None) == bool(engine.hash_to_blank_nodes)
    event("fast path" if labels is not None else "declined")
    if labels is not None:
        assert nquads == expected
        assert labels == engine.canonical_issuer.existing


@settings(max_examples=100)
@given(_datasets())
def test_first_degree_hashes_are_pyld_s(dataset: dict[str, list[dict[str, Any]]]) -> None:
    _, engine = _pyld_urdna2015(dataset)
    ours = _rdfc.first_degree_hashes(_rdfc.blank_node_quads(bjsonld._quads(dataset)))
    assert ours == {node: info["hash"] for node, info in engine.blank_node_info.items()}


def test_a_dataset_without_blank_nodes_is_sorted_n_quads() -> None:
    dataset = {
        "@default": [
            {"subject": _iri("urn:b"), "predicate": _iri("urn:p"), "object": _iri("urn:a")},
            {
                "subject": _iri("urn:a"),
                "predicate": _iri("urn:p"),
                "object": {"type": "literal", "value": 'say "hi"\n', "datatype": XSD + "string"},
            },
        ]
    }
    assert _rdfc.canonical_labels({}) == {}
    nquads, _ = _fast(dataset)
    assert nquads == '<urn:a> <urn:p> "say \\"hi\\"\\n" .\n<urn:b> <urn:p> <urn:a> .\n'
    assert nquads == _pyld_urdna2015(dataset)[0]


def test_labels_follow_hash_order_and_twins_decline() -> None:
    hashes = {"_:x": "b" * 64, "_:y": "a" * 64, "_:z": "c" * 64}
    assert _rdfc.canonical_labels(hashes) == {"_:y": "_:c14n0", "_:x": "_:c14n1", "_:z": "_:c14n2"}
    assert _rdfc.canonical_labels({"_:x": "a" * 64, "_:y": "a" * 64}) is None


def test_a_blank_graph_name_is_relabelled() -> None:
    dataset = {
        "_:g": [{"subject": _blank("_:s"), "predicate": _iri("urn:p"), "object": _iri("urn:o")}],
        "@default": [
            {"subject": _iri("urn:doc"), "predicate": _iri("urn:proof"), "object": _blank("_:g")}
        ],
    }
    nquads, labels = _fast(dataset)
    assert labels is not None
    assert set(labels.values()) == {"_:c14n0", "_:c14n1"}
    assert nquads == _pyld_urdna2015(dataset)[0]


# -- generated credential-shaped documents ----------------------------------------------------

_TERMS = st.sampled_from(["name", "description", "alumniOf", "degree", "score", "memberOf"])
_SCALARS = st.one_of(
    _TEXT,
    st.integers(-(2**53) + 1, 2**53 - 1),
    st.booleans(),
    st.floats(allow_nan=False, allow_infinity=False, width=32),
    _TEXT.map(lambda text: {"@value": text, "@language": "en"}),
    st.just({"@value": "2024-01-02", "@type": XSD + "date"}),
)


def _nodes(children: st.SearchStrategy[Any]) -> st.SearchStrategy[dict[str, Any]]:
    node = st.dictionaries(_TERMS, children, max_size=3)
    identified = st.tuples(node, st.sampled_from(["urn:uuid:1", "did:example:2"])).map(
        lambda pair: {**pair[0], "id": pair[1]}
    )
    typed = st.tuples(node, st.sampled_from(["ExampleThing", "Degree"])).map(
        lambda pair: {**pair[0], "type": pair[1]}
    )
    return st.one_of(node, identified, typed)


_VALUES = st.recursive(
    _SCALARS,
    lambda children: st.one_of(_nodes(children), st.lists(children, max_size=3)),
    max_leaves=12,
)

_PROOFS = st.fixed_dictionaries(
    {
        "type": st.just("DataIntegrityProof"),
        "cryptosuite": st.just("eddsa-rdfc-2022"),
        "created": st.just("2023-02-24T23:36:38Z"),
        "verificationMethod": st.sampled_from(["did:example:1#key", "https://vc.example/k"]),
        "proofPurpose": st.sampled_from(["assertionMethod", "authentication"]),
    },
    optional={"proofValue": st.just("z3yUuWbFsLUp2CUrSZRaRbvoo")},
)


@st.composite
def _credentials(draw: Callable[..., Any]) -> dict[str, Any]:
    subject = draw(_nodes(_VALUES))
    document: dict[str, Any] = {
        "@context": [V2, EXAMPLES_V2],
        "type": ["VerifiableCredential", *draw(st.lists(_TERMS.map(str.title), max_size=2))],
        "issuer": draw(
            st.one_of(
                st.just("did:example:issuer"),
                _TEXT.map(lambda name: {"id": "did:example:issuer", "name": name}),
            )
        ),
        "validFrom": "2010-01-01T19:23:24Z",
        "credentialSubject": draw(
            st.one_of(st.just(subject), st.lists(_nodes(_VALUES), max_size=3))
        ),
    }
    if draw(st.booleans()):
        document["id"] = "urn:uuid:58172aac-d8ba-11ed-83dd-0b3aef56cc33"
    proofs = draw(st.lists(_PROOFS, max_size=2))
    if proofs:
        document["proof"] = proofs[0] if len(proofs) == 1 else proofs
    return document


@settings(max_examples=120)
@given(_credentials())
def test_canonize_equals_pyld_on_credential_shaped_documents(document: dict[str, Any]) -> None:
    try:
        nquads = canonize(document)
    except ResourceLimitExceeded:
        return
    dataset = bjsonld._safe_pass(*bjsonld._checked(document, None), to_rdf=True)
    event("fast path" if _fast(dataset)[1] is not None else "full algorithm")
    assert nquads == _pyld_canonical(document)


def _with_spy(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    calls: list[int] = []
    full = bjsonld._normalize

    def spy(dataset: Any, max_work: int) -> str:
        calls.append(1)
        return full(dataset, max_work)

    monkeypatch.setattr(bjsonld, "_normalize", spy)
    return calls


def test_the_vector_credentials_take_the_fast_path(monkeypatch: pytest.MonkeyPatch) -> None:
    calls = _with_spy(monkeypatch)
    for document in (
        VECTORS["unsigned_credential"]["document"],
        VECTORS["eddsa-rdfc-2022"]["signed_credential"],
        VECTORS["eddsa-rdfc-2022"]["proof_options"],
        VECTORS["Ed25519Signature2020"]["signed_credential"],
    ):
        assert canonize(document) == _pyld_canonical(document)
    assert calls == []


def test_look_alike_blank_nodes_take_the_full_algorithm(monkeypatch: pytest.MonkeyPatch) -> None:
    calls = _with_spy(monkeypatch)
    document: dict[str, Any] = {
        "@context": [V2, EXAMPLES_V2],
        "type": ["VerifiableCredential"],
        "issuer": "did:example:issuer",
        "credentialSubject": {"degree": [{"name": "same"}, {"name": "same"}]},
    }
    assert canonize(document) == _pyld_canonical(document)
    assert calls == [1]


# -- the W3C RDF canonicalization test suite (when a copy is at hand) -------------------------

_CANON_SUITE = os.environ.get("BID_RDF_CANON_TESTS")


@pytest.mark.skipif(
    not _CANON_SUITE, reason="set BID_RDF_CANON_TESTS to the tests/ directory of w3c/rdf-canon"
)
def test_the_fast_path_on_the_w3c_rdf_canon_suite() -> None:
    from pyld.nquads import parse_nquads

    root = Path(str(_CANON_SUITE))
    manifest = json.loads((root / "manifest.jsonld").read_text(encoding="utf-8"))
    # test060 holds control characters bid refuses before canonicalizing (PyLD escapes them
    # otherwise than RDFC-1.0); test075 uses SHA-384.
    outside = {"#test060c", "#test075c"}
    applied = 0
    for entry in manifest["entries"]:
        if entry["type"] != "rdfc:RDFC10EvalTest" or entry["id"] in outside:
            continue
        dataset = parse_nquads((root / entry["action"]).read_text(encoding="utf-8"))
        expected = (root / entry["result"]).read_text(encoding="utf-8")
        nquads, labels = _fast(dataset)
        if labels is not None:
            applied += 1
            assert nquads == expected, entry["id"]
        assert _pyld_urdna2015(dataset)[0] == expected, entry["id"]
    assert applied >= 30
