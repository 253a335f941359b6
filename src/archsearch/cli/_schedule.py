"""``archsearch schedule install|list|remove``: the night as a systemd user timer (or a crontab line)."""

from __future__ import annotations

import os
from pathlib import Path

import click


def _config() -> Path:
    return Path(os.environ.get("XDG_CONFIG_HOME") or Path(os.environ.get("HOME") or Path.home()) / ".config")


@click.group()
def schedule() -> None:
    """Run a sweep plan every night: install, list or remove its schedule.

    \b
    Examples:
      archsearch schedule install search/nightly.toml --at 01:00 --until 07:00
      archsearch schedule install search/nightly.toml --at 01:00 --print
      archsearch schedule list
      archsearch schedule remove search/nightly.toml
    """


@schedule.command()
@click.argument("plan", type=click.Path(dir_okay=False, path_type=str))
@click.option("--at", "at", required=True, metavar="HH:MM", help="Start every night at this local time.")
@click.option("--until", metavar="HH:MM", help="End the night at this local time (archsearch sweep --until).")
@click.option("--print", "dry", is_flag=True, help="Only show what would be written; install nothing.")
def install(plan: str, at: str, until: str | None, dry: bool) -> None:
    """Install PLAN's night: a systemd user timer + service, or a crontab line where systemd is absent.

    The service runs this environment's own archsearch by absolute path in the
    current folder (the project), with ARCHSEARCH_*, TZ and PATH from now in an
    environment file readable by you only (0600). Persistent=true: a night
    missed while the machine was off runs at the next start. Run it from the
    project folder; the plan is checked first (`archsearch sweep PLAN --dry-run`).
    """
    from archsearch.cli._sweep_plan import load_plan
    from archsearch.sweep import check_night, install_schedule, make_schedule

    check_night(load_plan(plan), [])  # a plan that would fail at night fails now
    s = make_schedule(plan, at, until, os.environ)
    install_schedule(s, os.environ, dry=dry, say=lambda line: click.echo(line, err=line.startswith("warning:")))


@schedule.command(name="list")
def list_() -> None:
    """The nights installed (systemd timers and crontab lines)."""
    from archsearch.sweep import list_schedules

    lines = list_schedules(os.environ, _config())
    for line in lines or ["no sweep is scheduled; archsearch schedule install PLAN --at 01:00"]:
        click.echo(line)


@schedule.command()
@click.argument("plan", type=click.Path(dir_okay=False, path_type=str))
def remove(plan: str) -> None:
    """Remove PLAN's night (its timer and service, or its crontab line)."""
    from archsearch.sweep import remove_schedule

    if not remove_schedule(plan, os.environ, _config(), say=click.echo):
        click.echo(f"no schedule of {plan} was installed", err=True)
