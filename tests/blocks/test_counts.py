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


@pytest.mark.parametrize(("build", "expected"), [
    (_dense_l0, 203_530),
    (_cnn_l0, 121_930),
    (lambda: blocks.alexnet_style(FixedHyperParameters(), (32, 32, 3), 10), 125_258),
    (lambda: blocks.alexnet_style(FixedHyperParameters(), (32, 32, 3), 10, filters=64), 427_146),
    (lambda: blocks.alexnet_style(FixedHyperParameters(), (32, 32, 3), 10, blocks=6), 153_386),
    (lambda: blocks.lenet5(FixedHyperParameters(), (28, 28, 1), 10), 61_706),  # LeCun's LeNet-5 count
    (lambda: blocks.logistic_regression((28, 28, 1), 10), 7_850),
], ids=["L0-dense", "L0-cnn", "L4-base", "L4-width64", "L4-depth", "lenet5", "logistic"])
def test_reference_parameter_counts(build, expected):
    assert build().count_params() == expected


def test_cifar_spaces_reach_the_reference_counts_through_their_hyperparameters(repo):
    from archsearch.space import load_space

    depth = load_space(repo / "spaces" / "cifar_depth.py")
    width = load_space(repo / "spaces" / "cifar_width.py")
    counts = {
        "depth 3": depth.call_build(FixedHyperParameters({"blocks": 3}), (32, 32, 3), 10).count_params(),
        "depth 6": depth.call_build(FixedHyperParameters({"blocks": 6}), (32, 32, 3), 10).count_params(),
        "width 32": width.call_build(FixedHyperParameters({"filters": 32}), (32, 32, 3), 10).count_params(),
        "width 64": width.call_build(FixedHyperParameters({"filters": 64}), (32, 32, 3), 10).count_params(),
    }
    assert counts == {"depth 3": 125_258, "depth 6": 153_386, "width 32": 125_258, "width 64": 427_146}
