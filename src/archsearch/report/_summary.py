"""The two public entry points over :func:`build_report`: a notebook report and the verdict lines ``run`` prints."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from archsearch.report._build import Report, build_report, search_name
from archsearch.report._render import time_lines

if TYPE_CHECKING:
    from archsearch.space import Space

__all__ = ["report_command", "study_report", "verdict_lines"]


def study_report(
    space_or_study: str | Path | Space,
    *,
    study_name: str | None = None,
    storage: str | None = None,
    tracking_uri: str | None = None,
    **kwargs: Any,
) -> Report:
    """The report of a study, for Jupyter: ``.to_dict()``, ``.to_markdown()``, renders inline as HTML.

    Example:
        >>> import archsearch
        >>> r = archsearch.study_report("spaces/digits_quick.py")  # doctest: +SKIP
        >>> r                                                 # doctest: +SKIP
        >>> r.to_dict()["questions"][0]["effects"]           # doctest: +SKIP
    """
    return build_report(space_or_study, study_name=study_name, storage=storage, tracking_uri=tracking_uri, **kwargs)


def report_command(target: str, study: str | None, storage: str | None, tracking_uri: str | None) -> str:
    """The ``archsearch report`` command that reads this study where it is (the stores given, not the defaults).

    Example:
        >>> report_command("spaces/digits_quick.py", "digits_quick", "sqlite:///mlruns/smoke/optuna.db", None)
        'archsearch report spaces/digits_quick.py --study digits_quick --storage sqlite:///mlruns/smoke/optuna.db'
        >>> report_command("spaces/digits_quick.py", "digits_quick", "sqlite:///mlruns/optuna.db", None)
        'archsearch report spaces/digits_quick.py --study digits_quick'
    """
    from archsearch.stores import DEFAULT_STORAGE, DEFAULT_TRACKING_URI, printed_command, url_flag

    words = ["archsearch", "report", target] + (["--study", study] if study else [])
    for option, url, default in (
        ("--storage", storage, DEFAULT_STORAGE),
        ("--tracking-uri", tracking_uri, DEFAULT_TRACKING_URI),
    ):
        if url and url != default:
            words += url_flag(option, url)
    return printed_command(words)


def verdict_lines(
    study_name: str, storage: str | None, space: Space | str | Path | None = None, tracking_uri: str | None = None
) -> list[str]:
    """A few lines with each question's verdicts, for the end of ``archsearch run``.

    Example:
        >>> for line in verdict_lines("digits_quick", None, "spaces/digits_quick.py"):  # doctest: +SKIP
        ...     print(line)
    """
    r = build_report(
        space if space is not None else study_name, study_name=study_name, storage=storage, importance_resamples=0
    )
    data = r.to_dict()
    if not data["questions"]:
        return []
    kind = (
        f"exploratory (search): a {search_name(data['design'].get('sampler', 'tpe'))}"
        if data["exploratory"]
        else "confirmatory (ask): a controlled ablation"
    )
    lines = [f"Verdicts ({data['objective']}; {kind}):"]
    for q in data["questions"]:
        if not q["effects"]:  # "no trial has a value for 'x'." is not "one level"
            lines.append(f"  {q['param']}: {q['note'] if not q['levels'] and q['note'] else 'only one level tried'}")
        lines += [f"  {q['param']}: {e['level']} vs {e['reference']}: {e['summary']}" for e in q["effects"]]
        if q.get("baseline_note"):
            lines.append(f"  {q['param']}: {q['baseline_note']}")
        if data["design"].get("kind") == "ablation":  # an ask: fit time per epoch too, as ratios with intervals
            lines += [f"  {line}" for line in time_lines(q)[1:]]
    target = data["space"] or data["study"]
    lines.append(
        "Full report: " + report_command(target, data["study"] if data["space"] else None, storage, tracking_uri)
    )
    return lines
