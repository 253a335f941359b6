"""study/_run.py's own words (no training)."""

from __future__ import annotations

from archsearch.study._run import _nothing_to_run


def test_a_study_with_its_trials_says_which_option_runs_more_once():
    """Cosmetic: every repeated ask said 'Raise --repeats to run more seeds to run more.'"""
    ask = _nothing_to_run("s-ablation-units-1a2b3c4d", 9, 9, ablation=True)
    assert ask.endswith("nothing to run. Raise --repeats to run more seeds.") and ask.count("to run more") == 1
    run = _nothing_to_run("s", 3, 3, ablation=False)
    assert (
        run == "study 's' already has 3 finished trials (target 3); nothing to run. Raise --trials to run more trials."
    )
