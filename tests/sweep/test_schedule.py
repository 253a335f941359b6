"""``archsearch schedule``: a systemd user timer (fake systemctl and loginctl on PATH) or a crontab line (a fake
crontab), each with an absolute archsearch, the project folder, and an environment file readable by its owner."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest
from click.testing import CliRunner

from archsearch.cli import cli
from archsearch.sweep._schedule import unit_name

FAKE = """#!/bin/sh
echo "$(basename "$0") $*" >> "{log}"
{body}
"""
SYSTEMCTL = "exit 0"
SYSTEMCTL_ABSENT = "exit 1"  # no user manager (a container): `systemctl --user show-environment` fails
LOGINCTL = 'echo "Linger=no"'
CRONTAB = """if [ "$1" = "-l" ]; then
  if [ -f "{tab}" ]; then cat "{tab}"; else echo "no crontab for $USER" >&2; exit 1; fi
else
  cat "$1" > "{tab}"
fi"""


@pytest.fixture
def machine(tmp_path, monkeypatch):
    """A project folder, a fake PATH with systemctl, loginctl and crontab, and a temporary HOME."""
    bin_dir, home, project = tmp_path / "bin", tmp_path / "home", tmp_path / "project"
    for d in (bin_dir, home, project / "search", project / "spaces"):
        d.mkdir(parents=True)
    (project / "spaces" / "a.py").write_text("")
    (project / "search" / "nightly.toml").write_text('[[step]]\nrun = "spaces/a.py"\n')
    log = tmp_path / "calls.log"

    def fake(name: str, body: str) -> None:
        path = bin_dir / name
        path.write_text(FAKE.format(log=log, body=body.format(tab=tmp_path / "crontab.txt")))
        path.chmod(0o755)

    fake("systemctl", SYSTEMCTL)
    fake("loginctl", LOGINCTL)
    fake("crontab", CRONTAB)
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ['PATH']}")
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / ".config"))
    monkeypatch.setenv("ARCHSEARCH_STORAGE", "postgresql://u:secret@db/x")
    monkeypatch.chdir(project)
    return {"fake": fake, "log": log, "home": home, "project": project, "tab": tmp_path / "crontab.txt"}


def _calls(machine) -> list[str]:
    return machine["log"].read_text().splitlines() if machine["log"].exists() else []


def _lines(machine) -> list[str]:
    return [line for line in machine["tab"].read_text().splitlines() if line.strip()]


def test_install_writes_a_timer_and_a_service_and_warns_without_lingering(machine):
    name = unit_name(machine["project"] / "search" / "nightly.toml")
    assert name.startswith("archsearch-sweep-nightly-") and len(name) == len("archsearch-sweep-nightly-") + 8
    result = CliRunner().invoke(
        cli, ["schedule", "install", "search/nightly.toml", "--at", "01:00", "--until", "07:00"]
    )
    assert result.exit_code == 0, result.output
    units = machine["home"] / ".config" / "systemd" / "user"
    timer = (units / f"{name}.timer").read_text()
    service = (units / f"{name}.service").read_text()
    assert "OnCalendar=*-*-* 01:00:00\nPersistent=true\n" in timer
    assert f"WorkingDirectory={machine['project']}\n" in service and "KillMode=mixed\n" in service
    start = next(line for line in service.splitlines() if line.startswith("ExecStart="))
    exe = start.split("=", 1)[1].split()[0]
    assert Path(exe).is_absolute() and Path(exe).exists()  # this environment's own archsearch (or python)
    assert start.endswith(f"sweep {machine['project']}/search/nightly.toml --until 07:00")
    env_file = machine["home"] / ".config" / "archsearch" / f"{name}.env"
    assert f"EnvironmentFile=-{env_file}\n" in service
    assert stat.S_IMODE(env_file.stat().st_mode) == 0o600
    assert "ARCHSEARCH_STORAGE=postgresql://u:secret@db/x\n" in env_file.read_text()
    calls = _calls(machine)
    assert calls[:3] == [
        "systemctl --user show-environment",
        "systemctl --user daemon-reload",
        f"systemctl --user enable --now {name}.timer",
    ]
    assert calls[3].startswith("loginctl show-user ") and calls[3].endswith(" --property=Linger")
    assert "warning: lingering is off" in result.stderr and "loginctl enable-linger" in result.stderr
    listed = CliRunner().invoke(cli, ["schedule", "list"])
    assert listed.stdout.startswith(f"{name}: systemd timer *-*-* 01:00:00: ")
    removed = CliRunner().invoke(cli, ["schedule", "remove", "search/nightly.toml"])
    assert removed.exit_code == 0 and not (units / f"{name}.timer").exists()
    assert f"systemctl --user disable --now {name}.timer" in _calls(machine)
    assert not env_file.exists()


def test_without_systemd_a_crontab_line_with_cd_an_absolute_path_and_a_log(machine):
    machine["fake"]("systemctl", SYSTEMCTL_ABSENT)
    (machine["tab"]).write_text("5 4 * * * echo mine\n")  # the user's own line stays
    result = CliRunner().invoke(cli, ["schedule", "install", "search/nightly.toml", "--at", "01:30"])
    assert result.exit_code == 0, result.output
    lines = machine["tab"].read_text().splitlines()
    assert lines[0] == "5 4 * * * echo mine"
    ours = lines[-1]
    assert ours.startswith(f"30 1 * * * cd {machine['project']} && set -a && . ")
    assert (
        f"sweep {machine['project']}/search/nightly.toml >> {machine['project']}/mlruns/sweeps/nightly.log 2>&1" in ours
    )
    assert ours.split(" && ")[-1].split()[0].startswith("/")  # the absolute archsearch (or python -m)
    again = CliRunner().invoke(cli, ["schedule", "install", "search/nightly.toml", "--at", "02:00"])
    assert again.exit_code == 0 and len(_lines(machine)) == 2  # replaced, not added
    assert CliRunner().invoke(cli, ["schedule", "list"]).stdout.count("crontab 0 2 * * *") == 1
    assert CliRunner().invoke(cli, ["schedule", "remove", "search/nightly.toml"]).exit_code == 0
    assert _lines(machine) == ["5 4 * * * echo mine"]


def test_print_writes_nothing(machine):
    result = CliRunner().invoke(cli, ["schedule", "install", "search/nightly.toml", "--at", "01:00", "--print"])
    assert result.exit_code == 0 and "[Timer]\nOnCalendar=*-*-* 01:00:00" in result.stdout
    assert not (machine["home"] / ".config" / "systemd").exists()
    assert _calls(machine) == ["systemctl --user show-environment"]


def test_a_bad_time_or_plan_is_a_one_line_error(machine):
    bad = CliRunner().invoke(cli, ["schedule", "install", "search/nightly.toml", "--at", "1am"])
    assert bad.exit_code == 2 and bad.stderr.startswith("error: --at '1am' is not a clock time")
    missing = CliRunner().invoke(cli, ["schedule", "install", "search/nope.toml", "--at", "01:00"])
    assert missing.exit_code == 2 and "no such sweep plan" in missing.stderr


def test_without_systemd_or_a_usable_crontab_nothing_is_written(machine, monkeypatch):
    from archsearch.errors import ArchsearchError
    from archsearch.sweep import _schedule

    machine["fake"]("systemctl", SYSTEMCTL_ABSENT)

    def no_crontab():
        raise ArchsearchError("no systemd user manager and no usable crontab (no crontab here); install cron.")

    monkeypatch.setattr(_schedule, "_crontab", no_crontab)
    result = CliRunner().invoke(cli, ["schedule", "install", "search/nightly.toml", "--at", "01:00"])
    assert result.exit_code == 1 and result.stderr.startswith("error: no systemd user manager and no usable crontab")
    # The environment file (it may hold a database password) and the log folder are not left behind.
    assert not (machine["home"] / ".config" / "archsearch").exists()
    assert not (machine["project"] / "mlruns").exists()


def test_two_projects_plans_of_the_same_name_are_two_nights(machine, tmp_path):
    # Both used archsearch-sweep-nightly and one environment file: the second install replaced the first's stores.
    other = tmp_path / "other"
    (other / "search").mkdir(parents=True)
    (other / "search" / "nightly.toml").write_text((machine["project"] / "search" / "nightly.toml").read_text())
    assert CliRunner().invoke(cli, ["schedule", "install", "search/nightly.toml", "--at", "01:00"]).exit_code == 0
    os.chdir(other)
    (other / "spaces").symlink_to(machine["project"] / "spaces")
    assert CliRunner().invoke(cli, ["schedule", "install", "search/nightly.toml", "--at", "02:00"]).exit_code == 0
    units = machine["home"] / ".config" / "systemd" / "user"
    assert len(list(units.glob("archsearch-sweep-nightly-*.timer"))) == 2
    assert len(list((machine["home"] / ".config" / "archsearch").glob("archsearch-sweep-nightly-*.env"))) == 2


def test_install_replaces_this_plan_s_units_of_the_name_without_a_digest(machine):
    # Installed by an archsearch before the digest: left there, it would run the same night a second time.
    units = machine["home"] / ".config" / "systemd" / "user"
    units.mkdir(parents=True)
    plan = machine["project"] / "search" / "nightly.toml"
    (units / "archsearch-sweep-nightly.timer").write_text("[Timer]\nOnCalendar=*-*-* 01:00:00\n")
    (units / "archsearch-sweep-nightly.service").write_text(f"[Service]\nExecStart=/x/archsearch sweep {plan}\n")
    result = CliRunner().invoke(cli, ["schedule", "install", "search/nightly.toml", "--at", "01:00"])
    assert result.exit_code == 0, result.output
    assert not (units / "archsearch-sweep-nightly.timer").exists()
    assert "systemctl --user disable --now archsearch-sweep-nightly.timer" in _calls(machine)
    assert (units / f"{unit_name(plan)}.timer").exists()
