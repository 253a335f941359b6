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


def _warm_up_table(epoch_seconds: bool) -> pd.DataFrame:
    """6 seeds per level of 3 epochs, the same steady 1.0 s per epoch at both levels; every tanh trial ran first
    in its process and paid 3 s of start-up and tracing in its first epoch."""
    rng = np.random.default_rng(5)
    rows = []
    for trial in range(12):
        level = ("tanh", "relu")[trial % 2]
        steady = rng.lognormal(0, 0.03)
        rows.append(
            {
                "trial": trial,
                "seed": trial // 2,
                "state": "COMPLETE",
                "value": 0.9 + rng.normal(0, 0.01),
                "params_count": 5000,
                "fit_seconds": 3 * steady + (3.0 if level == "tanh" else 0.0),
                "epoch_seconds": steady if epoch_seconds else None,
                "epoch_values": [0.8, 0.85, 0.9],
                "params_activation": level,
            }
        )
    return pd.DataFrame(rows)


def test_seconds_per_epoch_leave_out_the_first_epoch_where_fits_timed_their_epochs():
    # Whole fits per epoch: the start-up the tanh trials happened to pay reads as "slower", a wrong answer.
    whole = _time(_warm_up_table(epoch_seconds=False))
    assert whole["measure"] == "seconds per epoch, first included" and whole["verdict"] == "slower"
    # The steady seconds per epoch (the median epoch after the first): no difference, as is true.
    steady = _time(_warm_up_table(epoch_seconds=True))
    assert steady["measure"] == "seconds per epoch" and steady["verdict"] == "no clear difference"
    assert steady["ci_low"] < 1.0 < steady["ci_high"] < 1.1
