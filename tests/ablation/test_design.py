"""Ablation design on a tiny space: paired seeds, randomized order, resume, until-decided, report."""

from __future__ import annotations

import dataclasses
import json
import re

import pytest

from archsearch.ablation import AblationDesign, design_identity, parse_levels, plan_ablation, run_ablation
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
    layers = Param.make_int("layers", 1, 3, None, None, None)
    assert parse_levels(layers, "1,3") == [1, 3]
    with pytest.raises(UsageError, match=r"--levels '1,7': 7 is outside layers's declared range \(int in \[1, 3\]"):
        parse_levels(layers, "1,7")


def test_parse_levels_matches_numeric_choices_as_numbers_and_keeps_the_choice_s_value():
    """D12: `--levels 1e-6,2e-6` was refused for hp.Choice("lr", [1e-6, 2e-6, 0.05]): values were compared as text."""
    lr = Param.make_choice("lr", [1e-06, 2e-06, 0.05], None, None)
    assert parse_levels(lr, "1e-6,2e-6") == [1e-06, 2e-06]
    assert parse_levels(lr, "0.050,1E-06") == [0.05, 1e-06]
    rates = Param.make_choice("rate", [0.001, 0.1], None, None)
    assert parse_levels(rates, "1e-3,0.10") == [0.001, 0.1]
    units = Param.make_choice("units", [16, 64], None, None)
    got = parse_levels(units, "16.0,64")
    assert got == [16, 64] and all(type(v) is int for v in got)
    with pytest.raises(UsageError, match=r"'3e-6' is not a value of lr"):
        parse_levels(lr, "1e-6,3e-6")


@pytest.mark.slow
def test_plan_pairs_every_level_with_the_same_seeds_in_random_order(tiny, tmp_path):
    space, storage, _ = tiny
    plan = plan_ablation(space, "units", repeats=3, seed=5)
    assert plan.levels == [8, 16] and plan.baseline == 8 and plan.seeds == [1005, 1006, 1007]
    assert sorted((p["units"], s) for p, s in plan.pairs) == [(u, s) for u in (8, 16) for s in plan.seeds]
    orders = {
        tuple((p["units"], s) for p, s in plan_ablation(space, "units", repeats=3, seed=k).pairs) for k in range(4)
    }
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
    assert re.fullmatch(r"tiny-ablation-units-[0-9a-f]{8}", ablation.study_name)
    study = optuna.load_study(study_name=ablation.study_name, storage=storage)
    trials = [t for t in study.get_trials() if t.state.name == "COMPLETE"]
    assert sorted((t.params["units"], t.user_attrs["seed"]) for t in trials) == [
        (8, 1000),
        (8, 1001),
        (16, 1000),
        (16, 1001),
    ]
    assert all(t.user_attrs["design_point"] is True for t in trials)
    design = study.user_attrs["archsearch.design"]
    assert design["kind"] == "ablation" and design["factor"] == "units" and design["seeds"] == [1000, 1001]
    assert ablation.study_name.endswith(design["identity"])
    assert ablation.decided is None and "2 levels x 2 seeds" in ablation.message
    from mlflow.tracking import MlflowClient

    parent = MlflowClient(tiny[2]).get_run(ablation.search.parent_run_id)
    # Enqueued trials: no sampler proposed them; the params say the design, with the seeds per level that ran.
    assert "sampler" not in parent.data.params
    assert {k: parent.data.params[k] for k in ("factor", "levels", "repeats")} == {
        "factor": "units",
        "levels": "8,16",
        "repeats": "2",
    }
    (effect,) = ablation.data["questions"][0]["effects"]
    assert effect["n"] == 2 and effect["seeds_needed"] >= 2 and ablation.data["min_effect"] == 0.01
    # Each run is named after what tells it apart: the factor's level, then the seed.
    children = MlflowClient(tiny[2]).search_runs(
        [parent.info.experiment_id], f"tags.mlflow.parentRunId = '{parent.info.run_id}'"
    )
    assert sorted(r.info.run_name.split(" ", 1)[1] for r in children) == [
        "units=16 seed=1000",
        "units=16 seed=1001",
        "units=8 seed=1000",
        "units=8 seed=1001",
    ]


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
    looks = []
    again = run_ablation(space, "units", options, repeats=1, until_decided=True, max_seeds=2, on_look=looks.append)
    assert again.study_name == ablation.study_name  # the seeds per round are not part of the identity
    assert again.search.ran == 0 and again.rounds == 2
    # Look 1 has one seed per level: no test, nothing spent, so it goes on; look 2 is the cap.
    assert [(lk["look"], lk["n"], lk["status"]) for lk in looks][0] == (1, 1, "continue") and looks[0]["alpha"] == 0
    assert looks[1]["n"] == 2 and looks[1]["status"] in ("decided", "stopped at cap", "stopped: did not learn")
    assert again.decided == (looks[1]["status"] == "decided") and again.looks == looks == again.data["looks"]
    assert again.message.startswith("decided after 2 seeds") == again.decided
    assert again.message.startswith("stopped at the cap (--max-seeds 2)") == (looks[1]["status"] == "stopped at cap")
    import optuna

    study = optuna.load_study(study_name=again.study_name, storage=storage)
    assert [lk["status"] for lk in study.user_attrs["archsearch.looks"]] == [lk["status"] for lk in looks]
    assert study.user_attrs["archsearch.design"]["sequential"]["max_seeds"] == 2
    (q,) = again.data["questions"]
    assert q["sequential"]["status"] == looks[-1]["status"] and q["effects"][0]["final_look"] == 2
    # The looks judged the test split (crossed seeds x examples test), as a fixed ablation's answer does.
    assert q["split"] == "test" and q["effects"][0]["split"] == "test" and q["effects"][0]["n_test"] > 0
    assert "split_note" not in q["effects"][0]


def _plan(**changes):
    base = dict(factor="units", levels=[8, 16], baseline=8, base={"lr": 0.01}, seeds=[1000], pairs=[])
    return AblationDesign(**{**base, **changes})


def test_design_identity_separates_bases_levels_and_settings_but_not_seed_counts():
    from types import SimpleNamespace

    space = SimpleNamespace(dataset="digits", epochs=3, batch_size=64)
    opts = SimpleNamespace(dataset=None, epochs=None, seed=0)
    ident = design_identity(_plan(), space, opts)
    assert re.fullmatch(r"[0-9a-f]{8}", ident)
    assert design_identity(_plan(seeds=[1000, 1001, 1002]), space, opts) == ident
    others = [
        design_identity(_plan(base={"lr": 0.1}), space, opts),
        design_identity(_plan(levels=[8, 32]), space, opts),
        design_identity(_plan(), space, SimpleNamespace(dataset="mnist", epochs=None, seed=0)),
        design_identity(_plan(), space, SimpleNamespace(dataset=None, epochs=5, seed=0)),
        design_identity(_plan(), space, SimpleNamespace(dataset=None, epochs=None, seed=1)),
        design_identity(_plan(matched={"adjusted": "filters", "levels": {}}), space, opts),
    ]
    assert len({ident, *others}) == 7


def test_a_trial_outside_the_design_never_enters_the_level_means(tmp_path):
    """A trial the sampler added (unmarked) is left out and counted, even at a design level and seed."""
    from types import SimpleNamespace

    import optuna
    from optuna.distributions import CategoricalDistribution

    from archsearch.ablation import analyze_ablation
    from archsearch.schema import Attr

    storage = f"sqlite:///{tmp_path}/o.db"
    study = optuna.create_study(study_name="s", storage=storage, direction="maximize")
    dist = {"units": CategoricalDistribution([8, 16])}
    values = {(8, 1000): 0.80, (8, 1001): 0.82, (16, 1000): 0.85, (16, 1001): 0.86}
    for (units, seed), value in values.items():
        study.add_trial(
            optuna.trial.create_trial(
                params={"units": units},
                distributions=dist,
                value=value,
                user_attrs={Attr.SEED: seed, Attr.DESIGN_POINT: True},
            )
        )
    study.add_trial(
        optuna.trial.create_trial(params={"units": 16}, distributions=dist, value=0.10, user_attrs={Attr.SEED: 1001})
    )  # the sampler's, after a failure
    space = SimpleNamespace(direction="maximize", path="tiny.py", objective="val_accuracy")
    plan = _plan(base={}, seeds=[1000, 1001])
    data = analyze_ablation(space, SimpleNamespace(study_name="s", storage=storage), plan, None)
    assert data["counts"]["excluded"] == 1 and data["counts"]["COMPLETE"] == 4
    (q,) = data["questions"]
    means = {lv["level"]: lv["mean"] for lv in q["levels"]}
    assert means == pytest.approx({"8": 0.81, "16": 0.855})
    assert any("outside the ablation's design" in n for n in data["notes"])


@pytest.mark.slow
def test_asked_again_a_design_keeps_its_seeds_its_margin_and_its_looks(tmp_path):
    import optuna

    from archsearch.study import RunOptions

    (tmp_path / "tiny.py").write_text(TINY_SPACE)
    space = load_space(tmp_path / "tiny.py")
    storage = f"sqlite:///{tmp_path}/o.db"
    options = RunOptions(storage=storage, tracking_uri=f"sqlite:///{tmp_path}/m.db", quiet=True)
    first = run_ablation(space, "units", options, repeats=2)

    def design():
        return optuna.load_study(study_name=first.study_name, storage=storage).user_attrs["archsearch.design"]

    # Fewer seeds asked: nothing runs, and the answer still rests on both seeds (they were left out before).
    fewer = run_ablation(space, "units", options, repeats=1)
    assert fewer.search.ran == 0 and fewer.plan.seeds == design()["seeds"] == [1000, 1001]
    assert fewer.data["questions"][0]["effects"][0]["n"] == 2
    assert fewer.message == "2 levels x 2 seeds, all in the study already."
    # Another margin after the data were seen is refused, naming the one it was asked with.
    with pytest.raises(UsageError, match=r"was asked with --min-effect 0\.01, the margin its verdicts are judged at"):
        run_ablation(space, "units", options, repeats=2, min_effect=0.05)
    assert "min_effect" not in design()
    # A fixed design may go on as a sequential one; from then on it is read with its looks, never without them.
    run_ablation(space, "units", options, repeats=1, until_decided=True, max_seeds=2)
    assert design()["sequential"]["max_seeds"] == 2
    with pytest.raises(UsageError, match=r"holds a sequential design \(--until-decided --repeats 1 --max-seeds 2\)"):
        run_ablation(space, "units", options, repeats=2)
    assert design()["sequential"]["max_seeds"] == 2 and design()["seeds"] == [1000, 1001]
    # A margin no accuracy difference can reach is refused before anything is opened.
    with pytest.raises(UsageError, match=r"--min-effect 5 is 500 pts, more than any difference in val_accuracy"):
        run_ablation(space, "units", options, repeats=2, min_effect=5)


def test_base_best_without_the_space_s_search_says_what_to_run_not_pass_study(tiny, tmp_path):
    """D13: `--study` names the ablation's study, so "Pass --study NAME" could not find a search stored under
    another name; the error says --base best reads the study named after the space, and what to do instead."""
    import optuna

    space, _, _ = tiny
    storage = f"sqlite:///{tmp_path}/o.db"
    optuna.create_study(study_name="wide", storage=storage)
    with pytest.raises(UsageError) as err:
        plan_ablation(space, "units", base="best", storage=storage)
    text = str(err.value)
    assert text.startswith("--base best: no study 'tiny' in sqlite:///") and "Pass --study" not in text
    assert f"Run `archsearch run {space.path}` first" in text
    assert "write its best trial's hyperparameters to a JSON file and pass --base FILE" in text


def test_readme_describes_the_cap_where_more_seeds_cannot_settle_it():
    """D18: the stop line at the cap when the test split is too small gives no seed count; the README says so,
    in the words the code prints."""
    from pathlib import Path

    from archsearch.ablation._decide import stop_message

    effect = {"level": "256", "reference": "64", "verdict": "not decided yet", "seeds_needed": None}
    line = stop_message({"n": 2, "look": 1, "status": "stopped at cap", "effects": [effect]}, 0.01, "val_accuracy")
    assert line == "stopped at the cap (--max-seeds 2), not decided yet: 256 vs 64."
    readme = " ".join((Path(__file__).parents[2] / "README.md").read_text().split())
    assert "the stop line gives no seed count (`stopped at the cap (--max-seeds N), not decided yet: ...`)" in readme
    assert "more seeds cannot settle it, a larger test split can" in readme.split("## A controlled answer")[1]


@pytest.mark.slow
def test_asking_a_finished_design_again_says_no_nothing_to_run_line(tiny, tmp_path, capsys):
    """The ask says where its design stands; a search's "nothing to run ... Raise --trials" is not its words
    (a resumed --until-decided ask said "nothing to run" and then ran its next round)."""
    from archsearch.study import RunOptions

    space, _, _ = tiny  # a store of its own: the module's holds a sequential design of the same question
    options = RunOptions(storage=f"sqlite:///{tmp_path}/o.db", tracking_uri=f"sqlite:///{tmp_path}/m.db", quiet=True)
    run_ablation(space, "units", options, repeats=2)
    capsys.readouterr()
    again = run_ablation(space, "units", dataclasses.replace(options, quiet=False), repeats=2)
    assert again.search.ran == 0 and "all in the study already" in again.message
    assert "nothing to run" not in capsys.readouterr().err
