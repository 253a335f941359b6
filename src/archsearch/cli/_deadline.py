"""``--deadline ISO-TIME`` for ``run`` and ``ask`` (set by ``archsearch sweep``), and the sweep's result file.

Before the search: no trial starts that its study's observed trial durations say
will not end before the deadline (the search gets a ``timeout`` that much earlier
than the deadline). Both commands also check before every trial
(:meth:`DeadlineGuard.before_trial`, durations re-read: a new study's first trials,
and an ask's rounds so far, are observations too) and stop with reason "deadline"
between two trials when the next one would not end in time. At the
deadline a timer stops the running trial the way SIGTERM does: the trial is
closed and its MLflow runs with it, never left RUNNING.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import threading
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, Self

import click

DEADLINE_EXIT = 124  # as timeout(1): the command was stopped at its --deadline (archsearch.sweep reads it so)

__all__ = [
    "DEADLINE_EXIT",
    "DeadlineGuard",
    "deadline_option",
    "go_on_words",
    "sweep_result_option",
    "write_sweep_result",
]

deadline_option = click.option(
    "--deadline",
    metavar="ISO-TIME",
    help="Start no trial that the study's observed trial durations say will not end by then, and stop the "
    "running trial at that time (e.g. 2026-12-07T06:50:00+01:00; set by `archsearch sweep`).",
)
sweep_result_option = click.option(
    "--sweep-result",
    hidden=True,
    type=click.Path(dir_okay=False),
    help="Write the study's name and storage here (set by `archsearch sweep`).",
)


def parse_deadline(text: str) -> dt.datetime:
    try:
        when = dt.datetime.fromisoformat(text)
    except ValueError:
        raise click.BadParameter(
            f"{text!r} is not an ISO time; write e.g. 2026-12-07T06:50:00+01:00.", param_hint="--deadline"
        ) from None
    return when if when.tzinfo else when.astimezone()


class DeadlineGuard:
    """The deadline of one ``run`` or ``ask``: a timeout for the search and a timer that stops it."""

    def __init__(
        self,
        text: str,
        storage: str | None,
        study: str,
        *,
        prefix: bool = False,
        clock: Callable[[], dt.datetime] | None = None,
    ) -> None:
        self.deadline = parse_deadline(text)
        self._observed = (storage, study, prefix)
        self._clock = clock or (lambda: dt.datetime.now(dt.UTC))
        self.expected = self._expected()
        self._timer: threading.Timer | None = None

    def _expected(self) -> float | None:
        from archsearch.sweep import expected_trial_seconds, observed_trial_seconds

        storage, study, prefix = self._observed
        return expected_trial_seconds(observed_trial_seconds(storage, study, prefix=prefix))

    def left(self) -> float:
        return (self.deadline - self._clock()).total_seconds()

    def before_trial(self) -> None:
        """Before a trial starts (:func:`archsearch.study.before_each_trial`): stop the search between two trials
        with reason "deadline" when the durations observed so far say the next one would not end in time."""
        self.expected = self._expected() or self.expected
        if self.left() <= (self.expected or 0.0):
            from archsearch.study import request_stop

            request_stop("deadline", exit_code=DEADLINE_EXIT)

    def timeout(self, given: float | None) -> float:
        """Seconds after which the search starts no new trial: the deadline minus one expected trial."""
        fits = self.left() - (self.expected or 0.0)
        return fits if given is None else min(given, fits)

    def nothing_fits(self) -> str | None:
        """Why no trial can start at all (said on stderr), or None."""
        if self.timeout(None) > 0:
            return None
        took = f"; a trial takes about {self.expected:.0f}s" if self.expected else ""
        return f"deadline {self.deadline:%H:%M:%S}: no trial fits before it{took}. Nothing run."

    def __enter__(self) -> Self:
        self._timer = threading.Timer(max(self.left(), 0.0), _stop_for_deadline)
        self._timer.daemon = True
        self._timer.start()
        return self

    def __exit__(self, *exc: object) -> None:
        if self._timer is not None:
            self._timer.cancel()


def _stop_for_deadline() -> None:
    """End the running trial FAILED with reason "deadline" (its MLflow runs KILLED); the command exits 124."""
    from archsearch.study import request_stop

    request_stop("deadline", exit_code=DEADLINE_EXIT)


def go_on_words(command: str | None, env: Mapping[str, str] = os.environ) -> str:
    """How to go on after a stop: with ``command`` (None: the same command again), or in a sweep's step, the sweep.

    A sweep names itself to its steps in ``$ARCHSEARCH_SWEEP``; rerun, it goes on with the stopped step
    where it stands, and keeps the night's deadline and record.

    Example:
        >>> go_on_words("archsearch run s.py", {})
        'Resume with: archsearch run s.py'
        >>> go_on_words(None, {})
        'Run the same command to go on.'
        >>> go_on_words("archsearch run s.py", {"ARCHSEARCH_SWEEP": "archsearch sweep n.toml"})
        'Run the sweep again to go on (archsearch sweep n.toml); this step alone: archsearch run s.py'
    """
    from archsearch.cli._env import SWEEP_ENV

    sweep = env.get(SWEEP_ENV)
    if sweep:
        return f"Run the sweep again to go on ({sweep})" + (f"; this step alone: {command}" if command else ".")
    return f"Resume with: {command}" if command else "Run the same command to go on."


def write_sweep_result(path: str | None, **fields: Any) -> None:
    if not path:
        return
    target = Path(path)
    tmp = target.with_name(f".{target.name}.tmp")
    tmp.write_text(json.dumps(fields, default=str) + "\n")
    os.replace(tmp, target)
