"""Structure-aware mutators for the JSON and JWS targets (libFuzzer custom mutators).

Byte-level mutation of JSON text mostly produces text that is not JSON, so the parser's
first error is all that gets tested. These mutators parse the input, change one node of
the tree (a string edited byte by byte, a number or string swapped for a boundary value, a
member deleted, duplicated or renamed, a value of another type) and write it back; now and
then, and whenever the input is not JSON, they fall back to libFuzzer's byte mutation so
that syntax errors, duplicate names and NaN keep being tried too.

``byte_mutate`` is ``atheris.Mutate`` under the fuzzer; the functions here take it as a
parameter so that they are plain Python (and testable without atheris).
"""

from __future__ import annotations

import base64
import binascii
import json
import random
from collections.abc import Callable
from typing import Any

__all__ = ["JSON_TARGETS", "ByteMutator", "mutate_json", "mutate_jws"]

ByteMutator = Callable[[bytes, int], bytes]

#: Targets whose input is one JSON text.
JSON_TARGETS = frozenset({"credential", "jcs", "jsonld", "registry_op", "did_document"})

# Values at the edges of what the library parses: dates with offsets that leave the range
# of datetime in UTC, DIDs of each method, big and odd numbers, contexts, types.
_STRINGS = [
    "",
    "0001-01-01T00:00:00+01:00",
    "9999-12-31T23:59:59-01:00",
    "2023-01-01T00:00:00.1234567890Z",
    "2023-02-29T00:00:00Z",
    "2023-01-01T24:00:00Z",
    "2023-01-01T00:00:00+24:00",
    "did:key:z6MkrJVnaZkeFzdQyMZu1cgjg7k1pZZ6pvBQ7XJPt4swbTQ2",
    "did:key:z6MkrJVnaZkeFzdQyMZu1cgjg7k1pZZ6pvBQ7XJPt4swbTQ2#z6MkrJVnaZkeFzdQyMZu1cgjg7k1pZZ6pvBQ7XJPt4swbTQ2",
    "did:bid:efdPP4ympm36RxTYQJPber1PRKmLWZE",
    "did:bid:aa1c",
    "did:example:123#key-1",
    "#key-1",
    "https://www.w3.org/ns/credentials/v2",
    "https://www.w3.org/2018/credentials/v1",
    "https://www.w3.org/ns/credentials/examples/v2",
    "https://w3id.org/security/data-integrity/v2",
    "https://www.w3.org/ns/did/v1",
    "VerifiableCredential",
    "VerifiablePresentation",
    "EnvelopedVerifiableCredential",
    "data:application/vc+jwt,eyJhbGciOiJFZERTQSJ9.e30.",
    "DataIntegrityProof",
    "Ed25519Signature2020",
    "eddsa-jcs-2022",
    "eddsa-rdfc-2022",
    "assertionMethod",
    "authentication",
    "@id",
    "@type",
    "@vocab",
    "@base",
    "@graph",
    "@list",
    "@json",
    "@reverse",
    "_:b0",
    "z",
    "z1111111111111111111111111111111111111111111111111111111111111111",
    "\u2028\x00\x7f\U0001f600",
]
_NUMBERS: list[Any] = [
    0,
    -1,
    1,
    2,
    2**53 - 1,
    -(2**53) + 1,
    0.5,
    -0.0,
    1e21,
    1e-7,
    5e-324,
    1.7976931348623157e308,
    9007199254740992.0,
    253402300800,
    -62135596800,
]
_OTHERS: list[Any] = [None, True, False, [], {}, [None], {"": None}]


def _nodes(value: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """The path of every node in ``value`` (the root is ``()``), depth first."""
    found = [path]
    if isinstance(value, dict):
        for key, item in value.items():
            found += _nodes(item, (*path, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            found += _nodes(item, (*path, index))
    return found


def _get(value: Any, path: tuple[Any, ...]) -> Any:
    for step in path:
        value = value[step]
    return value


def _replace(root: Any, path: tuple[Any, ...], new: Any) -> Any:
    if not path:
        return new
    _get(root, path[:-1])[path[-1]] = new
    return root


def _delete(root: Any, path: tuple[Any, ...]) -> Any:
    if path:
        del _get(root, path[:-1])[path[-1]]
    return root


def _edit_string(text: str, rng: random.Random, byte_mutate: ByteMutator) -> str:
    raw = text.encode("utf-8", "surrogatepass")
    return byte_mutate(raw, len(raw) + 16).decode("utf-8", "surrogateescape")


def _new_value(old: Any, root: Any, rng: random.Random, byte_mutate: ByteMutator) -> Any:
    """A value to put where ``old`` is."""
    choice = rng.randrange(6)
    if choice == 0 and isinstance(old, str):
        return _edit_string(old, rng, byte_mutate)
    if choice == 1:
        return rng.choice(_STRINGS)
    if choice == 2:
        return rng.choice(_NUMBERS)
    if choice == 3:
        return rng.choice(_OTHERS)
    if choice == 4:  # a copy of another subtree of the same document
        return json.loads(json.dumps(_get(root, rng.choice(_nodes(root)))))
    return [old] if rng.randrange(2) else {"id": old, "type": old}


def _mutate_tree(root: Any, rng: random.Random, byte_mutate: ByteMutator) -> Any:
    path = rng.choice(_nodes(root))
    node = _get(root, path)
    parent = _get(root, path[:-1]) if path else None
    action = rng.randrange(5)
    if action == 0 and path:
        return _delete(root, path)
    if action == 1 and isinstance(parent, dict):  # rename the member
        name = (
            _edit_string(str(path[-1]), rng, byte_mutate)
            if rng.randrange(2)
            else rng.choice(_STRINGS)
        )
        parent.pop(path[-1])
        parent[name] = node
        return root
    if action == 2 and isinstance(node, list):
        node.insert(
            rng.randrange(len(node) + 1), rng.choice(node) if node else rng.choice(_STRINGS)
        )
        return root
    if action == 3 and isinstance(node, dict):
        node[rng.choice(_STRINGS) or "id"] = rng.choice(_STRINGS + _NUMBERS)
        return root
    return _replace(root, path, _new_value(node, root, rng, byte_mutate))


def _dumps(value: Any, rng: random.Random) -> bytes:
    compact = rng.randrange(2) == 0
    text = json.dumps(
        value,
        ensure_ascii=rng.randrange(4) == 0,
        separators=(",", ":") if compact else None,
        allow_nan=False,
    )
    return text.encode("utf-8", "surrogateescape")


def mutate_json(data: bytes, max_size: int, seed: int, byte_mutate: ByteMutator) -> bytes:
    """One JSON-aware mutation of ``data`` (a byte mutation if it is not JSON), <= max_size."""
    rng = random.Random(seed)  # noqa: S311 - reproducible mutations, not secrets
    if rng.randrange(8) == 0:
        return byte_mutate(data, max_size)
    try:
        root = json.loads(data.decode("utf-8"))
        for _ in range(1 + rng.randrange(3)):
            root = _mutate_tree(root, rng, byte_mutate)
        out = _dumps(root, rng)
    except (ValueError, RecursionError, TypeError, UnicodeError, KeyError, IndexError):
        return byte_mutate(data, max_size)
    return out if len(out) <= max_size else byte_mutate(data, max_size)


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def mutate_jws(data: bytes, max_size: int, seed: int, byte_mutate: ByteMutator) -> bytes:
    """Mutate a compact JWS through its decoded header or payload JSON, else byte-wise."""
    rng = random.Random(seed)  # noqa: S311 - reproducible mutations, not secrets
    parts = data.split(b".")
    if len(parts) != 3 or rng.randrange(4) == 0:
        return byte_mutate(data, max_size)
    index = rng.randrange(2)
    try:
        decoded = _unb64(parts[index].decode("ascii"))
    except (binascii.Error, ValueError, UnicodeError):
        return byte_mutate(data, max_size)
    changed = mutate_json(decoded, max_size, rng.randrange(2**32), byte_mutate)
    parts[index] = _b64(changed).encode("ascii")
    out = b".".join(parts)
    return out if len(out) <= max_size else byte_mutate(data, max_size)
