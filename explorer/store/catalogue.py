"""The store's catalogue: finding, listing, inspecting and exporting entries (read-only questions).

:class:`~explorer.store.store.Store` inherits these; they read ``config.json`` files and verified entries, and
never train or write into ``runs/``.
"""
from __future__ import annotations

import datetime
import functools
import json
import re
import shutil
from pathlib import Path

from ..core.config import content_key
from ..core.files import expanded, why
from ..core.result import tidy
from . import entry
from .entry import FILES, MANIFEST, Unusable


class StoreError(Exception):
    """A store request that cannot be met (unknown key, unusable entry, unusable folder); one sentence."""


class Catalogue:
    """Read-only questions about a store folder (mixed into :class:`~explorer.store.store.Store`)."""

    def resolve(self, key: str) -> str:
        """The full key of the entry whose key starts with ``key`` (like a git hash prefix)."""
        self._readable()   # a store path that is a file says so, not "no stored run"
        if not re.fullmatch(r"[0-9a-f]{4,64}", key or ""):
            raise StoreError(f"a store key is at least 4 hexadecimal characters, got {key!r}.")
        matches = sorted(p.name for p in self.runs.glob(f"{key}*")) if self.runs.is_dir() else []
        if not matches:
            raise StoreError(f"no stored run has key {key} in {self.root}.")
        if len(matches) > 1:
            raise StoreError(f"key {key} is ambiguous: it starts {len(matches)} stored runs; give more characters.")
        return matches[0]

    def ls(self) -> list[dict]:
        """One summary per entry, most recently used first (config.json only; checksums are not checked).

        Each row has the entry ``key``, its ``run`` key (all seeds of one setting), ``study``, ``seed``, the
        study's own describing settings (for specialization n, p, covariance, epochs), ``setting`` (those as
        text), ``bytes``, ``last_used``, ``created`` and ``stale``: no run reads the entry any more (stored by an
        earlier version of its study, or under an earlier form of its setting, see :func:`_stale`)."""
        self._readable()
        rows = []
        for last_used, key, size in reversed(self._entries()):
            try:
                meta = json.loads((self.entry_dir(key) / "config.json").read_text())
                cfg = meta["config"]
            except (OSError, ValueError, KeyError, TypeError):
                meta, cfg = {}, {}
            if not isinstance(cfg, dict):  # a damaged config.json still lists, without its settings
                meta, cfg = {}, {}
            described = _describe(cfg)
            rows.append({"key": key, "run": content_key(cfg) if cfg else None, "study": cfg.get("study"),
                         "seed": _int_or_none(meta.get("seed")),
                         **described, "setting": ", ".join(f"{k}={_short(v)}" for k, v in described.items()),
                         "bytes": size,
                         "last_used": datetime.datetime.fromtimestamp(last_used).isoformat(timespec="seconds"),
                         "created": (meta.get("provenance") or {}).get("date")
                         if isinstance(meta.get("provenance"), dict) else None,
                         "stale": _stale(cfg)})
        return rows

    def _checked(self, key: str) -> tuple[str, Path, dict, object]:
        """(key, folder, config.json, result Dataset) of one entry that passes every check, else one sentence."""
        self._readable()
        key = self.resolve(key)
        path = self.entry_dir(key)
        try:
            return key, path, *entry.checked(path)
        except (OSError, ValueError, MemoryError, Unusable) as e:
            if entry.unreadable_now(e):
                raise StoreError(f"stored run {key} cannot be read now ({why(e)}); it is left as it is.") from None
            raise StoreError(f"stored run {key} is unusable ({e}); the next request for it recomputes it.") from None

    def info(self, key: str) -> dict:
        """Config, provenance, files and a result summary of one verified entry."""
        key, path, meta, ds = self._checked(key)
        try:
            from ..studies import get

            summary = get(meta["config"]["study"]).result.entry_summary(ds)
        except Exception as e:  # noqa: BLE001 — an entry of a study this version does not know still shows
            summary = {"unavailable": f"no summary ({e})"}
        files = {name: (path / name).stat().st_size for name in (*FILES, MANIFEST)}
        return {"key": key, "path": str(path), "seed": meta["seed"], "config": meta["config"],
                "provenance": meta.get("provenance") or {}, "files": files, "summary": summary}

    def run_entries(self, run_key: str) -> list[str]:
        """Entry keys (one per seed, in seed order) of the run whose run key starts with ``run_key``."""
        if not re.fullmatch(r"[0-9a-f]{4,64}", run_key or ""):
            raise StoreError(f"a store key is at least 4 hexadecimal characters, got {run_key!r}.")
        rows = [r for r in self.ls() if (r.get("run") or "").startswith(run_key)]
        if len({r["run"] for r in rows}) > 1:
            raise StoreError(f"key {run_key} is ambiguous: it starts {len({r['run'] for r in rows})} stored runs; "
                             "give more characters.")
        return [r["key"] for r in sorted(rows, key=lambda r: r["seed"] if r["seed"] is not None else -1)]

    def export(self, key: str, out_dir) -> list[Path]:
        """Copy one verified entry's files into ``out_dir`` and add ``results.csv`` (tidy: one value a row)."""
        if not str(out_dir).strip():   # Path("") is the working folder: never meant
            raise StoreError("--out needs a folder to export into (it is empty).")
        key, path, _, ds = self._checked(key)
        out = expanded(out_dir, "--out")
        if out.exists() and not out.is_dir():
            raise StoreError(f"--out {out} is a file; an entry exports into a folder (empty or new).")
        names = (*FILES, MANIFEST, "results.csv")
        clash = [n for n in names if (out / n).exists()]
        if clash:
            raise StoreError(f"{out} already holds {clash[0]}; export into an empty or new folder.")
        out.mkdir(parents=True, exist_ok=True)
        for name in (*FILES, MANIFEST):
            shutil.copy2(path / name, out / name)
        tidy(ds).to_csv(out / "results.csv", index=False)
        return [out / n for n in names]


def _describe(cfg: dict) -> dict:
    """The describing settings of a stored canonical config: its study's ``COLUMNS``, then every other setting
    that is not at its default (so that two runs that differ only in, say, their tasks do not list alike)."""
    try:
        columns, default = _defaults(cfg.get("study"))
    except Exception:  # noqa: BLE001 — an unknown study or a damaged config.json lists without them
        return {}
    described = {k: cfg.get(k) for k in columns}
    return described | {k: v for k, v in cfg.items()
                        if k not in described and k not in ("study", "schema") and k in default and v != default[k]}


@functools.lru_cache(maxsize=None)
def _defaults(study: str) -> tuple[tuple, dict]:
    """A study's ``COLUMNS`` and its default canonical config (made once per study, not once per listed entry)."""
    from ..studies import get

    config_class = get(study).config_class
    return config_class.COLUMNS, config_class().canonical(with_seeds=False)


def _int_or_none(v):
    return v if isinstance(v, int) and not isinstance(v, bool) else None


def _stale(cfg: dict) -> bool:
    """Whether no config of today's code has this stored config's run key: its study's schema moved on, or the
    setting now reads differently (a value its validation now sets from the setting's other choices). A config
    that cannot be read as any study's, or that a newer version of its study wrote (a store shared by two
    checkouts), is not called stale (it is listed as it is and left to the size bound)."""
    if not cfg:
        return False
    try:
        from ..studies import get

        current = get(cfg.get("study")).config_class.from_dict(cfg)
    except Exception:  # noqa: BLE001 — an unknown study or a setting refused today: not ours to judge
        return False
    stored = cfg.get("schema")
    if isinstance(stored, int) and stored > current.schema():   # written by a newer version sharing the store
        return False
    if "data" not in cfg and current.data_identity():   # read files before their contents were in the key
        return True
    # which files it read is not today's code's business (they may live in another folder)
    return content_key(current.canonical(with_seeds=False, with_data=False)) != content_key(
        {k: v for k, v in cfg.items() if k != "data"})


def _short(v) -> str:
    return f"{v:.4g}" if isinstance(v, float) else str(v)
