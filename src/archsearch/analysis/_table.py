"""``analyze_table``: the one entry point from a table of trials to the report's statistics."""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from archsearch.analysis._advice import ask_command, ask_levels, ask_words
from archsearch.analysis._conclude import conclude
from archsearch.analysis._crossed import on_test_split, seeds_for_power
from archsearch.analysis._estimation import json_ready, normalize_table
from archsearch.analysis._family import apply_family, apply_sequential
from archsearch.analysis._multiplicity import METHODS
from archsearch.analysis._population import in_design, one_budget
from archsearch.analysis._power import DEFAULT_MIN_EFFECT, units_needed
from archsearch.analysis._question import per_seed, question_parts
from archsearch.analysis._sequential import CONTINUE, DECIDED, NOT_LEARNED_STOP, LookSchedule
from archsearch.analysis._time import time_effects
from archsearch.analysis._verdicts import HELPS, HURTS, NO_EFFECT, NOT_LEARNED
from archsearch.analysis._words import amount, metric_range

__all__ = ["SCHEMA", "analyze_table"]

SCHEMA = "archsearch.report/2"


def analyze_table(
    table: pd.DataFrame,
    design: str = "search",
    questions: Sequence[Any] | None = None,
    direction: str = "maximize",
    *,
    plan: Mapping[str, Any] | None = None,
    alpha: float = 0.05,
    adjust_method: str = "holm",
    min_effect: float | None = None,
    time_target: float | None = None,
    space: str | None = None,
    study: str | None = None,
    max_levels: int = 6,
    bins: int = 4,
    objective: str | None = None,
    chance: float | None = None,
) -> dict[str, Any]:
    """Effects, intervals and verdicts for every question, from a plain table (one row per trial and seed).

    Args:
        table: columns ``trial``, ``seed``, ``value``, ``state`` (COMPLETE / PRUNED /
            FAIL), ``params_count``, ``fit_seconds``, ``params_<name>`` per
            hyperparameter, optionally ``epoch_values`` (JSON list per epoch), ``error`` and
            ``stopped`` (why a signal or a deadline ended a FAIL trial: left out, with a note),
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
        study: the study the table comes from: where it is not the one named after ``space`` (which
            ``ask --base best`` reads), the suggested ``ask`` starts from its best trial by ``--base PARAMS.json``.
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
    t, other_budget, note = one_budget(t)
    if note:
        notes.append(note)
    if "stopped" in t.columns:  # a signal or the deadline ended them: an operator's stop, not the level's outcome
        halted = (t["state"] == "FAIL") & t["stopped"].notna()
        if halted.any():
            n = int(t.loc[halted, "trial"].nunique())
            notes.append(
                f"{n} trial(s) stopped by a signal or a deadline are left out: a stop is not an outcome of "
                "their level (a resumed run trains them again)."
            )
            t = t[~halted]
    if paired and plan:
        t, excluded = in_design(t, plan)
        if excluded:
            notes.append(
                f"{excluded} trial(s) outside the ablation's design (another base, level or seed, e.g. "
                "added by the sampler after an enqueued trial failed) are left out of every level."
            )
    specs = _specs(t, questions, plan, paired)
    parts = [question_parts(t, s, paired=paired, max_levels=max_levels, bins=bins) for s in specs]
    min_effect = DEFAULT_MIN_EFFECT if min_effect is None else float(min_effect)
    seq = _sequential(plan) if paired else None
    _splits(parts, paired, seq is not None, direction, alpha)
    family = [(q, e) for q in parts for e in q["effects"]]
    if seq is not None:
        apply_sequential(parts, seq, direction)
        family_text = "the looks; Holm within each look"
    else:
        apply_family(family, adjust_method, alpha, direction)
        k = len([1 for _, e in family if e["p"] is not None])
        family_text = f"{k} comparison{'' if k == 1 else 's'}"
    for q, e in family:
        _power(q, e, paired, alpha, len(family), min_effect, objective, seq)
    for q in parts:
        conclude(
            q,
            paired=paired,
            min_effect=min_effect,
            chance=chance,
            metric_range=metric_range(objective),
            space=space,
            study=study,
        )
        seq_q = q.get("sequential")
        final = (HELPS, HURTS, NO_EFFECT, NOT_LEARNED)
        verdicts = [e["verdict"] for e in q["effects"]]
        if (
            seq_q
            and verdicts
            and all(v in final for v in verdicts)
            and (
                (seq_q["status"] == CONTINUE and NOT_LEARNED in verdicts)
                or (seq_q["status"] == DECIDED and all(v == NOT_LEARNED for v in verdicts))
            )
        ):  # "did not learn" is final: more seeds cannot help; an ask that is only that is stopped, not decided
            seq_q["status"] = NOT_LEARNED_STOP
    timing = time_effects(
        parts,
        paired=paired,
        alpha=alpha,
        method=adjust_method,
        target=time_target,
        direction=direction,
        max_levels=max_levels,
    )
    for q in parts:
        q["time_effects"] = timing.get(q["param"], [])
        if not paired and any(b["poor"] for b in q["balance"]):
            bad = ", ".join(b["param"] for b in q["balance"] if b["poor"])
            q["note"] = (q["note"] + " " if q["note"] else "") + (
                f"Poor balance on {bad} (|standardized mean difference| > 0.25): the adjustment leans on the "
                "regression model. A controlled answer: "
                + ask_words(ask_command(space, q["param"], levels=ask_levels(q), study=study), space, study)
            )
        for key in ("_units", "_others", "_rows", "_test", "_fit"):
            q.pop(key, None)
    counts = {s: int(t.drop_duplicates("trial")["state"].eq(s).sum()) for s in ("COMPLETE", "PRUNED", "FAIL")}
    out: dict[str, Any] = json_ready(
        {
            "schema": SCHEMA,
            "design": {"kind": design},
            "direction": direction,
            "exploratory": not paired,
            "alpha": alpha,
            "multiplicity": {
                "method": "group-sequential" if seq is not None else adjust_method,
                "description": (seq.to_dict()["spending"] if seq is not None else METHODS[adjust_method]),
                "family": family_text,
                "m": len(family),
            },
            "min_effect": min_effect,
            "counts": {**counts, "excluded": excluded, "other_budget": other_budget},
            "questions": parts,
            "notes": notes,
        }
    )
    return out


def _specs(
    t: pd.DataFrame, questions: Sequence[Any] | None, plan: Mapping[str, Any] | None, paired: bool
) -> list[dict[str, Any]]:
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


def _splits(parts: list[dict[str, Any]], paired: bool, sequential: bool, direction: str, alpha: float) -> None:
    """Which split each effect is measured on: an ablation's on test (example noise included) where it can.

    A sequential ablation's looks judge the same split as its effects (``apply_sequential``).
    """
    for q in parts:
        if paired:
            on_test_split(q, direction, alpha)
        else:
            for e in q["effects"]:
                e.update({"split": "validation", "method": q["method"]})
        splits = {e["split"] for e in q["effects"]}
        q["split"] = splits.pop() if len(splits) == 1 else ("mixed" if splits else "validation")


def _sequential(plan: Mapping[str, Any] | None) -> LookSchedule | None:
    s = (plan or {}).get("sequential")
    if not s:
        return None
    me = (plan or {}).get("min_effect")  # `ask --min-effect`: the looks may also stop with "no effect"
    return LookSchedule(
        int(s["repeats"]), int(s["max_seeds"]), float(s.get("alpha", 0.05)), None if me is None else float(me)
    )


def _power(
    q: dict[str, Any],
    e: dict[str, Any],
    paired: bool,
    alpha: float,
    m: int,
    min_effect: float,
    objective: str | None,
    seq: LookSchedule | None = None,
) -> None:
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
            need = _sequential_need(
                need, seq, lambda a: seeds_for_power(components, e["n_test"], min_effect, a / max(m, 1))
            )
        if need is None:
            size = amount(min_effect, objective)
            e["power_note"] = (
                f"the test split's {e['n_test']} examples alone leave too much noise to detect "
                f"{size} at 80% power: more seeds cannot settle it, a larger test split can."
            )
            if fixed is not None:  # the sequential design's small final alpha is what rules it out
                e["power_note"] = (
                    f"under --until-decided the test split's {e['n_test']} examples leave too much "
                    f"noise to detect {size} at 80% power (its final look spends only part "
                    f"of alpha): a fixed design with {fixed} seeds per level (without "
                    f"--until-decided) or a larger test split can."
                )
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
        need = _sequential_need(
            need,
            seq,
            lambda a: units_needed(sd, min_effect, paired=True, alpha=a / max(m, 1), sd_df=df if df > 0 else None),
        )
    if need is not None:
        e["seeds_needed"] = need
        if e["verdict"] not in (HELPS, HURTS):
            e["more_needed"] = max(need - min(e["n"], e["n_ref"]), 0)


def _sequential_need(need: int, seq: LookSchedule, need_at: Callable[[float], int | None]) -> int | None:
    """The --max-seeds whose final look alone, at the alpha it may spend, has 80% power.

    ``need_at(alpha)`` is the seeds a fixed design needs at ``alpha`` (before
    the family's share). Stopping earlier only adds chances to decide, so the
    design's power is at least that. None: no number of seeds will do at that alpha.
    """
    for _ in range(20):
        final_alpha = LookSchedule(min(seq.repeats, need), need, seq.alpha).final_alpha()
        nxt = need_at(final_alpha)
        if nxt is None:
            return None
        if nxt <= need:
            return need
        need = nxt
    return need
