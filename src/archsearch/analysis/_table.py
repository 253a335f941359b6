"""``analyze_table``: the one entry point from a table of trials to the report's statistics."""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from archsearch.analysis._conclude import conclude
from archsearch.analysis._estimation import clean, label, normalize_table, num
from archsearch.analysis._examples import SEEDS_ONLY_METHOD, crossed_compare, on_test_split, seeds_for_power
from archsearch.analysis._multiplicity import METHODS, adjust
from archsearch.analysis._power import DEFAULT_MIN_EFFECT, units_needed
from archsearch.analysis._question import per_seed, question_parts
from archsearch.analysis._sequential import (
    CONTINUE,
    NOT_LEARNED_STOP,
    SequentialPlan,
    interval_of,
    sequential_decision,
)
from archsearch.analysis._time import time_effects
from archsearch.analysis._verdicts import HELPS, HURTS, NO_EFFECT, NOT_ENOUGH, NOT_LEARNED, UNCLEAR, decide
from archsearch.analysis._words import metric_range

__all__ = ["SCHEMA", "analyze_table"]

SCHEMA = "archsearch.report/2"


def analyze_table(table: pd.DataFrame, design: str = "search", questions: Sequence[Any] | None = None,
                  direction: str = "maximize", *, plan: Mapping[str, Any] | None = None, alpha: float = 0.05,
                  adjust_method: str = "holm", min_effect: float | None = None, time_target: float | None = None,
                  space: str | None = None, max_levels: int = 6, bins: int = 4, objective: str | None = None,
                  chance: float | None = None) -> dict[str, Any]:
    """Effects, intervals and verdicts for every question, from a plain table (one row per trial and seed).

    Args:
        table: columns ``trial``, ``seed``, ``value``, ``state`` (COMPLETE / PRUNED /
            FAIL), ``params_count``, ``fit_seconds``, ``params_<name>`` per
            hyperparameter, optionally ``epoch_values`` (JSON list per epoch) and ``error``,
            and per-example correctness ``correct_test``, ``n_test`` (``correct_val``,
            ``n_val``): base64 of ``numpy.packbits``, with which an ablation's effects
            are measured on the test split over seeds and examples (docs/statistics.md).
        design: "search" (exploratory: effects adjusted by regression on the other
            hyperparameters) or "ablation" (confirmatory: paired per seed).
        questions: parameter names, or dicts ``{"param", "baseline", "text", "order"}``;
            None analyses every ``params_`` column (an ablation: its factor).
        direction: "maximize" or "minimize".
        plan: an ablation's design (``factor``, ``levels``, ``baseline``, ``base``,
            ``seeds``, optionally ``sequential``: ``{"repeats", "max_seeds", "alpha"}``);
            rows outside it are excluded and counted.
        alpha: the family's error rate.
        adjust_method: "holm" (family-wise, default), "fdr_bh" (``--fdr``) or "none".
        min_effect: the smallest effect worth detecting for "seeds needed" (default 0.01).
        time_target: also compare the time to first reach this objective value.
        space: the space file named in suggested commands.
        objective: the objective's name (e.g. ``val_accuracy``): an accuracy's differences lie in
            [-1, 1], so an interval beyond that is "not decided yet" / "too few trials", never printed.
        chance: the chance accuracy (1 / classes): a reference (or every level) at chance gives
            "did not learn" instead of a verdict; None: not checked.

    Returns:
        the report's statistics as JSON-ready data (docs/report-schema.md).

    Example:
        >>> rng = np.random.default_rng(0)
        >>> t = pd.DataFrame({"trial": range(12), "seed": range(12), "state": "COMPLETE",
        ...                   "value": np.r_[rng.normal(.90, .01, 6), rng.normal(.95, .01, 6)],
        ...                   "params_layers": [1] * 6 + [2] * 6})
        >>> analyze_table(t)["questions"][0]["effects"][0]["verdict"]
        'helps'
    """
    if design not in ("search", "ablation"):
        raise ValueError(f"design must be 'search' or 'ablation', but got {design!r}.")
    if direction not in ("maximize", "minimize"):
        raise ValueError(f"direction must be 'maximize' or 'minimize', but got {direction!r}.")
    if adjust_method not in METHODS:
        raise ValueError(f"adjust_method must be one of {', '.join(METHODS)}, but got {adjust_method!r}.")
    t = normalize_table(table)
    paired = design == "ablation"
    notes: list[str] = []
    excluded = 0
    t, other_budget, note = _one_budget(t)
    if note:
        notes.append(note)
    if paired and plan:
        t, excluded = _in_design(t, plan)
        if excluded:
            notes.append(f"{excluded} trial(s) outside the ablation's design (another base, level or seed, e.g. "
                         "added by the sampler after an enqueued trial failed) are left out of every level.")
    specs = _specs(t, questions, plan, paired)
    parts = [question_parts(t, s, paired=paired, max_levels=max_levels, bins=bins) for s in specs]
    min_effect = DEFAULT_MIN_EFFECT if min_effect is None else float(min_effect)
    seq = _sequential(plan) if paired else None
    _splits(parts, paired, seq is not None, direction, alpha)
    family = [(q, e) for q in parts for e in q["effects"]]
    if seq is not None:
        _apply_sequential(parts, seq, direction)
        family_text = "each look's comparisons (Holm), looks bound by alpha spending"
    else:
        _apply_family(family, adjust_method, alpha, direction)
        k = len([1 for _, e in family if e["p"] is not None])
        family_text = f"{k} comparison{'' if k == 1 else 's'}"
    for q, e in family:
        _power(q, e, paired, alpha, len(family), min_effect, seq)
    for q in parts:
        conclude(q, paired=paired, min_effect=min_effect, chance=chance, metric_range=metric_range(objective),
                 space=space)
        seq_q = q.get("sequential")
        final = (HELPS, HURTS, NO_EFFECT, NOT_LEARNED)
        if seq_q and seq_q["status"] == CONTINUE and all(e["verdict"] in final for e in q["effects"]) \
                and any(e["verdict"] == NOT_LEARNED for e in q["effects"]):
            seq_q["status"] = NOT_LEARNED_STOP
    timing = time_effects(parts, paired=paired, alpha=alpha, method=adjust_method, target=time_target,
                          direction=direction, max_levels=max_levels)
    for q in parts:
        q["time_effects"] = timing.get(q["param"], [])
        if not paired and any(b["poor"] for b in q["balance"]):
            bad = ", ".join(b["param"] for b in q["balance"] if b["poor"])
            q["note"] = (q["note"] + " " if q["note"] else "") + (
                f"Poor balance on {bad} (|standardized mean difference| > 0.25): the adjustment leans on the "
                f"regression model. A controlled answer: archsearch ask {space or 'SPACE.py'} --factor "
                f"{q['param']} --repeats 3 --base best")
        for key in ("_units", "_others", "_rows", "_test", "_fit"):
            q.pop(key, None)
    counts = {s: int(t.drop_duplicates("trial")["state"].eq(s).sum()) for s in ("COMPLETE", "PRUNED", "FAIL")}
    out: dict[str, Any] = clean({
        "schema": SCHEMA, "design": {"kind": design}, "direction": direction, "exploratory": not paired,
        "alpha": alpha,
        "multiplicity": {"method": "group-sequential" if seq is not None else adjust_method,
                         "description": (seq.to_dict()["spending"] if seq is not None else METHODS[adjust_method]),
                         "family": family_text, "m": len(family)},
        "min_effect": min_effect, "counts": {**counts, "excluded": excluded, "other_budget": other_budget},
        "questions": parts, "notes": notes,
    })
    return out


def _one_budget(t: pd.DataFrame) -> tuple[pd.DataFrame, int, str]:
    """One population: only the trials trained to the largest budget (``budget``: epochs) are compared.

    Trials of other budgets (Hyperband's lower brackets, a study run with fewer epochs before; a continued
    Hyperband trial's earlier stage is such a trial) are left out, counted and named in a note. Trials
    whose budget was not recorded (older studies) stay.

    Example:
        >>> t = pd.DataFrame({"trial": [0, 1, 2], "budget": [1, 3, 3]})
        >>> kept, n, note = _one_budget(t)
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
    note = (f"{len(left)} trial(s) trained for fewer epochs ({shown}) than the largest budget ({int(top)}) are left "
            "out: trials of different budgets (Hyperband brackets, a study continued with other --epochs) are never "
            "pooled; each comparison is among trials at the largest budget.")
    return t.loc[~drop], int(len(left)), note


def _specs(t: pd.DataFrame, questions: Sequence[Any] | None, plan: Mapping[str, Any] | None,
           paired: bool) -> list[dict[str, Any]]:
    if questions is None:
        if paired and plan and plan.get("factor"):
            return [{"param": plan["factor"], "baseline": plan.get("baseline"), "order": plan.get("levels")}]
        return [{"param": c[7:]} for c in t.columns if c.startswith("params_") and c != "params_count"]
    out = []
    for q in questions:
        spec = dict(q) if isinstance(q, Mapping) else {"param": str(q)}
        if paired and plan and spec["param"] == plan.get("factor"):
            spec.setdefault("baseline", plan.get("baseline"))
            spec.setdefault("order", plan.get("levels"))
        out.append(spec)
    return out


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, float | int | np.number) and isinstance(b, float | int) and not isinstance(b, bool):
        return math.isclose(float(a), float(b), rel_tol=1e-9, abs_tol=1e-12)
    return label(a) == label(b)


def _in_design(t: pd.DataFrame, plan: Mapping[str, Any]) -> tuple[pd.DataFrame, int]:
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
    matched = (plan.get("matched_size") or {}).get("adjusted")  # --match-size varies it per level
    base = plan.get("base")
    for k, v in (base.items() if isinstance(base, Mapping) else ()):
        c = f"params_{k}"
        if k in (factor, matched):
            continue
        if c in t.columns:
            ok &= t[c].isna() | t[c].map(lambda x, v=v: _same(x, v))
    bad = set(t.loc[~ok, "trial"])
    return t[~t["trial"].isin(bad)], len(bad)


def _splits(parts: list[dict[str, Any]], paired: bool, sequential: bool, direction: str, alpha: float) -> None:
    """Which split each effect is measured on: an ablation's on test (example noise included) where it can.

    A sequential ablation's looks judge the same split as its effects (``_apply_sequential``).
    """
    for q in parts:
        if paired:
            on_test_split(q, direction, alpha)
        else:
            for e in q["effects"]:
                e.update({"split": "validation", "method": q["method"]})
        splits = {e["split"] for e in q["effects"]}
        q["split"] = splits.pop() if len(splits) == 1 else ("mixed" if splits else "validation")


def _sequential(plan: Mapping[str, Any] | None) -> SequentialPlan | None:
    s = (plan or {}).get("sequential")
    if not s:
        return None
    me = (plan or {}).get("min_effect")  # `ask --min-effect`: the looks may also stop with "no effect"
    return SequentialPlan(int(s["repeats"]), int(s["max_seeds"]), float(s.get("alpha", 0.05)),
                          None if me is None else float(me))


def _apply_family(family: list[tuple[dict[str, Any], dict[str, Any]]], method: str, alpha: float,
                  direction: str) -> None:
    comps = [e.pop("_comparison") for _, e in family]
    p_adj, levels = adjust([c.p if c is not None else math.nan for c in comps], method, alpha)
    for (_, e), c, pa, a_each in zip(family, comps, p_adj, levels, strict=True):
        _fill(e, c, pa, a_each, alpha, direction)
        sc = e.pop("_size_comparison", None)
        if sc is not None and math.isfinite(a_each):
            lo, hi = sc.interval(a_each)
            e.update({"adjusted_diff": sc.diff, "adjusted_ci_low": lo, "adjusted_ci_high": hi,
                      "survives_size": e["verdict"] in (HELPS, HURTS) and (lo > 0 or hi < 0)
                      and (lo > 0) == (e["diff"] > 0)})


def _fill(e: dict[str, Any], c: Any, p_adj: float, a_each: float, alpha: float, direction: str) -> None:
    if c is None or not math.isfinite(c.diff):
        e.update({"diff": None, "ci_low": None, "ci_high": None, "ci_low_raw": None, "ci_high_raw": None,
                  "se": None, "df": None, "p": None, "p_adjusted": None, "alpha_interval": None,
                  "verdict": NOT_ENOUGH})
        return
    lo_raw, hi_raw = c.interval(alpha)
    lo, hi = c.interval(a_each) if math.isfinite(a_each) else (math.nan, math.nan)
    v = decide(c.diff, num(p_adj), direction, alpha)
    if e.get("withheld") and v in (HELPS, HURTS):
        v = NOT_ENOUGH
    e.update({"diff": c.diff, "ci_low": lo, "ci_high": hi, "ci_low_raw": lo_raw, "ci_high_raw": hi_raw,
              "se": c.se, "df": c.df, "p": c.p, "p_adjusted": p_adj, "alpha_interval": a_each, "verdict": v})


def _apply_sequential(parts: list[dict[str, Any]], plan: SequentialPlan, direction: str) -> None:
    for q in parts:
        units = q.get("_units")
        if units is None or not q["effects"]:
            continue
        levels = [q["reference"], *[e["level"] for e in q["effects"]]]
        seeds = {lv: per_seed(units, lv) for lv in levels}
        # On the test split (every effect there, see _splits) each look is the crossed seeds x examples test
        # of the first n seeds; otherwise the paired t test of the per-seed validation values.
        test = q.get("_test") if all(e["split"] == "test" for e in q["effects"]) else None
        compare = crossed_compare(test, q["reference"]) if test is not None else None
        if test is None:
            for e in q["effects"]:
                if e["split"] == "test":  # another level stays on validation: so do the looks, for every level
                    for key in ("n_test", "validation_diff", "validation_ci_low", "validation_ci_high", "_components"):
                        e.pop(key, None)
                    e.update({"split": "validation", "method": SEEDS_ONLY_METHOD,
                              "split_note": "another level of this question has no test-split seeds in common "
                                            "with the reference, and the looks judge every level on one split."})
            q["split"] = "validation"
        result = sequential_decision(seeds, q["reference"], plan, direction, compare=compare)
        q["sequential"] = {k: result[k] for k in ("status", "n_seeds", "looks", "plan")}
        for e in q["effects"]:
            e.pop("_size_comparison", None)
            c = e.pop("_comparison")
            entry = result["effects"].get(e["level"])
            if entry is None:
                _fill(e, c, math.nan, math.nan, plan.alpha, direction)
                continue
            _fill(e, entry["comparison"], entry["p_adjusted"], entry["alpha_interval"], entry["alpha_look"],
                  direction)
            if entry["verdict"] in (HELPS, HURTS, NO_EFFECT) and not e.get("withheld"):
                e["verdict"] = entry["verdict"]
                if entry["verdict"] == NO_EFFECT:
                    e["equivalence_margin"] = plan.min_effect
            elif e["verdict"] in (HELPS, HURTS):
                e["verdict"] = UNCLEAR
            e["decided_ci_low"], e["decided_ci_high"] = interval_of(entry)
            e["look"] = entry["look"]
            # The reported interval: the repeated-confidence interval at the final look (more seeds than
            # the deciding look when other comparisons went on); the diff is the final look's too.
            last = result["final"].get(e["level"], entry)
            e["ci_low"], e["ci_high"] = interval_of(last)
            e["diff"], e["final_look"] = last["comparison"].diff, last["look"]


def _power(q: dict[str, Any], e: dict[str, Any], paired: bool, alpha: float, m: int, min_effect: float,
           seq: SequentialPlan | None = None) -> None:
    """``seeds_needed`` (units per level for 80% power at ``min_effect``) always; ``more_needed`` if undecided."""
    e.update({"min_effect": min_effect, "seeds_needed": None, "more_needed": None})
    components = e.pop("_components", None)
    units = q.get("_units")
    if units is None:
        return
    if e.get("split") == "test":
        if components is None:
            return
        fixed = need = seeds_for_power(components, e["n_test"], min_effect, alpha / max(m, 1))
        if need is not None and seq is not None:
            need = _sequential_need(need, seq, lambda a: seeds_for_power(components, e["n_test"], min_effect,
                                                                         a / max(m, 1)))
        if need is None:
            e["power_note"] = (f"the test split's {e['n_test']} examples alone leave too much noise to detect "
                               f"{min_effect:g} at 80% power: more seeds cannot settle it, a larger test split can.")
            if fixed is not None:  # the sequential design's small final alpha is what rules it out
                e["power_note"] = (f"under --until-decided the test split's {e['n_test']} examples leave too much "
                                   f"noise to detect {min_effect:g} at 80% power (its final look spends only part "
                                   f"of alpha): a fixed design with {fixed} seeds per level (without "
                                   f"--until-decided) or a larger test split can.")
        else:
            e["seeds_needed"] = need
            if e["verdict"] not in (HELPS, HURTS):
                e["more_needed"] = max(need - min(e["n"], e["n_ref"]), 0)
        return
    if paired:
        a, b = per_seed(units, e["level"]), per_seed(units, e["reference"])
        common = sorted(set(a.index) & set(b.index))
        d = (a.loc[common] - b.loc[common]).to_numpy(float)
        sd, df = (float(np.std(d, ddof=1)), len(d) - 1) if len(d) > 1 else (math.nan, 0)
    else:
        groups = [units.loc[units["_level"] == lv, "value"].to_numpy(float) for lv in (e["level"], e["reference"])]
        ss = sum(float(((g - g.mean()) ** 2).sum()) for g in groups if len(g) > 1)
        df = sum(len(g) - 1 for g in groups if len(g) > 1)
        sd = math.sqrt(ss / df) if df > 0 else math.nan
    # Bonferroni's level for the family: conservative for Holm, so the power is at least 80%.
    level = alpha / max(m, 1)
    need = units_needed(sd, min_effect, paired=paired, alpha=level, sd_df=df if df > 0 else None)
    if need is not None and seq is not None:
        need = _sequential_need(need, seq, lambda a: units_needed(sd, min_effect, paired=True, alpha=a / max(m, 1),
                                                                  sd_df=df if df > 0 else None))
    if need is not None:
        e["seeds_needed"] = need
        if e["verdict"] not in (HELPS, HURTS):
            e["more_needed"] = max(need - min(e["n"], e["n_ref"]), 0)


def _sequential_need(need: int, seq: SequentialPlan, need_at: Callable[[float], int | None]) -> int | None:
    """The --max-seeds whose final look alone, at the alpha it may spend, has 80% power.

    ``need_at(alpha)`` is the seeds a fixed design needs at ``alpha`` (before
    the family's share). Stopping earlier only adds chances to decide, so the
    design's power is at least that. None: no number of seeds will do at that alpha.
    """
    for _ in range(20):
        final_alpha = SequentialPlan(min(seq.repeats, need), need, seq.alpha).look_alphas()[-1][1]
        nxt = need_at(final_alpha)
        if nxt is None:
            return None
        if nxt <= need:
            return need
        need = nxt
    return need
