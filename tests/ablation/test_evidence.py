"""``ask --add-base``: a new base is new evidence in the same study (a fake search: trials recorded, no training)."""

from __future__ import annotations

import dataclasses
import json

import optuna
import pytest

from archsearch.ablation import add_base, run_ablation
from archsearch.errors import UsageError
from archsearch.space import load_space
from archsearch.study import RunOptions

TWO_PARAMS = """
DATASET = "digits"
INPUT = "flat"
EPOCHS = 1
TRIALS = 2


def build(hp, input_shape, num_classes):  # never trained here (the search is a fake); built to read its hp
    import keras

    units, activation = hp.Choice("units", [8, 16]), hp.Choice("activation", ["relu", "tanh"])
    return keras.Sequential([keras.Input(input_shape), keras.layers.Dense(units, activation=activation),
                             keras.layers.Dense(num_classes, activation="softmax")])
"""


_CHOICES = {"units": [8, 16], "activation": ["relu", "tanh"]}


@dataclasses.dataclass(frozen=True)
class _Searched:
    """What run_search returns, as much as an ask reads of it (a dataclass: an ask's rounds replace its parent run)."""

    ran: int
    finished: int
    target: int
    recycle: bool = False
    parent_run_id: str | None = None


def _fake_search(calls: list[list[tuple[dict, int]]]):
    """run_search that records each enqueued pair not yet in the study as a COMPLETE trial: 16 units score 0.05
    more than 8 at the same seed (on either base), with a seed effect shared by both levels."""

    def run_search(space, options, enqueue=()):
        study = optuna.create_study(
            study_name=options.study_name, storage=options.storage, direction="maximize", load_if_exists=True
        )
        done = {(json.dumps(t.params, sort_keys=True), t.user_attrs["seed"]) for t in study.trials}
        new = [(p, s) for p, s in enqueue if (json.dumps(p, sort_keys=True), s) not in done]
        calls.append(new)
        for params, seed in new:
            value = 0.8 + (0.05 if params["units"] == 16 else 0.0) + (seed % 7) * 0.01
            study.add_trial(
                optuna.trial.create_trial(
                    params=params,
                    distributions={k: optuna.distributions.CategoricalDistribution(_CHOICES[k]) for k in params},
                    value=value,
                    user_attrs={"seed": seed, "design_point": True},
                )
            )
        assert options.trials == len(enqueue)  # the target: every base's pairs
        return _Searched(ran=len(enqueue), finished=len(enqueue), target=len(enqueue))

    return run_search


@pytest.fixture(autouse=True)
def _no_model_to_clear(monkeypatch):
    """The builder builds no model: Keras's clear_session (a full gc.collect, ~1 s each here) has nothing to do."""
    import archsearch.train

    monkeypatch.setattr(archsearch.train, "clear_session", lambda: None)


def test_a_new_base_adds_seeds_to_the_same_study_and_the_verdict_pools_both(tmp_path, monkeypatch):
    import archsearch.study

    (tmp_path / "two.py").write_text(TWO_PARAMS)
    space = load_space(tmp_path / "two.py")
    first, second = tmp_path / "base-1.json", tmp_path / "base-2.json"
    first.write_text('{"activation": "relu"}')
    second.write_text('{"activation": "tanh"}')
    calls: list = []
    monkeypatch.setattr(archsearch.study, "run_search", _fake_search(calls))
    options = RunOptions(storage=f"sqlite:///{tmp_path}/o.db", quiet=True)

    night1 = run_ablation(space, "units", options, repeats=2, base=str(first))
    assert night1.study_name.startswith("two-ablation-units-") and len(calls[-1]) == 4
    night2 = add_base(space, "units", options, levels=None, repeats=2, base=str(first), add=str(second))
    assert night2.study_name == night1.study_name  # the same study: the new base is new evidence in it
    assert sorted(s for _, s in calls[-1]) == [1002, 1002, 1003, 1003]  # only the new base ran, on new seeds
    assert {p["activation"] for p, _ in calls[-1]} == {"tanh"}
    design = optuna.load_study(study_name=night1.study_name, storage=options.storage).user_attrs["archsearch.design"]
    assert [(b["base"], b["seeds"]) for b in design["bases"]] == [
        ({"activation": "relu"}, [1000, 1001]),
        ({"activation": "tanh"}, [1002, 1003]),
    ]
    assert design["identity"] == f"{night1.plan.identity}+1" and design["seeds"] == [1000, 1001, 1002, 1003]
    (effect,) = night2.data["questions"][0]["effects"]
    assert effect["n"] == 4 and effect["diff"] == pytest.approx(0.05)  # 2 seeds per base, paired within a base
    assert night2.data["counts"]["excluded"] == 0
    assert night2.message == "ran 2 levels x 2 seeds on base 2 of 2 (every base: 4 seeds per level)."
    assert len(night2.plan.pairs) == 8  # the design's target: every base's trials

    again = add_base(space, "units", options, levels=None, repeats=2, base=str(first), add=str(second))
    assert calls[-1] == [] and again.data["questions"][0]["effects"][0]["n"] == 4  # resumed: nothing to run
    with pytest.raises(UsageError, match=r"holds another design \(identity [0-9a-f]{8}\+1"):
        run_ablation(space, "units", options, repeats=2, base=str(first))  # a plain ask no longer writes over it


def test_a_base_is_added_only_to_the_study_of_its_first_base(tmp_path, monkeypatch):
    import archsearch.study

    (tmp_path / "two.py").write_text(TWO_PARAMS)
    space = load_space(tmp_path / "two.py")
    (tmp_path / "b.json").write_text('{"activation": "tanh"}')
    monkeypatch.setattr(archsearch.study, "run_search", _fake_search([]))
    options = RunOptions(storage=f"sqlite:///{tmp_path}/o.db", quiet=True)
    with pytest.raises(UsageError, match="does not hold the ablation of this --base"):
        add_base(space, "units", options, levels=None, repeats=2, base="default", add=str(tmp_path / "b.json"))


def test_the_cli_refuses_another_base_with_matched_sizes(tmp_path):
    from click.testing import CliRunner

    from archsearch.cli import cli

    (tmp_path / "two.py").write_text(TWO_PARAMS)
    args = ["ask", str(tmp_path / "two.py"), "--factor", "units", "--add-base", "best", "--match-size"]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 2 and "--add-base cannot be used with --match-size" in result.output, result.output


def test_a_trial_enters_a_design_of_several_bases_only_at_the_base_of_its_own_seed():
    import pandas as pd

    from archsearch.analysis._population import in_design

    plan = {
        "factor": "units",
        "levels": [8, 16],
        "seeds": [1000, 1001],
        "bases": [{"base": {"activation": "relu"}, "seeds": [1000]}, {"base": {"activation": "tanh"}, "seeds": [1001]}],
    }
    t = pd.DataFrame(
        {
            "trial": [0, 1, 2, 3, 4],
            "seed": [1000, 1000, 1001, 1001, 1001],
            "state": "COMPLETE",
            "params_units": [8, 16, 8, 16, 16],
            "params_activation": ["relu", "relu", "tanh", "tanh", "relu"],  # trial 4: seed 1001 at the first base
        }
    )
    kept, excluded = in_design(t, plan)
    assert list(kept["trial"]) == [0, 1, 2, 3] and excluded == 1


def test_ask_add_base_on_the_command_line_names_the_same_study(tmp_path, monkeypatch):
    """The CLI path, with the fake search: the first ask, then --add-base, both in one study."""
    import re

    from click.testing import CliRunner

    import archsearch.study
    from archsearch.cli import cli

    monkeypatch.chdir(tmp_path)
    (tmp_path / "two.py").write_text(TWO_PARAMS)
    (tmp_path / "b1.json").write_text('{"activation": "relu"}')
    (tmp_path / "b2.json").write_text('{"activation": "tanh"}')
    monkeypatch.setattr(archsearch.study, "run_search", _fake_search([]))
    monkeypatch.setattr("archsearch.cli._run.record", lambda write, space: None)  # no MLflow parent run to tag
    ask = ["ask", "two.py", "--factor", "units", "--repeats", "2", "--base", "b1.json", "--quiet"]
    first = CliRunner().invoke(cli, ask, catch_exceptions=False)
    added = CliRunner().invoke(cli, [*ask, "--add-base", "b2.json"], catch_exceptions=False)
    assert first.exit_code == 0 and added.exit_code == 0, first.output + added.output
    (study,) = re.findall(r"in study '(two-ablation-units-[0-9a-f]{8})': ran 2 levels x 2 seeds\.", first.stdout)
    assert f"in study '{study}': ran 2 levels x 2 seeds on base 2 of 2 (every base: 4 seeds per level)." in added.stdout
