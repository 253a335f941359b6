"""How a block argument says "search this" or "keep this fixed".

Every tunable argument of a block takes a *spec*:

* a plain value (``256``, ``"relu"``, ``0.2``): fixed, not declared, not logged;
* a list (``[64, 128, 256]``): ``hp.Choice``;
* a tuple ``(low, high)`` or ``(low, high, step)``: ``hp.Int`` when both ends are
  ints, else ``hp.Float``;
* :class:`Per` (``Per([11, 8, 5])``): one spec per layer or block, the last one
  repeating (AlexNet's shrinking kernels); ``Per([True, True, False], last=True)``
  gives the last layer its own spec whatever the depth (pool after the first two
  convolutions and after the last, as lab L4 does at depth 3 and at depth 5);
* :class:`Log` (``Log(1e-4, 1e-1)``): ``hp.Float`` with log sampling;
* :class:`Choice` (``Choice([16, 32, 64], default=32)``): ``hp.Choice`` with a
  default other than the first value;
* a callable ``f(hp, name)``: full control, e.g.
  ``lambda hp, name: hp.Int(name, 8, 256, step=2, sampling="log")``.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from typing import Any

__all__ = ["Choice", "Log", "Per", "at", "count_condition", "is_searched", "largest", "per_name", "pick"]


@dataclasses.dataclass(frozen=True)
class Per:
    """One spec per layer/block; layers past the end reuse the last spec.

    ``last`` (when given) is the spec of the last layer of the stack, whatever its
    depth, so one ``Per`` describes a placement such as "pool after the first two
    blocks and after the last one" at every depth.

    Example:
        >>> Per([11, 8, 5]).at(4)
        5
        >>> pools = Per([True, True, False], last=True)
        >>> [pools.at(i, count=3) for i in range(3)], [pools.at(i, count=5) for i in range(5)]
        ([True, True, True], [True, True, False, False, True])
    """

    specs: Sequence[Any]
    last: Any = None

    def __post_init__(self) -> None:
        if not self.specs:
            raise ValueError("Per() needs at least one spec, e.g. Per([11, 8, 5]).")

    def at(self, index: int, count: int | None = None) -> Any:
        """The spec of layer ``index`` in a stack of ``count`` layers (``count`` matters only with ``last``)."""
        if self.last is not None and count is not None and index == count - 1:
            return self.last
        return self.specs[min(index, len(self.specs) - 1)]


@dataclasses.dataclass(frozen=True)
class Log:
    """A float searched on a log scale, e.g. ``Log(1e-4, 1e-1)`` for a learning rate."""

    low: float
    high: float
    default: float | None = None


@dataclasses.dataclass(frozen=True)
class Choice:
    """``hp.Choice`` with a chosen default, e.g. ``Choice([16, 32, 64], default=32)``."""

    values: Sequence[Any]
    default: Any = None


def pick(hp: Any, name: str, spec: Any, index: int | None = None, count: int | None = None) -> Any:
    """The value of ``spec`` for this trial, declaring it on ``hp`` when searched.

    Args:
        hp: the hp object.
        name: hyperparameter name (see :func:`per_name` for per-layer names).
        spec: see the module docstring.
        index: the layer/block index, for :class:`Per` specs.
        count: the number of layers/blocks in the stack, for ``Per(..., last=...)``.

    Example:
        >>> from archsearch.space import FixedHyperParameters
        >>> hp = FixedHyperParameters()
        >>> pick(hp, "units", [64, 128]), pick(hp, "rate", 0.5), pick(hp, "layers", (1, 5))
        (64, 0.5, 1)
    """
    if isinstance(spec, Per):
        spec = spec.at(index or 0, count)
    if isinstance(spec, Log):
        return hp.Float(name, spec.low, spec.high, sampling="log", default=spec.default)
    if isinstance(spec, list):
        return hp.Choice(name, spec)
    if isinstance(spec, Choice):
        return hp.Choice(name, list(spec.values), default=spec.default)
    if isinstance(spec, tuple):
        if len(spec) not in (2, 3):
            raise ValueError(f"{name}: a range spec is (low, high) or (low, high, step), but got {spec!r}.")
        low, high, *step = spec
        if all(isinstance(v, int) and not isinstance(v, bool) for v in spec):
            return hp.Int(name, low, high, step=step[0] if step else None)
        return hp.Float(name, low, high, step=step[0] if step else None)
    if callable(spec) and not isinstance(spec, type):
        return spec(hp, name)
    return spec


def is_searched(spec: Any) -> bool:
    """True when ``spec`` declares a hyperparameter (anything but a plain value)."""
    if isinstance(spec, Per):
        return any(is_searched(s) for s in spec.specs) or is_searched(spec.last)
    return isinstance(spec, list | tuple | Log | Choice) or (callable(spec) and not isinstance(spec, type))


def largest(spec: Any) -> int:
    """The largest integer a count spec (``3``, ``[1, 3]``, ``(1, 5)``) can take, for conditions."""
    return _bounds(spec)[1]


def smallest(spec: Any) -> int:
    """The smallest integer a count spec can take."""
    return _bounds(spec)[0]


def _bounds(spec: Any) -> tuple[int, int]:
    if isinstance(spec, Choice):
        spec = list(spec.values)
    if isinstance(spec, list):
        return min(spec), max(spec)
    if isinstance(spec, tuple):
        return spec[0], spec[1]
    if isinstance(spec, int):
        return spec, spec
    raise ValueError(f"a layer/block count must be an int, a list or a (low, high) tuple, but got {spec!r}.")


def count_condition(hp: Any, name: str, spec: Any, index: int) -> Any:
    """A context manager: what is declared inside is active only when ``name >= index + 1``."""
    import contextlib

    if not is_searched(spec) or index + 1 <= smallest(spec):  # always active: no condition to record
        return contextlib.nullcontext()
    return hp.conditional_scope(name, list(range(index + 1, largest(spec) + 1)))


def at(spec: Any, index: int, count: int | None = None) -> Any:
    """The spec that applies to layer ``index`` of ``count`` (unwraps :class:`Per`)."""
    return spec.at(index, count) if isinstance(spec, Per) else spec


def per_name(base: str, spec: Any, index: int, per_layer: bool) -> str:
    """``base_i`` when each layer has its own parameter (``per_layer`` or a ``Per`` spec), else ``base``."""
    return f"{base}_{index}" if per_layer or isinstance(spec, Per) else base
