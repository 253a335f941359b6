"""Which seeds of the objective train together as one fused pack (``archsearch.train.fit_fused``), and when none do.

A trial's repeats form its packs. An ablation (``archsearch ask``) enqueues one
trial per (level, seed), a design point: a design point is packed with the
waiting design points of the same configuration (the same level), whose
outcomes the objective keeps until Optuna hands out their trials.
"""

from __future__ import annotations

import json
from collections.abc import Container
from typing import Any

from archsearch._compat.optuna import fixed_params
from archsearch.schema import Attr

__all__ = ["design_siblings", "no_fuse_reason", "pack_note"]


def no_fuse_reason(fuse: bool, custom_fit: bool, engine_builds: bool) -> str | None:
    """Why no seeds of this search can be fused (None: they can, unless a built model refuses).

    Example:
        >>> no_fuse_reason(True, False, False) is None, no_fuse_reason(False, False, False)
        (True, '--no-fuse')
    """
    if not fuse:
        return "--no-fuse"
    if custom_fit:
        return "the space's HyperModel.fit trains each model itself"
    if engine_builds:
        return "the engine builds and resumes its own models"
    return None


def design_siblings(trial: Any, seed: int, taken: Container[tuple[str, int]]) -> tuple[str | None, list[int]]:
    """A design point's configuration (its fixed parameters as JSON) and the seeds of the waiting design
    points that share it, less those in ``taken`` ((configuration, seed) already trained); (None, []) for a
    trial the sampler proposed."""
    trials = trial.study.get_trials(deepcopy=False)
    own = next((t for t in trials if t.number == trial.number), None)
    fixed = fixed_params(own) if own is not None else None
    if fixed is None:
        return None, []
    key = json.dumps(sorted(fixed.items()), default=str)
    siblings = []
    for t in trials:
        other = t.user_attrs.get(Attr.SEED)
        if (
            t.state.name == "WAITING"
            and t.user_attrs.get(Attr.DESIGN_POINT) is True
            and other is not None
            and int(other) != seed
            and (key, int(other)) not in taken
            and json.dumps(sorted((fixed_params(t) or {}).items()), default=str) == key
        ):
            siblings.append(int(other))
    return key, siblings


def pack_note(fused: str | None, packed_in: int | None) -> str:
    """The progress line's word on fused packs: the time shown is the whole pack's, or another trial's paid it.

    Example:
        >>> pack_note("3", None), pack_note("3", 0), pack_note("8+2", None), pack_note(None, None)
        ('  fused pack of 3', "  fused: trained in trial 0's pack of 3", '  fused packs of 8 + 2', '')
    """
    if not fused:
        return ""
    if packed_in is not None:
        return f"  fused: trained in trial {packed_in}'s pack of {fused}"
    return f"  fused packs of {fused.replace('+', ' + ')}" if "+" in fused else f"  fused pack of {fused}"
