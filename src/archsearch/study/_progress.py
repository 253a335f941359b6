"""Terminal progress: trial n/N, current best, a final summary.

Progress goes to stderr; the summary (a result) goes to stdout.
"""

from __future__ import annotations

import sys
from collections.abc import Iterable, Mapping
from typing import Any, TextIO

__all__ = ["Progress", "format_params"]

_SAID: set[tuple[str, str]] = set()  # Progress.say_once's (about, line), for the life of the process


def format_params(params: Mapping[str, Any], limit: int = 8) -> str:
    items = [f"{k}={_fmt(v)}" for k, v in params.items()]
    if len(items) > limit:
        items = [*items[:limit], f"... (+{len(items) - limit})"]
    return " ".join(items)


def _fmt(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:.4g}"
    return str(value)


class Progress:
    """Prints one line per trial; silent when ``quiet``."""

    def __init__(
        self, total: int, objective: str, direction: str, *, quiet: bool = False, stream: TextIO | None = None
    ) -> None:
        self.total, self.objective, self.direction = total, objective, direction
        self.quiet = quiet
        self.stream = stream or sys.stderr
        self.best: tuple[float, int] | None = None

    def say(self, text: str) -> None:
        if not self.quiet:
            print(text, file=self.stream, flush=True)

    def say_once(self, text: str, about: str = "") -> None:
        """Say ``text`` unless this process said it already about ``about`` (e.g. a study: an ask's rounds and a
        recycled search print their header once).

        Example:
            >>> p = Progress(1, "val_accuracy", "maximize", stream=sys.stdout)
            >>> for _ in range(2):
            ...     p.say_once("data digits", about="doctest-study")
            data digits
        """
        if (about, text) not in _SAID:
            _SAID.add((about, text))
            self.say(text)

    def seen(self, study: Any) -> None:
        """Start from the best trial already in a resumed study."""
        self.consider(study.get_trials(deepcopy=False))

    def consider(self, trials: Iterable[Any]) -> None:
        """Count the complete ones among ``trials`` (Optuna's) towards the best, as other processes' trials of the
        same study (``--workers``) finish.

        Example:
            >>> from types import SimpleNamespace as T
            >>> p = Progress(4, "val_accuracy", "maximize")
            >>> done, running = T(name="COMPLETE"), T(name="RUNNING")
            >>> p.consider([T(state=done, value=0.9, number=3), T(state=running, value=None, number=4)])
            >>> p.best
            (0.9, 3)
        """
        for t in trials:
            if t.state.name == "COMPLETE" and t.value is not None and self._better(t.value, t.number):
                self.best = (t.value, t.number)

    def _better(self, value: float, number: int) -> bool:
        if self.best is None:
            return True
        if value == self.best[0]:
            return number < self.best[1]  # ties: the earlier trial, as Optuna's best_trial
        return value > self.best[0] if self.direction == "maximize" else value < self.best[0]

    def trial_done(
        self,
        finished: int,
        number: int,
        state: str,
        value: float | None,
        params: Mapping[str, Any],
        seconds: float,
        extra: str = "",
    ) -> None:
        if state == "COMPLETE" and value is not None and self._better(value, number):
            self.best = (value, number)
        width = len(str(self.total))
        head = f"[{finished:>{width}}/{self.total}] trial {number:<3}"
        body = f"{self.objective} {value:.4f}" if state == "COMPLETE" and value is not None else state.lower()
        best = f"  best {self.best[0]:.4f} (#{self.best[1]})" if self.best else ""
        self.say(f"{head} {body}{best}  {seconds:5.1f}s  {format_params(params)}{extra}")
