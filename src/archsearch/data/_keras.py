"""MNIST, Fashion-MNIST, CIFAR-10/100 read from the Keras dataset cache.

The files are read here, from the names and layout ``keras.datasets`` uses
(keras 3: ``keras/src/datasets/*.py``), so any copy put there works offline and
this code is testable with small generated files; Keras itself (which checks
hashes and refuses absolute paths) is only called to download missing files.
"""

from __future__ import annotations

import contextlib
import dataclasses
import gzip
import pickle
import sys
from collections.abc import Callable
from pathlib import Path

import numpy as np

from archsearch.data._dataset import RawData
from archsearch.errors import DatasetError
from archsearch.stores import keras_datasets_dir

__all__ = ["KERAS_DATASETS", "KerasSource", "keras_datasets_dir", "load_keras_dataset"]

_GOOGLE = "https://storage.googleapis.com/tensorflow/tf-keras-datasets/"
_FASHION = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"]
_CIFAR10 = ["airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck"]


@dataclasses.dataclass(frozen=True)
class KerasSource:
    """One dataset in the Keras cache.

    ``layouts`` are folders relative to the cache, tried in order, each of which
    must hold every name in ``files`` (keras 3 extracts CIFAR under
    ``cifar-10-batches-py-target/``; keras 2 and a manual ``tar xzf`` give
    ``cifar-10-batches-py/``).
    """

    name: str
    keras_module: str  # keras.datasets.<module>.load_data() downloads it
    files: tuple[str, ...]
    layouts: tuple[str, ...]
    origin: str  # what a user downloads by hand
    manual: str  # how to put ``origin`` in place, with {dir} for the cache folder
    read: Callable[[Path], RawData]
    image_shape: tuple[int, int, int]
    num_classes: int
    description: str

    def locate(self) -> Path | None:
        """The folder holding all files right now, or None."""
        base = keras_datasets_dir()
        for layout in self.layouts:
            folder = base / layout
            if all((folder / f).is_file() for f in self.files):
                return folder
        return None

    def load(self) -> RawData:
        folder = self.locate()
        if folder is None:
            _download(self)
            folder = self.locate()
        if folder is None:
            raise DatasetError(
                f"{self.name}: Keras reported a download but {self.expected()} is still missing; "
                f"{self.manual.format(dir=keras_datasets_dir())}."
            )
        return self.read(folder)

    def expected(self) -> Path:
        return keras_datasets_dir() / self.layouts[0] / self.files[0]

    def where(self) -> str:
        """The file (or folder of files) in use, else where it must be put."""
        folder = self.locate() or keras_datasets_dir() / self.layouts[0]
        return str(folder / self.files[0]) if len(self.files) == 1 else f"{folder}/"


def _download(source: KerasSource) -> None:
    import importlib

    module = importlib.import_module(f"keras.datasets.{source.keras_module}")
    try:
        with contextlib.redirect_stdout(sys.stderr):  # Keras prints progress; stdout is for results
            module.load_data()
    except Exception as err:  # noqa: BLE001 - urllib, HTTP, hash and extraction errors all mean "no data"
        reason = " ".join(str(err).split())[:160] or type(err).__name__
        raise DatasetError(
            f"{source.name}: {source.expected()} is missing and the download failed ({reason}); "
            f"{source.manual.format(dir=keras_datasets_dir())}, or set KERAS_HOME (in Python: "
            "stores.Folders(keras_home=...)) to a folder whose datasets/ holds it."
        ) from None


# -- readers -----------------------------------------------------------------------------------------------


def _read_mnist(folder: Path) -> RawData:
    path = folder / "mnist.npz"
    arrays = _npz(path, ("x_train", "y_train", "x_test", "y_test"))
    return RawData(
        arrays["x_train"],
        arrays["y_train"],
        arrays["x_test"],
        arrays["y_test"],
        class_names=[str(i) for i in range(10)],
    )


def _npz(path: Path, keys: tuple[str, ...]) -> dict[str, np.ndarray]:
    try:
        with np.load(path, allow_pickle=False) as f:
            missing = [k for k in keys if k not in f.files]
            if missing:
                raise DatasetError(
                    f"{path}: has no array(s) {', '.join(missing)} (found: "
                    f"{', '.join(f.files) or 'none'}); delete it and download it again."
                )
            return {k: f[k] for k in keys}
    except (OSError, ValueError) as err:
        raise DatasetError(f"{path}: not a readable .npz file ({err}); delete it and download it again.") from None


def read_idx(path: Path) -> np.ndarray:
    """An IDX file (gzipped or not), the format of MNIST and Fashion-MNIST.

    Header: two zero bytes, a type code (0x08 = uint8), the number of
    dimensions, then each dimension as a big-endian int32.
    """
    opener = gzip.open if path.suffix == ".gz" else open
    try:
        with opener(path, "rb") as f:
            data = f.read()
    except (OSError, EOFError) as err:
        raise DatasetError(f"{path}: cannot read it ({err}); delete it and download it again.") from None
    if len(data) < 4 or data[0] != 0 or data[1] != 0 or data[2] != 0x08 or not 1 <= data[3] <= 4:
        raise DatasetError(f"{path}: not an IDX file of uint8 (bad header); delete it and download it again.")
    ndim = data[3]
    dims = tuple(int(d) for d in np.frombuffer(data, dtype=">i4", count=ndim, offset=4))
    offset = 4 + 4 * ndim
    if len(data) - offset != int(np.prod(dims)):
        raise DatasetError(
            f"{path}: header says {dims} but the file holds {len(data) - offset} values; "
            "delete it and download it again."
        )
    return np.frombuffer(data, dtype=np.uint8, offset=offset).reshape(dims)


def _read_fashion(folder: Path) -> RawData:
    y_train = read_idx(folder / "train-labels-idx1-ubyte.gz")
    x_train = read_idx(folder / "train-images-idx3-ubyte.gz")
    y_test = read_idx(folder / "t10k-labels-idx1-ubyte.gz")
    x_test = read_idx(folder / "t10k-images-idx3-ubyte.gz")
    return RawData(x_train, y_train, x_test, y_test, class_names=list(_FASHION))


class _ArraysOnly(pickle.Unpickler):
    """CIFAR batches hold dicts, lists and numpy arrays; refuse anything else (pickles can run code)."""

    _ALLOWED = {
        ("numpy", "ndarray"),
        ("numpy", "dtype"),
        ("numpy.core.multiarray", "_reconstruct"),
        ("numpy._core.multiarray", "_reconstruct"),
        ("numpy.core.multiarray", "scalar"),
        ("numpy._core.multiarray", "scalar"),
        ("_codecs", "encode"),
    }  # how Python 3 writes bytes at pickle protocol 2 (re-pickled copies)

    def find_class(self, module: str, name: str):  # noqa: ANN201 - pickle's signature
        if (module, name) not in self._ALLOWED:
            raise pickle.UnpicklingError(f"global {module}.{name} is not allowed in a CIFAR batch")
        return super().find_class(module, name)


def _cifar_batch(path: Path, label_key: str) -> tuple[np.ndarray, np.ndarray]:
    try:
        with open(path, "rb") as f:
            d = {
                (k.decode() if isinstance(k, bytes) else k): v
                for k, v in _ArraysOnly(f, encoding="bytes").load().items()
            }
        data = np.asarray(d["data"], dtype=np.uint8)
        labels = np.asarray(d[label_key], dtype=np.int64)
        images = data.reshape(len(data), 3, 32, 32).transpose(0, 2, 3, 1)  # channels last, as Keras gives
    except (OSError, EOFError, KeyError, ValueError, AttributeError, pickle.UnpicklingError) as err:
        raise DatasetError(
            f"{path}: not a readable CIFAR batch ({type(err).__name__}: {err}); delete it and "
            "extract the archive again."
        ) from None
    if len(images) != len(labels):
        raise DatasetError(
            f"{path}: {len(images)} images but {len(labels)} labels; delete it and extract the archive again."
        )
    return images, labels


def _read_cifar10(folder: Path) -> RawData:
    parts = [_cifar_batch(folder / f"data_batch_{i}", "labels") for i in range(1, 6)]
    x_train = np.concatenate([p[0] for p in parts])  # one contiguous uint8 copy
    y_train = np.concatenate([p[1] for p in parts])
    x_test, y_test = _cifar_batch(folder / "test_batch", "labels")
    return RawData(x_train, y_train, np.ascontiguousarray(x_test), y_test, class_names=list(_CIFAR10))


def _read_cifar100(label_mode: str) -> Callable[[Path], RawData]:
    def read(folder: Path) -> RawData:
        key = f"{label_mode}_labels"
        x_train, y_train = _cifar_batch(folder / "train", key)
        x_test, y_test = _cifar_batch(folder / "test", key)
        return RawData(
            np.ascontiguousarray(x_train),
            y_train,
            np.ascontiguousarray(x_test),
            y_test,
            class_names=_cifar100_names(folder, label_mode),
        )

    return read


def _cifar100_names(folder: Path, label_mode: str) -> list[str] | None:
    try:
        with open(folder / "meta", "rb") as f:
            meta = _ArraysOnly(f, encoding="bytes").load()
        names = meta[f"{label_mode}_label_names".encode()]
        return [n.decode() if isinstance(n, bytes) else str(n) for n in names]
    except (OSError, EOFError, KeyError, pickle.UnpicklingError):
        return None  # the names are a nicety; numbers do


_CIFAR_MANUAL = "download {url} and extract it into {{dir}} (giving {{dir}}/{folder}/{first})"

KERAS_DATASETS: dict[str, KerasSource] = {
    s.name: s
    for s in (
        KerasSource(
            "mnist",
            "mnist",
            ("mnist.npz",),
            ("",),
            f"{_GOOGLE}mnist.npz",
            f"download {_GOOGLE}mnist.npz and put it at {{dir}}/mnist.npz",
            _read_mnist,
            (28, 28, 1),
            10,
            "MNIST digits via keras.datasets: 60,000 + 10,000 test, 28x28 grey, 10 classes",
        ),
        KerasSource(
            "fashion_mnist",
            "fashion_mnist",
            (
                "train-labels-idx1-ubyte.gz",
                "train-images-idx3-ubyte.gz",
                "t10k-labels-idx1-ubyte.gz",
                "t10k-images-idx3-ubyte.gz",
            ),
            ("fashion-mnist",),
            _GOOGLE,
            f"download the four *-ubyte.gz files from {_GOOGLE} into {{dir}}/fashion-mnist/",
            _read_fashion,
            (28, 28, 1),
            10,
            "Fashion-MNIST via keras.datasets: 60,000 + 10,000 test, 28x28 grey, 10 classes",
        ),
        KerasSource(
            "cifar10",
            "cifar10",
            ("data_batch_1", "data_batch_2", "data_batch_3", "data_batch_4", "data_batch_5", "test_batch"),
            ("cifar-10-batches-py-target/cifar-10-batches-py", "cifar-10-batches-py"),
            "https://www.cs.toronto.edu/~kriz/cifar-10-python.tar.gz",
            _CIFAR_MANUAL.format(
                url="https://www.cs.toronto.edu/~kriz/cifar-10-python.tar.gz",
                folder="cifar-10-batches-py",
                first="data_batch_1",
            ),
            _read_cifar10,
            (32, 32, 3),
            10,
            "CIFAR-10 via keras.datasets: 50,000 + 10,000 test, 32x32 RGB, 10 classes",
        ),
        KerasSource(
            "cifar100",
            "cifar100",
            ("train", "test"),
            ("cifar-100-python-target/cifar-100-python", "cifar-100-python"),
            "https://www.cs.toronto.edu/~kriz/cifar-100-python.tar.gz",
            _CIFAR_MANUAL.format(
                url="https://www.cs.toronto.edu/~kriz/cifar-100-python.tar.gz", folder="cifar-100-python", first="train"
            ),
            _read_cifar100("fine"),
            (32, 32, 3),
            100,
            "CIFAR-100 (fine labels) via keras.datasets: 50,000 + 10,000 test, 32x32 RGB, 100 classes",
        ),
    )
}


def load_keras_dataset(name: str) -> RawData:
    """Read ``name`` from the Keras cache, downloading through Keras when it is missing.

    Example:
        >>> raw = load_keras_dataset("mnist")  # doctest: +SKIP
        >>> raw.x_train.shape, raw.x_test.shape  # doctest: +SKIP
        ((60000, 28, 28), (10000, 28, 28))
    """
    return KERAS_DATASETS[name].load()
