"""The Optuna RDB storage of a study, tuned for SQLite files shared by several processes.

* A new SQLite file is a copy of a cached empty store (see :mod:`archsearch.stores._template`).
* Processes that start together on a new store create its tables one at a time
  (see :mod:`archsearch.stores._together`).
* Processes wait up to 60 s for the write lock instead of failing with
  "database is locked".
* Write-ahead logging: readers never block the writer, and a trial's writes cost
  half as much (``synchronous=NORMAL``: a commit survives a killed process; after
  a power cut the last commits may be lost, and their trials run again).
"""

from __future__ import annotations

from typing import Any

from archsearch.errors import UsageError
from archsearch.stores._template import store_from_template
from archsearch.stores._together import one_at_a_time
from archsearch.stores._urls import redact, sqlite_path

__all__ = ["open_storage", "check_workers_storage", "LOCK_TIMEOUT_S", "SQLITE_MAX_WORKERS"]

LOCK_TIMEOUT_S = 60
# Local worker processes one SQLite file serves without "database is locked": measured with
# bench/workers.py --contention (bench/results/workers.md), with a wide margin; beyond it, PostgreSQL.
SQLITE_MAX_WORKERS = 8


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
        with one_at_a_time(url, "schema"):  # processes that start together on a new database
            return optuna.storages.RDBStorage(
                url, heartbeat_interval=heartbeat, heartbeat_stale_trial_callback=on_stale
            )
    from sqlalchemy import event

    try:
        db.parent.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        raise UsageError(
            f"storage {redact(url)!r}: cannot make its folder {db.parent} ({err.strerror or err}); "
            "give a SQLite file in a folder you can write, e.g. sqlite:///mlruns/optuna.db."
        ) from None
    with one_at_a_time(url, "schema"):
        store_from_template(
            db, f"optuna-{optuna.__version__}-empty.db", lambda path: optuna.storages.RDBStorage(f"sqlite:///{path}")
        )
        storage = optuna.storages.RDBStorage(
            url,
            engine_kwargs={"connect_args": {"timeout": LOCK_TIMEOUT_S}},
            heartbeat_interval=heartbeat,
            heartbeat_stale_trial_callback=on_stale,
        )
    event.listen(storage.engine, "connect", _sqlite_pragmas)
    storage.engine.dispose()  # reconnect with the pragmas
    return storage


def _sqlite_pragmas(connection: Any, record: Any) -> None:
    cursor = connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def check_workers_storage(url: str, workers: int, option: str = "--storage") -> None:
    """Refuse ``--workers N`` on a storage that cannot be shared by N processes.

    SQLite (a file on this machine) takes up to :data:`SQLITE_MAX_WORKERS`
    processes; an in-memory store none; a database server (PostgreSQL, MySQL) any number.
    """
    if workers <= 1:
        return
    fix = "use PostgreSQL: --storage postgresql://USER:PASSWORD@HOST/DB (pip install 'archsearch[postgres]')"
    if url.startswith("sqlite:") and (sqlite_path(url) is None):
        raise UsageError(
            f"--workers {workers}: {option} {redact(url)!r} is in memory, so each worker would "
            f"have its own study; {fix}."
        )
    if sqlite_path(url) is not None and workers > SQLITE_MAX_WORKERS:
        raise UsageError(
            f"--workers {workers}: {option} {redact(url)!r} is a SQLite file, which serves at most "
            f"{SQLITE_MAX_WORKERS} processes without lock timeouts; {fix}."
        )
