"""`archsearch ui` behaves like a server: checks before it starts, signals passed on, the runs-view URL."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time

import psutil
import pytest
from click.testing import CliRunner

from archsearch.cli import cli
from archsearch.cli._ui import _is_loopback, runs_url


def _store(tmp_path) -> str:
    from archsearch.stores import ensure_sqlite_store

    uri = f"sqlite:///{tmp_path}/mlruns/mlflow.db"
    (tmp_path / "mlruns").mkdir(exist_ok=True)
    ensure_sqlite_store(uri)
    return uri


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_no_store_is_one_error_line_and_creates_nothing(tmp_path):
    result = CliRunner().invoke(cli, ["ui", "--port", str(_free_port())])
    assert result.exit_code == 2, result.output
    assert result.stderr.startswith("error: no runs yet in ") and result.stderr.count("\n") == 1
    assert "archsearch run SPACE" in result.stderr and str(tmp_path) in result.stderr
    assert not (tmp_path / "mlruns").exists()


def test_busy_port_is_an_error_before_anything_starts(tmp_path):
    uri = _store(tmp_path)
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        result = CliRunner().invoke(cli, ["ui", "--tracking-uri", uri, "--port", str(port)])
    assert result.exit_code == 2, result.output
    last = result.stderr.splitlines()[-1]
    assert last.startswith(f"error: --port {port}: 127.0.0.1:{port} is already in use"), result.stderr
    assert "starting the MLflow UI" not in result.output


def test_a_password_in_a_server_url_is_never_printed():
    result = CliRunner().invoke(cli, ["ui", "--tracking-uri", "http://bob:s3cret@127.0.0.1:1/"])
    assert result.exit_code == 2, result.output
    assert "s3cret" not in result.output and "***" in result.stderr


def test_loopback_rule_and_runs_view_url():
    assert _is_loopback("127.0.0.1") and _is_loopback("::1") and _is_loopback("localhost")
    assert not _is_loopback("0.0.0.0") and not _is_loopback("192.0.2.7")
    assert runs_url("http://127.0.0.1:5000", "3").endswith("#/experiments/3/runs?workflowType=machine_learning")
    assert runs_url("http://127.0.0.1:5000", "3", view=True).endswith(
        "#/experiments/3/runs?viewStateShareKey=archsearch&workflowType=machine_learning"
    )


@pytest.mark.slow
def test_sigterm_is_passed_on_and_the_server_is_gone(tmp_path):
    uri = _store(tmp_path)
    port = _free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "archsearch", "ui", "--tracking-uri", uri, "--port", str(port)],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        env=os.environ.copy(),
    )
    try:
        line = proc.stdout.readline()  # printed only once the server answers /health; nothing else on stdout
        assert line.startswith(f"MLflow UI: http://127.0.0.1:{port}/#/experiments"), line
        children = psutil.Process(proc.pid).children(recursive=True)
        assert children, "no MLflow server process was started"
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(60) == 128 + signal.SIGTERM
        gone, alive = psutil.wait_procs(children, timeout=30)
        assert not alive, f"left running: {alive}"
        deadline = time.monotonic() + 10
        while True:  # the port is free again
            with socket.socket() as sock:
                if sock.connect_ex(("127.0.0.1", port)) != 0:
                    break
            assert time.monotonic() < deadline, f"port {port} still answers"
            time.sleep(0.2)
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.stdout.close()


def test_ui_opens_where_the_newest_answer_is(tmp_path):
    from mlflow.tracking import MlflowClient

    from archsearch.cli._ui import _newest_experiment

    uri = _store(tmp_path)
    client = MlflowClient(uri)
    answered, later = client.create_experiment("asked"), client.create_experiment("searched")
    client.create_run(answered, start_time=1000, tags={"archsearch.verdict.units": "16 vs 8: helps +3.8 pts"})
    client.create_run(later, start_time=2000)  # newer, but no answer (e.g. interrupted)
    assert _newest_experiment(uri) == (answered, False)
    client.delete_experiment(answered)
    assert _newest_experiment(uri) == (later, False)  # no answer anywhere: the newest run's experiment


class _Server:
    """Stands in for `mlflow server`: records how it was started, then exits at once."""

    started: list[tuple[list[str], dict[str, str]]] = []

    def __init__(self, cmd: list[str], env: dict[str, str], **kwargs: object) -> None:
        self.started.append((cmd, env))

    def poll(self) -> int:
        return 0

    def wait(self, timeout: float | None = None) -> int:
        return 0


def _started(monkeypatch, args: list[str]) -> tuple[list[str], dict[str, str], str]:
    from archsearch.cli import _ui

    _Server.started = []
    monkeypatch.setattr(_ui.subprocess, "Popen", _Server)
    monkeypatch.setattr(_ui, "_newest_experiment", lambda uri: (None, False))  # no database to ask
    result = CliRunner().invoke(cli, ["ui", "--port", str(_free_port()), *args])
    assert result.exit_code == 0, result.output
    ((cmd, env),) = _Server.started
    return cmd, env, result.stderr


def test_the_store_password_is_not_on_the_servers_command_line(monkeypatch):
    # `ps` shows every user the command line: the backend URL goes in MLflow's own variable instead.
    uri = "postgresql://bob:s3cret@127.0.0.1:5432/mlflow"
    cmd, env, _ = _started(monkeypatch, ["--tracking-uri", uri])
    assert "s3cret" not in " ".join(cmd) and "--backend-store-uri" not in cmd
    assert env["MLFLOW_BACKEND_STORE_URI"] == uri


def test_another_interface_answers_the_names_other_machines_use(monkeypatch, tmp_path):
    # MLflow 3 answers 403 to a Host header other than localhost or a private IP unless --allowed-hosts says so.
    uri = _store(tmp_path)
    cmd, _, said = _started(monkeypatch, ["--tracking-uri", uri, "--host", "0.0.0.0"])
    assert cmd[cmd.index("--allowed-hosts") + 1] == "*"
    assert said.startswith("warning: --host 0.0.0.0: the UI is reachable from other machines")
    cmd, _, _ = _started(monkeypatch, ["--tracking-uri", uri, "--host", "0.0.0.0", "--allowed-hosts", "box:5000"])
    assert cmd[cmd.index("--allowed-hosts") + 1] == "box:5000"
    cmd, _, _ = _started(monkeypatch, ["--tracking-uri", uri])
    assert "--allowed-hosts" not in cmd  # loopback: MLflow's own default (localhost)
