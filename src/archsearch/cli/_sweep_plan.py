"""Sweep plans checked against this command line's own commands (see :func:`archsearch.sweep.load_plan`)."""

from __future__ import annotations

from pathlib import Path

from archsearch.sweep import COMMANDS, Plan, Step
from archsearch.sweep import load_plan as _load

__all__ = ["COMMANDS", "Plan", "Step", "load_plan"]


def load_plan(path: str | Path, *, smoke: bool = False) -> Plan:
    """Read and check a plan against ``archsearch run``, ``ask`` and ``report``'s options."""
    import click

    from archsearch.cli._main import cli

    context = click.Context(cli)
    return _load(path, {name: cli.get_command(context, name) for name in COMMANDS}, smoke=smoke)
