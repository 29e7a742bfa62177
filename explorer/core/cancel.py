"""Cancellation in one place: a run's cancel flag is a ``threading.Event`` (or anything with ``is_set``) or a
zero-argument callable; :func:`check` raises :class:`Cancelled` when it is set."""
from __future__ import annotations


class Cancelled(Exception):
    """Raised inside a run when the caller's cancel flag is set; nothing is returned or stored."""


def is_set(cancel) -> bool:
    """Whether ``cancel`` (None, an Event-like object or a callable) asks to stop."""
    return cancel is not None and bool(cancel.is_set() if hasattr(cancel, "is_set") else cancel())


def check(cancel) -> None:
    """Raise :class:`Cancelled` if ``cancel`` is set."""
    if is_set(cancel):
        raise Cancelled("run cancelled")
