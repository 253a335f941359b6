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
