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
    from archsearch.ablation._design import AblationPlan
    from archsearch.space import Space
    from archsearch.study import RunOptions

__all__ = ["analyze_ablation", "design_identity", "format_look", "look_record", "stop_message"]


def design_identity(plan: AblationPlan, space: Space, options: RunOptions) -> str:
    """A short hash of what makes two ablations poolable: factor, levels, base, matched sizes, data, epochs, seed.

    The seeds per level are not part of it: later rounds add seeds to the same design.

    Example:
        >>> design_identity(plan, space, options)  # doctest: +SKIP
        '3f9a0c1e'
    """
    key = {"factor": plan.factor, "levels": plan.levels, "base": plan.base, "matched": plan.matched,
           "dataset": options.dataset or space.dataset, "epochs": options.epochs or space.epochs,
           "batch_size": space.batch_size, "seed": options.seed}
    return hashlib.sha256(json.dumps(key, sort_keys=True, default=str).encode()).hexdigest()[:8]


def analyze_ablation(space: Space, options: RunOptions, plan: AblationPlan, min_effect: float | None) -> dict[str, Any]:
    """The ablation's statistics so far: its design trials only, paired, sequential when the plan is."""
    from archsearch.analysis import analyze_table
    from archsearch.study import analysis_table, load_trials

    design = json.loads(json.dumps(plan.design(), default=str))
    design["levels"] = plan.levels  # typed values, not their JSON strings, for matching the table
    assert options.study_name is not None  # run_ablation names the study before the first look
    table = analysis_table(load_trials(options.study_name, options.storage), space.objective)
    data = analyze_table(table, design="ablation", plan=design, direction=space.direction, min_effect=min_effect,
                         space=str(space.path))
    return {**data, "objective": space.objective}


def look_record(data: dict[str, Any], n_seeds: int, max_seeds: int) -> dict[str, Any]:
    """One look: seeds per level, the stopping status and each comparison's verdict so far."""
    from archsearch.analysis import CAP, CONTINUE

    q = data["questions"][0] if data["questions"] else {}
    seq = q.get("sequential") or {}
    status = seq.get("status", CONTINUE)
    if status == CONTINUE and n_seeds >= max_seeds:
        status = CAP  # e.g. a level whose trials keep failing: no more seeds will come
    looks = seq.get("looks") or []
    return {"look": len(looks), "n": n_seeds, "alpha": looks[-1]["alpha"] if looks else 0.0, "status": status,
            "effects": [{"level": e["level"], "reference": e["reference"], "verdict": e["verdict"],
                         "diff": e["diff"], "ci_low": e["ci_low"], "ci_high": e["ci_high"],
                         "seeds_needed": e["seeds_needed"]} for e in q.get("effects", [])]}


def format_look(look: dict[str, Any]) -> str:
    """``look 2 (6 seeds per level, alpha 0.0042 spent here): continue; 5 vs 3: no clear effect``."""
    effects = "; ".join(f"{e['level']} vs {e['reference']}: {e['verdict']}" for e in look["effects"])
    return (f"look {look['look']} ({look['n']} seeds per level, alpha {look['alpha']:.4f} spent here): "
            f"{look['status']}" + (f"; {effects}" if effects else ""))


def stop_message(look: dict[str, Any], min_effect: float) -> str:
    """Why an ``--until-decided`` ablation stopped, with the seeds an effect of ``min_effect`` needs at the cap."""
    from archsearch.analysis import DECIDED

    n = look["n"]
    if look["status"] == DECIDED:
        return (f"decided after {n} seeds per level (look {look['look']}, O'Brien-Fleming alpha spending): every "
                "comparison's adjusted p is below the alpha its look may spend.")
    open_ = [e for e in look["effects"] if e["verdict"] not in ("helps", "hurts")]
    names = ", ".join(f"{e['level']} vs {e['reference']}" for e in open_) or "no comparison could be made"
    text = f"not decided after {n} seeds per level (--max-seeds): {names} undecided."
    needs = [e["seeds_needed"] for e in open_ if e["seeds_needed"] is not None]
    if needs:
        need = max(needs)
        text += f" Seeds needed at 80% power for a minimum effect of {min_effect:g}: {need}"
        text += (f"; rerun with --max-seeds {need} to settle an effect that large." if need > n else
                 f" (already run): an effect of {min_effect:g} or more would most likely have been decided.")
    return text
