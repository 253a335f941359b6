"""Controlled ablation: one factor's levels, everything else held at a base, the same seeds at every level."""

from __future__ import annotations

import dataclasses
import random
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from archsearch.ablation._base import (
    REFERENCE,
    declared_with_everything,
    grid_or_empty,
    level_key,
    load_data_first,
    resolve_base,
    trial_config,
    with_run_settings,
)
from archsearch.ablation._decide import analyze_ablation, design_identity, look_record, stop_message
from archsearch.ablation._study import (
    ablation_study_name,
    no_trial_finished,
    recorded_design,
    run_round,
    same_question,
    set_study_attr,
)
from archsearch.errors import UsageError
from archsearch.schema import StudyAttr
from archsearch.seeds import ablation_order_seed, ablation_seeds

if TYPE_CHECKING:
    from archsearch.space import Param, Space
    from archsearch.study import RunOptions, SearchResult

__all__ = ["AblationDesign", "AblationResult", "parse_levels", "plan_ablation", "run_ablation"]

_MAX_GRID = 12


@dataclasses.dataclass
class AblationDesign:
    """What an ablation runs: ``pairs`` of (params, seed) in randomized order."""

    factor: str
    levels: list[Any]
    baseline: Any
    base: dict[str, Any]
    seeds: list[int]
    pairs: list[tuple[dict[str, Any], int]]
    # Set by --base reference:NAME and --match-size (see _base.resolve_base and _size.match_sizes).
    reference: str | None = None
    matched: dict[str, Any] | None = None
    # Set by run_ablation: the design's short hash (see design_identity), --until-decided's plan, --min-effect.
    identity: str | None = None
    sequential: dict[str, Any] | None = None
    min_effect: float | None = None

    def design(self) -> dict[str, Any]:
        """The study user attribute :attr:`archsearch.schema.StudyAttr.DESIGN` the report reads."""
        out = {
            "kind": "ablation",
            "factor": self.factor,
            "levels": self.levels,
            "baseline": self.baseline,
            "base": self.base,
            "seeds": self.seeds,
        }
        optional = {
            "reference": self.reference,
            "matched_size": self.matched,
            "identity": self.identity,
            "sequential": self.sequential,
            "min_effect": self.min_effect,
        }
        out.update({k: v for k, v in optional.items() if v is not None})
        return out


@dataclasses.dataclass
class AblationResult:
    """Where an ablation ended: the study, the seeds run, and (with until_decided) whether it decided."""

    study_name: str
    plan: AblationDesign
    search: SearchResult
    rounds: int
    decided: bool | None
    message: str
    #: The ablation's statistics (:func:`archsearch.analyze_table` on its design trials; with
    #: until_decided, sequential) and, with until_decided, ``looks``: one record per look.
    data: dict[str, Any] = dataclasses.field(default_factory=dict)
    looks: list[dict[str, Any]] = dataclasses.field(default_factory=list)


def parse_levels(param: Param, text: str) -> list[Any]:
    """Levels from ``"1,2,3"`` converted to the hyperparameter's type.

    Example:
        >>> from archsearch.space import Param
        >>> parse_levels(Param.make_int("layers", 1, 5, None, None, None), "1, 3")
        [1, 3]
        >>> parse_levels(Param.make_choice("lr", [1e-06, 2e-06, 0.05], None, None), "1e-6,2e-6")
        [1e-06, 2e-06]
    """
    out: list[Any] = []
    for raw in (t.strip() for t in text.split(",") if t.strip()):
        try:
            if param.kind == "int":
                out.append(int(raw))
            elif param.kind == "float":
                out.append(float(raw))
            elif param.kind == "boolean":
                if raw.lower() not in ("true", "false", "1", "0"):
                    raise ValueError(raw)
                out.append(raw.lower() in ("true", "1"))
            else:
                match = [v for v in param.values if _same_choice(v, raw)]
                if not match:
                    raise ValueError(raw)
                out.append(match[0])
        except ValueError:
            raise UsageError(
                f"--levels {text!r}: {raw!r} is not a value of {param.name} ({param.describe()})."
            ) from None
        low, high = param.min_value, param.max_value
        if param.kind in ("int", "float") and low is not None and high is not None and not low <= out[-1] <= high:
            raise UsageError(
                f"--levels {text!r}: {raw} is outside {param.name}'s declared range ({param.describe()}); "
                "widen the range in the space's builder, or ask about levels inside it."
            )
    if len(out) < 2:
        raise UsageError(
            f"--levels {text!r}: give at least two levels of {param.name}, e.g. --levels "
            f"{','.join(str(v) for v in grid_or_empty(param)[:2]) or '1,2'}."
        )
    return out


def _same_choice(value: Any, raw: str) -> bool:
    """A choice written on the command line: as text, or, for a number, as the same number (``1e-6`` is the
    choice 1e-06, ``0.10`` is 0.1); the choice keeps its own value and type.

    Example:
        >>> _same_choice(1e-06, "1e-6"), _same_choice(0.1, "0.10"), _same_choice(16, "16.0"), _same_choice(16, "x")
        (True, True, True, False)
        >>> _same_choice(True, "1"), _same_choice("relu", "relu")
        (False, True)
    """
    if str(value) == raw:
        return True
    if isinstance(value, bool) or not isinstance(value, int | float):
        return False
    try:
        return float(raw) == float(value)
    except ValueError:
        return False


def plan_ablation(
    space: Space,
    factor: str,
    *,
    levels: Sequence[Any] | str | None = None,
    repeats: int = 3,
    base: str | Mapping[str, Any] = "default",
    seed: int = 0,
    storage: str | None = None,
    first_seed: int = 0,
    match_size: str | None = None,
) -> AblationDesign:
    """Build the (params, seed) pairs of an ablation.

    Args:
        space: the loaded space.
        factor: the hyperparameter to vary.
        levels: its levels (a list, or ``"1,2,3"``); default: every value of a finite grid.
        repeats: seeds per level (the same seeds at every level, so differences are paired).
        base: ``"default"`` (each hyperparameter's default), ``"best"`` (the best trial of the
            space's search study in ``storage``), ``"reference:NAME"`` (one of the space's
            ``REFERENCES``, a lab's own model), a JSON file path, or a dict.
        seed: seeds the randomized run order; trial seeds are ``archsearch.seeds.ablation_seeds``.
        first_seed: index of the first seed (later rounds of ``until_decided`` add seeds).
        match_size: adjust this hyperparameter (``"auto"``: the factor's size partner, e.g.
            ``filters`` for ``blocks``) at every level so its parameter count is within 5% of
            the baseline level's (see :func:`archsearch.ablation.match_sizes`).

    Example:
        >>> plan = plan_ablation(load_space("spaces/digits_quick.py"), "layers", repeats=2)  # doctest: +SKIP
        >>> len(plan.pairs)  # doctest: +SKIP
        6
    """
    if repeats < 1:
        raise UsageError(f"--repeats must be at least 1, but got {repeats}.")
    base_values = resolve_base(space, base, storage)
    levels = checked_levels(space, factor, levels, base_values)
    question = next((q for q in space.questions if q.param == factor), None)
    baseline = question.baseline if question is not None and question.baseline in levels else levels[0]
    seeds = ablation_seeds(seed, repeats, first_seed)
    overrides, matched = _matched_overrides(space, factor, levels, baseline, base_values, match_size)
    configs = {
        level_key(lv): trial_config(space, {**base_values, factor: lv, **overrides.get(str(lv), {})}) for lv in levels
    }
    pairs = [(configs[level_key(lv)], s) for lv in levels for s in seeds]
    # order effects (warm caches, load) spread over levels
    random.Random(ablation_order_seed(seed, first_seed)).shuffle(pairs)
    clean_base = {k: v for k, v in trial_config(space, base_values).items() if k != factor}
    reference = base.partition(":")[2] if isinstance(base, str) and base.startswith(REFERENCE) else None
    return AblationDesign(factor, levels, baseline, clean_base, seeds, pairs, reference=reference, matched=matched)


def checked_levels(
    space: Space,
    factor: str,
    levels: Sequence[Any] | str | None,
    base: str | Mapping[str, Any] = "default",
    storage: str | None = None,
) -> list[Any]:
    """The factor's levels (parsed from ``"1,2,3"``; default: a small grid), once the builder is seen to declare
    the factor with these base values and each level is one of its values (the builder is called, nothing is
    trained: ``archsearch sweep`` checks its plan's asks with this before the night). ``base`` as
    :func:`plan_ablation` takes it.

    Raises:
        UsageError: the base is not one (e.g. no such reference), the factor is not declared, a level is outside
            its values, or no levels were given and the factor has no small grid.

    Example:
        >>> from archsearch.space import load_space
        >>> checked_levels(load_space("spaces/digits_quick.py"), "layers", "1,3")
        [1, 3]
    """
    from archsearch.study import declared_params

    base_values = resolve_base(space, base, storage)
    declared = declared_params(space, base_values)
    if factor not in declared:
        declared.update(declared_with_everything(space, base_values, declared))
    param = declared.get(factor)
    if param is None:
        raise UsageError(
            f"{space.path}: --factor {factor!r} is not a hyperparameter of the space "
            f"(declared: {', '.join(sorted(declared))})."
        )
    if isinstance(levels, str):
        return parse_levels(param, levels)
    if levels is None:
        grid = grid_or_empty(param)
        if not 2 <= len(grid) <= _MAX_GRID:
            raise UsageError(
                f"{space.path}: {factor} ({param.describe()}) has no small grid of levels; "
                f"pass --levels, e.g. --levels {param.min_value},{param.max_value}."
            )
        return grid
    return list(levels)


def _matched_overrides(
    space: Space, factor: str, levels: list[Any], baseline: Any, base: dict[str, Any], match_size: str | None
) -> tuple[dict[str, dict[str, Any]], dict[str, Any] | None]:
    """Per level, the partner value that keeps the size (``{}`` without --match-size), and the design record."""
    if not match_size:
        return {}, None
    from archsearch.ablation._size import match_sizes, size_partner

    partner = size_partner(space, factor, match_size)
    found = match_sizes(space, factor, levels, baseline, base, partner)
    return {lv: {partner: row["value"]} for lv, row in found.items()}, {"adjusted": partner, "levels": found}


def run_ablation(
    space: str | Path | Space,
    factor: str,
    options: RunOptions | None = None,
    *,
    levels: Sequence[Any] | str | None = None,
    repeats: int = 3,
    base: str | Mapping[str, Any] = "default",
    until_decided: bool = False,
    max_seeds: int = 10,
    match_size: str | None = None,
    min_effect: float | None = None,
    on_look: Callable[[dict[str, Any]], None] | None = None,
) -> AblationResult:
    """Run an ablation in its own study (``<space>-ablation-<factor>-<identity>``), resuming what is missing.

    With ``until_decided`` the looks are seed rounds: ``repeats`` seeds per level
    at a time up to ``max_seeds``. After each round
    :func:`archsearch.analysis.sequential_decision` (O'Brien-Fleming alpha
    spending, false decisions <= 5% over all looks) says continue, decided or
    stopped at the cap; ``on_look`` gets each look's record, and the looks are
    stored on the study (:attr:`archsearch.schema.StudyAttr.LOOKS`). The
    reported intervals are the repeated-confidence intervals at the final look.

    Args:
        min_effect: the smallest effect worth detecting, in objective units
            (default 0.01: one point of accuracy), for "seeds needed at 80% power".

    Raises:
        UsageError: bad input (a base that is not a point of the space, a study of another design ...),
            before anything is written.
        FatalError: every trial of the design failed (the first one's error in the message).

    Example:
        >>> result = run_ablation("spaces/digits_quick.py", "layers", RunOptions(epochs=3))  # doctest: +SKIP
        >>> print(result.message)  # doctest: +SKIP
    """
    from archsearch.analysis import CONTINUE, DECIDED, LookSchedule, amount, counted, metric_range
    from archsearch.space import Space, load_space
    from archsearch.study import RunOptions

    space = space if isinstance(space, Space) else load_space(space)
    # Each round runs a new RunOptions made from these (dataclasses.replace); none is changed in place.
    space, options = with_run_settings(space, options or RunOptions(), base)
    load_data_first(space, options)
    if until_decided and max_seeds < repeats:
        raise UsageError(f"--max-seeds {max_seeds} is smaller than --repeats {repeats}; raise --max-seeds.")
    if min_effect is not None and not min_effect > 0:
        raise UsageError(
            f"--min-effect must be above 0 (objective units, 0.01 = 1 point of accuracy), but got {min_effect}."
        )
    bound = metric_range(space.objective)
    if min_effect is not None and bound is not None and min_effect >= bound:
        raise UsageError(
            f"--min-effect {min_effect:g} is {amount(min_effect, space.objective)}, more than any difference in "
            f"{space.objective} can be; it is in objective units: 0.01 = 1 point of accuracy."
        )
    seq = LookSchedule(repeats, max_seeds).to_dict() if until_decided else None
    looks: list[dict[str, Any]] = []
    rounds = 0
    parent_run_id = options.parent_run_id  # every round records under one MLflow parent run: one per ask

    def make_plan(n: int) -> AblationDesign:
        plan = plan_ablation(
            space,
            factor,
            levels=levels,
            repeats=n,
            base=base,
            seed=options.seed,
            storage=options.storage,
            match_size=match_size,
        )
        identity = design_identity(plan, space, options)
        return dataclasses.replace(plan, identity=identity, sequential=seq, min_effect=min_effect)

    while True:
        rounds += 1
        n_seeds = min(rounds * repeats, max_seeds) if until_decided else repeats
        plan = make_plan(n_seeds)
        # The design's own study (the same for every round: the seeds are not part of the identity).
        study_name = options.study_name or ablation_study_name(space, factor, plan.identity)
        if rounds == 1:
            before = recorded_design(dataclasses.replace(options, study_name=study_name))
            same_question(before, plan, study_name)
            ran = len((before or {}).get("seeds") or []) if (before or {}).get("identity") == plan.identity else 0
            if not until_decided and ran > n_seeds:  # asked again with fewer seeds: the answer rests on every seed
                n_seeds = ran
                plan = make_plan(n_seeds)
        round_options = dataclasses.replace(
            options, study_name=study_name, trials=len(plan.pairs), parent_run_id=parent_run_id
        )
        search = run_round(space, round_options, plan)
        parent_run_id = search.parent_run_id or parent_run_id  # (a round with nothing to run opens none)
        search = dataclasses.replace(search, parent_run_id=parent_run_id)
        no_trial_finished(space, round_options, search)
        data = analyze_ablation(space, round_options, plan, min_effect)
        if not until_decided:
            message = f"ran {len(plan.levels)} levels x {counted(n_seeds, 'seeds')}."
            if search.finished < search.target:  # design trials that failed (a sampler's trial never replaces them)
                message = (
                    f"ran {len(plan.levels)} levels x {counted(n_seeds, 'seeds')}; {search.target - search.finished} "
                    f"of its {search.target} trials failed (each counts for its level; the same ask runs them again)."
                )
            elif search.ran == 0:
                message = f"{len(plan.levels)} levels x {counted(n_seeds, 'seeds')}, all in the study already."
            return AblationResult(study_name, plan, search, rounds, None, message, data)
        looks.append(look_record(data, n_seeds, max_seeds))
        set_study_attr(round_options, StudyAttr.LOOKS, looks)
        if on_look is not None:
            on_look(looks[-1])
        if looks[-1]["status"] != CONTINUE:  # (at max_seeds the status is CAP)
            data["looks"] = looks
            message = stop_message(looks[-1], data["min_effect"], space.objective)
            return AblationResult(
                study_name, plan, search, rounds, looks[-1]["status"] == DECIDED, message, data, looks
            )
