"""analyze_table on synthetic tables with a known truth: sign, coverage, verdicts, levels, size, edge cases.

The intent of the old analyze_question tests, on the one analysis path the report uses now.
"""

from __future__ import annotations

import gc
import json
import re

import numpy as np
import pandas as pd
import pytest

from archsearch.analysis import analyze_table, mean_interval, paired_interval, units_needed, verdict, welch_interval

SIMS = 40  # analyze_table costs ~0.1-0.3 s; the calibration suite measures the rates with more runs
gc.freeze()  # statsmodels' Holm runs gc.collect(); freezing the heap keeps each call cheap


def _search_table(
    rng: np.random.Generator, effect: float, n: int = 6, sd: float = 0.01, levels: tuple = (1, 2)
) -> pd.DataFrame:
    """Unpaired trials: level 1 has mean 0.90, level 2 has 0.90 + effect; the learning rate varies (no effect)."""
    rows = []
    for i, level in enumerate(np.repeat(levels, n)):
        mean = 0.90 + (effect if level != levels[0] else 0.0)
        rows.append(
            {
                "trial": i,
                "seed": i,
                "state": "COMPLETE",
                "value": rng.normal(mean, sd),
                "params_count": 1000 * level,
                "fit_seconds": 1.0,
                "params_layers": level,
                "params_lr": rng.uniform(1e-4, 1e-2),
            }
        )
    return pd.DataFrame(rows)


def _paired_table(
    rng: np.random.Generator, effect: float, seeds: int = 6, seed_sd: float = 0.02, noise: float = 0.003
) -> pd.DataFrame:
    """An ablation: each seed shifts both levels alike (a large shared seed effect), plus small noise."""
    rows, trial = [], 0
    for s in range(seeds):
        shared = rng.normal(0, seed_sd)
        for level in ("relu", "tanh"):
            value = 0.9 + shared + (effect if level == "tanh" else 0.0) + rng.normal(0, noise)
            rows.append(
                {
                    "trial": trial,
                    "seed": 100 + s,
                    "state": "COMPLETE",
                    "value": value,
                    "params_count": 5000,
                    "fit_seconds": 2.0,
                    "params_activation": level,
                }
            )
            trial += 1
    return pd.DataFrame(rows)


def _effect(report: dict, q: int = 0) -> dict:
    (effect,) = report["questions"][q]["effects"]
    return effect


def _ablation(table: pd.DataFrame, **kw) -> dict:
    return analyze_table(table, "ablation", questions=[{"param": "activation", "baseline": "relu"}], **kw)


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
        e = _effect(analyze_table(_search_table(rng, 0.03), questions=[{"param": "layers", "baseline": 1}]))
        assert e["level"] == "2" and e["reference"] == "1" and e["exploratory"] is True
        helps += e["verdict"] == "helps"
        covered += e["ci_low"] <= 0.03 <= e["ci_high"]
        assert e["verdict"] != "hurts"
    assert helps / SIMS >= 0.9
    assert 0.85 <= covered / SIMS <= 1.0


def test_no_effect_gives_no_clear_effect_in_most_cases():
    rng = np.random.default_rng(3)
    verdicts = [_effect(analyze_table(_search_table(rng, 0.0), questions=["layers"]))["verdict"] for _ in range(SIMS)]
    open_ = sum(v in ("not decided yet", "no effect") for v in verdicts)
    assert open_ / SIMS >= 0.85
    assert set(verdicts) <= {"not decided yet", "no effect", "helps", "hurts"}


def test_minimize_flips_the_verdict_but_not_the_difference():
    table = _search_table(np.random.default_rng(4), 0.05)
    up = _effect(analyze_table(table, questions=["layers"], direction="maximize"))
    down = _effect(analyze_table(table, questions=["layers"], direction="minimize"))
    assert up["diff"] == pytest.approx(down["diff"]) and up["diff"] > 0
    assert (up["verdict"], down["verdict"]) == ("helps", "hurts")


def test_paired_design_detects_a_small_effect_hidden_by_seed_noise():
    rng = np.random.default_rng(5)
    paired_helps = unpaired_helps = covered = 0
    for _ in range(SIMS):
        table = _paired_table(rng, 0.01)
        paired = _effect(_ablation(table))
        unpaired = _effect(analyze_table(table, questions=[{"param": "activation", "baseline": "relu"}]))
        paired_helps += paired["verdict"] == "helps"
        unpaired_helps += unpaired["verdict"] == "helps"
        covered += paired["ci_low"] <= 0.01 <= paired["ci_high"]
        assert paired["n"] == paired["n_ref"] == 6 and paired["exploratory"] is False
    assert paired_helps / SIMS >= 0.9
    assert unpaired_helps / SIMS <= 0.3  # the seed-to-seed spread swamps it without pairing
    assert 0.85 <= covered / SIMS <= 1.0


def test_paired_no_effect_is_mostly_no_clear_effect():
    rng = np.random.default_rng(6)
    verdicts = [_effect(_ablation(_paired_table(rng, 0.0)))["verdict"] for _ in range(SIMS)]
    assert sum(v in ("not decided yet", "no effect") for v in verdicts) / SIMS >= 0.85


def test_levels_report_counts_sizes_and_intervals():
    table = _search_table(np.random.default_rng(7), 0.02, n=4, levels=(1, 2, 3))
    table = pd.concat([table, table.assign(seed=table["seed"] + 50)])  # a second seed per trial (repeats)
    q = analyze_table(table, questions=[{"param": "layers", "baseline": 1}])["questions"][0]
    assert [lv["level"] for lv in q["levels"]] == ["1", "2", "3"]
    first = q["levels"][0]
    assert (first["n_trials"], first["n_seeds"], first["params_count"]) == (4, 8, 1000)
    assert (first["n_complete"], first["n_pruned"], first["n_failed"]) == (4, 0, 0)
    assert first["ci_low"] < first["mean"] < first["ci_high"]
    assert [e["level"] for e in q["effects"]] == ["2", "3"]
    assert [e["level_params"] for e in q["effects"]] == [2000, 3000]
    assert all(e["reference_params"] == 1000 for e in q["effects"])
    assert q["method"].startswith("OLS") and "lr" in " ".join(q["adjusted_for"])


def test_one_trial_per_level_is_too_few_trials():
    e = _effect(analyze_table(_search_table(np.random.default_rng(8), 0.02, n=1), questions=["layers"]))
    assert e["verdict"] == "too few trials" and e["trials_needed"] >= 4
    assert e["ci_low"] is None and "archsearch ask" in e["why"]


def test_no_clear_effect_says_how_many_seeds_give_80_percent_power():
    assert units_needed(0.01, 0.01, paired=True) < units_needed(0.01, 0.01, paired=False)
    e = _effect(_ablation(_paired_table(np.random.default_rng(9), 0.0, seeds=4), min_effect=0.005))
    assert e["verdict"] == "not decided yet" and e["min_effect"] == 0.005
    assert e["seeds_needed"] >= 4 and e["more_needed"] == e["seeds_needed"] - 4


def test_verdict_rules():
    assert verdict(0.02, 0.01, 0.03) == "helps"
    assert verdict(-0.02, -0.03, -0.01) == "hurts"
    assert verdict(-0.02, -0.03, -0.01, "minimize") == "helps"
    assert verdict(0.01, -0.01, 0.03) == "not decided yet"
    assert verdict(0.01, -0.01, 0.03, min_effect=0.02) == "not decided yet"
    assert verdict(0.0, -0.01, 0.015, min_effect=0.02) == "no effect"
    assert verdict(0.01, float("nan"), float("nan")) == "not decided yet"
    assert verdict(0.02, 0.01, 0.03, n=1) == "not decided yet"


def test_numeric_parameter_with_many_values_is_binned_and_baseline_picks_its_bin():
    rng = np.random.default_rng(10)
    lr = rng.uniform(0.0, 1.0, 80)
    table = pd.DataFrame(
        {
            "trial": range(80),
            "seed": range(80),
            "value": 0.8 + 0.1 * lr + rng.normal(0, 0.01, 80),
            "params_count": 100,
            "fit_seconds": 1.0,
            "params_lr": lr,
        }
    )
    q = analyze_table(table, questions=[{"param": "lr", "baseline": 0.9}])["questions"][0]
    assert q["binned"] and len(q["levels"]) == 4
    assert q["reference"] == q["levels"][-1]["level"]
    assert all(e["verdict"] == "hurts" for e in q["effects"])


def test_size_driven_effect_is_not_clear_at_equal_size():
    """Accuracy grows with log(size) only; size varies inside levels too, so it can be separated."""
    rng = np.random.default_rng(11)
    survived = 0
    for _ in range(20):
        level = np.repeat([0, 1], 12)
        size = np.exp(rng.normal(8 + level, 0.4))
        value = 0.7 + 0.05 * np.log(size) + rng.normal(0, 0.01, 24)
        table = pd.DataFrame(
            {
                "trial": range(24),
                "seed": range(24),
                "value": value,
                "params_count": size,
                "fit_seconds": 1.0,
                "params_deep": level.astype(bool),
            }
        )
        e = _effect(analyze_table(table))
        assert e["verdict"] == "helps"
        survived += bool(e["survives_size"])
    assert survived <= 2


def test_real_effect_holds_at_equal_size():
    rng = np.random.default_rng(12)
    level = np.repeat([0, 1], 12)
    size = np.exp(rng.normal(8, 0.7, 24))
    value = 0.8 + 0.03 * level + 0.01 * np.log(size) + rng.normal(0, 0.005, 24)
    table = pd.DataFrame(
        {
            "trial": range(24),
            "seed": range(24),
            "value": value,
            "params_count": size,
            "fit_seconds": 1.0,
            "params_bn": np.where(level, "yes", "no"),
        }
    )
    e = _effect(analyze_table(table, questions=[{"param": "bn", "baseline": "no"}]))
    assert e["verdict"] == "helps" and e["survives_size"] is True
    assert e["adjusted_ci_low"] <= 0.03 <= e["adjusted_ci_high"]


def test_size_fixed_by_the_level_cannot_be_told_apart():
    e = _effect(analyze_table(_search_table(np.random.default_rng(13), 0.05), questions=["layers"]))
    assert e["survives_size"] is None and e["size_note"].startswith("cannot tell apart")


def test_inactive_values_are_skipped_and_missing_baseline_is_noted():
    table = _search_table(np.random.default_rng(14), 0.02)
    table["params_units_1"] = np.where(table["params_layers"] == 2, 32.0, np.nan)
    q = analyze_table(table, questions=["units_1"])["questions"][0]
    assert [lv["level"] for lv in q["levels"]] == ["32"] and q["effects"] == []
    other = analyze_table(table, questions=[{"param": "layers", "baseline": 5}])["questions"][0]
    assert other["reference"] == "1" and "baseline 5" in other["note"]
    assert analyze_table(table, questions=["nope"])["questions"][0]["note"].startswith("no trial has a value")


def test_a_level_that_always_failed_says_so():
    table = _search_table(np.random.default_rng(16), 0.0, n=4)
    table.loc[table["params_layers"] == 2, ["state", "value"]] = ["FAIL", np.nan]
    table["error"] = np.where(table["state"] == "FAIL", "ValueError: shapes do not match", None)
    q = analyze_table(table, questions=["layers"])["questions"][0]
    (e,) = q["effects"]
    assert e["verdict"] == "too few trials" and e["n_failed"] == 4
    assert e["reason"].startswith("2: 4 trial(s), all failed: ValueError: shapes do not match")


def test_a_question_whose_every_trial_failed_before_declaring_it_says_they_failed():
    # Failed before its value was asked (an out-of-space base): "no trial has a value" read as if none declared it.
    table = pd.DataFrame(
        {"trial": [1, 0], "seed": [1, 0], "state": "FAIL", "value": np.nan, "params_count": np.nan}
        | {"fit_seconds": np.nan, "error": ["ValueError: second", "HyperParameterError: '32' not in (16, 64).\nmore"]}
    )
    (q,) = analyze_table(table, questions=["learning_rate"])["questions"]
    assert q["note"] == "every trial failed (2 trials); the first: HyperParameterError: '32' not in (16, 64)."
    assert q["effects"] == []


def test_result_is_json_ready():
    data = analyze_table(_search_table(np.random.default_rng(15), 0.02, n=1), questions=["layers"])
    data = json.loads(json.dumps(data, allow_nan=False))
    assert data["questions"][0]["effects"][0]["ci_low"] is None and data["questions"][0]["levels"][0]["ci_low"] is None


def test_a_search_whose_reference_has_one_trial_counts_the_other_hyperparameters_it_cannot_adjust_for():
    from archsearch.analysis import MIN_RESIDUAL_DF
    from archsearch.analysis._question import UNADJUSTED_METHOD

    rng = np.random.default_rng(1)
    configs = [(2, "relu", 0.01), (1, "tanh", 0.001), (2, "elu", 0.003), (2, "relu", 0.0002)]  # one trial at 1
    table = pd.DataFrame(
        [
            {"trial": t, "seed": t, "state": "COMPLETE", "value": 0.9 + rng.normal(0, 0.02), "params_count": 1000}
            | {"fit_seconds": 2.0, "params_layers": layers, "params_activation": act, "params_learning_rate": lr}
            for t, (layers, act, lr) in enumerate(configs)
        ]
    )
    q = analyze_table(table, "search", questions=[{"param": "layers", "baseline": 1}], objective="val_accuracy")[
        "questions"
    ][0]
    (e,) = q["effects"]
    # 2 levels + 2 other hyperparameters as columns, and as many residual degrees of freedom (at least 5):
    cols = 2 + 2
    assert e["verdict"] == "too few trials" and e["trials_needed"] == cols + max(MIN_RESIDUAL_DF, cols)
    assert e["why"].startswith("4 trials for 3 hyperparameters cannot separate this effect")
    assert q["method"] == UNADJUSTED_METHOD  # not "no other hyperparameter to adjust for"


def test_a_trial_stopped_by_a_signal_is_no_failure_of_its_level():
    rng = np.random.default_rng(4)
    rows = [
        {"trial": t, "seed": 1000 + t % 4, "state": "COMPLETE", "value": 0.9 + 0.02 * (t >= 4) + rng.normal(0, 0.002)}
        | {"params_layers": 1 + (t >= 4), "stopped": None}
        for t in range(8)
    ]
    stopped = {"trial": 8, "seed": 1004, "state": "FAIL", "value": None, "params_layers": 2}
    failed = {"trial": 9, "seed": 1005, "state": "FAIL", "value": None, "params_layers": 2, "stopped": None}
    table = pd.DataFrame([*rows, stopped | {"stopped": "terminated by signal 15"}, failed])
    report = analyze_table(table, "search", questions=[{"param": "layers", "baseline": 1}])
    level = next(lv for lv in report["questions"][0]["levels"] if lv["level"] == "2")
    assert (level["n_trials"], level["n_complete"], level["n_failed"]) == (5, 4, 1)  # the builder's failure counts
    assert any(n.startswith("1 trial(s) stopped by a signal or a deadline are left out") for n in report["notes"])


def test_best_trials_keep_an_integer_hyperparameter_some_trials_never_set_an_integer():
    # units_2 exists only in 3-layer nets: its column has NaN, so pandas made it float and the summary said 112.0
    from archsearch.analysis import best_trials

    t = pd.DataFrame(
        {
            "trial": [0, 1, 2],
            "seed": [0, 1, 2],
            "state": "COMPLETE",
            "value": [0.8, 0.9, 0.7],
            "params_units_2": [112.0, None, 96.0],
            "params_dropout": [0.0, 0.5, None],
        }
    )
    rows = json.loads(best_trials(t).to_json(orient="records"))
    assert [r["params_units_2"] for r in rows] == [None, 112, 96]
    assert [type(r["params_units_2"]) for r in rows[1:]] == [int, int]  # not 112.0
    assert [r["params_dropout"] for r in rows] == [0.5, 0.0, None]  # a float one stays a float


def test_a_float_question_has_bins_inside_its_values_and_offers_an_ask_that_runs():
    """D13: bins of a learning rate sampled in [1e-3, 1e-2] start at its smallest value (pandas' labels started
    0.001 below it: 1e-05); the offered ask names two levels of the float (`ask` needs --levels for a float),
    and where the search is not the study named after the space (which --base best reads) it says what to run."""
    rng = np.random.default_rng(3)
    lr = np.exp(rng.uniform(np.log(1e-3), np.log(1e-2), 9))
    table = pd.DataFrame(
        {
            "trial": range(9),
            "seed": range(9),
            "value": 0.9 + rng.normal(0, 0.01, 9),
            "params_count": 100 * rng.integers(1, 4, 9),
            "fit_seconds": 1.0,
            "params_learning_rate": lr,
            "params_units": rng.choice([16, 64, 256], 9),
        }
    )
    for study in (None, "dw_lrq", "digits_width"):
        data = analyze_table(
            table, questions=["learning_rate"], objective="val_accuracy", space="my/dw_lrq.py", study=study
        )
        q = data["questions"][0]
        assert q["binned"]
        edges = [float(x) for lv in q["levels"] for x in lv["level"].strip("[]").split(", ")]
        assert min(edges) == float(f"{lr.min():.4g}") and max(edges) == float(f"{lr.max():.4g}")
        for e in q["effects"]:
            levels = re.search(r"--levels (\S+),(\S+) --repeats 3 --base (\S+)", e["ask_command"])
            assert levels, e["ask_command"]
            assert all(lr.min() <= float(v) <= lr.max() for v in levels.groups()[:2])
            if study == "digits_width":
                assert levels.group(3) == "PARAMS.json"
                assert "with the best hyperparameters of study 'digits_width' in PARAMS.json" in e["why"]
            else:
                assert levels.group(3) == "best" and "PARAMS.json" not in e["why"]
    ints = analyze_table(table, questions=["units"], objective="val_accuracy", space="s.py")
    assert all("--levels" not in e["ask_command"] for e in ints["questions"][0]["effects"])  # a grid of its own
