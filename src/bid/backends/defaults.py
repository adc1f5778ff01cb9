"""The defaults that depend on the machine: where the embedded registry lives, and the
resolver used when the caller names none (did:key offline, did:bid from that registry)."""

from __future__ import annotations

import os
import sys
import threading
from collections.abc import Mapping
from pathlib import Path

from .._json import JSONValue
from ..resolver import DIDMethod, MethodRouter, ResolutionResult

__all__ = ["DefaultResolver", "default_registry_url"]


def default_registry_url() -> str:
    """``sqlite:`` + the registry file in the user's data directory (created on first use)."""
    if sys.platform == "win32":
        base = Path(os.environ.get("LOCALAPPDATA") or Path.home() / "AppData" / "Local")
    elif sys.platform == "darwin":
        base = Path.home() / "Library" / "Application Support"
    else:
        base = Path(os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share")
    return f"sqlite:{base / 'bid' / 'registry.sqlite3'}"


class DefaultResolver:
    """did:key offline; did:bid from ``$BID_REGISTRY`` or the embedded default registry.

    The registry is opened on the first did:bid resolution, and only if it exists: verifying
    a credential never creates a registry file. A missing default registry resolves every
    did:bid to ``notFound``.
    """

    def __init__(self) -> None:
        from ..methods.key import KeyMethod

        self._key = KeyMethod()
        self._bid: DIDMethod | None = None
        self._lock = threading.Lock()

    def resolve(self, did: str, options: Mapping[str, JSONValue] | None = None) -> ResolutionResult:
        """Resolve ``did`` with the method its prefix names."""
        methods: list[DIDMethod] = [self._key]
        if did.startswith("did:bid:"):
            method = self._bid_method()
            if method is None:
                return ResolutionResult.failure(
                    "notFound", f"{did} is not registered (no registry at {self._url()})"
                )
            methods.append(method)
        return MethodRouter(methods).resolve(did, options)

    @staticmethod
    def _url() -> str:
        return os.environ.get("BID_REGISTRY") or default_registry_url()

    def _bid_method(self) -> DIDMethod | None:
        with self._lock:
            if self._bid is None:
                url = self._url()
                if url.startswith("sqlite:") and not Path(url[len("sqlite:") :]).exists():
                    return None
                from ..methods.bid import BidMethod
                from ..registry import load_registry

                self._bid = BidMethod(load_registry(url))
            return self._bid
