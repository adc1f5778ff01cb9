"""Bitstring Status List v1.0 (W3C Recommendation, 2025-05-15): revocation and suspension.

An issuer publishes a *status list credential* whose ``credentialSubject.encodedList`` is a
bitstring: ``length`` entries of ``statusSize`` bits each, GZIP-compressed and written as
multibase base64url without padding (prefix ``u``). Entry 0 is the left-most bit, the most
significant bit of the first byte. A credential points at one entry through a
``BitstringStatusListEntry`` in its ``credentialStatus``.

- :class:`StatusList` is the bitstring: create it, set entries, :meth:`~StatusList.encode`;
  or :meth:`~StatusList.decode` an ``encodedList`` (its decompressed size is capped, so a
  GZIP bomb raises :class:`~bid.errors.ResourceLimitExceeded` after at most the cap).
- :func:`status_list_credential`, :func:`status_entry` and :func:`with_status` build the
  unsigned documents an issuer signs.
- :func:`read_status` checks an entry against a list credential and reads the value;
  :func:`check_status` does that for every entry of a credential, through a
  :class:`StatusFetcher` (:class:`StaticFetcher`, :class:`FileFetcher`, :class:`HttpFetcher`),
  and raises :class:`~bid.errors.CredentialStatusError` for a revoked or suspended one.

Nothing here touches the network unless the caller hands :func:`check_status` an
:class:`HttpFetcher`.

Decisions (where the specification leaves room):

- Creating a list refuses fewer than ``min_length`` entries (default the specification's
  131,072); decoding accepts any length, and :func:`read_status` refuses a list shorter than
  ``min_length`` (``STATUS_LIST_LENGTH_ERROR``), as the Validate Algorithm says.
- ``statusSize`` is 1 to 8 bits (:data:`MAX_STATUS_SIZE`): a ``statusMessage`` array must
  have ``2**statusSize`` elements, so larger sizes are not practical.
- The list credential's ``id`` is required and must equal the entry's
  ``statusListCredential``: a list signed for another URL is not accepted in its place.
- A list credential outside its own ``validFrom`` / ``validUntil`` window fails closed:
  :class:`~bid.errors.CredentialStatusError` with code ``statusListNotYetValid`` or
  ``statusListExpired`` (fetch a fresh list and check again).
- Shape problems raise :class:`~bid.errors.InvalidCredential` naming the member, with the
  specification's code: ``MALFORMED_VALUE_ERROR``, ``STATUS_LIST_LENGTH_ERROR``,
  ``RANGE_ERROR`` (an index past the end) or ``STATUS_VERIFICATION_ERROR`` (the entry's
  purpose or URL does not match the list).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
import zlib
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime, timedelta, timezone
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any, Protocol

from ._json import JSONValue, check_value, loads_strict, thaw
from .errors import (
    CredentialStatusError,
    InvalidCredential,
    InvalidInput,
    NotFound,
    ParseError,
    ResolutionError,
    ResourceLimitExceeded,
)

if TYPE_CHECKING:
    from .backends.http import HttpClient, HttpPolicy

__all__ = [
    "MAX_DECODED_BYTES",
    "MAX_STATUS_SIZE",
    "MIN_LENGTH",
    "PURPOSES",
    "FileFetcher",
    "HttpFetcher",
    "StaticFetcher",
    "StatusFetcher",
    "StatusList",
    "check_status",
    "read_status",
    "status_entry",
    "status_list_credential",
    "with_status",
]

MIN_LENGTH = 131_072
"""The minimum (and default) number of entries of a list: 16 KiB of 1-bit entries."""

MAX_STATUS_SIZE = 8
"""The largest ``statusSize`` accepted, in bits."""

MAX_DECODED_BYTES = 16 << 20
"""The default cap on a decompressed bitstring: 16 MiB (134 million 1-bit entries)."""

PURPOSES = ("revocation", "suspension", "refresh", "message")
"""The status purposes the specification defines (others are allowed, with no meaning here)."""

VC_V2_CONTEXT = "https://www.w3.org/ns/credentials/v2"
ENTRY_TYPE = "BitstringStatusListEntry"
LIST_CREDENTIAL_TYPE = "BitstringStatusListCredential"
LIST_TYPE = "BitstringStatusList"

_MALFORMED = "MALFORMED_VALUE_ERROR"
_LENGTH_ERROR = "STATUS_LIST_LENGTH_ERROR"
_RANGE_ERROR = "RANGE_ERROR"
_MISMATCH = "STATUS_VERIFICATION_ERROR"

_MULTIBASE_BASE64URL = "u"
_BASE64URL = re.compile(r"[A-Za-z0-9_-]*")
_DECIMAL = re.compile(r"0|[1-9][0-9]{0,19}")
_HEX_STATUS = re.compile(r"0x[0-9a-fA-F]{1,2}")
# GZIP member header (RFC 1952): magic, deflate, no flags, mtime 0, no XFL, OS 3 (Unix): the
# header of the specification's example list (and of zlib and pako), fixed for reproducibility.
_GZIP_HEADER = b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\x03"
_GZIP_WBITS = 16 + zlib.MAX_WBITS


# -- the bitstring -------------------------------------------------------------------------


def _check_status_size(status_size: object) -> int:
    if (
        not isinstance(status_size, int)
        or isinstance(status_size, bool)
        or not 1 <= status_size <= MAX_STATUS_SIZE
    ):
        raise InvalidInput(f"statusSize must be an integer from 1 to {MAX_STATUS_SIZE}")
    return status_size


class StatusList:
    """A bitstring of ``length`` entries of ``status_size`` bits each.

    Index 0 is the left-most bit (the most significant bit of byte 0); an entry of several
    bits is read most significant bit first. A new list refuses fewer than ``min_length``
    entries (the specification's minimum, 131,072, protects the holders' group privacy;
    pass a smaller ``min_length`` only where an ecosystem sets a lower bound, or in tests).
    """

    __slots__ = ("_bits", "_length", "_status_size")

    def __init__(
        self, length: int = MIN_LENGTH, *, status_size: int = 1, min_length: int = MIN_LENGTH
    ) -> None:
        size = _check_status_size(status_size)
        if isinstance(min_length, bool) or not isinstance(min_length, int) or min_length < 1:
            raise InvalidInput("min_length must be a positive integer")
        if isinstance(length, bool) or not isinstance(length, int) or length < min_length:
            raise InvalidInput(f"a status list needs at least {min_length} entries, not {length}")
        self._status_size = size
        self._length = length
        self._bits = bytearray(-(-length * size // 8))

    @classmethod
    def from_bytes(cls, data: bytes, *, status_size: int = 1) -> StatusList:
        """The list whose uncompressed bitstring is ``data``; any length (trailing bits that
        do not fill an entry are ignored)."""
        size = _check_status_size(status_size)
        length = len(data) * 8 // size
        if length == 0:
            raise ParseError("the bitstring holds no entry")
        status_list = cls.__new__(cls)
        status_list._status_size = size
        status_list._length = length
        status_list._bits = bytearray(data)
        return status_list

    @classmethod
    def decode(
        cls, encoded: str, *, status_size: int = 1, max_bytes: int = MAX_DECODED_BYTES
    ) -> StatusList:
        """Read an ``encodedList``: ``u`` + base64url (no padding) of the GZIP bitstring.

        Raises ParseError for a wrong prefix, bad base64url or bad GZIP, and
        ResourceLimitExceeded when the bitstring would exceed ``max_bytes``.
        """
        compressed = _multibase_decode(encoded)
        return cls.from_bytes(_gunzip(compressed, max_bytes), status_size=status_size)

    def encode(self) -> str:
        """The ``encodedList`` text; the same list always gives the same text."""
        return _MULTIBASE_BASE64URL + _base64url(_gzip(bytes(self._bits)))

    def to_bytes(self) -> bytes:
        """The uncompressed bitstring."""
        return bytes(self._bits)

    @property
    def length(self) -> int:
        """The number of entries."""
        return self._length

    @property
    def status_size(self) -> int:
        """The size of one entry, in bits."""
        return self._status_size

    def get(self, index: int) -> int:
        """The value of entry ``index`` (0 to ``2**status_size - 1``)."""
        first = self._first_bit(index)
        value = 0
        for position in range(first, first + self._status_size):
            bit = (self._bits[position >> 3] >> (7 - (position & 7))) & 1
            value = (value << 1) | bit
        return value

    def set(self, index: int, value: int) -> None:
        """Set entry ``index`` to ``value`` (0 to ``2**status_size - 1``)."""
        first = self._first_bit(index)
        if isinstance(value, bool) or not isinstance(value, int):
            raise InvalidInput("a status value must be an integer")
        if not 0 <= value < 1 << self._status_size:
            raise InvalidInput(
                f"a status value of {self._status_size} bit(s) is 0 to "
                f"{(1 << self._status_size) - 1}, not {value}"
            )
        for offset in range(self._status_size):
            position = first + offset
            mask = 0x80 >> (position & 7)
            if (value >> (self._status_size - 1 - offset)) & 1:
                self._bits[position >> 3] |= mask
            else:
                self._bits[position >> 3] &= ~mask & 0xFF

    def _first_bit(self, index: int) -> int:
        if isinstance(index, bool) or not isinstance(index, int):
            raise InvalidInput("a status list index must be an integer")
        if not 0 <= index < self._length:
            raise InvalidInput(f"index {index} is outside the list (0 to {self._length - 1})")
        return index * self._status_size

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, StatusList):
            return NotImplemented
        return (self._status_size, self._length, self._bits) == (
            other._status_size,
            other._length,
            other._bits,
        )

    __hash__ = None  # type: ignore[assignment]  # mutable

    def __repr__(self) -> str:
        return f"StatusList(length={self._length}, status_size={self._status_size})"


def _base64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _multibase_decode(encoded: object) -> bytes:
    """The bytes of a multibase base64url (no padding) text; ParseError otherwise."""
    if not isinstance(encoded, str) or not encoded.startswith(_MULTIBASE_BASE64URL):
        raise ParseError(
            "encodedList must be multibase base64url without padding (a text starting with 'u')"
        )
    text = encoded[1:]
    if not _BASE64URL.fullmatch(text) or len(text) % 4 == 1:
        raise ParseError("encodedList is not base64url without padding")
    try:
        data = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (binascii.Error, ValueError) as exc:
        raise ParseError(f"encodedList is not base64url: {exc}") from exc
    if _base64url(data) != text:
        raise ParseError("encodedList is not canonical base64url (stray bits at the end)")
    return data


def _gzip(data: bytes) -> bytes:
    """One GZIP member with a fixed header (mtime 0), so the same bits give the same text."""
    compressor = zlib.compressobj(9, zlib.DEFLATED, -zlib.MAX_WBITS)
    body = compressor.compress(data) + compressor.flush()
    trailer = (zlib.crc32(data) & 0xFFFFFFFF).to_bytes(4, "little") + (
        len(data) & 0xFFFFFFFF
    ).to_bytes(4, "little")
    return _GZIP_HEADER + body + trailer


def _gunzip(data: bytes, max_bytes: int) -> bytes:
    """Decompress GZIP ``data`` (one or more members), never holding more than
    ``max_bytes`` + 1 bytes of output: a bomb stops at the cap."""
    if not data:
        raise ParseError("encodedList holds no GZIP data")
    output = bytearray()
    rest = data
    while rest:
        decompressor = zlib.decompressobj(_GZIP_WBITS)
        try:
            output += decompressor.decompress(rest, max_bytes - len(output) + 1)
        except zlib.error as exc:
            raise ParseError(f"encodedList is not valid GZIP: {exc}") from exc
        if len(output) > max_bytes:
            raise ResourceLimitExceeded(
                f"the status list expands to more than {max_bytes} bytes; refused"
            )
        if not decompressor.eof:
            raise ParseError("encodedList is not valid GZIP: the data is truncated")
        rest = decompressor.unused_data
    return bytes(output)


# -- documents an issuer signs ----------------------------------------------------------------


def _check_text(value: object, what: str) -> str:
    if not isinstance(value, str) or not value:
        raise InvalidInput(f"{what} must be a non-empty string")
    return value


def _check_messages(
    messages: object, status_size: int, error: Callable[[str], Exception]
) -> list[dict[str, Any]]:
    """A copy of a ``statusMessage`` array after checking it fits ``status_size``.

    It needs ``2**status_size`` objects, each with a ``status`` ("0x" + hex) and a
    ``message`` string; every value from 0 to ``2**status_size - 1`` appears once.
    """
    count = 1 << status_size
    if isinstance(messages, str | bytes) or not isinstance(messages, Sequence):
        raise error("statusMessage must be an array")
    if len(messages) != count:
        raise error(
            f"statusMessage must have {count} elements for a statusSize of {status_size}, "
            f"not {len(messages)}"
        )
    seen: set[int] = set()
    copies: list[dict[str, Any]] = []
    for item in messages:
        if not isinstance(item, Mapping):
            raise error("each statusMessage element must be an object")
        status = item.get("status")
        if not isinstance(status, str) or not _HEX_STATUS.fullmatch(status):
            raise error(f"statusMessage status {status!r} is not '0x' and a hexadecimal value")
        value = int(status, 16)
        if value >= count or value in seen:
            raise error(f"statusMessage status {status!r} is out of range or repeated")
        if not isinstance(item.get("message"), str):
            raise error(f"statusMessage {status!r} has no message string")
        seen.add(value)
        copies.append(dict(item))
    return copies


def _utc_now_text() -> str:
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def status_list_credential(
    *,
    id: str,
    issuer: str,
    purpose: str = "revocation",
    length: int = MIN_LENGTH,
    status_size: int = 1,
    status_messages: Sequence[Mapping[str, str]] | None = None,
    valid_from: str | None = None,
    valid_until: str | None = None,
    list: StatusList | None = None,
) -> dict[str, Any]:
    """An unsigned VC 2.0 ``BitstringStatusListCredential`` published at ``id``.

    The list is ``list`` when given (its size wins over ``length`` / ``status_size``), else
    a new all-zero list. ``validFrom`` defaults to now (UTC, whole seconds). ``statusSize``
    is written when it is not 1 or the purpose is ``message``; ``status_messages`` (the
    ``statusMessage`` array) is required when ``statusSize`` > 1. Sign the result.
    """
    _check_text(id, "id")
    _check_text(issuer, "issuer")
    _check_text(purpose, "purpose")
    bitstring = list if list is not None else StatusList(length, status_size=status_size)
    size = bitstring.status_size
    subject: dict[str, Any] = {
        "id": id + "#list",
        "type": LIST_TYPE,
        "statusPurpose": purpose,
        "encodedList": bitstring.encode(),
    }
    if size > 1 or purpose == "message":
        subject["statusSize"] = size
    if status_messages is not None or size > 1:
        subject["statusMessage"] = _check_messages(status_messages, size, InvalidInput)
    credential: dict[str, Any] = {
        "@context": [VC_V2_CONTEXT],
        "id": id,
        "type": ["VerifiableCredential", LIST_CREDENTIAL_TYPE],
        "issuer": issuer,
        "validFrom": _check_time_text(valid_from, "valid_from") or _utc_now_text(),
    }
    if valid_until is not None:
        credential["validUntil"] = _check_time_text(valid_until, "valid_until")
    credential["credentialSubject"] = subject
    return credential


def _check_time_text(text: str | None, what: str) -> str | None:
    if text is not None and _parse_date_time(text) is None:
        raise InvalidInput(f"{what} {text!r} is not an RFC 3339 date-time with a time zone")
    return text


def status_entry(
    list_credential_id: str,
    index: int,
    *,
    purpose: str = "revocation",
    entry_id: str | None = None,
    status_size: int = 1,
    status_messages: Sequence[Mapping[str, str]] | None = None,
) -> dict[str, Any]:
    """A ``BitstringStatusListEntry`` for a credential's ``credentialStatus``.

    ``statusListIndex`` is written as a decimal string; ``id`` defaults to
    ``<list URL>#<index>`` (it must not be the list's URL). ``status_messages`` is required
    when ``status_size`` > 1 (the entry's ``statusMessage``).
    """
    _check_text(list_credential_id, "list_credential_id")
    _check_text(purpose, "purpose")
    if isinstance(index, bool) or not isinstance(index, int) or index < 0:
        raise InvalidInput("a status list index must be a non-negative integer")
    size = _check_status_size(status_size)
    identifier = _check_text(entry_id, "entry_id") if entry_id is not None else None
    if identifier == list_credential_id:
        raise InvalidInput("the entry id must not be the status list credential's URL")
    entry: dict[str, Any] = {
        "id": identifier or f"{list_credential_id}#{index}",
        "type": ENTRY_TYPE,
        "statusPurpose": purpose,
        "statusListIndex": str(index),
        "statusListCredential": list_credential_id,
    }
    if size > 1:
        entry["statusSize"] = size
    if status_messages is not None or size > 1:
        entry["statusMessage"] = _check_messages(status_messages, size, InvalidInput)
    return entry


def with_status(list_credential: Mapping[str, Any], index: int, value: int) -> dict[str, Any]:
    """A copy of ``list_credential`` with entry ``index`` set to ``value``.

    Any ``proof`` is dropped (the list must be signed again); ``validFrom`` is kept.
    """
    copy = _json_copy(list_credential, "the status list credential")
    copy.pop("proof", None)
    subject = _list_subject(copy)
    bitstring = _decode_list(subject, _list_status_size(subject))
    bitstring.set(index, value)
    subject["encodedList"] = bitstring.encode()
    return copy


# -- reading a status --------------------------------------------------------------------------


def _malformed(message: str, code: str = _MALFORMED) -> InvalidCredential:
    return InvalidCredential(message, code=code)


def _json_copy(value: Mapping[str, Any], what: str) -> dict[str, Any]:
    if not isinstance(value, Mapping):
        raise _malformed(f"{what} must be a JSON object")
    try:
        check_value(value, what=what)
    except ParseError as exc:
        raise _malformed(exc.message) from exc
    copy: dict[str, Any] = thaw(value)
    return copy


def _types(value: object) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, Sequence):
        return [item for item in value if isinstance(item, str)]
    return []


def _list_subject(list_credential: Mapping[str, Any]) -> Any:
    subject = list_credential.get("credentialSubject")
    if not isinstance(subject, Mapping):
        raise _malformed("the status list credential's credentialSubject must be one object")
    if LIST_TYPE not in _types(subject.get("type")):
        raise _malformed(f"credentialSubject.type of the status list must be {LIST_TYPE!r}")
    return subject


def _list_status_size(subject: Mapping[str, Any]) -> int:
    size = subject.get("statusSize", 1)
    try:
        return _check_status_size(size)
    except InvalidInput as exc:
        raise _malformed(f"credentialSubject.statusSize: {exc.message}") from exc


def _decode_list(subject: Mapping[str, Any], status_size: int) -> StatusList:
    encoded = subject.get("encodedList")
    if not isinstance(encoded, str):
        raise _malformed("credentialSubject.encodedList must be a string")
    try:
        return StatusList.decode(encoded, status_size=status_size)
    except ResourceLimitExceeded:
        raise
    except ParseError as exc:
        raise _malformed(f"credentialSubject.encodedList: {exc.message}") from exc


def _list_purposes(subject: Mapping[str, Any]) -> list[str]:
    purposes = subject.get("statusPurpose")
    listed = [purposes] if isinstance(purposes, str) else purposes
    if (
        not isinstance(listed, Sequence)
        or not listed
        or not all(isinstance(item, str) and item for item in listed)
    ):
        raise _malformed("credentialSubject.statusPurpose must be a string or strings")
    return [str(item) for item in listed]


def _check_list(list_credential: Mapping[str, Any]) -> Any:
    """The credentialSubject of a list credential whose shape is right."""
    if not isinstance(list_credential, Mapping):
        raise _malformed("the status list credential must be a JSON object")
    types = _types(list_credential.get("type"))
    if "VerifiableCredential" not in types or LIST_CREDENTIAL_TYPE not in types:
        raise _malformed(
            f"the status list credential's type must include 'VerifiableCredential' and "
            f"{LIST_CREDENTIAL_TYPE!r}"
        )
    if not isinstance(list_credential.get("id"), str):
        raise _malformed("the status list credential has no id (its URL)")
    return _list_subject(list_credential)


def _entry_index(entry: Mapping[str, Any]) -> int:
    text = entry.get("statusListIndex")
    if not isinstance(text, str) or not _DECIMAL.fullmatch(text):
        raise _malformed(
            f"statusListIndex must be a decimal integer in a string (no sign, no leading "
            f"zero), not {str(text)[:40]!r}"
        )
    return int(text)


def _entry_status_size(entry: Mapping[str, Any]) -> int:
    size = entry.get("statusSize", 1)
    try:
        checked = _check_status_size(size)
    except InvalidInput as exc:
        raise _malformed(f"statusSize: {exc.message}") from exc
    if checked > 1 and "statusMessage" not in entry:
        raise _malformed("statusMessage is required when statusSize is greater than 1")
    if "statusMessage" in entry:
        _check_messages(entry["statusMessage"], checked, _malformed)
    return checked


def _check_entry(entry: Mapping[str, Any]) -> tuple[str, int, str, int]:
    """(purpose, index, list URL, status size) of a well-formed status list entry."""
    if not isinstance(entry, Mapping):
        raise _malformed("a credentialStatus entry must be a JSON object")
    if ENTRY_TYPE not in _types(entry.get("type")):
        raise _malformed(f"the entry's type must be {ENTRY_TYPE!r}")
    purpose = entry.get("statusPurpose")
    if not isinstance(purpose, str) or not purpose:
        raise _malformed("statusPurpose must be a non-empty string")
    url = entry.get("statusListCredential")
    if not isinstance(url, str) or not url:
        raise _malformed("statusListCredential must be a URL string")
    if "id" in entry and (not isinstance(entry["id"], str) or entry["id"] == url):
        raise _malformed("the entry's id must be a string other than the status list's URL")
    return purpose, _entry_index(entry), url, _entry_status_size(entry)


def read_status(
    list_credential: Mapping[str, Any],
    entry: Mapping[str, Any],
    *,
    min_length: int = MIN_LENGTH,
) -> int:
    """The value of ``entry``'s position in ``list_credential`` (0 means "not set").

    Checks the entry (type, ``statusPurpose``, ``statusListIndex`` as a canonical decimal
    string, ``statusListCredential``, ``statusSize`` and ``statusMessage``), the list
    credential (types, ``id``, ``credentialSubject``), that both agree (the list's ``id`` is
    the entry's URL, the entry's purpose is one of the list's, the sizes match), that the
    list has at least ``min_length`` entries and that the index is inside it. Raises
    InvalidCredential naming the member; ResourceLimitExceeded for an oversized list.
    The signature and validity window of the list are the caller's (see check_status).
    """
    purpose, index, url, size = _check_entry(entry)
    subject = _check_list(list_credential)
    if list_credential["id"] != url:
        raise _malformed(
            f"the status list credential's id {str(list_credential['id'])[:200]!r} is not "
            f"the entry's statusListCredential {url[:200]!r}",
            _MISMATCH,
        )
    if purpose not in _list_purposes(subject):
        raise _malformed(
            f"the entry's statusPurpose {purpose!r} is not the status list's", _MISMATCH
        )
    if "statusSize" in subject and _list_status_size(subject) != size:
        raise _malformed("the entry's statusSize is not the status list's", _MISMATCH)
    bitstring = _decode_list(subject, size)
    if bitstring.length < min_length:
        raise _malformed(
            f"the status list has {bitstring.length} entries; at least {min_length} are required",
            _LENGTH_ERROR,
        )
    if index >= bitstring.length:
        raise _malformed(
            f"statusListIndex {index} is past the end of the list ({bitstring.length} entries)",
            _RANGE_ERROR,
        )
    return bitstring.get(index)


# -- time -----------------------------------------------------------------------------------------

_DATE_TIME = re.compile(
    r"(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?"
    r"(?:([Zz])|([+-])(\d{2}):(\d{2}))"
)


def _parse_date_time(text: object) -> datetime | None:
    """An RFC 3339 ``date-time`` (which must carry a time zone) as an aware datetime, or
    None. A leap second (``:60``) reads as ``:59``; fractions past microseconds are cut."""
    if not isinstance(text, str):
        return None
    match = _DATE_TIME.fullmatch(text)
    if match is None:
        return None
    year, month, day, hour, minute, second = (int(match.group(i)) for i in range(1, 7))
    fraction = (match.group(7) or "")[:6].ljust(6, "0")
    if match.group(8):
        offset = timedelta(0)
    else:
        hours, minutes = int(match.group(10)), int(match.group(11))
        if hours > 23 or minutes > 59:
            return None
        offset = timedelta(hours=hours, minutes=minutes)
        if match.group(9) == "-":
            offset = -offset
    if second == 60:
        second = 59
    try:
        return datetime(
            year, month, day, hour, minute, second, int(fraction), tzinfo=timezone(offset)
        )
    except ValueError:
        return None


def _check_window(list_credential: Mapping[str, Any], now: datetime) -> None:
    """Raise CredentialStatusError when ``now`` is outside the list's validity period."""
    for member in ("validFrom", "validUntil"):
        if member not in list_credential:
            continue
        moment = _parse_date_time(list_credential[member])
        if moment is None:
            raise _malformed(f"the status list credential's {member} is not a date-time")
        if member == "validFrom" and now < moment:
            raise CredentialStatusError(
                f"the status list is not valid before {list_credential[member]}",
                code="statusListNotYetValid",
            )
        if member == "validUntil" and now > moment:
            raise CredentialStatusError(
                f"the status list expired at {list_credential[member]}", code="statusListExpired"
            )


# -- fetching list credentials ---------------------------------------------------------------------


class StatusFetcher(Protocol):
    """Where status list credentials come from, by URL."""

    def fetch(self, url: str) -> Mapping[str, Any]:
        """The credential (parsed JSON) at ``url``; NotFound or ResolutionError when it
        cannot be had."""
        ...


class StaticFetcher:
    """Status list credentials from a mapping ``url -> credential`` (tests, or a registry
    of lists the application keeps)."""

    def __init__(self, credentials: Mapping[str, Mapping[str, Any]]) -> None:
        self._credentials = dict(credentials)

    def fetch(self, url: str) -> Mapping[str, Any]:
        """The credential stored for ``url``; NotFound when there is none."""
        try:
            return self._credentials[url]
        except KeyError:
            raise NotFound(f"no status list credential is known for {str(url)[:200]!r}") from None


_SAFE_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,254}")


class FileFetcher:
    """Status list credentials as JSON files in one directory.

    The file for a URL is ``names[url]`` when the caller gives that mapping (plain file
    names only: no separator, no ``..``), else the SHA-256 of the URL in hex plus
    ``.json`` (see :meth:`path_for`). The URL is never used as a path, so it cannot name
    a file outside ``directory``. Files are read up to ``max_bytes`` as strict JSON.
    """

    def __init__(
        self,
        directory: str | Path,
        *,
        names: Mapping[str, str] | None = None,
        max_bytes: int = 1 << 20,
    ) -> None:
        self.directory = Path(directory)
        self._names = dict(names or {})
        for name in self._names.values():
            if not isinstance(name, str) or not _SAFE_NAME.fullmatch(name) or ".." in name:
                raise InvalidInput(f"{str(name)[:100]!r} is not a plain file name")
        if max_bytes <= 0:
            raise InvalidInput("max_bytes must be positive")
        self._max_bytes = max_bytes

    def path_for(self, url: str) -> Path:
        """The file that holds the credential published at ``url``."""
        name = self._names.get(url)
        if name is None:
            name = hashlib.sha256(url.encode("utf-8")).hexdigest() + ".json"
        return self.directory / name

    def fetch(self, url: str) -> Mapping[str, Any]:
        """The credential in the file for ``url``; NotFound when there is no such file,
        ResolutionError when it cannot be read or is not a JSON object."""
        path = self.path_for(url)
        try:
            with path.open("rb") as handle:
                data = handle.read(self._max_bytes + 1)
        except FileNotFoundError as exc:
            raise NotFound(f"no status list file for {url[:200]!r} ({path.name})") from exc
        except (OSError, UnicodeError) as exc:
            raise ResolutionError(f"cannot read {path}: {exc}") from exc
        if len(data) > self._max_bytes:
            raise ResolutionError(f"{path} is larger than {self._max_bytes} bytes")
        return _json_object(data, str(path))


def _json_object(data: bytes, where: str) -> Mapping[str, Any]:
    try:
        value: JSONValue = loads_strict(data, what=where)
    except ParseError as exc:
        raise ResolutionError(exc.message) from exc
    if not isinstance(value, Mapping):
        raise ResolutionError(f"{where} does not hold a JSON object")
    return value


_ACCEPT = "application/vc, application/vc+ld+json;q=0.9, application/ld+json;q=0.8, " + (
    "application/json;q=0.7"
)


class HttpFetcher:
    """Status list credentials over HTTP(S), through :class:`bid.backends.http.HttpClient`.

    ``policy`` is the :class:`~bid.backends.http.HttpPolicy` of the resolver clients
    (default: public addresses only, no redirects, 1 MiB, 30 s in all); pass
    ``HttpPolicy(allow_private_networks=True)`` to reach a private or loopback address.
    A client passed in is used as is and not closed by :meth:`close`. Needs the ``http``
    extra (MissingExtra otherwise). Close it, or use it in a ``with`` block.
    """

    def __init__(
        self, policy: HttpPolicy | None = None, *, client: HttpClient | None = None
    ) -> None:
        if client is None:
            from .backends.http import HttpClient

            self._client = HttpClient(policy)
            self._owned = True
        else:
            self._client = client
            self._owned = False

    def fetch(self, url: str) -> Mapping[str, Any]:
        """GET ``url`` as strict JSON. 404 and 410 raise NotFound, any other answer but 200
        ResolutionError; so do refused addresses, redirects, timeouts and oversized bodies
        (HttpError)."""
        response = self._client.get(url, headers={"Accept": _ACCEPT})
        if response.status in (404, 410):
            raise NotFound(f"{response.url} answered {response.status}: no status list there")
        if response.status != 200:
            raise ResolutionError(f"{response.url} answered {response.status}, not 200")
        value = response.json()
        if not isinstance(value, Mapping):
            raise ResolutionError(f"{response.url} did not answer with a JSON object")
        return value

    def close(self) -> None:
        """Close the HTTP connections (of a client this fetcher made)."""
        if self._owned:
            self._client.close()

    def __enter__(self) -> HttpFetcher:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()


# -- checking a credential -------------------------------------------------------------------------


def _status_entries(credential: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    if not isinstance(credential, Mapping):
        raise _malformed("the credential must be a JSON object")
    status = credential.get("credentialStatus")
    if status is None:
        return []
    items = [status] if isinstance(status, Mapping) else status
    if isinstance(items, str | bytes) or not isinstance(items, Sequence):
        raise _malformed("credentialStatus must be an object or an array of objects")
    entries: list[Mapping[str, Any]] = []
    for item in items:
        if not isinstance(item, Mapping):
            raise _malformed("each credentialStatus entry must be an object")
        entries.append(item)
    return entries


def _message(entry: Mapping[str, Any], subject: Mapping[str, Any], value: int) -> str | None:
    """The ``statusMessage`` text for ``value`` (the entry's array, else the list's)."""
    messages = entry.get("statusMessage", subject.get("statusMessage"))
    if not isinstance(messages, Sequence):
        return None
    for item in messages:
        status = item.get("status") if isinstance(item, Mapping) else None
        if isinstance(status, str) and _HEX_STATUS.fullmatch(status) and int(status, 16) == value:
            message = item.get("message")
            return message if isinstance(message, str) else None
    return None


def _other_result(entry: Mapping[str, Any]) -> dict[str, Any]:
    types = _types(entry.get("type"))
    purpose = entry.get("statusPurpose")
    return {
        "type": types[0] if len(types) == 1 else types,
        "purpose": purpose if isinstance(purpose, str) else None,
        "index": None,
        "value": None,
        "list": None,
    }


def check_status(
    credential: Mapping[str, Any],
    fetcher: StatusFetcher,
    *,
    verify_list: Callable[[Mapping[str, Any]], None],
    now: datetime | None = None,
    min_length: int = MIN_LENGTH,
) -> list[dict[str, Any]]:
    """Check every ``BitstringStatusListEntry`` of ``credential``'s ``credentialStatus``.

    For each entry: fetch its list credential (once per URL), call ``verify_list`` on it
    (the caller checks its proof, and that its issuer is one it trusts for this
    credential; whatever it raises propagates), check the list's validity window at
    ``now`` (default: the current time), then :func:`read_status`. Returns one result per
    entry, in order: ``{"type", "purpose", "index", "value", "list"}`` (plus ``"message"``
    when a ``statusMessage`` names the value); entries of other types are not checked and
    come back with ``"value": None``.

    Raises CredentialStatusError with code ``revoked`` when a ``revocation`` entry is set,
    else ``suspended`` when a ``suspension`` entry is set (``refresh`` and ``message``
    entries are reported, not judged); InvalidCredential for malformed entries or lists;
    NotFound / ResolutionError from the fetcher.
    """
    moment = now if now is not None else datetime.now(timezone.utc)
    if moment.tzinfo is None:
        raise InvalidInput("now must be an aware datetime (with a time zone)")
    lists: dict[str, Mapping[str, Any]] = {}
    results: list[dict[str, Any]] = []
    for entry in _status_entries(credential):
        if ENTRY_TYPE not in _types(entry.get("type")):
            results.append(_other_result(entry))
            continue
        purpose, index, url, _size = _check_entry(entry)
        if url not in lists:
            list_credential = fetcher.fetch(url)
            verify_list(list_credential)
            _check_window(list_credential, moment)
            lists[url] = list_credential
        value = read_status(lists[url], entry, min_length=min_length)
        result: dict[str, Any] = {
            "type": ENTRY_TYPE,
            "purpose": purpose,
            "index": index,
            "value": value,
            "list": url,
        }
        message = _message(entry, lists[url].get("credentialSubject", {}), value)
        if message is not None:
            result["message"] = message
        results.append(result)
    _raise_if_set(results)
    return results


def _raise_if_set(results: Sequence[Mapping[str, Any]]) -> None:
    """Raise for a set revocation entry first, then for a set suspension entry."""
    for purpose, code in (("revocation", "revoked"), ("suspension", "suspended")):
        for result in results:
            if result["purpose"] == purpose and result["value"]:
                raise CredentialStatusError(
                    f"the credential is {code}: entry {result['index']} of {result['list']}",
                    code=code,
                )
