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


def _study_with_trials_of(seconds: float, storage: str, name: str, n: int = 2, first: int = 0) -> None:
    study = optuna.create_study(study_name=name, storage=storage, direction="maximize", load_if_exists=True)
    start = dt.datetime(2026, 12, 6, 1, first)
    for i in range(first, first + n):
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


def test_each_round_of_an_ask_starts_no_trial_that_would_not_fit(tmp_path):
    """ask --until-decided runs a search per round: the guard is asked before every trial of every round, with
    the clock of that moment and the durations observed so far (an injected clock; no training)."""
    storage = f"sqlite:///{tmp_path}/optuna.db"
    deadline = dt.datetime(2026, 12, 7, 6, 50, tzinfo=dt.UTC)
    now = [deadline - dt.timedelta(seconds=300)]
    _study_with_trials_of(30.0, storage, "s-ablation-layers-abc", n=2)  # round 1: trials of 30 s
    guard = DeadlineGuard(deadline.isoformat(), storage, "s-ablation-layers", prefix=True, clock=lambda: now[0])
    try:
        guard.before_trial()
        assert current_stop() is None  # 300 s left, a trial takes 30 s
        _study_with_trials_of(200.0, storage, "s-ablation-layers-abc", n=1, first=5)  # round 2's first trial: 200 s
        now[0] = deadline - dt.timedelta(seconds=120)
        guard.before_trial()  # the same round-start timeout would have let it start; the observed 200 s do not
        stop = current_stop()
        assert guard.expected == 200.0
        assert stop is not None and (stop.reason, stop.exit_code) == ("deadline", DEADLINE_EXIT)
    finally:
        clear_stop()


def test_ask_asks_the_deadline_before_every_trial_of_every_round(tmp_path, write_space, monkeypatch):
    """The wiring, without training: while ask's rounds run, the search's gate consults the deadline guard (the
    whole path, measured once by hand: a 2-level ask with --until-decided and an injected clock exits 124 after
    round 1 with round 2's trials never started)."""
    from archsearch import ablation
    from archsearch.study._target import _before_start

    monkeypatch.chdir(tmp_path)
    space = write_space(TINY_SPACE, "tiny.py")
    storage = f"sqlite:///{tmp_path}/optuna.db"
    _study_with_trials_of(30.0, storage, "tiny-ablation-units-abc")  # last night's: a trial takes 30 s
    left = [1000.0]
    monkeypatch.setattr(DeadlineGuard, "left", lambda guard: left[0])
    rounds: list[int] = []

    def two_rounds(*args, **kwargs):
        for _ in range(2):
            _before_start()  # what the gate does before each trial of a round's search
            rounds.append(1)
            left[0] = 20.0  # round 1 took the time: 20 s left, the next trial would not end in time
        raise AssertionError("round 2 started")

    monkeypatch.setattr(ablation, "run_ablation", two_rounds)
    deadline = (dt.datetime.now(dt.UTC) + dt.timedelta(hours=1)).isoformat()
    args = ["ask", str(space), "--factor", "units", "--until-decided", "--storage", storage, "--deadline", deadline]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == DEADLINE_EXIT, result.output
    assert rounds == [1]
    assert "Ablation of units: stopped (deadline) after its trials" in result.stdout


def _an_hour_until(finished: int, storage: str):
    """A DeadlineGuard.left: an hour, until study "tiny" has ``finished`` complete trials; then 1 ms."""

    def left(guard):
        try:
            trials = optuna.load_study(study_name="tiny", storage=storage).get_trials()
        except KeyError:  # no study yet
            return 3600.0
        return 3600.0 if sum(t.state.name == "COMPLETE" for t in trials) < finished else 0.001

    return left


def test_run_asks_the_deadline_before_every_trial_of_a_new_study(tmp_path, write_space, monkeypatch):
    # A new study has no durations when the run starts, so its timeout was the whole time left: the trial that
    # started 0.6 s before the deadline, after trials of 1.5 s, was killed by it (4 times in 4 sweeps).
    monkeypatch.chdir(tmp_path)
    space = write_space(TINY_SPACE, "tiny.py")
    storage = f"sqlite:///{tmp_path}/optuna.db"

    monkeypatch.setattr(DeadlineGuard, "left", _an_hour_until(2, storage))  # then less than a trial took
    deadline = (dt.datetime.now(dt.UTC) + dt.timedelta(hours=1)).isoformat()
    result = CliRunner().invoke(cli, ["run", str(space), "--trials", "5", "--storage", storage, "--deadline", deadline])
    assert result.exit_code == DEADLINE_EXIT, result.output
    states = [t.state.name for t in optuna.load_study(study_name="tiny", storage=storage).get_trials()]
    assert states == ["COMPLETE", "COMPLETE"]  # the third was never started: no trial killed at the deadline
    assert "stopped (deadline): between two trials" in result.stdout
    assert f"Resume with: archsearch run {space} --trials 5" in result.stdout


def test_a_step_of_a_sweep_stopped_at_its_deadline_says_to_run_the_sweep_again(tmp_path, write_space, monkeypatch):
    # It said only "Resume with: archsearch run ...", which goes on outside the night's record and deadline.
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("ARCHSEARCH_SWEEP", "archsearch sweep n.toml --until 07:00")
    space = write_space(TINY_SPACE, "tiny.py")
    storage = f"sqlite:///{tmp_path}/optuna.db"

    monkeypatch.setattr(DeadlineGuard, "left", _an_hour_until(1, storage))
    deadline = (dt.datetime.now(dt.UTC) + dt.timedelta(hours=1)).isoformat()
    result = CliRunner().invoke(cli, ["run", str(space), "--trials", "5", "--storage", storage, "--deadline", deadline])
    assert result.exit_code == DEADLINE_EXIT, result.output
    line = result.stdout.strip().splitlines()[-1]
    assert "Resume with" not in line
    assert line.startswith("Study 'tiny': stopped (deadline): between two trials (none was running); 1/5 finished")
    assert (
        f"trials. Run the sweep again to go on (archsearch sweep n.toml --until 07:00); this step alone: archsearch"
        f" run {space} --trials 5 --storage {storage}"
    ) in line
    clear_stop()
