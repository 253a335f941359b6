"""Trial outcomes through run_search: pruning, divergence, OOM, chance level, repeats, determinism, recycling."""

from __future__ import annotations

from pathlib import Path

import optuna
import pytest

from archsearch import load_trials
from archsearch.seeds import repeat_seeds
from archsearch.study import RunOptions, run_search
from tests.conftest import TINY_SPACE


def _study(tmp_path: Path, name: str, db: str = "optuna.db"):
    return optuna.load_study(study_name=name, storage=f"sqlite:///{tmp_path}/mlruns/{db}")


def _runs(tmp_path: Path, experiment: str, db: str = "mlflow.db") -> dict:
    """MLflow runs of an experiment: {"parents": [...], trial number: child run}."""
    from mlflow.tracking import MlflowClient

    client = MlflowClient(tracking_uri=f"sqlite:///{tmp_path}/mlruns/{db}")
    runs = client.search_runs([client.get_experiment_by_name(experiment).experiment_id])
    out: dict = {"parents": [r for r in runs if "mlflow.parentRunId" not in r.data.tags], "client": client}
    out.update({int(r.data.tags["archsearch.trial"]): r for r in runs if "archsearch.trial" in r.data.tags})
    return out


PRUNE_SPACE = """
DATASET = "digits"
INPUT = "flat"
EPOCHS = 3
BATCH_SIZE = 64


def build(hp, input_shape, num_classes):
    import keras

    broken = hp.Boolean("broken")  # zero weights, zero learning rate: stuck at chance
    init = "zeros" if broken else "glorot_uniform"
    model = keras.Sequential([
        keras.Input(shape=input_shape),
        keras.layers.Dense(16, activation="relu", kernel_initializer=init),
        keras.layers.Dense(num_classes, activation="softmax", kernel_initializer=init),
    ])
    model.compile(optimizer=keras.optimizers.Adam(0.0 if broken else 0.01),
                  loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    return model
"""


@pytest.mark.slow
def test_median_pruner_prunes_the_bad_region_and_keeps_its_curves(tmp_path, write_space):
    space = write_space(PRUNE_SPACE, "prune.py")
    design = [({"broken": False}, s) for s in range(3)] + [({"broken": True}, s) for s in range(3, 5)]
    result = run_search(space, RunOptions(trials=5, pruner="median", quiet=True), enqueue=design)
    assert result.finished == 5

    trials = _study(tmp_path, "prune").get_trials()
    states = {t.number: (t.params["broken"], t.state.name) for t in trials}
    assert sorted(states.values()) == [(False, "COMPLETE")] * 3 + [(True, "PRUNED")] * 2
    runs = _runs(tmp_path, "prune")
    for t in trials:
        run = runs[t.number]
        assert t.user_attrs["at_chance"] is t.params["broken"]
        assert run.data.tags["archsearch.at_chance"] == str(t.params["broken"]).lower()
        if t.state.name == "PRUNED":
            # MedianPruner: warm-up of one step, so the first check is after epoch 2.
            assert t.user_attrs["pruned_epoch"] == 2
            assert len(t.user_attrs["history"]["val_accuracy"]) == 2
            assert run.info.status == "KILLED"
            assert run.data.tags["archsearch.state"] == "PRUNED"
            assert run.data.tags["archsearch.pruned_epoch"] == "2"
            curve = runs["client"].get_metric_history(run.info.run_id, "curves/val_accuracy")
            assert [m.step for m in curve] == [1, 2]  # step = epoch
        else:
            assert run.info.status == "FINISHED"
            assert sorted(t.intermediate_values) == [0, 1, 2]


FAIL_SPACE = """
DATASET = "digits"
INPUT = "flat"
EPOCHS = 3
BATCH_SIZE = 64


def build(hp, input_shape, num_classes):
    import keras

    mode = hp.Choice("mode", ["ok", "nan", "oom"])
    if mode == "oom":
        import tensorflow as tf

        raise tf.errors.ResourceExhaustedError(None, None, "OOM when allocating tensor with shape[1000000,1000000]")
    model = keras.Sequential([keras.Input(shape=input_shape), keras.layers.Dense(16, activation="relu"),
                              keras.layers.Dense(num_classes, activation="softmax")])
    lr = 1e12 if mode == "nan" else 0.01
    model.compile(optimizer=keras.optimizers.SGD(lr), loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    return model
"""


@pytest.mark.slow
def test_diverged_and_out_of_memory_trials_fail_with_the_reason_and_the_study_goes_on(tmp_path, write_space):
    space = write_space(FAIL_SPACE, "fails.py")
    design = [({"mode": "nan"}, 0), ({"mode": "oom"}, 1), ({"mode": "ok"}, 2)]
    result = run_search(space, RunOptions(trials=1, quiet=True), enqueue=design)
    assert (result.finished, result.failed) == (1, 2)

    trials = {t.params["mode"]: t for t in _study(tmp_path, "fails").get_trials()}
    runs = _runs(tmp_path, "fails")
    nan = trials["nan"]
    assert nan.state.name == "FAIL"
    assert "at epoch 1" in nan.user_attrs["error"] and "smaller learning rate" in nan.user_attrs["error"]
    assert len(nan.user_attrs["history"]["loss"]) == 1  # stopped at once, curve kept
    oom = trials["oom"]
    assert oom.state.name == "FAIL" and oom.user_attrs["error"].startswith("out of memory: ResourceExhaustedError")
    assert trials["ok"].state.name == "COMPLETE"
    for mode in ("nan", "oom"):
        run = runs[trials[mode].number]
        assert run.info.status == "FAILED"
        assert run.data.tags["archsearch.error"] == trials[mode].user_attrs["error"]


@pytest.mark.slow
def test_repeats_keep_every_seed_and_the_sampler_sees_the_mean(tmp_path, write_space):
    space = write_space(TINY_SPACE, "tiny.py")
    run_search(space, RunOptions(trials=2, repeats=3, seed=4, quiet=True))

    trials = _study(tmp_path, "tiny").get_trials()
    runs = _runs(tmp_path, "tiny")
    for t in trials:
        seeds, values = t.user_attrs["repeat_seeds"], t.user_attrs["repeat_values"]
        assert seeds == repeat_seeds(4 + t.number, 3)
        assert len(values) == 3 and len(t.user_attrs["repeat_metrics"]) == 3
        assert t.value == pytest.approx(sum(values) / 3)
        metrics = runs[t.number].data.metrics
        assert [metrics[f"seed_{r}/objective"] for r in range(3)] == pytest.approx(values)
        assert metrics["objective"] == pytest.approx(t.value)
        assert runs[t.number].data.tags["archsearch.repeat_seeds"] == ",".join(map(str, seeds))
        assert runs[t.number].data.tags["archsearch.fused"] == "3"  # one pack (tests/study/test_fused_trials.py)
    table = load_trials("tiny", f"sqlite:///{tmp_path}/mlruns/optuna.db")
    assert len(table) == 6
    assert sorted(table["seed"]) == sorted(s for t in trials for s in t.user_attrs["repeat_seeds"])


@pytest.mark.slow
def test_same_seed_gives_the_same_params_and_metrics(tmp_path, write_space):
    space = write_space(TINY_SPACE.replace("EPOCHS = 1", "EPOCHS = 2"), "tiny.py")
    for db in ("a", "b"):
        run_search(
            space,
            RunOptions(
                trials=3,
                seed=11,
                quiet=True,
                storage=f"sqlite:///{tmp_path}/mlruns/{db}.db",
                tracking_uri=f"sqlite:///{tmp_path}/mlruns/{db}-mlflow.db",
            ),
        )
    a, b = (_study(tmp_path, "tiny", f"{db}.db").get_trials() for db in ("a", "b"))
    assert [t.params for t in a] == [t.params for t in b]
    assert [t.user_attrs["history"] for t in a] == [t.user_attrs["history"] for t in b]
    assert [t.user_attrs["metrics"]["test_accuracy"] for t in a] == [
        t.user_attrs["metrics"]["test_accuracy"] for t in b
    ]
    assert [t.user_attrs["seed"] for t in a] == [11, 12, 13]


@pytest.mark.slow
def test_grid_sampler_runs_every_combination(tmp_path, write_space):
    body = TINY_SPACE.replace('activation="relu"', 'activation=hp.Choice("act", ["relu", "tanh"])')
    space = write_space(body, "tiny.py")
    run_search(space, RunOptions(trials=4, sampler="grid", quiet=True))
    combos = {(t.params["units"], t.params["act"]) for t in _study(tmp_path, "tiny").get_trials()}
    assert combos == {(8, "relu"), (8, "tanh"), (16, "relu"), (16, "tanh")}
    from archsearch.report import build_report

    notes = build_report(str(space), tracking_uri=f"sqlite:///{tmp_path}/mlruns/mlflow.db").to_dict()["notes"]
    search_notes = [n for n in notes if "not a controlled design" in n]
    assert search_notes and search_notes[0].startswith("This study is a grid search")
    assert "cluster" not in search_notes[0]  # a grid does not concentrate trials around good regions


@pytest.mark.slow
def test_recycling_hands_over_the_parent_run(tmp_path, write_space):
    space = write_space(TINY_SPACE, "tiny.py")
    first = run_search(space, RunOptions(trials=3, recycle_after=2, quiet=True))
    assert first.recycle and first.finished == 2
    parent = _runs(tmp_path, "tiny")["parents"]
    assert [p.info.status for p in parent] == ["RUNNING"]

    second = run_search(space, RunOptions(trials=3, recycle_after=2, quiet=True, parent_run_id=first.parent_run_id))
    assert not second.recycle and second.finished == 3
    runs = _runs(tmp_path, "tiny")
    assert [p.info.run_id for p in runs["parents"]] == [first.parent_run_id]
    assert runs["parents"][0].info.status == "FINISHED"
    assert {runs[n].data.tags["mlflow.parentRunId"] for n in range(3)} == {first.parent_run_id}
    assert all(isinstance(t.user_attrs["rss_mib"], float) for t in _study(tmp_path, "tiny").get_trials())
