"""Neighbouring runs of a setting: which are in the store, loading them, computing the missing ones.

The structure → function overview (paper 001 Fig. 2: F against p and Q; paper 000 Fig. 3: heatmaps over
two parameters) is drawn from cells that already exist; a button computes the rest as one sweep, where
configs of equal shape train together as one ensemble (``Store.get_or_run_many``).

A small in-process memory keeps recently used Results so that a setting revisited in the same server
comes back without reading disk; the store stays the source of truth.
"""
from __future__ import annotations

import dataclasses
import itertools
import threading
from collections import OrderedDict

from ..config import ConfigError, SpecializationConfig, parse_p
from .specialization import p_grid

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


_MEMORY: "OrderedDict[tuple, object]" = OrderedDict()
_MEMORY_LOCK = threading.Lock()
MEMORY_SIZE = 64


def remember(store, config: SpecializationConfig, result) -> None:
    with _MEMORY_LOCK:
        _MEMORY[(str(store.root), config.key())] = result
        _MEMORY.move_to_end((str(store.root), config.key()))
        while len(_MEMORY) > MEMORY_SIZE:
            _MEMORY.popitem(last=False)


def recall(store, config: SpecializationConfig):
    """The Result of ``config`` if this process used it recently and the store still holds it, else None."""
    key = (str(store.root), config.key())
    with _MEMORY_LOCK:
        result = _MEMORY.get(key)
        if result is not None:
            _MEMORY.move_to_end(key)
    if result is not None and not store.has(config):  # evicted or removed behind our back
        with _MEMORY_LOCK:
            _MEMORY.pop(key, None)
        return None
    return result


def get_or_run(store, config: SpecializationConfig, on_progress=None, cancel=None):
    """``store.get_or_run`` with the in-process memory in front of it (a remembered Result is ``cached``)."""
    result = recall(store, config)
    if result is not None:
        return dataclasses.replace(result, cached=True)
    result = store.get_or_run(config, on_progress=on_progress, cancel=cancel)
    remember(store, config, result)
    return result


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
        result = recall(store, cfg)
        if result is None and store.has(cfg):
            result = store.load(cfg)
            if result is not None:
                remember(store, cfg, result)
        if result is None:
            missing.append((labels, cfg))
        else:
            found.append((labels, result))
    return found, missing


def compute(store, configs: list, on_progress=None, cancel=None) -> list:
    """Train the missing ``configs`` (equal shapes as one ensemble) into the store; returns their Results."""
    results = store.get_or_run_many(list(configs), on_progress=on_progress, cancel=cancel)
    for cfg, result in zip(configs, results):
        remember(store, cfg, result)
    return results
