"""Matched sizes: each level of a depth (or width) factor gets the width (or depth) that keeps its size.

``archsearch ask --factor blocks --match-size`` answers "does depth help at
the same number of parameters?": for every level, the other dimension is set
so the model's parameter count is within 5% of the baseline level's, and the
size confound is removed by design instead of adjusted for afterwards.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from archsearch.errors import UsageError

if TYPE_CHECKING:
    from archsearch.space import Space

__all__ = ["DEFAULT_PAIRS", "SIZE_TOLERANCE", "match_sizes", "size_partner"]

#: A parameter count within this fraction of the baseline's counts as the same size.
SIZE_TOLERANCE = 0.05
#: Depth and width names the blocks declare, paired: the one to adjust when the other is the factor.
DEFAULT_PAIRS = {"blocks": "filters", "filters": "blocks", "layers": "units", "units": "layers", "modules": "filters"}


def size_partner(space: Space, factor: str, match_size: str) -> str:
    """The hyperparameter to adjust: ``match_size`` itself, or with ``"auto"`` the space's ``MATCH_SIZE``
    entry for ``factor`` (else :data:`DEFAULT_PAIRS`).

    Raises:
        UsageError: no partner is known for ``factor``, or it is the factor itself.
    """
    partner: str | None
    if match_size != "auto":
        partner = match_size
    else:
        pairs = {**DEFAULT_PAIRS, **getattr(space.build, "__globals__", {}).get("MATCH_SIZE", {})}
        partner = pairs.get(factor)
        if partner is None:
            raise UsageError(
                f"{space.path}: --match-size: no size partner known for {factor!r}; name the "
                f"hyperparameter to adjust, e.g. --match-size units, or set MATCH_SIZE in the space."
            )
    if partner == factor:
        raise UsageError(f"--match-size {partner}: the adjusted hyperparameter must differ from --factor {factor}.")
    return partner


def match_sizes(
    space: Space,
    factor: str,
    levels: Sequence[Any],
    baseline: Any,
    base: Mapping[str, Any],
    partner: str,
    *,
    tolerance: float = SIZE_TOLERANCE,
    dataset: str | None = None,
) -> dict[str, dict[str, Any]]:
    """For each level, the value of ``partner`` whose model is closest in size to the baseline's.

    The baseline level keeps ``partner`` at its base value; its parameter count
    is the target. Other levels search ``partner``'s grid (bisection when the
    count grows with it, which depth and width do).

    Returns:
        ``{str(level): {"value": partner value, "params": count, "target": baseline count}}``.

    Raises:
        UsageError: ``partner`` is not a hyperparameter with a finite grid at some level, or no value
            brings a level within ``tolerance`` of the target (the message gives the closest).

    Example:
        >>> match_sizes(space, "blocks", [3, 5], 3, {}, "filters")  # doctest: +SKIP
        {'3': {'value': 32, 'params': 125258, ...}, '5': {'value': 29, 'params': 126911, ...}}
    """
    from archsearch.study import input_shape

    shape, classes = input_shape(space, dataset)
    target_count, hp = _count(space, {**base, factor: baseline}, shape, classes)
    if partner not in hp.params:
        raise UsageError(
            f"{space.path}: --match-size {partner}: not a hyperparameter of the space at "
            f"{factor}={baseline!r} (declared: {', '.join(sorted(hp.params))})."
        )
    out = {str(baseline): {"value": hp.values[partner], "params": target_count, "target": target_count}}
    for level in levels:
        if str(level) in out:
            continue
        values = {**base, factor: level}
        grid = _grid(space, partner, values, shape, classes)
        counts: dict[Any, int] = {}

        def count(v: Any, values: dict[str, Any] = values, counts: dict[Any, int] = counts) -> int:
            if v not in counts:
                counts[v] = _count(space, {**values, partner: v}, shape, classes)[0]
            return counts[v]

        best = _closest(grid, target_count, count)
        gap = abs(count(best) - target_count) / target_count
        if gap > tolerance:
            raise UsageError(
                f"{space.path}: --match-size {partner}: at {factor}={level!r} no value of {partner} "
                f"comes within {tolerance:.0%} of {target_count:,} parameters (closest: {partner}="
                f"{best!r}, {count(best):,}); widen the range of {partner}."
            )
        out[str(level)] = {"value": best, "params": count(best), "target": target_count}
    return out


def _closest(grid: list[Any], target: int, count: Any) -> Any:
    """The grid value whose count is closest to ``target``; bisection on a growing count, else every value."""
    if len(grid) > 24 and count(grid[0]) <= count(grid[-1]):
        lo, hi = 0, len(grid) - 1
        while hi - lo > 1:
            mid = (lo + hi) // 2
            if count(grid[mid]) < target:
                lo = mid
            else:
                hi = mid
        near = grid[max(lo - 1, 0) : hi + 2]
    else:
        near = grid
    return min(near, key=lambda v: (abs(count(v) - target), str(v)))


def _grid(space: Space, partner: str, values: dict[str, Any], shape: tuple[int, ...], classes: int) -> list[Any]:
    _, hp = _count(space, values, shape, classes)
    param = hp.params.get(partner)
    try:
        grid = param.grid() if param is not None else []
    except ValueError:
        grid = []
    if not grid or any(isinstance(v, str) for v in grid):
        raise UsageError(
            f"{space.path}: --match-size {partner}: it must be a numeric hyperparameter with a finite "
            f"grid ({param.describe() if param is not None else 'not declared'})."
        )
    return sorted(grid)


def _count(space: Space, values: Mapping[str, Any], shape: tuple[int, ...], classes: int) -> tuple[int, Any]:
    """Parameter count of the model built with ``values`` (no training), and the hp object."""
    from archsearch import train
    from archsearch.space import FixedHyperParameters

    hp = FixedHyperParameters(dict(values))
    try:
        count = int(space.call_build(hp, shape, classes).count_params())
    finally:
        train.clear_session()
    return count, hp
