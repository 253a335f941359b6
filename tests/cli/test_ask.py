"""`archsearch ask`: a paired ablation from the command line, then `archsearch report` on it."""

from __future__ import annotations

import json
import re

import pytest
from click.testing import CliRunner

from archsearch.cli import cli
from tests.conftest import TINY_SPACE


def _invoke(*args):
    return CliRunner().invoke(cli, [*map(str, args)], catch_exceptions=False)


def _study(stdout: str) -> str:
    (name,) = re.findall(r"Ablation of \w+ in study '(tiny-ablation-\w+-[0-9a-f]{8})'", stdout)
    return name


@pytest.mark.slow
def test_ask_then_report(tiny_space):
    result = _invoke("ask", tiny_space, "--factor", "units", "--levels", "8,16", "--repeats", "2", "-q")
    assert result.exit_code == 0, result.output
    study = _study(result.stdout)
    assert "  units: 16 vs 8: " in result.stdout and "confirmatory" in result.stdout
    (line,) = [x for x in result.stdout.splitlines() if x.startswith("  units: 16 vs 8: ")]
    word = re.match(r"  units: 16 vs 8: (helps|hurts|no effect|not decided yet|did not learn)", line)
    assert word, line  # one decision, in plain words, with the split and the seeds it rests on
    assert re.search(r"on the (test|validation) split, 2 seeds per level", line) or word[1] == "did not learn"
    if word[1] == "not decided yet":
        assert re.search(r"about \d+ more seeds per level \(\d+ in all\) would detect 1 pt|out of reach", line)
    # time is a question too; 1-epoch fits have no epoch after the first to time alone
    assert "  Fit time (seconds per epoch, first included), 16 / 8: " in result.stdout
    assert f"Full report: archsearch report {tiny_space} --study {study}" in result.stdout
    result = _invoke("report", tiny_space, "--study", study, "--format", "json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["design"]["kind"] == "ablation" and data["questions"][0]["paired"] is True
    assert {k: data["design"][k] for k in ("dataset", "epochs")} == {"dataset": "digits", "epochs": 1}
    (t,) = data["questions"][0]["time_effects"]
    # The 2 seeds of a level trained as one fused pack and share its time: one timing per level, no interval.
    assert (t["level"], t["n"], t["n_ref"], t["ratio"], t["verdict"]) == ("16", 1, 1, None, "not enough data")
    assert "fused pack share its time" in t["reason"]
    assert (
        data["lab"]["dataset"]
        == {"name": "digits", "description": data["lab"]["dataset"]["description"], "stand_in_for": None}
        and data["lab"]["references"] == []
    )
    assert "attached to MLflow run" in result.stderr


@pytest.mark.slow
def test_until_decided_records_all_its_rounds_and_the_answer_under_one_parent_run(tiny_space, tmp_path):
    """One parent run per ask (each round opened its own, and only the last had the verdict)."""
    from mlflow.tracking import MlflowClient

    args = ("ask", tiny_space, "--factor", "units", "--repeats", "1", "--until-decided", "--max-seeds", "2", "-q")
    result = _invoke(*args, "--study", "ud")  # look 1 (one seed per level) never decides: two rounds
    assert result.exit_code == 0, result.output
    client = MlflowClient(f"sqlite:///{tmp_path}/mlruns/mlflow.db")
    runs = client.search_runs([client.get_experiment_by_name("ud").experiment_id])
    (parent,) = [r for r in runs if "mlflow.parentRunId" not in r.data.tags]
    assert sorted(r.data.tags["mlflow.parentRunId"] for r in runs if r is not parent) == [parent.info.run_id] * 4
    assert parent.info.status == "FINISHED" and "archsearch.verdict.units" in parent.data.tags
    # What no round changes: the seeds added per round and the cap (the seeds that ran are the description's).
    params = parent.data.params
    assert (params["repeats"], params["max_seeds"], "seeds" in params) == ("1", "2", False)


def test_bad_levels_exit_2_with_one_line(tiny_space):
    result = _invoke("ask", tiny_space, "--factor", "units", "--levels", "8,12")
    assert result.exit_code == 2
    assert result.stderr.startswith("error: --levels '8,12': '12' is not a value of units")


def test_min_effect_must_be_positive(tiny_space):
    result = _invoke("ask", tiny_space, "--factor", "units", "--levels", "8,16", "--min-effect", "0")
    assert result.exit_code == 2
    assert result.stderr.startswith("error: --min-effect must be above 0 (objective units")


def test_help_describes_the_sequential_design_and_min_effect():
    text = _invoke("ask", "--help").output
    assert "O'Brien-Fleming" in text and "--min-effect" in text and "objective units" in text
    assert "SPACE-ablation-FACTOR-HASH" in text


@pytest.mark.slow
def test_two_bases_make_two_studies_and_a_study_of_another_design_is_refused(write_space, tmp_path):
    import optuna

    from archsearch.stores import resolve_storage
    from tests.conftest import TINY_SPACE

    tiny_space = write_space(
        TINY_SPACE.replace('activation="relu"', 'activation=hp.Choice("act", ["relu", "tanh"])'), "tiny.py"
    )
    bases = []
    for name, act in (("a", "relu"), ("b", "tanh")):
        path = tmp_path / f"{name}.json"
        path.write_text(json.dumps({"act": act}))
        bases.append(path)
    first = _invoke(
        "ask",
        tiny_space,
        "--factor",
        "units",
        "--levels",
        "8,16",
        "--repeats",
        "1",
        "--until-decided",
        "--max-seeds",
        "2",
        "--base",
        bases[0],
    )
    assert first.exit_code == 0, first.output
    # Looks on stderr: one seed per level cannot be tested; two is the cap (or decided).
    assert re.search(r"look 1 \(1 seed per level, alpha 0.0000 spent here\): continue; 16 vs 8: ", first.stderr)
    assert re.search(
        r"look 2 \(2 seeds per level, alpha 0.0500 spent here\): "
        r"(decided|stopped at cap|stopped: did not learn)",
        first.stderr,
    )
    # The output says which way it ended: decided, did not learn, or the cap with the seeds an answer needs.
    assert re.search(
        r"(decided after 2 seeds per level|stopped after 2 seeds per level: did not learn|"
        r"stopped at the cap \(--max-seeds 2\)(, not decided yet|: 16 vs 8: ))",
        first.stdout,
    )
    assert "on the test split, 2 seeds per level" in first.stdout  # the looks' split, not validation
    assert first.stderr.count("-> study '") == first.stderr.count("data digits") == 1  # one header, two rounds
    if "stopped at the cap" in first.stdout and "needs about" in first.stdout:
        need = re.search(r"needs about (\d+) seeds per level", first.stdout).group(1)
        assert f"rerun with --max-seeds {need}" in first.stdout or "out of reach" in first.stdout
    second = _invoke(
        "ask", tiny_space, "--factor", "units", "--levels", "8,16", "--repeats", "1", "-q", "--base", bases[1]
    )
    assert second.exit_code == 0, second.output
    a, b = _study(first.stdout), _study(second.stdout)
    assert a != b
    names = optuna.get_all_study_names(resolve_storage(None))
    assert {a, b} <= set(names)
    for name, n in ((a, 4), (b, 2)):
        trials = optuna.load_study(study_name=name, storage=resolve_storage(None)).get_trials()
        assert len(trials) == n and len({t.params["act"] for t in trials}) == 1
    refused = _invoke(
        "ask", tiny_space, "--factor", "units", "--levels", "8,16", "--repeats", "1", "--base", bases[1], "--study", a
    )
    assert refused.exit_code == 2
    assert refused.stderr.startswith(f"error: --study {a!r} holds another design (identity {a[-8:]}")
    assert len(optuna.load_study(study_name=a, storage=resolve_storage(None)).get_trials()) == 4


# TINY_SPACE with weights that never move: SGD at learning rate 0 and a zero output layer give every image the
# same (uniform) prediction, so both levels sit at the share of one class (about 10% on digits), on every seed.
NOT_LEARNING_SPACE = TINY_SPACE.replace(
    'activation="softmax")', 'activation="softmax", kernel_initializer="zeros")'
).replace('optimizer="adam"', "optimizer=keras.optimizers.SGD(0.0)")


@pytest.mark.slow
def test_an_ask_where_neither_level_learns_says_did_not_learn(write_space):
    assert NOT_LEARNING_SPACE.count("zeros") == NOT_LEARNING_SPACE.count("SGD(0.0)") == 1
    space = write_space(NOT_LEARNING_SPACE, "frozen.py")
    result = _invoke("ask", space, "--factor", "units", "--levels", "8,16", "--repeats", "2", "-q")
    assert result.exit_code == 0, result.output
    (line,) = [x for x in result.stdout.splitlines() if x.startswith("  units: 16 vs 8: ")]
    # No effect and no interval: the words say why and what to do.
    assert line.startswith("  units: 16 vs 8: did not learn: both levels at chance (10%) after 1 epoch"), line
    assert "[" not in line and "pts" not in line and "train longer (`--epochs`)" in line
    study = re.findall(r"Ablation of \w+ in study '(frozen-ablation-\w+-[0-9a-f]{8})'", result.stdout)[0]
    data = json.loads(_invoke("report", space, "--study", study, "--format", "json").stdout)
    (effect,) = data["questions"][0]["effects"]
    assert effect["verdict"] == "did not learn"
    assert [lv["at_chance"] for lv in data["questions"][0]["levels"]] == [True, True]


def test_a_decided_verdict_carries_no_power_note_and_an_open_one_gives_its_advice_once():
    from archsearch.cli._ask import answer_lines

    note = "the test split's 359 examples alone leave too much noise to detect 1 pt at 80% power: more seeds cannot settle it, a larger test split can."  # noqa: E501
    effect = {"level": "2", "reference": "1", "diff": 0.027, "ci_low": 0.010, "ci_high": 0.045, "n": 4, "n_ref": 4}
    effect |= {"exploratory": False, "split": "test", "seeds_needed": None, "more_needed": None, "power_note": note}
    data = {"objective": "val_accuracy", "questions": [{"param": "layers", "effects": [effect]}]}
    helps = answer_lines(
        {**data, "questions": [{"param": "layers", "effects": [{**effect, "verdict": "helps"}]}]}, "s.py", "st"
    )
    assert (
        helps[1]
        == "  layers: 2 vs 1: helps: +2.7 pts [1.0, 4.5] on the test split, 4 seeds per level; confirmatory (ask)"
    )
    assert not any("cannot settle" in line for line in helps)
    undecided = {**effect, "verdict": "not decided yet", "ci_low": -0.01}
    lines = answer_lines({**data, "questions": [{"param": "layers", "effects": [undecided]}]}, "s.py", "st")
    assert sum("more seeds cannot settle it, a larger test split can; confirmatory" in line for line in lines) == 1
    assert sum("cannot settle" in line for line in lines) == 1


# TINY_SPACE whose 16-unit level diverges (its hidden activations are NaN): every trial of that level fails.
DIVERGING_SPACE = TINY_SPACE.replace(
    'keras.layers.Dense(hp.Choice("units", [8, 16]), activation="relu"),',
    'keras.layers.Dense(hp.Choice("units", [8, 16]), activation="relu"),\n'
    '        keras.layers.Rescaling(float("nan") if hp.get("units") == 16 else 1.0),',
)


@pytest.mark.slow
def test_an_ask_whose_design_trials_fail_runs_no_trial_outside_its_design(write_space, tmp_path):
    import optuna

    assert DIVERGING_SPACE.count("Rescaling") == 1
    space = write_space(DIVERGING_SPACE, "diverging.py")
    storage = f"sqlite:///{tmp_path}/o.db"
    result = _invoke("ask", space, "--factor", "units", "--repeats", "2", "--storage", storage, "-q")
    assert result.exit_code == 0, result.output
    (name,) = optuna.get_all_study_names(storage)
    trials = optuna.load_study(study_name=name, storage=storage).trials
    # The 4 design points only (the failed ones are not replaced by trials the sampler proposes), each once.
    assert sorted((t.params["units"], t.user_attrs["seed"], t.state.name) for t in trials) == sorted(
        [(8, s, "COMPLETE") for s in {t.user_attrs["seed"] for t in trials}]
        + [(16, s, "FAIL") for s in {t.user_attrs["seed"] for t in trials}]
    )
    assert len(trials) == 4 and all(t.user_attrs.get("design_point") is True for t in trials)
    assert "ran 2 levels x 2 seeds; 2 of its 4 trials failed (each counts for its level" in result.stdout


@pytest.mark.parametrize(
    ("flags", "line"),
    [
        (["--epochs", "0"], "error: --epochs must be at least 1, but got 0."),
        (["--epochs", "-1"], "error: --epochs must be at least 1, but got -1."),
        (["--storage", "bogus://x"], "error: --storage 'bogus://x': not a usable Optuna storage URL"),
        # click's own check, one line too; "cli" is CliRunner's name for the program
        (["--fuse-max", "0"], "error: Invalid value for '--fuse-max': 0 is not in the range x>=1 (see `cli ask"),
    ],
)
def test_bad_flags_are_one_line_before_any_study_is_created(tiny_space, tmp_path, flags, line):
    # --epochs 0 used to be refused only after the ablation's study was created (its design said 15 epochs), and a
    # bad --storage only when the store was first used, with the advice to run the same command again.
    result = _invoke("ask", tiny_space, "--factor", "units", "--levels", "8,16", *flags)
    assert result.exit_code == 2
    assert result.stderr.startswith(line) and result.stderr.count("\n") == 1, result.stderr
    assert not (tmp_path / "mlruns").exists()  # no study, no MLflow run


def test_data_that_cannot_load_is_one_line_before_any_study_is_created(tiny_space, tmp_path, monkeypatch):
    # mnist offline (its file missing, the download failing) was refused only after the ablation's study was
    # created: an empty study was left behind. A registered dataset's shape is known without loading it.
    from archsearch.data import _registry
    from archsearch.errors import DatasetError

    def offline():
        raise DatasetError("mnist: mnist.npz is missing and the download failed; download it.")

    entry = _registry.DatasetEntry("mnist", offline, "MNIST", image_shape=(28, 28, 1), num_classes=10)
    monkeypatch.setitem(_registry._REGISTRY, "mnist", entry)
    _registry.load_dataset.cache_clear()
    result = _invoke("ask", tiny_space, "--factor", "units", "--levels", "8,16", "--dataset", "mnist")
    assert result.exit_code == 2
    assert result.stderr == "error: mnist: mnist.npz is missing and the download failed; download it.\n"
    assert not (tmp_path / "mlruns").exists()  # no study, no MLflow run


def test_report_with_a_bad_storage_url_says_the_url_is_not_usable(tiny_space, tmp_path):
    result = _invoke("report", tiny_space, "--storage", "bogus://x")
    assert result.exit_code == 2
    assert result.stderr.startswith("error: --storage 'bogus://x': not a usable Optuna storage URL"), result.stderr
