"""archsearch.seeds: the formulas, and runs that draw their seeds through them (two runs, a resumed run)."""

from __future__ import annotations

from pathlib import Path

import optuna
import pytest

from archsearch import seeds
from archsearch.study import RunOptions, run_search
from tests.conftest import TINY_SPACE


def test_seeds_of_one_trial_never_meet_the_seeds_of_another() -> None:
    trial_seeds = [seeds.trial_seed(3, n) for n in range(2000)]
    fits = [s for t in trial_seeds for s in seeds.repeat_seeds(t, 4)]
    assert len(set(fits)) == len(fits)
    assert seeds.replica_seeds(trial_seeds[5], 4) == seeds.repeat_seeds(trial_seeds[5], 4)


def test_workers_and_a_resumed_run_get_other_sampler_seeds() -> None:
    drawn = {seeds.sampler_seed(0, done, worker) for done in range(50) for worker in range(8)}
    assert len(drawn) == 50 * 8
    assert seeds.sampler_seed(0, done=3) != seeds.sampler_seed(0)


def test_more_ablation_seeds_continue_the_first_ones() -> None:
    assert seeds.ablation_seeds(2, 3) + seeds.ablation_seeds(2, 2, first=3) == seeds.ablation_seeds(2, 5)
    assert not set(seeds.ablation_seeds(0, 10)) & {seeds.trial_seed(0, n) for n in range(1000)}


def _seeds(tmp_path: Path, name: str) -> list[tuple[int, int, list[int]]]:
    study = optuna.load_study(study_name=name, storage=f"sqlite:///{tmp_path}/mlruns/optuna.db")
    return [(t.number, t.user_attrs["seed"], t.user_attrs["repeat_seeds"]) for t in study.get_trials()]


def _run(space: Path, name: str, trials: int) -> None:
    run_search(space, RunOptions(trials=trials, repeats=2, seed=5, quiet=True, study_name=name))


@pytest.mark.slow
def test_a_run_and_its_resumption_draw_the_seeds_of_the_formula(tmp_path: Path, write_space) -> None:
    """Seeds depend on the user seed and the trial number only: a fresh run (the first trial) and its resumption
    (the same command again) draw what the formula says, so two runs with one seed draw the same seeds
    (tests/study/test_outcomes.py also checks a fresh run's repeat seeds and metrics)."""
    space = write_space(TINY_SPACE, "tiny.py")
    _run(space, "resumed", 1)
    _run(space, "resumed", 2)  # the same command again, with one trial already done
    expected = [(n, 5 + n, [5 + n, 5 + n + 1_000_003]) for n in range(2)]
    assert _seeds(tmp_path, "resumed") == expected
