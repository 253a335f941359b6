"""Steps cannot outlive the sweep: SIGTERM, SIGINT, SIGHUP or SIGKILL to the sweep leave no step process behind."""

from __future__ import annotations

import datetime as dt
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.sweep.night import gone, pid_in, wait_for, wait_gone

FAKE_SWEEP = Path(__file__).with_name("fake_sweep.py")


def _start(tmp_path: Path, *modes: str) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, str(FAKE_SWEEP), str(tmp_path), *modes],
        start_new_session=True,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def _state(tmp_path: Path) -> dict:
    return json.loads((tmp_path / "night" / "state.json").read_text())


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT, signal.SIGHUP])
def test_a_signal_to_the_sweeps_group_stops_the_step_and_its_children_and_ends_the_night(tmp_path, signum):
    sweep = _start(tmp_path, "family", "ok")
    wait_for(tmp_path / "step1.pid.ready", proc=sweep)
    step, child = pid_in(tmp_path / "step1.pid"), pid_in(tmp_path / "step1.pid.child")
    os.killpg(sweep.pid, signum)  # as `timeout` or systemd stop a job; the step is in its own group
    out, _ = sweep.communicate(timeout=60)
    assert sweep.returncode == 128 + signum, out
    assert (tmp_path / "step1.pid.closed").read_text() == "SIGTERM"  # forwarded as SIGTERM: it closed its trial
    assert wait_gone(step) and wait_gone(child)  # the whole group, the step's own child too
    state = _state(tmp_path)
    assert state["why"] == "signal" and state["signal"] == signal.Signals(signum).name
    assert [(s["status"], s["reason"]) for s in state["steps"]] == [
        ("stopped", f"signal {signal.Signals(signum).name}"),
        ("skipped", "the night ended (signal)"),
    ]
    assert not (tmp_path / "step2.pid").exists()


def test_sigkill_of_the_sweep_takes_the_step_with_it_and_a_rerun_resumes(tmp_path):
    sweep = _start(tmp_path, "sleep", "ok")
    wait_for(tmp_path / "step1.pid.ready", proc=sweep)
    step = pid_in(tmp_path / "step1.pid")
    time.sleep(2.0)  # the step runs 2 s and more; the sweep writes that it still runs every 0.5 s
    os.kill(sweep.pid, signal.SIGKILL)
    sweep.communicate(timeout=60)
    assert wait_gone(step), "the step outlived the sweep"
    assert (tmp_path / "step1.pid.closed").read_text() == "SIGTERM"  # PR_SET_PDEATHSIG: SIGTERM, it closed
    left = _state(tmp_path)["steps"][0]
    assert left["status"] == "running"  # what a SIGKILL leaves on disk
    # and how long the step was seen running (checked every 0.5 s): a rerun counts it (tests/sweep/test_state.py)
    seen = dt.datetime.fromisoformat(left["seen"]) - dt.datetime.fromisoformat(left["attempt"])
    assert seen >= dt.timedelta(seconds=1)
    (tmp_path / "step1.pid.ready").unlink()
    again = _start(tmp_path, "ok", "ok")  # the same night again: step 1 was not finished, so it runs again
    out, _ = again.communicate(timeout=60)
    assert again.returncode == 0, out
    state = _state(tmp_path)
    assert state["runs"] == 2 and [s["status"] for s in state["steps"]] == ["done", "done"]
    assert state["steps"][0]["attempt"] is None and state["steps"][0]["seen"] is None
    assert gone(pid_in(tmp_path / "step1.pid"))
