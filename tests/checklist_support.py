"""Support for the checklist suites: a guard that fails a test on any network use.

``no_network`` (a fixture) replaces ``socket.socket.connect``/``connect_ex``,
``socket.create_connection`` and ``socket.getaddrinfo`` for the test's duration. Any use
is recorded in ``guard.attempts`` and raises :class:`NetworkUsed`, so a refused URL, a
context fetch or a resolver that reached for the network fails the test even when the
library would have caught the error. ``guard.allow(port)`` admits one loopback port (a
``LoopbackServer`` the test started itself); ``guard`` is the same fixture under the name
a test asks for when it needs to call ``allow``. ``conftest.py`` registers this module as
a plugin, so a test module only names the fixtures (``pytest.mark.usefixtures``).
"""

from __future__ import annotations

import socket
from collections.abc import Iterator
from typing import Any

import pytest

__all__ = ["NetworkGuard", "NetworkUsed", "guard", "no_network"]

_LOOPBACK = frozenset({"127.0.0.1", "localhost", "::1"})


class NetworkUsed(AssertionError):
    """Raised where the code under test touched the network without permission."""


class NetworkGuard:
    """What was attempted, and the loopback ports a test admitted."""

    def __init__(self) -> None:
        self.attempts: list[str] = []
        self.allowed_ports: set[int] = set()

    def allow(self, port: int) -> None:
        """Admit connections to 127.0.0.1:``port`` (a server this test runs)."""
        self.allowed_ports.add(port)

    def admits(self, host: object, port: object) -> bool:
        return isinstance(host, str) and host in _LOOPBACK and port in self.allowed_ports

    def refuse(self, what: str) -> NetworkUsed:
        self.attempts.append(what)
        return NetworkUsed(f"network use: {what}")


@pytest.fixture
def no_network(monkeypatch: pytest.MonkeyPatch) -> Iterator[NetworkGuard]:
    """Fail on any socket connection or name lookup not admitted with ``allow``."""
    guard = NetworkGuard()
    real_connect = socket.socket.connect
    real_connect_ex = socket.socket.connect_ex
    real_create = socket.create_connection
    real_getaddrinfo = socket.getaddrinfo

    def connect(self: socket.socket, address: Any) -> None:
        if isinstance(address, tuple) and guard.admits(address[0], address[1]):
            real_connect(self, address)
            return
        raise guard.refuse(f"connect {address!r}")

    def connect_ex(self: socket.socket, address: Any) -> int:
        if isinstance(address, tuple) and guard.admits(address[0], address[1]):
            return real_connect_ex(self, address)
        raise guard.refuse(f"connect_ex {address!r}")

    def create_connection(address: Any, *args: Any, **kwargs: Any) -> socket.socket:
        if isinstance(address, tuple) and guard.admits(address[0], address[1]):
            return real_create(address, *args, **kwargs)
        raise guard.refuse(f"create_connection {address!r}")

    def getaddrinfo(host: Any, port: Any, *args: Any, **kwargs: Any) -> Any:
        if guard.admits(host, port):
            return real_getaddrinfo(host, port, *args, **kwargs)
        raise guard.refuse(f"getaddrinfo {host!r}:{port!r}")

    monkeypatch.setattr(socket.socket, "connect", connect)
    monkeypatch.setattr(socket.socket, "connect_ex", connect_ex)
    monkeypatch.setattr(socket, "create_connection", create_connection)
    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    yield guard
    assert not guard.attempts, f"the code under test used the network: {guard.attempts}"


@pytest.fixture
def guard(no_network: NetworkGuard) -> NetworkGuard:
    """The test's ``no_network`` guard, for admitting the loopback servers it starts."""
    return no_network
