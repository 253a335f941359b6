"""MLflow layout: one experiment per space, a parent run per invocation, a child run per trial.

Every MLflow call runs on one background thread fed by a queue, so the caller never waits for logging. Each
trial's epoch metrics go in a single ``log_batch`` call. ``close()`` drains the queue. A search runs this class
in a separate worker process (``_worker_tracker``/``_worker``), off the training process's GIL.
"""

from __future__ import annotations

import logging
import os
import queue
import socket
import threading
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

from archsearch.schema import Metric, Tag
from archsearch.stores import describe_server_error, experiment_artifacts, mlflow_client, redact, server_unreachable
from archsearch.tracking._records import DatasetInfo, TrialLog, _finite, _now_ms, dataset_inputs

__all__ = ["DatasetInfo", "MlflowTracker", "TrialLog", "process_gone", "process_tag"]

_log = logging.getLogger("archsearch")
_BATCH = {"metrics": 1000, "params": 100, "tags": 100}  # MLflow's per-call limits


class MlflowTracker:
    """Records a search in MLflow from a thread of this process, without blocking the caller (a ``Tracker``).

    Args:
        tracking_uri: MLflow tracking URI (``sqlite:///mlruns/mlflow.db`` by default).
        experiment: experiment name (the space's name).
        run_name: name of the parent run.
        tags: tags of the parent run (space path and hash, dataset, version, ...).
        params: params of the parent run (training settings).
        parent_run_id: continue this parent run (a process that took over from
            another one, an ask's next round) instead of creating one; it is RUNNING
            again, ``tags`` are updated, ``params`` are not logged again.
        dataset: logged as the input of the parent run and of every trial run.
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
        dataset: DatasetInfo | None = None,
    ) -> None:
        self.tracking_uri = tracking_uri
        self.experiment = experiment
        self.parent_run_id: str | None = None
        self.experiment_id: str | None = None
        self.errors: list[str] = []
        self._child_runs: dict[int, str] = {}
        self._queue: queue.Queue[Callable[[], None] | None] = queue.Queue()
        self._thread = threading.Thread(target=self._work, name="archsearch-mlflow", daemon=True)
        self._client: Any = None
        self._inputs: list[Any] = []
        self._param_keys: dict[str, None] = {}  # every trial param seen, in order: columns of the runs view
        self._thread.start()
        self._submit(lambda: self._start(run_name, dict(tags or {}), dict(params or {}), parent_run_id, dataset))

    # -- public, non-blocking -------------------------------------------------

    def start_trial(self, number: int, tags: Mapping[str, str] | None = None, start_ms: int | None = None) -> None:
        """Open the trial's child run (RUNNING) so a crash leaves a trace to close later."""
        start = start_ms or _now_ms()
        self._submit(lambda: self._start_trial(number, start, dict(tags or {})))

    def end_trial(self, log: TrialLog) -> None:
        """Log params, per-epoch metrics, final metrics and tags; close the child run."""
        self._submit(lambda: self._end_trial(log))

    def set_parent_tags(self, tags: Mapping[str, str]) -> None:
        self._submit(lambda: self._log(self.parent_run_id, tags=dict(tags)))

    def log_parent_metrics(self, metrics: Mapping[str, float]) -> None:
        """Single values on the parent run (the study's best objective, trials complete)."""
        from mlflow.entities import Metric as MlflowMetric

        now = _now_ms()
        values = [MlflowMetric(k, float(v), now, 0) for k, v in metrics.items() if _finite(v)]
        self._submit(lambda: self._log(self.parent_run_id, metrics=values))

    def log_artifact(self, path: str | Path, artifact_path: str | None = None) -> None:
        self._submit(lambda: self._client.log_artifact(self.parent_run_id, str(path), artifact_path))

    def close_orphans(self, study: str, trial_states: Mapping[int, str]) -> None:
        """Close MLflow runs of this study left RUNNING by processes that died.

        A trial run is closed when its Optuna trial is no longer RUNNING and the
        process that owned it is gone (same host, pid not alive); its status
        follows the Optuna state (FAIL -> FAILED). A parent run is closed as
        KILLED when its process is gone. Runs of processes on other hosts are
        closed only when their trial is FAIL (Optuna found its heartbeat stale).

        Args:
            study: the study name (tag ``archsearch.study`` of parent runs).
            trial_states: Optuna state name by trial number.
        """
        states = dict(trial_states)
        self._submit(lambda: self._close_orphans(study, states))

    def stopped(self, reason: str, state: str = "FAIL") -> None:
        """The search was stopped (a signal, a deadline): open trial runs end KILLED, every run says why."""
        self._submit(lambda: self._stopped(reason, state))

    def close(self, status: str | None = "FINISHED", timeout: float | None = None) -> None:
        """Close the parent run with ``status`` and wait for all logging to finish.

        ``status=None`` leaves the parent run RUNNING for a process that takes over.
        """
        self._submit(lambda: self._finish(status))
        self._queue.put(None)
        self._thread.join(timeout)

    def close_abandoned(self, note: str) -> None:
        """The search process died: close its open trial runs FAILED with ``note``, the parent run KILLED."""

        def finish() -> None:
            for number in list(self._child_runs):
                run_id = self._child_runs.pop(number)
                self._log(run_id, tags={Tag.STATE: "FAIL", Tag.ERROR: note})
                self._client.set_terminated(run_id, status="FAILED")
            if self.parent_run_id is not None:
                self._client.set_terminated(self.parent_run_id, status="KILLED")

        self._submit(finish)
        self._queue.put(None)
        self._thread.join()

    def wait(self) -> None:
        """Block until everything submitted so far is written."""
        done = threading.Event()
        self._submit(done.set)
        # The thread stops early only when it could not connect (see _work): nothing is left to wait for.
        while not done.wait(0.2) and self._thread.is_alive():
            pass

    # -- the worker -----------------------------------------------------------

    def _submit(self, fn: Callable[[], None]) -> None:
        self._queue.put(fn)

    def _work(self) -> None:
        while True:
            fn = self._queue.get()
            if fn is None:
                return
            try:
                fn()
            except Exception as err:  # logging must never kill a search; say so once
                server = describe_server_error(err, self.tracking_uri)
                message = f"{redact(self.tracking_uri)}: {server}" if server else redact(f"{type(err).__name__}: {err}")
                if not self.errors:
                    _log.warning("MLflow logging failed (%s); the search goes on.", message)
                self.errors.append(message)
                if self._client is None or server_unreachable(err):
                    return  # cannot connect (any more): drop the rest, each would wait for its retries

    def _start(
        self,
        run_name: str,
        tags: dict[str, str],
        params: dict[str, Any],
        parent_run_id: str | None = None,
        dataset: DatasetInfo | None = None,
    ) -> None:
        from archsearch.tracking._views import mark_experiment

        client = mlflow_client(self.tracking_uri, create=True)
        self.experiment_id = self._experiment_id(client)
        assert client is not None  # create=True: made or raised
        self._client = client
        mark_experiment(client, self.experiment_id, tags.get(Tag.NOTE), replace=False)
        self._inputs = [] if dataset is None else dataset_inputs(dataset)
        if parent_run_id is not None:
            self.parent_run_id = parent_run_id
            self._log(parent_run_id, tags=tags)
            client.update_run(parent_run_id, status="RUNNING")  # again: an ask's round goes on with its last one's
            return
        run = client.create_run(self.experiment_id, run_name=run_name, tags=tags)
        self.parent_run_id = run.info.run_id
        self._log(self.parent_run_id, params=params)
        self._log_inputs(self.parent_run_id)

    def _experiment_id(self, client: Any) -> str:
        """The experiment's id; created when missing, also when another process creates it at the same moment.

        Processes started together on one store (``--workers``, a sweep, two
        terminals) all find no experiment and all create it; all but one get
        RESOURCE_ALREADY_EXISTS and then use the one that won.
        """
        from mlflow.exceptions import MlflowException

        experiment = client.get_experiment_by_name(self.experiment)
        if experiment is not None:
            return experiment.experiment_id
        try:
            return client.create_experiment(
                self.experiment, artifact_location=experiment_artifacts(self.tracking_uri, self.experiment)
            )
        except MlflowException as err:
            if err.error_code != "RESOURCE_ALREADY_EXISTS":
                raise
            experiment = client.get_experiment_by_name(self.experiment)
            if experiment is None:
                raise
            return experiment.experiment_id

    def _start_trial(self, number: int, start_ms: int, tags: dict[str, str]) -> None:
        from mlflow.utils.mlflow_tags import MLFLOW_PARENT_RUN_ID

        tags = {MLFLOW_PARENT_RUN_ID: str(self.parent_run_id), Tag.TRIAL: str(number), **tags}
        run = self._client.create_run(self.experiment_id, start_time=start_ms, tags=tags, run_name=f"trial-{number}")
        self._child_runs[number] = run.info.run_id
        self._log_inputs(run.info.run_id)

    def _log_inputs(self, run_id: str) -> None:
        """The dataset as the run's input (``log_inputs``), also when another process logs it at the same moment.

        MLflow adds a dataset new to the experiment after a lookup, not in one step:
        processes that start together all add it and all but one fail; the second
        try finds it and links it to the run.
        """
        from mlflow.exceptions import MlflowException

        if not self._inputs:
            return
        try:
            self._client.log_inputs(run_id, datasets=self._inputs)
        except MlflowException:
            self._client.log_inputs(run_id, datasets=self._inputs)

    def _end_trial(self, log: TrialLog) -> None:
        from mlflow.entities import Metric as MlflowMetric

        run_id = self._child_runs.pop(log.number, None)
        if run_id is None:
            return
        metrics = [MlflowMetric(key, v, log.end_time_ms, step) for key, v, step in log.mlflow_metrics()]
        tags = {Tag.STATE: log.state, **log.tags}
        if log.stop_reason:
            tags[Tag.STOP_REASON] = log.stop_reason
        if log.description:
            tags[Tag.NOTE] = log.description[:5000]
        self._log(run_id, metrics=metrics, params=log.params, tags=tags)
        self._param_keys.update(dict.fromkeys(log.params))
        if log.traceback:
            self._client.log_text(run_id, log.traceback, "traceback.txt")
        status = {"COMPLETE": "FINISHED", "PRUNED": "KILLED", "FAIL": "FAILED"}.get(log.state, "FINISHED")
        status = "KILLED" if log.stop_reason else status  # a stop cut it off
        if log.run_name:
            self._client.update_run(run_id, name=log.run_name)
        self._client.set_terminated(run_id, status=status, end_time=log.end_time_ms)

    def _finish(self, status: str | None) -> None:
        for number in list(self._child_runs):  # trials cut off by an interrupt
            run_id = self._child_runs.pop(number)
            self._log(run_id, tags={Tag.STATE: "INTERRUPTED"})
            self._client.set_terminated(run_id, status="KILLED")
        if self.experiment_id is not None:
            self._share_view()
        if self.parent_run_id is not None and status is not None:
            self._client.set_terminated(self.parent_run_id, status=status)

    def _stopped(self, reason: str, state: str) -> None:
        for number in list(self._child_runs):
            run_id = self._child_runs.pop(number)
            tags = {Tag.STATE: state, Tag.STOP_REASON: reason}
            if state == "FAIL":
                tags[Tag.ERROR] = reason
            self._log(run_id, tags=tags)
            self._client.set_terminated(run_id, status="KILLED")
        if self.parent_run_id is not None:
            self._log(self.parent_run_id, tags={Tag.STOP_REASON: reason})

    def _share_view(self) -> None:
        """The experiment's saved runs view (``archsearch ui`` opens it), once it has trials.

        Columns: the view's own once an answer chose them (see ``log_answer``), else the objective and params.
        """
        from archsearch.tracking._views import metric_column, param_column, update_view

        if self.experiment_id is None:
            return
        first = [metric_column(Metric.OBJECTIVE)] + [param_column(p) for p in self._param_keys]
        update_view(self._client, self.experiment_id, default=first)

    def _close_orphans(self, study: str, states: dict[int, str]) -> None:
        if self._client is None:
            return
        exp = [self.experiment_id]
        parents = {
            r.info.run_id: r
            for r in self._client.search_runs(exp, f"tags.`{Tag.STUDY}` = '{study}'", max_results=50000)
        }
        running = self._client.search_runs(exp, "attributes.status = 'RUNNING'", max_results=50000)
        for run in running:
            run_id, tags = run.info.run_id, run.data.tags
            if run_id == self.parent_run_id or run_id in self._child_runs.values():
                continue
            if run_id in parents:
                if process_gone(tags.get(Tag.PROCESS, "")) is True:
                    self._log(run_id, tags={Tag.CLOSED_BY: process_tag()})
                    self._client.set_terminated(run_id, status="KILLED")
                continue
            parent = parents.get(tags.get(Tag.PARENT_RUN_ID, ""))
            if parent is None or Tag.TRIAL not in tags:
                continue
            state = states.get(int(tags[Tag.TRIAL]), "FAIL")
            if state in ("RUNNING", "WAITING"):
                continue
            gone = parent.info.run_id == self.parent_run_id or process_gone(parent.data.tags.get(Tag.PROCESS, ""))
            if gone is False or (gone is None and state != "FAIL"):
                continue  # its process may still be logging the end of the trial
            note = {Tag.STATE: state, Tag.CLOSED_BY: process_tag()}
            if state == "FAIL":
                note[Tag.ERROR] = (
                    "the process running this trial died (its process is gone or its "
                    "heartbeat stopped); closed by a later run"
                )
            self._log(run_id, tags=note)
            status = {"COMPLETE": "FINISHED", "PRUNED": "KILLED"}.get(state, "FAILED")
            self._client.set_terminated(run_id, status=status)

    def _log(
        self,
        run_id: str | None,
        *,
        metrics: Sequence[Any] = (),
        params: Mapping[str, Any] | None = None,
        tags: Mapping[str, str] | None = None,
    ) -> None:
        from mlflow.entities import Param, RunTag

        params_list = [Param(k, _param_str(v)) for k, v in (params or {}).items()]
        tags_list = [RunTag(k, str(v)) for k, v in (tags or {}).items()]
        while metrics or params_list or tags_list:
            self._client.log_batch(
                run_id,
                metrics=list(metrics[: _BATCH["metrics"]]),
                params=params_list[: _BATCH["params"]],
                tags=tags_list[: _BATCH["tags"]],
                synchronous=True,
            )
            metrics = metrics[_BATCH["metrics"] :]
            params_list = params_list[_BATCH["params"] :]
            tags_list = tags_list[_BATCH["tags"] :]


def process_tag() -> str:
    """``host/pid/start-time`` of this process: a later run can tell whether it is still alive.

    ``host`` is the host name plus, where Linux shows it, the pid namespace
    (``name@pid:[4026531836]``): containers that share a host name but not their
    pids are then different hosts, and go by the heartbeat.
    """
    import psutil

    return f"{_host_id()}/{os.getpid()}/{psutil.Process().create_time():.0f}"


def process_gone(tag: str) -> bool | None:
    """True when the process named by a :func:`process_tag` has ended; None when it ran on another host."""
    import psutil

    try:
        host, pid, started = tag.rsplit("/", 2)
        pid_int, started_f = int(pid), float(started)
    except ValueError:
        return None
    if host != _host_id():
        return None
    try:
        return abs(psutil.Process(pid_int).create_time() - started_f) > 1  # another process took the pid
    except (psutil.NoSuchProcess, psutil.ZombieProcess):
        return True
    except psutil.Error:
        return None


def _host_id() -> str:
    try:
        return f"{socket.gethostname()}@{os.readlink('/proc/self/ns/pid')}"
    except OSError:  # not Linux, or /proc hidden
        return socket.gethostname()


def _param_str(value: Any) -> str:
    return str(value)[:6000]
