"""``archsearch sweep --dry-run``: everything a night needs, checked before the night; how its time is split."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from pathlib import Path

from archsearch.errors import UsageError
from archsearch.sweep._deadline import REPORT_RESERVE_S, split_night
from archsearch.sweep._plan import Plan, Step

__all__ = ["check_night", "check_notify", "dry_run_lines"]


def check_night(plan: Plan, urls: Sequence[str], night: str | None = None) -> None:
    """Raise a one-line :class:`UsageError` for what would fail at night: a missing space file, a storage
    or tracking URL SQLAlchemy cannot use or a database server that does not answer, an ask's factor, levels
    or reference base the space does not declare, a notify URL Apprise does not know (:func:`check_notify`),
    a malformed ``--night``."""
    from archsearch.stores import check_reachable, check_url

    if night is not None and not (re.fullmatch(r"\d{4}-\d{2}-\d{2}", night) and _is_date(night)):
        raise UsageError(f"--night {night!r}: write a date as YYYY-MM-DD, e.g. 2026-12-07.")
    for step in plan.steps:
        where = f"{plan.path}: step {step.number}"
        if (step.command != "report" or step.space.endswith(".py")) and not Path(step.space).is_file():
            raise UsageError(f"{where}: no space file {step.space} (from {Path.cwd()}); fix the path in the plan.")
        dataset = step.option("dataset")
        if dataset:
            from archsearch.data import check_dataset_name  # no TensorFlow: names and folders only

            try:
                check_dataset_name(str(dataset))
            except UsageError as err:
                raise UsageError(f"{where}: --dataset {dataset!r}: {err}") from None
        for option, what in (("storage", "storage"), ("tracking-uri", "tracking")):
            url = step.option(option)
            if url and not url.startswith(("http://", "https://", "databricks")):
                check_url(url, what, f"{where}: --{option}")
                check_reachable(url, f"{where}: --{option}")  # a server down now is a night lost at 3 a.m.
        if step.command == "ask":
            _check_ask(step, where)
    check_notify(plan, urls)


def check_notify(plan: Plan, urls: Sequence[str]) -> None:
    """Raise a one-line :class:`UsageError` for notify URLs that cannot be used: Apprise missing, or a URL it
    does not know. At night the sweep says it as a warning and runs unnotified (a night is worth more than its
    message); ``--dry-run`` and ``schedule install`` refuse."""
    if urls:
        try:
            import apprise
        except ImportError:
            raise UsageError(
                "notify URLs are set (ARCHSEARCH_NOTIFY or the plan's notify) but Apprise is not "
                "installed: pip install 'archsearch[notify]'."
            ) from None
        for url in urls:
            if not apprise.Apprise().add(url):
                where = "the plan's notify" if url in plan.notify else "ARCHSEARCH_NOTIFY"
                shown = f"{url.split('://')[0]}://..." if "://" in url else repr(url)
                raise UsageError(
                    f"{plan.path}: notify URL {shown} (from {where}) is not one Apprise knows; fix it "
                    "(see https://github.com/caronc/apprise/wiki)."
                )


def _check_ask(step: Step, where: str) -> None:
    """The ask's factor, levels and base as the ask would check them (the builder is called, nothing is
    trained): a misspelled factor, a level outside the declared values or a reference the space lacks fails
    now, not at 3 a.m. ``--base best`` is checked on the defaults (an earlier step may fill its study)."""
    from archsearch.ablation import checked_levels
    from archsearch.space import load_space

    factor, base = step.option("factor"), step.option("base") or "default"
    if factor is None:
        raise UsageError(f'{where}: an ask needs a factor; add factor = "NAME" to the step.')
    try:
        checked_levels(load_space(step.space), factor, step.option("levels"), "default" if base == "best" else base)
    except UsageError as err:
        raise UsageError(f"{where}: {err}") from None


def dry_run_lines(
    plan: Plan, now: dt.datetime, deadline: dt.datetime | None, reserve: float | None = None
) -> list[str]:
    """The commands in the order the night runs them, then how the night's time is split among them."""
    order = plan.ordered()
    lines = [step.describe() for step in order]
    if deadline is None:
        return lines + ["No deadline (--until, --for or the plan's until/for): every step runs to its target."]
    total = (deadline - now).total_seconds()
    wanted = REPORT_RESERVE_S if reserve is None else reserve
    split = split_night(total, {s.number: s.share for s in order}, wanted)
    weight = sum(s.share for s in order)
    capped = f" (not the {_hm(wanted)} asked: at most a quarter of the night)" if split.reserve < wanted else ""
    lines.append(
        f"Night: until {deadline:%Y-%m-%d %H:%M %Z} ({_hm(total)} from now), the last {_hm(split.reserve)}{capped} "
        "kept for the reports and the summary:"
    )
    for step in order:
        budget = split.budgets[step.number]
        if step.share:
            lines.append(
                f"  step {step.number}: up to {_hm(budget)} (share {step.share:g} of {weight:g}; time a "
                f"step leaves unused goes to the steps after it)"
            )
        else:
            lines.append(
                f"  step {step.number}: {step.command}, share 0: runs in its turn on the time left (the reserve "
                "keeps time for the last ones)"
            )
    return lines


def _hm(seconds: float) -> str:
    """``6h30m``; under a minute in seconds (``10s``), not ``0h00m``."""
    if seconds < 60:
        return f"{max(seconds, 0):.0f}s"
    minutes = int(seconds // 60)
    return f"{minutes // 60}h{minutes % 60:02d}m"


def _is_date(text: str) -> bool:
    """``2026-12-07`` is; ``2026-13-45`` is not."""
    try:
        dt.date.fromisoformat(text)
    except ValueError:
        return False
    return True
