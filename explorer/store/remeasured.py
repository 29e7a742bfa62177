"""Stored networks measured again instead of trained again.

A study's *measuring* settings (``Setting.measured``: thresholds, cluster counts, shuffles …) are read only
after training, yet they are part of a run's key. So when a setting's entry is missing but the same networks
are stored under other measuring settings (equal :meth:`~explorer.core.config.StudyConfig.training_key`), the
store hands those networks to the study's ``run.remeasure`` and stores what it measures as the new entry,
in seconds instead of a training run. The new entry says where its networks came from
(``measured_again_from`` in its netCDF attributes).
"""
from __future__ import annotations

import json
import logging
import time

from ..core.cancel import check
from ..core.config import training_key
from ..core.result import merge_seeds

log = logging.getLogger("explorer.store")


def trained_before(store, configs) -> dict:
    """``{(config's run key, seed): (entry key, Result with weights)}`` for the seeds of ``configs`` whose
    networks are stored under other measuring settings (readable, verified entries only; the most recently used
    first), in one pass over the store's entries."""
    want: dict = {}   # several settings may await the same networks (a sweep over a measuring setting)
    for c in configs:
        for s in c.seeds:
            want.setdefault(c.training_key(s), []).append((c.run_key(), s))
    measured = {c.STUDY: type(c).measured() for c in configs}
    found = {}
    for _, key, _ in reversed(store._entries()):
        path = store.entry_dir(key)
        try:
            meta = json.loads((path / "config.json").read_text())
            cfg, seed = meta["config"], meta["seed"]
            if not isinstance(cfg, dict) or cfg.get("study") not in measured or not isinstance(seed, int):
                continue
            targets = [t for t in want.get(training_key(cfg, measured[cfg["study"]], seed), ()) if t not in found]
            if targets:
                source = (key, store._read(path, cfg, seed))
                found.update({t: source for t in targets})
        except Exception:  # noqa: BLE001 — an unreadable entry is not a source; get_or_run deals with its own
            continue
        if len(found) == sum(map(len, want.values())):
            break
    return found


def measure_again(store, todo: list, found: dict, cancel=None) -> list:
    """For each ``(key, config)`` still to train, measure the seeds whose networks are stored under other
    measuring settings and store them (``found[key][seed]`` gets each); returns what is left to train. Seeds
    stored under different measuring settings are measured in separate calls: what a study keeps from its stored
    measurement (say, task variance from test trials whose number did not change) is judged per source."""
    from ..studies import study_of

    able = [config for _, config in todo if type(config).measured() and study_of(config).remeasure is not None]
    stored = trained_before(store, able) if able else {}
    left = []
    for key, config in todo:
        sources = {s: stored[config.run_key(), s] for s in config.seeds if (config.run_key(), s) in stored}
        groups: dict = {}   # seeds by the measuring settings they were stored under
        for s, (_, result) in sorted(sources.items()):
            groups.setdefault(result.data.attrs.get("config"), []).append(s)
        for seeds in groups.values():
            check(cancel)
            done = config.replace(seeds=seeds)
            t0 = time.perf_counter()
            result = study_of(config).remeasure(done, merge_seeds([sources[s][1] for s in seeds]), cancel=cancel)
            wall = time.perf_counter() - t0
            for seed, part in store._split(done, result):
                part.data.attrs["measured_again_from"] = sources[seed][0]
                store._write(done, seed, part, wall_time=wall, trained_with=list(done.seeds))
                found[key][seed] = part
            log.info("measured %d stored network(s) again for %s in %.2f s", len(seeds), key[:12], wall)
        rest = [s for s in config.seeds if s not in sources]
        if rest:
            left.append((key, config.replace(seeds=rest)))
    return left
