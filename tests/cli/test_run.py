"""`archsearch run` end to end: Optuna study, MLflow parent/child runs, resume, bad input."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from archsearch.cli import cli
from tests.conftest import TINY_SPACE


def _run(*args: str):
    return CliRunner().invoke(cli, ["run", *map(str, args)], catch_exceptions=False)


def _study(tmp_path: Path, name: str):
    import optuna

    return optuna.load_study(study_name=name, storage=f"sqlite:///{tmp_path}/mlruns/optuna.db")


def _mlflow(tmp_path: Path):
    from mlflow.tracking import MlflowClient

    return MlflowClient(tracking_uri=f"sqlite:///{tmp_path}/mlruns/mlflow.db")


@pytest.mark.slow
def test_run_records_study_and_mlflow_runs_then_resumes(tmp_path, tiny_space):
    result = _run(tiny_space, "--trials", 2, "--seed", 3)
    assert result.exit_code == 0, result.output
    assert "Best: val_accuracy" in result.stdout
    assert "[2/2] trial 1" in result.stderr

    study = _study(tmp_path, "tiny")
    trials = study.get_trials()
    assert [t.state.name for t in trials] == ["COMPLETE", "COMPLETE"]
    for t in trials:
        assert t.user_attrs["seed"] == 3 + t.number
        assert t.user_attrs["params_count"] == (64 + 1) * t.params["units"] + (t.params["units"] + 1) * 10
        assert set(t.user_attrs["history"]) >= {"loss", "accuracy", "val_loss", "val_accuracy"}
        assert t.value == pytest.approx(t.user_attrs["history"]["val_accuracy"][-1])
        assert 0.0 <= t.user_attrs["metrics"]["test_accuracy"] <= 1.0

    client = _mlflow(tmp_path)
    experiment = client.get_experiment_by_name("tiny")
    runs = client.search_runs([experiment.experiment_id])
    parents = [r for r in runs if "mlflow.parentRunId" not in r.data.tags]
    children = [r for r in runs if "mlflow.parentRunId" in r.data.tags]
    assert len(parents) == 1 and len(children) == 2
    parent = parents[0]
    assert parent.info.status == "FINISHED"
    assert parent.data.tags["archsearch.dataset"] == "digits"
    assert parent.data.tags["archsearch.space"] == str(tiny_space)
    assert len(parent.data.tags["archsearch.space_sha256"]) == 64
    assert "archsearch.version" in parent.data.tags
    by_trial = {int(r.data.tags["archsearch.trial"]): r for r in children}
    for t in trials:
        run = by_trial[t.number]
        assert run.data.tags["mlflow.parentRunId"] == parent.info.run_id
        assert run.info.status == "FINISHED"
        assert run.data.params["units"] == str(t.params["units"])
        assert run.info.run_name == f"trial-{t.number} units={t.params['units']}"
        assert f"**Trial {t.number}**: complete." in run.data.tags["mlflow.note.content"]
        assert run.data.metrics["params_count"] == t.user_attrs["params_count"]
        assert run.data.metrics["rss_mib"] == t.user_attrs["rss_mib"] > 0
        assert run.data.metrics["objective"] == pytest.approx(t.value)
        assert run.data.metrics["curves/val_accuracy"] == pytest.approx(t.value)  # the curve's last point
        assert "final/val_accuracy" not in run.data.metrics  # one metric per meaning
        assert run.data.metrics["final/test_accuracy"] == pytest.approx(t.user_attrs["metrics"]["test_accuracy"])
        assert run.data.metrics["fit_seconds"] > 0
        curve = client.get_metric_history(run.info.run_id, "curves/val_loss")
        assert [m.step for m in curve] == [1]  # one epoch
        (dataset,) = run.inputs.dataset_inputs
        assert dataset.dataset.name == "digits" and len(dataset.dataset.digest) == 8
    assert parent.data.metrics["best_objective"] == pytest.approx(max(t.value for t in trials))
    assert parent.data.params["sampler"] == "tpe"

    # Same command with a higher target resumes: one more trial, none repeated.
    result = _run(tiny_space, "--trials", 3, "--seed", 3)
    assert result.exit_code == 0, result.output
    assert "2 finished, running until 3" in result.stderr
    assert [t.number for t in _study(tmp_path, "tiny").get_trials()] == [0, 1, 2]
    assert len(client.search_runs([experiment.experiment_id], "tags.archsearch.trial = '2'")) == 1

    # Target already met: nothing runs, nothing is added.
    result = _run(tiny_space, "--trials", 3, "--seed", 3)
    assert result.exit_code == 0, result.output
    assert "nothing to run" in result.stderr
    assert len(_study(tmp_path, "tiny").get_trials()) == 3


@pytest.mark.slow
def test_continuing_a_study_with_other_training_settings_is_refused(tmp_path, tiny_space):
    """One population per study: trials of 1 and 2 epochs never pool (issue 30)."""
    import optuna

    from archsearch.study._population import same_training

    (tmp_path / "mlruns").mkdir(exist_ok=True)
    study = optuna.create_study(
        study_name="tiny", storage=f"sqlite:///{tmp_path}/mlruns/optuna.db", direction="maximize"
    )
    first = {"epochs": 1, "dataset": "digits", "batch_size": 64, "seed": 0, "validation_split": 0.2}
    same_training(study, tiny_space, "tiny", first)  # what a first `run --epochs 1` records
    same_training(study, tiny_space, "tiny", dict(first))  # the same settings again: accepted
    assert study.user_attrs["archsearch.training"] == first
    result = _run(tiny_space, "--trials", 2, "--epochs", 2)
    assert result.exit_code == 2
    (line,) = result.stderr.splitlines()  # before the banner and the data: the error alone
    assert line.startswith("error: ") and "--epochs 1 then 2" in line and "--study NAME" in line
    assert _study(tmp_path, "tiny").get_trials() == []


@pytest.mark.slow
def test_failing_trials_are_recorded_and_the_run_stops_after_max_failures(tmp_path, write_space):
    path = write_space(
        TINY_SPACE.replace(
            "    model = keras.Sequential",
            # Raises for every sampled value, not the default (0): that one would stop the run before any trial.
            "    if hp.Int('boom', 0, 1000) > 0:\n"
            "        raise ValueError('no such layer')\n    model = keras.Sequential",
        )
    )
    result = CliRunner().invoke(cli, ["run", str(path), "--trials", "5", "--max-failures", "2"])
    assert result.exit_code == 1, result.output
    assert "2 trials in a row failed" in result.stderr and "ValueError: no such layer" in result.stderr
    trials = _study(tmp_path, "space").get_trials()
    assert [t.state.name for t in trials] == ["FAIL", "FAIL"]
    assert trials[0].user_attrs["error"] == "ValueError: no such layer"
    runs = _mlflow(tmp_path).search_runs([_mlflow(tmp_path).get_experiment_by_name("space").experiment_id])
    assert sorted(r.info.status for r in runs) == ["FAILED", "FAILED", "FAILED"]
    failed = next(r for r in runs if r.data.tags.get("archsearch.trial") == "0")
    assert "ValueError: no such layer" in failed.data.tags["mlflow.note.content"]
    trace = _mlflow(tmp_path).download_artifacts(failed.info.run_id, "traceback.txt", str(tmp_path))
    assert "Traceback (most recent call last)" in Path(trace).read_text()


BAD_BUILDERS = {
    "not_a_model": ("def build(hp):\n    return 'model'\n", r"build\(\) must return a keras\.Model, but returned str"),
    "wrong_outputs": (
        "def build(hp, input_shape):\n    import keras\n"
        "    return keras.Sequential([keras.Input(input_shape), keras.layers.Dense(3)])\n",
        r"the model outputs 3 units but the dataset has 10 classes",
    ),
    # Each of these failed every trial (5 FAIL trials, exit 1, "raise --max-failures"), or trained on with a
    # false verdict (the questions).
    "raises_with_the_defaults": (
        "def build(hp):\n    hp.Int('units', 8, 16)\n    raise ValueError('oops in my builder')\n",
        r"raises_with_the_defaults\.py:5: build\(\) with the default values raised ValueError: oops in my builder$",
    ),
    "wrong_input_shape": (
        "def build(hp, num_classes):\n    import keras\n"
        "    return keras.Sequential([keras.Input((784,)), keras.layers.Dense(num_classes)])\n",
        r"the model's input shape is \(784,\) but the data's is \(64,\); .*keras\.Input\(shape=input_shape\)",
    ),
    "objective_typo": (
        "OBJECTIVE = 'val_acc'\n"
        "def build(hp, input_shape, num_classes):\n    import keras\n"
        "    model = keras.Sequential([keras.Input(input_shape), keras.layers.Dense(num_classes)])\n"
        "    model.compile(loss='sparse_categorical_crossentropy', metrics=['accuracy'])\n    return model\n",
        r"OBJECTIVE 'val_acc' is not among the metrics Keras will report \(accuracy, loss, val_accuracy, val_loss\); "
        r"did you mean 'val_accuracy'\?",
    ),
    "question_typo": (
        TINY_SPACE.replace('Question("units"', 'Question("unit"'),
        r"question_typo\.py: Question\('unit'\) names no hyperparameter of build\(\) \(declared: units\); "
        r"did you mean 'units'\?$",
    ),
    "baseline_outside": (
        TINY_SPACE.replace("baseline=8", "baseline=32"),
        r"Question\('units'\) has baseline=32, not a value of units \(one of 8, 16, default 8\); set baseline",
    ),
}


@pytest.mark.parametrize(
    ("args", "match"),
    [
        (["missing.py"], r"missing\.py: cannot load the space file \(no such file\)"),
        (["{space}", "--trials", "0"], r"--trials must be at least 1, but got 0"),
        (["{space}", "--trials", "-3"], r"--trials must be at least 1, but got -3"),
        (["{space}", "--epochs", "0"], r"--epochs must be at least 1"),
        (["{space}", "--dataset", "nosuch"], r"unknown dataset 'nosuch'\. Known: .*digits"),
        (["{space}", "--storage", "nonsense"], r"--storage 'nonsense': not a usable Optuna storage URL"),
        (["{space}", "--storage", "foo://x/y"], r"--storage 'foo://x/y': not a usable Optuna storage URL"),
        (
            ["{space}", "--tracking-uri", "sqlite:///{space}/sub/m.db"],
            r"--tracking-uri .*cannot create .*is not a writable folder",
        ),
        (["{syntax}"], r"syntax\.py:2: syntax error"),
        (["{nobuild}"], r"nobuild\.py: no builder"),
    ],
)
def test_bad_input_is_one_line_exit_2_and_writes_nothing(tmp_path, tiny_space, write_space, args, match):
    paths = {
        "space": tiny_space,
        "syntax": write_space("X = 1\ndef build(hp:\n", "syntax.py"),
        "nobuild": write_space("X = 1\n", "nobuild.py"),
    }
    args = [a.format(**paths) for a in args]
    result = CliRunner().invoke(cli, ["run", *args])
    assert result.exit_code == 2, result.output
    assert result.stderr.startswith("error: ") and result.stderr.count("\n") == 1
    assert pytest.importorskip("re").search(match, result.stderr), result.stderr
    assert not (tmp_path / "mlruns").exists()


@pytest.mark.slow
@pytest.mark.parametrize("case", sorted(BAD_BUILDERS))
def test_bad_builders_fail_before_anything_is_written(tmp_path, write_space, case):
    body, match = BAD_BUILDERS[case]
    path = write_space('DATASET = "digits"\nINPUT = "flat"\n' + body, f"{case}.py")
    result = CliRunner().invoke(cli, ["run", str(path), "--trials", "1"])
    assert result.exit_code == 2, result.output
    (line,) = [ln for ln in result.stderr.splitlines() if ln.startswith("error: ")]
    assert pytest.importorskip("re").search(match, line), result.stderr
    assert not (tmp_path / "mlruns").exists()


@pytest.mark.slow
def test_a_space_error_in_a_trial_stops_the_run_at_once_exit_2(tmp_path, write_space):
    # The default build is fine, but every sampled value gives the wrong number of outputs: no trial can succeed.
    # It failed 5 trials and advised "raise --max-failures" (exit 1); now it stops after the first, exit 2.
    path = write_space(
        'DATASET = "digits"\nINPUT = "flat"\n'
        "def build(hp, input_shape):\n    import keras\n"
        "    out = hp.Int('out', 10, 1000)\n"
        "    return keras.Sequential([keras.Input(input_shape), keras.layers.Dense(out)])\n",
        "outputs.py",
    )
    result = CliRunner().invoke(cli, ["run", str(path), "--trials", "5"])
    assert result.exit_code == 2, result.output
    assert result.stderr.splitlines()[-1].startswith(f"error: {path}: the model outputs ")
    assert "no other trial could succeed" in result.stderr and "--max-failures" not in result.stderr
    assert [t.state.name for t in _study(tmp_path, "outputs").get_trials()] == ["FAIL"]


def test_debug_shows_the_traceback(tiny_space):
    result = CliRunner().invoke(cli, ["--debug", "run", "missing.py"])
    assert result.exit_code != 0
    assert type(result.exception).__name__ == "SpaceError"


TF_START_UP_LINES = ("absl::InitializeLog", "oneDNN", "cpu_feature_guard")


@pytest.mark.parametrize(("args", "level"), [((), "2"), (("--debug",), "0")])
def test_tensorflow_start_up_lines_are_silenced_unless_debug(monkeypatch, args, level):
    import os

    monkeypatch.delenv("TF_CPP_MIN_LOG_LEVEL", raising=False)
    result = CliRunner().invoke(cli, [*args, "datasets"])
    assert result.exit_code == 0, result.output
    assert os.environ["TF_CPP_MIN_LOG_LEVEL"] == level  # set before any command imports TensorFlow


@pytest.mark.slow
def test_run_prints_no_tensorflow_start_up_lines(tmp_path, tiny_space):
    import os
    import subprocess
    import sys

    env = {k: v for k, v in os.environ.items() if k != "TF_CPP_MIN_LOG_LEVEL"}
    done = subprocess.run(
        [sys.executable, "-m", "archsearch", "run", str(tiny_space), "--trials", "1"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr
    assert "[1/1] trial 0" in done.stderr
    assert not [line for line in done.stderr.splitlines() if any(s in line for s in TF_START_UP_LINES)], done.stderr


@pytest.mark.slow
def test_a_timeout_that_ends_the_run_short_says_so_and_how_to_go_on(tmp_path, tiny_space):
    """Exit 0 (it did what --timeout asked), but not an ordinary summary with no reason."""
    result = _run(tiny_space, "--trials", "20", "--timeout", "0.001", "--quiet")
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0].startswith("Study 'tiny': ") and "/20 finished trials" in lines[0]
    assert lines[1] == "  The timeout ended it before the target: no trial starts after it."
    assert f"Resume with: archsearch run {tiny_space} --trials 20" in result.stdout
