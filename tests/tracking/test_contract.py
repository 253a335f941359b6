"""One contract, every tracker: the same tests run on the in-process and the worker-process tracker."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from archsearch.tracking import DatasetInfo, MlflowTracker, Tracker, TrialLog, WorkerProcessTracker

IMPLEMENTATIONS = {"in-process": MlflowTracker, "worker-process": WorkerProcessTracker}


@pytest.fixture(params=sorted(IMPLEMENTATIONS))
def make_tracker(request, tmp_path):
    uri = f"sqlite:///{tmp_path}/m.db"

    def make(**kwargs) -> Tracker:
        return IMPLEMENTATIONS[request.param](uri, "exp", run_name="parent", **kwargs)

    make.uri = uri
    return make


def _client(uri):
    from mlflow.tracking import MlflowClient

    return MlflowClient(uri)


def _children(client, tracker):
    runs = client.search_runs([tracker.experiment_id], f"tags.mlflow.parentRunId = '{tracker.parent_run_id}'")
    return {int(r.data.tags["archsearch.trial"]): r for r in runs}


def test_parent_and_child_runs_with_metrics_params_tags_and_a_failed_trial(make_tracker, tmp_path):
    dataset = DatasetInfo("digits", "0a1b2c3d", {"train": 100, "validation": 20, "test": 30}, (8, 8, 1), 10)
    tracker = make_tracker(
        tags={"archsearch.study": "exp", "mlflow.note.content": "What helps?"}, params={"epochs": 2}, dataset=dataset
    )
    assert isinstance(tracker, Tracker)
    tracker.start_trial(0, {"archsearch.seed": "7"})
    tracker.end_trial(
        TrialLog(
            0,
            "COMPLETE",
            {"units": 16},
            {"val_accuracy": [0.5, 0.75]},
            {"test_accuracy": 0.7, "val_accuracy": 0.75},
            {"archsearch.at_chance": "false"},
            summary={"objective": 0.74, "params_count": 610, "rss_mib": 512.5},
            seeds=[
                ({"val_accuracy": [0.4, 0.8]}, {"objective": 0.8}),
                ({"val_accuracy": [0.6, 0.7]}, {"objective": 0.7}),
            ],
            run_name="trial-0 units=16",
            description="**Trial 0**: complete.",
        )
    )
    tracker.start_trial(1)
    tracker.end_trial(
        TrialLog(
            1,
            "FAIL",
            {"units": 8},
            {},
            {},
            {"archsearch.error": "ValueError: bad"},
            traceback="Traceback (most recent call last):\nValueError: bad\n",
        )
    )
    tracker.set_parent_tags({"archsearch.note": "done"})
    tracker.log_parent_metrics({"best_objective": 0.74, "trials_complete": 1})
    tracker.close()
    assert tracker.errors == []

    client = _client(make_tracker.uri)
    parent = client.get_run(tracker.parent_run_id)
    assert parent.info.status == "FINISHED" and parent.data.params == {"epochs": "2"}
    assert parent.data.tags["archsearch.study"] == "exp" and parent.data.tags["archsearch.note"] == "done"
    assert parent.data.metrics == {"best_objective": 0.74, "trials_complete": 1}
    assert parent.info.experiment_id == tracker.experiment_id
    children = _children(client, tracker)
    assert sorted(children) == [0, 1]
    done, failed = children[0], children[1]
    assert done.info.status == "FINISHED" and done.data.params == {"units": "16"}
    assert done.info.run_name == "trial-0 units=16"
    assert done.data.tags["mlflow.note.content"] == "**Trial 0**: complete."
    # Curves: one value per step, step = epoch; single values under names of their own.
    curve = client.get_metric_history(done.info.run_id, "curves/val_accuracy")
    assert [(m.step, m.value) for m in curve] == [(1, 0.5), (2, 0.75)]
    assert [(m.step, m.value) for m in client.get_metric_history(done.info.run_id, "seed_1/val_accuracy")] == [
        (1, 0.6),
        (2, 0.7),
    ]
    # One metric per meaning: val_accuracy has a curve, so no final/val_accuracy repeats its last point.
    assert done.data.metrics == {
        "curves/val_accuracy": 0.75,
        "final/test_accuracy": 0.7,
        "objective": 0.74,
        "params_count": 610,
        "rss_mib": 512.5,
        "seed_0/val_accuracy": 0.8,
        "seed_1/val_accuracy": 0.7,
        "seed_0/objective": 0.8,
        "seed_1/objective": 0.7,
    }
    assert done.data.tags["archsearch.seed"] == "7" and done.data.tags["archsearch.state"] == "COMPLETE"
    for run in (parent, done, failed):  # the dataset, on every run
        inputs = client.get_run(run.info.run_id).inputs.dataset_inputs
        assert [(i.dataset.name, i.dataset.digest) for i in inputs] == [("digits", "0a1b2c3d")]
        tags = {t.key: t.value for t in inputs[0].tags}
        assert tags == {
            "mlflow.data.context": "training",
            "train_examples": "100",
            "validation_examples": "20",
            "test_examples": "30",
        }
    assert failed.info.status == "FAILED" and failed.data.tags["archsearch.state"] == "FAIL"
    assert failed.data.tags["archsearch.error"] == "ValueError: bad"
    assert failed.info.run_name == "trial-1"  # no name given at the end: the one it started with
    trace = client.download_artifacts(failed.info.run_id, "traceback.txt", str(tmp_path))
    assert "ValueError: bad" in Path(trace).read_text()
    # The runs table's columns, as the experiment's saved view (`archsearch ui` opens it), MLflow 3.17's envelope;
    # an experiment of the model-training kind, described by the parent's description until an answer replaces it.
    tags = client.get_experiment(tracker.experiment_id).tags
    view = json.loads(tags["mlflow.sharedViewState.archsearch"])
    state = json.loads(view["state"])
    assert view["name"] == "archsearch: the answer" and view["createdAt"] <= view["updatedAt"]
    assert state["selectedColumns"] == ["metrics.`objective`", "params.`units`"]
    assert state["columnOrder"] == ["attributes.`Run Name`", "metrics.`objective`", "params.`units`"]
    assert tags["mlflow.experimentKind"] == "custom_model_development" and tags["mlflow.note.content"] == "What helps?"


def test_a_parent_left_running_is_continued_and_open_trials_are_killed(make_tracker):
    first = make_tracker(params={"epochs": 2})
    first.start_trial(0)
    first.end_trial(TrialLog(0, "COMPLETE", {}, {"loss": [1.0]}, {}, {}))
    first.close(None)  # a recycled process: the parent stays RUNNING for the next one
    client = _client(make_tracker.uri)
    assert client.get_run(first.parent_run_id).info.status == "RUNNING"

    second = make_tracker(parent_run_id=first.parent_run_id, tags={"archsearch.process": "next"})
    second.start_trial(1)  # cut off by an interrupt: never ended
    second.close("KILLED")
    assert second.parent_run_id == first.parent_run_id and second.errors == []
    parent = client.get_run(first.parent_run_id)
    assert parent.info.status == "KILLED" and parent.data.tags["archsearch.process"] == "next"
    children = _children(client, second)
    assert children[0].info.status == "FINISHED"
    assert children[1].info.status == "KILLED" and children[1].data.tags["archsearch.state"] == "INTERRUPTED"


def test_a_trial_a_stop_cut_off_keeps_its_name_params_and_description_and_ends_killed(make_tracker):
    tracker = make_tracker()
    tracker.start_trial(0)
    tracker.end_trial(
        TrialLog(
            0,
            "FAIL",
            {"units": 16},
            {},
            {},
            {"archsearch.error": "terminated by signal 15"},
            summary={"fit_seconds": 2.5, "rss_mib": 500.0},
            run_name="trial-0 units=16",
            description="**Trial 0**: fail.",
            stop_reason="terminated by signal 15",
        )
    )
    tracker.stopped("terminated by signal 15")
    tracker.close("KILLED")
    assert tracker.errors == []
    run = _children(_client(make_tracker.uri), tracker)[0]
    assert (run.info.status, run.info.run_name, run.data.params) == ("KILLED", "trial-0 units=16", {"units": "16"})
    assert run.data.tags["archsearch.stop_reason"] == run.data.tags["archsearch.error"] == "terminated by signal 15"
    assert (run.data.tags["archsearch.state"], run.data.tags["mlflow.note.content"]) == ("FAIL", "**Trial 0**: fail.")
    assert run.data.metrics == {"fit_seconds": 2.5, "rss_mib": 500.0}
