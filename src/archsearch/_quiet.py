"""Libraries' own log lines off the terminal: TensorFlow's start-up lines, and MLflow's, alembic's, TensorFlow's logs.

**Library logs.** :func:`quiet_library_logs` sends the Python log records of
MLflow, alembic, TensorFlow/absl, Optuna and SQLAlchemy to the log file
(:func:`archsearch.stores.log_file`: ``$ARCHSEARCH_LOG_FILE``, else ``archsearch.log``
in the cache folder) and nowhere else, so that "Creating initial MLflow database tables",
alembic's upgrades or ``tf.function`` retracing warnings never reach a terminal
or a notebook; ``--verbose`` (``ARCHSEARCH_VERBOSE=1``, ``RunOptions(verbose=True)``)
leaves the libraries' own logging as it is. The CLI calls it first thing, the
MLflow worker process too, and ``run_search`` (the Python API) when it starts.
TensorFlow adds a terminal handler of its own the first time its logger is
asked for; :func:`quiet_library_logs` asks for it first (once TensorFlow is
loaded) and takes that handler away.

**TensorFlow's start-up lines.**

TensorFlow's C++ logging reads its level from the environment once, when it
loads: setting it later does nothing. The CLI calls :func:`quiet_tensorflow`
first thing, so the processes it starts (trial workers) inherit the setting.

The level does not reach every line: on CPUs where TensorFlow turns oneDNN on
by default (AVX-512 machines), ``port.cc`` logs "oneDNN custom operations are
on" through absl before TensorFlow's own log filter is installed, whatever
``TF_CPP_MIN_LOG_LEVEL`` says. So the import of ``tensorflow`` itself runs
with file descriptor 2 sent to a temporary file; afterwards every line except
TensorFlow's informational start-up lines is written back to stderr (errors
and Python warnings from the import still show).
"""

from __future__ import annotations

import contextlib
import importlib.abc
import importlib.machinery
import importlib.util
import logging
import os
import re
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

__all__ = [
    "LIBRARY_LOGGERS",
    "LOG_FILE_ENV",
    "TF_LOG_ENV",
    "VERBOSE_ENV",
    "is_start_up_line",
    "quiet_library_logs",
    "quiet_tensorflow",
]

LOG_FILE_ENV = "ARCHSEARCH_LOG_FILE"
VERBOSE_ENV = "ARCHSEARCH_VERBOSE"  # "1": the libraries log as they would without archsearch
# Loggers whose records go to the log file only; (name, level of the record kept in the file or None: as set).
LIBRARY_LOGGERS: tuple[tuple[str, int | None], ...] = (
    ("mlflow", logging.INFO),
    ("alembic", logging.INFO),
    ("huey", None),
    ("tensorflow", None),
    ("absl", None),
    ("keras", None),
    ("optuna", None),
    ("sqlalchemy", None),
    ("urllib3", None),
    ("h5py", None),
)

# 2: TensorFlow's C++ code logs errors only (no INFO/WARNING lines such as oneDNN's or cpu_feature_guard's).
TF_LOG_ENV = "TF_CPP_MIN_LOG_LEVEL"

# absl's line format: severity letter, MMDD, time (before InitializeLog: 00:00:<epoch seconds>), thread,
# file:line] message. Only INFO and WARNING lines are start-up noise; E and F lines are errors and are kept.
_ABSL_INFO = re.compile(r"^[IW]\d{4} [\d:.]+\s+\d+ \S+:\d+\] ")
_ABSL_PREAMBLE = "WARNING: All log messages before absl::InitializeLog() is called are written to STDERR"
_CPU_GUARD_SECOND_LINE = "To enable the following instructions:"  # cpu_feature_guard's message spans two lines


def is_start_up_line(line: str) -> bool:
    """True for a line TensorFlow's C++ code prints while loading: absl's preamble and its INFO/WARNING lines.

    >>> is_start_up_line("I0000 00:00:1796409444.773101    7148 port.cc:153] oneDNN custom operations are on.")
    True
    >>> is_start_up_line("E0000 00:00:1796409444.773101    7148 cuda_dnn.cc:8579] Unable to register cuDNN")
    False
    >>> is_start_up_line("UserWarning: something from Python")
    False
    """
    return line.startswith((_ABSL_PREAMBLE, _CPU_GUARD_SECOND_LINE)) or bool(_ABSL_INFO.match(line))


_routed = False  # quiet_library_logs(verbose=False) was called in this process


class _LibraryLogFile(logging.FileHandler):
    """The log file's handler (one per process, opened at the first record)."""


class _Nowhere(logging.NullHandler):
    """Where the records go when there is no log file."""


_OURS = (_LibraryLogFile, _Nowhere)


def quiet_library_logs(verbose: bool | None = None, log_file: Path | None = None) -> None:
    """Send the libraries' log records to ``log_file`` and nowhere else; with ``verbose``, leave them be.

    Args:
        verbose: None reads ``$ARCHSEARCH_VERBOSE``. True also undoes an earlier quiet call in this process.
        log_file: where the records go (:func:`archsearch.stores.log_file`); None: the file of an earlier
            call, else ``$ARCHSEARCH_LOG_FILE``, else nowhere.

    Example:
        >>> quiet_library_logs(verbose=False)  # doctest: +SKIP
        >>> logging.getLogger("mlflow").info("Creating initial MLflow database tables...")  # only in the file
    """
    if verbose is None:
        verbose = os.environ.get(VERBOSE_ENV, "") not in ("", "0")
    global _routed
    _routed_before, _routed = _routed, not verbose
    if verbose:
        os.environ[VERBOSE_ENV] = "1"  # the MLflow worker process, started later, does the same
        if os.environ.get("MLFLOW_CONFIGURE_LOGGING") == "false" and _routed_before:
            del os.environ["MLFLOW_CONFIGURE_LOGGING"]  # ours: MLflow sets up its logging again when imported
        for name, _ in LIBRARY_LOGGERS:
            logger = logging.getLogger(name)
            if any(isinstance(h, _OURS) for h in logger.handlers):
                logger.handlers = [h for h in logger.handlers if not isinstance(h, _OURS)]
                logger.propagate = True
        return
    # MLflow otherwise gives its loggers a terminal handler of its own when it is imported.
    os.environ["MLFLOW_CONFIGURE_LOGGING"] = "false"
    _tame_tensorflow_logger()
    handler = _handler(log_file)
    for name, level in LIBRARY_LOGGERS:
        logger = logging.getLogger(name)
        logger.handlers = [handler]
        logger.propagate = False
        if level is not None:
            logger.setLevel(level)


def _handler(path: Path | None) -> logging.Handler:
    for name, _ in LIBRARY_LOGGERS:
        for found in logging.getLogger(name).handlers:
            if isinstance(found, _OURS) and (
                path is None or getattr(found, "baseFilename", None) == str(path.resolve())
            ):
                return found
    if path is None and os.environ.get(LOG_FILE_ENV):
        path = Path(os.environ[LOG_FILE_ENV]).expanduser()
    if path is None:
        return _Nowhere()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        handler: logging.Handler = _LibraryLogFile(path, delay=True, encoding="utf-8")
    except OSError:  # no writable cache folder: the lines are dropped rather than shown
        return _Nowhere()
    handler.setFormatter(logging.Formatter(f"%(asctime)s {os.getpid()} %(name)s %(levelname)s: %(message)s"))
    return handler


def _tame_tensorflow_logger() -> None:
    """Once TensorFlow is loaded, make it build its logger now (it adds a terminal handler then), to replace it."""
    tf_logging = sys.modules.get("tensorflow.python.platform.tf_logging")
    if tf_logging is not None:
        with contextlib.suppress(Exception):
            tf_logging.get_logger()


def quiet_tensorflow(debug: bool = False) -> None:
    """Silence TensorFlow's C++ start-up lines, or (``debug``) let them through; a value the user set wins."""
    os.environ.setdefault(TF_LOG_ENV, "0" if debug else "2")
    if debug or os.environ[TF_LOG_ENV] == "0" or "tensorflow" in sys.modules:
        return
    if not any(isinstance(finder, _QuietTensorFlowImport) for finder in sys.meta_path):
        sys.meta_path.insert(0, _QuietTensorFlowImport("tensorflow"))


@contextlib.contextmanager
def _stderr_filtered() -> Iterator[None]:
    """Send fd 2 to a temporary file for the block; then write back every line but the start-up ones."""
    try:
        sys.stderr.flush()
        saved = os.dup(2)
    except (AttributeError, OSError, ValueError):  # no usable stderr (closed, or a pythonw process)
        yield
        return
    with tempfile.TemporaryFile() as caught:
        os.dup2(caught.fileno(), 2)
        try:
            yield
        finally:
            with contextlib.suppress(AttributeError, OSError, ValueError):
                sys.stderr.flush()  # Python's own writes during the import belong to the captured part
            os.dup2(saved, 2)
            os.close(saved)
            caught.seek(0)
            text = caught.read().decode(errors="replace")
            kept = "".join(line for line in text.splitlines(keepends=True) if not is_start_up_line(line))
            if kept:
                sys.stderr.write(kept)
                sys.stderr.flush()


class _QuietLoader(importlib.abc.Loader):
    """Runs ``tensorflow``'s own loader with the start-up lines filtered out of stderr."""

    def __init__(self, loader: Any) -> None:
        self._loader = loader

    def create_module(self, spec: importlib.machinery.ModuleSpec) -> ModuleType | None:
        return self._loader.create_module(spec)

    def exec_module(self, module: ModuleType) -> None:
        module.__loader__ = self._loader  # TensorFlow sees its own loader, as it would without us
        if module.__spec__ is not None:
            module.__spec__.loader = self._loader
        with _stderr_filtered():
            self._loader.exec_module(module)
        if _routed:
            quiet_library_logs(verbose=False)  # quiet before: TensorFlow's logger gets no terminal handler


class _QuietTensorFlowImport(importlib.abc.MetaPathFinder):
    """One-shot: the first import of ``name`` (Keras's of ``tensorflow``) goes through :class:`_QuietLoader`."""

    def __init__(self, name: str) -> None:
        self.name = name

    def find_spec(self, fullname: str, path: Any = None, target: Any = None) -> importlib.machinery.ModuleSpec | None:
        if fullname != self.name:
            return None
        with contextlib.suppress(ValueError):
            sys.meta_path.remove(self)  # once: the finders after us find the real spec
        spec = importlib.util.find_spec(fullname)
        if spec is not None and spec.loader is not None:
            spec.loader = _QuietLoader(spec.loader)
        return spec
