"""The command line, generated for every registered study: ``explorer run | sweep <study> …``, ``explorer store …``.

=================  ==========================================================================
module             what it holds
=================  ==========================================================================
main.py            the parser and the dispatch (``main``)
flags.py           a flag per setting, from each setting's :class:`~explorer.core.fields.Setting`
run.py             ``explorer run <study>``
sweep.py           ``explorer sweep <study>``
store.py           ``explorer store ls | info | gc | export``
errors.py          the one map from error type to exit code and one-line message
settings_doc.py    ``python -m explorer.cli.settings_doc`` writes docs/settings.md
=================  ==========================================================================
"""
from .main import main

__all__ = ["main"]
