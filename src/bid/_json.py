"""JSON in and out: a strict parser for untrusted input, and canonical bytes (RFC 8785).

Untrusted JSON is refused when two parsers could read it differently: duplicate names in an
object (Python keeps the last, other parsers the first), ``NaN`` / ``Infinity`` (not JSON),
integers beyond +/-(2^53 - 1) (JavaScript and RFC 8785 cannot represent them exactly), and
lone surrogates. Everything the library signs or hashes goes through :func:`canonical`.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from types import MappingProxyType
from typing import Any, TypeAlias, Union

from .errors import ParseError

__all__ = [
    "MAX_SAFE_INTEGER",
    "JSONObject",
    "JSONValue",
    "canonical",
    "check_value",
    "dumps_compact",
    "freeze",
    "loads_strict",
    "thaw",
]

# A recursive alias needs the Union form (the | operator cannot take the forward reference).
JSONValue: TypeAlias = Union[  # noqa: UP007
    bool, int, float, str, Sequence["JSONValue"], Mapping[str, "JSONValue"], None
]
JSONObject: TypeAlias = Mapping[str, JSONValue]

MAX_SAFE_INTEGER = 2**53 - 1


def _object(pairs: list[tuple[str, object]]) -> dict[str, object]:
    result: dict[str, object] = {}
    for key, value in pairs:
        if key in result:
            raise ParseError(f"the name {key!r} appears twice in one JSON object")
        result[key] = value
    return result


def _constant(name: str) -> object:
    raise ParseError(f"{name} is not a JSON number")


def _integer(text: str) -> int:
    value = int(text)
    if abs(value) > MAX_SAFE_INTEGER:
        raise ParseError(f"the integer {text[:30]} is beyond 2^53 - 1 and cannot be kept exact")
    return value


def loads_strict(data: str | bytes, *, what: str = "JSON") -> JSONValue:
    """Parse untrusted JSON; raises ParseError for anything outside the safe subset."""
    try:
        text = data.decode("utf-8") if isinstance(data, bytes) else data
        value = json.loads(
            text,
            object_pairs_hook=_object,
            parse_constant=_constant,
            parse_int=_integer,
        )
    except ParseError as exc:
        raise ParseError(f"{what}: {exc.message}") from exc
    except UnicodeDecodeError as exc:
        raise ParseError(f"{what}: not UTF-8 ({exc.reason})") from exc
    except (json.JSONDecodeError, RecursionError) as exc:
        raise ParseError(f"{what}: not valid JSON ({exc})") from exc
    check_value(value, what=what)
    result: JSONValue = value
    return result


def check_value(value: object, *, what: str = "JSON") -> None:
    """Refuse values that canonical JSON cannot carry: big integers, NaN, lone surrogates."""
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            _check_string(item, what)
        elif isinstance(item, bool) or item is None:
            continue
        elif isinstance(item, int):
            if abs(item) > MAX_SAFE_INTEGER:
                raise ParseError(f"{what}: the integer {item} is beyond 2^53 - 1")
        elif isinstance(item, float):
            if item != item or item in (float("inf"), float("-inf")):
                raise ParseError(f"{what}: {item} is not a JSON number")
        elif isinstance(item, Mapping):
            for key, child in item.items():
                if not isinstance(key, str):
                    raise ParseError(f"{what}: an object name is not a string ({key!r})")
                _check_string(key, what)
                stack.append(child)
        elif isinstance(item, list | tuple):
            stack.extend(item)
        else:
            raise ParseError(f"{what}: {type(item).__name__} is not a JSON value")


def _check_string(text: str, what: str) -> None:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise ParseError(f"{what}: a string holds a lone surrogate") from exc


def canonical(value: JSONValue) -> bytes:
    """The RFC 8785 (JCS) canonical UTF-8 bytes of ``value``; the input must be checked."""
    import rfc8785  # imported on first use: most programs that import bid never sign JSON

    try:
        return bytes(rfc8785.dumps(value))
    except (rfc8785.CanonicalizationError, TypeError, ValueError) as exc:
        raise ParseError(f"cannot canonicalize: {exc}") from exc


def dumps_compact(value: JSONValue) -> str:
    """Compact JSON text, non-ASCII kept as is (for storage and display, not for signing)."""
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def freeze(value: JSONValue) -> JSONValue:
    """A deep read-only copy: objects become mapping proxies, arrays tuples.

    Values handed out by caches and documents are shared; freezing them means no caller
    can change what the next caller sees.
    """
    if isinstance(value, Mapping):
        return MappingProxyType({key: freeze(item) for key, item in value.items()})
    if isinstance(value, list | tuple):
        return tuple(freeze(item) for item in value)
    return value


def thaw(value: JSONValue) -> Any:
    """A deep mutable copy of a JSON value (plain dicts and lists), e.g. of a frozen one."""
    if isinstance(value, Mapping):
        return {key: thaw(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [thaw(item) for item in value]
    return value
