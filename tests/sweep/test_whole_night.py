"""A real sweep (training a tiny space) killed mid-trial: nothing is left RUNNING, in Optuna or MLflow."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time

import pytest

from tests.procs import SLOW_SPACE, env, mlflow_runs, running_trials
from tests.sweep.night import wait_gone

pytestmark = pytest.mark.slow


def _running_trial(sweep: subprocess.Popen, storage: str, tracking: str, limit: float = 240):
    """Until the step (a child of the sweep) has a RUNNING trial with its RUNNING MLflow run."""
    end = time.monotonic() + limit
    while time.monotonic() < end:
        assert sweep.poll() is None, sweep.communicate()
        for trial in running_trials(storage, "slow"):
            if any(
                r.data.tags.get("archsearch.trial") == str(trial.number) and r.info.status == "RUNNING"
                for r in mlflow_runs(tracking, "slow")
            ):
                return trial
        time.sleep(0.3)
    raise AssertionError("no trial started")


# SIGTERM/SIGINT/SIGHUP to the sweep reach the step as the same SIGTERM (tests/sweep/test_processes.py), which
# `archsearch run` handles by closing its trial and runs (the stop API's tests); SIGKILL is the case where the
# sweep can do nothing itself.
def test_a_sweep_killed_mid_trial_leaves_nothing_running(tmp_path):
    (tmp_path / "slow.py").write_text(SLOW_SPACE)
    (tmp_path / "p.toml").write_text('[[step]]\nrun = "slow.py"\ntrials = 2\nquiet = true\n')
    storage, tracking = f"sqlite:///{tmp_path}/mlruns/optuna.db", f"sqlite:///{tmp_path}/mlruns/mlflow.db"
    sweep = subprocess.Popen(
        [sys.executable, "-m", "archsearch", "sweep", "p.toml", "--night", "2026-12-07"],
        cwd=tmp_path,
        env=env(SLOW_EPOCH="60"),
        start_new_session=True,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    trial = _running_trial(sweep, storage, tracking)
    step_pid = int(str(trial.user_attrs["owner"]).split("/")[1])
    os.kill(sweep.pid, signal.SIGKILL)  # the sweep cannot do anything: PR_SET_PDEATHSIG stops the step
    sweep.communicate(timeout=120)
    assert wait_gone(step_pid, timeout=120), "the step outlived the sweep"
    assert running_trials(storage, "slow") == []
    assert [r.info.status for r in mlflow_runs(tracking, "slow") if r.info.status == "RUNNING"] == []
    state = json.loads((tmp_path / "mlruns" / "sweeps" / "p" / "2026-12-07" / "state.json").read_text())
    assert sweep.returncode == -signal.SIGKILL and state["steps"][0]["status"] == "running"  # as it was left
