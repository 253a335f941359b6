"""Stopping a search: the signals a scheduler sends, and a stop asked for by code (a deadline).

``timeout``, systemd, Kubernetes and Slurm stop a job with SIGTERM to its process
(or its whole group); a terminal sends SIGINT (Ctrl-C) to the group; closing the
terminal or an SSH session sends SIGHUP. Inside :class:`stop_on_signals` all
three stop the search the same way:

* The first signal records a :class:`Stop` (reason ``"terminated by signal N"``,
  exit status 128+N). Where unwinding is safe (:func:`interruptible` blocks: a
  trial's training, loading data, waiting for other processes' trials) it raises
  :class:`Stopped` (a ``KeyboardInterrupt``) at once; elsewhere (a storage write,
  a message to the MLflow worker) it is raised at the next :func:`check_stop`.
  The running trial then ends FAILED (or PRUNED with ``--on-stop prune``) with
  the reason, its MLflow runs KILLED with the reason as a tag.
* The same signal again within :data:`DEBOUNCE_S` counts once (a signal sent to
  the process and to its group arrives twice).
* Any later signal while stopping exits at once with 128+N (``os._exit``): a
  trial left RUNNING is failed by the next run (its owner is dead, see
  :mod:`~archsearch.study._owners`), and the MLflow worker, seeing its input
  end, closes the runs (:mod:`archsearch.tracking._worker`).

Code that is not a signal handler (a timer thread enforcing a deadline, a
notebook callback) stops the running search with :func:`request_stop`::

    timer = threading.Timer(3600, request_stop, args=("deadline",), kwargs={"exit_code": 124})
    timer.start()
    try:
        run_search("spaces/digits_quick.py", options)  # raises Interrupted(reason="deadline", exit_code=124)
    finally:
        timer.cancel()

It takes the same path as a signal: the running trial ends FAILED with the reason
(here ``"deadline"``), its runs KILLED. It may be called from any thread, any
number of times (the first reason wins). A stop requested while no search runs
is kept until the next :class:`stop_on_signals` block starts, which then stops at
once; :func:`clear_stop` forgets it.
"""

from __future__ import annotations

import _thread
import dataclasses
import os
import signal
import sys
import threading
import time
import weakref
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

__all__ = [
    "DEBOUNCE_S",
    "SIGNALS",
    "Stop",
    "Stopped",
    "check_stop",
    "clear_stop",
    "current_stop",
    "hold_signals_across_exec",
    "interruptible",
    "request_stop",
    "stop_on_signals",
]

SIGNALS: tuple[int, ...] = tuple(
    getattr(signal, name) for name in ("SIGTERM", "SIGINT", "SIGHUP") if hasattr(signal, name)
)
DEBOUNCE_S = 1.0  # the same signal again within this many seconds is the same request


@dataclasses.dataclass(frozen=True)
class Stop:
    """Why the search stops: ``reason`` for trials and runs, ``exit_code`` for the process.

    ``signum`` is the signal's number, None for :func:`request_stop`.
    """

    reason: str
    exit_code: int
    signum: int | None = None
    at: float = dataclasses.field(default_factory=time.monotonic, compare=False)


class Stopped(KeyboardInterrupt):
    """Raised in the main thread to unwind the search; ``stop`` says why."""

    def __init__(self, stop: Stop) -> None:
        super().__init__(stop.reason)
        self.stop = stop

    @property
    def reason(self) -> str:
        return self.stop.reason

    @property
    def exit_code(self) -> int:
        return self.stop.exit_code


class _State:
    def __init__(self) -> None:
        self.stop: Stop | None = None
        self.signals = 0  # signals received while stopping
        self.depth = 0  # nested stop_on_signals blocks
        self.interruptible = 0  # nested interruptible blocks
        self.wakeup = False  # request_stop interrupted the main thread
        self.old: dict[int, Any] = {}


_state = _State()


def current_stop() -> Stop | None:
    """The stop recorded so far (by a signal or :func:`request_stop`), or None."""
    return _state.stop


def request_stop(reason: str, *, exit_code: int = 1) -> None:
    """Stop the running search with ``reason``, as a signal would; safe from any thread.

    Args:
        reason: why, in words: the running trial's error and a tag of its runs (e.g. ``"deadline"``).
        exit_code: the exit status of an ``archsearch`` command stopped this way.

    Example:
        >>> request_stop("deadline", exit_code=124)
        >>> current_stop().reason
        'deadline'
        >>> clear_stop()
    """
    if _state.stop is None:
        _state.stop = Stop(reason, exit_code)
    if _state.depth and _state.interruptible and threading.current_thread() is not threading.main_thread():
        # Wake the main thread out of a trial now: Python runs our SIGINT handler there.
        _state.wakeup = True
        _thread.interrupt_main(signal.SIGINT)


def clear_stop() -> None:
    """Forget a stop (after it was handled, or one requested while no search ran)."""
    _state.stop, _state.signals, _state.wakeup = None, 0, False


def check_stop() -> None:
    """Raise :class:`Stopped` when a stop was recorded and this is a :class:`stop_on_signals` block's main thread."""
    stop = _state.stop
    if stop is not None and _state.depth and threading.current_thread() is threading.main_thread():
        raise Stopped(stop)


@contextmanager
def interruptible() -> Iterator[None]:
    """A block that a stop may unwind at any point (no storage write or worker message half-done)."""
    check_stop()
    _state.interruptible += 1
    try:
        yield
    finally:
        _state.interruptible -= 1


class stop_on_signals:
    """SIGTERM, SIGINT and SIGHUP stop the search (see the module docstring); nested blocks share one state.

    On leaving the outermost block the previous handlers come back and the stop
    is forgotten. In threads other than the main one the block does nothing
    (Python delivers signals to the main thread only).
    """

    def __enter__(self) -> stop_on_signals:
        if threading.current_thread() is not threading.main_thread():
            self._active = False
            return self
        self._active = True
        if _state.depth == 0:
            _state.signals, _state.wakeup = 0, False
            _state.old = {signum: signal.signal(signum, _handle) for signum in SIGNALS}
        _state.depth += 1
        check_stop()  # requested before this block: stop at once
        return self

    def __exit__(self, *exc: Any) -> None:
        if not self._active:
            return
        _state.depth -= 1
        if _state.depth == 0:
            for signum, old in _state.old.items():
                signal.signal(signum, old)
            _state.old = {}
            clear_stop()


def _handle(signum: int, frame: Any) -> None:
    if _state.wakeup and signum == signal.SIGINT:  # request_stop, not a signal
        _state.wakeup = False
        if _state.interruptible and _state.stop is not None:
            _raise_outside_callbacks(frame)
        return
    stop = _state.stop
    if stop is not None and stop.signum is not None:
        if stop.signum == signum and time.monotonic() - stop.at < DEBOUNCE_S and not _state.signals:
            return  # one signal sent to the process and to its group
        _exit_now(signum)
    if stop is None or stop.signum is None:
        _state.stop = stop = Stop(f"terminated by signal {signum}", 128 + signum, signum)
    if _state.interruptible:
        _raise_outside_callbacks(frame)


def _raise_outside_callbacks(frame: Any) -> None:
    """Raise the stop, unless Python is running a weakref callback or a finalizer, which drops exceptions (it
    printed "Exception ignored in: <function WeakKeyDictionary...>" and the stop waited for the next check):
    then wake the main thread again a moment later, out of the callback."""
    while frame is not None:
        if frame.f_code.co_name == "__del__" or frame.f_code.co_filename == weakref.__file__:
            timer = threading.Timer(RETRY_S, _wake_again)
            timer.daemon = True
            timer.start()
            return
        frame = frame.f_back
    assert _state.stop is not None
    raise Stopped(_state.stop)


RETRY_S = 0.05  # how soon a stop that arrived inside a callback is raised again


def _wake_again() -> None:
    if _state.depth and _state.interruptible and _state.stop is not None:
        _state.wakeup = True
        _thread.interrupt_main(signal.SIGINT)


def hold_signals_across_exec() -> None:
    """Before ``os.exec*`` into a process that goes on with this search (``--recycle-after``): block the signals,
    so that one sent while the new process starts (its imports, before its handlers) waits for it instead of
    killing it silently with the parent run left RUNNING; a stop this process recorded is sent again, to wait
    the same way. The new process lets them in with :func:`release_held_signals` once it can close what it took
    over (the mask and pending signals survive ``execve``; the threads it starts inherit the mask, so a signal
    sent to the process waits for the main thread)."""
    signal.pthread_sigmask(signal.SIG_BLOCK, SIGNALS)
    stop = _state.stop
    if stop is not None and stop.signum is not None:
        # To this thread, which blocks it, so that it stays pending (sent to the process, another thread
        # would take it); the pending signals of the thread that calls execve are the new process's.
        signal.pthread_kill(threading.get_ident(), stop.signum)


def release_held_signals() -> None:
    """Let in the signals :func:`hold_signals_across_exec` held (a no-op otherwise); a held one stops here.

    Called where the search can close a stop cleanly (its trials' loop, the parent run taken over).
    """
    if set(SIGNALS) & signal.pthread_sigmask(signal.SIG_BLOCK, []):
        signal.pthread_sigmask(signal.SIG_UNBLOCK, SIGNALS)  # a pending one runs _handle now: a Stop, no raise
    check_stop()


def _exit_now(signum: int) -> None:
    """A second signal while stopping: no more clean-up here (the next run and the MLflow worker finish it)."""
    _state.signals += 1
    try:
        os.write(
            2, f"\nstopped at once by a second signal ({signum}); the next run fails the trial left RUNNING\n".encode()
        )
        sys.stdout.flush()
    except (OSError, ValueError):
        pass
    os._exit(128 + signum)
