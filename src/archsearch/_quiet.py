"""Libraries' own log lines off the terminal: TensorFlow's start-up lines, and MLflow's, alembic's, TensorFlow's logs.

Nothing here reads or sets environment variables: the command line does
(:mod:`archsearch.cli._env`) and passes the values in.

**Library logs.** :func:`quiet_library_logs` sends the Python log records of
MLflow, alembic, TensorFlow/absl, Optuna and SQLAlchemy to the log file
(:func:`archsearch.stores.log_file`) and nowhere else, so that "Creating initial
MLflow database tables", alembic's upgrades or ``tf.function`` retracing
warnings never reach a terminal or a notebook, nor do installed libraries' Python
warnings (:func:`is_library_file`: Keras' ``input_shape`` advice; a space file's own
warnings still show); ``verbose`` (``--verbose``,
``RunOptions(verbose=True)``) leaves the libraries' own logging as it is. The CLI
calls it first thing, ``run_search`` (the Python API) when it starts, and the
MLflow worker process with what its parent chose (:func:`worker_args`).
TensorFlow adds a terminal handler of its own the first time its logger is
asked for, and MLflow gives its loggers one when it is imported: after a quiet
call, the first import of either is followed by the quiet call again (a one-shot
import hook), which takes those handlers away.

**TensorFlow's start-up lines.**

TensorFlow's C++ logging reads its level (``TF_CPP_MIN_LOG_LEVEL``) from the
environment once, when it loads: the command line sets it before any command
imports TensorFlow, so the processes it starts inherit it (a Python program sets
it itself, if it wants TensorFlow's runtime lines off too).

The level does not reach every line: on CPUs where TensorFlow turns oneDNN on
by default (AVX-512 machines), ``port.cc`` logs "oneDNN custom operations are
on" through absl before TensorFlow's own log filter is installed, whatever
``TF_CPP_MIN_LOG_LEVEL`` says. So :func:`quiet_tensorflow` makes the import of
``tensorflow`` itself run with file descriptor 2 sent to a temporary file;
afterwards every line except TensorFlow's informational start-up lines is
written back to stderr (errors and Python warnings from the import still show).
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
import warnings
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

__all__ = [
    "LIBRARY_LOGGERS",
    "is_library_file",
    "is_start_up_line",
    "quiet_library_logs",
    "quiet_tensorflow",
    "worker_args",
]

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
    ("apprise", logging.INFO),  # why a notification was not sent: the warning names the log file
)

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
_verbose = False  # quiet_library_logs(verbose=True) was called in this process


class _LibraryLogFile(logging.FileHandler):
    """The log file's handler (one per process, opened at the first record)."""


class _Nowhere(logging.NullHandler):
    """Where the records go when there is no log file."""


_OURS = (_LibraryLogFile, _Nowhere)


def quiet_library_logs(verbose: bool | None = None, log_file: Path | None = None) -> None:
    """Send the libraries' log records to ``log_file`` and nowhere else; with ``verbose``, leave them be.

    Args:
        verbose: True also undoes an earlier quiet call in this process; None: as an earlier call in this
            process chose (the command line's ``--verbose``), else quiet.
        log_file: where the records go (:func:`archsearch.stores.log_file`); None: the file of an earlier
            call, else nowhere.

    Example:
        >>> quiet_library_logs(verbose=False)  # doctest: +SKIP
        >>> logging.getLogger("mlflow").info("Creating initial MLflow database tables...")  # only in the file
    """
    global _routed, _verbose
    if verbose is None:
        verbose = _verbose
    _routed, _verbose = not verbose, verbose
    if verbose:
        if isinstance(warnings.showwarning, _LibraryWarnings):
            warnings.showwarning = warnings.showwarning.show
        for name, _ in LIBRARY_LOGGERS:
            logger = logging.getLogger(name)
            if any(isinstance(h, _OURS) for h in logger.handlers):
                logger.handlers = [h for h in logger.handlers if not isinstance(h, _OURS)]
                logger.propagate = True
        return
    _tame_tensorflow_logger()
    handler = _handler(log_file)
    for name, level in [*LIBRARY_LOGGERS, (_WARNINGS_LOGGER, None)]:
        logger = logging.getLogger(name)
        logger.handlers = [handler]
        logger.propagate = False
        if level is not None:
            logger.setLevel(level)
    if not isinstance(warnings.showwarning, _LibraryWarnings):
        warnings.showwarning = _LibraryWarnings(warnings.showwarning)
    _own_terminal_handlers_off()
    if "mlflow" not in sys.modules:  # MLflow gives its loggers terminal handlers when it is imported
        _install_once(_QuietImport("mlflow", filter_stderr=False))


_WARNINGS_LOGGER = "archsearch.library_warnings"
_INSTALLED = re.compile(r"[/\\](?:site|dist)-packages[/\\](?!archsearch[/\\])")


def is_library_file(filename: str) -> bool:
    """True for a file of an installed library (not archsearch's, not a space file): its warnings go to the log file.

    >>> is_library_file("/venv/lib/python3.11/site-packages/keras/src/layers/core/dense.py")
    True
    >>> is_library_file("/venv/lib/python3.11/site-packages/archsearch/study/_run.py")
    False
    >>> is_library_file("spaces/my_space.py")
    False
    """
    return bool(_INSTALLED.search(filename))


class _LibraryWarnings:
    """``warnings.showwarning`` that sends a library's Python warnings (Keras' ``input_shape`` advice, Optuna's
    out-of-range fixed parameter) to the log file; archsearch's own warnings and the space file's still show."""

    def __init__(self, show: Any) -> None:
        self.show = show

    def __call__(self, message: Any, category: Any, filename: str, lineno: int, *args: Any, **kwargs: Any) -> None:
        if not is_library_file(filename):
            self.show(message, category, filename, lineno, *args, **kwargs)
            return
        logging.getLogger(_WARNINGS_LOGGER).warning("%s:%s: %s: %s", filename, lineno, category.__name__, message)


def worker_args(log_file: Path) -> list[str]:
    """The arguments that make a worker process (the MLflow worker) log as this one does.

    ``--verbose`` after a verbose call in this process, else ``--log-file PATH``: passed
    explicitly, never through the environment.
    """
    return ["--verbose"] if _verbose else ["--log-file", str(log_file)]


def _own_terminal_handlers_off() -> None:
    """Loggers below ours that a library gave a terminal handler (MLflow: ``sqlalchemy.engine``) pass records up."""
    prefixes = tuple(f"{name}." for name, _ in LIBRARY_LOGGERS)
    for name, logger in list(logging.Logger.manager.loggerDict.items()):
        if not name.startswith(prefixes) or not isinstance(logger, logging.Logger):
            continue
        terminal = [h for h in logger.handlers if type(h) is logging.StreamHandler]
        if terminal:
            logger.handlers = [h for h in logger.handlers if h not in terminal]
            logger.propagate = True


def _handler(path: Path | None) -> logging.Handler:
    for name, _ in LIBRARY_LOGGERS:
        for found in logging.getLogger(name).handlers:
            if isinstance(found, _OURS) and (
                path is None or getattr(found, "baseFilename", None) == str(path.resolve())
            ):
                return found
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


def quiet_tensorflow(show: bool = False) -> None:
    """Filter TensorFlow's C++ start-up lines out of its first import, unless ``show`` (``--debug``).

    Sets no log level: the caller's environment holds ``TF_CPP_MIN_LOG_LEVEL`` (the command line sets it).
    """
    if not show and "tensorflow" not in sys.modules:
        _install_once(_QuietImport("tensorflow"))


def _install_once(finder: _QuietImport) -> None:
    if not any(isinstance(f, _QuietImport) and f.name == finder.name for f in sys.meta_path):
        sys.meta_path.insert(0, finder)


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
    """Runs a module's own loader (``filter_stderr``: with the start-up lines filtered out of stderr), then
    quiets the libraries' logs again when they were quiet (the module gave its logger a terminal handler)."""

    def __init__(self, loader: Any, filter_stderr: bool) -> None:
        self._loader = loader
        self._filter_stderr = filter_stderr

    def create_module(self, spec: importlib.machinery.ModuleSpec) -> ModuleType | None:
        return self._loader.create_module(spec)

    def exec_module(self, module: ModuleType) -> None:
        module.__loader__ = self._loader  # TensorFlow sees its own loader, as it would without us
        if module.__spec__ is not None:
            module.__spec__.loader = self._loader
        with _stderr_filtered() if self._filter_stderr else contextlib.nullcontext():
            self._loader.exec_module(module)
        if _routed:
            quiet_library_logs(verbose=False)  # quiet before: no terminal handler of TensorFlow's or MLflow's


class _QuietImport(importlib.abc.MetaPathFinder):
    """One-shot: the first import of ``name`` (Keras's of ``tensorflow``) goes through :class:`_QuietLoader`."""

    def __init__(self, name: str, filter_stderr: bool = True) -> None:
        self.name = name
        self.filter_stderr = filter_stderr

    def find_spec(self, fullname: str, path: Any = None, target: Any = None) -> importlib.machinery.ModuleSpec | None:
        if fullname != self.name:
            return None
        with contextlib.suppress(ValueError):
            sys.meta_path.remove(self)  # once: the finders after us find the real spec
        spec = importlib.util.find_spec(fullname)
        if spec is not None and spec.loader is not None:
            spec.loader = _QuietLoader(spec.loader, self.filter_stderr)
        return spec
