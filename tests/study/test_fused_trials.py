"""Fused seeds write what separate fits write (Optuna and MLflow), tagged `fused`; what cannot fuse says so once."""

from __future__ import annotations

import json
from pathlib import Path
from types import SimpleNamespace

import optuna
import pytest

from archsearch.schema import Attr, Tag
from archsearch.study import RunOptions, run_search
from tests.conftest import TINY_SPACE

SPACE = TINY_SPACE.replace("EPOCHS = 1", "EPOCHS = 2")


def _stores(tmp_path: Path, name: str) -> dict:
    return {"storage": f"sqlite:///{tmp_path}/{name}.db", "tracking_uri": f"sqlite:///{tmp_path}/{name}-mlflow.db"}


def _child_runs(tracking_uri: str) -> dict:
    from mlflow.tracking import MlflowClient

    client = MlflowClient(tracking_uri=tracking_uri)
    runs = client.search_runs([e.experiment_id for e in client.search_experiments()])
    return {int(r.data.tags["archsearch.trial"]): r for r in runs if "archsearch.trial" in r.data.tags}


def _same_record(a: optuna.trial.FrozenTrial, b: optuna.trial.FrozenTrial, run_a, run_b) -> None:
    assert a.params == b.params and a.user_attrs[Attr.SEED] == b.user_attrs[Attr.SEED]
    assert a.value == pytest.approx(b.value, abs=1e-6)
    for key, curve in b.user_attrs[Attr.HISTORY].items():
        assert a.user_attrs[Attr.HISTORY][key] == pytest.approx(curve, rel=1e-4, abs=1e-5), key
    assert a.user_attrs[Attr.CORRECT_VAL] == b.user_attrs[Attr.CORRECT_VAL]
    assert a.user_attrs[Attr.CORRECT_TEST] == b.user_attrs[Attr.CORRECT_TEST]
    metrics_a, metrics_b = run_a.data.metrics, run_b.data.metrics
    assert set(metrics_a) == set(metrics_b)
    for key in metrics_b:
        if not any(t in key for t in ("fit_seconds", "epoch_seconds", "rss_mib")):  # times differ run to run
            assert metrics_a[key] == pytest.approx(metrics_b[key], rel=1e-4, abs=1e-5), key
    assert {k: v for k, v in run_a.data.tags.items() if k != Tag.FUSED and "mlflow" not in k and "run" not in k} == {
        k: v for k, v in run_b.data.tags.items() if "mlflow" not in k and "run" not in k
    }


@pytest.mark.slow
def test_an_asks_seeds_of_one_level_train_as_one_pack_and_record_as_separate_trials(tmp_path, write_space, capsys):
    from archsearch.ablation import run_ablation

    space = write_space(SPACE, "tiny.py")
    trials, progress = {}, []
    for fuse in (True, False):
        stores = _stores(tmp_path, f"ask-{fuse}")
        result = run_ablation(space, "units", RunOptions(quiet=not fuse, fuse=fuse, **stores), repeats=2)
        progress += [line for line in capsys.readouterr().err.splitlines() if "] trial " in line]
        runs = _child_runs(stores["tracking_uri"])
        study = optuna.load_study(study_name=result.study_name, storage=stores["storage"])
        trials[fuse] = {
            json.dumps([t.params, t.user_attrs[Attr.SEED]]): (t, runs[t.number]) for t in study.get_trials()
        }
    assert sorted(trials[True]) == sorted(trials[False]) and len(trials[True]) == 4
    for key, (fused, fused_run) in trials[True].items():
        separate, separate_run = trials[False][key]
        assert fused.state.name == separate.state.name == "COMPLETE"
        _same_record(fused, separate, fused_run, separate_run)
        assert fused_run.data.tags[Tag.FUSED] == "2" and Tag.FUSED not in separate_run.data.tags
    # The progress line says which trial trained each level's pack (its time is the pack's) and which took its
    # outcome from it.
    by_trial = {int(line.split("] trial ")[1].split()[0]): line for line in progress}
    fused_trials = {t.number: t for t, _ in trials[True].values()}
    assert sorted(by_trial) == sorted(fused_trials)
    trainers = {n for n, line in by_trial.items() if "  fused pack of 2" in line}
    assert len(trainers) == 2
    for n, line in by_trial.items():
        if n not in trainers:
            trainer = int(line.split("trained in trial ")[1].split("'")[0])
            assert f"  fused: trained in trial {trainer}'s pack of 2" in line
            assert trainer in trainers and fused_trials[trainer].params == fused_trials[n].params


@pytest.mark.slow
def test_what_cannot_fuse_trains_separately_and_says_so_once(tmp_path, write_space, capsys):
    body = SPACE.replace(
        "    return model\n", "    hp.fit_callbacks.append(keras.callbacks.ReduceLROnPlateau())\n    return model\n"
    )
    space = write_space(body, "tiny.py")
    run_search(space, RunOptions(trials=2, repeats=2, epochs=1, **_stores(tmp_path, "cb")))  # said once, not twice
    err = capsys.readouterr().err
    line = "training seeds separately, not fused: the builder's fit callbacks (ReduceLROnPlateau) act on one model"
    assert err.count(line) == 1
    trials = optuna.load_study(study_name="tiny", storage=_stores(tmp_path, "cb")["storage"]).get_trials()
    assert [t.state.name for t in trials] == ["COMPLETE", "COMPLETE"]
    assert all(Tag.FUSED not in r.data.tags for r in _child_runs(_stores(tmp_path, "cb")["tracking_uri"]).values())


class _Trial:
    def __init__(self, prune_at: int) -> None:
        self.prune_at, self.reported = prune_at, []

    def report(self, value: float, step: int) -> None:
        self.reported.append((step, value))

    def should_prune(self) -> bool:
        return len(self.reported) > self.prune_at


def test_pruning_decides_per_pack_on_the_first_replicas_curve():
    from archsearch.train._fused import _PackWatch

    trial = _Trial(prune_at=1)
    watch = _PackWatch(3, trial, "val_accuracy", stop_on_divergence=True)
    watch.set_model(SimpleNamespace(stop_training=False))
    logs = {"r0_loss": 1.0, "val_r0_accuracy": 0.5, "val_r1_accuracy": 0.9, "r1_loss": 1.0}
    watch.on_epoch_end(0, logs)
    assert watch.pruned_epoch is None and not watch.model.stop_training
    watch.on_epoch_end(1, logs)
    assert trial.reported == [(0, 0.5), (1, 0.5)]  # replica 0's objective, not the others'
    assert watch.pruned_epoch == 1 and watch.model.stop_training  # the whole pack stops


@pytest.mark.parametrize("one_trial", [True, False])
def test_a_diverged_replica_stops_its_trials_pack_or_only_itself(one_trial):
    from archsearch.train._fused import _PackWatch

    watch = _PackWatch(2, None, "val_accuracy", stop_on_divergence=one_trial)
    watch.set_model(SimpleNamespace(stop_training=False))
    watch.on_epoch_end(0, {"r0_loss": 1.0, "r1_loss": float("nan")})
    assert watch.diverged == {1: (0, pytest.approx(float("nan"), nan_ok=True))}
    assert watch.model.stop_training is one_trial


def test_fuse_flags_carry_over_to_a_resumed_or_recycled_run_and_bad_values_stop():
    from click.testing import CliRunner

    from archsearch.cli import cli
    from archsearch.study import resume_args

    assert resume_args("s.py", RunOptions(fuse=False, fuse_max=4))[-3:] == ["--fuse-max", "4", "--no-fuse"]
    assert "--no-fuse" not in resume_args("s.py", RunOptions())
    result = CliRunner().invoke(cli, ["run", "s.py", "--fuse-max", "0"])
    assert result.exit_code == 2 and "--fuse-max" in result.output
