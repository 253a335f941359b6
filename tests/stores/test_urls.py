"""Storage and tracking URLs: defaults, checks, and reading never creating a store."""

from __future__ import annotations

import pytest

from archsearch.errors import UsageError
from archsearch.stores import (
    artifact_root_for,
    check_url,
    mlflow_client,
    open_storage,
    require_storage,
    resolve_storage,
    resolve_tracking_uri,
    sqlite_path,
)


def test_uris(monkeypatch, tmp_path):
    monkeypatch.setenv("ARCHSEARCH_TRACKING_URI", "http://localhost:5000")  # the command line's, not the library's
    assert resolve_tracking_uri(None) == "sqlite:///mlruns/mlflow.db"
    assert resolve_tracking_uri("http://localhost:5000") == "http://localhost:5000"
    assert str(sqlite_path("sqlite:///mlruns/mlflow.db")) == "mlruns/mlflow.db"
    assert sqlite_path("postgresql://h/db") is None
    assert artifact_root_for("sqlite:///mlruns/mlflow.db").endswith("mlruns")
    check_url("postgresql://user@localhost/db", "Optuna storage", "--storage")  # parse only, no connection
    with pytest.raises(UsageError, match=r"--storage 'x': not a usable Optuna storage URL"):
        check_url("x", "Optuna storage", "--storage")


def test_storage_given_else_the_default_whatever_the_environment_says(monkeypatch):
    monkeypatch.setenv("ARCHSEARCH_STORAGE", "sqlite:///env.db")  # read by the command line only
    assert resolve_storage(None) == "sqlite:///mlruns/optuna.db"
    assert resolve_storage("sqlite:///flag.db") == "sqlite:///flag.db"


def test_reading_a_missing_store_creates_nothing(tmp_path):
    optuna_url, mlflow_url = f"sqlite:///{tmp_path}/no/optuna.db", f"sqlite:///{tmp_path}/no/mlflow.db"
    with pytest.raises(UsageError, match=r"no such database .*Run `archsearch run SPACE` first"):
        require_storage(optuna_url)
    assert mlflow_client(mlflow_url) is None
    assert not (tmp_path / "no").exists()
    require_storage("postgresql://u@h/db")  # not a file: nothing to check here


def test_open_storage_makes_a_wal_sqlite_store(tmp_path):
    storage = open_storage(f"sqlite:///{tmp_path}/s/optuna.db")
    with storage.engine.connect() as con:
        mode = con.exec_driver_sql("PRAGMA journal_mode").scalar()
    assert mode == "wal"
    assert (tmp_path / "s" / "optuna.db").is_file()
    assert mlflow_client(f"sqlite:///{tmp_path}/s/mlflow.db", create=True) is not None
    assert (tmp_path / "s" / "mlflow.db").is_file()
