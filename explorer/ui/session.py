"""Whether code runs in a served Panel session (``panel serve``), not in a notebook or a script: the one test
the shell, its background job, the opening-pages register and the URL reader share."""
from __future__ import annotations

import panel as pn


def served(doc=None) -> bool:
    """Whether ``doc`` (default: the current document) belongs to a served session."""
    doc = pn.state.curdoc if doc is None else doc
    return doc is not None and doc.session_context is not None
