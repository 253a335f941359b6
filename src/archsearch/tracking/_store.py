"""A new SQLite MLflow store in milliseconds instead of seconds.

MLflow builds a new SQLite store by running its whole chain of Alembic
migrations (about 3 s of CPU for MLflow 3.17, each time a new ``mlruns/`` is
used). The first time, archsearch lets MLflow build an empty store at a
template path in the cache (one per MLflow version); later new stores are a
file copy of it. An existing store is never touched.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import tempfile
from pathlib import Path

from archsearch.tracking._uris import sqlite_path

__all__ = ["cache_dir", "ensure_sqlite_store"]


def cache_dir() -> Path:
    """``$ARCHSEARCH_CACHE``, else ``$XDG_CACHE_HOME/archsearch``, else ``~/.cache/archsearch``."""
    root = os.environ.get("ARCHSEARCH_CACHE")
    if root:
        return Path(root)
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "archsearch"


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

    template = cache_dir() / f"mlflow-{mlflow.__version__}-empty.db"
    try:
        if not template.exists():
            _build_template(template)
        db.parent.mkdir(parents=True, exist_ok=True)
        partial = db.with_name(db.name + ".partial")
        shutil.copyfile(template, partial)
        # The template's Default experiment points at the cache; point it here.
        with sqlite3.connect(partial) as con:
            con.execute("UPDATE experiments SET artifact_location = ? WHERE experiment_id = 0",
                        (str(db.parent.resolve() / "artifacts" / "0"),))
        os.replace(partial, db)  # atomic: a concurrent process sees no store or a whole one
    except (OSError, sqlite3.Error):
        return False
    return True


def _build_template(template: Path) -> None:
    from mlflow.tracking import MlflowClient

    template.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=template.parent) as tmp:
        fresh = Path(tmp) / "empty.db"
        MlflowClient(tracking_uri=f"sqlite:///{fresh}").search_experiments()  # runs the migrations
        os.replace(fresh, template)
