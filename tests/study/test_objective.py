"""Pure helpers of the objective: chance-level flag and repeat seeds."""

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
