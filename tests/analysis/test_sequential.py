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


def test_a_sequential_reports_multiplicity_reads_as_one_sentence():
    import sys
    from pathlib import Path

    import numpy as np

    from archsearch.analysis import analyze_table

    sys.path.insert(0, str(Path(__file__).parent))
    from sims import correctness_ablation

    table, _ = correctness_ablation(np.random.default_rng(9), 4, 360, shift=0.35, case="balanced")
    plan = {"factor": "model", "levels": ["old", "new"], "baseline": "old", "seeds": sorted(set(table["seed"]))}
    m = analyze_table(table, design="ablation", plan=plan | {"sequential": {"repeats": 2, "max_seeds": 4}})[
        "multiplicity"
    ]
    sentence = f"{m['description']} over {m['family']}"  # as the report's Method and answer_kind compose it
    assert sentence == (
        "Lan-DeMets O'Brien-Fleming alpha spending, each look at its increment (a Bonferroni bound) over the looks; "
        "Holm within each look"
    )
