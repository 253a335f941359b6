"""Ablation design on a tiny space: paired seeds, randomized order, resume, until-decided, report."""

from __future__ import annotations

import json

import pytest

from archsearch.ablation import parse_levels, plan_ablation, run_ablation
from archsearch.errors import UsageError
from archsearch.space import Param, load_space
from tests.conftest import TINY_SPACE


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("ablation")
    path = tmp / "tiny.py"
    path.write_text(TINY_SPACE)
    return load_space(path), f"sqlite:///{tmp}/o.db", f"sqlite:///{tmp}/m.db"


@pytest.fixture(scope="module")
def ablation(tiny):
    from archsearch.study import RunOptions

    space, storage, tracking = tiny
    return run_ablation(space, "units", RunOptions(storage=storage, tracking_uri=tracking, quiet=True), repeats=2)


def test_parse_levels_converts_and_rejects():
    choice = Param.make_choice("act", ["relu", "tanh"], None, None)
    assert parse_levels(choice, "tanh,relu") == ["tanh", "relu"]
    assert parse_levels(Param.make_float("lr", 0.001, 0.1, None, None, None), "0.001,0.01") == [0.001, 0.01]
    with pytest.raises(UsageError, match=r"'elu' is not a value of act"):
        parse_levels(choice, "relu,elu")
    with pytest.raises(UsageError, match="at least two levels"):
        parse_levels(choice, "relu")


@pytest.mark.slow
def test_plan_pairs_every_level_with_the_same_seeds_in_random_order(tiny, tmp_path):
    space, storage, _ = tiny
    plan = plan_ablation(space, "units", repeats=3, seed=5)
    assert plan.levels == [8, 16] and plan.baseline == 8 and plan.seeds == [1005, 1006, 1007]
    assert sorted((p["units"], s) for p, s in plan.pairs) == [(u, s) for u in (8, 16) for s in plan.seeds]
    orders = {tuple((p["units"], s) for p, s in plan_ablation(space, "units", repeats=3, seed=k).pairs)
              for k in range(4)}
    assert len(orders) > 1  # the order is shuffled, seeded
    with pytest.raises(UsageError, match=r"--factor 'depth' is not a hyperparameter .*units"):
        plan_ablation(space, "depth")
    bad = tmp_path / "base.json"
    bad.write_text("[1, 2]")
    with pytest.raises(UsageError, match="expected a JSON object"):
        plan_ablation(space, "units", base=str(bad))
    with pytest.raises(UsageError, match="no such database|no study 'tiny'"):
        plan_ablation(space, "units", base="best", storage=storage)


@pytest.mark.slow
def test_ablation_runs_paired_trials_and_records_its_design(ablation, tiny):
    import optuna

    _, storage, _ = tiny
    study = optuna.load_study(study_name="tiny-ablation-units", storage=storage)
    trials = [t for t in study.get_trials() if t.state.name == "COMPLETE"]
    assert sorted((t.params["units"], t.user_attrs["seed"]) for t in trials) == [
        (8, 1000), (8, 1001), (16, 1000), (16, 1001)]
    design = study.user_attrs["archsearch.design"]
    assert design["kind"] == "ablation" and design["factor"] == "units" and design["seeds"] == [1000, 1001]
    assert ablation.decided is None and "2 levels x 2 seeds" in ablation.message
    from mlflow.tracking import MlflowClient

    parent = MlflowClient(tiny[2]).get_run(ablation.search.parent_run_id)
    assert parent.data.params["sampler"] == "ablation of units"  # enqueued trials: no sampler proposed them


@pytest.mark.slow
def test_report_on_the_ablation_is_paired(ablation, tiny):
    from archsearch.report import build_report

    space, storage, tracking = tiny
    data = build_report(space, study_name=ablation.study_name, storage=storage, tracking_uri=tracking).to_dict()
    (q,) = data["questions"]
    assert q["paired"] and q["reference"] == "8" and q["method"].startswith("paired t")
    (effect,) = q["effects"]
    assert effect["n"] == effect["n_ref"] == 2
    assert [lv["n_seeds"] for lv in q["levels"]] == [2, 2]
    assert not any("TPE" in n for n in data["notes"])
    # Confirmatory: the answer is measured on the test split, seeds and examples both counted.
    assert effect["split"] == "test" and effect["n_test"] > 0
    assert "validation_diff" in effect and effect["method"] != "seeds only (example noise not included)"
    json.dumps(data, allow_nan=False)


@pytest.mark.slow
def test_resume_runs_nothing_and_until_decided_says_which_happened(ablation, tiny):
    from archsearch.study import RunOptions

    space, storage, tracking = tiny
    options = RunOptions(storage=storage, tracking_uri=tracking, quiet=True)
    again = run_ablation(space, "units", options, repeats=2, until_decided=True, max_seeds=2)
    assert again.search.ran == 0 and again.rounds == 1
    assert again.decided in (True, False)
    assert again.message.startswith("decided after 2 seeds") == again.decided
    assert ("--max-seeds" in again.message) == (not again.decided)
