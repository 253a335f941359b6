"""An ablation's identity, its analysis after each round, and ``--until-decided``'s looks and messages.

The looks of ``archsearch ask --until-decided`` are its seed rounds (``repeats``
seeds per level per round, up to ``max_seeds``). After each round the table so
far goes through :func:`archsearch.analysis.analyze_table` with the design's
sequential plan, whose pure stopping rule
(:func:`archsearch.analysis.sequential_decision`, Lan-DeMets O'Brien-Fleming
alpha spending) says continue, decided or stopped at the cap.
"""

from __future__ import annotations

import hashlib
import json
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from archsearch.ablation._design import AblationDesign
    from archsearch.space import Space
    from archsearch.study import RunOptions

__all__ = ["analyze_ablation", "design_identity", "format_look", "look_record", "stop_message"]


def design_identity(plan: AblationDesign, space: Space, options: RunOptions) -> str:
    """A short hash of what makes two ablations poolable: factor, levels, base, matched sizes, data, epochs, seed.

    The seeds per level are not part of it: later rounds add seeds to the same design.

    Example:
        >>> design_identity(plan, space, options)  # doctest: +SKIP
        '3f9a0c1e'
    """
    key = {
        "factor": plan.factor,
        "levels": plan.levels,
        "base": plan.base,
        "matched": plan.matched,
        "dataset": options.dataset or space.dataset,
        "epochs": options.epochs or space.epochs,
        "batch_size": space.batch_size,
        "seed": options.seed,
    }
    return hashlib.sha256(json.dumps(key, sort_keys=True, default=str).encode()).hexdigest()[:8]


def analyze_ablation(
    space: Space, options: RunOptions, plan: AblationDesign, min_effect: float | None
) -> dict[str, Any]:
    """The ablation's statistics so far: its design trials only, paired, sequential when the plan is."""
    from archsearch.analysis import analyze_table, chance_level
    from archsearch.study import load_trials, trials_table

    design = json.loads(json.dumps(plan.design(), default=str))
    design["levels"] = plan.levels  # typed values, not their JSON strings, for matching the table
    assert options.study_name is not None  # run_ablation names the study before the first look
    table = trials_table(load_trials(options.study_name, options.storage), space.objective)
    data = analyze_table(
        table,
        design="ablation",
        plan=design,
        direction=space.direction,
        min_effect=min_effect,
        space=str(space.path),
        objective=space.objective,
        chance=chance_level(
            space.objective, _classes(getattr(options, "dataset", None) or getattr(space, "dataset", None))
        ),
    )
    return {**data, "objective": space.objective}


def _classes(dataset: str | None) -> int | None:
    """The dataset's number of classes (None: unknown, e.g. a dataset that cannot be described offline)."""
    try:
        from archsearch.data import get_info

        info = get_info(dataset) if dataset else None
    except Exception:  # a report still comes without the chance check
        return None
    return None if info is None else info.num_classes


def look_record(data: dict[str, Any], n_seeds: int, max_seeds: int) -> dict[str, Any]:
    """One look: seeds per level, the stopping status and each comparison's decision so far."""
    from archsearch.analysis import CAP, CONTINUE

    q = data["questions"][0] if data["questions"] else {}
    seq = q.get("sequential") or {}
    status = seq.get("status", CONTINUE)
    effects = q.get("effects", [])
    if status == CONTINUE and n_seeds >= max_seeds:
        status = CAP  # e.g. a level whose trials keep failing: no more seeds will come
    looks = seq.get("looks") or []
    return {
        "look": len(looks),
        "n": n_seeds,
        "alpha": looks[-1]["alpha"] if looks else 0.0,
        "status": status,
        "effects": [
            {
                "level": e["level"],
                "reference": e["reference"],
                "verdict": e["verdict"],
                "diff": e["diff"],
                "ci_low": e["ci_low"],
                "ci_high": e["ci_high"],
                "seeds_needed": e["seeds_needed"],
                "why": e.get("why", ""),
            }
            for e in effects
        ],
    }


def format_look(look: dict[str, Any]) -> str:
    """``look 2 (6 seeds per level, alpha 0.0042 spent here): continue; 5 vs 3: not decided yet``."""
    from archsearch.analysis import counted

    effects = "; ".join(f"{e['level']} vs {e['reference']}: {e['verdict']}" for e in look["effects"])
    return (
        f"look {look['look']} ({counted(look['n'], 'seeds')} per level, alpha {look['alpha']:.4f} spent here): "
        f"{look['status']}" + (f"; {effects}" if effects else "")
    )


def stop_message(look: dict[str, Any], min_effect: float, objective: str | None = None) -> str:
    """Why an ``--until-decided`` ablation stopped: decided (and how), did not learn, or the --max-seeds cap."""
    from archsearch.analysis import DECIDED, MAX_SEEDS_ADVICE, NOT_LEARNED_STOP, UNDECIDED, amount

    n = look["n"]
    each = "; ".join(f"{e['level']} vs {e['reference']}: {e['verdict']}" for e in look["effects"])
    if look["status"] == DECIDED:
        return f"decided after {n} seeds per level (look {look['look']}): {each}."
    if look["status"] == NOT_LEARNED_STOP:
        why = next((e["why"] for e in look["effects"] if e.get("why")), "")
        return f"stopped after {n} seeds per level: did not learn ({why}); more seeds cannot help."
    open_ = [e for e in look["effects"] if e["verdict"] == UNDECIDED]
    if look["effects"] and not open_:  # each comparison has its answer (no effect, did not learn) at the cap
        return f"stopped at the cap (--max-seeds {n}): {each}."
    names = ", ".join(f"{e['level']} vs {e['reference']}" for e in open_) or "no comparison could be made"
    text = f"stopped at the cap (--max-seeds {n}), not decided yet: {names}."
    needs = [e["seeds_needed"] for e in open_ if e["seeds_needed"] is not None]
    if needs:
        need, size = max(needs), amount(min_effect, objective) if objective else f"{min_effect:g}"
        if need > MAX_SEEDS_ADVICE:
            text += (
                f" An effect of {size} needs about {need} seeds per level: out of reach here; ask about a "
                "larger effect (--min-effect)."
            )
        elif need > n:
            text += f" An effect of {size} needs about {need} seeds per level: rerun with --max-seeds {need}."
        else:
            text += (
                f" {need} seeds per level detect an effect of {size} at 80% power (already run): an effect "
                "that large would most likely have been decided."
            )
    return text
