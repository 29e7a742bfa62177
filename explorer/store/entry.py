"""One store entry on disk: its files, their checksums, and the only code that writes or parses them.

An entry (one seed of one configuration) is a folder of ``config.json`` (canonical config, seed, provenance),
``weights.safetensors`` (that seed's weights, seed kept as dimension 0 of size 1), ``result.nc`` (its xarray
Dataset as netCDF) and ``manifest.json`` (sha256 of the three). Only json, safetensors and netCDF are ever
parsed: nothing read from an entry can execute code (no pickle, no ``torch.load``). Where entries live, how
they are renamed into place, locked and evicted is :mod:`explorer.store`'s business.
"""
from __future__ import annotations

import datetime
import errno
import hashlib
import json
import os
import re
import stat
import threading
from pathlib import Path

from ..core.files import interrupts_deferred
from ..core.result import Result

FILES = ("weights.safetensors", "result.nc", "config.json")  #: data files, in writing order
MANIFEST = "manifest.json"


class Unusable(Exception):
    """Why an entry cannot be served (missing, unexpected, truncated or corrupt files, a foreign config)."""


#: errors of the moment or of the reader, not of the entry (a file where a folder should be is the entry's)
_NOT_NOW = {errno.EACCES, errno.EPERM, errno.EMFILE, errno.ENFILE, errno.EIO, errno.EAGAIN, errno.EBUSY,
            errno.ENOMEM, errno.EINTR, errno.ETIMEDOUT, errno.ESTALE, errno.ENOLCK}


def unreadable_now(error: BaseException) -> bool:
    """Whether ``error`` says the entry cannot be read *now* (permission, too many open files, I/O, memory)
    rather than that it is damaged: such an entry is left in place, never removed. Other OSErrors are the
    entry's (a file where its folder should be; the netCDF library's negative errno for a damaged file)."""
    if isinstance(error, MemoryError):
        return True
    if not isinstance(error, OSError):
        return False
    code = error.errno
    if code is None:   # safetensors words the OS's error without setting errno: "… (os error 13)"
        found = re.search(r"os error (\d+)", str(error))
        code = int(found[1]) if found else None
    return code in _NOT_NOW or isinstance(error, (PermissionError, BlockingIOError, InterruptedError, TimeoutError))


def _regular(path: Path) -> bool:
    """Whether ``path`` is a regular file; an error of the moment (EACCES, EIO) is raised, not read as "no"
    (``Path.is_file`` answers False for any OSError on newer Pythons, which would call the entry damaged)."""
    try:
        return stat.S_ISREG(os.stat(path).st_mode)
    except FileNotFoundError:
        return False


def sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _netcdf_engine() -> str:
    try:
        import netCDF4  # noqa: F401

        return "netcdf4"
    except ImportError:
        return "scipy"


#: The netCDF4 / HDF5 build in use is not thread-safe (two threads opening files at once segfault) and a
#: served dashboard reads the store from several threads: every netCDF read and write holds this lock.
NETCDF_LOCK = threading.RLock()


def to_netcdf(ds, path) -> None:
    """Write a Dataset to netCDF with text as fixed-width characters: decoding variable-length strings on
    read goes through ``astype``, whose first call imports dask.array (~1 s) before any result is served."""
    encoding = {name: {"dtype": "S1"} for name, v in ds.variables.items() if v.dtype.kind in "OU"}
    with interrupts_deferred(), NETCDF_LOCK:   # Ctrl-C mid-write could leave xarray's lock held (a hang)
        ds.to_netcdf(path, engine=_netcdf_engine(), encoding=encoding)


def load_netcdf(path):
    """Read a whole netCDF file into memory (no handle stays open), under :data:`NETCDF_LOCK`."""
    import xarray as xr

    with NETCDF_LOCK:
        return xr.load_dataset(path)


def verify(path: Path) -> dict:
    """Check the entry's file list and checksums; return its config.json. Raises :class:`Unusable`."""
    names = {p.name for p in path.iterdir() if not p.name.startswith(".")}   # .DS_Store, .nfs…: the system's
    expected = set(FILES) | {MANIFEST}
    if names != expected:
        extra, missing = sorted(names - expected), sorted(expected - names)
        raise Unusable("; ".join(filter(None, [extra and f"unexpected file(s) {', '.join(extra)}",
                                                missing and f"missing file(s) {', '.join(missing)}"])))
    if not _regular(path / MANIFEST):
        raise Unusable(f"{MANIFEST} is not a regular file")
    try:
        manifest = json.loads((path / MANIFEST).read_text())
        sums = manifest["files"]
    except (ValueError, KeyError, TypeError):
        raise Unusable("the manifest is unreadable") from None
    if not isinstance(sums, dict) or set(sums) != set(FILES):
        raise Unusable("the manifest does not list the entry's files")
    for name in FILES:
        if not _regular(path / name):   # a folder or a FIFO of that name (reading a FIFO would wait forever)
            raise Unusable(f"{name} is not a regular file")
        if sha256(path / name) != sums[name]:
            raise Unusable(f"{name} fails its checksum (truncated or corrupt)")
    return json.loads((path / "config.json").read_text())


def parsed(path: Path):
    """The entry's result Dataset, after checking that its result.nc and the header of its weights parse (an
    entry whose manifest was rewritten by hand passes :func:`verify` and may still hold a file nothing reads).
    Raises :class:`Unusable`; an error that says a file cannot be read now (:func:`unreadable_now`) goes to the
    caller."""
    from safetensors import safe_open

    def weights_header():
        with safe_open(str(path / "weights.safetensors"), framework="numpy") as f:
            f.keys()

    data = _parses(lambda: load_netcdf(path / "result.nc"), "its result.nc cannot be read as netCDF")
    _parses(weights_header, "its weights.safetensors cannot be read")
    return data


def _parses(read, failed: str):
    """``read()``; any error of its library (a crafted header makes them raise anything) is :class:`Unusable`
    with the sentence ``failed``, but an error of the moment (:func:`unreadable_now`) and a broken installation
    (:data:`BROKEN`) go to the caller: neither is a reason to remove the entry."""
    try:
        return read()
    except BROKEN:
        raise
    except Exception as e:  # noqa: BLE001
        if unreadable_now(e):
            raise
        raise Unusable(f"{failed} ({_said(e)})") from None


#: errors that say the Python installation is broken (a library that does not import), not the entry
BROKEN = (ImportError, RecursionError)


def _said(error: BaseException) -> str:
    """An error's words on one line, short (its type where it has none)."""
    return " ".join(str(error).split())[:120] or type(error).__name__


def checked(path: Path, key: str | None = None):
    """``(config.json, result Dataset)`` of an entry that passes every check a reader can make without knowing
    which configuration it is asked for: its files and checksums (:func:`verify`), a config.json that holds a
    config and a seed (and names ``key``, where given), and files that parse (:func:`parsed`). Raises
    :class:`Unusable`, or an error of the moment (:func:`unreadable_now`)."""
    meta = verify(path)
    if not (isinstance(meta, dict) and isinstance(meta.get("config"), dict) and "seed" in meta):
        raise Unusable("its config.json lacks the config or the seed")
    if key is not None and meta.get("key") != key:
        raise Unusable("its config.json names another entry")
    return meta, parsed(path)


def read(path: Path, canonical: dict, seed: int, weights: bool = True) -> Result:
    """The verified Result of one entry, which must hold ``seed`` of the configuration ``canonical``.

    ``weights=False`` leaves the weights unread (``Result.weights`` is empty): the checksums are still checked,
    and torch is not imported (a cached ``explorer run … --json`` needs only the numbers)."""
    meta = verify(path)
    if meta.get("config") != canonical or meta.get("seed") != seed:
        raise Unusable("its config.json does not match the requested configuration")
    data = load_netcdf(path / "result.nc")
    if weights:
        from safetensors.torch import load_file

        weights = load_file(path / "weights.safetensors")
    else:
        weights = {}
    if [int(s) for s in data.seed.values] != [seed] or any(w.shape[0] != 1 for w in weights.values()):
        raise Unusable("it does not hold exactly its one seed")
    return Result(data=data, weights=weights, cached=True)


def write(folder: Path, key: str, config, seed: int, result: Result, wall_time: float, trained_with: list,
          after_file_written=None, together: dict | None = None) -> None:
    """Write one seed's files and manifest into ``folder`` (an empty folder outside runs/), each fsynced.
    ``together``: ``{run key: seeds}`` of every run computed in the same call (one ensemble, or several of one
    request), recorded because a network's numbers depend on its ensemble's make-up (docs/science.md)."""
    from safetensors.torch import save_file

    meta = {"key": key, "seed": seed, "config": config.canonical(with_seeds=False),
            "provenance": {**provenance(wall_time, trained_with, result.data.attrs.get("device", "cpu")),
                           "runs_trained_together": together or {config.run_key(): list(trained_with)}}}
    writers = {
        "weights.safetensors": lambda p: save_file(
            {k: v.contiguous() for k, v in result.weights.items()}, str(p), metadata={"key": key}),
        "result.nc": lambda p: to_netcdf(result.data, p),
        "config.json": lambda p: p.write_text(json.dumps(meta, indent=1, sort_keys=True)),
    }
    sums = {}
    for name in FILES:
        writers[name](folder / name)
        fsync(folder / name)
        sums[name] = sha256(folder / name)
        if after_file_written:
            after_file_written(folder / name)
    # safetensors writes its file readable by its owner only; every file of an entry gets the mode the umask
    # gives a new file (config.json's), so that a store shared by a group (a Dask cluster's) reads them all
    mode = stat.S_IMODE((folder / "config.json").stat().st_mode)
    for name in FILES:
        os.chmod(folder / name, mode)
    (folder / MANIFEST).write_text(json.dumps({"key": key, "files": sums}, indent=1, sort_keys=True))
    fsync(folder / MANIFEST)
    fsync(folder)


def provenance(wall_time: float, trained_with: list, device: str = "cpu") -> dict:
    """Versions, date, timing and the device it was computed on, recorded with every entry:
    ``ensemble_wall_time_s`` is the whole call's (every run trained with it), ``seeds_trained_together`` this
    setting's seeds in it."""
    import platform
    from importlib import metadata

    import numpy
    import torch
    import xarray

    try:
        version = metadata.version("explorer")
    except metadata.PackageNotFoundError:
        version = "unknown"
    return {"explorer": version, "torch": torch.__version__, "numpy": numpy.__version__,
            "xarray": xarray.__version__, "python": platform.python_version(),
            "date": utc_now(),
            "ensemble_wall_time_s": round(wall_time, 3), "seeds_trained_together": trained_with,
            "device": str(device)}


def utc_now() -> str:
    """Now, in UTC, to the second (ISO 8601): the date a file records of its making."""
    return datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds")
