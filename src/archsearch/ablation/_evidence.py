"""One question, several bases, one study: ``archsearch ask --base FIRST --add-base NEW``.

An ablation's study holds one design, and its base is part of the design. When the
base moves (``--base best`` after the search found a better trial), a new base
would start a new study and the seeds asked so far would no longer add up. Instead,
``--add-base NEW`` asks the same levels on NEW in the study of the FIRST base, with
the next K seeds (seeds never shared between bases): each seed's levels are held at
one base, so every paired difference stays within one base, and the verdicts pool
the paired differences of every base (the effect averaged over the bases asked, each
weighted by its seeds). The study's design records each base with its seeds
(``bases``); its identity becomes ``FIRST+N`` (N bases added), so a plain ``ask`` of
one base no longer writes over the record.

A study with matched sizes cannot take another base (the matched values depend on
the base). ``--until-decided`` adds one round of K seeds on the new base: the
study is then analysed as a fixed design (the looks' alpha spending was planned for
one base).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

from archsearch.ablation._base import load_data_first, resolve_base, with_run_settings
from archsearch.ablation._decide import analyze_ablation, design_identity
from archsearch.ablation._design import AblationResult, plan_ablation
from archsearch.ablation._study import ablation_study_name, no_trial_finished, set_study_attr
from archsearch.errors import UsageError
from archsearch.schema import StudyAttr
from archsearch.seeds import ABLATION_SEED_BASE

if TYPE_CHECKING:
    from archsearch.ablation._design import AblationDesign
    from archsearch.space import Space
    from archsearch.study import RunOptions

__all__ = ["add_base", "extend_design"]


def extend_design(design: Mapping[str, Any], base: Mapping[str, Any], seeds: list[int]) -> dict[str, Any]:
    """The recorded design with ``base`` asked at ``seeds`` too (the same design when that base is recorded).

    Example:
        >>> first = {"kind": "ablation", "base": {"units": 8}, "seeds": [1000, 1001], "identity": "3f9a0c1e"}
        >>> out = extend_design(first, {"units": 16}, [1002, 1003])
        >>> out["identity"], out["seeds"], [b["base"] for b in out["bases"]]
        ('3f9a0c1e+1', [1000, 1001, 1002, 1003], [{'units': 8}, {'units': 16}])
        >>> extend_design(out, {"units": 16}, [1002, 1003]) == out
        True
    """
    bases = [dict(b) for b in recorded_bases(design)]
    if not any(b["base"] == dict(base) for b in bases):
        bases.append({"base": dict(base), "seeds": list(seeds)})
    out = {k: v for k, v in design.items() if k != "sequential"}
    first = str(design["identity"]).split("+")[0]
    out.update(
        seeds=[s for b in bases for s in b["seeds"]],
        bases=bases,
        identity=first if len(bases) == 1 else f"{first}+{len(bases) - 1}",
    )
    return out


def recorded_bases(design: Mapping[str, Any]) -> list[dict[str, Any]]:
    """Each base the study was asked on, with its seeds (one, for a study of one base)."""
    return list(design.get("bases") or [{"base": dict(design["base"]), "seeds": list(design["seeds"])}])


@dataclasses.dataclass
class _Recorded:
    """The study's recorded design, as :func:`analyze_ablation` reads a plan."""

    levels: list[Any]
    record: dict[str, Any]

    def design(self) -> dict[str, Any]:
        return self.record


def add_base(
    space: str | Path | Space,
    factor: str,
    options: RunOptions,
    *,
    levels: Any,
    repeats: int,
    base: str | Mapping[str, Any],
    add: str | Mapping[str, Any],
    min_effect: float | None = None,
) -> AblationResult:
    """Ask ``factor`` on the base ``add`` in the study of ``base`` (its first base); see the module's text.

    The study must hold the ablation of ``base`` already (the same factor, levels, data, epochs and seed).
    """
    from archsearch.analysis import counted
    from archsearch.space import Space, load_space
    from archsearch.study import open_study, run_search

    # New space and options, each made once (dataclasses.replace); the caller's are not changed.
    space, options = with_run_settings(space if isinstance(space, Space) else load_space(space), options, base)
    load_data_first(space, options)
    first = plan_ablation(
        space, factor, levels=levels, repeats=repeats, base=base, seed=options.seed, storage=options.storage
    )
    added = resolve_base(space, add, options.storage)  # checked (a point of the space) before the study is read
    identity = design_identity(first, space, options)
    first = dataclasses.replace(first, identity=identity)
    study_name = options.study_name or ablation_study_name(space, factor, identity)
    options = dataclasses.replace(options, study_name=study_name)
    design = _recorded(open_study, options, identity)
    seeds_so_far = len(design["seeds"])
    new = plan_ablation(
        space,
        factor,
        levels=design["levels"],
        repeats=repeats,
        base=added,
        seed=options.seed,
        storage=options.storage,
        first_seed=seeds_so_far,
    )
    known = next((b for b in recorded_bases(design) if b["base"] == new.base), None)
    if known is not None:  # asked on this base before (another night, or a resumed ask): its own seeds
        new = _plan_at(space, factor, design, options, new.base, known["seeds"])
    record = extend_design(design, new.base, new.seeds)
    set_study_attr(options, StudyAttr.DESIGN, record)  # first, so even an interrupted ask reports every base
    planned = [first, new]  # most nights, the pairs of the first base and of the new one are planned already
    pairs = [pair for entry in record["bases"] for pair in _pairs(planned, entry, space, factor, design, options)]
    options = dataclasses.replace(options, trials=len(pairs))
    search = run_search(space, options, enqueue=pairs)  # every base's trials: what one failed is run again
    while search.recycle:
        search = run_search(space, dataclasses.replace(options, parent_run_id=search.parent_run_id), enqueue=pairs)
    no_trial_finished(space, options, search)
    # Read as a plan: analyze_ablation needs only its levels and design record (which names every base).
    data = analyze_ablation(space, options, cast("AblationDesign", _Recorded(design["levels"], record)), min_effect)
    n = len(record["bases"])
    message = (
        f"ran {len(new.levels)} levels x {counted(len(new.seeds), 'seeds')} on base {_index(record, new.base)} of {n} "
        f"(every base: {counted(len(record['seeds']), 'seeds')} per level)."
    )
    # The plan of the whole design: its pairs are every base's (a sweep's target), its base and seeds the new one's.
    whole = dataclasses.replace(new, pairs=pairs, identity=record["identity"])
    return AblationResult(study_name, whole, search, 1, None, message, data)


def _recorded(open_study: Any, options: RunOptions, identity: str) -> dict[str, Any]:
    try:
        study = open_study(options.study_name, options.storage)
    except Exception:  # noqa: BLE001 - no such study: said below in the user's terms
        study = None
    design = (study.user_attrs.get(StudyAttr.DESIGN) if study is not None else None) or {}
    if design.get("kind") != "ablation" or str(design.get("identity", "")).split("+")[0] != identity:
        raise UsageError(
            f"--add-base: study {options.study_name!r} does not hold the ablation of this --base (identity "
            f"{identity}); run the ask on --base first, then add bases to it."
        )
    if design.get("matched_size"):
        raise UsageError(
            f"--add-base: study {options.study_name!r} matched sizes (--match-size), and matched values depend "
            "on the base; ask the new base in its own study."
        )
    return dict(design)


def _plan_at(
    space: Space, factor: str, design: Mapping[str, Any], options: RunOptions, base: Mapping[str, Any], seeds: list[int]
) -> Any:
    """The pairs of ``base`` at ``seeds`` (consecutive ablation seeds), in the order its first ask ran them."""
    return plan_ablation(
        space,
        factor,
        levels=design["levels"],
        repeats=len(seeds),
        base=base,
        seed=options.seed,
        first_seed=seeds[0] - ABLATION_SEED_BASE - options.seed,
    )


def _pairs(
    planned: list[Any], entry: Mapping[str, Any], space: Space, factor: str, design: Any, options: RunOptions
) -> list[tuple[dict[str, Any], int]]:
    """The pairs of one recorded base: of a plan made already when it is that base at those seeds."""
    for plan in planned:
        if plan.base == entry["base"] and plan.seeds == entry["seeds"]:
            return list(plan.pairs)
    return list(_plan_at(space, factor, design, options, entry["base"], entry["seeds"]).pairs)


def _index(record: Mapping[str, Any], base: Mapping[str, Any]) -> int:
    return next(i for i, b in enumerate(record["bases"], 1) if b["base"] == dict(base))
