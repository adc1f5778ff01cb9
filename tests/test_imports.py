"""The shape of the package: cheap import, a curated public surface, and the layering rules.

DESIGN.md's house rules: pure core, I/O at the rim (cli.py, server.py, backends/); one
native touch-point per algorithm (PyNaCl only in _ed25519.py, GmSSL only in _sm2.py);
``__all__`` everywhere.
"""

from __future__ import annotations

import ast
import importlib
import inspect
import json
import re
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest

import bid

SRC = Path(bid.__file__).parent

# Heavy or optional dependencies that a plain ``import bid`` must not pull in.
NOT_ON_IMPORT = [
    "pyld",
    "httpx",
    "google.protobuf",
    "jsonschema",
    "gmssl_pyx",
    "multiformats",
    "hypothesis",
    "starlette",
    "uvicorn",
    "anyio",
]


def _modules_after(code: str, tmp_path: Path) -> list[str]:
    script = f"import json, sys\n{code}\nprint(json.dumps(sorted(sys.modules)))\n"
    result = subprocess.run(
        [sys.executable, "-c", script],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    modules: list[str] = json.loads(result.stdout.splitlines()[-1])
    return modules


def _loaded(modules: list[str], name: str) -> bool:
    return any(m == name or m.startswith(name + ".") for m in modules)


@pytest.mark.slow
def test_import_bid_is_light(tmp_path: Path) -> None:
    modules = _modules_after("import bid", tmp_path)
    assert "bid.keys" in modules  # the subprocess really imported the package
    assert "nacl" in modules
    loaded = [name for name in NOT_ON_IMPORT if _loaded(modules, name)]
    assert loaded == []


@pytest.mark.slow
def test_valid_did_key_does_not_load_multiformats(tmp_path: Path) -> None:
    # multiformats is only imported to explain a wrong multicodec; the good path skips it.
    code = (
        "import bid\n"
        "key = bid.Ed25519PrivateKey.from_seed(bytes(32))\n"
        "assert bid.parse_public_key(key.did_key) == key.public_key\n"
        "assert bid.BID.parse(str(key.bid())).derives_from('ed25519', "
        "key.public_key.public_bytes())"
    )
    modules = _modules_after(code, tmp_path)
    assert not _loaded(modules, "multiformats")
    assert not _loaded(modules, "gmssl_pyx")


@pytest.mark.slow
def test_hypothesis_entry_point_registers_the_strategies(tmp_path: Path) -> None:
    # Importing Hypothesis alone (not bid.strategies) must make st.from_type know our types.
    code = (
        "import warnings\n"
        "warnings.simplefilter('ignore')\n"
        "import hypothesis.strategies as st\n"
        "import bid\n"
        "assert 'bid.strategies' in sys.modules\n"
        "for cls in (bid.DID, bid.DIDURL, bid.Ed25519PrivateKey, bid.Ed25519PublicKey):\n"
        "    assert isinstance(st.from_type(cls).example(), cls), cls\n"
    )
    modules = _modules_after(code, tmp_path)
    assert "bid.strategies" in modules


# -- __all__ ------------------------------------------------------------------------------------


def _isort_key(name: str) -> tuple[int, list[str | int]]:
    """Ruff's RUF022 "isort-style" order, the order every ``__all__`` here is written in.

    SCREAMING_CASE names first, then CamelCase, then the rest; within each group a natural
    sort (case-sensitive, digit runs compared as numbers).
    """
    if len(name) > 1 and name.upper() == name and name.lower() != name:
        group = 0
    elif name[:1].isupper():
        group = 1
    else:
        group = 2
    parts: list[str | int] = [
        int(part) if part.isdigit() else part for part in re.split(r"(\d+)", name)
    ]
    return group, parts


def test_isort_key_orders_as_ruff_does() -> None:
    names = ["parse_x", "BID", "Signer", "SM2PublicKey", "__version__", "DIDURL", "N", "A10", "A9"]
    assert sorted(names, key=_isort_key) == [
        "A9",
        "A10",
        "BID",
        "DIDURL",
        "N",
        "SM2PublicKey",
        "Signer",
        "__version__",
        "parse_x",
    ]


PUBLIC_MODULES = [
    "bid",
    "bid.errors",
    "bid.did",
    "bid.bif",
    "bid.keys",
    "bid.strategies",
    "bid.vc",
    "bid.credentials",
    "bid.data_integrity",
    "bid.jose",
    "bid.jsonld",
    "bid.status",
    "bid.credential_schema",
]


@pytest.mark.parametrize("name", PUBLIC_MODULES)
def test_all_is_sorted_and_complete(name: str) -> None:
    module: ModuleType = importlib.import_module(name)
    assert hasattr(module, "__all__"), f"{name} has no __all__"
    exported = list(module.__all__)
    assert exported == sorted(exported, key=_isort_key)
    assert len(exported) == len(set(exported))
    missing = [n for n in exported if not hasattr(module, n)]
    assert missing == []


@pytest.mark.parametrize("name", PUBLIC_MODULES[1:])
def test_public_definitions_are_exported(name: str) -> None:
    module = importlib.import_module(name)
    defined_here = [
        n
        for n, obj in vars(module).items()
        if not n.startswith("_")
        and (inspect.isclass(obj) or inspect.isfunction(obj))
        and obj.__module__ == name
    ]
    assert defined_here
    assert [n for n in defined_here if n not in module.__all__] == []


@pytest.mark.parametrize("name", ["bid.errors", "bid.did", "bid.keys"])
def test_package_reexports_classes_and_functions(name: str) -> None:
    module = importlib.import_module(name)
    for exported in module.__all__:
        obj = getattr(module, exported)
        if inspect.isclass(obj) or inspect.isfunction(obj):
            assert exported in bid.__all__, exported
            assert getattr(bid, exported) is obj, exported


def test_package_reexports_bid() -> None:
    assert bid.BID is importlib.import_module("bid.bif").BID


def test_the_credential_api_is_at_the_top_level_and_loads_lazily(tmp_path: Path) -> None:
    vc = importlib.import_module("bid.vc")
    for name in ("issue", "verify_credential", "present", "verify_presentation"):
        assert getattr(bid, name) is getattr(vc, name)
        assert name in bid.__all__
    assert "bid.vc" not in _modules_after("import bid", tmp_path)
    with pytest.raises(AttributeError):
        _ = bid.no_such_name


def test_every_error_is_a_bid_error() -> None:
    errors = importlib.import_module("bid.errors")
    for name in errors.__all__:
        cls = getattr(errors, name)
        assert issubclass(cls, bid.BidError)
        assert isinstance(cls.code, str)
        assert cls.code
    assert issubclass(bid.InvalidInput, ValueError)
    assert bid.InvalidDID.code == "invalidDid"
    assert bid.InvalidDIDURL.code == "invalidDidUrl"
    assert bid.InvalidKey.code == "invalidPublicKey"


# -- layering -------------------------------------------------------------------------------------

RIM = re.compile(r"^(cli(_\w+)?\.py|server\.py|backends/.*|testing/.*)$")
IO_MODULES = (
    "socket",
    "httpx",
    "urllib.request",
    "http.client",
    "http.server",
    "requests",
    "sqlite3",
)
IO_CALLS = ("print", "open", "input")
ENV_ATTRIBUTES = ("environ", "environb", "getenv", "putenv")


def _imported_modules(tree: ast.AST) -> list[str]:
    names: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.extend(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.append(node.module)
            names.extend(f"{node.module}.{alias.name}" for alias in node.names)
    return names


def _docstring_ids(tree: ast.AST) -> set[int]:
    """The ids of the string constants that are docstrings (mentions, not references)."""
    found: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
            body = node.body
            if (
                body
                and isinstance(body[0], ast.Expr)
                and isinstance(body[0].value, ast.Constant)
                and isinstance(body[0].value.value, str)
            ):
                found.add(id(body[0].value))
    return found


def _is_under(module: str, package: str) -> bool:
    return module == package or module.startswith(package + ".")


def layering_problems(relative: str, source: str) -> list[str]:
    """What in one source file breaks the layering rules (empty if nothing)."""
    tree = ast.parse(source)
    problems: list[str] = []
    imported = _imported_modules(tree)
    at_rim = bool(RIM.match(relative))
    if not at_rim:
        for module in imported:
            if any(_is_under(module, io) for io in IO_MODULES):
                problems.append(f"imports {module}")
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Name)
                and node.func.id in IO_CALLS
            ):
                problems.append(f"calls {node.func.id}() on line {node.lineno}")
            if (
                isinstance(node, ast.Attribute)
                and node.attr in ENV_ATTRIBUTES
                and isinstance(node.value, ast.Name)
                and node.value.id == "os"
            ):
                problems.append(f"uses os.{node.attr} on line {node.lineno}")
        for module in imported:
            if module in {f"os.{attr}" for attr in ENV_ATTRIBUTES}:
                problems.append(f"imports {module}")
    if relative != "_ed25519.py" and any(_is_under(m, "nacl") for m in imported):
        problems.append("imports nacl (only _ed25519.py may)")
    if relative != "_sm2.py":
        docstrings = _docstring_ids(tree)
        mentions = [
            node
            for node in ast.walk(tree)
            if isinstance(node, ast.Constant)
            and isinstance(node.value, str)
            and id(node) not in docstrings
            and re.search(r"\bgmssl_pyx\b", node.value)
        ]
        names = [
            node
            for node in ast.walk(tree)
            if isinstance(node, ast.Name | ast.alias)
            and "gmssl_pyx" in (node.id if isinstance(node, ast.Name) else node.name)
        ]
        if any(_is_under(m, "gmssl_pyx") for m in imported) or mentions or names:
            problems.append("references gmssl_pyx (only _sm2.py may)")
    return problems


def _source_files() -> list[Path]:
    files = sorted(SRC.rglob("*.py"))
    assert SRC / "keys.py" in files
    return files


@pytest.mark.parametrize("path", _source_files(), ids=lambda p: p.relative_to(SRC).as_posix())
def test_layering(path: Path) -> None:
    relative = path.relative_to(SRC).as_posix()
    assert layering_problems(relative, path.read_text(encoding="utf-8")) == []


@pytest.mark.parametrize(
    ("relative", "source", "expected"),
    [
        ("did.py", "import socket\n", "imports socket"),
        ("did.py", "from urllib.request import urlopen\n", "imports urllib.request"),
        ("did.py", "import urllib.request\n", "imports urllib.request"),
        ("did.py", "import sqlite3\n", "imports sqlite3"),
        ("did.py", "import httpx\n", "imports httpx"),
        ("keys.py", "print('x')\n", "calls print()"),
        ("keys.py", "with open('f') as f:\n    pass\n", "calls open()"),
        ("keys.py", "import os\nx = os.environ['A']\n", "uses os.environ"),
        ("keys.py", "import os\nx = os.getenv('A')\n", "uses os.getenv"),
        ("keys.py", "from os import environ\n", "imports os.environ"),
        ("keys.py", "from nacl import bindings\n", "imports nacl"),
        ("_sm2.py", "import nacl.signing\n", "imports nacl"),
        ("keys.py", "import gmssl_pyx\n", "references gmssl_pyx"),
        ("_optional.py", "m = import_module('gmssl_pyx')\n", "references gmssl_pyx"),
        ("keys.py", "from . import gmssl_pyx_wrapper\n", "references gmssl_pyx"),
        ("backends/sqlite.py", "import nacl\n", "imports nacl"),
    ],
)
def test_layering_checker_finds_problems(relative: str, source: str, expected: str) -> None:
    problems = layering_problems(relative, source)
    assert any(p.startswith(expected) for p in problems), problems


@pytest.mark.parametrize(
    ("relative", "source"),
    [
        ("cli.py", "import sqlite3, socket\nprint(open('f'))\nimport os\nos.environ\n"),
        ("server.py", "import httpx\n"),
        ("backends/sqlite.py", "import sqlite3\n"),
        ("_ed25519.py", "from nacl import bindings\n"),
        ("_sm2.py", "x = 'gmssl_pyx'\n"),
        ("keys.py", "import urllib.parse\nself_print = 1\n"),
        ("keys.py", '"""Signs through gmssl_pyx, see _sm2."""\ndef f():\n    """gmssl_pyx."""\n'),
    ],
)
def test_layering_checker_allows(relative: str, source: str) -> None:
    assert layering_problems(relative, source) == []
