"""Running a plan: each step in its own ``archsearch`` process, one after the other.

A separate process per step gives each step a fresh TensorFlow (no memory
carried over) and the same behaviour as typing the command: studies resume,
so running the plan again after a crash or a reboot continues where it
stopped. A failing step does not stop the night's other steps unless asked.
"""

from __future__ import annotations

import dataclasses
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from typing import Any

from archsearch.cli._sweep_plan import Plan, Step

__all__ = ["StepOutcome", "SweepResult", "run_plan"]


@dataclasses.dataclass
class StepOutcome:
    step: Step
    exit_code: int | None  # None: not run
    seconds: float = 0.0

    @property
    def status(self) -> str:
        if self.exit_code is None:
            return "skipped"
        return {0: "ok", 130: "interrupted", 143: "interrupted"}.get(self.exit_code, f"failed (exit {self.exit_code})")


@dataclasses.dataclass
class SweepResult:
    outcomes: list[StepOutcome]
    interrupted_by: int | None = None  # signal.SIGINT / SIGTERM

    @property
    def exit_code(self) -> int:
        """130 (Ctrl-C) or 143 (SIGTERM) when interrupted, 1 when a step failed or was skipped, else 0."""
        if self.interrupted_by is not None:
            return 128 + int(self.interrupted_by)
        return 0 if all(o.exit_code == 0 for o in self.outcomes) else 1


def run_plan(plan: Plan, *, stop_on_failure: bool = False, say: Callable[[str], None] = print) -> SweepResult:
    """Run every step of ``plan``; returns one outcome per step.

    Ctrl-C or SIGTERM stops the running step the way the command itself
    handles it (its runs are closed, it exits 130/143) and skips the rest.
    """
    outcomes = [StepOutcome(step, None) for step in plan.steps]
    stopping = _Forwarder()
    with stopping:
        for outcome in outcomes:
            step = outcome.step
            say(f"== step {step.number}/{len(plan.steps)}: {step.describe()}")
            start = time.monotonic()
            proc = subprocess.Popen([sys.executable, "-m", "archsearch", *step.argv()])
            stopping.child = proc
            outcome.exit_code = _wait(proc, stopping)
            stopping.child = None
            outcome.seconds = time.monotonic() - start
            say(f"== step {step.number}: {outcome.status} after {outcome.seconds:.0f}s")
            if outcome.exit_code in (130, 143) and stopping.signal is None:
                stopping.signal = outcome.exit_code - 128  # the step was interrupted from outside
            if stopping.signal is not None:
                break
            if outcome.exit_code != 0 and stop_on_failure:
                break
    return SweepResult(outcomes, stopping.signal)


def _wait(proc: subprocess.Popen, stopping: _Forwarder) -> int:
    while True:
        try:
            return proc.wait()
        except KeyboardInterrupt:  # Ctrl-C also reached the child (same process group); let it close its runs
            stopping.signal = signal.SIGINT


class _Forwarder:
    """Passes SIGTERM on to the running step, and remembers that the sweep must stop."""

    def __init__(self) -> None:
        self.child: subprocess.Popen | None = None
        self.signal: int | None = None
        self._old: Any = None

    def __enter__(self) -> _Forwarder:
        self._old = signal.signal(signal.SIGTERM, self._handle)
        return self

    def __exit__(self, *exc: Any) -> None:
        signal.signal(signal.SIGTERM, self._old)

    def _handle(self, signum: int, frame: Any) -> None:
        self.signal = signum
        if self.child is not None and self.child.poll() is None:
            self.child.send_signal(signum)
