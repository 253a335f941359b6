"""Declared hyperparameters: what a builder asked for, independent of who answers.

A :class:`Param` is the record of one ``hp.Int`` / ``hp.Float`` / ``hp.Choice`` /
``hp.Boolean`` / ``hp.Fixed`` call: its range, default and the conditions under
which it is active. It carries no value; the hp object decides the value.
"""

from __future__ import annotations

import dataclasses
import math
from typing import Any

from archsearch.errors import SpaceError

__all__ = ["Condition", "Param"]

_SAMPLINGS = ("linear", "log", "reverse_log")


@dataclasses.dataclass(frozen=True)
class Condition:
    """Active only when ``parent`` currently takes one of ``values``."""

    parent: str
    values: tuple[Any, ...]

    def describe(self) -> str:
        shown = ", ".join(repr(v) for v in self.values)
        return f"{self.parent} in ({shown})"


@dataclasses.dataclass(frozen=True)
class Param:
    """One declared hyperparameter (kind, range, default, conditions)."""

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

    def grid(self) -> list[Any]:
        """Every value the parameter can take, when that set is finite."""
        if self.kind == "choice":
            return list(self.values)
        if self.kind == "boolean":
            return [False, True]
        if self.kind == "fixed":
            return [self.default]
        if self.kind == "int":
            step = int(self.step or 1)
            if self.sampling == "log" and self.step is not None and self.step > 1:
                out, v = [], int(self.min_value)
                while v <= self.max_value:
                    out.append(v)
                    v *= step
                return out
            return list(range(int(self.min_value), int(self.max_value) + 1, step))
        if self.kind == "float" and self.step is not None:
            n = int(math.floor((self.max_value - self.min_value) / self.step + 1e-9))
            return [self.min_value + i * self.step for i in range(n + 1)]
        raise ValueError(f"{self.name} is a continuous float: it has no finite grid.")

    # -- constructors that validate like keras-tuner, with better messages ----

    @classmethod
    def make_int(cls, name, min_value, max_value, step, sampling, default) -> Param:
        where = f"For hp.Int(name={name!r})"
        for label, value in (("min_value", min_value), ("max_value", max_value)):
            if isinstance(value, bool) or not isinstance(value, int | float) or int(value) != value:
                raise SpaceError(f"{where}, {label} must be an integer, but got {label}={value!r}.")
        min_value, max_value = int(min_value), int(max_value)
        _check_range(where, min_value, max_value)
        sampling = _check_sampling(where, sampling, min_value)
        if step is not None and (int(step) != step or step < 1):
            raise SpaceError(f"{where}, step must be a positive integer, but got step={step!r}.")
        if default is None:
            default = min_value
        elif not (min_value <= default <= max_value):
            raise SpaceError(
                f"{where}, default must lie in [min_value, max_value], but got "
                f"default={default!r} for [{min_value}, {max_value}]."
            )
        return cls(name, "int", min_value, max_value, None if step is None else int(step),
                   sampling, default=int(default))

    @classmethod
    def make_float(cls, name, min_value, max_value, step, sampling, default) -> Param:
        where = f"For hp.Float(name={name!r})"
        for label, value in (("min_value", min_value), ("max_value", max_value)):
            if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
                raise SpaceError(f"{where}, {label} must be a finite number, but got {label}={value!r}.")
        _check_range(where, min_value, max_value)
        sampling = _check_sampling(where, sampling, min_value)
        if step is not None and not step > 0:
            raise SpaceError(f"{where}, step must be > 0, but got step={step!r}.")
        if default is None:
            default = min_value
        elif not (min_value <= default <= max_value):
            raise SpaceError(
                f"{where}, default must lie in [min_value, max_value], but got "
                f"default={default!r} for [{min_value}, {max_value}]."
            )
        return cls(name, "float", float(min_value), float(max_value),
                   None if step is None else float(step), sampling, default=float(default))

    @classmethod
    def make_choice(cls, name, values, ordered, default) -> Param:
        where = f"For hp.Choice(name={name!r})"
        try:
            values = tuple(values)
        except TypeError:
            raise SpaceError(f"{where}, values must be a list, but got values={values!r}.") from None
        if not values:
            raise SpaceError(f"{where}, values must be a non-empty list, but got values=[].")
        types = {type(v) for v in values}
        if not types <= {int, float, str, bool} or len(types) > 1 and types != {int, float}:
            raise SpaceError(
                f"{where}, values must all be int, float, str or bool of one type, "
                f"but got values={list(values)!r}."
            )
        if len(set(values)) != len(values):
            raise SpaceError(f"{where}, values must be unique, but got values={list(values)!r}.")
        if default is None:
            default = values[0]
        elif default not in values:
            raise SpaceError(
                f"{where}, default must be one of the values, but got default={default!r} "
                f"for values={list(values)!r}."
            )
        if ordered is None:
            ordered = types <= {int, float}
        return cls(name, "choice", values=values, ordered=ordered, default=default)

    @classmethod
    def make_boolean(cls, name, default) -> Param:
        if not isinstance(default, bool):
            raise SpaceError(
                f"For hp.Boolean(name={name!r}), default must be True or False, but got default={default!r}."
            )
        return cls(name, "boolean", default=default)

    @classmethod
    def make_fixed(cls, name, value) -> Param:
        return cls(name, "fixed", default=value)


def _check_range(where: str, low, high) -> None:
    if low > high:
        raise SpaceError(
            f"{where}, min_value <= max_value must hold, but got min_value={low!r}, max_value={high!r}. "
            "Swap them."
        )


def _check_sampling(where: str, sampling: str | None, low) -> str:
    sampling = (sampling or "linear").lower()
    if sampling not in _SAMPLINGS:
        raise SpaceError(
            f"{where}, sampling must be one of {', '.join(_SAMPLINGS)}, but got sampling={sampling!r}."
        )
    if sampling != "linear" and low <= 0:
        raise SpaceError(f"{where}, {sampling} sampling needs min_value > 0, but got min_value={low!r}.")
    return sampling
