"""Bitstring Status List v1.0 (bid.status): the bitstring, the documents, and check_status.

The encoding facts come from the W3C Recommendation (2025-05-15): ``encodedList`` is ``u`` +
base64url (no padding) of the GZIP bitstring, index 0 is the left-most bit, lists have at
least 131,072 entries, ``statusListIndex`` is a decimal string, and ``statusMessage`` is
required when ``statusSize`` > 1. The all-zero example list is the specification's own.
"""

from __future__ import annotations

import base64
import gzip
import json
import time
import zlib
from collections.abc import Iterator, Mapping
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from _http_servers import LoopbackServer, Reply, Request, json_reply
from bid.backends.http import AddressNotAllowed, HttpPolicy
from bid.errors import (
    CredentialStatusError,
    HttpError,
    InvalidCredential,
    InvalidInput,
    NotFound,
    ParseError,
    ResolutionError,
    ResourceLimitExceeded,
)
from bid.status import (
    MIN_LENGTH,
    PURPOSES,
    FileFetcher,
    HttpFetcher,
    StaticFetcher,
    StatusFetcher,
    StatusList,
    check_status,
    read_status,
    status_entry,
    status_list_credential,
    with_status,
)

SPEC_ZERO_LIST = "uH4sIAAAAAAAAA-3BMQEAAADCoPVPbQwfoAAAAAAAAAAAAAAAAAAAAIC3AYbSVKsAQAAA"
LIST_URL = "https://example.com/credentials/status/3"
ISSUER = "did:example:12345"
NOW = datetime(2025, 6, 1, tzinfo=timezone.utc)
MESSAGES = [
    {"status": "0x0", "message": "pending_review"},
    {"status": "0x1", "message": "accepted"},
    {"status": "0x2", "message": "rejected"},
    {"status": "0x3", "message": "undefined"},
]
LOOPBACK = HttpPolicy(
    allow_private_networks=True,
    connect_timeout=2.0,
    read_timeout=2.0,
    total_timeout=5.0,
    retries=0,
)


def raw_bits(encoded: str) -> bytes:
    """The uncompressed bitstring of an encodedList, decoded with the standard library."""
    assert encoded.startswith("u")
    text = encoded[1:]
    return gzip.decompress(base64.urlsafe_b64decode(text + "=" * (-len(text) % 4)))


def encoded(data: bytes) -> str:
    return "u" + base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def list_credential(
    url: str = LIST_URL, *, purpose: str = "revocation", revoked: tuple[int, ...] = ()
) -> dict[str, Any]:
    bits = StatusList()
    for index in revoked:
        bits.set(index, 1)
    return status_list_credential(
        id=url, issuer=ISSUER, purpose=purpose, valid_from="2025-01-01T00:00:00Z", list=bits
    )


def credential(*entries: Mapping[str, Any]) -> dict[str, Any]:
    status: Any = entries[0] if len(entries) == 1 else list(entries)
    return {
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "type": ["VerifiableCredential"],
        "issuer": ISSUER,
        "credentialSubject": {"id": "did:example:6789"},
        "credentialStatus": status,
    }


def accept(list_credential: Mapping[str, Any]) -> None:
    """A verify_list that accepts every list."""


# -- the bitstring -----------------------------------------------------------------------------


@given(st.sets(st.integers(0, MIN_LENGTH - 1), max_size=40))
def test_round_trip_of_random_index_sets(indices: set[int]) -> None:
    bits = StatusList()
    for index in indices:
        bits.set(index, 1)
    decoded = StatusList.decode(bits.encode())
    assert decoded == bits
    assert decoded.length == MIN_LENGTH
    probes = indices | {0, MIN_LENGTH - 1, *(i + 1 for i in indices if i + 1 < MIN_LENGTH)}
    for index in probes:
        assert decoded.get(index) == (1 if index in indices else 0)


@given(
    st.sampled_from([2, 3, 4, 8]).flatmap(
        lambda size: st.tuples(
            st.just(size),
            st.dictionaries(st.integers(0, MIN_LENGTH - 1), st.integers(0, (1 << size) - 1)),
        )
    )
)
def test_round_trip_of_multi_bit_entries(case: tuple[int, dict[int, int]]) -> None:
    size, values = case
    bits = StatusList(status_size=size)
    for index, value in values.items():
        bits.set(index, value)
    decoded = StatusList.decode(bits.encode(), status_size=size)
    assert decoded == bits
    for index, value in values.items():
        assert decoded.get(index) == value


def test_index_zero_is_the_left_most_bit() -> None:
    bits = StatusList()
    bits.set(0, 1)
    raw = raw_bits(bits.encode())
    assert len(raw) == 16384
    assert raw[0] == 0x80
    assert raw[1:] == bytes(16383)


@pytest.mark.parametrize(
    ("index", "byte", "value"),
    [(1, 0, 0x40), (7, 0, 0x01), (8, 1, 0x80), (MIN_LENGTH - 1, 16383, 0x01)],
)
def test_bit_positions(index: int, byte: int, value: int) -> None:
    bits = StatusList()
    bits.set(index, 1)
    raw = raw_bits(bits.encode())
    assert raw[byte] == value
    assert sum(raw) == value


def test_multi_bit_entries_are_most_significant_bit_first() -> None:
    bits = StatusList(status_size=2)
    assert bits.length == MIN_LENGTH
    bits.set(0, 2)
    bits.set(1, 3)
    bits.set(3, 1)
    raw = raw_bits(bits.encode())
    assert len(raw) == 2 * 16384
    assert raw[0] == 0b10_11_00_01
    bits.set(1, 0)
    assert bits.get(0) == 2
    assert bits.get(1) == 0
    assert bits.to_bytes()[0] == 0b10_00_00_01


def test_the_specification_example_list_is_all_zeros() -> None:
    bits = StatusList.decode(SPEC_ZERO_LIST)
    assert bits.length == MIN_LENGTH
    assert bits.to_bytes() == bytes(16384)
    assert bits == StatusList()


@pytest.mark.skipif("ng" in zlib.ZLIB_RUNTIME_VERSION, reason="zlib-ng deflates differently")
def test_encoding_matches_the_specification_example() -> None:
    assert StatusList().encode() == SPEC_ZERO_LIST


def test_encoding_is_deterministic() -> None:
    one, two = StatusList(), StatusList()
    one.set(42, 1)
    two.set(42, 1)
    text = one.encode()
    assert text == two.encode()
    assert base64.urlsafe_b64decode(text[1:] + "==")[4:8] == bytes(4)  # mtime 0
    assert "=" not in text


def test_decoding_is_lenient_about_length() -> None:
    short = StatusList.decode(encoded(gzip.compress(b"\x80\x00")))
    assert short.length == 16
    assert short.get(0) == 1
    assert StatusList.decode(encoded(gzip.compress(bytes(3))), status_size=3).length == 8


def test_multi_member_gzip_is_read() -> None:
    data = gzip.compress(b"\x80") + gzip.compress(b"\x01")
    assert StatusList.decode(encoded(data)).to_bytes() == b"\x80\x01"


def _gzip_of_zeros(total: int) -> bytes:
    compressor = zlib.compressobj(9, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    block = bytes(1 << 20)
    parts = [compressor.compress(block) for _ in range(total // len(block))]
    return b"".join(parts) + compressor.flush()


def test_gzip_bomb_is_refused_quickly() -> None:
    bomb = encoded(_gzip_of_zeros(100 << 20))
    assert len(bomb) < 200_000
    started = time.monotonic()
    with pytest.raises(ResourceLimitExceeded):
        StatusList.decode(bomb)
    assert time.monotonic() - started < 2.0


def test_decompression_cap_is_configurable() -> None:
    text = StatusList().encode()
    with pytest.raises(ResourceLimitExceeded):
        StatusList.decode(text, max_bytes=16383)
    assert StatusList.decode(text, max_bytes=16384).length == MIN_LENGTH


GOOD_BODY = StatusList().encode()[1:]


@pytest.mark.parametrize(
    "text",
    [
        "",
        "z" + GOOD_BODY,
        "U" + GOOD_BODY,
        GOOD_BODY,
        "u",
        "u!!!!",
        "uA",
        "u" + GOOD_BODY + "==",
        "u" + base64.b64encode(gzip.compress(b"\xff" * 100)).decode().rstrip("="),
        "uAB",  # stray bits: "AB" is not the canonical text of its one byte ("AA")
        encoded(b"not gzip at all"),
        encoded(gzip.compress(bytes(16384))[:-12]),
        encoded(gzip.compress(bytes(16384)) + b"trailing"),
        encoded(gzip.compress(b"")),
        encoded(gzip.compress(bytes(16384))[:-4] + b"\x00\x00\x00\x00"),
    ],
)
def test_bad_encodings_are_parse_errors(text: str) -> None:
    with pytest.raises(ParseError):
        StatusList.decode(text)


def test_non_string_encoding_is_a_parse_error() -> None:
    with pytest.raises(ParseError):
        StatusList.decode(b"uAAAA")  # type: ignore[arg-type]


def test_new_lists_respect_the_minimum() -> None:
    with pytest.raises(InvalidInput, match="131072"):
        StatusList(MIN_LENGTH - 1)
    assert StatusList(8, min_length=8).to_bytes() == b"\x00"
    assert len(StatusList(9, min_length=8).to_bytes()) == 2
    assert len(StatusList(MIN_LENGTH, status_size=3).to_bytes()) == 3 * 16384
    with pytest.raises(InvalidInput):
        StatusList(8, min_length=0)


@pytest.mark.parametrize("size", [0, 9, -1, True, 1.0, "1"])
def test_status_size_must_be_one_to_eight(size: Any) -> None:
    with pytest.raises(InvalidInput):
        StatusList(status_size=size)
    with pytest.raises(InvalidInput):
        StatusList.decode(SPEC_ZERO_LIST, status_size=size)


@pytest.mark.parametrize("index", [-1, MIN_LENGTH, True, 1.0, "3"])
def test_index_bounds(index: Any) -> None:
    bits = StatusList()
    with pytest.raises(InvalidInput):
        bits.get(index)
    with pytest.raises(InvalidInput):
        bits.set(index, 1)


@pytest.mark.parametrize(("size", "value"), [(1, 2), (1, -1), (2, 4), (1, True), (1, "1")])
def test_values_must_fit_the_entry(size: int, value: Any) -> None:
    with pytest.raises(InvalidInput):
        StatusList(status_size=size).set(5, value)


def test_lists_compare_by_content() -> None:
    assert StatusList() == StatusList()
    assert StatusList() != StatusList(status_size=2)
    assert StatusList().__eq__("x") is NotImplemented
    assert "131072" in repr(StatusList())


# -- documents --------------------------------------------------------------------------------


def test_status_list_credential_shape() -> None:
    document = status_list_credential(id=LIST_URL, issuer=ISSUER, valid_from="2021-04-05T14:27:40Z")
    assert document == {
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "id": LIST_URL,
        "type": ["VerifiableCredential", "BitstringStatusListCredential"],
        "issuer": ISSUER,
        "validFrom": "2021-04-05T14:27:40Z",
        "credentialSubject": {
            "id": LIST_URL + "#list",
            "type": "BitstringStatusList",
            "statusPurpose": "revocation",
            "encodedList": StatusList().encode(),
        },
    }
    json.dumps(document)


def test_status_list_credential_defaults_valid_from_to_now() -> None:
    document = status_list_credential(
        id=LIST_URL, issuer=ISSUER, valid_until="2030-01-01T00:00:00Z"
    )
    moment = datetime.strptime(document["validFrom"], "%Y-%m-%dT%H:%M:%SZ")
    assert (
        abs(moment.replace(tzinfo=timezone.utc) - datetime.now(timezone.utc)).total_seconds() < 60
    )
    assert document["validUntil"] == "2030-01-01T00:00:00Z"


def test_status_list_credential_with_status_size_two() -> None:
    document = status_list_credential(
        id=LIST_URL,
        issuer=ISSUER,
        purpose="message",
        status_size=2,
        status_messages=MESSAGES,
        valid_from="2025-01-01T00:00:00Z",
    )
    subject = document["credentialSubject"]
    assert subject["statusSize"] == 2
    assert subject["statusMessage"] == MESSAGES
    assert StatusList.decode(subject["encodedList"], status_size=2).length == MIN_LENGTH
    with pytest.raises(InvalidInput, match="statusMessage"):
        status_list_credential(id=LIST_URL, issuer=ISSUER, status_size=2)
    with pytest.raises(InvalidInput, match="4 elements"):
        status_list_credential(
            id=LIST_URL, issuer=ISSUER, status_size=2, status_messages=MESSAGES[:2]
        )


def test_message_purpose_always_writes_status_size() -> None:
    document = status_list_credential(id=LIST_URL, issuer=ISSUER, purpose="message")
    assert document["credentialSubject"]["statusSize"] == 1


@pytest.mark.parametrize(
    "messages",
    [
        "0x0",
        [{"status": "0x0", "message": "a"}, {"status": "0x0", "message": "b"}],
        [{"status": "0x0", "message": "a"}, {"status": "0x2", "message": "b"}],
        [{"status": "1", "message": "a"}, {"status": "0x0", "message": "b"}],
        [{"status": "0x0", "message": "a"}, {"status": "0x1"}],
        [{"status": "0x0", "message": "a"}, "0x1"],
    ],
)
def test_bad_status_messages(messages: Any) -> None:
    with pytest.raises(InvalidInput):
        status_list_credential(id=LIST_URL, issuer=ISSUER, status_messages=messages)


@pytest.mark.parametrize(
    "arguments",
    [
        {"id": ""},
        {"issuer": 5},
        {"purpose": ""},
        {"valid_from": "2021-04-05"},
        {"valid_from": "2021-04-05T14:27:40"},
        {"valid_until": "yesterday"},
        {"length": 100},
    ],
)
def test_status_list_credential_refuses_bad_arguments(arguments: dict[str, Any]) -> None:
    base: dict[str, Any] = {"id": LIST_URL, "issuer": ISSUER}
    with pytest.raises(InvalidInput):
        status_list_credential(**(base | arguments))


def test_status_entry_shape() -> None:
    assert status_entry(LIST_URL, 94567) == {
        "id": LIST_URL + "#94567",
        "type": "BitstringStatusListEntry",
        "statusPurpose": "revocation",
        "statusListIndex": "94567",
        "statusListCredential": LIST_URL,
    }
    entry = status_entry(
        LIST_URL,
        7,
        purpose="message",
        entry_id="urn:uuid:1",
        status_size=2,
        status_messages=MESSAGES,
    )
    assert entry["id"] == "urn:uuid:1"
    assert entry["statusSize"] == 2
    assert entry["statusMessage"] == MESSAGES
    assert PURPOSES == ("revocation", "suspension", "refresh", "message")


@pytest.mark.parametrize(
    ("args", "kwargs"),
    [
        ((LIST_URL, -1), {}),
        ((LIST_URL, True), {}),
        ((LIST_URL, "5"), {}),
        (("", 5), {}),
        ((LIST_URL, 5), {"purpose": ""}),
        ((LIST_URL, 5), {"status_size": 2}),
        ((LIST_URL, 5), {"status_size": 9}),
        ((LIST_URL, 5), {"entry_id": LIST_URL}),
        ((LIST_URL, 5), {"entry_id": ""}),
    ],
)
def test_status_entry_refuses_bad_arguments(args: tuple[Any, ...], kwargs: dict[str, Any]) -> None:
    with pytest.raises(InvalidInput):
        status_entry(*args, **kwargs)


def test_with_status_sets_the_entry_and_drops_the_proof() -> None:
    signed = list_credential() | {"proof": {"type": "DataIntegrityProof"}}
    updated = with_status(signed, 94567, 1)
    assert "proof" not in updated
    assert "proof" in signed
    assert updated["validFrom"] == signed["validFrom"]
    assert read_status(updated, status_entry(LIST_URL, 94567)) == 1
    assert read_status(signed, status_entry(LIST_URL, 94567)) == 0
    cleared = with_status(updated, 94567, 0)
    assert cleared["credentialSubject"]["encodedList"] == StatusList().encode()


def test_with_status_on_a_two_bit_list() -> None:
    document = status_list_credential(
        id=LIST_URL, issuer=ISSUER, status_size=2, status_messages=MESSAGES
    )
    updated = with_status(document, 3, 2)
    entry = status_entry(LIST_URL, 3, status_size=2, status_messages=MESSAGES)
    assert read_status(updated, entry) == 2


@pytest.mark.parametrize(
    "document",
    [
        {"credentialSubject": "x"},
        {"credentialSubject": {"type": "Other", "encodedList": SPEC_ZERO_LIST}},
        {"credentialSubject": {"type": "BitstringStatusList", "encodedList": 5}},
        {"credentialSubject": {"type": "BitstringStatusList", "encodedList": "zzz"}},
    ],
)
def test_with_status_refuses_malformed_lists(document: dict[str, Any]) -> None:
    with pytest.raises(InvalidCredential):
        with_status(document, 0, 1)


def test_with_status_refuses_bad_indexes() -> None:
    with pytest.raises(InvalidInput):
        with_status(list_credential(), MIN_LENGTH, 1)


# -- read_status -------------------------------------------------------------------------------


def test_read_status_reads_the_entry() -> None:
    document = list_credential(revoked=(94567,))
    assert read_status(document, status_entry(LIST_URL, 94567)) == 1
    assert read_status(document, status_entry(LIST_URL, 94566)) == 0


def test_read_status_accepts_a_list_of_purposes() -> None:
    document = list_credential(revoked=(5,))
    document["credentialSubject"]["statusPurpose"] = ["revocation", "suspension"]
    assert read_status(document, status_entry(LIST_URL, 5, purpose="suspension")) == 1


def _entry_with(**changes: Any) -> dict[str, Any]:
    entry = status_entry(LIST_URL, 5)
    for key, value in changes.items():
        if value is None:
            entry.pop(key)
        else:
            entry[key] = value
    return entry


@pytest.mark.parametrize(
    ("entry", "member", "code"),
    [
        ("not an object", "object", "MALFORMED_VALUE_ERROR"),
        (_entry_with(type="StatusList2021Entry"), "type", "MALFORMED_VALUE_ERROR"),
        (_entry_with(statusPurpose=None), "statusPurpose", "MALFORMED_VALUE_ERROR"),
        (_entry_with(statusPurpose=1), "statusPurpose", "MALFORMED_VALUE_ERROR"),
        (_entry_with(statusListIndex=5), "statusListIndex", "MALFORMED_VALUE_ERROR"),
        (_entry_with(statusListIndex="05"), "statusListIndex", "MALFORMED_VALUE_ERROR"),
        (_entry_with(statusListIndex="-1"), "statusListIndex", "MALFORMED_VALUE_ERROR"),
        (_entry_with(statusListIndex="+1"), "statusListIndex", "MALFORMED_VALUE_ERROR"),
        (_entry_with(statusListIndex=" 1"), "statusListIndex", "MALFORMED_VALUE_ERROR"),
        (_entry_with(statusListIndex="1.0"), "statusListIndex", "MALFORMED_VALUE_ERROR"),
        (_entry_with(statusListIndex="1" * 30), "statusListIndex", "MALFORMED_VALUE_ERROR"),
        (_entry_with(statusListIndex=None), "statusListIndex", "MALFORMED_VALUE_ERROR"),
        (_entry_with(statusListIndex="131072"), "statusListIndex", "RANGE_ERROR"),
        (_entry_with(statusListCredential=None), "statusListCredential", "MALFORMED_VALUE_ERROR"),
        (
            _entry_with(statusListCredential="https://example.com/other"),
            "statusListCredential",
            "STATUS_VERIFICATION_ERROR",
        ),
        (_entry_with(statusPurpose="suspension"), "statusPurpose", "STATUS_VERIFICATION_ERROR"),
        (_entry_with(statusSize=0), "statusSize", "MALFORMED_VALUE_ERROR"),
        (_entry_with(statusSize="1"), "statusSize", "MALFORMED_VALUE_ERROR"),
        (_entry_with(statusSize=2), "statusMessage", "MALFORMED_VALUE_ERROR"),
        (
            _entry_with(statusSize=2, statusMessage=MESSAGES[:3]),
            "statusMessage",
            "MALFORMED_VALUE_ERROR",
        ),
        (
            _entry_with(statusSize=2, statusMessage=MESSAGES),
            "statusSize",
            "STATUS_VERIFICATION_ERROR",
        ),
        (_entry_with(id=LIST_URL), "id", "MALFORMED_VALUE_ERROR"),
        (_entry_with(id=5), "id", "MALFORMED_VALUE_ERROR"),
    ],
)
def test_read_status_entry_shape_errors(entry: Any, member: str, code: str) -> None:
    document = list_credential()
    document["credentialSubject"]["statusSize"] = 1
    with pytest.raises(InvalidCredential, match=member) as caught:
        read_status(document, entry)
    assert caught.value.code == code


def _list_with(path: tuple[str, ...], value: Any) -> dict[str, Any]:
    document = list_credential()
    target: Any = document
    for key in path[:-1]:
        target = target[key]
    if value is None:
        target.pop(path[-1])
    else:
        target[path[-1]] = value
    return document


@pytest.mark.parametrize(
    ("document", "member", "code"),
    [
        ("not an object", "object", "MALFORMED_VALUE_ERROR"),
        (_list_with(("type",), ["VerifiableCredential"]), "type", "MALFORMED_VALUE_ERROR"),
        (_list_with(("type",), None), "type", "MALFORMED_VALUE_ERROR"),
        (_list_with(("id",), None), "id", "MALFORMED_VALUE_ERROR"),
        (_list_with(("credentialSubject",), [{}]), "credentialSubject", "MALFORMED_VALUE_ERROR"),
        (
            _list_with(("credentialSubject", "type"), "StatusList2021"),
            "credentialSubject.type",
            "MALFORMED_VALUE_ERROR",
        ),
        (
            _list_with(("credentialSubject", "statusPurpose"), None),
            "statusPurpose",
            "MALFORMED_VALUE_ERROR",
        ),
        (
            _list_with(("credentialSubject", "statusPurpose"), []),
            "statusPurpose",
            "MALFORMED_VALUE_ERROR",
        ),
        (
            _list_with(("credentialSubject", "encodedList"), None),
            "encodedList",
            "MALFORMED_VALUE_ERROR",
        ),
        (
            _list_with(("credentialSubject", "encodedList"), "uAAAA"),
            "encodedList",
            "MALFORMED_VALUE_ERROR",
        ),
        (
            _list_with(("credentialSubject", "statusSize"), 9),
            "statusSize",
            "MALFORMED_VALUE_ERROR",
        ),
        (
            _list_with(("credentialSubject", "encodedList"), encoded(gzip.compress(bytes(1024)))),
            "8192 entries",
            "STATUS_LIST_LENGTH_ERROR",
        ),
    ],
)
def test_read_status_list_shape_errors(document: Any, member: str, code: str) -> None:
    with pytest.raises(InvalidCredential, match=member) as caught:
        read_status(document, status_entry(LIST_URL, 5))
    assert caught.value.code == code


def test_read_status_minimum_length_is_configurable() -> None:
    document = _list_with(("credentialSubject", "encodedList"), encoded(gzip.compress(b"\x04")))
    assert read_status(document, status_entry(LIST_URL, 5), min_length=8) == 1


def test_read_status_with_status_size_two() -> None:
    bits = StatusList(4 * MIN_LENGTH, status_size=2)  # the specification's example index fits
    bits.set(492847, 3)
    document = status_list_credential(
        id=LIST_URL,
        issuer=ISSUER,
        purpose="message",
        status_size=2,
        status_messages=MESSAGES,
        valid_from="2025-01-01T00:00:00Z",
        list=bits,
    )

    def entry(index: int) -> dict[str, Any]:
        return status_entry(
            LIST_URL, index, purpose="message", status_size=2, status_messages=MESSAGES
        )

    assert read_status(document, entry(492847)) == 3
    assert read_status(document, entry(492846)) == 0
    with pytest.raises(InvalidCredential, match="past the end") as caught:
        read_status(document, entry(4 * MIN_LENGTH))
    assert caught.value.code == "RANGE_ERROR"
    results = check_status(
        credential(entry(492847)), StaticFetcher({LIST_URL: document}), verify_list=accept, now=NOW
    )
    assert results[0]["message"] == "undefined"


def test_read_status_refuses_a_gzip_bomb() -> None:
    document = _list_with(("credentialSubject", "encodedList"), encoded(_gzip_of_zeros(40 << 20)))
    with pytest.raises(ResourceLimitExceeded):
        read_status(document, status_entry(LIST_URL, 5))


# -- check_status -------------------------------------------------------------------------------


def test_check_status_valid() -> None:
    fetcher = StaticFetcher({LIST_URL: list_credential(revoked=(1,))})
    results = check_status(
        credential(status_entry(LIST_URL, 94567)), fetcher, verify_list=accept, now=NOW
    )
    assert results == [
        {
            "type": "BitstringStatusListEntry",
            "purpose": "revocation",
            "index": 94567,
            "value": 0,
            "list": LIST_URL,
        }
    ]


def test_check_status_revoked() -> None:
    fetcher = StaticFetcher({LIST_URL: list_credential(revoked=(94567,))})
    with pytest.raises(CredentialStatusError, match="revoked") as caught:
        check_status(
            credential(status_entry(LIST_URL, 94567)), fetcher, verify_list=accept, now=NOW
        )
    assert caught.value.code == "revoked"


def test_check_status_suspended() -> None:
    url = "https://example.com/credentials/status/4"
    fetcher = StaticFetcher({url: list_credential(url, purpose="suspension", revoked=(23452,))})
    entry = status_entry(url, 23452, purpose="suspension")
    with pytest.raises(CredentialStatusError) as caught:
        check_status(credential(entry), fetcher, verify_list=accept, now=NOW)
    assert caught.value.code == "suspended"


def test_revocation_wins_over_suspension() -> None:
    suspension_url = "https://example.com/credentials/status/4"
    fetcher = StaticFetcher(
        {
            LIST_URL: list_credential(revoked=(9,)),
            suspension_url: list_credential(suspension_url, purpose="suspension", revoked=(3,)),
        }
    )
    document = credential(
        status_entry(suspension_url, 3, purpose="suspension"), status_entry(LIST_URL, 9)
    )
    with pytest.raises(CredentialStatusError) as caught:
        check_status(document, fetcher, verify_list=accept, now=NOW)
    assert caught.value.code == "revoked"


def test_refresh_and_message_entries_are_reported_not_judged() -> None:
    refresh_url = "https://example.com/status/refresh"
    message_url = "https://example.com/status/message"
    bits = StatusList(status_size=2)
    bits.set(7, 2)
    fetcher = StaticFetcher(
        {
            refresh_url: list_credential(refresh_url, purpose="refresh", revoked=(1,)),
            message_url: status_list_credential(
                id=message_url,
                issuer=ISSUER,
                purpose="message",
                status_size=2,
                status_messages=MESSAGES,
                valid_from="2025-01-01T00:00:00Z",
                list=bits,
            ),
        }
    )
    document = credential(
        status_entry(refresh_url, 1, purpose="refresh"),
        status_entry(message_url, 7, purpose="message", status_size=2, status_messages=MESSAGES),
        {"type": "TerseBitstringStatusListEntry", "terseStatusListIndex": 5},
    )
    results = check_status(document, fetcher, verify_list=accept, now=NOW)
    assert [r["value"] for r in results] == [1, 2, None]
    assert results[1]["message"] == "rejected"
    assert results[2] == {
        "type": "TerseBitstringStatusListEntry",
        "purpose": None,
        "index": None,
        "value": None,
        "list": None,
    }


def test_verify_list_is_called_once_per_list_and_its_error_propagates() -> None:
    document = list_credential(revoked=(2,))
    seen: list[Mapping[str, Any]] = []

    def record(list_credential: Mapping[str, Any]) -> None:
        seen.append(list_credential)

    two_entries = credential(status_entry(LIST_URL, 1), status_entry(LIST_URL, 3))
    check_status(two_entries, StaticFetcher({LIST_URL: document}), verify_list=record, now=NOW)
    assert seen == [document]

    class BadProof(Exception):
        pass

    def refuse(list_credential: Mapping[str, Any]) -> None:
        raise BadProof("the list's proof does not verify")

    with pytest.raises(BadProof):
        check_status(two_entries, StaticFetcher({LIST_URL: document}), verify_list=refuse)


def test_check_status_without_status() -> None:
    document = credential(status_entry(LIST_URL, 1))
    del document["credentialStatus"]
    assert check_status(document, StaticFetcher({}), verify_list=accept) == []


@pytest.mark.parametrize("status", ["x", 5, [5], ["x"]])
def test_check_status_refuses_malformed_credential_status(status: Any) -> None:
    document = credential(status_entry(LIST_URL, 1))
    document["credentialStatus"] = status
    with pytest.raises(InvalidCredential, match="credentialStatus"):
        check_status(document, StaticFetcher({}), verify_list=accept)


def test_check_status_refuses_a_malformed_entry_before_fetching() -> None:
    class Never:
        def fetch(self, url: str) -> Mapping[str, Any]:
            raise AssertionError("fetched")

    entry = _entry_with(statusListIndex="x")
    with pytest.raises(InvalidCredential, match="statusListIndex"):
        check_status(credential(entry), Never(), verify_list=accept)


def test_check_status_unknown_list_is_not_found() -> None:
    with pytest.raises(NotFound):
        check_status(credential(status_entry(LIST_URL, 1)), StaticFetcher({}), verify_list=accept)


@pytest.mark.parametrize(
    ("window", "code"),
    [
        ({"validUntil": "2025-05-31T23:59:59Z"}, "statusListExpired"),
        ({"validFrom": "2025-06-01T00:00:01Z"}, "statusListNotYetValid"),
        ({"validFrom": "2025-06-01T01:59:59+02:00"}, None),
        ({"validUntil": "2025-06-01T00:00:00Z"}, None),
    ],
)
def test_list_validity_window(window: dict[str, str], code: str | None) -> None:
    document = list_credential() | window
    fetcher = StaticFetcher({LIST_URL: document})
    entry = credential(status_entry(LIST_URL, 1))
    if code is None:
        assert check_status(entry, fetcher, verify_list=accept, now=NOW)[0]["value"] == 0
        return
    with pytest.raises(CredentialStatusError) as caught:
        check_status(entry, fetcher, verify_list=accept, now=NOW)
    assert caught.value.code == code


@pytest.mark.parametrize("member", ["validFrom", "validUntil"])
def test_list_validity_dates_must_parse(member: str) -> None:
    fetcher = StaticFetcher({LIST_URL: list_credential() | {member: "2025-13-01T00:00:00Z"}})
    with pytest.raises(InvalidCredential, match=member):
        check_status(credential(status_entry(LIST_URL, 1)), fetcher, verify_list=accept, now=NOW)


def test_check_status_needs_an_aware_now() -> None:
    with pytest.raises(InvalidInput):
        check_status(
            credential(status_entry(LIST_URL, 1)),
            StaticFetcher({}),
            verify_list=accept,
            now=datetime(2025, 1, 1),
        )


def test_fetchers_satisfy_the_protocol() -> None:
    fetchers: list[StatusFetcher] = [StaticFetcher({}), FileFetcher(".")]
    assert len(fetchers) == 2


# -- FileFetcher ----------------------------------------------------------------------------------


def _write(path: Path, value: Any) -> None:
    path.write_text(json.dumps(value), encoding="utf-8")


def test_file_fetcher_by_hashed_name(tmp_path: Path) -> None:
    fetcher = FileFetcher(tmp_path)
    path = fetcher.path_for(LIST_URL)
    assert path.parent == tmp_path
    assert path.name.endswith(".json")
    assert len(path.name) == 64 + 5
    _write(path, list_credential(revoked=(94567,)))
    with pytest.raises(CredentialStatusError) as caught:
        check_status(
            credential(status_entry(LIST_URL, 94567)), fetcher, verify_list=accept, now=NOW
        )
    assert caught.value.code == "revoked"
    results = check_status(
        credential(status_entry(LIST_URL, 1)), fetcher, verify_list=accept, now=NOW
    )
    assert results[0]["value"] == 0


def test_file_fetcher_by_given_names(tmp_path: Path) -> None:
    fetcher = FileFetcher(str(tmp_path), names={LIST_URL: "list-3.json"})
    assert fetcher.path_for(LIST_URL) == tmp_path / "list-3.json"
    _write(tmp_path / "list-3.json", list_credential())
    assert fetcher.fetch(LIST_URL)["id"] == LIST_URL


@pytest.mark.parametrize(
    "name", ["../x.json", "/etc/passwd", "a/b.json", "..", ".hidden", "", "a\\b"]
)
def test_file_fetcher_refuses_unsafe_names(tmp_path: Path, name: str) -> None:
    with pytest.raises(InvalidInput):
        FileFetcher(tmp_path, names={LIST_URL: name})


def test_file_fetcher_never_uses_the_url_as_a_path(tmp_path: Path) -> None:
    inside = tmp_path / "lists"
    inside.mkdir()
    _write(tmp_path / "secret.json", {"secret": True})
    fetcher = FileFetcher(inside)
    for url in ("../secret.json", "file:///" + str(tmp_path / "secret.json"), str(tmp_path)):
        assert fetcher.path_for(url).parent == inside
        with pytest.raises(NotFound):
            fetcher.fetch(url)


def test_file_fetcher_failures(tmp_path: Path) -> None:
    fetcher = FileFetcher(tmp_path, max_bytes=100)
    with pytest.raises(NotFound):
        fetcher.fetch(LIST_URL)
    path = fetcher.path_for(LIST_URL)
    path.write_text('{"a": 1, "a": 2}', encoding="utf-8")
    with pytest.raises(ResolutionError, match="twice"):
        fetcher.fetch(LIST_URL)
    path.write_text("[1, 2]", encoding="utf-8")
    with pytest.raises(ResolutionError, match="object"):
        fetcher.fetch(LIST_URL)
    path.write_bytes(b"\xff\xfe")
    with pytest.raises(ResolutionError):
        fetcher.fetch(LIST_URL)
    path.write_text(json.dumps({"x": "y" * 200}), encoding="utf-8")
    with pytest.raises(ResolutionError, match="larger"):
        fetcher.fetch(LIST_URL)
    path.unlink()
    path.mkdir()
    with pytest.raises(ResolutionError):
        fetcher.fetch(LIST_URL)
    with pytest.raises(InvalidInput):
        FileFetcher(tmp_path, max_bytes=0)


# -- HttpFetcher -----------------------------------------------------------------------------------


@pytest.fixture
def list_server() -> Iterator[LoopbackServer]:
    documents: dict[str, dict[str, Any]] = {}

    def answer(request: Request) -> Reply:
        if request.path == "/gone":
            return json_reply({}, status=410)
        if request.path == "/broken":
            return json_reply({"error": "x"}, status=500)
        if request.path == "/array":
            return json_reply([1, 2])
        if request.path == "/bad-json":
            return Reply(200, b'{"a": NaN}')
        document = documents.get(request.path)
        return json_reply(document) if document is not None else json_reply({}, status=404)

    with LoopbackServer(answer) as server:
        url = server.url + "/status/3"
        documents["/status/3"] = list_credential(url, revoked=(94567,))
        yield server


def test_http_fetcher_against_a_loopback_server(list_server: LoopbackServer) -> None:
    url = list_server.url + "/status/3"
    with HttpFetcher(LOOPBACK) as fetcher:
        with pytest.raises(CredentialStatusError) as caught:
            check_status(credential(status_entry(url, 94567)), fetcher, verify_list=accept, now=NOW)
        assert caught.value.code == "revoked"
        results = check_status(
            credential(status_entry(url, 3)), fetcher, verify_list=accept, now=NOW
        )
        assert results[0]["value"] == 0
    assert list_server.paths == ["/status/3", "/status/3"]
    assert "application/vc" in list_server.requests[0].headers["accept"]


@pytest.mark.parametrize(
    ("path", "error"),
    [
        ("/missing", NotFound),
        ("/gone", NotFound),
        ("/broken", ResolutionError),
        ("/array", ResolutionError),
        ("/bad-json", HttpError),
    ],
)
def test_http_fetcher_failures(
    list_server: LoopbackServer, path: str, error: type[Exception]
) -> None:
    with HttpFetcher(LOOPBACK) as fetcher, pytest.raises(error) as caught:
        fetcher.fetch(list_server.url + path)
    if path == "/broken":
        assert not isinstance(caught.value, NotFound)


def test_http_fetcher_refuses_loopback_by_default(list_server: LoopbackServer) -> None:
    with HttpFetcher() as fetcher, pytest.raises(AddressNotAllowed):
        fetcher.fetch(list_server.url + "/status/3")
    assert list_server.connections == 0


def test_http_fetcher_uses_a_given_client_and_leaves_it_open(list_server: LoopbackServer) -> None:
    from bid.backends.http import HttpClient

    with HttpClient(LOOPBACK) as client:
        with HttpFetcher(client=client) as fetcher:
            assert fetcher.fetch(list_server.url + "/status/3")["type"][1] == (
                "BitstringStatusListCredential"
            )
        assert client.get(list_server.url + "/status/3").status == 200


def test_http_fetcher_refuses_other_schemes() -> None:
    with HttpFetcher(LOOPBACK) as fetcher, pytest.raises(ResolutionError):
        fetcher.fetch("file:///etc/passwd")
