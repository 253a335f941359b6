"""keras-tuner's hyperparameter tests, re-stated for the hp object a builder receives (see README.md)."""

from __future__ import annotations

import keras_tuner
import numpy as np
import optuna
import pytest

from archsearch.space import FixedHyperParameters, OptunaHyperParameters

optuna.logging.set_verbosity(optuna.logging.ERROR)

KINDS = ["keras_tuner", "fixed", "optuna"]


@pytest.fixture(params=KINDS)
def make_hp(request):
    """A fresh hp object of each kind; Optuna's comes from a random-sampler trial."""

    def make(values=None):
        if request.param == "keras_tuner":
            return keras_tuner.HyperParameters()
        if request.param == "fixed":
            return FixedHyperParameters(values)
        trial = optuna.create_study(sampler=optuna.samplers.RandomSampler(seed=0)).ask(
            values and {k: optuna.distributions.CategoricalDistribution([v]) for k, v in values.items()}
        )
        return OptunaHyperParameters(trial)

    make.kind = request.param
    return make


def _defaults_only(make_hp):
    # Tests that pin keras-tuner's *defaults* hold for hp objects that answer defaults.
    if make_hp.kind == "optuna":
        return FixedHyperParameters()
    return make_hp()


# -- hyperparameters_test.py ---------------------------------------------------


def test_hyperparameters(make_hp):  # test_hyperparameters
    hp = _defaults_only(make_hp)
    assert hp.values == {} and hp.space == []
    hp.Choice("choice", [1, 2, 3], default=2)
    assert hp.values == {"choice": 2} and [p.name for p in hp.space] == ["choice"]
    hp.values["choice"] = 3
    assert hp.get("choice") == 3
    copied = hp.copy()
    assert copied.values == {"choice": 3} and [p.name for p in copied.space] == ["choice"]
    with pytest.raises(KeyError, match="does not exist"):
        copied.get("wrong")


def test_name_scope(make_hp):  # test_name_scope
    hp = _defaults_only(make_hp)
    hp.Choice("choice", [1, 2, 3], default=2)
    with hp.name_scope("scope1"):
        hp.Choice("choice", [4, 5, 6], default=5)
        with hp.name_scope("scope2"):
            hp.Choice("choice", [7, 8, 9], default=8)
        hp.Int("range", min_value=0, max_value=10, step=1, default=0)
    assert hp.values == {"choice": 2, "scope1/choice": 5, "scope1/scope2/choice": 8, "scope1/range": 0}


def test_parent_name(make_hp):  # test_parent_name
    hp = _defaults_only(make_hp)
    hp.Choice("a", [1, 2, 3], default=2)
    assert hp.Int("b", 0, 10, parent_name="a", parent_values=1, default=5) is None
    assert hp.Int("b", 0, 100, parent_name="a", parent_values=2, default=4) == 4
    assert hp.values == {"a": 2, "b": 4}


def test_conditional_scope(make_hp):  # test_conditional_scope
    hp = _defaults_only(make_hp)
    hp.Choice("choice", [1, 2, 3], default=2)
    with hp.conditional_scope("choice", [1, 3]):
        first = hp.Choice("child_choice", [4, 5, 6])
    with hp.conditional_scope("choice", 2):
        second = hp.Choice("child_choice", [7, 8, 9])
    assert hp.values == {"choice": 2, "child_choice": 7}
    assert first is None and second == 7


def test_is_active_with_hp_name_and_hp(make_hp):  # test_is_active_with_hp_name_and_hp
    hp = _defaults_only(make_hp)
    hp.Choice("choice", [1, 2, 3], default=3)
    with hp.conditional_scope("choice", [1, 3]):
        hp.Choice("child_choice", [4, 5, 6])
    with hp.conditional_scope("choice", 2):
        hp.Choice("child_choice2", [7, 8, 9])
    hp.values["child_choice2"] = 7  # populated by someone else while inactive
    by_name = {p.name: p for p in hp.space}
    assert hp.is_active("child_choice") and hp.is_active(by_name["child_choice"])
    assert not hp.is_active("child_choice2") and not hp.is_active(by_name["child_choice2"])


def test_build_with_conditional_scope(make_hp):  # test_build_with_conditional_scope (model part: see fixtures)
    hp = _defaults_only(make_hp)
    model = hp.Choice("model", ["v1", "v2"])
    with hp.conditional_scope("model", "v1"):
        v1 = {"layers": hp.Int("layers", 1, 3), "units": hp.Int("units", 16, 32)}
    with hp.conditional_scope("model", "v2"):
        v2 = {"layers": hp.Int("layers", 2, 4), "units": hp.Int("units", 32, 64)}
    assert (model, v1, v2["layers"]) == ("v1", {"layers": 1, "units": 16}, None)
    assert hp.values == {"model": "v1", "layers": 1, "units": 16}


def test_nested_conditional_scopes_and_name_scopes(make_hp):  # same name
    hp = _defaults_only(make_hp)
    a = hp.Choice("a", [1, 2, 3], default=3)
    with hp.conditional_scope("a", [1, 3]):
        b = hp.Choice("b", [4, 5, 6], default=6)
        with hp.conditional_scope("b", 6):
            c = hp.Choice("c", [7, 8, 9])
            with hp.name_scope("d"):
                e = hp.Choice("e", [10, 11, 12])
    with hp.conditional_scope("a", 2):
        f = hp.Choice("f", [13, 14, 15])
        with hp.name_scope("g"):
            h = hp.Int("h", 0, 10)
    assert hp.values == {"a": 3, "b": 6, "c": 7, "d/e": 10}
    assert (a, b, c, e, f, h) == (3, 6, 7, 10, None, None)


def test_get_with_conditional_scopes(make_hp):  # test_get_with_conditional_scopes
    hp = _defaults_only(make_hp)
    hp.Choice("a", [1, 2, 3], default=2)
    assert hp.get("a") == 2
    with hp.conditional_scope("a", 2):
        hp.Fixed("b", 4)
        assert hp.get("b") == 4 and hp.get("a") == 2
    with hp.conditional_scope("a", 3):
        hp.Fixed("b", 5)
        assert hp.get("b") == 4
    assert hp.get("b") == 4


def test_merge_inactive_hp_with_conditional_scopes(make_hp):  # same name
    hp = _defaults_only(make_hp)
    hp.Choice("a", [1, 2, 3], default=3)
    with hp.conditional_scope("a", 2):
        hp.Fixed("b", 4)
    other = make_hp()
    other.merge(hp)
    assert "a" in other.values and "b" not in other.values


def test_merge(make_hp):  # test_merge
    hp = make_hp()
    hp.Int("a", 0, 100)
    hp.Fixed("b", 2)
    second = keras_tuner.HyperParameters()
    second.Fixed("a", 3)
    hp.Int("c", 10, 100, default=30) if make_hp.kind != "optuna" else hp.Fixed("c", 30)
    hp.merge(second)
    assert (hp.get("a"), hp.get("b"), hp.get("c")) == (3, 2, 30)
    third = keras_tuner.HyperParameters()
    third.Fixed("a", 5)
    third.Choice("d", [1, 2, 3], default=1)
    hp.merge(third, overwrite=False)
    assert (hp.get("a"), hp.get("b"), hp.get("c"), hp.get("d")) == (3, 2, 30, 1)


def test_dict_methods(make_hp):  # test_dict_methods
    hp = _defaults_only(make_hp)
    hp.Int("a", 0, 10, default=3)
    hp.Choice("b", [1, 2], default=2)
    with hp.conditional_scope("b", 1):
        hp.Float("c", -10, 10, default=3)
        with pytest.raises(ValueError, match="is currently inactive"):
            hp["c"]
    with hp.conditional_scope("b", 2):
        hp.Float("c", -30, -20, default=-25)
    assert (hp["a"], hp["b"], hp["c"]) == (3, 2, -25)
    with pytest.raises(KeyError, match="does not exist"):
        hp["d"]
    assert "a" in hp and "b" in hp and "c" in hp and "d" not in hp


def test_return_populated_value_for_new_hp(make_hp):  # same name
    hp = make_hp()
    hp.values["hp_name"] = "hp_value"
    assert hp.Choice("hp_name", ["hp_value", "hp_value_default"], default="hp_value_default") == "hp_value"


def test_return_default_value_if_not_populated(make_hp):  # same name
    hp = _defaults_only(make_hp)
    assert hp.Choice("hp_name", ["hp_value", "hp_value_default"], default="hp_value_default") == "hp_value_default"


# -- hp_types/*_test.py, through the hp object ----------------------------------


def test_int_sampling_arg(make_hp):  # int_hp_test.test_int_sampling_arg
    hp = make_hp()
    hp.Int("i", 0, 10, sampling="linear")
    assert hp.space[0].sampling == "linear"
    with pytest.raises(ValueError, match="sampling must be one"):
        hp.Int("j", 0, 10, sampling="invalid")
    with pytest.raises(ValueError, match="min_value 1 is greater than the max_value 0"):
        hp.Int("k", 1, 0, sampling="linear")
    with pytest.raises(ValueError, match="does not support negative values"):
        hp.Int("k", -10, -1, sampling="log")


def test_int(make_hp):  # int_hp_test.test_int (defaults, range, type)
    hp = _defaults_only(make_hp)
    assert hp.Int("rg", min_value=5, max_value=9, step=1, default=6) == 6
    assert hp.Int("rg2", min_value=5, max_value=9, step=1) == 5
    value = make_hp().Int("rg", min_value=5, max_value=9, step=1)
    assert 5 <= value <= 9 and isinstance(value, int)


def test_int_raise_error_with_float_min_value(make_hp):  # int_hp_test
    with pytest.raises(ValueError, match="must be an int"):
        make_hp().Int("j", 0.5, 10)


def test_float(make_hp):  # float_hp_test.test_float (defaults, range, type)
    hp = _defaults_only(make_hp)
    assert hp.Float("a", 0.5, 9.5, step=0.1, default=9.0) == 9.0
    assert hp.Float("b", 0.5, 6.5, default=2.0) == 2.0
    assert hp.Float("c", 0.5, 9.5, step=0.1) == 0.5
    for value in (make_hp().Float("x", 0.5, 9.5, step=0.1), make_hp().Float("y", 0.5, 6.5)):
        assert 0.5 <= value <= 9.5 and isinstance(value, float)


def test_sampled_values_int_log_with_step(make_hp):  # int_hp_test.test_int_log_with_step
    assert {_sample(make_hp, lambda hp: hp.Int("rg", 2, 32, step=2, sampling="log"), s) for s in range(40)} <= {
        2,
        4,
        8,
        16,
        32,
    }


def test_sampled_values_float_log_with_step(make_hp):  # float_hp_test.test_float_log_with_step
    seen = {_sample(make_hp, lambda hp: hp.Float("rg", 0.01, 100, step=10, sampling="log"), s) for s in range(40)}
    assert all(any(abs(v - x) < 1e-9 for x in (0.01, 0.1, 1.0, 10.0, 100.0)) for v in seen)


def test_sampled_values_float_reverse_log_with_step(make_hp):  # float_hp_test.test_float_reverse_log_with_step
    seen = {
        _sample(make_hp, lambda hp: hp.Float("rg", 0.01, 100, step=10, sampling="reverse_log"), s) for s in range(40)
    }
    assert all(any(abs(v - x) < 1e-4 for x in (0.01, 90.01, 99.01, 99.91, 100.0)) for v in seen)


def test_sampled_values_zero_length_interval(make_hp):  # float_hp_test.test_sampling_zero_length_intervals
    assert _sample(make_hp, lambda hp: hp.Float("f", 2, 2), 0) == 2


def test_sampled_values_log_and_reverse_log_stay_in_range(make_hp):  # float_hp_test.test_*_sampling_random_state
    for sampling in ("log", "reverse_log"):
        value = _sample(make_hp, lambda hp, sampling=sampling: hp.Float("f", 1e-3, 1e3, sampling=sampling), 1)
        assert 1e-3 <= value <= 1e3


def test_float_sampling_arg(make_hp):  # float_hp_test.test_float_sampling_arg
    hp = make_hp()
    hp.Float("f", 1e-20, 1e10, sampling="log")
    assert hp.space[0].sampling == "log"


def test_float_values_property(make_hp):  # float_hp_test.test_float_values_property_*
    hp = make_hp()
    hp.Float("a", 2, 8, 2)
    hp.Float("b", 0.1, 100.0, 10, sampling="log")
    hp.Float("c", 2, 1024, sampling="log")
    assert list(hp.space[0].values) == [2.0, 4.0, 6.0, 8.0]
    assert list(hp.space[1].values) == [0.1, 1.0, 10.0, 100.0]
    assert len(list(hp.space[2].values)) == 10


def test_choice(make_hp):  # choice_hp_test.test_choice
    assert _defaults_only(make_hp).Choice("choice", [1, 2, 3], default=2) == 2
    assert _defaults_only(make_hp).Choice("choice", [1, 2, 3]) == 1
    assert make_hp().Choice("choice", [1, 2, 3]) in (1, 2, 3)
    with pytest.raises(ValueError, match="default value should be"):
        make_hp().Choice("choice", [1, 2, 3], default=4)


@pytest.mark.parametrize(
    ("values", "ordered", "expected"),
    [
        ([1, 2, 3], True, True),
        ([1, 2, 3], False, False),
        ([1, 2, 3], None, True),
        (["a", "b", "c"], False, False),
        (["a", "b", "c"], None, False),
    ],
)
def test_choice_ordered(make_hp, values, ordered, expected):  # choice_hp_test.test_choice_ordered
    hp = make_hp()
    hp.Choice("choice", values, ordered=ordered)
    assert hp.space[0].ordered == expected
    assert hp.get_config()["space"][0]["config"]["ordered"] == expected


def test_choice_ordered_invalid(make_hp):  # choice_hp_test
    with pytest.raises(ValueError, match="must be `False`"):
        make_hp().Choice("a", ["a", "b"], ordered=True)


def test_choice_types(make_hp):  # choice_hp_test.test_choice_types
    with pytest.raises(TypeError, match="can contain only one"):
        make_hp().Choice("a", ["a", "b", 0])
    with pytest.raises(TypeError, match="can contain only `int`"):
        make_hp().Choice("a", [{"a": 1}, {"a": 2}])


def test_choice_value_not_provided_error(make_hp):  # choice_hp_test
    with pytest.raises(ValueError, match="`values` must be provided"):
        make_hp().Choice("a", [])


def test_choice_none_and_set_default(make_hp):  # choice_hp_test.test_choice_none_as_default / _default_not_none
    assert _defaults_only(make_hp).Choice("a", [1, 2], default=None) == 1
    assert _defaults_only(make_hp).Choice("a", [1, 2], default=2) == 2


def test_choice_numpy_floats(make_hp):  # choice_hp_test imports numpy values through proto; here through hp
    value = make_hp().Choice("a", list(np.array([2.3, 4.5, 6.3])))
    assert any(abs(value - x) < 1e-9 for x in (2.3, 4.5, 6.3))


def test_choice_values_property(make_hp):  # choice_hp_test.test_choice_values_property
    hp = make_hp()
    hp.Choice("choice", [0, 1, 2])
    assert list(hp.space[0].values) == [0, 1, 2]


def test_boolean(make_hp):  # boolean_hp_test.test_boolean
    assert _defaults_only(make_hp).Boolean("bool") is False
    assert _defaults_only(make_hp).Boolean("bool", default=True) is True
    with pytest.raises(ValueError, match="must be a Python boolean"):
        make_hp().Boolean("bool", default=None)
    hp = make_hp()
    assert hp.Boolean("bool", default=True) in (True, False)
    assert hp.space[0].name == "bool" and hp.space[0].default is True


def test_fixed(make_hp):  # fixed_hp_test.test_fixed
    for value in ("value", True, False, 1, 8.2):
        hp = make_hp()
        assert hp.Fixed("fixed", value) == value and type(hp.values["fixed"]) is type(value)
    with pytest.raises(ValueError, match="value must be an"):
        make_hp().Fixed("fixed", None)


def test_fixed_values_property(make_hp):  # fixed_hp_test.test_fixed_values_property
    hp = make_hp()
    hp.Fixed("fixed", 2)
    assert list(hp.space[0].values) == [2]


# -- conditions_test.py -----------------------------------------------------------


def test_unknown_condition_values_error(make_hp):  # conditions_test.test_unknown_condition_values_error
    hp = make_hp()
    hp.Choice("parent", [1, 2])
    with pytest.raises(TypeError, match="Can contain only"):
        hp.Int("child", 1, 2, parent_name="parent", parent_values=[None])


@pytest.mark.parametrize("values", [[1, 2], [1.0, 2.0], [True, False]])
def test_condition_values_round_trip(make_hp, values):  # conditions_test.test_*_to_from_proto, via get_config
    hp = make_hp()
    hp.Choice("parent", values)
    with hp.conditional_scope("parent", values):
        hp.Int("child", 1, 2)
    restored = keras_tuner.HyperParameters.from_config(hp.get_config())
    assert restored.space[1].conditions[0].values == values


def _sample(make_hp, declare, seed):
    """One value declared on a fresh hp; Optuna's with a random sampler seeded ``seed``."""
    if make_hp.kind == "optuna":
        trial = optuna.create_study(sampler=optuna.samplers.RandomSampler(seed=seed)).ask()
        return declare(OptunaHyperParameters(trial))
    hp = make_hp()
    value = declare(hp)
    if make_hp.kind == "keras_tuner":
        return hp.space[-1].random_sample(seed)  # what keras-tuner's oracles would have drawn
    return value
