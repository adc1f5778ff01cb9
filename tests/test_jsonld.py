"""bid.jsonld: pinned contexts, no network, safe mode, and bounded RDF canonicalization.

References: standards-and-peers.md sections 2 (items 1, 2, 7) and 3; security.md section
3.1 and checklist items 31-35. The canonical N-Quads and their hashes come from the W3C
vc-di-eddsa test vectors in ``tests/vectors/w3c-vectors.json`` (key ``vc_di_eddsa``).
"""

from __future__ import annotations

import copy
import hashlib
import json
import random
import re
import socket
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from importlib import resources
from pathlib import Path
from typing import Any

import pytest
from hypothesis import event, given, settings
from hypothesis import strategies as st

from bid import jsonld as bjsonld
from bid._json import freeze, thaw
from bid.errors import (
    ContextNotAllowed,
    DataLossDetected,
    InvalidInput,
    MissingExtra,
    ParseError,
    ResourceLimitExceeded,
)
from bid.jsonld import (
    CONTEXTS,
    canonize,
    check_contexts,
    check_no_data_loss,
    expand,
    load_context,
    make_loader,
)

VECTORS: dict[str, Any] = json.loads(
    (Path(__file__).parent / "vectors" / "w3c-vectors.json").read_text(encoding="utf-8")
)["vc_di_eddsa"]
RDFC = VECTORS["eddsa-rdfc-2022"]
ED2020 = VECTORS["Ed25519Signature2020"]
UNSIGNED: dict[str, Any] = VECTORS["unsigned_credential"]["document"]

V2 = "https://www.w3.org/ns/credentials/v2"
EXAMPLES_V2 = "https://www.w3.org/ns/credentials/examples/v2"
V1 = "https://www.w3.org/2018/credentials/v1"
ED25519_2020 = "https://w3id.org/security/suites/ed25519-2020/v1"
VERIFICATION_METHOD = RDFC["proof_options"]["verificationMethod"]

CONTEXTS_DIR = resources.files("bid").joinpath("contexts")
README_ROW = re.compile(r"^\| `(https://[^`]+)` \| `([^`]+)` \| `([0-9a-f]{64})` \|", re.M)

REFUSED_URLS = [
    "https://example.com/contexts/unknown/v1",
    "http://127.0.0.1/context.jsonld",
    "http://169.254.169.254/latest/meta-data/",
    "file:///etc/passwd",
    "https://www.w3.org/ns/credentials/v2/",
    "HTTPS://www.w3.org/ns/credentials/v2",
    "http://www.w3.org/ns/credentials/v2",
]


def _sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _v2_credential(**subject: Any) -> dict[str, Any]:
    """A VC 2.0 credential using credentials/v2 only (no @vocab)."""
    return {
        "@context": [V2],
        "id": "urn:uuid:58172aac-d8ba-11ed-83dd-0b3aef56cc33",
        "type": ["VerifiableCredential"],
        "issuer": "https://vc.example/issuers/5678",
        "validFrom": "2023-01-01T00:00:00Z",
        "credentialSubject": {"id": "did:example:abcdefgh", **subject},
    }


def _vc11_credential() -> dict[str, Any]:
    return {
        "@context": [V1, ED25519_2020],
        "id": "http://example.edu/credentials/3732",
        "type": ["VerifiableCredential"],
        "issuer": "did:example:76e12ec712ebc6f1c221ebfeb1f",
        "issuanceDate": "2010-01-01T19:23:24Z",
        "credentialSubject": {"id": "did:example:ebfeb1f712ebc6f1c2"},
    }


def _clique(size: int) -> dict[str, Any]:
    """Blank nodes all linked to each other: the RDFC-1.0 poison shape."""
    return {
        "@graph": [
            {
                "@id": f"_:n{i}",
                "https://example.org/knows": [{"@id": f"_:n{j}"} for j in range(size) if j != i],
            }
            for i in range(size)
        ]
    }


def _reference_nquads(document: Any, **extra: Any) -> str:
    """PyLD's own normalize (URDNA2015, base null), as an independent oracle."""
    from pyld import jsonld

    options = {
        "algorithm": "URDNA2015",
        "format": "application/n-quads",
        "base": None,
        "documentLoader": make_loader(extra or None),
    }
    result: str = jsonld.normalize(copy.deepcopy(document), options)
    return result


@pytest.fixture
def no_network(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[object]]:
    """Fail on any attempt to resolve a name or open a connection."""
    attempts: list[object] = []

    def refuse(*args: object, **kwargs: object) -> Any:
        attempts.append(args)
        raise AssertionError("a network access was attempted")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket.socket, "connect_ex", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket, "getaddrinfo", refuse)
    yield attempts
    assert attempts == []


# -- bundled contexts -------------------------------------------------------------------------


def test_seventeen_contexts_are_bundled() -> None:
    files = sorted(p.name for p in CONTEXTS_DIR.iterdir() if p.name.endswith(".jsonld"))
    assert len(CONTEXTS) == 17
    assert sorted(name for name, _ in bjsonld._BUNDLED.values()) == files


@pytest.mark.parametrize("url", sorted(CONTEXTS))
def test_every_bundled_context_loads_and_matches_its_hash(url: str) -> None:
    filename, digest = bjsonld._BUNDLED[url]
    data = CONTEXTS_DIR.joinpath(filename).read_bytes()
    assert hashlib.sha256(data).hexdigest() == digest == CONTEXTS[url]
    document = load_context(url)
    assert "@context" in document
    assert thaw(document) == json.loads(data)


def test_readme_lists_every_context_with_its_full_hash() -> None:
    readme = CONTEXTS_DIR.joinpath("README.md").read_text(encoding="utf-8")
    rows = {url: (name, digest) for url, name, digest in README_ROW.findall(readme)}
    assert rows == bjsonld._BUNDLED


def test_bundled_contexts_only_reference_bundled_contexts_except_odrl() -> None:
    referenced: set[str] = set()
    for url in CONTEXTS:
        for _, value in bjsonld._contexts_in(load_context(url)):
            entries = value if isinstance(value, list | tuple) else [value]
            referenced.update(e for e in entries if isinstance(e, str))
    assert referenced - set(CONTEXTS) == {"https://www.w3.org/ns/odrl.jsonld"}


def test_vc11_examples_context_needs_odrl_which_is_not_bundled(no_network: list[object]) -> None:
    document = _vc11_credential()
    document["@context"] = [V1, "https://www.w3.org/2018/credentials/examples/v1"]
    with pytest.raises(ContextNotAllowed, match="odrl"):
        canonize(document)


def test_loaded_contexts_are_cached_and_read_only() -> None:
    first = load_context(V2)
    assert load_context(V2) is first
    with pytest.raises(TypeError):
        first["@context"] = {}  # type: ignore[index]


def test_concurrent_first_loads_agree(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(bjsonld, "_cache", {})
    with ThreadPoolExecutor(max_workers=8) as pool:
        loaded = list(pool.map(lambda _: load_context(V2), range(32)))
    assert all(document is loaded[0] for document in loaded)


def test_a_tampered_bundled_file_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    genuine = bjsonld._resource_bytes
    monkeypatch.setattr(bjsonld, "_cache", {})
    monkeypatch.setattr(bjsonld, "_resource_bytes", lambda name: genuine(name) + b" ")
    with pytest.raises(ContextNotAllowed, match="fails its pinned hash"):
        load_context(V2)


def test_a_missing_bundled_file_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    def missing(name: str) -> bytes:
        raise FileNotFoundError(name)

    monkeypatch.setattr(bjsonld, "_cache", {})
    monkeypatch.setattr(bjsonld, "_resource_bytes", missing)
    with pytest.raises(ContextNotAllowed, match="missing") as caught:
        load_context(V2)
    assert isinstance(caught.value.__cause__, FileNotFoundError)


@pytest.mark.parametrize("url", REFUSED_URLS)
def test_unknown_context_urls_are_refused(url: str, no_network: list[object]) -> None:
    with pytest.raises(ContextNotAllowed) as caught:
        load_context(url)
    assert url in caught.value.message
    assert "never fetched" in caught.value.message
    assert "extra_contexts" in caught.value.message
    with pytest.raises(ContextNotAllowed):
        make_loader()(url, {})


def test_a_long_url_is_truncated_in_the_message() -> None:
    url = "https://example.com/" + "a" * 5000
    with pytest.raises(ContextNotAllowed) as caught:
        load_context(url)
    assert len(caught.value.message) < 300


def test_loading_contexts_does_not_import_pyld(tmp_path: Path) -> None:
    code = (
        "import sys\n"
        "import bid.jsonld as j\n"
        "assert j.load_context('https://www.w3.org/ns/credentials/v2')\n"
        "assert j.make_loader()('https://w3id.org/security/v2', {})['document']\n"
        "assert not any(m == 'pyld' or m.startswith('pyld.') for m in sys.modules)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr


def test_without_pyld_processing_names_the_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "pyld", None)
    assert load_context(V2)
    with pytest.raises(MissingExtra, match=re.escape("pip install 'bid[jsonld]'")):
        canonize(UNSIGNED)


# -- the document loader ----------------------------------------------------------------------


def test_loader_returns_a_fresh_remote_document() -> None:
    load = make_loader()
    first = load(V2, {})
    assert first["contextUrl"] is None
    assert first["documentUrl"] == V2
    assert first["document"] == load_context(V2)
    first["document"]["@context"]["evil"] = "https://evil.example/"
    assert "evil" not in load(V2, {})["document"]["@context"]


def test_loader_serves_extra_contexts_by_exact_url_and_copies_them() -> None:
    extra = {"https://example.org/ctx/v1": {"@context": {"term": "https://example.org/term"}}}
    load = make_loader(extra)
    extra["https://example.org/ctx/v1"]["@context"]["term"] = "https://evil.example/"
    document = load("https://example.org/ctx/v1", {})["document"]
    assert document == {"@context": {"term": "https://example.org/term"}}
    with pytest.raises(ContextNotAllowed):
        load("https://example.org/ctx/v1/", {})


def test_extra_contexts_may_not_replace_a_bundled_one() -> None:
    with pytest.raises(ContextNotAllowed, match="may not replace"):
        make_loader({V2: {"@context": {}}})
    with pytest.raises(ContextNotAllowed, match="may not replace"):
        canonize(UNSIGNED, extra_contexts={V2: {"@context": {}}})


@pytest.mark.parametrize(
    "extra",
    [["https://example.org/x"], {"": {"@context": {}}}, {"https://example.org/x": ["x"]}],
)
def test_malformed_extra_contexts_are_refused(extra: Any) -> None:
    with pytest.raises(InvalidInput):
        make_loader(extra)


def test_pyld_global_loader_is_never_used(monkeypatch: pytest.MonkeyPatch) -> None:
    from pyld import jsonld

    calls: list[str] = []

    def global_loader(url: str, options: Any = None) -> dict[str, Any]:
        calls.append(url)
        raise AssertionError("the global document loader was used")

    monkeypatch.setattr(jsonld, "_default_document_loader", global_loader)
    assert canonize(UNSIGNED) == RDFC["canonical_document"]
    assert calls == []


# -- context policy ---------------------------------------------------------------------------


def _with_context(
    document: dict[str, Any], path: Sequence[str | int], value: Any
) -> dict[str, Any]:
    result = copy.deepcopy(document)
    target: Any = result
    for step in path:
        target = target[step]
    target["@context"] = value
    return result


INLINE_CASES = [
    pytest.param([], {"@vocab": "https://evil.example/#"}, id="top-level-object"),
    pytest.param([], [V2, {"@vocab": "https://evil.example/#"}], id="top-level-list"),
    pytest.param([], [V2, {"issuer": "https://evil.example/issuer"}], id="redefine-issuer"),
    pytest.param([], [V2, {"@base": "https://evil.example/"}], id="base"),
    pytest.param(["credentialSubject"], {"alumniOf": "https://evil.example/a"}, id="subject"),
    pytest.param(["proof"], [V2, {"@vocab": "https://evil.example/#"}], id="proof"),
]


@pytest.mark.parametrize(("path", "context"), INLINE_CASES)
def test_inline_contexts_are_refused_anywhere(
    path: list[str | int], context: Any, no_network: list[object]
) -> None:
    document = _with_context(RDFC["signed_credential"], path, context)
    with pytest.raises(ContextNotAllowed, match="inline contexts can redefine terms"):
        check_contexts(document)
    with pytest.raises(ContextNotAllowed, match="publish the context"):
        canonize(document)


@pytest.mark.parametrize("context", [None, 42, [V2, None], [V2, [EXAMPLES_V2]], True])
def test_context_entries_that_are_not_urls_are_refused(context: Any) -> None:
    with pytest.raises(ContextNotAllowed, match="not a context URL"):
        check_contexts(_with_context(UNSIGNED, [], context))


@pytest.mark.parametrize("url", REFUSED_URLS)
def test_unknown_urls_are_refused_at_every_level(url: str, no_network: list[object]) -> None:
    for path in ([], ["credentialSubject"], ["proof"]):
        document = _with_context(RDFC["signed_credential"], path, [url])
        with pytest.raises(ContextNotAllowed, match="never fetched"):
            canonize(document)


@pytest.mark.parametrize("url", REFUSED_URLS)
def test_loader_refusal_surfaces_through_pyld(url: str, no_network: list[object]) -> None:
    # Skip check_contexts: the refusal must come out of PyLD as our own error.
    document = _with_context(UNSIGNED, [], [V2, url])
    with pytest.raises(ContextNotAllowed, match="never fetched") as caught:
        check_no_data_loss(document, loader=make_loader())
    assert caught.value.__cause__ is not None
    # An allowed extra context that itself names a refused URL.
    extra = {"https://example.org/wrapper": {"@context": [url]}}
    wrapped = _with_context(UNSIGNED, [], [V2, "https://example.org/wrapper"])
    with pytest.raises(ContextNotAllowed, match="never fetched"):
        canonize(wrapped, extra_contexts=extra)


def test_the_vector_documents_pass_the_context_policy() -> None:
    for document in (
        UNSIGNED,
        RDFC["signed_credential"],
        RDFC["proof_options"],
        ED2020["signed_credential"],
        VECTORS["eddsa-jcs-2022"]["signed_credential"],
    ):
        check_contexts(document)


def test_extra_contexts_are_honoured(no_network: list[object]) -> None:
    url = "https://example.org/alumni/v1"
    extra = {url: {"@context": {"alumniOf": "https://schema.org/alumniOf"}}}
    document = _v2_credential(alumniOf="The School of Examples")
    document["@context"] = [V2, url]
    check_contexts(document, extra_contexts=extra)
    nquads = canonize(document, extra_contexts=extra)
    assert '<https://schema.org/alumniOf> "The School of Examples" .\n' in nquads
    with pytest.raises(ContextNotAllowed):
        canonize(document)


def test_an_extra_context_cannot_redefine_protected_terms() -> None:
    url = "https://example.org/evil/v1"
    extra = {url: {"@context": {"name": "https://evil.example/name"}}}
    document = _with_context(UNSIGNED, [], [V2, EXAMPLES_V2, url])
    with pytest.raises(InvalidInput, match="protected term redefinition") as caught:
        canonize(document, extra_contexts=extra)
    assert type(caught.value) is InvalidInput


# -- safe mode --------------------------------------------------------------------------------


def test_an_undefined_term_is_data_loss() -> None:
    document = _v2_credential(undefinedTerm="IfDroppedWillVerify")
    expected = (
        "credentialSubject.undefinedTerm is not defined by the contexts, so it would not be signed"
    )
    with pytest.raises(DataLossDetected, match=re.escape(expected)) as caught:
        canonize(document)
    assert caught.value.code == "DATA_LOSS_DETECTION_ERROR"
    with pytest.raises(DataLossDetected, match=re.escape(expected)):
        check_no_data_loss(document, loader=make_loader())


def test_an_undefined_type_is_data_loss() -> None:
    document = _v2_credential()
    document["type"] = ["VerifiableCredential", "UndefinedType"]
    with pytest.raises(DataLossDetected, match=r"the type 'UndefinedType' \(at type\[1\]\)"):
        canonize(document)


def test_base_injection_is_refused_by_the_context_policy() -> None:
    document = _v2_credential()
    document["@context"] = [V2, {"@base": "https://evil.example/"}]
    document["type"] = ["VerifiableCredential", "UndefinedCredential"]
    with pytest.raises(ContextNotAllowed):
        canonize(document)


def test_base_injection_is_data_loss_even_past_the_context_policy() -> None:
    document = _v2_credential()
    document["@context"] = [V2, {"@base": "https://evil.example/"}]
    document["type"] = ["VerifiableCredential", "UndefinedCredential"]
    with pytest.raises(DataLossDetected, match="'UndefinedCredential'"):
        check_no_data_loss(document, loader=make_loader())


def test_base_from_an_extra_context_does_not_resolve_relative_iris() -> None:
    url = "https://example.org/base/v1"
    loader = make_loader({url: {"@context": {"@base": "https://evil.example/"}}})
    typed = _v2_credential()
    typed["@context"] = [V2, url]
    typed["type"] = ["VerifiableCredential", "UndefinedCredential"]
    with pytest.raises(DataLossDetected, match="'UndefinedCredential'"):
        check_no_data_loss(typed, loader=loader)
    relative = _v2_credential()
    relative["@context"] = [V2, url]
    relative["id"] = "credentials/1"
    with pytest.raises(DataLossDetected, match=r"'credentials/1' .* not an absolute IRI"):
        check_no_data_loss(relative, loader=loader)


@pytest.mark.parametrize("identifier", ["credentials/1", "#frag", "", "did example"])
def test_relative_or_malformed_identifiers_are_data_loss(identifier: str) -> None:
    document = copy.deepcopy(UNSIGNED)
    document["id"] = identifier
    with pytest.raises(DataLossDetected, match="not an absolute IRI"):
        canonize(document)


def test_an_undefined_vocab_value_is_data_loss() -> None:
    options = copy.deepcopy(RDFC["proof_options"])
    options["@context"] = [V2]
    options["proofPurpose"] = "undefinedPurpose"
    with pytest.raises(DataLossDetected, match="'undefinedPurpose'"):
        canonize(options)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"@foo": "x"}, "@foo looks like a JSON-LD keyword"),
        ({"_:p": "x"}, "blank node used as a property"),
        ({"https://example.org/a b": "x"}, "https://example.org/a b is not defined"),
        ({"https://example.org/a<b": "x"}, "not a well-formed IRI"),
        ({"name": {"@value": "x", "@language": "ar", "@direction": "rtl"}}, "base direction"),
        ({"name": {"@value": "x", "@index": "i"}}, "@index"),
        ({"name": {"@value": "x", "@language": "en us"}}, "language tag"),
        ({"https://example.org/v": {"@value": "x", "@type": "Undefined"}}, "datatype"),
    ],
)
def test_other_silent_drops_are_data_loss(change: dict[str, Any], message: str) -> None:
    document = _v2_credential()
    document.update(change)
    with pytest.raises(DataLossDetected, match=re.escape(message)):
        canonize(document)


def test_undefined_terms_inside_a_presentation_are_data_loss() -> None:
    credential = _v2_credential(undefinedTerm="x")
    presentation: dict[str, Any] = {"@context": [V2], "type": ["VerifiablePresentation"]}
    presentation["verifiableCredential"] = [credential]
    with pytest.raises(DataLossDetected, match=r"verifiableCredential\[0\]\.credentialSubject"):
        canonize(presentation)
    # credentials/v2 resets the context inside verifiableCredential: without its own
    # @context, the embedded credential would vanish entirely.
    del credential["@context"]
    with pytest.raises(DataLossDetected, match=r"verifiableCredential\[0\]\.issuer"):
        canonize(presentation)


def test_vocab_from_the_examples_context_defines_terms() -> None:
    document = copy.deepcopy(UNSIGNED)
    document["credentialSubject"]["undefinedTerm"] = "IfDroppedWillVerify"
    nquads = canonize(document)
    assert "<https://www.w3.org/ns/credentials/examples#undefinedTerm>" in nquads


def test_many_problems_are_summarised() -> None:
    document = _v2_credential(**{f"term{i}": "x" for i in range(9)})
    with pytest.raises(DataLossDetected, match=r"\(and 4 more\)"):
        canonize(document)


def test_control_characters_that_serialize_differently_are_refused() -> None:
    document = copy.deepcopy(UNSIGNED)
    document["name"] = "Alumni\x08Credential"
    with pytest.raises(InvalidInput, match="U\\+0008"):
        canonize(document)
    document["name"] = 'tab\tnewline\ncarriage\rquote"backslash\\'
    assert canonize(document) == _reference_nquads(document)


def test_invalid_json_ld_is_translated() -> None:
    document = copy.deepcopy(UNSIGNED)
    document["id"] = 5
    with pytest.raises(InvalidInput, match="not valid JSON-LD") as caught:
        canonize(document)
    assert type(caught.value).__module__ == "bid.errors"
    assert caught.value.__cause__ is not None


@pytest.mark.parametrize("document", [[], "text", None, 5])
def test_a_document_must_be_an_object(document: Any) -> None:
    with pytest.raises(InvalidInput, match="JSON object"):
        canonize(document)
    with pytest.raises(InvalidInput, match="JSON object"):
        check_contexts(document)


def test_values_outside_json_are_refused() -> None:
    document = copy.deepcopy(UNSIGNED)
    document["credentialSubject"]["big"] = 2**60
    with pytest.raises(InvalidInput, match="2\\^53"):
        canonize(document)


# -- canonical forms: the W3C vectors ---------------------------------------------------------


@pytest.mark.parametrize(
    ("document", "vector"),
    [
        pytest.param(UNSIGNED, RDFC, id="eddsa-rdfc-2022"),
        pytest.param(ED2020["unsigned_document_used"], ED2020, id="Ed25519Signature2020"),
    ],
)
def test_canonical_document_matches_the_vector(document: Any, vector: dict[str, Any]) -> None:
    nquads = canonize(document)
    assert nquads == vector["canonical_document"]
    assert _sha256(nquads) == vector["canonical_document_sha256_hex"]


@pytest.mark.parametrize("vector", [RDFC, ED2020], ids=["eddsa-rdfc-2022", "Ed25519Signature2020"])
def test_canonical_proof_options_match_the_vector(vector: dict[str, Any]) -> None:
    nquads = canonize(vector["proof_options"])
    assert nquads == vector["canonical_proof_options"]
    assert _sha256(nquads) == vector["canonical_proof_options_sha256_hex"]
    assert (
        bytes.fromhex(vector["hash_data_hex"])
        == hashlib.sha256(nquads.encode()).digest()
        + hashlib.sha256(vector["canonical_document"].encode()).digest()
    )


def test_a_vc11_credential_canonizes_without_data_loss() -> None:
    credential = _vc11_credential()
    nquads = canonize(credential)
    assert nquads == _reference_nquads(credential)
    assert (
        "<http://example.edu/credentials/3732> <https://www.w3.org/2018/credentials#issuanceDate> "
        '"2010-01-01T19:23:24Z"^^<http://www.w3.org/2001/XMLSchema#dateTime> .\n'
    ) in nquads
    options = {
        "@context": credential["@context"],
        "type": "Ed25519Signature2020",
        "created": "2023-02-24T23:36:38Z",
        "verificationMethod": VERIFICATION_METHOD,
        "proofPurpose": "assertionMethod",
    }
    proof_nquads = canonize(options)
    assert "<https://w3id.org/security#Ed25519Signature2020>" in proof_nquads
    assert proof_nquads == _reference_nquads(options)


def test_a_vc11_credential_with_an_undefined_claim_is_data_loss() -> None:
    credential = _vc11_credential()
    credential["credentialSubject"]["alumniOf"] = "Example University"
    with pytest.raises(DataLossDetected, match=r"credentialSubject\.alumniOf"):
        canonize(credential)


def test_a_signed_credential_canonizes_like_pyld() -> None:
    signed = RDFC["signed_credential"]
    nquads = canonize(signed)
    assert nquads == _reference_nquads(signed)
    assert nquads.endswith("\n")
    assert "_:c14n0" in nquads


def test_empty_output_for_a_document_without_statements() -> None:
    assert canonize({"@context": [V2]}) == ""


def test_expand_returns_the_expanded_form_after_the_checks() -> None:
    expanded = expand(UNSIGNED)
    assert isinstance(expanded, list)
    assert expanded[0]["@id"] == UNSIGNED["id"]
    assert "https://www.w3.org/2018/credentials#issuer" in expanded[0]
    with pytest.raises(DataLossDetected):
        expand(_v2_credential(undefinedTerm="x"))
    with pytest.raises(ContextNotAllowed):
        expand(_with_context(UNSIGNED, [], {"@vocab": "https://evil.example/"}))


def test_the_callers_document_is_never_changed() -> None:
    document = copy.deepcopy(RDFC["signed_credential"])
    before = copy.deepcopy(document)
    canonize(document)
    expand(document)
    check_contexts(document)
    check_no_data_loss(document, loader=make_loader())
    assert document == before


def test_frozen_documents_are_accepted() -> None:
    frozen = freeze(UNSIGNED)
    assert isinstance(frozen, dict) is False
    assert canonize(frozen) == RDFC["canonical_document"]  # type: ignore[arg-type]


def _shuffled(value: Any, rng: random.Random) -> Any:
    if isinstance(value, dict):
        items = [(key, _shuffled(item, rng)) for key, item in value.items()]
        rng.shuffle(items)
        return dict(items)
    if isinstance(value, list):
        return [_shuffled(item, rng) for item in value]
    return value


@settings(max_examples=20)
@given(st.randoms(use_true_random=False))
def test_canonize_ignores_the_order_of_object_members(rng: random.Random) -> None:
    for document, expected in (
        (UNSIGNED, RDFC["canonical_document"]),
        (RDFC["proof_options"], RDFC["canonical_proof_options"]),
        (ED2020["proof_options"], ED2020["canonical_proof_options"]),
    ):
        assert canonize(_shuffled(document, rng)) == expected


# -- work bounds ------------------------------------------------------------------------------


def test_a_ten_clique_is_refused_quickly() -> None:
    start = time.monotonic()
    with pytest.raises(ResourceLimitExceeded, match="share one first-degree hash"):
        canonize(_clique(10))
    assert time.monotonic() - start < 2


def test_six_hundred_blank_nodes_are_refused_quickly() -> None:
    document = {"https://example.org/item": [{"https://example.org/n": i} for i in range(600)]}
    start = time.monotonic()
    with pytest.raises(ResourceLimitExceeded, match="blank nodes, more than the limit of 512"):
        canonize(document)
    assert time.monotonic() - start < 2


def test_a_seven_clique_passes_the_precheck_but_not_the_work_budget() -> None:
    # Seven look-alike nodes are within max_equal_hashes=8, yet unmetered PyLD needs about
    # ten seconds here (and two minutes for an 8-clique): the work budget stops it.
    start = time.monotonic()
    with pytest.raises(ResourceLimitExceeded, match="more than 200000 steps"):
        canonize(_clique(7))
    assert time.monotonic() - start < 2


def _labelled_ring(size: int, labels: int) -> dict[str, Any]:
    """A ring of blank nodes, ``size / labels`` of them alike (same label)."""
    return {
        "@graph": [
            {
                "@id": f"_:n{i}",
                "https://example.org/label": i % labels,
                "https://example.org/next": {"@id": f"_:n{(i + 1) % size}"},
            }
            for i in range(size)
        ]
    }


@pytest.mark.parametrize(
    "document",
    [
        pytest.param(_labelled_ring(480, 60), id="ring-480-groups-of-8"),
        pytest.param(_labelled_ring(200, 25), id="ring-200-groups-of-8"),
        pytest.param(_clique(6), id="6-clique"),
    ],
)
def test_graphs_within_the_precheck_are_stopped_by_the_work_budget(document: Any) -> None:
    # Unmetered, PyLD takes 1 to 5 seconds on these; the budget stops each within one.
    start = time.monotonic()
    with pytest.raises(ResourceLimitExceeded, match="steps"):
        canonize(document)
    assert time.monotonic() - start < 2


def test_look_alike_nodes_that_are_cheap_pass() -> None:
    ring = _labelled_ring(64, 8)
    assert canonize(ring) == _reference_nquads(ring)
    items = {"https://example.org/item": [{"https://example.org/v": "same"} for _ in range(8)]}
    assert canonize(items) == _reference_nquads(items)


def test_a_small_clique_is_canonized_like_pyld() -> None:
    assert canonize(_clique(4)) == _reference_nquads(_clique(4))


def test_limits_are_configurable() -> None:
    with pytest.raises(ResourceLimitExceeded, match="share one first-degree hash"):
        canonize(_clique(3), max_equal_hashes=2)
    with pytest.raises(ResourceLimitExceeded, match="limit of 2"):
        canonize(_clique(3), max_blank_nodes=2)
    with pytest.raises(ResourceLimitExceeded, match="more than 5 steps"):
        canonize(_clique(3), max_work=5)


@pytest.mark.parametrize("limit", [0, -1, True, "8", 2.5])
def test_limits_must_be_positive_integers(limit: Any) -> None:
    with pytest.raises(InvalidInput, match="positive integer"):
        canonize(UNSIGNED, max_work=limit)


def test_deep_nesting_is_refused() -> None:
    document: dict[str, Any] = {"https://example.org/v": "leaf"}
    for _ in range(bjsonld.MAX_DEPTH + 1):
        document = {"https://example.org/p": document}
    # Refused by the strict JSON check every input meets first (bid._json.MAX_DEPTH, the
    # same 100 levels), before PyLD's recursion could meet it.
    with pytest.raises(ParseError, match="nested more than 100"):
        canonize(document)


# -- the first-degree hash --------------------------------------------------------------------


def _pyld_first_degree_hashes(document: Any) -> tuple[dict[str, str], dict[str, str]]:
    """(ours, PyLD's) first-degree hash of every blank node of ``document``."""
    from pyld import jsonld
    from pyld.canon import URDNA2015

    options = {"base": None, "documentLoader": make_loader()}
    dataset = jsonld.to_rdf(copy.deepcopy(document), options)
    ours = bjsonld._first_degree_hashes(bjsonld._quads(dataset))
    engine = URDNA2015()
    engine.main(dataset, {"format": "application/n-quads"})
    theirs = {node: info["hash"] for node, info in engine.blank_node_info.items()}
    return ours, theirs


_LITERALS = st.text(alphabet='ab "\\\n\t\ré', max_size=4)


@st.composite
def _blank_graphs(draw: Callable[..., Any]) -> dict[str, Any]:
    size = draw(st.integers(min_value=1, max_value=5))
    nodes = []
    for i in range(size):
        node: dict[str, Any] = {"@id": f"_:n{i}"}
        for predicate in ("https://example.org/p", "https://example.org/q"):
            targets = draw(st.lists(st.integers(0, size - 1), max_size=3))
            values = [{"@id": f"_:n{t}"} for t in targets]
            values += [{"@value": text} for text in draw(st.lists(_LITERALS, max_size=2))]
            if values:
                node[predicate] = values
        nodes.append(node)
    if draw(st.booleans()):
        return {"@graph": [{"@id": "_:g", "@graph": nodes}, {"@id": "_:n0"}]}
    return {"@graph": nodes}


@settings(max_examples=60)
@given(_blank_graphs())
def test_first_degree_hashes_match_rdfc(document: dict[str, Any]) -> None:
    ours, theirs = _pyld_first_degree_hashes(document)
    assert ours == theirs


def test_first_degree_hashes_of_a_signed_credential_match_rdfc() -> None:
    ours, theirs = _pyld_first_degree_hashes(RDFC["signed_credential"])
    assert ours
    assert ours == theirs


@settings(max_examples=40)
@given(_blank_graphs())
def test_bounded_canonize_equals_pyld_normalize(document: dict[str, Any]) -> None:
    try:
        nquads = canonize(document)
    except ResourceLimitExceeded:
        return
    assert nquads == _reference_nquads(document)


# -- the fast paths against the straightforward path ------------------------------------------
#
# canonize() and expand() reuse context processing across calls (per thread, per set of
# contexts), run the sentinel pass only when the plain pass finds something, and skip
# PyLD's URDNA2015 when every first-degree hash is unique. The straightforward path below is
# the algorithm without any of that: PyLD's own context resolver, fresh for each pass; the
# sentinel pass first; then PyLD's to_rdf and its (metered) URDNA2015. Both must give the
# same N-Quads, or raise the same error with the same message.


def _straightforward(
    document: Any,
    extra: dict[str, Any] | None = None,
    *,
    max_blank_nodes: int = 512,
    max_equal_hashes: int = 8,
    max_work: int = 200_000,
) -> str:
    from pyld import jsonld

    from bid import _rdfc

    plain = bjsonld._prepare(document)
    check_contexts(plain, extra_contexts=extra)
    loader = make_loader(extra)
    bjsonld._probe(plain, bjsonld._Universe(loader, persistent=False))
    dataset = bjsonld._call(lambda: jsonld.to_rdf(plain, bjsonld._native_options(loader)))
    quads = bjsonld._quads(dataset)
    bjsonld._check_literals(quads)
    mentions = _rdfc.blank_node_quads(quads)
    if len(mentions) > max_blank_nodes:
        raise ResourceLimitExceeded(
            f"the document has {len(mentions)} blank nodes, more than the limit of "
            f"{max_blank_nodes}"
        )
    alike = max(Counter(_rdfc.first_degree_hashes(mentions).values()).values(), default=0)
    if alike > max_equal_hashes:
        raise ResourceLimitExceeded(
            f"{alike} blank nodes share one first-degree hash (the limit is "
            f"{max_equal_hashes}): canonicalizing such a graph can take factorial time"
        )
    return bjsonld._normalize(dataset, max_work)


def _straightforward_expand(document: Any, extra: dict[str, Any] | None = None) -> Any:
    from pyld import jsonld

    plain = bjsonld._prepare(document)
    check_contexts(plain, extra_contexts=extra)
    loader = make_loader(extra)
    bjsonld._probe(plain, bjsonld._Universe(loader, persistent=False))
    return bjsonld._call(lambda: jsonld.expand(plain, bjsonld._native_options(loader)))


def _outcome(action: Callable[[], Any]) -> tuple[str, Any]:
    """("ok", result) or (error type, message): what a caller can observe."""
    try:
        return "ok", action()
    except Exception as exc:  # every outcome is compared
        return type(exc).__name__, str(exc)


def _agree(document: Any, extra: dict[str, Any] | None = None) -> tuple[str, Any]:
    """Canonize and expand ``document`` both ways; assert they agree; return the outcome."""
    fast = _outcome(lambda: canonize(document, extra_contexts=extra))
    assert fast == _outcome(lambda: _straightforward(document, extra))
    expanded = _outcome(lambda: expand(document, extra_contexts=extra))
    assert expanded == _outcome(lambda: _straightforward_expand(document, extra))
    return fast


_GOOD_KEYS = ["name", "description", "issuer", "validFrom", "https://example.org/p"]
_BAD_KEYS = ["undefinedTerm", "@foo", "_:p", "https://example.org/a b", "proofPurpose"]
_GOOD_STRINGS = ["did:example:1", "https://example.org/x", "x", "a\tb"]
_BAD_STRINGS = ["credentials/1", "#frag", ""]
_GOOD_VALUES = [
    {"@value": "x", "@language": "en"},
    {"@value": "2024-01-01", "@type": "http://www.w3.org/2001/XMLSchema#date"},
    {"@id": "did:example:2"},
]
_BAD_VALUES = [
    {"@value": "x", "@language": "en us"},
    {"@value": "x", "@language": "ar", "@direction": "rtl"},
    {"@value": "x", "@index": "i"},
    {"@value": "x", "@type": "Undefined"},
    {"@id": "relative"},
    {"@id": 5},
    {"@value": "x", "@language": "en", "@type": "https://example.org/t"},
]
_GOOD_TYPES = ["VerifiableCredential"]
_BAD_TYPES = ["UndefinedType"]


def _mixed(clean: bool) -> st.SearchStrategy[dict[str, Any]]:
    """Documents of defined terms only (``clean``), or mixing in undefined terms, types,
    relative IRIs and value forms RDF does not carry."""

    def pool(good: list[Any], bad: list[Any]) -> st.SearchStrategy[Any]:
        return st.sampled_from(good if clean else good + bad)

    keys = pool(["name", "description", "https://example.org/p"], _GOOD_KEYS + _BAD_KEYS)
    leaves = st.one_of(
        pool(_GOOD_STRINGS, _BAD_STRINGS),
        st.integers(-5, 5),
        st.none(),
        pool(_GOOD_VALUES, _BAD_VALUES),
    )

    def objects(children: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
        extras = st.dictionaries(
            st.sampled_from(["id", "type"]),
            pool(["did:example:3", *_GOOD_TYPES], ["credentials/2", *_BAD_TYPES]),
            max_size=2,
        )
        node = st.tuples(st.dictionaries(keys, children, max_size=3), extras)
        return st.one_of(
            node.map(lambda pair: {**pair[0], **pair[1]}), st.lists(children, max_size=2)
        )

    values = st.recursive(leaves, objects, max_leaves=8)
    types = st.lists(pool(_GOOD_TYPES, _BAD_TYPES), min_size=1, max_size=2)
    return st.fixed_dictionaries(
        {
            "@context": st.sampled_from([[V2], [V2, EXAMPLES_V2], [V1, ED25519_2020]]),
            "type": st.just(_GOOD_TYPES) if clean else types,
        },
        optional={
            "id": pool(["urn:uuid:1", "did:example:4"], ["credentials/3"]),
            "name": values,
            "issuer": values,
            "credentialSubject": values,
            "undefinedTerm" if not clean else "description": values,
        },
    )


_mixed_documents = st.booleans().flatmap(_mixed)


@settings(max_examples=200)
@given(_mixed_documents)
def test_fast_paths_behave_like_the_straightforward_path(document: dict[str, Any]) -> None:
    event(_agree(document)[0])


@pytest.mark.parametrize(
    "document",
    [
        pytest.param(UNSIGNED, id="unsigned"),
        pytest.param(RDFC["signed_credential"], id="rdfc-signed"),
        pytest.param(RDFC["proof_options"], id="rdfc-options"),
        pytest.param(ED2020["signed_credential"], id="2020-signed"),
        pytest.param(_vc11_credential(), id="vc11"),
        pytest.param(_v2_credential(undefinedTerm="x"), id="undefined-term"),
        pytest.param(_clique(4), id="clique"),
        pytest.param(_labelled_ring(64, 8), id="ring"),
    ],
)
def test_known_documents_behave_like_the_straightforward_path(document: Any) -> None:
    for _ in range(2):  # the second time from the warm caches
        _agree(document)


def test_the_context_url_limit_holds_with_warm_caches() -> None:
    # PyLD fetches at most 10 context URLs per resolution (+1), and counts a URL each time
    # it is resolved afresh in an operation, cached or not.
    urls = [url for url in CONTEXTS if "examples/v1" not in url]
    for url in urls:
        _agree({"@context": [url]})  # every bundled context is now cached
    many = {"@context": urls, "https://example.org/p": "x"}
    for _ in range(2):
        assert _agree(many) == (
            "ResourceLimitExceeded",
            "the contexts reference too many other contexts",
        )
    assert _agree({"@context": urls[:10], "https://example.org/p": "x"})[0] != (
        "ResourceLimitExceeded"
    )


def test_cyclic_extra_contexts_fail_alike_every_time() -> None:
    a, b = "https://example.org/a", "https://example.org/b"
    extra = {a: {"@context": [b]}, b: {"@context": [a, {"t": "https://example.org/t"}]}}
    document = {"@context": [V2, a], "t": "x"}
    for _ in range(2):
        assert _agree(document, extra)[0] == "ResourceLimitExceeded"


def test_extra_contexts_are_never_shared_across_contents() -> None:
    url = "https://example.org/ctx/v1"
    document = {"@context": [V2, url], "term": "x"}
    first = {url: {"@context": {"term": "https://example.org/first"}}}
    second = {url: {"@context": {"term": "https://example.org/second"}}}
    for _ in range(2):
        assert "<https://example.org/first>" in _agree(document, first)[1]
        assert "<https://example.org/second>" in _agree(document, second)[1]
    with pytest.raises(ContextNotAllowed):
        canonize(document)


def test_import_and_scoped_urls_in_extra_contexts_are_processed_per_call() -> None:
    base, importing, scoped = (
        "https://example.org/base",
        "https://example.org/importing",
        "https://example.org/scoped",
    )
    extra: dict[str, Any] = {
        base: {"@context": {"term": "https://example.org/term"}},
        importing: {"@context": {"@import": base, "other": "https://example.org/other"}},
        scoped: {"@context": {"nested": {"@id": "https://example.org/nested", "@context": base}}},
    }
    assert not bjsonld._persistable({importing: extra[importing]})
    assert not bjsonld._persistable({scoped: extra[scoped]})
    assert bjsonld._persistable({base: extra[base]})
    for _ in range(2):
        assert _agree({"@context": [V2, importing], "term": "x", "other": "y"}, extra)[0] == "ok"
        nested = {"@context": [V2, scoped], "nested": {"term": "x"}}
        assert _agree(nested, extra)[0] == "ok"


def test_bundled_contexts_can_be_processed_once() -> None:
    assert bjsonld._persistable({url: load_context(url) for url in CONTEXTS})


def test_caches_are_per_thread_and_agree(monkeypatch: pytest.MonkeyPatch) -> None:
    documents = [UNSIGNED, RDFC["proof_options"], ED2020["signed_credential"], _vc11_credential()]
    expected = [_straightforward(document) for document in documents]
    monkeypatch.setattr(bjsonld, "_threads", threading.local())
    with ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(lambda i: canonize(documents[i % 4]), range(400)))
    assert results == [expected[i % 4] for i in range(400)]


def test_small_cache_limits_change_nothing(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(bjsonld, "_threads", threading.local())
    monkeypatch.setattr(bjsonld, "_MEMO_LIMIT", 2)
    monkeypatch.setattr(bjsonld, "_INLINE_LIMIT", 1)
    monkeypatch.setattr(bjsonld, "_IRI_LIMIT", 3)
    monkeypatch.setattr(bjsonld, "_UNIVERSES_PER_THREAD", 1)
    extra = {"https://example.org/x": {"@context": {"x": "https://example.org/x"}}}
    for _ in range(3):
        assert canonize(UNSIGNED) == RDFC["canonical_document"]
        assert canonize(RDFC["proof_options"]) == RDFC["canonical_proof_options"]
        document = {"@context": [V2, "https://example.org/x"], "x": "1"}
        assert canonize(document, extra_contexts=extra) == _straightforward(document, extra)


def test_check_no_data_loss_accepts_any_loader() -> None:
    ours = make_loader()

    def loader(url: str, options: Any = None) -> dict[str, Any]:
        return ours(url, options)

    check_no_data_loss(UNSIGNED, loader=loader)
    with pytest.raises(DataLossDetected, match="undefinedTerm"):
        check_no_data_loss(_v2_credential(undefinedTerm="x"), loader=loader)


def test_without_the_pyld_internals_it_falls_back_to_per_call_processing(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from pyld.jsonld import JsonLdProcessor

    monkeypatch.setattr(bjsonld, "_threads", threading.local())
    monkeypatch.delattr(JsonLdProcessor, "_expand_iri")
    assert not bjsonld._universe(make_loader()).persistent
