"""The state of one plan's night: each step's status, trials before and after, and times.

One JSON file per plan and night, ``mlruns/sweeps/<plan>/<YYYY-MM-DD>/state.json``,
rewritten atomically (a temporary file, then ``os.replace``) after every change,
so a sweep killed at any moment leaves either the old or the new state, never half
of one. Re-running the plan the same night reads it and skips the finished steps (a step the plan
changed since runs again, and a report after a step that ran is written again);
the next night starts a fresh state (its studies continue, they live in the storage).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import os
from pathlib import Path
from typing import Any

__all__ = [
    "DONE",
    "FAILED",
    "PENDING",
    "RUNNING",
    "SKIPPED",
    "STOPPED",
    "NightState",
    "StepState",
    "load_night",
    "night_folder",
    "previous_night",
    "write_atomic",
]

PENDING, RUNNING, DONE, FAILED, STOPPED, SKIPPED = "pending", "running", "done", "failed", "stopped", "skipped"
STATE_FILE = "state.json"


@dataclasses.dataclass
class StepState:
    number: int
    command: str
    describe: str
    status: str = PENDING
    reason: str | None = None  # one line: why it failed, stopped or was skipped
    started: str | None = None
    ended: str | None = None
    seconds: float = 0.0
    exit_code: int | None = None
    study: str | None = None
    trials_before: int | None = None
    trials_after: int | None = None
    target: int | None = None
    failures: list[str] = dataclasses.field(default_factory=list)  # "trial 7: reason" for tonight's failed trials
    trial_seconds: list[float] = dataclasses.field(default_factory=list)  # tonight's finished trials
    running: int = 0  # trials of its study still RUNNING after it ended (should be 0)
    answers: dict[str, Any] | None = None  # the study's report: objective, best, questions (for the summary)
    attempt: str | None = None  # while it runs: when this attempt started
    seen: str | None = None  # while it runs: when the sweep last saw it running (kept by a SIGKILL)

    @property
    def trials_tonight(self) -> int | None:
        if self.trials_after is None or self.trials_before is None:
            return None
        return self.trials_after - self.trials_before


@dataclasses.dataclass
class NightState:
    plan: str
    night: str  # YYYY-MM-DD
    started: str
    deadline: str | None = None
    ended: str | None = None
    why: str | None = None  # done, deadline, signal, error (None while the sweep runs)
    signal: str | None = None  # SIGTERM etc. when a signal ended it
    host: str = ""
    pid: int = 0
    reporter: bool = True  # False: another machine writes the reports and the summary (PostgreSQL)
    runs: int = 1  # how many sweeps of this plan ran this night (re-runs resume)
    notes: list[str] = dataclasses.field(default_factory=list)  # e.g. a frozen ask base the search has left behind
    steps: list[StepState] = dataclasses.field(default_factory=list)

    def step(self, number: int) -> StepState:
        return next(s for s in self.steps if s.number == number)

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> NightState:
        steps = [StepState(**s) for s in data.get("steps", [])]
        return cls(**{**data, "steps": steps})

    def save(self, folder: Path) -> Path:
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / STATE_FILE
        write_atomic(path, json.dumps(self.to_dict(), indent=1) + "\n")
        return path


def night_folder(root: str | Path, plan: str, night: str) -> Path:
    """``<root>/<plan>/<night>``, e.g. ``mlruns/sweeps/nightly/2026-12-06``."""
    return Path(root) / plan / night


def load_night(folder: Path) -> NightState | None:
    """The saved state of a night, or None when that night has none (or it cannot be read)."""
    try:
        return NightState.from_dict(json.loads((folder / STATE_FILE).read_text()))
    except (OSError, ValueError, TypeError):
        return None


def previous_night(root: str | Path, plan: str, night: str) -> NightState | None:
    """The latest night before ``night`` that has a state, for "changed since last night"."""
    folder = Path(root) / plan
    nights = sorted(p.name for p in folder.glob("????-??-??") if p.name < night and (p / STATE_FILE).is_file())
    return load_night(folder / nights[-1]) if nights else None


def now_text(now: dt.datetime) -> str:
    return now.isoformat(timespec="seconds")


def write_atomic(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` through a temporary file in the same folder and ``os.replace``."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_text(text)
    os.replace(tmp, path)
