"""Statistics on synthetic tables with a known truth: sign, coverage, verdicts, size confounding."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from archsearch.analysis import (
    analyze_question,
    mean_interval,
    paired_interval,
    seeds_needed,
    size_adjusted_interval,
    verdict,
    welch_interval,
)

SIMS = 200


def _search_table(rng: np.random.Generator, effect: float, n: int = 6, sd: float = 0.01,
                  levels: tuple = (1, 2)) -> pd.DataFrame:
    """Unpaired trials: level 1 has mean 0.90, level 2 has 0.90 + effect; other params vary."""
    rows = []
    for i, level in enumerate(np.repeat(levels, n)):
        mean = 0.90 + (effect if level != levels[0] else 0.0)
        rows.append({"trial": i, "seed": i, "value": rng.normal(mean, sd), "params_count": 1000 * level,
                     "fit_seconds": 1.0, "params_layers": level, "params_lr": rng.uniform(1e-4, 1e-2)})
    return pd.DataFrame(rows)


def _paired_table(rng: np.random.Generator, effect: float, seeds: int = 6, seed_sd: float = 0.02,
                  noise: float = 0.003) -> pd.DataFrame:
    """An ablation: each seed shifts both levels alike (a large shared seed effect), plus small noise."""
    rows, trial = [], 0
    for s in range(seeds):
        shared = rng.normal(0, seed_sd)
        for level in ("relu", "tanh"):
            value = 0.9 + shared + (effect if level == "tanh" else 0.0) + rng.normal(0, noise)
            rows.append({"trial": trial, "seed": 100 + s, "value": value, "params_count": 5000,
                         "fit_seconds": 2.0, "params_activation": level})
            trial += 1
    return pd.DataFrame(rows)


def test_welch_interval_covers_the_true_difference_about_95_percent():
    rng = np.random.default_rng(0)
    hits = 0
    for _ in range(2000):
        a, b = rng.normal(0.02, 0.01, 5), rng.normal(0.0, 0.02, 7)
        _, lo, hi = welch_interval(a, b)
        hits += lo <= 0.02 <= hi
    assert 0.93 <= hits / 2000 <= 0.97


def test_paired_and_mean_intervals_cover_about_95_percent():
    rng = np.random.default_rng(1)
    paired = single = 0
    for _ in range(2000):
        shared = rng.normal(0, 0.05, 4)
        a, b = shared + 0.01 + rng.normal(0, 0.005, 4), shared + rng.normal(0, 0.005, 4)
        _, lo, hi = paired_interval(a, b)
        paired += lo <= 0.01 <= hi
        _, lo, hi = mean_interval(b - shared)
        single += lo <= 0.0 <= hi
    assert 0.93 <= paired / 2000 <= 0.97
    assert 0.93 <= single / 2000 <= 0.97


def test_known_effect_is_detected_with_the_right_sign_and_covered():
    rng = np.random.default_rng(2)
    helps = covered = 0
    for _ in range(SIMS):
        result = analyze_question(_search_table(rng, 0.03), "layers", baseline=1)
        (effect,) = result.effects
        assert effect.level == "2" and effect.reference == "1"
        helps += effect.verdict == "helps"
        covered += effect.ci_low <= 0.03 <= effect.ci_high
        assert effect.verdict != "hurts"
    assert helps / SIMS >= 0.95
    assert 0.92 <= covered / SIMS <= 0.98


def test_no_effect_gives_no_clear_effect_in_most_cases():
    rng = np.random.default_rng(3)
    verdicts = [analyze_question(_search_table(rng, 0.0), "layers").effects[0].verdict for _ in range(SIMS)]
    assert verdicts.count("no clear effect") / SIMS >= 0.92
    assert set(verdicts) <= {"no clear effect", "helps", "hurts"}


def test_minimize_flips_the_verdict_but_not_the_difference():
    table = _search_table(np.random.default_rng(4), 0.05)
    up = analyze_question(table, "layers", direction="maximize").effects[0]
    down = analyze_question(table, "layers", direction="minimize").effects[0]
    assert up.diff == pytest.approx(down.diff) and up.diff > 0
    assert (up.verdict, down.verdict) == ("helps", "hurts")


def test_paired_design_detects_a_small_effect_hidden_by_seed_noise():
    rng = np.random.default_rng(5)
    paired_helps = unpaired_helps = covered = 0
    for _ in range(SIMS):
        table = _paired_table(rng, 0.01)
        paired = analyze_question(table, "activation", baseline="relu", paired=True).effects[0]
        unpaired = analyze_question(table, "activation", baseline="relu").effects[0]
        paired_helps += paired.verdict == "helps"
        unpaired_helps += unpaired.verdict == "helps"
        covered += paired.ci_low <= 0.01 <= paired.ci_high
        assert paired.n == paired.n_ref == 6
    assert paired_helps / SIMS >= 0.9
    assert unpaired_helps / SIMS <= 0.3  # the seed-to-seed spread swamps it without pairing
    assert 0.92 <= covered / SIMS <= 0.98


def test_paired_no_effect_is_mostly_no_clear_effect():
    rng = np.random.default_rng(6)
    verdicts = [analyze_question(_paired_table(rng, 0.0), "activation", baseline="relu", paired=True)
                .effects[0].verdict for _ in range(SIMS)]
    assert verdicts.count("no clear effect") / SIMS >= 0.92


def test_levels_report_counts_sizes_and_intervals():
    table = _search_table(np.random.default_rng(7), 0.02, n=4, levels=(1, 2, 3))
    table = pd.concat([table, table.assign(seed=table["seed"] + 50)])  # a second seed per trial (repeats)
    result = analyze_question(table, "layers", baseline=1)
    assert [lv.level for lv in result.levels] == ["1", "2", "3"]
    first = result.levels[0]
    assert (first.n_trials, first.n_seeds, first.params_count) == (4, 8, 1000)
    assert first.ci_low < first.mean < first.ci_high
    assert [e.level for e in result.effects] == ["2", "3"]
    assert [e.level_params for e in result.effects] == [2000, 3000]
    assert all(e.reference_params == 1000 for e in result.effects)
    assert result.method.startswith("Welch")


def test_one_trial_per_level_is_not_enough_data_and_says_how_many_more():
    table = _search_table(np.random.default_rng(8), 0.02, n=1)
    (effect,) = analyze_question(table, "layers").effects
    assert effect.verdict == "not enough data"
    assert effect.ci_low is None and effect.more_needed >= 1


def test_no_clear_effect_estimates_seeds_that_would_settle_it():
    assert seeds_needed(0.01, 0.01, paired=True) == 7
    assert seeds_needed(0.01, 0.01, paired=False) > 7  # two independent means need more
    assert seeds_needed(0.0, 0.01, paired=True) is None
    table = _search_table(np.random.default_rng(9), 0.004, n=3)
    (effect,) = analyze_question(table, "layers").effects
    if effect.verdict == "no clear effect":
        assert effect.more_needed >= 1


def test_verdict_rules():
    assert verdict(0.02, 0.01, 0.03) == "helps"
    assert verdict(-0.02, -0.03, -0.01) == "hurts"
    assert verdict(-0.02, -0.03, -0.01, "minimize") == "helps"
    assert verdict(0.01, -0.01, 0.03) == "no clear effect"
    assert verdict(0.01, float("nan"), float("nan")) == "not enough data"
    assert verdict(0.02, 0.01, 0.03, n=1) == "not enough data"


def test_numeric_parameter_with_many_values_is_binned_and_baseline_picks_its_bin():
    rng = np.random.default_rng(10)
    lr = rng.uniform(0.0, 1.0, 80)
    table = pd.DataFrame({"trial": range(80), "seed": range(80), "value": 0.8 + 0.1 * lr + rng.normal(0, 0.01, 80),
                          "params_count": 100, "fit_seconds": 1.0, "params_lr": lr})
    result = analyze_question(table, "lr", baseline=0.9)
    assert result.binned and len(result.levels) == 4
    assert result.reference == result.levels[-1].level
    assert all(e.verdict == "hurts" for e in result.effects)


def test_size_driven_effect_does_not_survive_size_matching():
    """Accuracy grows with log(size) only; size varies inside levels too, so it can be separated."""
    rng = np.random.default_rng(11)
    survived = 0
    for _ in range(100):
        level = np.repeat([0, 1], 12)
        size = np.exp(rng.normal(8 + level, 0.4))
        value = 0.7 + 0.05 * np.log(size) + rng.normal(0, 0.01, 24)
        table = pd.DataFrame({"trial": range(24), "seed": range(24), "value": value, "params_count": size,
                              "fit_seconds": 1.0, "params_deep": level.astype(bool)})
        (effect,) = analyze_question(table, "deep").effects
        assert effect.verdict == "helps"
        survived += bool(effect.survives_size)
    assert survived <= 10


def test_real_effect_survives_size_matching():
    rng = np.random.default_rng(12)
    level = np.repeat([0, 1], 12)
    size = np.exp(rng.normal(8, 0.7, 24))
    value = 0.8 + 0.03 * level + 0.01 * np.log(size) + rng.normal(0, 0.005, 24)
    table = pd.DataFrame({"trial": range(24), "seed": range(24), "value": value, "params_count": size,
                          "fit_seconds": 1.0, "params_bn": np.where(level, "yes", "no")})
    (effect,) = analyze_question(table, "bn", baseline="no").effects
    assert effect.verdict == "helps" and effect.survives_size is True
    assert effect.adjusted_ci_low <= 0.03 <= effect.adjusted_ci_high


def test_size_fixed_by_the_level_cannot_be_separated():
    assert size_adjusted_interval([0.8, 0.81, 0.9, 0.91], [False, False, True, True], [10, 10, 20, 20]) is None
    table = _search_table(np.random.default_rng(13), 0.05)
    (effect,) = analyze_question(table, "layers").effects
    assert effect.survives_size is None and "cannot be told apart" in effect.size_note


def test_inactive_values_are_skipped_and_missing_baseline_is_noted():
    table = _search_table(np.random.default_rng(14), 0.02)
    table["params_units_1"] = np.where(table["params_layers"] == 2, 32.0, np.nan)
    result = analyze_question(table, "units_1")
    assert [lv.level for lv in result.levels] == ["32"] and result.effects == []
    other = analyze_question(table, "layers", baseline=5)
    assert other.reference == "1" and "baseline 5" in other.note
    assert analyze_question(table, "nope").note.startswith("no finished trial")


def test_to_dict_is_json_ready():
    import json

    result = analyze_question(_search_table(np.random.default_rng(15), 0.02, n=1), "layers")
    data = json.loads(json.dumps(result.to_dict(), allow_nan=False))
    assert data["effects"][0]["ci_low"] is None and data["levels"][0]["ci_low"] is None
