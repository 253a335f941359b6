"""Calibration of analyze_table on simulated tables with a known truth (seeded, no Keras)."""

from __future__ import annotations

import gc

import sys
from pathlib import Path

import numpy as np

from archsearch.analysis import analyze_table

sys.path.insert(0, str(Path(__file__).parent))
from sims import confounded_search, pruned_search, random_search  # noqa: E402

gc.freeze()  # statsmodels' Holm runs gc.collect(); freezing the heap keeps each call cheap


def _flagged(report: dict) -> bool:
    return any(e["verdict"] in ("helps", "hurts") for q in report["questions"] for e in q["effects"])


def test_confounded_search_false_verdict_at_most_10_percent():
    rng = np.random.default_rng(1)
    hits = sum(_flagged(analyze_table(confounded_search(rng), questions=["depth"])) for _ in range(100))
    assert hits / 100 <= 0.10


def test_pruned_trials_count_false_verdict_at_most_10_percent():
    rng = np.random.default_rng(2)
    hits = sum(_flagged(analyze_table(pruned_search(rng), questions=["init"])) for _ in range(100))
    assert hits / 100 <= 0.10


def test_eight_null_comparisons_family_wise_at_most_6_percent():
    rng = np.random.default_rng(3)
    hits = sum(_flagged(analyze_table(random_search(rng, 40))) for _ in range(60))
    assert hits / 60 <= 0.06


def test_sequential_stopping_under_no_effect_decides_at_most_6_percent_with_10_looks():
    import pandas as pd

    from archsearch.analysis import DECIDED, SequentialPlan, sequential_decision

    rng = np.random.default_rng(4)
    plan = SequentialPlan(repeats=1, max_seeds=10)
    decided = 0
    for _ in range(400):
        shared = rng.normal(0, 0.02, 10)
        ref = pd.Series(0.9 + shared + rng.normal(0, 0.005, 10))
        alt = pd.Series(0.9 + shared + rng.normal(0, 0.005, 10))
        for n in plan.looks():  # the loop `ask --until-decided` runs: look after every round
            out = sequential_decision({"a": ref[:n], "b": alt[:n]}, "a", plan)
            if out["status"] != "continue":
                break
        decided += out["status"] == DECIDED
    assert decided / 400 <= 0.06
