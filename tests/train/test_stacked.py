"""A stacked pack (one model, the replicas' weights stacked in its layers) trains each replica as its separate fit."""

from __future__ import annotations

import keras
import numpy as np
import pytest

from archsearch.data import Dataset
from archsearch.train import clear_session, fit_model, set_seed
from archsearch.train._fused import fit_fused
from archsearch.train._stacked import StackNotFaster, StackRefused, stack_replicas
from tests.train.test_fused import assert_like_separate


def _images(channels: int = 2) -> Dataset:
    rng = np.random.default_rng(1)

    def split(n):
        y = rng.integers(0, 3, n)
        x = rng.normal(size=(n, 8, 8, channels)).astype("float32")
        x[:, :4, :4, 0] += y[:, None, None]  # a class shows in one corner of one channel
        return x, y.astype("int64")

    (xt, yt), (xv, yv), (xs, ys) = split(64), split(16), split(16)
    return Dataset("img", xt, yt, xv, yv, xs, ys, ["a", "b", "c"])


def _cnn(optimizer=None, channels: int = 2) -> keras.Model:
    inputs = keras.Input((8, 8, channels))
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


def test_a_stacked_cnn_pack_trains_each_replica_as_its_separate_fit(monkeypatch):
    monkeypatch.setattr("archsearch.train._stacked.CPU_STACKS_CONV", True)  # on a CPU the graph pack trains CNNs
    # A one-channel convolution stacked as a depthwise one, BatchNorm statistics per replica, pooling, dropout
    # masks, the flatten's order, dense.
    ds, seeds = _images(channels=1), [5, 901]
    separate = []
    for seed in seeds:
        clear_session()
        set_seed(seed)
        model = _cnn(channels=1)
        separate.append((fit_model(model, ds, epochs=2, batch_size=16, seed=seed), model.get_weights()))
    clear_session()
    models: list[keras.Model] = []
    fused = fit_fused(lambda: models.append(_cnn(channels=1)) or models[-1], ds, seeds, epochs=2, batch_size=16)
    assert all(o.stacked for o in fused)
    for (result, weights), outcome, model in zip(separate, fused, models, strict=True):
        assert_like_separate(outcome, result, model, weights)  # BatchNorm's moving statistics among the weights
        np.testing.assert_array_equal(outcome.result.correct_val, result.correct_val)


def test_a_dense_layer_on_every_pixel_stacks_and_trains_each_replica_as_its_separate_fit():
    # Dense on [batch, 8, 8, channels] acts per pixel: the stacked layer's batched matmul runs over batch x pixels.
    def build() -> keras.Model:
        inputs = keras.Input((8, 8, 2))
        x = keras.layers.Dense(3, activation="relu")(inputs)
        x = keras.layers.Flatten()(x)
        model = keras.Model(inputs, keras.layers.Dense(3, activation="softmax")(x))
        model.compile(optimizer=keras.optimizers.Adam(0.01), loss="sparse_categorical_crossentropy")
        return model

    ds, seeds = _images(), [2, 77]
    separate = []
    for seed in seeds:
        clear_session()
        set_seed(seed)
        model = build()
        separate.append((fit_model(model, ds, epochs=2, batch_size=16, seed=seed), model.get_weights()))
    clear_session()
    models: list[keras.Model] = []
    fused = fit_fused(lambda: models.append(build()) or models[-1], ds, seeds, epochs=2, batch_size=16)
    assert all(o.stacked for o in fused)
    for (result, weights), outcome, model in zip(separate, fused, models, strict=True):
        assert_like_separate(outcome, result, model, weights)


def test_each_layer_runs_once_for_all_replicas_except_those_that_do_not_stack(monkeypatch):
    models = []
    for seed in (1, 2, 3, 4):
        set_seed(seed)
        models.append(_cnn())
    with pytest.raises(StackRefused, match="graph pack was faster"):  # a CPU's default for convolutions
        stack_replicas(models, (8, 8, 2), grouped_conv=False)
    monkeypatch.setattr("archsearch.train._stacked.CPU_STACKS_CONV", True)
    # without grouped convolutions a convolution of several channels runs per replica
    assert stack_replicas(models, (8, 8, 2), grouped_conv=False).per_replica == ["Conv2D", "Dropout"]
    stacked = stack_replicas(models, (8, 8, 2), grouped_conv=True)
    assert stacked.per_replica == ["Dropout"]  # the replicas' own Dropout layers: their own masks
    conv = next(layer for layer in stacked.model.layers if isinstance(layer, keras.layers.Conv2D))
    assert conv.groups == 4 and conv.filters == 16
    kernels = [w for w in stacked.model.weights if w.path.endswith("kernel") and len(w.shape) == 3]
    assert [tuple(w.shape) for w in kernels] == [(4, 36, 8), (4, 8, 3)]
    # each replica's slice starts as its own initial weights
    np.testing.assert_array_equal(keras.ops.convert_to_numpy(kernels[1])[2], models[2].layers[-1].get_weights()[0])
    x = np.random.default_rng(0).normal(size=(5, 8, 8, 2)).astype("float32")
    out = keras.ops.convert_to_numpy(stacked.model([x] * 4))
    assert out.shape == (5, 4, 3)  # one output, replica r's at [:, r]
    for r, model in enumerate(models):
        np.testing.assert_allclose(out[:, r], model(x), rtol=1e-5, atol=1e-6)


def test_a_norm_clipping_optimizer_is_not_stacked():
    # clipnorm clips each variable by its norm: a stacked variable's norm would mix the replicas
    models = [_cnn(keras.optimizers.SGD(0.1, clipnorm=1.0)) for _ in range(2)]
    with pytest.raises(StackRefused, match="clips by a norm"):
        stack_replicas(models, (8, 8, 2))


def test_what_cannot_be_stacked_trains_as_a_graph_pack_and_says_why():
    def nested() -> keras.Model:
        model = keras.Sequential([keras.Input((8, 8, 2)), keras.Sequential([keras.layers.Flatten()])])
        model.add(keras.layers.Dense(3, activation="softmax"))
        model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
        return model

    said: list[str] = []
    fused = fit_fused(nested, _images(), [1, 2], epochs=1, batch_size=32, say=said.append)
    assert not any(o.stacked for o in fused) and len(fused) == 2
    assert len(said) == 1 and "nests another model" in said[0]


def test_a_cnn_on_a_cpu_trains_as_a_graph_pack_by_choice_and_nothing_is_said():
    # The graph pack is faster for convolutions on a CPU (bench/results/fused.md): a choice, not a fallback.
    with pytest.raises(StackNotFaster):
        stack_replicas([_cnn() for _ in range(2)], (8, 8, 2), grouped_conv=False)
    said: list[str] = []
    fused = fit_fused(_cnn, _images(), [1, 2], epochs=1, batch_size=32, say=said.append)
    assert not any(o.stacked for o in fused) and len(fused) == 2 and said == []


def test_grouped_convolutions_as_a_gpu_stacks_them_train_each_replica_as_its_separate_fit(monkeypatch):
    # On a GPU a convolution of several channels stacks as one grouped convolution; no GPU here, so the same
    # pack is forced on the CPU (Keras runs it through XLA there: slow, but the same arithmetic).
    import functools

    from archsearch.train import _fused

    monkeypatch.setattr(_fused, "stack_replicas", functools.partial(stack_replicas, grouped_conv=True))
    ds, seeds = _images(channels=2), [3, 77]
    separate = []
    for seed in seeds:
        clear_session()
        set_seed(seed)
        separate.append(fit_model(_cnn(), ds, epochs=2, batch_size=16, seed=seed))
    clear_session()
    fused = fit_fused(_cnn, ds, seeds, epochs=2, batch_size=16)
    assert all(o.stacked for o in fused)
    for result, outcome in zip(separate, fused, strict=True):
        assert_like_separate(outcome, result)
        np.testing.assert_array_equal(outcome.result.correct_val, result.correct_val)
