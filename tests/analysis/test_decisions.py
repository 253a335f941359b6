"""The decision words (issue 30): did not learn, too few trials, no effect (equivalence), not decided yet.

Seeded simulations with a known truth, in the style of test_calibration.py, kept small (vectorised where
the rule allows it): the at-chance rule hides no real effect between two levels that learned, the
sequential design's "no effect" stop is calibrated, and a search with too few trials says so instead of
printing an interval that leaves the metric's range.
"""

from __future__ import annotations

import gc
import re
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from archsearch.analysis import (
    CHANCE_MARGIN,
    DECISIONS,
    LookSchedule,
    analyze_table,
    at_chance,
    sequential_decision,
    verdict_text,
)

sys.path.insert(0, str(Path(__file__).parent))
from sims import ablation_table  # noqa: E402

gc.freeze()  # statsmodels' Holm runs gc.collect(); freezing the heap keeps each call cheap
CHANCE = 0.1  # ten classes


def _ask(table: pd.DataFrame, **kw) -> dict:
    return analyze_table(
        table, "ablation", questions=[{"param": "activation", "baseline": "relu"}], objective="val_accuracy", **kw
    )


def _with_epochs(table: pd.DataFrame, epochs: int = 5) -> pd.DataFrame:
    return table.assign(epoch_values=[[v] * epochs for v in table["value"]])


def test_at_chance_rule_hides_no_real_effect_between_two_levels_that_learned():
    """Power of the paired t at a true +1 to +3 points, with and without the at-chance rule (20,000 ablations).

    Both levels learned (true accuracy 5 to 85 points above chance, 5 seeds, seed sd 0.02, noise 0.005): the rule
    must not turn a "helps" into "did not learn" (power unchanged within 0.02). Vectorised: the paired t of
    each simulated ablation with numpy, the rule through its own function (`at_chance`).
    """
    rng = np.random.default_rng(30)
    sims, seeds = 20_000, 5
    base = CHANCE + rng.uniform(0.05, 0.85, sims)[:, None]
    effect = rng.uniform(0.01, 0.03, sims)[:, None]
    shared = rng.normal(0, 0.02, (sims, seeds))
    ref = base + shared + rng.normal(0, 0.005, (sims, seeds))
    new = base + effect + shared + rng.normal(0, 0.005, (sims, seeds))
    d = new - ref
    t = d.mean(1) / (d.std(1, ddof=1) / np.sqrt(seeds))
    helps = t > stats.t.ppf(0.975, seeds - 1)
    hidden = at_chance(ref.mean(1), CHANCE)  # the reference at chance (every level at chance implies it)
    power, power_rule = helps.mean(), (helps & ~hidden).mean()
    assert power > 0.5 and power - power_rule <= 0.02


def test_at_chance_rule_through_analyze_table_changes_no_verdict_of_levels_that_learned():
    rng = np.random.default_rng(31)
    for _ in range(6):
        base = rng.uniform(0.05, 0.85) - 0.9 + CHANCE
        table = ablation_table(rng, {"relu": 0.0, "tanh": 0.02}, 5)
        table["value"] += base
        with_rule, without = (_ask(table, chance=c)["questions"][0] for c in (CHANCE, None))
        assert with_rule["effects"][0]["verdict"] == without["effects"][0]["verdict"] != "did not learn"
        assert [lv["at_chance"] for lv in with_rule["levels"]] == [False, False]


def test_two_levels_at_chance_give_did_not_learn_not_a_verdict():
    rng = np.random.default_rng(32)
    table = ablation_table(rng, {"relu": 0.0, "tanh": 0.01}, 5, seed_sd=0.004, noise=0.004)
    table["value"] += CHANCE - 0.9  # both stuck near 10%: a difference between them is noise of untrained nets
    q = _ask(_with_epochs(table), chance=CHANCE)["questions"][0]
    (e,) = q["effects"]
    assert e["verdict"] == "did not learn" and [lv["at_chance"] for lv in q["levels"]] == [True, True]
    text = verdict_text(e, "val_accuracy")
    assert text.startswith(
        "did not learn: both levels at chance (10%) after 5 epochs; train longer (`--epochs`) "
        "or check the learning rate"
    )
    assert "[" not in text and "5 seeds per level" in text
    assert verdict_text(e, "val_accuracy", short=True).startswith("did not learn (both levels at chance (10%)")


def test_a_level_at_chance_against_a_reference_that_learned_keeps_its_verdict_and_is_flagged():
    rng = np.random.default_rng(33)
    table = ablation_table(rng, {"relu": 0.0, "tanh": CHANCE - 0.9}, 5)
    (e,) = _ask(table, chance=CHANCE)["questions"][0]["effects"]
    assert e["verdict"] == "hurts" and e["level_at_chance"] is True
    assert "tanh stayed at chance" in verdict_text(e, "val_accuracy")


def test_identical_results_on_every_seed_say_why():
    rng = np.random.default_rng(34)
    table = ablation_table(rng, {"relu": 0.0, "tanh": 0.0}, 5, noise=0.0)
    (e,) = _ask(table, chance=CHANCE)["questions"][0]["effects"]
    assert e["verdict"] == "no effect" and "every seed gave the same result at both levels" in e["why"]
    assert "no clear effect" not in verdict_text(e, "val_accuracy")


def test_equal_accuracies_with_other_examples_right_are_not_identical_and_zero_spread_is_no_interval():
    # 40 epochs on digits: relu and elu both got 139 of 144 validation examples right, not the same ones, and the
    # same test examples right for both seeds: "changed nothing" was false, and [0.0, 0.0] from 2 seeds a claim.
    from archsearch.analysis import pack_correct

    rng = np.random.default_rng(35)
    test = rng.random(359) < 0.97
    rows = []
    for level in ("relu", "elu"):
        for s in (1000, 1001):
            val = np.ones(144, bool)
            val[[3, 7, 11, 20, 40] if level == "relu" else [5, 9, 13, 21, 42]] = False
            rows.append(
                {
                    "trial": len(rows),
                    "seed": s,
                    "state": "COMPLETE",
                    "params_activation": level,
                    "value": float(val.mean()),
                    "correct_val": pack_correct(val),
                    "n_val": 144,
                    "correct_test": pack_correct(test),
                    "n_test": 359,
                }
            )
    (e,) = _ask(pd.DataFrame(rows))["questions"][0]["effects"]
    assert e["split"] == "test" and e["ci_low"] == e["ci_high"] == 0.0  # every paired test difference is 0
    assert e["verdict"] == "not decided yet" and "their spread, 0, says nothing of other seeds" in e["why"]
    text = verdict_text(e, "val_accuracy")
    assert "[" not in text and "changed nothing" not in text and "--repeats 5" in text


def _sequential_runs(rng: np.random.Generator, truth: float, runs: int, min_effect: float) -> list[str]:
    """`ask --until-decided --repeats 1 --max-seeds 10 --min-effect X` on paired seeds; the decision of each run.

    A decision at a look stays, so one call with all 10 seeds replays the 10 looks the loop makes.
    """
    plan = LookSchedule(repeats=1, max_seeds=10, min_effect=min_effect)
    shared = rng.normal(0, 0.02, (runs, 10))
    ref, alt = 0.9 + shared + rng.normal(0, 0.004, (runs, 10)), 0.9 + truth + shared + rng.normal(0, 0.004, (runs, 10))
    out = []
    for a, b in zip(ref, alt, strict=True):
        res = sequential_decision({"a": pd.Series(a), "b": pd.Series(b)}, "a", plan)
        out.append(res["effects"]["b"]["verdict"])
    return out


def test_sequential_no_effect_stop_is_calibrated_at_the_minimum_effect():
    """True effect = min effect (2 points): a false "no effect" at most alpha (0.05) over all 10 looks (160 runs).

    Under no effect the same design says "no effect" most of the time, and "helps"/"hurts" at most 6%.
    """
    rng = np.random.default_rng(35)
    at_margin = _sequential_runs(rng, 0.02, 120, 0.02) + _sequential_runs(rng, -0.02, 40, 0.02)
    false_no_effect = at_margin.count("no effect") / len(at_margin)
    assert false_no_effect <= 0.05
    null = _sequential_runs(rng, 0.0, 80, 0.02)
    assert null.count("no effect") / len(null) >= 0.6
    assert (null.count("helps") + null.count("hurts")) / len(null) <= 0.06


def _search(rng: np.random.Generator, n: int, others: int) -> pd.DataFrame:
    """A search of ``n`` trials: layers 1 or 2 (+2 points) and ``others`` hyperparameters without effect."""
    layers = rng.integers(1, 3, n)
    data = {f"params_h{j}": rng.uniform(0, 1, n) for j in range(others)}
    return pd.DataFrame(
        {
            "trial": range(n),
            "seed": range(n),
            "state": "COMPLETE",
            "params_layers": layers,
            "value": 0.85 + 0.02 * (layers == 2) + rng.normal(0, 0.05, n),
            **data,
        }
    )


_INTERVAL = re.compile(r"\[(-?[\d.]+), (-?[\d.]+)\]")


def test_a_search_with_too_few_trials_says_so_and_prints_no_interval_beyond_the_range():
    rng = np.random.default_rng(36)
    for _ in range(6):
        data = analyze_table(_search(rng, 10, 8), questions=["layers"], objective="val_accuracy", space="s.py")
        (e,) = data["questions"][0]["effects"]
        text = verdict_text(e, "val_accuracy")
        assert e["verdict"] == "too few trials" and e["trials_needed"] > 10
        assert text.startswith(
            "too few trials: 10 trials for 9 hyperparameters cannot separate this effect; "
            f"about {e['trials_needed']} trials would"
        )
        assert "`archsearch ask s.py --factor layers --repeats 3 --base best`" in text and not _INTERVAL.search(text)
    for _ in range(4):  # enough trials for two hyperparameters: a real answer, every interval inside [-100, 100]
        (e,) = analyze_table(_search(rng, 60, 1), questions=["layers"], objective="val_accuracy")["questions"][0][
            "effects"
        ]
        assert e["verdict"] in ("helps", "not decided yet", "no effect")
        lo, hi = map(float, _INTERVAL.search(verdict_text(e, "val_accuracy")).groups())
        assert -100 <= lo <= hi <= 100


@pytest.mark.parametrize("word", DECISIONS)
def test_every_decision_is_said_with_its_split_and_seeds(word):
    e = {
        "verdict": word,
        "diff": -0.006,
        "ci_low": -0.016,
        "ci_high": 0.003,
        "n": 5,
        "n_ref": 5,
        "split": "test",
        "exploratory": False,
        "min_effect": 0.02,
        "seeds_needed": 9,
        "more_needed": 4,
        "why": "both levels at chance (10%) after 5 epochs" if word == "did not learn" else "",
    }
    text = verdict_text(e, "val_accuracy")
    assert text.startswith(word if word != "no effect" else "no effect of 2 pts or more: -0.6 pts [-1.6, 0.3]")
    assert "on the test split, 5 seeds per level" in text
    assert sum(w in text for w in ("no clear effect", "undecided")) == 0
    assert verdict_text(e, "val_accuracy", short=True).startswith(word if word != "no effect" else "no effect of 2")
    if word == "not decided yet":
        assert "about 4 more seeds per level (9 in all) would detect 2 pts at 80% power" in text


def test_advice_beyond_the_cap_says_out_of_reach():
    e = {
        "verdict": "not decided yet",
        "diff": 0.001,
        "ci_low": -0.02,
        "ci_high": 0.022,
        "n": 3,
        "n_ref": 3,
        "split": "test",
        "exploratory": False,
        "min_effect": 0.01,
        "seeds_needed": 3277,
        "more_needed": 3274,
    }
    text = verdict_text(e, "val_accuracy")
    assert "3274 more" not in text and "out of reach" in text and "--min-effect" in text


def test_at_chance_on_few_examples_widens_to_what_chance_reaches_there():
    """Known truth, 20,000 simulated levels of 2 seeds, each seed's accuracy Binomial(n, p) / n (seed 41).

    Untrained (p = chance) on digits' 144 validation examples: the old 2-point margin called 13% of them learned
    (a 2-seed ask of nets stuck at 10% printed "not decided yet: -2.2 pts [-30.5, 26.1]"); the wider margin
    calls 99.9% of them at chance. A level 10 points above chance is at chance 3.3% of the time on 144 examples
    and never on 1,000.
    """
    rng = np.random.default_rng(41)
    sims, k = 20_000, 2

    def rate(n: int, p: float, rule_n: int | None) -> float:
        acc = rng.binomial(n, p, (sims, k)) / n
        return float(at_chance(acc.mean(1), CHANCE, rule_n).mean())

    assert rate(144, CHANCE, None) < 0.9  # the old rule, on few examples
    assert rate(144, CHANCE, 144) >= 0.99
    assert rate(144, CHANCE + 0.10, 144) <= 0.05
    assert rate(1000, CHANCE, 1000) >= 0.99
    assert rate(1000, CHANCE + 0.10, 1000) == 0.0


def test_levels_at_chance_on_a_small_validation_split_did_not_learn():
    # The helper's case: SGD(1e-9), 2 seeds, validation accuracy 0.14 and 0.12 on 144 examples
    table = pd.DataFrame(
        {
            "trial": range(4),
            "seed": [1000, 1001] * 2,
            "state": "COMPLETE",
            "params_activation": ["relu", "relu", "tanh", "tanh"],
            "value": [0.1528, 0.1319, 0.0903, 0.1528],
            "n_val": 144,
        }
    )
    (e,) = _ask(table, chance=CHANCE)["questions"][0]["effects"]
    assert e["verdict"] == "did not learn", e
    (e,) = _ask(table.drop(columns="n_val"), chance=CHANCE)["questions"][0]["effects"]
    assert e["verdict"] != "did not learn"  # 0.142 is more than 2 points above chance: without n, not at chance


def test_chance_margin_is_two_points():
    assert CHANCE_MARGIN == 0.02 and at_chance(CHANCE + 0.02, CHANCE) and not at_chance(CHANCE + 0.021, CHANCE)


def test_trials_of_different_budgets_are_never_pooled():
    """Hyperband-like: 1-epoch trials (mostly tanh, poor) and 3-epoch trials (both levels alike)."""
    rng = np.random.default_rng(37)
    low = pd.DataFrame({"params_act": ["tanh"] * 8 + ["relu"] * 2, "budget": 1, "value": rng.normal(0.3, 0.05, 10)})
    high = pd.DataFrame({"params_act": ["tanh", "relu"] * 8, "budget": 3, "value": rng.normal(0.9, 0.01, 16)})
    table = pd.concat([low, high], ignore_index=True).assign(
        trial=lambda t: t.index, seed=lambda t: t.index, state="COMPLETE"
    )
    data = analyze_table(table, questions=[{"param": "act", "baseline": "relu"}], objective="val_accuracy")
    (q,) = data["questions"]
    assert data["counts"]["other_budget"] == 10 and sum(lv["n_trials"] for lv in q["levels"]) == 16
    assert any(
        n.startswith("10 trial(s) trained for fewer epochs (1) than the largest budget (3) are left out")
        for n in data["notes"]
    )
    assert q["effects"][0]["verdict"] in ("not decided yet", "no effect")  # pooled, tanh would "hurt" by ~20 pts


def test_until_decided_with_min_effect_stops_with_no_effect_and_says_so():
    from archsearch.ablation._decide import look_record, stop_message

    rng = np.random.default_rng(38)
    table = ablation_table(rng, {"relu": 0.0, "tanh": 0.0}, 6, noise=0.002)
    plan = {
        "factor": "activation",
        "levels": ["relu", "tanh"],
        "baseline": "relu",
        "min_effect": 0.02,
        "sequential": {"repeats": 3, "max_seeds": 12},
    }
    data = analyze_table(table, "ablation", plan=plan, objective="val_accuracy", min_effect=0.02)
    (q,) = data["questions"]
    (e,) = q["effects"]
    assert q["sequential"]["status"] == "decided" and e["verdict"] == "no effect" and e["equivalence_margin"] == 0.02
    assert -0.02 < e["ci_low"] < e["ci_high"] < 0.02
    look = look_record(data, 6, 12)
    assert (
        stop_message(look, 0.02, "val_accuracy") == f"decided after 6 seeds per level (look {look['look']}): "
        "tanh vs relu: no effect."
    )
    assert verdict_text(e, "val_accuracy").startswith("no effect of 2 pts or more: ")


def test_a_cap_whose_comparisons_all_have_an_answer_says_them_not_not_decided():
    from archsearch.ablation._decide import stop_message

    def effect(level, verdict):
        return {"level": level, "reference": "none", "verdict": verdict, "seeds_needed": None, "why": ""}

    look = {"look": 1, "n": 2, "status": "stopped at cap", "effects": [effect("l2", "did not learn")]}
    look["effects"].append(effect("dropout", "no effect"))
    assert stop_message(look, 0.01, "val_accuracy") == (
        "stopped at the cap (--max-seeds 2): l2 vs none: did not learn; dropout vs none: no effect."
    )
    look["effects"].append(effect("both", "not decided yet"))
    assert (
        stop_message(look, 0.01, "val_accuracy") == "stopped at the cap (--max-seeds 2), not decided yet: both vs none."
    )
    look["effects"] = []
    assert stop_message(look, 0.01).endswith("not decided yet: no comparison could be made.")


def test_a_sequential_ask_whose_only_answer_is_did_not_learn_is_stopped_not_decided():
    # The level learns, the reference (relu, shifted to 0.10) sits at chance: the comparison is "decided" by its
    # test, then judged "did not learn"; the look says "stopped: did not learn" (more seeds cannot help).
    table = ablation_table(np.random.default_rng(4), {"relu": -0.8, "tanh": 0.0}, 3, seed_sd=0.002, noise=0.002)
    plan = {
        "factor": "activation",
        "levels": ["relu", "tanh"],
        "baseline": "relu",
        "sequential": {"repeats": 3, "max_seeds": 6},
    }
    q = _ask(_with_epochs(table), plan=plan, chance=CHANCE)["questions"][0]
    assert [e["verdict"] for e in q["effects"]] == ["did not learn"]
    assert q["sequential"]["status"] == "stopped: did not learn"


def test_an_interval_bound_that_rounds_to_zero_keeps_its_sign():
    """`not decided yet: +2.2 pts [-0.0, 4.5]` (and, printed as [0.0, 4.5], the same bound as a "helps" whose
    interval starts just above zero): a bound that rounds to zero shows one significant digit, with its sign."""
    e = {"verdict": "not decided yet", "diff": 0.022, "ci_low": -0.0004, "ci_high": 0.045, "n": 4, "n_ref": 4}
    assert verdict_text(e, "val_accuracy").startswith("not decided yet: +2.2 pts [-0.04, 4.5]")
    helps = {**e, "verdict": "helps", "ci_low": 0.0002}
    assert verdict_text(helps, "val_accuracy").startswith("helps: +2.2 pts [0.02, 4.5]")
    assert " [0.0, " not in verdict_text(helps, "val_accuracy") and "[-0.0," not in verdict_text(e, "val_accuracy")
    zero = verdict_text({**e, "diff": 0.0, "ci_low": -0.02, "ci_high": 0.02}, "val_accuracy")
    assert zero.startswith("not decided yet: +0.0 pts [-2.0, 2.0]")
