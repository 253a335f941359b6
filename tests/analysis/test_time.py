"""Time as a question: seeds trained as one fused pack share its fit time and count once."""

from __future__ import annotations

import numpy as np
import pandas as pd

from archsearch.analysis import analyze_table


def _packed_table(packs: int, seeds_per_pack: int = 2, ratio: float = 1.3) -> pd.DataFrame:
    """An ablation whose seeds trained in fused packs: a pack's seeds share one fit time (split equally)."""
    rng = np.random.default_rng(3)
    rows, trial = [], 0
    for p in range(packs):
        base = 2.0 * rng.lognormal(0, 0.05)  # each pack its own timing noise
        for level, scale in (("relu", 1.0), ("tanh", ratio * rng.lognormal(0, 0.02))):
            for s in range(seeds_per_pack):
                rows.append(
                    {
                        "trial": trial,
                        "seed": 100 + p * seeds_per_pack + s,
                        "state": "COMPLETE",
                        "value": 0.9 + rng.normal(0, 0.01),
                        "params_count": 5000,
                        "fit_seconds": base * scale,  # the same for every seed of the pack
                        "params_activation": level,
                    }
                )
                trial += 1
    return pd.DataFrame(rows)


def _time(table: pd.DataFrame) -> dict:
    report = analyze_table(table, "ablation", questions=[{"param": "activation", "baseline": "relu"}])
    (t,) = [t for t in report["questions"][0]["time_effects"] if t["measure"].startswith("seconds per")]
    return t


def test_one_pack_per_level_gives_no_interval_however_many_seeds_it_holds():
    t = _time(_packed_table(packs=1, seeds_per_pack=4))
    assert (t["ratio"], t["ci_low"], t["ci_high"], t["verdict"]) == (None, None, None, "not enough data")
    assert (t["n"], t["n_ref"]) == (1, 1)
    assert "fused pack share its time" in t["reason"]


def test_several_packs_count_once_each():
    t = _time(_packed_table(packs=4))
    assert (t["n"], t["n_ref"]) == (4, 4)  # 4 packs, not 8 seeds
    assert t["ci_low"] < 1.3 < t["ci_high"] and t["ci_low"] < t["ci_high"]
    assert "fused pack share its time" in t["reason"]


def test_a_ratio_whose_interval_spans_more_than_tenfold_is_not_enough_data():
    # Two packs per level with very noisy timings: the paired t interval (1 df) spans orders of magnitude.
    table = _packed_table(packs=2, seeds_per_pack=1)
    table.loc[table["params_activation"] == "tanh", "fit_seconds"] *= [0.2, 6.0]
    t = _time(table)
    assert (t["ratio"], t["ci_low"], t["ci_high"], t["verdict"]) == (None, None, None, "not enough data")
    assert t["reason"].startswith("Its interval spans a factor of ")
    assert "(more than 10): too few timings." in t["reason"]
    # The same design with timings that agree keeps its interval.
    steady = _time(_packed_table(packs=4, seeds_per_pack=1))
    assert steady["ratio"] is not None and steady["ci_high"] / steady["ci_low"] < 10
