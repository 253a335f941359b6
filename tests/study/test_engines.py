"""--engine keras-tuner:*: keras-tuner's tuners on a space file, recorded in the Optuna study and MLflow runs."""

from __future__ import annotations

import os
import warnings

import pytest
from click.testing import CliRunner

from archsearch.cli import cli
from archsearch.errors import UsageError
from archsearch.study import RunOptions, resume_args

ENGINE_SPACE = '''
"""A tiny dense space with each kind of keras-tuner hyperparameter."""
DATASET = "digits"
INPUT = "flat"
EPOCHS = 1
BATCH_SIZE = 64
TRIALS = 3


def build_model(hp):
    import keras

    model = keras.Sequential([keras.layers.Dense(hp.Int("units", 8, 24, step=8), activation="relu")])
    if hp.Boolean("dropout"):
        model.add(keras.layers.Dropout(hp.Float("rate", 0.1, 0.3, step=0.1)))
    model.add(keras.layers.Dense(10, activation="softmax"))
    lr = hp.Float("lr", 1e-3, 1e-2, sampling="log")
    model.compile(optimizer=keras.optimizers.Adam(lr), loss="categorical_crossentropy", metrics=["accuracy"])
    return model
'''


def _declare(hp):
    hp.Int("units", 8, 64, step=8)
    hp.Int("filters", 4, 64, step=2, sampling="log")
    hp.Float("lr", 1e-4, 1e-1, sampling="log")
    hp.Float("momentum", 0.5, 0.99, sampling="reverse_log")
    hp.Choice("act", ["relu", "tanh"])
    hp.Fixed("seed_layer", 3)
    if hp.Boolean("dropout"):
        with hp.conditional_scope("dropout", [True]):
            hp.Float("rate", 0.0, 0.5, step=0.1)


def test_keras_tuner_values_land_on_an_optuna_trial_with_the_distributions_archsearch_samples_from():
    import keras_tuner
    import optuna

    from archsearch.space import OptunaHyperParameters, record_on_trial

    sampled = optuna.create_study(sampler=optuna.samplers.RandomSampler(seed=1))
    for _ in range(5):  # archsearch's own Optuna hp object: the reference distributions
        _declare(OptunaHyperParameters(sampled.ask()))
    reference = {}
    for t in sampled.trials:
        reference.update(t.distributions)

    oracle_study = optuna.create_study()
    for seed in range(5):  # keras-tuner picks values (random oracle draws), archsearch records them
        hp = keras_tuner.HyperParameters()
        _declare(hp)
        oracle = keras_tuner.oracles.RandomSearchOracle(hyperparameters=hp, seed=seed, max_trials=1)
        values = oracle.populate_space("0")["values"]
        picked = keras_tuner.HyperParameters()
        picked.values.update(values)
        _declare(picked)
        oracle_study.enqueue_trial(record_on_trial(None, picked))
        trial = oracle_study.ask()
        record_on_trial(trial, picked)
        oracle_study.tell(trial, 0.0)
        stored = oracle_study.trials[-1]
        assert stored.distributions == {k: reference[k] for k in stored.distributions}
        for name, value in picked.values.items():
            if name == "seed_layer":
                assert name not in stored.params  # Fixed: not a param, as with archsearch's hp
            elif name == "momentum":  # reverse_log: stored as its log-scale mirror
                assert stored.params["momentum~mirror"] == pytest.approx(0.5 + 0.99 - value)
            elif picked.is_active(picked._hps[name][0]):
                assert stored.params[name] == (pytest.approx(value) if isinstance(value, float) else value)
        assert ("rate" in stored.params) == bool(picked.values["dropout"])


@pytest.mark.parametrize(
    ("changes", "match"),
    [
        ({"pruner": "median"}, "--pruner median is an Optuna setting"),
        ({"repeats": 2}, "--repeats 2 is an Optuna setting"),
        ({"sampler": "random"}, "--sampler random is an Optuna setting"),
        ({"engine": "keras-tuner:grid"}, "--engine must be one of optuna, keras-tuner:random"),
        (
            {"recycle_after": 10},
            "--recycle-after 10: --engine keras-tuner:random keeps its tuner's search in one process",
        ),
        ({"max_rss_mib": 500}, "--max-rss-mib 500: --engine keras-tuner:random keeps"),
    ],
)
def test_options_that_keras_tuner_engines_cannot_honour_are_refused(changes, match):
    options = RunOptions(**{"engine": "keras-tuner:random", **changes})
    with pytest.raises(UsageError, match=match):
        options.validate()


def test_a_keras_tuner_engine_is_never_recycled_and_the_optuna_engine_every_50_trials_by_default():
    from archsearch.study import RECYCLE_AFTER

    assert RunOptions(engine="keras-tuner:hyperband").recycle_every == 0
    assert RunOptions(engine="keras-tuner:hyperband", recycle_after=0).recycle_every == 0
    RunOptions(engine="keras-tuner:hyperband", recycle_after=0).validate()  # "never" is what it does anyway
    assert RunOptions().recycle_every == RECYCLE_AFTER == 50
    assert RunOptions(recycle_after=7).recycle_every == 7
    help_text = CliRunner().invoke(cli, ["run", "--help"]).output
    assert f"Default: {RECYCLE_AFTER} with the Optuna engine" in " ".join(help_text.split())


def test_the_resume_command_keeps_the_engine():
    assert resume_args("s.py", RunOptions(engine="keras-tuner:hyperband"))[-2:] == ["--engine", "keras-tuner:hyperband"]


def test_workers_need_the_optuna_engine(tmp_path, write_space):
    space = write_space(ENGINE_SPACE, "eng.py")
    result = CliRunner().invoke(cli, ["run", str(space), "--engine", "keras-tuner:random", "--workers", "2"])
    assert result.exit_code == 2
    assert "--workers 2 needs --engine optuna" in result.output
    assert not (tmp_path / "mlruns").exists()


@pytest.mark.slow
@pytest.mark.parametrize("engine", ["keras-tuner:random", "keras-tuner:bayesian", "keras-tuner:hyperband"])
def test_engine_end_to_end_records_the_study_and_mlflow_runs(tmp_path, write_space, monkeypatch, engine):
    import optuna
    from mlflow.tracking import MlflowClient

    space = write_space(ENGINE_SPACE, "eng.py")
    work = tmp_path / "cwd"
    work.mkdir()
    monkeypatch.chdir(work)
    hyperband = engine.endswith("hyperband")
    trials, epochs = (4, 3) if hyperband else (3, 1)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        result = CliRunner().invoke(
            cli,
            ["run", str(space), "--engine", engine, "--trials", str(trials), "--epochs", str(epochs)],
            catch_exceptions=False,
        )
    assert result.exit_code == 0, result.output
    # Hyperband's warm start reloads weights without the optimizer's state, as keras-tuner means to: no warning.
    assert not [w for w in caught if "Skipping variable loading" in str(w.message)]
    name = f"eng-{engine.replace(':', '-')}"
    assert f"Study '{name}': {trials}/{trials} finished" in result.stdout
    assert os.listdir(work) == []  # keras-tuner's directory went to a temporary folder

    study = optuna.load_study(study_name=name, storage=f"sqlite:///{tmp_path}/mlruns/optuna.db")
    assert study.user_attrs["archsearch.engine"] == engine
    done = study.get_trials()
    assert [t.state.name for t in done] == ["COMPLETE"] * trials
    for t in done:
        assert {"units", "dropout", "lr"} <= set(t.params) and set(t.distributions) == set(t.params)
        assert ("rate" in t.params) == t.params["dropout"]
        assert t.value == pytest.approx(t.user_attrs["history"]["val_accuracy"][-1])
        assert t.user_attrs["engine_trial"]
    epochs_run = [len(t.user_attrs["history"]["val_accuracy"]) for t in done]
    if hyperband:  # brackets: short trials first, then longer ones that continue the best (initial_epoch > 0)
        assert min(epochs_run) == 1 and max(epochs_run) > 1
    else:
        assert epochs_run == [epochs] * trials

    client = MlflowClient(tracking_uri=f"sqlite:///{tmp_path}/mlruns/mlflow.db")
    runs = client.search_runs([client.get_experiment_by_name(name).experiment_id])
    parents = [r for r in runs if "mlflow.parentRunId" not in r.data.tags]
    children = [r for r in runs if "mlflow.parentRunId" in r.data.tags]
    assert len(parents) == 1 and len(children) == trials
    assert parents[0].data.tags["archsearch.engine"] == engine
    assert parents[0].data.params["engine"] == engine
    by_trial = {int(r.data.tags["archsearch.trial"]): r for r in children}
    for t in done:
        assert by_trial[t.number].data.params["units"] == str(t.params["units"])
        assert by_trial[t.number].data.metrics["objective"] == pytest.approx(t.value)

    # `report` reads the engine's study like any other.
    rep = CliRunner().invoke(cli, ["report", name, "--format", "json", "--no-mlflow"], catch_exceptions=False)
    assert rep.exit_code == 0, rep.output
    assert f'"study": "{name}"' in rep.stdout

    # A study searched with one engine refuses another.
    again = CliRunner().invoke(cli, ["run", str(space), "--study", name, "--trials", str(trials + 1)])
    assert again.exit_code == 2 and f"was searched with --engine {engine}" in again.output
