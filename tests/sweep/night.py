"""Helpers of the sweep tests: plans of fake steps, a clock the test moves, processes that are gone."""

from __future__ import annotations

import datetime as dt
import os
import sys
import time
from pathlib import Path

from archsearch.sweep import NightOptions, Plan, Step

FAKE_STEP = Path(__file__).with_name("fake_step.py")
START = dt.datetime(2026, 12, 7, 1, 0, tzinfo=dt.UTC)


class FastClock:
    """Night time that runs ``speed`` times faster than the real time from the moment it is made."""

    def __init__(self, start: dt.datetime = START, speed: float = 1.0) -> None:
        self.start, self.speed, self.t0 = start, speed, time.monotonic()

    def __call__(self) -> dt.datetime:
        return self.start + dt.timedelta(seconds=(time.monotonic() - self.t0) * self.speed)


def plan_of(tmp_path: Path, *modes: str, shares: tuple[float, ...] = ()) -> Plan:
    """A plan whose step N runs fake_step.py MODE (its space is the mode's name)."""
    steps = tuple(Step(n, "run", mode, (), shares[n - 1] if shares else 1.0) for n, mode in enumerate(modes, 1))
    return Plan(tmp_path / "fake.toml", steps)


def options(tmp_path: Path, clock=None, **kw) -> NightOptions:
    def argv(step: Step, until: dt.datetime | None) -> list[str]:
        return [sys.executable, str(FAKE_STEP), step.space, str(tmp_path / f"step{step.number}.pid")]

    return NightOptions(
        folder=tmp_path / "night",
        night="2026-12-07",
        clock=clock or FastClock(),
        argv=argv,
        say=kw.pop("say", lambda line: None),
        grace=kw.pop("grace", 2.0),
        poll=0.05,
        seen_every=kw.pop("seen_every", 0.5),
        **kw,
    )


def gone(pid: int) -> bool:
    """True when no process ``pid`` runs any more (a zombie of ours counts as gone)."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().split(") ")[1].split()[0] == "Z"
    except FileNotFoundError:
        return True


def wait_for(path: Path, timeout: float = 60.0, proc=None) -> None:
    end = time.monotonic() + timeout
    while not path.exists():
        assert time.monotonic() < end, f"{path} did not appear"
        assert proc is None or proc.poll() is None, proc.communicate()[0]
        time.sleep(0.05)


def wait_gone(pid: int, timeout: float = 60.0) -> bool:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if gone(pid):
            return True
        time.sleep(0.05)
    return False


def pid_in(path: Path) -> int:
    return int(path.read_text())


__all__ = [
    "FAKE_STEP",
    "START",
    "FastClock",
    "gone",
    "options",
    "os",
    "pid_in",
    "plan_of",
    "wait_for",
    "wait_gone",
]
