"""Every command has help, and help never imports the heavy libraries."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from click.testing import CliRunner

from archsearch.cli import cli
from archsearch.cli._main import COMMAND_MODULES

HEAVY = ("tensorflow", "keras", "optuna", "mlflow", "pandas", "matplotlib", "sklearn")


@pytest.mark.parametrize("command", sorted(COMMAND_MODULES))
def test_every_command_has_help_text(command):
    result = CliRunner().invoke(cli, [command, "--help"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert cli.get_command(None, command).help, f"`archsearch {command}` has no help text"


def test_top_level_help_lists_every_command():
    result = CliRunner().invoke(cli, ["--help"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    for command in COMMAND_MODULES:
        assert f"  {command} " in result.output


def test_help_does_not_import_heavy_libraries():
    code = (
        "import sys, json\n"
        "from archsearch.cli import cli\n"
        f"for args in [['--help']] + [[c, '--help'] for c in {sorted(COMMAND_MODULES)!r}]:\n"
        "    try:\n"
        "        cli.main(args=args, prog_name='archsearch', standalone_mode=False)\n"
        "    except SystemExit:\n"
        "        pass\n"
        f"print(json.dumps(sorted(m for m in {HEAVY!r} if m in sys.modules)))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert json.loads(out.strip().splitlines()[-1]) == []


def test_options_name_their_environment_variables():
    result = CliRunner().invoke(cli, ["run", "--help"], catch_exceptions=False)
    for var in ("ARCHSEARCH_STORAGE", "ARCHSEARCH_TRACKING_URI"):
        assert var in result.output


def test_an_error_archsearch_did_not_expect_is_one_line_and_its_traceback_goes_to_the_log_file(tmp_path, monkeypatch):
    import archsearch.data

    def broken() -> list[str]:
        raise ValueError("registry entry vanished\nsecond line")

    monkeypatch.setattr(archsearch.data, "dataset_names", broken)
    log = tmp_path / "logs" / "archsearch.log"
    monkeypatch.setenv("ARCHSEARCH_LOG_FILE", str(log))  # cli/_env.py reads it
    result = CliRunner().invoke(cli, ["datasets"])
    debug = CliRunner().invoke(cli, ["--debug", "datasets"])
    assert result.exit_code == 1
    assert result.stderr == (
        "error: unexpected ValueError: registry entry vanished (its traceback is in "
        f"{log}, or rerun as `archsearch --debug COMMAND ...`; please report it if it is not your setup).\n"
    )
    # Put after the command, as that advice read, --debug was "No such option": now it says where it goes
    after = CliRunner().invoke(cli, ["datasets", "--debug"])
    assert (after.exit_code, after.stderr) == (
        2,
        "error: --debug goes before the command: archsearch --debug datasets ...\n",
    )
    assert "Traceback (most recent call last)" in log.read_text() and "in broken" in log.read_text()
    assert isinstance(debug.exception, ValueError)  # --debug: the exception itself, as before
