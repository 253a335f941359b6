"""Processes that start together on one new store: the schema and the study are made by one at a time.

A cluster job array, a systemd template unit, ``--workers N`` or a sweep start
several ``archsearch`` processes in the same instant. On a new, empty store each
finds no tables and creates them; without a guard, PostgreSQL answers all but
one with ``UniqueViolation ... pg_type_typname_nsp_index`` (two ``CREATE TABLE``
of one name), SQLite with "table already exists" or a half-stamped
``alembic_version``, and two processes that create one study or enqueue one
design both write it.

:func:`one_at_a_time` serialises such a block across processes and machines:

* PostgreSQL: a session-level advisory lock (``pg_try_advisory_lock``) on a
  connection of its own, held for the block. The other processes wait for it,
  then find the tables (or the study) made and only read them.
* SQLite: a ``filelock`` lock file next to the database (``optuna.db.lock``).
* Anything else (an in-memory store, MySQL, an MLflow server over HTTP,
  which serialises itself): no guard.

The schema of Optuna's storage (:func:`~archsearch.stores.open_storage`) and of
MLflow's (:func:`~archsearch.stores.mlflow_client`) is created under
``one_at_a_time(url, "schema")``; a study's creation, its settings and a
design's trials under ``one_at_a_time(url, "study:" + name)``. Waiting stops
after :data:`WAIT_S` seconds with an error naming the store.
"""

from __future__ import annotations

import contextlib
import hashlib
import time
from collections.abc import Iterator
from typing import Any

from archsearch.errors import UsageError
from archsearch.stores._urls import redact, sqlite_path

__all__ = ["WAIT_S", "lock_key", "one_at_a_time"]

WAIT_S = 300.0  # a first MLflow schema on PostgreSQL takes seconds per process in front; far below this
_POLL_S = 0.1
_FILE_LOCKS: dict[str, Any] = {}


def lock_key(name: str) -> int:
    """A signed 64-bit advisory-lock key for ``name`` (the same in every process and machine).

    Example:
        >>> lock_key("schema") == lock_key("schema"), lock_key("schema") != lock_key("study:x")
        (True, True)
    """
    digest = hashlib.sha256(f"archsearch:{name}".encode()).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


@contextlib.contextmanager
def one_at_a_time(url: str, name: str, *, wait: float = WAIT_S) -> Iterator[None]:
    """Run the block in one process at a time among all that use the store at ``url`` and the same ``name``.

    Raises:
        UsageError: the lock was not free within ``wait`` seconds.
    """
    db = sqlite_path(url)
    if db is not None:
        with _file_lock(db, name, wait):
            yield
    elif url.startswith("postgresql"):
        with _database_lock(url, name, wait):
            yield
    else:
        yield


@contextlib.contextmanager
def _file_lock(db: object, name: str, wait: float) -> Iterator[None]:
    from pathlib import Path

    from filelock import FileLock, Timeout

    path = Path(str(db)).resolve()
    path.parent.mkdir(parents=True, exist_ok=True)
    # One lock file per database: the schema and the studies in it take turns (each block is short). One
    # FileLock object per file in this process, so that a nested block re-enters it instead of waiting for itself.
    lock = _FILE_LOCKS.setdefault(str(path), FileLock(str(path) + ".lock", timeout=wait))
    try:
        lock.acquire(timeout=wait)
    except PermissionError:  # a read-only folder (reading results someone else wrote): nobody creates anything
        yield
        return
    except Timeout:
        raise UsageError(
            f"{path}: another process has held {path}.lock for {wait:.0f} s while setting up the "
            f"store ({name}); if none is running, delete {path}.lock."
        ) from None
    try:
        yield
    finally:
        lock.release()


@contextlib.contextmanager
def _database_lock(url: str, name: str, wait: float) -> Iterator[None]:
    from sqlalchemy import create_engine, text
    from sqlalchemy.pool import NullPool

    take, give = text("SELECT pg_try_advisory_lock(:key)"), text("SELECT pg_advisory_unlock(:key)")
    params = {"key": lock_key(name)}
    engine = create_engine(url, poolclass=NullPool)
    try:
        with engine.connect() as con:
            deadline = time.monotonic() + wait
            while not con.execute(take, params).scalar():
                con.rollback()
                if time.monotonic() >= deadline:
                    raise UsageError(
                        f"{redact(url)}: another process held the archsearch lock '{name}' for "
                        f"{wait:.0f} s while setting up the store; try again when it is done."
                    )
                time.sleep(_POLL_S)
            con.commit()
            try:
                yield
            finally:
                with contextlib.suppress(Exception):  # the connection closing releases it anyway
                    con.execute(give, params)
                    con.commit()
    finally:
        engine.dispose()
