"""The one place a comparison's decision becomes words: :func:`verdict_text` (long) and its short form.

Every output renders an effect through :func:`verdict_text`: ``archsearch run``'s
and ``archsearch ask``'s verdict lines, the report's Markdown and HTML (the
``summary`` of each effect in the JSON is this text), and the MLflow tags
(``short=True``). The decision word is ``effect["verdict"]`` (one of
:data:`archsearch.analysis.DECISIONS`); this module only says it, with the
split and the seeds or trials it rests on, and never prints an interval
outside the metric's range (the decision says "too few trials" or "not
decided yet" instead).
"""

from __future__ import annotations

import math
from typing import Any

from archsearch.analysis._verdicts import HELPS, HURTS, NO_EFFECT, NOT_LEARNED, TOO_FEW, UNDECIDED

__all__ = [
    "MAX_SEEDS_ADVICE",
    "amount",
    "chance_level",
    "counted",
    "level_interval_text",
    "run_and_needed",
    "metric_range",
    "no_answer",
    "plain_number",
    "verdict_text",
]

#: Seeds per level above which "about N more seeds" is no advice: the text says the effect is out of reach.
MAX_SEEDS_ADVICE = 100


def counted(n: int, noun: str) -> str:
    """``n`` and its noun, singular for one: ``1 seed``, ``3 seeds`` (the noun is given in the plural).

    Example:
        >>> counted(1, "seeds"), counted(3, "trials"), counted(0, "levels")
        ('1 seed', '3 trials', '0 levels')
    """
    return f"{n} {noun.removesuffix('s') if n == 1 else noun}"


def metric_range(objective: str | None) -> float | None:
    """The width of the objective's range (1 for an accuracy in [0, 1]; None: unbounded, e.g. a loss).

    A difference of two such values lies in ``[-range, range]``.

    Example:
        >>> metric_range("val_accuracy"), metric_range("val_loss")
        (1.0, None)
    """
    return 1.0 if objective and "accuracy" in objective else None


def chance_level(objective: str | None, classes: int | None) -> float | None:
    """The accuracy of guessing (1 / classes) for an accuracy objective; None otherwise or unknown.

    Example:
        >>> chance_level("val_accuracy", 10), chance_level("val_loss", 10), chance_level("val_accuracy", None)
        (0.1, None, None)
    """
    return 1 / classes if classes and objective and "accuracy" in objective else None


def plain_number(x: float, spec: str) -> str:
    """``x`` formatted with ``spec`` (``+.1f``, ``.4g``); a value that is not zero but rounds to it keeps its sign
    in one significant digit (an interval's bound of 0.0004 is above zero, -0.0004 below: "0.0" and "-0.0" said
    neither), and zero is never ``-0.0``.

    Example:
        >>> plain_number(0.0004, ".1f"), plain_number(-0.0004, "+.1f"), plain_number(-1.25, ".1f"), plain_number(-0.0, ".1f")
        ('0.0004', '-0.0004', '-1.2', '0.0')
    """  # noqa: E501
    text = f"{x:{spec}}"
    if float(text) != 0:
        return text
    return f"{x:{'+' if spec.startswith('+') else ''}.1g}" if x != 0 else f"{0.0:{spec}}"


def _scale(objective: str | None) -> tuple[float, str, str]:
    return (100.0, " pts", ".1f") if objective and "accuracy" in objective else (1.0, "", ".4g")


def amount(x: float, objective: str | None, signed: bool = False) -> str:
    """``x`` in the objective's display unit: ``+2.1 pts`` for accuracies, ``0.0123`` otherwise.

    Example:
        >>> amount(0.021, "val_accuracy", signed=True), amount(0.02, "val_accuracy"), amount(0.02, "val_loss")
        ('+2.1 pts', '2 pts', '0.02')
    """
    scale, unit, fmt = _scale(objective)
    if signed:
        return f"{plain_number(x * scale, '+' + fmt)}{unit}"
    v = x * scale
    text = plain_number(v, "g" if scale == 100 and abs(v - round(v, 1)) < 1e-9 else fmt)
    return text + (unit if unit.strip() != "pts" or v != 1 else " pt")


def level_interval_text(lv: dict[str, Any], objective: str | None, digits: int = 4) -> str:
    """A level mean's interval, ``[0.888, 0.9954]``; "too few trials" where it leaves the metric's range.

    Example:
        >>> level_interval_text({"ci_low": 0.13, "ci_high": 1.47, "n_trials": 3}, "val_accuracy")
        'too few trials (3) for an interval'
        >>> level_interval_text({"ci_low": 0.888, "ci_high": 0.9954}, "val_accuracy")
        '[0.888, 0.9954]'
    """
    if not _finite(lv.get("ci_low"), lv.get("ci_high")):
        return "-"
    lo, hi = float(lv["ci_low"]), float(lv["ci_high"])
    rng = metric_range(objective)
    if rng is not None and (lo < 0 or hi > rng):
        n = lv.get("n_trials")
        return f"too few trials{f' ({n})' if n else ''} for an interval"
    return f"[{lo:.{digits}g}, {hi:.{digits}g}]"


def _finite(*xs: Any) -> bool:
    return all(x is not None and isinstance(x, int | float) and math.isfinite(x) for x in xs)


def _interval(e: dict[str, Any], objective: str | None) -> str | None:
    """``+2.1 pts [0.8, 3.4]``, or None when there is no interval, it has no width, or it leaves the metric's
    range."""
    if not _finite(e.get("diff"), e.get("ci_low"), e.get("ci_high")):
        return None
    diff, lo, hi = float(e["diff"]), float(e["ci_low"]), float(e["ci_high"])
    if hi <= lo:  # every difference was 0: no interval, whatever its numbers (the why says so)
        return None
    rng = metric_range(objective)
    if rng is not None and (lo < -rng or hi > rng):
        return None
    scale, _, fmt = _scale(objective)
    return f"{amount(diff, objective, signed=True)} [{plain_number(lo * scale, fmt)}, {plain_number(hi * scale, fmt)}]"


def no_answer(e: dict[str, Any], objective: str | None) -> str | None:
    """Why a comparison has no numbers to show (its verdict says it in words), or None when it has an answer.

    "did not learn" and "too few trials" rows, and a comparison whose interval is wider than the metric's range,
    show no interval and no p-value: a number there would read as an answer the data cannot give.

    Example:
        >>> no_answer({"verdict": "did not learn"}, "val_accuracy"), no_answer({"verdict": "helps"}, "val_accuracy")
        ('did not learn', None)
        >>> no_answer({"verdict": "not decided yet", "ci_low": -1.01, "ci_high": 1.3}, "val_accuracy")
        "its interval is wider than val_accuracy's range"
    """
    word = e.get("verdict")
    if word in (NOT_LEARNED, TOO_FEW):
        return str(word)
    rng = metric_range(objective)
    lo, hi = e.get("ci_low"), e.get("ci_high")
    if rng is not None and isinstance(lo, int | float) and isinstance(hi, int | float) and (lo < -rng or hi > rng):
        return f"its interval is wider than {objective}'s range"
    return None


def _where(e: dict[str, Any], short: bool = False) -> str:
    """``on the test split, 5 seeds per level`` (an ablation) or ``on the validation split, 6 vs 4 trials``.

    Example:
        >>> _where({"split": "validation", "n": 1, "n_ref": 1}), _where({"n": 1, "n_ref": 1}, short=True)
        ('on the validation split, 1 trial per level', 'validation, 1 trial')
    """
    split = e.get("split") or "validation"
    n, n_ref = int(e.get("n") or 0), int(e.get("n_ref") or 0)
    unit = "trials" if e.get("exploratory", True) else "seeds"
    if short:
        count = counted(n, unit) if n == n_ref else f"{n} vs {n_ref} {unit}"
        return f"{split}, {count}"
    count = f"{counted(n, unit)} per level" if n == n_ref else f"{n} vs {n_ref} {unit}"
    return f"on the {split} split, {count}"


def _min_n(e: dict[str, Any]) -> int:
    """The fewer of the two levels' seeds (or trials) behind an effect."""
    return min(int(e.get("n") or 0), int(e.get("n_ref") or 0))


def _more(e: dict[str, Any], objective: str | None) -> str:
    """The advice of an open comparison: how many more seeds (or trials), or that the effect is out of reach."""
    need, more = e.get("seeds_needed"), e.get("more_needed")
    unit = "trials" if e.get("exploratory", True) else "seeds"
    size = amount(float(e.get("min_effect") or 0.01), objective)
    if need is None and not e.get("power_note") and not e.get("exploratory", True) and _min_n(e) < 2:
        return "one seed per level has no spread to plan from: ask again with --repeats 3 or more"
    if need is None:  # a sentence of its own elsewhere; here a clause among others
        return str(e.get("power_note") or "").rstrip(".")
    if int(need) > MAX_SEEDS_ADVICE:
        return (
            f"an effect of {size} is out of reach here (it needs about {need} {unit} per level; more than "
            f"{MAX_SEEDS_ADVICE} is no plan): ask about a larger effect (`--min-effect`)"
        )
    if more:
        return f"about {more} more {unit} per level ({need} in all) would detect {size} at 80% power"
    return ""


def run_and_needed(e: dict[str, Any]) -> str:
    """A table's "run / needed" cell of one effect, in the verdict's own units and with its advice rule.

    Seeds for an ablation (``4 / 9 (5 more)``, ``4 / 4 (decided)``, ``4 / out of reach (over 100 per level)``),
    trials for a search (``17 trials / about 42 trials``, only where its verdict is "too few trials").

    Example:
        >>> e = {"verdict": UNDECIDED, "n": 4, "n_ref": 4, "exploratory": False, "seeds_needed": 9}
        >>> run_and_needed(e), run_and_needed({**e, "seeds_needed": 3006}), run_and_needed({**e, "verdict": HELPS})
        ('4 / 9 (5 more)', '4 / out of reach (over 100 per level)', '4 / 4 (decided)')
        >>> run_and_needed({**e, "exploratory": True, "verdict": TOO_FEW, "n": 17, "n_ref": 3, "trials_needed": 42})
        '17 vs 3 trials / about 42 trials'
    """
    n, n_ref = int(e.get("n") or 0), int(e.get("n_ref") or e.get("n") or 0)
    word, need = e.get("verdict"), e.get("seeds_needed")
    if e.get("exploratory", True):
        trials = e.get("trials_needed")
        ran = counted(n, "trials") if n == n_ref else f"{n} vs {n_ref} trials"
        return f"{ran} / " + (f"about {trials} trials" if word == TOO_FEW and trials else "-")
    run = min(n, n_ref)
    if word in (HELPS, HURTS, NO_EFFECT):
        return f"{run} / {run} (decided)"
    if word == NOT_LEARNED:
        return f"{run} / - (train longer first)"
    if need is not None and int(need) > MAX_SEEDS_ADVICE:
        return f"{run} / out of reach (over {MAX_SEEDS_ADVICE} per level)"
    if need is not None and int(need) > run:
        return f"{run} / {need} ({int(need) - run} more)"
    if need is None and e.get("power_note"):
        return f"{run} / no seed count would do (the test split is too small)"
    return f"{run} / {need if need is not None else '?'} (not decided)"


def verdict_text(e: dict[str, Any], objective: str | None, *, short: bool = False) -> str:
    """The verdict of one comparison in words, for every output.

    Long: ``helps: +2.1 pts [0.8, 3.4] on the test split, 5 seeds per level``,
    ``no effect of 2 pts or more: -0.6 pts [-1.6, 0.3] on the test split, 5 seeds per level``,
    ``did not learn: both levels at chance (10%) after 5 epochs; ...``, each with
    its kind (``exploratory (search)`` / ``confirmatory (ask)``). Short (MLflow
    tags): ``helps +2.1 pts [0.8, 3.4] (test, 5 seeds)``.

    Example:
        >>> e = {"verdict": "helps", "diff": 0.021, "ci_low": 0.008, "ci_high": 0.034, "n": 5, "n_ref": 5,
        ...      "exploratory": False, "split": "test"}
        >>> verdict_text(e, "val_accuracy")
        'helps: +2.1 pts [0.8, 3.4] on the test split, 5 seeds per level; confirmatory (ask)'
        >>> verdict_text(e, "val_accuracy", short=True)
        'helps +2.1 pts [0.8, 3.4] (test, 5 seeds)'
        >>> verdict_text({**e, "verdict": "did not learn", "why": "both levels at chance (10%) after 5 epochs"},
        ...              "val_accuracy", short=True)
        'did not learn (both levels at chance (10%) after 5 epochs)'
        >>> open_e = {**e, "verdict": "not decided yet", "ci_low": -0.01, "seeds_needed": 58140, "more_needed": 58135}
        >>> verdict_text(open_e, "val_accuracy", short=True)
        'not decided yet +2.1 pts [-1.0, 3.4] (test, 5 seeds; out of reach)'
        >>> "an effect of 1 pt is out of reach here (it needs about 58140 seeds" in verdict_text(open_e, "val_accuracy")
        True
        >>> one = {**open_e, "n": 1, "n_ref": 1, "seeds_needed": None, "more_needed": None}
        >>> verdict_text(one, "val_accuracy").split("; ")[1]
        'one seed per level has no spread to plan from: ask again with --repeats 3 or more'
    """
    word = e.get("verdict") or UNDECIDED
    head = word
    if word == NO_EFFECT:
        head = f"no effect of {amount(e.get('equivalence_margin') or e.get('min_effect') or 0.01, objective)} or more"
    why = e.get("why") or ""
    reason = e.get("reason") or ""
    numbers = None if word in (NOT_LEARNED, TOO_FEW) else _interval(e, objective)
    if short:
        if word in (NOT_LEARNED, TOO_FEW):
            detail = why.split(";")[0] if why else reason.split(";")[0]
            return f"{head} ({detail})" if detail else head
        more, need = e.get("more_needed"), e.get("seeds_needed")
        tail = ""
        if word == UNDECIDED and more:  # the long form's rule: above MAX_SEEDS_ADVICE per level is no plan
            tail = "; out of reach" if need and int(need) > MAX_SEEDS_ADVICE else f"; {more:,} more needed"
        return f"{head}" + (f" {numbers}" if numbers else "") + f" ({_where(e, short=True)}{tail})"
    kind = "exploratory (search)" if e.get("exploratory", True) else "confirmatory (ask)"
    parts = [f"{head}: {why}" if word in (NOT_LEARNED, TOO_FEW) and why else head]
    if word not in (NOT_LEARNED, TOO_FEW):
        parts[0] += (f": {numbers} " if numbers else " ") + _where(e)
        if why:
            parts.append(why)
        if e.get("level_at_chance"):
            parts.append(f"{e['level']} stayed at chance")
    else:
        parts[0] += f" ({_where(e)})"
    if reason:
        parts.append(reason.rstrip("."))
    if word == UNDECIDED:
        advice = _more(e, objective)
        if advice:
            parts.append(advice)
    if word in (HELPS, HURTS, NO_EFFECT) and e.get("look"):
        parts.append(f"decided at look {e['look']}")
    return "; ".join(p for p in parts if p) + f"; {kind}"
