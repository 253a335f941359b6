"""``npz:PATH``: arrays saved with ``np.savez``."""

from __future__ import annotations

import zipfile
from pathlib import Path

import numpy as np

from archsearch.data._dataset import RawData
from archsearch.errors import DatasetError

__all__ = ["check_npz", "load_npz"]

_FIX = "save it with np.savez(PATH, x_train=..., y_train=..., x_test=..., y_test=...) or np.savez(PATH, x=..., y=...)"


def check_npz(path: str) -> None:
    """Fail early (before a run starts) when ``path`` is not a file."""
    if not Path(path).expanduser().is_file():
        raise DatasetError(f"{path}: no such file; npz:PATH needs an .npz file ({_FIX}).")


def load_npz(path: str) -> RawData:
    """Load ``x_train, y_train, x_test, y_test`` (or ``x, y``) from an ``.npz`` file.

    Images are ``(N, H, W)`` or ``(N, H, W, C)``, uint8 0-255 or floats; labels are
    integers (a one-hot ``(N, K)`` array is turned into integers).

    Example:
        >>> np.savez("/tmp/tiny.npz", x=np.zeros((4, 8, 8), np.uint8), y=np.array([0, 1, 0, 1]))
        >>> load_npz("/tmp/tiny.npz").x_train.shape
        (4, 8, 8)
    """
    check_npz(path)
    file = Path(path).expanduser()
    if not zipfile.is_zipfile(file):  # np.load reads a text or pickle file as something else, and says so oddly
        raise DatasetError(f"{path}: not a .npz file (a zip archive of arrays, as np.savez writes); {_FIX}.")
    try:
        with np.load(file, allow_pickle=False) as f:
            names = set(f.files)
            if {"x_train", "y_train"} <= names:
                has_test = {"x_test", "y_test"} <= names
                keys = ["x_train", "y_train"] + (["x_test", "y_test"] if has_test else [])
            elif {"x", "y"} <= names:
                keys = ["x", "y"]
            else:
                raise DatasetError(
                    f"{path}: expected arrays x_train, y_train (and x_test, y_test) or x, y, but found "
                    f"{', '.join(sorted(names)) or 'none'}; {_FIX}."
                )
            arrays = [f[k] for k in keys]
    except (OSError, ValueError, EOFError) as err:
        raise DatasetError(f"{path}: not a readable .npz file ({' '.join(str(err).split())[:120]}); {_FIX}.") from None
    x_train, y_train = _images(path, keys[0], arrays[0]), _labels(path, keys[1], arrays[1])
    _same_length(path, keys[0], x_train, keys[1], y_train)
    x_test = y_test = None
    if len(arrays) == 4:
        x_test, y_test = _images(path, "x_test", arrays[2]), _labels(path, "y_test", arrays[3])
        _same_length(path, "x_test", x_test, "y_test", y_test)
        if x_test.shape[1:] != x_train.shape[1:]:
            raise DatasetError(
                f"{path}: x_test images are {x_test.shape[1:]} but x_train images are "
                f"{x_train.shape[1:]}; they must have the same shape."
            )
    return RawData(x_train, y_train, x_test, y_test)


def _images(path: str, key: str, x: np.ndarray) -> np.ndarray:
    if x.ndim not in (3, 4) or (x.ndim == 4 and x.shape[-1] not in (1, 3, 4)):
        raise DatasetError(
            f"{path}: {key} has shape {x.shape}; images must be (N, H, W) or (N, H, W, C) with C "
            "1, 3 or 4 (reshape flat vectors to (N, H, W) before saving)."
        )
    if x.dtype.kind not in "uif":
        raise DatasetError(f"{path}: {key} has dtype {x.dtype}; images must be numbers.")
    return x


def _labels(path: str, key: str, y: np.ndarray) -> np.ndarray:
    if y.ndim == 2 and y.shape[1] > 1:
        y = y.argmax(axis=1)  # one-hot
    y = y.reshape(len(y)) if y.ndim == 2 else y
    if y.ndim != 1 or y.dtype.kind not in "uib" and not (y.dtype.kind == "f" and np.all(y == np.round(y))):
        raise DatasetError(
            f"{path}: {key} has shape {y.shape} and dtype {y.dtype}; labels must be integers 0..K-1, one per image."
        )
    if len(y) and y.min() < 0:
        raise DatasetError(f"{path}: {key} has negative labels; labels must be integers 0..K-1.")
    return y.astype(np.int64)


def _same_length(path: str, xk: str, x: np.ndarray, yk: str, y: np.ndarray) -> None:
    if len(x) != len(y):
        raise DatasetError(f"{path}: {xk} has {len(x)} images but {yk} has {len(y)} labels; they must match in length.")
