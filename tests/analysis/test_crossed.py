"""Evaluation noise: packed per-example correctness and the seeds x examples interval (seeded, no Keras)."""

from __future__ import annotations

import gc
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from archsearch.analysis import (
    EXAMPLES_METHOD,
    SEEDS_ONLY_METHOD,
    analyze_table,
    crossed_test,
    pack_correct,
    paired_test,
    unpack_correct,
    variance_components,
    verdict_text,
)

sys.path.insert(0, str(Path(__file__).parent))
from sims import EXAMPLE_CASES, correctness_ablation, correctness_pair  # noqa: E402

gc.freeze()  # statsmodels' Holm runs gc.collect(); freezing the heap keeps each analyze_table call cheap


@pytest.mark.parametrize("n", [0, 1, 7, 8, 9, 144, 1001])
def test_packed_bits_round_trip(n):
    bits = np.random.default_rng(n).random(n) < 0.5
    text = pack_correct(bits)
    assert len(text) == 4 * (((n + 7) // 8 + 2) // 3)  # base64 of ceil(n / 8) bytes
    np.testing.assert_array_equal(unpack_correct(text, n), bits)


def test_unpacking_bad_text_or_a_wrong_count_is_an_error():
    with pytest.raises(ValueError, match="base64"):
        unpack_correct("not base64!", 8)
    with pytest.raises(ValueError, match="n=20"):
        unpack_correct(pack_correct([True] * 8), 20)
    with pytest.raises(ValueError, match="n=2"):
        unpack_correct(pack_correct([True] * 16), 2)


def test_mean_squares_match_statsmodels_two_way_anova():
    import statsmodels.formula.api as smf
    from statsmodels.stats.anova import anova_lm

    rng = np.random.default_rng(0)
    d = (rng.random((4, 25)) < 0.1).astype(float) - (rng.random((4, 25)) < 0.1) + rng.normal(0, 0.3, (4, 1))
    long = pd.DataFrame({"d": d.ravel(), "seed": np.repeat(np.arange(4), 25), "example": np.tile(np.arange(25), 4)})
    table = anova_lm(smf.ols("d ~ C(seed) + C(example)", long).fit())
    v = variance_components(d)
    assert v["ms_seed"] == pytest.approx(table.loc["C(seed)", "mean_sq"])
    assert v["ms_example"] == pytest.approx(table.loc["C(example)", "mean_sq"])
    assert v["ms_cell"] == pytest.approx(table.loc["Residual", "mean_sq"])


def test_one_seed_gives_no_interval_and_identical_models_no_difference():
    a = np.random.default_rng(1).random((1, 50)) < 0.9
    c = crossed_test(a, a)
    assert c.diff == 0 and np.isnan(c.se)
    b = np.random.default_rng(2).random((3, 50)) < 0.9
    same = crossed_test(b, b)
    assert same.diff == 0 and same.se == 0 and same.p == 1.0
    with pytest.raises(ValueError, match="one shape"):
        crossed_test(b, b[:, :10])


@pytest.mark.parametrize("seeds", [3, 5, 10])
def test_interval_covers_the_population_difference_93_to_97_percent(seeds):
    rng = np.random.default_rng(seeds)
    hits, seed_hits, disagree, total = 0, 0, [], 0
    for case in EXAMPLE_CASES:
        for k in range(400):
            a, b, truth = correctness_pair(rng, seeds, 360, shift=0.25 * (k % 2), case=case)
            disagree.append(float((a != b).mean()))
            lo, hi = crossed_test(a, b).interval()
            hits += lo <= truth <= hi
            lo, hi = paired_test(a.mean(axis=1), b.mean(axis=1)).interval()
            seed_hits += lo <= truth <= hi
            total += 1
    assert 0.03 <= np.mean(disagree) <= 0.06
    assert 0.93 <= hits / total <= 0.97
    assert seed_hits / total < hits / total - 0.05  # seeds alone miss the example noise


def test_ablation_effects_use_the_test_split_with_the_combined_interval():
    table, _ = correctness_ablation(np.random.default_rng(5), 5, 360, shift=0.3)
    question = analyze_table(table, design="ablation", questions=[{"param": "model", "baseline": "old"}])["questions"][
        0
    ]
    effect = question["effects"][0]
    a = np.stack([unpack_correct(p, 360) for p in table.loc[table["params_model"] == "new", "correct_test"]])
    b = np.stack([unpack_correct(p, 360) for p in table.loc[table["params_model"] == "old", "correct_test"]])
    c = crossed_test(a, b)
    assert (effect["split"], effect["method"], effect["n_test"]) == ("test", EXAMPLES_METHOD, 360)
    assert effect["diff"] == pytest.approx(a.mean() - b.mean())
    assert {lv["level"]: lv["test_mean"] for lv in question["levels"]} == pytest.approx(
        {"new": a.mean(), "old": b.mean()}
    )
    assert question["split"] == "test"
    assert (effect["ci_low"], effect["ci_high"]) == pytest.approx(c.interval())
    vals = table.groupby("params_model")["value"].apply(list)
    assert effect["validation_diff"] == pytest.approx(np.mean(vals["new"]) - np.mean(vals["old"]))


def test_without_per_example_columns_or_with_another_objective_effects_stay_on_validation():
    table, _ = correctness_ablation(np.random.default_rng(6), 4, 200)
    q = [{"param": "model", "baseline": "old"}]
    plain = analyze_table(table.drop(columns=["correct_test", "n_test"]), design="ablation", questions=q)
    e = plain["questions"][0]["effects"][0]
    assert (e["split"], e["method"]) == ("validation", SEEDS_ONLY_METHOD) and "correct_test" in e["split_note"]
    assert plain["questions"][0]["split"] == "validation"
    loss = analyze_table(table.assign(value=table["value"] + 0.2), design="ablation", questions=q)
    assert "not validation accuracy" in loss["questions"][0]["effects"][0]["split_note"]
    assert (
        analyze_table(table, design="ablation", questions=q, direction="minimize")["questions"][0]["effects"][0][
            "split"
        ]
        == "validation"
    )
    missing = table.copy()
    missing.loc[0, "correct_test"] = None
    assert (
        "some seeds"
        in analyze_table(missing, design="ablation", questions=q)["questions"][0]["effects"][0]["split_note"]
    )
    search = analyze_table(table, design="search", questions=["model"])["questions"][0]["effects"][0]
    assert search["split"] == "validation"


def _sequential_plan(table: pd.DataFrame, repeats: int, max_seeds: int) -> dict:
    return {
        "factor": "model",
        "levels": ["old", "new"],
        "baseline": "old",
        "seeds": sorted(set(table["seed"])),
        "sequential": {"repeats": repeats, "max_seeds": max_seeds},
    }


def test_sequential_looks_judge_the_test_split_over_seeds_and_examples():
    table, _ = correctness_ablation(np.random.default_rng(9), 4, 300, shift=0.3)
    q = analyze_table(table, design="ablation", plan=_sequential_plan(table, 2, 4))["questions"][0]
    e = q["effects"][0]
    assert (q["split"], e["split"], e["method"], e["n_test"]) == ("test", "test", EXAMPLES_METHOD, 300)
    assert "split_note" not in e
    rows = {lv: table[table["params_model"] == lv].sort_values("seed") for lv in ("new", "old")}
    a, b = (
        {s: unpack_correct(p, 300) for s, p in zip(rows[lv]["seed"], rows[lv]["correct_test"], strict=True)}
        for lv in ("new", "old")
    )
    seeds = sorted(a)
    final = crossed_test(np.stack([a[s] for s in seeds]), np.stack([b[s] for s in seeds]))
    # The final look (all 4 seeds) gives the diff and the repeated-confidence interval at that look's level.
    assert e["final_look"] == 2 and e["diff"] == pytest.approx(final.diff)
    alpha_1, alpha_2 = (look["alpha"] for look in q["sequential"]["looks"])
    assert (e["ci_low"], e["ci_high"]) == pytest.approx(final.interval(alpha_2))
    assert e["ci_high"] - e["ci_low"] > final.interval(0.05)[1] - final.interval(0.05)[0]
    # Each look judged its first n seeds: look 1 is the crossed test on seeds[:2] at look 1's level.
    first = crossed_test(np.stack([a[s] for s in seeds[:2]]), np.stack([b[s] for s in seeds[:2]]))
    look = 1 if first.p < alpha_1 else 2 if final.p < alpha_2 else None
    assert (e["verdict"], e["look"]) == (("helps", look) if look else ("not decided yet", 2))
    if look == 1:
        assert e["p_adjusted"] == pytest.approx(first.p)
    val = table.groupby("params_model")["value"].apply(list)
    assert e["validation_diff"] == pytest.approx(np.mean(val["new"]) - np.mean(val["old"]))


def test_sequential_looks_stay_on_validation_when_the_test_correctness_is_missing_and_say_why():
    table, _ = correctness_ablation(np.random.default_rng(10), 4, 200)
    plain = table.drop(columns=["correct_test", "n_test"])
    q = analyze_table(plain, design="ablation", plan=_sequential_plan(table, 2, 4))["questions"][0]
    e = q["effects"][0]
    assert (q["split"], e["split"], e["method"]) == ("validation", "validation", SEEDS_ONLY_METHOD)
    assert "correct_test" in e["split_note"]
    vals = {lv: plain[plain["params_model"] == lv].sort_values("seed")["value"].to_numpy() for lv in ("new", "old")}
    assert e["diff"] == pytest.approx(paired_test(vals["new"], vals["old"]).diff)


def test_through_analyze_table_coverage_holds_where_seeds_alone_fail():
    rng = np.random.default_rng(7)
    q = [{"param": "model", "baseline": "old"}]
    hits = seed_hits = 0
    n = 100
    for k in range(n):
        table, truth = correctness_ablation(rng, 10, 360, shift=0.25 * (k % 2))
        e = analyze_table(table, design="ablation", questions=q)["questions"][0]["effects"][0]
        hits += e["ci_low"] <= truth <= e["ci_high"]
        test_acc = [unpack_correct(p, 360).mean() for p in table["correct_test"]]
        e0 = analyze_table(
            table.assign(value=test_acc).drop(columns=["correct_val", "correct_test"]), design="ablation", questions=q
        )["questions"][0]["effects"][0]
        seed_hits += e0["ci_low"] <= truth <= e0["ci_high"]
    assert hits / n >= 0.9
    assert seed_hits / n <= 0.6


def test_seeds_needed_accounts_for_the_fixed_test_split():
    table, _ = correctness_ablation(np.random.default_rng(8), 3, 144, shift=0.0)
    e = analyze_table(
        table,
        design="ablation",
        questions=[{"param": "model", "baseline": "old"}],
        min_effect=0.001,
        objective="val_accuracy",
    )["questions"][0]["effects"][0]
    assert e["split"] == "test" and e["seeds_needed"] is None and "larger test split" in e["power_note"]
    # In the objective's unit, as the rest of the verdict; a clause of the verdict's line, not a sentence in it.
    assert "to detect 0.1 pts at 80% power" in e["power_note"]
    text = verdict_text(e, "val_accuracy")
    assert "a larger test split can; confirmatory (ask)" in text and ".;" not in text


def test_a_sequential_plan_that_no_seeds_can_power_points_to_the_fixed_design_that_can():
    """The final look of --until-decided spends only part of alpha: where that rules out every --max-seeds but a
    fixed design has the power, the note says so, with the fixed design's seeds."""
    rng = np.random.default_rng(12)
    for _ in range(40):
        pilot, _ = correctness_ablation(rng, 3, 360, 0.0, "example-heavy")
        fixed_plan = {
            "factor": "model",
            "levels": ["old", "new"],
            "baseline": "old",
            "seeds": sorted(set(pilot["seed"])),
        }
        fixed = analyze_table(pilot, design="ablation", plan=fixed_plan, min_effect=0.03)["questions"][0]["effects"][0]
        seq = analyze_table(pilot, design="ablation", plan=_sequential_plan(pilot, 3, 10), min_effect=0.03)[
            "questions"
        ][0]["effects"][0]
        if fixed["seeds_needed"] is not None and seq["seeds_needed"] is None:
            break
    else:
        pytest.fail("no pilot in 40 where only the fixed design has the power")
    assert f"a fixed design with {fixed['seeds_needed']} seeds per level" in seq["power_note"]
    assert "--until-decided" in seq["power_note"] and "power_note" not in fixed


def test_sequential_looks_stay_on_one_split_when_a_level_has_no_test_seeds_in_common_with_the_reference():
    table, _ = correctness_ablation(np.random.default_rng(11), 4, 200)
    other = table[table["params_model"] == "new"].assign(
        params_model="third", seed=lambda t: t["seed"] + 100, trial=lambda t: t["trial"] + 1000
    )
    both = pd.concat([table, other], ignore_index=True)
    plan = {
        "factor": "model",
        "levels": ["old", "new", "third"],
        "baseline": "old",
        "sequential": {"repeats": 2, "max_seeds": 4},
    }
    q = analyze_table(both, design="ablation", plan=plan)["questions"][0]
    assert q["split"] == "validation"
    for e in q["effects"]:
        assert (e["split"], e["method"]) == ("validation", SEEDS_ONLY_METHOD) and "n_test" not in e
    assert "one split" in {e["level"]: e for e in q["effects"]}["new"]["split_note"]


def test_two_seeds_on_the_test_split_keep_coverage_and_the_false_decision_rate():
    """The smallest ask (2 seeds per level): the crossed seeds x examples interval, whose seed variance a
    2-seed estimate may put at 0, still covers the truth and decides a null rarely (200 tables per case)."""
    for case in ("balanced", "seed-heavy"):
        rng = np.random.default_rng(21)
        covered = decided = 0
        for _ in range(200):
            table, truth = correctness_ablation(rng, 2, 360, shift=0.0, case=case)
            q = [{"param": "model", "baseline": "old"}]
            e = analyze_table(table, design="ablation", questions=q)["questions"][0]["effects"][0]
            assert e["split"] == "test" and e["n"] == 2
            covered += e["ci_low"] <= truth <= e["ci_high"]
            decided += e["verdict"] in ("helps", "hurts")
        print(f"2 seeds, {case}: coverage {covered / 200:.3f}, decided under no effect {decided / 200:.3f}")
        assert covered / 200 >= 0.9 and decided / 200 <= 0.1  # measured: docs/statistics.md
