"""One sweep per plan and machine: contention exits 75 naming the holder; a dead holder's lock is taken over."""

from __future__ import annotations

import os
import signal
import subprocess
import sys

import pytest
from click.testing import CliRunner

from archsearch.cli import cli
from archsearch.sweep import SweepBusy, SweepLock

HOLD = """
import sys, time
sys.path.insert(0, {src!r})
from archsearch.sweep import SweepLock
with SweepLock({folder!r}, "nightly"):
    print("held", flush=True)
    time.sleep(300)
"""


def _holder(tmp_path) -> subprocess.Popen:
    code = HOLD.format(
        src=str(os.environ.get("PYTHONPATH", "").split(os.pathsep)[0] or "src"),
        folder=str(tmp_path / "sweeps" / "nightly"),
    )
    proc = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)
    assert proc.stdout.readline().strip() == "held"
    return proc


def test_a_second_sweep_of_the_plan_is_refused_with_the_holders_pid_host_and_start(tmp_path):
    holder = _holder(tmp_path)
    try:
        with pytest.raises(SweepBusy) as err, SweepLock(tmp_path / "sweeps" / "nightly", "nightly"):
            pass
        message = str(err.value)
        assert err.value.exit_code == 75 and "\n" not in message
        assert message.startswith(f"another sweep of nightly is running: pid {holder.pid} on ")
        assert " since 20" in message  # the holder's start time, ISO
    finally:
        holder.kill()
        holder.wait()


def test_the_lock_of_a_dead_sweep_is_taken_over(tmp_path):
    holder = _holder(tmp_path)
    os.kill(holder.pid, signal.SIGKILL)
    holder.wait()
    with SweepLock(tmp_path / "sweeps" / "nightly", "nightly") as lock:
        assert lock.took_over is not None and lock.took_over["pid"] == holder.pid
    with SweepLock(tmp_path / "sweeps" / "nightly", "nightly") as lock:  # released cleanly: nothing to take over
        assert lock.took_over is None


def test_each_machine_holds_its_own_lock(tmp_path):
    with SweepLock(tmp_path, "nightly", host="a"), SweepLock(tmp_path, "nightly", host="b"):
        pass


def test_the_command_exits_75_with_one_line(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "a.py").write_text("")
    (tmp_path / "nightly.toml").write_text('[[step]]\nrun = "a.py"\n')
    with SweepLock(tmp_path / "mlruns" / "sweeps" / "nightly", "nightly"):
        result = CliRunner().invoke(cli, ["sweep", "nightly.toml"])
    assert result.exit_code == 75
    assert result.stderr.count("\n") == 1 and result.stderr.startswith(
        f"error: another sweep of nightly is running: pid {os.getpid()} on "
    )
