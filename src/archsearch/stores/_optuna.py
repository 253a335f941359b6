"""The Optuna RDB storage of a study, tuned for SQLite files shared by several processes.

* A new SQLite file is a copy of a cached empty store (see :mod:`archsearch.stores._template`).
* Processes wait up to 60 s for the write lock instead of failing with
  "database is locked".
* Write-ahead logging: readers never block the writer, and a trial's writes cost
  half as much (``synchronous=NORMAL``: a commit survives a killed process; after
  a power cut the last commits may be lost, and their trials run again).
"""

from __future__ import annotations

from typing import Any

from archsearch.stores._template import store_from_template
from archsearch.stores._urls import sqlite_path

__all__ = ["open_storage", "LOCK_TIMEOUT_S"]

LOCK_TIMEOUT_S = 60


def open_storage(url: str, *, heartbeat: int | None = None, on_stale: Any = None) -> Any:
    """An ``optuna.storages.RDBStorage`` for ``url``, with heartbeats every ``heartbeat`` seconds.

    Args:
        url: SQLAlchemy URL (``sqlite:///mlruns/optuna.db``, ``postgresql://...``).
        heartbeat: seconds between a running trial's heartbeats; None for none.
        on_stale: called with ``(study, trial)`` for each trial Optuna fails because
            its heartbeat stopped (its process died).
    """
    import optuna

    db = sqlite_path(url)
    if db is None:
        return optuna.storages.RDBStorage(url, heartbeat_interval=heartbeat, heartbeat_stale_trial_callback=on_stale)
    from sqlalchemy import event

    db.parent.mkdir(parents=True, exist_ok=True)
    store_from_template(db, f"optuna-{optuna.__version__}-empty.db",
                        lambda path: optuna.storages.RDBStorage(f"sqlite:///{path}"))
    storage = optuna.storages.RDBStorage(url, engine_kwargs={"connect_args": {"timeout": LOCK_TIMEOUT_S}},
                                         heartbeat_interval=heartbeat, heartbeat_stale_trial_callback=on_stale)
    event.listen(storage.engine, "connect", _sqlite_pragmas)
    storage.engine.dispose()  # reconnect with the pragmas
    return storage


def _sqlite_pragmas(connection: Any, record: Any) -> None:
    cursor = connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()
