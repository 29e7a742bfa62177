"""Opt-in Bokeh patch: skip the whole-document model recompute after a freeze in which the graph did not change.

HoloViews wraps every plot update in ``doc.models.freeze()`` (upstream: holoviz/holoviews#6315), and Bokeh recomputes
the set of all models of the document when the outermost freeze ends, whether or not anything changed. On a study
page of ≈ 800 models (measured on the first study's) that walk costs about 0.25 s per streamed update on a two-core
laptop — more than the update itself. Bokeh calls ``DocumentModelManager.invalidate`` whenever a property change adds
or removes model references (``Model.trigger``); roots change through ``add_root`` / ``remove_root``. So a freeze
during which neither happened cannot have changed the graph, and its recompute is skipped.

Nothing applies this on import: the served app calls :func:`apply` from ``apps/setup.py``. It is written
against Bokeh's private ``DocumentModelManager`` of the versions in :data:`explorer.ui.patches.BOKEH_VERSIONS`;
on any other Bokeh it logs one line and does nothing. ``EXPLORER_BOKEH_FREEZE_PATCH=0`` turns it off.
"""
from __future__ import annotations

import logging

from .patches import BOKEH_VERSIONS, bokeh_supported, may_apply

log = logging.getLogger("explorer.ui")

_APPLIED = False
supported = bokeh_supported   #: whether this Bokeh is one the patch was written for (patches.BOKEH_VERSIONS)


def apply() -> bool:
    """Install the patch once per process; returns whether it is active."""
    global _APPLIED
    if _APPLIED or not may_apply("EXPLORER_BOKEH_FREEZE_PATCH", "bokeh", BOKEH_VERSIONS, "the freeze patch",
                                 "holoviz/holoviews#6315: streamed updates re-walk the document"):
        return _APPLIED
    from bokeh.document.models import DocumentModelManager

    if not all(hasattr(DocumentModelManager, a) for a in ("invalidate", "_push_freeze", "_pop_freeze")):
        log.warning("Bokeh's DocumentModelManager changed; the freeze patch is not applied.")
        return False
    original_invalidate = DocumentModelManager.invalidate
    original_push, original_pop = DocumentModelManager._push_freeze, DocumentModelManager._pop_freeze

    def invalidate(self):
        self._explorer_dirty = True
        original_invalidate(self)

    def _push_freeze(self):
        if self._freeze_count == 0:
            self._explorer_dirty = False
            doc = self._document()
            self._explorer_roots = tuple(id(r) for r in doc.roots) if doc is not None else None
        original_push(self)

    def _pop_freeze(self):
        if self._freeze_count == 1 and not getattr(self, "_explorer_dirty", True):
            doc = self._document()
            roots = tuple(id(r) for r in doc.roots) if doc is not None else None
            if roots == getattr(self, "_explorer_roots", ()) and roots is not None:
                self._freeze_count = 0  # nothing was invalidated and the roots are the same: no recompute
                return
        original_pop(self)

    DocumentModelManager.invalidate = invalidate
    DocumentModelManager._push_freeze = _push_freeze
    DocumentModelManager._pop_freeze = _pop_freeze
    _APPLIED = True
    log.info("Bokeh freeze patch applied (holoviz/holoviews#6315).")
    return True
