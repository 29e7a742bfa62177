"""Where a store lives and how large it may grow: its folder (``$EXPLORER_STORE``, else the user cache), its size
bound (``$EXPLORER_STORE_MAX_BYTES``, else 2 GB), and the folders that cannot be a store."""
from __future__ import annotations

import os
import re
from pathlib import Path

from ..core.files import expanded
from .catalogue import StoreError

DEFAULT_MAX_BYTES = 2_000_000_000  #: 2 GB
_UNITS = {"": 1, "k": 10**3, "m": 10**6, "g": 10**9, "t": 10**12}


def _quoted(value) -> str:
    text = repr(value)
    return text if len(text) <= 40 else f"{text[:30]}… ({len(str(value))} characters)"


def parse_bytes(value) -> int:
    """Parse a size such as ``2000000``, ``"500M"``, ``"2G"`` or ``"1.5GB"`` into bytes."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        if not value >= 0:   # negative or NaN
            raise StoreError(f"a store size must not be negative, got {_quoted(value)}.")
        size = value
    else:
        m = re.fullmatch(r"\s*([0-9]*\.?[0-9]+)\s*([kmgt]?)i?b?\s*", str(value).lower())
        if not m:
            raise StoreError(f"a store size must be a number of bytes such as 500M or 2G, got {_quoted(value)}.")
        size = float(m.group(1)) * _UNITS[m.group(2)]
    if size >= 2**63:   # a typo (and a 400-digit number is infinite as a float: no int at all)
        raise StoreError(f"a store size must be below 9000000T, got {_quoted(value)}.")
    return int(size)


def default_max_bytes() -> int:
    """``$EXPLORER_STORE_MAX_BYTES`` if set (a bad value is named: it broke every command without saying which
    setting was wrong), else :data:`DEFAULT_MAX_BYTES`."""
    text = os.environ.get("EXPLORER_STORE_MAX_BYTES", "").strip()
    if not text:
        return DEFAULT_MAX_BYTES
    try:
        return parse_bytes(text)
    except StoreError as e:
        raise StoreError(f"$EXPLORER_STORE_MAX_BYTES: {e} Unset it for the default, 2G.") from None


def default_root() -> Path:
    """``$EXPLORER_STORE`` if set, else the per-user cache folder."""
    env = os.environ.get("EXPLORER_STORE")
    if env:
        return expanded(env, "$EXPLORER_STORE")
    import platformdirs

    return Path(platformdirs.user_cache_dir("explorer")) / "store"


def check_root(root: Path) -> None:
    """Raise :class:`StoreError` when ``root`` cannot be a store: a file, an unreadable folder, or a folder inside
    a store (its runs/, locks/ or tmp/, or an entry), whose folders would read as damaged entries that
    ``store verify --fix`` would remove with what they hold."""
    if root.exists() and not root.is_dir():
        raise StoreError(f"the store path {root} is a file, not a folder; give --store (or $EXPLORER_STORE) a "
                         "folder.")
    if root.is_dir() and not os.access(root, os.R_OK | os.X_OK):
        raise StoreError(f"the store folder {root} cannot be read (permission denied).")
    here = Path(root).absolute()   # "." or a relative path has no name to check
    inner = next((p for p in (here, *here.parents) if p.name in ("runs", "tmp", "locks")
                  and (p.parent / "runs").is_dir() and (p.parent / "locks").is_dir()), None)
    if inner is not None:
        raise StoreError(f"{root} is inside the store at {inner.parent}, not a store of its own; give --store (or "
                         f"$EXPLORER_STORE) {inner.parent}.")
