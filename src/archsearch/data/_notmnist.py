"""notMNIST (letters A-J, 28x28 grey PNGs): a folder or the original archive in the Keras cache folder."""

from __future__ import annotations

from pathlib import Path

from archsearch.data._dataset import RawData
from archsearch.data._images import load_image_folder
from archsearch.data._keras import keras_datasets_dir
from archsearch.errors import DatasetError

__all__ = ["NOTMNIST", "locate_notmnist", "load_notmnist", "notmnist_location"]

_ORIGIN = "http://yaroslavvb.com/upload/notMNIST/"
# registered name -> folder / archive stem
NOTMNIST = {"notmnist": "notMNIST_small", "notmnist_large": "notMNIST_large"}


def locate_notmnist(stem: str) -> Path | None:
    """``<keras datasets>/notMNIST_small/`` (extracted) or ``notMNIST_small.tar.gz``, whichever exists."""
    base = keras_datasets_dir()
    for candidate in (base / stem, base / f"{stem}.tar.gz"):
        if candidate.exists():
            return candidate
    return None


def notmnist_location(stem: str) -> str:
    """Where notMNIST was found, or the two places it may be put."""
    found = locate_notmnist(stem)
    base = keras_datasets_dir()
    return str(found) if found else f"{base / stem}/ or {base / stem}.tar.gz"


def load_notmnist(stem: str, *, image_size: tuple[int, int] | None = None) -> RawData:
    """Load notMNIST_small or notMNIST_large from the Keras cache folder (decoded once, then cached).

    The archives hold one folder per letter; the folder form is the same layout
    after ``tar xzf``. A few files in them are unreadable; they are skipped and counted.

    Example:
        >>> raw = load_notmnist("notMNIST_small")  # doctest: +SKIP
        >>> raw.class_names                          # doctest: +SKIP
        ['A', 'B', 'C', 'D', 'E', 'F', 'G', 'H', 'I', 'J']
    """
    found = locate_notmnist(stem)
    if found is None:
        base = keras_datasets_dir()
        raise DatasetError(
            f"notMNIST: neither {base / stem}/ nor {base / stem}.tar.gz exists; download {stem}.tar.gz "
            f"({_ORIGIN}) into {base} (or set KERAS_HOME), or use --dataset folder:PATH for a copy "
            "elsewhere."
        )
    if found.is_dir():
        nested = found / stem
        if nested.is_dir():  # extracted into a folder of the same name
            found = nested
    return load_image_folder(found, image_size=image_size)
