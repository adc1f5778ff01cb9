"""Test doubles shipped with ``bid``, to test code that uses it without a network.

:class:`BifTestNode` is a local BIF *test node*: it answers the node HTTP API over real
HTTP on loopback, so a BIF integration can be exercised offline. It is not a chain node;
its module docstring (:mod:`bid.testing.bif_node`) says what it models and what it does not.
"""

from __future__ import annotations

from .bif_node import BifTestNode

__all__ = ["BifTestNode"]
