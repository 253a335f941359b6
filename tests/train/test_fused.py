"""A fused pack trains each replica as its separate fit would: same weights, same curves, own seeds and data order."""

from __future__ import annotations

import keras
import numpy as np
import pytest

from archsearch.data import Dataset
from archsearch.train import FuseRefused, clear_session, fit_model, set_seed
from archsearch.train._feed import train_batches
from archsearch.train._fused import fit_fused, fused_train_batches
from archsearch.train._pack import pack_room


def _dataset(n_train=96, n_val=24) -> Dataset:
    rng = np.random.default_rng(0)
    centres = rng.normal(size=(3, 6))

    def split(n):
        y = rng.integers(0, 3, n)
        return (centres[y] + rng.normal(scale=1.0, size=(n, 6))).astype("float32"), y.astype("int64")

    (xt, yt), (xv, yv), (xs, ys) = split(n_train), split(n_val), split(20)
    return Dataset("toy", xt, yt, xv, yv, xs, ys, ["a", "b", "c"])


def _build(dropout: float = 0.0, regularize: bool = False, optimizer: str | None = None):
    def build() -> keras.Model:
        reg = keras.regularizers.L2(1e-3) if regularize else None
        model = keras.Sequential(
            [
                keras.Input((6,)),
                keras.layers.Dense(16, activation="relu", kernel_regularizer=reg, activity_regularizer=reg),
                keras.layers.Dropout(dropout),
                keras.layers.Dense(3, activation="softmax"),
            ]
        )
        model.compile(
            optimizer=optimizer or keras.optimizers.Adam(0.01),
            loss="sparse_categorical_crossentropy",
            metrics=["accuracy"],
        )
        return model

    return build


def _separate(build, ds, seed, shuffle):
    clear_session()
    set_seed(seed)
    model = build()
    if shuffle:
        result = fit_model(model, ds, epochs=3, batch_size=16, seed=seed)
    else:
        from archsearch.train import _fit

        original = _fit.train_batches
        _fit.train_batches = lambda *a, **k: original(*a, **k, shuffle=False)
        try:
            result = fit_model(model, ds, epochs=3, batch_size=16, seed=seed)
        finally:
            _fit.train_batches = original
    return result, [w.copy() for w in model.get_weights()]


def assert_like_separate(outcome, result, model=None, weights=None) -> None:
    """A fused replica's curves (and, given, its weights) are its separate fit's, to rounding."""
    assert sorted(outcome.result.history) == sorted(result.history)
    for key, curve in result.history.items():
        np.testing.assert_allclose(outcome.result.history[key], curve, rtol=1e-4, atol=1e-5, err_msg=key)
    for got, want in zip(model.get_weights() if model else [], weights or [], strict=True):
        np.testing.assert_allclose(got, want, rtol=1e-4, atol=1e-5)


def test_a_fused_pack_reproduces_each_separate_fit_stacked_or_as_a_graph():
    # Shuffled data and dropout: the hardest case (each replica's data order and dropout masks must be its own).
    shuffle, ds, seeds, build = True, _dataset(), [11, 1000014], _build(0.3)
    separate = [_separate(build, ds, s, shuffle) for s in seeds]
    for stack in (True, False):
        clear_session()
        models: list[keras.Model] = []
        fused = fit_fused(
            lambda into=models: into.append(build()) or into[-1],
            ds,
            seeds,
            epochs=3,
            batch_size=16,
            shuffle=shuffle,
            stack=stack,
        )
        assert [o.seed for o in fused] == seeds and all(o.stacked == stack for o in fused)
        for (result, weights), outcome, model in zip(separate, fused, models, strict=True):
            assert_like_separate(outcome, result, model, weights)
            np.testing.assert_array_equal(outcome.result.correct_val, result.correct_val)
            assert outcome.result.params_count == result.params_count
            assert outcome.diverged_epoch is None and outcome.pruned_epoch is None
        # the replicas themselves differ: each its own initialisation
        assert not np.allclose(models[0].get_weights()[0], models[1].get_weights()[0])
        # each replica's time is its share of the pack's: the fit's and the steady seconds per epoch alike
        shares = {(o.result.metrics["fit_seconds"], o.result.metrics["epoch_seconds"]) for o in fused}
        assert len(shares) == 1 and 0 < next(iter(shares))[1] < next(iter(shares))[0] / 2


def test_replicas_get_their_own_data_order_the_one_their_separate_fit_sees():
    ds, seeds = _dataset(), [3, 4]
    set_seed(3)
    batches = fused_train_batches(ds, 96, seeds)
    assert batches.options().autotune.enabled is False  # as train_batches (tests/train/test_feed.py)
    xs, _ = next(iter(batches))
    first, second = (x.numpy() for x in xs)
    assert not np.array_equal(first, second)  # two permutations of the same examples
    np.testing.assert_array_equal(np.sort(first, axis=0), np.sort(second, axis=0))
    for seed, got in zip(seeds, (first, second), strict=True):
        set_seed(seed)
        alone = next(iter(train_batches(ds, 96, seed)))[0].numpy()
        np.testing.assert_array_equal(got, alone)


def _clipping():
    model = _build()()
    model.compile(optimizer=keras.optimizers.SGD(global_clipnorm=1.0), loss="sparse_categorical_crossentropy")
    return model


def test_what_cannot_be_fused_is_refused_with_a_reason():
    with pytest.raises(FuseRefused, match="global norm"):
        fit_fused(_clipping, _dataset(), [1, 2], epochs=1, batch_size=16)


def test_regularized_replicas_train_as_a_graph_pack_each_with_its_own_penalties():
    # L2 on a kernel and on its activity, and dropout: each replica's loss (logged, validated and differentiated)
    # includes its own penalty, as its separate fit's does; a stacked layer would share the replicas' weights, so it
    # is a graph pack
    ds, seeds, build = _dataset(), [5, 61], _build(0.3, regularize=True)
    separate = [_separate(build, ds, s, shuffle=True) for s in seeds]
    clear_session()
    models: list[keras.Model] = []
    said: list[str] = []
    fused = fit_fused(lambda: models.append(build()) or models[-1], ds, seeds, epochs=3, batch_size=16, say=said.append)
    assert not any(o.stacked for o in fused) and len(said) == 1 and "regularization" in said[0]
    for (result, weights), outcome, model in zip(separate, fused, models, strict=True):
        assert_like_separate(outcome, result, model, weights)


def test_pack_room_follows_fuse_max_and_memory():
    model = _build()()
    assert pack_room(model, 16, 3)[0] == 3
    big = keras.Sequential([keras.Input((4096,)), keras.layers.Dense(4096), keras.layers.Dense(4096)])
    room, need, budget = pack_room(big, 16, 10**6)
    assert need > 500 and room == max(1, int(budget // need))


@pytest.mark.parametrize("stack", [True, False])
def test_a_functional_model_built_with_a_list_of_one_output_fuses_as_its_separate_fits(stack):
    def build() -> keras.Model:
        inputs = keras.Input((6,))
        model = keras.Model(inputs, [keras.layers.Dense(3, activation="softmax")(inputs)])
        model.compile(optimizer=keras.optimizers.Adam(0.01), loss="sparse_categorical_crossentropy", metrics=["acc"])
        return model

    ds, seeds = _dataset(), [4, 9]
    separate = [_separate(build, ds, s, shuffle=True)[0] for s in seeds]
    clear_session()
    said: list[str] = []
    fused = fit_fused(build, ds, seeds, epochs=3, batch_size=16, stack=stack, say=said.append)
    assert said == [] and all(o.stacked == stack for o in fused)
    for result, outcome in zip(separate, fused, strict=True):
        assert_like_separate(outcome, result)


def test_a_model_the_builder_names_fuses_as_a_graph_and_keeps_its_name():
    # Model(..., name="lenet5") names every replica alike; Keras refuses two operations of one name in a graph.
    ds, seeds = _dataset(), [7, 8]

    def build() -> keras.Model:
        inputs = keras.Input((6,))
        x = keras.layers.Dense(16, activation="relu")(inputs)
        model = keras.Model(inputs, keras.layers.Dense(3, activation="softmax")(x), name="lenet5")
        model.compile(optimizer=keras.optimizers.Adam(0.01), loss="sparse_categorical_crossentropy")
        return model

    separate = [_separate(build, ds, s, shuffle=True) for s in seeds]
    clear_session()
    models: list[keras.Model] = []
    fused = fit_fused(lambda: models.append(build()) or models[-1], ds, seeds, epochs=3, batch_size=16, stack=False)
    assert [m.name for m in models] == ["lenet5", "lenet5"]
    for (result, weights), outcome, model in zip(separate, fused, models, strict=True):
        assert_like_separate(outcome, result, model, weights)


@pytest.mark.parametrize(
    ("activation", "loss", "refused"),
    [
        ("softmax", keras.losses.SparseCategoricalCrossentropy(from_logits=True), True),
        ("sigmoid", keras.losses.SparseCategoricalCrossentropy(from_logits=True), True),
        ("sigmoid", "sparse_categorical_crossentropy", True),
        ("softmax", "sparse_categorical_crossentropy", False),
        ("linear", keras.losses.SparseCategoricalCrossentropy(from_logits=True), False),
    ],
)
def test_a_loss_keras_computes_from_the_logits_behind_the_output_is_not_fused(activation, loss, refused):
    # In a separate fit Keras finds the logits behind a softmax or sigmoid output and computes the cross-entropy
    # from them (tests/blocks/test_blocks.py); a pack's stacked output carries none, so its loss would differ.
    def build() -> keras.Model:
        model = keras.Sequential([keras.Input((6,)), keras.layers.Dense(3, activation=activation)])
        model.compile(optimizer="sgd", loss=loss)
        return model

    if refused:
        with pytest.raises(FuseRefused, match=f"from its {activation} layer's inputs"):
            fit_fused(build, _dataset(), [1, 2], epochs=1, batch_size=16)
    else:
        assert len(fit_fused(build, _dataset(), [1, 2], epochs=1, batch_size=16)) == 2
