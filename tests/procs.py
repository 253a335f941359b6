"""Helpers of the whole-process tests: spaces, commands, waiting for a running trial, what is left RUNNING."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import optuna

from archsearch.stores import sqlite_path
from tests.conftest import TINY_SPACE

# TINY_SPACE, plus a pause after each epoch while SLOW_EPOCH is set: time to hit a trial mid-fit.
SLOW_SPACE = TINY_SPACE.replace(
    "    return model\n",
    """    import os, time

    pause = float(os.environ.get("SLOW_EPOCH", "0"))
    if pause:
        hp.fit_callbacks.append(keras.callbacks.LambdaCallback(on_epoch_end=lambda *_: time.sleep(pause)))
    return model
""",
)


def command(space: Path, *args: str) -> list[str]:
    return [sys.executable, "-m", "archsearch", "run", str(space), *args]


def env(**extra: str) -> dict[str, str]:
    return {**os.environ, "PYTHONUNBUFFERED": "1", **extra}


def start(cmd: list[str], **extra: str) -> subprocess.Popen:
    """A run in its own process group, so that kill_all() also kills its MLflow worker."""
    return subprocess.Popen(
        cmd, env=env(**extra), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True
    )


def kill_all(proc: subprocess.Popen) -> tuple[str, str]:
    """kill -9 the run and its MLflow worker at once: nobody is left to close anything."""
    os.killpg(proc.pid, signal.SIGKILL)
    return proc.communicate()


def _trials(storage: str, study: str) -> list[optuna.trial.FrozenTrial]:
    """The study's trials so far; none while the run has not made its store or study yet."""
    db = sqlite_path(storage)
    if db is not None and not db.exists():
        # Not made by the run yet: opening it here would make Optuna create the store itself, racing the run's
        # own creation (two processes stamping one new schema: "UNIQUE constraint failed: alembic_version").
        return []
    try:
        return optuna.load_study(study_name=study, storage=storage).get_trials(deepcopy=False)
    except Exception:  # the study or its tables do not exist yet
        return []


def running_trials(storage: str, study: str, pid: int | None = None) -> list[optuna.trial.FrozenTrial]:
    trials = _trials(storage, study)
    return [
        t
        for t in trials
        if t.state.name == "RUNNING" and (pid is None or f"/{pid}/" in str(t.user_attrs.get("owner", "")))
    ]


def mlflow_client(tracking_uri: str):
    from mlflow.tracking import MlflowClient

    return MlflowClient(tracking_uri=tracking_uri)


def mlflow_runs(tracking_uri: str, experiment: str) -> list:
    """The experiment's runs; none while the run has not made its SQLite store (opening it here would make it)."""
    db = sqlite_path(tracking_uri)
    if db is not None and not db.exists():
        return []
    client = mlflow_client(tracking_uri)
    exp = client.get_experiment_by_name(experiment)
    return [] if exp is None else client.search_runs([exp.experiment_id], max_results=1000)


def wait_for_running_trial(
    proc: subprocess.Popen, storage: str, tracking_uri: str, study: str, limit: float = 240
) -> optuna.trial.FrozenTrial:
    """Until ``proc`` owns a RUNNING Optuna trial that has its RUNNING MLflow child run."""
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        assert proc.poll() is None, proc.communicate()
        mine = running_trials(storage, study, proc.pid)
        if mine:
            runs = [
                r
                for r in mlflow_runs(tracking_uri, study)
                if r.data.tags.get("archsearch.trial") == str(mine[0].number) and r.info.status == "RUNNING"
            ]
            if runs:
                return mine[0]
        time.sleep(0.3)
    raise AssertionError(f"no trial of pid {proc.pid} started")


def wait_for_any_trial(proc: subprocess.Popen, storage: str, study: str, limit: float = 240) -> None:
    """Until ``proc`` has started a trial (in any state now: a tiny trial is over in a second)."""
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        trials = _trials(storage, study)
        if any(f"/{proc.pid}/" in str(t.user_attrs.get("owner", "")) for t in trials):
            return
        assert proc.poll() is None, proc.communicate()
        time.sleep(0.2)
    raise AssertionError(f"no trial of pid {proc.pid} started")
