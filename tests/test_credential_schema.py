"""credentialSchema checks (bid.credential_schema): JsonSchema and JsonSchemaCredential.

The examples follow the VC JSON Schema specification (the EmailCredential schema). Nothing
here may touch the network: a remote ``$ref`` is tested with sockets made to fail.
"""

from __future__ import annotations

import socket
import urllib.request
from collections.abc import Mapping
from typing import Any

import pytest

from bid.credential_schema import INDETERMINATE, SCHEMA_TYPES, SchemaFetcher, check_schemas
from bid.errors import InvalidCredential, NotFound, SchemaValidationError
from bid.status import StaticFetcher

DRAFT_2020 = "https://json-schema.org/draft/2020-12/schema"
SCHEMA_URL = "https://example.com/schemas/email.json"
SCHEMA_VC_URL = "https://example.com/credentials/3734"

EMAIL_SCHEMA: dict[str, Any] = {
    "$id": SCHEMA_URL,
    "$schema": DRAFT_2020,
    "title": "EmailCredential",
    "type": "object",
    "properties": {
        "credentialSubject": {
            "type": "object",
            "properties": {"emailAddress": {"type": "string", "format": "email"}},
            "required": ["emailAddress"],
        }
    },
}


def credential(
    subject: dict[str, Any] | None = None, schema: Any = None, **members: Any
) -> dict[str, Any]:
    document: dict[str, Any] = {
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "id": "https://example.com/credentials/3732",
        "type": ["VerifiableCredential", "EmailCredential"],
        "issuer": "https://example.com/issuers/14",
        "validFrom": "2010-01-01T19:23:24Z",
        "credentialSubject": subject
        if subject is not None
        else {"id": "did:example:ebfeb1f712ebc6f1c276e12ec21", "emailAddress": "a@example.com"},
        "credentialSchema": schema
        if schema is not None
        else {"id": SCHEMA_URL, "type": "JsonSchema"},
    }
    document.update(members)
    return document


def schema_credential(schema: Mapping[str, Any], url: str = SCHEMA_VC_URL) -> dict[str, Any]:
    return {
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "id": url,
        "type": ["VerifiableCredential", "JsonSchemaCredential"],
        "issuer": "https://example.com/issuers/14",
        "credentialSchema": {
            "id": "https://www.w3.org/ns/credentials/json-schema/v2.json",
            "type": "JsonSchema",
        },
        "credentialSubject": {"id": SCHEMA_URL, "type": "JsonSchema", "jsonSchema": schema},
        "proof": {"type": "DataIntegrityProof"},
    }


def with_schema(schema: Mapping[str, Any]) -> StaticFetcher:
    return StaticFetcher({SCHEMA_URL: schema})


def accept(document: Mapping[str, Any]) -> None:
    """A verify_credential that accepts every credential."""


# -- JsonSchema -------------------------------------------------------------------------------


def test_json_schema_pass() -> None:
    assert check_schemas(credential(), with_schema(EMAIL_SCHEMA)) == [
        {"id": SCHEMA_URL, "type": "JsonSchema", "valid": True}
    ]


def test_json_schema_fail_names_the_path_and_reason() -> None:
    document = credential(subject={"id": "did:example:1"})
    with pytest.raises(SchemaValidationError) as caught:
        check_schemas(document, with_schema(EMAIL_SCHEMA))
    message = caught.value.message
    assert "$.credentialSubject" in message
    assert "'emailAddress' is a required property" in message
    assert "1 error(s)" in message
    assert SCHEMA_URL in message
    assert caught.value.code == "schemaValidationError"


def test_failure_counts_every_error() -> None:
    schema = {
        "$schema": DRAFT_2020,
        "type": "object",
        "required": ["a", "b", "c"],
        "properties": {"issuer": {"type": "integer"}},
    }
    with pytest.raises(SchemaValidationError, match=r"4 error\(s\)"):
        check_schemas(credential(), with_schema(schema))


def test_many_errors_are_capped() -> None:
    schema = {"$schema": DRAFT_2020, "required": [f"m{n}" for n in range(150)]}
    with pytest.raises(SchemaValidationError, match="100 or more errors"):
        check_schemas(credential(), with_schema(schema))


def test_the_proof_is_not_validated() -> None:
    schema = {"$schema": DRAFT_2020, "not": {"required": ["proof"]}}
    document = credential(proof={"type": "DataIntegrityProof"})
    assert check_schemas(document, with_schema(schema))[0]["valid"] is True
    assert "proof" in document


def test_the_whole_credential_is_validated() -> None:
    schema = {
        "$schema": DRAFT_2020,
        "required": ["validUntil", "evidence"],
    }
    with pytest.raises(SchemaValidationError, match="validUntil"):
        check_schemas(credential(), with_schema(schema))


def test_several_schemas() -> None:
    other = "https://example.com/schemas/issuer.json"
    schemas = [{"id": SCHEMA_URL, "type": "JsonSchema"}, {"id": other, "type": "JsonSchema"}]
    issuer_schema = {"$schema": DRAFT_2020, "properties": {"issuer": {"type": "string"}}}
    fetcher = StaticFetcher({SCHEMA_URL: EMAIL_SCHEMA, other: issuer_schema})
    results = check_schemas(credential(schema=schemas), fetcher)
    assert [r["id"] for r in results] == [SCHEMA_URL, other]
    failing = {"$schema": DRAFT_2020, "properties": {"issuer": {"type": "integer"}}}
    fetcher = StaticFetcher({SCHEMA_URL: EMAIL_SCHEMA, other: failing})
    with pytest.raises(SchemaValidationError, match=r"\$\.issuer"):
        check_schemas(credential(schema=schemas), fetcher)


def test_no_credential_schema() -> None:
    document = credential()
    del document["credentialSchema"]
    assert check_schemas(document, StaticFetcher({})) == []


def test_fetch_failures_propagate() -> None:
    with pytest.raises(NotFound):
        check_schemas(credential(), StaticFetcher({}))


# -- JsonSchemaCredential ------------------------------------------------------------------------


def _vc_reference() -> dict[str, str]:
    return {"id": SCHEMA_VC_URL, "type": "JsonSchemaCredential"}


def test_json_schema_credential_pass_after_verification() -> None:
    verified: list[Mapping[str, Any]] = []

    def verify(document: Mapping[str, Any]) -> None:
        verified.append(document)

    wrapped = schema_credential(EMAIL_SCHEMA)
    fetcher = StaticFetcher({SCHEMA_VC_URL: wrapped})
    results = check_schemas(credential(schema=_vc_reference()), fetcher, verify_credential=verify)
    assert results == [{"id": SCHEMA_VC_URL, "type": "JsonSchemaCredential", "valid": True}]
    assert verified == [wrapped]


def test_json_schema_credential_fail() -> None:
    fetcher = StaticFetcher({SCHEMA_VC_URL: schema_credential(EMAIL_SCHEMA)})
    document = credential(subject={"emailAddress": 5}, schema=_vc_reference())
    with pytest.raises(SchemaValidationError, match=r"\$\.credentialSubject\.emailAddress"):
        check_schemas(document, fetcher, verify_credential=accept)


def test_json_schema_credential_needs_a_verifier() -> None:
    class Never:
        def fetch(self, url: str) -> Mapping[str, Any]:
            raise AssertionError("fetched without a verifier")

    with pytest.raises(SchemaValidationError, match="verify_credential") as caught:
        check_schemas(credential(schema=_vc_reference()), Never())
    assert caught.value.code == INDETERMINATE


def test_verifier_errors_propagate() -> None:
    class BadProof(Exception):
        pass

    def refuse(document: Mapping[str, Any]) -> None:
        raise BadProof("no")

    fetcher = StaticFetcher({SCHEMA_VC_URL: schema_credential(EMAIL_SCHEMA)})
    with pytest.raises(BadProof):
        check_schemas(credential(schema=_vc_reference()), fetcher, verify_credential=refuse)


def _broken(change: str) -> dict[str, Any]:
    document = schema_credential(EMAIL_SCHEMA)
    if change == "type":
        document["type"] = ["VerifiableCredential"]
    elif change == "id":
        document["id"] = "https://example.com/credentials/other"
    elif change == "subject":
        document["credentialSubject"] = [document["credentialSubject"]]
    elif change == "subject type":
        document["credentialSubject"]["type"] = "Schema"
    elif change == "json schema":
        document["credentialSubject"]["jsonSchema"] = "{}"
    return document


@pytest.mark.parametrize(
    ("change", "member"),
    [
        ("type", "JsonSchemaCredential"),
        ("id", "another id"),
        ("subject", "credentialSubject"),
        ("subject type", "credentialSubject"),
        ("json schema", "jsonSchema"),
    ],
)
def test_malformed_schema_credentials(change: str, member: str) -> None:
    fetcher = StaticFetcher({SCHEMA_VC_URL: _broken(change)})
    with pytest.raises(InvalidCredential, match=member):
        check_schemas(credential(schema=_vc_reference()), fetcher, verify_credential=accept)


# -- dialects, references, formats --------------------------------------------------------------


@pytest.mark.parametrize(
    "uri",
    [
        DRAFT_2020,
        DRAFT_2020 + "#",
        "https://json-schema.org/draft/2019-09/schema",
        "http://json-schema.org/draft-07/schema#",
    ],
)
def test_supported_dialects(uri: str) -> None:
    schema = EMAIL_SCHEMA | {"$schema": uri}
    assert check_schemas(credential(), with_schema(schema))[0]["valid"] is True
    with pytest.raises(SchemaValidationError):
        check_schemas(credential(subject={}), with_schema(schema))


@pytest.mark.parametrize(
    "uri",
    [
        None,
        "http://json-schema.org/draft-04/schema#",
        "http://json-schema.org/draft-06/schema#",
        "https://example.com/my-dialect",
        "json-schema.org/draft/2020-12/schema",
        5,
    ],
)
def test_other_dialects_are_indeterminate(uri: Any) -> None:
    schema = dict(EMAIL_SCHEMA)
    if uri is None:
        del schema["$schema"]
    else:
        schema["$schema"] = uri
    with pytest.raises(SchemaValidationError, match="schema") as caught:
        check_schemas(credential(), with_schema(schema))
    assert caught.value.code == INDETERMINATE


def test_an_invalid_schema_is_indeterminate() -> None:
    schema = {"$schema": DRAFT_2020, "type": 5}
    with pytest.raises(SchemaValidationError, match=r"not a valid schema.*\$\.type") as caught:
        check_schemas(credential(), with_schema(schema))
    assert caught.value.code == INDETERMINATE


def test_a_bad_pattern_is_indeterminate() -> None:
    schema = {"$schema": DRAFT_2020, "properties": {"issuer": {"pattern": "(unclosed"}}}
    with pytest.raises(SchemaValidationError) as caught:
        check_schemas(credential(), with_schema(schema))
    assert caught.value.code == INDETERMINATE


def test_local_references_resolve() -> None:
    schema = {
        "$schema": DRAFT_2020,
        "$defs": {"email": {"type": "string", "format": "email"}},
        "properties": {
            "credentialSubject": {"properties": {"emailAddress": {"$ref": "#/$defs/email"}}}
        },
    }
    assert check_schemas(credential(), with_schema(schema))[0]["valid"] is True
    with pytest.raises(SchemaValidationError, match="email"):
        check_schemas(credential(subject={"emailAddress": "nobody"}), with_schema(schema))


def test_meta_schema_references_resolve_offline(monkeypatch: pytest.MonkeyPatch) -> None:
    attempts = _forbid_network(monkeypatch)
    schema = {
        "$schema": DRAFT_2020,
        "properties": {"credentialSubject": {"$ref": DRAFT_2020}},
    }
    assert check_schemas(credential(), with_schema(schema))[0]["valid"] is True
    assert attempts == []


def _forbid_network(monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    attempts: list[Any] = []

    def refuse(*args: Any, **kwargs: Any) -> Any:
        attempts.append(args)
        raise OSError("the network is off in this test")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket.socket, "connect_ex", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket, "getaddrinfo", refuse)
    monkeypatch.setattr(urllib.request, "urlopen", refuse)
    return attempts


@pytest.mark.parametrize(
    "ref",
    [
        "https://example.com/schemas/common.json",
        "common.json#/$defs/email",
        "#/$defs/missing",
    ],
)
def test_remote_references_are_not_fetched(monkeypatch: pytest.MonkeyPatch, ref: str) -> None:
    attempts = _forbid_network(monkeypatch)
    schema = {
        "$id": SCHEMA_URL,
        "$schema": DRAFT_2020,
        "properties": {"credentialSubject": {"$ref": ref}},
    }
    with pytest.raises(SchemaValidationError, match="cannot be resolved") as caught:
        check_schemas(credential(), with_schema(schema))
    assert caught.value.code == INDETERMINATE
    assert attempts == []


def test_a_self_referencing_schema_is_indeterminate() -> None:
    schema = {"$schema": DRAFT_2020, "$ref": "#"}
    with pytest.raises(SchemaValidationError, match="too deeply") as caught:
        check_schemas(credential(), with_schema(schema))
    assert caught.value.code == INDETERMINATE


@pytest.mark.parametrize(
    ("value", "valid"),
    [
        ("2024-01-01T00:00:00Z", True),
        ("2024-01-01t00:00:00.123456789z", True),
        ("2024-02-29T23:59:60+05:30", True),
        ("2024-01-01T00:00:00", False),
        ("2024-13-01T00:00:00Z", False),
        ("2023-02-29T00:00:00Z", False),
        ("2024-01-01 00:00:00Z", False),
        ("2024-01-01T24:00:00Z", False),
        ("2024-01-01T00:00:00+24:00", False),
        ("2024-01-01", False),
        ("yesterday", False),
    ],
)
def test_date_time_format_is_checked(value: str, valid: bool) -> None:
    schema = {"$schema": DRAFT_2020, "properties": {"validFrom": {"format": "date-time"}}}
    document = credential(validFrom=value)
    if valid:
        assert check_schemas(document, with_schema(schema))[0]["valid"] is True
    else:
        with pytest.raises(SchemaValidationError, match="date-time"):
            check_schemas(document, with_schema(schema))


@pytest.mark.parametrize(
    ("value", "valid"),
    [("12:30:00Z", True), ("12:30:00.5-03:00", True), ("12:30:00", False), ("25:00:00Z", False)],
)
def test_time_format_is_checked(value: str, valid: bool) -> None:
    schema = {"$schema": DRAFT_2020, "properties": {"credentialSubject": {"format": "time"}}}
    document = credential(subject=value)  # type: ignore[arg-type]
    if valid:
        assert check_schemas(document, with_schema(schema))[0]["valid"] is True
    else:
        with pytest.raises(SchemaValidationError, match="time"):
            check_schemas(document, with_schema(schema))


def test_formats_apply_to_strings_only() -> None:
    schema = {"$schema": DRAFT_2020, "properties": {"validFrom": {"format": "date-time"}}}
    assert check_schemas(credential(validFrom=5), with_schema(schema))[0]["valid"] is True


def test_shared_format_checkers_are_not_changed() -> None:
    import jsonschema

    before = dict(jsonschema.Draft202012Validator.FORMAT_CHECKER.checkers)
    global_before = dict(jsonschema.FormatChecker.checkers)
    check_schemas(credential(), with_schema(EMAIL_SCHEMA))
    assert jsonschema.Draft202012Validator.FORMAT_CHECKER.checkers == before
    assert jsonschema.FormatChecker.checkers == global_before


# -- malformed input -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("schema", "member"),
    [
        ("https://example.com/schema.json", "credentialSchema"),
        (5, "credentialSchema"),
        (["https://example.com/schema.json"], r"credentialSchema\[0\]"),
        ({"type": "JsonSchema"}, r"credentialSchema\[0\]\.id"),
        ({"id": "", "type": "JsonSchema"}, r"credentialSchema\[0\]\.id"),
        ({"id": 5, "type": "JsonSchema"}, r"credentialSchema\[0\]\.id"),
        ({"id": SCHEMA_URL}, r"credentialSchema\[0\]\.type"),
        ({"id": SCHEMA_URL, "type": ["JsonSchema"]}, r"credentialSchema\[0\]\.type"),
        ({"id": SCHEMA_URL, "type": "JsonSchema2023"}, "JsonSchema2023"),
        (
            [{"id": SCHEMA_URL, "type": "JsonSchema"}, {"id": SCHEMA_URL, "type": "ZKP"}],
            r"credentialSchema\[1\]",
        ),
    ],
)
def test_malformed_credential_schema(schema: Any, member: str) -> None:
    class Never:
        def fetch(self, url: str) -> Mapping[str, Any]:
            raise AssertionError("fetched for a malformed credentialSchema")

    with pytest.raises(InvalidCredential, match=member):
        check_schemas(credential(schema=schema), Never())


def test_credential_must_be_json() -> None:
    with pytest.raises(InvalidCredential):
        check_schemas(credential(extra=float("nan")), with_schema(EMAIL_SCHEMA))
    with pytest.raises(InvalidCredential):
        check_schemas("credential", with_schema(EMAIL_SCHEMA))  # type: ignore[arg-type]


def test_schema_must_be_an_object() -> None:
    with pytest.raises(SchemaValidationError) as caught:
        check_schemas(credential(), StaticFetcher({SCHEMA_URL: ["not", "a", "schema"]}))  # type: ignore[dict-item]
    assert caught.value.code == INDETERMINATE


def test_public_names() -> None:
    assert SCHEMA_TYPES == ("JsonSchema", "JsonSchemaCredential")
    fetcher: SchemaFetcher = StaticFetcher({})
    assert fetcher is not None
