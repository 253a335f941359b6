"""The night's deadline: parsing ``--until 07:00`` / ``--for 6h``, splitting the time, and whether a trial fits.

Clock times are local wall-clock times in a ``zoneinfo`` zone (the ``TZ``
environment variable, read by the command line, or the system's zone): the
next 07:00 after now, DST included. Every function takes ``now`` (an aware
datetime), so tests inject the clock.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from collections.abc import Callable, Sequence
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from archsearch.errors import UsageError

__all__ = [
    "GRACE_S",
    "REPORT_RESERVE_S",
    "Clock",
    "Split",
    "expected_trial_seconds",
    "kept_reserve",
    "local_zone",
    "night_deadline",
    "parse_clock",
    "parse_duration",
    "split_night",
    "step_budget",
    "trial_fits",
]

Clock = Callable[[], dt.datetime]  # returns an aware datetime; tests pass a fake one
REPORT_RESERVE_S = 600.0  # kept at the end of the night for the reports and the summary (plan key `reserve`)
GRACE_S = 20.0  # between the step's SIGTERM and its SIGKILL at the deadline (the issue: at most 30 s)
_DURATION = re.compile(r"^\s*(?:(\d+(?:\.\d+)?)h)?\s*(?:(\d+(?:\.\d+)?)m)?\s*(?:(\d+(?:\.\d+)?)s)?\s*$")


def local_zone(tz_name: str | None) -> dt.tzinfo:
    """The zone named by ``TZ`` (e.g. ``Europe/Berlin``), else the system's local zone."""
    if tz_name:
        try:
            return ZoneInfo(tz_name.lstrip(":"))
        except (ZoneInfoNotFoundError, ValueError):
            raise UsageError(f"TZ={tz_name!r} is not a time zone name; use one like Europe/Berlin or UTC.") from None
    zone = dt.datetime.now().astimezone().tzinfo
    assert zone is not None
    return zone


def parse_duration(text: str, what: str = "--for") -> float:
    """Seconds in ``6h``, ``90m``, ``1h30m``, ``45s`` (a bare number is hours).

    >>> parse_duration("1h30m")
    5400.0
    >>> parse_duration("6")
    21600.0
    """
    text = str(text).strip()
    try:
        return float(text) * 3600.0
    except ValueError:
        pass
    match = _DURATION.match(text)
    if not text or not match or not any(match.groups()):
        raise UsageError(f"{what} {text!r} is not a duration; write e.g. 6h, 90m or 1h30m.")
    hours, minutes, seconds = (float(g) if g else 0.0 for g in match.groups())
    return hours * 3600.0 + minutes * 60.0 + seconds


def parse_clock(text: str, what: str = "--until") -> dt.time:
    """``07:00`` or ``7:30`` as a wall-clock time."""
    match = re.fullmatch(r"\s*(\d{1,2}):(\d{2})\s*", str(text))
    if not match or int(match.group(1)) > 23 or int(match.group(2)) > 59:
        raise UsageError(f"{what} {text!r} is not a clock time; write HH:MM, e.g. 07:00.")
    return dt.time(int(match.group(1)), int(match.group(2)))


def night_deadline(
    now: dt.datetime, *, until: str | None = None, for_: str | None = None, zone: dt.tzinfo | None = None
) -> dt.datetime | None:
    """When the night ends: the next ``until`` (local time in ``zone``) after ``now``, or ``now + for_``.

    >>> now = dt.datetime(2026, 3, 28, 23, 0, tzinfo=ZoneInfo("Europe/Berlin"))
    >>> night_deadline(now, until="07:00").isoformat()  # across the switch to summer time
    '2026-03-29T07:00:00+02:00'
    >>> night_deadline(now, for_="6h").isoformat()  # six hours elapsed: the lost hour is skipped
    '2026-03-29T06:00:00+02:00'
    """
    if until is None and for_ is None:
        return None
    zone = zone or now.tzinfo
    local = now.astimezone(zone)
    if for_ is not None:
        # Elapsed time, not wall time: go through UTC so a DST switch does not add or lose an hour.
        seconds = parse_duration(for_)
        if seconds <= 0:
            raise UsageError(f"--for {for_!r}: a night must last some time; write e.g. 6h, 90m or 1h30m.")
        return (now.astimezone(dt.UTC) + dt.timedelta(seconds=seconds)).astimezone(zone)
    at = parse_clock(str(until))
    candidate = dt.datetime.combine(local.date(), at, tzinfo=zone)
    if candidate <= local:
        candidate = dt.datetime.combine(local.date() + dt.timedelta(days=1), at, tzinfo=zone)
    return candidate


def expected_trial_seconds(durations: Sequence[float]) -> float | None:
    """What the next trial is expected to take, from the observed ones: the longest of the last five.

    Conservative on purpose: a trial that does not fit is not started. None when
    nothing was observed yet (the first trial of a study starts; the deadline
    stops it if it runs long).

    >>> expected_trial_seconds([10, 30, 12, 11, 9, 10])
    30.0
    >>> expected_trial_seconds([]) is None
    True
    """
    recent = [float(d) for d in durations if d is not None and d >= 0][-5:]
    return max(recent) if recent else None


def trial_fits(now: dt.datetime, deadline: dt.datetime | None, expected: float | None) -> bool:
    """Whether a trial of ``expected`` seconds started ``now`` ends before ``deadline``."""
    if deadline is None:
        return True
    left = (deadline - now).total_seconds()
    return left > 0 and (expected is None or expected <= left)


@dataclasses.dataclass(frozen=True)
class Split:
    """The night's time, shared out among the steps (seconds)."""

    total: float
    reserve: float
    budgets: dict[int, float]  # step number -> seconds it may use (shares of total - reserve)


#: The reports' reserve is at most this part of the night, so a short night still runs its steps.
MAX_RESERVE_PART = 0.25


def kept_reserve(total: float, reserve: float) -> float:
    """The reserve a night of ``total`` seconds keeps: at most :data:`MAX_RESERVE_PART` of it.

    >>> kept_reserve(6 * 3600, 600), kept_reserve(1800, 600)
    (600, 450.0)
    """
    return min(reserve, total * MAX_RESERVE_PART)


def split_night(total: float, shares: dict[int, float], reserve: float = REPORT_RESERVE_S) -> Split:
    """Share ``total`` seconds minus ``reserve`` among steps in proportion to their shares.

    Steps with share 0 (reports) run in the reserve. At run time a step that ends
    early hands its time to the steps after it (see :func:`step_budget`).

    >>> split_night(6 * 3600, {1: 2, 2: 1, 3: 0}, reserve=600).budgets
    {1: 14000.0, 2: 7000.0, 3: 0.0}
    """
    reserve = kept_reserve(total, reserve)
    usable = max(total - reserve, 0.0)
    weight = sum(shares.values())
    budgets = {n: (usable * s / weight if weight else 0.0) for n, s in shares.items()}
    return Split(total, reserve, budgets)


def step_budget(left: float, share: float, shares_left: float) -> float:
    """The seconds a step may use now: its share of what is left for the steps still to run.

    >>> step_budget(3600, 1, 3)
    1200.0
    """
    if shares_left <= 0 or share <= 0:
        return max(left, 0.0)
    return max(left, 0.0) * share / shares_left
