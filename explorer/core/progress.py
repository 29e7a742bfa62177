"""Progress events in words: the one sentence (and share of the bar) the app, a notebook and the CLI show.

An event is a plain dict from :func:`explorer.core.fit.fit` or a study's runner (see there). Training fills the
first :data:`TRAINING_SHARE` per cent of a bar and measuring the rest, everywhere.
"""
from __future__ import annotations

import math

#: Per cent of a run's progress bar that training fills; measuring the trained networks fills the rest.
TRAINING_SHARE = 75.0


def plural(k: int, noun: str) -> str:
    """``1 seed``, ``3 seeds``, ``2 entries``."""
    if k == 1:
        return f"{k} {noun}"
    return f"{k} {noun[:-1]}ies" if noun.endswith("y") and noun[-2:-1] not in "aeiou" else f"{k} {noun}s"


def seeds_words(seeds) -> str:
    """``seed 3``, ``seeds 0–2`` for a run of them, else ``seeds 1, 5``."""
    seeds = [int(s) for s in seeds]
    if len(seeds) == 1:
        return f"seed {seeds[0]}"
    if len(seeds) > 2 and seeds == list(range(seeds[0], seeds[-1] + 1)):
        return f"seeds {seeds[0]}–{seeds[-1]}"
    return "seeds " + ", ".join(map(str, seeds))


def _mean(values) -> float | None:
    finite = [float(v) for v in values or () if v is not None and math.isfinite(float(v))]
    return sum(finite) / len(finite) if finite else None


def progress_words(event: dict, accuracy=None) -> tuple[float | None, str | None]:
    """``(percent, words)`` for one progress event: how full the bar is and one plain-text status line (not
    escaped: the caller escapes it where it becomes markup). ``(None, None)`` for events that say nothing.

    ``accuracy`` overrides the event's own per-network test accuracy (a page that draws several events at once
    passes the newest one seen, since only epoch-end events carry it)."""
    stage = event.get("stage")
    part = f"{event['part']} · " if event.get("part") else ""
    fraction = min(max(float(event.get("fraction") or 0), 0.0), 1.0)
    if stage == "queued":   # own: the page's previous run, cancelled, still stopping
        return 0.0, ("Stopping the previous run first …" if event.get("own") else
                     "Waiting for another session's training to finish …")
    if stage == "locked":
        return 0.0, "Another process is training this setting; waiting for it to finish …"
    if stage == "message":
        return event.get("percent"), part + str(event.get("text", ""))
    if stage == "metrics":
        return (TRAINING_SHARE + (100 - TRAINING_SHARE) * fraction,
                f"{part}Measuring {event.get('metric') or 'the measures'} …")
    if stage != "train":
        return None, None
    epochs = int(event.get("epochs") or 1)
    # a run of several parts (a study's lanes) says how far the part of this event is, not the whole run
    own = min(max(float(event.get("epoch_fraction", fraction) or 0), 0.0), 1.0)
    epoch = min(int(own * epochs) + 1, epochs)
    networks = len(event.get("seeds") or ())
    done = int(event.get("stopped") or 0)   # networks kept as they reached an accuracy criterion, no longer trained
    if networks and 0 < done < networks:    # the loss and accuracy below are the others'
        left = networks - done
        words = (f"{part}Training {plural(left, 'network')} on{' as one ensemble' if left > 1 else ''} "
                 f"({done} of {networks} at the criterion, kept there)")
    else:
        words = f"{part}Training {plural(networks, 'network')} as one ensemble" if networks else f"{part}Training"
    if event.get("total_steps"):   # a study trained for a number of steps (its epochs are only blocks of them)
        words += f" · step {int(event.get('step') or 0)} of {int(event['total_steps'])}"
    else:
        words += f" · epoch {epoch} of {epochs}"
    loss = _mean(event.get("loss"))
    if loss is not None:
        words += f" · loss {loss:.3f}"
    acc = _mean(accuracy if accuracy is not None else event.get("accuracy"))
    if acc is not None:
        words += f" · test accuracy {acc:.2f}"
    return TRAINING_SHARE * fraction, words


def time_words(elapsed: float, event: dict) -> str:
    """`` · 12 s`` since training began, and `` · about 40 s of training left`` where the run's length is known in
    advance (a study trained for a fixed number of steps) and a tenth of it is done; a run that may stop early
    (until an accuracy) or trains in several parts gets no estimate, which would overstate or understate it."""
    words = f" · {elapsed:.0f} s"
    fraction = float(event.get("fraction") or 0)
    if event.get("stage") == "train" and event.get("total_steps") and not event.get("part") and 0.1 <= fraction < 1:
        left = elapsed * (1 - fraction) / fraction
        if left >= 1:
            words += (f" · about {left:.0f} s of training left" if left < 90 else
                      f" · about {left / 60:.0f} min of training left")
    return words


def provenance_words(result, cached: bool) -> str:
    """Where a Result shown now came from, in the page's status words: the store, training, or the store's
    networks measured again (all or some seeds: :func:`explorer.core.result.measured_again`)."""
    from .result import measured_again

    if cached:
        return "loaded from the store"
    again, seeds = measured_again(result), int(result.data.sizes.get("seed", 1))
    if not again:
        return "trained and measured, now stored"
    if again >= seeds:
        return "its stored networks measured again, now stored"
    return f"{again} of {seeds} seeds' stored networks measured again, the others trained or loaded, now stored"
