"""Stimulus sources: the images each module sees (Béna & Goodman 2023a, §2.2.1).

Béna & Goodman (2023a), "Dynamics of specialization in neural modules under resource
constraints", §2.2.1: each module receives a stimulus from which it must recover a decision variable
(the class of the image). The stimuli are "pairs of written MNIST digits (with each digit drawn from the
same set), or pairs of EMNIST letters (with each letter drawn from separated subsets)"; drawing the two
from *different* sets makes modules specialize more strongly (Béna & Goodman 2023a, §3.2, Supplementary Fig. 5).

Three choices, all giving ten classes 0..9 per module:

``digits``
    scikit-learn's bundled 8×8 handwritten digits — embedded, fully offline, the default. Pixels /16;
    a fixed stratified 75/25 train/test split (``random_state=0``). Both modules share one source.
``mnist``
    torchvision's MNIST (28×28, pixels /255) for both modules.
``emnist-letters``
    module 0 sees MNIST digits, module 1 sees EMNIST letters a–j ("different stimuli", Béna & Goodman 2023a, §2.2.1);
    EMNIST letter labels 1..10 become classes 0..9, the other letters are dropped, and images are turned
    upright (EMNIST stores them transposed).

MNIST/EMNIST live under a root folder: ``data_dir``, else ``$EXPLORER_DATA``, else
``platformdirs.user_cache_dir("explorer")/data``; torchvision's own layout below it
(``<root>/MNIST/raw``, ``<root>/EMNIST/raw``). Files are read where they are; only when they are missing
(and ``download`` is on) is torchvision asked to fetch them. If neither works, :class:`DatasetUnavailable`
says in one sentence which folder and which files are expected.
"""
from __future__ import annotations

import contextlib
import functools
import gzip
import hashlib
import os
import shutil
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..core.config import ConfigError
from ..core.files import expanded, missing_folders, replacing

__all__ = ["Source", "DatasetUnavailable", "load_sources", "data_root", "fingerprint", "DATASETS"]

DATASETS = ("digits", "mnist", "emnist-letters")
DIGIT_NAMES = tuple("0123456789")
LETTER_NAMES = tuple("abcdefghij")


class DatasetUnavailable(ConfigError):
    """The chosen dataset's files are neither on disk nor downloadable; the message is one sentence."""


@dataclass(frozen=True, eq=False)
class Source:
    """One module's stimulus set (Béna & Goodman 2023a, §2.2.1): flattened images in [0, 1] and their class 0..9.

    Arrays are read-only (sources are cached and shared between runs). ``image_shape`` is (h, w) of one
    image, so ``train_x[i].reshape(image_shape)`` shows it upright.
    """

    train_x: np.ndarray   #: (N, F) float32 in [0, 1], F = h·w
    train_y: np.ndarray   #: (N,) int64 class in 0..9
    test_x: np.ndarray    #: (M, F) float32 in [0, 1]
    test_y: np.ndarray    #: (M,) int64 class in 0..9
    image_shape: tuple[int, int]
    name: str
    class_names: tuple[str, ...] = DIGIT_NAMES  #: what class k depicts ("0".."9" or "a".."j")

    @property
    def n_features(self) -> int:
        return int(self.train_x.shape[1])

    @classmethod
    def from_arrays(cls, name, train_x, train_y, test_x, test_y, image_shape, scale, class_names=DIGIT_NAMES):
        """Build a source from raw pixel arrays (any shape (N, ...)); pixels are divided by ``scale``."""
        def x(a):
            a = np.array(a, dtype=np.float32).reshape(len(a), -1)   # one float copy, divided in place (MNIST:
            a /= np.float32(scale)                                     # 188 MB, not 376 at the peak)
            a.setflags(write=False)
            return a

        def y(a):
            a = np.ascontiguousarray(np.asarray(a, dtype=np.int64).reshape(-1))
            a.setflags(write=False)
            return a

        return cls(x(train_x), y(train_y), x(test_x), y(test_y), tuple(int(s) for s in image_shape), name,
                   tuple(class_names))


def data_root(data_dir: str | os.PathLike | None = None) -> Path:
    """The folder holding torchvision datasets: ``data_dir``, ``$EXPLORER_DATA`` or the user cache."""
    if data_dir is None:
        data_dir = os.environ.get("EXPLORER_DATA") or None
    if data_dir is None:
        import platformdirs

        data_dir = os.path.join(platformdirs.user_cache_dir("explorer"), "data")
    return expanded(data_dir, "the data folder").resolve()


def load_sources(dataset: str, data_dir: str | os.PathLike | None = None,
                 download: bool = True) -> tuple[Source, Source]:
    """The stimulus sources of module 0 and module 1 for ``dataset`` (Béna & Goodman 2023a, §2.2.1).

    ``digits`` needs no files; ``mnist`` and ``emnist-letters`` read torchvision's files under
    :func:`data_root`, downloading them first when missing and ``download`` is true. Results are cached
    in-process per (dataset, root). Raises :class:`DatasetUnavailable` (a :class:`ConfigError`) with one
    readable sentence when the files cannot be had, and :class:`ConfigError` for an unknown name.
    """
    if dataset not in DATASETS:
        raise ConfigError(f"Unknown dataset {dataset!r}: choose one of {', '.join(DATASETS)}.")
    if dataset == "digits":
        return _load_cached("digits", None)
    root = str(data_root(data_dir))
    tried: set[str] = set()
    while True:
        try:
            return _load_cached(dataset, root, fingerprint(dataset, root))   # files changed on disk: read again
        except _Missing as missing:
            spec = missing.spec
            if not download or spec.folder in tried:
                # every data set this choice needs and lacks, in one sentence (EMNIST letters also needs MNIST)
                lacking = [spec, *(s for s in _NEEDS[dataset] if s is not spec and s.lacking(root))]
                raise DatasetUnavailable(_sentence(lacking, root, downloaded=spec.folder in tried)) from None
            tried.add(spec.folder)
            spec.download(root)


# --------------------------------------------------------------------------------------------------------
# loading (cached)


@functools.lru_cache(maxsize=8)
def _load_cached(dataset: str, root: str | None, files: str | None = None) -> tuple[Source, Source]:
    if dataset == "digits":
        src = _digits()
        return src, src
    mnist = _MNIST.read(root)
    if dataset == "mnist":
        return mnist, mnist
    return mnist, _EMNIST_LETTERS.read(root)


def _digits() -> Source:
    """scikit-learn's 8×8 digits (1797 images), pixels /16, stratified 75/25 split, ``random_state=0``."""
    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split

    d = load_digits()
    tr_x, te_x, tr_y, te_y = train_test_split(d.data, d.target, test_size=0.25, random_state=0,
                                              stratify=d.target)
    return Source.from_arrays("digits", tr_x, tr_y, te_x, te_y, (8, 8), 16.0)


#: :func:`fingerprint` of a dataset none of whose files are on disk (yet)
MISSING = "missing"


def fingerprint(dataset: str, data_dir: str | os.PathLike | None = None) -> str | None:
    """What a run on ``dataset`` reads, hashed: the first 16 hex digits of the sha256 over the contents of the
    files it is read from (torchvision's raw files, unpacked from their .gz first as reading does, else its
    processed folder), so that a run on other files of the same name is another run. None for the embedded
    ``digits``; :data:`MISSING` when one of the data sets it reads has no file there (EMNIST letters read MNIST's
    files too: MNIST alone is not enough to name the run, or the key would change when EMNIST arrives). Each file
    is hashed once per size and modification time (in-process)."""
    if dataset == "digits" or dataset not in DATASETS:
        return None
    root = str(data_root(data_dir))
    found = []
    for spec in (_MNIST, _EMNIST_LETTERS) if dataset == "emnist-letters" else (_MNIST,):
        raw = spec.raw(root)
        with contextlib.suppress(DatasetUnavailable):   # a broken .gz: reading says so, in its sentence
            _gunzip_missing(raw, spec.files)
        files = [p for p in (os.path.join(raw, name) for name in spec.files) if os.path.isfile(p)]
        if not files:   # each data set's own: torchvision's older processed/ files where its raw ones are not
            processed = os.path.join(root, spec.folder, "processed")
            files = sorted(str(p) for p in Path(processed).glob("*.pt")) if os.path.isdir(processed) else []
        if not files:
            return MISSING
        found += files
    digest = hashlib.sha256()
    for path in found:
        st = os.stat(path)
        digest.update(f"{os.path.basename(path)}:{_file_hash(path, st.st_size, st.st_mtime_ns)};".encode())
    return digest.hexdigest()[:16]


@functools.lru_cache(maxsize=64)
def _file_hash(path: str, size: int, mtime_ns: int) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


class _Missing(Exception):
    def __init__(self, spec: "_TorchvisionSpec"):
        super().__init__(spec.folder)
        self.spec = spec


@dataclass(frozen=True)
class _TorchvisionSpec:
    """How to find, fetch and read one torchvision dataset."""

    label: str      # readable name in messages
    folder: str     # torchvision's class name = folder under root
    files: tuple[str, ...]  # train images, train labels, test images, test labels (in raw/)
    split: str | None = None

    def raw(self, root: str) -> str:
        return os.path.join(root, self.folder, "raw")

    def _dataset(self, root: str, train: bool, download: bool):
        from torchvision import datasets

        cls = getattr(datasets, self.folder)
        kw = {"split": self.split} if self.split else {}
        return cls(root, train=train, download=download, **kw)

    def _missing_files(self, root: str) -> list[str]:
        raw = self.raw(root)
        _gunzip_missing(raw, self.files)
        return [f for f in self.files if not os.path.isfile(os.path.join(raw, f))]

    def lacking(self, root: str) -> bool:
        """Whether neither its raw files nor torchvision's older processed/ files are under ``root``."""
        return bool(self._missing_files(root)) and not os.path.isdir(os.path.join(root, self.folder, "processed"))

    def read(self, root: str) -> Source:
        """Read train and test through torchvision (download off); raises _Missing or DatasetUnavailable."""
        if self.lacking(root):
            raise _Missing(self)
        try:
            train, test = self._dataset(root, True, False), self._dataset(root, False, False)
            tr_x, tr_y = train.data.numpy(), train.targets.numpy()
            te_x, te_y = test.data.numpy(), test.targets.numpy()
        except Exception as err:  # torchvision raises RuntimeError / AssertionError / TypeError / ValueError
            if self._missing_files(root):
                raise _Missing(self) from None
            raise DatasetUnavailable(
                f"{self.label} files in {self.raw(root)} could not be read ({type(err).__name__}: "
                f"{' '.join(str(err).split()) or 'bad format'}); replace {_listing(self.files)} with intact "
                f"copies, or choose --dataset digits.") from None
        return self.convert(tr_x, tr_y, te_x, te_y)

    def convert(self, tr_x, tr_y, te_x, te_y) -> Source:
        return Source.from_arrays(self.label.lower(), tr_x, tr_y, te_x, te_y, tr_x.shape[1:], 255.0)

    def download(self, root: str) -> None:
        """Ask torchvision to fetch the files; any failure is left for the re-read to report, and the empty
        folders torchvision made for them are removed (an offline attempt leaves nothing behind)."""
        made = missing_folders(self.raw(root))   # what torchvision will make, deepest first
        try:
            # torchvision prints progress on stdout; keep stdout clean (e.g. for ``--json``).
            with contextlib.redirect_stdout(sys.stderr):
                self._dataset(root, True, True)
                self._dataset(root, False, True)
        except Exception:  # URLError, RuntimeError, OSError, checksum errors, ...: offline or blocked
            for folder in made:   # deepest first; only folders that are still empty
                with contextlib.suppress(OSError):
                    os.rmdir(folder)



class _EmnistLetters(_TorchvisionSpec):
    def convert(self, tr_x, tr_y, te_x, te_y) -> Source:
        """Keep letters a–j (EMNIST labels 1..10 → classes 0..9) and turn images upright (transpose)."""
        def keep(x, y):
            m = (y >= 1) & (y <= 10)
            return np.swapaxes(x[m], 1, 2), y[m] - 1

        tr_x, tr_y = keep(tr_x, tr_y)
        te_x, te_y = keep(te_x, te_y)
        return Source.from_arrays("emnist-letters", tr_x, tr_y, te_x, te_y, tr_x.shape[1:], 255.0, LETTER_NAMES)


_MNIST = _TorchvisionSpec("MNIST", "MNIST", (
    "train-images-idx3-ubyte", "train-labels-idx1-ubyte", "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"))
_EMNIST_LETTERS = _EmnistLetters("EMNIST letters", "EMNIST", (
    "emnist-letters-train-images-idx3-ubyte", "emnist-letters-train-labels-idx1-ubyte",
    "emnist-letters-test-images-idx3-ubyte", "emnist-letters-test-labels-idx1-ubyte"), split="letters")


_NEEDS = {"mnist": (_MNIST,), "emnist-letters": (_MNIST, _EMNIST_LETTERS)}   #: module 0's, then module 1's


def _listing(files) -> str:
    return ", ".join(files)


def _sentence(specs, root: str, downloaded: bool) -> str:
    """One sentence for every data set in ``specs`` that is missing: what to put where."""
    one = len(specs) == 1
    why = (f"{'it' if one else 'they'} could not be downloaded (offline?)" if downloaded
           else "downloading is switched off")
    where = "; and ".join(f"{_listing(s.files)} (or their .gz) in {s.raw(root)}" for s in specs)
    return (f"{' and '.join(s.label for s in specs)} {'is' if one else 'are'} not on this machine and {why}; "
            f"choose --dataset digits (embedded), or whoever runs it can put {where}.")


def _gunzip_missing(folder: str, files) -> None:
    """Unpack ``name.gz`` next to it where only the compressed file is present (torchvision reads raw)."""
    for f in files:
        path = os.path.join(folder, f)
        if os.path.isfile(path) or not os.path.isfile(path + ".gz"):
            continue
        try:
            with replacing(path) as tmp, gzip.open(path + ".gz", "rb") as src, open(tmp, "wb") as dst:
                shutil.copyfileobj(src, dst)
        except (OSError, EOFError) as err:
            raise DatasetUnavailable(
                f"{path}.gz could not be unpacked next to it ({' '.join(str(err).split())}); replace or delete it, "
                f"or choose --dataset digits.") from None
