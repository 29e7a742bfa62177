"""Opt-in Bokeh patch: serialize a model's set properties without first computing every default it leaves alone.

When Bokeh sends models to a browser (a new page's document, a new plot on a slider move) it asks each model for its
properties "without defaults" (``HasProps.query_properties_with_values(include_defaults=False)``), but it computes
the value of *every* property first and only then drops the defaults (a TODO in Bokeh says so): for each default, a
walk over the model's class hierarchy (``_overridden_defaults``) and a fresh copy of the default, then thrown away.
On a study page of ≈ 700 models (measured on the first study's) that made the document sent to a new browser cost
0.133 s of the server's loop; with the defaults skipped before they are computed it costs 0.031 s, and the document
sent is the same (``tests/test_contract.py`` compares every study page's serialized document with and without this
patch). Also, the overridden defaults of a class are computed once per class, not on every read.

What is skipped is what Bokeh would have dropped anyway: a property neither set on the model, nor an unstable
default already made (those are kept, as Bokeh keeps them), nor given by a theme. One difference: a model whose
required property was never set no longer raises Bokeh's ``UnsetValueError`` when it is sent (it is sent without
that property); no model the explorer makes has one.

Nothing applies this on import: the served app calls :func:`apply` from ``apps/setup.py``. It is written against
the Bokeh versions in :data:`explorer.ui.patches.BOKEH_VERSIONS`; on any other it logs one line and does nothing.
``EXPLORER_BOKEH_SERIALIZE_PATCH=0`` turns it off.
"""
from __future__ import annotations

import functools
import logging

from .patches import BOKEH_VERSIONS, bokeh_supported, may_apply

log = logging.getLogger("explorer.ui")

_APPLIED = False
supported = bokeh_supported   #: whether this Bokeh is one the patch was written for (patches.BOKEH_VERSIONS)


def apply() -> bool:
    """Install the patch once per process; returns whether it is active."""
    global _APPLIED
    if _APPLIED or not may_apply("EXPLORER_BOKEH_SERIALIZE_PATCH", "bokeh", BOKEH_VERSIONS,
                                 "the serialization patch", "every default is computed before it is dropped"):
        return _APPLIED
    from bokeh.core.has_props import HasProps

    query = HasProps.query_properties_with_values
    overridden = HasProps._overridden_defaults.__func__

    @functools.wraps(query)
    def query_properties_with_values(self, predicate, *, include_defaults=True, include_undefined=False):
        if include_defaults:
            return query(self, predicate, include_defaults=True, include_undefined=include_undefined)
        # the keys Bokeh keeps when it leaves defaults out (the same three sets it selects afterwards)
        themed = self.themed_values() or {}
        kept = self._property_values.keys() | self._unstable_default_values.keys() | themed.keys()
        return query(self, lambda descriptor: descriptor.name in kept and predicate(descriptor),
                     include_defaults=False, include_undefined=include_undefined)

    HasProps.query_properties_with_values = query_properties_with_values
    HasProps._overridden_defaults = classmethod(functools.lru_cache(None)(overridden))   # read-only callers
    _APPLIED = True
    log.info("Bokeh serialization patch applied (defaults skipped before they are computed).")
    return True
