"""keras-tuner's hyperparameter API, answered by Optuna or by fixed values.

A builder written for keras-tuner (``def build_model(hp): ...``) runs unchanged:
``hp.Int``, ``hp.Float``, ``hp.Choice``, ``hp.Boolean``, ``hp.Fixed``,
``hp.conditional_scope`` and ``hp.name_scope`` keep keras-tuner 1.4.8's names,
signatures and defaults. Who picks the values is the only difference:

* :class:`OptunaHyperParameters` asks an Optuna trial (define-by-run), so every
  Optuna sampler, pruner and storage works. Inactive (conditional) parameters
  return ``None`` and are neither sampled nor recorded.
* :class:`FixedHyperParameters` answers from a dict of values and falls back to
  each parameter's default (or its smallest or largest value). Like Optuna's
  ``FixedTrial``, it rebuilds a model from saved params without a study.
"""

from __future__ import annotations

import contextlib
import warnings
from collections.abc import Iterator, Mapping
from typing import TYPE_CHECKING, Any

from archsearch.errors import SpaceError
from archsearch.space._params import Condition, Param

if TYPE_CHECKING:
    import optuna

__all__ = ["HyperParameters", "OptunaHyperParameters", "FixedHyperParameters"]


class HyperParameters:
    """The hp object handed to a builder. Subclasses decide the values.

    Attributes:
        values: the active values chosen so far, by full name.
        space: every declared :class:`Param` (active or not), by full name.
    """

    def __init__(self) -> None:
        self.values: dict[str, Any] = {}
        self.space: dict[str, Param] = {}
        self._conditions: list[Condition] = []
        self._name_scopes: list[str] = []

    # -- scopes ---------------------------------------------------------------

    @contextlib.contextmanager
    def name_scope(self, name: str) -> Iterator[None]:
        """Prefix the names declared inside with ``name/``."""
        self._name_scopes.append(name)
        try:
            yield
        finally:
            self._name_scopes.pop()

    @contextlib.contextmanager
    def conditional_scope(self, parent_name: str, parent_values: Any) -> Iterator[None]:
        """Parameters declared inside are active only when the parent takes one of ``parent_values``.

        Example:
            >>> hp = FixedHyperParameters({"model": "cnn"})
            >>> _ = hp.Choice("model", ["dense", "cnn"])
            >>> with hp.conditional_scope("model", ["dense"]):
            ...     print(hp.Int("units", 32, 512))
            None
        """
        full = self._full_name(parent_name)
        if full not in self.space:
            raise SpaceError(
                f"conditional_scope({parent_name!r}, ...): the parent hyperparameter {full!r} must be "
                "declared before the scope. Declare it first, e.g. hp.Choice(...)."
            )
        values = tuple(parent_values) if isinstance(parent_values, list | tuple | set) else (parent_values,)
        self._conditions.append(Condition(full, values))
        try:
            yield
        finally:
            self._conditions.pop()

    # -- the keras-tuner API ---------------------------------------------------

    def Int(self, name, min_value, max_value, step=None, sampling="linear", default=None,
            parent_name=None, parent_values=None) -> int | None:
        """Integer in ``[min_value, max_value]`` (both included)."""
        return self._declare(
            Param.make_int(self._full_name(name), min_value, max_value, step, sampling, default),
            parent_name, parent_values)

    def Float(self, name, min_value, max_value, step=None, sampling="linear", default=None,
              parent_name=None, parent_values=None) -> float | None:
        """Float in ``[min_value, max_value]``; ``sampling="log"`` for rates."""
        return self._declare(
            Param.make_float(self._full_name(name), min_value, max_value, step, sampling, default),
            parent_name, parent_values)

    def Choice(self, name, values, ordered=None, default=None, parent_name=None,
               parent_values=None) -> Any:
        """One of ``values`` (int, float, str or bool)."""
        return self._declare(
            Param.make_choice(self._full_name(name), values, ordered, default),
            parent_name, parent_values)

    def Boolean(self, name, default=False, parent_name=None, parent_values=None) -> bool | None:
        """True or False."""
        return self._declare(Param.make_boolean(self._full_name(name), default), parent_name, parent_values)

    def Fixed(self, name, value, parent_name=None, parent_values=None) -> Any:
        """A constant that is recorded with the trial but not searched."""
        return self._declare(Param.make_fixed(self._full_name(name), value), parent_name, parent_values)

    def get(self, name: str) -> Any:
        """The current value of an active hyperparameter."""
        full = self._full_name(name)
        if full in self.values:
            return self.values[full]
        if full in self.space:
            raise ValueError(f"{full} is currently inactive.")
        raise KeyError(f"{full} does not exist.")

    def __getitem__(self, name: str) -> Any:
        return self.get(name)

    def __contains__(self, name: str) -> bool:
        return self._full_name(name) in self.values

    # -- internals --------------------------------------------------------------

    def _full_name(self, name: str) -> str:
        if not isinstance(name, str) or not name:
            raise SpaceError(f"Hyperparameter names must be non-empty strings, but got name={name!r}.")
        return "/".join([*self._name_scopes, name])

    def _declare(self, param: Param, parent_name: str | None, parent_values: Any) -> Any:
        conditions = list(self._conditions)
        if parent_name is not None:
            values = parent_values if isinstance(parent_values, list | tuple | set) else [parent_values]
            conditions.append(Condition(self._full_name(parent_name), tuple(values)))
        param = Param(**{**param.__dict__, "conditions": tuple(conditions)})
        known = self.space.get(param.name)
        if known is not None and not known.same_space(param):
            raise SpaceError(
                f"Hyperparameter {param.name!r} is declared twice with different ranges: "
                f"first {known.describe()}, then {param.describe()}. Give the second one another name."
            )
        self.space.setdefault(param.name, param)
        if not self._active(param):
            return None
        if param.name in self.values:  # re-declared with the same range: same value
            return self.values[param.name]
        value = param.default if param.kind == "fixed" else self._value_for(param)
        self.values[param.name] = value
        return value

    def _active(self, param: Param) -> bool:
        return all(self.values.get(c.parent, _MISSING) in c.values for c in param.conditions)

    def _value_for(self, param: Param) -> Any:
        raise NotImplementedError


_MISSING = object()


class FixedHyperParameters(HyperParameters):
    """Answers from ``values``; parameters not in it take a fallback value.

    Args:
        values: params by full name, e.g. ``study.best_params``.
        fallback: for parameters not in ``values``: ``"default"`` (each one's
            default), ``"min"`` or ``"max"`` (the smallest or largest value; the
            last choice counts as largest).

    Example:
        >>> hp = FixedHyperParameters({"units": 128})
        >>> hp.Int("units", 32, 512), hp.Int("layers", 1, 5)
        (128, 1)
    """

    def __init__(self, values: Mapping[str, Any] | None = None, fallback: str = "default") -> None:
        super().__init__()
        if fallback not in ("default", "min", "max"):
            raise ValueError(f"fallback must be 'default', 'min' or 'max', but got {fallback!r}.")
        self._given = dict(values or {})
        self._fallback = fallback

    def _value_for(self, param: Param) -> Any:
        if param.name in self._given:
            return self._given[param.name]
        if self._fallback == "default":
            return param.default
        if param.kind == "int" or (param.kind == "float" and param.step is not None):
            grid = param.grid()  # the largest value on the step grid, not max_value off it
            return grid[0] if self._fallback == "min" else grid[-1]
        if param.kind == "float":
            return param.min_value if self._fallback == "min" else param.max_value
        if param.kind == "boolean":
            return self._fallback == "max"
        if param.kind == "choice":
            ordered = sorted(param.values) if param.ordered else list(param.values)
            return ordered[0] if self._fallback == "min" else ordered[-1]
        return param.default


class OptunaHyperParameters(HyperParameters):
    """Asks an Optuna trial for each active hyperparameter (define-by-run).

    Works with ``optuna.Trial``, ``optuna.trial.FixedTrial`` and enqueued trials.
    """

    def __init__(self, trial: optuna.trial.BaseTrial) -> None:
        super().__init__()
        self.trial = trial

    def _value_for(self, param: Param) -> Any:
        t, name = self.trial, param.name
        if param.kind == "boolean":
            return t.suggest_categorical(name, [False, True])
        if param.kind == "choice":
            return t.suggest_categorical(name, list(param.values))
        if param.sampling == "reverse_log" or (param.sampling == "log" and param.step is not None
                                               and param.step != 1):
            # Optuna has no reverse-log and no multiplicative step: offer the grid.
            if param.step is None:
                warnings.warn(
                    f"{name}: Optuna has no reverse_log sampling; sampling linearly instead.",
                    stacklevel=4)
            else:
                return t.suggest_categorical(name, param.grid())
        log = param.sampling == "log"
        if param.kind == "int":
            return t.suggest_int(name, param.min_value, param.max_value, step=param.step or 1, log=log)
        return t.suggest_float(name, param.min_value, param.max_value, step=param.step, log=log)
