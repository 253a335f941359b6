"""The folders archsearch writes and reads outside its stores: the cache, the log file, Keras's datasets.

One value per process, :class:`Folders`, with the defaults a Python program
gets. The command line makes it from the environment (``ARCHSEARCH_CACHE``,
``XDG_CACHE_HOME``, ``ARCHSEARCH_LOG_FILE``, ``KERAS_HOME``: see
:mod:`archsearch.cli._env`) and passes it to :func:`use_folders`; nothing
below the command line reads the environment.
"""

from __future__ import annotations

import dataclasses
import os
from pathlib import Path

__all__ = ["Folders", "cache_dir", "keras_datasets_dir", "log_file", "use_folders"]


@dataclasses.dataclass(frozen=True)
class Folders:
    """Where archsearch keeps files of its own; ``~`` is expanded when a folder is used.

    Args:
        cache: the cache folder (decoded image folders, empty-store templates).
        log_file: where the libraries' own log lines go (:mod:`archsearch._quiet`);
            None: ``archsearch.log`` in ``cache``.
        keras_home: Keras's folder, whose ``datasets/`` holds MNIST, CIFAR and the like;
            None: Keras's own default (``~/.keras``, or ``/tmp/.keras`` when the home folder is not writable).
            Keras downloads a missing dataset into its own folder (``$KERAS_HOME``): a Python program that
            sets this sets ``KERAS_HOME`` to the same folder (the command line reads it from there).
    """

    cache: Path = Path("~/.cache/archsearch")
    log_file: Path | None = None
    keras_home: Path | None = None


_current = Folders()


def use_folders(folders: Folders) -> Folders:
    """Make ``folders`` this process's folders; returns the ones they replace (to restore them).

    Example:
        >>> previous = use_folders(Folders(cache=Path("/tmp/archsearch-cache")))
        >>> cache_dir()
        PosixPath('/tmp/archsearch-cache')
        >>> log_file()
        PosixPath('/tmp/archsearch-cache/archsearch.log')
        >>> _ = use_folders(previous)
    """
    global _current
    previous, _current = _current, folders
    return previous


def cache_dir() -> Path:
    """The cache folder (``~/.cache/archsearch`` unless :func:`use_folders` said otherwise)."""
    return _current.cache.expanduser()


def log_file() -> Path:
    """Where the libraries' own log lines go: the folders' log file, else ``archsearch.log`` in :func:`cache_dir`."""
    return _current.log_file.expanduser() if _current.log_file else cache_dir() / "archsearch.log"


def keras_datasets_dir() -> Path:
    """Where Keras caches datasets: ``datasets/`` in the folders' Keras home, else in Keras's default.

    Keras falls back to ``/tmp/.keras`` when the home folder is not writable; so do we.

    Example:
        >>> keras_datasets_dir()  # doctest: +SKIP
        PosixPath('/home/me/.keras/datasets')
    """
    if _current.keras_home is not None:
        return _current.keras_home.expanduser() / "datasets"
    home = Path("~").expanduser()
    return (home if os.access(home, os.W_OK) else Path("/tmp")) / ".keras" / "datasets"
