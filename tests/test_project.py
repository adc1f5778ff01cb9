"""Project hygiene: one version, recorded in the changelog."""

from __future__ import annotations

import re
from pathlib import Path

import bid
from bid._version import __version__

ROOT = Path(__file__).resolve().parent.parent


def test_the_version_lives_in_one_place() -> None:
    # Read as text: tomllib is not in Python 3.10's standard library.
    pyproject = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    project = pyproject.split("\n[project]\n", 1)[1].split("\n[", 1)[0]
    assert re.search(r'^dynamic = \["version"\]$', project, flags=re.M)
    assert not re.search(r"^version\s*=", project, flags=re.M)
    assert 'version = { attr = "bid._version.__version__" }' in pyproject
    assert bid.__version__ == __version__
    assert re.fullmatch(r"\d+\.\d+\.\d+", __version__)


def test_the_changelog_has_the_current_version() -> None:
    changelog = (ROOT / "CHANGELOG.md").read_text(encoding="utf-8")
    headings = re.findall(r"^## (\S+)", changelog, flags=re.M)
    assert headings[0] == "Unreleased"
    assert __version__ in headings
