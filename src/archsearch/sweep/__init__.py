"""The night: a sweep plan run unattended within a deadline, resumable, locked, summarised and notified.

A plan (:func:`load_plan`) lists ``archsearch run/ask/report`` commands;
:func:`run_night` runs them one after the other, each in its own process group
tied to the sweep's life, within the night's deadline (:func:`night_deadline`),
under a per-plan, per-machine lock (:class:`SweepLock`), recording each step in
the night's state (:class:`NightState`) and rewriting the morning summary
(:func:`write_summary`) after every step; :func:`notify` sends its headline;
:mod:`schedule <archsearch.sweep._schedule>` installs it as a systemd user timer
or a crontab line. This package sits under the command line (which passes the
click commands in) and above the studies.
"""

from archsearch.sweep._base import base_note, freeze_best_base
from archsearch.sweep._check import check_night, check_notify, dry_run_lines
from archsearch.sweep._collect import (
    collect_step,
    observed_trial_seconds,
    read_answers,
    result_path,
)
from archsearch.sweep._deadline import (
    GRACE_S,
    REPORT_RESERVE_S,
    Clock,
    Split,
    expected_trial_seconds,
    local_zone,
    night_deadline,
    parse_clock,
    parse_duration,
    split_night,
    step_budget,
    trial_fits,
)
from archsearch.sweep._lock import SweepBusy, SweepLock
from archsearch.sweep._night import DEADLINE, NightOptions, exit_code, run_night
from archsearch.sweep._notify import notify
from archsearch.sweep._plan import COMMANDS, Plan, Step, load_plan
from archsearch.sweep._reporter import ReporterLock
from archsearch.sweep._schedule import Schedule, install_schedule, list_schedules, make_schedule, remove_schedule
from archsearch.sweep._state import (
    NightState,
    StepState,
    load_night,
    night_folder,
    previous_night,
)
from archsearch.sweep._summary import summary_data, summary_markdown, write_summary
from archsearch.sweep._tonight import step_argv, sweep_night

__all__ = [
    "COMMANDS",
    "DEADLINE",
    "GRACE_S",
    "REPORT_RESERVE_S",
    "Clock",
    "NightOptions",
    "NightState",
    "Plan",
    "ReporterLock",
    "Schedule",
    "Split",
    "Step",
    "StepState",
    "SweepBusy",
    "SweepLock",
    "base_note",
    "check_night",
    "check_notify",
    "collect_step",
    "dry_run_lines",
    "exit_code",
    "expected_trial_seconds",
    "freeze_best_base",
    "install_schedule",
    "list_schedules",
    "load_night",
    "load_plan",
    "local_zone",
    "make_schedule",
    "night_deadline",
    "night_folder",
    "notify",
    "observed_trial_seconds",
    "parse_clock",
    "parse_duration",
    "previous_night",
    "read_answers",
    "remove_schedule",
    "result_path",
    "run_night",
    "split_night",
    "step_argv",
    "step_budget",
    "summary_data",
    "summary_markdown",
    "sweep_night",
    "trial_fits",
    "write_summary",
]
