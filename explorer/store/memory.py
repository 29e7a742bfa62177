"""The one in-process cache: recently used Results, so that a setting revisited in the same server (or
notebook) comes back without reading disk. The store stays the source of truth: a remembered Result is served
only while the store still holds every seed of it. Every caller gets a copy of its own: a Result changed in place
(a notebook filtering ``result.data``, zeroing a weight as an ablation) never reaches the next request.
"""
from __future__ import annotations

import dataclasses
import threading
from collections import OrderedDict

SIZE = 64  #: Results kept

_MEMORY: "OrderedDict[tuple, object]" = OrderedDict()
_LOCK = threading.Lock()


def _key(store, config) -> tuple:
    return (str(store.root), config.key())


def remember(store, config, result) -> None:
    with _LOCK:
        _MEMORY[_key(store, config)] = result
        _MEMORY.move_to_end(_key(store, config))
        while len(_MEMORY) > SIZE:
            _MEMORY.popitem(last=False)


def recall(store, config):
    """A copy of the Result of ``config`` if this process used it recently and the store still holds it, else
    None."""
    result = _recall(store, config)
    return None if result is None else _copy(result, cached=True)


def remembered(store, config) -> bool:
    """Whether :func:`recall` would find ``config`` (nothing copied)."""
    return _recall(store, config) is not None


def _recall(store, config):
    key = _key(store, config)
    with _LOCK:
        result = _MEMORY.get(key)
        if result is not None:
            _MEMORY.move_to_end(key)
    if result is not None and not store.has(config):  # evicted or removed behind our back
        with _LOCK:
            _MEMORY.pop(key, None)
        return None
    return result


def forget() -> None:
    """Empty the cache (tests)."""
    with _LOCK:
        _MEMORY.clear()


def _copy(result, **changes):
    """A Result whose data and weights are the caller's own (the remembered one stays as it was stored)."""
    return dataclasses.replace(result, data=result.data.copy(deep=True),
                               weights={k: v.clone() for k, v in result.weights.items()}, **changes)


def get_or_run(store, config, on_progress=None, cancel=None):
    """``store.get_or_run`` with the memory in front of it (a remembered Result is ``cached``)."""
    result = _recall(store, config)
    if result is not None:
        return _copy(result, cached=True)
    result = store.get_or_run(config, on_progress=on_progress, cancel=cancel)
    remember(store, config, result)
    return _copy(result)


def load(store, config):
    """The Result of ``config`` from memory or the store without training, or None."""
    result = _recall(store, config)
    if result is None and store.has(config):
        result = store.load(config)
        if result is not None:
            remember(store, config, result)
    return None if result is None else _copy(result)


def get_or_run_many(store, configs, on_progress=None, cancel=None) -> list:
    """Train the missing ``configs`` (equal shapes as one ensemble) into the store; remember and return them."""
    results = store.get_or_run_many(list(configs), on_progress=on_progress, cancel=cancel)
    for cfg, result in zip(configs, results):
        remember(store, cfg, result)
    return [_copy(r) for r in results]
