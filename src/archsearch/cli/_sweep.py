"""``archsearch sweep PLAN``: run a sweep plan (search/*.toml) for a night, e.g. from ``archsearch schedule``."""

from __future__ import annotations

import datetime as dt
import os
import shlex
import sys
from pathlib import Path
from typing import Any

import click

from archsearch.cli._env import STORAGE_ENV, SWEEP_ENV, TRACKING_URI_ENV
from archsearch.cli._options import number_option

SWEEPS = Path("mlruns") / "sweeps"  # the nights' folders: mlruns/sweeps/<plan>/<YYYY-MM-DD>/


@click.command()
@click.argument("plan", type=click.Path(dir_okay=False, path_type=str))
@click.option(
    "--until",
    "until",
    metavar="HH:MM",
    help="End the night at this local time (the next one; TZ "
    "applies), e.g. 07:00. Default: the plan's `until`, else no deadline.",
)
@click.option(
    "--for",
    "for_",
    metavar="DURATION",
    help="End the night after this long, e.g. 6h or 90m (default: the plan's `for`).",
)
@click.option(
    "--dry-run",
    is_flag=True,
    help="Check everything the night needs, print the commands and how the night's time is split; run nothing.",
)
@click.option("--stop-on-failure", is_flag=True, help="Stop at the first failing step (default: go on).")
@click.option(
    "--smoke",
    is_flag=True,
    help="Apply the plan's [smoke] options to every step (e.g. epochs = 1): a quick check that the whole plan runs.",
)
@click.option(
    "--night",
    metavar="YYYY-MM-DD",
    help="The night's date (default: today's). The same night again "
    "resumes it; another night starts fresh and continues every study.",
)
@number_option(
    "--machine",
    kind=click.IntRange(min=0),
    default=0,
    metavar="I",
    help="This machine's index when several run the plan on one PostgreSQL storage: its run steps' "
    "samplers are seeded apart from the other machines' (archsearch.seeds.machine_worker).",
)
def sweep(
    plan: str,
    until: str | None,
    for_: str | None,
    dry_run: bool,
    stop_on_failure: bool,
    smoke: bool,
    night: str | None,
    machine: int,
) -> None:
    """Run the steps of PLAN, a TOML sweep plan, one after the other, within the night.

    Each step is an `archsearch run`, `ask` or `report` command with its
    options; [defaults] gives options to every step whose command has them,
    and with --smoke the plan's [smoke] options override every step's. The
    whole plan is checked first (a bad option or a missing space file stops
    it, exit 2, before anything runs).

    With a deadline (--until/--for, or until/for in the plan) no trial starts
    that the observed trial durations say will not end before it, minus a
    reserve for the reports (plan key reserve, default 10m); a step that runs
    at its time is stopped (SIGTERM to its process group, SIGKILL 20 s later)
    and its trial ends FAILED with reason "deadline". Steps share the night
    by their `share` (default 1; reports 0) in `priority` order.

    One sweep per plan and machine (a second one exits 75 naming the first).
    The night's state and morning summary (summary.md, summary.json, also an
    MLflow artifact) are in mlruns/sweeps/PLAN/NIGHT/, rewritten after every
    step; its path is the last line printed. Re-running the same night skips
    finished steps. ARCHSEARCH_NOTIFY (or notify = [...] in the plan) takes
    Apprise URLs for a message at the end.
    Exit code: 0 when no step failed, 1 otherwise, 75 when another sweep of
    the plan runs, 128+N after signal N (SIGTERM, SIGINT, SIGHUP).

    \b
    Plan (search/nightly.toml):
      until = "07:00"
      [defaults]
      seed = 0
      [[step]]
      run = "spaces/digits_quick.py"
      trials = 20
      share = 2
      [[step]]
      ask = "spaces/digits_quick.py"
      factor = "layers"

    \b
    Every night at 01:00:
      archsearch schedule install search/nightly.toml --at 01:00 --until 07:00
    """
    from archsearch.cli._sweep_plan import load_plan
    from archsearch.errors import UsageError
    from archsearch.sweep import (
        check_night,
        check_notify,
        dry_run_lines,
        local_zone,
        night_deadline,
        parse_duration,
        sweep_night,
    )

    loaded = load_plan(plan, smoke=smoke)
    zone = local_zone(os.environ.get("TZ"))
    now = dt.datetime.now(zone)
    deadline = night_deadline(
        now, until=until or (None if for_ else loaded.until), for_=for_ or (None if until else loaded.for_), zone=zone
    )
    reserve = parse_duration(loaded.reserve, "reserve") if loaded.reserve else None
    urls = _notify_urls(loaded)
    check_night(loaded, [], night)
    try:
        check_notify(loaded, urls)
    except UsageError as err:
        if dry_run:
            raise
        click.echo(f"warning: {err} The night runs without notifying.", err=True)
        urls = []
    if dry_run:
        for line in dry_run_lines(loaded, now, deadline, reserve):
            click.echo(line)
        return
    code = sweep_night(
        loaded,
        zone=zone,
        deadline=deadline,
        reserve=reserve,
        night=night or f"{now:%Y-%m-%d}",
        stop_on_failure=stop_on_failure,
        machine=machine,
        urls=urls,
        root=SWEEPS,
        python=[sys.executable, "-m", "archsearch"],
        storage=os.environ.get(STORAGE_ENV),  # the steps' stores, as their command lines read them
        tracking_uri=os.environ.get(TRACKING_URI_ENV),
        env={**os.environ, SWEEP_ENV: _again(plan, until, for_, stop_on_failure, smoke, night, machine)},
    )
    if code:
        raise SystemExit(code)


def _again(
    plan: str, until: str | None, for_: str | None, stop_on_failure: bool, smoke: bool, night: str | None, machine: int
) -> str:
    """This sweep's command, for a stopped step's resume line.

    Example:
        >>> _again("search/n.toml", "07:00", None, False, False, None, 1)
        'archsearch sweep search/n.toml --until 07:00 --machine 1'
    """
    args = ["archsearch", "sweep", plan]
    args += [*(["--until", until] if until else []), *(["--for", for_] if for_ else [])]
    args += [*(["--night", night] if night else []), *(["--machine", str(machine)] if machine else [])]
    args += [*(["--stop-on-failure"] if stop_on_failure else []), *(["--smoke"] if smoke else [])]
    return shlex.join(args)


def _notify_urls(plan: Any) -> list[str]:
    """ARCHSEARCH_NOTIFY (URLs separated by spaces or commas) and the plan's ``notify``."""
    env = os.environ.get("ARCHSEARCH_NOTIFY", "")
    return [u for u in env.replace(",", " ").split() if u] + list(plan.notify)
