"""How the ERT ratio's bootstrap interval behaves, and how many seeds a run needs, by simulation with a known truth.

The seeds of an earlier bench/engines.py run (its --json file) stand for the population: the true ERT ratio is that
of all of them. Each simulated run draws SEEDS of them with replacement and computes the 95% interval of
TPE+median's ERT over random's, as bench/engines.py does (BCa) and as it did before (percentile). Printed per
interval: coverage; how often the true ratio lies above the upper end (the error that would call the 0.5x target
met when it is not; nominal 2.5%); and the share of runs whose upper end is at most 0.5 (the power to show the
target where the truth is the population's ratio; with --true-ratio 0.5, the rate of calling it met when it is not).

    python bench/engines_interval.py bench/results/engines_runs_wide_16seeds.json --per-seed --seeds 16,24,32
    python bench/engines_interval.py bench/results/engines_runs_wide_16seeds.json --per-seed --true-ratio 0.5
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np
from engines import WITHIN, _ert_bca, _ert_columns, _ert_ratio_of


def _percentile(columns: list, rng: np.random.Generator, draws: int) -> tuple[float, float]:
    n = len(columns[0])
    picks = rng.integers(0, n, (draws, n))
    boot = np.sort(np.nan_to_num(_ert_ratio_of(*(c[picks] for c in columns)), nan=np.inf))
    return float(boot[int(0.025 * draws)]), float(boot[min(draws - 1, int(0.975 * draws))])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("runs", type=Path, help="a bench/engines.py --json file")
    parser.add_argument("--space", default="wide")
    parser.add_argument("--seeds", default="16,24,32", help="seeds per simulated run, comma-separated")
    parser.add_argument("--sims", type=int, default=500)
    parser.add_argument("--draws", type=int, default=2000, help="bootstrap resamples per interval")
    parser.add_argument(
        "--true-ratio",
        type=float,
        help="scale TPE+median's seconds so that the true ratio is this (0.5: the share of runs whose "
        "upper end is at most 0.5 is then the rate of calling the target met when it is not)",
    )
    parser.add_argument(
        "--per-seed",
        action="store_true",
        help="target below the best any method found with the same seed (default: below the top)",
    )
    args = parser.parse_args()
    runs = json.loads(args.runs.read_text())
    top = None
    if not args.per_seed:
        top = max(
            row["value"]
            for r in runs
            if r["space"] == f"engines_{args.space}"
            for row in r["rows"]
            if row["value"] is not None and row["state"] == "COMPLETE"
        )
    population = _ert_columns(runs, args.space, top, WITHIN)
    truth = float(_ert_ratio_of(*population))
    if args.true_ratio is not None:
        population[0] = population[0] * args.true_ratio / truth
        truth = float(_ert_ratio_of(*population))
    print(
        f"{args.runs.name}: {len(population[0])} seeds, target within {100 * WITHIN:g} points of "
        f"{'each seed' + chr(39) + 's best' if args.per_seed else 'the top'}; true ERT ratio {truth:.3f}"
    )
    rng = np.random.default_rng(0)
    for n in (int(x) for x in args.seeds.split(",")):
        tally = {"percentile": [0, 0, 0], "BCa": [0, 0, 0]}  # covered, truth above the upper end, upper end <= 0.5
        for sim in range(args.sims):
            picks = rng.integers(0, len(population[0]), n)
            columns = [c[picks] for c in population]
            for name, (low, high) in (
                ("percentile", _percentile(columns, rng, args.draws)),
                ("BCa", _ert_bca(columns, args.draws, seed=sim)),
            ):
                high = np.inf if np.isnan(high) else high
                low = 0.0 if np.isnan(low) else low
                tally[name][0] += low <= truth <= high
                tally[name][1] += truth > high
                tally[name][2] += high <= 0.5
        for name, (covered, above, shown) in tally.items():
            print(
                f"  {n} seeds, {name:10s}: coverage {covered / args.sims:.3f}, true ratio above the upper end "
                f"{above / args.sims:.3f}, upper end <= 0.5 in {shown / args.sims:.3f} ({args.sims} simulated runs)"
            )


if __name__ == "__main__":
    main()
