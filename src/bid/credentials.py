"""The Verifiable Credentials data model, 2.0 and 1.1: what a credential must look like.

:func:`check_credential` and :func:`check_presentation` check the shape the data model
requires before any proof is looked at (VC Data Model 2.0 sections 4 and 5; 1.1 for the
older form); each failure is an :class:`~bid.errors.InvalidCredential` naming the member.
:func:`parse` reads credential JSON strictly: duplicate member names, NaN/Infinity,
integers beyond 2^53 and lone surrogates are refused before anything else sees the data,
so two parsers can never see two different credentials under one signature.

Version 2.0 is the primary model (``validFrom``/``validUntil``); 1.1 (``issuanceDate``,
``expirationDate``) is read and written on request. The version is given by the first
``@context``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from datetime import datetime, timezone
from typing import Any, Literal

from ._json import check_value, loads_strict
from .errors import InvalidCredential, ParseError

__all__ = [
    "V1_CONTEXT",
    "V2_CONTEXT",
    "Version",
    "as_list",
    "check_credential",
    "check_presentation",
    "embedded_credentials",
    "enveloped_token",
    "holder_id",
    "is_url",
    "issuer_id",
    "parse",
    "parse_datetime",
    "validity",
    "version_of",
]

V2_CONTEXT = "https://www.w3.org/ns/credentials/v2"
V1_CONTEXT = "https://www.w3.org/2018/credentials/v1"
Version = Literal["1.1", "2.0"]
_VERSIONS: dict[str, Version] = {V2_CONTEXT: "2.0", V1_CONTEXT: "1.1"}
# A URL for the data model: an absolute IRI, scheme ":" something, no spaces.
_URL = re.compile(r"[A-Za-z][A-Za-z0-9+.\-]*:[^\s]+")
# XML Schema dateTimeStamp: a dateTime that carries its time zone.
_DATETIME = re.compile(
    r"(-?\d{4,})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(\.\d+)?(Z|[+-]\d{2}:\d{2})", re.ASCII
)
_TYPED_MEMBERS = ("credentialStatus", "termsOfUse", "evidence", "refreshService")
_TYPED_AND_SCHEMA = (*_TYPED_MEMBERS, "credentialSchema")
_V1_PERIOD = ("issuanceDate", "expirationDate")


def parse(text: str | bytes, *, what: str = "credential") -> Any:
    """Credential (or presentation) JSON, read strictly; raises ParseError."""
    return loads_strict(text, what=what)


def as_list(value: Any) -> list[Any]:
    """A member that may be one value or a list, as a list (``None`` gives ``[]``)."""
    if value is None:
        return []
    return list(value) if isinstance(value, list | tuple) else [value]


def is_url(value: object) -> bool:
    """Whether ``value`` is a string the data model accepts as a URL (an absolute IRI)."""
    return isinstance(value, str) and _URL.fullmatch(value) is not None


def parse_datetime(value: object, where: str) -> datetime:
    """An XML Schema dateTimeStamp (time zone required) as an aware datetime."""
    if not isinstance(value, str):
        raise InvalidCredential(f"{where} must be a date-time string")
    match = _DATETIME.fullmatch(value)
    if match is None:
        raise InvalidCredential(f"{where} {value[:40]!r} is not a date-time with a time zone")
    text = value.replace("Z", "+00:00")
    fraction = match.group(7)
    if fraction and len(fraction) > 7:  # datetime takes microseconds only
        text = text.replace(fraction, fraction[:7])
    try:
        moment = datetime.fromisoformat(text)
    except ValueError as exc:
        raise InvalidCredential(f"{where} {value[:40]!r} is not a valid date-time") from exc
    try:
        return moment.astimezone(timezone.utc)
    except OverflowError as exc:  # e.g. 0001-01-01T00:00:00+01:00 is before year 1 in UTC
        raise InvalidCredential(f"{where} {value[:40]!r} is out of range in UTC") from exc


def version_of(document: Mapping[str, Any]) -> Version:
    """``"2.0"`` or ``"1.1"``, from the first ``@context``; raises InvalidCredential."""
    contexts = document.get("@context")
    if not isinstance(contexts, list) or not contexts:
        if isinstance(contexts, str) and contexts in _VERSIONS:
            return _VERSIONS[contexts]
        raise InvalidCredential("@context must be a list starting with the VC base context")
    first = contexts[0]
    if not isinstance(first, str) or first not in _VERSIONS:
        raise InvalidCredential(f"the first @context must be {V2_CONTEXT} (or {V1_CONTEXT})")
    for entry in contexts[1:]:
        if isinstance(entry, str) and entry in _VERSIONS:
            raise InvalidCredential("a VC base context may only come first, once")
        if not isinstance(entry, str | Mapping):
            raise InvalidCredential("@context entries are URLs or objects")
    return _VERSIONS[first]


def _check_json(document: object, what: str) -> Mapping[str, Any]:
    if not isinstance(document, Mapping):
        raise InvalidCredential(f"a {what} is a JSON object")
    try:
        check_value(document, what=what)
    except ParseError as exc:
        raise InvalidCredential(exc.message) from exc
    return document


def _check_types(document: Mapping[str, Any], required: str) -> None:
    names = as_list(document.get("type"))
    if not names:
        raise InvalidCredential("type must be a string or a list of strings")
    for name in names:
        if not isinstance(name, str) or not name:
            raise InvalidCredential("type must be a string or a list of strings")
    if required not in names:
        raise InvalidCredential(f"type must include {required}")


def _check_id(value: object, where: str) -> None:
    if not is_url(value):
        raise InvalidCredential(f"{where} must be a URL")


def issuer_id(credential: Mapping[str, Any]) -> str:
    """The issuer's id: ``issuer`` itself or ``issuer.id``; raises InvalidCredential."""
    issuer = credential.get("issuer")
    if isinstance(issuer, Mapping):
        issuer = issuer.get("id")
    if not is_url(issuer):
        raise InvalidCredential("issuer must be a URL or an object whose id is a URL")
    assert isinstance(issuer, str)
    return issuer


def _check_subjects(credential: Mapping[str, Any]) -> None:
    subjects = as_list(credential.get("credentialSubject"))
    if not subjects:
        raise InvalidCredential("credentialSubject is required")
    for subject in subjects:
        if not isinstance(subject, Mapping) or not subject:
            raise InvalidCredential("each credentialSubject is a non-empty object")
        if "id" in subject:
            _check_id(subject["id"], "credentialSubject.id")


def _check_typed(credential: Mapping[str, Any]) -> None:
    for member in _TYPED_AND_SCHEMA:
        value = credential.get(member)
        if value is None:  # absent (or null): nothing to check
            continue
        for entry in as_list(value):
            if not isinstance(entry, Mapping):
                raise InvalidCredential(f"{member} entries are objects")
            if not isinstance(entry.get("type"), str | list) or not as_list(entry.get("type")):
                raise InvalidCredential(f"{member} needs a type")
            if "id" in entry:
                _check_id(entry["id"], f"{member}.id")
            elif member == "credentialSchema":
                raise InvalidCredential("credentialSchema needs an id")


def _check_language_values(credential: Mapping[str, Any]) -> None:
    for member in ("name", "description"):
        given = credential.get(member)
        if given is None or isinstance(given, str):  # absent, or a plain string
            continue
        for value in as_list(given):
            if isinstance(value, str):
                continue
            if not isinstance(value, Mapping) or not isinstance(value.get("@value"), str):
                raise InvalidCredential(f"{member} is a string or a language value object")
            if set(value) - {"@value", "@language", "@direction"}:
                raise InvalidCredential(f"{member} has members other than @value/@language")


def validity(credential: Mapping[str, Any]) -> tuple[datetime | None, datetime | None]:
    """(valid from, valid until) of a checked credential, either version."""
    return _validity(credential, version_of(credential))


def _validity(
    credential: Mapping[str, Any], version: Version
) -> tuple[datetime | None, datetime | None]:
    """:func:`validity` of a credential whose version is known."""
    start, end = ("validFrom", "validUntil") if version == "2.0" else _V1_PERIOD
    valid_from = parse_datetime(credential[start], start) if start in credential else None
    valid_until = parse_datetime(credential[end], end) if end in credential else None
    return valid_from, valid_until


def check_credential(credential: object) -> Version:
    """Check a credential's shape (proofs aside); returns its version. Raises InvalidCredential."""
    return _check_credential(credential)[0]


def _check_credential(credential: object) -> tuple[Version, datetime | None, datetime | None]:
    """:func:`check_credential`, returning the version and the validity period it read.

    The verifier takes the period from here instead of parsing the dates a second time.
    """
    document = _check_json(credential, "credential")
    version = version_of(document)
    _check_types(document, "VerifiableCredential")
    if "id" in document:
        _check_id(document["id"], "id")
    issuer_id(document)
    _check_subjects(document)
    _check_typed(document)
    _check_language_values(document)
    if version == "1.1" and "issuanceDate" not in document:
        raise InvalidCredential("a VC 1.1 credential needs issuanceDate")
    valid_from, valid_until = _validity(document, version)
    if valid_from is not None and valid_until is not None and valid_from > valid_until:
        names = "validFrom > validUntil" if version == "2.0" else "issuanceDate > expirationDate"
        raise InvalidCredential(f"{names}: the credential is never valid")
    return version, valid_from, valid_until


def check_presentation(presentation: object) -> Version:
    """Check a presentation's shape and every embedded credential's; returns its version."""
    document = _check_json(presentation, "presentation")
    version = version_of(document)
    _check_types(document, "VerifiablePresentation")
    if "id" in document:
        _check_id(document["id"], "id")
    if "holder" in document:
        holder = document["holder"]
        _check_id(holder.get("id") if isinstance(holder, Mapping) else holder, "holder")
    for credential in embedded_credentials(document):
        if _is_enveloped(credential):
            _check_enveloped(credential)
        else:
            check_credential(credential)
    return version


def holder_id(presentation: Mapping[str, Any]) -> str | None:
    """The holder's id (``holder`` or ``holder.id``), or None when there is no holder."""
    holder = presentation.get("holder")
    if isinstance(holder, Mapping):
        holder = holder.get("id")
    return holder if isinstance(holder, str) else None


def embedded_credentials(presentation: Mapping[str, Any]) -> Sequence[Any]:
    """``verifiableCredential`` as a list; strings are refused (values must be objects)."""
    credentials = as_list(presentation.get("verifiableCredential"))
    for credential in credentials:
        if not isinstance(credential, Mapping):
            raise InvalidCredential("verifiableCredential values must be objects, not strings")
    return credentials


def _is_enveloped(credential: Mapping[str, Any]) -> bool:
    return "EnvelopedVerifiableCredential" in as_list(credential.get("type"))


def _check_enveloped(credential: Mapping[str, Any]) -> None:
    identifier = credential.get("id")
    if not isinstance(identifier, str) or not identifier.startswith("data:"):
        raise InvalidCredential("an EnvelopedVerifiableCredential's id is a data: URL")


def enveloped_token(credential: Mapping[str, Any]) -> str | None:
    """The compact JWT inside an EnvelopedVerifiableCredential, or None for other values."""
    if not _is_enveloped(credential):
        return None
    _check_enveloped(credential)
    media, _, token = str(credential["id"])[len("data:") :].partition(",")
    if media.split(";")[0] not in ("application/vc+jwt", "application/vc+ld+json+jwt"):
        raise InvalidCredential(f"an enveloped credential of type {media[:40]!r} is not supported")
    return token
