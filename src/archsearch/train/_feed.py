"""Feeding Keras: ``tf.data`` pipelines over tensors made once per process.

``bench/data_feed.py`` measured this faster than ``fit(x, y)`` on NumPy arrays
(bench/results/data.md). The arrays become tensors once per dataset, not once per
fit (Keras converts NumPy inputs on every ``fit``), and each fit gets its own
pipeline over them: the example indices shuffled with the trial's seed (a buffer
of integers, not a second copy of the images), batched, gathered and prefetched.
The gather runs in one thread: a gather is cheap, and parallel calls competed
with training for the cores (slower and noisier in the benchmark).
"""

from __future__ import annotations

import weakref
from typing import TYPE_CHECKING, Any

import tensorflow as tf

from archsearch.seeds import data_order_seed

if TYPE_CHECKING:
    from archsearch.data import Dataset

__all__ = ["LABELS", "prefetched", "train_batches", "val_batches"]

# How labels reach the loss: "sparse" integers (sparse_categorical_crossentropy),
# "one_hot" rows (categorical_crossentropy, mse on a softmax, ...), or a float
# "column" (n, 1) for a one-unit output (binary_crossentropy on a sigmoid).
LABELS = ("sparse", "one_hot", "column")

# tf.data's autotuning of the pipelines (off: see :func:`prefetched`; bench/data_feed.py --autotune sets it).
AUTOTUNE = False

# Each live dataset's tensors, by id(dataset); an entry goes when its dataset does.
_cached: dict[int, tuple[weakref.ref[Any], dict[str, tuple[tf.Tensor, tf.Tensor]]]] = {}


def train_batches(
    dataset: Dataset, batch_size: int, seed: int | None, labels: str = "sparse", shuffle: bool = True
) -> tf.data.Dataset:
    """Training batches, reshuffled every epoch; the same seed gives the same order.

    ``labels`` is one of :data:`LABELS`; ``shuffle=False`` keeps the stored order.
    """
    x, y = _tensors(dataset, "train")
    n = int(y.shape[0])
    indices = tf.data.Dataset.range(n)
    if shuffle:
        order_seed = None if seed is None else data_order_seed(seed)
        indices = indices.shuffle(n, seed=order_seed, reshuffle_each_iteration=True)
    shape = _labeller(labels, dataset.num_classes)
    return prefetched(indices.batch(batch_size).map(lambda i: (tf.gather(x, i), shape(tf.gather(y, i)))))


def val_batches(dataset: Dataset, batch_size: int, labels: str = "sparse") -> tf.data.Dataset:
    """Validation batches in order."""
    x, y = _tensors(dataset, "val")
    n = int(y.shape[0])
    starts = tf.data.Dataset.range(0, n, batch_size)
    shape = _labeller(labels, dataset.num_classes)
    return prefetched(starts.map(lambda s: (x[s : s + batch_size], shape(y[s : s + batch_size]))))


def prefetched(batches: tf.data.Dataset) -> tf.data.Dataset:
    """The pipeline's end: prefetch, without tf.data's autotuning.

    With autotuning, ending an epoch's iterator (Keras makes one per epoch) waited
    about 0.6 s in a third to half of the epochs, in separate and fused fits
    alike, and a 12-epoch fit of L0's nets took 1.2-1.4x as long
    (bench/results/data.md).
    """
    if AUTOTUNE:
        return batches.prefetch(tf.data.AUTOTUNE)
    options = tf.data.Options()
    options.autotune.enabled = False
    return batches.prefetch(tf.data.AUTOTUNE).with_options(options)


def _labeller(labels: str, num_classes: int) -> Any:
    if labels == "one_hot":
        return lambda y: tf.one_hot(tf.cast(y, tf.int32), num_classes)
    if labels == "column":
        return lambda y: tf.reshape(tf.cast(y, tf.float32), (-1, 1))
    if labels == "sparse":
        return lambda y: y
    raise ValueError(f"labels must be one of {', '.join(LABELS)}, but got {labels!r}.")


def _tensors(dataset: Dataset, split: str) -> tuple[tf.Tensor, tf.Tensor]:
    key = id(dataset)
    entry = _cached.get(key)
    if entry is None or entry[0]() is not dataset:
        entry = _cached[key] = (weakref.ref(dataset, lambda _: _cached.pop(key, None)), {})
    tensors = entry[1]
    if split not in tensors:
        with tf.device("/CPU:0"):  # the pipeline runs on the CPU; batches go to the accelerator
            x, y = getattr(dataset, f"x_{split}"), getattr(dataset, f"y_{split}")
            tensors[split] = (tf.convert_to_tensor(x), tf.convert_to_tensor(y))
    return tensors[split]
