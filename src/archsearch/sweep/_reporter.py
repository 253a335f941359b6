"""Two machines, one plan: which one writes the reports and the summary.

With a PostgreSQL storage, the machine that holds a PostgreSQL session-level
advisory lock (``pg_try_advisory_lock``) for the plan is the reporter for the
night; the other runs its steps and says so. The lock goes with the
connection: a reporter that dies frees it. Other storages (SQLite) are one
machine's: it is always the reporter. Each machine also holds its own
:class:`~archsearch.sweep.SweepLock`; run steps run as sampler process
:func:`archsearch.seeds.machine_worker` so the samplers do not propose the same trials.
"""

from __future__ import annotations

import zlib
from typing import Any, Self

__all__ = ["ReporterLock"]


class ReporterLock:
    """``with ReporterLock(storage_url, plan) as lock: lock.reporter`` says whether this machine reports."""

    def __init__(self, storage_url: str, plan_name: str) -> None:
        self.url, self.plan_name = storage_url, plan_name
        self.key = zlib.crc32(f"archsearch-sweep:{plan_name}".encode()) & 0x7FFFFFFF
        self.reporter = True
        self._engine: Any = None
        self._conn: Any = None

    def __enter__(self) -> Self:
        if not self.url.startswith("postgresql"):
            return self
        import sqlalchemy

        from archsearch.stores import storage_errors

        with storage_errors(self.url, "the plan's storage"):  # one line, not sqlalchemy's traceback
            self._engine = sqlalchemy.create_engine(self.url, poolclass=sqlalchemy.pool.NullPool)
            self._conn = self._engine.connect()
            got = self._conn.execute(sqlalchemy.text("SELECT pg_try_advisory_lock(:k)"), {"k": self.key}).scalar()
            self._conn.commit()
        self.reporter = bool(got)
        return self

    def __exit__(self, *exc: object) -> None:
        if self._conn is not None:
            try:
                self._conn.close()  # the session ends: PostgreSQL drops its advisory locks
            finally:
                self._engine.dispose()
