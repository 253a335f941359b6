"""The keras-tuner hp API on Optuna: values, conditions, samplers, fixed values, errors."""

from __future__ import annotations

import inspect

import keras_tuner
import optuna
import pytest

from archsearch.errors import SpaceError
from archsearch.space import FixedHyperParameters, HyperParameters, OptunaHyperParameters


def _space(hp):
    layers = hp.Int("layers", 1, 3)
    units = [hp.Int(f"units_{i}", 8, 64, step=8) for i in range(layers)]
    model = hp.Choice("model", ["dense", "cnn"])
    with hp.conditional_scope("model", ["cnn"]):
        filters = hp.Choice("filters", [16, 32])
    lr = hp.Float("lr", 1e-4, 1e-1, sampling="log")
    return layers, units, model, filters, lr


def test_values_come_from_a_real_optuna_trial():
    study = optuna.create_study(sampler=optuna.samplers.RandomSampler(seed=1))
    trial = study.ask()
    hp = OptunaHyperParameters(trial)
    layers, units, model, filters, lr = _space(hp)
    assert trial.params["layers"] == layers and 1e-4 <= lr <= 1e-1
    assert all(u % 8 == 0 for u in units)
    assert hp.values == trial.params


@pytest.mark.parametrize("model", ["dense", "cnn"])
def test_inactive_parameters_are_none_and_not_sampled(model):
    trial = optuna.trial.FixedTrial({"layers": 1, "units_0": 8, "model": model, "filters": 32, "lr": 0.01})
    hp = OptunaHyperParameters(trial)
    *_, filters, _ = _space(hp)
    if model == "dense":
        assert filters is None and "filters" not in hp.values
    else:
        assert filters == 32 and hp.values["filters"] == 32


def test_tpe_over_a_conditional_space_records_only_active_params():
    study = optuna.create_study(sampler=optuna.samplers.TPESampler(seed=0, n_startup_trials=4))

    def objective(trial):
        layers, units, model, filters, lr = _space(OptunaHyperParameters(trial))
        assert ("filters" in trial.params) == (model == "cnn")
        assert {k for k in trial.params if k.startswith("units_")} == {f"units_{i}" for i in range(layers)}
        return sum(units) * lr

    study.optimize(objective, n_trials=12)
    assert sum(t.state.name == "COMPLETE" for t in study.trials) == 12


def test_enqueued_trial_gets_the_enqueued_values():
    study = optuna.create_study()
    study.enqueue_trial({"layers": 2, "units_0": 16, "units_1": 64, "model": "cnn", "filters": 16, "lr": 0.01})
    hp = OptunaHyperParameters(study.ask())
    assert _space(hp) == (2, [16, 64], "cnn", 16, 0.01)


def test_fixed_values_and_fallbacks():
    assert _space(FixedHyperParameters({"layers": 2, "model": "cnn"}))[:4] == (2, [8, 8], "cnn", 16)
    assert _space(FixedHyperParameters(fallback="max")) == (3, [64, 64, 64], "cnn", 32, 0.1)
    assert _space(FixedHyperParameters(fallback="min")) == (1, [8], "dense", None, 1e-4)


def test_max_fallback_stays_on_the_step_grid():
    hp = FixedHyperParameters(fallback="max")
    assert hp.Int("units", 16, 130, step=16) == 128
    assert hp.Float("rate", 0.0, 0.45, step=0.1) == pytest.approx(0.4)


def test_name_scope_prefixes_names():
    hp = FixedHyperParameters({"block_0/filters": 64})
    with hp.name_scope("block_0"):
        assert hp.Int("filters", 16, 128) == 64
        assert hp.get("filters") == 64
    assert "block_0/filters" in hp.values


def test_parent_name_argument_is_a_condition():
    hp = FixedHyperParameters({"model": "dense"})
    hp.Choice("model", ["dense", "cnn"])
    assert hp.Int("filters", 8, 32, parent_name="model", parent_values=["cnn"]) is None
    assert hp.Int("units", 8, 32, parent_name="model", parent_values="dense") == 8


def test_signatures_and_defaults_match_keras_tuner():
    for name in ("Int", "Float", "Choice", "Boolean", "Fixed", "conditional_scope", "name_scope"):
        ours = inspect.signature(getattr(HyperParameters, name)).parameters
        theirs = inspect.signature(getattr(keras_tuner.HyperParameters, name)).parameters
        assert [(p.name, p.default) for p in ours.values()] == [(p.name, p.default) for p in theirs.values()], name
    kt, ours = keras_tuner.HyperParameters(), FixedHyperParameters()
    for hp in (kt, ours):
        hp.Int("i", 3, 9)
        hp.Float("f", 0.5, 2.0)
        hp.Choice("c", ["a", "b"])
        hp.Boolean("b")
        hp.Fixed("x", 7)
    assert {k: ours.values[k] for k in "ifcbx"} == {k: kt.values[k] for k in "ifcbx"}


def test_keras_tuner_build_model_runs_unchanged():
    def build_model(hp):  # written for keras-tuner
        units = hp.Int("units", min_value=32, max_value=512, step=32)
        if hp.Boolean("dropout"):
            hp.Float("rate", min_value=0.1, max_value=0.5)
        return units, hp.Choice("activation", ["relu", "tanh"])

    assert build_model(
        OptunaHyperParameters(optuna.trial.FixedTrial({"units": 64, "dropout": False, "activation": "tanh"}))
    ) == (64, "tanh")


@pytest.mark.parametrize(
    ("declare", "message"),
    [
        (lambda hp: hp.Int("units", 64, 8), r"Int\(name='units'\), min_value 64 is greater than the max_value 8"),
        (lambda hp: hp.Choice("act", []), r"`values` must be provided"),
        (lambda hp: hp.Float("lr", 0.0, 1.0, sampling="log"), r"Float\(name='lr'\), sampling='log' does not support"),
        (lambda hp: hp.Choice("act", [1, 2], default=4), r"default value should be one of the choices"),
        (lambda hp: hp.conditional_scope("missing", ["x"]).__enter__(), r"named: missing not defined"),
    ],
)
def test_errors_are_keras_tuners_and_space_errors(declare, message):
    with pytest.raises(SpaceError, match=message):
        declare(FixedHyperParameters())


def test_one_name_under_two_branches_keeps_both_ranges():
    hp = FixedHyperParameters({"model": "b"})
    hp.Choice("model", ["a", "b"])
    with hp.conditional_scope("model", "a"):
        assert hp.Int("units", 8, 64) is None
    with hp.conditional_scope("model", "b"):
        assert hp.Int("units", 100, 200) == 100
    assert [(p.min_value, p.max_value) for p in hp.space if p.name == "units"] == [(8, 64), (100, 200)]
