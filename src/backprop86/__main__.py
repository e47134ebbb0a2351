"""``python -m backprop86``: the ``backprop86`` command."""

import sys

from .run.cli import main

sys.exit(main())
