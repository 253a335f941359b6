"""Writers of small dataset files for tests: image folders with broken files, fake Keras cache files."""

from __future__ import annotations

import gzip
import pickle
import tarfile
from pathlib import Path

import numpy as np
from PIL import Image


def images(n: int, shape: tuple[int, ...], seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).integers(0, 256, (n, *shape), dtype=np.uint8)


def write_image_folder(
    root: Path,
    classes: str = "ABC",
    per_class: int = 6,
    size: tuple[int, int] = (28, 28),
    mode: str = "L",
    broken: bool = True,
) -> dict[str, np.ndarray]:
    """One subfolder of PNGs per class; with ``broken``, an empty, a truncated and a text file.

    Returns the pixels written, by relative path.
    """
    written = {}
    shape = size if mode == "L" else (*size, 3)
    for k, name in enumerate(classes):
        (root / name).mkdir(parents=True, exist_ok=True)
        for i, pixels in enumerate(images(per_class, shape, seed=k)):
            Image.fromarray(pixels).save(root / name / f"{i:03d}.png")
            written[f"{name}/{i:03d}.png"] = pixels
    if broken:  # what notMNIST really contains: files PIL cannot read
        (root / classes[0] / "empty.png").write_bytes(b"")
        good = (root / classes[1] / "000.png").read_bytes()
        (root / classes[1] / "truncated.png").write_bytes(good[: len(good) // 2])
        (root / classes[-1] / "notes.txt").write_text("not an image")
    return written


def tar_folder(folder: Path, archive: Path, arcname: str) -> Path:
    with tarfile.open(archive, "w:gz") as tar:
        tar.add(folder, arcname=arcname)
    return archive


# -- fake Keras cache files, same names and layout as keras/src/datasets/*.py --------------------------------


def write_mnist(datasets: Path, n_train: int = 30, n_test: int = 10) -> dict[str, np.ndarray]:
    arrays = {
        "x_train": images(n_train, (28, 28)),
        "y_train": np.arange(n_train, dtype=np.uint8) % 10,
        "x_test": images(n_test, (28, 28), seed=1),
        "y_test": np.arange(n_test, dtype=np.uint8) % 10,
    }
    np.savez(datasets / "mnist.npz", **arrays)
    return arrays


def _idx(array: np.ndarray) -> bytes:
    header = bytes([0, 0, 0x08, array.ndim]) + np.asarray(array.shape, dtype=">i4").tobytes()
    return header + array.astype(np.uint8).tobytes()


def write_fashion(datasets: Path, n_train: int = 30, n_test: int = 10) -> dict[str, np.ndarray]:
    arrays = {
        "x_train": images(n_train, (28, 28)),
        "y_train": np.arange(n_train, dtype=np.uint8) % 10,
        "x_test": images(n_test, (28, 28), seed=1),
        "y_test": np.arange(n_test, dtype=np.uint8) % 10,
    }
    folder = datasets / "fashion-mnist"
    folder.mkdir(parents=True, exist_ok=True)
    for fname, key in (
        ("train-labels-idx1-ubyte.gz", "y_train"),
        ("train-images-idx3-ubyte.gz", "x_train"),
        ("t10k-labels-idx1-ubyte.gz", "y_test"),
        ("t10k-images-idx3-ubyte.gz", "x_test"),
    ):
        with gzip.open(folder / fname, "wb") as f:
            f.write(_idx(arrays[key]))
    return arrays


def _cifar_pickle(path: Path, x_nhwc: np.ndarray, labels: np.ndarray, label_key: bytes) -> None:
    # CIFAR stores rows of 3072 bytes: the red plane, then green, then blue (channels first).
    data = x_nhwc.transpose(0, 3, 1, 2).reshape(len(x_nhwc), -1)
    with open(path, "wb") as f:
        pickle.dump({b"batch_label": b"fake", label_key: labels.tolist(), b"data": data}, f, protocol=2)


def write_cifar10(
    datasets: Path, layout: str = "cifar-10-batches-py-target/cifar-10-batches-py", per_batch: int = 6
) -> dict[str, np.ndarray]:
    folder = datasets / layout
    folder.mkdir(parents=True, exist_ok=True)
    x_train = images(5 * per_batch, (32, 32, 3))
    y_train = np.arange(5 * per_batch) % 10
    for i in range(5):
        part = slice(i * per_batch, (i + 1) * per_batch)
        _cifar_pickle(folder / f"data_batch_{i + 1}", x_train[part], y_train[part], b"labels")
    x_test, y_test = images(10, (32, 32, 3), seed=1), np.arange(10) % 10
    _cifar_pickle(folder / "test_batch", x_test, y_test, b"labels")
    return {"x_train": x_train, "y_train": y_train, "x_test": x_test, "y_test": y_test}


def write_cifar100(datasets: Path, layout: str = "cifar-100-python-target/cifar-100-python") -> dict[str, np.ndarray]:
    folder = datasets / layout
    folder.mkdir(parents=True, exist_ok=True)
    x_train, y_train = images(200, (32, 32, 3)), np.arange(200) % 100
    x_test, y_test = images(100, (32, 32, 3), seed=1), np.arange(100) % 100
    _cifar_pickle(folder / "train", x_train, y_train, b"fine_labels")
    _cifar_pickle(folder / "test", x_test, y_test, b"fine_labels")
    with open(folder / "meta", "wb") as f:
        pickle.dump({b"fine_label_names": [f"c{i}".encode() for i in range(100)]}, f, protocol=2)
    return {"x_train": x_train, "y_train": y_train, "x_test": x_test, "y_test": y_test}
