"""Every storage and tracking URL: defaults, validation, and URLs made fit to show.

The one place a ``--storage`` (Optuna) or ``--tracking-uri`` (MLflow) value is
turned into the URL used, and checked before anything is written. :func:`redact`
is the one place that hides credentials: every storage or tracking URL that
reaches a tag, a log line, a message or a report goes through it first.
"""

from __future__ import annotations

import os
import re
import shlex
from collections.abc import Sequence
from pathlib import Path

from archsearch.errors import UsageError

__all__ = [
    "DEFAULT_STORAGE",
    "DEFAULT_TRACKING_URI",
    "POSTGRES_EXTRA",
    "resolve_storage",
    "resolve_tracking_uri",
    "artifact_root_for",
    "experiment_artifacts",
    "sqlite_path",
    "check_url",
    "require_storage",
    "redact",
    "given_by_environment",
    "url_flag",
    "printed_command",
]

DEFAULT_STORAGE = "sqlite:///mlruns/optuna.db"
DEFAULT_TRACKING_URI = "sqlite:///mlruns/mlflow.db"
POSTGRES_EXTRA = "pip install 'archsearch[postgres]'"

# scheme://user:password@host: the password runs to the last "@" before the path, so
# an unescaped "@" in it is hidden too. Query parameters that carry secrets likewise.
_USERINFO = re.compile(r"(?P<head>[A-Za-z][A-Za-z0-9+.\-]*://[^:/?#@\s]*):[^/?#\s]*@")
_SECRET_PARAM = re.compile(r"(?i)(?P<head>[?&;](?:password|passwd|pwd|token|secret|access_token)=)[^&;#\s]*")


def redact(text: str) -> str:
    """``text`` with the password of every URL in it shown as ``***``.

    Example:
        >>> redact("postgresql://bars:s3cret@db.lan:5432/optuna")
        'postgresql://bars:***@db.lan:5432/optuna'
        >>> redact("see sqlite:///mlruns/optuna.db and http://h/?token=abc&x=1")
        'see sqlite:///mlruns/optuna.db and http://h/?token=***&x=1'
    """
    text = _USERINFO.sub(r"\g<head>:***@", str(text))
    return _SECRET_PARAM.sub(r"\g<head>***", text)


def resolve_storage(url: str | None) -> str:
    """``url``, else the SQLite default (the command line passes ``--storage``, else ``$ARCHSEARCH_STORAGE``).

    Example:
        >>> resolve_storage(None), resolve_storage("sqlite:///x.db")
        ('sqlite:///mlruns/optuna.db', 'sqlite:///x.db')
    """
    return url or DEFAULT_STORAGE


def resolve_tracking_uri(uri: str | None) -> str:
    """``uri``, else the SQLite default (the command line passes ``--tracking-uri``, else ``$ARCHSEARCH_TRACKING_URI``).

    Example:
        >>> resolve_tracking_uri(None)
        'sqlite:///mlruns/mlflow.db'
    """
    return uri or DEFAULT_TRACKING_URI


def sqlite_path(url: str) -> Path | None:
    """The database file of a ``sqlite:///`` URL, or None for other URLs."""
    if url.startswith("sqlite:///"):
        rest = url[len("sqlite:///") :].split("?", 1)[0]
        return None if rest in ("", ":memory:") else Path(rest)
    return None


def artifact_root_for(tracking_uri: str) -> str | None:
    """Artifacts of a SQLite store live next to it: ``mlruns/`` for the default."""
    db = sqlite_path(tracking_uri)
    return None if db is None else str(db.parent.resolve())


def experiment_artifacts(tracking_uri: str, experiment: str) -> str | None:
    """Where an experiment's artifacts go: ``artifacts/<experiment>`` next to a SQLite store (None: the server's).

    Example:
        >>> experiment_artifacts("sqlite:////data/mlruns/mlflow.db", "sweep-nightly")
        'file:///data/mlruns/artifacts/sweep-nightly'
    """
    root = artifact_root_for(tracking_uri)
    return None if root is None else (Path(root) / "artifacts" / experiment).as_uri()


def check_url(url: str, what: str, option: str) -> None:
    """Fail early, before anything is written, on a URL SQLAlchemy cannot use."""
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError, NoSuchModuleError

    if url.startswith(("http://", "https://", "databricks")) and option == "--tracking-uri":
        return
    shown = redact(url)
    try:
        parsed = make_url(url)
        dialect = parsed.get_dialect()
    except (ArgumentError, NoSuchModuleError, ValueError) as err:
        raise UsageError(
            f"{option} {shown!r}: not a usable {what} URL ({redact(str(err))}). Use e.g. sqlite:///mlruns/x.db "
            "or postgresql://user:pass@host/db."
        ) from None
    except ImportError as err:
        raise UsageError(
            f"{option} {shown!r}: the database driver is missing ({err}). Install it: {POSTGRES_EXTRA}."
        ) from None
    try:
        # get_dialect() does not import the driver; connecting would, deep inside Optuna or MLflow.
        dialect.import_dbapi()
    except ImportError as err:
        raise UsageError(_missing_driver(shown, option, parsed.drivername, dialect.driver, err)) from None
    db = sqlite_path(url)
    if db is not None:
        parent = db.parent if str(db.parent) else Path(".")
        existing = next((p for p in [parent, *parent.parents] if p.exists()), Path("."))
        if not existing.is_dir() or not os.access(existing, os.W_OK):
            raise UsageError(f"{option} {url!r}: cannot create {db} ({existing} is not a writable folder).")


def _missing_driver(shown: str, option: str, drivername: str, driver: str, err: ImportError) -> str:
    if drivername in ("postgresql", "postgresql+psycopg"):
        fix = f"install it with {POSTGRES_EXTRA} (psycopg 3)"
    elif drivername.startswith("postgresql+"):
        fix = (
            f"install {driver}, or use postgresql://... with {POSTGRES_EXTRA} (psycopg 3, "
            "the driver SQLAlchemy 2.1 uses for postgresql://)"
        )
    else:
        fix = f"install the Python package of the {driver} driver"
    return f"{option} {shown!r}: the database driver {driver!r} is not installed ({err}); {fix}."


def require_storage(url: str) -> None:
    """Fail on a SQLite storage whose file does not exist (reading a study must not create an empty one).

    Raises:
        UsageError: naming the file and how to create it.
    """
    db = sqlite_path(url)
    if db is not None and not db.exists():
        raise UsageError(
            f"--storage {url}: no such database ({db}). Run `archsearch run SPACE` first, or pass --storage URL."
        )


# The URLs the command line read from ARCHSEARCH_STORAGE / ARCHSEARCH_TRACKING_URI (cli/_env.py says which).
_FROM_ENVIRONMENT: set[str] = set()
_VARIABLE = {"--storage": "ARCHSEARCH_STORAGE", "--tracking-uri": "ARCHSEARCH_TRACKING_URI"}


def given_by_environment(*urls: str | None) -> None:
    """The store URLs this process was given in its environment (the command line reads it, and says so here)."""
    _FROM_ENVIRONMENT.clear()
    _FROM_ENVIRONMENT.update(url for url in urls if url)


def url_flag(option: str, url: str) -> list[str]:
    """``[option, url]`` for a command that runs this one's work again; ``[]`` for a URL with a password that the
    environment gives (pasted, ``--storage 'postgresql://u:***@...'`` would override the one that works).

    Example:
        >>> url_flag("--storage", "sqlite:///x.db")
        ['--storage', 'sqlite:///x.db']
    """
    if url in _FROM_ENVIRONMENT and redact(url) != url:
        return []
    return [option, url]


def printed_command(words: Sequence[str], *, quote: bool = True) -> str:
    """``words`` as a command to paste: passwords as ``***``, and then a shell comment saying how to give one.

    Example:
        >>> printed_command(["archsearch", "report", "s.py", "--storage", "postgresql://u:pw@h/db"])
        "archsearch report s.py --storage 'postgresql://u:***@h/db'  # *** is the password: type it in, or put \
the URL in $ARCHSEARCH_STORAGE and leave --storage out"
    """
    shown = [redact(word) for word in words]
    text = " ".join(shlex.quote(word) if quote else word for word in shown)
    masked = [words[i - 1] for i in range(1, len(words)) if shown[i] != words[i]]
    if masked:
        flag = masked[0]
        where = f"put the URL in ${_VARIABLE[flag]} and leave {flag} out" if flag in _VARIABLE else "retype it"
        text += f"  # *** is the password: type it in, or {where}"
    return text
