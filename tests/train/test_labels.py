"""Labels follow the compiled loss: integers for sparse losses, one-hot rows or a float column otherwise."""

from __future__ import annotations

import keras
import numpy as np
import pytest

from archsearch.data import Dataset
from archsearch.train import _feed, fit_model, label_format


def _dataset(classes=3, n=40):
    rng = np.random.default_rng(0)
    x = rng.random((n, 4)).astype("float32")
    y = (np.arange(n) % classes).astype("int64")
    return Dataset("toy", x, y, x[:10], y[:10], x[:5], y[:5], [str(c) for c in range(classes)])


def _model(units, activation, loss, metrics=("accuracy",)):
    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(units, activation=activation)])
    model.compile(optimizer="adam", loss=loss, metrics=list(metrics))
    return model


@pytest.mark.parametrize(
    ("loss", "units", "expected"),
    [
        ("sparse_categorical_crossentropy", 3, "sparse"),
        (keras.losses.SparseCategoricalCrossentropy(), 3, "sparse"),
        ("categorical_crossentropy", 3, "one_hot"),
        (keras.losses.CategoricalCrossentropy(), 3, "one_hot"),
        (keras.losses.categorical_crossentropy, 3, "one_hot"),
        ("mse", 3, "one_hot"),
        ("binary_crossentropy", 1, "column"),
    ],
)
def test_label_format_reads_the_loss(loss, units, expected):
    assert label_format(_model(units, "softmax" if units > 1 else "sigmoid", loss)) == expected


def test_one_hot_batches_match_the_integer_labels():
    ds = _dataset()
    for (_, sparse), (_, onehot) in zip(_feed.val_batches(ds, 4), _feed.val_batches(ds, 4, "one_hot"), strict=True):
        assert onehot.shape == (len(sparse), 3)
        np.testing.assert_array_equal(onehot.numpy().argmax(axis=1), sparse.numpy())


@pytest.mark.parametrize(
    ("loss", "units", "classes", "metrics"),
    [
        ("categorical_crossentropy", 3, 3, ("accuracy",)),
        ("sparse_categorical_crossentropy", 3, 3, ("accuracy",)),
        ("mse", 3, 3, ("mae", "accuracy")),
        ("binary_crossentropy", 1, 2, ("accuracy",)),
    ],
)
def test_fits_with_each_loss_and_reports_its_metrics(loss, units, classes, metrics):
    ds = _dataset(classes)
    model = _model(units, "softmax" if units > 1 else "sigmoid", loss, metrics)
    result = fit_model(model, ds, epochs=1, batch_size=8, seed=0)
    for name in ("loss", "val_loss", *(f"val_{m}" for m in metrics)):
        assert np.isfinite(result.history[name][-1]), name
    assert 0.0 <= result.metrics["test_accuracy"] <= 1.0
