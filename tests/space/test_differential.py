"""Differential tests: the same declarations on keras_tuner.HyperParameters and on archsearch's hp.

Every script below runs on keras-tuner's own ``HyperParameters`` and on
archsearch's hp objects answering keras-tuner's defaults; the return values,
``values``, ``get_config()``, conditions and errors must be identical. The
Optuna side is then checked against keras-tuner's sampled grids.
"""

from __future__ import annotations

import math

import keras_tuner
import numpy as np
import optuna
import pytest

from archsearch.errors import SpaceError
from archsearch.space import (
    REVERSE_LOG_SUFFIX,
    FixedHyperParameters,
    HyperParameters,
    OptunaHyperParameters,
    sampled_grid,
)

optuna.logging.set_verbosity(optuna.logging.ERROR)


def _ours():
    return [HyperParameters(), FixedHyperParameters(), OptunaHyperParameters()]


def _numbers(hp):
    return [
        hp.Int("i", 3, 9),
        hp.Int("istep", 6, 13, step=3),
        hp.Int("ilog", 2, 32, step=2, sampling="log"),
        hp.Int("irev", 1, 10, sampling="reverse_log", default=3),
        hp.Float("f", 0.5, 2.0),
        hp.Float("fstep", 0.0, 1.0, step=0.2, default=0.4),
        hp.Float("flog", 1e-3, 10, step=10, sampling="log"),
        hp.Float("frev", 0.01, 100, step=10, sampling="reverse_log"),
    ]


def _choices(hp):
    return [
        hp.Choice("c", ["a", "b"], default="b"),
        hp.Choice("n", [3, 1, 2]),
        hp.Choice("o", [1, 2], ordered=False),
        hp.Choice("np", list(np.array([0.5, 0.25]))),
        hp.Boolean("b"),
        hp.Boolean("bt", default=True),
        hp.Fixed("x", 7),
        hp.Fixed("s", "relu"),
    ]


def _conditions(hp):
    model = hp.Choice("model", ["v1", "v2"])
    with hp.conditional_scope("model", "v1"):
        v1 = (hp.Int("layers", 1, 3), hp.Int("units", 16, 32))
    with hp.conditional_scope("model", ["v2"]):
        v2 = (hp.Int("layers", 2, 4), hp.Int("units", 32, 64))
    c = hp.Int("c", 0, 10, parent_name="model", parent_values=["v2"])
    with hp.name_scope("block"):
        d = hp.Choice("d", [1, 2], default=2)
        with hp.conditional_scope("d", 2):
            e = hp.Float("e", -1.0, 1.0, default=0.5)
    return model, v1, v2, c, d, e, hp.get("layers"), "units" in hp, "c" in hp, hp.is_active("block/e")


def _populated(hp):
    hp.values["x"] = 5
    hp.values["name"] = "hp_value"
    return hp.Fixed("x", 1), hp.Choice("name", ["hp_value", "other"], default="other")


def _merge_copy(hp):
    hp.Int("a", 0, 100)
    hp.Fixed("b", 2)
    other = keras_tuner.HyperParameters()
    other.Fixed("a", 3)
    other.Choice("d", [1, 2, 3], default=2)
    hp.merge(other)
    copied = hp.copy()
    return hp.get("a"), hp.get("d"), copied.values, type(copied).__name__, [p.name for p in hp.space]


SCRIPTS = [_numbers, _choices, _conditions, _populated, _merge_copy]


@pytest.mark.parametrize("script", SCRIPTS, ids=lambda s: s.__name__)
def test_same_values_defaults_and_config_as_keras_tuner(script):
    theirs = keras_tuner.HyperParameters()
    expected = script(theirs)
    for ours in _ours():
        assert isinstance(ours, keras_tuner.HyperParameters)
        assert script(ours) == expected, type(ours).__name__
        assert ours.values == theirs.values
        assert ours.get_config() == theirs.get_config()
        assert isinstance(ours.space, list)
        assert [p.conditions for p in ours.space] == [p.conditions for p in theirs.space]


BAD = [
    lambda hp: hp.Int("units", 64, 8),
    lambda hp: hp.Int("units", 0.5, 8),
    lambda hp: hp.Int("units", 1, 8, sampling="cubic"),
    lambda hp: hp.Int("k", -10, -1, sampling="log"),
    lambda hp: hp.Float("lr", 0.0, 1.0, sampling="log"),
    lambda hp: hp.Float("lr", 0.1, 1.0, step=1, sampling="log"),
    lambda hp: hp.Choice("act", []),
    lambda hp: hp.Choice("act", ["a", 0]),
    lambda hp: hp.Choice("act", [{"a": 1}]),
    lambda hp: hp.Choice("act", [1, 2], default=4),
    lambda hp: hp.Choice("act", ["a", "b"], ordered=True),
    lambda hp: hp.Boolean("b", default=None),
    lambda hp: hp.Fixed("f", None),
    lambda hp: hp.conditional_scope("missing", ["x"]).__enter__(),
    lambda hp: (hp.Choice("a", [1, 2]), hp.Int("a", 1, 2, parent_name="a", parent_values=[1])),
    lambda hp: hp.get("nothing"),
    lambda hp: (hp.Choice("b", [1, 2]), hp.Int("c", 1, 2, parent_name="b", parent_values=2), hp.get("c")),
]


@pytest.mark.parametrize("declare", BAD, ids=range(len(BAD)))
def test_same_errors_as_keras_tuner(declare):
    with pytest.raises(Exception) as theirs:
        declare(keras_tuner.HyperParameters())
    for ours in _ours():
        with pytest.raises(type(theirs.value)) as raised:
            declare(ours)
        assert str(raised.value) == str(theirs.value)
        if isinstance(theirs.value, ValueError | TypeError) and "currently inactive" not in str(theirs.value):
            assert isinstance(raised.value, SpaceError)  # a declaration error: the CLI blames the space file


def _distributions(declare, n=60):
    study = optuna.create_study(sampler=optuna.samplers.RandomSampler(seed=0))
    seen = []
    for _ in range(n):
        trial = study.ask()
        seen.append(declare(OptunaHyperParameters(trial)))
        study.tell(trial, 0.0)
    return study.trials[-1].distributions, seen


@pytest.mark.parametrize(
    ("declare", "grid"),
    [
        (lambda hp: hp.Int("u", 6, 13, step=3), [6, 9, 12]),
        (lambda hp: hp.Int("u", 2, 32, step=2, sampling="log"), [2, 4, 8, 16, 32]),
        (lambda hp: hp.Float("lr", 0.01, 100, step=10, sampling="log"), [0.01, 0.1, 1.0, 10.0, 100.0]),
        (lambda hp: hp.Float("r", 0.01, 100, step=10, sampling="reverse_log"), [0.01, 90.01, 99.01, 99.91, 100.0]),
        (lambda hp: hp.Float("d", 0.0, 1.0, step=0.25), [0.0, 0.25, 0.5, 0.75, 1.0]),
        (lambda hp: hp.Choice("c", ["x", "y", "z"]), ["x", "y", "z"]),
        (lambda hp: hp.Boolean("b"), [False, True]),
    ],
)
def test_optuna_samples_exactly_keras_tuners_grid(declare, grid):
    theirs = keras_tuner.HyperParameters()
    declare(theirs)
    kt_hp = theirs.space[0]
    kt_grid = sampled_grid(kt_hp) if hasattr(kt_hp, "step") and kt_hp.step else sorted(kt_hp.values)
    assert kt_grid == pytest.approx(grid)
    kt_samples = sorted({kt_hp.random_sample(seed) for seed in range(200)})
    _, seen = _distributions(declare)
    assert kt_samples == pytest.approx(grid)
    assert sorted(set(seen)) == pytest.approx(grid)


def test_continuous_log_and_reverse_log_follow_keras_tuners_density():
    dists, seen = _distributions(lambda hp: hp.Float("lr", 1e-4, 1.0, sampling="log"), n=300)
    assert dists["lr"].log and (dists["lr"].low, dists["lr"].high) == (1e-4, 1.0)
    assert math.log10(np.median(seen)) == pytest.approx(-2.0, abs=0.5)  # log-uniform: median at 1e-2
    rev = keras_tuner.engine.hyperparameters.Float("r", 1e-3, 1e3, sampling="reverse_log")
    dists, seen = _distributions(lambda hp: hp.Float("r", 1e-3, 1e3, sampling="reverse_log"), n=300)
    assert dists["r" + REVERSE_LOG_SUFFIX].log
    assert all(1e-3 <= v <= 1e3 for v in seen)
    # keras-tuner's reverse_log piles values near max_value: compare the quartiles.
    kt = np.array([rev.random_sample(seed) for seed in range(300)])
    for q in (25, 50, 75):
        assert math.log(1e3 + 1e-3 - np.percentile(seen, q)) == pytest.approx(
            math.log(1e3 + 1e-3 - np.percentile(kt, q)), abs=1.5
        )


def test_inactive_branches_are_not_sampled_and_one_name_keeps_two_ranges():
    study = optuna.create_study(sampler=optuna.samplers.RandomSampler(seed=3))
    for _ in range(20):
        trial = study.ask()
        hp = OptunaHyperParameters(trial)
        model, v1, v2, c, *_ = _conditions(hp)
        layers, units = v1 if model == "v1" else v2
        assert (1 <= layers <= 3 and 16 <= units <= 32) if model == "v1" else (2 <= layers <= 4 and 32 <= units <= 64)
        assert (c is None) == (model == "v1") and ("c" in trial.params) == (model == "v2")
        assert set(trial.params) <= set(hp.values)
        study.tell(trial, 0.0)


def test_params_records_read_keras_tuners_objects():
    hp = FixedHyperParameters({"model": "v2"})
    _conditions(hp)
    params = hp.params
    assert params["layers"].min_value == 2  # the active branch of the two declarations
    assert params["c"].conditions[0].parent == "model" and params["c"].conditions[0].values == ("v2",)
    assert params["block/e"].conditions[0].parent == "block/d"
    assert params["model"].kind == "choice" and params["model"].ordered is False


def test_fixed_values_win_like_populated_values_and_fallbacks_stay_on_grid():
    hp = FixedHyperParameters({"x": 5, "lr": 0.1})
    assert hp.Fixed("x", 1) == 5 and hp.Float("lr", 1e-3, 1.0, sampling="log") == 0.1
    top = FixedHyperParameters(fallback="max")
    assert top.Int("u", 16, 130, step=16) == 128
    assert top.Float("lr", 0.001, 10, step=10, sampling="log") == pytest.approx(10.0)
    assert top.Choice("o", [3, 1, 2]) == 3 and top.Choice("s", ["b", "a"]) == "a"
    low = FixedHyperParameters(fallback="min")
    assert low.Float("r", 0.01, 100, step=10, sampling="reverse_log") == pytest.approx(0.01)
    mirrored = FixedHyperParameters({"r" + REVERSE_LOG_SUFFIX: 10.0})
    assert mirrored.Float("r", 1.0, 100.0, sampling="reverse_log") == pytest.approx(91.0)
