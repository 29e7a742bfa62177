"""What the served app's dependency patches share (freeze.py, bundles.py, socket_writes.py): each was written
against some versions of one package and applies only on those."""
from __future__ import annotations

import importlib


def version_of(package: str) -> str:
    """The imported package's version string (``__version__``; tornado names it ``version``)."""
    module = importlib.import_module(package)
    return getattr(module, "__version__", None) or module.version


def written_for(version: str, versions: tuple[str, ...]) -> bool:
    """Whether ``version`` is one of ``versions``, compared on as many parts as each names: "3.9" is 3.9.2 but
    not 3.10.0, "6" is 6.6.1 but not 7.0."""
    parts = version.split(".")
    return any(parts[:len(v.split("."))] == v.split(".") for v in versions)
