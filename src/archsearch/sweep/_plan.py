"""Reading and checking a sweep plan.

A plan is a TOML file: optional top-level keys for the night (``until = "07:00"``
or ``for = "6h"``, ``reserve = "10m"`` kept for the reports at the end,
``notify = ["URL", ...]`` Apprise URLs), optional ``[defaults]`` (options for
every step whose command has them), optional ``[smoke]`` (options that override
every step's, where its command has them, with ``archsearch sweep --smoke``;
``{value}`` in a text stands for the step's own value, e.g. ``dataset =
"subset:400:{value}"``) and a list of ``[[step]]`` tables. Each step names one
command by its key (``run``, ``ask`` or ``report``, whose value is the space
file) and gives that command's options by their long names (``trials = 20``,
``max-failures = 3``; ``true`` for a flag). A step may give ``share = N`` (its
part of the night's time, default 1 for run/ask, 0 for report) and ``priority
= N`` (higher runs first; default 0, then plan order).

The whole plan is checked against the commands' own options before anything
runs, so a typo stops the sweep at once instead of at 3 a.m. The commands are
passed in (``commands``: name -> click command), so this package stays below
the command line.
"""

from __future__ import annotations

import dataclasses
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from archsearch.errors import UsageError

__all__ = ["COMMANDS", "Plan", "Step", "load_plan"]

COMMANDS = ("run", "ask", "report")
_NIGHT_KEYS = ("until", "for", "reserve", "notify")
_STEP_KEYS = ("share", "priority")


@dataclasses.dataclass(frozen=True)
class Step:
    """One command of a plan: ``archsearch COMMAND SPACE ARGS...``."""

    number: int
    command: str
    space: str
    args: tuple[str, ...]
    share: float = 1.0
    priority: int = 0

    def argv(self) -> list[str]:
        return [self.command, self.space, *self.args]

    def describe(self) -> str:
        return " ".join(["archsearch", *self.argv()])

    def option(self, name: str) -> str | None:
        """The value given to ``--name`` (None when the step does not give it)."""
        flag = f"--{name}"
        return self.args[self.args.index(flag) + 1] if flag in self.args[:-1] else None


@dataclasses.dataclass(frozen=True)
class Plan:
    path: Path
    steps: tuple[Step, ...]
    until: str | None = None
    for_: str | None = None
    reserve: str | None = None
    notify: tuple[str, ...] = ()

    @property
    def name(self) -> str:
        return self.path.stem

    def ordered(self) -> list[Step]:
        """The steps in the order the night runs them: higher priority first, then plan order."""
        return sorted(self.steps, key=lambda s: (-s.priority, s.number))


def load_plan(path: str | Path, commands: Mapping[str, Any], *, smoke: bool = False) -> Plan:
    """Read and check a plan; spaces are resolved against the current folder, like on the command line.

    Args:
        commands: the click commands by name (``run``, ``ask``, ``report``): each
            step's options are checked by its command's own parser.
        smoke: the plan's ``[smoke]`` options override every step's (where its
            command has them); a plan without ``[smoke]`` cannot be run as a smoke test.

    Raises:
        UsageError: unreadable TOML, a step without exactly one command, an option
            the command does not have, or a value it refuses; one line naming the
            plan file, the step and the fix.

    Example:
        >>> plan = load_plan("search/nightly.toml", commands)  # doctest: +SKIP
        >>> [s.describe() for s in plan.steps]  # doctest: +SKIP
    """
    path = Path(path)
    if not path.is_file():
        raise UsageError(f"{path}: no such sweep plan. Plans are TOML files, e.g. search/nightly.toml.")
    try:
        data = tomllib.loads(path.read_text())
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as err:
        raise UsageError(f"{path}: not valid TOML ({err}).") from None
    unknown = sorted(set(data) - {"defaults", "smoke", "step", *_NIGHT_KEYS})
    if unknown:
        raise UsageError(
            f"{path}: unknown key or table {unknown[0]!r}; a plan has until, for, reserve, notify, "
            "[defaults], [smoke] and [[step]] tables."
        )
    night = _night(path, data)
    defaults = data.get("defaults", {})
    overrides = data.get("smoke", {})
    if not isinstance(overrides, dict):
        raise UsageError(f"{path}: [smoke] must be a table of options, e.g. [smoke] epochs = 1.")
    if smoke and not overrides:
        raise UsageError(f"{path}: --smoke needs a [smoke] table of options (e.g. epochs = 1) in the plan.")
    tables = data.get("step", [])
    if not isinstance(defaults, dict) or not isinstance(tables, list) or not tables:
        raise UsageError(f'{path}: no steps. Add [[step]] tables, each with run = "SPACE" (or ask/report).')
    used: set[str] = set()
    smoke_used: set[str] = set()
    steps = tuple(
        _step(path, n, table, commands, defaults, used, overrides if smoke else {}, smoke_used)
        for n, table in enumerate(tables, 1)
    )
    if not smoke:  # check [smoke] too, so a typo there does not wait for the CI run
        for n, table in enumerate(tables, 1):
            _step(path, n, table, commands, defaults, set(), overrides, smoke_used)
    for name, given, seen in (("defaults", defaults, used), ("smoke", overrides, smoke_used)):
        unused = sorted(set(given) - seen)
        if unused:
            raise UsageError(f"{path}: [{name}] {_flag_name(unused[0])!r} is an option of none of the steps' commands.")
    return Plan(path, steps, **night)


def _night(path: Path, data: dict[str, Any]) -> dict[str, Any]:
    night: dict[str, Any] = {}
    for key in ("until", "for", "reserve"):
        if key in data:
            if not isinstance(data[key], str):
                raise UsageError(f'{path}: {key} must be a text, e.g. until = "07:00", for = "6h", reserve = "10m".')
            night["for_" if key == "for" else key] = data[key]
    if "until" in night and "for_" in night:
        raise UsageError(f"{path}: give until or for, not both.")
    from archsearch.sweep._deadline import parse_clock, parse_duration

    if "until" in night:
        parse_clock(night["until"], f"{path}: until")
    for key in ("for_", "reserve"):
        if key in night:
            parse_duration(night[key], f"{path}: {key.rstrip('_')}")
    notify = data.get("notify", [])
    if isinstance(notify, str):
        notify = [notify]
    if not isinstance(notify, list) or not all(isinstance(u, str) for u in notify):
        raise UsageError(f'{path}: notify must be a list of Apprise URLs, e.g. notify = ["mailto://me@example.org"].')
    night["notify"] = tuple(notify)
    return night


def _step(
    path: Path,
    number: int,
    table: dict[str, Any],
    commands: Mapping[str, Any],
    defaults: dict[str, Any],
    used: set[str],
    overrides: dict[str, Any],
    overrides_used: set[str],
) -> Step:
    where = f"{path}: step {number}"
    found = [c for c in COMMANDS if c in table]
    if len(found) != 1:
        choices = ", ".join(f'{c} = "SPACE"' for c in COMMANDS)
        has = f"; the step has {', '.join(sorted(table))}" if not found and table else ""
        raise UsageError(f"{where}: give exactly one of {choices} (found {', '.join(found) or 'none'}{has}).")
    command = found[0]
    space = table[command]
    if not isinstance(space, str) or not space:
        raise UsageError(f'{where}: {command} must be a space file path, e.g. {command} = "spaces/digits_quick.py".')
    share, priority = _share(where, table, command)
    click_command = commands[command]
    # Keys are the long option names: `max-failures` (as on the command line) or `max_failures`.
    options = {
        max(p.opts, key=len).lstrip("-").replace("-", "_"): p
        for p in click_command.params
        if p.param_type_name == "option" and not p.hidden
    }
    options.pop("help", None)
    merged: dict[str, Any] = {}
    for key, value in defaults.items():
        if _key(key) in options:
            merged[_key(key)] = value
            used.add(key)
    for key, value in table.items():
        if key == command or key in _STEP_KEYS:
            continue
        if _key(key) not in options:
            negated = {o.lstrip("-").replace("-", "_"): k for k, p in options.items() for o in p.secondary_opts}
            if _key(key) in negated:
                flag = _flag_name(negated[_key(key)])
                raise UsageError(f"{where}: write {flag} = false, not {_flag_name(key)} = true.")
            names = ", ".join(sorted(_flag_name(o) for o in options))
            raise UsageError(
                f"{where}: `archsearch {command}` has no option {_flag_name(key)!r}. Its options: {names}."
            )
        merged[_key(key)] = value
    for key, value in overrides.items():
        if _key(key) not in options:
            continue
        overrides_used.add(key)
        if isinstance(value, str) and _OWN in value:  # e.g. dataset = "subset:400:{value}"
            own = merged.get(_key(key))
            if own is None and _key(key) == "dataset" and command != "report" and Path(space).is_file():
                from archsearch.space import load_space  # the space's own DATASET (it was dropped: full data)

                own = load_space(space).dataset
            if own is None:
                continue  # the step does not set it and has no default here: nothing to rewrite
            value = value.replace(_OWN, str(own))
        merged[_key(key)] = value
    args: list[str] = []
    for key, value in merged.items():
        args += _to_args(where, options[key], key, value)
    try:  # let the command's own parser check types and choices now
        ctx = click_command.make_context(command, [space, *args], resilient_parsing=False)
    except Exception as err:  # noqa: BLE001 - click.UsageError, BadParameter: the command's own words
        message = err.format_message() if hasattr(err, "format_message") else str(err)
        raise UsageError(f"{where}: {message}") from None
    if command != "report" and not space.endswith(".py"):
        raise UsageError(f'{where}: {command} = "{space}" is not a space file; give a .py file, e.g. spaces/x.py.')
    _check_values(where, ctx.params)
    return Step(number, command, space, tuple(args), share, priority)


def _check_values(where: str, params: Mapping[str, Any]) -> None:
    """The values ``run`` and ``ask`` refuse before they start (``--trials 0``, ``--epochs -1``), refused now."""
    from archsearch.study import RunOptions

    fields = {f.name for f in dataclasses.fields(RunOptions)}
    given = {k: params[k] for k in _CHECKED if k in fields and params.get(k) is not None}
    try:
        RunOptions(**given).validate()
    except UsageError as err:
        raise UsageError(f"{where}: {err}") from None


# run's and ask's numbers that RunOptions.validate() checks
_CHECKED = ("trials", "epochs", "repeats", "max_failures", "heartbeat", "fuse_max", "recycle_after", "max_rss_mib")


def _share(where: str, table: dict[str, Any], command: str) -> tuple[float, int]:
    share = table.get("share", 0.0 if command == "report" else 1.0)
    priority = table.get("priority", 0)
    if isinstance(share, bool) or not isinstance(share, (int, float)) or share < 0:
        raise UsageError(f"{where}: share must be a number >= 0 (its part of the night's time), e.g. share = 2.")
    if isinstance(priority, bool) or not isinstance(priority, int):
        raise UsageError(f"{where}: priority must be a whole number (higher runs first), e.g. priority = 1.")
    return float(share), priority


_OWN = "{value}"  # in a [smoke] value: the step's own value of that option


def _key(key: str) -> str:
    return key.replace("-", "_")


def _flag_name(key: str) -> str:
    """One spelling in messages, the command line's: ``max-failures``."""
    return key.replace("_", "-")


def _to_args(where: str, option: Any, key: str, value: Any) -> list[str]:
    flag = max(option.opts, key=len)
    name = _flag_name(key)
    if option.is_flag:
        if not isinstance(value, bool):
            raise UsageError(f"{where}: {name} is a flag; write {name} = true or false.")
        if not value and option.secondary_opts:  # fuse = false: --no-fuse, not the default
            return [max(option.secondary_opts, key=len)]
        return [flag] if value else []
    if isinstance(value, (dict, list)):
        raise UsageError(f"{where}: {name} must be a single value, not {type(value).__name__}.")
    return [flag, str(value).lower() if isinstance(value, bool) else str(value)]
