"""LookSchedule.final_alpha: the last look's alpha, computed without every earlier look's."""

from __future__ import annotations

import itertools

import pytest

from archsearch.analysis import LookSchedule


@pytest.mark.parametrize("alpha", [0.05, 0.0125])
def test_final_alpha_is_the_last_of_look_alphas(alpha):
    for repeats, max_seeds in itertools.product(range(1, 8), range(1, 120)):
        plan = LookSchedule(repeats, max_seeds, alpha)
        assert plan.final_alpha() == pytest.approx(plan.look_alphas()[-1][1], abs=1e-15), (repeats, max_seeds)
