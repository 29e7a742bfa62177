"""What is stored is never lost: the store removes only what is its own and what is damaged.

Each case was found by reading the code as an attacker or an unlucky user would (2026-12-06): a store given a
folder that already held a ``tmp/`` of its own, an entry that could not be read at the moment, a store path
inside an entry given relatively, an entry written by a newer version sharing the store, and an entry whose
files pass their checksums but do not parse.
"""
from __future__ import annotations

import errno
import json
import os
import time

import pytest
from test_store import CFG, fake_run

from explorer.cli import main
from explorer.store import Store, StoreError
from explorer.store import entry as entry_module
from explorer.store.store import STALE_TMP_S


def _age(path, seconds):
    past = time.time() - seconds
    os.utime(path, (past, past))


def test_gc_clears_only_its_own_leftovers_in_tmp(tmp_path):
    """A store given a folder that already held a tmp/ (a home folder, a project) emptied it: gc removed anything
    in tmp/ older than an hour."""
    (tmp_path / "tmp" / "project").mkdir(parents=True)
    (tmp_path / "tmp" / "project" / "notes.txt").write_text("a user's own work")
    (tmp_path / "tmp" / "draft.txt").write_text("also theirs")
    store = Store(tmp_path)
    ours = tmp_path / "tmp" / f"{CFG.key(0)}.{'a' * 32}"           # a killed writer's entry
    trash = tmp_path / "tmp" / f"{CFG.key(1)}.trash.{'b' * 32}"    # a removal that did not finish
    for leftover in (ours, trash):
        leftover.mkdir()
        (leftover / "result.nc").write_bytes(b"half")
    for path in (tmp_path / "tmp" / "project", tmp_path / "tmp" / "draft.txt", ours, trash):
        _age(path, 2 * STALE_TMP_S)
    store.get_or_run(CFG, runner=fake_run)   # every run ends with gc
    assert not ours.exists() and not trash.exists()
    assert (tmp_path / "tmp" / "project" / "notes.txt").read_text() == "a user's own work"
    assert (tmp_path / "tmp" / "draft.txt").exists()


def test_an_entry_that_cannot_be_read_now_is_left_in_place(tmp_path, monkeypatch, caplog, capsys):
    """Too many open files or a permission denied while reading made the store remove valid entries as damaged
    (on a request, and with `store verify --fix`)."""
    store = Store(tmp_path / "s")
    first = store.get_or_run(CFG, runner=fake_run)
    files = {p: p.read_bytes() for p in store.runs.rglob("*") if p.is_file()}

    def busy(path):
        raise OSError(errno.EMFILE, "Too many open files", str(path))

    monkeypatch.setattr(entry_module, "load_netcdf", busy)
    again = store.get_or_run(CFG, runner=fake_run)   # not served from the store: computed anew
    assert not again.cached
    assert "cannot be read now" in caplog.text and "removed" not in caplog.text
    assert main(["--store", str(store.root), "store", "verify", "--fix", "--json"]) == 1
    said = json.loads(capsys.readouterr().out)
    assert said["removed"] == [] and [f["damaged"] for f in said["failed"]] == [False, False]
    assert {p: p.read_bytes() for p in store.runs.rglob("*") if p.is_file()} == files   # nothing removed
    monkeypatch.undo()
    assert store.get_or_run(CFG, runner=fake_run).cached
    assert float(abs(first.data["M"] - store.get_or_run(CFG, runner=fake_run).data["M"]).max()) == 0


def test_verify_tells_an_entry_that_cannot_be_read_from_a_damaged_one(tmp_path, monkeypatch, capsys):
    store = Store(tmp_path / "s")
    store.get_or_run(CFG, runner=fake_run)
    real = entry_module.load_netcdf

    def denied_for_seed_0(path):
        if CFG.key(0) in str(path):
            raise PermissionError(errno.EACCES, "Permission denied", str(path))
        return real(path)

    monkeypatch.setattr(entry_module, "load_netcdf", denied_for_seed_0)
    assert main(["--store", str(store.root), "store", "verify", "--fix"]) == 1
    out = capsys.readouterr().out
    assert f"{CFG.key(0)[:12]}  cannot be read now (permission denied); left in place" in out
    assert "1 entry could not be read now and was left as it is" in out
    assert store.entry_dir(CFG.key(0)).is_dir() and store.entry_dir(CFG.key(1)).is_dir()
    # one damaged and one unreadable now: --json says which went (it said "removed": true for both)
    with open(store.entry_dir(CFG.key(1)) / "result.nc", "ab") as f:
        f.write(b"garbage")
    assert main(["--store", str(store.root), "store", "verify", "--fix", "--json"]) == 1
    said = json.loads(capsys.readouterr().out)
    assert said["removed"] == [CFG.key(1)] and not store.entry_dir(CFG.key(1)).exists()
    assert {f["key"]: f["damaged"] for f in said["failed"]} == {CFG.key(0): False, CFG.key(1): True}
    assert store.entry_dir(CFG.key(0)).is_dir()


def _rewrite_with_checksum(path, name, data: bytes):
    """Replace one file of an entry and its manifest sum, as a hand-repaired or foreign entry would be."""
    (path / name).write_bytes(data)
    manifest = json.loads((path / entry_module.MANIFEST).read_text())
    manifest["files"][name] = entry_module.sha256(path / name)
    (path / entry_module.MANIFEST).write_text(json.dumps(manifest))


@pytest.mark.parametrize("name, data", [("result.nc", b"\x89HDF\r\n\x1a\nnot a dataset"),
                                        ("result.nc", b"plain garbage"),
                                        ("weights.safetensors", b"\x08\x00\x00\x00\x00\x00\x00\x00{bad json")])
def test_an_entry_that_passes_its_checksums_but_does_not_parse(tmp_path, capsys, name, data):
    """`store info` and `store export` printed a traceback for such an entry, and `store verify` passed it."""
    store = Store(tmp_path / "s")
    store.get_or_run(CFG, runner=fake_run)
    key = CFG.key(0)
    _rewrite_with_checksum(store.entry_dir(key), name, data)
    for argv in (["store", "info", key], ["store", "export", key, "--out", str(tmp_path / "out")]):
        assert main(["--store", str(store.root), *argv]) == 2
        err = capsys.readouterr().err
        assert err.startswith(f"explorer: stored run {key} is unusable (its {name} cannot be read") and \
            err.count("\n") == 1, err
    assert main(["--store", str(store.root), "store", "verify", "--json"]) == 1
    failed = json.loads(capsys.readouterr().out)["failed"]
    assert [(f["key"], f["damaged"]) for f in failed] == [(key, True)] and name in failed[0]["why"]
    assert not store.get_or_run(CFG, runner=fake_run).cached          # never served: trained again
    assert not store.entry_dir(key).exists() or store.get_or_run(CFG, runner=fake_run).cached


@pytest.mark.parametrize("raised, damaged", [(RuntimeError("NetCDF: HDF error"), True),
                                             (MemoryError(), False)])
def test_a_netcdf_library_s_other_errors_get_a_sentence(tmp_path, monkeypatch, capsys, raised, damaged):
    """A crafted netCDF header makes the libraries raise RuntimeError (damage) or MemoryError (not enough memory
    now): `store info` and `store verify` printed a traceback."""
    store = Store(tmp_path / "s")
    store.get_or_run(CFG, runner=fake_run)
    key = CFG.key(0)

    def fails(path):
        if key in str(path):
            raise raised
        return entry_module.xr_load(path)

    monkeypatch.setattr(entry_module, "xr_load", entry_module.load_netcdf, raising=False)
    monkeypatch.setattr(entry_module, "load_netcdf", fails)
    assert main(["--store", str(store.root), "store", "info", key]) == 2
    err = capsys.readouterr().err
    said = "cannot be read now (not enough memory)" if not damaged else "is unusable (its result.nc cannot be read"
    assert err.startswith(f"explorer: stored run {key} {said}") and err.count("\n") == 1, err
    assert main(["--store", str(store.root), "store", "verify", "--fix", "--json"]) == 1 - damaged
    said = json.loads(capsys.readouterr().out)
    assert [(f["key"], f["damaged"]) for f in said["failed"]] == [(key, damaged)]
    assert said["removed"] == ([key] if damaged else []) and store.entry_dir(key).exists() == (not damaged)


def test_a_broken_installation_removes_no_entry(tmp_path, monkeypatch):
    """A library that does not import (a broken NumPy under xarray) made every entry "unusable": a request or
    `store verify --fix` would have removed every healthy entry. The error goes to the caller; nothing is removed."""
    store = Store(tmp_path / "s")
    store.get_or_run(CFG, runner=fake_run)
    files = {p: p.read_bytes() for p in store.runs.rglob("*") if p.is_file()}

    def broken(path):
        raise ImportError("numpy.core.multiarray failed to import")

    monkeypatch.setattr(entry_module, "load_netcdf", broken)
    for attempt in (lambda: store.verify(fix=True), lambda: store.get_or_run(CFG, runner=fake_run)):
        with pytest.raises(ImportError):
            attempt()
    assert {p: p.read_bytes() for p in store.runs.rglob("*") if p.is_file()} == files


def test_a_store_path_inside_an_entry_is_refused_however_it_is_written(tmp_path, monkeypatch, capsys):
    """`--store .` from inside an entry, or a folder below one, was taken as a store of its own: its runs/, tmp/
    and locks/ inside the entry made the real store call the entry damaged and remove it."""
    store = Store(tmp_path / "s")
    store.get_or_run(CFG, runner=fake_run)
    inside = store.entry_dir(CFG.key(0))
    monkeypatch.chdir(inside)
    for given in (".", "sub", str(inside / "sub" / "deeper")):
        with pytest.raises(StoreError, match=f"is inside the store at {store.root}, not a store of its own"):
            Store(given).ensure_writable()
    assert sorted(p.name for p in inside.iterdir()) == sorted([*entry_module.FILES, entry_module.MANIFEST])
    assert main(["--store", str(store.root), "store", "verify"]) == 0


def test_an_entry_of_a_newer_version_is_not_called_stale(tmp_path, capsys):
    """A store shared by two checkouts: the older one called the newer one's entries 'stored by an earlier
    version' and `gc --stale` removed them."""
    store = Store(tmp_path / "s")
    store.get_or_run(CFG, runner=fake_run)
    path = store.entry_dir(CFG.key(0))
    config = json.loads((path / "config.json").read_text())
    config["config"]["schema"] = CFG.schema() + 1
    _rewrite_with_checksum(path, "config.json", json.dumps(config).encode())
    rows = {r["key"]: r for r in store.ls()}
    assert rows[CFG.key(0)]["stale"] is False
    assert main(["--store", str(store.root), "store", "gc", "--stale"]) == 0
    assert path.is_dir()


def test_a_system_file_in_an_entry_does_not_make_it_damaged(tmp_path):
    """A .DS_Store left by a file browser (or an .nfs… file) made a valid entry 'damaged', and it was removed."""
    store = Store(tmp_path / "s")
    store.get_or_run(CFG, runner=fake_run)
    (store.entry_dir(CFG.key(0)) / ".DS_Store").write_bytes(b"\x00\x00\x00\x01Bud1")
    assert store.get_or_run(CFG, runner=fake_run).cached
    assert store.verify() == [] and (store.entry_dir(CFG.key(0)) / ".DS_Store").exists()


def test_a_fifo_in_place_of_a_file_is_damage_not_a_hang(tmp_path):
    """Reading a named pipe where result.nc should be waited forever (verify, or a request)."""
    store = Store(tmp_path / "s")
    store.get_or_run(CFG, runner=fake_run)
    path = store.entry_dir(CFG.key(0))
    (path / "result.nc").unlink()
    os.mkfifo(path / "result.nc")
    assert store.verify() == [(CFG.key(0), "result.nc is not a regular file", True)]
    assert not store.get_or_run(CFG, runner=fake_run).cached


def test_what_counts_as_an_error_of_the_moment():
    """Left in place: errors of the reader or the moment, including safetensors' way of wording them (no
    errno, "(os error 13)" in the text). Damage: a file where a folder should be, the netCDF library's errors."""
    now = entry_module.unreadable_now
    assert now(OSError(errno.EMFILE, "Too many open files")) and now(PermissionError("denied")) and now(MemoryError())
    assert now(OSError("Permission denied (os error 13)")) and now(OSError(errno.EIO, "Input/output error"))
    assert not now(NotADirectoryError(errno.ENOTDIR, "Not a directory")) and not now(OSError(-101, "HDF error"))
    assert not now(OSError("No such device (os error 19)")) and not now(ValueError("not netCDF"))
    assert not now(FileNotFoundError(errno.ENOENT, "gone"))


def test_a_stat_that_fails_now_is_not_read_as_no_file(tmp_path, monkeypatch):
    """`Path.is_file()` answers False for any OSError on newer Pythons: a denied stat would make an entry
    'damaged' (removed) instead of 'cannot be read now' (left)."""
    store = Store(tmp_path / "s")
    store.get_or_run(CFG, runner=fake_run)
    class DeniedOs:   # the entry module's os: its stat of result.nc is denied (the store's own listing is not)
        def __getattr__(self, name):
            return getattr(os, name)

        @staticmethod
        def stat(path, *a, **kw):
            if str(path).endswith("result.nc"):
                raise PermissionError(errno.EACCES, "Permission denied", str(path))
            return os.stat(path, *a, **kw)

    monkeypatch.setattr(entry_module, "os", DeniedOs())
    bad = store.verify(fix=True)
    assert {(k, d) for k, _, d in bad} == {(CFG.key(0), False), (CFG.key(1), False)}
    monkeypatch.undo()
    assert store.get_or_run(CFG, runner=fake_run).cached
