"""Reading and checking a sweep plan.

A plan is a TOML file: optional ``[defaults]`` (options for every step whose
command has them), optional ``[smoke]`` (options that override every step's,
where its command has them, with ``archsearch sweep --smoke``: a quick check of
the whole plan, e.g. ``epochs = 1``; ``{value}`` in a text stands for the
step's own value, e.g. ``dataset = "subset:400:{value}"``) and a list of
``[[step]]`` tables. Each step names one
command by its key (``run``, ``ask`` or ``report``, whose value is the space
file) and gives that command's options by their long names (``trials = 20``,
``max_failures = 3``; ``true`` for a flag). ``archsearch sweep --help`` shows an example.

The whole plan is checked against the commands' own options before anything
runs, so a typo stops the sweep at once instead of at 3 a.m.
"""

from __future__ import annotations

import dataclasses
import tomllib
from pathlib import Path
from typing import Any

from archsearch.errors import UsageError

__all__ = ["COMMANDS", "Plan", "Step", "load_plan"]

COMMANDS = ("run", "ask", "report")


@dataclasses.dataclass(frozen=True)
class Step:
    """One command of a plan: ``archsearch COMMAND SPACE ARGS...``."""

    number: int
    command: str
    space: str
    args: tuple[str, ...]

    def argv(self) -> list[str]:
        return [self.command, self.space, *self.args]

    def describe(self) -> str:
        return " ".join(["archsearch", *self.argv()])


@dataclasses.dataclass(frozen=True)
class Plan:
    path: Path
    steps: tuple[Step, ...]


def load_plan(path: str | Path, *, smoke: bool = False) -> Plan:
    """Read and check a plan; spaces are resolved against the current folder, like on the command line.

    With ``smoke``, the plan's ``[smoke]`` options override every step's (where its
    command has them); a plan without ``[smoke]`` cannot be run as a smoke test.

    Raises:
        UsageError: unreadable TOML, a step without exactly one command, an option
            the command does not have, or a value it refuses; one line naming the
            plan file, the step and the fix.

    Example:
        >>> plan = load_plan("search/nightly.toml")  # doctest: +SKIP
        >>> [s.describe() for s in plan.steps]  # doctest: +SKIP
    """
    path = Path(path)
    if not path.is_file():
        raise UsageError(f"{path}: no such sweep plan. Plans are TOML files, e.g. search/nightly.toml.")
    try:
        data = tomllib.loads(path.read_text())
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as err:
        raise UsageError(f"{path}: not valid TOML ({err}).") from None
    unknown = sorted(set(data) - {"defaults", "smoke", "step"})
    if unknown:
        raise UsageError(f"{path}: unknown table {unknown[0]!r}; a plan has [defaults], [smoke] and [[step]] tables.")
    defaults = data.get("defaults", {})
    overrides = data.get("smoke", {})
    if not isinstance(overrides, dict):
        raise UsageError(f"{path}: [smoke] must be a table of options, e.g. [smoke] epochs = 1.")
    if smoke and not overrides:
        raise UsageError(f"{path}: --smoke needs a [smoke] table of options (e.g. epochs = 1) in the plan.")
    tables = data.get("step", [])
    if not isinstance(defaults, dict) or not isinstance(tables, list) or not tables:
        raise UsageError(f"{path}: no steps. Add [[step]] tables, each with run = \"SPACE\" (or ask/report).")
    used: set[str] = set()
    smoke_used: set[str] = set()
    steps = tuple(_step(path, n, table, defaults, used, overrides if smoke else {}, smoke_used)
                  for n, table in enumerate(tables, 1))
    if not smoke:  # check [smoke] too, so a typo there does not wait for the CI run
        for n, table in enumerate(tables, 1):
            _step(path, n, table, defaults, set(), overrides, smoke_used)
    for name, given, seen in (("defaults", defaults, used), ("smoke", overrides, smoke_used)):
        unused = sorted(set(given) - seen)
        if unused:
            raise UsageError(f"{path}: [{name}] {unused[0]!r} is an option of none of the steps' commands.")
    return Plan(path, steps)


def _step(path: Path, number: int, table: dict[str, Any], defaults: dict[str, Any], used: set[str],
          overrides: dict[str, Any], overrides_used: set[str]) -> Step:
    where = f"{path}: step {number}"
    commands = [c for c in COMMANDS if c in table]
    if len(commands) != 1:
        choices = ", ".join(f'{c} = "SPACE"' for c in COMMANDS)
        raise UsageError(f"{where}: give exactly one of {choices} (found {', '.join(commands) or 'none'}).")
    command = commands[0]
    space = table[command]
    if not isinstance(space, str) or not space:
        raise UsageError(f"{where}: {command} must be a space file path, e.g. {command} = \"spaces/digits_quick.py\".")
    click_command = _click_command(command)
    # Keys are the long option names: `max_failures` or `max-failures` for --max-failures.
    options = {max(p.opts, key=len).lstrip("-").replace("-", "_"): p
               for p in click_command.params if p.param_type_name == "option" and not p.hidden}
    options.pop("help", None)
    merged: dict[str, Any] = {}
    for key, value in defaults.items():
        if _key(key) in options:
            merged[_key(key)] = value
            used.add(key)
    for key, value in table.items():
        if key == command:
            continue
        if _key(key) not in options:
            names = ", ".join(sorted(options))
            raise UsageError(f"{where}: `archsearch {command}` has no option {key!r}. Its options: {names}.")
        merged[_key(key)] = value
    for key, value in overrides.items():
        if _key(key) not in options:
            continue
        overrides_used.add(key)
        if isinstance(value, str) and _OWN in value:  # e.g. dataset = "subset:400:{value}"
            if _key(key) not in merged:
                continue  # the step does not set it: nothing to rewrite
            value = value.replace(_OWN, str(merged[_key(key)]))
        merged[_key(key)] = value
    args: list[str] = []
    for key, value in merged.items():
        args += _to_args(where, options[key], key, value)
    try:  # let the command's own parser check types and choices now
        click_command.make_context(command, [space, *args], resilient_parsing=False)
    except Exception as err:  # click.UsageError, BadParameter
        message = err.format_message() if hasattr(err, "format_message") else str(err)
        raise UsageError(f"{where}: {message}") from None
    return Step(number, command, space, tuple(args))


_OWN = "{value}"  # in a [smoke] value: the step's own value of that option


def _key(key: str) -> str:
    return key.replace("-", "_")


def _to_args(where: str, option: Any, key: str, value: Any) -> list[str]:
    flag = max(option.opts, key=len)
    if option.is_flag:
        if not isinstance(value, bool):
            raise UsageError(f"{where}: {key} is a flag; write {key} = true or false.")
        return [flag] if value else []
    if isinstance(value, (dict, list)):
        raise UsageError(f"{where}: {key} must be a single value, not {type(value).__name__}.")
    return [flag, str(value).lower() if isinstance(value, bool) else str(value)]


def _click_command(name: str) -> Any:
    import click

    from archsearch.cli._main import cli

    return cli.get_command(click.Context(cli), name)
