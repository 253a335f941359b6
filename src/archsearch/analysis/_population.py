"""One population per analysis: trials at the largest budget, and an ablation's trials inside its design."""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from archsearch.analysis._estimation import label

__all__ = ["in_design", "one_budget"]


def one_budget(t: pd.DataFrame) -> tuple[pd.DataFrame, int, str]:
    """One population: only the trials trained to the largest budget (``budget``: epochs) are compared.

    Trials of other budgets (Hyperband's lower brackets, a study run with fewer epochs before; a continued
    Hyperband trial's earlier stage is such a trial) are left out, counted and named in a note. Trials
    whose budget was not recorded (older studies) stay.

    Example:
        >>> t = pd.DataFrame({"trial": [0, 1, 2], "budget": [1, 3, 3]})
        >>> kept, n, note = one_budget(t)
        >>> list(kept["trial"]), n, note.split(":")[0]
        ([1, 2], 1, '1 trial(s) trained for fewer epochs (1) than the largest budget (3) are left out')
    """
    if "budget" not in t.columns:
        return t, 0, ""
    budget = pd.to_numeric(t["budget"], errors="coerce")
    known = budget.dropna()
    if known.nunique() < 2:
        return t, 0, ""
    top = known.max()
    drop = budget.notna() & (budget < top)
    left = t.loc[drop].drop_duplicates("trial")
    shown = ", ".join(f"{int(b):d}" for b in sorted(pd.to_numeric(left["budget"]).unique()))
    note = (
        f"{len(left)} trial(s) trained for fewer epochs ({shown}) than the largest budget ({int(top)}) are left "
        "out: trials of different budgets (Hyperband brackets, a study continued with other --epochs) are never "
        "pooled; each comparison is among trials at the largest budget."
    )
    return t.loc[~drop], int(len(left)), note


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, float | int | np.number) and isinstance(b, float | int) and not isinstance(b, bool):
        return math.isclose(float(a), float(b), rel_tol=1e-9, abs_tol=1e-12)
    return label(a) == label(b)


def in_design(t: pd.DataFrame, plan: Mapping[str, Any]) -> tuple[pd.DataFrame, int]:
    factor = plan.get("factor")
    col = f"params_{factor}"
    ok = pd.Series(True, index=t.index)
    if "design_point" in t.columns and t["design_point"].eq(True).any():
        # A study that marks its design trials: anything unmarked was added by the sampler
        # (e.g. after an enqueued trial failed). Older studies mark none and are read as before.
        ok &= t["design_point"].eq(True)
    if col in t.columns and plan.get("levels") is not None:
        ok &= t[col].map(lambda v: any(_same(v, lv) for lv in plan["levels"]))
    if plan.get("seeds"):
        seeds = {int(s) for s in plan["seeds"]}
        ok &= t["seed"].map(lambda s: pd.notna(s) and int(s) in seeds) | t["state"].eq("FAIL")
    skip = (factor, (plan.get("matched_size") or {}).get("adjusted"))  # --match-size varies it per level
    bases = plan.get("bases")
    if bases:  # a question asked on several bases (`ask --add-base`): each seed's trials are held at its own
        at_base = pd.Series(False, index=t.index)
        for entry in bases:
            own = t["seed"].map(lambda s, seeds={int(x) for x in entry["seeds"]}: pd.notna(s) and int(s) in seeds)
            at_base |= own & _at(t, entry["base"], skip)
        seeded = {int(s) for entry in bases for s in entry["seeds"]}
        ok &= at_base | ~t["seed"].map(lambda s: pd.notna(s) and int(s) in seeded)  # other seeds: checked above
    else:
        ok &= _at(t, plan.get("base"), skip)
    bad = set(t.loc[~ok, "trial"])
    return t[~t["trial"].isin(bad)], len(bad)


def _at(t: pd.DataFrame, base: Any, skip: tuple[Any, ...]) -> pd.Series:
    """Rows held at ``base`` (a hyperparameter a row does not have, e.g. an inactive one, is no mismatch)."""
    ok = pd.Series(True, index=t.index)
    for k, v in base.items() if isinstance(base, Mapping) else ():
        c = f"params_{k}"
        if k not in skip and c in t.columns:
            ok &= t[c].isna() | t[c].map(lambda x, v=v: _same(x, v))
    return ok
