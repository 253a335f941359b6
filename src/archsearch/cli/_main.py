"""The click group: lazy subcommands, one-line errors, ``--debug`` tracebacks."""

from __future__ import annotations

import importlib
import os
import sys
from typing import Any

import click

from archsearch._version import __version__

# command name -> "module:attribute", imported only when the command runs.
COMMANDS: dict[str, str] = {
    "run": "archsearch.cli._run:run",
    "ui": "archsearch.cli._ui:ui",
}


class LazyGroup(click.Group):
    """A group whose subcommands are imported on first use (hatch/flask style)."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(COMMANDS)

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        target = COMMANDS.get(name)
        if target is None:
            return None
        module, attr = target.split(":")
        return getattr(importlib.import_module(module), attr)


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(__version__, prog_name="archsearch")
@click.option("--debug", is_flag=True, envvar="ARCHSEARCH_DEBUG", show_envvar=True,
              help="Show full tracebacks instead of one-line errors.")
@click.pass_context
def cli(ctx: click.Context, debug: bool) -> None:
    """Hyperparameter and architecture search for Keras models.

    Declare a space file (dataset, settings, questions, a keras-tuner style
    build(hp) function), run it, and get effects with confidence intervals.

    \b
    Quick start:
      archsearch run spaces/digits_quick.py
      archsearch ui
    """
    ctx.obj = {"debug": debug}


def main(argv: list[str] | None = None) -> Any:
    """Entry point: user errors print one line and exit 2; ``--debug`` shows tracebacks."""
    from archsearch.errors import ArchsearchError

    args = sys.argv[1:] if argv is None else argv
    debug = "--debug" in args or os.environ.get("ARCHSEARCH_DEBUG", "").lower() in ("1", "true", "yes")
    try:
        return cli.main(args=args, prog_name="archsearch", standalone_mode=False)
    except click.exceptions.Abort:
        click.echo("Aborted.", err=True)
        sys.exit(130)
    except click.ClickException as err:
        err.show()
        sys.exit(err.exit_code)
    except ArchsearchError as err:
        if debug:
            raise
        click.echo(f"error: {err}", err=True)
        sys.exit(getattr(err, "exit_code", 1))
