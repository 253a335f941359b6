"""Measure how often importance exceeds its permutation null (the rates in docs/statistics.md).

PYTHONPATH=src python -m tests.study.importance_rates
"""

from __future__ import annotations

from archsearch.study import importance
from tests.study.test_importance import _study


def main() -> None:
    for resamples, n_trees, repeats in [(10, 8, 20), (20, 16, 10)]:
        real = noise = 0
        for seed in range(repeats):
            p = importance(_study(seed), resamples=resamples, seed=seed, n_trees=n_trees)["params"]
            real += p["depth"]["exceeds_null"]
            noise += p["act"]["exceeds_null"] + p["dropout"]["exceeds_null"]
        print(f"resamples={resamples} n_trees={n_trees}: depth {real}/{repeats}, no-effect {noise}/{2 * repeats}")


if __name__ == "__main__":
    main()
