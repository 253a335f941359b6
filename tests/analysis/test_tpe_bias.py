"""A search's adjusted effect is unbiased when Optuna's real TPE chose the trials (bench/tpe_bias.py, reduced).

The bench (300 studies per variant, docs/statistics.md) measures the adjusted depth
effect's bias at -0.01 points (SE 0.02) while the naive difference of level means
is +0.61 points (SE 0.05); here fewer studies with other seeds, and bounds from this run's
own standard error.
"""

from __future__ import annotations

import math
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).parents[2] / "bench"))
from tpe_bias import EFFECT, one_study  # noqa: E402

STUDIES = 16


def test_adjusted_search_effect_under_real_tpe_is_unbiased_and_covers():
    rows = [one_study(5000 + i, 60, EFFECT) for i in range(STUDIES)]
    err = np.array([r["diff"] - r["truth"] for r in rows])
    se = err.std(ddof=1) / math.sqrt(len(err))
    assert se < 0.002  # 3 SE: a bias of 0.6 points (the naive one) would fail (bench: sd 0.0037 per study)
    assert abs(err.mean()) <= 3 * se
    # the naive difference of means overstates the effect: TPE tries depth 5, the better level, later and tuned
    excess = np.array([r["naive"] - r["diff"] for r in rows])
    assert excess.mean() > 2 * excess.std(ddof=1) / math.sqrt(len(excess))
    covered = sum(r["ci_low"] <= r["truth"] <= r["ci_high"] for r in rows)
    assert covered >= 0.8 * STUDIES  # bench: 96%; 12 or fewer of 16 happens with probability 0.7% at 0.95
