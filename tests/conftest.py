"""Shared test configuration: the vector files and the Hypothesis profile.

The vectors live in ``tests/vectors/`` (see its README.md) and are found relative to this
file, so the tests never read anything outside the repository.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, settings

# The network guard and its fixtures (no_network, guard) for every test module.
pytest_plugins = ["checklist_support"]

VECTORS_DIR = Path(__file__).parent / "vectors"

# No per-example deadline: SM2 key derivation is pure Python (~3 ms) and the first SM2
# signature loads the GmSSL bindings, which on a loaded CI machine can exceed Hypothesis's
# 200 ms default and make a property flaky for reasons that have nothing to do with it.
settings.register_profile(
    "bid",
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.load_profile("bid")


def load_vectors(name: str) -> Any:
    """Parse ``tests/vectors/<name>`` (JSON, UTF-8)."""
    return json.loads((VECTORS_DIR / name).read_text(encoding="utf-8"))


@pytest.fixture(scope="session")
def vectors_dir() -> Path:
    """The directory holding this project's test vectors."""
    return VECTORS_DIR


@pytest.fixture(scope="session")
def vectors() -> Callable[[str], Any]:
    """A loader for one vector file by name, e.g. ``vectors("bid-vectors.json")``."""
    return load_vectors
