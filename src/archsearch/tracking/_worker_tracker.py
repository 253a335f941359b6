"""The Tracker interface, served by a separate worker process (see ``_worker``).

:func:`prespawn` starts the worker while the search process imports
TensorFlow, so MLflow is imported on the other core in parallel; the worker
writes nothing until :class:`WorkerProcessTracker` sends it the run to open.
"""

from __future__ import annotations

import contextlib
import logging
import os
import pickle
import subprocess
import sys
import threading
import time
from collections.abc import Mapping
from pathlib import Path
from typing import IO, Any

from archsearch.tracking._records import _now_ms

__all__ = ["Spare", "WorkerProcessTracker", "prespawn"]


def _stdin(proc: subprocess.Popen[bytes]) -> IO[bytes]:
    """The worker's stdin: always a pipe (``_spawn`` opens it)."""
    assert proc.stdin is not None
    return proc.stdin


def _spawn() -> tuple[subprocess.Popen[bytes], int]:
    """The worker process, told in its arguments what it cannot read from this one: the cache folder (where
    the empty-store templates are) and how to log (:func:`archsearch._quiet.worker_args`)."""
    from archsearch._quiet import worker_args
    from archsearch.stores import cache_dir, log_file

    read_fd, write_fd = os.pipe()
    worker = [sys.executable, "-W", "ignore", "-m", "archsearch.tracking._worker", str(write_fd)]
    proc = subprocess.Popen(
        [*worker, "--cache", str(cache_dir()), *worker_args(log_file())],
        stdin=subprocess.PIPE,
        pass_fds=(write_fd,),
    )
    os.close(write_fd)
    return proc, read_fd


class Spare:
    """A worker started ahead of time (it imports MLflow and waits) for the next :class:`WorkerProcessTracker`.

    Use it as a context manager: on leaving, a spare no tracker took is stopped,
    so every early exit (nothing to run, bad input, Ctrl-C) cleans up.
    """

    def __init__(self) -> None:
        self._worker: tuple[subprocess.Popen[bytes], int] | None = _spawn()

    def take(self) -> tuple[subprocess.Popen[bytes], int] | None:
        """The worker and its reply pipe, once; None when already taken or discarded."""
        worker, self._worker = self._worker, None
        return worker

    def discard(self) -> None:
        """Stop the worker if no tracker took it."""
        worker = self.take()
        if worker is not None:
            proc, reply_fd = worker
            _stdin(proc).close()
            proc.wait()
            os.close(reply_fd)

    def __enter__(self) -> Spare:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.discard()


def prespawn() -> Spare:
    """Start a worker now, to hand to a :class:`WorkerProcessTracker` later (``with prespawn() as spare:``)."""
    return Spare()


class WorkerProcessTracker:
    """A :class:`~archsearch.tracking.Tracker` whose MLflow writes run in a worker process; every call returns at once.

    Takes the arguments of :class:`~archsearch.tracking.MlflowTracker` (which the
    worker runs), plus ``spare``: a worker from :func:`prespawn` to use instead of
    starting one. If the worker cannot be reached, the search goes on and
    ``errors`` says why.
    """

    def __init__(
        self,
        tracking_uri: str,
        experiment: str,
        *,
        run_name: str,
        tags: Mapping[str, str] | None = None,
        params: Mapping[str, Any] | None = None,
        parent_run_id: str | None = None,
        dataset: Any = None,
        spare: Spare | None = None,
    ) -> None:
        self.tracking_uri, self.experiment = tracking_uri, experiment
        self.errors: list[str] = []
        self.parent_run_id: str | None = parent_run_id
        self.experiment_id: str | None = None
        self._proc, reply_fd = (spare.take() if spare is not None else None) or _spawn()
        self._replies = os.fdopen(reply_fd, "rb")
        self._lock = threading.Lock()
        self._send(
            "init",
            tracking_uri,
            experiment,
            run_name=run_name,
            tags=dict(tags or {}),
            params=dict(params or {}),
            parent_run_id=parent_run_id,
            dataset=dataset,
        )
        self._started = False

    def start_trial(self, number: int, tags: Mapping[str, str] | None = None, start_ms: int | None = None) -> None:
        self._send("start_trial", number, dict(tags or {}), start_ms=start_ms or _now_ms())

    def end_trial(self, log: Any) -> None:
        self._send("end_trial", log)

    def set_parent_tags(self, tags: Mapping[str, str]) -> None:
        self._send("set_parent_tags", dict(tags))

    def log_parent_metrics(self, metrics: Mapping[str, float]) -> None:
        self._send("log_parent_metrics", dict(metrics))

    def log_artifact(self, path: str | Path, artifact_path: str | None = None) -> None:
        self._send("log_artifact", str(path), artifact_path)

    def close_orphans(self, study: str, trial_states: Mapping[int, str]) -> None:
        self._send("close_orphans", study, dict(trial_states))

    def stopped(self, reason: str, state: str = "FAIL") -> None:
        self._send("stopped", reason, state)

    def wait(self) -> None:
        """Block until everything sent so far is written."""
        if self._send("wait"):
            reply = self._receive("waited")
            if reply:
                self.errors = list(reply[1])

    def close(self, status: str | None = "FINISHED", timeout: float | None = None) -> None:
        """Close the parent run with ``status`` (None: leave it RUNNING) and wait for the worker to finish.

        With ``timeout``, wait that long in all (a stopped search must exit soon): a worker that has not
        finished by then is killed, and the next run closes what it left RUNNING (its process is gone).
        """
        deadline = None if timeout is None else time.monotonic() + timeout
        if self._send("close", status):
            reply = self._receive_by("closed", deadline)
            if reply:
                self.parent_run_id = reply[1] or self.parent_run_id
                self.errors = list(reply[2])
        with contextlib.suppress(OSError):
            _stdin(self._proc).close()
        try:
            self._proc.wait(None if deadline is None else max(deadline - time.monotonic(), 0.1))
        except subprocess.TimeoutExpired:
            self.errors.append("the MLflow worker did not finish in time")
            self._proc.kill()
        self._replies.close()
        for message in self.errors[:1]:  # a `warning: ...` line from the CLI, not Python's file-and-line form
            logging.getLogger("archsearch").warning("MLflow logging failed (%s); the search went on.", message)

    # -- plumbing -------------------------------------------------------------

    def _send(self, method: str, *args: Any, **kwargs: Any) -> bool:
        with self._lock:
            try:
                pickle.dump((method, args, kwargs), _stdin(self._proc))
                _stdin(self._proc).flush()
                return True
            except (OSError, ValueError) as err:  # the worker is gone
                if not self.errors:
                    self.errors.append(f"the MLflow worker stopped ({type(err).__name__}: {err})")
                return False

    def _receive_by(self, kind: str, deadline: float | None) -> tuple[Any, ...] | None:
        """:meth:`_receive` that gives up at ``deadline`` (``time.monotonic()``; None: never)."""
        if deadline is None:
            return self._receive(kind)
        got: list[tuple[Any, ...] | None] = []
        reader = threading.Thread(target=lambda: got.append(self._receive(kind)), daemon=True)
        reader.start()
        reader.join(max(deadline - time.monotonic(), 0.0))
        if not got:
            self.errors.append("the MLflow worker did not answer in time")
            return None
        return got[0]

    def _receive(self, kind: str) -> tuple[Any, ...] | None:
        while True:
            try:
                message = pickle.load(self._replies)
            except (EOFError, OSError, pickle.UnpicklingError):
                self.errors.append("the MLflow worker stopped before answering")
                return None
            if message[0] == "started":
                self.parent_run_id, self.experiment_id = message[1] or self.parent_run_id, message[2]
            if message[0] == kind:
                return message
