"""The documentation site: it builds strictly, its CLI reference is current, its tour runs.

- ``mkdocs build --strict`` into a temporary directory (skipped when MkDocs is not
  installed): broken links, unknown anchors and unresolved API references fail it.
- ``docs/cli.md`` is exactly what ``tools/gen_cli_reference.py`` generates from
  ``bid.cli.build_parser()``, and it documents every command and subcommand.
- Every fenced Python block of ``docs/getting-started.md`` (the five-minute tour),
  ``docs/did-bid.md`` and ``docs/extending.md`` runs, in order, in one namespace per page,
  offline (the ``no_network`` guard), so the examples cannot rot.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import re
import subprocess
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from bid.cli import build_parser
from checklist_support import NetworkGuard

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"
PYTHON_BLOCK = re.compile(r"^```python\n(.*?)^```", re.MULTILINE | re.DOTALL)


def _generator() -> ModuleType:
    path = ROOT / "tools" / "gen_cli_reference.py"
    spec = importlib.util.spec_from_file_location("gen_cli_reference", path)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _all_parsers(parser: argparse.ArgumentParser) -> list[argparse.ArgumentParser]:
    found = [parser]
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            children: dict[str, argparse.ArgumentParser] = action.choices
            for child in children.values():
                found.extend(_all_parsers(child))
    return found


def test_cli_reference_is_current() -> None:
    generated: str = _generator().generate()
    committed = (DOCS / "cli.md").read_text(encoding="utf-8")
    assert committed == generated, "docs/cli.md is stale: run python tools/gen_cli_reference.py"


def test_cli_reference_documents_every_command_and_option() -> None:
    page: str = _generator().generate()
    headings = set(re.findall(r"^## (.+)$", page, re.MULTILINE))
    parsers = _all_parsers(build_parser())
    assert len(parsers) > 20  # the walk reached the nested commands (bid vc issue...)
    assert headings == {parser.prog for parser in parsers}
    sections = re.split(r"^## ", page, flags=re.MULTILINE)[1:]
    by_prog = {section.split("\n", 1)[0]: section for section in sections}
    for parser in parsers:
        section = by_prog[parser.prog]
        for action in parser._actions:
            if isinstance(action, argparse._HelpAction):
                continue
            for option in action.option_strings:
                assert f"`{option}" in section or f", {option}" in section, (
                    parser.prog,
                    option,
                )
        if parser.epilog:
            assert parser.epilog.strip() in section, parser.prog


def test_cli_reference_check_mode_reports_staleness(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    generator: Any = _generator()
    stale = tmp_path / "cli.md"
    stale.write_text("# Command line reference\n", encoding="utf-8")
    generator.OUTPUT = stale
    assert generator.main(["--check"]) == 1
    assert "out of date" in capsys.readouterr().err
    assert generator.main([]) == 0  # rewrites it
    assert generator.main(["--check"]) == 0
    assert stale.read_text(encoding="utf-8") == generator.generate()


def _run_python_blocks(page: str) -> dict[str, Any]:
    """Run the page's fenced Python blocks in order in one namespace; return it."""
    text = (DOCS / page).read_text(encoding="utf-8")
    blocks = PYTHON_BLOCK.findall(text)
    assert blocks, f"{page} has no Python block"
    namespace: dict[str, Any] = {"__name__": page.removesuffix(".md").replace("-", "_")}
    for number, block in enumerate(blocks, 1):
        exec(compile(block, f"{page}, python block {number}", "exec"), namespace)
    return namespace


@pytest.fixture
def offline_in_tmp(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, no_network: NetworkGuard
) -> NetworkGuard:
    """No network, and a temporary working directory for any file a snippet writes."""
    monkeypatch.chdir(tmp_path)
    return no_network


@pytest.mark.usefixtures("offline_in_tmp")
def test_getting_started_tour_runs(capsys: pytest.CaptureFixture[str]) -> None:
    text = (DOCS / "getting-started.md").read_text(encoding="utf-8")
    assert len(PYTHON_BLOCK.findall(text)) >= 7  # keys ... credentials, present
    namespace = _run_python_blocks("getting-started.md")
    out = capsys.readouterr().out
    assert "a changed message does not verify" in out
    assert "only alice's keys may change her document" in out
    assert namespace["first"].verified
    assert not namespace["replayed"].verified
    assert out.rstrip().endswith("replayDetected")


@pytest.mark.usefixtures("offline_in_tmp")
def test_did_bid_guide_examples_run(capsys: pytest.CaptureFixture[str]) -> None:
    namespace = _run_python_blocks("did-bid.md")
    out = capsys.readouterr().out
    assert "22" in out  # the short suffix was refused with its reason
    assert str(namespace["main"]) == "did:bid:efdPP4ympm36RxTYQJPber1PRKmLWZE"


@pytest.mark.usefixtures("offline_in_tmp")
def test_extending_examples_run() -> None:
    namespace = _run_python_blocks("extending.md")
    registry = namespace["registry"]
    alice = namespace["alice"]
    assert [version.seq for version in registry.history(str(alice.bid()))] == [1]


def test_strict_build(tmp_path: Path) -> None:
    pytest.importorskip("mkdocs", reason="MkDocs is not installed (pip install -e '.[docs]')")
    pytest.importorskip("material", reason="mkdocs-material is not installed")
    pytest.importorskip("mkdocstrings", reason="mkdocstrings is not installed")
    site = tmp_path / "site"
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
    completed = subprocess.run(
        [
            sys.executable,
            *("-m", "mkdocs", "build", "--strict", "--quiet"),
            *("--config-file", str(ROOT / "mkdocs.yml"), "--site-dir", str(site)),
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert completed.returncode == 0, completed.stdout + completed.stderr
    cli_page = (site / "cli" / "index.html").read_text(encoding="utf-8")
    assert "bid vc verify" in cli_page
    api_page = (site / "api" / "registry" / "index.html").read_text(encoding="utf-8")
    assert "MemoryRegistry" in api_page
