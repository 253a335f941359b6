"""``archsearch ui``: the MLflow UI on archsearch's tracking store."""

from __future__ import annotations

import os
import subprocess
import sys

import click

from archsearch.cli._options import tracking_uri_option
from archsearch.stores import artifact_root_for, resolve_tracking_uri


@click.command()
@tracking_uri_option
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=5000, show_default=True, type=int, help="Port to listen on.")
def ui(tracking_uri: str | None, host: str, port: int) -> None:
    """Open the MLflow UI on the runs archsearch recorded.

    Runs `mlflow ui` with the same backend store (and artifact root) that
    `archsearch run` writes to; stop it with Ctrl-C.
    """
    uri = resolve_tracking_uri(tracking_uri)
    cmd = [sys.executable, "-m", "mlflow", "ui", "--backend-store-uri", uri, "--host", host, "--port", str(port)]
    root = artifact_root_for(uri)
    if root is not None:
        cmd += ["--default-artifact-root", root]
    click.echo(f"MLflow UI on http://{host}:{port} for {uri} (Ctrl-C to stop)", err=True)
    try:
        raise SystemExit(subprocess.call(cmd, env=os.environ.copy()))
    except KeyboardInterrupt:
        raise SystemExit(130) from None
