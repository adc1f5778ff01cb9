"""Registry backends: the only code of the library that opens files or sockets.

Each backend is loaded lazily by :func:`bid.registry.load_registry` (``"sqlite:PATH"`` loads
:mod:`bid.backends.sqlite`), so importing ``bid`` opens nothing and imports no driver.
"""

from __future__ import annotations

__all__: list[str] = []
