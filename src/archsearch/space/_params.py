"""Declared hyperparameters: what a builder asked for, independent of who answers.

A :class:`Param` is a plain record of one keras-tuner hyperparameter object
(``keras_tuner.engine.hyperparameters.Int`` / ``Float`` / ``Choice`` /
``Boolean`` / ``Fixed``): its range, default and the conditions under which it
is active. keras-tuner validates the declaration; a Param only reads it, so that
``show``, ``--sampler grid``, reports and ablations can use it without keras-tuner's
classes. Its grid is the set of values keras-tuner itself samples.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Sequence
from typing import Any

from archsearch._compat.keras_tuner import n_values

__all__ = ["Condition", "Param", "sampled_grid", "shown_value"]


@dataclasses.dataclass(frozen=True)
class Condition:
    """Active only when ``parent`` currently takes one of ``values``."""

    parent: str
    values: tuple[Any, ...]

    def describe(self) -> str:
        """``layers = 3`` for one value, ``layers in (2, 3)`` for several.

        Example:
            >>> Condition("layers", (3,)).describe(), Condition("act", ("relu", "tanh")).describe()
            ('layers = 3', "act in ('relu', 'tanh')")
        """
        if len(self.values) == 1:
            return f"{self.parent} = {self.values[0]!r}"
        shown = ", ".join(repr(v) for v in self.values)
        return f"{self.parent} in ({shown})"


@dataclasses.dataclass(frozen=True)
class Param:
    """One declared hyperparameter (kind, range, default, conditions).

    Attributes:
        source: the keras-tuner hyperparameter object it was read from.
    """

    name: str
    kind: str  # "int" | "float" | "choice" | "boolean" | "fixed"
    min_value: float | int | None = None
    max_value: float | int | None = None
    step: float | int | None = None
    sampling: str = "linear"
    values: tuple[Any, ...] = ()
    ordered: bool | None = None
    default: Any = None
    conditions: tuple[Condition, ...] = ()
    source: Any = dataclasses.field(default=None, compare=False, repr=False)

    @classmethod
    def of(cls, hp: Any) -> Param:
        """The record of a keras-tuner hyperparameter object."""
        kind = type(hp).__name__.lower()
        conditions = tuple(Condition(c.name, tuple(c.values)) for c in hp.conditions)
        common = {"name": hp.name, "kind": kind, "default": hp.default, "conditions": conditions, "source": hp}
        if kind in ("int", "float"):
            return cls(min_value=hp.min_value, max_value=hp.max_value, step=hp.step, sampling=hp.sampling, **common)
        if kind == "choice":
            return cls(values=tuple(hp.values), ordered=hp.ordered, **common)
        if kind in ("boolean", "fixed"):
            return cls(**common)
        raise TypeError(f"{hp.name}: unknown keras-tuner hyperparameter type {type(hp).__name__}.")

    def same_space(self, other: Param) -> bool:
        """True when two declarations describe the same search space."""
        a = dataclasses.replace(self, conditions=())
        b = dataclasses.replace(other, conditions=())
        return a == b

    def describe(self) -> str:
        """A short human description, e.g. ``int in [1, 5] step 1``."""
        if self.kind in ("int", "float"):
            text = f"{self.kind} in [{self.min_value}, {self.max_value}]"
            if self.step is not None:
                text += f" step {self.step}"
            if self.sampling != "linear":
                text += f" ({self.sampling})"
        elif self.kind == "choice":
            text = "one of " + ", ".join(repr(v) for v in self.values)
        elif self.kind == "boolean":
            text = "True or False"
        else:
            text = f"fixed {self.default!r}"
        text += f", default {self.default!r}"
        if self.conditions:
            text += "; only if " + " and ".join(c.describe() for c in self.conditions)
        return text

    def contains(self, value: Any) -> bool:
        """True when ``value`` is one this declaration can take: one of a choice's values, inside an int's or
        float's range (on its step grid when it has one), a bool for a boolean, a fixed one's own value.

        Example:
            >>> units = Param("units", "choice", values=(16, 64), default=16)
            >>> units.contains(64), units.contains(32), Param("layers", "int", 1, 3, step=1).contains(7)
            (True, False, False)
        """
        if self.kind == "choice":
            return any(value == v and type(value) is type(v) or _same_number(value, v) for v in self.values)
        if self.kind == "boolean":
            return isinstance(value, bool)
        if self.kind == "fixed":
            return bool(value == self.default)
        if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
            return False
        if self.kind == "int" and not float(value).is_integer():
            return False
        if self.min_value is None or self.max_value is None or not self.min_value <= value <= self.max_value:
            return False
        if self.kind == "int" or self.step is not None:
            try:
                return any(math.isclose(value, v) for v in self.grid())
            except ValueError:
                return True
        return True

    def shown(self, value: Any) -> Any:
        """``value`` as people read it: a float rounded to the step's decimals (0.3, not
        0.30000000000000004), or to 4 significant digits without a step; anything else as is.

        Example:
            >>> Param("dropout", "float", 0.0, 0.5, step=0.1).shown(0.30000000000000004)
            0.3
        """
        return shown_value(value, self.step if self.sampling == "linear" else None)  # a log step multiplies

    def grid(self) -> list[Any]:
        """Every value the parameter can take, when that set is finite (keras-tuner's own grid)."""
        if self.kind == "choice":
            return list(self.values)
        if self.kind == "boolean":
            return [False, True]
        if self.kind == "fixed":
            return [self.default]
        if self.step is None:
            if self.kind == "int":  # log-sampled ints without a step: every integer
                return list(range(int(self.min_value or 0), int(self.max_value or 0) + 1))
            raise ValueError(f"{self.name} is a continuous float: it has no finite grid.")
        return sampled_grid(self.source)

    # -- constructors: keras-tuner validates, the record reads -----------------

    @classmethod
    def make_int(
        cls,
        name: str,
        min_value: int,
        max_value: int,
        step: int | None = None,
        sampling: str | None = "linear",
        default: int | None = None,
    ) -> Param:
        from keras_tuner.engine.hyperparameters import Int

        return cls.of(Int(name, min_value, max_value, step=step, sampling=sampling, default=default))

    @classmethod
    def make_float(
        cls,
        name: str,
        min_value: float,
        max_value: float,
        step: float | None = None,
        sampling: str | None = "linear",
        default: float | None = None,
    ) -> Param:
        from keras_tuner.engine.hyperparameters import Float

        return cls.of(Float(name, min_value, max_value, step=step, sampling=sampling, default=default))

    @classmethod
    def make_choice(cls, name: str, values: Sequence[Any], ordered: bool | None = None, default: Any = None) -> Param:
        from keras_tuner.engine.hyperparameters import Choice

        return cls.of(Choice(name, values, ordered=ordered, default=default))

    @classmethod
    def make_boolean(cls, name: str, default: bool = False) -> Param:
        from keras_tuner.engine.hyperparameters import Boolean

        return cls.of(Boolean(name, default=default))

    @classmethod
    def make_fixed(cls, name: str, value: Any) -> Param:
        from keras_tuner.engine.hyperparameters import Fixed

        return cls.of(Fixed(name, value))


def _same_number(a: Any, b: Any) -> bool:
    """Two numbers (not bools) of equal value: 64 and 64.0; "64" is no number."""
    numbers = all(isinstance(x, int | float) and not isinstance(x, bool) for x in (a, b))
    return numbers and a == b


def sampled_grid(hp: Any) -> list[Any]:
    """The values a stepped keras-tuner ``Int``/``Float`` can take, smallest first.

    Computed with keras-tuner's own ``prob_to_value`` at the centre of each of its
    buckets, so a log step is multiplicative (``0.01, 0.1, 1``) and ``reverse_log``
    is mirrored exactly as keras-tuner samples them.

    Example:
        >>> from keras_tuner.engine.hyperparameters import Float
        >>> sampled_grid(Float("lr", 0.001, 10, step=10, sampling="log"))
        [0.001, 0.01, 0.1, 1.0, 10.0]
    """
    n = n_values(hp)  # keras-tuner's count of values on its step grid
    # (i + 0.5) / n is keras-tuner's hp_utils.index_to_prob: the centre of bucket i.
    return sorted({hp.prob_to_value((i + 0.5) / n) for i in range(n)})


def shown_value(value: Any, step: float | int | None = None) -> Any:
    """A float rounded to ``step``'s decimals, or to 4 significant digits without one (see :meth:`Param.shown`).

    Example:
        >>> shown_value(0.1 + 0.2, 0.05), shown_value(0.000316227766), shown_value(3)
        (0.3, 0.0003162, 3)
    """
    if not isinstance(value, float) or not math.isfinite(value):
        return value
    if step is not None and float(step) != 0:
        text = f"{float(step):.10f}".rstrip("0")
        decimals = len(text.split(".")[1]) if "." in text else 0
        rounded = round(value, decimals)
        # log grids multiply by the step: keep the significant digits such a value needs
        return rounded if rounded != 0 or value == 0 else float(f"{value:.4g}")
    return float(f"{value:.4g}")
