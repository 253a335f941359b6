"""A whole night as ``archsearch sweep`` runs it: lock, reporter, steps, summary after each, MLflow, notify."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from pathlib import Path

import click

from archsearch.sweep._base import base_note, freeze_best_base
from archsearch.sweep._collect import collect_step, result_path
from archsearch.sweep._deadline import REPORT_RESERVE_S, kept_reserve
from archsearch.sweep._lock import SweepLock
from archsearch.sweep._night import NightOptions, exit_code, run_night
from archsearch.sweep._notify import notify
from archsearch.sweep._plan import Plan, Step
from archsearch.sweep._reporter import ReporterLock
from archsearch.sweep._state import NightState, night_folder, previous_night
from archsearch.sweep._summary import summary_data, write_summary

__all__ = ["step_argv", "sweep_night"]


def step_argv(
    step: Step,
    step_deadline: dt.datetime | None,
    *,
    python: Sequence[str],
    folder: Path,
    machine: int = 0,
    storage: str | None = None,
) -> list[str]:  # folder: the night's; its parent holds the plan's frozen bases
    """The step's command line: its own, plus ``--deadline``/``--sweep-result`` (run, ask) and, on machine
    ``machine`` > 0, a run step's sampler process index (:func:`archsearch.seeds.machine_worker`).
    ``storage``: the steps' storage when the step names none (where ``--base best`` is looked up)."""
    from archsearch.seeds import machine_worker

    args = freeze_best_base(step.argv(), step, folder.parent, folder.name, storage)
    if step.command == "run" and machine:
        args += ["--worker-index", str(machine_worker(machine))]
    if step.command in ("run", "ask"):
        args += ["--sweep-result", str(result_path(folder, step))]
        if step_deadline is not None:
            args += ["--deadline", step_deadline.isoformat(timespec="seconds")]
    return [*python, *args]


def sweep_night(
    plan: Plan,
    *,
    zone: dt.tzinfo,
    deadline: dt.datetime | None,
    reserve: float | None,
    night: str,
    stop_on_failure: bool,
    machine: int,
    urls: Sequence[str],
    root: Path,
    python: Sequence[str],
    storage: str | None = None,
    tracking_uri: str | None = None,
    env: dict[str, str] | None = None,
) -> int:
    """Run tonight's part of ``plan``; prints progress on stderr and the summary's path last; the exit code.

    ``storage`` and ``tracking_uri``: the steps' stores when a step names none (the command line passes
    ``$ARCHSEARCH_STORAGE`` and ``$ARCHSEARCH_TRACKING_URI``, which the steps' own command lines read too).
    ``env``: the steps' environment (None: this process's).
    """
    from archsearch.stores import resolve_storage, resolve_tracking_uri

    say = _say
    folder = night_folder(root, plan.name, night)
    first = plan.steps[0]
    steps_storage = storage
    storage = resolve_storage(first.option("storage") or steps_storage)
    tracking_uri = resolve_tracking_uri(first.option("tracking-uri") or tracking_uri)
    with SweepLock(root / plan.name, plan.name) as lock, ReporterLock(storage, plan.name) as reporter:
        if lock.took_over:
            say(
                f"took over the lock of a sweep that is gone (pid {lock.took_over.get('pid')}, since "
                f"{lock.took_over.get('started')})"
            )
        if not reporter.reporter:
            say(
                "another machine holds this plan's reporter lock: it writes the reports and the summary; "
                "this one runs the steps only"
            )
        previous = previous_night(root, plan.name, night)

        def after_step(state: NightState) -> None:
            state.notes = [n for s in plan.steps if (n := base_note(s, root / plan.name, steps_storage))]
            if reporter.reporter:
                write_summary(folder, state, previous)

        wanted = REPORT_RESERVE_S if reserve is None else reserve
        options = NightOptions(
            folder=folder,
            night=night,
            clock=lambda: dt.datetime.now(zone),
            argv=lambda step, until: step_argv(
                step, until, python=python, folder=folder, machine=machine, storage=steps_storage
            ),
            deadline=deadline,
            # what the dry run says: at most a quarter of the night (a 30 s night keeps 7.5 s, not 10 minutes)
            reserve=(
                kept_reserve((deadline - dt.datetime.now(zone)).total_seconds(), wanted)
                if deadline is not None
                else wanted
            ),
            stop_on_failure=stop_on_failure,
            reporter=reporter.reporter,
            collect=lambda st, step, started: (
                collect_step(folder, st, step, started) if step.command != "report" else None
            ),
            after_step=after_step,
            previous=previous,
            say=say,
            env=env,
        )
        state = run_night(plan, options)
        if reporter.reporter:
            _record(tracking_uri, state, folder)
            data = summary_data(state, previous)
            if urls:
                notify(urls, data["headline"][0], data["headline"], warn=say)
            click.echo(str(folder / "summary.md"))
        else:
            click.echo(f"{folder / 'state.json'} (the summary is the reporter machine's)")
    return exit_code(state)


def _record(tracking_uri: str, state: NightState, folder: Path) -> None:
    from archsearch.sweep._record import log_night

    try:
        log_night(tracking_uri, state, folder)
    except Exception as err:  # noqa: BLE001 - the summary is on disk; MLflow is a copy
        _say(f"warning: the summary was not logged to MLflow ({type(err).__name__}: {err})")


def _say(line: str) -> None:
    click.echo(line, err=True)
