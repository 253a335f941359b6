"""Evaluation noise: accuracy differences whose interval counts the test examples as a sample too.

A study evaluates every seed on the same few hundred test examples. An interval
from per-seed accuracies alone treats that test set as the whole population: it
misses how much the difference would change on other examples, and covers the
population difference far less than 95% of the time when two models disagree
on a few percent of the examples (docs/statistics.md).

Here the unit is one (seed, example) cell of the paired difference
``D[s, i] = correct_a[s, i] - correct_b[s, i]`` (both levels trained with seed
``s``, scored on example ``i``). Seeds and examples are crossed random samples:
``D[s, i] = delta + seed_s + example_i + cell_si``. The variance of the grand
mean is ``var_seed / S + var_example / N + var_cell / (S N)``; its components
come from the two-way ANOVA mean squares (method of moments, equal to REML for
this balanced design when no component is negative; a negative one is set to
0), and the interval is a t interval with Satterthwaite's degrees of freedom.
Nothing here imports Keras, Optuna or MLflow.
"""

from __future__ import annotations

import base64
import math
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from archsearch.analysis._intervals import Comparison

__all__ = [
    "EXAMPLES_METHOD",
    "SEEDS_ONLY_METHOD",
    "correctness_matrix",
    "crossed_compare",
    "crossed_test",
    "on_test_split",
    "pack_correct",
    "seeds_for_power",
    "unpack_correct",
    "variance_components",
]

EXAMPLES_METHOD = (
    "paired over seeds and test examples: two-way crossed random effects (seed, example; "
    "ANOVA moments), Satterthwaite t"
)
SEEDS_ONLY_METHOD = "seeds only (example noise not included)"


def pack_correct(correct: np.ndarray | Sequence[bool]) -> str:
    """A boolean "prediction correct" vector as base64 of ``numpy.packbits`` (1 bit per example).

    Example:
        >>> pack_correct([True, False, True])
        'oA=='
        >>> unpack_correct("oA==", 3).tolist()
        [True, False, True]
    """
    bits = np.asarray(correct, dtype=bool).ravel()
    return base64.b64encode(np.packbits(bits).tobytes()).decode("ascii")


def unpack_correct(text: str, n: int) -> np.ndarray:
    """The ``n`` booleans :func:`pack_correct` wrote.

    Raises:
        ValueError: the text is not base64, or holds fewer than ``n`` bits.
    """
    try:
        raw = base64.b64decode(text, validate=True)
    except (ValueError, TypeError):
        raise ValueError(
            f"per-example correctness must be base64 of numpy.packbits, but got {str(text)[:40]!r}."
        ) from None
    n = int(n)
    if len(raw) * 8 < n or len(raw) > (n + 7) // 8:
        raise ValueError(f"per-example correctness holds {len(raw) * 8} bits, which does not fit n={n} examples.")
    return np.unpackbits(np.frombuffer(raw, dtype=np.uint8), count=n).astype(bool)


def correctness_matrix(packed: Sequence[str], n: int) -> np.ndarray:
    """Seeds x examples booleans from one packed vector per seed (all of ``n`` examples)."""
    return np.stack([unpack_correct(p, n) for p in packed]) if len(packed) else np.zeros((0, int(n)), bool)


def variance_components(d: np.ndarray) -> dict[str, float]:
    """Seed, example and cell variance of a seeds x examples table, from the two-way ANOVA mean squares.

    Returns ``{"seed", "example", "cell", "ms_seed", "ms_example", "ms_cell", "df_seed", "df_example"}``
    (``df_*``: the degrees of freedom of those mean squares); the components
    are floored at 0. Needs at least 2 seeds and 2 examples.
    """
    d = np.asarray(d, dtype=float)
    s, n = d.shape
    grand = d.mean()
    row, col = d.mean(axis=1), d.mean(axis=0)
    ms_seed = n * float(((row - grand) ** 2).sum()) / (s - 1)
    ms_example = s * float(((col - grand) ** 2).sum()) / (n - 1)
    resid = d - row[:, None] - col[None, :] + grand
    ms_cell = float((resid**2).sum()) / ((s - 1) * (n - 1))
    return {
        "seed": max((ms_seed - ms_cell) / n, 0.0),
        "example": max((ms_example - ms_cell) / s, 0.0),
        "cell": ms_cell,
        "ms_seed": ms_seed,
        "ms_example": ms_example,
        "ms_cell": ms_cell,
        "df_seed": s - 1,
        "df_example": n - 1,
    }


def crossed_test(a: np.ndarray, b: np.ndarray) -> Comparison:
    """Accuracy of ``a`` minus that of ``b`` (seeds x examples, same seeds and examples on both sides).

    The standard error combines seed and example variance (module docstring);
    ``df`` is Satterthwaite's for that sum. With one seed or one example the
    standard error is NaN, as for a paired t test with one pair.

    Example:
        >>> rng = np.random.default_rng(0)
        >>> b = rng.random((5, 400)) < 0.9
        >>> a = b | (rng.random((5, 400)) < 0.05)   # a fixes some of b's mistakes
        >>> c = crossed_test(a, b)
        >>> c.diff > 0, c.interval()[0] > 0
        (True, True)
    """
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    if a.shape != b.shape or a.ndim != 2:
        raise ValueError(
            f"both correctness matrices must be seeds x examples of one shape, not {a.shape} and {b.shape}."
        )
    d = a - b
    s, n = d.shape
    if d.size == 0:
        return Comparison(math.nan, math.nan, math.nan, math.nan, "crossed")
    diff = float(d.mean())
    if s < 2 or n < 2:
        return Comparison(diff, math.nan, math.nan, math.nan, "crossed")
    v = variance_components(d)
    # var(mean) = v_seed/S + v_example/N + v_cell/(S N), each term a multiple of one mean square.
    terms = [(v["seed"] / s, v["ms_seed"] / (s * n), s - 1), (v["example"] / n, v["ms_example"] / (s * n), n - 1)]
    var = sum(t for t, _, _ in terms) + v["cell"] / (s * n)
    if var <= 0:
        return Comparison(diff, 0.0, float((s - 1) * (n - 1)), 1.0 if diff == 0 else 0.0, "crossed")
    # Satterthwaite: var is sum_k c_k MS_k; df = var^2 / sum_k (c_k MS_k)^2 / df_k, over the terms actually used.
    parts = [(v["cell"] / (s * n), (s - 1) * (n - 1))]
    for value, ms_term, df_k in terms:
        if value > 0:  # v_seed/S = (MS_seed - MS_cell)/(S N): it replaces the cell term's MS_cell by MS_seed
            parts.append((ms_term, df_k))
            parts[0] = (parts[0][0] - v["ms_cell"] / (s * n), parts[0][1])
    denom = sum(c**2 / df_k for c, df_k in parts if c != 0)
    df = var**2 / denom if denom > 0 else float((s - 1) * (n - 1))
    se = math.sqrt(var)
    p = float(2 * stats.t.sf(abs(diff / se), df))
    return Comparison(diff, se, float(df), p, "crossed")


def on_test_split(q: dict[str, Any], direction: str, alpha: float = 0.05) -> None:
    """Point a paired question's effects at the test split, with the crossed interval, where the rows allow it.

    Each effect gets ``split`` ("test" or "validation"), ``method`` and, on the
    test split, ``n_test`` plus the seeds-only validation answer it replaces
    (each level also gets ``test_mean``, its mean test accuracy over seeds)
    (``validation_diff``, ``validation_ci_low``, ``validation_ci_high``, 95%).
    Otherwise ``split_note`` says why the answer stays on validation.
    On the test split ``q["_test"]`` keeps each level's per-seed correctness
    (level -> seed -> vector) for the sequential looks (:func:`crossed_compare`).
    """
    for e in q["effects"]:
        e.update({"split": "validation", "method": SEEDS_ONLY_METHOD})
    rows = q.get("_rows")
    if not q["effects"] or rows is None:
        return
    levels = {q["reference"], *(e["level"] for e in q["effects"])}
    rows = rows[rows["_level"].isin(levels)]
    why, n = _why_not(rows, q, direction)
    if why:
        for e in q["effects"]:
            e["split_note"] = why
        return
    per_level = {lv: _per_seed_matrix(rows[rows["_level"] == lv], n) for lv in levels}
    q["_test"] = per_level
    for entry in q.get("levels", []):
        if per_level.get(entry["level"]):
            entry["test_mean"] = float(np.mean([v.mean() for v in per_level[entry["level"]].values()]))
    ref = per_level[q["reference"]]
    for e in q["effects"]:
        cur = per_level[e["level"]]
        seeds = [s for s in cur if s in ref]
        if not seeds:
            continue
        old: Comparison | None = e.get("_comparison")
        lo, hi = old.interval(alpha) if old is not None else (math.nan, math.nan)
        a, b = np.stack([cur[s] for s in seeds]), np.stack([ref[s] for s in seeds])
        e.update(
            {
                "split": "test",
                "method": EXAMPLES_METHOD,
                "n_test": n,
                "validation_diff": old.diff if old is not None else math.nan,
                "validation_ci_low": lo,
                "validation_ci_high": hi,
                "_comparison": crossed_test(a, b),
                "_components": variance_components(a - b) if len(seeds) > 1 and n > 1 else None,
            }
        )


def crossed_compare(
    per_level: dict[str, dict[Any, np.ndarray]], reference: str
) -> Callable[[str, list[Any]], Comparison]:
    """``compare(level, seeds)``: :func:`crossed_test` of ``level`` with ``reference`` on those seeds' correctness.

    ``per_level`` maps level -> seed -> that seed's correctness vector (one test
    split). This is what a sequential look (:func:`sequential_decision`'s
    ``compare``) judges on the test split.

    Example:
        >>> rng = np.random.default_rng(0)
        >>> m = {lv: {s: rng.random(300) < p for s in range(4)} for lv, p in (("a", 0.9), ("b", 0.9))}
        >>> crossed_compare(m, "a")("b", [0, 1, 2]).method
        'crossed'
    """
    ref = per_level[reference]

    def compare(level: str, seeds: list[Any]) -> Comparison:
        cur = per_level[level]
        if not seeds:
            return Comparison(math.nan, math.nan, math.nan, math.nan, "crossed")
        return crossed_test(np.stack([cur[s] for s in seeds]), np.stack([ref[s] for s in seeds]))

    return compare


def seeds_for_power(
    components: dict[str, float], n: int, min_effect: float, alpha: float, power: float = 0.8, confidence: float = 0.8
) -> int | None:
    """Seeds per level for ``power`` at ``min_effect`` on a test split of ``n`` examples; None: no number will do.

    The estimate's variance is ``(v_seed + v_cell / n) / S + v_example / n``:
    seeds shrink the first part only. When the example term alone leaves no
    room for ``min_effect`` at ``alpha`` and ``power`` (normal limit of many
    seeds), more seeds cannot settle it (a larger test split can): None.
    Otherwise the smallest ``S`` whose crossed test (:func:`crossed_test`: a t
    test with Satterthwaite's degrees of freedom at ``S`` seeds) has the power,
    by the noncentral t. As in the validation path, a per-seed spread estimated
    from few seeds (``components["df_seed"]``, from :func:`variance_components`)
    is first raised to its ``confidence`` upper chi-square bound, so a pilot's
    lucky small spread does not promise power it will not deliver.

    Example:
        >>> seeds_for_power({"seed": 1e-4, "example": 0.0, "cell": 0.02}, 400, 0.01, 0.05)
        14
        >>> seeds_for_power({"seed": 1e-4, "example": 0.05, "cell": 0.02}, 400, 0.01, 0.05) is None
        True
    """
    z = float(stats.norm.ppf(1 - alpha / 2) + stats.norm.ppf(power))
    example = components["example"] / n
    if (min_effect / z) ** 2 - example <= 0:
        return None
    per_seed = components["seed"] + components["cell"] / n
    df_seed = components.get("df_seed")
    if df_seed:
        per_seed *= df_seed / float(stats.chi2.ppf(1 - confidence, df_seed))
    df_example = components.get("df_example", n - 1)
    if per_seed <= 0 and example <= 0:  # identical on every seed and example: nothing left to average out
        return 2

    def enough(s: int) -> bool:
        seed_part = per_seed / s
        var = seed_part + example
        df = var**2 / (seed_part**2 / (s - 1) + (example**2 / df_example if example > 0 else 0.0))
        crit = float(stats.t.ppf(1 - alpha / 2, df))
        return float(stats.nct.sf(crit, df, min_effect / math.sqrt(var))) >= power

    low = 2  # the z answer is a lower bound (t's tails are heavier): search up from it, then bisect
    if per_seed > 0:
        low = max(int(math.ceil(per_seed / ((min_effect / z) ** 2 - example))), 2)
    if enough(low):
        return low
    high = low * 2
    while not enough(high):
        if high > 1_000_000:
            return None
        low, high = high, high * 2
    while high - low > 1:  # enough(high), not enough(low)
        mid = (low + high) // 2
        low, high = (low, mid) if enough(mid) else (mid, high)
    return high


def _why_not(rows: pd.DataFrame, q: dict[str, Any], direction: str) -> tuple[str, int]:
    if "correct_test" not in rows.columns or "n_test" not in rows.columns:
        return "the table has no per-example test correctness (columns correct_test, n_test).", 0
    if q.get("outcome") not in (None, "value"):
        return f"pruned trials are compared on validation at {q['outcome']}.", 0
    if direction != "maximize":
        return "the objective is minimized; per-example correctness measures accuracy.", 0
    if not all(isinstance(p, str) and p for p in rows["correct_test"]):
        return "some seeds have no per-example test correctness (trials written before it was stored).", 0
    sizes = set(pd.to_numeric(rows["n_test"], errors="coerce"))
    if len(sizes) != 1 or not all(math.isfinite(s) and s >= 1 for s in sizes):
        return f"the seeds were scored on test splits of different sizes ({sorted(sizes)}).", 0
    n = int(sizes.pop())
    if {"correct_val", "n_val"} <= set(rows.columns):
        for packed, n_val, value in zip(rows["correct_val"], rows["n_val"], rows["value"], strict=True):
            if isinstance(packed, str) and pd.notna(n_val) and pd.notna(value) and int(n_val) > 0:
                acc = float(unpack_correct(packed, int(n_val)).mean())
                if abs(acc - float(value)) > 0.5 / int(n_val) + 1e-6:
                    return (
                        f"the objective is not validation accuracy (a seed's objective {float(value):.4g}, its "
                        f"validation accuracy {acc:.4g}); per-example correctness measures accuracy."
                    ), 0
    return "", n


def _per_seed_matrix(rows: pd.DataFrame, n: int) -> dict[Any, np.ndarray]:
    """Seed -> that seed's correctness (the mean over a level's duplicate rows of one seed)."""
    out: dict[Any, np.ndarray] = {}
    for seed, group in rows.groupby("seed", sort=True):
        out[seed] = correctness_matrix(list(group["correct_test"]), n).mean(axis=0)
    return out
