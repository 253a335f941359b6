"""load_trials: one row per (trial, seed), with and without repeats; clear errors for unknown studies."""

from __future__ import annotations

import optuna
import pytest
from optuna.distributions import CategoricalDistribution, IntDistribution

from archsearch.errors import UsageError
from archsearch.study import load_trials, open_study

DISTS = {"layers": IntDistribution(1, 3), "act": CategoricalDistribution(["relu", "tanh"])}


def _metrics(v: float) -> dict[str, float]:
    return {
        "loss": 1.0,
        "accuracy": v - 0.01,
        "val_loss": 1.1,
        "val_accuracy": v,
        "test_loss": 1.2,
        "test_accuracy": v - 0.02,
        "fit_seconds": 0.5,
    }


@pytest.fixture
def storage(tmp_path):
    url = f"sqlite:///{tmp_path}/o.db"
    study = optuna.create_study(study_name="s", storage=url, direction="maximize")
    study.add_trial(
        optuna.trial.create_trial(
            params={"layers": 1, "act": "relu"},
            distributions=DISTS,
            value=0.8,
            user_attrs={
                "seed": 7,
                "params_count": 100,
                "metrics": _metrics(0.8),
                "history": {"val_accuracy": [0.7, 0.8]},
            },
        )
    )
    study.add_trial(
        optuna.trial.create_trial(
            params={"layers": 2, "act": "tanh"},
            distributions=DISTS,
            value=0.85,
            user_attrs={
                "seed": 8,
                "params_count": 200,
                "repeat_seeds": [1, 2],
                "repeat_values": [0.84, 0.86],
                "repeat_metrics": [_metrics(0.84), _metrics(0.86)],
                "metrics": _metrics(0.85),
                "correct_val": ["oA==", "QA=="],
                "n_val": 3,
                "correct_test": ["gA==", "wA=="],
                "n_test": 2,
            },
        )
    )
    study.add_trial(
        optuna.trial.create_trial(
            params={"layers": 3},
            distributions={"layers": DISTS["layers"]},
            state=optuna.trial.TrialState.FAIL,
            user_attrs={"seed": 9, "error": "ValueError: boom"},
        )
    )
    return url


def test_rows_per_trial_and_seed(storage):
    df = load_trials("s", storage)
    assert df["trial"].tolist() == [0, 1, 1, 2]
    assert df["seed"].tolist() == [7, 1, 2, 9]
    assert df["state"].tolist() == ["COMPLETE", "COMPLETE", "COMPLETE", "FAIL"]
    assert df["value"].tolist()[:3] == [0.8, 0.84, 0.86]
    assert df["trial_value"].tolist()[:3] == [0.8, 0.85, 0.85]
    assert df["val_accuracy"].tolist()[:3] == [0.8, 0.84, 0.86]
    assert df["params_count"].tolist()[:3] == [100, 200, 200]
    assert df.loc[3, "error"] == "ValueError: boom" and df["value"].isna().iloc[3]
    assert df.loc[0, "history"] == {"val_accuracy": [0.7, 0.8]}
    assert df["params_act"].tolist()[:3] == ["relu", "tanh", "tanh"] and df["params_act"].isna().iloc[3]
    # per-example correctness: one packed vector per seed; missing for trials without it
    assert df["correct_val"].tolist()[1:3] == ["oA==", "QA=="] and df["correct_val"].isna().tolist()[::3] == [True] * 2
    assert df["correct_test"].tolist()[1:3] == ["gA==", "wA=="] and df["n_test"].tolist()[1:3] == [2, 2]
    assert df["n_val"].isna().tolist() == [True, False, False, True]


def test_the_objective_stores_one_packed_vector_per_seed():
    from types import SimpleNamespace

    import numpy as np

    from archsearch.analysis import unpack_correct
    from archsearch.schema import Attr
    from archsearch.study._measures import set_correctness

    trial = optuna.create_study().ask()
    fits = [
        SimpleNamespace(correct_val=np.array([True, False, True]), correct_test=np.array([True] * 9)),
        SimpleNamespace(correct_val=np.array([False, False, True]), correct_test=np.array([False] * 9)),
    ]
    set_correctness(trial, fits)
    attrs = trial.user_attrs
    assert attrs[Attr.N_VAL] == 3 and attrs[Attr.N_TEST] == 9
    assert [unpack_correct(p, 3).tolist() for p in attrs[Attr.CORRECT_VAL]] == [
        [True, False, True],
        [False, False, True],
    ]
    assert [unpack_correct(p, 9).sum() for p in attrs[Attr.CORRECT_TEST]] == [9, 0]
    diverged = optuna.create_study().ask()
    set_correctness(diverged, [SimpleNamespace(correct_val=None, correct_test=None)])
    assert Attr.CORRECT_TEST not in diverged.user_attrs


def test_unknown_study_and_missing_database_are_usage_errors(storage, tmp_path):
    with pytest.raises(UsageError, match=r"no study 'nope' in .* \(studies: s\)"):
        open_study("nope", storage)
    with pytest.raises(UsageError, match="no such database"):
        load_trials("s", f"sqlite:///{tmp_path}/missing.db")
