"""Reference architectures of labs.md, built from the blocks, have the exact parameter counts."""

from __future__ import annotations

import keras
import pytest

from archsearch import blocks
from archsearch.blocks import Per
from archsearch.space import FixedHyperParameters


def _dense_l0() -> keras.Model:
    inputs = keras.Input((784,))
    x = blocks.dense_stack(FixedHyperParameters(), inputs, layers=1, units=256)
    return keras.Model(inputs, blocks.classifier(x, 10))


def _cnn_l0() -> keras.Model:
    hp = FixedHyperParameters()
    inputs = keras.Input((28, 28, 1))
    x = blocks.conv_stack(hp, inputs, blocks=2, filters=Per([32, 64]), kernel_size=3, padding="valid")
    x = blocks.dense_stack(hp, x, layers=1, units=64)
    return keras.Model(inputs, blocks.classifier(x, 10))


@pytest.mark.parametrize(
    ("build", "expected"),
    [
        (_dense_l0, 203_530),
        (_cnn_l0, 121_930),
        (lambda: blocks.alexnet_style(FixedHyperParameters(), (32, 32, 3), 10), 125_258),
        (lambda: blocks.alexnet_style(FixedHyperParameters(), (32, 32, 3), 10, filters=64), 427_146),
        (lambda: blocks.alexnet_style(FixedHyperParameters(), (32, 32, 3), 10, blocks=5), 153_386),
        (
            lambda: blocks.lenet5(
                FixedHyperParameters(), (28, 28, 1), 10, filters=32, kernel_size=6, padding="valid", activation="relu"
            ),
            83_774,
        ),  # the lab's LeNet variant
        (lambda: blocks.lenet5(FixedHyperParameters(), (28, 28, 1), 10), 61_706),  # LeCun's LeNet-5 count
        (lambda: blocks.logistic_regression((28, 28, 1), 10), 7_850),
    ],
    ids=["L0-dense", "L0-cnn", "L4-base", "L4-width64", "L4-depth", "L3-lenet", "lenet5", "logistic"],
)
def test_reference_parameter_counts(build, expected):
    assert build().count_params() == expected


def test_cifar_spaces_reach_the_reference_counts_through_their_hyperparameters(repo):
    from archsearch.space import load_space

    depth = load_space(repo / "spaces" / "cifar_depth.py")
    width = load_space(repo / "spaces" / "cifar_width.py")
    counts = {
        "depth 3": depth.call_build(FixedHyperParameters({"blocks": 3}), (32, 32, 3), 10).count_params(),
        "depth 5": depth.call_build(FixedHyperParameters({"blocks": 5}), (32, 32, 3), 10).count_params(),
        "width 32": width.call_build(FixedHyperParameters({"filters": 32}), (32, 32, 3), 10).count_params(),
        "width 64": width.call_build(FixedHyperParameters({"filters": 64}), (32, 32, 3), 10).count_params(),
    }
    assert counts == {"depth 3": 125_258, "depth 5": 153_386, "width 32": 125_258, "width 64": 427_146}


def test_alexnet_feature_maps_follow_the_lab():
    """32 -> 32 -> 15 -> 8 -> 3 -> 1: stride 1, pools MaxPool(3, stride 2, valid), as in lab L4."""
    model = blocks.alexnet_style(FixedHyperParameters(), (32, 32, 3), 10)
    sides = [layer.output.shape[1] for layer in model.layers if type(layer).__name__ in ("Conv2D", "MaxPooling2D")]
    assert sides == [32, 15, 8, 3, 3, 1]


def test_per_last_places_pooling_after_the_last_block_at_every_depth():
    pools = {}
    for depth in (3, 4, 5):
        model = blocks.alexnet_style(FixedHyperParameters(), (32, 32, 3), 10, blocks=depth)
        kinds = [type(layer).__name__ for layer in model.layers if type(layer).__name__ in ("Conv2D", "MaxPooling2D")]
        pools[depth] = "".join("C" if k == "Conv2D" else "P" for k in kinds)
    assert pools == {3: "CPCPCP", 4: "CPCPCCP", 5: "CPCPCCCP"}
