"""The store's upkeep: entries checked before they are asked for, and removed on request (``explorer store
verify``, ``explorer store rm``). Mixed into :class:`~explorer.store.store.Store`, whose ``_entries``,
``entry_dir`` and one-rename ``_remove`` it uses."""
from __future__ import annotations

from ..core.files import why
from . import entry


class Upkeep:
    """Checking and removing entries of a store folder (mixed into :class:`~explorer.store.store.Store`)."""

    def verify(self, fix: bool = False) -> list[tuple[str, str, bool]]:
        """``(entry key, why, damaged)`` for every entry that fails its checks (its files, their checksums, its
        config.json, whether its result and weights parse); ``fix`` removes the damaged ones (a run that asks for
        them trains them again). An entry that cannot be read *now* (permission denied, too many open files) is
        reported with ``damaged`` False and never removed. A damaged entry is never served either way: reading
        checks the same (this finds them before they are asked for)."""
        bad = []
        for _, key, _ in self._entries():
            path = self.entry_dir(key)
            try:
                entry.checked(path, key)
            except entry.Unusable as e:
                bad.append((key, str(e), True))
            except (OSError, ValueError, MemoryError) as e:   # removed meanwhile, bad JSON, not readable now
                if entry.unreadable_now(e):
                    bad.append((key, f"cannot be read now ({why(e)}); left in place", False))
                elif path.exists():
                    bad.append((key, f"unreadable ({why(e) if isinstance(e, OSError) else e})", True))
        if fix:
            for key, _, damaged in bad:
                if damaged:
                    self._remove(self.entry_dir(key))
        return bad

    def remove(self, keys) -> list[str]:
        """Remove the entries ``keys`` (full entry keys); returns those that were there."""
        gone = []
        for key in keys:
            path = self.entry_dir(key)
            if path.is_dir():
                self._remove(path)
                gone.append(key)
        return gone
