"""What a trial's MLflow run says about it: its name, its description, its curves and single values.

The names of the values are :class:`archsearch.schema.Metric`'s; the tracker
writes them (``tracking.TrialLog``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from archsearch.schema import Metric, Tag
from archsearch.tracking import TrialLog

__all__ = ["ended_early_log", "mean_curves", "run_name", "shown_params", "trial_description"]

RUN_NAME_PARAMS = 3  # params named in a run's name; the run's params hold them all


def shown_params(values: Mapping[str, Any], declared: Mapping[str, Any]) -> dict[str, Any]:
    """The trial's values as people read them (``Param.shown``: 0.3, not 0.30000000000000004)."""
    return {k: declared[k].shown(v) if k in declared else v for k, v in values.items()}


def run_name(number: int, params: Mapping[str, Any], *, factor: str | None = None, seed: int | None = None) -> str:
    """``trial-12 layers=3 units=128``: the trial and its first few params.

    In an ablation (``factor``) the factor's level comes first, then the seed: what tells its runs apart
    (every other param is held at the base).

    Example:
        >>> run_name(12, {"layers": 3, "units": 128, "dropout": 0.3, "lr": 0.001})
        'trial-12 layers=3 units=128 dropout=0.3'
        >>> run_name(0, {"layers": 1, "units": 64, "lr": 0.01}, factor="lr", seed=1000)
        'trial-0 lr=0.01 seed=1000 layers=1 units=64'
    """
    first = [factor] if factor is not None and factor in params else []
    names = first + [k for k in params if k not in first][: RUN_NAME_PARAMS - len(first)]
    parts = [f"trial-{number}"] + [f"{k}={params[k]}" for k in names]
    if first and seed is not None:
        parts.insert(2, f"seed={seed}")
    return " ".join(parts)[:250]


def mean_curves(histories: Sequence[Mapping[str, Sequence[float]]]) -> dict[str, list[float]]:
    """Per-epoch means over the fits of a trial (its seeds); the first fit's curves when their lengths differ.

    Example:
        >>> mean_curves([{"loss": [1.0, 0.5]}, {"loss": [0.8, 0.3]}])
        {'loss': [0.9, 0.4]}
    """
    if len(histories) <= 1:
        return {k: list(v) for k, v in (histories[0] if histories else {}).items()}
    out: dict[str, list[float]] = {}
    for key, first in histories[0].items():
        curves = [h.get(key) for h in histories]
        if all(c is not None and len(c) == len(first) for c in curves):
            out[key] = [sum(vs) / len(vs) for vs in zip(*curves, strict=True)]
        else:
            out[key] = list(first)
    return out


def trial_description(
    number: int,
    state: str,
    objective: str,
    *,
    value: float | None = None,
    seed_values: Sequence[float] = (),
    params_count: int | None = None,
    fit_seconds: float | None = None,
    seed: int | None = None,
    note: str = "",
) -> str:
    """The child run's description (``mlflow.note.content``, Markdown): what the trial is and how it ended."""
    lines = [f"**Trial {number}**: {state.lower()}."]
    if value is not None:
        text = f"{objective} (the `{Metric.OBJECTIVE}` metric): **{value:.4f}**"
        if len(seed_values) > 1:
            text += (
                f", the mean over {len(seed_values)} seeds ({', '.join(f'{v:.4f}' for v in seed_values)}); "
                f"the curves are per-epoch means, each seed's under `{Metric.SEED_PREFIX}<r>/`"
            )
        lines.append(text + ".")
    facts = []
    if params_count is not None:
        facts.append(f"{params_count:,} weights")
    if fit_seconds is not None:
        facts.append(f"trained in {fit_seconds:.1f} s")
    if seed is not None:
        facts.append(f"seed {seed}")
    if facts:
        text = ", ".join(facts)
        lines.append(text[0].upper() + text[1:] + ".")
    if note:
        lines.append(note)
    return "\n\n".join(lines)


def ended_early_log(
    number: int,
    state: str,
    shown: Mapping[str, Any],
    results: Sequence[Any],
    seconds: float,
    *,
    objective: str,
    seed: int,
    name: str,
    note: str,
    error: str | None = None,
    stop_reason: str | None = None,
    traceback: str | None = None,
) -> TrialLog:
    """The run of a trial that failed, or that a stop cut off (``stop_reason``: its run ends KILLED).

    ``results``: its fits that ended (their last curves; the model's size once one did); ``seconds``: its time.
    """
    from archsearch.study._measures import rss_mib

    summary = {Metric.FIT_SECONDS: seconds, Metric.RSS_MIB: rss_mib()}
    params_count = results[-1].params_count if results else None
    if params_count is not None:
        summary[Metric.PARAMS_COUNT] = params_count
    return TrialLog(
        number,
        state,
        shown,
        results[-1].history if results else {},
        {},
        {Tag.ERROR: error[:5000]} if error else {},
        summary=summary,
        run_name=name,
        stop_reason=stop_reason,
        traceback=traceback,
        description=trial_description(
            number, state, objective, params_count=params_count, fit_seconds=seconds, seed=seed, note=note
        ),
    )
