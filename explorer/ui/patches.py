"""What the served app's dependency patches share (freeze.py, bundles.py, socket_writes.py, serialize.py): each
was written against some versions of one package and applies only on those."""
from __future__ import annotations

import importlib
import logging
import os

log = logging.getLogger("explorer.ui")


def version_of(package: str) -> str:
    """The imported package's version string (``__version__``; tornado names it ``version``)."""
    module = importlib.import_module(package)
    return getattr(module, "__version__", None) or module.version


def written_for(version: str, versions: tuple[str, ...]) -> bool:
    """Whether ``version`` is one of ``versions``, compared on as many parts as each names: "3.9" is 3.9.2 but
    not 3.10.0, "6" is 6.6.1 but not 7.0."""
    parts = version.split(".")
    return any(parts[:len(v.split("."))] == v.split(".") for v in versions)


#: Bokeh major.minor versions the Bokeh patches (freeze.py, serialize.py) were written and tested against.
BOKEH_VERSIONS = ("3.9",)


def bokeh_supported(version: str | None = None) -> bool:
    """Whether this Bokeh (``bokeh.__version__`` unless given) is one the Bokeh patches were written for."""
    return written_for(version or version_of("bokeh"), BOKEH_VERSIONS)


def may_apply(switch: str, package: str, versions: tuple[str, ...], what: str, without: str) -> bool:
    """Whether a patch may be installed: not turned off by ``$switch=0``, and ``package`` is one of
    ``versions`` (else one log line naming ``what`` and what the app does ``without`` it)."""
    if os.environ.get(switch, "1") == "0":
        return False
    version = version_of(package)
    if not written_for(version, versions):
        log.warning("%s %s is not one %s was written for (%s); not applied (%s).", package.capitalize(), version,
                    what, ", ".join(versions), without)
        return False
    return True
