"""``run --deadline`` / ``ask --deadline``: no trial starts that its study's observed durations say will not fit;
at the deadline the running trial is stopped through the stop API with reason "deadline"."""

from __future__ import annotations

import datetime as dt
import json
import time

import optuna
from click.testing import CliRunner

from archsearch.cli import cli
from archsearch.cli._deadline import DEADLINE_EXIT, DeadlineGuard
from archsearch.study import clear_stop, current_stop
from tests.conftest import TINY_SPACE


def _study_with_trials_of(seconds: float, storage: str, name: str, n: int = 2) -> None:
    study = optuna.create_study(study_name=name, storage=storage, direction="maximize")
    start = dt.datetime(2026, 12, 6, 1, 0)
    for i in range(n):
        study.add_trial(
            optuna.trial.FrozenTrial(
                number=i,
                trial_id=i,
                state=optuna.trial.TrialState.COMPLETE,
                value=0.5,
                values=None,
                datetime_start=start,
                datetime_complete=start + dt.timedelta(seconds=seconds),
                params={},
                distributions={},
                user_attrs={},
                system_attrs={},
                intermediate_values={},
            )
        )


def test_run_starts_no_trial_that_would_not_fit_before_its_deadline(tmp_path, write_space, monkeypatch):
    monkeypatch.chdir(tmp_path)
    space = write_space(TINY_SPACE, "tiny.py")
    storage = f"sqlite:///{tmp_path}/mlruns/optuna.db"
    (tmp_path / "mlruns").mkdir(exist_ok=True)
    _study_with_trials_of(120.0, storage, "tiny")
    deadline = (dt.datetime.now().astimezone() + dt.timedelta(seconds=90)).isoformat()
    result = CliRunner().invoke(
        cli, ["run", str(space), "--trials", "5", "--deadline", deadline, "--sweep-result", str(tmp_path / "r.json")]
    )
    assert result.exit_code == 0, result.output
    assert "no trial fits before it; a trial takes about 120s. Nothing run." in result.stderr
    assert len(optuna.load_study(study_name="tiny", storage=storage).get_trials()) == 2  # none started
    assert json.loads((tmp_path / "r.json").read_text())["study"] == "tiny"


def test_the_search_timeout_leaves_room_for_one_observed_trial(tmp_path):
    storage = f"sqlite:///{tmp_path}/optuna.db"
    _study_with_trials_of(30.0, storage, "s-ablation-layers-abc", n=3)
    deadline = (dt.datetime.now(dt.UTC) + dt.timedelta(seconds=600)).isoformat()
    guard = DeadlineGuard(deadline, storage, "s-ablation-layers", prefix=True)  # ask: its factor's studies
    assert guard.expected == 30.0
    assert 560 < guard.timeout(None) <= 570 and guard.timeout(100.0) == 100.0
    assert guard.nothing_fits() is None


def test_at_the_deadline_the_guard_requests_a_stop_with_reason_deadline(tmp_path):
    soon = (dt.datetime.now(dt.UTC) + dt.timedelta(seconds=0.3)).isoformat()
    try:
        with DeadlineGuard(soon, f"sqlite:///{tmp_path}/optuna.db", "none"):
            end = time.monotonic() + 30
            while current_stop() is None and time.monotonic() < end:
                time.sleep(0.05)
        stop = current_stop()
        assert stop is not None and (stop.reason, stop.exit_code) == ("deadline", DEADLINE_EXIT)
    finally:
        clear_stop()


def test_a_bad_deadline_is_a_one_line_error(tmp_path, write_space):
    space = write_space(TINY_SPACE, "tiny.py")
    result = CliRunner().invoke(cli, ["run", str(space), "--deadline", "tomorrow"])
    assert result.exit_code == 2 and "'tomorrow' is not an ISO time" in result.stderr
