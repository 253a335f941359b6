"""The MLflow tracker: parent/child layout, batching limits, never blocking on errors."""

from __future__ import annotations

import logging
import warnings

import pytest

from archsearch.stores import ensure_sqlite_store
from archsearch.tracking import DatasetInfo, MlflowTracker, TrialLog


def test_parent_and_child_runs_with_long_histories(tmp_path):
    from mlflow.tracking import MlflowClient

    uri = f"sqlite:///{tmp_path}/m.db"
    tracker = MlflowTracker(uri, "exp", run_name="parent", tags={"archsearch.study": "exp"}, params={"epochs": 3})
    tracker.start_trial(0)
    # More than MLflow's 1000-metrics and 100-params-per-call limits: must be chunked.
    history = {"loss": [1.0 / (i + 1) for i in range(1200)], "val_accuracy": [0.5] * 3}
    params = {f"p{i}": i for i in range(150)}
    tracker.end_trial(TrialLog(0, "COMPLETE", params, history, {"test_accuracy": 0.9, "nan": float("nan")}, {}))
    tracker.start_trial(1)
    tracker.end_trial(TrialLog(1, "PRUNED", {}, {}, {}, {"archsearch.pruned_epoch": "2"}))
    tracker.close()
    assert tracker.errors == []

    client = MlflowClient(uri)
    parent = client.get_run(tracker.parent_run_id)
    assert parent.info.status == "FINISHED" and parent.data.params == {"epochs": "3"}
    assert client.get_experiment(parent.info.experiment_id).artifact_location.endswith("artifacts/exp")
    children = client.search_runs([parent.info.experiment_id], f"tags.mlflow.parentRunId = '{tracker.parent_run_id}'")
    by_trial = {r.data.tags["archsearch.trial"]: r for r in children}
    assert len(client.get_metric_history(by_trial["0"].info.run_id, "curves/loss")) == 1200
    assert len(by_trial["0"].data.params) == 150
    assert "final/nan" not in by_trial["0"].data.metrics  # non-finite values are not logged
    assert by_trial["0"].data.metrics["final/test_accuracy"] == 0.9
    assert by_trial["0"].data.tags["archsearch.state"] == "COMPLETE"
    assert by_trial["1"].info.status == "KILLED"


def test_close_marks_open_trials_killed(tmp_path):
    from mlflow.tracking import MlflowClient

    uri = f"sqlite:///{tmp_path}/m.db"
    tracker = MlflowTracker(uri, "exp", run_name="parent")
    tracker.start_trial(0)
    tracker.close("KILLED")
    runs = MlflowClient(uri).search_runs([MlflowClient(uri).get_experiment_by_name("exp").experiment_id])
    assert sorted(r.info.status for r in runs) == ["KILLED", "KILLED"]


class _Said(logging.Handler):
    """The archsearch logger's records (the CLI shows them as `warning: ...` lines)."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(record.getMessage())


@pytest.fixture
def said():
    handler = _Said()
    logging.getLogger("archsearch").addHandler(handler)
    yield handler.lines
    logging.getLogger("archsearch").removeHandler(handler)


def test_unreachable_store_warns_and_does_not_block(tmp_path, said):
    (tmp_path / "file").write_text("x")
    tracker = MlflowTracker(f"sqlite:///{tmp_path}/file/m.db", "exp", run_name="p")
    tracker.start_trial(0)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # an archsearch warning line, not Python's with its file and source line
        tracker.close(timeout=60)
    assert tracker.errors
    assert len(said) == 1 and said[0].startswith("MLflow logging failed (")


def test_a_server_gone_mid_run_is_given_up_after_bounded_retries(tmp_path, monkeypatch, said):
    # MLflow's client retried a refused request 7 times with a growing back-off, 120 s per answer: a search
    # whose server went away hung minutes at its end. Now it gives up after a few tries, says so in one
    # short line, and drops the rest instead of retrying each queued call.
    import socket

    for name in ("MLFLOW_HTTP_REQUEST_MAX_RETRIES", "MLFLOW_HTTP_REQUEST_TIMEOUT"):
        monkeypatch.setenv(name, "x")
        monkeypatch.delenv(name)  # restored (unset) after the test
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]  # closed: nothing answers
    tracker = MlflowTracker(f"http://bob:s3cret@127.0.0.1:{port}", "exp", run_name="p")
    for number in range(3):
        tracker.start_trial(number)
        tracker.end_trial(TrialLog(number, "COMPLETE", {"x": 1}, {}, {}, {}))
    tracker.close(timeout=120)
    import os

    assert os.environ["MLFLOW_HTTP_REQUEST_MAX_RETRIES"] == "2" and os.environ["MLFLOW_HTTP_REQUEST_TIMEOUT"] == "10"
    assert len(tracker.errors) == 1  # the first failure; the rest was dropped
    assert said == [
        f"MLflow logging failed (http://bob:***@127.0.0.1:{port}: the MLflow server does not answer "
        "([Errno 111] Connection refused)); the search goes on."
    ]


def test_the_worker_process_tracker_says_a_failure_as_an_archsearch_warning(tmp_path, said):
    # It printed Python's `file.py:255: UserWarning: MLflow logging failed ...` and the source line under it.
    from archsearch.tracking import WorkerProcessTracker

    (tmp_path / "file").write_text("x")
    tracker = WorkerProcessTracker(f"sqlite:///{tmp_path}/file/m.db", "exp", run_name="p")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        tracker.close(timeout=120)
    assert len(said) == 1 and said[0].startswith("MLflow logging failed (") and "the search went on" in said[0]


def test_a_users_own_mlflow_request_settings_win(monkeypatch):
    import os

    from archsearch.stores._server import bound_requests

    monkeypatch.setenv("MLFLOW_HTTP_REQUEST_MAX_RETRIES", "5")
    monkeypatch.setenv("MLFLOW_HTTP_REQUEST_TIMEOUT", "x")
    monkeypatch.delenv("MLFLOW_HTTP_REQUEST_TIMEOUT")
    bound_requests()
    assert os.environ["MLFLOW_HTTP_REQUEST_MAX_RETRIES"] == "5" and os.environ["MLFLOW_HTTP_REQUEST_TIMEOUT"] == "10"


def test_an_experiment_made_by_another_process_between_lookup_and_create_is_used(tmp_path, monkeypatch):
    # Processes started together (--workers, a sweep) all look the experiment up, find none and create it;
    # all but one then get RESOURCE_ALREADY_EXISTS. Here the other process wins inside that window.
    from mlflow.tracking import MlflowClient

    uri = f"sqlite:///{tmp_path}/m.db"
    lookup = MlflowClient.get_experiment_by_name
    other = {}

    def lookup_while_another_creates(self, name):
        if not other:
            other["id"] = MlflowClient(uri).create_experiment(name)
            return None  # what this process saw just before
        return lookup(self, name)

    monkeypatch.setattr(MlflowClient, "get_experiment_by_name", lookup_while_another_creates)
    tracker = MlflowTracker(uri, "exp", run_name="parent")
    tracker.start_trial(0)
    tracker.close()
    assert tracker.errors == []
    assert tracker.experiment_id == other["id"]
    runs = MlflowClient(uri).search_runs([other["id"]])
    assert sorted(r.info.status for r in runs) == ["FINISHED", "KILLED"]


def _open_and_close(uri: str, barrier, results) -> None:
    import mlflow.tracking  # noqa: F401  (the slow import first, so that the barrier lines up the creates)

    dataset = DatasetInfo("digits", "0a1b2c3d", {"train": 100, "validation": 20}, (8, 8, 1), 10)
    barrier.wait()
    tracker = MlflowTracker(uri, "exp", run_name="parent", dataset=dataset)
    tracker.start_trial(0)
    tracker.end_trial(TrialLog(0, "COMPLETE", {"units": 8}, {}, {}, {}))
    tracker.close()
    results.put((tracker.experiment_id, tracker.errors))


@pytest.mark.parametrize("experiment", ["new", "existing"])
def test_processes_starting_together_share_one_experiment_and_dataset(tmp_path, experiment):
    # A new experiment: they race to create it. An existing one: they reach log_inputs in step and race to add
    # the dataset to it.
    import multiprocessing

    from mlflow.tracking import MlflowClient

    ctx = multiprocessing.get_context("spawn")
    n, uri = 4, f"sqlite:///{tmp_path}/m.db"
    ensure_sqlite_store(uri)  # (racing on the store itself: tests/stores/test_template.py)
    if experiment == "existing":
        MlflowClient(uri).create_experiment("exp")
    barrier, results = ctx.Barrier(n), ctx.Queue()
    procs = [ctx.Process(target=_open_and_close, args=(uri, barrier, results)) for _ in range(n)]
    for p in procs:
        p.start()
    outcomes = [results.get(timeout=240) for _ in procs]
    for p in procs:
        p.join(timeout=60)
    assert [errors for _, errors in outcomes] == [[]] * n
    assert len({exp_id for exp_id, _ in outcomes}) == 1
    client = MlflowClient(uri)
    assert [e.name for e in client.search_experiments()].count("exp") == 1
    runs = client.search_runs([outcomes[0][0]])
    assert len(runs) == 2 * n  # a parent and a trial each
    for run in runs:  # each with the dataset as its input, though all added it at once
        assert [i.dataset.digest for i in run.inputs.dataset_inputs] == ["0a1b2c3d"]


def test_wait_returns_when_the_store_cannot_be_reached(tmp_path):
    # The logging thread stops when it cannot connect; wait() (the MLflow worker's reply to "init") must not
    # block on it forever: that hung a whole search at its end.
    import threading

    (tmp_path / "file").write_text("x")
    tracker = MlflowTracker(f"sqlite:///{tmp_path}/file/m.db", "exp", run_name="p")
    waiter = threading.Thread(target=tracker.wait, daemon=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # "MLflow logging failed": the test above checks it
        waiter.start()
        waiter.join(60)
    assert not waiter.is_alive()
    assert tracker.errors


def test_the_worker_process_uses_this_process_cache_folder_and_log_file(tmp_path, monkeypatch):
    # It is not a command-line process: it reads no environment, it is told (its arguments).
    from archsearch.stores import Folders, _folders
    from archsearch.tracking import WorkerProcessTracker

    cache = tmp_path / "fresh-cache"
    monkeypatch.setattr(_folders, "_current", Folders(cache=cache))
    tracker = WorkerProcessTracker(f"sqlite:///{tmp_path}/m/mlflow.db", "exp", run_name="parent")
    tracker.close()
    assert tracker.errors == []
    assert list(cache.glob("mlflow-*-empty.db"))  # the new store came from a template built in this cache
    assert "Creating initial MLflow database tables" in (cache / "archsearch.log").read_text()
