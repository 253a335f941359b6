"""Option sets shared by several commands, as decorators."""

from __future__ import annotations

import click

storage_option = click.option(
    "--storage", envvar="ARCHSEARCH_STORAGE", show_envvar=True, metavar="URL",
    help="Optuna storage URL (SQLAlchemy). Default: sqlite:///mlruns/optuna.db; "
         "postgresql://... to share a study between machines.")
tracking_uri_option = click.option(
    "--tracking-uri", envvar="ARCHSEARCH_TRACKING_URI", show_envvar=True, metavar="URI",
    help="MLflow tracking URI. Default: sqlite:///mlruns/mlflow.db (artifacts under mlruns/); "
         "http://HOST:PORT for an MLflow server.")
study_option = click.option(
    "--study", "study_name", metavar="NAME", help="Optuna study name. Default: the space file's name.")
fuse_option = click.option(
    "--fuse/--no-fuse", default=True, show_default=True,
    help="Train the seeds of one configuration (--repeats, or an ask's seeds of one level) as one fused Keras model: "
         "each seed keeps its own initialisation, dropout, data order and optimizer state, and the same records. "
         "Seeds that cannot be fused (HyperModel.fit, fit callbacks, regularizers, too big) train separately.")
fuse_max_option = click.option(
    "--fuse-max", type=click.IntRange(min=1), default=None, metavar="K",
    help="At most K seeds per fused pack (default: 8 on a CPU, 32 on a GPU, fewer when memory is short; "
         "1 = never fuse).")
