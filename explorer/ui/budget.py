"""How large a setting is beside the page's opening one: a setting many times larger waits for a press of Run.

A link (``?steps=200000&seeds=64``) or a slider dragged to its end started a job of hours at once, and a server
trains one run at a time, so every other page waited behind it (found by a reviewer on the BIMT page, in
classroom mode). Each study's config says how much it trains (``StudyConfig.work``: a number proportional to
the training's arithmetic); a setting above :data:`LIMIT` times the opening setting's waits for Run, and a class's
page (``?classroom=1``, a lesson) does not train it at all. A stored setting opens at once, and only what
the store lacks counts (seeds not stored; networks stored under other measuring settings are measured again).
"""
from __future__ import annotations

#: a setting this many times the opening setting's work waits for Run
LIMIT = 10.0


def work(experiment) -> float | None:
    """The work of ``experiment``'s setting (None when it cannot run or its study does not say)."""
    try:
        return experiment.config().work()
    except Exception:  # noqa: BLE001 — a setting that cannot run has no size; its own sentence says why
        return None


def opening(shell, experiment, lesson: bool = False) -> float | None:
    """The work a page measures large settings against: its opening setting's (``experiment`` now), or the
    study page's own defaults' where those are larger (a server opened on tiny settings, as the browser tests'
    is, would otherwise hold back every ordinary one); a ``lesson``'s page, its lesson's alone."""
    if lesson:
        return work(experiment)
    base = type(experiment)(store=experiment.store)
    base.apply(**shell.defaults)
    sizes = [w for w in (work(experiment), work(base)) if w]
    return max(sizes) if sizes else None


def ratio(config, opening: float | None) -> float | None:
    """How many times the ``opening`` work ``config`` trains, when that is more than :data:`LIMIT`; else None."""
    size = config.work()
    if size is None or not opening:
        return None
    times = size / opening
    return times if times > LIMIT else None


def to_train(store, config, opening: float | None) -> float | None:
    """:func:`ratio` of what ``store`` lacks of ``config``: its seeds not stored, less those whose networks are
    stored under other measuring settings (measured again in seconds, not trained)."""
    if not opening:
        return None
    missing = store.missing_seeds(config)
    part = config.replace(seeds=missing) if missing else None
    if part is None or ratio(part, opening) is None:
        return None
    from ..store.remeasured import trained_before

    found = trained_before(store, [part])
    untrained = [s for s in missing if (part.run_key(), s) not in found]
    return ratio(config.replace(seeds=untrained), opening) if untrained else None


def words(times: float, classroom: bool) -> str:
    """The status line's sentence for a setting that waits (plain text)."""
    if classroom:
        return (f"This setting trains about {times:.0f}× as much as the page's opening one: too much for a class's "
                "shared server, so it was not started. A setting nearer the opening one trains here.")
    return (f"This setting trains about {times:.0f}× as much as the page's opening one (a long run, and the server "
            "trains one run at a time): press Run to start it.")
