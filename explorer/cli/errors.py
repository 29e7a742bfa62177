"""The one map from an error a user can cause to an exit code and one readable line on stderr.

==========================  =====  =====================================================================
error                       code   line
==========================  =====  =====================================================================
ConfigError, StoreError     2      the error's own sentence (bad input, a store path that cannot work)
FloatingPointError          1      the sentence (training diverged)
Cancelled, KeyboardInterrupt 130   "cancelled; nothing half-written was kept (…)"
OSError                     1      its reason and the file it concerns, as one sentence
==========================  =====  =====================================================================

Anything else is a bug and keeps its traceback.
"""
from __future__ import annotations

import sys

PROG = "explorer"


def _one_line(text: str) -> str:
    text = " ".join(str(text).split())
    return text if text.endswith((".", "?", "!")) else text + "."


def _os_sentence(e: OSError) -> str:
    why = e.strerror or str(e) or type(e).__name__
    where = f" ({e.filename})" if e.filename else ""
    return f"{why}{where}; nothing stored was changed"


def classify(e: BaseException) -> tuple[int, str] | None:
    """``(exit code, sentence)`` for an error a user can cause, or None for a bug."""
    from ..core.cancel import Cancelled
    from ..core.config import ConfigError
    from ..store.catalogue import StoreError

    if isinstance(e, (ConfigError, StoreError)):
        return 2, str(e) or type(e).__name__
    if isinstance(e, FloatingPointError):
        return 1, str(e) or "training diverged (not a number)"
    if isinstance(e, (Cancelled, KeyboardInterrupt)):
        return 130, ("cancelled; nothing half-written was kept (a sweep keeps the cells that finished, and "
                     "running it again goes on from there)")
    if isinstance(e, OSError):
        return 1, _os_sentence(e)
    return None


def report(e: BaseException) -> int:
    """Print ``e``'s one line on stderr and return its exit code (re-raise bugs)."""
    if isinstance(e, BrokenPipeError):  # the reader stopped early (``| head``): nothing to say
        import contextlib
        import os

        with contextlib.suppress(Exception):   # no "Exception ignored" when Python flushes stdout at exit
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 1
    found = classify(e)
    if found is None:
        raise e
    code, sentence = found
    print(f"{PROG}: {_one_line(sentence)}", file=sys.stderr)
    return code
