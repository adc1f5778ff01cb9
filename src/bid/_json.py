"""JSON in and out: a strict parser for untrusted input, and canonical bytes (RFC 8785).

Untrusted JSON is refused when two parsers could read it differently: duplicate names in an
object (Python keeps the last, other parsers the first), ``NaN`` / ``Infinity`` (not JSON),
integers beyond +/-(2^53 - 1) (JavaScript and RFC 8785 cannot represent them exactly), and
lone surrogates. Everything the library signs or hashes goes through :func:`canonical`.
"""

from __future__ import annotations

import json
import json.encoder
from collections.abc import Callable, Mapping, Sequence
from types import MappingProxyType
from typing import Any, TypeAlias, Union

from .errors import ParseError

__all__ = [
    "MAX_DEPTH",
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
#: Arrays and objects nested deeper than this are refused. No DID document, credential or
#: operation comes near it, and the library's recursive walks (freezing, JSON-LD, the
#: schema checks) stay far from Python's recursion limit.
MAX_DEPTH = 100


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
    """Refuse values that canonical JSON cannot carry (big integers, NaN, lone surrogates)
    and values nested more than :data:`MAX_DEPTH` levels deep."""
    try:
        _scan(value)
    except (_Unusual, RecursionError):
        # Anything the fast walk is not sure about (an error, a tuple, a mapping proxy, a
        # subclass, deep nesting) goes to the reference walk, which gives the verdict.
        _check_value_reference(value, what)


def _check_value_reference(value: object, what: str) -> None:
    """The straightforward walk behind :func:`check_value` (and its error messages)."""
    stack = [(value, 0)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, Mapping | list | tuple) and depth >= MAX_DEPTH:
            raise ParseError(f"{what}: arrays and objects nested more than {MAX_DEPTH} levels deep")
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
                stack.append((child, depth + 1))
        elif isinstance(item, list | tuple):
            stack.extend((child, depth + 1) for child in item)
        else:
            raise ParseError(f"{what}: {type(item).__name__} is not a JSON value")


def _check_string(text: str, what: str) -> None:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise ParseError(f"{what}: a string holds a lone surrogate") from exc


# -- the fast walk ----------------------------------------------------------------------------
#
# One pass over plain JSON (exactly dict, list, str, int, bool, None, float) that accepts
# what check_value accepts and reports what the canonical fast path must know. It never
# decides a refusal itself: anything unusual raises _Unusual and the reference code, which
# is slower but straightforward, has the last word. Exact type checks (``type(x) is dict``)
# keep subclasses, tuples and mapping proxies on the reference path.

_FLOAT = 1  # the value holds a float
_WIDE_KEY = 2  # an object name holds a character beyond U+FFFF (UTF-16 order may differ)
_MIN_SAFE_INTEGER = -MAX_SAFE_INTEGER


class _Unusual(Exception):
    """Raised by the fast walk for anything it leaves to the reference code."""


def _name_flags(key: object) -> int:
    """For an object name that is not plain ASCII: _WIDE_KEY if it has a character beyond
    U+FFFF, else 0; _Unusual if it is not a string or holds a lone surrogate."""
    if type(key) is not str:
        raise _Unusual
    _scan_text(key)
    return _WIDE_KEY if max(key, default="") > "\uffff" else 0


def _scan(value: object, depth: int = 1) -> int:
    """Flags (_FLOAT, _WIDE_KEY) of a plain JSON value check_value accepts; else _Unusual.

    ``depth`` counts the arrays and objects ``value`` sits in, itself included."""
    flags = 0
    if depth > MAX_DEPTH:
        raise _Unusual
    if type(value) is dict:
        for key, item in value.items():
            if type(key) is not str or not key.isascii():
                flags |= _name_flags(key)
            kind = type(item)
            if kind is str:
                if not item.isascii():
                    _scan_text(item)
            elif kind is dict or kind is list:
                flags |= _scan(item, depth + 1)
            elif kind is int:
                if not _MIN_SAFE_INTEGER <= item <= MAX_SAFE_INTEGER:
                    raise _Unusual
            elif item is not None and kind is not bool:
                flags |= _scan(item, depth + 1)
    elif type(value) is list:
        for item in value:
            kind = type(item)
            if kind is str:
                if not item.isascii():
                    _scan_text(item)
            elif kind is dict or kind is list:
                flags |= _scan(item, depth + 1)
            elif kind is int:
                if not _MIN_SAFE_INTEGER <= item <= MAX_SAFE_INTEGER:
                    raise _Unusual
            elif item is not None and kind is not bool:
                flags |= _scan(item, depth + 1)
    elif type(value) is str:
        _scan_text(value)
    elif type(value) is int:
        if not _MIN_SAFE_INTEGER <= value <= MAX_SAFE_INTEGER:
            raise _Unusual
    elif type(value) is float:
        if value - value != 0.0:  # inf - inf and nan - nan are nan
            raise _Unusual
        flags = _FLOAT
    elif value is not None and type(value) is not bool:
        raise _Unusual
    return flags


def _scan_text(text: str) -> None:
    """_Unusual if ``text`` holds a lone surrogate (it cannot be UTF-8)."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        raise _Unusual from None


# -- canonical JSON ---------------------------------------------------------------------------


def _make_encoder(*, use_c: bool = True) -> Callable[[object], str]:
    """Compact JSON with sorted keys, non-ASCII kept, NaN refused: CPython's C encoder.

    ``json.dumps`` with these options builds a new encoder on every call; building it once
    saves about a microsecond a call. Where the C encoder is missing (or its signature
    differs), or with ``use_c=False`` (for the tests), the documented ``JSONEncoder`` does
    the same work.
    """
    options: dict[str, Any] = {
        "ensure_ascii": False,
        "allow_nan": False,
        "sort_keys": True,
        "separators": (",", ":"),
        "check_circular": False,
    }
    c_make_encoder = getattr(json.encoder, "c_make_encoder", None) if use_c else None
    if c_make_encoder is not None:
        try:  # markers, default, encoder, indent, separators, sort_keys, skipkeys, allow_nan
            encode = c_make_encoder(
                None,
                _no_default,
                json.encoder.encode_basestring,
                None,
                ":",
                ",",
                True,
                False,
                False,
            )
        except TypeError:  # pragma: no cover - another CPython's private signature
            pass
        else:
            return lambda value: "".join(encode(value, 0))
    return json.JSONEncoder(**options).encode


def _no_default(value: object) -> object:
    raise TypeError(f"{type(value).__name__} is not a JSON value")


_encode = _make_encoder()


def _integral(value: object) -> object:
    """``value`` with every float replaced by the equal int; _Unusual for another float.

    Only floats ``f`` with ``f.is_integer()`` and ``|f| <= 2**53`` are replaced; for them the
    RFC 8785 form (rfc8785's, and ECMAScript's) is ``str(int(f))``. Proof: such a float is
    an integer ``N`` with ``|N| < 10**16``, so ``repr`` writes it positionally, as the
    shortest decimal that reads back as ``f``. ``N`` itself reads back exactly. A shorter
    decimal of the same size is an integer ``M != N`` (a multiple of a power of ten), and
    every integer up to ``2**53`` is a float of its own, so ``M`` reads back as ``M``, not
    ``f``. Hence ``repr(f) == f"{N}.0"``, which rfc8785 writes without the ``.0``; ``-0.0``
    is written ``0``, as ``str(int(-0.0))`` is.
    """
    if type(value) is float:
        if value.is_integer() and -_TWO_53 <= value <= _TWO_53:
            return int(value)
        raise _Unusual
    if type(value) is dict:
        return {key: _integral(item) for key, item in value.items()}
    if type(value) is list:
        return [_integral(item) for item in value]
    return value


_TWO_53 = float(2**53)


def canonical(value: JSONValue) -> bytes:
    """The RFC 8785 (JCS) canonical UTF-8 bytes of ``value``; the input must be checked.

    A fast path serves plain JSON (dicts, lists, strings, safe integers, booleans, null,
    integral floats up to 2^53): the C JSON encoder with sorted keys gives the RFC 8785
    bytes exactly when object names sort the same in UTF-16 code units as in code points,
    which holds unless a name has a character beyond U+FFFF. Everything else (other floats,
    such names, other types, anything check_value would refuse) goes to the ``rfc8785``
    package, the reference; ``tests/test_canonical.py`` checks the two agree.
    """
    try:
        flags = _scan(value)
        if not flags:
            return _encode(value).encode("utf-8")
        if flags == _FLOAT:
            return _encode(_integral(value)).encode("utf-8")
    except (_Unusual, RecursionError, ValueError, TypeError):
        pass
    return _canonical_reference(value)


def _canonical_reference(value: object) -> bytes:
    """RFC 8785 bytes from the ``rfc8785`` package; ParseError where it refuses."""
    import rfc8785  # imported on first use: most programs that import bid never sign JSON

    try:
        return bytes(rfc8785.dumps(value))  # type: ignore[arg-type]
    except (rfc8785.CanonicalizationError, TypeError, ValueError) as exc:
        raise ParseError(f"cannot canonicalize: {exc}") from exc


def dumps_compact(value: JSONValue) -> str:
    """Compact JSON text, non-ASCII kept as is (for storage and display, not for signing)."""
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def freeze(value: JSONValue) -> JSONValue:
    """A deep read-only copy: objects become mapping proxies, arrays tuples.

    Values handed out by caches and documents are shared; freezing them means no caller
    can change what the next caller sees. Plain dicts, lists and scalars (nearly
    everything) are recognised by exact type, which is several times faster than the
    ABC checks the other mappings and sequences need.
    """
    kind = type(value)
    if kind is dict:
        return MappingProxyType(
            {
                key: item if type(item) in _SCALARS else freeze(item)
                for key, item in value.items()  # type: ignore[union-attr]
            }
        )
    if kind is list or kind is tuple:
        return tuple(
            item if type(item) in _SCALARS else freeze(item)
            for item in value  # type: ignore[union-attr]
        )
    if kind in _SCALARS:
        return value
    if isinstance(value, Mapping):
        return MappingProxyType({key: freeze(item) for key, item in value.items()})
    if isinstance(value, list | tuple):
        return tuple(freeze(item) for item in value)
    return value


_SCALARS = frozenset({str, int, float, bool, type(None)})


def thaw(value: JSONValue) -> Any:
    """A deep mutable copy of a JSON value (plain dicts and lists), e.g. of a frozen one."""
    if isinstance(value, Mapping):
        return {key: thaw(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [thaw(item) for item in value]
    return value
