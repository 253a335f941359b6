"""`archsearch ask`: what it refuses before anything is written (a base outside the space, a study of another
kind), and an ask whose every trial failed."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from archsearch.cli import cli
from tests.cli.test_show import REFS_REFUSED, REFS_SPACE
from tests.conftest import TINY_SPACE


def _invoke(*args):
    return CliRunner().invoke(cli, [*map(str, args)], catch_exceptions=False)


def _one_line(result, start: str) -> None:
    assert result.exit_code == 2, result.output
    assert result.stderr.startswith(start) and result.stderr.count("\n") == 1, result.stderr


@pytest.mark.parametrize("name", sorted(REFS_REFUSED))
def test_a_reference_base_outside_the_space_is_refused_as_show_refuses_it(write_space, tmp_path, name):
    # It used to run the default base (a misspelled name), fail every trial (units=32), train outside the space
    # with Optuna's warning on the terminal (learning_rate=0.5), or say Keras's words (units='64').
    space = write_space(REFS_SPACE, "refs.py")
    result = _invoke("ask", space, "--factor", "learning_rate", "--levels", "0.001,0.01", "--base", f"reference:{name}")
    _one_line(result, f"error: {space}: {REFS_REFUSED[name]}")
    assert not (tmp_path / "mlruns").exists()  # no study, no MLflow run


@pytest.mark.parametrize(
    ("values", "words"),
    [
        ({"unit": 64}, "sets 'unit', which the space does not declare with these values (declared: learning_rate"),
        ({"units": 32}, "sets units=32, not one of its values (16, 64, 256); fix the file (`archsearch show "),
        ({"units": "64"}, "sets units='64', not one of its values (16, 64, 256)"),
        ({"learning_rate": 0.5}, "sets learning_rate=0.5, outside its space (float in [0.001, 0.01] (log)"),
    ],
)
def test_a_json_base_outside_the_space_is_refused_with_one_line(write_space, tmp_path, values, words):
    space = write_space(REFS_SPACE, "refs.py")
    base = tmp_path / "base.json"
    base.write_text(json.dumps(values))
    result = _invoke("ask", space, "--factor", "units", "--levels", "16,64", "--base", base)
    _one_line(result, f"error: {base} {words}")
    assert not (tmp_path / "mlruns").exists()


def test_an_added_base_outside_the_space_is_refused_before_the_study_is_read(write_space, tmp_path):
    space = write_space(REFS_SPACE, "refs.py")
    result = _invoke("ask", space, "--factor", "units", "--levels", "16,64", "--add-base", "reference:typo")
    _one_line(result, f"error: {space}: {REFS_REFUSED['typo']}")
    assert not (tmp_path / "mlruns").exists()


def _study_with_a_trial(name: str, design: dict | None = None):
    from pathlib import Path

    import optuna

    from archsearch.schema import StudyAttr
    from archsearch.stores import resolve_storage

    Path("mlruns").mkdir(exist_ok=True)  # the default store's folder (each test runs in its tmp_path)
    study = optuna.create_study(study_name=name, storage=resolve_storage(None), direction="maximize")
    if design is not None:
        study.set_user_attr(StudyAttr.DESIGN, design)
    study.add_trial(
        optuna.trial.create_trial(
            params={"units": 8}, distributions={"units": optuna.distributions.CategoricalDistribution([8, 16])}, value=1
        )
    )
    return study


def test_ask_refuses_a_search_study_named_by_study_and_writes_nothing(tiny_space):
    # It used to write an ablation's design onto `archsearch run`'s study: every later run and report of it was wrong.
    search = _study_with_a_trial("tiny")
    result = _invoke("ask", tiny_space, "--factor", "units", "--levels", "8,16", "--repeats", "1", "--study", "tiny")
    _one_line(result, "error: --study 'tiny' is a search study (1 trial), not this ablation's design")
    assert "Drop --study (this design's own study is 'tiny-ablation-units-" in result.stderr
    assert search.user_attrs == {} and len(search.get_trials()) == 1


def test_run_refuses_an_ablation_study_named_by_study(tiny_space):
    ablation = _study_with_a_trial("tiny-ablation-units-0123abcd", {"kind": "ablation", "factor": "units"})
    result = _invoke("run", tiny_space, "--study", ablation.study_name, "--trials", "2")
    _one_line(
        result,
        f"error: {tiny_space}: study '{ablation.study_name}' holds an ablation of units (written by `archsearch ask`), "
        "not a search",
    )
    assert len(ablation.get_trials()) == 1


def test_ask_help_gives_its_own_default_study():
    text = " ".join(_invoke("ask", "--help").output.split()).replace("ablation- FACTOR", "ablation-FACTOR")
    assert "--study NAME Optuna study name. Default: SPACE-ablation-FACTOR-HASH, this design's own." in text
    assert "the space file's name" not in text


# TINY_SPACE whose every model diverges (its hidden activations are NaN): every trial fails at its first epoch.
ALL_FAILING_SPACE = TINY_SPACE.replace(
    'keras.layers.Dense(hp.Choice("units", [8, 16]), activation="relu"),',
    'keras.layers.Dense(hp.Choice("units", [8, 16]), activation="relu"),\n'
    '        keras.layers.Rescaling(float("nan")),',
)


@pytest.mark.slow
def test_an_ask_whose_every_trial_failed_says_so_and_exits_1(write_space):
    # It exited 0 with the verdict "no trial has a value for 'learning_rate'" (or advice to ask with more seeds).
    assert ALL_FAILING_SPACE.count("Rescaling") == 1
    space = write_space(ALL_FAILING_SPACE, "failing.py")
    result = _invoke("ask", space, "--factor", "units", "--repeats", "1", "-q")
    assert result.exit_code == 1, result.output
    assert result.stderr.startswith(
        f"error: {space}: every trial of the ablation failed (2 trials), so it has no answer; the first: "
        "FailedTrialError: the loss is nan at epoch 1"
    )
    assert result.stderr.count("\n") == 1 and "Verdicts" not in result.stdout
