"""SIGTERM handled like Ctrl-C, so that the running trial unwinds and its runs are closed."""

from __future__ import annotations

import signal
import threading
from typing import Any

__all__ = ["Terminated", "sigterm_as_interrupt"]


class Terminated(KeyboardInterrupt):
    """SIGTERM, raised in the main thread so the current trial unwinds like Ctrl-C."""


class sigterm_as_interrupt:
    def __enter__(self) -> None:
        self._old = None
        if threading.current_thread() is threading.main_thread():
            self._old = signal.signal(signal.SIGTERM, self._handle)

    def __exit__(self, *exc: Any) -> None:
        if self._old is not None:
            signal.signal(signal.SIGTERM, self._old)

    @staticmethod
    def _handle(signum: int, frame: Any) -> None:
        raise Terminated()
