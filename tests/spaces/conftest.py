"""Stand-in data for the online datasets: small random uint8 images of the real shape.

The real downloads cannot happen in tests; each stand-in is registered under
the real name so the space files run unchanged.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from archsearch.data import DatasetEntry, RawData, load_dataset
from archsearch.data._registry import _REGISTRY

SPACES = Path(__file__).resolve().parents[2] / "spaces"

#: name -> (image shape, classes) of the datasets the lab spaces use.
SHAPES = {
    "mnist": ((28, 28, 1), 10),
    "fashion_mnist": ((28, 28, 1), 10),
    "notmnist": ((28, 28, 1), 10),
    "cifar10": ((32, 32, 3), 10),
    "cifar100": ((32, 32, 3), 100),
}


def stand_in(name: str, n: int = 64) -> DatasetEntry:
    shape, classes = SHAPES[name]

    def load() -> RawData:
        rng = np.random.default_rng(0)
        x = rng.integers(0, 256, size=(n, *shape), dtype=np.uint8)
        y = np.arange(n) % classes  # every class present, so splits stay stratified
        return RawData(x, y, class_names=[str(i) for i in range(classes)])

    return DatasetEntry(name, load, f"stand-in for {name} ({n} random images)", image_shape=shape, num_classes=classes)


@pytest.fixture
def stand_in_data(monkeypatch: pytest.MonkeyPatch) -> None:
    """Register stand-ins under the real names (undone after the test)."""
    for name in SHAPES:
        monkeypatch.setitem(_REGISTRY, name, stand_in(name))
    load_dataset.cache_clear()
    yield
    load_dataset.cache_clear()
