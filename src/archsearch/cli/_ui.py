"""``archsearch ui``: the MLflow UI on archsearch's tracking store, run like a server.

It starts ``mlflow server`` (uvicorn) with one web worker, no access log and
no job runner (GenAI scorers; archsearch never uses them), waits until it
answers, then prints one line: the URL of the runs view of the experiment with
the newest answer (verdict). The server's own lines appear only with
``--verbose`` (or when it fails). SIGTERM and
SIGINT are passed on to the server and waited for; if archsearch itself is
killed, Linux stops the server with it (``PR_SET_PDEATHSIG``).
"""

from __future__ import annotations

import errno
import ipaddress
import os
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import IO

import click

from archsearch.cli._options import tracking_uri_option
from archsearch.errors import UsageError
from archsearch.schema import Tag
from archsearch.stores import artifact_root_for, redact, resolve_tracking_uri, sqlite_path

__all__ = ["ui", "runs_url"]

_START_TIMEOUT_S = 120.0  # a cold MLflow import on a busy 2-core machine takes tens of seconds
_STOP_TIMEOUT_S = 20.0


def runs_url(base: str, experiment_id: str | None, view: bool = False) -> str:
    """The page to open: an experiment's runs view (not the GenAI traces view a fresh browser gets).

    ``view``: open the experiment's archsearch view (its objective, sizes, times and params as columns).

    Example:
        >>> runs_url("http://127.0.0.1:5000", "1")
        'http://127.0.0.1:5000/#/experiments/1/runs?workflowType=machine_learning'
    """
    if experiment_id is None:
        return f"{base}/#/experiments"
    shared = f"viewStateShareKey={Tag.VIEW_KEY}&" if view else ""
    return f"{base}/#/experiments/{experiment_id}/runs?{shared}workflowType=machine_learning"


@click.command()
@tracking_uri_option
@click.option(
    "--host",
    default="127.0.0.1",
    show_default=True,
    help="Address to listen on. Anything but loopback lets other machines read and change the runs.",
)
@click.option("--port", default=5000, show_default=True, type=click.IntRange(1, 65535), help="Port to listen on.")
@click.option(
    "--workers",
    default=1,
    show_default=True,
    type=click.IntRange(1, 64),
    help="Web worker processes of the MLflow server (each one holds MLflow in memory).",
)
@click.option(
    "--allowed-hosts",
    metavar="HOSTS",
    help="Host names (HOST:PORT, comma-separated, * as a wildcard) the browsers of other machines may use "
    "(MLflow's --allowed-hosts). Default: any, with a --host other than loopback; else localhost only.",
)
@click.option("--verbose", is_flag=True, help="Show the server's own lines: start, access log, warnings, shutdown.")
def ui(tracking_uri: str | None, host: str, port: int, workers: int, allowed_hosts: str | None, verbose: bool) -> None:
    """Open the MLflow UI on the runs archsearch recorded.

    Runs `mlflow server` on the same backend store (and artifact root) that
    `archsearch run` writes to, and prints one line once the server answers:
    the URL of the runs view where the newest answer is (the experiment of the
    newest run with a verdict), its verdict column and the question's
    parameters shown. Stop it with Ctrl-C (or SIGTERM).
    """
    uri = resolve_tracking_uri(tracking_uri)
    if uri.startswith(("http://", "https://")):
        raise UsageError(
            f"--tracking-uri {redact(uri)}: the runs are on an MLflow server already; open {redact(uri)} "
            "in a browser instead."
        )
    experiment_id, view = _newest_experiment(uri)
    _check_port(host, port)
    if not _is_loopback(host):
        allowed_hosts = allowed_hosts or "*"  # else MLflow answers 403 to every name but localhost and private IPs
        click.echo(
            f"warning: --host {host}: the UI is reachable from other machines, without a login; "
            "anyone who can reach this port can read and delete runs"
            + (" (--allowed-hosts NAME:PORT limits the names it answers to)." if allowed_hosts == "*" else "."),
            err=True,
        )
    cmd = [
        sys.executable,
        "-m",
        "mlflow",
        "server",
        "--host",
        host,
        "--port",
        str(port),
        "--workers",
        str(workers),
    ]
    if allowed_hosts:
        cmd += ["--allowed-hosts", allowed_hosts]
    root = artifact_root_for(uri)
    if root is not None:
        cmd += ["--default-artifact-root", root]
    if not verbose:
        cmd += ["--uvicorn-opts", "--no-access-log"]
    env = {
        **os.environ,
        "MLFLOW_SERVER_ENABLE_JOB_EXECUTION": os.environ.get("MLFLOW_SERVER_ENABLE_JOB_EXECUTION", "false"),
        "MLFLOW_BACKEND_STORE_URI": uri,  # --backend-store-uri's variable: a password stays out of `ps`
    }
    if not verbose:
        env["PYTHONWARNINGS"] = "ignore"  # MLflow's deprecation and FutureWarnings on every start
    base = f"http://{_url_host(host)}:{port}"
    if verbose:
        click.echo(f"starting the MLflow UI for {redact(uri)} ...", err=True)
    # stdout carries only the URL (data). The server's own lines (uvicorn's start and shutdown, MLflow's
    # notes) go to stderr with --verbose, else to a log file shown only if the server fails.
    log = None if verbose else tempfile.TemporaryFile(prefix="archsearch-ui-")  # noqa: SIM115 (closed by _tail)
    out = _stderr_fd() if log is None else log
    proc = subprocess.Popen(cmd, env=env, stdout=out, stderr=log, start_new_session=True, preexec_fn=_die_with_parent)
    stopping: list[int] = []

    def forward(signum: int, _frame: object) -> None:
        stopping.append(signum)
        if proc.poll() is None:
            proc.send_signal(signum)

    signal.signal(signal.SIGTERM, forward)
    signal.signal(signal.SIGINT, forward)
    try:
        if _wait_ready(proc, base, stopping):
            click.echo(f"MLflow UI: {runs_url(base, experiment_id, view)}", err=False)
            if verbose:
                click.echo("(Ctrl-C to stop)", err=True)
        code = _wait(proc, stopping)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        tail = _tail(log)
    if stopping:
        raise SystemExit(128 + stopping[0])
    if code != 0:
        click.echo(tail, err=True, nl=False)
        raise SystemExit(
            f"error: the MLflow server exited with code {code}"
            + ("; its last lines are above." if tail else "; run with --verbose to see why.")
        )


def _tail(log: IO[bytes] | None, lines: int = 20) -> str:
    """The last lines the server wrote to ``log`` (closed here); empty without one."""
    if log is None:
        return ""
    with log:
        log.seek(0)
        text = log.read().decode(errors="replace")
    return "".join(text.splitlines(keepends=True)[-lines:])


_NEWEST = (
    "SELECT runs.experiment_id FROM runs JOIN experiments USING (experiment_id) {join} "
    "WHERE runs.lifecycle_stage = 'active' AND experiments.lifecycle_stage = 'active' {where} "
    "ORDER BY runs.start_time DESC LIMIT 1"
)


def _newest_experiment(uri: str) -> tuple[str | None, bool]:
    """Where the newest answer is: the experiment of the newest run with a verdict (else of the newest run),
    and whether it has archsearch's view; without creating a store."""
    db = sqlite_path(uri)
    if db is not None:
        if not db.exists():
            raise UsageError(_no_runs(uri, f"{db.resolve()} does not exist"))
        try:
            con = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
            try:
                with_verdict = _NEWEST.format(
                    join="JOIN tags ON tags.run_uuid = runs.run_uuid", where="AND tags.key LIKE ? ESCAPE '!'"
                )
                row = (
                    con.execute(with_verdict, (Tag.VERDICT_PREFIX.replace("_", "!_") + "%",)).fetchone()
                    or con.execute(_NEWEST.format(join="", where="")).fetchone()
                )
                if row is not None:
                    row = (
                        row[0],
                        con.execute(
                            "SELECT 1 FROM experiment_tags WHERE experiment_id = ? AND key = ?",
                            (row[0], Tag.SHARED_VIEW),
                        ).fetchone()
                        is not None,
                    )
            finally:
                con.close()
        except sqlite3.Error as err:
            raise UsageError(f"--tracking-uri {redact(uri)}: {db} is not an MLflow store ({err}).") from None
    else:
        import warnings

        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            from mlflow.tracking import MlflowClient
        client = MlflowClient(tracking_uri=uri)
        ids = [e.experiment_id for e in client.search_experiments()]
        runs = client.search_runs(ids, order_by=["attributes.start_time DESC"], max_results=200) if ids else []
        answered = [r for r in runs if any(k.startswith(Tag.VERDICT_PREFIX) for k in r.data.tags)]
        row = None
        if runs:
            experiment_id = (answered or runs)[0].info.experiment_id
            row = (experiment_id, Tag.SHARED_VIEW in client.get_experiment(experiment_id).tags)
    if row is None:
        click.echo(f"note: {_no_runs(uri, 'the store has no runs')}", err=True)
        return None, False
    return str(row[0]), bool(row[1])


def _no_runs(uri: str, why: str) -> str:
    return (
        f"no runs yet in {redact(uri)}: {why} (looked from {Path.cwd()}). `archsearch run SPACE` records them "
        "there; runs made in another folder: pass --tracking-uri sqlite:////path/to/mlruns/mlflow.db "
        "or set ARCHSEARCH_TRACKING_URI."
    )


def _check_port(host: str, port: int) -> None:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as uvicorn binds: TIME_WAIT is no conflict
        try:
            sock.bind((host, port))
        except OSError as err:
            if err.errno == errno.EADDRINUSE:
                raise UsageError(
                    f"--port {port}: {host}:{port} is already in use (another `archsearch ui` or "
                    f"MLflow server?). Stop it, or pick a free port, e.g. --port {port + 1}."
                ) from None
            raise UsageError(f"--host {host}: cannot listen there ({err.strerror}).") from None


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _url_host(host: str) -> str:
    if host in ("0.0.0.0", "::"):
        return "127.0.0.1" if host == "0.0.0.0" else "[::1]"
    return f"[{host}]" if ":" in host else host


def _wait_ready(proc: subprocess.Popen, base: str, stopping: list[int]) -> bool:
    """Poll ``/health`` until the server answers; False if it stopped (or was stopped) first."""
    deadline = time.monotonic() + _START_TIMEOUT_S
    while time.monotonic() < deadline and not stopping and proc.poll() is None:
        try:
            with urllib.request.urlopen(f"{base}/health", timeout=2) as reply:
                if reply.status == 200:
                    return True
        except OSError:
            pass
        time.sleep(0.25)
    if proc.poll() is None and not stopping:
        click.echo(
            f"warning: the MLflow server did not answer at {base} within {_START_TIMEOUT_S:.0f} s; "
            "still waiting for it.",
            err=True,
        )
    return False


def _wait(proc: subprocess.Popen, stopping: list[int]) -> int:
    """Wait for the server; once a signal was passed on, give it a while to shut down, then kill it."""
    while True:
        if stopping:
            try:
                return proc.wait(_STOP_TIMEOUT_S)
            except subprocess.TimeoutExpired:
                proc.kill()
                return proc.wait()
        try:
            return proc.wait(0.5)
        except subprocess.TimeoutExpired:
            continue


def _stderr_fd() -> int | None:
    try:
        return sys.stderr.fileno()
    except (AttributeError, OSError, ValueError):  # a captured stream (tests): the child keeps its own stdout
        return None


def _die_with_parent() -> None:
    """In the child, before exec: get SIGTERM when archsearch dies (kill -9 included). Linux only."""
    if sys.platform.startswith("linux"):
        import contextlib
        import ctypes

        with contextlib.suppress(OSError):
            ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG = 1
