"""Controlled ablations: one factor's levels with the same seeds, everything else held fixed."""

from archsearch.ablation._decide import analyze_ablation, design_identity, format_look
from archsearch.ablation._design import (
    AblationDesign,
    AblationResult,
    checked_levels,
    parse_levels,
    plan_ablation,
    run_ablation,
)
from archsearch.ablation._evidence import add_base, extend_design
from archsearch.ablation._size import DEFAULT_PAIRS, SIZE_TOLERANCE, match_sizes, size_partner
from archsearch.ablation._study import ablation_study_name

__all__ = [
    "DEFAULT_PAIRS",
    "SIZE_TOLERANCE",
    "AblationDesign",
    "AblationResult",
    "ablation_study_name",
    "add_base",
    "analyze_ablation",
    "checked_levels",
    "design_identity",
    "extend_design",
    "format_look",
    "match_sizes",
    "parse_levels",
    "plan_ablation",
    "run_ablation",
    "size_partner",
]
