"""One night of a plan: the steps in order, within the deadline, resumable, stoppable at any moment.

:func:`run_night` is the loop; everything it touches outside (the clock, how a
step's command line is made, what is read from the studies after a step, what
happens after every step) is passed in, so tests drive it with fake steps and
an injected clock.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import os
import signal
import socket
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, Self

from archsearch.sweep._deadline import (
    GRACE_S,
    REPORT_RESERVE_S,
    Clock,
    expected_trial_seconds,
    step_budget,
)
from archsearch.sweep._plan import Plan, Step
from archsearch.sweep._state import (
    DONE,
    FAILED,
    PENDING,
    RUNNING,
    SKIPPED,
    STOPPED,
    NightState,
    StepState,
    load_night,
    now_text,
)
from archsearch.sweep._steps import StepProcess, describe_exit, stop_group

__all__ = ["DEADLINE", "STOP_MARGIN_S", "NightOptions", "exit_code", "run_night"]

DEADLINE = "deadline"
DEADLINE_EXIT = 124  # what run/ask exit with when their --deadline stopped them (cli/_deadline.py)
STOP_MARGIN_S = 5.0  # the sweep stops a step this long after the step's own --deadline (it should stop itself)
_SIGNALS = (signal.SIGTERM, signal.SIGINT, signal.SIGHUP)


@dataclasses.dataclass
class NightOptions:
    """How to run the night. ``argv(step, step_deadline)`` makes a step's command line; ``collect(state,
    step, started)`` fills in what the step did (study, trials, failures) after it ends; ``after_step(state)``
    runs after every step (the summary)."""

    folder: Path
    night: str
    clock: Clock
    argv: Callable[[Step, dt.datetime | None], Sequence[str]]
    deadline: dt.datetime | None = None
    reserve: float = REPORT_RESERVE_S
    grace: float = GRACE_S
    stop_on_failure: bool = False
    reporter: bool = True
    collect: Callable[[StepState, Step, dt.datetime], None] | None = None
    after_step: Callable[[NightState], None] | None = None
    previous: NightState | None = None
    env: dict[str, str] | None = None
    say: Callable[[str], None] = print
    poll: float = 0.2
    seen_every: float = 10.0  # how often the state records that a running step still runs (a SIGKILL keeps that)


class _Stop:
    """The signals that stop the sweep: remembered, and passed on to the running step's group."""

    def __init__(self) -> None:
        self.signum: int | None = None
        self.step: StepProcess | None = None
        self._old: dict[int, Any] = {}

    def __enter__(self) -> Self:
        for s in _SIGNALS:
            self._old[s] = signal.signal(s, self._handle)
        return self

    def __exit__(self, *exc: object) -> None:
        for s, old in self._old.items():
            signal.signal(s, old)

    def _handle(self, signum: int, frame: Any) -> None:
        self.signum = self.signum or signum
        if self.step is not None:
            self.step.signal_group(signal.SIGTERM)  # Ctrl-C reached only us: the step is in its own session


def new_state(plan: Plan, options: NightOptions) -> NightState:
    """The night's state: the saved one when this night already ran (resume), else a fresh one."""
    now = options.clock()
    state = load_night(options.folder)
    if state is None:
        state = NightState(
            plan=str(plan.path),
            night=options.night,
            started=now_text(now),
            steps=[StepState(s.number, s.command, s.describe()) for s in plan.steps],
        )
    else:
        state.runs += 1
        state.ended = state.why = None
        for st in state.steps:
            if st.status == RUNNING:  # the sweep before was killed while this step ran
                _killed(st, options.seen_every)
        # A step is the command it runs: one edited in the plan since (or a new one in its place) starts afresh.
        before = {st.number: st for st in state.steps}
        state.steps = [
            old if (old := before.get(s.number)) is not None and old.describe == s.describe() else _fresh(s, old)
            for s in plan.steps
        ]
    state.host, state.pid, state.reporter = socket.gethostname(), os.getpid(), options.reporter
    state.deadline = now_text(options.deadline) if options.deadline else None
    return state


def _killed(st: StepState, every: float) -> None:
    """A step that ran when its sweep was killed: stopped, its time counted up to the sweep's last check."""
    st.status, st.reason = STOPPED, "the sweep was killed while it ran; run again"
    if st.attempt and st.seen:
        ran = (dt.datetime.fromisoformat(st.seen) - dt.datetime.fromisoformat(st.attempt)).total_seconds()
        st.seconds += max(ran, 0.0)
        st.ended = st.seen
        st.reason = (
            f"the sweep was killed while it ran, {ran:.0f}s into it (counted to its last check, at most "
            f"{every:g}s before); run again"
        )
    st.attempt = st.seen = None


def _frozen(step: Step, argv: Sequence[str]) -> str:
    """What ``--base best`` stands for in the command that runs: the file of the base frozen the first night."""
    if step.option("base") != "best" or "--base" not in argv[:-1]:
        return ""
    real = argv[list(argv).index("--base") + 1]
    added = f" and --add-base {argv[list(argv).index('--add-base') + 1]}" if "--add-base" in argv[:-1] else ""
    return "" if real == "best" else f"; --base best runs as --base {real}{added}"


def _fresh(step: Step, was: StepState | None) -> StepState:
    st = StepState(step.number, step.command, step.describe())
    if was is not None:
        st.reason = f"the plan changed since the sweep before tonight (it ran: {was.describe})"
    return st


def run_night(plan: Plan, options: NightOptions) -> NightState:
    """Run the plan's steps not yet done tonight; returns the night's final state (also saved).

    Before each run/ask step: no time left before ``deadline - reserve``, or the
    step's last observed trial would not fit, and it is skipped. A step gets its
    share of the time left (``--deadline`` on its command line) and is stopped
    (SIGTERM to its group, SIGKILL after ``grace``) shortly after, never after the
    night's deadline. SIGTERM, SIGINT or SIGHUP to the sweep stop the running step
    the same way, save the state and end the night (``why = "signal"``).
    """
    state = new_state(plan, options)
    _after(state, options)  # a summary from the start: a sweep killed in its first step still leaves one
    order = plan.ordered()
    ran = False  # a step ran in this sweep: the reports done earlier tonight no longer show the studies
    with _Stop() as stop:
        for i, step in enumerate(order):
            st = state.step(step.number)
            if st.status == DONE and not (ran and step.command == "report"):
                options.say(f"== step {step.number}: done earlier tonight, skipped")
                continue
            if st.status == DONE:
                options.say(f"== step {step.number}: done earlier tonight; written again, an earlier step ran since")
            elif st.reason and st.reason.startswith("the plan changed"):
                options.say(f"== step {step.number}: {st.reason}; run again")
            ran = ran or step.command != "report"
            st.reason = None
            shares_left = sum(s.share for s in order[i:] if state.step(s.number).status != DONE)
            step_deadline, stop_at, why_not = _times(step, st, options, shares_left)
            if why_not:
                st.status, st.reason = SKIPPED, why_not
                options.say(f"== step {step.number}: skipped ({why_not})")
                _after(state, options)
                continue
            _run_step(step, st, state, options, stop, step_deadline, stop_at)
            if stop.signum is not None:
                state.why = "signal"
                break
            if st.status == FAILED and options.stop_on_failure:
                state.why = "error"
                break
    _end(state, options, stop.signum)
    return state


def _times(
    step: Step, st: StepState, options: NightOptions, shares_left: float
) -> tuple[dt.datetime | None, dt.datetime | None, str | None]:
    """(the step's own deadline, when the sweep stops it, why it cannot start)."""
    if step.command == "report" and not options.reporter:
        return None, None, "another machine holds the reporter lock and writes the reports"
    if options.deadline is None:
        return None, None, None
    now = options.clock()
    if step.command == "report":  # reports may use the reserve, up to the deadline itself
        return None, options.deadline, None if now < options.deadline else "the night's deadline has passed"
    end = options.deadline - dt.timedelta(seconds=options.reserve)
    left = (end - now).total_seconds()
    if left <= 0:
        return None, None, f"{DEADLINE}: no time left before {end:%H:%M} (the reports' reserve)"
    budget = step_budget(left, step.share, shares_left)
    expected = expected_trial_seconds(st.trial_seconds or _previous_seconds(options.previous, step.number))
    if expected is not None and expected > budget:
        return (
            None,
            None,
            (f"{DEADLINE}: a trial takes about {expected:.0f}s, its share of the time left is {budget:.0f}s"),
        )
    step_deadline = now + dt.timedelta(seconds=budget)
    stop_at = min(step_deadline + dt.timedelta(seconds=STOP_MARGIN_S), options.deadline)
    return step_deadline, stop_at, None


def _previous_seconds(previous: NightState | None, number: int) -> list[float]:
    if previous is None:
        return []
    return next((s.trial_seconds for s in previous.steps if s.number == number), [])


def _run_step(
    step: Step,
    st: StepState,
    state: NightState,
    options: NightOptions,
    stop: _Stop,
    step_deadline: dt.datetime | None,
    stop_at: dt.datetime | None,
) -> None:
    started = options.clock()
    # A step stopped earlier tonight and run again: tonight's trials, failures and time count from its first start.
    st.started = st.started or now_text(started)
    st.status, st.ended, st.exit_code = RUNNING, None, None
    st.attempt = st.seen = now_text(started)
    state.save(options.folder)
    n = len(state.steps)
    argv = options.argv(step, step_deadline)
    options.say(
        f"== step {step.number}/{n}: {step.describe()}"
        + (f" (until {step_deadline:%H:%M:%S})" if step_deadline else "")
        + _frozen(step, argv)
    )
    proc = StepProcess.start(argv, env=options.env)
    stop.step = proc
    stopped_by: str | None = None
    seen = started
    while True:
        code = proc.wait(timeout=options.poll)
        if code is None and (options.clock() - seen).total_seconds() >= options.seen_every:
            seen = options.clock()  # what a SIGKILL of the sweep leaves: the step ran at least until now
            st.seen = now_text(seen)
            state.save(options.folder)
        if code is not None:
            if stop.signum is not None:  # the handler already passed the signal on: the step stopped for it
                stopped_by = f"signal {signal.Signals(stop.signum).name}"
                proc.signal_group(signal.SIGKILL)  # whatever it left in its group
            break
        if stop.signum is not None:
            stopped_by = f"signal {signal.Signals(stop.signum).name}"
            code = stop_group(proc, options.grace)
            break
        if stop_at is not None and options.clock() >= stop_at:
            stopped_by = DEADLINE
            code = stop_group(proc, options.grace)
            break
    stop.step = None
    ended = options.clock()
    attempt = (ended - started).total_seconds()
    st.ended, st.seconds, st.exit_code = now_text(ended), st.seconds + attempt, code
    st.attempt = st.seen = None
    if options.collect is not None:
        try:
            options.collect(st, step, dt.datetime.fromisoformat(st.started))
        except Exception as err:  # noqa: BLE001 - what the step did stays unknown; the night goes on
            options.say(f"warning: could not read step {step.number}'s study ({type(err).__name__}: {err})")
    if stopped_by:
        st.status, st.reason = STOPPED, stopped_by
    elif code == 0:
        short = st.target is not None and st.trials_after is not None and st.trials_after < st.target
        late = step_deadline is not None and ended >= step_deadline - dt.timedelta(seconds=options.grace)
        st.status, st.reason = (STOPPED, DEADLINE) if short and late else (DONE, None)
    elif code == DEADLINE_EXIT:
        st.status, st.reason = STOPPED, DEADLINE  # the step stopped itself at its --deadline
    else:
        st.status, st.reason = FAILED, proc.last_error or describe_exit(code)
    options.say(
        f"== step {step.number}: {st.status}" + (f" ({st.reason})" if st.reason else "") + f" after {attempt:.0f}s"
    )
    _after(state, options)


def _after(state: NightState, options: NightOptions) -> None:
    state.save(options.folder)
    if options.after_step is not None:
        try:
            options.after_step(state)
        except Exception as err:  # noqa: BLE001 - a summary that cannot be written never stops the night
            options.say(f"warning: the summary could not be written ({type(err).__name__}: {err})")


def _end(state: NightState, options: NightOptions, signum: int | None) -> None:
    if state.why is None:
        deadline_hit = any(s.reason and s.reason.startswith(DEADLINE) for s in state.steps)
        state.why = DEADLINE if deadline_hit else "done"
    for st in state.steps:
        if st.status == PENDING:
            st.status, st.reason = SKIPPED, f"the night ended ({state.why})"
    state.signal = signal.Signals(signum).name if signum is not None else None
    state.ended = now_text(options.clock())
    _after(state, options)


def exit_code(state: NightState) -> int:
    """128+N after signal N; 1 when a step failed; else 0 (a deadline that stopped steps is not a failure)."""
    if state.signal is not None:
        return 128 + int(signal.Signals[state.signal])
    return 1 if any(s.status == FAILED for s in state.steps) else 0
