"""Settings whose bounds follow another setting's value (specialization's p ≥ 1/n², its bottleneck ≤ 4n and
start times ≤ T − 1; BIMT's neurons per swap ≤ the sheet's size), and copies of an experiment.

A mixin of :class:`explorer.core.experiment.Experiment`. It remembers what a person asked of every setting (a
value set through :meth:`~explorer.core.experiment.Experiment.apply`, a page, a URL or a notebook), so a value a
narrower bound pushed comes back when the bound widens again, and a value asked exactly at its bound (one link,
every neuron) follows the bound. Every move but that one is said (:meth:`Following.take_moved`: the page's
status line, a notebook's ``experiment.take_moved()``). No Panel here.
"""
from __future__ import annotations

import math

#: what :meth:`Following.follow` remembers of a value set exactly at its following bound: "the bound itself"
AT_BOUND = "at its bound"


def _number(v) -> str:
    return f"{v:g}" if isinstance(v, float) else str(v)


class Following:
    #: ``{name: bound(self)}``: a value set exactly at this bound of a setting that follows another (p at 1/n²: one
    #: link; BIMT's neurons per swap at the sheet's size: every neuron) follows the bound when it moves
    follows_bound: dict = {}

    def _start_following(self) -> None:
        """From now on every value set is what was asked (called once the constructor's values are in)."""
        self.__dict__["_asked"] = {n: self._as_asked(n, getattr(self, n)) for n in self.setting_names()}
        self.__dict__["_followed"] = {}
        self.param.watch(self._note_asked, self.setting_names())

    def _as_asked(self, name, value):
        bound = self.follows_bound.get(name)
        at = bound is not None and isinstance(value, (int, float)) and math.isclose(value, bound(self),
                                                                                    rel_tol=1e-9)
        return AT_BOUND if at else value

    def _note_asked(self, *events):
        """Watcher: a value a person (or a page, a URL) set is what :meth:`follow` keeps coming back to; one that
        :meth:`follow` set is not."""
        for e in events:
            if e.name in self._followed and self._followed[e.name] == e.new:
                del self._followed[e.name]
            else:
                self._followed.pop(e.name, None)
                self._asked[e.name] = self._as_asked(e.name, e.new)

    def _asked_again(self, name, value) -> None:
        """A value set that equals the one in force changes nothing (no event): it is still what is asked now (a
        bottleneck of 40 pushed to 32 at n = 8, then set to 32, stays 32 at n = 25; p set where a bound pushed it,
        at 1/n², is one link)."""
        if "_asked" in self.__dict__:
            self._followed.pop(name, None)
            self._asked[name] = self._as_asked(name, value)

    def follow(self, name: str, lo=None, hi=None, why: str = "") -> None:
        """Keep ``name`` within ``[lo, hi]``, bounds another setting just moved, as near to what was asked as they
        allow: a value pushed by a narrower bound comes back when the bound widens again (p = 0.02 is 0.04 at
        n = 5 and 0.02 again at n = 10, not one link), and one asked at its :attr:`follows_bound` follows it.
        Every change but that is said (:meth:`moved`)."""
        asked, old = self.__dict__.get("_asked", {}).get(name, getattr(self, name)), getattr(self, name)
        if asked == AT_BOUND:
            target = self.follows_bound[name](self)
        else:
            target = max(asked, lo) if lo is not None else asked
            target = min(target, hi) if hi is not None else target
        if target == old or (isinstance(old, float) and math.isclose(target, old, rel_tol=1e-12)):
            return
        # said before the value is set: a page's watcher asks for the new setting as it is set, with what moved
        if asked == AT_BOUND:   # one link stays one link: what the person chose, not a move
            pass
        elif target == asked:
            self._say(f"{self.param[name].label} back to {_number(asked)}, as set before")
        else:
            self.moved(name, old, target, why)
        self.__dict__.setdefault("_followed", {})[name] = target
        setattr(self, name, target)

    def _say(self, sentence: str) -> None:
        self.__dict__.setdefault("_moved", []).append(sentence)

    def moved(self, name: str, old, new, why: str) -> None:
        """Note that ``name`` went from ``old`` to ``new`` because another setting moved its bound (``why``):
        a bound that follows another setting never changes a value in silence (:meth:`take_moved`)."""
        self._say(f"{self.param[name].label} moved from {_number(old)} to {_number(new)} ({why})")

    def take_moved(self) -> list[str]:
        """The sentences :meth:`moved` noted since the last call (the page's status line says them)."""
        return self.__dict__.pop("_moved", [])

    # ------------------------------------------------------------------ copies
    def copy(self, **changes):
        """A new experiment of the same settings and store, with ``changes`` applied as :meth:`apply` takes them
        (``e.copy(n=10)``). ``copy.copy(e)`` and ``copy.deepcopy(e)`` give the same: a shallow copy shared the
        parameters' state with ``e`` (setting its n set e's), and a deep copy of that failed inside param. The copy
        remembers what was asked as ``e`` does (one link stays one link when ``changes`` move n), and copies a
        setting that cannot run as it is (``changes`` may mend it: then it must run)."""
        from .config import ConfigError

        new = type(self)(store=self._store)
        errors = new.apply(**self.values())
        new._asked.update(self._asked)
        new.take_moved()
        if changes:
            errors.update(new.apply(**changes))
            problem = None if errors else new.problem()
            if errors or problem:
                raise ConfigError(" ".join(dict.fromkeys([*errors.values(), *([problem] if problem else [])])))
        elif errors:   # a value this class refuses: not a copy
            raise ConfigError(" ".join(dict.fromkeys(errors.values())))
        return new

    def __copy__(self):
        return self.copy()

    def __deepcopy__(self, memo):
        return self.copy()
