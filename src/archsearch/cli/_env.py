"""The environment variables the library's settings come from, read here and passed down as values.

Nothing below the command line reads the environment (tests/test_layout.py
checks it). The options read their own variables through click (``--storage``:
``ARCHSEARCH_STORAGE``, ``--tracking-uri``: ``ARCHSEARCH_TRACKING_URI``,
``--debug``: ``ARCHSEARCH_DEBUG``, ``--verbose``: ``ARCHSEARCH_VERBOSE``); the
folders and TensorFlow's log level are set up here, once per command.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, MutableMapping
from pathlib import Path

from archsearch.stores import Folders, given_by_environment, log_file, use_folders

__all__ = [
    "CACHE_ENV",
    "KERAS_HOME_ENV",
    "LOG_FILE_ENV",
    "STORAGE_ENV",
    "SWEEP_ENV",
    "TF_LOG_ENV",
    "TRACKING_URI_ENV",
    "folders_from",
    "set_up_process",
]

STORAGE_ENV = "ARCHSEARCH_STORAGE"  # --storage; also how run --workers and a sweep hand the URL to their processes
TRACKING_URI_ENV = "ARCHSEARCH_TRACKING_URI"  # --tracking-uri
SWEEP_ENV = "ARCHSEARCH_SWEEP"  # set by a sweep for its steps: the command that runs the plan again
CACHE_ENV = "ARCHSEARCH_CACHE"
LOG_FILE_ENV = "ARCHSEARCH_LOG_FILE"
KERAS_HOME_ENV = "KERAS_HOME"  # Keras's own: Keras downloads there, archsearch reads there
# 2: TensorFlow's C++ code logs errors only (no INFO/WARNING lines such as oneDNN's or cpu_feature_guard's).
TF_LOG_ENV = "TF_CPP_MIN_LOG_LEVEL"


def folders_from(env: Mapping[str, str]) -> Folders:
    """The folders (:class:`~archsearch.stores.Folders`) that ``env`` names.

    The cache: ``$ARCHSEARCH_CACHE``, else ``$XDG_CACHE_HOME/archsearch``, else ``~/.cache/archsearch``;
    the log file: ``$ARCHSEARCH_LOG_FILE``, else ``archsearch.log`` in the cache; Keras: ``$KERAS_HOME``.

    Example:
        >>> folders_from({"XDG_CACHE_HOME": "/c", "KERAS_HOME": "/k"})
        Folders(cache=PosixPath('/c/archsearch'), log_file=None, keras_home=PosixPath('/k'))
    """
    cache = Path(env[CACHE_ENV]) if env.get(CACHE_ENV) else None
    if cache is None and env.get("XDG_CACHE_HOME"):
        cache = Path(env["XDG_CACHE_HOME"]) / "archsearch"
    return Folders(
        cache=cache or Folders.cache,
        log_file=Path(env[LOG_FILE_ENV]) if env.get(LOG_FILE_ENV) else None,
        keras_home=Path(env[KERAS_HOME_ENV]) if KERAS_HOME_ENV in env else None,
    )


def set_up_process(debug: bool, verbose: bool, env: MutableMapping[str, str] = os.environ) -> None:
    """What every command does first: the folders, TensorFlow's log level, the libraries' logs off the terminal.

    TensorFlow reads ``TF_CPP_MIN_LOG_LEVEL`` once, when it loads: it is set here (a value the user set
    wins), before any command imports TensorFlow, and the processes a command starts (trial workers)
    inherit it.
    """
    from archsearch._quiet import quiet_library_logs, quiet_tensorflow

    use_folders(folders_from(env))
    given_by_environment(env.get(STORAGE_ENV), env.get(TRACKING_URI_ENV))  # printed commands leave them out
    env.setdefault(TF_LOG_ENV, "0" if debug else "2")
    quiet_tensorflow(show=debug or env[TF_LOG_ENV] == "0")
    quiet_library_logs(verbose or debug, log_file())  # MLflow's, alembic's, TensorFlow's lines: the log file only
