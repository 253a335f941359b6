"""``check_point``: the one check that given values (a reference, a ``--base`` file) are a point of a space."""

from __future__ import annotations

import pytest

from archsearch.errors import SpaceError
from archsearch.space import Param, check_point

PARAMS = {
    "units": Param.make_choice("units", [16, 64, 256]),
    "learning_rate": Param.make_float("learning_rate", 1e-3, 1e-2, sampling="log", default=3e-3),
    "layers": Param.make_int("layers", 1, 3),
    "bn": Param.make_boolean("bn"),
    "act": Param.make_choice("act", ["relu", "tanh"]),
}
WHO, FIX = "s.py: reference 'r'", "fix REFERENCES['r'] in s.py"


@pytest.mark.parametrize(
    ("values", "message"),
    [
        (
            {"unit": 64},
            "s.py: reference 'r' sets 'unit', which the space does not declare with these values "
            "(declared: act, bn, layers, learning_rate, units); fix REFERENCES['r'] in s.py.",
        ),
        # a string where the choices are ints: Keras would raise "expected a positive integer" on it
        ({"units": "64"}, "s.py: reference 'r' sets units='64', not one of its values (16, 64, 256); fix"),
        ({"units": 32}, "s.py: reference 'r' sets units=32, not one of its values (16, 64, 256); fix"),
        ({"act": "elu"}, "s.py: reference 'r' sets act='elu', not one of its values ('relu', 'tanh'); fix"),
        ({"learning_rate": 0.5}, "sets learning_rate=0.5, outside its space (float in [0.001, 0.01] (log)"),
        ({"learning_rate": "0.003"}, "sets learning_rate='0.003', outside its space (float in"),
        ({"layers": 2.5}, "sets layers=2.5, outside its space (int in [1, 3] step 1"),
        ({"layers": True}, "sets layers=True, outside its space"),
        ({"bn": 1}, "sets bn=1, outside its space (True or False"),
    ],
)
def test_a_value_the_space_does_not_take_is_one_line_naming_it(values, message):
    with pytest.raises(SpaceError) as err:
        check_point(PARAMS, values, WHO, FIX)
    assert message in str(err.value) and "\n" not in str(err.value)


def test_values_of_the_space_pass_and_a_number_for_a_float_choice_is_its_value():
    check_point(PARAMS, {"units": 64, "learning_rate": 0.003, "layers": 3, "bn": True, "act": "tanh"}, WHO, FIX)
    assert Param.make_choice("rate", [0.5, 1.0]).contains(1) and not Param.make_choice("n", [0, 1]).contains(False)
    assert PARAMS["layers"].contains(2.0)  # an integral float (JSON) for an int
    assert not PARAMS["layers"].contains(2.5) and not PARAMS["learning_rate"].contains(float("nan"))


def test_declared_only_skips_what_a_build_that_stopped_partway_did_not_reach():
    check_point(PARAMS, {"later": 1, "units": 64}, WHO, FIX, declared_only=True)
    with pytest.raises(SpaceError, match="units='64'"):
        check_point(PARAMS, {"later": 1, "units": "64"}, WHO, FIX, declared_only=True)


def test_a_reverse_log_mirror_is_checked_as_the_value_it_stands_for():
    momentum = {"momentum": Param.make_float("momentum", 0.5, 0.99, sampling="reverse_log")}
    check_point(momentum, {"momentum~mirror": 0.6}, WHO, FIX)  # momentum 0.89
    with pytest.raises(SpaceError, match="sets momentum=-0.51"):
        check_point(momentum, {"momentum~mirror": 2.0}, WHO, FIX)
    with pytest.raises(SpaceError, match="sets 'units~mirror', which the space does not declare"):
        check_point(PARAMS, {"units~mirror": 2}, WHO, FIX)
