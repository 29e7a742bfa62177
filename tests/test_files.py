"""explorer.core.files: results written whole or not at all, and folders checked before work starts."""
import errno

import pytest

from explorer.core.files import check_writable, interrupts_deferred, replacing, why, write_replacing


def test_write_replacing_writes_text_and_bytes(tmp_path):
    assert write_replacing(tmp_path / "a.txt", "é").read_text(encoding="utf-8") == "é"
    assert write_replacing(tmp_path / "a.bin", b"\x00\x01").read_bytes() == b"\x00\x01"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.bin", "a.txt"]   # no temporary file left


def test_an_interrupted_write_leaves_the_old_file_and_no_temporary(tmp_path):
    path = write_replacing(tmp_path / "figure.svg", "old")
    with pytest.raises(RuntimeError):
        with replacing(path) as tmp:
            tmp.write_text("half of the ne")
            raise RuntimeError("interrupted")
    assert path.read_text() == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["figure.svg"]


def test_check_writable_leaves_nothing_and_raises_where_nothing_can_be_written(tmp_path):
    check_writable(tmp_path)
    assert list(tmp_path.iterdir()) == []
    (tmp_path / "a-file").write_text("")
    with pytest.raises(OSError) as info:
        check_writable(tmp_path / "a-file")       # a file where the folder should be
    assert why(info.value) == "a file is in the way"
    with pytest.raises(OSError) as info:
        check_writable(tmp_path / "missing")
    assert why(info.value) == "a folder on its path does not exist"


@pytest.mark.parametrize("code, words", [(errno.EROFS, "the file system is read-only"),
                                         (errno.EACCES, "permission denied"), (errno.ENOSPC, "the disk is full")])
def test_why_words_the_common_failures(code, words):
    assert why(OSError(code, "system words")) == words


def test_why_falls_back_to_the_systems_words():
    assert why(OSError(errno.EIO, "Input/output error")) == "Input/output error"


def test_check_creatable_makes_nothing_and_finds_what_stands_in_the_way(tmp_path):
    from explorer.core.files import check_creatable

    check_creatable(tmp_path / "a" / "b")
    assert list(tmp_path.iterdir()) == []                  # nothing made
    (tmp_path / "file").write_text("")
    with pytest.raises(OSError) as info:
        check_creatable(tmp_path / "file" / "b")
    assert why(info.value) == "a file is in the way"


def test_ctrl_c_during_a_write_waits_for_the_write_to_end():
    """Ctrl-C inside netCDF4's write left xarray's lock held and the CLI hung; the interrupt now comes after."""
    import os
    import signal

    before = signal.getsignal(signal.SIGINT)
    finished = []
    with pytest.raises(KeyboardInterrupt):
        with interrupts_deferred():
            os.kill(os.getpid(), signal.SIGINT)
            finished.append(True)   # the block goes on to its end
    assert finished == [True] and signal.getsignal(signal.SIGINT) is before
    with interrupts_deferred():   # without a Ctrl-C, nothing happens
        finished.append(True)
    assert signal.getsignal(signal.SIGINT) is before
