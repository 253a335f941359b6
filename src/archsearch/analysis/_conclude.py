"""The last step of every comparison's decision: models that did not learn, too few trials, no effect.

After the family adjustment (:func:`archsearch.analyze_table`) each effect has
"helps", "hurts" or "not decided yet". This step says when the data cannot
answer, in words (docs/statistics.md, "Decisions"):

- **did not learn**: the reference level, or every level, has a mean accuracy
  within :data:`CHANCE_MARGIN` of chance (1 / classes): nothing learned, so no
  effect and no verdict. A level at chance against a reference that learned
  keeps its verdict and is flagged (``level_at_chance``).
- **no effect** (every seed gave the same result at both levels): the factor
  changed nothing in this training, e.g. a schedule that never fired.
- **too few trials** (a search): the regression has fewer than
  :data:`MIN_RESIDUAL_DF` residual degrees of freedom or fewer than it has
  terms, could not be fitted
  at all, or the interval is wider than :data:`MAX_WIDTH` of the metric's range;
  ``trials_needed`` and the ``archsearch ask`` command that answers directly.
- **no effect of X or more** (equivalence): the adjusted interval lies within
  +-``min_effect``.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from archsearch.analysis._advice import ask_command, ask_levels, ask_words
from archsearch.analysis._verdicts import HELPS, HURTS, NO_EFFECT, NOT_LEARNED, TOO_FEW, UNDECIDED
from archsearch.analysis._words import counted

__all__ = ["CHANCE_MARGIN", "CHANCE_Z", "MAX_WIDTH", "MIN_RESIDUAL_DF", "at_chance", "conclude"]

#: A level whose mean accuracy is at most this far above chance (1 / classes) is "at chance".
CHANCE_MARGIN = 0.02
#: On few examples the margin is wider: what a model at chance reaches once in a hundred on that many examples
#: (one-sided z of 0.99 times the binomial standard error of one accuracy; 5.8 points on digits' 144).
CHANCE_Z = 2.326
#: A search regression needs at least this many residual degrees of freedom (trials beyond its terms), and at
#: least as many as it has terms (twice as many trials as terms), to separate an effect.
MIN_RESIDUAL_DF = 5
#: A search interval wider than this share of the metric's range (0.3: 30 points of accuracy) says "too few trials".
MAX_WIDTH = 0.3
_Z = 1.96


def at_chance(mean: Any, chance: float, n_examples: int | None = None) -> Any:
    """The at-chance rule: a level's mean accuracy at most :data:`CHANCE_MARGIN` above chance, or, measured on
    ``n_examples``, at most :data:`CHANCE_Z` standard errors of a chance-level accuracy there (arrays too).

    Example:
        >>> at_chance(0.11, 0.1), at_chance(0.5, 0.1)
        (True, False)
        >>> at_chance(0.14, 0.1), at_chance(0.14, 0.1, n_examples=144)  # 20 of 144 right: what chance gives
        (False, True)
    """
    margin = CHANCE_MARGIN
    if n_examples:
        margin = max(margin, CHANCE_Z * math.sqrt(chance * (1 - chance) / n_examples))
    return mean <= chance + margin


def _finite(*xs: Any) -> bool:
    return all(x is not None and isinstance(x, int | float) and math.isfinite(x) for x in xs)


def conclude(
    q: dict[str, Any],
    *,
    paired: bool,
    min_effect: float,
    chance: float | None = None,
    metric_range: float | None = None,
    space: str | None = None,
    study: str | None = None,
) -> None:
    """Turn each effect of question ``q`` into its final decision, with ``why`` in words (in place)."""
    q["chance"] = chance
    epochs = _epochs(q)
    n_val = _n_val(q)
    for lv in q["levels"]:
        lv["at_chance"] = (
            bool(_finite(lv.get("mean")) and at_chance(lv["mean"], chance, n_val)) if chance is not None else None
        )
    at = {lv["level"]: lv["at_chance"] for lv in q["levels"]}
    everyone = bool(q["levels"]) and all(at.get(lv["level"]) for lv in q["levels"] if _finite(lv.get("mean")))
    for e in q["effects"]:
        e.setdefault("why", "")
        e["level_at_chance"] = bool(at.get(e["level"]))
        ask = None if paired else ask_command(space, q["param"], levels=ask_levels(q, e), study=study)
        e["ask_command"] = ask
        e.setdefault("equivalence_margin", None)
        if e["verdict"] not in (HELPS, HURTS, UNDECIDED, NO_EFFECT):
            continue
        if chance is not None and (at.get(e["reference"]) or everyone) and e.get("n"):
            both = at.get(e["level"]) and at.get(e["reference"])
            who = _at_chance_who(e, len(q["levels"]), both=bool(both), everyone=everyone)
            after = f" after {epochs} epoch{'s' if epochs != 1 else ''}" if epochs else ""
            e.update(
                {
                    "verdict": NOT_LEARNED,
                    "more_needed": None,
                    "why": f"{who} at chance ({chance:.0%}){after}; train longer (`--epochs`) or check the "
                    "learning rate",
                }
            )
            continue
        if paired and _identical(q, e):
            e.update(
                {
                    "verdict": NO_EFFECT,
                    "more_needed": None,
                    "equivalence_margin": min_effect,
                    "why": f"every seed gave the same result at both levels, example for example: {q['param']} "
                    "changed nothing in this training (e.g. a learning-rate schedule that never changed the "
                    "learning rate)",
                }
            )
            continue
        lo, hi = e.get("ci_low"), e.get("ci_high")
        if paired and _finite(lo, hi) and hi <= lo:  # every paired difference 0: a spread of 0 bounds nothing
            e.update(
                {
                    "verdict": UNDECIDED,
                    "more_needed": None,
                    "seeds_needed": None,
                    "why": f"the {e.get('n') or 0} seeds agree at both levels on every example of the split, so "
                    "their spread, 0, says nothing of other seeds; ask again with more seeds (--repeats 5 or more)",
                }
            )
            continue
        if not e.get("n") and e.get("reason"):  # e.g. every trial of the level failed: the reason says it
            e.update({"verdict": TOO_FEW if not paired else UNDECIDED, "more_needed": None})
            continue
        if not paired:
            need = _too_few(q, e, metric_range)
            if need is not None:
                n_units = sum(int(lv.get("n_trials") or 0) for lv in q["levels"])
                k = int((q.get("_fit") or {}).get("n_others") or 0)
                e.update(
                    {
                        "verdict": TOO_FEW,
                        "more_needed": None,
                        "trials_needed": need,
                        "why": counted(n_units, "trials")
                        + (f" for {k + 1} hyperparameters" if k else "")
                        + f" cannot separate this effect; about {need} trials would, or "
                        + ask_words(str(ask), space, study)
                        + (", answers" if str(ask).endswith("PARAMS.json") else " answers")
                        + " it directly",
                    }
                )
                continue
        lo, hi = e.get("ci_low"), e.get("ci_high")
        if metric_range is not None and _finite(lo, hi) and (lo < -metric_range or hi > metric_range):
            e["verdict"] = UNDECIDED  # an interval wider than the metric's range says nothing (paired: few seeds)
        if (
            e["verdict"] == UNDECIDED
            and not e.get("withheld")
            and _finite(lo, hi)
            and -min_effect < lo
            and hi < min_effect
        ):
            e.update({"verdict": NO_EFFECT, "more_needed": None, "equivalence_margin": min_effect})
        if e["verdict"] != UNDECIDED:
            e["more_needed"] = None


def _at_chance_who(e: dict[str, Any], n_levels: int, *, both: bool, everyone: bool) -> str:
    """Which levels of a "did not learn" comparison were at chance: "every level" only when every level was.

    Example:
        >>> e = {"level": "2e-06", "reference": "1e-06"}
        >>> _at_chance_who(e, 3, both=True, everyone=False), _at_chance_who(e, 3, both=True, everyone=True)
        ('both 2e-06 and the reference (1e-06)', 'every level')
        >>> _at_chance_who(e, 2, both=True, everyone=True), _at_chance_who(e, 3, both=False, everyone=False)
        ('both levels', 'the reference (1e-06)')
    """
    if n_levels <= 2 and (both or everyone):
        return "both levels"
    if everyone:
        return "every level"
    if both:
        return f"both {e['level']} and the reference ({e['reference']})"
    return f"the reference ({e['reference']})"


def _epochs(q: dict[str, Any]) -> int | None:
    units = q.get("_units")
    if units is None or "epochs" not in units.columns:
        return None
    e = units["epochs"].dropna()
    return int(e.median()) if len(e) else None


def _identical(q: dict[str, Any], e: dict[str, Any]) -> bool:
    """Every common seed has exactly the same value at the level and the reference (at least 2 seeds), and,
    where the trials recorded which examples each model got right, the same examples right: equal accuracies
    alone (139 of 144 at both levels) are no sign that the factor changed nothing."""
    units = q.get("_units")
    if units is None:
        return False
    a = units[units["_level"] == e["level"]].set_index("seed")["value"]
    b = units[units["_level"] == e["reference"]].set_index("seed")["value"]
    common = sorted(set(a.index) & set(b.index))
    if len(common) < 2:
        return False
    if not np.array_equal(a.loc[common].to_numpy(float), b.loc[common].to_numpy(float)):
        return False
    rows = q.get("_rows")
    for column in ("correct_val", "correct_test"):
        if rows is None or column not in rows.columns:
            continue
        bits = rows.drop_duplicates(["_level", "seed"]).set_index(["_level", "seed"])[column]
        for seed in common:
            mine, theirs = bits.get((e["level"], seed)), bits.get((e["reference"], seed))
            if isinstance(mine, str) and isinstance(theirs, str) and mine != theirs:
                return False
    return True


def _n_val(q: dict[str, Any]) -> int | None:
    """The validation examples the levels' means are measured on, where the trials recorded it."""
    rows = q.get("_rows")
    if rows is None or "n_val" not in rows.columns:
        return None
    n = rows["n_val"].dropna()
    return int(n.median()) if len(n) and n.median() > 0 else None


def _too_few(q: dict[str, Any], e: dict[str, Any], metric_range: float | None) -> int | None:
    """A search effect the trials cannot separate: the trials that would (None: they can)."""
    fit = q.get("_fit") or {}
    n = int(fit.get("n") or (e.get("n") or 0) + (e.get("n_ref") or 0))
    cols = n - float(fit["df_resid"]) if _finite(fit.get("df_resid")) else None
    need = 0
    if fit.get("error") and fit.get("n_others"):
        # the regression could not be fitted: one column per other hyperparameter and level at least
        cols = len(q["levels"]) + int(fit["n_others"])
        need = int(cols + max(MIN_RESIDUAL_DF, cols))
    elif cols is not None and float(fit["df_resid"]) < max(MIN_RESIDUAL_DF, cols):
        need = math.ceil(cols + max(MIN_RESIDUAL_DF, cols))
    if (e.get("n") or 0) < 2 or (e.get("n_ref") or 0) < 2 or not _finite(e.get("ci_low"), e.get("ci_high")):
        need = max(need, n + 2, 2 * len(q["levels"]))
    se = float(e["se"]) if _finite(e.get("se")) else math.nan
    width = float(e["ci_high"] - e["ci_low"]) if _finite(e.get("ci_low"), e.get("ci_high")) else None
    if metric_range is not None and width is not None and width > MAX_WIDTH * metric_range:
        need = max(need, n + 1)
        if se > 0:  # the large-sample width shrinks as 1 / sqrt(trials)
            need = max(need, math.ceil(n * (2 * _Z * se / (MAX_WIDTH * metric_range)) ** 2))
    if not need:
        return None
    return min(max(need, n + 1), 10_000)
