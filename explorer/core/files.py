"""Files written whole or not at all: a result file that an interrupted run leaves behind is never half written."""
from __future__ import annotations

import contextlib
import errno
import os
import uuid
from pathlib import Path


@contextlib.contextmanager
def replacing(path: str | Path):
    """Yield a temporary path next to ``path``; when the block ends without an error it replaces ``path`` in one
    step (``os.replace``), otherwise it is removed and ``path`` is left as it was."""
    path = Path(path)
    tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex}.tmp")
    try:
        yield tmp
        if tmp.exists():   # on disk before it takes the old file's name: a power cut leaves one or the other
            fd = os.open(tmp, os.O_RDONLY)
            try:
                os.fsync(fd)
            finally:
                os.close(fd)
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


@contextlib.contextmanager
def interrupts_deferred():
    """Hold Ctrl-C until the block ends, then raise it (in the main thread; elsewhere a no-op). A
    KeyboardInterrupt raised inside a library's write (netCDF4 under xarray's file lock) left that lock held, and
    the next write, or the clean-up of the half-written one, waited for it forever."""
    import signal
    import threading

    caught: list = []
    installed, old = False, None
    if threading.current_thread() is threading.main_thread():
        with contextlib.suppress(ValueError, OSError):   # no signals where this runs (an embedded interpreter)
            old = signal.signal(signal.SIGINT, lambda signum, frame: caught.append(signum))
            installed = True
    try:
        yield
    finally:
        if installed:   # a handler not set from Python reads as None: Python's own then
            signal.signal(signal.SIGINT, old if old is not None else signal.default_int_handler)
        if caught:
            raise KeyboardInterrupt


def write_replacing(path: str | Path, data: bytes | str) -> Path:
    """Write ``data`` (text as UTF-8) to ``path`` through :func:`replacing`; returns ``path``."""
    with replacing(path) as tmp:
        tmp.write_bytes(data.encode() if isinstance(data, str) else data)
    return Path(path)


#: what a failed write means, in words a user can act on (else the system's own words)
_WHY = {errno.EACCES: "permission denied", errno.EPERM: "permission denied",
        errno.EROFS: "the file system is read-only", errno.ENOTDIR: "a file is in the way",
        errno.ENOENT: "a folder on its path does not exist", errno.ENOSPC: "the disk is full"}


def expanded(path, what: str = "the path") -> Path:
    """``path`` with a leading ``~`` or ``~user`` expanded; a :class:`~explorer.core.config.ConfigError` naming
    ``what`` when there is no such home folder (``Path.expanduser`` raises a RuntimeError, a traceback)."""
    try:
        return Path(path).expanduser()
    except RuntimeError:
        from .config import ConfigError

        head = str(path).split("/", 1)[0][:40]
        raise ConfigError(f"{what} {head}/… names a home folder that does not exist here ({head}): give the "
                          "folder in full.") from None


def why(error: BaseException) -> str:
    """``error`` (an OSError, or a MemoryError while reading) in a few words for the end of a sentence."""
    if isinstance(error, MemoryError):
        return "not enough memory"
    words = getattr(error, "strerror", None) or str(error) or type(error).__name__
    return _WHY.get(getattr(error, "errno", None), words)


def check_writable(folder: str | Path) -> None:
    """Write and remove an empty file in ``folder``, so that work whose result goes there is refused before it
    starts rather than at its end; raises the OSError (:func:`why` words it)."""
    probe = Path(folder) / f".probe.{uuid.uuid4().hex}"
    try:
        probe.write_bytes(b"")
    except FileNotFoundError as e:
        if Path(folder).is_dir():   # a folder that exists and takes no new file (/proc): say so, not "missing"
            raise OSError(errno.EACCES, "this folder takes no new files") from e
        raise
    probe.unlink()


def missing_folders(path: str | Path) -> list[Path]:
    """The folders of ``path`` (itself included) that do not exist yet, deepest first: what making it makes."""
    out, folder = [], Path(path).absolute()
    while not folder.exists() and folder != folder.parent:
        out.append(folder)
        folder = folder.parent
    return out


def check_creatable(folder: str | Path) -> None:
    """Check that ``folder`` could be made (or written into, where it exists) without making it: its nearest
    existing folder must take a file; raises the OSError (:func:`why` words it)."""
    missing = missing_folders(folder)
    existing = missing[-1].parent if missing else Path(folder).absolute()
    if not existing.is_dir():
        raise NotADirectoryError(errno.ENOTDIR, "Not a directory", str(existing))
    check_writable(existing)
