"""Param: the record of one declaration (range, grid, description)."""

from __future__ import annotations

import pytest

from archsearch.space import Condition, Param


def test_grids_are_keras_tuners():
    assert Param.make_float("lr", 0.01, 10, 10, "log", None).grid() == pytest.approx([0.01, 0.1, 1.0, 10.0])
    assert Param.make_int("u", 1, 10, 3, "reverse_log", None).grid() == [2, 8, 10]  # keras-tuner never samples 1
    assert Param.make_int("u", 16, 64, 16, "linear", None).grid() == [16, 32, 48, 64]
    assert Param.make_int("u", 8, 128, 2, "log", None).grid() == [8, 16, 32, 64, 128]
    assert Param.make_float("d", 0.0, 1.0, 0.25, "linear", None).grid() == [0.0, 0.25, 0.5, 0.75, 1.0]
    # keras-tuner counts 0.3 // 0.1 as 2: it never samples 0.3, and neither does the grid.
    assert Param.make_float("d", 0.0, 0.3, 0.1, "linear", None).grid() == pytest.approx([0.0, 0.1, 0.2])
    assert Param.make_choice("a", ["x", "y"], None, None).grid() == ["x", "y"]
    with pytest.raises(ValueError, match="continuous float"):
        Param.make_float("lr", 1e-4, 1e-1, None, "log", None).grid()


def test_describe_shows_range_default_and_condition():
    param = Param(
        **{**Param.make_int("units_1", 8, 64, 8, "linear", None).__dict__, "conditions": (Condition("layers", (2, 3)),)}
    )
    assert param.describe() == "int in [8, 64] step 8, default 8; only if layers in (2, 3)"


def test_same_space_ignores_conditions():
    a = Param.make_choice("c", [1, 2], None, None)
    b = Param(**{**a.__dict__, "conditions": (Condition("m", ("x",)),)})
    assert a.same_space(b) and not a.same_space(Param.make_choice("c", [1, 3], None, None))


def test_contains_is_what_the_declaration_can_take():
    # One check for a question's baseline and a reference's values (a str "64" is no value of a choice of ints).
    units = Param.make_choice("units", [16, 64, 256])
    assert [units.contains(v) for v in (64, 64.0, 32, "64", True)] == [True, True, False, False, False]
    layers = Param.make_int("layers", 1, 3)
    assert [layers.contains(v) for v in (1, 3, 2.0, 0, 7, "2", None)] == [True, True, True, False, False, False, False]
    lr = Param.make_float("lr", 1e-3, 1e-2, None, "log", None)
    assert [lr.contains(v) for v in (1e-3, 5e-3, 1e-2, 0.5, 1e-4)] == [True, True, True, False, False]
    step = Param.make_float("d", 0.0, 0.5, 0.1, "linear", None)
    assert (step.contains(0.2), step.contains(0.25)) == (True, False)
    assert Param.make_boolean("bn").contains(False) and not Param.make_boolean("bn").contains(0)
    assert Param.make_fixed("k", 3).contains(3) and not Param.make_fixed("k", 3).contains(4)
