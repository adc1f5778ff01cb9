"""``credentialSchema`` checks: Verifiable Credentials JSON Schema (VC 2.0).

A credential's ``credentialSchema`` is an object, or an array of objects, ``{id, type}``:

- ``JsonSchema``: ``id`` is the URL of a JSON Schema document;
- ``JsonSchemaCredential``: ``id`` is the URL of a verifiable credential whose
  ``credentialSubject`` is ``{"type": "JsonSchema", "jsonSchema": {...}}``. It is verified
  (by the caller's ``verify_credential``) before its schema is used.

:func:`check_schemas` fetches each schema through a :class:`SchemaFetcher` (the fetchers of
:mod:`bid.status` fit: :class:`~bid.status.StaticFetcher`, :class:`~bid.status.FileFetcher`,
:class:`~bid.status.HttpFetcher`) and validates the whole credential, without its
``proof``, with jsonschema.

Decisions:

- The schema must name its dialect in ``$schema`` (the VC JSON Schema specification: a
  schema without it MUST NOT be processed). Draft 2020-12 (required by the specification),
  Draft 2019-09 and Draft 7 are supported; anything else is refused.
- Nothing is fetched while validating: ``$ref`` resolves only inside the schema and to the
  bundled JSON Schema meta-schemas; any other reference makes the result indeterminate.
- Formats are asserted: those jsonschema checks without optional packages (``email``,
  ``ipv4``, ``ipv6``, ``date``, ``uuid``, ``regex``...) plus ``date-time`` and ``time``
  (RFC 3339, checked here).
- An indeterminate result (no or unsupported ``$schema``, a schema that is not valid for
  its dialect, an unresolvable ``$ref``, a schema too deep to evaluate) raises
  :class:`~bid.errors.SchemaValidationError` with code ``schemaIndeterminate``; a credential
  that breaks its schema raises it with the default code ``schemaValidationError``.
- A ``digestSRI`` member is not checked: a fetcher returns parsed JSON, not the bytes the
  digest covers. Pin schemas through the fetcher (a :class:`~bid.status.StaticFetcher`, a
  :class:`~bid.status.FileFetcher`) when their integrity matters, or use
  ``JsonSchemaCredential``, whose proof ``verify_credential`` checks.
- A ``JsonSchemaCredential`` must carry an ``id`` equal to the URL it was fetched from.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable, Mapping, Sequence
from typing import Any, Protocol

from ._json import check_value, thaw
from .errors import InvalidCredential, ParseError, SchemaValidationError
from .status import _parse_date_time, _types

__all__ = ["INDETERMINATE", "SCHEMA_TYPES", "SchemaFetcher", "check_schemas"]

SCHEMA_TYPES = ("JsonSchema", "JsonSchemaCredential")
"""The ``credentialSchema`` types this module checks."""

INDETERMINATE = "schemaIndeterminate"
"""The code of a SchemaValidationError when the credential could not be validated."""

# $schema without scheme and trailing '#' -> the jsonschema validator class for it.
_DIALECTS = {
    "json-schema.org/draft/2020-12/schema": "Draft202012Validator",
    "json-schema.org/draft/2019-09/schema": "Draft201909Validator",
    "json-schema.org/draft-07/schema": "Draft7Validator",
}
_MAX_ERRORS = 100
_SHOWN = 200


class SchemaFetcher(Protocol):
    """Where schemas (and schema credentials) come from, by URL."""

    def fetch(self, url: str) -> Mapping[str, Any]:
        """The JSON document at ``url``; NotFound or ResolutionError when it cannot be had."""
        ...


def check_schemas(
    credential: Mapping[str, Any],
    fetcher: SchemaFetcher,
    *,
    verify_credential: Callable[[Mapping[str, Any]], None] | None = None,
) -> list[dict[str, Any]]:
    """Validate ``credential`` against every schema its ``credentialSchema`` names.

    Returns ``[{"id", "type", "valid": True}, ...]`` in order (``[]`` without
    ``credentialSchema``). ``verify_credential`` is required when a ``JsonSchemaCredential``
    is named: it checks that credential's proof and raises on failure (that propagates).

    Raises InvalidCredential for a malformed ``credentialSchema`` member (or schema
    credential); SchemaValidationError naming the failing path and reason when the
    credential breaks a schema, or with code ``schemaIndeterminate`` when it cannot be
    validated; NotFound / ResolutionError from the fetcher.
    """
    references = _references(credential)
    if not references:
        return []
    instance = _instance(credential)
    results: list[dict[str, Any]] = []
    for schema_id, schema_type in references:
        if schema_type == "JsonSchemaCredential":
            if verify_credential is None:
                raise SchemaValidationError(
                    f"the schema {schema_id[:_SHOWN]!r} is a JsonSchemaCredential: pass "
                    "verify_credential to check its proof before its schema is used",
                    code=INDETERMINATE,
                )
            schema = _schema_from_credential(schema_id, fetcher, verify_credential)
        else:
            schema = fetcher.fetch(schema_id)
        _validate(instance, schema, schema_id)
        results.append({"id": schema_id, "type": schema_type, "valid": True})
    return results


# -- the credential's side ---------------------------------------------------------------------


def _references(credential: Mapping[str, Any]) -> list[tuple[str, str]]:
    """(id, type) of each ``credentialSchema`` member, after checking their shape."""
    if not isinstance(credential, Mapping):
        raise InvalidCredential("the credential must be a JSON object")
    value = credential.get("credentialSchema")
    if value is None:
        return []
    items = [value] if isinstance(value, Mapping) else value
    if isinstance(items, str | bytes) or not isinstance(items, Sequence):
        raise InvalidCredential("credentialSchema must be an object or an array of objects")
    return [_reference(item, f"credentialSchema[{n}]") for n, item in enumerate(items)]


def _reference(item: object, where: str) -> tuple[str, str]:
    if not isinstance(item, Mapping):
        raise InvalidCredential(f"{where} must be an object")
    schema_id = item.get("id")
    if not isinstance(schema_id, str) or not schema_id:
        raise InvalidCredential(f"{where}.id must be a URL string")
    schema_type = item.get("type")
    if not isinstance(schema_type, str):
        raise InvalidCredential(f"{where}.type must be a string")
    if schema_type not in SCHEMA_TYPES:
        raise InvalidCredential(
            f"{where}.type {schema_type[:_SHOWN]!r} is not one of {', '.join(SCHEMA_TYPES)}"
        )
    return schema_id, schema_type


def _instance(credential: Mapping[str, Any]) -> dict[str, Any]:
    """A plain JSON copy of the credential without ``proof``: what the schema sees."""
    try:
        check_value(credential, what="the credential")
    except ParseError as exc:
        raise InvalidCredential(exc.message) from exc
    copy: dict[str, Any] = thaw(credential)
    copy.pop("proof", None)
    return copy


def _schema_from_credential(
    schema_id: str,
    fetcher: SchemaFetcher,
    verify_credential: Callable[[Mapping[str, Any]], None],
) -> Mapping[str, Any]:
    """The ``jsonSchema`` of the verified JsonSchemaCredential at ``schema_id``."""
    document = fetcher.fetch(schema_id)
    verify_credential(document)
    shown = schema_id[:_SHOWN]
    if not isinstance(document, Mapping):
        raise InvalidCredential(f"the schema credential {shown!r} is not a JSON object")
    types = _types(document.get("type"))
    if "VerifiableCredential" not in types or "JsonSchemaCredential" not in types:
        raise InvalidCredential(
            f"the schema credential {shown!r}: type must include 'VerifiableCredential' "
            "and 'JsonSchemaCredential'"
        )
    if document.get("id") != schema_id:
        raise InvalidCredential(f"the schema credential fetched for {shown!r} has another id")
    subject = document.get("credentialSubject")
    if not isinstance(subject, Mapping) or "JsonSchema" not in _types(subject.get("type")):
        raise InvalidCredential(
            f"the schema credential {shown!r}: credentialSubject must be one object of type "
            "'JsonSchema'"
        )
    schema = subject.get("jsonSchema")
    if not isinstance(schema, Mapping):
        raise InvalidCredential(
            f"the schema credential {shown!r}: credentialSubject.jsonSchema must be an object"
        )
    return schema


# -- validation ------------------------------------------------------------------------------------


def _indeterminate(schema_id: str, reason: str) -> SchemaValidationError:
    return SchemaValidationError(
        f"cannot validate against the schema {schema_id[:_SHOWN]!r}: {reason}", code=INDETERMINATE
    )


def _validator_class(schema: Mapping[str, Any], schema_id: str) -> Any:
    """The jsonschema validator class for the dialect the schema's ``$schema`` names."""
    import jsonschema  # imported on first use: it costs ~140 ms

    uri = schema.get("$schema")
    if not isinstance(uri, str):
        raise _indeterminate(schema_id, "it has no $schema naming its JSON Schema version")
    key = uri.removesuffix("#")
    for scheme in ("https://", "http://"):
        if key.startswith(scheme):
            key = key[len(scheme) :]
            break
    else:
        key = ""
    name = _DIALECTS.get(key)
    if name is None:
        raise _indeterminate(
            schema_id,
            f"$schema {uri[:_SHOWN]!r} is not a supported version (Draft 2020-12, Draft "
            "2019-09, Draft 7)",
        )
    return getattr(jsonschema, name)


def _format_checker(validator_class: Any) -> Any:
    """The dialect's format checker plus RFC 3339 ``date-time`` and ``time`` (jsonschema
    skips those without an optional package); the shared checkers are left untouched."""
    from jsonschema import FormatChecker

    checker = FormatChecker(formats=())
    checker.checkers.update(validator_class.FORMAT_CHECKER.checkers)
    checker.checks("date-time")(_is_date_time)
    checker.checks("time")(_is_time)
    return checker


def _is_date_time(instance: object) -> bool:
    return not isinstance(instance, str) or _parse_date_time(instance) is not None


_TIME = re.compile(r"\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:[Zz]|[+-]\d{2}:\d{2})")


def _is_time(instance: object) -> bool:
    if not isinstance(instance, str):
        return True
    return (
        bool(_TIME.fullmatch(instance)) and _parse_date_time("2000-01-01T" + instance) is not None
    )


def _validate(instance: dict[str, Any], schema: Mapping[str, Any], schema_id: str) -> None:
    """Raise SchemaValidationError unless ``instance`` is valid under ``schema``."""
    import jsonschema
    import referencing
    import referencing.exceptions

    if not isinstance(schema, Mapping):
        raise _indeterminate(schema_id, "it is not a JSON object")
    validator_class = _validator_class(schema, schema_id)
    try:
        check_value(schema, what="the schema")
    except ParseError as exc:
        raise _indeterminate(schema_id, exc.message) from exc
    plain = thaw(schema)
    failures = (
        jsonschema.exceptions.SchemaError,
        jsonschema.exceptions.UnknownType,
        referencing.exceptions.Unresolvable,
        referencing.exceptions.CannotDetermineSpecification,
        RecursionError,
        re.error,
    )
    try:
        validator_class.check_schema(plain)
        # An empty registry retrieves nothing: no $ref leaves the schema and the meta-schemas.
        validator = validator_class(
            plain,
            registry=referencing.Registry(),
            format_checker=_format_checker(validator_class),
        )
        errors = list(itertools.islice(validator.iter_errors(instance), _MAX_ERRORS))
    except failures as exc:
        raise _indeterminate(schema_id, _short(_reason(exc))) from exc
    if errors:
        raise _failure(errors, schema_id)


def _reason(exc: BaseException) -> str:
    """Why a schema could not be evaluated, in one line."""
    import jsonschema
    import referencing.exceptions

    if isinstance(exc, jsonschema.exceptions.SchemaError):
        return f"it is not a valid schema for its version: at {exc.json_path}: {exc.message}"
    reference = getattr(exc, "ref", None)
    if isinstance(exc, referencing.exceptions.Unresolvable) and isinstance(reference, str):
        return (
            f"$ref {reference[:_SHOWN]!r} cannot be resolved inside the schema "
            "(references are never fetched)"
        )
    if isinstance(exc, RecursionError):
        return "the schema refers to itself too deeply to be evaluated"
    return f"{type(exc).__name__}: {exc}"


def _failure(errors: list[Any], schema_id: str) -> SchemaValidationError:
    """The error for a credential that breaks its schema: the most relevant failure (its
    path and reason) and how many there are."""
    from jsonschema.exceptions import best_match

    best = best_match(errors)
    count = len(errors)
    counted = f"{count} or more errors" if count >= _MAX_ERRORS else f"{count} error(s)"
    return SchemaValidationError(
        f"the credential does not match the schema {schema_id[:_SHOWN]!r}: at "
        f"{best.json_path}: {_short(str(best.message))} ({counted})"
    )


def _short(text: str) -> str:
    return text if len(text) <= _SHOWN else text[:_SHOWN] + "..."
