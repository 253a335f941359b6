"""Every storage and tracking URL: defaults, environment variables, validation.

The one place a ``--storage`` (Optuna) or ``--tracking-uri`` (MLflow) value is
turned into the URL used, and checked before anything is written.
"""

from __future__ import annotations

import os
from pathlib import Path

from archsearch.errors import UsageError

__all__ = ["DEFAULT_STORAGE", "DEFAULT_TRACKING_URI", "resolve_storage", "resolve_tracking_uri", "artifact_root_for",
           "sqlite_path", "check_url", "require_storage"]

DEFAULT_STORAGE = "sqlite:///mlruns/optuna.db"
DEFAULT_TRACKING_URI = "sqlite:///mlruns/mlflow.db"


def resolve_storage(flag: str | None) -> str:
    """The flag, else ``ARCHSEARCH_STORAGE``, else the SQLite default."""
    return flag or os.environ.get("ARCHSEARCH_STORAGE") or DEFAULT_STORAGE


def resolve_tracking_uri(flag: str | None) -> str:
    """The flag, else ``ARCHSEARCH_TRACKING_URI``, else the SQLite default."""
    return flag or os.environ.get("ARCHSEARCH_TRACKING_URI") or DEFAULT_TRACKING_URI


def sqlite_path(url: str) -> Path | None:
    """The database file of a ``sqlite:///`` URL, or None for other URLs."""
    if url.startswith("sqlite:///"):
        rest = url[len("sqlite:///"):].split("?", 1)[0]
        return None if rest in ("", ":memory:") else Path(rest)
    return None


def artifact_root_for(tracking_uri: str) -> str | None:
    """Artifacts of a SQLite store live next to it: ``mlruns/`` for the default."""
    db = sqlite_path(tracking_uri)
    return None if db is None else str(db.parent.resolve())


def check_url(url: str, what: str, option: str) -> None:
    """Fail early, before anything is written, on a URL SQLAlchemy cannot use."""
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError, NoSuchModuleError

    if url.startswith(("http://", "https://", "databricks")) and option == "--tracking-uri":
        return
    try:
        parsed = make_url(url)
        parsed.get_dialect()
    except (ArgumentError, NoSuchModuleError, ValueError) as err:
        raise UsageError(
            f"{option} {url!r}: not a usable {what} URL ({err}). Use e.g. sqlite:///mlruns/x.db "
            "or postgresql://user:pass@host/db."
        ) from None
    except ImportError as err:
        raise UsageError(f"{option} {url!r}: the database driver is missing ({err}). "
                         "Install it, e.g. pip install 'archsearch[postgres]'.") from None
    db = sqlite_path(url)
    if db is not None:
        parent = db.parent if str(db.parent) else Path(".")
        existing = next((p for p in [parent, *parent.parents] if p.exists()), Path("."))
        if not existing.is_dir() or not os.access(existing, os.W_OK):
            raise UsageError(f"{option} {url!r}: cannot create {db} ({existing} is not a writable folder).")


def require_storage(url: str) -> None:
    """Fail on a SQLite storage whose file does not exist (reading a study must not create an empty one).

    Raises:
        UsageError: naming the file and how to create it.
    """
    db = sqlite_path(url)
    if db is not None and not db.exists():
        raise UsageError(f"--storage {url}: no such database ({db}). Run `archsearch run SPACE` first, "
                         "or pass --storage URL.")
