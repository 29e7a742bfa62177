"""Opt-in: a served page loads only the BokehJS bundles the explorer's pages use.

Panel's server sends every BokehJS bundle with a page (holoviz/panel#2796: it cannot know what a session will
add later), including WebGL's, and since Panel 1.9 MathJax's 1.8 MB whenever a root of the page is an HTML pane
(holoviz/panel#8424: any of them might carry TeX). The explorer's pages draw no TeX — every text is plain
Unicode (ε, λ, ‖W‖); tests/test_contract.py walks every view and page of every study for TeX delimiters — and
their plots are small enough for the canvas backend. So the app's server leaves both bundles out and draws its
plots on canvas (HoloViews' renderer otherwise asks for WebGL): a page loads 3.7 instead of 5.7 MB of
JavaScript, and a new page on a warm server showed its stored setting ~0.2 s sooner (docs/performance.md,
2026-12-03).

Nothing applies this on import: the served app calls :func:`apply` from ``apps/setup.py``. It wraps
``panel.io.server.bundle_resources`` of the Panel versions in :data:`PANEL_VERSIONS`; on any other Panel it logs
one line and does nothing. ``EXPLORER_ALL_BUNDLES=1`` turns it off (e.g. for a page that adds TeX).
"""
from __future__ import annotations

import logging
import os

from .patches import version_of, written_for

log = logging.getLogger("explorer.ui")

#: Panel major.minor versions whose server-side ``bundle_resources`` this was written and tested against.
PANEL_VERSIONS = ("1.9",)
#: The BokehJS bundles no explorer page needs.
UNUSED = ("bokeh-mathjax", "bokeh-gl")

_APPLIED = False


def supported(version: str | None = None) -> bool:
    """Whether this Panel (``panel.__version__`` unless given) is one the wrapper was written for."""
    return written_for(version or version_of("panel"), PANEL_VERSIONS)


def without_unused(resources):
    """A copy of Panel ``Resources`` without the :data:`UNUSED` bundles."""
    resources = resources.clone()
    resources.components = [c for c in resources.components if c not in UNUSED]
    return resources


def apply() -> bool:
    """Install the wrapper once per process; returns whether it is active."""
    global _APPLIED
    if _APPLIED or os.environ.get("EXPLORER_ALL_BUNDLES", "0") == "1":
        return _APPLIED
    if not supported():
        import panel

        log.warning("Panel %s is not one the bundle wrapper was written for (%s); every BokehJS bundle is served.",
                    panel.__version__, ", ".join(PANEL_VERSIONS))
        return False
    import panel.io.server as server
    from panel.io.resources import Resources

    original = server.bundle_resources

    def bundle_resources(roots, resources, *args, **kwargs):
        if resources is not None:
            if not isinstance(resources, Resources):
                resources = Resources.from_bokeh(resources)
            resources = without_unused(resources)
        kwargs.setdefault("enable_mathjax", False)
        return original(roots, resources, *args, **kwargs)

    server.bundle_resources = bundle_resources
    import holoviews as hv

    hv.renderer("bokeh").webgl = False   # no WebGL bundle: every plot on canvas
    _APPLIED = True
    log.info("Served pages load no MathJax or WebGL bundle (explorer/ui/bundles.py).")
    return True
