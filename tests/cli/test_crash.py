"""Whole processes: kill -9 then resume, two processes on one SQLite study, recycling by exec.

Signals: tests/cli/test_signals.py.
"""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import time
from pathlib import Path

import optuna
import pytest

from tests.conftest import TINY_SPACE
from tests.procs import SLOW_SPACE
from tests.procs import command as _command
from tests.procs import env as _env

pytestmark = pytest.mark.slow


def _query(db: Path, sql: str) -> int:
    if not db.exists():
        return 0
    try:
        with sqlite3.connect(db, timeout=10) as con:
            return con.execute(sql).fetchone()[0]
    except sqlite3.OperationalError:  # tables not created yet
        return 0


def _wait_for_running_trial(tmp_path: Path, proc: subprocess.Popen, limit: float = 180) -> None:
    """Until Optuna has a RUNNING trial and MLflow its RUNNING child run."""
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        assert proc.poll() is None, proc.communicate()
        optuna_running = _query(tmp_path / "mlruns/optuna.db", "select count(*) from trials where state='RUNNING'")
        mlflow_running = _query(
            tmp_path / "mlruns/mlflow.db",
            "select count(*) from runs r join tags t on r.run_uuid = t.run_uuid "
            "where t.key = 'archsearch.trial' and r.status = 'RUNNING'",
        )
        if optuna_running and mlflow_running:
            return
        time.sleep(0.2)
    raise AssertionError("no trial started")


def _study(tmp_path: Path, name: str):
    return optuna.load_study(study_name=name, storage=f"sqlite:///{tmp_path}/mlruns/optuna.db")


def _mlflow_runs(tmp_path: Path, experiment: str):
    from mlflow.tracking import MlflowClient

    client = MlflowClient(tracking_uri=f"sqlite:///{tmp_path}/mlruns/mlflow.db")
    runs = client.search_runs([client.get_experiment_by_name(experiment).experiment_id], order_by=["start_time"])
    parents = [r for r in runs if "mlflow.parentRunId" not in r.data.tags]
    children = [r for r in runs if "mlflow.parentRunId" in r.data.tags]
    return parents, children


def test_kill_9_then_the_same_command_fails_the_dead_trial_and_finishes(tmp_path, write_space):
    space = write_space(SLOW_SPACE, "slow.py")
    command = _command(space, "--trials", "2", "--heartbeat", "1")
    proc = subprocess.Popen(command, env=_env(SLOW_EPOCH="60"), stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    _wait_for_running_trial(tmp_path, proc)
    proc.send_signal(signal.SIGKILL)
    proc.communicate()
    time.sleep(2.5)  # the dead trial's heartbeat goes stale after 2 x --heartbeat

    again = subprocess.run(command, env=_env(), capture_output=True, text=True, timeout=300)
    assert again.returncode == 0, again.stderr

    trials = _study(tmp_path, "slow").get_trials()
    assert [t.state.name for t in trials] == ["FAIL", "COMPLETE", "COMPLETE"]
    parents, children = _mlflow_runs(tmp_path, "slow")
    assert [p.info.status for p in parents] == ["KILLED", "FINISHED"]
    by_trial = {int(r.data.tags["archsearch.trial"]): r for r in children}
    assert sorted(by_trial) == [0, 1, 2]
    dead = by_trial[0]
    assert dead.info.status == "FAILED"
    assert dead.data.tags["mlflow.parentRunId"] == parents[0].info.run_id
    assert "died" in dead.data.tags["archsearch.error"]
    assert [by_trial[n].info.status for n in (1, 2)] == ["FINISHED", "FINISHED"]


def test_two_processes_share_one_sqlite_study(tmp_path, write_space):
    space = write_space(TINY_SPACE, "tiny.py")
    command = _command(space, "--trials", "6", "--quiet")
    procs = [
        subprocess.Popen(command, env=_env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        for _ in range(2)
    ]
    outputs = [p.communicate(timeout=300) for p in procs]
    for proc, (_, stderr) in zip(procs, outputs, strict=True):
        assert proc.returncode == 0, stderr
        assert "database is locked" not in stderr
        assert "MLflow logging failed" not in stderr  # both create the experiment at once: one must use the other's

    trials = _study(tmp_path, "tiny").get_trials()
    assert all(t.state.name == "COMPLETE" for t in trials)
    assert 6 <= len(trials) <= 7  # the other process may finish the trial it had started
    parents, children = _mlflow_runs(tmp_path, "tiny")
    assert [p.info.status for p in parents] == ["FINISHED", "FINISHED"]
    assert sorted(int(c.data.tags["archsearch.trial"]) for c in children) == [t.number for t in trials]


def test_recycling_continues_in_a_fresh_process_under_the_same_parent_run(tmp_path, write_space):
    space = write_space(TINY_SPACE, "tiny.py")
    done = subprocess.run(
        _command(space, "--trials", "3", "--recycle-after", "1"),
        env=_env(),
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    assert done.stderr.count("recycling the process after 1 trial") == 2
    assert "Study 'tiny': 3/3 finished trials (3 of them by this run;" in done.stdout  # the command's, all processes
    parents, children = _mlflow_runs(tmp_path, "tiny")
    assert [p.info.status for p in parents] == ["FINISHED"]
    assert [c.info.status for c in children] == ["FINISHED"] * 3
    assert {c.data.tags["mlflow.parentRunId"] for c in children} == {parents[0].info.run_id}


def test_a_signal_as_the_process_recycles_stops_the_run_cleanly_in_the_new_process(tmp_path, write_space):
    # A SIGTERM at the --recycle-after boundary was recorded by the old process and forgotten (the run went on to
    # the end, exit 0), or it killed the new one while it started (no message, the parent run left RUNNING).
    space = write_space(TINY_SPACE, "tiny.py")
    proc = subprocess.Popen(
        _command(space, "--trials", "4", "--recycle-after", "1"),
        env=_env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    assert proc.stderr is not None
    for line in proc.stderr:  # the old process is about to exec, or the new one is starting: its imports
        if line.startswith("recycling the process after 1 trial"):
            break
    os.killpg(proc.pid, signal.SIGTERM)
    out, err = proc.communicate(timeout=300)
    assert proc.returncode == 143, (out, err)
    assert "Study 'tiny': stopped (terminated by signal 15): between two trials (none was running); 1/4" in out
    assert "Resume with: " in out and "Traceback" not in err
    parents, children = _mlflow_runs(tmp_path, "tiny")
    assert [p.info.status for p in parents] == ["KILLED"]  # the one parent run, closed by the new process
    assert [c.info.status for c in children] == ["FINISHED"]
    assert [t.state.name for t in _study(tmp_path, "tiny").get_trials()] == ["COMPLETE"]
