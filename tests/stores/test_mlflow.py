"""New SQLite MLflow stores are copies of a migrated template."""

from __future__ import annotations

from archsearch.stores import Folders, _folders, cache_dir, ensure_sqlite_store


def test_new_store_from_template_is_a_working_mlflow_store(tmp_path, monkeypatch):
    from mlflow.tracking import MlflowClient

    monkeypatch.setattr(_folders, "_current", Folders(cache=tmp_path / "cache"))
    first, second = tmp_path / "a" / "m.db", tmp_path / "b" / "m.db"
    assert ensure_sqlite_store(f"sqlite:///{first}") is True
    assert list(cache_dir().glob("mlflow-*-empty.db"))  # the template now exists
    assert ensure_sqlite_store(f"sqlite:///{second}") is True
    assert ensure_sqlite_store(f"sqlite:///{second}") is False  # never touches an existing store

    client = MlflowClient(f"sqlite:///{second}")
    run = client.create_run(client.create_experiment("x"))
    client.log_metric(run.info.run_id, "m", 1.0)
    assert client.get_run(run.info.run_id).data.metrics == {"m": 1.0}
    assert client.get_experiment("0").artifact_location == str(second.parent / "artifacts" / "0")


def test_non_sqlite_uris_are_left_alone(tmp_path):
    assert ensure_sqlite_store("http://localhost:5000") is False
    assert ensure_sqlite_store("postgresql://u@h/db") is False
