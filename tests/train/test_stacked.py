"""A stacked pack (one model, the replicas' weights stacked in its layers) trains each replica as its separate fit."""

from __future__ import annotations

import keras
import numpy as np
import pytest

from archsearch.data import Dataset
from archsearch.train import clear_session, fit_model, set_seed
from archsearch.train._fused import fit_fused
from archsearch.train._stacked import StackRefused, stack_replicas


def _images() -> Dataset:
    rng = np.random.default_rng(1)

    def split(n):
        y = rng.integers(0, 3, n)
        x = rng.normal(size=(n, 8, 8, 2)).astype("float32")
        x[:, :4, :4, 0] += y[:, None, None]  # a class shows in one corner of one channel
        return x, y.astype("int64")

    (xt, yt), (xv, yv), (xs, ys) = split(64), split(16), split(16)
    return Dataset("img", xt, yt, xv, yv, xs, ys, ["a", "b", "c"])


def _cnn(optimizer=None) -> keras.Model:
    inputs = keras.Input((8, 8, 2))
    x = keras.layers.Conv2D(4, 3, activation="relu")(inputs)
    x = keras.layers.BatchNormalization()(x)
    x = keras.layers.MaxPooling2D(2)(x)
    x = keras.layers.Dropout(0.2)(x)
    x = keras.layers.Flatten()(x)
    x = keras.layers.Dense(8, activation="relu")(x)
    model = keras.Model(inputs, keras.layers.Dense(3, activation="softmax")(x))
    model.compile(
        optimizer=optimizer or keras.optimizers.Adam(0.01), loss="sparse_categorical_crossentropy", metrics=["accuracy"]
    )
    return model


def test_a_stacked_cnn_pack_trains_each_replica_as_its_separate_fit():
    # Grouped convolution, BatchNorm statistics per replica, pooling, dropout masks, the flatten's order, dense.
    ds, seeds = _images(), [5, 77, 901]
    separate = []
    for seed in seeds:
        clear_session()
        set_seed(seed)
        model = _cnn()
        separate.append((fit_model(model, ds, epochs=2, batch_size=16, seed=seed), model.get_weights()))
    clear_session()
    models: list[keras.Model] = []
    fused = fit_fused(lambda: models.append(_cnn()) or models[-1], ds, seeds, epochs=2, batch_size=16)
    assert all(o.stacked for o in fused)
    for (result, weights), outcome, model in zip(separate, fused, models, strict=True):
        assert sorted(outcome.result.history) == sorted(result.history)
        for key, curve in result.history.items():
            np.testing.assert_allclose(outcome.result.history[key], curve, rtol=1e-4, atol=1e-5, err_msg=key)
        for got, want in zip(model.get_weights(), weights, strict=True):  # BatchNorm's moving statistics too
            np.testing.assert_allclose(got, want, rtol=1e-4, atol=1e-5)
        np.testing.assert_array_equal(outcome.result.correct_val, result.correct_val)


def test_each_layer_runs_once_for_all_replicas_except_those_that_do_not_stack():
    models = []
    for seed in (1, 2, 3, 4):
        set_seed(seed)
        models.append(_cnn())
    stacked = stack_replicas(models, (8, 8, 2))
    assert stacked.per_replica == ["Dropout"]  # the replicas' own Dropout layers: their own masks
    conv = next(layer for layer in stacked.model.layers if isinstance(layer, keras.layers.Conv2D))
    assert conv.groups == 4 and conv.filters == 16
    kernels = [w for w in stacked.model.weights if w.path.endswith("kernel") and len(w.shape) == 3]
    assert [tuple(w.shape) for w in kernels] == [(4, 36, 8), (4, 8, 3)]
    # each replica's slice starts as its own initial weights
    np.testing.assert_array_equal(keras.ops.convert_to_numpy(kernels[1])[2], models[2].layers[-1].get_weights()[0])
    x = np.random.default_rng(0).normal(size=(5, 8, 8, 2)).astype("float32")
    for r, out in enumerate(stacked.model([x] * 4)):
        np.testing.assert_allclose(keras.ops.convert_to_numpy(out), models[r](x), rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize(
    "build, why",
    [
        (lambda: _cnn(keras.optimizers.SGD(0.1, clipnorm=1.0)), "clips by a norm"),
        (
            lambda: _compiled(keras.Sequential([keras.Input((8, 8, 2)), keras.Sequential([keras.layers.Flatten()])])),
            "nests another model",
        ),
    ],
)
def test_what_cannot_be_stacked_trains_as_a_graph_pack_and_says_why(build, why):
    said: list[str] = []
    fused = fit_fused(build, _images(), [1, 2], epochs=1, batch_size=32, say=said.append)
    assert not any(o.stacked for o in fused) and len(fused) == 2
    assert len(said) == 1 and why in said[0]
    with pytest.raises(StackRefused, match=why):
        stack_replicas([build(), build()], (8, 8, 2))


def _compiled(model: keras.Model) -> keras.Model:
    model.add(keras.layers.Dense(3, activation="softmax"))
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    return model
