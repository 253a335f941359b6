"""Pure helpers of the objective: chance-level flag, repeat seeds, a trial's place and the best in the progress line."""

from __future__ import annotations

import math

from archsearch.seeds import repeat_seeds
from archsearch.study._measures import CHANCE_MARGIN, at_chance


def test_repeat_seeds_start_at_the_trial_seed_and_differ():
    seeds = repeat_seeds(5, 4)
    assert seeds[0] == 5 and len(set(seeds)) == 4
    # Seeds of neighbouring trials (seed + number) never collide with repeats of others.
    assert not set(repeat_seeds(5, 4)[1:]) & set(range(0, 1000))


def test_at_chance_uses_the_best_epoch_of_every_fit():
    chance = 1 / 10
    assert at_chance([{"val_accuracy": [chance, chance + CHANCE_MARGIN]}], 10) is True
    assert at_chance([{"val_accuracy": [chance, 0.9, chance]}], 10) is False
    # One repeat that learned is enough to say the configuration is not stuck.
    assert at_chance([{"val_accuracy": [0.1]}, {"val_accuracy": [0.8]}], 10) is False
    assert at_chance([{"val_accuracy": [0.5, 0.52]}], 2) is True
    assert at_chance([{"val_accuracy": [math.nan, 0.11]}], 10) is True


def test_at_chance_is_unknown_without_val_accuracy():
    assert at_chance([{"loss": [1.0]}], 10) is None
    assert at_chance([], 10) is None


def test_the_progress_line_counts_and_shows_the_best_of_every_process_s_trials():
    # With --workers, each process's own trials were its progress lines' only best: a worker said "best 0.82"
    # while another's trial had reached 0.96.
    import types

    import optuna

    from archsearch.study._objective import Objective
    from archsearch.study._progress import Progress

    study = optuna.create_study(direction="maximize")
    study.tell(study.ask(), 0.5)
    study.tell(study.ask(), 0.7)  # other processes' trials; 0.7 is the best so far
    mine = study.ask()
    objective = types.SimpleNamespace(finished=0, progress=Progress(8, "val_accuracy", "maximize"))
    assert Objective._position(objective, mine) == 3  # type: ignore[arg-type]
    assert objective.progress.best == (0.7, 1)
    study.tell(mine, 0.9)
    assert Objective._position(objective, study.ask()) == 4  # type: ignore[arg-type]
    assert objective.progress.best == (0.9, mine.number)


def test_a_trial_at_chance_on_few_validation_examples_is_flagged_as_the_verdicts_say():
    # SGD(1e-9) on digits: best validation accuracy 0.1528 on 144 examples was not flagged (margin 0.05), while
    # the verdict, with the same data, says the level did not learn
    assert at_chance([{"val_accuracy": [0.0903, 0.1528]}], 10) is False
    assert at_chance([{"val_accuracy": [0.0903, 0.1528]}], 10, n_examples=144) is True
    assert at_chance([{"val_accuracy": [0.1528]}], 10, n_examples=10_000) is False  # many examples: 5 points
