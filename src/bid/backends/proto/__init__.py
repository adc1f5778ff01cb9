"""Generated protobuf modules of the BIF transaction (``chain.proto``); see README.md here.

Nothing is imported here: :mod:`bid.backends.bif_tx` imports ``chain_pb2`` (and with it
protobuf) on first use.
"""

from __future__ import annotations

__all__: list[str] = []
