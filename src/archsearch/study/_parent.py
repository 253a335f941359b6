"""What a parent MLflow run says about its study: the settings it really ran with, and the design in words.

A search's parent run gets the training settings and the sampler; an
ablation's (``archsearch ask``) the factor, its levels, the seeds per level,
where every other hyperparameter is held, and the training settings. The
names are :class:`archsearch.schema.RunParam`'s.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from archsearch.schema import RunParam, Tag

if TYPE_CHECKING:
    from archsearch.space import Space

__all__ = ["base_text", "design_text", "levels_text", "parent_note", "parent_params"]


def parent_params(settings: Mapping[str, Any], design: Mapping[str, Any] | None) -> dict[str, Any]:
    """The parent run's params: ``settings`` (a search's), or the ablation's design and training settings.

    Example:
        >>> design = {"kind": "ablation", "factor": "layers", "levels": [1, 2], "baseline": 1, "base": {},
        ...           "seeds": [1000, 1001, 1002]}
        >>> p = parent_params({"epochs": 5, "repeats": 1, "sampler": "tpe", "trials": 6}, design)
        >>> p["repeats"], p["levels"], p["base"], "sampler" in p
        (3, '1,2', 'default', False)
        >>> p = parent_params({"trials": 6}, {**design, "sequential": {"repeats": 3, "max_seeds": 9}})
        >>> p["repeats"], p["max_seeds"], "seeds" in p, "trials" in p  # seeds added per round; the seeds ran grow
        (3, 9, False, False)
    """
    out = dict(settings)
    if not design or design.get("kind") != "ablation":
        return out
    for key in (RunParam.SAMPLER, RunParam.REPEATS):
        out.pop(key, None)  # a design enqueues every trial; each seed is a trial of its own
    seeds = list(design.get("seeds") or [])
    sequential = design.get("sequential") or {}
    if sequential:  # --until-decided: one parent run for all its rounds, so only what no round changes
        out.pop(RunParam.TRIALS, None)
        rounds = {RunParam.REPEATS: sequential.get("repeats"), RunParam.MAX_SEEDS: sequential.get("max_seeds")}
    else:
        rounds = {RunParam.REPEATS: len(seeds), RunParam.SEEDS: ",".join(str(s) for s in seeds)}
    return {
        RunParam.FACTOR: design.get("factor"),
        RunParam.LEVELS: levels_text(design),
        RunParam.BASELINE: design.get("baseline"),
        **rounds,
        RunParam.BASE: base_text(design),
        **out,
    }


def parent_note(space: Space, design: Mapping[str, Any] | None, dataset: str, epochs: int) -> dict[str, str]:
    """A design's parent run description (``{Tag.NOTE: ...}``): the design in words, not the space's docstring.

    The verdict is put first once the design has one (``archsearch.report.record_answer``). A search: ``{}``.
    """
    if not design:
        return {}
    question = next((q.text for q in space.questions if q.param == design.get("factor")), None)
    return {
        Tag.NOTE: design_text(
            design,
            question=question,
            objective=space.objective,
            direction=space.direction,
            dataset=dataset,
            epochs=epochs,
        )
    }


def levels_text(design: Mapping[str, Any]) -> str:
    """``"1,2,3"``: an ablation's levels, comma-separated as ``--levels`` takes them."""
    return ",".join(str(v) for v in design.get("levels") or [])


def base_text(design: Mapping[str, Any], limit: int = 500) -> str:
    """Where an ablation holds every other hyperparameter: ``default``, ``reference:NAME`` or ``units=64, lr=0.001``.

    Example:
        >>> base_text({"base": {}}), base_text({"base": {"units": 64}, "reference": "L4"})
        ('default', 'reference:L4')
        >>> base_text({"base": {"units": 64, "lr": 0.001}})
        'units=64, lr=0.001'
    """
    if design.get("reference"):
        return f"reference:{design['reference']}"
    values = design.get("base") or {}
    if not values:
        return "default"
    return ", ".join(f"{k}={_short(v)}" for k, v in values.items())[:limit]


def design_text(
    design: Mapping[str, Any],
    *,
    question: str | None = None,
    objective: str | None = None,
    direction: str | None = None,
    dataset: str | None = None,
    epochs: Any = None,
    splits: Sequence[str] = (),
) -> str:
    """One paragraph: the question, the design, its levels and seeds, what is scored on which split, the data.

    ``splits``: the splits the answers were computed on (``test``, ``validation``), once known.

    Example:
        >>> design = {"kind": "ablation", "factor": "layers", "levels": [1, 2], "baseline": 1, "base": {},
        ...           "seeds": [1000, 1001]}
        >>> text = design_text(design, question="Does a deeper network help?", objective="val_accuracy",
        ...                    direction="maximize", dataset="digits", epochs=5, splits=["test"])
        >>> for sentence in text.split("; "):
        ...     print(sentence)
        Does a deeper network help? A controlled ablation of `layers` (confirmatory): levels 1 (baseline), 2
        2 seeds per level, the same at every level (1000, 1001)
        every other hyperparameter at its default. Objective: val_accuracy (maximize)
        the answer on the test split. Data: digits, 5 epochs.
    """
    parts = [question] if question else []
    if design.get("kind") == "ablation":
        seeds = list(design.get("seeds") or [])
        levels = ", ".join(
            f"{v} (baseline)" if v == design.get("baseline") else str(v) for v in design.get("levels") or []
        )
        base = base_text(design)
        held = (
            "at its default"
            if base == "default"
            else f"held at the lab's model {base}"
            if base.startswith("reference:")
            else f"held at {base}"
        )
        parts.append(
            f"A controlled ablation of `{design.get('factor')}` (confirmatory): levels {levels}; "
            f"{len(seeds)} seeds per level, the same at every level ({', '.join(map(str, seeds))}); "
            f"every other hyperparameter {held}."
        )
        if design.get("matched_size"):
            parts.append(f"Model size held within 5% by `{design['matched_size'].get('adjusted')}`.")
    elif design.get("sampler"):
        parts.append(
            f"A search (sampler {design['sampler']}, exploratory): each effect is adjusted for the other "
            "hyperparameters by regression."
        )
    scored = []
    if objective:
        scored.append(f"Objective: {objective}" + (f" ({direction})" if direction else ""))
    if splits:
        scored.append(f"the answer on the {' and '.join(dict.fromkeys(splits))} split")
    if scored:
        parts.append("; ".join(scored) + ".")
    data = [str(d) for d in (dataset,) if d] + ([f"{epochs} epochs"] if epochs else [])
    if data:
        parts.append("Data: " + ", ".join(data) + ".")
    return " ".join(parts)


def _short(value: Any) -> str:
    return f"{value:.4g}" if isinstance(value, float) else str(value)
