"""The MLflow client of a tracking URI, and new SQLite MLflow stores in milliseconds instead of seconds.

MLflow builds a new SQLite store by running its whole chain of Alembic
migrations (about 3 s of CPU for MLflow 3.17, each time a new ``mlruns/`` is
used); archsearch copies an empty store built once per MLflow version
(see :mod:`archsearch.stores._template`).
"""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import Any

from archsearch.stores._folders import log_file
from archsearch.stores._server import bound_requests, is_server
from archsearch.stores._template import store_from_template
from archsearch.stores._together import one_at_a_time
from archsearch.stores._urls import sqlite_path

__all__ = ["ensure_sqlite_store", "mlflow_client"]


def mlflow_client(tracking_uri: str, *, create: bool = False) -> Any | None:
    """An ``MlflowClient`` for ``tracking_uri``; None when reading a SQLite store that does not exist.

    Args:
        tracking_uri: a resolved URI (see :func:`~archsearch.stores.resolve_tracking_uri`).
        create: make a missing SQLite store (from the template, skipping seconds of
            migrations); without it a missing store is never created just to look into it.
    """
    db = sqlite_path(tracking_uri)
    if db is not None and not create and not db.exists():
        return None
    from archsearch._quiet import quiet_library_logs

    quiet_library_logs(None, log_file())  # schema-migration chatter on first use: the log file only, unless verbose
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from mlflow.tracking import MlflowClient
    if is_server(tracking_uri):
        bound_requests()  # a server gone mid-run: seconds of retries, not minutes
    if not tracking_uri.startswith(("sqlite:", "postgresql")):
        return MlflowClient(tracking_uri=tracking_uri)  # a server, a folder: nothing to set up here
    # MLflow creates and migrates the tables of a database it opens (a reader too): one process at a time.
    with one_at_a_time(tracking_uri, "schema"):
        if db is not None:
            db.parent.mkdir(parents=True, exist_ok=True)
            ensure_sqlite_store(tracking_uri)
        return MlflowClient(tracking_uri=tracking_uri)


def ensure_sqlite_store(tracking_uri: str) -> bool:
    """Create the SQLite store of ``tracking_uri`` from the template if it does not exist.

    Returns True when the store was created from the template, False when there
    was nothing to do (not SQLite, already there) or no template could be made
    (MLflow then creates the store itself, as usual).
    """
    db = sqlite_path(tracking_uri)
    if db is None or db.exists():
        return False
    import mlflow

    artifacts = str(db.parent.resolve() / "artifacts" / "0")

    def point_default_experiment_here(con) -> None:  # the template's Default experiment points at the cache
        con.execute("UPDATE experiments SET artifact_location = ? WHERE experiment_id = 0", (artifacts,))

    return store_from_template(db, f"mlflow-{mlflow.__version__}-empty.db", _build, point_default_experiment_here)


def _build(path: Path) -> None:
    from mlflow.tracking import MlflowClient

    MlflowClient(tracking_uri=f"sqlite:///{path}").search_experiments()  # runs the migrations
