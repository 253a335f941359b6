"""SIGTERM, SIGINT and SIGHUP to the whole process group of `run` and of `ask`, as schedulers send them.

Each stop: the running trial ends FAILED with "terminated by signal N", its MLflow run and the parent run
KILLED with the reason as a tag, the summary line says so, the exit status is 128+N and nothing is left
RUNNING. Each next signal goes to the re-run (so every re-run resumes the study), and a last re-run reaches
the target. One process per signal keeps these tests cheap.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from tests.procs import SLOW_SPACE, command, mlflow_runs, running_trials, start, wait_for_running_trial

pytestmark = pytest.mark.slow

SIGNALS = (signal.SIGTERM, signal.SIGINT, signal.SIGHUP)


def _stores(tmp_path: Path) -> tuple[str, str]:
    return f"sqlite:///{tmp_path}/mlruns/optuna.db", f"sqlite:///{tmp_path}/mlruns/mlflow.db"


def _stop_group_mid_trial(
    cmd: list[str], signals: tuple[int, ...], storage: str, tracking: str, study: str
) -> tuple[subprocess.Popen, int, str, str]:
    proc = start(cmd, SLOW_EPOCH="60")
    trial = wait_for_running_trial(proc, storage, tracking, study)
    for signum in signals:  # the run and its MLflow worker, as `timeout`, systemd, Slurm or a terminal do
        os.killpg(proc.pid, signum)
    out, err = proc.communicate(timeout=120)
    return proc, trial.number, out, err


def _nothing_running(storage: str, tracking: str, study: str) -> None:
    assert running_trials(storage, study) == []
    assert [r.info.run_name for r in mlflow_runs(tracking, study) if r.info.status == "RUNNING"] == []


def _assert_stopped(
    proc: subprocess.Popen, out: str, err: str, storage: str, tracking: str, study: str, number: int, signum: int
) -> None:
    import optuna

    reason = f"terminated by signal {signum}"
    assert proc.returncode == 128 + signum, err
    assert "Traceback" not in err and "MLflow logging failed" not in err
    assert f"stopped ({reason}): trial {number} ended FAIL, its MLflow run KILLED" in out
    assert (out + err).count(f"stopped ({reason})") == 1, "the summary line is printed once, on stdout"
    _nothing_running(storage, tracking, study)
    trial = optuna.load_study(study_name=study, storage=storage).trials[number]
    assert trial.state.name == "FAIL"
    assert trial.user_attrs["error"] == reason
    runs = mlflow_runs(tracking, study)
    child = next(r for r in runs if r.data.tags.get("archsearch.trial") == str(number))
    parent = next(r for r in runs if r.info.run_id == child.data.tags["mlflow.parentRunId"])
    for run in (child, parent):
        assert run.info.status == "KILLED"
        assert run.data.tags["archsearch.stop_reason"] == reason
    assert child.data.tags["archsearch.state"] == "FAIL"
    assert child.data.tags["archsearch.error"] == reason


def test_run_stopped_by_each_signal_to_its_group_then_a_second_signal_then_resumed(tmp_path, write_space):
    space = write_space(SLOW_SPACE, "slow.py")
    storage, tracking = _stores(tmp_path)
    cmd = command(space, "--trials", "2")
    for signum in SIGNALS:
        proc, number, out, err = _stop_group_mid_trial(cmd, (signum,), storage, tracking, "slow")
        _assert_stopped(proc, out, err, storage, tracking, "slow", number, signum)
        assert f"Resume with: archsearch run {space} --trials 2" in out

    # A second, different signal while stopping: out at once with its status; the re-run cleans what is left.
    proc, number, out, err = _stop_group_mid_trial(cmd, (signal.SIGTERM, signal.SIGINT), storage, tracking, "slow")
    assert proc.returncode in (128 + signal.SIGINT, 128 + signal.SIGTERM), err
    assert "Traceback" not in err

    again = subprocess.run([*cmd, "--quiet"], capture_output=True, text=True, timeout=300)
    assert again.returncode == 0, again.stderr
    assert "Study 'slow': 2/2 finished trials" in again.stdout
    _nothing_running(storage, tracking, "slow")


def test_ask_stopped_by_each_signal_to_its_group_then_resumed(tmp_path, write_space):
    space = write_space(SLOW_SPACE, "slow.py")
    storage, tracking = _stores(tmp_path)
    ask = [
        sys.executable,
        "-m",
        "archsearch",
        "ask",
        str(space),
        "--factor",
        "units",
        "--repeats",
        "1",
        "--study",
        "abl",
    ]
    for signum in SIGNALS:
        proc, number, out, err = _stop_group_mid_trial(ask, (signum,), storage, tracking, "abl")
        _assert_stopped(proc, out, err, storage, tracking, "abl", number, signum)

    again = subprocess.run([*ask, "--quiet"], capture_output=True, text=True, timeout=300)
    assert again.returncode == 0, again.stderr
    assert "Ablation of units in study 'abl': ran 2 levels x 1 seed." in again.stdout
    _nothing_running(storage, tracking, "abl")


# --on-stop prune was left out after 1 of 4 runs failed on a loaded machine (2026-12-06); on 2026-12-07 it passed
# 21 of 21 runs, 15 of them with 3-4 busy processes beside it. The earlier failure's cause was not found.
@pytest.mark.parametrize("on_stop", ["fail", "prune"])
def test_request_stop_from_a_timer_thread_ends_the_trial_with_its_reason(tmp_path, write_space, monkeypatch, on_stop):
    import optuna

    from archsearch.study import Interrupted, RunOptions, current_stop, request_stop, run_search

    space = write_space(SLOW_SPACE, "slow.py")
    storage, tracking = _stores(tmp_path)
    monkeypatch.setenv("SLOW_EPOCH", "60")
    timer = threading.Thread(
        target=lambda: (_wait_for_trial(storage), request_stop("deadline", exit_code=124)), daemon=True
    )
    timer.start()
    with pytest.raises(Interrupted) as stopped:
        run_search(space, RunOptions(trials=2, quiet=True, on_stop=on_stop))
    timer.join()
    assert (stopped.value.exit_code, stopped.value.reason) == (124, "deadline")
    state = {"fail": "FAIL", "prune": "PRUNED"}[on_stop]
    assert f"stopped (deadline): trial 0 ended {state}" in stopped.value.summary
    assert current_stop() is None  # forgotten once the search has stopped
    (trial,) = optuna.load_study(study_name="slow", storage=storage).trials
    assert (trial.state.name, trial.user_attrs["stopped"], trial.user_attrs.get("error")) == (
        state,
        "deadline",
        "deadline" if on_stop == "fail" else None,
    )
    runs = mlflow_runs(tracking, "slow")
    assert sorted(
        (r.info.status, r.data.tags.get("archsearch.stop_reason"), r.data.tags.get("archsearch.state", ""))
        for r in runs
    ) == sorted([("KILLED", "deadline", ""), ("KILLED", "deadline", state)])
    # Its run is named and described like any trial's, with its params and what was measured (no fit ended).
    child = next(r for r in runs if r.data.tags.get("archsearch.trial") == "0")
    shown = {k: str(v) for k, v in trial.params.items()}  # none when it was stopped before the builder ran
    assert (child.info.run_name, child.data.params) == (" ".join(["trial-0", *map("=".join, shown.items())]), shown)
    assert child.data.tags["mlflow.note.content"].startswith(f"**Trial 0**: {state.lower()}.")
    assert "Stopped (deadline)" in child.data.tags["mlflow.note.content"]
    assert {"fit_seconds", "rss_mib"} <= set(child.data.metrics) and "params_count" not in child.data.metrics


def _wait_for_trial(storage: str) -> None:
    deadline = time.monotonic() + 240
    while not running_trials(storage, "slow") and time.monotonic() < deadline:
        time.sleep(0.2)
