"""The MLflow worker process: ``python -m archsearch.tracking._worker REPLY_FD --cache DIR [--verbose | --log-file F]``.

Reads ``(method, args, kwargs)`` messages pickled on stdin and applies them to
a :class:`~archsearch.tracking.MlflowTracker`; writes replies pickled on REPLY_FD.
Importing MLflow and writing runs happen here, on another core, so the
training process never pays for them (and its GIL is never held by them).

End of input without a ``close`` message means the search process died
(kill -9, OOM killer): the open trial runs are closed FAILED with a note and the
parent run KILLED, so MLflow never keeps a RUNNING run of a dead process.
"""

from __future__ import annotations

import logging
import os
import pickle
import signal
import sys
import warnings
from pathlib import Path
from typing import Any, BinaryIO

DIED = "the process running this trial died (killed or crashed); closed by its MLflow worker"


def serve(inbox: BinaryIO, outbox: BinaryIO) -> None:
    from archsearch.tracking._tracker import MlflowTracker

    tracker: MlflowTracker | None = None

    def reply(*message: Any) -> None:
        pickle.dump(message, outbox)
        outbox.flush()

    while True:
        try:
            method, args, kwargs = pickle.load(inbox)
        except EOFError:  # the search process is gone without saying goodbye
            if tracker is not None:
                tracker.close_abandoned(DIED)
            return
        if method == "init":
            tracker = MlflowTracker(*args, **kwargs)
            tracker.wait()
            reply("started", tracker.parent_run_id, tracker.experiment_id)
        elif tracker is None:
            continue
        elif method == "wait":
            tracker.wait()
            reply("waited", tracker.errors)
        elif method == "close":
            tracker.close(*args, **kwargs)
            reply("closed", tracker.parent_run_id, tracker.errors)
            return
        else:
            getattr(tracker, method)(*args, **kwargs)


def ignore_stop_signals() -> None:
    """SIGINT, SIGTERM and SIGHUP sent to the whole process group are the search process's to handle.

    It tells this worker to close the runs (``stopped``, then ``close``) and waits
    a bounded time; if the search process is gone first, the end of input closes
    them here (:data:`DIED`).
    """
    for name in ("SIGINT", "SIGTERM", "SIGHUP"):
        if hasattr(signal, name):
            signal.signal(getattr(signal, name), signal.SIG_IGN)


def main() -> None:
    from archsearch._quiet import quiet_library_logs
    from archsearch.stores import Folders, use_folders

    ignore_stop_signals()
    args = sys.argv[2:]  # the parent's cache folder and how it logs (tracking._worker_tracker._spawn)

    def given(flag: str) -> Path | None:
        return Path(args[args.index(flag) + 1]) if flag in args else None

    cache, log_file = given("--cache"), given("--log-file")
    if cache is not None:
        use_folders(Folders(cache=cache, log_file=log_file))  # new MLflow stores: from the parent's template
    quiet_library_logs("--verbose" in args, log_file)  # MLflow's and alembic's lines: the log file only
    ours = logging.getLogger("archsearch")  # what failed goes back in the replies: the search process says it
    ours.handlers, ours.propagate = [logging.NullHandler()], False
    warnings.simplefilter("ignore", DeprecationWarning)
    outbox = os.fdopen(int(sys.argv[1]), "wb")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import mlflow.tracking  # noqa: F401  (load before the first message arrives)
    serve(sys.stdin.buffer, outbox)
    # Everything is committed; skip the interpreter's teardown of MLflow's modules and
    # threads (most of a second), which the search process would otherwise wait for.
    sys.stderr.flush()
    os._exit(0)


if __name__ == "__main__":
    main()
