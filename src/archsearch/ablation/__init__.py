"""Controlled ablations: one factor's levels with the same seeds, everything else held fixed."""

from archsearch.ablation._design import (
    AblationPlan,
    AblationResult,
    ablation_study_name,
    parse_levels,
    plan_ablation,
    run_ablation,
)

__all__ = ["AblationPlan", "AblationResult", "ablation_study_name", "parse_levels", "plan_ablation", "run_ablation"]
