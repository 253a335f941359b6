"""``subset:N:NAME``: a seeded, stratified N-image sample of another dataset, for quick checks (smoke runs).

The sample is drawn from NAME's training images (and, when NAME has its own
test split, a fifth as many of its test images), with every class keeping its
share; the same N gives the same images every time.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from archsearch.data._dataset import RawData
from archsearch.errors import DatasetError
from archsearch.seeds import SUBSET_SEED

__all__ = ["parse_subset", "subset_loader"]


def parse_subset(arg: str) -> tuple[int, str]:
    """``"500:mnist_sample"`` -> ``(500, "mnist_sample")``.

    Raises:
        DatasetError: not ``N:NAME`` with N a positive integer.
    """
    count, sep, inner = arg.partition(":")
    if not sep or not inner or not count.isdigit() or int(count) < 20:
        raise DatasetError(
            f"dataset 'subset:{arg}': write subset:N:NAME with N at least 20, e.g. subset:500:mnist_sample."
        )
    return int(count), inner


def subset_loader(load_raw: Callable[[str], RawData]) -> Callable[[str], RawData]:
    """The ``subset`` prefix's loader, over the registry's ``load_raw``."""

    def load(arg: str) -> RawData:
        count, inner = parse_subset(arg)
        raw = load_raw(inner)
        x, y = _sample(raw.x_train, raw.y_train, count)
        x_test, y_test = (
            (None, None)
            if raw.x_test is None or raw.y_test is None
            else _sample(raw.x_test, raw.y_test, max(count // 5, 10))
        )
        return RawData(x, y, x_test, y_test, class_names=raw.class_names, skipped=raw.skipped)

    return load


def _sample(x: np.ndarray, y: np.ndarray, count: int) -> tuple[np.ndarray, np.ndarray]:
    from archsearch.data._split import stratified_split

    y = np.asarray(y)
    if count >= len(y):
        return np.asarray(x), y
    _, idx = stratified_split(y, count / len(y), SUBSET_SEED)
    return np.asarray(x[idx]), y[idx]
