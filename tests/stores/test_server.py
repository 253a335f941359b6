"""An MLflow server (`--tracking-uri http://...`) is asked once, seconds at most, before anything is written."""

from __future__ import annotations

import http.server
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator

import pytest
from click.testing import CliRunner

from archsearch.cli import cli
from archsearch.errors import UsageError
from archsearch.stores import check_reachable, check_stores

REFUSED = b"Invalid Host header - possible DNS rebinding attack detected"  # MLflow 3's answer, word for word


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _server(status: int, body: bytes) -> Iterator[str]:
    class Answer(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 (http.server's name)
            self.send_response(status)
            self.send_header("Content-Type", "text/plain")
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Answer)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
def refusing() -> Iterator[str]:
    yield from _server(403, REFUSED)


@pytest.fixture
def answering() -> Iterator[str]:
    yield from _server(200, b'{"experiments": []}')


def test_no_server_there_is_one_line_with_exit_2_before_the_data_loads(tmp_path, tiny_space):
    url = f"http://bob:s3cret@127.0.0.1:{_closed_port()}"
    done = subprocess.run(
        [sys.executable, "-m", "archsearch", "run", str(tiny_space), "--trials", "1", "--tracking-uri", url],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 2, done.stderr
    assert done.stdout == ""
    assert done.stderr.count("\n") == 1, done.stderr
    assert done.stderr.startswith(f"error: --tracking-uri 'http://bob:***@127.0.0.1:{url.rsplit(':', 1)[1]}': ")
    assert "no server answers" in done.stderr and "start the MLflow server" in done.stderr
    assert "s3cret" not in done.stderr
    assert not (tmp_path / "mlruns").exists()  # nothing written: no Optuna study either


def test_an_unknown_host_is_said(monkeypatch):
    with pytest.raises(UsageError, match=r"--tracking-uri 'http://nosuchhost.invalid:5000': the host name is unknown"):
        check_reachable("http://nosuchhost.invalid:5000", "--tracking-uri")


def test_a_server_that_refuses_the_host_name_says_allowed_hosts(refusing):
    where = refusing.removeprefix("http://")
    with pytest.raises(UsageError) as caught:
        check_stores(None, refusing)
    message = str(caught.value)
    assert message.startswith(f"--tracking-uri '{refusing}': the MLflow server refuses requests addressed to {where}")
    assert f"start the server with --allowed-hosts {where}" in message and "\n" not in message


def test_report_on_a_refusing_server_is_one_line_exit_2(refusing, tiny_space):
    result = CliRunner().invoke(cli, ["report", str(tiny_space), "--tracking-uri", refusing])
    assert result.exit_code == 2, result.output
    assert result.stderr.count("\n") == 1 and "--allowed-hosts" in result.stderr
    assert "unexpected" not in result.stderr and result.stdout == ""


def test_a_server_that_answers_passes(answering):
    assert check_stores(None, answering)[1] == answering
