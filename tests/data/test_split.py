"""stratified_split: stratified, seeded, disjoint, and safe on label-sorted input."""

from __future__ import annotations

import numpy as np
import pytest

from archsearch.data import stratified_split
from archsearch.errors import DatasetError


def test_label_sorted_input_gives_every_class_in_the_held_out_part():
    # The notMNIST pitfall: "last 10%" of label-sorted data is one class.
    y = np.repeat(np.arange(10), 50)
    keep, held = stratified_split(y, 0.1, seed=0)
    assert len(np.unique(y[held])) == 10
    assert np.bincount(y[held]).tolist() == [5] * 10


def test_parts_are_disjoint_and_cover_everything():
    y = np.random.default_rng(1).integers(0, 4, 301)
    keep, held = stratified_split(y, 0.2, seed=3)
    assert not set(keep) & set(held)
    assert sorted(np.concatenate([keep, held])) == list(range(len(y)))


def test_class_shares_are_kept():
    y = np.array([0] * 800 + [1] * 200)
    _, held = stratified_split(y, 0.1, seed=0)
    assert np.bincount(y[held]).tolist() == [80, 20]


def test_same_seed_same_split_other_seed_other_split():
    y = np.repeat(np.arange(3), 40)
    a = stratified_split(y, 0.25, seed=7)
    b = stratified_split(y, 0.25, seed=7)
    c = stratified_split(y, 0.25, seed=8)
    assert all(np.array_equal(p, q) for p, q in zip(a, b, strict=True))
    assert not np.array_equal(a[1], c[1])


def test_tiny_classes_keep_an_example_on_each_side():
    y = np.array([0, 0, 1, 1, 2, 2, 2])
    keep, held = stratified_split(y, 0.1, seed=0)
    assert set(y[keep]) == {0, 1, 2}
    assert set(y[held]) == {0, 1, 2}


def test_one_class_is_an_error():
    with pytest.raises(DatasetError, match="1 class; a classification search needs at least two"):
        stratified_split(np.zeros(10, dtype=int), 0.2, seed=0)
