"""Neighbouring runs of a setting: which are in the store, loading them, computing the missing ones.

The structure → function overview (Béna & Goodman 2023b, Fig. 2: F against p and Q; Béna & Goodman 2023a, Fig. 3:
heatmaps over two parameters) is drawn from cells that already exist; a button computes the rest as one sweep,
where configs of equal shape train together as one ensemble (``Store.get_or_run_many``).

Results pass through the one in-process cache, :mod:`explorer.store.memory`.
"""
from __future__ import annotations

import itertools

from ...core.config import ConfigError
from ...store import memory
from .config import SpecializationConfig, parse_p
from .experiment import p_grid

#: Parameters the overview can put on an axis, with the values it looks for besides the current one.
AXES = {
    "p": None,  # p_grid(n), plus any p of this n seen in the store
    "n": [4, 8, 16, 25, 32, 64],
    "covariance": [0.0, 0.25, 0.5, 0.75, 1.0],
    "noise": [0.0, 0.2, 0.4, 0.6, 0.8],
    "bottleneck": [0, 1, 2, 5, 10, 25],
    "comms_start": None,  # every step 0 … T−1
    "steps": [2, 3, 4, 5, 6, 8],
}


def axis_values(config: SpecializationConfig, name: str, store=None) -> list:
    """Values of ``name`` the overview looks for: its grid and the current value (p: "1/n2" for one link)."""
    if name not in AXES:
        raise ConfigError(f"the overview can vary {', '.join(AXES)}; not {name!r}.")
    current = getattr(config, name)
    if name == "p":
        values = set(p_grid(config.n)[1:]) | {current}
        if store is not None:
            for row in _safe_ls(store):
                if row.get("n") == config.n and isinstance(row.get("p"), (int, float)):
                    values.add(float(row["p"]))
        lo = 1.0 / config.n**2
        return ["1/n2"] + sorted(v for v in values if v > lo * (1 + 1e-9))
    if name == "comms_start":
        return list(range(config.steps))
    return sorted(set(AXES[name]) | {current})


def _safe_ls(store) -> list:
    try:
        return store.ls()
    except Exception:  # noqa: BLE001 — the overview is a view; an unreadable listing just adds nothing
        return []


def neighbours(config: SpecializationConfig, vary: dict) -> list[tuple[dict, SpecializationConfig]]:
    """``(labels, config)`` for every valid combination of ``vary`` around ``config`` (invalid ones skipped).

    ``labels`` maps each varied name to the value as given (``"1/n2"`` stays text, resolved per n).
    """
    names = list(vary)
    out, seen = [], set()
    for combo in itertools.product(*(vary[k] for k in names)):
        labels = dict(zip(names, combo))
        changes = {k: v for k, v in labels.items() if k != "p"}
        n = changes.get("n", config.n)
        try:
            if "p" in labels:
                changes["p"] = parse_p(labels["p"], n)
            cfg = config.replace(**changes)
        except (ConfigError, TypeError):
            continue
        if cfg.key() not in seen:
            seen.add(cfg.key())
            out.append((labels, cfg))
    return out


def stored(store, cells: list) -> tuple[list, list]:
    """Split ``cells`` (from :func:`neighbours`) into ``(found, missing)``; ``found`` holds
    ``(labels, Result)`` loaded from memory or the store, ``missing`` holds ``(labels, config)``."""
    found, missing = [], []
    for labels, cfg in cells:
        result = memory.load(store, cfg)
        if result is None:
            missing.append((labels, cfg))
        else:
            found.append((labels, result))
    return found, missing
