"""Option sets shared by several commands, as decorators."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, TypeVar

import click

from archsearch.cli._env import STORAGE_ENV, TRACKING_URI_ENV

F = TypeVar("F", bound=Callable[..., Any])


def choice_option(*names: str, choices: Sequence[str], default: str, help: str) -> Callable[[F], F]:
    """An option taking one of ``choices``; --help lists them and shows the default."""
    return click.option(*names, type=click.Choice(choices), default=default, show_default=True, help=help)


def number_option(*names: str, kind: Any, default: int, metavar: str, help: str) -> Callable[[F], F]:
    """A number option (``kind``: ``int`` or a ``click.IntRange``) whose default --help shows."""
    return click.option(*names, type=kind, default=default, show_default=True, metavar=metavar, help=help)


def path_option(name: str, dest: str, *, folder: bool = False, metavar: str, help: str) -> Callable[[F], F]:
    """An option naming a file (``folder``: a folder), passed on as a string."""
    kind = click.Path(file_okay=False, path_type=str) if folder else click.Path(dir_okay=False, path_type=str)
    return click.option(name, dest, type=kind, metavar=metavar, help=help)


storage_option = click.option(
    "--storage",
    envvar=STORAGE_ENV,
    show_envvar=True,
    metavar="URL",
    help="Optuna storage URL (SQLAlchemy). Default: sqlite:///mlruns/optuna.db; "
    "postgresql://... to share a study between machines.",
)
tracking_uri_option = click.option(
    "--tracking-uri",
    envvar=TRACKING_URI_ENV,
    show_envvar=True,
    metavar="URI",
    help="MLflow tracking URI. Default: sqlite:///mlruns/mlflow.db (artifacts under mlruns/); "
    "http://HOST:PORT for an MLflow server.",
)
study_option = click.option(
    "--study", "study_name", metavar="NAME", help="Optuna study name. Default: the space file's name."
)
fuse_option = click.option(
    "--fuse/--no-fuse",
    default=True,
    show_default=True,
    help="Train the seeds of one configuration (--repeats, or an ask's seeds of one level) as one fused Keras model: "
    "each seed keeps its own initialisation, dropout, data order and optimizer state, and the same records. "
    "Seeds that cannot be fused (HyperModel.fit, fit callbacks, a model of several outputs, too big) train separately.",
)
fuse_max_option = click.option(
    "--fuse-max",
    type=click.IntRange(min=1),
    default=None,
    metavar="K",
    help="At most K seeds per fused pack (default: 8 on a CPU, 32 on a GPU, fewer when memory is short; "
    "1 = never fuse).",
)

# How a long run keeps going (`archsearch run`): integer options as (flag, default, metavar, help).
_LONG_RUN = (
    ("--max-failures", 5, "N", "Stop after N consecutive failed trials."),
    # 50: archsearch.study.RECYCLE_AFTER (not imported here: --help stays light; a test pins it)
    (
        "--recycle-after",
        None,
        "K",
        "Continue in a fresh process every K trials: TensorFlow leaks memory per trial, this keeps it bounded. "
        "0 = never. Default: 50 with the Optuna engine; a keras-tuner engine keeps its search in one process and "
        "refuses this option.",
    ),
    (
        "--max-rss-mib",
        0,
        "MIB",
        "Also continue in a fresh process when resident memory has grown by MIB. 0 = no limit. Optuna engine only.",
    ),
    (
        "--heartbeat",
        10,
        "SECONDS",
        "Heartbeat of the running trial. A trial whose process on this machine is gone is marked FAIL at once by "
        "the next run (its MLflow run closed FAILED); one of another machine once its heartbeat has been silent "
        "for twice as long.",
    ),
)


def long_run_options(command: F) -> F:
    """``--max-failures``, ``--recycle-after``, ``--max-rss-mib``, ``--heartbeat``, in this order in --help."""
    for flag, default, metavar, text in reversed(_LONG_RUN):
        command = click.option(
            flag, type=int, default=default, show_default=default is not None, metavar=metavar, help=text
        )(command)
    return command
