"""``archsearch run SPACE --workers N``: N local ``archsearch run`` processes on one shared study.

Each worker is a whole ``archsearch run`` (its own TensorFlow, its own MLflow
parent run, crash handling and recycling as usual); they share the study
through its storage and stop at its target (:mod:`~archsearch.study._target`).
Their progress lines reach stderr prefixed ``[worker i]``; the summary is
printed once, by this process, from the study (after a stop by a signal: what was
stopped and the command that resumes, as one process says it). The workers start with the
environment their caller passes (the command line passes its own; nothing here
reads this process's); the storage and tracking URLs are added to it as
``ARCHSEARCH_STORAGE`` and ``ARCHSEARCH_TRACKING_URI``, which the workers'
command line reads, never put on their command lines (which ``ps`` shows to
every user of the machine).
"""

from __future__ import annotations

import dataclasses
import signal
import subprocess
import sys
import threading
from collections.abc import Mapping
from pathlib import Path
from typing import IO, Any

from archsearch.stores import (
    check_reachable,
    check_url,
    check_workers_storage,
    redact,
    resolve_storage,
    resolve_tracking_uri,
)
from archsearch.study._options import RunOptions
from archsearch.study._signals import SIGNALS

__all__ = ["WorkersOutcome", "run_workers"]

STOP_CODES = tuple(128 + signum for signum in SIGNALS)  # a worker stopped by SIGTERM, SIGINT or SIGHUP


@dataclasses.dataclass
class WorkersOutcome:
    """What the workers left: the study's result, each worker's exit code, and after a stop its summary line.

    Attributes:
        stopped: after a signal stopped them, one line: what was stopped, where the study stands and the
            command that resumes (``Resume with: archsearch run ... --workers N``); else None.
        resume: that command.
    """

    result: Any  # SearchResult
    codes: list[int]
    stopped: str | None = None
    resume: str = ""

    @property
    def exit_code(self) -> int:
        """0 when every worker succeeded; 128+N when a signal N stopped them (143, 130, 129); else 1."""
        if all(code == 0 for code in self.codes):
            return 0
        for signalled in STOP_CODES:
            if signalled in self.codes:
                return signalled
        return 1


def run_workers(space: str | Path, options: RunOptions, workers: int, env: Mapping[str, str]) -> WorkersOutcome:
    """Run ``workers`` ``archsearch run`` processes on the study of ``space`` and wait for all of them.

    Args:
        env: the environment the workers start with (the store URLs are added to it).

    Raises:
        UsageError: bad options, or a storage that cannot take ``workers`` processes;
            checked before any worker starts.
    """
    from archsearch.seeds import worker_process
    from archsearch.space import load_space
    from archsearch.study._run import resume_args
    from archsearch.study._settings import resume_command

    options.validate()
    loaded = load_space(space)
    storage_url = resolve_storage(options.storage)
    tracking_uri = resolve_tracking_uri(options.tracking_uri)
    check_url(storage_url, "Optuna storage", "--storage")
    check_url(tracking_uri, "MLflow tracking", "--tracking-uri")
    check_workers_storage(storage_url, workers)
    check_reachable(storage_url, "--storage")
    check_reachable(tracking_uri, "--tracking-uri")
    study_name = options.study_name or loaded.name
    before = _finished(storage_url, study_name)

    env = {
        **env,
        "ARCHSEARCH_STORAGE": storage_url,
        "ARCHSEARCH_TRACKING_URI": tracking_uri,
        "PYTHONUNBUFFERED": "1",
    }
    # Each worker: this run's flags and the ones a process that takes over gets (--recycle-after, --timeout,
    # --quiet ...); its own parent run; the store URLs in its environment, not its argv.
    hidden = dataclasses.replace(options, storage=None, tracking_uri=None, parent_run_id=None)
    procs: list[subprocess.Popen] = []
    relays: list[threading.Thread] = []
    for index in range(workers):
        # The sampler's process index: this command's own (a sweep machine's offset) plus the worker's.
        process = worker_process(options.worker_index, index)
        args = resume_args(space, dataclasses.replace(hidden, worker_index=process), takeover=True)[2:]
        proc = subprocess.Popen(
            [sys.executable, "-m", "archsearch", "run", *args],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
            bufsize=1,
        )
        procs.append(proc)
        relay = threading.Thread(target=_relay, args=(proc.stderr, f"[worker {index}] "), daemon=True)
        relay.start()
        relays.append(relay)
    codes = _wait(procs)
    for relay in relays:
        relay.join(5)
    for index, (proc, code) in enumerate(zip(procs, codes, strict=True)):
        if code < 0:
            print(f"worker {index} (pid {proc.pid}) was killed by signal {-code}; the others went on", file=sys.stderr)
        elif code not in (0, *STOP_CODES):
            print(f"worker {index} (pid {proc.pid}) exited with {code}", file=sys.stderr)
    target = options.trials or loaded.trials
    result = _study_result(storage_url, tracking_uri, study_name, target, loaded, before)
    outcome = WorkersOutcome(result, codes, resume=f"{resume_command(space, options)} --workers {workers}")
    if outcome.exit_code in STOP_CODES:
        pids = {str(proc.pid) for proc in procs}
        outcome.stopped = _stopped_line(storage_url, study_name, target, outcome.exit_code, pids, outcome.resume)
    return outcome


def _relay(stream: IO[str], prefix: str) -> None:
    """A worker's stderr, line by line with its prefix (one write per line: lines of workers never mix)."""
    for line in stream:
        sys.stderr.write(prefix + redact(line))
        sys.stderr.flush()


def _wait(procs: list[subprocess.Popen]) -> list[int]:
    """Wait for every worker; SIGTERM and SIGHUP here are passed on to each, Ctrl-C reaches them from the terminal.

    A signal sent to the whole group reaches a worker twice (from the sender and from here): a worker counts
    the same signal within a second once (:data:`~archsearch.study._signals.DEBOUNCE_S`).
    """

    def forward(signum: int, frame: Any) -> None:
        for proc in procs:
            if proc.poll() is None:
                proc.send_signal(signum)

    handlers: dict[int, Any] = {signum: forward for signum in SIGNALS}
    handlers[signal.SIGINT] = signal.SIG_IGN  # the workers close their runs and exit 130
    old = {signum: signal.signal(signum, handler) for signum, handler in handlers.items()}
    try:
        return [proc.wait() for proc in procs]
    finally:
        for signum, handler in old.items():
            signal.signal(signum, handler)


def _finished(storage_url: str, study_name: str) -> int:
    """Finished trials of the study before the workers start; 0 for a new store, which this never creates.

    The workers then start together on a new store exactly as separate processes
    would (no warm-up here that makes the schema first and hides a race).
    """
    import optuna
    from sqlalchemy.exc import SQLAlchemyError

    from archsearch.stores import sqlite_path

    optuna.logging.set_verbosity(optuna.logging.ERROR)
    db = sqlite_path(storage_url)
    if db is not None and not db.exists():
        return 0
    try:
        storage = optuna.storages.RDBStorage(storage_url, skip_table_creation=True, skip_compatibility_check=True)
        study = optuna.load_study(study_name=study_name, storage=storage)
    except (KeyError, SQLAlchemyError, optuna.exceptions.StorageInternalError):  # no study, or no tables yet
        return 0
    try:
        return sum(t.state.name in ("COMPLETE", "PRUNED") for t in study.get_trials(deepcopy=False))
    finally:
        storage.engine.dispose()


def _study_result(storage_url: str, tracking_uri: str, study_name: str, target: int, space: Any, before: int) -> Any:
    import optuna

    from archsearch.stores import open_storage
    from archsearch.study._result import SearchResult, _counts, _result

    try:
        study = optuna.load_study(study_name=study_name, storage=open_storage(storage_url))
    except KeyError:  # every worker failed before creating it
        return SearchResult(study_name, storage_url, tracking_uri, target, 0, 0, 0, objective=space.objective)
    finished, _ = _counts(study)
    return _result(study, storage_url, tracking_uri, target, space.objective, ran=finished - before)


def _stopped_line(storage_url: str, study_name: str, target: int, code: int, pids: set[str], resume: str) -> str:
    """The workers' stop in one line, as :func:`~archsearch.study._stopping.stopped_summary` says one process's."""
    import optuna

    from archsearch.stores import open_storage
    from archsearch.study._owners import OWNER_ATTR
    from archsearch.study._signals import Stop
    from archsearch.study._stopping import stopped_summary

    stop = Stop(f"terminated by signal {code - 128}", code, code - 128)
    try:
        study = optuna.load_study(study_name=study_name, storage=open_storage(storage_url))
    except KeyError:  # stopped before any worker created it
        return f"Study '{study_name}': stopped ({stop.reason}) before any trial ran. Resume with: {resume}"
    tags = {str(t.user_attrs.get(OWNER_ATTR, "")) for t in study.get_trials(deepcopy=False)}
    owners = {tag for tag in tags if tag.count("/") >= 2 and tag.rsplit("/", 2)[1] in pids}  # host/pid/start time
    return stopped_summary(study, study_name, target, stop, owners, resume)
