"""The MLflow tracker: parent/child layout, batching limits, never blocking on errors."""

from __future__ import annotations

import pytest

from archsearch.tracking import MlflowTracker, TrialLog


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


def test_unreachable_store_warns_and_does_not_block(tmp_path):
    (tmp_path / "file").write_text("x")
    tracker = MlflowTracker(f"sqlite:///{tmp_path}/file/m.db", "exp", run_name="p")
    tracker.start_trial(0)
    with pytest.warns(UserWarning, match="MLflow logging failed"):
        tracker.close(timeout=60)
    assert tracker.errors
