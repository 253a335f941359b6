"""Shaping raw images for a space: test/validation splits, scaling to [0, 1], resizing, flat or image input."""

from __future__ import annotations

import numpy as np

from archsearch.data._dataset import Dataset, RawData
from archsearch.data._split import stratified_split
from archsearch.errors import DatasetError
from archsearch.seeds import split_seeds

__all__ = ["input_shape_for", "prepare"]

_TEST_FRACTION = 0.2  # carved from sources without a test split


def input_shape_for(
    image_shape: tuple[int, ...], input: str, image_size: tuple[int, int] | None = None
) -> tuple[int, ...]:
    """The shape of one prepared example of raw images of ``image_shape``, without loading them.

    The same rule as :func:`prepare`: ``image_size`` replaces height and width,
    grey images get one channel, ``"flat"`` multiplies it all out.

    Example:
        >>> input_shape_for((8, 8, 1), "flat"), input_shape_for((8, 8), "image", (16, 12))
        ((64,), (16, 12, 1))
    """
    h, w = image_size if image_size is not None else image_shape[:2]
    channels = image_shape[2] if len(image_shape) > 2 else 1
    return (h * w * channels,) if input == "flat" else (h, w, channels)


def prepare(
    name: str,
    raw: RawData,
    *,
    input: str,
    validation_split: float,
    seed: int,
    image_size: tuple[int, int] | None = None,
) -> Dataset:
    """Split ``raw`` into train/val/test and shape it (float32 in [0, 1]).

    Memory: the splits are index arrays into the loader's uint8 images (often a
    memory-mapped cache file); each split is gathered block by block straight into
    its float32 array, so no full uint8 copy and no second float32 copy is made.

    Example:
        >>> raw = RawData(np.zeros((20, 4, 4), np.uint8), np.repeat([0, 1], 10))
        >>> ds = prepare("tiny", raw, input="flat", validation_split=0.25, seed=0)
        >>> len(ds.y_train), len(ds.y_val), len(ds.y_test), ds.input_shape
        (12, 4, 4, (16,))
    """
    x, y = raw.x_train, _int_labels(raw.y_train)
    _check_pair(name, "", x, y)
    if raw.x_test is None or raw.y_test is None:
        keep, test_idx = stratified_split(y, _TEST_FRACTION, split_seeds(seed)[0])
        x_test, y_test = x, y[test_idx]
    else:
        x_test, y_test = raw.x_test, _int_labels(raw.y_test)
        _check_pair(name, "test ", x_test, y_test)
        keep, test_idx = np.arange(len(y)), np.arange(len(y_test))
    train, val = stratified_split(y[keep], validation_split, split_seeds(seed)[1])
    train_idx, val_idx = keep[train], keep[val]
    num_classes = int(max(y.max(), y_test.max())) + 1
    names = raw.class_names or [str(i) for i in range(num_classes)]
    scale = _scale(x, x_test)
    return Dataset(
        name=name,
        x_train=_gather(x, train_idx, input, image_size, scale),
        y_train=y[train_idx],
        x_val=_gather(x, val_idx, input, image_size, scale),
        y_val=y[val_idx],
        x_test=_gather(x_test, test_idx, input, image_size, scale),
        y_test=y_test,
        class_names=list(names),
    )


def _int_labels(y: np.ndarray) -> np.ndarray:
    y = np.asarray(y)
    if y.ndim == 2 and y.shape[1] > 1:
        y = y.argmax(axis=1)  # one-hot -> sparse integers
    return y.astype(np.int64).ravel()


def _check_pair(name: str, which: str, x: np.ndarray, y: np.ndarray) -> None:
    if len(x) != len(y):
        raise DatasetError(f"{name}: {len(x)} {which}images but {len(y)} {which}labels; they must match in length.")


def _scale(*arrays: np.ndarray) -> float:
    """255 for 0-255 data, 1 for data already in [0, 1]; decided once for all splits."""
    if all(a.dtype == np.uint8 for a in arrays):
        return 255.0
    return 255.0 if max(float(a.max(initial=0)) for a in arrays) > 1.0 else 1.0


_BLOCK = 8192  # images per gather block: a few MB of uint8 at a time


def _gather(
    x: np.ndarray, idx: np.ndarray, input: str, image_size: tuple[int, int] | None, scale: float = 255.0
) -> np.ndarray:
    """``x[idx]`` as float32 / scale, shaped for the space, built block by block."""
    h, w = image_size if image_size is not None else x.shape[1:3]
    channels = x.shape[3] if x.ndim == 4 else 1
    out = np.empty((len(idx), h, w, channels), dtype=np.float32)
    for start in range(0, len(idx), _BLOCK):
        block = np.asarray(x[idx[start : start + _BLOCK]])
        if block.ndim == 3:
            block = block[..., None]
        if tuple(block.shape[1:3]) != (h, w):
            block = _resize(block, (h, w))
        out[start : start + len(block)] = block
    if scale != 1.0:
        out *= np.float32(1.0 / scale)  # in place: the only float32 copy
    return out.reshape(len(out), -1) if input == "flat" else out


def _resize(x: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    from PIL import Image

    h, w = size
    out = np.empty((len(x), h, w, x.shape[-1]), dtype=x.dtype)
    for i, img in enumerate(x):
        pil = Image.fromarray(img[..., 0] if img.shape[-1] == 1 else img)
        out[i] = np.asarray(pil.resize((w, h), Image.BILINEAR)).reshape(h, w, -1)
    return out
