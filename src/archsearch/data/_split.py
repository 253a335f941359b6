"""Seeded, stratified splits (never "the last 10%" of label-sorted data)."""

from __future__ import annotations

import numpy as np

from archsearch.errors import DatasetError

__all__ = ["stratified_split"]


def stratified_split(y: np.ndarray, fraction: float, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Split indices of ``y`` into (keep, held_out), stratified by class and shuffled.

    Every class keeps its share in both parts (at least one example in each part
    for classes with two or more examples), whatever the order of ``y``.

    Example:
        >>> y = np.repeat(np.arange(3), 10)   # label-sorted
        >>> keep, held = stratified_split(y, 0.2, seed=0)
        >>> np.bincount(y[held]).tolist()
        [2, 2, 2]
    """
    from sklearn.model_selection import StratifiedShuffleSplit

    y = np.asarray(y)
    if not 0 < fraction < 1:
        raise ValueError(f"fraction must be in (0, 1), but got {fraction!r}.")
    counts = np.bincount(y) if y.dtype.kind in "iu" else np.unique(y, return_counts=True)[1]
    counts = counts[counts > 0]
    if len(counts) < 2:
        raise DatasetError(f"the data has {len(counts)} class; a classification search needs at least two.")
    n_held = max(int(round(len(y) * fraction)), len(counts))
    if counts.min() < 2 or n_held >= len(y) - len(counts) + 1:
        # Too few examples for sklearn's guarantees: shuffle within each class.
        return _per_class_split(y, fraction, seed)
    splitter = StratifiedShuffleSplit(n_splits=1, test_size=n_held, random_state=seed)
    keep, held = next(splitter.split(np.zeros(len(y)), y))
    return np.sort(keep), np.sort(held)


def _per_class_split(y: np.ndarray, fraction: float, seed: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    keep, held = [], []
    for label in np.unique(y):
        idx = rng.permutation(np.flatnonzero(y == label))
        n = min(max(int(round(len(idx) * fraction)), 1), len(idx) - 1) if len(idx) > 1 else 0
        held.append(idx[:n])
        keep.append(idx[n:])
    return np.sort(np.concatenate(keep)), np.sort(np.concatenate(held))
