"""--sampler / --pruner: names map to Optuna's classes; missing extras and bad names are one-line errors."""

from __future__ import annotations

import importlib.util

import optuna
import pytest

from archsearch.errors import UsageError
from archsearch.space import load_space
from archsearch.study import grid_space
from archsearch.study._strategies import PRUNERS, SAMPLERS, check_sampler, make_pruner, make_sampler

EXPECTED_SAMPLERS = {
    "tpe": "TPESampler",
    "random": "RandomSampler",
    "cmaes": "CmaEsSampler",
    "gp": "GPSampler",
    "qmc": "QMCSampler",
}
EXPECTED_PRUNERS = {
    "none": "NopPruner",
    "median": "MedianPruner",
    "percentile": "PercentilePruner",
    "hyperband": "HyperbandPruner",
    "sha": "SuccessiveHalvingPruner",
    "wilcoxon": "WilcoxonPruner",
}


@pytest.mark.parametrize("name", sorted(EXPECTED_SAMPLERS))
def test_each_sampler_is_optunas_own(name):
    if name == "gp" and importlib.util.find_spec("torch") is None:
        with pytest.raises(UsageError, match=r"archsearch\[gp\]"):
            make_sampler(name, 0)
        return
    sampler = make_sampler(name, 0)
    assert type(sampler).__name__ == EXPECTED_SAMPLERS[name]
    assert isinstance(sampler, optuna.samplers.BaseSampler)


def test_grid_sampler_gets_the_grid():
    sampler = make_sampler("grid", 0, {"units": [8, 16], "act": ["relu", "tanh"]})
    assert isinstance(sampler, optuna.samplers.GridSampler)
    with pytest.raises(ValueError):
        make_sampler("grid", 0)


@pytest.mark.parametrize("name", PRUNERS)
def test_each_pruner_is_optunas_own(name):
    pruner = make_pruner(name)
    assert type(pruner).__name__ == EXPECTED_PRUNERS[name]


def test_the_cli_lists_the_same_names():
    from archsearch.cli import _run

    assert _run.SAMPLERS == SAMPLERS and _run.PRUNERS == PRUNERS


def test_missing_extra_names_the_package_and_the_extra(monkeypatch):
    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name == "cmaes" else real(name, *a))
    with pytest.raises(UsageError) as err:
        check_sampler("cmaes")
    assert 'pip install "archsearch[cmaes]"' in str(err.value)
    assert "\n" not in str(err.value)


def test_unknown_names_list_the_choices():
    with pytest.raises(UsageError, match="tpe, random, cmaes, gp, qmc, grid"):
        check_sampler("bayes")
    with pytest.raises(UsageError, match="median"):
        make_pruner("early")


GRID_SPACE = """
DATASET = "digits"
def build(hp, input_shape, num_classes):
    import keras
    layers = hp.Int("layers", 1, 2)
    model = keras.Sequential([keras.Input(shape=input_shape)])
    for i in range(layers):
        with hp.conditional_scope("layers", list(range(i + 1, 3))):
            model.add(keras.layers.Dense(hp.Choice(f"units_{i}", [4, 8]), activation="relu"))
    if hp.Boolean("dropout"):
        model.add(keras.layers.Dropout(0.1))
    model.add(keras.layers.Dense(num_classes, activation="softmax"))
    return model
"""


def test_grid_space_finds_conditional_hyperparameters(write_space):
    from archsearch.data import load_dataset

    space = load_space(write_space(GRID_SPACE))
    dataset = load_dataset("digits", input="flat", seed=0)
    grid = grid_space(space, dataset)
    assert grid == {"layers": [1, 2], "units_0": [4, 8], "units_1": [4, 8], "dropout": [False, True]}


def test_grid_space_refuses_a_continuous_float(write_space):
    from archsearch.data import load_dataset

    body = GRID_SPACE.replace('if hp.Boolean("dropout")', 'if hp.Float("rate", 0.0, 0.5) > 1')
    space = load_space(write_space(body))
    with pytest.raises(UsageError, match=r"'rate'.*step="):
        grid_space(space, load_dataset("digits", input="flat", seed=0))
