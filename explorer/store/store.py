"""Content-addressed run store: every trained network is cached on disk, one entry per seed.

Layout under the store root (``Store(root)``, else ``$EXPLORER_STORE``, else the per-user cache folder
``platformdirs.user_cache_dir("explorer")/store``)::

    runs/<key>/config.json          canonical config, seed and provenance (versions, date, wall time)
    runs/<key>/weights.safetensors  that seed's weights, seed kept as dimension 0 of size 1
    runs/<key>/result.nc            that seed's xarray Dataset (netCDF)
    runs/<key>/manifest.json        sha256 of the three files above
    tmp/                            entries being written (renamed into runs/ when complete)
    locks/                          one lock file per configuration (all seeds)

``<key>`` is ``config.key(seed)``. Entries are written into ``tmp/`` and renamed into place, so a reader
sees a whole entry or none. A reader checks the manifest; an entry with a missing, truncated, corrupt or
unexpected file is logged in one line, removed and recomputed. Only ``json``, ``safetensors`` and netCDF
are ever parsed: nothing loaded from the store can execute code (no pickle, no ``torch.load``). The files
of one entry are written, checked and parsed in :mod:`explorer.store.entry`; this module places, locks and evicts them.
"""
from __future__ import annotations

import contextlib
import logging
import os
import re
import shutil
import time
import uuid
from pathlib import Path

from ..core.cancel import Cancelled, is_set as _is_set
from ..core.files import check_writable, expanded, why
from ..core.result import Result, merge_seeds
from . import entry
from .catalogue import Catalogue, StoreError
from .entry import MANIFEST, fsync
from .place import check_root, default_max_bytes, default_root, parse_bytes
from .remeasured import measure_again
from .upkeep import Upkeep

log = logging.getLogger("explorer.store")

STALE_TMP_S = 3600  #: a tmp/ folder untouched this long belongs to a dead writer
ENTRY_NAME = re.compile(r"[0-9a-f]{24}")  #: an entry's folder is named by its key (config.content_key)
#: what the store itself leaves in tmp/: an entry being written (``<key>.<uuid>``), one being removed
#: (``<key>.trash.<uuid>``), a write probe (``.probe.<uuid>``). Only these are ever cleared: a store given a
#: folder that already held a tmp/ of its own (a home folder, a project) must not empty it.
TMP_NAME = re.compile(r"(?:[0-9a-f]{24}(?:\.trash)?|\.probe)\.[0-9a-f]{32}")


def _cancelled():
    return Cancelled("the run was cancelled while waiting for another process to train it.")


def _run_many(configs, on_progress=None, cancel=None):
    """Train configs with their study's runner (one study per call; the registry knows which)."""
    from ..studies import study_of

    return study_of(configs[0]).run_many(configs, on_progress=on_progress, cancel=cancel)


class _Misfit(Exception):
    """Stored seeds of these configs cannot be merged into one Result (see :meth:`Store._get_or_train`)."""

    def __init__(self, configs):
        super().__init__("stored seeds do not fit together")
        self.configs = configs


def _name_axes(ds, study) -> None:
    """Give an entry written before its study named every variable and axis (long_name, units) those names now,
    so what it exports reads like a new one. A fully named entry imports nothing."""
    if all(v.attrs.get("long_name") for v in ds.variables.values()):
        return
    try:
        from ..core.result import describe
        from ..studies import get

        module = get(study).result
        known = {**getattr(module, "VARIABLES", {}), **getattr(module, "COORDINATES", {})}
    except Exception:  # noqa: BLE001 — an unknown study reads as stored
        return
    describe(ds, {k: v for k, v in known.items() if k in ds.variables and not ds[k].attrs.get("long_name")})


class Store(Catalogue, Upkeep):
    """A folder of cached runs. Safe to share between threads, processes and machines on one filesystem."""

    def __init__(self, root=None, max_bytes=None):
        if root is not None and not str(root).strip():   # Path("") is the working folder: never meant
            raise StoreError("the store path is empty; give --store (or $EXPLORER_STORE) a folder.")
        self.root = expanded(root, "the store") if root is not None else default_root()
        self.max_bytes = default_max_bytes() if max_bytes is None else parse_bytes(max_bytes)
        #: test hook, called with each file's path once it is written into tmp/ (e.g. to kill the writer)
        self.after_file_written = None

    def __repr__(self):
        return f"Store({str(self.root)!r}, max_bytes={self.max_bytes})"

    @property
    def runs(self) -> Path:
        return self.root / "runs"

    def entry_dir(self, key: str) -> Path:
        return self.runs / key

    # ------------------------------------------------------------------ queries
    def has(self, config) -> bool:
        """Whether every seed of ``config`` has an entry (cheap: checksums are checked on load)."""
        return not self.missing_seeds(config)

    def missing_seeds(self, config) -> list[int]:
        """Seeds of ``config`` without a complete entry."""
        return [s for s in config.seeds if not (self.entry_dir(config.key(s)) / MANIFEST).is_file()]

    def load(self, config, weights: bool = True) -> Result | None:
        """The stored Result for all seeds of ``config``, or None if any seed is missing or unusable.

        ``weights=False``: the numbers only (``Result.weights`` empty), read without importing torch."""
        found = self._load_seeds(config, quarantine=False, weights=weights)  # unusable ones: left to get_or_run
        if len(found) < len(config.seeds):
            return None
        parts = [found[s] for s in config.seeds]
        if weights:
            return merge_seeds(parts)
        import xarray as xr

        data = xr.concat([r.data for r in parts], dim="seed").sortby("seed")
        data.attrs = dict(parts[0].data.attrs)
        return Result(data=data, weights={}, cached=True)

    # ------------------------------------------------------------------ get or run
    def get_or_run(self, config, on_progress=None, cancel=None, runner=None) -> Result:
        """Return the Result of ``config``: stored seeds are loaded, missing ones trained as one ensemble.

        ``runner`` (one config → Result) defaults to the config's study's runner. ``cancel`` (a threading.Event)
        stops training or waiting; the runner's ``Cancelled`` propagates and nothing is left half-written.
        ``Result.cached`` is True only when no seed had to be trained.
        """
        if runner is None:
            return self._get_or_train([config], _run_many, on_progress, cancel)[0]

        def train(configs, on_progress=None, cancel=None):
            return [runner(c, on_progress=on_progress, cancel=cancel) for c in configs]

        return self._get_or_train([config], train, on_progress, cancel)[0]

    def get_or_run_many(self, configs, on_progress=None, cancel=None, run_many=None) -> list[Result]:
        """Like :meth:`get_or_run` for several configs; the missing ones go to one ``run_many`` call
        (default: the study's ``run_many``), which trains configs of equal shape together."""
        return self._get_or_train(list(configs), run_many or _run_many, on_progress, cancel)

    def _get_or_train(self, configs, train, on_progress, cancel) -> list[Result]:
        for c in {id(c): c for c in configs}.values():   # data a run reads is fetched before any key names it
            c.prepare()
        try:
            return self._get_or_train_once(configs, train, on_progress, cancel)
        except _Misfit as misfit:
            # seeds of one setting stored by different versions (other array shapes) cannot be merged: they are
            # discarded, like an unreadable entry, and the setting's seeds are trained again as one ensemble
            with self._locked(sorted({c.run_key() for c in misfit.configs}), cancel):
                for c in misfit.configs:
                    for seed in c.seeds:
                        if self.entry_dir(c.key(seed)).exists():
                            self._discard(self.entry_dir(c.key(seed)), "its seeds do not fit together")
            try:
                return self._get_or_train_once(configs, train, on_progress, cancel)
            except _Misfit:   # trained together now, they still do not merge: the study's bug, not the store's
                raise RuntimeError("the seeds of one setting, trained together, could not be merged") from None

    def _get_or_train_once(self, configs, train, on_progress, cancel) -> list[Result]:
        # each config's key once, before any work: a key names the data files too (data_identity), and files
        # that changed while this request trained must not leave it looking for results under another key
        keys = [c.key() for c in configs]
        unique = dict(zip(keys, configs))
        found = {k: self._load_seeds(c, quarantine=False) for k, c in unique.items()}
        if any(len(found[k]) < len(c.seeds) for k, c in unique.items()):
            self.ensure_writable()  # before training, not after: a bad store path costs no work
            # One lock per configuration without seeds (sorted when several): every request for any seeds of
            # a config waits on it, then re-checks and trains only what is still missing. Taking locks in one
            # global order cannot deadlock, and it is one lock file per config instead of one per seed. Cost:
            # two requests for disjoint seeds of one config train one after the other (rare).
            said = (lambda: on_progress({"stage": "locked"})) if on_progress is not None else None
            with self._locked(sorted({c.run_key() for c in unique.values()}), cancel, on_wait=said):
                found = {k: self._load_seeds(c, quarantine=True) for k, c in unique.items()}
                todo = [(k, c.replace(seeds=[s for s in c.seeds if s not in found[k]]))
                        for k, c in unique.items() if len(found[k]) < len(c.seeds)]
                todo = measure_again(self, todo, found, cancel)   # networks stored under other measuring settings
                if todo:
                    t0 = time.perf_counter()
                    results = train([c for _, c in todo], on_progress=on_progress, cancel=cancel)
                    wall = time.perf_counter() - t0
                    together = {c.run_key(): list(c.seeds) for _, c in todo}
                    for (key, c), r in zip(todo, results, strict=True):
                        for seed, part in self._split(c, r):
                            self._write(c, seed, part, wall_time=wall, trained_with=list(c.seeds),
                                        together=together)
                            found[key][seed] = part
            with contextlib.suppress(Exception):  # the bound is housekeeping; it never fails a request
                self.gc(keep={c.key(s) for c in unique.values() for s in c.seeds})
        merged, misfits = {}, []
        for k, c in unique.items():
            try:
                merged[k] = merge_seeds([found[k][s] for s in c.seeds])
            except (RuntimeError, ValueError):   # arrays of other shapes: stored by another version
                misfits.append(c)
        if misfits:
            raise _Misfit(misfits)
        return [merged[k] for k in keys]

    @staticmethod
    def _split(config, result):
        """Yield (seed, one-seed Result) from an ensemble Result, checking it holds the seeds asked for."""
        seeds = [int(s) for s in result.data.seed.values]
        if sorted(seeds) != list(config.seeds):
            raise RuntimeError(f"the runner returned seeds {seeds} for a request of seeds {list(config.seeds)}.")
        for i, seed in enumerate(seeds):
            data = result.data.isel(seed=[i])
            weights = {k: v[i:i + 1].detach().cpu().clone() for k, v in result.weights.items()}
            yield seed, Result(data=data, weights=weights, cached=False)

    @contextlib.contextmanager
    def _locked(self, names, cancel, on_wait=None):
        """Hold every named lock (in the given order); ``on_wait()`` once if another process holds one."""
        from filelock import FileLock, Timeout

        (self.root / "locks").mkdir(parents=True, exist_ok=True)
        held = []
        try:
            for name in names:
                lock = FileLock(self.root / "locks" / f"{name}.lock")
                while True:
                    try:
                        lock.acquire(timeout=0.2)
                        break
                    except Timeout:
                        if _is_set(cancel):
                            raise _cancelled() from None
                        if on_wait is not None:
                            on_wait()
                            on_wait = None
                held.append(lock)
            yield
        finally:
            for lock in reversed(held):
                lock.release()

    # ------------------------------------------------------------------ reading
    def _load_seeds(self, config, quarantine: bool, weights: bool = True) -> dict:
        """{seed: Result} for the usable stored seeds of ``config``; unusable entries are removed if
        ``quarantine`` (callers hold the config's lock then, so no writer races the removal)."""
        found = {}
        canonical = config.canonical(with_seeds=False)
        for seed in config.seeds:
            key = config.key(seed)
            path = self.entry_dir(key)
            if not path.exists():
                continue
            try:
                found[seed] = self._read(path, canonical, seed, weights)
            except FileNotFoundError:
                if path.exists() and quarantine:  # a file of the entry is missing (the entry itself vanished: gc)
                    self._discard(path, "a file is missing")
            except entry.BROKEN:   # a library that does not import: the installation, not the entry
                raise
            except Exception as e:  # noqa: BLE001 — anything unreadable is recomputed, never served
                if entry.unreadable_now(e):   # permission, open files, I/O: not damage, so never removed
                    log.warning("store entry %s cannot be read now (%s); left in place and computed anew, and "
                                "the new result is not stored while it stands ('explorer store rm %s' removes it).",
                                path.name, " ".join(str(e).split())[:200], path.name[:12])
                elif quarantine:
                    self._discard(path, str(e) or type(e).__name__)
        return found

    def _read(self, path: Path, canonical: dict, seed: int, weights: bool = True) -> Result:
        result = entry.read(path, canonical, seed, weights=weights)
        _name_axes(result.data, canonical.get("study"))
        with contextlib.suppress(OSError):  # last use, for LRU eviction (a read-only store is fine)
            os.utime(path)
        return result

    def _discard(self, path: Path, reason: str) -> None:
        reason = " ".join(reason.split())[:200]  # the log line stays one line
        log.warning("store entry %s is unusable (%s); removed, it will be recomputed.", path.name, reason)
        self._remove(path)

    def _remove(self, path: Path) -> None:
        """Move an entry out of runs/ in one rename (readers see all or nothing), then delete it."""
        trash = self.root / "tmp" / f"{path.name}.trash.{uuid.uuid4().hex}"
        trash.parent.mkdir(parents=True, exist_ok=True)
        try:
            os.rename(path, trash)
        except FileNotFoundError:
            return
        shutil.rmtree(trash, ignore_errors=True)

    # ------------------------------------------------------------------ writing
    def _write(self, config, seed: int, result: Result, wall_time: float, trained_with: list,
               together: dict | None = None) -> None:
        """Write one seed's entry into tmp/ and rename it into runs/ in one step (the first writer wins)."""
        key = config.key(seed)
        final = self.entry_dir(key)
        tmp = self.root / "tmp" / f"{key}.{uuid.uuid4().hex}"
        tmp.mkdir(parents=True)
        self.runs.mkdir(parents=True, exist_ok=True)
        try:
            entry.write(tmp, key, config, seed, result, wall_time, trained_with, self.after_file_written,
                        together)
            try:
                os.rename(tmp, final)
            except OSError:
                if not final.exists():
                    raise  # otherwise another process stored the same entry first; ours is discarded
            fsync(self.runs)
        finally:
            shutil.rmtree(tmp, ignore_errors=True)

    # ------------------------------------------------------------------ housekeeping
    def _entries(self):
        """(last_used, key, bytes) of every entry, oldest first."""
        out = []
        if self.runs.is_dir():
            for path in self.runs.iterdir():
                if not ENTRY_NAME.fullmatch(path.name):
                    continue   # not an entry (entries are named by their key): never counted, checked or removed
                try:
                    size = sum(f.stat().st_size for f in path.iterdir())
                    out.append((path.stat().st_mtime, path.name, size))
                except OSError:
                    continue  # removed meanwhile
        return sorted(out)

    def size(self) -> int:
        """Bytes held by all entries."""
        return sum(size for *_, size in self._entries())

    def gc(self, max_bytes=None, keep=(), dry_run: bool = False, stale: bool = False) -> list[str]:
        """Evict least-recently-used entries until the store holds at most ``max_bytes`` (default: the
        store's bound); also clears leftovers of killed writers in tmp/. With ``stale``, first every entry no run
        reads any more (``ls()``'s ``stale``). Returns the evicted keys (``dry_run``: the keys it would evict,
        and nothing is removed)."""
        bound = self.max_bytes if max_bytes is None else parse_bytes(max_bytes)
        tmp = self.root / "tmp"
        if tmp.is_dir() and not dry_run:
            for path in tmp.iterdir():
                with contextlib.suppress(OSError):
                    if TMP_NAME.fullmatch(path.name) and time.time() - path.stat().st_mtime > STALE_TMP_S:
                        shutil.rmtree(path, ignore_errors=True)
        entries = self._entries()
        total = sum(size for *_, size in entries)
        evicted = []
        if stale:
            old = {r["key"] for r in self.ls() if r["stale"]} - set(keep)
            for _, key, size in entries:
                if key in old:
                    if not dry_run:
                        self._remove(self.entry_dir(key))
                    total -= size
                    evicted.append(key)
            entries = [e for e in entries if e[1] not in old]
        for _, key, size in entries:
            if total <= bound:
                break
            if key in keep:
                continue
            if not dry_run:
                self._remove(self.entry_dir(key))
            total -= size
            evicted.append(key)
        return evicted

    # ------------------------------------------------------------------ the folder itself
    def _readable(self) -> None:
        """Raise :class:`StoreError` when the store path cannot be a store (:func:`.place.check_root`)."""
        check_root(self.root)

    def ensure_writable(self) -> None:
        """Create the store's folders and check a file can be written there, before any work starts.
        Raises :class:`StoreError` with one sentence (a file in the way, a missing parent that cannot be
        created, a read-only folder)."""
        self._readable()
        try:
            for sub in ("runs", "tmp", "locks"):
                (self.root / sub).mkdir(parents=True, exist_ok=True)
            check_writable(self.root / "tmp")
        except OSError as e:
            raise StoreError(f"cannot store runs in {self.root}: {why(e)}. Give --store (or $EXPLORER_STORE) a "
                             "folder you can write to.") from None
