"""A store that fails (server down, wrong password, no permission, disk full): one line naming it and the fix.

:func:`check_reachable` connects to a database server before anything is
written (a wrong password is said before the data loads); :func:`storage_errors`
turns what a store raises later (Optuna's ``StorageInternalError``, SQLAlchemy's
and the drivers' errors, a full disk) into a :class:`~archsearch.errors.UsageError`
(exit 2) whose message names the store, password masked, and says what to do.
"""

from __future__ import annotations

import contextlib
import errno
import re
from collections.abc import Iterator

from archsearch.errors import UsageError
from archsearch.stores._server import check_server, is_server
from archsearch.stores._urls import check_url, redact, resolve_storage, resolve_tracking_uri, sqlite_path

__all__ = ["check_reachable", "check_stores", "describe_storage_error", "storage_errors"]

# (pattern in the driver's message, what it means, what to do); the first that matches wins.
_KNOWN: tuple[tuple[str, str, str], ...] = (
    (
        r"password authentication failed|authentication failed|no password supplied|Access denied for user",
        "the server refused the user name or password",
        "fix them in the URL (or in ~/.pgpass)",
    ),
    (
        r"database \"?[^\"]+\"? does not exist|Unknown database",
        "the database does not exist",
        "create it (createdb NAME) or fix its name in the URL",
    ),
    (
        r"could not translate host name|Name or service not known|nodename nor servname",
        "the host name is unknown",
        "fix the host in the URL",
    ),
    (
        r"Connection refused|could not connect|connection to server .* failed|Can't connect|timeout expired",
        "no database server answers there",
        "start the server, or fix the host and port in the URL",
    ),
    (
        r"No space left on device|could not extend file|database or disk is full|disk quota exceeded",
        "the disk is full",
        "free space on the store's disk, or use a store elsewhere",
    ),
    (
        r"attempt to write a readonly database|readonly database|Read-only file system",
        "the store is read-only",
        "make the file and its folder writable, or use a store elsewhere",
    ),
    (
        r"unable to open database file",
        "the database file cannot be opened",
        "check that its folder exists and is writable",
    ),
    (
        r"permission denied|must be owner|insufficient privilege",
        "the user lacks a permission on the database",
        "grant it (e.g. GRANT CREATE ON DATABASE ... / ON SCHEMA public) or use another database",
    ),
)


def describe_storage_error(err: BaseException, url: str, option: str) -> str | None:
    """The one-line message for a store's error, or None when ``err`` is not a store's error.

    Example:
        >>> import sqlite3
        >>> describe_storage_error(sqlite3.OperationalError("database or disk is full"), "sqlite:///x.db",
        ...                        "--storage")  # doctest: +NORMALIZE_WHITESPACE
        "--storage 'sqlite:///x.db': the disk is full (database or disk is full); free space on the store's disk,
        or use a store elsewhere."
    """
    if not _is_storage_error(err):
        return None
    detail = _first_line(err)
    for pattern, what, fix in _KNOWN:
        if re.search(pattern, detail, re.IGNORECASE) or re.search(pattern, _all_lines(err), re.IGNORECASE):
            return f"{option} {redact(url)!r}: {what} ({redact(detail)}); {fix}."
    return (
        f"{option} {redact(url)!r}: the store failed ({redact(detail)}); check the URL and that the "
        "database works, then run the same command again (it resumes)."
    )


@contextlib.contextmanager
def storage_errors(url: str, option: str) -> Iterator[None]:
    """Inside the block, a store's error becomes a one-line :class:`UsageError` (exit 2) naming the store."""
    try:
        yield
    except UsageError:
        raise
    except Exception as err:
        message = describe_storage_error(err, url, option)
        if message is None:
            raise
        raise UsageError(message) from err


def check_stores(storage: str | None, tracking_uri: str | None) -> tuple[str, str]:
    """``--storage`` and ``--tracking-uri`` resolved and checked before anything is written or loaded: a URL
    SQLAlchemy cannot use, a missing driver, a server that cannot be reached, each one line (``UsageError``).

    Returns:
        The Optuna storage URL and the MLflow tracking URI, resolved (defaults and relative paths).
    """
    storage, tracking_uri = resolve_storage(storage), resolve_tracking_uri(tracking_uri)
    check_url(storage, "Optuna storage", "--storage")
    check_url(tracking_uri, "MLflow tracking", "--tracking-uri")
    check_reachable(storage, "--storage")  # a wrong password is said now, before the data loads
    check_reachable(tracking_uri, "--tracking-uri")
    return storage, tracking_uri


def check_reachable(url: str, option: str) -> None:
    """Connect to the database server of ``url`` once (nothing is written), or ask the MLflow server of an
    ``http(s)://`` tracking URI for one experiment, waiting seconds at most; a SQLite file is not checked here.

    Raises:
        UsageError: the server cannot be reached or refuses the user (or, MLflow's, the host name).
    """
    if is_server(url) and option.endswith("--tracking-uri"):
        check_server(url, option)  # before the data loads: not minutes of MLflow's retries after the first trial
        return
    if sqlite_path(url) is not None or not url.startswith(("postgresql", "mysql")):
        return
    from sqlalchemy import create_engine, text
    from sqlalchemy.pool import NullPool

    with storage_errors(url, option):
        engine = create_engine(url, poolclass=NullPool, connect_args=_connect_timeout(url))
        try:
            with engine.connect() as con:
                con.execute(text("SELECT 1"))
        finally:
            engine.dispose()


def _connect_timeout(url: str) -> dict[str, int]:
    """A dead host answers nothing: wait 10 s, not the driver's default of minutes."""
    return {"connect_timeout": 10} if url.startswith("postgresql") and "connect_timeout" not in url else {}


def _is_storage_error(err: BaseException) -> bool:
    import sqlite3

    if isinstance(err, OSError) and err.errno in (errno.ENOSPC, errno.EDQUOT, errno.EROFS):
        return True
    if isinstance(err, sqlite3.Error):
        return True
    kinds = {f"{type(e).__module__}.{type(e).__name__}" for e in _chain(err)}
    return any(k.startswith(("sqlalchemy.exc.", "psycopg", "optuna.exceptions.StorageInternalError")) for k in kinds)


def _chain(err: BaseException) -> Iterator[BaseException]:
    seen: set[int] = set()
    current: BaseException | None = err
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        yield current
        current = current.__cause__ or current.__context__


def _first_line(err: BaseException) -> str:
    """The driver's own message: the innermost error's first line, without SQLAlchemy's wrapping."""
    innermost = list(_chain(err))[-1]
    text = str(getattr(innermost, "orig", None) or innermost) or type(innermost).__name__
    text = re.sub(r"^\([\w.]+\)\s*", "", text.strip())
    return text.splitlines()[0][:300] if text else type(innermost).__name__


def _all_lines(err: BaseException) -> str:
    return " ".join(str(e) for e in _chain(err))
