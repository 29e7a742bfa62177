"""Stimulus sources (Béna & Goodman 2023a, §2.2.1): embedded digits, and MNIST / EMNIST letters through the real
torchvision readers on tiny IDX files written here. No test can reach the network."""
import gzip
import socket
import struct
from pathlib import Path
from urllib.error import URLError

import numpy as np
import pytest

from explorer.core.config import ConfigError
from explorer.tasks import datasets
from explorer.tasks.datasets import DatasetUnavailable, Source, load_sources

MNIST_FILES = ("train-images-idx3-ubyte", "train-labels-idx1-ubyte",
               "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte")
EMNIST_FILES = ("emnist-letters-train-images-idx3-ubyte", "emnist-letters-train-labels-idx1-ubyte",
                "emnist-letters-test-images-idx3-ubyte", "emnist-letters-test-labels-idx1-ubyte")


@pytest.fixture(autouse=True)
def offline(monkeypatch):
    """Any download attempt fails as it would offline; sockets cannot connect. Returns the attempt log."""
    import torchvision.datasets.mnist as tv_mnist

    attempts = []

    def refuse(url, *args, **kwargs):
        attempts.append(url)
        raise URLError("network disabled in tests")

    def no_connect(*args, **kwargs):
        raise OSError("network disabled in tests")

    monkeypatch.setattr(tv_mnist, "download_and_extract_archive", refuse)
    monkeypatch.setattr(socket.socket, "connect", no_connect)
    monkeypatch.delenv("EXPLORER_DATA", raising=False)
    return attempts


def write_idx(path: Path, array: np.ndarray, compress: bool = False) -> None:
    """Write a uint8 array in the IDX format (magic 0x0000 08 <ndim>, big-endian int32 dims, raw bytes)."""
    array = np.ascontiguousarray(array, dtype=np.uint8)
    blob = struct.pack(">I", 0x0800 | array.ndim) + struct.pack(f">{array.ndim}I", *array.shape) + array.tobytes()
    path.parent.mkdir(parents=True, exist_ok=True)
    if compress:
        with gzip.open(str(path) + ".gz", "wb") as f:
            f.write(blob)
    else:
        path.write_bytes(blob)


def images(n: int, seed: int) -> np.ndarray:
    return np.random.default_rng(seed).integers(0, 256, size=(n, 28, 28), dtype=np.uint8)


def write_mnist(root: Path, compress: bool = False):
    tr_x, te_x = images(20, 1), images(10, 2)
    tr_y, te_y = np.arange(20) % 10, (np.arange(10) * 3) % 10
    raw = root / "MNIST" / "raw"
    for name, arr in zip(MNIST_FILES, (tr_x, tr_y, te_x, te_y)):
        write_idx(raw / name, arr, compress)
    return tr_x, tr_y, te_x, te_y


def write_emnist_letters(root: Path):
    """Letters 1..26 cycling; every stored image has a bright bar in stored *row* = its label (transposed)."""
    tr_y, te_y = np.arange(30) % 26 + 1, (np.arange(14) * 5) % 26 + 1
    tr_x, te_x = images(30, 3) // 2, images(14, 4) // 2
    for x, y in ((tr_x, tr_y), (te_x, te_y)):
        for img, label in zip(x, y):
            img[label, 2:26] = 255   # a horizontal bar as stored = a vertical bar (column `label`) upright
    raw = root / "EMNIST" / "raw"
    for name, arr in zip(EMNIST_FILES, (tr_x, tr_y, te_x, te_y)):
        write_idx(raw / name, arr)
    return tr_x, tr_y, te_x, te_y


# ------------------------------------------------------------------------------------------------ digits

def test_digits_shapes_ranges_classes():
    m0, m1 = load_sources("digits")
    assert m0 is m1 and isinstance(m0, Source)
    assert m0.name == "digits" and m0.image_shape == (8, 8) and m0.n_features == 64
    assert m0.train_x.shape == (1347, 64) and m0.test_x.shape == (450, 64)
    assert m0.train_x.dtype == np.float32 and m0.test_x.dtype == np.float32
    assert m0.train_y.dtype == np.int64 and m0.test_y.dtype == np.int64
    for x in (m0.train_x, m0.test_x):
        assert x.min() == 0.0 and x.max() == 1.0
    for y in (m0.train_y, m0.test_y):
        assert set(np.unique(y)) == set(range(10))
    # stratified: class proportions agree between train and test within one example
    tr, te = np.bincount(m0.train_y), np.bincount(m0.test_y)
    assert np.all(np.abs(tr / 3 - te) <= 1.5)
    assert not m0.train_x.flags.writeable


def test_digits_split_is_deterministic_and_matches_sklearn():
    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split

    a, b = datasets._digits(), datasets._digits()
    assert np.array_equal(a.train_x, b.train_x) and np.array_equal(a.test_y, b.test_y)
    d = load_digits()
    tr_x, te_x, tr_y, te_y = train_test_split(d.data, d.target, test_size=0.25, random_state=0, stratify=d.target)
    assert np.allclose(a.train_x, tr_x / 16) and np.array_equal(a.train_y, tr_y)
    assert np.allclose(a.test_x, te_x / 16) and np.array_equal(a.test_y, te_y)
    assert load_sources("digits")[0] is load_sources("digits", data_dir="/nonexistent")[0]  # cached


def test_unknown_dataset_is_a_config_error():
    with pytest.raises(ConfigError, match="Unknown dataset 'fashion'.*digits, mnist, emnist-letters"):
        load_sources("fashion")


# ------------------------------------------------------------------------------------- torchvision path

def test_mnist_through_torchvision(tmp_path, offline):
    tr_x, tr_y, te_x, te_y = write_mnist(tmp_path)
    m0, m1 = load_sources("mnist", data_dir=tmp_path, download=False)
    assert m0 is m1 and m0.name == "mnist" and m0.image_shape == (28, 28)
    assert m0.train_x.shape == (20, 784) and m0.test_x.shape == (10, 784) and m0.train_x.dtype == np.float32
    assert np.allclose(m0.train_x, tr_x.reshape(20, -1) / 255.0)
    assert np.allclose(m0.test_x, te_x.reshape(10, -1) / 255.0)
    assert m0.train_y.dtype == np.int64 and np.array_equal(m0.train_y, tr_y) and np.array_equal(m0.test_y, te_y)
    assert np.array_equal(m0.train_x[3].reshape(28, 28), tr_x[3] / np.float32(255))  # not transposed
    assert 0.0 <= m0.train_x.min() and m0.train_x.max() <= 1.0
    assert load_sources("mnist", data_dir=str(tmp_path))[0] is m0   # cached per (dataset, root)
    assert offline == []


def test_emnist_letters_a_to_j_upright(tmp_path, offline):
    write_mnist(tmp_path)
    tr_x, tr_y, te_x, te_y = write_emnist_letters(tmp_path)
    digits, letters = load_sources("emnist-letters", data_dir=tmp_path, download=False)
    assert digits.name == "mnist" and letters.name == "emnist-letters"
    assert letters.class_names == tuple("abcdefghij")
    keep_tr, keep_te = tr_y <= 10, te_y <= 10
    assert len(letters.train_y) == keep_tr.sum() == 10 + 4 and len(letters.test_y) == keep_te.sum()
    assert np.array_equal(letters.train_y, tr_y[keep_tr] - 1) and np.array_equal(letters.test_y, te_y[keep_te] - 1)
    assert set(letters.train_y) == set(range(10))
    upright = letters.train_x.reshape(-1, 28, 28)
    assert np.allclose(upright, np.swapaxes(tr_x[keep_tr], 1, 2) / 255.0)
    for img, k in zip(upright, letters.train_y):   # the planted bar is a column once upright
        label = k + 1
        assert np.all(img[2:26, label] == 1.0) and not np.all(img[label, 2:26] == 1.0)
    assert np.allclose(letters.test_x.reshape(-1, 28, 28), np.swapaxes(te_x[keep_te], 1, 2) / 255.0)
    assert offline == []


def test_gz_files_are_unpacked(tmp_path):
    tr_x, *_ = write_mnist(tmp_path, compress=True)
    m0, _ = load_sources("mnist", data_dir=tmp_path, download=False)
    assert np.allclose(m0.train_x, tr_x.reshape(20, -1) / 255.0)


def test_a_damaged_gz_file_is_one_sentence_and_leaves_nothing_half_unpacked(tmp_path):
    write_mnist(tmp_path, compress=True)
    raw = tmp_path / "MNIST" / "raw"
    gz = raw / (MNIST_FILES[0] + ".gz")
    gz.write_bytes(gz.read_bytes()[:-40])   # cut short: gzip stops with EOFError while unpacking
    with pytest.raises(DatasetUnavailable, match=f"{MNIST_FILES[0]}.gz could not be unpacked next to it"):
        load_sources("mnist", data_dir=tmp_path, download=False)
    assert not (raw / MNIST_FILES[0]).exists()
    assert sorted(p.name for p in raw.iterdir() if MNIST_FILES[0] in p.name) == [MNIST_FILES[0] + ".gz"]   # no tmp


def test_data_dir_from_environment(tmp_path, monkeypatch):
    write_mnist(tmp_path)
    monkeypatch.setenv("EXPLORER_DATA", str(tmp_path))
    assert datasets.data_root() == tmp_path.resolve()
    assert load_sources("mnist", download=False)[0].train_x.shape == (20, 784)


def test_download_used_only_when_files_missing_and_keeps_stdout_clean(tmp_path, monkeypatch, capsys):
    """A stand-in for torchvision's fetch writes the files; loading then succeeds, stdout stays empty."""
    import torchvision.datasets.mnist as tv_mnist

    src = tmp_path / "elsewhere"
    write_mnist(src)
    fetched = []

    def fake_fetch(url, download_root, filename=None, md5=None, **kwargs):
        name = filename[:-3]
        fetched.append(name)
        Path(download_root, name).write_bytes((src / "MNIST" / "raw" / name).read_bytes())

    monkeypatch.setattr(tv_mnist, "download_and_extract_archive", fake_fetch)
    m0, _ = load_sources("mnist", data_dir=tmp_path / "root", download=True)
    assert m0.train_x.shape == (20, 784) and sorted(fetched) == sorted(MNIST_FILES)
    assert capsys.readouterr().out == ""


@pytest.mark.parametrize("download", [True, False])
def test_missing_mnist_names_folder_and_files(tmp_path, offline, download):
    with pytest.raises(DatasetUnavailable) as info:
        load_sources("mnist", data_dir=tmp_path, download=download)
    msg = str(info.value)
    assert isinstance(info.value, ConfigError) and "\n" not in msg
    assert str(tmp_path / "MNIST" / "raw") in msg and all(f in msg for f in MNIST_FILES)
    assert "--dataset digits" in msg
    if download:
        assert offline and "could not be downloaded" in msg
    else:
        assert offline == [] and "switched off" in msg


def test_missing_emnist_names_its_files(tmp_path, offline):
    write_mnist(tmp_path)
    with pytest.raises(DatasetUnavailable) as info:
        load_sources("emnist-letters", data_dir=tmp_path, download=True)
    msg = str(info.value)
    assert "\n" not in msg and str(tmp_path / "EMNIST" / "raw") in msg and all(f in msg for f in EMNIST_FILES)
    assert offline  # a download was tried (and refused)


@pytest.mark.parametrize("download", [True, False])
def test_emnist_letters_without_either_data_set_names_both(tmp_path, offline, download):
    """EMNIST letters needs MNIST for module 0 too: with neither on disk the sentence named only MNIST, and only
    once MNIST was there did a second one name EMNIST's files (a CLI audit's catch)."""
    with pytest.raises(DatasetUnavailable) as info:
        load_sources("emnist-letters", data_dir=tmp_path, download=download)
    msg = str(info.value)
    assert msg.startswith("MNIST and EMNIST letters are not on this machine") and "\n" not in msg
    for folder, files in (("MNIST", MNIST_FILES), ("EMNIST", EMNIST_FILES)):
        assert str(tmp_path / folder / "raw") in msg and all(f in msg for f in files)


def test_corrupt_file_is_one_sentence(tmp_path):
    write_mnist(tmp_path)
    (tmp_path / "MNIST" / "raw" / "train-images-idx3-ubyte").write_bytes(b"\x00\x00\x0d\x07garbage")
    with pytest.raises(DatasetUnavailable, match="could not be read") as info:
        load_sources("mnist", data_dir=tmp_path, download=False)
    assert "\n" not in str(info.value)


def test_engine_trains_on_mnist_and_emnist_letters_read_from_idx_files(tmp_path, offline):
    """The whole engine on the torchvision path: 784-pixel stimuli, letters for module 1."""
    from explorer.studies.specialization.config import SpecializationConfig
    from explorer.studies.specialization.run import run

    write_mnist(tmp_path)
    letters = np.arange(20) % 10 + 1                       # a–j, every class present in both splits
    for name, arr in zip(EMNIST_FILES, (images(20, 5), letters, images(20, 6), letters)):
        write_idx(tmp_path / "EMNIST" / "raw" / name, arr)
    for dataset in ("mnist", "emnist-letters"):
        c = SpecializationConfig(dataset=dataset, data_dir=str(tmp_path), n=6, epochs=1, pairs_per_epoch=128,
                                 batch_size=64, steps=2, seeds=1)
        r = run(c)
        assert r.weights["W_in"].shape[-1] == 784
        assert np.isfinite(r.data["F"].values).all()


def test_a_stimulus_set_missing_a_class_is_one_sentence(tmp_path, offline):
    from explorer.core.config import ConfigError
    from explorer.studies.specialization.config import SpecializationConfig
    from explorer.studies.specialization.run import run

    write_mnist(tmp_path)
    write_emnist_letters(tmp_path)                           # its test split lacks some of a–j
    with pytest.raises(ConfigError, match="has no image of class"):
        run(SpecializationConfig(dataset="emnist-letters", data_dir=str(tmp_path), n=4, epochs=1,
                                 pairs_per_epoch=64, batch_size=32, steps=2, seeds=1))


def test_an_offline_download_leaves_no_empty_folders_behind(tmp_path, monkeypatch):
    """torchvision makes <root>/MNIST/raw before it tries to fetch: when the fetch fails, the folders it made are
    removed again (a mistyped --data-dir leaves nothing), and the sentence says what to put where."""
    import os

    def offline(self, root, train, download):
        if download:
            os.makedirs(self.raw(root), exist_ok=True)
            raise URLError("offline")
        raise RuntimeError("Dataset not found")

    monkeypatch.setattr(datasets._TorchvisionSpec, "_dataset", offline)
    datasets._load_cached.cache_clear()
    with pytest.raises(DatasetUnavailable, match="could not be downloaded"):
        load_sources("mnist", data_dir=tmp_path / "typo" / "data")
    assert list(tmp_path.iterdir()) == []


def test_a_run_on_other_data_files_is_another_run_and_a_folder_without_them_is_no_stored_run(tmp_path, offline):
    """The data folder is not part of a run's identity, and nothing said what its files held: a run on other
    MNIST files of the same names came back from the store with the first files' numbers, and so did a
    mistyped --data-dir. Now what the files hold is part of the run's key (the same files elsewhere: the same
    run) and a stored run is found only where its files are."""
    from explorer.store import Store
    from explorer.studies.specialization.config import SpecializationConfig

    write_mnist(tmp_path / "a")
    write_mnist(tmp_path / "same")
    write_mnist(tmp_path / "b")
    write_idx(tmp_path / "b" / "MNIST" / "raw" / MNIST_FILES[0], images(20, 9))   # other training images
    write_mnist(tmp_path / "gz", compress=True)
    config = lambda folder: SpecializationConfig(dataset="mnist", data_dir=str(tmp_path / folder), n=6,  # noqa
                                                 epochs=1, pairs_per_epoch=128, batch_size=64, steps=2, seeds=1)
    keys = {folder: config(folder).key(0) for folder in ("a", "same", "b", "gz")}
    assert keys["a"] == keys["same"] == keys["gz"] != keys["b"]
    assert config("a").canonical()["data"] == datasets.fingerprint("mnist", tmp_path / "a")
    assert SpecializationConfig().canonical() == SpecializationConfig().canonical(with_data=False)   # digits
    store = Store(tmp_path / "store")
    first = store.get_or_run(config("a"))
    assert store.get_or_run(config("same")).cached
    other = store.get_or_run(config("b"))
    assert not other.cached and not np.array_equal(other.weights["W_in"].numpy(), first.weights["W_in"].numpy())
    with pytest.raises(DatasetUnavailable, match="MNIST is not on this machine"):
        store.get_or_run(config("typo"))
    # a file changed in place: read again, another run
    write_idx(tmp_path / "a" / "MNIST" / "raw" / MNIST_FILES[2], images(10, 7))
    assert config("a").key(0) not in (keys["a"], keys["b"])
    assert SpecializationConfig.from_dict(config("b").canonical()).dataset == "mnist"


def test_the_first_run_on_files_it_must_download_is_stored_under_the_files_it_trained_on(tmp_path, monkeypatch):
    """The key named the files before they were there ('missing'), the download came during training, and the
    entries were written under the new files' key: the run ended in a KeyError. The store now fetches the
    data before it names the run."""
    from explorer.store import Store
    from explorer.studies.specialization.config import SpecializationConfig

    fetched = []

    def download(self, root):   # what torchvision's download does, without the network
        fetched.append(self.folder)
        write_mnist(Path(root))

    monkeypatch.setattr(datasets._TorchvisionSpec, "download", download)
    config = SpecializationConfig(dataset="mnist", data_dir=str(tmp_path / "data"), n=6, epochs=1,
                                  pairs_per_epoch=128, batch_size=64, steps=2, seeds=2)
    store = Store(tmp_path / "store")
    first = store.get_or_run(config)
    assert fetched == ["MNIST"] and not first.cached
    assert config.canonical()["data"] not in (datasets.MISSING, None)
    assert store.get_or_run(config).cached and fetched == ["MNIST"]
    from explorer.store.sweep import sweep   # a sweep too (its cells are counted by key before they train)

    swept = sweep(config.replace(data_dir=str(tmp_path / "other")), {"p": [0.1, 1.0]}, store=store, progress=False)
    assert fetched == ["MNIST", "MNIST"] and swept.sizes["p"] == 2


def test_emnist_letters_beside_mnist_alone_are_fetched_before_the_run_is_named(tmp_path, monkeypatch):
    """MNIST's files were there and EMNIST's not: the fingerprint named MNIST's alone, so nothing was fetched
    before the key was taken, the download came during training, the entries went under the new files' key and
    the run ended in a KeyError (a reviewer's catch). A data set with no files now makes the fingerprint
    MISSING, and the download comes first."""
    from explorer.store import Store
    from explorer.studies.specialization.config import SpecializationConfig

    fetched = []

    def download(self, root):
        fetched.append(self.folder)
        letters = np.arange(20) % 10 + 1                   # a–j, every class present in both splits
        for name, arr in zip(EMNIST_FILES, (images(20, 5), letters, images(20, 6), letters)):
            write_idx(Path(root) / "EMNIST" / "raw" / name, arr)

    monkeypatch.setattr(datasets._TorchvisionSpec, "download", download)
    write_mnist(tmp_path / "data")
    assert datasets.fingerprint("emnist-letters", tmp_path / "data") == datasets.MISSING
    config = SpecializationConfig(dataset="emnist-letters", data_dir=str(tmp_path / "data"), n=6, epochs=1,
                                  pairs_per_epoch=128, batch_size=64, steps=2, seeds=1)
    store = Store(tmp_path / "store")
    first = store.get_or_run(config)
    assert fetched == ["EMNIST"] and not first.cached
    assert store.get_or_run(config).cached and fetched == ["EMNIST"]


def test_the_fingerprint_covers_each_data_set_s_own_files(tmp_path):
    """EMNIST read from torchvision's older processed/ files beside MNIST's raw ones: its files count too."""
    from explorer.store.catalogue import _stale
    from explorer.studies.specialization.config import SpecializationConfig

    write_mnist(tmp_path)
    processed = tmp_path / "EMNIST" / "processed"
    processed.mkdir(parents=True)
    (processed / "training_letters.pt").write_bytes(b"one")
    before = datasets.fingerprint("emnist-letters", tmp_path)
    (processed / "training_letters.pt").write_bytes(b"two")
    assert datasets.fingerprint("emnist-letters", tmp_path) not in (before, datasets.MISSING)
    # an entry stored before the files' contents were part of the key cannot be read by any run: stale
    old = SpecializationConfig(dataset="mnist", data_dir=str(tmp_path)).canonical(with_seeds=False, with_data=False)
    assert _stale(old) and not _stale(SpecializationConfig(dataset="mnist", data_dir=str(tmp_path))
                                      .canonical(with_seeds=False))
