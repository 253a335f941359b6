"""The click group: lazy subcommands, one-line errors, ``--debug`` tracebacks."""

from __future__ import annotations

import contextlib
import importlib
import logging
import os
import sys
from typing import Any

import click

from archsearch._version import __version__

# command name -> "module:attribute", imported only when the command runs.
COMMAND_MODULES: dict[str, str] = {
    "datasets": "archsearch.cli._datasets:datasets",
    "run": "archsearch.cli._run:run",
    "show": "archsearch.cli._show:show",
    "sweep": "archsearch.cli._sweep:sweep",
    "schedule": "archsearch.cli._schedule:schedule",
    "ask": "archsearch.cli._ask:ask",
    "report": "archsearch.cli._report:report",
    "ui": "archsearch.cli._ui:ui",
}


class _StderrHandler(logging.Handler):
    """``warning: ...`` on the current sys.stderr (looked up per message, so captured streams work)."""

    def emit(self, record: logging.LogRecord) -> None:
        sys.stderr.write(f"{record.levelname.lower()}: {record.getMessage()}\n")


def show_warnings() -> None:
    """archsearch's logged warnings (skipped image files) as one plain ``warning: ...`` line on stderr each.

    Not in whatever format another library (absl under TensorFlow) gave the root logger. Called by the
    CLI, never on import: a Python user's logging setup stays theirs.
    """
    logger = logging.getLogger("archsearch")
    if not any(isinstance(h, _StderrHandler) for h in logger.handlers):
        logger.addHandler(_StderrHandler(logging.WARNING))
        logger.propagate = False


class UserError(click.ClickException):
    """An ArchsearchError shown as one line, ``error: ...``, with its exit code (2 for bad input)."""

    def __init__(self, message: str, exit_code: int) -> None:
        super().__init__(message)
        self.exit_code = exit_code  # type: ignore[misc]  # click's ClassVar; ours differs per error (2: bad input)

    def show(self, file: Any = None) -> None:
        click.echo(f"error: {self.format_message()}", err=True)


def _unexpected(err: BaseException) -> str:
    """One line for an error archsearch did not expect; its traceback goes to the log file, where it says."""
    import traceback

    from archsearch.stores import log_file

    first = (str(err).strip().splitlines() or [""])[0][:300]
    again = "rerun as `archsearch --debug COMMAND ...`"  # --debug is the group's option: before the command
    where = f"{again} to see it"
    try:
        path = log_file()
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("a", encoding="utf-8") as log:
            log.write("".join(traceback.format_exception(err)))
        where = f"its traceback is in {path}, or {again}"
    except OSError:
        pass
    return f"unexpected {type(err).__name__}: {first} ({where}; please report it if it is not your setup)."


def _usage_line(err: click.UsageError) -> str:
    """Click's usage error as one line that says where the fix is.

    Example:
        >>> ctx = click.Context(click.Command("run"), info_name="archsearch run")
        >>> _usage_line(click.BadParameter("0 is not in the range x>=1.", ctx, param_hint="'--fuse-max'"))
        "Invalid value for '--fuse-max': 0 is not in the range x>=1 (see `archsearch run --help`)."
    """
    message = err.format_message().rstrip(".")
    if isinstance(err, click.NoSuchOption) and err.option_name in ("--debug", "--verbose"):  # the group's options
        flag = err.option_name
        return f"{flag} goes before the command: archsearch {flag} {err.ctx.info_name if err.ctx else 'COMMAND'} ..."
    return f"{message} (see `{err.ctx.command_path} --help`)." if err.ctx is not None else f"{message}."


class LazyGroup(click.Group):
    """A group whose subcommands are imported on first use (hatch/flask style)."""

    def invoke(self, ctx: click.Context) -> Any:
        from archsearch.errors import ArchsearchError

        try:
            return super().invoke(ctx)
        except ArchsearchError as err:
            if (ctx.obj or {}).get("debug"):
                raise
            raise UserError(str(err), getattr(err, "exit_code", 1)) from err
        except click.UsageError as err:  # a subcommand's flags or arguments: one line too, not click's usage block
            raise UserError(_usage_line(err), 2) from err
        except (click.exceptions.ClickException, click.exceptions.Exit, click.exceptions.Abort):
            raise
        except BrokenPipeError:  # the reader went away (`archsearch sweep --dry-run | head -1`): stop quietly
            with contextlib.suppress(OSError, ValueError):  # a stream without a file descriptor (tests)
                os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())  # nothing more to flush at exit
            raise SystemExit(1) from None
        except Exception as err:  # not one of ours: a bug, or a library's error we do not know yet
            if (ctx.obj or {}).get("debug"):
                raise
            raise UserError(_unexpected(err), 1) from err

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(COMMAND_MODULES)

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        target = COMMAND_MODULES.get(name)
        if target is None:
            return None
        module, attr = target.split(":")
        return getattr(importlib.import_module(module), attr)


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(__version__, prog_name="archsearch")
@click.option(
    "--debug",
    is_flag=True,
    envvar="ARCHSEARCH_DEBUG",
    show_envvar=True,
    help="Show full tracebacks instead of one-line errors, and TensorFlow's start-up log lines (implies --verbose).",
)
@click.option(
    "--verbose",
    is_flag=True,
    envvar="ARCHSEARCH_VERBOSE",
    show_envvar=True,
    help="Show the libraries' own log lines (MLflow, alembic, TensorFlow, Optuna) on stderr. Without "
    "it they go only to the log file: $ARCHSEARCH_LOG_FILE, else archsearch.log in the cache "
    "folder (~/.cache/archsearch).",
)
@click.pass_context
def cli(ctx: click.Context, debug: bool, verbose: bool) -> None:
    """Hyperparameter and architecture search for Keras models.

    Declare a space file (dataset, settings, questions, a keras-tuner style
    build(hp) function), run it, and get effects with confidence intervals.

    \b
    Quick start:
      archsearch run spaces/digits_quick.py
      archsearch ui
    """
    from archsearch.cli._env import set_up_process

    set_up_process(debug, verbose)  # the folders, TensorFlow's log level and the libraries' logs, from the environment
    show_warnings()
    ctx.obj = {"debug": debug}


def main(argv: list[str] | None = None) -> Any:
    """Console entry point: user errors print one line and exit 2; ``--debug`` shows tracebacks."""
    return cli.main(args=argv, prog_name="archsearch")
