"""Controlled ablation: one factor's levels, everything else held at a base, the same seeds at every level."""

from __future__ import annotations

import dataclasses
import json
import random
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from archsearch.ablation._decide import analyze_ablation, design_identity, look_record, stop_message
from archsearch.errors import UsageError
from archsearch.schema import StudyAttr
from archsearch.seeds import ablation_order_seed, ablation_seeds

if TYPE_CHECKING:
    from archsearch.space import Param, Space
    from archsearch.study import RunOptions, SearchResult

__all__ = ["AblationPlan", "AblationResult", "ablation_study_name", "parse_levels", "plan_ablation", "run_ablation"]

_MAX_GRID = 12


@dataclasses.dataclass
class AblationPlan:
    """What an ablation runs: ``pairs`` of (params, seed) in randomized order."""

    factor: str
    levels: list[Any]
    baseline: Any
    base: dict[str, Any]
    seeds: list[int]
    pairs: list[tuple[dict[str, Any], int]]
    # Set by --base reference:NAME and --match-size (see _reference_base and _size.match_sizes).
    reference: str | None = None
    matched: dict[str, Any] | None = None
    # Set by run_ablation: the design's short hash (see design_identity), --until-decided's plan, --min-effect.
    identity: str | None = None
    sequential: dict[str, Any] | None = None
    min_effect: float | None = None

    def design(self) -> dict[str, Any]:
        """The study user attribute :attr:`archsearch.schema.StudyAttr.DESIGN` the report reads."""
        out = {"kind": "ablation", "factor": self.factor, "levels": self.levels, "baseline": self.baseline,
               "base": self.base, "seeds": self.seeds}
        optional = {"reference": self.reference, "matched_size": self.matched, "identity": self.identity,
                    "sequential": self.sequential, "min_effect": self.min_effect}
        out.update({k: v for k, v in optional.items() if v is not None})
        return out


@dataclasses.dataclass
class AblationResult:
    """Where an ablation ended: the study, the seeds run, and (with until_decided) whether it decided."""

    study_name: str
    plan: AblationPlan
    search: SearchResult
    rounds: int
    decided: bool | None
    message: str
    #: The ablation's statistics (:func:`archsearch.analyze_table` on its design trials; with
    #: until_decided, sequential) and, with until_decided, ``looks``: one record per look.
    data: dict[str, Any] = dataclasses.field(default_factory=dict)
    looks: list[dict[str, Any]] = dataclasses.field(default_factory=list)


def ablation_study_name(space: Space, factor: str, identity: str | None = None) -> str:
    """The dedicated study of an ablation, e.g. ``digits_quick-ablation-layers-3f9a0c1e``.

    ``identity`` (:func:`design_identity`) keeps ablations of other bases, levels or
    settings in other studies. Studies written before it existed are named without it.
    """
    return f"{space.name}-ablation-{factor}" + (f"-{identity}" if identity else "")


def parse_levels(param: Param, text: str) -> list[Any]:
    """Levels from ``"1,2,3"`` converted to the hyperparameter's type.

    Example:
        >>> from archsearch.space import Param
        >>> parse_levels(Param.make_int("layers", 1, 5, None, None, None), "1, 3")
        [1, 3]
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
                match = [v for v in param.values if str(v) == raw]
                if not match:
                    raise ValueError(raw)
                out.append(match[0])
        except ValueError:
            raise UsageError(f"--levels {text!r}: {raw!r} is not a value of {param.name} ({param.describe()}).") \
                from None
    if len(out) < 2:
        raise UsageError(f"--levels {text!r}: give at least two levels of {param.name}, e.g. --levels "
                         f"{','.join(str(v) for v in _grid_or_empty(param)[:2]) or '1,2'}.")
    return out


def plan_ablation(space: Space, factor: str, *, levels: Sequence[Any] | str | None = None, repeats: int = 3,
                  base: str | Mapping[str, Any] = "default", seed: int = 0, storage: str | None = None,
                  first_seed: int = 0, match_size: str | None = None) -> AblationPlan:
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
    from archsearch.study import declared_params

    if repeats < 1:
        raise UsageError(f"--repeats must be at least 1, but got {repeats}.")
    base_values = _base(space, base, storage)
    declared = declared_params(space, base_values)
    if factor not in declared:
        declared.update(_declared_with_everything(space, base_values, declared))
    param = declared.get(factor)
    if param is None:
        raise UsageError(f"{space.path}: --factor {factor!r} is not a hyperparameter of the space "
                         f"(declared: {', '.join(sorted(declared))}).")
    if isinstance(levels, str):
        levels = parse_levels(param, levels)
    elif levels is None:
        levels = _grid_or_empty(param)
        if not 2 <= len(levels) <= _MAX_GRID:
            raise UsageError(f"{space.path}: {factor} ({param.describe()}) has no small grid of levels; "
                             f"pass --levels, e.g. --levels {param.min_value},{param.max_value}.")
    levels = list(levels)
    question = next((q for q in space.questions if q.param == factor), None)
    baseline = question.baseline if question is not None and question.baseline in levels else levels[0]
    seeds = ablation_seeds(seed, repeats, first_seed)
    overrides, matched = _matched_overrides(space, factor, levels, baseline, base_values, match_size)
    configs = {_key(lv): _config(space, {**base_values, factor: lv, **overrides.get(str(lv), {})}) for lv in levels}
    pairs = [(configs[_key(lv)], s) for lv in levels for s in seeds]
    # order effects (warm caches, load) spread over levels
    random.Random(ablation_order_seed(seed, first_seed)).shuffle(pairs)
    clean_base = {k: v for k, v in _config(space, base_values).items() if k != factor}
    reference = base.partition(":")[2] if isinstance(base, str) and base.startswith(_REFERENCE) else None
    return AblationPlan(factor, levels, baseline, clean_base, seeds, pairs, reference=reference, matched=matched)


def _matched_overrides(space: Space, factor: str, levels: list[Any], baseline: Any, base: dict[str, Any],
                       match_size: str | None) -> tuple[dict[str, dict[str, Any]], dict[str, Any] | None]:
    """Per level, the partner value that keeps the size (``{}`` without --match-size), and the design record."""
    if not match_size:
        return {}, None
    from archsearch.ablation._size import match_sizes, size_partner

    partner = size_partner(space, factor, match_size)
    found = match_sizes(space, factor, levels, baseline, base, partner)
    return {lv: {partner: row["value"]} for lv, row in found.items()}, {"adjusted": partner, "levels": found}


def run_ablation(space: str | Path | Space, factor: str, options: RunOptions | None = None, *,
                 levels: Sequence[Any] | str | None = None, repeats: int = 3,
                 base: str | Mapping[str, Any] = "default", until_decided: bool = False,
                 max_seeds: int = 10, match_size: str | None = None, min_effect: float | None = None,
                 on_look: Callable[[dict[str, Any]], None] | None = None) -> AblationResult:
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

    Example:
        >>> result = run_ablation("spaces/digits_quick.py", "layers", RunOptions(epochs=3))  # doctest: +SKIP
        >>> print(result.message)  # doctest: +SKIP
    """
    from archsearch.analysis import CONTINUE, DECIDED, SequentialPlan
    from archsearch.space import Space, load_space
    from archsearch.study import RunOptions

    options = dataclasses.replace(options) if options is not None else RunOptions()
    space = space if isinstance(space, Space) else load_space(space)
    space = _with_run_settings(space, options, base)
    if until_decided and max_seeds < repeats:
        raise UsageError(f"--max-seeds {max_seeds} is smaller than --repeats {repeats}; raise --max-seeds.")
    if min_effect is not None and not min_effect > 0:
        raise UsageError(f"--min-effect must be above 0 (objective units, 0.01 = 1 point of accuracy), "
                         f"but got {min_effect}.")
    seq = SequentialPlan(repeats, max_seeds).to_dict() if until_decided else None
    n_seeds, rounds, looks = repeats, 0, []
    while True:
        plan = plan_ablation(space, factor, levels=levels, repeats=n_seeds, base=base, seed=options.seed,
                             storage=options.storage, match_size=match_size)
        plan.identity, plan.sequential, plan.min_effect = design_identity(plan, space, options), seq, min_effect
        options.study_name = options.study_name or ablation_study_name(space, factor, plan.identity)
        search = _run_round(space, options, plan)
        rounds += 1
        data = analyze_ablation(space, options, plan, min_effect)
        if not until_decided:
            return AblationResult(options.study_name, plan, search, rounds, None,
                                  f"ran {len(plan.levels)} levels x {n_seeds} seeds.", data)
        looks.append(look_record(data, n_seeds, max_seeds))
        _set_study_attr(options, StudyAttr.LOOKS, looks)
        if on_look is not None:
            on_look(looks[-1])
        if looks[-1]["status"] != CONTINUE:
            data["looks"] = looks
            return AblationResult(options.study_name, plan, search, rounds, looks[-1]["status"] == DECIDED,
                                  stop_message(looks[-1], data["min_effect"], space.objective), data, looks)
        n_seeds = min(n_seeds + repeats, max_seeds)


def _run_round(space: Space, options: RunOptions, plan: AblationPlan) -> SearchResult:
    from archsearch.study import run_search

    _mark_study(space, options, plan)
    options.trials = len(plan.pairs)
    search = run_search(space, options, enqueue=plan.pairs)
    while search.recycle:  # RunOptions.recycle_after: go on here (only `archsearch run` restarts its process)
        search = run_search(space, dataclasses.replace(options, parent_run_id=search.parent_run_id),
                            enqueue=plan.pairs)
    return search


def _mark_study(space: Space, options: RunOptions, plan: AblationPlan) -> None:
    """Create the study with its design attribute first, so even an interrupted ablation reports as one.

    A study that holds another design (another identity, or an ablation from before
    identities) is refused: its trials would pool with this design's.
    """
    study = _open_or_create(options.study_name, options.storage, space.direction)
    before = study.user_attrs.get(StudyAttr.DESIGN) or {}
    if before.get("kind") == "ablation" and before.get("identity") != plan.identity:
        why = (f"another design (identity {before['identity']}: other base, levels, sizes, dataset, epochs or seed)"
               if before.get("identity") else "an ablation written before designs had an identity")
        raise UsageError(f"--study {options.study_name!r} holds {why}; this one is {plan.identity}, and the two "
                         f"must not pool. It stays readable with `archsearch report --study {options.study_name}`; "
                         f"drop --study (this design's own study is "
                         f"{ablation_study_name(space, plan.factor, plan.identity)!r}) or name a new one.")
    # What it trained on and for how long, so a report can say (e.g. a stand-in dataset, fewer epochs than the lab).
    design = {**plan.design(), "dataset": space.dataset, "epochs": options.epochs or space.epochs,
              "batch_size": space.batch_size}
    study.set_user_attr(StudyAttr.DESIGN, json.loads(json.dumps(design, default=str)))


def _set_study_attr(options: RunOptions, key: str, value: Any) -> None:
    study = _open_or_create(options.study_name, options.storage, None)
    study.set_user_attr(key, json.loads(json.dumps(value, default=str)))


def _open_or_create(name: str | None, storage_url: str | None, direction: str | None) -> Any:
    import optuna

    from archsearch.stores import one_at_a_time, open_storage, resolve_storage

    optuna.logging.set_verbosity(optuna.logging.ERROR)
    # The same storage as run_search's (WAL, lock timeout, template), so the first writer sets it up the same way.
    url = resolve_storage(storage_url)
    storage = open_storage(url)
    if direction is None:
        return optuna.load_study(study_name=name, storage=storage)
    with one_at_a_time(url, f"study:{name}"):  # `ask` processes that start together on one design
        return optuna.create_study(study_name=name, storage=storage,
                                   direction=optuna.study.StudyDirection[direction.upper()], load_if_exists=True)


_REFERENCE = "reference:"


def _with_run_settings(space: Space, options: RunOptions, base: str | Mapping[str, Any]) -> Space:
    """The space as this ablation trains it: on ``options.dataset``, and with a reference base, at the
    reference's epochs and batch size (the lab's settings) unless ``--epochs`` says otherwise."""
    changes: dict[str, Any] = {}
    if options.dataset:
        changes["dataset"] = options.dataset
    if isinstance(base, str) and base.startswith(_REFERENCE):
        from archsearch.blocks import get_reference

        ref = get_reference(space, base[len(_REFERENCE):])
        if ref.epochs and options.epochs is None:
            options.epochs = ref.epochs
        if ref.batch_size:
            changes["batch_size"] = ref.batch_size
    return dataclasses.replace(space, **changes) if changes else space


def _reference_base(space: Space, base: str) -> dict[str, Any]:
    """``reference:NAME``: the reference's hyperparameter values (checked to be a point of the space)."""
    from archsearch.blocks import get_reference

    name = base[len(_REFERENCE):]
    if not name:
        raise UsageError(f"--base {base!r}: name the reference, e.g. --base reference:L4-base.")
    return dict(get_reference(space, name).values)


def _base(space: Space, base: str | Mapping[str, Any], storage: str | None) -> dict[str, Any]:
    if isinstance(base, Mapping):
        return dict(base)
    if base == "default":
        return {}
    if base.startswith(_REFERENCE):
        return _reference_base(space, base)
    if base == "best":
        from archsearch.study import open_study

        study = open_study(space.name, storage)
        if not any(t.state.name == "COMPLETE" for t in study.get_trials(deepcopy=False)):
            raise UsageError(f"--base best: study '{space.name}' has no complete trial yet. "
                             f"Run `archsearch run {space.path}` first, or use --base default.")
        return dict(study.best_params)
    path = Path(base)
    if not path.is_file():
        raise UsageError(f"--base {base!r}: use best, default, reference:NAME or a PARAMS.json file "
                         "(no such file).")
    try:
        values = json.loads(path.read_text())
    except json.JSONDecodeError as err:
        raise UsageError(f"--base {path}: not valid JSON ({err.msg} at line {err.lineno}).") from None
    if not isinstance(values, dict):
        raise UsageError(f"--base {path}: expected a JSON object of hyperparameter values, e.g. {{\"layers\": 2}}.")
    return values


def _config(space: Space, values: Mapping[str, Any]) -> dict[str, Any]:
    """Every active, non-fixed hyperparameter for ``values``; the rest at defaults (Optuna would sample them)."""
    from archsearch.study import built_hp

    hp = built_hp(space, dict(values))
    params = hp.params
    return {k: v for k, v in hp.values.items() if k in params and params[k].kind != "fixed"}


def _declared_with_everything(space: Space, base: dict[str, Any], known: dict[str, Param]) -> dict[str, Param]:
    """Conditional parameters show up only when active: try each known grid's largest value."""
    from archsearch.study import declared_params

    extra = {}
    for name, p in known.items():
        grid = _grid_or_empty(p)
        if grid:
            extra.update(declared_params(space, {**base, name: grid[-1]}))
    return extra


def _grid_or_empty(param: Param) -> list[Any]:
    try:
        return param.grid()
    except ValueError:
        return []


def _key(value: Any) -> str:
    return json.dumps(value, default=str)
