"""TensorFlow's start-up lines (absl, oneDNN, cpu_feature_guard), silenced before TensorFlow is imported.

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
import os
import re
import sys
import tempfile
from collections.abc import Iterator
from types import ModuleType
from typing import Any

__all__ = ["TF_LOG_ENV", "is_start_up_line", "quiet_tensorflow"]

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
