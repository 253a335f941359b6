"""A new SQLite MLflow store in milliseconds instead of seconds.

MLflow builds a new SQLite store by running its whole chain of Alembic
migrations (about 3 s of CPU for MLflow 3.17, each time a new ``mlruns/`` is
used); archsearch copies an empty store built once per MLflow version
(see :mod:`archsearch._cache`).
"""

from __future__ import annotations

from pathlib import Path

from archsearch._cache import cache_dir, store_from_template
from archsearch.tracking._uris import sqlite_path

__all__ = ["cache_dir", "ensure_sqlite_store"]


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
