"""The tf.data feed: every example once per epoch, rows kept with their labels, seeded order, tensors made once."""

from __future__ import annotations

import gc
import weakref

import keras
import numpy as np
import pytest

from archsearch.data import Dataset
from archsearch.train import _feed, fit_model


def _dataset(n_train=50, n_val=13):
    rng = np.random.default_rng(0)

    def split(n, offset):
        # Each row's first value is its example number, so a batch says which examples it holds.
        x = rng.random((n, 4)).astype("float32")
        x[:, 0] = np.arange(offset, offset + n)
        return x, (np.arange(offset, offset + n) % 3).astype("int64")

    (xt, yt), (xv, yv), (xs, ys) = split(n_train, 0), split(n_val, 1000), split(5, 2000)
    return Dataset("toy", xt, yt, xv, yv, xs, ys, ["a", "b", "c"])


def _epoch(batches):
    xs, ys = zip(*[(x.numpy(), y.numpy()) for x, y in batches], strict=True)
    return np.concatenate(xs), np.concatenate(ys)


def test_each_epoch_holds_every_training_example_once_with_its_label():
    ds = _dataset()
    batches = _feed.train_batches(ds, 8, seed=3)
    sizes = [len(y) for _, y in batches]
    assert sizes == [8] * 6 + [2]
    first, second = _epoch(batches), _epoch(batches)
    for x, y in (first, second):
        order = x[:, 0].astype(int)
        assert sorted(order) == list(range(50))
        np.testing.assert_array_equal(x, ds.x_train[order])
        np.testing.assert_array_equal(y, ds.y_train[order])
    assert not np.array_equal(first[0][:, 0], second[0][:, 0]), "the order should change from epoch to epoch"


def test_the_seed_fixes_the_order():
    ds = _dataset()
    a = _epoch(_feed.train_batches(ds, 8, seed=1))[0][:, 0]
    b = _epoch(_feed.train_batches(ds, 8, seed=1))[0][:, 0]
    c = _epoch(_feed.train_batches(ds, 8, seed=2))[0][:, 0]
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, c)


def test_validation_batches_are_in_order():
    ds = _dataset()
    x, y = _epoch(_feed.val_batches(ds, 5))
    np.testing.assert_array_equal(x, ds.x_val)
    np.testing.assert_array_equal(y, ds.y_val)


@pytest.mark.parametrize("split", ["train", "val"])
def test_pipelines_prefetch_without_autotuning_and_autotuning_would_not_change_the_order(split, monkeypatch):
    # Autotuning made ending an epoch's iterator wait ~0.6 s in a third of epochs (bench/results/data.md).
    ds = _dataset()

    def make():
        return _feed.train_batches(ds, 8, seed=4) if split == "train" else _feed.val_batches(ds, 8)

    batches = make()
    assert batches.options().autotune.enabled is False
    assert "Prefetch" in type(batches._input_dataset).__name__  # the options wrap the prefetch
    monkeypatch.setattr(_feed, "AUTOTUNE", True)
    tuned = make()
    assert tuned.options().autotune.enabled is not False
    np.testing.assert_array_equal(_epoch(batches)[0], _epoch(tuned)[0])


def test_tensors_are_made_once_per_dataset_and_do_not_keep_it_alive():
    ds, other = _dataset(), _dataset(n_train=20)
    first = _feed._tensors(ds, "train")
    assert _feed._tensors(other, "train")[0].shape[0] == 20
    assert _feed._tensors(ds, "train") is first
    gone = weakref.ref(other)
    del other
    gc.collect()
    assert gone() is None, "the cache must not hold the dataset"
    assert all(ref() is not None for ref, _ in _feed._cached.values()), "a dead dataset's tensors were kept"


def test_fit_model_trains_on_the_pipeline_and_the_seed_repeats_the_fit():
    ds = _dataset(n_train=120)

    def fit(seed):
        keras.utils.set_random_seed(0)
        model = keras.Sequential(
            [keras.Input((4,)), keras.layers.Dense(8, activation="relu"), keras.layers.Dense(3, activation="softmax")]
        )
        model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
        return fit_model(model, ds, epochs=2, batch_size=16, seed=seed)

    a, b, c = fit(7), fit(7), fit(8)
    assert a.epochs_run == 2 and set(a.history) >= {"loss", "val_loss", "val_accuracy"}
    assert a.history["loss"] == b.history["loss"]
    assert a.history["loss"] != c.history["loss"]
    assert 0.0 <= a.metrics["test_accuracy"] <= 1.0


def test_fit_model_scores_every_validation_and_test_example_once():
    ds = _dataset(n_train=120)
    keras.utils.set_random_seed(0)
    model = keras.Sequential(
        [keras.Input((4,)), keras.layers.Dense(8, activation="relu"), keras.layers.Dense(3, activation="softmax")]
    )
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    r = fit_model(model, ds, epochs=3, batch_size=16, seed=1)
    assert r.correct_val.dtype == bool and r.correct_val.shape == (13,) and r.correct_test.shape == (5,)
    pred = model.predict(ds.x_val, verbose=0).argmax(axis=1)
    np.testing.assert_array_equal(r.correct_val, pred == ds.y_val)
    # the validation vector is what Keras measured at the last epoch: the analysis checks objectives with it
    assert r.correct_val.mean() == pytest.approx(r.history["val_accuracy"][-1], abs=1e-6)
    assert r.metrics["test_accuracy"] == pytest.approx(r.correct_test.mean())
