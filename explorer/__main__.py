"""``python -m explorer …``: the ``explorer`` command (as ``python -m explorer.cli``)."""
import sys

from .cli.main import main

sys.exit(main())
