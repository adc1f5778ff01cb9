"""Lazy imports of optional dependencies, with an error that says what to install."""

from __future__ import annotations

import importlib
from types import ModuleType

from .errors import MissingExtra

__all__ = ["import_extra"]


def import_extra(module: str, extra: str, *, feature: str) -> ModuleType:
    """Import ``module`` or raise MissingExtra naming ``pip install 'bid[extra]'``."""
    try:
        return importlib.import_module(module)
    except ImportError as exc:
        raise MissingExtra(
            f"{feature} needs the optional dependency {module!r}: run  pip install 'bid[{extra}]'"
        ) from exc
