"""Trial owners, the target gate across processes, storages for --workers (fast: no training)."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import optuna
import pytest

from archsearch.errors import UsageError
from archsearch.stores import SQLITE_MAX_WORKERS, check_workers_storage, open_storage
from archsearch.study._owners import OWNER_ATTR, Owners
from archsearch.study._target import TargetGate
from archsearch.tracking import process_gone, process_tag

RUNNING = optuna.trial.TrialState.RUNNING
# The trials here are made with ask/tell on a heartbeat storage, outside Study.optimize.
pytestmark = [
    pytest.mark.filterwarnings("ignore:Heartbeat of storage"),
    pytest.mark.filterwarnings("ignore::optuna.exceptions.ExperimentalWarning"),
]


def _dead_process_tag() -> str:
    """The owner tag of a process of this host that has exited."""
    import psutil

    proc = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"])
    try:
        started = psutil.Process(proc.pid).create_time()
    finally:
        proc.kill()
        proc.wait()
    host = process_tag().rsplit("/", 2)[0]
    return f"{host}/{proc.pid}/{started:.0f}"


@pytest.fixture
def study(tmp_path: Path):
    storage = open_storage(f"sqlite:///{tmp_path}/optuna.db", heartbeat=60)
    study = optuna.create_study(study_name="s", storage=storage)
    return storage, study


def _running_trial(study, owner: str | None):
    trial = study.ask()
    if owner is not None:
        trial.set_user_attr(OWNER_ATTR, owner)
    return trial


def test_a_dead_owner_on_this_host_is_failed_at_once_and_others_are_left_to_the_heartbeat(study):
    storage, study = study
    dead = _running_trial(study, _dead_process_tag())
    alive = _running_trial(study, process_tag())
    elsewhere = _running_trial(study, "another-host/4242/1700000000")
    unowned = _running_trial(study, None)  # an older archsearch: heartbeat only
    closed = []
    owners = Owners(storage, on_failed=closed.append)

    assert owners.fail_dead(study) == [dead.number]

    states = {t.number: t for t in study.get_trials()}
    assert states[dead.number].state.name == "FAIL"
    assert "died" in states[dead.number].user_attrs["error"]
    assert [states[t.number].state for t in (alive, elsewhere, unowned)] == [RUNNING] * 3
    assert closed == [study]  # the MLflow side is told once
    assert owners.fail_dead(study) == []  # nothing left to fail: no second call
    assert closed == [study]


def test_process_gone_tells_dead_alive_reused_and_foreign_pids_apart():
    import os
    import socket

    import psutil

    me = psutil.Process()
    host = process_tag().rsplit("/", 2)[0]
    assert process_gone(process_tag()) is False
    assert process_gone(_dead_process_tag()) is True
    # Same pid, another start time: the pid was reused by a newer process.
    assert process_gone(f"{host}/{os.getpid()}/{me.create_time() - 3600:.0f}") is True
    assert process_gone("another-host/1/0") is None
    # Same host name, another pid namespace (a container): not ours to judge.
    assert process_gone(f"{socket.gethostname()}@pid:[1]/{os.getpid()}/{me.create_time():.0f}") is None
    assert process_gone("garbage") is None


def test_claim_records_this_process_as_owner(study):
    storage, study = study
    trial = study.ask()
    Owners(storage).claim(trial)
    assert study.get_trials()[0].user_attrs[OWNER_ATTR] == process_tag()


def _finish(study, n: int) -> None:
    for _ in range(n):
        study.tell(study.ask(), 0.5)


def test_gate_starts_a_trial_while_finished_plus_running_is_below_the_target(study):
    storage, study = study
    _finish(study, 9)
    _running_trial(study, process_tag())
    gate = TargetGate(12, Owners(storage), print, poll=0.01)
    assert gate.stop_before_next(study) is False  # 9 + 1 < 12


def test_gate_stops_at_the_target(study):
    storage, study = study
    _finish(study, 12)
    gate = TargetGate(12, Owners(storage), print, poll=0.01)
    assert gate.stop_before_next(study) is True and gate.reached


def test_gate_waits_for_the_last_running_trials_then_stops(study):
    storage, study = study
    _finish(study, 10)
    last = [_running_trial(study, process_tag()) for _ in range(2)]
    said: list[str] = []
    gate = TargetGate(12, Owners(storage), said.append, poll=0.02)

    def other_process_finishes() -> None:
        time.sleep(0.3)
        for trial in last:
            study.tell(trial, 0.7)

    threading.Thread(target=other_process_finishes).start()
    start = time.monotonic()
    assert gate.stop_before_next(study) is True
    assert time.monotonic() - start >= 0.25
    assert said == [
        "10/12 finished, 2 running in other processes: waiting for them (a trial that fails is run again here)"
    ]
    assert len(study.get_trials(states=(optuna.trial.TrialState.COMPLETE,))) == 12


def test_gate_runs_a_trial_again_when_a_running_one_fails(study):
    storage, study = study
    _finish(study, 11)
    doomed = _running_trial(study, process_tag())
    gate = TargetGate(12, Owners(storage), print, poll=0.02)
    threading.Timer(0.2, lambda: study.tell(doomed, state=optuna.trial.TrialState.FAIL)).start()
    assert gate.stop_before_next(study) is False  # 11 finished, none running: one is missing


def test_gate_does_not_wait_for_a_dead_owner(study):
    storage, study = study
    _finish(study, 11)
    _running_trial(study, _dead_process_tag())
    gate = TargetGate(12, Owners(storage), print, poll=10)
    start = time.monotonic()
    assert gate.stop_before_next(study) is False
    assert time.monotonic() - start < 5


def test_gate_gives_up_waiting_at_the_timeout(study):
    storage, study = study
    _finish(study, 11)
    _running_trial(study, process_tag())
    gate = TargetGate(12, Owners(storage), print, timeout=0.2, poll=0.05)
    assert gate.stop_before_next(study) is True and not gate.reached


def test_workers_need_a_storage_that_several_processes_can_share(tmp_path):
    check_workers_storage(f"sqlite:///{tmp_path}/o.db", SQLITE_MAX_WORKERS)
    check_workers_storage("postgresql://u:pw@db/x", 64)
    check_workers_storage("sqlite:///:memory:", 1)
    with pytest.raises(UsageError, match=r"at most 8 processes.*use PostgreSQL"):
        check_workers_storage(f"sqlite:///{tmp_path}/o.db", SQLITE_MAX_WORKERS + 1)
    with pytest.raises(UsageError, match=r"in memory.*use PostgreSQL"):
        check_workers_storage("sqlite:///:memory:", 2)


def test_a_before_each_trial_check_stops_the_search_before_a_trial_not_after_the_last(study):
    from archsearch.study import Stopped, before_each_trial, clear_stop, request_stop, stop_on_signals

    storage, study = study
    _finish(study, 3)
    asked: list[int] = []

    def no_more_time() -> None:
        asked.append(1)
        request_stop("deadline", exit_code=124)

    try:
        with stop_on_signals(), before_each_trial(no_more_time):
            assert TargetGate(3, Owners(storage), print).stop_before_next(study) is True  # the round is complete
            assert not asked  # no trial would start: not asked, not stopped
            with pytest.raises(Stopped) as stopped:
                TargetGate(4, Owners(storage), print).stop_before_next(study)  # one more would start
        assert (stopped.value.reason, stopped.value.exit_code, len(asked)) == ("deadline", 124, 1)
    finally:
        clear_stop()
    assert TargetGate(4, Owners(storage), print).stop_before_next(study) is False  # outside the block: not asked
    assert len(asked) == 1


def _race_for_the_last_trial(url: str, racers: int, lock) -> list[str]:
    """``racers`` threads (each its own storage connection) check the gate behind one barrier for the last trial."""
    study = optuna.create_study(study_name="race", storage=open_storage(url))
    _finish(study, 11)
    go = threading.Barrier(racers)
    outcomes: list[str] = []

    def racer() -> None:
        storage = open_storage(url)
        mine = optuna.load_study(study_name="race", storage=storage)
        gate = TargetGate(12, Owners(storage), lambda line: None, poll=0.02, lock=lock)
        go.wait()
        while not gate.stop_before_next(mine):
            # A window between the count and the trial's creation, as a busy process has: the lock (held until
            # started) must close it; without the lock the racers that counted meanwhile all start a trial, so the
            # race the test shows does not hang on the threads' timing.
            time.sleep(0.02)
            trial = mine.ask()
            gate.started(trial)
            time.sleep(0.05)  # the trial runs
            mine.tell(trial, 0.5)
            outcomes.append("ran")
        outcomes.append("stopped")

    threads = [threading.Thread(target=racer) for _ in range(racers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return outcomes


def _stores(tmp_path: Path) -> list[str]:
    urls = [f"sqlite:///{tmp_path}/optuna.db"]
    if os.environ.get("ARCHSEARCH_TEST_PG_URL"):
        from tests.together import fresh_postgres_databases

        urls += fresh_postgres_databases(os.environ["ARCHSEARCH_TEST_PG_URL"], 1)
    return urls


def test_racers_for_the_last_trial_start_exactly_one_under_the_stores_lock(tmp_path):
    """Counting and creating are one step (the store's lock held until the trial exists): never the target + 1.

    Without the lock (``nullcontext``) the same race starts several last trials; checked below, so the test
    shows the race it guards against. PostgreSQL (advisory lock) too where .ci/run started it.
    """
    from contextlib import nullcontext

    from archsearch.stores import one_at_a_time

    for url in _stores(tmp_path):
        try:
            outcomes = _race_for_the_last_trial(url, 8, lambda url=url: one_at_a_time(url, "trials:race"))
            study = optuna.load_study(study_name="race", storage=url)
            assert sorted(outcomes) == ["ran"] + ["stopped"] * 8, url
            assert len(study.get_trials(states=(optuna.trial.TrialState.COMPLETE,))) == 12, url
            optuna.delete_study(study_name="race", storage=url)

            unlocked = _race_for_the_last_trial(url, 8, nullcontext)
            assert unlocked.count("ran") > 1, url  # the race is real: more than one last trial without the lock
            assert unlocked.count("stopped") == 8, url
        finally:
            if url.startswith("postgresql"):
                from tests.together import drop_postgres_databases

                drop_postgres_databases(os.environ["ARCHSEARCH_TEST_PG_URL"], [url])


def test_a_stop_raised_inside_a_weakref_callback_is_raised_again_outside_it(capfd):
    # The deadline's wake-up ran our handler inside a WeakKeyDictionary's callback, where Python drops the
    # exception: "Exception ignored in: <function WeakKeyDictionary...>" reached the terminal.
    import gc
    import signal
    import time
    import weakref

    from archsearch.study import Stopped, _signals, clear_stop, request_stop, stop_on_signals
    from archsearch.study._signals import interruptible

    class Thing:
        pass

    thing = Thing()
    with stop_on_signals(), interruptible(), pytest.raises(Stopped):
        request_stop("deadline", exit_code=124)
        # the handler as Python runs it at a bytecode of a finalizer: with that frame
        weakref.finalize(thing, lambda: _signals._handle(signal.SIGINT, sys._getframe()))
        _signals._state.wakeup = True
        del thing
        gc.collect()
        for _ in range(100):  # the stop arrives at one of the next bytecodes
            time.sleep(0.01)
    clear_stop()
    assert "Exception ignored" not in capfd.readouterr().err


_NEW_PROCESS = """
import os, signal, sys, time
if sys.argv[1] == "sent while it starts":
    os.kill(os.getpid(), signal.SIGTERM)  # held: it waits (unheld, it killed the process as its imports ran)
time.sleep(0.2)
from archsearch.study import Stopped, stop_on_signals
from archsearch.study._signals import release_held_signals
with stop_on_signals():
    try:
        release_held_signals()
    except Stopped as err:
        print("stopped", err.exit_code, err.reason)
"""


@pytest.mark.parametrize(
    ("when", "stopped"),
    [
        ("recorded before the exec", "stopped 130 terminated by signal 2"),
        ("sent while it starts", "stopped 143 terminated by signal 15"),
    ],
)
def test_signals_held_across_exec_reach_the_new_process_once_it_can_stop_cleanly(when, stopped):
    # What a recycling run does before os.execv: the stop it recorded is sent again, and every signal waits for
    # the new process instead of killing it while it starts.
    code = (
        "import os, signal, sys\n"
        "from archsearch.study import hold_signals_across_exec, stop_on_signals\n"
        "with stop_on_signals():\n"
        f"    if {when!r} == 'recorded before the exec':\n"
        "        os.kill(os.getpid(), signal.SIGINT)  # recorded by this process, not raised (not interruptible)\n"
        "    hold_signals_across_exec()\n"
        f"    os.execv(sys.executable, [sys.executable, '-c', {_NEW_PROCESS!r}, {when!r}])\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert (done.returncode, done.stdout) == (0, stopped + "\n"), done.stderr
