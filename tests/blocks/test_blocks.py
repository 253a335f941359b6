"""Blocks declare the right hyperparameters, build the right layers, and train."""

from __future__ import annotations

import keras
import numpy as np
import optuna
import pytest

from archsearch import blocks
from archsearch.blocks import Choice, Log, Per, pick
from archsearch.space import FixedHyperParameters, OptunaHyperParameters


def _layers(model: keras.Model, kind: type) -> list:
    return [layer for layer in model.layers if isinstance(layer, kind)]


def _dense_model(hp, **kwargs) -> keras.Model:
    inputs = keras.Input((20,))
    return keras.Model(inputs, blocks.classifier(blocks.dense_stack(hp, inputs, **kwargs), 3))


def test_pick_specs():
    hp = FixedHyperParameters({"b": 32})
    assert pick(hp, "a", 7) == 7 and "a" not in hp.params  # a plain value is not a hyperparameter
    assert pick(hp, "b", [16, 32]) == 32
    assert pick(hp, "c", (1, 5)) == 1 and hp.params["c"].kind == "int"
    assert pick(hp, "d", (0.0, 0.5, 0.1)) == 0.0 and hp.params["d"].kind == "float"
    assert pick(hp, "e", Log(1e-4, 1e-1, default=1e-3)) == 1e-3 and hp.params["e"].sampling == "log"
    assert pick(hp, "f", Choice([16, 32, 64], default=32)) == 32
    assert pick(hp, "g", Per([11, 8, 5]), index=5) == 5
    assert pick(hp, "h", lambda hp, name: hp.Int(name, 2, 8, step=2, sampling="log", default=4)) == 4


def test_dense_stack_per_layer_width_activation_and_conditions():
    hp = FixedHyperParameters(
        {"layers": 3, "units_0": 64, "units_1": 32, "units_2": 16, "activation_1": "tanh", "dropout": 0.2, "l2": 1e-3}
    )
    model = _dense_model(
        hp,
        layers=(1, 5),
        units=(16, 128, 16),
        activation=["relu", "tanh", "leaky_relu"],
        dropout=[0.0, 0.2],
        l2=[0.0, 1e-3],
    )
    dense = _layers(model, keras.layers.Dense)
    assert [d.units for d in dense] == [64, 32, 16, 3]
    assert [d.activation.__name__ for d in dense[:3]] == ["relu", "tanh", "relu"]
    assert len(_layers(model, keras.layers.Dropout)) == 3
    assert dense[0].kernel_regularizer is not None
    assert hp.params["units_0"].conditions == ()  # always active
    assert hp.params["units_2"].conditions[0].values == (3, 4, 5)


def test_dense_stack_with_five_layers_and_every_activation():
    hp = FixedHyperParameters({"layers": 5}, fallback="max")
    model = _dense_model(hp, layers=(1, 5), units=8, activation=blocks.ACTIVATIONS)
    assert len(_layers(model, keras.layers.Dense)) == 6
    assert hp.values["activation_4"] == blocks.ACTIVATIONS[-1]


def test_conv_stack_pool_block_replaces_a_convolution_and_skips_its_filters():
    hp = FixedHyperParameters({"block_type_1": "pool", "pool": "avg"})
    inputs = keras.Input((16, 16, 1))
    x = blocks.conv_stack(
        hp,
        inputs,
        blocks=2,
        block_type=Per(["conv", ["conv", "pool"]]),
        filters=[4, 8],
        pool=["max", "avg"],
        pool_after_conv=False,
        batch_norm=True,
        dropout=0.25,
    )
    model = keras.Model(inputs, x)
    assert len(_layers(model, keras.layers.Conv2D)) == 1
    assert len(_layers(model, keras.layers.AveragePooling2D)) == 1
    assert len(_layers(model, keras.layers.BatchNormalization)) == 1
    assert len(_layers(model, keras.layers.Dropout)) == 2
    assert model.output_shape == (None, 8, 8, 4)
    assert [c.parent for c in hp.params["pool"].conditions] == ["block_type_1"]


def test_conv_stack_shrinking_kernels_and_strides():
    inputs = keras.Input((32, 32, 3))
    x = blocks.conv_stack(
        FixedHyperParameters(),
        inputs,
        blocks=3,
        filters=4,
        kernel_size=Per([11, 8, 5]),
        strides=Per([4, 1]),
        pool_after_conv=False,
    )
    convs = _layers(keras.Model(inputs, x), keras.layers.Conv2D)
    assert [c.kernel_size for c in convs] == [(11, 11), (8, 8), (5, 5)]
    assert [c.strides for c in convs] == [(4, 4), (1, 1), (1, 1)]


@pytest.mark.parametrize("branches", [1, 2, 3, 4])
def test_inception_module_branches_are_concatenated(branches):
    inputs = keras.Input((8, 8, 3))
    y = blocks.inception_module(FixedHyperParameters(), inputs, branches=branches, filters=4)
    assert tuple(y.shape) == (None, 8, 8, 4 * branches)


def test_inception_net_depth_width_branches_grow_the_model():
    small = blocks.inception_net(
        FixedHyperParameters(fallback="min"), (16, 16, 3), 10, modules=(1, 3), branches=(1, 4), filters=[8, 16]
    )
    large = blocks.inception_net(
        FixedHyperParameters(fallback="max"), (16, 16, 3), 10, modules=(1, 3), branches=(1, 4), filters=[8, 16]
    )
    assert small.count_params() < large.count_params()
    assert len(_layers(large, keras.layers.Concatenate)) == 3


@pytest.mark.parametrize("name", ["sgd", "adam", "rmsprop", "adadelta"])
def test_optimizers(name):
    hp = FixedHyperParameters({"optimizer": name, "momentum": 0.5})
    opt = blocks.optimizer(hp, name=["sgd", "adam", "rmsprop", "adadelta"], learning_rate=0.05, momentum=[0.0, 0.5])
    assert type(opt).__name__.lower() == name
    assert float(opt.learning_rate) == pytest.approx(0.05)
    assert ("momentum" in hp.values) == (name == "sgd")  # momentum is SGD's only


def test_unknown_optimizer_and_schedule_name_the_value():
    with pytest.raises(ValueError, match="optimizer must be one of.*'lbfgs'"):
        blocks.optimizer(FixedHyperParameters(), name="lbfgs")
    with pytest.raises(ValueError, match="schedule must be one of.*'linear'"):
        blocks.lr_schedule(FixedHyperParameters(), schedule="linear")


@pytest.mark.parametrize(
    ("schedule", "expected"),
    [
        ("constant", [0.1, 0.1, 0.1, 0.1]),
        ("exponential", [0.1, 0.05, 0.025, 0.0125]),
        ("step", [0.1, 0.1, 0.05, 0.05]),
        ("cosine", [0.1, 0.1 * (1 + np.cos(np.pi / 4)) / 2, 0.05, 0.1 * (1 + np.cos(3 * np.pi / 4)) / 2]),
    ],
)
def test_schedules_set_the_rate_per_epoch(schedule, expected):
    hp = FixedHyperParameters()
    model = _dense_model(hp, layers=1, units=4)
    blocks.compile_model(
        hp,
        model,
        optimizer_name="sgd",
        learning_rate=0.1,
        momentum=0.0,
        schedule=schedule,
        decay_rate=0.5,
        step_epochs=2,
        epochs=4,
    )
    seen = []
    record = keras.callbacks.LambdaCallback(
        on_epoch_begin=lambda epoch, logs: seen.append(float(model.optimizer.learning_rate))
    )
    x, y = np.random.default_rng(0).normal(size=(8, 20)), np.arange(8) % 3
    model.fit(x, y, epochs=4, verbose=0, callbacks=[*hp.fit_callbacks, record])
    assert seen == pytest.approx(expected, rel=1e-5)


def test_reduce_on_plateau_is_attached_as_a_callback():
    hp = FixedHyperParameters({"schedule": "plateau", "patience": 3})
    model = _dense_model(hp, layers=1, units=4)
    blocks.compile_model(hp, model, schedule=list(blocks.SCHEDULES), decay_rate=0.2, patience=[1, 3])
    (callback,) = hp.fit_callbacks
    assert isinstance(callback, keras.callbacks.ReduceLROnPlateau)
    assert (callback.factor, callback.patience) == (0.2, 3)
    assert "step_epochs" not in hp.params  # only declared for the step schedule


def test_blocks_under_optuna_sample_only_active_layers():
    study = optuna.create_study(sampler=optuna.samplers.TPESampler(seed=0, n_startup_trials=3))

    def objective(trial):
        hp = OptunaHyperParameters(trial)
        model = _dense_model(hp, layers=(1, 5), units=(4, 16, 4), activation=["relu", "tanh"])
        keras.backend.clear_session()
        assert {f"units_{i}" for i in range(hp.values["layers"])} <= set(trial.params)
        assert f"units_{hp.values['layers']}" not in trial.params
        return model.count_params()

    study.optimize(objective, n_trials=6)
    assert len(study.trials) == 6


def test_conv_stack_per_block_padding_pooling_and_dropout():
    """Lab L1's CNN and L3's two-conv net: settings per block, not one for the whole stack."""
    inputs = keras.Input((28, 28, 1))
    x = blocks.conv_stack(
        FixedHyperParameters(),
        inputs,
        blocks=2,
        filters=Per([10, 20]),
        kernel_size=5,
        padding="valid",
        pool_after_conv=Per([True, False]),
        dropout=Per([0.0, 0.25]),
    )
    kinds = [blocks.describe_layer(layer) for layer in keras.Model(inputs, x).layers[1:]]
    assert kinds == [
        "Conv2D(10, 5x5, stride 1, valid, relu)",
        "MaxPooling2D(2, stride 2, valid)",
        "Conv2D(20, 5x5, stride 1, valid, relu)",
        "Dropout(0.25)",
    ]
    inputs = keras.Input((28, 28, 1))
    x = blocks.conv_stack(
        FixedHyperParameters(), inputs, blocks=2, padding=Per(["valid", "same"]), pool_after_conv=False
    )
    assert [layer.output.shape[1] for layer in keras.Model(inputs, x).layers[1:]] == [26, 26]


def test_searched_per_layer_dropout_declares_one_rate_per_layer():
    hp = FixedHyperParameters({"layers": 2, "dropout_0": 0.25, "dropout_1": 0.0})
    model = _dense_model(hp, layers=(1, 3), units=8, dropout=Per([[0.0, 0.2, 0.25]]))
    assert [blocks.describe_layer(layer) for layer in model.layers[1:]] == [
        "Dense(8, relu)",
        "Dropout(0.25)",
        "Dense(8, relu)",
        "Dense(3, softmax)",
    ]
    assert {"dropout_0", "dropout_1"} <= set(hp.params) and "dropout" not in hp.params
    assert hp.params["dropout_1"].conditions  # only while layers >= 2


def test_softmax_hidden_layer_and_logits_output_are_named_as_pitfalls():
    hp = FixedHyperParameters()
    inputs = keras.Input((6,))
    x = blocks.dense_stack(hp, inputs, layers=2, units=4, activation=Per(["relu", "softmax"]))
    model = blocks.compile_model(hp, keras.Model(inputs, blocks.classifier(x, 3, activation="linear")))
    assert "softmax" in blocks.ACTIVATIONS and "linear" in blocks.ACTIVATIONS
    assert model.loss.get_config()["from_logits"] is True  # a linear output is trained as logits
    found = blocks.model_pitfalls(model)
    assert len(found) == 1 and found[0].startswith("hidden layer 2") and "chance" in found[0]
    model = blocks.compile_model(hp, keras.Model(inputs, blocks.classifier(x, 3)), from_logits=True)
    assert any("trains exactly as with the matched loss" in text for text in blocks.model_pitfalls(model))


def test_alexnet_dense_head_is_optional():
    model = blocks.alexnet_style(FixedHyperParameters(), (32, 32, 3), 10, dense_units=0)
    assert [type(layer).__name__ for layer in model.layers[-2:]] == ["Flatten", "Dense"]
    assert model.count_params() == 125_258 - 16_896 - 5_130 + 32 * 10 + 10


@pytest.mark.parametrize("activation", ["softmax", "sigmoid"])
def test_keras_trains_a_softmax_or_sigmoid_output_with_from_logits_as_the_matched_loss(activation):
    # What the pitfalls say: Keras 3 computes the cross-entropy from the logits behind the output, so the lab's
    # from_logits=True (and a sigmoid under categorical cross-entropy) trains exactly as a softmax output would.
    rng = np.random.default_rng(0)
    x, y = rng.normal(size=(128, 6)).astype("float32"), rng.integers(0, 3, 128)

    def losses(act, from_logits):
        keras.utils.set_random_seed(1)
        model = keras.Sequential(
            [keras.Input((6,)), keras.layers.Dense(8, activation="relu"), keras.layers.Dense(3, activation=act)]
        )
        model.compile(keras.optimizers.SGD(0.1), keras.losses.SparseCategoricalCrossentropy(from_logits=from_logits))
        return model.fit(x, y, epochs=3, batch_size=32, verbose=0).history["loss"]

    matched = losses("softmax", False)
    np.testing.assert_allclose(losses(activation, True), matched, rtol=1e-5)
    np.testing.assert_allclose(losses(activation, False), matched, rtol=1e-5)
    assert not np.allclose(losses("relu", True), matched, rtol=1e-3)  # the check sees a difference where one is
