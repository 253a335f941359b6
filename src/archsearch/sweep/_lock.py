"""One sweep per plan and machine: a ``filelock`` lock next to the sweep's state.

The lock is an OS file lock (``fcntl.flock`` on Linux): the kernel drops it when
its holder dies, however it dies, so a lock whose holder is dead is simply taken
over by the next sweep. Next to it a small JSON file names the holder (pid, host,
start time) for the one-line refusal a second sweep prints (exit 75, EX_TEMPFAIL).
The lock file carries the host name: on a shared folder, two machines running one
plan (on one PostgreSQL storage) each hold their own.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import socket
from pathlib import Path
from typing import Any, Self

from archsearch.errors import ArchsearchError
from archsearch.sweep._state import write_atomic

__all__ = ["SweepBusy", "SweepLock"]


class SweepBusy(ArchsearchError):
    """Another sweep of the same plan holds the lock on this machine: exit 75 (try again later)."""

    exit_code = 75


class SweepLock:
    """``with SweepLock(folder, plan_name):`` holds the plan's lock; raises :class:`SweepBusy` if taken.

    Attributes:
        took_over: the holder record of a dead sweep whose lock this one took over (None otherwise).
    """

    def __init__(
        self, folder: str | Path, plan_name: str, *, host: str | None = None, now: dt.datetime | None = None
    ) -> None:
        from filelock import FileLock

        self.host = host or socket.gethostname()
        self.folder = Path(folder)
        self.path = self.folder / f"sweep-{self.host}.lock"
        self.holder_path = self.folder / f"sweep-{self.host}.holder.json"
        self.plan_name = plan_name
        self.now = now
        self.took_over: dict[str, Any] | None = None
        self._lock = FileLock(str(self.path), timeout=0)

    def __enter__(self) -> Self:
        from filelock import Timeout

        self.folder.mkdir(parents=True, exist_ok=True)
        try:
            self._lock.acquire()
        except Timeout:
            holder = self._holder()
            who = (
                f"pid {holder.get('pid')} on {holder.get('host')} since {holder.get('started')}"
                if holder
                else "a process that has not written its name yet"
            )
            raise SweepBusy(
                f"another sweep of {self.plan_name} is running: {who} (lock {self.path}); wait for it or stop it."
            ) from None
        previous = self._holder()
        if previous and previous.get("pid") != os.getpid():
            self.took_over = previous  # its process is gone: the kernel released its lock
        started = (self.now or dt.datetime.now().astimezone()).isoformat(timespec="seconds")
        write_atomic(
            self.holder_path,
            json.dumps({"pid": os.getpid(), "host": self.host, "started": started, "plan": self.plan_name}) + "\n",
        )
        return self

    def __exit__(self, *exc: object) -> None:
        try:
            self.holder_path.unlink(missing_ok=True)
        finally:
            self._lock.release()

    def _holder(self) -> dict[str, Any] | None:
        try:
            data = json.loads(self.holder_path.read_text())
        except (OSError, ValueError):
            return None
        return data if isinstance(data, dict) else None
