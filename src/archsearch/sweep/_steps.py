"""Each step in its own process group, tied to the sweep's life.

A step is started with ``start_new_session=True`` (its own process group, so a
stop reaches its worker processes too) and, on Linux, ``PR_SET_PDEATHSIG``
(the kernel sends it SIGTERM when the sweep dies, even by SIGKILL: no orphan
step trains on until morning). SIGTERM is what the commands handle by closing
the running trial and its MLflow runs; SIGKILL follows after a grace period.
"""

from __future__ import annotations

import contextlib
import ctypes
import dataclasses
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Sequence
from typing import IO

__all__ = ["StepProcess", "describe_exit", "stop_group"]

_PR_SET_PDEATHSIG = 1


def _die_with(parent: int) -> Callable[[], None]:
    def preexec() -> None:  # runs in the child between fork and exec
        if sys.platform.startswith("linux"):
            libc = ctypes.CDLL(None, use_errno=True)
            libc.prctl(_PR_SET_PDEATHSIG, int(signal.SIGTERM), 0, 0, 0)
            if os.getppid() != parent:  # the sweep died before prctl: do not start at all
                os._exit(143)

    return preexec


@dataclasses.dataclass
class StepProcess:
    """A running step: its process (group leader), and the last ``error:`` line it printed."""

    proc: subprocess.Popen[bytes]
    last_error: str | None = None
    _reader: threading.Thread | None = None

    @classmethod
    def start(
        cls, argv: Sequence[str], *, env: dict[str, str] | None = None, stderr: IO[str] | None = None
    ) -> StepProcess:
        """Start ``argv`` in a new session; its stderr is passed through to ``stderr`` (default: ours)."""
        # preexec_fn: only prctl and getppid between fork and exec (no lock the sweep's threads could hold).
        proc = subprocess.Popen(
            list(argv),
            start_new_session=True,
            preexec_fn=_die_with(os.getpid()),  # noqa: PLW1509
            env=env,
            stderr=subprocess.PIPE,
        )
        step = cls(proc)
        step._reader = threading.Thread(target=step._pass_stderr, args=(stderr or sys.stderr,), daemon=True)
        step._reader.start()
        return step

    def _pass_stderr(self, out: IO[str]) -> None:
        assert self.proc.stderr is not None
        for raw in self.proc.stderr:
            line = raw.decode(errors="replace")
            if line.startswith("error:") or "Error" in line.split(":", 1)[0]:
                self.last_error = line.strip()
            try:
                out.write(line)
                out.flush()
            except (OSError, ValueError):
                pass

    def wait(self, timeout: float) -> int | None:
        """The exit code (negative: killed by that signal), or None while it runs."""
        try:
            code = self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            return None
        if self._reader is not None:
            self._reader.join(timeout=5)
        return code

    def signal_group(self, signum: int) -> None:
        with contextlib.suppress(ProcessLookupError, PermissionError):  # the group is gone already
            os.killpg(self.proc.pid, signum)


def stop_group(step: StepProcess, grace: float, *, sleep: Callable[[float], None] = time.sleep) -> int:
    """SIGTERM to the step's process group, SIGKILL after ``grace`` seconds; returns its exit code."""
    step.signal_group(signal.SIGTERM)
    waited = 0.0
    while waited < grace:
        code = step.wait(timeout=0.2)
        if code is not None:
            step.signal_group(signal.SIGKILL)  # whatever it left behind in its group
            return code
        waited += 0.2
    step.signal_group(signal.SIGKILL)
    code = step.wait(timeout=30)
    return code if code is not None else -int(signal.SIGKILL)


def describe_exit(code: int) -> str:
    """``exit 1``, ``SIGTERM`` (as the step itself reports it: 143) or ``killed by SIGKILL``."""
    if code < 0:
        return f"killed by {signal.Signals(-code).name}"
    if code > 128 and code - 128 in signal.Signals._value2member_map_:
        return f"{signal.Signals(code - 128).name} (exit {code})"
    return f"exit {code}"
