"""Shrink a crash input while it still crashes the same way, without atheris.

    python fuzz/minimize.py fuzz/crashes/credential/crash-1b0b... [--name date-overflow]

The target is the name of the file's directory. "The same way" means the same exception
type raised from the same line (the innermost frame). JSON inputs shrink as trees (members
and items deleted, containers replaced by a child, strings shortened), then any input byte
by byte (chunks deleted). The result goes to ``fuzz/regressions/<target>/<name>``, where
``tests/test_fuzz_regressions.py`` runs it in the normal test suite.
"""

from __future__ import annotations

import argparse
import json
import sys
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import Any

FUZZ = Path(__file__).resolve().parent
if str(FUZZ.parent) not in sys.path:
    sys.path.insert(0, str(FUZZ.parent))

from fuzz.targets import TARGETS, Target, run  # noqa: E402

Signature = tuple[str, str, int]


def crash_signature(target: Target, data: bytes) -> Signature | None:
    """(exception type, file, line of the innermost frame) of the crash, or None."""
    try:
        run(target, data)
    except Exception as exc:
        frame = traceback.extract_tb(exc.__traceback__)[-1]
        return type(exc).__name__, frame.filename, frame.lineno or 0
    return None


def _paths(value: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    found = [path]
    if isinstance(value, dict):
        for key, item in value.items():
            found += _paths(item, (*path, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            found += _paths(item, (*path, index))
    return found


def _edited(root: Any, path: tuple[Any, ...], value: Any, *, delete: bool = False) -> Any:
    """A copy of ``root`` with the node at ``path`` replaced by ``value`` (or deleted)."""
    copy = json.loads(json.dumps(root))
    parent = copy
    for step in path[:-1]:
        parent = parent[step]
    if delete:
        del parent[path[-1]]
    else:
        parent[path[-1]] = value
    return copy


def _candidates(root: Any) -> list[Any]:
    """Smaller trees than ``root``: one node deleted, replaced by a child, or shortened."""
    out: list[Any] = []
    for path in _paths(root)[1:]:
        out.append(_edited(root, path, None, delete=True))
        node = root
        for step in path:
            node = node[step]
        if isinstance(node, dict | list):
            children = node.values() if isinstance(node, dict) else node
            out += [_edited(root, path, child) for child in children]
        elif isinstance(node, str) and len(node) > 1:
            half = len(node) // 2
            out += [_edited(root, path, node[:half]), _edited(root, path, node[half:])]
    return out


def _shrink_json(data: bytes, still_crashes: Callable[[bytes], bool]) -> bytes:
    try:
        root = json.loads(data)
    except ValueError:
        return data
    encoded = json.dumps(root, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    if not still_crashes(encoded):
        return data  # the input's exact text matters (duplicates, escapes): bytes only
    improved = True
    while improved:
        improved = False
        for candidate in _candidates(root):
            text = json.dumps(candidate, ensure_ascii=False, separators=(",", ":"))
            if len(text) < len(encoded) and still_crashes(text.encode("utf-8")):
                root, encoded, improved = candidate, text.encode("utf-8"), True
                break
    return encoded


def _shrink_bytes(data: bytes, still_crashes: Callable[[bytes], bool]) -> bytes:
    chunk = max(1, len(data) // 2)
    while chunk >= 1:
        start = 0
        while start < len(data):
            candidate = data[:start] + data[start + chunk :]
            if candidate and still_crashes(candidate):
                data = candidate
            else:
                start += chunk
        chunk //= 2
    return data


def minimize(target: Target, data: bytes) -> bytes:
    """The smallest input found that crashes ``target`` as ``data`` does."""
    signature = crash_signature(target, data)
    if signature is None:
        raise ValueError("the input does not crash its target")

    def still_crashes(candidate: bytes) -> bool:
        return crash_signature(target, candidate) == signature

    return _shrink_bytes(_shrink_json(data, still_crashes), still_crashes)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("crash", type=Path)
    parser.add_argument("--name", help="file name under fuzz/regressions/<target>/")
    args = parser.parse_args(argv)
    name = args.crash.resolve().parent.name
    if name not in TARGETS:
        raise SystemExit(f"{args.crash}: its directory names no target ({', '.join(TARGETS)})")
    data = args.crash.read_bytes()
    try:
        small = minimize(TARGETS[name], data)
    except ValueError as exc:
        raise SystemExit(f"{args.crash}: {exc}") from None
    out = FUZZ / "regressions" / name / (args.name or args.crash.name)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_bytes(small)
    print(f"{len(data)} -> {len(small)} bytes: {out.relative_to(FUZZ.parent)}")
    print(crash_signature(TARGETS[name], small))
    return 0


if __name__ == "__main__":
    sys.exit(main())
