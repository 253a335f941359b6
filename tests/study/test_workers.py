"""Crash recovery by trial owner and --workers, on SQLite (whole processes)."""

from __future__ import annotations

import io
import itertools

import pytest
from click.testing import CliRunner

from archsearch.cli import cli
from tests.conftest import TINY_SPACE
from tests.procs import SLOW_SPACE, command, kill_all, mlflow_runs, running_trials, start, wait_for_running_trial


def test_too_many_workers_for_sqlite_is_one_error_before_anything_is_written(tmp_path, write_space, monkeypatch):
    space = write_space(TINY_SPACE, "tiny.py")
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(cli, ["run", str(space), "--workers", "9", "--storage", "sqlite:///w/optuna.db"])
    assert result.exit_code == 2, result.output
    assert result.output.startswith("error: --workers 9: --storage 'sqlite:///w/optuna.db' is a SQLite file")
    assert "PostgreSQL" in result.output and len(result.output.strip().splitlines()) == 1
    assert not (tmp_path / "w").exists()


class _StoppedWorker:
    """A worker that ran one trial and was stopped by SIGTERM in its second (as `archsearch run` leaves them)."""

    pids = itertools.count(40001)

    def __init__(self, args: list[str], env: dict[str, str], **_: object) -> None:
        import optuna

        from archsearch.tracking import process_tag

        self.pid = next(self.pids)
        host = process_tag().rsplit("/", 2)[0]
        from archsearch.stores import open_storage

        storage = open_storage(env["ARCHSEARCH_STORAGE"])  # as a worker opens it (and makes its folder)
        study = optuna.create_study(study_name="s_wk", storage=storage, load_if_exists=True)
        owner = {"owner": f"{host}/{self.pid}/1"}
        study.add_trial(optuna.trial.create_trial(value=0.9, user_attrs=owner))
        reason = {"stopped": "terminated by signal 15", "error": "terminated by signal 15"}
        study.add_trial(optuna.trial.create_trial(state=optuna.trial.TrialState.FAIL, user_attrs={**owner, **reason}))
        self.stderr = io.StringIO("")

    def wait(self) -> int:
        return 143

    def poll(self) -> int:
        return 143


def test_workers_stopped_by_a_signal_say_so_with_the_command_that_resumes(tmp_path, write_space, monkeypatch):
    """Not an ordinary summary: what was stopped, where the study stands, the resume command with --workers."""
    from archsearch.study import _workers

    space = write_space(TINY_SPACE, "tiny.py")
    monkeypatch.setattr(_workers.subprocess, "Popen", _StoppedWorker)
    result = CliRunner().invoke(cli, ["run", str(space), "--trials", "6", "--workers", "2", "--study", "s_wk"])
    assert result.exit_code == 143, result.output
    (line,) = result.output.splitlines()
    assert line.startswith(
        "Study 's_wk': stopped (terminated by signal 15): trials 1, 3 ended FAIL, their MLflow runs KILLED; "
        f"2/6 finished trials. Resume with: archsearch run {space} --trials 6 --study s_wk "
    )
    assert line.endswith(" --workers 2")


@pytest.mark.slow
def test_kill_9_then_an_immediate_rerun_leaves_nothing_running(tmp_path, write_space):
    """No wait for the heartbeat (10 s by default): the dead owner is recognised at once."""
    import optuna

    space = write_space(SLOW_SPACE, "slow.py")
    storage, tracking = f"sqlite:///{tmp_path}/mlruns/optuna.db", f"sqlite:///{tmp_path}/mlruns/mlflow.db"
    cmd = command(space, "--trials", "2")
    proc = start(cmd, SLOW_EPOCH="60")
    dead = wait_for_running_trial(proc, storage, tracking, "slow")
    kill_all(proc)  # the search process and its MLflow worker: the child run stays RUNNING

    again = start(cmd)
    out, err = again.communicate(timeout=300)
    assert again.returncode == 0, err

    trials = optuna.load_study(study_name="slow", storage=storage).get_trials()
    assert [t.state.name for t in trials] == ["FAIL", "COMPLETE", "COMPLETE"]
    assert trials[0].number == dead.number
    assert "died" in trials[0].user_attrs["error"] and str(proc.pid) in trials[0].user_attrs["error"]
    assert running_trials(storage, "slow") == []
    runs = mlflow_runs(tracking, "slow")
    assert [r.info.status for r in runs if r.info.status == "RUNNING"] == []
    child = {r.data.tags.get("archsearch.trial"): r for r in runs}[str(dead.number)]
    assert child.info.status == "FAILED"
    assert "died" in child.data.tags["archsearch.error"]
    parents = [r for r in runs if "mlflow.parentRunId" not in r.data.tags]
    assert sorted(p.info.status for p in parents) == ["FINISHED", "KILLED"]
