"""``archsearch schedule``: the night installed as a systemd user timer, or a crontab line where there is none.

systemd (``systemctl --user`` answers): a service and a timer in
``$XDG_CONFIG_HOME/systemd/user/`` (``OnCalendar`` at ``--at``, ``Persistent=true``
so a night missed while the machine was off runs at the next boot,
``KillMode=mixed`` so a stop reaches the sweep first and the sweep stops its step),
the project folder as working directory, this virtual environment's own
``archsearch`` by absolute path, and the environment (``ARCHSEARCH_*``, ``TZ``) in
an ``EnvironmentFile`` created 0600. Without lingering (``loginctl``), user timers
run only while the user is logged in: said as a warning. Without systemd, one
crontab line (``python-crontab``) that ``cd``s to the project, reads the same
environment file, runs the absolute ``archsearch`` and appends to a log file.
"""

from __future__ import annotations

import dataclasses
import getpass
import hashlib
import os
import shlex
import shutil
import subprocess
import sys
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from archsearch.errors import ArchsearchError, UsageError
from archsearch.sweep._deadline import parse_clock

__all__ = ["Schedule", "install_schedule", "list_schedules", "make_schedule", "remove_schedule", "unit_name"]

PREFIX = "archsearch-sweep-"
_CRON_TAG = "archsearch-sweep:"
_ENV_KEYS = ("TZ", "PATH")  # besides every ARCHSEARCH_* variable


def unit_name(plan: Path) -> str:
    """``archsearch-sweep-nightly-1a2b3c4d`` for search/nightly.toml: 8 hex digits of its absolute path, so that
    two projects' ``nightly.toml`` are two nights with two environment files (they shared one)."""
    digest = hashlib.sha1(str(plan.resolve()).encode()).hexdigest()[:8]
    return f"{_legacy_name(plan)}-{digest}"


def _legacy_name(plan: Path) -> str:
    """The name before the path's digest: ``archsearch-sweep-nightly``."""
    return PREFIX + "".join(c if c.isalnum() or c in "-_" else "-" for c in plan.stem)


def archsearch_command() -> list[str]:
    """This environment's own ``archsearch`` by absolute path (next to its Python), else ``python -m archsearch``."""
    exe = Path(sys.executable).parent / "archsearch"
    return [str(exe)] if exe.is_file() else [sys.executable, "-m", "archsearch"]


@dataclasses.dataclass(frozen=True)
class Schedule:
    plan: Path  # absolute
    at: str  # HH:MM
    until: str | None
    project: Path  # absolute: the folder the sweep runs in (plans name spaces relative to it)
    config: Path  # $XDG_CONFIG_HOME or ~/.config

    @property
    def name(self) -> str:
        return unit_name(self.plan)

    @property
    def env_file(self) -> Path:
        return self.config / "archsearch" / f"{self.name}.env"

    @property
    def log_file(self) -> Path:
        return self.project / "mlruns" / "sweeps" / f"{self.plan.stem}.log"

    def command(self) -> list[str]:
        return [*archsearch_command(), "sweep", str(self.plan), *(["--until", self.until] if self.until else [])]

    def units(self) -> dict[str, str]:
        """The systemd unit files by name."""
        hour, minute = self.at.split(":")
        service = (
            f"[Unit]\nDescription=archsearch sweep {self.plan.name} (the night)\n\n"
            f"[Service]\nType=exec\nWorkingDirectory={self.project}\nEnvironmentFile=-{self.env_file}\n"
            f"ExecStart={shlex.join(self.command())}\n"
            "# SIGTERM to the sweep only; it stops its step and writes the summary; then SIGKILL to all.\n"
            "KillMode=mixed\nTimeoutStopSec=90\n"
        )
        timer = (
            f"[Unit]\nDescription=archsearch sweep {self.plan.name} every night at {self.at}\n\n"
            f"[Timer]\nOnCalendar=*-*-* {int(hour):02d}:{int(minute):02d}:00\nPersistent=true\n"
            f"Unit={self.name}.service\n\n[Install]\nWantedBy=timers.target\n"
        )
        return {f"{self.name}.service": service, f"{self.name}.timer": timer}

    def cron_command(self) -> str:
        """What the crontab line runs: cd to the project, the environment file, archsearch, the log file."""
        return (
            f"cd {shlex.quote(str(self.project))} && set -a && . {shlex.quote(str(self.env_file))} && set +a && "
            f"{shlex.join(self.command())} >> {shlex.quote(str(self.log_file))} 2>&1"
        )

    def cron_line(self) -> str:
        hour, minute = self.at.split(":")
        return f"{int(minute)} {int(hour)} * * * {self.cron_command()} # {_CRON_TAG}{self.plan}"


def make_schedule(plan: str, at: str, until: str | None, env: Mapping[str, str]) -> Schedule:
    path = Path(plan).resolve()
    if not path.is_file():
        raise UsageError(f"{plan}: no such sweep plan (from {Path.cwd()}).")
    parse_clock(at, "--at")
    if until:
        parse_clock(until, "--until")
    config = Path(env.get("XDG_CONFIG_HOME") or Path(env.get("HOME") or Path.home()) / ".config")
    return Schedule(path, at, until, Path.cwd().resolve(), config)


def has_systemd(env: Mapping[str, str]) -> bool:
    """Whether a systemd user manager answers (not in most containers)."""
    if shutil.which("systemctl", path=env.get("PATH")) is None:
        return False
    done = subprocess.run(["systemctl", "--user", "show-environment"], capture_output=True, env=dict(env), check=False)
    return done.returncode == 0


def environment_text(env: Mapping[str, str]) -> str:
    keys = sorted(k for k in env if k.startswith("ARCHSEARCH_") or k in _ENV_KEYS)
    return "".join(f"{k}={shlex.quote(env[k])}\n" for k in keys)


def _write_private(path: Path, text: str) -> None:
    """Create (or replace) ``path`` readable by its owner only: it may hold a database password."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write(text)
    os.chmod(tmp, 0o600)
    os.replace(tmp, path)


def _run(args: list[str], env: Mapping[str, str]) -> None:
    done = subprocess.run(args, capture_output=True, text=True, env=dict(env), check=False)
    if done.returncode:
        raise ArchsearchError(f"`{' '.join(args)}` failed: {(done.stderr or done.stdout).strip()[:300]}")


def install_schedule(
    s: Schedule, env: Mapping[str, str], *, dry: bool = False, say: Callable[[str], None] = print
) -> str:
    """Install ``s``; returns "systemd" or "cron". With ``dry``, only says what it would write."""
    systemd = has_systemd(env)
    if dry:
        say(f"# {s.env_file} (mode 0600)\n{environment_text(env)}")
        if systemd:
            for name, text in s.units().items():
                say(f"# {_unit_dir(s) / name}\n{text}")
        else:
            say(f"# crontab -e\n{s.cron_line()}")
            if shutil.which("crontab", path=env.get("PATH")) is None:
                say("# note: no crontab command on this machine: install cron before `schedule install`.")
        return "systemd" if systemd else "cron"
    cron: Any = None if systemd else _crontab()  # no usable crontab: refused before anything is written
    _write_private(s.env_file, environment_text(env))
    if systemd:
        _remove_legacy(s.plan, s.config, env, say)
        for name, text in s.units().items():
            (_unit_dir(s)).mkdir(parents=True, exist_ok=True)
            (_unit_dir(s) / name).write_text(text)
        _run(["systemctl", "--user", "daemon-reload"], env)
        _run(["systemctl", "--user", "enable", "--now", f"{s.name}.timer"], env)
        say(f"installed {s.name}.timer: every night at {s.at} in {s.project}; logs: journalctl --user -u {s.name}")
        _warn_linger(env, say)
        return "systemd"
    s.log_file.parent.mkdir(parents=True, exist_ok=True)
    cron.remove_all(comment=f"{_CRON_TAG}{s.plan}")
    hour, minute = s.at.split(":")
    job = cron.new(command=s.cron_command(), comment=f"{_CRON_TAG}{s.plan}")
    job.setall(f"{int(minute)} {int(hour)} * * *")
    cron.write()
    say(f"installed a crontab line (no systemd user manager here): every night at {s.at}; log: {s.log_file}")
    return "cron"


def _unit_dir(s: Schedule) -> Path:
    return s.config / "systemd" / "user"


def _crontab() -> Any:
    import crontab  # python-crontab: not typed (mypy does not follow it)

    crontab.CRON_COMMAND = shutil.which("crontab") or crontab.CRON_COMMAND  # this PATH's crontab
    try:
        return crontab.CronTab(user=True)
    except OSError as err:
        raise ArchsearchError(f"no systemd user manager and no usable crontab ({err}); install cron.") from None


def _warn_linger(env: Mapping[str, str], say: Callable[[str], None]) -> None:
    if shutil.which("loginctl", path=env.get("PATH")) is None:
        return
    user = env.get("USER") or getpass.getuser()
    done = subprocess.run(
        ["loginctl", "show-user", user, "--property=Linger"], capture_output=True, text=True, env=dict(env), check=False
    )
    if done.returncode != 0 or done.stdout.strip() != "Linger=yes":
        say(
            f"warning: lingering is off for {user}: the timer runs only while {user} is logged in. "
            f"Turn it on: loginctl enable-linger {user}"
        )


def list_schedules(env: Mapping[str, str], config: Path) -> list[str]:
    """One line per installed night: its unit or crontab line."""
    lines = []
    unit_dir = config / "systemd" / "user"
    for timer in sorted(unit_dir.glob(f"{PREFIX}*.timer")):
        calendar = next(
            (x.split("=", 1)[1] for x in timer.read_text().splitlines() if x.startswith("OnCalendar=")), "?"
        )
        service = timer.with_suffix(".service")
        start = (
            next((x.split("=", 1)[1] for x in service.read_text().splitlines() if x.startswith("ExecStart=")), "?")
            if service.is_file()
            else "?"
        )
        lines.append(f"{timer.stem}: systemd timer {calendar}: {start}")
    if shutil.which("crontab", path=env.get("PATH")):
        for job in _crontab():
            if job.comment.startswith(_CRON_TAG):
                lines.append(f"{job.comment[len(_CRON_TAG) :]}: crontab {job.slices} {job.command}")
    return lines


def remove_schedule(plan: str, env: Mapping[str, str], config: Path, *, say: Callable[[str], None] = print) -> bool:
    """Remove the night of ``plan`` (timer and service, or crontab line); False when none was installed."""
    path = Path(plan).resolve()
    name = unit_name(path)
    found = _remove_units(name, config, env, say) | _remove_legacy(path, config, env, say)
    if shutil.which("crontab", path=env.get("PATH")):
        cron = _crontab()
        if list(cron.find_comment(f"{_CRON_TAG}{path}")):
            cron.remove_all(comment=f"{_CRON_TAG}{path}")
            cron.write()
            say(f"removed the crontab line of {path}")
            found = True
    (config / "archsearch" / f"{name}.env").unlink(missing_ok=True)
    return found


def _remove_units(name: str, config: Path, env: Mapping[str, str], say: Callable[[str], None]) -> bool:
    unit_dir = config / "systemd" / "user"
    if not (unit_dir / f"{name}.timer").exists():
        return False
    if has_systemd(env):
        _run(["systemctl", "--user", "disable", "--now", f"{name}.timer"], env)
    for suffix in (".timer", ".service"):
        (unit_dir / f"{name}{suffix}").unlink(missing_ok=True)
    if has_systemd(env):
        _run(["systemctl", "--user", "daemon-reload"], env)
    say(f"removed {name}.timer and {name}.service")
    return True


def _remove_legacy(plan: Path, config: Path, env: Mapping[str, str], say: Callable[[str], None]) -> bool:
    """The units of this plan under the name without a digest (archsearch before it), which would run the
    night a second time; those of another project's plan of the same name are left alone."""
    name = _legacy_name(plan)
    service = config / "systemd" / "user" / f"{name}.service"
    if not service.is_file() or f" {plan.resolve()}" not in service.read_text():
        return False
    found = _remove_units(name, config, env, say)
    (config / "archsearch" / f"{name}.env").unlink(missing_ok=True)
    return found
