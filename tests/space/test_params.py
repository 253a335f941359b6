"""Param: the record of one declaration (range, grid, description)."""

from __future__ import annotations

import pytest

from archsearch.space import Condition, Param


def test_grids():
    assert Param.make_int("u", 16, 64, 16, "linear", None).grid() == [16, 32, 48, 64]
    assert Param.make_int("u", 8, 128, 2, "log", None).grid() == [8, 16, 32, 64, 128]
    assert Param.make_float("d", 0.0, 0.3, 0.1, "linear", None).grid() == pytest.approx([0.0, 0.1, 0.2, 0.3])
    assert Param.make_choice("a", ["x", "y"], None, None).grid() == ["x", "y"]
    with pytest.raises(ValueError, match="continuous float"):
        Param.make_float("lr", 1e-4, 1e-1, None, "log", None).grid()


def test_describe_shows_range_default_and_condition():
    param = Param(**{**Param.make_int("units_1", 8, 64, 8, "linear", None).__dict__,
                     "conditions": (Condition("layers", (2, 3)),)})
    assert param.describe() == "int in [8, 64] step 8, default 8; only if layers in (2, 3)"


def test_same_space_ignores_conditions():
    a = Param.make_choice("c", [1, 2], None, None)
    b = Param(**{**a.__dict__, "conditions": (Condition("m", ("x",)),)})
    assert a.same_space(b) and not a.same_space(Param.make_choice("c", [1, 3], None, None))
