"""``python -m bid``: the same as the ``bid`` command."""

import sys

from .cli import main

sys.exit(main())
